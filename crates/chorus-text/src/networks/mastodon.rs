//! Mastodon's status length, as the server's `StatusLengthValidator` counts it.
//!
//! Source of the limits: `../shared/api-specs/mastodon/schema.json`, `Instance.configuration.statuses`:
//! `max_characters` ("The maximum number of allowed characters per status", 500 in the mastodon.social example) and
//! `characters_reserved_per_url` ("Each URL in a status will be assumed to be exactly this many characters", 23).
//! The schema does not say what a character is or which URLs and mentions get concessions; that is in Mastodon's
//! source, `app/validators/status_length_validator.rb`: the server counts the extended grapheme clusters of the content
//! warning (`spoiler_text`) joined with the status text in which every URL that has a protocol (twitter-text URL
//! extraction, `extract_url_without_protocol: false`) is replaced by 23 characters and every mention `@user@domain` by
//! `@user`; a blank status text counts as empty. The web composer shows the same count, except that it also shortens
//! URLs without a protocol, which the server then counts in full: this module follows the server, which decides.
//!
//! Chorus must never accept a status that the server refuses, so where this module cannot be sure that the server
//! grants a concession it counts the text in full (a count too high by a few characters, never too low):
//! - a URL gets the 23-character concession only when it is `http://` or `https://` at the start, after white space or
//!   after one of `( [ { < " '`, with an ASCII host whose last label is a known top-level domain, an optional port, and
//!   a path and query of ASCII URL characters that ends in a letter, digit or one of `- _ = # /` (twitter-text accepts
//!   these and more: an internationalised host, for example, is counted in full here);
//! - a remote mention is recognised exactly as the server's `Account::MENTION_RE` does: `@`, not after `=`, `/` or a
//!   word character, a user name of `[a-z0-9_]` (with inner `.` and `-`), `@`, and a domain of word characters with
//!   inner `.` and `-`, not followed by `@`, a Latin accented letter or `://`.

use serde::{Deserialize, Serialize};
use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory as _};
use unicode_segmentation::UnicodeSegmentation as _;

/// An instance's status limits, from `GET /api/v2/instance` → `configuration.statuses`
/// (`../shared/api-specs/mastodon/schema.json`, schema `Instance`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MastodonLimits {
    /// `configuration.statuses.max_characters`: text and content warning together, in characters as counted here.
    pub max_characters: usize,
    /// `configuration.statuses.characters_reserved_per_url`: what each URL counts.
    pub characters_reserved_per_url: usize,
}

impl MastodonLimits {
    /// Mastodon's defaults, 500 characters and 23 per URL (`StatusLengthValidator::MAX_CHARS` and
    /// `URL_PLACEHOLDER_CHARS`; the values in the schema's mastodon.social example), for an instance not yet connected.
    pub const DEFAULT: MastodonLimits = MastodonLimits { max_characters: 500, characters_reserved_per_url: 23 };
}

