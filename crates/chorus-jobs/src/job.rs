use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use chorus_domain::JobId;
use chorus_store::{JobStore, NewJob, Store, StoreError};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::clock::Clock;
use crate::extensions::Extensions;
use crate::maintenance::PurgeExpired;

/// A boxed future a handler returns, so handlers of different types fit in one [`Registry`].
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// Why a job did not succeed, which decides what happens to it next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// Might work later (a network or the database was unreachable): the job is tried again after a backoff,
    /// until it runs out of attempts.
    #[error("{0}")]
    Transient(String),
    /// Will fail the same way every time (bad payload, the object is gone): the job is buried at once.
    #[error("{0}")]
    Permanent(String),
}

impl JobError {
    pub fn transient(message: impl fmt::Display) -> Self {
        Self::Transient(message.to_string())
    }

    pub fn permanent(message: impl fmt::Display) -> Self {
        Self::Permanent(message.to_string())
    }
}

/// A storage failure is worth retrying: the usual cause is a database that is briefly unavailable. A handler
/// that knows better (say, `NotFound` for the object the job is about) maps the error itself.
impl From<StoreError> for JobError {
    fn from(err: StoreError) -> Self {
        Self::Transient(err.to_string())
    }
}

/// What a handler gets besides its payload.
#[derive(Clone)]
pub struct JobContext {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    extensions: Arc<Extensions>,
    job_id: JobId,
    attempt: u32,
}

impl JobContext {
    /// A context for calling a handler directly, outside a worker (e.g. in a test of the handler).
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock, extensions: Arc::default(), job_id: JobId::new(), attempt: 1 }
    }

    /// The same, with the values a worker would hand its handlers.
    pub fn with_extensions(mut self, extensions: Arc<Extensions>) -> Self {
        self.extensions = extensions;
        self
    }

    pub(crate) fn for_job(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        extensions: Arc<Extensions>,
        job: &chorus_store::Job,
    ) -> Self {
        Self { store, clock, extensions, job_id: job.id, attempt: job.attempts }
    }

    /// A value the worker was given with [`Worker::with_extension`](crate::Worker::with_extension), by type.
    pub fn extension<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.extensions.get::<T>()
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The current time by the worker's clock; handlers use it rather than `Utc::now()` so tests control it.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn job_id(&self) -> JobId {
        self.job_id
    }

    /// 1 on the first try, 2 on the first retry, and so on.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }
}

impl fmt::Debug for JobContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JobContext")
            .field("job_id", &self.job_id)
            .field("attempt", &self.attempt)
            .finish_non_exhaustive()
    }
}

/// A kind of job with a typed payload: the struct is the payload, stored as JSON.
///
/// ```
/// use chorus_jobs::{Job, JobContext, JobError, Registry, enqueue};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize)]
/// struct SendWelcome {
///     email: String,
/// }
///
/// impl Job for SendWelcome {
///     const KIND: &'static str = "send_welcome";
///
///     async fn run(self, ctx: &JobContext) -> Result<(), JobError> {
///         // ... send it; `ctx.store()` and `ctx.now()` are at hand.
///         Ok(())
///     }
/// }
///
/// async fn welcome(store: &dyn chorus_store::Store, registry: &mut Registry) -> Result<(), chorus_jobs::EnqueueError> {
///     registry.register::<SendWelcome>();
///     enqueue(store, &SendWelcome { email: "ada@example.com".into() }, chrono::Utc::now()).await?;
///     Ok(())
/// }
/// ```
///
/// Jobs run at least once, not exactly once (a worker may die after the work but before recording it), so
/// `run` must be safe to repeat.
pub trait Job: Serialize + DeserializeOwned + Send + 'static {
    /// Names the handler in the queue. Never rename a kind that may still be queued somewhere.
    const KIND: &'static str;
    /// Attempts before the job is buried, counting the first.
    const MAX_ATTEMPTS: u32 = 5;

    /// Names the work this job does (`publish:<variant id>`, `poll-feeds`), so that [`enqueue`] adds no
    /// second job while one with the same key is queued or running; `None`, the default, never deduplicates.
    ///
    /// A job that enqueues its own next run must not use a key: while it runs it holds the key itself.
    fn unique_key(&self) -> Option<String> {
        None
    }

    /// Does the work. Implementations may simply write `async fn run(self, ctx: &JobContext) -> ...`.
    fn run(self, ctx: &JobContext) -> impl Future<Output = Result<(), JobError>> + Send;
}

