//! Rows back into domain values. Everything read is validated again, so a value edited by hand into
//! something Chorus would never have written is reported as [`StoreError::Corrupt`] instead of spreading.

use std::collections::BTreeSet;
use std::fmt::Display;

use chorus_domain::{
    ApiTokenId, Asset, AssetId, AssetKind, BrandNotes, BrandVoice, Client, ClientAccess, ClientId, ClientName, Colour,
    Email, FocalPoint, Goal, GoalId, GoalMetric, GoalPeriod, InvitationId, JobId, MediaType, Network, Organization,
    OrganizationId, OrganizationName, Person, PersonId, PersonName, Pillar, PillarId, PillarName, Post, PostId,
    PostRevision, PostStatus, Role, TimeZone, TokenScope, Variant, VariantId,
};
use chorus_store::{ApiToken, Invitation, Job, StoreError, StoreResult};
use sqlx::postgres::{PgRow, Postgres};
use sqlx::{Decode, Row, Type};
use uuid::Uuid;

use crate::error::db_error;

pub(crate) const ORGANIZATION_COLUMNS: &str = "id, name, created_at";

pub(crate) const CLIENT_COLUMNS: &str =
    "id, organization_id, name, time_zone, office_hours, brand_notes, archived_at, created_at, updated_at";

/// A person's columns, for queries that call the table `p`. The client ids come along as an array so that a
/// list of people costs one query.
pub(crate) const PERSON_COLUMNS: &str = "p.id, p.organization_id, p.email, p.name, p.role, p.all_clients, \
     p.deactivated_at, p.created_at, \
     ARRAY(SELECT pc.client_id FROM person_clients pc WHERE pc.person_id = p.id) AS client_ids";

pub(crate) const API_TOKEN_COLUMNS: &str =
    "id, organization_id, person_id, name, scope, prefix, created_at, last_used_at, expires_at, revoked_at";

pub(crate) const INVITATION_COLUMNS: &str =
    "id, organization_id, email, name, role, client_access, invited_by, created_at, expires_at";

pub(crate) const JOB_COLUMNS: &str = "id, kind, payload, attempts, max_attempts, run_at, last_error, created_at";

pub(crate) const PILLAR_COLUMNS: &str =
    "id, organization_id, client_id, name, colour, target_share, description, created_at, updated_at";

pub(crate) const GOAL_COLUMNS: &str =
    "id, organization_id, client_id, metric, target, period, note, created_at, updated_at";

pub(crate) const POST_COLUMNS: &str = "id, organization_id, client_id, status, title, base_text, pillar_id, sponsored, \
     revision, created_by, updated_by, created_at, updated_at";

pub(crate) const VARIANT_COLUMNS: &str = "id, post_id, network, text, link, first_comment, thread, options";

pub(crate) const ASSET_COLUMNS: &str = "id, organization_id, client_id, kind, media_type, size_bytes, width, height, \
     duration_ms, video_codec, filename, alt_text, folder, tags, focal_x, focal_y, sha256, created_by, created_at";

pub(crate) const REVISION_COLUMNS: &str = "post_id, organization_id, revision, changed_by, changed_at, snapshot";

pub(crate) fn organization(row: &PgRow) -> StoreResult<Organization> {
    Ok(Organization {
        id: OrganizationId::from_uuid(get(row, "id")?),
        name: parse(row, "organizations.name", OrganizationName::parse)?,
        created_at: get(row, "created_at")?,
    })
}

pub(crate) fn client(row: &PgRow) -> StoreResult<Client> {
    Ok(Client {
        id: ClientId::from_uuid(get(row, "id")?),
        organization_id: OrganizationId::from_uuid(get(row, "organization_id")?),
        name: parse(row, "clients.name", ClientName::parse)?,
        time_zone: parse(row, "clients.time_zone", TimeZone::parse)?,
        office_hours: json(row, "clients.office_hours")?,
        brand_notes: parse(row, "clients.brand_notes", BrandNotes::parse)?,
        archived_at: get(row, "archived_at")?,
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
    })
}

