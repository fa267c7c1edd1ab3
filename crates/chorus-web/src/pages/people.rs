//! The team page, invitations and a person's role and clients.

use std::collections::{BTreeSet, HashMap};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chorus_domain::validation::Checker;
use chorus_domain::{
    Action, Client, ClientAccess, ClientId, Email, InvitationId, PageRequest, Person, PersonId, PersonName, Role,
};
use chorus_store::{ArchivedFilter, Invitation};
use serde::Deserialize;

use super::{FormState, Layout, NoticeQuery, Pairs, Section, error_page, notice, render};
use crate::auth::PageActor;
use crate::services::{self, InvitationRequest, PersonUpdate};
use crate::{AppError, AppState};

#[derive(Template)]
#[template(path = "people.html")]
struct ListPage {
    layout: Layout,
    people: Vec<Person>,
    invitations: Vec<Invitation>,
    next_cursor: Option<String>,
    can_invite: bool,
    client_names: HashMap<ClientId, String>,
}

impl ListPage {
    fn access_text(&self, access: &ClientAccess) -> String {
        access_summary(access, &self.client_names)
    }
}

fn access_summary(access: &ClientAccess, names: &HashMap<ClientId, String>) -> String {
    match access {
        ClientAccess::All => "All clients".to_string(),
        ClientAccess::Only(ids) if ids.is_empty() => "No clients yet".to_string(),
        ClientAccess::Only(ids) => ids
            .iter()
            .map(|id| names.get(id).cloned().unwrap_or_else(|| "(hidden)".into()))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    cursor: Option<String>,
    notice: Option<String>,
}

/// Every client the actor sees, archived ones too, to name them and offer them in forms.
async fn visible_clients(state: &AppState, page: &PageActor) -> Result<Vec<Client>, AppError> {
    let mut clients = Vec::new();
    let mut request = PageRequest::first(200);
    loop {
        let result = services::list_clients(state, &page.actor, ArchivedFilter::All, None, &request).await?;
        clients.extend(result.items);
        match result.next_cursor {
            Some(c) => request = PageRequest::new(Some(200), Some(&c))?,
            None => return Ok(clients),
        }
    }
}

pub async fn list(State(state): State<AppState>, page: PageActor, Query(query): Query<ListQuery>) -> Response {
    let result = async {
        let request = PageRequest::new(Some(100), query.cursor.as_deref())?;
        let people = services::list_people(&state, &page.actor, true, &request).await?;
        let can_invite = page.actor.can(Action::InvitePerson(Role::Client));
        let invitations = if can_invite { services::list_invitations(&state, &page.actor).await? } else { Vec::new() };
        let client_names =
            visible_clients(&state, &page).await?.into_iter().map(|c| (c.id, c.name.as_str().to_string())).collect();
        Ok::<_, AppError>(ListPage {
            layout: Layout::signed_in("People", Section::People, &page).with_notice(notice(query.notice.as_deref())),
            people: people.items,
            invitations,
            next_cursor: people.next_cursor,
            can_invite,
            client_names,
        })
    }
    .await;
    match result {
        Ok(p) => render(StatusCode::OK, &p),
        Err(e) => error_page(e),
    }
}

#[derive(Template)]
#[template(path = "invite.html")]
struct InvitePage {
    layout: Layout,
    form: FormState,
    clients: Vec<Client>,
    roles: Vec<Role>,
    /// Set once the invitation exists: the link to hand over, shown this one time.
    accept_url: Option<String>,
    invited: Option<Invitation>,
}

fn invitable_roles(page: &PageActor) -> Vec<Role> {
    Role::ALL.into_iter().filter(|r| page.actor.can(Action::InvitePerson(*r))).collect()
}

pub async fn invite_form(State(state): State<AppState>, page: PageActor) -> Response {
    if !page.actor.can(Action::InvitePerson(Role::Client)) {
        return error_page(AppError::Forbidden("Only owners and admins can invite people.".into()));
    }
    let clients = match visible_clients(&state, &page).await {
        Ok(c) => c,
        Err(e) => return error_page(e),
    };
    let mut values = HashMap::new();
    values.insert("role".to_string(), "editor".to_string());
    let roles = invitable_roles(&page);
    let p = InvitePage {
        layout: Layout::signed_in("Invite someone", Section::People, &page),
        form: FormState::new(values),
        clients,
        roles,
        accept_url: None,
        invited: None,
    };
    render(StatusCode::OK, &p)
}

/// Reads the role and the ticked clients; owners and admins always get every client.
fn parse_access(values: &HashMap<String, String>) -> Result<(Role, Option<ClientAccess>), chorus_domain::Invalid> {
    let role: Role = values.get("role").map(String::as_str).unwrap_or("").parse()?;
    if role.sees_every_client() {
        return Ok((role, Some(ClientAccess::All)));
    }
    if values.get("all_clients").is_some_and(|v| v == "on") && role != Role::Client {
        return Ok((role, Some(ClientAccess::All)));
    }
    let mut ids = BTreeSet::new();
    for raw in values.get("client").map(String::as_str).unwrap_or("").split(',').filter(|s| !s.is_empty()) {
        let id = raw
            .parse::<ClientId>()
            .map_err(|_| chorus_domain::Invalid::field("client_access", "one of the ticked clients does not exist"))?;
        ids.insert(id);
    }
    if ids.is_empty() {
        let message = if role == Role::Client {
            "tick the one client this person belongs to"
        } else {
            "tick the clients this person works on, or all clients"
        };
        return Err(chorus_domain::Invalid::field("client_access", message));
    }
    Ok((role, Some(ClientAccess::Only(ids))))
}

pub async fn invite(
    State(state): State<AppState>,
    page: PageActor,
    headers: HeaderMap,
    axum::Form(pairs): axum::Form<Pairs>,
) -> Response {
    let values = FormState::from_pairs(&pairs).values;
    let get = |k: &str| values.get(k).map(String::as_str).unwrap_or("");
    let mut check = Checker::default();
    let email = check.check(Email::parse(get("email")));
    let name = check.check(PersonName::parse(get("name")));
    let access = check.check(parse_access(&values));
    let result = match (check.finish(), email, name, access) {
        (Ok(()), Some(email), Some(name), Some((role, client_access))) => {
            let base = super::base_url(&state, &headers);
            services::invite(&state, &page.actor, InvitationRequest { email, name, role, client_access }, &base).await
        }
        (Err(invalid), ..) => Err(invalid.into()),
        _ => Err(AppError::BadRequest("incomplete form".into())),
    };
    let clients = match visible_clients(&state, &page).await {
        Ok(c) => c,
        Err(e) => return error_page(e),
    };
    let roles = invitable_roles(&page);
    let layout = Layout::signed_in("Invite someone", Section::People, &page);
    match result {
        Ok((invitation, url)) => render(
            StatusCode::CREATED,
            &InvitePage {
                layout,
                form: FormState::default(),
                clients,
                roles,
                accept_url: Some(url),
                invited: Some(invitation),
            },
        ),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. } | AppError::Forbidden(_))) => render(
            e.status(),
            &InvitePage {
                layout,
                form: FormState::new(values).with_error(&e),
                clients,
                roles,
                accept_url: None,
                invited: None,
            },
        ),
        Err(e) => error_page(e),
    }
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    layout: Layout,
    form: FormState,
    person: Person,
    clients: Vec<Client>,
    roles: Vec<Role>,
    can_manage: bool,
    is_self: bool,
}

