//! Mastodon, on any instance: Chorus registers itself as an app there (`POST /api/v1/apps`), the person consents with
//! OAuth's authorization-code flow (PKCE `S256` and a `state`), and the token then publishes statuses with media
//! (uploaded, then awaited until the instance has processed them), visibility, content warning and language, and
//! threads as chains of replies. The instance's own limits come from `GET /api/v2/instance` and are checked before
//! anything is written.
//!
//! # Exactly once
//! Every part of a thread is posted with an `Idempotency-Key` derived from the [`PublishKey`] and the part's number
//! ([`idempotency_key`]): for an hour, Mastodon answers a repeated post with that key with the status it already made.
//! So a publish repeated after a crash resumes where the first stopped, the parts already posted answered, not posted
//! again. Past that hour the key is forgotten; Mastodon has no client-chosen ids, so [`Connector::find`] reads the
//! account's recent statuses back and matches each part by its text, in order, as a chain of replies.
//!
//! # What is not in doubt
//! Only posting a status can leave its outcome unknown ([`PublishError::Unknown`]): an upload repeated makes an
//! unattached file, which the instance removes after a day, and a delete repeated finds nothing to delete.

mod api;
mod content;
mod oauth;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chorus_text::networks::{Draft, Field, Limits, MastodonLimits};
use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use self::api::{Api, Body, CallError, FilePart};
pub use self::oauth::{AppRegistration, AuthorizationRequest, SCOPES};
use crate::{
    Connector, Credentials as AnyCredentials, Health, Network, Outgoing, OutgoingMedia, PublishError, PublishKey,
    Published, RemoteRef, Visibility,
};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The most statuses `GET /api/v1/accounts/:id/statuses` lists at once.
const PAGE_SIZE: usize = 40;

/// How the connector paces itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The name the instance shows for statuses Chorus posts, and to the person consenting.
    pub client_name: String,
    /// Chorus's address, shown with the app's name; none if empty.
    pub website: String,
    /// How long one request may take; long enough for an upload on a slow link, and a hung connection still ends.
    pub request_timeout: Duration,
    /// The first wait between polls of a media file still processing; each wait doubles up to `media_poll_max`.
    pub media_poll_first: Duration,
    pub media_poll_max: Duration,
    /// How long to wait for the instance to process a media file before giving up (nothing is posted then).
    pub media_wait: Duration,
    /// How long an instance's limits are trusted before they are read again.
    pub limits_ttl: Duration,
    /// How many pages of the account's recent statuses [`Connector::find`] reads back.
    pub find_pages: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            client_name: "Chorus".into(),
            website: String::new(),
            request_timeout: Duration::from_secs(60),
            media_poll_first: Duration::from_millis(500),
            media_poll_max: Duration::from_secs(5),
            // Mastodon transcodes videos in the background; a long one on a busy instance takes minutes.
            media_wait: Duration::from_secs(300),
            limits_ttl: Duration::from_secs(3600),
            find_pages: 5,
        }
    }
}

/// A Mastodon account as it is connected: the instance, Chorus's app there and the person's access token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    /// The instance's base address, `https://social.example`.
    pub instance: String,
    pub client_id: String,
    pub client_secret: String,
    pub access_token: String,
    /// The scopes the token was granted.
    pub scopes: Vec<String>,
}

impl std::fmt::Debug for Credentials {
    // The secret and the token are secrets: never in a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("instance", &self.instance)
            .field("client_id", &self.client_id)
            .field("client_secret", &"…")
            .field("access_token", &"…")
            .field("scopes", &self.scopes)
            .finish()
    }
}

/// The account a token belongs to (`GET /api/v1/accounts/verify_credentials`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// The instance's id of the account, which lists its statuses.
    pub id: String,
    pub username: String,
    /// As the instance writes it: `username` for its own accounts.
    pub acct: String,
    /// The full handle, `@username@instance`.
    pub handle: String,
    pub display_name: String,
    /// Its profile page.
    pub url: String,
}

