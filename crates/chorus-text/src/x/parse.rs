//! twitter-text's `parseTweet`: weighted length, validity and the valid range of a post.

use super::chars::is_invalid_char;
use super::config::Config;
use super::{emoji, url};
use serde::Serialize;
use std::borrow::Cow;
use std::ops::Range;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// What X makes of a post's text (twitter-text's `TwitterTextParseResults`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParseResult {
    /// The length X counts, to compare with [`Config::max_weighted_length`] (280).
    pub weighted_length: usize,
    /// `weighted_length` per thousand of the limit (rounded down), for a progress ring.
    pub permillage: usize,
    /// Whether X accepts the text: not blank, no invalid character, not over the limit.
    pub valid: bool,
    /// The whole text, in UTF-16 code units (the unit of JavaScript strings): always `0..len`.
    pub display_range: Range<usize>,
    /// The part of the text that fits, in UTF-16 code units: it ends after the last character that is within
    /// the limit and before the first invalid character. (twitter-text reports inclusive ends:
    /// `validRangeEnd = valid_range.end - 1`.) It is computed on the NFC-normalised text and shifted by the
    /// difference in length, as twitter-text does, so it is approximate for text that normalisation changes.
    pub valid_range: Range<usize>,
}

impl ParseResult {
    /// The longest prefix of `text` (the text that was parsed) within [`ParseResult::valid_range`].
    pub fn valid_prefix<'a>(&self, text: &'a str) -> &'a str {
        let mut units = 0;
        for (offset, c) in text.char_indices() {
            units += c.len_utf16();
            if units > self.valid_range.end {
                return &text[..offset];
            }
        }
        text
    }
}

/// twitter-text's `parseTweet` with the current configuration ([`Config::V3`]).
pub fn parse_tweet(text: &str) -> ParseResult {
    parse_tweet_with(text, &Config::V3)
}

/// twitter-text's `parseTweet` with a given configuration.
///
/// The text is NFC-normalised first. Then, from the start: a URL (as [`super::extract_urls`] finds it) weighs
/// `transformed_url_length`; with emoji parsing, an emoji sequence weighs `default_weight`; any other code
/// point weighs what the first range containing it says, or `default_weight`. The text is valid if it is not
/// empty, not only white space, has none of U+FFFE, U+FEFF, U+FFFF and weighs at most `max_weighted_length`.
pub fn parse_tweet_with(text: &str, config: &Config) -> ParseResult {
    let normalized: Cow<'_, str> = match is_nfc_quick(text.chars()) {
        IsNormalized::Yes => Cow::Borrowed(text),
        _ => Cow::Owned(text.nfc().collect()),
    };
    let urls = url::find_urls(&normalized);
    let mut urls = urls.iter().peekable();
    let scale = config.scale.max(1);
    let scaled_max = config.max_weighted_length * scale;

    let mut weighted = 0;
    let mut has_invalid = false;
    let mut pos = 0;
    let mut units = 0; // UTF-16 units of `normalized[..pos]`
    let mut valid_units = 0; // UTF-16 units of the valid part of `normalized`
    while pos < normalized.len() {
        while urls.next_if(|found| found.start < pos).is_some() {}
        let step_end = if let Some(found) = urls.next_if(|found| found.start == pos) {
            weighted += config.transformed_url_length * scale;
            found.end
        } else if let Some(len) = config.emoji_parsing.then(|| emoji::sequence_len(&normalized, pos)).flatten() {
            weighted += config.default_weight;
            pos + len
        } else {
            let Some(c) = normalized[pos..].chars().next() else { break };
            has_invalid |= is_invalid_char(c);
            weighted += config.char_weight(c);
            pos + c.len_utf8()
        };
        units += normalized[pos..step_end].encode_utf16().count();
        pos = step_end;
        if !has_invalid && weighted <= scaled_max {
            valid_units = units;
        }
    }

    let weighted_length = weighted / scale;
    let text_units = text.encode_utf16().count();
    let blank = text.chars().all(char::is_whitespace);
    let max = config.max_weighted_length.max(1);
    ParseResult {
        weighted_length,
        permillage: weighted_length * 1000 / max,
        valid: !blank && !has_invalid && weighted_length > 0 && weighted_length <= config.max_weighted_length,
        display_range: 0..text_units,
        valid_range: 0..(valid_units + text_units).saturating_sub(units),
    }
}

/// The length X counts for `text` ([`Config::V3`]): at most 280 for a valid post.
pub fn weighted_length(text: &str) -> usize {
    parse_tweet(text).weighted_length
}

/// Whether X accepts `text` as a post ([`Config::V3`]).
pub fn is_valid_tweet(text: &str) -> bool {
    parse_tweet(text).valid
}
