//! A client's media library: the rows describing its assets. The bytes are in blob storage.
//!
//! As in `strategy`, creating inserts `… SELECT … FROM clients WHERE id = ? AND organization_id = ?`, so the
//! client check and the write are one statement.

use async_trait::async_trait;
use chorus_domain::{Asset, AssetFields, AssetId, ClientId, Cursor, OrganizationId, Page, PageRequest};
use chorus_store::{MediaStore, StoreError, StoreResult};

use crate::rows::{self, ASSET_COLUMNS, AssetRow};
use crate::{SqliteStore, now};

fn to_i64(what: &str, value: u64) -> StoreResult<i64> {
    i64::try_from(value).map_err(|_| StoreError::Other(format!("{what} {value} is too large to store")))
}

#[async_trait]
impl MediaStore for SqliteStore {
    async fn create_asset(&self, org: OrganizationId, client: ClientId, asset: &Asset) -> StoreResult<Asset> {
        let asset = Asset { organization_id: org, client_id: client, created_at: now(), ..asset.clone() };
        let inserted = sqlx::query(
            "INSERT INTO assets (id, organization_id, client_id, kind, media_type, size_bytes, width, height, \
             filename, alt_text, sha256, created_by, created_at) \
             SELECT ?, organization_id, id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM clients WHERE id = ? AND organization_id = ?",
        )
        .bind(asset.id.as_uuid())
        .bind(asset.kind.as_str())
        .bind(asset.media_type.as_str())
        .bind(to_i64("size", asset.size_bytes)?)
        .bind(asset.width.map(i64::from))
        .bind(asset.height.map(i64::from))
        .bind(asset.filename.as_str())
        .bind(asset.alt_text.as_str())
        .bind(asset.sha256.as_str())
        .bind(asset.created_by.as_uuid())
        .bind(asset.created_at)
        .bind(client.as_uuid())
        .bind(org.as_uuid())
        .execute(&self.pool)
        .await
        .map_err(self.err())?;
        if inserted.rows_affected() == 0 {
            return Err(StoreError::NotFound("client"));
        }
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

    async fn list_assets(&self, org: OrganizationId, client: ClientId, page: &PageRequest) -> StoreResult<Page<Asset>> {
        // Newest first: ids are UUIDv7, and a blob compares byte by byte, i.e. in time order.
        let after = if page.after.is_some() { " AND id < ?" } else { "" };
        let sql = format!(
            "SELECT {ASSET_COLUMNS} FROM assets WHERE organization_id = ? AND client_id = ?{after} \
             ORDER BY id DESC LIMIT ?"
        );
        let mut query = sqlx::query_as::<_, AssetRow>(&sql).bind(org.as_uuid()).bind(client.as_uuid());
        if let Some(after) = &page.after {
            query = query.bind(after.id);
        }
        let rows = query.bind(i64::from(page.limit) + 1).fetch_all(&self.pool).await.map_err(self.err())?;
        if rows.is_empty() {
            self.check_client(org, client).await?;
        }
        let assets = rows::all(rows, AssetRow::into_domain)?;
        Ok(Page::from_overfetch(assets, page.limit, |a| Cursor { key: String::new(), id: a.id.as_uuid() }))
    }

    async fn update_asset(
        &self,
        org: OrganizationId,
        client: ClientId,
        id: AssetId,
        fields: &AssetFields,
    ) -> StoreResult<Asset> {
        let sql = format!(
            "UPDATE assets SET alt_text = ?, filename = ? WHERE id = ? AND client_id = ? AND organization_id = ? \
             RETURNING {ASSET_COLUMNS}"
        );
        let row = sqlx::query_as::<_, AssetRow>(&sql)
            .bind(fields.alt_text.as_str())
            .bind(fields.filename.as_str())
            .bind(id.as_uuid())
            .bind(client.as_uuid())
            .bind(org.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(self.err())?;
        match row {
            Some(row) => row.into_domain(),
            None => Err(self.missing(org, client, "asset").await),
        }
    }

    async fn delete_asset(&self, org: OrganizationId, client: ClientId, id: AssetId) -> StoreResult<()> {
        let deleted = sqlx::query("DELETE FROM assets WHERE id = ? AND client_id = ? AND organization_id = ?")
            .bind(id.as_uuid())
            .bind(client.as_uuid())
            .bind(org.as_uuid())
            .execute(&self.pool)
            .await
            .map_err(self.err())?;
        if deleted.rows_affected() == 0 {
            return Err(self.missing(org, client, "asset").await);
        }
        Ok(())
    }
}
