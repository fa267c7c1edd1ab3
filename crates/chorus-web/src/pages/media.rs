//! A client's media library: a grid of what was uploaded, filtered by search, folder, tag and kind (all in the query
//! string, so every view is a link), an upload form that takes several files at once, and a page per asset to
//! describe it, file it, tag it and set the focal point its renditions are cut around.
//!
//! The upload form is multipart, which the CSRF middleware cannot read without buffering every file, so its route is
//! outside that middleware and [`upload`] checks the double-submitted token itself, before it reads a file.

use askama::Template;
use axum::Form;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chorus_domain::media::MAX_ALT_TEXT;
use chorus_domain::{Action, Asset, AssetId, AssetKind, Client, ClientId, FocalPoint, PageRequest};
use chorus_store::{FolderCount, TagCount};
use serde::Deserialize;

use super::{FormState, Layout, Pairs, Section, error_page, render};
use crate::auth::PageActor;
use crate::auth::csrf::{FORM_FIELD, cookie_name};
use crate::auth::session::read_cookie;
use crate::services::media::{self as service, AssetFilters, AssetUpdate, BulkAction, BulkChange};
use crate::services::{self};
use crate::{AppError, AppState};

/// The most files one post of the upload form takes.
pub const MAX_FILES_PER_POST: usize = 20;
/// Room for the form's other fields and the multipart framing around the files.
const FORM_OVERHEAD_BYTES: u64 = 64 * 1024;

/// Sizes people read: `1.4 MB`, `820 KB`, `512 bytes`.
pub fn size_text(bytes: u64) -> String {
    const KB: u64 = 1000;
    match bytes {
        b if b >= KB * KB * KB => format!("{:.1} GB", b as f64 / (KB * KB * KB) as f64),
        b if b >= KB * KB => format!("{:.1} MB", b as f64 / (KB * KB) as f64),
        b if b >= KB => format!("{} KB", b.div_ceil(KB)),
        b => format!("{b} bytes"),
    }
}

/// A video's length as a player shows it: `0:15`, `12:04`, `1:02:03`.
pub fn duration_text(ms: u64) -> String {
    let seconds = ms.div_ceil(1000);
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if h > 0 { format!("{h}:{m:02}:{s:02}") } else { format!("{m}:{s:02}") }
}

/// An asset as the grid and the asset page show it.
pub struct AssetView {
    pub asset: Asset,
    /// Who sent it through an asset request, when it came that way.
    pub sent_by: Option<String>,
}

impl AssetView {
    pub fn is_video(&self) -> bool {
        self.asset.kind == AssetKind::Video
    }

    pub fn size(&self) -> String {
        size_text(self.asset.size_bytes)
    }

    /// `1920 × 1080`, or empty when unknown.
    pub fn pixels(&self) -> String {
        match (self.asset.width, self.asset.height) {
            (Some(w), Some(h)) => format!("{w} × {h}"),
            _ => String::new(),
        }
    }

    pub fn duration(&self) -> String {
        self.asset.duration_ms.map(duration_text).unwrap_or_default()
    }

    pub fn codec(&self) -> &str {
        match self.asset.video_codec.as_deref() {
            Some("avc1" | "avc3") => "H.264 (avc1)",
            Some("hvc1" | "hev1") => "HEVC (hvc1)",
            Some(other) => other,
            None => "",
        }
    }

    pub fn uploaded(&self) -> String {
        self.asset.created_at.format("%-d %b %Y, %H:%M UTC").to_string()
    }
}

/// One line of the folder sidebar: a folder, how deep it sits, and the assets in it and the folders inside it.
pub struct FolderLine {
    pub path: String,
    pub name: String,
    pub depth: usize,
    pub total: u64,
}