/// What an instance accepts (`GET /api/v2/instance` → `configuration`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceLimits {
    /// `statuses.max_characters` and `statuses.characters_reserved_per_url`, for the text checks.
    pub statuses: MastodonLimits,
    /// `statuses.max_media_attachments`.
    pub max_media_attachments: usize,
    /// `media_attachments.description_limit`: characters of alt text.
    pub description_limit: usize,
    /// `media_attachments.image_size_limit` and `video_size_limit`, in bytes.
    pub image_size_limit: u64,
    pub video_size_limit: u64,
    /// `media_attachments.image_matrix_limit` and `video_matrix_limit`, in pixels (width × height).
    pub image_matrix_limit: u64,
    pub video_matrix_limit: u64,
    /// `media_attachments.supported_mime_types`; empty if the instance did not say.
    pub supported_mime_types: Vec<String>,
}

impl Default for InstanceLimits {
    /// Mastodon's defaults (those of its documented `Instance` example), for what an instance leaves out.
    fn default() -> Self {
        Self {
            statuses: MastodonLimits::DEFAULT,
            max_media_attachments: 4,
            description_limit: 1500,
            image_size_limit: 16_777_216,
            video_size_limit: 103_809_024,
            image_matrix_limit: 33_177_600,
            video_matrix_limit: 8_294_400,
            supported_mime_types: Vec::new(),
        }
    }
}

impl InstanceLimits {
    fn from_instance(answer: &Value) -> Self {
        let defaults = Self::default();
        let config = &answer["configuration"];
        let number = |value: &Value, default: u64| value.as_u64().unwrap_or(default);
        let count =
            |value: &Value, default: usize| value.as_u64().and_then(|n| usize::try_from(n).ok()).unwrap_or(default);
        let statuses = &config["statuses"];
        let media = &config["media_attachments"];
        Self {
            statuses: MastodonLimits {
                max_characters: count(&statuses["max_characters"], defaults.statuses.max_characters),
                characters_reserved_per_url: count(
                    &statuses["characters_reserved_per_url"],
                    defaults.statuses.characters_reserved_per_url,
                ),
            },
            max_media_attachments: count(&statuses["max_media_attachments"], defaults.max_media_attachments),
            description_limit: count(&media["description_limit"], defaults.description_limit),
            image_size_limit: number(&media["image_size_limit"], defaults.image_size_limit),
            video_size_limit: number(&media["video_size_limit"], defaults.video_size_limit),
            image_matrix_limit: number(&media["image_matrix_limit"], defaults.image_matrix_limit),
            video_matrix_limit: number(&media["video_matrix_limit"], defaults.video_matrix_limit),
            supported_mime_types: media["supported_mime_types"]
                .as_array()
                .map(|types| types.iter().filter_map(Value::as_str).map(str::to_string).collect())
                .unwrap_or_default(),
        }
    }

    /// Refuses, before anything is written, what the instance would refuse part-way through a thread.
    pub fn check(&self, post: &Outgoing) -> Result<(), PublishError> {
        let limits = Limits { mastodon: self.statuses };
        for (n, text) in post.parts().enumerate() {
            // Every part carries the content warning (see `status_body`), and the instance counts it with the text.
            let draft = Draft { content_warning: Some(post.content_warning.as_str()), ..Draft::new(text) };
            let used = chorus_text::networks::draft_counts(Network::Mastodon, &draft, &limits)
                .into_iter()
                .find(|(field, _)| *field == Field::Text)
                .map(|(_, count)| count.used)
                .unwrap_or_default();
            if used > self.statuses.max_characters {
                return Err(PublishError::permanent(format!(
                    "part {} is {used} characters{}; this instance takes at most {}",
                    n + 1,
                    if post.content_warning.is_empty() { "" } else { " with its content warning" },
                    self.statuses.max_characters
                )));
            }
            let has_media = n == 0 && !post.media.is_empty();
            if text.trim().is_empty() && !has_media {
                return Err(PublishError::permanent(format!("part {} has no text and no media", n + 1)));
            }
        }
        if post.media.len() > self.max_media_attachments {
            return Err(PublishError::permanent(format!(
                "this instance takes at most {} media files per status",
                self.max_media_attachments
            )));
        }
        for (n, media) in post.media.iter().enumerate() {
            let which = n + 1;
            if !self.supported_mime_types.is_empty() && !self.supported_mime_types.contains(&media.media_type) {
                return Err(PublishError::permanent(format!(
                    "media file {which} is {}, which this instance does not take",
                    media.media_type
                )));
            }
            let video = !media.media_type.starts_with("image/") || media.media_type == "image/gif";
            let (size_limit, matrix_limit) = if video {
                (self.video_size_limit, self.video_matrix_limit)
            } else {
                (self.image_size_limit, self.image_matrix_limit)
            };
            let size = u64::try_from(media.bytes.len()).unwrap_or(u64::MAX);
            if size > size_limit {
                return Err(PublishError::permanent(format!(
                    "media file {which} is {size} bytes; this instance takes at most {size_limit}"
                )));
            }
            let pixels = u64::from(media.width) * u64::from(media.height);
            // Mastodon downscales images over the limit but refuses videos over it.
            if video && pixels > matrix_limit {
                return Err(PublishError::permanent(format!(
                    "media file {which} is {}×{} pixels; this instance takes at most {matrix_limit} pixels",
                    media.width, media.height
                )));
            }
            let alt = media.alt_text.chars().count();
            if alt > self.description_limit {
                return Err(PublishError::permanent(format!(
                    "the alt text of media file {which} is {alt} characters; this instance takes at most {}",
                    self.description_limit
                )));
            }
        }
        Ok(())
    }
}

