//! One test suite for every storage backend: what the layers above rely on, checked the same way on SQLite
//! and PostgreSQL.
//!
//! Each `pub async fn` here is one test taking an empty, migrated store of its own. [`storage_suite!`]
//! turns them into `#[tokio::test]`s for a backend:
//!
//! ```ignore
//! mod sqlite {
//!     async fn store() -> std::sync::Arc<dyn chorus_store::Store> {
//!         chorus_testkit::sqlite::fresh_store().await
//!     }
//!     chorus_testkit::storage_suite!(store);
//! }
//! ```
//!
//! Times passed to the store are whole seconds, and values are compared after a round trip, so a backend
//! that stores less precision than nanoseconds (PostgreSQL keeps microseconds) passes as long as the values
//! it creates itself are at the precision it stores.
//!
//! [`storage_suite!`]: crate::storage_suite!

use std::collections::{BTreeSet, HashSet};
use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use chorus_domain::post::{InstagramKind, ReplyControl, Visibility};
use chorus_domain::strategy::{HashtagGroup, Snippet};
use chorus_domain::{
    ApiTokenId, Asset, AssetFields, AssetId, AssetKind, BrandNotes, BrandVoice, Client, ClientAccess, ClientChanges,
    ClientId, ClientName, Colour, Email, Goal, GoalFields, GoalId, GoalMetric, GoalPeriod, InvitationId, JobId,
    MediaType, Network, NewClient, OfficeHours, Organization, OrganizationId, OrganizationName, Page, PageRequest,
    Person, PersonId, PersonName, Pillar, PillarFields, PillarId, PillarName, Post, PostDraft, PostId, PostStatus,
    Role, TimeRange, TimeZone, TokenScope, VariantDraft, VariantMedia, VariantOptions,
};
use chorus_store::{
    ApiToken, ArchivedFilter, AssetQuery, ClientQuery, FolderCount, Invitation, JobCounts, NewJob, NewPerson,
    PeopleQuery, PersonChanges, PostQuery, Session, Store, StoreError, StoreResult, TagCount,
};
use chrono::{DateTime, SubsecRound, TimeDelta, Utc};

/// Generates one `#[tokio::test]` per suite test, each calling `$make_store().await` for a fresh store.
/// `$make_store` is an `async fn() -> Arc<dyn chorus_store::Store>` in scope where the macro is used.
#[macro_export]
macro_rules! storage_suite {
    ($make_store:path) => {
        $crate::storage_suite!(@tests $make_store;
            organization_and_owner_are_created_together,
            clients_can_be_created_read_updated_archived_and_restored,
            clients_are_listed_by_name_ignoring_case,
            client_pages_have_no_gaps_or_duplicates,
            client_search_is_a_case_insensitive_substring_with_literal_wildcards,
            client_lists_honour_access_and_archived_filters,
            clients_are_scoped_to_their_organization,
            creating_a_client_grants_it_to_a_creator_without_all_clients,
            people_are_scoped_to_their_organization,
            a_taken_email_is_a_conflict_on_email,
            people_lists_show_client_users_only_with_their_client,
            people_pages_have_no_gaps_or_duplicates,
            people_can_change_role_access_and_standing,
            credentials_are_found_by_email,
            sessions_expire_and_can_be_touched_and_deleted,
            api_tokens_work_until_revoked_or_expired,
            invitations_are_accepted_once,
            sign_in_failures_are_counted_cleared_and_purged,
            jobs_are_claimed_once_and_completed,
            concurrent_claimers_never_share_a_job,
            an_expired_lease_makes_a_job_claimable_again,
            failed_jobs_wait_for_their_retry_time,
            jobs_without_a_retry_are_dead,
            released_jobs_do_not_count_an_attempt,
            job_counts_tell_ready_scheduled_running_and_dead,
            waiting_for_jobs_ends_on_enqueue_or_timeout,
            a_unique_key_admits_one_live_job,
            concurrent_enqueues_with_one_key_make_one_job,
            a_heartbeat_keeps_the_lease_and_a_stolen_lease_refuses_it,
            a_lease_lost_on_the_last_attempt_buries_the_job,
            jobs_are_counted_by_kind,
            pillars_can_be_created_listed_updated_and_deleted,
            pillar_names_are_unique_per_client_ignoring_case,
            goals_can_be_created_listed_updated_and_deleted,
            brand_voice_is_empty_until_set_and_replaced_whole,
            strategy_is_scoped_to_organization_and_client,
            posts_are_created_and_read_back_with_their_variants,
            post_lists_are_newest_first_filtered_searched_and_paged,
            updating_a_post_replaces_its_variants_and_bumps_the_revision,
            concurrent_saves_from_one_revision_never_both_win,
            post_revisions_keep_every_saved_state_newest_first,
            duplicating_a_post_copies_it_with_new_ids,
            deleting_a_post_takes_its_variants_and_history,
            a_post_pillar_must_be_of_its_client,
            posts_are_scoped_to_their_organization,
            many_posts_are_created_all_or_nothing,
            variant_media_is_kept_in_order_and_only_from_the_posts_client,
            an_asset_in_use_cannot_be_deleted,
            assets_can_be_created_read_updated_and_deleted,
            asset_lists_are_newest_first_and_paged,
            assets_are_scoped_to_organization_and_client,
            asset_requests_are_created_listed_and_found_by_their_secret,
            uploads_are_counted_against_the_cap_and_recorded_with_their_sender,
            expired_and_revoked_requests_take_no_uploads,
            uploads_racing_for_the_last_place_never_both_get_it,
            asset_requests_are_scoped_to_organization_and_client,
            asset_lists_filter_by_search_folder_tag_and_kind,
            asset_folders_and_tags_are_counted,
            asset_folders_tags_and_focal_points_are_updated,
            assets_are_moved_tagged_and_deleted_in_bulk_all_or_nothing,
            folders_are_renamed_with_the_folders_inside_them,
            bulk_media_changes_are_scoped_to_organization_and_client,
            feeds_can_be_created_listed_updated_paused_and_deleted,
            feed_items_are_claimed_once_and_due_feeds_by_one_worker,
            failing_feeds_are_paused_after_five_failures_in_a_row,
            feeds_are_scoped_to_their_organization,
            accounts_are_connected_listed_and_read_back,
            connecting_an_account_again_replaces_its_credentials_and_keeps_one_row,
            account_statuses_are_recorded_and_a_disconnected_account_stays_so,
            accounts_to_check_are_connected_ones_checked_longest_ago_first,
            disconnecting_wipes_the_credentials_and_keeps_the_row,
            accounts_are_scoped_to_organization_and_client,
            sealed_credentials_are_stored_as_given_and_open_only_for_their_account,
            mastodon_apps_are_kept_once_per_instance,
            mastodon_authorizations_are_taken_once_by_their_person_before_they_expire,
            mastodon_authorizations_are_scoped_to_their_organization,
            a_post_is_scheduled_with_its_jobs_in_one_step,
            scheduling_is_all_or_nothing,
            published_variants_cannot_be_scheduled_again,
            editing_a_scheduled_post_keeps_its_schedule,
            unscheduling_takes_back_publications_and_their_jobs,
        );
    };
    (@tests $make_store:path; $($test:ident),* $(,)?) => {
        $(
            // Several threads, so that concurrent claims really run at the same time.
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $test() {
                $crate::storage_suite::$test($make_store().await).await;
            }
        )*
    };
}

/// A migration version far beyond any real one, for "the database is newer than this binary" tests: record
/// it as applied (see `sqlite::add_future_migration`), then migrating must fail with
/// [`assert_too_new`].
pub const FUTURE_MIGRATION: i64 = 99_991_231_235_959;

/// Checks that migrating failed because the database holds [`FUTURE_MIGRATION`].
pub fn assert_too_new<T: Debug>(result: StoreResult<T>) {
    match result {
        Err(StoreError::TooNew(version)) => assert_eq!(version, FUTURE_MIGRATION),
        other => panic!("expected StoreError::TooNew({FUTURE_MIGRATION}), got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------------------
// Helpers

mod accounts;
pub use accounts::*;
mod asset_requests;
pub use asset_requests::*;
mod job_leases;
pub use job_leases::*;
mod mastodon_apps;
pub use mastodon_apps::*;
mod publications;
pub use publications::*;

type Db = Arc<dyn Store>;

/// Now, in whole seconds: every backend stores it exactly.
fn t0() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(0)
}

fn minutes(n: i64) -> TimeDelta {
    TimeDelta::minutes(n)
}

fn email(raw: &str) -> Email {
    Email::parse(raw).unwrap()
}

fn new_person(address: &str, name: &str, role: Role, client_access: ClientAccess) -> NewPerson {
    NewPerson {
        email: email(address),
        name: PersonName::parse(name).unwrap(),
        role,
        client_access,
        password_hash: Some(format!("hash of {address}")),
    }
}

fn new_client(name: &str) -> NewClient {
    NewClient {
        name: ClientName::parse(name).unwrap(),
        time_zone: TimeZone::UTC,
        office_hours: OfficeHours::default(),
        brand_notes: BrandNotes::default(),
    }
}

fn only(ids: impl IntoIterator<Item = ClientId>) -> ClientAccess {
    ClientAccess::Only(ids.into_iter().collect())
}

/// An organization named `name` with an owner `owner@<name>.example`.
async fn organization(store: &Db, name: &str) -> (Organization, Person) {
    let owner_email = format!("owner@{}.example", name.to_lowercase());
    store
        .create_organization(
            &OrganizationName::parse(name).unwrap(),
            new_person(&owner_email, &format!("{name} Owner"), Role::Owner, ClientAccess::All),
        )
        .await
        .unwrap()
}

async fn client(store: &Db, org: OrganizationId, name: &str) -> Client {
    store.create_client(org, new_client(name), None).await.unwrap()
}

fn clients_query(access: ClientAccess, archived: ArchivedFilter, search: Option<&str>) -> ClientQuery {
    ClientQuery { access, archived, search: search.map(str::to_string) }
}

fn every_client() -> ClientQuery {
    clients_query(ClientAccess::All, ArchivedFilter::All, None)
}

fn everybody() -> PeopleQuery {
    PeopleQuery { client_users_of: ClientAccess::All, include_deactivated: true }
}

/// The names of one page of clients, at most 200.
async fn client_names(store: &Db, org: OrganizationId, query: &ClientQuery) -> Vec<String> {
    let page = store.list_clients(org, query, &PageRequest::first(200)).await.unwrap();
    assert_eq!(page.next_cursor, None, "more than one page");
    page.items.iter().map(|c| c.name.as_str().to_string()).collect()
}

async fn people_names(store: &Db, org: OrganizationId, query: &PeopleQuery) -> Vec<String> {
    let page = store.list_people(org, query, &PageRequest::first(200)).await.unwrap();
    assert_eq!(page.next_cursor, None, "more than one page");
    page.items.iter().map(|p| p.name.as_str().to_string()).collect()
}

/// Follows the cursors from the first page to the last, checking every page's size on the way.
async fn walk_pages<T, F, Fut>(limit: u32, mut fetch: F) -> Vec<T>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = Page<T>>,
{
    let mut all = Vec::new();
    let mut request = PageRequest::first(limit);
    for _ in 0..1000 {
        let page = fetch(request).await;
        assert!(page.items.len() <= limit as usize, "a page holds more than its limit");
        let Some(cursor) = page.next_cursor else {
            all.extend(page.items);
            return all;
        };
        assert_eq!(page.items.len(), limit as usize, "a page before the last is not full");
        all.extend(page.items);
        request = PageRequest::new(Some(limit), Some(&cursor)).unwrap();
    }
    panic!("the cursors never end");
}

fn assert_not_found<T: Debug>(result: StoreResult<T>, what: &str) {
    assert!(matches!(result, Err(StoreError::NotFound(_))), "{what}: expected NotFound, got {result:?}");
}

// ---------------------------------------------------------------------------------------------------------
// Organizations

pub async fn organization_and_owner_are_created_together(store: Db) {
    assert!(store.needs_setup().await.unwrap(), "a fresh database needs setup");
    assert_eq!(store.first_organization().await.unwrap(), None);

    let (org, owner) = organization(&store, "Northwind").await;
    assert!(!store.needs_setup().await.unwrap(), "an organization exists");
    assert_eq!(org.name.as_str(), "Northwind");
    assert_eq!(owner.organization_id, org.id);
    assert_eq!(owner.role, Role::Owner);
    assert_eq!(owner.client_access, ClientAccess::All);
    assert_eq!(owner.email.as_str(), "owner@northwind.example");
    assert!(owner.is_active());
    assert_eq!(store.organization(org.id).await.unwrap(), org);
    assert_eq!(store.person(org.id, owner.id).await.unwrap(), owner);
    assert_eq!(store.count_active_owners(org.id).await.unwrap(), 1);

    let (second, _) = organization(&store, "Southwind").await;
    assert_eq!(store.first_organization().await.unwrap(), Some(org.clone()), "the first one stays first");

    let renamed = store.rename_organization(second.id, &OrganizationName::parse("Eastwind").unwrap()).await.unwrap();
    assert_eq!(renamed.name.as_str(), "Eastwind");
    assert_eq!(renamed.id, second.id);
    assert_eq!(store.organization(second.id).await.unwrap(), renamed);
    assert_eq!(store.organization(org.id).await.unwrap().name.as_str(), "Northwind", "only one was renamed");

    assert_not_found(store.organization(OrganizationId::new()).await, "unknown organization");
    assert_not_found(
        store.rename_organization(OrganizationId::new(), &OrganizationName::parse("X").unwrap()).await,
        "renaming an unknown organization",
    );

    // An owner whose e-mail address is taken leaves no organization behind.
    let taken = new_person("owner@northwind.example", "Copycat", Role::Owner, ClientAccess::All);
    let result = store.create_organization(&OrganizationName::parse("Copycat").unwrap(), taken).await;
    assert!(matches!(result, Err(StoreError::Conflict { field: "email", .. })), "{result:?}");
    assert_eq!(store.first_organization().await.unwrap(), Some(org));
}

// ---------------------------------------------------------------------------------------------------------
// Clients

pub async fn clients_can_be_created_read_updated_archived_and_restored(store: Db) {
    let (org, _) = organization(&store, "Northwind").await;
    let hours = OfficeHours::new([
        vec![TimeRange::parse("08:00", "12:00").unwrap(), TimeRange::parse("13:00", "17:30").unwrap()],
        vec![],
        vec![],
        vec![],
        vec![TimeRange::parse("10:00", "24:00").unwrap()],
        vec![],
        vec![],
    ])
    .unwrap();
    let new = NewClient {
        name: ClientName::parse("Blue Bottle Bakery").unwrap(),
        time_zone: TimeZone::parse("Europe/Berlin").unwrap(),
        office_hours: hours.clone(),
        brand_notes: BrandNotes::parse("Warm, never snarky. Say 'sourdough', not 'bread'.").unwrap(),
    };
    let created = store.create_client(org.id, new.clone(), None).await.unwrap();
    assert_eq!(created.organization_id, org.id);
    assert_eq!(created.name, new.name);
    assert_eq!(created.time_zone, new.time_zone);
    assert_eq!(created.office_hours, hours);
    assert_eq!(created.brand_notes, new.brand_notes);
    assert_eq!(created.archived_at, None);
    assert_eq!(created.created_at, created.updated_at);
    assert_eq!(store.client(org.id, created.id).await.unwrap(), created, "reads back what was created");

    let changes = ClientChanges {
        name: Some(ClientName::parse("Blue Bottle Café").unwrap()),
        brand_notes: Some(BrandNotes::default()),
        ..ClientChanges::default()
    };
    let updated = store.update_client(org.id, created.id, changes).await.unwrap();
    assert_eq!(updated.name.as_str(), "Blue Bottle Café");
    assert_eq!(updated.brand_notes.as_str(), "");
    assert_eq!(updated.time_zone, created.time_zone, "fields left out stay");
    assert_eq!(updated.office_hours, hours, "fields left out stay");
    assert_eq!(updated.created_at, created.created_at);
    assert!(updated.updated_at >= created.updated_at);
    assert_eq!(store.client(org.id, created.id).await.unwrap(), updated);

    let changes = ClientChanges {
        time_zone: Some(TimeZone::parse("America/New_York").unwrap()),
        office_hours: Some(OfficeHours::closed()),
        ..ClientChanges::default()
    };
    let updated = store.update_client(org.id, created.id, changes).await.unwrap();
    assert_eq!(updated.time_zone.name(), "America/New_York");
    assert_eq!(updated.office_hours, OfficeHours::closed());
    assert_eq!(updated.name.as_str(), "Blue Bottle Café");

    let archived = store.set_client_archived(org.id, created.id, true).await.unwrap();
    let archived_at = archived.archived_at.expect("archiving sets archived_at");
    assert!(store.client(org.id, created.id).await.unwrap().is_archived());
    tokio::time::sleep(Duration::from_millis(20)).await;
    let again = store.set_client_archived(org.id, created.id, true).await.unwrap();
    assert_eq!(again.archived_at, Some(archived_at), "archiving again keeps the first date");

    let restored = store.set_client_archived(org.id, created.id, false).await.unwrap();
    assert_eq!(restored.archived_at, None);
    assert_eq!(store.client(org.id, created.id).await.unwrap(), restored);
    assert_eq!(restored.name.as_str(), "Blue Bottle Café", "archiving changes nothing else");

    assert_not_found(store.client(org.id, ClientId::new()).await, "unknown client");
    assert_not_found(store.update_client(org.id, ClientId::new(), ClientChanges::default()).await, "update unknown");
    assert_not_found(store.set_client_archived(org.id, ClientId::new(), true).await, "archive unknown");
}

pub async fn clients_are_listed_by_name_ignoring_case(store: Db) {
    let (org, _) = organization(&store, "Northwind").await;
    for name in ["banana Bread", "Éclair House", "Apple Pie", "cherry Tart", "ZEBRA Media", "apricot Jam", "Blueberry"]
    {
        client(&store, org.id, name).await;
    }
    // Ordered by the lower-cased name, byte by byte: the same on every engine and in every locale.
    assert_eq!(
        client_names(&store, org.id, &every_client()).await,
        ["Apple Pie", "apricot Jam", "banana Bread", "Blueberry", "cherry Tart", "ZEBRA Media", "Éclair House"]
    );

    // A rename moves the client to its new place.
    let renamed = store.list_clients(org.id, &every_client(), &PageRequest::first(1)).await.unwrap().items;
    let changes = ClientChanges { name: Some(ClientName::parse("Cranberry").unwrap()), ..ClientChanges::default() };
    store.update_client(org.id, renamed[0].id, changes).await.unwrap();
    assert_eq!(
        client_names(&store, org.id, &every_client()).await,
        ["apricot Jam", "banana Bread", "Blueberry", "cherry Tart", "Cranberry", "ZEBRA Media", "Éclair House"]
    );
}

pub async fn client_pages_have_no_gaps_or_duplicates(store: Db) {
    let (org, _) = organization(&store, "Northwind").await;
    // Names that sort equal (same lower-cased name) must be told apart by id, or a page boundary between
    // them would skip or repeat one.
    let mut names: Vec<String> = (0..19).map(|n| format!("Client {n:02}")).collect();
    names.extend(["client 07", "CLIENT 07", "Client 07", "client 12", "CLIENT 12", "Client 12"].map(String::from));
    let mut created = Vec::new();
    for name in &names {
        created.push(client(&store, org.id, name).await.id);
    }
    assert_eq!(created.len(), 25);

    let whole = store.list_clients(org.id, &every_client(), &PageRequest::first(25)).await.unwrap();
    assert_eq!(whole.items.len(), 25);
    assert_eq!(whole.next_cursor, None, "exactly one full page has no next page");
    let keys: Vec<(String, uuid::Uuid)> =
        whole.items.iter().map(|c| (c.name.as_str().to_lowercase(), c.id.as_uuid())).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "ordered by lower-cased name, then id");

    for limit in [1, 4, 5, 7, 24] {
        let walked = walk_pages(limit, |request| {
            let store = store.clone();
            async move { store.list_clients(org.id, &every_client(), &request).await.unwrap() }
        })
        .await;
        let ids: Vec<ClientId> = walked.iter().map(|c| c.id).collect();
        let expected: Vec<ClientId> = whole.items.iter().map(|c| c.id).collect();
        assert_eq!(ids, expected, "pages of {limit} together are the whole list, in order");
    }

    // Filters apply on every page, not only the first.
    // "Client 10" to "Client 18" and three spellings of "client 12", less the archived "Client 12".
    store.set_client_archived(org.id, created[12], true).await.unwrap();
    let active = clients_query(ClientAccess::All, ArchivedFilter::Active, Some("client 1"));
    let walked = walk_pages(2, |request| {
        let (store, active) = (store.clone(), active.clone());
        async move { store.list_clients(org.id, &active, &request).await.unwrap() }
    })
    .await;
    let names: Vec<&str> = walked.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names.len(), 11, "{names:?}");
    assert!(names.iter().all(|n| n.to_lowercase().starts_with("client 1")), "{names:?}");
    assert!(walked.iter().all(|c| c.id != created[12] && !c.is_archived()), "{names:?}");
}