impl Default for MastodonLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Characters of the status text alone as Mastodon counts them (URLs as `characters_reserved_per_url`, remote
/// mentions as `@user`).
pub(super) fn text_length(text: &str, limits: &MastodonLimits) -> usize {
    countable_text(text, limits).graphemes(true).count()
}

/// Characters of the content warning followed by the status text, as the server counts them.
pub(super) fn combined_length(text: &str, content_warning: &str, limits: &MastodonLimits) -> usize {
    let mut combined = String::with_capacity(content_warning.len() + text.len());
    combined.push_str(content_warning);
    combined.push_str(&countable_text(text, limits));
    combined.graphemes(true).count()
}

/// The text with every URL replaced by `characters_reserved_per_url` placeholder characters and every remote
/// mention by its user part.
fn countable_text(text: &str, limits: &MastodonLimits) -> String {
    if text.chars().all(char::is_whitespace) {
        return String::new();
    }
    let mut entities: Vec<(usize, usize, Replacement)> = Vec::new();
    entities.extend(urls(text).into_iter().map(|(start, end)| (start, end, Replacement::Url)));
    entities.extend(
        remote_mentions(text).into_iter().map(|(start, end, user_end)| (start, end, Replacement::Keep(user_end))),
    );
    entities.sort_by_key(|&(start, _, _)| start);
    let mut out = String::with_capacity(text.len());
    let mut cursor = 0;
    for (start, end, replacement) in entities {
        if start < cursor {
            continue; // overlapping entities: the first one wins (twitter-text `remove_overlapping_entities`)
        }
        out.push_str(&text[cursor..start]);
        match replacement {
            Replacement::Url => out.extend(std::iter::repeat_n('x', limits.characters_reserved_per_url)),
            Replacement::Keep(user_end) => out.push_str(&text[start..user_end]),
        }
        cursor = end;
    }
    out.push_str(&text[cursor..]);
    out
}

#[derive(Debug, Clone, Copy)]
enum Replacement {
    /// A URL, counted as the placeholder.
    Url,
    /// A remote mention, counted as the text up to this byte (`@user`).
    Keep(usize),
}

/// Ruby's `[[:word:]]` on a Unicode string: letters, marks, decimal numbers and connector punctuation.
fn is_word(c: char) -> bool {
    use unicode_properties::GeneralCategory as Gc;
    matches!(c.general_category_group(), GeneralCategoryGroup::Letter | GeneralCategoryGroup::Mark)
        || matches!(c.general_category(), Gc::DecimalNumber | Gc::ConnectorPunctuation)
}

/// Byte ranges of the URLs that certainly get the concession (see the module documentation).
fn urls(text: &str) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut search = 0;
    while let Some(offset) = text[search..].find(['h', 'H']) {
        let start = search + offset;
        search = start + 1;
        let preceded_well =
            text[..start].chars().next_back().is_none_or(|c| c.is_whitespace() || "([{<\"'".contains(c));
        if let Some(end) = preceded_well.then(|| url_end(text, start)).flatten() {
            found.push((start, end));
            search = end;
        }
    }
    found
}

/// End of a conservative URL starting at `start`, if there is one.
fn url_end(text: &str, start: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let scheme = ["https://", "http://"].into_iter().find(|scheme| {
        bytes.get(start..start + scheme.len()).is_some_and(|head| head.eq_ignore_ascii_case(scheme.as_bytes()))
    })?;
    let host_start = start + scheme.len();
    // Host: ASCII labels of letters, digits and inner hyphens, at least two, the last a known top-level domain.
    let mut at = host_start;
    let mut labels: Vec<(usize, usize)> = Vec::new();
    loop {
        let len = bytes[at..].iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'-').count();
        if len == 0 || bytes[at] == b'-' || bytes[at + len - 1] == b'-' {
            return None;
        }
        labels.push((at, at + len));
        at += len;
        if bytes.get(at) == Some(&b'.') && bytes.get(at + 1).is_some_and(u8::is_ascii_alphanumeric) {
            at += 1;
        } else {
            break;
        }
    }
    let &(tld_start, tld_end) = labels.last()?;
    let tld = text[tld_start..tld_end].to_ascii_lowercase();
    if labels.len() < 2 || !crate::bluesky::is_known_tld(&tld) {
        return None;
    }
    // What follows the host must not continue it (twitter-text refuses `example.com@x`, `example.comx`, …).
    if text[at..].chars().next().is_some_and(|c| c.is_alphanumeric() || "@+-_".contains(c)) {
        return None;
    }
    // Port.
    if bytes.get(at) == Some(&b':') {
        let digits = bytes[at + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return Some(at);
        }
        at += 1 + digits;
        if text[at..].chars().next().is_some_and(|c| c.is_alphanumeric()) {
            return None;
        }
    }
    // Characters that twitter-text allows both in a path and in a query.
    let is_url_char = |b: &u8| b.is_ascii_alphanumeric() || b"!*';:=+,.$/%#[]-_~&|@".contains(b);
    // Characters that twitter-text allows at the end of both a path and a query.
    let is_ending = |b: u8| b.is_ascii_alphanumeric() || b"-_=#/".contains(&b);
    // Path: `/` then URL characters, trimmed back to an ending character.
    if bytes.get(at) == Some(&b'/') {
        let run = at + bytes[at..].iter().take_while(|b| is_url_char(b)).count();
        let mut end = run;
        while end > at && !is_ending(bytes[end - 1]) {
            end -= 1;
        }
        if end < run {
            return Some(end);
        }
        at = end;
    }
    // Query: `?` then URL characters (and `?`), trimmed back to an ending character.
    if bytes.get(at) == Some(&b'?') {
        let run = at + 1 + bytes[at + 1..].iter().take_while(|b| is_url_char(b) || **b == b'?').count();
        let mut end = run;
        while end > at + 1 && !is_ending(bytes[end - 1]) {
            end -= 1;
        }
        if end > at + 1 {
            at = end;
        }
    }
    Some(at)
}

