//! Asset requests over HTTP: a manager asks a client for files, the client uploads them through a secret link
//! without an account, and the files arrive in the client's media library marked as from that request. Links that
//! expired, were revoked, are full, were guessed or whose creator lost access take nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot set up should stop loudly

use chorus_domain::{AssetRequest, AssetRequestId, ClientAccess, ClientId, OrganizationId, Role};
use chorus_store::PersonChanges;
use chorus_testkit::app::{Backend, PASSWORD, TestApp, TestPerson, only, spawn_app_on};
use chorus_testkit::forms::Multipart;
use chorus_testkit::images::{png, png_claiming};
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

// ---- helpers ----------------------------------------------------------------------------------------------

const MESSAGE: &str = "Photos of the new spring menu, landscape, by Friday";

struct Studio {
    app: TestApp,
    org: chorus_domain::Organization,
    owner: TestPerson,
    client: chorus_domain::Client,
}

async fn studio(backend: Backend) -> Studio {
    let app = spawn_app_on(backend).await;
    let (org, owner) = app.organization("Northwind Agency").await;
    let client = app.client(&org, "Café Flora").await;
    Studio { app, org, owner, client }
}

/// Creates a request through the API; returns its id and the path of its public page.
async fn ask(app: &TestApp, token: &str, client: ClientId, body: Value) -> (AssetRequestId, String) {
    let response =
        app.api(Method::POST, &format!("/clients/{client}/asset-requests"), token).json(&body).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["status"], "open");
    let link = created["link"].as_str().unwrap();
    assert!(link.starts_with(&app.address), "the link points at this installation: {link}");
    let path = link.trim_start_matches(&app.address).to_string();
    let secret = path.strip_prefix("/upload/").unwrap();
    assert!(secret.len() >= 43, "at least 256 bits, URL-safe: {secret}");
    (created["id"].as_str().unwrap().parse().unwrap(), path)
}

async fn get_page(app: &TestApp, path: &str) -> (StatusCode, String) {
    let response = reqwest::get(app.url(path)).await.unwrap();
    (response.status(), response.text().await.unwrap())
}

