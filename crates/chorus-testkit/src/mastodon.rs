//! A Mastodon instance for tests, in memory on a loopback port: the endpoints Chorus uses, each request checked
//! against our description of the Mastodon API ([`spec`], after the community OpenAPI description of Mastodon
//! [`SCHEMA_VERSION`]) and answered the way its documented examples are.
//!
//! - Registration (`POST /api/v1/apps`) and OAuth's authorization-code flow: `GET /oauth/authorize` is the user
//!   consenting at once and redirects with a `code` (PKCE `S256` verified), `POST /oauth/token` (authorization code,
//!   client credentials and, when [`Config::refresh_tokens`], refresh), `POST /oauth/revoke`.
//! - `GET /api/v1/accounts/verify_credentials`, `GET /api/v2/instance` with the limits of [`Config`].
//! - `POST /api/v2/media` answers `202` with `url: null`, then `GET /api/v1/media/:id` answers `206` for
//!   [`Config::media_processing_polls`] polls before `200`; `PUT /api/v1/media/:id` sets description and focus.
//! - `POST /api/v1/statuses` (text counted as the server counts it, by `chorus_text`; `Idempotency-Key` honoured for
//!   [`Config::idempotency_window`]; `scheduled_at` answers a `ScheduledStatus`), `GET` and `DELETE
//!   /api/v1/statuses/:id`, `GET /api/v1/accounts/:id/statuses`, `GET /api/v1/notifications`,
//!   `GET /api/v1/conversations`.
//!
//! A request with a parameter the description does not know, of the wrong type, outside its enum or missing a
//! required one is answered `422 {"error": "Validation failed: …"}`; a missing, unknown or revoked token `401`.
//! Every request is recorded ([`MastodonServer::requests`]) with its parsed parameters and the status it got.
//! Faults ([`Fault`]) make the next requests fail, wait, hit the rate limit or keep media processing.
//!
//! In a test: `let server = MastodonServer::start().await;` gives an instance at [`MastodonServer::url`];
//! `server.set_max_characters(1000)` or `server.configure(|c| …)` changes what `/api/v2/instance` reports and
//! enforces; `server.issue_token("read write")` skips the OAuth dance; `server.inject(Fault::RateLimited { … })`
//! makes the next request fail; afterwards `server.statuses()`, `server.media()` and `server.requests()` show what
//! Chorus sent. Everything is in memory and goes when the handle is dropped.

// An error here is the HTTP answer itself, built once per request: boxing it would buy nothing.
#![allow(clippy::result_large_err)]

pub mod entities;
pub mod spec;

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use chorus_text::networks::{self, Draft, Field, Limits, MastodonLimits, Network};
use chrono::{DateTime, Duration as ChronoDuration, Utc};
use serde_json::{Map, Value, json};
use sha2::Digest as _;

pub use spec::SCHEMA_VERSION;
use spec::{Auth, Endpoint, In, Presence, Type};

/// The instance's settings; change them with [`MastodonServer::configure`] or the setters.
#[derive(Debug, Clone)]
pub struct Config {
    pub title: String,
    /// The Mastodon version the instance reports.
    pub version: String,
    /// The signed-in user's `username` and account `id`.
    pub username: String,
    pub account_id: String,
    pub display_name: String,
    /// `configuration.statuses`.
    pub max_characters: usize,
    pub max_media_attachments: usize,
    pub characters_reserved_per_url: usize,
    /// `configuration.media_attachments`.
    pub description_limit: usize,
    pub image_size_limit: u64,
    pub image_matrix_limit: u64,
    pub video_size_limit: u64,
    pub video_matrix_limit: u64,
    pub video_frame_rate_limit: u64,
    pub supported_mime_types: Vec<String>,
    /// How many `GET /api/v1/media/:id` answer `206` before `200`; with 0 the upload answers `200` with its URL.
    pub media_processing_polls: usize,
    /// Whether `POST /oauth/token` issues refresh tokens (Mastodon does not by default).
    pub refresh_tokens: bool,
    /// Whether the user consents at `GET /oauth/authorize` (else the redirect carries `error=access_denied`).
    pub user_consents: bool,
    /// How long an `Idempotency-Key` is remembered (an hour on Mastodon).
    pub idempotency_window: Duration,
    /// `X-RateLimit-Limit` (300 requests per 5 minutes on Mastodon).
    pub rate_limit: u64,
}

impl Default for Config {
    /// The limits of mastodon.social's documented `Instance` example (its media types shortened).
    fn default() -> Self {
        Config {
            title: "Chorus test instance".to_string(),
            version: "4.5.0".to_string(),
            username: "chorus".to_string(),
            account_id: "109412000000000001".to_string(),
            display_name: "Chorus Tests".to_string(),
            max_characters: 500,
            max_media_attachments: 4,
            characters_reserved_per_url: 23,
            description_limit: 1500,
            image_size_limit: 16_777_216,
            image_matrix_limit: 33_177_600,
            video_size_limit: 103_809_024,
            video_matrix_limit: 8_294_400,
            video_frame_rate_limit: 120,
            supported_mime_types: [
                "image/jpeg",
                "image/png",
                "image/gif",
                "image/heic",
                "image/heif",
                "image/webp",
                "image/avif",
                "video/webm",
                "video/mp4",
                "video/quicktime",
                "video/ogg",
                "audio/wave",
                "audio/wav",
                "audio/x-wav",
                "audio/ogg",
                "audio/mpeg",
                "audio/mp3",
                "audio/webm",
                "audio/flac",
                "audio/aac",
                "audio/m4a",
                "audio/mp4",
            ]
            .map(String::from)
            .to_vec(),
            media_processing_polls: 1,
            refresh_tokens: false,
            user_consents: true,
            idempotency_window: Duration::from_secs(3600),
            rate_limit: 300,
        }
    }
}

/// Something going wrong, switched on by a test with [`MastodonServer::inject`].
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// The next `times` requests answer `503 Service Unavailable`.
    Unavailable { times: usize },
    /// The next `times` requests answer `500 Internal Server Error`.
    ServerError { times: usize },
    /// The next `times` requests answer `429` with `X-RateLimit-Remaining: 0`, `X-RateLimit-Reset` `reset_in` from
    /// now and `Retry-After`.
    RateLimited { times: usize, reset_in: Duration },
    /// The next `times` requests are answered (normally) only after `delay`.
    Delay { times: usize, delay: Duration },
    /// The next upload stays processing for `polls` polls (`206`) whatever [`Config::media_processing_polls`] says.
    MediaProcessing { polls: usize },
    /// Every token issued so far is revoked now (the user withdrew the app's access).
    RevokeTokens,
}

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    /// The raw query string ("" when none).
    pub query: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    /// The parameters of the query, the body and the path (arrays for `name[]` keys and JSON arrays; files as
    /// `{"filename", "content_type", "size"}`).
    pub params: Map<String, Value>,
    /// The file parts of a multipart body.
    pub files: Vec<RecordedFile>,
    /// The status the server answered with.
    pub status: u16,
}

impl RecordedRequest {
    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    /// Parameter `name`.
    pub fn param(&self, name: &str) -> Option<&Value> {
        self.params.get(name)
    }
}

