//! XRPC over HTTP: one call, its answer, and what its failure means for publishing.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::PublishError;

/// What a call sends.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    /// A query (`GET`) with its parameters.
    Query(Vec<(String, String)>),
    /// A procedure (`POST`) with a JSON input, or none.
    Json(Option<Value>),
    /// A procedure whose input is raw bytes (`uploadBlob`).
    Bytes { bytes: Vec<u8>, media_type: String },
}

impl Body {
    fn is_query(&self) -> bool {
        matches!(self, Body::Query(_))
    }
}

/// A failed call, with what the network said.
#[derive(Debug, Clone)]
pub(crate) struct CallError {
    pub status: Option<StatusCode>,
    /// The XRPC error name (`ExpiredToken`, `InvalidSwap`, `RecordNotFound`…), empty if there was none.
    pub error: String,
    pub message: String,
    /// Whether the request may have been acted on although no answer came (sent, then timed out or cut off).
    pub maybe_applied: bool,
    pub retry_after: Option<Duration>,
}

impl CallError {
    /// An expired or invalid access token, which a refreshed session cures. The PDS answers 400 `ExpiredToken`
    /// for an expired access token and 401 for a missing or unreadable one.
    pub fn is_stale_token(&self) -> bool {
        matches!(self.error.as_str(), "ExpiredToken" | "InvalidToken")
    }

    pub fn is(&self, error: &str) -> bool {
        self.error == error
    }

    /// What this failure means for the job; `doing` says in words what was being done ("uploading an image").
    pub fn to_publish_error(&self, doing: &str) -> PublishError {
        let said = match (self.error.is_empty(), self.message.is_empty()) {
            (true, true) => String::new(),
            (false, true) => format!(": {}", self.error),
            (true, false) => format!(": {}", self.message),
            (false, false) => format!(": {} ({})", self.message, self.error),
        };
        let Some(status) = self.status else {
            let reason = format!("{doing} failed{said}");
            return if self.maybe_applied {
                PublishError::unknown(reason)
            } else {
                PublishError::Transient { retry_after: None, reason }
            };
        };
        let reason = format!("Bluesky answered {doing} with {status}{said}");
        match status {
            StatusCode::TOO_MANY_REQUESTS => PublishError::Transient { retry_after: self.retry_after, reason },
            StatusCode::UNAUTHORIZED => PublishError::reauthorize(reason),
            _ if self.is_stale_token()
                || matches!(self.error.as_str(), "AccountTakedown" | "AccountDeactivated" | "AuthMissing") =>
            {
                PublishError::reauthorize(reason)
            }
            StatusCode::REQUEST_TIMEOUT => PublishError::Transient { retry_after: self.retry_after, reason },
            _ if status.is_server_error() => PublishError::Transient { retry_after: self.retry_after, reason },
            _ => PublishError::permanent(reason),
        }
    }
}

/// A thin XRPC client: the base URL of a service and the method's NSID make the address.
#[derive(Debug, Clone)]
pub(crate) struct Xrpc {
    http: reqwest::Client,
}

impl Xrpc {
    pub fn new(http: reqwest::Client) -> Self {
        Self { http }
    }

    /// Calls `nsid` on the service at `base` (e.g. the account's PDS), with `token` as the bearer if given.
    pub async fn call(&self, base: &str, nsid: &str, token: Option<&str>, body: Body) -> Result<Value, CallError> {
        let url = format!("{}/xrpc/{nsid}", base.trim_end_matches('/'));
        let query = body.is_query();
        let mut request = match body {
            Body::Query(params) => self.http.get(&url).query(&params),
            Body::Json(Some(input)) => self.http.post(&url).json(&input),
            Body::Json(None) => self.http.post(&url),
            Body::Bytes { bytes, media_type } => {
                self.http.post(&url).header(reqwest::header::CONTENT_TYPE, media_type).body(bytes)
            }
        };
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.map_err(|e| CallError {
            status: None,
            error: String::new(),
            // A connection never made carries nothing; anything later may have reached the server. Queries
            // change nothing, so their outcome is never in doubt.
            maybe_applied: !query && !e.is_connect() && !e.is_builder(),
            message: describe(e),
            retry_after: None,
        })?;
        let status = response.status();
        let retry_after = retry_after(response.headers());
        let bytes = response.bytes().await.map_err(|e| CallError {
            status: None,
            error: String::new(),
            message: format!("the answer was cut off: {}", describe(e)),
            maybe_applied: !query,
            retry_after: None,
        })?;
        let answer: Value =
            if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap_or(Value::Null) };
        if status.is_success() {
            return Ok(answer);
        }
        let text = |field: &str| answer.get(field).and_then(Value::as_str).unwrap_or_default().to_string();
        Err(CallError {
            status: Some(status),
            error: text("error"),
            message: text("message"),
            maybe_applied: false,
            retry_after,
        })
    }
}

/// A reqwest error in words, with its causes (reqwest's own message alone is often just "error sending request").
fn describe(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut words = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        words.push_str(": ");
        words.push_str(&cause.to_string());
        source = cause.source();
    }
    words
}

