//! A client's posts and the composer: one idea, a base text, and a tailored variant per network, checked
//! as each network counts. The page works without JavaScript (the check runs on save); `composer.js`
//! re-checks as people type, through the same API the page's form uses.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chorus_domain::{
    Action, Client, ClientId, Invalid, Network, PageRequest, Pillar, PillarId, Post, PostDraft, PostId, PostStatus,
    VariantDraft, VariantOptions,
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

    fn variant_check(&self, network: &Network) -> Option<&VariantCheck> {
        self.check.as_ref()?.variants.iter().find(|v| v.network == *network)
    }

    /// "123 / 280" for a variant's field, and whether it is over.
    fn meter(&self, network: &Network, field: &str) -> Option<(String, bool)> {
        let count = self.variant_check(network)?.counts.iter().find(|c| c.field == field)?;
        Some((format!("{} / {}", count.used, count.limit), count.over))
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
    for v in &post.variants {
        let key = v.network.as_str();
        pairs.push(("network".to_string(), key.to_string()));
        pairs.push((format!("{key}.text"), v.text.clone()));
        pairs.push((format!("{key}.link"), v.link.clone()));
        pairs.push((format!("{key}.first_comment"), v.first_comment.clone()));
        pairs.push((format!("{key}.title"), v.options.title.clone()));
        pairs.push((format!("{key}.content_warning"), v.options.content_warning.clone()));
    }
    pairs
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
    let mut variants = Vec::new();
    for network in Network::ALL {
        let key = network.as_str();
        if !form.checked("network", key) {
            continue;
        }
        let field = |f: &str| form.value(&format!("{key}.{f}")).to_string();
        let text = if field("text").trim().is_empty() { base_text.clone() } else { field("text") };
        variants.push(VariantDraft {
            network,
            text,
            link: field("link").trim().to_string(),
            first_comment: field("first_comment"),
            thread: Vec::new(),
            options: VariantOptions {
                title: field("title"),
                content_warning: field("content_warning"),
                ..Default::default()
            },
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
    })
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
