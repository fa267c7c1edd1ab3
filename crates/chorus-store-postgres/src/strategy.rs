//! A client's strategy: content pillars, goals and brand voice.
//!
//! Every statement filters by organization and client. Creating inserts `… SELECT … FROM clients WHERE id = $n
//! AND organization_id = $m`, so the client check and the write are one statement: no row inserted means no
//! such client in the organization. An update or delete that finds nothing looks the client up afterwards, only
//! to tell "no such client" from "no such pillar or goal of this client".

use async_trait::async_trait;
use chorus_domain::{BrandVoice, ClientId, Goal, GoalFields, GoalId, OrganizationId, Pillar, PillarFields, PillarId};
use chorus_store::{StoreError, StoreResult, StrategyStore};

use crate::error::{db_error, pillar_name_taken};
use crate::rows::{self, GOAL_COLUMNS, PILLAR_COLUMNS};
use crate::{PgStore, now};

/// The key a pillar's name is unique by within its client: the lower-cased name, as for clients and people.
fn name_key(name: &str) -> String {
    name.to_lowercase()
}

fn voice_json(voice: &BrandVoice) -> StoreResult<serde_json::Value> {
    serde_json::to_value(voice).map_err(|e| StoreError::Other(format!("cannot encode brand voice: {e}")))
}

