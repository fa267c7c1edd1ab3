//! Housekeeping Chorus schedules for itself.

use chorus_store::JobStore;
use chrono::{TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::job::{EnqueueError, Job, JobContext, JobError, enqueue};

/// How often [`PurgeExpired`] runs.
pub const PURGE_INTERVAL: TimeDelta = TimeDelta::hours(1);
/// Failed sign-ins older than this no longer count towards a lockout, so they are deleted.
pub const SIGN_IN_FAILURE_RETENTION: TimeDelta = TimeDelta::days(1);

/// Deletes expired sessions and old failed sign-ins, then schedules its own next run an hour later.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PurgeExpired {}

impl Job for PurgeExpired {
    const KIND: &'static str = "purge_expired";
    // Burying this job ends the hourly chain until the next start-up, so it keeps trying through a long
    // database outage: with the default backoff, 20 attempts span up to 11 hours (about 6 on average).
    const MAX_ATTEMPTS: u32 = 20;

    async fn run(self, ctx: &JobContext) -> Result<(), JobError> {
        let now = ctx.now();
        let store = ctx.store();
        let sessions = store.delete_expired_sessions(now).await?;
        let sign_in_failures = store.delete_sign_in_failures_before(now - SIGN_IN_FAILURE_RETENTION).await?;
        tracing::info!(sessions, sign_in_failures, "purged expired data");

        // Last, so a retry after a failure above does not schedule a second copy. If this fails, the retry
        // purges again (harmless) and schedules the next run then.
        enqueue(store.as_ref(), &PurgeExpired {}, now + PURGE_INTERVAL).await.map_err(JobError::transient)?;
        Ok(())
    }
}

/// Makes sure the hourly [`PurgeExpired`] is scheduled; call once at start-up. Says whether it enqueued one.
///
/// The job store cannot yet tell which kinds of job are pending, so this enqueues only when no job at all is
/// waiting or running. That never adds a second copy while the hourly chain is alive, because its next run is
/// always queued. A chain that was lost (buried after failing for hours) comes back at the first start-up
/// with an otherwise empty queue.
pub async fn ensure_maintenance_scheduled<S: JobStore + ?Sized>(store: &S) -> Result<bool, EnqueueError> {
    let now = Utc::now();
    let counts = store.job_counts(now).await?;
    if counts.ready + counts.scheduled + counts.running > 0 {
        tracing::debug!(?counts, "jobs are queued; assuming the maintenance job is among them");
        return Ok(false);
    }
    enqueue(store, &PurgeExpired {}, now).await?;
    tracing::info!("scheduled the hourly maintenance job");
    Ok(true)
}
