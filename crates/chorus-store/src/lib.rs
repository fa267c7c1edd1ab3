//! What Chorus needs from a database, as traits. `chorus-store-sqlite` and `chorus-store-postgres` implement
//! them; everything above talks to `dyn Store` and never sees SQL.
//!
//! Every method that touches tenant data takes the [`OrganizationId`] it works in, so a query cannot forget
//! to scope itself.

mod blobs;
mod error;
mod object_blobs;
mod records;

use async_trait::async_trait;
use chorus_domain::{Account, AccountId, AccountStatus, NewAccount};
use chorus_domain::{
    ApiTokenId, Asset, AssetFields, AssetId, BrandVoice, Client, ClientChanges, ClientId, Goal, GoalFields, GoalId,
    InvitationId, NewClient, Organization, OrganizationId, OrganizationName, Page, PageRequest, Person, PersonId,
    Pillar, PillarFields, PillarId, Post, PostDraft, PostId, PostRevision, PostStatus,
};
use chorus_domain::{AssetRequest, AssetRequestId, AssetRequestUpload};
use chorus_domain::{Feed, FeedCheck, FeedFields, FeedId, FeedItem, NewFeedItem};
use chrono::{DateTime, Utc};

pub use blobs::{BlobKey, BlobStore, LocalBlobStore};
pub use error::{StoreError, StoreResult};
pub use object_blobs::{ObjectStoreBlobStore, S3Location};
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
    OrganizationStore
    + ClientStore
    + PeopleStore
    + AuthStore
    + JobStore
    + StrategyStore
    + PostStore
    + MediaStore
    + AssetRequestStore
    + FeedStore
    + AccountStore
    + PublicationStore
    + MastodonAppStore
{
}
impl<
    T: OrganizationStore
        + ClientStore
        + PeopleStore
        + AuthStore
        + JobStore
        + StrategyStore
        + PostStore
        + MediaStore
        + AssetRequestStore
        + FeedStore
        + AccountStore
        + PublicationStore
        + MastodonAppStore,
> Store for T
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
    /// Puts a job on the queue and returns its id. A job with a `unique_key` that a live (queued or running)
    /// job already has is not added: the live job's id comes back instead.
    async fn enqueue_job(&self, job: &NewJob) -> StoreResult<chorus_domain::JobId>;

    /// Takes the oldest due job no other worker holds, holding it until `lease_until`. A worker that dies
    /// lets its lease run out and the job becomes due again — unless that was its last allowed attempt: such a
    /// job is buried instead, so a job that kills its worker cannot be retried forever.
    async fn claim_job(&self, worker: &str, now: DateTime<Utc>, lease_until: DateTime<Utc>)
    -> StoreResult<Option<Job>>;

    /// A heartbeat: the worker holding `attempt` of the job keeps it until `until`. `false` when it no longer
    /// holds that attempt (the lease ran out and another claim took the job, or the job is dead or gone).
    async fn extend_lease(
        &self,
        id: chorus_domain::JobId,
        worker: &str,
        attempt: u32,
        until: DateTime<Utc>,
    ) -> StoreResult<bool>;

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

    /// The same counts for one kind of job, e.g. to tell whether the maintenance job is queued.
    async fn count_jobs_of_kind(&self, kind: &str, now: DateTime<Utc>) -> StoreResult<JobCounts>;

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

    /// The posts whose variants carry the asset, newest first. Saving a post whose variant names an asset that is
    /// not its client's fails with `NotFound("asset")`.
    async fn posts_using_asset(&self, org: OrganizationId, asset: AssetId) -> StoreResult<Vec<AssetUse>>;
}

