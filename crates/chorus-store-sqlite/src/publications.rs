//! Publications: when and where each variant of a post goes out. Scheduling is one `write_tx`, which holds
//! SQLite's write lock from its first statement: the revision, account and state checks, the rows and the
//! jobs that publish them all commit together or not at all.

use std::collections::HashMap;

use async_trait::async_trait;
use chorus_domain::{AccountId, ClientId, Network, OrganizationId, PostId, VariantId};
use chorus_store::{
    NewJob, PublicationColumns, PublicationPlan, PublicationRecord, PublicationStore, StoreError, StoreResult,
    publish_job_key,
};
use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use uuid::Uuid;

use crate::{SqliteStore, now};

const PUBLICATION_COLUMNS: &str = "p.variant_id, p.post_id, p.client_id, p.account_id, p.network, p.state, \
    p.scheduled_at, p.attempt, p.remote_id, p.url, p.reason, p.changed_at";

#[derive(sqlx::FromRow)]
struct PublicationRow {
    variant_id: Uuid,
    post_id: Uuid,
    client_id: Uuid,
    account_id: Uuid,
    network: String,
    state: String,
    scheduled_at: DateTime<Utc>,
    attempt: i64,
    remote_id: String,
    url: String,
    reason: String,
    changed_at: DateTime<Utc>,
}

impl PublicationRow {
    fn into_record(self) -> StoreResult<PublicationRecord> {
        let corrupt = |what: String| StoreError::Corrupt(format!("a publication's {what}"));
        let columns = PublicationColumns {
            state: PublicationColumns::state_name(&self.state)
                .ok_or_else(|| corrupt(format!("state {}", self.state)))?,
            scheduled_at: self.scheduled_at,
            attempt: self.attempt,
            remote_id: self.remote_id,
            url: self.url,
            reason: self.reason,
            changed_at: self.changed_at,
        };
        Ok(PublicationRecord {
            variant_id: VariantId::from_uuid(self.variant_id),
            post_id: PostId::from_uuid(self.post_id),
            client_id: ClientId::from_uuid(self.client_id),
            account_id: AccountId::from_uuid(self.account_id),
            network: self.network.parse().map_err(|_| corrupt(format!("network {}", self.network)))?,
            publication: columns.publication().map_err(corrupt)?,
            changed_at: columns.changed_at,
        })
    }
}

impl SqliteStore {
    async fn post_publications(
        &self,
        conn: &mut SqliteConnection,
        org: OrganizationId,
        post: PostId,
    ) -> StoreResult<Vec<PublicationRecord>> {
        let sql = format!(
            "SELECT {PUBLICATION_COLUMNS} FROM publications p JOIN variants v ON v.id = p.variant_id \
             WHERE p.organization_id = ? AND p.post_id = ? ORDER BY v.position"
        );
        sqlx::query_as::<_, PublicationRow>(&sql)
            .bind(org.as_uuid())
            .bind(post.as_uuid())
            .fetch_all(&mut *conn)
            .await
            .map_err(self.err())?
            .into_iter()
            .map(PublicationRow::into_record)
            .collect()
    }

    async fn post_exists(&self, conn: &mut SqliteConnection, org: OrganizationId, post: PostId) -> StoreResult<()> {
        let found: Option<Uuid> = sqlx::query_scalar("SELECT id FROM posts WHERE id = ? AND organization_id = ?")
            .bind(post.as_uuid())
            .bind(org.as_uuid())
            .fetch_optional(&mut *conn)
            .await
            .map_err(self.err())?;
        found.map(|_| ()).ok_or(StoreError::NotFound("post"))
    }
}

