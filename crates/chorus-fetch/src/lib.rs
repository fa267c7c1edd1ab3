//! Fetching what people point Chorus at — feeds, article images, media URLs in a CSV file — without letting a
//! URL reach into the server's own network (server-side request forgery).
//!
//! What is checked, and when:
//! - the URL itself: http or https only, no user name or password, and a literal IP address in any form the
//!   URL standard reads (`http://2130706433/` is 127.0.0.1) must be public ([`check_url`]);
//! - every address a host name resolves to, at connect time, by the client's own resolver: a name that
//!   resolves (or re-resolves, DNS rebinding) to a private address is refused before a connection is made;
//! - every redirect, as if it were a new URL, at most [`MAX_REDIRECTS`] of them;
//! - time: [`CONNECT_TIMEOUT`] to connect, [`TOTAL_TIMEOUT`] for the whole fetch;
//! - size: the body is counted while it streams in and the fetch stops at the caller's limit.
//!
//! Which content types are acceptable is the caller's business: [`Fetched::content_type`] says what the server
//! claimed.

mod address;

use std::error::Error as StdError;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

pub use address::non_public_reason;

/// Redirects followed before giving up.
pub const MAX_REDIRECTS: usize = 5;
/// How long connecting to a server may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a whole fetch, redirects and body included, may take.
pub const TOTAL_TIMEOUT: Duration = Duration::from_secs(30);

/// What the fetcher may do. The default refuses every non-public address; only tests (which serve from
/// loopback) and an operator who sets `CHORUS_FETCH_ALLOW_PRIVATE=true` turn that off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchPolicy {
    /// Fetch from private, loopback and other non-public addresses too. Dangerous: anyone who can add a feed
    /// can then make the server request its internal services.
    pub allow_private: bool,
    /// Single non-public addresses allowed all the same, e.g. the loopback address a test serves from, so
    /// the test can still watch every other private address be refused.
    pub allowed_addresses: Vec<IpAddr>,
    pub connect_timeout: Duration,
    pub total_timeout: Duration,
    pub max_redirects: usize,
}

impl FetchPolicy {
    /// Why the policy refuses this address, if it does.
    pub fn refuses(&self, ip: IpAddr) -> Option<&'static str> {
        if self.allow_private || self.allowed_addresses.contains(&ip) {
            return None;
        }
        non_public_reason(ip)
    }
}

impl Default for FetchPolicy {
    fn default() -> Self {
        Self {
            allow_private: false,
            allowed_addresses: Vec::new(),
            connect_timeout: CONNECT_TIMEOUT,
            total_timeout: TOTAL_TIMEOUT,
            max_redirects: MAX_REDIRECTS,
        }
    }
}

/// Why a fetch did not give a body; the message is meant for the person who gave the URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("“{url}” is not a valid web address ({reason})")]
    InvalidUrl { url: String, reason: String },
    #[error("only http and https addresses can be fetched, not {scheme}:")]
    Scheme { scheme: String },
    #[error("web addresses with a user name or password are not fetched; remove the part before the @")]
    Credentials,
    #[error(
        "{host} is {reason} ({ip}); Chorus only fetches from the public internet, never from private or internal \
         networks"
    )]
    NonPublic { host: String, ip: String, reason: String },
    #[error("{host} is a name for this machine; Chorus only fetches from the public internet")]
    LocalName { host: String },
    #[error("{host} cannot be found: {message}")]
    Dns { host: String, message: String },
    #[error("{url} redirects more than {limit} times; give the final address instead")]
    TooManyRedirects { url: String, limit: usize },
    #[error("{url} redirects without saying where to")]
    BadRedirect { url: String },
    #[error("cannot connect to {url}: {message}")]
    Connect { url: String, message: String },
    #[error("{url} did not answer within {seconds} seconds")]
    Timeout { url: String, seconds: u64 },
    #[error("{url} answered with HTTP status {status}")]
    Status { url: String, status: u16 },
    #[error("{url} is larger than the {limit} accepted")]
    TooLarge { url: String, limit: String },
    #[error("fetching {url} failed: {message}")]
    Other { url: String, message: String },
}

/// A body fetched in full.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// Where the body came from, after redirects.
    pub url: Url,
    /// The media type the server claimed, without parameters, in lower case (`application/rss+xml`).
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// Checks a URL before anything is fetched, without DNS: syntax, scheme, credentials, and a host that is a
/// literal non-public IP address or a name for this machine. Gives the parsed URL.
pub fn check_url(raw: &str, policy: &FetchPolicy) -> Result<Url, FetchError> {
    let url = Url::parse(raw.trim())
        .map_err(|e| FetchError::InvalidUrl { url: raw.trim().to_string(), reason: e.to_string() })?;
    check_parsed(&url, policy)?;
    Ok(url)
}

