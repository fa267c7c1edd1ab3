//! The PostgreSQL implementation of the storage traits, for installations that outgrow SQLite or run several
//! `chorus serve` processes against one database.
//!
//! Each trait lives in its own module (`organizations`, `clients`, `people`, `auth`, `jobs`, `strategy`,
//! `posts`); `rows` turns rows back into domain values and `error` turns sqlx errors into [`StoreError`]s.
//! Queries are built at run time (no `query!` macros), so building Chorus never needs a database.

mod accounts;
mod asset_requests;
mod auth;
mod clients;
mod error;
mod feeds;
mod jobs;
mod listener;
mod mastodon_apps;
mod media;
mod organizations;
mod people;
mod posts;
mod publications;
mod rows;
mod strategy;

use std::str::FromStr;
use std::time::Duration;

use chorus_store::{StoreError, StoreResult};
use chrono::{DateTime, SubsecRound, Utc};
use sqlx::Connection;
use sqlx::migrate::{Migrate, MigrateError, Migrator};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};

use crate::error::{connect_error, db_error};
use crate::listener::JobSignal;

/// How long to wait for a connection before calling the database unreachable. Short, so that a wrong URL or
/// a stopped server is reported at start-up instead of after a long hang.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Connections per process. Several `chorus serve` processes may share one server, so this stays modest.
const MAX_CONNECTIONS: u32 = 10;

/// A pool of connections to one PostgreSQL database.
pub struct PgStore {
    pool: PgPool,
    /// `host:port` (or the socket path), for error messages; never contains the password.
    target: String,
    jobs_signal: JobSignal,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").field("target", &self.target).finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/database`).
    ///
    /// One connection is opened straight away so that a wrong address, a stopped server or a wrong password
    /// is reported now, as [`StoreError::Unavailable`], with the cause in one line.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        // The parse error never repeats the URL, so the password cannot leak through it.
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Other(format!("the PostgreSQL URL is not valid: {e}")))?
            .application_name("chorus");
        let target = error::describe_target(&options);

        // The pool retries refused connections silently until its timeout and then reports only "timed
        // out", so the first connection is made by hand to learn the real cause.
        match tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&options)).await {
            Ok(Ok(conn)) => {
                // Closing is a courtesy to the server; failing to close changes nothing for us.
                let _ = sqlx::Connection::close(conn).await;
            }
            Ok(Err(e)) => return Err(connect_error(&target, &e)),
            Err(_) => {
                return Err(StoreError::Unavailable(format!(
                    "cannot connect to PostgreSQL at {target}: no answer within {} s",
                    CONNECT_TIMEOUT.as_secs()
                )));
            }
        }

        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(CONNECT_TIMEOUT)
            .connect_lazy_with(options.clone());
        Ok(Self { pool, jobs_signal: JobSignal::new(options, target.clone()), target })
    }

    /// Brings the schema up to date and returns how many migrations were applied.
    ///
    /// Safe when several processes start at once: the migrations run under a PostgreSQL advisory lock, so
    /// one process applies them and the others find nothing left to do. A database migrated by a newer
    /// Chorus fails with [`StoreError::TooNew`] and is left untouched.
    pub async fn migrate(&self) -> StoreResult<u32> {
        let mut conn = self.pool.acquire().await.map_err(|e| self.unavailable(&e))?;
        // The lock is taken here rather than by sqlx, so that counting what is pending and applying it
        // happen under the same lock and the count is exact even when another process races us.
        conn.lock().await.map_err(|e| self.migrate_error(e))?;
        let result = self.migrate_locked(&mut conn).await;
        match conn.unlock().await {
            Ok(()) => {}
            // A connection still holding the session lock must not go back to the pool, where it would
            // block every later migration; closing it releases the lock.
            Err(_) => {
                let _ = sqlx::Connection::close(conn.detach()).await;
            }
        }
        result
    }

    async fn migrate_locked(&self, conn: &mut PgConnection) -> StoreResult<u32> {
        conn.ensure_migrations_table().await.map_err(|e| self.migrate_error(e))?;
        let applied = conn.list_applied_migrations().await.map_err(|e| self.migrate_error(e))?;
        // The migrations compiled into this binary.
        let mut migrator: Migrator = sqlx::migrate!("./migrations");
        migrator.set_locking(false);
        let pending = migrator
            .iter()
            .filter(|m| !m.migration_type.is_down_migration())
            .filter(|m| !applied.iter().any(|a| a.version == m.version))
            .count();
        migrator.run(&mut *conn).await.map_err(|e| self.migrate_error(e))?;
        if pending > 0 {
            tracing::info!(applied = pending, target = %self.target, "applied database migrations");
        }
        Ok(u32::try_from(pending).unwrap_or(u32::MAX))
    }

    /// Closes every connection, waiting for the ones in use to come back. The store is unusable afterwards.
    pub async fn close(&self) {
        self.jobs_signal.close().await;
        self.pool.close().await;
    }

    /// The underlying pool, for tests and tools that need plain SQL.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    fn unavailable(&self, e: &sqlx::Error) -> StoreError {
        connect_error(&self.target, e)
    }

    fn migrate_error(&self, e: MigrateError) -> StoreError {
        match e {
            MigrateError::VersionMissing(version) => StoreError::TooNew(version),
            MigrateError::Execute(e) => db_error(e),
            MigrateError::ExecuteMigration(e, version) => match db_error(e) {
                unavailable @ StoreError::Unavailable(_) => unavailable,
                other => StoreError::Other(format!("migration {version} failed: {other}")),
            },
            MigrateError::VersionMismatch(version) => StoreError::Corrupt(format!(
                "migration {version} in the database differs from the one this version of Chorus ships"
            )),
            other => StoreError::Other(other.to_string()),
        }
    }
}

/// The current time as PostgreSQL stores it (whole microseconds), so that what a method returns equals what
/// a later read gives back.
fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}
