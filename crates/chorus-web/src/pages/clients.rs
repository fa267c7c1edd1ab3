//! The clients list and the client form.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chorus_domain::office_hours::DAY_KEYS;
use chorus_domain::validation::Checker;
use chorus_domain::{
    Action, BrandNotes, Client, ClientChanges, ClientId, ClientName, Invalid, NewClient, OfficeHours, PageRequest,
    TimeRange, TimeZone,
};
use chorus_store::ArchivedFilter;
use chrono::Weekday;
use serde::Deserialize;

use super::{FormState, Layout, NoticeQuery, Section, error_page, notice, render};
use crate::auth::PageActor;
use crate::{AppError, AppState, services};

#[derive(Template)]
#[template(path = "clients.html")]
struct ListPage {
    layout: Layout,
    clients: Vec<Client>,
    next_cursor: Option<String>,
    search: String,
    archived: bool,
    can_create: bool,
}

#[derive(Deserialize)]
pub struct ListQuery {
    search: Option<String>,
    archived: Option<bool>,
    cursor: Option<String>,
    notice: Option<String>,
}

pub async fn list(State(state): State<AppState>, page: PageActor, Query(query): Query<ListQuery>) -> Response {
    let archived = query.archived.unwrap_or(false);
    let filter = if archived { ArchivedFilter::Archived } else { ArchivedFilter::Active };
    let request = match PageRequest::new(Some(50), query.cursor.as_deref()) {
        Ok(r) => r,
        Err(e) => return error_page(e.into()),
    };
    match services::list_clients(&state, &page.actor, filter, query.search.clone(), &request).await {
        Ok(result) => render(
            StatusCode::OK,
            &ListPage {
                layout: Layout::signed_in("Clients", Section::Clients, &page)
                    .with_notice(notice(query.notice.as_deref())),
                clients: result.items,
                next_cursor: result.next_cursor,
                search: query.search.unwrap_or_default(),
                archived,
                can_create: page.actor.can(Action::CreateClient),
            },
        ),
        Err(e) => error_page(e),
    }
}

#[derive(Template)]
#[template(path = "client_form.html")]
struct FormPage {
    layout: Layout,
    form: FormState,
    /// `None` while creating.
    client: Option<Client>,
    can_edit: bool,
    time_zones: &'static [chrono_tz::Tz],
}

impl FormPage {
    fn days(&self) -> Vec<(&'static str, &'static str)> {
        let names = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
        DAY_KEYS.iter().copied().zip(names).collect()
    }
}

fn form_page(page: &PageActor, title: &str, form: FormState, client: Option<Client>) -> FormPage {
    let can_edit = match &client {
        Some(c) => page.actor.can(Action::EditClient(c.id)),
        None => page.actor.can(Action::CreateClient),
    };
    FormPage {
        layout: Layout::signed_in(title, Section::Clients, page),
        form,
        client,
        can_edit,
        time_zones: &chrono_tz::TZ_VARIANTS,
    }
}

/// A client's values as the form shows them.
fn values_of(client: &Client) -> HashMap<String, String> {
    let mut values = HashMap::new();
    values.insert("name".into(), client.name.as_str().to_string());
    values.insert("time_zone".into(), client.time_zone.name().to_string());
    values.insert("brand_notes".into(), client.brand_notes.as_str().to_string());
    insert_office_hours(&mut values, &client.office_hours);
    values
}

fn insert_office_hours(values: &mut HashMap<String, String>, hours: &OfficeHours) {
    for (key, day) in DAY_KEYS.iter().zip(WEEK) {
        let ranges = hours.day(day).iter().map(|r| r.to_string().replace('–', "-")).collect::<Vec<_>>();
        values.insert(format!("office_hours.{key}"), ranges.join(", "));
    }
}

const WEEK: [Weekday; 7] =
    [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun];

pub async fn new_form(page: PageActor) -> Response {
    if !page.actor.can(Action::CreateClient) {
        return error_page(AppError::Forbidden("You cannot create clients; ask a manager.".into()));
    }
    let mut values = HashMap::new();
    values.insert("time_zone".to_string(), "UTC".to_string());
    insert_office_hours(&mut values, &OfficeHours::default());
    render(StatusCode::OK, &form_page(&page, "New client", FormState::new(values), None))
}

