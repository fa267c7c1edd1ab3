//! twitter-text's official conformance suite against `chorus_text::x`.
//!
//! The suite is in `tests/data/twitter-text/` (see `SOURCE.md` there). Every section of `validate.yml`,
//! `extract.yml` and `tlds.yml` is one test below; each runs all its cases and fails with the list of every
//! failing case (description, text, expected, got). `every_section_is_tested` makes sure a section added
//! upstream cannot go untested.
//!
//! Index semantics: `indices` in `extract.yml` are code point offsets (as in the Ruby port and X's API), which
//! `Span::code_points` gives. (The suite's indexed cases are all in the Basic Multilingual Plane, where code
//! points and UTF-16 units agree, so it cannot tell the two apart; `Span::utf16` is checked by unit tests.)

use chorus_text::x::{self, Config, ParseResult};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::path::Path;

#[derive(Debug, Deserialize)]
struct Case {
    description: String,
    text: String,
    expected: serde_norway::Value,
}

#[derive(Debug, Deserialize)]
struct SuiteFile {
    tests: BTreeMap<String, Vec<Case>>,
}

fn load(file: &str) -> BTreeMap<String, Vec<Case>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/twitter-text").join(file);
    let yaml = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("reading {}: {err}", path.display()));
    let suite: SuiteFile =
        serde_norway::from_str(&yaml).unwrap_or_else(|err| panic!("parsing {}: {err}", path.display()));
    suite.tests
}

