-- RSS and Atom feeds a client's drafts are made from, and the articles already seen in each, so an article
-- never makes a second draft.

CREATE TABLE feeds (
    id                     uuid PRIMARY KEY,
    organization_id        uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    client_id              uuid NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    name                   text NOT NULL,
    url                    text NOT NULL,
    -- Network names separated by `;`, e.g. `linkedin;bluesky`.
    networks               text NOT NULL,
    pillar_id              uuid REFERENCES pillars(id) ON DELETE SET NULL,
    template               text NOT NULL,
    check_interval_minutes integer NOT NULL CHECK (check_interval_minutes > 0),
    first_items            integer NOT NULL CHECK (first_items >= 0),
    paused                 boolean NOT NULL DEFAULT false,
    pause_reason           text NOT NULL DEFAULT '',
    consecutive_failures   integer NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
    last_checked_at        timestamptz,
    last_result            text NOT NULL DEFAULT '',
    last_failed            boolean NOT NULL DEFAULT false,
    next_check_at          timestamptz NOT NULL,
    created_by             uuid NOT NULL REFERENCES people(id),
    created_at             timestamptz NOT NULL
);
-- One feed per address per client.
CREATE UNIQUE INDEX feeds_url_per_client ON feeds (client_id, url);
CREATE INDEX feeds_by_client ON feeds (organization_id, client_id, id);
-- The worker looks for feeds that are due.
CREATE INDEX feeds_due ON feeds (next_check_at) WHERE NOT paused;

CREATE TABLE feed_items (
    feed_id          uuid NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    organization_id  uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    -- The item's guid or id, else its link, else a hash of its title and date: the dedupe key.
    key              text NOT NULL,
    title            text NOT NULL,
    link             text NOT NULL,
    published_at     timestamptz,
    drafted          boolean NOT NULL,
    seen_at          timestamptz NOT NULL,
    PRIMARY KEY (feed_id, key)
);
CREATE INDEX feed_items_newest ON feed_items (feed_id, seen_at);
