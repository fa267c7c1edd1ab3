//! Posts: one idea for a client, tailored per network. Everyone who sees a client sees its posts; those who may
//! edit its content write, change and delete them.
//!
//! The check says, per variant, how each text fares on its network (`chorus_text::networks`: lengths as the
//! network counts them, its other text rules) and against the client's brand voice. It never stops a save: a
//! draft may be unfinished.

use chorus_domain::{
    Action, Actor, BrandVoice, ClientId, Denied, FieldError, Network, Page, PageRequest, Post, PostDraft, PostId,
    PostRevision, PostStatus, VariantDraft, VoiceIssue, authorize,
};
use chorus_store::{PostQuery, StoreError};
use chorus_text::networks::{self, Draft, Field, Limits, Severity};
use serde::Serialize;

use super::strategy::brand_voice;
use crate::{AppError, AppResult, AppState};

/// Refusals to write a client's content: a client out of reach is "not found" as `what`.
fn may_edit(actor: &Actor, client: ClientId, what: &'static str) -> AppResult<()> {
    authorize(actor, Action::EditContent(client)).map_err(|denied| match denied {
        Denied::NotFound => AppError::NotFound(what),
        other => other.into(),
    })
}

/// A pillar that is not the client's is a mistake in the request, not a missing page.
fn pillar_refused(e: StoreError) -> AppError {
    match e {
        StoreError::NotFound("pillar") => {
            AppError::invalid("pillar_id", "this client has no such pillar; choose one of its pillars, or none")
        }
        other => other.into(),
    }
}

/// Posts newest first, of the clients the actor works on; `client` narrows to one of them.
pub async fn list_posts(
    state: &AppState,
    actor: &Actor,
    client: Option<ClientId>,
    status: Option<PostStatus>,
    search: Option<String>,
    page: &PageRequest,
) -> AppResult<Page<Post>> {
    if let Some(client) = client {
        super::client(state, actor, client).await?;
    }
    let search = search.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let query = PostQuery { access: actor.access.clone(), client, status, search };
    Ok(state.store.list_posts(actor.organization, &query, page).await?)
}

/// A post, if the actor sees its client.
pub async fn post(state: &AppState, actor: &Actor, id: PostId) -> AppResult<Post> {
    let post = state.store.post(actor.organization, id).await?;
    authorize(actor, Action::ViewClient(post.client_id)).map_err(|_| AppError::NotFound("post"))?;
    Ok(post)
}

/// A post the actor may change.
async fn post_to_change(state: &AppState, actor: &Actor, id: PostId) -> AppResult<Post> {
    let post = post(state, actor, id).await?;
    may_edit(actor, post.client_id, "post")?;
    Ok(post)
}

pub async fn create_post(state: &AppState, actor: &Actor, client_id: ClientId, draft: PostDraft) -> AppResult<Post> {
    may_edit(actor, client_id, "client")?;
    draft.check()?;
    state.store.create_post(actor.organization, client_id, &draft, actor.person).await.map_err(pillar_refused)
}

/// Saves a post whole. With `revision` (the one the editor loaded), a post someone else saved since is refused
/// with a conflict instead of overwriting their change.
pub async fn update_post(
    state: &AppState,
    actor: &Actor,
    id: PostId,
    draft: PostDraft,
    revision: Option<u32>,
) -> AppResult<Post> {
    post_to_change(state, actor, id).await?;
    draft.check()?;
    state.store.update_post(actor.organization, id, &draft, actor.person, revision).await.map_err(pillar_refused)
}

pub async fn delete_post(state: &AppState, actor: &Actor, id: PostId) -> AppResult<()> {
    post_to_change(state, actor, id).await?;
    Ok(state.store.delete_post(actor.organization, id).await?)
}

/// A copy of the post in `status` (by default the original's). A draft made from a template is how a new post
/// starts from a template; it keeps the template's title.
pub async fn duplicate_post(
    state: &AppState,
    actor: &Actor,
    id: PostId,
    status: Option<PostStatus>,
) -> AppResult<Post> {
    let original = post_to_change(state, actor, id).await?;
    let status = status.unwrap_or(original.status);
    Ok(state.store.duplicate_post(actor.organization, id, actor.person, status).await?)
}