/// How long a rate-limited client should wait: Bluesky's `ratelimit-reset` (Unix seconds when the window resets),
/// else HTTP's `Retry-After` (seconds, or an HTTP date).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    let now = chrono::Utc::now().timestamp();
    if let Some(reset) = header("ratelimit-reset").and_then(|v| v.parse::<i64>().ok()) {
        return Some(Duration::from_secs(u64::try_from(reset - now).unwrap_or(0)));
    }
    let value = header("retry-after")?;
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    Some(Duration::from_secs(u64::try_from(at.timestamp() - now).unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // a test that cannot set up should stop loudly

    use super::*;

    fn failure(status: u16, error: &str) -> CallError {
        CallError {
            status: Some(StatusCode::from_u16(status).unwrap()),
            error: error.into(),
            message: "said so".into(),
            maybe_applied: false,
            retry_after: None,
        }
    }

    #[test]
    fn failures_map_to_what_the_job_should_do() {
        let kind = |e: PublishError| std::mem::discriminant(&e);
        let transient = kind(PublishError::transient(""));
        assert_eq!(kind(failure(500, "InternalServerError").to_publish_error("x")), transient);
        assert_eq!(kind(failure(503, "").to_publish_error("x")), transient);
        assert_eq!(kind(failure(429, "RateLimitExceeded").to_publish_error("x")), transient);
        assert_eq!(kind(failure(400, "InvalidRequest").to_publish_error("x")), kind(PublishError::permanent("")));
        assert_eq!(kind(failure(413, "").to_publish_error("x")), kind(PublishError::permanent("")));
        assert_eq!(
            kind(failure(401, "AuthenticationRequired").to_publish_error("x")),
            kind(PublishError::reauthorize(""))
        );
        assert_eq!(kind(failure(400, "ExpiredToken").to_publish_error("x")), kind(PublishError::reauthorize("")));
        let cut_off = CallError {
            status: None,
            error: String::new(),
            message: "reset".into(),
            maybe_applied: true,
            retry_after: None,
        };
        assert_eq!(kind(cut_off.to_publish_error("x")), kind(PublishError::unknown("")));
        let refused = CallError { maybe_applied: false, ..cut_off };
        assert_eq!(kind(refused.to_publish_error("x")), transient);
    }

    /// A one-connection server on loopback that reads the request, then does what `answer` says: write these
    /// bytes, or (`None`) close the connection without a word.
    async fn server(answer: Option<&'static str>) -> String {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = vec![0u8; 64 * 1024];
            let _ = socket.read(&mut request).await;
            if let Some(answer) = answer {
                let _ = socket.write_all(answer.as_bytes()).await;
            }
        });
        format!("http://{address}")
    }

    fn xrpc() -> Xrpc {
        Xrpc::new(reqwest::Client::new())
    }

    fn write() -> Body {
        Body::Json(Some(serde_json::json!({ "record": {} })))
    }

    #[tokio::test]
    async fn a_write_cut_off_after_sending_has_an_unknown_outcome_a_refused_connection_does_not() {
        let cut_off = xrpc().call(&server(None).await, "com.atproto.repo.putRecord", None, write()).await.unwrap_err();
        assert!(matches!(cut_off.to_publish_error("posting"), PublishError::Unknown { .. }), "{cut_off:?}");

        let read = xrpc().call(&server(None).await, "com.atproto.repo.getRecord", None, Body::Query(vec![])).await;
        let read = read.unwrap_err();
        assert!(matches!(read.to_publish_error("reading"), PublishError::Transient { .. }), "{read:?}");

        // A port nobody listens on: the request never left.
        let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
        let refused = xrpc().call(&format!("http://{closed}"), "com.atproto.repo.putRecord", None, write()).await;
        let refused = refused.unwrap_err();
        assert!(matches!(refused.to_publish_error("posting"), PublishError::Transient { .. }), "{refused:?}");
    }

    #[tokio::test]
    async fn a_rate_limited_write_is_retried_when_the_window_resets() {
        let answer = "HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\nretry-after: 42\r\n\
                      content-length: 61\r\nconnection: close\r\n\r\n\
                      {\"error\":\"RateLimitExceeded\",\"message\":\"Rate Limit Exceeded\"}";
        let limited = xrpc().call(&server(Some(answer)).await, "com.atproto.repo.putRecord", None, write()).await;
        let limited = limited.unwrap_err();
        assert_eq!(limited.error, "RateLimitExceeded");
        match limited.to_publish_error("posting") {
            PublishError::Transient { retry_after, reason } => {
                assert_eq!(retry_after, Some(Duration::from_secs(42)));
                assert!(reason.contains("Rate Limit Exceeded"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rate_limits_say_when_to_come_back() {
        let mut headers = HeaderMap::new();
        let reset = chrono::Utc::now().timestamp() + 120;
        headers.insert("ratelimit-reset", reset.to_string().parse().unwrap());
        let wait = retry_after(&headers).unwrap();
        assert!((Duration::from_secs(118)..=Duration::from_secs(120)).contains(&wait), "{wait:?}");

        let mut headers = HeaderMap::new();
        headers.insert("retry-after", "30".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(30)));
        let mut failure = failure(429, "RateLimitExceeded");
        failure.retry_after = retry_after(&headers);
        match failure.to_publish_error("posting") {
            PublishError::Transient { retry_after, .. } => assert_eq!(retry_after, Some(Duration::from_secs(30))),
            other => panic!("{other:?}"),
        }
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }
}