/// The `Idempotency-Key` of part `part` (0 for the post itself) of the publication `key`.
pub fn idempotency_key(key: &PublishKey, part: usize) -> String {
    format!("chorus-{}-{part}", key.0)
}

/// A status as the instance names it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Posted {
    id: String,
    url: String,
}

impl Posted {
    fn from_status(status: &Value) -> Option<Self> {
        let id = status["id"].as_str().filter(|id| !id.is_empty())?.to_string();
        // `url` is the page people see; `uri` (the ActivityPub id) is there even when `url` is null.
        let url = status["url"].as_str().or_else(|| status["uri"].as_str()).unwrap_or_default().to_string();
        Some(Self { id, url })
    }
}

/// The Mastodon connector. One serves every account on every instance; keep one per process (it remembers each
/// instance's limits and each token's account).
pub struct Mastodon {
    api: Api,
    config: Config,
    limits: Mutex<HashMap<String, (Instant, InstanceLimits)>>,
    /// The account of each token, by instance and token.
    accounts: Mutex<HashMap<(String, String), Account>>,
}

impl Mastodon {
    pub fn new(config: Config) -> Result<Self, PublishError> {
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .connect_timeout(CONNECT_TIMEOUT.min(config.request_timeout))
            .user_agent(concat!("Chorus/", env!("CARGO_PKG_VERSION")))
            // The OAuth consent page redirects to Chorus itself; nothing here should follow a redirect blindly.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| PublishError::permanent(format!("cannot make an HTTP client: {e}")))?;
        Ok(Self {
            api: Api::new(http),
            config,
            limits: Mutex::new(HashMap::new()),
            accounts: Mutex::new(HashMap::new()),
        })
    }

    /// Registers Chorus as an app on `instance` (an address, or a bare domain taken as https), allowed to send people
    /// back to `redirect_uri` and to ask for `scopes` ([`SCOPES`] if empty).
    pub async fn register_app(
        &self,
        instance: &str,
        redirect_uri: &str,
        scopes: &[&str],
    ) -> Result<AppRegistration, PublishError> {
        let instance = normalize_instance(instance)?;
        let scopes: Vec<String> =
            if scopes.is_empty() { SCOPES } else { scopes }.iter().map(|s| (*s).to_string()).collect();
        let mut input = json!({
            "client_name": self.config.client_name,
            "redirect_uris": [redirect_uri],
            "scopes": scopes.join(" "),
        });
        if !self.config.website.is_empty() {
            input["website"] = json!(self.config.website);
        }
        let answer = self
            .api
            .call(Method::POST, &format!("{instance}/api/v1/apps"), None, Body::Json(input), None)
            .await
            .map_err(|e| plain(&e, "registering Chorus as an app"))?;
        let field = |name: &str| {
            answer.body[name]
                .as_str()
                .filter(|v| !v.is_empty())
                .map(str::to_string)
                .ok_or_else(|| PublishError::transient(format!("the instance registered the app without a {name}")))
        };
        Ok(AppRegistration {
            instance,
            client_id: field("client_id")?,
            client_secret: field("client_secret")?,
            redirect_uri: redirect_uri.to_string(),
            scopes,
        })
    }

