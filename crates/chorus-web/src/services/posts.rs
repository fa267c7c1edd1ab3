//! Posts: one idea for a client, tailored per network. Everyone who sees a client sees its posts; those who may
//! edit its content write, change and delete them.
//!
//! The check says, per variant, how each text fares on its network (`chorus_text::networks`: lengths as the
//! network counts them, its other text rules), how its files fare against the network's media rules
//! (`chorus_domain::media_rules`, on each file as cropped for that network) and against the client's brand voice.
//! It never stops a save: a draft may be unfinished.

use std::collections::HashMap;

use chorus_domain::media_rules::{self, AccountLimits, MediaFacts};
use chorus_domain::{
    Action, Actor, Aspect, Asset, AssetId, AssetKind, BrandVoice, ClientId, Denied, FieldError, Network, Page,
    PageRequest, Post, PostDraft, PostId, PostRevision, PostStatus, VariantDraft, VoiceIssue, authorize,
};
use chorus_store::{PostQuery, StoreError};
use chorus_text::networks::{self, Draft, Field, Limits, Severity};
use serde::Serialize;

use super::strategy::brand_voice;
use crate::{AppError, AppResult, AppState};

/// Refusals to write a client's content: a client out of reach is "not found" as `what`.
pub(crate) fn may_edit(actor: &Actor, client: ClientId, what: &'static str) -> AppResult<()> {
    authorize(actor, Action::EditContent(client)).map_err(|denied| match denied {
        Denied::NotFound => AppError::NotFound(what),
        other => other.into(),
    })
}

