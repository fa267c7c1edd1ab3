//! Publications: a post's variants scheduled to the client's connected accounts all or nothing, together with
//! the jobs that publish them; a stale revision, a foreign or disconnected account, or a variant already out
//! leaves nothing behind.

use chorus_domain::schedule::Publication;
use chorus_domain::{Account, ClientId, Network, NewAccount, OrganizationId, Post, PostStatus};
use chorus_store::{NewJob, PUBLISH_JOB_KIND, PublicationPlan, PublicationRecord, StoreError, publish_job_key};
use chrono::{DateTime, Utc};
use serde_json::json;

use super::{Db, assert_missing, client, minutes, organization, post_draft, t0, variant};

fn account(network: Network, remote_id: &str, by: chorus_domain::PersonId) -> NewAccount {
    NewAccount {
        network,
        handle: format!("roastery-{remote_id}"),
        display_name: String::new(),
        remote_id: remote_id.into(),
        server: "https://server.example".into(),
        connected_by: by,
    }
    .check()
    .unwrap()
}

async fn connect(store: &Db, org: OrganizationId, client: ClientId, new: &NewAccount) -> Account {
    store.connect_account(org, client, new, b"sealed").await.unwrap()
}

fn plan(post: &Post, network: Network, account: &Account, at: DateTime<Utc>) -> PublicationPlan {
    let variant = post.variants.iter().find(|v| v.network == network).unwrap();
    PublicationPlan { variant_id: variant.id, account_id: account.id, publication: Publication::Scheduled { at } }
}

fn publish_job(plan: &PublicationPlan, at: DateTime<Utc>) -> NewJob {
    NewJob {
        kind: PUBLISH_JOB_KIND.into(),
        payload: json!({ "variant_id": plan.variant_id }),
        run_at: at,
        max_attempts: 5,
        unique_key: Some(publish_job_key(plan.variant_id)),
    }
}

/// Every job due by `until`, claimed (so each comes back once), as (unique key payload, run_at).
async fn queued(store: &Db, until: DateTime<Utc>) -> Vec<(serde_json::Value, DateTime<Utc>)> {
    let mut jobs = Vec::new();
    while let Some(job) = store.claim_job("suite", until, until + minutes(10)).await.unwrap() {
        assert_eq!(job.kind, PUBLISH_JOB_KIND);
        jobs.push((job.payload, job.run_at));
    }
    jobs.sort_by_key(|(_, at)| *at);
    jobs
}

fn states(records: &[PublicationRecord]) -> Vec<(Network, &'static str)> {
    records.iter().map(|r| (r.network, r.publication.state_name())).collect()
}

struct Setup {
    org: OrganizationId,
    client: ClientId,
    post: Post,
    bluesky: Account,
    mastodon: Account,
}

async fn setup(store: &Db) -> Setup {
    let (org, owner) = organization(store, "Northwind").await;
    let c = client(store, org.id, "Roastery").await;
    let draft = post_draft(
        PostStatus::Draft,
        "Launch",
        "New beans",
        vec![variant(Network::Bluesky, "New beans on Bluesky"), variant(Network::Mastodon, "New beans here")],
    );
    let post = store.create_post(org.id, c.id, &draft, owner.id).await.unwrap();
    let bluesky = connect(store, org.id, c.id, &account(Network::Bluesky, "did:plc:roastery", owner.id)).await;
    let mastodon = connect(store, org.id, c.id, &account(Network::Mastodon, "109", owner.id)).await;
    Setup { org: org.id, client: c.id, post, bluesky, mastodon }
}

