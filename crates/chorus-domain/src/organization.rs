use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::OrganizationId;
use crate::validation::{Invalid, bounded_text};

/// The name of an agency or team, 1 to 100 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "Northwind Social")]
pub struct OrganizationName(String);

impl OrganizationName {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        bounded_text("name", raw, 1, 100).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for OrganizationName {
    type Error = Invalid;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<OrganizationName> for String {
    fn from(value: OrganizationName) -> Self {
        value.0
    }
}

/// An agency or in-house team. Every client, person and post belongs to exactly one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Organization {
    pub id: OrganizationId,
    pub name: OrganizationName,
    pub created_at: DateTime<Utc>,
}

impl std::fmt::Display for OrganizationName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
