-- A client's media library: one row per uploaded image or video. The bytes live in blob storage under
-- `<client id>/<asset id>`.

CREATE TABLE assets (
    id               uuid PRIMARY KEY,
    organization_id  uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    client_id        uuid NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    kind             text NOT NULL CHECK (kind IN ('image', 'video')),
    -- Detected from the bytes, e.g. image/jpeg.
    media_type       text NOT NULL,
    size_bytes       bigint NOT NULL CHECK (size_bytes >= 0),
    width            integer CHECK (width > 0),
    height           integer CHECK (height > 0),
    filename         text NOT NULL,
    alt_text         text NOT NULL DEFAULT '',
    sha256           text NOT NULL,
    created_by       uuid NOT NULL REFERENCES people(id),
    created_at       timestamptz NOT NULL
);
-- Lists are newest first (ids are UUIDv7), of one client.
CREATE INDEX assets_by_client ON assets (organization_id, client_id, id);