/// A file part of a multipart request.
#[derive(Debug, Clone)]
pub struct RecordedFile {
    pub field: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

/// A status as Chorus posted it.
#[derive(Debug, Clone, PartialEq)]
pub struct PostedStatus {
    pub id: String,
    /// The `status` text as sent.
    pub text: String,
    pub spoiler_text: String,
    pub visibility: String,
    pub sensitive: bool,
    /// The language if it was a valid code, as Mastodon keeps it.
    pub language: Option<String>,
    pub media_ids: Vec<String>,
    pub in_reply_to_id: Option<String>,
    pub idempotency_key: Option<String>,
    /// When it is scheduled for, if it was posted with `scheduled_at`.
    pub scheduled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub deleted: bool,
}

/// An uploaded media file.
#[derive(Debug, Clone)]
pub struct UploadedMedia {
    pub id: String,
    pub kind: String,
    pub content_type: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub description: Option<String>,
    pub focus: Option<(f64, f64)>,
    /// Whether processing finished (a poll answered `200`, or none was needed).
    pub processed: bool,
    /// The status it is attached to.
    pub status_id: Option<String>,
}

/// A running test instance; dropping it stops the server.
pub struct MastodonServer {
    url: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for MastodonServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl MastodonServer {
    /// Starts an instance with the default [`Config`] on a free loopback port.
    pub async fn start() -> MastodonServer {
        Self::start_with(Config::default()).await
    }

    /// Starts an instance with `config`.
    pub async fn start_with(config: Config) -> MastodonServer {
        let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .await
            .expect("bind a loopback port for the Mastodon test server");
        let addr = listener.local_addr().expect("the Mastodon test server's address");
        let url = format!("http://{addr}");
        let shared = Arc::new(Shared {
            url: url.clone(),
            domain: addr.to_string(),
            state: Mutex::new(ServerState::new(config)),
        });
        let app = axum::Router::new().fallback(serve).with_state(shared.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        MastodonServer { url, shared, task }
    }

    /// The instance's base URL, `http://127.0.0.1:<port>` (no trailing slash).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Every request so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state().requests.clone()
    }

    /// The requests to `method` `path` (the path as sent, e.g. `/api/v1/statuses`).
    pub fn requests_to(&self, method: &str, path: &str) -> Vec<RecordedRequest> {
        self.requests().into_iter().filter(|r| r.method == method && r.path == path).collect()
    }

    /// Every status posted, in the order posted (deleted ones with `deleted`, scheduled ones with `scheduled_at`).
    pub fn statuses(&self) -> Vec<PostedStatus> {
        self.state().statuses.iter().map(|s| s.status.clone()).collect()
    }

    /// Every uploaded media file, in the order uploaded.
    pub fn media(&self) -> Vec<UploadedMedia> {
        self.state().media.iter().map(Media::public).collect()
    }

    /// Switches a fault on for any request.
    pub fn inject(&self, fault: Fault) {
        self.inject_where(None, fault);
    }

    /// Switches a fault on for requests to one endpoint only (`path` as the description writes it, e.g.
    /// `/api/v1/media/{id}`).
    pub fn inject_on(&self, method: &str, path: &str, fault: Fault) {
        self.inject_where(Some((method.to_string(), path.to_string())), fault);
    }

    fn inject_where(&self, only: Option<(String, String)>, fault: Fault) {
        let mut state = self.state();
        match fault {
            Fault::RevokeTokens => state.tokens.iter_mut().for_each(|t| t.revoked = true),
            Fault::MediaProcessing { polls } => state.next_processing_polls = Some(polls),
            Fault::Unavailable { times }
            | Fault::ServerError { times }
            | Fault::RateLimited { times, .. }
            | Fault::Delay { times, .. } => state.faults.push(Armed { fault, remaining: times, only }),
        }
    }

    /// Removes every pending fault.
    pub fn clear_faults(&self) {
        let mut state = self.state();
        state.faults.clear();
        state.next_processing_polls = None;
    }

    /// The current configuration.
    pub fn config(&self) -> Config {
        self.state().config.clone()
    }

    /// Changes the configuration.
    pub fn configure(&self, change: impl FnOnce(&mut Config)) {
        change(&mut self.state().config);
    }

    /// `configuration.statuses.max_characters`.
    pub fn set_max_characters(&self, max: usize) {
        self.configure(|c| c.max_characters = max);
    }

    /// `configuration.statuses.max_media_attachments`.
    pub fn set_max_media_attachments(&self, max: usize) {
        self.configure(|c| c.max_media_attachments = max);
    }

    /// `configuration.statuses.characters_reserved_per_url`.
    pub fn set_characters_reserved_per_url(&self, chars: usize) {
        self.configure(|c| c.characters_reserved_per_url = chars);
    }

    /// How many polls of each new upload answer `206` before `200`.
    pub fn set_media_processing_polls(&self, polls: usize) {
        self.configure(|c| c.media_processing_polls = polls);
    }

    /// A user access token with `scopes` (space separated), as if the OAuth flow had run.
    pub fn issue_token(&self, scopes: &str) -> String {
        let mut state = self.state();
        let scopes = split_scopes(scopes);
        state.issue_token(None, scopes, true).access.clone()
    }

    /// Revokes one token.
    pub fn revoke_token(&self, access_token: &str) {
        let mut state = self.state();
        state.tokens.iter_mut().filter(|t| t.access == access_token).for_each(|t| t.revoked = true);
    }

    /// A `mention` notification from another account, replying to the user's status `in_reply_to` if given;
    /// returns the notification's id. It is listed by `GET /api/v1/notifications`.
    pub fn add_mention(&self, from_username: &str, text: &str, in_reply_to: Option<&str>) -> String {
        let mut state = self.state();
        let base = &self.shared.url;
        let now = Utc::now();
        let from_id = state.next_id();
        let from = entities::other_account(base, &from_id, from_username);
        let status_id = state.next_id();
        let reply_account = in_reply_to.map(|_| state.config.account_id.clone());
        let status = json!({
            "id": status_id,
            "created_at": entities::timestamp(now),
            "in_reply_to_id": in_reply_to,
            "in_reply_to_account_id": reply_account,
            "sensitive": false,
            "spoiler_text": "",
            "visibility": "public",
            "language": "en",
            "uri": format!("{base}/users/{from_username}/statuses/{status_id}"),
            "url": format!("{base}/@{from_username}/{status_id}"),
            "replies_count": 0,
            "reblogs_count": 0,
            "favourites_count": 0,
            "content": entities::html(text),
            "reblog": null,
            "account": from.clone(),
            "media_attachments": [],
            "mentions": [{
                "id": state.config.account_id,
                "username": state.config.username,
                "acct": state.config.username,
                "url": format!("{base}/@{}", state.config.username),
            }],
            "tags": [],
            "emojis": [],
            "card": null,
            "poll": null,
        });
        let id = state.next_id();
        let notification = entities::mention_notification(&id, now, from.clone(), status.clone());
        state.notifications.push(notification);
        let conversation_id = state.conversations.len().to_string();
        state
            .conversations
            .push(json!({ "id": conversation_id, "unread": true, "accounts": [from], "last_status": status }));
        id
    }

    fn state(&self) -> std::sync::MutexGuard<'_, ServerState> {
        self.shared.state.lock().expect("the Mastodon test server's state")
    }
}

struct Shared {
    url: String,
    domain: String,
    state: Mutex<ServerState>,
}

struct Armed {
    fault: Fault,
    remaining: usize,
    only: Option<(String, String)>,
}

/// A registered application.
pub struct App {
    pub id: String,
    pub name: String,
    pub website: Option<String>,
    pub redirect_uris: Vec<String>,
    pub scopes: Vec<String>,
    pub client_id: String,
    pub client_secret: String,
}

struct Grant {
    code: String,
    client_id: String,
    redirect_uri: String,
    scopes: Vec<String>,
    challenge: Option<String>,
    used: bool,
}

struct Token {
    access: String,
    refresh: Option<String>,
    client_id: Option<String>,
    scopes: Vec<String>,
    /// A user's token (authorization code), not an app's (client credentials).
    user: bool,
    revoked: bool,
}

/// An uploaded file, with its processing state.
pub struct Media {
    pub id: String,
    pub kind: &'static str,
    pub content_type: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub description: Option<String>,
    pub focus: Option<(f64, f64)>,
    pub dimensions: Option<(u32, u32)>,
    /// Polls still to answer `206`.
    pub polls_left: usize,
    pub status_id: Option<String>,
}

impl Media {
    fn public(&self) -> UploadedMedia {
        UploadedMedia {
            id: self.id.clone(),
            kind: self.kind.to_string(),
            content_type: self.content_type.clone(),
            file_name: self.file_name.clone(),
            bytes: self.bytes.clone(),
            description: self.description.clone(),
            focus: self.focus,
            processed: self.polls_left == 0,
            status_id: self.status_id.clone(),
        }
    }
}

/// A status with what the server knows about it beyond what was posted.
pub struct Stored {
    pub status: PostedStatus,
    /// The name of the app that posted it.
    pub application: String,
}

struct ServerState {
    config: Config,
    next_id: u64,
    requests: Vec<RecordedRequest>,
    faults: Vec<Armed>,
    next_processing_polls: Option<usize>,
    apps: Vec<App>,
    grants: Vec<Grant>,
    tokens: Vec<Token>,
    media: Vec<Media>,
    statuses: Vec<Stored>,
    idempotency: HashMap<String, (String, Instant)>,
    notifications: Vec<Value>,
    conversations: Vec<Value>,
    window_start: DateTime<Utc>,
    window_count: u64,
}

impl ServerState {
    fn new(config: Config) -> Self {
        ServerState {
            config,
            next_id: 0,
            requests: Vec::new(),
            faults: Vec::new(),
            next_processing_polls: None,
            apps: Vec::new(),
            grants: Vec::new(),
            tokens: Vec::new(),
            media: Vec::new(),
            statuses: Vec::new(),
            idempotency: HashMap::new(),
            notifications: Vec::new(),
            conversations: Vec::new(),
            window_start: Utc::now(),
            window_count: 0,
        }
    }

