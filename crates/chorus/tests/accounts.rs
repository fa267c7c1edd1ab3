//! Connecting a client's Bluesky account, against the reference Bluesky network: Chorus signs in before it
//! stores anything, keeps the credentials sealed, notices a revoked app password when it checks, and forgets the
//! credentials on disconnect.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot set up should stop loudly

use chorus_domain::{ClientAccess, Role};
use chorus_networks::bluesky::Config;
use chorus_testkit::app::{Backend, TestApp, TestPerson, only, spawn_app_with};
use chorus_testkit::bluesky::{Account, DevNetwork, unique_handle};
use chorus_web::WebConfig;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn app_on(backend: Backend, network: &DevNetwork) -> TestApp {
    let bluesky = Config {
        plc_url: network.plc_url.clone(),
        // The dev PDS resolves its own accounts' handles (the `.test` domain has no DNS).
        handle_resolver_url: network.pds_url.clone(),
        web_url: "https://bsky.example".into(),
    };
    spawn_app_with(backend, WebConfig { bluesky, ..WebConfig::default() }).await
}

async fn app_password(network: &DevNetwork, account: &Account, name: &str) -> String {
    let created: Value = reqwest::Client::new()
        .post(network.pds_xrpc("com.atproto.server.createAppPassword"))
        .bearer_auth(&account.access_jwt)
        .json(&json!({ "name": name }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    created["password"].as_str().unwrap().to_string()
}

async fn call(app: &TestApp, who: &TestPerson, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    app.call(&who.token, method, path, body).await
}

fn fields(problem: &Value) -> Vec<&str> {
    problem["errors"].as_array().map(|e| e.iter().filter_map(|f| f["field"].as_str()).collect()).unwrap_or_default()
}

async fn a_bluesky_account_is_connected_checked_and_disconnected(backend: Backend) {
    let network = DevNetwork::shared().await;
    let bluesky = network.create_account(&unique_handle("roastery"), "the main password, never given to Chorus").await;
    let first = app_password(network, &bluesky, "Chorus").await;
    let app = app_on(backend, network).await;
    let (org, owner) = app.organization("Northwind").await;
    let client = app.client(&org, "Roastery").await;
    let editor = app.person(&org, "eddie@northwind.example", Role::Editor, only(&[client.id])).await;
    let connect = format!("/clients/{}/accounts/bluesky", client.id);

    // Nothing is stored until the sign-in works, and the fields at fault are named.
    let (status, problem) =
        call(&app, &owner, Method::POST, &connect, Some(json!({"handle": " ", "app_password": ""}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(fields(&problem), ["handle", "app_password"]);
    let wrong = json!({"handle": bluesky.handle, "app_password": "aaaa-bbbb-cccc-dddd"});
    let (status, problem) = call(&app, &owner, Method::POST, &connect, Some(wrong)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(fields(&problem), ["app_password"]);
    let (status, _) =
        call(&app, &editor, Method::POST, &connect, Some(json!({"handle": bluesky.handle, "app_password": first})))
            .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "an editor writes posts but does not connect accounts");
    let list = format!("/clients/{}/accounts", client.id);
    assert_eq!(call(&app, &owner, Method::GET, &list, None).await.1, json!([]));

    let good = json!({"handle": format!("@{}", bluesky.handle), "app_password": first});
    let (status, account) = call(&app, &owner, Method::POST, &connect, Some(good)).await;
    assert_eq!(status, StatusCode::CREATED, "{account}");
    assert_eq!(account["network"], "bluesky");
    assert_eq!(account["handle"], bluesky.handle.as_str());
    assert_eq!(account["remote_id"], bluesky.did.as_str(), "the DID survives a change of handle");
    assert_eq!(account["status"], "connected");
    assert_eq!(account["server"], network.pds_url.trim_end_matches('/'));
    assert!(!account.to_string().contains(&first), "the app password is never sent back");
    let id = account["id"].as_str().unwrap().to_string();

    // Connecting again (a new app password) updates the same account.
    let second = app_password(network, &bluesky, "Chorus again").await;
    let (status, again) =
        call(&app, &owner, Method::POST, &connect, Some(json!({"handle": bluesky.handle, "app_password": second})))
            .await;
    assert_eq!((status, again["id"].as_str()), (StatusCode::CREATED, Some(id.as_str())));
    let (_, listed) = call(&app, &editor, Method::GET, &list, None).await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "everyone who sees the client sees its accounts");

    let (status, checked) = call(&app, &owner, Method::POST, &format!("/accounts/{id}/check"), None).await;
    assert_eq!((status, checked["status"].as_str()), (StatusCode::OK, Some("connected")), "{checked}");
    assert!(checked["checked_at"].is_string());

    // Revoking the app password in Bluesky is noticed at the next check, with the reason kept.
    let revoked = reqwest::Client::new()
        .post(network.pds_xrpc("com.atproto.server.revokeAppPassword"))
        .bearer_auth(&bluesky.access_jwt)
        .json(&json!({ "name": "Chorus again" }))
        .send()
        .await
        .unwrap();
    assert!(revoked.status().is_success());
    let (status, checked) = call(&app, &owner, Method::POST, &format!("/accounts/{id}/check"), None).await;
    assert_eq!((status, checked["status"].as_str()), (StatusCode::OK, Some("needs_reconnect")), "{checked}");
    assert!(!checked["status_reason"].as_str().unwrap().is_empty());

    let (status, gone) = call(&app, &owner, Method::POST, &format!("/accounts/{id}/disconnect"), None).await;
    assert_eq!((status, gone["status"].as_str()), (StatusCode::OK, Some("disconnected")));
    let (status, _) = call(&app, &owner, Method::POST, &format!("/accounts/{id}/check"), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "a disconnected account has nothing to check");

    // Another organization sees nothing of it.
    let (_, stranger) = app.organization("Elsewhere").await;
    let (status, _) = call(&app, &stranger, Method::GET, &format!("/accounts/{id}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_bluesky_account_is_connected_checked_and_disconnected_on_sqlite() {
    a_bluesky_account_is_connected_checked_and_disconnected(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_bluesky_account_is_connected_checked_and_disconnected_on_postgres() {
    a_bluesky_account_is_connected_checked_and_disconnected(Backend::Postgres).await;
}

#[tokio::test]
async fn the_accounts_tab_connects_and_names_the_field_at_fault() {
    let network = DevNetwork::shared().await;
    let bluesky = network.create_account(&unique_handle("bakery"), "the main password, never given to Chorus").await;
    let password = app_password(network, &bluesky, "Chorus").await;
    let app = app_on(Backend::Sqlite, network).await;
    let (org, _) = app.organization("Northwind").await;
    let client = app.client(&org, "Bakery").await;
    app.person_with_password(&org, "max@northwind.example", Role::Manager, ClientAccess::All).await;
    let http = app.signed_in("max@northwind.example").await;
    let tab = format!("/clients/{}/accounts", client.id);
    let csrf = app.csrf_token(&http, &tab).await;

    let refused = http
        .post(app.url(&format!("{tab}/bluesky")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("handle", bluesky.handle.as_str()),
            ("app_password", "zzzz-zzzz-zzzz-zzzz"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(html.contains("Bluesky refused this sign-in") && html.contains(&bluesky.handle), "the handle is kept");
    assert!(!html.contains("zzzz-zzzz-zzzz-zzzz"), "the password is never sent back");

    let connected = http
        .post(app.url(&format!("{tab}/bluesky")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("handle", bluesky.handle.as_str()),
            ("app_password", password.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(connected.status(), StatusCode::SEE_OTHER);
    let (status, html) = app.page(&http, &tab).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&bluesky.handle) && html.contains("connected") && html.contains("Check now"));
}

/// The daily check finds a revoked app password on its own, long before a post is due on the account.
#[tokio::test]
async fn the_daily_check_flags_an_account_whose_app_password_was_revoked() {
    let network = DevNetwork::shared().await;
    let kept = network.create_account(&unique_handle("kept"), "the main password, never given to Chorus").await;
    let revoked = network.create_account(&unique_handle("revoked"), "the main password, never given to Chorus").await;
    let app = app_on(Backend::Sqlite, network).await;
    let (org, owner) = app.organization("Northwind").await;
    let client = app.client(&org, "Roastery").await;
    let connect = format!("/clients/{}/accounts/bluesky", client.id);
    let mut ids = Vec::new();
    for account in [&kept, &revoked] {
        let password = app_password(network, account, "Chorus").await;
        let body = json!({"handle": account.handle, "app_password": password});
        let (status, connected) = call(&app, &owner, Method::POST, &connect, Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{connected}");
        ids.push(connected["id"].as_str().unwrap().to_string());
    }
    let gone = reqwest::Client::new()
        .post(network.pds_xrpc("com.atproto.server.revokeAppPassword"))
        .bearer_auth(&revoked.access_jwt)
        .json(&json!({ "name": "Chorus" }))
        .send()
        .await
        .unwrap();
    assert!(gone.status().is_success());

    let mut registry = chorus_jobs::Registry::new();
    registry.register::<chorus_web::services::accounts::CheckAccounts>();
    let worker = chorus_jobs::Worker::new(app.store.clone(), registry, chorus_jobs::WorkerConfig::default())
        .with_extension(app.state.clone());
    let job = chorus_web::services::accounts::CheckAccounts {};
    let first = chorus_jobs::enqueue(&*app.store, &job, chrono::Utc::now()).await.unwrap();
    assert_eq!(chorus_jobs::enqueue(&*app.store, &job, chrono::Utc::now()).await.unwrap(), first, "one run at a time");
    assert_eq!(worker.run_until_idle().await.unwrap(), 1);

    let (_, kept_now) = call(&app, &owner, Method::GET, &format!("/accounts/{}", ids[0]), None).await;
    assert_eq!(kept_now["status"], "connected", "{kept_now}");
    assert!(kept_now["checked_at"].is_string());
    let (_, revoked_now) = call(&app, &owner, Method::GET, &format!("/accounts/{}", ids[1]), None).await;
    assert_eq!(revoked_now["status"], "needs_reconnect", "{revoked_now}");

    // Checked within the day: the next run leaves them alone.
    chorus_jobs::enqueue(&*app.store, &job, chrono::Utc::now()).await.unwrap();
    worker.run_until_idle().await.unwrap();
    let (_, again) = call(&app, &owner, Method::GET, &format!("/accounts/{}", ids[0]), None).await;
    assert_eq!(again["checked_at"], kept_now["checked_at"]);
}

// ---------------------------------------------------------------------------------------------------------
// Mastodon: OAuth's authorization-code flow against the spec-checked local instance.

mod mastodon_oauth {
    use std::net::{IpAddr, Ipv4Addr};

    use chorus_domain::{ClientAccess, Organization, Role, TokenScope};
    use chorus_testkit::app::{Backend, TestApp, TestPerson, spawn_app_with};
    use chorus_testkit::mastodon::{Fault, MastodonServer};
    use chorus_web::WebConfig;
    use reqwest::{Method, StatusCode};
    use serde_json::{Value, json};

    use super::{call, fields};

    /// Chorus allowed to reach the local instance: plain http, and the loopback address (only that one).
    async fn app_for_mastodon(backend: Backend) -> TestApp {
        let mut config = WebConfig { mastodon_allow_http: true, ..WebConfig::default() };
        config.fetch_policy.allowed_addresses.push(IpAddr::V4(Ipv4Addr::LOCALHOST));
        spawn_app_with(backend, config).await
    }

    /// Someone who may connect accounts, with an API token and a password to sign in with.
    async fn manager(app: &TestApp, org: &Organization, email: &str) -> (TestPerson, reqwest::Client) {
        let person = app.person_with_password(org, email, Role::Admin, ClientAccess::All).await;
        let token = app.token_for(&person, TokenScope::Write).await;
        let http = app.signed_in(email).await;
        (TestPerson { person, token }, http)
    }

    /// Asks Chorus to start, then consents on the instance: the query of the address it sends the person back to.
    async fn consent(app: &TestApp, who: &TestPerson, client: &str, instance: &str) -> String {
        let path = format!("/clients/{client}/accounts/mastodon");
        let (status, started) = call(app, who, Method::POST, &path, Some(json!({ "instance": instance }))).await;
        assert_eq!(status, StatusCode::OK, "{started}");
        let authorize = started["authorize_url"].as_str().unwrap();
        let origin = instance.trim_end_matches('/');
        assert!(authorize.starts_with(&format!("{origin}/oauth/authorize?")), "{authorize}");
        let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let answer = browser.get(authorize).send().await.unwrap();
        assert!(answer.status().is_redirection(), "{}", answer.status());
        let location = answer.headers()[reqwest::header::LOCATION].to_str().unwrap().to_string();
        let callback = format!("{}/oauth/mastodon/callback?", app.address);
        assert!(location.starts_with(&callback), "{location}");
        location[callback.len()..].to_string()
    }

    async fn come_back(app: &TestApp, http: &reqwest::Client, query: &str) -> (StatusCode, String) {
        let response = http.get(app.url(&format!("/oauth/mastodon/callback?{query}"))).send().await.unwrap();
        let status = response.status();
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .map(|l| l.to_str().unwrap().to_string())
            .unwrap_or_default();
        let body = response.text().await.unwrap();
        (status, if location.is_empty() { body } else { location })
    }

    fn state_of(query: &str) -> String {
        url::form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "state").unwrap().1.into_owned()
    }

    async fn accounts(app: &TestApp, who: &TestPerson, client: &str) -> Vec<Value> {
        let (status, listed) = call(app, who, Method::GET, &format!("/clients/{client}/accounts"), None).await;
        assert_eq!(status, StatusCode::OK);
        listed.as_array().unwrap().clone()
    }

    async fn a_mastodon_account_is_connected_through_oauth(backend: Backend) {
        let server = MastodonServer::start().await;
        let app = app_for_mastodon(backend).await;
        let (org, _) = app.organization("Northwind").await;
        let client = app.client(&org, "Roastery").await.id.to_string();
        let (ana, http) = manager(&app, &org, "ana@northwind.example").await;
        let host = server.url().trim_start_matches("http://").to_string();

        let query = consent(&app, &ana, &client, server.url()).await;
        let (status, location) = come_back(&app, &http, &query).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
        assert_eq!(location, format!("/clients/{client}/accounts?notice=account-connected"));
        let listed = accounts(&app, &ana, &client).await;
        assert_eq!(listed.len(), 1, "{listed:?}");
        assert_eq!(listed[0]["network"], "mastodon");
        assert_eq!(listed[0]["handle"], format!("@chorus@{host}"));
        assert_eq!(listed[0]["remote_id"], server.config().account_id);
        assert_eq!(listed[0]["server"], server.url());
        assert_eq!(listed[0]["status"], "connected");

        // The same answer again: the state is used up, nothing changes.
        let (status, page) = come_back(&app, &http, &query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
        assert!(page.contains("already used"), "{page}");

        // A second account on the same instance reuses Chorus's registration there.
        server.configure(|c| {
            c.username = "bakery".into();
            c.account_id = "109412000000000002".into();
        });
        let query = consent(&app, &ana, &client, &format!("{}/", server.url())).await;
        assert_eq!(come_back(&app, &http, &query).await.0, StatusCode::SEE_OTHER);
        let listed = accounts(&app, &ana, &client).await;
        assert_eq!(listed.len(), 2, "{listed:?}");
        assert_eq!(listed[1]["handle"], format!("@bakery@{host}"));
        assert_eq!(server.requests_to("POST", "/api/v1/apps").len(), 1, "one registration per instance");
        let kept = app.store.mastodon_app(server.url()).await.unwrap().unwrap();
        assert!(!String::from_utf8_lossy(&kept.sealed_client_secret).contains("secret"), "the secret is sealed");

        // The user withdraws the app's access: the daily check flags both accounts.
        server.inject(Fault::RevokeTokens);
        let mut registry = chorus_jobs::Registry::new();
        registry.register::<chorus_web::services::accounts::CheckAccounts>();
        let worker = chorus_jobs::Worker::new(app.store.clone(), registry, chorus_jobs::WorkerConfig::default())
            .with_extension(app.state.clone());
        chorus_jobs::enqueue(&*app.store, &chorus_web::services::accounts::CheckAccounts {}, chrono::Utc::now())
            .await
            .unwrap();
        assert_eq!(worker.run_until_idle().await.unwrap(), 1);
        for account in accounts(&app, &ana, &client).await {
            assert_eq!(account["status"], "needs_reconnect", "{account}");
            assert!(!account["status_reason"].as_str().unwrap().is_empty());
        }
    }

    #[tokio::test]
    async fn a_mastodon_account_is_connected_through_oauth_on_sqlite() {
        a_mastodon_account_is_connected_through_oauth(Backend::Sqlite).await;
    }

    #[tokio::test]
    async fn a_mastodon_account_is_connected_through_oauth_on_postgres() {
        a_mastodon_account_is_connected_through_oauth(Backend::Postgres).await;
    }

    #[tokio::test]
    async fn a_state_of_someone_else_expired_or_refused_connects_nothing() {
        let server = MastodonServer::start().await;
        let app = app_for_mastodon(Backend::Sqlite).await;
        let (org, _) = app.organization("Northwind").await;
        let client = app.client(&org, "Roastery").await.id.to_string();
        let (ana, ana_http) = manager(&app, &org, "ana@northwind.example").await;
        let (_, bob_http) = manager(&app, &org, "bob@northwind.example").await;

        // Bob cannot finish what Ana started, and his try does not use it up.
        let query = consent(&app, &ana, &client, server.url()).await;
        let (status, page) = come_back(&app, &bob_http, &query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
        assert!(accounts(&app, &ana, &client).await.is_empty());
        assert_eq!(come_back(&app, &ana_http, &query).await.0, StatusCode::SEE_OTHER);
        let connected = accounts(&app, &ana, &client).await.len();

        // Past its expiry, an authorization is refused.
        server.configure(|c| c.account_id = "109412000000000003".into());
        let query = consent(&app, &ana, &client, server.url()).await;
        let past = chrono::Utc::now() - chrono::Duration::minutes(1);
        app.store.set_mastodon_authorization_expiry(org.id, &state_of(&query), past).await.unwrap();
        let (status, page) = come_back(&app, &ana_http, &query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
        assert!(page.contains("expired"), "{page}");
        assert_eq!(accounts(&app, &ana, &client).await.len(), connected);

        // Consent denied on the instance: a clear page, nothing stored.
        server.configure(|c| c.user_consents = false);
        let query = consent(&app, &ana, &client, server.url()).await;
        assert!(query.contains("error=access_denied"), "{query}");
        let (status, page) = come_back(&app, &ana_http, &query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
        assert!(page.contains("Access was not granted"), "{page}");
        assert_eq!(accounts(&app, &ana, &client).await.len(), connected);

        // The Accounts tab's form sends the person to the instance, or names what is wrong with the instance.
        let tab = format!("/clients/{client}/accounts");
        let csrf = app.csrf_token(&ana_http, &tab).await;
        let form = |instance: &str| {
            ana_http
                .post(app.url(&format!("{tab}/mastodon")))
                .form(&[("csrf_token", csrf.clone()), ("instance", instance.to_string())])
                .send()
        };
        let sent = form(server.url()).await.unwrap();
        assert_eq!(sent.status(), StatusCode::SEE_OTHER);
        let location = sent.headers()[reqwest::header::LOCATION].to_str().unwrap();
        assert!(location.starts_with(&format!("{}/oauth/authorize?", server.url())), "{location}");
        let refused = form("not a host").await.unwrap();
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = refused.text().await.unwrap();
        assert!(html.contains("is not the address of a Mastodon instance"), "{html}");

        // An unknown state, and none at all.
        assert_eq!(come_back(&app, &ana_http, "code=abc&state=made-up").await.0, StatusCode::BAD_REQUEST);
        assert_eq!(come_back(&app, &ana_http, "code=abc").await.0, StatusCode::BAD_REQUEST);
        assert_eq!(accounts(&app, &ana, &client).await.len(), connected);
    }

    #[tokio::test]
    async fn an_instance_must_be_a_public_https_host() {
        let server = MastodonServer::start().await;
        let app = spawn_app_with(Backend::Sqlite, WebConfig::default()).await;
        let (org, owner) = app.organization("Northwind").await;
        let client = app.client(&org, "Roastery").await.id.to_string();
        let path = format!("/clients/{client}/accounts/mastodon");
        for instance in ["not a host", "", "https://social.example/@me", "ftp://social.example", "localhost"] {
            let (status, problem) =
                call(&app, &owner, Method::POST, &path, Some(json!({ "instance": instance }))).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{instance:?}: {problem}");
            assert_eq!(fields(&problem), ["instance"], "{instance:?}");
        }
        // Plain http and private addresses, unless the configuration allows them (tests only).
        for instance in [server.url().to_string(), server.url().replace("http://", "https://"), "10.0.0.1".into()] {
            let (status, problem) =
                call(&app, &owner, Method::POST, &path, Some(json!({ "instance": instance }))).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{instance:?}: {problem}");
            assert_eq!(fields(&problem), ["instance"], "{instance:?}");
        }
        assert!(server.requests().is_empty(), "nothing was sent to a refused instance");
    }
}
