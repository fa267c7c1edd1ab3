//! Connected network accounts: one row per account per client however often it is connected, statuses the
//! health check records, the accounts it must check, credentials that are only ever sealed bytes, and scoping
//! to organization and client.

use chorus_domain::{Account, AccountId, AccountStatus, ClientId, Network, NewAccount, OrganizationId, PersonId};
use chorus_secrets::{KEY_LEN, Keyring, SealError, SecretError, SecretKey};
use chorus_store::StoreError;
use serde_json::{Value, json};

use super::{Db, assert_missing, client, minutes, new_person, organization, t0};

fn mastodon(remote_id: &str, by: PersonId) -> NewAccount {
    NewAccount {
        network: Network::Mastodon,
        handle: format!("@roastery{remote_id}@mastodon.social"),
        display_name: "The Roastery".into(),
        remote_id: remote_id.into(),
        server: "https://mastodon.social".into(),
        connected_by: by,
    }
    .check()
    .unwrap()
}

fn bluesky(did: &str, by: PersonId) -> NewAccount {
    NewAccount {
        network: Network::Bluesky,
        handle: "roastery.bsky.social".into(),
        display_name: String::new(),
        remote_id: did.into(),
        server: "https://pds.example".into(),
        connected_by: by,
    }
    .check()
    .unwrap()
}

fn keyring() -> Keyring {
    Keyring::new(SecretKey::from_bytes(&[7; KEY_LEN]))
}

fn credentials(token: &str) -> Value {
    json!({ "access_token": token, "scopes": ["read", "write"] })
}

async fn connect(store: &Db, org: OrganizationId, client: ClientId, account: &NewAccount, blob: &[u8]) -> Account {
    store.connect_account(org, client, account, blob).await.unwrap()
}

fn assert_status_conflict<T: std::fmt::Debug>(result: Result<T, StoreError>, context: &str) {
    assert!(
        matches!(&result, Err(StoreError::Conflict { field: "status", .. })),
        "{context}: expected Conflict on status, got {result:?}"
    );
}

pub async fn accounts_are_connected_listed_and_read_back(store: Db) {
    let (org, owner) = organization(&store, "Northwind").await;
    let x = client(&store, org.id, "Xylo").await;
    let y = client(&store, org.id, "Yodel").await;
    let toot = connect(&store, org.id, x.id, &mastodon("1093", owner.id), b"sealed-1").await;
    assert_eq!((toot.organization_id, toot.client_id, toot.network), (org.id, x.id, Network::Mastodon));
    assert_eq!(
        (toot.handle.as_str(), toot.display_name.as_str(), toot.remote_id.as_str(), toot.server.as_str()),
        ("@roastery1093@mastodon.social", "The Roastery", "1093", "https://mastodon.social")
    );
    assert_eq!((toot.status, toot.status_reason.as_str(), toot.checked_at), (AccountStatus::Connected, "", None));
    assert_eq!(toot.connected_by, owner.id);
    assert!(toot.created_at > t0() - minutes(1) && toot.updated_at == toot.created_at, "dated by the store");
    let sky = connect(&store, org.id, x.id, &bluesky("did:plc:abc", owner.id), b"sealed-2").await;
    connect(&store, org.id, y.id, &bluesky("did:plc:abc", owner.id), b"sealed-3").await;

    assert_eq!(store.account(org.id, toot.id).await.unwrap(), toot, "read back as connected");
    assert_eq!(store.list_accounts(org.id, x.id).await.unwrap(), [toot.clone(), sky.clone()], "in connect order");
    assert_eq!(store.account_credentials(org.id, toot.id).await.unwrap(), b"sealed-1");
    assert_eq!(store.account_credentials(org.id, sky.id).await.unwrap(), b"sealed-2");
    let z = client(&store, org.id, "Zither").await;
    assert_eq!(store.list_accounts(org.id, z.id).await.unwrap(), [], "a client with none");
    assert_missing(store.account(org.id, AccountId::new()).await, "account", "an unknown id");
    assert_missing(store.account_credentials(org.id, AccountId::new()).await, "account", "an unknown id");
}

