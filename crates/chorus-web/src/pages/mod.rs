//! Server-rendered pages. Plain HTML forms that work without JavaScript, laid out by `templates/base.html`;
//! every form post passes the CSRF check in `auth::csrf` before it reaches a handler here.

mod account;
mod accounts;
mod asset_requests;
mod clients;
mod feeds;
mod ideas;
mod import;
mod media;
mod organization;
mod people;
mod posts;
mod strategy;
mod tokens;

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chorus_domain::{Action, Actor, FieldError, Person};

use crate::{AppError, AppState};

pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/setup", get(account::setup_form).post(account::set_up))
        .route("/sign-in", get(account::sign_in_form).post(account::sign_in))
        .route("/sign-out", post(account::sign_out))
        .route("/invitations/{secret}", get(account::invitation_form).post(account::accept_invitation))
        .route("/clients", get(clients::list))
        .route("/clients/new", get(clients::new_form).post(clients::create))
        .route("/clients/{client_id}", get(clients::edit_form).post(clients::update))
        .route("/clients/{client_id}/archive", post(clients::archive))
        .route("/clients/{client_id}/restore", post(clients::restore))
        .route("/clients/{client_id}/strategy", get(strategy::show))
        .route("/clients/{client_id}/accounts", get(accounts::list))
        .route("/clients/{client_id}/accounts/bluesky", post(accounts::connect_bluesky))
        .route("/clients/{client_id}/accounts/mastodon", post(accounts::connect_mastodon))
        .route("/oauth/mastodon/callback", get(accounts::mastodon_callback))
        .route("/accounts/{account_id}/check", post(accounts::check))
        .route("/accounts/{account_id}/disconnect", post(accounts::disconnect))
        .route("/clients/{client_id}/media", get(media::library))
        .route("/clients/{client_id}/media/bulk", post(media::bulk))
        .route("/clients/{client_id}/media/rename-folder", post(media::rename_folder))
        .route("/clients/{client_id}/media/{asset_id}", get(media::show).post(media::save))
        .route("/clients/{client_id}/media/{asset_id}/delete", post(media::delete))
        .route("/clients/{client_id}/requests", get(asset_requests::list).post(asset_requests::create))
        .route("/asset-requests/{asset_request_id}/revoke", post(asset_requests::revoke))
        .route("/clients/{client_id}/posts", get(posts::list))
        .route("/clients/{client_id}/import", get(import::show))
        .route("/clients/{client_id}/feeds", get(feeds::list).post(feeds::create))
        .route("/feeds/{feed_id}", get(feeds::show).post(feeds::save))
        .route("/feeds/{feed_id}/check", post(feeds::check))
        .route("/feeds/{feed_id}/pause", post(feeds::pause))
        .route("/feeds/{feed_id}/resume", post(feeds::resume))
        .route("/feeds/{feed_id}/delete", post(feeds::delete))
        .route("/clients/{client_id}/posts/new", get(posts::new_form).post(posts::create))
        .route("/clients/{client_id}/posts/check", post(posts::check_form))
        .route("/posts/{post_id}", get(posts::edit_form).post(posts::update))
        .route("/posts/{post_id}/duplicate", post(posts::duplicate))
        .route("/posts/{post_id}/delete", post(posts::delete))
        .route("/clients/{client_id}/ideas", get(ideas::show).post(ideas::add))
        .route("/posts/{post_id}/idea", post(ideas::change))
        .route("/clients/{client_id}/pillars", post(strategy::create_pillar))
        .route("/clients/{client_id}/pillars/{pillar_id}/delete", post(strategy::delete_pillar))
        .route("/clients/{client_id}/goals", post(strategy::create_goal))
        .route("/clients/{client_id}/goals/{goal_id}/delete", post(strategy::delete_goal))
        .route("/clients/{client_id}/brand-voice", post(strategy::set_brand_voice))
        .route("/people", get(people::list))
        .route("/people/invite", get(people::invite_form).post(people::invite))
        .route("/people/{person_id}", get(people::edit_form).post(people::update))
        .route("/people/invitations/{invitation_id}/revoke", post(people::revoke_invitation))
        .route("/settings/organization", get(organization::show).post(organization::update))
        .route("/settings/tokens", get(tokens::list).post(tokens::create))
        .route("/settings/tokens/{token_id}/revoke", post(tokens::revoke))
        .route("/assets/app.css", get(stylesheet))
        .route("/assets/composer.js", get(composer_script))
        .route("/assets/ideas.js", get(ideas_script))
        .route("/assets/media.js", get(media::script))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(state, crate::auth::csrf::protect))
        // The page behind an asset request's link has no session to protect and takes multipart posts, so it is
        // outside the CSRF middleware; `asset_requests::form_token` explains what protects it instead.
        .route("/upload/{secret}", get(asset_requests::show).post(asset_requests::upload))
        // Multipart too, with several files: `media::upload` checks the double-submitted CSRF token itself before it
        // stores a file.
        .route("/clients/{client_id}/media/upload", post(media::upload))
        // Multipart: `import::submit` checks the double-submitted CSRF token itself before it reads the file.
        .route("/clients/{client_id}/import", post(import::submit))
}

