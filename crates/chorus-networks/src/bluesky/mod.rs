//! Bluesky (the AT Protocol): sign-in with a handle (or DID) and an app password at the account's own PDS, found
//! from its DID document; posts with facets, images with alt text, link cards, threads and reply controls.
//!
//! # Exactly once
//! Every part of a thread is written under a record key derived from the [`PublishKey`] and the part's number
//! ([`rkey::record_key`]) with `com.atproto.repo.putRecord` and `swapRecord: null`, which creates the record only
//! if the key is free. (A repeated `createRecord` with a taken key answers 500 on the reference PDS, which cannot
//! be told from a real failure; `putRecord` answers 400 `InvalidSwap`.) On `InvalidSwap` the record is read back
//! and, if its text is the part's, taken as already published. So a publish repeated after a crash resumes where
//! the first stopped: parts already written are found, not written again.
//!
//! # Sessions
//! A session (access and refresh tokens) is made with `com.atproto.server.createSession` on first use and kept in
//! memory per account; when the PDS says its access token expired, it is refreshed with
//! `com.atproto.server.refreshSession` (or made again if the refresh token is gone too) and the call repeated once.

mod identity;
pub mod rkey;
mod xrpc;

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use self::xrpc::{Body, CallError, Xrpc};
use crate::{
    Connector, Credentials as AnyCredentials, Health, Network, Outgoing, OutgoingMedia, PublishError, PublishKey,
    Published, RemoteRef, ReplyControl,
};

const POST: &str = "app.bsky.feed.post";
const THREADGATE: &str = "app.bsky.feed.threadgate";
/// `app.bsky.embed.images`: at most 4 images.
pub const MAX_IMAGES: usize = 4;
/// `app.bsky.embed.images#image` and `app.bsky.embed.external#external` thumbnails: `maxSize: 1000000`.
pub const MAX_IMAGE_BYTES: usize = 1_000_000;
/// `app.bsky.feed.post`: `langs` has at most 3 entries.
pub const MAX_LANGS: usize = 3;
/// Long enough for an image upload on a slow link; a hung connection still ends.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the Bluesky network's services are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The PLC directory, which holds the DID documents of `did:plc` accounts.
    pub plc_url: String,
    /// A service that answers `com.atproto.identity.resolveHandle` for any handle (the AppView does).
    pub handle_resolver_url: String,
    /// The web app that shows posts: a post is at `<web_url>/profile/<handle>/post/<record key>`.
    pub web_url: String,
}

impl Config {
    /// The public Bluesky network.
    pub fn public() -> Self {
        Self {
            plc_url: "https://plc.directory".into(),
            handle_resolver_url: "https://public.api.bsky.app".into(),
            web_url: "https://bsky.app".into(),
        }
    }
}

/// A Bluesky account as it is connected: its handle or DID and an app password (Settings → App passwords), never
/// the account's main password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    /// `alice.bsky.social` or `did:plc:…`.
    pub identifier: String,
    pub app_password: String,
}

impl std::fmt::Debug for Credentials {
    // Never print the app password, even in a debug log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("identifier", &self.identifier).field("app_password", &"…").finish()
    }
}

/// A signed-in session at the account's PDS. The connector keeps it in memory; a caller may save it
/// ([`Bluesky::saved_session`], encrypted like any secret) and hand it back after a restart
/// ([`Bluesky::restore_session`]), since Bluesky limits how often an account may sign in.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub did: String,
    pub handle: String,
    /// The address of the account's PDS, from its DID document.
    pub pds: String,
    pub access_jwt: String,
    pub refresh_jwt: String,
}

impl std::fmt::Debug for Session {
    // Tokens are secrets: never in a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("did", &self.did).field("handle", &self.handle).field("pds", &self.pds).finish()
    }
}

/// A record as the PDS names it: its `at://` URI and the CID of its content (a "strong ref" needs both).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Written {
    uri: String,
    cid: String,
}

impl Written {
    fn from_answer(answer: &Value) -> Option<Self> {
        let field = |name: &str| answer[name].as_str().filter(|v| !v.is_empty()).map(str::to_string);
        Some(Self { uri: field("uri")?, cid: field("cid")? })
    }

    fn strong_ref(&self) -> Value {
        json!({ "uri": self.uri, "cid": self.cid })
    }
}

