use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chorus_domain::{Account, AccountId, ClientId};

use crate::auth::ApiActor;
use crate::extract::{ApiJson, ApiPath};
use crate::services::accounts::{self as service, BlueskySignIn, MastodonAuthorizeUrl, MastodonInstance};
use crate::{AppResult, AppState, Problem};

/// The client's accounts on the networks, disconnected ones included.
#[utoipa::path(get, path = "/clients/{client_id}/accounts", tag = "accounts", params(("client_id" = ClientId, Path)),
    responses((status = 200, body = Vec<Account>), (status = 404, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(client): ApiPath<ClientId>,
) -> AppResult<Json<Vec<Account>>> {
    Ok(Json(service::accounts(&state, &caller.actor, client).await?))
}

/// Connect a Bluesky account with an app password. Chorus signs in first and stores the account only if that
/// works; connecting an account again replaces its credentials.
#[utoipa::path(post, path = "/clients/{client_id}/accounts/bluesky", tag = "accounts",
    params(("client_id" = ClientId, Path)), request_body = BlueskySignIn,
    responses((status = 201, body = Account), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem), (status = 502, body = Problem)))]
pub async fn connect_bluesky(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(client): ApiPath<ClientId>,
    ApiJson(sign_in): ApiJson<BlueskySignIn>,
) -> AppResult<(StatusCode, Json<Account>)> {
    Ok((StatusCode::CREATED, Json(service::connect_bluesky(&state, &caller.actor, client, sign_in).await?)))
}

/// Start connecting a Mastodon account: Chorus registers itself on the instance (once per instance) and answers
/// with the instance's consent page. Send the person there, signed in to Chorus in the same browser: the instance
/// sends them back to `/oauth/mastodon/callback`, which connects the account. The authorization expires after 15
/// minutes and is used once.
#[utoipa::path(post, path = "/clients/{client_id}/accounts/mastodon", tag = "accounts",
    params(("client_id" = ClientId, Path)), request_body = MastodonInstance,
    responses((status = 200, body = MastodonAuthorizeUrl), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem), (status = 502, body = Problem)))]
pub async fn connect_mastodon(
    State(state): State<AppState>,
    caller: ApiActor,
    headers: HeaderMap,
    ApiPath(client): ApiPath<ClientId>,
    ApiJson(input): ApiJson<MastodonInstance>,
) -> AppResult<Json<MastodonAuthorizeUrl>> {
    let base = crate::pages::base_url(&state, &headers);
    Ok(Json(service::start_mastodon(&state, &caller.actor, client, input, &base).await?))
}

#[utoipa::path(get, path = "/accounts/{account_id}", tag = "accounts", params(("account_id" = AccountId, Path)),
    responses((status = 200, body = Account), (status = 404, body = Problem)))]
pub async fn get(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(id): ApiPath<AccountId>,
) -> AppResult<Json<Account>> {
    Ok(Json(service::account(&state, &caller.actor, id).await?))
}

/// Check the account's credentials with its network now, and record the outcome.
#[utoipa::path(post, path = "/accounts/{account_id}/check", tag = "accounts", params(("account_id" = AccountId, Path)),
    responses((status = 200, body = Account), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 502, body = Problem)))]
pub async fn check(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(id): ApiPath<AccountId>,
) -> AppResult<Json<Account>> {
    Ok(Json(service::check(&state, &caller.actor, id).await?))
}

/// Disconnect the account: its credentials are wiped; it stays listed for the history of its posts.
#[utoipa::path(post, path = "/accounts/{account_id}/disconnect", tag = "accounts",
    params(("account_id" = AccountId, Path)),
    responses((status = 200, body = Account), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn disconnect(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(id): ApiPath<AccountId>,
) -> AppResult<Json<Account>> {
    Ok(Json(service::disconnect(&state, &caller.actor, id).await?))
}
