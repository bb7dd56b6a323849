//! The storage test suite, run against both drivers: every case is an async function of a
//! [`Backend`], and `suite!` makes one test per (driver, case). PostgreSQL is real: each test
//! starts its own throw-away cluster (see `common`).

mod common;

use common::bytes;

use std::collections::HashSet;
use std::time::Duration;

use gofed_store::{
    GcReport, NewJob, Package, PackageKey, Page, PageRequest, Project, ResultKey, Revision, Sha256,
    Store, StoreError, Subject,
};

/// A driver under test, with the hooks a case needs to reach behind the store's back.
enum Backend {
    Sqlite(tempfile::TempDir),
    Postgres(common::Postgres),
}

impl Backend {
    async fn open(&self) -> Result<Store, StoreError> {
        match self {
            Backend::Sqlite(dir) => Store::open_sqlite(dir.path()).await,
            Backend::Postgres(pg) => Store::connect_postgres(&pg.conninfo()).await,
        }
    }

    async fn store(&self) -> Store {
        self.open().await.expect("open the store")
    }

    /// Runs SQL directly on the database.
    async fn sql(&self, sql: &str) {
        match self {
            Backend::Sqlite(dir) => {
                let conn = rusqlite::Connection::open(dir.path().join("store.sqlite"))
                    .expect("open the database");
                conn.execute_batch(sql).expect(sql);
            }
            Backend::Postgres(pg) => pg.raw().await.batch_execute(sql).await.expect(sql),
        }
    }

    /// Sets a 32-byte digest column of every stored result to zeros.
    async fn zero_results_digest(&self, column: &str) {
        let zeros = match self {
            Backend::Sqlite(_) => "zeroblob(32)",
            Backend::Postgres(_) => "decode(repeat('00', 32), 'hex')",
        };
        self.sql(&format!("UPDATE results SET {column} = {zeros}"))
            .await;
    }

    /// Flips one byte in the middle of a stored blob.
    async fn corrupt_blob(&self, sha256: Sha256) {
        match self {
            Backend::Sqlite(dir) => {
                let hex = sha256.to_hex();
                let path = dir.path().join("blobs").join(&hex[..2]).join(&hex);
                let mut bytes = std::fs::read(&path).expect("the blob file");
                let mid = bytes.len() / 2;
                bytes[mid] ^= 0x20;
                std::fs::write(&path, bytes).expect("rewrite the blob file");
            }
            Backend::Postgres(_) => {
                // The second chunk, so that the first one was already hashed when it is found.
                self.sql(&format!(
                    "UPDATE blob_chunks SET data = set_byte(data, 10, get_byte(data, 10) # 32)
                     WHERE sha256 = '\\x{sha256}' AND idx = 1"
                ))
                .await;
            }
        }
    }
}

fn digest(s: &str) -> Sha256 {
    Sha256::of(s.as_bytes())
}

fn key(action: &str, input: &str) -> ResultKey {
    ResultKey {
        action: action.to_owned(),
        input_digest: digest(input),
        options_digest: digest("{}"),
        engine_version: "0.1.0".to_owned(),
    }
}

fn project(n: usize) -> Project {
    Project {
        import_path: format!("example.com/p{n}"),
        repository: format!("https://example.com/p{n}.git"),
    }
}

fn package(name: &str, release: &str) -> Package {
    Package {
        key: PackageKey {
            name: name.to_owned(),
            version: "1.2.3".to_owned(),
            release: release.to_owned(),
            distro: "fedora:38".to_owned(),
        },
        source_rpm: format!("{name}-1.2.3-{release}.src.rpm"),
    }
}

/// Every page of a listing, following the cursors (each through its string form, as a REST
/// client would carry it).
async fn all_pages<T, F, Fut>(limit: u32, mut fetch: F) -> Vec<T>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: std::future::Future<Output = Result<Page<T>, StoreError>>,
{
    let mut items = Vec::new();
    let mut after = None;
    let mut n_pages = 0;
    loop {
        let page = fetch(PageRequest { after, limit }).await.expect("a page");
        assert!(page.items.len() <= limit as usize);
        n_pages += 1;
        assert!(n_pages < 10_000, "paging does not end");
        items.extend(page.items);
        match page.next {
            None => return items,
            Some(cursor) => after = Some(cursor.to_string().parse().expect("cursor")),
        }
    }
}

