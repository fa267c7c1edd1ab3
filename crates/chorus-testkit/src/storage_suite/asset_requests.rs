//! Asset requests: secret links a client uploads through, counted against their cap, scoped to their organization
//! and client.

use chorus_domain::{
    AssetRequest, AssetRequestId, AssetRequestUpload, ClientId, MediaType, OrganizationId, Person, UploaderName,
};
use chorus_store::StoreError;
use chrono::{DateTime, TimeDelta, Utc};

use super::{Db, assert_missing, client, minutes, new_asset, organization, t0};

/// A request as the web layer makes it; the store places it in its organization and client and dates it.
fn request(by: &Person, message: &str, max_files: u32, expires_at: DateTime<Utc>) -> AssetRequest {
    AssetRequest {
        id: AssetRequestId::new(),
        organization_id: OrganizationId::new(),
        client_id: ClientId::new(),
        message: message.to_string(),
        folder: Some("Spring menu".into()),
        max_files,
        files_received: 7,
        created_by: by.id,
        created_at: t0() - TimeDelta::days(30),
        expires_at,
        revoked_at: None,
    }
}

fn upload_of(asset: chorus_domain::AssetId, request: AssetRequestId, name: &str) -> AssetRequestUpload {
    AssetRequestUpload {
        asset_id: asset,
        request_id: request,
        uploader_name: UploaderName::parse(name).unwrap(),
        note: format!("from {name}"),
        uploaded_at: t0(),
    }
}

/// An asset of `client`, as an upload through a link stores it before recording where it came from.
async fn asset_of(store: &Db, org: OrganizationId, client: ClientId, by: &Person) -> chorus_domain::AssetId {
    store.create_asset(org, client, &new_asset(by.id, "menu.jpg", MediaType::Jpeg)).await.unwrap().id
}

fn assert_closed<T: std::fmt::Debug>(result: Result<T, StoreError>, context: &str) {
    assert!(
        matches!(&result, Err(StoreError::Conflict { field: "files", .. })),
        "{context}: expected Conflict on files, got {result:?}"
    );
}

pub async fn asset_requests_are_created_listed_and_found_by_their_secret(store: Db) {
    let (org, owner) = organization(&store, "Northwind").await;
    let x = client(&store, org.id, "Xylo").await;
    let y = client(&store, org.id, "Yodel").await;
    let expires = t0() + TimeDelta::days(7);
    let first = store.create_asset_request(org.id, x.id, &request(&owner, "Menu photos", 5, expires), b"first").await;
    let first = first.unwrap();
    assert_eq!(
        (first.organization_id, first.client_id, first.files_received),
        (org.id, x.id, 0),
        "the store places it"
    );
    assert!(first.created_at > t0() - minutes(1), "dated by the store, not the caller");
    assert_eq!(first.expires_at, expires);
    let portraits = request(&owner, "Team portraits", 1, expires);
    let second = store.create_asset_request(org.id, x.id, &portraits, b"second").await.unwrap();
    store.create_asset_request(org.id, y.id, &request(&owner, "Other client", 1, expires), b"third").await.unwrap();

    assert_eq!(store.asset_request(org.id, first.id).await.unwrap(), first, "read back as created");
    assert_eq!(store.list_asset_requests(org.id, x.id).await.unwrap(), [second.clone(), first.clone()], "newest first");
    assert_eq!(store.asset_request_by_hash(b"first").await.unwrap(), Some(first.clone()));
    assert_eq!(store.asset_request_by_hash(b"firsT").await.unwrap(), None, "another secret finds nothing");
    let taken = store.create_asset_request(org.id, x.id, &request(&owner, "Again", 1, expires), b"first").await;
    assert!(taken.is_err(), "two links never share a secret");

    // Closed links are still found, so the page can say why they no longer work.
    let revoked = store.revoke_asset_request(org.id, x.id, first.id, t0()).await.unwrap();
    assert_eq!(revoked.revoked_at, Some(t0()));
    let again = store.revoke_asset_request(org.id, x.id, first.id, t0() + minutes(5)).await.unwrap();
    assert_eq!(again.revoked_at, Some(t0()), "revoking twice keeps the first time");
    assert_eq!(store.asset_request_by_hash(b"first").await.unwrap(), Some(revoked));
    let empty = client(&store, org.id, "Empty").await;
    assert!(store.list_asset_requests(org.id, empty.id).await.unwrap().is_empty());
}

