-- Posts: one idea for a client, its version per network, and every saved state of it.

CREATE TABLE posts (
    id               uuid PRIMARY KEY,
    organization_id  uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    client_id        uuid NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    status           text NOT NULL CHECK (status IN ('idea', 'draft', 'template')),
    title            text NOT NULL,
    base_text        text NOT NULL,
    -- Title and base text lower-cased by Chorus: what search looks in, so both engines match alike.
    search_key       text NOT NULL,
    pillar_id        uuid REFERENCES pillars(id) ON DELETE SET NULL,
    sponsored        boolean NOT NULL,
    -- Goes up by one with every save; a save that names an older one is refused.
    revision         integer NOT NULL CHECK (revision >= 1),
    created_by       uuid NOT NULL REFERENCES people(id),
    updated_by       uuid NOT NULL REFERENCES people(id),
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);
-- Lists are newest first (ids are UUIDv7), of one client or of the whole organization.
CREATE INDEX posts_by_client ON posts (organization_id, client_id, id);
CREATE INDEX posts_by_organization ON posts (organization_id, id);
CREATE INDEX posts_by_pillar ON posts (pillar_id) WHERE pillar_id IS NOT NULL;

CREATE TABLE variants (
    id               uuid PRIMARY KEY,
    post_id          uuid NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    organization_id  uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    network          text NOT NULL,
    position         integer NOT NULL,
    text             text NOT NULL,
    link             text NOT NULL DEFAULT '',
    first_comment    text NOT NULL DEFAULT '',
    -- The further parts of a thread, as a JSON array of strings.
    thread           jsonb NOT NULL,
    -- The domain's VariantOptions as JSON.
    options          jsonb NOT NULL,
    UNIQUE (post_id, network)
);

CREATE TABLE post_revisions (
    post_id          uuid NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    organization_id  uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    revision         integer NOT NULL,
    changed_by       uuid NOT NULL REFERENCES people(id),
    changed_at       timestamptz NOT NULL,
    -- The domain's Post as JSON, as it was saved.
    snapshot         jsonb NOT NULL,
    PRIMARY KEY (post_id, revision)
);
