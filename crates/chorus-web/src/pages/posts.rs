//! A client's posts and the composer: one idea, a base text, and a tailored variant per network, checked
//! as each network counts. The page works without JavaScript (the check runs on save); `composer.js`
//! re-checks as people type, through the same API the page's form uses.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chorus_domain::media_rules::{self, PostKind};
use chorus_domain::{
    Action, Aspect, Asset, AssetId, Client, ClientId, Invalid, Network, PageRequest, Pillar, PillarId, Post, PostDraft,
    PostId, PostStatus, VariantDraft, VariantMedia, VariantOptions,
};
use serde::Deserialize;

use super::{FormState, Layout, NoticeQuery, Pairs, Section, error_page, notice, render};
use crate::auth::PageActor;
use crate::services::posts::{self as service, PostCheck, VariantCheck};
use crate::services::{self, strategy};
use crate::{AppError, AppState};

/// What the composer needs to know to offer a network.
pub struct NetworkView {
    pub network: Network,
    pub key: &'static str,
    pub name: &'static str,
    /// Has a title (YouTube, Pinterest).
    pub titled: bool,
    /// Mastodon's content warning.
    pub warned: bool,
    /// A post can continue as a thread (X, Threads, Bluesky, Mastodon).
    pub threads: bool,
    /// The network's own settings, beyond title and content warning.
    pub options: Vec<OptionControl>,
}

/// A form control for one field of [`VariantOptions`], named `<network>.opt.<field>` in the form.
pub struct OptionControl {
    /// The field of `VariantOptions`.
    pub field: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub kind: ControlKind,
}

pub enum ControlKind {
    /// One of these values, each with its label.
    Select(&'static [(&'static str, &'static str)]),
    /// On or off.
    Checkbox,
    /// Several short values separated by commas (usernames, language codes).
    List,
    Text,
}

impl OptionControl {
    const fn new(field: &'static str, label: &'static str, hint: &'static str, kind: ControlKind) -> Self {
        Self { field, label, hint, kind }
    }

    pub fn choices(&self) -> &'static [(&'static str, &'static str)] {
        match self.kind {
            ControlKind::Select(choices) => choices,
            _ => &[],
        }
    }

    pub fn is_checkbox(&self) -> bool {
        matches!(self.kind, ControlKind::Checkbox)
    }

    pub fn is_select(&self) -> bool {
        matches!(self.kind, ControlKind::Select(_))
    }
}

