use axum::Json;
use axum::extract::State;
use chorus_domain::PostId;
use chrono::Utc;

use crate::auth::ApiActor;
use crate::extract::{ApiJson, ApiPath};
use crate::services::schedule::{self as service, PostSchedule, ScheduleRequest};
use crate::{AppResult, AppState, Problem};

/// Schedule a post: every variant goes to the client's connected account on its network at `at` (in the
/// client's time zone) or `at_utc`. Scheduling again moves it. Nothing is scheduled when anything is wrong: a
/// time in the past or skipped by the clocks, a variant with errors in its check, a network without a connected
/// account.
#[utoipa::path(post, path = "/posts/{post_id}/schedule", tag = "posts", params(("post_id" = PostId, Path)),
    request_body = ScheduleRequest,
    responses((status = 200, body = PostSchedule), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, description = "Someone else saved the post since `revision`, or a variant is being published", body = Problem), (status = 422, body = Problem)))]
pub async fn schedule(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(id): ApiPath<PostId>,
    ApiJson(request): ApiJson<ScheduleRequest>,
) -> AppResult<Json<PostSchedule>> {
    Ok(Json(service::schedule_post(&state, &caller.actor, id, &request, Utc::now()).await?))
}

/// Take back a post's scheduled and paused publications, with their jobs; those being published or already
/// out stay.
#[utoipa::path(post, path = "/posts/{post_id}/unschedule", tag = "posts", params(("post_id" = PostId, Path)),
    responses((status = 200, body = PostSchedule), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn unschedule(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(id): ApiPath<PostId>,
) -> AppResult<Json<PostSchedule>> {
    Ok(Json(service::unschedule_post(&state, &caller.actor, id).await?))
}

/// Where and when each variant of a post is published, in which state, with its reason in words.
#[utoipa::path(get, path = "/posts/{post_id}/publications", tag = "posts", params(("post_id" = PostId, Path)),
    responses((status = 200, body = PostSchedule), (status = 404, body = Problem)))]
pub async fn publications(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(id): ApiPath<PostId>,
) -> AppResult<Json<PostSchedule>> {
    Ok(Json(service::publications(&state, &caller.actor, id).await?))
}