pub async fn client_search_is_a_case_insensitive_substring_with_literal_wildcards(store: Db) {
    let (org, _) = organization(&store, "Northwind").await;
    for name in ["100% Organic", "1000 Organic", "Snake_Case Studio", "SnakeXCase Studio", "Back\\slash"] {
        client(&store, org.id, name).await;
    }
    let search = |text: &str| clients_query(ClientAccess::All, ArchivedFilter::Active, Some(text));
    assert_eq!(client_names(&store, org.id, &search("0%")).await, ["100% Organic"], "% is a character");
    assert_eq!(client_names(&store, org.id, &search("e_c")).await, ["Snake_Case Studio"], "_ is a character");
    assert_eq!(client_names(&store, org.id, &search("k\\s")).await, ["Back\\slash"], "\\ is a character");
    assert_eq!(client_names(&store, org.id, &search("ORGANIC")).await, ["100% Organic", "1000 Organic"]);
    assert_eq!(client_names(&store, org.id, &search("case stu")).await, ["Snake_Case Studio", "SnakeXCase Studio"]);
    assert!(client_names(&store, org.id, &search("bakery")).await.is_empty());
}

pub async fn client_lists_honour_access_and_archived_filters(store: Db) {
    let (org, _) = organization(&store, "Northwind").await;
    let (other, _) = organization(&store, "Southwind").await;
    let a = client(&store, org.id, "Alpha").await;
    let b = client(&store, org.id, "Bravo").await;
    let c = client(&store, org.id, "Charlie").await;
    let foreign = client(&store, other.id, "Delta").await;
    store.set_client_archived(org.id, b.id, true).await.unwrap();

    let list = |access: ClientAccess, archived: ArchivedFilter| clients_query(access, archived, None);
    use ArchivedFilter::{Active, All, Archived};
    assert_eq!(client_names(&store, org.id, &list(ClientAccess::All, Active)).await, ["Alpha", "Charlie"]);
    assert_eq!(client_names(&store, org.id, &list(ClientAccess::All, Archived)).await, ["Bravo"]);
    assert_eq!(client_names(&store, org.id, &list(ClientAccess::All, All)).await, ["Alpha", "Bravo", "Charlie"]);
    assert_eq!(client_names(&store, org.id, &list(only([a.id, b.id]), All)).await, ["Alpha", "Bravo"]);
    assert_eq!(client_names(&store, org.id, &list(only([a.id, b.id]), Active)).await, ["Alpha"]);
    assert_eq!(client_names(&store, org.id, &list(only([c.id]), Archived)).await, Vec::<String>::new());
    assert_eq!(client_names(&store, org.id, &list(only([]), All)).await, Vec::<String>::new(), "no access, no rows");
    assert_eq!(
        client_names(&store, org.id, &list(only([foreign.id, c.id]), All)).await,
        ["Charlie"],
        "access to another organization's client shows nothing of it"
    );
}

pub async fn clients_are_scoped_to_their_organization(store: Db) {
    let (a, _) = organization(&store, "Northwind").await;
    let (b, _) = organization(&store, "Southwind").await;
    let mine = client(&store, a.id, "Secret Bakery").await;
    let theirs = client(&store, b.id, "Secret Sauce").await;

    assert_not_found(store.client(a.id, theirs.id).await, "reading another organization's client");
    let rename = ClientChanges { name: Some(ClientName::parse("Hijacked").unwrap()), ..ClientChanges::default() };
    assert_not_found(store.update_client(a.id, theirs.id, rename).await, "updating another organization's client");
    assert_not_found(store.set_client_archived(a.id, theirs.id, true).await, "archiving another organization's client");
    assert_eq!(store.client(b.id, theirs.id).await.unwrap(), theirs, "their client is untouched");

    for query in [
        every_client(),
        clients_query(ClientAccess::All, ArchivedFilter::All, Some("secret")),
        clients_query(only([theirs.id, mine.id]), ArchivedFilter::All, None),
    ] {
        assert_eq!(client_names(&store, a.id, &query).await, ["Secret Bakery"], "{query:?}");
        assert_eq!(client_names(&store, b.id, &query).await.len(), 1);
    }
    assert_eq!(client_names(&store, b.id, &every_client()).await, ["Secret Sauce"]);
    assert!(client_names(&store, OrganizationId::new(), &every_client()).await.is_empty());
}

pub async fn creating_a_client_grants_it_to_a_creator_without_all_clients(store: Db) {
    let (org, owner) = organization(&store, "Northwind").await;
    let existing = client(&store, org.id, "Existing").await;
    let manager = store
        .create_person(org.id, new_person("max@northwind.example", "Max", Role::Manager, only([existing.id])))
        .await
        .unwrap();

    let theirs = store.create_client(org.id, new_client("Made by Max"), Some(manager.id)).await.unwrap();
    let max = store.person(org.id, manager.id).await.unwrap();
    assert_eq!(max.client_access, only([existing.id, theirs.id]), "the creator works on the new client");

    let by_owner = store.create_client(org.id, new_client("Made by the owner"), Some(owner.id)).await.unwrap();
    assert_eq!(store.person(org.id, owner.id).await.unwrap().client_access, ClientAccess::All, "still all clients");

    let unassigned = store.create_client(org.id, new_client("Nobody's"), None).await.unwrap();
    let max = store.person(org.id, manager.id).await.unwrap();
    assert!(!max.client_access.allows(by_owner.id));
    assert!(!max.client_access.allows(unassigned.id));

    // Granting to someone of another organization must never give them this organization's client.
    let (other, _) = organization(&store, "Southwind").await;
    let outsider = store
        .create_person(other.id, new_person("eve@southwind.example", "Eve", Role::Editor, only([])))
        .await
        .unwrap();
    let result = store.create_client(org.id, new_client("Contested"), Some(outsider.id)).await;
    let eve = store.person(other.id, outsider.id).await.unwrap();
    assert_eq!(eve.client_access, only([]), "{result:?}");
}

// ---------------------------------------------------------------------------------------------------------
// People

pub async fn people_are_scoped_to_their_organization(store: Db) {
    let (a, _) = organization(&store, "Northwind").await;
    let (b, b_owner) = organization(&store, "Southwind").await;
    let a_client = client(&store, a.id, "Alpha").await;
    let b_client = client(&store, b.id, "Bravo").await;
    let a_editor = store
        .create_person(a.id, new_person("ann@northwind.example", "Ann", Role::Editor, only([a_client.id])))
        .await
        .unwrap();
    let b_editor = store
        .create_person(b.id, new_person("bob@southwind.example", "Bob", Role::Editor, only([b_client.id])))
        .await
        .unwrap();

    assert_not_found(store.person(a.id, b_editor.id).await, "reading another organization's person");
    let promote = PersonChanges { role: Some(Role::Admin), ..PersonChanges::default() };
    assert_not_found(store.update_person(a.id, b_editor.id, promote).await, "updating another organization's person");
    assert_not_found(store.set_password_hash(a.id, b_editor.id, "stolen").await, "setting their password");
    assert_eq!(store.person(b.id, b_editor.id).await.unwrap(), b_editor, "their person is untouched");
    let credentials = store.credentials_by_email(&b_editor.email).await.unwrap().unwrap();
    assert_eq!(credentials.password_hash.as_deref(), Some("hash of bob@southwind.example"));

    assert_eq!(people_names(&store, a.id, &everybody()).await, ["Ann", "Northwind Owner"]);
    assert_eq!(people_names(&store, b.id, &everybody()).await, ["Bob", "Southwind Owner"]);
    assert_eq!(store.count_active_owners(a.id).await.unwrap(), 1);

    let session = session_for(&b_owner, 0xB0, t0());
    store.create_session(&session).await.unwrap();
    assert_eq!(store.delete_sessions_of(a.id, b_owner.id).await.unwrap(), 0, "signing out someone elsewhere");
    assert!(store.session(&session.token_hash, t0()).await.unwrap().is_some());

    // Access to another organization's client is never granted.
    let grab = PersonChanges { client_access: Some(only([b_client.id])), ..PersonChanges::default() };
    let result = store.update_person(a.id, a_editor.id, grab).await;
    let ann = store.person(a.id, a_editor.id).await.unwrap();
    assert!(!ann.client_access.allows(b_client.id), "{result:?}");
    let result =
        store.create_person(a.id, new_person("cat@northwind.example", "Cat", Role::Editor, only([b_client.id]))).await;
    if let Ok(cat) = result {
        assert!(!store.person(a.id, cat.id).await.unwrap().client_access.allows(b_client.id));
    }
}

pub async fn a_taken_email_is_a_conflict_on_email(store: Db) {
    let (a, _) = organization(&store, "Northwind").await;
    let (b, _) = organization(&store, "Southwind").await;
    let sam = store.create_person(a.id, new_person("sam@example.com", "Sam", Role::Editor, only([]))).await.unwrap();

    for (org, address) in [(a.id, "sam@example.com"), (a.id, "SAM@Example.com"), (b.id, "sam@example.com")] {
        let result = store.create_person(org, new_person(address, "Another Sam", Role::Analyst, only([]))).await;
        match result {
            Err(StoreError::Conflict { field, message }) => {
                assert_eq!(field, "email");
                assert!(message.contains("sam@example.com"), "the message names the address: {message}");
            }
            other => panic!("expected a conflict on email, got {other:?}"),
        }
    }
    assert_eq!(people_names(&store, a.id, &everybody()).await, ["Northwind Owner", "Sam"]);
    assert_eq!(people_names(&store, b.id, &everybody()).await, ["Southwind Owner"]);
    assert_eq!(store.credentials_by_email(&email("sam@example.com")).await.unwrap().unwrap().person, sam);
}

pub async fn people_lists_show_client_users_only_with_their_client(store: Db) {
    let (org, _) = organization(&store, "Northwind").await;
    let one = client(&store, org.id, "One").await;
    let two = client(&store, org.id, "Two").await;
    let create = |address: &'static str, name: &'static str, role: Role, access: ClientAccess| {
        let store = store.clone();
        async move { store.create_person(org.id, new_person(address, name, role, access)).await.unwrap() }
    };
    create("eddie@northwind.example", "eddie Editor", Role::Editor, only([one.id])).await;
    create("uma@one.example", "Uma of One", Role::Client, only([one.id])).await;
    create("tom@two.example", "Tom of Two", Role::Client, only([two.id])).await;
    let gone = create("dee@northwind.example", "Dee Departed", Role::Analyst, ClientAccess::All).await;
    let deactivate = PersonChanges { deactivated: Some(true), ..PersonChanges::default() };
    store.update_person(org.id, gone.id, deactivate).await.unwrap();

    let query =
        |client_users_of: ClientAccess, include_deactivated: bool| PeopleQuery { client_users_of, include_deactivated };
    assert_eq!(
        people_names(&store, org.id, &query(ClientAccess::All, false)).await,
        ["eddie Editor", "Northwind Owner", "Tom of Two", "Uma of One"]
    );
    assert_eq!(
        people_names(&store, org.id, &query(ClientAccess::All, true)).await,
        ["Dee Departed", "eddie Editor", "Northwind Owner", "Tom of Two", "Uma of One"]
    );
    assert_eq!(
        people_names(&store, org.id, &query(only([one.id]), false)).await,
        ["eddie Editor", "Northwind Owner", "Uma of One"],
        "staff always, client users of allowed clients only"
    );
    assert_eq!(
        people_names(&store, org.id, &query(only([two.id]), true)).await,
        ["Dee Departed", "eddie Editor", "Northwind Owner", "Tom of Two"]
    );
    assert_eq!(people_names(&store, org.id, &query(only([]), false)).await, ["eddie Editor", "Northwind Owner"]);
}

pub async fn people_pages_have_no_gaps_or_duplicates(store: Db) {
    let (org, _) = organization(&store, "Northwind").await;
    for n in 0..11 {
        let name = if n % 3 == 0 { "Alex Doe".to_string() } else { format!("person {n:02}") };
        let address = format!("p{n}@northwind.example");
        store.create_person(org.id, new_person(&address, &name, Role::Editor, ClientAccess::All)).await.unwrap();
    }
    let whole = store.list_people(org.id, &everybody(), &PageRequest::first(100)).await.unwrap().items;
    assert_eq!(whole.len(), 12);
    for limit in [1, 3, 5, 12] {
        let walked = walk_pages(limit, |request| {
            let store = store.clone();
            async move { store.list_people(org.id, &everybody(), &request).await.unwrap() }
        })
        .await;
        assert_eq!(walked, whole, "pages of {limit} together are the whole list, in order");
    }
    let unique: HashSet<PersonId> = whole.iter().map(|p| p.id).collect();
    assert_eq!(unique.len(), 12);
}

pub async fn people_can_change_role_access_and_standing(store: Db) {
    let (org, owner) = organization(&store, "Northwind").await;
    let [c1, c2, c3] = [
        client(&store, org.id, "One").await.id,
        client(&store, org.id, "Two").await.id,
        client(&store, org.id, "Three").await.id,
    ];
    let editor = store
        .create_person(org.id, new_person("eve@northwind.example", "Eve", Role::Editor, only([c1])))
        .await
        .unwrap();
    assert_eq!(editor.client_access, only([c1]));
    assert_eq!(store.person(org.id, editor.id).await.unwrap(), editor);

    let update = |changes: PersonChanges| {
        let store = store.clone();
        async move { store.update_person(org.id, editor.id, changes).await.unwrap() }
    };

    let manager = update(PersonChanges { role: Some(Role::Manager), ..PersonChanges::default() }).await;
    assert_eq!(manager.role, Role::Manager);
    assert_eq!(manager.client_access, only([c1]), "access left out stays");
    assert_eq!(manager.name.as_str(), "Eve");

    let moved = update(PersonChanges { client_access: Some(only([c2, c3])), ..PersonChanges::default() }).await;
    assert_eq!(moved.client_access, only([c2, c3]), "access is replaced, not added to");
    assert_eq!(moved.role, Role::Manager);
    assert_eq!(store.person(org.id, editor.id).await.unwrap(), moved);

    let everything = update(PersonChanges { client_access: Some(ClientAccess::All), ..PersonChanges::default() }).await;
    assert_eq!(everything.client_access, ClientAccess::All);
    let nothing = update(PersonChanges { client_access: Some(only([])), ..PersonChanges::default() }).await;
    assert_eq!(nothing.client_access, only([]));
    assert_eq!(store.person(org.id, editor.id).await.unwrap().client_access, only([]));

    let renamed = update(PersonChanges {
        name: Some(PersonName::parse("Aaron").unwrap()),
        role: Some(Role::Owner),
        ..PersonChanges::default()
    })
    .await;
    assert_eq!(renamed.name.as_str(), "Aaron");
    assert_eq!(people_names(&store, org.id, &everybody()).await, ["Aaron", "Northwind Owner"], "sorted by new name");
    assert_eq!(store.count_active_owners(org.id).await.unwrap(), 2);

    let deactivated = update(PersonChanges { deactivated: Some(true), ..PersonChanges::default() }).await;
    assert!(deactivated.deactivated_at.is_some());
    assert!(!deactivated.is_active());
    assert_eq!(store.person(org.id, editor.id).await.unwrap(), deactivated);
    assert_eq!(store.count_active_owners(org.id).await.unwrap(), 1, "a deactivated owner does not count");
    let still = update(PersonChanges { name: None, ..PersonChanges::default() }).await;
    assert_eq!(still.deactivated_at, deactivated.deactivated_at, "changing nothing keeps the standing");

    let back = update(PersonChanges { deactivated: Some(false), ..PersonChanges::default() }).await;
    assert_eq!(back.deactivated_at, None);
    assert_eq!(store.count_active_owners(org.id).await.unwrap(), 2);
    let demote = PersonChanges { role: Some(Role::Admin), ..PersonChanges::default() };
    store.update_person(org.id, owner.id, demote).await.unwrap();
    assert_eq!(store.count_active_owners(org.id).await.unwrap(), 1);

    assert_not_found(store.update_person(org.id, PersonId::new(), PersonChanges::default()).await, "unknown person");
    assert_not_found(store.person(org.id, PersonId::new()).await, "unknown person");
}

