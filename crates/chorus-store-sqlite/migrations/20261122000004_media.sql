-- A client's media library: one row per uploaded image or video. The bytes live in blob storage under
-- `<client id>/<asset id>`.

CREATE TABLE assets (
    id               BLOB PRIMARY KEY NOT NULL,
    organization_id  BLOB NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    client_id        BLOB NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    kind             TEXT NOT NULL CHECK (kind IN ('image', 'video')),
    -- Detected from the bytes, e.g. image/jpeg.
    media_type       TEXT NOT NULL,
    size_bytes       INTEGER NOT NULL CHECK (size_bytes >= 0),
    width            INTEGER CHECK (width > 0),
    height           INTEGER CHECK (height > 0),
    filename         TEXT NOT NULL,
    alt_text         TEXT NOT NULL DEFAULT '',
    sha256           TEXT NOT NULL,
    created_by       BLOB NOT NULL REFERENCES people(id),
    created_at       TEXT NOT NULL
) STRICT;
-- Lists are newest first (ids are UUIDv7), of one client.
CREATE INDEX assets_by_client ON assets (organization_id, client_id, id);
