//! A client's "Feeds" tab: the feeds whose articles become drafts, with each one's last check, and the form to add
//! one. Checking, pausing and resuming are buttons that post and come back here.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chorus_domain::feed::{DEFAULT_CHECK_INTERVAL_MINUTES, DEFAULT_FIRST_ITEMS, DEFAULT_TEMPLATE};
use chorus_domain::{Action, Client, ClientId, Feed, FeedFields, FeedId, FeedItem, Network, PillarId};

use super::{FormState, Layout, NoticeQuery, Pairs, Section, error_page, render};
use crate::auth::PageActor;
use crate::services::feeds as service;
use crate::{AppError, AppState};

struct FeedRow {
    feed: Feed,
    networks: String,
    pillar: String,
    interval: String,
}

#[derive(Template)]
#[template(path = "feeds.html")]
struct FeedsPage {
    layout: Layout,
    client: Client,
    rows: Vec<FeedRow>,
    can_edit: bool,
    form: FormState,
    networks: Vec<(&'static str, &'static str)>,
    pillars: Vec<(String, String)>,
    intervals: Vec<(u32, &'static str)>,
    /// Where the feed form posts, and its button.
    action: String,
    submit_label: &'static str,
}

const INTERVALS: [(u32, &str); 7] = [
    (15, "15 minutes"),
    (30, "30 minutes"),
    (60, "hour"),
    (180, "3 hours"),
    (360, "6 hours"),
    (720, "12 hours"),
    (1440, "day"),
];

fn interval_text(minutes: u32) -> String {
    match INTERVALS.iter().find(|(m, _)| *m == minutes) {
        Some((_, text)) => (*text).to_string(),
        None => format!("{minutes} minutes"),
    }
}

fn new_feed_form() -> FormState {
    FormState::new(
        [
            ("template", DEFAULT_TEMPLATE.to_string()),
            ("check_interval_minutes", DEFAULT_CHECK_INTERVAL_MINUTES.to_string()),
            ("first_items", DEFAULT_FIRST_ITEMS.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect(),
    )
}

/// Messages shown once after a redirect. Fixed texts, so a link cannot inject words.
fn notice(key: Option<&str>) -> Option<&'static str> {
    match key? {
        "added" => Some("Feed added. It is checked within a minute; or check it now."),
        "saved" => Some("Feed saved."),
        "checked" => Some("Checked: the result is beside the feed."),
        "paused" => Some("Feed paused: it is not checked until you resume it."),
        "resumed" => Some("Feed resumed: it is checked again within a minute."),
        "removed" => Some("Feed removed. The drafts it made stay."),
        _ => None,
    }
}

async fn feeds_page(
    state: &AppState,
    page: &PageActor,
    client_id: ClientId,
    form: FormState,
) -> Result<FeedsPage, AppError> {
    let client = crate::services::client(state, &page.actor, client_id).await?;
    let pillars = state.store.list_pillars(page.actor.organization, client_id).await?;
    let rows = service::feeds(state, &page.actor, client_id)
        .await?
        .into_iter()
        .map(|feed| FeedRow {
            networks: feed.networks.iter().map(|n| n.display_name()).collect::<Vec<_>>().join(", "),
            pillar: feed
                .pillar_id
                .and_then(|id| pillars.iter().find(|p| p.id == id))
                .map(|p| p.name.as_str().to_string())
                .unwrap_or_default(),
            interval: interval_text(feed.check_interval_minutes),
            feed,
        })
        .collect();
    Ok(FeedsPage {
        layout: Layout::signed_in(format!("{} · Feeds", client.name), Section::Clients, page),
        can_edit: page.actor.can(Action::EditContent(client.id)),
        client,
        rows,
        form,
        networks: Network::ALL.iter().map(|n| (n.as_str(), n.display_name())).collect(),
        pillars: pillars.iter().map(|p| (p.id.to_string(), p.name.as_str().to_string())).collect(),
        intervals: INTERVALS.to_vec(),
        action: format!("/clients/{client_id}/feeds"),
        submit_label: "Add feed",
    })
}

pub async fn list(
    State(state): State<AppState>,
    page: PageActor,
    Path(client): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> Response {
    let Ok(client) = client.parse::<ClientId>() else { return error_page(AppError::NotFound("client")) };
    match feeds_page(&state, &page, client, new_feed_form()).await {
        Ok(mut p) => {
            p.layout = p.layout.with_notice(notice(query.notice.as_deref()));
            render(StatusCode::OK, &p)
        }
        Err(e) => error_page(e),
    }
}

/// The fields of the add form, naming the field of a value that is not even of the right kind.
fn fields_of(form: &FormState) -> Result<FeedFields, AppError> {
    let number = |name: &str, what: &str| -> Result<u32, AppError> {
        form.value(name)
            .trim()
            .parse::<u32>()
            .map_err(|_| AppError::invalid(name, format!("give {what} as a whole number")))
    };
    let networks = form
        .all("networks")
        .iter()
        .map(|n| n.parse::<Network>().map_err(|_| AppError::invalid("networks", format!("'{n}' is not a network"))))
        .collect::<Result<Vec<_>, _>>()?;
    let pillar_id = match form.value("pillar_id").trim() {
        "" => None,
        raw => Some(raw.parse::<PillarId>().map_err(|_| AppError::invalid("pillar_id", "choose one of the pillars"))?),
    };
    Ok(FeedFields {
        name: form.value("name").to_string(),
        url: form.value("url").to_string(),
        networks,
        pillar_id,
        template: form.value("template").to_string(),
        check_interval_minutes: number("check_interval_minutes", "the interval")?,
        first_items: number("first_items", "the number of drafts")?,
    })
}

pub async fn create(
    State(state): State<AppState>,
    page: PageActor,
    Path(client): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Response {
    let Ok(client) = client.parse::<ClientId>() else { return error_page(AppError::NotFound("client")) };
    let form = FormState::from_pairs(&pairs);
    let created = match fields_of(&form) {
        Ok(fields) => service::create(&state, &page.actor, client, fields).await,
        Err(e) => Err(e),
    };
    match created {
        Ok(_) => Redirect::to(&format!("/clients/{client}/feeds?notice=added")).into_response(),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let status = e.status();
            match feeds_page(&state, &page, client, form.with_error(&e)).await {
                Ok(p) => render(status, &p),
                Err(e) => error_page(e),
            }
        }
        Err(e) => error_page(e),
    }
}

#[derive(Template)]
#[template(path = "feed.html")]
struct FeedPage {
    layout: Layout,
    client: Client,
    feed: Feed,
    items: Vec<FeedItem>,
    can_edit: bool,
    form: FormState,
    networks: Vec<(&'static str, &'static str)>,
    pillars: Vec<(String, String)>,
    intervals: Vec<(u32, &'static str)>,
    /// Where the feed form posts, and its button.
    action: String,
    submit_label: &'static str,
}

/// The form filled with what the feed has.
fn feed_form(feed: &Feed) -> FormState {
    let mut pairs: Pairs = vec![
        ("name".into(), feed.name.clone()),
        ("url".into(), feed.url.clone()),
        ("template".into(), feed.template.clone()),
        ("check_interval_minutes".into(), feed.check_interval_minutes.to_string()),
        ("first_items".into(), feed.first_items.to_string()),
        ("pillar_id".into(), feed.pillar_id.map(|p| p.to_string()).unwrap_or_default()),
    ];
    pairs.extend(feed.networks.iter().map(|n| ("networks".to_string(), n.as_str().to_string())));
    FormState::from_pairs(&pairs)
}

async fn feed_page(
    state: &AppState,
    page: &PageActor,
    id: FeedId,
    form: Option<FormState>,
) -> Result<FeedPage, AppError> {
    let feed = service::feed(state, &page.actor, id).await?;
    let client = crate::services::client(state, &page.actor, feed.client_id).await?;
    let pillars = state.store.list_pillars(page.actor.organization, feed.client_id).await?;
    let items = service::items(state, &page.actor, id).await?;
    let intervals = if INTERVALS.iter().any(|(m, _)| *m == feed.check_interval_minutes) {
        INTERVALS.to_vec()
    } else {
        // A value set through the API stays choosable.
        let mut all = INTERVALS.to_vec();
        all.push((feed.check_interval_minutes, "the interval set through the API"));
        all
    };
    Ok(FeedPage {
        layout: Layout::signed_in(format!("{} · {}", client.name, feed.name), Section::Clients, page),
        can_edit: page.actor.can(Action::EditContent(client.id)),
        form: form.unwrap_or_else(|| feed_form(&feed)),
        client,
        feed,
        items,
        networks: Network::ALL.iter().map(|n| (n.as_str(), n.display_name())).collect(),
        pillars: pillars.iter().map(|p| (p.id.to_string(), p.name.as_str().to_string())).collect(),
        intervals,
        action: format!("/feeds/{id}"),
        submit_label: "Save feed",
    })
}

pub async fn show(State(state): State<AppState>, page: PageActor, Path(feed): Path<String>) -> Response {
    let Ok(id) = feed.parse::<FeedId>() else { return error_page(AppError::NotFound("feed")) };
    match feed_page(&state, &page, id, None).await {
        Ok(p) => render(StatusCode::OK, &p),
        Err(e) => error_page(e),
    }
}

pub async fn save(
    State(state): State<AppState>,
    page: PageActor,
    Path(feed): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Response {
    let Ok(id) = feed.parse::<FeedId>() else { return error_page(AppError::NotFound("feed")) };
    let form = FormState::from_pairs(&pairs);
    let saved = match fields_of(&form) {
        Ok(fields) => service::update(&state, &page.actor, id, fields).await,
        Err(e) => Err(e),
    };
    match saved {
        Ok(feed) => Redirect::to(&format!("/clients/{}/feeds?notice=saved", feed.client_id)).into_response(),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let status = e.status();
            match feed_page(&state, &page, id, Some(form.with_error(&e))).await {
                Ok(p) => render(status, &p),
                Err(e) => error_page(e),
            }
        }
        Err(e) => error_page(e),
    }
}

/// What a button on a feed does.
#[derive(Clone, Copy)]
enum Act {
    Check,
    Pause,
    Resume,
    Remove,
}

/// Does `act` to the feed and goes back to its client's tab with a notice saying so.
async fn act_on(state: &AppState, page: &PageActor, feed: &str, act: Act) -> Response {
    let Ok(id) = feed.parse::<FeedId>() else { return error_page(AppError::NotFound("feed")) };
    let client = match service::feed(state, &page.actor, id).await {
        Ok(feed) => feed.client_id,
        Err(e) => return error_page(e),
    };
    let actor = &page.actor;
    let (done, notice) = match act {
        Act::Check => (service::check_now(state, actor, id).await.map(|_| ()), "checked"),
        Act::Pause => (service::set_paused(state, actor, id, true).await.map(|_| ()), "paused"),
        Act::Resume => (service::set_paused(state, actor, id, false).await.map(|_| ()), "resumed"),
        Act::Remove => (service::delete(state, actor, id).await, "removed"),
    };
    match done {
        Ok(()) => Redirect::to(&format!("/clients/{client}/feeds?notice={notice}")).into_response(),
        Err(e) => error_page(e),
    }
}

pub async fn check(State(state): State<AppState>, page: PageActor, Path(feed): Path<String>) -> Response {
    act_on(&state, &page, &feed, Act::Check).await
}

pub async fn pause(State(state): State<AppState>, page: PageActor, Path(feed): Path<String>) -> Response {
    act_on(&state, &page, &feed, Act::Pause).await
}

pub async fn resume(State(state): State<AppState>, page: PageActor, Path(feed): Path<String>) -> Response {
    act_on(&state, &page, &feed, Act::Resume).await
}

pub async fn delete(State(state): State<AppState>, page: PageActor, Path(feed): Path<String>) -> Response {
    act_on(&state, &page, &feed, Act::Remove).await
}