async fn round_trips(backend: Backend) {
    let store = backend.store().await;

    // Blobs: empty, small, and several PostgreSQL chunks long.
    for data in [Vec::new(), b"package main\n".to_vec(), bytes(7, 2_500_000)] {
        let id = store.put_blob(data.clone()).await.expect("put blob");
        assert_eq!(id, Sha256::of(&data));
        assert!(store.has_blob(id).await.expect("has"));
        assert_eq!(
            store.blob_size(id).await.expect("size"),
            Some(data.len() as u64)
        );
        assert_eq!(store.get_blob(id).await.expect("get"), Some(data));
    }
    let absent = digest("absent");
    assert!(!store.has_blob(absent).await.expect("has"));
    assert_eq!(store.blob_size(absent).await.expect("size"), None);
    assert_eq!(store.get_blob(absent).await.expect("get"), None);

    // Projects and revisions; a revision of an unknown project is refused.
    let p = project(1);
    let orphan = Revision {
        import_path: p.import_path.clone(),
        commit: "abc".into(),
        tag: None,
        commit_time: 1,
    };
    let err = store
        .put_revision(&orphan)
        .await
        .expect_err("unknown project");
    assert!(
        matches!(&err, StoreError::Unknown(what) if what.contains("example.com/p1")),
        "{err}"
    );
    store.put_project(&p).await.expect("put project");
    assert_eq!(
        store.get_project(&p.import_path).await.expect("get"),
        Some(p.clone())
    );
    let moved = Project {
        repository: "https://mirror.example.com/p1.git".into(),
        ..p.clone()
    };
    store.put_project(&moved).await.expect("update project");
    assert_eq!(
        store.get_project(&p.import_path).await.expect("get"),
        Some(moved)
    );
    assert_eq!(
        store.get_project("example.com/none").await.expect("get"),
        None
    );
    let rev = Revision {
        tag: Some("v1.0.0".into()),
        commit_time: 1_700_000_000,
        ..orphan
    };
    store.put_revision(&rev).await.expect("put revision");
    assert_eq!(
        store
            .get_revision(&p.import_path, "abc")
            .await
            .expect("get"),
        Some(rev.clone())
    );
    assert_eq!(
        store
            .get_revision(&p.import_path, "def")
            .await
            .expect("get"),
        None
    );

    // Packages.
    let pkg = package("golang-x-text", "1.fc38");
    store.put_package(&pkg).await.expect("put package");
    assert_eq!(
        store.get_package(&pkg.key).await.expect("get"),
        Some(pkg.clone())
    );
    let other_distro = PackageKey {
        distro: "fedora:39".into(),
        ..pkg.key.clone()
    };
    assert_eq!(store.get_package(&other_distro).await.expect("get"), None);

    // Results, with and without a subject; an unknown subject is refused and stores nothing.
    let api = br#"{"packages":[{"path":"example.com/p1","funcs":["F"]}]}"#.repeat(100);
    let rev_subject = Subject::Revision {
        import_path: p.import_path.clone(),
        commit: "abc".into(),
    };
    let k1 = key("api_analysis", "tree-1");
    let entry = store
        .put_result(&k1, &api, Some(&rev_subject))
        .await
        .expect("put result");
    assert_eq!(entry.size, api.len() as u64);
    assert_eq!(entry.digest, Sha256::of(&api));
    assert_eq!(store.get_result(&k1).await.expect("get"), Some(api.clone()));
    assert_eq!(
        read_to_end(&store, &k1).await.expect("read"),
        Some(api.clone())
    );
    let k2 = key("deps_analysis", "rpm-1");
    store
        .put_result(&k2, b"deps", Some(&Subject::Package(pkg.key.clone())))
        .await
        .expect("put result");
    let k3 = key("license_analysis", "tree-1");
    store
        .put_result(&k3, b"", None)
        .await
        .expect("empty result");
    assert_eq!(store.get_result(&k3).await.expect("get"), Some(Vec::new()));
    assert_eq!(
        read_to_end(&store, &k3).await.expect("read"),
        Some(Vec::new())
    );
    let k4 = key("api_analysis", "tree-2");
    let unknown = Subject::Package(other_distro.clone());
    let err = store
        .put_result(&k4, b"x", Some(&unknown))
        .await
        .expect_err("unknown package");
    assert!(
        matches!(&err, StoreError::Unknown(what) if what.contains("fedora:39")),
        "{err}"
    );
    assert_eq!(store.get_result(&k4).await.expect("get"), None);
    assert_eq!(read_to_end(&store, &k4).await.expect("read"), None);
    // The same analysis by another engine version is another result.
    let k1_next = ResultKey {
        engine_version: "0.2.0".into(),
        ..k1.clone()
    };
    assert_eq!(store.get_result(&k1_next).await.expect("get"), None);

    let by_rev = store
        .list_revision_results(&p.import_path, "abc", PageRequest::first(10))
        .await
        .expect("list");
    assert_eq!(by_rev.items, [entry]);
    assert_eq!(by_rev.next, None);
    let by_pkg = store
        .list_package_results(&pkg.key, PageRequest::first(10))
        .await
        .expect("list");
    assert_eq!(
        by_pkg.items.iter().map(|e| &e.key).collect::<Vec<_>>(),
        [&k2]
    );
    let err = store
        .list_package_results(&other_distro, PageRequest::first(10))
        .await
        .expect_err("unknown package");
    assert!(matches!(err, StoreError::Unknown(_)), "{err}");

    // The records serialise and come back equal (the storage services send them as JSON).
    let json = serde_json::to_string(&(&p, &rev, &pkg, &by_rev)).expect("to JSON");
    let back: (Project, Revision, Package, Page<gofed_store::ResultEntry>) =
        serde_json::from_str(&json).expect("from JSON");
    assert_eq!(back, (p, rev, pkg, by_rev));
}

