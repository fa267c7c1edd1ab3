//! The pages in a real headless Chromium: the first steps of a new installation, as a person takes them.
//! Screenshots land in `target/screenshots/`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot set up should stop loudly

use std::time::Duration;

use chorus_testkit::app::spawn_app;
use chorus_testkit::browser::Browser;

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn first_run_setup_then_sign_in_then_a_client_is_created_and_listed() {
    let app = spawn_app().await;
    let browser = Browser::launch().await;

    // A new installation sends everyone to setup.
    browser.goto(&app.url("/")).await.unwrap();
    browser.wait_for_url(WAIT, |u| u.path() == "/setup").await.unwrap();
    browser.screenshot("01-setup").await.unwrap();

    // A mistake is named beside its field, and the other values are kept.
    browser.fill("Organization name", "Northwind Social").await.unwrap();
    browser.fill("Your name", "Ola Nordmann").await.unwrap();
    browser.fill("Your e-mail address", "ola@northwind.example").await.unwrap();
    browser.fill("Choose a password", "short").await.unwrap();
    browser.click_button("Create organization").await.unwrap();
    browser.wait_for_text("must be at least 10 characters", WAIT).await.unwrap();
    assert_eq!(browser.value_of("Your name").await.unwrap(), "Ola Nordmann");
    browser.screenshot("02-setup-with-error").await.unwrap();
    browser.fill("Choose a password", "a quiet morning by the fjord").await.unwrap();
    browser.click_button("Create organization").await.unwrap();
    browser.wait_for_text("Your organization is ready", WAIT).await.unwrap();

    // Sign out, then back in.
    browser.click_button("Sign out").await.unwrap();
    browser.wait_for_url(WAIT, |u| u.path() == "/sign-in").await.unwrap();
    browser.fill("E-mail address", "OLA@northwind.example").await.unwrap();
    browser.fill("Password", "a quiet morning by the fjord").await.unwrap();
    browser.click_button("Sign in").await.unwrap();
    browser.wait_for_url(WAIT, |u| u.path() == "/clients").await.unwrap();
    browser.wait_for_text("No clients yet", WAIT).await.unwrap();

    // Create a client and find it in the list.
    browser.click_link("New client").await.unwrap();
    browser.fill("Name", "Blue Bottle Bakery").await.unwrap();
    browser.fill("Time zone", "America/New_York").await.unwrap();
    browser.fill("Saturday", "10:00-14:00").await.unwrap();
    browser.fill("Brand notes", "Warm, never snarky.").await.unwrap();
    browser.click_button("Create client").await.unwrap();
    browser.wait_for_text("Client created.", WAIT).await.unwrap();
    let listed = browser.text_of("table.list tbody").await.unwrap();
    assert!(listed.contains("Blue Bottle Bakery"), "{listed}");
    assert!(listed.contains("America/New_York"), "{listed}");
    let shot = browser.screenshot("03-clients").await.unwrap();
    assert!(std::fs::metadata(&shot).unwrap().len() > 1000);

    // And the stored client is what was typed.
    let clients = app
        .store
        .list_clients(
            app.store.first_organization().await.unwrap().unwrap().id,
            &chorus_store::ClientQuery {
                access: chorus_domain::ClientAccess::All,
                archived: Default::default(),
                search: None,
            },
            &Default::default(),
        )
        .await
        .unwrap();
    assert_eq!(clients.items.len(), 1);
    assert!(clients.items[0].office_hours.summary().contains("Sat 10:00–14:00"));
    browser.close().await.unwrap();
}

#[tokio::test]
async fn the_layout_works_by_keyboard_and_on_a_phone() {
    let app = spawn_app().await;
    let (org, _) = app.organization("Northwind").await;
    app.client(&org, "Alpha Outfitters").await;
    app.person_with_password(
        &org,
        "kim@northwind.example",
        chorus_domain::Role::Manager,
        chorus_domain::ClientAccess::All,
    )
    .await;

    let browser = Browser::launch_mobile().await;
    browser.goto(&app.url("/sign-in")).await.unwrap();
    // The first Tab reaches the skip link, so keyboard users can jump past the header.
    browser.press_tab().await.unwrap();
    assert_eq!(browser.focused_name().await.unwrap(), "Skip to content");
    browser.fill("E-mail address", "kim@northwind.example").await.unwrap();
    browser.fill("Password", chorus_testkit::app::PASSWORD).await.unwrap();
    browser.press_enter().await.unwrap();
    browser.wait_for_text("Alpha Outfitters", WAIT).await.unwrap();
    // Nothing is wider than the phone's screen.
    let overflow = browser
        .execute("return document.documentElement.scrollWidth - document.documentElement.clientWidth;", vec![])
        .await
        .unwrap();
    assert_eq!(overflow.as_i64(), Some(0), "the page scrolls sideways on a phone");
    browser.screenshot("04-clients-on-a-phone").await.unwrap();
    browser.close().await.unwrap();
}
