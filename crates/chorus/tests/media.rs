//! A client's media library through the API: uploads believed only as far as their bytes go, downloads,
//! alt text, deletion, and who may do what.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot set up should stop loudly

use chorus_domain::{AssetId, ClientId, Role};
use chorus_store::{BlobKey, StoreError};
use chorus_testkit::app::{Backend, TestApp, TestPerson, only, spawn_app, spawn_app_on, spawn_app_with};
use chorus_testkit::images::{jpeg, png, png_claiming};
use chorus_web::WebConfig;
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

// ---- helpers ---------------------------------------------------------------------------------------------

/// Uploads with a `Content-Type` that claims PNG whatever the bytes are: the claim is ignored, the bytes decide.
/// Returns the status and what came back, `null` when it was not JSON.
async fn upload(
    app: &TestApp,
    who: &TestPerson,
    client: ClientId,
    filename: &str,
    bytes: Vec<u8>,
) -> (StatusCode, Value) {
    let response = app
        .upload_request(&who.token, client, filename)
        .header(header::CONTENT_TYPE, "image/png")
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn id_of(asset: &Value) -> AssetId {
    asset["id"].as_str().unwrap().parse().unwrap()
}

async fn status_of(app: &TestApp, who: &TestPerson, method: Method, path: &str) -> StatusCode {
    app.api(method, path, &who.token).json(&json!({"alt_text": "changed"})).send().await.unwrap().status()
}

// ---- tests -----------------------------------------------------------------------------------------------

#[tokio::test]
async fn images_are_uploaded_described_and_downloaded_as_they_are() {
    let app = spawn_app().await;
    let (org, owner) = app.organization("Northwind").await;
    let client = app.client(&org, "Alpha").await;

    let logo = png(3, 2);
    let (status, asset) = upload(&app, &owner, client.id, "logo.png", logo.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{asset}");
    assert_eq!(asset["kind"], "image");
    assert_eq!(asset["media_type"], "image/png");
    assert_eq!((asset["width"].clone(), asset["height"].clone()), (json!(3), json!(2)));
    assert_eq!(asset["size_bytes"], logo.len());
    assert_eq!(asset["filename"], "logo.png");
    assert_eq!(asset["alt_text"], "");
    assert_eq!(asset["client_id"], client.id.to_string());
    assert_eq!(asset["created_by"], owner.person.id.to_string());
    let sha = asset["sha256"].as_str().unwrap();
    assert!(sha.len() == 64 && sha.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()), "{sha}");

    let id = id_of(&asset);
    let read = app.api(Method::GET, &format!("/assets/{id}"), &owner.token).send().await.unwrap();
    assert_eq!(read.json::<Value>().await.unwrap(), asset);

    let file = app.api(Method::GET, &format!("/assets/{id}/file"), &owner.token).send().await.unwrap();
    assert_eq!(file.status(), StatusCode::OK);
    assert_eq!(file.headers()[header::CONTENT_TYPE], "image/png");
    assert_eq!(file.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    let disposition = file.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().to_string();
    assert!(disposition.starts_with("inline; filename=\"logo.png\""), "{disposition}");
    assert_eq!(file.bytes().await.unwrap().as_ref(), logo.as_slice(), "the bytes come back unchanged");

    let photo = jpeg(640, 480);
    let (status, jpg) = upload(&app, &owner, client.id, "holiday/photo.jpg", photo.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{jpg}");
    assert_eq!((jpg["media_type"].as_str(), jpg["filename"].as_str()), (Some("image/jpeg"), Some("photo.jpg")));
    assert_eq!((jpg["width"].clone(), jpg["height"].clone()), (json!(640), json!(480)));
    let file = app.api(Method::GET, &format!("/assets/{}/file", id_of(&jpg)), &owner.token).send().await.unwrap();
    assert_eq!(file.headers()[header::CONTENT_TYPE], "image/jpeg");
    assert_eq!(file.bytes().await.unwrap().as_ref(), photo.as_slice());

    let listed: Value = app
        .api(Method::GET, &format!("/clients/{}/assets", client.id), &owner.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"], json!([jpg, asset]), "newest first");
    assert_eq!(listed["next_cursor"], Value::Null);
}

#[tokio::test]
async fn the_type_comes_from_the_bytes_not_the_name() {
    let app = spawn_app().await;
    let (org, owner) = app.organization("Northwind").await;
    let client = app.client(&org, "Alpha").await;

    let (status, asset) = upload(&app, &owner, client.id, "photo.png", jpeg(10, 20)).await;
    assert_eq!(status, StatusCode::CREATED, "{asset}");
    assert_eq!(asset["media_type"], "image/jpeg");
    assert_eq!(asset["filename"], "photo.jpg", "the lying extension is corrected");

    let (status, problem) = upload(&app, &owner, client.id, "notes.jpg", b"just some text, honest".to_vec()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{problem}");
    assert_eq!(problem["type"], "urn:chorus:problem:unsupported-media-type");
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("is not an image or video Chorus can publish"), "{detail}");
    let pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n".to_vec();
    let (status, problem) = upload(&app, &owner, client.id, "flyer.png", pdf).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{problem}");

    let (status, problem) = upload(&app, &owner, client.id, "bomb.png", png_claiming(20_000, 20_000)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "file");
    assert!(problem["detail"].as_str().unwrap().contains("20000×20000"), "{problem}");

    let (status, problem) = upload(&app, &owner, client.id, "empty.png", Vec::new()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("empty"), "{problem}");

    let (status, problem) = upload(&app, &owner, client.id, "cut.png", png(4, 4)[..20].to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a header cut short: {problem}");

    let listed = app.store.list_assets(org.id, client.id, &Default::default(), &Default::default()).await.unwrap();
    assert_eq!(listed.items.len(), 1, "only the honest JPEG was kept");
}

#[tokio::test]
async fn uploads_larger_than_the_limit_are_refused() {
    let config = WebConfig { max_upload_bytes: 64 * 1024, ..WebConfig::default() };
    let app = spawn_app_with(Backend::Sqlite, config).await;
    let (org, owner) = app.organization("Northwind").await;
    let client = app.client(&org, "Alpha").await;

    let mut big = png(2, 2);
    big.resize(64 * 1024 + 1, 0);
    let (status, problem) = upload(&app, &owner, client.id, "big.png", big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{problem}");
    assert_eq!(problem["type"], "urn:chorus:problem:too-large");
    assert!(problem["detail"].as_str().unwrap().contains("65536 bytes"), "{problem}");

    let mut fits = png(2, 2);
    fits.resize(64 * 1024, 0);
    let (status, asset) = upload(&app, &owner, client.id, "fits.png", fits).await;
    assert_eq!(status, StatusCode::CREATED, "{asset}");
    assert_eq!(asset["size_bytes"], 64 * 1024);
}

#[tokio::test]
async fn alt_text_and_names_change_and_deleting_removes_the_file() {
    let app = spawn_app().await;
    let (org, owner) = app.organization("Northwind").await;
    let client = app.client(&org, "Alpha").await;
    let (_, asset) = upload(&app, &owner, client.id, "cup.png", png(2, 2)).await;
    let id = id_of(&asset);
    let path = format!("/assets/{id}");
    let patch = |body: Value| app.api(Method::PATCH, &path, &owner.token).json(&body).send();

    let changed: Value = patch(json!({"alt_text": "  A blue cup on a desk  "})).await.unwrap().json().await.unwrap();
    assert_eq!(changed["alt_text"], "A blue cup on a desk");
    assert_eq!(changed["filename"], "cup.png", "left out, left alone");
    let renamed: Value = patch(json!({"filename": "../Blue Cup.gif"})).await.unwrap().json().await.unwrap();
    assert_eq!(renamed["filename"], "Blue Cup.png", "the path goes, the extension follows the type");
    assert_eq!(renamed["alt_text"], "A blue cup on a desk");

    let too_long = patch(json!({"alt_text": "a".repeat(1501)})).await.unwrap();
    assert_eq!(too_long.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = too_long.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "alt_text");
    assert_eq!(patch(json!({"alt_text": "a".repeat(1500)})).await.unwrap().status(), StatusCode::OK);

    let key = BlobKey::asset(client.id, id);
    assert!(app.state.blobs.get(&key).await.is_ok());
    let on_disk = app.media_dir.path().join("media").join(client.id.to_string()).join(id.to_string());
    assert!(on_disk.is_file(), "kept under <data dir>/media/<client>/<asset>");

    assert_eq!(status_of(&app, &owner, Method::DELETE, &path).await, StatusCode::NO_CONTENT);
    assert_eq!(status_of(&app, &owner, Method::GET, &path).await, StatusCode::NOT_FOUND);
    assert_eq!(status_of(&app, &owner, Method::GET, &format!("{path}/file")).await, StatusCode::NOT_FOUND);
    assert_eq!(status_of(&app, &owner, Method::DELETE, &path).await, StatusCode::NOT_FOUND);
    assert!(matches!(app.state.blobs.get(&key).await, Err(StoreError::NotFound(_))), "the bytes are gone");
    assert!(!on_disk.exists());
}

#[tokio::test]
async fn analysts_look_and_other_clients_media_is_out_of_reach() {
    let app = spawn_app().await;
    let (org, owner) = app.organization("Northwind").await;
    let alpha = app.client(&org, "Alpha").await;
    let bravo = app.client(&org, "Bravo").await;
    let (_, a_asset) = upload(&app, &owner, alpha.id, "a.png", png(2, 2)).await;
    let (_, b_asset) = upload(&app, &owner, bravo.id, "b.png", png(2, 2)).await;
    let (a_id, b_id) = (id_of(&a_asset), id_of(&b_asset));

    let analyst = app.person(&org, "ana@northwind.example", Role::Analyst, only(&[alpha.id])).await;
    let (status, problem) = upload(&app, &analyst, alpha.id, "mine.png", png(2, 2)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    assert_eq!(status_of(&app, &analyst, Method::GET, &format!("/assets/{a_id}")).await, StatusCode::OK);
    assert_eq!(status_of(&app, &analyst, Method::GET, &format!("/assets/{a_id}/file")).await, StatusCode::OK);
    assert_eq!(status_of(&app, &analyst, Method::PATCH, &format!("/assets/{a_id}")).await, StatusCode::FORBIDDEN);
    assert_eq!(status_of(&app, &analyst, Method::DELETE, &format!("/assets/{a_id}")).await, StatusCode::FORBIDDEN);

    let editor = app.person(&org, "ed@northwind.example", Role::Editor, only(&[alpha.id])).await;
    let (status, _) = upload(&app, &editor, alpha.id, "ok.png", png(2, 2)).await;
    assert_eq!(status, StatusCode::CREATED, "editors upload to their clients");
    let (status, _) = upload(&app, &editor, bravo.id, "theirs.png", png(2, 2)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for (method, path) in [
        (Method::GET, format!("/clients/{}/assets", bravo.id)),
        (Method::GET, format!("/assets/{b_id}")),
        (Method::GET, format!("/assets/{b_id}/file")),
        (Method::PATCH, format!("/assets/{b_id}")),
        (Method::DELETE, format!("/assets/{b_id}")),
    ] {
        assert_eq!(status_of(&app, &editor, method.clone(), &path).await, StatusCode::NOT_FOUND, "{method} {path}");
    }
    let b_now = app.store.asset(org.id, b_id).await.unwrap();
    assert_eq!(b_now.alt_text, "", "B's asset is unchanged");
    assert!(app.state.blobs.get(&BlobKey::asset(bravo.id, b_id)).await.is_ok(), "and its file is still there");
    assert_eq!(
        app.store.list_assets(org.id, bravo.id, &Default::default(), &Default::default()).await.unwrap().items.len(),
        1
    );
}

// ---- the library: folders, tags, search, focal points, renditions ----------------------------------------

/// Width and height from a PNG's header.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    let word = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (word(16), word(20))
}

async fn patch(app: &TestApp, who: &TestPerson, id: AssetId, body: Value) -> (StatusCode, Value) {
    let response = app.api(Method::PATCH, &format!("/assets/{id}"), &who.token).json(&body).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn get_json(app: &TestApp, who: &TestPerson, path: &str) -> (StatusCode, Value) {
    let response = app.api(Method::GET, path, &who.token).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn names(listing: &Value) -> Vec<String> {
    listing["items"].as_array().unwrap().iter().map(|a| a["filename"].as_str().unwrap().to_string()).collect()
}

fn fields_of(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|e| e.iter().map(|e| e["field"].as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

async fn library_is_filtered_by_search_folder_tag_and_kind(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let (org, owner) = app.organization("Northwind").await;
    let client = app.client(&org, "Alpha").await;
    let (_, hero) = upload(&app, &owner, client.id, "Spring hero.png", png(4, 2)).await;
    let (_, cup) = upload(&app, &owner, client.id, "cup.jpg", jpeg(10, 10)).await;
    upload(&app, &owner, client.id, "loose.png", png(2, 2)).await;
    let (status, hero) = patch(&app, &owner, id_of(&hero), json!({
        "folder": " Campaigns / Spring 2027 ", "tags": ["#Launch", "Hero Shot", "launch"], "alt_text": "Café terrace"
    })).await;
    assert_eq!(status, StatusCode::OK, "{hero}");
    assert_eq!(hero["folder"], "Campaigns/Spring 2027");
    assert_eq!(hero["tags"], json!(["launch", "hero shot"]), "normalized and deduplicated");
    let (status, _) = patch(&app, &owner, id_of(&cup), json!({"folder": "Campaigns", "tags": ["product"]})).await;
    assert_eq!(status, StatusCode::OK);

    let list = |query: &str| {
        let path = format!("/clients/{}/assets?{query}", client.id);
        let (app, owner) = (&app, &owner);
        async move { get_json(app, owner, &path).await }
    };
    assert_eq!(names(&list("").await.1), ["loose.png", "cup.jpg", "Spring hero.png"]);
    assert_eq!(names(&list("q=CAF%C3%89").await.1), ["Spring hero.png"], "alt text, any case");
    assert_eq!(names(&list("q=hero%20shot").await.1), ["Spring hero.png"], "a tag");
    assert_eq!(names(&list("folder=Campaigns").await.1), ["cup.jpg", "Spring hero.png"], "with the folders inside");
    assert_eq!(names(&list("folder=Campaigns%2FSpring%202027").await.1), ["Spring hero.png"]);
    assert_eq!(names(&list("folder=%2F").await.1), ["loose.png"], "/ is the top level alone");
    assert_eq!(names(&list("tag=LAUNCH").await.1), ["Spring hero.png"], "tags are matched as they are kept");
    assert_eq!(names(&list("kind=image&tag=product").await.1), ["cup.jpg"]);
    assert!(names(&list("kind=video").await.1).is_empty());
    let (status, problem) = list("kind=audio&folder=a%2F%2Fb").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(fields_of(&problem), ["folder", "kind"]);
    let (_, page) = list("limit=1&folder=Campaigns").await;
    let cursor = page["next_cursor"].as_str().unwrap().to_string();
    let (_, next) = list(&format!("limit=1&folder=Campaigns&cursor={cursor}")).await;
    assert_eq!(names(&next), ["Spring hero.png"], "the filters hold across pages");

    let (status, folders) = get_json(&app, &owner, &format!("/clients/{}/asset-folders", client.id)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        folders,
        json!([
            {"folder": "", "assets": 1},
            {"folder": "Campaigns", "assets": 1},
            {"folder": "Campaigns/Spring 2027", "assets": 1}
        ])
    );
    let (_, tags) = get_json(&app, &owner, &format!("/clients/{}/asset-tags", client.id)).await;
    assert_eq!(
        tags,
        json!([{"tag": "hero shot", "assets": 1}, {"tag": "launch", "assets": 1}, {"tag": "product", "assets": 1}])
    );
}

#[tokio::test]
async fn the_library_is_filtered_by_search_folder_tag_and_kind_on_sqlite() {
    library_is_filtered_by_search_folder_tag_and_kind(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_library_is_filtered_by_search_folder_tag_and_kind_on_postgres() {
    library_is_filtered_by_search_folder_tag_and_kind(Backend::Postgres).await;
}

#[tokio::test]
async fn bad_folders_tags_and_focal_points_are_refused_by_name() {
    let app = spawn_app().await;
    let (org, owner) = app.organization("Northwind").await;
    let client = app.client(&org, "Alpha").await;
    let (_, asset) = upload(&app, &owner, client.id, "cup.png", png(2, 2)).await;
    let id = id_of(&asset);

    let many: Vec<String> = (0..21).map(|n| format!("tag {n}")).collect();
    for (body, field) in [
        (json!({"focal_point": {"x": 1001, "y": 500}}), "focal_point.x"),
        (json!({"focal_point": {"x": 0, "y": 5000}}), "focal_point.y"),
        (json!({"tags": many}), "tags"),
        (json!({"tags": ["a,b"]}), "tags"),
        (json!({"tags": ["x".repeat(41)]}), "tags"),
        (json!({"folder": "a//b"}), "folder"),
        (json!({"folder": "a/b/c/d/e/f"}), "folder"),
        (json!({"folder": "n".repeat(61)}), "folder"),
    ] {
        let (status, problem) = patch(&app, &owner, id, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {problem}");
        assert_eq!(fields_of(&problem), [field], "{body}");
    }
    let (status, problem) =
        patch(&app, &owner, id, json!({"folder": "a//b", "focal_point": {"x": 2000, "y": 0}})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields_of(&problem), ["folder", "focal_point.x"], "every problem at once");
    let (status, problem) = patch(&app, &owner, id, json!({"focal_point": {"x": -1, "y": 0}})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(app.store.asset(org.id, id).await.unwrap().focal_point, chorus_domain::FocalPoint::CENTRE, "unchanged");

    let twenty: Vec<String> = (0..20).map(|n| format!("tag {n}")).collect();
    let (status, saved) = patch(&app, &owner, id, json!({"tags": twenty, "focal_point": {"x": 1000, "y": 0}})).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["focal_point"], json!({"x": 1000, "y": 0}));
    assert_eq!(saved["tags"].as_array().unwrap().len(), 20);
}

async fn renditions_are_cut_to_the_aspect_asked_for(backend: Backend) {
    let app = spawn_app_on(backend).await;
    let (org, owner) = app.organization("Northwind").await;
    let client = app.client(&org, "Alpha").await;
    let (_, asset) = upload(&app, &owner, client.id, "wide.png", png(200, 100)).await;
    let id = id_of(&asset);
    let rendition = |query: &str| app.api(Method::GET, &format!("/assets/{id}/rendition?{query}"), &owner.token).send();

    for (query, size) in [
        ("aspect=1:1", (100, 100)),
        ("aspect=4:5&fit=crop", (80, 100)),
        ("aspect=1.91:1&fit=crop&size=1080", (191, 100)),
        ("aspect=2:1&size=50", (50, 25)),
        ("aspect=1:1&fit=pad&colour=000000", (200, 200)),
    ] {
        let response = rendition(query).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{query}");
        assert_eq!(response.headers()[header::CONTENT_TYPE], "image/png", "{query}");
        assert!(response.headers()[header::CACHE_CONTROL].to_str().unwrap().contains("max-age"), "{query}");
        let bytes = response.bytes().await.unwrap();
        assert_eq!(png_size(&bytes), size, "{query}: never enlarged, cut to the ratio");
    }

    let first = rendition("aspect=4:5").await.unwrap();
    let etag = first.headers()[header::ETAG].to_str().unwrap().to_string();
    let cached = app.state.blobs.get(&BlobKey::rendition(client.id, id, "4x5-crop-1080-f500-500")).await;
    assert!(cached.is_ok(), "kept in the blob store after the first request");
    let again = app
        .api(Method::GET, &format!("/assets/{id}/rendition?aspect=4:5"), &owner.token)
        .header(header::IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    let (status, _) = patch(&app, &owner, id, json!({"focal_point": {"x": 0, "y": 500}})).await;
    assert_eq!(status, StatusCode::OK);
    let moved = rendition("aspect=4:5").await.unwrap();
    assert_ne!(moved.headers()[header::ETAG].to_str().unwrap(), etag, "a new focal point is a new rendition");

    for (query, field) in [
        ("aspect=4:0", "aspect"),
        ("aspect=wide", "aspect"),
        ("", "aspect"),
        ("aspect=1:1&fit=stretch", "fit"),
        ("aspect=1:1&size=99999", "size"),
        ("aspect=1:1&fit=pad&colour=red", "colour"),
    ] {
        let response = rendition(query).await.unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        let problem: Value = response.json().await.unwrap();
        assert_eq!(fields_of(&problem), [field], "{query}");
    }

    let thumbnail = app.api(Method::GET, &format!("/assets/{id}/thumbnail"), &owner.token).send().await.unwrap();
    assert_eq!(thumbnail.status(), StatusCode::OK);
    assert!(thumbnail.headers().contains_key(header::ETAG));
    assert!(!thumbnail.bytes().await.unwrap().is_empty());

    let (_, stranger) = app.organization("Southwind").await;
    for path in [format!("/assets/{id}/rendition?aspect=1:1"), format!("/assets/{id}/thumbnail")] {
        let response = app.api(Method::GET, &path, &stranger.token).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path} from another organization");
    }
}

#[tokio::test]
async fn renditions_are_cut_to_the_aspect_asked_for_on_sqlite() {
    renditions_are_cut_to_the_aspect_asked_for(Backend::Sqlite).await;
}

#[tokio::test]
async fn renditions_are_cut_to_the_aspect_asked_for_on_postgres() {
    renditions_are_cut_to_the_aspect_asked_for(Backend::Postgres).await;
}

#[tokio::test]
async fn assets_are_moved_tagged_and_deleted_in_bulk() {
    let app = spawn_app().await;
    let (org, owner) = app.organization("Northwind").await;
    let alpha = app.client(&org, "Alpha").await;
    let bravo = app.client(&org, "Bravo").await;
    let (_, a) = upload(&app, &owner, alpha.id, "a.png", png(2, 2)).await;
    let (_, b) = upload(&app, &owner, alpha.id, "b.png", png(2, 2)).await;
    let (_, theirs) = upload(&app, &owner, bravo.id, "theirs.png", png(2, 2)).await;
    let (a, b, theirs) = (id_of(&a), id_of(&b), id_of(&theirs));
    let bulk = |client: ClientId, body: Value| {
        app.api(Method::POST, &format!("/clients/{client}/assets/bulk"), &owner.token).json(&body).send()
    };

    let moved: Value = bulk(alpha.id, json!({"asset_ids": [a, b], "action": "move", "folder": "Spring/ Week 1"}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(moved, json!({"changed": 2}));
    assert_eq!(app.store.asset(org.id, b).await.unwrap().folder, "Spring/Week 1");
    let tagged: Value = bulk(alpha.id, json!({"asset_ids": [a, b], "action": "tag", "tag": "Sale"}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(tagged, json!({"changed": 2}));
    assert_eq!(app.store.asset(org.id, a).await.unwrap().tags, ["sale"]);

    let refused = bulk(alpha.id, json!({"asset_ids": [a, theirs], "action": "move", "folder": "X"})).await.unwrap();
    assert_eq!(refused.status(), StatusCode::NOT_FOUND, "another client's asset");
    assert_eq!(app.store.asset(org.id, a).await.unwrap().folder, "Spring/Week 1", "all or nothing");
    let bad = bulk(alpha.id, json!({"asset_ids": [a], "action": "tag", "tag": "a,b"})).await.unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields_of(&bad.json().await.unwrap()), ["tag"]);
    let none = bulk(alpha.id, json!({"asset_ids": [], "action": "delete"})).await.unwrap();
    assert_eq!(fields_of(&none.json().await.unwrap()), ["asset_ids"]);

    let renamed = app
        .api(Method::POST, &format!("/clients/{}/asset-folders/rename", alpha.id), &owner.token)
        .json(&json!({"from": "Spring", "to": "Archive/2026"}))
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.json::<Value>().await.unwrap(), json!({"changed": 2}));
    assert_eq!(app.store.asset(org.id, a).await.unwrap().folder, "Archive/2026/Week 1");

    let deleted = bulk(alpha.id, json!({"asset_ids": [a, b], "action": "delete"})).await.unwrap();
    assert_eq!(deleted.status(), StatusCode::OK);
    assert!(app.store.asset(org.id, a).await.is_err() && app.store.asset(org.id, b).await.is_err());
    assert!(app.state.blobs.get(&BlobKey::asset(alpha.id, a)).await.is_err(), "the file went too");
    assert!(app.store.asset(org.id, theirs).await.is_ok());

    let analyst = app.person(&org, "ana@northwind.example", Role::Analyst, only(&[bravo.id])).await;
    let response = app
        .api(Method::POST, &format!("/clients/{}/assets/bulk", bravo.id), &analyst.token)
        .json(&json!({"asset_ids": [theirs], "action": "delete"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "analysts look, they do not delete");
}

#[tokio::test]
async fn an_asset_a_post_uses_is_not_deleted_and_the_post_is_named() {
    let app = spawn_app().await;
    let (org, owner) = app.organization("Northwind").await;
    let client = app.client(&org, "Alpha").await;
    let (_, asset) = upload(&app, &owner, client.id, "terrace.png", png(4, 4)).await;
    let id = id_of(&asset);
    let post = json!({
        "title": "Terrace opening",
        "variants": [{"network": "instagram", "text": "Open!", "media": [{"asset_id": id}]}],
    });
    let created = app.api(Method::POST, &format!("/clients/{}/posts", client.id), &owner.token).json(&post).send();
    let created = created.await.unwrap();
    assert_eq!(created.status(), StatusCode::CREATED, "{}", created.text().await.unwrap());

    for (method, path, body) in [
        (Method::DELETE, format!("/assets/{id}"), Value::Null),
        (Method::POST, format!("/clients/{}/assets/bulk", client.id), json!({"asset_ids": [id], "action": "delete"})),
    ] {
        let response = app.api(method.clone(), &path, &owner.token).json(&body).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::CONFLICT, "{method} {path}");
        let problem: Value = response.json().await.unwrap();
        assert_eq!(fields_of(&problem), ["asset"]);
        assert!(problem["detail"].as_str().unwrap().contains("Terrace opening"), "names the post: {problem}");
    }
    let (status, _) = get_json(&app, &owner, &format!("/assets/{id}")).await;
    assert_eq!(status, StatusCode::OK, "still there");
    assert!(app.state.blobs.get(&BlobKey::asset(client.id, id)).await.is_ok(), "with its file");
}
