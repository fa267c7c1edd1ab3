-- A client's strategy: content pillars, goals and brand voice.

CREATE TABLE pillars (
    id               uuid PRIMARY KEY,
    organization_id  uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    client_id        uuid NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    name             text NOT NULL,
    name_key         text COLLATE "C" NOT NULL,
    colour           text NOT NULL,
    target_share     smallint NOT NULL CHECK (target_share BETWEEN 0 AND 100),
    description      text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    UNIQUE (client_id, name_key)
);
CREATE INDEX pillars_by_client ON pillars (organization_id, client_id, id);

CREATE TABLE goals (
    id               uuid PRIMARY KEY,
    organization_id  uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    client_id        uuid NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    metric           text NOT NULL,
    target           double precision NOT NULL,
    period           text NOT NULL,
    note             text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);
CREATE INDEX goals_by_client ON goals (organization_id, client_id, id);

CREATE TABLE brand_voices (
    client_id        uuid PRIMARY KEY REFERENCES clients(id) ON DELETE CASCADE,
    organization_id  uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    -- The domain's BrandVoice as JSON: lists edited and read as a whole.
    voice            jsonb NOT NULL,
    updated_at       timestamptz NOT NULL
);
