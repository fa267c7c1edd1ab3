//! People: staff and client users. Which clients someone works on is `people.all_clients` plus one
//! `person_clients` row per client when that is false.

use std::collections::BTreeSet;

use async_trait::async_trait;
use chorus_domain::{ClientAccess, ClientId, Cursor, Email, OrganizationId, Page, PageRequest, Person, PersonId};
use chorus_store::{Credentials, NewPerson, PeopleQuery, PeopleStore, PersonChanges, StoreError, StoreResult};
use sqlx::{Executor, QueryBuilder, Sqlite, SqliteConnection};
use uuid::Uuid;

use crate::clients::name_key;
use crate::query::{push_ids, push_page};
use crate::rows::{self, CredentialsRow, PERSON_COLUMNS, PersonRow};
use crate::{SqliteStore, now};

/// Says which address is taken; the generic message cannot, as SQLite's error does not include the value.
fn email_taken(e: StoreError, email: &Email) -> StoreError {
    match e {
        StoreError::Conflict { field: "email", .. } => {
            StoreError::Conflict { field: "email", message: format!("someone already uses {email}") }
        }
        other => other,
    }
}

#[async_trait]
impl PeopleStore for SqliteStore {
    async fn create_person(&self, org: OrganizationId, person: NewPerson) -> StoreResult<Person> {
        let mut tx = self.write_tx().await?;
        let person = self.insert_person(&mut tx, org, person).await?;
        tx.commit().await.map_err(self.err())?;
        Ok(person)
    }

    async fn person(&self, org: OrganizationId, id: PersonId) -> StoreResult<Person> {
        self.load_person(&self.pool, org, id).await
    }

    async fn list_people(
        &self,
        org: OrganizationId,
        query: &PeopleQuery,
        page: &PageRequest,
    ) -> StoreResult<Page<Person>> {
        let mut qb =
            QueryBuilder::<Sqlite>::new(format!("SELECT {PERSON_COLUMNS} FROM people p WHERE p.organization_id = "));
        qb.push_bind(org.as_uuid());
        if !query.include_deactivated {
            qb.push(" AND p.deactivated_at IS NULL");
        }
        match &query.client_users_of {
            ClientAccess::All => {}
            ClientAccess::Only(ids) if ids.is_empty() => {
                qb.push(" AND p.role <> 'client'");
            }
            // A client user shows only when they have a client and every client they have is allowed.
            ClientAccess::Only(ids) => {
                qb.push(
                    " AND (p.role <> 'client' OR (\
                     EXISTS (SELECT 1 FROM person_clients pc WHERE pc.person_id = p.id) AND \
                     NOT EXISTS (SELECT 1 FROM person_clients pc WHERE pc.person_id = p.id AND pc.client_id NOT IN ",
                );
                push_ids(&mut qb, ids);
                qb.push(")))");
            }
        }
        push_page(&mut qb, "p.", page);
        let rows = qb.build_query_as::<PersonRow>().fetch_all(&self.pool).await.map_err(self.err())?;
        let people = rows::all(rows, PersonRow::into_domain)?;
        Ok(Page::from_overfetch(people, page.limit, |p| Cursor { key: name_key(p.name.as_str()), id: p.id.as_uuid() }))
    }

    async fn update_person(&self, org: OrganizationId, id: PersonId, changes: PersonChanges) -> StoreResult<Person> {
        let at = now();
        let mut tx = self.write_tx().await?;
        let updated = sqlx::query(
            "UPDATE people SET name = coalesce(?, name), name_key = coalesce(?, name_key), role = coalesce(?, role), \
             all_clients = coalesce(?, all_clients), \
             deactivated_at = CASE ? WHEN 1 THEN coalesce(deactivated_at, ?) WHEN 0 THEN NULL ELSE deactivated_at END, \
             updated_at = ? \
             WHERE id = ? AND organization_id = ?",
        )
        .bind(changes.name.as_ref().map(|n| n.as_str().to_string()))
        .bind(changes.name.as_ref().map(|n| name_key(n.as_str())))
        .bind(changes.role.map(|r| r.as_str()))
        .bind(changes.client_access.as_ref().map(|a| matches!(a, ClientAccess::All)))
        .bind(changes.deactivated)
        .bind(at)
        .bind(at)
        .bind(id.as_uuid())
        .bind(org.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(self.err())?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound("person"));
        }
        if let Some(access) = changes.client_access {
            sqlx::query("DELETE FROM person_clients WHERE person_id = ? AND organization_id = ?")
                .bind(id.as_uuid())
                .bind(org.as_uuid())
                .execute(&mut *tx)
                .await
                .map_err(self.err())?;
            if let ClientAccess::Only(ids) = access {
                self.grant_clients(&mut tx, org, id, ids).await?;
            }
        }
        let person = self.load_person(&mut *tx, org, id).await?;
        tx.commit().await.map_err(self.err())?;
        Ok(person)
    }

    async fn count_active_owners(&self, org: OrganizationId) -> StoreResult<u64> {
        let count: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM people WHERE organization_id = ? AND role = 'owner' AND deactivated_at IS NULL",
        )
        .bind(org.as_uuid())
        .fetch_one(&self.pool)
        .await
        .map_err(self.err())?;
        Ok(u64::try_from(count).unwrap_or_default())
    }

    async fn credentials_by_email(&self, email: &Email) -> StoreResult<Option<Credentials>> {
        let sql = format!("SELECT {PERSON_COLUMNS}, p.password_hash FROM people p WHERE p.email = ?");
        let Some(row) = sqlx::query_as::<_, CredentialsRow>(&sql)
            .bind(email.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(self.err())?
        else {
            return Ok(None);
        };
        Ok(Some(Credentials { person: row.person.into_domain()?, password_hash: row.password_hash }))
    }

    async fn set_password_hash(&self, org: OrganizationId, id: PersonId, hash: &str) -> StoreResult<()> {
        let updated =
            sqlx::query("UPDATE people SET password_hash = ?, updated_at = ? WHERE id = ? AND organization_id = ?")
                .bind(hash)
                .bind(now())
                .bind(id.as_uuid())
                .bind(org.as_uuid())
                .execute(&self.pool)
                .await
                .map_err(self.err())?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound("person"));
        }
        Ok(())
    }
}

