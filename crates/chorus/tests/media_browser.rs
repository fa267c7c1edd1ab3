//! The media library in a real headless Chromium: the grid, and the focal point set by clicking the picture, which
//! only the page's script does. Screenshots land in `target/screenshots/`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot set up should stop loudly

use std::time::Duration;

use chorus_domain::{ClientAccess, Role};
use chorus_testkit::app::{PASSWORD, spawn_app};
use chorus_testkit::browser::Browser;

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn clicking_the_picture_sets_the_focal_point_its_renditions_use() {
    let app = spawn_app().await;
    let (org, owner) = app.organization("Northwind").await;
    let client = app.client(&org, "Blue Bottle Bakery").await;
    app.person_with_password(&org, "eddie@northwind.example", Role::Editor, ClientAccess::All).await;
    let uploaded = app.upload(&owner.token, client.id, "storefront.png", chorus_testkit::images::png(800, 400)).await;
    assert_eq!(uploaded.status(), reqwest::StatusCode::CREATED);
    let asset: serde_json::Value = uploaded.json().await.unwrap();
    let id: chorus_domain::AssetId = asset["id"].as_str().unwrap().parse().unwrap();

    let browser = Browser::launch().await;
    browser.goto(&app.url("/sign-in")).await.unwrap();
    browser.fill("E-mail address", "eddie@northwind.example").await.unwrap();
    browser.fill("Password", PASSWORD).await.unwrap();
    browser.click_button("Sign in").await.unwrap();
    browser.wait_for_url(WAIT, |u| u.path() == "/clients").await.unwrap();

    browser.goto(&app.url(&format!("/clients/{}/media", client.id))).await.unwrap();
    browser.wait_for_text("storefront.png", WAIT).await.unwrap();
    browser.screenshot("media-01-library").await.unwrap();
    browser.click_link("storefront.png").await.unwrap();
    browser.wait_for_text("How it crops for each network", WAIT).await.unwrap();

    // A click a quarter across and three quarters down the picture.
    let clicked = browser
        .execute(
            "const img = document.getElementById('asset-image');\
             const box = img.getBoundingClientRect();\
             img.dispatchEvent(new MouseEvent('click', {bubbles: true, clientX: box.left + box.width * 0.25, \
               clientY: box.top + box.height * 0.75}));\
             return document.querySelector('.focal-marker').style.left;",
            Vec::new(),
        )
        .await
        .unwrap();
    let near = |value: &str, expected: f64| {
        value.trim_end_matches('%').parse::<f64>().is_ok_and(|v| (v - expected).abs() <= 0.5)
    };
    assert!(clicked.as_str().is_some_and(|left| near(left, 25.0)), "the marker follows the click: {clicked}");
    let x: u16 = browser.value_of("#focal_point\\.x").await.unwrap().parse().unwrap();
    let y: u16 = browser.value_of("#focal_point\\.y").await.unwrap().parse().unwrap();
    assert!(x.abs_diff(250) <= 3 && y.abs_diff(750) <= 3, "the fields hold the click: {x}, {y}");
    browser.fill("Alt text", "The bakery's red door and blue front").await.unwrap();
    assert!(browser.text_of("#alt_text-count").await.unwrap().starts_with("36 / 1500"), "the counter counts");
    browser.click_button("Save").await.unwrap();
    browser.wait_for_text("Changes saved.", WAIT).await.unwrap();
    browser.screenshot_full_page("media-02-asset").await.unwrap();

    let saved = app.store.asset(org.id, id).await.unwrap();
    assert_eq!((saved.focal_point.x, saved.focal_point.y), (x, y), "what the click set is saved");
    assert_eq!(saved.alt_text, "The bakery's red door and blue front");
    browser.close().await.unwrap();
}
