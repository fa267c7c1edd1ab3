//! A client's strategy: content pillars with a target mix, measurable goals, and brand voice rules that
//! the composer checks as people type.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::validation::{Checker, Invalid, bounded_text, bounded_text_type};
use crate::{ClientId, GoalId, OrganizationId, PillarId};

/// A pillar's name, 1 to 50 characters, e.g. "Behind the scenes".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "Behind the scenes")]
pub struct PillarName(String);

bounded_text_type!(PillarName, field = "name", min = 1, max = 50);

/// A colour as `#rrggbb`, shown on the calendar and in reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, pattern = "^#[0-9a-f]{6}$", example = "#3a3fd4")]
pub struct Colour(String);

impl Colour {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let text = raw.trim().to_ascii_lowercase();
        let valid = text.len() == 7 && text.starts_with('#') && text[1..].chars().all(|c| c.is_ascii_hexdigit());
        if valid {
            Ok(Self(text))
        } else {
            Err(Invalid::field("colour", format!("'{}' is not a colour such as #3a3fd4", raw.trim())))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Colour {
    type Error = Invalid;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Colour> for String {
    fn from(value: Colour) -> Self {
        value.0
    }
}

impl std::fmt::Display for Colour {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A theme the client's content rotates through, with the share of posts it should get.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Pillar {
    pub id: PillarId,
    #[serde(skip)]
    pub organization_id: OrganizationId,
    pub client_id: ClientId,
    pub name: PillarName,
    pub colour: Colour,
    /// Percent of posts this pillar should get, 0 to 100. A client's pillars add up to at most 100.
    pub target_share: u8,
    pub description: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A pillar's editable fields.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
pub struct PillarFields {
    pub name: PillarName,
    pub colour: Colour,
    #[serde(default)]
    pub target_share: u8,
    #[serde(default)]
    pub description: String,
}

impl PillarFields {
    pub fn check(&self) -> Result<(), Invalid> {
        let mut check = Checker::default();
        if self.target_share > 100 {
            check.fail(Invalid::field("target_share", "must be a percentage from 0 to 100"));
        }
        check.check(bounded_text("description", &self.description, 0, 500));
        check.finish()
    }
}

/// Checks that a client's pillars together ask for at most all of the posts.
pub fn check_pillar_mix(shares: impl IntoIterator<Item = u8>) -> Result<(), Invalid> {
    let total: u32 = shares.into_iter().map(u32::from).sum();
    if total > 100 {
        return Err(Invalid::field(
            "target_share",
            format!(
                "the pillars' shares would add up to {total}%; lower this or another pillar's share to reach at most 100%"
            ),
        ));
    }
    Ok(())
}

/// What a goal measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GoalMetric {
    /// New followers gained in the period.
    FollowerGrowth,
    /// Engagements per impression, in percent.
    EngagementRate,
    /// People reached.
    Reach,
    /// Link clicks.
    Clicks,
    /// Conversions attributed to social traffic.
    Conversions,
    /// Posts published.
    PostsPublished,
}

impl GoalMetric {
    pub const ALL: [GoalMetric; 6] = [
        GoalMetric::FollowerGrowth,
        GoalMetric::EngagementRate,
        GoalMetric::Reach,
        GoalMetric::Clicks,
        GoalMetric::Conversions,
        GoalMetric::PostsPublished,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            GoalMetric::FollowerGrowth => "follower_growth",
            GoalMetric::EngagementRate => "engagement_rate",
            GoalMetric::Reach => "reach",
            GoalMetric::Clicks => "clicks",
            GoalMetric::Conversions => "conversions",
            GoalMetric::PostsPublished => "posts_published",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            GoalMetric::FollowerGrowth => "Follower growth",
            GoalMetric::EngagementRate => "Engagement rate (%)",
            GoalMetric::Reach => "Reach",
            GoalMetric::Clicks => "Link clicks",
            GoalMetric::Conversions => "Conversions",
            GoalMetric::PostsPublished => "Posts published",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        Self::ALL.into_iter().find(|m| m.as_str() == raw.trim()).ok_or_else(|| {
            Invalid::field(
                "metric",
                format!(
                    "'{}' is not a goal metric; use one of {}",
                    raw.trim(),
                    Self::ALL.map(|m| m.as_str()).join(", ")
                ),
            )
        })
    }
}

/// The period a goal's target is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GoalPeriod {
    Month,
    Quarter,
    Year,
}

impl GoalPeriod {
    pub const ALL: [GoalPeriod; 3] = [GoalPeriod::Month, GoalPeriod::Quarter, GoalPeriod::Year];

    pub fn as_str(&self) -> &'static str {
        match self {
            GoalPeriod::Month => "month",
            GoalPeriod::Quarter => "quarter",
            GoalPeriod::Year => "year",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        Self::ALL.into_iter().find(|p| p.as_str() == raw.trim()).ok_or_else(|| {
            Invalid::field("period", format!("'{}' is not a period; use month, quarter or year", raw.trim()))
        })
    }
}

/// A measurable target, e.g. 500 new followers a month. The analytics compare results against it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Goal {
    pub id: GoalId,
    #[serde(skip)]
    pub organization_id: OrganizationId,
    pub client_id: ClientId,
    pub metric: GoalMetric,
    pub target: f64,
    pub period: GoalPeriod,
    pub note: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, utoipa::ToSchema)]
