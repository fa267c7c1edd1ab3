//! The worker against a real SQLite queue.
//!
//! Test code may panic on set-up failures, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chorus_jobs::{Clock, Job, JobContext, JobError, ManualClock, Registry, Worker, WorkerConfig, enqueue};
use chorus_store::JobCounts;
use chrono::{TimeDelta, Utc};
use common::{counts, new_job, quick_config, sqlite_store};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

#[derive(Serialize, Deserialize)]
struct Greet {
    name: String,
}

static GREETED: Mutex<Vec<String>> = Mutex::new(Vec::new());

impl Job for Greet {
    const KIND: &'static str = "greet";

    async fn run(self, _ctx: &JobContext) -> Result<(), JobError> {
        GREETED.lock().unwrap().push(self.name);
        Ok(())
    }
}

/// Starts `worker.run` in a task, returning the token that stops it and the task.
fn spawn_worker(worker: &Worker) -> (CancellationToken, tokio::task::JoinHandle<()>) {
    let shutdown = CancellationToken::new();
    let (worker, token) = (worker.clone(), shutdown.clone());
    (shutdown, tokio::spawn(async move { worker.run(token).await }))
}

#[tokio::test]
async fn success_completes_and_removes_the_job() {
    let store = sqlite_store().await;
    let mut registry = Registry::new();
    registry.register::<Greet>();
    let worker = Worker::new(Arc::clone(&store), registry, WorkerConfig::default());

    enqueue(store.as_ref(), &Greet { name: "Ada".to_owned() }, Utc::now()).await.unwrap();
    enqueue(store.as_ref(), &Greet { name: "Later".to_owned() }, Utc::now() + TimeDelta::hours(1)).await.unwrap();

    assert_eq!(worker.run_until_idle().await.unwrap(), 1);
    // Other tests in this file greet too, at the same time.
    let greeted = GREETED.lock().unwrap().clone();
    assert!(greeted.contains(&"Ada".to_owned()) && !greeted.contains(&"Later".to_owned()), "{greeted:?}");
    // Done jobs leave the queue; the one due later waits.
    assert_eq!(store.job_counts(Utc::now()).await.unwrap(), counts(0, 1, 0, 0));
    assert!(store.dead_jobs(10).await.unwrap().is_empty());
    assert_eq!(worker.run_until_idle().await.unwrap(), 0);
}

