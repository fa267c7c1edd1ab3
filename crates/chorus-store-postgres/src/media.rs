//! A client's media library: the rows describing its assets. The bytes are in blob storage.
//!
//! As in `strategy`, creating inserts `… SELECT … FROM clients WHERE id = $n AND organization_id = $m`, so the
//! client check and the write are one statement.

use async_trait::async_trait;
use chorus_domain::{Asset, AssetFields, AssetId, ClientId, Cursor, OrganizationId, Page, PageRequest};
use chorus_store::{MediaStore, StoreError, StoreResult};

use crate::error::db_error;
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

#[async_trait]
impl MediaStore for PgStore {
    async fn create_asset(&self, org: OrganizationId, client: ClientId, asset: &Asset) -> StoreResult<Asset> {
        let asset = Asset { organization_id: org, client_id: client, created_at: now(), ..asset.clone() };
        let inserted = sqlx::query(
            "INSERT INTO assets (id, organization_id, client_id, kind, media_type, size_bytes, width, height, \
             filename, alt_text, sha256, created_by, created_at) \
             SELECT $1, organization_id, id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 FROM clients \
             WHERE id = $12 AND organization_id = $13",
        )
        .bind(asset.id.as_uuid())
        .bind(asset.kind.as_str())
        .bind(asset.media_type.as_str())
        .bind(to_i64("size", asset.size_bytes)?)
        .bind(to_i32("width", asset.width)?)
        .bind(to_i32("height", asset.height)?)
        .bind(asset.filename.as_str())
        .bind(asset.alt_text.as_str())
        .bind(asset.sha256.as_str())
        .bind(asset.created_by.as_uuid())
        .bind(asset.created_at)
        .bind(client.as_uuid())
        .bind(org.as_uuid())
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        if inserted.rows_affected() == 0 {
            return Err(StoreError::NotFound("client"));
        }
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

    async fn list_assets(&self, org: OrganizationId, client: ClientId, page: &PageRequest) -> StoreResult<Page<Asset>> {
        // Newest first: ids are UUIDv7, which PostgreSQL compares in time order.
        let sql = format!(
            "SELECT {ASSET_COLUMNS} FROM assets WHERE organization_id = $1 AND client_id = $2 \
             AND ($3::uuid IS NULL OR id < $3) ORDER BY id DESC LIMIT $4"
        );
        let rows = sqlx::query(&sql)
            .bind(org.as_uuid())
            .bind(client.as_uuid())
            .bind(page.after.as_ref().map(|c| c.id))
            .bind(i64::from(page.limit) + 1)
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        if rows.is_empty() {
            self.check_client(org, client).await?;
        }
        let assets = rows.iter().map(rows::asset).collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_overfetch(assets, page.limit, |a| Cursor { key: String::new(), id: a.id.as_uuid() }))
    }

    async fn update_asset(
        &self,
        org: OrganizationId,
        client: ClientId,
        id: AssetId,
        fields: &AssetFields,
    ) -> StoreResult<Asset> {
        let row = sqlx::query(&format!(
            "UPDATE assets SET alt_text = $1, filename = $2 \
             WHERE organization_id = $3 AND client_id = $4 AND id = $5 RETURNING {ASSET_COLUMNS}"
        ))
        .bind(fields.alt_text.as_str())
        .bind(fields.filename.as_str())
        .bind(org.as_uuid())
        .bind(client.as_uuid())
        .bind(id.as_uuid())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?;
        match row {
            Some(row) => rows::asset(&row),
            None => Err(self.missing(org, client, "asset").await),
        }
    }

    async fn delete_asset(&self, org: OrganizationId, client: ClientId, id: AssetId) -> StoreResult<()> {
        let deleted = sqlx::query("DELETE FROM assets WHERE organization_id = $1 AND client_id = $2 AND id = $3")
            .bind(org.as_uuid())
            .bind(client.as_uuid())
            .bind(id.as_uuid())
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        if deleted.rows_affected() == 0 {
            return Err(self.missing(org, client, "asset").await);
        }
        Ok(())
    }
}
