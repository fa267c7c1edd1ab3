//! URL extraction as twitter-text does it (`Extractor.extractURLsWithIndices` and `Regex.VALID_URL` in the Java
//! port, which X's servers derive from).
//!
//! twitter-text finds URLs with one backtracking regular expression. This module walks the text by hand
//! instead, in the same order the regular expression tries things, so that it finds the same URLs without
//! look-around or catastrophic backtracking:
//!
//! 1. A URL starts at the beginning of the text or after a character that is not an ASCII letter or digit,
//!    `@`, `＠`, `$`, `#`, `＃` or an invalid character. That preceding character belongs to the match, so a
//!    URL that ends right before another cannot lend it its last character.
//! 2. An optional `http://` or `https://`.
//! 3. A domain: labels of ASCII letters, digits and accented Latin letters (`_` allowed in sub-domains, `-`
//!    inside labels), then a known TLD (generic before country code, the longest that is not followed by an
//!    ASCII letter, digit, `@`, `+` or `-`) or a Punycode label. Right after a protocol, a single label of any
//!    non-punctuation characters followed by a known TLD is also accepted (`http://ああ.com`).
//! 4. An optional port, path (ending on a letter, digit, `=_#/-+` or a balanced parenthesis) and query
//!    (ending on a letter, digit or `-_&=#/`).
//!
//! A match is then dropped if it has no protocol and follows `-`, `_`, `.` or `/`, if it is a t.co link with
//! a slug over 40 characters, or if its host is not a valid IDN (a label over 63 characters once
//! Punycode-encoded) or the URL exceeds 4096 characters. A t.co link loses whatever follows its slug and query.

use super::chars::{
    char_at, is_url_path_char, is_url_path_ending_char, is_url_preceding_char, is_url_query_char,
    is_url_query_ending_char, is_url_valid_char, is_url_valid_unicode_char,
};
use super::{punycode, tlds};
use std::collections::HashMap;
use std::ops::Range;
use unicode_normalization::UnicodeNormalization;

/// twitter-text's `MAX_URL_LENGTH`.
const MAX_URL_LENGTH: usize = 4096;
/// twitter-text's `MAX_TCO_SLUG_LENGTH`.
const MAX_TCO_SLUG_LENGTH: usize = 40;
/// The DNS limit on one label.
const MAX_LABEL_LENGTH: usize = 63;
/// `"https://".len()`, added to protocol-less URLs before the length check.
const DEFAULT_PROTOCOL_LENGTH: usize = 8;

/// A URL found in a text: byte offsets into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FoundUrl {
    pub start: usize,
    pub end: usize,
    pub has_protocol: bool,
}

/// One match of the URL pattern, before the checks that may drop it.
struct Match {
    preceding: Option<char>,
    start: usize,
    protocol_end: usize,
    domain_end: usize,
    end: usize,
}

/// Every URL in `text`, in order.
pub(crate) fn find_urls(text: &str) -> Vec<FoundUrl> {
    let mut urls = Vec::new();
    if !text.contains('.') {
        return urls;
    }
    let mut domains = DomainMemo::default();
    let mut pos = 0;
    while let Some(found) = next_match(text, pos, &mut domains) {
        pos = found.end;
        let has_protocol = found.protocol_end > found.start;
        if !has_protocol && found.preceding.is_some_and(|c| matches!(c, '-' | '_' | '.' | '/')) {
            continue;
        }
        let mut end = found.end;
        if has_protocol {
            match tco_end(text, found.start, found.protocol_end, found.end) {
                TcoCheck::NotTco => {}
                TcoCheck::SlugTooLong => continue,
                TcoCheck::End(tco_end) => end = tco_end,
            }
        }
        let url = &text[found.start..end];
        let host = &text[found.protocol_end..found.domain_end];
        if is_valid_host_and_length(url, has_protocol, host) {
            urls.push(FoundUrl { start: found.start, end, has_protocol });
        }
    }
    urls
}

/// The leftmost match of the URL pattern that starts at or after `pos`.
fn next_match(text: &str, pos: usize, domains: &mut DomainMemo) -> Option<Match> {
    for (offset, c) in text.get(pos..)?.char_indices() {
        let at = pos + offset;
        if is_url_preceding_char(c) {
            let start = at + c.len_utf8();
            if let Some(found) = match_url_at(text, start, Some(c), domains) {
                return Some(found);
            }
        }
        if at == 0
            && let Some(found) = match_url_at(text, 0, None, domains)
        {
            return Some(found);
        }
    }
    None
}

