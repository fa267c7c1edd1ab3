use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chorus_domain::{InvitationId, PageRequest, Person, PersonId};
use chorus_store::Invitation;
use serde::{Deserialize, Serialize};

use super::Listing;
use crate::auth::ApiActor;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::services::{self, InvitationRequest, PersonUpdate};
use crate::{AppResult, AppState, Problem};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeopleListParams {
    /// Items per page, 1 to 200 (default 50).
    limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Include people who can no longer sign in.
    #[serde(default)]
    include_deactivated: bool,
}

/// List the team, and the client users of the clients you work on.
#[utoipa::path(get, path = "/people", tag = "people", params(PeopleListParams),
    responses((status = 200, body = Listing<Person>), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiQuery(params): ApiQuery<PeopleListParams>,
) -> AppResult<Json<Listing<Person>>> {
    let page = PageRequest::new(params.limit, params.cursor.as_deref())?;
    Ok(Json(services::list_people(&state, &caller.actor, params.include_deactivated, &page).await?.into()))
}

/// Get a person.
#[utoipa::path(get, path = "/people/{person_id}", tag = "people", params(("person_id" = PersonId, Path)),
    responses((status = 200, body = Person), (status = 404, body = Problem)))]
pub async fn get(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(id): ApiPath<PersonId>,
) -> AppResult<Json<Person>> {
    Ok(Json(services::person(&state, &caller.actor, id).await?))
}

/// Change a person's name, role or clients, or deactivate them (owners and admins; anyone may rename
/// themselves).
#[utoipa::path(patch, path = "/people/{person_id}", tag = "people", params(("person_id" = PersonId, Path)),
    request_body = PersonUpdate,
    responses((status = 200, body = Person), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(id): ApiPath<PersonId>,
    ApiJson(update): ApiJson<PersonUpdate>,
) -> AppResult<Json<Person>> {
    Ok(Json(services::update_person(&state, &caller.actor, id, update).await?))
}

/// Invitations not yet accepted.
#[utoipa::path(get, path = "/invitations", tag = "people",
    responses((status = 200, body = Vec<Invitation>), (status = 403, body = Problem)))]
pub async fn list_invitations(State(state): State<AppState>, caller: ApiActor) -> AppResult<Json<Vec<Invitation>>> {
    Ok(Json(services::list_invitations(&state, &caller.actor).await?))
}

/// A new invitation and the link that redeems it. The link is shown only here: send it to the person.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedInvitation {
    pub invitation: Invitation,
    pub accept_url: String,
}

/// Invite someone to the organization (owners and admins).
#[utoipa::path(post, path = "/invitations", tag = "people", request_body = InvitationRequest,
    responses((status = 201, body = CreatedInvitation), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn invite(
    State(state): State<AppState>,
    caller: ApiActor,
    headers: HeaderMap,
    ApiJson(request): ApiJson<InvitationRequest>,
) -> AppResult<(StatusCode, Json<CreatedInvitation>)> {
    let base = crate::pages::base_url(&state, &headers);
    let (invitation, accept_url) = services::invite(&state, &caller.actor, request, &base).await?;
    Ok((StatusCode::CREATED, Json(CreatedInvitation { invitation, accept_url })))
}

/// Withdraw an invitation; its link stops working.
#[utoipa::path(delete, path = "/invitations/{invitation_id}", tag = "people", params(("invitation_id" = InvitationId, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn revoke_invitation(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(id): ApiPath<InvitationId>,
) -> AppResult<StatusCode> {
    services::revoke_invitation(&state, &caller.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
