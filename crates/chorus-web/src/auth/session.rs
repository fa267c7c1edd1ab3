//! Browser sessions: a random token in an HttpOnly cookie, its hash in the database.

use axum::http::{HeaderMap, HeaderValue, header};
use chorus_domain::Person;
use chorus_store::Session;
use chrono::{Duration, Utc};

use super::tokens;
use crate::{AppError, AppState};

/// A session's expiry moves forward at most this often, so reading pages does not write on every request.
const TOUCH_EVERY: Duration = Duration::minutes(10);

pub fn session_cookie_name(secure: bool) -> &'static str {
    // The __Host- prefix makes browsers refuse the cookie unless it is Secure, host-only and Path=/.
    if secure { "__Host-chorus_session" } else { "chorus_session" }
}

/// The value of one cookie from the request's Cookie headers.
pub fn read_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A Set-Cookie header value. `max_age` of zero deletes the cookie.
pub fn cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let text = format!("{name}={value}; Path=/; Max-Age={max_age_secs}; HttpOnly; SameSite=Lax{secure}");
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

/// Starts a session for `person` and returns the Set-Cookie header that carries it.
pub async fn start(state: &AppState, person: &Person, user_agent: Option<&str>) -> Result<HeaderValue, AppError> {
    let secret = tokens::random_secret();
    let now = Utc::now();
    let lifetime = Duration::from_std(state.config.session_lifetime).unwrap_or(Duration::days(14));
    let session = Session {
        token_hash: tokens::hash(&secret),
        organization_id: person.organization_id,
        person_id: person.id,
        created_at: now,
        last_seen_at: now,
        expires_at: now + lifetime,
        user_agent: user_agent.map(|ua| ua.chars().take(300).collect()),
    };
    state.store.create_session(&session).await?;
    let secure = state.config.secure_cookies;
    Ok(cookie(session_cookie_name(secure), &secret, lifetime.num_seconds(), secure))
}

/// The signed-in person behind the request's session cookie, if any and still active.
pub async fn resolve(state: &AppState, headers: &HeaderMap) -> Result<Option<(Session, Person)>, AppError> {
    let Some(secret) = read_cookie(headers, session_cookie_name(state.config.secure_cookies)) else {
        return Ok(None);
    };
    let hash = tokens::hash(secret);
    let now = Utc::now();
    let Some(session) = state.store.session(&hash, now).await? else {
        return Ok(None);
    };
    let person = match state.store.person(session.organization_id, session.person_id).await {
        Ok(p) if p.is_active() => p,
        Ok(_) | Err(chorus_store::StoreError::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    if now - session.last_seen_at > TOUCH_EVERY {
        let lifetime = Duration::from_std(state.config.session_lifetime).unwrap_or(Duration::days(14));
        state.store.touch_session(&hash, now, now + lifetime).await?;
    }
    Ok(Some((session, person)))
}

/// Ends the request's session, if it has one, and returns the header that clears the cookie.
pub async fn end(state: &AppState, headers: &HeaderMap) -> Result<HeaderValue, AppError> {
    let secure = state.config.secure_cookies;
    let name = session_cookie_name(secure);
    if let Some(secret) = read_cookie(headers, name) {
        state.store.delete_session(&tokens::hash(secret)).await?;
    }
    Ok(cookie(name, "", 0, secure))
}