async fn paging(backend: Backend) {
    let store = backend.store().await;
    for n in 0..120 {
        store.put_project(&project(n)).await.expect("put project");
    }
    // Pages of 7 see every project exactly once, in insertion order, including projects added
    // while paging (a cursor is a position, not an offset).
    let mut seen = Vec::new();
    let mut after = None;
    let mut added = 120;
    loop {
        let page = store
            .list_projects(PageRequest { after, limit: 7 })
            .await
            .expect("page");
        seen.extend(page.items.into_iter().map(|p| p.import_path));
        if added < 130 {
            store.put_project(&project(added)).await.expect("put");
            added += 1;
        }
        match page.next {
            None => break,
            Some(c) => after = Some(c),
        }
    }
    let expected: Vec<String> = (0..130).map(|n| project(n).import_path).collect();
    assert_eq!(seen, expected);

    let p = project(0);
    for n in 0..45 {
        store
            .put_revision(&Revision {
                import_path: p.import_path.clone(),
                commit: format!("c{n:03}"),
                tag: (n % 3 == 0).then(|| format!("v0.{n}.0")),
                commit_time: 1_600_000_000 + n,
            })
            .await
            .expect("put revision");
    }
    // Another project's revisions do not leak into the listing.
    store
        .put_revision(&Revision {
            import_path: project(1).import_path,
            commit: "other".into(),
            tag: None,
            commit_time: 0,
        })
        .await
        .expect("put revision");
    let revs = all_pages(4, |page| store.list_revisions(&p.import_path, page)).await;
    let commits: Vec<String> = revs.iter().map(|r| r.commit.clone()).collect();
    assert_eq!(
        commits,
        (0..45).map(|n| format!("c{n:03}")).collect::<Vec<_>>()
    );
    assert_eq!(revs[3].tag.as_deref(), Some("v0.3.0"));

    let pkg = package("golang-x-net", "2.fc38");
    store.put_package(&pkg).await.expect("put package");
    let subject = Subject::Revision {
        import_path: p.import_path.clone(),
        commit: "c007".into(),
    };
    let mut expected_rev = Vec::new();
    let mut expected_pkg = Vec::new();
    for n in 0..75 {
        let k = key("api_analysis", &format!("input-{n}"));
        let data = bytes(n, 100 + n as usize);
        if n % 5 == 0 {
            let e = store
                .put_result(&k, &data, Some(&Subject::Package(pkg.key.clone())))
                .await
                .expect("put result");
            expected_pkg.push(e);
        } else {
            let e = store
                .put_result(&k, &data, Some(&subject))
                .await
                .expect("put result");
            expected_rev.push(e);
        }
    }
    let listed = all_pages(11, |page| {
        store.list_revision_results(&p.import_path, "c007", page)
    })
    .await;
    assert_eq!(listed, expected_rev);
    let listed = all_pages(2, |page| store.list_package_results(&pkg.key, page)).await;
    assert_eq!(listed, expected_pkg);
    let packages = all_pages(1, |page| store.list_packages(page)).await;
    assert_eq!(packages, [pkg]);

    // A cursor that the store never handed out is refused when parsed, not misread.
    assert!("-1".parse::<gofed_store::Cursor>().is_err());
    assert!("x".parse::<gofed_store::Cursor>().is_err());
}

async fn idempotent_puts(backend: Backend) {
    let store = backend.store().await;
    let data = bytes(3, 1_500_000);
    let a = store.put_blob(data.clone()).await.expect("put");
    let b = store.put_blob(data.clone()).await.expect("put again");
    assert_eq!(a, b);
    assert_eq!(store.get_blob(a).await.expect("get"), Some(data));

    let p = project(9);
    store.put_project(&p).await.expect("put");
    store.put_project(&p).await.expect("put again");
    let rev = Revision {
        import_path: p.import_path.clone(),
        commit: "c1".into(),
        tag: None,
        commit_time: 5,
    };
    store.put_revision(&rev).await.expect("put");
    let retagged = Revision {
        tag: Some("v1.0.0".into()),
        ..rev.clone()
    };
    store.put_revision(&retagged).await.expect("retag");
    let pkg = package("golang-x-sys", "1.fc38");
    store.put_package(&pkg).await.expect("put");
    store.put_package(&pkg).await.expect("put again");
    let subject = Subject::Revision {
        import_path: p.import_path.clone(),
        commit: "c1".into(),
    };
    let k = key("api_analysis", "same");
    store
        .put_result(&k, b"first", Some(&subject))
        .await
        .expect("put");
    store
        .put_result(&k, b"second", Some(&subject))
        .await
        .expect("put again");
    assert_eq!(
        store.get_result(&k).await.expect("get"),
        Some(b"second".to_vec())
    );

    assert_eq!(
        store
            .list_projects(PageRequest::first(10))
            .await
            .expect("list")
            .items,
        std::slice::from_ref(&p)
    );
    assert_eq!(
        store
            .list_revisions(&p.import_path, PageRequest::first(10))
            .await
            .expect("list")
            .items,
        [retagged]
    );
    assert_eq!(
        store
            .list_packages(PageRequest::first(10))
            .await
            .expect("list")
            .items,
        [pkg]
    );
    let results = store
        .list_revision_results(&p.import_path, "c1", PageRequest::first(10))
        .await
        .expect("list")
        .items;
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].digest, Sha256::of(b"second"));

    let job = NewJob {
        kind: "api_revision".into(),
        key: "example.com/p9@c1".into(),
        payload: "{}".into(),
    };
    assert!(store.enqueue_job(&job).await.expect("enqueue"));
    assert!(!store.enqueue_job(&job).await.expect("enqueue again"));
    let claimed = store.claim_job("api_revision", "w").await.expect("claim");
    assert!(claimed.is_some());
    assert_eq!(
        store.claim_job("api_revision", "w").await.expect("claim"),
        None
    );
}