pub async fn uploads_are_counted_against_the_cap_and_recorded_with_their_sender(store: Db) {
    let (org, owner) = organization(&store, "Northwind").await;
    let x = client(&store, org.id, "Xylo").await;
    let r = store.create_asset_request(org.id, x.id, &request(&owner, "Menu", 2, t0() + minutes(60)), b"s").await;
    let r = r.unwrap();
    let (a1, a2, a3) = (
        asset_of(&store, org.id, x.id, &owner).await,
        asset_of(&store, org.id, x.id, &owner).await,
        asset_of(&store, org.id, x.id, &owner).await,
    );
    let unrelated = asset_of(&store, org.id, x.id, &owner).await;

    let after_one = store.record_asset_request_upload(org.id, &upload_of(a1, r.id, "Sam"), t0()).await.unwrap();
    assert_eq!(after_one.files_received, 1);
    let after_two = store.record_asset_request_upload(org.id, &upload_of(a2, r.id, "Alex"), t0()).await.unwrap();
    assert_eq!(after_two.files_received, 2);
    assert_closed(store.record_asset_request_upload(org.id, &upload_of(a3, r.id, "Sam"), t0()).await, "a full link");

    let uploads = store.asset_request_uploads(org.id, r.id).await.unwrap();
    let senders: Vec<(_, &str, &str)> =
        uploads.iter().map(|u| (u.asset_id, u.uploader_name.as_str(), u.note.as_str())).collect();
    assert_eq!(
        senders,
        [(a1, "Sam", "from Sam"), (a2, "Alex", "from Alex")],
        "in the order they came, a3 not recorded"
    );
    let origins = store.asset_origins(org.id, &[a3, a2, unrelated, a1]).await.unwrap();
    let mut marked: Vec<_> = origins.iter().map(|u| (u.asset_id, u.request_id)).collect();
    marked.sort();
    assert_eq!(marked, [(a1, r.id), (a2, r.id)], "only assets that came through a link are marked");
    assert!(store.asset_origins(org.id, &[]).await.unwrap().is_empty());

    // A file deleted from the library leaves the list, but the link keeps counting it: the cap is on the link.
    store.delete_asset(org.id, x.id, a1).await.unwrap();
    assert_eq!(store.asset_request_uploads(org.id, r.id).await.unwrap().len(), 1);
    assert_eq!(store.asset_request(org.id, r.id).await.unwrap().files_received, 2);
    assert_closed(store.record_asset_request_upload(org.id, &upload_of(a3, r.id, "Sam"), t0()).await, "still full");
}

pub async fn expired_and_revoked_requests_take_no_uploads(store: Db) {
    let (org, owner) = organization(&store, "Northwind").await;
    let x = client(&store, org.id, "Xylo").await;
    let expires = t0() + minutes(10);
    let expiring = store.create_asset_request(org.id, x.id, &request(&owner, "Soon", 5, expires), b"e").await.unwrap();
    let revoked = store.create_asset_request(org.id, x.id, &request(&owner, "Gone", 5, expires), b"r").await.unwrap();
    store.revoke_asset_request(org.id, x.id, revoked.id, t0()).await.unwrap();
    let asset = asset_of(&store, org.id, x.id, &owner).await;

    let before = t0() + minutes(9);
    let at_expiry = t0() + minutes(10);
    assert_closed(
        store.record_asset_request_upload(org.id, &upload_of(asset, expiring.id, "Sam"), at_expiry).await,
        "expired",
    );
    assert_closed(
        store.record_asset_request_upload(org.id, &upload_of(asset, revoked.id, "Sam"), before).await,
        "revoked",
    );
    assert_eq!(store.asset_request(org.id, expiring.id).await.unwrap().files_received, 0, "nothing counted");
    assert!(store.asset_origins(org.id, &[asset]).await.unwrap().is_empty(), "nothing recorded");
    let counted = store.record_asset_request_upload(org.id, &upload_of(asset, expiring.id, "Sam"), before).await;
    assert_eq!(counted.unwrap().files_received, 1, "a minute before expiry it still takes files");
}

