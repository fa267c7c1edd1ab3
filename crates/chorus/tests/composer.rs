//! The composer in a real browser: a post for three networks, a per-network error seen as it is typed,
//! fixed, and saved; then the same with an image that one network takes only cropped.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot set up should stop loudly

use std::time::Duration;

use chorus_domain::{ClientAccess, Network, Role};
use chorus_testkit::app::{PASSWORD, TestApp, spawn_app};
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

async fn sign_in(app: &TestApp, browser: &Browser, email: &str) {
    browser.goto(&app.url("/sign-in")).await.unwrap();
    browser.fill("E-mail address", email).await.unwrap();
    browser.fill("Password", PASSWORD).await.unwrap();
    browser.click_button("Sign in").await.unwrap();
    browser.wait_for_url(WAIT, |u| u.path() == "/clients").await.unwrap();
}

#[tokio::test]
async fn a_post_with_an_image_is_cropped_for_instagram_then_saved() {
    let app = spawn_app().await;
    let (org, owner) = app.organization("Northwind").await;
    let client = app.client(&org, "Blue Bottle").await;
    app.person_with_password(&org, "eddie@northwind.example", Role::Editor, ClientAccess::All).await;
    // A panorama: three times as wide as high, wider than Instagram's feed takes (1.91:1 at most).
    let uploaded = app.upload(&owner.token, client.id, "terrace.jpg", chorus_testkit::images::jpeg(1500, 500)).await;
    assert_eq!(uploaded.status(), reqwest::StatusCode::CREATED);
    let asset: chorus_domain::AssetId =
        uploaded.json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().parse().unwrap();
    let described = app
        .api(reqwest::Method::PATCH, &format!("/assets/{asset}"), &owner.token)
        .json(
            &serde_json::json!({"alt_text": "The terrace in the sun, tables by the river", "filename": "terrace.jpg"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(described.status(), reqwest::StatusCode::OK, "{}", described.text().await.unwrap());

    let browser = Browser::launch().await;
    sign_in(&app, &browser, "eddie@northwind.example").await;
    browser.goto(&app.url(&format!("/clients/{}/posts/new", client.id))).await.unwrap();
    browser.fill("Working title", "Terrace opening").await.unwrap();
    browser.fill("Base text", "The terrace is open from Friday: coffee in the sun.").await.unwrap();
    for network in ["Instagram", "X", "Bluesky"] {
        browser.check(network).await.unwrap();
    }
    browser.check(&format!("input[name='media'][value='{asset}']")).await.unwrap();

    // Instagram refuses the panorama, and says how to fix it; X and Bluesky take it as it is.
    browser.wait_for_text("Instagram feed posts take", WAIT).await.unwrap();
    let instagram = browser.text_of("section[data-network='instagram'] ul[data-messages='media']").await.unwrap();
    assert!(instagram.contains("crop it to"), "{instagram}");
    for other in ["x", "bluesky"] {
        let messages =
            browser.text_of(&format!("section[data-network='{other}'] ul[data-messages='media']")).await.unwrap();
        assert!(messages.is_empty(), "{other} takes the image: {messages}");
    }
    browser.screenshot("07-composer-image-refused-by-instagram").await.unwrap();

    // Saved as a draft, the image gets a row per network where it can be cropped.
    browser.click_button("Save").await.unwrap();
    browser.wait_for_text("Post saved.", WAIT).await.unwrap();
    let row = "section[data-network='instagram'] ul[data-messages='media[0]']";
    let before = browser.text_of(row).await.unwrap();
    assert!(before.contains("crop it to"), "the error sits beside the image: {before}");
    browser.fill(&format!("#instagram-crop-{asset}"), "4:5").await.unwrap();
    browser.wait_for_text("Ready for every chosen network", WAIT).await.unwrap();
    assert!(browser.text_of(row).await.unwrap().is_empty());
    let preview = browser.attribute_of("section[data-network='instagram'] .preview-media", "src").await.unwrap();
    assert!(preview.unwrap_or_default().contains("aspect=4%3A5"), "the preview shows the crop");
    browser.screenshot_full_page("08-composer-image-cropped").await.unwrap();
    browser.click_button("Save").await.unwrap();
    browser.wait_for_text("Post saved.", WAIT).await.unwrap();

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
    assert_eq!(post.title, "Terrace opening");
    let crop_on = |network: Network| {
        let variant = post.variants.iter().find(|v| v.network == network).unwrap();
        assert_eq!(variant.media.len(), 1, "{network} carries the image");
        assert_eq!(variant.media[0].asset_id, asset);
        variant.media[0].crop.map(|c| c.to_string())
    };
    assert_eq!(crop_on(Network::Instagram).as_deref(), Some("4:5"));
    assert_eq!(crop_on(Network::X), None);
    assert_eq!(crop_on(Network::Bluesky), None);
    browser.close().await.unwrap();
}
