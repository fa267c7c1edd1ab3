use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{StatusCode, header};
use chorus_domain::{ClientId, PageRequest, Post, PostDraft, PostId, PostRevision, PostStatus};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::Listing;
use crate::auth::ApiActor;
use crate::extract::{ApiJson, ApiPath, ApiQuery, parse_json};
use crate::services::posts::{self as service, PostCheck};
use crate::{AppError, AppResult, AppState, Problem};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PostListParams {
    /// Only this client's posts.
    client_id: Option<ClientId>,
    /// Only posts in this state: `idea`, `draft` or `template`.
    status: Option<PostStatus>,
    /// Part of the title or the base text, in any case.
    search: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// List the posts of the clients you work on, newest first.
#[utoipa::path(get, path = "/posts", tag = "posts", params(PostListParams),
    responses((status = 200, body = Listing<Post>), (status = 401, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiQuery(params): ApiQuery<PostListParams>,
) -> AppResult<Json<Listing<Post>>> {
    let page = PageRequest::new(params.limit, params.cursor.as_deref())?;
    let posts =
        service::list_posts(&state, &caller.actor, params.client_id, params.status, params.search, &page).await?;
    Ok(Json(posts.into()))
}

/// Write a post for a client: a base text and a variant per network. It starts at revision 1.
#[utoipa::path(post, path = "/clients/{client_id}/posts", tag = "posts", params(("client_id" = ClientId, Path)),
    request_body = PostDraft,
    responses((status = 201, body = Post), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(client): ApiPath<ClientId>,
    ApiJson(draft): ApiJson<PostDraft>,
) -> AppResult<(StatusCode, Json<Post>)> {
    Ok((StatusCode::CREATED, Json(service::create_post(&state, &caller.actor, client, draft).await?)))
}

/// Get a post with its variants.
#[utoipa::path(get, path = "/posts/{post_id}", tag = "posts", params(("post_id" = PostId, Path)),
    responses((status = 200, body = Post), (status = 404, body = Problem)))]
pub async fn get(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(id): ApiPath<PostId>,
) -> AppResult<Json<Post>> {
    Ok(Json(service::post(&state, &caller.actor, id).await?))
}

/// A post as it is saved: every field, and the revision it was loaded at.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PostUpdate {
    #[serde(flatten)]
    pub draft: PostDraft,
    /// The revision you loaded. When someone saved the post since, the save is refused with 409 instead of
    /// overwriting their change; leave it out to save regardless.
    #[serde(default)]
    pub revision: Option<u32>,
}

/// Only the revision of a [`PostUpdate`].
#[derive(Deserialize)]
struct RevisionOf {
    #[serde(default)]
    revision: Option<u32>,
}

/// Read in two passes over the same body rather than through `flatten`, which would hide the path of a bad
/// value: an unknown network must be reported at `variants[1].network`, not at the top of the body.
impl<S: Send + Sync> FromRequest<S> for PostUpdate {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        // A save replaces the whole post: an empty body would empty it, so it is refused as `ApiJson` refuses it.
        let body = json_body(req, state, MAX_POST_BYTES).await?.ok_or_else(|| {
            AppError::BadRequest("send the post as JSON with 'Content-Type: application/json'".into())
        })?;
        let draft: PostDraft = parse_json(&body)?;
        let RevisionOf { revision } = parse_json(&body)?;
        Ok(PostUpdate { draft, revision })
    }
}

/// Save a post: its fields and variants are replaced whole, and its revision goes up by one.
#[utoipa::path(put, path = "/posts/{post_id}", tag = "posts", params(("post_id" = PostId, Path)),
    request_body = PostUpdate,
    responses((status = 200, body = Post), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, description = "Someone else saved the post since `revision`", body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(id): ApiPath<PostId>,
    update: PostUpdate,
) -> AppResult<Json<Post>> {
    Ok(Json(service::update_post(&state, &caller.actor, id, update.draft, update.revision).await?))
}

