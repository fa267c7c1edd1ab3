//! Asset requests: a secret link a client is sent to upload photos and files into its media library without an
//! account. The manager says what is needed, for how long the link works and how many files it takes; the
//! client opens the link, types their name and sends the files.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::validation::{Checker, Invalid, bounded_text, bounded_text_type};
use crate::{AssetId, AssetRequestId, ClientId, OrganizationId, PersonId};

/// The longest message a request may carry: room for a brief, not for a contract.
pub const MAX_MESSAGE: usize = 2000;
/// A link works for a week unless the manager picks otherwise.
pub const DEFAULT_EXPIRY_DAYS: u32 = 7;
/// A link that works for months is a link nobody remembers sending.
pub const MAX_EXPIRY_DAYS: u32 = 90;
/// Files a link takes unless the manager picks otherwise.
pub const DEFAULT_MAX_FILES: u32 = 50;
/// The most files one link may ever take: every link has a cap, so a leaked one cannot fill the disk.
pub const MAX_FILES: u32 = 500;
/// The longest folder name.
pub const MAX_FOLDER: usize = 100;
/// The longest note an uploader may leave.
pub const MAX_NOTE: usize = 1000;

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssetRequestStatus {
    /// The link takes files.
    Open,
    /// Its time ran out.
    Expired,
    /// Someone withdrew it.
    Revoked,
    /// It has taken as many files as it was meant to.
    Full,
}

impl AssetRequestStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            AssetRequestStatus::Open => "open",
            AssetRequestStatus::Expired => "expired",
            AssetRequestStatus::Revoked => "revoked",
            AssetRequestStatus::Full => "full",
        }
    }

    /// The status as the manager reads it in a list.
    pub fn label(&self) -> &'static str {
        match self {
            AssetRequestStatus::Open => "Open",
            AssetRequestStatus::Expired => "Expired",
            AssetRequestStatus::Revoked => "Revoked",
            AssetRequestStatus::Full => "Full",
        }
    }
}

/// A request for files, as the manager sees it. The link's secret is not here: only its SHA-256 is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AssetRequest {
    pub id: AssetRequestId,
    #[serde(skip)]
    pub organization_id: OrganizationId,
    pub client_id: ClientId,
    /// What is needed, as the client reads it, e.g. "Photos of the new spring menu, landscape, by Friday".
    pub message: String,
    /// The library folder uploads are meant for, if one was chosen.
    pub folder: Option<String>,
    /// The most files the link takes.
    pub max_files: u32,
    /// Files received through the link so far, including any deleted from the library since.
    pub files_received: u32,
    /// Who sent it; uploads are recorded as added by them, and stop being accepted if they lose access.
    pub created_by: PersonId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl AssetRequest {
    /// Where the request stands at `now`. Revoked wins over everything: it is what the manager did last.
    pub fn status(&self, now: DateTime<Utc>) -> AssetRequestStatus {
        if self.revoked_at.is_some() {
            AssetRequestStatus::Revoked
        } else if self.expires_at <= now {
            AssetRequestStatus::Expired
        } else if self.files_received >= self.max_files {
            AssetRequestStatus::Full
        } else {
            AssetRequestStatus::Open
        }
    }

    /// Files the link still takes.
    pub fn files_left(&self) -> u32 {
        self.max_files.saturating_sub(self.files_received)
    }
}

/// What the manager chooses when sending a request.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, utoipa::ToSchema)]
pub struct AssetRequestFields {
    /// What is needed, 1 to 2,000 characters.
    pub message: String,
    /// Days the link works, 1 to 90 (default 7).
    pub expires_in_days: Option<u32>,
    /// The library folder the uploads are meant for; empty for none.
    pub folder: Option<String>,
    /// The most files the link takes, 1 to 500 (default 50).
    pub max_files: Option<u32>,
}

/// [`AssetRequestFields`] once checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedRequest {
    pub message: String,
    pub folder: Option<String>,
    pub max_files: u32,
    pub expires_at: DateTime<Utc>,
}