pub async fn connecting_an_account_again_replaces_its_credentials_and_keeps_one_row(store: Db) {
    let (org, owner) = organization(&store, "Northwind").await;
    let editor =
        new_person("ed@northwind.example", "Ed", chorus_domain::Role::Editor, chorus_domain::ClientAccess::All);
    let editor = store.create_person(org.id, editor).await.unwrap();
    let x = client(&store, org.id, "Xylo").await;
    let first = connect(&store, org.id, x.id, &mastodon("1093", owner.id), b"old").await;
    let checked = t0() - minutes(30);
    store.set_account_status(org.id, first.id, AccountStatus::NeedsReconnect, "token revoked", checked).await.unwrap();

    let renamed = NewAccount {
        handle: "@beans@mastodon.social".into(),
        display_name: "Beans".into(),
        ..mastodon("1093", editor.id)
    };
    let again = connect(&store, org.id, x.id, &renamed, b"new").await;
    assert_eq!((again.id, again.created_at), (first.id, first.created_at), "the same row");
    assert_eq!((again.handle.as_str(), again.display_name.as_str()), ("@beans@mastodon.social", "Beans"));
    assert_eq!((again.status, again.status_reason.as_str()), (AccountStatus::Connected, ""), "connected again");
    assert_eq!(again.checked_at, None, "the new credentials are yet to be checked");
    assert_eq!(again.connected_by, editor.id, "whoever connected it last");
    assert!(again.updated_at >= first.updated_at);
    assert_eq!(store.account_credentials(org.id, first.id).await.unwrap(), b"new", "credentials replaced");
    assert_eq!(store.list_accounts(org.id, x.id).await.unwrap(), std::slice::from_ref(&again), "one row");

    // A disconnected account comes back the same way.
    store.disconnect_account(org.id, x.id, first.id).await.unwrap();
    let back = connect(&store, org.id, x.id, &mastodon("1093", owner.id), b"newer").await;
    assert_eq!((back.id, back.status), (first.id, AccountStatus::Connected));
    assert_eq!(store.account_credentials(org.id, first.id).await.unwrap(), b"newer");

    // Another remote id, network or client is another account.
    let other_id = connect(&store, org.id, x.id, &mastodon("1094", owner.id), b"a").await;
    let other_network = connect(&store, org.id, x.id, &bluesky("1093", owner.id), b"b").await;
    let y = client(&store, org.id, "Yodel").await;
    let other_client = connect(&store, org.id, y.id, &mastodon("1093", owner.id), b"c").await;
    let ids = [first.id, other_id.id, other_network.id, other_client.id];
    assert_eq!(ids.iter().collect::<std::collections::HashSet<_>>().len(), 4, "{ids:?}");
}

pub async fn account_statuses_are_recorded_and_a_disconnected_account_stays_so(store: Db) {
    let (org, owner) = organization(&store, "Northwind").await;
    let x = client(&store, org.id, "Xylo").await;
    let account = connect(&store, org.id, x.id, &mastodon("1093", owner.id), b"sealed").await;
    let t = t0();

    let flagged = store
        .set_account_status(org.id, account.id, AccountStatus::NeedsReconnect, "the token was revoked", t)
        .await
        .unwrap();
    assert_eq!(
        (flagged.status, flagged.status_reason.as_str(), flagged.checked_at),
        (AccountStatus::NeedsReconnect, "the token was revoked", Some(t))
    );
    assert_eq!(store.account(org.id, account.id).await.unwrap(), flagged);
    assert_eq!(store.account_credentials(org.id, account.id).await.unwrap(), b"sealed", "kept to check again");

    let healthy =
        store.set_account_status(org.id, account.id, AccountStatus::Connected, "ignored", t + minutes(1)).await;
    let healthy = healthy.unwrap();
    assert_eq!(
        (healthy.status, healthy.status_reason.as_str(), healthy.checked_at),
        (AccountStatus::Connected, "", Some(t + minutes(1))),
        "a connected account has no reason"
    );

    store.replace_credentials(org.id, account.id, b"refreshed").await.unwrap();
    assert_eq!(store.account_credentials(org.id, account.id).await.unwrap(), b"refreshed");
    assert_eq!(store.account(org.id, account.id).await.unwrap().status, AccountStatus::Connected, "status kept");

    assert_status_conflict(
        store.set_account_status(org.id, account.id, AccountStatus::Disconnected, "", t).await,
        "disconnecting without wiping",
    );
    store.disconnect_account(org.id, x.id, account.id).await.unwrap();
    assert_status_conflict(
        store.set_account_status(org.id, account.id, AccountStatus::Connected, "", t).await,
        "a check after a disconnect",
    );
    assert_status_conflict(
        store.replace_credentials(org.id, account.id, b"late").await,
        "a refresh after a disconnect",
    );
    let after = store.account(org.id, account.id).await.unwrap();
    assert_eq!(after.status, AccountStatus::Disconnected, "still disconnected");
    assert_missing(store.account_credentials(org.id, account.id).await, "credentials", "not stored again");
}

