//! Signing in: sessions, API tokens, invitations and the failed attempts that slow down guessing.
//!
//! Secrets are never stored, only their SHA-256 (`token_hash`), computed by the auth layer.

use async_trait::async_trait;
use chorus_domain::{ApiTokenId, ClientAccess, InvitationId, OrganizationId, Person, PersonId};
use chorus_store::{ApiToken, AuthStore, Invitation, NewPerson, Session, StoreError, StoreResult};
use chrono::{DateTime, Utc};

use crate::rows::{
    self, API_TOKEN_COLUMNS, ApiTokenRow, INVITATION_COLUMNS, InvitationRow, SESSION_COLUMNS, SessionRow,
};
use crate::{SqliteStore, now};

/// The condition that the person `?` belongs to the organization `?`. Rows that name both (sessions,
/// tokens, invitations) are inserted only under it, so they cannot mix two organizations; the foreign keys
/// alone would only check that each exists.
const PERSON_IN_ORGANIZATION: &str = "EXISTS (SELECT 1 FROM people WHERE id = ? AND organization_id = ?)";

#[async_trait]
impl AuthStore for SqliteStore {
    async fn create_session(&self, session: &Session) -> StoreResult<()> {
        let sql = format!(
            "INSERT INTO sessions ({SESSION_COLUMNS}) SELECT ?, ?, ?, ?, ?, ?, ? WHERE {PERSON_IN_ORGANIZATION}"
        );
        let inserted = sqlx::query(&sql)
            .bind(&session.token_hash)
            .bind(session.organization_id.as_uuid())
            .bind(session.person_id.as_uuid())
            .bind(session.created_at)
            .bind(session.last_seen_at)
            .bind(session.expires_at)
            .bind(session.user_agent.as_deref())
            .bind(session.person_id.as_uuid())
            .bind(session.organization_id.as_uuid())
            .execute(&self.pool)
            .await
            .map_err(self.err())?;
        if inserted.rows_affected() == 0 {
            return Err(StoreError::NotFound("person"));
        }
        Ok(())
    }