/// The Bluesky connector. One serves every account; keep one per process (it holds the sessions).
pub struct Bluesky {
    http: reqwest::Client,
    xrpc: Xrpc,
    config: Config,
    /// Sessions by account (identifier and app password, so a changed password is a new sign-in).
    sessions: Mutex<HashMap<(String, String), Session>>,
}

impl Bluesky {
    pub fn new(config: Config) -> Result<Self, PublishError> {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .user_agent(concat!("Chorus/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| PublishError::permanent(format!("cannot make an HTTP client: {e}")))?;
        Ok(Self { xrpc: Xrpc::new(http.clone()), http, config, sessions: Mutex::new(HashMap::new()) })
    }

    /// The session the connector holds for an account, to save.
    pub fn saved_session(&self, account: &AnyCredentials) -> Option<Session> {
        self.cached(self.credentials(account).ok()?)
    }

    /// Hands back a saved session, used (and refreshed when the PDS says it expired) instead of a new sign-in.
    pub fn restore_session(&self, account: &AnyCredentials, session: Session) -> Result<(), PublishError> {
        self.remember(self.credentials(account)?, Some(&session));
        Ok(())
    }

    fn credentials<'a>(&self, account: &'a AnyCredentials) -> Result<&'a Credentials, PublishError> {
        match account {
            AnyCredentials::Bluesky(credentials) => Ok(credentials),
            #[allow(unreachable_patterns)] // more networks join the enum
            other => Err(PublishError::permanent(format!(
                "{:?} credentials given to the Bluesky connector",
                other.network()
            ))),
        }
    }

    fn cache_key(credentials: &Credentials) -> (String, String) {
        (credentials.identifier.trim().to_lowercase(), credentials.app_password.clone())
    }

    fn cached(&self, credentials: &Credentials) -> Option<Session> {
        self.sessions.lock().ok()?.get(&Self::cache_key(credentials)).cloned()
    }

    fn remember(&self, credentials: &Credentials, session: Option<&Session>) {
        if let Ok(mut sessions) = self.sessions.lock() {
            match session {
                Some(session) => sessions.insert(Self::cache_key(credentials), session.clone()),
                None => sessions.remove(&Self::cache_key(credentials)),
            };
        }
    }

    /// The account's session: the one in memory, else a new sign-in.
    async fn ensure_session(&self, credentials: &Credentials) -> Result<Session, PublishError> {
        match self.cached(credentials) {
            Some(session) => Ok(session),
            None => self.sign_in(credentials).await,
        }
    }

    /// Signs in at the account's own PDS: handle → DID → DID document → PDS → `createSession`.
    async fn sign_in(&self, credentials: &Credentials) -> Result<Session, PublishError> {
        let identifier = credentials.identifier.trim().trim_start_matches('@');
        let did = if identifier.starts_with("did:") {
            identifier.to_string()
        } else {
            identity::resolve_handle(&self.xrpc, &self.config.handle_resolver_url, identifier)
                .await?
                .ok_or_else(|| PublishError::reauthorize(format!("the handle {identifier} belongs to no account")))?
        };
        let pds = identity::pds_of(&self.http, &self.config.plc_url, &did).await?;
        let input = json!({ "identifier": did, "password": credentials.app_password });
        let answer =
            self.xrpc.call(&pds, "com.atproto.server.createSession", None, Body::Json(Some(input))).await.map_err(
                |failure| match failure.status.map(|s| s.as_u16()) {
                    // 401 AuthenticationRequired is "Invalid identifier or password".
                    Some(400 | 401) if !failure.is("RateLimitExceeded") => PublishError::reauthorize(format!(
                        "Bluesky refused the app password for {identifier}: {}",
                        if failure.message.is_empty() { &failure.error } else { &failure.message }
                    )),
                    _ => failure.to_publish_error("signing in"),
                },
            )?;
        let session = Self::session_from(&answer, &pds)?;
        if session.did != did {
            return Err(PublishError::reauthorize(format!("{identifier} signed in as {}, not {did}", session.did)));
        }
        self.remember(credentials, Some(&session));
        Ok(session)
    }

