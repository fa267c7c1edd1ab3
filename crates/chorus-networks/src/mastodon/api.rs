//! Mastodon's REST API over HTTP: one call, its answer, and what its failure means for publishing.

use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::PublishError;

/// What a call sends.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    /// Nothing, or only query parameters.
    Query(Vec<(String, String)>),
    /// A JSON object (typed values: Mastodon reads `media_ids` as an array and `sensitive` as a boolean).
    Json(Value),
    /// An HTML form, as OAuth's token endpoint expects.
    Form(Vec<(String, String)>),
    /// A `multipart/form-data` body: text fields and one file (a media upload).
    Multipart { fields: Vec<(String, String)>, file: FilePart },
}

/// The file of a multipart upload.
#[derive(Debug, Clone)]
pub(crate) struct FilePart {
    pub field: String,
    pub filename: String,
    pub media_type: String,
    pub bytes: Vec<u8>,
}

/// A successful answer: its status (`202` and `206` mean "still processing" for media) and its JSON.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub status: StatusCode,
    pub body: Value,
}

/// A failed call, with what the instance said.
#[derive(Debug, Clone)]
pub(crate) struct CallError {
    pub status: Option<StatusCode>,
    /// Mastodon's `error` (or OAuth's `error_description`), or what went wrong on the way.
    pub message: String,
    /// Whether the request may have been acted on although no answer came (sent, then timed out or cut off).
    pub maybe_applied: bool,
    pub retry_after: Option<Duration>,
}

impl CallError {
    /// What this failure means for the job; `doing` says in words what was being done ("posting part 2").
    pub fn to_publish_error(&self, doing: &str) -> PublishError {
        let said = if self.message.is_empty() { String::new() } else { format!(": {}", self.message) };
        let Some(status) = self.status else {
            let reason = format!("{doing} failed{said}");
            return if self.maybe_applied {
                PublishError::unknown(reason)
            } else {
                PublishError::Transient { retry_after: None, reason }
            };
        };
        let reason = format!("Mastodon answered {doing} with {status}{said}");
        match status {
            StatusCode::TOO_MANY_REQUESTS | StatusCode::REQUEST_TIMEOUT => {
                PublishError::Transient { retry_after: self.retry_after, reason }
            }
            // 401: the token is unknown or revoked; 403: it lacks a scope (or the account is suspended). Either way
            // only connecting the account again helps.
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => PublishError::reauthorize(reason),
            _ if status.is_server_error() => PublishError::Transient { retry_after: self.retry_after, reason },
            // 422 is Mastodon's "Validation failed: …", and any other 4xx is as final.
            _ => PublishError::permanent(reason),
        }
    }

    pub fn is(&self, status: StatusCode) -> bool {
        self.status == Some(status)
    }
}

/// A thin client of one instance's API.
#[derive(Debug, Clone)]
pub(crate) struct Api {
    http: reqwest::Client,
}

impl Api {
    pub fn new(http: reqwest::Client) -> Self {
        Self { http }
    }

    /// Calls `method` `url` with `token` as the bearer if given and, for a status, its `Idempotency-Key`.
    pub async fn call(
        &self,
        method: Method,
        url: &str,
        token: Option<&str>,
        body: Body,
        idempotency_key: Option<&str>,
    ) -> Result<Answer, CallError> {
        // Reads change nothing, and a delete is done again safely: only other writes can leave an outcome in doubt.
        let safe_to_repeat = method == Method::GET || method == Method::DELETE;
        let mut request = self.http.request(method, url);
        request = match body {
            Body::Query(params) if params.is_empty() => request,
            Body::Query(params) => request.query(&params),
            Body::Json(value) => request.json(&value),
            Body::Form(params) => request.form(&params),
            Body::Multipart { fields, file } => {
                let (content_type, bytes) = multipart(&fields, &file);
                request.header(reqwest::header::CONTENT_TYPE, content_type).body(bytes)
            }
        };
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(key) = idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        let response = request.send().await.map_err(|e| CallError {
            status: None,
            // A connection never made carries nothing; anything later may have reached the instance.
            maybe_applied: !safe_to_repeat && !e.is_connect() && !e.is_builder(),
            message: describe(e),
            retry_after: None,
        })?;
        let status = response.status();
        let retry_after = retry_after(status, response.headers());
        let bytes = response.bytes().await.map_err(|e| CallError {
            status: None,
            message: format!("the answer was cut off: {}", describe(e)),
            maybe_applied: !safe_to_repeat,
            retry_after: None,
        })?;
        let body: Value =
            if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap_or(Value::Null) };
        if status.is_success() {
            return Ok(Answer { status, body });
        }
        let text = |field: &str| body.get(field).and_then(Value::as_str).filter(|s| !s.is_empty());
        // OAuth's errors put the words in `error_description` and a code in `error`; the API's put words in `error`.
        let message = match (text("error_description"), text("error")) {
            (Some(description), Some(code)) => format!("{description} ({code})"),
            (Some(words), None) | (None, Some(words)) => words.to_string(),
            (None, None) => String::new(),
        };
        Err(CallError { status: Some(status), message, maybe_applied: false, retry_after })
    }
}

