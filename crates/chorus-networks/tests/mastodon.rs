#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot set up should stop loudly

//! The Mastodon connector against the testkit's instance, which checks every request against the description of
//! Mastodon's API: OAuth from registration to a verified account, statuses with their options and media awaited
//! through processing, threads, exactly once (Idempotency-Key, and reading back after an unknown outcome), what each
//! failure means for the job, and deletion.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chorus_networks::mastodon::{self, Config, Mastodon};
use chorus_networks::{
    Connector, Credentials, Health, Outgoing, OutgoingMedia, PublishError, PublishKey, Published, Visibility,
};
use chorus_testkit::images;
use chorus_testkit::mastodon::{Fault, MastodonServer};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const CALLBACK: &str = "https://chorus.example/accounts/mastodon/callback";

fn config() -> Config {
    Config {
        request_timeout: Duration::from_secs(5),
        media_poll_first: Duration::from_millis(10),
        media_poll_max: Duration::from_millis(40),
        media_wait: Duration::from_secs(5),
        ..Config::default()
    }
}

fn connector() -> Mastodon {
    Mastodon::new(config()).unwrap()
}

/// Credentials as the OAuth flow leaves them, with a token the server issued directly.
fn connected(server: &MastodonServer) -> Credentials {
    Credentials::Mastodon(mastodon::Credentials {
        instance: server.url().to_string(),
        client_id: "test-client".into(),
        client_secret: "test-secret".into(),
        access_token: server.issue_token(&mastodon::SCOPES.join(" ")),
        scopes: mastodon::SCOPES.iter().map(|s| s.to_string()).collect(),
    })
}

/// A publish key as the job makes it: from the variant's id.
fn key() -> PublishKey {
    PublishKey::from(chorus_domain::VariantId::new())
}

fn thread(texts: [&str; 3]) -> Outgoing {
    Outgoing {
        text: texts[0].into(),
        thread: texts[1..].iter().map(|t| t.to_string()).collect(),
        visibility: Visibility::Unlisted,
        ..Outgoing::default()
    }
}

fn live(server: &MastodonServer) -> Vec<chorus_testkit::mastodon::PostedStatus> {
    server.statuses().into_iter().filter(|s| !s.deleted).collect()
}

fn ids(published: &Published) -> Vec<String> {
    published.parts.iter().map(|p| p.id.clone()).collect()
}

#[tokio::test]
async fn oauth_registers_the_app_authorizes_with_pkce_and_verifies_the_account() {
    let server = MastodonServer::start().await;
    let mastodon = connector();

    let registration = mastodon.register_app(server.url(), CALLBACK, &[]).await.unwrap();
    assert_eq!(registration.instance, server.url());
    let registered = &server.requests_to("POST", "/api/v1/apps")[0];
    assert_eq!(registered.status, 200);
    assert_eq!(registered.param("client_name"), Some(&json!("Chorus")));
    assert_eq!(registered.param("scopes"), Some(&json!("read:accounts read:statuses write:statuses write:media")));

    let request = Mastodon::authorize_url(&registration).unwrap();
    assert!(request.url.starts_with(&format!("{}/oauth/authorize?", server.url())), "{}", request.url);
    // The person's browser follows the link and the instance sends it back to Chorus with a code.
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let consent = browser.get(&request.url).send().await.unwrap();
    assert_eq!(consent.status(), reqwest::StatusCode::FOUND);
    let location = consent.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with(CALLBACK), "{location}");
    let authorize = &server.requests_to("GET", "/oauth/authorize")[0];
    assert_eq!(authorize.param("code_challenge_method"), Some(&json!("S256")));
    assert_eq!(authorize.param("state"), Some(&json!(request.state)));

    // A redirect that answers another request is refused.
    let forged = location.replace(&request.state, "someone-elses-state");
    assert!(request.code_from_redirect(&forged).is_err());
    let code = request.code_from_redirect(&location).unwrap();
    let account = mastodon.exchange_code(&registration, &request, &code).await.unwrap();
    let token = &server.requests_to("POST", "/oauth/token")[0];
    assert_eq!((token.status, token.param("code_verifier")), (200, Some(&json!(request.code_verifier))));
    let Credentials::Mastodon(credentials) = &account else { panic!("{account:?}") };
    assert_eq!(credentials.instance, server.url());
    assert_eq!(credentials.scopes, mastodon::SCOPES);
    assert!(!format!("{account:?}").contains(&credentials.access_token), "the token must not be printed");
    // A code is good once.
    assert!(matches!(
        mastodon.exchange_code(&registration, &request, &code).await,
        Err(PublishError::Permanent { .. })
    ));

    let verified = mastodon.verify_credentials(&account).await.unwrap();
    let host = server.url().trim_start_matches("http://");
    assert_eq!(verified.id, server.config().account_id);
    assert_eq!((verified.username.as_str(), verified.acct.as_str()), ("chorus", "chorus"));
    assert_eq!(verified.handle, format!("@chorus@{host}"));
    assert_eq!(verified.display_name, "Chorus Tests");
    assert_eq!(mastodon.health(&account).await.unwrap(), Health::Healthy { account: verified.handle });
}

