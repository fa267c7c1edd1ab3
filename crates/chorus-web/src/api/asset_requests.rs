//! Asset requests: secret links a client uses to upload photos and videos into its media library without an account.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chorus_domain::{
    AssetRequest, AssetRequestFields, AssetRequestId, AssetRequestStatus, AssetRequestUpload, ClientId,
};
use chrono::Utc;
use serde::Serialize;

use super::Listing;
use crate::auth::ApiActor;
use crate::extract::{ApiJson, ApiPath};
use crate::services::asset_requests as service;
use crate::{AppResult, AppState, Problem};

/// A request and where it stands now.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AssetRequestView {
    #[serde(flatten)]
    pub request: AssetRequest,
    /// `open` while the link takes files; `expired`, `revoked` or `full` once it does not.
    pub status: AssetRequestStatus,
}

impl From<AssetRequest> for AssetRequestView {
    fn from(request: AssetRequest) -> Self {
        let status = request.status(Utc::now());
        Self { request, status }
    }
}

/// A new request and its link. The link holds the secret: it is shown only here and cannot be recovered.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedAssetRequest {
    #[serde(flatten)]
    pub request: AssetRequestView,
    /// The page to send the client, e.g. by e-mail or chat. Anyone with it can upload until it expires, is full or
    /// is revoked.
    pub link: String,
}

/// The client's asset requests, newest first, whatever their state.
#[utoipa::path(get, path = "/clients/{client_id}/asset-requests", tag = "media",
    params(("client_id" = ClientId, Path)),
    responses((status = 200, body = Listing<AssetRequestView>), (status = 404, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(client): ApiPath<ClientId>,
) -> AppResult<Json<Listing<AssetRequestView>>> {
    let items = service::list(&state, &caller.actor, client).await?.into_iter().map(Into::into).collect();
    Ok(Json(Listing { items, next_cursor: None }))
}

/// Ask the client for files: a link that lets anyone who has it upload into the client's media library without an
/// account, until it expires (7 days unless chosen, at most 90), has taken its number of files (50 unless chosen,
/// at most 500) or is revoked. Uploads are checked as any upload is, and recorded as added by you.
#[utoipa::path(post, path = "/clients/{client_id}/asset-requests", tag = "media",
    params(("client_id" = ClientId, Path)),
    request_body = AssetRequestFields,
    responses(
        (status = 201, body = CreatedAssetRequest),
        (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "The client is archived"),
        (status = 422, body = Problem),
    ))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiActor,
    headers: HeaderMap,
    ApiPath(client): ApiPath<ClientId>,
    ApiJson(fields): ApiJson<AssetRequestFields>,
) -> AppResult<(StatusCode, Json<CreatedAssetRequest>)> {
    let base = crate::pages::base_url(&state, &headers);
    let (request, link) = service::create(&state, &caller.actor, client, &fields, &base).await?;
    Ok((StatusCode::CREATED, Json(CreatedAssetRequest { request: request.into(), link })))
}

/// An asset request: its message, limits, how many files came in and where it stands. The link is not shown again.
#[utoipa::path(get, path = "/asset-requests/{asset_request_id}", tag = "media",
    params(("asset_request_id" = AssetRequestId, Path)),
    responses((status = 200, body = AssetRequestView), (status = 404, body = Problem)))]
pub async fn get(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(id): ApiPath<AssetRequestId>,
) -> AppResult<Json<AssetRequestView>> {
    Ok(Json(service::get(&state, &caller.actor, id).await?.into()))
}

/// The files that came in through the request and are still in the library, in the order they came, with the name
/// and note their uploader typed.
#[utoipa::path(get, path = "/asset-requests/{asset_request_id}/uploads", tag = "media",
    params(("asset_request_id" = AssetRequestId, Path)),
    responses((status = 200, body = Listing<AssetRequestUpload>), (status = 404, body = Problem)))]
pub async fn uploads(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(id): ApiPath<AssetRequestId>,
) -> AppResult<Json<Listing<AssetRequestUpload>>> {
    let items = service::uploads(&state, &caller.actor, id).await?;
    Ok(Json(Listing { items, next_cursor: None }))
}

/// Revoke the request: its link stops working at once. Files already received stay in the library.
#[utoipa::path(post, path = "/asset-requests/{asset_request_id}/revoke", tag = "media",
    params(("asset_request_id" = AssetRequestId, Path)),
    responses((status = 200, body = AssetRequestView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn revoke(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(id): ApiPath<AssetRequestId>,
) -> AppResult<Json<AssetRequestView>> {
    Ok(Json(service::revoke(&state, &caller.actor, id).await?.into()))
}