    /// Where to send the person to consent: the instance's `/oauth/authorize` with a fresh `state` and PKCE `S256`
    /// challenge. Keep the request until they come back.
    pub fn authorize_url(registration: &AppRegistration) -> Result<AuthorizationRequest, PublishError> {
        let state = oauth::random_token(24);
        let code_verifier = oauth::random_token(32);
        let mut url = reqwest::Url::parse(&format!("{}/oauth/authorize", registration.instance))
            .map_err(|e| PublishError::permanent(format!("{} is not an address: {e}", registration.instance)))?;
        url.query_pairs_mut()
            .append_pair("client_id", &registration.client_id)
            .append_pair("redirect_uri", &registration.redirect_uri)
            .append_pair("response_type", "code")
            .append_pair("scope", &registration.scopes.join(" "))
            .append_pair("state", &state)
            .append_pair("code_challenge", &oauth::challenge(&code_verifier))
            .append_pair("code_challenge_method", "S256");
        Ok(AuthorizationRequest { url: url.into(), state, code_verifier })
    }

    /// Exchanges the code of the redirect (see [`AuthorizationRequest::code_from_redirect`]) for the account's
    /// credentials (`POST /oauth/token`).
    pub async fn exchange_code(
        &self,
        registration: &AppRegistration,
        request: &AuthorizationRequest,
        code: &str,
    ) -> Result<AnyCredentials, PublishError> {
        let form = vec![
            ("grant_type".to_string(), "authorization_code".to_string()),
            ("code".to_string(), code.to_string()),
            ("client_id".to_string(), registration.client_id.clone()),
            ("client_secret".to_string(), registration.client_secret.clone()),
            ("redirect_uri".to_string(), registration.redirect_uri.clone()),
            ("code_verifier".to_string(), request.code_verifier.clone()),
            ("scope".to_string(), registration.scopes.join(" ")),
        ];
        let url = format!("{}/oauth/token", registration.instance);
        let answer = self
            .api
            .call(Method::POST, &url, None, Body::Form(form), None)
            .await
            .map_err(|e| plain(&e, "exchanging the authorization code"))?;
        let access_token = answer.body["access_token"]
            .as_str()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| PublishError::transient("the instance issued no access token"))?
            .to_string();
        let scopes = match answer.body["scope"].as_str() {
            Some(granted) => granted.split_whitespace().map(str::to_string).collect(),
            None => registration.scopes.clone(),
        };
        Ok(AnyCredentials::Mastodon(Credentials {
            instance: registration.instance.clone(),
            client_id: registration.client_id.clone(),
            client_secret: registration.client_secret.clone(),
            access_token,
            scopes,
        }))
    }

    /// The account the credentials belong to; `Reauthorize` if the token was refused.
    pub async fn verify_credentials(&self, account: &AnyCredentials) -> Result<Account, PublishError> {
        let credentials = credentials(account)?;
        let answer = self
            .get(credentials, "/api/v1/accounts/verify_credentials", Vec::new())
            .await
            .map_err(|e| e.to_publish_error("checking the account"))?;
        let body = &answer.body;
        let text = |name: &str| body[name].as_str().unwrap_or_default().to_string();
        let id = text("id");
        if id.is_empty() {
            return Err(PublishError::transient("the instance described the account without an id"));
        }
        let acct = text("acct");
        let host = reqwest::Url::parse(&credentials.instance)
            .ok()
            .and_then(|u| u.host_str().map(|h| u.port().map_or_else(|| h.to_string(), |p| format!("{h}:{p}"))))
            .unwrap_or_default();
        let handle = if acct.contains('@') { format!("@{acct}") } else { format!("@{}@{host}", text("username")) };
        let found = Account {
            id,
            username: text("username"),
            acct,
            handle,
            display_name: text("display_name"),
            url: text("url"),
        };
        if let Ok(mut accounts) = self.accounts.lock() {
            accounts.insert(account_key(credentials), found.clone());
        }
        Ok(found)
    }

    /// The instance's limits, read now (and remembered for the checks before publishing).
    pub async fn instance_limits(&self, instance: &str) -> Result<InstanceLimits, PublishError> {
        let instance = normalize_instance(instance)?;
        let answer = self
            .api
            .call(Method::GET, &format!("{instance}/api/v2/instance"), None, Body::Query(Vec::new()), None)
            .await
            .map_err(|e| plain(&e, "reading the instance's limits"))?;
        let limits = InstanceLimits::from_instance(&answer.body);
        if let Ok(mut cache) = self.limits.lock() {
            cache.insert(instance, (Instant::now(), limits.clone()));
        }
        Ok(limits)
    }

    /// The instance's limits as remembered, read again when older than [`Config::limits_ttl`].
    async fn limits_for(&self, instance: &str) -> Result<InstanceLimits, PublishError> {
        let remembered = self.limits.lock().ok().and_then(|cache| {
            cache.get(instance).filter(|(at, _)| at.elapsed() < self.config.limits_ttl).map(|(_, l)| l.clone())
        });
        match remembered {
            Some(limits) => Ok(limits),
            None => self.instance_limits(instance).await,
        }
    }

    fn forget_limits(&self, instance: &str) {
        if let Ok(mut cache) = self.limits.lock() {
            cache.remove(instance);
        }
    }

    /// The account of a token, as remembered or asked.
    async fn account(&self, account: &AnyCredentials) -> Result<Account, PublishError> {
        let key = account_key(credentials(account)?);
        let remembered = self.accounts.lock().ok().and_then(|a| a.get(&key).cloned());
        match remembered {
            Some(found) => Ok(found),
            None => self.verify_credentials(account).await,
        }
    }

    async fn get(
        &self,
        credentials: &Credentials,
        path: &str,
        query: Vec<(String, String)>,
    ) -> Result<api::Answer, CallError> {
        let url = format!("{}{path}", credentials.instance);
        self.api.call(Method::GET, &url, Some(&credentials.access_token), Body::Query(query), None).await
    }

    /// Uploads one file and waits until the instance has processed it; its media id.
    async fn upload(
        &self,
        credentials: &Credentials,
        media: &OutgoingMedia,
        which: usize,
    ) -> Result<String, PublishError> {
        let doing = format!("uploading media file {which}");
        let mut fields = Vec::new();
        if !media.alt_text.is_empty() {
            fields.push(("description".to_string(), media.alt_text.clone()));
        }
        let file = FilePart {
            field: "file".into(),
            filename: format!("media{which}.{}", extension(&media.media_type)),
            media_type: media.media_type.clone(),
            bytes: media.bytes.clone(),
        };
        let url = format!("{}/api/v2/media", credentials.instance);
        let answer = self
            .api
            .call(Method::POST, &url, Some(&credentials.access_token), Body::Multipart { fields, file }, None)
            .await
            .map_err(|e| plain(&e, &doing))?;
        let id = answer.body["id"]
            .as_str()
            .filter(|id| !id.is_empty())
            .ok_or_else(|| PublishError::transient(format!("the instance answered {doing} without an id")))?
            .to_string();
        // 200 with a URL: ready. 202 (its `url` null): processing in the background, polled until 200.
        if answer.status == StatusCode::OK && !answer.body["url"].is_null() {
            return Ok(id);
        }
        let began = Instant::now();
        let mut wait = self.config.media_poll_first;
        loop {
            tokio::time::sleep(wait).await;
            let path = format!("/api/v1/media/{}", segment(&id)?);
            let polled = self.get(credentials, &path, Vec::new()).await.map_err(|e| plain(&e, &doing))?;
            // 206 Partial Content: still processing.
            if polled.status == StatusCode::OK {
                return Ok(id);
            }
            if began.elapsed() >= self.config.media_wait {
                return Err(PublishError::transient(format!(
                    "the instance was still processing media file {which} after {:?}; nothing was posted",
                    self.config.media_wait
                )));
            }
            wait = (wait * 2).min(self.config.media_poll_max);
        }
    }

    /// The parameters of the status for one part of `post` with its `text`, a reply to `parent` if it has one.
    fn status_body(post: &Outgoing, text: &str, media_ids: &[String], parent: Option<&Posted>) -> Value {
        let mut body = json!({ "status": text, "visibility": visibility(post.visibility) });
        if !media_ids.is_empty() {
            body["media_ids"] = json!(media_ids);
        }
        // Every part carries the warning, as Mastodon's own composer copies it into replies: a thread hidden behind
        // a warning stays hidden all the way down.
        if !post.content_warning.is_empty() {
            body["spoiler_text"] = json!(post.content_warning);
            body["sensitive"] = json!(true);
        }
        // A status has one language; the first is the post's main one.
        if let Some(language) = post.languages.iter().find(|l| !l.trim().is_empty()) {
            body["language"] = json!(language.trim());
        }
        if let Some(parent) = parent {
            body["in_reply_to_id"] = json!(parent.id);
        }
        body
    }

    /// Reads the account's recent statuses back and finds the thread of `post`, complete: each part with its text
    /// and the warning, the first with as many media files, each further one a reply to the one before.
    async fn read_back(&self, account: &AnyCredentials, post: &Outgoing) -> Result<Option<Vec<Posted>>, PublishError> {
        let credentials = credentials(account)?;
        let owner = self.account(account).await?;
        let path = format!("/api/v1/accounts/{}/statuses", segment(&owner.id)?);
        let mut seen: Vec<Value> = Vec::new();
        let mut max_id: Option<String> = None;
        for _ in 0..self.config.find_pages.max(1) {
            let mut query =
                vec![("limit".to_string(), PAGE_SIZE.to_string()), ("exclude_reblogs".into(), "true".into())];
            if let Some(max_id) = &max_id {
                query.push(("max_id".into(), max_id.clone()));
            }
            let page = self
                .get(credentials, &path, query)
                .await
                .map_err(|e| e.to_publish_error("reading the account's statuses back"))?;
            let statuses = page.body.as_array().cloned().unwrap_or_default();
            let Some(last) = statuses.last().and_then(|s| s["id"].as_str()).map(str::to_string) else { break };
            let full = statuses.len() >= PAGE_SIZE;
            seen.extend(statuses);
            // Replies come after what they answer, so newer: once the first part is seen, so are the others.
            if let Some(found) = match_thread(&seen, post) {
                return Ok(Some(found));
            }
            if !full {
                break;
            }
            max_id = Some(last);
        }
        Ok(None)
    }
}

