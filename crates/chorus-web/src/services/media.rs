//! A client's media library. Everyone who sees a client sees its assets; those who may edit its content upload,
//! change and delete them.
//!
//! An upload is believed only as far as its bytes go: the type is detected from them (the name and the
//! `Content-Type` the uploader sent are ignored), an image's size is read from its header without decoding it,
//! and a name whose extension claims another type is corrected.

use chorus_domain::media::{sanitize_filename, with_extension_of};
use chorus_domain::{
    Action, Actor, Aspect, Asset, AssetFields, AssetId, AssetKind, ClientId, Denied, FieldError, FocalPoint, Invalid,
    MediaType, Page, PageRequest, authorize, folder_path, folder_within, tag, tag_list,
};
use chorus_store::{AssetQuery, BlobKey, FolderCount, StoreError, TagCount};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::client;
use crate::{AppError, AppResult, AppState};

/// The most pixels an image may have, and how a type is told from the bytes: both live in `chorus-media`.
pub use chorus_media::{MAX_PIXELS, detect};

/// Refusals to change a client's media: a client out of reach is "not found" as `what`.
fn may_edit(actor: &Actor, client: ClientId, what: &'static str) -> AppResult<()> {
    authorize(actor, Action::EditContent(client)).map_err(|denied| match denied {
        Denied::NotFound => AppError::NotFound(what),
        other => other.into(),
    })
}

/// Renames the fields of a refusal, e.g. `tags` to `tag` when one tag was checked as a filter.
fn renamed(mut invalid: Invalid, field: &str) -> Invalid {
    for error in &mut invalid.errors {
        error.field = field.to_string();
    }
    invalid
}

/// The filters of a library list as sent (`?q=&folder=&tag=&kind=`); blank ones are left out.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AssetFilters {
    pub q: Option<String>,
    pub folder: Option<String>,
    pub tag: Option<String>,
    pub kind: Option<String>,
}

impl AssetFilters {
    /// The query these filters ask for, naming the field of any that cannot be one. `folder` "/" asks for the top
    /// level alone; an empty one for every folder.
    pub fn query(&self) -> Result<AssetQuery, Invalid> {
        let given = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
        let mut errors: Vec<FieldError> = Vec::new();
        let folder = match given(&self.folder) {
            None => None,
            Some(raw) => match folder_path(&raw) {
                Ok(folder) => Some(folder),
                Err(e) => {
                    errors.extend(e.errors);
                    None
                }
            },
        };
        let tag = match given(&self.tag).map(|raw| tag(&raw)) {
            None => None,
            Some(Ok(tag)) => Some(tag),
            Some(Err(e)) => {
                errors.extend(renamed(e, "tag").errors);
                None
            }
        };
        let kind = match given(&self.kind).map(|raw| AssetKind::parse(&raw)) {
            None => None,
            Some(Ok(kind)) => Some(kind),
            Some(Err(e)) => {
                errors.extend(e.errors);
                None
            }
        };
        if !errors.is_empty() {
            return Err(Invalid { errors });
        }
        Ok(AssetQuery { search: given(&self.q), folder, tag, kind })
    }
}

/// The client's assets, newest first.
pub async fn assets(
    state: &AppState,
    actor: &Actor,
    client_id: ClientId,
    page: &PageRequest,
) -> AppResult<Page<Asset>> {
    assets_matching(state, actor, client_id, &AssetQuery::default(), page).await
}

/// The client's assets matching `query`, newest first.
pub async fn assets_matching(
    state: &AppState,
    actor: &Actor,
    client_id: ClientId,
    query: &AssetQuery,
    page: &PageRequest,
) -> AppResult<Page<Asset>> {
    client(state, actor, client_id).await?;
    Ok(state.store.list_assets(actor.organization, client_id, query, page).await?)
}

