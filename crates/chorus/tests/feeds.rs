//! RSS and Atom feeds turned into draft posts, against feeds served by a small web server inside the test, on
//! both backends. That server is on loopback, so these apps are built with a fetch policy that allows private
//! addresses — except the one that checks such an address is refused by default.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot set up should stop loudly

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use chorus_domain::ClientId;
use chorus_fetch::FetchPolicy;
use chorus_testkit::app::{Backend, TestApp, TestPerson, spawn_app_on, spawn_app_with};
use chorus_web::WebConfig;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// A whole 1×1 PNG: uploads may decode images to make their thumbnails.
const PNG: &[u8] = b"\x89PNG\x0d\x0a\x1a\x0a\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cchhh\x00\x00\x03\x04\x01\x81K\xd3\xd2\x10\x00\x00\x00\x00IEND\xaeB`\x82";

/// The blog the tests follow: its RSS items can be added to while the test runs.
#[derive(Clone, Default)]
struct Blog {
    base: Arc<Mutex<String>>,
    rss_items: Arc<Mutex<Vec<u32>>>,
}

impl Blog {
    fn rss(&self) -> String {
        let base = self.base.lock().unwrap().clone();
        let items: String = self
            .rss_items
            .lock()
            .unwrap()
            .iter()
            .map(|n| {
                format!(
                    "<item><title>Roast &amp; brew no. {n}</title><link>{base}/articles/{n}</link>\
                     <guid isPermaLink=\"false\">roastery-{n}</guid>\
                     <pubDate>Sun, {n:02} Nov 2026 10:00:00 GMT</pubDate>\
                     <media:content url=\"{base}/images/{n}.png\" medium=\"image\" type=\"image/png\"/></item>"
                )
            })
            .collect();
        format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\" xmlns:media=\"http://search.yahoo.com/mrss/\"><channel>\
             <title>Roastery blog</title><link>{base}</link><description>d</description>{items}</channel></rss>"
        )
    }

    fn atom(&self) -> String {
        let base = self.base.lock().unwrap().clone();
        format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><feed xmlns=\"http://www.w3.org/2005/Atom\">\
             <title>News</title><id>urn:news</id><updated>2026-11-20T10:00:00Z</updated>\
             <entry><title>Harvest report</title><id>urn:news:1</id><updated>2026-11-20T10:00:00Z</updated>\
             <link rel=\"alternate\" href=\"{base}/news/1\"/>\
             <link rel=\"enclosure\" type=\"image/png\" href=\"{base}/images/harvest.png\"/></entry>\
             <entry><title>No picture today</title><id>urn:news:2</id><updated>2026-11-19T10:00:00Z</updated>\
             <link href=\"{base}/news/2\"/>\
             <link rel=\"enclosure\" type=\"image/png\" href=\"{base}/not-an-image\"/></entry>\
             </feed>"
        )
    }
}