#[tokio::test]
async fn the_instance_limits_are_read_from_api_v2_instance() {
    let server = MastodonServer::start().await;
    server.configure(|c| {
        c.max_characters = 1000;
        c.max_media_attachments = 6;
        c.characters_reserved_per_url = 30;
        c.description_limit = 900;
    });
    let limits = connector().instance_limits(server.url()).await.unwrap();
    assert_eq!((limits.statuses.max_characters, limits.statuses.characters_reserved_per_url), (1000, 30));
    assert_eq!((limits.max_media_attachments, limits.description_limit), (6, 900));
    let defaults = server.config();
    assert_eq!(limits.image_size_limit, defaults.image_size_limit);
    assert_eq!(limits.video_matrix_limit, defaults.video_matrix_limit);
    assert_eq!(limits.supported_mime_types, defaults.supported_mime_types);
}

#[tokio::test]
async fn a_status_carries_its_warning_visibility_and_language_exactly() {
    let server = MastodonServer::start().await;
    let (mastodon, account, key) = (connector(), connected(&server), key());
    let post = Outgoing {
        text: "Spoilers for the finale of https://example.com/show #tv".into(),
        languages: vec!["de".into(), "en".into()],
        visibility: Visibility::Private,
        content_warning: "Finale spoilers".into(),
        ..Outgoing::default()
    };
    let published = mastodon.publish(&account, &key, &post).await.unwrap();

    let sent = server.requests_to("POST", "/api/v1/statuses");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].status, 200);
    let expected = json!({
        "status": post.text,
        "visibility": "private",
        "spoiler_text": "Finale spoilers",
        "sensitive": true,
        "language": "de",
    });
    assert_eq!(Value::Object(sent[0].params.clone()), expected);
    assert_eq!(sent[0].header("idempotency-key"), Some(mastodon::idempotency_key(&key, 0).as_str()));

    let statuses = server.statuses();
    assert_eq!(statuses.len(), 1);
    let status = &statuses[0];
    assert_eq!((status.visibility.as_str(), status.language.as_deref()), ("private", Some("de")));
    assert_eq!((status.spoiler_text.as_str(), status.sensitive), ("Finale spoilers", true));
    assert_eq!(published.remote_id, status.id);
    assert_eq!(published.url, format!("{}/@chorus/{}", server.url(), status.id));
    assert_eq!(ids(&published), vec![status.id.clone()]);
}

#[tokio::test]
async fn images_with_alt_text_are_awaited_through_processing_before_the_status() {
    let server = MastodonServer::start().await;
    server.set_media_processing_polls(2);
    let (mastodon, account) = (connector(), connected(&server));
    let image = |bytes: Vec<u8>, media_type: &str, alt: &str| OutgoingMedia {
        bytes,
        media_type: media_type.into(),
        alt_text: alt.into(),
        width: 64,
        height: 48,
    };
    let post = Outgoing {
        text: "Two photos".into(),
        media: vec![
            image(images::png(64, 48), "image/png", "A red square"),
            image(images::jpeg(64, 48), "image/jpeg", "A blue square"),
        ],
        ..Outgoing::default()
    };
    mastodon.publish(&account, &key(), &post).await.unwrap();

    let media = server.media();
    assert_eq!(media.len(), 2);
    assert_eq!(
        media.iter().map(|m| m.description.as_deref()).collect::<Vec<_>>(),
        [Some("A red square"), Some("A blue square")]
    );
    assert_eq!(media.iter().map(|m| m.content_type.as_str()).collect::<Vec<_>>(), ["image/png", "image/jpeg"]);
    assert!(media.iter().all(|m| m.processed));
    for m in &media {
        let polls: Vec<u16> =
            server.requests_to("GET", &format!("/api/v1/media/{}", m.id)).iter().map(|r| r.status).collect();
        assert_eq!(polls, [206, 206, 200], "media {} polled until processed", m.id);
    }
    let uploads = server.requests_to("POST", "/api/v2/media");
    assert_eq!(uploads.iter().map(|r| r.status).collect::<Vec<_>>(), [202, 202]);

    // One status, sent once (never refused for media still processing), with both files in order.
    let sent = server.requests_to("POST", "/api/v1/statuses");
    assert_eq!(sent.iter().map(|r| r.status).collect::<Vec<_>>(), [200]);
    let statuses = server.statuses();
    assert_eq!(statuses[0].media_ids, media.iter().map(|m| m.id.clone()).collect::<Vec<_>>());
    assert_eq!(statuses[0].text, "Two photos");
}