/// Every saved state of the post, newest first.
pub async fn post_revisions(state: &AppState, actor: &Actor, id: PostId) -> AppResult<Vec<PostRevision>> {
    post(state, actor, id).await?;
    Ok(state.store.post_revisions(actor.organization, id).await?)
}

/// How a saved post's variants fare on their networks and against the client's brand voice.
pub async fn check_post(state: &AppState, actor: &Actor, id: PostId) -> AppResult<PostCheck> {
    let post = post(state, actor, id).await?;
    let voice = brand_voice(state, actor, post.client_id).await?;
    Ok(check(&voice, &post.to_draft()))
}

/// The same check for text not saved yet, as the composer sends it while someone types. A draft that could not
/// be saved as it is (two variants for one network, a link that is no address) is still checked; what is wrong
/// with it is listed in `problems`.
pub async fn check_draft(
    state: &AppState,
    actor: &Actor,
    client_id: ClientId,
    draft: PostDraft,
) -> AppResult<PostCheck> {
    let voice = brand_voice(state, actor, client_id).await?;
    Ok(check(&voice, &draft))
}

// ---- the check -------------------------------------------------------------------------------------------

/// What the composer shows next to a post: per variant, its meters and what to fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PostCheck {
    /// Issues a network would refuse the post for, over all variants: a post with errors cannot be scheduled.
    pub errors: usize,
    /// Everything else worth a look: network warnings and brand voice issues.
    pub warnings: usize,
    /// What keeps the draft from being saved as it is (e.g. a link that is no web address); a saved post has none.
    pub problems: Vec<FieldError>,
    /// Brand voice issues of the base text.
    pub base_text: Vec<VoiceFinding>,
    /// One per variant, in the post's order.
    pub variants: Vec<VariantCheck>,
}

/// How one variant fares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct VariantCheck {
    #[schema(value_type = String, example = "x")]
    pub network: Network,
    /// A meter per text field the network limits, e.g. 287 of 280.
    pub counts: Vec<TextCount>,
    /// The network's rules the texts break.
    pub issues: Vec<TextProblem>,
    /// The brand voice rules the texts break.
    pub voice: Vec<VoiceFinding>,
}

/// One field's length against the network's limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TextCount {
    /// The variant's field: `text`, `options.title`, `options.content_warning` or `thread[0]`, `thread[1]`…
    #[schema(example = "text")]
    pub field: String,
    pub used: usize,
    pub limit: usize,
    /// What is counted: `graphemes`, `characters` (code points), `utf16_units`, `bytes`, or `weighted` (the
    /// network's own weights, e.g. X's).
    #[schema(example = "weighted")]
    pub unit: String,
    /// How much is left; 0 when over.
    pub remaining: usize,
    pub over: bool,
}

/// Whether an issue blocks scheduling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IssueSeverity {
    /// The network would refuse (or damage) the post.
    Error,
    /// Worth knowing; the post can be scheduled.
    Warning,
}

/// A network rule a text breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TextProblem {
    pub severity: IssueSeverity,
    /// The variant's field, named as in [`TextCount::field`].
    #[schema(example = "text")]
    pub field: String,
    /// For programs: `too_long`, `required`, `forbidden_characters`, `too_many_hashtags`, `too_many_links`,
    /// `links_not_clickable`, `thread_not_supported`, …
    #[schema(example = "too_long")]
    pub code: String,
    /// For people, e.g. "312 of 280 characters — 32 too many".
    pub message: String,
}

/// A brand voice rule a text breaks, and in which field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct VoiceFinding {
    /// The variant's field (or `base_text`), named as in [`TextCount::field`].
    #[schema(example = "text")]
    pub field: String,
    /// `banned_word` or `missing_disclosure`.
    pub code: String,
    pub message: String,
    /// Where the banned word starts and ends in the field, in bytes of its UTF-8 text.
    pub start: Option<usize>,
    pub end: Option<usize>,
}