/// The folder tree from the store's direct counts: parents that hold nothing themselves still appear, with the
/// totals of what is inside them.
pub fn folder_lines(counts: &[FolderCount]) -> Vec<FolderLine> {
    let mut paths: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    for count in counts.iter().filter(|c| !c.folder.is_empty()) {
        let mut path = String::new();
        for name in count.folder.split('/') {
            if !path.is_empty() {
                path.push('/');
            }
            path.push_str(name);
            paths.insert(path.clone());
        }
    }
    // A folder's children sort right after it when '/' sorts before every other character.
    let mut paths: Vec<String> = paths.into_iter().collect();
    paths.sort_by(|a, b| a.split('/').cmp(b.split('/')));
    paths
        .into_iter()
        .map(|path| {
            let total =
                counts.iter().filter(|c| chorus_domain::folder_within(&c.folder, &path)).map(|c| c.assets).sum();
            let depth = path.matches('/').count();
            let name = path.rsplit('/').next().unwrap_or_default().to_string();
            FolderLine { path, name, depth, total }
        })
        .collect()
}

/// The library's filters as the query string carries them.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LibraryQuery {
    pub q: Option<String>,
    pub folder: Option<String>,
    pub tag: Option<String>,
    pub kind: Option<String>,
    pub cursor: Option<String>,
    pub notice: Option<String>,
}

impl LibraryQuery {
    fn filters(&self) -> AssetFilters {
        AssetFilters { q: self.q.clone(), folder: self.folder.clone(), tag: self.tag.clone(), kind: self.kind.clone() }
    }

    fn value(v: &Option<String>) -> &str {
        v.as_deref().map(str::trim).unwrap_or_default()
    }
}

/// What happened to one file of an upload.
pub struct FileOutcome {
    pub filename: String,
    pub refused: Option<String>,
    pub asset_id: Option<AssetId>,
}

#[derive(Template)]
#[template(path = "media.html")]
struct LibraryPage {
    layout: Layout,
    client: Client,
    can_edit: bool,
    assets: Vec<AssetView>,
    folders: Vec<FolderLine>,
    top_level: u64,
    all: u64,
    tags: Vec<TagCount>,
    q: String,
    folder: String,
    tag: String,
    kind: String,
    next_cursor: Option<String>,
    upload_form: FormState,
    outcomes: Vec<FileOutcome>,
    bulk_form: FormState,
    folder_form: FormState,
    max_files: usize,
    max_upload: String,
}

impl LibraryPage {
    /// A link to the library with one filter changed and the others kept (paging starts over).
    fn link(&self, key: &str, value: &str) -> String {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        for (k, v) in [("q", &self.q), ("folder", &self.folder), ("tag", &self.tag), ("kind", &self.kind)] {
            let v = if k == key { value } else { v.as_str() };
            if !v.is_empty() {
                pairs.push((k, v));
            }
        }
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        let base = format!("/clients/{}/media", self.client.id);
        if query.is_empty() { base } else { format!("{base}?{query}") }
    }

    fn next_link(&self, cursor: &str) -> String {
        let link = self.link("", "");
        let separator = if link.contains('?') { '&' } else { '?' };
        format!("{link}{separator}cursor={}", url_part(cursor))
    }

    fn filtered(&self) -> bool {
        !(self.q.is_empty() && self.folder.is_empty() && self.tag.is_empty() && self.kind.is_empty())
    }

    fn received(&self) -> usize {
        self.outcomes.iter().filter(|o| o.refused.is_none()).count()
    }
}

fn url_part(raw: &str) -> String {
    url::form_urlencoded::byte_serialize(raw.as_bytes()).collect()
}

fn parse_client(raw: &str) -> Result<ClientId, AppError> {
    raw.parse::<ClientId>().map_err(|_| AppError::NotFound("client"))
}

/// The library page's forms as they were sent, to show their errors and keep what was typed.
#[derive(Default)]
struct Forms {
    upload: FormState,
    outcomes: Vec<FileOutcome>,
    bulk: FormState,
    folder: FormState,
}