    fn session_from(answer: &Value, pds: &str) -> Result<Session, PublishError> {
        let field = |name: &str| {
            answer[name]
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| PublishError::transient(format!("the PDS's session has no {name}")))
        };
        Ok(Session {
            did: field("did")?,
            handle: field("handle")?,
            pds: pds.to_string(),
            access_jwt: field("accessJwt")?,
            refresh_jwt: field("refreshJwt")?,
        })
    }

    /// A fresh session after the access token expired: refreshed, or made anew if the refresh token is gone.
    async fn refresh(&self, credentials: &Credentials, stale: &Session) -> Result<Session, PublishError> {
        let refreshed = self
            .xrpc
            .call(&stale.pds, "com.atproto.server.refreshSession", Some(&stale.refresh_jwt), Body::Json(None))
            .await;
        match refreshed {
            Ok(answer) => {
                let session = Self::session_from(&answer, &stale.pds)?;
                self.remember(credentials, Some(&session));
                Ok(session)
            }
            Err(failure) if failure.status.is_some_and(|s| s.is_client_error()) => {
                self.remember(credentials, None);
                self.sign_in(credentials).await
            }
            Err(failure) => Err(failure.to_publish_error("refreshing the session")),
        }
    }

    /// Calls `nsid` on the account's PDS with its session, refreshing the session once if the PDS says it expired.
    async fn authed(&self, credentials: &Credentials, nsid: &str, body: Body) -> Result<(Value, Session), Failure> {
        let session = self.ensure_session(credentials).await.map_err(Failure::Other)?;
        match self.xrpc.call(&session.pds, nsid, Some(&session.access_jwt), body.clone()).await {
            Ok(answer) => Ok((answer, session)),
            Err(failure) if failure.is_stale_token() || failure.status == Some(reqwest::StatusCode::UNAUTHORIZED) => {
                let session = self.refresh(credentials, &session).await.map_err(Failure::Other)?;
                match self.xrpc.call(&session.pds, nsid, Some(&session.access_jwt), body).await {
                    Ok(answer) => Ok((answer, session)),
                    Err(failure) => Err(Failure::Call(failure)),
                }
            }
            Err(failure) => Err(Failure::Call(failure)),
        }
    }

    /// Like [`Self::authed`], with the failure in the job's terms; `doing` words it.
    async fn call(
        &self,
        credentials: &Credentials,
        nsid: &str,
        body: Body,
        doing: &str,
    ) -> Result<(Value, Session), PublishError> {
        self.authed(credentials, nsid, body).await.map_err(|failure| failure.into_publish_error(doing))
    }

    /// A record of the account, or `None` if there is none under that key.
    async fn get_record(
        &self,
        session: &Session,
        collection: &str,
        rkey: &str,
    ) -> Result<Option<(Written, Value)>, PublishError> {
        let query = Body::Query(vec![
            ("repo".into(), session.did.clone()),
            ("collection".into(), collection.into()),
            ("rkey".into(), rkey.into()),
        ]);
        match self.xrpc.call(&session.pds, "com.atproto.repo.getRecord", None, query).await {
            Ok(answer) => match Written::from_answer(&answer) {
                Some(written) => Ok(Some((written, answer["value"].clone()))),
                None => Err(PublishError::transient(format!("getRecord answered without a URI and CID: {answer}"))),
            },
            Err(failure) if failure.is("RecordNotFound") => Ok(None),
            Err(failure) => Err(failure.to_publish_error("reading a post back")),
        }
    }

    /// Writes `record` under `rkey` unless the key is taken: `None` when it is taken.
    async fn put_if_absent(
        &self,
        credentials: &Credentials,
        collection: &str,
        rkey: &str,
        record: Value,
    ) -> Result<(Option<Written>, Session), PublishError> {
        let did = self.ensure_session(credentials).await?.did;
        let input = json!({
            "repo": did, "collection": collection, "rkey": rkey, "swapRecord": null, "record": record,
        });
        match self.authed(credentials, "com.atproto.repo.putRecord", Body::Json(Some(input))).await {
            Ok((answer, session)) => match Written::from_answer(&answer) {
                Some(written) => Ok((Some(written), session)),
                // Written, most likely, but unreadable: reading it back (`find`, or `publish` again) tells.
                None => Err(PublishError::unknown(format!("putRecord answered without a URI and CID: {answer}"))),
            },
            Err(Failure::Call(failure)) if failure.is("InvalidSwap") => {
                Ok((None, self.ensure_session(credentials).await?))
            }
            Err(failure) => Err(failure.into_publish_error(&format!("writing {collection} {rkey}"))),
        }
    }

    /// The DIDs of the handles mentioned in any part; unresolvable handles are left out (they stay plain text).
    async fn resolve_mentions(&self, post: &Outgoing) -> Result<BTreeMap<String, String>, PublishError> {
        let mut dids = BTreeMap::new();
        for text in post.parts() {
            let facets = chorus_text::bluesky::detect_facets(text);
            for handle in chorus_text::bluesky::mention_handles(&facets) {
                if dids.contains_key(handle) {
                    continue;
                }
                if let Some(did) =
                    identity::resolve_handle(&self.xrpc, &self.config.handle_resolver_url, handle).await?
                {
                    dids.insert(handle.to_string(), did);
                }
            }
        }
        Ok(dids)
    }

    async fn upload(&self, credentials: &Credentials, media: &OutgoingMedia) -> Result<Value, PublishError> {
        let body = Body::Bytes { bytes: media.bytes.clone(), media_type: media.media_type.clone() };
        let (answer, _) = self.call(credentials, "com.atproto.repo.uploadBlob", body, "uploading an image").await?;
        match answer.get("blob") {
            Some(blob) if blob.is_object() => Ok(blob.clone()),
            _ => Err(PublishError::transient(format!("uploadBlob answered without a blob: {answer}"))),
        }
    }

    /// The embed of the first part: its images, else a card for its link.
    async fn embed(&self, credentials: &Credentials, post: &Outgoing) -> Result<Option<Value>, PublishError> {
        if !post.media.is_empty() {
            let mut images = Vec::new();
            for media in &post.media {
                let mut image = json!({ "alt": media.alt_text, "image": self.upload(credentials, media).await? });
                if media.width > 0 && media.height > 0 {
                    image["aspectRatio"] = json!({ "width": media.width, "height": media.height });
                }
                images.push(image);
            }
            return Ok(Some(json!({ "$type": "app.bsky.embed.images", "images": images })));
        }
        let Some(link) = &post.link else { return Ok(None) };
        let mut external = json!({ "uri": link.url, "title": link.title, "description": link.description });
        if let Some(thumbnail) = &link.thumbnail {
            external["thumb"] = self.upload(credentials, thumbnail).await?;
        }
        Ok(Some(json!({ "$type": "app.bsky.embed.external", "external": external })))
    }

    /// Refuses, before anything is written, what the network would refuse part-way through.
    fn check(post: &Outgoing) -> Result<(), PublishError> {
        let parts = 1 + post.thread.len();
        if parts > rkey::MAX_PARTS {
            return Err(PublishError::permanent(format!(
                "a thread of {parts} parts is longer than the {} Chorus publishes to Bluesky",
                rkey::MAX_PARTS
            )));
        }
        for (n, text) in post.parts().enumerate() {
            let length = chorus_text::bluesky::length(text);
            if !length.fits() {
                return Err(PublishError::permanent(format!(
                    "part {} is {} graphemes and {} bytes; Bluesky takes at most {} and {}",
                    n + 1,
                    length.graphemes,
                    length.bytes,
                    chorus_text::bluesky::MAX_GRAPHEMES,
                    chorus_text::bluesky::MAX_BYTES
                )));
            }
        }
        if post.media.len() > MAX_IMAGES {
            return Err(PublishError::permanent(format!("Bluesky takes at most {MAX_IMAGES} images per post")));
        }
        let thumbnail = post.link.as_ref().and_then(|link| link.thumbnail.as_ref());
        for media in post.media.iter().chain(thumbnail) {
            if !media.media_type.starts_with("image/") {
                return Err(PublishError::permanent(format!(
                    "{} is not an image; Chorus does not publish videos to Bluesky yet",
                    media.media_type
                )));
            }
            if media.bytes.len() > MAX_IMAGE_BYTES {
                return Err(PublishError::permanent(format!(
                    "an image of {} bytes is larger than the {MAX_IMAGE_BYTES} Bluesky takes",
                    media.bytes.len()
                )));
            }
        }
        if post.languages.len() > MAX_LANGS {
            return Err(PublishError::permanent(format!("Bluesky takes at most {MAX_LANGS} languages per post")));
        }
        Ok(())
    }

    fn record_key(key: &PublishKey, part: usize) -> Result<String, PublishError> {
        rkey::record_key(key, part)
            .ok_or_else(|| PublishError::permanent(format!("a thread has at most {} parts", rkey::MAX_PARTS)))
    }

    fn post_url(&self, session: &Session, uri: &str) -> String {
        let rkey = uri.rsplit('/').next().unwrap_or_default();
        format!("{}/profile/{}/post/{rkey}", self.config.web_url.trim_end_matches('/'), session.handle)
    }

    fn published(&self, session: &Session, written: &[Written]) -> Published {
        let parts: Vec<RemoteRef> =
            written.iter().map(|w| RemoteRef { id: w.uri.clone(), url: self.post_url(session, &w.uri) }).collect();
        Published {
            remote_id: parts.first().map(|p| p.id.clone()).unwrap_or_default(),
            url: parts.first().map(|p| p.url.clone()).unwrap_or_default(),
            parts,
        }
    }

    /// Writes the threadgate of a reply control unless it is there. It shares the root's record key, as the
    /// lexicon requires, so one already there is this one.
    async fn gate(
        &self,
        credentials: &Credentials,
        root: &Written,
        rkey: &str,
        control: ReplyControl,
    ) -> Result<(), PublishError> {
        if let Some(gate) = Self::threadgate(root, control) {
            self.put_if_absent(credentials, THREADGATE, rkey, gate).await?;
        }
        Ok(())
    }

    /// The threadgate for a reply control, `None` for "everyone" (no gate).
    fn threadgate(root: &Written, control: ReplyControl) -> Option<Value> {
        let allow = match control {
            ReplyControl::Everyone => return None,
            ReplyControl::Following => json!([{ "$type": "app.bsky.feed.threadgate#followingRule" }]),
            ReplyControl::Mentioned => json!([{ "$type": "app.bsky.feed.threadgate#mentionRule" }]),
            ReplyControl::Nobody => json!([]),
        };
        Some(json!({
            "$type": THREADGATE, "post": root.uri, "allow": allow, "createdAt": now(),
        }))
    }
}