impl VoiceFinding {
    fn new(field: &str, issue: VoiceIssue) -> Self {
        Self {
            field: field.to_string(),
            code: issue.code.to_string(),
            message: issue.message,
            start: issue.start,
            end: issue.end,
        }
    }
}

/// Networks where a post can continue as a thread.
fn has_threads(network: Network) -> bool {
    matches!(network, Network::X | Network::Threads | Network::Bluesky | Network::Mastodon)
}

/// The variant's field that holds a network's text field: the main copy is always the variant's `text`.
fn field_name(field: Field) -> &'static str {
    match field {
        Field::Text | Field::Description => "text",
        Field::Title => "options.title",
        Field::ContentWarning => "options.content_warning",
    }
}

fn non_empty(text: &str) -> Option<&str> {
    (!text.is_empty()).then_some(text)
}

fn check(voice: &BrandVoice, draft: &PostDraft) -> PostCheck {
    let problems = draft.check().err().map(|invalid| invalid.errors).unwrap_or_default();
    let base_text: Vec<VoiceFinding> =
        voice.check(&draft.base_text, false).into_iter().map(|i| VoiceFinding::new("base_text", i)).collect();
    let variants: Vec<VariantCheck> = draft.variants.iter().map(|v| check_variant(voice, v, draft.sponsored)).collect();
    let errors = variants.iter().flat_map(|v| &v.issues).filter(|i| i.severity == IssueSeverity::Error).count();
    let warnings = variants.iter().flat_map(|v| &v.issues).filter(|i| i.severity == IssueSeverity::Warning).count()
        + variants.iter().map(|v| v.voice.len()).sum::<usize>()
        + base_text.len();
    PostCheck { errors, warnings, problems, base_text, variants }
}

