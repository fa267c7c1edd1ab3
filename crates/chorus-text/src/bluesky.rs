//! Bluesky: how long a post may be, and the rich-text facets (links, mentions, hashtags) it carries.
//!
//! # Length
//! The lexicon `app.bsky.feed.post` (`../shared/api-specs/bluesky/lexicons/app/bsky/feed/post.json`) declares the
//! record's `text` with `"maxGraphemes": 300` and `"maxLength": 3000`. In Lexicon, `maxLength` of a string counts
//! bytes of its UTF-8 encoding and `maxGraphemes` counts extended grapheme clusters (Unicode UAX #29), so a post must
//! satisfy both: at most [`MAX_GRAPHEMES`] graphemes and at most [`MAX_BYTES`] bytes. See [`length`].
//!
//! # Facets
//! Bluesky does not parse post text on the server: the client sends the text together with `facets`
//! (`app.bsky.richtext.facet`, `../shared/api-specs/bluesky/lexicons/app/bsky/richtext/facet.json`), each a
//! [`ByteSlice`] of the UTF-8 text (start inclusive, end exclusive) and its features: a link (`#link`, a full URI),
//! a mention (`#mention`, a DID) or a tag (`#tag`, without the `#`).
//!
//! [`detect_facets`] finds them the way the official Bluesky app does, matching the reference TypeScript
//! implementation `detectFacets` of `@atproto/api` (`packages/api/src/rich-text/detection.ts` and `util.ts` in the
//! atproto repository; its test cases `packages/api/tests/rich-text-detection.test.ts` are mirrored in this crate's
//! tests):
//! - mentions: `@` + `[a-zA-Z0-9.-]+` up to an ASCII word boundary, at the start, after white space or after `(`,
//!   kept when the handle ends in a known top-level domain (or `.test`, the reference's test TLD);
//! - links: `http://` or `https://` followed by non-space characters, or a bare domain such as `example.com/path`
//!   whose last label is a known top-level domain (the facet URI then gets `https://` prepended), at the start, after
//!   white space or after `(`; one trailing `.,;:!?` is stripped, then a trailing `)` when the URL has no `(`;
//! - hashtags: `#` or `＃` at the start or after white space, followed by a run of non-space characters that is not
//!   only digits and punctuation; trailing punctuation is stripped; at most 64 graphemes;
//! - cashtags: `$` + a letter + up to four letters or digits, before white space, the end or closing punctuation;
//!   they become tag features `$TICKER` in upper case (added to the reference's `detectFacets` in January 2026).
//!
//! Where the reference would produce a facet that the lexicon rejects (and with it the whole post), this module
//! leaves the facet out instead, so every facet it returns validates: a link whose URI is not a lexicon `uri`
//! (`https://.`), a tag longer than the lexicon's 640 bytes, a facet overlapping an earlier one (the reference app's
//! renderer skips those too), and — at [`resolve_mentions`] — a mention whose handle does not resolve to a valid DID
//! (the official app drops those before posting). One more difference: a bare domain that happens to start with
//! `http` (`httpbin.org`) is checked and prefixed like any other bare domain, where the reference keeps it as the
//! scheme-less URI `httpbin.org`.
//!
//! Mentions need a network look-up (handle → DID) that belongs to publishing, not to text: [`detect_facets`] returns
//! [`DetectedFacet`]s whose mentions carry the handle, and [`resolve_mentions`] turns them into lexicon [`Facet`]s
//! with a resolver closure (for an asynchronous resolver, resolve [`mention_handles`] first and pass a map look-up).

mod tlds;

use std::collections::BTreeSet;

use serde::de::Error as _;
use serde::ser::SerializeStruct as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory as _};
use unicode_segmentation::UnicodeSegmentation as _;

/// Most graphemes (extended grapheme clusters) in a post's text: `maxGraphemes: 300` of `text` in the lexicon
/// `app.bsky.feed.post` (`../shared/api-specs/bluesky/lexicons/app/bsky/feed/post.json`).
pub const MAX_GRAPHEMES: usize = 300;

/// Most bytes of UTF-8 in a post's text: `maxLength: 3000` of `text` in the lexicon `app.bsky.feed.post`
/// (`../shared/api-specs/bluesky/lexicons/app/bsky/feed/post.json`; Lexicon string lengths count UTF-8 bytes).
pub const MAX_BYTES: usize = 3000;

