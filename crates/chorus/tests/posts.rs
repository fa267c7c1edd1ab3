//! Posts through the API: one idea per client with a variant per network, saved with revisions, copied from
//! templates, and checked against each network's rules and the client's brand voice.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot set up should stop loudly

use chorus_domain::{ClientAccess, ClientId, Role, TokenScope};
use chorus_testkit::app::{Backend, TestApp, TestPerson, only, spawn_app, spawn_app_on};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Sends `body` (when given) and returns the status and the JSON answer (`null` for an empty one).
async fn call(app: &TestApp, who: &TestPerson, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    call_with(app, &who.token, method, path, body).await
}

async fn call_with(app: &TestApp, token: &str, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    app.call(token, method, path, body).await
}

fn three_networks(title: &str) -> Value {
    json!({
        "title": title,
        "base_text": "Our autumn roast is here: plum, cocoa, a long finish.",
        "variants": [
            {"network": "x", "text": "Autumn roast is here 🍂", "thread": ["Plum and cocoa.", "Out Friday."]},
            {"network": "instagram", "text": "Autumn roast ☕️", "first_comment": "#coffee #autumn",
             "options": {"instagram_kind": "carousel", "collaborators": ["roastery"]}},
            {"network": "linkedin", "text": "We are launching our autumn roast.", "link": "https://example.com/autumn",
             "options": {"visibility": "restricted"}}
        ]
    })
}

