//! A client's media library: the rows describing its assets. The bytes are in blob storage.
//!
//! As in `strategy`, creating inserts `… SELECT … FROM clients WHERE id = ? AND organization_id = ?`, so the
//! client check and the write are one statement. An asset's tags are kept twice, in `assets.tags` for reading and
//! one per row in `asset_tags` for filters and counts; every write of them changes both in one `write_tx`.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chorus_domain::media::MAX_TAGS;
use chorus_domain::{Asset, AssetFields, AssetId, ClientId, Cursor, OrganizationId, Page, PageRequest, folder_within};
use chorus_store::{AssetQuery, FolderCount, MediaStore, StoreError, StoreResult, TagCount, tags_column};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use crate::query::contains_pattern;
use crate::rows::{self, ASSET_COLUMNS, AssetRow};
use crate::{SqliteStore, now};

fn to_i64(what: &str, value: u64) -> StoreResult<i64> {
    i64::try_from(value).map_err(|_| StoreError::Other(format!("{what} {value} is too large to store")))
}

fn count(value: i64) -> StoreResult<u64> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("a count of {value} assets")))
}

/// Pushes `(?, ?, …)` binding each id; the caller handles an empty list, which SQL cannot write.
fn push_asset_ids(qb: &mut QueryBuilder<'_, Sqlite>, ids: &[AssetId]) {
    qb.push("(");
    let mut list = qb.separated(", ");
    for id in ids {
        list.push_bind(id.as_uuid());
    }
    qb.push(")");
}

impl SqliteStore {
    /// Replaces the `asset_tags` rows of one asset with `tags`.
    async fn write_tags(
        &self,
        conn: &mut SqliteConnection,
        org: OrganizationId,
        client: ClientId,
        id: AssetId,
        tags: &[String],
    ) -> StoreResult<()> {
        sqlx::query("DELETE FROM asset_tags WHERE asset_id = ? AND organization_id = ?")
            .bind(id.as_uuid())
            .bind(org.as_uuid())
            .execute(&mut *conn)
            .await
            .map_err(self.err())?;
        if tags.is_empty() {
            return Ok(());
        }
        let mut qb = QueryBuilder::<Sqlite>::new("INSERT INTO asset_tags (asset_id, organization_id, client_id, tag) ");
        qb.push_values(tags, |mut row, tag| {
            row.push_bind(id.as_uuid()).push_bind(org.as_uuid()).push_bind(client.as_uuid()).push_bind(tag.as_str());
        });
        qb.build().execute(&mut *conn).await.map_err(self.err())?;
        Ok(())
    }

    /// The client's assets `ids` (each once), or `NotFound` for the client or for an id that is not its asset.
    async fn client_assets(
        &self,
        conn: &mut SqliteConnection,
        org: OrganizationId,
        client: ClientId,
        ids: &[AssetId],
    ) -> StoreResult<Vec<Asset>> {
        let mut unique = ids.to_vec();
        unique.sort();
        unique.dedup();
        if unique.is_empty() {
            self.check_client(org, client).await?;
            return Ok(Vec::new());
        }
        let mut qb =
            QueryBuilder::<Sqlite>::new(format!("SELECT {ASSET_COLUMNS} FROM assets WHERE organization_id = "));
        qb.push_bind(org.as_uuid()).push(" AND client_id = ").push_bind(client.as_uuid()).push(" AND id IN ");
        push_asset_ids(&mut qb, &unique);
        let found = qb.build_query_as::<AssetRow>().fetch_all(&mut *conn).await.map_err(self.err())?;
        if found.len() != unique.len() {
            return Err(self.missing(org, client, "asset").await);
        }
        rows::all(found, AssetRow::into_domain)
    }
}