async fn corruption_detected(backend: Backend) {
    let store = backend.store().await;
    let data = bytes(11, 2_200_000);
    let id = store.put_blob(data.clone()).await.expect("put");
    backend.corrupt_blob(id).await;
    let err = store
        .get_blob(id)
        .await
        .expect_err("a corrupted blob is an error");
    assert!(
        matches!(&err, StoreError::CorruptBlob { sha256, .. } if *sha256 == id),
        "{err}"
    );
    assert!(err.to_string().contains(&id.to_hex()), "{err}");
    if let Backend::Sqlite(_) = backend {
        // Storing the blob again replaces the corrupted copy.
        store.put_blob(data.clone()).await.expect("put again");
        assert_eq!(store.get_blob(id).await.expect("get"), Some(data));
    }

    // A result whose compressed bytes changed, and one whose recorded digest is wrong.
    let k = key("api_analysis", "corrupt");
    store
        .put_result(&k, &bytes(1, 5000), None)
        .await
        .expect("put");
    backend
        .sql("UPDATE results SET data = substr(data, 1, 20)")
        .await;
    let err = store.get_result(&k).await.expect_err("truncated result");
    assert!(
        matches!(&err, StoreError::CorruptResult { key, .. } if **key == k),
        "{err}"
    );
    // A reader is refused before its first byte.
    let err = store.read_result(&k).await.err().expect("truncated result");
    assert!(matches!(&err, StoreError::CorruptResult { .. }), "{err}");
    store
        .put_result(&k, &bytes(1, 5000), None)
        .await
        .expect("put again");
    assert_eq!(
        store.get_result(&k).await.expect("get"),
        Some(bytes(1, 5000))
    );
    // A recorded size the bytes do not decompress to: a reader passes them on as they come, and fails at the
    // end, or as soon as there are more than recorded.
    for size in ["size + 1", "size - 1"] {
        backend
            .sql(&format!("UPDATE results SET size = {size}"))
            .await;
        let err = store.get_result(&k).await.expect_err("wrong size");
        assert!(matches!(&err, StoreError::CorruptResult { .. }), "{err}");
        let err = read_to_end(&store, &k).await.expect_err("wrong size");
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData, "{err}");
        let inner = err.get_ref().map(ToString::to_string).unwrap_or_default();
        assert!(
            inner.contains("bytes, ") && inner.contains(&k.to_string()),
            "{inner}"
        );
        backend
            .sql(&format!("UPDATE results SET size = {}", 5000))
            .await;
    }
    assert_eq!(
        read_to_end(&store, &k).await.expect("read"),
        Some(bytes(1, 5000))
    );
    // The digest of the stored bytes is what is checked.
    backend.zero_results_digest("data_digest").await;
    let err = store.get_result(&k).await.expect_err("wrong digest");
    assert!(matches!(&err, StoreError::CorruptResult { .. }), "{err}");
    let err = store.read_result(&k).await.err().expect("wrong digest");
    assert!(matches!(&err, StoreError::CorruptResult { .. }), "{err}");
}

/// The result `k` read through [`Store::read_result`] (in chunks smaller than the result).
async fn read_to_end(store: &Store, k: &ResultKey) -> std::io::Result<Option<Vec<u8>>> {
    let Some(mut reader) = store.read_result(k).await.map_err(std::io::Error::other)? else {
        return Ok(None);
    };
    let mut data = Vec::new();
    let mut chunk = [0; 1000];
    loop {
        let n = std::io::Read::read(&mut reader, &mut chunk)?;
        if n == 0 {
            assert_eq!(data.len() as u64, reader.size());
            return Ok(Some(data));
        }
        data.extend_from_slice(&chunk[..n]);
    }
}

/// The schema version this gofed writes.
const SCHEMA: i64 = 2;

