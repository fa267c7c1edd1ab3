//! A client's strategy: content pillars, goals and brand voice.
//!
//! Every statement filters by organization and client. Creating inserts `… SELECT … FROM clients WHERE id = ?
//! AND organization_id = ?`, so the client check and the write are one statement: no row inserted means no
//! such client in the organization. An update or delete that finds nothing looks the client up afterwards, only
//! to tell "no such client" from "no such pillar or goal of this client".

use async_trait::async_trait;
use chorus_domain::{
    BrandVoice, ClientId, Goal, GoalFields, GoalId, OrganizationId, Pillar, PillarFields, PillarId, PillarName,
};
use chorus_store::{StoreError, StoreResult, StrategyStore};

use crate::clients::name_key;
use crate::rows::{self, GOAL_COLUMNS, GoalRow, PILLAR_COLUMNS, PillarRow};
use crate::{SqliteStore, now};

/// Says which name is taken; the generic message cannot, as SQLite's error does not include the value.
fn pillar_name_taken(e: StoreError, name: &PillarName) -> StoreError {
    match e {
        StoreError::Conflict { field: "name", .. } => StoreError::Conflict {
            field: "name",
            message: format!("this client already has a pillar called “{name}”"),
        },
        other => other,
    }
}

fn voice_json(voice: &BrandVoice) -> StoreResult<String> {
    serde_json::to_string(voice).map_err(|e| StoreError::Other(format!("brand voice: {e}")))
}

#[async_trait]
impl StrategyStore for SqliteStore {
    async fn list_pillars(&self, org: OrganizationId, client: ClientId) -> StoreResult<Vec<Pillar>> {
        let sql =
            format!("SELECT {PILLAR_COLUMNS} FROM pillars WHERE organization_id = ? AND client_id = ? ORDER BY id");
        let rows = sqlx::query_as::<_, PillarRow>(&sql)
            .bind(org.as_uuid())
            .bind(client.as_uuid())
            .fetch_all(&self.pool)
            .await
            .map_err(self.err())?;
        if rows.is_empty() {
            self.check_client(org, client).await?;
        }
        rows::all(rows, PillarRow::into_domain)
    }

    async fn create_pillar(&self, org: OrganizationId, client: ClientId, fields: &PillarFields) -> StoreResult<Pillar> {
        let created_at = now();
        let pillar = Pillar {
            id: PillarId::new(),
            organization_id: org,
            client_id: client,
            name: fields.name.clone(),
            colour: fields.colour.clone(),
            target_share: fields.target_share,
            description: fields.description.clone(),
            created_at,
            updated_at: created_at,
        };
        let inserted = sqlx::query(
            "INSERT INTO pillars (id, organization_id, client_id, name, name_key, colour, target_share, description, \
             created_at, updated_at) \
             SELECT ?, organization_id, id, ?, ?, ?, ?, ?, ?, ? FROM clients WHERE id = ? AND organization_id = ?",
        )
        .bind(pillar.id.as_uuid())
        .bind(pillar.name.as_str())
        .bind(name_key(pillar.name.as_str()))
        .bind(pillar.colour.as_str())
        .bind(i64::from(pillar.target_share))
        .bind(pillar.description.as_str())
        .bind(pillar.created_at)
        .bind(pillar.updated_at)
        .bind(client.as_uuid())
        .bind(org.as_uuid())
        .execute(&self.pool)
        .await
        .map_err(|e| pillar_name_taken(crate::error::from_sqlx(e, &self.path), &pillar.name))?;
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
        let sql = format!(
            "UPDATE pillars SET name = ?, name_key = ?, colour = ?, target_share = ?, description = ?, updated_at = ? \
             WHERE id = ? AND client_id = ? AND organization_id = ? RETURNING {PILLAR_COLUMNS}"
        );
        let row = sqlx::query_as::<_, PillarRow>(&sql)
            .bind(fields.name.as_str())
            .bind(name_key(fields.name.as_str()))
            .bind(fields.colour.as_str())
            .bind(i64::from(fields.target_share))
            .bind(fields.description.as_str())
            .bind(now())
            .bind(id.as_uuid())
            .bind(client.as_uuid())
            .bind(org.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| pillar_name_taken(crate::error::from_sqlx(e, &self.path), &fields.name))?;
        match row {
            Some(row) => row.into_domain(),
            None => Err(self.missing(org, client, "pillar").await),
        }
    }