/// A person from a row with [`PERSON_COLUMNS`].
pub(crate) fn person(row: &PgRow) -> StoreResult<Person> {
    let client_access = if get(row, "all_clients")? {
        ClientAccess::All
    } else {
        let ids: Vec<Uuid> = get(row, "client_ids")?;
        ClientAccess::Only(ids.into_iter().map(ClientId::from_uuid).collect::<BTreeSet<_>>())
    };
    Ok(Person {
        id: PersonId::from_uuid(get(row, "id")?),
        organization_id: OrganizationId::from_uuid(get(row, "organization_id")?),
        email: parse(row, "people.email", Email::parse)?,
        name: parse(row, "people.name", PersonName::parse)?,
        role: parse(row, "people.role", str::parse::<Role>)?,
        client_access,
        deactivated_at: get(row, "deactivated_at")?,
        created_at: get(row, "created_at")?,
    })
}

pub(crate) fn api_token(row: &PgRow) -> StoreResult<ApiToken> {
    Ok(ApiToken {
        id: ApiTokenId::from_uuid(get(row, "id")?),
        organization_id: OrganizationId::from_uuid(get(row, "organization_id")?),
        person_id: PersonId::from_uuid(get(row, "person_id")?),
        name: get(row, "name")?,
        scope: parse(row, "api_tokens.scope", token_scope)?,
        prefix: get(row, "prefix")?,
        created_at: get(row, "created_at")?,
        last_used_at: get(row, "last_used_at")?,
        expires_at: get(row, "expires_at")?,
        revoked_at: get(row, "revoked_at")?,
    })
}

pub(crate) fn invitation(row: &PgRow) -> StoreResult<Invitation> {
    Ok(Invitation {
        id: InvitationId::from_uuid(get(row, "id")?),
        organization_id: OrganizationId::from_uuid(get(row, "organization_id")?),
        email: parse(row, "invitations.email", Email::parse)?,
        name: parse(row, "invitations.name", PersonName::parse)?,
        role: parse(row, "invitations.role", str::parse::<Role>)?,
        client_access: json(row, "invitations.client_access")?,
        invited_by: PersonId::from_uuid(get(row, "invited_by")?),
        created_at: get(row, "created_at")?,
        expires_at: get(row, "expires_at")?,
    })
}

pub(crate) fn job(row: &PgRow) -> StoreResult<Job> {
    Ok(Job {
        id: JobId::from_uuid(get(row, "id")?),
        kind: get(row, "kind")?,
        payload: get(row, "payload")?,
        attempts: count(row, "jobs.attempts")?,
        max_attempts: count(row, "jobs.max_attempts")?,
        run_at: get(row, "run_at")?,
        last_error: get(row, "last_error")?,
        created_at: get(row, "created_at")?,
    })
}

pub(crate) fn pillar(row: &PgRow) -> StoreResult<Pillar> {
    let target_share: i16 = get(row, "target_share")?;
    let target_share = u8::try_from(target_share)
        .ok()
        .filter(|share| *share <= 100)
        .ok_or_else(|| StoreError::Corrupt(format!("pillars.target_share holds {target_share}")))?;
    Ok(Pillar {
        id: PillarId::from_uuid(get(row, "id")?),
        organization_id: OrganizationId::from_uuid(get(row, "organization_id")?),
        client_id: ClientId::from_uuid(get(row, "client_id")?),
        name: parse(row, "pillars.name", PillarName::parse)?,
        colour: parse(row, "pillars.colour", Colour::parse)?,
        target_share,
        description: get(row, "description")?,
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
    })
}