/// The settings each network asks for, in the words its own app uses.
fn option_controls(network: Network) -> Vec<OptionControl> {
    use ControlKind::{Checkbox, List, Select, Text};
    const REPLIES: &[(&str, &str)] = &[
        ("everyone", "Everyone"),
        ("following", "People the account follows"),
        ("mentioned", "Only people mentioned"),
    ];
    match network {
        Network::Instagram => vec![
            OptionControl::new(
                "instagram_kind",
                "Post as",
                "A carousel takes 2 to 10 images or videos; reels and stories are vertical videos or images.",
                Select(&[("feed", "Feed post"), ("carousel", "Carousel"), ("reel", "Reel"), ("story", "Story")]),
            ),
            OptionControl::new(
                "collaborators",
                "Collaborators",
                "Up to 3 usernames, separated by commas; the post appears on their profiles too once they accept.",
                List,
            ),
        ],
        Network::LinkedIn => vec![OptionControl::new(
            "visibility",
            "Who can see it",
            "",
            Select(&[("public", "Anyone"), ("restricted", "Connections only")]),
        )],
        Network::TikTok => vec![
            OptionControl::new(
                "visibility",
                "Who can watch",
                "",
                Select(&[("public", "Everyone"), ("restricted", "Friends"), ("private", "Only the account")]),
            ),
            OptionControl::new("allow_comments", "Allow comments", "", Checkbox),
            OptionControl::new("allow_duet", "Allow duets", "", Checkbox),
            OptionControl::new("allow_stitch", "Allow stitches", "", Checkbox),
        ],
        Network::Pinterest => {
            vec![OptionControl::new("board", "Board", "The board the pin is saved to, by its name.", Text)]
        }
        Network::YouTube => vec![
            OptionControl::new(
                "visibility",
                "Privacy",
                "",
                Select(&[
                    ("public", "Public"),
                    ("unlisted", "Unlisted (anyone with the link)"),
                    ("private", "Private"),
                ]),
            ),
            OptionControl::new(
                "category",
                "Category",
                "",
                Select(&[
                    ("22", "People & Blogs"),
                    ("1", "Film & Animation"),
                    ("2", "Autos & Vehicles"),
                    ("10", "Music"),
                    ("15", "Pets & Animals"),
                    ("17", "Sports"),
                    ("19", "Travel & Events"),
                    ("20", "Gaming"),
                    ("23", "Comedy"),
                    ("24", "Entertainment"),
                    ("25", "News & Politics"),
                    ("26", "Howto & Style"),
                    ("27", "Education"),
                    ("28", "Science & Technology"),
                    ("29", "Nonprofits & Activism"),
                ]),
            ),
            OptionControl::new(
                "made_for_kids",
                "Made for kids",
                "A legal declaration (COPPA): tick it only if the video is directed at children.",
                Checkbox,
            ),
        ],
        Network::Threads => vec![OptionControl::new("reply_control", "Who can reply", "", Select(REPLIES))],
        Network::Bluesky => vec![
            OptionControl::new("languages", "Languages", "Codes such as en or de, separated by commas.", List),
            OptionControl::new(
                "reply_control",
                "Who can reply",
                "",
                Select(&[
                    ("everyone", "Everyone"),
                    ("following", "People the account follows"),
                    ("mentioned", "Only people mentioned"),
                    ("nobody", "Nobody"),
                ]),
            ),
        ],
        Network::Mastodon => vec![
            OptionControl::new(
                "visibility",
                "Visibility",
                "",
                Select(&[
                    ("public", "Public"),
                    ("unlisted", "Quiet public (not in public timelines)"),
                    ("private", "Followers only"),
                    ("restricted", "Only people mentioned"),
                ]),
            ),
            OptionControl::new("languages", "Language", "A code such as en or de.", List),
        ],
        Network::Facebook | Network::X => Vec::new(),
    }
}