async fn home() -> Redirect {
    Redirect::to("/clients")
}

async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../assets/app.css"),
    )
}

async fn composer_script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../assets/composer.js"),
    )
}

async fn ideas_script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../assets/ideas.js"),
    )
}

async fn not_found() -> Response {
    error_page(AppError::NotFound("page"))
}

/// The address of this installation as people reach it, for links in invitations.
pub fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.config.public_url {
        return url.as_str().trim_end_matches('/').to_string();
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("127.0.0.1:8080");
    format!("http://{host}")
}

/// What every page's frame needs: the title, where in the navigation we are, who is signed in.
pub struct Layout {
    pub title: String,
    pub section: Section,
    pub person: Option<Person>,
    actor: Option<Actor>,
    pub csrf: String,
    pub notice: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    None,
    Clients,
    People,
    Organization,
    Tokens,
}

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

impl Layout {
    pub fn signed_in(title: impl Into<String>, section: Section, page: &crate::auth::PageActor) -> Self {
        Self {
            title: title.into(),
            section,
            person: Some(page.person.clone()),
            actor: Some(page.actor.clone()),
            csrf: page.csrf.clone(),
            notice: None,
        }
    }

    pub fn public(title: impl Into<String>, csrf: String) -> Self {
        Self { title: title.into(), section: Section::None, person: None, actor: None, csrf, notice: None }
    }

    pub fn with_notice(mut self, notice: Option<&str>) -> Self {
        self.notice = notice.map(str::to_string);
        self
    }

    /// The main navigation; later features add their entries here.
    pub fn nav(&self) -> Vec<NavItem> {
        let mut items = vec![NavItem { href: "/clients", label: "Clients", current: self.section == Section::Clients }];
        if self.actor.as_ref().is_some_and(|a| a.can(Action::ViewPeople)) {
            items.push(NavItem { href: "/people", label: "People", current: self.section == Section::People });
        }
        if self.actor.as_ref().is_some_and(|a| a.role != chorus_domain::Role::Client) {
            let current = self.section == Section::Organization;
            items.push(NavItem { href: "/settings/organization", label: "Organization", current });
        }
        items.push(NavItem { href: "/settings/tokens", label: "API tokens", current: self.section == Section::Tokens });
        items
    }
}

/// A form's submitted values and the errors to show beside them.
#[derive(Debug, Default, Clone)]
pub struct FormState {
    pub values: HashMap<String, String>,
    pub errors: Vec<FieldError>,
    /// Every value of each field, in order, for fields that repeat and may hold commas (a thread's parts).
    pub lists: HashMap<String, Vec<String>>,
}

/// A form post whose fields may repeat (one `client` or `network` per ticked box), in order.
pub type Pairs = Vec<(String, String)>;

impl FormState {
    pub fn new(values: HashMap<String, String>) -> Self {
        Self { values, ..Self::default() }
    }

    /// Values of repeated fields are joined with commas, which is what [`FormState::checked`] reads.
    pub fn from_pairs(pairs: &Pairs) -> Self {
        let mut values: HashMap<String, String> = HashMap::new();
        for (k, v) in pairs {
            values
                .entry(k.clone())
                .and_modify(|e| {
                    e.push(',');
                    e.push_str(v)
                })
                .or_insert_with(|| v.clone());
        }
        let mut lists: HashMap<String, Vec<String>> = HashMap::new();
        for (k, v) in pairs {
            lists.entry(k.clone()).or_default().push(v.clone());
        }
        Self { values, lists, ..Self::default() }
    }

