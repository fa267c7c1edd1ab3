use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::validation::{Invalid, bounded_text_type};
use crate::{ClientId, OrganizationId, PersonId};

/// An e-mail address, lower-cased so that one person cannot hold two accounts by changing case.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, format = Email, example = "sam@northwind.example")]
pub struct Email(String);

impl Email {
    /// Deliberately simple: one `@`, something on each side, a dot in the domain. Full RFC 5322 parsing
    /// accepts addresses no mail server delivers to; the invitation mail is the real check.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let text = raw.trim().to_lowercase();
        let invalid =
            || Invalid::field("email", format!("'{}' is not an e-mail address such as sam@example.com", raw.trim()));
        if text.len() > 254 || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        match text.split_once('@') {
            Some((local, domain))
                if !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.') =>
            {
                Ok(Self(text))
            }
            _ => Err(invalid()),
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Email {
    type Error = Invalid;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

/// How a person is addressed, 1 to 100 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "Sam Rivera")]
pub struct PersonName(String);

bounded_text_type!(PersonName, field = "name", min = 1, max = 100);

/// A password as typed, before hashing. Its `Debug` never shows it.
#[derive(Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 10;
    /// Argon2 hashes any length, but a megabyte "password" is a denial-of-service attempt, not a secret.
    pub const MAX_BYTES: usize = 1024;

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        if raw.chars().count() < Self::MIN_CHARS {
            return Err(Invalid::field(
                "password",
                format!("must be at least {} characters; a short sentence works well", Self::MIN_CHARS),
            ));
        }
        if raw.len() > Self::MAX_BYTES {
            return Err(Invalid::field("password", format!("must be at most {} bytes", Self::MAX_BYTES)));
        }
        Ok(Self(raw.to_string()))
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(…)")
    }
}

impl TryFrom<String> for Password {
    type Error = Invalid;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

/// What a person may do in the organization. The order is from most to least powerful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including managing other owners and admins.
    Owner,
    /// Everything except managing owners.
    Admin,
    /// Creates and edits the clients they work on; plans and publishes for them.
    Manager,
    /// Writes and schedules content for the clients they work on.
    Editor,
    /// Reads everything they can see; changes nothing.
    Analyst,
    /// A client's own person: sees only that client, approves and comments.
    Client,
}

impl Role {
    pub const ALL: [Role; 6] = [Role::Owner, Role::Admin, Role::Manager, Role::Editor, Role::Analyst, Role::Client];

    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Editor => "editor",
            Role::Analyst => "analyst",
            Role::Client => "client",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Admin => "Admin",
            Role::Manager => "Manager",
            Role::Editor => "Editor",
            Role::Analyst => "Analyst (read-only)",
            Role::Client => "Client user",
        }
    }

    pub fn description(&self) -> &'static str {
        match self {
            Role::Owner => "Everything, including managing other owners.",
            Role::Admin => "Everything except managing owners.",
            Role::Manager => "Creates and edits the clients they work on.",
            Role::Editor => "Writes and schedules content for their clients.",
            Role::Analyst => "Sees their clients' data; changes nothing.",
            Role::Client => "A client's own person; sees only that client.",
        }
    }

    /// Owners and admins always see every client; nobody else does unless granted.
    pub fn sees_every_client(&self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = Invalid;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim()).ok_or_else(|| {
            Invalid::field(
                "role",
                format!("'{s}' is not a role; use one of owner, admin, manager, editor, analyst, client"),
            )
        })
    }
}

/// Which clients a person works on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", content = "client_ids", rename_all = "snake_case")]
pub enum ClientAccess {
    /// Every client of the organization, present and future.
    All,
    /// Only these clients.
    Only(BTreeSet<ClientId>),
}

impl ClientAccess {
    pub fn allows(&self, client: ClientId) -> bool {
        match self {
            ClientAccess::All => true,
            ClientAccess::Only(ids) => ids.contains(&client),
        }
    }
}

/// Someone who signs in to Chorus.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Person {
    pub id: PersonId,
    #[serde(skip)]
    pub organization_id: OrganizationId,
    pub email: Email,
    pub name: PersonName,
    pub role: Role,
    /// The clients this person works on. A client user always has exactly their own client.
    pub client_access: ClientAccess,
    /// Set when the person can no longer sign in; their work stays attributed to them.
    pub deactivated_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl Person {
    pub fn is_active(&self) -> bool {
        self.deactivated_at.is_none()
    }
}

/// Checks that a role and an access list go together: owners and admins see all clients, a client user
/// exactly one.
pub fn check_access(role: Role, access: &ClientAccess) -> Result<(), Invalid> {
    match (role, access) {
        (r, ClientAccess::Only(_)) if r.sees_every_client() => {
            Err(Invalid::field("client_access", format!("{} always see every client", r.label().to_lowercase() + "s")))
        }
        (Role::Client, ClientAccess::Only(ids)) if ids.len() == 1 => Ok(()),
        (Role::Client, _) => Err(Invalid::field("client_access", "a client user belongs to exactly one client")),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_lowercased_and_checked() {
        assert_eq!(Email::parse(" Sam@Example.COM ").map(|e| e.0), Ok("sam@example.com".to_string()));
        for bad in [
            "",
            "sam",
            "sam@",
            "@example.com",
            "sam@example",
            "sam@@example.com",
            "s am@example.com",
            "sam@example.com.",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn passwords_have_bounds_and_hide_in_debug() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse(&"x".repeat(1025)).is_err());
        let p = Password::parse("correct horse battery").ok();
        assert_eq!(format!("{p:?}"), "Some(Password(…))");
    }

    #[test]
    fn role_and_access_must_agree() {
        let one = ClientAccess::Only([ClientId::new()].into_iter().collect());
        assert!(check_access(Role::Client, &one).is_ok());
        assert!(check_access(Role::Client, &ClientAccess::All).is_err());
        assert!(check_access(Role::Admin, &one).is_err());
        assert!(check_access(Role::Editor, &one).is_ok());
        assert!(check_access(Role::Editor, &ClientAccess::All).is_ok());
    }

    #[test]
    fn roles_parse_from_their_names() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().ok(), Some(r));
        }
        assert!("superuser".parse::<Role>().is_err());
    }
}
