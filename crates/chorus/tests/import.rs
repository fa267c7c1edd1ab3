//! Posts in bulk through the API: a CSV file checked whole (every problem with its line), stored all or nothing,
//! and the client's posts exported as a file that imports back to the same posts.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot set up should stop loudly

use chorus_domain::{ClientAccess, ClientId, Role};
use chorus_testkit::app::{Backend, TestApp, TestPerson, only, spawn_app, spawn_app_on};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn import(app: &TestApp, who: &TestPerson, client: ClientId, dry_run: bool, csv: &[u8]) -> (StatusCode, Value) {
    let response = app
        .api(Method::POST, &format!("/clients/{client}/posts/import?dry_run={dry_run}"), &who.token)
        .header("content-type", "text/csv")
        .body(csv.to_vec())
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap() })
}

async fn posts_of(app: &TestApp, who: &TestPerson, client: ClientId) -> Vec<Value> {
    let listing: Value = app
        .api(Method::GET, &format!("/posts?client_id={client}&limit=200"), &who.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    listing["items"].as_array().unwrap().clone()
}

async fn export(app: &TestApp, who: &TestPerson, client: ClientId) -> (StatusCode, String) {
    let response = app.api(Method::GET, &format!("/clients/{client}/posts/export"), &who.token).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

/// (line, column, severity) of every problem of a report.
fn problems(report: &Value) -> Vec<(Value, Value, String)> {
    report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["line"].clone(), p["column"].clone(), p["severity"].as_str().unwrap().to_string()))
        .collect()
}

struct Setup {
    app: TestApp,
    owner: TestPerson,
    alpha: ClientId,
    org: chorus_domain::Organization,
}

async fn setup() -> Setup {
    let app = spawn_app().await;
    let (org, owner) = app.organization("Northwind").await;
    let alpha = app.client(&org, "Alpha").await.id;
    let status = app
        .api(Method::POST, &format!("/clients/{alpha}/pillars"), &owner.token)
        .json(&json!({"name": "Seasonal", "colour": "#aa5500", "target_share": 30}))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::CREATED);
    Setup { app, owner, alpha, org }
}

const CLEAN: &str = "\
title,text,networks,pillar,status,sponsored,x_text,link
Autumn,\"Our autumn roast is here: plum, cocoa.\",x;bluesky;linkedin,seasonal,draft,no,Autumn roast 🍂,https://example.com/autumn
Winter,\"Winter blend,
now with \"\"spice\"\"\",x;bluesky;linkedin,,idea,yes,,
Template,Weekly tip: grind fresh.,x;bluesky;linkedin,SEASONAL,template,1,,
";

#[tokio::test]
async fn a_clean_file_becomes_posts_for_three_networks() {
    let Setup { app, owner, alpha, .. } = setup().await;
    let (status, report) = import(&app, &owner, alpha, true, CLEAN.as_bytes()).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(
        (report["rows"].as_u64(), report["would_create"].as_u64(), report["created"].as_u64()),
        (Some(3), Some(3), Some(0))
    );
    assert!(posts_of(&app, &owner, alpha).await.is_empty(), "a dry run stores nothing");

    let (status, report) = import(&app, &owner, alpha, false, CLEAN.as_bytes()).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["created"], 3);
    let posts = posts_of(&app, &owner, alpha).await;
    assert_eq!(posts.len(), 3);
    let autumn = posts.iter().find(|p| p["title"] == "Autumn").unwrap();
    let networks: Vec<&str> =
        autumn["variants"].as_array().unwrap().iter().map(|v| v["network"].as_str().unwrap()).collect();
    assert_eq!(networks, ["x", "bluesky", "linkedin"]);
    assert_eq!(autumn["variants"][0]["text"], "Autumn roast 🍂");
    assert_eq!(autumn["variants"][1]["text"], "Our autumn roast is here: plum, cocoa.");
    assert_eq!(autumn["variants"][2]["link"], "https://example.com/autumn");
    assert!(autumn["pillar_id"].is_string());
    let winter = posts.iter().find(|p| p["title"] == "Winter").unwrap();
    assert_eq!(winter["base_text"], "Winter blend,\nnow with \"spice\"");
    assert_eq!((winter["status"].as_str(), winter["sponsored"].as_bool()), (Some("idea"), Some(true)));
    let template = posts.iter().find(|p| p["title"] == "Template").unwrap();
    assert_eq!(template["status"], "template");
}