/// The client's folders that hold assets, with how many each holds directly.
pub async fn folders(state: &AppState, actor: &Actor, client_id: ClientId) -> AppResult<Vec<FolderCount>> {
    client(state, actor, client_id).await?;
    Ok(state.store.asset_folders(actor.organization, client_id).await?)
}

/// The client's tags, the most used first.
pub async fn tags(state: &AppState, actor: &Actor, client_id: ClientId) -> AppResult<Vec<TagCount>> {
    client(state, actor, client_id).await?;
    Ok(state.store.asset_tags(actor.organization, client_id).await?)
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

/// What an upload is, from its bytes alone (`chorus_media::probe`): its type, an image's size from its header
/// (refusing damaged headers and decompression bombs), a video's duration, size and codec from its container.
fn probe(filename: &str, bytes: &[u8]) -> AppResult<chorus_media::Probe> {
    chorus_media::probe(bytes).map_err(|e| match e {
        chorus_media::MediaError::Unsupported { looks_like } => AppError::UnsupportedMediaType(format!(
            "“{filename}” is not an image or video Chorus can publish{}; upload a JPEG, PNG, GIF or WebP image, or \
             an MP4 or MOV video",
            looks_like.map(|t| format!(" (it looks like {t})")).unwrap_or_default()
        )),
        other => AppError::invalid("file", other.to_string()),
    })
}

/// Makes a new image's thumbnail now, so the library's grid does not wait for it. One that cannot be made (a
/// header whose pixels do not decode) is logged; the thumbnail request then answers why.
async fn keep_thumbnail(state: &AppState, asset: &Asset, bytes: &[u8]) {
    if asset.kind != AssetKind::Image {
        return;
    }
    let (source, media_type) = (bytes.to_vec(), asset.media_type);
    let key = BlobKey::thumbnail(asset.client_id, asset.id);
    match make(move || chorus_media::thumbnail(&source, media_type)).await {
        Ok(thumbnail) => {
            if let Err(e) = state.blobs.put(&key, &thumbnail.bytes).await {
                tracing::warn!(error = %e, %key, "could not keep the thumbnail of an upload");
            }
        }
        Err(e) => tracing::info!(error = %e, asset = %asset.id, "no thumbnail for an uploaded image"),
    }
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
    let probed = probe(&filename, bytes)?;
    let media_type = probed.media_type;
    for warning in &probed.warnings {
        tracing::info!(%warning, "an upload was accepted without all of its metadata");
    }
    let fields = AssetFields {
        alt_text: String::new(),
        filename: with_extension_of(&filename, media_type),
        folder: String::new(),
        tags: Vec::new(),
        focal_point: FocalPoint::CENTRE,
    };
    fields.check()?;
    let asset = Asset {
        id: AssetId::new(),
        organization_id: actor.organization,
        client_id: target.client,
        kind: media_type.kind(),
        media_type,
        size_bytes: bytes.len() as u64,
        width: probed.width,
        height: probed.height,
        duration_ms: probed.duration_ms,
        video_codec: probed.video_codec,
        filename: fields.filename,
        alt_text: fields.alt_text,
        folder: fields.folder,
        tags: fields.tags,
        focal_point: fields.focal_point,
        sha256: format!("{:x}", Sha256::digest(bytes)),
        created_by: actor.person,
        created_at: chrono::Utc::now(),
    };
    let key = BlobKey::asset(asset.client_id, asset.id);
    state.blobs.put(&key, bytes).await?;
    match state.store.create_asset(actor.organization, target.client, &asset).await {
        Ok(asset) => {
            keep_thumbnail(state, &asset, bytes).await;
            Ok(asset)
        }
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
    /// The folder to file it in, e.g. `Campaigns/Spring 2027`; `""` for the top level. At most 5 levels of names
    /// of at most 60 characters.
    pub folder: Option<String>,
    /// Its tags, replacing the ones it has: lower-cased, repeats dropped, at most 20 of at most 40 characters, no
    /// commas.
    pub tags: Option<Vec<String>>,
    /// What must stay in view when a rendition crops it, in thousandths of the width and height from the top-left
    /// corner: `{"x": 500, "y": 500}` is the centre.
    pub focal_point: Option<FocalPoint>,
}

/// The fields `update` gives `current`, every problem named by its field.
pub fn updated_fields(current: &Asset, update: AssetUpdate) -> Result<AssetFields, Invalid> {
    let mut errors: Vec<FieldError> = Vec::new();
    let mut keep = |result: Result<String, Invalid>, current: &str| match result {
        Ok(value) => value,
        Err(e) => {
            errors.extend(e.errors);
            current.to_string()
        }
    };
    let folder = match update.folder {
        Some(raw) => keep(folder_path(&raw), &current.folder),
        None => current.folder.clone(),
    };
    let tags = match update.tags.map(|raw| tag_list(&raw)) {
        None => current.tags.clone(),
        Some(Ok(tags)) => tags,
        Some(Err(e)) => {
            errors.extend(e.errors);
            current.tags.clone()
        }
    };
    let focal_point = match update.focal_point.map(|p| FocalPoint::new(p.x, p.y)) {
        None => current.focal_point,
        Some(Ok(point)) => point,
        Some(Err(e)) => {
            errors.extend(e.errors);
            current.focal_point
        }
    };
    let fields = AssetFields {
        alt_text: update.alt_text.map_or_else(|| current.alt_text.clone(), |a| a.trim().to_string()),
        filename: match update.filename {
            Some(name) => with_extension_of(&sanitize_filename(&name), current.media_type),
            None => current.filename.clone(),
        },
        folder,
        tags,
        focal_point,
    };
    if let Err(e) = fields.check() {
        for error in e.errors {
            if !errors.iter().any(|known| known.field == error.field) {
                errors.push(error);
            }
        }
    }
    if errors.is_empty() { Ok(fields) } else { Err(Invalid { errors }) }
}

pub async fn update(state: &AppState, actor: &Actor, id: AssetId, update: AssetUpdate) -> AppResult<Asset> {
    let current = asset_to_change(state, actor, id).await?;
    let fields = updated_fields(&current, update)?;
    Ok(state.store.update_asset(actor.organization, current.client_id, id, &fields).await?)
}

/// What to do to several assets of a client at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BulkAction {
    /// File them in `folder`.
    Move,
    /// Add `tag` to each.
    Tag,
    /// Delete them and their files.
    Delete,
}

/// A change to several assets of one client, all or none.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct BulkChange {
    /// The assets, at most 500.
    pub asset_ids: Vec<AssetId>,
    pub action: BulkAction,
    /// For `move`: the folder, `""` for the top level.
    pub folder: Option<String>,
    /// For `tag`: the tag to add.
    pub tag: Option<String>,
}