/// The thread of `post` among `statuses` (newest first), the newest complete one if several.
fn match_thread(statuses: &[Value], post: &Outgoing) -> Option<Vec<Posted>> {
    let parts: Vec<&str> = post.parts().collect();
    let same = |status: &Value, text: &str| {
        status["spoiler_text"].as_str().unwrap_or_default() == post.content_warning
            && content::shows(status["content"].as_str().unwrap_or_default(), text)
    };
    let roots = statuses.iter().filter(|s| {
        s["in_reply_to_id"].is_null()
            && s["media_attachments"].as_array().map_or(0, Vec::len) == post.media.len()
            && same(s, parts[0])
    });
    'roots: for root in roots {
        let mut chain = vec![Posted::from_status(root)?];
        for text in &parts[1..] {
            let parent = chain.last().map(|p| p.id.clone()).unwrap_or_default();
            // The oldest matching reply: the first one posted is the one a repeated publish would answer.
            let reply =
                statuses.iter().rev().find(|s| s["in_reply_to_id"].as_str() == Some(parent.as_str()) && same(s, text));
            match reply.and_then(Posted::from_status) {
                Some(reply) => chain.push(reply),
                None => continue 'roots,
            }
        }
        return Some(chain);
    }
    None
}

fn published(posted: &[Posted]) -> Published {
    let parts: Vec<RemoteRef> = posted.iter().map(|p| RemoteRef { id: p.id.clone(), url: p.url.clone() }).collect();
    Published {
        remote_id: parts.first().map(|p| p.id.clone()).unwrap_or_default(),
        url: parts.first().map(|p| p.url.clone()).unwrap_or_default(),
        parts,
    }
}

