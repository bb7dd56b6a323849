//! The SQLite driver: one database in WAL mode (one writer connection behind a mutex, a pool of
//! reader connections that never block it) and blobs as files named by their sha256.
//!
//! rusqlite is synchronous, so every call runs on tokio's blocking pool.

use std::fs;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection, OpenFlags, OptionalExtension as _, TransactionBehavior};

use crate::{
    Fail, GcReport, Job, JobCounts, JobState, NewJob, Package, PackageKey, Page, PageRequest,
    Project, ResultEntry, ResultKey, Revision, Sha256, StoreError, StoreStats, StoredResult,
    Subject,
};

const MIGRATIONS: &[&str] = &[
    include_str!("sql/sqlite/0001_init.sql"),
    include_str!("sql/sqlite/0002_result_data_digest.sql"),
];
/// Readers kept open between calls; more are opened when needed and closed after.
const MAX_IDLE_READERS: usize = 8;

/// The SQLite driver. Cheap to clone.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    db_path: PathBuf,
    blobs: PathBuf,
    tmp: PathBuf,
    // Dropped before the writer: the last connection to close checkpoints the WAL into the database and removes
    // it, which a read-only one cannot do. A WAL left behind is read whole by the next process that opens the
    // store (up to the 4 MB of an automatic checkpoint), before its first query.
    readers: Mutex<Vec<Connection>>,
    writer: Mutex<Connection>,
    tmp_counter: AtomicU64,
}

fn io_error(what: &str, path: &Path) -> impl FnOnce(std::io::Error) -> StoreError {
    let (what, path) = (what.to_owned(), path.to_owned());
    move |source| StoreError::Io { what, path, source }
}

/// How long a connection waits for another one's lock (another process on the same store holds it briefly).
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