/// The most assets one bulk change takes.
pub const MAX_BULK: usize = 500;

/// Moves, tags or deletes several of the client's assets; returns how many changed.
pub async fn bulk(state: &AppState, actor: &Actor, client_id: ClientId, change: BulkChange) -> AppResult<u64> {
    may_edit(actor, client_id, "client")?;
    state.store.client(actor.organization, client_id).await?;
    if change.asset_ids.is_empty() {
        return Err(AppError::invalid("asset_ids", "choose at least one asset"));
    }
    if change.asset_ids.len() > MAX_BULK {
        return Err(AppError::invalid(
            "asset_ids",
            format!("at most {MAX_BULK} assets at once ({} were chosen)", change.asset_ids.len()),
        ));
    }
    let org = actor.organization;
    match change.action {
        BulkAction::Move => {
            let folder = folder_path(change.folder.as_deref().unwrap_or_default())?;
            Ok(state.store.move_assets(org, client_id, &change.asset_ids, &folder).await?)
        }
        BulkAction::Tag => {
            let Some(raw) = change.tag.as_deref().filter(|t| !t.trim().is_empty()) else {
                return Err(AppError::invalid("tag", "name the tag to add"));
            };
            let tag = tag(raw).map_err(|e| renamed(e, "tag"))?;
            match state.store.tag_assets(org, client_id, &change.asset_ids, &tag).await {
                Err(StoreError::Conflict { field: "tags", message }) => Err(AppError::invalid("tag", message)),
                other => Ok(other?),
            }
        }
        BulkAction::Delete => {
            let mut assets = Vec::with_capacity(change.asset_ids.len());
            for id in &change.asset_ids {
                let asset = state.store.asset(org, *id).await.map_err(|e| match e {
                    StoreError::NotFound(_) => AppError::NotFound("asset"),
                    other => other.into(),
                })?;
                if asset.client_id != client_id {
                    return Err(AppError::NotFound("asset"));
                }
                assets.push(asset);
            }
            // The store refuses (409 on `asset`, naming the posts) when a post carries one of them.
            state.store.delete_assets(org, client_id, &change.asset_ids).await?;
            for asset in &assets {
                remove_files(state, asset).await;
            }
            Ok(assets.len() as u64)
        }
    }
}