/// The URL starting exactly at `start`, if any: with its protocol if it has one, else without.
fn match_url_at(text: &str, start: usize, preceding: Option<char>, domains: &mut DomainMemo) -> Option<Match> {
    // Fast path: every URL starts with `h` (of the protocol) or a domain character.
    if !char_at(text, start).is_some_and(is_url_valid_char) {
        return None;
    }
    let with_protocol = protocol_end(text, start)
        .and_then(|protocol_end| domains.domain_end(text, protocol_end).map(|domain_end| (protocol_end, domain_end)));
    let (protocol_end, domain_end) =
        with_protocol.or_else(|| domains.domain_end(text, start).map(|end| (start, end)))?;
    let end = rest_end(text, domain_end);
    Some(Match { preceding, start, protocol_end, domain_end, end })
}

/// The end of `http://` or `https://` (any case) at `at`.
fn protocol_end(text: &str, at: usize) -> Option<usize> {
    let rest = text.get(at..)?.as_bytes();
    let prefix_ci = |prefix: &[u8]| rest.len() >= prefix.len() && rest[..prefix.len()].eq_ignore_ascii_case(prefix);
    if prefix_ci(b"https://") {
        Some(at + 8)
    } else if prefix_ci(b"http://") {
        Some(at + 7)
    } else {
        None
    }
}

/// Whether `text[..at]` ends with `http://` or `https://` (any case): twitter-text's `(?<=https?://)`.
fn follows_protocol(text: &str, at: usize) -> bool {
    let head = &text.as_bytes()[..at];
    let suffix_ci =
        |suffix: &[u8]| head.len() >= suffix.len() && head[head.len() - suffix.len()..].eq_ignore_ascii_case(suffix);
    suffix_ci(b"http://") || suffix_ci(b"https://")
}

/// Domains already looked at during one scan of a text.
///
/// The regular expression tries as many sub-domains as possible, then one fewer, and so on: from a label, the
/// domain is the deepest label of its chain of sub-domains at which a domain name and a TLD follow. Chains
/// from successive labels share their tails, so remembering each label's answer keeps a text of thousands of
/// dotted labels linear instead of quadratic. Likewise every start inside one run of label characters (say
/// after each `-` of `a-a-a-…`) shares the run's end.
#[derive(Default)]
struct DomainMemo {
    /// For a label start: the end of the domain found from there by sub-domains, domain name and TLD.
    deepest: HashMap<usize, Option<usize>>,
    /// For each kind of label, the last run of its characters measured: `start..end`.
    runs: [Range<usize>; 3],
}

/// The three kinds of labels of twitter-text's URL pattern.
#[derive(Clone, Copy)]
enum Label {
    /// `URL_VALID_SUBDOMAIN`: ASCII letters, digits, accented Latin letters; `-` and `_` inside.
    Subdomain,
    /// `URL_VALID_DOMAIN_NAME`: the same without `_`.
    DomainName,
    /// `URL_VALID_UNICODE_DOMAIN_NAME`: any non-punctuation character; `-` inside.
    Unicode,
}

impl Label {
    /// Characters a label may start and end with.
    fn edge(self, c: char) -> bool {
        match self {
            Label::Subdomain | Label::DomainName => is_url_valid_char(c),
            Label::Unicode => is_url_valid_unicode_char(c),
        }
    }

    /// Characters a label may contain.
    fn inner(self, c: char) -> bool {
        self.edge(c) || c == '-' || (matches!(self, Label::Subdomain) && c == '_')
    }
}

impl DomainMemo {
    /// The end of the domain (with its TLD) that starts at `at`.
    fn domain_end(&mut self, text: &str, at: usize) -> Option<usize> {
        if let Some(end) = self.ascii_domain_end(text, at) {
            return Some(end);
        }
        // Right after a protocol, one label of any non-punctuation characters is allowed before the TLD.
        if follows_protocol(text, at)
            && let Some(tld_start) = self.label_end(Label::Unicode, text, at)
        {
            return tld_end(text, tld_start, false);
        }
        None
    }

    /// Sub-domains, a domain name and a TLD (or Punycode label) from `at`.
    fn ascii_domain_end(&mut self, text: &str, at: usize) -> Option<usize> {
        if let Some(&known) = self.deepest.get(&at) {
            return known;
        }
        // Walk the chain of sub-domain labels until its end or a label already answered.
        let mut chain = vec![at];
        let mut deeper = None;
        let mut cursor = at;
        while let Some(next) = self.label_end(Label::Subdomain, text, cursor) {
            if let Some(&known) = self.deepest.get(&next) {
                deeper = known;
                break;
            }
            chain.push(next);
            cursor = next;
        }
        // From the deepest label back: a label's answer is the deepest answer below it, else its own.
        for &label in chain.iter().rev() {
            if deeper.is_none() {
                deeper =
                    self.label_end(Label::DomainName, text, label).and_then(|tld_start| tld_end(text, tld_start, true));
            }
            self.deepest.insert(label, deeper);
        }
        deeper
    }

