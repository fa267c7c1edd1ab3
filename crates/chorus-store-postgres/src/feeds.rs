//! Feeds per client and the articles seen in each. Seen articles are keyed per feed, so recording one twice is
//! refused by the primary key: that is the dedupe, and it holds when two checks race.

use async_trait::async_trait;
use chorus_domain::feed::MAX_CONSECUTIVE_FAILURES;
use chorus_domain::{
    ClientId, Feed, FeedCheck, FeedFields, FeedId, FeedItem, Network, NewFeedItem, OrganizationId, PersonId, PillarId,
};
use chorus_store::{FeedStore, StoreError, StoreResult};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::db_error;
use crate::{PgStore, now};

const FEED_COLUMNS: &str = "id, organization_id, client_id, name, url, networks, pillar_id, template, \
    check_interval_minutes, first_items, paused, pause_reason, consecutive_failures, last_checked_at, last_result, \
    last_failed, next_check_at, created_by, created_at";

#[derive(sqlx::FromRow)]
struct FeedRow {
    id: Uuid,
    organization_id: Uuid,
    client_id: Uuid,
    name: String,
    url: String,
    networks: String,
    pillar_id: Option<Uuid>,
    template: String,
    check_interval_minutes: i32,
    first_items: i32,
    paused: bool,
    pause_reason: String,
    consecutive_failures: i32,
    last_checked_at: Option<DateTime<Utc>>,
    last_result: String,
    last_failed: bool,
    next_check_at: DateTime<Utc>,
    created_by: Uuid,
    created_at: DateTime<Utc>,
}

fn count(what: &str, value: i32) -> StoreResult<u32> {
    u32::try_from(value).map_err(|_| StoreError::Corrupt(format!("a feed's {what} of {value}")))
}

impl FeedRow {
    fn into_domain(self) -> StoreResult<Feed> {
        let networks = self
            .networks
            .split(';')
            .filter(|n| !n.is_empty())
            .map(|n| n.parse::<Network>().map_err(|_| StoreError::Corrupt(format!("a feed's network '{n}'"))))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Feed {
            id: FeedId::from_uuid(self.id),
            organization_id: OrganizationId::from_uuid(self.organization_id),
            client_id: ClientId::from_uuid(self.client_id),
            name: self.name,
            url: self.url,
            networks,
            pillar_id: self.pillar_id.map(PillarId::from_uuid),
            template: self.template,
            check_interval_minutes: count("interval", self.check_interval_minutes)?,
            first_items: count("first items", self.first_items)?,
            paused: self.paused,
            pause_reason: self.pause_reason,
            consecutive_failures: count("failures", self.consecutive_failures)?,
            last_checked_at: self.last_checked_at,
            last_result: self.last_result,
            last_failed: self.last_failed,
            next_check_at: self.next_check_at,
            created_by: PersonId::from_uuid(self.created_by),
            created_at: self.created_at,
        })
    }
}

fn to_i32(value: u32) -> StoreResult<i32> {
    i32::try_from(value).map_err(|_| StoreError::Other(format!("{value} is too large to store")))
}

fn networks_column(networks: &[Network]) -> String {
    networks.iter().map(|n| n.as_str()).collect::<Vec<_>>().join(";")
}

/// A second feed at the same address for the client.
fn url_taken(e: StoreError) -> StoreError {
    match e {
        StoreError::Conflict { .. } => {
            StoreError::Conflict { field: "url", message: "this client already has a feed at that address".to_string() }
        }
        other => other,
    }
}

impl PgStore {
    async fn check_pillar(&self, org: OrganizationId, client: ClientId, pillar: Option<PillarId>) -> StoreResult<()> {
        let Some(pillar) = pillar else { return Ok(()) };
        let found: Option<i32> =
            sqlx::query_scalar("SELECT 1 FROM pillars WHERE id = $1 AND client_id = $2 AND organization_id = $3")
                .bind(pillar.as_uuid())
                .bind(client.as_uuid())
                .bind(org.as_uuid())
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error)?;
        found.map(|_| ()).ok_or(StoreError::NotFound("pillar"))
    }
}