#[tokio::test]
async fn a_dry_run_reports_every_problem_with_its_line_and_stores_nothing() {
    let Setup { app, owner, alpha, .. } = setup().await;
    let long = "a".repeat(301);
    let csv = format!(
        "\u{feff}text,networks,pillar,status,sponsored,scheduled_at\n\
         \"A quoted text\nover two lines\",x,,,,\n\
         fine,myspace,,,,\n\
         fine,x,Unknown,,,\n\
         fine,x,,published,maybe,\n\
         {long},x;bluesky,,,,\n\
         fine,x,,,,2026-12-01T09:00:00Z\n\
         ,,,,,\n"
    );
    let (status, body) = import(&app, &owner, alpha, true, csv.as_bytes()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["type"], "urn:chorus:problem:import-invalid");
    let report = &body["report"];
    assert_eq!(report["rows"], 7);
    let found = problems(report);
    let errors: Vec<(Value, Value)> =
        found.iter().filter(|(_, _, s)| s == "error").map(|(l, c, _)| (l.clone(), c.clone())).collect();
    assert_eq!(
        errors,
        [
            (json!(4), json!("networks")),
            (json!(5), json!("pillar")),
            (json!(6), json!("status")),
            (json!(6), json!("sponsored")),
            (json!(7), json!("text")),
            (json!(7), json!("text")),
            (json!(8), json!("scheduled_at")),
            (json!(9), json!("networks")),
        ],
        "{report}"
    );
    let messages: Vec<&str> =
        report["problems"].as_array().unwrap().iter().map(|p| p["message"].as_str().unwrap()).collect();
    assert!(messages.iter().any(|m| m.contains("myspace") && m.contains("bluesky")), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("Seasonal")), "the client's pillars are listed: {messages:?}");
    assert!(messages.iter().any(|m| m.contains("scheduling arrives with the calendar")), "{messages:?}");
    assert_eq!(report["would_create"], 1);
    assert_eq!(report["created"], 0);
    assert!(posts_of(&app, &owner, alpha).await.is_empty());
}

