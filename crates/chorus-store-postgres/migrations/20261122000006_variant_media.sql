-- The images and videos each variant carries, in order. An asset used by a post cannot be deleted (the foreign
-- key has no ON DELETE action, so the delete fails) until the posts stop using it; deleting a client removes both
-- in one statement, which the check at the statement's end allows.

CREATE TABLE variant_media (
    variant_id       uuid NOT NULL REFERENCES variants(id) ON DELETE CASCADE,
    post_id          uuid NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    organization_id  uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    position         integer NOT NULL CHECK (position >= 0),
    asset_id         uuid NOT NULL REFERENCES assets(id),
    -- This post's alt text for the asset; empty means the asset's own.
    alt_text         text NOT NULL DEFAULT '',
    -- The aspect the image is cropped to for this network around its focal point, e.g. '4:5'; NULL keeps it whole.
    crop             text,
    PRIMARY KEY (variant_id, position)
);
CREATE INDEX variant_media_by_post ON variant_media (post_id);
CREATE INDEX variant_media_by_asset ON variant_media (asset_id);
