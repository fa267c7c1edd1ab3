//! A client's media library: the rows describing its assets. The bytes are in blob storage.
//!
//! As in `strategy`, creating inserts `… SELECT … FROM clients WHERE id = $n AND organization_id = $m`, so the
//! client check and the write are one statement. An asset's tags are kept twice, in `assets.tags` for reading and
//! one per row in `asset_tags` for filters and counts; every write of them changes both in one transaction, which
//! locks the asset rows it reads (`FOR UPDATE`) so two writers of one asset's tags take turns.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chorus_domain::media::MAX_TAGS;
use chorus_domain::{Asset, AssetFields, AssetId, ClientId, Cursor, OrganizationId, Page, PageRequest, folder_within};
use chorus_store::{AssetQuery, FolderCount, MediaStore, StoreError, StoreResult, TagCount, tags_column};
use sqlx::{PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::error::db_error;
use crate::posts::refuse_assets_in_use;
use crate::rows::{self, ASSET_COLUMNS};
use crate::{PgStore, now};

fn to_i64(what: &str, value: u64) -> StoreResult<i64> {
    i64::try_from(value).map_err(|_| StoreError::Other(format!("{what} {value} is too large to store")))
}

fn to_i32(what: &str, value: Option<u32>) -> StoreResult<Option<i32>> {
    value
        .map(|v| i32::try_from(v).map_err(|_| StoreError::Other(format!("{what} {v} is too large to store"))))
        .transpose()
}

fn count(value: i64) -> StoreResult<u64> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("a count of {value} assets")))
}

/// A `LIKE` pattern matching `search` anywhere, lower-cased as search keys are, with the wildcards a person might
/// type taken literally (`\` is PostgreSQL's default `LIKE` escape).
fn contains_pattern(search: &str) -> String {
    let mut pattern = String::with_capacity(search.len() + 2);
    pattern.push('%');
    for c in search.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

fn uuids(ids: &[AssetId]) -> Vec<Uuid> {
    let mut unique: Vec<Uuid> = ids.iter().map(AssetId::as_uuid).collect();
    unique.sort();
    unique.dedup();
    unique
}

/// Replaces the `asset_tags` rows of one asset with `tags`.
async fn write_tags(
    conn: &mut PgConnection,
    org: OrganizationId,
    client: ClientId,
    id: AssetId,
    tags: &[String],
) -> StoreResult<()> {
    sqlx::query("DELETE FROM asset_tags WHERE organization_id = $1 AND asset_id = $2")
        .bind(org.as_uuid())
        .bind(id.as_uuid())
        .execute(&mut *conn)
        .await
        .map_err(db_error)?;
    if tags.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO asset_tags (asset_id, organization_id, client_id, tag) SELECT $1, $2, $3, unnest($4::text[])",
    )
    .bind(id.as_uuid())
    .bind(org.as_uuid())
    .bind(client.as_uuid())
    .bind(tags)
    .execute(&mut *conn)
    .await
    .map_err(db_error)?;
    Ok(())
}

impl PgStore {
    /// The client's assets `ids` (each once), locked until the transaction ends, or `NotFound` for the client or
    /// for an id that is not its asset.
    async fn lock_assets(
        &self,
        conn: &mut PgConnection,
        org: OrganizationId,
        client: ClientId,
        ids: &[AssetId],
    ) -> StoreResult<Vec<Asset>> {
        let unique = uuids(ids);
        if unique.is_empty() {
            self.check_client(org, client).await?;
            return Ok(Vec::new());
        }
        let found = sqlx::query(&format!(
            "SELECT {ASSET_COLUMNS} FROM assets WHERE organization_id = $1 AND client_id = $2 AND id = ANY($3) \
             ORDER BY id FOR UPDATE"
        ))
        .bind(org.as_uuid())
        .bind(client.as_uuid())
        .bind(&unique)
        .fetch_all(&mut *conn)
        .await
        .map_err(db_error)?;
        if found.len() != unique.len() {
            return Err(self.missing(org, client, "asset").await);
        }
        found.iter().map(rows::asset).collect()
    }
}