#[tokio::test]
async fn one_bad_row_stores_nothing() {
    let Setup { app, owner, alpha, .. } = setup().await;
    let csv = "text,networks\nfirst,x\nsecond,x;friendster\nthird,bluesky\n";
    let (status, body) = import(&app, &owner, alpha, false, csv.as_bytes()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(problems(&body["report"]), [(json!(3), json!("networks"), "error".to_string())]);
    assert_eq!(body["report"]["created"], 0);
    assert!(posts_of(&app, &owner, alpha).await.is_empty());
}

#[tokio::test]
async fn unreadable_files_are_one_clear_error_each() {
    let Setup { app, owner, alpha, .. } = setup().await;
    let one_error = |body: &Value| {
        let found = problems(&body["report"]);
        assert_eq!(found.len(), 1, "{body}");
        (found[0].0.clone(), body["report"]["problems"][0]["message"].as_str().unwrap().to_string())
    };

    let (status, body) = import(&app, &owner, alpha, false, b"text,networks\nhi,x\n\"unclosed,x\nmore,x\n").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (line, message) = one_error(&body);
    assert_eq!(line, json!(3));
    assert!(message.contains("never closed"), "{message}");

    let (status, body) = import(&app, &owner, alpha, false, b"text,networks\nhi,x,extra\n").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (line, message) = one_error(&body);
    assert_eq!(line, json!(2));
    assert!(message.contains("3 fields but the header has 2"), "{message}");

    let (status, body) = import(&app, &owner, alpha, false, b"text,networks\nok,x\ncaf\xe9,x\n").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (line, message) = one_error(&body);
    assert_eq!(line, json!(3));
    assert!(message.contains("UTF-8") && message.contains("byte 23"), "{message}");

    let (status, body) = import(&app, &owner, alpha, false, b"").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(one_error(&body).1.contains("empty"));

    let mut many = String::from("text,networks\n");
    for n in 0..10_001 {
        many.push_str(&format!("post {n},x\n"));
    }
    let (status, body) = import(&app, &owner, alpha, false, many.as_bytes()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (line, message) = one_error(&body);
    assert_eq!(line, json!(10_002));
    assert!(message.contains("10000 rows"), "{message}");

    let huge = vec![b'a'; 10 * 1024 * 1024 + 1];
    let (status, body) = import(&app, &owner, alpha, false, &huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["type"], "urn:chorus:problem:too-large");

    assert!(posts_of(&app, &owner, alpha).await.is_empty());
}

#[tokio::test]
async fn a_byte_order_mark_is_ignored() {
    let Setup { app, owner, alpha, .. } = setup().await;
    let (status, report) = import(&app, &owner, alpha, false, "\u{feff}text,networks\nhello,x\n".as_bytes()).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["created"], 1);
    assert_eq!(posts_of(&app, &owner, alpha).await[0]["base_text"], "hello");
}

/// What an import keeps of a post: everything but ids, revisions, people and times.
fn content(post: &Value) -> Value {
    let variants: Vec<Value> = post["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| json!([v["network"], v["text"], v["link"], v["first_comment"], v["thread"], v["options"]]))
        .collect();
    json!([post["title"], post["status"], post["base_text"], post["pillar_id"], post["sponsored"], variants])
}

#[tokio::test]
async fn an_export_imports_back_to_the_same_posts() {
    let Setup { app, owner, alpha, .. } = setup().await;
    let (status, _) = import(&app, &owner, alpha, false, CLEAN.as_bytes()).await;
    assert_eq!(status, StatusCode::OK);
    let before: Vec<Value> = posts_of(&app, &owner, alpha).await;
    let (status, csv) = export(&app, &owner, alpha).await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.starts_with("title,status,pillar,sponsored,networks,text,link,instagram_text,"), "{csv}");
    assert_eq!(csv.lines().filter(|l| l.contains(";bluesky;")).count(), 3, "{csv}");

    for post in &before {
        let response =
            app.api(Method::DELETE, &format!("/posts/{}", post["id"].as_str().unwrap()), &owner.token).send().await;
        assert_eq!(response.unwrap().status(), StatusCode::NO_CONTENT);
    }
    let (status, report) = import(&app, &owner, alpha, false, csv.as_bytes()).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["created"], 3);
    let after = posts_of(&app, &owner, alpha).await;
    assert_eq!(after.iter().map(content).collect::<Vec<_>>(), before.iter().map(content).collect::<Vec<_>>());
    assert_eq!(export(&app, &owner, alpha).await.1, csv, "the second export is the first");
}

#[tokio::test]
async fn only_those_who_edit_a_client_import_into_it() {
    let Setup { app, owner, alpha, org } = setup().await;
    let bravo = app.client(&org, "Bravo").await.id;
    let editor_a = app.person(&org, "ed@northwind.example", Role::Editor, only(&[alpha])).await;
    let analyst = app.person(&org, "ana@northwind.example", Role::Analyst, ClientAccess::All).await;
    let csv = b"text,networks
hello,x
";

    let (status, body) = import(&app, &editor_a, bravo, false, csv).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(export(&app, &editor_a, bravo).await.0, StatusCode::NOT_FOUND);
    let (status, body) = import(&app, &analyst, alpha, true, csv).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(export(&app, &analyst, alpha).await.0, StatusCode::OK, "whoever sees a client may export it");
    let (status, body) = import(&app, &editor_a, alpha, false, csv).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(posts_of(&app, &owner, bravo).await.is_empty());
}