pub struct GoalFields {
    pub metric: GoalMetric,
    pub target: f64,
    pub period: GoalPeriod,
    #[serde(default)]
    pub note: String,
}

impl GoalFields {
    pub fn check(&self) -> Result<(), Invalid> {
        let mut check = Checker::default();
        if !self.target.is_finite() || self.target <= 0.0 {
            check.fail(Invalid::field("target", "must be a number greater than 0"));
        } else if self.metric == GoalMetric::EngagementRate && self.target > 100.0 {
            check.fail(Invalid::field("target", "an engagement rate is a percentage, at most 100"));
        }
        check.check(bounded_text("note", &self.note, 0, 500));
        check.finish()
    }
}

/// A named set of hashtags to insert together, e.g. "Launch" → #newdrop #coffee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HashtagGroup {
    pub name: String,
    pub hashtags: Vec<String>,
}

/// A saved piece of text to insert, e.g. a sign-off or a legal line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Snippet {
    pub name: String,
    pub text: String,
}

/// The words a brand must never use, what sponsored posts must say, and reusable hashtags and text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BrandVoice {
    /// Words or phrases that must not appear, matched whole and ignoring case.
    #[serde(default)]
    pub banned_words: Vec<String>,
    /// Disclosures a sponsored post must contain at least one of, e.g. `#ad` or `Paid partnership`.
    #[serde(default)]
    pub required_disclosures: Vec<String>,
    #[serde(default)]
    pub hashtag_groups: Vec<HashtagGroup>,
    #[serde(default)]
    pub snippets: Vec<Snippet>,
}

/// One brand voice rule a text breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct VoiceIssue {
    /// `banned_word` or `missing_disclosure`.
    pub code: &'static str,
    pub message: String,
    /// Where the banned word starts and ends, in bytes of the UTF-8 text, for highlighting.
    pub start: Option<usize>,
    pub end: Option<usize>,
}

const MAX_ENTRIES: usize = 200;

impl BrandVoice {
    /// Trims entries, drops empty ones and checks sizes, so what is stored is what the checks use.
    pub fn normalized(mut self) -> Result<Self, Invalid> {
        let clean = |items: Vec<String>| -> Vec<String> {
            items.into_iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
        };
        self.banned_words = clean(self.banned_words);
        self.required_disclosures = clean(self.required_disclosures);
        for group in &mut self.hashtag_groups {
            group.name = group.name.trim().to_string();
            group.hashtags = clean(std::mem::take(&mut group.hashtags))
                .into_iter()
                .map(|t| if t.starts_with('#') { t } else { format!("#{t}") })
                .collect();
        }
        for snippet in &mut self.snippets {
            snippet.name = snippet.name.trim().to_string();
        }
        let mut check = Checker::default();
        for (field, len) in [
            ("banned_words", self.banned_words.len()),
            ("required_disclosures", self.required_disclosures.len()),
            ("hashtag_groups", self.hashtag_groups.len()),
            ("snippets", self.snippets.len()),
        ] {
            if len > MAX_ENTRIES {
                check.fail(Invalid::field(field, format!("at most {MAX_ENTRIES} entries")));
            }
        }
        for (i, word) in self.banned_words.iter().chain(&self.required_disclosures).enumerate() {
            check.check(bounded_text(&format!("entry {}", i + 1), word, 1, 100));
        }
        for (i, g) in self.hashtag_groups.iter().enumerate() {
            check.check(bounded_text(&format!("hashtag_groups[{i}].name"), &g.name, 1, 50));
        }
        for (i, s) in self.snippets.iter().enumerate() {
            check.check(bounded_text(&format!("snippets[{i}].name"), &s.name, 1, 50));
            check.check(bounded_text(&format!("snippets[{i}].text"), &s.text, 1, 2000));
        }
        check.finish()?;
        Ok(self)
    }

