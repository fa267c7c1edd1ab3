//! The person's own API tokens.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chorus_domain::{ApiTokenId, TokenScope};
use chorus_store::ApiToken;

use super::{FormState, Layout, NoticeQuery, Section, error_page, notice, render};
use crate::auth::PageActor;
use crate::services::{self, TokenRequest};
use crate::{AppError, AppState};

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    layout: Layout,
    tokens: Vec<ApiToken>,
    form: FormState,
    created_secret: Option<String>,
}

async fn page_with(
    state: &AppState,
    page: &PageActor,
    form: FormState,
    created_secret: Option<String>,
) -> Result<TokensPage, AppError> {
    let tokens = services::list_tokens(state, &page.actor).await?;
    Ok(TokensPage { layout: Layout::signed_in("API tokens", Section::Tokens, page), tokens, form, created_secret })
}

pub async fn list(State(state): State<AppState>, page: PageActor, Query(query): Query<NoticeQuery>) -> Response {
    match page_with(&state, &page, FormState::default(), None).await {
        Ok(mut p) => {
            p.layout = p.layout.with_notice(notice(query.notice.as_deref()));
            render(StatusCode::OK, &p)
        }
        Err(e) => error_page(e),
    }
}

pub async fn create(
    State(state): State<AppState>,
    page: PageActor,
    Form(values): Form<HashMap<String, String>>,
) -> Response {
    let scope = match values.get("scope").map(String::as_str) {
        Some("write") => TokenScope::Write,
        _ => TokenScope::Read,
    };
    let expires = values.get("expires_in_days").map(String::as_str).filter(|v| !v.is_empty());
    let result = match expires.map(str::parse::<u32>).transpose() {
        Ok(expires_in_days) => {
            let name = values.get("name").cloned().unwrap_or_default();
            services::create_token(&state, &page.actor, TokenRequest { name, scope, expires_in_days }).await
        }
        Err(_) => Err(AppError::invalid("expires_in_days", "choose one of the offered expiry times")),
    };
    let (form, secret, status) = match result {
        Ok((_, secret)) => (FormState::default(), Some(secret), StatusCode::CREATED),
        Err(e @ (AppError::Invalid(_) | AppError::Forbidden(_))) => {
            (FormState::new(values).with_error(&e), None, e.status())
        }
        Err(e) => return error_page(e),
    };
    match page_with(&state, &page, form, secret).await {
        Ok(p) => render(status, &p),
        Err(e) => error_page(e),
    }
}

pub async fn revoke(State(state): State<AppState>, page: PageActor, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<ApiTokenId>() else { return error_page(AppError::NotFound("token")) };
    match services::revoke_token(&state, &page.actor, id).await {
        Ok(_) => Redirect::to("/settings/tokens?notice=token-revoked").into_response(),
        Err(e) => error_page(e),
    }
}
