//! What only SQLite has: the file, its pragmas and how its failures are reported. Behaviour shared with
//! PostgreSQL is tested by the storage suite in `chorus-testkit`.

use chorus_domain::{ClientAccess, ClientId, Email, OrganizationName, PersonName, Role};
use chorus_store::{ClientStore, NewPerson, OrganizationStore, StoreError};
use sqlx::sqlite::SqliteConnectOptions;

use super::*;

async fn migrated(path: &Path) -> SqliteStore {
    let store = SqliteStore::open(path).await.unwrap();
    store.migrate().await.unwrap();
    store
}

fn owner() -> NewPerson {
    NewPerson {
        email: Email::parse("owner@example.com").unwrap(),
        name: PersonName::parse("Owner").unwrap(),
        role: Role::Owner,
        client_access: ClientAccess::All,
        password_hash: None,
    }
}

#[tokio::test]
async fn open_creates_the_file_in_wal_mode_and_migrates_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chorus.db");
    let store = SqliteStore::open(&path).await.unwrap();
    assert!(path.exists());
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&store.pool).await.unwrap();
    assert_eq!(mode, "wal");
    let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(&store.pool).await.unwrap();
    assert_eq!(foreign_keys, 1);
    assert_eq!(store.migrate().await.unwrap(), MIGRATOR.iter().count() as u32);
    assert_eq!(store.migrate().await.unwrap(), 0);
}

#[tokio::test]
async fn writing_a_read_only_database_is_reported_as_read_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chorus.db");
    migrated(&path).await.pool.close().await;
    // Tests may run as root, who may write any file; opening read-only gives SQLite's own refusal instead.
    let options = SqliteConnectOptions::new().filename(&path).read_only(true);
    let store = SqliteStore::connect(&path, options).await.unwrap();
    let name = OrganizationName::parse("Acme").unwrap();
    match store.create_organization(&name, owner()).await {
        Err(StoreError::ReadOnly(message)) => assert!(message.contains("chorus.db"), "{message}"),
        other => panic!("expected ReadOnly, got {other:?}"),
    }
}

#[tokio::test]
async fn a_missing_directory_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-dir").join("chorus.db");
    match SqliteStore::open(&path).await {
        Err(StoreError::Unavailable(message)) => assert!(message.contains("does not exist"), "{message}"),
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn a_hand_edited_value_is_corrupt_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let store = migrated(&dir.path().join("chorus.db")).await;
    let (org, _) = store.create_organization(&OrganizationName::parse("Acme").unwrap(), owner()).await.unwrap();
    let client = chorus_domain::NewClient {
        name: chorus_domain::ClientName::parse("Bakery").unwrap(),
        time_zone: chorus_domain::TimeZone::UTC,
        office_hours: Default::default(),
        brand_notes: Default::default(),
    };
    let client = store.create_client(org.id, client, None).await.unwrap();
    sqlx::query("UPDATE clients SET time_zone = 'Mars/Olympus' WHERE id = ?")
        .bind(client.id.as_uuid())
        .execute(&store.pool)
        .await
        .unwrap();
    match store.client(org.id, client.id).await {
        Err(StoreError::Corrupt(message)) => assert!(message.contains(&client.id.to_string()), "{message}"),
        other => panic!("expected Corrupt, got {other:?}"),
    }
    sqlx::query("UPDATE clients SET created_at = 'yesterday' WHERE id = ?")
        .bind(client.id.as_uuid())
        .execute(&store.pool)
        .await
        .unwrap();
    assert!(matches!(store.client(org.id, client.id).await, Err(StoreError::Corrupt(_))));
    assert!(matches!(store.client(org.id, ClientId::new()).await, Err(StoreError::NotFound("client"))));
}