/// Runs every case of `file`'s `section`: `actual` gives our answer, compared with the case's `expected` read
/// as `T`. Panics listing all failures.
fn run_section<T, F>(file: &str, section: &str, actual: F)
where
    T: DeserializeOwned + PartialEq + Debug,
    F: Fn(&str) -> T,
{
    let mut tests = load(file);
    let cases = tests.remove(section).unwrap_or_else(|| panic!("{file} has no section {section}"));
    assert!(!cases.is_empty(), "{file}/{section} is empty");
    let mut failures = Vec::new();
    for case in &cases {
        let expected: T = match serde_norway::from_value(case.expected.clone()) {
            Ok(expected) => expected,
            Err(err) => {
                failures.push(format!("- {}: cannot read expected value: {err}", case.description));
                continue;
            }
        };
        let got = actual(&case.text);
        if got != expected {
            failures.push(format!(
                "- {}\n    text:     {:?}\n    expected: {expected:?}\n    got:      {got:?}",
                case.description, case.text
            ));
        }
    }
    println!("{file}/{section}: {} of {} cases pass", cases.len() - failures.len(), cases.len());
    assert!(
        failures.is_empty(),
        "{} of {} cases of {file}/{section} fail:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

const VALIDATE_SECTIONS: &[&str] = &[
    "tweets",
    "usernames",
    "lists",
    "hashtags",
    "urls",
    "urls_without_protocol",
    "WeightedTweetsCounterTest",
    "WeightedTweetsWithDiscountedEmojiCounterTest",
    "UnicodeDirectionalMarkerCounterTest",
];

const EXTRACT_SECTIONS: &[&str] = &[
    "mentions",
    "mentions_with_indices",
    "mentions_or_lists_with_indices",
    "replies",
    "urls",
    "urls_with_indices",
    "urls_with_directional_markers",
    "tco_urls_with_params",
    "hashtags",
    "hashtags_from_astral",
    "hashtags_with_indices",
    "cashtags",
    "cashtags_with_indices",
];

const TLDS_SECTIONS: &[&str] = &["country", "generic"];

#[test]
fn every_section_is_tested() {
    for (file, tested) in
        [("validate.yml", VALIDATE_SECTIONS), ("extract.yml", EXTRACT_SECTIONS), ("tlds.yml", TLDS_SECTIONS)]
    {
        let in_file: BTreeSet<String> = load(file).into_keys().collect();
        let tested: BTreeSet<String> = tested.iter().map(|s| s.to_string()).collect();
        assert_eq!(in_file, tested, "{file}: the sections in the file and those tested here differ");
    }
}

// ---- validate.yml ----

#[test]
fn validate_tweets() {
    // The section predates the 280 limit: twitter-text's own conformance runners use configuration v1 here.
    run_section("validate.yml", "tweets", |text| x::parse_tweet_with(text, &Config::V1).valid);
}

#[test]
fn validate_usernames() {
    run_section("validate.yml", "usernames", x::is_valid_username);
}

#[test]
fn validate_lists() {
    run_section("validate.yml", "lists", x::is_valid_list);
}

#[test]
fn validate_hashtags() {
    run_section("validate.yml", "hashtags", x::is_valid_hashtag);
}

#[test]
fn validate_urls() {
    run_section("validate.yml", "urls", x::is_valid_url);
}

#[test]
fn validate_urls_without_protocol() {
    run_section("validate.yml", "urls_without_protocol", x::is_valid_url_without_protocol);
}

/// `parseTweet`'s result as the suite writes it (inclusive range ends).
#[derive(Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ParseExpectation {
    weighted_length: usize,
    valid: bool,
    permillage: usize,
    display_range_start: usize,
    display_range_end: usize,
    valid_range_start: usize,
    valid_range_end: usize,
}

impl From<ParseResult> for ParseExpectation {
    fn from(result: ParseResult) -> Self {
        ParseExpectation {
            weighted_length: result.weighted_length,
            valid: result.valid,
            permillage: result.permillage,
            display_range_start: result.display_range.start,
            display_range_end: result.display_range.end.saturating_sub(1),
            valid_range_start: result.valid_range.start,
            valid_range_end: result.valid_range.end.saturating_sub(1),
        }
    }
}

#[test]
fn validate_weighted_tweets_counter() {
    run_section("validate.yml", "WeightedTweetsCounterTest", |text| {
        ParseExpectation::from(x::parse_tweet_with(text, &Config::V2))
    });
}

#[test]
fn validate_weighted_tweets_with_discounted_emoji_counter() {
    run_section("validate.yml", "WeightedTweetsWithDiscountedEmojiCounterTest", |text| {
        ParseExpectation::from(x::parse_tweet_with(text, &Config::V3))
    });
}

#[test]
fn validate_unicode_directional_marker_counter() {
    run_section("validate.yml", "UnicodeDirectionalMarkerCounterTest", |text| {
        ParseExpectation::from(x::parse_tweet(text))
    });
}

// ---- extract.yml ----

fn indices(span: &x::Span) -> [usize; 2] {
    [span.code_points.start, span.code_points.end]
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct MentionWithIndices {
    screen_name: String,
    indices: [usize; 2],
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct MentionOrListWithIndices {
    screen_name: String,
    list_slug: String,
    indices: [usize; 2],
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct UrlWithIndices {
    url: String,
    indices: [usize; 2],
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct HashtagWithIndices {
    hashtag: String,
    indices: [usize; 2],
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct CashtagWithIndices {
    cashtag: String,
    indices: [usize; 2],
}

fn url_strings(text: &str) -> Vec<String> {
    x::extract_urls(text).into_iter().map(|url| url.url.to_string()).collect()
}

fn urls_with_indices(text: &str) -> Vec<UrlWithIndices> {
    x::extract_urls(text)
        .iter()
        .map(|url| UrlWithIndices { url: url.url.to_string(), indices: indices(&url.span) })
        .collect()
}

fn hashtag_strings(text: &str) -> Vec<String> {
    x::extract_hashtags(text).into_iter().map(|hashtag| hashtag.tag.to_string()).collect()
}

fn cashtag_strings(text: &str) -> Vec<String> {
    x::extract_cashtags(text).into_iter().map(|cashtag| cashtag.symbol.to_string()).collect()
}

#[test]
fn extract_mentions() {
    run_section("extract.yml", "mentions", |text| {
        x::extract_mentions(text).into_iter().map(|mention| mention.screen_name.to_string()).collect::<Vec<_>>()
    });
}

#[test]
fn extract_mentions_with_indices() {
    run_section("extract.yml", "mentions_with_indices", |text| {
        x::extract_mentions(text)
            .iter()
            .map(|mention| MentionWithIndices {
                screen_name: mention.screen_name.to_string(),
                indices: indices(&mention.span),
            })
            .collect::<Vec<_>>()
    });
}

#[test]
fn extract_mentions_or_lists_with_indices() {
    run_section("extract.yml", "mentions_or_lists_with_indices", |text| {
        x::extract_mentions_or_lists(text)
            .iter()
            .map(|mention| MentionOrListWithIndices {
                screen_name: mention.screen_name.to_string(),
                // twitter-text's listSlug keeps the slash; an empty string means "not a list".
                list_slug: mention.list_slug.map(|slug| format!("/{slug}")).unwrap_or_default(),
                indices: indices(&mention.span),
            })
            .collect::<Vec<_>>()
    });
}

#[test]
fn extract_replies() {
    run_section("extract.yml", "replies", |text| x::extract_reply_screen_name(text).map(str::to_string));
}

#[test]
fn extract_urls() {
    run_section("extract.yml", "urls", url_strings);
}

#[test]
fn extract_urls_with_indices() {
    run_section("extract.yml", "urls_with_indices", urls_with_indices);
}

#[test]
fn extract_urls_with_directional_markers() {
    run_section("extract.yml", "urls_with_directional_markers", urls_with_indices);
}

#[test]
fn extract_tco_urls_with_params() {
    run_section("extract.yml", "tco_urls_with_params", url_strings);
}

#[test]
fn extract_hashtags() {
    run_section("extract.yml", "hashtags", hashtag_strings);
}

#[test]
fn extract_hashtags_from_astral() {
    run_section("extract.yml", "hashtags_from_astral", hashtag_strings);
}

#[test]
fn extract_hashtags_with_indices() {
    run_section("extract.yml", "hashtags_with_indices", |text| {
        x::extract_hashtags(text)
            .iter()
            .map(|hashtag| HashtagWithIndices { hashtag: hashtag.tag.to_string(), indices: indices(&hashtag.span) })
            .collect::<Vec<_>>()
    });
}

#[test]
fn extract_cashtags() {
    run_section("extract.yml", "cashtags", cashtag_strings);
}

#[test]
fn extract_cashtags_with_indices() {
    run_section("extract.yml", "cashtags_with_indices", |text| {
        x::extract_cashtags(text)
            .iter()
            .map(|cashtag| CashtagWithIndices { cashtag: cashtag.symbol.to_string(), indices: indices(&cashtag.span) })
            .collect::<Vec<_>>()
    });
}

// ---- tlds.yml ----

#[test]
fn tlds_country() {
    run_section("tlds.yml", "country", url_strings);
}

#[test]
fn tlds_generic() {
    run_section("tlds.yml", "generic", url_strings);
}
