//! The import page: a CSV file of posts checked ("Check only") or imported, with the report of every problem by
//! line. The same service as the API's import does the work.

use askama::Template;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use chorus_domain::{Client, ClientId};

use super::{FormState, Layout, Section, error_page, render};
use crate::auth::PageActor;
use crate::auth::csrf::{FORM_FIELD, cookie_name};
use crate::auth::session::read_cookie;
use crate::services::import::{self as service, ImportReport, MAX_IMPORT_BYTES, MAX_IMPORT_ROWS};
use crate::services::posts::IssueSeverity;
use crate::{AppError, AppState};

/// Room for the form's other fields and the multipart framing around the file.
const FORM_OVERHEAD_BYTES: u64 = 64 * 1024;

/// A problem of the report as the table shows it.
struct ProblemRow {
    line: String,
    column: String,
    kind: &'static str,
    message: String,
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    layout: Layout,
    client: Client,
    form: FormState,
    report: Option<ImportReport>,
    problems: Vec<ProblemRow>,
    file_name: String,
    max_mb: usize,
    max_rows: usize,
}

async fn import_page(
    state: &AppState,
    page: &PageActor,
    client_id: ClientId,
    form: FormState,
    report: Option<ImportReport>,
    file_name: String,
) -> Result<ImportPage, AppError> {
    // Only those who may write the client's posts see the page at all.
    service::prepare_import(state, &page.actor, client_id).await?;
    let client = crate::services::client(state, &page.actor, client_id).await?;
    let problems = report
        .iter()
        .flat_map(|r| &r.problems)
        .map(|p| ProblemRow {
            line: p.line.map(|l| l.to_string()).unwrap_or_else(|| "—".to_string()),
            column: p.column.clone().unwrap_or_default(),
            kind: match p.severity {
                IssueSeverity::Error => "error",
                IssueSeverity::Warning => "warning",
            },
            message: p.message.clone(),
        })
        .collect();
    Ok(ImportPage {
        layout: Layout::signed_in(format!("{} · Import posts", client.name), Section::Clients, page),
        client,
        form,
        report,
        problems,
        file_name,
        max_mb: MAX_IMPORT_BYTES / 1024 / 1024,
        max_rows: MAX_IMPORT_ROWS,
    })
}

pub async fn show(State(state): State<AppState>, page: PageActor, Path(client): Path<String>) -> Response {
    let Ok(client) = client.parse::<ClientId>() else { return error_page(AppError::NotFound("client")) };
    match import_page(&state, &page, client, FormState::default(), None, String::new()).await {
        Ok(p) => render(StatusCode::OK, &p),
        Err(e) => error_page(e),
    }
}

/// The double-submitted token: the form's field must equal the cookie, and the post must not come from another
/// site. A multipart form cannot go through the CSRF middleware, which reads url-encoded bodies.
fn csrf_holds(state: &AppState, headers: &HeaderMap, given: &str) -> bool {
    let cross_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()).is_some_and(|v| v == "cross-site");
    let expected = read_cookie(headers, cookie_name(state.config.secure_cookies));
    !cross_site && matches!(expected, Some(e) if e.len() >= 32 && crate::auth::tokens::constant_time_eq(e, given))
}

/// What the form sent: its fields, and the file with its name.
struct Sent {
    form: FormState,
    file: Option<(String, Vec<u8>)>,
}

async fn read_form(headers: &HeaderMap, body: Body) -> Result<Sent, AppError> {
    let too_large = || {
        AppError::TooLarge(format!(
            "the file is larger than {} MB; split it into smaller files",
            MAX_IMPORT_BYTES / 1024 / 1024
        ))
    };
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let boundary = multer::parse_boundary(content_type)
        .map_err(|_| AppError::BadRequest("send the form as multipart/form-data".into()))?;
    let constraints = multer::Constraints::new().size_limit(
        multer::SizeLimit::new()
            .whole_stream(MAX_IMPORT_BYTES as u64 + FORM_OVERHEAD_BYTES)
            .per_field(MAX_IMPORT_BYTES as u64)
            .for_field(FORM_FIELD, 1024)
            .for_field("action", 64),
    );
    let mut multipart = multer::Multipart::with_constraints(body.into_data_stream(), boundary, constraints);
    let mut sent = Sent { form: FormState::default(), file: None };
    let failed = |e: multer::Error| match e {
        multer::Error::FieldSizeExceeded { .. } | multer::Error::StreamSizeExceeded { .. } => too_large(),
        other => AppError::BadRequest(format!("the form could not be read: {other}")),
    };
    while let Some(field) = multipart.next_field().await.map_err(failed)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            let file_name = field.file_name().unwrap_or_default().to_string();
            let bytes = field.bytes().await.map_err(failed)?;
            // A file input left empty still sends a part, without a name or bytes.
            if !(file_name.is_empty() && bytes.is_empty()) {
                sent.file = Some((chorus_domain::media::sanitize_filename(&file_name), bytes.to_vec()));
            }
        } else {
            let text = field.text().await.map_err(failed)?;
            sent.form.values.insert(name, text);
        }
    }
    Ok(sent)
}

/// The form again, with the message beside the field at fault.
async fn refuse(state: &AppState, page: &PageActor, client: ClientId, form: FormState, e: AppError) -> Response {
    let status = e.status();
    match import_page(state, page, client, form.with_error(&e), None, String::new()).await {
        Ok(p) => render(status, &p),
        Err(e) => error_page(e),
    }
}

pub async fn submit(
    State(state): State<AppState>,
    mut page: PageActor,
    Path(client): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Ok(client) = client.parse::<ClientId>() else { return error_page(AppError::NotFound("client")) };
    // Outside the CSRF middleware, so the token for the re-rendered form comes from the cookie.
    page.csrf = read_cookie(&headers, cookie_name(state.config.secure_cookies)).unwrap_or_default().to_string();
    // Who may import is settled before a byte of the file is read.
    let target = match service::prepare_import(&state, &page.actor, client).await {
        Ok(target) => target,
        Err(e) => return error_page(e),
    };
    let sent = match read_form(&headers, body).await {
        Ok(sent) => sent,
        Err(e) => {
            return refuse(&state, &page, client, FormState::default(), AppError::invalid("file", e.to_string())).await;
        }
    };
    if !csrf_holds(&state, &headers, sent.form.value(FORM_FIELD)) {
        let expired = AppError::Forbidden("This form has expired. Reload the page and send the file again.".into());
        return refuse(&state, &page, client, sent.form, expired).await;
    }
    let Some((file_name, bytes)) = sent.file else {
        return refuse(&state, &page, client, sent.form, AppError::invalid("file", "choose a CSV file")).await;
    };
    let dry_run = sent.form.value("action") != "import";
    let report = match service::import_posts(&state, &page.actor, &target, &bytes, dry_run).await {
        Ok(report) => report,
        Err(e) => return refuse(&state, &page, client, sent.form, e).await,
    };
    let status = if report.errors > 0 { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    match import_page(&state, &page, client, FormState::default(), Some(report), file_name).await {
        Ok(p) => render(status, &p),
        Err(e) => error_page(e),
    }
}
