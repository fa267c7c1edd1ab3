//! Posts in bulk: a CSV file of posts checked whole and stored all or nothing, and the client's posts as the same
//! kind of file.
//!
//! # The CSV format
//!
//! UTF-8, with or without a byte order mark; a header row naming the columns, in any order (names are read
//! without regard to case or surrounding spaces); one post per row. Fields with commas, double quotes or line
//! breaks go in double quotes, a double quote inside one written twice (`""`).
//!
//! | column | required | meaning |
//! | --- | --- | --- |
//! | `text` | yes | the base text; each network's variant starts from it |
//! | `networks` | yes | the networks to write a variant for, separated by `;`, e.g. `x;bluesky;linkedin` |
//! | `title` | no | the working title |
//! | `pillar` | no | the name of one of the client's pillars, in any case |
//! | `status` | no | `draft` (when empty), `idea` or `template` |
//! | `sponsored` | no | `true`/`false`, `yes`/`no` or `1`/`0`; empty is `false` |
//! | `link` | no | a web address shared with every variant |
//! | `<network>_text` | no | the text of that network's variant instead of `text`, e.g. `x_text`, `bluesky_text` |
//! | `media` | no | images or videos for every variant: web addresses (fetched into the client's media library on import) or names of files already in it, separated by spaces — or by `\|` when a name has spaces |
//! | `scheduled_at` | no | accepted, but must be empty until the calendar exists |
//!
//! A web address in `media` must be public http(s): one pointing at a private or internal address is an error of
//! its line. A dry run checks what it can without fetching (the address's form, a literal private IP, that named
//! files exist); the import fetches every address before it stores anything, so a file whose media cannot all be
//! fetched stores nothing.
//!
//! Every problem is reported with the physical line of the file it is on (the header is line 1; a quoted field
//! with line breaks spans several lines), its column and what to do about it. Errors stop the import: while any
//! row has one, nothing is stored. Warnings (what a network would flag but a draft may keep) do not.

use std::collections::HashMap;

use chorus_domain::post::MAX_VARIANT_MEDIA;
use chorus_domain::{Action, Actor, ClientId, Denied, PageRequest, Pillar, Post, PostDraft, PostStatus, VariantDraft};
use chorus_domain::{Asset, AssetId, VariantMedia, VariantOptions, authorize};
use chorus_fetch::FetchPolicy;
use chorus_store::{AssetQuery, PostQuery};
use chorus_text::networks::{self, Draft, IssueCode, Network, Severity};
use serde::Serialize;
use url::Url;

use super::posts::IssueSeverity;
use crate::{AppError, AppResult, AppState};

/// The largest file taken, in bytes.
pub const MAX_IMPORT_BYTES: usize = 10 * 1024 * 1024;
/// The most rows (posts) one file may hold, the header not counted.
pub const MAX_IMPORT_ROWS: usize = 10_000;
/// The most distinct web addresses in `media` one file may hold: each is downloaded while the import waits.
pub const MAX_MEDIA_URLS: usize = 200;
/// The largest file a media address may give.
pub const MAX_MEDIA_URL_BYTES: u64 = 50 * 1024 * 1024;

/// One thing wrong (or worth a look) in an imported file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ImportProblem {
    /// The line of the file, the header being line 1; absent when the problem is the whole file's.
    pub line: Option<u64>,
    /// The column, as named in the header; absent when the problem is the row's or the file's.
    #[schema(example = "networks")]
    pub column: Option<String>,
    /// An error stops the import; a warning does not.
    pub severity: IssueSeverity,
    pub message: String,
}

/// What an import did, or would do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// Whether this was only a check: a dry run never stores anything.
    pub dry_run: bool,
    /// The rows (posts) read, the header not counted.
    pub rows: usize,
    /// The rows without errors: the posts the file makes once every error is fixed.
    pub would_create: usize,
    /// The posts stored: all rows when the file has no errors and this was no dry run, else 0.
    pub created: usize,
    /// The problems of severity `error`; while there is one, nothing is stored.
    pub errors: usize,
    /// The problems of severity `warning`.
    pub warnings: usize,
    /// Every problem, in the order of the file.
    pub problems: Vec<ImportProblem>,
}

/// A client the actor may import posts into, with its pillars; made by [`prepare_import`], before the file is read.
#[derive(Debug, Clone)]
pub struct ImportTarget {
    client: ClientId,
    pillars: Vec<Pillar>,
}

