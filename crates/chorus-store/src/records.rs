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

/// A variant's publication to one account, as the `publications` table keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PublicationRecord {
    pub variant_id: chorus_domain::VariantId,
    pub post_id: PostId,
    pub client_id: ClientId,
    pub account_id: chorus_domain::AccountId,
    #[schema(value_type = String, example = "bluesky")]
    pub network: Network,
    /// Its state with what that state carries (when, why, where it was published).
    pub publication: chorus_domain::schedule::Publication,
    pub changed_at: DateTime<Utc>,
}

/// A publication as the columns of the `publications` table hold it; both backends convert through this, so
/// they store every state alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicationColumns {
    pub state: &'static str,
    /// When it is (or was) due: what the calendar places it by. Published, failed and needs-attention
    /// publications place it at the time of that outcome.
    pub scheduled_at: DateTime<Utc>,
    pub attempt: i64,
    pub remote_id: String,
    pub url: String,
    pub reason: String,
    /// Since when it is in its state.
    pub changed_at: DateTime<Utc>,
}

impl PublicationColumns {
    pub fn of(publication: &chorus_domain::schedule::Publication, now: DateTime<Utc>) -> PublicationColumns {
        use chorus_domain::schedule::Publication as P;
        let blank = |state, at| PublicationColumns {
            state,
            scheduled_at: at,
            attempt: 0,
            remote_id: String::new(),
            url: String::new(),
            reason: String::new(),
            changed_at: now,
        };
        match publication {
            P::Scheduled { at } => blank("scheduled", *at),
            P::Paused { at, reason } => PublicationColumns { reason: reason.clone(), ..blank("paused", *at) },
            P::Publishing { at, attempt, since } => {
                PublicationColumns { attempt: i64::from(*attempt), changed_at: *since, ..blank("publishing", *at) }
            }
            P::Published { remote_id, url, published_at } => PublicationColumns {
                remote_id: remote_id.clone(),
                url: url.clone(),
                changed_at: *published_at,
                ..blank("published", *published_at)
            },
            P::Failed { reason, failed_at } => {
                PublicationColumns { reason: reason.clone(), changed_at: *failed_at, ..blank("failed", *failed_at) }
            }
            P::NeedsAttention { reason, since } => {
                PublicationColumns { reason: reason.clone(), changed_at: *since, ..blank("needs_attention", *since) }
            }
        }
    }

    /// The publication these columns hold; `Err` names what does not parse.
    pub fn publication(&self) -> Result<chorus_domain::schedule::Publication, String> {
        use chorus_domain::schedule::Publication as P;
        Ok(match self.state {
            "scheduled" => P::Scheduled { at: self.scheduled_at },
            "paused" => P::Paused { at: self.scheduled_at, reason: self.reason.clone() },
            "publishing" => P::Publishing {
                at: self.scheduled_at,
                attempt: u32::try_from(self.attempt).map_err(|_| format!("attempt {}", self.attempt))?,
                since: self.changed_at,
            },
            "published" => {
                P::Published { remote_id: self.remote_id.clone(), url: self.url.clone(), published_at: self.changed_at }
            }
            "failed" => P::Failed { reason: self.reason.clone(), failed_at: self.changed_at },
            "needs_attention" => P::NeedsAttention { reason: self.reason.clone(), since: self.changed_at },
            other => return Err(format!("publication state {other:?}")),
        })
    }

    /// The stored state name as the `'static` name the domain uses.
    pub fn state_name(raw: &str) -> Option<&'static str> {
        ["scheduled", "paused", "publishing", "published", "failed", "needs_attention"].into_iter().find(|s| *s == raw)
    }
}

/// One variant to schedule: to which account, in which state.
#[derive(Debug, Clone)]
pub struct PublicationPlan {
    pub variant_id: chorus_domain::VariantId,
    pub account_id: chorus_domain::AccountId,
    pub publication: chorus_domain::schedule::Publication,
}

/// The kind of job that publishes one variant; its payload is `{ "variant_id": … }` and its unique key
/// [`publish_job_key`].
pub const PUBLISH_JOB_KIND: &str = "publish_variant";

/// The unique key of the job that publishes a variant.
pub fn publish_job_key(variant: chorus_domain::VariantId) -> String {
    format!("publish:{variant}")
}

/// What a post search looks in: the title and base text, lower-cased by Chorus rather than the database (SQLite's
/// `lower()` folds ASCII only, PostgreSQL's depends on the locale), so both engines match alike. The separator
/// cannot be typed into a title, so no match spans both.
pub fn post_search_key(title: &str, base_text: &str) -> String {
    format!("{}\u{1f}{}", title.to_lowercase(), base_text.to_lowercase())
}