pub async fn accounts_to_check_are_connected_ones_checked_longest_ago_first(store: Db) {
    let (a, a_owner) = organization(&store, "Northwind").await;
    let (b, b_owner) = organization(&store, "Southwind").await;
    let x = client(&store, a.id, "Xylo").await;
    let y = client(&store, b.id, "Yodel").await;
    let t = t0();
    let checked = |minutes_ago: i64| t - minutes(minutes_ago);

    let never = connect(&store, a.id, x.id, &mastodon("1", a_owner.id), b"s").await;
    let old = connect(&store, b.id, y.id, &mastodon("2", b_owner.id), b"s").await;
    store.set_account_status(b.id, old.id, AccountStatus::Connected, "", checked(300)).await.unwrap();
    let older = connect(&store, a.id, x.id, &mastodon("3", a_owner.id), b"s").await;
    store.set_account_status(a.id, older.id, AccountStatus::Connected, "", checked(600)).await.unwrap();
    let fresh = connect(&store, a.id, x.id, &mastodon("4", a_owner.id), b"s").await;
    store.set_account_status(a.id, fresh.id, AccountStatus::Connected, "", checked(10)).await.unwrap();
    let flagged = connect(&store, a.id, x.id, &mastodon("5", a_owner.id), b"s").await;
    store.set_account_status(a.id, flagged.id, AccountStatus::NeedsReconnect, "revoked", checked(900)).await.unwrap();
    let gone = connect(&store, b.id, y.id, &mastodon("6", b_owner.id), b"s").await;
    store.disconnect_account(b.id, y.id, gone.id).await.unwrap();

    let due = store.accounts_to_check(checked(60), 10).await.unwrap();
    assert_eq!(
        due,
        [(a.id, never.id), (a.id, older.id), (b.id, old.id)],
        "never checked first, then oldest; across organizations; neither fresh, flagged nor disconnected"
    );
    assert_eq!(store.accounts_to_check(checked(60), 2).await.unwrap(), due[..2], "limited");
    assert_eq!(store.accounts_to_check(checked(600), 10).await.unwrap(), [(a.id, never.id)], "strictly before");

    store.set_account_status(a.id, never.id, AccountStatus::Connected, "", t).await.unwrap();
    let due = store.accounts_to_check(checked(60), 10).await.unwrap();
    assert_eq!(due, [(a.id, older.id), (b.id, old.id)], "a recorded check leaves the list");
}

pub async fn disconnecting_wipes_the_credentials_and_keeps_the_row(store: Db) {
    let (org, owner) = organization(&store, "Northwind").await;
    let x = client(&store, org.id, "Xylo").await;
    let account = connect(&store, org.id, x.id, &bluesky("did:plc:abc", owner.id), b"sealed").await;
    let gone = store.disconnect_account(org.id, x.id, account.id).await.unwrap();
    assert_eq!((gone.id, gone.status), (account.id, AccountStatus::Disconnected));
    assert_eq!(gone.handle, account.handle, "kept for the history of its posts");
    assert_missing(store.account_credentials(org.id, account.id).await, "credentials", "wiped");
    assert_eq!(store.list_accounts(org.id, x.id).await.unwrap(), std::slice::from_ref(&gone), "still listed");
    let twice = store.disconnect_account(org.id, x.id, account.id).await.unwrap();
    assert_eq!(twice, gone, "disconnecting twice changes nothing");
    assert_eq!(store.accounts_to_check(t0() + minutes(60), 10).await.unwrap(), [], "not checked");
}

pub async fn accounts_are_scoped_to_organization_and_client(store: Db) {
    let (a, a_owner) = organization(&store, "Northwind").await;
    let (b, b_owner) = organization(&store, "Southwind").await;
    let ours = client(&store, a.id, "Ours").await;
    let ours_too = client(&store, a.id, "Ours too").await;
    let theirs = client(&store, b.id, "Theirs").await;
    let account = connect(&store, b.id, theirs.id, &mastodon("1093", b_owner.id), b"theirs").await;
    let t = t0();

    let from_a = "B's account from organization A";
    assert_missing(store.account(a.id, account.id).await, "account", from_a);
    assert_missing(store.list_accounts(a.id, theirs.id).await, "client", from_a);
    assert_missing(store.account_credentials(a.id, account.id).await, "account", from_a);
    assert_missing(
        store.set_account_status(a.id, account.id, AccountStatus::NeedsReconnect, "x", t).await,
        "account",
        from_a,
    );
    assert_missing(store.replace_credentials(a.id, account.id, b"mine").await, "account", from_a);
    assert_missing(store.disconnect_account(a.id, theirs.id, account.id).await, "client", from_a);
    assert_missing(store.disconnect_account(a.id, ours.id, account.id).await, "account", from_a);
    assert_missing(
        store.connect_account(a.id, theirs.id, &mastodon("1093", a_owner.id), b"mine").await,
        "client",
        "connecting to B's client from A",
    );
    assert_missing(
        store.connect_account(a.id, ours.id, &mastodon("1093", b_owner.id), b"mine").await,
        "person",
        "connected by a person of B",
    );

    // Within the organization, the account belongs to its client.
    let mine = connect(&store, a.id, ours.id, &mastodon("1093", a_owner.id), b"mine").await;
    assert_ne!(mine.id, account.id, "the same network account is a row per client");
    assert_missing(store.disconnect_account(a.id, ours_too.id, mine.id).await, "account", "another client's account");
    assert_eq!(store.list_accounts(a.id, ours_too.id).await.unwrap(), [], "another client lists none");

    // Nothing of B's changed.
    let still = store.account(b.id, account.id).await.unwrap();
    assert_eq!(still, account);
    assert_eq!(store.account_credentials(b.id, account.id).await.unwrap(), b"theirs");
}

