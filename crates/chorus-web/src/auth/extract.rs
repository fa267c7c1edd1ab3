//! Axum extractors that turn a request into the [`Actor`] behind it.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{Method, header};
use axum::response::{IntoResponse, Redirect, Response};
use chorus_domain::{Actor, Person};
use chrono::Utc;

use super::csrf::{self, CsrfToken};
use super::{session, tokens};
use crate::{AppError, AppState};

/// The caller of an API endpoint: a script with a personal API token (`Authorization: Bearer …`), or the
/// signed-in browser (which must then send `X-CSRF-Token` on changes).
#[derive(Debug, Clone)]
pub struct ApiActor {
    pub actor: Actor,
    pub person: Person,
}

impl FromRequestParts<AppState> for ApiActor {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let secret =
                value.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")).ok_or_else(|| {
                    AppError::BadRequest("the Authorization header must be 'Bearer <API token>'".into())
                })?;
            return from_token(state, secret.trim()).await;
        }
        let Some((_, person)) = session::resolve(state, &parts.headers).await? else {
            return Err(AppError::Unauthenticated);
        };
        let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if unsafe_method && !csrf::header_matches(state, &parts.headers) {
            return Err(AppError::Forbidden(
                "requests signed in by cookie must send the X-CSRF-Token header; scripts should use an API token"
                    .into(),
            ));
        }
        Ok(ApiActor { actor: Actor::for_person(&person, None), person })
    }
}

async fn from_token(state: &AppState, secret: &str) -> Result<ApiActor, AppError> {
    let now = Utc::now();
    let Some(token) = state.store.api_token_by_hash(&tokens::hash(secret), now).await? else {
        return Err(AppError::Unauthenticated);
    };
    let person = match state.store.person(token.organization_id, token.person_id).await {
        Ok(p) if p.is_active() => p,
        Ok(_) | Err(chorus_store::StoreError::NotFound(_)) => return Err(AppError::Unauthenticated),
        Err(e) => return Err(e.into()),
    };
    // Knowing roughly when a token was last used is enough to spot stale ones; a write per call is not.
    if token.last_used_at.is_none_or(|t| now - t > chrono::Duration::minutes(1)) {
        state.store.touch_api_token(token.id, now).await?;
    }
    Ok(ApiActor { actor: Actor::for_person(&person, Some(token.scope)), person })
}

/// The signed-in person viewing a page, and the CSRF token its forms must carry. Without a session the
/// browser is sent to sign in (or to first-run setup on a new installation) and brought back afterwards.
#[derive(Debug, Clone)]
pub struct PageActor {
    pub actor: Actor,
    pub person: Person,
    pub csrf: String,
}

impl FromRequestParts<AppState> for PageActor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let resolved = session::resolve(state, &parts.headers).await.map_err(crate::pages::error_page)?;
        let Some((_, person)) = resolved else {
            if state.store.needs_setup().await.map_err(|e| crate::pages::error_page(e.into()))? {
                return Err(Redirect::to("/setup").into_response());
            }
            let back = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
            let next: String = url::form_urlencoded::byte_serialize(back.as_bytes()).collect();
            return Err(Redirect::to(&format!("/sign-in?next={next}")).into_response());
        };
        let csrf = parts.extensions.get::<CsrfToken>().map(|t| t.0.clone()).unwrap_or_default();
        Ok(PageActor { actor: Actor::for_person(&person, None), person, csrf })
    }
}

/// Whoever is signed in, if anyone: for pages that anyone may see but that greet a signed-in person.
#[derive(Debug, Clone)]
pub struct CurrentPerson(pub Option<Person>);

impl FromRequestParts<AppState> for CurrentPerson {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let resolved = session::resolve(state, &parts.headers).await.map_err(crate::pages::error_page)?;
        Ok(CurrentPerson(resolved.map(|(_, p)| p)))
    }
}

/// The network address a request came from, for rate limits; behind a trusted proxy, the first
/// `X-Forwarded-For` entry.
pub fn client_address(parts: &Parts, state: &AppState) -> String {
    if state.config.trust_proxy_headers {
        let forwarded = parts.headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
        if let Some(first) = forwarded.and_then(|v| v.split(',').next()).map(str::trim).filter(|v| !v.is_empty()) {
            return first.to_string();
        }
    }
    parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()).unwrap_or_else(|| "unknown".into())
}