pub async fn credentials_are_found_by_email(store: Db) {
    let (a, _) = organization(&store, "Northwind").await;
    let (b, _) = organization(&store, "Southwind").await;
    let sam = store.create_person(b.id, new_person("sam@example.com", "Sam", Role::Editor, only([]))).await.unwrap();
    let mut invited = new_person("ivy@example.com", "Ivy", Role::Analyst, ClientAccess::All);
    invited.password_hash = None;
    let ivy = store.create_person(a.id, invited).await.unwrap();

    let found = store.credentials_by_email(&email("sam@example.com")).await.unwrap().unwrap();
    assert_eq!(found.person, sam, "found across organizations");
    assert_eq!(found.password_hash.as_deref(), Some("hash of sam@example.com"));
    let found = store.credentials_by_email(&email("ivy@example.com")).await.unwrap().unwrap();
    assert_eq!(found.person, ivy);
    assert_eq!(found.password_hash, None);
    assert!(store.credentials_by_email(&email("nobody@example.com")).await.unwrap().is_none());

    store.set_password_hash(a.id, ivy.id, "new hash").await.unwrap();
    let found = store.credentials_by_email(&email("ivy@example.com")).await.unwrap().unwrap();
    assert_eq!(found.password_hash.as_deref(), Some("new hash"));
    assert_not_found(store.set_password_hash(a.id, PersonId::new(), "x").await, "unknown person");
}

// ---------------------------------------------------------------------------------------------------------
// Sessions, tokens, invitations, sign-in failures

fn session_for(person: &Person, byte: u8, at: DateTime<Utc>) -> Session {
    Session {
        token_hash: vec![byte; 32],
        organization_id: person.organization_id,
        person_id: person.id,
        created_at: at,
        last_seen_at: at,
        expires_at: at + TimeDelta::hours(1),
        user_agent: Some("Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0".to_string()),
    }
}

fn assert_same_session(found: Option<Session>, expected: &Session) {
    let found = found.expect("the session is found");
    assert_eq!(found.token_hash, expected.token_hash);
    assert_eq!(found.organization_id, expected.organization_id);
    assert_eq!(found.person_id, expected.person_id);
    assert_eq!(found.created_at, expected.created_at);
    assert_eq!(found.last_seen_at, expected.last_seen_at);
    assert_eq!(found.expires_at, expected.expires_at);
    assert_eq!(found.user_agent, expected.user_agent);
}

pub async fn sessions_expire_and_can_be_touched_and_deleted(store: Db) {
    let (org, owner) = organization(&store, "Northwind").await;
    let other = store
        .create_person(org.id, new_person("ann@northwind.example", "Ann", Role::Editor, ClientAccess::All))
        .await
        .unwrap();
    let t = t0();
    let first = session_for(&owner, 1, t);
    store.create_session(&first).await.unwrap();
    assert_same_session(store.session(&first.token_hash, t).await.unwrap(), &first);
    assert_same_session(store.session(&first.token_hash, t + minutes(59)).await.unwrap(), &first);
    assert!(store.session(&first.token_hash, t + minutes(61)).await.unwrap().is_none(), "expired");
    assert!(store.session(&[9; 32], t).await.unwrap().is_none(), "unknown token");
    assert!(store.create_session(&first).await.is_err(), "a token hash is used once");

    store.touch_session(&first.token_hash, t + minutes(30), t + minutes(90)).await.unwrap();
    let touched = Session { last_seen_at: t + minutes(30), expires_at: t + minutes(90), ..first.clone() };
    assert_same_session(store.session(&first.token_hash, t + minutes(61)).await.unwrap(), &touched);

    let mut no_agent = session_for(&owner, 2, t);
    no_agent.user_agent = None;
    store.create_session(&no_agent).await.unwrap();
    assert_same_session(store.session(&no_agent.token_hash, t).await.unwrap(), &no_agent);
    let others = session_for(&other, 3, t);
    store.create_session(&others).await.unwrap();

    store.delete_session(&first.token_hash).await.unwrap();
    assert!(store.session(&first.token_hash, t).await.unwrap().is_none(), "signed out");
    store.delete_session(&first.token_hash).await.unwrap();

    let again = session_for(&owner, 4, t);
    store.create_session(&again).await.unwrap();
    assert_eq!(store.delete_sessions_of(org.id, owner.id).await.unwrap(), 2, "signed out everywhere");
    assert!(store.session(&again.token_hash, t).await.unwrap().is_none());
    assert!(store.session(&no_agent.token_hash, t).await.unwrap().is_none());
    assert!(store.session(&others.token_hash, t).await.unwrap().is_some(), "someone else stays signed in");

    let old = session_for(&other, 5, t - TimeDelta::days(2));
    store.create_session(&old).await.unwrap();
    assert_eq!(store.delete_expired_sessions(t).await.unwrap(), 1);
    assert!(store.session(&others.token_hash, t).await.unwrap().is_some(), "an unexpired session stays");
    assert_eq!(store.delete_expired_sessions(t + minutes(61)).await.unwrap(), 1);
    assert!(store.session(&others.token_hash, t).await.unwrap().is_none());
}

fn token_for(person: &Person, name: &str, at: DateTime<Utc>, expires_at: Option<DateTime<Utc>>) -> ApiToken {
    ApiToken {
        id: ApiTokenId::new(),
        organization_id: person.organization_id,
        person_id: person.id,
        name: name.to_string(),
        scope: TokenScope::Write,
        prefix: format!("chr_{}", &name[..3]),
        created_at: at,
        last_used_at: None,
        expires_at,
        revoked_at: None,
    }
}

pub async fn api_tokens_work_until_revoked_or_expired(store: Db) {
    let (org, owner) = organization(&store, "Northwind").await;
    let (other_org, other_owner) = organization(&store, "Southwind").await;
    let editor = store
        .create_person(org.id, new_person("ann@northwind.example", "Ann", Role::Editor, ClientAccess::All))
        .await
        .unwrap();
    let t = t0();
    let forever = token_for(&owner, "deploy script", t, None);
    let mut read_only = token_for(&owner, "reporting", t + TimeDelta::seconds(1), Some(t + TimeDelta::days(1)));
    read_only.scope = TokenScope::Read;
    let expired = token_for(&owner, "old one", t + TimeDelta::seconds(2), Some(t - minutes(1)));
    let editors = token_for(&editor, "ann's", t, None);
    for (token, byte) in [(&forever, 1u8), (&read_only, 2), (&expired, 3), (&editors, 4)] {
        store.create_api_token(token, &[byte; 32]).await.unwrap();
    }

    assert_eq!(store.api_token_by_hash(&[1; 32], t).await.unwrap(), Some(forever.clone()));
    assert_eq!(store.api_token_by_hash(&[2; 32], t).await.unwrap(), Some(read_only.clone()));
    assert_eq!(store.api_token_by_hash(&[2; 32], t + TimeDelta::days(2)).await.unwrap(), None, "expired later");
    assert_eq!(store.api_token_by_hash(&[3; 32], t).await.unwrap(), None, "already expired");
    assert_eq!(store.api_token_by_hash(&[7; 32], t).await.unwrap(), None, "unknown hash");

    let listed = store.list_api_tokens(org.id, owner.id).await.unwrap();
    assert_eq!(
        listed,
        vec![forever.clone(), read_only.clone(), expired.clone()],
        "only the person's own, oldest first"
    );
    assert_eq!(store.list_api_tokens(org.id, editor.id).await.unwrap(), vec![editors.clone()]);
    assert!(store.list_api_tokens(other_org.id, owner.id).await.unwrap().is_empty());

    assert_not_found(store.revoke_api_token(org.id, editor.id, forever.id, t).await, "revoking another's token");
    assert_not_found(
        store.revoke_api_token(other_org.id, other_owner.id, forever.id, t).await,
        "revoking from another organization",
    );
    assert_not_found(store.revoke_api_token(org.id, owner.id, ApiTokenId::new(), t).await, "unknown token");
    assert!(store.api_token_by_hash(&[1; 32], t).await.unwrap().is_some(), "failed revocations change nothing");

    let revoked = store.revoke_api_token(org.id, owner.id, forever.id, t + minutes(5)).await.unwrap();
    assert_eq!(revoked.revoked_at, Some(t + minutes(5)));
    assert_eq!(store.api_token_by_hash(&[1; 32], t + minutes(6)).await.unwrap(), None, "revoked");
    let again = store.revoke_api_token(org.id, owner.id, forever.id, t + minutes(9)).await.unwrap();
    assert_eq!(again.revoked_at, Some(t + minutes(5)), "revoking again keeps the first date");
    let listed = store.list_api_tokens(org.id, owner.id).await.unwrap();
    assert_eq!(listed[0].revoked_at, Some(t + minutes(5)), "revoked tokens stay listed as revoked");

    store.touch_api_token(read_only.id, t + minutes(1)).await.unwrap();
    let used = store.api_token_by_hash(&[2; 32], t + minutes(2)).await.unwrap().unwrap();
    assert_eq!(used.last_used_at, Some(t + minutes(1)));
    assert!(store.create_api_token(&token_for(&owner, "copy", t, None), &[2; 32]).await.is_err(), "hash taken");
}

fn invitation(by: &Person, address: &str, role: Role, access: ClientAccess, at: DateTime<Utc>) -> Invitation {
    Invitation {
        id: InvitationId::new(),
        organization_id: by.organization_id,
        email: email(address),
        name: PersonName::parse(&format!("Invitee {address}")).unwrap(),
        role,
        client_access: access,
        invited_by: by.id,
        created_at: at,
        expires_at: at + TimeDelta::days(7),
    }
}

pub async fn invitations_are_accepted_once(store: Db) {
    let (org, owner) = organization(&store, "Northwind").await;
    let (other, _) = organization(&store, "Southwind").await;
    let bakery = client(&store, org.id, "Bakery").await;
    let t = t0();
    let editor = invitation(&owner, "ed@example.com", Role::Editor, only([bakery.id]), t);
    let late = Invitation {
        expires_at: t + TimeDelta::days(1),
        ..invitation(&owner, "late@example.com", Role::Analyst, ClientAccess::All, t + TimeDelta::seconds(1))
    };
    let revoked = invitation(&owner, "rev@example.com", Role::Manager, only([]), t + TimeDelta::seconds(2));
    for (inv, byte) in [(&editor, 1u8), (&late, 2), (&revoked, 3)] {
        store.create_invitation(inv, &[byte; 32]).await.unwrap();
    }

    assert_eq!(store.invitation_by_hash(&[1; 32], t).await.unwrap(), Some(editor.clone()));
    assert_eq!(store.invitation_by_hash(&[1; 32], t + TimeDelta::days(8)).await.unwrap(), None, "expired");
    assert_eq!(store.invitation_by_hash(&[9; 32], t).await.unwrap(), None);
    assert_eq!(store.list_invitations(org.id).await.unwrap(), vec![editor.clone(), late.clone(), revoked.clone()]);
    assert!(store.list_invitations(other.id).await.unwrap().is_empty(), "invitations stay in their organization");

    let person = store.accept_invitation(editor.id, "chosen hash", t + minutes(10)).await.unwrap();
    assert_eq!(person.organization_id, org.id);
    assert_eq!(person.email, editor.email);
    assert_eq!(person.name, editor.name);
    assert_eq!(person.role, Role::Editor);
    assert_eq!(person.client_access, only([bakery.id]));
    assert_eq!(store.person(org.id, person.id).await.unwrap(), person);
    let credentials = store.credentials_by_email(&editor.email).await.unwrap().unwrap();
    assert_eq!(credentials.password_hash.as_deref(), Some("chosen hash"));

    assert_not_found(store.accept_invitation(editor.id, "again", t + minutes(11)).await, "accepting twice");
    assert_eq!(store.invitation_by_hash(&[1; 32], t + minutes(11)).await.unwrap(), None, "used up");
    assert_eq!(store.list_invitations(org.id).await.unwrap(), vec![late.clone(), revoked.clone()]);

    assert_not_found(store.accept_invitation(late.id, "x", t + TimeDelta::days(2)).await, "accepting too late");
    assert!(store.credentials_by_email(&late.email).await.unwrap().is_none(), "nobody was created");

    assert_not_found(store.revoke_invitation(other.id, revoked.id).await, "revoking from another organization");
    store.revoke_invitation(org.id, revoked.id).await.unwrap();
    assert_not_found(store.revoke_invitation(org.id, revoked.id).await, "revoking twice");
    assert_not_found(store.accept_invitation(revoked.id, "x", t).await, "accepting a revoked invitation");
    assert_eq!(store.invitation_by_hash(&[3; 32], t).await.unwrap(), None);
    assert_eq!(store.list_invitations(org.id).await.unwrap(), vec![late]);
    assert_not_found(store.accept_invitation(InvitationId::new(), "x", t).await, "unknown invitation");
}

pub async fn sign_in_failures_are_counted_cleared_and_purged(store: Db) {
    let t = t0();
    let sam = "sam@example.com";
    let address = "192.0.2.7";
    for at in [t - TimeDelta::days(2), t - minutes(10), t - minutes(5), t] {
        store.record_sign_in_failure(sam, at).await.unwrap();
    }
    store.record_sign_in_failure(address, t - minutes(1)).await.unwrap();

    assert_eq!(store.sign_in_failures_since(sam, t - minutes(6)).await.unwrap(), 2);
    assert_eq!(store.sign_in_failures_since(sam, t - minutes(5)).await.unwrap(), 2, "`since` is inclusive");
    assert_eq!(store.sign_in_failures_since(sam, t - TimeDelta::days(3)).await.unwrap(), 4);
    assert_eq!(store.sign_in_failures_since(address, t - minutes(6)).await.unwrap(), 1);
    assert_eq!(store.sign_in_failures_since("nobody", t - TimeDelta::days(3)).await.unwrap(), 0);

    assert_eq!(store.delete_sign_in_failures_before(t - TimeDelta::days(1)).await.unwrap(), 1);
    assert_eq!(store.sign_in_failures_since(sam, t - TimeDelta::days(3)).await.unwrap(), 3);

    store.clear_sign_in_failures(sam).await.unwrap();
    assert_eq!(store.sign_in_failures_since(sam, t - TimeDelta::days(3)).await.unwrap(), 0);
    assert_eq!(store.sign_in_failures_since(address, t - minutes(6)).await.unwrap(), 1, "other keys stay");
}

// ---------------------------------------------------------------------------------------------------------
// Jobs

fn job(kind: &str, run_at: DateTime<Utc>) -> NewJob {
    NewJob {
        kind: kind.to_string(),
        payload: serde_json::json!({ "kind": kind, "n": [1, 2] }),
        run_at,
        max_attempts: 3,
        unique_key: None,
    }
}

pub async fn jobs_are_claimed_once_and_completed(store: Db) {
    let t = t0();
    let later = store.enqueue_job(&job("later", t - TimeDelta::seconds(1))).await.unwrap();
    let first = store.enqueue_job(&job("first", t - TimeDelta::seconds(2))).await.unwrap();
    let future = store.enqueue_job(&job("future", t + TimeDelta::hours(1))).await.unwrap();

    let claimed = store.claim_job("w1", t, t + minutes(1)).await.unwrap().expect("a due job");
    assert_eq!(claimed.id, first, "the oldest due job first");
    assert_eq!(claimed.kind, "first");
    assert_eq!(claimed.payload, serde_json::json!({ "kind": "first", "n": [1, 2] }));
    assert_eq!(claimed.attempts, 1, "the claim counts as an attempt");
    assert_eq!(claimed.max_attempts, 3);
    assert_eq!(claimed.run_at, t - TimeDelta::seconds(2));
    assert_eq!(claimed.last_error, None);

    let second = store.claim_job("w2", t, t + minutes(1)).await.unwrap().expect("the other due job");
    assert_eq!(second.id, later);
    assert!(store.claim_job("w3", t, t + minutes(1)).await.unwrap().is_none(), "claimed jobs are not claimed twice");

    assert!(store.complete_job(first, "w2").await.is_err(), "only the holder completes a job");
    store.complete_job(first, "w1").await.unwrap();
    store.complete_job(later, "w2").await.unwrap();
    assert!(store.complete_job(first, "w1").await.is_err(), "a completed job is gone");
    assert!(store.claim_job("w1", t + minutes(5), t + minutes(6)).await.unwrap().is_none(), "completed jobs are gone");

    let due = store.claim_job("w1", t + TimeDelta::hours(1), t + TimeDelta::hours(2)).await.unwrap().unwrap();
    assert_eq!(due.id, future, "a scheduled job is claimable once due");
    assert_eq!(due.kind, "future");
}

pub async fn concurrent_claimers_never_share_a_job(store: Db) {
    let t = t0();
    let mut enqueued = BTreeSet::new();
    for n in 0..50 {
        enqueued.insert(store.enqueue_job(&job("bulk", t - TimeDelta::seconds(n))).await.unwrap());
    }
    let workers: Vec<_> = (0..8)
        .map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                let worker = format!("worker-{w}");
                let mut mine = Vec::new();
                while let Some(job) = store.claim_job(&worker, t, t + minutes(10)).await.unwrap() {
                    mine.push(job.id);
                    tokio::task::yield_now().await;
                }
                (worker, mine)
            })
        })
        .collect();
    let mut claimed: Vec<(String, JobId)> = Vec::new();
    for handle in workers {
        let (worker, mine) = handle.await.unwrap();
        claimed.extend(mine.into_iter().map(|id| (worker.clone(), id)));
    }
    let ids: Vec<JobId> = claimed.iter().map(|(_, id)| *id).collect();
    let unique: BTreeSet<JobId> = ids.iter().copied().collect();
    assert_eq!(ids.len(), 50, "every job claimed exactly once (claims: {})", ids.len());
    assert_eq!(unique, enqueued);
    assert_eq!(store.job_counts(t).await.unwrap(), JobCounts { running: 50, ..JobCounts::default() });

    for (worker, id) in claimed {
        store.complete_job(id, &worker).await.unwrap();
    }
    assert_eq!(store.job_counts(t).await.unwrap(), JobCounts::default());
}