#[async_trait]
impl MediaStore for PgStore {
    async fn create_asset(&self, org: OrganizationId, client: ClientId, asset: &Asset) -> StoreResult<Asset> {
        let asset = Asset { organization_id: org, client_id: client, created_at: now(), ..asset.clone() };
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        let inserted = sqlx::query(
            "INSERT INTO assets (id, organization_id, client_id, kind, media_type, size_bytes, width, height, \
             duration_ms, video_codec, filename, alt_text, folder, tags, focal_x, focal_y, search_key, sha256, \
             created_by, created_at) \
             SELECT $1, organization_id, id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
             $18 FROM clients WHERE id = $19 AND organization_id = $20",
        )
        .bind(asset.id.as_uuid())
        .bind(asset.kind.as_str())
        .bind(asset.media_type.as_str())
        .bind(to_i64("size", asset.size_bytes)?)
        .bind(to_i32("width", asset.width)?)
        .bind(to_i32("height", asset.height)?)
        .bind(asset.duration_ms.map(|ms| to_i64("duration", ms)).transpose()?)
        .bind(asset.video_codec.as_deref())
        .bind(asset.filename.as_str())
        .bind(asset.alt_text.as_str())
        .bind(asset.folder.as_str())
        .bind(tags_column(&asset.tags))
        .bind(i32::from(asset.focal_point.x))
        .bind(i32::from(asset.focal_point.y))
        .bind(asset.search_key())
        .bind(asset.sha256.as_str())
        .bind(asset.created_by.as_uuid())
        .bind(asset.created_at)
        .bind(client.as_uuid())
        .bind(org.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        if inserted.rows_affected() == 0 {
            return Err(StoreError::NotFound("client"));
        }
        write_tags(&mut tx, org, client, asset.id, &asset.tags).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(asset)
    }

    async fn asset(&self, org: OrganizationId, id: AssetId) -> StoreResult<Asset> {
        let row = sqlx::query(&format!("SELECT {ASSET_COLUMNS} FROM assets WHERE organization_id = $1 AND id = $2"))
            .bind(org.as_uuid())
            .bind(id.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        rows::asset(&row.ok_or(StoreError::NotFound("asset"))?)
    }

    async fn list_assets(
        &self,
        org: OrganizationId,
        client: ClientId,
        query: &AssetQuery,
        page: &PageRequest,
    ) -> StoreResult<Page<Asset>> {
        let mut qb =
            QueryBuilder::<Postgres>::new(format!("SELECT {ASSET_COLUMNS} FROM assets WHERE organization_id = "));
        qb.push_bind(org.as_uuid()).push(" AND client_id = ").push_bind(client.as_uuid());
        if let Some(search) = query.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            qb.push(" AND search_key LIKE ").push_bind(contains_pattern(search));
        }
        match query.folder.as_deref() {
            None => {}
            Some("") => {
                qb.push(" AND folder = ''");
            }
            // The folder itself, or one inside it: its path followed by a slash.
            Some(folder) => {
                qb.push(" AND (folder = ").push_bind(folder.to_string());
                qb.push(" OR starts_with(folder, ").push_bind(format!("{folder}/")).push("))");
            }
        }
        if let Some(tag) = &query.tag {
            qb.push(" AND id IN (SELECT asset_id FROM asset_tags WHERE organization_id = ")
                .push_bind(org.as_uuid())
                .push(" AND client_id = ")
                .push_bind(client.as_uuid())
                .push(" AND tag = ")
                .push_bind(tag.clone())
                .push(")");
        }
        if let Some(kind) = query.kind {
            qb.push(" AND kind = ").push_bind(kind.as_str());
        }
        // Newest first: ids are UUIDv7, which PostgreSQL compares in time order.
        if let Some(after) = &page.after {
            qb.push(" AND id < ").push_bind(after.id);
        }
        qb.push(" ORDER BY id DESC LIMIT ").push_bind(i64::from(page.limit) + 1);
        let rows = qb.build().fetch_all(&self.pool).await.map_err(db_error)?;
        if rows.is_empty() {
            self.check_client(org, client).await?;
        }
        let assets = rows.iter().map(rows::asset).collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_overfetch(assets, page.limit, |a| Cursor { key: String::new(), id: a.id.as_uuid() }))
    }