async fn migrations(backend: Backend) {
    // An empty database gets every migration.
    let store = backend.store().await;
    assert_eq!(store.schema_version().await.expect("version"), SCHEMA);
    store.put_project(&project(1)).await.expect("put");
    drop(store);
    // Opening again applies nothing and keeps the data.
    let store = backend.store().await;
    assert_eq!(store.schema_version().await.expect("version"), SCHEMA);
    assert_eq!(
        store
            .get_project(&project(1).import_path)
            .await
            .expect("get"),
        Some(project(1))
    );
    drop(store);
    // A database from a newer gofed is refused, and left as it is.
    backend.sql("UPDATE schema_version SET version = 7").await;
    let err = backend.open().await.expect_err("a newer schema is refused");
    assert!(
        matches!(
            err,
            StoreError::SchemaTooNew {
                found: 7,
                supported: SCHEMA
            }
        ),
        "{err}"
    );
    backend
        .sql(&format!("UPDATE schema_version SET version = {SCHEMA}"))
        .await;
    let store = backend.store().await;
    assert_eq!(
        store
            .get_project(&project(1).import_path)
            .await
            .expect("get"),
        Some(project(1))
    );
    // A database of schema 1 is migrated, and its results, stored without the digest of their
    // stored bytes, still read: checked against the result's own digest.
    let k = key("api_analysis", "schema-1");
    store
        .put_result(&k, &bytes(2, 3000), None)
        .await
        .expect("put");
    drop(store);
    backend
        .sql("ALTER TABLE results DROP COLUMN data_digest")
        .await;
    backend.sql("UPDATE schema_version SET version = 1").await;
    let store = backend.store().await;
    assert_eq!(store.schema_version().await.expect("version"), SCHEMA);
    assert_eq!(
        store.get_result(&k).await.expect("get"),
        Some(bytes(2, 3000))
    );
    assert_eq!(
        read_to_end(&store, &k).await.expect("read"),
        Some(bytes(2, 3000))
    );
    backend.zero_results_digest("digest").await;
    let err = store.get_result(&k).await.expect_err("wrong digest");
    assert!(matches!(&err, StoreError::CorruptResult { .. }), "{err}");
    let err = store.read_result(&k).await.err().expect("wrong digest");
    assert!(matches!(&err, StoreError::CorruptResult { .. }), "{err}");
}

/// Migrations of several instances starting at once on one empty database (on SQLite, also the switch to
/// WAL, which SQLite refuses at once while another connection holds the file).
async fn concurrent_open(backend: Backend) {
    let backend = std::sync::Arc::new(backend);
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let backend = std::sync::Arc::clone(&backend);
            tokio::spawn(async move { backend.open().await.map(|_| ()) })
        })
        .collect();
    for task in tasks {
        task.await.expect("task").expect("open");
    }
    let store = backend.store().await;
    assert_eq!(store.schema_version().await.expect("version"), SCHEMA);
}

async fn concurrent_writers(backend: Backend) {
    // Two stores on one database (two processes' worth of connections), four tasks each.
    let stores = [backend.store().await, backend.store().await];
    let p = project(0);
    stores[0].put_project(&p).await.expect("put project");
    stores[0]
        .put_revision(&Revision {
            import_path: p.import_path.clone(),
            commit: "c".into(),
            tag: None,
            commit_time: 0,
        })
        .await
        .expect("put revision");
    let subject = Subject::Revision {
        import_path: p.import_path.clone(),
        commit: "c".into(),
    };
    let mut tasks = Vec::new();
    for t in 0..8u64 {
        let store = stores[t as usize % 2].clone();
        let subject = subject.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..20u64 {
                let n = t * 1000 + i;
                store.put_blob(bytes(n, 3000)).await.expect("put blob");
                store
                    .put_result(
                        &key("api_analysis", &n.to_string()),
                        &bytes(n, 500),
                        Some(&subject),
                    )
                    .await
                    .expect("put result");
                store
                    .put_project(&project(n as usize + 1))
                    .await
                    .expect("put project");
            }
        }));
    }
    for task in tasks {
        task.await.expect("writer task");
    }
    let store = &stores[1];
    for t in 0..8u64 {
        for i in 0..20u64 {
            let n = t * 1000 + i;
            assert_eq!(
                store
                    .get_blob(Sha256::of(&bytes(n, 3000)))
                    .await
                    .expect("get"),
                Some(bytes(n, 3000))
            );
            assert_eq!(
                store
                    .get_result(&key("api_analysis", &n.to_string()))
                    .await
                    .expect("get"),
                Some(bytes(n, 500))
            );
        }
    }
    let results = all_pages(50, |page| {
        store.list_revision_results(&p.import_path, "c", page)
    })
    .await;
    assert_eq!(results.len(), 160);
    let projects = all_pages(50, |page| store.list_projects(page)).await;
    assert_eq!(projects.len(), 161);
}

