use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::validation::{Invalid, bounded_text_type};
use crate::{ClientId, OfficeHours, OrganizationId};

/// A client's display name, 1 to 100 characters, trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "Blue Bottle Bakery")]
pub struct ClientName(String);

bounded_text_type!(ClientName, field = "name", min = 1, max = 100);

/// Free-form notes on the brand's voice and do's and don'ts, up to 10,000 characters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "Warm, never snarky. Always say 'sourdough', not 'bread'.")]
pub struct BrandNotes(String);

bounded_text_type!(BrandNotes, field = "brand_notes", min = 0, max = 10_000);

/// An IANA time zone such as `Europe/Berlin`; a client's calendar, queues and office hours live in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "Europe/Berlin")]
pub struct TimeZone(chrono_tz::Tz);

impl TimeZone {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        raw.trim().parse::<chrono_tz::Tz>().map(Self).map_err(|_| {
            Invalid::field(
                "time_zone",
                format!("'{}' is not an IANA time zone name such as Europe/Berlin or America/New_York", raw.trim()),
            )
        })
    }
    pub fn tz(&self) -> chrono_tz::Tz {
        self.0
    }
    pub fn name(&self) -> &'static str {
        self.0.name()
    }
    pub const UTC: TimeZone = TimeZone(chrono_tz::UTC);
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.name())
    }
}

impl FromStr for TimeZone {
    type Err = Invalid;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for TimeZone {
    type Error = Invalid;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<TimeZone> for String {
    fn from(value: TimeZone) -> Self {
        value.0.name().to_string()
    }
}

/// A brand the organization manages: its own time zone, office hours and voice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Client {
    pub id: ClientId,
    #[serde(skip)]
    pub organization_id: OrganizationId,
    pub name: ClientName,
    pub time_zone: TimeZone,
    pub office_hours: OfficeHours,
    pub brand_notes: BrandNotes,
    /// When the client was archived; archived clients keep their data but leave the everyday lists.
    pub archived_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Client {
    pub fn is_archived(&self) -> bool {
        self.archived_at.is_some()
    }
}

/// What is needed to create a client.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
pub struct NewClient {
    pub name: ClientName,
    pub time_zone: TimeZone,
    #[serde(default)]
    pub office_hours: OfficeHours,
    #[serde(default)]
    pub brand_notes: BrandNotes,
}

/// A partial update of a client: fields left out stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
pub struct ClientChanges {
    pub name: Option<ClientName>,
    pub time_zone: Option<TimeZone>,
    pub office_hours: Option<OfficeHours>,
    pub brand_notes: Option<BrandNotes>,
}

impl ClientChanges {
    pub fn apply(self, client: &mut Client) {
        if let Some(v) = self.name {
            client.name = v;
        }
        if let Some(v) = self.time_zone {
            client.time_zone = v;
        }
        if let Some(v) = self.office_hours {
            client.office_hours = v;
        }
        if let Some(v) = self.brand_notes {
            client.brand_notes = v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(ClientName::parse("  Acme  ").map(|n| n.0), Ok("Acme".to_string()));
        assert!(ClientName::parse("   ").is_err());
        assert!(ClientName::parse(&"é".repeat(100)).is_ok());
        let err = ClientName::parse(&"é".repeat(101)).err().map(|e| e.errors[0].message.clone());
        assert_eq!(err.as_deref(), Some("must be at most 100 characters (it has 101)"));
    }

    #[test]
    fn time_zones_must_be_iana_names() {
        assert_eq!(TimeZone::parse("Europe/Berlin").map(|z| z.name()), Ok("Europe/Berlin"));
        let err = TimeZone::parse("Mars/Olympus").err().map(|e| e.errors[0].field.clone());
        assert_eq!(err.as_deref(), Some("time_zone"));
    }

    #[test]
    fn json_with_a_bad_time_zone_is_refused_naming_the_value() {
        let raw = r#"{"name":"Acme","time_zone":"Berlin"}"#;
        let err = serde_json::from_str::<NewClient>(raw).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("'Berlin' is not an IANA time zone"), "{err}");
    }
}