    async fn asset_folders(&self, org: OrganizationId, client: ClientId) -> StoreResult<Vec<FolderCount>> {
        // Byte order, as SQLite sorts, whatever the database's collation.
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT folder, count(*) FROM assets WHERE organization_id = $1 AND client_id = $2 \
             GROUP BY folder ORDER BY folder COLLATE \"C\"",
        )
        .bind(org.as_uuid())
        .bind(client.as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        if rows.is_empty() {
            self.check_client(org, client).await?;
        }
        rows.into_iter().map(|(folder, n)| Ok(FolderCount { folder, assets: count(n)? })).collect()
    }

    async fn asset_tags(&self, org: OrganizationId, client: ClientId) -> StoreResult<Vec<TagCount>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT tag, count(*) AS n FROM asset_tags WHERE organization_id = $1 AND client_id = $2 \
             GROUP BY tag ORDER BY n DESC, tag COLLATE \"C\"",
        )
        .bind(org.as_uuid())
        .bind(client.as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        if rows.is_empty() {
            self.check_client(org, client).await?;
        }
        rows.into_iter().map(|(tag, n)| Ok(TagCount { tag, assets: count(n)? })).collect()
    }

    async fn update_asset(
        &self,
        org: OrganizationId,
        client: ClientId,
        id: AssetId,
        fields: &AssetFields,
    ) -> StoreResult<Asset> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        let current = sqlx::query(&format!(
            "SELECT {ASSET_COLUMNS} FROM assets WHERE organization_id = $1 AND client_id = $2 AND id = $3 FOR UPDATE"
        ))
        .bind(org.as_uuid())
        .bind(client.as_uuid())
        .bind(id.as_uuid())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error)?;
        let Some(current) = current else {
            drop(tx);
            return Err(self.missing(org, client, "asset").await);
        };
        let updated = Asset {
            alt_text: fields.alt_text.clone(),
            filename: fields.filename.clone(),
            folder: fields.folder.clone(),
            tags: fields.tags.clone(),
            focal_point: fields.focal_point,
            ..rows::asset(&current)?
        };
        sqlx::query(
            "UPDATE assets SET alt_text = $1, filename = $2, folder = $3, tags = $4, focal_x = $5, focal_y = $6, \
             search_key = $7 WHERE organization_id = $8 AND id = $9",
        )
        .bind(updated.alt_text.as_str())
        .bind(updated.filename.as_str())
        .bind(updated.folder.as_str())
        .bind(tags_column(&updated.tags))
        .bind(i32::from(updated.focal_point.x))
        .bind(i32::from(updated.focal_point.y))
        .bind(updated.search_key())
        .bind(org.as_uuid())
        .bind(id.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        write_tags(&mut tx, org, client, id, &updated.tags).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(updated)
    }

    async fn move_assets(
        &self,
        org: OrganizationId,
        client: ClientId,
        ids: &[AssetId],
        folder: &str,
    ) -> StoreResult<u64> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        let assets = self.lock_assets(&mut tx, org, client, ids).await?;
        let moving: Vec<Uuid> = assets.iter().filter(|a| a.folder != folder).map(|a| a.id.as_uuid()).collect();
        if moving.is_empty() {
            return Ok(0);
        }
        let moved =
            sqlx::query("UPDATE assets SET folder = $1 WHERE organization_id = $2 AND client_id = $3 AND id = ANY($4)")
                .bind(folder)
                .bind(org.as_uuid())
                .bind(client.as_uuid())
                .bind(&moving)
                .execute(&mut *tx)
                .await
                .map_err(db_error)?
                .rows_affected();
        tx.commit().await.map_err(db_error)?;
        Ok(moved)
    }

    async fn tag_assets(&self, org: OrganizationId, client: ClientId, ids: &[AssetId], tag: &str) -> StoreResult<u64> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        let assets = self.lock_assets(&mut tx, org, client, ids).await?;
        let lacking: Vec<Asset> = assets.into_iter().filter(|a| !a.tags.iter().any(|t| t == tag)).collect();
        if let Some(full) = lacking.iter().find(|a| a.tags.len() >= MAX_TAGS) {
            return Err(StoreError::Conflict {
                field: "tags",
                message: format!("“{}” already has {MAX_TAGS} tags, as many as an asset may have", full.filename),
            });
        }
        for asset in &lacking {
            let mut tagged = asset.clone();
            tagged.tags.push(tag.to_string());
            sqlx::query("UPDATE assets SET tags = $1, search_key = $2 WHERE organization_id = $3 AND id = $4")
                .bind(tags_column(&tagged.tags))
                .bind(tagged.search_key())
                .bind(org.as_uuid())
                .bind(asset.id.as_uuid())
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
            sqlx::query("INSERT INTO asset_tags (asset_id, organization_id, client_id, tag) VALUES ($1, $2, $3, $4)")
                .bind(asset.id.as_uuid())
                .bind(org.as_uuid())
                .bind(client.as_uuid())
                .bind(tag)
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
        }
        tx.commit().await.map_err(db_error)?;
        Ok(lacking.len() as u64)
    }

    async fn rename_folder(&self, org: OrganizationId, client: ClientId, from: &str, to: &str) -> StoreResult<u64> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        // Every asset of the client that may move is locked first, so a concurrent move cannot slip one in between.
        let folders: Vec<String> = sqlx::query_scalar(
            "SELECT folder FROM assets WHERE organization_id = $1 AND client_id = $2 \
             AND (folder = $3 OR starts_with(folder, $4)) FOR UPDATE",
        )
        .bind(org.as_uuid())
        .bind(client.as_uuid())
        .bind(from)
        .bind(format!("{from}/"))
        .fetch_all(&mut *tx)
        .await
        .map_err(db_error)?;
        let renames: BTreeMap<String, String> = folders
            .into_iter()
            .filter(|folder| !from.is_empty() && folder_within(folder, from))
            .map(|folder| {
                let rest = &folder[from.len()..];
                let renamed =
                    if to.is_empty() { rest.trim_start_matches('/').to_string() } else { format!("{to}{rest}") };
                (folder, renamed)
            })
            .collect();
        if renames.is_empty() {
            drop(tx);
            self.check_client(org, client).await?;
            return Ok(0);
        }
        let (old, new): (Vec<String>, Vec<String>) = renames.into_iter().unzip();
        let moved = sqlx::query(
            "UPDATE assets SET folder = r.new FROM unnest($3::text[], $4::text[]) AS r(old, new) \
             WHERE assets.organization_id = $1 AND assets.client_id = $2 AND assets.folder = r.old",
        )
        .bind(org.as_uuid())
        .bind(client.as_uuid())
        .bind(&old)
        .bind(&new)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?
        .rows_affected();
        tx.commit().await.map_err(db_error)?;
        Ok(moved)
    }

    async fn delete_asset(&self, org: OrganizationId, client: ClientId, id: AssetId) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        refuse_assets_in_use(&mut tx, org, &[id]).await?;
        let deleted = sqlx::query("DELETE FROM assets WHERE organization_id = $1 AND client_id = $2 AND id = $3")
            .bind(org.as_uuid())
            .bind(client.as_uuid())
            .bind(id.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        if deleted.rows_affected() == 0 {
            drop(tx);
            return Err(self.missing(org, client, "asset").await);
        }
        tx.commit().await.map_err(db_error)?;
        Ok(())
    }

    async fn delete_assets(&self, org: OrganizationId, client: ClientId, ids: &[AssetId]) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        let assets = self.lock_assets(&mut tx, org, client, ids).await?;
        if assets.is_empty() {
            return Ok(());
        }
        let chosen: Vec<AssetId> = assets.iter().map(|a| a.id).collect();
        crate::posts::refuse_assets_in_use(&mut tx, org, &chosen).await?;
        let asset_ids: Vec<AssetId> = assets.iter().map(|a| a.id).collect();
        refuse_assets_in_use(&mut tx, org, &asset_ids).await?;
        let ids: Vec<Uuid> = asset_ids.iter().map(AssetId::as_uuid).collect();
        sqlx::query("DELETE FROM assets WHERE organization_id = $1 AND client_id = $2 AND id = ANY($3)")
            .bind(org.as_uuid())
            .bind(client.as_uuid())
            .bind(&ids)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        Ok(())
    }
}
