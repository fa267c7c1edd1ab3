//! Tenant isolation, walked over every route of the OpenAPI document: someone who works on client A — a
//! staff member limited to A, and a client user of A — can neither read nor change anything of client B.
//!
//! New routes are covered automatically; a route with a path parameter this test does not know fails the
//! test until the parameter is mapped to an object of client B below.
//!
//! The page behind an asset request's link (`/upload/{secret}`) is not an API route and has no actor: its only key
//! is the link's secret, so there is no "someone of client A" to walk it as. `tests/asset_requests.rs` covers it:
//! an altered or guessed secret finds nothing, and another organization cannot see or revoke the request.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot set up should stop loudly

use chorus_domain::{InvitationId, Role, TokenScope};
use chorus_store::{ApiToken, Invitation};
use chorus_testkit::app::{Backend, TestApp, TestPerson, only, spawn_app_on};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Everything of client B that A's people must not reach.
struct ClientB {
    client: chorus_domain::Client,
    user: TestPerson,
    invitation: Invitation,
    token: ApiToken,
    pillar: chorus_domain::Pillar,
    goal: chorus_domain::Goal,
    post: chorus_domain::Post,
    asset: chorus_domain::Asset,
    asset_request: chorus_domain::AssetRequest,
    feed: chorus_domain::Feed,
    account: chorus_domain::Account,
}

impl ClientB {
    fn ids(&self) -> Vec<String> {
        vec![
            self.client.id.to_string(),
            self.user.person.id.to_string(),
            self.invitation.id.to_string(),
            self.token.id.to_string(),
            self.pillar.id.to_string(),
            self.goal.id.to_string(),
            self.post.id.to_string(),
            self.asset.id.to_string(),
            self.asset_request.id.to_string(),
            self.feed.id.to_string(),
            self.account.id.to_string(),
        ]
        .into_iter()
        .chain(self.post.variants.iter().map(|v| v.id.to_string()))
        .collect()
    }

    fn object_for(&self, parameter: &str) -> String {
        match parameter {
            "client_id" => self.client.id.to_string(),
            "person_id" => self.user.person.id.to_string(),
            "invitation_id" => self.invitation.id.to_string(),
            "token_id" => self.token.id.to_string(),
            "pillar_id" => self.pillar.id.to_string(),
            "goal_id" => self.goal.id.to_string(),
            "post_id" => self.post.id.to_string(),
            "asset_id" => self.asset.id.to_string(),
            "asset_request_id" => self.asset_request.id.to_string(),
            "feed_id" => self.feed.id.to_string(),
            "account_id" => self.account.id.to_string(),
            other => panic!("the path parameter {{{other}}} is new: map it to an object of client B in this test"),
        }
    }
}