    /// The end (after its dot) of a label of `kind` at `at`.
    fn label_end(&mut self, kind: Label, text: &str, at: usize) -> Option<usize> {
        if !char_at(text, at).is_some_and(|c| kind.edge(c)) {
            return None;
        }
        let cached = &mut self.runs[kind as usize];
        let end = if cached.contains(&at) {
            cached.end
        } else {
            let rest = &text[at..];
            let end = at + rest.find(|c: char| !kind.inner(c)).unwrap_or(rest.len());
            *cached = at..end;
            end
        };
        let last = text[..end].chars().next_back()?;
        (char_at(text, end) == Some('.') && kind.edge(last)).then_some(end + 1)
    }
}

/// The end of the TLD at `at`: generic first, then country code, then (unless `unicode_domain`) Punycode.
fn tld_end(text: &str, at: usize, allow_punycode: bool) -> Option<usize> {
    listed_tld_end(text, at, tlds::GENERIC)
        .or_else(|| listed_tld_end(text, at, tlds::COUNTRY))
        .or_else(|| if allow_punycode { punycode_tld_end(text, at) } else { None })
}

/// The end of the longest TLD of `list` at `at` that is not followed by an ASCII letter or digit, `@`, `+` or
/// `-`. TLDs match regardless of ASCII case.
fn listed_tld_end(text: &str, at: usize, list: &[&str]) -> Option<usize> {
    let rest = text.get(at..)?;
    let mut candidate = String::with_capacity(tlds::MAX_TLD_BYTES);
    let mut best = None;
    for (offset, c) in rest.char_indices() {
        let end = offset + c.len_utf8();
        // No TLD is longer, or has ASCII other than letters and digits (so none runs across a dot).
        if end > tlds::MAX_TLD_BYTES || (c.is_ascii() && !c.is_ascii_alphanumeric()) {
            break;
        }
        candidate.push(c.to_ascii_lowercase());
        if list.binary_search(&candidate.as_str()).is_ok() && tld_may_end_before(char_at(rest, end)) {
            best = Some(at + end);
        }
    }
    best
}

/// twitter-text's `(?=[^a-z0-9@+-]|$)` after a TLD.
fn tld_may_end_before(next: Option<char>) -> bool {
    next.is_none_or(|c| !(c.is_ascii_alphanumeric() || matches!(c, '@' | '+' | '-')))
}

/// `xn--` then letters, digits and `-`.
fn punycode_tld_end(text: &str, at: usize) -> Option<usize> {
    let rest = text.get(at..)?.as_bytes();
    if rest.len() < 5 || !rest[..4].eq_ignore_ascii_case(b"xn--") {
        return None;
    }
    let body = rest[4..].iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'-').count();
    (body > 0).then_some(at + 4 + body)
}

/// The end of the URL after its domain: port, path and query, each optional.
fn rest_end(text: &str, domain_end: usize) -> usize {
    let mut end = domain_end;
    if char_at(text, end) == Some(':') {
        let digits = text[end + 1..].bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 {
            end += 1 + digits;
        }
    }
    if char_at(text, end) == Some('/') {
        end = path_end(text, end + 1);
    }
    if char_at(text, end) == Some('?')
        && let Some(query_end) = query_end(text, end + 1)
    {
        end = query_end;
    }
    end
}

/// The end of a path that starts at `at` (after its `/`): the last path-ending character or balanced
/// parenthesis of the run of path characters and balanced parentheses.
fn path_end(text: &str, at: usize) -> usize {
    let mut cursor = at;
    let mut end = at;
    loop {
        match char_at(text, cursor) {
            Some(c) if is_url_path_char(c) => {
                cursor += c.len_utf8();
                if is_url_path_ending_char(c) {
                    end = cursor;
                }
            }
            Some('(') => match balanced_parens_end(text, cursor) {
                Some(after) => {
                    cursor = after;
                    end = after;
                }
                None => break,
            },
            _ => break,
        }
    }
    end
}

/// The end of `(chars)` or `(chars(chars)chars)` at `at` (one level of nesting, as twitter-text allows).
fn balanced_parens_end(text: &str, at: usize) -> Option<usize> {
    let skip_path_chars = |from: usize| {
        text.get(from..).map_or(from, |rest| {
            from + rest.chars().take_while(|&c| is_url_path_char(c)).map(char::len_utf8).sum::<usize>()
        })
    };
    let inner_start = at + 1;
    let run_end = skip_path_chars(inner_start);
    match char_at(text, run_end) {
        Some(')') if run_end > inner_start => Some(run_end + 1),
        Some('(') => {
            let nested_start = run_end + 1;
            let nested_end = skip_path_chars(nested_start);
            if nested_end == nested_start || char_at(text, nested_end) != Some(')') {
                return None;
            }
            let tail_end = skip_path_chars(nested_end + 1);
            (char_at(text, tail_end) == Some(')')).then_some(tail_end + 1)
        }
        _ => None,
    }
}