/// What the `media` column is checked against: the client's media library by file name (in lower case), and
/// the policy web addresses must keep to.
#[derive(Debug, Clone, Default)]
pub struct MediaContext {
    pub library: HashMap<String, AssetId>,
    /// The library's files by id, so the dry run can hold them to each network's media rules.
    pub assets: HashMap<AssetId, Asset>,
    pub policy: FetchPolicy,
}

/// One entry of a row's `media` cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaRef {
    Asset(AssetId),
    Url(Url),
}

/// The drafts of a file's rows, with what each row's `media` cell named and the row's line.
#[derive(Debug, Default)]
pub struct ParsedRows {
    pub drafts: Vec<PostDraft>,
    pub media: Vec<Vec<MediaRef>>,
    pub lines: Vec<u64>,
}

/// The client's media library by file name (a name several files share means the newest of them), and its
/// files by id.
async fn library(
    state: &AppState,
    actor: &Actor,
    client: ClientId,
) -> AppResult<(HashMap<String, AssetId>, HashMap<AssetId, Asset>)> {
    let mut names = HashMap::new();
    let mut assets = HashMap::new();
    let mut page = PageRequest::first(chorus_domain::page::MAX_LIMIT);
    loop {
        let found = state.store.list_assets(actor.organization, client, &AssetQuery::default(), &page).await?;
        for asset in found.items {
            names.entry(asset.filename.to_lowercase()).or_insert(asset.id);
            assets.insert(asset.id, asset);
        }
        match found.next_cursor {
            Some(cursor) => page = PageRequest::new(Some(page.limit), Some(&cursor))?,
            None => break,
        }
    }
    Ok((names, assets))
}

/// Whether the file's header names a `media` column, so the library is only read when it is needed.
fn has_media_column(csv: &[u8]) -> bool {
    let first_line = csv.split(|&b| b == b'\n').next().unwrap_or_default();
    String::from_utf8_lossy(first_line).to_lowercase().contains("media")
}

/// Checks that the actor may write the client's content, before anything of a file is read.
pub async fn prepare_import(state: &AppState, actor: &Actor, client: ClientId) -> AppResult<ImportTarget> {
    authorize(actor, Action::EditContent(client)).map_err(|denied| match denied {
        Denied::NotFound => AppError::NotFound("client"),
        other => other.into(),
    })?;
    let pillars = state.store.list_pillars(actor.organization, client).await?;
    Ok(ImportTarget { client, pillars })
}

/// Reads and checks `csv`; unless this is a dry run and when it has no error, stores every post it holds in one
/// go. A file with errors stores nothing.
pub async fn import_posts(
    state: &AppState,
    actor: &Actor,
    target: &ImportTarget,
    csv: &[u8],
    dry_run: bool,
) -> AppResult<ImportReport> {
    let (library, assets) =
        if has_media_column(csv) { library(state, actor, target.client).await? } else { Default::default() };
    let media = MediaContext { library, assets, policy: state.fetcher.policy().clone() };
    let (mut rows, mut report) = parse_rows(csv, &target.pillars, &media);
    report.dry_run = dry_run;
    if report.errors > 0 || dry_run || rows.drafts.is_empty() {
        return Ok(report);
    }
    // Every address is fetched before anything is stored; one that fails stores nothing.
    let fetched = match fetch_media(state, actor, target.client, &rows).await? {
        Ok(fetched) => fetched,
        Err(problems) => {
            let mut all = report.problems;
            all.extend(problems);
            all.sort_by_key(|p| p.line);
            let mut refused = self::report(report.rows, 0, all);
            refused.dry_run = false;
            return Ok(refused);
        }
    };
    for (draft, refs) in rows.drafts.iter_mut().zip(&rows.media) {
        let attached: Vec<VariantMedia> = refs
            .iter()
            .filter_map(|r| match r {
                MediaRef::Asset(id) => Some(*id),
                MediaRef::Url(url) => fetched.get(url).copied(),
            })
            .map(|asset_id| VariantMedia { asset_id, alt_text: String::new(), crop: None })
            .collect();
        for variant in &mut draft.variants {
            variant.media = attached.clone();
        }
    }
    match state.store.create_posts(actor.organization, target.client, &rows.drafts, actor.person).await {
        Ok(ids) => {
            report.created = ids.len();
            Ok(report)
        }
        Err(e) => {
            remove_fetched(state, actor, fetched.values().copied()).await;
            Err(e.into())
        }
    }
}