type Handler = Arc<dyn Fn(JobContext, serde_json::Value) -> BoxFuture<Result<(), JobError>> + Send + Sync>;

/// Which handler runs which kind of job.
#[derive(Clone, Default)]
pub struct Registry {
    handlers: HashMap<String, Handler>,
}

impl Registry {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers the jobs Chorus itself needs to stay tidy; see [`PurgeExpired`].
    pub fn register_maintenance_jobs(&mut self) -> &mut Self {
        self.register::<PurgeExpired>()
    }

    /// Registers a typed job. A payload that does not deserialize into `J` is a permanent failure.
    ///
    /// # Panics
    ///
    /// If the kind is registered already: two handlers for one kind is a programming mistake, found at start-up.
    pub fn register<J: Job>(&mut self) -> &mut Self {
        self.register_fn(J::KIND, |ctx, payload| async move {
            let job: J = serde_json::from_value(payload)
                .map_err(|err| JobError::Permanent(format!("the payload is not a valid `{}` job: {err}", J::KIND)))?;
            job.run(&ctx).await
        })
    }

    /// Registers a handler working on the raw JSON payload.
    ///
    /// # Panics
    ///
    /// If the kind is registered already.
    pub fn register_fn<F, Fut>(&mut self, kind: &str, handler: F) -> &mut Self
    where
        F: Fn(JobContext, serde_json::Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), JobError>> + Send + 'static,
    {
        let handler: Handler = Arc::new(move |ctx, payload| Box::pin(handler(ctx, payload)));
        if self.handlers.insert(kind.to_owned(), handler).is_some() {
            panic!("job kind `{kind}` is registered twice");
        }
        self
    }

    pub fn contains(&self, kind: &str) -> bool {
        self.handlers.contains_key(kind)
    }

    /// The registered kinds, sorted.
    pub fn kinds(&self) -> Vec<&str> {
        let mut kinds: Vec<&str> = self.handlers.keys().map(String::as_str).collect();
        kinds.sort_unstable();
        kinds
    }

    pub(crate) fn handler(&self, kind: &str) -> Option<Handler> {
        self.handlers.get(kind).cloned()
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry").field("kinds", &self.kinds()).finish()
    }
}

/// Why a job could not be put on the queue.
#[derive(Debug, thiserror::Error)]
pub enum EnqueueError {
    #[error("could not serialize a `{kind}` job: {source}")]
    Payload {
        kind: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error("could not enqueue a job: {0}")]
    Store(#[from] StoreError),
}

/// Puts a typed job on the queue, due at `run_at` (pass the current time to run it as soon as possible).
///
/// A job whose [`Job::unique_key`] a queued or running job already has is not added again: the id of the job
/// holding the key comes back, so enqueueing the same work twice is harmless.
///
/// Takes any job store: `&SqliteStore`, `&dyn JobStore`, or the `&dyn Store` inside an `Arc<dyn Store>`.
pub async fn enqueue<J: Job, S: JobStore + ?Sized>(
    store: &S,
    job: &J,
    run_at: DateTime<Utc>,
) -> Result<JobId, EnqueueError> {
    enqueue_keyed(store, job, run_at, job.unique_key()).await
}

/// [`enqueue`] with a unique key chosen by the caller instead of the job's own.
pub async fn enqueue_keyed<J: Job, S: JobStore + ?Sized>(
    store: &S,
    job: &J,
    run_at: DateTime<Utc>,
    unique_key: Option<String>,
) -> Result<JobId, EnqueueError> {
    let payload = serde_json::to_value(job).map_err(|source| EnqueueError::Payload { kind: J::KIND, source })?;
    let new = NewJob { kind: J::KIND.to_owned(), payload, run_at, max_attempts: J::MAX_ATTEMPTS, unique_key };
    Ok(store.enqueue_job(&new).await?)
}
