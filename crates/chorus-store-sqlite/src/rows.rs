//! Rows as SQLite returns them, and their conversion into domain values.
//!
//! Stored text is parsed again with the domain's own rules: a value edited by hand into something Chorus
//! would never write becomes [`StoreError::Corrupt`] naming the row, instead of a panic or a silently wrong
//! value.

use std::collections::BTreeSet;
use std::fmt::Display;
use std::str::FromStr;

use chorus_domain::{
    ApiTokenId, Asset, AssetId, AssetKind, BrandNotes, BrandVoice, Client, ClientAccess, ClientId, ClientName, Colour,
    Email, FocalPoint, Goal, GoalId, GoalMetric, GoalPeriod, InvitationId, JobId, MediaType, Network, OfficeHours,
    Organization, OrganizationId, OrganizationName, Person, PersonId, PersonName, Pillar, PillarId, PillarName, Post,
    PostId, PostRevision, PostStatus, Role, TimeZone, TokenScope, Variant, VariantId,
};
use chorus_store::{ApiToken, Invitation, Job, Session, StoreError, StoreResult};
use chrono::{DateTime, Utc};
use uuid::Uuid;

fn corrupt(what: &str, id: impl Display, problem: impl Display) -> StoreError {
    StoreError::Corrupt(format!("{what} {id}: {problem}"))
}

fn int_u32(what: &str, id: impl Display, column: &str, value: i64) -> StoreResult<u32> {
    u32::try_from(value).map_err(|_| corrupt(what, id, format!("{column} is {value}")))
}

pub(crate) const ORGANIZATION_COLUMNS: &str = "id, name, created_at";

#[derive(sqlx::FromRow)]
pub(crate) struct OrganizationRow {
    id: Uuid,
    name: String,
    created_at: DateTime<Utc>,
}

impl OrganizationRow {
    pub(crate) fn into_domain(self) -> StoreResult<Organization> {
        let bad = |e| corrupt("organization", self.id, e);
        Ok(Organization {
            id: OrganizationId::from_uuid(self.id),
            name: OrganizationName::parse(&self.name).map_err(bad)?,
            created_at: self.created_at,
        })
    }
}

pub(crate) const CLIENT_COLUMNS: &str =
    "id, organization_id, name, time_zone, office_hours, brand_notes, archived_at, created_at, updated_at";