pub(crate) fn goal(row: &PgRow) -> StoreResult<Goal> {
    Ok(Goal {
        id: GoalId::from_uuid(get(row, "id")?),
        organization_id: OrganizationId::from_uuid(get(row, "organization_id")?),
        client_id: ClientId::from_uuid(get(row, "client_id")?),
        metric: parse(row, "goals.metric", GoalMetric::parse)?,
        target: get(row, "target")?,
        period: parse(row, "goals.period", GoalPeriod::parse)?,
        note: get(row, "note")?,
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
    })
}

/// A post from a row with [`POST_COLUMNS`], with `variants` read separately, in their order.
pub(crate) fn post(row: &PgRow, variants: Vec<Variant>) -> StoreResult<Post> {
    let revision = count(row, "posts.revision")?;
    if revision == 0 {
        return Err(StoreError::Corrupt("posts.revision holds 0".to_string()));
    }
    Ok(Post {
        id: PostId::from_uuid(get(row, "id")?),
        organization_id: OrganizationId::from_uuid(get(row, "organization_id")?),
        client_id: ClientId::from_uuid(get(row, "client_id")?),
        status: parse(row, "posts.status", PostStatus::parse)?,
        title: get(row, "title")?,
        base_text: get(row, "base_text")?,
        pillar_id: get::<Option<Uuid>>(row, "pillar_id")?.map(PillarId::from_uuid),
        sponsored: get(row, "sponsored")?,
        variants,
        revision,
        created_by: PersonId::from_uuid(get(row, "created_by")?),
        updated_by: PersonId::from_uuid(get(row, "updated_by")?),
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
    })
}

/// The post a variant belongs to, and the variant, from a row with [`VARIANT_COLUMNS`].
pub(crate) fn variant(row: &PgRow) -> StoreResult<(Uuid, Variant)> {
    let variant = Variant {
        id: VariantId::from_uuid(get(row, "id")?),
        network: parse(row, "variants.network", str::parse::<Network>)?,
        text: get(row, "text")?,
        link: get(row, "link")?,
        first_comment: get(row, "first_comment")?,
        thread: json(row, "variants.thread")?,
        // Filled in by the caller from `variant_media`.
        media: Vec::new(),
        options: json(row, "variants.options")?,
    };
    Ok((get(row, "post_id")?, variant))
}

/// A saved state of a post from a row with [`REVISION_COLUMNS`].
pub(crate) fn revision(row: &PgRow) -> StoreResult<PostRevision> {
    let revision = count(row, "post_revisions.revision")?;
    let mut post: Post = json(row, "post_revisions.snapshot")?;
    let post_id: Uuid = get(row, "post_id")?;
    if post.id.as_uuid() != post_id || post.revision != revision {
        return Err(StoreError::Corrupt(format!(
            "post_revisions.snapshot of revision {revision} of post {post_id} is of another post or revision"
        )));
    }
    // The organization is not part of the JSON form of a post.
    post.organization_id = OrganizationId::from_uuid(get(row, "organization_id")?);
    Ok(PostRevision {
        revision,
        changed_by: PersonId::from_uuid(get(row, "changed_by")?),
        changed_at: get(row, "changed_at")?,
        post,
    })
}

/// A brand voice from a row with its `voice` column.
pub(crate) fn brand_voice(row: &PgRow) -> StoreResult<BrandVoice> {
    json(row, "brand_voices.voice")
}

pub(crate) fn token_scope(raw: &str) -> Result<TokenScope, String> {
    match raw {
        "read" => Ok(TokenScope::Read),
        "write" => Ok(TokenScope::Write),
        other => Err(format!("'{other}' is not a token scope")),
    }
}

/// The stored form of a client access list in JSON columns (invitations); the domain's serde form.
pub(crate) fn access_json(access: &ClientAccess) -> StoreResult<serde_json::Value> {
    serde_json::to_value(access).map_err(|e| StoreError::Other(format!("cannot encode client access: {e}")))
}

/// Ids as the `uuid[]` that `= ANY($n)` takes.
pub(crate) fn client_uuids(ids: &BTreeSet<ClientId>) -> Vec<Uuid> {
    ids.iter().map(ClientId::as_uuid).collect()
}