/// Renaming a folder: `from` and the folders inside it move to `to`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct FolderRename {
    /// The folder to rename, e.g. `Campaigns/Spring`.
    pub from: String,
    /// Its new path, e.g. `Archive/Spring 2026`; `""` moves what it holds to the top level.
    pub to: String,
}

/// Renames one of the client's folders; returns how many assets moved.
pub async fn rename_folder(
    state: &AppState,
    actor: &Actor,
    client_id: ClientId,
    rename: FolderRename,
) -> AppResult<u64> {
    may_edit(actor, client_id, "client")?;
    let from = renamed_on(folder_path(&rename.from), "from")?;
    let to = renamed_on(folder_path(&rename.to), "to")?;
    if from.is_empty() {
        return Err(AppError::invalid("from", "the top level cannot be renamed; name a folder"));
    }
    let existing = state.store.asset_folders(actor.organization, client_id).await?;
    let moving: Vec<&FolderCount> = existing.iter().filter(|f| folder_within(&f.folder, &from)).collect();
    if moving.is_empty() {
        return Err(AppError::invalid("from", format!("there is no folder '{from}'")));
    }
    // Every folder inside keeps its place under the new name, and must still be a valid path there.
    for folder in moving {
        let rest = &folder.folder[from.len()..];
        let new = if to.is_empty() { rest.trim_start_matches('/').to_string() } else { format!("{to}{rest}") };
        renamed_on(folder_path(&new), "to")?;
    }
    Ok(state.store.rename_folder(actor.organization, client_id, &from, &to).await?)
}

fn renamed_on<T>(result: Result<T, Invalid>, field: &str) -> Result<T, Invalid> {
    result.map_err(|e| renamed(e, field))
}

/// Removes an asset's file and everything made from it; files that cannot be removed are logged, as nothing
/// refers to them any more.
async fn remove_files(state: &AppState, asset: &Asset) {
    let key = BlobKey::asset(asset.client_id, asset.id);
    if let Err(e) = state.blobs.delete(&key).await {
        tracing::warn!(error = %e, %key, "could not remove the file of a deleted asset");
    }
    let derived = BlobKey::derived(asset.client_id, asset.id);
    if let Err(e) = state.blobs.delete_prefix(&derived).await {
        tracing::warn!(error = %e, key = %derived, "could not remove the thumbnail and renditions of a deleted asset");
    }
}

/// The posts that carry the asset, newest first.
pub async fn uses(state: &AppState, actor: &Actor, id: AssetId) -> AppResult<Vec<chorus_store::AssetUse>> {
    let asset = asset(state, actor, id).await?;
    Ok(state.store.posts_using_asset(actor.organization, asset.id).await?)
}