async fn serve_blog() -> Blog {
    let blog = Blog::default();
    *blog.rss_items.lock().unwrap() = (1..=7).collect();
    let app = Router::new()
        .route(
            "/rss.xml",
            get(|State(b): State<Blog>| async move { ([(header::CONTENT_TYPE, "application/rss+xml")], b.rss()) }),
        )
        .route(
            "/atom.xml",
            get(|State(b): State<Blog>| async move { ([(header::CONTENT_TYPE, "application/atom+xml")], b.atom()) }),
        )
        .route(
            "/broken.xml",
            get(|| async { ([(header::CONTENT_TYPE, "application/rss+xml")], "<rss><channel><item><title>Cut off") }),
        )
        .route(
            "/page.html",
            get(|| async { ([(header::CONTENT_TYPE, "text/html")], "<!doctype html><html><body>Blog</body></html>") }),
        )
        .route("/not-an-image", get(|| async { ([(header::CONTENT_TYPE, "text/html")], "<html>nope</html>") }))
        .route(
            "/images/{name}",
            get(|Path(_): Path<String>| async { ([(header::CONTENT_TYPE, "image/png")], PNG).into_response() }),
        )
        .with_state(blog.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    *blog.base.lock().unwrap() = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    blog
}

fn blog_url(blog: &Blog, path: &str) -> String {
    format!("{}{path}", blog.base.lock().unwrap())
}

/// An app that may fetch from the test's loopback server.
async fn open_app(backend: Backend) -> TestApp {
    let config = WebConfig {
        fetch_policy: FetchPolicy { allow_private: true, ..FetchPolicy::default() },
        ..WebConfig::default()
    };
    spawn_app_with(backend, config).await
}

async fn call(app: &TestApp, who: &TestPerson, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    app.call(&who.token, method, path, body).await
}

async fn add_feed(app: &TestApp, who: &TestPerson, client: ClientId, name: &str, url: &str) -> Value {
    let body = json!({"name": name, "url": url, "networks": ["linkedin", "bluesky"], "first_items": 3});
    let (status, feed) = call(app, who, Method::POST, &format!("/clients/{client}/feeds"), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{feed}");
    feed
}

async fn check(app: &TestApp, who: &TestPerson, feed: &Value) -> Value {
    let (status, outcome) =
        call(app, who, Method::POST, &format!("/feeds/{}/check", feed["id"].as_str().unwrap()), None).await;
    assert_eq!(status, StatusCode::OK, "{outcome}");
    outcome
}

async fn posts_of(app: &TestApp, who: &TestPerson, client: ClientId) -> Vec<Value> {
    let (_, listing) = call(app, who, Method::GET, &format!("/posts?client_id={client}&limit=200"), None).await;
    listing["items"].as_array().unwrap().clone()
}

async fn feeds_become_drafts_once_each_with_link_and_image(backend: Backend) {
    let blog = serve_blog().await;
    let app = open_app(backend).await;
    let (org, owner) = app.organization("Northwind").await;
    let client = app.client(&org, "Roastery").await.id;

    let rss = add_feed(&app, &owner, client, "Blog", &blog_url(&blog, "/rss.xml")).await;
    assert_eq!(rss["template"], "{title} {link}");
    assert_eq!(rss["check_interval_minutes"], 60);

    // The first check drafts only the newest 3 of 7 articles.
    let first = check(&app, &owner, &rss).await;
    assert_eq!(first["drafts"], 3, "{first}");
    assert_eq!(first["result"], "3 new drafts; 4 older articles marked as seen without drafts");
    assert_eq!(first["feed"]["last_result"], first["result"]);
    assert!(first["feed"]["last_checked_at"].is_string());
    let posts = posts_of(&app, &owner, client).await;
    assert_eq!(posts.len(), 3);
    let mut titles: Vec<&str> = posts.iter().map(|p| p["title"].as_str().unwrap()).collect();
    titles.sort_unstable();
    assert_eq!(titles, ["Roast & brew no. 5", "Roast & brew no. 6", "Roast & brew no. 7"]);
    for post in &posts {
        assert_eq!(post["status"], "draft");
        let n = post["title"].as_str().unwrap().rsplit(' ').next().unwrap();
        let link = blog_url(&blog, &format!("/articles/{n}"));
        assert_eq!(post["base_text"], format!("Roast & brew no. {n} {link}"));
        let variants = post["variants"].as_array().unwrap();
        let networks: Vec<&str> = variants.iter().map(|v| v["network"].as_str().unwrap()).collect();
        assert_eq!(networks, ["linkedin", "bluesky"]);
        for variant in variants {
            assert_eq!(variant["link"], link);
            let media = variant["media"].as_array().unwrap();
            assert_eq!(media.len(), 1, "the article's image is attached: {variant}");
            let asset = media[0]["asset_id"].as_str().unwrap();
            let (status, asset) = call(&app, &owner, Method::GET, &format!("/assets/{asset}"), None).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!((asset["media_type"].as_str(), asset["width"].as_u64()), (Some("image/png"), Some(1)));
        }
    }

    // Nothing new: no drafts. One new article: one draft.
    let second = check(&app, &owner, &rss).await;
    assert_eq!((second["drafts"].as_u64(), second["result"].as_str()), (Some(0), Some("no new articles")));
    blog.rss_items.lock().unwrap().push(8);
    let third = check(&app, &owner, &rss).await;
    assert_eq!((third["drafts"].as_u64(), third["result"].as_str()), (Some(1), Some("1 new draft")));
    assert_eq!(posts_of(&app, &owner, client).await.len(), 4);
    let (_, items) =
        call(&app, &owner, Method::GET, &format!("/feeds/{}/items", rss["id"].as_str().unwrap()), None).await;
    let items = items.as_array().unwrap();
    assert_eq!(items.len(), 8, "every article is remembered");
    assert_eq!(items.iter().filter(|i| i["drafted"] == true).count(), 4);
    assert!(items.iter().any(|i| i["key"] == "roastery-8"), "keyed by guid");

    // Atom, with an image that is no image: the draft is made without it, and the result says so.
    let atom = add_feed(&app, &owner, client, "News", &blog_url(&blog, "/atom.xml")).await;
    let outcome = check(&app, &owner, &atom).await;
    assert_eq!(outcome["drafts"], 2, "{outcome}");
    let result = outcome["result"].as_str().unwrap();
    assert!(result.starts_with("2 new drafts; 1 draft has no image: ") && result.contains("not-an-image"), "{result}");
    let posts = posts_of(&app, &owner, client).await;
    let harvest = posts.iter().find(|p| p["title"] == "Harvest report").unwrap();
    assert_eq!(harvest["variants"][0]["link"], blog_url(&blog, "/news/1"));
    assert_eq!(harvest["variants"][0]["media"].as_array().unwrap().len(), 1);
    let plain = posts.iter().find(|p| p["title"] == "No picture today").unwrap();
    assert!(plain["variants"][0]["media"].as_array().unwrap().is_empty());
}

async fn a_malformed_feed_fails_clearly_and_pauses_after_five_failures(backend: Backend) {
    let blog = serve_blog().await;
    let app = open_app(backend).await;
    let (org, owner) = app.organization("Northwind").await;
    let client = app.client(&org, "Roastery").await.id;

    let page = add_feed(&app, &owner, client, "Home page", &blog_url(&blog, "/page.html")).await;
    let outcome = check(&app, &owner, &page).await;
    assert_eq!(outcome["failed"], true);
    assert!(outcome["result"].as_str().unwrap().contains("is a web page, not a feed"), "{outcome}");

    let broken = add_feed(&app, &owner, client, "Broken", &blog_url(&blog, "/broken.xml")).await;
    let mut outcome = Value::Null;
    for _ in 0..5 {
        outcome = check(&app, &owner, &broken).await;
        assert_eq!((outcome["failed"].as_bool(), outcome["drafts"].as_u64()), (Some(true), Some(0)), "{outcome}");
    }
    assert!(outcome["result"].as_str().unwrap().contains("is not a feed Chorus can read"), "{outcome}");
    let feed = &outcome["feed"];
    assert_eq!((feed["paused"].as_bool(), feed["consecutive_failures"].as_u64()), (Some(true), Some(5)));
    assert!(feed["pause_reason"].as_str().unwrap().starts_with("paused after 5 failed checks in a row"), "{feed}");
    assert!(posts_of(&app, &owner, client).await.is_empty(), "no drafts from a feed that cannot be read");

    let (status, resumed) =
        call(&app, &owner, Method::POST, &format!("/feeds/{}/resume", broken["id"].as_str().unwrap()), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((resumed["paused"].as_bool(), resumed["consecutive_failures"].as_u64()), (Some(false), Some(0)));
}

/// A feed acts as the person who added it, as they are now: once they may no longer write the client's posts,
/// its checks fail with the reason and make nothing.
async fn a_feed_stops_drafting_when_its_author_loses_access(backend: Backend) {
    let blog = serve_blog().await;
    blog.rss_items.lock().unwrap().extend([1, 2]);
    let app = open_app(backend).await;
    let (org, owner) = app.organization("Northwind").await;
    let client = app.client(&org, "Roastery").await.id;
    let other = app.client(&org, "Other").await.id;
    let editor = app
        .person(&org, "eddie@northwind.example", chorus_domain::Role::Editor, chorus_testkit::app::only(&[client]))
        .await;
    let feed = add_feed(&app, &editor, client, "Blog", &blog_url(&blog, "/rss.xml")).await;
    let changes = chorus_store::PersonChanges {
        name: None,
        role: None,
        client_access: Some(chorus_testkit::app::only(&[other])),
        deactivated: None,
    };
    app.store.update_person(org.id, editor.person.id, changes).await.unwrap();
    let outcome = check(&app, &owner, &feed).await;
    assert_eq!((outcome["failed"].as_bool(), outcome["drafts"].as_u64()), (Some(true), Some(0)), "{outcome}");
    assert!(outcome["result"].as_str().unwrap().contains("can no longer write this client's posts"), "{outcome}");
    assert!(posts_of(&app, &owner, client).await.is_empty());
}

async fn the_background_poll_checks_due_feeds(backend: Backend) {
    let blog = serve_blog().await;
    let app = open_app(backend).await;
    let (org, owner) = app.organization("Northwind").await;
    let client = app.client(&org, "Roastery").await.id;
    let rss = add_feed(&app, &owner, client, "Blog", &blog_url(&blog, "/rss.xml")).await;
    let paused = add_feed(&app, &owner, client, "Paused", &blog_url(&blog, "/atom.xml")).await;
    let (status, _) =
        call(&app, &owner, Method::POST, &format!("/feeds/{}/pause", paused["id"].as_str().unwrap()), None).await;
    assert_eq!(status, StatusCode::OK);

    let mut registry = chorus_jobs::Registry::new();
    registry.register::<chorus_web::services::feeds::PollFeeds>();
    let worker = chorus_jobs::Worker::new(app.store.clone(), registry, chorus_jobs::WorkerConfig::default())
        .with_extension(app.state.clone());
    let poll = chorus_jobs::enqueue(&*app.store, &chorus_web::services::feeds::PollFeeds {}, chrono::Utc::now())
        .await
        .unwrap();
    // The once-a-minute timer firing again before the poll ran adds nothing: polls never pile up.
    let again = chorus_jobs::enqueue(&*app.store, &chorus_web::services::feeds::PollFeeds {}, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(again, poll);
    assert_eq!(worker.run_until_idle().await.unwrap(), 1);
    assert_eq!(posts_of(&app, &owner, client).await.len(), 3, "the due feed was checked, the paused one not");
    let (_, feed) = call(&app, &owner, Method::GET, &format!("/feeds/{}", rss["id"].as_str().unwrap()), None).await;
    assert_eq!(feed["last_result"], "3 new drafts; 4 older articles marked as seen without drafts");

    // Not due again for an hour: a second poll checks nothing.
    chorus_jobs::enqueue(&*app.store, &chorus_web::services::feeds::PollFeeds {}, chrono::Utc::now()).await.unwrap();
    worker.run_until_idle().await.unwrap();
    let (_, again) = call(&app, &owner, Method::GET, &format!("/feeds/{}", rss["id"].as_str().unwrap()), None).await;
    assert_eq!(again["last_checked_at"], feed["last_checked_at"]);
}

async fn private_addresses_are_refused_by_default(backend: Backend) {
    let blog = serve_blog().await;
    let app = spawn_app_on(backend).await;
    let (org, owner) = app.organization("Northwind").await;
    let client = app.client(&org, "Roastery").await.id;
    for (url, why) in [
        (blog_url(&blog, "/rss.xml"), "a loopback address"),
        ("http://169.254.169.254/latest/meta-data/".to_string(), "link-local"),
        ("http://2130706433/feed".to_string(), "a loopback address"),
        ("http://localhost/feed".to_string(), "a name for this machine"),
    ] {
        let body = json!({"name": "Sneaky", "url": url, "networks": ["x"]});
        let (status, problem) = call(&app, &owner, Method::POST, &format!("/clients/{client}/feeds"), Some(body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {problem}");
        let error = &problem["errors"][0];
        assert_eq!(error["field"], "url", "{problem}");
        let message = error["message"].as_str().unwrap();
        assert!(message.contains(why) && message.contains("public internet"), "{url}: {message}");
    }
    let (_, feeds) = call(&app, &owner, Method::GET, &format!("/clients/{client}/feeds"), None).await;
    assert_eq!(feeds, json!([]));
}

mod sqlite {
    use super::*;

    #[tokio::test]
    async fn feeds_become_drafts_once_each_with_link_and_image() {
        super::feeds_become_drafts_once_each_with_link_and_image(Backend::Sqlite).await;
    }

    #[tokio::test]
    async fn a_malformed_feed_fails_clearly_and_pauses_after_five_failures() {
        super::a_malformed_feed_fails_clearly_and_pauses_after_five_failures(Backend::Sqlite).await;
    }

    #[tokio::test]
    async fn a_feed_stops_drafting_when_its_author_loses_access() {
        super::a_feed_stops_drafting_when_its_author_loses_access(Backend::Sqlite).await;
    }

    #[tokio::test]
    async fn the_background_poll_checks_due_feeds() {
        super::the_background_poll_checks_due_feeds(Backend::Sqlite).await;
    }

    #[tokio::test]
    async fn private_addresses_are_refused_by_default() {
        super::private_addresses_are_refused_by_default(Backend::Sqlite).await;
    }
}

mod postgres {
    use super::*;

    #[tokio::test]
    async fn feeds_become_drafts_once_each_with_link_and_image() {
        super::feeds_become_drafts_once_each_with_link_and_image(Backend::Postgres).await;
    }

    #[tokio::test]
    async fn a_malformed_feed_fails_clearly_and_pauses_after_five_failures() {
        super::a_malformed_feed_fails_clearly_and_pauses_after_five_failures(Backend::Postgres).await;
    }

    #[tokio::test]
    async fn a_feed_stops_drafting_when_its_author_loses_access() {
        super::a_feed_stops_drafting_when_its_author_loses_access(Backend::Postgres).await;
    }

    #[tokio::test]
    async fn the_background_poll_checks_due_feeds() {
        super::the_background_poll_checks_due_feeds(Backend::Postgres).await;
    }

    #[tokio::test]
    async fn private_addresses_are_refused_by_default() {
        super::private_addresses_are_refused_by_default(Backend::Postgres).await;
    }
}
