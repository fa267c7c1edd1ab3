//! What Chorus needs from a database, as traits. `chorus-store-sqlite` and `chorus-store-postgres` implement
//! them; everything above talks to `dyn Store` and never sees SQL.
//!
//! Every method that touches tenant data takes the [`OrganizationId`] it works in, so a query cannot forget
//! to scope itself.

mod blobs;
mod error;
mod records;

use async_trait::async_trait;
use chorus_domain::{
    ApiTokenId, Asset, AssetFields, AssetId, BrandVoice, Client, ClientChanges, ClientId, Goal, GoalFields, GoalId,
    InvitationId, NewClient, Organization, OrganizationId, OrganizationName, Page, PageRequest, Person, PersonId,
    Pillar, PillarFields, PillarId, Post, PostDraft, PostId, PostRevision, PostStatus,
};
use chrono::{DateTime, Utc};

pub use blobs::{BlobKey, BlobStore, LocalBlobStore};
pub use error::{StoreError, StoreResult};
pub use records::*;

/// Which engine is behind a store; shown in logs and `/readyz`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(&self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// The whole storage interface. Implemented automatically for anything that implements every part.
pub trait Store:
    OrganizationStore + ClientStore + PeopleStore + AuthStore + JobStore + StrategyStore + PostStore + MediaStore
{
}
impl<T: OrganizationStore + ClientStore + PeopleStore + AuthStore + JobStore + StrategyStore + PostStore + MediaStore>
    Store for T
{
}

#[async_trait]
pub trait OrganizationStore: Send + Sync + 'static {
    fn backend(&self) -> Backend;

    /// Answers only when the database does; used by `/readyz`.
    async fn ping(&self) -> StoreResult<()>;

    /// True until the first organization exists: the web shows first-run setup until then.
    async fn needs_setup(&self) -> StoreResult<bool>;

    /// Creates an organization and its first owner together, so there is never an organization nobody can
    /// sign in to.
    async fn create_organization(
        &self,
        name: &OrganizationName,
        owner: NewPerson,
    ) -> StoreResult<(Organization, Person)>;

    async fn organization(&self, org: OrganizationId) -> StoreResult<Organization>;

    /// The organization created first: the one `chorus admin create-user` adds people to by default.
    async fn first_organization(&self) -> StoreResult<Option<Organization>>;

    async fn rename_organization(&self, org: OrganizationId, name: &OrganizationName) -> StoreResult<Organization>;
}

#[async_trait]
pub trait ClientStore: Send + Sync + 'static {
    /// Creates a client; `grant_to` is given access too when that person does not already see every client
    /// (a manager who creates a client works on it).
    async fn create_client(
        &self,
        org: OrganizationId,
        client: NewClient,
        grant_to: Option<PersonId>,
    ) -> StoreResult<Client>;

    /// Fails with [`StoreError::NotFound`] for a client of another organization.
    async fn client(&self, org: OrganizationId, id: ClientId) -> StoreResult<Client>;

    /// Clients ordered by name, limited to those `query.access` allows.
    async fn list_clients(
        &self,
        org: OrganizationId,
        query: &ClientQuery,
        page: &PageRequest,
    ) -> StoreResult<Page<Client>>;

    async fn update_client(&self, org: OrganizationId, id: ClientId, changes: ClientChanges) -> StoreResult<Client>;

    /// Archives (`true`) or restores (`false`) a client. Archiving an archived client keeps its first date.
    async fn set_client_archived(&self, org: OrganizationId, id: ClientId, archived: bool) -> StoreResult<Client>;
}

#[async_trait]
pub trait PeopleStore: Send + Sync + 'static {
    /// Fails with [`StoreError::Conflict`] when the e-mail address is taken.
    async fn create_person(&self, org: OrganizationId, person: NewPerson) -> StoreResult<Person>;

    async fn person(&self, org: OrganizationId, id: PersonId) -> StoreResult<Person>;

    /// People ordered by name; client users only of the clients `query.client_users_of` allows.
    async fn list_people(
        &self,
        org: OrganizationId,
        query: &PeopleQuery,
        page: &PageRequest,
    ) -> StoreResult<Page<Person>>;

    async fn update_person(&self, org: OrganizationId, id: PersonId, changes: PersonChanges) -> StoreResult<Person>;

    /// Active owners left; the last one cannot be demoted or deactivated.
    async fn count_active_owners(&self, org: OrganizationId) -> StoreResult<u64>;

    /// Looks a person up by e-mail across organizations, for signing in.
    async fn credentials_by_email(&self, email: &chorus_domain::Email) -> StoreResult<Option<Credentials>>;

    async fn set_password_hash(&self, org: OrganizationId, id: PersonId, hash: &str) -> StoreResult<()>;
}