pub async fn an_expired_lease_makes_a_job_claimable_again(store: Db) {
    let t = t0();
    let id = store.enqueue_job(&job("flaky", t)).await.unwrap();
    let first = store.claim_job("w1", t, t + minutes(1)).await.unwrap().unwrap();
    assert_eq!(first.id, id);
    assert!(store.claim_job("w2", t + TimeDelta::seconds(30), t + minutes(2)).await.unwrap().is_none(), "leased");

    let second = store.claim_job("w2", t + minutes(2), t + minutes(3)).await.unwrap().expect("the lease ran out");
    assert_eq!(second.id, id);
    assert_eq!(second.attempts, 2);
    assert!(store.complete_job(id, "w1").await.is_err(), "the worker that lost its lease cannot complete");
    assert!(store.fail_job(id, "w1", "late", None).await.is_err(), "nor fail it");
    store.complete_job(id, "w2").await.unwrap();
    assert_eq!(store.job_counts(t + minutes(3)).await.unwrap(), JobCounts::default());
}

pub async fn failed_jobs_wait_for_their_retry_time(store: Db) {
    let t = t0();
    let id = store.enqueue_job(&job("mail", t)).await.unwrap();
    store.claim_job("w1", t, t + minutes(1)).await.unwrap().unwrap();
    assert!(store.fail_job(id, "w2", "not mine", Some(t)).await.is_err(), "only the holder fails a job");
    store.fail_job(id, "w1", "smtp timeout", Some(t + minutes(5))).await.unwrap();

    assert!(store.claim_job("w1", t + minutes(1), t + minutes(2)).await.unwrap().is_none(), "not before its time");
    assert_eq!(store.job_counts(t + minutes(1)).await.unwrap(), JobCounts { scheduled: 1, ..JobCounts::default() });
    let retry = store.claim_job("w2", t + minutes(5), t + minutes(6)).await.unwrap().expect("due again");
    assert_eq!(retry.id, id);
    assert_eq!(retry.attempts, 2);
    assert_eq!(retry.run_at, t + minutes(5));
    assert_eq!(retry.last_error.as_deref(), Some("smtp timeout"));
}

pub async fn jobs_without_a_retry_are_dead(store: Db) {
    let t = t0();
    let doomed = store.enqueue_job(&job("doomed", t - TimeDelta::seconds(2))).await.unwrap();
    let also = store.enqueue_job(&job("also doomed", t - TimeDelta::seconds(1))).await.unwrap();
    assert!(store.dead_jobs(10).await.unwrap().is_empty());

    assert_eq!(store.claim_job("w1", t, t + minutes(1)).await.unwrap().unwrap().id, doomed);
    store.fail_job(doomed, "w1", "gave up", None).await.unwrap();
    let next = store.claim_job("w1", t + TimeDelta::days(1), t + TimeDelta::days(2)).await.unwrap().unwrap();
    assert_eq!(next.id, also, "a dead job is never claimed again");

    let dead = store.dead_jobs(10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].id, doomed);
    assert_eq!(dead[0].kind, "doomed");
    assert_eq!(dead[0].attempts, 1);
    assert_eq!(dead[0].last_error.as_deref(), Some("gave up"));
    assert_eq!(store.job_counts(t).await.unwrap().dead, 1);

    store.fail_job(also, "w1", "also gave up", None).await.unwrap();
    assert!(store.claim_job("w1", t + TimeDelta::days(9), t + TimeDelta::days(10)).await.unwrap().is_none(), "dead");
    assert_eq!(store.dead_jobs(10).await.unwrap().len(), 2);
    assert_eq!(store.dead_jobs(1).await.unwrap().len(), 1, "the limit holds");
    assert!(store.complete_job(doomed, "w1").await.is_err(), "a dead job is not held by anyone");
}

pub async fn released_jobs_do_not_count_an_attempt(store: Db) {
    let t = t0();
    let id = store.enqueue_job(&job("interrupted", t)).await.unwrap();
    assert_eq!(store.claim_job("w1", t, t + minutes(1)).await.unwrap().unwrap().attempts, 1);
    assert!(store.release_job(id, "w2").await.is_err(), "only the holder releases a job");
    store.release_job(id, "w1").await.unwrap();
    assert_eq!(store.job_counts(t).await.unwrap(), JobCounts { ready: 1, ..JobCounts::default() });

    let again = store.claim_job("w2", t, t + minutes(1)).await.unwrap().expect("released jobs are claimable at once");
    assert_eq!(again.id, id);
    assert_eq!(again.attempts, 1, "the released attempt did not count");
    assert_eq!(again.run_at, t, "releasing does not reschedule");
}

pub async fn job_counts_tell_ready_scheduled_running_and_dead(store: Db) {
    let t = t0();
    assert_eq!(store.job_counts(t).await.unwrap(), JobCounts::default());
    for n in 1..=4 {
        store.enqueue_job(&job("due", t - TimeDelta::seconds(n))).await.unwrap();
    }
    store.enqueue_job(&job("scheduled", t + TimeDelta::hours(1))).await.unwrap();
    store.claim_job("runner", t, t + minutes(10)).await.unwrap().unwrap();
    let dying = store.claim_job("killer", t, t + minutes(10)).await.unwrap().unwrap();
    store.fail_job(dying.id, "killer", "boom", None).await.unwrap();

    assert_eq!(store.job_counts(t).await.unwrap(), JobCounts { ready: 2, scheduled: 1, running: 1, dead: 1 });
    assert_eq!(
        store.job_counts(t + minutes(20)).await.unwrap(),
        JobCounts { ready: 3, scheduled: 1, running: 0, dead: 1 },
        "a job whose lease ran out is ready again"
    );
    assert_eq!(
        store.job_counts(t + TimeDelta::hours(2)).await.unwrap(),
        JobCounts { ready: 4, scheduled: 0, running: 0, dead: 1 }
    );
}