/// Most graphemes in a tag feature's `tag`: `maxGraphemes: 64` in `app.bsky.richtext.facet#tag`
/// (`../shared/api-specs/bluesky/lexicons/app/bsky/richtext/facet.json`); the reference detection applies it too.
pub const TAG_MAX_GRAPHEMES: usize = 64;

/// Most bytes in a tag feature's `tag`: `maxLength: 640` in `app.bsky.richtext.facet#tag`
/// (`../shared/api-specs/bluesky/lexicons/app/bsky/richtext/facet.json`).
pub const TAG_MAX_BYTES: usize = 640;

/// `$type` of a facet object.
pub const FACET_TYPE: &str = "app.bsky.richtext.facet";
/// `$type` of a mention feature.
pub const MENTION_TYPE: &str = "app.bsky.richtext.facet#mention";
/// `$type` of a link feature.
pub const LINK_TYPE: &str = "app.bsky.richtext.facet#link";
/// `$type` of a tag feature.
pub const TAG_TYPE: &str = "app.bsky.richtext.facet#tag";

/// Number of extended grapheme clusters in `text`, as Lexicon's `maxGraphemes` counts them.
pub fn grapheme_count(text: &str) -> usize {
    text.graphemes(true).count()
}

/// A post text's length in both units that Bluesky limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PostLength {
    /// Extended grapheme clusters; at most [`MAX_GRAPHEMES`].
    pub graphemes: usize,
    /// Bytes of UTF-8; at most [`MAX_BYTES`].
    pub bytes: usize,
}

impl PostLength {
    /// Whether the text fits both limits of `app.bsky.feed.post#text`.
    pub const fn fits(self) -> bool {
        self.graphemes <= MAX_GRAPHEMES && self.bytes <= MAX_BYTES
    }
}

/// The length of a post's text as Bluesky counts it: graphemes and UTF-8 bytes.
pub fn length(text: &str) -> PostLength {
    PostLength { graphemes: grapheme_count(text), bytes: text.len() }
}

/// `app.bsky.richtext.facet#byteSlice`: a range of the post text in bytes of UTF-8, start inclusive, end exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ByteSlice {
    /// First byte (inclusive), zero-based.
    pub byte_start: usize,
    /// End byte (exclusive).
    pub byte_end: usize,
}

impl ByteSlice {
    /// The range as a `std::ops::Range`, to slice the text with.
    pub const fn range(self) -> std::ops::Range<usize> {
        self.byte_start..self.byte_end
    }
}

/// A feature of a lexicon facet: the union `#mention | #link | #tag` of `app.bsky.richtext.facet`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "$type")]
pub enum Feature {
    /// `app.bsky.richtext.facet#mention`: the mentioned account's DID.
    #[serde(rename = "app.bsky.richtext.facet#mention")]
    Mention {
        /// The account's DID (`did:plc:…`, `did:web:…`).
        did: String,
    },
    /// `app.bsky.richtext.facet#link`: a complete URI.
    #[serde(rename = "app.bsky.richtext.facet#link")]
    Link {
        /// The link target, with its scheme.
        uri: String,
    },
    /// `app.bsky.richtext.facet#tag`: a hashtag, without its `#` (a cashtag keeps its `$`).
    #[serde(rename = "app.bsky.richtext.facet#tag")]
    Tag {
        /// The tag text.
        tag: String,
    },
}

/// `app.bsky.richtext.facet`: a range of the text and what it means. Serializes to exactly the lexicon's JSON:
/// `{"$type":"app.bsky.richtext.facet","index":{"byteStart":…,"byteEnd":…},"features":[{"$type":"…#link","uri":…}]}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Facet {
    /// The annotated bytes of the text.
    pub index: ByteSlice,
    /// What the range means (usually one feature).
    pub features: Vec<Feature>,
}

impl Serialize for Facet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut facet = serializer.serialize_struct("Facet", 3)?;
        facet.serialize_field("$type", FACET_TYPE)?;
        facet.serialize_field("index", &self.index)?;
        facet.serialize_field("features", &self.features)?;
        facet.end()
    }
}

impl<'de> Deserialize<'de> for Facet {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// The wire shape; `$type` is optional on a facet (it is not a union member) but must be right if present.
        #[derive(Deserialize)]
        struct Wire {
            #[serde(rename = "$type")]
            kind: Option<String>,
            index: ByteSlice,
            features: Vec<Feature>,
        }
        let wire = Wire::deserialize(deserializer)?;
        match wire.kind.as_deref() {
            None | Some(FACET_TYPE) => Ok(Facet { index: wire.index, features: wire.features }),
            Some(other) => Err(D::Error::custom(format!("expected $type {FACET_TYPE}, found {other}"))),
        }
    }
}