#[async_trait]
pub trait AuthStore: Send + Sync + 'static {
    async fn create_session(&self, session: &Session) -> StoreResult<()>;
    /// The session with this token hash, if it has not expired at `now`.
    async fn session(&self, token_hash: &[u8], now: DateTime<Utc>) -> StoreResult<Option<Session>>;
    async fn touch_session(&self, token_hash: &[u8], now: DateTime<Utc>, expires_at: DateTime<Utc>) -> StoreResult<()>;
    async fn delete_session(&self, token_hash: &[u8]) -> StoreResult<()>;
    /// Signs a person out everywhere, e.g. when deactivated or their password changes.
    async fn delete_sessions_of(&self, org: OrganizationId, person: PersonId) -> StoreResult<u64>;
    async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64>;

    async fn create_api_token(&self, token: &ApiToken, hash: &[u8]) -> StoreResult<()>;
    /// A token that is neither revoked nor expired at `now`.
    async fn api_token_by_hash(&self, hash: &[u8], now: DateTime<Utc>) -> StoreResult<Option<ApiToken>>;
    async fn list_api_tokens(&self, org: OrganizationId, person: PersonId) -> StoreResult<Vec<ApiToken>>;
    async fn revoke_api_token(
        &self,
        org: OrganizationId,
        person: PersonId,
        id: ApiTokenId,
        now: DateTime<Utc>,
    ) -> StoreResult<ApiToken>;
    async fn touch_api_token(&self, id: ApiTokenId, now: DateTime<Utc>) -> StoreResult<()>;

    async fn create_invitation(&self, invitation: &Invitation, hash: &[u8]) -> StoreResult<()>;
    async fn invitation_by_hash(&self, hash: &[u8], now: DateTime<Utc>) -> StoreResult<Option<Invitation>>;
    async fn list_invitations(&self, org: OrganizationId) -> StoreResult<Vec<Invitation>>;
    /// Turns a pending invitation into a person, once: a second acceptance fails with `NotFound`.
    async fn accept_invitation(&self, id: InvitationId, password_hash: &str, now: DateTime<Utc>)
    -> StoreResult<Person>;
    async fn revoke_invitation(&self, org: OrganizationId, id: InvitationId) -> StoreResult<()>;

    /// Records a failed sign-in under `key` (an e-mail address or a network address).
    async fn record_sign_in_failure(&self, key: &str, at: DateTime<Utc>) -> StoreResult<()>;
    async fn sign_in_failures_since(&self, key: &str, since: DateTime<Utc>) -> StoreResult<u64>;
    async fn clear_sign_in_failures(&self, key: &str) -> StoreResult<()>;
    async fn delete_sign_in_failures_before(&self, before: DateTime<Utc>) -> StoreResult<u64>;
}

#[async_trait]
pub trait JobStore: Send + Sync + 'static {
    async fn enqueue_job(&self, job: &NewJob) -> StoreResult<chorus_domain::JobId>;

    /// Takes the oldest due job no other worker holds, holding it until `lease_until`. A worker that dies
    /// lets its lease run out and the job becomes due again.
    async fn claim_job(&self, worker: &str, now: DateTime<Utc>, lease_until: DateTime<Utc>)
    -> StoreResult<Option<Job>>;

    /// The job is done; it leaves the queue.
    async fn complete_job(&self, id: chorus_domain::JobId, worker: &str) -> StoreResult<()>;

    /// The attempt failed; try again at `run_at`, or bury the job (`run_at` = `None`) as dead.
    async fn fail_job(
        &self,
        id: chorus_domain::JobId,
        worker: &str,
        error: &str,
        run_at: Option<DateTime<Utc>>,
    ) -> StoreResult<()>;

    /// Gives a claimed job back untouched, e.g. at shutdown; its attempt does not count.
    async fn release_job(&self, id: chorus_domain::JobId, worker: &str) -> StoreResult<()>;

    /// Jobs waiting or running, and dead ones, for metrics and the admin view.
    async fn job_counts(&self, now: DateTime<Utc>) -> StoreResult<JobCounts>;

    async fn dead_jobs(&self, limit: u32) -> StoreResult<Vec<Job>>;

    /// Waits until a job may be due (a wake-up from another process on PostgreSQL) or `timeout` passes.
    async fn wait_for_jobs(&self, timeout: std::time::Duration);
}

