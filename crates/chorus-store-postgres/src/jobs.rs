//! The job queue. Several processes may claim from it at once: a claim locks its row with `FOR UPDATE SKIP
//! LOCKED`, so two workers never take the same job and neither waits for the other. A claim is a lease that
//! the running worker extends with heartbeats; a lease that ran out on the job's last attempt buries the job.
//! A job's optional unique key is held by a partial unique index while the job is alive.

use std::time::Duration;

use async_trait::async_trait;
use chorus_domain::JobId;
use chorus_store::{Job, JobCounts, JobStore, LAST_ATTEMPT_LOST, NewJob, StoreError, StoreResult};
use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::postgres::PgQueryResult;
use uuid::Uuid;

use crate::error::db_error;
use crate::listener::CHANNEL;
use crate::rows::{self, JOB_COLUMNS};
use crate::{PgStore, now};

/// How many times an enqueue with a unique key tries again when the job holding the key finished between
/// the refused insert and the look-up of its id. Each retry needs another job to finish in that instant.
const ENQUEUE_TRIES: usize = 3;

/// A job the worker no longer holds (its lease ran out and another worker took it, or it is gone).
fn held(result: PgQueryResult) -> StoreResult<()> {
    if result.rows_affected() == 0 { Err(StoreError::NotFound("job")) } else { Ok(()) }
}

