#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot set up should stop loudly

//! The Bluesky connector against the reference network (`@atproto/dev-env`: PLC, PDS and AppView): what it
//! publishes reads back from the PDS at once and from the AppView shortly after, publishing is exactly once even
//! when repeated or resumed after a crash, and deleting removes every part.

use std::future::Future;
use std::time::{Duration, Instant};

use chorus_networks::bluesky::{self, Bluesky, Config};
use chorus_networks::{
    Connector, Credentials, Health, LinkPreview, Outgoing, OutgoingMedia, PublishError, PublishKey, Published,
    ReplyControl,
};
use chorus_testkit::bluesky::{Account, DevNetwork, unique_handle};
use chorus_testkit::images;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The AppView indexes the PDS's event stream asynchronously; it normally catches up in about a second.
const APPVIEW_DEADLINE: Duration = Duration::from_secs(30);
const WEB: &str = "https://web.example";

fn connector(network: &DevNetwork) -> Bluesky {
    Bluesky::new(Config {
        plc_url: network.plc_url.clone(),
        // The dev PDS resolves its own accounts' handles (the `.test` domain has no DNS).
        handle_resolver_url: network.pds_url.clone(),
        web_url: WEB.into(),
    })
    .unwrap()
}

/// A new account and its credentials as a person would connect it: the handle and an app password.
async fn connected(network: &DevNetwork, name: &str) -> (Account, Credentials) {
    let account = network.create_account(&unique_handle(name), "main password, never given to Chorus").await;
    let created = ok(reqwest::Client::new()
        .post(network.pds_xrpc("com.atproto.server.createAppPassword"))
        .bearer_auth(&account.access_jwt)
        .json(&json!({ "name": "Chorus" })))
    .await;
    let app_password = created["password"].as_str().unwrap().to_string();
    let credentials = Credentials::Bluesky(bluesky::Credentials { identifier: account.handle.clone(), app_password });
    (account, credentials)
}

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

async fn get_record(network: &DevNetwork, uri: &str) -> (StatusCode, Value) {
    let mut pieces = uri.strip_prefix("at://").unwrap().split('/');
    let (repo, collection, rkey) = (pieces.next().unwrap(), pieces.next().unwrap(), pieces.next().unwrap());
    let query = [("repo", repo), ("collection", collection), ("rkey", rkey)];
    answer(reqwest::Client::new().get(network.pds_xrpc("com.atproto.repo.getRecord")).query(&query)).await
}

/// The author's records in a collection, as the PDS lists them.
async fn records(network: &DevNetwork, did: &str, collection: &str) -> Vec<Value> {
    let query = [("repo", did), ("collection", collection), ("limit", "100")];
    let listed = ok(reqwest::Client::new().get(network.pds_xrpc("com.atproto.repo.listRecords")).query(&query)).await;
    listed["records"].as_array().unwrap().clone()
}

/// Polls the AppView's view of a thread until `check` accepts it.
async fn appview_thread(network: &DevNetwork, uri: &str, what: &str, check: impl Fn(&Value) -> bool) -> Value {
    eventually(what, || async {
        let query = [("uri", uri)];
        let (status, body) =
            answer(reqwest::Client::new().get(network.appview_xrpc("app.bsky.feed.getPostThread")).query(&query)).await;
        (status.is_success() && check(&body)).then_some(body)
    })
    .await
}