    /// The rules `text` breaks. `sponsored` posts must carry one of the required disclosures.
    pub fn check(&self, text: &str, sponsored: bool) -> Vec<VoiceIssue> {
        let lower = text.to_lowercase();
        let mut issues = Vec::new();
        for word in &self.banned_words {
            if let Some((start, end)) = find_whole(&lower, &word.to_lowercase()) {
                issues.push(VoiceIssue {
                    code: "banned_word",
                    message: format!("“{word}” is on this brand's list of words to avoid"),
                    start: Some(start),
                    end: Some(end),
                });
            }
        }
        if sponsored
            && !self.required_disclosures.is_empty()
            && !self.required_disclosures.iter().any(|d| find_whole(&lower, &d.to_lowercase()).is_some())
        {
            issues.push(VoiceIssue {
                code: "missing_disclosure",
                message: format!("a sponsored post must say {}", quote_list(&self.required_disclosures)),
                start: None,
                end: None,
            });
        }
        issues
    }
}

fn quote_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("“{i}”")).collect();
    match quoted.as_slice() {
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
        [] => String::new(),
    }
}

/// The first place `needle` occurs in `haystack` as a whole word (not inside a longer word). Offsets are
/// in `haystack`, which the caller lower-cased; lower-casing keeps byte offsets for almost all text, and
/// the offsets are only used for highlighting.
fn find_whole(haystack: &str, needle: &str) -> Option<(usize, usize)> {
    if needle.is_empty() {
        return None;
    }
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let mut from = 0;
    while let Some(pos) = haystack[from..].find(needle) {
        let start = from + pos;
        let end = start + needle.len();
        let before_ok = !needle.starts_with(is_word) || !haystack[..start].ends_with(is_word);
        let after_ok = !needle.ends_with(is_word) || !haystack[end..].starts_with(is_word);
        if before_ok && after_ok {
            return Some((start, end));
        }
        from = start + needle.chars().next().map_or(1, char::len_utf8);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn voice() -> BrandVoice {
        BrandVoice {
            banned_words: vec!["cheap".into(), "world-class".into()],
            required_disclosures: vec!["#ad".into(), "Paid partnership".into()],
            ..Default::default()
        }
    }

    #[test]
    fn banned_words_match_whole_words_ignoring_case() {
        let issues = voice().check("Our CHEAP coffee", false);
        assert_eq!(issues.len(), 1);
        assert_eq!((issues[0].start, issues[0].end), (Some(4), Some(9)));
        assert!(voice().check("Cheapside market", false).is_empty(), "inside a longer word is fine");
        assert_eq!(voice().check("a world-class roast", false)[0].code, "banned_word");
    }

    #[test]
    fn sponsored_posts_need_a_disclosure() {
        let issues = voice().check("New roast out now", true);
        assert_eq!(issues[0].code, "missing_disclosure");
        assert!(issues[0].message.contains("“#ad” or “Paid partnership”"));
        assert!(voice().check("New roast out now #AD", true).is_empty());
        assert!(voice().check("New roast #adventure", true).iter().any(|i| i.code == "missing_disclosure"));
        assert!(voice().check("New roast out now", false).is_empty(), "unsponsored posts need none");
    }

    #[test]
    fn voice_is_normalized() {
        let v = BrandVoice {
            banned_words: vec!["  cheap ".into(), "".into()],
            hashtag_groups: vec![HashtagGroup {
                name: " Launch ".into(),
                hashtags: vec!["coffee".into(), "#new".into()],
            }],
            ..Default::default()
        }
        .normalized()
        .unwrap();
        assert_eq!(v.banned_words, ["cheap"]);
        assert_eq!(v.hashtag_groups[0].hashtags, ["#coffee", "#new"]);
        assert_eq!(v.hashtag_groups[0].name, "Launch");
    }

    #[test]
    fn pillar_mix_and_goal_targets_are_checked() {
        assert!(check_pillar_mix([40, 30, 30]).is_ok());
        let err = check_pillar_mix([60, 50]).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("110%"), "{err}");
        let goal = GoalFields {
            metric: GoalMetric::EngagementRate,
            target: 120.0,
            period: GoalPeriod::Month,
            note: String::new(),
        };
        assert!(goal.check().is_err());
        let goal =
            GoalFields { metric: GoalMetric::Reach, target: -1.0, period: GoalPeriod::Month, note: String::new() };
        assert_eq!(goal.check().err().map(|e| e.errors[0].field.clone()).as_deref(), Some("target"));
        assert!(Colour::parse("#3A3FD4").is_ok());
        assert!(Colour::parse("blue").is_err());
    }
}