async fn library_page(
    state: &AppState,
    page: &PageActor,
    client_id: ClientId,
    query: &LibraryQuery,
    forms: Forms,
) -> Result<LibraryPage, AppError> {
    let client = services::client(state, &page.actor, client_id).await?;
    let filters = query.filters();
    let asset_query = filters.query()?;
    let request = PageRequest::new(Some(60), query.cursor.as_deref())?;
    let listed = service::assets_matching(state, &page.actor, client_id, &asset_query, &request).await?;
    let ids: Vec<AssetId> = listed.items.iter().map(|a| a.id).collect();
    let origins = services::asset_requests::origins(state, &page.actor, &ids).await?;
    let counts = service::folders(state, &page.actor, client_id).await?;
    let tags = service::tags(state, &page.actor, client_id).await?;
    let limit = state.config.max_upload_bytes;
    let notice = match query.notice.as_deref() {
        Some("deleted") => Some("Deleted."),
        Some("moved") => Some("Moved."),
        Some("tagged") => Some("Tag added."),
        Some("uploaded") => Some("Uploaded."),
        Some("renamed") => Some("Folder renamed."),
        Some("uploaded-one") => Some("Uploaded. Open it to add alt text, tags and a focal point."),
        _ => None,
    };
    Ok(LibraryPage {
        layout: Layout::signed_in(format!("{} · Media", client.name), Section::Clients, page).with_notice(notice),
        can_edit: page.actor.can(Action::EditContent(client_id)),
        client,
        assets: listed
            .items
            .into_iter()
            .map(|asset| {
                let sent_by = origins.iter().find(|o| o.asset_id == asset.id).map(|o| o.uploader_name.to_string());
                AssetView { asset, sent_by }
            })
            .collect(),
        top_level: counts.iter().filter(|c| c.folder.is_empty()).map(|c| c.assets).sum(),
        all: counts.iter().map(|c| c.assets).sum(),
        folders: folder_lines(&counts),
        tags,
        q: LibraryQuery::value(&query.q).to_string(),
        folder: asset_query.folder.map(|f| if f.is_empty() { "/".to_string() } else { f }).unwrap_or_default(),
        tag: asset_query.tag.unwrap_or_default(),
        kind: asset_query.kind.map(|k| k.as_str().to_string()).unwrap_or_default(),
        next_cursor: listed.next_cursor,
        upload_form: forms.upload,
        outcomes: forms.outcomes,
        bulk_form: forms.bulk,
        folder_form: forms.folder,
        max_files: MAX_FILES_PER_POST,
        max_upload: size_text(u64::try_from(limit).unwrap_or(u64::MAX)),
    })
}

pub async fn library(
    State(state): State<AppState>,
    page: PageActor,
    Path(client): Path<String>,
    Query(query): Query<LibraryQuery>,
) -> Response {
    let result = async {
        let client_id = parse_client(&client)?;
        let folder = query.folder.clone().unwrap_or_default();
        let upload = FormState::new([("folder".to_string(), folder.clone())].into());
        let folder = FormState::new([("from".to_string(), folder.clone()), ("to".to_string(), folder)].into());
        library_page(&state, &page, client_id, &query, Forms { upload, folder, ..Forms::default() }).await
    }
    .await;
    match result {
        Ok(p) => render(StatusCode::OK, &p),
        Err(e) => error_page(e),
    }
}

fn multipart_error(e: multer::Error, limit: usize) -> AppError {
    match e {
        multer::Error::FieldSizeExceeded { field_name, .. } if field_name.as_deref() == Some("files") => {
            AppError::TooLarge(format!(
                "a file is larger than the {} a file may be",
                size_text(u64::try_from(limit).unwrap_or(u64::MAX))
            ))
        }
        multer::Error::FieldSizeExceeded { field_name, .. } => {
            AppError::TooLarge(format!("the field {} is too long", field_name.unwrap_or_default()))
        }
        multer::Error::StreamSizeExceeded { .. } => {
            AppError::TooLarge(format!("send at most {MAX_FILES_PER_POST} files at once"))
        }
        other => AppError::BadRequest(format!("the form could not be read: {other}")),
    }
}