/// Downloads every distinct web address of the file's `media` cells into the client's media library. Either all
/// of them, by address, or the problems (per line) of those that failed, with the ones fetched removed again.
async fn fetch_media(
    state: &AppState,
    actor: &Actor,
    client: ClientId,
    rows: &ParsedRows,
) -> AppResult<Result<HashMap<Url, AssetId>, Vec<ImportProblem>>> {
    let mut fetched: HashMap<Url, AssetId> = HashMap::new();
    let mut failed: HashMap<Url, String> = HashMap::new();
    let mut problems = Vec::new();
    let max = MAX_MEDIA_URL_BYTES.min(state.config.max_upload_bytes as u64);
    for (refs, line) in rows.media.iter().zip(&rows.lines) {
        for url in refs.iter().filter_map(|r| match r {
            MediaRef::Url(url) => Some(url),
            MediaRef::Asset(_) => None,
        }) {
            if fetched.contains_key(url) {
                continue;
            }
            let why = match failed.get(url) {
                Some(why) => Some(why.clone()),
                None => match fetch_one(state, actor, client, url, max).await {
                    Ok(asset) => {
                        fetched.insert(url.clone(), asset);
                        None
                    }
                    Err(why) => {
                        failed.insert(url.clone(), why.clone());
                        Some(why)
                    }
                },
            };
            if let Some(why) = why {
                problems.push(ImportProblem {
                    line: Some(*line),
                    column: Some("media".to_string()),
                    severity: IssueSeverity::Error,
                    message: format!("{url} could not be added: {why}; nothing was imported"),
                });
            }
        }
    }
    if problems.is_empty() {
        return Ok(Ok(fetched));
    }
    remove_fetched(state, actor, fetched.values().copied()).await;
    Ok(Err(problems))
}

async fn fetch_one(state: &AppState, actor: &Actor, client: ClientId, url: &Url, max: u64) -> Result<AssetId, String> {
    let body = state.fetcher.get(url.as_str(), max).await.map_err(|e| e.to_string())?;
    if let Some(kind) = body.content_type.as_deref().filter(|t| t.starts_with("text/") || t.contains("html")) {
        return Err(format!("it is {kind}, not an image or video"));
    }
    let target = super::media::prepare_upload(state, actor, client).await.map_err(|e| e.to_string())?;
    let name = super::feeds::file_name(&body.url);
    let asset =
        super::media::upload(state, actor, &target, Some(&name), &body.body).await.map_err(|e| e.to_string())?;
    Ok(asset.id)
}

/// Removes assets fetched for an import that stored nothing; one that cannot be removed is only logged.
async fn remove_fetched(state: &AppState, actor: &Actor, assets: impl Iterator<Item = AssetId>) {
    for asset in assets {
        if let Err(e) = super::media::delete(state, actor, asset).await {
            tracing::warn!(error = %e, %asset, "could not remove a media file fetched for an import that failed");
        }
    }
}

/// All the client's posts, oldest first, as a CSV file in the format [`import_posts`] reads.
pub async fn export_posts(state: &AppState, actor: &Actor, client: ClientId) -> AppResult<String> {
    super::client(state, actor, client).await?;
    let pillars = state.store.list_pillars(actor.organization, client).await?;
    let query = PostQuery { access: actor.access.clone(), client: Some(client), status: None, search: None };
    let mut posts = Vec::new();
    let mut page = PageRequest::first(chorus_domain::page::MAX_LIMIT);
    loop {
        let found = state.store.list_posts(actor.organization, &query, &page).await?;
        posts.extend(found.items);
        match found.next_cursor {
            Some(cursor) => page = PageRequest::new(Some(page.limit), Some(&cursor))?,
            None => break,
        }
    }
    posts.reverse();
    to_csv(&posts, &pillars)
}

// ---- writing ---------------------------------------------------------------------------------------------