/// The rows of a client's media library; the bytes live in a [`BlobStore`]. Every method takes the organization,
/// and those that write take the client too: an asset or client of another organization is `NotFound`.
#[async_trait]
pub trait MediaStore: Send + Sync + 'static {
    /// Records an asset (its id, client and organization as given) for a client of the organization, else
    /// `NotFound("client")`.
    async fn create_asset(&self, org: OrganizationId, client: ClientId, asset: &Asset) -> StoreResult<Asset>;

    async fn asset(&self, org: OrganizationId, id: AssetId) -> StoreResult<Asset>;

    /// The client's assets that match `query`, newest first.
    async fn list_assets(
        &self,
        org: OrganizationId,
        client: ClientId,
        query: &AssetQuery,
        page: &PageRequest,
    ) -> StoreResult<Page<Asset>>;

    /// The folders of the client's library that hold assets directly, with how many, ordered by path (the top
    /// level, "", first when it holds any).
    async fn asset_folders(&self, org: OrganizationId, client: ClientId) -> StoreResult<Vec<FolderCount>>;

    /// The tags of the client's library with how many assets have each, the most used first, then by name.
    async fn asset_tags(&self, org: OrganizationId, client: ClientId) -> StoreResult<Vec<TagCount>>;

    /// Replaces the alt text, file name, folder, tags and focal point of an asset of the client.
    async fn update_asset(
        &self,
        org: OrganizationId,
        client: ClientId,
        id: AssetId,
        fields: &AssetFields,
    ) -> StoreResult<Asset>;

    /// Files the client's assets `ids` in `folder` (as [`chorus_domain::folder_path`] writes it), all or none: an
    /// id that is not an asset of the client is `NotFound("asset")` and nothing moves. Returns how many moved.
    async fn move_assets(
        &self,
        org: OrganizationId,
        client: ClientId,
        ids: &[AssetId],
        folder: &str,
    ) -> StoreResult<u64>;

    /// Adds `tag` (as [`chorus_domain::tag`] writes it) to the client's assets `ids` that lack it, all or none: an
    /// id that is not an asset of the client is `NotFound("asset")`, and one that would have more than
    /// [`chorus_domain::media::MAX_TAGS`] is `Conflict { field: "tags" }`. Returns how many gained it.
    async fn tag_assets(&self, org: OrganizationId, client: ClientId, ids: &[AssetId], tag: &str) -> StoreResult<u64>;

    /// Renames the folder `from` to `to`, folders inside it included (`A/B` moves to `to/B`); `to` may be the
    /// top level (""). The caller checks that the new paths are valid. Returns how many assets moved.
    async fn rename_folder(&self, org: OrganizationId, client: ClientId, from: &str, to: &str) -> StoreResult<u64>;

    async fn delete_asset(&self, org: OrganizationId, client: ClientId, id: AssetId) -> StoreResult<()>;

    /// Deletes the client's assets `ids`, all or none: an id that is not an asset of the client is
    /// `NotFound("asset")` and nothing is deleted.
    async fn delete_assets(&self, org: OrganizationId, client: ClientId, ids: &[AssetId]) -> StoreResult<()>;
}