pub async fn uploads_racing_for_the_last_place_never_both_get_it(store: Db) {
    let (org, owner) = organization(&store, "Northwind").await;
    let x = client(&store, org.id, "Xylo").await;
    let r = store.create_asset_request(org.id, x.id, &request(&owner, "One", 1, t0() + minutes(60)), b"s").await;
    let r = r.unwrap();
    let mut racers = Vec::new();
    for n in 0..6 {
        let asset = asset_of(&store, org.id, x.id, &owner).await;
        let store = store.clone();
        racers.push(tokio::spawn(async move {
            store.record_asset_request_upload(org.id, &upload_of(asset, r.id, &format!("Racer {n}")), t0()).await
        }));
    }
    let mut won = 0;
    for racer in racers {
        match racer.await.unwrap() {
            Ok(request) => {
                won += 1;
                assert_eq!(request.files_received, 1);
            }
            Err(e) => assert_closed(Err::<(), _>(e), "a racer that lost"),
        }
    }
    assert_eq!(won, 1, "exactly one upload takes the last place");
    assert_eq!(store.asset_request_uploads(org.id, r.id).await.unwrap().len(), 1);
}

pub async fn asset_requests_are_scoped_to_organization_and_client(store: Db) {
    let (a, a_owner) = organization(&store, "Northwind").await;
    let (b, b_owner) = organization(&store, "Southwind").await;
    let x = client(&store, a.id, "Xylo").await;
    let y = client(&store, a.id, "Yodel").await;
    let theirs = client(&store, b.id, "Theirs").await;
    let expires = t0() + minutes(60);
    let b_request =
        store.create_asset_request(b.id, theirs.id, &request(&b_owner, "B", 5, expires), b"b").await.unwrap();
    let x_request = store.create_asset_request(a.id, x.id, &request(&a_owner, "X", 5, expires), b"x").await.unwrap();
    let b_asset = asset_of(&store, b.id, theirs.id, &b_owner).await;
    let y_asset = asset_of(&store, a.id, y.id, &a_owner).await;

    // Organization B's client, request and asset, addressed from A.
    let planted = request(&a_owner, "Planted", 5, expires);
    assert_missing(store.create_asset_request(a.id, theirs.id, &planted, b"p1").await, "client", "B's client from A");
    let by_b_owner = request(&b_owner, "Planted", 5, expires);
    assert_missing(store.create_asset_request(a.id, x.id, &by_b_owner, b"p2").await, "person", "made by B's owner");
    assert_missing(store.asset_request(a.id, b_request.id).await, "asset request", "B's request from A");
    assert_missing(store.list_asset_requests(a.id, theirs.id).await, "client", "B's client's requests from A");
    assert_missing(store.revoke_asset_request(a.id, theirs.id, b_request.id, t0()).await, "client", "revoking from A");
    assert_missing(store.revoke_asset_request(a.id, x.id, b_request.id, t0()).await, "asset request", "via X");
    assert_missing(store.asset_request_uploads(a.id, b_request.id).await, "asset request", "B's uploads from A");
    let into_b = upload_of(b_asset, b_request.id, "Intruder");
    assert_missing(store.record_asset_request_upload(a.id, &into_b, t0()).await, "asset request", "recording from A");
    // B's asset counted against A's request, and client Y's asset against client X's request.
    let crossed = upload_of(b_asset, x_request.id, "Intruder");
    assert_missing(store.record_asset_request_upload(a.id, &crossed, t0()).await, "asset", "B's asset on X's request");
    let crossed = upload_of(y_asset, x_request.id, "Intruder");
    assert_missing(store.record_asset_request_upload(a.id, &crossed, t0()).await, "asset", "Y's asset on X's request");
    // X's request through client Y of the same organization.
    assert_missing(store.revoke_asset_request(a.id, y.id, x_request.id, t0()).await, "asset request", "X's via Y");
    assert!(store.list_asset_requests(a.id, y.id).await.unwrap().is_empty());

    // Nothing changed, and nothing was planted or counted.
    assert_eq!(store.asset_request(b.id, b_request.id).await.unwrap(), b_request);
    assert_eq!(store.asset_request(a.id, x_request.id).await.unwrap(), x_request, "a refused upload counts nothing");
    assert_eq!(store.list_asset_requests(a.id, x.id).await.unwrap(), [x_request]);
    assert!(store.asset_origins(b.id, &[b_asset]).await.unwrap().is_empty());
    assert!(store.asset_origins(a.id, &[b_asset, y_asset]).await.unwrap().is_empty());
}
