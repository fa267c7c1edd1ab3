use async_trait::async_trait;
use chorus_domain::{
    Client, ClientAccess, ClientChanges, ClientId, Cursor, NewClient, OfficeHours, OrganizationId, Page, PageRequest,
    PersonId,
};
use chorus_store::{ArchivedFilter, ClientQuery, ClientStore, StoreError, StoreResult};
use sqlx::{Postgres, QueryBuilder};

use crate::error::db_error;
use crate::rows::{self, CLIENT_COLUMNS, client_uuids};
use crate::{PgStore, now};

/// Sort and search key of a client: the lower-cased name, so that lists order the same way on SQLite and
/// PostgreSQL (the column is `COLLATE "C"`: plain byte order, no locale).
fn name_key(name: &str) -> String {
    name.to_lowercase()
}

/// A `LIKE` pattern matching `search` anywhere, with the wildcards a person might type taken literally.
fn contains_pattern(search: &str) -> String {
    let mut pattern = String::with_capacity(search.len() + 2);
    pattern.push('%');
    for c in search.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

fn office_hours_json(hours: &OfficeHours) -> StoreResult<serde_json::Value> {
    serde_json::to_value(hours).map_err(|e| StoreError::Other(format!("cannot encode office hours: {e}")))
}

#[async_trait]
impl ClientStore for PgStore {
    async fn create_client(
        &self,
        org: OrganizationId,
        client: NewClient,
        grant_to: Option<PersonId>,
    ) -> StoreResult<Client> {
        let now = now();
        let created = Client {
            id: ClientId::new(),
            organization_id: org,
            name: client.name,
            time_zone: client.time_zone,
            office_hours: client.office_hours,
            brand_notes: client.brand_notes,
            archived_at: None,
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        sqlx::query(
            "INSERT INTO clients (id, organization_id, name, name_key, time_zone, office_hours, brand_notes, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
        )
        .bind(created.id.as_uuid())
        .bind(org.as_uuid())
        .bind(created.name.as_str())
        .bind(name_key(created.name.as_str()))
        .bind(created.time_zone.name())
        .bind(office_hours_json(&created.office_hours)?)
        .bind(created.brand_notes.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        if let Some(person) = grant_to {
            let all_clients: bool =
                sqlx::query_scalar("SELECT all_clients FROM people WHERE organization_id = $1 AND id = $2")
                    .bind(org.as_uuid())
                    .bind(person.as_uuid())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_error)?
                    .ok_or(StoreError::NotFound("person"))?;
            if !all_clients {
                sqlx::query("INSERT INTO person_clients (person_id, client_id, organization_id) VALUES ($1, $2, $3)")
                    .bind(person.as_uuid())
                    .bind(created.id.as_uuid())
                    .bind(org.as_uuid())
                    .execute(&mut *tx)
                    .await
                    .map_err(db_error)?;
            }
        }
        tx.commit().await.map_err(db_error)?;
        Ok(created)
    }

    async fn client(&self, org: OrganizationId, id: ClientId) -> StoreResult<Client> {
        let row = sqlx::query(&format!("SELECT {CLIENT_COLUMNS} FROM clients WHERE organization_id = $1 AND id = $2"))
            .bind(org.as_uuid())
            .bind(id.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?
            .ok_or(StoreError::NotFound("client"))?;
        rows::client(&row)
    }

    async fn list_clients(
        &self,
        org: OrganizationId,
        query: &ClientQuery,
        page: &PageRequest,
    ) -> StoreResult<Page<Client>> {
        if matches!(&query.access, ClientAccess::Only(ids) if ids.is_empty()) {
            return Ok(Page { items: Vec::new(), next_cursor: None });
        }
        let mut sql =
            QueryBuilder::<Postgres>::new(format!("SELECT {CLIENT_COLUMNS} FROM clients WHERE organization_id = "));
        sql.push_bind(org.as_uuid());
        if let ClientAccess::Only(ids) = &query.access {
            sql.push(" AND id = ANY(");
            sql.push_bind(client_uuids(ids));
            sql.push(")");
        }
        match query.archived {
            ArchivedFilter::Active => {
                sql.push(" AND archived_at IS NULL");
            }
            ArchivedFilter::Archived => {
                sql.push(" AND archived_at IS NOT NULL");
            }
            ArchivedFilter::All => {}
        }
        if let Some(search) = query.search.as_deref().filter(|s| !s.is_empty()) {
            sql.push(" AND name_key LIKE ");
            sql.push_bind(contains_pattern(search));
            sql.push(" ESCAPE '\\'");
        }
        if let Some(after) = &page.after {
            sql.push(" AND (name_key, id) > (");
            sql.push_bind(after.key.clone());
            sql.push(", ");
            sql.push_bind(after.id);
            sql.push(")");
        }
        sql.push(" ORDER BY name_key, id LIMIT ");
        sql.push_bind(i64::from(page.limit) + 1);
        let rows = sql.build().fetch_all(&self.pool).await.map_err(db_error)?;
        let clients = rows.iter().map(rows::client).collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_overfetch(clients, page.limit, |c| Cursor { key: name_key(c.name.as_str()), id: c.id.as_uuid() }))
    }

    async fn update_client(&self, org: OrganizationId, id: ClientId, changes: ClientChanges) -> StoreResult<Client> {
        let office_hours = changes.office_hours.as_ref().map(office_hours_json).transpose()?;
        let row = sqlx::query(&format!(
            "UPDATE clients SET name = COALESCE($3, name), name_key = COALESCE($4, name_key), \
             time_zone = COALESCE($5, time_zone), office_hours = COALESCE($6, office_hours), \
             brand_notes = COALESCE($7, brand_notes), updated_at = $8 \
             WHERE organization_id = $1 AND id = $2 RETURNING {CLIENT_COLUMNS}"
        ))
        .bind(org.as_uuid())
        .bind(id.as_uuid())
        .bind(changes.name.as_ref().map(|n| n.as_str()))
        .bind(changes.name.as_ref().map(|n| name_key(n.as_str())))
        .bind(changes.time_zone.map(|z| z.name()))
        .bind(office_hours)
        .bind(changes.brand_notes.as_ref().map(|b| b.as_str()))
        .bind(now())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?
        .ok_or(StoreError::NotFound("client"))?;
        rows::client(&row)
    }

    async fn set_client_archived(&self, org: OrganizationId, id: ClientId, archived: bool) -> StoreResult<Client> {
        // Archiving twice keeps the first date; restoring clears it.
        let row = sqlx::query(&format!(
            "UPDATE clients SET archived_at = CASE WHEN $3 THEN COALESCE(archived_at, $4) ELSE NULL END, \
             updated_at = $4 WHERE organization_id = $1 AND id = $2 RETURNING {CLIENT_COLUMNS}"
        ))
        .bind(org.as_uuid())
        .bind(id.as_uuid())
        .bind(archived)
        .bind(now())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?
        .ok_or(StoreError::NotFound("client"))?;
        rows::client(&row)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_patterns_take_wildcards_literally() {
        assert_eq!(contains_pattern("Acme"), "%acme%");
        assert_eq!(contains_pattern("100%_\\"), "%100\\%\\_\\\\%");
    }
}