fn credentials(account: &AnyCredentials) -> Result<&Credentials, PublishError> {
    match account {
        AnyCredentials::Mastodon(credentials) => Ok(credentials),
        #[allow(unreachable_patterns)] // more networks join the enum
        other => {
            Err(PublishError::permanent(format!("{:?} credentials given to the Mastodon connector", other.network())))
        }
    }
}

fn account_key(credentials: &Credentials) -> (String, String) {
    (credentials.instance.clone(), credentials.access_token.clone())
}

/// A failure of a call whose repetition is harmless (an upload, a read, OAuth): never `Unknown`.
fn plain(failure: &CallError, doing: &str) -> PublishError {
    match failure.to_publish_error(doing) {
        PublishError::Unknown { reason } => PublishError::Transient { retry_after: None, reason },
        other => other,
    }
}

/// An id as one segment of a path: Mastodon's ids are digits (or letters); anything else would change the address.
fn segment(id: &str) -> Result<&str, PublishError> {
    if !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        Ok(id)
    } else {
        Err(PublishError::permanent(format!("{id:?} is not a Mastodon id")))
    }
}

/// Mastodon's word for a visibility.
fn visibility(visibility: Visibility) -> &'static str {
    match visibility {
        Visibility::Public => "public",
        Visibility::Unlisted => "unlisted",
        Visibility::Private => "private",
        Visibility::Restricted => "direct",
    }
}

