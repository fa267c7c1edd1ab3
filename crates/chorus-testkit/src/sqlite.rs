//! A fresh SQLite database for each test: a migrated file in a temporary directory that is deleted when the
//! store is dropped.

use std::path::Path;
use std::sync::Arc;

use chorus_store::Store;
use chorus_store_sqlite::SqliteStore;
use sqlx::Connection as _;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};

use crate::storage_suite::FUTURE_MIGRATION;

/// An empty, migrated store of its own, for the storage suite and anything else that takes `dyn Store`.
pub async fn fresh_store() -> Arc<dyn Store> {
    Arc::new(fresh_sqlite_store().await)
}

/// Like [`fresh_store`], keeping the concrete type for SQLite-only tests (its file is `store.path()`).
pub async fn fresh_sqlite_store() -> SqliteStore {
    let dir = tempfile::tempdir().expect("cannot create a temporary directory");
    let store = SqliteStore::open(&dir.path().join("chorus.db")).await.expect("cannot open a SQLite database");
    store.migrate().await.expect("cannot migrate a fresh SQLite database");
    // The directory must live as long as the store, or the database would be deleted under it.
    store.holding(dir)
}

/// Records [`FUTURE_MIGRATION`] as applied, as a newer Chorus would have left the database.
pub async fn add_future_migration(path: &Path) {
    let mut conn = SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(path))
        .await
        .expect("cannot open the SQLite database");
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (?, 'from a newer Chorus', TRUE, x'00', 0)",
    )
    .bind(FUTURE_MIGRATION)
    .execute(&mut conn)
    .await
    .expect("cannot record a future migration");
    conn.close().await.expect("cannot close the SQLite database");
}

/// The `credentials` column of an account exactly as the database file holds it, read past the store, so a
/// test can tell what is at rest. `None` when the column is empty or there is no such account.
pub async fn raw_account_credentials(path: &Path, account: chorus_domain::AccountId) -> Option<Vec<u8>> {
    let mut conn = SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(path))
        .await
        .expect("cannot open the SQLite database");
    let raw: Option<Option<Vec<u8>>> = sqlx::query_scalar("SELECT credentials FROM accounts WHERE id = ?")
        .bind(account.as_uuid())
        .fetch_optional(&mut conn)
        .await
        .expect("cannot read an account's credentials");
    conn.close().await.expect("cannot close the SQLite database");
    raw.flatten()
}
