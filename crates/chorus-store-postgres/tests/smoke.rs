//! What only PostgreSQL has: several processes sharing one database (simulated by several stores on one
//! database), connection errors, and migrations run by a newer Chorus. Behaviour shared with SQLite is
//! tested by the storage suite in `chorus-testkit`.

// Helpers outside the `#[test]` functions panic on set-up failures too.
#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chorus_domain::{
    ClientAccess, ClientName, Email, NewClient, OfficeHours, OrganizationName, PageRequest, PersonName, Role, TimeZone,
};
use chorus_store::{
    ArchivedFilter, ClientQuery, ClientStore, JobStore, NewJob, NewPerson, OrganizationStore, StoreError,
};
use chorus_store_postgres::PgStore;
use chorus_testkit::postgres::{fresh_database, fresh_pg_store};
use chrono::Utc;

fn owner(email: &str) -> NewPerson {
    NewPerson {
        email: Email::parse(email).unwrap(),
        name: PersonName::parse("Sam Rivera").unwrap(),
        role: Role::Owner,
        client_access: ClientAccess::All,
        password_hash: Some("hash".to_string()),
    }
}

fn job(kind: &str) -> NewJob {
    NewJob {
        kind: kind.to_string(),
        payload: serde_json::json!({"n": 1}),
        run_at: Utc::now(),
        max_attempts: 3,
        unique_key: None,
    }
}

#[tokio::test]
async fn organizations_and_clients_round_trip() {
    let store = fresh_pg_store().await;
    assert!(store.needs_setup().await.unwrap());
    let name = OrganizationName::parse("Northwind Social").unwrap();
    let (org, person) = store.create_organization(&name, owner("sam@example.com")).await.unwrap();
    assert!(!store.needs_setup().await.unwrap());
    assert_eq!(store.organization(org.id).await.unwrap(), org);
    assert_eq!(store.first_organization().await.unwrap(), Some(org.clone()));

    let new = NewClient {
        name: ClientName::parse("Blue Bottle Bakery").unwrap(),
        time_zone: TimeZone::parse("Europe/Berlin").unwrap(),
        office_hours: OfficeHours::default(),
        brand_notes: Default::default(),
    };
    let client = store.create_client(org.id, new, Some(person.id)).await.unwrap();
    assert_eq!(store.client(org.id, client.id).await.unwrap(), client);
    let query =
        ClientQuery { access: ClientAccess::All, archived: ArchivedFilter::Active, search: Some("BOTTLE".into()) };
    let page = store.list_clients(org.id, &query, &PageRequest::first(10)).await.unwrap();
    assert_eq!(page.items, vec![client.clone()]);

    let again = store.create_organization(&name, owner("SAM@example.com")).await;
    match again {
        Err(StoreError::Conflict { field, message }) => {
            assert_eq!(field, "email");
            assert_eq!(message, "someone already uses sam@example.com");
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    // The organization of the failed attempt was rolled back with it.
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM organizations").fetch_one(store.pool()).await.unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn two_processes_never_claim_the_same_job() {
    let url = fresh_database().await;
    let a = Arc::new(PgStore::connect(&url).await.unwrap());
    let b = Arc::new(PgStore::connect(&url).await.unwrap());
    const JOBS: usize = 40;
    for _ in 0..JOBS {
        a.enqueue_job(&job("race")).await.unwrap();
    }
    let mut workers = Vec::new();
    for (n, store) in [a.clone(), b.clone(), a.clone(), b.clone()].into_iter().enumerate() {
        workers.push(tokio::spawn(async move {
            let worker = format!("worker-{n}");
            let mut claimed = Vec::new();
            loop {
                let now = Utc::now();
                match store.claim_job(&worker, now, now + chrono::Duration::minutes(5)).await.unwrap() {
                    Some(job) => {
                        assert_eq!(job.attempts, 1);
                        claimed.push(job.id);
                    }
                    None => return claimed,
                }
            }
        }));
    }
    let mut all = Vec::new();
    for worker in workers {
        all.extend(worker.await.unwrap());
    }
    assert_eq!(all.len(), JOBS, "every job is claimed exactly once");
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), JOBS);
    let counts = a.job_counts(Utc::now()).await.unwrap();
    assert_eq!((counts.ready, counts.running), (0, JOBS as u64));
}