async fn client_b(app: &TestApp, org: &chorus_domain::Organization, owner: &TestPerson) -> ClientB {
    let client = app.client(org, "Bravo").await;
    let user = app.person(org, "bea@bravo.example", Role::Client, only(&[client.id])).await;
    let invitation = Invitation {
        id: InvitationId::new(),
        organization_id: org.id,
        email: chorus_domain::Email::parse("ben@bravo.example").unwrap(),
        name: chorus_domain::PersonName::parse("Ben").unwrap(),
        role: Role::Client,
        client_access: only(&[client.id]),
        invited_by: owner.person.id,
        created_at: chrono::Utc::now(),
        expires_at: chrono::Utc::now() + chrono::Duration::days(7),
    };
    app.store.create_invitation(&invitation, b"secret-of-ben").await.unwrap();
    app.token_for(&user.person, TokenScope::Write).await;
    let token = app.store.list_api_tokens(org.id, user.person.id).await.unwrap().remove(0);
    let pillar = app
        .store
        .create_pillar(
            org.id,
            client.id,
            &serde_json::from_value(json!({"name": "Bravo pillar", "colour": "#112233", "target_share": 40})).unwrap(),
        )
        .await
        .unwrap();
    let goal = app
        .store
        .create_goal(
            org.id,
            client.id,
            &serde_json::from_value(json!({"metric": "reach", "target": 1000.0, "period": "month"})).unwrap(),
        )
        .await
        .unwrap();
    let voice = serde_json::from_value(json!({"banned_words": ["bravo-secret"]})).unwrap();
    app.store.set_brand_voice(org.id, client.id, &voice).await.unwrap();
    let draft = serde_json::from_value(json!({
        "title": "Bravo launch",
        "base_text": "bravo-secret text",
        "pillar_id": pillar.id,
        "variants": [{"network": "x", "text": "bravo-secret"}, {"network": "instagram", "text": "bravo"}]
    }))
    .unwrap();
    let post = app.store.create_post(org.id, client.id, &draft, owner.person.id).await.unwrap();
    // A whole 1×1 PNG: uploads decode images to make their thumbnails.
    let png = b"\x89PNG\x0d\x0a\x1a\x0a\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cchhh\x00\x00\x03\x04\x01\x81K\xd3\xd2\x10\x00\x00\x00\x00IEND\xaeB`\x82".to_vec();
    let uploaded = app
        .api(Method::POST, &format!("/clients/{}/assets?filename=bravo.png", client.id), &owner.token)
        .body(png)
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), StatusCode::CREATED);
    let asset: chorus_domain::AssetId =
        uploaded.json::<Value>().await.unwrap()["id"].as_str().unwrap().parse().unwrap();
    let asset = app.store.asset(org.id, asset).await.unwrap();
    let asset_request = chorus_domain::AssetRequest {
        id: chorus_domain::AssetRequestId::new(),
        organization_id: org.id,
        client_id: client.id,
        message: "bravo-secret photos".into(),
        folder: None,
        max_files: 5,
        files_received: 0,
        created_by: owner.person.id,
        created_at: chrono::Utc::now(),
        expires_at: chrono::Utc::now() + chrono::Duration::days(7),
        revoked_at: None,
    };
    let asset_request =
        app.store.create_asset_request(org.id, client.id, &asset_request, b"secret-of-bravo-link").await.unwrap();
    let feed =
        serde_json::from_value(json!({"name": "Bravo blog", "url": "https://bravo.example/feed", "networks": ["x"]}));
    let feed = app.store.create_feed(org.id, client.id, &feed.unwrap(), owner.person.id).await.unwrap();
    let account = chorus_domain::NewAccount {
        network: chorus_domain::Network::Bluesky,
        handle: "bravo.bsky.example".into(),
        display_name: "Bravo".into(),
        remote_id: "did:plc:bravobravobravobravobravo".into(),
        server: "https://pds.bravo.example".into(),
        connected_by: owner.person.id,
    };
    let account = app.store.connect_account(org.id, client.id, &account, b"sealed-bravo-secret").await.unwrap();
    ClientB { client, user, invitation, token, pillar, goal, post, asset, asset_request, feed, account }
}

/// A body that would take over B's objects if any handler accepted it.
fn hostile_body(b: &ClientB) -> Value {
    json!({
        "name": "Taken over",
        "time_zone": "UTC",
        "email": "intruder@evil.example",
        "role": "client",
        "client_access": {"kind": "only", "client_ids": [b.client.id]},
        "deactivated": true,
        "scope": "write",
        "colour": "#000000",
        "target_share": 10,
        "metric": "reach",
        "target": 1.0,
        "period": "month",
        "banned_words": ["hijacked"],
        "text": "Taken over",
        "title": "Taken over",
        "base_text": "Taken over",
        "sponsored": true,
        "variants": [{"network": "x", "text": "Taken over"}],
        "revision": b.post.revision,
        "alt_text": "Taken over",
        "filename": "taken-over.png",
        "message": "Taken over",
        "handle": "taken-over.bsky.example",
        "app_password": "taken-over",
        "instance": "taken-over.example",
        "folder": "Taken over",
        "tags": ["taken over"],
        "focal_point": {"x": 0, "y": 0},
        "asset_ids": [b.asset.id],
        "action": "delete",
        "tag": "taken over",
        "from": "Taken over",
        "to": "Taken over",
        "url": "https://taken-over.example/feed",
        "networks": ["x"],
        "at": "2027-03-15T09:00",
    })
}

