//! Cross-site request forgery protection for every state-changing page request, in one middleware.
//!
//! Double-submit: a random token lives in an HttpOnly cookie and is rendered into each form; a POST must
//! carry the same value (as the `csrf_token` field or an `X-CSRF-Token` header). A cross-site page can make
//! the browser send the cookie but cannot read it to fill the field. Browsers that say where a request came
//! from (`Sec-Fetch-Site`) are also refused when it came from another site.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::session::{cookie, read_cookie};
use super::tokens;
use crate::AppState;

pub const FORM_FIELD: &str = "csrf_token";
pub const HEADER: &str = "x-csrf-token";
/// Forms carry at most this much; larger uploads go through dedicated endpoints with their own limits.
const MAX_FORM_BYTES: usize = 1024 * 1024;

pub fn cookie_name(secure: bool) -> &'static str {
    if secure { "__Host-chorus_csrf" } else { "chorus_csrf" }
}

/// The request's CSRF token, for rendering into forms.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn cross_site(headers: &HeaderMap) -> bool {
    headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()).is_some_and(|v| v == "cross-site")
}

/// Whether an API request authenticated by cookie carries the matching header.
pub fn header_matches(state: &AppState, headers: &HeaderMap) -> bool {
    let expected = read_cookie(headers, cookie_name(state.config.secure_cookies));
    let given = headers.get(HEADER).and_then(|v| v.to_str().ok());
    matches!((expected, given), (Some(e), Some(g)) if tokens::constant_time_eq(e, g)) && !cross_site(headers)
}

pub async fn protect(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let secure = state.config.secure_cookies;
    let existing = read_cookie(request.headers(), cookie_name(secure)).map(str::to_string);
    let (token, fresh) = match existing {
        Some(t) if t.len() >= 32 => (t, false),
        _ => (tokens::random_secret(), true),
    };

    let request = if is_safe(request.method()) {
        request
    } else {
        match check_unsafe(request, &token, fresh).await {
            Ok(r) => r,
            Err(response) => return response,
        }
    };

    let mut request = request;
    request.extensions_mut().insert(CsrfToken(token.clone()));
    let mut response = next.run(request).await;
    if fresh {
        // A year: the token only needs to outlive any form a person leaves open.
        response.headers_mut().append(header::SET_COOKIE, cookie(cookie_name(secure), &token, 365 * 24 * 3600, secure));
    }
    response
}

async fn check_unsafe(request: Request, token: &str, fresh: bool) -> Result<Request, Response> {
    let refuse = || {
        (
            StatusCode::FORBIDDEN,
            crate::pages::plain_error_page(
                "This form has expired",
                "The page was open too long or came from another site. Go back, reload the page and try again.",
            ),
        )
            .into_response()
    };
    if fresh || cross_site(request.headers()) {
        return Err(refuse());
    }
    if let Some(given) = request.headers().get(HEADER).and_then(|v| v.to_str().ok()) {
        return if tokens::constant_time_eq(given, token) { Ok(request) } else { Err(refuse()) };
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(refuse());
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_FORM_BYTES).await else {
        return Err((StatusCode::PAYLOAD_TOO_LARGE, "form too large").into_response());
    };
    let given = url::form_urlencoded::parse(&bytes).find(|(k, _)| k == FORM_FIELD).map(|(_, v)| v.into_owned());
    match given {
        Some(g) if tokens::constant_time_eq(&g, token) => Ok(Request::from_parts(parts, Body::from(bytes))),
        _ => Err(refuse()),
    }
}