fn connection(path: &Path, flags: OpenFlags) -> Result<Connection, rusqlite::Error> {
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(conn)
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

impl SqliteStore {
    pub(crate) async fn open(dir: &Path) -> Result<SqliteStore, StoreError> {
        let dir = dir.to_owned();
        run_blocking("open", move || Self::open_blocking(&dir)).await
    }

    fn open_blocking(dir: &Path) -> Result<SqliteStore, StoreError> {
        let blobs = dir.join("blobs");
        let tmp = dir.join("tmp");
        for d in [dir, &blobs, &tmp] {
            fs::create_dir_all(d).map_err(io_error("create directory", d))?;
        }
        let db_path = dir.join("store.sqlite");
        let named = |what: &'static str| {
            let db = db_path.display().to_string();
            move |source| StoreError::Sqlite {
                what: format!("{what} {db}"),
                source,
            }
        };
        let mut writer =
            connection(&db_path, OpenFlags::default()).map_err(named("open database"))?;
        // WAL: readers see the last committed state and never block the writer. synchronous=FULL:
        // a commit that returned is on disk, so an acknowledged write survives a crash.
        enable_wal(&writer).map_err(named("enable WAL"))?;
        writer
            .pragma_update(None, "synchronous", "full")
            .map_err(named("set synchronous"))?;
        migrate(&mut writer).map_err(|f| f.named(|| format!("migrate {}", db_path.display())))?;
        Ok(SqliteStore {
            inner: Arc::new(Inner {
                db_path,
                blobs,
                tmp,
                readers: Mutex::new(Vec::new()),
                writer: Mutex::new(writer),
                tmp_counter: AtomicU64::new(0),
            }),
        })
    }

    /// Runs `f` on the writer connection, on the blocking pool.
    async fn write<T: Send + 'static>(
        &self,
        what: impl FnOnce() -> String + Send + 'static,
        f: impl FnOnce(&mut Connection) -> Result<T, Fail> + Send + 'static,
    ) -> Result<T, StoreError> {
        let inner = Arc::clone(&self.inner);
        run_blocking("write", move || {
            // A panic while holding the lock cannot leave a transaction open (rusqlite rolls it
            // back on drop), so a poisoned lock is still a usable connection.
            let mut conn = inner.writer.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut conn).map_err(|fail| fail.named(what))
        })
        .await
    }

    /// Runs `f` on a reader connection, on the blocking pool.
    async fn read<T: Send + 'static>(
        &self,
        what: impl FnOnce() -> String + Send + 'static,
        f: impl FnOnce(&Connection) -> Result<T, Fail> + Send + 'static,
    ) -> Result<T, StoreError> {
        let inner = Arc::clone(&self.inner);
        run_blocking("read", move || {
            let idle = inner
                .readers
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .pop();
            let conn = match idle {
                Some(conn) => conn,
                None => connection(
                    &inner.db_path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )
                .map_err(|e| {
                    Fail::from(e).named(|| format!("open reader {}", inner.db_path.display()))
                })?,
            };
            let res = f(&conn).map_err(|fail| fail.named(what));
            let mut readers = inner.readers.lock().unwrap_or_else(|e| e.into_inner());
            if readers.len() < MAX_IDLE_READERS {
                readers.push(conn);
            }
            res
        })
        .await
    }

    pub(crate) async fn schema_version(&self) -> Result<i64, StoreError> {
        self.read(
            || "read schema version".into(),
            |conn| Ok(conn.query_row("SELECT version FROM schema_version", [], |r| r.get(0))?),
        )
        .await
    }

    fn blob_path(&self, sha256: Sha256) -> PathBuf {
        let hex = sha256.to_hex();
        self.inner.blobs.join(&hex[..2]).join(&hex)
    }

    pub(crate) async fn put_blob(&self, data: Vec<u8>) -> Result<Sha256, StoreError> {
        let store = self.clone();
        run_blocking("put blob", move || store.put_blob_blocking(&data)).await
    }

    fn put_blob_blocking(&self, data: &[u8]) -> Result<Sha256, StoreError> {
        let sha256 = Sha256::of(data);
        let path = self.blob_path(sha256);
        // Already there and intact: nothing to do. A corrupted copy is replaced.
        if let Ok(Some(_)) = self.read_blob_blocking(sha256) {
            return Ok(sha256);
        }
        // Written under a unique temporary name, flushed, then renamed into place: a reader
        // sees the whole blob or none of it, whatever happens to this process.
        let tmp = self.inner.tmp.join(format!(
            "{}-{}-{}",
            sha256.to_hex(),
            std::process::id(),
            self.inner.tmp_counter.fetch_add(1, Ordering::Relaxed)
        ));
        let res = (|| {
            let mut file = fs::File::create(&tmp).map_err(io_error("create", &tmp))?;
            file.write_all(data).map_err(io_error("write", &tmp))?;
            file.sync_all().map_err(io_error("sync", &tmp))?;
            let parent = path.parent().unwrap_or(&self.inner.blobs);
            fs::create_dir_all(parent).map_err(io_error("create directory", parent))?;
            fs::rename(&tmp, &path).map_err(io_error("rename into place", &path))?;
            // The rename itself is durable once the directory is.
            fs::File::open(parent)
                .and_then(|d| d.sync_all())
                .map_err(io_error("sync directory", parent))
        })();
        if res.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        res.map(|()| sha256)
    }

    pub(crate) async fn get_blob(&self, sha256: Sha256) -> Result<Option<Vec<u8>>, StoreError> {
        let store = self.clone();
        run_blocking("get blob", move || store.read_blob_blocking(sha256)).await
    }

    fn read_blob_blocking(&self, sha256: Sha256) -> Result<Option<Vec<u8>>, StoreError> {
        let path = self.blob_path(sha256);
        let mut file = match fs::File::open(&path) {
            Ok(file) => file,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(io_error("open blob", &path)(err)),
        };
        let mut data = Vec::new();
        file.read_to_end(&mut data)
            .map_err(io_error("read blob", &path))?;
        let actual = Sha256::of(&data);
        if actual != sha256 {
            return Err(StoreError::CorruptBlob {
                sha256,
                detail: format!("{} hashes to {actual}", path.display()),
            });
        }
        Ok(Some(data))
    }

    pub(crate) async fn blob_size(&self, sha256: Sha256) -> Result<Option<u64>, StoreError> {
        let path = self.blob_path(sha256);
        run_blocking("blob size", move || match fs::metadata(&path) {
            Ok(meta) => Ok(Some(meta.len())),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(io_error("stat blob", &path)(err)),
        })
        .await
    }

    pub(crate) async fn put_project(&self, project: &Project) -> Result<(), StoreError> {
        let p = project.clone();
        let what = format!("put project {}", p.import_path);
        self.write(
            move || what,
            move |conn| {
                conn.execute(
                    "INSERT INTO projects (import_path, repository) VALUES (?1, ?2)
                     ON CONFLICT (import_path) DO UPDATE SET repository = excluded.repository",
                    params![p.import_path, p.repository],
                )?;
                Ok(())
            },
        )
        .await
    }

    pub(crate) async fn get_project(
        &self,
        import_path: &str,
    ) -> Result<Option<Project>, StoreError> {
        let path = import_path.to_owned();
        let what = format!("get project {path}");
        self.read(
            move || what,
            move |conn| {
                Ok(conn
                    .query_row(
                        "SELECT import_path, repository FROM projects WHERE import_path = ?1",
                        [&path],
                        |r| {
                            Ok(Project {
                                import_path: r.get(0)?,
                                repository: r.get(1)?,
                            })
                        },
                    )
                    .optional()?)
            },
        )
        .await
    }

    pub(crate) async fn stats(&self) -> Result<StoreStats, StoreError> {
        self.read(
            || "count the store's records".into(),
            move |conn| {
                let counts: [i64; 6] = conn.query_row(
                    "SELECT (SELECT count(*) FROM projects), (SELECT count(*) FROM revisions),
                            (SELECT count(*) FROM packages), (SELECT count(*) FROM results),
                            (SELECT coalesce(sum(size), 0) FROM results),
                            (SELECT count(*) FROM jobs)",
                    [],
                    |r| {
                        Ok([
                            r.get(0)?,
                            r.get(1)?,
                            r.get(2)?,
                            r.get(3)?,
                            r.get(4)?,
                            r.get(5)?,
                        ])
                    },
                )?;
                Ok(StoreStats::from_counts(counts))
            },
        )
        .await
    }

    pub(crate) async fn gc_results(&self, keep_engine: &str) -> Result<GcReport, StoreError> {
        let keep = keep_engine.to_owned();
        self.write(
            || "remove unrecorded results of other engines".into(),
            move |conn| {
                let mut stmt = conn.prepare(
                    "DELETE FROM results WHERE engine_version <> ?1
                       AND id NOT IN (SELECT result_id FROM revision_results)
                       AND id NOT IN (SELECT result_id FROM package_results)
                     RETURNING size",
                )?;
                let sizes = stmt
                    .query_map([keep], |r| r.get::<_, i64>(0))?
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(GcReport::of_sizes(&sizes))
            },
        )
        .await
    }

    pub(crate) async fn list_projects(
        &self,
        recording: Option<&str>,
        contains: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<Project>, StoreError> {
        let recording = recording.map(str::to_owned);
        let contains = contains.map(str::to_ascii_lowercase);
        self.read(
            || "list projects".into(),
            move |conn| {
                let limit = page.clamped_limit();
                let mut stmt = conn.prepare_cached(
                    "SELECT id, import_path, repository FROM projects WHERE id > ?1
                     AND (?3 IS NULL OR EXISTS (SELECT 1 FROM revisions r
                         JOIN revision_results rr ON rr.revision_id = r.id
                         JOIN results x ON x.id = rr.result_id
                         WHERE r.project_id = projects.id AND x.action = ?3))
                     AND (?4 IS NULL OR instr(lower(import_path), ?4) > 0)
                     ORDER BY id LIMIT ?2",
                )?;
                let rows = stmt
                    .query_map(
                        params![page.after_id(), limit + 1, recording, contains],
                        |r| {
                            Ok((
                                r.get(0)?,
                                Project {
                                    import_path: r.get(1)?,
                                    repository: r.get(2)?,
                                },
                            ))
                        },
                    )?
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Page::from_rows(rows, limit))
            },
        )
        .await
    }

    pub(crate) async fn put_revision(&self, revision: &Revision) -> Result<(), StoreError> {
        let rev = revision.clone();
        let what = format!("put revision {}@{}", rev.import_path, rev.commit);
        self.write(
            move || what,
            move |conn| {
                let n = conn.execute(
                    "INSERT INTO revisions (project_id, commit_id, tag, commit_time)
                     SELECT id, ?2, ?3, ?4 FROM projects WHERE import_path = ?1
                     ON CONFLICT (project_id, commit_id)
                     DO UPDATE SET tag = excluded.tag, commit_time = excluded.commit_time",
                    params![rev.import_path, rev.commit, rev.tag, rev.commit_time],
                )?;
                if n == 0 {
                    return Err(StoreError::Unknown(format!("project {}", rev.import_path)).into());
                }
                Ok(())
            },
        )
        .await
    }

    pub(crate) async fn get_revision(
        &self,
        import_path: &str,
        commit: &str,
    ) -> Result<Option<Revision>, StoreError> {
        let (path, commit) = (import_path.to_owned(), commit.to_owned());
        let what = format!("get revision {path}@{commit}");
        self.read(
            move || what,
            move |conn| {
                Ok(conn
                    .query_row(
                        "SELECT r.tag, r.commit_time FROM revisions r
                         JOIN projects p ON p.id = r.project_id
                         WHERE p.import_path = ?1 AND r.commit_id = ?2",
                        [&path, &commit],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()?
                    .map(|(tag, commit_time)| Revision {
                        import_path: path,
                        commit,
                        tag,
                        commit_time,
                    }))
            },
        )
        .await
    }

    pub(crate) async fn find_revision(
        &self,
        import_path: &str,
        rev: &str,
    ) -> Result<Option<Revision>, StoreError> {
        let (path, rev) = (import_path.to_owned(), rev.to_owned());
        let what = format!("find revision {path}@{rev}");
        self.read(
            move || what,
            move |conn| {
                // A commit id first; a tag that names several (moved) revisions gives the newest.
                Ok(conn
                    .query_row(
                        "SELECT r.commit_id, r.tag, r.commit_time FROM revisions r
                         JOIN projects p ON p.id = r.project_id
                         WHERE p.import_path = ?1 AND (r.commit_id = ?2 OR r.tag = ?2)
                         ORDER BY r.commit_id = ?2 DESC, r.id DESC LIMIT 1",
                        [&path, &rev],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                    )
                    .optional()?
                    .map(|(commit, tag, commit_time)| Revision {
                        import_path: path,
                        commit,
                        tag,
                        commit_time,
                    }))
            },
        )
        .await
    }

    pub(crate) async fn list_revisions(
        &self,
        import_path: &str,
        recording: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<Revision>, StoreError> {
        let path = import_path.to_owned();
        let recording = recording.map(str::to_owned);
        let what = format!("list revisions of {path}");
        self.read(
            move || what,
            move |conn| {
                let project: i64 = conn
                    .query_row(
                        "SELECT id FROM projects WHERE import_path = ?1",
                        [&path],
                        |r| r.get(0),
                    )
                    .optional()?
                    .ok_or_else(|| StoreError::Unknown(format!("project {path}")))?;
                let limit = page.clamped_limit();
                let mut stmt = conn.prepare_cached(
                    "SELECT id, commit_id, tag, commit_time FROM revisions
                     WHERE project_id = ?1 AND id > ?2
                     AND (?4 IS NULL OR EXISTS (SELECT 1 FROM revision_results rr
                         JOIN results x ON x.id = rr.result_id
                         WHERE rr.revision_id = revisions.id AND x.action = ?4))
                     ORDER BY id LIMIT ?3",
                )?;
                let rows = stmt
                    .query_map(
                        params![project, page.after_id(), limit + 1, recording],
                        |r| {
                            Ok((
                                r.get(0)?,
                                Revision {
                                    import_path: path.clone(),
                                    commit: r.get(1)?,
                                    tag: r.get(2)?,
                                    commit_time: r.get(3)?,
                                },
                            ))
                        },
                    )?
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Page::from_rows(rows, limit))
            },
        )
        .await
    }

    pub(crate) async fn put_package(&self, package: &Package) -> Result<(), StoreError> {
        let p = package.clone();
        let what = format!("put package {}", nvr(&p.key));
        self.write(
            move || what,
            move |conn| {
                conn.execute(
                    "INSERT INTO packages (name, version, release, distro, source_rpm)
                     VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (name, version, release, distro)
                     DO UPDATE SET source_rpm = excluded.source_rpm",
                    params![
                        p.key.name,
                        p.key.version,
                        p.key.release,
                        p.key.distro,
                        p.source_rpm
                    ],
                )?;
                Ok(())
            },
        )
        .await
    }

    pub(crate) async fn get_package(
        &self,
        key: &PackageKey,
    ) -> Result<Option<Package>, StoreError> {
        let key = key.clone();
        let what = format!("get package {}", nvr(&key));
        self.read(
            move || what,
            move |conn| {
                Ok(conn
                    .query_row(
                        "SELECT source_rpm FROM packages
                         WHERE name = ?1 AND version = ?2 AND release = ?3 AND distro = ?4",
                        params![key.name, key.version, key.release, key.distro],
                        |r| r.get(0),
                    )
                    .optional()?
                    .map(|source_rpm| Package { key, source_rpm }))
            },
        )
        .await
    }

    pub(crate) async fn list_distros(&self) -> Result<Vec<String>, StoreError> {
        self.read(
            || "list distributions".into(),
            move |conn| {
                let mut stmt =
                    conn.prepare_cached("SELECT DISTINCT distro FROM packages ORDER BY distro")?;
                let rows = stmt
                    .query_map([], |r| r.get(0))?
                    .collect::<Result<Vec<String>, _>>()?;
                Ok(rows)
            },
        )
        .await
    }

    pub(crate) async fn list_packages(
        &self,
        recording: Option<&str>,
        contains: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<Package>, StoreError> {
        let recording = recording.map(str::to_owned);
        let contains = contains.map(str::to_ascii_lowercase);
        self.read(
            || "list packages".into(),
            move |conn| {
                let limit = page.clamped_limit();
                let mut stmt = conn.prepare_cached(
                    "SELECT id, name, version, release, distro, source_rpm FROM packages
                     WHERE id > ?1
                     AND (?3 IS NULL OR EXISTS (SELECT 1 FROM package_results pr
                         JOIN results x ON x.id = pr.result_id
                         WHERE pr.package_id = packages.id AND x.action = ?3))
                     AND (?4 IS NULL OR instr(lower(name), ?4) > 0)
                     ORDER BY id LIMIT ?2",
                )?;
                let rows = stmt
                    .query_map(
                        params![page.after_id(), limit + 1, recording, contains],
                        |r| {
                            Ok((
                                r.get(0)?,
                                Package {
                                    key: PackageKey {
                                        name: r.get(1)?,
                                        version: r.get(2)?,
                                        release: r.get(3)?,
                                        distro: r.get(4)?,
                                    },
                                    source_rpm: r.get(5)?,
                                },
                            ))
                        },
                    )?
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Page::from_rows(rows, limit))
            },
        )
        .await
    }

    pub(crate) async fn put_result(
        &self,
        entry: &ResultEntry,
        compressed: Vec<u8>,
        subject: Option<&Subject>,
    ) -> Result<(), StoreError> {
        let data_digest = Sha256::of(&compressed);
        let entry = entry.clone();
        let subject = subject.cloned();
        let what = format!("put result {}", entry.key);
        self.write(
            move || what,
            move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let link = match &subject {
                    None => None,
                    Some(s) => Some((s, subject_id(&tx, s)?)),
                };
                let k = &entry.key;
                let size = i64::try_from(entry.size).unwrap_or(i64::MAX);
                let id: i64 = tx.query_row(
                    "INSERT INTO results (action, input_digest, options_digest, engine_version,
                                          data, size, digest, created_ms, data_digest)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                     ON CONFLICT (action, input_digest, options_digest, engine_version)
                     DO UPDATE SET data = excluded.data, size = excluded.size,
                                   digest = excluded.digest, data_digest = excluded.data_digest
                     RETURNING id",
                    params![
                        k.action,
                        &k.input_digest.as_bytes()[..],
                        &k.options_digest.as_bytes()[..],
                        k.engine_version,
                        compressed,
                        size,
                        &entry.digest.as_bytes()[..],
                        now_ms(),
                        &data_digest.as_bytes()[..]
                    ],
                    |r| r.get(0),
                )?;
                match link {
                    None => {}
                    Some((Subject::Revision { .. }, rev)) => {
                        tx.execute(
                            "INSERT INTO revision_results (revision_id, result_id) VALUES (?1, ?2)
                             ON CONFLICT DO NOTHING",
                            [rev, id],
                        )?;
                    }
                    Some((Subject::Package(_), pkg)) => {
                        tx.execute(
                            "INSERT INTO package_results (package_id, result_id) VALUES (?1, ?2)
                             ON CONFLICT DO NOTHING",
                            [pkg, id],
                        )?;
                    }
                }
                tx.commit()?;
                Ok(())
            },
        )
        .await
    }

    pub(crate) async fn get_result(
        &self,
        key: &ResultKey,
    ) -> Result<Option<StoredResult>, StoreError> {
        let k = key.clone();
        let what = format!("get result {k}");
        self.read(
            move || what,
            move |conn| {
                Ok(conn
                    .query_row(
                        "SELECT data, size, digest, data_digest FROM results
                         WHERE action = ?1 AND input_digest = ?2 AND options_digest = ?3
                           AND engine_version = ?4",
                        params![
                            k.action,
                            &k.input_digest.as_bytes()[..],
                            &k.options_digest.as_bytes()[..],
                            k.engine_version
                        ],
                        |r| {
                            Ok(StoredResult {
                                data: r.get(0)?,
                                size: r.get(1)?,
                                digest: r.get(2)?,
                                data_digest: r.get(3)?,
                            })
                        },
                    )
                    .optional()?)
            },
        )
        .await
    }

    pub(crate) async fn list_revision_results(
        &self,
        import_path: &str,
        commit: &str,
        page: PageRequest,
    ) -> Result<Page<ResultEntry>, StoreError> {
        let subject = Subject::Revision {
            import_path: import_path.to_owned(),
            commit: commit.to_owned(),
        };
        self.list_results(subject, page).await
    }

    pub(crate) async fn list_package_results(
        &self,
        key: &PackageKey,
        page: PageRequest,
    ) -> Result<Page<ResultEntry>, StoreError> {
        self.list_results(Subject::Package(key.clone()), page).await
    }

    async fn list_results(
        &self,
        subject: Subject,
        page: PageRequest,
    ) -> Result<Page<ResultEntry>, StoreError> {
        let what = format!("list results of {}", subject_name(&subject));
        self.read(
            move || what,
            move |conn| {
                let id = subject_id(conn, &subject)?;
                let sql = match subject {
                    Subject::Revision { .. } => {
                        "SELECT res.id, res.action, res.input_digest, res.options_digest,
                                res.engine_version, res.size, res.digest
                         FROM revision_results l JOIN results res ON res.id = l.result_id
                         WHERE l.revision_id = ?1 AND l.result_id > ?2
                         ORDER BY l.result_id LIMIT ?3"
                    }
                    Subject::Package(_) => {
                        "SELECT res.id, res.action, res.input_digest, res.options_digest,
                                res.engine_version, res.size, res.digest
                         FROM package_results l JOIN results res ON res.id = l.result_id
                         WHERE l.package_id = ?1 AND l.result_id > ?2
                         ORDER BY l.result_id LIMIT ?3"
                    }
                };
                let limit = page.clamped_limit();
                let mut stmt = conn.prepare_cached(sql)?;
                let mut rows = stmt.query(params![id, page.after_id(), limit + 1])?;
                let mut entries = Vec::new();
                while let Some(r) = rows.next()? {
                    let digest = |idx: usize| -> Result<Sha256, Fail> {
                        Ok(Sha256::from_slice(&r.get::<_, Vec<u8>>(idx)?)?)
                    };
                    let size: i64 = r.get(5)?;
                    entries.push((
                        r.get(0)?,
                        ResultEntry {
                            key: ResultKey {
                                action: r.get(1)?,
                                input_digest: digest(2)?,
                                options_digest: digest(3)?,
                                engine_version: r.get(4)?,
                            },
                            size: u64::try_from(size)
                                .map_err(|_| StoreError::Corrupt(format!("result size {size}")))?,
                            digest: digest(6)?,
                        },
                    ));
                }
                Ok(Page::from_rows(entries, limit))
            },
        )
        .await
    }

    pub(crate) async fn enqueue_job(&self, job: &NewJob) -> Result<bool, StoreError> {
        let job = job.clone();
        let what = format!("enqueue job {} {}", job.kind, job.key);
        self.write(
            move || what,
            move |conn| {
                let n = conn.execute(
                    "INSERT INTO jobs (kind, key, payload) VALUES (?1, ?2, ?3)
                     ON CONFLICT (kind, key) DO NOTHING",
                    params![job.kind, job.key, job.payload],
                )?;
                Ok(n == 1)
            },
        )
        .await
    }

    pub(crate) async fn claim_job(
        &self,
        kind: &str,
        worker: &str,
    ) -> Result<Option<Job>, StoreError> {
        let (kind, worker) = (kind.to_owned(), worker.to_owned());
        let what = format!("claim a {kind} job for {worker}");
        // The single writer connection serialises claims; the IMMEDIATE transaction also
        // serialises them against other processes on the same database.
        self.write(
            move || what,
            move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let job = tx
                    .query_row(
                        &format!(
                            "UPDATE jobs SET state = 'claimed', worker = ?2, claimed_ms = ?3,
                                             attempts = attempts + 1
                             WHERE state = 'queued'
                               AND id = (SELECT id FROM jobs WHERE kind = ?1 AND state = 'queued'
                                         ORDER BY id LIMIT 1)
                             RETURNING {JOB_COLUMNS}"
                        ),
                        params![kind, worker, now_ms()],
                        job_row,
                    )
                    .optional()?;
                tx.commit()?;
                job.map(parse_job).transpose()
            },
        )
        .await
    }

    pub(crate) async fn finish_job(
        &self,
        id: i64,
        worker: &str,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let worker = worker.to_owned();
        let error = error.map(str::to_owned);
        let what = format!("finish job {id} of {worker}");
        self.write(
            move || what,
            move |conn| {
                let state = if error.is_some() {
                    JobState::Failed
                } else {
                    JobState::Done
                };
                let n = conn.execute(
                    "UPDATE jobs SET state = ?3, error = ?4
                     WHERE id = ?1 AND worker = ?2 AND state = 'claimed'",
                    params![id, worker, state.as_str(), error],
                )?;
                if n == 0 {
                    return Err(StoreError::JobNotClaimed { id, worker }.into());
                }
                Ok(())
            },
        )
        .await
    }

    pub(crate) async fn requeue_stale_jobs(&self, older_than: Duration) -> Result<u64, StoreError> {
        let age = i64::try_from(older_than.as_millis()).unwrap_or(i64::MAX);
        self.write(
            || "requeue stale jobs".into(),
            move |conn| {
                let n = conn.execute(
                    "UPDATE jobs SET state = 'queued', worker = NULL, claimed_ms = NULL
                     WHERE state = 'claimed' AND claimed_ms <= ?1",
                    [now_ms().saturating_sub(age)],
                )?;
                Ok(n as u64)
            },
        )
        .await
    }

    pub(crate) async fn release_worker_jobs(&self, worker: &str) -> Result<u64, StoreError> {
        let worker = worker.to_owned();
        let what = format!("release the jobs of {worker}");
        self.write(
            move || what,
            move |conn| {
                let n = conn.execute(
                    "UPDATE jobs SET state = 'queued', worker = NULL, claimed_ms = NULL
                     WHERE state = 'claimed' AND worker = ?1",
                    [&worker],
                )?;
                Ok(n as u64)
            },
        )
        .await
    }

    pub(crate) async fn job_counts(&self, kind: &str) -> Result<JobCounts, StoreError> {
        let kind = kind.to_owned();
        let what = format!("count the {kind} jobs");
        self.read(
            move || what,
            move |conn| {
                let mut statement = conn
                    .prepare("SELECT state, COUNT(*) FROM jobs WHERE kind = ?1 GROUP BY state")?;
                let mut rows = statement.query([&kind])?;
                let mut counts = JobCounts::default();
                while let Some(row) = rows.next()? {
                    counts.add(&row.get::<_, String>(0)?, row.get(1)?)?;
                }
                Ok(counts)
            },
        )
        .await
    }

    pub(crate) async fn list_jobs(
        &self,
        kind: &str,
        page: PageRequest,
    ) -> Result<Page<Job>, StoreError> {
        let kind = kind.to_owned();
        let what = format!("list the {kind} jobs");
        self.read(
            move || what,
            move |conn| {
                let limit = page.clamped_limit();
                let mut statement = conn.prepare_cached(&format!(
                    "SELECT {JOB_COLUMNS} FROM jobs WHERE kind = ?1 AND id > ?2 ORDER BY id LIMIT ?3"
                ))?;
                let rows = statement
                    .query_map(params![kind, page.after_id(), limit + 1], job_row)?
                    .collect::<Result<Vec<_>, _>>()?;
                let jobs = rows
                    .into_iter()
                    .map(|row| parse_job(row).map(|job| (job.id, job)))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Page::from_rows(jobs, limit))
            },
        )
        .await
    }

    pub(crate) async fn get_job(&self, id: i64) -> Result<Option<Job>, StoreError> {
        self.read(
            move || format!("get job {id}"),
            move |conn| {
                conn.query_row(
                    &format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?1"),
                    [id],
                    job_row,
                )
                .optional()?
                .map(parse_job)
                .transpose()
            },
        )
        .await
    }
}