#[async_trait]
impl MediaStore for SqliteStore {
    async fn create_asset(&self, org: OrganizationId, client: ClientId, asset: &Asset) -> StoreResult<Asset> {
        let asset = Asset { organization_id: org, client_id: client, created_at: now(), ..asset.clone() };
        let mut tx = self.write_tx().await?;
        let inserted = sqlx::query(
            "INSERT INTO assets (id, organization_id, client_id, kind, media_type, size_bytes, width, height, \
             duration_ms, video_codec, filename, alt_text, folder, tags, focal_x, focal_y, search_key, sha256, \
             created_by, created_at) \
             SELECT ?, organization_id, id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM clients \
             WHERE id = ? AND organization_id = ?",
        )
        .bind(asset.id.as_uuid())
        .bind(asset.kind.as_str())
        .bind(asset.media_type.as_str())
        .bind(to_i64("size", asset.size_bytes)?)
        .bind(asset.width.map(i64::from))
        .bind(asset.height.map(i64::from))
        .bind(asset.duration_ms.map(|ms| to_i64("duration", ms)).transpose()?)
        .bind(asset.video_codec.as_deref())
        .bind(asset.filename.as_str())
        .bind(asset.alt_text.as_str())
        .bind(asset.folder.as_str())
        .bind(tags_column(&asset.tags))
        .bind(i64::from(asset.focal_point.x))
        .bind(i64::from(asset.focal_point.y))
        .bind(asset.search_key())
        .bind(asset.sha256.as_str())
        .bind(asset.created_by.as_uuid())
        .bind(asset.created_at)
        .bind(client.as_uuid())
        .bind(org.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(self.err())?;
        if inserted.rows_affected() == 0 {
            return Err(StoreError::NotFound("client"));
        }
        self.write_tags(&mut tx, org, client, asset.id, &asset.tags).await?;
        tx.commit().await.map_err(self.err())?;
        Ok(asset)
    }

    async fn asset(&self, org: OrganizationId, id: AssetId) -> StoreResult<Asset> {
        let sql = format!("SELECT {ASSET_COLUMNS} FROM assets WHERE id = ? AND organization_id = ?");
        let row = sqlx::query_as::<_, AssetRow>(&sql)
            .bind(id.as_uuid())
            .bind(org.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(self.err())?;
        row.ok_or(StoreError::NotFound("asset"))?.into_domain()
    }

    async fn list_assets(
        &self,
        org: OrganizationId,
        client: ClientId,
        query: &AssetQuery,
        page: &PageRequest,
    ) -> StoreResult<Page<Asset>> {
        let mut qb =
            QueryBuilder::<Sqlite>::new(format!("SELECT {ASSET_COLUMNS} FROM assets WHERE organization_id = "));
        qb.push_bind(org.as_uuid()).push(" AND client_id = ").push_bind(client.as_uuid());
        if let Some(search) = query.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            qb.push(" AND search_key LIKE ").push_bind(contains_pattern(search)).push(" ESCAPE '\\'");
        }
        match query.folder.as_deref() {
            None => {}
            Some("") => {
                qb.push(" AND folder = ''");
            }
            // The folder itself, or one inside it: its path followed by a slash.
            Some(folder) => {
                let inside = format!("{folder}/");
                let length = to_i64("folder length", inside.chars().count() as u64)?;
                qb.push(" AND (folder = ").push_bind(folder.to_string());
                qb.push(" OR substr(folder, 1, ").push_bind(length).push(") = ").push_bind(inside).push(")");
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
        // Newest first: ids are UUIDv7, and a blob compares byte by byte, i.e. in time order.
        if let Some(after) = &page.after {
            qb.push(" AND id < ").push_bind(after.id);
        }
        qb.push(" ORDER BY id DESC LIMIT ").push_bind(i64::from(page.limit) + 1);
        let rows = qb.build_query_as::<AssetRow>().fetch_all(&self.pool).await.map_err(self.err())?;
        if rows.is_empty() {
            self.check_client(org, client).await?;
        }
        let assets = rows::all(rows, AssetRow::into_domain)?;
        Ok(Page::from_overfetch(assets, page.limit, |a| Cursor { key: String::new(), id: a.id.as_uuid() }))
    }

    async fn asset_folders(&self, org: OrganizationId, client: ClientId) -> StoreResult<Vec<FolderCount>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT folder, count(*) FROM assets WHERE organization_id = ? AND client_id = ? \
             GROUP BY folder ORDER BY folder",
        )
        .bind(org.as_uuid())
        .bind(client.as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(self.err())?;
        if rows.is_empty() {
            self.check_client(org, client).await?;
        }
        rows.into_iter().map(|(folder, n)| Ok(FolderCount { folder, assets: count(n)? })).collect()
    }

    async fn asset_tags(&self, org: OrganizationId, client: ClientId) -> StoreResult<Vec<TagCount>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT tag, count(*) AS n FROM asset_tags WHERE organization_id = ? AND client_id = ? \
             GROUP BY tag ORDER BY n DESC, tag",
        )
        .bind(org.as_uuid())
        .bind(client.as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(self.err())?;
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
        let mut tx = self.write_tx().await?;
        let sql = format!("SELECT {ASSET_COLUMNS} FROM assets WHERE id = ? AND client_id = ? AND organization_id = ?");
        let current = sqlx::query_as::<_, AssetRow>(&sql)
            .bind(id.as_uuid())
            .bind(client.as_uuid())
            .bind(org.as_uuid())
            .fetch_optional(&mut *tx)
            .await
            .map_err(self.err())?;
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
            ..current.into_domain()?
        };
        sqlx::query(
            "UPDATE assets SET alt_text = ?, filename = ?, folder = ?, tags = ?, focal_x = ?, focal_y = ?, \
             search_key = ? WHERE id = ? AND organization_id = ?",
        )
        .bind(updated.alt_text.as_str())
        .bind(updated.filename.as_str())
        .bind(updated.folder.as_str())
        .bind(tags_column(&updated.tags))
        .bind(i64::from(updated.focal_point.x))
        .bind(i64::from(updated.focal_point.y))
        .bind(updated.search_key())
        .bind(id.as_uuid())
        .bind(org.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(self.err())?;
        self.write_tags(&mut tx, org, client, id, &updated.tags).await?;
        tx.commit().await.map_err(self.err())?;
        Ok(updated)
    }

    async fn move_assets(
        &self,
        org: OrganizationId,
        client: ClientId,
        ids: &[AssetId],
        folder: &str,
    ) -> StoreResult<u64> {
        let mut tx = self.write_tx().await?;
        let assets = self.client_assets(&mut tx, org, client, ids).await?;
        let moving: Vec<AssetId> = assets.iter().filter(|a| a.folder != folder).map(|a| a.id).collect();
        if moving.is_empty() {
            return Ok(0);
        }
        let mut qb = QueryBuilder::<Sqlite>::new("UPDATE assets SET folder = ");
        qb.push_bind(folder.to_string()).push(" WHERE organization_id = ").push_bind(org.as_uuid());
        qb.push(" AND client_id = ").push_bind(client.as_uuid()).push(" AND id IN ");
        push_asset_ids(&mut qb, &moving);
        let moved = qb.build().execute(&mut *tx).await.map_err(self.err())?.rows_affected();
        tx.commit().await.map_err(self.err())?;
        Ok(moved)
    }

    async fn tag_assets(&self, org: OrganizationId, client: ClientId, ids: &[AssetId], tag: &str) -> StoreResult<u64> {
        let mut tx = self.write_tx().await?;
        let assets = self.client_assets(&mut tx, org, client, ids).await?;
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
            sqlx::query("UPDATE assets SET tags = ?, search_key = ? WHERE id = ? AND organization_id = ?")
                .bind(tags_column(&tagged.tags))
                .bind(tagged.search_key())
                .bind(asset.id.as_uuid())
                .bind(org.as_uuid())
                .execute(&mut *tx)
                .await
                .map_err(self.err())?;
            sqlx::query("INSERT INTO asset_tags (asset_id, organization_id, client_id, tag) VALUES (?, ?, ?, ?)")
                .bind(asset.id.as_uuid())
                .bind(org.as_uuid())
                .bind(client.as_uuid())
                .bind(tag)
                .execute(&mut *tx)
                .await
                .map_err(self.err())?;
        }
        tx.commit().await.map_err(self.err())?;
        Ok(lacking.len() as u64)
    }

