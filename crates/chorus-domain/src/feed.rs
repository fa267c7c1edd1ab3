//! RSS and Atom feeds a client's drafts are made from: each new article of a feed becomes a draft post for the
//! feed's networks, its text made from the feed's template.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::validation::{FieldError, Invalid};
use crate::{ClientId, FeedId, Network, OrganizationId, PersonId, PillarId};

/// Failed checks in a row after which a feed is paused, so a dead feed stops being fetched.
pub const MAX_CONSECUTIVE_FAILURES: u32 = 5;
/// The template a new feed starts with.
pub const DEFAULT_TEMPLATE: &str = "{title} {link}";
pub const DEFAULT_CHECK_INTERVAL_MINUTES: u32 = 60;
/// How many of the newest articles the first check turns into drafts; the older ones are only marked seen, so
/// adding a feed does not flood the drafts with its back catalogue.
pub const DEFAULT_FIRST_ITEMS: u32 = 5;
pub const MIN_CHECK_INTERVAL_MINUTES: u32 = 15;
pub const MAX_CHECK_INTERVAL_MINUTES: u32 = 7 * 24 * 60;
pub const MAX_FIRST_ITEMS: u32 = 50;
const MAX_NAME: usize = 100;
const MAX_URL: usize = 2000;
const MAX_TEMPLATE: usize = 2000;

/// A feed the client's drafts come from, with what its last check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Feed {
    pub id: FeedId,
    #[serde(skip)]
    pub organization_id: OrganizationId,
    pub client_id: ClientId,
    pub name: String,
    pub url: String,
    /// The networks each draft gets a variant for.
    #[schema(value_type = Vec<String>, example = json!(["linkedin", "bluesky"]))]
    pub networks: Vec<Network>,
    pub pillar_id: Option<PillarId>,
    /// The draft's text: `{title}`, `{link}` and `{summary}` are replaced by the article's.
    pub template: String,
    pub check_interval_minutes: u32,
    /// How many of the newest articles the first check makes drafts of.
    pub first_items: u32,
    /// A paused feed is not checked on its own (checking it now still works).
    pub paused: bool,
    /// Why it is paused, when Chorus paused it; empty when a person did.
    pub pause_reason: String,
    /// Failed checks in a row; at [`MAX_CONSECUTIVE_FAILURES`] the feed is paused.
    pub consecutive_failures: u32,
    pub last_checked_at: Option<DateTime<Utc>>,
    /// What the last check did, in words: "3 new drafts", or what went wrong.
    pub last_result: String,
    /// Whether the last check failed.
    pub last_failed: bool,
    pub next_check_at: DateTime<Utc>,
    pub created_by: PersonId,
    pub created_at: DateTime<Utc>,
}

/// What a person sets on a feed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
pub struct FeedFields {
    pub name: String,
    /// The feed's address (RSS 0.9, 1.0 or 2.0, Atom, or JSON Feed), http or https.
    pub url: String,
    #[schema(value_type = Vec<String>, example = json!(["linkedin", "bluesky"]))]
    pub networks: Vec<Network>,
    #[serde(default)]
    pub pillar_id: Option<PillarId>,
    #[serde(default = "default_template")]
    pub template: String,
    #[serde(default = "default_interval")]
    pub check_interval_minutes: u32,
    #[serde(default = "default_first_items")]
    pub first_items: u32,
}

fn default_template() -> String {
    DEFAULT_TEMPLATE.to_string()
}
fn default_interval() -> u32 {
    DEFAULT_CHECK_INTERVAL_MINUTES
}
fn default_first_items() -> u32 {
    DEFAULT_FIRST_ITEMS
}