pub async fn a_post_is_scheduled_with_its_jobs_in_one_step(store: Db) {
    let s = setup(&store).await;
    let at = t0() + minutes(60);
    let plans = [
        plan(&s.post, Network::Bluesky, &s.bluesky, at),
        plan(&s.post, Network::Mastodon, &s.mastodon, at + minutes(5)),
    ];
    let jobs = [publish_job(&plans[0], at), publish_job(&plans[1], at + minutes(5))];
    let stored = store.schedule_post(s.org, s.post.id, s.post.revision, &plans, &jobs).await.unwrap();
    assert_eq!(states(&stored), [(Network::Bluesky, "scheduled"), (Network::Mastodon, "scheduled")]);
    assert_eq!(stored[0].publication, Publication::Scheduled { at });
    assert_eq!(stored[0].account_id, s.bluesky.id);
    assert_eq!(stored[1].client_id, s.client);
    assert_eq!(store.publications(s.org, s.post.id).await.unwrap(), stored);

    let calendar = store.scheduled_between(s.org, Some(s.client), at, at + minutes(1)).await.unwrap();
    assert_eq!(states(&calendar), [(Network::Bluesky, "scheduled")], "the range is half-open and by time");
    assert_eq!(store.scheduled_between(s.org, None, at - minutes(1), at + minutes(10)).await.unwrap().len(), 2);

    // Rescheduling replaces the publications and moves the queued jobs: still one per variant.
    let later = at + minutes(120);
    let moved =
        [plan(&s.post, Network::Bluesky, &s.bluesky, later), plan(&s.post, Network::Mastodon, &s.mastodon, later)];
    let jobs = [publish_job(&moved[0], later), publish_job(&moved[1], later)];
    store.schedule_post(s.org, s.post.id, s.post.revision, &moved, &jobs).await.unwrap();
    let found = queued(&store, later + minutes(1)).await;
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found.iter().all(|(_, run_at)| *run_at == later), "{found:?}");
    let keys: Vec<serde_json::Value> = plans.iter().map(|p| json!({ "variant_id": p.variant_id })).collect();
    assert!(keys.iter().all(|k| found.iter().any(|(payload, _)| payload == k)), "{found:?}");
}

pub async fn scheduling_is_all_or_nothing(store: Db) {
    let s = setup(&store).await;
    let at = t0() + minutes(60);
    // The Mastodon account is disconnected: neither variant is scheduled, no job is queued.
    store.disconnect_account(s.org, s.client, s.mastodon.id).await.unwrap();
    let plans = [plan(&s.post, Network::Bluesky, &s.bluesky, at), plan(&s.post, Network::Mastodon, &s.mastodon, at)];
    let jobs = [publish_job(&plans[0], at), publish_job(&plans[1], at)];
    match store.schedule_post(s.org, s.post.id, s.post.revision, &plans, &jobs).await {
        Err(StoreError::Conflict { field: "account", message }) => {
            assert!(message.contains("Mastodon") && message.contains("disconnected"), "{message}")
        }
        other => panic!("a disconnected account: {other:?}"),
    }
    assert!(store.publications(s.org, s.post.id).await.unwrap().is_empty());
    assert!(queued(&store, at + minutes(1)).await.is_empty());

    // Another client's account is not found.
    let other = client(&store, s.org, "Other").await;
    let foreign = connect(&store, s.org, other.id, &account(Network::Mastodon, "200", s.mastodon.connected_by)).await;
    let plans = [plan(&s.post, Network::Bluesky, &s.bluesky, at), plan(&s.post, Network::Mastodon, &foreign, at)];
    let jobs = [publish_job(&plans[0], at)];
    assert_missing(
        store.schedule_post(s.org, s.post.id, s.post.revision, &plans, &jobs).await,
        "account",
        "another client's account",
    );
    assert!(store.publications(s.org, s.post.id).await.unwrap().is_empty());
    assert!(queued(&store, at + minutes(1)).await.is_empty());

    // A stale revision is a conflict on it, and stores nothing.
    let plans = [plan(&s.post, Network::Bluesky, &s.bluesky, at)];
    let jobs = [publish_job(&plans[0], at)];
    match store.schedule_post(s.org, s.post.id, s.post.revision + 1, &plans, &jobs).await {
        Err(StoreError::Conflict { field: "revision", .. }) => {}
        other => panic!("a stale revision: {other:?}"),
    }
    assert!(store.publications(s.org, s.post.id).await.unwrap().is_empty());
    assert!(queued(&store, at + minutes(1)).await.is_empty());
}

