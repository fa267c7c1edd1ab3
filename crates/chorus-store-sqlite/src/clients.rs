//! Clients: the brands an organization manages.

use async_trait::async_trait;
use chorus_domain::{
    Client, ClientAccess, ClientChanges, ClientId, Cursor, NewClient, OrganizationId, Page, PageRequest, PersonId,
};
use chorus_store::{ArchivedFilter, ClientQuery, ClientStore, StoreError, StoreResult};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use crate::query::{contains_pattern, push_ids, push_page};
use crate::rows::{self, CLIENT_COLUMNS, ClientRow};
use crate::{SqliteStore, now};

/// The sort key of a name: what `name_key` holds, so lists order alike on every engine and locale.
pub(crate) fn name_key(name: &str) -> String {
    name.to_lowercase()
}

fn office_hours_json(client: &Client) -> StoreResult<String> {
    serde_json::to_string(&client.office_hours).map_err(|e| StoreError::Other(format!("office hours: {e}")))
}

#[async_trait]
impl ClientStore for SqliteStore {
    async fn create_client(
        &self,
        org: OrganizationId,
        client: NewClient,
        grant_to: Option<PersonId>,
    ) -> StoreResult<Client> {
        let created_at = now();
        let client = Client {
            id: ClientId::new(),
            organization_id: org,
            name: client.name,
            time_zone: client.time_zone,
            office_hours: client.office_hours,
            brand_notes: client.brand_notes,
            archived_at: None,
            created_at,
            updated_at: created_at,
        };
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO clients (id, organization_id, name, name_key, time_zone, office_hours, brand_notes, \
             created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(client.id.as_uuid())
        .bind(org.as_uuid())
        .bind(client.name.as_str())
        .bind(name_key(client.name.as_str()))
        .bind(client.time_zone.name())
        .bind(office_hours_json(&client)?)
        .bind(client.brand_notes.as_str())
        .bind(client.created_at)
        .bind(client.updated_at)
        .execute(&mut *tx)
        .await
        .map_err(self.err())?;
        if let Some(person) = grant_to {
            self.grant_new_client(&mut tx, org, person, client.id).await?;
        }
        tx.commit().await.map_err(self.err())?;
        Ok(client)
    }

    async fn client(&self, org: OrganizationId, id: ClientId) -> StoreResult<Client> {
        let sql = format!("SELECT {CLIENT_COLUMNS} FROM clients WHERE id = ? AND organization_id = ?");
        sqlx::query_as::<_, ClientRow>(&sql)
            .bind(id.as_uuid())
            .bind(org.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(self.err())?
            .ok_or(StoreError::NotFound("client"))?
            .into_domain()
    }

    async fn list_clients(
        &self,
        org: OrganizationId,
        query: &ClientQuery,
        page: &PageRequest,
    ) -> StoreResult<Page<Client>> {
        let mut qb =
            QueryBuilder::<Sqlite>::new(format!("SELECT {CLIENT_COLUMNS} FROM clients WHERE organization_id = "));
        qb.push_bind(org.as_uuid());
        match query.archived {
            ArchivedFilter::Active => qb.push(" AND archived_at IS NULL"),
            ArchivedFilter::Archived => qb.push(" AND archived_at IS NOT NULL"),
            ArchivedFilter::All => &mut qb,
        };
        if let ClientAccess::Only(ids) = &query.access {
            if ids.is_empty() {
                return Ok(Page { items: Vec::new(), next_cursor: None });
            }
            qb.push(" AND id IN ");
            push_ids(&mut qb, ids);
        }
        if let Some(search) = query.search.as_deref().filter(|s| !s.is_empty()) {
            qb.push(" AND name_key LIKE ").push_bind(contains_pattern(search)).push(" ESCAPE '\\'");
        }
        push_page(&mut qb, "", page);
        let rows = qb.build_query_as::<ClientRow>().fetch_all(&self.pool).await.map_err(self.err())?;
        let clients = rows::all(rows, ClientRow::into_domain)?;
        Ok(Page::from_overfetch(clients, page.limit, |c| Cursor { key: name_key(c.name.as_str()), id: c.id.as_uuid() }))
    }

    async fn update_client(&self, org: OrganizationId, id: ClientId, changes: ClientChanges) -> StoreResult<Client> {
        let office_hours = changes
            .office_hours
            .map(|h| serde_json::to_string(&h))
            .transpose()
            .map_err(|e| StoreError::Other(format!("office hours: {e}")))?;
        // One statement, so two concurrent edits of different fields cannot undo each other.
        let sql = format!(
            "UPDATE clients SET name = coalesce(?, name), name_key = coalesce(?, name_key), \
             time_zone = coalesce(?, time_zone), office_hours = coalesce(?, office_hours), \
             brand_notes = coalesce(?, brand_notes), updated_at = ? \
             WHERE id = ? AND organization_id = ? RETURNING {CLIENT_COLUMNS}"
        );
        sqlx::query_as::<_, ClientRow>(&sql)
            .bind(changes.name.as_ref().map(|n| n.as_str().to_string()))
            .bind(changes.name.as_ref().map(|n| name_key(n.as_str())))
            .bind(changes.time_zone.map(|z| z.name()))
            .bind(office_hours)
            .bind(changes.brand_notes.map(String::from))
            .bind(now())
            .bind(id.as_uuid())
            .bind(org.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(self.err())?
            .ok_or(StoreError::NotFound("client"))?
            .into_domain()
    }

    async fn set_client_archived(&self, org: OrganizationId, id: ClientId, archived: bool) -> StoreResult<Client> {
        // Archiving again keeps the first date: it says since when the client has been archived.
        let sql = format!(
            "UPDATE clients SET archived_at = CASE WHEN ? THEN coalesce(archived_at, ?) END, updated_at = ? \
             WHERE id = ? AND organization_id = ? RETURNING {CLIENT_COLUMNS}"
        );
        let at = now();
        sqlx::query_as::<_, ClientRow>(&sql)
            .bind(archived)
            .bind(at)
            .bind(at)
            .bind(id.as_uuid())
            .bind(org.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(self.err())?
            .ok_or(StoreError::NotFound("client"))?
            .into_domain()
    }
}

impl SqliteStore {
    /// Lets `person` work on a client just created, unless they work on every client anyway.
    async fn grant_new_client(
        &self,
        conn: &mut SqliteConnection,
        org: OrganizationId,
        person: PersonId,
        client: ClientId,
    ) -> StoreResult<()> {
        let all_clients: Option<bool> =
            sqlx::query_scalar("SELECT all_clients FROM people WHERE id = ? AND organization_id = ?")
                .bind(person.as_uuid())
                .bind(org.as_uuid())
                .fetch_optional(&mut *conn)
                .await
                .map_err(self.err())?;
        match all_clients {
            None => Err(StoreError::NotFound("person")),
            Some(true) => Ok(()),
            Some(false) => self.grant_clients(conn, org, person, [client]).await,
        }
    }
}
