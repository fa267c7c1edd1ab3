use async_trait::async_trait;
use chorus_domain::{ApiTokenId, InvitationId, OrganizationId, Person, PersonId};
use chorus_store::{ApiToken, AuthStore, Invitation, NewPerson, Session, StoreError, StoreResult};
use chrono::{DateTime, Utc};

use crate::error::db_error;
use crate::rows::{self, API_TOKEN_COLUMNS, INVITATION_COLUMNS};
use crate::{PgStore, now, people};

/// Rows naming both a person and an organization (sessions, tokens, invitations) are inserted only when the
/// person belongs to that organization: the foreign keys alone would only check that each exists.
const PERSON_IN_ORGANIZATION: &str = "EXISTS (SELECT 1 FROM people WHERE id = $3 AND organization_id = $2)";

fn inserted(result: sqlx::postgres::PgQueryResult) -> StoreResult<()> {
    if result.rows_affected() == 0 { Err(StoreError::NotFound("person")) } else { Ok(()) }
}

#[async_trait]
impl AuthStore for PgStore {
    async fn create_session(&self, session: &Session) -> StoreResult<()> {
        let result = sqlx::query(&format!(
            "INSERT INTO sessions (token_hash, organization_id, person_id, created_at, last_seen_at, expires_at, \
             user_agent) SELECT $1, $2, $3, $4, $5, $6, $7 WHERE {PERSON_IN_ORGANIZATION}"
        ))
        .bind(&session.token_hash)
        .bind(session.organization_id.as_uuid())
        .bind(session.person_id.as_uuid())
        .bind(session.created_at)
        .bind(session.last_seen_at)
        .bind(session.expires_at)
        .bind(session.user_agent.as_deref())
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        inserted(result)
    }

