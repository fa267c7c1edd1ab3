//! The job queue's guarantees beyond claiming: one live job per unique key, heartbeats that keep a lease,
//! attempts that run out even when the worker dies, and counts per kind.

use std::collections::BTreeSet;

use chorus_store::{JobCounts, LAST_ATTEMPT_LOST, NewJob};
use chrono::{DateTime, TimeDelta, Utc};

use super::{Db, minutes, t0};

fn keyed(kind: &str, key: Option<&str>, max_attempts: u32, run_at: DateTime<Utc>) -> NewJob {
    NewJob {
        kind: kind.to_string(),
        payload: serde_json::json!({ "kind": kind }),
        run_at,
        max_attempts,
        unique_key: key.map(str::to_string),
    }
}

pub async fn a_unique_key_admits_one_live_job(store: Db) {
    let t = t0();
    let publish = keyed("publish", Some("publish:variant-1"), 3, t);
    let first = store.enqueue_job(&publish).await.unwrap();
    assert_eq!(store.enqueue_job(&publish).await.unwrap(), first, "queued: the same job comes back");
    let other = store.enqueue_job(&keyed("publish", Some("publish:variant-2"), 3, t)).await.unwrap();
    assert_ne!(other, first, "another key is another job");
    let unkeyed = keyed("publish", None, 3, t);
    assert_ne!(store.enqueue_job(&unkeyed).await.unwrap(), store.enqueue_job(&unkeyed).await.unwrap());
    assert_eq!(store.job_counts(t).await.unwrap(), JobCounts { ready: 4, ..JobCounts::default() });

    // Claim everything, then finish the keyed jobs one way or another.
    let mut claimed = BTreeSet::new();
    while let Some(job) = store.claim_job("w1", t, t + minutes(5)).await.unwrap() {
        claimed.insert(job.id);
    }
    assert!(claimed.contains(&first));
    assert_eq!(store.enqueue_job(&publish).await.unwrap(), first, "running: the same job comes back");

    store.complete_job(first, "w1").await.unwrap();
    let second = store.enqueue_job(&publish).await.unwrap();
    assert_ne!(second, first, "a completed job frees its key");
    assert_eq!(store.enqueue_job(&publish).await.unwrap(), second);

    store.fail_job(other, "w1", "gave up", None).await.unwrap();
    let revived = store.enqueue_job(&keyed("publish", Some("publish:variant-2"), 3, t)).await.unwrap();
    assert_ne!(revived, other, "a dead job frees its key");
    assert_eq!(store.dead_jobs(10).await.unwrap().len(), 1, "and stays visible among the dead");
}

pub async fn concurrent_enqueues_with_one_key_make_one_job(store: Db) {
    let t = t0();
    for round in 0..5 {
        let key = format!("poll-feeds-{round}");
        let enqueues: Vec<_> = (0..8)
            .map(|_| {
                let store = store.clone();
                let job = keyed("poll_feeds", Some(&key), 1, t);
                tokio::spawn(async move { store.enqueue_job(&job).await.unwrap() })
            })
            .collect();
        let mut ids = BTreeSet::new();
        for enqueue in enqueues {
            ids.insert(enqueue.await.unwrap());
        }
        assert_eq!(ids.len(), 1, "round {round}: every enqueue got the one job");
    }
    assert_eq!(store.count_jobs_of_kind("poll_feeds", t).await.unwrap().ready, 5);
}

pub async fn a_heartbeat_keeps_the_lease_and_a_stolen_lease_refuses_it(store: Db) {
    let t = t0();
    let id = store.enqueue_job(&keyed("slow", None, 3, t)).await.unwrap();
    let first = store.claim_job("w1", t, t + minutes(1)).await.unwrap().unwrap();
    assert_eq!((first.id, first.attempts), (id, 1));

    assert!(store.extend_lease(id, "w1", 1, t + minutes(3)).await.unwrap(), "the holder extends its lease");
    assert!(store.claim_job("w2", t + minutes(2), t + minutes(4)).await.unwrap().is_none(), "still leased");
    assert_eq!(store.job_counts(t + minutes(2)).await.unwrap(), JobCounts { running: 1, ..JobCounts::default() });
    assert!(!store.extend_lease(id, "w2", 1, t + minutes(9)).await.unwrap(), "only the holder extends");

    // w1 stops beating; once its lease runs out, w2 takes the job and w1's late heartbeat is refused.
    let second = store.claim_job("w2", t + minutes(4), t + minutes(5)).await.unwrap().expect("the lease ran out");
    assert_eq!((second.id, second.attempts), (id, 2));
    assert!(!store.extend_lease(id, "w1", 1, t + minutes(9)).await.unwrap(), "a stolen lease is not extended");
    assert!(store.extend_lease(id, "w2", 2, t + minutes(6)).await.unwrap());

    // The same worker claiming again after its own lease ran out: the old run's heartbeat is refused.
    let third = store.claim_job("w2", t + minutes(7), t + minutes(8)).await.unwrap().expect("ran out again");
    assert_eq!(third.attempts, 3);
    assert!(!store.extend_lease(id, "w2", 2, t + minutes(9)).await.unwrap(), "an earlier attempt is not extended");
    assert!(store.extend_lease(id, "w2", 3, t + minutes(9)).await.unwrap());
    store.complete_job(id, "w2").await.unwrap();
    assert!(!store.extend_lease(id, "w2", 3, t + minutes(10)).await.unwrap(), "a finished job has no lease");
}

