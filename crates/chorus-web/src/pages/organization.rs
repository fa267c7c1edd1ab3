//! The organization's own settings.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chorus_domain::{Action, OrganizationName};

use super::{FormState, Layout, NoticeQuery, Section, error_page, notice, render};
use crate::auth::PageActor;
use crate::{AppError, AppState, services};

#[derive(Template)]
#[template(path = "organization.html")]
struct OrganizationPage {
    layout: Layout,
    form: FormState,
    can_edit: bool,
}

fn organization_page(page: &PageActor, form: FormState) -> OrganizationPage {
    OrganizationPage {
        layout: Layout::signed_in("Organization", Section::Organization, page),
        form,
        can_edit: page.actor.can(Action::EditOrganization),
    }
}

pub async fn show(State(state): State<AppState>, page: PageActor, Query(query): Query<NoticeQuery>) -> Response {
    match services::organization(&state, &page.actor).await {
        Ok(org) => {
            let values = HashMap::from([("name".to_string(), org.name.to_string())]);
            let mut p = organization_page(&page, FormState::new(values));
            p.layout = p.layout.with_notice(notice(query.notice.as_deref()));
            render(StatusCode::OK, &p)
        }
        Err(e) => error_page(e),
    }
}

pub async fn update(
    State(state): State<AppState>,
    page: PageActor,
    Form(values): Form<HashMap<String, String>>,
) -> Response {
    let result = match OrganizationName::parse(values.get("name").map(String::as_str).unwrap_or("")) {
        Ok(name) => services::rename_organization(&state, &page.actor, &name).await,
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(_) => Redirect::to("/settings/organization?notice=organization-saved").into_response(),
        Err(e @ (AppError::Invalid(_) | AppError::Forbidden(_))) => {
            render(e.status(), &organization_page(&page, FormState::new(values).with_error(&e)))
        }
        Err(e) => error_page(e),
    }
}
