//! Chorus on the web: the JSON API under `/api/v1`, the server-rendered pages, and the operational endpoints.
//!
//! Handlers stay thin: they parse input, ask [`services`] to do the work (which checks permissions in
//! `chorus_domain::permissions` and calls the store), and render the result as JSON or HTML.

pub mod api;
pub mod auth;
pub mod error;
mod extract;
pub mod metrics;
mod ops;
pub mod pages;
pub mod services;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use chorus_store::{BlobStore, Store};

pub use error::{AppError, AppResult, Problem};

/// Settings the web layer needs, decided by the binary from flags and environment.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The address people use to reach Chorus, e.g. `https://chorus.agency.example`; links in invitations
    /// are built from it. `None`: links are built from the request's Host header.
    pub public_url: Option<url::Url>,
    /// Whether cookies are marked `Secure`; true when `public_url` is https.
    pub secure_cookies: bool,
    /// Whether `X-Forwarded-For` is believed, for rate limiting by address behind a reverse proxy.
    pub trust_proxy_headers: bool,
    pub session_lifetime: Duration,
    pub invitation_lifetime: Duration,
    /// Failed sign-ins allowed per e-mail address, and per network address, within `sign_in_window`.
    pub sign_in_failures_per_account: u64,
    pub sign_in_failures_per_address: u64,
    pub sign_in_window: Duration,
    /// The largest file an upload to the media library may be, in bytes.
    pub max_upload_bytes: usize,
    /// What feeds and media URLs may be fetched from; by default never a private or internal address.
    pub fetch_policy: chorus_fetch::FetchPolicy,
    /// Where the Bluesky network's directory and AppView are: the public network, or a test network.
    pub bluesky: chorus_networks::bluesky::Config,
    /// Let Mastodon instances be reached over plain http. Only for tests against a local instance.
    pub mastodon_allow_http: bool,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            public_url: None,
            secure_cookies: false,
            trust_proxy_headers: false,
            session_lifetime: Duration::from_secs(14 * 24 * 3600),
            invitation_lifetime: Duration::from_secs(7 * 24 * 3600),
            sign_in_failures_per_account: 5,
            sign_in_failures_per_address: 30,
            sign_in_window: Duration::from_secs(15 * 60),
            max_upload_bytes: 50 * 1024 * 1024,
            fetch_policy: chorus_fetch::FetchPolicy::default(),
            bluesky: chorus_networks::bluesky::Config::public(),
            mastodon_allow_http: false,
        }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    /// Encrypts what Chorus stores that must stay secret (network tokens, webhook secrets).
    pub secrets: Arc<chorus_secrets::Keyring>,
    /// The bytes of uploaded media; their descriptions are in `store`.
    pub blobs: Arc<dyn BlobStore>,
    pub config: Arc<WebConfig>,
    pub metrics: Arc<metrics::Metrics>,
    /// Fetches feeds and media URLs under `config.fetch_policy`.
    pub fetcher: chorus_fetch::Fetcher,
    /// The network connectors, one per process because they keep the accounts' sessions.
    pub networks: Arc<Networks>,
}

/// The connectors this process publishes and checks accounts with. A connector that cannot start (its TLS set-up
/// failed) is missing, and what needs it says so rather than the server refusing to start.
pub struct Networks {
    pub bluesky: Result<Arc<chorus_networks::bluesky::Bluesky>, String>,
    pub mastodon: Result<Arc<chorus_networks::mastodon::Mastodon>, String>,
}

impl Networks {
    pub fn new(config: &WebConfig) -> Self {
        let bluesky = chorus_networks::bluesky::Bluesky::new(config.bluesky.clone()).map(Arc::new).map_err(|e| {
            tracing::error!(error = %e, "the Bluesky connector cannot start; Bluesky accounts cannot be used");
            e.to_string()
        });
        let website = config.public_url.as_ref().map(|u| u.as_str().trim_end_matches('/').to_string());
        let mastodon_config =
            chorus_networks::mastodon::Config { website: website.unwrap_or_default(), ..Default::default() };
        let mastodon = chorus_networks::mastodon::Mastodon::new(mastodon_config).map(Arc::new).map_err(|e| {
            tracing::error!(error = %e, "the Mastodon connector cannot start; Mastodon accounts cannot be used");
            e.to_string()
        });
        Self { bluesky, mastodon }
    }
}

impl AppState {
    pub fn new(
        store: Arc<dyn Store>,
        secrets: Arc<chorus_secrets::Keyring>,
        blobs: Arc<dyn BlobStore>,
        config: WebConfig,
    ) -> Self {
        let fetcher = chorus_fetch::Fetcher::new(config.fetch_policy.clone());
        let networks = Arc::new(Networks::new(&config));
        Self {
            store,
            secrets,
            blobs,
            config: Arc::new(config),
            metrics: Arc::new(metrics::Metrics::new()),
            fetcher,
            networks,
        }
    }
}

/// The whole application: API, pages, assets and operational endpoints, with request metrics around them.
pub fn app(state: AppState) -> Router {
    let (api_router, _) = api::router().split_for_parts();
    let api_router = api_router
        .fallback(|| async { AppError::NotFound("API route") })
        .method_not_allowed_fallback(|| async { AppError::MethodNotAllowed });
    Router::new()
        .nest("/api/v1", api_router)
        .merge(pages::router(state.clone()))
        .merge(ops::router())
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track_requests))
        .with_state(state)
}

/// The OpenAPI document of `/api/v1`, as served at `/api/v1/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api::router().split_for_parts().1
}
