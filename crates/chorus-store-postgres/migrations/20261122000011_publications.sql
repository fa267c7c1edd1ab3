-- Where and when each variant of a post is published: one row per variant, in one of the states of
-- `chorus_domain::schedule::Publication`, with its reason in words. The job that publishes it is keyed
-- `publish:<variant id>` and enqueued in the same transaction as the row.

CREATE TABLE publications (
    variant_id       uuid PRIMARY KEY REFERENCES variants(id) ON DELETE CASCADE,
    post_id          uuid NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    organization_id  uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    client_id        uuid NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    account_id       uuid NOT NULL REFERENCES accounts(id),
    network          text NOT NULL,
    state            text NOT NULL
        CHECK (state IN ('scheduled', 'paused', 'publishing', 'published', 'failed', 'needs_attention')),
    -- When it is due; for an outcome (published, failed, needs attention) when that happened.
    scheduled_at     timestamptz NOT NULL,
    attempt          integer NOT NULL DEFAULT 0 CHECK (attempt >= 0),
    remote_id        text NOT NULL DEFAULT '',
    url              text NOT NULL DEFAULT '',
    reason           text NOT NULL DEFAULT '',
    changed_at       timestamptz NOT NULL
);
-- The publisher looks for what is due; the calendar for a client's (or the organization's) time range.
CREATE INDEX publications_due ON publications (state, scheduled_at);
CREATE INDEX publications_calendar ON publications (organization_id, client_id, scheduled_at);
CREATE INDEX publications_by_post ON publications (post_id);
