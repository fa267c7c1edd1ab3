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
//! | `media`, `scheduled_at` | no | accepted, but must be empty until the media library and the calendar exist |
//!
//! Every problem is reported with the physical line of the file it is on (the header is line 1; a quoted field
//! with line breaks spans several lines), its column and what to do about it. Errors stop the import: while any
//! row has one, nothing is stored. Warnings (what a network would flag but a draft may keep) do not.

use chorus_domain::{Action, Actor, ClientId, Denied, PageRequest, Pillar, Post, PostDraft, PostStatus, VariantDraft};
use chorus_domain::{VariantOptions, authorize};
use chorus_store::PostQuery;
use chorus_text::networks::{self, Draft, IssueCode, Network, Severity};
use serde::Serialize;

use super::posts::IssueSeverity;
use crate::{AppError, AppResult, AppState};

/// The largest file taken, in bytes.
pub const MAX_IMPORT_BYTES: usize = 10 * 1024 * 1024;
/// The most rows (posts) one file may hold, the header not counted.
pub const MAX_IMPORT_ROWS: usize = 10_000;

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
    let (drafts, mut report) = parse(csv, &target.pillars);
    report.dry_run = dry_run;
    if report.errors == 0 && !dry_run && !drafts.is_empty() {
        let ids = state.store.create_posts(actor.organization, target.client, &drafts, actor.person).await?;
        report.created = ids.len();
    }
    Ok(report)
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
fn unreadable(line: Option<u64>, message: impl Into<String>) -> (Vec<PostDraft>, ImportReport) {
    let problem = ImportProblem { line, column: None, severity: IssueSeverity::Error, message: message.into() };
    (Vec::new(), report(0, 0, vec![problem]))
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

/// Reads a CSV file of posts for a client with these pillars: the drafts of its rows in order, and every problem
/// found. The drafts are only to be stored when the report has no error.
pub fn parse(bytes: &[u8], pillars: &[Pillar]) -> (Vec<PostDraft>, ImportReport) {
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

    let mut drafts = Vec::new();
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
        if let Some(draft) = row.draft(pillars, &mut problems) {
            drafts.push(draft);
        }
        let errors_after = problems.0.iter().filter(|p| p.severity == IssueSeverity::Error).count();
        if errors_after == errors_before {
            clean_rows += 1;
        }
    }
    if rows == 0 && problems.0.is_empty() {
        problems.error(1, "text", "the file has a header but no rows; add a row per post");
    }
    (drafts, report(rows, clean_rows, problems.0))
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
        for (column, name, hint) in [
            (Column::Media, "media", "media arrives with the media library; leave media empty for now"),
            (
                Column::ScheduledAt,
                "scheduled_at",
                "scheduling arrives with the calendar; leave scheduled_at empty for now",
            ),
        ] {
            if !self.value(column).trim().is_empty() {
                problems.error(line, name, format!("{name} cannot be imported yet: {hint}"));
                ok = false;
            }
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
    fn a_quote_never_closed_is_one_error() {
        assert_eq!(problems("text,networks\nhi,x\n\"oops,x\nmore,x\n"), [(Some(3), None, IssueSeverity::Error)]);
    }
}
