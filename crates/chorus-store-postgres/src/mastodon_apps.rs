//! Chorus's app registrations on Mastodon instances, and the OAuth authorizations in progress. Taking an
//! authorization is one conditional update, so a state is used once however many callbacks race for it.

use async_trait::async_trait;
use chorus_domain::{ClientId, OrganizationId, PersonId};
use chorus_store::{MastodonApp, MastodonAppStore, MastodonAuthorization, StoreError, StoreResult};
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use crate::error::db_error;
use crate::{PgStore, now};

/// How long a used or expired authorization is kept before it is purged.
const KEEP_ENDED: Duration = Duration::days(1);

#[derive(sqlx::FromRow)]
struct AppRow {
    instance: String,
    client_id: String,
    client_secret: Vec<u8>,
    redirect_uri: String,
    scopes: String,
    created_at: DateTime<Utc>,
}

impl AppRow {
    fn into_app(self) -> MastodonApp {
        MastodonApp {
            instance: self.instance,
            client_id: self.client_id,
            sealed_client_secret: self.client_secret,
            redirect_uri: self.redirect_uri,
            scopes: self.scopes.split_whitespace().map(str::to_string).collect(),
            created_at: self.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
struct AuthorizationRow {
    state: String,
    client_id: Uuid,
    person_id: Uuid,
    instance: String,
    code_verifier: Vec<u8>,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

impl AuthorizationRow {
    fn into_authorization(self) -> MastodonAuthorization {
        MastodonAuthorization {
            state: self.state,
            client_id: ClientId::from_uuid(self.client_id),
            person_id: PersonId::from_uuid(self.person_id),
            instance: self.instance,
            sealed_verifier: self.code_verifier,
            created_at: self.created_at,
            expires_at: self.expires_at,
        }
    }
}

const APP_COLUMNS: &str = "instance, client_id, client_secret, redirect_uri, scopes, created_at";
const AUTHORIZATION_COLUMNS: &str = "state, client_id, person_id, instance, code_verifier, created_at, expires_at";

#[async_trait]
impl MastodonAppStore for PgStore {
    async fn mastodon_app(&self, instance: &str) -> StoreResult<Option<MastodonApp>> {
        let sql = format!("SELECT {APP_COLUMNS} FROM mastodon_apps WHERE instance = $1");
        let row =
            sqlx::query_as::<_, AppRow>(&sql).bind(instance).fetch_optional(&self.pool).await.map_err(db_error)?;
        Ok(row.map(AppRow::into_app))
    }

    async fn save_mastodon_app(&self, app: &MastodonApp) -> StoreResult<MastodonApp> {
        sqlx::query(
            "INSERT INTO mastodon_apps (instance, client_id, client_secret, redirect_uri, scopes, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (instance) DO NOTHING",
        )
        .bind(app.instance.as_str())
        .bind(app.client_id.as_str())
        .bind(app.sealed_client_secret.as_slice())
        .bind(app.redirect_uri.as_str())
        .bind(app.scopes.join(" "))
        .bind(app.created_at)
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        self.mastodon_app(&app.instance).await?.ok_or(StoreError::NotFound("mastodon app"))
    }

    async fn create_mastodon_authorization(
        &self,
        org: OrganizationId,
        authorization: &MastodonAuthorization,
    ) -> StoreResult<()> {
        self.check_client(org, authorization.client_id).await?;
        let person: Option<i32> = sqlx::query_scalar("SELECT 1 FROM people WHERE id = $1 AND organization_id = $2")
            .bind(authorization.person_id.as_uuid())
            .bind(org.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        person.ok_or(StoreError::NotFound("person"))?;
        // Ended authorizations are of no use past a day; forgetting them keeps the table small.
        sqlx::query("DELETE FROM mastodon_authorizations WHERE expires_at < $1")
            .bind(now() - KEEP_ENDED)
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        let inserted = sqlx::query(
            "INSERT INTO mastodon_authorizations (state, organization_id, client_id, person_id, instance, \
             code_verifier, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (state) DO NOTHING",
        )
        .bind(authorization.state.as_str())
        .bind(org.as_uuid())
        .bind(authorization.client_id.as_uuid())
        .bind(authorization.person_id.as_uuid())
        .bind(authorization.instance.as_str())
        .bind(authorization.sealed_verifier.as_slice())
        .bind(authorization.created_at)
        .bind(authorization.expires_at)
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        if inserted.rows_affected() == 0 {
            return Err(StoreError::Conflict { field: "state", message: "this state is taken".into() });
        }
        Ok(())
    }

    async fn take_mastodon_authorization(
        &self,
        org: OrganizationId,
        person: PersonId,
        state: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<MastodonAuthorization>> {
        let sql = format!(
            "UPDATE mastodon_authorizations SET used_at = $1 WHERE state = $2 AND organization_id = $3 \
             AND person_id = $4 AND used_at IS NULL AND expires_at > $1 RETURNING {AUTHORIZATION_COLUMNS}"
        );
        let row = sqlx::query_as::<_, AuthorizationRow>(&sql)
            .bind(now)
            .bind(state)
            .bind(org.as_uuid())
            .bind(person.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(row.map(AuthorizationRow::into_authorization))
    }

    async fn set_mastodon_authorization_expiry(
        &self,
        org: OrganizationId,
        state: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let changed =
            sqlx::query("UPDATE mastodon_authorizations SET expires_at = $1 WHERE state = $2 AND organization_id = $3")
                .bind(expires_at)
                .bind(state)
                .bind(org.as_uuid())
                .execute(&self.pool)
                .await
                .map_err(db_error)?;
        if changed.rows_affected() == 0 {
            return Err(StoreError::NotFound("authorization"));
        }
        Ok(())
    }
}