    async fn session(&self, token_hash: &[u8], now: DateTime<Utc>) -> StoreResult<Option<Session>> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE token_hash = ? AND expires_at > ?");
        let row = sqlx::query_as::<_, SessionRow>(&sql)
            .bind(token_hash)
            .bind(now)
            .fetch_optional(&self.pool)
            .await
            .map_err(self.err())?;
        Ok(row.map(SessionRow::into_domain))
    }

    async fn touch_session(&self, token_hash: &[u8], now: DateTime<Utc>, expires_at: DateTime<Utc>) -> StoreResult<()> {
        // A session signed out meanwhile stays signed out: touching nothing is not an error.
        sqlx::query("UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE token_hash = ?")
            .bind(now)
            .bind(expires_at)
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .map_err(self.err())?;
        Ok(())
    }

    async fn delete_session(&self, token_hash: &[u8]) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .map_err(self.err())?;
        Ok(())
    }

    async fn delete_sessions_of(&self, org: OrganizationId, person: PersonId) -> StoreResult<u64> {
        let deleted = sqlx::query("DELETE FROM sessions WHERE person_id = ? AND organization_id = ?")
            .bind(person.as_uuid())
            .bind(org.as_uuid())
            .execute(&self.pool)
            .await
            .map_err(self.err())?;
        Ok(deleted.rows_affected())
    }

    async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        let deleted = sqlx::query("DELETE FROM sessions WHERE expires_at <= ?")
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(self.err())?;
        Ok(deleted.rows_affected())
    }

    async fn create_api_token(&self, token: &ApiToken, hash: &[u8]) -> StoreResult<()> {
        let sql = format!(
            "INSERT INTO api_tokens ({API_TOKEN_COLUMNS}, token_hash) \
             SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE {PERSON_IN_ORGANIZATION}"
        );
        let inserted = sqlx::query(&sql)
            .bind(token.id.as_uuid())
            .bind(token.organization_id.as_uuid())
            .bind(token.person_id.as_uuid())
            .bind(&token.name)
            .bind(token.scope.as_str())
            .bind(&token.prefix)
            .bind(token.created_at)
            .bind(token.last_used_at)
            .bind(token.expires_at)
            .bind(token.revoked_at)
            .bind(hash)
            .bind(token.person_id.as_uuid())
            .bind(token.organization_id.as_uuid())
            .execute(&self.pool)
            .await
            .map_err(self.err())?;
        if inserted.rows_affected() == 0 {
            return Err(StoreError::NotFound("person"));
        }
        Ok(())
    }

    async fn api_token_by_hash(&self, hash: &[u8], now: DateTime<Utc>) -> StoreResult<Option<ApiToken>> {
        let sql = format!(
            "SELECT {API_TOKEN_COLUMNS} FROM api_tokens \
             WHERE token_hash = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)"
        );
        sqlx::query_as::<_, ApiTokenRow>(&sql)
            .bind(hash)
            .bind(now)
            .fetch_optional(&self.pool)
            .await
            .map_err(self.err())?
            .map(ApiTokenRow::into_domain)
            .transpose()
    }

    async fn list_api_tokens(&self, org: OrganizationId, person: PersonId) -> StoreResult<Vec<ApiToken>> {
        let sql = format!(
            "SELECT {API_TOKEN_COLUMNS} FROM api_tokens WHERE organization_id = ? AND person_id = ? \
             ORDER BY created_at, id"
        );
        let rows = sqlx::query_as::<_, ApiTokenRow>(&sql)
            .bind(org.as_uuid())
            .bind(person.as_uuid())
            .fetch_all(&self.pool)
            .await
            .map_err(self.err())?;
        rows::all(rows, ApiTokenRow::into_domain)
    }

    async fn revoke_api_token(
        &self,
        org: OrganizationId,
        person: PersonId,
        id: ApiTokenId,
        now: DateTime<Utc>,
    ) -> StoreResult<ApiToken> {
        // Revoking twice keeps the first date, like archiving.
        let sql = format!(
            "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, ?) \
             WHERE id = ? AND organization_id = ? AND person_id = ? RETURNING {API_TOKEN_COLUMNS}"
        );
        sqlx::query_as::<_, ApiTokenRow>(&sql)
            .bind(now)
            .bind(id.as_uuid())
            .bind(org.as_uuid())
            .bind(person.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(self.err())?
            .ok_or(StoreError::NotFound("API token"))?
            .into_domain()
    }

    async fn touch_api_token(&self, id: ApiTokenId, now: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("UPDATE api_tokens SET last_used_at = ? WHERE id = ?")
            .bind(now)
            .bind(id.as_uuid())
            .execute(&self.pool)
            .await
            .map_err(self.err())?;
        Ok(())
    }

    async fn create_invitation(&self, invitation: &Invitation, hash: &[u8]) -> StoreResult<()> {
        let access = serde_json::to_string(&invitation.client_access)
            .map_err(|e| StoreError::Other(format!("client access: {e}")))?;
        let sql = format!(
            "INSERT INTO invitations ({INVITATION_COLUMNS}, token_hash) \
             SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE {PERSON_IN_ORGANIZATION}"
        );
        let inserted = sqlx::query(&sql)
            .bind(invitation.id.as_uuid())
            .bind(invitation.organization_id.as_uuid())
            .bind(invitation.email.as_str())
            .bind(invitation.name.as_str())
            .bind(invitation.role.as_str())
            .bind(access)
            .bind(invitation.invited_by.as_uuid())
            .bind(invitation.created_at)
            .bind(invitation.expires_at)
            .bind(hash)
            .bind(invitation.invited_by.as_uuid())
            .bind(invitation.organization_id.as_uuid())
            .execute(&self.pool)
            .await
            .map_err(self.err())?;
        if inserted.rows_affected() == 0 {
            return Err(StoreError::NotFound("person"));
        }
        Ok(())
    }

    async fn invitation_by_hash(&self, hash: &[u8], now: DateTime<Utc>) -> StoreResult<Option<Invitation>> {
        let sql = format!(
            "SELECT {INVITATION_COLUMNS} FROM invitations \
             WHERE token_hash = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?"
        );
        sqlx::query_as::<_, InvitationRow>(&sql)
            .bind(hash)
            .bind(now)
            .fetch_optional(&self.pool)
            .await
            .map_err(self.err())?
            .map(InvitationRow::into_domain)
            .transpose()
    }

    /// Open invitations, expired ones included so they can be seen and sent again.
    async fn list_invitations(&self, org: OrganizationId) -> StoreResult<Vec<Invitation>> {
        let sql = format!(
            "SELECT {INVITATION_COLUMNS} FROM invitations \
             WHERE organization_id = ? AND accepted_at IS NULL AND revoked_at IS NULL ORDER BY created_at, id"
        );
        let rows = sqlx::query_as::<_, InvitationRow>(&sql)
            .bind(org.as_uuid())
            .fetch_all(&self.pool)
            .await
            .map_err(self.err())?;
        rows::all(rows, InvitationRow::into_domain)
    }

    async fn accept_invitation(
        &self,
        id: InvitationId,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Person> {
        let mut tx = self.write_tx().await?;
        // Marking it accepted first, under the write lock, is what makes a second acceptance find nothing.
        let sql = format!(
            "UPDATE invitations SET accepted_at = ? \
             WHERE id = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ? \
             RETURNING {INVITATION_COLUMNS}"
        );
        let invitation = sqlx::query_as::<_, InvitationRow>(&sql)
            .bind(now)
            .bind(id.as_uuid())
            .bind(now)
            .fetch_optional(&mut *tx)
            .await
            .map_err(self.err())?
            .ok_or(StoreError::NotFound("invitation"))?
            .into_domain()?;
        let client_access = match invitation.client_access {
            ClientAccess::All => ClientAccess::All,
            // Clients are archived, not deleted, but an invitation must not fail for one that is gone.
            ClientAccess::Only(ids) => {
                ClientAccess::Only(self.existing_clients(&mut tx, invitation.organization_id, ids).await?)
            }
        };
        let person = NewPerson {
            email: invitation.email,
            name: invitation.name,
            role: invitation.role,
            client_access,
            password_hash: Some(password_hash.to_string()),
        };
        let person = self.insert_person(&mut tx, invitation.organization_id, person).await?;
        tx.commit().await.map_err(self.err())?;
        Ok(person)
    }

    async fn revoke_invitation(&self, org: OrganizationId, id: InvitationId) -> StoreResult<()> {
        let revoked = sqlx::query(
            "UPDATE invitations SET revoked_at = ? \
             WHERE id = ? AND organization_id = ? AND accepted_at IS NULL AND revoked_at IS NULL",
        )
        .bind(now())
        .bind(id.as_uuid())
        .bind(org.as_uuid())
        .execute(&self.pool)
        .await
        .map_err(self.err())?;
        if revoked.rows_affected() == 0 {
            return Err(StoreError::NotFound("invitation"));
        }
        Ok(())
    }

    async fn record_sign_in_failure(&self, key: &str, at: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("INSERT INTO sign_in_failures (key, attempted_at) VALUES (?, ?)")
            .bind(key)
            .bind(at)
            .execute(&self.pool)
            .await
            .map_err(self.err())?;
        Ok(())
    }

    async fn sign_in_failures_since(&self, key: &str, since: DateTime<Utc>) -> StoreResult<u64> {
        let count: i64 =
            sqlx::query_scalar("SELECT count(*) FROM sign_in_failures WHERE key = ? AND attempted_at >= ?")
                .bind(key)
                .bind(since)
                .fetch_one(&self.pool)
                .await
                .map_err(self.err())?;
        Ok(u64::try_from(count).unwrap_or_default())
    }

    async fn clear_sign_in_failures(&self, key: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sign_in_failures WHERE key = ?")
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err(self.err())?;
        Ok(())
    }

    async fn delete_sign_in_failures_before(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let deleted = sqlx::query("DELETE FROM sign_in_failures WHERE attempted_at < ?")
            .bind(before)
            .execute(&self.pool)
            .await
            .map_err(self.err())?;
        Ok(deleted.rows_affected())
    }
}
