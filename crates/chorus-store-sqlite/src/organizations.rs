//! Organizations: the tenants. Created together with their first owner.

use async_trait::async_trait;
use chorus_domain::{Organization, OrganizationId, OrganizationName, Person};
use chorus_store::{Backend, NewPerson, OrganizationStore, StoreError, StoreResult};

use crate::rows::{ORGANIZATION_COLUMNS, OrganizationRow};
use crate::{SqliteStore, now};

#[async_trait]
impl OrganizationStore for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(self.err())?;
        Ok(())
    }

    async fn needs_setup(&self) -> StoreResult<bool> {
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM organizations)")
            .fetch_one(&self.pool)
            .await
            .map_err(self.err())?;
        Ok(!exists)
    }

    async fn create_organization(
        &self,
        name: &OrganizationName,
        owner: NewPerson,
    ) -> StoreResult<(Organization, Person)> {
        let organization = Organization { id: OrganizationId::new(), name: name.clone(), created_at: now() };
        let mut tx = self.write_tx().await?;
        sqlx::query("INSERT INTO organizations (id, name, created_at) VALUES (?, ?, ?)")
            .bind(organization.id.as_uuid())
            .bind(organization.name.as_str())
            .bind(organization.created_at)
            .execute(&mut *tx)
            .await
            .map_err(self.err())?;
        let person = self.insert_person(&mut tx, organization.id, owner).await?;
        tx.commit().await.map_err(self.err())?;
        Ok((organization, person))
    }

    async fn organization(&self, org: OrganizationId) -> StoreResult<Organization> {
        let sql = format!("SELECT {ORGANIZATION_COLUMNS} FROM organizations WHERE id = ?");
        sqlx::query_as::<_, OrganizationRow>(&sql)
            .bind(org.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(self.err())?
            .ok_or(StoreError::NotFound("organization"))?
            .into_domain()
    }

    async fn first_organization(&self) -> StoreResult<Option<Organization>> {
        let sql = format!("SELECT {ORGANIZATION_COLUMNS} FROM organizations ORDER BY created_at, id LIMIT 1");
        sqlx::query_as::<_, OrganizationRow>(&sql)
            .fetch_optional(&self.pool)
            .await
            .map_err(self.err())?
            .map(OrganizationRow::into_domain)
            .transpose()
    }

    async fn rename_organization(&self, org: OrganizationId, name: &OrganizationName) -> StoreResult<Organization> {
        let sql = format!("UPDATE organizations SET name = ? WHERE id = ? RETURNING {ORGANIZATION_COLUMNS}");
        sqlx::query_as::<_, OrganizationRow>(&sql)
            .bind(name.as_str())
            .bind(org.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(self.err())?
            .ok_or(StoreError::NotFound("organization"))?
            .into_domain()
    }
}