#[async_trait]
impl StrategyStore for PgStore {
    async fn list_pillars(&self, org: OrganizationId, client: ClientId) -> StoreResult<Vec<Pillar>> {
        let rows = sqlx::query(&format!(
            "SELECT {PILLAR_COLUMNS} FROM pillars WHERE organization_id = $1 AND client_id = $2 ORDER BY id"
        ))
        .bind(org.as_uuid())
        .bind(client.as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        if rows.is_empty() {
            self.check_client(org, client).await?;
        }
        rows.iter().map(rows::pillar).collect()
    }

    async fn create_pillar(&self, org: OrganizationId, client: ClientId, fields: &PillarFields) -> StoreResult<Pillar> {
        let now = now();
        let pillar = Pillar {
            id: PillarId::new(),
            organization_id: org,
            client_id: client,
            name: fields.name.clone(),
            colour: fields.colour.clone(),
            target_share: fields.target_share,
            description: fields.description.clone(),
            created_at: now,
            updated_at: now,
        };
        let inserted = sqlx::query(
            "INSERT INTO pillars (id, organization_id, client_id, name, name_key, colour, target_share, description, \
             created_at, updated_at) \
             SELECT $3, organization_id, id, $4, $5, $6, $7, $8, $9, $9 FROM clients \
             WHERE organization_id = $1 AND id = $2",
        )
        .bind(org.as_uuid())
        .bind(client.as_uuid())
        .bind(pillar.id.as_uuid())
        .bind(pillar.name.as_str())
        .bind(name_key(pillar.name.as_str()))
        .bind(pillar.colour.as_str())
        .bind(i16::from(pillar.target_share))
        .bind(pillar.description.as_str())
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(pillar_name_taken(&pillar.name))?;
        if inserted.rows_affected() == 0 {
            return Err(StoreError::NotFound("client"));
        }
        Ok(pillar)
    }

    async fn update_pillar(
        &self,
        org: OrganizationId,
        client: ClientId,
        id: PillarId,
        fields: &PillarFields,
    ) -> StoreResult<Pillar> {
        let row = sqlx::query(&format!(
            "UPDATE pillars SET name = $4, name_key = $5, colour = $6, target_share = $7, description = $8, \
             updated_at = $9 WHERE organization_id = $1 AND client_id = $2 AND id = $3 RETURNING {PILLAR_COLUMNS}"
        ))
        .bind(org.as_uuid())
        .bind(client.as_uuid())
        .bind(id.as_uuid())
        .bind(fields.name.as_str())
        .bind(name_key(fields.name.as_str()))
        .bind(fields.colour.as_str())
        .bind(i16::from(fields.target_share))
        .bind(fields.description.as_str())
        .bind(now())
        .fetch_optional(&self.pool)
        .await
        .map_err(pillar_name_taken(&fields.name))?;
        match row {
            Some(row) => rows::pillar(&row),
            None => Err(self.missing(org, client, "pillar").await),
        }
    }

    async fn delete_pillar(&self, org: OrganizationId, client: ClientId, id: PillarId) -> StoreResult<()> {
        let deleted = sqlx::query("DELETE FROM pillars WHERE organization_id = $1 AND client_id = $2 AND id = $3")
            .bind(org.as_uuid())
            .bind(client.as_uuid())
            .bind(id.as_uuid())
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        if deleted.rows_affected() == 0 {
            return Err(self.missing(org, client, "pillar").await);
        }
        Ok(())
    }

    async fn list_goals(&self, org: OrganizationId, client: ClientId) -> StoreResult<Vec<Goal>> {
        let rows = sqlx::query(&format!(
            "SELECT {GOAL_COLUMNS} FROM goals WHERE organization_id = $1 AND client_id = $2 ORDER BY id"
        ))
        .bind(org.as_uuid())
        .bind(client.as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        if rows.is_empty() {
            self.check_client(org, client).await?;
        }
        rows.iter().map(rows::goal).collect()
    }

    async fn create_goal(&self, org: OrganizationId, client: ClientId, fields: &GoalFields) -> StoreResult<Goal> {
        let now = now();
        let goal = Goal {
            id: GoalId::new(),
            organization_id: org,
            client_id: client,
            metric: fields.metric,
            target: fields.target,
            period: fields.period,
            note: fields.note.clone(),
            created_at: now,
            updated_at: now,
        };
        let inserted = sqlx::query(
            "INSERT INTO goals (id, organization_id, client_id, metric, target, period, note, created_at, updated_at) \
             SELECT $3, organization_id, id, $4, $5, $6, $7, $8, $8 FROM clients \
             WHERE organization_id = $1 AND id = $2",
        )
        .bind(org.as_uuid())
        .bind(client.as_uuid())
        .bind(goal.id.as_uuid())
        .bind(goal.metric.as_str())
        .bind(goal.target)
        .bind(goal.period.as_str())
        .bind(goal.note.as_str())
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        if inserted.rows_affected() == 0 {
            return Err(StoreError::NotFound("client"));
        }
        Ok(goal)
    }

    async fn update_goal(
        &self,
        org: OrganizationId,
        client: ClientId,
        id: GoalId,
        fields: &GoalFields,
    ) -> StoreResult<Goal> {
        let row = sqlx::query(&format!(
            "UPDATE goals SET metric = $4, target = $5, period = $6, note = $7, updated_at = $8 \
             WHERE organization_id = $1 AND client_id = $2 AND id = $3 RETURNING {GOAL_COLUMNS}"
        ))
        .bind(org.as_uuid())
        .bind(client.as_uuid())
        .bind(id.as_uuid())
        .bind(fields.metric.as_str())
        .bind(fields.target)
        .bind(fields.period.as_str())
        .bind(fields.note.as_str())
        .bind(now())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?;
        match row {
            Some(row) => rows::goal(&row),
            None => Err(self.missing(org, client, "goal").await),
        }
    }

    async fn delete_goal(&self, org: OrganizationId, client: ClientId, id: GoalId) -> StoreResult<()> {
        let deleted = sqlx::query("DELETE FROM goals WHERE organization_id = $1 AND client_id = $2 AND id = $3")
            .bind(org.as_uuid())
            .bind(client.as_uuid())
            .bind(id.as_uuid())
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        if deleted.rows_affected() == 0 {
            return Err(self.missing(org, client, "goal").await);
        }
        Ok(())
    }

    async fn brand_voice(&self, org: OrganizationId, client: ClientId) -> StoreResult<BrandVoice> {
        let row = sqlx::query("SELECT voice FROM brand_voices WHERE organization_id = $1 AND client_id = $2")
            .bind(org.as_uuid())
            .bind(client.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        match row {
            Some(row) => rows::brand_voice(&row),
            None => {
                self.check_client(org, client).await?;
                Ok(BrandVoice::default())
            }
        }
    }

    async fn set_brand_voice(&self, org: OrganizationId, client: ClientId, voice: &BrandVoice) -> StoreResult<()> {
        // The row comes from the client in this organization or not at all.
        let written = sqlx::query(
            "INSERT INTO brand_voices (client_id, organization_id, voice, updated_at) \
             SELECT id, organization_id, $3, $4 FROM clients WHERE organization_id = $1 AND id = $2 \
             ON CONFLICT (client_id) DO UPDATE SET voice = EXCLUDED.voice, updated_at = EXCLUDED.updated_at \
             WHERE brand_voices.organization_id = EXCLUDED.organization_id",
        )
        .bind(org.as_uuid())
        .bind(client.as_uuid())
        .bind(voice_json(voice)?)
        .bind(now())
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        if written.rows_affected() == 0 {
            return Err(StoreError::NotFound("client"));
        }
        Ok(())
    }
}

impl PgStore {
    /// Fails with `NotFound("client")` unless the client exists in the organization.
    pub(crate) async fn check_client(&self, org: OrganizationId, client: ClientId) -> StoreResult<()> {
        let found: Option<i32> = sqlx::query_scalar("SELECT 1 FROM clients WHERE organization_id = $1 AND id = $2")
            .bind(org.as_uuid())
            .bind(client.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        found.map(|_| ()).ok_or(StoreError::NotFound("client"))
    }

    /// Why a write scoped to a client found no row: the client is not in the organization, or it has no
    /// `what` with that id.
    pub(crate) async fn missing(&self, org: OrganizationId, client: ClientId, what: &'static str) -> StoreError {
        match self.check_client(org, client).await {
            Ok(()) => StoreError::NotFound(what),
            Err(e) => e,
        }
    }
}

#[cfg(test)]
mod tests {
    use chorus_domain::{
        BrandNotes, ClientAccess, ClientName, Colour, Email, GoalMetric, GoalPeriod, NewClient, OfficeHours,
        OrganizationName, PersonName, PillarName, Role, TimeZone,
    };
    use chorus_store::{ClientStore, NewPerson, OrganizationStore};

    use super::*;

    /// Runs `sql` (binding the client id), then expects `read` to fail as corrupt.
    async fn corrupted<T: std::fmt::Debug>(
        store: &PgStore,
        client: ClientId,
        sql: &str,
        read: impl AsyncFnOnce() -> StoreResult<T>,
    ) {
        sqlx::query(sql).bind(client.as_uuid()).execute(&store.pool).await.unwrap();
        let result = read().await;
        assert!(matches!(result, Err(StoreError::Corrupt(_))), "after {sql}: {result:?}");
    }

    #[tokio::test]
    async fn values_chorus_would_never_write_are_corrupt() {
        let store = PgStore::connect(&chorus_testkit::postgres::fresh_database().await).await.unwrap();
        let owner = NewPerson {
            email: Email::parse("owner@example.com").unwrap(),
            name: PersonName::parse("Owner").unwrap(),
            role: Role::Owner,
            client_access: ClientAccess::All,
            password_hash: None,
        };
        let (org, _) = store.create_organization(&OrganizationName::parse("Acme").unwrap(), owner).await.unwrap();
        let new = NewClient {
            name: ClientName::parse("Client").unwrap(),
            time_zone: TimeZone::UTC,
            office_hours: OfficeHours::default(),
            brand_notes: BrandNotes::default(),
        };
        let client = store.create_client(org.id, new, None).await.unwrap().id;
        let pillar = PillarFields {
            name: PillarName::parse("News").unwrap(),
            colour: Colour::parse("#123456").unwrap(),
            target_share: 10,
            description: String::new(),
        };
        store.create_pillar(org.id, client, &pillar).await.unwrap();
        let goal =
            GoalFields { metric: GoalMetric::Reach, target: 2.5, period: GoalPeriod::Month, note: String::new() };
        store.create_goal(org.id, client, &goal).await.unwrap();
        store.set_brand_voice(org.id, client, &BrandVoice::default()).await.unwrap();

        let list_goals = || store.list_goals(org.id, client);
        corrupted(&store, client, "UPDATE goals SET metric = 'likes' WHERE client_id = $1", list_goals).await;
        let list_goals = || store.list_goals(org.id, client);
        let sql = "UPDATE goals SET metric = 'reach', period = 'week' WHERE client_id = $1";
        corrupted(&store, client, sql, list_goals).await;
        let list_pillars = || store.list_pillars(org.id, client);
        corrupted(&store, client, "UPDATE pillars SET colour = 'blue' WHERE client_id = $1", list_pillars).await;
        let voice = || store.brand_voice(org.id, client);
        corrupted(&store, client, "UPDATE brand_voices SET voice = '[1, 2]' WHERE client_id = $1", voice).await;
    }
}
