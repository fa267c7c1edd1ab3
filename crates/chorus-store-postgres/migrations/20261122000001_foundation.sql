-- Organizations, clients, people and how they sign in.

CREATE TABLE organizations (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL
);

CREATE TABLE clients (
    id               uuid PRIMARY KEY,
    organization_id  uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name             text NOT NULL,
    -- Lower-cased name: the sort and search key, so lists order the same on both engines.
    name_key         text COLLATE "C" NOT NULL,
    time_zone        text NOT NULL,
    office_hours     jsonb NOT NULL,
    brand_notes      text NOT NULL DEFAULT '',
    archived_at      timestamptz,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);
CREATE INDEX clients_by_name ON clients (organization_id, name_key, id);

CREATE TABLE people (
    id               uuid PRIMARY KEY,
    organization_id  uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    email            text NOT NULL UNIQUE,
    name             text NOT NULL,
    name_key         text COLLATE "C" NOT NULL,
    role             text NOT NULL CHECK (role IN ('owner', 'admin', 'manager', 'editor', 'analyst', 'client')),
    -- True: works on every client. False: only those in person_clients.
    all_clients      boolean NOT NULL,
    password_hash    text,
    deactivated_at   timestamptz,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);
CREATE INDEX people_by_name ON people (organization_id, name_key, id);

CREATE TABLE person_clients (
    person_id        uuid NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    client_id        uuid NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    organization_id  uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    PRIMARY KEY (person_id, client_id)
);
CREATE INDEX person_clients_by_client ON person_clients (client_id);

CREATE TABLE sessions (
    token_hash       bytea PRIMARY KEY,
    organization_id  uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    person_id        uuid NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    created_at       timestamptz NOT NULL,
    last_seen_at     timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    user_agent       text
);
CREATE INDEX sessions_by_person ON sessions (person_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

CREATE TABLE api_tokens (
    id               uuid PRIMARY KEY,
    organization_id  uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    person_id        uuid NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    name             text NOT NULL,
    scope            text NOT NULL CHECK (scope IN ('read', 'write')),
    prefix           text NOT NULL,
    token_hash       bytea NOT NULL UNIQUE,
    created_at       timestamptz NOT NULL,
    last_used_at     timestamptz,
    expires_at       timestamptz,
    revoked_at       timestamptz
);
CREATE INDEX api_tokens_by_person ON api_tokens (person_id);

CREATE TABLE invitations (
    id               uuid PRIMARY KEY,
    organization_id  uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    email            text NOT NULL,
    name             text NOT NULL,
    role             text NOT NULL,
    -- The domain's ClientAccess as JSON; the ids become person_clients rows on acceptance.
    client_access    jsonb NOT NULL,
    invited_by       uuid NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    token_hash       bytea NOT NULL UNIQUE,
    created_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    accepted_at      timestamptz,
    revoked_at       timestamptz
);
CREATE INDEX invitations_by_organization ON invitations (organization_id);

CREATE TABLE sign_in_failures (
    key           text NOT NULL,
    attempted_at  timestamptz NOT NULL
);
CREATE INDEX sign_in_failures_by_key ON sign_in_failures (key, attempted_at);

CREATE TABLE jobs (
    id            uuid PRIMARY KEY,
    kind          text NOT NULL,
    payload       jsonb NOT NULL,
    attempts      integer NOT NULL DEFAULT 0,
    max_attempts  integer NOT NULL,
    run_at        timestamptz NOT NULL,
    -- Who holds a claimed job and until when; on PostgreSQL claims also lock the row (SKIP LOCKED), and the
    -- lease covers a worker that dies holding it.
    locked_by     text,
    locked_until  timestamptz,
    last_error    text,
    dead_at       timestamptz,
    created_at    timestamptz NOT NULL
);
CREATE INDEX jobs_due ON jobs (run_at) WHERE dead_at IS NULL;