#[tokio::test]
async fn a_job_enqueued_elsewhere_wakes_a_waiting_worker() {
    let url = fresh_database().await;
    let waiting = Arc::new(PgStore::connect(&url).await.unwrap());
    let other = PgStore::connect(&url).await.unwrap();

    assert!(woken_by_enqueue(waiting.clone(), &other).await, "an enqueue by another store did not wake the waiter");

    // With nothing enqueued, a wait lasts its timeout.
    let began = Instant::now();
    waiting.wait_for_jobs(Duration::from_millis(300)).await;
    assert!(began.elapsed() >= Duration::from_millis(290));
}

#[tokio::test]
async fn an_unreachable_server_is_reported_in_one_line_without_the_password() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("postgres://chorus:hunter2@127.0.0.1:{port}/chorus");
    let began = Instant::now();
    match PgStore::connect(&url).await {
        Err(StoreError::Unavailable(message)) => {
            assert_eq!(message, format!("cannot connect to PostgreSQL at 127.0.0.1:{port}: connection refused"));
        }
        other => panic!("expected unavailable, got {other:?}"),
    }
    assert!(began.elapsed() < Duration::from_secs(6));
}

#[tokio::test]
async fn a_database_migrated_by_a_newer_chorus_is_refused() {
    let store = fresh_pg_store().await;
    assert_eq!(store.migrate().await.unwrap(), 0, "the template is migrated already");
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (99990101000000, 'from a newer Chorus', TRUE, '\\x00', 0)",
    )
    .execute(store.pool())
    .await
    .unwrap();
    match store.migrate().await {
        Err(StoreError::TooNew(version)) => assert_eq!(version, 99990101000000),
        other => panic!("expected too new, got {other:?}"),
    }
    // The advisory lock was given back: migrating again is refused the same way instead of hanging.
    let again = tokio::time::timeout(Duration::from_secs(10), store.migrate()).await.unwrap();
    assert!(matches!(again, Err(StoreError::TooNew(_))));
}

#[tokio::test]
async fn a_missing_database_is_named() {
    let url = chorus_testkit::postgres::database_url("missing");
    match PgStore::connect(&url).await {
        Err(StoreError::Unavailable(message)) => {
            assert!(message.starts_with("cannot connect to PostgreSQL at 127.0.0.1:"), "{message}");
            assert!(message.ends_with(": database \"missing\" does not exist"), "{message}");
        }
        other => panic!("expected unavailable, got {other:?}"),
    }
}

/// Whether a wait of `waiting` ends while `enqueuer` keeps enqueueing (for up to ten seconds).
async fn woken_by_enqueue(waiting: Arc<PgStore>, enqueuer: &PgStore) -> bool {
    let waiter = tokio::spawn(async move { waiting.wait_for_jobs(Duration::from_secs(60)).await });
    for _ in 0..50 {
        if waiter.is_finished() {
            return true;
        }
        enqueuer.enqueue_job(&job("wake")).await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    waiter.is_finished()
}

#[tokio::test]
async fn listening_survives_a_lost_connection() {
    let url = fresh_database().await;
    let waiting = Arc::new(PgStore::connect(&url).await.unwrap());
    let other = PgStore::connect(&url).await.unwrap();
    assert!(woken_by_enqueue(waiting.clone(), &other).await, "the first wait listens");

    // What a server restart or an administrator does to the listening session.
    let ended: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND query LIKE 'LISTEN%'",
    )
    .fetch_all(other.pool())
    .await
    .unwrap();
    assert_eq!(ended, vec![true]);

    assert!(woken_by_enqueue(waiting.clone(), &other).await, "a later wait listens again");
}

#[tokio::test]
async fn one_notification_wakes_every_waiter_of_a_process() {
    let url = fresh_database().await;
    let waiting = Arc::new(PgStore::connect(&url).await.unwrap());
    let other = PgStore::connect(&url).await.unwrap();
    // Listening starts with the first wait; make sure it has before the waiters below line up.
    assert!(woken_by_enqueue(waiting.clone(), &other).await);

    let waiters: Vec<_> = (0..3)
        .map(|_| {
            let waiting = waiting.clone();
            tokio::spawn(async move { waiting.wait_for_jobs(Duration::from_secs(60)).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    other.enqueue_job(&job("wake")).await.unwrap();
    for waiter in waiters {
        tokio::time::timeout(Duration::from_secs(10), waiter).await.expect("a waiter slept on").unwrap();
    }
}
