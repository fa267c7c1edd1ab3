//! Uploads read by `chorus-media`: an image's thumbnail is made as it arrives and goes with it, a video's
//! duration, size and codec come from its container, and a decompression bomb is refused naming the file.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot set up should stop loudly

use chorus_domain::{AssetId, ClientId};
use chorus_store::{BlobKey, StoreError};
use chorus_testkit::app::{TestApp, TestPerson, spawn_app};
use chorus_testkit::images::{png, png_claiming};
use image::ImageFormat;
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// The status of an upload and what came back, `null` when it was not JSON.
async fn upload(
    app: &TestApp,
    who: &TestPerson,
    client: ClientId,
    filename: &str,
    bytes: Vec<u8>,
) -> (StatusCode, Value) {
    let response = app.upload(&who.token, client, filename, bytes).await;
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn id_of(asset: &Value) -> AssetId {
    asset["id"].as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn an_uploaded_image_gets_a_thumbnail_that_is_deleted_with_it() {
    let app = spawn_app().await;
    let (org, owner) = app.organization("Northwind").await;
    let client = app.client(&org, "Alpha").await;

    let (status, asset) = upload(&app, &owner, client.id, "banner.png", png(1200, 600)).await;
    assert_eq!(status, StatusCode::CREATED, "{asset}");
    assert_eq!((asset["width"].as_u64(), asset["height"].as_u64()), (Some(1200), Some(600)));
    let id = id_of(&asset);
    let key = BlobKey::thumbnail(client.id, id);
    let thumbnail = app.state.blobs.get(&key).await.expect("the upload left a thumbnail");
    let shown = image::load_from_memory_with_format(&thumbnail, ImageFormat::Jpeg).unwrap();
    assert_eq!((shown.width(), shown.height()), (480, 240));

    let deleted = app.api(Method::DELETE, &format!("/assets/{id}"), &owner.token).send().await.unwrap();
    assert!(deleted.status().is_success(), "{}", deleted.status());
    assert!(matches!(app.state.blobs.get(&key).await, Err(StoreError::NotFound(_))), "the thumbnail went too");
}

#[tokio::test]
async fn a_video_is_described_from_its_container() {
    let app = spawn_app().await;
    let (org, owner) = app.organization("Northwind").await;
    let client = app.client(&org, "Alpha").await;
    let video =
        std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../chorus-media/tests/data/h264-aac.mp4"))
            .unwrap();

    // Named as a picture; the bytes say otherwise.
    let (status, asset) = upload(&app, &owner, client.id, "teaser.jpg", video).await;
    assert_eq!(status, StatusCode::CREATED, "{asset}");
    assert_eq!(asset["kind"], "video");
    assert_eq!(asset["media_type"], "video/mp4");
    assert_eq!(asset["filename"], "teaser.mp4");
    assert_eq!((asset["width"].as_u64(), asset["height"].as_u64()), (Some(64), Some(36)));
    assert_eq!(asset["duration_ms"], 1000);
    assert_eq!(asset["video_codec"], "avc1");
    let no_thumbnail = app.state.blobs.get(&BlobKey::thumbnail(client.id, id_of(&asset))).await;
    assert!(matches!(no_thumbnail, Err(StoreError::NotFound(_))), "videos are not decoded");
}

#[tokio::test]
async fn a_decompression_bomb_is_refused_naming_the_file() {
    let app = spawn_app().await;
    let (org, owner) = app.organization("Northwind").await;
    let client = app.client(&org, "Alpha").await;

    // A one-pixel PNG whose header claims 50,000 × 50,000 pixels.
    let (status, problem) = upload(&app, &owner, client.id, "tiny.png", png_claiming(50_000, 50_000)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let text = problem.to_string();
    assert!(text.contains("\"file\"") && text.contains("50000×50000") && text.contains("megapixels"), "{text}");
}