#[tokio::test]
async fn transient_failure_backs_off_then_is_buried_after_max_attempts() {
    let store = sqlite_store().await;
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let attempts = Arc::new(Mutex::new(Vec::new()));
    let mut registry = Registry::new();
    let seen = Arc::clone(&attempts);
    registry.register_fn("flaky", move |ctx, _payload| {
        seen.lock().unwrap().push(ctx.attempt());
        async { Err(JobError::transient("the network is down")) }
    });
    let worker = Worker::new(Arc::clone(&store), registry, WorkerConfig::default()).with_clock(clock.clone());
    store.enqueue_job(&new_job("flaky", 3, clock.now())).await.unwrap();

    assert_eq!(worker.run_until_idle().await.unwrap(), 1);
    // The first retry waits between one second and the 10 s base, and is not claimable before then.
    let failed_at = clock.now();
    let just_before = failed_at + TimeDelta::milliseconds(999);
    assert_eq!(store.job_counts(just_before).await.unwrap(), counts(0, 1, 0, 0));
    assert_eq!(store.job_counts(failed_at + TimeDelta::seconds(10)).await.unwrap(), counts(1, 0, 0, 0));
    assert_eq!(worker.run_until_idle().await.unwrap(), 0);

    clock.advance(TimeDelta::seconds(10));
    assert_eq!(worker.run_until_idle().await.unwrap(), 1);
    // The second retry may wait up to twice as long.
    assert_eq!(store.job_counts(clock.now()).await.unwrap(), counts(0, 1, 0, 0));
    clock.advance(TimeDelta::seconds(20));
    assert_eq!(worker.run_until_idle().await.unwrap(), 1);

    // Three attempts were allowed: the job is buried now, not rescheduled.
    assert_eq!(*attempts.lock().unwrap(), [1, 2, 3]);
    assert_eq!(store.job_counts(clock.now()).await.unwrap(), counts(0, 0, 0, 1));
    let dead = store.dead_jobs(10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!((dead[0].kind.as_str(), dead[0].attempts), ("flaky", 3));
    assert_eq!(dead[0].last_error.as_deref(), Some("the network is down"));

    clock.advance(TimeDelta::days(1));
    assert_eq!(worker.run_until_idle().await.unwrap(), 0);
}

#[tokio::test]
async fn permanent_failure_is_buried_at_once() {
    let store = sqlite_store().await;
    let mut registry = Registry::new();
    registry.register_fn("doomed", |_ctx, _payload| async { Err(JobError::permanent("the post was deleted")) });
    let worker = Worker::new(Arc::clone(&store), registry, WorkerConfig::default());
    store.enqueue_job(&new_job("doomed", 5, Utc::now())).await.unwrap();

    assert_eq!(worker.run_until_idle().await.unwrap(), 1);
    assert_eq!(store.job_counts(Utc::now() + TimeDelta::days(1)).await.unwrap(), counts(0, 0, 0, 1));
    let dead = store.dead_jobs(10).await.unwrap();
    assert_eq!(dead[0].attempts, 1);
    assert_eq!(dead[0].last_error.as_deref(), Some("the post was deleted"));
}

#[tokio::test]
async fn typed_job_with_a_bad_payload_is_buried() {
    let store = sqlite_store().await;
    let mut registry = Registry::new();
    registry.register::<Greet>();
    let worker = Worker::new(Arc::clone(&store), registry, WorkerConfig::default());
    store.enqueue_job(&new_job("greet", 5, Utc::now())).await.unwrap();

    assert_eq!(worker.run_until_idle().await.unwrap(), 1);
    let dead = store.dead_jobs(10).await.unwrap();
    let error = dead[0].last_error.as_deref().unwrap();
    assert!(error.contains("not a valid `greet` job") && error.contains("name"), "{error}");
}

#[tokio::test]
async fn a_panicking_handler_is_a_transient_failure_and_the_worker_goes_on() {
    let store = sqlite_store().await;
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let mut registry = Registry::new();
    registry.register_fn("explosive", |_ctx, _payload| async { panic!("boom") });
    registry.register::<Greet>();
    let worker = Worker::new(Arc::clone(&store), registry, WorkerConfig::default()).with_clock(clock.clone());
    store.enqueue_job(&new_job("explosive", 2, clock.now())).await.unwrap();
    enqueue(store.as_ref(), &Greet { name: "after the panic".to_owned() }, clock.now()).await.unwrap();

    assert_eq!(worker.run_until_idle().await.unwrap(), 2);
    assert!(GREETED.lock().unwrap().contains(&"after the panic".to_owned()));
    // Retried like any transient failure...
    assert_eq!(store.job_counts(clock.now()).await.unwrap(), counts(0, 1, 0, 0));
    clock.advance(TimeDelta::seconds(10));
    assert_eq!(worker.run_until_idle().await.unwrap(), 1);
    // ...and buried when out of attempts, with the panic message as its error.
    let dead = store.dead_jobs(10).await.unwrap();
    assert_eq!(dead[0].last_error.as_deref(), Some("the job panicked: boom"));
}

#[tokio::test]
async fn unknown_kind_is_buried_with_a_clear_error() {
    let store = sqlite_store().await;
    let worker = Worker::new(Arc::clone(&store), Registry::new(), WorkerConfig::default());
    store.enqueue_job(&new_job("from_a_newer_chorus", 5, Utc::now())).await.unwrap();

    assert_eq!(worker.run_until_idle().await.unwrap(), 1);
    let dead = store.dead_jobs(10).await.unwrap();
    assert_eq!(dead[0].attempts, 1);
    let error = dead[0].last_error.as_deref().unwrap();
    assert!(error.contains("no handler") && error.contains("`from_a_newer_chorus`"), "{error}");
}

#[tokio::test]
async fn shutdown_waits_for_a_running_job_to_finish() {
    let store = sqlite_store().await;
    let started = Arc::new(Notify::new());
    let finished = Arc::new(AtomicBool::new(false));
    let mut registry = Registry::new();
    let (started_tx, finished_tx) = (Arc::clone(&started), Arc::clone(&finished));
    registry.register_fn("short", move |_ctx, _payload| {
        let (started, finished) = (Arc::clone(&started_tx), Arc::clone(&finished_tx));
        async move {
            started.notify_one();
            tokio::time::sleep(Duration::from_millis(300)).await;
            finished.store(true, Ordering::SeqCst);
            Ok(())
        }
    });
    let worker = Worker::new(Arc::clone(&store), registry, quick_config());
    store.enqueue_job(&new_job("short", 5, Utc::now())).await.unwrap();

    let (shutdown, handle) = spawn_worker(&worker);
    tokio::time::timeout(Duration::from_secs(5), started.notified()).await.unwrap();
    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(5), handle).await.unwrap().unwrap();

    assert!(finished.load(Ordering::SeqCst));
    assert_eq!(store.job_counts(Utc::now()).await.unwrap(), JobCounts::default());
}