#[tokio::test]
async fn postgres_imports_all_or_nothing_too() {
    let app = spawn_app_on(Backend::Postgres).await;
    let (org, owner) = app.organization("Northwind").await;
    let alpha = app.client(&org, "Alpha").await.id;
    let mut csv = String::from("title,text,networks,x_text\n");
    for n in 0..1_200 {
        csv.push_str(&format!("Post {n},Text {n},x;bluesky;linkedin,X {n}\n"));
    }
    let (status, report) = import(&app, &owner, alpha, false, format!("{csv}Bad,Text,x;myspace,\n").as_bytes()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{report}");
    assert_eq!(problems(&report["report"]), [(json!(1_202), json!("networks"), "error".to_string())]);
    let (status, report) = import(&app, &owner, alpha, false, csv.as_bytes()).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["created"], 1_200, "more than one batch of rows");
    let (_, exported) = export(&app, &owner, alpha).await;
    assert_eq!(exported.lines().count(), 1_201);
    assert!(
        exported.lines().nth(1).unwrap().starts_with("Post 0,draft,,false,x;bluesky;linkedin,Text 0,"),
        "{exported}"
    );
}

// ---- media: library names and web addresses ---------------------------------------------------------------

/// A whole 1×1 PNG: uploads may decode images to make their thumbnails.
const PNG: &[u8] = b"\x89PNG\x0d\x0a\x1a\x0a\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cchhh\x00\x00\x03\x04\x01\x81K\xd3\xd2\x10\x00\x00\x00\x00IEND\xaeB`\x82";

/// Puts [`PNG`] into the client's library as `name`; returns the asset's id.
async fn upload(app: &TestApp, who: &TestPerson, client: ClientId, name: &str) -> String {
    let response = app.upload(&who.token, client, name, PNG.to_vec()).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let asset: Value = response.json().await.unwrap();
    asset["id"].as_str().unwrap().to_string()
}

async fn asset_count(app: &TestApp, who: &TestPerson, client: ClientId) -> usize {
    let response = app.api(Method::GET, &format!("/clients/{client}/assets?limit=200"), &who.token).send().await;
    let listing: Value = response.unwrap().json().await.unwrap();
    listing["items"].as_array().unwrap().len()
}