    /// Every value a repeated field was sent with, in order.
    pub fn all(&self, name: &str) -> &[String] {
        self.lists.get(name).map(Vec::as_slice).unwrap_or_default()
    }

    pub fn with_error(mut self, error: &AppError) -> Self {
        let fields = error.field_errors();
        if fields.is_empty() {
            self.errors.push(FieldError { field: "form".into(), message: error.to_string() });
        } else {
            self.errors.extend(fields);
        }
        self
    }

    pub fn value(&self, name: &str) -> &str {
        self.values.get(name).map(String::as_str).unwrap_or("")
    }

    pub fn error(&self, name: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == name).map(|e| e.message.as_str())
    }

    /// A field's name as a person reads it, for the summary above the form: `office_hours.mon` → "Office
    /// hours, mon".
    pub fn label(field: &str) -> String {
        let words = field.replace('_', " ").replace('.', ", ");
        let mut chars = words.chars();
        chars.next().map(|c| c.to_uppercase().collect::<String>() + chars.as_str()).unwrap_or_default()
    }

    pub fn checked(&self, name: &str, value: &str) -> bool {
        self.values.get(name).is_some_and(|v| v.split(',').any(|v| v == value))
    }
}

/// Renders a template, or a plain error page if rendering fails.
pub fn render(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => error_page(AppError::Internal(format!("template failed: {e}"))),
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    heading: String,
    message: String,
}

pub fn error_page(error: AppError) -> Response {
    let status = error.status();
    if let AppError::Internal(detail) = &error {
        tracing::error!(error = %detail, "page failed");
    }
    let heading = match status {
        StatusCode::NOT_FOUND => "Not found".to_string(),
        StatusCode::FORBIDDEN => "Not allowed".to_string(),
        s => s.canonical_reason().unwrap_or("Error").to_string(),
    };
    let message = match &error {
        AppError::NotFound(_) => "There is nothing here, or you do not have access to it.".to_string(),
        other => other.to_string(),
    };
    let page = ErrorPage { layout: Layout::public(heading.clone(), String::new()), heading, message };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, plain_error_page("Error", &error.to_string())).into_response(),
    }
}

/// A minimal page for errors raised outside any handler (e.g. a refused form).
pub fn plain_error_page(title: &str, message: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><link rel=\"stylesheet\" href=\"/assets/app.css\"><title>{title} · Chorus</title><main id=\"main\"><h1>{title}</h1><p>{message}</p><p><a href=\"javascript:history.back()\">Go back</a></p></main></html>"
    ))
}

/// The `?notice=` of a page reached by a redirect after a change.
#[derive(Debug, serde::Deserialize)]
pub struct NoticeQuery {
    pub notice: Option<String>,
}

/// Messages shown once after a redirect (`?notice=…`). Fixed texts, so a link cannot inject words.
pub fn notice(key: Option<&str>) -> Option<&'static str> {
    Some(match key? {
        "welcome" => "Your organization is ready. Add the first client you manage.",
        "joined" => "Welcome! You are now part of the team.",
        "client-created" => "Client created.",
        "client-saved" => "Changes saved.",
        "client-archived" => "Client archived. You find it under Archived.",
        "client-restored" => "Client restored.",
        "person-saved" => "Changes saved.",
        "organization-saved" => "Changes saved.",
        "pillar-added" => "Pillar added.",
        "pillar-removed" => "Pillar removed.",
        "goal-added" => "Goal added.",
        "goal-removed" => "Goal removed.",
        "voice-saved" => "Brand voice saved.",
        "post-saved" => "Post saved.",
        "post-copied" => "This is a new copy; the original is unchanged.",
        "post-deleted" => "Post deleted.",
        "idea-added" => "Idea added.",
        "account-connected" => "Account connected.",
        "account-checked" => "Account checked.",
        "account-disconnected" => "Account disconnected; its credentials are deleted.",
        "idea-moved" => "Idea moved.",
        "idea-drafted" => "The idea is a draft now: choose its networks and write it.",
        "invitation-revoked" => "Invitation withdrawn; its link no longer works.",
        "token-revoked" => "Token revoked; it stops working at once.",
        _ => return None,
    })
}