pub(crate) fn get<'r, T>(row: &'r PgRow, column: &str) -> StoreResult<T>
where
    T: Decode<'r, Postgres> + Type<Postgres>,
{
    row.try_get(column).map_err(db_error)
}

/// A text column checked by the domain's own parser. `qualified` is `table.column`, for the message.
fn parse<T, E: Display>(row: &PgRow, qualified: &str, parser: impl FnOnce(&str) -> Result<T, E>) -> StoreResult<T> {
    let column = column_of(qualified);
    let raw: String = get(row, column)?;
    parser(&raw).map_err(|e| StoreError::Corrupt(format!("{qualified} holds {raw:?}: {e}")))
}

fn json<T: serde::de::DeserializeOwned>(row: &PgRow, qualified: &str) -> StoreResult<T> {
    let raw: serde_json::Value = get(row, column_of(qualified))?;
    serde_json::from_value(raw).map_err(|e| StoreError::Corrupt(format!("{qualified} is not valid: {e}")))
}

fn count(row: &PgRow, qualified: &str) -> StoreResult<u32> {
    let raw: i32 = get(row, column_of(qualified))?;
    u32::try_from(raw).map_err(|_| StoreError::Corrupt(format!("{qualified} is negative ({raw})")))
}

fn column_of(qualified: &str) -> &str {
    qualified.rsplit_once('.').map_or(qualified, |(_, column)| column)
}

/// An asset from a row with [`ASSET_COLUMNS`].
pub(crate) fn asset(row: &PgRow) -> StoreResult<Asset> {
    let kind = parse(row, "assets.kind", AssetKind::parse)?;
    let media_type = parse(row, "assets.media_type", MediaType::parse)?;
    if media_type.kind() != kind {
        return Err(StoreError::Corrupt(format!("assets.kind is {} for {}", kind.as_str(), media_type.as_str())));
    }
    let size_bytes: i64 = get(row, "size_bytes")?;
    let size_bytes =
        u64::try_from(size_bytes).map_err(|_| StoreError::Corrupt(format!("assets.size_bytes holds {size_bytes}")))?;
    let pixels = |column: &str| -> StoreResult<Option<u32>> {
        let value: Option<i32> = get(row, column)?;
        value
            .map(|v| u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("assets.{column} holds {v}"))))
            .transpose()
    };
    let duration_ms: Option<i64> = get(row, "duration_ms")?;
    let duration_ms = duration_ms
        .map(|ms| u64::try_from(ms).map_err(|_| StoreError::Corrupt(format!("assets.duration_ms holds {ms}"))))
        .transpose()?;
    let focal = |column: &str| -> StoreResult<u16> {
        let value: i32 = get(row, column)?;
        u16::try_from(value).map_err(|_| StoreError::Corrupt(format!("assets.{column} holds {value}")))
    };
    let focal_point = FocalPoint::new(focal("focal_x")?, focal("focal_y")?)
        .map_err(|e| StoreError::Corrupt(format!("assets focal point: {e}")))?;
    let tags: String = get(row, "tags")?;
    Ok(Asset {
        id: AssetId::from_uuid(get(row, "id")?),
        organization_id: OrganizationId::from_uuid(get(row, "organization_id")?),
        client_id: ClientId::from_uuid(get(row, "client_id")?),
        kind,
        media_type,
        size_bytes,
        width: pixels("width")?,
        height: pixels("height")?,
        duration_ms,
        video_codec: get(row, "video_codec")?,
        filename: get(row, "filename")?,
        alt_text: get(row, "alt_text")?,
        folder: get(row, "folder")?,
        tags: chorus_store::tags_from_column(&tags),
        focal_point,
        sha256: get(row, "sha256")?,
        created_by: PersonId::from_uuid(get(row, "created_by")?),
        created_at: get(row, "created_at")?,
    })
}
