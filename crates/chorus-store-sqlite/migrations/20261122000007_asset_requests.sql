-- Asset requests: a secret link a client uses to upload files into its media library without an account. Only
-- the SHA-256 of the link's secret is stored, so a copy of the database does not open any link.

CREATE TABLE asset_requests (
    id               BLOB PRIMARY KEY NOT NULL,
    organization_id  BLOB NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    client_id        BLOB NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    secret_hash      BLOB NOT NULL UNIQUE,
    message          TEXT NOT NULL,
    folder           TEXT,
    max_files        INTEGER NOT NULL CHECK (max_files > 0),
    -- Counts every file the link took, also those deleted from the library since: the cap is on the link.
    files_received   INTEGER NOT NULL DEFAULT 0 CHECK (files_received >= 0 AND files_received <= max_files),
    created_by       BLOB NOT NULL REFERENCES people(id),
    created_at       TEXT NOT NULL,
    expires_at       TEXT NOT NULL,
    revoked_at       TEXT
) STRICT;
-- Lists are per client, newest first (ids are UUIDv7).
CREATE INDEX asset_requests_by_client ON asset_requests (organization_id, client_id, id);

-- Which request an asset came in through, and who sent it. Deleting the asset deletes this too; the request's
-- `files_received` keeps counting it.
CREATE TABLE asset_request_uploads (
    asset_id         BLOB PRIMARY KEY NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    organization_id  BLOB NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    request_id       BLOB NOT NULL REFERENCES asset_requests(id) ON DELETE CASCADE,
    uploader_name    TEXT NOT NULL,
    note             TEXT NOT NULL DEFAULT '',
    uploaded_at      TEXT NOT NULL
) STRICT;
CREATE INDEX asset_request_uploads_by_request ON asset_request_uploads (organization_id, request_id, asset_id);
