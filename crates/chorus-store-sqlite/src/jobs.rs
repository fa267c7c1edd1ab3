//! The background job queue.
//!
//! A claim is one `UPDATE … WHERE id = (SELECT … LIMIT 1) RETURNING …` statement: SQLite runs a statement
//! under its single write lock, so two workers can never pick the same row. A claimed job carries a lease
//! (`locked_by`, `locked_until`); a worker that dies lets it run out and the job becomes claimable again —
//! unless that was its last attempt, then it is buried. A running job's worker extends its lease with
//! heartbeats. A job's optional unique key is held by a partial unique index while the job is alive.

use std::time::Duration;

use async_trait::async_trait;
use chorus_domain::JobId;
use chorus_store::{Job, JobCounts, JobStore, LAST_ATTEMPT_LOST, NewJob, StoreError, StoreResult};
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteQueryResult;
use uuid::Uuid;

use crate::rows::{self, JOB_COLUMNS, JobRow};
use crate::{SqliteStore, now};

/// A job is claimable when it is alive, due and nobody holds a lease on it. An expired lease on the last
/// allowed attempt does not count: that job is buried ([`LAST_ATTEMPT_LOST`]), not run again.
const CLAIMABLE: &str = "dead_at IS NULL AND run_at <= ? \
     AND (locked_until IS NULL OR (locked_until < ? AND attempts < max_attempts))";

/// How many times an enqueue with a unique key tries again when the job holding the key finished between
/// the refused insert and the look-up of its id. Each retry needs another job to finish in that instant.
const ENQUEUE_TRIES: usize = 3;

/// Changes by a worker must come from the worker holding the job: one whose lease ran out and was
/// overtaken must not complete or reschedule a job another worker now runs.
fn held(result: SqliteQueryResult) -> StoreResult<()> {
    if result.rows_affected() == 0 { Err(StoreError::NotFound("job")) } else { Ok(()) }
}

#[async_trait]
impl JobStore for SqliteStore {
    async fn enqueue_job(&self, job: &NewJob) -> StoreResult<JobId> {
        let payload =
            serde_json::to_string(&job.payload).map_err(|e| StoreError::Other(format!("job payload: {e}")))?;
        for _ in 0..ENQUEUE_TRIES {
            let id = JobId::new();
            // The only conflict possible is the live-key index (the id is fresh): the key is taken.
            let inserted: Option<Uuid> = sqlx::query_scalar(
                "INSERT INTO jobs (id, kind, payload, attempts, max_attempts, run_at, created_at, unique_key) \
                 VALUES (?, ?, ?, 0, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
            )
            .bind(id.as_uuid())
            .bind(&job.kind)
            .bind(&payload)
            .bind(i64::from(job.max_attempts))
            .bind(job.run_at)
            .bind(now())
            .bind(job.unique_key.as_deref())
            .fetch_optional(&self.pool)
            .await
            .map_err(self.err())?;
            if inserted.is_some() {
                // `notify_one` keeps a permit when nobody waits yet, so a worker about to wait still sees this job.
                self.jobs_enqueued.notify_one();
                return Ok(id);
            }
            let Some(key) = job.unique_key.as_deref() else {
                return Err(StoreError::Other("a job without a unique key was refused as a duplicate".into()));
            };
            let live: Option<Uuid> = sqlx::query_scalar("SELECT id FROM jobs WHERE unique_key = ? AND dead_at IS NULL")
                .bind(key)
                .fetch_optional(&self.pool)
                .await
                .map_err(self.err())?;
            if let Some(live) = live {
                return Ok(JobId::from_uuid(live));
            }
        }
        Err(StoreError::Conflict {
            field: "unique_key",
            message: "jobs with this key kept finishing while another was enqueued; try again".into(),
        })
    }