fn titles(listing: &Value) -> Vec<&str> {
    listing["items"].as_array().unwrap().iter().map(|p| p["title"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn posts_are_written_listed_saved_with_revisions_copied_and_deleted() {
    let app = spawn_app().await;
    let (org, owner) = app.organization("Northwind").await;
    let alpha = app.client(&org, "Alpha").await;
    let editor = app.person(&org, "ed@northwind.example", Role::Editor, only(&[alpha.id])).await;
    let pillar = app
        .api(Method::POST, &format!("/clients/{}/pillars", alpha.id), &owner.token)
        .json(&json!({"name": "Seasonal", "colour": "#aa5500", "target_share": 30}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let posts = format!("/clients/{}/posts", alpha.id);

    // Written once, tailored for three networks.
    let mut body = three_networks("Autumn roast");
    body["pillar_id"] = pillar["id"].clone();
    body["sponsored"] = json!(true);
    let (status, created) = call(&app, &editor, Method::POST, &posts, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["revision"], 1);
    assert_eq!(created["status"], "draft", "a post is a draft unless said otherwise");
    assert_eq!(created["client_id"], alpha.id.to_string());
    assert_eq!(created["pillar_id"], pillar["id"]);
    assert_eq!(created["created_by"], editor.person.id.to_string());
    let networks: Vec<&str> =
        created["variants"].as_array().unwrap().iter().map(|v| v["network"].as_str().unwrap()).collect();
    assert_eq!(networks, ["x", "instagram", "linkedin"]);
    assert_eq!(created["variants"][0]["thread"], json!(["Plum and cocoa.", "Out Friday."]));
    assert_eq!(created["variants"][1]["options"]["instagram_kind"], "carousel");
    assert_eq!(created["variants"][2]["options"]["visibility"], "restricted");
    assert!(created.get("organization_id").is_none(), "the organization is not part of a post");
    let id = created["id"].as_str().unwrap().to_string();
    let post = format!("/posts/{id}");

    let (status, read) = call(&app, &editor, Method::GET, &post, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read, created);

    // More posts: an idea and a template.
    let (_, idea) =
        call(&app, &owner, Method::POST, &posts, Some(json!({"status": "idea", "title": "Barista tips"}))).await;
    let template = json!({"status": "template", "title": "Weekly tip", "base_text": "Tip of the week:",
        "variants": [{"network": "threads", "text": "Tip of the week:"}]});
    let (status, template) = call(&app, &owner, Method::POST, &posts, Some(template)).await;
    assert_eq!(status, StatusCode::CREATED);

    let (_, all) = call(&app, &editor, Method::GET, "/posts", None).await;
    assert_eq!(titles(&all), ["Weekly tip", "Barista tips", "Autumn roast"], "newest first");
    let (_, drafts) = call(&app, &editor, Method::GET, "/posts?status=draft", None).await;
    assert_eq!(titles(&drafts), ["Autumn roast"]);
    let (_, ideas) =
        call(&app, &editor, Method::GET, &format!("/posts?status=idea&client_id={}", alpha.id), None).await;
    assert_eq!(titles(&ideas), ["Barista tips"]);
    let (_, found) = call(&app, &editor, Method::GET, "/posts?search=LONG%20FINISH", None).await;
    assert_eq!(titles(&found), ["Autumn roast"], "the base text is searched, in any case");
    let (_, page) = call(&app, &editor, Method::GET, "/posts?limit=2", None).await;
    assert_eq!(titles(&page), ["Weekly tip", "Barista tips"]);
    let cursor = page["next_cursor"].as_str().unwrap();
    let (_, rest) = call(&app, &editor, Method::GET, &format!("/posts?limit=2&cursor={cursor}"), None).await;
    assert_eq!(titles(&rest), ["Autumn roast"]);
    assert!(rest["next_cursor"].is_null());
    let (status, bad) = call(&app, &editor, Method::GET, "/posts?status=published", None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad["errors"][0]["field"], "status");

    // Saving replaces the post whole and goes up a revision; a save from an old revision is refused.
    let mut edit = three_networks("Autumn roast, final");
    edit["variants"].as_array_mut().unwrap().remove(1);
    edit["revision"] = json!(1);
    let (status, saved) = call(&app, &editor, Method::PUT, &post, Some(edit.clone())).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["revision"], 2);
    assert_eq!(saved["title"], "Autumn roast, final");
    assert_eq!(saved["variants"].as_array().unwrap().len(), 2, "Instagram's variant is gone");
    assert_eq!(saved["variants"][0]["id"], created["variants"][0]["id"], "X's variant keeps its id");
    assert_eq!(saved["pillar_id"], Value::Null, "fields left out are emptied: a save replaces the post");
    assert_eq!(saved["updated_by"], editor.person.id.to_string());

    edit["title"] = json!("Someone else's older edit");
    let (status, stale) = call(&app, &owner, Method::PUT, &post, Some(edit.clone())).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(stale["errors"][0]["field"], "revision");
    assert!(stale["detail"].as_str().unwrap().contains("now revision 2"), "{stale}");
    let (_, unchanged) = call(&app, &owner, Method::GET, &post, None).await;
    assert_eq!(unchanged, saved, "a refused save changes nothing");
    edit["revision"] = json!(2);
    let (status, third) = call(&app, &owner, Method::PUT, &post, Some(edit.clone())).await;
    assert_eq!((status, third["revision"].clone()), (StatusCode::OK, json!(3)));
    edit.as_object_mut().unwrap().remove("revision");
    let (status, fourth) = call(&app, &owner, Method::PUT, &post, Some(edit)).await;
    assert_eq!(
        (status, fourth["revision"].clone()),
        (StatusCode::OK, json!(4)),
        "without a revision, the save goes through"
    );

    let (status, history) = call(&app, &editor, Method::GET, &format!("{post}/revisions"), None).await;
    assert_eq!(status, StatusCode::OK);
    let revisions: Vec<u64> = history.as_array().unwrap().iter().map(|r| r["revision"].as_u64().unwrap()).collect();
    assert_eq!(revisions, [4, 3, 2, 1], "newest first");
    assert_eq!(history[3]["post"], created, "revision 1 is the post as it was created");
    assert_eq!(history[2]["post"], saved);
    assert_eq!(history[2]["changed_by"], editor.person.id.to_string());
    assert_eq!(history[0]["changed_by"], owner.person.id.to_string());
    assert_eq!(history[0]["post"], fourth);

    // A new post from a template: a draft copy that keeps the template's title; plain copies say they are one.
    let template_id = template["id"].as_str().unwrap();
    let (status, from_template) =
        call(&app, &editor, Method::POST, &format!("/posts/{template_id}/duplicate"), Some(json!({"status": "draft"})))
            .await;
    assert_eq!(status, StatusCode::CREATED, "{from_template}");
    assert_eq!(
        (from_template["status"].as_str(), from_template["title"].as_str()),
        (Some("draft"), Some("Weekly tip"))
    );
    assert_eq!(from_template["revision"], 1);
    assert_ne!(from_template["id"], template["id"]);
    assert_ne!(from_template["variants"][0]["id"], template["variants"][0]["id"]);
    assert_eq!(from_template["variants"][0]["text"], "Tip of the week:");
    let (status, copy) =
        call(&app, &editor, Method::POST, &format!("/posts/{}/duplicate", idea["id"].as_str().unwrap()), None).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!((copy["status"].as_str(), copy["title"].as_str()), (Some("idea"), Some("Copy of Barista tips")));
    let (_, template_now) = call(&app, &owner, Method::GET, &format!("/posts/{template_id}"), None).await;
    assert_eq!(template_now, template, "the template is untouched");

    // Deleting takes the post and its history.
    let (status, _) = call(&app, &editor, Method::DELETE, &post, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    for path in [post.clone(), format!("{post}/revisions")] {
        let (status, problem) = call(&app, &editor, Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(problem["type"], "urn:chorus:problem:not-found");
    }
    let (status, _) = call(&app, &editor, Method::DELETE, &post, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, all) = call(&app, &editor, Method::GET, "/posts", None).await;
    assert_eq!(titles(&all), ["Copy of Barista tips", "Weekly tip", "Weekly tip", "Barista tips"]);
}

#[tokio::test]
async fn readers_read_writers_write_and_other_clients_posts_do_not_exist() {
    let app = spawn_app().await;
    let (org, owner) = app.organization("Northwind").await;
    let alpha = app.client(&org, "Alpha").await;
    let bravo = app.client(&org, "Bravo").await;
    let analyst = app.person(&org, "ana@northwind.example", Role::Analyst, ClientAccess::All).await;
    let client_user = app.person(&org, "cu@alpha.example", Role::Client, only(&[alpha.id])).await;
    let editor_a = app.person(&org, "ed@northwind.example", Role::Editor, only(&[alpha.id])).await;
    let read_only = app.token_for(&owner.person, TokenScope::Read).await;

    let (_, a_post) =
        call(&app, &owner, Method::POST, &format!("/clients/{}/posts", alpha.id), Some(three_networks("A's post")))
            .await;
    let (_, b_post) =
        call(&app, &owner, Method::POST, &format!("/clients/{}/posts", bravo.id), Some(three_networks("B's post")))
            .await;
    let a_id = a_post["id"].as_str().unwrap();
    let b_id = b_post["id"].as_str().unwrap();

    // Analysts and the client's own users read, and change nothing.
    for reader in [&analyst, &client_user] {
        let (status, read) = call(&app, reader, Method::GET, &format!("/posts/{a_id}"), None).await;
        assert_eq!((status, read["title"].as_str()), (StatusCode::OK, Some("A's post")));
        let (status, _) = call(&app, reader, Method::GET, &format!("/posts/{a_id}/revisions"), None).await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = call(&app, reader, Method::POST, &format!("/posts/{a_id}/check"), None).await;
        assert_eq!(status, StatusCode::OK, "checking changes nothing");
        for (method, path, body) in [
            (Method::POST, format!("/clients/{}/posts", alpha.id), Some(three_networks("Mine"))),
            (Method::PUT, format!("/posts/{a_id}"), Some(three_networks("Changed"))),
            (Method::POST, format!("/posts/{a_id}/duplicate"), None),
            (Method::DELETE, format!("/posts/{a_id}"), None),
        ] {
            let (status, problem) = call(&app, reader, method.clone(), &path, body).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {problem}");
        }
    }
    let (_, seen) = call(&app, &client_user, Method::GET, "/posts", None).await;
    assert_eq!(titles(&seen), ["A's post"], "a client user sees only their client's posts");
    let (_, seen) = call(&app, &analyst, Method::GET, "/posts", None).await;
    assert_eq!(titles(&seen), ["B's post", "A's post"]);
    let (status, _) =
        call_with(&app, &read_only, Method::PUT, &format!("/posts/{a_id}"), Some(three_networks("X"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a read-only token writes nothing");

    // An editor of client A: B's posts do not exist for them, whatever they try.
    let (_, seen) = call(&app, &editor_a, Method::GET, "/posts", None).await;
    assert_eq!(titles(&seen), ["A's post"]);
    let (status, _) = call(&app, &editor_a, Method::GET, &format!("/posts?client_id={}", bravo.id), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for (method, path, body) in [
        (Method::GET, format!("/posts/{b_id}"), None),
        (Method::GET, format!("/posts/{b_id}/revisions"), None),
        (Method::POST, format!("/posts/{b_id}/check"), None),
        (Method::PUT, format!("/posts/{b_id}"), Some(three_networks("Taken"))),
        (Method::POST, format!("/posts/{b_id}/duplicate"), Some(json!({"status": "draft"}))),
        (Method::DELETE, format!("/posts/{b_id}"), None),
        (Method::POST, format!("/clients/{}/posts", bravo.id), Some(three_networks("Planted"))),
        (Method::POST, format!("/clients/{}/posts/check", bravo.id), Some(three_networks("Peek"))),
    ] {
        let (status, problem) = call(&app, &editor_a, method.clone(), &path, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {problem}");
        assert!(!problem.to_string().contains("B's post"), "{problem}");
    }
    let (status, mine) =
        call(&app, &editor_a, Method::PUT, &format!("/posts/{a_id}"), Some(three_networks("Edited"))).await;
    assert_eq!(
        (status, mine["title"].as_str()),
        (StatusCode::OK, Some("Edited")),
        "their own client's posts they edit"
    );
    let (_, b_now) = call(&app, &owner, Method::GET, &format!("/posts/{b_id}"), None).await;
    assert_eq!(b_now, b_post, "B's post is untouched");
}

#[tokio::test]
async fn invalid_posts_are_refused_naming_the_field() {
    let app = spawn_app().await;
    let (org, owner) = app.organization("Northwind").await;
    let alpha = app.client(&org, "Alpha").await;
    let bravo = app.client(&org, "Bravo").await;
    let posts = format!("/clients/{}/posts", alpha.id);
    let (_, post) = call(&app, &owner, Method::POST, &posts, Some(three_networks("Fine"))).await;
    let post_path = format!("/posts/{}", post["id"].as_str().unwrap());

    let unknown = json!({"variants": [{"network": "x", "text": "ok"}, {"network": "myspace", "text": "Hi"}]});
    for (method, path) in [(Method::POST, posts.as_str()), (Method::PUT, post_path.as_str())] {
        let (status, problem) = call(&app, &owner, method.clone(), path, Some(unknown.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{method} {path}: {problem}");
        assert_eq!(problem["errors"][0]["field"], "variants[1].network", "{method} {path}: {problem}");
        assert!(problem["errors"][0]["message"].as_str().unwrap().contains("myspace"), "{problem}");
    }

    let twice = json!({"variants": [{"network": "bluesky"}, {"network": "bluesky"}]});
    let (status, problem) = call(&app, &owner, Method::POST, &posts, Some(twice)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "variants[1].network");
    let bad_link = json!({"variants": [{"network": "linkedin", "link": "example dot com"}]});
    let (_, problem) = call(&app, &owner, Method::PUT, &post_path, Some(bad_link)).await;
    assert_eq!(problem["errors"][0]["field"], "variants[0].link");
    let (status, _) = call(&app, &owner, Method::PUT, &post_path, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a save without a body would empty the post");
    let bad_revision = json!({"title": "x", "revision": "latest"});
    let (status, problem) = call(&app, &owner, Method::PUT, &post_path, Some(bad_revision)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "revision", "{problem}");
    let bad_status = json!({"status": "published"});
    let (_, problem) = call(&app, &owner, Method::POST, &format!("{post_path}/duplicate"), Some(bad_status)).await;
    assert_eq!(problem["errors"][0]["field"], "status", "{problem}");

    // A pillar of another client is a mistake in the post, not a missing page.
    let other_pillar = app
        .api(Method::POST, &format!("/clients/{}/pillars", bravo.id), &owner.token)
        .json(&json!({"name": "Bravo's", "colour": "#000000"}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let mut with_pillar = three_networks("Pillar");
    with_pillar["pillar_id"] = other_pillar["id"].clone();
    let (status, problem) = call(&app, &owner, Method::POST, &posts, Some(with_pillar.clone())).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "pillar_id");
    let (status, _) = call(&app, &owner, Method::PUT, &post_path, Some(with_pillar)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, problem) = call(&app, &owner, Method::GET, "/posts/not-an-id", None).await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("post_id")));

    let (_, history) = call(&app, &owner, Method::GET, &format!("{post_path}/revisions"), None).await;
    assert_eq!(history.as_array().unwrap().len(), 1, "nothing refused was saved");
    let (_, all) = call(&app, &owner, Method::GET, "/posts", None).await;
    assert_eq!(titles(&all), ["Fine"]);
}

#[tokio::test]
async fn the_check_tells_what_each_network_and_the_brand_voice_make_of_a_post() {
    let app = spawn_app().await;
    let (org, owner) = app.organization("Northwind").await;
    let alpha = app.client(&org, "Alpha").await;
    let client_user = app.person(&org, "cu@alpha.example", Role::Client, only(&[alpha.id])).await;
    let voice = json!({"banned_words": ["cheap"], "required_disclosures": ["#ad"]});
    let (status, _) = call(&app, &owner, Method::PUT, &format!("/clients/{}/brand-voice", alpha.id), Some(voice)).await;
    assert_eq!(status, StatusCode::OK);

    let long_x = format!("Our new roast is here. {}", "Plum, cocoa and a long finish. ".repeat(10));
    let draft = json!({
        "sponsored": true,
        "base_text": "A cheap base text",
        "variants": [
            {"network": "x", "text": long_x, "thread": ["And it is #ad"]},
            {"network": "instagram", "text": "Get it at https://example.com/roast #ad"},
            {"network": "bluesky", "text": "Not CHEAP, just good. #ad"},
            {"network": "threads", "text": "New roast out now"}
        ]
    });
    let (status, post) =
        call(&app, &owner, Method::POST, &format!("/clients/{}/posts", alpha.id), Some(draft.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{post}");
    let (status, checked) =
        call(&app, &client_user, Method::POST, &format!("/posts/{}/check", post["id"].as_str().unwrap()), None).await;
    assert_eq!(status, StatusCode::OK, "{checked}");

    let x = &checked["variants"][0];
    assert_eq!(x["network"], "x");
    assert_eq!(x["counts"][0]["field"], "text");
    assert_eq!(x["counts"][0]["limit"], 280);
    assert_eq!(x["counts"][0]["unit"], "weighted");
    assert_eq!(x["counts"][0]["over"], true);
    assert_eq!(x["counts"][0]["used"].as_u64(), Some(long_x.chars().count() as u64), "plain Latin weighs 1");
    assert_eq!(x["counts"][1]["field"], "thread[0]");
    assert_eq!(x["issues"][0]["severity"], "error");
    assert_eq!(x["issues"][0]["code"], "too_long");
    assert_eq!(x["issues"][0]["field"], "text");
    assert!(x["issues"][0]["message"].as_str().unwrap().contains("too many"), "{x}");
    assert_eq!(x["voice"], json!([]), "the disclosure in the thread counts");

    let instagram = &checked["variants"][1];
    assert_eq!(instagram["issues"][0]["severity"], "warning");
    assert_eq!(instagram["issues"][0]["code"], "links_not_clickable");
    assert_eq!(instagram["counts"][0]["limit"], 2200);

    let bluesky = &checked["variants"][2];
    assert_eq!(bluesky["issues"], json!([]));
    assert_eq!(bluesky["voice"][0]["code"], "banned_word");
    assert_eq!(bluesky["voice"][0]["field"], "text");
    assert_eq!((bluesky["voice"][0]["start"].as_u64(), bluesky["voice"][0]["end"].as_u64()), (Some(4), Some(9)));
    let threads = &checked["variants"][3];
    assert_eq!(threads["voice"][0]["code"], "missing_disclosure", "a sponsored post needs its disclosure");
    assert_eq!(checked["base_text"][0]["code"], "banned_word");
    assert!(
        instagram["issues"].as_array().unwrap().iter().any(|i| i["field"] == "media" && i["code"] == "required"),
        "an Instagram post needs an image or video: {instagram}"
    );
    assert_eq!(checked["errors"], 2, "X is too long; Instagram has no image");
    assert_eq!(checked["warnings"], 4, "the link, two banned words and a missing disclosure");
    assert_eq!(checked["problems"], json!([]));

    // The same check for text not saved yet; what would keep it from being saved is listed, not refused.
    let mut unsaved = draft;
    unsaved["variants"][3]["link"] = json!("not a link");
    let (status, checked_unsaved) =
        call(&app, &owner, Method::POST, &format!("/clients/{}/posts/check", alpha.id), Some(unsaved)).await;
    assert_eq!(status, StatusCode::OK, "{checked_unsaved}");
    assert_eq!(checked_unsaved["variants"], checked["variants"]);
    assert_eq!(checked_unsaved["problems"][0]["field"], "variants[3].link");
    let (status, problem) = call(
        &app,
        &owner,
        Method::POST,
        &format!("/clients/{}/posts/check", alpha.id),
        Some(json!({"variants": [{"network": "friendster"}]})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "variants[0].network");
}

/// Puts an image into the client's library; returns the asset's id.
async fn upload_image(app: &TestApp, who: &TestPerson, client: ClientId, name: &str, bytes: Vec<u8>) -> String {
    let response = app.upload(&who.token, client, name, bytes).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string()
}

/// Files from the client's library ride on each variant, cropped per network, checked by the network's media
/// rules, listed as used by the post, and kept from being deleted while a post carries them.
async fn media_rides_on_variants(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let (org, owner) = app.organization("Northwind").await;
    let alpha = app.client(&org, "Alpha").await;
    let beta = app.client(&org, "Beta").await;
    let panorama = upload_image(&app, &owner, alpha.id, "terrace.jpg", chorus_testkit::images::jpeg(1500, 500)).await;
    let square = upload_image(&app, &owner, alpha.id, "cup.jpg", chorus_testkit::images::jpeg(1080, 1080)).await;
    let theirs = upload_image(&app, &owner, beta.id, "theirs.png", chorus_testkit::images::png(200, 200)).await;
    let draft = |crop: Value| {
        json!({"title": "Terrace", "variants": [
            {"network": "instagram", "text": "Open", "media": [{"asset_id": panorama, "crop": crop, "alt_text": "The terrace"}]},
            {"network": "x", "text": "Open", "media": [{"asset_id": panorama}, {"asset_id": square}]},
        ]})
    };
    let posts = format!("/clients/{}/posts", alpha.id);
    let (status, post) = call(&app, &owner, Method::POST, &posts, Some(draft(Value::Null))).await;
    assert_eq!(status, StatusCode::CREATED, "{post}");
    let id = post["id"].as_str().unwrap().to_string();
    assert_eq!(post["variants"][0]["media"], json!([{"asset_id": panorama, "alt_text": "The terrace", "crop": null}]));
    assert_eq!(post["variants"][1]["media"][1]["asset_id"], square.as_str());

    let (_, checked) = call(&app, &owner, Method::POST, &format!("/posts/{id}/check"), None).await;
    let instagram = checked["variants"][0]["issues"].as_array().unwrap();
    let aspect = instagram.iter().find(|i| i["code"] == "aspect_out_of_range").expect("3:1 is too wide for Instagram");
    assert_eq!((aspect["field"].as_str(), aspect["severity"].as_str()), (Some("media[0]"), Some("error")));
    assert!(aspect["message"].as_str().unwrap().contains("crop"), "the message says what to do: {aspect}");

    // Cropped to 4:5 for Instagram, the same file fits; X keeps it whole.
    let (status, saved) = call(&app, &owner, Method::PUT, &format!("/posts/{id}"), Some(draft(json!("4:5")))).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["variants"][0]["media"][0]["crop"], "4:5");
    let (_, checked) = call(&app, &owner, Method::POST, &format!("/posts/{id}/check"), None).await;
    assert_eq!(checked["errors"], 0, "{checked}");
    // X publishes alt text; the cup has none, here or in the library, so X warns. Instagram's is given.
    let x_issues = checked["variants"][1]["issues"].as_array().unwrap();
    let codes: Vec<(&str, &str)> =
        x_issues.iter().map(|i| (i["field"].as_str().unwrap(), i["code"].as_str().unwrap())).collect();
    assert!(codes.contains(&("media[0]", "missing_alt_text")) && codes.contains(&("media[1]", "missing_alt_text")));
    assert!(!checked["variants"][0]["issues"].as_array().unwrap().iter().any(|i| i["code"] == "missing_alt_text"));

    // A file of another client, or no file at all, is refused naming the variants; nothing changes.
    let mut foreign = draft(Value::Null);
    foreign["variants"][1]["media"][0]["asset_id"] = json!(theirs);
    let (status, problem) = call(&app, &owner, Method::PUT, &format!("/posts/{id}"), Some(foreign)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "variants[1].media[0]");
    let (_, unchanged) = call(&app, &owner, Method::GET, &format!("/posts/{id}"), None).await;
    assert_eq!(unchanged["variants"][0]["media"][0]["crop"], "4:5");
    let (status, problem) = call(
        &app,
        &owner,
        Method::POST,
        &posts,
        Some(json!({"variants": [
            {"network": "x", "media": [{"asset_id": "not-an-id"}]}
        ]})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");

    // The library knows who uses a file, and will not delete it from under a post.
    let (status, problem) = call(&app, &owner, Method::DELETE, &format!("/assets/{square}"), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert!(problem["detail"].as_str().unwrap_or_default().contains("Terrace"), "{problem}");
    let (status, _) = call(&app, &owner, Method::DELETE, &format!("/posts/{id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(&app, &owner, Method::DELETE, &format!("/assets/{square}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn media_rides_on_variants_on_sqlite() {
    media_rides_on_variants(Backend::Sqlite).await;
}

#[tokio::test]
async fn media_rides_on_variants_on_postgres() {
    media_rides_on_variants(Backend::Postgres).await;
}