pub async fn a_lease_lost_on_the_last_attempt_buries_the_job(store: Db) {
    let t = t0();
    let last = store.enqueue_job(&keyed("crashy", Some("crashy:1"), 2, t)).await.unwrap();
    let spare = store.enqueue_job(&keyed("patient", None, 2, t + TimeDelta::seconds(1))).await.unwrap();

    // Attempt 1 of 2 dies: claimable again. Attempt 2 of 2 dies: dead, never claimed a third time.
    assert_eq!(store.claim_job("w1", t, t + minutes(1)).await.unwrap().unwrap().id, last);
    let retry = store.claim_job("w2", t + minutes(2), t + minutes(3)).await.unwrap().unwrap();
    assert_eq!((retry.id, retry.attempts), (last, 2), "an earlier attempt's lost lease is retried");
    assert_eq!(
        store.count_jobs_of_kind("crashy", t + minutes(4)).await.unwrap(),
        JobCounts { dead: 1, ..JobCounts::default() },
        "counted dead as soon as the last lease ran out"
    );
    let next = store.claim_job("w3", t + minutes(4), t + minutes(5)).await.unwrap().expect("the other job");
    assert_eq!(next.id, spare, "the job whose last attempt was lost is not claimed again");
    assert!(
        store
            .claim_job("w3", t + TimeDelta::days(1), t + TimeDelta::days(2))
            .await
            .unwrap()
            .is_some_and(|j| j.id == spare)
    );
    assert!(store.claim_job("w3", t + TimeDelta::days(3), t + TimeDelta::days(4)).await.unwrap().is_none());

    let dead = store.dead_jobs(10).await.unwrap();
    let buried = dead.iter().find(|job| job.id == last).expect("buried");
    assert_eq!(buried.attempts, 2);
    assert_eq!(buried.last_error.as_deref(), Some(LAST_ATTEMPT_LOST));
    assert!(!store.extend_lease(last, "w2", 2, t + minutes(9)).await.unwrap(), "a dead job's lease is over");
    assert_ne!(
        store.enqueue_job(&keyed("crashy", Some("crashy:1"), 2, t)).await.unwrap(),
        last,
        "a dead job frees its key"
    );
}

pub async fn jobs_are_counted_by_kind(store: Db) {
    let t = t0();
    for n in 1..=3 {
        store.enqueue_job(&keyed("purge_expired", None, 3, t - TimeDelta::seconds(n))).await.unwrap();
    }
    store.enqueue_job(&keyed("purge_expired", None, 3, t + TimeDelta::hours(1))).await.unwrap();
    store.enqueue_job(&keyed("poll_feeds", None, 1, t + TimeDelta::seconds(1))).await.unwrap();
    let running = store.claim_job("w1", t, t + minutes(5)).await.unwrap().unwrap();
    let dying = store.claim_job("w1", t, t + minutes(5)).await.unwrap().unwrap();
    store.fail_job(dying.id, "w1", "boom", None).await.unwrap();
    assert_eq!((running.kind.as_str(), dying.kind.as_str()), ("purge_expired", "purge_expired"));

    assert_eq!(
        store.count_jobs_of_kind("purge_expired", t).await.unwrap(),
        JobCounts { ready: 1, scheduled: 1, running: 1, dead: 1 }
    );
    assert_eq!(
        store.count_jobs_of_kind("poll_feeds", t).await.unwrap(),
        JobCounts { scheduled: 1, ..JobCounts::default() }
    );
    assert_eq!(store.count_jobs_of_kind("nothing", t).await.unwrap(), JobCounts::default());
    assert_eq!(store.job_counts(t).await.unwrap(), JobCounts { ready: 1, scheduled: 2, running: 1, dead: 1 });
}