fn form_token(html: &str) -> String {
    let marker = "name=\"form_token\" value=\"";
    let start = html.find(marker).expect("the page has no upload form") + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

/// A multipart body as a browser sends the upload form: text fields first, then the files.
fn multipart(fields: &[(&str, &str)], files: &[(&str, Vec<u8>)]) -> Multipart {
    let mut form = Multipart::new();
    for (name, value) in fields {
        form = form.text(name, value);
    }
    for (filename, bytes) in files {
        form = form.file("files", filename, "image/jpeg", bytes);
    }
    form
}

fn post(app: &TestApp, path: &str, form: Multipart) -> reqwest::RequestBuilder {
    reqwest::Client::new().post(app.url(path)).header(header::CONTENT_TYPE, form.content_type()).body(form.into_body())
}

/// Sends files as the page's form does, with the token the page rendered; returns the status and the page.
async fn send(app: &TestApp, path: &str, name: &str, files: &[(&str, Vec<u8>)]) -> (StatusCode, String) {
    let (status, html) = get_page(app, path).await;
    let token = if status == StatusCode::OK { form_token(&html) } else { "no-form".into() };
    let body = multipart(&[("form_token", &token), ("name", name), ("note", "Shot this morning")], files);
    let response = post(app, path, body).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn library(app: &TestApp, token: &str, client: ClientId) -> Vec<Value> {
    let list: Value =
        app.api(Method::GET, &format!("/clients/{client}/assets"), token).send().await.unwrap().json().await.unwrap();
    list["items"].as_array().unwrap().clone()
}

async fn request_json(app: &TestApp, token: &str, id: AssetRequestId) -> Value {
    app.api(Method::GET, &format!("/asset-requests/{id}"), token).send().await.unwrap().json().await.unwrap()
}

/// A request stored directly, e.g. one whose link expired a minute ago; returns the path of its page.
async fn stored_request(
    app: &TestApp,
    org: OrganizationId,
    client: ClientId,
    by: &TestPerson,
    expires_at: chrono::DateTime<chrono::Utc>,
) -> (AssetRequestId, String) {
    let secret = chorus_web::auth::tokens::random_secret();
    let request = AssetRequest {
        id: AssetRequestId::new(),
        organization_id: org,
        client_id: client,
        message: MESSAGE.into(),
        folder: None,
        max_files: 10,
        files_received: 0,
        created_by: by.person.id,
        created_at: chrono::Utc::now(),
        expires_at,
        revoked_at: None,
    };
    app.store.create_asset_request(org, client, &request, &chorus_web::auth::tokens::hash(&secret)).await.unwrap();
    (request.id, format!("/upload/{secret}"))
}

// ---- the whole flow ---------------------------------------------------------------------------------------

async fn a_client_sends_files_through_the_link(backend: Backend) {
    let Studio { app, org, owner, client } = studio(backend).await;
    let (id, path) =
        ask(&app, &owner.token, client.id, json!({"message": MESSAGE, "max_files": 5, "folder": "Spring menu"})).await;

    // The page shows the client, the message, what it takes — and nothing else of the organization.
    let response = reqwest::get(app.url(&path)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::REFERRER_POLICY], "no-referrer", "the address is a secret");
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    let html = response.text().await.unwrap();
    assert!(html.contains("Files for Café Flora"), "{html}");
    assert!(html.contains(MESSAGE));
    assert!(html.contains("JPEG") && html.contains("MP4") && html.contains("50 MB"), "formats and size limit");
    assert!(html.contains("enctype=\"multipart/form-data\"") && html.contains("multiple"), "works without JavaScript");
    assert!(html.contains("takes 5 more files"));
    for private in ["Northwind", "Owner", &owner.person.email.to_string(), &org.id.to_string(), "Sign out", "csrf"] {
        assert!(!html.contains(private), "the public page reveals {private}");
    }

    let (status, html) =
        send(&app, &path, "Sam from the kitchen", &[("menu 1.png", png(3, 2)), ("menu 2.png", png(4, 3))]).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("2 files received"), "{html}");
    assert!(html.contains("takes 3 more files"), "the page counts down");

    // The files are in the library, added by the request's creator, and marked as from the request.
    let assets = library(&app, &owner.token, client.id).await;
    assert_eq!(assets.len(), 2);
    for asset in &assets {
        assert_eq!(asset["created_by"], json!(owner.person.id), "recorded as uploaded by whoever sent the link");
        assert_eq!(asset["media_type"], "image/png");
        assert_eq!(asset["folder"], "Spring menu", "filed where the request said");
    }
    let uploads: Value = app
        .api(Method::GET, &format!("/asset-requests/{id}/uploads"), &owner.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let uploads = uploads["items"].as_array().unwrap();
    assert_eq!(uploads.len(), 2);
    for upload in uploads {
        assert_eq!(upload["uploader_name"], "Sam from the kitchen");
        assert_eq!(upload["note"], "Shot this morning");
        assert!(assets.iter().any(|a| a["id"] == upload["asset_id"]), "each upload is an asset of the library");
    }
    let request = request_json(&app, &owner.token, id).await;
    assert_eq!((request["files_received"].as_u64(), request["status"].as_str()), (Some(2), Some("open")));
    assert_eq!(request["folder"], "Spring menu");
    assert!(!request.to_string().contains(path.trim_start_matches("/upload/")), "the secret is never shown again");

    // The manager's Requests tab counts them and names the sender.
    let manager = app.person_with_password(&org, "mia@northwind.example", Role::Manager, ClientAccess::All).await;
    let http = app.http();
    assert_eq!(app.sign_in(&http, manager.email.as_str(), PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let tab = http.get(app.url(&format!("/clients/{}/requests", client.id))).send().await.unwrap();
    assert_eq!(tab.status(), StatusCode::OK);
    let tab = tab.text().await.unwrap();
    assert!(tab.contains(MESSAGE) && tab.contains("Sam from the kitchen"), "{tab}");
    assert!(tab.contains("<span class=\"files-received\">2</span> of 5"), "{tab}");
    assert!(tab.contains(">Open<"));
    // The library marks what came through a request, on the grid and on the file's page.
    let library = http.get(app.url(&format!("/clients/{}/media", client.id))).send().await.unwrap();
    assert_eq!(library.text().await.unwrap().matches("sent by Sam from the kitchen").count(), 2);
    let one = assets[0]["id"].as_str().unwrap();
    let page = http.get(app.url(&format!("/clients/{}/media/{one}", client.id))).send().await.unwrap();
    assert!(page.text().await.unwrap().contains("Sam from the kitchen, through an asset request"));
    assert!(tab.contains("menu 1.png") && tab.contains("menu 2.png") && tab.contains("Shot this morning"), "{tab}");
    let first = uploads[0]["asset_id"].as_str().unwrap();
    assert!(tab.contains(&format!("/clients/{}/media/{first}", client.id)), "each file links to the library");
}

#[tokio::test]
async fn a_client_sends_files_through_the_link_on_sqlite() {
    a_client_sends_files_through_the_link(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_client_sends_files_through_the_link_on_postgres() {
    a_client_sends_files_through_the_link(Backend::Postgres).await;
}

// ---- links that take nothing ------------------------------------------------------------------------------

async fn an_expired_link_is_gone_and_stores_nothing(backend: Backend) {
    let Studio { app, org, owner, client } = studio(backend).await;
    let a_minute_ago = chrono::Utc::now() - chrono::Duration::minutes(1);
    let (id, path) = stored_request(&app, org.id, client.id, &owner, a_minute_ago).await;
    let (status, html) = get_page(&app, &path).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(html.contains("This link has expired"), "{html}");
    assert!(!html.contains("Café Flora") && !html.contains(MESSAGE), "a closed link shows nothing of the request");
    let body = multipart(&[("name", "Sam")], &[("menu.png", png(2, 2))]);
    assert_eq!(post(&app, &path, body).send().await.unwrap().status(), StatusCode::GONE);
    assert!(library(&app, &owner.token, client.id).await.is_empty(), "nothing stored");
    assert_eq!(request_json(&app, &owner.token, id).await["status"], "expired");
}

#[tokio::test]
async fn an_expired_link_is_gone_and_stores_nothing_on_sqlite() {
    an_expired_link_is_gone_and_stores_nothing(Backend::Sqlite).await;
}

#[tokio::test]
async fn an_expired_link_is_gone_and_stores_nothing_on_postgres() {
    an_expired_link_is_gone_and_stores_nothing(Backend::Postgres).await;
}

#[tokio::test]
async fn a_revoked_link_is_gone_at_once() {
    let Studio { app, owner, client, .. } = studio(Backend::Sqlite).await;
    let (id, path) = ask(&app, &owner.token, client.id, json!({"message": MESSAGE})).await;
    let (status, html) = get_page(&app, &path).await;
    assert_eq!(status, StatusCode::OK);
    let token = form_token(&html);

    let revoked = app.api(Method::POST, &format!("/asset-requests/{id}/revoke"), &owner.token).send().await.unwrap();
    assert_eq!(revoked.status(), StatusCode::OK);
    assert_eq!(revoked.json::<Value>().await.unwrap()["status"], "revoked");

    let (status, html) = get_page(&app, &path).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(html.contains("withdrawn"), "{html}");
    // Even a page opened before the link was revoked cannot send any more.
    let body = multipart(&[("form_token", &token), ("name", "Sam")], &[("menu.png", png(2, 2))]);
    assert_eq!(post(&app, &path, body).send().await.unwrap().status(), StatusCode::GONE);
    assert!(library(&app, &owner.token, client.id).await.is_empty());
}

#[tokio::test]
async fn a_guessed_or_altered_secret_finds_nothing_and_stores_nothing() {
    let Studio { app, owner, client, .. } = studio(Backend::Sqlite).await;
    let (_, path) = ask(&app, &owner.token, client.id, json!({"message": MESSAGE})).await;
    let (_, real) = get_page(&app, &path).await;
    let token = form_token(&real);
    let mut altered = path.clone().into_bytes();
    let last = altered.len() - 1;
    altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).unwrap();
    let wrong = [
        altered.as_str(),
        "/upload/guess",
        "/upload/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "/upload/%27%20OR%201=1",
    ];
    for path in wrong {
        let (status, html) = get_page(&app, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(html.contains("This link is not valid") && !html.contains("Café Flora"), "{path}: {html}");
        let body = multipart(&[("form_token", &token), ("name", "Sam")], &[("menu.png", png(2, 2))]);
        assert_eq!(post(&app, path, body).send().await.unwrap().status(), StatusCode::NOT_FOUND, "{path}");
    }
    assert!(library(&app, &owner.token, client.id).await.is_empty());
}

#[tokio::test]
async fn another_organization_can_neither_see_nor_revoke_a_request() {
    let Studio { app, owner, client, .. } = studio(Backend::Sqlite).await;
    let (id, path) = ask(&app, &owner.token, client.id, json!({"message": MESSAGE})).await;
    let (_, other) = app.organization("Southwind").await;
    for (method, route) in [
        (Method::GET, format!("/asset-requests/{id}")),
        (Method::GET, format!("/asset-requests/{id}/uploads")),
        (Method::POST, format!("/asset-requests/{id}/revoke")),
        (Method::GET, format!("/clients/{}/asset-requests", client.id)),
        (Method::POST, format!("/clients/{}/asset-requests", client.id)),
    ] {
        let response = app.api(method.clone(), &route, &other.token).json(&json!({"message": "Mine"})).send().await;
        let response = response.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{method} {route}");
        assert!(!response.text().await.unwrap().contains(MESSAGE));
    }
    assert_eq!(request_json(&app, &owner.token, id).await["status"], "open");
    assert_eq!(get_page(&app, &path).await.0, StatusCode::OK, "the link still works");
}

// ---- what a post may carry --------------------------------------------------------------------------------

#[tokio::test]
async fn a_lying_file_is_refused_and_the_good_one_kept() {
    let Studio { app, owner, client, .. } = studio(Backend::Sqlite).await;
    let (id, path) = ask(&app, &owner.token, client.id, json!({"message": MESSAGE})).await;
    let files = [
        ("menu.png", png(3, 3)),
        ("photo.jpg", b"Dear team, the photos follow tomorrow.".to_vec()),
        ("huge.png", png_claiming(20_000, 20_000)),
    ];
    let (status, html) = send(&app, &path, "Sam", &files).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("1 file received"), "{html}");
    assert!(html.contains("<strong>photo.jpg</strong> was not accepted"), "{html}");
    assert!(html.contains("is not an image or video Chorus can publish"), "says why: {html}");
    assert!(html.contains("<strong>huge.png</strong> was not accepted"), "the same checks as any upload: {html}");
    assert!(html.contains("megapixels"), "refused as a decompression bomb: {html}");
    let assets = library(&app, &owner.token, client.id).await;
    assert_eq!(assets.len(), 1, "the good file of the same post is kept");
    assert_eq!(assets[0]["filename"], "menu.png");
    assert_eq!(request_json(&app, &owner.token, id).await["files_received"], 1, "a refused file does not count");
}

#[tokio::test]
async fn files_over_the_cap_are_refused() {
    let Studio { app, owner, client, .. } = studio(Backend::Sqlite).await;
    let (id, path) = ask(&app, &owner.token, client.id, json!({"message": MESSAGE, "max_files": 2})).await;
    let files = [("a.png", png(1, 1)), ("b.png", png(2, 1)), ("c.png", png(3, 1))];
    let (status, html) = send(&app, &path, "Sam", &files).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("2 files received"), "{html}");
    assert!(html.contains("<strong>c.png</strong> was not accepted: this link takes no more files"), "{html}");
    assert_eq!(library(&app, &owner.token, client.id).await.len(), 2);
    assert_eq!(request_json(&app, &owner.token, id).await["status"], "full");
    let (status, html) = get_page(&app, &path).await;
    assert_eq!(status, StatusCode::GONE, "a full link is used up");
    assert!(html.contains("has all its files"), "{html}");
    let (status, _) = send(&app, &path, "Sam", &[("d.png", png(4, 1))]).await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(library(&app, &owner.token, client.id).await.len(), 2);
}

#[tokio::test]
async fn the_link_stops_working_when_its_creator_loses_access() {
    let Studio { app, org, owner, client } = studio(Backend::Sqlite).await;
    let other = app.client(&org, "Other").await;
    let manager = app.person(&org, "max@northwind.example", Role::Manager, only(&[client.id])).await;
    let (_, path) = ask(&app, &manager.token, client.id, json!({"message": MESSAGE})).await;
    assert_eq!(send(&app, &path, "Sam", &[("a.png", png(1, 1))]).await.0, StatusCode::OK);

    let moved = PersonChanges { client_access: Some(only(&[other.id])), ..Default::default() };
    app.store.update_person(org.id, manager.person.id, moved).await.unwrap();
    let (status, html) = get_page(&app, &path).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(html.contains("no longer works") && !html.contains("max@"), "{html}");
    let body = multipart(&[("name", "Sam")], &[("b.png", png(2, 2))]);
    assert_eq!(post(&app, &path, body).send().await.unwrap().status(), StatusCode::GONE);
    assert_eq!(library(&app, &owner.token, client.id).await.len(), 1, "only the file sent before");

    // Given back, the link works again; deactivated, it stops again.
    let back = PersonChanges { client_access: Some(only(&[client.id])), ..Default::default() };
    app.store.update_person(org.id, manager.person.id, back).await.unwrap();
    assert_eq!(get_page(&app, &path).await.0, StatusCode::OK);
    let gone = PersonChanges { deactivated: Some(true), ..Default::default() };
    app.store.update_person(org.id, manager.person.id, gone).await.unwrap();
    assert_eq!(get_page(&app, &path).await.0, StatusCode::GONE);
}

#[tokio::test]
async fn posts_from_elsewhere_or_without_a_name_store_nothing() {
    let Studio { app, owner, client, .. } = studio(Backend::Sqlite).await;
    let (_, path) = ask(&app, &owner.token, client.id, json!({"message": MESSAGE})).await;
    let (_, html) = get_page(&app, &path).await;
    let token = form_token(&html);

    // No form token: a post not made from the page.
    let body = multipart(&[("name", "Sam")], &[("a.png", png(1, 1))]);
    let response = post(&app, &path, body).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.text().await.unwrap().contains("Open the link again"));
    // The browser says it comes from another site.
    let body = multipart(&[("form_token", &token), ("name", "Sam")], &[("a.png", png(1, 1))]);
    let response = post(&app, &path, body).header("sec-fetch-site", "cross-site").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    // No name: the page asks for it beside the field, and keeps the note.
    let body = multipart(&[("form_token", &token), ("name", "  "), ("note", "Shot today")], &[("a.png", png(1, 1))]);
    let response = post(&app, &path, body).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("id=\"name-error\"") && html.contains("Shot today"), "{html}");
    // No file at all.
    let body = multipart(&[("form_token", &token), ("name", "Sam")], &[("", Vec::new())]);
    let response = post(&app, &path, body).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("id=\"files-error\""));
    assert!(library(&app, &owner.token, client.id).await.is_empty());
}

