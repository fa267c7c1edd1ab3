//! The ideas board and the composer's full form, through the pages as a browser without JavaScript posts them:
//! ideas are jotted down, moved between pillars and made drafts; a post's thread, network settings and media
//! survive a save and a reload of the form.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot set up should stop loudly

use chorus_domain::post::{InstagramKind, ReplyControl, Visibility};
use chorus_domain::{ClientAccess, Network, PostStatus, Role};
use chorus_store::PostQuery;
use chorus_testkit::app::{PASSWORD, TestApp, spawn_app};
use reqwest::StatusCode;
use serde_json::json;

async fn posts_of(app: &TestApp, org: chorus_domain::OrganizationId) -> Vec<chorus_domain::Post> {
    let query = PostQuery { access: ClientAccess::All, client: None, status: None, search: None };
    app.store.list_posts(org, &query, &Default::default()).await.unwrap().items
}

fn location(response: &reqwest::Response) -> String {
    response.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or_default().to_string()
}

#[tokio::test]
async fn ideas_are_jotted_down_moved_between_pillars_and_made_drafts() {
    let app = spawn_app().await;
    let (org, owner) = app.organization("Northwind").await;
    let client = app.client(&org, "Alpha").await;
    app.person_with_password(&org, "max@northwind.example", Role::Manager, ClientAccess::All).await;
    let pillar = |name: &str, colour: &str| {
        app.api(reqwest::Method::POST, &format!("/clients/{}/pillars", client.id), &owner.token)
            .json(&json!({"name": name, "colour": colour, "target_share": 40}))
            .send()
    };
    let education: serde_json::Value = pillar("Education", "#3a3fd4").await.unwrap().json().await.unwrap();
    pillar("Offers", "#00aa00").await.unwrap();
    let http = app.http();
    app.sign_in(&http, "max@northwind.example", PASSWORD).await;
    let board = format!("/clients/{}/ideas", client.id);
    let csrf = app.csrf_token(&http, &board).await;

    // An empty idea is refused beside its field; nothing is stored.
    let refused =
        http.post(app.url(&board)).form(&[("csrf_token", csrf.as_str()), ("idea", "  ")]).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.unwrap().contains("write the idea in a few words"));
    assert!(posts_of(&app, org.id).await.is_empty());

    let added = http
        .post(app.url(&board))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("idea", "How the beans are roasted\nA short video from the roastery floor."),
            ("pillar_id", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    let idea = posts_of(&app, org.id).await.remove(0);
    assert_eq!(
        (idea.status, idea.title.as_str(), idea.pillar_id),
        (PostStatus::Idea, "How the beans are roasted", None)
    );
    let page = http.get(app.url(&board)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("How the beans are roasted") && page.contains("Education") && page.contains("Offers"));

    // Moved to a pillar from the board, then picked up as a draft, which opens in the composer.
    let change = format!("/posts/{}/idea", idea.id);
    let education_id = education["id"].as_str().unwrap();
    let moved = http
        .post(app.url(&change))
        .form(&[("csrf_token", csrf.as_str()), ("revision", "1"), ("pillar_id", education_id)])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&moved), format!("{board}?notice=idea-moved"));
    let idea = posts_of(&app, org.id).await.remove(0);
    assert_eq!(idea.pillar_id.map(|p| p.to_string()).as_deref(), Some(education_id));

    // A card moved from a stale board does not undo a newer save.
    let stale = http
        .post(app.url(&change))
        .form(&[("csrf_token", csrf.as_str()), ("revision", "1"), ("pillar_id", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    assert_eq!(posts_of(&app, org.id).await[0].pillar_id, idea.pillar_id);

    let drafted = http
        .post(app.url(&change))
        .form(&[("csrf_token", csrf.as_str()), ("revision", "2"), ("status", "draft")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&drafted), format!("/posts/{}?notice=idea-drafted", idea.id));
    let post = posts_of(&app, org.id).await.remove(0);
    assert_eq!((post.status, post.pillar_id), (PostStatus::Draft, idea.pillar_id));
    let page = http.get(app.url(&board)).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("How the beans are roasted"), "a draft leaves the ideas board");
}

#[tokio::test]
async fn the_composer_keeps_threads_network_settings_and_media_through_a_save() {
    let app = spawn_app().await;
    let (org, owner) = app.organization("Northwind").await;
    let client = app.client(&org, "Alpha").await;
    app.person_with_password(&org, "eddie@northwind.example", Role::Editor, ClientAccess::All).await;
    let mut assets = Vec::new();
    for (name, bytes) in
        [("cup.jpg", chorus_testkit::images::jpeg(1080, 1350)), ("menu.jpg", chorus_testkit::images::jpeg(1080, 1080))]
    {
        let response = app.upload(&owner.token, client.id, name, bytes).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        assets.push(response.json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().to_string());
    }
    let (cup, menu) = (assets[0].as_str(), assets[1].as_str());
    let http = app.http();
    app.sign_in(&http, "eddie@northwind.example", PASSWORD).await;
    let new = format!("/clients/{}/posts/new", client.id);
    let csrf = app.csrf_token(&http, &new).await;
    let menu_crop = format!("bluesky.crop.{menu}");
    let form = vec![
        ("csrf_token", csrf.as_str()),
        ("title", "Spring menu"),
        ("base_text", "Spring is on the menu."),
        ("status", "draft"),
        ("network", "instagram"),
        ("network", "bluesky"),
        ("network", "mastodon"),
        ("media", cup),
        ("media", menu),
        ("instagram.opt.instagram_kind", "carousel"),
        ("instagram.opt.collaborators", "roastery, bakery"),
        ("bluesky.thread", "Part two, with a comma, kept whole."),
        ("bluesky.thread", ""),
        ("bluesky.thread", "Part three."),
        ("bluesky.opt.languages", "en, de"),
        ("bluesky.opt.reply_control", "following"),
        ("bluesky.skip_media", cup),
        (menu_crop.as_str(), "1.91:1"),
        ("mastodon.opt.visibility", "unlisted"),
        ("mastodon.content_warning", "Food"),
    ];
    let saved = http.post(app.url(&new)).form(&form).send().await.unwrap();
    assert_eq!(saved.status(), StatusCode::SEE_OTHER, "{}", saved.text().await.unwrap());
    let post = posts_of(&app, org.id).await.remove(0);
    let variant = |network: Network| post.variants.iter().find(|v| v.network == network).unwrap().clone();

    let instagram = variant(Network::Instagram);
    assert_eq!(instagram.options.instagram_kind, InstagramKind::Carousel);
    assert_eq!(instagram.options.collaborators, ["roastery", "bakery"]);
    let ids: Vec<String> = instagram.media.iter().map(|m| m.asset_id.to_string()).collect();
    assert_eq!(ids, [cup, menu], "every network gets the files in the order ticked");
    let bluesky = variant(Network::Bluesky);
    assert_eq!(bluesky.thread, ["Part two, with a comma, kept whole.", "Part three."], "empty parts are dropped");
    assert_eq!(bluesky.options.languages, ["en", "de"]);
    assert_eq!(bluesky.options.reply_control, ReplyControl::Following);
    assert_eq!(bluesky.media.len(), 1, "Bluesky leaves the cup out");
    assert_eq!(bluesky.media[0].crop.map(|c| c.to_string()).as_deref(), Some("191:100"));
    let mastodon = variant(Network::Mastodon);
    assert_eq!(
        (mastodon.options.visibility, mastodon.options.content_warning.as_str()),
        (Visibility::Unlisted, "Food")
    );

    // The form shows all of it again, so a save from it changes nothing.
    let edit = format!("/posts/{}", post.id);
    let page = http.get(app.url(&edit)).send().await.unwrap().text().await.unwrap();
    for expected in [
        "Part two, with a comma, kept whole.",
        "roastery, bakery",
        "en, de",
        r#"<option value="carousel" selected>"#,
        r#"<option value="1.91:1" selected>"#,
        r#"<option value="unlisted" selected>"#,
    ] {
        assert!(page.contains(expected), "the form shows {expected}");
    }
    let resaved =
        http.post(app.url(&edit)).form(&[form.clone(), vec![("revision", "1")]].concat()).send().await.unwrap();
    assert_eq!(resaved.status(), StatusCode::SEE_OTHER);
    let again = posts_of(&app, org.id).await.remove(0);
    assert_eq!(again.revision, 2);
    assert_eq!(again.variants, post.variants, "nothing was lost or changed by the round trip");

    // A setting no network has is refused beside the network's settings; the draft is not saved.
    let mut bad = form.clone();
    bad.push(("mastodon.opt.visibility", "everyone-and-their-dog"));
    bad.retain(|(k, v)| !(*k == "mastodon.opt.visibility" && *v == "unlisted"));
    let refused = http.post(app.url(&new)).form(&bad).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.unwrap().contains("choose one of the values offered"));
    assert_eq!(posts_of(&app, org.id).await.len(), 1);
}
