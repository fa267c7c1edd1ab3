-- The media library grows up: folders, tags, a focal point for renditions, video facts and search.

ALTER TABLE assets ADD COLUMN duration_ms INTEGER CHECK (duration_ms >= 0);
ALTER TABLE assets ADD COLUMN video_codec TEXT;
-- A path such as 'Campaigns/Spring 2027'; '' is the top level. Chorus checks its shape before writing it.
ALTER TABLE assets ADD COLUMN folder TEXT NOT NULL DEFAULT '';
-- The tags in the order they were given, joined by commas (a tag cannot hold one). `asset_tags` holds the same
-- tags one per row, for filtering and counting; Chorus writes both in one transaction.
ALTER TABLE assets ADD COLUMN tags TEXT NOT NULL DEFAULT '';
-- Thousandths of the width and height from the top-left corner.
ALTER TABLE assets ADD COLUMN focal_x INTEGER NOT NULL DEFAULT 500 CHECK (focal_x BETWEEN 0 AND 1000);
ALTER TABLE assets ADD COLUMN focal_y INTEGER NOT NULL DEFAULT 500 CHECK (focal_y BETWEEN 0 AND 1000);
-- What a search looks in, computed by Chorus (Unicode lower-casing, which SQLite's lower() does not do): the
-- file name, alt text and tags, lower-cased, separated by U+001F.
ALTER TABLE assets ADD COLUMN search_key TEXT NOT NULL DEFAULT '';
UPDATE assets SET search_key = lower(filename) || char(31) || lower(alt_text) || char(31);

CREATE TABLE asset_tags (
    asset_id         BLOB NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    organization_id  BLOB NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    client_id        BLOB NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    tag              TEXT NOT NULL,
    PRIMARY KEY (asset_id, tag)
) STRICT;
-- A client's tags with their counts, and the assets with one tag.
CREATE INDEX asset_tags_by_client ON asset_tags (organization_id, client_id, tag);

-- The folder sidebar (counts per folder) and the folder filter; the kind filter keeps newest-first order.
CREATE INDEX assets_by_folder ON assets (organization_id, client_id, folder, id);
CREATE INDEX assets_by_kind ON assets (organization_id, client_id, kind, id);
