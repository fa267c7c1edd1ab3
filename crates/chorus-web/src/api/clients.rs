use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chorus_domain::{Client, ClientChanges, ClientId, NewClient, PageRequest};
use chorus_store::ArchivedFilter;
use serde::Deserialize;

use super::Listing;
use crate::auth::ApiActor;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::{AppResult, AppState, Problem, services};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClientListParams {
    /// Items per page, 1 to 200 (default 50).
    limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// `active` (default), `archived` or `all`.
    archived: Option<ArchivedFilter>,
    /// Part of the name, in any case.
    search: Option<String>,
}

/// List the clients you work on, by name.
#[utoipa::path(get, path = "/clients", tag = "clients", params(ClientListParams),
    responses((status = 200, body = Listing<Client>), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiQuery(params): ApiQuery<ClientListParams>,
) -> AppResult<Json<Listing<Client>>> {
    let page = PageRequest::new(params.limit, params.cursor.as_deref())?;
    let archived = params.archived.unwrap_or_default();
    Ok(Json(services::list_clients(&state, &caller.actor, archived, params.search, &page).await?.into()))
}

/// Create a client.
#[utoipa::path(post, path = "/clients", tag = "clients", request_body = NewClient,
    responses((status = 201, body = Client), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiJson(new): ApiJson<NewClient>,
) -> AppResult<(StatusCode, Json<Client>)> {
    Ok((StatusCode::CREATED, Json(services::create_client(&state, &caller.actor, new).await?)))
}

/// Get a client.
#[utoipa::path(get, path = "/clients/{client_id}", tag = "clients", params(("client_id" = ClientId, Path)),
    responses((status = 200, body = Client), (status = 404, body = Problem)))]
pub async fn get(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(id): ApiPath<ClientId>,
) -> AppResult<Json<Client>> {
    Ok(Json(services::client(&state, &caller.actor, id).await?))
}

/// Change a client's name, time zone, office hours or brand notes; fields left out stay as they are.
#[utoipa::path(patch, path = "/clients/{client_id}", tag = "clients", params(("client_id" = ClientId, Path)),
    request_body = ClientChanges,
    responses((status = 200, body = Client), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(id): ApiPath<ClientId>,
    ApiJson(changes): ApiJson<ClientChanges>,
) -> AppResult<Json<Client>> {
    Ok(Json(services::update_client(&state, &caller.actor, id, changes).await?))
}

/// Archive a client: it leaves the everyday lists and keeps all its data.
#[utoipa::path(post, path = "/clients/{client_id}/archive", tag = "clients", params(("client_id" = ClientId, Path)),
    responses((status = 200, body = Client), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn archive(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(id): ApiPath<ClientId>,
) -> AppResult<Json<Client>> {
    Ok(Json(services::set_client_archived(&state, &caller.actor, id, true).await?))
}

/// Bring an archived client back.
#[utoipa::path(post, path = "/clients/{client_id}/restore", tag = "clients", params(("client_id" = ClientId, Path)),
    responses((status = 200, body = Client), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn restore(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(id): ApiPath<ClientId>,
) -> AppResult<Json<Client>> {
    Ok(Json(services::set_client_archived(&state, &caller.actor, id, false).await?))
}