/// Sets its flag when dropped, i.e. when the future holding it is aborted.
struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn a_job_running_past_the_grace_period_is_aborted_and_released() {
    let store = sqlite_store().await;
    let started = Arc::new(Notify::new());
    let aborted = Arc::new(AtomicBool::new(false));
    let mut registry = Registry::new();
    let (started_tx, aborted_tx) = (Arc::clone(&started), Arc::clone(&aborted));
    registry.register_fn("endless", move |_ctx, _payload| {
        let started = Arc::clone(&started_tx);
        let guard = DropFlag(Arc::clone(&aborted_tx));
        async move {
            let _guard = guard;
            started.notify_one();
            std::future::pending::<()>().await;
            Ok(())
        }
    });
    let grace_period = Duration::from_millis(200);
    let worker = Worker::new(Arc::clone(&store), registry, WorkerConfig { grace_period, ..quick_config() });
    store.enqueue_job(&new_job("endless", 5, Utc::now())).await.unwrap();

    let (shutdown, handle) = spawn_worker(&worker);
    tokio::time::timeout(Duration::from_secs(5), started.notified()).await.unwrap();
    let cancelled_at = Instant::now();
    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(5), handle).await.unwrap().unwrap();
    assert!(cancelled_at.elapsed() >= grace_period);

    // The handler's future is dropped once the runtime gets to the aborted task.
    tokio::time::timeout(Duration::from_secs(5), async {
        while !aborted.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .unwrap();

    // Back in the queue and claimable right away, and the aborted attempt does not count.
    let now = Utc::now();
    assert_eq!(store.job_counts(now).await.unwrap(), counts(1, 0, 0, 0));
    let job = store.claim_job("another-worker", now, now + TimeDelta::minutes(1)).await.unwrap().unwrap();
    assert_eq!((job.kind.as_str(), job.attempts), ("endless", 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_more_jobs_run_at_once_than_configured() {
    let store = sqlite_store().await;
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let mut registry = Registry::new();
    let (running_tx, most_tx, done_tx) = (Arc::clone(&running), Arc::clone(&most), Arc::clone(&done));
    registry.register_fn("slow", move |_ctx, _payload| {
        let (running, most, done) = (Arc::clone(&running_tx), Arc::clone(&most_tx), Arc::clone(&done_tx));
        async move {
            let now_running = running.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now_running, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(100)).await;
            running.fetch_sub(1, Ordering::SeqCst);
            done.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    });
    let worker = Worker::new(Arc::clone(&store), registry, WorkerConfig { concurrency: 2, ..quick_config() });

    // Enqueued after the worker started and found the queue empty: the enqueue wakes it.
    let (shutdown, handle) = spawn_worker(&worker);
    tokio::time::sleep(Duration::from_millis(20)).await;
    for _ in 0..6 {
        store.enqueue_job(&new_job("slow", 5, Utc::now())).await.unwrap();
    }
    tokio::time::timeout(Duration::from_secs(10), async {
        while done.load(Ordering::SeqCst) < 6 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .unwrap();
    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(5), handle).await.unwrap().unwrap();

    assert_eq!(most.load(Ordering::SeqCst), 2);
    assert_eq!(store.job_counts(Utc::now()).await.unwrap(), JobCounts::default());
}

#[tokio::test]
async fn handlers_get_the_store_and_the_clock() {
    let store = sqlite_store().await;
    let clock = Arc::new(ManualClock::new(Utc::now() - TimeDelta::days(365)));
    let seen = Arc::new(Mutex::new(None));
    let mut registry = Registry::new();
    let seen_tx = Arc::clone(&seen);
    registry.register_fn("look", move |ctx, _payload| {
        let seen = Arc::clone(&seen_tx);
        async move {
            let counts = ctx.store().job_counts(ctx.now()).await?;
            *seen.lock().unwrap() = Some((ctx.now(), counts.running));
            Ok(())
        }
    });
    let worker = Worker::new(Arc::clone(&store), registry, WorkerConfig::default()).with_clock(clock.clone());
    store.enqueue_job(&new_job("look", 5, clock.now())).await.unwrap();

    assert_eq!(worker.run_until_idle().await.unwrap(), 1);
    assert_eq!(*seen.lock().unwrap(), Some((clock.now(), 1)));
}

#[test]
#[should_panic(expected = "registered twice")]
fn registering_a_kind_twice_is_refused() {
    let mut registry = Registry::new();
    registry.register::<Greet>();
    registry.register_fn("greet", |_ctx, _payload| async { Ok(()) });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_job_running_longer_than_its_lease_keeps_it_and_runs_once() {
    let store = sqlite_store().await;
    let runs = Arc::new(AtomicUsize::new(0));
    let registry = || {
        let runs = Arc::clone(&runs);
        let mut registry = Registry::new();
        registry.register_fn("slow_publish", move |_ctx, _payload| {
            let runs = Arc::clone(&runs);
            async move {
                runs.fetch_add(1, Ordering::SeqCst);
                // Four leases long: without heartbeats the other worker would take the job after the first.
                tokio::time::sleep(Duration::from_millis(2000)).await;
                Ok(())
            }
        });
        registry
    };
    // A real, short lease: heartbeats every 150 ms keep it 300 ms ahead of a claimer polling every 20 ms.
    let config =
        WorkerConfig { lease: Duration::from_millis(450), poll_interval: Duration::from_millis(20), ..quick_config() };
    let (first, second) =
        (Worker::new(Arc::clone(&store), registry(), config), Worker::new(Arc::clone(&store), registry(), config));
    let (stop_first, first_task) = spawn_worker(&first);
    let (stop_second, second_task) = spawn_worker(&second);
    store.enqueue_job(&new_job("slow_publish", 3, Utc::now())).await.unwrap();

    tokio::time::timeout(Duration::from_secs(15), async {
        while runs.load(Ordering::SeqCst) == 0 || store.job_counts(Utc::now()).await.unwrap() != JobCounts::default() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the job finished");
    stop_first.cancel();
    stop_second.cancel();
    tokio::time::timeout(Duration::from_secs(5), first_task).await.unwrap().unwrap();
    tokio::time::timeout(Duration::from_secs(5), second_task).await.unwrap().unwrap();

    assert_eq!(runs.load(Ordering::SeqCst), 1, "the second worker never got the job");
    assert!(store.dead_jobs(10).await.unwrap().is_empty(), "completed by the worker holding it");
}
