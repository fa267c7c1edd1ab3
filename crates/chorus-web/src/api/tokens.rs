use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chorus_domain::ApiTokenId;
use chorus_store::ApiToken;
use serde::Serialize;

use crate::auth::ApiActor;
use crate::extract::{ApiJson, ApiPath};
use crate::services::{self, TokenRequest};
use crate::{AppResult, AppState, Problem};

/// Your API tokens, newest first, revoked ones included.
#[utoipa::path(get, path = "/tokens", tag = "tokens", responses((status = 200, body = Vec<ApiToken>), (status = 401, body = Problem)))]
pub async fn list(State(state): State<AppState>, caller: ApiActor) -> AppResult<Json<Vec<ApiToken>>> {
    Ok(Json(services::list_tokens(&state, &caller.actor).await?))
}

/// A new token and its secret. The secret is shown only here and cannot be recovered.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    pub token: ApiToken,
    pub secret: String,
}

/// Create an API token. It can never do more than you can; tokens cannot create tokens.
#[utoipa::path(post, path = "/tokens", tag = "tokens", request_body = TokenRequest,
    responses((status = 201, body = CreatedToken), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiJson(request): ApiJson<TokenRequest>,
) -> AppResult<(StatusCode, Json<CreatedToken>)> {
    let (token, secret) = services::create_token(&state, &caller.actor, request).await?;
    Ok((StatusCode::CREATED, Json(CreatedToken { token, secret })))
}

/// Revoke one of your tokens; it stops working at once.
#[utoipa::path(delete, path = "/tokens/{token_id}", tag = "tokens", params(("token_id" = ApiTokenId, Path)),
    responses((status = 200, body = ApiToken), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn revoke(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(id): ApiPath<ApiTokenId>,
) -> AppResult<Json<ApiToken>> {
    Ok(Json(services::revoke_token(&state, &caller.actor, id).await?))
}
