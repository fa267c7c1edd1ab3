//! A client's accounts on the networks: which are connected, which must be connected again and why, and the
//! forms to connect, check and disconnect them.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chorus_domain::{Account, AccountId, Action, Client, ClientId};

use super::{FormState, Layout, NoticeQuery, Section, error_page, notice, render};
use crate::auth::PageActor;
use crate::services::accounts::{self as service, BlueskySignIn, MastodonCallback, MastodonInstance};
use crate::services::{self};
use crate::{AppError, AppState};

#[derive(Template)]
#[template(path = "accounts.html")]
struct AccountsPage {
    layout: Layout,
    client: Client,
    accounts: Vec<Account>,
    can_manage: bool,
    bluesky_form: FormState,
    mastodon_form: FormState,
}

async fn page(
    state: &AppState,
    actor: &PageActor,
    client_id: ClientId,
    bluesky_form: FormState,
    mastodon_form: FormState,
) -> Result<AccountsPage, AppError> {
    let client = services::client(state, &actor.actor, client_id).await?;
    let accounts = service::accounts(state, &actor.actor, client_id).await?;
    Ok(AccountsPage {
        layout: Layout::signed_in(format!("{} · Accounts", client.name), Section::Clients, actor),
        can_manage: actor.actor.can(Action::EditClient(client_id)),
        client,
        accounts,
        bluesky_form,
        mastodon_form,
    })
}

fn parse_client(raw: &str) -> Result<ClientId, AppError> {
    raw.parse::<ClientId>().map_err(|_| AppError::NotFound("client"))
}

pub async fn list(
    State(state): State<AppState>,
    actor: PageActor,
    Path(client): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> Response {
    let client_id = match parse_client(&client) {
        Ok(id) => id,
        Err(e) => return error_page(e),
    };
    match page(&state, &actor, client_id, FormState::default(), FormState::default()).await {
        Ok(mut p) => {
            p.layout = p.layout.with_notice(notice(query.notice.as_deref()));
            render(StatusCode::OK, &p)
        }
        Err(e) => error_page(e),
    }
}

pub async fn connect_bluesky(
    State(state): State<AppState>,
    actor: PageActor,
    Path(client): Path<String>,
    Form(values): Form<HashMap<String, String>>,
) -> Response {
    let client_id = match parse_client(&client) {
        Ok(id) => id,
        Err(e) => return error_page(e),
    };
    let form = FormState::new(values);
    let sign_in = BlueskySignIn {
        handle: form.value("handle").to_string(),
        app_password: form.value("app_password").to_string(),
    };
    match service::connect_bluesky(&state, &actor.actor, client_id, sign_in).await {
        Ok(_) => Redirect::to(&format!("/clients/{client_id}/accounts?notice=account-connected")).into_response(),
        Err(e @ (AppError::Invalid(_) | AppError::Network(_) | AppError::Conflict { .. })) => {
            // The password is never sent back into the page.
            let mut kept = FormState::new(HashMap::from([("handle".to_string(), form.value("handle").to_string())]));
            kept = kept.with_error(&e);
            match page(&state, &actor, client_id, kept, FormState::default()).await {
                Ok(p) => render(e.status(), &p),
                Err(other) => error_page(other),
            }
        }
        Err(e) => error_page(e),
    }
}

/// Sends the person to the instance's consent page (303), or shows what is wrong with the instance.
pub async fn connect_mastodon(
    State(state): State<AppState>,
    actor: PageActor,
    headers: HeaderMap,
    Path(client): Path<String>,
    Form(values): Form<HashMap<String, String>>,
) -> Response {
    let client_id = match parse_client(&client) {
        Ok(id) => id,
        Err(e) => return error_page(e),
    };
    let form = FormState::new(values);
    let input = MastodonInstance { instance: form.value("instance").to_string() };
    let base = super::base_url(&state, &headers);
    match service::start_mastodon(&state, &actor.actor, client_id, input, &base).await {
        Ok(started) => Redirect::to(&started.authorize_url).into_response(),
        Err(e @ (AppError::Invalid(_) | AppError::Network(_) | AppError::Conflict { .. })) => {
            let kept = form.clone().with_error(&e);
            match page(&state, &actor, client_id, FormState::default(), kept).await {
                Ok(p) => render(e.status(), &p),
                Err(other) => error_page(other),
            }
        }
        Err(e) => error_page(e),
    }
}

/// Where the instance sends the person back: connects the account and shows the client's accounts.
pub async fn mastodon_callback(
    State(state): State<AppState>,
    actor: PageActor,
    Query(callback): Query<MastodonCallback>,
) -> Response {
    match service::finish_mastodon(&state, &actor.actor, callback).await {
        Ok(account) => {
            Redirect::to(&format!("/clients/{}/accounts?notice=account-connected", account.client_id)).into_response()
        }
        Err(e) => error_page(e),
    }
}

async fn act(state: &AppState, actor: &PageActor, id: &str, disconnect: bool) -> Response {
    let Ok(id) = id.parse::<AccountId>() else { return error_page(AppError::NotFound("account")) };
    let result = if disconnect {
        service::disconnect(state, &actor.actor, id).await
    } else {
        service::check(state, &actor.actor, id).await
    };
    match result {
        Ok(account) => {
            let notice = if disconnect { "account-disconnected" } else { "account-checked" };
            Redirect::to(&format!("/clients/{}/accounts?notice={notice}", account.client_id)).into_response()
        }
        Err(e) => error_page(e),
    }
}

pub async fn check(State(state): State<AppState>, actor: PageActor, Path(id): Path<String>) -> Response {
    act(&state, &actor, &id, false).await
}

pub async fn disconnect(State(state): State<AppState>, actor: PageActor, Path(id): Path<String>) -> Response {
    act(&state, &actor, &id, true).await
}