/// Whether the form's token is the one in this browser's cookie, and the post did not come from another site.
fn csrf_holds(state: &AppState, headers: &HeaderMap, given: &str) -> bool {
    let cross_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()).is_some_and(|v| v == "cross-site");
    let expected = read_cookie(headers, cookie_name(state.config.secure_cookies));
    !cross_site && matches!(expected, Some(e) if e.len() >= 32 && crate::auth::tokens::constant_time_eq(e, given))
}

/// Stores each file of the upload form as it arrives: the good ones are kept whatever happens to the others, and
/// the page lists what happened to each.
pub async fn upload(
    State(state): State<AppState>,
    mut page: PageActor,
    Path(client): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Ok(client_id) = parse_client(&client) else { return error_page(AppError::NotFound("client")) };
    // Outside the CSRF middleware, so the token for the re-rendered forms comes from the cookie.
    page.csrf = read_cookie(&headers, cookie_name(state.config.secure_cookies)).unwrap_or_default().to_string();
    let received = receive_files(&state, &page, client_id, &headers, body).await;
    let (form, outcomes, status) = match received {
        Ok((form, outcomes)) => {
            let refused = outcomes.iter().any(|o| o.refused.is_some());
            if !refused {
                let folder = form.value("folder");
                let notice = if outcomes.len() == 1 { "uploaded-one" } else { "uploaded" };
                let mut location = format!("/clients/{client_id}/media?notice={notice}");
                if !folder.is_empty() {
                    location.push_str(&format!("&folder={}", url_part(folder)));
                }
                return Redirect::to(&location).into_response();
            }
            (form, outcomes, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err((form, e)) => {
            if matches!(e, AppError::NotFound(_)) {
                return error_page(e);
            }
            let status = e.status();
            (form.with_error(&e), Vec::new(), status)
        }
    };
    let folder = form.value("folder").to_string();
    let query = LibraryQuery { folder: Some(folder), ..LibraryQuery::default() };
    match library_page(&state, &page, client_id, &query, Forms { upload: form, outcomes, ..Forms::default() }).await {
        Ok(p) => render(status, &p),
        Err(e) => error_page(e),
    }
}

async fn receive_files(
    state: &AppState,
    page: &PageActor,
    client_id: ClientId,
    headers: &HeaderMap,
    body: Body,
) -> Result<(FormState, Vec<FileOutcome>), (FormState, AppError)> {
    let mut form = FormState::default();
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let Ok(boundary) = multer::parse_boundary(content_type) else {
        return Err((form, AppError::BadRequest("send the form as multipart/form-data".into())));
    };
    let limit = state.config.max_upload_bytes;
    let per_file = u64::try_from(limit).unwrap_or(u64::MAX);
    let whole = per_file.saturating_mul(MAX_FILES_PER_POST as u64).saturating_add(FORM_OVERHEAD_BYTES);
    let constraints = multer::Constraints::new().size_limit(
        multer::SizeLimit::new()
            .whole_stream(whole)
            .per_field(per_file)
            .for_field(FORM_FIELD, 1024)
            .for_field("folder", 4096),
    );
    let mut multipart = multer::Multipart::with_constraints(body.into_data_stream(), boundary, constraints);
    let mut target: Option<(service::UploadTarget, String)> = None;
    let mut outcomes: Vec<FileOutcome> = Vec::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                let e = multipart_error(e, limit);
                if outcomes.is_empty() {
                    return Err((form, e));
                }
                outcomes.push(FileOutcome {
                    filename: "the remaining files".into(),
                    refused: Some(e.to_string()),
                    asset_id: None,
                });
                break;
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        if name != "files" {
            if target.is_none() {
                match field.text().await {
                    Ok(text) => {
                        form.values.insert(name, text);
                    }
                    Err(e) => return Err((form, multipart_error(e, limit))),
                }
            }
            continue;
        }
        let filename = field.file_name().map(str::to_string).unwrap_or_default();
        if target.is_none() {
            // The token and the folder come before the files in the form: settled before a file is stored.
            if !csrf_holds(state, headers, form.value(FORM_FIELD)) {
                return Err((
                    form,
                    AppError::Forbidden("This form has expired. Reload the page and upload again.".into()),
                ));
            }
            let folder = chorus_domain::folder_path(form.value("folder")).map_err(|e| (form.clone(), e.into()))?;
            let allowed =
                service::prepare_upload(state, &page.actor, client_id).await.map_err(|e| (form.clone(), e))?;
            target = Some((allowed, folder));
        }
        let Some((allowed, folder)) = target.as_ref() else { continue };
        let bytes = match field.bytes().await {
            Ok(bytes) => bytes,
            Err(e) => {
                let refused = Some(multipart_error(e, limit).to_string());
                outcomes.push(FileOutcome {
                    filename: chorus_domain::media::sanitize_filename(&filename),
                    refused,
                    asset_id: None,
                });
                break;
            }
        };
        // A file input left empty still sends a part, without a name or bytes.
        if filename.is_empty() && bytes.is_empty() {
            continue;
        }
        let shown = chorus_domain::media::sanitize_filename(&filename);
        if outcomes.len() >= MAX_FILES_PER_POST {
            outcomes.push(FileOutcome {
                filename: shown,
                refused: Some(format!("send at most {MAX_FILES_PER_POST} files at once; upload this one again")),
                asset_id: None,
            });
            continue;
        }
        let stored = service::upload(state, &page.actor, allowed, Some(&filename), &bytes).await;
        let stored = match stored {
            Ok(asset) if !folder.is_empty() => {
                let update = AssetUpdate { folder: Some(folder.clone()), ..AssetUpdate::default() };
                service::update(state, &page.actor, asset.id, update).await
            }
            other => other,
        };
        let outcome = match stored {
            Ok(asset) => FileOutcome { filename: asset.filename, refused: None, asset_id: Some(asset.id) },
            Err(AppError::Internal(detail)) => {
                tracing::error!(error = %detail, "an upload to the media library failed");
                let refused = Some("it could not be stored because of a problem on our side; try again".to_string());
                FileOutcome { filename: shown, refused, asset_id: None }
            }
            Err(e) => FileOutcome { filename: shown, refused: Some(e.to_string()), asset_id: None },
        };
        outcomes.push(outcome);
    }
    if target.is_none() && !csrf_holds(state, headers, form.value(FORM_FIELD)) {
        return Err((form, AppError::Forbidden("This form has expired. Reload the page and upload again.".into())));
    }
    if outcomes.is_empty() {
        return Err((form, AppError::invalid("files", "choose at least one image or video to upload")));
    }
    form.values.remove(FORM_FIELD);
    Ok((form, outcomes))
}

/// The bulk form under the grid: the ticked assets and what to do to them.
pub async fn bulk(
    State(state): State<AppState>,
    page: PageActor,
    Path(client): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Response {
    let Ok(client_id) = parse_client(&client) else { return error_page(AppError::NotFound("client")) };
    let form = FormState::from_pairs(&pairs);
    let result = async {
        let asset_ids = form
            .all("asset")
            .iter()
            .map(|raw| raw.parse::<AssetId>().map_err(|_| AppError::invalid("asset_ids", "an asset is not known")))
            .collect::<Result<Vec<_>, _>>()?;
        let action = match form.value("action") {
            "move" => BulkAction::Move,
            "tag" => BulkAction::Tag,
            "delete" => BulkAction::Delete,
            _ => return Err(AppError::invalid("action", "choose what to do with the ticked assets")),
        };
        let change = BulkChange {
            asset_ids,
            action,
            folder: Some(form.value("folder").to_string()),
            tag: Some(form.value("tag").to_string()),
        };
        service::bulk(&state, &page.actor, client_id, change).await?;
        Ok::<_, AppError>(action)
    }
    .await;
    let back = LibraryQuery {
        q: Some(form.value("q").to_string()),
        folder: Some(form.value("in_folder").to_string()),
        tag: Some(form.value("in_tag").to_string()),
        kind: Some(form.value("in_kind").to_string()),
        ..LibraryQuery::default()
    };
    match result {
        Ok(action) => {
            let notice = match action {
                BulkAction::Move => "moved",
                BulkAction::Tag => "tagged",
                BulkAction::Delete => "deleted",
            };
            let mut location = format!("/clients/{client_id}/media?notice={notice}");
            for (key, value) in [("q", &back.q), ("folder", &back.folder), ("tag", &back.tag), ("kind", &back.kind)] {
                if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
                    location.push_str(&format!("&{key}={}", url_part(v)));
                }
            }
            Redirect::to(&location).into_response()
        }
        Err(AppError::NotFound("client")) => error_page(AppError::NotFound("client")),
        Err(e) => {
            let status = e.status();
            let bulk_form = form.with_error(&e);
            match library_page(&state, &page, client_id, &back, Forms { bulk: bulk_form, ..Forms::default() }).await {
                Ok(p) => render(status, &p),
                Err(e) => error_page(e),
            }
        }
    }
}

/// Renames the folder the library shows, with the folders inside it.
pub async fn rename_folder(
    State(state): State<AppState>,
    page: PageActor,
    Path(client): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Response {
    let Ok(client_id) = parse_client(&client) else { return error_page(AppError::NotFound("client")) };
    let form = FormState::from_pairs(&pairs);
    let rename = service::FolderRename { from: form.value("from").to_string(), to: form.value("to").to_string() };
    match service::rename_folder(&state, &page.actor, client_id, rename).await {
        Ok(_) => {
            let to = chorus_domain::folder_path(form.value("to")).unwrap_or_default();
            let mut location = format!("/clients/{client_id}/media?notice=renamed");
            if !to.is_empty() {
                location.push_str(&format!("&folder={}", url_part(&to)));
            }
            Redirect::to(&location).into_response()
        }
        Err(AppError::NotFound("client")) => error_page(AppError::NotFound("client")),
        Err(e) => {
            let status = e.status();
            let back = LibraryQuery { folder: Some(form.value("from").to_string()), ..LibraryQuery::default() };
            let folder_form = form.with_error(&e);
            let forms = Forms { folder: folder_form, ..Forms::default() };
            let result = library_page(&state, &page, client_id, &back, forms).await;
            match result {
                Ok(p) => render(status, &p),
                Err(e) => error_page(e),
            }
        }
    }
}

// ---- one asset ---------------------------------------------------------------------------------------------

/// A standard rendition previewed on the asset page.
pub struct RenditionPreview {
    pub aspect: &'static str,
    pub label: &'static str,
    pub url: String,
    /// Said when the crop is smaller than networks recommend: it is never enlarged, so the user should know.
    pub warning: Option<String>,
}

/// The size networks recommend for a feed picture's long side.
const RECOMMENDED_LONG_EDGE: u64 = 1080;

#[derive(Template)]
#[template(path = "asset.html")]
struct AssetPage {
    layout: Layout,
    client: Client,
    view: AssetView,
    can_edit: bool,
    form: FormState,
    renditions: Vec<RenditionPreview>,
    max_alt: usize,
    used_by: Vec<chorus_store::AssetUse>,
}

impl AssetPage {
    fn folder_link(&self) -> String {
        format!("/clients/{}/media?folder={}", self.client.id, url_part(&self.view.asset.folder))
    }

    fn alt_length(&self) -> usize {
        self.form.value("alt_text").chars().count()
    }
}

fn asset_values(asset: &Asset) -> FormState {
    FormState::new(
        [
            ("alt_text".to_string(), asset.alt_text.clone()),
            ("filename".to_string(), asset.filename.clone()),
            ("folder".to_string(), asset.folder.clone()),
            ("tags".to_string(), asset.tags.join(", ")),
            ("focal_point.x".to_string(), asset.focal_point.x.to_string()),
            ("focal_point.y".to_string(), asset.focal_point.y.to_string()),
        ]
        .into(),
    )
}

/// The asset, if it belongs to the client in the address; another client's asset is not found here.
async fn client_asset(
    state: &AppState,
    page: &PageActor,
    client: &str,
    asset: &str,
) -> Result<(Client, Asset), AppError> {
    let client_id = parse_client(client)?;
    let asset_id = asset.parse::<AssetId>().map_err(|_| AppError::NotFound("asset"))?;
    let client = services::client(state, &page.actor, client_id).await?;
    let asset = service::asset(state, &page.actor, asset_id).await?;
    if asset.client_id != client.id {
        return Err(AppError::NotFound("asset"));
    }
    Ok((client, asset))
}

async fn asset_page(
    state: &AppState,
    page: &PageActor,
    client: Client,
    asset: Asset,
    form: FormState,
    notice: Option<&str>,
) -> Result<AssetPage, AppError> {
    let used_by = service::uses(state, &page.actor, asset.id).await?;
    let renditions = if asset.kind == AssetKind::Image {
        chorus_domain::media::STANDARD_ASPECTS
            .iter()
            .map(|(aspect, label)| RenditionPreview {
                aspect,
                label,
                warning: match (asset.width, asset.height, chorus_domain::Aspect::parse(aspect)) {
                    (Some(w), Some(h), Ok(shape)) => {
                        let (cw, ch) = shape.crop_within(w, h);
                        (u64::from(cw.max(ch)) < RECOMMENDED_LONG_EDGE).then(|| {
                            format!("Only {cw} × {ch} pixels: smaller than the {RECOMMENDED_LONG_EDGE} networks recommend, and never enlarged.")
                        })
                    }
                    _ => None,
                },
                url: format!(
                    "/api/v1/assets/{}/rendition?aspect={}&fit=crop&size=480&v={}-{}",
                    asset.id,
                    url_part(aspect),
                    asset.focal_point.x,
                    asset.focal_point.y
                ),
            })
            .collect()
    } else {
        Vec::new()
    };
    let sent_by = services::asset_requests::origins(state, &page.actor, &[asset.id])
        .await?
        .into_iter()
        .next()
        .map(|o| o.uploader_name.to_string());
    Ok(AssetPage {
        layout: Layout::signed_in(format!("{} · {}", asset.filename, client.name), Section::Clients, page)
            .with_notice(notice),
        can_edit: page.actor.can(Action::EditContent(client.id)),
        client,
        view: AssetView { asset, sent_by },
        form,
        renditions,
        max_alt: MAX_ALT_TEXT,
        used_by,
    })
}

fn shown(status: StatusCode, page: Result<AssetPage, AppError>) -> Response {
    match page {
        Ok(p) => render(status, &p),
        Err(e) => error_page(e),
    }
}

#[derive(Debug, Deserialize)]
pub struct AssetQuery {
    notice: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    page: PageActor,
    Path((client, asset)): Path<(String, String)>,
    Query(query): Query<AssetQuery>,
) -> Response {
    match client_asset(&state, &page, &client, &asset).await {
        Ok((client, asset)) => {
            let notice = (query.notice.as_deref() == Some("saved")).then_some("Changes saved.");
            let form = asset_values(&asset);
            shown(StatusCode::OK, asset_page(&state, &page, client, asset, form, notice).await)
        }
        Err(e) => error_page(e),
    }
}

/// A focal point coordinate as typed: a whole number, or the field keeps its current value and is named.
fn coordinate(form: &FormState, name: &str) -> Result<u16, AppError> {
    let raw = form.value(name).trim();
    raw.parse::<u16>()
        .map_err(|_| AppError::invalid(name, "a whole number from 0 to 1000"))
        .and_then(|v| if v > 1000 { Err(AppError::invalid(name, "a whole number from 0 to 1000")) } else { Ok(v) })
}

pub async fn save(
    State(state): State<AppState>,
    page: PageActor,
    Path((client, asset)): Path<(String, String)>,
    Form(pairs): Form<Pairs>,
) -> Response {
    let (client, asset) = match client_asset(&state, &page, &client, &asset).await {
        Ok(found) => found,
        Err(e) => return error_page(e),
    };
    let form = FormState::from_pairs(&pairs);
    let result = async {
        let x = coordinate(&form, "focal_point.x");
        let y = coordinate(&form, "focal_point.y");
        let focal_point = match (x, y) {
            (Ok(x), Ok(y)) => FocalPoint { x, y },
            (Err(e), _) | (_, Err(e)) => return Err(e),
        };
        let update = AssetUpdate {
            alt_text: Some(form.value("alt_text").to_string()),
            filename: Some(form.value("filename").to_string()),
            folder: Some(form.value("folder").to_string()),
            tags: Some(form.value("tags").split(',').map(str::to_string).collect()),
            focal_point: Some(focal_point),
        };
        service::update(&state, &page.actor, asset.id, update).await
    }
    .await;
    match result {
        Ok(saved) => Redirect::to(&format!("/clients/{}/media/{}?notice=saved", client.id, saved.id)).into_response(),
        Err(e @ (AppError::Invalid(_) | AppError::Forbidden(_))) => {
            let status = e.status();
            let form = form.with_error(&e);
            shown(status, asset_page(&state, &page, client, asset, form, None).await)
        }
        Err(e) => error_page(e),
    }
}

pub async fn delete(
    State(state): State<AppState>,
    page: PageActor,
    Path((client, asset)): Path<(String, String)>,
) -> Response {
    let (client, asset) = match client_asset(&state, &page, &client, &asset).await {
        Ok(found) => found,
        Err(e) => return error_page(e),
    };
    match service::delete(&state, &page.actor, asset.id).await {
        Ok(()) => Redirect::to(&format!("/clients/{}/media?notice=deleted", client.id)).into_response(),
        Err(e @ AppError::Conflict { .. }) => {
            let status = e.status();
            let form = asset_values(&asset).with_error(&e);
            shown(status, asset_page(&state, &page, client, asset, form, None).await)
        }
        Err(e) => error_page(e),
    }
}

pub async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../assets/media.js"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations_read_as_people_say_them() {
        assert_eq!(size_text(512), "512 bytes");
        assert_eq!(size_text(1_500), "2 KB");
        assert_eq!(size_text(1_400_000), "1.4 MB");
        assert_eq!(duration_text(15_200), "0:16");
        assert_eq!(duration_text(724_000), "12:04");
        assert_eq!(duration_text(3_723_000), "1:02:03");
    }

    #[test]
    fn crops_keep_the_largest_window_of_their_shape() {
        let aspect = |raw| chorus_domain::Aspect::parse(raw).unwrap();
        assert_eq!(aspect("1:1").crop_within(4000, 3000), (3000, 3000));
        assert_eq!(aspect("4:5").crop_within(4000, 3000), (2400, 3000));
        assert_eq!(aspect("1.91:1").crop_within(4000, 3000), (4000, 2094));
        assert_eq!(aspect("16:9").crop_within(1080, 1920), (1080, 607));
    }

    #[test]
    fn the_folder_tree_shows_parents_with_totals() {
        let count = |folder: &str, assets| FolderCount { folder: folder.to_string(), assets };
        let lines = folder_lines(&[count("", 4), count("A b/C", 2), count("A b/C/D", 1), count("A", 3)]);
        let shown: Vec<(&str, usize, u64)> = lines.iter().map(|l| (l.path.as_str(), l.depth, l.total)).collect();
        assert_eq!(shown, [("A", 0, 3), ("A b", 0, 3), ("A b/C", 1, 3), ("A b/C/D", 2, 1)]);
    }
}