fn network_views() -> Vec<NetworkView> {
    Network::ALL
        .into_iter()
        .map(|n| NetworkView {
            network: n,
            key: n.as_str(),
            name: n.display_name(),
            titled: matches!(n, Network::YouTube | Network::Pinterest),
            warned: n == Network::Mastodon,
            threads: service::has_threads(n),
            options: option_controls(n),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "posts.html")]
struct ListPage {
    layout: Layout,
    client: Client,
    posts: Vec<Post>,
    status: String,
    next_cursor: Option<String>,
    can_write: bool,
}

impl ListPage {
    /// The first file a post carries, shown on its card.
    fn cover(post: &Post) -> Option<AssetId> {
        post.variants.iter().flat_map(|v| &v.media).map(|m| m.asset_id).next()
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    cursor: Option<String>,
    notice: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    page: PageActor,
    Path(client): Path<String>,
    Query(query): Query<ListQuery>,
) -> Response {
    let Ok(client_id) = client.parse::<ClientId>() else { return error_page(AppError::NotFound("client")) };
    let result = async {
        let client = services::client(&state, &page.actor, client_id).await?;
        let status = match query.status.as_deref() {
            None | Some("") => None,
            Some(s) => Some(PostStatus::parse(s)?),
        };
        let request = PageRequest::new(Some(50), query.cursor.as_deref())?;
        let posts = service::list_posts(&state, &page.actor, Some(client_id), status, None, &request).await?;
        Ok::<_, AppError>(ListPage {
            layout: Layout::signed_in(format!("{} · Posts", client.name), Section::Clients, &page)
                .with_notice(notice(query.notice.as_deref())),
            can_write: page.actor.can(Action::EditContent(client_id)),
            client,
            posts: posts.items,
            status: status.map(|s| s.as_str().to_string()).unwrap_or_default(),
            next_cursor: posts.next_cursor,
        })
    }
    .await;
    match result {
        Ok(p) => render(StatusCode::OK, &p),
        Err(e) => error_page(e),
    }
}

#[derive(Template)]
#[template(path = "composer.html")]
struct ComposerPage {
    layout: Layout,
    client: Client,
    /// `None` for a new post.
    post: Option<Post>,
    pillars: Vec<Pillar>,
    networks: Vec<NetworkView>,
    form: FormState,
    check: Option<PostCheck>,
    can_write: bool,
    /// Saved versions, newest first.
    history: Vec<HistoryEntry>,
    /// The files attached in the form, in order.
    attached: Vec<Asset>,
    /// The client's newest files that are not attached, to pick from.
    library: Vec<Asset>,
}

/// One saved version of the post, as the history lists it.
struct HistoryEntry {
    revision: u32,
    who: String,
    when: chrono::DateTime<chrono::Utc>,
    changes: Vec<String>,
}

/// The post's saved versions with who saved each and what changed since the one before.
async fn history(state: &AppState, page: &PageActor, post: &Post) -> Result<Vec<HistoryEntry>, AppError> {
    let revisions = service::post_revisions(state, &page.actor, post.id).await?;
    let mut names: HashMap<chorus_domain::PersonId, String> = HashMap::new();
    let mut entries = Vec::with_capacity(revisions.len());
    for (i, revision) in revisions.iter().enumerate() {
        let who = match names.get(&revision.changed_by) {
            Some(name) => name.clone(),
            None => {
                // A person who has left is still named: their work stays attributed to them.
                let name = match state.store.person(page.actor.organization, revision.changed_by).await {
                    Ok(p) => p.name.to_string(),
                    Err(_) => "someone no longer here".to_string(),
                };
                names.insert(revision.changed_by, name.clone());
                name
            }
        };
        let changes = match revisions.get(i + 1) {
            Some(earlier) => revision.post.changes_since(&earlier.post),
            None => vec!["created".to_string()],
        };
        entries.push(HistoryEntry { revision: revision.revision, who, when: revision.changed_at, changes });
    }
    Ok(entries)
}

impl ComposerPage {
    fn chosen(&self, key: &str) -> bool {
        self.form.checked("network", key)
    }

    fn field(&self, network: &str, field: &str) -> String {
        self.form.value(&format!("{network}.{field}")).to_string()
    }

    /// The form's value of a network's own setting.
    fn opt(&self, network: &str, field: &str) -> &str {
        self.form.value(&format!("{network}.opt.{field}"))
    }

    /// The thread's further parts as typed, plus an empty one to add a part without JavaScript.
    fn thread_parts(&self, network: &str) -> Vec<(usize, String)> {
        let mut parts: Vec<String> =
            self.form.all(&format!("{network}.thread")).iter().filter(|p| !p.trim().is_empty()).cloned().collect();
        parts.push(String::new());
        parts.into_iter().enumerate().collect()
    }

    fn skips(&self, network: &str, asset: &AssetId) -> bool {
        self.form.checked(&format!("{network}.skip_media"), &asset.to_string())
    }

    fn crop(&self, network: &str, asset: &AssetId) -> &str {
        self.form.value(&format!("{network}.crop.{asset}"))
    }

    fn alt(&self, network: &str, asset: &AssetId) -> &str {
        self.form.value(&format!("{network}.alt.{asset}"))
    }

    /// The crops offered for a file on a network, the network's suggestions first, each with whether it is the
    /// one chosen.
    fn crop_choices(&self, network: &Network, asset: &AssetId) -> Vec<(String, bool)> {
        let options = options_from_form(&self.form, *network).unwrap_or_default();
        let suggested = media_rules::suggested_aspects(PostKind::of(*network, &options, &[])).aspects;
        let common = chorus_domain::media::STANDARD_ASPECTS.iter().filter_map(|(c, _)| Aspect::parse(c).ok());
        let mut aspects: Vec<Aspect> = suggested;
        for aspect in common {
            if !aspects.contains(&aspect) {
                aspects.push(aspect);
            }
        }
        let chosen = Aspect::parse(self.crop(network.as_str(), asset)).ok();
        aspects.into_iter().map(|a| (media_rules::aspect_label(a), Some(a) == chosen)).collect()
    }

    /// The image the preview shows for a network: its first attached file, cropped as chosen.
    fn preview_image(&self, network: &str) -> Option<(AssetId, String)> {
        let asset = self.attached.iter().find(|a| !self.skips(network, &a.id))?;
        let src = match (asset.kind, self.crop(network, &asset.id)) {
            (chorus_domain::AssetKind::Video, _) => return None,
            (_, "") => format!("/api/v1/assets/{}/file", asset.id),
            (_, crop) => format!("/api/v1/assets/{}/rendition?aspect={crop}&fit=crop&size=600", asset.id),
        };
        Some((asset.id, src))
    }

    fn variant_check(&self, network: &Network) -> Option<&VariantCheck> {
        self.check.as_ref()?.variants.iter().find(|v| v.network == *network)
    }

    /// "123 / 280" for a variant's field, and whether it is over.
    fn meter(&self, network: &Network, field: &str) -> Option<(String, bool)> {
        let count = self.variant_check(network)?.counts.iter().find(|c| c.field == field)?;
        Some((format!("{} / {}", count.used, count.limit), count.over))
    }

    /// The messages about a variant's media as a whole, and about files that have no row of their own yet (ticked
    /// in the library but not saved).
    fn media_messages(&self, network: &Network) -> Vec<(bool, String)> {
        let Some(check) = self.variant_check(network) else { return Vec::new() };
        let listed = |field: &str| {
            field
                .strip_prefix("media[")
                .and_then(|rest| rest.strip_suffix(']'))
                .and_then(|n| n.parse::<usize>().ok())
                .is_some_and(|n| n < self.attached.len())
        };
        let mut out: Vec<(bool, String)> = check
            .issues
            .iter()
            .filter(|i| i.field == "media" || (i.field.starts_with("media[") && !listed(&i.field)))
            .map(|i| (matches!(i.severity, service::IssueSeverity::Error), i.message.clone()))
            .collect();
        out.sort_by_key(|(error, _)| !error);
        out
    }

    /// The network's and the brand voice's messages for one field of a variant, errors first.
    fn messages(&self, network: &Network, field: &str) -> Vec<(bool, String)> {
        let Some(check) = self.variant_check(network) else { return Vec::new() };
        let mut out: Vec<(bool, String)> = check
            .issues
            .iter()
            .filter(|i| i.field == field)
            .map(|i| (matches!(i.severity, service::IssueSeverity::Error), i.message.clone()))
            .collect();
        out.extend(check.voice.iter().filter(|v| v.field == field).map(|v| (true, v.message.clone())));
        out.sort_by_key(|(error, _)| !error);
        out
    }
}

/// A post's values as the form shows them.
fn values_of(post: &Post) -> Pairs {
    let mut pairs = vec![
        ("title".to_string(), post.title.clone()),
        ("base_text".to_string(), post.base_text.clone()),
        ("status".to_string(), post.status.as_str().to_string()),
        ("pillar_id".to_string(), post.pillar_id.map(|p| p.to_string()).unwrap_or_default()),
        ("revision".to_string(), post.revision.to_string()),
    ];
    if post.sponsored {
        pairs.push(("sponsored".to_string(), "on".to_string()));
    }
    // The form attaches files to the post once and lets each network leave some out.
    let mut media: Vec<AssetId> = Vec::new();
    for item in post.variants.iter().flat_map(|v| &v.media) {
        if !media.contains(&item.asset_id) {
            media.push(item.asset_id);
        }
    }
    pairs.extend(media.iter().map(|id| ("media".to_string(), id.to_string())));
    for v in &post.variants {
        let key = v.network.as_str();
        pairs.push(("network".to_string(), key.to_string()));
        pairs.push((format!("{key}.text"), v.text.clone()));
        pairs.push((format!("{key}.link"), v.link.clone()));
        pairs.push((format!("{key}.first_comment"), v.first_comment.clone()));
        pairs.push((format!("{key}.title"), v.options.title.clone()));
        pairs.push((format!("{key}.content_warning"), v.options.content_warning.clone()));
        pairs.extend(v.thread.iter().map(|part| (format!("{key}.thread"), part.clone())));
        for id in &media {
            match v.media.iter().find(|m| m.asset_id == *id) {
                None => pairs.push((format!("{key}.skip_media"), id.to_string())),
                Some(item) => {
                    if let Some(crop) = item.crop {
                        pairs.push((format!("{key}.crop.{id}"), media_rules::aspect_label(crop)));
                    }
                    if !item.alt_text.is_empty() {
                        pairs.push((format!("{key}.alt.{id}"), item.alt_text.clone()));
                    }
                }
            }
        }
        let options = serde_json::to_value(&v.options).unwrap_or_default();
        for control in option_controls(v.network) {
            let name = format!("{key}.opt.{}", control.field);
            match options.get(control.field) {
                Some(serde_json::Value::String(value)) => pairs.push((name, value.clone())),
                Some(serde_json::Value::Bool(true)) => pairs.push((name, "on".to_string())),
                Some(serde_json::Value::Array(items)) => {
                    let items: Vec<&str> = items.iter().filter_map(serde_json::Value::as_str).collect();
                    pairs.push((name, items.join(", ")));
                }
                _ => {}
            }
        }
    }
    pairs
}

/// The files attached in the form, in order, each once.
fn attached_media(form: &FormState) -> Result<Vec<AssetId>, Invalid> {
    let mut ids = Vec::new();
    for raw in form.all("media") {
        let id = raw.trim().parse::<AssetId>().map_err(|_| Invalid::field("media", "choose files of the library"))?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// A network's own settings from the form, read as the API reads them so both refuse the same values.
fn options_from_form(form: &FormState, network: Network) -> Result<VariantOptions, Invalid> {
    let key = network.as_str();
    let mut options = serde_json::Map::new();
    options.insert("title".into(), form.value(&format!("{key}.title")).into());
    options.insert("content_warning".into(), form.value(&format!("{key}.content_warning")).into());
    for control in option_controls(network) {
        let raw = form.value(&format!("{key}.opt.{}", control.field));
        let value = match control.kind {
            ControlKind::Checkbox => serde_json::Value::Bool(raw == "on"),
            ControlKind::List => serde_json::Value::Array(
                raw.split(',').map(str::trim).filter(|s| !s.is_empty()).map(serde_json::Value::from).collect(),
            ),
            ControlKind::Select(_) | ControlKind::Text if raw.trim().is_empty() => continue,
            ControlKind::Select(_) | ControlKind::Text => raw.trim().into(),
        };
        options.insert(control.field.into(), value);
    }
    serde_json::from_value(serde_json::Value::Object(options))
        .map_err(|e| Invalid::field(format!("{key}.options"), format!("{e}; choose one of the values offered")))
}

/// Reads the composer's form into a draft. A ticked network with an empty text starts from the base text.
fn parse_draft(form: &FormState) -> Result<PostDraft, Invalid> {
    let get = |k: &str| form.value(k).to_string();
    let status = PostStatus::parse(if get("status").is_empty() { "draft" } else { form.value("status") })?;
    let pillar_id = match get("pillar_id").trim() {
        "" => None,
        raw => Some(
            raw.parse::<PillarId>().map_err(|_| Invalid::field("pillar_id", "choose one of the client's pillars"))?,
        ),
    };
    let base_text = get("base_text");
    let media = attached_media(form)?;
    let mut variants = Vec::new();
    for network in Network::ALL {
        let key = network.as_str();
        if !form.checked("network", key) {
            continue;
        }
        let field = |f: &str| form.value(&format!("{key}.{f}")).to_string();
        let text = if field("text").trim().is_empty() { base_text.clone() } else { field("text") };
        let mut variant_media = Vec::new();
        for id in &media {
            if form.checked(&format!("{key}.skip_media"), &id.to_string()) {
                continue;
            }
            let crop = match form.value(&format!("{key}.crop.{id}")).trim() {
                "" => None,
                raw => Some(Aspect::parse(raw).map_err(|e| e.within(key))?),
            };
            variant_media.push(VariantMedia { asset_id: *id, alt_text: field(&format!("alt.{id}")), crop });
        }
        variants.push(VariantDraft {
            network,
            text,
            link: field("link").trim().to_string(),
            first_comment: field("first_comment"),
            thread: form.all(&format!("{key}.thread")).iter().filter(|part| !part.trim().is_empty()).cloned().collect(),
            media: variant_media,
            options: options_from_form(form, network)?,
        });
    }
    Ok(PostDraft {
        status,
        title: get("title"),
        base_text,
        pillar_id,
        sponsored: form.value("sponsored") == "on",
        variants,
    })
}

/// Save errors name `variants[1].link`; the form's inputs are named by network, e.g. `bluesky.link`.
fn name_variant_fields(mut form: FormState) -> FormState {
    let chosen: Vec<&str> =
        Network::ALL.iter().map(|n| n.as_str()).filter(|key| form.checked("network", key)).collect();
    for error in &mut form.errors {
        let Some((index, field)) = error.field.strip_prefix("variants[").and_then(|rest| rest.split_once("].")) else {
            continue;
        };
        if let Some(key) = index.parse::<usize>().ok().and_then(|i| chosen.get(i)) {
            error.field = format!("{key}.{}", field.trim_start_matches("options."));
        }
    }
    form
}

async fn composer(
    state: &AppState,
    page: &PageActor,
    client_id: ClientId,
    post: Option<Post>,
    form: FormState,
) -> Result<ComposerPage, AppError> {
    let client = services::client(state, &page.actor, client_id).await?;
    let pillars = strategy::pillars(state, &page.actor, client_id).await?;
    // The check shows what each network will say about what is in the form now, saved or not.
    let check = match parse_draft(&form) {
        Ok(draft) if !draft.variants.is_empty() => {
            Some(service::check_draft(state, &page.actor, client_id, draft).await?)
        }
        _ => None,
    };
    let title = post.as_ref().map(|p| if p.title.is_empty() { "Untitled post".to_string() } else { p.title.clone() });
    let history = match &post {
        Some(p) => history(state, page, p).await?,
        None => Vec::new(),
    };
    let (attached, library) = media_choices(state, page, client_id, &form).await?;
    Ok(ComposerPage {
        layout: Layout::signed_in(title.unwrap_or_else(|| "New post".to_string()), Section::Clients, page),
        can_write: page.actor.can(Action::EditContent(client_id)),
        client,
        post,
        pillars,
        networks: network_views(),
        form,
        check,
        history,
        attached,
        library,
    })
}

/// The files attached in the form (those still in the library), and the client's newest others to pick from.
async fn media_choices(
    state: &AppState,
    page: &PageActor,
    client_id: ClientId,
    form: &FormState,
) -> Result<(Vec<Asset>, Vec<Asset>), AppError> {
    let ids = attached_media(form).unwrap_or_default();
    let mut attached = Vec::with_capacity(ids.len());
    for id in &ids {
        match services::media::asset(state, &page.actor, *id).await {
            Ok(asset) if asset.client_id == client_id => attached.push(asset),
            Ok(_) | Err(AppError::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    let newest = library_page(state, page, client_id).await?;
    let library = newest.into_iter().filter(|a| !ids.contains(&a.id)).collect();
    Ok((attached, library))
}

/// The client's newest files, as many as the composer's picker shows.
async fn library_page(state: &AppState, page: &PageActor, client_id: ClientId) -> Result<Vec<Asset>, AppError> {
    let request = PageRequest::new(Some(48), None)?;
    Ok(services::media::assets(state, &page.actor, client_id, &request).await?.items)
}

pub async fn new_form(State(state): State<AppState>, page: PageActor, Path(client): Path<String>) -> Response {
    let Ok(client_id) = client.parse::<ClientId>() else { return error_page(AppError::NotFound("client")) };
    let form = FormState::from_pairs(&vec![("status".to_string(), "draft".to_string())]);
    match composer(&state, &page, client_id, None, form).await {
        Ok(p) => render(StatusCode::OK, &p),
        Err(e) => error_page(e),
    }
}

pub async fn create(
    State(state): State<AppState>,
    page: PageActor,
    Path(client): Path<String>,
    axum::Form(pairs): axum::Form<Pairs>,
) -> Response {
    let Ok(client_id) = client.parse::<ClientId>() else { return error_page(AppError::NotFound("client")) };
    let form = FormState::from_pairs(&pairs);
    let result = match parse_draft(&form) {
        Ok(draft) => service::create_post(&state, &page.actor, client_id, draft).await,
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(post) => Redirect::to(&format!("/posts/{}?notice=post-saved", post.id)).into_response(),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. } | AppError::Forbidden(_))) => {
            match composer(&state, &page, client_id, None, name_variant_fields(form.with_error(&e))).await {
                Ok(p) => render(e.status(), &p),
                Err(other) => error_page(other),
            }
        }
        Err(e) => error_page(e),
    }
}

/// The composer's live check: the form as it is now, read as saving it would read it.
pub async fn check_form(
    State(state): State<AppState>,
    page: PageActor,
    Path(client): Path<String>,
    axum::Form(pairs): axum::Form<Pairs>,
) -> Response {
    let Ok(client_id) = client.parse::<ClientId>() else { return AppError::NotFound("client").into_response() };
    let form = FormState::from_pairs(&pairs);
    let result = match parse_draft(&form) {
        Ok(draft) => service::check_draft(&state, &page.actor, client_id, draft).await,
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(check) => axum::Json(check).into_response(),
        Err(e) => e.into_response(),
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    page: PageActor,
    Path(id): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> Response {
    let Ok(id) = id.parse::<PostId>() else { return error_page(AppError::NotFound("post")) };
    let result = async {
        let post = service::post(&state, &page.actor, id).await?;
        let form = FormState::from_pairs(&values_of(&post));
        composer(&state, &page, post.client_id, Some(post), form).await
    }
    .await;
    match result {
        Ok(mut p) => {
            p.layout = p.layout.with_notice(notice(query.notice.as_deref()));
            render(StatusCode::OK, &p)
        }
        Err(e) => error_page(e),
    }
}

pub async fn update(
    State(state): State<AppState>,
    page: PageActor,
    Path(id): Path<String>,
    axum::Form(pairs): axum::Form<Pairs>,
) -> Response {
    let Ok(id) = id.parse::<PostId>() else { return error_page(AppError::NotFound("post")) };
    let current = match service::post(&state, &page.actor, id).await {
        Ok(p) => p,
        Err(e) => return error_page(e),
    };
    let form = FormState::from_pairs(&pairs);
    let revision = form.value("revision").parse::<u32>().ok();
    let result = match parse_draft(&form) {
        Ok(draft) => service::update_post(&state, &page.actor, id, draft, revision).await,
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(post) => Redirect::to(&format!("/posts/{}?notice=post-saved", post.id)).into_response(),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. } | AppError::Forbidden(_))) => {
            let client_id = current.client_id;
            match composer(&state, &page, client_id, Some(current), name_variant_fields(form.with_error(&e))).await {
                Ok(p) => render(e.status(), &p),
                Err(other) => error_page(other),
            }
        }
        Err(e) => error_page(e),
    }
}

pub async fn duplicate(
    State(state): State<AppState>,
    page: PageActor,
    Path(id): Path<String>,
    axum::Form(values): axum::Form<HashMap<String, String>>,
) -> Response {
    let Ok(id) = id.parse::<PostId>() else { return error_page(AppError::NotFound("post")) };
    let status = values.get("status").and_then(|s| PostStatus::parse(s).ok());
    match service::duplicate_post(&state, &page.actor, id, status).await {
        Ok(copy) => Redirect::to(&format!("/posts/{}?notice=post-copied", copy.id)).into_response(),
        Err(e) => error_page(e),
    }
}

pub async fn delete(State(state): State<AppState>, page: PageActor, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<PostId>() else { return error_page(AppError::NotFound("post")) };
    let result = async {
        let post = service::post(&state, &page.actor, id).await?;
        service::delete_post(&state, &page.actor, id).await?;
        Ok::<_, AppError>(post.client_id)
    }
    .await;
    match result {
        Ok(client) => Redirect::to(&format!("/clients/{client}/posts?notice=post-deleted")).into_response(),
        Err(e) => error_page(e),
    }
}
