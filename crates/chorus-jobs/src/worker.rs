use std::any::Any;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chorus_store::{Store, StoreResult};
use chrono::{DateTime, Utc};
use rand::Rng;
use tokio::sync::Semaphore;
use tokio::task::{JoinError, JoinSet};
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, Span};

use crate::clock::{Clock, SystemClock, after};
use crate::extensions::Extensions;
use crate::job::{JobContext, JobError, Registry};

/// Retries never come sooner than this (unless the backoff ceiling itself is lower), so a failing job cannot
/// spin, and its retry time is distinct from "now" at any timestamp precision a database keeps.
const MIN_RETRY_DELAY: Duration = Duration::from_secs(1);

/// Heartbeats never come more often than this, however short the lease, so they cannot flood the database.
const MIN_HEARTBEAT_INTERVAL: Duration = Duration::from_millis(10);

/// How a [`Worker`] behaves. The defaults suit production; tests shorten the durations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerConfig {
    /// Jobs run at the same time.
    pub concurrency: usize,
    /// How long a claimed job stays reserved for this worker without news from it. While the handler runs,
    /// the worker extends the lease every third of it (a heartbeat), so a slow job keeps its lease; if the
    /// worker dies, the heartbeats stop and the job becomes due again once the lease runs out.
    pub lease: Duration,
    /// How long an idle worker waits before looking for due jobs again (PostgreSQL wakes it sooner when a job
    /// is enqueued).
    pub poll_interval: Duration,
    /// How long shutdown waits for running jobs before aborting them and returning them to the queue.
    pub grace_period: Duration,
    /// Retry `n` waits a random time of up to `backoff_base * 2^(n-1)`...
    pub backoff_base: Duration,
    /// ...but never more than this.
    pub backoff_cap: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            concurrency: 4,
            lease: Duration::from_secs(5 * 60),
            poll_interval: Duration::from_secs(5),
            grace_period: Duration::from_secs(30),
            backoff_base: Duration::from_secs(10),
            backoff_cap: Duration::from_secs(60 * 60),
        }
    }
}

/// Takes jobs off the queue and runs their handlers.
///
/// Several workers, in one process or many, can share a queue: the store hands each job to one of them at a
/// time. Cloning a worker is cheap and gives the same worker (same id), e.g. to move it into a task.
#[derive(Clone)]
pub struct Worker {
    store: Arc<dyn Store>,
    registry: Arc<Registry>,
    clock: Arc<dyn Clock>,
    extensions: Arc<Extensions>,
    config: WorkerConfig,
    id: Arc<str>,
}

impl Worker {
    pub fn new(store: Arc<dyn Store>, registry: Registry, config: WorkerConfig) -> Self {
        Self {
            store,
            registry: Arc::new(registry),
            clock: Arc::new(SystemClock),
            extensions: Arc::default(),
            config,
            id: new_worker_id().into(),
        }
    }