#[derive(sqlx::FromRow)]
pub(crate) struct ClientRow {
    id: Uuid,
    organization_id: Uuid,
    name: String,
    time_zone: String,
    office_hours: String,
    brand_notes: String,
    archived_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl ClientRow {
    pub(crate) fn into_domain(self) -> StoreResult<Client> {
        let bad = |e: &dyn Display| corrupt("client", self.id, e);
        Ok(Client {
            id: ClientId::from_uuid(self.id),
            organization_id: OrganizationId::from_uuid(self.organization_id),
            name: ClientName::parse(&self.name).map_err(|e| bad(&e))?,
            time_zone: TimeZone::parse(&self.time_zone).map_err(|e| bad(&e))?,
            office_hours: serde_json::from_str::<OfficeHours>(&self.office_hours).map_err(|e| bad(&e))?,
            brand_notes: BrandNotes::parse(&self.brand_notes).map_err(|e| bad(&e))?,
            archived_at: self.archived_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// A person's columns, selected `FROM people p`. The clients they work on come along as one
/// comma-separated list of hex ids, so a page of people is one query, not one per person.
pub(crate) const PERSON_COLUMNS: &str = "p.id, p.organization_id, p.email, p.name, p.role, p.all_clients, \
     p.deactivated_at, p.created_at, \
     (SELECT group_concat(hex(pc.client_id), ',') FROM person_clients pc WHERE pc.person_id = p.id) AS client_ids";

#[derive(sqlx::FromRow)]
pub(crate) struct PersonRow {
    id: Uuid,
    organization_id: Uuid,
    email: String,
    name: String,
    role: String,
    all_clients: bool,
    deactivated_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    client_ids: Option<String>,
}

impl PersonRow {
    pub(crate) fn into_domain(self) -> StoreResult<Person> {
        let bad = |e: &dyn Display| corrupt("person", self.id, e);
        let client_access = if self.all_clients {
            ClientAccess::All
        } else {
            let ids = self.client_ids.as_deref().unwrap_or_default();
            let ids = ids
                .split(',')
                .filter(|hex| !hex.is_empty())
                .map(|hex| Uuid::parse_str(hex).map(ClientId::from_uuid))
                .collect::<Result<BTreeSet<_>, _>>()
                .map_err(|e| bad(&e))?;
            ClientAccess::Only(ids)
        };
        Ok(Person {
            id: PersonId::from_uuid(self.id),
            organization_id: OrganizationId::from_uuid(self.organization_id),
            email: Email::parse(&self.email).map_err(|e| bad(&e))?,
            name: PersonName::parse(&self.name).map_err(|e| bad(&e))?,
            role: Role::from_str(&self.role).map_err(|e| bad(&e))?,
            client_access,
            deactivated_at: self.deactivated_at,
            created_at: self.created_at,
        })
    }
}

/// [`PERSON_COLUMNS`] plus the password hash, which only signing in needs.
#[derive(sqlx::FromRow)]
pub(crate) struct CredentialsRow {
    #[sqlx(flatten)]
    pub(crate) person: PersonRow,
    pub(crate) password_hash: Option<String>,
}

pub(crate) const SESSION_COLUMNS: &str =
    "token_hash, organization_id, person_id, created_at, last_seen_at, expires_at, user_agent";

#[derive(sqlx::FromRow)]
pub(crate) struct SessionRow {
    token_hash: Vec<u8>,
    organization_id: Uuid,
    person_id: Uuid,
    created_at: DateTime<Utc>,
    last_seen_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    user_agent: Option<String>,
}

impl SessionRow {
    pub(crate) fn into_domain(self) -> Session {
        Session {
            token_hash: self.token_hash,
            organization_id: OrganizationId::from_uuid(self.organization_id),
            person_id: PersonId::from_uuid(self.person_id),
            created_at: self.created_at,
            last_seen_at: self.last_seen_at,
            expires_at: self.expires_at,
            user_agent: self.user_agent,
        }
    }
}

pub(crate) const API_TOKEN_COLUMNS: &str =
    "id, organization_id, person_id, name, scope, prefix, created_at, last_used_at, expires_at, revoked_at";

#[derive(sqlx::FromRow)]
pub(crate) struct ApiTokenRow {
    id: Uuid,
    organization_id: Uuid,
    person_id: Uuid,
    name: String,
    scope: String,
    prefix: String,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

impl ApiTokenRow {
    pub(crate) fn into_domain(self) -> StoreResult<ApiToken> {
        let scope = match self.scope.as_str() {
            "read" => TokenScope::Read,
            "write" => TokenScope::Write,
            other => return Err(corrupt("API token", self.id, format!("unknown scope '{other}'"))),
        };
        Ok(ApiToken {
            id: ApiTokenId::from_uuid(self.id),
            organization_id: OrganizationId::from_uuid(self.organization_id),
            person_id: PersonId::from_uuid(self.person_id),
            name: self.name,
            scope,
            prefix: self.prefix,
            created_at: self.created_at,
            last_used_at: self.last_used_at,
            expires_at: self.expires_at,
            revoked_at: self.revoked_at,
        })
    }
}

pub(crate) const INVITATION_COLUMNS: &str =
    "id, organization_id, email, name, role, client_access, invited_by, created_at, expires_at";

#[derive(sqlx::FromRow)]
pub(crate) struct InvitationRow {
    id: Uuid,
    organization_id: Uuid,
    email: String,
    name: String,
    role: String,
    client_access: String,
    invited_by: Uuid,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

impl InvitationRow {
    pub(crate) fn into_domain(self) -> StoreResult<Invitation> {
        let bad = |e: &dyn Display| corrupt("invitation", self.id, e);
        Ok(Invitation {
            id: InvitationId::from_uuid(self.id),
            organization_id: OrganizationId::from_uuid(self.organization_id),
            email: Email::parse(&self.email).map_err(|e| bad(&e))?,
            name: PersonName::parse(&self.name).map_err(|e| bad(&e))?,
            role: Role::from_str(&self.role).map_err(|e| bad(&e))?,
            client_access: serde_json::from_str(&self.client_access).map_err(|e| bad(&e))?,
            invited_by: PersonId::from_uuid(self.invited_by),
            created_at: self.created_at,
            expires_at: self.expires_at,
        })
    }
}

pub(crate) const JOB_COLUMNS: &str = "id, kind, payload, attempts, max_attempts, run_at, last_error, created_at";

#[derive(sqlx::FromRow)]
pub(crate) struct JobRow {
    id: Uuid,
    kind: String,
    payload: String,
    attempts: i64,
    max_attempts: i64,
    run_at: DateTime<Utc>,
    last_error: Option<String>,
    created_at: DateTime<Utc>,
}

impl JobRow {
    pub(crate) fn into_domain(self) -> StoreResult<Job> {
        Ok(Job {
            id: JobId::from_uuid(self.id),
            payload: serde_json::from_str(&self.payload).map_err(|e| corrupt("job", self.id, e))?,
            attempts: int_u32("job", self.id, "attempts", self.attempts)?,
            max_attempts: int_u32("job", self.id, "max_attempts", self.max_attempts)?,
            kind: self.kind,
            run_at: self.run_at,
            last_error: self.last_error,
            created_at: self.created_at,
        })
    }
}

pub(crate) const PILLAR_COLUMNS: &str =
    "id, organization_id, client_id, name, colour, target_share, description, created_at, updated_at";

#[derive(sqlx::FromRow)]
pub(crate) struct PillarRow {
    id: Uuid,
    organization_id: Uuid,
    client_id: Uuid,
    name: String,
    colour: String,
    target_share: i64,
    description: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl PillarRow {
    pub(crate) fn into_domain(self) -> StoreResult<Pillar> {
        let bad = |e: &dyn Display| corrupt("pillar", self.id, e);
        let target_share = u8::try_from(self.target_share)
            .ok()
            .filter(|share| *share <= 100)
            .ok_or_else(|| bad(&format!("target_share is {}", self.target_share)))?;
        Ok(Pillar {
            id: PillarId::from_uuid(self.id),
            organization_id: OrganizationId::from_uuid(self.organization_id),
            client_id: ClientId::from_uuid(self.client_id),
            name: PillarName::parse(&self.name).map_err(|e| bad(&e))?,
            colour: Colour::parse(&self.colour).map_err(|e| bad(&e))?,
            target_share,
            description: self.description,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

pub(crate) const GOAL_COLUMNS: &str =
    "id, organization_id, client_id, metric, target, period, note, created_at, updated_at";

#[derive(sqlx::FromRow)]
pub(crate) struct GoalRow {
    id: Uuid,
    organization_id: Uuid,
    client_id: Uuid,
    metric: String,
    target: f64,
    period: String,
    note: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl GoalRow {
    pub(crate) fn into_domain(self) -> StoreResult<Goal> {
        let bad = |e: &dyn Display| corrupt("goal", self.id, e);
        Ok(Goal {
            id: GoalId::from_uuid(self.id),
            organization_id: OrganizationId::from_uuid(self.organization_id),
            client_id: ClientId::from_uuid(self.client_id),
            metric: GoalMetric::parse(&self.metric).map_err(|e| bad(&e))?,
            target: self.target,
            period: GoalPeriod::parse(&self.period).map_err(|e| bad(&e))?,
            note: self.note,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

pub(crate) const POST_COLUMNS: &str = "id, organization_id, client_id, status, title, base_text, pillar_id, sponsored, \
     revision, created_by, updated_by, created_at, updated_at";

#[derive(sqlx::FromRow)]
pub(crate) struct PostRow {
    id: Uuid,
    organization_id: Uuid,
    client_id: Uuid,
    status: String,
    title: String,
    base_text: String,
    pillar_id: Option<Uuid>,
    sponsored: bool,
    revision: i64,
    created_by: Uuid,
    updated_by: Uuid,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl PostRow {
    pub(crate) fn id(&self) -> Uuid {
        self.id
    }

    /// The post with `variants`, which the caller read from `variants` in their order.
    pub(crate) fn into_domain(self, variants: Vec<Variant>) -> StoreResult<Post> {
        let revision = int_u32("post", self.id, "revision", self.revision)?;
        if revision == 0 {
            return Err(corrupt("post", self.id, "revision is 0"));
        }
        Ok(Post {
            id: PostId::from_uuid(self.id),
            organization_id: OrganizationId::from_uuid(self.organization_id),
            client_id: ClientId::from_uuid(self.client_id),
            status: PostStatus::parse(&self.status).map_err(|e| corrupt("post", self.id, e))?,
            title: self.title,
            base_text: self.base_text,
            pillar_id: self.pillar_id.map(PillarId::from_uuid),
            sponsored: self.sponsored,
            variants,
            revision,
            created_by: PersonId::from_uuid(self.created_by),
            updated_by: PersonId::from_uuid(self.updated_by),
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

pub(crate) const VARIANT_COLUMNS: &str = "id, post_id, network, text, link, first_comment, thread, options";

#[derive(sqlx::FromRow)]
pub(crate) struct VariantRow {
    id: Uuid,
    post_id: Uuid,
    network: String,
    text: String,
    link: String,
    first_comment: String,
    thread: String,
    options: String,
}

impl VariantRow {
    /// The id of the post it belongs to, and the variant.
    pub(crate) fn into_domain(self) -> StoreResult<(Uuid, Variant)> {
        let bad = |e: &dyn Display| corrupt("variant", self.id, e);
        let variant = Variant {
            id: VariantId::from_uuid(self.id),
            network: Network::from_str(&self.network).map_err(|e| bad(&e))?,
            text: self.text,
            link: self.link,
            first_comment: self.first_comment,
            thread: serde_json::from_str(&self.thread).map_err(|e| bad(&e))?,
            // Filled in by the caller from `variant_media`.
            media: Vec::new(),
            options: serde_json::from_str(&self.options).map_err(|e| bad(&e))?,
        };
        Ok((self.post_id, variant))
    }
}

pub(crate) const REVISION_COLUMNS: &str = "post_id, organization_id, revision, changed_by, changed_at, snapshot";

#[derive(sqlx::FromRow)]
pub(crate) struct RevisionRow {
    post_id: Uuid,
    organization_id: Uuid,
    revision: i64,
    changed_by: Uuid,
    changed_at: DateTime<Utc>,
    snapshot: String,
}

impl RevisionRow {
    pub(crate) fn into_domain(self) -> StoreResult<PostRevision> {
        let what = format!("revision {} of post", self.revision);
        let revision = int_u32(&what, self.post_id, "revision", self.revision)?;
        let mut post: Post = serde_json::from_str(&self.snapshot).map_err(|e| corrupt(&what, self.post_id, e))?;
        if post.id.as_uuid() != self.post_id || post.revision != revision {
            return Err(corrupt(&what, self.post_id, "the snapshot is of another post or revision"));
        }
        // The organization is not part of the JSON form of a post.
        post.organization_id = OrganizationId::from_uuid(self.organization_id);
        Ok(PostRevision {
            revision,
            changed_by: PersonId::from_uuid(self.changed_by),
            changed_at: self.changed_at,
            post,
        })
    }
}

/// A client's brand voice from its stored JSON.
pub(crate) fn brand_voice(client: Uuid, voice: &str) -> StoreResult<BrandVoice> {
    serde_json::from_str(voice).map_err(|e| corrupt("brand voice of client", client, e))
}

/// Converts every row, failing on the first that does not convert.
pub(crate) fn all<R, T>(rows: Vec<R>, convert: impl Fn(R) -> StoreResult<T>) -> StoreResult<Vec<T>> {
    rows.into_iter().map(convert).collect()
}

pub(crate) const ASSET_COLUMNS: &str = "id, organization_id, client_id, kind, media_type, size_bytes, width, height, \
     duration_ms, video_codec, filename, alt_text, folder, tags, focal_x, focal_y, sha256, created_by, created_at";

#[derive(sqlx::FromRow)]
pub(crate) struct AssetRow {
    id: Uuid,
    organization_id: Uuid,
    client_id: Uuid,
    kind: String,
    media_type: String,
    size_bytes: i64,
    width: Option<i64>,
    height: Option<i64>,
    duration_ms: Option<i64>,
    video_codec: Option<String>,
    filename: String,
    alt_text: String,
    folder: String,
    tags: String,
    focal_x: i64,
    focal_y: i64,
    sha256: String,
    created_by: Uuid,
    created_at: DateTime<Utc>,
}

impl AssetRow {
    pub(crate) fn into_domain(self) -> StoreResult<Asset> {
        let bad = |e: &dyn Display| corrupt("asset", self.id, e);
        let kind = AssetKind::parse(&self.kind).map_err(|e| bad(&e))?;
        let media_type = MediaType::parse(&self.media_type).map_err(|e| bad(&e))?;
        if media_type.kind() != kind {
            return Err(bad(&format!("a {} cannot be {}", kind.as_str(), media_type.as_str())));
        }
        let size_bytes =
            u64::try_from(self.size_bytes).map_err(|_| bad(&format!("size_bytes is {}", self.size_bytes)))?;
        let pixels = |column: &str, value: Option<i64>| value.map(|v| int_u32("asset", self.id, column, v)).transpose();
        let duration_ms = self
            .duration_ms
            .map(|ms| u64::try_from(ms).map_err(|_| bad(&format!("duration_ms is {ms}"))))
            .transpose()?;
        let focal = |value: i64| u16::try_from(value).map_err(|_| bad(&format!("a focal point coordinate is {value}")));
        let focal_point = FocalPoint::new(focal(self.focal_x)?, focal(self.focal_y)?).map_err(|e| bad(&e))?;
        Ok(Asset {
            id: AssetId::from_uuid(self.id),
            organization_id: OrganizationId::from_uuid(self.organization_id),
            client_id: ClientId::from_uuid(self.client_id),
            kind,
            media_type,
            size_bytes,
            width: pixels("width", self.width)?,
            height: pixels("height", self.height)?,
            duration_ms,
            video_codec: self.video_codec,
            filename: self.filename,
            alt_text: self.alt_text,
            folder: self.folder,
            tags: chorus_store::tags_from_column(&self.tags),
            focal_point,
            sha256: self.sha256,
            created_by: PersonId::from_uuid(self.created_by),
            created_at: self.created_at,
        })
    }
}
