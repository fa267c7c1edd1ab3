//! A client's media library: upload images and videos, describe them, download and delete them.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chorus_domain::{Asset, AssetId, ClientId, PageRequest};
use serde::Deserialize;

use super::Listing;
use crate::auth::ApiActor;
use crate::extract::{ApiJson, ApiPath, ApiQuery, read_body};
use crate::services::media::{self as service, AssetUpdate};
use crate::{AppResult, AppState, Problem};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadParams {
    /// The file's name, e.g. `launch.jpg`. Paths are dropped, and an extension that does not match the file's
    /// type is corrected.
    filename: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssetListParams {
    /// Items per page, 1 to 200 (default 50).
    limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// The client's media library, newest first.
#[utoipa::path(get, path = "/clients/{client_id}/assets", tag = "media",
    params(("client_id" = ClientId, Path), AssetListParams),
    responses((status = 200, body = Listing<Asset>), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(client): ApiPath<ClientId>,
    ApiQuery(params): ApiQuery<AssetListParams>,
) -> AppResult<Json<Listing<Asset>>> {
    let page = PageRequest::new(params.limit, params.cursor.as_deref())?;
    Ok(Json(service::assets(&state, &caller.actor, client, &page).await?.into()))
}

/// Upload an image (JPEG, PNG, GIF, WebP) or a video (MP4, MOV) to the client's media library: the raw file
/// is the body. The type is detected from the bytes; the `Content-Type` sent is ignored. At most the
/// installation's upload limit (50 MB unless configured otherwise), and images at most 100 megapixels.
#[utoipa::path(post, path = "/clients/{client_id}/assets", tag = "media",
    params(("client_id" = ClientId, Path), UploadParams),
    request_body(content = String, content_type = "application/octet-stream", description = "The file"),
    responses(
        (status = 201, body = Asset),
        (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 413, body = Problem, description = "The file is larger than the upload limit"),
        (status = 415, body = Problem, description = "The file is not an image or video Chorus can publish"),
        (status = 422, body = Problem, description = "The file is empty, damaged, or an image of too many pixels"),
    ))]
pub async fn upload(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(client): ApiPath<ClientId>,
    ApiQuery(params): ApiQuery<UploadParams>,
    body: Body,
) -> AppResult<(StatusCode, Json<Asset>)> {
    // Who may upload is settled before a byte of the file is read.
    let target = service::prepare_upload(&state, &caller.actor, client).await?;
    let limit = state.config.max_upload_bytes;
    let bytes = read_body(body, limit, || {
        let size = match limit % (1024 * 1024) {
            0 => format!("{} MB", limit / 1024 / 1024),
            _ => format!("{limit} bytes"),
        };
        format!("the file is larger than the {size} an upload may be")
    })
    .await?;
    let asset = service::upload(&state, &caller.actor, &target, params.filename.as_deref(), &bytes).await?;
    Ok((StatusCode::CREATED, Json(asset)))
}

/// An asset's description: type, size, dimensions, name and alt text.
#[utoipa::path(get, path = "/assets/{asset_id}", tag = "media", params(("asset_id" = AssetId, Path)),
    responses((status = 200, body = Asset), (status = 404, body = Problem)))]
pub async fn get(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(id): ApiPath<AssetId>,
) -> AppResult<Json<Asset>> {
    Ok(Json(service::asset(&state, &caller.actor, id).await?))
}

/// The `Content-Disposition` of a download: the name as ASCII for old clients, and exactly in `filename*`.
fn disposition(filename: &str) -> HeaderValue {
    let ascii: String = filename
        .chars()
        .map(|c| if (c.is_ascii_graphic() && !matches!(c, '"' | '\\' | '%')) || c == ' ' { c } else { '_' })
        .collect();
    let mut encoded = String::new();
    for byte in filename.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    HeaderValue::from_str(&format!("inline; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"))
        .unwrap_or_else(|_| HeaderValue::from_static("inline"))
}

/// Download the file, with the type detected at upload.
#[utoipa::path(get, path = "/assets/{asset_id}/file", tag = "media", params(("asset_id" = AssetId, Path)),
    responses(
        (status = 200, description = "The file's bytes, as `Content-Type` says", content_type = "application/octet-stream"),
        (status = 404, body = Problem),
    ))]
pub async fn file(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(id): ApiPath<AssetId>,
) -> AppResult<Response> {
    let (asset, bytes) = service::file(&state, &caller.actor, id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(asset.media_type.as_str())),
            (header::CONTENT_DISPOSITION, disposition(&asset.filename)),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        ],
        bytes,
    )
        .into_response())
}

/// Change an asset's alt text or name; fields left out stay as they are.
#[utoipa::path(patch, path = "/assets/{asset_id}", tag = "media", params(("asset_id" = AssetId, Path)),
    request_body = AssetUpdate,
    responses((status = 200, body = Asset), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(id): ApiPath<AssetId>,
    ApiJson(update): ApiJson<AssetUpdate>,
) -> AppResult<Json<Asset>> {
    Ok(Json(service::update(&state, &caller.actor, id, update).await?))
}

/// Delete an asset and its file.
#[utoipa::path(delete, path = "/assets/{asset_id}", tag = "media", params(("asset_id" = AssetId, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(id): ApiPath<AssetId>,
) -> AppResult<StatusCode> {
    service::delete(&state, &caller.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downloads_name_the_file_safely() {
        assert_eq!(disposition("cup.jpg"), "inline; filename=\"cup.jpg\"; filename*=UTF-8''cup.jpg");
        assert_eq!(disposition("Café 1.png"), "inline; filename=\"Caf_ 1.png\"; filename*=UTF-8''Caf%C3%A9%201.png");
    }
}