async fn job_claims(backend: Backend) {
    let stores = [backend.store().await, backend.store().await];
    let n_jobs = 120;
    for n in 0..n_jobs {
        let job = NewJob {
            kind: "api_revision".into(),
            key: format!("example.com/p@v{n}"),
            payload: format!("{{\"n\":{n}}}"),
        };
        assert!(stores[n % 2].enqueue_job(&job).await.expect("enqueue"));
    }
    // Another kind is not claimed by these workers.
    let other = NewJob {
        kind: "deps_package".into(),
        key: "x".into(),
        payload: "{}".into(),
    };
    stores[0].enqueue_job(&other).await.expect("enqueue");

    // Eight workers on two stores claim until the queue is empty.
    let mut workers = Vec::new();
    for w in 0..8 {
        let store = stores[w % 2].clone();
        workers.push(tokio::spawn(async move {
            let worker = format!("worker-{w}");
            let mut done = Vec::new();
            while let Some(job) = store
                .claim_job("api_revision", &worker)
                .await
                .expect("claim")
            {
                assert_eq!(job.worker.as_deref(), Some(worker.as_str()));
                assert_eq!(job.attempts, 1);
                store.complete_job(job.id, &worker).await.expect("complete");
                done.push(job.key);
            }
            done
        }));
    }
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.expect("worker"));
    }
    let unique: HashSet<&String> = all.iter().collect();
    assert_eq!(unique.len(), all.len(), "a job was claimed twice");
    assert_eq!(all.len(), n_jobs);
    // The listing shows every job of the kind once, in the order enqueued, each done.
    let listed = all_pages(7, |page| stores[1].list_jobs("api_revision", page)).await;
    let keys: Vec<String> = listed.iter().map(|j| j.key.clone()).collect();
    let enqueued: Vec<String> = (0..n_jobs).map(|n| format!("example.com/p@v{n}")).collect();
    assert_eq!(keys, enqueued);
    assert!(listed
        .iter()
        .all(|j| j.state == gofed_store::JobState::Done));

    let store = &stores[0];
    let job = store
        .claim_job("deps_package", "w1")
        .await
        .expect("claim")
        .expect("the other kind's job");
    // Only its claimer can finish it.
    let err = store
        .complete_job(job.id, "w2")
        .await
        .expect_err("not w2's job");
    assert!(matches!(err, StoreError::JobNotClaimed { .. }), "{err}");
    // A stale claim goes back to the queue; the old claimer can no longer finish it.
    assert_eq!(
        store
            .requeue_stale_jobs(Duration::from_secs(3600))
            .await
            .expect("requeue"),
        0
    );
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(
        store
            .requeue_stale_jobs(Duration::from_millis(1))
            .await
            .expect("requeue"),
        1
    );
    let again = store
        .claim_job("deps_package", "w2")
        .await
        .expect("claim")
        .expect("requeued");
    assert_eq!((again.id, again.attempts), (job.id, 2));
    let err = store
        .complete_job(job.id, "w1")
        .await
        .expect_err("stale claimer");
    assert!(matches!(err, StoreError::JobNotClaimed { .. }), "{err}");
    store
        .fail_job(job.id, "w2", "no such tag")
        .await
        .expect("fail");
    let failed = store.get_job(job.id).await.expect("get").expect("the job");
    assert_eq!(failed.state, gofed_store::JobState::Failed);
    assert_eq!(failed.error.as_deref(), Some("no such tag"));

    // A worker restarted under its name takes back what it had claimed, and only that.
    for key in ["a", "b", "c"] {
        let job = NewJob {
            kind: "deps_package".into(),
            key: key.into(),
            payload: "{}".into(),
        };
        store.enqueue_job(&job).await.expect("enqueue");
    }
    let mine = store.claim_job("deps_package", "w3").await.expect("claim");
    let theirs = store.claim_job("deps_package", "w4").await.expect("claim");
    assert!(mine.is_some() && theirs.is_some());
    let counts = store.job_counts("deps_package").await.expect("counts");
    assert_eq!(
        (counts.queued, counts.claimed, counts.done, counts.failed),
        (1, 2, 0, 1)
    );
    assert_eq!(store.release_worker_jobs("w3").await.expect("release"), 1);
    let counts = store.job_counts("deps_package").await.expect("counts");
    assert_eq!((counts.queued, counts.claimed), (2, 1));
    let counts = store.job_counts("api_revision").await.expect("counts");
    assert_eq!(
        (counts.queued, counts.claimed, counts.done, counts.failed),
        (0, 0, n_jobs as u64, 0)
    );
}

/// `stats` counts every kind of record; `gc_results` removes the results of other engines that nothing
/// records, and keeps the current engine's and the recorded ones.
async fn stats_and_gc(backend: Backend) {
    let store = backend.store().await;
    let empty = store.stats().await.expect("stats");
    assert_eq!(
        (empty.projects, empty.results, empty.result_bytes),
        (0, 0, 0)
    );

    let p = project(1);
    store.put_project(&p).await.expect("project");
    let revision = Revision {
        import_path: p.import_path.clone(),
        commit: "c1".to_owned(),
        tag: Some("v1.0.0".to_owned()),
        commit_time: 1_700_000_000,
    };
    store.put_revision(&revision).await.expect("revision");
    let pkg = package("golang-x", "1.fc38");
    store.put_package(&pkg).await.expect("package");
    let with_engine = |input: &str, engine: &str| ResultKey {
        engine_version: engine.to_owned(),
        ..key("api_analysis", input)
    };
    let subject = Subject::Revision {
        import_path: p.import_path.clone(),
        commit: "c1".to_owned(),
    };
    let old_unrecorded = with_engine("a", "0.1.0+old");
    let old_recorded = with_engine("b", "0.1.0+old");
    let old_package = with_engine("c", "0.1.0+old");
    let current = with_engine("a", "0.1.0+new");
    store
        .put_result(&old_unrecorded, &bytes(1, 1000), None)
        .await
        .expect("put");
    store
        .put_result(&old_recorded, &bytes(2, 2000), Some(&subject))
        .await
        .expect("put");
    store
        .put_result(
            &old_package,
            &bytes(3, 3000),
            Some(&Subject::Package(pkg.key.clone())),
        )
        .await
        .expect("put");
    store
        .put_result(&current, &bytes(4, 4000), None)
        .await
        .expect("put");
    store
        .enqueue_job(&NewJob {
            kind: "api_revision".to_owned(),
            key: "k".to_owned(),
            payload: "{}".to_owned(),
        })
        .await
        .expect("job");
    let stats = store.stats().await.expect("stats");
    assert_eq!(
        (
            stats.projects,
            stats.revisions,
            stats.packages,
            stats.results,
            stats.result_bytes,
            stats.jobs
        ),
        (1, 1, 1, 4, 10_000, 1)
    );

    let report = store.gc_results("0.1.0+new").await.expect("gc");
    assert_eq!((report.results, report.bytes), (1, 1000));
    assert_eq!(store.get_result(&old_unrecorded).await.expect("get"), None);
    for kept in [&old_recorded, &old_package, &current] {
        assert!(
            store.get_result(kept).await.expect("get").is_some(),
            "{kept} kept"
        );
    }
    assert_eq!(store.stats().await.expect("stats").results, 3);
    // Nothing more to remove.
    assert_eq!(
        store.gc_results("0.1.0+new").await.expect("gc"),
        GcReport::default()
    );
}

