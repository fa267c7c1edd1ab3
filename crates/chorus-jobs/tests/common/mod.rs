//! Set-up shared by the worker tests.

// Each test file compiles this module on its own and uses only some of it.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use chorus_jobs::WorkerConfig;
use chorus_store::{JobCounts, NewJob, Store};
use chorus_store_sqlite::SqliteStore;
use chrono::{DateTime, Utc};

/// A migrated SQLite database in a temporary folder that lives as long as the store.
pub async fn sqlite_store() -> Arc<dyn Store> {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("chorus.db")).await.unwrap();
    store.migrate().await.unwrap();
    Arc::new(store.holding(dir))
}

pub fn new_job(kind: &str, max_attempts: u32, run_at: DateTime<Utc>) -> NewJob {
    NewJob { kind: kind.to_owned(), payload: serde_json::json!({}), run_at, max_attempts, unique_key: None }
}

/// Short waits, so tests of the running loop are quick.
pub fn quick_config() -> WorkerConfig {
    WorkerConfig {
        poll_interval: Duration::from_millis(50),
        grace_period: Duration::from_secs(10),
        ..WorkerConfig::default()
    }
}

pub fn counts(ready: u64, scheduled: u64, running: u64, dead: u64) -> JobCounts {
    JobCounts { ready, scheduled, running, dead }
}
