//! The PostgreSQL driver: metadata, results and blobs in one database (blobs as rows of 1 MiB
//! chunks), so that every service instance on every machine reads what another wrote.

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use sha2::Digest as _;
use tokio_postgres::{GenericClient, NoTls, Row};

use crate::sqlite::{nvr, subject_name};
use crate::{
    Fail, GcReport, Job, JobCounts, JobState, NewJob, Package, PackageKey, Page, PageRequest,
    Project, ResultEntry, ResultKey, Revision, Sha256, StoreError, StoreStats, StoredResult,
    Subject,
};

const MIGRATIONS: &[&str] = &[
    include_str!("sql/postgres/0001_init.sql"),
    include_str!("sql/postgres/0002_result_data_digest.sql"),
];
/// Blob chunk size: a read or write holds one chunk at a time in a message.
pub(crate) const CHUNK_SIZE: usize = 1 << 20;
/// Connections per process.
const POOL_SIZE: usize = 16;
/// The advisory lock that serialises migrations of instances starting together.
const MIGRATION_LOCK: i64 = 0x676f_6665_6400_0011;

/// The PostgreSQL driver. Cheap to clone.
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
}

type Client = deadpool_postgres::Object;

impl PostgresStore {
    pub(crate) async fn connect(config: &str) -> Result<PostgresStore, StoreError> {
        let pg_config: tokio_postgres::Config =
            config.parse().map_err(|source| StoreError::Postgres {
                what: "parse the connection string".into(),
                source,
            })?;
        let manager = Manager::from_config(
            pg_config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .build()
            .map_err(|err| StoreError::Pool {
                what: "build the pool".into(),
                message: err.to_string(),
            })?;
        let store = PostgresStore { pool };
        let mut client = store.client("migrate").await?;
        migrate(&mut client)
            .await
            .map_err(|f| f.named(|| "migrate".into()))?;
        Ok(store)
    }

    async fn client(&self, what: &str) -> Result<Client, StoreError> {
        self.pool.get().await.map_err(|err| match err {
            deadpool_postgres::PoolError::Backend(source) => StoreError::Postgres {
                what: format!("{what}: connect"),
                source,
            },
            other => StoreError::Pool {
                what: what.to_owned(),
                message: other.to_string(),
            },
        })
    }

    pub(crate) async fn schema_version(&self) -> Result<i64, StoreError> {
        let what = "read schema version";
        let client = self.client(what).await?;
        let row = client
            .query_one("SELECT version FROM schema_version", &[])
            .await
            .map_err(|e| Fail::from(e).named(|| what.into()))?;
        row.try_get(0)
            .map_err(|e| Fail::from(e).named(|| what.into()))
    }

    pub(crate) async fn put_blob(&self, data: Vec<u8>) -> Result<Sha256, StoreError> {
        let sha256 = Sha256::of(&data);
        let what = || format!("put blob {sha256}");
        let mut client = self.client(&what()).await?;
        async {
            let name = &sha256.as_bytes()[..];
            if client
                .query_opt("SELECT 1 FROM blobs WHERE sha256 = $1", &[&name])
                .await?
                .is_some()
            {
                return Ok(());
            }
            // The chunks and the blob row commit together: a reader that finds the row finds
            // every chunk; a writer killed half-way leaves nothing behind.
            let tx = client.transaction().await?;
            let insert = tx
                .prepare(
                    "INSERT INTO blob_chunks (sha256, idx, data) VALUES ($1, $2, $3)
                     ON CONFLICT DO NOTHING",
                )
                .await?;
            let mut n_chunks: i32 = 0;
            for chunk in data.chunks(CHUNK_SIZE) {
                tx.execute(&insert, &[&name, &n_chunks, &chunk]).await?;
                n_chunks += 1;
            }
            let size = i64::try_from(data.len()).unwrap_or(i64::MAX);
            tx.execute(
                "INSERT INTO blobs (sha256, size, n_chunks) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
                &[&name, &size, &n_chunks],
            )
            .await?;
            tx.commit().await?;
            Ok::<_, Fail>(())
        }
        .await
        .map_err(|f| f.named(what))?;
        Ok(sha256)
    }

    pub(crate) async fn get_blob(&self, sha256: Sha256) -> Result<Option<Vec<u8>>, StoreError> {
        let what = || format!("get blob {sha256}");
        let client = self.client(&what()).await?;
        async {
            let name = &sha256.as_bytes()[..];
            let Some(row) = client
                .query_opt(
                    "SELECT size, n_chunks FROM blobs WHERE sha256 = $1",
                    &[&name],
                )
                .await?
            else {
                return Ok(None);
            };
            let (size, n_chunks): (i64, i32) = (row.try_get(0)?, row.try_get(1)?);
            let corrupt = |detail: String| StoreError::CorruptBlob { sha256, detail };
            let size = usize::try_from(size).map_err(|_| corrupt(format!("size {size}")))?;
            // One chunk per query: memory stays bounded by a chunk however large the blob.
            let select = client
                .prepare("SELECT data FROM blob_chunks WHERE sha256 = $1 AND idx = $2")
                .await?;
            let mut data = Vec::with_capacity(size.min(64 * CHUNK_SIZE));
            let mut hasher = sha2::Sha256::new();
            for idx in 0..n_chunks {
                let row = client
                    .query_opt(&select, &[&name, &idx])
                    .await?
                    .ok_or_else(|| corrupt(format!("chunk {idx} of {n_chunks} is missing")))?;
                let chunk: &[u8] = row.try_get(0)?;
                hasher.update(chunk);
                data.extend_from_slice(chunk);
            }
            if data.len() != size {
                return Err(corrupt(format!("{} bytes, {size} recorded", data.len())).into());
            }
            let actual = Sha256::from_digest(hasher);
            if actual != sha256 {
                return Err(corrupt(format!("its chunks hash to {actual}")).into());
            }
            Ok::<_, Fail>(Some(data))
        }
        .await
        .map_err(|f| f.named(what))
    }

    pub(crate) async fn blob_size(&self, sha256: Sha256) -> Result<Option<u64>, StoreError> {
        let what = || format!("blob size {sha256}");
        let client = self.client(&what()).await?;
        async {
            let row = client
                .query_opt(
                    "SELECT size FROM blobs WHERE sha256 = $1",
                    &[&&sha256.as_bytes()[..]],
                )
                .await?;
            match row {
                None => Ok(None),
                Some(row) => {
                    let size: i64 = row.try_get(0)?;
                    Ok::<_, Fail>(Some(u64::try_from(size).map_err(|_| {
                        StoreError::CorruptBlob {
                            sha256,
                            detail: format!("size {size}"),
                        }
                    })?))
                }
            }
        }
        .await
        .map_err(|f| f.named(what))
    }

    pub(crate) async fn put_project(&self, project: &Project) -> Result<(), StoreError> {
        let what = || format!("put project {}", project.import_path);
        let client = self.client(&what()).await?;
        client
            .execute(
                "INSERT INTO projects (import_path, repository) VALUES ($1, $2)
                 ON CONFLICT (import_path) DO UPDATE SET repository = excluded.repository",
                &[&project.import_path, &project.repository],
            )
            .await
            .map_err(|e| Fail::from(e).named(what))?;
        Ok(())
    }

    pub(crate) async fn get_project(
        &self,
        import_path: &str,
    ) -> Result<Option<Project>, StoreError> {
        let what = || format!("get project {import_path}");
        let client = self.client(&what()).await?;
        async {
            let row = client
                .query_opt(
                    "SELECT import_path, repository FROM projects WHERE import_path = $1",
                    &[&import_path],
                )
                .await?;
            row.map(|r| {
                Ok::<_, Fail>(Project {
                    import_path: r.try_get(0)?,
                    repository: r.try_get(1)?,
                })
            })
            .transpose()
        }
        .await
        .map_err(|f| f.named(what))
    }

    pub(crate) async fn stats(&self) -> Result<StoreStats, StoreError> {
        let what = || "count the store's records".to_owned();
        let client = self.client(&what()).await?;
        async {
            let row = client
                .query_one(
                    "SELECT (SELECT count(*) FROM projects), (SELECT count(*) FROM revisions),
                            (SELECT count(*) FROM packages), (SELECT count(*) FROM results),
                            (SELECT coalesce(sum(size), 0)::bigint FROM results),
                            (SELECT count(*) FROM jobs)",
                    &[],
                )
                .await?;
            let mut counts = [0i64; 6];
            for (i, count) in counts.iter_mut().enumerate() {
                *count = row.try_get(i)?;
            }
            Ok::<_, Fail>(StoreStats::from_counts(counts))
        }
        .await
        .map_err(|f| f.named(what))
    }

    pub(crate) async fn gc_results(&self, keep_engine: &str) -> Result<GcReport, StoreError> {
        let what = || "remove unrecorded results of other engines".to_owned();
        let client = self.client(&what()).await?;
        async {
            let rows = client
                .query(
                    "DELETE FROM results WHERE engine_version <> $1
                       AND id NOT IN (SELECT result_id FROM revision_results)
                       AND id NOT IN (SELECT result_id FROM package_results)
                     RETURNING size",
                    &[&keep_engine],
                )
                .await?;
            let sizes = rows
                .iter()
                .map(|r| r.try_get::<_, i64>(0))
                .collect::<Result<Vec<_>, _>>()?;
            Ok::<_, Fail>(GcReport::of_sizes(&sizes))
        }
        .await
        .map_err(|f| f.named(what))
    }

    pub(crate) async fn list_projects(
        &self,
        recording: Option<&str>,
        contains: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<Project>, StoreError> {
        let contains = contains.map(str::to_ascii_lowercase);
        let what = || "list projects".to_owned();
        let client = self.client(&what()).await?;
        async {
            let limit = page.clamped_limit();
            let rows = client
                .query(
                    "SELECT id, import_path, repository FROM projects WHERE id > $1
                     AND ($3::TEXT IS NULL OR EXISTS (SELECT 1 FROM revisions r
                         JOIN revision_results rr ON rr.revision_id = r.id
                         JOIN results x ON x.id = rr.result_id
                         WHERE r.project_id = projects.id AND x.action = $3))
                     AND ($4::TEXT IS NULL OR strpos(lower(import_path), $4) > 0)
                     ORDER BY id LIMIT $2",
                    &[&page.after_id(), &(limit + 1), &recording, &contains],
                )
                .await?;
            let rows = rows
                .iter()
                .map(|r| {
                    Ok::<_, Fail>((
                        r.try_get(0)?,
                        Project {
                            import_path: r.try_get(1)?,
                            repository: r.try_get(2)?,
                        },
                    ))
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok::<_, Fail>(Page::from_rows(rows, limit))
        }
        .await
        .map_err(|f| f.named(what))
    }

    pub(crate) async fn put_revision(&self, revision: &Revision) -> Result<(), StoreError> {
        let what = || format!("put revision {}@{}", revision.import_path, revision.commit);
        let client = self.client(&what()).await?;
        async {
            let n = client
                .execute(
                    "INSERT INTO revisions (project_id, commit_id, tag, commit_time)
                     SELECT id, $2, $3, $4 FROM projects WHERE import_path = $1
                     ON CONFLICT (project_id, commit_id)
                     DO UPDATE SET tag = excluded.tag, commit_time = excluded.commit_time",
                    &[
                        &revision.import_path,
                        &revision.commit,
                        &revision.tag,
                        &revision.commit_time,
                    ],
                )
                .await?;
            if n == 0 {
                return Err(
                    StoreError::Unknown(format!("project {}", revision.import_path)).into(),
                );
            }
            Ok::<_, Fail>(())
        }
        .await
        .map_err(|f| f.named(what))
    }

    pub(crate) async fn get_revision(
        &self,
        import_path: &str,
        commit: &str,
    ) -> Result<Option<Revision>, StoreError> {
        let what = || format!("get revision {import_path}@{commit}");
        let client = self.client(&what()).await?;
        async {
            let row = client
                .query_opt(
                    "SELECT r.tag, r.commit_time FROM revisions r
                     JOIN projects p ON p.id = r.project_id
                     WHERE p.import_path = $1 AND r.commit_id = $2",
                    &[&import_path, &commit],
                )
                .await?;
            row.map(|r| {
                Ok::<_, Fail>(Revision {
                    import_path: import_path.to_owned(),
                    commit: commit.to_owned(),
                    tag: r.try_get(0)?,
                    commit_time: r.try_get(1)?,
                })
            })
            .transpose()
        }
        .await
        .map_err(|f| f.named(what))
    }

    pub(crate) async fn find_revision(
        &self,
        import_path: &str,
        rev: &str,
    ) -> Result<Option<Revision>, StoreError> {
        let what = || format!("find revision {import_path}@{rev}");
        let client = self.client(&what()).await?;
        async {
            // A commit id first; a tag that names several (moved) revisions gives the newest.
            let row = client
                .query_opt(
                    "SELECT r.commit_id, r.tag, r.commit_time FROM revisions r
                     JOIN projects p ON p.id = r.project_id
                     WHERE p.import_path = $1 AND (r.commit_id = $2 OR r.tag = $2)
                     ORDER BY r.commit_id = $2 DESC, r.id DESC LIMIT 1",
                    &[&import_path, &rev],
                )
                .await?;
            row.map(|r| {
                Ok::<_, Fail>(Revision {
                    import_path: import_path.to_owned(),
                    commit: r.try_get(0)?,
                    tag: r.try_get(1)?,
                    commit_time: r.try_get(2)?,
                })
            })
            .transpose()
        }
        .await
        .map_err(|f| f.named(what))
    }

    pub(crate) async fn list_revisions(
        &self,
        import_path: &str,
        recording: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<Revision>, StoreError> {
        let what = || format!("list revisions of {import_path}");
        let client = self.client(&what()).await?;
        async {
            let project: i64 = client
                .query_opt(
                    "SELECT id FROM projects WHERE import_path = $1",
                    &[&import_path],
                )
                .await?
                .ok_or_else(|| StoreError::Unknown(format!("project {import_path}")))?
                .try_get(0)?;
            let limit = page.clamped_limit();
            let rows = client
                .query(
                    "SELECT id, commit_id, tag, commit_time FROM revisions
                     WHERE project_id = $1 AND id > $2
                     AND ($4::TEXT IS NULL OR EXISTS (SELECT 1 FROM revision_results rr
                         JOIN results x ON x.id = rr.result_id
                         WHERE rr.revision_id = revisions.id AND x.action = $4))
                     ORDER BY id LIMIT $3",
                    &[&project, &page.after_id(), &(limit + 1), &recording],
                )
                .await?;
            let rows = rows
                .iter()
                .map(|r| {
                    Ok::<_, Fail>((
                        r.try_get(0)?,
                        Revision {
                            import_path: import_path.to_owned(),
                            commit: r.try_get(1)?,
                            tag: r.try_get(2)?,
                            commit_time: r.try_get(3)?,
                        },
                    ))
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok::<_, Fail>(Page::from_rows(rows, limit))
        }
        .await
        .map_err(|f| f.named(what))
    }

    pub(crate) async fn put_package(&self, package: &Package) -> Result<(), StoreError> {
        let what = || format!("put package {}", nvr(&package.key));
        let client = self.client(&what()).await?;
        let k = &package.key;
        client
            .execute(
                "INSERT INTO packages (name, version, release, distro, source_rpm)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (name, version, release, distro)
                 DO UPDATE SET source_rpm = excluded.source_rpm",
                &[
                    &k.name,
                    &k.version,
                    &k.release,
                    &k.distro,
                    &package.source_rpm,
                ],
            )
            .await
            .map_err(|e| Fail::from(e).named(what))?;
        Ok(())
    }

    pub(crate) async fn get_package(
        &self,
        key: &PackageKey,
    ) -> Result<Option<Package>, StoreError> {
        let what = || format!("get package {}", nvr(key));
        let client = self.client(&what()).await?;
        async {
            let row = client
                .query_opt(
                    "SELECT source_rpm FROM packages
                     WHERE name = $1 AND version = $2 AND release = $3 AND distro = $4",
                    &[&key.name, &key.version, &key.release, &key.distro],
                )
                .await?;
            row.map(|r| {
                Ok::<_, Fail>(Package {
                    key: key.clone(),
                    source_rpm: r.try_get(0)?,
                })
            })
            .transpose()
        }
        .await
        .map_err(|f| f.named(what))
    }

    pub(crate) async fn list_distros(&self) -> Result<Vec<String>, StoreError> {
        let what = || "list distributions".to_owned();
        let client = self.client(&what()).await?;
        async {
            let rows = client
                .query("SELECT DISTINCT distro FROM packages ORDER BY distro", &[])
                .await?;
            rows.iter()
                .map(|r| Ok::<_, Fail>(r.try_get(0)?))
                .collect::<Result<Vec<String>, _>>()
        }
        .await
        .map_err(|f| f.named(what))
    }

    pub(crate) async fn list_packages(
        &self,
        recording: Option<&str>,
        contains: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<Package>, StoreError> {
        let contains = contains.map(str::to_ascii_lowercase);
        let what = || "list packages".to_owned();
        let client = self.client(&what()).await?;
        async {
            let limit = page.clamped_limit();
            let rows = client
                .query(
                    "SELECT id, name, version, release, distro, source_rpm FROM packages
                     WHERE id > $1
                     AND ($3::TEXT IS NULL OR EXISTS (SELECT 1 FROM package_results pr
                         JOIN results x ON x.id = pr.result_id
                         WHERE pr.package_id = packages.id AND x.action = $3))
                     AND ($4::TEXT IS NULL OR strpos(lower(name), $4) > 0)
                     ORDER BY id LIMIT $2",
                    &[&page.after_id(), &(limit + 1), &recording, &contains],
                )
                .await?;
            let rows = rows
                .iter()
                .map(|r| {
                    Ok::<_, Fail>((
                        r.try_get(0)?,
                        Package {
                            key: PackageKey {
                                name: r.try_get(1)?,
                                version: r.try_get(2)?,
                                release: r.try_get(3)?,
                                distro: r.try_get(4)?,
                            },
                            source_rpm: r.try_get(5)?,
                        },
                    ))
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok::<_, Fail>(Page::from_rows(rows, limit))
        }
        .await
        .map_err(|f| f.named(what))
    }

    pub(crate) async fn put_result(
        &self,
        entry: &ResultEntry,
        compressed: &[u8],
        subject: Option<&Subject>,
    ) -> Result<(), StoreError> {
        let what = || format!("put result {}", entry.key);
        let data_digest = Sha256::of(compressed);
        let mut client = self.client(&what()).await?;
        async {
            let tx = client.transaction().await?;
            let link = match subject {
                None => None,
                Some(s) => Some((s, subject_id(&*tx, s).await?)),
            };
            let k = &entry.key;
            let size = i64::try_from(entry.size).unwrap_or(i64::MAX);
            let id: i64 = tx
                .query_one(
                    "INSERT INTO results (action, input_digest, options_digest, engine_version,
                                          data, size, digest, data_digest)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                     ON CONFLICT (action, input_digest, options_digest, engine_version)
                     DO UPDATE SET data = excluded.data, size = excluded.size,
                                   digest = excluded.digest, data_digest = excluded.data_digest
                     RETURNING id",
                    &[
                        &k.action,
                        &&k.input_digest.as_bytes()[..],
                        &&k.options_digest.as_bytes()[..],
                        &k.engine_version,
                        &compressed,
                        &size,
                        &&entry.digest.as_bytes()[..],
                        &&data_digest.as_bytes()[..],
                    ],
                )
                .await?
                .try_get(0)?;
            match link {
                None => {}
                Some((Subject::Revision { .. }, rev)) => {
                    tx.execute(
                        "INSERT INTO revision_results (revision_id, result_id) VALUES ($1, $2)
                         ON CONFLICT DO NOTHING",
                        &[&rev, &id],
                    )
                    .await?;
                }
                Some((Subject::Package(_), pkg)) => {
                    tx.execute(
                        "INSERT INTO package_results (package_id, result_id) VALUES ($1, $2)
                         ON CONFLICT DO NOTHING",
                        &[&pkg, &id],
                    )
                    .await?;
                }
            }
            tx.commit().await?;
            Ok::<_, Fail>(())
        }
        .await
        .map_err(|f| f.named(what))
    }

    pub(crate) async fn get_result(
        &self,
        key: &ResultKey,
    ) -> Result<Option<StoredResult>, StoreError> {
        let what = || format!("get result {key}");
        let client = self.client(&what()).await?;
        async {
            let row = client
                .query_opt(
                    "SELECT data, size, digest, data_digest FROM results
                     WHERE action = $1 AND input_digest = $2 AND options_digest = $3
                       AND engine_version = $4",
                    &[
                        &key.action,
                        &&key.input_digest.as_bytes()[..],
                        &&key.options_digest.as_bytes()[..],
                        &key.engine_version,
                    ],
                )
                .await?;
            row.map(|r| {
                Ok::<_, Fail>(StoredResult {
                    data: r.try_get(0)?,
                    size: r.try_get(1)?,
                    digest: r.try_get(2)?,
                    data_digest: r.try_get(3)?,
                })
            })
            .transpose()
        }
        .await
        .map_err(|f| f.named(what))
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
        self.list_results(&subject, page).await
    }

    pub(crate) async fn list_package_results(
        &self,
        key: &PackageKey,
        page: PageRequest,
    ) -> Result<Page<ResultEntry>, StoreError> {
        self.list_results(&Subject::Package(key.clone()), page)
            .await
    }

    async fn list_results(
        &self,
        subject: &Subject,
        page: PageRequest,
    ) -> Result<Page<ResultEntry>, StoreError> {
        let what = || format!("list results of {}", subject_name(subject));
        let client = self.client(&what()).await?;
        async {
            let id = subject_id(&**client, subject).await?;
            let sql = match subject {
                Subject::Revision { .. } => {
                    "SELECT res.id, res.action, res.input_digest, res.options_digest,
                            res.engine_version, res.size, res.digest
                     FROM revision_results l JOIN results res ON res.id = l.result_id
                     WHERE l.revision_id = $1 AND l.result_id > $2
                     ORDER BY l.result_id LIMIT $3"
                }
                Subject::Package(_) => {
                    "SELECT res.id, res.action, res.input_digest, res.options_digest,
                            res.engine_version, res.size, res.digest
                     FROM package_results l JOIN results res ON res.id = l.result_id
                     WHERE l.package_id = $1 AND l.result_id > $2
                     ORDER BY l.result_id LIMIT $3"
                }
            };
            let limit = page.clamped_limit();
            let rows = client
                .query(sql, &[&id, &page.after_id(), &(limit + 1)])
                .await?;
            let mut entries = Vec::with_capacity(rows.len());
            for r in &rows {
                let digest = |idx: usize| -> Result<Sha256, Fail> {
                    Ok(Sha256::from_slice(r.try_get(idx)?)?)
                };
                let size: i64 = r.try_get(5)?;
                entries.push((
                    r.try_get(0)?,
                    ResultEntry {
                        key: ResultKey {
                            action: r.try_get(1)?,
                            input_digest: digest(2)?,
                            options_digest: digest(3)?,
                            engine_version: r.try_get(4)?,
                        },
                        size: u64::try_from(size)
                            .map_err(|_| StoreError::Corrupt(format!("result size {size}")))?,
                        digest: digest(6)?,
                    },
                ));
            }
            Ok::<_, Fail>(Page::from_rows(entries, limit))
        }
        .await
        .map_err(|f| f.named(what))
    }

    pub(crate) async fn enqueue_job(&self, job: &NewJob) -> Result<bool, StoreError> {
        let what = || format!("enqueue job {} {}", job.kind, job.key);
        let client = self.client(&what()).await?;
        let n = client
            .execute(
                "INSERT INTO jobs (kind, key, payload) VALUES ($1, $2, $3)
                 ON CONFLICT (kind, key) DO NOTHING",
                &[&job.kind, &job.key, &job.payload],
            )
            .await
            .map_err(|e| Fail::from(e).named(what))?;
        Ok(n == 1)
    }

    pub(crate) async fn claim_job(
        &self,
        kind: &str,
        worker: &str,
    ) -> Result<Option<Job>, StoreError> {
        let what = || format!("claim a {kind} job for {worker}");
        let client = self.client(&what()).await?;
        async {
            // SKIP LOCKED: concurrent claimers (any process, any machine) each lock a different
            // queued row instead of waiting for, and then double-claiming, the same one.
            let row = client
                .query_opt(
                    &format!(
                        "UPDATE jobs SET state = 'claimed', worker = $2, claimed_at = now(),
                                         attempts = attempts + 1
                         WHERE state = 'queued'
                           AND id = (SELECT id FROM jobs WHERE kind = $1 AND state = 'queued'
                                     ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
                         RETURNING {JOB_COLUMNS}"
                    ),
                    &[&kind, &worker],
                )
                .await?;
            row.map(|r| job_from_row(&r)).transpose()
        }
        .await
        .map_err(|f| f.named(what))
    }

    pub(crate) async fn finish_job(
        &self,
        id: i64,
        worker: &str,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let what = || format!("finish job {id} of {worker}");
        let client = self.client(&what()).await?;
        let state = if error.is_some() {
            JobState::Failed
        } else {
            JobState::Done
        };
        let n = client
            .execute(
                "UPDATE jobs SET state = $3, error = $4
                 WHERE id = $1 AND worker = $2 AND state = 'claimed'",
                &[&id, &worker, &state.as_str(), &error],
            )
            .await
            .map_err(|e| Fail::from(e).named(what))?;
        if n == 0 {
            return Err(StoreError::JobNotClaimed {
                id,
                worker: worker.to_owned(),
            });
        }
        Ok(())
    }

    pub(crate) async fn requeue_stale_jobs(&self, older_than: Duration) -> Result<u64, StoreError> {
        let what = || "requeue stale jobs".to_owned();
        let client = self.client(&what()).await?;
        let age = i64::try_from(older_than.as_millis()).unwrap_or(i64::MAX);
        client
            .execute(
                "UPDATE jobs SET state = 'queued', worker = NULL, claimed_at = NULL
                 WHERE state = 'claimed'
                   AND claimed_at <= now() - $1::bigint * interval '1 millisecond'",
                &[&age],
            )
            .await
            .map_err(|e| Fail::from(e).named(what))
    }

    pub(crate) async fn release_worker_jobs(&self, worker: &str) -> Result<u64, StoreError> {
        let what = || format!("release the jobs of {worker}");
        let client = self.client(&what()).await?;
        client
            .execute(
                "UPDATE jobs SET state = 'queued', worker = NULL, claimed_at = NULL
                 WHERE state = 'claimed' AND worker = $1",
                &[&worker],
            )
            .await
            .map_err(|e| Fail::from(e).named(what))
    }

    pub(crate) async fn job_counts(&self, kind: &str) -> Result<JobCounts, StoreError> {
        let what = || format!("count the {kind} jobs");
        let client = self.client(&what()).await?;
        async {
            let rows = client
                .query(
                    "SELECT state, COUNT(*) FROM jobs WHERE kind = $1 GROUP BY state",
                    &[&kind],
                )
                .await?;
            let mut counts = JobCounts::default();
            for row in rows {
                counts.add(row.try_get::<_, &str>(0)?, row.try_get(1)?)?;
            }
            Ok::<_, Fail>(counts)
        }
        .await
        .map_err(|f| f.named(what))
    }

    pub(crate) async fn list_jobs(
        &self,
        kind: &str,
        page: PageRequest,
    ) -> Result<Page<Job>, StoreError> {
        let what = || format!("list the {kind} jobs");
        let client = self.client(&what()).await?;
        async {
            let limit = page.clamped_limit();
            let rows = client
                .query(
                    &format!(
                        "SELECT {JOB_COLUMNS} FROM jobs WHERE kind = $1 AND id > $2 ORDER BY id LIMIT $3"
                    ),
                    &[&kind, &page.after_id(), &(limit + 1)],
                )
                .await?;
            let jobs = rows
                .iter()
                .map(|r| job_from_row(r).map(|job| (job.id, job)))
                .collect::<Result<Vec<_>, _>>()?;
            Ok::<_, Fail>(Page::from_rows(jobs, limit))
        }
        .await
        .map_err(|f| f.named(what))
    }

    pub(crate) async fn get_job(&self, id: i64) -> Result<Option<Job>, StoreError> {
        let what = || format!("get job {id}");
        let client = self.client(&what()).await?;
        async {
            let row = client
                .query_opt(
                    &format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1"),
                    &[&id],
                )
                .await?;
            row.map(|r| job_from_row(&r)).transpose()
        }
        .await
        .map_err(|f| f.named(what))
    }
}

const JOB_COLUMNS: &str = "id, kind, key, payload, state, worker, attempts, error";

fn job_from_row(r: &Row) -> Result<Job, Fail> {
    let id: i64 = r.try_get(0)?;
    let state: &str = r.try_get(4)?;
    let attempts: i32 = r.try_get(6)?;
    Ok(Job {
        id,
        kind: r.try_get(1)?,
        key: r.try_get(2)?,
        payload: r.try_get(3)?,
        state: JobState::parse(state)?,
        worker: r.try_get(5)?,
        attempts: u32::try_from(attempts)
            .map_err(|_| StoreError::Corrupt(format!("job {id} attempts {attempts}")))?,
        error: r.try_get(7)?,
    })
}

/// The row id of a stored revision or package.
async fn subject_id(client: &impl GenericClient, subject: &Subject) -> Result<i64, Fail> {
    let row = match subject {
        Subject::Revision {
            import_path,
            commit,
        } => {
            client
                .query_opt(
                    "SELECT r.id FROM revisions r JOIN projects p ON p.id = r.project_id
                     WHERE p.import_path = $1 AND r.commit_id = $2",
                    &[import_path, commit],
                )
                .await?
        }
        Subject::Package(key) => {
            client
                .query_opt(
                    "SELECT id FROM packages
                     WHERE name = $1 AND version = $2 AND release = $3 AND distro = $4",
                    &[&key.name, &key.version, &key.release, &key.distro],
                )
                .await?
        }
    };
    match row {
        Some(row) => Ok(row.try_get(0)?),
        None => Err(StoreError::Unknown(subject_name(subject)).into()),
    }
}

/// Applies the migrations the database lacks, in one transaction, under an advisory lock so
/// that instances starting together migrate one after the other.
async fn migrate(client: &mut Client) -> Result<(), Fail> {
    let supported = MIGRATIONS.len() as i64;
    // Every instance and command connects: a store at the current version is only read, not locked and written.
    let has_version: bool = client
        .query_one("SELECT to_regclass('schema_version') IS NOT NULL", &[])
        .await?
        .try_get(0)?;
    if has_version {
        let current: Option<i64> = client
            .query_one("SELECT max(version) FROM schema_version", &[])
            .await?
            .try_get(0)?;
        if current == Some(supported) {
            return Ok(());
        }
    }
    // Another instance may migrate at the same time: the version is read again under the lock.
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
        .await?;
    let version: i64 = match tx
        .query_opt("SELECT version FROM schema_version", &[])
        .await?
    {
        Some(row) => row.try_get(0)?,
        None => {
            tx.execute("INSERT INTO schema_version (version) VALUES (0)", &[])
                .await?;
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
        tracing::info!(version = idx + 1, "applying PostgreSQL store migration");
        tx.batch_execute(sql).await?;
    }
    tx.execute("UPDATE schema_version SET version = $1", &[&supported])
        .await?;
    tx.commit().await?;
    Ok(())
}