#[async_trait]
impl JobStore for PgStore {
    async fn enqueue_job(&self, job: &NewJob) -> StoreResult<JobId> {
        for _ in 0..ENQUEUE_TRIES {
            let id = JobId::new();
            // One statement, so the notification is sent exactly when the job becomes visible: PostgreSQL
            // delivers NOTIFY at commit. The only conflict possible is the live-key index (the id is fresh): a
            // second enqueue racing the first waits for it to commit, then inserts nothing.
            let inserted = sqlx::query(&format!(
                "WITH inserted AS ( \
                     INSERT INTO jobs (id, kind, payload, attempts, max_attempts, run_at, created_at, unique_key) \
                     VALUES ($1, $2, $3, 0, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id) \
                 SELECT id, pg_notify('{CHANNEL}', id::text) FROM inserted"
            ))
            .bind(id.as_uuid())
            .bind(&job.kind)
            .bind(&job.payload)
            .bind(i32::try_from(job.max_attempts).unwrap_or(i32::MAX))
            .bind(job.run_at)
            .bind(now())
            .bind(job.unique_key.as_deref())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
            if inserted.is_some() {
                return Ok(id);
            }
            let Some(key) = job.unique_key.as_deref() else {
                return Err(StoreError::Other("a job without a unique key was refused as a duplicate".into()));
            };
            let live = sqlx::query("SELECT id FROM jobs WHERE unique_key = $1 AND dead_at IS NULL")
                .bind(key)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error)?;
            if let Some(row) = live {
                let live: Uuid = row.try_get("id").map_err(db_error)?;
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
        // Rows a concurrent claim has locked are skipped: they are being claimed, so not expired.
        sqlx::query(
            "UPDATE jobs SET dead_at = $1, last_error = $2 \
             WHERE id IN ( \
                 SELECT id FROM jobs \
                 WHERE dead_at IS NULL AND locked_until < $1 AND attempts >= max_attempts \
                 FOR UPDATE SKIP LOCKED)",
        )
        .bind(now)
        .bind(LAST_ATTEMPT_LOST)
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        // An expired lease on the last attempt is not claimable, even between that burial and this claim.
        let row = sqlx::query(&format!(
            "UPDATE jobs SET attempts = attempts + 1, locked_by = $1, locked_until = $3 \
             WHERE id = ( \
                 SELECT id FROM jobs \
                 WHERE dead_at IS NULL AND run_at <= $2 \
                   AND (locked_until IS NULL OR (locked_until < $2 AND attempts < max_attempts)) \
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

    async fn extend_lease(&self, id: JobId, worker: &str, attempt: u32, until: DateTime<Utc>) -> StoreResult<bool> {
        // The attempt tells two claims by the same worker apart: a worker whose lease ran out and that claimed
        // the job again must not extend the new claim from the old run.
        let result = sqlx::query(
            "UPDATE jobs SET locked_until = $4 \
             WHERE id = $1 AND locked_by = $2 AND attempts = $3 AND dead_at IS NULL",
        )
        .bind(id.as_uuid())
        .bind(worker)
        .bind(i32::try_from(attempt).unwrap_or(i32::MAX))
        .bind(until)
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(result.rows_affected() > 0)
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
        self.count_jobs(None, now).await
    }

    async fn count_jobs_of_kind(&self, kind: &str, now: DateTime<Utc>) -> StoreResult<JobCounts> {
        self.count_jobs(Some(kind), now).await
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

impl PgStore {
    async fn count_jobs(&self, kind: Option<&str>, now: DateTime<Utc>) -> StoreResult<JobCounts> {
        // Each job in one state at `now`, exactly as `claim_job` sees it: "running" is a lease that has not
        // run out; an expired lease makes the job waiting again, or dead when it was the last attempt.
        let (ready, scheduled, running, dead): (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT \
                 count(*) FILTER (WHERE dead_at IS NULL AND run_at <= $1 \
                     AND (locked_until IS NULL OR (locked_until < $1 AND attempts < max_attempts))), \
                 count(*) FILTER (WHERE dead_at IS NULL AND run_at > $1 \
                     AND (locked_until IS NULL OR (locked_until < $1 AND attempts < max_attempts))), \
                 count(*) FILTER (WHERE dead_at IS NULL AND locked_until >= $1), \
                 count(*) FILTER (WHERE dead_at IS NOT NULL OR (locked_until < $1 AND attempts >= max_attempts)) \
             FROM jobs WHERE $2::text IS NULL OR kind = $2",
        )
        .bind(now)
        .bind(kind)
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
}

impl PgStore {
    /// Enqueues `job` on `conn`, inside the caller's transaction: the job exists exactly when the change that
    /// needs it commits, and so does its wake-up (PostgreSQL delivers NOTIFY at commit). A queued job (alive,
    /// held by no worker) with the same unique key is replaced, so its time moves; one a worker holds keeps the
    /// key, and this is `Conflict { field: "job" }`.
    pub(crate) async fn replace_job_in(&self, conn: &mut sqlx::PgConnection, job: &NewJob) -> StoreResult<JobId> {
        if let Some(key) = job.unique_key.as_deref() {
            sqlx::query("DELETE FROM jobs WHERE unique_key = $1 AND dead_at IS NULL AND locked_until IS NULL")
                .bind(key)
                .execute(&mut *conn)
                .await
                .map_err(db_error)?;
        }
        let id = JobId::new();
        let inserted = sqlx::query(&format!(
            "WITH inserted AS ( \
                 INSERT INTO jobs (id, kind, payload, attempts, max_attempts, run_at, created_at, unique_key) \
                 VALUES ($1, $2, $3, 0, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id) \
             SELECT id, pg_notify('{CHANNEL}', id::text) FROM inserted"
        ))
        .bind(id.as_uuid())
        .bind(&job.kind)
        .bind(&job.payload)
        .bind(i32::try_from(job.max_attempts).unwrap_or(i32::MAX))
        .bind(job.run_at)
        .bind(now())
        .bind(job.unique_key.as_deref())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_error)?;
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
    pub(crate) async fn cancel_jobs_in(&self, conn: &mut sqlx::PgConnection, keys: &[String]) -> StoreResult<u64> {
        let result =
            sqlx::query("DELETE FROM jobs WHERE unique_key = ANY($1) AND dead_at IS NULL AND locked_until IS NULL")
                .bind(keys)
                .execute(&mut *conn)
                .await
                .map_err(db_error)?;
        Ok(result.rows_affected())
    }
}
