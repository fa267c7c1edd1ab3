//! Opening the database the settings name, and `chorus migrate`.

use std::path::Path;
use std::sync::Arc;

use chorus_store::{Store, StoreError};
use chorus_store_postgres::PgStore;
use chorus_store_sqlite::SqliteStore;

use crate::cli::DatabaseArgs;
use crate::settings::{DatabaseLocation, database_location};

/// Makes sure the data folder exists and can be written, so the failure is reported as a folder problem
/// rather than a puzzling database error later.
pub fn prepare_data_dir(dir: &Path) -> anyhow::Result<()> {
    let shown = dir.display();
    std::fs::create_dir_all(dir).map_err(|e| {
        anyhow::anyhow!(
            "cannot create the data folder {shown} ({e}); create it yourself, fix the permissions of the folder it goes in, or choose another with --data-dir or CHORUS_DATA_DIR"
        )
    })?;
    let probe = dir.join(".chorus-write-test");
    std::fs::write(&probe, b"ok")
        .and_then(|()| std::fs::remove_file(&probe))
        .map_err(|e| anyhow::anyhow!("the data folder {shown} cannot be written ({e}); fix its permissions or choose another with --data-dir or CHORUS_DATA_DIR"))
}

/// Opens and migrates the database. Returns the store and how many migrations were applied.
pub async fn open(location: &DatabaseLocation) -> anyhow::Result<(Arc<dyn Store>, u32)> {
    match location {
        DatabaseLocation::Sqlite(path) => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                prepare_data_dir(parent)?;
            }
            let store = SqliteStore::open(path).await.map_err(|e| explain(e, &path.display().to_string()))?;
            let applied = store.migrate().await.map_err(|e| explain(e, &path.display().to_string()))?;
            Ok((Arc::new(store), applied))
        }
        DatabaseLocation::Postgres(url) => {
            let store = PgStore::connect(url).await.map_err(explain_postgres)?;
            let applied = store.migrate().await.map_err(explain_postgres)?;
            Ok((Arc::new(store), applied))
        }
    }
}

fn explain(error: StoreError, what: &str) -> anyhow::Error {
    match error {
        StoreError::TooNew(_) | StoreError::Unavailable(_) | StoreError::ReadOnly(_) => anyhow::anyhow!("{error}"),
        other => anyhow::anyhow!("cannot open the database {what}: {other}"),
    }
}

/// Like [`explain`], and says where to look when PostgreSQL is out of reach or turns us away.
fn explain_postgres(error: StoreError) -> anyhow::Error {
    match error {
        StoreError::Unavailable(_) => anyhow::anyhow!(
            "{error}; check that PostgreSQL is running there and that --database-url / CHORUS_DATABASE_URL is right"
        ),
        other => explain(other, "PostgreSQL"),
    }
}

pub async fn migrate_command(args: DatabaseArgs) -> anyhow::Result<()> {
    let location = database_location(&args)?;
    let (_, applied) = open(&location).await?;
    match applied {
        0 => println!("The database is up to date."),
        1 => println!("Applied 1 migration; the database is up to date."),
        n => println!("Applied {n} migrations; the database is up to date."),
    }
    Ok(())
}