#[tokio::test]
async fn a_thread_is_a_chain_of_replies_each_with_its_own_key() {
    let server = MastodonServer::start().await;
    let (mastodon, account, key) = (connector(), connected(&server), key());
    let published = mastodon.publish(&account, &key, &thread(["one", "two", "three"])).await.unwrap();

    let statuses = server.statuses();
    assert_eq!(statuses.iter().map(|s| s.text.as_str()).collect::<Vec<_>>(), ["one", "two", "three"]);
    assert_eq!(statuses[0].in_reply_to_id, None);
    assert_eq!(statuses[1].in_reply_to_id.as_deref(), Some(statuses[0].id.as_str()));
    assert_eq!(statuses[2].in_reply_to_id.as_deref(), Some(statuses[1].id.as_str()));
    assert!(statuses.iter().all(|s| s.visibility == "unlisted"));
    let keys: Vec<String> = (0..3).map(|n| mastodon::idempotency_key(&key, n)).collect();
    assert_eq!(statuses.iter().map(|s| s.idempotency_key.clone().unwrap()).collect::<Vec<_>>(), keys);
    assert_eq!(ids(&published), statuses.iter().map(|s| s.id.clone()).collect::<Vec<_>>());
}

#[tokio::test]
async fn publishing_the_same_key_twice_makes_one_thread() {
    let server = MastodonServer::start().await;
    let (mastodon, account, key) = (connector(), connected(&server), key());
    let post = thread(["first", "second", "third"]);
    let once = mastodon.publish(&account, &key, &post).await.unwrap();
    let twice = mastodon.publish(&account, &key, &post).await.unwrap();
    assert_eq!(once, twice);
    assert_eq!(server.requests_to("POST", "/api/v1/statuses").len(), 6, "each part was sent again, with its key");
    assert_eq!(server.statuses().len(), 3, "and the instance answered the statuses it had");
}

#[tokio::test]
async fn a_thread_cut_short_by_a_crash_is_completed_without_duplicates() {
    let server = MastodonServer::start().await;
    let (mastodon, account, key) = (connector(), connected(&server), key());
    let Credentials::Mastodon(credentials) = &account else { unreachable!() };
    let post = thread(["alpha", "beta", "gamma"]);

    // The first attempt posted part 1 and crashed before part 2.
    let first = reqwest::Client::new()
        .post(format!("{}/api/v1/statuses", server.url()))
        .bearer_auth(&credentials.access_token)
        .header("Idempotency-Key", mastodon::idempotency_key(&key, 0))
        .json(&json!({ "status": "alpha", "visibility": "unlisted" }))
        .send()
        .await
        .unwrap();
    assert!(first.status().is_success());
    let first_id = first.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
    assert_eq!(mastodon.find(&account, &key, &post).await.unwrap(), None, "a thread cut short is not found");

    let published = mastodon.publish(&account, &key, &post).await.unwrap();
    let statuses = server.statuses();
    assert_eq!(statuses.iter().map(|s| s.text.as_str()).collect::<Vec<_>>(), ["alpha", "beta", "gamma"]);
    assert_eq!(published.remote_id, first_id);
    assert_eq!(statuses[1].in_reply_to_id.as_deref(), Some(first_id.as_str()));
    assert_eq!(mastodon.find(&account, &key, &post).await.unwrap(), Some(published));
}