fn check_parsed(url: &Url, policy: &FetchPolicy) -> Result<(), FetchError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(FetchError::Scheme { scheme: url.scheme().to_string() });
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(FetchError::Credentials);
    }
    let host = url
        .host()
        .ok_or_else(|| FetchError::InvalidUrl { url: url.to_string(), reason: "it has no host name".to_string() })?;
    if policy.allow_private {
        return Ok(());
    }
    let ip = match host {
        Host::Ipv4(ip) => IpAddr::V4(ip),
        Host::Ipv6(ip) => IpAddr::V6(ip),
        Host::Domain(name) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            if name == "localhost" || name.ends_with(".localhost") {
                return Err(FetchError::LocalName { host: name });
            }
            return Ok(());
        }
    };
    match policy.refuses(ip) {
        Some(reason) => Err(non_public(&ip.to_string(), ip, reason)),
        None => Ok(()),
    }
}

fn non_public(host: &str, ip: IpAddr, reason: &str) -> FetchError {
    FetchError::NonPublic { host: host.to_string(), ip: ip.to_string(), reason: reason.to_string() }
}

/// Resolves host names for the client and refuses any name with a non-public address among its addresses,
/// so the check holds for the address actually connected to, whatever DNS answered a moment before.
struct GuardedResolver {
    policy: Arc<FetchPolicy>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = Arc::clone(&self.policy);
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(|e| Box::new(FetchError::Dns { host: host.clone(), message: e.to_string() }))?;
            let addresses: Vec<SocketAddr> = found.collect();
            if addresses.is_empty() {
                let message = "it has no addresses".to_string();
                return Err(Box::new(FetchError::Dns { host, message }) as Box<dyn StdError + Send + Sync>);
            }
            // One bad address refuses the name: a name that mixes public and private addresses is a trick.
            for address in &addresses {
                if let Some(reason) = policy.refuses(address.ip()) {
                    return Err(Box::new(non_public(&host, address.ip(), reason)) as Box<dyn StdError + Send + Sync>);
                }
            }
            Ok(Box::new(addresses.into_iter()) as Addrs)
        })
    }
}

/// An HTTP client that keeps to a [`FetchPolicy`]. Cheap to clone.
#[derive(Clone)]
pub struct Fetcher {
    client: Result<reqwest::Client, String>,
    policy: Arc<FetchPolicy>,
}

impl std::fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetcher").field("policy", &self.policy).finish_non_exhaustive()
    }
}

impl Fetcher {
    /// A client for this policy. Building one only fails when TLS cannot be set up; then every fetch reports
    /// that, rather than the server refusing to start over a feature it may never use.
    pub fn new(policy: FetchPolicy) -> Self {
        let policy = Arc::new(policy);
        let client = reqwest::Client::builder()
            .user_agent(concat!("Chorus/", env!("CARGO_PKG_VERSION"), " (feed reader)"))
            // Redirects are followed by hand so each hop is checked like a new URL.
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would resolve names itself, past the resolver's check.
            .no_proxy()
            .connect_timeout(policy.connect_timeout)
            .timeout(policy.total_timeout)
            .dns_resolver(Arc::new(GuardedResolver { policy: Arc::clone(&policy) }))
            .build()
            .map_err(|e| e.to_string());
        if let Err(e) = &client {
            tracing::error!(error = %e, "cannot build the HTTP client; fetching feeds and media URLs will fail");
        }
        Self { client, policy }
    }

    pub fn policy(&self) -> &FetchPolicy {
        &self.policy
    }

    /// Fetches `url` (following checked redirects) and gives its body, which may be at most `max_bytes` long.
    pub async fn get(&self, url: &str, max_bytes: u64) -> Result<Fetched, FetchError> {
        let url = check_url(url, &self.policy)?;
        let seconds = self.policy.total_timeout.as_secs();
        let shown = url.to_string();
        match tokio::time::timeout(self.policy.total_timeout, self.get_checked(url, max_bytes)).await {
            Ok(result) => result,
            Err(_) => Err(FetchError::Timeout { url: shown, seconds }),
        }
    }

    async fn get_checked(&self, mut url: Url, max_bytes: u64) -> Result<Fetched, FetchError> {
        let client =
            self.client.as_ref().map_err(|e| FetchError::Other { url: url.to_string(), message: e.clone() })?;
        let mut redirects = 0;
        let mut response = loop {
            let response = client.get(url.clone()).send().await.map_err(|e| self.explain(&url, &e))?;
            if !response.status().is_redirection() {
                break response;
            }
            let Some(location) = response.headers().get(reqwest::header::LOCATION) else {
                break response;
            };
            redirects += 1;
            if redirects > self.policy.max_redirects {
                return Err(FetchError::TooManyRedirects { url: url.to_string(), limit: self.policy.max_redirects });
            }
            let next = location
                .to_str()
                .ok()
                .and_then(|l| url.join(l).ok())
                .ok_or_else(|| FetchError::BadRedirect { url: url.to_string() })?;
            check_parsed(&next, &self.policy)?;
            url = next;
        };
        let status = response.status();
        if !status.is_success() {
            return Err(FetchError::Status { url: url.to_string(), status: status.as_u16() });
        }
        let too_large = || FetchError::TooLarge { url: url.to_string(), limit: human_size(max_bytes) };
        if response.content_length().is_some_and(|length| length > max_bytes) {
            return Err(too_large());
        }
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
            .filter(|v| !v.is_empty());
        // Counted as it arrives: a server that lies about (or omits) its length is cut off at the limit.
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.explain(&url, &e))? {
            if body.len() as u64 + chunk.len() as u64 > max_bytes {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched { url, content_type, body })
    }

