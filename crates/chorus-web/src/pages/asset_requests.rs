//! Asset requests in the browser: a client's "Requests" tab, where managers ask for files and copy the link, and
//! the public page behind the link, where the client sends them without an account.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chorus_domain::asset_request::{DEFAULT_EXPIRY_DAYS, DEFAULT_MAX_FILES, MAX_EXPIRY_DAYS};
use chorus_domain::{
    Action, AssetId, AssetRequest, AssetRequestFields, AssetRequestId, AssetRequestStatus, Client, ClientId, MediaType,
};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::{FormState, Layout, NoticeQuery, Section, base_url, error_page, render};
use crate::auth::PageActor;
use crate::services::asset_requests::{self as service, Closed, Link, OpenLink, Uploader};
use crate::services::{self};
use crate::{AppError, AppState};

// ---- the client's Requests tab -----------------------------------------------------------------------------

/// Files of a request the list names; the rest are a click away in the media library.
const FILES_SHOWN: usize = 12;

/// One request as the list shows it.
struct RequestRow {
    request: AssetRequest,
    status: AssetRequestStatus,
    /// Everyone who sent files through it, in the order they first did.
    senders: Vec<String>,
    /// The newest files it brought that are still in the library, newest first.
    files: Vec<ReceivedFile>,
    /// Files still in the library beyond those named.
    more_files: usize,
}

struct ReceivedFile {
    asset_id: AssetId,
    filename: String,
    sender: String,
    note: String,
    at: DateTime<Utc>,
}

#[derive(Template)]
#[template(path = "asset_requests.html")]
struct RequestsPage {
    layout: Layout,
    client: Client,
    rows: Vec<RequestRow>,
    can_edit: bool,
    form: FormState,
    /// The link of the request just made; shown once.
    created_link: Option<String>,
    expiry_choices: Vec<u32>,
}

fn new_request_form() -> FormState {
    FormState::new(HashMap::from([
        ("expires_in_days".to_string(), DEFAULT_EXPIRY_DAYS.to_string()),
        ("max_files".to_string(), DEFAULT_MAX_FILES.to_string()),
    ]))
}

/// Messages shown once after a redirect. Fixed texts, so a link cannot inject words.
fn notice(key: Option<&str>) -> Option<&'static str> {
    match key? {
        "request-revoked" => Some("Request revoked; its link no longer works. Files already received stay."),
        _ => None,
    }
}

async fn requests_page(
    state: &AppState,
    page: &PageActor,
    client_id: ClientId,
    form: FormState,
    created_link: Option<String>,
) -> Result<RequestsPage, AppError> {
    let client = services::client(state, &page.actor, client_id).await?;
    let now = Utc::now();
    let mut rows = Vec::new();
    for request in service::list(state, &page.actor, client_id).await? {
        let mut senders: Vec<String> = Vec::new();
        let mut files = Vec::new();
        let mut more_files = 0;
        if request.files_received > 0 {
            let uploads = service::uploads(state, &page.actor, request.id).await?;
            for upload in &uploads {
                let name = upload.uploader_name.to_string();
                if !senders.contains(&name) {
                    senders.push(name);
                }
            }
            more_files = uploads.len().saturating_sub(FILES_SHOWN);
            for upload in uploads.into_iter().rev().take(FILES_SHOWN) {
                let asset = services::media::asset(state, &page.actor, upload.asset_id).await?;
                files.push(ReceivedFile {
                    asset_id: asset.id,
                    filename: asset.filename,
                    sender: upload.uploader_name.to_string(),
                    note: upload.note,
                    at: upload.uploaded_at,
                });
            }
        }
        rows.push(RequestRow { status: request.status(now), request, senders, files, more_files });
    }
    Ok(RequestsPage {
        layout: Layout::signed_in(format!("{} · Requests", client.name), Section::Clients, page),
        can_edit: page.actor.can(Action::EditContent(client.id)),
        client,
        rows,
        form,
        created_link,
        expiry_choices: [1, 3, 7, 14, 30, 60, MAX_EXPIRY_DAYS].into_iter().collect(),
    })
}

