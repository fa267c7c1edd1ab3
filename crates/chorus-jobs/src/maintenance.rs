//! Housekeeping Chorus schedules for itself.

use chorus_store::JobStore;
use chrono::{TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::job::{EnqueueError, Job, JobContext, JobError, enqueue, enqueue_keyed};

/// How often [`PurgeExpired`] runs.
pub const PURGE_INTERVAL: TimeDelta = TimeDelta::hours(1);
/// The unique key of the [`PurgeExpired`] that [`ensure_maintenance_scheduled`] enqueues, so that two
/// processes starting at once schedule one chain, not two.
pub const MAINTENANCE_KEY: &str = "maintenance:purge-expired";
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
/// Enqueues only when no `purge_expired` job is waiting or running, whatever else is queued, so a chain that
/// was lost (buried after failing for hours) comes back at the next start-up. The chain itself reschedules
/// without a key (its running job would hold the key), so the count, not the key, tells whether it is alive;
/// the key only keeps two processes that both found none from starting two chains.
pub async fn ensure_maintenance_scheduled<S: JobStore + ?Sized>(store: &S) -> Result<bool, EnqueueError> {
    let now = Utc::now();
    let counts = store.count_jobs_of_kind(PurgeExpired::KIND, now).await?;
    if counts.ready + counts.scheduled + counts.running > 0 {
        tracing::debug!(?counts, "the maintenance job is queued");
        return Ok(false);
    }
    enqueue_keyed(store, &PurgeExpired {}, now, Some(MAINTENANCE_KEY.to_owned())).await?;
    tracing::info!("scheduled the hourly maintenance job");
    Ok(true)
}
