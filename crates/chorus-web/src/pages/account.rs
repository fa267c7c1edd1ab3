//! First-run setup, signing in and out, and accepting an invitation.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chorus_domain::validation::Checker;
use chorus_domain::{Email, OrganizationName, Password, PersonName};
use chorus_store::Invitation;

use super::{FormState, Layout, error_page, render};
use crate::auth::csrf::CsrfToken;
use crate::auth::{CurrentPerson, client_address, session, sign_in as sign_in_check};
use crate::{AppError, AppState, services};

type Fields = HashMap<String, String>;

fn csrf_of(parts: &Parts) -> String {
    parts.extensions.get::<CsrfToken>().map(|t| t.0.clone()).unwrap_or_default()
}

/// Only paths of this site: `next=https://evil.example` must not turn sign-in into an open redirect.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") => n.to_string(),
        _ => "/clients".to_string(),
    }
}

fn signed_in_redirect(to: &str, cookie: axum::http::HeaderValue) -> Response {
    let mut response = Redirect::to(to).into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    layout: Layout,
    form: FormState,
}

pub async fn setup_form(State(state): State<AppState>, parts: Parts) -> Response {
    match state.store.needs_setup().await {
        Ok(true) => {}
        Ok(false) => return Redirect::to("/sign-in").into_response(),
        Err(e) => return error_page(e.into()),
    }
    let page = SetupPage { layout: Layout::public("Welcome to Chorus", csrf_of(&parts)), form: FormState::default() };
    render(StatusCode::OK, &page)
}

pub async fn set_up(State(state): State<AppState>, parts: Parts, Form(mut fields): Form<Fields>) -> Response {
    // Never echo a password back into the page.
    let password_raw = fields.remove("password").unwrap_or_default();
    let form = FormState::new(fields);
    let get = |k: &str| form.values.get(k).cloned().unwrap_or_default();
    let mut check = Checker::default();
    let organization =
        check.check(OrganizationName::parse(&get("organization")).map_err(|e| rename(e, "organization")));
    let name = check.check(PersonName::parse(&get("name")));
    let email = check.check(Email::parse(&get("email")));
    let password = check.check(Password::parse(&password_raw));
    let result = match (check.finish(), organization, name, email, password) {
        (Ok(()), Some(o), Some(n), Some(e), Some(p)) => services::set_up(&state, &o, n, e, &p).await,
        (Err(invalid), ..) => Err(AppError::Invalid(invalid)),
        _ => Err(AppError::BadRequest("incomplete form".into())),
    };
    match result {
        Ok((_, owner)) => match session::start(&state, &owner, user_agent(&parts.headers)).await {
            Ok(cookie) => signed_in_redirect("/clients?notice=welcome", cookie),
            Err(e) => error_page(e),
        },
        Err(AppError::Forbidden(_)) => Redirect::to("/sign-in").into_response(),
        Err(e) => {
            let status = e.status();
            render(
                status,
                &SetupPage { layout: Layout::public("Welcome to Chorus", csrf_of(&parts)), form: form.with_error(&e) },
            )
        }
    }
}

fn rename(mut e: chorus_domain::Invalid, to: &str) -> chorus_domain::Invalid {
    for err in &mut e.errors {
        err.field = to.to_string();
    }
    e
}

fn user_agent(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok())
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    layout: Layout,
    form: FormState,
    next: String,
}

#[derive(serde::Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn sign_in_form(
    State(state): State<AppState>,
    CurrentPerson(person): CurrentPerson,
    Query(query): Query<NextQuery>,
    parts: Parts,
) -> Response {
    if person.is_some() {
        return Redirect::to(&safe_next(query.next.as_deref())).into_response();
    }
    if let Ok(true) = state.store.needs_setup().await {
        return Redirect::to("/setup").into_response();
    }
    let page = SignInPage {
        layout: Layout::public("Sign in", csrf_of(&parts)),
        form: FormState::default(),
        next: safe_next(query.next.as_deref()),
    };
    render(StatusCode::OK, &page)
}

pub async fn sign_in(State(state): State<AppState>, parts: Parts, Form(fields): Form<Fields>) -> Response {
    let email = fields.get("email").cloned().unwrap_or_default();
    let password = fields.get("password").cloned().unwrap_or_default();
    let next = safe_next(fields.get("next").map(String::as_str));
    let address = client_address(&parts, &state);
    match sign_in_check::sign_in(&state, &email, &password, &address).await {
        Ok(person) => match session::start(&state, &person, user_agent(&parts.headers)).await {
            Ok(cookie) => signed_in_redirect(&next, cookie),
            Err(e) => error_page(e),
        },
        Err(e) => {
            let mut values = Fields::new();
            values.insert("email".into(), email);
            let page = SignInPage {
                layout: Layout::public("Sign in", csrf_of(&parts)),
                form: FormState::new(values).with_error(&e),
                next,
            };
            let mut response = render(e.status(), &page);
            if let AppError::TooManyAttempts { retry_after_secs } = e
                && let Ok(v) = retry_after_secs.to_string().parse()
            {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            response
        }
    }
}

pub async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match session::end(&state, &headers).await {
        Ok(cookie) => signed_in_redirect("/sign-in", cookie),
        Err(e) => error_page(e),
    }
}

#[derive(Template)]
#[template(path = "invitation.html")]
struct InvitationPage {
    layout: Layout,
    form: FormState,
    invitation: Invitation,
    organization: String,
}

async fn invitation_page(
    state: &AppState,
    secret: &str,
    csrf: String,
    form: FormState,
) -> Result<InvitationPage, AppError> {
    let invitation = services::open_invitation(state, secret).await?;
    let organization = state.store.organization(invitation.organization_id).await?.name.as_str().to_string();
    Ok(InvitationPage { layout: Layout::public("Join Chorus", csrf), form, invitation, organization })
}

pub async fn invitation_form(State(state): State<AppState>, Path(secret): Path<String>, parts: Parts) -> Response {
    match invitation_page(&state, &secret, csrf_of(&parts), FormState::default()).await {
        Ok(page) => render(StatusCode::OK, &page),
        Err(AppError::NotFound(_)) => error_page(AppError::Forbidden(
            "This invitation link has expired, was withdrawn or was already used. Ask for a new one.".into(),
        )),
        Err(e) => error_page(e),
    }
}

pub async fn accept_invitation(
    State(state): State<AppState>,
    Path(secret): Path<String>,
    parts: Parts,
    Form(fields): Form<Fields>,
) -> Response {
    let password = fields.get("password").map(String::as_str).unwrap_or("");
    let confirm = fields.get("password_confirmation").map(String::as_str).unwrap_or("");
    let result = match Password::parse(password) {
        Ok(_) if password != confirm => Err(AppError::invalid("password_confirmation", "the two passwords differ")),
        Ok(p) => services::accept_invitation(&state, &secret, &p).await,
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(person) => match session::start(&state, &person, user_agent(&parts.headers)).await {
            Ok(cookie) => signed_in_redirect("/clients?notice=joined", cookie),
            Err(e) => error_page(e),
        },
        Err(e @ AppError::Invalid(_)) => {
            match invitation_page(&state, &secret, csrf_of(&parts), FormState::default().with_error(&e)).await {
                Ok(page) => render(e.status(), &page),
                Err(e) => error_page(e),
            }
        }
        Err(e) => error_page(e),
    }
}