    /// Hands `value` to every job's handler, which finds it with
    /// [`JobContext::extension`](crate::JobContext::extension); see [`Extensions`](crate::Extensions).
    pub fn with_extension<T: Send + Sync + 'static>(mut self, value: T) -> Self {
        Arc::make_mut(&mut self.extensions).insert(value);
        self
    }

    /// Replaces the real clock, e.g. with a [`ManualClock`](crate::ManualClock) in tests.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// `<host>-<process id>-<random>`: unique among live workers, and says where a claimed job is running.
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn config(&self) -> &WorkerConfig {
        &self.config
    }

    /// Runs jobs until `shutdown` is cancelled, then stops claiming and lets running jobs finish within the
    /// grace period; any still running after it are aborted and given back to the queue.
    ///
    /// Storage failures do not stop the worker: it logs them and tries again after the poll interval.
    pub async fn run(&self, shutdown: CancellationToken) {
        let span = tracing::info_span!("job_worker", worker = %self.id);
        async {
            tracing::info!(concurrency = self.config.concurrency, "job worker started");
            let running = self.claim_and_spawn_until(&shutdown).await;
            self.shut_down(running).await;
            tracing::info!("job worker stopped");
        }
        .instrument(span)
        .await
    }

    /// Runs every job that is due now, one after another, until none is left, and says how many ran.
    ///
    /// For tests and one-off commands: it does not wait for jobs that become due later. A handler that keeps
    /// enqueueing jobs due immediately would keep it going forever.
    pub async fn run_until_idle(&self) -> StoreResult<usize> {
        let never = CancellationToken::new();
        let mut ran = 0;
        while let Some(job) = self.claim().await? {
            self.process(job, &never).await;
            ran += 1;
        }
        Ok(ran)
    }

    /// The main loop: returns the jobs still running once shutdown has begun.
    async fn claim_and_spawn_until(&self, shutdown: &CancellationToken) -> Running {
        let slots = Arc::new(Semaphore::new(self.config.concurrency.max(1)));
        let mut running = Running::new();
        loop {
            running.reap_finished();

            // A free slot first, then a job: claiming a job and then waiting for a slot would hold it idle.
            let slot = tokio::select! {
                biased;
                () = shutdown.cancelled() => break,
                slot = Arc::clone(&slots).acquire_owned() => match slot {
                    Ok(slot) => slot,
                    Err(_closed) => break,
                },
            };

            // Not raced against `shutdown`: dropping a claim half-way could leave a job claimed by nobody until
            // its lease runs out.
            match self.claim().await {
                Ok(Some(job)) if shutdown.is_cancelled() => {
                    self.release(job.id).await;
                    break;
                }
                Ok(Some(job)) => {
                    let worker = self.clone();
                    let abandon = running.abandon.clone();
                    running.tasks.spawn(async move {
                        worker.process(job, &abandon).await;
                        drop(slot);
                    });
                }
                Ok(None) => {
                    drop(slot);
                    tokio::select! {
                        () = shutdown.cancelled() => break,
                        () = self.store.wait_for_jobs(self.config.poll_interval) => {}
                    }
                }
                Err(err) => {
                    drop(slot);
                    tracing::warn!(error = %err, "could not claim a job; trying again shortly");
                    tokio::select! {
                        () = shutdown.cancelled() => break,
                        () = tokio::time::sleep(self.config.poll_interval) => {}
                    }
                }
            }
        }
        running
    }

    async fn shut_down(&self, mut running: Running) {
        if running.tasks.is_empty() {
            return;
        }
        tracing::info!(
            jobs = running.tasks.len(),
            grace_period_s = self.config.grace_period.as_secs_f64(),
            "shutting down: waiting for running jobs to finish"
        );
        if tokio::time::timeout(self.config.grace_period, running.join_all()).await.is_err() {
            // Each job's task aborts its handler and releases the job when told to abandon it.
            running.abandon.cancel();
            running.join_all().await;
        }
    }

    async fn claim(&self) -> StoreResult<Option<chorus_store::Job>> {
        let now = self.clock.now();
        self.store.claim_job(&self.id, now, after(now, self.config.lease)).await
    }

    /// Runs one claimed job and records how it went. `abandon` aborts it and returns it to the queue.
    async fn process(&self, job: chorus_store::Job, abandon: &CancellationToken) {
        let span = tracing::info_span!("job", id = %job.id, kind = %job.kind, attempt = job.attempts);
        async {
            let Some(handler) = self.registry.handler(&job.kind) else {
                let error = JobError::Permanent(format!(
                    "no handler is registered for job kind `{}` (enqueued by a newer or different version of Chorus?)",
                    job.kind
                ));
                self.record(&job, Err(error), Duration::ZERO).await;
                return;
            };

            let ctx = JobContext::for_job(Arc::clone(&self.store), Arc::clone(&self.clock), Arc::clone(&self.extensions), &job);
            let payload = job.payload.clone();
            let started = Instant::now();
            tracing::debug!("job started");
            // A task of its own, so that a panicking handler unwinds only that task (the worker sees a `JoinError`)
            // and can be aborted at shutdown.
            let mut task = tokio::spawn(async move { handler(ctx, payload).await }.instrument(Span::current()));
            let outcome = tokio::select! {
                // Checked first: a job that finished just as it was abandoned counts as finished.
                biased;
                joined = &mut task => joined.unwrap_or_else(|err| Err(JobError::Transient(describe_join_error(err)))),
                never = self.keep_lease(&job) => match never {},
                () = abandon.cancelled() => {
                    task.abort();
                    tracing::warn!("job still running at the end of the shutdown grace period; aborted it and returned it to the queue");
                    self.release(job.id).await;
                    return;
                }
            };
            self.record(&job, outcome, started.elapsed()).await;
        }
        .instrument(span)
        .await
    }

    /// Completes, reschedules or buries a job. A failure to record is logged only: the lease runs out and the
    /// job is tried again, which handlers must tolerate anyway.
    async fn record(&self, job: &chorus_store::Job, outcome: Result<(), JobError>, elapsed: Duration) {
        let elapsed_ms = elapsed.as_millis();
        let error = match outcome {
            Ok(()) => {
                match self.store.complete_job(job.id, &self.id).await {
                    Ok(()) => tracing::info!(elapsed_ms, "job completed"),
                    Err(err) => tracing::error!(elapsed_ms, error = %err, "job completed but could not be marked done"),
                }
                return;
            }
            Err(error) => error,
        };

        let retry_at = match &error {
            JobError::Transient(_) if job.attempts < job.max_attempts => Some(self.retry_at(job.attempts)),
            JobError::Transient(_) | JobError::Permanent(_) => None,
        };
        let message = error.to_string();
        if let Err(err) = self.store.fail_job(job.id, &self.id, &message, retry_at).await {
            tracing::error!(error = %message, store_error = %err, "job failed and the failure could not be recorded");
            return;
        }
        match retry_at {
            Some(retry_at) => tracing::warn!(elapsed_ms, error = %message, %retry_at, "job failed; will try again"),
            None => tracing::error!(
                elapsed_ms,
                error = %message,
                max_attempts = job.max_attempts,
                "job failed for good and was buried"
            ),
        }
    }

    /// Extends the job's lease every third of it while its handler runs; never returns. A lease another claim
    /// has taken is not fought for: the loss is logged (the job may now run twice, which handlers tolerate) and
    /// the heartbeats stop. A failed heartbeat is tried again at the next beat, while the lease still runs.
    async fn keep_lease(&self, job: &chorus_store::Job) -> std::convert::Infallible {
        let interval = (self.config.lease / 3).max(MIN_HEARTBEAT_INTERVAL);
        loop {
            tokio::time::sleep(interval).await;
            let until = after(self.clock.now(), self.config.lease);
            match self.store.extend_lease(job.id, &self.id, job.attempts, until).await {
                Ok(true) => tracing::trace!(%until, "extended the job's lease"),
                Ok(false) => {
                    tracing::error!(
                        "lost the job's lease: it ran out and the job was claimed again or buried, so it may run twice"
                    );
                    break;
                }
                Err(err) => tracing::warn!(error = %err, "could not extend the job's lease; trying again"),
            }
        }
        std::future::pending().await
    }

    async fn release(&self, id: chorus_domain::JobId) {
        if let Err(err) = self.store.release_job(id, &self.id).await {
            tracing::warn!(job.id = %id, error = %err, "could not return a job to the queue; it is retried when its lease runs out");
        }
    }

    fn retry_at(&self, attempt: u32) -> DateTime<Utc> {
        after(self.clock.now(), retry_delay(&self.config, attempt))
    }
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("id", &self.id)
            .field("registry", &self.registry)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// The jobs a worker has under way, each in a task that runs its handler and records the outcome.
