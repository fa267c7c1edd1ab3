//! Scheduling a post through the API: every variant to the client's connected account at one time in the
//! client's time zone, with its publish job — and every bad input refused with the field at fault and nothing
//! scheduled half-way.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot set up should stop loudly

use chorus_domain::{Account, AccountStatus, Client, ClientId, Network, NewAccount, NewClient, Organization, PersonId};
use chorus_store::{JobCounts, PUBLISH_JOB_KIND};
use chorus_testkit::app::{Backend, TestApp, TestPerson, spawn_app_on};
use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn call(app: &TestApp, who: &TestPerson, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    app.call(&who.token, method, path, body).await
}

fn fields(problem: &Value) -> Vec<&str> {
    problem["errors"].as_array().map(|e| e.iter().filter_map(|f| f["field"].as_str()).collect()).unwrap_or_default()
}

fn messages(problem: &Value) -> String {
    problem["errors"]
        .as_array()
        .map(|e| e.iter().filter_map(|f| f["message"].as_str()).collect::<Vec<_>>().join(" | "))
        .unwrap_or_default()
}

fn utc(raw: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(raw).unwrap().with_timezone(&Utc)
}

async fn new_york_client(app: &TestApp, org: &Organization, name: &str) -> Client {
    let new = NewClient {
        name: chorus_domain::ClientName::parse(name).unwrap(),
        time_zone: chorus_domain::TimeZone::parse("America/New_York").unwrap(),
        office_hours: Default::default(),
        brand_notes: Default::default(),
    };
    app.store.create_client(org.id, new, None).await.unwrap()
}

async fn connect(app: &TestApp, org: &Organization, client: ClientId, network: Network, by: PersonId) -> Account {
    let account = NewAccount {
        network,
        handle: format!("roastery-{network}"),
        display_name: String::new(),
        remote_id: format!("remote-{network}"),
        server: "https://server.example".into(),
        connected_by: by,
    }
    .check()
    .unwrap();
    app.store.connect_account(org.id, client, &account, b"a sealed blob nobody opens here").await.unwrap()
}

async fn publish_jobs(app: &TestApp) -> JobCounts {
    app.store.count_jobs_of_kind(PUBLISH_JOB_KIND, Utc::now()).await.unwrap()
}

