//! Turning sqlx errors into [`StoreError`]s that the layers above can act on and people can read.
//!
//! Messages stay on one line (they end up in logs and on `/readyz`) and never contain the connection URL,
//! which may hold a password.

use chorus_store::StoreError;
use sqlx::error::{DatabaseError, ErrorKind};
use sqlx::postgres::PgConnectOptions;

/// Where the database is, for messages: `host:port`, or the socket path for a Unix-socket connection.
pub(crate) fn describe_target(options: &PgConnectOptions) -> String {
    match options.get_socket() {
        Some(dir) => format!("{}/.s.PGSQL.{}", dir.display(), options.get_port()),
        None => format!("{}:{}", options.get_host(), options.get_port()),
    }
}

/// A failure to reach or sign in to the server: always [`StoreError::Unavailable`], naming the server.
pub(crate) fn connect_error(target: &str, error: &sqlx::Error) -> StoreError {
    StoreError::Unavailable(format!("cannot connect to PostgreSQL at {target}: {}", cause(error)))
}

/// Any other failure of a query.
pub(crate) fn db_error(error: sqlx::Error) -> StoreError {
    match &error {
        sqlx::Error::Database(db) => database_error(db.as_ref()),
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => {
            StoreError::Unavailable(format!("lost the connection to PostgreSQL: {}", cause(&error)))
        }
        sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => StoreError::Corrupt(one_line(&error.to_string())),
        _ => StoreError::Other(one_line(&error.to_string())),
    }
}

/// Like [`db_error`], but a taken e-mail address becomes a conflict that says whose address it is.
pub(crate) fn email_taken(email: &chorus_domain::Email) -> impl FnOnce(sqlx::Error) -> StoreError + '_ {
    move |error| match &error {
        sqlx::Error::Database(db) if db.constraint() == Some("people_email_key") => {
            StoreError::Conflict { field: "email", message: format!("someone already uses {email}") }
        }
        _ => db_error(error),
    }
}

/// Like [`db_error`], but a pillar name the client already uses becomes a conflict that names it.
pub(crate) fn pillar_name_taken(name: &chorus_domain::PillarName) -> impl FnOnce(sqlx::Error) -> StoreError + '_ {
    move |error| match &error {
        sqlx::Error::Database(db) if db.constraint() == Some(PILLAR_NAME_KEY) => StoreError::Conflict {
            field: "name",
            message: format!("this client already has a pillar called “{name}”"),
        },
        _ => db_error(error),
    }
}

/// The unique constraint on a client's pillar names (`UNIQUE (client_id, name_key)`), as PostgreSQL names it.
const PILLAR_NAME_KEY: &str = "pillars_client_id_name_key_key";

fn database_error(db: &dyn DatabaseError) -> StoreError {
    let message = one_line(db.message());
    match db.kind() {
        ErrorKind::UniqueViolation => conflict(db.constraint()),
        // The only foreign keys a caller can trip are the ones naming something that does not exist (or
        // belongs to another organization, which the caller must not learn about either).
        ErrorKind::ForeignKeyViolation => StoreError::NotFound(referenced(db.constraint())),
        _ => match db.code().as_deref().unwrap_or_default() {
            // Connection exceptions, shutdown, "starting up", too many connections: the server is not
            // available to us right now.
            code if code.starts_with("08") || code.starts_with("57P") || code == "53300" => {
                StoreError::Unavailable(message)
            }
            // Authentication and authorization failures at connect time.
            code if code.starts_with("28") => StoreError::Unavailable(message),
            // A hot standby (or `default_transaction_read_only`) refuses writes.
            "25006" => StoreError::ReadOnly(message),
            _ => StoreError::Other(message),
        },
    }
}

/// A unique index refused a row that most call sites never expect to clash; named by its index.
fn conflict(constraint: Option<&str>) -> StoreError {
    let (field, message) = match constraint {
        Some("people_email_key") => ("email", "someone already uses this e-mail address"),
        Some("sessions_pkey" | "api_tokens_token_hash_key" | "invitations_token_hash_key") => {
            ("token", "this token is already in use")
        }
        Some(PILLAR_NAME_KEY) => ("name", "this client already has a pillar of that name"),
        _ => ("id", "this already exists"),
    };
    StoreError::Conflict { field, message: message.to_string() }
}

/// What a foreign key points at, from its name (PostgreSQL names them `<table>_<column>_fkey`).
fn referenced(constraint: Option<&str>) -> &'static str {
    let constraint = constraint.unwrap_or_default();
    if constraint.ends_with("client_id_fkey") {
        "client"
    } else if constraint.ends_with("person_id_fkey") || constraint.ends_with("invited_by_fkey") {
        "person"
    } else if constraint.ends_with("organization_id_fkey") {
        "organization"
    } else {
        "referenced row"
    }
}

/// The cause of a connection failure, short and without the URL.
fn cause(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Io(e) => match e.kind() {
            std::io::ErrorKind::ConnectionRefused => "connection refused".to_string(),
            std::io::ErrorKind::TimedOut => "timed out".to_string(),
            std::io::ErrorKind::ConnectionReset => "connection reset by the server".to_string(),
            std::io::ErrorKind::UnexpectedEof => "the server closed the connection".to_string(),
            // DNS failures arrive here as "failed to lookup address information: …".
            _ => without_os_error(&e.to_string()),
        },
        sqlx::Error::PoolTimedOut => "no connection became available in time".to_string(),
        sqlx::Error::PoolClosed => "the connection pool is closed".to_string(),
        sqlx::Error::Database(db) => one_line(db.message()),
        sqlx::Error::Tls(e) => format!("TLS failed: {}", one_line(&e.to_string())),
        other => one_line(&other.to_string()),
    }
}

/// "Connection refused (os error 111)" reads better without the number.
fn without_os_error(text: &str) -> String {
    let text = match text.rfind(" (os error ") {
        Some(at) if text.ends_with(')') => &text[..at],
        _ => text,
    };
    one_line(text)
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    #[test]
    fn targets_never_show_the_password() {
        let options = PgConnectOptions::from_str("postgres://chorus:hunter2@db.example:6432/chorus").ok();
        let target = options.as_ref().map(describe_target);
        assert_eq!(target.as_deref(), Some("db.example:6432"));
    }

    #[test]
    fn io_causes_are_short() {
        let refused = sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        let StoreError::Unavailable(message) = connect_error("127.0.0.1:5999", &refused) else {
            panic!("not unavailable");
        };
        assert_eq!(message, "cannot connect to PostgreSQL at 127.0.0.1:5999: connection refused");
        assert_eq!(without_os_error("Name or service not known (os error -2)"), "Name or service not known");
    }
}