pub async fn list(
    State(state): State<AppState>,
    page: PageActor,
    Path(client): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> Response {
    let Ok(client) = client.parse::<ClientId>() else { return error_page(AppError::NotFound("client")) };
    match requests_page(&state, &page, client, new_request_form(), None).await {
        Ok(mut p) => {
            p.layout = p.layout.with_notice(notice(query.notice.as_deref()));
            render(StatusCode::OK, &p)
        }
        Err(e) => error_page(e),
    }
}

pub async fn create(
    State(state): State<AppState>,
    page: PageActor,
    headers: HeaderMap,
    Path(client): Path<String>,
    Form(values): Form<HashMap<String, String>>,
) -> Response {
    let Ok(client) = client.parse::<ClientId>() else { return error_page(AppError::NotFound("client")) };
    let number = |name: &'static str, what: &str| -> Result<Option<u32>, AppError> {
        match values.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| AppError::invalid(name, format!("must be a number of {what}"))),
        }
    };
    let result = match (number("expires_in_days", "days"), number("max_files", "files")) {
        (Ok(expires_in_days), Ok(max_files)) => {
            let fields = AssetRequestFields {
                message: values.get("message").cloned().unwrap_or_default(),
                expires_in_days,
                folder: values.get("folder").cloned(),
                max_files,
            };
            service::create(&state, &page.actor, client, &fields, &base_url(&state, &headers)).await
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    let (form, link, status) = match result {
        Ok((_, link)) => (new_request_form(), Some(link), StatusCode::CREATED),
        Err(e @ (AppError::Invalid(_) | AppError::Forbidden(_) | AppError::Conflict { .. })) => {
            (FormState::new(values).with_error(&e), None, e.status())
        }
        Err(e) => return error_page(e),
    };
    match requests_page(&state, &page, client, form, link).await {
        Ok(p) => render(status, &p),
        Err(e) => error_page(e),
    }
}

pub async fn revoke(State(state): State<AppState>, page: PageActor, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<AssetRequestId>() else { return error_page(AppError::NotFound("asset request")) };
    match service::revoke(&state, &page.actor, id).await {
        Ok(request) => {
            Redirect::to(&format!("/clients/{}/requests?notice=request-revoked", request.client_id)).into_response()
        }
        Err(e) => error_page(e),
    }
}

// ---- the public page behind a link -------------------------------------------------------------------------

/// Files one post may carry. With the link's own cap and the per-file size limit, this bounds what one request can
/// make the server read: at most this many files of at most the upload limit each, read and stored one at a time,
/// so memory holds one file, never the whole post. Guessing links is not worth limiting: a link is 256 random bits.
pub const MAX_FILES_PER_POST: u32 = 20;
/// Room for the text fields and the multipart framing around the files.
const FORM_OVERHEAD_BYTES: u64 = 64 * 1024;

/// What happened to one file of a post.
struct FileOutcome {
    filename: String,
    /// Why it was refused; `None` when it is in the library.
    refused: Option<String>,
}

#[derive(Template)]
#[template(path = "upload.html")]
struct UploadPage {
    layout: Layout,
    client_name: String,
    message: String,
    expires_at: DateTime<Utc>,
    files_left: u32,
    per_post: u32,
    size_limit: String,
    formats: &'static str,
    accept: String,
    form_token: String,
    form: FormState,
    outcomes: Vec<FileOutcome>,
}

impl UploadPage {
    fn received(&self) -> usize {
        self.outcomes.iter().filter(|o| o.refused.is_none()).count()
    }

    fn refused(&self) -> usize {
        self.outcomes.len() - self.received()
    }
}

#[derive(Template)]
#[template(path = "upload_closed.html")]
struct ClosedPage {
    layout: Layout,
    heading: String,
    message: String,
    received: usize,
}

/// The upload limit as people read it.
fn size_text(limit: usize) -> String {
    match limit % (1024 * 1024) {
        0 => format!("{} MB", limit / 1024 / 1024),
        _ => format!("{limit} bytes"),
    }
}

/// The form token of a link's page.
///
/// The public pages have no session, so the double-submit cookie of `auth::csrf` has nothing to protect, and they
/// live outside that middleware (which would also refuse every multipart post). What a cross-site post would
/// abuse here is not a session but the link itself, and a page that knows the link can post without anyone's
/// browser. So the protection is that the link's secret must be known: the form carries a token derived from it
/// (not the secret itself, which need not appear twice in the page), browsers that say a post comes from another
/// site (`Sec-Fetch-Site: cross-site`) are refused, and the pages tell browsers never to send the address on as a
/// referrer.
fn form_token(secret: &str) -> String {
    let digest = Sha256::digest(format!("chorus upload form\0{secret}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Headers of every public page: its address is a secret, and nothing of it should be cached, indexed or passed on.
fn private(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert("x-robots-tag", HeaderValue::from_static("noindex, nofollow"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

fn closed_page(closed: Option<Closed>, received: usize) -> Response {
    let (status, heading, message) = match closed {
        None => (
            StatusCode::NOT_FOUND,
            "This link is not valid",
            "Check that you copied the whole link. If it still does not work, ask whoever sent it for a new one."
                .to_string(),
        ),
        Some(Closed::Expired(at)) => (
            StatusCode::GONE,
            "This link has expired",
            format!(
                "It stopped taking files on {}. Ask whoever sent it for a new one.",
                at.format("%-d %B %Y at %H:%M UTC")
            ),
        ),
        Some(Closed::Revoked) => (
            StatusCode::GONE,
            "This link was withdrawn",
            "It no longer takes files. If you still have files to send, ask whoever sent it for a new link."
                .to_string(),
        ),
        Some(Closed::Full(n)) => (
            StatusCode::GONE,
            "This link has all its files",
            format!(
                "It was meant for {n} file{} and has received them. Ask whoever sent it for a new link to send more.",
                if n == 1 { "" } else { "s" }
            ),
        ),
        Some(Closed::Unavailable) => {
            (StatusCode::GONE, "This link no longer works", "Ask whoever sent it for a new one.".to_string())
        }
    };
    let page = ClosedPage {
        layout: Layout::public(heading.to_string(), String::new()),
        heading: heading.to_string(),
        message,
        received,
    };
    private(render(status, &page))
}

fn upload_page(
    state: &AppState,
    link: &OpenLink,
    secret: &str,
    form: FormState,
    outcomes: Vec<FileOutcome>,
) -> UploadPage {
    UploadPage {
        layout: Layout::public(format!("Files for {}", link.client_name), String::new()),
        client_name: link.client_name.clone(),
        message: link.request.message.clone(),
        expires_at: link.request.expires_at,
        files_left: link.request.files_left(),
        per_post: MAX_FILES_PER_POST,
        size_limit: size_text(state.config.max_upload_bytes),
        formats: "JPEG, PNG, GIF and WebP images; MP4 and MOV videos",
        accept: MediaType::ALL.iter().map(MediaType::as_str).collect::<Vec<_>>().join(","),
        form_token: form_token(secret),
        form,
        outcomes,
    }
}

pub async fn show(State(state): State<AppState>, Path(secret): Path<String>) -> Response {
    match service::open(&state, &secret, Utc::now()).await {
        Ok(Link::Open(link)) => {
            private(render(StatusCode::OK, &upload_page(&state, &link, &secret, FormState::default(), Vec::new())))
        }
        Ok(Link::Closed(closed)) => closed_page(Some(closed), 0),
        Ok(Link::Unknown) => closed_page(None, 0),
        Err(e) => private(error_page(e)),
    }
}

/// Why a post could not even be read as the upload form.
fn form_error(field: &str, message: impl Into<String>) -> AppError {
    AppError::invalid(field, message)
}

fn multipart_error(e: multer::Error, limit: usize) -> AppError {
    match e {
        multer::Error::FieldSizeExceeded { field_name, .. } if field_name.as_deref() == Some("files") => {
            AppError::TooLarge(format!("a file is larger than the {} a file may be", size_text(limit)))
        }
        multer::Error::FieldSizeExceeded { field_name, .. } => {
            AppError::TooLarge(format!("the field {} is too long", field_name.unwrap_or_default()))
        }
        multer::Error::StreamSizeExceeded { .. } => AppError::TooLarge(format!(
            "send at most {MAX_FILES_PER_POST} files of at most {} each at once",
            size_text(limit)
        )),
        other => AppError::BadRequest(format!("the form could not be read: {other}")),
    }
}

pub async fn upload(
    State(state): State<AppState>,
    Path(secret): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let cross_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()).is_some_and(|v| v == "cross-site");
    if cross_site {
        return private(
            (
                StatusCode::FORBIDDEN,
                super::plain_error_page(
                    "This form came from another site",
                    "Open the link you were sent and upload from that page.",
                ),
            )
                .into_response(),
        );
    }
    let mut link = match service::open(&state, &secret, Utc::now()).await {
        Ok(Link::Open(link)) => link,
        Ok(Link::Closed(closed)) => return closed_page(Some(closed), 0),
        Ok(Link::Unknown) => return closed_page(None, 0),
        Err(e) => return private(error_page(e)),
    };
    match receive_files(&state, &mut link, &secret, &headers, body).await {
        Ok((form, outcomes)) => {
            let refused = outcomes.iter().any(|o| o.refused.is_some());
            let received = outcomes.len() - outcomes.iter().filter(|o| o.refused.is_some()).count();
            // A link that just took its last file says so, with what was received.
            if !refused && link.request.status(Utc::now()) == AssetRequestStatus::Full {
                return closed_page(Some(Closed::Full(link.request.max_files)), received);
            }
            let status = if refused { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
            private(render(status, &upload_page(&state, &link, &secret, form, outcomes)))
        }
        Err((form, e)) => {
            let status = e.status();
            let form = form.with_error(&e);
            private(render(status, &upload_page(&state, &link, &secret, form, Vec::new())))
        }
    }
}

/// Reads the post a part at a time and stores each file as it arrives. The name, note and form token come before
/// the files in the page's form, so they are checked before any file is stored. Returns the form as sent and what
/// happened to each file; an error means no file was stored.
async fn receive_files(
    state: &AppState,
    link: &mut OpenLink,
    secret: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<(FormState, Vec<FileOutcome>), (FormState, AppError)> {
    let mut form = FormState::default();
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let Ok(boundary) = multer::parse_boundary(content_type) else {
        return Err((form, AppError::BadRequest("send the form as multipart/form-data".into())));
    };
    let limit = state.config.max_upload_bytes;
    let whole = u64::try_from(limit)
        .unwrap_or(u64::MAX)
        .saturating_mul(u64::from(MAX_FILES_PER_POST))
        .saturating_add(FORM_OVERHEAD_BYTES);
    let constraints = multer::Constraints::new().size_limit(
        multer::SizeLimit::new()
            .whole_stream(whole)
            .per_field(u64::try_from(limit).unwrap_or(u64::MAX))
            .for_field("form_token", 1024)
            .for_field("name", 4096)
            .for_field("note", 16 * 1024),
    );
    let mut multipart = multer::Multipart::with_constraints(body.into_data_stream(), boundary, constraints);
    let mut uploader: Option<Uploader> = None;
    let mut outcomes: Vec<FileOutcome> = Vec::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                let e = multipart_error(e, limit);
                // What was stored stays stored; the rest of the post is lost with the error.
                if outcomes.is_empty() {
                    return Err((form, e));
                }
                outcomes.push(FileOutcome { filename: "the remaining files".into(), refused: Some(e.to_string()) });
                break;
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        if name != "files" {
            if uploader.is_some() {
                // Fields after the first file are ignored: what the uploader typed was settled before it.
                continue;
            }
            match field.text().await {
                Ok(text) => {
                    form.values.insert(name, text);
                }
                Err(e) => return Err((form, multipart_error(e, limit))),
            }
            continue;
        }
        let filename = field.file_name().map(str::to_string).unwrap_or_default();
        if uploader.is_none() {
            let given = form.value("form_token");
            if !crate::auth::tokens::constant_time_eq(given, &form_token(secret)) {
                return Err((
                    form,
                    AppError::Forbidden(
                        "This form has expired. Open the link again and send the files from there.".into(),
                    ),
                ));
            }
            match Uploader::parse(form.value("name"), form.value("note")) {
                Ok(u) => uploader = Some(u),
                Err(e) => return Err((form, e)),
            }
        }
        let Some(who) = uploader.as_ref() else { continue };
        let bytes = match field.bytes().await {
            Ok(bytes) => bytes,
            Err(e) => {
                outcomes.push(FileOutcome { filename, refused: Some(multipart_error(e, limit).to_string()) });
                break;
            }
        };
        // A file input left empty still sends a part, without a name or bytes.
        if filename.is_empty() && bytes.is_empty() {
            continue;
        }
        let shown = chorus_domain::media::sanitize_filename(&filename);
        if outcomes.len() >= MAX_FILES_PER_POST as usize {
            outcomes.push(FileOutcome {
                filename: shown,
                refused: Some(format!("send at most {MAX_FILES_PER_POST} files at once; send this one again")),
            });
            continue;
        }
        if link.request.files_left() == 0 {
            outcomes.push(FileOutcome { filename: shown, refused: Some("this link takes no more files".into()) });
            continue;
        }
        let refused = match service::receive(state, link, who, Some(&filename), &bytes).await {
            Ok(_) => None,
            Err(AppError::Internal(detail)) => {
                tracing::error!(error = %detail, "an upload through a link failed");
                Some("it could not be stored because of a problem on our side; try again later".to_string())
            }
            Err(AppError::Unavailable) => Some("it could not be stored just now; try again shortly".to_string()),
            // The field is always the file itself; only the words matter here.
            Err(AppError::Invalid(invalid)) => {
                Some(invalid.errors.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("; "))
            }
            Err(e) => Some(e.to_string()),
        };
        outcomes.push(FileOutcome { filename: shown, refused });
    }
    if uploader.is_none() {
        // No file came: say what is missing, name first.
        let given = form.value("form_token");
        if !crate::auth::tokens::constant_time_eq(given, &form_token(secret)) {
            return Err((
                form,
                AppError::Forbidden("This form has expired. Open the link again and send the files from there.".into()),
            ));
        }
        if let Err(e) = Uploader::parse(form.value("name"), form.value("note")) {
            return Err((form, e));
        }
    }
    if outcomes.is_empty() {
        return Err((form, form_error("files", "choose at least one photo or video to send")));
    }
    // A successful post empties the file input but keeps who is sending, for the next batch.
    form.values.remove("form_token");
    Ok((form, outcomes))
}