/// What the storage services look revisions and distributions up by: a commit id or a tag (a
/// commit id wins over a tag that spells the same; a moved tag names its newest revision), and
/// the distinct distributions, sorted.
async fn lookups(backend: Backend) {
    let store = backend.store().await;
    let p = project(1);
    store.put_project(&p).await.expect("put project");
    let rev = |commit: &str, tag: Option<&str>, time: i64| Revision {
        import_path: p.import_path.clone(),
        commit: commit.to_owned(),
        tag: tag.map(str::to_owned),
        commit_time: time,
    };
    let (a, b, c) = (
        rev("aaaa", Some("v1.0.0"), 10),
        rev("bbbb", Some("aaaa"), 20),
        rev("cccc", Some("v1.0.0"), 30),
    );
    for r in [&a, &b, &c] {
        store.put_revision(r).await.expect("put revision");
    }
    let find = |name: &'static str| {
        let store = store.clone();
        let path = p.import_path.clone();
        async move { store.find_revision(&path, name).await.expect("find") }
    };
    assert_eq!(find("bbbb").await.as_ref(), Some(&b));
    assert_eq!(find("aaaa").await.as_ref(), Some(&a), "the commit id wins");
    assert_eq!(
        find("v1.0.0").await.as_ref(),
        Some(&c),
        "the newest with the tag"
    );
    assert_eq!(find("v2.0.0").await, None);
    assert_eq!(
        store
            .find_revision("example.com/none", "aaaa")
            .await
            .expect("find"),
        None
    );

    assert_eq!(
        store.list_distros().await.expect("distros"),
        Vec::<String>::new()
    );
    let mut packages = vec![package("a", "1.fc38"), package("b", "1.fc38")];
    let mut other = package("a", "1.el9");
    other.key.distro = "el:9".to_owned();
    packages.push(other);
    for pkg in &packages {
        store.put_package(pkg).await.expect("put package");
    }
    assert_eq!(
        store.list_distros().await.expect("distros"),
        vec!["el:9".to_owned(), "fedora:38".to_owned()]
    );
}

/// Listings by what is recorded: a project, revision or package is listed for an action only when a
/// result of that action is recorded under it (pages stay whole: the filter is in the query).
async fn listings_by_action(backend: Backend) {
    let store = backend.store().await;
    let mut api_revisions = Vec::new();
    for n in 0..5 {
        let p = project(n);
        store.put_project(&p).await.expect("put project");
        for c in 0..3 {
            let rev = Revision {
                import_path: p.import_path.clone(),
                commit: format!("c{n}{c}"),
                tag: None,
                commit_time: c,
            };
            store.put_revision(&rev).await.expect("put revision");
            // Projects 0, 2, 4 have API results on revisions 0 and 2; every revision has deps results.
            let subject = Subject::Revision {
                import_path: p.import_path.clone(),
                commit: rev.commit.clone(),
            };
            if n % 2 == 0 && c != 1 {
                let k = key("api_analysis", &format!("api {n} {c}"));
                store
                    .put_result(&k, b"api", Some(&subject))
                    .await
                    .expect("put");
                if n == 2 {
                    api_revisions.push(rev.clone());
                }
            }
            let k = key("deps_analysis", &format!("deps {n} {c}"));
            store
                .put_result(&k, b"deps", Some(&subject))
                .await
                .expect("put");
        }
    }
    let api_projects = all_pages(1, |page| {
        store.list_projects_recording(Some("api_analysis"), page)
    })
    .await;
    assert_eq!(api_projects, vec![project(0), project(2), project(4)]);
    let deps_projects = all_pages(2, |page| {
        store.list_projects_recording(Some("deps_analysis"), page)
    })
    .await;
    assert_eq!(deps_projects.len(), 5);
    assert!(
        all_pages(2, |page| store.list_projects_recording(Some("none"), page))
            .await
            .is_empty()
    );
    let path = project(2).import_path;
    let revisions = all_pages(1, |page| {
        store.list_revisions_recording(&path, Some("api_analysis"), page)
    })
    .await;
    assert_eq!(revisions, api_revisions);
    let path1 = project(1).import_path;
    assert!(all_pages(1, |page| store.list_revisions_recording(
        &path1,
        Some("api_analysis"),
        page
    ))
    .await
    .is_empty());

    let (a, b) = (package("a", "1.fc38"), package("b", "1.fc38"));
    for pkg in [&a, &b] {
        store.put_package(pkg).await.expect("put package");
    }
    let k = key("api_analysis", "package b");
    store
        .put_result(&k, b"api", Some(&Subject::Package(b.key.clone())))
        .await
        .expect("put");
    assert_eq!(
        all_pages(1, |page| store
            .list_packages_recording(Some("api_analysis"), page))
        .await,
        vec![b]
    );
    assert_eq!(
        all_pages(1, |page| store.list_packages(page)).await.len(),
        2
    );
}

