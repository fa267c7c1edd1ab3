use axum::Json;
use axum::extract::State;
use chorus_domain::{Organization, OrganizationName, Person};
use serde::{Deserialize, Serialize};

use crate::auth::ApiActor;
use crate::extract::ApiJson;
use crate::{AppResult, AppState, Problem, services};

/// The caller, their organization, and how they are authenticated.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    pub person: Person,
    pub organization: Organization,
    /// `read` or `write` when calling with an API token; absent for a browser session.
    pub token_scope: Option<chorus_domain::TokenScope>,
}

/// Who am I?
#[utoipa::path(get, path = "/me", tag = "me", responses((status = 200, body = Me), (status = 401, body = Problem)))]
pub async fn me(State(state): State<AppState>, caller: ApiActor) -> AppResult<Json<Me>> {
    let organization = services::organization(&state, &caller.actor).await?;
    Ok(Json(Me { person: caller.person, organization, token_scope: caller.actor.token }))
}

/// The caller's organization.
#[utoipa::path(get, path = "/organization", tag = "me", responses((status = 200, body = Organization), (status = 401, body = Problem)))]
pub async fn organization(State(state): State<AppState>, caller: ApiActor) -> AppResult<Json<Organization>> {
    Ok(Json(services::organization(&state, &caller.actor).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct OrganizationChanges {
    pub name: OrganizationName,
}

/// Rename the organization (owners and admins).
#[utoipa::path(patch, path = "/organization", tag = "me", request_body = OrganizationChanges,
    responses((status = 200, body = Organization), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn update_organization(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiJson(changes): ApiJson<OrganizationChanges>,
) -> AppResult<Json<Organization>> {
    Ok(Json(services::rename_organization(&state, &caller.actor, &changes.name).await?))
}