async fn eventually<T, F: Future<Output = Option<T>>>(what: &str, mut check: impl FnMut() -> F) -> T {
    let began = Instant::now();
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(began.elapsed() < APPVIEW_DEADLINE, "the AppView did not show {what} within {APPVIEW_DEADLINE:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A publish key as the job makes it: from the variant's id, a UUIDv7.
fn key() -> PublishKey {
    PublishKey::from(chorus_domain::VariantId::new())
}

fn thread(texts: [&str; 3]) -> Outgoing {
    Outgoing {
        text: texts[0].into(),
        thread: texts[1..].iter().map(|t| t.to_string()).collect(),
        languages: vec!["en".into()],
        ..Outgoing::default()
    }
}

#[tokio::test]
async fn a_post_carries_facets_at_the_right_bytes_a_link_card_and_its_language() {
    let network = DevNetwork::shared().await;
    let ((alice, account), (bob, _)) = (connected(network, "alice").await, connected(network, "bob").await);
    let bluesky = connector(network);

    // Emoji and accents are several bytes each: facet offsets count UTF-8 bytes, not characters.
    let link = "https://example.com/chorus";
    let text = format!("Café ☕🎉 with @{} and @nobody-here.test — see {link} #launch", bob.handle);
    let post = Outgoing {
        text: text.clone(),
        link: Some(LinkPreview {
            url: link.into(),
            title: "Chorus".into(),
            description: "One calendar for every network".into(),
            thumbnail: None,
        }),
        languages: vec!["en".into(), "fr".into()],
        ..Outgoing::default()
    };
    let key = key();
    let published = bluesky.publish(&account, &key, &post).await.unwrap();

    let rkey = bluesky::rkey::record_key(&key, 0).unwrap();
    assert_eq!(published.remote_id, format!("at://{}/app.bsky.feed.post/{rkey}", alice.did));
    assert_eq!(published.url, format!("{WEB}/profile/{}/post/{rkey}", alice.handle));
    assert_eq!(published.parts.len(), 1);

    let (status, stored) = get_record(network, &published.remote_id).await;
    assert_eq!(status, StatusCode::OK, "{stored}");
    let record = &stored["value"];
    assert_eq!(record["text"], text.as_str());
    let span = |needle: &str| {
        let start = text.find(needle).unwrap();
        json!({ "byteStart": start, "byteEnd": start + needle.len() })
    };
    // The unknown handle is not a facet: it stays plain text.
    let expected = json!([
        { "$type": "app.bsky.richtext.facet", "index": span(&format!("@{}", bob.handle)),
          "features": [{ "$type": "app.bsky.richtext.facet#mention", "did": bob.did }] },
        { "$type": "app.bsky.richtext.facet", "index": span(link),
          "features": [{ "$type": "app.bsky.richtext.facet#link", "uri": link }] },
        { "$type": "app.bsky.richtext.facet", "index": span("#launch"),
          "features": [{ "$type": "app.bsky.richtext.facet#tag", "tag": "launch" }] },
    ]);
    assert_eq!(record["facets"], expected, "{record}");
    assert_eq!(record["langs"], json!(["en", "fr"]));
    assert_eq!(record["embed"]["$type"], "app.bsky.embed.external");
    assert_eq!(record["embed"]["external"]["uri"], link);
    assert_eq!(record["embed"]["external"]["title"], "Chorus");

    let view = appview_thread(network, &published.remote_id, "the post", |_| true).await;
    let shown = &view["thread"]["post"];
    assert_eq!(shown["author"]["did"], alice.did.as_str());
    assert_eq!(shown["record"]["facets"], expected);
    assert_eq!(shown["embed"]["$type"], "app.bsky.embed.external#view", "{shown}");
    assert_eq!(shown["embed"]["external"]["description"], "One calendar for every network");
}

#[tokio::test]
async fn images_are_uploaded_with_their_alt_text_and_aspect_ratio() {
    let network = DevNetwork::shared().await;
    let (alice, account) = connected(network, "alice").await;
    let bluesky = connector(network);
    let post = Outgoing {
        text: "Two pictures".into(),
        // A link with images: the images win, there is no card.
        link: Some(LinkPreview { url: "https://example.com".into(), ..LinkPreview::default() }),
        media: vec![
            OutgoingMedia {
                bytes: images::png(4, 3),
                media_type: "image/png".into(),
                alt_text: "four by three".into(),
                width: 4,
                height: 3,
            },
            OutgoingMedia {
                bytes: images::jpeg(3, 5),
                media_type: "image/jpeg".into(),
                alt_text: "three by five".into(),
                width: 3,
                height: 5,
            },
        ],
        ..Outgoing::default()
    };
    let published = bluesky.publish(&account, &key(), &post).await.unwrap();

    let (_, stored) = get_record(network, &published.remote_id).await;
    let embed = &stored["value"]["embed"];
    assert_eq!(embed["$type"], "app.bsky.embed.images", "{stored}");
    let images = embed["images"].as_array().unwrap();
    assert_eq!(images.len(), 2);
    assert_eq!(images[0]["alt"], "four by three");
    assert_eq!(images[0]["aspectRatio"], json!({ "width": 4, "height": 3 }));
    assert_eq!(images[0]["image"]["mimeType"], "image/png");
    assert_eq!(images[1]["alt"], "three by five");
    assert_eq!(images[1]["image"]["mimeType"], "image/jpeg");

    // The PDS serves each blob byte for byte.
    let cid = images[1]["image"]["ref"]["$link"].as_str().unwrap();
    let blob = reqwest::Client::new()
        .get(network.pds_xrpc("com.atproto.sync.getBlob"))
        .query(&[("did", alice.did.as_str()), ("cid", cid)])
        .send()
        .await
        .unwrap();
    assert_eq!(blob.bytes().await.unwrap().as_ref(), post.media[1].bytes.as_slice());

    let view = appview_thread(network, &published.remote_id, "the image post", |_| true).await;
    let shown = &view["thread"]["post"]["embed"];
    assert_eq!(shown["$type"], "app.bsky.embed.images#view", "{view}");
    assert_eq!(shown["images"][0]["alt"], "four by three");
    assert_eq!(shown["images"][1]["alt"], "three by five");
    assert_eq!(shown["images"][1]["aspectRatio"], json!({ "width": 3, "height": 5 }));
}

/// Asserts that `published` is the thread of `texts`, each part replying to the one before, as the PDS holds it.
async fn assert_thread(network: &DevNetwork, published: &Published, texts: &[&str]) {
    assert_eq!(published.parts.len(), texts.len());
    let mut cids = Vec::new();
    for (n, part) in published.parts.iter().enumerate() {
        let (status, stored) = get_record(network, &part.id).await;
        assert_eq!(status, StatusCode::OK, "{stored}");
        assert_eq!(stored["value"]["text"], texts[n]);
        if n == 0 {
            assert!(stored["value"].get("reply").is_none());
        } else {
            let reply = &stored["value"]["reply"];
            assert_eq!(reply["root"], json!({ "uri": published.parts[0].id, "cid": cids[0] }));
            assert_eq!(reply["parent"], json!({ "uri": published.parts[n - 1].id, "cid": cids[n - 1] }));
        }
        cids.push(stored["cid"].as_str().unwrap().to_string());
    }
}

#[tokio::test]
async fn a_thread_is_published_once_however_often_it_is_tried() {
    let network = DevNetwork::shared().await;
    let (alice, account) = connected(network, "alice").await;
    let bluesky = connector(network);
    let mut post = thread(["1/3 A thread 🧵", "2/3 goes on", "3/3 and ends"]);
    post.reply_control = ReplyControl::Mentioned;
    let key = key();

    assert_eq!(bluesky.find(&account, &key, &post).await.unwrap(), None, "nothing is there before publishing");
    let published = bluesky.publish(&account, &key, &post).await.unwrap();
    assert_thread(network, &published, &["1/3 A thread 🧵", "2/3 goes on", "3/3 and ends"]).await;

    // Again, as after a crash that lost the answer: the same post, no second record.
    let again = bluesky.publish(&account, &key, &post).await.unwrap();
    assert_eq!(again, published);
    assert_eq!(records(network, &alice.did, "app.bsky.feed.post").await.len(), 3);
    assert_eq!(bluesky.find(&account, &key, &post).await.unwrap(), Some(published.clone()));

    // Who may reply: a threadgate on the root.
    let gates = records(network, &alice.did, "app.bsky.feed.threadgate").await;
    assert_eq!(gates.len(), 1, "{gates:?}");
    assert_eq!(gates[0]["value"]["post"], published.remote_id.as_str());
    assert_eq!(gates[0]["value"]["allow"], json!([{ "$type": "app.bsky.feed.threadgate#mentionRule" }]));

    let view = appview_thread(network, &published.remote_id, "the whole thread", |body| {
        body["thread"]["replies"][0]["replies"].as_array().is_some_and(|r| r.len() == 1)
    })
    .await;
    assert_eq!(view["thread"]["post"]["record"]["text"], "1/3 A thread 🧵");
    assert_eq!(view["thread"]["replies"][0]["post"]["uri"], published.parts[1].id.as_str());
    assert_eq!(view["thread"]["replies"][0]["replies"][0]["post"]["uri"], published.parts[2].id.as_str());
}

#[tokio::test]
async fn a_thread_cut_short_by_a_crash_is_completed_without_duplicates() {
    let network = DevNetwork::shared().await;
    let (alice, account) = connected(network, "alice").await;
    let bluesky = connector(network);
    let texts = ["First, written before the crash", "Second", "Third"];
    let mut post = thread(texts);
    post.reply_control = ReplyControl::Following;
    let key = key();

    // The crash: only the first part reached the PDS, under its derived key, and then the process died.
    let rkey = bluesky::rkey::record_key(&key, 0).unwrap();
    let record = json!({ "$type": "app.bsky.feed.post", "text": texts[0], "langs": ["en"],
                         "createdAt": chrono::Utc::now().to_rfc3339() });
    let first = ok(reqwest::Client::new()
        .post(network.pds_xrpc("com.atproto.repo.putRecord"))
        .bearer_auth(&alice.access_jwt)
        .json(&json!({ "repo": alice.did, "collection": "app.bsky.feed.post", "rkey": rkey, "swapRecord": null,
                       "record": record })))
    .await;
    assert_eq!(bluesky.find(&account, &key, &post).await.unwrap(), None, "a thread cut short is not found whole");

    let published = bluesky.publish(&account, &key, &post).await.unwrap();
    assert_eq!(published.remote_id, first["uri"].as_str().unwrap(), "the part already there is kept");
    assert_thread(network, &published, &texts).await;
    assert_eq!(records(network, &alice.did, "app.bsky.feed.post").await.len(), 3);
    // The crash came before the reply control too: it is added to the post found.
    let gates = records(network, &alice.did, "app.bsky.feed.threadgate").await;
    assert_eq!(gates.len(), 1, "{gates:?}");
    assert_eq!(gates[0]["value"]["allow"], json!([{ "$type": "app.bsky.feed.threadgate#followingRule" }]));
}

#[tokio::test]
async fn a_key_holding_someone_elses_post_is_not_overwritten() {
    let network = DevNetwork::shared().await;
    let (alice, account) = connected(network, "alice").await;
    let bluesky = connector(network);
    let key = key();
    let rkey = bluesky::rkey::record_key(&key, 0).unwrap();
    let record =
        json!({ "$type": "app.bsky.feed.post", "text": "Not Chorus's", "createdAt": chrono::Utc::now().to_rfc3339() });
    ok(reqwest::Client::new()
        .post(network.pds_xrpc("com.atproto.repo.putRecord"))
        .bearer_auth(&alice.access_jwt)
        .json(&json!({ "repo": alice.did, "collection": "app.bsky.feed.post", "rkey": rkey, "record": record })))
    .await;
    let refused = bluesky.publish(&account, &key, &thread(["Ours", "two", "three"])).await.unwrap_err();
    assert!(matches!(refused, PublishError::Permanent { .. }), "{refused:?}");
    assert_eq!(records(network, &alice.did, "app.bsky.feed.post").await.len(), 1);
}

#[tokio::test]
async fn deleting_removes_every_part_and_may_be_repeated() {
    let network = DevNetwork::shared().await;
    let (alice, account) = connected(network, "alice").await;
    let bluesky = connector(network);
    let mut post = thread(["Going", "going", "gone"]);
    post.reply_control = ReplyControl::Nobody;
    let published = bluesky.publish(&account, &key(), &post).await.unwrap();
    assert_eq!(records(network, &alice.did, "app.bsky.feed.threadgate").await.len(), 1);
    appview_thread(network, &published.remote_id, "the thread", |_| true).await;

    bluesky.delete(&account, &published).await.unwrap();
    for part in &published.parts {
        let (status, body) = get_record(network, &part.id).await;
        assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("RecordNotFound")));
    }
    assert!(records(network, &alice.did, "app.bsky.feed.post").await.is_empty());
    assert!(records(network, &alice.did, "app.bsky.feed.threadgate").await.is_empty());
    eventually("the thread gone", || async {
        let query = [("uri", published.remote_id.as_str())];
        let (status, _) =
            answer(reqwest::Client::new().get(network.appview_xrpc("app.bsky.feed.getPostThread")).query(&query)).await;
        (!status.is_success()).then_some(())
    })
    .await;

    bluesky.delete(&account, &published).await.unwrap();
}