impl SqliteStore {
    /// Inserts a person and the clients they work on; the caller's transaction makes it all or nothing.
    pub(crate) async fn insert_person(
        &self,
        conn: &mut SqliteConnection,
        org: OrganizationId,
        new: NewPerson,
    ) -> StoreResult<Person> {
        let created_at = now();
        let person = Person {
            id: PersonId::new(),
            organization_id: org,
            email: new.email,
            name: new.name,
            role: new.role,
            client_access: new.client_access,
            deactivated_at: None,
            created_at,
        };
        sqlx::query(
            "INSERT INTO people (id, organization_id, email, name, name_key, role, all_clients, password_hash, \
             created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(person.id.as_uuid())
        .bind(org.as_uuid())
        .bind(person.email.as_str())
        .bind(person.name.as_str())
        .bind(name_key(person.name.as_str()))
        .bind(person.role.as_str())
        .bind(matches!(person.client_access, ClientAccess::All))
        .bind(new.password_hash)
        .bind(created_at)
        .bind(created_at)
        .execute(&mut *conn)
        .await
        .map_err(|e| email_taken(crate::error::from_sqlx(e, &self.path), &person.email))?;
        if let ClientAccess::Only(ids) = &person.client_access {
            self.grant_clients(conn, org, person.id, ids.iter().copied()).await?;
        }
        Ok(person)
    }

    /// Adds `person_clients` rows. Each client must belong to `org`: an id from another organization fails
    /// with `NotFound` rather than granting anything across tenants.
    pub(crate) async fn grant_clients(
        &self,
        conn: &mut SqliteConnection,
        org: OrganizationId,
        person: PersonId,
        clients: impl IntoIterator<Item = ClientId>,
    ) -> StoreResult<()> {
        for client in clients {
            let inserted = sqlx::query(
                "INSERT INTO person_clients (person_id, client_id, organization_id) \
                 SELECT ?, id, organization_id FROM clients WHERE id = ? AND organization_id = ?",
            )
            .bind(person.as_uuid())
            .bind(client.as_uuid())
            .bind(org.as_uuid())
            .execute(&mut *conn)
            .await
            .map_err(self.err())?;
            if inserted.rows_affected() == 0 {
                return Err(StoreError::NotFound("client"));
            }
        }
        Ok(())
    }

    /// Those of `ids` that are clients of `org`.
    pub(crate) async fn existing_clients(
        &self,
        conn: &mut SqliteConnection,
        org: OrganizationId,
        ids: BTreeSet<ClientId>,
    ) -> StoreResult<BTreeSet<ClientId>> {
        if ids.is_empty() {
            return Ok(ids);
        }
        let mut qb = QueryBuilder::<Sqlite>::new("SELECT id FROM clients WHERE organization_id = ");
        qb.push_bind(org.as_uuid()).push(" AND id IN ");
        push_ids(&mut qb, &ids);
        let found: Vec<Uuid> = qb.build_query_scalar().fetch_all(&mut *conn).await.map_err(self.err())?;
        Ok(found.into_iter().map(ClientId::from_uuid).collect())
    }

    async fn load_person<'e, E>(&self, executor: E, org: OrganizationId, id: PersonId) -> StoreResult<Person>
    where
        E: Executor<'e, Database = Sqlite>,
    {
        let sql = format!("SELECT {PERSON_COLUMNS} FROM people p WHERE p.id = ? AND p.organization_id = ?");
        sqlx::query_as::<_, PersonRow>(&sql)
            .bind(id.as_uuid())
            .bind(org.as_uuid())
            .fetch_optional(executor)
            .await
            .map_err(self.err())?
            .ok_or(StoreError::NotFound("person"))?
            .into_domain()
    }
}
