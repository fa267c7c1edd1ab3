-- Organizations, clients, people and how they sign in. Timestamps are RFC 3339 text in UTC, ids UUIDv7 blobs.

CREATE TABLE organizations (
    id          BLOB PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;

CREATE TABLE clients (
    id               BLOB PRIMARY KEY NOT NULL,
    organization_id  BLOB NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    -- Lower-cased name: the sort and search key, so lists order the same on both engines.
    name_key         TEXT NOT NULL,
    time_zone        TEXT NOT NULL,
    office_hours     TEXT NOT NULL,
    brand_notes      TEXT NOT NULL DEFAULT '',
    archived_at      TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
) STRICT;
CREATE INDEX clients_by_name ON clients (organization_id, name_key, id);

CREATE TABLE people (
    id               BLOB PRIMARY KEY NOT NULL,
    organization_id  BLOB NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    email            TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    name_key         TEXT NOT NULL,
    role             TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'manager', 'editor', 'analyst', 'client')),
    -- True: works on every client. False: only those in person_clients.
    all_clients      INTEGER NOT NULL,
    password_hash    TEXT,
    deactivated_at   TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
) STRICT;
CREATE INDEX people_by_name ON people (organization_id, name_key, id);

CREATE TABLE person_clients (
    person_id        BLOB NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    client_id        BLOB NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    organization_id  BLOB NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    PRIMARY KEY (person_id, client_id)
) STRICT;
CREATE INDEX person_clients_by_client ON person_clients (client_id);

CREATE TABLE sessions (
    token_hash       BLOB PRIMARY KEY NOT NULL,
    organization_id  BLOB NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    person_id        BLOB NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    created_at       TEXT NOT NULL,
    last_seen_at     TEXT NOT NULL,
    expires_at       TEXT NOT NULL,
    user_agent       TEXT
) STRICT;
CREATE INDEX sessions_by_person ON sessions (person_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

CREATE TABLE api_tokens (
    id               BLOB PRIMARY KEY NOT NULL,
    organization_id  BLOB NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    person_id        BLOB NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    scope            TEXT NOT NULL CHECK (scope IN ('read', 'write')),
    prefix           TEXT NOT NULL,
    token_hash       BLOB NOT NULL UNIQUE,
    created_at       TEXT NOT NULL,
    last_used_at     TEXT,
    expires_at       TEXT,
    revoked_at       TEXT
) STRICT;
CREATE INDEX api_tokens_by_person ON api_tokens (person_id);

CREATE TABLE invitations (
    id               BLOB PRIMARY KEY NOT NULL,
    organization_id  BLOB NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    email            TEXT NOT NULL,
    name             TEXT NOT NULL,
    role             TEXT NOT NULL,
    -- The domain's ClientAccess as JSON; the ids become person_clients rows on acceptance.
    client_access    TEXT NOT NULL,
    invited_by       BLOB NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    token_hash       BLOB NOT NULL UNIQUE,
    created_at       TEXT NOT NULL,
    expires_at       TEXT NOT NULL,
    accepted_at      TEXT,
    revoked_at       TEXT
) STRICT;
CREATE INDEX invitations_by_organization ON invitations (organization_id);

CREATE TABLE sign_in_failures (
    key           TEXT NOT NULL,
    attempted_at  TEXT NOT NULL
) STRICT;
CREATE INDEX sign_in_failures_by_key ON sign_in_failures (key, attempted_at);

CREATE TABLE jobs (
    id            BLOB PRIMARY KEY NOT NULL,
    kind          TEXT NOT NULL,
    payload       TEXT NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    max_attempts  INTEGER NOT NULL,
    run_at        TEXT NOT NULL,
    -- A claimed job: which worker holds it and until when. An expired lease makes the job claimable again.
    locked_by     TEXT,
    locked_until  TEXT,
    last_error    TEXT,
    dead_at       TEXT,
    created_at    TEXT NOT NULL
) STRICT;
CREATE INDEX jobs_due ON jobs (run_at) WHERE dead_at IS NULL;
