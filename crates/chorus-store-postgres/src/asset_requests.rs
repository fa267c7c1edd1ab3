//! Asset requests: secret links a client uses to upload into its media library, and which asset came through
//! which link.
//!
//! Counting a file against a link's cap and recording where it came from happen in one transaction, whose first
//! statement only counts while the link is open. That `UPDATE` locks the request's row, and PostgreSQL re-checks
//! the condition on the row a concurrent upload just counted, so two uploads racing for a link's last place cannot
//! both get it.

use std::fmt::Display;

use async_trait::async_trait;
use chorus_domain::{
    AssetId, AssetRequest, AssetRequestId, AssetRequestUpload, ClientId, OrganizationId, PersonId, UploaderName,
};
use chorus_store::{AssetRequestStore, StoreError, StoreResult};
use chrono::{DateTime, SubsecRound, Utc};
use uuid::Uuid;

use crate::PgStore;
use crate::error::db_error;

const REQUEST_COLUMNS: &str = "id, organization_id, client_id, message, folder, max_files, files_received, \
     created_by, created_at, expires_at, revoked_at";

const UPLOAD_COLUMNS: &str = "asset_id, request_id, uploader_name, note, uploaded_at";

fn corrupt(what: &str, id: impl Display, problem: impl Display) -> StoreError {
    StoreError::Corrupt(format!("{what} {id}: {problem}"))
}

#[derive(sqlx::FromRow)]
struct RequestRow {
    id: Uuid,
    organization_id: Uuid,
    client_id: Uuid,
    message: String,
    folder: Option<String>,
    max_files: i32,
    files_received: i32,
    created_by: Uuid,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
}