/// Asset requests: secret links a client uses to upload into its media library without an account. Every method
/// but [`AssetRequestStore::asset_request_by_hash`] takes the organization, and a request, client or asset of
/// another organization is `NotFound`.
#[async_trait]
pub trait AssetRequestStore: Send + Sync + 'static {
    /// Records a request (its id, dates, message, folder and cap as given; nothing received yet) for a client of
    /// the organization, else `NotFound("client")`, made by a person of it, else `NotFound("person")`. Only the
    /// SHA-256 of the link's secret is stored.
    async fn create_asset_request(
        &self,
        org: OrganizationId,
        client: ClientId,
        request: &AssetRequest,
        secret_hash: &[u8],
    ) -> StoreResult<AssetRequest>;

    async fn asset_request(&self, org: OrganizationId, id: AssetRequestId) -> StoreResult<AssetRequest>;

    /// The client's requests, newest first, whatever their state.
    async fn list_asset_requests(&self, org: OrganizationId, client: ClientId) -> StoreResult<Vec<AssetRequest>>;

    /// The request whose link secret has this SHA-256, whatever its state: the caller tells an expired or revoked
    /// link from one that never existed. The secret is the only key, so this is not scoped to an organization.
    async fn asset_request_by_hash(&self, secret_hash: &[u8]) -> StoreResult<Option<AssetRequest>>;

    /// Withdraws a request of the client; withdrawing twice keeps the first time.
    async fn revoke_asset_request(
        &self,
        org: OrganizationId,
        client: ClientId,
        id: AssetRequestId,
        now: DateTime<Utc>,
    ) -> StoreResult<AssetRequest>;

    /// Counts the asset against its request and records who sent it, in one step and only while the request is
    /// open at `now` (not revoked, not expired, under its cap), else `Conflict { field: "files" }` and nothing is
    /// recorded: two uploads racing for the last place never both get it. The asset must be of the request's
    /// client, else `NotFound("asset")`. Returns the request as it now stands.
    async fn record_asset_request_upload(
        &self,
        org: OrganizationId,
        upload: &AssetRequestUpload,
        now: DateTime<Utc>,
    ) -> StoreResult<AssetRequest>;

    /// The files received through the request that are still in the library, in the order they came.
    async fn asset_request_uploads(
        &self,
        org: OrganizationId,
        id: AssetRequestId,
    ) -> StoreResult<Vec<AssetRequestUpload>>;

    /// Which of `assets` came in through a request, and from whom; assets that did not are left out.
    async fn asset_origins(&self, org: OrganizationId, assets: &[AssetId]) -> StoreResult<Vec<AssetRequestUpload>>;
}