fn check_variant(voice: &BrandVoice, variant: &VariantDraft, sponsored: bool) -> VariantCheck {
    let network = variant.network;
    let limits = Limits::default();
    let mut counts = Vec::new();
    let mut issues = Vec::new();
    let mut add = |prefix: Option<&str>, draft: &Draft<'_>| {
        let name = |field: Field| match prefix {
            None => field_name(field).to_string(),
            Some(part) if matches!(field, Field::Text | Field::Description) => part.to_string(),
            Some(part) => format!("{part}.{}", field_name(field)),
        };
        for (field, count) in networks::draft_counts(network, draft, &limits) {
            counts.push(TextCount {
                field: name(field),
                used: count.used,
                limit: count.limit,
                unit: count.unit.as_str().to_string(),
                remaining: count.remaining(),
                over: count.is_over(),
            });
        }
        for issue in networks::check_with(network, draft, &limits) {
            let severity = match issue.severity {
                Severity::Error => IssueSeverity::Error,
                Severity::Warning => IssueSeverity::Warning,
            };
            issues.push(TextProblem {
                severity,
                field: name(issue.field),
                code: issue.code.as_str().to_string(),
                message: issue.message,
            });
        }
    };

    let options = &variant.options;
    let main = Draft {
        text: &variant.text,
        title: non_empty(&options.title),
        description: None,
        content_warning: non_empty(&options.content_warning),
    };
    add(None, &main);
    let threaded = has_threads(network);
    if threaded {
        for (n, part) in variant.thread.iter().enumerate() {
            add(Some(&format!("thread[{n}]")), &Draft::new(part));
        }
    } else if !variant.thread.is_empty() {
        issues.push(TextProblem {
            severity: IssueSeverity::Warning,
            field: "thread".to_string(),
            code: "thread_not_supported".to_string(),
            message: format!("{network} has no threads; only the first part is published"),
        });
    }

    // The brand voice, on everything that gets published: banned words field by field (so that their place can
    // be shown), a sponsored post's disclosure anywhere in it.
    let mut published: Vec<(String, &str)> = vec![("text".to_string(), variant.text.as_str())];
    if network.fields().contains(&Field::Title) {
        published.push(("options.title".to_string(), &options.title));
    }
    if network.fields().contains(&Field::ContentWarning) {
        published.push(("options.content_warning".to_string(), &options.content_warning));
    }
    if threaded {
        published.extend(variant.thread.iter().enumerate().map(|(n, part)| (format!("thread[{n}]"), part.as_str())));
    }
    published.push(("first_comment".to_string(), &variant.first_comment));
    let mut findings: Vec<VoiceFinding> = published
        .iter()
        .flat_map(|(field, text)| voice.check(text, false).into_iter().map(|issue| VoiceFinding::new(field, issue)))
        .collect();
    if sponsored {
        let whole: Vec<&str> = published.iter().map(|(_, text)| *text).collect();
        findings.extend(
            voice
                .check(&whole.join("\n"), true)
                .into_iter()
                .filter(|issue| issue.code == "missing_disclosure")
                .map(|issue| VoiceFinding::new("text", issue)),
        );
    }
    VariantCheck { network, counts, issues, voice: findings }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(json: serde_json::Value) -> PostDraft {
        serde_json::from_value(json).unwrap_or_else(|e| panic!("{e}"))
    }

    fn voice() -> BrandVoice {
        BrandVoice {
            banned_words: vec!["cheap".into()],
            required_disclosures: vec!["#ad".into()],
            ..BrandVoice::default()
        }
    }

    #[test]
    fn every_variant_gets_its_network_meters_and_rules() {
        let checked = check(
            &voice(),
            &draft(serde_json::json!({"base_text": "Cheap base", "variants": [
                {"network": "x", "text": "a".repeat(290), "thread": ["second part", "cheap third"]},
                {"network": "instagram", "text": "Read more at https://example.com/roast"},
                {"network": "youtube", "text": "A description", "options": {"title": ""}},
                {"network": "facebook", "text": "Hi", "thread": ["lost"]},
            ]})),
        );
        let x = &checked.variants[0];
        assert_eq!(x.counts[0].field, "text");
        assert_eq!((x.counts[0].used, x.counts[0].limit, x.counts[0].over), (290, 280, true));
        assert_eq!(x.counts[0].unit, "weighted");
        assert_eq!(x.counts.iter().map(|c| c.field.as_str()).collect::<Vec<_>>(), ["text", "thread[0]", "thread[1]"]);
        assert_eq!(x.issues[0].code, "too_long");
        assert_eq!(x.issues[0].severity, IssueSeverity::Error);
        assert_eq!(
            x.voice,
            [VoiceFinding {
                field: "thread[1]".into(),
                code: "banned_word".into(),
                message: x.voice[0].message.clone(),
                start: Some(0),
                end: Some(5),
            }]
        );
        let instagram = &checked.variants[1];
        assert_eq!(instagram.issues[0].code, "links_not_clickable");
        assert_eq!(instagram.issues[0].severity, IssueSeverity::Warning);
        let youtube = &checked.variants[2];
        assert!(youtube.issues.iter().any(|i| i.code == "required" && i.field == "options.title"), "{youtube:?}");
        assert_eq!(youtube.counts.iter().map(|c| c.field.as_str()).collect::<Vec<_>>(), ["text"]);
        assert_eq!(checked.variants[3].issues[0].code, "thread_not_supported");
        assert_eq!(checked.base_text.len(), 1, "the base text is checked against the voice too");
        assert_eq!(checked.errors, 2, "X too long, YouTube title missing");
        assert_eq!(checked.warnings, 4, "Instagram link, Facebook thread, two banned words");
        assert!(checked.problems.is_empty());
    }

    #[test]
    fn a_sponsored_post_needs_its_disclosure_somewhere_in_each_variant() {
        let checked = check(
            &voice(),
            &draft(serde_json::json!({"sponsored": true, "variants": [
                {"network": "instagram", "text": "New roast", "first_comment": "#ad #coffee"},
                {"network": "threads", "text": "New roast"},
                {"network": "x", "text": "New roast", "link": "not a link"},
            ]})),
        );
        assert!(checked.variants[0].voice.is_empty(), "the first comment carries the disclosure");
        assert_eq!(checked.variants[1].voice[0].code, "missing_disclosure");
        assert_eq!(checked.problems[0].field, "variants[2].link", "shape problems are listed, not refused");
    }
}
