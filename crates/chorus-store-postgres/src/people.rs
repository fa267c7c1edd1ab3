use async_trait::async_trait;
use chorus_domain::{ClientAccess, Cursor, Email, OrganizationId, Page, PageRequest, Person, PersonId};
use chorus_store::{Credentials, NewPerson, PeopleQuery, PeopleStore, PersonChanges, StoreError, StoreResult};
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, Postgres, QueryBuilder};

use crate::error::{db_error, email_taken};
use crate::rows::{self, PERSON_COLUMNS, client_uuids};
use crate::{PgStore, now};

/// Sort key of a person: the lower-cased name, so that lists order the same way on SQLite and PostgreSQL.
fn name_key(name: &str) -> String {
    name.to_lowercase()
}

/// Inserts a person and their client access; shared by `create_person`, `create_organization` and
/// `accept_invitation`, which each run it inside their own transaction.
pub(crate) async fn insert_person(
    conn: &mut PgConnection,
    org: OrganizationId,
    person: &NewPerson,
    now: DateTime<Utc>,
) -> StoreResult<Person> {
    let id = PersonId::new();
    sqlx::query(
        "INSERT INTO people (id, organization_id, email, name, name_key, role, all_clients, password_hash, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
    )
    .bind(id.as_uuid())
    .bind(org.as_uuid())
    .bind(person.email.as_str())
    .bind(person.name.as_str())
    .bind(name_key(person.name.as_str()))
    .bind(person.role.as_str())
    .bind(person.client_access == ClientAccess::All)
    .bind(person.password_hash.as_deref())
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(email_taken(&person.email))?;
    set_client_access(conn, org, id, &person.client_access).await?;
    Ok(Person {
        id,
        organization_id: org,
        email: person.email.clone(),
        name: person.name.clone(),
        role: person.role,
        client_access: person.client_access.clone(),
        deactivated_at: None,
        created_at: now,
    })
}

/// Replaces the `person_clients` rows of a person. Every client must belong to `org`: a client of another
/// organization is reported as not found, like any client the caller cannot see.
async fn set_client_access(
    conn: &mut PgConnection,
    org: OrganizationId,
    person: PersonId,
    access: &ClientAccess,
) -> StoreResult<()> {
    sqlx::query("DELETE FROM person_clients WHERE person_id = $1")
        .bind(person.as_uuid())
        .execute(&mut *conn)
        .await
        .map_err(db_error)?;
    let ClientAccess::Only(ids) = access else { return Ok(()) };
    if ids.is_empty() {
        return Ok(());
    }
    let inserted = sqlx::query(
        "INSERT INTO person_clients (person_id, client_id, organization_id) \
         SELECT $1, c.id, c.organization_id FROM clients c WHERE c.organization_id = $2 AND c.id = ANY($3)",
    )
    .bind(person.as_uuid())
    .bind(org.as_uuid())
    .bind(client_uuids(ids))
    .execute(&mut *conn)
    .await
    .map_err(db_error)?;
    if inserted.rows_affected() != ids.len() as u64 {
        return Err(StoreError::NotFound("client"));
    }
    Ok(())
}

/// One person of `org`, read on `conn` so that a transaction sees its own changes.
async fn fetch_person(conn: &mut PgConnection, org: OrganizationId, id: PersonId) -> StoreResult<Person> {
    let row = sqlx::query(&format!("SELECT {PERSON_COLUMNS} FROM people p WHERE p.organization_id = $1 AND p.id = $2"))
        .bind(org.as_uuid())
        .bind(id.as_uuid())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_error)?
        .ok_or(StoreError::NotFound("person"))?;
    rows::person(&row)
}