    /// A Mastodon-like id: a large integer as a string, increasing.
    fn next_id(&mut self) -> String {
        self.next_id += 1;
        (109_412_300_000_000_000 + self.next_id * 1000).to_string()
    }

    fn secret(&mut self) -> String {
        let n = self.next_id();
        let digest = sha2::Sha256::digest(format!("chorus-mastodon-{n}-{}", uuid::Uuid::new_v4()));
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..32])
    }

    fn issue_token(&mut self, client_id: Option<String>, scopes: Vec<String>, user: bool) -> &Token {
        let access = self.secret();
        let refresh = if self.config.refresh_tokens && user { Some(self.secret()) } else { None };
        self.tokens.push(Token { access, refresh, client_id, scopes, user, revoked: false });
        self.tokens.last().expect("the token just issued")
    }

    /// The armed fault for this request, counted down.
    fn take_fault(&mut self, method: &str, template: Option<&str>) -> Option<Fault> {
        let index = self
            .faults
            .iter()
            .position(|armed| armed.only.as_ref().is_none_or(|(m, p)| m == method && Some(p.as_str()) == template))?;
        let armed = &mut self.faults[index];
        armed.remaining = armed.remaining.saturating_sub(1);
        let fault = armed.fault.clone();
        if armed.remaining == 0 {
            self.faults.remove(index);
        }
        Some(fault)
    }

    /// (limit, remaining, reset) of the rate limit after counting this request.
    fn count_request(&mut self) -> (u64, u64, DateTime<Utc>) {
        // Windows of 5 minutes from the first request (Mastodon aligns them to the clock; from the start they
        // cannot roll over in the middle of a short test).
        let now = Utc::now();
        if now >= self.window_start + ChronoDuration::minutes(5) {
            self.window_start = now;
            self.window_count = 0;
        }
        self.window_count += 1;
        let limit = self.config.rate_limit;
        (limit, limit.saturating_sub(self.window_count), self.window_start + ChronoDuration::minutes(5))
    }
}

fn split_scopes(scopes: &str) -> Vec<String> {
    scopes.split([' ', '+']).filter(|s| !s.is_empty()).map(String::from).collect()
}

/// Whether the token's scopes grant `wanted` (`write` grants `write:statuses`).
fn grants_scope(scopes: &[String], wanted: &str) -> bool {
    scopes.iter().any(|s| s == wanted || wanted.split_once(':').is_some_and(|(parent, _)| s == parent))
}