/// A client's strategy: content pillars, goals and brand voice. Every method takes the organization and
/// the client, and a client of another organization is `NotFound`.
#[async_trait]
pub trait StrategyStore: Send + Sync + 'static {
    /// The client's pillars, in the order they were created.
    async fn list_pillars(&self, org: OrganizationId, client: ClientId) -> StoreResult<Vec<Pillar>>;
    /// Fails with `Conflict { field: "name" }` when the client already has a pillar of that name (ignoring case).
    async fn create_pillar(&self, org: OrganizationId, client: ClientId, fields: &PillarFields) -> StoreResult<Pillar>;
    async fn update_pillar(
        &self,
        org: OrganizationId,
        client: ClientId,
        id: PillarId,
        fields: &PillarFields,
    ) -> StoreResult<Pillar>;
    async fn delete_pillar(&self, org: OrganizationId, client: ClientId, id: PillarId) -> StoreResult<()>;

    /// The client's goals, in the order they were created.
    async fn list_goals(&self, org: OrganizationId, client: ClientId) -> StoreResult<Vec<Goal>>;
    async fn create_goal(&self, org: OrganizationId, client: ClientId, fields: &GoalFields) -> StoreResult<Goal>;
    async fn update_goal(
        &self,
        org: OrganizationId,
        client: ClientId,
        id: GoalId,
        fields: &GoalFields,
    ) -> StoreResult<Goal>;
    async fn delete_goal(&self, org: OrganizationId, client: ClientId, id: GoalId) -> StoreResult<()>;

    /// The client's brand voice; an empty one when none was saved yet.
    async fn brand_voice(&self, org: OrganizationId, client: ClientId) -> StoreResult<BrandVoice>;
    async fn set_brand_voice(&self, org: OrganizationId, client: ClientId, voice: &BrandVoice) -> StoreResult<()>;
}

/// Posts and their variants, with every saved state kept. Every method takes the organization; a post, client or
/// pillar of another organization is `NotFound`.
#[async_trait]
pub trait PostStore: Send + Sync + 'static {
    /// Creates a post at revision 1 (recorded in its history) for a client of the organization. A `pillar_id` must
    /// be a pillar of that client, else `NotFound("pillar")`.
    async fn create_post(
        &self,
        org: OrganizationId,
        client: ClientId,
        draft: &PostDraft,
        by: PersonId,
    ) -> StoreResult<Post>;

    /// Creates many posts for one client at once, as [`PostStore::create_post`] creates one, all or none: in one
    /// transaction, so a failure stores none of them. The ids are in the order of `drafts`.
    async fn create_posts(
        &self,
        org: OrganizationId,
        client: ClientId,
        drafts: &[PostDraft],
        by: PersonId,
    ) -> StoreResult<Vec<PostId>>;

    /// The post with its variants in their order.
    async fn post(&self, org: OrganizationId, id: PostId) -> StoreResult<Post>;

    /// Posts newest first, of the clients `query.access` allows, filtered by client, status and a case-insensitive
    /// part of the title or base text.
    async fn list_posts(&self, org: OrganizationId, query: &PostQuery, page: &PageRequest) -> StoreResult<Page<Post>>;

    /// Replaces the post's fields and all its variants (a network's variant keeps its id) at the next revision,
    /// recorded in its history. With `expected_revision`, a post saved by someone else since fails with
    /// `Conflict { field: "revision" }` and changes nothing: two saves from the same revision never both win.
    async fn update_post(
        &self,
        org: OrganizationId,
        id: PostId,
        draft: &PostDraft,
        by: PersonId,
        expected_revision: Option<u32>,
    ) -> StoreResult<Post>;

    /// Deletes the post, its variants and its history.
    async fn delete_post(&self, org: OrganizationId, id: PostId) -> StoreResult<()>;

    /// A new post (new ids, revision 1) with the same client, text, pillar and variants, in `status`; its title
    /// is [`Post::copy_title`].
    async fn duplicate_post(
        &self,
        org: OrganizationId,
        id: PostId,
        by: PersonId,
        status: PostStatus,
    ) -> StoreResult<Post>;

    /// Every saved state of the post, newest first.
    async fn post_revisions(&self, org: OrganizationId, id: PostId) -> StoreResult<Vec<PostRevision>>;
}

/// The rows of a client's media library; the bytes live in a [`BlobStore`]. Every method takes the organization,
/// and those that write take the client too: an asset or client of another organization is `NotFound`.
#[async_trait]
pub trait MediaStore: Send + Sync + 'static {
    /// Records an asset (its id, client and organization as given) for a client of the organization, else
    /// `NotFound("client")`.
    async fn create_asset(&self, org: OrganizationId, client: ClientId, asset: &Asset) -> StoreResult<Asset>;

    async fn asset(&self, org: OrganizationId, id: AssetId) -> StoreResult<Asset>;

    /// The client's assets, newest first.
    async fn list_assets(&self, org: OrganizationId, client: ClientId, page: &PageRequest) -> StoreResult<Page<Asset>>;

    /// Replaces the alt text and file name of an asset of the client.
    async fn update_asset(
        &self,
        org: OrganizationId,
        client: ClientId,
        id: AssetId,
        fields: &AssetFields,
    ) -> StoreResult<Asset>;

    async fn delete_asset(&self, org: OrganizationId, client: ClientId, id: AssetId) -> StoreResult<()>;
}
