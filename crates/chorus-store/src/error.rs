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

impl StoreError {
    /// The refusal to save a post from a revision someone else has saved over.
    pub fn revision_taken(now: u32) -> StoreError {
        StoreError::Conflict {
            field: "revision",
            message: format!(
                "someone else saved this post since you opened it (now revision {now}); reload to see their changes"
            ),
        }
    }

    /// The refusal to delete files that posts carry: how many posts, the first few by title. Both backends say
    /// it alike, because the pages show it as it is.
    pub fn assets_in_use(titles: &[String]) -> StoreError {
        let n = titles.len();
        let named: Vec<String> = titles
            .iter()
            .take(3)
            .map(|t| if t.trim().is_empty() { "an untitled post".to_string() } else { format!("“{t}”") })
            .collect();
        let more = if n > 3 { format!(" and {} more", n - 3) } else { String::new() };
        let posts = if n == 1 { "1 post".to_string() } else { format!("{n} posts") };
        StoreError::Conflict {
            field: "asset",
            message: format!("used by {posts} ({}{more}); take it out of them first", named.join(", ")),
        }
    }
}
