//! A client's media library through the API: uploads believed only as far as their bytes go, downloads,
//! alt text, deletion, and who may do what.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot set up should stop loudly

use chorus_domain::{AssetId, ClientId, Role};
use chorus_store::{BlobKey, StoreError};
use chorus_testkit::app::{Backend, TestApp, TestPerson, only, spawn_app, spawn_app_with};
use chorus_web::WebConfig;
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

// ---- files made here, byte by byte ------------------------------------------------------------------------

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffff_u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn adler32(bytes: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in bytes {
        a = (a + u32::from(byte)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

fn chunk(png: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    png.extend((data.len() as u32).to_be_bytes());
    let start = png.len();
    png.extend(kind);
    png.extend(data);
    let crc = crc32(&png[start..]);
    png.extend(crc.to_be_bytes());
}

/// A complete, valid PNG of `width`×`height` grey pixels: its image data is one stored (uncompressed)
/// deflate block. With `claimed`, the header states other dimensions than the data holds.
fn png(width: u32, height: u32, claimed: Option<(u32, u32)>) -> Vec<u8> {
    let (header_width, header_height) = claimed.unwrap_or((width, height));
    let mut raw = Vec::new();
    for _ in 0..height {
        raw.push(0); // no filter
        raw.extend(std::iter::repeat_n(0x80, width as usize * 3));
    }
    let mut zlib = vec![0x78, 0x01, 0x01];
    zlib.extend((raw.len() as u16).to_le_bytes());
    zlib.extend((!(raw.len() as u16)).to_le_bytes());
    zlib.extend(&raw);
    zlib.extend(adler32(&raw).to_be_bytes());

    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(header_width.to_be_bytes());
    ihdr.extend(header_height.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]); // 8 bits, RGB, deflate, no filter, not interlaced
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &zlib);
    chunk(&mut png, b"IEND", &[]);
    png
}

/// The start of a baseline JPEG: JFIF marker and frame header with the dimensions, then the end marker.
fn jpeg(width: u16, height: u16) -> Vec<u8> {
    let mut jpeg = vec![0xff, 0xd8];
    jpeg.extend([0xff, 0xe0, 0x00, 0x10]);
    jpeg.extend(b"JFIF\0");
    jpeg.extend([1, 1, 0, 0, 1, 0, 1, 0, 0]);
    jpeg.extend([0xff, 0xc0, 0x00, 0x11, 8]);
    jpeg.extend(height.to_be_bytes());
    jpeg.extend(width.to_be_bytes());
    jpeg.extend([3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
    jpeg.extend([0xff, 0xd9]);
    jpeg
}

// ---- helpers ---------------------------------------------------------------------------------------------

async fn upload(
    app: &TestApp,
    who: &TestPerson,
    client: ClientId,
    filename: &str,
    bytes: Vec<u8>,
) -> (StatusCode, Value) {
    let response = app
        .api(Method::POST, &format!("/clients/{client}/assets"), &who.token)
        .query(&[("filename", filename)])
        .header(header::CONTENT_TYPE, "image/png") // claimed, and ignored
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

    let logo = png(3, 2, None);
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

    let (status, problem) = upload(&app, &owner, client.id, "bomb.png", png(1, 1, Some((20_000, 20_000)))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "file");
    assert!(problem["detail"].as_str().unwrap().contains("20000×20000"), "{problem}");

    let (status, problem) = upload(&app, &owner, client.id, "empty.png", Vec::new()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("empty"), "{problem}");

    let (status, problem) = upload(&app, &owner, client.id, "cut.png", png(4, 4, None)[..20].to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a header cut short: {problem}");

    let listed = app.store.list_assets(org.id, client.id, &Default::default()).await.unwrap();
    assert_eq!(listed.items.len(), 1, "only the honest JPEG was kept");
}

#[tokio::test]
async fn uploads_larger_than_the_limit_are_refused() {
    let config = WebConfig { max_upload_bytes: 64 * 1024, ..WebConfig::default() };
    let app = spawn_app_with(Backend::Sqlite, config).await;
    let (org, owner) = app.organization("Northwind").await;
    let client = app.client(&org, "Alpha").await;

    let mut big = png(2, 2, None);
    big.resize(64 * 1024 + 1, 0);
    let (status, problem) = upload(&app, &owner, client.id, "big.png", big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{problem}");
    assert_eq!(problem["type"], "urn:chorus:problem:too-large");
    assert!(problem["detail"].as_str().unwrap().contains("65536 bytes"), "{problem}");

    let mut fits = png(2, 2, None);
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
    let (_, asset) = upload(&app, &owner, client.id, "cup.png", png(2, 2, None)).await;
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
    let (_, a_asset) = upload(&app, &owner, alpha.id, "a.png", png(2, 2, None)).await;
    let (_, b_asset) = upload(&app, &owner, bravo.id, "b.png", png(2, 2, None)).await;
    let (a_id, b_id) = (id_of(&a_asset), id_of(&b_asset));

    let analyst = app.person(&org, "ana@northwind.example", Role::Analyst, only(&[alpha.id])).await;
    let (status, problem) = upload(&app, &analyst, alpha.id, "mine.png", png(2, 2, None)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    assert_eq!(status_of(&app, &analyst, Method::GET, &format!("/assets/{a_id}")).await, StatusCode::OK);
    assert_eq!(status_of(&app, &analyst, Method::GET, &format!("/assets/{a_id}/file")).await, StatusCode::OK);
    assert_eq!(status_of(&app, &analyst, Method::PATCH, &format!("/assets/{a_id}")).await, StatusCode::FORBIDDEN);
    assert_eq!(status_of(&app, &analyst, Method::DELETE, &format!("/assets/{a_id}")).await, StatusCode::FORBIDDEN);

    let editor = app.person(&org, "ed@northwind.example", Role::Editor, only(&[alpha.id])).await;
    let (status, _) = upload(&app, &editor, alpha.id, "ok.png", png(2, 2, None)).await;
    assert_eq!(status, StatusCode::CREATED, "editors upload to their clients");
    let (status, _) = upload(&app, &editor, bravo.id, "theirs.png", png(2, 2, None)).await;
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
    assert_eq!(app.store.list_assets(org.id, bravo.id, &Default::default()).await.unwrap().items.len(), 1);
}