#[async_trait]
impl FeedStore for PgStore {
    async fn create_feed(
        &self,
        org: OrganizationId,
        client: ClientId,
        fields: &FeedFields,
        by: PersonId,
    ) -> StoreResult<Feed> {
        self.check_client(org, client).await?;
        self.check_pillar(org, client, fields.pillar_id).await?;
        let id = FeedId::new();
        let created_at = now();
        sqlx::query(
            "INSERT INTO feeds (id, organization_id, client_id, name, url, networks, pillar_id, template, \
             check_interval_minutes, first_items, next_check_at, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(id.as_uuid())
        .bind(org.as_uuid())
        .bind(client.as_uuid())
        .bind(fields.name.as_str())
        .bind(fields.url.as_str())
        .bind(networks_column(&fields.networks))
        .bind(fields.pillar_id.map(|p| p.as_uuid()))
        .bind(fields.template.as_str())
        .bind(to_i32(fields.check_interval_minutes)?)
        .bind(to_i32(fields.first_items)?)
        .bind(created_at)
        .bind(by.as_uuid())
        .bind(created_at)
        .execute(&self.pool)
        .await
        .map_err(|e| url_taken(db_error(e)))?;
        self.feed(org, id).await
    }

    async fn feed(&self, org: OrganizationId, id: FeedId) -> StoreResult<Feed> {
        let sql = format!("SELECT {FEED_COLUMNS} FROM feeds WHERE id = $1 AND organization_id = $2");
        let row = sqlx::query_as::<_, FeedRow>(&sql)
            .bind(id.as_uuid())
            .bind(org.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        row.ok_or(StoreError::NotFound("feed"))?.into_domain()
    }

    async fn list_feeds(&self, org: OrganizationId, client: ClientId) -> StoreResult<Vec<Feed>> {
        let sql = format!("SELECT {FEED_COLUMNS} FROM feeds WHERE organization_id = $1 AND client_id = $2 ORDER BY id");
        let rows = sqlx::query_as::<_, FeedRow>(&sql)
            .bind(org.as_uuid())
            .bind(client.as_uuid())
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        if rows.is_empty() {
            self.check_client(org, client).await?;
        }
        rows.into_iter().map(FeedRow::into_domain).collect()
    }

    async fn update_feed(&self, org: OrganizationId, id: FeedId, fields: &FeedFields) -> StoreResult<Feed> {
        let current = self.feed(org, id).await?;
        self.check_pillar(org, current.client_id, fields.pillar_id).await?;
        sqlx::query(
            "UPDATE feeds SET name = $1, url = $2, networks = $3, pillar_id = $4, template = $5, \
             check_interval_minutes = $6, first_items = $7 WHERE id = $8 AND organization_id = $9",
        )
        .bind(fields.name.as_str())
        .bind(fields.url.as_str())
        .bind(networks_column(&fields.networks))
        .bind(fields.pillar_id.map(|p| p.as_uuid()))
        .bind(fields.template.as_str())
        .bind(to_i32(fields.check_interval_minutes)?)
        .bind(to_i32(fields.first_items)?)
        .bind(id.as_uuid())
        .bind(org.as_uuid())
        .execute(&self.pool)
        .await
        .map_err(|e| url_taken(db_error(e)))?;
        self.feed(org, id).await
    }

    async fn set_feed_paused(
        &self,
        org: OrganizationId,
        id: FeedId,
        paused: bool,
        reason: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Feed> {
        let done = if paused {
            sqlx::query("UPDATE feeds SET paused = true, pause_reason = $1 WHERE id = $2 AND organization_id = $3")
                .bind(reason)
                .bind(id.as_uuid())
                .bind(org.as_uuid())
                .execute(&self.pool)
                .await
        } else {
            sqlx::query(
                "UPDATE feeds SET paused = false, pause_reason = '', consecutive_failures = 0, next_check_at = $1 \
                 WHERE id = $2 AND organization_id = $3",
            )
            .bind(now)
            .bind(id.as_uuid())
            .bind(org.as_uuid())
            .execute(&self.pool)
            .await
        }
        .map_err(db_error)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("feed"));
        }
        self.feed(org, id).await
    }

    async fn delete_feed(&self, org: OrganizationId, id: FeedId) -> StoreResult<()> {
        let deleted = sqlx::query("DELETE FROM feeds WHERE id = $1 AND organization_id = $2")
            .bind(id.as_uuid())
            .bind(org.as_uuid())
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        if deleted.rows_affected() == 0 {
            return Err(StoreError::NotFound("feed"));
        }
        Ok(())
    }

    async fn claim_due_feeds(
        &self,
        now: DateTime<Utc>,
        hold_until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<Feed>> {
        let sql = format!(
            "UPDATE feeds SET next_check_at = $1 WHERE id IN \
             (SELECT id FROM feeds WHERE NOT paused AND next_check_at <= $2 ORDER BY next_check_at LIMIT $3 FOR UPDATE SKIP LOCKED) \
             RETURNING {FEED_COLUMNS}"
        );
        let rows = sqlx::query_as::<_, FeedRow>(&sql)
            .bind(hold_until)
            .bind(now)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        rows.into_iter().map(FeedRow::into_domain).collect()
    }

    async fn record_feed_check(&self, org: OrganizationId, id: FeedId, check: &FeedCheck) -> StoreResult<Feed> {
        let feed = self.feed(org, id).await?;
        let failures = if check.failed { feed.consecutive_failures.saturating_add(1) } else { 0 };
        let pause = check.failed && failures >= MAX_CONSECUTIVE_FAILURES;
        let reason = if pause {
            format!("paused after {failures} failed checks in a row; the last: {}", check.result)
        } else {
            feed.pause_reason.clone()
        };
        sqlx::query(
            "UPDATE feeds SET last_checked_at = $1, last_result = $2, last_failed = $3, consecutive_failures = $4, \
             next_check_at = $5, paused = (paused OR $6), pause_reason = $7 WHERE id = $8 AND organization_id = $9",
        )
        .bind(check.at)
        .bind(check.result.as_str())
        .bind(check.failed)
        .bind(to_i32(failures)?)
        .bind(check.at + feed.interval())
        .bind(pause)
        .bind(reason)
        .bind(id.as_uuid())
        .bind(org.as_uuid())
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        self.feed(org, id).await
    }

    async fn claim_feed_items(
        &self,
        org: OrganizationId,
        id: FeedId,
        items: &[NewFeedItem],
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<String>> {
        self.feed(org, id).await?;
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        let mut claimed = Vec::new();
        for item in items {
            let inserted: Option<String> = sqlx::query_scalar(
                "INSERT INTO feed_items (feed_id, organization_id, key, title, link, published_at, drafted, seen_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (feed_id, key) DO NOTHING RETURNING key",
            )
            .bind(id.as_uuid())
            .bind(org.as_uuid())
            .bind(item.key.as_str())
            .bind(item.title.as_str())
            .bind(item.link.as_str())
            .bind(item.published_at)
            .bind(item.drafted)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_error)?;
            claimed.extend(inserted);
        }
        tx.commit().await.map_err(db_error)?;
        Ok(claimed)
    }

    async fn forget_feed_items(&self, org: OrganizationId, id: FeedId, keys: &[String]) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        for key in keys {
            sqlx::query("DELETE FROM feed_items WHERE feed_id = $1 AND organization_id = $2 AND key = $3")
                .bind(id.as_uuid())
                .bind(org.as_uuid())
                .bind(key.as_str())
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
        }
        tx.commit().await.map_err(db_error)?;
        Ok(())
    }

    async fn feed_items(&self, org: OrganizationId, id: FeedId, limit: u32) -> StoreResult<Vec<FeedItem>> {
        self.feed(org, id).await?;
        let rows: Vec<(String, String, String, Option<DateTime<Utc>>, bool, DateTime<Utc>)> = sqlx::query_as(
            "SELECT key, title, link, published_at, drafted, seen_at FROM feed_items \
             WHERE feed_id = $1 AND organization_id = $2 ORDER BY seen_at DESC, published_at DESC, key LIMIT $3",
        )
        .bind(id.as_uuid())
        .bind(org.as_uuid())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(rows
            .into_iter()
            .map(|(key, title, link, published_at, drafted, seen_at)| FeedItem {
                key,
                title,
                link,
                published_at,
                seen_at,
                drafted,
            })
            .collect())
    }
}
