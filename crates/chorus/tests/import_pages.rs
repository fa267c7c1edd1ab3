//! The import page and the Feeds tab over plain HTTP, as a browser without JavaScript uses them.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot set up should stop loudly

use chorus_domain::{ClientAccess, Role};
use chorus_testkit::app::{TestApp, only, spawn_app};
use chorus_testkit::forms::Multipart;
use reqwest::{StatusCode, header};

/// A multipart body as a browser sends the import form: the token, the file, and the button pressed.
fn multipart(csrf: &str, action: &str, file: Option<(&str, &str)>) -> Multipart {
    let (name, content) = file.unwrap_or(("", ""));
    Multipart::new().text("csrf_token", csrf).file("file", name, "text/csv", content).text("action", action)
}

async fn post_import(app: &TestApp, http: &reqwest::Client, path: &str, form: Multipart) -> (StatusCode, String) {
    let r = http
        .post(app.url(path))
        .header(header::CONTENT_TYPE, form.content_type())
        .body(form.into_body())
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

async fn post_count(app: &TestApp, org: &chorus_domain::Organization) -> usize {
    let query = chorus_store::PostQuery { access: ClientAccess::All, client: None, status: None, search: None };
    app.store.list_posts(org.id, &query, &Default::default()).await.unwrap().items.len()
}

const BAD: &str = "text,networks,media\nFine,x,\nOops,myspace,\nPrivate,x,http://10.0.0.1/a.png\n";
const GOOD: &str = "text,networks\nFirst,x;bluesky\nSecond,linkedin\n";

#[tokio::test]
async fn the_import_page_checks_and_imports_a_file_with_its_report_by_line() {
    let app = spawn_app().await;
    let (org, _) = app.organization("Northwind").await;
    let alpha = app.client(&org, "Alpha").await;
    app.person_with_password(&org, "eddie@northwind.example", Role::Editor, only(&[alpha.id])).await;
    let http = app.signed_in("eddie@northwind.example").await;
    let import = format!("/clients/{}/import", alpha.id);

    let (_, posts_page) = app.page(&http, &format!("/clients/{}/posts", alpha.id)).await;
    assert!(posts_page.contains(&format!("href=\"{import}\"")), "the posts list links to the import");
    let (status, html) = app.page(&http, &import).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("enctype=\"multipart/form-data\"") && html.contains("value=\"check\""), "{html}");
    let csrf = app.csrf_token(&http, &import).await;

    // A file with errors: every problem in the table with its line and column, nothing stored.
    let (status, html) = post_import(&app, &http, &import, multipart(&csrf, "import", Some(("posts.csv", BAD)))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("3 rows read; 2 errors — nothing was imported."), "{html}");
    assert!(html.contains("<td>3</td>\n      <td><code>networks</code></td>"), "{html}");
    assert!(html.contains("<td>4</td>\n      <td><code>media</code></td>"), "{html}");
    assert!(html.contains("10.0.0.1 is a private network address"), "{html}");
    assert!(post_count(&app, &org).await == 0);

    // Check only, then import.
    let (status, html) = post_import(&app, &http, &import, multipart(&csrf, "check", Some(("posts.csv", GOOD)))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Check of posts.csv") && html.contains("importing makes 2 posts"), "{html}");
    assert!(post_count(&app, &org).await == 0);
    let (status, html) = post_import(&app, &http, &import, multipart(&csrf, "import", Some(("posts.csv", GOOD)))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Imported 2 posts."), "{html}");
    assert_eq!(post_count(&app, &org).await, 2);

    // No file, or a forged token: the form again with the message beside the file field / at the top.
    let (status, html) = post_import(&app, &http, &import, multipart(&csrf, "check", None)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"file-error\">choose a CSV file</p>"), "{html}");
    let (status, html) = post_import(&app, &http, &import, multipart("forged", "import", Some(("p.csv", GOOD)))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("This form has expired"), "{html}");
    assert_eq!(post_count(&app, &org).await, 2);

    // Someone who only reads the client cannot reach the page.
    app.person_with_password(&org, "ana@northwind.example", Role::Analyst, ClientAccess::All).await;
    let analyst = app.signed_in("ana@northwind.example").await;
    let (status, _) = app.page(&analyst, &import).await;
    assert_ne!(status, StatusCode::OK);
}

#[tokio::test]
async fn the_feeds_tab_adds_a_feed_and_names_the_field_at_fault() {
    let app = spawn_app().await;
    let (org, _) = app.organization("Northwind").await;
    let alpha = app.client(&org, "Alpha").await;
    app.person_with_password(&org, "eddie@northwind.example", Role::Editor, only(&[alpha.id])).await;
    let http = app.signed_in("eddie@northwind.example").await;
    let feeds = format!("/clients/{}/feeds", alpha.id);
    let (status, html) = app.page(&http, &feeds).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("aria-current=\"page\">Feeds</a>") && html.contains("No feeds yet."), "{html}");
    let csrf = app.csrf_token(&http, &feeds).await;

    let form = |url: &str, networks: &[&str]| {
        let mut pairs = vec![
            ("csrf_token", csrf.clone()),
            ("name", "Blog".to_string()),
            ("url", url.to_string()),
            ("template", "{title} {link}".to_string()),
            ("check_interval_minutes", "60".to_string()),
            ("first_items", "5".to_string()),
        ];
        pairs.extend(networks.iter().map(|n| ("networks", (*n).to_string())));
        pairs
    };
    let r = http.post(app.url(&feeds)).form(&form("http://169.254.169.254/feed", &[])).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"networks-error\">choose at least one network"), "{html}");
    let r = http.post(app.url(&feeds)).form(&form("http://169.254.169.254/feed", &["x"])).send().await.unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"url-error\">169.254.169.254 is a link-local address"), "{html}");

    let r = http.post(app.url(&feeds)).form(&form("https://blog.example/feed.xml", &["x", "linkedin"])).send().await;
    let r = r.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[header::LOCATION], format!("{feeds}?notice=added"));
    let (_, html) = app.page(&http, &format!("{feeds}?notice=added")).await;
    assert!(html.contains("Feed added.") && html.contains("https://blog.example/feed.xml"), "{html}");
    assert!(html.contains("X, LinkedIn") && html.contains("Not checked yet"), "{html}");
    let feed = app.store.list_feeds(org.id, alpha.id).await.unwrap().remove(0);

    let r = http.post(app.url(&format!("/feeds/{}/pause", feed.id))).form(&[("csrf_token", &csrf)]).send().await;
    assert_eq!(r.unwrap().status(), StatusCode::SEE_OTHER);
    let (_, html) = app.page(&http, &format!("{feeds}?notice=paused")).await;
    assert!(html.contains("Feed paused") && html.contains(&format!("action=\"/feeds/{}/resume\"", feed.id)), "{html}");
    assert!(app.store.feed(org.id, feed.id).await.unwrap().paused);

    // The feed's own page: its settings to change, and the articles seen (none yet).
    let (status, html) = app.page(&http, &format!("/feeds/{}", feed.id)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("value=\"https://blog.example/feed.xml\"") && html.contains("None yet"), "{html}");
    assert!(html.contains("value=\"linkedin\" checked"), "the feed's networks are ticked: {html}");
    let mut changed = form("https://blog.example/feed.xml", &["bluesky"]);
    changed.retain(|(k, _)| *k != "template");
    changed.push(("template", "New on the blog: {title} {link}".to_string()));
    let r = http.post(app.url(&format!("/feeds/{}", feed.id))).form(&changed).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let saved = app.store.feed(org.id, feed.id).await.unwrap();
    assert_eq!(saved.template, "New on the blog: {title} {link}");
    assert_eq!(saved.networks, [chorus_domain::Network::Bluesky]);
    changed.retain(|(k, _)| *k != "template");
    changed.push(("template", "no placeholders".to_string()));
    let r = http.post(app.url(&format!("/feeds/{}", feed.id))).form(&changed).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("id=\"template-error\">use {title} or {link}"));
}
