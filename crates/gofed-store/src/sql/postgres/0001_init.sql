-- gofed store, PostgreSQL schema 1. Blobs are rows of chunks, so every instance sharing the
-- database reads what another wrote. Identity ids only grow: a listing cursor (the last id) stays valid.
CREATE TABLE blobs (
    sha256   BYTEA PRIMARY KEY,
    size     BIGINT NOT NULL,
    n_chunks INTEGER NOT NULL
);
CREATE TABLE blob_chunks (
    sha256 BYTEA NOT NULL,
    idx    INTEGER NOT NULL,
    data   BYTEA NOT NULL,
    PRIMARY KEY (sha256, idx)
);
CREATE TABLE projects (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    import_path TEXT NOT NULL UNIQUE,
    repository  TEXT NOT NULL
);
CREATE TABLE revisions (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id  BIGINT NOT NULL REFERENCES projects (id),
    commit_id   TEXT NOT NULL,
    tag         TEXT,
    commit_time BIGINT NOT NULL,
    UNIQUE (project_id, commit_id)
);
CREATE TABLE packages (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT NOT NULL,
    version    TEXT NOT NULL,
    release    TEXT NOT NULL,
    distro     TEXT NOT NULL,
    source_rpm TEXT NOT NULL,
    UNIQUE (name, version, release, distro)
);
-- data is zstd-compressed; size and digest describe the uncompressed bytes and are checked on read.
CREATE TABLE results (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    action         TEXT NOT NULL,
    input_digest   BYTEA NOT NULL,
    options_digest BYTEA NOT NULL,
    engine_version TEXT NOT NULL,
    data           BYTEA NOT NULL,
    size           BIGINT NOT NULL,
    digest         BYTEA NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (action, input_digest, options_digest, engine_version)
);
CREATE TABLE revision_results (
    revision_id BIGINT NOT NULL REFERENCES revisions (id),
    result_id   BIGINT NOT NULL REFERENCES results (id),
    PRIMARY KEY (revision_id, result_id)
);
CREATE TABLE package_results (
    package_id BIGINT NOT NULL REFERENCES packages (id),
    result_id  BIGINT NOT NULL REFERENCES results (id),
    PRIMARY KEY (package_id, result_id)
);
CREATE TABLE jobs (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind       TEXT NOT NULL,
    key        TEXT NOT NULL,
    payload    TEXT NOT NULL,
    state      TEXT NOT NULL DEFAULT 'queued',
    worker     TEXT,
    claimed_at TIMESTAMPTZ,
    attempts   INTEGER NOT NULL DEFAULT 0,
    error      TEXT,
    UNIQUE (kind, key)
);
CREATE INDEX jobs_by_state ON jobs (kind, state, id);