struct Running {
    tasks: JoinSet<()>,
    /// Cancelled when the grace period is over: each task then aborts its handler and releases its job.
    abandon: CancellationToken,
}

impl Running {
    fn new() -> Self {
        Self { tasks: JoinSet::new(), abandon: CancellationToken::new() }
    }

    /// Forgets finished tasks, so the set does not grow with every job ever run.
    fn reap_finished(&mut self) {
        while let Some(result) = self.tasks.try_join_next() {
            log_task_failure(result);
        }
    }

    async fn join_all(&mut self) {
        while let Some(result) = self.tasks.join_next().await {
            log_task_failure(result);
        }
    }
}

/// Handler panics are caught one level down; a failure here is a bug in the worker itself.
fn log_task_failure(result: Result<(), JoinError>) {
    if let Err(err) = result {
        tracing::error!(error = %describe_join_error(err), "a job worker task failed");
    }
}

/// The delay before retry number `attempt` (1 for the retry after the first failure).
///
/// Exponential backoff with "full jitter": a random delay of up to `base * 2^(attempt-1)`, capped. The
/// randomness spreads out jobs that failed together (say, while a network was down) so they do not all come
/// back at the same moment.
fn retry_delay(config: &WorkerConfig, attempt: u32) -> Duration {
    let doublings = attempt.saturating_sub(1).min(31);
    let ceiling = config.backoff_base.saturating_mul(1 << doublings).min(config.backoff_cap);
    let floor = MIN_RETRY_DELAY.min(ceiling);
    rand::thread_rng().gen_range(floor..=ceiling)
}

fn describe_join_error(err: JoinError) -> String {
    if err.is_panic() {
        format!("the job panicked: {}", panic_message(&*err.into_panic()))
    } else {
        "the job was cancelled".to_owned()
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(message) = payload.downcast_ref::<&'static str>() {
        message
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message
    } else {
        "(no message)"
    }
}

fn new_worker_id() -> String {
    let host = gethostname::gethostname();
    format!("{}-{}-{:06x}", host.to_string_lossy(), std::process::id(), rand::random::<u32>() & 0xff_ffff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let config = WorkerConfig::default();
        for _ in 0..200 {
            let first = retry_delay(&config, 1);
            assert!((MIN_RETRY_DELAY..=Duration::from_secs(10)).contains(&first), "{first:?}");
            let third = retry_delay(&config, 3);
            assert!((MIN_RETRY_DELAY..=Duration::from_secs(40)).contains(&third), "{third:?}");
            let late = retry_delay(&config, 40);
            assert!((MIN_RETRY_DELAY..=Duration::from_secs(3600)).contains(&late), "{late:?}");
        }
    }

    #[test]
    fn backoff_is_jittered() {
        let config = WorkerConfig::default();
        let delays: std::collections::HashSet<Duration> = (0..20).map(|_| retry_delay(&config, 5)).collect();
        assert!(delays.len() > 1);
    }

    #[test]
    fn backoff_below_a_second_is_not_raised() {
        let config = WorkerConfig {
            backoff_base: Duration::from_millis(10),
            backoff_cap: Duration::from_millis(50),
            ..WorkerConfig::default()
        };
        assert_eq!(retry_delay(&config, 1), Duration::from_millis(10));
        assert_eq!(retry_delay(&config, 10), Duration::from_millis(50));
    }

    #[test]
    fn worker_ids_differ() {
        let (a, b) = (new_worker_id(), new_worker_id());
        assert_ne!(a, b);
        assert!(a.contains(&format!("-{}-", std::process::id())), "{a}");
    }
}
