-- Asset requests: a secret link a client uses to upload files into its media library without an account. Only
-- the SHA-256 of the link's secret is stored, so a copy of the database does not open any link.

CREATE TABLE asset_requests (
    id               uuid PRIMARY KEY,
    organization_id  uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    client_id        uuid NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    secret_hash      bytea NOT NULL UNIQUE,
    message          text NOT NULL,
    folder           text,
    max_files        integer NOT NULL CHECK (max_files > 0),
    -- Counts every file the link took, also those deleted from the library since: the cap is on the link.
    files_received   integer NOT NULL DEFAULT 0 CHECK (files_received >= 0 AND files_received <= max_files),
    created_by       uuid NOT NULL REFERENCES people(id),
    created_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    revoked_at       timestamptz
);
-- Lists are per client, newest first (ids are UUIDv7).
CREATE INDEX asset_requests_by_client ON asset_requests (organization_id, client_id, id);

-- Which request an asset came in through, and who sent it. Deleting the asset deletes this too; the request's
-- `files_received` keeps counting it.
CREATE TABLE asset_request_uploads (
    asset_id         uuid PRIMARY KEY REFERENCES assets(id) ON DELETE CASCADE,
    organization_id  uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    request_id       uuid NOT NULL REFERENCES asset_requests(id) ON DELETE CASCADE,
    uploader_name    text NOT NULL,
    note             text NOT NULL DEFAULT '',
    uploaded_at      timestamptz NOT NULL
);
CREATE INDEX asset_request_uploads_by_request ON asset_request_uploads (organization_id, request_id, asset_id);
