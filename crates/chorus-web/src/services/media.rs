//! A client's media library. Everyone who sees a client sees its assets; those who may edit its content upload,
//! change and delete them.
//!
//! An upload is believed only as far as its bytes go: the type is detected from them (the name and the
//! `Content-Type` the uploader sent are ignored), an image's size is read from its header without decoding it,
//! and a name whose extension claims another type is corrected.

use chorus_domain::media::{sanitize_filename, with_extension_of};
use chorus_domain::{
    Action, Actor, Asset, AssetFields, AssetId, AssetKind, ClientId, Denied, MediaType, Page, PageRequest, authorize,
};
use chorus_store::BlobKey;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::client;
use crate::{AppError, AppResult, AppState};

/// The most pixels an image may have: larger ones are refused before anything decodes them, as a
/// "decompression bomb" (a small file that unpacks to gigabytes) would be.
pub const MAX_PIXELS: u64 = 100_000_000;

/// Refusals to change a client's media: a client out of reach is "not found" as `what`.
fn may_edit(actor: &Actor, client: ClientId, what: &'static str) -> AppResult<()> {
    authorize(actor, Action::EditContent(client)).map_err(|denied| match denied {
        Denied::NotFound => AppError::NotFound(what),
        other => other.into(),
    })
}

/// The client's assets, newest first.
pub async fn assets(
    state: &AppState,
    actor: &Actor,
    client_id: ClientId,
    page: &PageRequest,
) -> AppResult<Page<Asset>> {
    client(state, actor, client_id).await?;
    Ok(state.store.list_assets(actor.organization, client_id, page).await?)
}

/// An asset, if the actor sees its client.
pub async fn asset(state: &AppState, actor: &Actor, id: AssetId) -> AppResult<Asset> {
    let asset = state.store.asset(actor.organization, id).await?;
    authorize(actor, Action::ViewClient(asset.client_id)).map_err(|_| AppError::NotFound("asset"))?;
    Ok(asset)
}

/// An asset the actor may change.
async fn asset_to_change(state: &AppState, actor: &Actor, id: AssetId) -> AppResult<Asset> {
    let asset = asset(state, actor, id).await?;
    may_edit(actor, asset.client_id, "asset")?;
    Ok(asset)
}

/// A client the actor may upload to; only [`prepare_upload`] makes one.
pub struct UploadTarget {
    client: ClientId,
}

/// Checks that the actor may add to the client's media library, before a byte of the file is read.
pub async fn prepare_upload(state: &AppState, actor: &Actor, client_id: ClientId) -> AppResult<UploadTarget> {
    may_edit(actor, client_id, "client")?;
    state.store.client(actor.organization, client_id).await?;
    Ok(UploadTarget { client: client_id })
}

/// What the bytes of a file are, if it is a format Chorus can publish.
pub fn detect(bytes: &[u8]) -> Option<MediaType> {
    let detected = infer::get(bytes)?;
    match detected.mime_type() {
        "image/jpeg" => Some(MediaType::Jpeg),
        "image/png" => Some(MediaType::Png),
        "image/gif" => Some(MediaType::Gif),
        "image/webp" => Some(MediaType::Webp),
        "video/mp4" => Some(MediaType::Mp4),
        "video/quicktime" => Some(MediaType::QuickTime),
        _ => None,
    }
}

/// An image's width and height from its header, refusing damaged headers and decompression bombs.
fn dimensions(bytes: &[u8]) -> AppResult<(u32, u32)> {
    let damaged = || AppError::invalid("file", "the image's header cannot be read; the file may be damaged");
    let size = imagesize::blob_size(bytes).map_err(|_| damaged())?;
    let (width, height) = (u32::try_from(size.width).ok(), u32::try_from(size.height).ok());
    let (Some(width), Some(height)) = (width, height) else {
        return Err(damaged());
    };
    if width == 0 || height == 0 {
        return Err(damaged());
    }
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(AppError::invalid(
            "file",
            format!(
                "the image is {width}×{height} pixels, more than the {} megapixels Chorus accepts; scale it down",
                MAX_PIXELS / 1_000_000
            ),
        ));
    }
    Ok((width, height))
}

