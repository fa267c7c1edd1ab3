//! Rows that only the storage and auth layers deal in.

use chorus_domain::{
    ApiTokenId, ClientAccess, ClientId, Email, InvitationId, JobId, Network, OrganizationId, Person, PersonId,
    PersonName, PostId, PostStatus, Role, TokenScope,
};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// A person to be created; `password_hash` is `None` for someone who has not chosen a password yet.
#[derive(Debug, Clone)]
pub struct NewPerson {
    pub email: Email,
    pub name: PersonName,
    pub role: Role,
    pub client_access: ClientAccess,
    pub password_hash: Option<String>,
}

/// A partial change of a person.
#[derive(Debug, Clone, Default)]
pub struct PersonChanges {
    pub name: Option<PersonName>,
    pub role: Option<Role>,
    pub client_access: Option<ClientAccess>,
    /// `Some(true)` deactivates, `Some(false)` reactivates.
    pub deactivated: Option<bool>,
}

/// What signing in needs: the person and their password hash.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub person: Person,
    pub password_hash: Option<String>,
}

/// Which clients a list may show.
#[derive(Debug, Clone)]
pub struct ClientQuery {
    pub access: ClientAccess,
    pub archived: ArchivedFilter,
    /// Case-insensitive part of the name.
    pub search: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ArchivedFilter {
    #[default]
    Active,
    Archived,
    All,
}

/// Which posts a list may show.
#[derive(Debug, Clone)]
pub struct PostQuery {
    /// Only posts of clients in here.
    pub access: ClientAccess,
    /// Only this client's posts.
    pub client: Option<ClientId>,
    pub status: Option<PostStatus>,
    /// Case-insensitive part of the title or base text, taken literally (`%` and `_` are not wildcards).
    pub search: Option<String>,
}

/// A post that carries an asset, for the asset's "used by" list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AssetUse {
    pub post_id: PostId,
    pub title: String,
    pub status: PostStatus,
    /// The networks whose variants carry the asset.
    #[schema(value_type = Vec<String>, example = json!(["instagram"]))]
    pub networks: Vec<Network>,
}

#[derive(Debug, Clone)]
pub struct PeopleQuery {
    /// Client users are listed only when their client is in here; staff always are.
    pub client_users_of: ClientAccess,
    pub include_deactivated: bool,
}

/// A signed-in browser. The cookie holds a random token; only its SHA-256 is stored.
#[derive(Debug, Clone)]
pub struct Session {
    pub token_hash: Vec<u8>,
    pub organization_id: OrganizationId,
    pub person_id: PersonId,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub user_agent: Option<String>,
}

/// A personal API token; the secret itself is shown once and only its SHA-256 is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ApiToken {
    pub id: ApiTokenId,
    #[serde(skip)]
    pub organization_id: OrganizationId,
    #[serde(skip)]
    pub person_id: PersonId,
    pub name: String,
    pub scope: TokenScope,
    /// The first characters of the token, to tell tokens apart without revealing them.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// An invitation to join, redeemed through a secret link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Invitation {
    pub id: InvitationId,
    #[serde(skip)]
    pub organization_id: OrganizationId,
    pub email: Email,
    pub name: PersonName,
    pub role: Role,
    pub client_access: ClientAccess,
    pub invited_by: PersonId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A job to put on the queue.
#[derive(Debug, Clone)]
pub struct NewJob {
    /// Which handler runs it, e.g. `purge_expired_sessions`.
    pub kind: String,
    pub payload: serde_json::Value,
    pub run_at: DateTime<Utc>,
    pub max_attempts: u32,
    /// Names the work, e.g. `publish:<variant id>` or `poll-feeds`: while a job with this key is queued or
    /// running, enqueueing another one returns that job instead. A finished or dead job frees the key.
    pub unique_key: Option<String>,
}

/// Why a job is dead whose lease ran out during its last allowed attempt: its worker stopped (crashed, was
/// killed) or lost touch with the database, and trying once more would exceed the job's attempts.
pub const LAST_ATTEMPT_LOST: &str = "the worker stopped during its last attempt";

/// A job as the queue holds it.
#[derive(Debug, Clone, Serialize)]
pub struct Job {
    pub id: JobId,
    pub kind: String,
    pub payload: serde_json::Value,
    /// Attempts started so far, including the current one for a claimed job.
    pub attempts: u32,
    pub max_attempts: u32,
    pub run_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct JobCounts {
    /// Due now and waiting for a worker.
    pub ready: u64,
    /// Waiting for a later time (scheduled or backing off).
    pub scheduled: u64,
    /// Held by a worker.
    pub running: u64,
    /// Gave up after their last attempt.
    pub dead: u64,
}

/// Which assets of a client's media library a list shows; every filter left out shows all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssetQuery {
    /// Case-insensitive part of the file name, alt text or a tag, taken literally (`%` and `_` are not
    /// wildcards).
    pub search: Option<String>,
    /// Only assets in this folder or any folder inside it; `Some("")` is only those at the top level.
    pub folder: Option<String>,
    /// Only assets with this tag (as [`chorus_domain::tag`] writes it).
    pub tag: Option<String>,
    pub kind: Option<chorus_domain::AssetKind>,
}

/// A folder of a client's media library and how many assets are filed directly in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FolderCount {
    /// Its path, e.g. `Campaigns/Spring 2027`; empty for the top level.
    pub folder: String,
    pub assets: u64,
}

/// A tag of a client's media library and how many assets have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TagCount {
    pub tag: String,
    pub assets: u64,
}

/// An asset's tags as the `assets.tags` column keeps them: joined by commas, which a tag cannot hold.
pub fn tags_column(tags: &[String]) -> String {
    tags.join(",")
}

/// The tags of an `assets.tags` column.
pub fn tags_from_column(column: &str) -> Vec<String> {
    column.split(',').filter(|t| !t.is_empty()).map(str::to_string).collect()
}
