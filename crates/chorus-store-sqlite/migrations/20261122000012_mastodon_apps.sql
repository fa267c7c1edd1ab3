-- Chorus's registration as an app on each Mastodon instance, made once and reused for every account there, and
-- the OAuth authorizations in progress. Secrets (the client secret, the PKCE verifier) are sealed by the keyring.

CREATE TABLE mastodon_apps (
    -- The instance's base address, `https://social.example`.
    instance              TEXT PRIMARY KEY NOT NULL,
    client_id             TEXT NOT NULL CHECK (client_id <> ''),
    client_secret         BLOB NOT NULL,
    redirect_uri          TEXT NOT NULL,
    -- Space-separated.
    scopes                TEXT NOT NULL,
    created_at            TEXT NOT NULL
) STRICT;

-- One row per consent page a person was sent to: single use (`used_at`), expiring after a few minutes.
CREATE TABLE mastodon_authorizations (
    state            TEXT PRIMARY KEY NOT NULL,
    organization_id  BLOB NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    client_id        BLOB NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    person_id        BLOB NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    instance         TEXT NOT NULL,
    code_verifier    BLOB NOT NULL,
    created_at       TEXT NOT NULL,
    expires_at       TEXT NOT NULL,
    used_at          TEXT
) STRICT;
CREATE INDEX mastodon_authorizations_by_expiry ON mastodon_authorizations (expires_at);
