//! From sqlx and SQLite errors to [`StoreError`]s the layers above can act on.

use std::path::Path;

use chorus_store::StoreError;
use sqlx::error::DatabaseError;

// SQLite's primary result codes (https://www.sqlite.org/rescode.html); extended codes keep these in their
// low byte.
const SQLITE_BUSY: i32 = 5;
const SQLITE_LOCKED: i32 = 6;
const SQLITE_READONLY: i32 = 8;
const SQLITE_CORRUPT: i32 = 11;
const SQLITE_CANTOPEN: i32 = 14;
const SQLITE_NOTADB: i32 = 26;

/// Converts a sqlx error met while working on the database at `path`.
pub(crate) fn from_sqlx(e: sqlx::Error, path: &Path) -> StoreError {
    match e {
        sqlx::Error::Database(db) => from_database(db.as_ref(), path),
        sqlx::Error::ColumnDecode { index, source } => {
            StoreError::Corrupt(format!("column {index} does not hold what Chorus wrote there: {source}"))
        }
        sqlx::Error::Decode(source) => StoreError::Corrupt(source.to_string()),
        sqlx::Error::Io(io) if io.kind() == std::io::ErrorKind::PermissionDenied => {
            StoreError::ReadOnly(format!("{}: {io}", path.display()))
        }
        sqlx::Error::Io(io) => StoreError::Unavailable(format!("{}: {io}", path.display())),
        e @ (sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed) => {
            StoreError::Unavailable(e.to_string())
        }
        other => StoreError::Other(other.to_string()),
    }
}

fn from_database(db: &dyn DatabaseError, path: &Path) -> StoreError {
    let message = db.message();
    if db.is_unique_violation() {
        return StoreError::Conflict { field: conflicting_field(message), message: conflict_message(message) };
    }
    if db.is_foreign_key_violation() {
        // Callers check that what they refer to exists in the organization first; this is the safety net.
        return StoreError::NotFound("related record");
    }
    let code = db.code().and_then(|c| c.parse::<i32>().ok()).unwrap_or(0);
    match code & 0xff {
        SQLITE_READONLY => read_only(path, message),
        SQLITE_CANTOPEN => cannot_open(path, message),
        SQLITE_BUSY | SQLITE_LOCKED => {
            StoreError::Unavailable(format!("{}: the database stayed busy too long: {message}", path.display()))
        }
        SQLITE_CORRUPT | SQLITE_NOTADB => {
            StoreError::Corrupt(format!("{}: {message}; restore a backup", path.display()))
        }
        // Some read-only situations come back as generic errors with this wording.
        _ if message.contains("readonly database") => read_only(path, message),
        _ => StoreError::Other(message.to_string()),
    }
}

fn read_only(path: &Path, message: &str) -> StoreError {
    StoreError::ReadOnly(format!(
        "{} ({message}); check that Chorus may write to the file and to its directory",
        path.display()
    ))
}

/// SQLite cannot open or create the file. Usually the directory is not writable (SQLite also needs to
/// create the `-wal` and `-shm` files next to the database); a missing directory is a different mistake.
fn cannot_open(path: &Path, message: &str) -> StoreError {
    match path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        Some(dir) if !dir.is_dir() => StoreError::Unavailable(format!(
            "{}: the directory {} does not exist ({message})",
            path.display(),
            dir.display()
        )),
        _ => read_only(path, message),
    }
}

/// The field a unique constraint protects, from SQLite's "UNIQUE constraint failed: people.email".
fn conflicting_field(message: &str) -> &'static str {
    let column = message.rsplit('.').next().unwrap_or_default().trim();
    match column {
        "email" => "email",
        "token_hash" => "token",
        // Only pillars have a unique `name_key` (per client); clients and people use it to sort.
        "name_key" => "name",
        _ => "id",
    }
}

fn conflict_message(message: &str) -> String {
    match conflicting_field(message) {
        "email" => "that e-mail address is already in use".to_string(),
        "token" => "that token already exists; generate a new one".to_string(),
        "name" => "this client already has a pillar of that name".to_string(),
        _ => format!("this already exists ({message})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_violations_name_their_field() {
        assert_eq!(conflicting_field("UNIQUE constraint failed: people.email"), "email");
        assert_eq!(conflicting_field("UNIQUE constraint failed: api_tokens.token_hash"), "token");
        assert_eq!(conflicting_field("UNIQUE constraint failed: clients.id"), "id");
        assert_eq!(conflicting_field("UNIQUE constraint failed: pillars.client_id, pillars.name_key"), "name");
    }
}