fn to_csv(posts: &[Post], pillars: &[Pillar]) -> AppResult<String> {
    let failed = |e: csv::Error| AppError::Internal(format!("cannot write CSV: {e}"));
    let mut out = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    let mut header: Vec<String> =
        ["title", "status", "pillar", "sponsored", "networks", "text", "link"].map(String::from).to_vec();
    header.extend(Network::ALL.iter().map(|n| format!("{}_text", n.as_str())));
    out.write_record(&header).map_err(failed)?;
    for post in posts {
        let pillar = post
            .pillar_id
            .and_then(|id| pillars.iter().find(|p| p.id == id))
            .map(|p| p.name.as_str().to_string())
            .unwrap_or_default();
        let networks: Vec<&str> = post.variants.iter().map(|v| v.network.as_str()).collect();
        let link = post.variants.iter().map(|v| v.link.as_str()).find(|l| !l.is_empty()).unwrap_or_default();
        let mut record = vec![
            post.title.clone(),
            post.status.as_str().to_string(),
            pillar,
            post.sponsored.to_string(),
            networks.join(";"),
            post.base_text.clone(),
            link.to_string(),
        ];
        record.extend(Network::ALL.iter().map(|network| {
            post.variants
                .iter()
                .find(|v| v.network == *network && v.text != post.base_text)
                .map(|v| v.text.clone())
                .unwrap_or_default()
        }));
        out.write_record(&record).map_err(failed)?;
    }
    let bytes = out.into_inner().map_err(|e| AppError::Internal(format!("cannot write CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| AppError::Internal(format!("cannot write CSV: {e}")))
}

// ---- reading ---------------------------------------------------------------------------------------------

/// A column of the format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Title,
    Text,
    Networks,
    Pillar,
    Status,
    Sponsored,
    Link,
    Media,
    ScheduledAt,
    NetworkText(Network),
}

impl Column {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "title" => Column::Title,
            "text" => Column::Text,
            "networks" => Column::Networks,
            "pillar" => Column::Pillar,
            "status" => Column::Status,
            "sponsored" => Column::Sponsored,
            "link" => Column::Link,
            "media" => Column::Media,
            "scheduled_at" => Column::ScheduledAt,
            other => {
                let network = other.strip_suffix("_text")?;
                Column::NetworkText(Network::ALL.into_iter().find(|n| n.as_str() == network)?)
            }
        })
    }
}

fn valid_networks() -> String {
    Network::ALL.map(|n| n.as_str()).join(", ")
}

fn valid_columns() -> String {
    "title, text, networks, pillar, status, sponsored, link, media, scheduled_at and <network>_text \
     (e.g. x_text, bluesky_text)"
        .to_string()
}

/// Collects the problems of a file.
#[derive(Default)]
struct Problems(Vec<ImportProblem>);

impl Problems {
    fn add(&mut self, line: u64, column: Option<&str>, severity: IssueSeverity, message: impl Into<String>) {
        self.0.push(ImportProblem {
            line: Some(line),
            column: column.map(str::to_string),
            severity,
            message: message.into(),
        });
    }

    fn error(&mut self, line: u64, column: &str, message: impl Into<String>) {
        self.add(line, Some(column), IssueSeverity::Error, message);
    }
}

fn report(rows: usize, would_create: usize, problems: Vec<ImportProblem>) -> ImportReport {
    let errors = problems.iter().filter(|p| p.severity == IssueSeverity::Error).count();
    ImportReport { dry_run: true, rows, would_create, created: 0, errors, warnings: problems.len() - errors, problems }
}

/// A file that cannot be read at all: one error, nothing else.
fn unreadable(line: Option<u64>, message: impl Into<String>) -> (ParsedRows, ImportReport) {
    let problem = ImportProblem { line, column: None, severity: IssueSeverity::Error, message: message.into() };
    (ParsedRows::default(), report(0, 0, vec![problem]))
}

/// The line (1-based) that byte `at` of `bytes` is on.
fn line_at(bytes: &[u8], at: usize) -> u64 {
    bytes[..at.min(bytes.len())].iter().filter(|&&b| b == b'\n').count() as u64 + 1
}

/// The line of a double quote that opens a quoted field and is never closed, if any.
fn unclosed_quote(text: &str) -> Option<u64> {
    let mut line = 1;
    let mut opened_on = None;
    for b in text.bytes() {
        match b {
            b'\n' => line += 1,
            b'"' => opened_on = if opened_on.is_some() { None } else { Some(line) },
            _ => {}
        }
    }
    opened_on
}

