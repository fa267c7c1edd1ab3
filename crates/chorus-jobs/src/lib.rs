//! Background jobs: a queue kept in the database and workers that run it, in the spirit of the Rust
//! project's package index worker (`crates_io_worker`).
//!
//! - A *job* is a row in the queue: a kind (`"purge_expired"`), a JSON payload and a time it is due. Typed
//!   jobs implement [`Job`] and are queued with [`enqueue`].
//! - A [`Registry`] maps each kind to the handler that runs it.
//! - A job may carry a unique key ([`Job::unique_key`]): while a job with that key is queued or running,
//!   enqueueing the same work again returns that job instead of adding another.
//! - A [`Worker`] claims due jobs with a lease that it extends with heartbeats while a handler runs (a worker
//!   that dies stops beating, and the job is due again once the lease runs out; if that was its last attempt
//!   it is buried instead), runs their handlers a few at a time, and records the outcome:
//!   done jobs leave the queue; a [`JobError::Transient`] failure is retried later with exponential backoff
//!   until the job runs out of attempts; a [`JobError::Permanent`] failure, a panic past the last attempt, or
//!   a kind nobody handles buries the job, where `JobStore::dead_jobs` shows it.
//!
//! Jobs run at least once, not exactly once: a handler must be safe to run again.
//!
//! A handler that needs more than the store and the clock (an HTTP client, the web layer's state) gets it from
//! [`JobContext::extension`], given to the worker with [`Worker::with_extension`]; see [`Extensions`].
//!
//! At start-up: register the handlers (including [`Registry::register_maintenance_jobs`]), call
//! [`ensure_maintenance_scheduled`], and spawn [`Worker::run`] with a cancellation token that is cancelled on
//! shutdown.

mod clock;
mod extensions;
mod job;
mod maintenance;
mod worker;

pub use clock::{Clock, ManualClock, SystemClock};
pub use extensions::Extensions;
pub use job::{BoxFuture, EnqueueError, Job, JobContext, JobError, Registry, enqueue, enqueue_keyed};
pub use maintenance::{
    MAINTENANCE_KEY, PURGE_INTERVAL, PurgeExpired, SIGN_IN_FAILURE_RETENTION, ensure_maintenance_scheduled,
};
pub use worker::{Worker, WorkerConfig};