pub async fn published_variants_cannot_be_scheduled_again(store: Db) {
    let s = setup(&store).await;
    let at = t0() + minutes(60);
    let published = PublicationPlan {
        publication: Publication::Published {
            remote_id: "at://did:plc:roastery/post/1".into(),
            url: "https://bsky.app/profile/roastery/post/1".into(),
            published_at: t0(),
        },
        ..plan(&s.post, Network::Bluesky, &s.bluesky, at)
    };
    let stored =
        store.schedule_post(s.org, s.post.id, s.post.revision, std::slice::from_ref(&published), &[]).await.unwrap();
    assert_eq!(stored[0].publication, published.publication, "every state round-trips");
    let again = [plan(&s.post, Network::Bluesky, &s.bluesky, at)];
    match store.schedule_post(s.org, s.post.id, s.post.revision, &again, &[publish_job(&again[0], at)]).await {
        Err(StoreError::Conflict { field: "publication", message }) => {
            assert!(message.contains("Bluesky") && message.contains("published"), "{message}")
        }
        other => panic!("scheduling a published variant: {other:?}"),
    }
    assert!(queued(&store, at + minutes(1)).await.is_empty());
}

pub async fn unscheduling_takes_back_publications_and_their_jobs(store: Db) {
    let s = setup(&store).await;
    let at = t0() + minutes(60);
    let plans = [plan(&s.post, Network::Bluesky, &s.bluesky, at), plan(&s.post, Network::Mastodon, &s.mastodon, at)];
    let jobs = [publish_job(&plans[0], at), publish_job(&plans[1], at)];
    store.schedule_post(s.org, s.post.id, s.post.revision, &plans, &jobs).await.unwrap();
    let left = store.unschedule_post(s.org, s.post.id).await.unwrap();
    assert!(left.is_empty(), "{left:?}");
    assert!(store.publications(s.org, s.post.id).await.unwrap().is_empty());
    assert!(queued(&store, at + minutes(1)).await.is_empty());

    let (other, _) = organization(&store, "Elsewhere").await;
    assert_missing(store.publications(other.id, s.post.id).await, "post", "another organization's post");
    assert_missing(store.unschedule_post(other.id, s.post.id).await, "post", "another organization's post");
    assert_missing(
        store.schedule_post(other.id, s.post.id, s.post.revision, &plans, &[]).await,
        "post",
        "another organization's post",
    );
    assert!(store.scheduled_between(other.id, None, at - minutes(10), at + minutes(10)).await.unwrap().is_empty());
}

/// Editing a scheduled post keeps the schedule of the networks it keeps; a network taken out goes with its
/// publication and its queued job, so nothing is published for a variant that no longer exists.
pub async fn editing_a_scheduled_post_keeps_its_schedule(store: Db) {
    let s = setup(&store).await;
    let at = t0() + minutes(60);
    let plans = [plan(&s.post, Network::Bluesky, &s.bluesky, at), plan(&s.post, Network::Mastodon, &s.mastodon, at)];
    let jobs = [publish_job(&plans[0], at), publish_job(&plans[1], at)];
    store.schedule_post(s.org, s.post.id, s.post.revision, &plans, &jobs).await.unwrap();

    let mut edited = s.post.to_draft();
    edited.variants.retain(|v| v.network == Network::Bluesky);
    edited.variants[0].text = "New beans on Bluesky, now with tasting notes".into();
    let saved = store.update_post(s.org, s.post.id, &edited, s.post.created_by, Some(s.post.revision)).await.unwrap();
    assert_eq!(saved.variants[0].id, plans[0].variant_id, "a kept network keeps its variant");
    assert_eq!(store.post(s.org, s.post.id).await.unwrap().variants[0].text, edited.variants[0].text);
    assert_eq!(states(&store.publications(s.org, s.post.id).await.unwrap()), [(Network::Bluesky, "scheduled")]);
    let found = queued(&store, at + minutes(1)).await;
    assert_eq!(found, [(json!({ "variant_id": plans[0].variant_id }), at)], "Mastodon's job went with its variant");
}