impl AssetRequestFields {
    /// Checks every field at once, naming each one that is wrong; the link expires counted from `now`.
    pub fn check(&self, now: DateTime<Utc>) -> Result<CheckedRequest, Invalid> {
        let mut check = Checker::default();
        let message = check.check(bounded_text("message", &self.message, 1, MAX_MESSAGE));
        let folder = check.check(bounded_text("folder", self.folder.as_deref().unwrap_or_default(), 0, MAX_FOLDER));
        if folder.as_deref().is_some_and(|f| f.contains('\n') || f.contains('\r') || f.contains('\t')) {
            check.fail(Invalid::field("folder", "must be on one line"));
        }
        let days = self.expires_in_days.unwrap_or(DEFAULT_EXPIRY_DAYS);
        if !(1..=MAX_EXPIRY_DAYS).contains(&days) {
            check.fail(Invalid::field("expires_in_days", format!("must be between 1 and {MAX_EXPIRY_DAYS} days")));
        }
        let max_files = self.max_files.unwrap_or(DEFAULT_MAX_FILES);
        if !(1..=MAX_FILES).contains(&max_files) {
            check.fail(Invalid::field("max_files", format!("must be between 1 and {MAX_FILES} files")));
        }
        check.finish()?;
        Ok(CheckedRequest {
            message: message.unwrap_or_default(),
            folder: folder.filter(|f| !f.is_empty()),
            max_files,
            expires_at: now + Duration::days(i64::from(days)),
        })
    }
}

/// The name an uploader types on the public page, 1 to 100 characters: the manager's only clue to who sent what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "Sam from the kitchen")]
pub struct UploaderName(String);

bounded_text_type!(UploaderName, field = "name", min = 1, max = 100);

/// A note an uploader may leave with their files, at most [`MAX_NOTE`] characters.
pub fn parse_note(raw: &str) -> Result<String, Invalid> {
    bounded_text("note", raw, 0, MAX_NOTE)
}

/// One file that came in through a request: which asset it became and who sent it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AssetRequestUpload {
    pub asset_id: AssetId,
    pub request_id: AssetRequestId,
    /// The name the uploader typed.
    pub uploader_name: UploaderName,
    /// Their note, empty when they left none.
    pub note: String,
    pub uploaded_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-22T12:00:00Z").map(|t| t.with_timezone(&Utc)).unwrap()
    }

    fn fields(message: &str) -> AssetRequestFields {
        AssetRequestFields { message: message.into(), ..Default::default() }
    }

    #[test]
    fn a_request_defaults_to_a_week_and_fifty_files() {
        let checked = fields("  Photos of the spring menu  ").check(now()).unwrap();
        assert_eq!(checked.message, "Photos of the spring menu");
        assert_eq!(checked.expires_at, now() + Duration::days(7));
        assert_eq!((checked.max_files, checked.folder), (DEFAULT_MAX_FILES, None));
    }

    #[test]
    fn every_wrong_field_is_named() {
        let wrong = AssetRequestFields {
            message: " ".into(),
            expires_in_days: Some(91),
            folder: Some("x".repeat(MAX_FOLDER + 1)),
            max_files: Some(0),
        };
        let errors = wrong.check(now()).unwrap_err().errors;
        let named: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(named, ["message", "folder", "expires_in_days", "max_files"]);
        assert!(AssetRequestFields { expires_in_days: Some(0), ..fields("a") }.check(now()).is_err());
        assert!(AssetRequestFields { expires_in_days: Some(90), ..fields("a") }.check(now()).is_ok());
        assert!(AssetRequestFields { max_files: Some(MAX_FILES + 1), ..fields("a") }.check(now()).is_err());
        assert!(AssetRequestFields { folder: Some("a\nb".into()), ..fields("a") }.check(now()).is_err());
        let blank_folder = AssetRequestFields { folder: Some("  ".into()), ..fields("a") }.check(now()).unwrap();
        assert_eq!(blank_folder.folder, None);
    }

    #[test]
    fn status_follows_revocation_expiry_and_the_cap() {
        let mut request = AssetRequest {
            id: AssetRequestId::new(),
            organization_id: OrganizationId::new(),
            client_id: ClientId::new(),
            message: "Photos".into(),
            folder: None,
            max_files: 2,
            files_received: 1,
            created_by: PersonId::new(),
            created_at: now(),
            expires_at: now() + Duration::days(1),
            revoked_at: None,
        };
        assert_eq!(request.status(now()), AssetRequestStatus::Open);
        assert_eq!(request.files_left(), 1);
        assert_eq!(request.status(now() + Duration::days(1)), AssetRequestStatus::Expired, "expiry is exclusive");
        request.files_received = 2;
        assert_eq!(request.status(now()), AssetRequestStatus::Full);
        request.revoked_at = Some(now());
        assert_eq!(request.status(now() + Duration::days(2)), AssetRequestStatus::Revoked);
    }

    #[test]
    fn uploaders_name_themselves() {
        assert!(UploaderName::parse("  ").is_err());
        assert_eq!(UploaderName::parse(" Sam ").unwrap().as_str(), "Sam");
        assert!(UploaderName::parse(&"x".repeat(101)).is_err());
        assert!(parse_note("").is_ok());
        assert!(parse_note(&"x".repeat(MAX_NOTE + 1)).is_err());
    }
}
