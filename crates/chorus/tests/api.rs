//! The JSON API end to end: a real server on SQLite, driven over HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot set up should stop loudly

use chorus_domain::{ClientAccess, Role, TokenScope};
use chorus_testkit::app::{PASSWORD, only, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn problem(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    assert_eq!(content_type, "application/problem+json", "errors are problem+json (status {status})");
    (status, response.json().await.expect("problem body is JSON"))
}

#[tokio::test]
async fn requests_without_credentials_are_refused_with_a_problem() {
    let app = spawn_app().await;
    let response = reqwest::get(app.url("/api/v1/clients")).await.unwrap();
    assert_eq!(response.headers().get("www-authenticate").map(|v| v.to_str().unwrap()), Some("Bearer"));
    let (status, body) = problem(response).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["type"], "urn:chorus:problem:unauthenticated");
    let (status, _) =
        problem(app.api(Method::GET, "/clients", "chorus_pat_not-a-real-token").send().await.unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn clients_can_be_created_changed_listed_archived_and_restored() {
    let app = spawn_app().await;
    let (_, owner) = app.organization("Northwind").await;
    let created = app
        .api(Method::POST, "/clients", &owner.token)
        .json(&json!({"name": "  Blue Bottle  ", "time_zone": "America/New_York", "brand_notes": "Warm."}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let client: Value = created.json().await.unwrap();
    assert_eq!(client["name"], "Blue Bottle");
    assert_eq!(client["office_hours"]["mon"][0], json!({"start": "09:00", "end": "17:00"}), "default hours");
    let id = client["id"].as_str().unwrap().to_string();

    let changed: Value = app
        .api(Method::PATCH, &format!("/clients/{id}"), &owner.token)
        .json(&json!({"office_hours": {"sat": [{"start": "10:00", "end": "14:00"}]}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(changed["name"], "Blue Bottle", "fields left out stay");
    assert_eq!(changed["office_hours"]["sat"][0]["start"], "10:00");
    assert_eq!(changed["office_hours"]["mon"], json!([]), "office hours are replaced as a whole");

    let archived = app.api(Method::POST, &format!("/clients/{id}/archive"), &owner.token).send().await.unwrap();
    assert_eq!(archived.status(), StatusCode::OK);
    let active: Value = app.api(Method::GET, "/clients", &owner.token).send().await.unwrap().json().await.unwrap();
    assert_eq!(active["items"], json!([]));
    let listed: Value =
        app.api(Method::GET, "/clients?archived=archived", &owner.token).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed["items"][0]["id"], id.as_str());
    app.api(Method::POST, &format!("/clients/{id}/restore"), &owner.token).send().await.unwrap();
    let got: Value =
        app.api(Method::GET, &format!("/clients/{id}"), &owner.token).send().await.unwrap().json().await.unwrap();
    assert_eq!(got["archived_at"], Value::Null);
}

#[tokio::test]
async fn lists_are_paginated_with_cursors() {
    let app = spawn_app().await;
    let (org, owner) = app.organization("Northwind").await;
    for i in 0..7 {
        app.client(&org, &format!("Client {i:02}")).await;
    }
    let mut seen = Vec::new();
    let mut path = "/clients?limit=3".to_string();
    loop {
        let page: Value = app.api(Method::GET, &path, &owner.token).send().await.unwrap().json().await.unwrap();
        seen.extend(page["items"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_string()));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/clients?limit=3&cursor={cursor}"),
            None => break,
        }
    }
    let expected: Vec<String> = (0..7).map(|i| format!("Client {i:02}")).collect();
    assert_eq!(seen, expected);
    let (status, body) = problem(app.api(Method::GET, "/clients?limit=500", &owner.token).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["errors"][0]["field"], "limit");
    let (_, body) = problem(app.api(Method::GET, "/clients?limit=abc", &owner.token).send().await.unwrap()).await;
    assert_eq!(body["errors"][0]["field"], "limit");
}

#[tokio::test]
async fn bad_input_is_a_problem_naming_the_field() {
    let app = spawn_app().await;
    let (_, owner) = app.organization("Northwind").await;
    let post = |body: &'static str| {
        app.api(Method::POST, "/clients", &owner.token).header("content-type", "application/json").body(body).send()
    };

    let (status, body) = problem(post(r#"{"name": "A", "time_zone": "Mars/Base"}"#).await.unwrap()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["errors"][0]["field"], "time_zone");
    assert!(body["detail"].as_str().unwrap().contains("'Mars/Base' is not an IANA time zone"), "{body}");

    let (_, body) = problem(
        post(r#"{"name":"A","time_zone":"UTC","office_hours":{"tue":[{"start":"17:00","end":"09:00"}]}}"#)
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "office_hours.tue[0].end");

    let (_, body) = problem(post(r#"{"time_zone":"UTC"}"#).await.unwrap()).await;
    assert_eq!(body["errors"][0], json!({"field": "name", "message": "is required"}));

    let (status, _) = problem(post(r#"{"name": "#).await.unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let wrong_type = app.api(Method::POST, "/clients", &owner.token).body("name=A").send().await.unwrap();
    let (status, body) = problem(wrong_type).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["detail"].as_str().unwrap().contains("application/json"));

    let (status, body) = problem(app.api(Method::GET, "/clients/not-a-uuid", &owner.token).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["errors"][0]["field"], "client_id");

    let (status, _) = problem(app.api(Method::GET, "/no-such-route", &owner.token).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = problem(app.api(Method::PUT, "/clients", &owner.token).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn roles_decide_what_a_token_may_do() {
    let app = spawn_app().await;
    let (org, owner) = app.organization("Northwind").await;
    let a = app.client(&org, "Alpha").await;
    let analyst = app.person(&org, "ana@northwind.example", Role::Analyst, ClientAccess::All).await;
    let editor = app.person(&org, "ed@northwind.example", Role::Editor, only(&[a.id])).await;
    let manager = app.person(&org, "max@northwind.example", Role::Manager, only(&[a.id])).await;
    let new_client = json!({"name": "Beta", "time_zone": "UTC"});

    let (status, body) =
        problem(app.api(Method::POST, "/clients", &analyst.token).json(&new_client).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body["detail"].as_str().unwrap().contains("read-only"), "{body}");
    let (status, _) = problem(
        app.api(Method::PATCH, &format!("/clients/{}", a.id), &editor.token)
            .json(&json!({"name": "X"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A manager who creates a client works on it, and sees it beside the ones they had.
    let created = app.api(Method::POST, "/clients", &manager.token).json(&new_client).send().await.unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let list: Value = app.api(Method::GET, "/clients", &manager.token).send().await.unwrap().json().await.unwrap();
    let names: Vec<&str> = list["items"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Alpha", "Beta"]);
    // The editor still sees only Alpha.
    let list: Value = app.api(Method::GET, "/clients", &editor.token).send().await.unwrap().json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    // Read-only tokens read, and change nothing even for an owner.
    let read_only = app.token_for(&owner.person, TokenScope::Read).await;
    assert_eq!(app.api(Method::GET, "/clients", &read_only).send().await.unwrap().status(), StatusCode::OK);
    let (status, body) =
        problem(app.api(Method::POST, "/clients", &read_only).json(&new_client).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body["detail"].as_str().unwrap().contains("read-only"));
}

#[tokio::test]
async fn tokens_are_shown_once_cannot_mint_tokens_and_stop_when_revoked_or_owner_leaves() {
    let app = spawn_app().await;
    let (org, owner) = app.organization("Northwind").await;
    // Tokens cannot create tokens (they would outlive their own revocation).
    let (status, _) = problem(
        app.api(Method::POST, "/tokens", &owner.token)
            .json(&json!({"name": "x", "scope": "write"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let editor = app.person(&org, "ed@northwind.example", Role::Editor, ClientAccess::All).await;
    let listed: Value = app.api(Method::GET, "/tokens", &editor.token).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(listed[0].get("secret").is_none(), "secrets are never listed");
    let token_id = listed[0]["id"].as_str().unwrap().to_string();

    // Deactivating the owner of a token stops the token.
    let patch = app
        .api(Method::PATCH, &format!("/people/{}", editor.person.id), &owner.token)
        .json(&json!({"deactivated": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(patch.status(), StatusCode::OK);
    assert_eq!(app.api(Method::GET, "/me", &editor.token).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    app.api(Method::PATCH, &format!("/people/{}", editor.person.id), &owner.token)
        .json(&json!({"deactivated": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(app.api(Method::GET, "/me", &editor.token).send().await.unwrap().status(), StatusCode::OK);

    // Revoked through a browser session (tokens cannot revoke), then refused.
    app.store.revoke_api_token(org.id, editor.person.id, token_id.parse().unwrap(), chrono::Utc::now()).await.unwrap();
    assert_eq!(app.api(Method::GET, "/me", &editor.token).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_last_owner_cannot_be_demoted_or_deactivated() {
    let app = spawn_app().await;
    let (org, owner) = app.organization("Northwind").await;
    let admin = app.person(&org, "ad@northwind.example", Role::Admin, ClientAccess::All).await;
    let (status, _) = problem(
        app.api(Method::PATCH, &format!("/people/{}", owner.person.id), &owner.token)
            .json(&json!({"role": "admin"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "nobody changes their own role");
    let (status, _) = problem(
        app.api(Method::PATCH, &format!("/people/{}", owner.person.id), &admin.token)
            .json(&json!({"deactivated": true}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "admins cannot manage owners");
    // A second owner can be made, and then the first may step down.
    let promoted = app
        .api(Method::PATCH, &format!("/people/{}", admin.person.id), &owner.token)
        .json(&json!({"role": "owner"}))
        .send()
        .await
        .unwrap();
    assert_eq!(promoted.status(), StatusCode::OK);
    let stepped_down = app
        .api(Method::PATCH, &format!("/people/{}", owner.person.id), &admin.token)
        .json(&json!({"role": "manager"}))
        .send()
        .await
        .unwrap();
    assert_eq!(stepped_down.status(), StatusCode::OK);
    let me: Value = app.api(Method::GET, "/me", &owner.token).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["person"]["role"], "manager");
    // Anyone may rename themselves.
    let renamed = app
        .api(Method::PATCH, &format!("/people/{}", owner.person.id), &owner.token)
        .json(&json!({"name": "Former Owner"}))
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.status(), StatusCode::OK);
}

#[tokio::test]
async fn browser_sessions_need_the_csrf_token_for_every_change() {
    let app = spawn_app().await;
    let (org, _) = app.organization("Northwind").await;
    app.person_with_password(&org, "sam@northwind.example", Role::Manager, ClientAccess::All).await;
    let http = app.http();
    let signed_in = app.sign_in(&http, "sam@northwind.example", PASSWORD).await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let cookie =
        signed_in.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect::<Vec<_>>();
    assert!(
        cookie.iter().any(|c| c.starts_with("chorus_session=") && c.contains("HttpOnly") && c.contains("SameSite=Lax"))
    );

    // The API accepts the session for reads, and for changes only with the header.
    assert_eq!(http.get(app.url("/api/v1/me")).send().await.unwrap().status(), StatusCode::OK);
    let body = json!({"name": "Gamma", "time_zone": "UTC"});
    let refused = http.post(app.url("/api/v1/clients")).json(&body).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let csrf = app.csrf_token(&http, "/clients/new").await;
    let accepted =
        http.post(app.url("/api/v1/clients")).header("x-csrf-token", &csrf).json(&body).send().await.unwrap();
    assert_eq!(accepted.status(), StatusCode::CREATED);

    // Forms: without the token, with a wrong one, or from another site, nothing happens.
    let form = [("name", "Delta"), ("time_zone", "UTC")];
    let no_token = http.post(app.url("/clients/new")).form(&form).send().await.unwrap();
    assert_eq!(no_token.status(), StatusCode::FORBIDDEN);
    let wrong = http
        .post(app.url("/clients/new"))
        .form(&[("csrf_token", "x".repeat(43).as_str()), ("name", "Delta"), ("time_zone", "UTC")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    let cross_site = http
        .post(app.url("/clients/new"))
        .header("sec-fetch-site", "cross-site")
        .form(&[("csrf_token", csrf.as_str()), ("name", "Delta"), ("time_zone", "UTC")])
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
    let ok = http
        .post(app.url("/clients/new"))
        .form(&[("csrf_token", csrf.as_str()), ("name", "Delta"), ("time_zone", "UTC")])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    let names: Vec<String> = app
        .store
        .list_clients(
            org.id,
            &chorus_store::ClientQuery { access: ClientAccess::All, archived: Default::default(), search: None },
            &Default::default(),
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|c| c.name.to_string())
        .collect();
    assert_eq!(names, ["Delta", "Gamma"], "only the two accepted changes happened");

    // Signing out ends the session on the server, not just in the browser.
    let csrf = app.csrf_token(&http, "/clients").await;
    http.post(app.url("/sign-out")).form(&[("csrf_token", csrf.as_str())]).send().await.unwrap();
    assert_eq!(http.get(app.url("/api/v1/me")).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn repeated_failed_sign_ins_are_slowed_down_even_with_the_right_password() {
    let app = spawn_app().await;
    let (org, _) = app.organization("Northwind").await;
    app.person_with_password(&org, "sam@northwind.example", Role::Editor, ClientAccess::All).await;
    let http = app.http();
    for _ in 0..5 {
        let r = app.sign_in(&http, "Sam@Northwind.example", "wrong password!").await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("do not match an active account"));
    }
    let blocked = app.sign_in(&http, "sam@northwind.example", PASSWORD).await;
    assert_eq!(blocked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(blocked.headers().get("retry-after").is_some());
    // Another account from elsewhere is not affected by this one's lock.
    app.person_with_password(&org, "kim@northwind.example", Role::Editor, ClientAccess::All).await;
    assert_eq!(app.sign_in(&app.http(), "kim@northwind.example", PASSWORD).await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_invitation_link_works_once_and_gives_the_invited_role() {
    let app = spawn_app().await;
    let (org, owner) = app.organization("Northwind").await;
    let a = app.client(&org, "Alpha").await;
    let created = app
        .api(Method::POST, "/invitations", &owner.token)
        .json(&json!({"email": "new@northwind.example", "name": "Nia", "role": "client", "client_access": {"kind": "only", "client_ids": [a.id]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let body: Value = created.json().await.unwrap();
    let url = body["accept_url"].as_str().unwrap().to_string();
    let path = url.trim_start_matches(&app.address).to_string();
    assert!(path.starts_with("/invitations/"), "{url}");

    let http = app.http();
    let csrf = app.csrf_token(&http, &path).await;
    let mismatch = http
        .post(app.url(&path))
        .form(&[("csrf_token", csrf.as_str()), ("password", PASSWORD), ("password_confirmation", "different")])
        .send()
        .await
        .unwrap();
    assert_eq!(mismatch.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let joined = http
        .post(app.url(&path))
        .form(&[("csrf_token", csrf.as_str()), ("password", PASSWORD), ("password_confirmation", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(joined.status(), StatusCode::SEE_OTHER);
    let me: Value = http.get(app.url("/api/v1/me")).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["person"]["role"], "client");
    assert_eq!(me["person"]["client_access"], json!({"kind": "only", "client_ids": [a.id]}));
    let again = app.http().get(app.url(&path)).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::FORBIDDEN, "a used link is refused");

    // Someone already in is not invited twice.
    let (status, body) = problem(
        app.api(Method::POST, "/invitations", &owner.token)
            .json(&json!({"email": "NEW@northwind.example", "name": "Nia", "role": "editor", "client_access": {"kind": "all"}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["errors"][0]["field"], "email");
}

#[tokio::test]
async fn first_run_setup_happens_once() {
    let app = spawn_app().await;
    let http = app.http();
    let start = http.get(app.url("/clients")).send().await.unwrap();
    assert_eq!(start.headers()["location"], "/setup", "a new installation starts at setup");
    let csrf = app.csrf_token(&http, "/setup").await;
    let bad = http
        .post(app.url("/setup"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("organization", ""),
            ("name", "Ola"),
            ("email", "not-an-email"),
            ("password", "short"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = bad.text().await.unwrap();
    for field in ["organization", "email", "password"] {
        assert!(html.contains(&format!("id=\"{field}-error\"")), "{field} is named beside its input");
    }
    assert!(!html.contains("value=\"short\""), "passwords are never echoed back");
    let good = [
        ("csrf_token", csrf.as_str()),
        ("organization", "Northwind"),
        ("name", "Ola"),
        ("email", "ola@northwind.example"),
        ("password", PASSWORD),
    ];
    let done = http.post(app.url("/setup")).form(&good).send().await.unwrap();
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(http.get(app.url("/api/v1/me")).send().await.unwrap().status(), StatusCode::OK, "signed in after setup");
    let other = app.http();
    let csrf = app.csrf_token(&other, "/sign-in").await;
    let mut again = good;
    again[0].1 = csrf.as_str();
    let replay = other.post(app.url("/setup")).form(&again).send().await.unwrap();
    assert_eq!(replay.headers()["location"], "/sign-in");
    assert!(!app.store.needs_setup().await.unwrap());
}

#[tokio::test]
async fn operations_endpoints_report_health_readiness_and_metrics() {
    let app = spawn_app().await;
    let (_, owner) = app.organization("Northwind").await;
    assert_eq!(reqwest::get(app.url("/healthz")).await.unwrap().text().await.unwrap(), "ok");
    assert_eq!(reqwest::get(app.url("/readyz")).await.unwrap().text().await.unwrap(), "ready (sqlite)");
    app.api(Method::GET, "/clients", &owner.token).send().await.unwrap();
    app.api(Method::GET, "/clients/not-an-id", &owner.token).send().await.unwrap();
    let metrics = reqwest::get(app.url("/metrics")).await.unwrap().text().await.unwrap();
    assert!(
        metrics.contains(r#"chorus_http_requests_total{method="GET",route="/api/v1/clients",status="200"} 1"#),
        "{metrics}"
    );
    assert!(metrics.contains(r#"route="/api/v1/clients/{client_id}",status="422""#), "routes are templates, not ids");
    assert!(metrics.contains("chorus_http_request_duration_seconds_bucket"));
    assert!(metrics.contains(r#"chorus_jobs{state="ready"} 0"#), "{metrics}");
}