/// Reads "09:00-12:00, 13:00-17:00" for each day; an empty day is a day off.
fn parse_office_hours(values: &HashMap<String, String>) -> Result<OfficeHours, Invalid> {
    let mut days: [Vec<TimeRange>; 7] = Default::default();
    let mut check = Checker::default();
    for (i, key) in DAY_KEYS.iter().enumerate() {
        let field = format!("office_hours.{key}");
        let raw = values.get(&field).map(String::as_str).unwrap_or("").trim();
        for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let parsed = match part.split_once(['-', '–']) {
                Some((start, end)) => TimeRange::parse(start, end),
                None => Err(Invalid::field("", format!("write '{part}' as a range such as 09:00-17:00"))),
            };
            if let Some(range) = check.check(parsed.map_err(|e| rename_all(e, &field))) {
                days[i].push(range);
            }
        }
    }
    check.finish()?;
    OfficeHours::new(days)
}

fn rename_all(mut e: Invalid, field: &str) -> Invalid {
    for err in &mut e.errors {
        err.field = field.to_string();
    }
    e
}

fn parse_client(values: &HashMap<String, String>) -> Result<NewClient, Invalid> {
    let get = |k: &str| values.get(k).map(String::as_str).unwrap_or("");
    let mut check = Checker::default();
    let name = check.check(ClientName::parse(get("name")));
    let time_zone = check.check(TimeZone::parse(get("time_zone")));
    let office_hours = check.check(parse_office_hours(values));
    let brand_notes = check.check(BrandNotes::parse(get("brand_notes")));
    check.finish()?;
    match (name, time_zone, office_hours, brand_notes) {
        (Some(name), Some(time_zone), Some(office_hours), Some(brand_notes)) => {
            Ok(NewClient { name, time_zone, office_hours, brand_notes })
        }
        _ => Err(Invalid::field("form", "incomplete form")),
    }
}

pub async fn create(
    State(state): State<AppState>,
    page: PageActor,
    Form(values): Form<HashMap<String, String>>,
) -> Response {
    let result = match parse_client(&values) {
        Ok(new) => services::create_client(&state, &page.actor, new).await,
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(_) => Redirect::to("/clients?notice=client-created").into_response(),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            render(e.status(), &form_page(&page, "New client", FormState::new(values).with_error(&e), None))
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
    let Ok(id) = id.parse::<ClientId>() else { return error_page(AppError::NotFound("client")) };
    match services::client(&state, &page.actor, id).await {
        Ok(client) => {
            let title = client.name.as_str().to_string();
            let mut p = form_page(&page, &title, FormState::new(values_of(&client)), Some(client));
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
    Form(values): Form<HashMap<String, String>>,
) -> Response {
    let Ok(id) = id.parse::<ClientId>() else { return error_page(AppError::NotFound("client")) };
    let current = match services::client(&state, &page.actor, id).await {
        Ok(c) => c,
        Err(e) => return error_page(e),
    };
    let result = match parse_client(&values) {
        Ok(n) => {
            let changes = ClientChanges {
                name: Some(n.name),
                time_zone: Some(n.time_zone),
                office_hours: Some(n.office_hours),
                brand_notes: Some(n.brand_notes),
            };
            services::update_client(&state, &page.actor, id, changes).await
        }
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/clients/{id}?notice=client-saved")).into_response(),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let title = current.name.as_str().to_string();
            render(e.status(), &form_page(&page, &title, FormState::new(values).with_error(&e), Some(current)))
        }
        Err(e) => error_page(e),
    }
}

async fn set_archived(state: AppState, page: PageActor, id: String, archived: bool) -> Response {
    let Ok(id) = id.parse::<ClientId>() else { return error_page(AppError::NotFound("client")) };
    match services::set_client_archived(&state, &page.actor, id, archived).await {
        Ok(_) if archived => Redirect::to("/clients?notice=client-archived").into_response(),
        Ok(_) => Redirect::to(&format!("/clients/{id}?notice=client-restored")).into_response(),
        Err(e) => error_page(e),
    }
}

pub async fn archive(State(state): State<AppState>, page: PageActor, Path(id): Path<String>) -> Response {
    set_archived(state, page, id, true).await
}

pub async fn restore(State(state): State<AppState>, page: PageActor, Path(id): Path<String>) -> Response {
    set_archived(state, page, id, false).await
}