/// Deletes the asset and then its files; refused (409 on `asset`, naming the posts) while a post carries it.
pub async fn delete(state: &AppState, actor: &Actor, id: AssetId) -> AppResult<()> {
    let asset = asset_to_change(state, actor, id).await?;
    state.store.delete_asset(actor.organization, asset.client_id, id).await?;
    remove_files(state, &asset).await;
    Ok(())
}

/// A picture made from an asset, with the validator a cache keeps it by.
pub struct Picture {
    pub bytes: Vec<u8>,
    pub media_type: MediaType,
    /// A strong ETag, quoted: the same for the same source bytes and the same spec.
    pub etag: String,
}

/// Why a picture could not be made from an asset, as a response.
fn picture_error(e: chorus_media::MediaError) -> AppError {
    use chorus_media::MediaError;
    match e {
        MediaError::NoThumbnail | MediaError::NotAnImage(_) => {
            AppError::invalid("asset_id", "only images have thumbnails and renditions; this asset is a video")
        }
        MediaError::Encode(..) => AppError::Internal(e.to_string()),
        other => AppError::invalid("file", other.to_string()),
    }
}

/// Decoding and encoding take a core for a while: off the async workers, so other requests go on.
async fn make<F>(work: F) -> AppResult<chorus_media::Rendered>
where
    F: FnOnce() -> Result<chorus_media::Rendered, chorus_media::MediaError> + Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| AppError::Internal(format!("rendering stopped: {e}")))?
        .map_err(picture_error)
}

/// A picture cached under `key`, or made by `work` from the asset's bytes and cached there.
async fn cached<F>(state: &AppState, asset: &Asset, key: &BlobKey, etag: String, work: F) -> AppResult<Picture>
where
    F: FnOnce(Vec<u8>) -> Result<chorus_media::Rendered, chorus_media::MediaError> + Send + 'static,
{
    if asset.kind != AssetKind::Image {
        return Err(picture_error(chorus_media::MediaError::NoThumbnail));
    }
    match state.blobs.get(key).await {
        Ok(bytes) => {
            let media_type = chorus_media::detect(&bytes).unwrap_or(MediaType::Jpeg);
            return Ok(Picture { bytes, media_type, etag });
        }
        Err(StoreError::NotFound(_)) => {}
        Err(e) => return Err(e.into()),
    }
    let source = state.blobs.get(&BlobKey::asset(asset.client_id, asset.id)).await?;
    let rendered = make(move || work(source)).await?;
    // A cache that cannot be written is only slower next time.
    if let Err(e) = state.blobs.put(key, &rendered.bytes).await {
        tracing::warn!(error = %e, %key, "could not keep a rendered picture");
    }
    Ok(Picture { bytes: rendered.bytes, media_type: rendered.media_type, etag })
}

/// The first 16 hex digits of the asset's SHA-256: enough to tell its versions apart in an ETag.
fn short_sha(asset: &Asset) -> &str {
    asset.sha256.get(..16).unwrap_or(&asset.sha256)
}

/// The asset's thumbnail for the library's grid, made on first request when the upload did not leave one.
pub async fn thumbnail(state: &AppState, actor: &Actor, id: AssetId) -> AppResult<Picture> {
    let asset = asset(state, actor, id).await?;
    let key = BlobKey::thumbnail(asset.client_id, asset.id);
    let etag = format!("\"{}-thumbnail\"", short_sha(&asset));
    let media_type = asset.media_type;
    cached(state, &asset, &key, etag, move |bytes| chorus_media::thumbnail(&bytes, media_type)).await
}

/// How a rendition is asked for: `?aspect=4:5&fit=crop&size=1080`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RenditionParams {
    /// Width to height, e.g. `4:5`, `1.91:1`, `9:16`.
    pub aspect: Option<String>,
    /// `crop` (default) cuts away what does not fit, keeping the focal point in view; `pad` keeps the whole picture
    /// and fills the rest with `colour`.
    pub fit: Option<String>,
    /// The longest side in pixels, 16 to 4096 (default 1080). A smaller image is not enlarged.
    pub size: Option<u32>,
    /// For `pad`: the fill colour as six hex digits, e.g. `000000` (default `ffffff`, white).
    pub colour: Option<String>,
}