async fn post(app: &TestApp, who: &TestPerson, client: ClientId, variants: Value) -> (String, u64) {
    let body =
        json!({"status": "draft", "title": "Spring roast", "base_text": "Spring roast is here", "variants": variants});
    let (status, post) = call(app, who, Method::POST, &format!("/clients/{client}/posts"), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{post}");
    (post["id"].as_str().unwrap().to_string(), post["revision"].as_u64().unwrap())
}

async fn scheduling_refuses_bad_input_and_schedules_nothing_half_way(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let (org, owner) = app.organization("Northwind").await;
    let client = new_york_client(&app, &org, "Roastery").await;
    let bluesky = connect(&app, &org, client.id, Network::Bluesky, owner.person.id).await;
    let (id, revision) =
        post(&app, &owner, client.id, json!([{"network": "bluesky", "text": "Spring roast 🌱"}])).await;
    let schedule = format!("/posts/{id}/schedule");
    let publications = format!("/posts/{id}/publications");

    // The day before and the day after New York springs forward: 09:00 local is 14:00 UTC, then 13:00 UTC.
    let (status, before) =
        call(&app, &owner, Method::POST, &schedule, Some(json!({"at": "2027-03-13T09:00", "revision": revision})))
            .await;
    assert_eq!(status, StatusCode::OK, "{before}");
    assert_eq!(before["status"], "scheduled");
    assert_eq!(before["publications"][0]["publication"]["state"], "scheduled");
    assert_eq!(utc(before["publications"][0]["publication"]["at"].as_str().unwrap()), utc("2027-03-13T14:00:00Z"));
    assert_eq!(before["publications"][0]["account_id"], bluesky.id.to_string());
    let (status, after) =
        call(&app, &owner, Method::POST, &schedule, Some(json!({"at": "2027-03-15T09:00", "revision": revision})))
            .await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(utc(after["publications"][0]["publication"]["at"].as_str().unwrap()), utc("2027-03-15T13:00:00Z"));
    assert_eq!(publish_jobs(&app).await.scheduled, 1, "rescheduling moves the one job");

    // The job moved with it: not due at the first time, due at the second, keyed by the variant.
    assert!(
        app.store.claim_job("test", utc("2027-03-14T00:00:00Z"), utc("2027-03-14T00:10:00Z")).await.unwrap().is_none()
    );
    let job =
        app.store.claim_job("test", utc("2027-03-15T13:00:00Z"), utc("2027-03-15T13:10:00Z")).await.unwrap().unwrap();
    assert_eq!(job.run_at, utc("2027-03-15T13:00:00Z"));
    assert_eq!(job.payload["variant_id"], after["publications"][0]["variant_id"]);
    app.store.release_job(job.id, "test").await.unwrap();

    // A time that happens twice (New York falls back on 7 November 2027) is taken, with a note.
    let (status, twice) =
        call(&app, &owner, Method::POST, &schedule, Some(json!({"at": "2027-11-07T01:30", "revision": revision})))
            .await;
    assert_eq!(status, StatusCode::OK, "{twice}");
    assert!(twice["note"].as_str().unwrap().contains("happens twice"), "{twice}");
    assert_eq!(utc(twice["publications"][0]["publication"]["at"].as_str().unwrap()), utc("2027-11-07T05:30:00Z"));
    let (_, standing) = call(&app, &owner, Method::GET, &publications, None).await;

    // Refusals: each names its field, and what was scheduled stays exactly as it was.
    let past = "2026-01-01T09:00";
    let (status, problem) =
        call(&app, &owner, Method::POST, &schedule, Some(json!({"at": past, "revision": revision}))).await;
    assert_eq!((status, fields(&problem)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["at"]), "{problem}");
    let (status, problem) =
        call(&app, &owner, Method::POST, &schedule, Some(json!({"at": "2027-03-14T02:30", "revision": revision})))
            .await;
    assert_eq!((status, fields(&problem)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["at"]), "{problem}");
    assert!(messages(&problem).contains("03:00"), "the first time that exists is offered: {problem}");
    let (status, problem) =
        call(&app, &owner, Method::POST, &schedule, Some(json!({"at": "2027-03-15T09:00", "revision": revision + 7})))
            .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    let (status, problem) = call(
        &app,
        &owner,
        Method::POST,
        &schedule,
        Some(json!({"at_utc": "2027-03-15T13:00:00Z", "revision": revision})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{problem}");
    let (_, moved) = call(&app, &owner, Method::GET, &publications, None).await;
    assert_eq!(utc(moved["publications"][0]["publication"]["at"].as_str().unwrap()), utc("2027-03-15T13:00:00Z"));
    assert_ne!(standing, moved);
}

async fn a_variant_with_errors_or_without_an_account_schedules_nothing(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let (org, owner) = app.organization("Northwind").await;
    let client = new_york_client(&app, &org, "Roastery").await;
    connect(&app, &org, client.id, Network::Bluesky, owner.person.id).await;
    let at = json!("2027-03-15T09:00");

    // A variant over its limit is named; nothing of that post is stored.
    let (long, revision) = post(
        &app,
        &owner,
        client.id,
        json!([{"network": "mastodon", "text": "fine"}, {"network": "bluesky", "text": "a".repeat(301)}]),
    )
    .await;
    let (status, problem) = call(
        &app,
        &owner,
        Method::POST,
        &format!("/posts/{long}/schedule"),
        Some(json!({"at": at, "revision": revision})),
    )
    .await;
    assert_eq!((status, fields(&problem)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["variants[1].text"]), "{problem}");
    let (_, none) = call(&app, &owner, Method::GET, &format!("/posts/{long}/publications"), None).await;
    assert_eq!(
        (none["status"].as_str(), none["publications"].as_array().map(Vec::len)),
        (Some("unscheduled"), Some(0))
    );

    // No Mastodon account: the network is named, and the Bluesky variant is not scheduled alone.
    let (id, revision) = post(
        &app,
        &owner,
        client.id,
        json!([{"network": "mastodon", "text": "fine"}, {"network": "bluesky", "text": "fine too"}]),
    )
    .await;
    let schedule = format!("/posts/{id}/schedule");
    let body = json!({"at": at, "revision": revision});
    let (status, problem) = call(&app, &owner, Method::POST, &schedule, Some(body.clone())).await;
    assert_eq!(
        (status, fields(&problem)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["variants[0].network"]),
        "{problem}"
    );
    assert!(messages(&problem).contains("connect a Mastodon account for this client first"), "{problem}");

    // A disconnected account, then one that needs reconnecting, are refused saying so.
    let mastodon = connect(&app, &org, client.id, Network::Mastodon, owner.person.id).await;
    app.store.disconnect_account(org.id, client.id, mastodon.id).await.unwrap();
    let (status, problem) = call(&app, &owner, Method::POST, &schedule, Some(body.clone())).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(messages(&problem).contains("disconnected"), "{problem}");
    let mastodon = connect(&app, &org, client.id, Network::Mastodon, owner.person.id).await;
    app.store
        .set_account_status(org.id, mastodon.id, AccountStatus::NeedsReconnect, "the token was revoked", Utc::now())
        .await
        .unwrap();
    let (status, problem) = call(&app, &owner, Method::POST, &schedule, Some(body.clone())).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(messages(&problem).contains("connected again"), "{problem}");
    let (_, none) = call(&app, &owner, Method::GET, &format!("/posts/{id}/publications"), None).await;
    assert_eq!(none["status"], "unscheduled");
    assert_eq!(publish_jobs(&app).await, JobCounts::default(), "no job for anything refused");

    // Connected again, both go out together.
    connect(&app, &org, client.id, Network::Mastodon, owner.person.id).await;
    let (status, both) = call(&app, &owner, Method::POST, &schedule, Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{both}");
    assert_eq!(both["publications"].as_array().unwrap().len(), 2);
    assert_eq!(publish_jobs(&app).await.scheduled, 2);
}

async fn unscheduling_takes_back_publications_and_jobs(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let (org, owner) = app.organization("Northwind").await;
    let client = new_york_client(&app, &org, "Roastery").await;
    connect(&app, &org, client.id, Network::Bluesky, owner.person.id).await;
    let (id, revision) = post(&app, &owner, client.id, json!([{"network": "bluesky", "text": "Spring roast"}])).await;
    let body = json!({"at": "2027-03-15T09:00", "revision": revision});

    // Another organization sees none of it.
    let (_, stranger) = app.organization("Elsewhere").await;
    for (method, path) in [
        (Method::POST, format!("/posts/{id}/schedule")),
        (Method::POST, format!("/posts/{id}/unschedule")),
        (Method::GET, format!("/posts/{id}/publications")),
    ] {
        let (status, problem) = call(&app, &stranger, method, &path, Some(body.clone())).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {problem}");
    }

    let (status, scheduled) = call(&app, &owner, Method::POST, &format!("/posts/{id}/schedule"), Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{scheduled}");
    assert_eq!(publish_jobs(&app).await.scheduled, 1);
    let (status, left) = call(&app, &owner, Method::POST, &format!("/posts/{id}/unschedule"), None).await;
    assert_eq!((status, left["status"].as_str()), (StatusCode::OK, Some("unscheduled")), "{left}");
    let (_, none) = call(&app, &owner, Method::GET, &format!("/posts/{id}/publications"), None).await;
    assert_eq!(none["publications"], json!([]));
    assert_eq!(publish_jobs(&app).await, JobCounts::default());
}

#[tokio::test]
async fn scheduling_refuses_bad_input_and_schedules_nothing_half_way_on_sqlite() {
    scheduling_refuses_bad_input_and_schedules_nothing_half_way(Backend::Sqlite).await;
}

#[tokio::test]
async fn scheduling_refuses_bad_input_and_schedules_nothing_half_way_on_postgres() {
    scheduling_refuses_bad_input_and_schedules_nothing_half_way(Backend::Postgres).await;
}

#[tokio::test]
async fn a_variant_with_errors_or_without_an_account_schedules_nothing_on_sqlite() {
    a_variant_with_errors_or_without_an_account_schedules_nothing(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_variant_with_errors_or_without_an_account_schedules_nothing_on_postgres() {
    a_variant_with_errors_or_without_an_account_schedules_nothing(Backend::Postgres).await;
}

#[tokio::test]
async fn unscheduling_takes_back_publications_and_jobs_on_sqlite() {
    unscheduling_takes_back_publications_and_jobs(Backend::Sqlite).await;
}

#[tokio::test]
async fn unscheduling_takes_back_publications_and_jobs_on_postgres() {
    unscheduling_takes_back_publications_and_jobs(Backend::Postgres).await;
}

/// A scheduled post can still be edited (its schedule stays); one already out cannot be changed under the
/// network's feet.
#[tokio::test]
async fn a_scheduled_post_stays_editable_until_it_is_out() {
    let app = spawn_app_on(Backend::Sqlite).await;
    let (org, owner) = app.organization("Northwind").await;
    let client = new_york_client(&app, &org, "Roastery").await;
    let account = connect(&app, &org, client.id, Network::Bluesky, owner.person.id).await;
    let (id, revision) = post(&app, &owner, client.id, json!([{"network": "bluesky", "text": "Spring roast"}])).await;
    let at = (Utc::now() + chrono::Duration::days(2)).to_rfc3339();
    let (status, scheduled) = call(
        &app,
        &owner,
        Method::POST,
        &format!("/posts/{id}/schedule"),
        Some(json!({"at_utc": at, "revision": revision})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{scheduled}");

    let edit = json!({"status": "draft", "title": "Spring roast", "base_text": "Spring roast is here",
        "variants": [{"network": "bluesky", "text": "Spring roast, now with tasting notes"}]});
    let (status, saved) = call(&app, &owner, Method::PUT, &format!("/posts/{id}"), Some(edit.clone())).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let (_, publications) = call(&app, &owner, Method::GET, &format!("/posts/{id}/publications"), None).await;
    assert!(publications.to_string().contains("scheduled"), "the edit keeps the schedule: {publications}");

    // Mark it published, as the publisher will, then try to edit it.
    let post_id: chorus_domain::PostId = id.parse().unwrap();
    let stored = app.store.post(org.id, post_id).await.unwrap();
    let out = chorus_store::PublicationPlan {
        variant_id: stored.variants[0].id,
        account_id: account.id,
        publication: chorus_domain::schedule::Publication::Published {
            remote_id: "at://did:plc:roastery/app.bsky.feed.post/3kabc".into(),
            url: "https://bsky.example/profile/roastery/post/3kabc".into(),
            published_at: Utc::now(),
        },
    };
    app.store.schedule_post(org.id, post_id, stored.revision, &[out], &[]).await.unwrap();
    let (status, problem) = call(&app, &owner, Method::PUT, &format!("/posts/{id}"), Some(edit)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert!(problem["detail"].as_str().unwrap_or_default().contains("published"), "{problem}");
}
