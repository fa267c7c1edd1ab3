//! The media library's pages over plain HTTP, as a browser without JavaScript uses them: uploading several files
//! through the form, the grid and its filters, an asset's page and its form.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot set up should stop loudly

use chorus_domain::{AssetId, ClientAccess, Role};
use chorus_testkit::app::{only, spawn_app};
use chorus_testkit::forms::Multipart;
use chorus_testkit::images::png;
use reqwest::{StatusCode, header};

#[tokio::test]
async fn files_uploaded_through_the_form_appear_on_the_grid_and_bad_ones_are_named() {
    let app = spawn_app().await;
    let (org, owner) = app.organization("Northwind").await;
    let alpha = app.client(&org, "Alpha").await;
    app.person_with_password(&org, "eddie@northwind.example", Role::Editor, only(&[alpha.id])).await;
    let http = app.signed_in("eddie@northwind.example").await;
    let library = format!("/clients/{}/media", alpha.id);

    let (status, html) = app.page(&http, &library).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("aria-current=\"page\">Media</a>"), "the Media tab is the current one");
    assert!(html.contains("No images or videos yet."));
    let csrf = app.csrf_token(&http, &library).await;

    let upload = |fields: Vec<(&'static str, String)>, files: Vec<(&'static str, Vec<u8>)>| {
        // As a browser sends the upload form: text fields first, then the files.
        let mut form = Multipart::new();
        for (name, value) in &fields {
            form = form.text(name, value);
        }
        for (filename, bytes) in &files {
            form = form.file("files", filename, "image/png", bytes);
        }
        http.post(app.url(&format!("{library}/upload")))
            .header(header::CONTENT_TYPE, form.content_type())
            .body(form.into_body())
            .send()
    };

    // One good file, one that is no image: the good one is kept, the other named with its reason.
    let response = upload(
        vec![("csrf_token", csrf.clone()), ("folder", "Campaigns/ Spring".into())],
        vec![("hero.png", png(4, 3)), ("notes.png", b"plain text, not a picture".to_vec())],
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("1 of 2 files uploaded."), "{html}");
    assert!(html.contains("<strong>notes.png</strong>") && html.contains("not uploaded:"), "the bad file is named");
    let listed = app.store.list_assets(org.id, alpha.id, &Default::default(), &Default::default()).await.unwrap();
    assert_eq!(listed.items.len(), 1);
    let hero = &listed.items[0];
    assert_eq!((hero.filename.as_str(), hero.folder.as_str()), ("hero.png", "Campaigns/Spring"));

    // All good: back to the library, in the folder they went to.
    let response =
        upload(vec![("csrf_token", csrf.clone())], vec![("a.png", png(2, 2)), ("b.png", png(3, 3))]).await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()[header::LOCATION].to_str().unwrap().to_string();
    assert_eq!(location, format!("{library}?notice=uploaded"));
    let (_, html) = app.page(&http, &location).await;
    assert!(html.contains("Uploaded."));
    for name in ["hero.png", "a.png", "b.png"] {
        assert!(html.contains(&format!(">{name}</a>")), "{name} is on the grid");
    }
    assert!(html.contains(&format!("/api/v1/assets/{}/thumbnail", hero.id)), "with its thumbnail");
    assert!(html.contains("4 × 3"), "and its pixels");

    // A forged post, without the token this browser holds, stores nothing.
    let response = upload(vec![("csrf_token", "forged".repeat(8))], vec![("evil.png", png(2, 2))]).await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let count = app.store.list_assets(org.id, alpha.id, &Default::default(), &Default::default()).await.unwrap();
    assert_eq!(count.items.len(), 3);

    // The filters are links: a folder shows what is in it, the search what matches.
    let (_, html) = app.page(&http, &format!("{library}?folder=Campaigns")).await;
    assert!(html.contains(">hero.png</a>") && !html.contains(">a.png</a>"), "the folder filter");
    let (_, html) = app.page(&http, &format!("{library}?q=B.PNG")).await;
    assert!(html.contains(">b.png</a>") && !html.contains(">hero.png</a>"), "the search");

    // The asset's page: its facts, and a form that saves or names what is wrong.
    let asset_page = format!("{library}/{}", hero.id);
    let (status, html) = app.page(&http, &asset_page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&hero.sha256) && html.contains("image/png"), "the facts");
    assert!(html.contains("aspect=4%3A5"), "a preview of the 4:5 rendition");
    assert!(html.contains("smaller than the 1080 networks recommend"), "a small picture says it will not be enlarged");
    let previews: Vec<String> = html
        .split("<img src=\"")
        .skip(1)
        .filter_map(|rest| rest.split_once('"').map(|(src, _)| src.replace("&amp;", "&")))
        .filter(|src| src.contains("/rendition?"))
        .collect();
    assert_eq!(previews.len(), 6, "the six standard shapes");
    for src in &previews {
        let response = http.get(app.url(src)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{src}");
    }
    let thumbnail = http.get(app.url(&format!("/api/v1/assets/{}/thumbnail", hero.id))).send().await.unwrap();
    assert_eq!(thumbnail.status(), StatusCode::OK, "the grid's pictures load with the browser's session");
    let token = app.csrf_token(&http, &asset_page).await;
    let save = |fields: Vec<(&'static str, &'static str)>| {
        let mut form = vec![("csrf_token", token.clone())];
        form.extend(fields.into_iter().map(|(k, v)| (k, v.to_string())));
        http.post(app.url(&asset_page)).form(&form).send()
    };
    let response = save(vec![
        ("alt_text", "A hero shot"),
        ("filename", "hero.png"),
        ("folder", "Campaigns"),
        ("tags", "Spring, launch, spring"),
        ("focal_point.x", "250"),
        ("focal_point.y", "1200"),
    ])
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("id=\"focal_point.y-error\""), "the error beside the field");
    assert!(html.contains("value=\"Spring, launch, spring\""), "what was typed is kept");
    let response = save(vec![
        ("alt_text", "A hero shot"),
        ("filename", "hero.png"),
        ("folder", "Campaigns"),
        ("tags", "Spring, launch, spring"),
        ("focal_point.x", "250"),
        ("focal_point.y", "800"),
    ])
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.page(&http, response.headers()[header::LOCATION].to_str().unwrap()).await;
    assert!(html.contains("Changes saved."));
    let saved = app.store.asset(org.id, hero.id).await.unwrap();
    assert_eq!(saved.tags, ["spring", "launch"]);
    assert_eq!((saved.focal_point.x, saved.focal_point.y), (250, 800));

    let (_, html) = app.page(&http, &format!("{library}?tag=launch")).await;
    assert!(html.contains(">hero.png</a>") && !html.contains(">b.png</a>"), "the tag chip filter");

    // Bulk: tick two and move them.
    let ids: Vec<AssetId> = count.items.iter().filter(|a| a.id != hero.id).map(|a| a.id).collect();
    let token = app.csrf_token(&http, &library).await;
    let mut form = vec![("csrf_token", token.clone()), ("action", "move".to_string()), ("folder", "Misc".into())];
    form.extend(ids.iter().map(|id| ("asset", id.to_string())));
    let response = http.post(app.url(&format!("{library}/bulk"))).form(&form).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    for id in &ids {
        assert_eq!(app.store.asset(org.id, *id).await.unwrap().folder, "Misc");
    }

    // And the folder they went to is renamed from its own view.
    let (_, html) = app.page(&http, &format!("{library}?folder=Misc")).await;
    assert!(html.contains("Rename or move this folder"));
    let form = [("csrf_token", token.as_str()), ("from", "Misc"), ("to", "Archive / Misc")];
    let response = http.post(app.url(&format!("{library}/rename-folder"))).form(&form).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    for id in &ids {
        assert_eq!(app.store.asset(org.id, *id).await.unwrap().folder, "Archive/Misc");
    }
    let form = [("csrf_token", token.as_str()), ("from", "Archive"), ("to", "a//b")];
    let response = http.post(app.url(&format!("{library}/rename-folder"))).form(&form).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("id=\"to-error\""), "the error beside the new path");

    // Another client's asset is not found under this client, and analysts see no upload form.
    let bravo = app.client(&org, "Bravo").await;
    let (status, _) = app.page(&http, &format!("/clients/{}/media/{}", bravo.id, hero.id)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.person_with_password(&org, "ana@northwind.example", Role::Analyst, ClientAccess::All).await;
    let analyst = app.signed_in("ana@northwind.example").await;
    let (status, html) = app.page(&analyst, &library).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(">hero.png</a>") && !html.contains("enctype=\"multipart/form-data\""));

    // A post that carries an asset is named on its page, and keeps the asset from being deleted.
    let used = ids[0];
    let post = serde_json::json!({
        "title": "Spring teaser",
        "variants": [{"network": "instagram", "text": "Soon", "media": [{"asset_id": used}]}],
    });
    let created = app
        .api(reqwest::Method::POST, &format!("/clients/{}/posts", alpha.id), &owner.token)
        .json(&post)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let used_page = format!("{library}/{used}");
    let (_, html) = app.page(&http, &used_page).await;
    assert!(html.contains(">Spring teaser</a>"), "Used by names the post");
    let token = app.csrf_token(&http, &used_page).await;
    let response =
        http.post(app.url(&format!("{used_page}/delete"))).form(&[("csrf_token", token)]).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert!(response.text().await.unwrap().contains("Spring teaser"), "the refusal says which post");
    assert!(app.store.asset(org.id, used).await.is_ok());

    // Deleting from the asset's page.
    let token = app.csrf_token(&http, &asset_page).await;
    let response =
        http.post(app.url(&format!("{asset_page}/delete"))).form(&[("csrf_token", token)]).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(app.store.asset(org.id, hero.id).await.is_err());
}