impl RequestRow {
    fn into_domain(self) -> StoreResult<AssetRequest> {
        let count = |column: &str, value: i32| {
            u32::try_from(value).map_err(|_| corrupt("asset request", self.id, format!("{column} is {value}")))
        };
        Ok(AssetRequest {
            id: AssetRequestId::from_uuid(self.id),
            organization_id: OrganizationId::from_uuid(self.organization_id),
            client_id: ClientId::from_uuid(self.client_id),
            max_files: count("max_files", self.max_files)?,
            files_received: count("files_received", self.files_received)?,
            message: self.message,
            folder: self.folder,
            created_by: PersonId::from_uuid(self.created_by),
            created_at: self.created_at,
            expires_at: self.expires_at,
            revoked_at: self.revoked_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct UploadRow {
    asset_id: Uuid,
    request_id: Uuid,
    uploader_name: String,
    note: String,
    uploaded_at: DateTime<Utc>,
}

impl UploadRow {
    fn into_domain(self) -> StoreResult<AssetRequestUpload> {
        let uploader_name =
            UploaderName::parse(&self.uploader_name).map_err(|e| corrupt("asset request upload", self.asset_id, e))?;
        Ok(AssetRequestUpload {
            asset_id: AssetId::from_uuid(self.asset_id),
            request_id: AssetRequestId::from_uuid(self.request_id),
            uploader_name,
            note: self.note,
            uploaded_at: self.uploaded_at,
        })
    }
}

fn all<R, T>(rows: Vec<R>, convert: impl Fn(R) -> StoreResult<T>) -> StoreResult<Vec<T>> {
    rows.into_iter().map(convert).collect()
}

#[async_trait]
impl AssetRequestStore for PgStore {
    async fn create_asset_request(
        &self,
        org: OrganizationId,
        client: ClientId,
        request: &AssetRequest,
        secret_hash: &[u8],
    ) -> StoreResult<AssetRequest> {
        let request = AssetRequest {
            organization_id: org,
            client_id: client,
            files_received: 0,
            created_at: crate::now(),
            // At the precision both engines store, so the request returned equals the one read back later.
            expires_at: request.expires_at.trunc_subsecs(6),
            revoked_at: request.revoked_at.map(|t| t.trunc_subsecs(6)),
            ..request.clone()
        };
        self.check_client(org, client).await?;
        // The client and the creator are checked in the insert itself, so neither can be of another organization.
        let inserted = sqlx::query(
            "INSERT INTO asset_requests (id, organization_id, client_id, secret_hash, message, folder, max_files, \
             files_received, created_by, created_at, expires_at, revoked_at) \
             SELECT $1, c.organization_id, c.id, $2, $3, $4, $5, 0, p.id, $6, $7, $8 FROM clients c, people p \
             WHERE c.id = $9 AND c.organization_id = $10 AND p.id = $11 AND p.organization_id = c.organization_id",
        )
        .bind(request.id.as_uuid())
        .bind(secret_hash)
        .bind(request.message.as_str())
        .bind(request.folder.as_deref())
        .bind(i32::try_from(request.max_files).map_err(|_| StoreError::Other("the file cap is too large".into()))?)
        .bind(request.created_at)
        .bind(request.expires_at)
        .bind(request.revoked_at)
        .bind(client.as_uuid())
        .bind(org.as_uuid())
        .bind(request.created_by.as_uuid())
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        if inserted.rows_affected() == 0 {
            return Err(StoreError::NotFound("person"));
        }
        Ok(request)
    }

    async fn asset_request(&self, org: OrganizationId, id: AssetRequestId) -> StoreResult<AssetRequest> {
        let sql = format!("SELECT {REQUEST_COLUMNS} FROM asset_requests WHERE id = $1 AND organization_id = $2");
        let row = sqlx::query_as::<_, RequestRow>(&sql)
            .bind(id.as_uuid())
            .bind(org.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        row.ok_or(StoreError::NotFound("asset request"))?.into_domain()
    }

    async fn list_asset_requests(&self, org: OrganizationId, client: ClientId) -> StoreResult<Vec<AssetRequest>> {
        self.check_client(org, client).await?;
        // Newest first: ids are UUIDv7, which PostgreSQL compares in time order.
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM asset_requests WHERE organization_id = $1 AND client_id = $2 \
             ORDER BY id DESC"
        );
        let rows = sqlx::query_as::<_, RequestRow>(&sql)
            .bind(org.as_uuid())
            .bind(client.as_uuid())
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        all(rows, RequestRow::into_domain)
    }

    async fn asset_request_by_hash(&self, secret_hash: &[u8]) -> StoreResult<Option<AssetRequest>> {
        let sql = format!("SELECT {REQUEST_COLUMNS} FROM asset_requests WHERE secret_hash = $1");
        let row = sqlx::query_as::<_, RequestRow>(&sql)
            .bind(secret_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        row.map(RequestRow::into_domain).transpose()
    }

    async fn revoke_asset_request(
        &self,
        org: OrganizationId,
        client: ClientId,
        id: AssetRequestId,
        now: DateTime<Utc>,
    ) -> StoreResult<AssetRequest> {
        let sql = format!(
            "UPDATE asset_requests SET revoked_at = COALESCE(revoked_at, $1) \
             WHERE id = $2 AND client_id = $3 AND organization_id = $4 RETURNING {REQUEST_COLUMNS}"
        );
        let row = sqlx::query_as::<_, RequestRow>(&sql)
            .bind(now)
            .bind(id.as_uuid())
            .bind(client.as_uuid())
            .bind(org.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        match row {
            Some(row) => row.into_domain(),
            None => Err(self.missing(org, client, "asset request").await),
        }
    }

    async fn record_asset_request_upload(
        &self,
        org: OrganizationId,
        upload: &AssetRequestUpload,
        now: DateTime<Utc>,
    ) -> StoreResult<AssetRequest> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        let sql = format!(
            "UPDATE asset_requests SET files_received = files_received + 1 \
             WHERE id = $1 AND organization_id = $2 AND revoked_at IS NULL AND expires_at > $3 \
             AND files_received < max_files RETURNING {REQUEST_COLUMNS}"
        );
        let counted = sqlx::query_as::<_, RequestRow>(&sql)
            .bind(upload.request_id.as_uuid())
            .bind(org.as_uuid())
            .bind(now)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_error)?;
        let Some(request) = counted else {
            drop(tx);
            // Tell a closed link from one that is not there.
            self.asset_request(org, upload.request_id).await?;
            return Err(StoreError::Conflict { field: "files", message: "this link takes no more files".into() });
        };
        let inserted = sqlx::query(
            "INSERT INTO asset_request_uploads (asset_id, organization_id, request_id, uploader_name, note, \
             uploaded_at) \
             SELECT a.id, a.organization_id, r.id, $1, $2, $3 FROM assets a, asset_requests r \
             WHERE a.id = $4 AND a.organization_id = $5 AND r.id = $6 AND r.organization_id = a.organization_id \
             AND r.client_id = a.client_id",
        )
        .bind(upload.uploader_name.as_str())
        .bind(upload.note.as_str())
        .bind(crate::now())
        .bind(upload.asset_id.as_uuid())
        .bind(org.as_uuid())
        .bind(upload.request_id.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        if inserted.rows_affected() == 0 {
            return Err(StoreError::NotFound("asset"));
        }
        tx.commit().await.map_err(db_error)?;
        request.into_domain()
    }

    async fn asset_request_uploads(
        &self,
        org: OrganizationId,
        id: AssetRequestId,
    ) -> StoreResult<Vec<AssetRequestUpload>> {
        self.asset_request(org, id).await?;
        let sql = format!(
            "SELECT {UPLOAD_COLUMNS} FROM asset_request_uploads WHERE organization_id = $1 AND request_id = $2 \
             ORDER BY asset_id"
        );
        let rows = sqlx::query_as::<_, UploadRow>(&sql)
            .bind(org.as_uuid())
            .bind(id.as_uuid())
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        all(rows, UploadRow::into_domain)
    }

    async fn asset_origins(&self, org: OrganizationId, assets: &[AssetId]) -> StoreResult<Vec<AssetRequestUpload>> {
        let ids: Vec<Uuid> = assets.iter().map(AssetId::as_uuid).collect();
        let sql = format!(
            "SELECT {UPLOAD_COLUMNS} FROM asset_request_uploads WHERE organization_id = $1 AND asset_id = ANY($2) \
             ORDER BY asset_id"
        );
        let rows = sqlx::query_as::<_, UploadRow>(&sql)
            .bind(org.as_uuid())
            .bind(ids)
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        all(rows, UploadRow::into_domain)
    }
}
