//! Posts in bulk, as CSV files: import (checked whole, stored all or nothing) and export.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chorus_domain::ClientId;
use serde::{Deserialize, Serialize};

use crate::auth::ApiActor;
use crate::extract::{ApiPath, ApiQuery, read_body};
use crate::services::import::{self as service, ImportReport, MAX_IMPORT_BYTES};
use crate::{AppResult, AppState, Problem};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// Only check the file and report its problems; nothing is stored. Default `false`.
    #[serde(default)]
    dry_run: bool,
}

/// The answer to a file with errors: a problem document (`urn:chorus:problem:import-invalid`) whose `report`
/// holds the full report, every problem with its line and column. Nothing was stored.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportRefused {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub report: ImportReport,
}

fn problem_json(status: StatusCode, body: impl Serialize) -> Response {
    let mut response = (status, Json(body)).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
    response
}

/// Import posts from a CSV file (UTF-8, header row required, columns by name in any order): `text` and
/// `networks` (e.g. `x;bluesky;linkedin`) are required; `title`, `pillar` (a pillar's name), `status` (`draft`,
/// `idea`, `template`), `sponsored` (true/false, yes/no, 1/0), `link` and `<network>_text` (that network's own
/// text, e.g. `x_text`) are optional; `media` lists images or videos for every variant — web addresses, fetched
/// into the client's media library on import (public http(s) only: private and internal addresses are errors of
/// their line), or names of files already in the library — separated by spaces, or by `|` when a name has spaces;
/// `scheduled_at` must be empty for now. At most 10 MB, 10,000 rows and 200 media addresses.
///
/// The whole file is checked first (a dry run checks media addresses without fetching them). Without errors, every row becomes a post (200, `created`); with `dry_run=true`
/// nothing is stored (200, `would_create`). A file with any error stores nothing and is answered 422 with a
/// problem document (`urn:chorus:problem:import-invalid`) whose `report` field is the full report: every problem
/// with its line in the file (the header is line 1), its column and what to do. Warnings do not stop an import.
#[utoipa::path(post, path = "/clients/{client_id}/posts/import", tag = "posts",
    params(("client_id" = ClientId, Path), ImportParams),
    request_body(content = String, content_type = "text/csv", description = "The CSV file"),
    responses(
        (status = 200, body = ImportReport, description = "Imported, or checked without errors on a dry run"),
        (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 413, body = Problem, description = "The file is larger than 10 MB"),
        (status = 422, body = ImportRefused, content_type = "application/problem+json", description = "The file has errors; nothing was stored; `report` lists them"),
    ))]
pub async fn import(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(client): ApiPath<ClientId>,
    ApiQuery(params): ApiQuery<ImportParams>,
    body: Body,
) -> AppResult<Response> {
    // Who may import is settled before a byte of the file is read.
    let target = service::prepare_import(&state, &caller.actor, client).await?;
    let bytes = read_body(body, MAX_IMPORT_BYTES, || {
        format!("the file is larger than {} MB; split it into smaller files", MAX_IMPORT_BYTES / 1024 / 1024)
    })
    .await?;
    let report = service::import_posts(&state, &caller.actor, &target, &bytes, params.dry_run).await?;
    if report.errors == 0 {
        return Ok(Json(report).into_response());
    }
    let detail = match report.errors {
        1 => "The file has an error; nothing was stored. See `report`.".to_string(),
        n => format!("The file has {n} errors; nothing was stored. See `report`."),
    };
    Ok(problem_json(
        StatusCode::UNPROCESSABLE_ENTITY,
        ImportRefused {
            kind: "urn:chorus:problem:import-invalid".to_string(),
            title: "Unprocessable Entity".to_string(),
            status: StatusCode::UNPROCESSABLE_ENTITY.as_u16(),
            detail,
            report,
        },
    ))
}

/// Export the client's posts, oldest first, as a CSV file in the format the import reads (one `<network>_text`
/// column per network, filled where a variant's text differs from the base text): importing it again gives the
/// same posts. Variant details the format has no column for (first comments, threads, options, a link per
/// network) are not exported.
#[utoipa::path(get, path = "/clients/{client_id}/posts/export", tag = "posts", params(("client_id" = ClientId, Path)),
    responses((status = 200, body = String, content_type = "text/csv", description = "The posts as CSV"), (status = 404, body = Problem)))]
pub async fn export(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(client): ApiPath<ClientId>,
) -> AppResult<Response> {
    let csv = service::export_posts(&state, &caller.actor, client).await?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
            (header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"posts.csv\"")),
        ],
        csv,
    )
        .into_response())
}