/// What a detected facet means, before mentions are resolved: a mention still carries the handle as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DetectedFeature {
    /// `@handle`: the handle to resolve to a DID at publish time (without the `@`, as written).
    Mention {
        /// The handle, e.g. `alice.bsky.social`.
        handle: String,
    },
    /// A link, with the complete URI for the facet (`https://` prepended to bare domains).
    Link {
        /// The facet URI.
        uri: String,
    },
    /// A hashtag (without `#`) or a cashtag (`$` + ticker in upper case).
    Tag {
        /// The tag feature's text.
        tag: String,
    },
}

/// A facet found in text by [`detect_facets`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DetectedFacet {
    /// The bytes of the text that the facet covers: the `@handle`, the URL as written, or the `#tag`.
    pub index: ByteSlice,
    /// What it is.
    pub feature: DetectedFeature,
}

impl DetectedFacet {
    /// The covered text. `text` must be the text the facet was detected in; `""` if the range does not fit it.
    pub fn text<'a>(&self, text: &'a str) -> &'a str {
        text.get(self.index.range()).unwrap_or_default()
    }

    /// The lexicon facet for a link or a tag; `None` for a mention, which needs [`resolve_mentions`].
    pub fn to_facet(&self) -> Option<Facet> {
        let feature = match &self.feature {
            DetectedFeature::Mention { .. } => return None,
            DetectedFeature::Link { uri } => Feature::Link { uri: uri.clone() },
            DetectedFeature::Tag { tag } => Feature::Tag { tag: tag.clone() },
        };
        Some(Facet { index: self.index, features: vec![feature] })
    }
}

/// Finds the links, mentions, hashtags and cashtags in `text` as the official Bluesky app does (see the module
/// documentation), sorted by position, none overlapping.
pub fn detect_facets(text: &str) -> Vec<DetectedFacet> {
    let mut facets = Vec::new();
    detect_mentions(text, &mut facets);
    for link in detect_links(text) {
        facets.push(DetectedFacet { index: link.index, feature: DetectedFeature::Link { uri: link.uri } });
    }
    detect_tags(text, &mut facets);
    detect_cashtags(text, &mut facets);
    // The reference sorts by byteStart with a stable sort; its renderer then skips facets that start inside an
    // earlier one. Dropping those here keeps the record free of overlapping facets.
    facets.sort_by_key(|facet| facet.index.byte_start);
    let mut cursor = 0;
    facets.retain(|facet| {
        let keep = facet.index.byte_start >= cursor;
        if keep {
            cursor = facet.index.byte_end;
        }
        keep
    });
    facets
}

/// The distinct handles mentioned in `facets`, to resolve ahead of [`resolve_mentions`].
pub fn mention_handles(facets: &[DetectedFacet]) -> BTreeSet<&str> {
    facets
        .iter()
        .filter_map(|facet| match &facet.feature {
            DetectedFeature::Mention { handle } => Some(handle.as_str()),
            _ => None,
        })
        .collect()
}

/// Turns detected facets into lexicon facets, resolving each mention's handle with `resolve` (handle → DID).
///
/// A mention whose handle does not resolve (`None`), or resolves to something that is not a DID, is left out: its
/// text stays in the post as plain text, as the official app does.
pub fn resolve_mentions<F>(facets: &[DetectedFacet], mut resolve: F) -> Vec<Facet>
where
    F: FnMut(&str) -> Option<String>,
{
    facets
        .iter()
        .filter_map(|facet| match &facet.feature {
            DetectedFeature::Mention { handle } => resolve(handle)
                .filter(|did| is_valid_did(did))
                .map(|did| Facet { index: facet.index, features: vec![Feature::Mention { did }] }),
            _ => facet.to_facet(),
        })
        .collect()
}