    async fn rename_folder(&self, org: OrganizationId, client: ClientId, from: &str, to: &str) -> StoreResult<u64> {
        let mut tx = self.write_tx().await?;
        let folders: Vec<String> =
            sqlx::query_scalar("SELECT DISTINCT folder FROM assets WHERE organization_id = ? AND client_id = ?")
                .bind(org.as_uuid())
                .bind(client.as_uuid())
                .fetch_all(&mut *tx)
                .await
                .map_err(self.err())?;
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
        let mut moved = 0;
        for (old, new) in &renames {
            moved +=
                sqlx::query("UPDATE assets SET folder = ? WHERE organization_id = ? AND client_id = ? AND folder = ?")
                    .bind(new.as_str())
                    .bind(org.as_uuid())
                    .bind(client.as_uuid())
                    .bind(old.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(self.err())?
                    .rows_affected();
        }
        tx.commit().await.map_err(self.err())?;
        Ok(moved)
    }

    async fn delete_asset(&self, org: OrganizationId, client: ClientId, id: AssetId) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        self.refuse_assets_in_use(&mut tx, org, &[id]).await?;
        let deleted = sqlx::query("DELETE FROM assets WHERE id = ? AND client_id = ? AND organization_id = ?")
            .bind(id.as_uuid())
            .bind(client.as_uuid())
            .bind(org.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(self.err())?;
        if deleted.rows_affected() == 0 {
            drop(tx);
            return Err(self.missing(org, client, "asset").await);
        }
        tx.commit().await.map_err(self.err())?;
        Ok(())
    }

    async fn delete_assets(&self, org: OrganizationId, client: ClientId, ids: &[AssetId]) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        let assets = self.client_assets(&mut tx, org, client, ids).await?;
        if assets.is_empty() {
            return Ok(());
        }
        let ids: Vec<AssetId> = assets.iter().map(|a| a.id).collect();
        self.refuse_assets_in_use(&mut tx, org, &ids).await?;
        let mut qb = QueryBuilder::<Sqlite>::new("DELETE FROM assets WHERE organization_id = ");
        qb.push_bind(org.as_uuid()).push(" AND client_id = ").push_bind(client.as_uuid()).push(" AND id IN ");
        push_asset_ids(&mut qb, &ids);
        qb.build().execute(&mut *tx).await.map_err(self.err())?;
        tx.commit().await.map_err(self.err())?;
        Ok(())
    }
}