/// A file name's extension for a media type; the instance types the file from its bytes, but keeps the name.
fn extension(media_type: &str) -> &str {
    match media_type {
        "image/jpeg" => "jpg",
        "video/quicktime" => "mov",
        "audio/mpeg" => "mp3",
        other => other.rsplit('/').next().filter(|e| e.chars().all(|c| c.is_ascii_alphanumeric())).unwrap_or("bin"),
    }
}

/// The instance's base address: `https://` if no scheme was given, no path, no trailing slash.
pub fn normalize_instance(instance: &str) -> Result<String, PublishError> {
    let trimmed = instance.trim().trim_end_matches('/');
    let with_scheme = if trimmed.contains("://") { trimmed.to_string() } else { format!("https://{trimmed}") };
    let url = reqwest::Url::parse(&with_scheme)
        .map_err(|e| PublishError::permanent(format!("{instance:?} is not the address of an instance: {e}")))?;
    let host = url.host_str().filter(|h| !h.is_empty());
    if !matches!(url.scheme(), "https" | "http") || host.is_none() || url.path() != "/" && !url.path().is_empty() {
        return Err(PublishError::permanent(format!("{instance:?} is not the address of an instance")));
    }
    Ok(url.origin().ascii_serialization())
}

#[async_trait]
impl Connector for Mastodon {
    fn network(&self) -> Network {
        Network::Mastodon
    }

    async fn publish(
        &self,
        account: &AnyCredentials,
        key: &PublishKey,
        post: &Outgoing,
    ) -> Result<Published, PublishError> {
        let credentials = credentials(account)?;
        self.limits_for(&credentials.instance).await?.check(post)?;
        let mut posted: Vec<Posted> = Vec::new();
        for (n, text) in post.parts().enumerate() {
            let mut media_ids = Vec::new();
            if n == 0 {
                for (i, media) in post.media.iter().enumerate() {
                    media_ids.push(self.upload(credentials, media, i + 1).await?);
                }
            }
            let body = Self::status_body(post, text, &media_ids, posted.last());
            let url = format!("{}/api/v1/statuses", credentials.instance);
            let doing = if post.thread.is_empty() {
                "posting the status".to_string()
            } else {
                format!("posting part {}", n + 1)
            };
            let answer = self
                .api
                .call(
                    Method::POST,
                    &url,
                    Some(&credentials.access_token),
                    Body::Json(body),
                    Some(&idempotency_key(key, n)),
                )
                .await
                .map_err(|failure| {
                    if failure.is(StatusCode::UNPROCESSABLE_ENTITY) {
                        // The instance may have changed its limits since they were read: read them again next time.
                        self.forget_limits(&credentials.instance);
                    }
                    failure.to_publish_error(&doing)
                })?;
            let status = Posted::from_status(&answer.body)
                .ok_or_else(|| PublishError::unknown(format!("the instance answered {doing} without a status id")))?;
            posted.push(status);
        }
        Ok(published(&posted))
    }