pub async fn waiting_for_jobs_ends_on_enqueue_or_timeout(store: Db) {
    let started = tokio::time::Instant::now();
    store.wait_for_jobs(Duration::from_millis(50)).await;
    assert!(started.elapsed() >= Duration::from_millis(40), "returned before the timeout with nothing enqueued");
    assert!(started.elapsed() < Duration::from_secs(5), "overslept the timeout");

    let waiter = {
        let store = store.clone();
        tokio::spawn(async move {
            let started = tokio::time::Instant::now();
            store.wait_for_jobs(Duration::from_secs(60)).await;
            started.elapsed()
        })
    };
    // Keep enqueueing until the waiter wakes, so a backend that needs a moment to start listening still
    // passes; one that never wakes fails after ten seconds rather than sixty.
    let t = t0();
    for _ in 0..50 {
        if waiter.is_finished() {
            break;
        }
        store.enqueue_job(&job("wake up", t)).await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(waiter.is_finished(), "an enqueue did not wake the waiting worker");
    assert!(waiter.await.unwrap() < Duration::from_secs(15));
}

// ---------------------------------------------------------------------------------------------------------
// Strategy: pillars, goals, brand voice

fn pillar_fields(name: &str, colour: &str, target_share: u8, description: &str) -> PillarFields {
    PillarFields {
        name: PillarName::parse(name).unwrap(),
        colour: Colour::parse(colour).unwrap(),
        target_share,
        description: description.to_string(),
    }
}

fn goal_fields(metric: GoalMetric, target: f64, period: GoalPeriod, note: &str) -> GoalFields {
    GoalFields { metric, target, period, note: note.to_string() }
}

/// Checks that `result` is `NotFound(what)` exactly: "client" and "pillar" must not be confused.
fn assert_missing<T: Debug>(result: StoreResult<T>, what: &str, context: &str) {
    match result {
        Err(StoreError::NotFound(found)) if found == what => {}
        other => panic!("{context}: expected NotFound({what:?}), got {other:?}"),
    }
}

fn pillar_names(pillars: &[Pillar]) -> Vec<&str> {
    pillars.iter().map(|p| p.name.as_str()).collect()
}

fn goal_targets(goals: &[Goal]) -> Vec<f64> {
    goals.iter().map(|g| g.target).collect()
}

fn full_voice() -> BrandVoice {
    BrandVoice {
        banned_words: vec!["cheap".into(), "world-class".into(), "Ünïcödé".into()],
        required_disclosures: vec!["#ad".into(), "Paid partnership".into()],
        hashtag_groups: vec![
            HashtagGroup { name: "Launch".into(), hashtags: vec!["#newdrop".into(), "#coffee".into()] },
            HashtagGroup { name: "Empty".into(), hashtags: vec![] },
        ],
        snippets: vec![Snippet { name: "Sign-off".into(), text: "Love,\n\"the team\" — see you".into() }],
    }
}

pub async fn pillars_can_be_created_listed_updated_and_deleted(store: Db) {
    let (org, _) = organization(&store, "Northwind").await;
    let acme = client(&store, org.id, "Acme").await;
    assert_eq!(store.list_pillars(org.id, acme.id).await.unwrap(), Vec::<Pillar>::new(), "none yet");

    let fields = pillar_fields("Behind the scenes", "#3A3FD4", 40, "How the roastery works");
    let created = store.create_pillar(org.id, acme.id, &fields).await.unwrap();
    assert_eq!(created.organization_id, org.id);
    assert_eq!(created.client_id, acme.id);
    assert_eq!(created.name.as_str(), "Behind the scenes");
    assert_eq!(created.colour.as_str(), "#3a3fd4");
    assert_eq!(created.target_share, 40);
    assert_eq!(created.description, "How the roastery works");
    assert_eq!(created.created_at, created.updated_at);

    // Listed in creation order, not by name.
    let zebra = store.create_pillar(org.id, acme.id, &pillar_fields("Zebra facts", "#000000", 0, "")).await.unwrap();
    let apple = store.create_pillar(org.id, acme.id, &pillar_fields("apple tips", "#ffffff", 100, "")).await.unwrap();
    let listed = store.list_pillars(org.id, acme.id).await.unwrap();
    assert_eq!(listed, [created.clone(), zebra.clone(), apple.clone()], "reads back what was created, in order");
    assert_eq!(zebra.target_share, 0);
    assert_eq!(apple.target_share, 100);

    tokio::time::sleep(Duration::from_millis(5)).await;
    let changes = pillar_fields("Behind The Scenes", "#112233", 25, "");
    let updated = store.update_pillar(org.id, acme.id, created.id, &changes).await.unwrap();
    assert_eq!(updated.id, created.id);
    assert_eq!(updated.name.as_str(), "Behind The Scenes", "its own name in another case is no conflict");
    assert_eq!(updated.colour.as_str(), "#112233");
    assert_eq!(updated.target_share, 25);
    assert_eq!(updated.description, "");
    assert_eq!(updated.created_at, created.created_at);
    assert!(updated.updated_at > created.updated_at, "{} > {}", updated.updated_at, created.updated_at);
    let listed = store.list_pillars(org.id, acme.id).await.unwrap();
    assert_eq!(listed, [updated.clone(), zebra.clone(), apple.clone()], "an update keeps the place");

    store.delete_pillar(org.id, acme.id, zebra.id).await.unwrap();
    assert_eq!(pillar_names(&store.list_pillars(org.id, acme.id).await.unwrap()), ["Behind The Scenes", "apple tips"]);
    assert_missing(store.delete_pillar(org.id, acme.id, zebra.id).await, "pillar", "deleting twice");
    assert_missing(
        store.update_pillar(org.id, acme.id, zebra.id, &changes).await,
        "pillar",
        "updating a deleted pillar",
    );
    assert_missing(store.update_pillar(org.id, acme.id, PillarId::new(), &changes).await, "pillar", "unknown pillar");

    // A deleted pillar's name is free again.
    let again = store.create_pillar(org.id, acme.id, &pillar_fields("ZEBRA FACTS", "#000000", 5, "")).await.unwrap();
    assert_ne!(again.id, zebra.id);
    assert_eq!(
        pillar_names(&store.list_pillars(org.id, acme.id).await.unwrap()),
        ["Behind The Scenes", "apple tips", "ZEBRA FACTS"]
    );

    let unknown = ClientId::new();
    assert_missing(store.list_pillars(org.id, unknown).await, "client", "listing for an unknown client");
    assert_missing(store.create_pillar(org.id, unknown, &fields).await, "client", "creating for an unknown client");
    assert_missing(store.update_pillar(org.id, unknown, apple.id, &changes).await, "client", "updating via unknown");
    assert_missing(store.delete_pillar(org.id, unknown, apple.id).await, "client", "deleting via unknown");
    assert_eq!(store.list_pillars(org.id, acme.id).await.unwrap().len(), 3, "nothing changed");
}

pub async fn pillar_names_are_unique_per_client_ignoring_case(store: Db) {
    let (org, _) = organization(&store, "Northwind").await;
    let acme = client(&store, org.id, "Acme").await;
    let globex = client(&store, org.id, "Globex").await;
    let first = store.create_pillar(org.id, acme.id, &pillar_fields("Café Culture", "#aa0000", 30, "")).await.unwrap();
    let other = store.create_pillar(org.id, acme.id, &pillar_fields("Recipes", "#00aa00", 30, "")).await.unwrap();

    for name in ["Café Culture", "CAFÉ CULTURE", "café culture"] {
        let result = store.create_pillar(org.id, acme.id, &pillar_fields(name, "#0000aa", 10, "")).await;
        match result {
            Err(StoreError::Conflict { field: "name", message }) => {
                assert!(message.contains("already has a pillar called"), "{message}");
                assert!(message.contains(name), "the message names the pillar: {message}");
            }
            other => panic!("creating {name:?} twice: expected a conflict on name, got {other:?}"),
        }
    }
    // Renaming onto another pillar's name is a conflict too, and changes nothing.
    let result = store.update_pillar(org.id, acme.id, other.id, &pillar_fields("CAFÉ culture", "#123456", 1, "")).await;
    assert!(matches!(result, Err(StoreError::Conflict { field: "name", .. })), "{result:?}");
    assert_eq!(store.list_pillars(org.id, acme.id).await.unwrap(), [first.clone(), other.clone()]);

    // Another client may use the same name.
    let theirs =
        store.create_pillar(org.id, globex.id, &pillar_fields("café culture", "#0000aa", 10, "")).await.unwrap();
    assert_eq!(store.list_pillars(org.id, globex.id).await.unwrap(), [theirs]);
    assert_eq!(store.list_pillars(org.id, acme.id).await.unwrap(), [first, other]);
}

pub async fn goals_can_be_created_listed_updated_and_deleted(store: Db) {
    let (org, _) = organization(&store, "Northwind").await;
    let acme = client(&store, org.id, "Acme").await;
    assert_eq!(store.list_goals(org.id, acme.id).await.unwrap(), Vec::<Goal>::new(), "none yet");

    // Values with no short decimal form: each must come back bit for bit.
    let targets = [0.1, 2.675, 1.0 / 3.0, 12_345_678.901_234_5, 4.5e-7, 500.0];
    let metrics = [
        GoalMetric::EngagementRate,
        GoalMetric::Reach,
        GoalMetric::Clicks,
        GoalMetric::FollowerGrowth,
        GoalMetric::Conversions,
        GoalMetric::PostsPublished,
    ];
    let periods = [GoalPeriod::Month, GoalPeriod::Quarter, GoalPeriod::Year];
    let mut created = Vec::new();
    for (i, (target, metric)) in targets.into_iter().zip(metrics).enumerate() {
        let fields = goal_fields(metric, target, periods[i % 3], &format!("goal {i}"));
        let goal = store.create_goal(org.id, acme.id, &fields).await.unwrap();
        assert_eq!(goal.organization_id, org.id);
        assert_eq!(goal.client_id, acme.id);
        assert_eq!((goal.metric, goal.target.to_bits(), goal.period), (metric, target.to_bits(), periods[i % 3]));
        assert_eq!(goal.note, format!("goal {i}"));
        assert_eq!(goal.created_at, goal.updated_at);
        created.push(goal);
    }
    let listed = store.list_goals(org.id, acme.id).await.unwrap();
    assert_eq!(listed, created, "reads back what was created, in creation order");
    let bits: Vec<u64> = goal_targets(&listed).iter().map(|t| t.to_bits()).collect();
    assert_eq!(bits, targets.map(f64::to_bits), "targets round-trip exactly");
    assert_eq!(listed.iter().map(|g| g.metric).collect::<Vec<_>>(), metrics, "every metric round-trips");

    tokio::time::sleep(Duration::from_millis(5)).await;
    let changes = goal_fields(GoalMetric::Reach, 0.3, GoalPeriod::Year, "thirty percent of a reach");
    let updated = store.update_goal(org.id, acme.id, created[0].id, &changes).await.unwrap();
    assert_eq!(updated.id, created[0].id);
    assert_eq!(updated.metric, GoalMetric::Reach);
    assert_eq!(updated.target.to_bits(), 0.3f64.to_bits());
    assert_eq!(updated.period, GoalPeriod::Year);
    assert_eq!(updated.note, "thirty percent of a reach");
    assert_eq!(updated.created_at, created[0].created_at);
    assert!(updated.updated_at > created[0].updated_at);
    let listed = store.list_goals(org.id, acme.id).await.unwrap();
    assert_eq!(listed[0], updated, "an update keeps the place");
    assert_eq!(listed[1..], created[1..], "only that goal changed");

    store.delete_goal(org.id, acme.id, created[2].id).await.unwrap();
    let ids: Vec<GoalId> = store.list_goals(org.id, acme.id).await.unwrap().iter().map(|g| g.id).collect();
    assert_eq!(ids, [created[0].id, created[1].id, created[3].id, created[4].id, created[5].id]);
    assert_missing(store.delete_goal(org.id, acme.id, created[2].id).await, "goal", "deleting twice");
    assert_missing(
        store.update_goal(org.id, acme.id, created[2].id, &changes).await,
        "goal",
        "updating a deleted goal",
    );
    assert_missing(store.update_goal(org.id, acme.id, GoalId::new(), &changes).await, "goal", "unknown goal");

    let unknown = ClientId::new();
    assert_missing(store.list_goals(org.id, unknown).await, "client", "listing for an unknown client");
    assert_missing(store.create_goal(org.id, unknown, &changes).await, "client", "creating for an unknown client");
    assert_missing(store.update_goal(org.id, unknown, created[0].id, &changes).await, "client", "updating via unknown");
    assert_missing(store.delete_goal(org.id, unknown, created[0].id).await, "client", "deleting via unknown");
    assert_eq!(store.list_goals(org.id, acme.id).await.unwrap().len(), 5, "nothing changed");
}

pub async fn brand_voice_is_empty_until_set_and_replaced_whole(store: Db) {
    let (org, _) = organization(&store, "Northwind").await;
    let acme = client(&store, org.id, "Acme").await;
    let globex = client(&store, org.id, "Globex").await;
    assert_eq!(store.brand_voice(org.id, acme.id).await.unwrap(), BrandVoice::default(), "empty until set");

    let voice = full_voice();
    store.set_brand_voice(org.id, acme.id, &voice).await.unwrap();
    assert_eq!(store.brand_voice(org.id, acme.id).await.unwrap(), voice, "reads back what was set");
    assert_eq!(store.brand_voice(org.id, globex.id).await.unwrap(), BrandVoice::default(), "per client");

    // Setting again replaces the whole voice: lists left empty are empty afterwards.
    let replacement = BrandVoice { banned_words: vec!["synergy".into()], ..BrandVoice::default() };
    store.set_brand_voice(org.id, acme.id, &replacement).await.unwrap();
    assert_eq!(store.brand_voice(org.id, acme.id).await.unwrap(), replacement);

    store.set_brand_voice(org.id, acme.id, &BrandVoice::default()).await.unwrap();
    assert_eq!(store.brand_voice(org.id, acme.id).await.unwrap(), BrandVoice::default(), "can be emptied");
    store.set_brand_voice(org.id, acme.id, &voice).await.unwrap();
    assert_eq!(store.brand_voice(org.id, acme.id).await.unwrap(), voice);
    assert_eq!(store.brand_voice(org.id, globex.id).await.unwrap(), BrandVoice::default(), "still per client");

    let unknown = ClientId::new();
    assert_missing(store.brand_voice(org.id, unknown).await, "client", "reading for an unknown client");
    assert_missing(store.set_brand_voice(org.id, unknown, &voice).await, "client", "setting for an unknown client");
}

pub async fn strategy_is_scoped_to_organization_and_client(store: Db) {
    let (a, _) = organization(&store, "Northwind").await;
    let (b, _) = organization(&store, "Southwind").await;
    let x = client(&store, a.id, "Xylo").await;
    let y = client(&store, a.id, "Yodel").await;
    let theirs = client(&store, b.id, "Theirs").await;

    // What organization B has, which A must neither see nor change.
    let b_pillar = store.create_pillar(b.id, theirs.id, &pillar_fields("Secret", "#010101", 50, "B's")).await.unwrap();
    let b_goal =
        store.create_goal(b.id, theirs.id, &goal_fields(GoalMetric::Clicks, 42.5, GoalPeriod::Month, "B's")).await;
    let b_goal = b_goal.unwrap();
    let b_voice = BrandVoice { banned_words: vec!["rival".into()], ..BrandVoice::default() };
    store.set_brand_voice(b.id, theirs.id, &b_voice).await.unwrap();

    // And what client X of organization A has, which client Y must not reach.
    let x_pillar = store.create_pillar(a.id, x.id, &pillar_fields("Xylophones", "#020202", 60, "X's")).await.unwrap();
    let x_goal = store.create_goal(a.id, x.id, &goal_fields(GoalMetric::Reach, 1000.25, GoalPeriod::Year, "X's")).await;
    let x_goal = x_goal.unwrap();
    let x_voice = full_voice();
    store.set_brand_voice(a.id, x.id, &x_voice).await.unwrap();

    let pillar = pillar_fields("Hijacked", "#ff0000", 99, "hijacked");
    let goal = goal_fields(GoalMetric::Conversions, 1.5, GoalPeriod::Quarter, "hijacked");
    let voice = BrandVoice { banned_words: vec!["hijacked".into()], ..BrandVoice::default() };

    // Organization B's client, addressed from A: not found, whatever the method.
    let from_a = "B's client from organization A";
    assert_missing(store.list_pillars(a.id, theirs.id).await, "client", from_a);
    assert_missing(store.create_pillar(a.id, theirs.id, &pillar).await, "client", from_a);
    assert_missing(store.update_pillar(a.id, theirs.id, b_pillar.id, &pillar).await, "client", from_a);
    assert_missing(store.delete_pillar(a.id, theirs.id, b_pillar.id).await, "client", from_a);
    assert_missing(store.list_goals(a.id, theirs.id).await, "client", from_a);
    assert_missing(store.create_goal(a.id, theirs.id, &goal).await, "client", from_a);
    assert_missing(store.update_goal(a.id, theirs.id, b_goal.id, &goal).await, "client", from_a);
    assert_missing(store.delete_goal(a.id, theirs.id, b_goal.id).await, "client", from_a);
    assert_missing(store.brand_voice(a.id, theirs.id).await, "client", from_a);
    assert_missing(store.set_brand_voice(a.id, theirs.id, &voice).await, "client", from_a);

    // B's pillar and goal addressed through A's own client: not found, as if they did not exist.
    assert_missing(store.update_pillar(a.id, x.id, b_pillar.id, &pillar).await, "pillar", "B's pillar via X");
    assert_missing(store.delete_pillar(a.id, x.id, b_pillar.id).await, "pillar", "B's pillar via X");
    assert_missing(store.update_goal(a.id, x.id, b_goal.id, &goal).await, "goal", "B's goal via X");
    assert_missing(store.delete_goal(a.id, x.id, b_goal.id).await, "goal", "B's goal via X");

    // X's pillar and goal addressed through client Y of the same organization.
    assert_missing(store.update_pillar(a.id, y.id, x_pillar.id, &pillar).await, "pillar", "X's pillar via Y");
    assert_missing(store.delete_pillar(a.id, y.id, x_pillar.id).await, "pillar", "X's pillar via Y");
    assert_missing(store.update_goal(a.id, y.id, x_goal.id, &goal).await, "goal", "X's goal via Y");
    assert_missing(store.delete_goal(a.id, y.id, x_goal.id).await, "goal", "X's goal via Y");
    assert_eq!(store.list_pillars(a.id, y.id).await.unwrap(), Vec::<Pillar>::new(), "Y sees none of X's pillars");
    assert_eq!(store.list_goals(a.id, y.id).await.unwrap(), Vec::<Goal>::new(), "Y sees none of X's goals");
    assert_eq!(store.brand_voice(a.id, y.id).await.unwrap(), BrandVoice::default(), "Y has no voice of X's");

    // Nothing of B changed, nor of X, and nothing was created where it was refused.
    assert_eq!(store.list_pillars(b.id, theirs.id).await.unwrap(), [b_pillar]);
    assert_eq!(store.list_goals(b.id, theirs.id).await.unwrap(), [b_goal]);
    assert_eq!(store.brand_voice(b.id, theirs.id).await.unwrap(), b_voice);
    assert_eq!(store.list_pillars(a.id, x.id).await.unwrap(), std::slice::from_ref(&x_pillar));
    assert_eq!(store.list_goals(a.id, x.id).await.unwrap(), std::slice::from_ref(&x_goal));
    assert_eq!(store.brand_voice(a.id, x.id).await.unwrap(), x_voice);

    // B may use A's names, and its own client's scoping holds in the other direction too.
    let same_name = pillar_fields("Xylophones", "#030303", 10, "");
    assert!(store.create_pillar(b.id, theirs.id, &same_name).await.is_ok(), "names are per client");
    assert_missing(store.list_pillars(b.id, x.id).await, "client", "A's client from organization B");
    assert_missing(store.delete_pillar(b.id, x.id, x_pillar.id).await, "client", "A's client from organization B");
    assert_missing(store.delete_goal(b.id, theirs.id, x_goal.id).await, "goal", "A's goal via B's client");
    assert_eq!(store.list_pillars(a.id, x.id).await.unwrap(), [x_pillar]);
    assert_eq!(store.list_goals(a.id, x.id).await.unwrap(), [x_goal]);
}

// ---------------------------------------------------------------------------------------------------------
// Posts, variants and revisions

fn variant(network: Network, text: &str) -> VariantDraft {
    VariantDraft {
        network,
        text: text.to_string(),
        link: String::new(),
        first_comment: String::new(),
        thread: Vec::new(),
        media: Vec::new(),
        options: VariantOptions::default(),
    }
}

fn post_draft(status: PostStatus, title: &str, base_text: &str, variants: Vec<VariantDraft>) -> PostDraft {
    PostDraft {
        status,
        title: title.to_string(),
        base_text: base_text.to_string(),
        pillar_id: None,
        sponsored: false,
        variants,
    }
}

/// A draft using every field: text in several scripts, a thread, a link, a first comment and non-default options.
fn full_post_draft(pillar: Option<PillarId>) -> PostDraft {
    let instagram = VariantDraft {
        link: "https://example.com/roast?utm=ig".into(),
        first_comment: "#coffee #newroast".into(),
        options: VariantOptions {
            instagram_kind: InstagramKind::Carousel,
            collaborators: vec!["roastery".into(), "barista.jo".into()],
            ..VariantOptions::default()
        },
        ..variant(Network::Instagram, "Our autumn roast is here ☕️ — «Herbst» 秋")
    };
    let x = VariantDraft {
        thread: vec!["2/ Notes of plum and cocoa.".into(), "3/ Out Friday 👨‍👩‍👧".into()],
        ..variant(Network::X, "1/ Autumn roast, out now.")
    };
    let mastodon = VariantDraft {
        options: VariantOptions {
            visibility: Visibility::Unlisted,
            content_warning: "Coffee talk".into(),
            languages: vec!["en".into(), "de".into()],
            reply_control: ReplyControl::Following,
            title: "Not used here".into(),
            category: "22".into(),
            made_for_kids: true,
            board: "Autumn".into(),
            allow_comments: true,
            allow_duet: true,
            allow_stitch: false,
            ..VariantOptions::default()
        },
        ..variant(Network::Mastodon, "Autumn roast.\n\nLine two with \"quotes\" and a tab\t.")
    };
    PostDraft {
        pillar_id: pillar,
        sponsored: true,
        ..post_draft(
            PostStatus::Draft,
            "Autumn roast",
            "Autumn roast: plum, cocoa. Ünïcödé",
            vec![instagram, x, mastodon],
        )
    }
}

fn all_posts() -> PostQuery {
    PostQuery { access: ClientAccess::All, client: None, status: None, search: None }
}

/// The titles of one page of posts, at most 200.
async fn post_titles(store: &Db, org: OrganizationId, query: &PostQuery) -> Vec<String> {
    let page = store.list_posts(org, query, &PageRequest::first(200)).await.unwrap();
    assert_eq!(page.next_cursor, None, "more than one page");
    page.items.iter().map(|p| p.title.clone()).collect()
}

/// The draft's content as a saved post holds it, ids aside.
fn assert_holds(post: &Post, draft: &PostDraft) {
    assert_eq!(post.to_draft(), *draft, "the post holds what was saved");
}

pub async fn posts_are_created_and_read_back_with_their_variants(store: Db) {
    let (org, owner) = organization(&store, "Northwind").await;
    let acme = client(&store, org.id, "Acme").await;
    let pillar = store.create_pillar(org.id, acme.id, &pillar_fields("Seasonal", "#aa5500", 30, "")).await.unwrap();

    let draft = full_post_draft(Some(pillar.id));
    let created = store.create_post(org.id, acme.id, &draft, owner.id).await.unwrap();
    assert_eq!(created.organization_id, org.id);
    assert_eq!(created.client_id, acme.id);
    assert_eq!(created.revision, 1);
    assert_eq!((created.created_by, created.updated_by), (owner.id, owner.id));
    assert_eq!(created.created_at, created.updated_at);
    assert_holds(&created, &draft);
    let networks: Vec<Network> = created.variants.iter().map(|v| v.network).collect();
    assert_eq!(networks, [Network::Instagram, Network::X, Network::Mastodon], "variants keep their order");
    let ids: HashSet<_> = created.variants.iter().map(|v| v.id).collect();
    assert_eq!(ids.len(), 3, "every variant has its own id");
    assert_eq!(store.post(org.id, created.id).await.unwrap(), created, "reads back what was created");

    let history = store.post_revisions(org.id, created.id).await.unwrap();
    assert_eq!(history.len(), 1, "creating records revision 1");
    assert_eq!(history[0].revision, 1);
    assert_eq!(history[0].changed_by, owner.id);
    assert_eq!(history[0].changed_at, created.created_at);
    assert_eq!(history[0].post, created);

    // The smallest post: no text, no variants, an idea.
    let idea = post_draft(PostStatus::Idea, "", "", vec![]);
    let bare = store.create_post(org.id, acme.id, &idea, owner.id).await.unwrap();
    assert_eq!(store.post(org.id, bare.id).await.unwrap(), bare);
    assert!(bare.variants.is_empty());
    assert_eq!(bare.status, PostStatus::Idea);

    assert_missing(store.post(org.id, PostId::new()).await, "post", "an unknown post");
    assert_missing(store.create_post(org.id, ClientId::new(), &draft, owner.id).await, "client", "an unknown client");
    assert_eq!(post_titles(&store, org.id, &all_posts()).await, ["", "Autumn roast"], "nothing else was created");
}

pub async fn post_lists_are_newest_first_filtered_searched_and_paged(store: Db) {
    let (org, owner) = organization(&store, "Northwind").await;
    let acme = client(&store, org.id, "Acme").await;
    let globex = client(&store, org.id, "Globex").await;
    let specs = [
        (acme.id, PostStatus::Draft, "Autumn Roast", "Plum and cocoa"),
        (acme.id, PostStatus::Idea, "Barista tips", "How to pour a CAFÉ crème"),
        (globex.id, PostStatus::Draft, "100% Organic", "certified"),
        (acme.id, PostStatus::Template, "Weekly tip", "Tip: {tip}"),
        (globex.id, PostStatus::Idea, "Snake_Case", "under_score"),
        (acme.id, PostStatus::Draft, "1000 Organic", "Back\\slash"),
        (globex.id, PostStatus::Draft, "SnakeXCase", "café"),
    ];
    let mut created = Vec::new();
    for (client, status, title, base) in specs {
        let draft = post_draft(status, title, base, vec![variant(Network::Bluesky, title)]);
        created.push(store.create_post(org.id, client, &draft, owner.id).await.unwrap());
    }
    let newest_first: Vec<String> = created.iter().rev().map(|p| p.title.clone()).collect();
    assert_eq!(post_titles(&store, org.id, &all_posts()).await, newest_first);
    let page = store.list_posts(org.id, &all_posts(), &PageRequest::first(200)).await.unwrap();
    assert_eq!(page.items, created.iter().rev().cloned().collect::<Vec<_>>(), "listed posts carry their variants");

    let query = |client: Option<ClientId>, status: Option<PostStatus>, search: Option<&str>| PostQuery {
        access: ClientAccess::All,
        client,
        status,
        search: search.map(str::to_string),
    };
    let titles = |q: PostQuery| {
        let store = store.clone();
        async move { post_titles(&store, org.id, &q).await }
    };
    assert_eq!(titles(query(Some(globex.id), None, None)).await, ["SnakeXCase", "Snake_Case", "100% Organic"]);
    assert_eq!(titles(query(None, Some(PostStatus::Idea), None)).await, ["Snake_Case", "Barista tips"]);
    assert_eq!(titles(query(Some(acme.id), Some(PostStatus::Draft), None)).await, ["1000 Organic", "Autumn Roast"]);
    assert_eq!(titles(query(None, Some(PostStatus::Template), None)).await, ["Weekly tip"]);

    // Search: part of the title or the base text, ignoring case (also beyond ASCII), wildcards taken literally.
    assert_eq!(titles(query(None, None, Some("ORGANIC"))).await, ["1000 Organic", "100% Organic"]);
    assert_eq!(titles(query(None, None, Some("0%"))).await, ["100% Organic"], "% is a character");
    assert_eq!(titles(query(None, None, Some("e_c"))).await, ["Snake_Case"], "_ is a character");
    assert_eq!(titles(query(None, None, Some("k\\s"))).await, ["1000 Organic"], "\\ is a character");
    assert_eq!(titles(query(None, None, Some("cocoa"))).await, ["Autumn Roast"], "the base text is searched");
    assert_eq!(titles(query(None, None, Some("Café"))).await, ["SnakeXCase", "Barista tips"], "É and é are alike");
    assert_eq!(titles(query(Some(acme.id), None, Some("CAFÉ"))).await, ["Barista tips"], "filters combine");
    assert_eq!(titles(query(None, Some(PostStatus::Template), Some("organic"))).await, Vec::<String>::new());
    assert_eq!(titles(query(None, None, Some("roast plum"))).await, Vec::<String>::new(), "no match across fields");

    // Access: only the clients allowed; none allowed, nothing listed.
    let limited = PostQuery { access: only([acme.id]), ..all_posts() };
    assert_eq!(post_titles(&store, org.id, &limited).await.len(), 4);
    let limited_to_other = PostQuery { access: only([acme.id]), client: Some(globex.id), ..all_posts() };
    assert!(post_titles(&store, org.id, &limited_to_other).await.is_empty(), "a client filter does not widen access");
    assert!(post_titles(&store, org.id, &PostQuery { access: only([]), ..all_posts() }).await.is_empty());

    // Pages together are the whole list, in order, with filters applied on every page.
    for limit in [1, 2, 3, 6, 7] {
        let walked = walk_pages(limit, |request| {
            let store = store.clone();
            async move { store.list_posts(org.id, &all_posts(), &request).await.unwrap() }
        })
        .await;
        let ids: Vec<PostId> = walked.iter().map(|p| p.id).collect();
        let expected: Vec<PostId> = created.iter().rev().map(|p| p.id).collect();
        assert_eq!(ids, expected, "pages of {limit} together are the whole list");
    }
    let drafts = query(None, Some(PostStatus::Draft), None);
    let walked = walk_pages(1, |request| {
        let (store, drafts) = (store.clone(), drafts.clone());
        async move { store.list_posts(org.id, &drafts, &request).await.unwrap() }
    })
    .await;
    assert_eq!(
        walked.iter().map(|p| p.title.as_str()).collect::<Vec<_>>(),
        ["SnakeXCase", "1000 Organic", "100% Organic", "Autumn Roast"]
    );
}

pub async fn updating_a_post_replaces_its_variants_and_bumps_the_revision(store: Db) {
    let (org, owner) = organization(&store, "Northwind").await;
    let editor = store.create_person(org.id, new_person("ed@northwind.example", "Ed", Role::Editor, ClientAccess::All));
    let editor = editor.await.unwrap();
    let acme = client(&store, org.id, "Acme").await;
    let created = store.create_post(org.id, acme.id, &full_post_draft(None), owner.id).await.unwrap();
    let x_id = created.variants[1].id;

    tokio::time::sleep(Duration::from_millis(5)).await;
    // Instagram and Mastodon go, Bluesky comes, X stays but moves and changes.
    let mut changed = post_draft(
        PostStatus::Template,
        "Autumn roast (template)",
        "New base",
        vec![variant(Network::Bluesky, "Autumn roast 🍂"), variant(Network::X, "Autumn roast, rewritten")],
    );
    changed.sponsored = false;
    let updated = store.update_post(org.id, created.id, &changed, editor.id, Some(1)).await.unwrap();
    assert_eq!(updated.id, created.id);
    assert_eq!(updated.revision, 2);
    assert_holds(&updated, &changed);
    assert_eq!((updated.created_by, updated.updated_by), (owner.id, editor.id));
    assert_eq!(updated.created_at, created.created_at);
    assert!(updated.updated_at > created.updated_at);
    assert_eq!(updated.variants[1].id, x_id, "a network's variant keeps its id");
    assert!(created.variants.iter().all(|v| v.id != updated.variants[0].id), "a new network's variant is new");
    assert_eq!(store.post(org.id, created.id).await.unwrap(), updated, "reads back what was saved");

    // Without a revision the save always goes through.
    let emptied = post_draft(PostStatus::Draft, "Emptied", "", vec![]);
    let third = store.update_post(org.id, created.id, &emptied, owner.id, None).await.unwrap();
    assert_eq!(third.revision, 3);
    assert!(third.variants.is_empty(), "all variants can go");
    assert_eq!(store.post(org.id, created.id).await.unwrap(), third);

    // A save from an older revision is refused and changes nothing.
    for stale in [1, 2, 4] {
        match store.update_post(org.id, created.id, &changed, editor.id, Some(stale)).await {
            Err(StoreError::Conflict { field: "revision", message }) => {
                assert!(message.contains("now revision 3"), "{message}");
                assert!(message.contains("reload"), "{message}");
            }
            other => panic!("saving from revision {stale}: expected a conflict on revision, got {other:?}"),
        }
    }
    assert_eq!(store.post(org.id, created.id).await.unwrap(), third);
    assert_eq!(store.post_revisions(org.id, created.id).await.unwrap().len(), 3, "no revision was recorded");
    let fourth = store.update_post(org.id, created.id, &changed, editor.id, Some(3)).await.unwrap();
    assert_eq!(fourth.revision, 4);

    assert_missing(store.update_post(org.id, PostId::new(), &changed, owner.id, None).await, "post", "unknown post");
}

pub async fn concurrent_saves_from_one_revision_never_both_win(store: Db) {
    let (org, owner) = organization(&store, "Northwind").await;
    let acme = client(&store, org.id, "Acme").await;
    let created = store.create_post(org.id, acme.id, &full_post_draft(None), owner.id).await.unwrap();
    let savers: Vec<_> = (0..8)
        .map(|n| {
            let store = store.clone();
            let draft = post_draft(PostStatus::Draft, &format!("Save {n}"), "", vec![variant(Network::X, "x")]);
            tokio::spawn(async move { store.update_post(org.id, created.id, &draft, owner.id, Some(1)).await })
        })
        .collect();
    let mut won = Vec::new();
    for saver in savers {
        match saver.await.unwrap() {
            Ok(post) => won.push(post),
            Err(StoreError::Conflict { field: "revision", .. }) => {}
            Err(other) => panic!("a concurrent save failed otherwise: {other:?}"),
        }
    }
    assert_eq!(won.len(), 1, "exactly one save from revision 1 wins");
    assert_eq!(won[0].revision, 2);
    assert_eq!(store.post(org.id, created.id).await.unwrap(), won[0]);
    let history = store.post_revisions(org.id, created.id).await.unwrap();
    assert_eq!(history.iter().map(|r| r.revision).collect::<Vec<_>>(), [2, 1]);
}

pub async fn post_revisions_keep_every_saved_state_newest_first(store: Db) {
    let (org, owner) = organization(&store, "Northwind").await;
    let editor = store.create_person(org.id, new_person("ed@northwind.example", "Ed", Role::Editor, ClientAccess::All));
    let editor = editor.await.unwrap();
    let acme = client(&store, org.id, "Acme").await;
    let first = store.create_post(org.id, acme.id, &full_post_draft(None), owner.id).await.unwrap();
    let draft = post_draft(PostStatus::Draft, "Second", "two", vec![variant(Network::Threads, "2")]);
    let second = store.update_post(org.id, first.id, &draft, editor.id, Some(1)).await.unwrap();
    let draft = post_draft(PostStatus::Template, "Third", "three", vec![]);
    let third = store.update_post(org.id, first.id, &draft, owner.id, Some(2)).await.unwrap();

    let history = store.post_revisions(org.id, first.id).await.unwrap();
    let revisions: Vec<u32> = history.iter().map(|r| r.revision).collect();
    assert_eq!(revisions, [3, 2, 1], "newest first");
    for (revision, post) in history.iter().zip([&third, &second, &first]) {
        assert_eq!(revision.post, *post, "revision {} holds the post as it was saved", revision.revision);
        assert_eq!(revision.changed_by, post.updated_by);
        assert_eq!(revision.changed_at, post.updated_at);
    }
    assert_eq!(history[1].changed_by, editor.id);
    assert_missing(store.post_revisions(org.id, PostId::new()).await, "post", "an unknown post");
}

pub async fn duplicating_a_post_copies_it_with_new_ids(store: Db) {
    let (org, owner) = organization(&store, "Northwind").await;
    let editor = store.create_person(org.id, new_person("ed@northwind.example", "Ed", Role::Editor, ClientAccess::All));
    let editor = editor.await.unwrap();
    let acme = client(&store, org.id, "Acme").await;
    let pillar = store.create_pillar(org.id, acme.id, &pillar_fields("Seasonal", "#aa5500", 30, "")).await.unwrap();
    let original = store.create_post(org.id, acme.id, &full_post_draft(Some(pillar.id)), owner.id).await.unwrap();
    let original = store.update_post(org.id, original.id, &full_post_draft(Some(pillar.id)), owner.id, None).await;
    let original = original.unwrap();
    assert_eq!(original.revision, 2);

    let copy = store.duplicate_post(org.id, original.id, editor.id, PostStatus::Idea).await.unwrap();
    assert_ne!(copy.id, original.id);
    assert_eq!(copy.title, "Copy of Autumn roast");
    assert_eq!(copy.status, PostStatus::Idea);
    assert_eq!((copy.revision, copy.created_by, copy.updated_by), (1, editor.id, editor.id));
    assert_eq!((copy.client_id, copy.pillar_id, copy.sponsored), (acme.id, Some(pillar.id), true));
    assert_eq!(copy.base_text, original.base_text);
    assert!(copy.created_at >= original.updated_at);
    let original_ids: HashSet<_> = original.variants.iter().map(|v| v.id).collect();
    assert!(copy.variants.iter().all(|v| !original_ids.contains(&v.id)), "variants get new ids");
    let strip = |post: &Post| post.to_draft().variants;
    assert_eq!(strip(&copy), strip(&original), "variants are copied whole, in order");
    assert_eq!(store.post(org.id, copy.id).await.unwrap(), copy);
    let history = store.post_revisions(org.id, copy.id).await.unwrap();
    assert_eq!(history.len(), 1, "a copy starts its own history");
    assert_eq!(history[0].post, copy);
    assert_eq!(store.post(org.id, original.id).await.unwrap(), original, "the original is untouched");

    // A draft made from a template keeps the template's title.
    let template = post_draft(PostStatus::Template, "Weekly tip", "Tip:", vec![variant(Network::Threads, "Tip:")]);
    let template = store.create_post(org.id, acme.id, &template, owner.id).await.unwrap();
    let from_template = store.duplicate_post(org.id, template.id, owner.id, PostStatus::Draft).await.unwrap();
    assert_eq!((from_template.title.as_str(), from_template.status), ("Weekly tip", PostStatus::Draft));
    let template_copy = store.duplicate_post(org.id, template.id, owner.id, PostStatus::Template).await.unwrap();
    assert_eq!(template_copy.title, "Copy of Weekly tip");

    assert_missing(store.duplicate_post(org.id, PostId::new(), owner.id, PostStatus::Draft).await, "post", "unknown");
}

pub async fn deleting_a_post_takes_its_variants_and_history(store: Db) {
    let (org, owner) = organization(&store, "Northwind").await;
    let acme = client(&store, org.id, "Acme").await;
    let kept = store.create_post(org.id, acme.id, &full_post_draft(None), owner.id).await.unwrap();
    let gone = store.create_post(org.id, acme.id, &full_post_draft(None), owner.id).await.unwrap();
    store.update_post(org.id, gone.id, &full_post_draft(None), owner.id, None).await.unwrap();

    store.delete_post(org.id, gone.id).await.unwrap();
    assert_missing(store.post(org.id, gone.id).await, "post", "a deleted post");
    assert_missing(store.post_revisions(org.id, gone.id).await, "post", "a deleted post's history");
    assert_missing(store.delete_post(org.id, gone.id).await, "post", "deleting twice");
    assert_missing(store.update_post(org.id, gone.id, &full_post_draft(None), owner.id, None).await, "post", "update");
    assert_missing(store.duplicate_post(org.id, gone.id, owner.id, PostStatus::Draft).await, "post", "duplicate");
    let listed = store.list_posts(org.id, &all_posts(), &PageRequest::first(10)).await.unwrap();
    assert_eq!(listed.items, std::slice::from_ref(&kept));
    assert_eq!(store.post(org.id, kept.id).await.unwrap(), kept, "the other post keeps its variants");
    assert_missing(store.delete_post(org.id, PostId::new()).await, "post", "an unknown post");
}

pub async fn a_post_pillar_must_be_of_its_client(store: Db) {
    let (org, owner) = organization(&store, "Northwind").await;
    let (other_org, _) = organization(&store, "Southwind").await;
    let acme = client(&store, org.id, "Acme").await;
    let globex = client(&store, org.id, "Globex").await;
    let theirs = client(&store, other_org.id, "Theirs").await;
    let mine = store.create_pillar(org.id, acme.id, &pillar_fields("Mine", "#111111", 10, "")).await.unwrap();
    let globex_pillar = store.create_pillar(org.id, globex.id, &pillar_fields("G", "#222222", 10, "")).await.unwrap();
    let foreign = store.create_pillar(other_org.id, theirs.id, &pillar_fields("F", "#333333", 10, "")).await.unwrap();

    for wrong in [globex_pillar.id, foreign.id, PillarId::new()] {
        let draft = full_post_draft(Some(wrong));
        assert_missing(store.create_post(org.id, acme.id, &draft, owner.id).await, "pillar", "another client's pillar");
    }
    assert!(post_titles(&store, org.id, &all_posts()).await.is_empty(), "nothing was created");

    let post = store.create_post(org.id, acme.id, &full_post_draft(Some(mine.id)), owner.id).await.unwrap();
    assert_eq!(post.pillar_id, Some(mine.id));
    for wrong in [globex_pillar.id, foreign.id] {
        let draft = full_post_draft(Some(wrong));
        assert_missing(store.update_post(org.id, post.id, &draft, owner.id, None).await, "pillar", "on update");
    }
    assert_eq!(store.post(org.id, post.id).await.unwrap(), post, "a refused update changes nothing");
    assert_eq!(store.post_revisions(org.id, post.id).await.unwrap().len(), 1);

    // Deleting a pillar leaves its posts without one.
    store.delete_pillar(org.id, acme.id, mine.id).await.unwrap();
    let after = store.post(org.id, post.id).await.unwrap();
    assert_eq!(after.pillar_id, None);
    assert_eq!(after.revision, post.revision, "that is no edit of the post");
    let copy = store.duplicate_post(org.id, post.id, owner.id, PostStatus::Draft).await.unwrap();
    assert_eq!(copy.pillar_id, None);
}

pub async fn posts_are_scoped_to_their_organization(store: Db) {
    let (a, a_owner) = organization(&store, "Northwind").await;
    let (b, b_owner) = organization(&store, "Southwind").await;
    let mine = client(&store, a.id, "Mine").await;
    let theirs = client(&store, b.id, "Theirs").await;
    let my_post = store.create_post(a.id, mine.id, &full_post_draft(None), a_owner.id).await.unwrap();
    let their_post = store.create_post(b.id, theirs.id, &full_post_draft(None), b_owner.id).await.unwrap();
    let hijack = post_draft(PostStatus::Draft, "Hijacked", "hijacked", vec![variant(Network::X, "hijacked")]);

    let from_a = "B's post from organization A";
    assert_missing(store.post(a.id, their_post.id).await, "post", from_a);
    assert_missing(store.update_post(a.id, their_post.id, &hijack, a_owner.id, None).await, "post", from_a);
    assert_missing(store.update_post(a.id, their_post.id, &hijack, a_owner.id, Some(1)).await, "post", from_a);
    assert_missing(store.delete_post(a.id, their_post.id).await, "post", from_a);
    assert_missing(store.duplicate_post(a.id, their_post.id, a_owner.id, PostStatus::Draft).await, "post", from_a);
    assert_missing(store.post_revisions(a.id, their_post.id).await, "post", from_a);
    assert_missing(store.create_post(a.id, theirs.id, &hijack, a_owner.id).await, "client", "B's client from A");

    for query in [
        all_posts(),
        PostQuery { client: Some(theirs.id), ..all_posts() },
        PostQuery { access: only([theirs.id, mine.id]), ..all_posts() },
        PostQuery { search: Some("autumn".into()), ..all_posts() },
    ] {
        let listed = store.list_posts(a.id, &query, &PageRequest::first(10)).await.unwrap();
        assert!(listed.items.iter().all(|p| p.id != their_post.id), "{query:?}");
    }
    assert_eq!(post_titles(&store, a.id, &all_posts()).await, ["Autumn roast"]);

    // Nothing of B changed, and B reaches its own post but not A's.
    assert_eq!(store.post(b.id, their_post.id).await.unwrap(), their_post);
    assert_eq!(store.post_revisions(b.id, their_post.id).await.unwrap().len(), 1);
    assert_eq!(post_titles(&store, b.id, &all_posts()).await, ["Autumn roast"]);
    assert_missing(store.post(b.id, my_post.id).await, "post", "A's post from organization B");
    assert_eq!(store.post(a.id, my_post.id).await.unwrap(), my_post);
}

pub async fn many_posts_are_created_all_or_nothing(store: Db) {
    let (org, owner) = organization(&store, "Northwind").await;
    let (other_org, _) = organization(&store, "Southwind").await;
    let acme = client(&store, org.id, "Acme").await;
    let theirs = client(&store, other_org.id, "Theirs").await;
    let pillar = store.create_pillar(org.id, acme.id, &pillar_fields("Mine", "#111111", 10, "")).await.unwrap();

    // More than one batch of rows, to cross the stores' statement batching.
    let drafts: Vec<PostDraft> = (0..1203)
        .map(|n| PostDraft {
            pillar_id: (n % 2 == 0).then_some(pillar.id),
            ..post_draft(
                PostStatus::Draft,
                &format!("Post {n:04}"),
                "Base",
                vec![variant(Network::X, &format!("X {n}"))],
            )
        })
        .collect();
    let ids = store.create_posts(org.id, acme.id, &drafts, owner.id).await.unwrap();
    assert_eq!(ids.len(), drafts.len());
    let last = store.post(org.id, ids[1202]).await.unwrap();
    assert_holds(&last, &drafts[1202]);
    assert_eq!(store.post_revisions(org.id, ids[0]).await.unwrap().len(), 1, "each has its first revision");

    // One draft with a pillar of another client: nothing of the batch is stored.
    let mut bad = drafts[..3].to_vec();
    bad[1].pillar_id = Some(PillarId::new());
    assert_missing(store.create_posts(org.id, acme.id, &bad, owner.id).await, "pillar", "a batch with a bad pillar");
    assert_missing(
        store.create_posts(org.id, theirs.id, &drafts[..2], owner.id).await,
        "client",
        "another organization's client",
    );
    let count = store.list_posts(org.id, &all_posts(), &PageRequest::first(200)).await.unwrap();
    assert_eq!(count.items.len(), 200);
    let mut total = 0;
    let mut page = PageRequest::first(200);
    loop {
        let result = store.list_posts(org.id, &all_posts(), &page).await.unwrap();
        total += result.items.len();
        match result.next_cursor {
            Some(c) => page = PageRequest::new(Some(200), Some(&c)).unwrap(),
            None => break,
        }
    }
    assert_eq!(total, 1203, "the refused batches stored nothing");
}

// ---------------------------------------------------------------------------------------------------------
// Media

/// An asset's row as an upload would describe it; the store sets its organization, client and creation time.
fn new_asset(created_by: PersonId, filename: &str, media_type: MediaType) -> Asset {
    let (width, height, duration_ms, video_codec) = match media_type.kind() {
        chorus_domain::AssetKind::Image => (Some(1920), Some(1080), None, None),
        chorus_domain::AssetKind::Video => (Some(1080), Some(1920), Some(15_500), Some("avc1".to_string())),
    };
    Asset {
        id: AssetId::new(),
        organization_id: OrganizationId::new(),
        client_id: ClientId::new(),
        kind: media_type.kind(),
        media_type,
        size_bytes: 3_000_000_000,
        width,
        height,
        duration_ms,
        video_codec,
        filename: filename.to_string(),
        alt_text: String::new(),
        folder: String::new(),
        tags: Vec::new(),
        focal_point: chorus_domain::FocalPoint::CENTRE,
        sha256: "ab".repeat(32),
        created_by,
        created_at: t0(),
    }
}

fn asset_fields(alt_text: &str, filename: &str) -> AssetFields {
    AssetFields {
        alt_text: alt_text.to_string(),
        filename: filename.to_string(),
        folder: String::new(),
        tags: Vec::new(),
        focal_point: chorus_domain::FocalPoint::CENTRE,
    }
}

/// An asset filed in `folder` with `tags`, as the store writes it.
async fn filed(
    store: &Db,
    org: OrganizationId,
    client: ClientId,
    by: PersonId,
    name: &str,
    folder: &str,
    tags: &[&str],
) -> Asset {
    let media_type = if name.ends_with(".mp4") { MediaType::Mp4 } else { MediaType::Jpeg };
    let asset = Asset {
        folder: folder.to_string(),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        ..new_asset(by, name, media_type)
    };
    store.create_asset(org, client, &asset).await.unwrap()
}

async fn asset_names(store: &Db, org: OrganizationId, client: ClientId, query: AssetQuery) -> Vec<String> {
    let page = store.list_assets(org, client, &query, &PageRequest::first(200)).await.unwrap();
    assert_eq!(page.next_cursor, None, "more than one page");
    page.items.into_iter().map(|a| a.filename).collect()
}

pub async fn assets_can_be_created_read_updated_and_deleted(store: Db) {
    let (org, owner) = organization(&store, "Northwind").await;
    let x = client(&store, org.id, "Xylo").await;
    let created = store.create_asset(org.id, x.id, &new_asset(owner.id, "cup.jpg", MediaType::Jpeg)).await.unwrap();
    assert_eq!((created.organization_id, created.client_id), (org.id, x.id), "the store places it");
    assert_eq!(store.asset(org.id, created.id).await.unwrap(), created, "read back as created");

    let video = store.create_asset(org.id, x.id, &new_asset(owner.id, "clip.mov", MediaType::QuickTime)).await;
    let video = video.unwrap();
    assert_eq!((video.width, video.height, video.duration_ms), (Some(1080), Some(1920), Some(15_500)));
    assert_eq!(video.video_codec.as_deref(), Some("avc1"));
    assert_eq!(store.asset(org.id, video.id).await.unwrap(), video);

    let updated = store.update_asset(org.id, x.id, created.id, &asset_fields("A blue cup", "blue cup.jpg")).await;
    let updated = updated.unwrap();
    assert_eq!((updated.alt_text.as_str(), updated.filename.as_str()), ("A blue cup", "blue cup.jpg"));
    assert_eq!(
        Asset { alt_text: created.alt_text.clone(), filename: created.filename.clone(), ..updated.clone() },
        created
    );
    assert_eq!(store.asset(org.id, created.id).await.unwrap(), updated);

    store.delete_asset(org.id, x.id, created.id).await.unwrap();
    assert_missing(store.asset(org.id, created.id).await, "asset", "a deleted asset");
    assert_missing(store.delete_asset(org.id, x.id, created.id).await, "asset", "deleting twice");
    let fields = asset_fields("", "gone.jpg");
    assert_missing(store.update_asset(org.id, x.id, created.id, &fields).await, "asset", "updating a deleted one");
    let left = store.list_assets(org.id, x.id, &AssetQuery::default(), &PageRequest::default()).await.unwrap();
    assert_eq!(left.items, [video]);
}

pub async fn asset_lists_are_newest_first_and_paged(store: Db) {
    let (org, owner) = organization(&store, "Northwind").await;
    let x = client(&store, org.id, "Xylo").await;
    let empty = client(&store, org.id, "Empty").await;
    let mut created = Vec::new();
    for n in 0..7 {
        let asset = new_asset(owner.id, &format!("{n}.png"), MediaType::Png);
        created.push(store.create_asset(org.id, x.id, &asset).await.unwrap());
    }
    created.reverse();
    let walked = walk_pages(3, |page| {
        let store = store.clone();
        async move { store.list_assets(org.id, x.id, &AssetQuery::default(), &page).await.unwrap() }
    })
    .await;
    assert_eq!(walked, created, "newest first, no gaps or duplicates");
    let none = store.list_assets(org.id, empty.id, &AssetQuery::default(), &PageRequest::default()).await.unwrap();
    assert_eq!((none.items, none.next_cursor), (Vec::new(), None), "a client without assets has an empty list");
}

pub async fn assets_are_scoped_to_organization_and_client(store: Db) {
    let (a, a_owner) = organization(&store, "Northwind").await;
    let (b, b_owner) = organization(&store, "Southwind").await;
    let x = client(&store, a.id, "Xylo").await;
    let y = client(&store, a.id, "Yodel").await;
    let theirs = client(&store, b.id, "Theirs").await;
    let b_asset = store.create_asset(b.id, theirs.id, &new_asset(b_owner.id, "b.gif", MediaType::Gif)).await.unwrap();
    let x_asset = store.create_asset(a.id, x.id, &new_asset(a_owner.id, "x.webp", MediaType::Webp)).await.unwrap();
    let fields = asset_fields("hijacked", "hijacked.gif");

    // Organization B's client and asset, addressed from A.
    let from_a = "B's client from organization A";
    let planted = new_asset(a_owner.id, "planted.mp4", MediaType::Mp4);
    assert_missing(store.create_asset(a.id, theirs.id, &planted).await, "client", from_a);
    assert_missing(
        store.list_assets(a.id, theirs.id, &AssetQuery::default(), &PageRequest::default()).await,
        "client",
        from_a,
    );
    assert_missing(store.asset(a.id, b_asset.id).await, "asset", from_a);
    assert_missing(store.update_asset(a.id, theirs.id, b_asset.id, &fields).await, "client", from_a);
    assert_missing(store.delete_asset(a.id, theirs.id, b_asset.id).await, "client", from_a);
    // Through A's own client.
    assert_missing(store.update_asset(a.id, x.id, b_asset.id, &fields).await, "asset", "B's asset via X");
    assert_missing(store.delete_asset(a.id, x.id, b_asset.id).await, "asset", "B's asset via X");
    // X's asset through client Y of the same organization.
    assert_missing(store.update_asset(a.id, y.id, x_asset.id, &fields).await, "asset", "X's asset via Y");
    assert_missing(store.delete_asset(a.id, y.id, x_asset.id).await, "asset", "X's asset via Y");
    assert!(
        store.list_assets(a.id, y.id, &AssetQuery::default(), &PageRequest::default()).await.unwrap().items.is_empty()
    );

    // Nothing changed, and nothing was planted.
    assert_eq!(store.asset(b.id, b_asset.id).await.unwrap(), b_asset);
    assert_eq!(store.asset(a.id, x_asset.id).await.unwrap(), x_asset);
    assert_eq!(
        store.list_assets(b.id, theirs.id, &AssetQuery::default(), &PageRequest::default()).await.unwrap().items,
        [b_asset]
    );
    assert_eq!(
        store.list_assets(a.id, x.id, &AssetQuery::default(), &PageRequest::default()).await.unwrap().items,
        [x_asset]
    );
}

pub async fn asset_lists_filter_by_search_folder_tag_and_kind(store: Db) {
    let (org, owner) = organization(&store, "Northwind").await;
    let x = client(&store, org.id, "Xylo").await;
    let by = owner.id;
    filed(&store, org.id, x.id, by, "Top.jpg", "", &[]).await;
    filed(&store, org.id, x.id, by, "spring-hero.jpg", "Campaigns/Spring", &["spring", "hero shot"]).await;
    filed(&store, org.id, x.id, by, "teaser.mp4", "Campaigns/Spring", &["spring"]).await;
    filed(&store, org.id, x.id, by, "autumn.jpg", "Campaigns", &["autumn"]).await;
    filed(&store, org.id, x.id, by, "100% real_photo.jpg", "Campaigns 2", &[]).await;
    let mut described = filed(&store, org.id, x.id, by, "IMG_0001.jpg", "Misc", &[]).await;
    described.alt_text = "A CAFÉ terrace at dusk".to_string();
    store.update_asset(org.id, x.id, described.id, &AssetFields::of(&described)).await.unwrap();

    let query = |search: Option<&str>, folder: Option<&str>, tag: Option<&str>, kind| AssetQuery {
        search: search.map(str::to_string),
        folder: folder.map(str::to_string),
        tag: tag.map(str::to_string),
        kind,
    };
    let names = |q| asset_names(&store, org.id, x.id, q);
    assert_eq!(names(query(None, None, None, None)).await.len(), 6);
    assert_eq!(names(query(Some("SPRING"), None, None, None)).await, ["teaser.mp4", "spring-hero.jpg"], "name or tag");
    assert_eq!(names(query(Some("hero shot"), None, None, None)).await, ["spring-hero.jpg"], "a tag of two words");
    assert_eq!(names(query(Some("café"), None, None, None)).await, ["IMG_0001.jpg"], "alt text, ignoring case");
    assert_eq!(names(query(Some("100%"), None, None, None)).await, ["100% real_photo.jpg"], "% is literal");
    assert!(names(query(Some("_"), None, None, None)).await.iter().all(|n| n.contains('_')), "_ is literal");
    assert_eq!(
        names(query(None, Some("Campaigns"), None, None)).await,
        ["autumn.jpg", "teaser.mp4", "spring-hero.jpg"],
        "the folder and the folders inside it, not 'Campaigns 2'"
    );
    assert_eq!(names(query(None, Some("Campaigns/Spring"), None, None)).await, ["teaser.mp4", "spring-hero.jpg"]);
    assert_eq!(names(query(None, Some(""), None, None)).await, ["Top.jpg"], "the top level alone");
    assert!(names(query(None, Some("Camp"), None, None)).await.is_empty(), "no partial folder names");
    assert_eq!(names(query(None, None, Some("spring"), None)).await, ["teaser.mp4", "spring-hero.jpg"]);
    assert_eq!(names(query(None, None, Some("spring"), Some(AssetKind::Video))).await, ["teaser.mp4"]);
    assert_eq!(names(query(None, None, None, Some(AssetKind::Video))).await, ["teaser.mp4"]);
    assert_eq!(
        names(query(Some("hero"), Some("Campaigns"), Some("spring"), Some(AssetKind::Image))).await,
        ["spring-hero.jpg"]
    );
    assert!(names(query(None, None, Some("spr"), None)).await.is_empty(), "tags match whole");

    // Filtered pages have no gaps or duplicates either.
    let images = query(None, Some("Campaigns"), None, Some(AssetKind::Image));
    let walked = walk_pages(1, |page| {
        let (store, images) = (store.clone(), images.clone());
        async move { store.list_assets(org.id, x.id, &images, &page).await.unwrap() }
    })
    .await;
    let walked: Vec<String> = walked.into_iter().map(|a| a.filename).collect();
    assert_eq!(walked, ["autumn.jpg", "spring-hero.jpg"]);
}

pub async fn asset_folders_and_tags_are_counted(store: Db) {
    let (org, owner) = organization(&store, "Northwind").await;
    let x = client(&store, org.id, "Xylo").await;
    let y = client(&store, org.id, "Yodel").await;
    assert!(store.asset_folders(org.id, x.id).await.unwrap().is_empty());
    assert!(store.asset_tags(org.id, x.id).await.unwrap().is_empty());
    let by = owner.id;
    filed(&store, org.id, x.id, by, "a.jpg", "", &["b-tag"]).await;
    filed(&store, org.id, x.id, by, "b.jpg", "Campaigns/Spring", &["spring", "b-tag"]).await;
    filed(&store, org.id, x.id, by, "c.jpg", "Campaigns/Spring", &["spring"]).await;
    filed(&store, org.id, x.id, by, "d.jpg", "Campaigns", &["a-tag"]).await;
    filed(&store, org.id, y.id, by, "other client.jpg", "Elsewhere", &["theirs"]).await;

    let folder = |folder: &str, assets| FolderCount { folder: folder.to_string(), assets };
    assert_eq!(
        store.asset_folders(org.id, x.id).await.unwrap(),
        [folder("", 1), folder("Campaigns", 1), folder("Campaigns/Spring", 2)]
    );
    let tag = |tag: &str, assets| TagCount { tag: tag.to_string(), assets };
    assert_eq!(
        store.asset_tags(org.id, x.id).await.unwrap(),
        [tag("b-tag", 2), tag("spring", 2), tag("a-tag", 1)],
        "most used first, then by name"
    );
}

pub async fn asset_folders_tags_and_focal_points_are_updated(store: Db) {
    let (org, owner) = organization(&store, "Northwind").await;
    let x = client(&store, org.id, "Xylo").await;
    let created = filed(&store, org.id, x.id, owner.id, "cup.jpg", "Old", &["old", "kept"]).await;
    assert_eq!(store.asset(org.id, created.id).await.unwrap(), created, "folder and tags read back as created");

    let fields = AssetFields {
        alt_text: "A cup".to_string(),
        filename: "cup.jpg".to_string(),
        folder: "Products/Mugs".to_string(),
        tags: vec!["kept".to_string(), "new tag".to_string()],
        focal_point: chorus_domain::FocalPoint { x: 120, y: 980 },
    };
    let updated = store.update_asset(org.id, x.id, created.id, &fields).await.unwrap();
    assert_eq!(AssetFields::of(&updated), fields);
    assert_eq!(
        Asset {
            folder: created.folder.clone(),
            tags: created.tags.clone(),
            focal_point: created.focal_point,
            alt_text: String::new(),
            ..updated.clone()
        },
        created
    );
    assert_eq!(store.asset(org.id, created.id).await.unwrap(), updated);
    let tags: Vec<String> = store.asset_tags(org.id, x.id).await.unwrap().into_iter().map(|t| t.tag).collect();
    assert_eq!(tags, ["kept", "new tag"], "the old tag is gone from the counts");
    let by_tag = AssetQuery { tag: Some("old".to_string()), ..AssetQuery::default() };
    assert!(asset_names(&store, org.id, x.id, by_tag).await.is_empty());
    let by_search = AssetQuery { search: Some("new tag".to_string()), ..AssetQuery::default() };
    assert_eq!(asset_names(&store, org.id, x.id, by_search).await, ["cup.jpg"], "the search sees the new tags");

    let cleared = AssetFields { tags: Vec::new(), folder: String::new(), ..fields };
    let updated = store.update_asset(org.id, x.id, created.id, &cleared).await.unwrap();
    assert_eq!((updated.tags.len(), updated.folder.as_str()), (0, ""));
    assert!(store.asset_tags(org.id, x.id).await.unwrap().is_empty());
}

pub async fn assets_are_moved_tagged_and_deleted_in_bulk_all_or_nothing(store: Db) {
    let (org, owner) = organization(&store, "Northwind").await;
    let x = client(&store, org.id, "Xylo").await;
    let by = owner.id;
    let a = filed(&store, org.id, x.id, by, "a.jpg", "", &[]).await;
    let b = filed(&store, org.id, x.id, by, "b.jpg", "Old", &["sale"]).await;
    let c = filed(&store, org.id, x.id, by, "c.jpg", "Elsewhere", &[]).await;
    let stranger = AssetId::new();

    assert_eq!(store.move_assets(org.id, x.id, &[a.id, b.id, a.id], "Spring").await.unwrap(), 2);
    assert_eq!(store.asset(org.id, a.id).await.unwrap().folder, "Spring");
    assert_eq!(store.move_assets(org.id, x.id, &[a.id], "Spring").await.unwrap(), 0, "already there");
    assert_missing(store.move_assets(org.id, x.id, &[c.id, stranger], "Lost").await, "asset", "an unknown id");
    assert_eq!(store.asset(org.id, c.id).await.unwrap().folder, "Elsewhere", "nothing moved");

    assert_eq!(store.tag_assets(org.id, x.id, &[a.id, b.id], "sale").await.unwrap(), 1, "b had it already");
    assert_eq!(store.asset(org.id, a.id).await.unwrap().tags, ["sale"]);
    assert_eq!(store.asset(org.id, b.id).await.unwrap().tags, ["sale"], "not twice");
    assert_eq!(store.asset_tags(org.id, x.id).await.unwrap(), [TagCount { tag: "sale".to_string(), assets: 2 }]);
    assert_missing(store.tag_assets(org.id, x.id, &[c.id, stranger], "lost").await, "asset", "an unknown id");
    assert!(store.asset(org.id, c.id).await.unwrap().tags.is_empty(), "nothing tagged");

    let full_tags: Vec<String> = (0..chorus_domain::media::MAX_TAGS).map(|n| format!("t{n}")).collect();
    let full = Asset { tags: full_tags.clone(), ..new_asset(by, "full.jpg", MediaType::Jpeg) };
    let full = store.create_asset(org.id, x.id, &full).await.unwrap();
    let refused = store.tag_assets(org.id, x.id, &[c.id, full.id], "one more").await;
    assert!(matches!(refused, Err(StoreError::Conflict { field: "tags", .. })), "{refused:?}");
    assert!(store.asset(org.id, c.id).await.unwrap().tags.is_empty(), "all or nothing");
    assert_eq!(store.tag_assets(org.id, x.id, &[full.id], "t0").await.unwrap(), 0, "a tag it has is no extra");

    assert_missing(store.delete_assets(org.id, x.id, &[a.id, stranger]).await, "asset", "an unknown id");
    assert!(store.asset(org.id, a.id).await.is_ok(), "nothing deleted");
    store.delete_assets(org.id, x.id, &[a.id, b.id]).await.unwrap();
    assert_missing(store.asset(org.id, a.id).await, "asset", "deleted in bulk");
    assert_missing(store.asset(org.id, b.id).await, "asset", "deleted in bulk");
    assert!(store.asset(org.id, c.id).await.is_ok());
    let tags: Vec<String> = store.asset_tags(org.id, x.id).await.unwrap().into_iter().map(|t| t.tag).collect();
    assert!(!tags.contains(&"sale".to_string()), "a deleted asset's tags are not counted: {tags:?}");
    store.delete_assets(org.id, x.id, &[]).await.unwrap();
}

pub async fn folders_are_renamed_with_the_folders_inside_them(store: Db) {
    let (org, owner) = organization(&store, "Northwind").await;
    let x = client(&store, org.id, "Xylo").await;
    let y = client(&store, org.id, "Yodel").await;
    let by = owner.id;
    let top = filed(&store, org.id, x.id, by, "top.jpg", "Campaigns", &[]).await;
    let inner = filed(&store, org.id, x.id, by, "inner.jpg", "Campaigns/Spring", &[]).await;
    let lookalike = filed(&store, org.id, x.id, by, "lookalike.jpg", "Campaigns 2", &[]).await;
    let other_client = filed(&store, org.id, y.id, by, "other.jpg", "Campaigns", &[]).await;

    assert_eq!(store.rename_folder(org.id, x.id, "Campaigns", "Archive/2026").await.unwrap(), 2);
    let folder_of = |id| {
        let store = store.clone();
        async move { store.asset(org.id, id).await.unwrap().folder }
    };
    assert_eq!(folder_of(top.id).await, "Archive/2026");
    assert_eq!(folder_of(inner.id).await, "Archive/2026/Spring");
    assert_eq!(folder_of(lookalike.id).await, "Campaigns 2", "a longer name is another folder");
    assert_eq!(folder_of(other_client.id).await, "Campaigns", "another client's folder of that name");

    assert_eq!(store.rename_folder(org.id, x.id, "Archive", "").await.unwrap(), 2, "up to the top level");
    assert_eq!(folder_of(top.id).await, "2026");
    assert_eq!(folder_of(inner.id).await, "2026/Spring");
    assert_eq!(store.rename_folder(org.id, x.id, "Nowhere", "Somewhere").await.unwrap(), 0);
}

pub async fn bulk_media_changes_are_scoped_to_organization_and_client(store: Db) {
    let (a, a_owner) = organization(&store, "Northwind").await;
    let (b, b_owner) = organization(&store, "Southwind").await;
    let x = client(&store, a.id, "Xylo").await;
    let y = client(&store, a.id, "Yodel").await;
    let theirs = client(&store, b.id, "Theirs").await;
    let b_asset = filed(&store, b.id, theirs.id, b_owner.id, "b.jpg", "Secret", &["secret"]).await;
    let x_asset = filed(&store, a.id, x.id, a_owner.id, "x.jpg", "Mine", &["mine"]).await;

    let from_a = "B's client from organization A";
    assert_missing(store.asset_folders(a.id, theirs.id).await, "client", from_a);
    assert_missing(store.asset_tags(a.id, theirs.id).await, "client", from_a);
    assert_missing(store.move_assets(a.id, theirs.id, &[b_asset.id], "Stolen").await, "client", from_a);
    assert_missing(store.tag_assets(a.id, theirs.id, &[b_asset.id], "stolen").await, "client", from_a);
    assert_missing(store.rename_folder(a.id, theirs.id, "Secret", "Stolen").await, "client", from_a);
    assert_missing(store.delete_assets(a.id, theirs.id, &[b_asset.id]).await, "client", from_a);
    assert_missing(store.move_assets(a.id, x.id, &[b_asset.id], "Stolen").await, "asset", "B's asset via X");
    assert_missing(store.tag_assets(a.id, x.id, &[b_asset.id], "stolen").await, "asset", "B's asset via X");
    assert_missing(store.delete_assets(a.id, x.id, &[b_asset.id]).await, "asset", "B's asset via X");
    assert_missing(store.move_assets(a.id, y.id, &[x_asset.id], "Moved").await, "asset", "X's asset via Y");
    assert_missing(store.tag_assets(a.id, y.id, &[x_asset.id], "moved").await, "asset", "X's asset via Y");
    assert_missing(store.delete_assets(a.id, y.id, &[x_asset.id]).await, "asset", "X's asset via Y");
    assert_eq!(store.rename_folder(a.id, y.id, "Mine", "Moved").await.unwrap(), 0, "X's folder via Y");
    let by_tag = AssetQuery { tag: Some("secret".to_string()), ..AssetQuery::default() };
    assert!(asset_names(&store, a.id, x.id, by_tag).await.is_empty(), "B's tags do not reach A's lists");

    assert_eq!(store.asset(b.id, b_asset.id).await.unwrap(), b_asset, "unchanged");
    assert_eq!(store.asset(a.id, x_asset.id).await.unwrap(), x_asset, "unchanged");
    assert_eq!(store.asset_tags(b.id, theirs.id).await.unwrap(), [TagCount { tag: "secret".to_string(), assets: 1 }]);
}

// ---------------------------------------------------------------------------------------------------------
// Feeds
fn feed_fields(name: &str, url: &str) -> chorus_domain::FeedFields {
    chorus_domain::FeedFields {
        name: name.to_string(),
        url: url.to_string(),
        networks: vec![chorus_domain::Network::LinkedIn, chorus_domain::Network::Bluesky],
        pillar_id: None,
        template: "{title} {link}".to_string(),
        check_interval_minutes: 60,
        first_items: 5,
    }
}

fn feed_item(key: &str, drafted: bool) -> chorus_domain::NewFeedItem {
    chorus_domain::NewFeedItem {
        key: key.to_string(),
        title: format!("Article {key}"),
        link: format!("https://blog.example/{key}"),
        published_at: Some(t0() - minutes(5)),
        drafted,
    }
}

pub async fn feeds_can_be_created_listed_updated_paused_and_deleted(store: Db) {
    let (org, owner) = organization(&store, "Northwind").await;
    let acme = client(&store, org.id, "Acme").await;
    let other = client(&store, org.id, "Other").await;
    assert!(store.list_feeds(org.id, acme.id).await.unwrap().is_empty(), "none yet");

    let blog = store.create_feed(org.id, acme.id, &feed_fields("Blog", "https://acme.example/feed"), owner.id).await;
    let blog = blog.unwrap();
    assert_eq!((blog.client_id, blog.name.as_str(), blog.paused), (acme.id, "Blog", false));
    assert_eq!(blog.networks, [chorus_domain::Network::LinkedIn, chorus_domain::Network::Bluesky]);
    assert_eq!(blog.last_checked_at, None);
    assert!(blog.next_check_at <= Utc::now(), "due for its first check at once");
    assert_eq!(store.feed(org.id, blog.id).await.unwrap(), blog);

    match store.create_feed(org.id, acme.id, &feed_fields("Again", "https://acme.example/feed"), owner.id).await {
        Err(StoreError::Conflict { field: "url", .. }) => {}
        other => panic!("a second feed at one address: {other:?}"),
    }
    let same_url_elsewhere =
        store.create_feed(org.id, other.id, &feed_fields("Theirs", "https://acme.example/feed"), owner.id).await;
    assert!(same_url_elsewhere.is_ok(), "another client may follow the same feed");

    let pillar = store.create_pillar(org.id, other.id, &pillar_fields("News", "#112233", 10, "")).await.unwrap();
    let with_foreign_pillar =
        chorus_domain::FeedFields { pillar_id: Some(pillar.id), ..feed_fields("P", "https://p.example/") };
    assert_missing(
        store.create_feed(org.id, acme.id, &with_foreign_pillar, owner.id).await,
        "pillar",
        "Other's pillar",
    );

    let news = store.create_feed(org.id, acme.id, &feed_fields("News", "https://acme.example/news"), owner.id).await;
    let news = news.unwrap();
    let names: Vec<String> = store.list_feeds(org.id, acme.id).await.unwrap().into_iter().map(|f| f.name).collect();
    assert_eq!(names, ["Blog", "News"], "in the order they were added");

    let changed = chorus_domain::FeedFields {
        template: "New: {title}".to_string(),
        check_interval_minutes: 30,
        ..feed_fields("Blog posts", "https://acme.example/feed.xml")
    };
    let updated = store.update_feed(org.id, blog.id, &changed).await.unwrap();
    assert_eq!(
        (updated.name.as_str(), updated.template.as_str(), updated.check_interval_minutes),
        ("Blog posts", "New: {title}", 30)
    );
    assert_eq!(updated.url, "https://acme.example/feed.xml");

    let paused = store.set_feed_paused(org.id, blog.id, true, "", t0()).await.unwrap();
    assert!(paused.paused);
    let later = t0() + minutes(10);
    let resumed = store.set_feed_paused(org.id, blog.id, false, "", later).await.unwrap();
    assert!(!resumed.paused);
    assert_eq!(resumed.next_check_at, later, "due when resumed");

    store.delete_feed(org.id, news.id).await.unwrap();
    assert_missing(store.feed(org.id, news.id).await, "feed", "deleted");
    assert_missing(store.delete_feed(org.id, news.id).await, "feed", "deleted twice");
}

pub async fn feed_items_are_claimed_once_and_due_feeds_by_one_worker(store: Db) {
    let (org, owner) = organization(&store, "Northwind").await;
    let acme = client(&store, org.id, "Acme").await;
    let feed = store.create_feed(org.id, acme.id, &feed_fields("Blog", "https://acme.example/feed"), owner.id).await;
    let feed = feed.unwrap();

    let first = [feed_item("a", true), feed_item("b", true), feed_item("c", false)];
    assert_eq!(store.claim_feed_items(org.id, feed.id, &first, t0()).await.unwrap(), ["a", "b", "c"]);
    let again = [feed_item("b", true), feed_item("d", true), feed_item("a", true)];
    assert_eq!(store.claim_feed_items(org.id, feed.id, &again, t0()).await.unwrap(), ["d"], "only the new one");
    store.forget_feed_items(org.id, feed.id, &["d".to_string()]).await.unwrap();
    assert_eq!(store.claim_feed_items(org.id, feed.id, &again, t0()).await.unwrap(), ["d"], "forgotten, so new again");
    let items = store.feed_items(org.id, feed.id, 10).await.unwrap();
    let mut keys: Vec<(&str, bool)> = items.iter().map(|i| (i.key.as_str(), i.drafted)).collect();
    keys.sort_unstable();
    assert_eq!(keys, [("a", true), ("b", true), ("c", false), ("d", true)]);
    assert!(items.iter().all(|i| i.link.starts_with("https://blog.example/")), "{items:?}");
    assert_eq!(store.feed_items(org.id, feed.id, 2).await.unwrap().len(), 2, "limited");

    // Two workers at once: the feed goes to one of them, and is not due again until its hold runs out.
    let now = Utc::now() + minutes(1);
    let (one, two) = tokio::join!(
        store.claim_due_feeds(now, now + minutes(10), 10),
        store.claim_due_feeds(now, now + minutes(10), 10)
    );
    let claimed: Vec<_> = one.unwrap().into_iter().chain(two.unwrap()).map(|f| f.id).collect();
    assert_eq!(claimed, [feed.id], "claimed once");
    assert!(store.claim_due_feeds(now + minutes(5), now + minutes(20), 10).await.unwrap().is_empty(), "held");

    let checked_at = t0() + minutes(1);
    let check = chorus_domain::FeedCheck { at: checked_at, failed: false, result: "2 new drafts".to_string() };
    let recorded = store.record_feed_check(org.id, feed.id, &check).await.unwrap();
    assert_eq!(recorded.last_checked_at, Some(checked_at));
    assert_eq!((recorded.last_result.as_str(), recorded.last_failed), ("2 new drafts", false));
    assert_eq!(recorded.next_check_at, checked_at + minutes(60), "one interval later");

    store.set_feed_paused(org.id, feed.id, true, "", t0()).await.unwrap();
    let far = Utc::now() + minutes(600);
    assert!(store.claim_due_feeds(far, far + minutes(10), 10).await.unwrap().is_empty(), "a paused feed is not due");
}

pub async fn failing_feeds_are_paused_after_five_failures_in_a_row(store: Db) {
    let (org, owner) = organization(&store, "Northwind").await;
    let acme = client(&store, org.id, "Acme").await;
    let feed = store.create_feed(org.id, acme.id, &feed_fields("Blog", "https://acme.example/feed"), owner.id).await;
    let feed = feed.unwrap();
    let check = |failed: bool, result: &str| chorus_domain::FeedCheck { at: t0(), failed, result: result.to_string() };

    for _ in 0..4 {
        store.record_feed_check(org.id, feed.id, &check(true, "the server answered 500")).await.unwrap();
    }
    let ok = store.record_feed_check(org.id, feed.id, &check(false, "no new articles")).await.unwrap();
    assert_eq!((ok.consecutive_failures, ok.paused), (0, false), "a success resets the count");
    let mut last = ok;
    for n in 1..=5 {
        last = store.record_feed_check(org.id, feed.id, &check(true, "the server answered 500")).await.unwrap();
        assert_eq!(last.consecutive_failures, n);
        assert_eq!(last.paused, n == 5, "paused at the fifth failure in a row");
    }
    assert!(
        last.pause_reason.contains("5 failed checks") && last.pause_reason.contains("500"),
        "{}",
        last.pause_reason
    );
    let resumed = store.set_feed_paused(org.id, feed.id, false, "", t0()).await.unwrap();
    assert_eq!((resumed.paused, resumed.consecutive_failures, resumed.pause_reason.as_str()), (false, 0, ""));
}

pub async fn feeds_are_scoped_to_their_organization(store: Db) {
    let (a, a_owner) = organization(&store, "Northwind").await;
    let (b, b_owner) = organization(&store, "Southwind").await;
    let ours = client(&store, a.id, "Ours").await;
    let theirs = client(&store, b.id, "Theirs").await;
    let feed = store.create_feed(b.id, theirs.id, &feed_fields("Theirs", "https://b.example/feed"), b_owner.id).await;
    let feed = feed.unwrap();
    store.claim_feed_items(b.id, feed.id, &[feed_item("secret", true)], t0()).await.unwrap();

    let from_a = "B's feed from organization A";
    assert_missing(store.feed(a.id, feed.id).await, "feed", from_a);
    assert_missing(store.list_feeds(a.id, theirs.id).await, "client", from_a);
    assert_missing(
        store.create_feed(a.id, theirs.id, &feed_fields("X", "https://x.example/"), a_owner.id).await,
        "client",
        from_a,
    );
    assert_missing(
        store.update_feed(a.id, feed.id, &feed_fields("Stolen", "https://x.example/")).await,
        "feed",
        from_a,
    );
    assert_missing(store.set_feed_paused(a.id, feed.id, true, "", t0()).await, "feed", from_a);
    assert_missing(store.delete_feed(a.id, feed.id).await, "feed", from_a);
    let check = chorus_domain::FeedCheck { at: t0(), failed: false, result: String::new() };
    assert_missing(store.record_feed_check(a.id, feed.id, &check).await, "feed", from_a);
    assert_missing(store.claim_feed_items(a.id, feed.id, &[feed_item("x", true)], t0()).await, "feed", from_a);
    assert_missing(store.feed_items(a.id, feed.id, 10).await, "feed", from_a);
    store.forget_feed_items(a.id, feed.id, &["secret".to_string()]).await.unwrap();
    assert!(store.list_feeds(a.id, ours.id).await.unwrap().is_empty());

    let b_feed = store.feed(b.id, feed.id).await.unwrap();
    assert_eq!((b_feed.name.as_str(), b_feed.paused), ("Theirs", false), "unchanged");
    assert_eq!(store.feed_items(b.id, feed.id, 10).await.unwrap().len(), 1, "A cannot forget B's items");
}

// ---------------------------------------------------------------------------------------------------------
// Media in posts

fn media(asset: &Asset, crop: Option<&str>, alt_text: &str) -> VariantMedia {
    VariantMedia {
        asset_id: asset.id,
        alt_text: alt_text.to_string(),
        crop: crop.map(|c| chorus_domain::Aspect::parse(c).unwrap()),
    }
}

async fn post_count(store: &Db, org: OrganizationId) -> usize {
    store.list_posts(org, &all_posts(), &PageRequest::first(200)).await.unwrap().items.len()
}

pub async fn variant_media_is_kept_in_order_and_only_from_the_posts_client(store: Db) {
    let (org, owner) = organization(&store, "Northwind").await;
    let acme = client(&store, org.id, "Acme").await;
    let other = client(&store, org.id, "Other").await;
    let (first, second) = (
        filed(&store, org.id, acme.id, owner.id, "terrace.jpg", "", &[]).await,
        filed(&store, org.id, acme.id, owner.id, "reel.mp4", "", &[]).await,
    );
    let foreign = filed(&store, org.id, other.id, owner.id, "theirs.jpg", "", &[]).await;
    let draft = post_draft(
        PostStatus::Draft,
        "Terrace",
        "Open",
        vec![
            VariantDraft {
                media: vec![media(&second, None, ""), media(&first, Some("4:5"), "The terrace at dusk")],
                ..variant(Network::Instagram, "Open")
            },
            VariantDraft { media: vec![media(&first, Some("1.91:1"), "")], ..variant(Network::X, "Open") },
            variant(Network::Bluesky, "Open"),
        ],
    );
    let post = store.create_post(org.id, acme.id, &draft, owner.id).await.unwrap();
    assert_holds(&store.post(org.id, post.id).await.unwrap(), &draft);
    let listed = store.list_posts(org.id, &all_posts(), &PageRequest::first(10)).await.unwrap();
    assert_holds(&listed.items[0], &draft);

    let uses = store.posts_using_asset(org.id, first.id).await.unwrap();
    assert_eq!(uses.len(), 1);
    assert_eq!((uses[0].post_id, uses[0].title.as_str()), (post.id, "Terrace"));
    assert_eq!(uses[0].networks, [Network::Instagram, Network::X]);
    assert_eq!(store.posts_using_asset(org.id, second.id).await.unwrap()[0].networks, [Network::Instagram]);
    let (elsewhere, _) = organization(&store, "Elsewhere").await;
    assert!(store.posts_using_asset(elsewhere.id, first.id).await.unwrap().is_empty(), "scoped to the organization");

    // A copy carries the same files; an update that drops one frees it.
    let copy = store.duplicate_post(org.id, post.id, owner.id, PostStatus::Template).await.unwrap();
    assert_eq!(copy.variants[0].media, draft.variants[0].media);
    assert_eq!(store.posts_using_asset(org.id, second.id).await.unwrap().len(), 2);
    let mut fewer = draft.clone();
    fewer.variants[0].media.remove(0);
    store.update_post(org.id, post.id, &fewer, owner.id, Some(1)).await.unwrap();
    assert_holds(&store.post(org.id, post.id).await.unwrap(), &fewer);
    assert_eq!(store.posts_using_asset(org.id, second.id).await.unwrap().len(), 1, "only the copy uses it now");

    // Another client's file is refused, alone or in a batch, and nothing is stored.
    let before = post_count(&store, org.id).await;
    let with_foreign = |text: &str| {
        post_draft(
            PostStatus::Draft,
            text,
            text,
            vec![VariantDraft { media: vec![media(&foreign, None, "")], ..variant(Network::X, text) }],
        )
    };
    assert_missing(store.create_post(org.id, acme.id, &with_foreign("one"), owner.id).await, "asset", "create");
    let batch = vec![post_draft(PostStatus::Draft, "fine", "fine", vec![]), with_foreign("bad")];
    assert_missing(store.create_posts(org.id, acme.id, &batch, owner.id).await, "asset", "batch");
    assert_missing(
        store.update_post(org.id, post.id, &with_foreign("update"), owner.id, None).await,
        "asset",
        "update",
    );
    assert_eq!(post_count(&store, org.id).await, before, "nothing half-stored");
    assert_holds(&store.post(org.id, post.id).await.unwrap(), &fewer);
}

pub async fn an_asset_in_use_cannot_be_deleted(store: Db) {
    let (org, owner) = organization(&store, "Northwind").await;
    let acme = client(&store, org.id, "Acme").await;
    let photo = filed(&store, org.id, acme.id, owner.id, "terrace.jpg", "", &[]).await;
    let draft = post_draft(
        PostStatus::Draft,
        "Terrace",
        "Open",
        vec![VariantDraft { media: vec![media(&photo, None, "")], ..variant(Network::Instagram, "Open") }],
    );
    let post = store.create_post(org.id, acme.id, &draft, owner.id).await.unwrap();
    match store.delete_asset(org.id, acme.id, photo.id).await {
        Err(StoreError::Conflict { field: "asset", message }) => {
            assert!(message.contains("1 post"), "the message says how many posts use it: {message}")
        }
        other => panic!("deleting a file in use: expected a conflict on asset, got {other:?}"),
    }
    assert_eq!(store.asset(org.id, photo.id).await.unwrap().id, photo.id, "the file is still there");
    store.delete_post(org.id, post.id).await.unwrap();
    store.delete_asset(org.id, acme.id, photo.id).await.unwrap();
    assert_missing(store.asset(org.id, photo.id).await, "asset", "after delete");
}
