-- A client's accounts on the social networks, which posts are published to, with their credentials sealed by
-- the keyring (AES-256-GCM, bound to the account's identity): never in plain text here.

CREATE TABLE accounts (
    id               uuid PRIMARY KEY,
    organization_id  uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    client_id        uuid NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    network          text NOT NULL,
    -- As the network shows it, e.g. `@roastery@mastodon.social`.
    handle           text NOT NULL,
    display_name     text NOT NULL DEFAULT '',
    -- What the network calls the account by, which survives a change of handle (Bluesky DID, Mastodon id).
    remote_id        text NOT NULL CHECK (remote_id <> ''),
    -- The base address of the PDS or instance.
    server           text NOT NULL,
    status           text NOT NULL CHECK (status IN ('connected', 'needs_reconnect', 'disconnected')),
    status_reason    text NOT NULL DEFAULT '',
    checked_at       timestamptz,
    -- The sealed credentials (the keyring's `v1.<key id>.<data>`); wiped when the account is disconnected.
    credentials      bytea,
    connected_by     uuid NOT NULL REFERENCES people(id),
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    -- Credentials exist exactly while the account is not disconnected.
    CHECK ((status = 'disconnected') = (credentials IS NULL))
);
-- One row per account per client: connecting it again updates that row.
CREATE UNIQUE INDEX accounts_per_client ON accounts (client_id, network, remote_id);
CREATE INDEX accounts_by_client ON accounts (organization_id, client_id, id);
-- The daily health check looks for connected accounts checked longest ago.
CREATE INDEX accounts_to_check ON accounts (status, checked_at);