    async fn find(
        &self,
        account: &AnyCredentials,
        _key: &PublishKey,
        post: &Outgoing,
    ) -> Result<Option<Published>, PublishError> {
        Ok(self.read_back(account, post).await?.map(|posted| published(&posted)))
    }

    async fn delete(&self, account: &AnyCredentials, published: &Published) -> Result<(), PublishError> {
        let credentials = credentials(account)?;
        // Replies first, so that no part is left answering a status already gone.
        for part in published.parts.iter().rev() {
            let url = format!("{}/api/v1/statuses/{}", credentials.instance, segment(&part.id)?);
            match self
                .api
                .call(Method::DELETE, &url, Some(&credentials.access_token), Body::Query(Vec::new()), None)
                .await
            {
                Ok(_) => {}
                Err(failure) if failure.is(StatusCode::NOT_FOUND) => {}
                Err(failure) => return Err(plain(&failure, &format!("deleting status {}", part.id))),
            }
        }
        Ok(())
    }

    async fn health(&self, account: &AnyCredentials) -> Result<Health, PublishError> {
        match self.verify_credentials(account).await {
            Ok(found) => Ok(Health::Healthy { account: found.handle }),
            Err(PublishError::Reauthorize { reason }) => {
                if let Ok(mut accounts) = self.accounts.lock() {
                    accounts.remove(&account_key(credentials(account)?));
                }
                Ok(Health::NeedsReauthorization { reason })
            }
            Err(other) => Err(other),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // a test that cannot set up should stop loudly

    use super::*;

    #[test]
    fn instances_are_named_by_their_origin() {
        assert_eq!(normalize_instance(" social.example/ ").unwrap(), "https://social.example");
        assert_eq!(normalize_instance("http://127.0.0.1:3000").unwrap(), "http://127.0.0.1:3000");
        assert!(normalize_instance("https://social.example/@me").is_err());
        assert!(normalize_instance("ftp://social.example").is_err());
        assert!(normalize_instance("").is_err());
    }

    #[test]
    fn a_thread_is_found_as_a_chain_of_replies_with_its_texts() {
        let post = Outgoing { text: "one".into(), thread: vec!["two".into()], ..Outgoing::default() };
        let status = |id: &str, text: &str, parent: Option<&str>| {
            json!({ "id": id, "url": format!("u/{id}"), "content": format!("<p>{text}</p>"), "spoiler_text": "",
                    "in_reply_to_id": parent, "media_attachments": [] })
        };
        // Newest first: an unrelated reply, the thread, and an older "one" never answered.
        let statuses = [
            status("5", "two", Some("9")),
            status("4", "two", Some("3")),
            status("3", "one", None),
            status("2", "one", None),
        ];
        let found = match_thread(&statuses, &post).unwrap();
        assert_eq!(found.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), ["3", "4"]);
        assert!(match_thread(&statuses[2..], &post).is_none(), "a thread cut short is not found");
        let warned = Outgoing { content_warning: "cw".into(), ..post };
        assert!(match_thread(&statuses, &warned).is_none(), "the warning must match too");
    }

    #[test]
    fn texts_over_the_instance_limit_are_refused_before_anything_is_sent() {
        let limits = InstanceLimits {
            statuses: MastodonLimits { max_characters: 10, ..MastodonLimits::DEFAULT },
            ..InstanceLimits::default()
        };
        assert!(limits.check(&Outgoing { text: "short".into(), ..Outgoing::default() }).is_ok());
        let warned = Outgoing { text: "short".into(), content_warning: "a warning".into(), ..Outgoing::default() };
        assert!(matches!(limits.check(&warned), Err(PublishError::Permanent { .. })));
        let thread = Outgoing { text: "ok".into(), thread: vec!["x".repeat(11)], ..Outgoing::default() };
        assert!(limits.check(&thread).is_err_and(|e| e.reason().contains("part 2")));
        let blank = Outgoing { text: "ok".into(), thread: vec![" ".into()], ..Outgoing::default() };
        assert!(limits.check(&blank).is_err());
    }
}
