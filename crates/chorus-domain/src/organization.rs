use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::OrganizationId;
use crate::validation::bounded_text_type;

/// The name of an agency or team, 1 to 100 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "Northwind Social")]
pub struct OrganizationName(String);

bounded_text_type!(OrganizationName, field = "name", min = 1, max = 100);

/// An agency or in-house team. Every client, person and post belongs to exactly one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Organization {
    pub id: OrganizationId,
    pub name: OrganizationName,
    pub created_at: DateTime<Utc>,
}