/// The end of a query that starts at `at` (after its `?`), if it has a query-ending character.
fn query_end(text: &str, at: usize) -> Option<usize> {
    let mut end = None;
    for (offset, c) in text.get(at..)?.char_indices() {
        if !is_url_query_char(c) {
            break;
        }
        if is_url_query_ending_char(c) {
            end = Some(at + offset + c.len_utf8());
        }
    }
    end
}

enum TcoCheck {
    NotTco,
    SlugTooLong,
    End(usize),
}

/// twitter-text's `VALID_TCO_URL`: a t.co link keeps only its slug and query.
fn tco_end(text: &str, start: usize, protocol_end: usize, end: usize) -> TcoCheck {
    let url = &text[..end];
    let rest = &url.as_bytes()[protocol_end..];
    if rest.len() < 5 || !rest[..5].eq_ignore_ascii_case(b"t.co/") {
        return TcoCheck::NotTco;
    }
    let slug = rest[5..].iter().take_while(|b| b.is_ascii_alphanumeric()).count();
    if slug == 0 {
        return TcoCheck::NotTco;
    }
    if slug > MAX_TCO_SLUG_LENGTH {
        return TcoCheck::SlugTooLong;
    }
    let slug_end = protocol_end + 5 + slug;
    debug_assert!(slug_end > start);
    if char_at(url, slug_end) == Some('?')
        && let Some(query_end) = query_end(url, slug_end + 1)
    {
        return TcoCheck::End(query_end);
    }
    TcoCheck::End(slug_end)
}

/// twitter-text's `isValidHostAndLength`: the host converts to ASCII (IDNA) with every label 1–63 characters,
/// and the URL, with that host and a protocol, is at most 4096 UTF-16 units.
fn is_valid_host_and_length(url: &str, has_protocol: bool, host: &str) -> bool {
    let Some(ascii_host_length) = ascii_host_length(host) else {
        return false;
    };
    let url_length = url.encode_utf16().count() + ascii_host_length - host.encode_utf16().count();
    let with_protocol = url_length + if has_protocol { 0 } else { DEFAULT_PROTOCOL_LENGTH };
    with_protocol <= MAX_URL_LENGTH
}

/// The length of `host` once converted to ASCII the way Java's `IDN.toASCII` does (labels split on `.` and its
/// ideographic and full-width forms; each non-ASCII label case-folded, NFKC-normalised and Punycode-encoded
/// with an `xn--` prefix), or `None` if a label is empty, over 63 characters, or non-ASCII yet already starts
/// with `xn--`. (Nameprep's prohibited-character and bidi checks are not applied: URL extraction never lets
/// such characters into a host.)
pub(crate) fn ascii_host_length(host: &str) -> Option<usize> {
    let mut length = 0;
    let mut labels = 0;
    for label in host.split(['.', '\u{3002}', '\u{FF0E}', '\u{FF61}']) {
        let label_length = if label.is_ascii() {
            label.len()
        } else {
            if label.get(..4).is_some_and(|prefix| prefix.eq_ignore_ascii_case("xn--")) {
                return None;
            }
            let prepared: String = label.chars().flat_map(char::to_lowercase).nfkc().collect();
            if prepared.is_ascii() { prepared.len() } else { 4 + punycode::encode(&prepared)?.len() }
        };
        if label_length == 0 || label_length > MAX_LABEL_LENGTH {
            return None;
        }
        length += label_length;
        labels += 1;
    }
    Some(length + labels - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(text: &str) -> Vec<&str> {
        find_urls(text).into_iter().map(|url| &text[url.start..url.end]).collect()
    }

    #[test]
    fn finds_urls_like_twitter_text() {
        assert_eq!(urls("see http://example.com/path."), ["http://example.com/path"]);
        assert_eq!(
            urls("wiki http://en.wikipedia.org/wiki/Primer_(film) ok"),
            ["http://en.wikipedia.org/wiki/Primer_(film)"]
        );
        assert_eq!(urls("foo.co.jp and www.foo.co.uk"), ["foo.co.jp", "www.foo.co.uk"]);
        assert_eq!(urls("name.al-lastname@foo.com"), Vec::<&str>::new());
        assert_eq!(urls("http://t.co/abc's"), ["http://t.co/abc"]);
        assert_eq!(urls("http://ああ.com"), ["http://ああ.com"]);
        assert_eq!(urls("no dots here"), Vec::<&str>::new());
    }

    #[test]
    fn host_length_counts_punycode() {
        assert_eq!(ascii_host_length("example.com"), Some(11));
        assert_eq!(ascii_host_length("☃.net"), Some("xn--n3h.net".len()));
        assert_eq!(ascii_host_length("xn--はじめよう.com"), None);
        assert_eq!(ascii_host_length(&"a".repeat(64)), None);
    }
}