fn values_of(person: &Person) -> HashMap<String, String> {
    let mut values = HashMap::new();
    values.insert("name".into(), person.name.as_str().to_string());
    values.insert("role".into(), person.role.as_str().to_string());
    match &person.client_access {
        ClientAccess::All => {
            values.insert("all_clients".into(), "on".into());
        }
        ClientAccess::Only(ids) => {
            values.insert("client".into(), ids.iter().map(ToString::to_string).collect::<Vec<_>>().join(","));
        }
    }
    values
}

async fn person_page(
    state: &AppState,
    page: &PageActor,
    person: Person,
    form: FormState,
) -> Result<PersonPage, AppError> {
    let clients = visible_clients(state, page).await?;
    let can_manage =
        person.id != page.person.id && page.actor.can(Action::ChangePerson { target: &person, new_role: person.role });
    let roles = Role::ALL
        .into_iter()
        .filter(|r| page.actor.can(Action::ChangePerson { target: &person, new_role: *r }))
        .collect();
    let is_self = person.id == page.person.id;
    Ok(PersonPage {
        layout: Layout::signed_in(person.name.as_str().to_string(), Section::People, page),
        form,
        person,
        clients,
        roles,
        can_manage,
        is_self,
    })
}

pub async fn edit_form(
    State(state): State<AppState>,
    page: PageActor,
    Path(id): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> Response {
    let Ok(id) = id.parse::<PersonId>() else { return error_page(AppError::NotFound("person")) };
    let result = async {
        let person = services::person(&state, &page.actor, id).await?;
        let form = FormState::new(values_of(&person));
        person_page(&state, &page, person, form).await
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
    let Ok(id) = id.parse::<PersonId>() else { return error_page(AppError::NotFound("person")) };
    let values = FormState::from_pairs(&pairs).values;
    let update = match values.get("action").map(String::as_str) {
        Some("deactivate") => Ok(PersonUpdate { deactivated: Some(true), ..Default::default() }),
        Some("reactivate") => Ok(PersonUpdate { deactivated: Some(false), ..Default::default() }),
        Some("rename") => PersonName::parse(values.get("name").map(String::as_str).unwrap_or(""))
            .map(|name| PersonUpdate { name: Some(name), ..Default::default() })
            .map_err(AppError::from),
        _ => parse_access(&values).map_err(AppError::from).and_then(|(role, access)| {
            let name = PersonName::parse(values.get("name").map(String::as_str).unwrap_or(""))?;
            Ok(PersonUpdate { name: Some(name), role: Some(role), client_access: access, deactivated: None })
        }),
    };
    let result = match update {
        Ok(u) => services::update_person(&state, &page.actor, id, u).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/people/{id}?notice=person-saved")).into_response(),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. } | AppError::Forbidden(_))) => {
            let person = match services::person(&state, &page.actor, id).await {
                Ok(p) => p,
                Err(e) => return error_page(e),
            };
            match person_page(&state, &page, person, FormState::new(values).with_error(&e)).await {
                Ok(p) => render(e.status(), &p),
                Err(e) => error_page(e),
            }
        }
        Err(e) => error_page(e),
    }
}

pub async fn revoke_invitation(State(state): State<AppState>, page: PageActor, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<InvitationId>() else { return error_page(AppError::NotFound("invitation")) };
    match services::revoke_invitation(&state, &page.actor, id).await {
        Ok(()) => Redirect::to("/people?notice=invitation-revoked").into_response(),
        Err(e) => error_page(e),
    }
}
