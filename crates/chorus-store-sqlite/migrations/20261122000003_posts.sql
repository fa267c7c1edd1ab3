-- Posts: one idea for a client, its version per network, and every saved state of it.

CREATE TABLE posts (
    id               BLOB PRIMARY KEY NOT NULL,
    organization_id  BLOB NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    client_id        BLOB NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    status           TEXT NOT NULL CHECK (status IN ('idea', 'draft', 'template')),
    title            TEXT NOT NULL,
    base_text        TEXT NOT NULL,
    -- Title and base text lower-cased by Chorus: what search looks in, so both engines match alike (SQLite's
    -- lower() and LIKE fold ASCII only).
    search_key       TEXT NOT NULL,
    pillar_id        BLOB REFERENCES pillars(id) ON DELETE SET NULL,
    sponsored        INTEGER NOT NULL,
    -- Goes up by one with every save; a save that names an older one is refused.
    revision         INTEGER NOT NULL CHECK (revision >= 1),
    created_by       BLOB NOT NULL REFERENCES people(id),
    updated_by       BLOB NOT NULL REFERENCES people(id),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
) STRICT;
-- Lists are newest first (ids are UUIDv7), of one client or of the whole organization.
CREATE INDEX posts_by_client ON posts (organization_id, client_id, id);
CREATE INDEX posts_by_organization ON posts (organization_id, id);
CREATE INDEX posts_by_pillar ON posts (pillar_id) WHERE pillar_id IS NOT NULL;

CREATE TABLE variants (
    id               BLOB PRIMARY KEY NOT NULL,
    post_id          BLOB NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    organization_id  BLOB NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    network          TEXT NOT NULL,
    position         INTEGER NOT NULL,
    text             TEXT NOT NULL,
    link             TEXT NOT NULL DEFAULT '',
    first_comment    TEXT NOT NULL DEFAULT '',
    -- The further parts of a thread, as a JSON array of strings.
    thread           TEXT NOT NULL,
    -- The domain's VariantOptions as JSON.
    options          TEXT NOT NULL,
    UNIQUE (post_id, network)
) STRICT;

CREATE TABLE post_revisions (
    post_id          BLOB NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    organization_id  BLOB NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    revision         INTEGER NOT NULL,
    changed_by       BLOB NOT NULL REFERENCES people(id),
    changed_at       TEXT NOT NULL,
    -- The domain's Post as JSON, as it was saved.
    snapshot         TEXT NOT NULL,
    PRIMARY KEY (post_id, revision)
) STRICT;