/// A multipart body by hand: reqwest's own needs a feature (and its MIME guessing) for a single file part.
fn multipart(fields: &[(String, String)], file: &FilePart) -> (String, Vec<u8>) {
    let boundary = format!("chorus-{:032x}", rand::random::<u128>());
    let mut body = Vec::with_capacity(file.bytes.len() + 512);
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"\r\n\r\n", quoted(name)).as_bytes(),
        );
        body.extend_from_slice(value.as_bytes());
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
            quoted(&file.field),
            quoted(&file.filename),
            file.media_type.replace(['\r', '\n'], "")
        )
        .as_bytes(),
    );
    body.extend_from_slice(&file.bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A name inside a quoted header parameter: quotes and line breaks would end it early.
fn quoted(name: &str) -> String {
    name.replace(['"', '\r', '\n'], "_")
}

/// A reqwest error in words, with its causes (reqwest's own message alone is often just "error sending request").
fn describe(error: reqwest::Error) -> String {
    let timed_out = error.is_timeout();
    let error = error.without_url();
    let mut words = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        words.push_str(": ");
        words.push_str(&cause.to_string());
        source = cause.source();
    }
    if timed_out && !words.contains("timed out") {
        words.push_str(" (timed out)");
    }
    words
}

/// How long a client should wait before trying again: HTTP's `Retry-After` (seconds, or an HTTP date), else, when
/// rate-limited, Mastodon's `X-RateLimit-Reset` (an ISO 8601 time when the window resets; every answer carries it, so
/// it means nothing for other failures).
pub(crate) fn retry_after(status: StatusCode, headers: &HeaderMap) -> Option<Duration> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    let now = chrono::Utc::now();
    let until = |at: chrono::DateTime<chrono::FixedOffset>| {
        let millis = (at.with_timezone(&chrono::Utc) - now).num_milliseconds();
        // Whole seconds, rounded up: coming back a moment early would only hit the limit again.
        Duration::from_secs(u64::try_from(millis).unwrap_or(0).div_ceil(1000))
    };
    if let Some(value) = header("retry-after") {
        if let Ok(seconds) = value.parse::<u64>() {
            return Some(Duration::from_secs(seconds));
        }
        if let Ok(at) = chrono::DateTime::parse_from_rfc2822(value) {
            return Some(until(at));
        }
    }
    if status != StatusCode::TOO_MANY_REQUESTS {
        return None;
    }
    let reset = chrono::DateTime::parse_from_rfc3339(header("x-ratelimit-reset")?).ok()?;
    Some(until(reset))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // a test that cannot set up should stop loudly

    use super::*;

    fn failure(status: u16) -> CallError {
        CallError {
            status: Some(StatusCode::from_u16(status).unwrap()),
            message: "said so".into(),
            maybe_applied: false,
            retry_after: None,
        }
    }

    #[test]
    fn failures_map_to_what_the_job_should_do() {
        let kind = |e: PublishError| std::mem::discriminant(&e);
        let transient = kind(PublishError::transient(""));
        for status in [429, 500, 502, 503, 408] {
            assert_eq!(kind(failure(status).to_publish_error("x")), transient, "{status}");
        }
        for status in [401, 403] {
            assert_eq!(kind(failure(status).to_publish_error("x")), kind(PublishError::reauthorize("")), "{status}");
        }
        for status in [400, 404, 413, 422] {
            assert_eq!(kind(failure(status).to_publish_error("x")), kind(PublishError::permanent("")), "{status}");
        }
        let cut_off = CallError { status: None, message: "reset".into(), maybe_applied: true, retry_after: None };
        assert_eq!(kind(cut_off.to_publish_error("x")), kind(PublishError::unknown("")));
        let refused = CallError { maybe_applied: false, ..cut_off };
        assert_eq!(kind(refused.to_publish_error("x")), transient);
        let said = failure(422).to_publish_error("posting").reason().to_string();
        assert!(said.contains("422") && said.contains("said so"), "{said}");
    }

    /// A one-connection server on loopback that reads the request and closes the connection without a word.
    async fn hangs_up() -> String {
        use tokio::io::AsyncReadExt as _;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = vec![0u8; 64 * 1024];
            let _ = socket.read(&mut request).await;
        });
        format!("http://{address}/api/v1/statuses")
    }

    #[tokio::test]
    async fn a_post_cut_off_after_sending_is_unknown_a_refused_connection_or_a_read_is_not() {
        let api = Api::new(reqwest::Client::new());
        let post = || Body::Json(serde_json::json!({ "status": "x" }));
        let cut_off = api.call(Method::POST, &hangs_up().await, None, post(), Some("k")).await.unwrap_err();
        assert!(matches!(cut_off.to_publish_error("posting"), PublishError::Unknown { .. }), "{cut_off:?}");
        for method in [Method::GET, Method::DELETE] {
            let read = api.call(method, &hangs_up().await, None, Body::Query(Vec::new()), None).await.unwrap_err();
            assert!(matches!(read.to_publish_error("reading"), PublishError::Transient { .. }), "{read:?}");
        }
        // A port nobody listens on: the request never left.
        let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
        let refused = api.call(Method::POST, &format!("http://{closed}/api/v1/statuses"), None, post(), None).await;
        let refused = refused.unwrap_err();
        assert!(matches!(refused.to_publish_error("posting"), PublishError::Transient { .. }), "{refused:?}");
    }

    #[test]
    fn rate_limits_say_when_to_come_back() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", "30".parse().unwrap());
        assert_eq!(retry_after(StatusCode::TOO_MANY_REQUESTS, &headers), Some(Duration::from_secs(30)));
        assert_eq!(retry_after(StatusCode::SERVICE_UNAVAILABLE, &headers), Some(Duration::from_secs(30)));

        // Without Retry-After, the window's reset time, as Mastodon writes it.
        let mut headers = HeaderMap::new();
        let reset = chrono::Utc::now() + chrono::Duration::seconds(120);
        let reset = reset.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        headers.insert("x-ratelimit-reset", reset.parse().unwrap());
        let wait = retry_after(StatusCode::TOO_MANY_REQUESTS, &headers).unwrap();
        assert!((Duration::from_secs(119)..=Duration::from_secs(120)).contains(&wait), "{wait:?}");
        // Every answer carries the reset time; it is no advice for a 200 or a 503.
        assert_eq!(retry_after(StatusCode::SERVICE_UNAVAILABLE, &headers), None);
        assert_eq!(retry_after(StatusCode::TOO_MANY_REQUESTS, &HeaderMap::new()), None);
    }

    #[test]
    fn a_multipart_body_has_its_fields_and_file() {
        let file = FilePart {
            field: "file".into(),
            filename: "media.png".into(),
            media_type: "image/png".into(),
            bytes: b"PNG".to_vec(),
        };
        let (content_type, body) = multipart(&[("description".into(), "A \"cat\"".into())], &file);
        let boundary = content_type.strip_prefix("multipart/form-data; boundary=").unwrap();
        let body = String::from_utf8(body).unwrap();
        assert!(body.starts_with(&format!("--{boundary}\r\n")), "{body}");
        assert!(body.contains("name=\"description\"\r\n\r\nA \"cat\"\r\n"), "{body}");
        assert!(body.contains("name=\"file\"; filename=\"media.png\"\r\nContent-Type: image/png\r\n\r\nPNG\r\n"));
        assert!(body.ends_with(&format!("--{boundary}--\r\n")), "{body}");
    }
}
