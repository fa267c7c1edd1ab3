#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot set up should stop loudly

//! The reference Bluesky network (`chorus_testkit::bluesky`) does what the Bluesky publisher will rely on:
//! records with facets, images and replies written to the PDS read back from the PDS at once and from the
//! AppView shortly after, deletes are seen by both, and a record key can be written only once.

use std::future::Future;
use std::time::{Duration, Instant};

use chorus_testkit::bluesky::{self, Account, DevNetwork};
use chorus_testkit::images;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The AppView indexes the PDS's event stream asynchronously; it normally catches up in well under a second.
const APPVIEW_DEADLINE: Duration = Duration::from_secs(30);

async fn answer(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.expect("cannot reach the network");
    let status = response.status();
    let bytes = response.bytes().await.expect("cannot read an answer");
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

async fn ok(request: reqwest::RequestBuilder) -> Value {
    let (status, body) = answer(request).await;
    assert!(status.is_success(), "answered {status}: {body}");
    body
}

async fn signed_in(network: &DevNetwork, name: &str) -> Account {
    network.create_account(&bluesky::unique_handle(name), "correct horse battery").await
}

async fn create_record(network: &DevNetwork, who: &Account, rkey: &str, record: &Value) -> (StatusCode, Value) {
    let body = json!({ "repo": who.did, "collection": "app.bsky.feed.post", "rkey": rkey, "record": record });
    let http = reqwest::Client::new();
    answer(http.post(network.pds_xrpc("com.atproto.repo.createRecord")).bearer_auth(&who.access_jwt).json(&body)).await
}

async fn get_record(network: &DevNetwork, who: &Account, rkey: &str) -> (StatusCode, Value) {
    let http = reqwest::Client::new();
    let query = [("repo", who.did.as_str()), ("collection", "app.bsky.feed.post"), ("rkey", rkey)];
    answer(http.get(network.pds_xrpc("com.atproto.repo.getRecord")).query(&query)).await
}

async fn post_thread(network: &DevNetwork, uri: &str) -> (StatusCode, Value) {
    let http = reqwest::Client::new();
    answer(http.get(network.appview_xrpc("app.bsky.feed.getPostThread")).query(&[("uri", uri)])).await
}

/// Polls until `check` gives an answer, returning it and how long it took.
async fn eventually<T, F: Future<Output = Option<T>>>(what: &str, mut check: impl FnMut() -> F) -> (T, Duration) {
    let began = Instant::now();
    loop {
        if let Some(found) = check().await {
            return (found, began.elapsed());
        }
        assert!(began.elapsed() < APPVIEW_DEADLINE, "the AppView did not show {what} within {APPVIEW_DEADLINE:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn post(text: &str) -> Value {
    json!({ "$type": "app.bsky.feed.post", "text": text, "createdAt": chrono::Utc::now().to_rfc3339() })
}

fn strong_ref(created: &Value) -> Value {
    json!({ "uri": created["uri"], "cid": created["cid"] })
}

fn resident_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn posts_with_facets_images_and_replies_read_back_from_the_pds_and_the_appview() {
    let network = DevNetwork::shared().await;
    let (alice, bob) = (signed_in(network, "alice").await, signed_in(network, "bob").await);
    let http = reqwest::Client::new();

    // Facets count UTF-8 bytes, so the text starts with characters wider than one byte.
    let link = "https://example.com/chorus";
    let text = format!("Café ☕ with @{} — see {link} #launch", bob.handle);
    let span = |needle: &str| {
        let start = text.find(needle).unwrap();
        json!({ "byteStart": start, "byteEnd": start + needle.len() })
    };
    let mut record = post(&text);
    record["facets"] = json!([
        { "index": span(&format!("@{}", bob.handle)),
          "features": [{ "$type": "app.bsky.richtext.facet#mention", "did": bob.did }] },
        { "index": span(link), "features": [{ "$type": "app.bsky.richtext.facet#link", "uri": link }] },
        { "index": span("#launch"), "features": [{ "$type": "app.bsky.richtext.facet#tag", "tag": "launch" }] },
    ]);
    let rkey = bluesky::tid();
    let (status, root) = create_record(network, &alice, &rkey, &record).await;
    assert_eq!(status, StatusCode::OK, "{root}");
    let created_at = Instant::now();
    let root_uri = root["uri"].as_str().unwrap().to_string();
    assert_eq!(root_uri, format!("at://{}/app.bsky.feed.post/{rkey}", alice.did), "the key we chose is kept");

    // The PDS answers with the record at once, facets as written.
    let (status, stored) = get_record(network, &alice, &rkey).await;
    assert_eq!(status, StatusCode::OK, "{stored}");
    assert_eq!(stored["cid"], root["cid"]);
    assert_eq!(stored["value"]["text"], text.as_str());
    assert_eq!(stored["value"]["facets"], record["facets"]);

    // An image: the blob first, then a post that embeds it.
    let png = images::png(4, 3);
    let uploaded = ok(http
        .post(network.pds_xrpc("com.atproto.repo.uploadBlob"))
        .bearer_auth(&alice.access_jwt)
        .header("content-type", "image/png")
        .body(png.clone()))
    .await;
    let blob = uploaded["blob"].clone();
    assert_eq!(blob["mimeType"], "image/png", "{uploaded}");
    assert_eq!(blob["size"], png.len(), "{uploaded}");
    let mut with_image = post("A picture");
    with_image["embed"] = json!({
        "$type": "app.bsky.embed.images",
        "images": [{ "alt": "four by three pixels", "image": blob, "aspectRatio": { "width": 4, "height": 3 } }],
    });
    let image_rkey = bluesky::tid();
    let (status, image_post) = create_record(network, &alice, &image_rkey, &with_image).await;
    assert_eq!(status, StatusCode::OK, "{image_post}");
    let blob_cid = blob["ref"]["$link"].as_str().unwrap();
    let fetched = http
        .get(network.pds_xrpc("com.atproto.sync.getBlob"))
        .query(&[("did", alice.did.as_str()), ("cid", blob_cid)])
        .send()
        .await
        .unwrap();
    assert_eq!(fetched.status(), StatusCode::OK);
    assert_eq!(fetched.bytes().await.unwrap().as_ref(), png.as_slice(), "the PDS serves the blob byte for byte");

    // A thread: Alice continues her post, Bob replies to it.
    let mut continued = post("And a second part");
    continued["reply"] = json!({ "root": strong_ref(&root), "parent": strong_ref(&root) });
    let (status, _) = create_record(network, &alice, &bluesky::tid(), &continued).await;
    assert_eq!(status, StatusCode::OK);
    let mut reply = post("Nice one");
    reply["reply"] = json!({ "root": strong_ref(&root), "parent": strong_ref(&root) });
    let (status, _) = create_record(network, &bob, &bluesky::tid(), &reply).await;
    assert_eq!(status, StatusCode::OK);

    // The AppView shows the post, its facets and both replies once it has indexed them.
    let (thread, _) = eventually("the thread with both replies", || async {
        let (status, body) = post_thread(network, &root_uri).await;
        (status.is_success() && body["thread"]["replies"].as_array().is_some_and(|r| r.len() == 2)).then_some(body)
    })
    .await;
    eprintln!("the AppView showed the thread {} ms after its first post", created_at.elapsed().as_millis());
    let shown = &thread["thread"]["post"];
    assert_eq!(shown["author"]["did"], alice.did.as_str());
    assert_eq!(shown["author"]["handle"], alice.handle.as_str());
    assert_eq!(shown["record"]["facets"], record["facets"]);
    let mut repliers: Vec<&str> = thread["thread"]["replies"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["post"]["author"]["did"].as_str())
        .collect();
    repliers.sort_unstable();
    let mut expected = vec![alice.did.as_str(), bob.did.as_str()];
    expected.sort_unstable();
    assert_eq!(repliers, expected);

    let image_uri = image_post["uri"].as_str().unwrap();
    let (image_view, _) = eventually("the image post", || async {
        let (status, body) = post_thread(network, image_uri).await;
        status.is_success().then_some(body)
    })
    .await;
    let embed = &image_view["thread"]["post"]["embed"];
    assert_eq!(embed["$type"], "app.bsky.embed.images#view", "{image_view}");
    assert_eq!(embed["images"][0]["alt"], "four by three pixels");
    assert!(embed["images"][0]["fullsize"].as_str().unwrap().contains(blob_cid), "{embed}");

    eprintln!("the network's Node process uses {} MiB", resident_kib(network.pid()) / 1024);
}

#[tokio::test]
async fn a_record_key_is_written_once() {
    let network = DevNetwork::shared().await;
    let alice = signed_in(network, "alice").await;
    let rkey = bluesky::tid();
    let (status, first) = create_record(network, &alice, &rkey, &post("first")).await;
    assert_eq!(status, StatusCode::OK, "{first}");

    // createRecord with a key already taken is refused and changes nothing. The PDS (0.5.x) reports it only as
    // an internal error, so a publisher cannot tell it from a real failure by the answer alone…
    let (status, again) = create_record(network, &alice, &rkey, &post("second")).await;
    eprintln!("createRecord with a taken rkey: {status} {again}");
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{again}");
    let (_, stored) = get_record(network, &alice, &rkey).await;
    assert_eq!(stored["value"]["text"], "first");
    assert_eq!(stored["cid"], first["cid"]);

    // … whereas putRecord with `swapRecord: null` ("only if there is none") answers a clear InvalidSwap.
    let body = json!({
        "repo": alice.did, "collection": "app.bsky.feed.post", "rkey": rkey, "swapRecord": null, "record": post("third"),
    });
    let http = reqwest::Client::new();
    let request = http.post(network.pds_xrpc("com.atproto.repo.putRecord")).bearer_auth(&alice.access_jwt);
    let (status, swapped) = answer(request.json(&body)).await;
    eprintln!("putRecord with swapRecord null on a taken rkey: {status} {swapped}");
    assert_eq!(status, StatusCode::BAD_REQUEST, "{swapped}");
    assert_eq!(swapped["error"], "InvalidSwap");
    let (_, stored) = get_record(network, &alice, &rkey).await;
    assert_eq!(stored["value"]["text"], "first");

    // On a free key the same call creates the record.
    let fresh = bluesky::tid();
    let body = json!({
        "repo": alice.did, "collection": "app.bsky.feed.post", "rkey": fresh, "swapRecord": null, "record": post("new"),
    });
    let request = http.post(network.pds_xrpc("com.atproto.repo.putRecord")).bearer_auth(&alice.access_jwt);
    ok(request.json(&body)).await;
    let (status, stored) = get_record(network, &alice, &fresh).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(stored["value"]["text"], "new");
}

#[tokio::test]
async fn a_deleted_post_disappears_from_the_pds_and_the_appview() {
    let network = DevNetwork::shared().await;
    let alice = signed_in(network, "alice").await;
    let rkey = bluesky::tid();
    let (status, created) = create_record(network, &alice, &rkey, &post("short-lived")).await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let uri = created["uri"].as_str().unwrap();
    let ((), lag) =
        eventually("the post", || async { post_thread(network, uri).await.0.is_success().then_some(()) }).await;
    eprintln!("the AppView showed a new post {} ms after createRecord answered", lag.as_millis());

    let http = reqwest::Client::new();
    let body = json!({ "repo": alice.did, "collection": "app.bsky.feed.post", "rkey": rkey });
    ok(http.post(network.pds_xrpc("com.atproto.repo.deleteRecord")).bearer_auth(&alice.access_jwt).json(&body)).await;
    let deleted_at = Instant::now();

    let (status, gone) = get_record(network, &alice, &rkey).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{gone}");
    assert_eq!(gone["error"], "RecordNotFound");
    let (gone, _) = eventually("the post gone", || async {
        let (status, body) = post_thread(network, uri).await;
        (!status.is_success()).then_some((status, body))
    })
    .await;
    eprintln!("the AppView dropped the post {} ms after the delete: {gone:?}", deleted_at.elapsed().as_millis());
    assert_eq!(gone.1["error"], "NotFound");

    // Deleting again is not an error: a retried delete is safe.
    ok(http.post(network.pds_xrpc("com.atproto.repo.deleteRecord")).bearer_auth(&alice.access_jwt).json(&body)).await;
}

#[tokio::test]
async fn a_network_of_its_own_stops_when_dropped() {
    let began = Instant::now();
    let network = DevNetwork::start().await;
    eprintln!("a private network started in {:.1} s", began.elapsed().as_secs_f64());
    let pid = network.pid();
    eprintln!("its Node process uses {} MiB when idle", resident_kib(pid) / 1024);
    let http = reqwest::Client::new();
    ok(http.get(network.pds_xrpc("_health"))).await;
    drop(network);
    let stopping = Instant::now();
    while std::path::Path::new(&format!("/proc/{pid}")).exists() && stopping.elapsed() < Duration::from_secs(15) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A reaped process leaves no /proc entry; the reaper thread waits for it.
    assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists(), "the network's process outlived its handle");
    eprintln!("it stopped {} ms after the drop", stopping.elapsed().as_millis());
}
