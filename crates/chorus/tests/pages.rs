//! Every page, rendered for people of each role over plain HTTP: what each may see and do.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot set up should stop loudly

use chorus_domain::{ClientAccess, Role};
use chorus_testkit::app::{only, spawn_app};
use reqwest::StatusCode;

#[tokio::test]
async fn each_role_sees_the_pages_it_may_and_no_others() {
    let app = spawn_app().await;
    let (org, _) = app.organization("Northwind").await;
    let alpha = app.client(&org, "Alpha").await;
    let bravo = app.client(&org, "Bravo").await;
    let admin = app.person_with_password(&org, "ada@northwind.example", Role::Admin, ClientAccess::All).await;
    app.person_with_password(&org, "eddie@northwind.example", Role::Editor, only(&[alpha.id])).await;
    app.person_with_password(&org, "cleo@alpha.example", Role::Client, only(&[alpha.id])).await;

    let admin_http = app.signed_in("ada@northwind.example").await;
    for path in ["/clients", "/clients/new", "/people", "/people/invite", "/settings/organization", "/settings/tokens"]
    {
        let (status, html) = app.page(&admin_http, path).await;
        assert_eq!(status, StatusCode::OK, "{path} for an admin");
        assert!(html.contains("<main id=\"main\""), "{path} uses the layout");
    }
    let (_, html) = app.page(&admin_http, &format!("/clients/{}", bravo.id)).await;
    assert!(html.contains("Archive client"));
    let (_, html) = app.page(&admin_http, &format!("/people/{}", admin.id)).await;
    assert!(!html.contains("Deactivate</button>"), "nobody deactivates themselves");

    let editor = app.signed_in("eddie@northwind.example").await;
    let (_, html) = app.page(&editor, "/clients").await;
    assert!(html.contains("Alpha") && !html.contains("Bravo"), "an editor sees only their clients");
    assert!(!html.contains("New client"), "and cannot create clients");
    let (status, _) = app.page(&editor, &format!("/clients/{}", bravo.id)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, html) = app.page(&editor, &format!("/clients/{}", alpha.id)).await;
    assert!(html.contains("<fieldset disabled>") && !html.contains("Archive client"), "read-only form for editors");
    let (status, _) = app.page(&editor, "/people/invite").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, html) = app.page(&editor, "/settings/organization").await;
    assert!(html.contains("<fieldset disabled>"), "editors see the organization but cannot rename it");
    let token = app.csrf_token(&editor, "/settings/organization").await;
    let rename = editor
        .post(app.url("/settings/organization"))
        .form(&[("csrf_token", token.as_str()), ("name", "Mine now")])
        .send()
        .await
        .unwrap();
    assert_eq!(rename.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.store.organization(org.id).await.unwrap().name.as_str(), "Northwind");
    let token = app.csrf_token(&admin_http, "/settings/organization").await;
    let rename = admin_http
        .post(app.url("/settings/organization"))
        .form(&[("csrf_token", token.as_str()), ("name", "Northwind Social")])
        .send()
        .await
        .unwrap();
    assert_eq!(rename.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.store.organization(org.id).await.unwrap().name.as_str(), "Northwind Social");

    let client_user = app.signed_in("cleo@alpha.example").await;
    let (_, html) = app.page(&client_user, "/clients").await;
    assert!(html.contains("Alpha") && !html.contains("Bravo"));
    assert!(!html.contains("href=\"/people\""), "client users have no People page in the navigation");
    let (status, _) = app.page(&client_user, "/people").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_token_made_on_the_page_is_shown_once_and_works() {
    let app = spawn_app().await;
    let (org, _) = app.organization("Northwind").await;
    app.person_with_password(&org, "kim@northwind.example", Role::Manager, ClientAccess::All).await;
    let http = app.signed_in("kim@northwind.example").await;
    let token = app.csrf_token(&http, "/settings/tokens").await;
    let created = http
        .post(app.url("/settings/tokens"))
        .form(&[("csrf_token", token.as_str()), ("name", "Reporting"), ("scope", "read"), ("expires_in_days", "30")])
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let html = created.text().await.unwrap();
    let marker = "id=\"new-token\" class=\"secret\" readonly value=\"";
    let start = html.find(marker).unwrap() + marker.len();
    let secret = html[start..].split('"').next().unwrap().to_string();
    assert!(secret.starts_with("chorus_pat_"));
    let (_, listing) = app.page(&http, "/settings/tokens").await;
    assert!(listing.contains("Reporting") && !listing.contains(&secret), "the secret is never shown again");
    let me = reqwest::Client::new().get(app.url("/api/v1/me")).bearer_auth(&secret).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    let write = reqwest::Client::new()
        .post(app.url("/api/v1/clients"))
        .bearer_auth(&secret)
        .json(&serde_json::json!({"name": "X", "time_zone": "UTC"}))
        .send()
        .await
        .unwrap();
    assert_eq!(write.status(), StatusCode::FORBIDDEN, "a read-only token from the page cannot write");

    let empty_name = http
        .post(app.url("/settings/tokens"))
        .form(&[("csrf_token", token.as_str()), ("name", " "), ("scope", "write"), ("expires_in_days", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(empty_name.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty_name.text().await.unwrap().contains("id=\"name-error\""));
}

#[tokio::test]
async fn people_are_invited_and_managed_through_the_pages() {
    let app = spawn_app().await;
    let (org, _) = app.organization("Northwind").await;
    let alpha = app.client(&org, "Alpha").await;
    app.person_with_password(&org, "ada@northwind.example", Role::Admin, ClientAccess::All).await;
    let http = app.signed_in("ada@northwind.example").await;
    let token = app.csrf_token(&http, "/people/invite").await;

    // A client user must belong to a client: the form says so, naming the field.
    let missing = http
        .post(app.url("/people/invite"))
        .form(&[("csrf_token", token.as_str()), ("name", "Cleo"), ("email", "cleo@alpha.example"), ("role", "client")])
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.text().await.unwrap().contains("tick the one client this person belongs to"));

    let alpha_id = alpha.id.to_string();
    let invited = http
        .post(app.url("/people/invite"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("name", "Cleo"),
            ("email", "cleo@alpha.example"),
            ("role", "client"),
            ("client", alpha_id.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(invited.status(), StatusCode::CREATED);
    let html = invited.text().await.unwrap();
    assert!(html.contains("/invitations/"), "the link is shown");
    let (_, people) = app.page(&http, "/people").await;
    assert!(people.contains("Open invitations") && people.contains("cleo@alpha.example"));

    // An editor becomes a manager of Alpha only.
    let eddie = app.person_with_password(&org, "eddie@northwind.example", Role::Editor, ClientAccess::All).await;
    let changed = http
        .post(app.url(&format!("/people/{}", eddie.id)))
        .form(&[("csrf_token", token.as_str()), ("name", "Eddie"), ("role", "manager"), ("client", alpha_id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::SEE_OTHER);
    let stored = app.store.person(org.id, eddie.id).await.unwrap();
    assert_eq!((stored.role, stored.client_access), (Role::Manager, only(&[alpha.id])));

    // Deactivation signs them out at once.
    let eddie_http = app.signed_in("eddie@northwind.example").await;
    assert_eq!(app.page(&eddie_http, "/clients").await.0, StatusCode::OK);
    let off = http
        .post(app.url(&format!("/people/{}", eddie.id)))
        .form(&[("csrf_token", token.as_str()), ("action", "deactivate")])
        .send()
        .await
        .unwrap();
    assert_eq!(off.status(), StatusCode::SEE_OTHER);
    let after = eddie_http.get(app.url("/clients")).send().await.unwrap();
    assert_eq!(after.status(), StatusCode::SEE_OTHER);
    assert!(after.headers()["location"].to_str().unwrap().starts_with("/sign-in"));
}

#[tokio::test]
async fn clients_are_edited_archived_and_restored_through_the_pages() {
    let app = spawn_app().await;
    let (org, _) = app.organization("Northwind").await;
    let alpha = app.client(&org, "Alpha").await;
    app.person_with_password(&org, "max@northwind.example", Role::Manager, ClientAccess::All).await;
    let http = app.signed_in("max@northwind.example").await;
    let token = app.csrf_token(&http, "/clients").await;
    let path = format!("/clients/{}", alpha.id);

    let bad = http
        .post(app.url(&path))
        .form(&[
            ("csrf_token", token.as_str()),
            ("name", "Alpha"),
            ("time_zone", "Europe/Berlin"),
            ("office_hours.mon", "9-5"),
            ("office_hours.tue", "17:00-09:00"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = bad.text().await.unwrap();
    assert!(html.contains("id=\"office_hours.mon-error\"") && html.contains("id=\"office_hours.tue-error\""));
    assert!(html.contains("value=\"9-5\""), "what was typed is kept");

    let ok = http
        .post(app.url(&path))
        .form(&[
            ("csrf_token", token.as_str()),
            ("name", "Alpha Coffee"),
            ("time_zone", "Asia/Tokyo"),
            ("office_hours.wed", "08:30-12:00, 13:00-18:00"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    let stored = app.store.client(org.id, alpha.id).await.unwrap();
    assert_eq!(stored.name.as_str(), "Alpha Coffee");
    assert_eq!(
        stored.office_hours.summary(),
        "Mon closed · Tue closed · Wed 08:30–12:00, 13:00–18:00 · Thu closed · Fri closed · Sat closed · Sun closed"
    );

    http.post(app.url(&format!("{path}/archive"))).form(&[("csrf_token", token.as_str())]).send().await.unwrap();
    let (_, active) = app.page(&http, "/clients").await;
    assert!(!active.contains("Alpha Coffee"));
    let (_, archived) = app.page(&http, "/clients?archived=true").await;
    assert!(archived.contains("Alpha Coffee"));
    http.post(app.url(&format!("{path}/restore"))).form(&[("csrf_token", token.as_str())]).send().await.unwrap();
    let (_, active) = app.page(&http, "/clients?search=coffee").await;
    assert!(active.contains("Alpha Coffee"));
}

#[tokio::test]
async fn the_composer_works_without_javascript_and_keeps_a_history() {
    let app = spawn_app().await;
    let (org, _) = app.organization("Northwind").await;
    let client = app.client(&org, "Alpha").await;
    app.person_with_password(&org, "eddie@northwind.example", Role::Editor, ClientAccess::All).await;
    let http = app.signed_in("eddie@northwind.example").await;
    let new = format!("/clients/{}/posts/new", client.id);
    let token = app.csrf_token(&http, &new).await;

    // A bad link is named beside the network's own link field, and nothing is saved.
    let bad = http
        .post(app.url(&new))
        .form(&[
            ("csrf_token", token.as_str()),
            ("title", "Launch"),
            ("base_text", "New roast"),
            ("status", "draft"),
            ("network", "x"),
            ("network", "bluesky"),
            ("bluesky.link", "not a link"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = bad.text().await.unwrap();
    assert!(html.contains("id=\"bluesky.link-error\""), "the error sits beside Bluesky's link");
    assert!(html.contains("value=\"not a link\""), "what was typed is kept");

    let saved = http
        .post(app.url(&new))
        .form(&[
            ("csrf_token", token.as_str()),
            ("title", "Launch"),
            ("base_text", "New roast"),
            ("status", "draft"),
            ("network", "x"),
            ("network", "bluesky"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let location = saved.headers()["location"].to_str().unwrap().to_string();
    let path = location.split('?').next().unwrap().to_string();

    // Edit the X text from revision 1; then a second save from the same stale revision is refused.
    let edit = |revision: &'static str, text: &'static str| {
        http.post(app.url(&path))
            .form(&[
                ("csrf_token", token.as_str()),
                ("revision", revision),
                ("title", "Launch"),
                ("base_text", "New roast"),
                ("status", "draft"),
                ("network", "x"),
                ("network", "bluesky"),
                ("x.text", text),
            ])
            .send()
    };
    assert_eq!(edit("1", "New roast, now on X").await.unwrap().status(), StatusCode::SEE_OTHER);
    let stale = edit("1", "Someone else's older edit").await.unwrap();
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    assert!(stale.text().await.unwrap().contains("someone else saved this post"));

    let (_, html) = app.page(&http, &path).await;
    assert!(html.contains("Revision 2") && html.contains("X text"), "the history says what changed");
    assert!(html.contains("Revision 1") && html.contains("created"));
    assert!(html.contains("New roast, now on X"));
}
