//! The SQLite implementation of Chorus's storage traits: one file next to the binary, nothing to run.
//!
//! Each trait lives in its own module (`organizations`, `clients`, `people`, `auth`, `jobs`, `strategy`, `media`,
//! `posts`); `rows` turns database rows into domain values and `error` turns sqlx errors into [`StoreError`]s.
//!
//! Conventions every module follows:
//! - ids are bound as `Uuid` (16-byte blobs), timestamps as `DateTime<Utc>` (RFC 3339 text, which sorts
//!   in time order because every value is UTC and written the same way);
//! - every query on tenant data filters by `organization_id`, so an id from another organization is simply
//!   not found;
//! - a change that takes several statements runs in `SqliteStore::write_tx`, which takes SQLite's write
//!   lock up front.

mod accounts;
mod asset_requests;
mod auth;
mod clients;
mod error;
mod feeds;
mod jobs;
mod mastodon_apps;
mod media;
mod organizations;
mod people;
mod posts;
mod publications;
mod query;
mod rows;
mod strategy;

use std::any::Any;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chorus_store::{StoreError, StoreResult};
use chrono::{DateTime, SubsecRound, Utc};
use sqlx::migrate::{Migrate, MigrateError, Migrator};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, Transaction};
use tokio::sync::Notify;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// A few connections are plenty: SQLite writes one at a time anyway, and each idle connection costs memory.
const MAX_CONNECTIONS: u32 = 4;
/// Connections beyond the first are closed after this long unused, so an idle Chorus stays small.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a statement waits for another connection's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Chorus's storage in one SQLite file.
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// Named in errors, so "read-only" says which file.
    path: Arc<Path>,
    /// Wakes workers in this process waiting in `wait_for_jobs` when a job is enqueued.
    jobs_enqueued: Arc<Notify>,
    /// Whatever the store must outlive; see [`SqliteStore::holding`].
    _guard: Option<Arc<dyn Any + Send + Sync>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").field("path", &self.path).finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens the database at `path`, creating the file if it does not exist. Does not migrate: call
    /// [`SqliteStore::migrate`] for that.
    pub async fn open(path: &Path) -> StoreResult<Self> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            // WAL lets readers go on while one connection writes; NORMAL sync is safe with WAL (a power cut
            // can lose the last commits, never corrupt the file) and much faster than FULL.
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        Self::connect(path, options).await
    }

    async fn connect(path: &Path, options: SqliteConnectOptions) -> StoreResult<Self> {
        // `connect_with` opens the first connection right away, so a bad path fails here, not at first use.
        let pool = SqlitePoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .min_connections(1)
            .idle_timeout(IDLE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(|e| error::from_sqlx(e, path))?;
        Ok(Self { pool, path: Arc::from(path), jobs_enqueued: Arc::new(Notify::new()), _guard: None })
    }

    /// Brings the schema up to date and returns how many migrations it applied (0 when it already was).
    ///
    /// Fails with [`StoreError::TooNew`] when the database holds a migration this binary does not know,
    /// i.e. a newer Chorus has used it; running old code on a newer schema could lose data.
    pub async fn migrate(&self) -> StoreResult<u32> {
        let mut conn = self.pool.acquire().await.map_err(self.err())?;
        // The migrations table must exist before it can be counted; `run` would create it anyway.
        conn.ensure_migrations_table().await.map_err(|e| self.migrate_err(e))?;
        let before = conn.list_applied_migrations().await.map_err(|e| self.migrate_err(e))?.len();
        MIGRATOR.run(&mut *conn).await.map_err(|e| self.migrate_err(e))?;
        let after = conn.list_applied_migrations().await.map_err(|e| self.migrate_err(e))?.len();
        let applied = after.saturating_sub(before);
        if applied > 0 {
            tracing::info!(applied, path = %self.path.display(), "applied database migrations");
        }
        u32::try_from(applied).map_err(|_| StoreError::Other(format!("{applied} migrations applied")))
    }

    /// Keeps `guard` alive as long as any clone of this store, e.g. the temporary directory a test
    /// database lives in, which would otherwise be deleted under the open database.
    pub fn holding(mut self, guard: impl Any + Send + Sync) -> Self {
        self._guard = Some(Arc::new(guard));
        self
    }

    /// The file this store works on.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Turns a sqlx error into a [`StoreError`] naming this database's file; for `map_err`.
    fn err(&self) -> impl Fn(sqlx::Error) -> StoreError + '_ {
        |e| error::from_sqlx(e, &self.path)
    }

    fn migrate_err(&self, e: MigrateError) -> StoreError {
        match e {
            MigrateError::VersionMissing(version) => StoreError::TooNew(version),
            MigrateError::Execute(e) | MigrateError::ExecuteMigration(e, _) => error::from_sqlx(e, &self.path),
            other => StoreError::Other(other.to_string()),
        }
    }

    /// Starts a transaction that holds SQLite's write lock from its first statement. A deferred
    /// transaction that reads and then writes can fail with "database is locked" without waiting, when
    /// another connection wrote in between; taking the lock first makes it wait its turn instead.
    async fn write_tx(&self) -> StoreResult<Transaction<'static, Sqlite>> {
        self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(self.err())
    }
}

/// The current time at the precision both engines store (PostgreSQL keeps microseconds), so a value
/// returned by a create equals the same value read back later.
fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

#[cfg(test)]
mod tests;