#[async_trait]
impl PublicationStore for SqliteStore {
    async fn schedule_post(
        &self,
        org: OrganizationId,
        post: PostId,
        expected_revision: u32,
        plans: &[PublicationPlan],
        jobs: &[NewJob],
    ) -> StoreResult<Vec<PublicationRecord>> {
        let mut tx = self.write_tx().await?;
        let (client, revision): (Uuid, i64) =
            sqlx::query_as("SELECT client_id, revision FROM posts WHERE id = ? AND organization_id = ?")
                .bind(post.as_uuid())
                .bind(org.as_uuid())
                .fetch_optional(&mut *tx)
                .await
                .map_err(self.err())?
                .ok_or(StoreError::NotFound("post"))?;
        if revision != i64::from(expected_revision) {
            return Err(StoreError::Conflict {
                field: "revision",
                message: format!(
                    "someone else saved this post since you opened it (now revision {revision}); reload before \
                     scheduling it"
                ),
            });
        }
        let variants: HashMap<Uuid, String> = sqlx::query_as::<_, (Uuid, String)>(
            "SELECT id, network FROM variants WHERE post_id = ? AND organization_id = ?",
        )
        .bind(post.as_uuid())
        .bind(org.as_uuid())
        .fetch_all(&mut *tx)
        .await
        .map_err(self.err())?
        .into_iter()
        .collect();
        let existing: HashMap<Uuid, String> =
            sqlx::query_as::<_, (Uuid, String)>("SELECT variant_id, state FROM publications WHERE post_id = ?")
                .bind(post.as_uuid())
                .fetch_all(&mut *tx)
                .await
                .map_err(self.err())?
                .into_iter()
                .collect();
        let at = now();
        for plan in plans {
            let network = variants.get(&plan.variant_id.as_uuid()).ok_or(StoreError::NotFound("variant"))?;
            let network_name = network.parse::<Network>().map(|n| n.display_name()).unwrap_or(network.as_str());
            if let Some(state) = existing.get(&plan.variant_id.as_uuid())
                && (state == "publishing" || state == "published")
            {
                return Err(StoreError::Conflict {
                    field: "publication",
                    message: format!("the {network_name} version is already {state} and cannot be scheduled again"),
                });
            }
            let account: Option<(String, String, String)> = sqlx::query_as(
                "SELECT network, status, handle FROM accounts WHERE id = ? AND organization_id = ? AND client_id = ?",
            )
            .bind(plan.account_id.as_uuid())
            .bind(org.as_uuid())
            .bind(client)
            .fetch_optional(&mut *tx)
            .await
            .map_err(self.err())?;
            let (account_network, status, handle) = account.ok_or(StoreError::NotFound("account"))?;
            if account_network != *network {
                return Err(StoreError::Conflict {
                    field: "account",
                    message: format!("the account {handle} is not a {network_name} account"),
                });
            }
            if status != "connected" {
                return Err(StoreError::Conflict {
                    field: "account",
                    message: format!(
                        "the {network_name} account {handle} is {}; connect it again first",
                        status.replace('_', " ")
                    ),
                });
            }
            let c = PublicationColumns::of(&plan.publication, at);
            sqlx::query(
                "INSERT INTO publications (variant_id, post_id, organization_id, client_id, account_id, network, \
                 state, scheduled_at, attempt, remote_id, url, reason, changed_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
                 ON CONFLICT (variant_id) DO UPDATE SET account_id = excluded.account_id, state = excluded.state, \
                 scheduled_at = excluded.scheduled_at, attempt = excluded.attempt, remote_id = excluded.remote_id, \
                 url = excluded.url, reason = excluded.reason, changed_at = excluded.changed_at",
            )
            .bind(plan.variant_id.as_uuid())
            .bind(post.as_uuid())
            .bind(org.as_uuid())
            .bind(client)
            .bind(plan.account_id.as_uuid())
            .bind(network)
            .bind(c.state)
            .bind(c.scheduled_at)
            .bind(c.attempt)
            .bind(&c.remote_id)
            .bind(&c.url)
            .bind(&c.reason)
            .bind(c.changed_at)
            .execute(&mut *tx)
            .await
            .map_err(self.err())?;
        }
        for job in jobs {
            self.replace_job_in(&mut tx, job).await?;
        }
        let publications = self.post_publications(&mut tx, org, post).await?;
        tx.commit().await.map_err(self.err())?;
        if !jobs.is_empty() {
            self.jobs_committed();
        }
        Ok(publications)
    }

    async fn publications(&self, org: OrganizationId, post: PostId) -> StoreResult<Vec<PublicationRecord>> {
        let mut conn = self.pool.acquire().await.map_err(self.err())?;
        self.post_exists(&mut conn, org, post).await?;
        self.post_publications(&mut conn, org, post).await
    }

    async fn scheduled_between(
        &self,
        org: OrganizationId,
        client: Option<ClientId>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<PublicationRecord>> {
        let mut qb = QueryBuilder::<Sqlite>::new(format!(
            "SELECT {PUBLICATION_COLUMNS} FROM publications p WHERE p.organization_id = "
        ));
        qb.push_bind(org.as_uuid());
        if let Some(client) = client {
            qb.push(" AND p.client_id = ").push_bind(client.as_uuid());
        }
        qb.push(" AND p.scheduled_at >= ").push_bind(from);
        qb.push(" AND p.scheduled_at < ").push_bind(to);
        qb.push(" ORDER BY p.scheduled_at, p.variant_id");
        qb.build_query_as::<PublicationRow>()
            .fetch_all(&self.pool)
            .await
            .map_err(self.err())?
            .into_iter()
            .map(PublicationRow::into_record)
            .collect()
    }

    async fn unschedule_post(&self, org: OrganizationId, post: PostId) -> StoreResult<Vec<PublicationRecord>> {
        let mut tx = self.write_tx().await?;
        self.post_exists(&mut tx, org, post).await?;
        let taken: Vec<Uuid> = sqlx::query_scalar(
            "DELETE FROM publications WHERE organization_id = ? AND post_id = ? AND state IN ('scheduled', 'paused') \
             RETURNING variant_id",
        )
        .bind(org.as_uuid())
        .bind(post.as_uuid())
        .fetch_all(&mut *tx)
        .await
        .map_err(self.err())?;
        let keys: Vec<String> = taken.into_iter().map(|v| publish_job_key(VariantId::from_uuid(v))).collect();
        self.cancel_jobs_in(&mut tx, &keys).await?;
        let left = self.post_publications(&mut tx, org, post).await?;
        tx.commit().await.map_err(self.err())?;
        Ok(left)
    }
}
