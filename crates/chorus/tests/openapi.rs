//! The OpenAPI document is a contract with everyone who scripts against Chorus: changes must be deliberate.
//! If this fails after an intended API change, review the diff and accept it with `cargo insta review`
//! (or `INSTA_UPDATE=always cargo test -p chorus --test openapi`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot set up should stop loudly

use chorus_testkit::app::spawn_app;

#[test]
fn the_openapi_document_changes_only_deliberately() {
    let document = serde_json::to_value(chorus_web::openapi()).expect("the document serializes");
    assert_eq!(document["openapi"], "3.1.0");
    insta::assert_json_snapshot!("openapi", document);
}

#[tokio::test]
async fn the_served_document_is_the_snapshotted_one() {
    let app = spawn_app().await;
    let served: serde_json::Value = reqwest::get(app.url("/api/v1/openapi.json")).await.unwrap().json().await.unwrap();
    assert_eq!(served, serde_json::to_value(chorus_web::openapi()).unwrap());
    let paths = served["paths"].as_object().unwrap();
    assert!(paths.contains_key("/clients/{client_id}"), "paths are relative to the /api/v1 server");
    assert!(served["components"]["securitySchemes"]["token"].is_object());
}
