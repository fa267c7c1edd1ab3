//! The background job queue.
//!
//! A claim is one `UPDATE … WHERE id = (SELECT … LIMIT 1) RETURNING …` statement: SQLite runs a statement
//! under its single write lock, so two workers can never pick the same row. A claimed job carries a lease
//! (`locked_by`, `locked_until`); a worker that dies lets it run out and the job becomes claimable again.

use std::time::Duration;

use async_trait::async_trait;
use chorus_domain::JobId;
use chorus_store::{Job, JobCounts, JobStore, NewJob, StoreError, StoreResult};
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteQueryResult;

use crate::rows::{self, JOB_COLUMNS, JobRow};
use crate::{SqliteStore, now};

/// A job is claimable when it is alive, due and nobody holds a lease on it.
const CLAIMABLE: &str = "dead_at IS NULL AND run_at <= ? AND (locked_until IS NULL OR locked_until < ?)";

/// Changes by a worker must come from the worker holding the job: one whose lease ran out and was
/// overtaken must not complete or reschedule a job another worker now runs.
fn held(result: SqliteQueryResult) -> StoreResult<()> {
    if result.rows_affected() == 0 { Err(StoreError::NotFound("job")) } else { Ok(()) }
}

#[async_trait]
impl JobStore for SqliteStore {
    async fn enqueue_job(&self, job: &NewJob) -> StoreResult<JobId> {
        let id = JobId::new();
        let payload =
            serde_json::to_string(&job.payload).map_err(|e| StoreError::Other(format!("job payload: {e}")))?;
        sqlx::query(
            "INSERT INTO jobs (id, kind, payload, attempts, max_attempts, run_at, created_at) \
             VALUES (?, ?, ?, 0, ?, ?, ?)",
        )
        .bind(id.as_uuid())
        .bind(&job.kind)
        .bind(payload)
        .bind(i64::from(job.max_attempts))
        .bind(job.run_at)
        .bind(now())
        .execute(&self.pool)
        .await
        .map_err(self.err())?;
        // `notify_one` keeps a permit when nobody waits yet, so a worker about to wait still sees this job.
        self.jobs_enqueued.notify_one();
        Ok(id)
    }

    async fn claim_job(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<Option<Job>> {
        let sql = format!(
            "UPDATE jobs SET locked_by = ?, locked_until = ?, attempts = attempts + 1 \
             WHERE id = (SELECT id FROM jobs WHERE {CLAIMABLE} ORDER BY run_at, id LIMIT 1) \
             RETURNING {JOB_COLUMNS}"
        );
        sqlx::query_as::<_, JobRow>(&sql)
            .bind(worker)
            .bind(lease_until)
            .bind(now)
            .bind(now)
            .fetch_optional(&self.pool)
            .await
            .map_err(self.err())?
            .map(JobRow::into_domain)
            .transpose()
    }

    async fn complete_job(&self, id: JobId, worker: &str) -> StoreResult<()> {
        let result = sqlx::query("DELETE FROM jobs WHERE id = ? AND locked_by = ?")
            .bind(id.as_uuid())
            .bind(worker)
            .execute(&self.pool)
            .await
            .map_err(self.err())?;
        held(result)
    }

    async fn fail_job(&self, id: JobId, worker: &str, error: &str, run_at: Option<DateTime<Utc>>) -> StoreResult<()> {
        let result = match run_at {
            Some(run_at) => sqlx::query(
                "UPDATE jobs SET locked_by = NULL, locked_until = NULL, run_at = ?, last_error = ? \
                 WHERE id = ? AND locked_by = ?",
            )
            .bind(run_at),
            None => sqlx::query(
                "UPDATE jobs SET locked_by = NULL, locked_until = NULL, dead_at = ?, last_error = ? \
                 WHERE id = ? AND locked_by = ?",
            )
            .bind(now()),
        }
        .bind(error)
        .bind(id.as_uuid())
        .bind(worker)
        .execute(&self.pool)
        .await
        .map_err(self.err())?;
        held(result)
    }

    async fn release_job(&self, id: JobId, worker: &str) -> StoreResult<()> {
        let result = sqlx::query(
            "UPDATE jobs SET locked_by = NULL, locked_until = NULL, attempts = max(attempts - 1, 0) \
             WHERE id = ? AND locked_by = ?",
        )
        .bind(id.as_uuid())
        .bind(worker)
        .execute(&self.pool)
        .await
        .map_err(self.err())?;
        held(result)
    }

    async fn job_counts(&self, now: DateTime<Utc>) -> StoreResult<JobCounts> {
        // "Running" means a lease still valid at `now`; a job whose lease ran out counts as ready (or
        // scheduled) again, exactly as `claim_job` sees it.
        let (ready, scheduled, running, dead): (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT \
               coalesce(sum(dead_at IS NULL AND (locked_until IS NULL OR locked_until < ?1) AND run_at <= ?1), 0), \
               coalesce(sum(dead_at IS NULL AND (locked_until IS NULL OR locked_until < ?1) AND run_at > ?1), 0), \
               coalesce(sum(dead_at IS NULL AND locked_until >= ?1), 0), \
               coalesce(sum(dead_at IS NOT NULL), 0) \
             FROM jobs",
        )
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(self.err())?;
        let count = |n: i64| u64::try_from(n).unwrap_or_default();
        Ok(JobCounts { ready: count(ready), scheduled: count(scheduled), running: count(running), dead: count(dead) })
    }

    async fn dead_jobs(&self, limit: u32) -> StoreResult<Vec<Job>> {
        let sql =
            format!("SELECT {JOB_COLUMNS} FROM jobs WHERE dead_at IS NOT NULL ORDER BY dead_at DESC, id DESC LIMIT ?");
        let rows =
            sqlx::query_as::<_, JobRow>(&sql).bind(i64::from(limit)).fetch_all(&self.pool).await.map_err(self.err())?;
        rows::all(rows, JobRow::into_domain)
    }

    async fn wait_for_jobs(&self, timeout: Duration) {
        // Only enqueues through this process wake us; the timeout covers other processes and scheduled jobs
        // coming due.
        let _ = tokio::time::timeout(timeout, self.jobs_enqueued.notified()).await;
    }
}