/// A pillar or file that is not the client's is a mistake in the request, not a missing page.
fn pillar_refused(e: StoreError) -> AppError {
    match e {
        StoreError::NotFound("pillar") => {
            AppError::invalid("pillar_id", "this client has no such pillar; choose one of its pillars, or none")
        }
        StoreError::NotFound("asset") => AppError::invalid(
            "variants",
            "a file attached to the post is not in this client's media library (it may have been deleted)",
        ),
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
    files_of_client(state, actor, client_id, &draft).await?;
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
    let current = post_to_change(state, actor, id).await?;
    draft.check()?;
    files_of_client(state, actor, current.client_id, &draft).await?;
    // What is on its way out, or out, is not changed under the network's feet.
    for record in state.store.publications(actor.organization, id).await? {
        if !record.publication.is_editable() {
            return Err(AppError::Conflict {
                field: "variants",
                message: format!(
                    "the {} version is {}; it cannot be changed any more",
                    record.network.display_name(),
                    record.publication.state_name().replace('_', " ")
                ),
            });
        }
    }
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
    let media = attached_assets(state, actor, post.client_id, &post.to_draft()).await?;
    Ok(check(&voice, &media, &post.to_draft()))
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
    let media = attached_assets(state, actor, client_id, &draft).await?;
    Ok(check(&voice, &media, &draft))
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
pub fn has_threads(network: Network) -> bool {
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

/// Refuses a draft that attaches files the client's library does not hold, naming each one. The store checks
/// again as it saves, for a file deleted in between.
async fn files_of_client(state: &AppState, actor: &Actor, client_id: ClientId, draft: &PostDraft) -> AppResult<()> {
    let found = attached_assets(state, actor, client_id, draft).await?;
    let mut check = chorus_domain::validation::Checker::default();
    for (i, variant) in draft.variants.iter().enumerate() {
        for (n, item) in variant.media.iter().enumerate() {
            if !found.contains_key(&item.asset_id) {
                check.fail(chorus_domain::Invalid::field(
                    format!("variants[{i}].media[{n}]"),
                    "this file is not in the client's media library; choose one of its files",
                ));
            }
        }
    }
    Ok(check.finish()?)
}

/// The client's files a draft attaches, by id; files of other clients or deleted ones are left out, and the
/// check says so.
async fn attached_assets(
    state: &AppState,
    actor: &Actor,
    client_id: ClientId,
    draft: &PostDraft,
) -> AppResult<HashMap<AssetId, Asset>> {
    let mut found = HashMap::new();
    for item in draft.variants.iter().flat_map(|v| &v.media) {
        if found.contains_key(&item.asset_id) {
            continue;
        }
        match state.store.asset(actor.organization, item.asset_id).await {
            Ok(asset) if asset.client_id == client_id => {
                found.insert(asset.id, asset);
            }
            Ok(_) | Err(StoreError::NotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(found)
}

/// What a network receives of an attached file: its facts, with the width and height of the crop chosen.
fn facts_of(asset: &Asset, crop: Option<Aspect>) -> MediaFacts {
    let (mut width, mut height) = (asset.width, asset.height);
    if let (Some(aspect), Some(w), Some(h), AssetKind::Image) = (crop, asset.width, asset.height, asset.kind) {
        let (cw, ch) = aspect.crop_within(w, h);
        (width, height) = (Some(cw.max(1)), Some(ch.max(1)));
    }
    MediaFacts {
        media_type: asset.media_type,
        size_bytes: asset.size_bytes,
        width,
        height,
        duration_ms: asset.duration_ms,
        video_codec: asset.video_codec.clone(),
        frame_rate: None,
        animated: None,
    }
}

fn check(voice: &BrandVoice, media: &HashMap<AssetId, Asset>, draft: &PostDraft) -> PostCheck {
    let problems = draft.check().err().map(|invalid| invalid.errors).unwrap_or_default();
    let base_text: Vec<VoiceFinding> =
        voice.check(&draft.base_text, false).into_iter().map(|i| VoiceFinding::new("base_text", i)).collect();
    let variants: Vec<VariantCheck> =
        draft.variants.iter().map(|v| check_variant(voice, media, v, draft.sponsored)).collect();
    let errors = variants.iter().flat_map(|v| &v.issues).filter(|i| i.severity == IssueSeverity::Error).count();
    let warnings = variants.iter().flat_map(|v| &v.issues).filter(|i| i.severity == IssueSeverity::Warning).count()
        + variants.iter().map(|v| v.voice.len()).sum::<usize>()
        + base_text.len();
    PostCheck { errors, warnings, problems, base_text, variants }
}

fn check_variant(
    voice: &BrandVoice,
    media: &HashMap<AssetId, Asset>,
    variant: &VariantDraft,
    sponsored: bool,
) -> VariantCheck {
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
    issues.extend(check_variant_media(media, variant));
    VariantCheck { network, counts, issues, voice: findings }
}

/// Networks whose APIs publish an image's alt text: Bluesky (`app.bsky.embed.images#image.alt`, in
/// `api-specs/bluesky/lexicons`), X (`alt_text` of media metadata, `api-specs/x-twitter`), Mastodon (a media
/// attachment's `description`, `api-specs/mastodon/schema.json`) and Pinterest (`alt_text` of a pin,
/// `api-specs/pinterest/openapi.json`). Elsewhere a missing description is not the manager's to fix.
fn takes_alt_text(network: Network) -> bool {
    matches!(network, Network::Bluesky | Network::X | Network::Mastodon | Network::Pinterest)
}

/// The network's media rules on the variant's files (`chorus_domain::media_rules`), named `media` for the set and
/// `media[n]` for one file.
pub(crate) fn check_variant_media(media: &HashMap<AssetId, Asset>, variant: &VariantDraft) -> Vec<TextProblem> {
    let mut problems = Vec::new();
    let mut facts = Vec::with_capacity(variant.media.len());
    for (n, item) in variant.media.iter().enumerate() {
        match media.get(&item.asset_id) {
            Some(asset) => {
                if item.crop.is_some() && asset.kind == AssetKind::Video {
                    problems.push(TextProblem {
                        severity: IssueSeverity::Error,
                        field: format!("media[{n}]"),
                        code: "crop_not_possible".to_string(),
                        message: format!("{} is a video; only images can be cropped", asset.filename),
                    });
                }
                facts.push(facts_of(asset, item.crop));
            }
            None => problems.push(TextProblem {
                severity: IssueSeverity::Error,
                field: format!("media[{n}]"),
                code: "missing_file".to_string(),
                message: "this file is no longer in the client's media library; remove it or choose another".into(),
            }),
        }
    }
    // Rules on a set with a missing file would count wrong; the missing file is the thing to fix first.
    if problems.iter().any(|p| p.code == "missing_file") {
        return problems;
    }
    if takes_alt_text(variant.network) {
        for (n, item) in variant.media.iter().enumerate() {
            let Some(asset) = media.get(&item.asset_id) else { continue };
            if asset.kind == AssetKind::Image && item.alt_text.trim().is_empty() && asset.alt_text.trim().is_empty() {
                problems.push(TextProblem {
                    severity: IssueSeverity::Warning,
                    field: format!("media[{n}]"),
                    code: "missing_alt_text".to_string(),
                    message: format!(
                        "{} has no alt text; people who use screen readers will not know what it shows — describe it \
                         in the media library",
                        asset.filename
                    ),
                });
            }
        }
    }
    for issue in media_rules::check_media(variant.network, &variant.options, &facts, &AccountLimits::default()) {
        problems.push(TextProblem {
            severity: match issue.severity {
                Severity::Error => IssueSeverity::Error,
                Severity::Warning => IssueSeverity::Warning,
            },
            field: issue.index.map(|n| format!("media[{n}]")).unwrap_or_else(|| "media".to_string()),
            code: issue.code.as_str().to_string(),
            message: issue.message,
        });
    }
    problems
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
            &HashMap::new(),
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
        let errors: Vec<(&str, &str)> = checked
            .variants
            .iter()
            .flat_map(|v| &v.issues)
            .filter(|i| i.severity == IssueSeverity::Error)
            .map(|i| (i.field.as_str(), i.code.as_str()))
            .collect();
        assert_eq!(
            errors,
            [("text", "too_long"), ("media", "required"), ("options.title", "required"), ("media", "required")],
            "X too long, Instagram and YouTube without media, YouTube title missing"
        );
        assert_eq!(checked.errors, 4);
        assert_eq!(checked.warnings, 4, "Instagram link, Facebook thread, two banned words");
        assert!(checked.problems.is_empty());
    }

    fn panorama() -> Asset {
        Asset {
            id: AssetId::new(),
            organization_id: chorus_domain::OrganizationId::new(),
            client_id: ClientId::new(),
            kind: AssetKind::Image,
            media_type: chorus_domain::MediaType::Jpeg,
            size_bytes: 900_000,
            width: Some(3000),
            height: Some(1000),
            duration_ms: None,
            video_codec: None,
            filename: "terrace.jpg".into(),
            alt_text: String::new(),
            folder: String::new(),
            tags: Vec::new(),
            focal_point: chorus_domain::FocalPoint::CENTRE,
            sha256: String::new(),
            created_by: chorus_domain::PersonId::new(),
            created_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn media_is_checked_per_network_as_cropped_for_it() {
        let photo = panorama();
        let media = HashMap::from([(photo.id, photo.clone())]);
        let with = |crop: serde_json::Value| {
            draft(serde_json::json!({"variants": [
                {"network": "instagram", "text": "Terrace", "media": [{"asset_id": photo.id, "crop": crop}]},
                {"network": "x", "text": "Terrace", "media": [{"asset_id": photo.id}]},
            ]}))
        };
        let uncropped = check(&voice(), &media, &with(serde_json::Value::Null));
        let instagram = &uncropped.variants[0];
        let aspect = instagram.issues.iter().find(|i| i.code == "aspect_out_of_range").expect("3:1 is refused");
        assert_eq!((aspect.field.as_str(), aspect.severity), ("media[0]", IssueSeverity::Error));
        assert!(
            !uncropped.variants[1].issues.iter().any(|i| i.severity == IssueSeverity::Error),
            "X takes 3:1: {:?}",
            uncropped.variants[1].issues
        );

        let cropped = check(&voice(), &media, &with(serde_json::json!("4:5")));
        assert!(
            !cropped.variants[0]
                .issues
                .iter()
                .any(|i| i.field.starts_with("media") && i.severity == IssueSeverity::Error),
            "cropped to 4:5 it fits: {:?}",
            cropped.variants[0].issues
        );
        assert!(cropped.errors < uncropped.errors);

        let gone = check(&voice(), &HashMap::new(), &with(serde_json::Value::Null));
        assert_eq!(gone.variants[0].issues.iter().filter(|i| i.code == "missing_file").count(), 1);
    }

    #[test]
    fn a_sponsored_post_needs_its_disclosure_somewhere_in_each_variant() {
        let checked = check(
            &voice(),
            &HashMap::new(),
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
