#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot set up should stop loudly

//! One contract for every place uploaded files can live: the local directory and S3-compatible object storage
//! (a real moto server, see `chorus_testkit::s3`).

use chorus_domain::{AssetId, ClientId};
use chorus_store::{BlobKey, BlobStore, LocalBlobStore, StoreError};

async fn honours_the_contract(blobs: &dyn BlobStore) {
    let client = ClientId::new();
    let (asset, other) = (AssetId::new(), AssetId::new());
    let key = BlobKey::asset(client, asset);

    assert!(matches!(blobs.get(&key).await, Err(StoreError::NotFound("file"))), "missing is NotFound");
    blobs.put(&key, b"first").await.unwrap();
    assert_eq!(blobs.get(&key).await.unwrap(), b"first");
    blobs.put(&key, b"second, longer").await.unwrap();
    assert_eq!(blobs.get(&key).await.unwrap(), b"second, longer", "a put replaces");
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    blobs.put(&key, &big).await.unwrap();
    assert_eq!(blobs.get(&key).await.unwrap(), big, "megabytes survive byte for byte");

    // What is made from an asset goes with it, and nothing else does.
    let thumbnail = BlobKey::thumbnail(client, asset);
    let square = BlobKey::rendition(client, asset, "1:1-crop-1080");
    let portrait = BlobKey::rendition(client, asset, "4:5-crop-1080");
    let others_thumbnail = BlobKey::thumbnail(client, other);
    for k in [&thumbnail, &square, &portrait, &others_thumbnail] {
        blobs.put(k, k.as_str().as_bytes()).await.unwrap();
    }
    assert_ne!(square, portrait);
    assert_eq!(blobs.get(&square).await.unwrap(), square.as_str().as_bytes());
    blobs.delete_prefix(&BlobKey::derived(client, asset)).await.unwrap();
    for gone in [&thumbnail, &square, &portrait] {
        assert!(matches!(blobs.get(gone).await, Err(StoreError::NotFound(_))), "{gone} was left behind");
    }
    assert_eq!(blobs.get(&others_thumbnail).await.unwrap(), others_thumbnail.as_str().as_bytes(), "another asset's");
    assert_eq!(blobs.get(&key).await.unwrap(), big, "the asset itself is not under its derived prefix");
    blobs.delete_prefix(&BlobKey::derived(client, asset)).await.unwrap();
    blobs.delete_prefix(&BlobKey::derived(ClientId::new(), AssetId::new())).await.unwrap();

    blobs.delete(&key).await.unwrap();
    blobs.delete(&key).await.unwrap();
    assert!(matches!(blobs.get(&key).await, Err(StoreError::NotFound("file"))), "deleted is NotFound");
}

#[tokio::test]
async fn local_directory_storage_honours_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    honours_the_contract(&LocalBlobStore::new(dir.path().join("media"))).await;
}

#[tokio::test]
async fn s3_compatible_storage_honours_the_contract() {
    honours_the_contract(&chorus_testkit::s3::blob_store().await).await;
}

#[test]
fn rendition_names_cannot_leave_their_folder() {
    let (client, asset) = (ClientId::new(), AssetId::new());
    let sneaky = BlobKey::rendition(client, asset, "../../other/secret");
    assert!(!sneaky.as_str().contains(".."), "{sneaky}");
    assert_eq!(
        sneaky.as_str().matches('/').count(),
        BlobKey::rendition(client, asset, "x").as_str().matches('/').count()
    );
    assert_ne!(BlobKey::rendition(client, asset, "a:b"), BlobKey::rendition(client, asset, "a_b"));
    assert!(BlobKey::thumbnail(client, asset).as_str().starts_with(&format!("{}/", BlobKey::derived(client, asset))));
}