// ---- the manager's side -----------------------------------------------------------------------------------

#[tokio::test]
async fn requests_are_validated_field_by_field_and_need_edit_rights() {
    let Studio { app, org, owner, client } = studio(Backend::Sqlite).await;
    let route = format!("/clients/{}/asset-requests", client.id);
    let body = json!({"message": " ", "expires_in_days": 91, "max_files": 0});
    let response = app.api(Method::POST, &route, &owner.token).json(&body).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = response.json().await.unwrap();
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["message", "expires_in_days", "max_files"]);

    let analyst = app.person(&org, "ana@northwind.example", Role::Analyst, ClientAccess::All).await;
    let response = app.api(Method::POST, &route, &analyst.token).json(&json!({"message": MESSAGE})).send().await;
    assert_eq!(response.unwrap().status(), StatusCode::FORBIDDEN);
    let (id, _) = ask(&app, &owner.token, client.id, json!({"message": MESSAGE, "expires_in_days": 90})).await;
    let revoke = app.api(Method::POST, &format!("/asset-requests/{id}/revoke"), &analyst.token).send().await;
    assert_eq!(revoke.unwrap().status(), StatusCode::FORBIDDEN);
    let request = request_json(&app, &analyst.token, id).await;
    assert_eq!(request["status"], "open", "analysts see requests but cannot revoke them");
    let expires: chrono::DateTime<chrono::Utc> = request["expires_at"].as_str().unwrap().parse().unwrap();
    let days = (expires - chrono::Utc::now()).num_hours();
    assert!((89 * 24..=90 * 24).contains(&days), "90 days: {days} hours");
}