/// Reads a CSV file of posts for a client with these pillars and no media library: the drafts of its rows in
/// order, and every problem found. The drafts are only to be stored when the report has no error.
pub fn parse(bytes: &[u8], pillars: &[Pillar]) -> (Vec<PostDraft>, ImportReport) {
    let (rows, report) = parse_rows(bytes, pillars, &MediaContext::default());
    (rows.drafts, report)
}

/// Reads a CSV file as [`parse`] does, checking `media` cells against `media`: the drafts (without their media
/// yet), what each row's `media` named, and every problem found.
pub fn parse_rows(bytes: &[u8], pillars: &[Pillar], media: &MediaContext) -> (ParsedRows, ImportReport) {
    if bytes.len() > MAX_IMPORT_BYTES {
        return unreadable(
            None,
            format!("the file is larger than {} MB; split it into smaller files", MAX_IMPORT_BYTES / 1024 / 1024),
        );
    }
    let (bom, body) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (3, rest),
        None => (0, bytes),
    };
    let text = match std::str::from_utf8(body) {
        Ok(text) => text,
        Err(e) => {
            let at = e.valid_up_to();
            return unreadable(
                Some(line_at(body, at)),
                format!(
                    "line {} is not valid UTF-8 (byte {} of the file); save the file as UTF-8 (\"CSV UTF-8\" in \
                     spreadsheet programs)",
                    line_at(body, at),
                    at + bom + 1
                ),
            );
        }
    };
    if text.trim().is_empty() {
        return unreadable(Some(1), "the file is empty; it needs a header row (e.g. text,networks) and a row per post");
    }
    if let Some(line) = unclosed_quote(text) {
        return unreadable(
            Some(line),
            format!(
                "a double quote on line {line} opens a quoted field that is never closed; close it, and write a \
                 double quote inside a field as two (\"\")"
            ),
        );
    }

    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(false).from_reader(text.as_bytes());
    let header = match reader.headers() {
        Ok(header) => header.clone(),
        Err(e) => return unreadable(Some(1), format!("the header row cannot be read: {e}")),
    };
    let mut problems = Problems::default();
    let mut columns: Vec<Option<Column>> = Vec::with_capacity(header.len());
    for name in &header {
        let name = name.trim().to_lowercase();
        let column = Column::parse(&name);
        if column.is_none() {
            problems.error(
                1,
                &name,
                format!("unknown column '{name}'; the columns are {}; rename or remove it", valid_columns()),
            );
        } else if columns.contains(&column) {
            problems.error(1, &name, format!("the column '{name}' appears twice; keep one"));
        }
        columns.push(column);
    }
    for (required, name) in [(Column::Text, "text"), (Column::Networks, "networks")] {
        if !columns.contains(&Some(required)) {
            problems.error(1, name, format!("the header has no '{name}' column; add it (it is required)"));
        }
    }
    let names: Vec<String> = header.iter().map(|n| n.trim().to_lowercase()).collect();

    let mut parsed = ParsedRows::default();
    let mut urls: Vec<Url> = Vec::new();
    let mut rows = 0;
    let mut clean_rows = 0;
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| p.line());
                let message = match e.kind() {
                    csv::ErrorKind::UnequalLengths { expected_len, len, .. } => format!(
                        "line {} has {len} fields but the header has {expected_len}; a field holding a comma, a \
                         double quote or a line break must be in double quotes",
                        line.unwrap_or_default()
                    ),
                    _ => format!("the file cannot be read as CSV: {e}"),
                };
                return unreadable(line, message);
            }
        }
        rows += 1;
        let line = record.position().map_or(0, |p| p.line());
        if rows > MAX_IMPORT_ROWS {
            return unreadable(
                Some(line),
                format!("the file has more than {MAX_IMPORT_ROWS} rows; split it into files of at most that many"),
            );
        }
        let errors_before = problems.0.iter().filter(|p| p.severity == IssueSeverity::Error).count();
        let row = Row { line, cells: columns.iter().copied().zip(names.iter()).zip(record.iter()).collect() };
        let refs = row.media(media, &mut urls, &mut problems);
        if let Some(draft) = row.draft(pillars, &mut problems) {
            media_rules_of(&draft, &refs, media, line, &mut problems);
            parsed.drafts.push(draft);
            parsed.media.push(refs);
            parsed.lines.push(line);
        }
        let errors_after = problems.0.iter().filter(|p| p.severity == IssueSeverity::Error).count();
        if errors_after == errors_before {
            clean_rows += 1;
        }
    }
    if rows == 0 && problems.0.is_empty() {
        problems.error(1, "text", "the file has a header but no rows; add a row per post");
    }
    (parsed, report(rows, clean_rows, problems.0))
}