#[tokio::test]
async fn a_text_over_the_instance_limit_is_refused_with_the_instance_words_then_before_sending() {
    let server = MastodonServer::start().await;
    let (mastodon, account) = (connector(), connected(&server));
    // The connector reads the limits (500) on its first publish…
    mastodon.publish(&account, &key(), &Outgoing { text: "hello".into(), ..Outgoing::default() }).await.unwrap();
    // …and the admin lowers them afterwards.
    server.set_max_characters(20);
    let long = Outgoing { text: "This text is well over twenty characters".into(), ..Outgoing::default() };
    match mastodon.publish(&account, &key(), &long).await {
        Err(PublishError::Permanent { reason }) => {
            assert!(reason.contains("422"), "{reason}");
            assert!(reason.contains("Validation failed: Text character limit of 20 exceeded"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    let sent = server.requests_to("POST", "/api/v1/statuses").len();
    // The refusal made the connector read the limits again: the next attempt is refused before it is sent.
    match mastodon.publish(&account, &key(), &long).await {
        Err(PublishError::Permanent { reason }) => assert!(reason.contains("at most 20"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(server.requests_to("POST", "/api/v1/statuses").len(), sent);
    assert_eq!(server.statuses().len(), 1);
}

#[tokio::test]
async fn rate_limits_and_outages_are_transient_with_when_to_come_back() {
    let server = MastodonServer::start().await;
    let (mastodon, account) = (connector(), connected(&server));
    let post = Outgoing { text: "patience".into(), ..Outgoing::default() };
    mastodon.instance_limits(server.url()).await.unwrap();

    server.inject_on("POST", "/api/v1/statuses", Fault::RateLimited { times: 1, reset_in: Duration::from_secs(90) });
    match mastodon.publish(&account, &key(), &post).await {
        Err(PublishError::Transient { retry_after, reason }) => {
            assert_eq!(retry_after, Some(Duration::from_secs(90)));
            assert!(reason.contains("429") && reason.contains("Too many requests"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    server.inject_on("POST", "/api/v1/statuses", Fault::Unavailable { times: 1 });
    assert!(matches!(mastodon.publish(&account, &key(), &post).await, Err(PublishError::Transient { .. })));
    server.inject_on("POST", "/api/v2/media", Fault::ServerError { times: 1 });
    let with_image = Outgoing {
        media: vec![OutgoingMedia {
            bytes: images::png(8, 8),
            media_type: "image/png".into(),
            ..OutgoingMedia::default()
        }],
        ..post.clone()
    };
    assert!(matches!(mastodon.publish(&account, &key(), &with_image).await, Err(PublishError::Transient { .. })));
    assert!(server.statuses().is_empty());
    mastodon.publish(&account, &key(), &post).await.unwrap();
}

#[tokio::test]
async fn a_revoked_token_asks_for_the_account_to_be_connected_again() {
    let server = MastodonServer::start().await;
    let (mastodon, account) = (connector(), connected(&server));
    assert!(matches!(mastodon.health(&account).await.unwrap(), Health::Healthy { .. }));
    server.inject(Fault::RevokeTokens);
    let post = Outgoing { text: "hello".into(), ..Outgoing::default() };
    assert!(matches!(mastodon.publish(&account, &key(), &post).await, Err(PublishError::Reauthorize { .. })));
    match mastodon.health(&account).await.unwrap() {
        Health::NeedsReauthorization { reason } => assert!(reason.contains("401"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

/// A TCP relay in front of the instance that, while `hold` is set, keeps the instance's answers back for
/// `ANSWER_HELD`: the request reaches the instance and is acted on, but its answer comes too late.
///
/// The testkit's `Fault::Delay` waits *before* handling, and the server drops the handler when the client gives up,
/// so nothing would be posted; a status whose answer was lost needs the wait after the handling.
async fn relay(upstream: &str) -> (String, Arc<AtomicBool>) {
    const ANSWER_HELD: Duration = Duration::from_millis(1500);
    let upstream = upstream.trim_start_matches("http://").to_string();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let hold = Arc::new(AtomicBool::new(false));
    let held = hold.clone();
    tokio::spawn(async move {
        loop {
            let Ok((client, _)) = listener.accept().await else { return };
            let server = tokio::net::TcpStream::connect(&upstream).await.unwrap();
            let (mut client_read, mut client_write) = client.into_split();
            let (mut server_read, mut server_write) = server.into_split();
            tokio::spawn(async move { tokio::io::copy(&mut client_read, &mut server_write).await });
            let held = held.clone();
            tokio::spawn(async move {
                let mut buffer = vec![0u8; 64 * 1024];
                loop {
                    let n = match server_read.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    if held.load(Ordering::SeqCst) {
                        tokio::time::sleep(ANSWER_HELD).await;
                    }
                    if client_write.write_all(&buffer[..n]).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (format!("http://{address}"), hold)
}

#[tokio::test]
async fn a_status_whose_answer_never_came_is_unknown_then_found() {
    let server = MastodonServer::start().await;
    let (relayed, hold) = relay(server.url()).await;
    let mastodon = Mastodon::new(Config { request_timeout: Duration::from_millis(700), ..config() }).unwrap();
    let Credentials::Mastodon(direct) = connected(&server) else { unreachable!() };
    let account = Credentials::Mastodon(mastodon::Credentials { instance: relayed.clone(), ..direct });
    let key = key();
    let post = Outgoing { text: "Did this go out?".into(), content_warning: "cw".into(), ..Outgoing::default() };
    mastodon.instance_limits(&relayed).await.unwrap();

    hold.store(true, Ordering::SeqCst);
    match mastodon.publish(&account, &key, &post).await {
        Err(PublishError::Unknown { reason }) => assert!(reason.contains("posting the status"), "{reason}"),
        other => panic!("{other:?}"),
    }
    hold.store(false, Ordering::SeqCst);
    let statuses = server.statuses();
    assert_eq!(statuses.len(), 1, "the status went out");
    let found = mastodon.find(&account, &key, &post).await.unwrap().expect("find reads it back");
    assert_eq!(found.remote_id, statuses[0].id);
    assert_eq!(found.url, format!("{}/@chorus/{}", server.url(), statuses[0].id));
    // Another post's text, or the same text without its warning, is not it.
    let other = Outgoing { text: "Something else".into(), ..post.clone() };
    assert_eq!(mastodon.find(&account, &key, &other).await.unwrap(), None);
    let unwarned = Outgoing { content_warning: String::new(), ..post.clone() };
    assert_eq!(mastodon.find(&account, &key, &unwarned).await.unwrap(), None);
    // Publishing again within the hour is answered by the Idempotency-Key: still one status.
    assert_eq!(mastodon.publish(&account, &key, &post).await.unwrap(), found);
    assert_eq!(server.statuses().len(), 1);
}

/// A status posted long ago (its Idempotency-Key forgotten) is found among older pages of the account's statuses.
#[tokio::test]
async fn find_reads_back_several_pages() {
    let server = MastodonServer::start().await;
    let (mastodon, account, key) = (connector(), connected(&server), key());
    let post = thread(["the one", "its reply", "its end"]);
    let published = mastodon.publish(&account, &key, &post).await.unwrap();
    for n in 0..50 {
        let filler = Outgoing { text: format!("later post {n}"), ..Outgoing::default() };
        mastodon.publish(&account, &self::key(), &filler).await.unwrap();
    }
    assert_eq!(mastodon.find(&account, &key, &post).await.unwrap(), Some(published));
    let pages = server.requests_to("GET", &format!("/api/v1/accounts/{}/statuses", server.config().account_id));
    assert_eq!(pages.len(), 2);
    assert!(pages.iter().all(|p| p.status == 200));
}

#[tokio::test]
async fn deleting_removes_every_part_last_first_and_twice_is_fine() {
    let server = MastodonServer::start().await;
    let (mastodon, account) = (connector(), connected(&server));
    let published = mastodon.publish(&account, &key(), &thread(["a", "b", "c"])).await.unwrap();
    mastodon.delete(&account, &published).await.unwrap();
    assert!(server.statuses().iter().all(|s| s.deleted));
    let deleted: Vec<String> = server
        .requests()
        .iter()
        .filter(|r| r.method == "DELETE")
        .map(|r| r.path.rsplit('/').next().unwrap().to_string())
        .collect();
    assert_eq!(deleted, ids(&published).into_iter().rev().collect::<Vec<_>>());
    // Already gone (404) counts as deleted.
    mastodon.delete(&account, &published).await.unwrap();
    assert!(live(&server).is_empty());
}
