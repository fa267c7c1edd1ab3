//! A client's media library: upload images and videos, describe them, download and delete them.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chorus_domain::{Asset, AssetId, ClientId, PageRequest};
use chorus_store::{FolderCount, TagCount};
use serde::{Deserialize, Serialize};

use super::Listing;
use crate::auth::ApiActor;
use crate::extract::{ApiJson, ApiPath, ApiQuery, read_body};
use crate::services::media::{
    self as service, AssetFilters, AssetUpdate, BulkChange, FolderRename, Picture, RenditionParams,
};
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
    /// Only assets whose file name, alt text or a tag contains this, ignoring case.
    q: Option<String>,
    /// Only assets in this folder or the folders inside it, e.g. `Campaigns/Spring 2027`; `/` for the top level
    /// alone.
    folder: Option<String>,
    /// Only assets with this tag.
    tag: Option<String>,
    /// Only `image` or `video` assets.
    kind: Option<String>,
}

/// The client's media library, newest first, filtered by any of `q`, `folder`, `tag` and `kind`.
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
    let filters = AssetFilters { q: params.q, folder: params.folder, tag: params.tag, kind: params.kind };
    let query = filters.query()?;
    Ok(Json(service::assets_matching(&state, &caller.actor, client, &query, &page).await?.into()))
}

/// The folders of the client's media library that hold assets, ordered by path, with how many each holds
/// directly (`""` is the top level).
#[utoipa::path(get, path = "/clients/{client_id}/asset-folders", tag = "media",
    params(("client_id" = ClientId, Path)),
    responses((status = 200, body = Vec<FolderCount>), (status = 404, body = Problem)))]
pub async fn folders(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(client): ApiPath<ClientId>,
) -> AppResult<Json<Vec<FolderCount>>> {
    Ok(Json(service::folders(&state, &caller.actor, client).await?))
}

/// How many assets a change touched.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Changed {
    pub changed: u64,
}

/// Rename a folder of the client's media library, with the folders inside it.
#[utoipa::path(post, path = "/clients/{client_id}/asset-folders/rename", tag = "media",
    params(("client_id" = ClientId, Path)), request_body = FolderRename,
    responses((status = 200, body = Changed), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn rename_folder(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(client): ApiPath<ClientId>,
    ApiJson(rename): ApiJson<FolderRename>,
) -> AppResult<Json<Changed>> {
    Ok(Json(Changed { changed: service::rename_folder(&state, &caller.actor, client, rename).await? }))
}

/// The tags of the client's media library, the most used first.
#[utoipa::path(get, path = "/clients/{client_id}/asset-tags", tag = "media",
    params(("client_id" = ClientId, Path)),
    responses((status = 200, body = Vec<TagCount>), (status = 404, body = Problem)))]
pub async fn tags(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(client): ApiPath<ClientId>,
) -> AppResult<Json<Vec<TagCount>>> {
    Ok(Json(service::tags(&state, &caller.actor, client).await?))
}

/// Move several of the client's assets to a folder, add a tag to them, or delete them, all or none. Deleting
/// refuses (409) while a post uses one of them.
#[utoipa::path(post, path = "/clients/{client_id}/assets/bulk", tag = "media",
    params(("client_id" = ClientId, Path)), request_body = BulkChange,
    responses((status = 200, body = Changed), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn bulk(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(client): ApiPath<ClientId>,
    ApiJson(change): ApiJson<BulkChange>,
) -> AppResult<Json<Changed>> {
    Ok(Json(Changed { changed: service::bulk(&state, &caller.actor, client, change).await? }))
}

/// A picture as a response a browser may keep: revalidated by its ETag, answered 304 when it still holds it.
fn picture_response(picture: Picture, request: &HeaderMap) -> Response {
    let etag = HeaderValue::from_str(&picture.etag).unwrap_or_else(|_| HeaderValue::from_static("\"\""));
    // Private: the picture is of a client's library, behind a sign-in.
    let cache = HeaderValue::from_static("private, max-age=86400");
    let unchanged = request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|tag| tag.trim() == picture.etag || tag.trim() == "*");
    if unchanged {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag), (header::CACHE_CONTROL, cache)]).into_response();
    }
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(picture.media_type.as_str())),
            (header::ETAG, etag),
            (header::CACHE_CONTROL, cache),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        ],
        picture.bytes,
    )
        .into_response()
}

/// The asset's thumbnail: a JPEG at most 480 pixels on its long side. Videos have none (422).
#[utoipa::path(get, path = "/assets/{asset_id}/thumbnail", tag = "media", params(("asset_id" = AssetId, Path)),
    responses(
        (status = 200, description = "The thumbnail", content_type = "image/jpeg"),
        (status = 304, description = "The copy named by `If-None-Match` is still current"),
        (status = 404, body = Problem),
        (status = 422, body = Problem, description = "The asset is a video, or its file cannot be read"),
    ))]
pub async fn thumbnail(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(id): ApiPath<AssetId>,
    headers: HeaderMap,
) -> AppResult<Response> {
    Ok(picture_response(service::thumbnail(&state, &caller.actor, id).await?, &headers))
}

/// The image cut to a network's shape around its focal point (`fit=crop`) or padded to it (`fit=pad`), at most
/// `size` pixels on its long side and never enlarged. Made on first request and kept.
#[utoipa::path(get, path = "/assets/{asset_id}/rendition", tag = "media",
    params(("asset_id" = AssetId, Path), RenditionParams),
    responses(
        (status = 200, description = "The rendition: a JPEG, or a PNG for PNG images", content_type = "image/jpeg"),
        (status = 304, description = "The copy named by `If-None-Match` is still current"),
        (status = 404, body = Problem),
        (status = 422, body = Problem, description = "A parameter is not valid, or the asset is a video"),
    ))]
pub async fn rendition(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(id): ApiPath<AssetId>,
    ApiQuery(params): ApiQuery<RenditionParams>,
    headers: HeaderMap,
) -> AppResult<Response> {
    Ok(picture_response(service::rendition(&state, &caller.actor, id, &params).await?, &headers))
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

/// Change an asset's alt text, name, folder, tags or focal point; fields left out stay as they are.
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

/// Delete an asset, its file, thumbnail and renditions. Refused (409) while a post uses it.
#[utoipa::path(delete, path = "/assets/{asset_id}", tag = "media", params(("asset_id" = AssetId, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
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