/// RSS and Atom feeds per client and the articles seen in each. Every method but [`FeedStore::claim_due_feeds`]
/// takes the organization; a feed or client of another organization is `NotFound`.
#[async_trait]
pub trait FeedStore: Send + Sync + 'static {
    /// Adds a feed, due for its first check at once. Fails with `Conflict { field: "url" }` when the client
    /// already has a feed at that address, and `NotFound("pillar")` for a pillar that is not the client's.
    async fn create_feed(
        &self,
        org: OrganizationId,
        client: ClientId,
        fields: &FeedFields,
        by: PersonId,
    ) -> StoreResult<Feed>;

    async fn feed(&self, org: OrganizationId, id: FeedId) -> StoreResult<Feed>;

    /// The client's feeds, in the order they were added.
    async fn list_feeds(&self, org: OrganizationId, client: ClientId) -> StoreResult<Vec<Feed>>;

    /// Replaces what a person sets on the feed; its checks and seen articles stay.
    async fn update_feed(&self, org: OrganizationId, id: FeedId, fields: &FeedFields) -> StoreResult<Feed>;

    /// Pauses a feed (with the reason Chorus had, or empty when a person paused it), or resumes it: resuming
    /// clears the failures and makes it due at `now`.
    async fn set_feed_paused(
        &self,
        org: OrganizationId,
        id: FeedId,
        paused: bool,
        reason: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Feed>;

    async fn delete_feed(&self, org: OrganizationId, id: FeedId) -> StoreResult<()>;

    /// For the background check, across organizations: takes up to `limit` feeds that are not paused and due
    /// at `now`, moving their next check to `hold_until` in the same statement, so two workers never take the
    /// same feed. Recording the check sets the real next time.
    async fn claim_due_feeds(
        &self,
        now: DateTime<Utc>,
        hold_until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<Feed>>;

    /// Records a check: its time and result, the next check one interval later, and the failures in a row
    /// (reset by a success). The feed is paused, with `check.result` as the reason, once failures reach
    /// `chorus_domain::feed::MAX_CONSECUTIVE_FAILURES`.
    async fn record_feed_check(&self, org: OrganizationId, id: FeedId, check: &FeedCheck) -> StoreResult<Feed>;

    /// Records the items as seen and gives the keys of those that were not seen before, in the order given:
    /// the only ones to make drafts of. Two checks at once cannot both get the same key.
    async fn claim_feed_items(
        &self,
        org: OrganizationId,
        id: FeedId,
        items: &[NewFeedItem],
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<String>>;

    /// Forgets seen items, so the next check tries them again (their drafts could not be made).
    async fn forget_feed_items(&self, org: OrganizationId, id: FeedId, keys: &[String]) -> StoreResult<()>;

    /// The feed's seen items, most recently seen first, at most `limit`.
    async fn feed_items(&self, org: OrganizationId, id: FeedId, limit: u32) -> StoreResult<Vec<FeedItem>>;
}

/// A client's connected network accounts and their sealed credentials. The store keeps the credentials as the
/// opaque bytes it is given (sealed by `chorus_secrets::seal`) and never sees them in plain text. Every method
/// but [`AccountStore::accounts_to_check`] takes the organization; an account, client or person of another
/// organization is `NotFound`.
#[async_trait]
pub trait AccountStore: Send + Sync + 'static {
    /// Connects an account for a client of the organization (else `NotFound("client")`), by a person of it (else
    /// `NotFound("person")`), as [`NewAccount::check`] returned it. When the client already has this account (the
    /// same network and remote id), whatever its status, this is a reconnect: the same row and id, its handle,
    /// name, server and connector updated, the credentials replaced and the status `Connected` again. Either
    /// way `checked_at` is cleared, so the next health run checks the new credentials.
    async fn connect_account(
        &self,
        org: OrganizationId,
        client: ClientId,
        account: &NewAccount,
        sealed_credentials: &[u8],
    ) -> StoreResult<Account>;

    async fn account(&self, org: OrganizationId, id: AccountId) -> StoreResult<Account>;

    /// The client's accounts in the order they were first connected, disconnected ones included.
    async fn list_accounts(&self, org: OrganizationId, client: ClientId) -> StoreResult<Vec<Account>>;

    /// The sealed credentials of the account; `NotFound("credentials")` once it is disconnected.
    async fn account_credentials(&self, org: OrganizationId, id: AccountId) -> StoreResult<Vec<u8>>;

    /// Records the outcome of a check or a publish: `Connected` (with an empty reason) or `NeedsReconnect` with
    /// why. A disconnected account stays disconnected (a check racing a disconnect must not revive it), and
    /// `Disconnected` is not set here, as it must wipe the credentials: both are `Conflict { field: "status" }`.
    async fn set_account_status(
        &self,
        org: OrganizationId,
        id: AccountId,
        status: AccountStatus,
        reason: &str,
        checked_at: DateTime<Utc>,
    ) -> StoreResult<Account>;

    /// Replaces the credentials after a token refresh (or a key rotation), leaving the status alone. A
    /// disconnected account is `Conflict { field: "status" }`: a refresh racing a disconnect must not store
    /// credentials again.
    async fn replace_credentials(
        &self,
        org: OrganizationId,
        id: AccountId,
        sealed_credentials: &[u8],
    ) -> StoreResult<()>;

    /// Disconnects an account of the client: status `Disconnected` and the credentials wiped, the row kept so
    /// the posts published to it keep their history. Disconnecting twice is harmless.
    async fn disconnect_account(&self, org: OrganizationId, client: ClientId, id: AccountId) -> StoreResult<Account>;

    /// For the daily health check, across organizations by design (one job checks every installation's
    /// accounts): up to `limit` connected accounts never checked or last checked before `before`, never checked
    /// first, then the longest unchecked. Recording the check with [`AccountStore::set_account_status`] moves an
    /// account out of the list.
    async fn accounts_to_check(
        &self,
        before: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<(OrganizationId, AccountId)>>;
}

/// When and where each variant of a post is published. Every method takes the organization; a post or account of
/// another organization is `NotFound`.
#[async_trait]
pub trait PublicationStore: Send + Sync + 'static {
    /// Schedules variants of a post, all or nothing, in one transaction: the post must still be at
    /// `expected_revision` (else `Conflict { field: "revision" }`); each variant must be the post's (else
    /// `NotFound("variant")`); each account must be of the post's client (else `NotFound("account")`) and
    /// connected (else `Conflict { field: "account" }` naming it); a variant already publishing or published is
    /// `Conflict { field: "publication" }` naming its network. The publications are written (replacing earlier
    /// ones of those variants) and `jobs` enqueued in the same transaction: a queued job with the same unique key
    /// is replaced, so rescheduling moves its `run_at`. Returns the post's publications.
    async fn schedule_post(
        &self,
        org: OrganizationId,
        post: PostId,
        expected_revision: u32,
        plans: &[PublicationPlan],
        jobs: &[NewJob],
    ) -> StoreResult<Vec<PublicationRecord>>;

    /// The post's publications in the order of its variants.
    async fn publications(&self, org: OrganizationId, post: PostId) -> StoreResult<Vec<PublicationRecord>>;

    /// Publications due (or placed) in `[from, to)`, of one client or all, by time: the calendar.
    async fn scheduled_between(
        &self,
        org: OrganizationId,
        client: Option<ClientId>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<PublicationRecord>>;

    /// Takes back the post's scheduled and paused publications and deletes their queued jobs (by
    /// [`publish_job_key`]) in the same transaction; publishing, published and failed ones stay. Returns the
    /// publications left.
    async fn unschedule_post(&self, org: OrganizationId, post: PostId) -> StoreResult<Vec<PublicationRecord>>;
}

/// Chorus's registration as an app on one Mastodon instance (`POST /api/v1/apps`), made once and reused for every
/// account there. The client secret is sealed by the caller (`chorus_secrets::seal`); the store keeps the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct MastodonApp {
    /// The instance's base address, `https://social.example`: one registration per instance.
    pub instance: String,
    pub client_id: String,
    pub sealed_client_secret: Vec<u8>,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub created_at: DateTime<Utc>,
}

impl std::fmt::Debug for MastodonApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MastodonApp")
            .field("instance", &self.instance)
            .field("client_id", &self.client_id)
            .field("redirect_uri", &self.redirect_uri)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

/// A Mastodon authorization in progress: who started it for which client, on which instance, and the PKCE verifier
/// (sealed by the caller) that the code exchange needs. Found by its `state`, once, until it expires.
#[derive(Clone, PartialEq, Eq)]
pub struct MastodonAuthorization {
    pub state: String,
    pub client_id: ClientId,
    pub person_id: PersonId,
    pub instance: String,
    pub sealed_verifier: Vec<u8>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for MastodonAuthorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MastodonAuthorization")
            .field("client_id", &self.client_id)
            .field("person_id", &self.person_id)
            .field("instance", &self.instance)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Chorus's app registrations on Mastodon instances (installation-wide: one per instance, whichever organization
/// connected an account there first) and the authorizations in progress (scoped to an organization).
#[async_trait]
pub trait MastodonAppStore: Send + Sync + 'static {
    /// The registration on this instance, if Chorus has one.
    async fn mastodon_app(&self, instance: &str) -> StoreResult<Option<MastodonApp>>;

    /// Keeps the registration unless the instance has one already (two people registering at once): either way
    /// gives the one kept, so everybody uses the same.
    async fn save_mastodon_app(&self, app: &MastodonApp) -> StoreResult<MastodonApp>;

    /// Records an authorization in progress for a client of the organization (else `NotFound("client")`) by a
    /// person of it (else `NotFound("person")`). A state already used is `Conflict { field: "state" }`.
    async fn create_mastodon_authorization(
        &self,
        org: OrganizationId,
        authorization: &MastodonAuthorization,
    ) -> StoreResult<()>;

    /// Takes the authorization with this state, once: only if `person` of `org` started it, it has not been taken
    /// and it has not expired at `now`. `None` otherwise — unknown, another person's, used or expired alike.
    async fn take_mastodon_authorization(
        &self,
        org: OrganizationId,
        person: PersonId,
        state: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<MastodonAuthorization>>;

    /// Moves an authorization's expiry (to end it early); `NotFound("authorization")` if the organization has none
    /// with this state.
    async fn set_mastodon_authorization_expiry(
        &self,
        org: OrganizationId,
        state: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;
}