/// (line, column, message) of every error of a refused import.
fn errors(body: &Value) -> Vec<(u64, String, String)> {
    body["report"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["severity"] == "error")
        .map(|p| {
            (
                p["line"].as_u64().unwrap(),
                p["column"].as_str().unwrap().to_string(),
                p["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn media_at_private_addresses_and_missing_library_files_are_errors_of_their_lines() {
    let Setup { app, owner, alpha, .. } = setup().await;
    upload(&app, &owner, alpha, "beans.png").await;
    let csv = "text,networks,media\n\
        Fine,x,beans.png\n\
        Metadata,x,http://169.254.169.254/latest/meta-data/\n\
        Private,x,https://10.0.0.1/photo.jpg\n\
        Missing,x,nowhere.png\n\
        Sneaky,x,http://2130706433/a.png|beans.png\n";
    for dry_run in [true, false] {
        let (status, body) = import(&app, &owner, alpha, dry_run, csv.as_bytes()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let found = errors(&body);
        let lines: Vec<(u64, &str)> = found.iter().map(|(l, c, _)| (*l, c.as_str())).collect();
        assert_eq!(lines, [(3, "media"), (4, "media"), (5, "media"), (6, "media")], "{body}");
        assert!(found[0].2.contains("169.254.169.254 is a link-local address"), "{}", found[0].2);
        assert!(found[1].2.contains("10.0.0.1 is a private network address"), "{}", found[1].2);
        assert!(found[2].2.contains("no file named “nowhere.png”"), "{}", found[2].2);
        assert!(found[3].2.contains("127.0.0.1 is a loopback address"), "{}", found[3].2);
    }
    assert!(posts_of(&app, &owner, alpha).await.is_empty());
}

#[tokio::test]
async fn library_names_and_fetched_addresses_become_the_posts_media() {
    use axum::routing::get;
    let app = chorus_testkit::app::spawn_app_with(
        Backend::Sqlite,
        chorus_web::WebConfig {
            fetch_policy: chorus_fetch::FetchPolicy { allow_private: true, ..Default::default() },
            ..Default::default()
        },
    )
    .await;
    let (org, owner) = app.organization("Northwind").await;
    let alpha = app.client(&org, "Alpha").await.id;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let images = format!("http://{}", listener.local_addr().unwrap());
    let server = axum::Router::new()
        .route("/cup.png", get(|| async { ([("content-type", "image/png")], PNG) }))
        .route("/page", get(|| async { ([("content-type", "text/html")], "<html></html>") }));
    tokio::spawn(async move { axum::serve(listener, server).await.unwrap() });
    let beans = upload(&app, &owner, alpha, "Roasted beans.png").await;
    let logo = upload(&app, &owner, alpha, "logo.png").await;

    // One address that cannot be fetched: nothing is stored, not even the images fetched before it.
    let csv = format!(
        "text,networks,media\nCup,x;bluesky,{images}/cup.png\nPage,x,{images}/page\nGone,x,{images}/gone.png\n"
    );
    let (status, body) = import(&app, &owner, alpha, false, csv.as_bytes()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let found = errors(&body);
    assert_eq!(found.iter().map(|(l, _, _)| *l).collect::<Vec<_>>(), [3, 4], "{body}");
    assert!(found[0].2.contains("not an image"), "{}", found[0].2);
    assert!(found[1].2.contains("404"), "{}", found[1].2);
    assert!(posts_of(&app, &owner, alpha).await.is_empty());
    assert_eq!(asset_count(&app, &owner, alpha).await, 2, "the image fetched for the failed import was removed");

    // A dry run fetches nothing; the import fetches each address once and attaches it to every variant.
    let csv = format!(
        "text,networks,media\nCup,x;bluesky,{images}/cup.png  LOGO.png\nAgain,x,{images}/cup.png\n\
         Named,x,Roasted beans.png|{images}/cup.png\n"
    );
    let (status, body) = import(&app, &owner, alpha, true, csv.as_bytes()).await;
    assert_eq!((status, body["would_create"].as_u64()), (StatusCode::OK, Some(3)), "{body}");
    assert_eq!(asset_count(&app, &owner, alpha).await, 2, "a dry run fetches nothing");
    let (status, body) = import(&app, &owner, alpha, false, csv.as_bytes()).await;
    assert_eq!((status, body["created"].as_u64()), (StatusCode::OK, Some(3)), "{body}");
    assert_eq!(asset_count(&app, &owner, alpha).await, 3, "one address, fetched once");
    let posts = posts_of(&app, &owner, alpha).await;
    let media_of = |text: &str| -> Vec<Vec<String>> {
        let post = posts.iter().find(|p| p["base_text"] == text).unwrap();
        post["variants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                v["media"].as_array().unwrap().iter().map(|m| m["asset_id"].as_str().unwrap().to_string()).collect()
            })
            .collect()
    };
    let cup = media_of("Again")[0][0].clone();
    assert!(cup != beans && cup != logo);
    assert_eq!(media_of("Cup"), [vec![cup.clone(), logo.clone()], vec![cup.clone(), logo.clone()]]);
    assert_eq!(media_of("Named"), [vec![beans.clone(), cup.clone()]]);
}

#[tokio::test]
async fn the_dry_run_holds_library_files_to_each_networks_media_rules() {
    let Setup { app, owner, alpha, .. } = setup().await;
    let response = app.upload(&owner.token, alpha, "terrace.jpg", chorus_testkit::images::jpeg(1500, 500)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let csv = "text,networks,media\nThe terrace is open,instagram;x,terrace.jpg\n";
    let (status, report) = import(&app, &owner, alpha, true, csv.as_bytes()).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let media: Vec<(String, String)> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["column"] == "media")
        .map(|p| (p["severity"].as_str().unwrap().to_string(), p["message"].as_str().unwrap().to_string()))
        .collect();
    assert!(
        media.iter().any(|(severity, m)| severity == "warning"
            && m.starts_with("Instagram:")
            && m.contains("crop it to")
            && m.ends_with("(to fix before it is scheduled)")),
        "Instagram's aspect rule is reported on the line: {media:?}"
    );
    assert!(!media.iter().any(|(_, m)| m.starts_with("X:") && m.contains("crop")), "X takes 3:1: {media:?}");
    assert_eq!(report["errors"], 0, "a draft may keep media a network would refuse until it is scheduled");
}