async fn walk_every_route(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let (org, owner) = app.organization("Northwind").await;
    let a = app.client(&org, "Alpha").await;
    let b = client_b(&app, &org, &owner).await;
    let actors = [
        (
            "a manager limited to client A",
            app.person(&org, "max@northwind.example", Role::Manager, only(&[a.id])).await,
        ),
        ("a client user of client A", app.person(&org, "ann@alpha.example", Role::Client, only(&[a.id])).await),
    ];

    let document = serde_json::to_value(chorus_web::openapi()).unwrap();
    let mut checked = 0;
    for (path, operations) in document["paths"].as_object().unwrap() {
        for method in operations.as_object().unwrap().keys() {
            let method: Method = method.to_uppercase().parse().unwrap();
            let parameters: Vec<&str> =
                path.split('{').skip(1).filter_map(|rest| rest.split_once('}').map(|(name, _)| name)).collect();
            let mut concrete = path.clone();
            for p in &parameters {
                concrete = concrete.replace(&format!("{{{p}}}"), &b.object_for(p));
            }
            for (who, actor) in &actors {
                let mut request = app.api(method.clone(), &concrete, &actor.token);
                if matches!(method, Method::POST | Method::PATCH | Method::PUT) {
                    request = request.json(&hostile_body(&b));
                }
                let response = request.send().await.unwrap();
                let status = response.status();
                let body = response.text().await.unwrap();
                if !parameters.is_empty() {
                    assert!(
                        status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND,
                        "{method} {path} as {who} on client B's object answered {status}: {body}"
                    );
                }
                // Whatever the route, nothing of B comes back (the id we sent is not echoed either).
                for id in b.ids() {
                    assert!(!body.contains(&id), "{method} {path} as {who} revealed {id} of client B: {body}");
                }
                assert!(!status.is_server_error(), "{method} {path} as {who}: {status} {body}");
                checked += 1;
            }
        }
    }
    assert!(checked >= 30, "the walk covered only {checked} requests; did the document lose its routes?");

    // And nothing of B changed.
    let client = app.store.client(org.id, b.client.id).await.unwrap();
    assert_eq!(client.name.as_str(), "Bravo");
    assert!(client.archived_at.is_none());
    let user = app.store.person(org.id, b.user.person.id).await.unwrap();
    assert!(user.is_active());
    assert_eq!(user.client_access, only(&[b.client.id]));
    assert_eq!(user.name, b.user.person.name);
    let invitations = app.store.list_invitations(org.id).await.unwrap();
    assert!(invitations.iter().any(|i| i.id == b.invitation.id), "B's invitation still stands");
    assert!(invitations.iter().all(|i| i.email.as_str() != "intruder@evil.example"), "no invitation into B");
    assert!(app.store.publications(org.id, b.post.id).await.unwrap().is_empty(), "nothing of B was scheduled");
    let feed = app.store.feed(org.id, b.feed.id).await.unwrap();
    let untouched = (feed.name.as_str(), feed.paused, feed.last_checked_at);
    assert_eq!(untouched, ("Bravo blog", false, None), "B's feed untouched");
    let token = app.store.list_api_tokens(org.id, b.user.person.id).await.unwrap().remove(0);
    assert!(token.revoked_at.is_none());
    let b_people = app
        .store
        .list_people(
            org.id,
            &chorus_store::PeopleQuery { client_users_of: only(&[b.client.id]), include_deactivated: true },
            &Default::default(),
        )
        .await
        .unwrap();
    assert!(b_people.items.iter().all(|p| p.name.as_str() != "Taken over"));
    assert_eq!(app.store.organization(org.id).await.unwrap().name.as_str(), "Northwind");
    assert_eq!(app.store.list_pillars(org.id, b.client.id).await.unwrap(), vec![b.pillar.clone()]);
    assert_eq!(app.store.list_goals(org.id, b.client.id).await.unwrap(), vec![b.goal.clone()]);
    assert_eq!(app.store.brand_voice(org.id, b.client.id).await.unwrap().banned_words, ["bravo-secret"]);
    assert_eq!(app.store.post(org.id, b.post.id).await.unwrap(), b.post, "B's post is unchanged");
    assert_eq!(app.store.post_revisions(org.id, b.post.id).await.unwrap().len(), 1, "and was never saved again");
    let b_posts = chorus_store::PostQuery { access: only(&[b.client.id]), client: None, status: None, search: None };
    let b_posts = app.store.list_posts(org.id, &b_posts, &Default::default()).await.unwrap();
    assert_eq!(b_posts.items, std::slice::from_ref(&b.post), "no post was planted in B or copied from it");
    assert_eq!(app.store.asset(org.id, b.asset.id).await.unwrap(), b.asset, "B's asset is unchanged");
    let b_assets = app.store.list_assets(org.id, b.client.id, &Default::default(), &Default::default()).await.unwrap();
    assert_eq!(b_assets.items, std::slice::from_ref(&b.asset), "no asset was planted in B");
    let b_requests = app.store.list_asset_requests(org.id, b.client.id).await.unwrap();
    assert_eq!(b_requests, std::slice::from_ref(&b.asset_request), "B's request is neither revoked nor joined");
    let b_file = chorus_store::BlobKey::asset(b.client.id, b.asset.id);
    assert!(app.state.blobs.get(&b_file).await.is_ok(), "and its file is still there");
    // B's own user still works: the walk did not lock B out either.
    assert_eq!(app.api(Method::GET, "/me", &b.user.token).send().await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn people_of_client_a_reach_nothing_of_client_b_on_sqlite() {
    walk_every_route(Backend::Sqlite).await;
}

#[tokio::test]
async fn people_of_client_a_reach_nothing_of_client_b_on_postgres() {
    walk_every_route(Backend::Postgres).await;
}

#[tokio::test]
async fn organizations_are_isolated_from_each_other() {
    let app = spawn_app_on(Backend::Sqlite).await;
    let (_, owner_1) = app.organization("Northwind").await;
    let (org_2, owner_2) = app.organization("Southwind").await;
    let theirs = app.client(&org_2, "Their client").await;
    let draft = serde_json::from_value(json!({"title": "Theirs", "variants": [{"network": "x", "text": "Theirs"}]}));
    let their_post = app.store.create_post(org_2.id, theirs.id, &draft.unwrap(), owner_2.person.id).await.unwrap();
    for (method, path) in [
        (Method::GET, format!("/clients/{}", theirs.id)),
        (Method::PATCH, format!("/clients/{}", theirs.id)),
        (Method::POST, format!("/clients/{}/archive", theirs.id)),
        (Method::POST, format!("/clients/{}/posts", theirs.id)),
        (Method::GET, format!("/clients/{}/assets", theirs.id)),
        (Method::POST, format!("/clients/{}/assets", theirs.id)),
        (Method::GET, format!("/posts/{}", their_post.id)),
        (Method::PUT, format!("/posts/{}", their_post.id)),
        (Method::POST, format!("/posts/{}/duplicate", their_post.id)),
        (Method::DELETE, format!("/posts/{}", their_post.id)),
    ] {
        let r = app.api(method.clone(), &path, &owner_1.token).json(&json!({"name": "Mine now"})).send().await.unwrap();
        assert_eq!(
            r.status(),
            StatusCode::NOT_FOUND,
            "{method} {path}: even an owner cannot reach another organization"
        );
    }
    let list: Value = app.api(Method::GET, "/clients", &owner_1.token).send().await.unwrap().json().await.unwrap();
    assert_eq!(list["items"], json!([]));
    let list: Value = app.api(Method::GET, "/posts", &owner_1.token).send().await.unwrap().json().await.unwrap();
    assert_eq!(list["items"], json!([]));
    assert_eq!(app.store.post(org_2.id, their_post.id).await.unwrap(), their_post);
}