#[tokio::test]
async fn a_wrong_app_password_asks_to_connect_the_account_again() {
    let network = DevNetwork::shared().await;
    let (alice, account) = connected(network, "alice").await;
    let bluesky = connector(network);
    assert_eq!(bluesky.health(&account).await.unwrap(), Health::Healthy { account: alice.handle.clone() });

    // Signing in by DID works too.
    let Credentials::Bluesky(good) = &account else { unreachable!() };
    let by_did = Credentials::Bluesky(bluesky::Credentials { identifier: alice.did.clone(), ..good.clone() });
    assert!(matches!(bluesky.health(&by_did).await.unwrap(), Health::Healthy { .. }));

    let wrong = Credentials::Bluesky(bluesky::Credentials {
        identifier: alice.handle.clone(),
        app_password: "aaaa-bbbb-cccc-dddd".into(),
    });
    let refused = bluesky.publish(&wrong, &key(), &thread(["a", "b", "c"])).await.unwrap_err();
    assert!(matches!(refused, PublishError::Reauthorize { .. }), "{refused:?}");
    assert!(matches!(bluesky.health(&wrong).await.unwrap(), Health::NeedsReauthorization { .. }));
    assert!(records(network, &alice.did, "app.bsky.feed.post").await.is_empty());

    let nobody = Credentials::Bluesky(bluesky::Credentials {
        identifier: unique_handle("nobody"),
        app_password: "aaaa-bbbb-cccc-dddd".into(),
    });
    assert!(matches!(bluesky.health(&nobody).await.unwrap(), Health::NeedsReauthorization { .. }));

    // A revoked app password: the session made with it stops working, and the connector says so.
    let fresh = connector(network);
    assert!(matches!(fresh.health(&account).await.unwrap(), Health::Healthy { .. }));
    ok(reqwest::Client::new()
        .post(network.pds_xrpc("com.atproto.server.revokeAppPassword"))
        .bearer_auth(&alice.access_jwt)
        .json(&json!({ "name": "Chorus" })))
    .await;
    let health = fresh.health(&account).await.unwrap();
    assert!(matches!(health, Health::NeedsReauthorization { .. }), "{health:?}");
}

