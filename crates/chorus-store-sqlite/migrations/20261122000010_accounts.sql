-- A client's accounts on the social networks, which posts are published to, with their credentials sealed by
-- the keyring (AES-256-GCM, bound to the account's identity): never in plain text here.

CREATE TABLE accounts (
    id               BLOB PRIMARY KEY NOT NULL,
    organization_id  BLOB NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    client_id        BLOB NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    network          TEXT NOT NULL,
    -- As the network shows it, e.g. `@roastery@mastodon.social`.
    handle           TEXT NOT NULL,
    display_name     TEXT NOT NULL DEFAULT '',
    -- What the network calls the account by, which survives a change of handle (Bluesky DID, Mastodon id).
    remote_id        TEXT NOT NULL CHECK (remote_id <> ''),
    -- The base address of the PDS or instance.
    server           TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('connected', 'needs_reconnect', 'disconnected')),
    status_reason    TEXT NOT NULL DEFAULT '',
    checked_at       TEXT,
    -- The sealed credentials (the keyring's `v1.<key id>.<data>`); wiped when the account is disconnected.
    credentials      BLOB,
    connected_by     BLOB NOT NULL REFERENCES people(id),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    -- Credentials exist exactly while the account is not disconnected.
    CHECK ((status = 'disconnected') = (credentials IS NULL))
) STRICT;
-- One row per account per client: connecting it again updates that row.
CREATE UNIQUE INDEX accounts_per_client ON accounts (client_id, network, remote_id);
CREATE INDEX accounts_by_client ON accounts (organization_id, client_id, id);
-- The daily health check looks for connected accounts checked longest ago.
CREATE INDEX accounts_to_check ON accounts (status, checked_at);