/// Delete a post with its variants and its history.
#[utoipa::path(delete, path = "/posts/{post_id}", tag = "posts", params(("post_id" = PostId, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(id): ApiPath<PostId>,
) -> AppResult<StatusCode> {
    service::delete_post(&state, &caller.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct DuplicateRequest {
    /// The copy's state; the original's when left out. A `draft` made from a `template` keeps its title: that is
    /// how a new post starts from a template.
    #[serde(default)]
    pub status: Option<PostStatus>,
}

/// A JSON body that may be left out entirely; when sent, it is read as [`ApiJson`] reads one.
pub struct OptionalJson<T>(pub Option<T>);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for OptionalJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match json_body(req, state, MAX_OPTIONAL_BYTES).await? {
            Some(body) => parse_json(&body).map(|value| OptionalJson(Some(value))),
            None => Ok(OptionalJson(None)),
        }
    }
}

/// A post with its variants and threads; the same bound as [`ApiJson`]'s.
const MAX_POST_BYTES: usize = 1024 * 1024;
/// The small documents sent as optional bodies.
const MAX_OPTIONAL_BYTES: usize = 64 * 1024;

/// The request's body, `None` when there is none (or only white space). One that is there must be JSON, as
/// [`ApiJson`] requires.
async fn json_body<S: Send + Sync>(req: Request, state: &S, max: usize) -> Result<Option<Bytes>, AppError> {
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.contains("+json"));
    let body = Bytes::from_request(req, state)
        .await
        .map_err(|e| AppError::BadRequest(format!("could not read the request body: {e}")))?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    if !is_json {
        return Err(AppError::BadRequest("send the body as JSON with 'Content-Type: application/json'".into()));
    }
    if body.len() > max {
        return Err(AppError::BadRequest(format!("the body is larger than {max} bytes")));
    }
    Ok(Some(body))
}

/// Copy a post: new ids, revision 1, title "Copy of …" (a draft made from a template keeps the template's title).
#[utoipa::path(post, path = "/posts/{post_id}/duplicate", tag = "posts", params(("post_id" = PostId, Path)),
    request_body(content = Option<DuplicateRequest>, description = "Optional: the copy's status"),
    responses((status = 201, body = Post), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn duplicate(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(id): ApiPath<PostId>,
    OptionalJson(request): OptionalJson<DuplicateRequest>,
) -> AppResult<(StatusCode, Json<Post>)> {
    let status = request.unwrap_or_default().status;
    Ok((StatusCode::CREATED, Json(service::duplicate_post(&state, &caller.actor, id, status).await?)))
}

/// Every saved state of a post, newest first: who saved it, when, and what it was.
#[utoipa::path(get, path = "/posts/{post_id}/revisions", tag = "posts", params(("post_id" = PostId, Path)),
    responses((status = 200, body = Vec<PostRevision>), (status = 404, body = Problem)))]
pub async fn revisions(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(id): ApiPath<PostId>,
) -> AppResult<Json<Vec<PostRevision>>> {
    Ok(Json(service::post_revisions(&state, &caller.actor, id).await?))
}

/// Check a saved post: per variant, its lengths as the network counts them, the network's rules it breaks
/// (errors block scheduling, warnings inform) and the client's brand voice rules it breaks.
#[utoipa::path(post, path = "/posts/{post_id}/check", tag = "posts", params(("post_id" = PostId, Path)),
    responses((status = 200, body = PostCheck), (status = 404, body = Problem)))]
pub async fn check(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(id): ApiPath<PostId>,
) -> AppResult<Json<PostCheck>> {
    Ok(Json(service::check_post(&state, &caller.actor, id).await?))
}

/// Check a post not saved yet, as the composer does while someone types. What would keep it from being saved is
/// listed in `problems` rather than refused.
#[utoipa::path(post, path = "/clients/{client_id}/posts/check", tag = "posts", params(("client_id" = ClientId, Path)),
    request_body = PostDraft,
    responses((status = 200, body = PostCheck), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn check_draft(
    State(state): State<AppState>,
    caller: ApiActor,
    ApiPath(client): ApiPath<ClientId>,
    ApiJson(draft): ApiJson<PostDraft>,
) -> AppResult<Json<PostCheck>> {
    Ok(Json(service::check_draft(&state, &caller.actor, client, draft).await?))
}