#[tokio::test]
async fn managers_ask_for_files_copy_the_link_and_revoke_it_in_the_browser() {
    let Studio { app, org, client, .. } = studio(Backend::Sqlite).await;
    let manager = app.person_with_password(&org, "mia@northwind.example", Role::Manager, ClientAccess::All).await;
    let http = app.http();
    assert_eq!(app.sign_in(&http, manager.email.as_str(), PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let tab = format!("/clients/{}/requests", client.id);
    let csrf = app.csrf_token(&http, &tab).await;

    let refused = http
        .post(app.url(&tab))
        .form(&[("csrf_token", csrf.as_str()), ("message", ""), ("expires_in_days", "7"), ("max_files", "abc")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(html.contains("id=\"max_files-error\""), "{html}");

    let created = http
        .post(app.url(&tab))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("message", MESSAGE),
            ("expires_in_days", "14"),
            ("max_files", "3"),
            ("folder", "Spring menu"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let html = created.text().await.unwrap();
    let marker = "id=\"request-link\" class=\"secret\" readonly value=\"";
    let start = html.find(marker).expect("the link is shown once") + marker.len();
    let link = html[start..].split('"').next().unwrap().to_string();
    let path = link.trim_start_matches(&app.address).to_string();
    assert!(html.contains("Copy link") && html.contains("Into Spring menu") && html.contains("0</span> of 3"));
    assert_eq!(get_page(&app, &path).await.0, StatusCode::OK, "the copied link works");
    let again = http.get(app.url(&tab)).send().await.unwrap().text().await.unwrap();
    assert!(!again.contains(&link), "and is not shown again");

    let requests = app.store.list_asset_requests(org.id, client.id).await.unwrap();
    let revoke = format!("/asset-requests/{}/revoke", requests[0].id);
    let revoked = http.post(app.url(&revoke)).form(&[("csrf_token", csrf.as_str())]).send().await.unwrap();
    assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
    let page = http.get(app.url(&format!("{tab}?notice=request-revoked"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(">Revoked<") && page.contains("its link no longer works"), "{page}");
    assert_eq!(get_page(&app, &path).await.0, StatusCode::GONE);
}

#[tokio::test]
async fn a_file_over_the_size_limit_is_refused_and_the_one_before_kept() {
    let config = chorus_web::WebConfig { max_upload_bytes: 2000, ..Default::default() };
    let app = chorus_testkit::app::spawn_app_with(Backend::Sqlite, config).await;
    let (_, owner) = app.organization("Northwind Agency").await;
    let org = app.store.first_organization().await.unwrap().unwrap();
    let client = app.client(&org, "Café Flora").await;
    let (id, path) = ask(&app, &owner.token, client.id, json!({"message": MESSAGE})).await;
    let (_, html) = get_page(&app, &path).await;
    assert!(html.contains("up to 2000 bytes each"), "the page names the limit: {html}");
    // A 2×2 PNG is well under the 2000 bytes, an 800×400 one well over.
    let (status, html) = send(&app, &path, "Sam", &[("small.png", png(2, 2)), ("large.png", png(800, 400))]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("1 file received"), "{html}");
    assert!(html.contains("larger than the 2000 bytes a file may be"), "{html}");
    let assets = library(&app, &owner.token, client.id).await;
    assert_eq!(assets.len(), 1);
    assert_eq!(assets[0]["filename"], "small.png");
    assert_eq!(request_json(&app, &owner.token, id).await["files_received"], 1);
}