#[async_trait]
impl PeopleStore for PgStore {
    async fn create_person(&self, org: OrganizationId, person: NewPerson) -> StoreResult<Person> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        let created = insert_person(&mut tx, org, &person, now()).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(created)
    }

    async fn person(&self, org: OrganizationId, id: PersonId) -> StoreResult<Person> {
        let mut conn = self.pool.acquire().await.map_err(db_error)?;
        fetch_person(&mut conn, org, id).await
    }

    async fn list_people(
        &self,
        org: OrganizationId,
        query: &PeopleQuery,
        page: &PageRequest,
    ) -> StoreResult<Page<Person>> {
        let mut sql =
            QueryBuilder::<Postgres>::new(format!("SELECT {PERSON_COLUMNS} FROM people p WHERE p.organization_id = "));
        sql.push_bind(org.as_uuid());
        if !query.include_deactivated {
            sql.push(" AND p.deactivated_at IS NULL");
        }
        // Staff are always listed; a client user only when the viewer may see their client.
        match &query.client_users_of {
            ClientAccess::All => {}
            ClientAccess::Only(ids) if ids.is_empty() => {
                sql.push(" AND p.role <> 'client'");
            }
            // A client user shows only when they have a client and every client they have is allowed.
            ClientAccess::Only(ids) => {
                sql.push(
                    " AND (p.role <> 'client' OR (\
                     EXISTS (SELECT 1 FROM person_clients pc WHERE pc.person_id = p.id) AND \
                     NOT EXISTS (SELECT 1 FROM person_clients pc WHERE pc.person_id = p.id AND pc.client_id <> ALL(",
                );
                sql.push_bind(client_uuids(ids));
                sql.push("))))");
            }
        }
        if let Some(after) = &page.after {
            sql.push(" AND (p.name_key, p.id) > (");
            sql.push_bind(after.key.clone());
            sql.push(", ");
            sql.push_bind(after.id);
            sql.push(")");
        }
        sql.push(" ORDER BY p.name_key, p.id LIMIT ");
        sql.push_bind(i64::from(page.limit) + 1);
        let rows = sql.build().fetch_all(&self.pool).await.map_err(db_error)?;
        let people = rows.iter().map(rows::person).collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_overfetch(people, page.limit, |p| Cursor { key: name_key(p.name.as_str()), id: p.id.as_uuid() }))
    }

    async fn update_person(&self, org: OrganizationId, id: PersonId, changes: PersonChanges) -> StoreResult<Person> {
        let now = now();
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        // Deactivating someone already deactivated keeps the first date, like archiving a client.
        let updated = sqlx::query(
            "UPDATE people SET name = COALESCE($3, name), name_key = COALESCE($4, name_key), \
             role = COALESCE($5, role), all_clients = COALESCE($6, all_clients), \
             deactivated_at = CASE WHEN $7::boolean IS NULL THEN deactivated_at \
                                   WHEN $7 THEN COALESCE(deactivated_at, $8) ELSE NULL END, \
             updated_at = $8 \
             WHERE organization_id = $1 AND id = $2",
        )
        .bind(org.as_uuid())
        .bind(id.as_uuid())
        .bind(changes.name.as_ref().map(|n| n.as_str()))
        .bind(changes.name.as_ref().map(|n| name_key(n.as_str())))
        .bind(changes.role.map(|r| r.as_str()))
        .bind(changes.client_access.as_ref().map(|a| *a == ClientAccess::All))
        .bind(changes.deactivated)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound("person"));
        }
        if let Some(access) = &changes.client_access {
            set_client_access(&mut tx, org, id, access).await?;
        }
        let person = fetch_person(&mut tx, org, id).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(person)
    }

    async fn count_active_owners(&self, org: OrganizationId) -> StoreResult<u64> {
        let count: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM people WHERE organization_id = $1 AND role = 'owner' AND deactivated_at IS NULL",
        )
        .bind(org.as_uuid())
        .fetch_one(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(count.unsigned_abs())
    }

    async fn credentials_by_email(&self, email: &Email) -> StoreResult<Option<Credentials>> {
        let row = sqlx::query(&format!("SELECT {PERSON_COLUMNS}, p.password_hash FROM people p WHERE p.email = $1"))
            .bind(email.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(Credentials { person: rows::person(&row)?, password_hash: rows::get(&row, "password_hash")? }))
    }

    async fn set_password_hash(&self, org: OrganizationId, id: PersonId, hash: &str) -> StoreResult<()> {
        let updated =
            sqlx::query("UPDATE people SET password_hash = $3, updated_at = $4 WHERE organization_id = $1 AND id = $2")
                .bind(org.as_uuid())
                .bind(id.as_uuid())
                .bind(hash)
                .bind(now())
                .execute(&self.pool)
                .await
                .map_err(db_error)?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound("person"));
        }
        Ok(())
    }
}