/// The smallest and largest long edge a rendition may be asked for.
pub const RENDITION_SIZES: std::ops::RangeInclusive<u32> = 16..=4096;

/// What `params` asks for, every problem named by its field.
pub fn rendition_spec(params: &RenditionParams, focal: FocalPoint) -> Result<chorus_media::RenditionSpec, Invalid> {
    let mut errors: Vec<FieldError> = Vec::new();
    let aspect = match params.aspect.as_deref().map(Aspect::parse) {
        None => {
            errors.push(FieldError { field: "aspect".into(), message: "give a ratio such as 4:5 or 1.91:1".into() });
            None
        }
        Some(Ok(aspect)) => Some(aspect),
        Some(Err(e)) => {
            errors.extend(e.errors);
            None
        }
    };
    let colour = match params.colour.as_deref().map(|c| c.trim().trim_start_matches('#')) {
        None | Some("") => Some([255, 255, 255]),
        Some(hex) => {
            let channel = |i: usize| hex.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok());
            match (hex.len(), channel(0), channel(2), channel(4)) {
                (6, Some(r), Some(g), Some(b)) => Some([r, g, b]),
                _ => {
                    errors.push(FieldError {
                        field: "colour".into(),
                        message: format!("'{hex}' is not a colour as six hex digits, e.g. ffffff"),
                    });
                    None
                }
            }
        }
    };
    let fit = match params.fit.as_deref().map(str::trim) {
        None | Some("") | Some("crop") => Some(chorus_media::Fit::Crop),
        Some("pad") => colour.map(|colour| chorus_media::Fit::Pad { colour }),
        Some(other) => {
            errors.push(FieldError { field: "fit".into(), message: format!("'{other}' is not crop or pad") });
            None
        }
    };
    let size = params.size.unwrap_or(1080);
    if !RENDITION_SIZES.contains(&size) {
        errors.push(FieldError {
            field: "size".into(),
            message: format!(
                "the longest side must be {} to {} pixels",
                RENDITION_SIZES.start(),
                RENDITION_SIZES.end()
            ),
        });
    }
    match (aspect, fit) {
        (Some(aspect), Some(fit)) if errors.is_empty() => {
            Ok(chorus_media::RenditionSpec { aspect, fit, focal, max_long_edge: size })
        }
        _ => Err(Invalid { errors }),
    }
}

/// The name a rendition is cached under: everything that changes its pixels, the focal point included, so moving
/// the focal point makes new renditions rather than serving stale ones.
fn rendition_name(spec: &chorus_media::RenditionSpec) -> String {
    let fit = match spec.fit {
        chorus_media::Fit::Crop => "crop".to_string(),
        chorus_media::Fit::Pad { colour: [r, g, b] } => format!("pad-{r:02x}{g:02x}{b:02x}"),
    };
    format!(
        "{}x{}-{fit}-{}-f{}-{}",
        spec.aspect.width, spec.aspect.height, spec.max_long_edge, spec.focal.x, spec.focal.y
    )
}

/// The asset rendered to a network's shape around its focal point, cached after the first request.
pub async fn rendition(state: &AppState, actor: &Actor, id: AssetId, params: &RenditionParams) -> AppResult<Picture> {
    let asset = asset(state, actor, id).await?;
    let spec = rendition_spec(params, asset.focal_point)?;
    let name = rendition_name(&spec);
    let key = BlobKey::rendition(asset.client_id, asset.id, &name);
    let etag = format!("\"{}-{name}\"", short_sha(&asset));
    let media_type = asset.media_type;
    cached(state, &asset, &key, etag, move |bytes| chorus_media::render(&bytes, media_type, &spec)).await
}
