-- gofed store, SQLite schema 1. Blobs live as files beside the database, named by their sha256.
-- AUTOINCREMENT: row ids are never reused, so a listing cursor (the last row id) stays valid.
CREATE TABLE projects (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    import_path TEXT NOT NULL UNIQUE,
    repository  TEXT NOT NULL
);
CREATE TABLE revisions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id  INTEGER NOT NULL REFERENCES projects (id),
    commit_id   TEXT NOT NULL,
    tag         TEXT,
    commit_time INTEGER NOT NULL,
    UNIQUE (project_id, commit_id)
);
CREATE TABLE packages (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL,
    version    TEXT NOT NULL,
    release    TEXT NOT NULL,
    distro     TEXT NOT NULL,
    source_rpm TEXT NOT NULL,
    UNIQUE (name, version, release, distro)
);
-- data is zstd-compressed; size and digest describe the uncompressed bytes and are checked on read.
CREATE TABLE results (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    action         TEXT NOT NULL,
    input_digest   BLOB NOT NULL,
    options_digest BLOB NOT NULL,
    engine_version TEXT NOT NULL,
    data           BLOB NOT NULL,
    size           INTEGER NOT NULL,
    digest         BLOB NOT NULL,
    created_ms     INTEGER NOT NULL,
    UNIQUE (action, input_digest, options_digest, engine_version)
);
CREATE TABLE revision_results (
    revision_id INTEGER NOT NULL REFERENCES revisions (id),
    result_id   INTEGER NOT NULL REFERENCES results (id),
    PRIMARY KEY (revision_id, result_id)
) WITHOUT ROWID;
CREATE TABLE package_results (
    package_id INTEGER NOT NULL REFERENCES packages (id),
    result_id  INTEGER NOT NULL REFERENCES results (id),
    PRIMARY KEY (package_id, result_id)
) WITHOUT ROWID;
CREATE TABLE jobs (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT NOT NULL,
    key        TEXT NOT NULL,
    payload    TEXT NOT NULL,
    state      TEXT NOT NULL DEFAULT 'queued',
    worker     TEXT,
    claimed_ms INTEGER,
    attempts   INTEGER NOT NULL DEFAULT 0,
    error      TEXT,
    UNIQUE (kind, key)
);
CREATE INDEX jobs_by_state ON jobs (kind, state, id);
