//! The job queue. Several processes may claim from it at once: a claim locks its row with `FOR UPDATE SKIP
//! LOCKED`, so two workers never take the same job and neither waits for the other.

use std::time::Duration;

use async_trait::async_trait;
use chorus_domain::JobId;
use chorus_store::{Job, JobCounts, JobStore, NewJob, StoreError, StoreResult};
use chrono::{DateTime, Utc};
use sqlx::postgres::PgQueryResult;

use crate::error::db_error;
use crate::listener::CHANNEL;
use crate::rows::{self, JOB_COLUMNS};
use crate::{PgStore, now};

/// A job the worker no longer holds (its lease ran out and another worker took it, or it is gone).
fn held(result: PgQueryResult) -> StoreResult<()> {
    if result.rows_affected() == 0 { Err(StoreError::NotFound("job")) } else { Ok(()) }
}

#[async_trait]
impl JobStore for PgStore {
    async fn enqueue_job(&self, job: &NewJob) -> StoreResult<JobId> {
        let id = JobId::new();
        // One statement, so the notification is sent exactly when the job becomes visible: PostgreSQL
        // delivers NOTIFY at commit.
        sqlx::query(&format!(
            "WITH inserted AS ( \
                 INSERT INTO jobs (id, kind, payload, attempts, max_attempts, run_at, created_at) \
                 VALUES ($1, $2, $3, 0, $4, $5, $6) RETURNING id) \
             SELECT pg_notify('{CHANNEL}', id::text) FROM inserted"
        ))
        .bind(id.as_uuid())
        .bind(&job.kind)
        .bind(&job.payload)
        .bind(i32::try_from(job.max_attempts).unwrap_or(i32::MAX))
        .bind(job.run_at)
        .bind(now())
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(id)
    }

    async fn claim_job(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<Option<Job>> {
        let row = sqlx::query(&format!(
            "UPDATE jobs SET attempts = attempts + 1, locked_by = $1, locked_until = $3 \
             WHERE id = ( \
                 SELECT id FROM jobs \
                 WHERE dead_at IS NULL AND run_at <= $2 AND (locked_until IS NULL OR locked_until < $2) \
                 ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) \
             RETURNING {JOB_COLUMNS}"
        ))
        .bind(worker)
        .bind(now)
        .bind(lease_until)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?;
        row.as_ref().map(rows::job).transpose()
    }

    async fn complete_job(&self, id: JobId, worker: &str) -> StoreResult<()> {
        let result = sqlx::query("DELETE FROM jobs WHERE id = $1 AND locked_by = $2")
            .bind(id.as_uuid())
            .bind(worker)
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        held(result)
    }

    async fn fail_job(&self, id: JobId, worker: &str, error: &str, run_at: Option<DateTime<Utc>>) -> StoreResult<()> {
        let result = match run_at {
            Some(run_at) => {
                sqlx::query(
                    "UPDATE jobs SET locked_by = NULL, locked_until = NULL, run_at = $3, last_error = $4 \
                     WHERE id = $1 AND locked_by = $2",
                )
                .bind(id.as_uuid())
                .bind(worker)
                .bind(run_at)
                .bind(error)
                .execute(&self.pool)
                .await
            }
            None => {
                sqlx::query(
                    "UPDATE jobs SET locked_by = NULL, locked_until = NULL, dead_at = $3, last_error = $4 \
                     WHERE id = $1 AND locked_by = $2",
                )
                .bind(id.as_uuid())
                .bind(worker)
                .bind(now())
                .bind(error)
                .execute(&self.pool)
                .await
            }
        }
        .map_err(db_error)?;
        held(result)
    }

    async fn release_job(&self, id: JobId, worker: &str) -> StoreResult<()> {
        let result = sqlx::query(
            "UPDATE jobs SET locked_by = NULL, locked_until = NULL, attempts = GREATEST(attempts - 1, 0) \
             WHERE id = $1 AND locked_by = $2",
        )
        .bind(id.as_uuid())
        .bind(worker)
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        held(result)
    }

    async fn job_counts(&self, now: DateTime<Utc>) -> StoreResult<JobCounts> {
        // "Running" is a lease that has not run out; an expired lease counts as waiting again, exactly as
        // `claim_job` sees it.
        let (ready, scheduled, running, dead): (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT \
                 count(*) FILTER (WHERE dead_at IS NULL AND (locked_until IS NULL OR locked_until < $1) \
                                  AND run_at <= $1), \
                 count(*) FILTER (WHERE dead_at IS NULL AND (locked_until IS NULL OR locked_until < $1) \
                                  AND run_at > $1), \
                 count(*) FILTER (WHERE dead_at IS NULL AND locked_until >= $1), \
                 count(*) FILTER (WHERE dead_at IS NOT NULL) \
             FROM jobs",
        )
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(JobCounts {
            ready: ready.unsigned_abs(),
            scheduled: scheduled.unsigned_abs(),
            running: running.unsigned_abs(),
            dead: dead.unsigned_abs(),
        })
    }

    /// The most recently buried first.
    async fn dead_jobs(&self, limit: u32) -> StoreResult<Vec<Job>> {
        let rows = sqlx::query(&format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE dead_at IS NOT NULL ORDER BY dead_at DESC, id DESC LIMIT $1"
        ))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter().map(rows::job).collect()
    }

    async fn wait_for_jobs(&self, timeout: Duration) {
        self.jobs_signal.wait(timeout).await;
    }
}
