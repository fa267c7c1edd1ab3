#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot set up should stop loudly

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use axum::Router;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes, HttpBody};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use chorus_fetch::{FetchError, FetchPolicy, Fetcher};
use http_body::Frame;

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind((LOOPBACK, 0)).await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    address
}

fn redirect_to(location: &'static str) -> impl IntoResponse {
    let mut headers = HeaderMap::new();
    headers.insert(header::LOCATION, location.parse().unwrap());
    (StatusCode::FOUND, headers)
}

fn test_server() -> Router {
    Router::new()
        .route(
            "/feed.xml",
            get(|| async { ([(header::CONTENT_TYPE, "application/rss+xml; charset=utf-8")], "<rss/>") }),
        )
        .route("/to-feed", get(|| async { redirect_to("/feed.xml") }))
        .route("/to-metadata", get(|| async { redirect_to("http://169.254.169.254/latest/meta-data/") }))
        .route("/to-private", get(|| async { redirect_to("http://10.0.0.1/") }))
        .route("/to-localhost", get(|| async { redirect_to("http://localhost/") }))
        .route("/loop", get(|| async { redirect_to("/loop") }))
        .route("/big", get(|| async { vec![b'x'; 200_000] }))
        // No Content-Length: the size is only known by counting.
        .route(
            "/stream",
            get(|| async { Body::new(Chunked((0..100).map(|_| Bytes::from(vec![b'y'; 10_000])).collect())) }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(10)).await;
                "late"
            }),
        )
}

/// A body sent in chunks with no announced length, so only counting tells its size.
struct Chunked(Vec<Bytes>);

impl HttpBody for Chunked {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        if self.0.is_empty() {
            return Poll::Ready(None);
        }
        let chunk = self.0.remove(0);
        Poll::Ready(Some(Ok(Frame::data(chunk))))
    }
}

/// The test's own server is on loopback: only that one address is let through.
fn policy() -> FetchPolicy {
    FetchPolicy { allowed_addresses: vec![LOOPBACK], ..FetchPolicy::default() }
}

#[tokio::test]
async fn a_loopback_url_is_refused_by_default() {
    let address = serve(test_server()).await;
    let fetcher = Fetcher::new(FetchPolicy::default());
    let error = fetcher.get(&format!("http://{address}/feed.xml"), 1_000).await.unwrap_err();
    assert!(matches!(error, FetchError::NonPublic { .. }), "{error:?}");
    assert!(error.to_string().contains("loopback"), "{error}");
    let error = fetcher.get(&format!("http://localhost:{}/feed.xml", address.port()), 1_000).await.unwrap_err();
    assert!(matches!(error, FetchError::LocalName { .. }), "{error:?}");
}

#[tokio::test]
async fn an_allowed_server_is_fetched_through_its_redirects() {
    let address = serve(test_server()).await;
    let fetched = Fetcher::new(policy()).get(&format!("http://{address}/to-feed"), 1_000).await.unwrap();
    assert_eq!(fetched.body, b"<rss/>");
    assert_eq!(fetched.content_type.as_deref(), Some("application/rss+xml"));
    assert_eq!(fetched.url.path(), "/feed.xml");
}

#[tokio::test]
async fn a_redirect_to_a_private_address_is_refused() {
    let address = serve(test_server()).await;
    let fetcher = Fetcher::new(policy());
    for (path, expected) in [
        ("/to-metadata", "169.254.169.254 is a link-local address"),
        ("/to-private", "10.0.0.1 is a private network address"),
        ("/to-localhost", "localhost is a name for this machine"),
    ] {
        let error = fetcher.get(&format!("http://{address}{path}"), 1_000).await.unwrap_err();
        assert!(error.to_string().contains(expected), "{path}: {error}");
    }
    let error = fetcher.get(&format!("http://{address}/loop"), 1_000).await.unwrap_err();
    assert!(matches!(error, FetchError::TooManyRedirects { limit: 5, .. }), "{error:?}");
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_whether_or_not_its_length_is_announced() {
    let address = serve(test_server()).await;
    let fetcher = Fetcher::new(policy());
    let error = fetcher.get(&format!("http://{address}/big"), 100_000).await.unwrap_err();
    assert!(matches!(error, FetchError::TooLarge { .. }), "{error:?}");
    let error = fetcher.get(&format!("http://{address}/stream"), 100_000).await.unwrap_err();
    assert_eq!(error.to_string(), format!("http://{address}/stream is larger than the 100000 bytes accepted"));
    assert_eq!(fetcher.get(&format!("http://{address}/stream"), 1_000_000).await.unwrap().body.len(), 1_000_000);
}

#[tokio::test]
async fn a_slow_server_is_given_up_on() {
    let address = serve(test_server()).await;
    let fetcher = Fetcher::new(FetchPolicy { total_timeout: Duration::from_millis(300), ..policy() });
    let error = fetcher.get(&format!("http://{address}/slow"), 1_000).await.unwrap_err();
    assert!(matches!(error, FetchError::Timeout { .. }), "{error:?}");
    assert!(error.to_string().contains("did not answer within"), "{error}");
}

#[tokio::test]
async fn an_error_status_is_reported() {
    let address = serve(test_server()).await;
    let error = Fetcher::new(policy()).get(&format!("http://{address}/missing"), 1_000).await.unwrap_err();
    assert_eq!(error, FetchError::Status { url: format!("http://{address}/missing"), status: 404 });
}
