/// Why a storage call failed, in terms the layers above can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such object in this organization (or at all: the caller cannot tell, on purpose).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A uniqueness rule refused the change; the message names the field.
    #[error("{message}")]
    Conflict { field: &'static str, message: String },
    /// The database could not be reached or refused the connection.
    #[error("the database is unreachable: {0}")]
    Unavailable(String),
    /// The database holds migrations this version of Chorus does not know.
    #[error(
        "the database was migrated by a newer version of Chorus (it has migration {0}, unknown to this one); run that newer version or restore a backup"
    )]
    TooNew(i64),
    /// The database files cannot be written.
    #[error("the database is read-only: {0}")]
    ReadOnly(String),
    /// A stored value no longer parses, e.g. after a manual edit.
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Other(String),
}

pub type StoreResult<T> = Result<T, StoreError>;
