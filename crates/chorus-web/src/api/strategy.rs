use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chorus_domain::{BrandVoice, ClientId, Goal, GoalFields, GoalId, Pillar, PillarFields, PillarId, VoiceIssue};
use serde::Deserialize;

use crate::auth::ApiActor;
use crate::extract::{ApiJson, ApiPath};
use crate::services::strategy as service;
use crate::{AppResult, AppState, Problem};

/// The client's content pillars.
#[utoipa::path(get, path = "/clients/{client_id}/pillars", tag = "strategy", params(("client_id" = ClientId, Path)),
    responses((status = 200, body = Vec<Pillar>), (status = 404, body = Problem)))]
pub async fn list_pillars(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(client): ApiPath<ClientId>,
) -> AppResult<Json<Vec<Pillar>>> {
    Ok(Json(service::pillars(&state, &caller.actor, client).await?))
}

/// Add a content pillar. The client's pillars' target shares add up to at most 100%.
#[utoipa::path(post, path = "/clients/{client_id}/pillars", tag = "strategy", params(("client_id" = ClientId, Path)),
    request_body = PillarFields,
    responses((status = 201, body = Pillar), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_pillar(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(client): ApiPath<ClientId>,
    ApiJson(fields): ApiJson<PillarFields>,
) -> AppResult<(StatusCode, Json<Pillar>)> {
    Ok((StatusCode::CREATED, Json(service::create_pillar(&state, &caller.actor, client, fields).await?)))
}

/// Replace a pillar's name, colour, target share and description.
#[utoipa::path(put, path = "/clients/{client_id}/pillars/{pillar_id}", tag = "strategy",
    params(("client_id" = ClientId, Path), ("pillar_id" = PillarId, Path)), request_body = PillarFields,
    responses((status = 200, body = Pillar), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_pillar(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath((client, id)): ApiPath<(ClientId, PillarId)>,
    ApiJson(fields): ApiJson<PillarFields>,
) -> AppResult<Json<Pillar>> {
    Ok(Json(service::update_pillar(&state, &caller.actor, client, id, fields).await?))
}

/// Remove a pillar.
#[utoipa::path(delete, path = "/clients/{client_id}/pillars/{pillar_id}", tag = "strategy",
    params(("client_id" = ClientId, Path), ("pillar_id" = PillarId, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_pillar(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath((client, id)): ApiPath<(ClientId, PillarId)>,
) -> AppResult<StatusCode> {
    service::delete_pillar(&state, &caller.actor, client, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The client's goals.
#[utoipa::path(get, path = "/clients/{client_id}/goals", tag = "strategy", params(("client_id" = ClientId, Path)),
    responses((status = 200, body = Vec<Goal>), (status = 404, body = Problem)))]
pub async fn list_goals(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(client): ApiPath<ClientId>,
) -> AppResult<Json<Vec<Goal>>> {
    Ok(Json(service::goals(&state, &caller.actor, client).await?))
}

/// Add a goal, e.g. 500 new followers a month.
#[utoipa::path(post, path = "/clients/{client_id}/goals", tag = "strategy", params(("client_id" = ClientId, Path)),
    request_body = GoalFields,
    responses((status = 201, body = Goal), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create_goal(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(client): ApiPath<ClientId>,
    ApiJson(fields): ApiJson<GoalFields>,
) -> AppResult<(StatusCode, Json<Goal>)> {
    Ok((StatusCode::CREATED, Json(service::create_goal(&state, &caller.actor, client, fields).await?)))
}

/// Replace a goal.
#[utoipa::path(put, path = "/clients/{client_id}/goals/{goal_id}", tag = "strategy",
    params(("client_id" = ClientId, Path), ("goal_id" = GoalId, Path)), request_body = GoalFields,
    responses((status = 200, body = Goal), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_goal(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath((client, id)): ApiPath<(ClientId, GoalId)>,
    ApiJson(fields): ApiJson<GoalFields>,
) -> AppResult<Json<Goal>> {
    Ok(Json(service::update_goal(&state, &caller.actor, client, id, fields).await?))
}

/// Remove a goal.
#[utoipa::path(delete, path = "/clients/{client_id}/goals/{goal_id}", tag = "strategy",
    params(("client_id" = ClientId, Path), ("goal_id" = GoalId, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_goal(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath((client, id)): ApiPath<(ClientId, GoalId)>,
) -> AppResult<StatusCode> {
    service::delete_goal(&state, &caller.actor, client, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The client's brand voice: banned words, required disclosures, hashtag groups and snippets.
#[utoipa::path(get, path = "/clients/{client_id}/brand-voice", tag = "strategy", params(("client_id" = ClientId, Path)),
    responses((status = 200, body = BrandVoice), (status = 404, body = Problem)))]
pub async fn brand_voice(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(client): ApiPath<ClientId>,
) -> AppResult<Json<BrandVoice>> {
    Ok(Json(service::brand_voice(&state, &caller.actor, client).await?))
}

/// Replace the client's brand voice. Entries are trimmed; hashtags get their `#`.
#[utoipa::path(put, path = "/clients/{client_id}/brand-voice", tag = "strategy", params(("client_id" = ClientId, Path)),
    request_body = BrandVoice,
    responses((status = 200, body = BrandVoice), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn set_brand_voice(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(client): ApiPath<ClientId>,
    ApiJson(voice): ApiJson<BrandVoice>,
) -> AppResult<Json<BrandVoice>> {
    Ok(Json(service::set_brand_voice(&state, &caller.actor, client, voice).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct VoiceCheck {
    pub text: String,
    /// Sponsored posts must carry one of the required disclosures.
    #[serde(default)]
    pub sponsored: bool,
}

/// Check a text against the client's brand voice, as the composer does while someone types.
#[utoipa::path(post, path = "/clients/{client_id}/brand-voice/check", tag = "strategy", params(("client_id" = ClientId, Path)),
    request_body = VoiceCheck,
    responses((status = 200, body = Vec<VoiceIssue>), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn check_voice(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(client): ApiPath<ClientId>,
    ApiJson(request): ApiJson<VoiceCheck>,
) -> AppResult<Json<Vec<VoiceIssue>>> {
    Ok(Json(service::check_voice(&state, &caller.actor, client, &request.text, request.sponsored).await?))
}