    async fn claim_job(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<Option<Job>> {
        // Buries jobs whose worker stopped during their last attempt. `locked_by` stays, naming the worker
        // that had it, and lets that worker still complete the job should it turn out to be alive after all.
        sqlx::query(
            "UPDATE jobs SET dead_at = ?1, last_error = ?2 \
             WHERE dead_at IS NULL AND locked_until < ?1 AND attempts >= max_attempts",
        )
        .bind(now)
        .bind(LAST_ATTEMPT_LOST)
        .execute(&self.pool)
        .await
        .map_err(self.err())?;
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

    async fn extend_lease(&self, id: JobId, worker: &str, attempt: u32, until: DateTime<Utc>) -> StoreResult<bool> {
        // The attempt tells two claims by the same worker apart: a worker whose lease ran out and that claimed
        // the job again must not extend the new claim from the old run.
        let result = sqlx::query(
            "UPDATE jobs SET locked_until = ? WHERE id = ? AND locked_by = ? AND attempts = ? AND dead_at IS NULL",
        )
        .bind(until)
        .bind(id.as_uuid())
        .bind(worker)
        .bind(i64::from(attempt))
        .execute(&self.pool)
        .await
        .map_err(self.err())?;
        Ok(result.rows_affected() > 0)
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
        self.count_jobs(None, now).await
    }

    async fn count_jobs_of_kind(&self, kind: &str, now: DateTime<Utc>) -> StoreResult<JobCounts> {
        self.count_jobs(Some(kind), now).await
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

impl SqliteStore {
    async fn count_jobs(&self, kind: Option<&str>, now: DateTime<Utc>) -> StoreResult<JobCounts> {
        let (ready, scheduled, running, dead): (i64, i64, i64, i64) =
            sqlx::query_as(&format!("SELECT {COUNTS} FROM jobs WHERE ?2 IS NULL OR kind = ?2"))
                .bind(now)
                .bind(kind)
                .fetch_one(&self.pool)
                .await
                .map_err(self.err())?;
        let count = |n: i64| u64::try_from(n).unwrap_or_default();
        Ok(JobCounts { ready: count(ready), scheduled: count(scheduled), running: count(running), dead: count(dead) })
    }
}

/// Each job in one state at `?1`, exactly as `claim_job` sees it: "running" is a lease still valid; a lease
/// that ran out makes the job ready (or scheduled) again, or dead when it was the last attempt.
const COUNTS: &str = "\
    coalesce(sum(dead_at IS NULL AND (locked_until IS NULL OR (locked_until < ?1 AND attempts < max_attempts)) \
                 AND run_at <= ?1), 0), \
    coalesce(sum(dead_at IS NULL AND (locked_until IS NULL OR (locked_until < ?1 AND attempts < max_attempts)) \
                 AND run_at > ?1), 0), \
    coalesce(sum(dead_at IS NULL AND locked_until >= ?1), 0), \
    coalesce(sum(dead_at IS NOT NULL OR (locked_until < ?1 AND attempts >= max_attempts)), 0)";

impl SqliteStore {
    /// Enqueues `job` on `conn`, inside the caller's transaction: the job exists exactly when the change that
    /// needs it commits. A queued job (alive, held by no worker) with the same unique key is replaced, so its
    /// time moves; one a worker holds keeps the key, and this is `Conflict { field: "job" }`. The caller wakes
    /// the workers after committing ([`SqliteStore::jobs_committed`]).
    pub(crate) async fn replace_job_in(&self, conn: &mut sqlx::SqliteConnection, job: &NewJob) -> StoreResult<JobId> {
        let payload =
            serde_json::to_string(&job.payload).map_err(|e| StoreError::Other(format!("job payload: {e}")))?;
        if let Some(key) = job.unique_key.as_deref() {
            sqlx::query("DELETE FROM jobs WHERE unique_key = ? AND dead_at IS NULL AND locked_until IS NULL")
                .bind(key)
                .execute(&mut *conn)
                .await
                .map_err(self.err())?;
        }
        let id = JobId::new();
        let inserted: Option<Uuid> = sqlx::query_scalar(
            "INSERT INTO jobs (id, kind, payload, attempts, max_attempts, run_at, created_at, unique_key) \
             VALUES (?, ?, ?, 0, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(id.as_uuid())
        .bind(&job.kind)
        .bind(&payload)
        .bind(i64::from(job.max_attempts))
        .bind(job.run_at)
        .bind(now())
        .bind(job.unique_key.as_deref())
        .fetch_optional(&mut *conn)
        .await
        .map_err(self.err())?;
        match inserted {
            Some(_) => Ok(id),
            None => Err(StoreError::Conflict {
                field: "job",
                message: "it is being worked on right now; try again in a moment".into(),
            }),
        }
    }

    /// Deletes the queued jobs (alive, held by no worker) with these unique keys on `conn`, inside the
    /// caller's transaction.
    pub(crate) async fn cancel_jobs_in(&self, conn: &mut sqlx::SqliteConnection, keys: &[String]) -> StoreResult<u64> {
        let mut deleted = 0;
        for key in keys {
            deleted +=
                sqlx::query("DELETE FROM jobs WHERE unique_key = ? AND dead_at IS NULL AND locked_until IS NULL")
                    .bind(key)
                    .execute(&mut *conn)
                    .await
                    .map_err(self.err())?
                    .rows_affected();
        }
        Ok(deleted)
    }

    /// Wakes a waiting worker after a transaction that enqueued jobs committed.
    pub(crate) fn jobs_committed(&self) {
        self.jobs_enqueued.notify_one();
    }
}