#[tokio::test]
async fn what_bluesky_would_refuse_is_refused_before_anything_is_written() {
    let network = DevNetwork::shared().await;
    let (alice, account) = connected(network, "alice").await;
    let bluesky = connector(network);
    let image = OutgoingMedia { bytes: images::png(2, 2), media_type: "image/png".into(), ..OutgoingMedia::default() };
    for post in [
        Outgoing { text: "x".repeat(301), ..Outgoing::default() },
        Outgoing { text: "five images".into(), media: vec![image.clone(); 5], ..Outgoing::default() },
        Outgoing {
            text: "a video".into(),
            media: vec![OutgoingMedia { media_type: "video/mp4".into(), ..image.clone() }],
            ..Outgoing::default()
        },
        Outgoing { text: "ok".into(), thread: vec!["y".repeat(400)], ..Outgoing::default() },
    ] {
        let refused = bluesky.publish(&account, &key(), &post).await.unwrap_err();
        assert!(matches!(refused, PublishError::Permanent { .. }), "{refused:?}");
    }
    assert!(records(network, &alice.did, "app.bsky.feed.post").await.is_empty());
}

#[tokio::test]
async fn a_stale_access_token_is_refreshed_and_the_post_still_goes_out() {
    let network = DevNetwork::shared().await;
    let (alice, account) = connected(network, "alice").await;
    let bluesky = connector(network);
    assert!(matches!(bluesky.health(&account).await.unwrap(), Health::Healthy { .. }));
    let saved = bluesky.saved_session(&account).unwrap();
    assert_eq!((saved.did.as_str(), saved.pds.as_str()), (alice.did.as_str(), network.pds_url.as_str()));

    // After a restart, a saved session whose access token the PDS no longer takes (as when it has expired).
    let restarted = connector(network);
    let stale = bluesky::Session { access_jwt: "expired".into(), ..saved.clone() };
    restarted.restore_session(&account, stale).unwrap();
    let published = restarted.publish(&account, &key(), &thread(["Still", "on", "time"])).await.unwrap();
    assert_eq!(published.parts.len(), 3);
    let refreshed = restarted.saved_session(&account).unwrap();
    assert_ne!(refreshed.access_jwt, "expired");
    assert_ne!(refreshed.refresh_jwt, saved.refresh_jwt, "the refresh token turns over with each refresh");
    assert_eq!(records(network, &alice.did, "app.bsky.feed.post").await.len(), 3);
}