    /// Turns a client error into what went wrong, preferring the resolver's own refusal when there is one.
    fn explain(&self, url: &Url, error: &reqwest::Error) -> FetchError {
        let mut source: Option<&(dyn StdError + 'static)> = Some(error);
        while let Some(e) = source {
            if let Some(ours) = e.downcast_ref::<FetchError>() {
                return ours.clone();
            }
            source = e.source();
        }
        if error.is_timeout() {
            let seconds =
                if error.is_connect() { self.policy.connect_timeout } else { self.policy.total_timeout }.as_secs();
            return FetchError::Timeout { url: url.to_string(), seconds };
        }
        let mut message = error.to_string();
        let mut source = error.source();
        while let Some(e) = source {
            message = format!("{message}: {e}");
            source = e.source();
        }
        if error.is_connect() {
            FetchError::Connect { url: url.to_string(), message }
        } else {
            FetchError::Other { url: url.to_string(), message }
        }
    }
}

/// `5 MB`, `512 KB`, `100 bytes`.
pub fn human_size(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes >= MB && bytes.is_multiple_of(MB) {
        format!("{} MB", bytes / MB)
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_before_any_connection() {
        let policy = FetchPolicy::default();
        let refused = |url: &str| check_url(url, &policy).err();
        assert!(matches!(refused("http://2130706433/"), Some(FetchError::NonPublic { .. })), "decimal 127.0.0.1");
        assert!(matches!(refused("http://0x7f.1/"), Some(FetchError::NonPublic { .. })), "hex 127.0.0.1");
        assert!(matches!(refused("http://017700000001/"), Some(FetchError::NonPublic { .. })), "octal 127.0.0.1");
        assert!(matches!(refused("http://[::ffff:169.254.169.254]/"), Some(FetchError::NonPublic { .. })));
        assert!(matches!(refused("http://169.254.169.254/latest/meta-data/"), Some(FetchError::NonPublic { .. })));
        assert!(matches!(refused("http://localhost:8080/"), Some(FetchError::LocalName { .. })));
        assert!(matches!(refused("http://admin.localhost./"), Some(FetchError::LocalName { .. })));
        assert!(matches!(refused("ftp://example.com/feed"), Some(FetchError::Scheme { .. })));
        assert!(matches!(refused("file:///etc/passwd"), Some(FetchError::Scheme { .. })));
        assert!(matches!(refused("https://user:pw@example.com/"), Some(FetchError::Credentials)));
        assert!(matches!(refused("not a url"), Some(FetchError::InvalidUrl { .. })));
        assert!(check_url("https://example.com/feed.xml", &policy).is_ok());
        assert!(check_url("http://93.184.215.14/", &policy).is_ok());
        let open = FetchPolicy { allow_private: true, ..FetchPolicy::default() };
        assert!(check_url("http://127.0.0.1:9/", &open).is_ok());
        assert!(check_url("gopher://127.0.0.1/", &open).is_err(), "the scheme is checked whatever the policy");
    }

    #[tokio::test]
    async fn the_resolver_refuses_names_that_resolve_to_private_addresses() {
        let resolver = GuardedResolver { policy: Arc::new(FetchPolicy::default()) };
        let name: Name = "localhost".parse().unwrap_or_else(|_| unreachable!("a valid name"));
        let error = match resolver.resolve(name).await {
            Ok(_) => panic!("localhost was let through"),
            Err(e) => e,
        };
        let ours = error.downcast_ref::<FetchError>().cloned();
        assert!(matches!(&ours, Some(FetchError::NonPublic { host, .. }) if host == "localhost"), "{ours:?}");
        assert!(error.to_string().contains("loopback"), "{error}");

        let open = GuardedResolver { policy: Arc::new(FetchPolicy { allow_private: true, ..FetchPolicy::default() }) };
        let name: Name = "localhost".parse().unwrap_or_else(|_| unreachable!("a valid name"));
        assert!(open.resolve(name).await.is_ok());
    }

    #[test]
    fn a_refusal_says_why() {
        let error = check_url("http://10.0.0.1/x.png", &FetchPolicy::default()).err().map(|e| e.to_string());
        assert_eq!(
            error.as_deref(),
            Some(
                "10.0.0.1 is a private network address (10.0.0.1); Chorus only fetches from the public internet, \
                 never from private or internal networks"
            )
        );
    }
}