/// Why an authenticated call failed: the call itself, or getting a session for it.
enum Failure {
    Call(CallError),
    Other(PublishError),
}

impl Failure {
    fn into_publish_error(self, doing: &str) -> PublishError {
        match self {
            Failure::Call(failure) => failure.to_publish_error(doing),
            Failure::Other(error) => error,
        }
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The parts of an `at://did/collection/rkey` URI.
fn parse_at_uri(uri: &str) -> Option<(&str, &str, &str)> {
    let mut pieces = uri.strip_prefix("at://")?.split('/');
    let parts = (pieces.next()?, pieces.next()?, pieces.next()?);
    pieces.next().is_none().then_some(parts)
}

#[async_trait]
impl Connector for Bluesky {
    fn network(&self) -> Network {
        Network::Bluesky
    }

    async fn publish(
        &self,
        account: &AnyCredentials,
        key: &PublishKey,
        post: &Outgoing,
    ) -> Result<Published, PublishError> {
        let credentials = self.credentials(account)?;
        Self::check(post)?;
        let mentions = self.resolve_mentions(post).await?;
        let mut session = self.ensure_session(credentials).await?;
        let mut written: Vec<Written> = Vec::new();
        for (n, text) in post.parts().enumerate() {
            let rkey = Self::record_key(key, n)?;
            // A part already there (an earlier attempt wrote it) is found, not written again; the images of the
            // first part are uploaded only when it is missing.
            if let Some((existing, value)) = self.get_record(&session, POST, &rkey).await? {
                ensure_ours(&value, text, &rkey)?;
                if n == 0 {
                    // The crash may have come between the post and its gate.
                    self.gate(credentials, &existing, &rkey, post.reply_control).await?;
                }
                written.push(existing);
                continue;
            }
            let facets = chorus_text::bluesky::resolve_mentions(&chorus_text::bluesky::detect_facets(text), |h| {
                mentions.get(h).cloned()
            });
            let mut record = json!({ "$type": POST, "text": text, "createdAt": now() });
            if !facets.is_empty() {
                record["facets"] = json!(facets);
            }
            if !post.languages.is_empty() {
                record["langs"] = json!(post.languages);
            }
            if let (Some(root), Some(parent)) = (written.first(), written.last()) {
                record["reply"] = json!({ "root": root.strong_ref(), "parent": parent.strong_ref() });
            } else if let Some(embed) = self.embed(credentials, post).await? {
                record["embed"] = embed;
            }
            let (created, current) = self.put_if_absent(credentials, POST, &rkey, record).await?;
            session = current;
            let part = match created {
                Some(created) => created,
                // Written between our read and our write (a concurrent attempt): read it and check it.
                None => {
                    let (existing, value) = self
                        .get_record(&session, POST, &rkey)
                        .await?
                        .ok_or_else(|| PublishError::transient(format!("{rkey} was taken but cannot be read back")))?;
                    ensure_ours(&value, text, &rkey)?;
                    existing
                }
            };
            if n == 0 {
                self.gate(credentials, &part, &rkey, post.reply_control).await?;
            }
            written.push(part);
        }
        if session.handle.is_empty() {
            session = self.ensure_session(credentials).await?;
        }
        Ok(self.published(&session, &written))
    }

    async fn find(
        &self,
        account: &AnyCredentials,
        key: &PublishKey,
        post: &Outgoing,
    ) -> Result<Option<Published>, PublishError> {
        let credentials = self.credentials(account)?;
        let session = self.ensure_session(credentials).await?;
        let mut written = Vec::new();
        for (n, text) in post.parts().enumerate() {
            let rkey = Self::record_key(key, n)?;
            let Some((existing, value)) = self.get_record(&session, POST, &rkey).await? else { return Ok(None) };
            ensure_ours(&value, text, &rkey)?;
            written.push(existing);
        }
        Ok(Some(self.published(&session, &written)))
    }

    async fn delete(&self, account: &AnyCredentials, published: &Published) -> Result<(), PublishError> {
        let credentials = self.credentials(account)?;
        let did = self.ensure_session(credentials).await?.did;
        // Replies first, so that no part is ever left pointing at a deleted parent it could still be read under.
        for (n, part) in published.parts.iter().enumerate().rev() {
            let (repo, collection, rkey) = parse_at_uri(&part.id)
                .ok_or_else(|| PublishError::permanent(format!("{} is not an at:// URI of a record", part.id)))?;
            if repo != did {
                return Err(PublishError::permanent(format!(
                    "{} belongs to {repo}, not to this account ({did})",
                    part.id
                )));
            }
            let mut collections = vec![collection];
            if n == 0 {
                // A reply control lives in a threadgate under the root's key; deleting an absent one is harmless.
                collections.push(THREADGATE);
            }
            for collection in collections {
                let input = json!({ "repo": did, "collection": collection, "rkey": rkey });
                self.call(
                    credentials,
                    "com.atproto.repo.deleteRecord",
                    Body::Json(Some(input)),
                    &format!("deleting {}", part.id),
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn health(&self, account: &AnyCredentials) -> Result<Health, PublishError> {
        let credentials = self.credentials(account)?;
        // An access token stays valid until it expires even after its app password is revoked; refreshing asks the
        // PDS whether the grant still stands (and, failing that, signs in again with the app password).
        let checked = match self.cached(credentials) {
            Some(session) => self.refresh(credentials, &session).await.map(|_| ()),
            // A new sign-in is proof enough.
            None => self.sign_in(credentials).await.map(|_| ()),
        };
        if let Err(PublishError::Reauthorize { reason }) = checked {
            self.remember(credentials, None);
            return Ok(Health::NeedsReauthorization { reason });
        }
        checked?;
        match self
            .call(credentials, "com.atproto.server.getSession", Body::Query(Vec::new()), "checking the session")
            .await
        {
            Ok((answer, session)) => {
                Ok(Health::Healthy { account: answer["handle"].as_str().unwrap_or(&session.handle).to_string() })
            }
            Err(PublishError::Reauthorize { reason }) => {
                self.remember(credentials, None);
                Ok(Health::NeedsReauthorization { reason })
            }
            Err(other) => Err(other),
        }
    }
}

/// A record found under a derived key is ours if it is a post with the part's text; anything else there means the
/// key is taken by something Chorus did not write, and publishing over it would lose it.
fn ensure_ours(value: &Value, text: &str, rkey: &str) -> Result<(), PublishError> {
    if value["text"].as_str() == Some(text) {
        Ok(())
    } else {
        Err(PublishError::permanent(format!(
            "the record key {rkey} already holds another post; it was not written by this publication"
        )))
    }
}
