-- A client's strategy: content pillars, goals and brand voice.

CREATE TABLE pillars (
    id               BLOB PRIMARY KEY NOT NULL,
    organization_id  BLOB NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    client_id        BLOB NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    name_key         TEXT NOT NULL,
    colour           TEXT NOT NULL,
    target_share     INTEGER NOT NULL CHECK (target_share BETWEEN 0 AND 100),
    description      TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    UNIQUE (client_id, name_key)
) STRICT;
CREATE INDEX pillars_by_client ON pillars (organization_id, client_id, id);

CREATE TABLE goals (
    id               BLOB PRIMARY KEY NOT NULL,
    organization_id  BLOB NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    client_id        BLOB NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    metric           TEXT NOT NULL,
    target           REAL NOT NULL,
    period           TEXT NOT NULL,
    note             TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
) STRICT;
CREATE INDEX goals_by_client ON goals (organization_id, client_id, id);

CREATE TABLE brand_voices (
    client_id        BLOB PRIMARY KEY NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    organization_id  BLOB NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    -- The domain's BrandVoice as JSON: lists edited and read as a whole.
    voice            TEXT NOT NULL,
    updated_at       TEXT NOT NULL
) STRICT;
