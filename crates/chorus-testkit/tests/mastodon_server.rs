#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot set up should stop loudly

//! The Mastodon test server (`chorus_testkit::mastodon`) over HTTP, as Chorus will talk to it: registration and
//! OAuth, the instance's limits, media processing, statuses, idempotency, validation errors and injected faults.
//! Two tests hold the server to the Mastodon API description in `../shared/api-specs/mastodon/schema.json` when that
//! folder is there (or `CHORUS_API_SPECS` names it): our description of the parameters, and the shapes of the
//! answers. Without it they are skipped, saying why.

use std::path::PathBuf;
use std::time::Duration;

use chorus_testkit::images;
use chorus_testkit::mastodon::spec::{self, Auth, In, Origin, Presence, Type};
use chorus_testkit::mastodon::{Fault, MastodonServer, SCHEMA_VERSION};
use reqwest::StatusCode;
use reqwest::redirect::Policy;
use serde_json::{Value, json};

const REDIRECT: &str = "https://chorus.example/oauth/mastodon/callback";

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(Policy::none()).build().unwrap()
}

/// A multipart body of text fields and files `(field, filename, content type, bytes)`, with its content type.
fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "chorus-test-boundary-7c1d";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    for (name, filename, content_type, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

struct Registered {
    client_id: String,
    client_secret: String,
}

async fn register(server: &MastodonServer, http: &reqwest::Client) -> Registered {
    let response = http
        .post(format!("{}/api/v1/apps", server.url()))
        .json(&json!({
            "client_name": "Chorus",
            "redirect_uris": [REDIRECT],
            "scopes": "read write profile",
            "website": "https://chorus.example",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let app: Value = response.json().await.unwrap();
    assert_eq!(app["name"], "Chorus");
    assert_eq!(app["redirect_uris"], json!([REDIRECT]));
    assert_eq!(app["scopes"], json!(["read", "write", "profile"]));
    Registered {
        client_id: app["client_id"].as_str().unwrap().to_string(),
        client_secret: app["client_secret"].as_str().unwrap().to_string(),
    }
}

/// Registration and the authorization-code flow with PKCE; the user's access token.
async fn sign_in(server: &MastodonServer, http: &reqwest::Client) -> String {
    let app = register(server, http).await;
    let verifier = "a-long-random-code-verifier-for-the-chorus-mastodon-tests-0123456789";
    let challenge = {
        use base64::Engine as _;
        use sha2::Digest as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier))
    };
    let code = authorize(server, http, &app, Some(&challenge)).await;
    let response = http
        .post(format!("{}/oauth/token", server.url()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", &app.client_id),
            ("client_secret", &app.client_secret),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let token: Value = response.json().await.unwrap();
    assert_eq!(token["token_type"], "Bearer");
    assert_eq!(token["scope"], "read write profile");
    token["access_token"].as_str().unwrap().to_string()
}

/// The user consenting: the code from the redirect.
async fn authorize(
    server: &MastodonServer,
    http: &reqwest::Client,
    app: &Registered,
    challenge: Option<&str>,
) -> String {
    let mut query = vec![
        ("response_type", "code"),
        ("client_id", app.client_id.as_str()),
        ("redirect_uri", REDIRECT),
        ("scope", "read write profile"),
        ("state", "xyz-state"),
    ];
    if let Some(challenge) = challenge {
        query.extend([("code_challenge", challenge), ("code_challenge_method", "S256")]);
    }
    let response = http.get(format!("{}/oauth/authorize", server.url())).query(&query).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = url::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    assert!(location.as_str().starts_with(REDIRECT), "{location}");
    let pairs: Vec<(String, String)> = location.query_pairs().into_owned().collect();
    assert!(pairs.contains(&("state".to_string(), "xyz-state".to_string())), "{pairs:?}");
    pairs.into_iter().find(|(k, _)| k == "code").unwrap().1
}

async fn upload(server: &MastodonServer, http: &reqwest::Client, token: &str, description: &str) -> reqwest::Response {
    let png = images::png(64, 48);
    let (content_type, body) =
        multipart(&[("description", description)], &[("file", "photo.png", "image/png", png.as_slice())]);
    http.post(format!("{}/api/v2/media", server.url()))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn post_status(server: &MastodonServer, http: &reqwest::Client, token: &str, body: Value) -> (StatusCode, Value) {
    let response =
        http.post(format!("{}/api/v1/statuses", server.url())).bearer_auth(token).json(&body).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn oauth_code_flow_gives_a_token_that_verifies_and_can_be_revoked() {
    let server = MastodonServer::start().await;
    let http = client();
    let token = sign_in(&server, &http).await;

    let me = http
        .get(format!("{}/api/v1/accounts/verify_credentials", server.url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["username"], "chorus");
    assert_eq!(me["id"], server.config().account_id.as_str());
    assert_eq!(me["source"]["privacy"], "public");

    // A code is good once, for its client and redirect URI only; a wrong PKCE verifier fails.
    let app = register(&server, &http).await;
    let code = authorize(&server, &http, &app, Some("not-the-challenge")).await;
    let token_with = |code: String, verifier: Option<&'static str>| {
        let mut form = vec![
            ("grant_type", "authorization_code".to_string()),
            ("code", code),
            ("client_id", app.client_id.clone()),
            ("client_secret", app.client_secret.clone()),
            ("redirect_uri", REDIRECT.to_string()),
        ];
        if let Some(v) = verifier {
            form.push(("code_verifier", v.to_string()));
        }
        http.post(format!("{}/oauth/token", server.url())).form(&form).send()
    };
    let response = token_with(code, Some("wrong")).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"], "invalid_grant");
    assert!(error["error_description"].as_str().unwrap().contains("authorization grant is invalid"));
    let code = authorize(&server, &http, &app, None).await;
    assert_eq!(token_with(code.clone(), None).await.unwrap().status(), StatusCode::OK);
    assert_eq!(token_with(code, None).await.unwrap().status(), StatusCode::BAD_REQUEST, "a code is used once");

    // An unknown client cannot get a token.
    let response = http
        .post(format!("{}/oauth/token", server.url()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", "x"),
            ("client_id", app.client_id.as_str()),
            ("client_secret", "wrong"),
            ("redirect_uri", REDIRECT),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    // Revocation: the token stops working.
    let first = register(&server, &http).await;
    let code = authorize(&server, &http, &first, None).await;
    let issued: Value = token_with_app(&server, &http, &first, &code).await;
    let revoked_token = issued["access_token"].as_str().unwrap();
    let response = http
        .post(format!("{}/oauth/revoke", server.url()))
        .form(&[
            ("client_id", first.client_id.as_str()),
            ("client_secret", first.client_secret.as_str()),
            ("token", revoked_token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let me = http
        .get(format!("{}/api/v1/accounts/verify_credentials", server.url()))
        .bearer_auth(revoked_token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(me.json::<Value>().await.unwrap(), json!({"error": "The access token is invalid"}));

    // The recorded requests show what was sent.
    let revokes = server.requests_to("POST", "/oauth/revoke");
    assert_eq!(revokes.len(), 1);
    assert_eq!(revokes[0].param("token"), Some(&json!(revoked_token)));
    assert_eq!(revokes[0].status, 200);
}

async fn token_with_app(server: &MastodonServer, http: &reqwest::Client, app: &Registered, code: &str) -> Value {
    let response = http
        .post(format!("{}/oauth/token", server.url()))
        .json(&json!({
            "grant_type": "authorization_code",
            "code": code,
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "redirect_uri": REDIRECT,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

#[tokio::test]
async fn refresh_tokens_when_the_instance_issues_them() {
    let server = MastodonServer::start().await;
    let http = client();
    let app = register(&server, &http).await;
    let code = authorize(&server, &http, &app, None).await;
    assert!(token_with_app(&server, &http, &app, &code).await.get("refresh_token").is_none(), "not by default");

    server.configure(|c| c.refresh_tokens = true);
    let code = authorize(&server, &http, &app, None).await;
    let first = token_with_app(&server, &http, &app, &code).await;
    let refresh = first["refresh_token"].as_str().unwrap();
    let response = http
        .post(format!("{}/oauth/token", server.url()))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
            ("client_id", app.client_id.as_str()),
            ("client_secret", app.client_secret.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let second: Value = response.json().await.unwrap();
    assert_ne!(second["access_token"], first["access_token"]);
    let verify = |token: String| {
        http.get(format!("{}/api/v1/accounts/verify_credentials", server.url())).bearer_auth(token).send()
    };
    assert_eq!(verify(first["access_token"].as_str().unwrap().into()).await.unwrap().status(), 401, "old one revoked");
    assert_eq!(verify(second["access_token"].as_str().unwrap().into()).await.unwrap().status(), 200);
}

#[tokio::test]
async fn tokens_are_checked_for_presence_user_and_scope() {
    let server = MastodonServer::start().await;
    let http = client();
    let verify = |token: Option<String>| {
        let request = http.get(format!("{}/api/v1/accounts/verify_credentials", server.url()));
        match token {
            Some(t) => request.bearer_auth(t),
            None => request,
        }
        .send()
    };
    assert_eq!(verify(None).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(verify(Some("made-up".into())).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let read_only = server.issue_token("read");
    assert_eq!(verify(Some(read_only.clone())).await.unwrap().status(), StatusCode::OK, "read covers read:accounts");
    let (status, body) = post_status(&server, &http, &read_only, json!({"status": "hi"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "This action is outside the authorized scopes");

    // An app-only token (client credentials) is no user.
    let app = register(&server, &http).await;
    let response = http
        .post(format!("{}/oauth/token", server.url()))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", app.client_id.as_str()),
            ("client_secret", app.client_secret.as_str()),
            ("scope", "read"),
        ])
        .send()
        .await
        .unwrap();
    let app_token: Value = response.json().await.unwrap();
    let response = verify(Some(app_token["access_token"].as_str().unwrap().to_string())).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(response.json::<Value>().await.unwrap()["error"], "This method requires an authenticated user");

    // Every token revoked at once, as when the user removes the app.
    server.inject(Fault::RevokeTokens);
    assert_eq!(verify(Some(read_only)).await.unwrap().status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_instance_reports_the_configured_limits() {
    let server = MastodonServer::start().await;
    server.set_max_characters(1000);
    server.set_max_media_attachments(6);
    server.set_characters_reserved_per_url(30);
    server.configure(|c| c.description_limit = 500);
    let instance: Value =
        client().get(format!("{}/api/v2/instance", server.url())).send().await.unwrap().json().await.unwrap();
    let statuses = &instance["configuration"]["statuses"];
    assert_eq!(statuses["max_characters"], 1000);
    assert_eq!(statuses["max_media_attachments"], 6);
    assert_eq!(statuses["characters_reserved_per_url"], 30);
    let media = &instance["configuration"]["media_attachments"];
    assert_eq!(media["description_limit"], 500);
    assert_eq!(media["image_size_limit"], 16_777_216);
    assert!(media["supported_mime_types"].as_array().unwrap().contains(&json!("video/mp4")));
    assert_eq!(instance["domain"], server.url().trim_start_matches("http://"));
}

#[tokio::test]
async fn media_is_processed_before_a_status_with_cw_visibility_and_language_uses_it() {
    let server = MastodonServer::start().await;
    let http = client();
    let token = sign_in(&server, &http).await;
    server.set_media_processing_polls(2);

    let response = upload(&server, &http, &token, "A small test picture").await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let media: Value = response.json().await.unwrap();
    assert_eq!(media["type"], "image");
    assert_eq!(media["url"], Value::Null, "no URL while processing");
    assert_eq!(media["description"], "A small test picture");
    assert_eq!(media["meta"]["original"]["width"], 64);
    let id = media["id"].as_str().unwrap().to_string();

    // Not yet attachable.
    let (status, body) =
        post_status(&server, &http, &token, json!({"status": "too early", "media_ids": [id.clone()]})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"].as_str().unwrap().contains("not finished processing"), "{body}");

    let poll = || http.get(format!("{}/api/v1/media/{id}", server.url())).bearer_auth(&token).send();
    assert_eq!(poll().await.unwrap().status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(poll().await.unwrap().status(), StatusCode::PARTIAL_CONTENT);
    let done = poll().await.unwrap();
    assert_eq!(done.status(), StatusCode::OK);
    let done: Value = done.json().await.unwrap();
    let file_url = done["url"].as_str().unwrap().to_string();
    assert_eq!(http.get(&file_url).send().await.unwrap().bytes().await.unwrap().as_ref(), images::png(64, 48));

    // Description and focus can still change.
    let response = http
        .put(format!("{}/api/v1/media/{id}", server.url()))
        .bearer_auth(&token)
        .form(&[("description", "A better description"), ("focus", "-0.5,0.25")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let updated: Value = response.json().await.unwrap();
    assert_eq!(updated["description"], "A better description");
    assert_eq!(updated["meta"]["focus"], json!({"x": -0.5, "y": 0.25}));

    let (status, posted) = post_status(
        &server,
        &http,
        &token,
        json!({
            "status": "Spoilers ahead <b>bold</b>\n\nsecond paragraph https://example.com/a/very/long/path/that/counts/as/twenty-three",
            "media_ids": [id.clone()],
            "spoiler_text": "Film plot",
            "visibility": "unlisted",
            "language": "de",
        }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{posted}");
    assert_eq!(posted["visibility"], "unlisted");
    assert_eq!(posted["spoiler_text"], "Film plot");
    assert_eq!(posted["sensitive"], true, "a content warning marks the status sensitive");
    assert_eq!(posted["language"], "de");
    assert_eq!(posted["media_attachments"][0]["id"], id.as_str());
    assert!(posted["content"].as_str().unwrap().starts_with("<p>Spoilers ahead &lt;b&gt;bold&lt;/b&gt;</p><p>"));
    assert_eq!(posted["application"]["name"], "Chorus");
    let status_id = posted["id"].as_str().unwrap().to_string();

    // Media in use can no longer change.
    let response = http
        .put(format!("{}/api/v1/media/{id}", server.url()))
        .bearer_auth(&token)
        .form(&[("description", "late")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    // What was posted, as the server saw it.
    let statuses = server.statuses();
    assert_eq!(statuses.len(), 1);
    assert_eq!(statuses[0].id, status_id);
    assert_eq!(statuses[0].media_ids, vec![id.clone()]);
    assert_eq!(statuses[0].visibility, "unlisted");
    assert_eq!(statuses[0].language.as_deref(), Some("de"));
    let uploaded = server.media();
    assert_eq!(uploaded[0].status_id.as_deref(), Some(status_id.as_str()));
    assert_eq!(uploaded[0].focus, Some((-0.5, 0.25)));
    let uploads = server.requests_to("POST", "/api/v2/media");
    assert_eq!(uploads[0].files[0].filename.as_deref(), Some("photo.png"));
    assert_eq!(uploads[0].files[0].content_type.as_deref(), Some("image/png"));
    assert_eq!(uploads[0].param("description"), Some(&json!("A small test picture")));

    // Read back: by id and in the account's recent statuses.
    let fetched: Value = http
        .get(format!("{}/api/v1/statuses/{status_id}", server.url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(fetched["id"], status_id.as_str());
    let account_id = server.config().account_id;
    let recent: Value = http
        .get(format!("{}/api/v1/accounts/{account_id}/statuses", server.url()))
        .query(&[("limit", "5"), ("exclude_replies", "true")])
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(recent.as_array().unwrap().len(), 1);
    assert_eq!(recent[0]["id"], status_id.as_str());
}

#[tokio::test]
async fn images_can_be_ready_at_once_and_processing_can_be_prolonged() {
    let server = MastodonServer::start().await;
    let http = client();
    let token = server.issue_token("write");
    server.set_media_processing_polls(0);
    let response = upload(&server, &http, &token, "ready").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.json::<Value>().await.unwrap()["url"].is_string());

    server.inject(Fault::MediaProcessing { polls: 3 });
    let media: Value = upload(&server, &http, &token, "slow").await.json().await.unwrap();
    let id = media["id"].as_str().unwrap();
    let mut codes = Vec::new();
    for _ in 0..4 {
        let r = http.get(format!("{}/api/v1/media/{id}", server.url())).bearer_auth(&token).send().await.unwrap();
        codes.push(r.status().as_u16());
    }
    assert_eq!(codes, [206, 206, 206, 200]);
    let next = upload(&server, &http, &token, "again").await;
    assert_eq!(next.status(), StatusCode::OK, "the fault held for one upload");

    // A type the instance does not take.
    let (content_type, body) = multipart(&[], &[("file", "notes.txt", "text/plain", b"hello")]);
    let response = http
        .post(format!("{}/api/v2/media", server.url()))
        .bearer_auth(&token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.json::<Value>().await.unwrap()["error"].as_str().unwrap().starts_with("Validation failed: "));
}

#[tokio::test]
async fn an_idempotency_key_returns_the_same_status() {
    let server = MastodonServer::start().await;
    let http = client();
    let token = server.issue_token("read write");
    let send = |key: &'static str, text: &'static str| {
        http.post(format!("{}/api/v1/statuses", server.url()))
            .bearer_auth(&token)
            .header("Idempotency-Key", key)
            .form(&[("status", text), ("visibility", "private")])
            .send()
    };
    let first: Value = send("key-1", "Hello").await.unwrap().json().await.unwrap();
    let again = send("key-1", "Hello").await.unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["id"], first["id"]);
    let other: Value = send("key-2", "Hello").await.unwrap().json().await.unwrap();
    assert_ne!(other["id"], first["id"]);
    assert_eq!(server.statuses().len(), 2);
    assert_eq!(server.statuses()[0].idempotency_key.as_deref(), Some("key-1"));
    assert_eq!(server.requests_to("POST", "/api/v1/statuses")[1].header("Idempotency-Key"), Some("key-1"));

    // Once the window has passed the key is forgotten.
    server.configure(|c| c.idempotency_window = Duration::ZERO);
    let later: Value = send("key-1", "Hello").await.unwrap().json().await.unwrap();
    assert_ne!(later["id"], first["id"]);
}

#[tokio::test]
async fn invalid_statuses_get_422_as_mastodon_words_it() {
    let server = MastodonServer::start().await;
    let http = client();
    let token = server.issue_token("write");
    let error = |body: Value| {
        let (server, http, token) = (&server, &http, &token);
        async move {
            let (status, answer) = post_status(server, http, token, body).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
            answer["error"].as_str().unwrap().to_string()
        }
    };

    // Length as Mastodon counts it: 500 characters pass, 501 do not; the content warning counts too.
    let (status, _) = post_status(&server, &http, &token, json!({"status": "a".repeat(500)})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        error(json!({"status": "a".repeat(501)})).await,
        "Validation failed: Text character limit of 500 exceeded"
    );
    assert_eq!(
        error(json!({"status": "a".repeat(495), "spoiler_text": "123456"})).await,
        "Validation failed: Text character limit of 500 exceeded"
    );
    // A URL counts as 23 however long it is; an emoji with modifiers as one.
    let url = format!("https://example.com/{}", "p".repeat(200));
    let text = format!("{} {url} {}", "a".repeat(469), "👍🏽".repeat(6));
    let (status, _) = post_status(&server, &http, &token, json!({"status": text})).await;
    assert_eq!(status, StatusCode::OK, "469 + 1 + 23 + 1 + 6 = 500");
    server.set_max_characters(10);
    assert_eq!(
        error(json!({"status": "a".repeat(11)})).await,
        "Validation failed: Text character limit of 10 exceeded"
    );

    // Enums, types, unknown and missing parameters.
    let bad = error(json!({"status": "hi", "visibility": "friends"})).await;
    assert!(bad.starts_with("Validation failed: Visibility 'friends' is not included in the list"), "{bad}");
    let bad = error(json!({"status": "hi", "sensitive": "maybe"})).await;
    assert!(bad.starts_with("Validation failed: Sensitive must be a boolean"), "{bad}");
    let bad = error(json!({"status": "hi", "media_ids": "1"})).await;
    assert!(bad.starts_with("Validation failed: Media ids must be an array of strings"), "{bad}");
    let bad = error(json!({"status": "hi", "content_warning": "x"})).await;
    assert!(bad.contains("content_warning is not a parameter of POST /api/v1/statuses"), "{bad}");
    assert_eq!(error(json!({"status": "  "})).await, "Validation failed: Text can't be blank");
    let bad = error(json!({"status": "hi", "scheduled_at": "tomorrow"})).await;
    assert!(bad.contains("Scheduled at must be an ISO 8601 date-time"), "{bad}");
    assert_eq!(
        error(json!({"status": "hi", "scheduled_at": chrono::Utc::now().to_rfc3339()})).await,
        "Validation failed: Scheduled at The scheduled date must be in the future"
    );
    server.set_max_media_attachments(1);
    let bad = error(json!({"status": "hi", "media_ids": ["1", "2"]})).await;
    assert_eq!(bad, "Cannot attach more than 1 files");

    // Form posts are checked the same way.
    let response = http
        .post(format!("{}/api/v1/statuses", server.url()))
        .bearer_auth(&token)
        .form(&[("status", "hi"), ("visibility", "everyone")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Registration without a name.
    let response = http
        .post(format!("{}/api/v1/apps", server.url()))
        .json(&json!({"redirect_uris": [REDIRECT]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(response.json::<Value>().await.unwrap()["error"], "Validation failed: Client name can't be blank");

    assert!(server.statuses().len() == 2, "only the valid ones were posted");
}

#[tokio::test]
async fn scheduled_statuses_replies_and_deletion() {
    let server = MastodonServer::start().await;
    let http = client();
    let token = server.issue_token("read write");
    let at = (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    let (status, scheduled) = post_status(&server, &http, &token, json!({"status": "later", "scheduled_at": at})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(scheduled["params"]["text"], "later");
    assert!(scheduled["scheduled_at"].is_string());
    assert!(server.statuses()[0].scheduled_at.is_some());

    let (_, parent) = post_status(&server, &http, &token, json!({"status": "first"})).await;
    let parent_id = parent["id"].as_str().unwrap();
    let (status, reply) =
        post_status(&server, &http, &token, json!({"status": "second", "in_reply_to_id": parent_id})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(reply["in_reply_to_id"], parent_id);
    let (status, _) = post_status(&server, &http, &token, json!({"status": "x", "in_reply_to_id": "999"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let account_id = server.config().account_id;
    let list = |query: Vec<(&'static str, String)>| {
        let (server, http, account_id) = (&server, &http, &account_id);
        async move {
            let r = http
                .get(format!("{}/api/v1/accounts/{account_id}/statuses", server.url()))
                .query(&query)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            r.json::<Value>().await.unwrap().as_array().unwrap().iter().map(|s| s["id"].clone()).collect::<Vec<_>>()
        }
    };
    assert_eq!(list(vec![]).await, vec![reply["id"].clone(), parent["id"].clone()], "newest first, none scheduled");
    assert_eq!(list(vec![("exclude_replies", "true".into())]).await, vec![parent["id"].clone()]);
    assert_eq!(list(vec![("max_id", reply["id"].as_str().unwrap().into())]).await, vec![parent["id"].clone()]);

    let deleted =
        http.delete(format!("{}/api/v1/statuses/{parent_id}", server.url())).bearer_auth(&token).send().await.unwrap();
    assert_eq!(deleted.status(), StatusCode::OK);
    assert_eq!(deleted.json::<Value>().await.unwrap()["text"], "first", "the source, for redrafting");
    let gone = http.get(format!("{}/api/v1/statuses/{parent_id}", server.url())).send().await.unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    assert_eq!(gone.json::<Value>().await.unwrap(), json!({"error": "Record not found"}));
    assert_eq!(list(vec![]).await, vec![reply["id"].clone()]);
    assert!(server.statuses().iter().find(|s| s.id == parent_id).unwrap().deleted);
}

#[tokio::test]
async fn injected_faults_answer_429_503_500_and_delays() {
    let server = MastodonServer::start().await;
    let http = client();
    let instance = || http.get(format!("{}/api/v2/instance", server.url())).send();

    let ok = instance().await.unwrap();
    assert_eq!(ok.headers()["x-ratelimit-limit"], "300");
    assert_eq!(ok.headers()["x-ratelimit-remaining"], "299");

    server.inject(Fault::RateLimited { times: 1, reset_in: Duration::from_secs(90) });
    let limited = instance().await.unwrap();
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let headers = limited.headers().clone();
    assert_eq!(headers["x-ratelimit-limit"], "300");
    assert_eq!(headers["x-ratelimit-remaining"], "0");
    assert_eq!(headers["retry-after"], "90");
    let reset = chrono::DateTime::parse_from_rfc3339(headers["x-ratelimit-reset"].to_str().unwrap()).unwrap();
    let ahead = reset.with_timezone(&chrono::Utc) - chrono::Utc::now();
    assert!(ahead > chrono::Duration::seconds(80) && ahead <= chrono::Duration::seconds(90), "{ahead}");
    assert_eq!(limited.json::<Value>().await.unwrap(), json!({"error": "Too many requests"}));
    assert_eq!(instance().await.unwrap().status(), StatusCode::OK);

    server.inject(Fault::Unavailable { times: 2 });
    assert_eq!(instance().await.unwrap().status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(instance().await.unwrap().status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(instance().await.unwrap().status(), StatusCode::OK);

    // A fault on one endpoint leaves the others alone.
    let token = server.issue_token("write");
    server.inject_on("POST", "/api/v1/statuses", Fault::ServerError { times: 1 });
    assert_eq!(instance().await.unwrap().status(), StatusCode::OK);
    let (status, _) = post_status(&server, &http, &token, json!({"status": "x"})).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    let (status, _) = post_status(&server, &http, &token, json!({"status": "x"})).await;
    assert_eq!(status, StatusCode::OK);

    server.inject(Fault::Delay { times: 1, delay: Duration::from_millis(1500) });
    let timed_out =
        http.get(format!("{}/api/v2/instance", server.url())).timeout(Duration::from_millis(300)).send().await;
    assert!(timed_out.unwrap_err().is_timeout());

    let statuses: Vec<u16> = server.requests().iter().map(|r| r.status).collect();
    assert_eq!(&statuses[..6], &[200, 429, 200, 503, 503, 200]);
}

#[tokio::test]
async fn the_instance_enforces_its_own_rate_limit() {
    let server = MastodonServer::start().await;
    server.configure(|c| c.rate_limit = 3);
    let http = client();
    let mut seen = Vec::new();
    for _ in 0..4 {
        let r = http.get(format!("{}/api/v2/instance", server.url())).send().await.unwrap();
        let remaining = r.headers()["x-ratelimit-remaining"].to_str().unwrap().to_string();
        seen.push((r.status().as_u16(), remaining, r.headers().get("retry-after").is_some()));
    }
    let expected = [(200, "2", false), (200, "1", false), (200, "0", false), (429, "0", true)];
    assert_eq!(seen, expected.map(|(s, r, a)| (s, r.to_string(), a)));
}

#[tokio::test]
async fn notifications_and_conversations_list_mentions() {
    let server = MastodonServer::start().await;
    let http = client();
    let token = server.issue_token("read write");
    let (_, mine) = post_status(&server, &http, &token, json!({"status": "Ask me anything"})).await;
    let first = server.add_mention("ada", "@chorus how does this work?", mine["id"].as_str());
    server.add_mention("grace", "@chorus thanks!", None);

    let get = |path: &'static str, query: Vec<(&'static str, &'static str)>| {
        http.get(format!("{}{path}", server.url())).bearer_auth(&token).query(&query).send()
    };
    let all: Value = get("/api/v1/notifications", vec![]).await.unwrap().json().await.unwrap();
    assert_eq!(all.as_array().unwrap().len(), 2);
    assert_eq!(all[1]["id"], first.as_str());
    assert_eq!(all[1]["type"], "mention");
    assert_eq!(all[1]["account"]["username"], "ada");
    assert_eq!(all[1]["status"]["in_reply_to_id"], mine["id"]);
    let mentions: Value =
        get("/api/v1/notifications", vec![("types[]", "mention"), ("limit", "1")]).await.unwrap().json().await.unwrap();
    assert_eq!(mentions.as_array().unwrap().len(), 1);
    let bad = get("/api/v1/notifications", vec![("types[]", "comment")]).await.unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let bad = get("/api/v1/notifications", vec![("limit", "many")]).await.unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let conversations: Value = get("/api/v1/conversations", vec![]).await.unwrap().json().await.unwrap();
    assert_eq!(conversations.as_array().unwrap().len(), 2);
    assert_eq!(conversations[0]["accounts"][0]["username"], "grace");
}

// ---------------------------------------------------------------------------------------------------------------
// Against the shared API description, when it is there.

/// The Mastodon OpenAPI document, or why it is not available.
fn load_schema() -> Result<Value, String> {
    let folder = match std::env::var_os("CHORUS_API_SPECS") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/api-specs"),
    };
    let file = folder.join("mastodon").join("schema.json");
    let text = std::fs::read_to_string(&file).map_err(|e| {
        format!("{} not readable ({e}); set CHORUS_API_SPECS to the api-specs folder to run this check", file.display())
    })?;
    let schema: Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
    assert_eq!(
        schema["info"]["version"], SCHEMA_VERSION,
        "the shared schema is another Mastodon version than the one our description follows"
    );
    Ok(schema)
}

fn resolve<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let target = reference.trim_start_matches("#/").split('/').fold(root, |node, key| &node[key]);
            resolve(root, target)
        }
        None => schema,
    }
}

/// The properties of a request body schema (through `allOf`, `oneOf`, `$ref`) and the names every variant requires.
fn body_properties(root: &Value, schema: &Value) -> (serde_json::Map<String, Value>, Vec<String>) {
    let schema = resolve(root, schema);
    let mut properties = schema["properties"].as_object().cloned().unwrap_or_default();
    let mut required: Vec<String> =
        schema["required"].as_array().into_iter().flatten().filter_map(|v| v.as_str().map(String::from)).collect();
    if let Some(parts) = schema["allOf"].as_array() {
        for part in parts {
            let (p, r) = body_properties(root, part);
            properties.extend(p);
            required.extend(r);
        }
    }
    if let Some(variants) = schema["oneOf"].as_array() {
        let mut common: Option<Vec<String>> = None;
        for variant in variants {
            let (p, r) = body_properties(root, variant);
            properties.extend(p);
            common = Some(match common {
                None => r,
                Some(c) => c.into_iter().filter(|n| r.contains(n)).collect(),
            });
        }
        required.extend(common.unwrap_or_default());
    }
    (properties, required)
}

/// Our type for a schema's parameter schema, and its enum.
fn schema_type(root: &Value, schema: &Value) -> (Option<Type>, Vec<String>) {
    let target = resolve(root, schema);
    let enum_of = |s: &Value| -> Vec<String> {
        s["enum"].as_array().into_iter().flatten().filter_map(|v| v.as_str().map(String::from)).collect()
    };
    let ty = schema.get("type").or(target.get("type")).and_then(Value::as_str);
    let format = schema.get("format").or(target.get("format")).and_then(Value::as_str);
    match (ty, format) {
        (Some("string"), Some("date-time")) => (Some(Type::DateTime), enum_of(target)),
        (Some("string"), Some("binary")) => (Some(Type::Binary), enum_of(target)),
        (Some("string"), _) => (Some(Type::String), enum_of(target)),
        (Some("integer"), _) => (Some(Type::Integer), vec![]),
        (Some("boolean"), _) => (Some(Type::Boolean), vec![]),
        (Some("array"), _) => {
            let items = resolve(root, &target["items"]);
            let string_items = items["type"] == "string";
            (string_items.then_some(Type::StringArray), enum_of(items))
        }
        _ => (None, vec![]),
    }
}

#[test]
fn mastodon_description_matches_the_schema() {
    let root = match load_schema() {
        Ok(root) => root,
        Err(reason) => {
            println!("skipped: {reason}");
            return;
        }
    };
    let mut problems = Vec::new();
    for endpoint in spec::ENDPOINTS {
        let at = format!("{} {}", endpoint.method, endpoint.path);
        let Some(op) = root["paths"][endpoint.path].get(endpoint.method.to_ascii_lowercase()) else {
            problems.push(format!("{at}: not in the schema"));
            continue;
        };
        let listed: Vec<&Value> = op["parameters"].as_array().into_iter().flatten().collect();
        let content = op["requestBody"]["content"].as_object().cloned().unwrap_or_default();
        let (body, body_required) =
            content.values().next().map(|c| body_properties(&root, &c["schema"])).unwrap_or_default();
        if endpoint.multipart != content.contains_key("multipart/form-data") {
            problems.push(format!("{at}: multipart is {} here", endpoint.multipart));
        }

        for param in endpoint.params {
            let (found, required) = match param.location {
                In::Body => (body.get(param.name).cloned(), body_required.iter().any(|n| n == param.name)),
                location => {
                    let wanted = match location {
                        In::Path => "path",
                        In::Query => "query",
                        _ => "header",
                    };
                    let p = listed.iter().find(|p| p["name"] == param.name && p["in"] == wanted);
                    (p.map(|p| p["schema"].clone()), p.is_some_and(|p| p["required"] == true))
                }
            };
            if let Origin::BeyondSchema(reason) = param.origin {
                if found.is_some() {
                    problems
                        .push(format!("{at}: {} is now in the schema; it was marked beyond it ({reason})", param.name));
                }
                continue;
            }
            let Some(found) = found else {
                problems.push(format!("{at}: {} ({:?}) is not in the schema", param.name, param.location));
                continue;
            };
            let (ty, allowed) = schema_type(&root, &found);
            // The schema types the Idempotency-Key header `object`; it is a string.
            let header_quirk = param.location == In::Header && found["type"] == "object";
            if ty != Some(param.ty) && !header_quirk {
                problems.push(format!("{at}: {} is {:?} here, {found} there", param.name, param.ty));
            }
            let mut ours: Vec<String> = param.allowed.iter().map(|s| s.to_string()).collect();
            let mut theirs = allowed;
            ours.sort();
            theirs.sort();
            if ours != theirs {
                problems.push(format!("{at}: {} allows {ours:?} here, {theirs:?} there", param.name));
            }
            let required_here = !matches!(param.presence, Presence::Optional);
            if required_here != required {
                problems.push(format!("{at}: {} required {required_here} here, {required} there", param.name));
            }
        }
        // Nothing the schema requires is missing here.
        for p in &listed {
            let name = p["name"].as_str().unwrap_or_default();
            if p["required"] == true && endpoint.param(name).is_none() {
                problems.push(format!("{at}: the schema requires {name}"));
            }
        }
        for name in &body_required {
            if endpoint.param(name).is_none() {
                problems.push(format!("{at}: the schema requires {name}"));
            }
        }
        // The scopes asked for.
        let security: Vec<String> = op["security"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|s| s["OAuth2"].as_array().cloned().unwrap_or_default())
            .filter_map(|s| s.as_str().map(String::from))
            .collect();
        match endpoint.auth {
            Auth::User(scopes) if scopes.iter().map(|s| s.to_string()).collect::<Vec<_>>() != security => {
                problems.push(format!("{at}: scopes {scopes:?} here, {security:?} there"));
            }
            Auth::None if !security.is_empty() => problems.push(format!("{at}: open here, {security:?} there")),
            _ => {}
        }
    }
    assert!(problems.is_empty(), "our description differs from Mastodon {SCHEMA_VERSION}'s:\n{}", problems.join("\n"));
}

/// Problems of `value` against `schema`: types, required properties, enums, recursively. Lenient where the schema
/// is known to be wrong: a `null` is accepted where an integer is declared.
fn conform(root: &Value, schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    if schema.get("$ref").is_some() {
        conform(root, resolve(root, schema), value, at, problems);
    }
    if let Some(parts) = schema["allOf"].as_array() {
        for part in parts {
            conform(root, part, value, at, problems);
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(variants) = schema[key].as_array() {
            let fits = variants.iter().any(|v| {
                let mut p = Vec::new();
                conform(root, v, value, at, &mut p);
                p.is_empty()
            });
            if !fits {
                problems.push(format!("{at}: {value} fits no variant of {key}"));
            }
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if !types.is_empty() {
        let fits = types.iter().any(|t| match *t {
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64() || value.is_null(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            "null" => value.is_null(),
            _ => true,
        });
        if !fits {
            problems.push(format!("{at}: {value} is not {types:?}"));
            return;
        }
    }
    if let (Some(allowed), Some(v)) = (schema["enum"].as_array(), value.as_str())
        && !allowed.iter().any(|a| a == v)
    {
        problems.push(format!("{at}: {v} not in {allowed:?}"));
    }
    if let Value::Object(object) = value {
        for name in schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            if !object.contains_key(name) {
                problems.push(format!("{at}: lacks required {name}"));
            }
        }
        if let Some(properties) = schema["properties"].as_object() {
            for (name, property) in properties {
                if let Some(v) = object.get(name) {
                    conform(root, property, v, &format!("{at}.{name}"), problems);
                }
            }
        }
    }
    if let (Value::Array(items), Some(item_schema)) = (value, schema.get("items")) {
        for (i, item) in items.iter().enumerate() {
            conform(root, item_schema, item, &format!("{at}[{i}]"), problems);
        }
    }
}

#[tokio::test]
async fn mastodon_answers_match_the_schema() {
    let root = match load_schema() {
        Ok(root) => root,
        Err(reason) => {
            println!("skipped: {reason}");
            return;
        }
    };
    let server = MastodonServer::start().await;
    let http = client();
    let base = server.url().to_string();
    let mut answers: Vec<(&str, &str, u16, Value)> = Vec::new();
    async fn take(response: reqwest::Response) -> (u16, Value) {
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    let (s, v) = take(
        http.post(format!("{base}/api/v1/apps"))
            .json(&json!({"client_name": "Chorus", "redirect_uris": [REDIRECT], "scopes": "read write profile"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    answers.push(("POST", "/api/v1/apps", s, v.clone()));
    let app = Registered {
        client_id: v["client_id"].as_str().unwrap().into(),
        client_secret: v["client_secret"].as_str().unwrap().into(),
    };
    let code = authorize(&server, &http, &app, None).await;
    let token = token_with_app(&server, &http, &app, &code).await;
    answers.push(("POST", "/oauth/token", 200, token.clone()));
    let (s, v) = take(
        http.post(format!("{base}/oauth/token"))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", "used"),
                ("client_id", &app.client_id),
                ("client_secret", &app.client_secret),
                ("redirect_uri", REDIRECT),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    answers.push(("POST", "/oauth/token", s, v));
    let token = token["access_token"].as_str().unwrap().to_string();
    let get = |path: String| http.get(format!("{base}{path}")).bearer_auth(&token).send();
    let (s, v) = take(get("/api/v1/accounts/verify_credentials".into()).await.unwrap()).await;
    answers.push(("GET", "/api/v1/accounts/verify_credentials", s, v));
    let (s, v) = take(get("/api/v2/instance".into()).await.unwrap()).await;
    answers.push(("GET", "/api/v2/instance", s, v));
    let (s, v) = take(upload(&server, &http, &token, "alt text").await).await;
    let media_id = v["id"].as_str().unwrap().to_string();
    answers.push(("POST", "/api/v2/media", s, v));
    let (s, v) = take(get(format!("/api/v1/media/{media_id}")).await.unwrap()).await;
    // The schema gives 206 no body; Mastodon sends the attachment, as for 200.
    answers.push(("GET", "/api/v1/media/{id}", if s == 206 { 200 } else { s }, v));
    let (s, v) = take(get(format!("/api/v1/media/{media_id}")).await.unwrap()).await;
    answers.push(("GET", "/api/v1/media/{id}", s, v));
    let (s, v) = post_status(
        &server,
        &http,
        &token,
        json!({"status": "Hello", "media_ids": [media_id], "spoiler_text": "cw", "language": "en"}),
    )
    .await;
    let status_id = v["id"].as_str().unwrap().to_string();
    answers.push(("POST", "/api/v1/statuses", s.as_u16(), v));
    let at = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let (s, v) = post_status(&server, &http, &token, json!({"status": "later", "scheduled_at": at})).await;
    answers.push(("POST", "/api/v1/statuses", s.as_u16(), v));
    let (s, v) = post_status(&server, &http, &token, json!({"status": "x".repeat(501)})).await;
    answers.push(("POST", "/api/v1/statuses", s.as_u16(), v));
    let (s, v) = take(get(format!("/api/v1/statuses/{status_id}")).await.unwrap()).await;
    answers.push(("GET", "/api/v1/statuses/{id}", s, v));
    let account_id = server.config().account_id;
    let (s, v) = take(get(format!("/api/v1/accounts/{account_id}/statuses")).await.unwrap()).await;
    answers.push(("GET", "/api/v1/accounts/{id}/statuses", s, v));
    server.add_mention("ada", "@chorus hello", Some(&status_id));
    let (s, v) = take(get("/api/v1/notifications".into()).await.unwrap()).await;
    answers.push(("GET", "/api/v1/notifications", s, v));
    let (s, v) = take(get("/api/v1/conversations".into()).await.unwrap()).await;
    answers.push(("GET", "/api/v1/conversations", s, v));
    server.inject(Fault::RateLimited { times: 1, reset_in: Duration::from_secs(60) });
    let (s, v) = take(get("/api/v2/instance".into()).await.unwrap()).await;
    answers.push(("GET", "/api/v2/instance", s, v));
    let (s, v) =
        take(http.delete(format!("{base}/api/v1/statuses/{status_id}")).bearer_auth(&token).send().await.unwrap())
            .await;
    answers.push(("DELETE", "/api/v1/statuses/{id}", s, v));
    let (s, v) = take(get(format!("/api/v1/statuses/{status_id}")).await.unwrap()).await;
    answers.push(("GET", "/api/v1/statuses/{id}", s, v));
    let (s, v) = take(http.get(format!("{base}/api/v1/notifications")).send().await.unwrap()).await;
    answers.push(("GET", "/api/v1/notifications", s, v));

    let mut problems = Vec::new();
    for (method, path, status, body) in &answers {
        let op = &root["paths"][*path][method.to_ascii_lowercase()];
        let response = &op["responses"][status.to_string()];
        let Some(schema) = response["content"]["application/json"].get("schema") else {
            problems.push(format!("{method} {path} {status}: the schema documents no JSON answer"));
            continue;
        };
        conform(&root, schema, body, &format!("{method} {path} {status}"), &mut problems);
    }
    let codes: Vec<u16> = answers.iter().map(|a| a.2).collect();
    assert!(
        codes.contains(&400)
            && codes.contains(&422)
            && codes.contains(&429)
            && codes.contains(&404)
            && codes.contains(&401)
    );
    assert!(
        problems.is_empty(),
        "answers that differ from Mastodon {SCHEMA_VERSION}'s schema:\n{}",
        problems.join("\n")
    );
}