/// Remote mentions `@user@domain` as `Account::MENTION_RE` and `Extractor.extract_mentions_or_lists_with_indices` find
/// them: (start, end, end of `@user`).
fn remote_mentions(text: &str) -> Vec<(usize, usize, usize)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut search = 0;
    while let Some(offset) = text[search..].find('@') {
        let start = search + offset;
        search = start + 1;
        if text[..start].chars().next_back().is_some_and(|c| c == '=' || c == '/' || is_word(c)) {
            continue;
        }
        // User name: [a-z0-9_]+([.-]+[a-z0-9_]+)*, case-insensitive.
        let user_end = dotted_run(text, start + 1, |c| c.is_ascii_alphanumeric() || c == '_');
        if user_end == start + 1 {
            continue;
        }
        let mut end = user_end;
        if bytes.get(user_end) == Some(&b'@') {
            // Domain: [[:word:]]+([.-]+[[:word:]]+)*
            let domain_end = dotted_run(text, user_end + 1, is_word);
            if domain_end > user_end + 1 {
                end = domain_end;
            }
        }
        search = end;
        let after = &text[end..];
        let refused = after.starts_with(['@', '＠'])
            || after.starts_with("://")
            || after.chars().next().is_some_and(is_latin_accent);
        if end > user_end && !refused {
            found.push((start, end, user_end));
        }
    }
    found
}

/// End of `W+([.-]+W+)*` from `start`, where `W` is `word`: trailing separators are not part of it.
fn dotted_run(text: &str, start: usize, word: impl Fn(char) -> bool) -> usize {
    let mut end = start;
    for (i, c) in text[start..].char_indices() {
        if word(c) {
            end = start + i + c.len_utf8();
        } else if !((c == '.' || c == '-') && end > start) {
            break;
        }
    }
    end
}

/// twitter-text's `latin_accents`, which may not follow a mention.
fn is_latin_accent(c: char) -> bool {
    matches!(c,
        '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{FF}' | '\u{100}'..='\u{24F}' | '\u{253}' | '\u{254}'
        | '\u{256}' | '\u{257}' | '\u{259}' | '\u{25B}' | '\u{263}' | '\u{268}' | '\u{26F}' | '\u{272}' | '\u{289}'
        | '\u{28B}' | '\u{2BB}' | '\u{300}'..='\u{36F}' | '\u{1E00}'..='\u{1EFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn countable(text: &str) -> String {
        countable_text(text, &MastodonLimits::DEFAULT)
    }

    #[test]
    fn urls_with_a_protocol_count_23() {
        let x23 = "x".repeat(23);
        assert_eq!(countable("see https://example.com here"), format!("see {x23} here"));
        assert_eq!(countable("(https://example.com/a/b?c=d#e)."), format!("({x23})."));
        assert_eq!(countable("https://example.com/path."), format!("{x23}."));
        assert_eq!(countable("HTTP://EXAMPLE.COM:8080/x"), x23);
        // Not certainly URLs for the server: counted in full.
        assert_eq!(countable("see example.com here"), "see example.com here");
        assert_eq!(countable("xhttps://example.com"), "xhttps://example.com");
        assert_eq!(countable("https://example.com@evil.com"), "https://example.com@evil.com");
        assert_eq!(countable("https://localhost/x"), "https://localhost/x");
        assert_eq!(countable("https://bücher.de"), "https://bücher.de");
    }

    #[test]
    fn remote_mentions_count_their_user_part() {
        assert_eq!(countable("hi @bob@example.com!"), "hi @bob!");
        assert_eq!(countable("hi @bob"), "hi @bob");
        assert_eq!(countable("mail arnt@example.org"), "mail arnt@example.org");
        assert_eq!(countable("https://example.com/@bob@example.org"), "x".repeat(23));
        assert_eq!(countable("@bob@example.org@x"), "@bob@example.org@x");
        assert_eq!(countable("@bob@grå.org"), "@bob");
        assert_eq!(countable("@bob@example.org."), "@bob.");
        assert_eq!(countable("   "), "");
    }
}
