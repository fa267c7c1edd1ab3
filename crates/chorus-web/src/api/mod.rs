//! The JSON API under `/api/v1`. Every route is declared through `utoipa_axum::routes!`, so the router and
//! the OpenAPI document are built from the same list and cannot drift apart.

mod accounts;
mod asset_requests;
mod clients;
mod feeds;
mod import;
mod me;
mod media;
mod people;
mod posts;
mod schedule;
mod strategy;
mod tokens;

use axum::Json;
use chorus_domain::Page;
use serde::Serialize;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Chorus API",
        description = "Manage clients, people and content of a Chorus installation. Authenticate with a personal API token (`Authorization: Bearer chorus_pat_…`, created under Settings → API tokens). Errors are RFC 9457 problem documents; lists are paginated with `limit` and the `next_cursor` of the previous page.",
        license(name = "AGPL-3.0-only", identifier = "AGPL-3.0-only")
    ),
    servers((url = "/api/v1", description = "This installation")),
    modifiers(&Security),
    security(("token" = []), ("session" = [])),
    tags(
        (name = "me", description = "The caller and their organization"),
        (name = "clients", description = "The brands the organization manages"),
        (name = "strategy", description = "A client's content pillars, goals and brand voice"),
        (name = "posts", description = "Posts: one idea per client, with a variant per network, its history and its checks"),
        (name = "feeds", description = "RSS and Atom feeds whose new articles become draft posts"),
        (name = "media", description = "A client's media library: the images and videos its posts carry"),
        (name = "accounts", description = "A client's accounts on the networks, which posts are published to"),
        (name = "people", description = "The team, client users and invitations"),
        (name = "tokens", description = "Personal API tokens"),
    )
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("chorus_pat").build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "chorus_session",
                "The browser session; changes must also send the X-CSRF-Token header.",
            ))),
        );
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(me::me))
        .routes(routes!(me::organization, me::update_organization))
        .routes(routes!(clients::list, clients::create))
        .routes(routes!(clients::get, clients::update))
        .routes(routes!(clients::archive))
        .routes(routes!(clients::restore))
        .routes(routes!(strategy::list_pillars, strategy::create_pillar))
        .routes(routes!(strategy::update_pillar, strategy::delete_pillar))
        .routes(routes!(strategy::list_goals, strategy::create_goal))
        .routes(routes!(strategy::update_goal, strategy::delete_goal))
        .routes(routes!(strategy::brand_voice, strategy::set_brand_voice))
        .routes(routes!(strategy::check_voice))
        .routes(routes!(posts::list))
        .routes(routes!(posts::create))
        .routes(routes!(posts::check_draft))
        .routes(routes!(posts::get, posts::update, posts::delete))
        .routes(routes!(posts::duplicate))
        .routes(routes!(posts::revisions))
        .routes(routes!(posts::check))
        .routes(routes!(schedule::schedule))
        .routes(routes!(schedule::unschedule))
        .routes(routes!(schedule::publications))
        .routes(routes!(import::import))
        .routes(routes!(import::export))
        .routes(routes!(accounts::list))
        .routes(routes!(accounts::connect_bluesky))
        .routes(routes!(accounts::connect_mastodon))
        .routes(routes!(accounts::get))
        .routes(routes!(accounts::check))
        .routes(routes!(accounts::disconnect))
        .routes(routes!(feeds::list, feeds::create))
        .routes(routes!(feeds::get, feeds::update, feeds::delete))
        .routes(routes!(feeds::check))
        .routes(routes!(feeds::pause))
        .routes(routes!(feeds::resume))
        .routes(routes!(feeds::items))
        .routes(routes!(media::list, media::upload))
        .routes(routes!(media::get, media::update, media::delete))
        .routes(routes!(media::file))
        .routes(routes!(media::thumbnail))
        .routes(routes!(media::rendition))
        .routes(routes!(media::folders))
        .routes(routes!(media::rename_folder))
        .routes(routes!(media::tags))
        .routes(routes!(media::bulk))
        .routes(routes!(asset_requests::list, asset_requests::create))
        .routes(routes!(asset_requests::get))
        .routes(routes!(asset_requests::uploads))
        .routes(routes!(asset_requests::revoke))
        .routes(routes!(people::list))
        .routes(routes!(people::get, people::update))
        .routes(routes!(people::list_invitations, people::invite))
        .routes(routes!(people::revoke_invitation))
        .routes(routes!(tokens::list, tokens::create))
        .routes(routes!(tokens::revoke))
        .routes(routes!(openapi_json))
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "me", security(()), responses((status = 200, description = "The OpenAPI 3.1 document of this API")))]
async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(crate::openapi())
}

/// One page of a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Listing<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl<T> From<Page<T>> for Listing<T> {
    fn from(page: Page<T>) -> Self {
        Self { items: page.items, next_cursor: page.next_cursor }
    }
}
