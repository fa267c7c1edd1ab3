//! The composer in a real browser: a post for three networks, a per-network error seen as it is typed,
//! fixed, and saved.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot set up should stop loudly

use std::time::Duration;

use chorus_domain::{ClientAccess, Network, Role};
use chorus_testkit::app::{PASSWORD, spawn_app};
use chorus_testkit::browser::Browser;

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn a_post_for_three_networks_is_checked_as_it_is_typed_then_saved() {
    let app = spawn_app().await;
    let (org, _) = app.organization("Northwind").await;
    let client = app.client(&org, "Blue Bottle").await;
    app.person_with_password(&org, "eddie@northwind.example", Role::Editor, ClientAccess::All).await;
    let voice = serde_json::from_value(serde_json::json!({"banned_words": ["cheap"]})).unwrap();
    app.store.set_brand_voice(org.id, client.id, &voice).await.unwrap();

    let browser = Browser::launch().await;
    browser.goto(&app.url("/sign-in")).await.unwrap();
    browser.fill("E-mail address", "eddie@northwind.example").await.unwrap();
    browser.fill("Password", PASSWORD).await.unwrap();
    browser.click_button("Sign in").await.unwrap();
    browser.wait_for_url(WAIT, |u| u.path() == "/clients").await.unwrap();

    browser.goto(&app.url(&format!("/clients/{}/posts", client.id))).await.unwrap();
    browser.click_link("New post").await.unwrap();
    browser.fill("Working title", "Autumn roast launch").await.unwrap();
    browser.fill("Base text", "Our autumn roast is here: cocoa, fig and a long finish.").await.unwrap();
    for network in ["X", "Bluesky", "LinkedIn"] {
        browser.check(network).await.unwrap();
    }
    // The X text is too long, and uses a word the brand avoids: both are shown beside it while typing.
    let long = format!("{} {}", "Our cheap autumn roast is here.", "Cocoa, fig and a long finish. ".repeat(9));
    browser.fill("Text on X", &long).await.unwrap();
    browser.wait_for_text("too many", WAIT).await.unwrap();
    browser.wait_for_text("list of words to avoid", WAIT).await.unwrap();
    let x_messages = browser.text_of("section[data-network='x'] ul[data-messages='text']").await.unwrap();
    assert!(x_messages.contains("too many"), "{x_messages}");
    let bluesky_messages = browser.text_of("section[data-network='bluesky'] ul[data-messages='text']").await.unwrap();
    assert!(bluesky_messages.is_empty(), "Bluesky's text is fine: {bluesky_messages}");
    browser.screenshot("05-composer-with-errors").await.unwrap();

    // Fix it; the errors go away before saving.
    browser.fill("Text on X", "Our autumn roast is here: cocoa, fig and a long finish. #coffee").await.unwrap();
    browser.wait_for_text("Ready for every chosen network", WAIT).await.unwrap();
    browser.click_button("Save").await.unwrap();
    browser.wait_for_text("Post saved.", WAIT).await.unwrap();
    browser.screenshot("06-composer-saved").await.unwrap();

    let posts = app
        .store
        .list_posts(
            org.id,
            &chorus_store::PostQuery { access: ClientAccess::All, client: Some(client.id), status: None, search: None },
            &Default::default(),
        )
        .await
        .unwrap();
    let post = &posts.items[0];
    assert_eq!(post.title, "Autumn roast launch");
    let networks: Vec<Network> = post.variants.iter().map(|v| v.network).collect();
    assert_eq!(networks, [Network::LinkedIn, Network::X, Network::Bluesky]);
    let x = post.variants.iter().find(|v| v.network == Network::X).unwrap();
    assert!(x.text.ends_with("#coffee"));
    let linkedin = post.variants.iter().find(|v| v.network == Network::LinkedIn).unwrap();
    assert_eq!(linkedin.text, post.base_text, "a network without its own text starts from the base text");
    browser.close().await.unwrap();
}