/// Whether `did` has the syntax of Lexicon's `did` format (`@atproto/syntax`: `did:` + lower-case method + `:` +
/// identifier of `[a-zA-Z0-9._:%-]` not ending in `:` or `%`, at most 2,048 characters).
pub fn is_valid_did(did: &str) -> bool {
    let Some(rest) = did.strip_prefix("did:") else { return false };
    let Some((method, id)) = rest.split_once(':') else { return false };
    did.len() <= 2048
        && !method.is_empty()
        && method.bytes().all(|b| b.is_ascii_lowercase())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"._:%-".contains(&b))
        && id.bytes().last().is_some_and(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

/// Whether `uri` has the syntax of Lexicon's `uri` format (`@atproto/syntax` `isValidUri`:
/// `^\w+:(?:\/\/)?[^\s/][^\s]*$`).
pub fn is_valid_uri(uri: &str) -> bool {
    let Some((scheme, rest)) = uri.split_once(':') else { return false };
    let starts_well = |s: &str| s.chars().next().is_some_and(|c| c != '/');
    !scheme.is_empty()
        && scheme.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !rest.chars().any(is_js_space)
        && (rest.strip_prefix("//").is_some_and(starts_well) || starts_well(rest))
}

/// A link found by the reference link detection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DetectedLink {
    /// The URL as written, trailing punctuation excluded.
    pub(crate) index: ByteSlice,
    /// The complete URI (`https://` prepended to a bare domain).
    pub(crate) uri: String,
}

/// JavaScript's `\s`: WhiteSpace and LineTerminator of ECMA-262 (`\t \v \f` space, U+00A0, U+FEFF, category Zs, and
/// `\n \r` U+2028 U+2029). Differs from Rust's `char::is_whitespace` (no U+0085, with U+FEFF).
pub(crate) fn is_js_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r' | ' ' | '\u{A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}' | '\u{2028}' | '\u{2029}' | '\u{202F}' | '\u{205F}' | '\u{3000}' | '\u{FEFF}'
    )
}

/// JavaScript's ASCII `\w`, which is what `\b` tests without the `u` flag.
fn is_ascii_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// `\p{P}`: General_Category Punctuation.
fn is_punctuation(c: char) -> bool {
    c.general_category_group() == GeneralCategoryGroup::Punctuation
}

fn char_at(text: &str, at: usize) -> Option<char> {
    text.get(at..).and_then(|rest| rest.chars().next())
}

/// Where the rest of a match may start for patterns that begin with `(^|\s)` (and `\(` when `paren`): at `at` itself
/// when `at` is 0 (`^`), else after the one white-space (or `(`) character at `at`. Tries the alternatives in the
/// pattern's order and returns each candidate start.
fn after_leading(at: usize, c: char, paren: bool) -> [Option<usize>; 2] {
    let caret = (at == 0).then_some(0);
    let consumed = (is_js_space(c) || (paren && c == '(')).then(|| at + c.len_utf8());
    [caret, consumed]
}

/// Whether `domain` ends in `.` + a known top-level domain (`isValidDomain` of the reference, which compares case
/// sensitively against the lower-case list).
fn is_valid_domain(domain: &str) -> bool {
    domain.rsplit_once('.').is_some_and(|(_, tld)| is_known_tld(tld))
}

/// Whether `tld` (lower case) is in the list of top-level domains the reference detection knows.
pub(crate) fn is_known_tld(tld: &str) -> bool {
    tlds::TLDS.binary_search(&tld).is_ok()
}

/// Mentions: `/(^|\s|\()(@)([a-zA-Z0-9.-]+)(\b)/g`.
fn detect_mentions(text: &str, out: &mut Vec<DetectedFacet>) {
    let mut at = 0;
    while let Some(c) = char_at(text, at) {
        let found = after_leading(at, c, true)
            .into_iter()
            .flatten()
            .filter(|&sign| char_at(text, sign) == Some('@'))
            .find_map(|sign| mention_end(text, sign + 1).map(|end| (sign, end)));
        let Some((sign, end)) = found else {
            at += c.len_utf8();
            continue;
        };
        let handle = &text[sign + 1..end];
        if is_valid_domain(handle) || handle.ends_with(".test") {
            out.push(DetectedFacet {
                index: ByteSlice { byte_start: sign, byte_end: end },
                feature: DetectedFeature::Mention { handle: handle.to_owned() },
            });
        }
        at = end;
    }
}