    async fn delete_pillar(&self, org: OrganizationId, client: ClientId, id: PillarId) -> StoreResult<()> {
        let deleted = sqlx::query("DELETE FROM pillars WHERE id = ? AND client_id = ? AND organization_id = ?")
            .bind(id.as_uuid())
            .bind(client.as_uuid())
            .bind(org.as_uuid())
            .execute(&self.pool)
            .await
            .map_err(self.err())?;
        if deleted.rows_affected() == 0 {
            return Err(self.missing(org, client, "pillar").await);
        }
        Ok(())
    }

    async fn list_goals(&self, org: OrganizationId, client: ClientId) -> StoreResult<Vec<Goal>> {
        let sql = format!("SELECT {GOAL_COLUMNS} FROM goals WHERE organization_id = ? AND client_id = ? ORDER BY id");
        let rows = sqlx::query_as::<_, GoalRow>(&sql)
            .bind(org.as_uuid())
            .bind(client.as_uuid())
            .fetch_all(&self.pool)
            .await
            .map_err(self.err())?;
        if rows.is_empty() {
            self.check_client(org, client).await?;
        }
        rows::all(rows, GoalRow::into_domain)
    }

    async fn create_goal(&self, org: OrganizationId, client: ClientId, fields: &GoalFields) -> StoreResult<Goal> {
        let created_at = now();
        let goal = Goal {
            id: GoalId::new(),
            organization_id: org,
            client_id: client,
            metric: fields.metric,
            target: fields.target,
            period: fields.period,
            note: fields.note.clone(),
            created_at,
            updated_at: created_at,
        };
        let inserted = sqlx::query(
            "INSERT INTO goals (id, organization_id, client_id, metric, target, period, note, created_at, updated_at) \
             SELECT ?, organization_id, id, ?, ?, ?, ?, ?, ? FROM clients WHERE id = ? AND organization_id = ?",
        )
        .bind(goal.id.as_uuid())
        .bind(goal.metric.as_str())
        .bind(goal.target)
        .bind(goal.period.as_str())
        .bind(goal.note.as_str())
        .bind(goal.created_at)
        .bind(goal.updated_at)
        .bind(client.as_uuid())
        .bind(org.as_uuid())
        .execute(&self.pool)
        .await
        .map_err(self.err())?;
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
        let sql = format!(
            "UPDATE goals SET metric = ?, target = ?, period = ?, note = ?, updated_at = ? \
             WHERE id = ? AND client_id = ? AND organization_id = ? RETURNING {GOAL_COLUMNS}"
        );
        let row = sqlx::query_as::<_, GoalRow>(&sql)
            .bind(fields.metric.as_str())
            .bind(fields.target)
            .bind(fields.period.as_str())
            .bind(fields.note.as_str())
            .bind(now())
            .bind(id.as_uuid())
            .bind(client.as_uuid())
            .bind(org.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(self.err())?;
        match row {
            Some(row) => row.into_domain(),
            None => Err(self.missing(org, client, "goal").await),
        }
    }

    async fn delete_goal(&self, org: OrganizationId, client: ClientId, id: GoalId) -> StoreResult<()> {
        let deleted = sqlx::query("DELETE FROM goals WHERE id = ? AND client_id = ? AND organization_id = ?")
            .bind(id.as_uuid())
            .bind(client.as_uuid())
            .bind(org.as_uuid())
            .execute(&self.pool)
            .await
            .map_err(self.err())?;
        if deleted.rows_affected() == 0 {
            return Err(self.missing(org, client, "goal").await);
        }
        Ok(())
    }

    async fn brand_voice(&self, org: OrganizationId, client: ClientId) -> StoreResult<BrandVoice> {
        let voice: Option<String> =
            sqlx::query_scalar("SELECT voice FROM brand_voices WHERE client_id = ? AND organization_id = ?")
                .bind(client.as_uuid())
                .bind(org.as_uuid())
                .fetch_optional(&self.pool)
                .await
                .map_err(self.err())?;
        match voice {
            Some(voice) => rows::brand_voice(client.as_uuid(), &voice),
            None => {
                self.check_client(org, client).await?;
                Ok(BrandVoice::default())
            }
        }
    }

    async fn set_brand_voice(&self, org: OrganizationId, client: ClientId, voice: &BrandVoice) -> StoreResult<()> {
        // The row comes from the client in this organization or not at all. `WHERE` also keeps SQLite from
        // reading `ON CONFLICT` as part of the `SELECT`.
        let written = sqlx::query(
            "INSERT INTO brand_voices (client_id, organization_id, voice, updated_at) \
             SELECT id, organization_id, ?, ? FROM clients WHERE id = ? AND organization_id = ? \
             ON CONFLICT (client_id) DO UPDATE SET voice = excluded.voice, updated_at = excluded.updated_at \
             WHERE brand_voices.organization_id = excluded.organization_id",
        )
        .bind(voice_json(voice)?)
        .bind(now())
        .bind(client.as_uuid())
        .bind(org.as_uuid())
        .execute(&self.pool)
        .await
        .map_err(self.err())?;
        if written.rows_affected() == 0 {
            return Err(StoreError::NotFound("client"));
        }
        Ok(())
    }
}

impl SqliteStore {
    /// Fails with `NotFound("client")` unless the client exists in the organization.
    pub(crate) async fn check_client(&self, org: OrganizationId, client: ClientId) -> StoreResult<()> {
        let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM clients WHERE id = ? AND organization_id = ?")
            .bind(client.as_uuid())
            .bind(org.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(self.err())?;
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
        BrandNotes, ClientAccess, Colour, Email, GoalMetric, GoalPeriod, NewClient, OfficeHours, OrganizationName,
        PersonName, Role, TimeZone,
    };
    use chorus_store::{ClientStore, NewPerson, OrganizationStore};

    use super::*;

    /// Runs `sql` (binding the client id), then expects `read` to fail as corrupt.
    async fn corrupted<T: std::fmt::Debug>(
        store: &SqliteStore,
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
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("chorus.db")).await.unwrap();
        store.migrate().await.unwrap();
        let owner = NewPerson {
            email: Email::parse("owner@example.com").unwrap(),
            name: PersonName::parse("Owner").unwrap(),
            role: Role::Owner,
            client_access: ClientAccess::All,
            password_hash: None,
        };
        let (org, _) = store.create_organization(&OrganizationName::parse("Acme").unwrap(), owner).await.unwrap();
        let new = NewClient {
            name: chorus_domain::ClientName::parse("Client").unwrap(),
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
        corrupted(&store, client, "UPDATE goals SET metric = 'likes' WHERE client_id = ?", list_goals).await;
        let list_goals = || store.list_goals(org.id, client);
        let sql = "UPDATE goals SET metric = 'reach', period = 'week' WHERE client_id = ?";
        corrupted(&store, client, sql, list_goals).await;
        let list_pillars = || store.list_pillars(org.id, client);
        corrupted(&store, client, "UPDATE pillars SET colour = 'blue' WHERE client_id = ?", list_pillars).await;
        let voice = || store.brand_voice(org.id, client);
        corrupted(&store, client, "UPDATE brand_voices SET voice = '[1, 2]' WHERE client_id = ?", voice).await;
    }
}
