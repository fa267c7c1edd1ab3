//! The built-in maintenance job against a real SQLite store.
//!
//! Test code may panic on set-up failures, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use chorus_domain::{ClientAccess, Email, OrganizationName, PersonName, Role};
use chorus_jobs::{
    Clock, Job as _, ManualClock, PurgeExpired, Registry, Worker, WorkerConfig, ensure_maintenance_scheduled,
};
use chorus_store::{NewPerson, Session};
use chrono::{TimeDelta, Utc};
use common::{counts, new_job, sqlite_store};

#[tokio::test]
async fn purge_expired_deletes_what_expired_and_runs_again_an_hour_later() {
    let store = sqlite_store().await;
    assert!(ensure_maintenance_scheduled(store.as_ref()).await.unwrap());
    // Already scheduled: not a second time.
    assert!(!ensure_maintenance_scheduled(store.as_ref()).await.unwrap());

    let clock = Arc::new(ManualClock::new(Utc::now()));
    let now = clock.now();
    let owner = NewPerson {
        email: Email::parse("owner@example.com").unwrap(),
        name: PersonName::parse("Owner").unwrap(),
        role: Role::Owner,
        client_access: ClientAccess::All,
        password_hash: None,
    };
    let (org, person) = store.create_organization(&OrganizationName::parse("Acme").unwrap(), owner).await.unwrap();
    let session = |hash: u8, expires_at| Session {
        token_hash: vec![hash; 32],
        organization_id: org.id,
        person_id: person.id,
        created_at: now - TimeDelta::days(30),
        last_seen_at: now - TimeDelta::days(1),
        expires_at,
        user_agent: None,
    };
    store.create_session(&session(1, now - TimeDelta::minutes(1))).await.unwrap();
    store.create_session(&session(2, now + TimeDelta::hours(1))).await.unwrap();
    store.record_sign_in_failure("owner@example.com", now - TimeDelta::hours(25)).await.unwrap();
    store.record_sign_in_failure("owner@example.com", now - TimeDelta::hours(23)).await.unwrap();

    let mut registry = Registry::new();
    registry.register_maintenance_jobs();
    let worker = Worker::new(Arc::clone(&store), registry, WorkerConfig::default()).with_clock(clock.clone());
    assert_eq!(worker.run_until_idle().await.unwrap(), 1);

    // Asked about a time before it expired, a session still in the database would be returned.
    let long_ago = now - TimeDelta::days(2);
    assert!(store.session(&[1; 32], long_ago).await.unwrap().is_none());
    assert!(store.session(&[2; 32], now).await.unwrap().is_some());
    assert_eq!(store.sign_in_failures_since("owner@example.com", long_ago).await.unwrap(), 1);

    // The next run is queued for an hour later, and only one.
    assert_eq!(store.job_counts(now).await.unwrap(), counts(0, 1, 0, 0));
    assert!(!ensure_maintenance_scheduled(store.as_ref()).await.unwrap());
    clock.advance(TimeDelta::minutes(59));
    assert_eq!(worker.run_until_idle().await.unwrap(), 0);
    clock.advance(TimeDelta::minutes(1));
    assert_eq!(worker.run_until_idle().await.unwrap(), 1);
    assert_eq!(store.job_counts(clock.now()).await.unwrap(), counts(0, 1, 0, 0));
    assert!(store.dead_jobs(10).await.unwrap().is_empty());
}

#[tokio::test]
async fn other_queued_jobs_do_not_hide_a_missing_maintenance_job() {
    let store = sqlite_store().await;
    // A feed poll is queued and another job runs, as on any busy instance; the maintenance chain is gone.
    store.enqueue_job(&new_job("poll_feeds", 1, Utc::now())).await.unwrap();
    store.enqueue_job(&new_job("publish", 5, Utc::now())).await.unwrap();
    store.claim_job("elsewhere", Utc::now(), Utc::now() + TimeDelta::minutes(5)).await.unwrap().unwrap();

    assert!(ensure_maintenance_scheduled(store.as_ref()).await.unwrap(), "scheduled despite the other jobs");
    assert!(!ensure_maintenance_scheduled(store.as_ref()).await.unwrap(), "and only once");
    let purges = store.count_jobs_of_kind(PurgeExpired::KIND, Utc::now()).await.unwrap();
    assert_eq!(purges, counts(1, 0, 0, 0));
}

#[tokio::test]
async fn starting_twice_at_once_schedules_one_maintenance_job() {
    let store = sqlite_store().await;
    let (a, b) =
        tokio::join!(ensure_maintenance_scheduled(store.as_ref()), ensure_maintenance_scheduled(store.as_ref()));
    // Both may have found none and enqueued; the unique key makes it one job either way.
    assert!(a.unwrap() || b.unwrap());
    let purges = store.count_jobs_of_kind(PurgeExpired::KIND, Utc::now()).await.unwrap();
    assert_eq!(purges, counts(1, 0, 0, 0));
}
