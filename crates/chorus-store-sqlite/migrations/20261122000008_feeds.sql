-- RSS and Atom feeds a client's drafts are made from, and the articles already seen in each, so an article
-- never makes a second draft.

CREATE TABLE feeds (
    id                     BLOB PRIMARY KEY NOT NULL,
    organization_id        BLOB NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    client_id              BLOB NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    name                   TEXT NOT NULL,
    url                    TEXT NOT NULL,
    -- Network names separated by `;`, e.g. `linkedin;bluesky`.
    networks               TEXT NOT NULL,
    pillar_id              BLOB REFERENCES pillars(id) ON DELETE SET NULL,
    template               TEXT NOT NULL,
    check_interval_minutes INTEGER NOT NULL CHECK (check_interval_minutes > 0),
    first_items            INTEGER NOT NULL CHECK (first_items >= 0),
    paused                 INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    pause_reason           TEXT NOT NULL DEFAULT '',
    consecutive_failures   INTEGER NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
    last_checked_at        TEXT,
    last_result            TEXT NOT NULL DEFAULT '',
    last_failed            INTEGER NOT NULL DEFAULT 0 CHECK (last_failed IN (0, 1)),
    next_check_at          TEXT NOT NULL,
    created_by             BLOB NOT NULL REFERENCES people(id),
    created_at             TEXT NOT NULL
) STRICT;
-- One feed per address per client.
CREATE UNIQUE INDEX feeds_url_per_client ON feeds (client_id, url);
CREATE INDEX feeds_by_client ON feeds (organization_id, client_id, id);
-- The worker looks for feeds that are due.
CREATE INDEX feeds_due ON feeds (next_check_at) WHERE paused = 0;

CREATE TABLE feed_items (
    feed_id          BLOB NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    organization_id  BLOB NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    -- The item's guid or id, else its link, else a hash of its title and date: the dedupe key.
    key              TEXT NOT NULL,
    title            TEXT NOT NULL,
    link             TEXT NOT NULL,
    published_at     TEXT,
    drafted          INTEGER NOT NULL CHECK (drafted IN (0, 1)),
    seen_at          TEXT NOT NULL,
    PRIMARY KEY (feed_id, key)
) STRICT;
CREATE INDEX feed_items_newest ON feed_items (feed_id, seen_at);
