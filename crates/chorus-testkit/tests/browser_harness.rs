//! Proves the headless-browser harness against a tiny, JS-free page served from inside the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::extract::Form;
use axum::response::Html;
use axum::routing::get;
use chorus_testkit::browser::{Browser, MOBILE};

const FORM_PAGE: &str = r#"<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Say hello</title></head>
<body>
<main>
  <h1>Say hello</h1>
  <form method="post" action="/hello">
    <p><label for="name">Your name</label> <input id="name" name="name" type="text" autocomplete="off"></p>
    <p><label>Colour <select name="colour"><option>Red</option><option>Green</option></select></label></p>
    <p><label><input type="checkbox" name="loud" value="yes"> Shout it</label></p>
    <p><button type="submit">Send greeting</button></p>
  </form>
  <p><a href="/about">About this page</a> <a href="/slow">Take your time</a></p>
</main>
</body>
</html>"#;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

async fn hello(Form(form): Form<HashMap<String, String>>) -> Html<String> {
    let name = form.get("name").map(String::as_str).unwrap_or_default();
    let mut greeting = format!("Hello, {name}!");
    if form.contains_key("loud") {
        greeting = greeting.to_uppercase();
    }
    let colour = form.get("colour").map(String::as_str).unwrap_or("none");
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Greeted</title></head><body><main>\
         <h1 id=\"greeting\">{}</h1><p id=\"colour\">Colour: {}</p><a href=\"/\">Again</a></main></body></html>",
        escape(&greeting),
        escape(colour)
    ))
}

/// Serves the form on a free loopback port for as long as the test's runtime lives; returns its base URL.
async fn serve() -> String {
    let app = axum::Router::new()
        .route("/", get(|| async { Html(FORM_PAGE) }))
        .route("/hello", axum::routing::post(hello))
        .route(
            "/about",
            get(|| async { Html("<!doctype html><html lang=\"en\"><title>About</title><h1>About us</h1></html>") }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(1500)).await;
                Html("<!doctype html><html lang=\"en\"><title>Slow</title><h1>Worth the wait</h1></html>")
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

#[tokio::test]
async fn fills_a_form_by_label_submits_it_and_screenshots_the_result() -> anyhow::Result<()> {
    let base = serve().await;
    let started = Instant::now();
    let browser = Browser::launch().await;
    eprintln!("browser launch took {:?}", started.elapsed());

    browser.goto(&format!("{base}/")).await?;
    assert_eq!(browser.title().await?, "Say hello");
    browser.fill("Your name", "Ada <Lovelace>").await?;
    browser.fill("Colour", "Green").await?;
    browser.check("Shout it").await?;
    assert_eq!(browser.value_of("Your name").await?, "Ada <Lovelace>");
    browser.click_button("Send greeting").await?;

    // No waiting: a click that submits a form returns once the next page is there.
    assert_eq!(browser.text_of("#greeting").await?, "HELLO, ADA <LOVELACE>!");
    assert_eq!(browser.text_of("#colour").await?, "Colour: Green");
    assert_eq!(browser.current_url().await?.path(), "/hello");
    assert!(browser.page_text().await?.contains("Colour: Green"));

    let path = browser.screenshot("browser-harness-greeting").await?;
    assert!(path.ends_with("screenshots/browser-harness-greeting.png"), "{}", path.display());
    let png = std::fs::read(&path)?;
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{} is not a PNG", path.display());

    browser.click_link("Again").await?;
    assert_eq!(browser.current_url().await?.path(), "/");
    browser.close().await
}

#[tokio::test]
async fn failures_say_what_was_looked_for_and_where() -> anyhow::Result<()> {
    let base = serve().await;
    let browser = Browser::launch().await;
    browser.goto(&format!("{base}/")).await?;

    let error = format!("{:#}", browser.fill("Email address", "ada@example.com").await.unwrap_err());
    for expected in ["fill(\"Email address\"", "Your name", "Colour", &format!("{base}/"), "Say hello"] {
        assert!(error.contains(expected), "expected {expected:?} in:\n{error}");
    }

    let error = format!("{:#}", browser.click_button("Delete").await.unwrap_err());
    assert!(error.contains("no button reads \"Delete\"") && error.contains("Send greeting"), "{error}");

    let error = format!("{:#}", browser.fill("Shout it", "yes").await.unwrap_err());
    assert!(error.contains("use check()"), "{error}");

    let error = format!("{:#}", browser.fill("Colour", "Mauve").await.unwrap_err());
    assert!(error.contains("\"Red\", \"Green\""), "{error}");

    let error = format!("{:#}", browser.wait_for_text("Goodbye", Duration::from_millis(200)).await.unwrap_err());
    assert!(error.contains("Goodbye") && error.contains("Say hello"), "{error}");

    let error = format!("{:#}", browser.text_of("#missing").await.unwrap_err());
    assert!(error.contains("#missing"), "{error}");
    browser.close().await
}

#[tokio::test]
async fn the_keyboard_reaches_every_control_in_order() -> anyhow::Result<()> {
    let base = serve().await;
    let browser = Browser::launch().await;
    browser.goto(&format!("{base}/")).await?;

    browser.press_tab().await?;
    assert_eq!(browser.focused_name().await?, "Your name");
    browser.type_text("Grace").await?;
    browser.press_tab().await?;
    assert_eq!(browser.focused_name().await?, "Colour");
    browser.press_tab().await?;
    assert_eq!(browser.focused_name().await?, "Shout it");
    browser.press_tab().await?;
    assert_eq!(browser.focused_name().await?, "Send greeting");
    browser.press_shift_tab().await?;
    assert_eq!(browser.focused_name().await?, "Shout it");

    browser.press_enter().await?;
    browser.wait_for_text("Hello, Grace!", Duration::from_secs(10)).await?;
    browser.close().await
}

#[tokio::test]
async fn the_mobile_browser_has_a_phone_sized_viewport() -> anyhow::Result<()> {
    let base = serve().await;
    let browser = Browser::launch_mobile().await;
    browser.goto(&format!("{base}/")).await?;

    let viewport = browser.execute("return [window.innerWidth, window.innerHeight];", vec![]).await?;
    assert_eq!(viewport, serde_json::json!([MOBILE.0, MOBILE.1]));

    browser.click_link("About this page").await?;
    browser.wait_for_text("About us", Duration::from_secs(5)).await?;
    let path = browser.screenshot_full_page("browser-harness-mobile-about").await?;
    assert!(std::fs::metadata(path)?.len() > 0);
    browser.close().await
}

#[tokio::test]
async fn clicks_wait_for_a_slow_next_page() -> anyhow::Result<()> {
    let base = serve().await;
    let browser = Browser::launch().await;
    browser.goto(&format!("{base}/")).await?;
    browser.click_link("Take your time").await?;
    assert_eq!(browser.text_of("h1").await?, "Worth the wait");
    browser.close().await
}

#[tokio::test]
async fn a_dropped_browser_ends_its_session() {
    let base = serve().await;
    let browser = Browser::launch().await;
    browser.goto(&format!("{base}/")).await.unwrap();
    drop(browser);
    // Reaching here without hanging is the check: drop talks to chromedriver synchronously.
}
