//! A client's strategy through the API and the page: pillars with a target mix, goals, brand voice.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot set up should stop loudly

use chorus_domain::{ClientAccess, Role};
use chorus_testkit::app::{PASSWORD, only, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn pillars_keep_their_mix_within_all_posts_and_their_names_unique() {
    let app = spawn_app().await;
    let (org, owner) = app.organization("Northwind").await;
    let client = app.client(&org, "Alpha").await;
    let path = format!("/clients/{}/pillars", client.id);
    let add = |body: Value| app.api(Method::POST, &path, &owner.token).json(&body).send();

    let education = add(json!({"name": "Education", "colour": "#3A3FD4", "target_share": 60})).await.unwrap();
    assert_eq!(education.status(), StatusCode::CREATED);
    let education: Value = education.json().await.unwrap();
    assert_eq!(education["colour"], "#3a3fd4", "colours are stored lower-case");

    let too_much = add(json!({"name": "Offers", "colour": "#00aa00", "target_share": 50})).await.unwrap();
    assert_eq!(too_much.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = too_much.json().await.unwrap();
    assert_eq!(body["errors"][0]["field"], "target_share");
    assert!(body["detail"].as_str().unwrap().contains("110%"), "{body}");

    let duplicate = add(json!({"name": "EDUCATION", "colour": "#00aa00", "target_share": 10})).await.unwrap();
    assert_eq!(duplicate.status(), StatusCode::CONFLICT);
    let bad_colour = add(json!({"name": "Offers", "colour": "green", "target_share": 10})).await.unwrap();
    let body: Value = bad_colour.json().await.unwrap();
    assert_eq!(body["errors"][0]["field"], "colour");

    // Raising a pillar's own share counts the others, not its old value.
    let id = education["id"].as_str().unwrap();
    let raised = app
        .api(Method::PUT, &format!("{path}/{id}"), &owner.token)
        .json(&json!({"name": "Education", "colour": "#3a3fd4", "target_share": 100}))
        .send()
        .await
        .unwrap();
    assert_eq!(raised.status(), StatusCode::OK);
    let listed: Value = app.api(Method::GET, &path, &owner.token).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["target_share"], 100);

    let removed = app.api(Method::DELETE, &format!("{path}/{id}"), &owner.token).send().await.unwrap();
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    let gone = app.api(Method::DELETE, &format!("{path}/{id}"), &owner.token).send().await.unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    let bad_id = app.api(Method::DELETE, &format!("{path}/nope"), &owner.token).send().await.unwrap();
    let body: Value = bad_id.json().await.unwrap();
    assert_eq!(body["errors"][0]["field"], "pillar_id");
}

#[tokio::test]
async fn goals_and_brand_voice_are_kept_and_checked() {
    let app = spawn_app().await;
    let (org, owner) = app.organization("Northwind").await;
    let client = app.client(&org, "Alpha").await;
    let editor = app.person(&org, "ed@northwind.example", Role::Editor, only(&[client.id])).await;
    let base = format!("/clients/{}", client.id);

    let goal = app
        .api(Method::POST, &format!("{base}/goals"), &owner.token)
        .json(&json!({"metric": "engagement_rate", "target": 4.25, "period": "quarter", "note": "Up from 3.1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(goal.status(), StatusCode::CREATED);
    let goals: Value =
        app.api(Method::GET, &format!("{base}/goals"), &editor.token).send().await.unwrap().json().await.unwrap();
    assert_eq!(goals[0]["target"], 4.25);
    let impossible = app
        .api(Method::POST, &format!("{base}/goals"), &owner.token)
        .json(&json!({"metric": "engagement_rate", "target": 140, "period": "month"}))
        .send()
        .await
        .unwrap();
    assert_eq!(impossible.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let unknown = app
        .api(Method::POST, &format!("{base}/goals"), &owner.token)
        .json(&json!({"metric": "vibes", "target": 1, "period": "month"}))
        .send()
        .await
        .unwrap();
    let body: Value = unknown.json().await.unwrap();
    assert_eq!(body["errors"][0]["field"], "metric");

    // Editors read the strategy but do not change it.
    let refused = app
        .api(Method::PUT, &format!("{base}/brand-voice"), &editor.token)
        .json(&json!({"banned_words": ["cheap"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    let saved: Value = app
        .api(Method::PUT, &format!("{base}/brand-voice"), &owner.token)
        .json(&json!({
            "banned_words": [" cheap ", ""],
            "required_disclosures": ["#ad"],
            "hashtag_groups": [{"name": "Launch", "hashtags": ["coffee", "#newroast"]}],
            "snippets": [{"name": "Sign-off", "text": "— the Alpha team"}]
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(saved["banned_words"], json!(["cheap"]));
    assert_eq!(saved["hashtag_groups"][0]["hashtags"], json!(["#coffee", "#newroast"]));

    let issues: Value = app
        .api(Method::POST, &format!("{base}/brand-voice/check"), &editor.token)
        .json(&json!({"text": "Our Cheap new roast is here", "sponsored": true}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let codes: Vec<&str> = issues.as_array().unwrap().iter().map(|i| i["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["banned_word", "missing_disclosure"]);
    assert_eq!((issues[0]["start"].as_u64(), issues[0]["end"].as_u64()), (Some(4), Some(9)));
    let clean: Value = app
        .api(Method::POST, &format!("{base}/brand-voice/check"), &editor.token)
        .json(&json!({"text": "Our new roast is here #ad", "sponsored": true}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(clean, json!([]));
}

#[tokio::test]
async fn the_strategy_page_adds_pillars_and_goals_and_saves_the_voice() {
    let app = spawn_app().await;
    let (org, _) = app.organization("Northwind").await;
    let client = app.client(&org, "Alpha").await;
    app.person_with_password(&org, "max@northwind.example", Role::Manager, ClientAccess::All).await;
    let http = app.http();
    app.sign_in(&http, "max@northwind.example", PASSWORD).await;
    let page = format!("/clients/{}/strategy", client.id);
    let csrf = app.csrf_token(&http, &page).await;

    let added = http
        .post(app.url(&format!("/clients/{}/pillars", client.id)))
        .form(&[("csrf_token", csrf.as_str()), ("name", "Education"), ("colour", "#3a3fd4"), ("target_share", "40")])
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    let over = http
        .post(app.url(&format!("/clients/{}/pillars", client.id)))
        .form(&[("csrf_token", csrf.as_str()), ("name", "Offers"), ("colour", "#00aa00"), ("target_share", "70")])
        .send()
        .await
        .unwrap();
    assert_eq!(over.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = over.text().await.unwrap();
    assert!(
        html.contains("id=\"target_share-error\"") && html.contains("value=\"Offers\""),
        "the failed form keeps its values"
    );

    let goal = http
        .post(app.url(&format!("/clients/{}/goals", client.id)))
        .form(&[("csrf_token", csrf.as_str()), ("metric", "follower_growth"), ("target", "500"), ("period", "month")])
        .send()
        .await
        .unwrap();
    assert_eq!(goal.status(), StatusCode::SEE_OTHER);

    let bad_voice = http
        .post(app.url(&format!("/clients/{}/brand-voice", client.id)))
        .form(&[("csrf_token", csrf.as_str()), ("banned_words", "cheap"), ("hashtag_groups", "no colon here")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad_voice.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_voice.text().await.unwrap().contains("line 1: write it as Name: #tag #tag"));
    let voice = http
        .post(app.url(&format!("/clients/{}/brand-voice", client.id)))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("banned_words", "cheap\n\nworld-class"),
            ("required_disclosures", "#ad"),
            ("hashtag_groups", "Launch: #coffee #newroast"),
            ("snippets", "Sign-off: see you at the bar: Alpha"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(voice.status(), StatusCode::SEE_OTHER);
    let stored = app.store.brand_voice(org.id, client.id).await.unwrap();
    assert_eq!(stored.banned_words, ["cheap", "world-class"]);
    assert_eq!(stored.snippets[0].text, "see you at the bar: Alpha", "only the first colon separates the name");

    let html = http.get(app.url(&page)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Education") && html.contains("40%") && html.contains("Follower growth"));
    assert!(html.contains("Planned mix: <strong>40%</strong>"));
}