    async fn session(&self, token_hash: &[u8], now: DateTime<Utc>) -> StoreResult<Option<Session>> {
        let row = sqlx::query(
            "SELECT token_hash, organization_id, person_id, created_at, last_seen_at, expires_at, user_agent \
             FROM sessions WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(Session {
            token_hash: rows::get(&row, "token_hash")?,
            organization_id: OrganizationId::from_uuid(rows::get(&row, "organization_id")?),
            person_id: PersonId::from_uuid(rows::get(&row, "person_id")?),
            created_at: rows::get(&row, "created_at")?,
            last_seen_at: rows::get(&row, "last_seen_at")?,
            expires_at: rows::get(&row, "expires_at")?,
            user_agent: rows::get(&row, "user_agent")?,
        }))
    }

    async fn touch_session(&self, token_hash: &[u8], now: DateTime<Utc>, expires_at: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = $2, expires_at = $3 WHERE token_hash = $1")
            .bind(token_hash)
            .bind(now)
            .bind(expires_at)
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn delete_session(&self, token_hash: &[u8]) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn delete_sessions_of(&self, org: OrganizationId, person: PersonId) -> StoreResult<u64> {
        let deleted = sqlx::query("DELETE FROM sessions WHERE organization_id = $1 AND person_id = $2")
            .bind(org.as_uuid())
            .bind(person.as_uuid())
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(deleted.rows_affected())
    }

    async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        let deleted = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(deleted.rows_affected())
    }

    async fn create_api_token(&self, token: &ApiToken, hash: &[u8]) -> StoreResult<()> {
        let result = sqlx::query(&format!(
            "INSERT INTO api_tokens (id, organization_id, person_id, name, scope, prefix, token_hash, created_at, \
             last_used_at, expires_at, revoked_at) SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 \
             WHERE {PERSON_IN_ORGANIZATION}"
        ))
        .bind(token.id.as_uuid())
        .bind(token.organization_id.as_uuid())
        .bind(token.person_id.as_uuid())
        .bind(&token.name)
        .bind(token.scope.as_str())
        .bind(&token.prefix)
        .bind(hash)
        .bind(token.created_at)
        .bind(token.last_used_at)
        .bind(token.expires_at)
        .bind(token.revoked_at)
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        inserted(result)
    }

    async fn api_token_by_hash(&self, hash: &[u8], now: DateTime<Utc>) -> StoreResult<Option<ApiToken>> {
        let row = sqlx::query(&format!(
            "SELECT {API_TOKEN_COLUMNS} FROM api_tokens \
             WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)"
        ))
        .bind(hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?;
        row.as_ref().map(rows::api_token).transpose()
    }

    async fn list_api_tokens(&self, org: OrganizationId, person: PersonId) -> StoreResult<Vec<ApiToken>> {
        let rows = sqlx::query(&format!(
            "SELECT {API_TOKEN_COLUMNS} FROM api_tokens WHERE organization_id = $1 AND person_id = $2 \
             ORDER BY created_at, id"
        ))
        .bind(org.as_uuid())
        .bind(person.as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter().map(rows::api_token).collect()
    }

    async fn revoke_api_token(
        &self,
        org: OrganizationId,
        person: PersonId,
        id: ApiTokenId,
        now: DateTime<Utc>,
    ) -> StoreResult<ApiToken> {
        // Revoking twice keeps the first date.
        let row = sqlx::query(&format!(
            "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $4) \
             WHERE organization_id = $1 AND person_id = $2 AND id = $3 RETURNING {API_TOKEN_COLUMNS}"
        ))
        .bind(org.as_uuid())
        .bind(person.as_uuid())
        .bind(id.as_uuid())
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?
        .ok_or(StoreError::NotFound("API token"))?;
        rows::api_token(&row)
    }

    async fn touch_api_token(&self, id: ApiTokenId, now: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1")
            .bind(id.as_uuid())
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn create_invitation(&self, invitation: &Invitation, hash: &[u8]) -> StoreResult<()> {
        // The inviter is $3, as the person is in the other inserts.
        let result = sqlx::query(&format!(
            "INSERT INTO invitations (id, organization_id, invited_by, email, name, role, client_access, token_hash, \
             created_at, expires_at) SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 WHERE {PERSON_IN_ORGANIZATION}"
        ))
        .bind(invitation.id.as_uuid())
        .bind(invitation.organization_id.as_uuid())
        .bind(invitation.invited_by.as_uuid())
        .bind(invitation.email.as_str())
        .bind(invitation.name.as_str())
        .bind(invitation.role.as_str())
        .bind(rows::access_json(&invitation.client_access)?)
        .bind(hash)
        .bind(invitation.created_at)
        .bind(invitation.expires_at)
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        inserted(result)
    }

    async fn invitation_by_hash(&self, hash: &[u8], now: DateTime<Utc>) -> StoreResult<Option<Invitation>> {
        let row = sqlx::query(&format!(
            "SELECT {INVITATION_COLUMNS} FROM invitations \
             WHERE token_hash = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $2"
        ))
        .bind(hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?;
        row.as_ref().map(rows::invitation).transpose()
    }

    /// Invitations still open: neither accepted nor revoked. Expired ones stay listed so they can be resent.
    async fn list_invitations(&self, org: OrganizationId) -> StoreResult<Vec<Invitation>> {
        let rows = sqlx::query(&format!(
            "SELECT {INVITATION_COLUMNS} FROM invitations \
             WHERE organization_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL ORDER BY created_at, id"
        ))
        .bind(org.as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter().map(rows::invitation).collect()
    }

    async fn accept_invitation(
        &self,
        id: InvitationId,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Person> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        // The conditional UPDATE is what makes acceptance happen once: a second, concurrent acceptance waits
        // for this row lock and then no longer matches `accepted_at IS NULL`.
        let row = sqlx::query(&format!(
            "UPDATE invitations SET accepted_at = $2 \
             WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $2 \
             RETURNING {INVITATION_COLUMNS}"
        ))
        .bind(id.as_uuid())
        .bind(now)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error)?
        .ok_or(StoreError::NotFound("invitation"))?;
        let invitation = rows::invitation(&row)?;

        let new_person = NewPerson {
            email: invitation.email,
            name: invitation.name,
            role: invitation.role,
            client_access: invitation.client_access,
            password_hash: Some(password_hash.to_string()),
        };
        let person = people::insert_person(&mut tx, invitation.organization_id, &new_person, now).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(person)
    }

    async fn revoke_invitation(&self, org: OrganizationId, id: InvitationId) -> StoreResult<()> {
        let revoked = sqlx::query(
            "UPDATE invitations SET revoked_at = $3 \
             WHERE organization_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL",
        )
        .bind(org.as_uuid())
        .bind(id.as_uuid())
        .bind(now())
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        if revoked.rows_affected() == 0 {
            return Err(StoreError::NotFound("invitation"));
        }
        Ok(())
    }

    async fn record_sign_in_failure(&self, key: &str, at: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("INSERT INTO sign_in_failures (key, attempted_at) VALUES ($1, $2)")
            .bind(key)
            .bind(at)
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn sign_in_failures_since(&self, key: &str, since: DateTime<Utc>) -> StoreResult<u64> {
        let count: i64 =
            sqlx::query_scalar("SELECT count(*) FROM sign_in_failures WHERE key = $1 AND attempted_at >= $2")
                .bind(key)
                .bind(since)
                .fetch_one(&self.pool)
                .await
                .map_err(db_error)?;
        Ok(count.unsigned_abs())
    }

    async fn clear_sign_in_failures(&self, key: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sign_in_failures WHERE key = $1")
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn delete_sign_in_failures_before(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let deleted = sqlx::query("DELETE FROM sign_in_failures WHERE attempted_at < $1")
            .bind(before)
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(deleted.rows_affected())
    }
}