const JOB_COLUMNS: &str = "id, kind, key, payload, state, worker, attempts, error";

type JobRow = (
    i64,
    String,
    String,
    String,
    String,
    Option<String>,
    i64,
    Option<String>,
);

fn job_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<JobRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
    ))
}

fn parse_job(row: JobRow) -> Result<Job, Fail> {
    let (id, kind, key, payload, state, worker, attempts, error) = row;
    Ok(Job {
        id,
        kind,
        key,
        payload,
        state: JobState::parse(&state)?,
        worker,
        attempts: u32::try_from(attempts)
            .map_err(|_| StoreError::Corrupt(format!("job {id} attempts {attempts}")))?,
        error,
    })
}

pub(crate) fn nvr(key: &PackageKey) -> String {
    format!(
        "{}-{}-{} ({})",
        key.name, key.version, key.release, key.distro
    )
}

pub(crate) fn subject_name(subject: &Subject) -> String {
    match subject {
        Subject::Revision {
            import_path,
            commit,
        } => format!("revision {import_path}@{commit}"),
        Subject::Package(key) => format!("package {}", nvr(key)),
    }
}

/// The row id of a stored revision or package.
fn subject_id(conn: &Connection, subject: &Subject) -> Result<i64, Fail> {
    let id = match subject {
        Subject::Revision {
            import_path,
            commit,
        } => conn
            .query_row(
                "SELECT r.id FROM revisions r JOIN projects p ON p.id = r.project_id
                 WHERE p.import_path = ?1 AND r.commit_id = ?2",
                [import_path, commit],
                |r| r.get(0),
            )
            .optional()?,
        Subject::Package(key) => conn
            .query_row(
                "SELECT id FROM packages
                 WHERE name = ?1 AND version = ?2 AND release = ?3 AND distro = ?4",
                params![key.name, key.version, key.release, key.distro],
                |r| r.get(0),
            )
            .optional()?,
    };
    id.ok_or_else(|| StoreError::Unknown(subject_name(subject)).into())
}