pub async fn sealed_credentials_are_stored_as_given_and_open_only_for_their_account(store: Db) {
    let (org, owner) = organization(&store, "Northwind").await;
    let x = client(&store, org.id, "Xylo").await;
    let ring = keyring();
    let (toot, sky) = (mastodon("1093", owner.id), bluesky("did:plc:abc", owner.id));
    let toot_blob = chorus_secrets::seal(&ring, &credentials("TOKEN-OF-MASTODON"), &toot.credentials_context(x.id));
    let sky_blob = chorus_secrets::seal(&ring, &credentials("TOKEN-OF-BLUESKY"), &sky.credentials_context(x.id));
    let toot = connect(&store, org.id, x.id, &toot, &toot_blob.unwrap()).await;
    let sky = connect(&store, org.id, x.id, &sky, &sky_blob.unwrap()).await;

    // What the database holds is the sealed text, never the token.
    let stored = store.account_credentials(org.id, toot.id).await.unwrap();
    let text = String::from_utf8_lossy(&stored);
    assert!(text.starts_with(&format!("v1.{}.", ring.current_key_id())), "{text}");
    assert!(!text.contains("TOKEN") && !text.contains("access_token"), "plain text in the database: {text}");
    let opened: Value = chorus_secrets::open(&ring, &stored, &toot.credentials_context()).unwrap();
    assert_eq!(opened, credentials("TOKEN-OF-MASTODON"));

    // Moved into another account's row, it no longer opens: not for that account, nor for the one it was from.
    store.replace_credentials(org.id, sky.id, &stored).await.unwrap();
    let moved = store.account_credentials(org.id, sky.id).await.unwrap();
    let refused = chorus_secrets::open::<Value>(&ring, &moved, &sky.credentials_context()).unwrap_err();
    assert!(matches!(refused, SealError::Secret(SecretError::Undecryptable { .. })), "{refused:?}");

    // The same account of another client is another account too.
    let y = client(&store, org.id, "Yodel").await;
    let elsewhere = connect(&store, org.id, y.id, &mastodon("1093", owner.id), &stored).await;
    let refused = chorus_secrets::open::<Value>(&ring, &stored, &elsewhere.credentials_context()).unwrap_err();
    assert!(matches!(refused, SealError::Secret(SecretError::Undecryptable { .. })), "{refused:?}");
}

/// For the backend tests that read the `credentials` column past the store: connects an account whose
/// credentials hold [`PLAIN_TOKEN`], sealed, and returns the store's view of it with the sealed bytes.
pub async fn account_with_sealed_credentials(store: &Db) -> (Account, Vec<u8>) {
    let (org, owner) = organization(store, "Northwind").await;
    let x = client(store, org.id, "Xylo").await;
    let account = mastodon("1093", owner.id);
    let sealed = chorus_secrets::seal(&keyring(), &credentials(PLAIN_TOKEN), &account.credentials_context(x.id));
    let sealed = sealed.unwrap();
    (connect(store, org.id, x.id, &account, &sealed).await, sealed)
}

/// The access token [`account_with_sealed_credentials`] seals.
pub const PLAIN_TOKEN: &str = "PLAIN-ACCESS-TOKEN-93f1";

/// Checks what the database holds for the account of [`account_with_sealed_credentials`]: exactly the sealed
/// bytes, in which neither the token nor any field name shows, and which open only for that account.
pub fn assert_sealed_at_rest(raw: Option<Vec<u8>>, sealed: &[u8], account: &Account) {
    let raw = raw.expect("the account has credentials in the database");
    assert_eq!(raw, sealed, "the column holds the sealed bytes as given");
    let text = String::from_utf8_lossy(&raw);
    assert!(!text.contains(PLAIN_TOKEN) && !text.contains("access_token"), "plain text at rest: {text}");
    let opened: Value = chorus_secrets::open(&keyring(), &raw, &account.credentials_context()).unwrap();
    assert_eq!(opened, credentials(PLAIN_TOKEN));
}