/// Holds a row's library files to each of its networks' media rules, as warnings: a draft may keep them until it
/// is scheduled. Files still to be fetched are not known yet, so a row naming any is held to them after import.
fn media_rules_of(draft: &PostDraft, refs: &[MediaRef], media: &MediaContext, line: u64, problems: &mut Problems) {
    let mut files = Vec::with_capacity(refs.len());
    for r in refs {
        match r {
            MediaRef::Asset(id) => files.push(VariantMedia { asset_id: *id, alt_text: String::new(), crop: None }),
            MediaRef::Url(_) => return,
        }
    }
    for variant in &draft.variants {
        let variant = VariantDraft { media: files.clone(), ..variant.clone() };
        for issue in super::posts::check_variant_media(&media.assets, &variant) {
            problems.add(
                line,
                Some("media"),
                IssueSeverity::Warning,
                format!("{}: {} (to fix before it is scheduled)", variant.network.display_name(), issue.message),
            );
        }
    }
}

/// One row: per cell, its column (when known), the column's name and its value.
struct Row<'a> {
    line: u64,
    cells: Vec<((Option<Column>, &'a String), &'a str)>,
}

impl Row<'_> {
    fn get(&self, column: Column) -> Option<(&str, &str)> {
        self.cells.iter().find(|((c, _), _)| *c == Some(column)).map(|((_, name), value)| (name.as_str(), *value))
    }

    fn value(&self, column: Column) -> &str {
        self.get(column).map(|(_, v)| v).unwrap_or_default()
    }

    /// The draft of this row; `None` when it has an error that leaves no draft to build.
    fn draft(&self, pillars: &[Pillar], problems: &mut Problems) -> Option<PostDraft> {
        let line = self.line;
        let mut ok = true;
        if !self.value(Column::ScheduledAt).trim().is_empty() {
            problems.error(
                line,
                "scheduled_at",
                "scheduled_at cannot be imported yet: scheduling arrives with the calendar; leave scheduled_at empty \
                 for now",
            );
            ok = false;
        }
        let status = match self.value(Column::Status).trim().to_lowercase().as_str() {
            "" => PostStatus::Draft,
            raw => match PostStatus::parse(raw) {
                Ok(status) => status,
                Err(_) => {
                    problems.error(line, "status", format!("'{raw}' is not a status; use draft, idea or template"));
                    ok = false;
                    PostStatus::Draft
                }
            },
        };
        let sponsored = match self.value(Column::Sponsored).trim().to_lowercase().as_str() {
            "" | "false" | "no" | "0" => false,
            "true" | "yes" | "1" => true,
            raw => {
                problems.error(
                    line,
                    "sponsored",
                    format!("'{raw}' is not yes or no; use true/false, yes/no or 1/0, or leave it empty for no"),
                );
                ok = false;
                false
            }
        };
        let pillar_id = match self.value(Column::Pillar).trim() {
            "" => None,
            name => match pillars.iter().find(|p| p.name.as_str().to_lowercase() == name.to_lowercase()) {
                Some(pillar) => Some(pillar.id),
                None => {
                    let known: Vec<&str> = pillars.iter().map(|p| p.name.as_str()).collect();
                    let message = if known.is_empty() {
                        format!("this client has no pillar '{name}' (it has no pillars); leave pillar empty")
                    } else {
                        format!("this client has no pillar '{name}'; use one of: {}", known.join(", "))
                    };
                    problems.error(line, "pillar", message);
                    ok = false;
                    None
                }
            },
        };

        let base_text = self.value(Column::Text).to_string();
        let link = self.value(Column::Link).trim().to_string();
        let mut networks = Vec::new();
        for part in self.value(Column::Networks).split(';') {
            let name = part.trim().to_lowercase();
            if name.is_empty() {
                continue;
            }
            match name.parse::<Network>() {
                Ok(network) => networks.push(network),
                Err(_) => {
                    problems.error(
                        line,
                        "networks",
                        format!("'{name}' is not a network; use {} (separated by ;)", valid_networks()),
                    );
                    ok = false;
                }
            }
        }
        if networks.is_empty() && ok && self.get(Column::Networks).is_some() {
            problems.error(line, "networks", "no networks; list at least one, e.g. x;bluesky;linkedin");
            ok = false;
        }
        for ((column, name), value) in &self.cells {
            if let Some(Column::NetworkText(network)) = column
                && !value.is_empty()
                && !networks.contains(network)
                && !self.value(Column::Networks).is_empty()
            {
                problems.error(
                    line,
                    name,
                    format!(
                        "{name} is filled but {} is not in networks; add it there or empty {name}",
                        network.as_str()
                    ),
                );
                ok = false;
            }
        }

        let mut variants = Vec::with_capacity(networks.len());
        for network in &networks {
            let own = self.get(Column::NetworkText(*network)).filter(|(_, v)| !v.is_empty());
            let (column, text) = match own {
                Some((name, text)) => (name.to_string(), text.to_string()),
                None => ("text".to_string(), base_text.clone()),
            };
            if text.trim().is_empty() {
                problems.error(
                    line,
                    &column,
                    format!(
                        "the {} text is empty; write the post in text (or in {}_text)",
                        network.display_name(),
                        network.as_str()
                    ),
                );
                ok = false;
            }
            for issue in networks::check(*network, &Draft::new(&text)) {
                // Only a text over the network's limit is refused; what else a network flags (a title still to
                // write, too many hashtags…) a draft may keep until it is scheduled.
                let severity = match (issue.severity, issue.code) {
                    (Severity::Error, IssueCode::TooLong) => IssueSeverity::Error,
                    _ => IssueSeverity::Warning,
                };
                if severity == IssueSeverity::Error {
                    ok = false;
                }
                let later = if issue.severity == Severity::Error && severity == IssueSeverity::Warning {
                    " (to fix before it is scheduled)"
                } else {
                    ""
                };
                problems.add(
                    line,
                    Some(&column),
                    severity,
                    format!("{}: {}{later}", network.display_name(), issue.message),
                );
            }
            variants.push(VariantDraft {
                network: *network,
                text,
                link: link.clone(),
                first_comment: String::new(),
                thread: Vec::new(),
                media: Vec::new(),
                options: VariantOptions::default(),
            });
        }
        let draft = PostDraft {
            status,
            title: self.value(Column::Title).trim().to_string(),
            base_text,
            pillar_id,
            sponsored,
            variants,
        };
        if let Err(invalid) = draft.check() {
            for error in invalid.errors {
                let column = self.column_of(&error.field, &draft);
                problems.error(line, &column, error.message);
                ok = false;
            }
        }
        ok.then_some(draft)
    }

    /// What the row's `media` cell names, each checked as far as it can be without fetching. `urls` collects the
    /// distinct addresses of the file so far, to hold them to [`MAX_MEDIA_URLS`].
    fn media(&self, media: &MediaContext, urls: &mut Vec<Url>, problems: &mut Problems) -> Vec<MediaRef> {
        let cell = self.value(Column::Media).trim();
        // `|` separates when it is there, so names with spaces can be written; spaces otherwise.
        let parts: Vec<&str> =
            if cell.contains('|') { cell.split('|').collect() } else { cell.split_whitespace().collect() };
        let mut refs = Vec::new();
        for part in parts.into_iter().map(str::trim).filter(|p| !p.is_empty()) {
            if part.contains("://") {
                match chorus_fetch::check_url(part, &media.policy) {
                    Ok(url) => {
                        if !urls.contains(&url) {
                            if urls.len() == MAX_MEDIA_URLS {
                                problems.error(
                                    self.line,
                                    "media",
                                    format!(
                                        "the file names more than {MAX_MEDIA_URLS} web addresses in media; upload \
                                         the files to the media library and give their names instead"
                                    ),
                                );
                                continue;
                            }
                            urls.push(url.clone());
                        }
                        if refs.contains(&MediaRef::Url(url.clone())) {
                            problems.error(self.line, "media", format!("{url} is named twice; name each file once"));
                        } else {
                            refs.push(MediaRef::Url(url));
                        }
                    }
                    Err(e) => problems.error(self.line, "media", format!("{part} cannot be used: {e}")),
                }
            } else {
                match media.library.get(&part.to_lowercase()) {
                    Some(id) if refs.contains(&MediaRef::Asset(*id)) => {
                        problems.error(self.line, "media", format!("“{part}” is named twice; name each file once"))
                    }
                    Some(id) => refs.push(MediaRef::Asset(*id)),
                    None => problems.error(
                        self.line,
                        "media",
                        format!(
                            "the media library has no file named “{part}”; upload it first, check the name, or give \
                             a web address (https://…)"
                        ),
                    ),
                }
            }
        }
        if refs.len() > MAX_VARIANT_MEDIA {
            problems.error(
                self.line,
                "media",
                format!("{} files; a post carries at most {MAX_VARIANT_MEDIA}", refs.len()),
            );
        }
        refs
    }

    /// The column a field of a draft built from this row came from.
    fn column_of(&self, field: &str, draft: &PostDraft) -> String {
        if field == "base_text" {
            return "text".to_string();
        }
        let Some(rest) = field.strip_prefix("variants[") else { return field.to_string() };
        let (index, member) = rest.split_once("].").unwrap_or((rest, ""));
        let network = index.parse::<usize>().ok().and_then(|i| draft.variants.get(i)).map(|v| v.network);
        match (member, network) {
            ("link", _) => "link".to_string(),
            ("network", _) => "networks".to_string(),
            ("text", Some(network)) => match self.get(Column::NetworkText(network)) {
                Some((name, value)) if !value.is_empty() => name.to_string(),
                _ => "text".to_string(),
            },
            _ => field.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(csv: &str) -> Vec<(Option<u64>, Option<String>, IssueSeverity)> {
        parse(csv.as_bytes(), &[]).1.problems.into_iter().map(|p| (p.line, p.column, p.severity)).collect()
    }

    #[test]
    fn lines_are_physical_lines_of_the_file() {
        let csv = "text,networks,status\n\"two\nlines\",x,draft\nok,myspace,draft\nok,x,nope\n";
        assert_eq!(
            problems(csv),
            [
                (Some(4), Some("networks".into()), IssueSeverity::Error),
                (Some(5), Some("status".into()), IssueSeverity::Error)
            ]
        );
    }

    #[test]
    fn over_long_texts_are_errors_and_other_network_flags_warnings() {
        let long = "a".repeat(300);
        let csv = format!("text,networks\n{long},x;youtube\n");
        let found = problems(&csv);
        assert!(found.contains(&(Some(2), Some("text".into()), IssueSeverity::Error)), "{found:?}");
        assert!(found.contains(&(Some(2), Some("text".into()), IssueSeverity::Warning)), "{found:?}");
    }

    #[test]
    fn media_cells_name_library_files_or_public_addresses_once_each() {
        let beans = AssetId::new();
        let media = MediaContext {
            library: HashMap::from([("roasted beans.png".to_string(), beans)]),
            assets: HashMap::new(),
            policy: FetchPolicy::default(),
        };
        let many = (0..21).map(|n| format!("https://cdn.example/{n}.png")).collect::<Vec<_>>().join(" ");
        let csv = format!(
            "text,networks,media\n\
             a,x,Roasted Beans.png|https://cdn.example/cup.png\n\
             b,x,https://cdn.example/cup.png https://cdn.example/cup.png\n\
             c,x,{many}\n\
             d,x,http://[::ffff:10.0.0.1]/x.png ftp://cdn.example/x.png\n"
        );
        let (rows, report) = parse_rows(csv.as_bytes(), &[], &media);
        let lines: Vec<Option<u64>> = report.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [Some(3), Some(4), Some(5), Some(5)], "{:?}", report.problems);
        let cup = Url::parse("https://cdn.example/cup.png").unwrap();
        assert_eq!(rows.media[0], [MediaRef::Asset(beans), MediaRef::Url(cup)]);
        assert!(report.problems[2].message.contains("private network"), "{:?}", report.problems[2]);
        assert!(report.problems[3].message.contains("only http and https"), "{:?}", report.problems[3]);
    }

    #[test]
    fn a_quote_never_closed_is_one_error() {
        assert_eq!(problems("text,networks\nhi,x\n\"oops,x\nmore,x\n"), [(Some(3), None, IssueSeverity::Error)]);
    }
}