/// Applies the migrations the database lacks, all in one transaction.
/// Puts the database in WAL mode (a setting kept in the file). Switching takes an exclusive lock, and SQLite
/// answers `SQLITE_BUSY` at once, without its busy handler, while another connection switches it or opens it
/// (several processes opening a new store together): retried for as long as the busy timeout.
fn enable_wal(conn: &Connection) -> rusqlite::Result<()> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        let mode: rusqlite::Result<String> =
            conn.pragma_update_and_check(None, "journal_mode", "wal", |r| r.get(0));
        match mode {
            Ok(_) => return Ok(()),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if matches!(
                    e.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(err) => return Err(err),
        }
    }
}

fn migrate(conn: &mut Connection) -> Result<(), Fail> {
    let supported = MIGRATIONS.len() as i64;
    // Every command opens the store: one at the current version is only read, not locked and written (a write
    // is an fsync of the WAL, with synchronous=FULL).
    let has_version: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version')",
        [],
        |r| r.get(0),
    )?;
    if has_version {
        let version: Option<i64> = conn
            .query_row("SELECT version FROM schema_version", [], |r| r.get(0))
            .optional()?;
        if version == Some(supported) {
            return Ok(());
        }
    }
    // Another process may migrate at the same time: the version is read again under the write lock.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")?;
    let version: Option<i64> = tx
        .query_row("SELECT version FROM schema_version", [], |r| r.get(0))
        .optional()?;
    let version = match version {
        Some(v) => v,
        None => {
            tx.execute("INSERT INTO schema_version (version) VALUES (0)", [])?;
            0
        }
    };
    if version > supported {
        return Err(StoreError::SchemaTooNew {
            found: version,
            supported,
        }
        .into());
    }
    let start = usize::try_from(version)
        .map_err(|_| StoreError::Corrupt(format!("schema version {version}")))?;
    for (idx, sql) in MIGRATIONS.iter().enumerate().skip(start) {
        tracing::info!(version = idx + 1, "applying SQLite store migration");
        tx.execute_batch(sql)?;
    }
    tx.execute("UPDATE schema_version SET version = ?1", [supported])?;
    tx.commit()?;
    Ok(())
}

/// Runs blocking store work on tokio's blocking pool.
async fn run_blocking<T: Send + 'static>(
    what: &'static str,
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|err| StoreError::Task {
            what: what.to_owned(),
            message: err.to_string(),
        })?
}
