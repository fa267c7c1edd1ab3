-- Chorus's registration as an app on each Mastodon instance, made once and reused for every account there, and
-- the OAuth authorizations in progress. Secrets (the client secret, the PKCE verifier) are sealed by the keyring.

CREATE TABLE mastodon_apps (
    -- The instance's base address, `https://social.example`.
    instance              text PRIMARY KEY,
    client_id             text NOT NULL CHECK (client_id <> ''),
    client_secret         bytea NOT NULL,
    redirect_uri          text NOT NULL,
    -- Space-separated.
    scopes                text NOT NULL,
    created_at            timestamptz NOT NULL
);

-- One row per consent page a person was sent to: single use (`used_at`), expiring after a few minutes.
CREATE TABLE mastodon_authorizations (
    state            text PRIMARY KEY,
    organization_id  uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    client_id        uuid NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    person_id        uuid NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    instance         text NOT NULL,
    code_verifier    bytea NOT NULL,
    created_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    used_at          timestamptz
);
CREATE INDEX mastodon_authorizations_by_expiry ON mastodon_authorizations (expires_at);