/// Stores an uploaded file in the client's media library: the bytes in blob storage, its description in the
/// store. `filename` is the name it was uploaded under, if any.
pub async fn upload(
    state: &AppState,
    actor: &Actor,
    target: &UploadTarget,
    filename: Option<&str>,
    bytes: &[u8],
) -> AppResult<Asset> {
    let filename = sanitize_filename(filename.unwrap_or_default());
    if bytes.is_empty() {
        return Err(AppError::invalid("file", "the file is empty"));
    }
    let media_type = detect(bytes).ok_or_else(|| {
        let looks_like = infer::get(bytes).map(|t| format!(" (it looks like {})", t.mime_type())).unwrap_or_default();
        AppError::UnsupportedMediaType(format!(
            "“{filename}” is not an image or video Chorus can publish{looks_like}; upload a JPEG, PNG, GIF or WebP \
             image, or an MP4 or MOV video"
        ))
    })?;
    let (width, height) = match media_type.kind() {
        AssetKind::Image => dimensions(bytes).map(|(w, h)| (Some(w), Some(h)))?,
        AssetKind::Video => (None, None),
    };
    let fields = AssetFields { alt_text: String::new(), filename: with_extension_of(&filename, media_type) };
    fields.check()?;
    let asset = Asset {
        id: AssetId::new(),
        organization_id: actor.organization,
        client_id: target.client,
        kind: media_type.kind(),
        media_type,
        size_bytes: bytes.len() as u64,
        width,
        height,
        filename: fields.filename,
        alt_text: fields.alt_text,
        sha256: format!("{:x}", Sha256::digest(bytes)),
        created_by: actor.person,
        created_at: chrono::Utc::now(),
    };
    let key = BlobKey::asset(asset.client_id, asset.id);
    state.blobs.put(&key, bytes).await?;
    match state.store.create_asset(actor.organization, target.client, &asset).await {
        Ok(asset) => Ok(asset),
        Err(e) => {
            if let Err(cleanup) = state.blobs.delete(&key).await {
                tracing::warn!(error = %cleanup, %key, "could not remove the file of an upload that failed");
            }
            Err(e.into())
        }
    }
}

/// An asset and its bytes.
pub async fn file(state: &AppState, actor: &Actor, id: AssetId) -> AppResult<(Asset, Vec<u8>)> {
    let asset = asset(state, actor, id).await?;
    let bytes = state.blobs.get(&BlobKey::asset(asset.client_id, asset.id)).await?;
    Ok((asset, bytes))
}

/// A change to an asset; fields left out stay as they are.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct AssetUpdate {
    /// A description for people who cannot see the image, at most 1,500 characters.
    pub alt_text: Option<String>,
    /// A new name; its extension is kept matching the file's type.
    pub filename: Option<String>,
}

pub async fn update(state: &AppState, actor: &Actor, id: AssetId, update: AssetUpdate) -> AppResult<Asset> {
    let current = asset_to_change(state, actor, id).await?;
    let fields = AssetFields {
        alt_text: update.alt_text.map_or(current.alt_text, |a| a.trim().to_string()),
        filename: match update.filename {
            Some(name) => with_extension_of(&sanitize_filename(&name), current.media_type),
            None => current.filename,
        },
    };
    fields.check()?;
    Ok(state.store.update_asset(actor.organization, current.client_id, id, &fields).await?)
}

/// Deletes the asset and then its bytes; bytes that cannot be removed are logged, as nothing refers to them
/// any more.
pub async fn delete(state: &AppState, actor: &Actor, id: AssetId) -> AppResult<()> {
    let asset = asset_to_change(state, actor, id).await?;
    state.store.delete_asset(actor.organization, asset.client_id, id).await?;
    let key = BlobKey::asset(asset.client_id, asset.id);
    if let Err(e) = state.blobs.delete(&key).await {
        tracing::warn!(error = %e, %key, "could not remove the file of a deleted asset");
    }
    Ok(())
}