impl FeedFields {
    /// Trims the texts and checks every field, reporting all problems at once. The URL's safety to fetch is
    /// the fetcher's to judge; here it only has to look like a web address.
    pub fn check(mut self) -> Result<Self, Invalid> {
        self.name = self.name.trim().to_string();
        self.url = self.url.trim().to_string();
        self.template = self.template.trim().to_string();
        let mut errors = Vec::new();
        let mut fail = |field: &str, message: String| errors.push(FieldError { field: field.into(), message });
        let chars = |s: &str| s.chars().count();
        if self.name.is_empty() {
            fail("name", "give the feed a name, e.g. the blog's".into());
        } else if chars(&self.name) > MAX_NAME {
            fail("name", format!("at most {MAX_NAME} characters"));
        }
        if self.url.is_empty() {
            fail("url", "give the feed's address, e.g. https://example.com/feed.xml".into());
        } else if chars(&self.url) > MAX_URL {
            fail("url", format!("at most {MAX_URL} characters"));
        } else if !(self.url.starts_with("http://") || self.url.starts_with("https://")) {
            fail("url", "the address must start with http:// or https://".into());
        }
        self.networks.dedup();
        if self.networks.is_empty() {
            fail("networks", "choose at least one network for the drafts".into());
        }
        if self.template.is_empty() {
            fail("template", format!("write the drafts' text, e.g. {DEFAULT_TEMPLATE}"));
        } else if chars(&self.template) > MAX_TEMPLATE {
            fail("template", format!("at most {MAX_TEMPLATE} characters"));
        } else if !self.template.contains("{title}") && !self.template.contains("{link}") {
            fail("template", "use {title} or {link} (or both), or every draft would read the same".into());
        }
        if !(MIN_CHECK_INTERVAL_MINUTES..=MAX_CHECK_INTERVAL_MINUTES).contains(&self.check_interval_minutes) {
            fail(
                "check_interval_minutes",
                format!(
                    "check every {MIN_CHECK_INTERVAL_MINUTES} minutes at the most often and once a week at the least \
                     ({MIN_CHECK_INTERVAL_MINUTES} to {MAX_CHECK_INTERVAL_MINUTES} minutes)"
                ),
            );
        }
        if self.first_items > MAX_FIRST_ITEMS {
            fail("first_items", format!("at most {MAX_FIRST_ITEMS} articles on the first check"));
        }
        if errors.is_empty() { Ok(self) } else { Err(Invalid { errors }) }
    }

    pub fn interval(&self) -> TimeDelta {
        TimeDelta::minutes(i64::from(self.check_interval_minutes))
    }
}

impl Feed {
    pub fn interval(&self) -> TimeDelta {
        TimeDelta::minutes(i64::from(self.check_interval_minutes))
    }

    /// The draft text for an article: the template with its placeholders filled.
    pub fn draft_text(&self, title: &str, link: &str, summary: &str) -> String {
        self.template
            .replace("{title}", title.trim())
            .replace("{link}", link.trim())
            .replace("{summary}", summary.trim())
    }
}

/// The outcome of one check, to record on the feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedCheck {
    pub at: DateTime<Utc>,
    pub failed: bool,
    pub result: String,
}

/// An article of a feed that has been seen, so it never makes a second draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FeedItem {
    /// What identifies it: the item's guid or id, else its link, else a hash of its title and date.
    pub key: String,
    pub title: String,
    pub link: String,
    pub published_at: Option<DateTime<Utc>>,
    pub seen_at: DateTime<Utc>,
    /// Whether a draft was made of it (the first check makes drafts of the newest items only).
    pub drafted: bool,
}

/// An article found in a feed, to record as seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFeedItem {
    pub key: String,
    pub title: String,
    pub link: String,
    pub published_at: Option<DateTime<Utc>>,
    pub drafted: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> FeedFields {
        FeedFields {
            name: " Blog ".into(),
            url: " https://example.com/feed ".into(),
            networks: vec![Network::LinkedIn],
            pillar_id: None,
            template: DEFAULT_TEMPLATE.into(),
            check_interval_minutes: 60,
            first_items: 5,
        }
    }

    #[test]
    fn fields_are_trimmed_and_every_problem_is_named() {
        let ok = fields().check().unwrap();
        assert_eq!((ok.name.as_str(), ok.url.as_str()), ("Blog", "https://example.com/feed"));
        let bad = FeedFields {
            name: String::new(),
            url: "ftp://x".into(),
            networks: vec![],
            template: "same every time".into(),
            check_interval_minutes: 1,
            first_items: 500,
            ..fields()
        };
        let fields: Vec<String> = bad.check().unwrap_err().errors.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["name", "url", "networks", "template", "check_interval_minutes", "first_items"]);
    }
}