/// End of `[a-zA-Z0-9.-]+(\b)` starting at `start`: the longest run, backtracked to an ASCII word boundary.
fn mention_end(text: &str, start: usize) -> Option<usize> {
    let run = text[start..].bytes().take_while(|&b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-').count();
    (start + 1..=start + run).rev().find(|&end| {
        let before = text.as_bytes()[end - 1];
        let after = char_at(text, end).is_some_and(is_ascii_word);
        is_ascii_word(char::from(before)) != after
    })
}

/// Links: `/(^|\s|\()((https?:\/\/[\S]+)|((?<domain>[a-z][a-z0-9]*(\.[a-z0-9]+)+)[\S]*))/gim`, then the
/// reference's checks and trailing-punctuation stripping. Used by the other networks' link rules too.
pub(crate) fn detect_links(text: &str) -> Vec<DetectedLink> {
    let mut links = Vec::new();
    let mut at = 0;
    while let Some(c) = char_at(text, at) {
        let found = after_leading(at, c, true).into_iter().flatten().find_map(|start| link_at(text, start));
        let Some(found) = found else {
            at += c.len_utf8();
            continue;
        };
        at = found.end;
        let written = &text[found.start..found.end];
        let mut uri = match found.domain_end {
            // The reference keeps a scheme match only when it starts with lower-case `http` (`HTTPS://…` is
            // skipped: it has no `domain` group to fall back on).
            None if written.starts_with("http") => written.to_owned(),
            None => continue,
            Some(domain_end) if is_valid_domain(&text[found.start..domain_end]) => format!("https://{written}"),
            Some(_) => continue,
        };
        let mut end = found.end;
        if uri.ends_with(['.', ',', ';', ':', '!', '?']) {
            uri.pop();
            end -= 1;
        }
        if uri.ends_with(')') && !uri.contains('(') {
            uri.pop();
            end -= 1;
        }
        if is_valid_uri(&uri) {
            links.push(DetectedLink { index: ByteSlice { byte_start: found.start, byte_end: end }, uri });
        }
    }
    links
}

struct LinkMatch {
    start: usize,
    end: usize,
    /// End of the `domain` group when the bare-domain alternative matched.
    domain_end: Option<usize>,
}

/// The second group of the link pattern at `start`: `https?:\/\/[\S]+` or `[a-z][a-z0-9]*(\.[a-z0-9]+)+[\S]*`, case
/// insensitive (ASCII only: the pattern has no `u` flag, so no non-ASCII letter folds into `[a-z]`).
fn link_at(text: &str, start: usize) -> Option<LinkMatch> {
    let rest = &text[start..];
    let non_space_end = |from: usize| from + text[from..].find(is_js_space).unwrap_or(text.len() - from);
    let scheme = ["https://", "http://"]
        .into_iter()
        .find(|scheme| rest.get(..scheme.len()).is_some_and(|head| head.eq_ignore_ascii_case(scheme)));
    if let Some(scheme) = scheme {
        let body = start + scheme.len();
        let end = non_space_end(body);
        if end > body {
            return Some(LinkMatch { start, end, domain_end: None });
        }
    }
    let bytes = rest.as_bytes();
    if !bytes.first().is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    let mut domain_end = bytes.iter().take_while(|b| b.is_ascii_alphanumeric()).count();
    let mut labels = 0;
    while bytes.get(domain_end) == Some(&b'.') {
        let label = bytes[domain_end + 1..].iter().take_while(|b| b.is_ascii_alphanumeric()).count();
        if label == 0 {
            break;
        }
        domain_end += 1 + label;
        labels += 1;
    }
    (labels > 0).then(|| LinkMatch {
        start,
        end: non_space_end(start + domain_end),
        domain_end: Some(start + domain_end),
    })
}

/// Characters that end a hashtag: `\s` and the invisible ones the reference lists (soft hyphen, word joiner, hair
/// space, zero-width space/non-joiner/joiner, combining enclosing screen).
fn ends_tag(c: char) -> bool {
    is_js_space(c)
        || matches!(c, '\u{AD}' | '\u{2060}' | '\u{200A}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{20E2}')
}

/// Hashtags: `TAG_REGEX` of the reference,
/// `/(^|\s)[#＃]((?!\ufe0f)[^\s…]*[^\d\s\p{P}…]+[^\s…]*)?/gu`, then trailing punctuation stripped and the 64-grapheme
/// limit applied.
fn detect_tags(text: &str, out: &mut Vec<DetectedFacet>) {
    let mut at = 0;
    while let Some(c) = char_at(text, at) {
        let hash = after_leading(at, c, false)
            .into_iter()
            .flatten()
            .find(|&hash| matches!(char_at(text, hash), Some('#' | '＃')));
        let Some(hash) = hash else {
            at += c.len_utf8();
            continue;
        };
        let body = hash + char_at(text, hash).map_or(1, char::len_utf8);
        // The group is all the following characters up to one that ends a tag, provided one of them is neither an
        // ASCII digit nor punctuation; the negative look-ahead rejects a group starting with U+FE0F.
        let run_end = body + text[body..].find(ends_tag).unwrap_or(text.len() - body);
        let run = &text[body..run_end];
        let has_group = !run.starts_with('\u{FE0F}') && run.chars().any(|c| !c.is_ascii_digit() && !is_punctuation(c));
        if !has_group {
            at = body;
            continue;
        }
        at = run_end;
        // `tag.trim()` is a no-op: the run holds no white space.
        let tag = run.trim_end_matches(is_punctuation);
        if tag.is_empty() || tag.len() > TAG_MAX_BYTES || grapheme_count(tag) > TAG_MAX_GRAPHEMES {
            continue;
        }
        out.push(DetectedFacet {
            index: ByteSlice { byte_start: hash, byte_end: body + tag.len() },
            feature: DetectedFeature::Tag { tag: tag.to_owned() },
        });
    }
}

/// Cashtags: `/(^|\s|\()\$([A-Za-z][A-Za-z0-9]{0,4})(?=\s|$|[.,;:!?)"'\u2019])/gu`, normalised to upper case.
fn detect_cashtags(text: &str, out: &mut Vec<DetectedFacet>) {
    let mut at = 0;
    while let Some(c) = char_at(text, at) {
        let found = after_leading(at, c, true)
            .into_iter()
            .flatten()
            .filter(|&dollar| char_at(text, dollar) == Some('$'))
            .find_map(|dollar| cashtag_end(text, dollar + 1).map(|end| (dollar, end)));
        let Some((dollar, end)) = found else {
            at += c.len_utf8();
            continue;
        };
        out.push(DetectedFacet {
            index: ByteSlice { byte_start: dollar, byte_end: end },
            feature: DetectedFeature::Tag { tag: format!("${}", text[dollar + 1..end].to_ascii_uppercase()) },
        });
        at = end;
    }
}

/// End of `[A-Za-z][A-Za-z0-9]{0,4}` at `start` when the look-ahead holds. Backtracking cannot help: a shorter
/// ticker is followed by a letter or digit, which the look-ahead refuses.
fn cashtag_end(text: &str, start: usize) -> Option<usize> {
    let bytes = text.as_bytes().get(start..)?;
    if !bytes.first().is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    let end = start + 1 + bytes[1..].iter().take(4).take_while(|b| b.is_ascii_alphanumeric()).count();
    let next_ok = char_at(text, end).is_none_or(|c| {
        is_js_space(c) || matches!(c, '.' | ',' | ';' | ':' | '!' | '?' | ')' | '"' | '\'' | '\u{2019}')
    });
    next_ok.then_some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tld_list_is_sorted_and_lower_case() {
        assert!(tlds::TLDS.windows(2).all(|pair| pair[0] < pair[1]));
        assert!(
            tlds::TLDS.iter().all(|tld| tld.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'))
        );
        assert!(is_valid_domain("example.com") && is_valid_domain("a.b.museum") && !is_valid_domain("example.COM"));
        // The list holds internationalised TLDs in Unicode only (`рф`), so their punycode form is unknown, as in the
        // reference.
        assert!(!is_valid_domain("a.xn--p1ai") && !is_valid_domain("com") && !is_valid_domain("a.jpg"));
    }

    #[test]
    fn uri_and_did_syntax() {
        assert!(is_valid_uri("https://example.com"));
        assert!(!is_valid_uri("https://"));
        assert!(!is_valid_uri("https:///x"));
        assert!(is_valid_uri("mailto:a@b.c"));
        assert!(is_valid_did("did:plc:z72i7hdynmk6r22z27h6tvur"));
        assert!(is_valid_did("did:web:example.com"));
        assert!(
            !is_valid_did("did:PLC:abc")
                && !is_valid_did("did:plc:")
                && !is_valid_did("did:plc:a%")
                && !is_valid_did("")
        );
    }

    #[test]
    fn js_space_is_ecmascript_white_space() {
        assert!(
            is_js_space('\u{FEFF}') && is_js_space('\u{3000}') && !is_js_space('\u{85}') && !is_js_space('\u{200B}')
        );
    }
}
