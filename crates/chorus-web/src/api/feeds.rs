//! RSS and Atom feeds per client, each article of which becomes a draft post.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chorus_domain::{ClientId, Feed, FeedFields, FeedId, FeedItem};

use crate::auth::ApiActor;
use crate::extract::{ApiJson, ApiPath};
use crate::services::feeds::{self as service, CheckOutcome};
use crate::{AppResult, AppState, Problem};

/// The client's feeds, in the order they were added, each with its last check's time and result.
#[utoipa::path(get, path = "/clients/{client_id}/feeds", tag = "feeds", params(("client_id" = ClientId, Path)),
    responses((status = 200, body = Vec<Feed>), (status = 404, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(client): ApiPath<ClientId>,
) -> AppResult<Json<Vec<Feed>>> {
    Ok(Json(service::feeds(&state, &caller.actor, client).await?))
}

/// Follow a feed (RSS 0.9/1.0/2.0, Atom or JSON Feed): every new article becomes a draft for `networks`, its text
/// the `template` (default `{title} {link}`; `{summary}` works too) and its image, when the feed gives one,
/// downloaded into the media library. Checked at once, then every `check_interval_minutes` (default 60); the
/// first check drafts only the newest `first_items` articles (default 5). The address must be a public http(s)
/// address: private and internal addresses are refused.
#[utoipa::path(post, path = "/clients/{client_id}/feeds", tag = "feeds", params(("client_id" = ClientId, Path)),
    request_body = FeedFields,
    responses((status = 201, body = Feed), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "The client already follows this address"), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(client): ApiPath<ClientId>,
    ApiJson(fields): ApiJson<FeedFields>,
) -> AppResult<(StatusCode, Json<Feed>)> {
    Ok((StatusCode::CREATED, Json(service::create(&state, &caller.actor, client, fields).await?)))
}

/// A feed with its status.
#[utoipa::path(get, path = "/feeds/{feed_id}", tag = "feeds", params(("feed_id" = FeedId, Path)),
    responses((status = 200, body = Feed), (status = 404, body = Problem)))]
pub async fn get(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(id): ApiPath<FeedId>,
) -> AppResult<Json<Feed>> {
    Ok(Json(service::feed(&state, &caller.actor, id).await?))
}

/// Replace what is set on a feed; the articles it has seen stay seen.
#[utoipa::path(put, path = "/feeds/{feed_id}", tag = "feeds", params(("feed_id" = FeedId, Path)), request_body = FeedFields,
    responses((status = 200, body = Feed), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(id): ApiPath<FeedId>,
    ApiJson(fields): ApiJson<FeedFields>,
) -> AppResult<Json<Feed>> {
    Ok(Json(service::update(&state, &caller.actor, id, fields).await?))
}

/// Stop following a feed. Drafts already made stay.
#[utoipa::path(delete, path = "/feeds/{feed_id}", tag = "feeds", params(("feed_id" = FeedId, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(id): ApiPath<FeedId>,
) -> AppResult<StatusCode> {
    service::delete(&state, &caller.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Check the feed now, even when it is paused or not yet due. The answer says what the check did; a feed that
/// cannot be fetched or read is a failed check (`failed: true`, the reason in `result`), not an error.
#[utoipa::path(post, path = "/feeds/{feed_id}/check", tag = "feeds", params(("feed_id" = FeedId, Path)),
    responses((status = 200, body = CheckOutcome), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn check(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(id): ApiPath<FeedId>,
) -> AppResult<Json<CheckOutcome>> {
    Ok(Json(service::check_now(&state, &caller.actor, id).await?))
}

/// Pause a feed: it is no longer checked on its own. A feed that fails 5 checks in a row is paused by Chorus,
/// with the reason in `pause_reason`.
#[utoipa::path(post, path = "/feeds/{feed_id}/pause", tag = "feeds", params(("feed_id" = FeedId, Path)),
    responses((status = 200, body = Feed), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn pause(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(id): ApiPath<FeedId>,
) -> AppResult<Json<Feed>> {
    Ok(Json(service::set_paused(&state, &caller.actor, id, true).await?))
}

/// Resume a paused feed: its failures are forgotten and it is checked again within a minute.
#[utoipa::path(post, path = "/feeds/{feed_id}/resume", tag = "feeds", params(("feed_id" = FeedId, Path)),
    responses((status = 200, body = Feed), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn resume(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(id): ApiPath<FeedId>,
) -> AppResult<Json<Feed>> {
    Ok(Json(service::set_paused(&state, &caller.actor, id, false).await?))
}

/// The articles seen in the feed, most recently seen first (at most 100), and whether each became a draft.
#[utoipa::path(get, path = "/feeds/{feed_id}/items", tag = "feeds", params(("feed_id" = FeedId, Path)),
    responses((status = 200, body = Vec<FeedItem>), (status = 404, body = Problem)))]
pub async fn items(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(id): ApiPath<FeedId>,
) -> AppResult<Json<Vec<FeedItem>>> {
    Ok(Json(service::items(&state, &caller.actor, id).await?))
}