/// Scopes Mastodon knows: `read`, `write`, `follow`, `push`, `profile`, `read:…`, `write:…`, `admin:read(:…)`,
/// `admin:write(:…)`.
fn is_known_scope(scope: &str) -> bool {
    let sub = |s: &str| s.chars().all(|c| c.is_ascii_lowercase() || c == '_') && !s.is_empty();
    match scope {
        "read" | "write" | "follow" | "push" | "profile" | "admin:read" | "admin:write" => true,
        _ => {
            scope.strip_prefix("read:").is_some_and(sub)
                || scope.strip_prefix("write:").is_some_and(sub)
                || scope.strip_prefix("admin:read:").is_some_and(sub)
                || scope.strip_prefix("admin:write:").is_some_and(sub)
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Serving

/// The parsed request.
struct Incoming {
    headers: HeaderMap,
    params: Map<String, Value>,
    /// Names of parameters whose values came typed (a JSON body), not as text (query, form, multipart).
    typed: Vec<String>,
    files: Vec<RecordedFile>,
}

impl Incoming {
    fn str(&self, name: &str) -> Option<&str> {
        self.params.get(name).and_then(Value::as_str)
    }

    fn string(&self, name: &str) -> Option<String> {
        self.str(name).map(str::to_string)
    }

    fn bool(&self, name: &str) -> Option<bool> {
        match self.params.get(name)? {
            Value::Bool(b) => Some(*b),
            Value::String(s) => Some(matches!(s.as_str(), "true" | "1" | "on")),
            _ => None,
        }
    }

    fn int(&self, name: &str) -> Option<i64> {
        match self.params.get(name)? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
    }

    fn strings(&self, name: &str) -> Vec<String> {
        match self.params.get(name) {
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(String::from).collect(),
            Some(Value::String(s)) => vec![s.clone()],
            _ => Vec::new(),
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn bearer(&self) -> Option<&str> {
        let value = self.header("authorization")?;
        let (scheme, token) = value.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then_some(token.trim())
    }
}

async fn serve(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let method = parts.method.as_str().to_string();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or_default().to_string();
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(n, v)| (n.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let matched = spec::find(&method, &path);
    let template = matched.as_ref().map(|(e, _)| e.path);

    let parsed = parse(&parts.headers, &query, body, matched.as_ref().map(|(_, p)| p.as_slice())).await;
    let (params, files) = match &parsed {
        Ok(incoming) => (incoming.params.clone(), incoming.files.clone()),
        Err(_) => (Map::new(), Vec::new()),
    };

    // The instance's own rate limit first (counted whatever the answer), then the injected faults.
    let (fault, (limit, remaining, reset)) = {
        let mut state = shared.state.lock().expect("state");
        let counted = state.count_request();
        (state.take_fault(&method, template), counted)
    };
    let over_limit = remaining == 0 && {
        let state = shared.state.lock().expect("state");
        state.window_count > state.config.rate_limit
    };
    let mut response = if over_limit {
        let retry_after = (reset - Utc::now()).num_seconds().max(1).unsigned_abs();
        Some(rate_limited(limit, reset, retry_after))
    } else {
        match fault {
            Some(Fault::Delay { delay, .. }) => {
                tokio::time::sleep(delay).await;
                None
            }
            Some(Fault::Unavailable { .. }) => Some(json_response(
                StatusCode::SERVICE_UNAVAILABLE,
                entities::error("Remote data could not be fetched"),
            )),
            Some(Fault::ServerError { .. }) => Some(json_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                entities::error("We're sorry, but something went wrong on our end."),
            )),
            Some(Fault::RateLimited { reset_in, .. }) => {
                let reset = Utc::now() + ChronoDuration::from_std(reset_in).unwrap_or_default();
                Some(rate_limited(limit, reset, reset_in.as_secs().max(1)))
            }
            Some(Fault::MediaProcessing { .. } | Fault::RevokeTokens) | None => None,
        }
    }
    .unwrap_or_else(|| match parsed {
        Err(response) => response,
        Ok(mut incoming) => match matched {
            Some((endpoint, _)) => {
                let mut state = shared.state.lock().expect("state");
                handle(&shared, &mut state, endpoint, &mut incoming)
            }
            None if method == "GET" && path.starts_with("/system/media_attachments/files/") => {
                let state = shared.state.lock().expect("state");
                media_file(&state, &path)
            }
            None => json_response(StatusCode::NOT_FOUND, entities::error("Record not found")),
        },
    });

    let mut state = shared.state.lock().expect("state");
    let out = response.headers_mut();
    out.entry("x-ratelimit-limit").or_insert_with(|| header_value(&limit.to_string()));
    out.entry("x-ratelimit-remaining").or_insert_with(|| header_value(&remaining.to_string()));
    out.entry("x-ratelimit-reset").or_insert_with(|| header_value(&reset_header(reset)));
    state.requests.push(RecordedRequest {
        method,
        path,
        query,
        headers,
        params,
        files,
        status: response.status().as_u16(),
    });
    response
}

fn reset_header(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn header_value(value: &str) -> HeaderValue {
    HeaderValue::from_str(value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn json_response(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

fn validation_failed(message: impl std::fmt::Display) -> Response {
    json_response(StatusCode::UNPROCESSABLE_ENTITY, entities::error(&format!("Validation failed: {message}")))
}

fn unprocessable(message: &str) -> Response {
    json_response(StatusCode::UNPROCESSABLE_ENTITY, entities::error(message))
}

fn not_found() -> Response {
    json_response(StatusCode::NOT_FOUND, entities::error("Record not found"))
}

/// `429 Too Many Requests` with Mastodon's rate-limit headers and `Retry-After`.
fn rate_limited(limit: u64, reset: DateTime<Utc>, retry_after: u64) -> Response {
    let mut response = json_response(StatusCode::TOO_MANY_REQUESTS, entities::error("Too many requests"));
    let headers = response.headers_mut();
    headers.insert("x-ratelimit-limit", header_value(&limit.to_string()));
    headers.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
    headers.insert("x-ratelimit-reset", header_value(&reset_header(reset)));
    headers.insert(header::RETRY_AFTER, header_value(&retry_after.to_string()));
    response
}

/// Reads the query, the body (JSON, form or multipart) and the path parameters into one map.
async fn parse(
    headers: &HeaderMap,
    query: &str,
    body: Body,
    path_params: Option<&[(&'static str, String)]>,
) -> Result<Incoming, Response> {
    let mut params = Map::new();
    let mut typed = Vec::new();
    let mut files = Vec::new();
    add_pairs(&mut params, url::form_urlencoded::parse(query.as_bytes()).into_owned());
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let mime = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    if mime == "multipart/form-data" {
        let boundary = multer::parse_boundary(&content_type).map_err(|e| {
            json_response(StatusCode::BAD_REQUEST, entities::error(&format!("Bad multipart body: {e}")))
        })?;
        let mut multipart = multer::Multipart::new(body.into_data_stream(), boundary);
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                Err(e) => {
                    return Err(json_response(
                        StatusCode::BAD_REQUEST,
                        entities::error(&format!("Bad multipart body: {e}")),
                    ));
                }
            };
            let name = field.name().unwrap_or_default().to_string();
            let filename = field.file_name().map(String::from);
            let part_type = field.content_type().map(|m| m.to_string());
            let bytes = field.bytes().await.map_err(|e| {
                json_response(StatusCode::BAD_REQUEST, entities::error(&format!("Bad multipart body: {e}")))
            })?;
            if filename.is_some() {
                params.insert(
                    name.clone(),
                    json!({ "filename": filename, "content_type": part_type, "size": bytes.len() }),
                );
                files.push(RecordedFile { field: name, filename, content_type: part_type, bytes: bytes.to_vec() });
            } else {
                add_pairs(&mut params, [(name, String::from_utf8_lossy(&bytes).into_owned())]);
            }
        }
    } else {
        let bytes = axum::body::to_bytes(body, 64 * 1024 * 1024)
            .await
            .map_err(|e| json_response(StatusCode::PAYLOAD_TOO_LARGE, entities::error(&e.to_string())))?;
        if !bytes.is_empty() {
            if mime == "application/json" {
                let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
                    json_response(
                        StatusCode::BAD_REQUEST,
                        entities::error(&format!("Error occurred while parsing request parameters: {e}")),
                    )
                })?;
                let Value::Object(object) = value else {
                    return Err(json_response(
                        StatusCode::BAD_REQUEST,
                        entities::error("The JSON body must be an object"),
                    ));
                };
                for (name, value) in object {
                    typed.push(name.clone());
                    params.insert(name, value);
                }
            } else if mime == "application/x-www-form-urlencoded" {
                add_pairs(&mut params, url::form_urlencoded::parse(&bytes).into_owned());
            } else {
                return Err(validation_failed(format!(
                    "a body of type `{content_type}`, where Mastodon takes JSON, a form or multipart"
                )));
            }
        }
    }
    for (name, value) in path_params.unwrap_or_default() {
        params.insert((*name).to_string(), Value::String(value.clone()));
    }
    Ok(Incoming { headers: headers.clone(), params, typed, files })
}

/// Adds form pairs: `name[]` collects into an array, a plain `name` keeps its last value.
fn add_pairs(params: &mut Map<String, Value>, pairs: impl IntoIterator<Item = (String, String)>) {
    for (key, value) in pairs {
        if let Some(name) = key.strip_suffix("[]") {
            let entry = params.entry(name.to_string()).or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(items) = entry {
                items.push(Value::String(value));
            } else {
                *entry = Value::Array(vec![Value::String(value)]);
            }
        } else {
            params.insert(key, Value::String(value));
        }
    }
}

/// Checks the parameters against the endpoint's description; the message of the first problem.
fn check_params(endpoint: &Endpoint, incoming: &Incoming) -> Result<(), String> {
    for name in incoming.params.keys() {
        if endpoint.param(name).is_none_or(|p| p.location == In::Header) {
            return Err(format!(
                "{name} is not a parameter of {} {} (Mastodon {SCHEMA_VERSION})",
                endpoint.method, endpoint.path
            ));
        }
    }
    for param in endpoint.params {
        let value = if param.location == In::Header {
            incoming.header(&param.name.to_ascii_lowercase()).map(|v| Value::String(v.to_string()))
        } else {
            incoming.params.get(param.name).cloned()
        };
        let Some(value) = value else {
            if param.presence == Presence::Required {
                return Err(format!("{} can't be blank", humanize(param.name)));
            }
            continue;
        };
        let text = !incoming.typed.iter().any(|n| n == param.name);
        check_type(param.name, param.ty, &value, text)?;
        if !param.allowed.is_empty() {
            let values: Vec<&Value> = match &value {
                Value::Array(items) => items.iter().collect(),
                other => vec![other],
            };
            for v in values {
                let s = v.as_str().unwrap_or_default();
                if !param.allowed.contains(&s) {
                    return Err(format!(
                        "{} '{s}' is not included in the list ({})",
                        humanize(param.name),
                        param.allowed.join(", ")
                    ));
                }
            }
        }
    }
    Ok(())
}

fn check_type(name: &str, ty: Type, value: &Value, text: bool) -> Result<(), String> {
    let what = humanize(name);
    let ok = match (ty, value) {
        (Type::String, Value::String(_)) => true,
        (Type::DateTime, Value::String(s)) => DateTime::parse_from_rfc3339(s).is_ok(),
        (Type::Binary, Value::Object(o)) => o.contains_key("filename"),
        (Type::Integer, Value::Number(n)) => n.is_i64() || n.is_u64(),
        (Type::Integer, Value::String(s)) => text && s.parse::<i64>().is_ok(),
        (Type::Boolean, Value::Bool(_)) => true,
        (Type::Boolean, Value::String(s)) => text && matches!(s.as_str(), "true" | "false" | "1" | "0"),
        (Type::StringArray, Value::Array(items)) => items.iter().all(Value::is_string),
        // Mastodon takes `redirect_uris` as one string too (URIs separated by new lines).
        (Type::StringArray, Value::String(_)) => name == "redirect_uris",
        _ => false,
    };
    if ok {
        return Ok(());
    }
    let expected = match ty {
        Type::String => "a string",
        Type::DateTime => "an ISO 8601 date-time",
        Type::Binary => "a file",
        Type::Integer => "an integer",
        Type::Boolean => "a boolean",
        Type::StringArray => "an array of strings",
    };
    Err(format!("{what} must be {expected}, got {value}"))
}

/// `client_name` → `Client name`, as Rails names attributes in messages.
fn humanize(name: &str) -> String {
    let spaced = name.replace('_', " ");
    let mut chars = spaced.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

enum Caller {
    Anonymous,
    User,
}

/// Checks the token the endpoint asks for.
fn authenticate(state: &ServerState, endpoint: &Endpoint, incoming: &Incoming) -> Result<Caller, Response> {
    let invalid = || json_response(StatusCode::UNAUTHORIZED, entities::error("The access token is invalid"));
    let token = match (endpoint.auth, incoming.bearer()) {
        (Auth::None, _) | (Auth::Optional, None) => return Ok(Caller::Anonymous),
        (_, None) => return Err(invalid()),
        (_, Some(bearer)) => state.tokens.iter().find(|t| t.access == bearer && !t.revoked).ok_or_else(invalid)?,
    };
    if let Auth::User(scopes) = endpoint.auth {
        if !token.user {
            return Err(unprocessable("This method requires an authenticated user"));
        }
        if !scopes.iter().any(|s| grants_scope(&token.scopes, s)) {
            return Err(json_response(
                StatusCode::FORBIDDEN,
                entities::error("This action is outside the authorized scopes"),
            ));
        }
    }
    Ok(Caller::User)
}

fn handle(shared: &Shared, state: &mut ServerState, endpoint: &Endpoint, incoming: &mut Incoming) -> Response {
    let caller = match authenticate(state, endpoint, incoming) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    if let Err(message) = check_params(endpoint, incoming) {
        return validation_failed(message);
    }
    let base = shared.url.as_str();
    match (endpoint.method, endpoint.path) {
        ("POST", "/api/v1/apps") => register_app(state, incoming),
        ("GET", "/oauth/authorize") => authorize(state, incoming),
        ("POST", "/oauth/token") => token(state, incoming),
        ("POST", "/oauth/revoke") => revoke(state, incoming),
        ("GET", "/api/v1/accounts/verify_credentials") => {
            let count = live_statuses(state).count();
            json_response(StatusCode::OK, entities::credential_account(base, &state.config, count))
        }
        ("GET", "/api/v2/instance") => {
            json_response(StatusCode::OK, entities::instance(base, &shared.domain, &state.config))
        }
        ("POST", "/api/v2/media") => upload_media(base, state, incoming),
        ("GET", "/api/v1/media/{id}") => poll_media(base, state, incoming),
        ("PUT", "/api/v1/media/{id}") => update_media(base, state, incoming),
        ("POST", "/api/v1/statuses") => post_status(base, state, incoming, &caller),
        ("GET", "/api/v1/statuses/{id}") => match find_status(state, incoming.str("id").unwrap_or_default()) {
            Some(index) => json_response(StatusCode::OK, status_json(base, state, index, false)),
            None => not_found(),
        },
        ("DELETE", "/api/v1/statuses/{id}") => match find_status(state, incoming.str("id").unwrap_or_default()) {
            Some(index) => {
                let body = status_json(base, state, index, true);
                state.statuses[index].status.deleted = true;
                json_response(StatusCode::OK, body)
            }
            None => not_found(),
        },
        ("GET", "/api/v1/accounts/{id}/statuses") => account_statuses(base, state, incoming),
        ("GET", "/api/v1/notifications") => {
            let types = incoming.strings("types");
            let excluded = incoming.strings("exclude_types");
            let limit = incoming.int("limit").unwrap_or(40).clamp(1, 80) as usize;
            let items: Vec<Value> = state
                .notifications
                .iter()
                .rev()
                .filter(|n| {
                    let t = n["type"].as_str().unwrap_or_default().to_string();
                    (types.is_empty() || types.contains(&t)) && !excluded.contains(&t)
                })
                .filter(|n| id_in_range(n["id"].as_str().unwrap_or_default(), incoming))
                .take(limit)
                .cloned()
                .collect();
            json_response(StatusCode::OK, Value::Array(items))
        }
        ("GET", "/api/v1/conversations") => {
            let limit = incoming.int("limit").unwrap_or(20).clamp(1, 40) as usize;
            let items: Vec<Value> = state.conversations.iter().rev().take(limit).cloned().collect();
            json_response(StatusCode::OK, Value::Array(items))
        }
        _ => not_found(),
    }
}

fn register_app(state: &mut ServerState, incoming: &Incoming) -> Response {
    let redirect_uris: Vec<String> = match incoming.params.get("redirect_uris") {
        Some(Value::String(s)) => s.split_whitespace().map(String::from).collect(),
        _ => incoming.strings("redirect_uris"),
    };
    if redirect_uris.is_empty() {
        return validation_failed("Redirect URI can't be blank");
    }
    for uri in &redirect_uris {
        if uri != "urn:ietf:wg:oauth:2.0:oob" && url::Url::parse(uri).is_err() {
            return validation_failed("Redirect URI must be an absolute URI.");
        }
    }
    let scopes = split_scopes(incoming.str("scopes").unwrap_or("read"));
    if let Some(bad) = scopes.iter().find(|s| !is_known_scope(s)) {
        return validation_failed(format!("Scopes includes an unknown scope: {bad}"));
    }
    let name = incoming.string("client_name").unwrap_or_default();
    if name.trim().is_empty() {
        return validation_failed("Application name can't be blank");
    }
    let app = App {
        id: state.next_id(),
        name,
        website: incoming.string("website"),
        redirect_uris,
        scopes,
        client_id: state.secret(),
        client_secret: state.secret(),
    };
    let body = entities::credential_application(&app);
    state.apps.push(app);
    json_response(StatusCode::OK, body)
}

const INVALID_CLIENT: &str = "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.";
const INVALID_GRANT: &str = "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.";

fn authorize(state: &mut ServerState, incoming: &Incoming) -> Response {
    let client_id = incoming.str("client_id").unwrap_or_default();
    let Some(app) = state.apps.iter().find(|a| a.client_id == client_id) else {
        return json_response(StatusCode::UNAUTHORIZED, entities::oauth_error("invalid_client", INVALID_CLIENT));
    };
    let redirect_uri = incoming.string("redirect_uri").unwrap_or_default();
    if !app.redirect_uris.contains(&redirect_uri) {
        return json_response(
            StatusCode::BAD_REQUEST,
            entities::oauth_error(
                "invalid_redirect_uri",
                "The requested redirect uri is malformed or doesn't match client redirect URI.",
            ),
        );
    }
    let scopes = split_scopes(incoming.str("scope").unwrap_or("read"));
    let error = if incoming.str("response_type") != Some("code") {
        Some("unsupported_response_type")
    } else if !scopes.iter().all(|s| app.scopes.contains(s)) {
        Some("invalid_scope")
    } else if incoming.str("code_challenge").is_some() && incoming.str("code_challenge_method") != Some("S256") {
        Some("invalid_request")
    } else if !state.config.user_consents {
        Some("access_denied")
    } else {
        None
    };
    let client_id = app.client_id.clone();
    let mut params: Vec<(&str, String)> = Vec::new();
    if let Some(error) = error {
        params.push(("error", error.to_string()));
    } else {
        let code = state.secret();
        state.grants.push(Grant {
            code: code.clone(),
            client_id,
            redirect_uri: redirect_uri.clone(),
            scopes,
            challenge: incoming.string("code_challenge"),
            used: false,
        });
        params.push(("code", code));
    }
    if let Some(s) = incoming.str("state") {
        params.push(("state", s.to_string()));
    }
    if redirect_uri == "urn:ietf:wg:oauth:2.0:oob" {
        let shown = params.iter().map(|(k, v)| format!("<p>{k}: <code>{v}</code></p>")).collect::<String>();
        return (StatusCode::OK, axum::response::Html(format!("<html><body>{shown}</body></html>"))).into_response();
    }
    let mut location = match url::Url::parse(&redirect_uri) {
        Ok(url) => url,
        Err(_) => return validation_failed("Redirect URI must be an absolute URI."),
    };
    location.query_pairs_mut().extend_pairs(params.iter().map(|(k, v)| (*k, v.as_str())));
    (StatusCode::FOUND, [(header::LOCATION, location.to_string())]).into_response()
}

fn token(state: &mut ServerState, incoming: &Incoming) -> Response {
    let client_id = incoming.string("client_id").unwrap_or_default();
    let secret = incoming.str("client_secret").unwrap_or_default();
    let Some(app) = state.apps.iter().find(|a| a.client_id == client_id && a.client_secret == secret) else {
        return json_response(StatusCode::UNAUTHORIZED, entities::oauth_error("invalid_client", INVALID_CLIENT));
    };
    let app_scopes = app.scopes.clone();
    let invalid_grant =
        || json_response(StatusCode::BAD_REQUEST, entities::oauth_error("invalid_grant", INVALID_GRANT));
    let now = Utc::now();
    match incoming.str("grant_type").unwrap_or_default() {
        "authorization_code" => {
            let (Some(code), Some(redirect_uri)) = (incoming.str("code"), incoming.str("redirect_uri")) else {
                return json_response(
                    StatusCode::BAD_REQUEST,
                    entities::oauth_error(
                        "invalid_request",
                        "Missing required parameter: code and redirect_uri are required with grant_type authorization_code.",
                    ),
                );
            };
            let Some(grant) = state
                .grants
                .iter_mut()
                .find(|g| g.code == code && !g.used && g.client_id == client_id && g.redirect_uri == redirect_uri)
            else {
                return invalid_grant();
            };
            if let Some(challenge) = &grant.challenge {
                let Some(verifier) = incoming.str("code_verifier") else {
                    return invalid_grant();
                };
                let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier));
                if &computed != challenge {
                    return invalid_grant();
                }
            }
            grant.used = true;
            let scopes = grant.scopes.clone();
            let token = state.issue_token(Some(client_id), scopes, true);
            json_response(StatusCode::OK, entities::token(&token.access, &token.scopes, now, token.refresh.as_deref()))
        }
        "client_credentials" => {
            let scopes = split_scopes(incoming.str("scope").unwrap_or("read"));
            if !scopes.iter().all(|s| app_scopes.contains(s)) {
                return json_response(
                    StatusCode::BAD_REQUEST,
                    entities::oauth_error("invalid_scope", "The requested scope is invalid, unknown, or malformed."),
                );
            }
            let token = state.issue_token(Some(client_id), scopes, false);
            json_response(StatusCode::OK, entities::token(&token.access, &token.scopes, now, None))
        }
        "refresh_token" => {
            let refresh = incoming.str("refresh_token").unwrap_or_default();
            let Some(old) = state.tokens.iter_mut().find(|t| {
                t.refresh.as_deref() == Some(refresh)
                    && !t.revoked
                    && t.client_id.as_deref() == Some(client_id.as_str())
            }) else {
                return invalid_grant();
            };
            old.revoked = true;
            let scopes = old.scopes.clone();
            let token = state.issue_token(Some(client_id), scopes, true);
            json_response(StatusCode::OK, entities::token(&token.access, &token.scopes, now, token.refresh.as_deref()))
        }
        _ => json_response(
            StatusCode::BAD_REQUEST,
            entities::oauth_error(
                "unsupported_grant_type",
                "The authorization grant type is not supported by the authorization server.",
            ),
        ),
    }
}

fn revoke(state: &mut ServerState, incoming: &Incoming) -> Response {
    let client_id = incoming.str("client_id").unwrap_or_default();
    let secret = incoming.str("client_secret").unwrap_or_default();
    if !state.apps.iter().any(|a| a.client_id == client_id && a.client_secret == secret) {
        return json_response(
            StatusCode::FORBIDDEN,
            entities::oauth_error("unauthorized_client", "You are not authorized to revoke this token"),
        );
    }
    let token = incoming.str("token").unwrap_or_default();
    for t in state.tokens.iter_mut().filter(|t| t.client_id.as_deref() == Some(client_id)) {
        if t.access == token || t.refresh.as_deref() == Some(token) {
            t.revoked = true;
        }
    }
    json_response(StatusCode::OK, json!({}))
}

/// `"x,y"` with both in -1.0..=1.0.
fn parse_focus(focus: &str) -> Option<(f64, f64)> {
    let (x, y) = focus.split_once(',')?;
    let (x, y): (f64, f64) = (x.trim().parse().ok()?, y.trim().parse().ok()?);
    ((-1.0..=1.0).contains(&x) && (-1.0..=1.0).contains(&y)).then_some((x, y))
}

fn upload_media(base: &str, state: &mut ServerState, incoming: &Incoming) -> Response {
    let Some(file) = incoming.files.iter().find(|f| f.field == "file") else {
        return validation_failed("File can't be blank");
    };
    let content_type = file.content_type.clone().unwrap_or_else(|| "application/octet-stream".to_string());
    if !state.config.supported_mime_types.contains(&content_type) {
        return validation_failed("File content type is invalid");
    }
    let (kind, limit) = match content_type.split('/').next().unwrap_or_default() {
        "image" if content_type == "image/gif" => ("gifv", state.config.video_size_limit),
        "image" => ("image", state.config.image_size_limit),
        "video" => ("video", state.config.video_size_limit),
        "audio" => ("audio", state.config.video_size_limit),
        _ => ("unknown", state.config.image_size_limit),
    };
    if file.bytes.len() as u64 > limit {
        return validation_failed(format!("File file size must be less than {limit} Bytes"));
    }
    let dimensions = if kind == "image" {
        image::ImageReader::new(std::io::Cursor::new(&file.bytes))
            .with_guessed_format()
            .ok()
            .and_then(|r| r.into_dimensions().ok())
    } else {
        None
    };
    if let Some((w, h)) = dimensions
        && u64::from(w) * u64::from(h) > state.config.image_matrix_limit
    {
        return validation_failed("File dimensions are too large");
    }
    let description = incoming.string("description");
    if let Some(d) = &description
        && d.chars().count() > state.config.description_limit
    {
        return validation_failed(format!(
            "Description is too long (maximum is {} characters)",
            state.config.description_limit
        ));
    }
    let focus = match incoming.str("focus") {
        Some(f) => match parse_focus(f) {
            Some(focus) => Some(focus),
            None => return validation_failed(format!("Focus '{f}' is not two numbers from -1.0 to 1.0")),
        },
        None => None,
    };
    let polls = state.next_processing_polls.take().unwrap_or(state.config.media_processing_polls);
    let media = Media {
        id: state.next_id(),
        kind,
        content_type,
        file_name: file.filename.clone().unwrap_or_else(|| "file".to_string()),
        bytes: file.bytes.clone(),
        description,
        focus,
        dimensions,
        polls_left: polls,
        status_id: None,
    };
    let body = entities::media(base, &media);
    state.media.push(media);
    json_response(if polls > 0 { StatusCode::ACCEPTED } else { StatusCode::OK }, body)
}

fn poll_media(base: &str, state: &mut ServerState, incoming: &Incoming) -> Response {
    let id = incoming.str("id").unwrap_or_default();
    let Some(media) = state.media.iter_mut().find(|m| m.id == id) else {
        return not_found();
    };
    if media.polls_left > 0 {
        let body = entities::media(base, media);
        media.polls_left -= 1;
        return json_response(StatusCode::PARTIAL_CONTENT, body);
    }
    json_response(StatusCode::OK, entities::media(base, media))
}

fn update_media(base: &str, state: &mut ServerState, incoming: &Incoming) -> Response {
    let id = incoming.str("id").unwrap_or_default();
    let limit = state.config.description_limit;
    // Mastodon only lets media be changed until a status uses it.
    let Some(media) = state.media.iter_mut().find(|m| m.id == id && m.status_id.is_none()) else {
        return not_found();
    };
    if let Some(description) = incoming.string("description") {
        if description.chars().count() > limit {
            return validation_failed(format!("Description is too long (maximum is {limit} characters)"));
        }
        media.description = Some(description);
    }
    if let Some(f) = incoming.str("focus") {
        match parse_focus(f) {
            Some(focus) => media.focus = Some(focus),
            None => return validation_failed(format!("Focus '{f}' is not two numbers from -1.0 to 1.0")),
        }
    }
    json_response(StatusCode::OK, entities::media(base, media))
}

fn live_statuses(state: &ServerState) -> impl Iterator<Item = &Stored> {
    state.statuses.iter().filter(|s| !s.status.deleted && s.status.scheduled_at.is_none())
}

fn find_status(state: &ServerState, id: &str) -> Option<usize> {
    state.statuses.iter().position(|s| s.status.id == id && !s.status.deleted && s.status.scheduled_at.is_none())
}

fn status_json(base: &str, state: &ServerState, index: usize, with_source: bool) -> Value {
    let stored = &state.statuses[index];
    let media: Vec<Value> = stored
        .status
        .media_ids
        .iter()
        .filter_map(|id| state.media.iter().find(|m| &m.id == id))
        .map(|m| entities::media(base, m))
        .collect();
    entities::status(base, &state.config, stored, &media, with_source)
}

fn post_status(base: &str, state: &mut ServerState, incoming: &Incoming, caller: &Caller) -> Response {
    let key = incoming.header("idempotency-key").map(String::from);
    let token = incoming.bearer().unwrap_or_default().to_string();
    let window = state.config.idempotency_window;
    state.idempotency.retain(|_, (_, at)| at.elapsed() < window);
    if let Some(key) = &key
        && let Some((id, _)) = state.idempotency.get(&format!("{token}\n{key}"))
    {
        let id = id.clone();
        return match state.statuses.iter().position(|s| s.status.id == id) {
            Some(index) if state.statuses[index].status.scheduled_at.is_none() => {
                json_response(StatusCode::OK, status_json(base, state, index, false))
            }
            Some(index) => {
                let stored = &state.statuses[index];
                let at = stored.status.scheduled_at.unwrap_or_default();
                json_response(StatusCode::OK, entities::scheduled_status(stored, at, &[]))
            }
            None => not_found(),
        };
    }

    let text = incoming.string("status").unwrap_or_default();
    let spoiler_text = incoming.string("spoiler_text").unwrap_or_default();
    let mut media_ids = incoming.strings("media_ids");
    media_ids.dedup();
    if media_ids.len() > state.config.max_media_attachments {
        return unprocessable(&format!("Cannot attach more than {} files", state.config.max_media_attachments));
    }
    let missing: Vec<&String> =
        media_ids.iter().filter(|id| !state.media.iter().any(|m| &&m.id == id && m.status_id.is_none())).collect();
    if !missing.is_empty() {
        let ids = missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
        return unprocessable(&format!("Could not find media with ID(s) {ids}, or it is attached to another status"));
    }
    if media_ids.iter().any(|id| state.media.iter().any(|m| &m.id == id && m.polls_left > 0)) {
        return unprocessable("Cannot attach files that have not finished processing. Try again in a moment!");
    }
    if text.trim().is_empty() && media_ids.is_empty() {
        return validation_failed("Text can't be blank");
    }
    let limits = Limits {
        mastodon: MastodonLimits {
            max_characters: state.config.max_characters,
            characters_reserved_per_url: state.config.characters_reserved_per_url,
        },
    };
    let draft = Draft { content_warning: Some(spoiler_text.as_str()), ..Draft::new(&text) };
    let used = networks::draft_counts(Network::Mastodon, &draft, &limits)
        .into_iter()
        .find(|(field, _)| *field == Field::Text)
        .map(|(_, count)| count.used)
        .unwrap_or_default();
    if used > state.config.max_characters {
        return validation_failed(format!("Text character limit of {} exceeded", state.config.max_characters));
    }
    let in_reply_to_id = incoming.string("in_reply_to_id");
    if let Some(id) = &in_reply_to_id
        && find_status(state, id).is_none()
    {
        return json_response(
            StatusCode::NOT_FOUND,
            entities::error("The post you are trying to reply to does not appear to exist."),
        );
    }
    let now = Utc::now();
    let scheduled_at = match incoming.str("scheduled_at").map(DateTime::parse_from_rfc3339) {
        Some(Ok(at)) => {
            let at = at.with_timezone(&Utc);
            if at < now + ChronoDuration::minutes(5) {
                return validation_failed("Scheduled at The scheduled date must be in the future");
            }
            Some(at)
        }
        _ => None,
    };
    let language =
        incoming.string("language").filter(|l| (2..=3).contains(&l.len()) && l.chars().all(|c| c.is_ascii_lowercase()));
    let id = state.next_id();
    for media in state.media.iter_mut().filter(|m| media_ids.contains(&m.id)) {
        media.status_id = Some(id.clone());
    }
    let application = match caller {
        Caller::User => state
            .tokens
            .iter()
            .find(|t| t.access == token)
            .and_then(|t| t.client_id.as_ref())
            .and_then(|c| state.apps.iter().find(|a| &a.client_id == c))
            .map_or_else(|| "Chorus tests".to_string(), |a| a.name.clone()),
        Caller::Anonymous => "Web".to_string(),
    };
    state.statuses.push(Stored {
        status: PostedStatus {
            id: id.clone(),
            sensitive: incoming.bool("sensitive").unwrap_or(false) || !spoiler_text.is_empty(),
            text,
            spoiler_text,
            visibility: incoming.string("visibility").unwrap_or_else(|| "public".to_string()),
            language,
            media_ids,
            in_reply_to_id,
            idempotency_key: key.clone(),
            scheduled_at,
            created_at: now,
            deleted: false,
        },
        application,
    });
    if let Some(key) = key {
        state.idempotency.insert(format!("{token}\n{key}"), (id, Instant::now()));
    }
    let index = state.statuses.len() - 1;
    match scheduled_at {
        Some(at) => {
            let stored = &state.statuses[index];
            let media: Vec<Value> = stored
                .status
                .media_ids
                .iter()
                .filter_map(|id| state.media.iter().find(|m| &m.id == id))
                .map(|m| entities::media(base, m))
                .collect();
            json_response(StatusCode::OK, entities::scheduled_status(stored, at, &media))
        }
        None => json_response(StatusCode::OK, status_json(base, state, index, false)),
    }
}

fn id_number(id: &str) -> u128 {
    id.parse().unwrap_or_default()
}

fn id_in_range(id: &str, incoming: &Incoming) -> bool {
    let n = id_number(id);
    incoming.str("max_id").is_none_or(|max| n < id_number(max))
        && incoming.str("since_id").is_none_or(|since| n > id_number(since))
        && incoming.str("min_id").is_none_or(|min| n > id_number(min))
}

fn account_statuses(base: &str, state: &ServerState, incoming: &Incoming) -> Response {
    if incoming.str("id") != Some(state.config.account_id.as_str()) {
        return not_found();
    }
    if incoming.bool("pinned") == Some(true) {
        return json_response(StatusCode::OK, json!([]));
    }
    let limit = incoming.int("limit").unwrap_or(20).clamp(1, 40) as usize;
    let exclude_replies = incoming.bool("exclude_replies") == Some(true);
    let only_media = incoming.bool("only_media") == Some(true);
    let mut indexes: Vec<usize> = (0..state.statuses.len())
        .filter(|&i| {
            let s = &state.statuses[i].status;
            let hidden = s.deleted
                || s.scheduled_at.is_some()
                || (exclude_replies && s.in_reply_to_id.is_some())
                || (only_media && s.media_ids.is_empty());
            !hidden && id_in_range(&s.id, incoming)
        })
        .collect();
    // Newest first; with min_id, the page just after it.
    if incoming.str("min_id").is_some() {
        indexes.truncate(limit);
        indexes.reverse();
    } else {
        indexes.reverse();
        indexes.truncate(limit);
    }
    let items: Vec<Value> = indexes.iter().map(|&i| status_json(base, state, i, false)).collect();
    let mut response = json_response(StatusCode::OK, Value::Array(items));
    if let (Some(&first), Some(&last)) = (indexes.first(), indexes.last()) {
        let path = format!("{base}/api/v1/accounts/{}/statuses", state.config.account_id);
        let link = format!(
            "<{path}?max_id={}>; rel=\"next\", <{path}?min_id={}>; rel=\"prev\"",
            state.statuses[last].status.id, state.statuses[first].status.id
        );
        response.headers_mut().insert(header::LINK, header_value(&link));
    }
    response
}

/// The bytes of an uploaded file, at the `url` its `MediaAttachment` gives.
fn media_file(state: &ServerState, path: &str) -> Response {
    let id = path.trim_start_matches("/system/media_attachments/files/").split('/').next().unwrap_or_default();
    match state.media.iter().find(|m| m.id == id && m.polls_left == 0) {
        Some(media) => {
            (StatusCode::OK, [(header::CONTENT_TYPE, media.content_type.clone())], media.bytes.clone()).into_response()
        }
        None => not_found(),
    }
}