/// Search by part of a name: ASCII case ignored, `%` and `_` literal (no LIKE patterns), paged, combined with
/// the recorded-action filter.
async fn search(backend: Backend) {
    let store = backend.store().await;
    let paths = [
        "example.com/Alpha/x",
        "example.com/beta",
        "github.com/foo/alpha-two",
        "example.com/100%_x",
    ];
    for path in paths {
        store
            .put_project(&Project {
                import_path: path.to_owned(),
                repository: String::new(),
            })
            .await
            .expect("put");
    }
    let found = |text: &'static str, action: Option<&'static str>| {
        let store = store.clone();
        async move {
            all_pages(1, |page| store.search_projects(text, action, page))
                .await
                .into_iter()
                .map(|p| p.import_path)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        found("ALPHA", None).await,
        ["example.com/Alpha/x", "github.com/foo/alpha-two"]
    );
    assert_eq!(found("%", None).await, ["example.com/100%_x"]);
    assert_eq!(found("_", None).await, ["example.com/100%_x"]);
    assert!(found("gamma", None).await.is_empty());
    assert_eq!(found("", None).await.len(), paths.len());
    let subject = Subject::Revision {
        import_path: "github.com/foo/alpha-two".into(),
        commit: "c1".into(),
    };
    store
        .put_revision(&Revision {
            import_path: "github.com/foo/alpha-two".into(),
            commit: "c1".into(),
            tag: None,
            commit_time: 0,
        })
        .await
        .expect("put revision");
    store
        .put_result(&key("api_analysis", "a"), b"api", Some(&subject))
        .await
        .expect("put result");
    assert_eq!(
        found("alpha", Some("api_analysis")).await,
        ["github.com/foo/alpha-two"]
    );

    for name in ["golang-x-sys", "golang-github-Foo-sys", "golang-x-net"] {
        store
            .put_package(&package(name, "1.fc38"))
            .await
            .expect("put package");
    }
    let packages = all_pages(2, |page| store.search_packages("SYS", None, page)).await;
    let names: Vec<&str> = packages.iter().map(|p| p.key.name.as_str()).collect();
    assert_eq!(names, ["golang-x-sys", "golang-github-Foo-sys"]);
}

macro_rules! suite {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let dir = tempfile::tempdir().expect("temp dir");
                    super::$case(super::Backend::Sqlite(dir)).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let Some(pg) = crate::common::start_postgres(concat!("postgres::", stringify!($case))).await else {
                        return;
                    };
                    super::$case(super::Backend::Postgres(pg)).await;
                }
            )*
        }
    };
}

suite!(
    round_trips,
    paging,
    idempotent_puts,
    corruption_detected,
    migrations,
    concurrent_open,
    concurrent_writers,
    job_claims,
    stats_and_gc,
    lookups,
    listings_by_action,
    search,
);

/// The last connection of a SQLite store checkpoints its WAL into the database and removes it when the store is
/// dropped, after reads as after writes: a WAL left behind is read whole by the next process that opens the store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_leaves_no_wal_behind() {
    let dir = tempfile::tempdir().expect("temp dir");
    let wal = dir.path().join("store.sqlite-wal");
    let k = key("api_analysis", "wal");
    {
        let store = Store::open_sqlite(dir.path()).await.expect("open");
        store
            .put_result(&k, &bytes(7, 100_000), None)
            .await
            .expect("put");
        // A reader is opened too, and kept idle in the pool.
        assert!(store.get_result(&k).await.expect("get").is_some());
        assert!(wal.exists(), "the WAL while the store is open");
    }
    assert!(!wal.exists(), "the WAL after writing and reading");
    {
        let store = Store::open_sqlite(dir.path()).await.expect("open again");
        assert_eq!(
            store.get_result(&k).await.expect("get"),
            Some(bytes(7, 100_000)),
            "what the WAL held is in the database"
        );
    }
    assert!(!wal.exists(), "the WAL after reading");
}
