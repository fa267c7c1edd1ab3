//! A client's network accounts. The credentials column holds the sealed bytes the caller gives and is only
//! ever read by `account_credentials`, so no listing or status change carries a secret along.
//!
//! Connecting is one upsert on the account's identity (client, network, remote id), so connecting an account
//! again — or two people connecting it at once — always ends with one row.

use async_trait::async_trait;
use chorus_domain::{Account, AccountId, AccountStatus, ClientId, NewAccount, OrganizationId, PersonId};
use chorus_store::{AccountStore, StoreError, StoreResult};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{SqliteStore, now};

/// Every column but the credentials.
const ACCOUNT_COLUMNS: &str = "id, organization_id, client_id, network, handle, display_name, remote_id, server, \
    status, status_reason, checked_at, connected_by, created_at, updated_at";

#[derive(sqlx::FromRow)]
struct AccountRow {
    id: Uuid,
    organization_id: Uuid,
    client_id: Uuid,
    network: String,
    handle: String,
    display_name: String,
    remote_id: String,
    server: String,
    status: String,
    status_reason: String,
    checked_at: Option<DateTime<Utc>>,
    connected_by: Uuid,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl AccountRow {
    fn into_domain(self) -> StoreResult<Account> {
        Ok(Account {
            id: AccountId::from_uuid(self.id),
            organization_id: OrganizationId::from_uuid(self.organization_id),
            client_id: ClientId::from_uuid(self.client_id),
            network: self
                .network
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("an account's network '{}'", self.network)))?,
            handle: self.handle,
            display_name: self.display_name,
            remote_id: self.remote_id,
            server: self.server,
            status: AccountStatus::parse(&self.status)
                .map_err(|_| StoreError::Corrupt(format!("an account's status '{}'", self.status)))?,
            status_reason: self.status_reason,
            checked_at: self.checked_at,
            connected_by: PersonId::from_uuid(self.connected_by),
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// The refusal to change an account a person has disconnected, or to disconnect one without wiping it.
fn status_conflict(message: &str) -> StoreError {
    StoreError::Conflict { field: "status", message: message.to_string() }
}

const DISCONNECTED: &str = "the account was disconnected; connect it again first";

impl SqliteStore {
    /// Fails with `NotFound("person")` unless the person is of the organization.
    async fn check_person(&self, org: OrganizationId, person: PersonId) -> StoreResult<()> {
        let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM people WHERE id = ? AND organization_id = ?")
            .bind(person.as_uuid())
            .bind(org.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(self.err())?;
        found.map(|_| ()).ok_or(StoreError::NotFound("person"))
    }

    /// Why a write found no live account: there is none in the organization, or it is disconnected.
    async fn not_changed(&self, org: OrganizationId, id: AccountId) -> StoreError {
        match self.account(org, id).await {
            Ok(_) => status_conflict(DISCONNECTED),
            Err(e) => e,
        }
    }
}

#[async_trait]
impl AccountStore for SqliteStore {
    async fn connect_account(
        &self,
        org: OrganizationId,
        client: ClientId,
        account: &NewAccount,
        sealed_credentials: &[u8],
    ) -> StoreResult<Account> {
        self.check_client(org, client).await?;
        self.check_person(org, account.connected_by).await?;
        let at = now();
        let sql = format!(
            "INSERT INTO accounts (id, organization_id, client_id, network, handle, display_name, remote_id, server, \
             status, status_reason, checked_at, credentials, connected_by, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'connected', '', NULL, ?, ?, ?, ?) \
             ON CONFLICT (client_id, network, remote_id) DO UPDATE SET handle = excluded.handle, \
             display_name = excluded.display_name, server = excluded.server, status = 'connected', \
             status_reason = '', checked_at = NULL, credentials = excluded.credentials, \
             connected_by = excluded.connected_by, updated_at = excluded.updated_at \
             RETURNING {ACCOUNT_COLUMNS}"
        );
        let row = sqlx::query_as::<_, AccountRow>(&sql)
            .bind(AccountId::new().as_uuid())
            .bind(org.as_uuid())
            .bind(client.as_uuid())
            .bind(account.network.as_str())
            .bind(account.handle.as_str())
            .bind(account.display_name.as_str())
            .bind(account.remote_id.as_str())
            .bind(account.server.as_str())
            .bind(sealed_credentials)
            .bind(account.connected_by.as_uuid())
            .bind(at)
            .bind(at)
            .fetch_one(&self.pool)
            .await
            .map_err(self.err())?;
        row.into_domain()
    }

    async fn account(&self, org: OrganizationId, id: AccountId) -> StoreResult<Account> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = ? AND organization_id = ?");
        let row = sqlx::query_as::<_, AccountRow>(&sql)
            .bind(id.as_uuid())
            .bind(org.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(self.err())?;
        row.ok_or(StoreError::NotFound("account"))?.into_domain()
    }

    async fn list_accounts(&self, org: OrganizationId, client: ClientId) -> StoreResult<Vec<Account>> {
        let sql =
            format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE organization_id = ? AND client_id = ? ORDER BY id");
        let rows = sqlx::query_as::<_, AccountRow>(&sql)
            .bind(org.as_uuid())
            .bind(client.as_uuid())
            .fetch_all(&self.pool)
            .await
            .map_err(self.err())?;
        if rows.is_empty() {
            self.check_client(org, client).await?;
        }
        rows.into_iter().map(AccountRow::into_domain).collect()
    }

    async fn account_credentials(&self, org: OrganizationId, id: AccountId) -> StoreResult<Vec<u8>> {
        let found: Option<Option<Vec<u8>>> =
            sqlx::query_scalar("SELECT credentials FROM accounts WHERE id = ? AND organization_id = ?")
                .bind(id.as_uuid())
                .bind(org.as_uuid())
                .fetch_optional(&self.pool)
                .await
                .map_err(self.err())?;
        found.ok_or(StoreError::NotFound("account"))?.ok_or(StoreError::NotFound("credentials"))
    }

    async fn set_account_status(
        &self,
        org: OrganizationId,
        id: AccountId,
        status: AccountStatus,
        reason: &str,
        checked_at: DateTime<Utc>,
    ) -> StoreResult<Account> {
        if status == AccountStatus::Disconnected {
            return Err(status_conflict("disconnect an account with disconnect_account, which wipes its credentials"));
        }
        // A connected account has no reason to show, whatever the caller passed.
        let reason = if status == AccountStatus::Connected { "" } else { reason };
        let sql = format!(
            "UPDATE accounts SET status = ?, status_reason = ?, checked_at = ?, updated_at = ? \
             WHERE id = ? AND organization_id = ? AND status <> 'disconnected' RETURNING {ACCOUNT_COLUMNS}"
        );
        let row = sqlx::query_as::<_, AccountRow>(&sql)
            .bind(status.as_str())
            .bind(reason)
            .bind(checked_at)
            .bind(now())
            .bind(id.as_uuid())
            .bind(org.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(self.err())?;
        match row {
            Some(row) => row.into_domain(),
            None => Err(self.not_changed(org, id).await),
        }
    }

    async fn replace_credentials(
        &self,
        org: OrganizationId,
        id: AccountId,
        sealed_credentials: &[u8],
    ) -> StoreResult<()> {
        let updated = sqlx::query(
            "UPDATE accounts SET credentials = ?, updated_at = ? \
             WHERE id = ? AND organization_id = ? AND status <> 'disconnected'",
        )
        .bind(sealed_credentials)
        .bind(now())
        .bind(id.as_uuid())
        .bind(org.as_uuid())
        .execute(&self.pool)
        .await
        .map_err(self.err())?;
        if updated.rows_affected() == 0 {
            return Err(self.not_changed(org, id).await);
        }
        Ok(())
    }

    async fn disconnect_account(&self, org: OrganizationId, client: ClientId, id: AccountId) -> StoreResult<Account> {
        let sql = format!(
            "UPDATE accounts SET status = 'disconnected', status_reason = '', credentials = NULL, \
             updated_at = CASE WHEN status = 'disconnected' THEN updated_at ELSE ? END \
             WHERE id = ? AND organization_id = ? AND client_id = ? RETURNING {ACCOUNT_COLUMNS}"
        );
        let row = sqlx::query_as::<_, AccountRow>(&sql)
            .bind(now())
            .bind(id.as_uuid())
            .bind(org.as_uuid())
            .bind(client.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(self.err())?;
        match row {
            Some(row) => row.into_domain(),
            None => Err(self.missing(org, client, "account").await),
        }
    }

    async fn accounts_to_check(
        &self,
        before: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<(OrganizationId, AccountId)>> {
        // Across organizations on purpose: the health check is one job for the whole installation.
        let rows: Vec<(Uuid, Uuid)> = sqlx::query_as(
            "SELECT organization_id, id FROM accounts \
             WHERE status = 'connected' AND (checked_at IS NULL OR checked_at < ?) \
             ORDER BY checked_at NULLS FIRST, id LIMIT ?",
        )
        .bind(before)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(self.err())?;
        Ok(rows.into_iter().map(|(org, id)| (OrganizationId::from_uuid(org), AccountId::from_uuid(id))).collect())
    }
}
