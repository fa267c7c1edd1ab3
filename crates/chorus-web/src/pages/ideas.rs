//! A client's ideas board: every idea in a column per content pillar, so gaps in the mix show at a glance. An
//! idea is jotted down in one line, moved between pillars, and turned into a draft when someone picks it up.
//! Every action is a plain form; `ideas.js` adds dragging a card to another column.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chorus_domain::{Action, Client, ClientId, PageRequest, Pillar, PillarId, Post, PostDraft, PostId, PostStatus};

use super::{FormState, Layout, NoticeQuery, Section, error_page, notice, render};
use crate::auth::PageActor;
use crate::services::posts as service;
use crate::services::{self, strategy};
use crate::{AppError, AppState};

/// The most ideas the board shows; older ones stay in the posts list.
const BOARD_SIZE: u32 = 200;

/// One column of the board.
struct Column {
    /// `None` for ideas without a pillar.
    pillar: Option<Pillar>,
    ideas: Vec<Post>,
}

#[derive(Template)]
#[template(path = "ideas.html")]
struct BoardPage {
    layout: Layout,
    client: Client,
    columns: Vec<Column>,
    pillars: Vec<Pillar>,
    form: FormState,
    can_write: bool,
    /// More ideas exist than the board shows.
    more: bool,
}

impl BoardPage {
    fn in_pillar(post: &Post, pillar: &Pillar) -> bool {
        post.pillar_id == Some(pillar.id)
    }

    fn excerpt(post: &Post) -> String {
        let text = if post.title.trim().is_empty() { post.base_text.trim() } else { post.title.trim() };
        let mut out: String = text.chars().take(140).collect();
        if text.chars().count() > 140 {
            out.push('…');
        }
        if out.is_empty() { "Untitled idea".to_string() } else { out }
    }
}

async fn board(
    state: &AppState,
    page: &PageActor,
    client_id: ClientId,
    form: FormState,
) -> Result<BoardPage, AppError> {
    let client = services::client(state, &page.actor, client_id).await?;
    let pillars = strategy::pillars(state, &page.actor, client_id).await?;
    let request = PageRequest::new(Some(BOARD_SIZE), None)?;
    let ideas =
        service::list_posts(state, &page.actor, Some(client_id), Some(PostStatus::Idea), None, &request).await?;
    let mut by_pillar: HashMap<Option<PillarId>, Vec<Post>> = HashMap::new();
    for idea in ideas.items {
        // An idea whose pillar was deleted meanwhile has none.
        let pillar = idea.pillar_id.filter(|id| pillars.iter().any(|p| p.id == *id));
        by_pillar.entry(pillar).or_default().push(idea);
    }
    let mut columns: Vec<Column> = pillars
        .iter()
        .map(|p| Column { pillar: Some(p.clone()), ideas: by_pillar.remove(&Some(p.id)).unwrap_or_default() })
        .collect();
    columns.push(Column { pillar: None, ideas: by_pillar.remove(&None).unwrap_or_default() });
    Ok(BoardPage {
        layout: Layout::signed_in(format!("{} · Ideas", client.name), Section::Clients, page),
        can_write: page.actor.can(Action::EditContent(client_id)),
        client,
        columns,
        pillars,
        form,
        more: ideas.next_cursor.is_some(),
    })
}

pub async fn show(
    State(state): State<AppState>,
    page: PageActor,
    Path(client): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> Response {
    let Ok(client_id) = client.parse::<ClientId>() else { return error_page(AppError::NotFound("client")) };
    match board(&state, &page, client_id, FormState::default()).await {
        Ok(mut p) => {
            p.layout = p.layout.with_notice(notice(query.notice.as_deref()));
            render(StatusCode::OK, &p)
        }
        Err(e) => error_page(e),
    }
}

fn pillar_from(form: &FormState) -> Result<Option<PillarId>, AppError> {
    match form.value("pillar_id").trim() {
        "" => Ok(None),
        raw => raw
            .parse::<PillarId>()
            .map(Some)
            .map_err(|_| AppError::invalid("pillar_id", "choose one of the client's pillars")),
    }
}

/// Jots down an idea: its first line becomes its title, the rest its text.
pub async fn add(
    State(state): State<AppState>,
    page: PageActor,
    Path(client): Path<String>,
    axum::Form(values): axum::Form<HashMap<String, String>>,
) -> Response {
    let Ok(client_id) = client.parse::<ClientId>() else { return error_page(AppError::NotFound("client")) };
    let form = FormState::new(values);
    let result = async {
        let text = form.value("idea").trim().to_string();
        if text.is_empty() {
            return Err(AppError::invalid("idea", "write the idea in a few words"));
        }
        let title: String =
            text.lines().next().unwrap_or_default().chars().take(chorus_domain::post::MAX_TITLE_CHARS).collect();
        let draft = PostDraft {
            status: PostStatus::Idea,
            title,
            base_text: text,
            pillar_id: pillar_from(&form)?,
            sponsored: false,
            variants: Vec::new(),
        };
        service::create_post(&state, &page.actor, client_id, draft).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to(&format!("/clients/{client_id}/ideas?notice=idea-added")).into_response(),
        Err(e @ AppError::Invalid(_)) => match board(&state, &page, client_id, form.with_error(&e)).await {
            Ok(p) => render(e.status(), &p),
            Err(other) => error_page(other),
        },
        Err(e) => error_page(e),
    }
}

/// Moves an idea to another pillar, or makes it a draft (`status=draft`). The revision the board showed is
/// checked, so a card moved from a stale board does not undo someone's edit.
pub async fn change(
    State(state): State<AppState>,
    page: PageActor,
    Path(id): Path<String>,
    axum::Form(values): axum::Form<HashMap<String, String>>,
) -> Response {
    let Ok(id) = id.parse::<PostId>() else { return error_page(AppError::NotFound("post")) };
    let form = FormState::new(values);
    let result = async {
        let post = service::post(&state, &page.actor, id).await?;
        let mut draft = post.to_draft();
        if form.values.contains_key("pillar_id") {
            draft.pillar_id = pillar_from(&form)?;
        }
        if form.value("status") == "draft" {
            draft.status = PostStatus::Draft;
        }
        let revision = form.value("revision").parse::<u32>().ok();
        let saved = service::update_post(&state, &page.actor, id, draft, revision).await?;
        Ok::<_, AppError>(saved)
    }
    .await;
    match result {
        // A new draft opens in the composer, where its networks are chosen next.
        Ok(post) if post.status == PostStatus::Draft => {
            Redirect::to(&format!("/posts/{}?notice=idea-drafted", post.id)).into_response()
        }
        Ok(post) => Redirect::to(&format!("/clients/{}/ideas?notice=idea-moved", post.client_id)).into_response(),
        Err(e) => error_page(e),
    }
}
