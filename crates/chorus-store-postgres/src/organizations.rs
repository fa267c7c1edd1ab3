use async_trait::async_trait;
use chorus_domain::{Organization, OrganizationId, OrganizationName, Person};
use chorus_store::{Backend, NewPerson, OrganizationStore, StoreError, StoreResult};

use crate::error::db_error;
use crate::rows::{self, ORGANIZATION_COLUMNS};
use crate::{PgStore, now, people};

#[async_trait]
impl OrganizationStore for PgStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(|e| self.unavailable(&e))?;
        Ok(())
    }

    async fn needs_setup(&self) -> StoreResult<bool> {
        sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM organizations)")
            .fetch_one(&self.pool)
            .await
            .map_err(db_error)
    }

    async fn create_organization(
        &self,
        name: &OrganizationName,
        owner: NewPerson,
    ) -> StoreResult<(Organization, Person)> {
        let org = Organization { id: OrganizationId::new(), name: name.clone(), created_at: now() };
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        sqlx::query("INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(org.id.as_uuid())
            .bind(org.name.as_str())
            .bind(org.created_at)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        let person = people::insert_person(&mut tx, org.id, &owner, org.created_at).await?;
        tx.commit().await.map_err(db_error)?;
        Ok((org, person))
    }

    async fn organization(&self, org: OrganizationId) -> StoreResult<Organization> {
        let row = sqlx::query(&format!("SELECT {ORGANIZATION_COLUMNS} FROM organizations WHERE id = $1"))
            .bind(org.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?
            .ok_or(StoreError::NotFound("organization"))?;
        rows::organization(&row)
    }

    async fn first_organization(&self) -> StoreResult<Option<Organization>> {
        let row =
            sqlx::query(&format!("SELECT {ORGANIZATION_COLUMNS} FROM organizations ORDER BY created_at, id LIMIT 1"))
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error)?;
        row.as_ref().map(rows::organization).transpose()
    }

    async fn rename_organization(&self, org: OrganizationId, name: &OrganizationName) -> StoreResult<Organization> {
        let row =
            sqlx::query(&format!("UPDATE organizations SET name = $2 WHERE id = $1 RETURNING {ORGANIZATION_COLUMNS}"))
                .bind(org.as_uuid())
                .bind(name.as_str())
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error)?
                .ok_or(StoreError::NotFound("organization"))?;
        rows::organization(&row)
    }
}
