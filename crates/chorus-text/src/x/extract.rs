//! Entity extraction as twitter-text does it (`Extractor` in the Java port): mentions and lists, the reply
//! target, hashtags, cashtags and URLs, with their positions.
//!
//! twitter-text finds each kind with a regular expression applied repeatedly from left to right; a match
//! includes the character before the entity (which decides whether an entity may start there), and a match
//! that is then rejected (say, a mention followed by `@`) still consumes its text. The scanners below keep
//! both behaviours, as the conformance suite depends on them.

use super::chars::{
    char_at, is_ascii_punct, is_at_sign, is_directional, is_hash_sign, is_hashtag_alnum, is_hashtag_letter,
    is_java_space, is_latin_accent, is_screen_name_char, is_unicode_space,
};
use super::url::find_urls;
use serde::Serialize;
use std::ops::Range;

/// Where an entity is in the text, in the three units callers need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Span {
    /// Byte offsets, to slice the Rust string (always on character boundaries).
    pub bytes: Range<usize>,
    /// Code point offsets: twitter-text's `indices` in its conformance suite and Ruby port, and the
    /// `indices` of X's API entities.
    pub code_points: Range<usize>,
    /// UTF-16 code unit offsets: what JavaScript (the composer in a browser) and the Java port use.
    pub utf16: Range<usize>,
}

/// An `@mention`, or an `@owner/list` when `list_slug` is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mention<'a> {
    /// The screen name, without `@`.
    pub screen_name: &'a str,
    /// The list's slug, without the `/` (twitter-text's `listSlug` includes it).
    pub list_slug: Option<&'a str>,
    /// From the `@` to the end of the screen name or list slug.
    pub span: Span,
}

/// A `#hashtag`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hashtag<'a> {
    /// The tag, without `#`.
    pub tag: &'a str,
    /// From the `#` to the end of the tag.
    pub span: Span,
}

/// A `$CASHTAG`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cashtag<'a> {
    /// The symbol, without `$`.
    pub symbol: &'a str,
    /// From the `$` to the end of the symbol.
    pub span: Span,
}

/// A URL, which X shortens to a t.co link of [`super::Config::transformed_url_length`] characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Url<'a> {
    /// The URL as written (with its protocol, if it has one).
    pub url: &'a str,
    /// Whether it starts with `http://` or `https://`.
    pub has_protocol: bool,
    pub span: Span,
}

/// Any entity, as [`extract_entities`] returns them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Entity<'a> {
    Url(Url<'a>),
    Hashtag(Hashtag<'a>),
    Mention(Mention<'a>),
    Cashtag(Cashtag<'a>),
}

impl Entity<'_> {
    /// Where the entity is.
    pub fn span(&self) -> &Span {
        match self {
            Entity::Url(url) => &url.span,
            Entity::Hashtag(hashtag) => &hashtag.span,
            Entity::Mention(mention) => &mention.span,
            Entity::Cashtag(cashtag) => &cashtag.span,
        }
    }
}

/// Converts byte offsets of one text to code point and UTF-16 offsets, walking forward (entities come in
/// order, so the whole text is walked about once).
struct Locator<'a> {
    text: &'a str,
    byte: usize,
    code_points: usize,
    utf16: usize,
}

impl<'a> Locator<'a> {
    fn new(text: &'a str) -> Self {
        Locator { text, byte: 0, code_points: 0, utf16: 0 }
    }

    fn locate(&mut self, byte: usize) -> (usize, usize) {
        if byte < self.byte {
            *self = Locator::new(self.text);
        }
        for c in self.text[self.byte..byte].chars() {
            self.code_points += 1;
            self.utf16 += c.len_utf16();
        }
        self.byte = byte;
        (self.code_points, self.utf16)
    }

    fn span(&mut self, bytes: Range<usize>) -> Span {
        let (cp_start, u16_start) = self.locate(bytes.start);
        let (cp_end, u16_end) = self.locate(bytes.end);
        Span { bytes, code_points: cp_start..cp_end, utf16: u16_start..u16_end }
    }
}

/// twitter-text's `INVALID_MENTION_MATCH_END`: a mention must not run into `@`, an accented Latin letter or
/// `://`.
fn ends_mention_badly(after: &str) -> bool {
    after.starts_with("://") || after.chars().next().is_some_and(|c| is_at_sign(c) || is_latin_accent(c))
}

/// Raw mention match: byte offsets of the `@`, the end of the name and the end of the match.
struct RawMention {
    at: usize,
    name_end: usize,
    end: usize,
}

/// The length of `[a-zA-Z0-9_]{1,20}` at `at` (0 if none).
fn screen_name_len(text: &str, at: usize) -> usize {
    text.as_bytes()
        .get(at..)
        .map_or(0, |rest| rest.iter().take(20).take_while(|b| is_screen_name_char(char::from(**b))).count())
}

/// The mention whose `@` is at `at`, if a screen name follows.
fn mention_at(text: &str, at: usize) -> Option<RawMention> {
    let sign = char_at(text, at).filter(|&c| is_at_sign(c))?;
    let name_start = at + sign.len_utf8();
    let name_end = name_start + screen_name_len(text, name_start);
    if name_end == name_start {
        return None;
    }
    // Optional list: `/`, a letter, then up to 24 letters, digits, `_` or `-`.
    let bytes = text.as_bytes();
    let mut end = name_end;
    if bytes.get(name_end) == Some(&b'/') && bytes.get(name_end + 1).is_some_and(u8::is_ascii_alphabetic) {
        let slug_rest = bytes[name_end + 2..]
            .iter()
            .take(24)
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
            .count();
        end = name_end + 2 + slug_rest;
    }
    Some(RawMention { at, name_end, end })
}

/// Whether `c` may come right before `@` (twitter-text's `validMentionPrecedingChars`, first alternative).
fn may_precede_mention(c: char) -> bool {
    !(c.is_ascii_alphanumeric() || matches!(c, '_' | '!' | '#' | '$' | '%' | '&' | '*') || is_at_sign(c))
}

/// The at-sign position of an `RT` / `RT:` prefix at `at`.
fn after_retweet_prefix(text: &str, at: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let rt = bytes.get(at..at + 2)?;
    if !rt.eq_ignore_ascii_case(b"rt") {
        return None;
    }
    Some(if bytes.get(at + 2) == Some(&b':') { at + 3 } else { at + 2 })
}

/// The leftmost mention match starting at or after `pos`.
fn next_mention(text: &str, pos: usize) -> Option<RawMention> {
    for (offset, c) in text.get(pos..)?.char_indices() {
        let at = pos + offset;
        let after_c = at + c.len_utf8();
        // `^@`, then `[^a-z0-9_!#$%&*@＠]@`, then `(^|[^a-z0-9_+~.-])(RT|rt|Rt|rT):?@`.
        let candidates = [
            (at == 0).then_some(at),
            may_precede_mention(c).then_some(after_c),
            (at == 0).then(|| after_retweet_prefix(text, at)).flatten(),
            (!(c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '~' | '.' | '-')))
                .then(|| after_retweet_prefix(text, after_c))
                .flatten(),
        ];
        if let Some(found) = candidates.into_iter().flatten().find_map(|sign| mention_at(text, sign)) {
            return Some(found);
        }
    }
    None
}

/// Every `@mention` and `@owner/list` (twitter-text's `extractMentionsOrListsWithIndices`).
pub fn extract_mentions_or_lists(text: &str) -> Vec<Mention<'_>> {
    let mut mentions = Vec::new();
    if !text.contains(is_at_sign) {
        return mentions;
    }
    let mut locator = Locator::new(text);
    let mut pos = 0;
    while let Some(found) = next_mention(text, pos) {
        pos = found.end;
        if ends_mention_badly(&text[found.end..]) {
            continue;
        }
        let name_start = found.at + char_at(text, found.at).map_or(1, char::len_utf8);
        mentions.push(Mention {
            screen_name: &text[name_start..found.name_end],
            list_slug: (found.end > found.name_end).then(|| &text[found.name_end + 1..found.end]),
            span: locator.span(found.at..found.end),
        });
    }
    mentions
}

/// Every `@mention` that is not a list (twitter-text's `extractMentionedScreennamesWithIndices`).
pub fn extract_mentions(text: &str) -> Vec<Mention<'_>> {
    extract_mentions_or_lists(text).into_iter().filter(|mention| mention.list_slug.is_none()).collect()
}

/// The screen name a post replies to: an `@mention` at its very start, after white space or directional
/// marks only (twitter-text's `extractReplyScreenname`).
pub fn extract_reply_screen_name(text: &str) -> Option<&str> {
    let start = text.len() - text.trim_start_matches(|c| is_unicode_space(c) || is_directional(c)).len();
    let found = mention_at(text, start)?;
    if ends_mention_badly(&text[found.name_end..]) {
        return None;
    }
    let name_start = start + char_at(text, start).map_or(1, char::len_utf8);
    Some(&text[name_start..found.name_end])
}

/// Raw hashtag match: byte offsets of the `#`, the end of the tag.
struct RawHashtag {
    hash: usize,
    end: usize,
}

/// The hashtag whose `#` is at `at`: the longest run of hashtag characters, which must contain a letter.
fn hashtag_at(text: &str, at: usize) -> Option<RawHashtag> {
    let hash = char_at(text, at).filter(|&c| is_hash_sign(c))?;
    let tag_start = at + hash.len_utf8();
    let rest = &text[tag_start..];
    if rest.starts_with(['\u{FE0F}', '\u{20E3}']) {
        return None;
    }
    let mut has_letter = false;
    let mut tag_len = 0;
    for c in rest.chars().take_while(|&c| is_hashtag_alnum(c)) {
        has_letter |= is_hashtag_letter(c);
        tag_len += c.len_utf8();
    }
    has_letter.then_some(RawHashtag { hash: at, end: tag_start + tag_len })
}

/// The leftmost hashtag match starting at or after `pos`.
fn next_hashtag(text: &str, pos: usize) -> Option<RawHashtag> {
    for (offset, c) in text.get(pos..)?.char_indices() {
        let at = pos + offset;
        // `^#`, then a boundary character: U+FE0E, U+FE0F or anything but a hashtag character or `&`.
        if at == 0
            && let Some(found) = hashtag_at(text, at)
        {
            return Some(found);
        }
        let boundary = matches!(c, '\u{FE0E}' | '\u{FE0F}') || !(is_hashtag_alnum(c) || c == '&');
        if boundary && let Some(found) = hashtag_at(text, at + c.len_utf8()) {
            return Some(found);
        }
    }
    None
}

/// Hashtags before removing those inside URLs.
fn hashtags_in(text: &str) -> Vec<RawHashtag> {
    let mut hashtags = Vec::new();
    if !text.contains(is_hash_sign) {
        return hashtags;
    }
    let mut pos = 0;
    while let Some(found) = next_hashtag(text, pos) {
        pos = found.end;
        let after = &text[found.end..];
        if after.starts_with(is_hash_sign) || after.starts_with("://") {
            continue;
        }
        hashtags.push(found);
    }
    hashtags
}

/// Every `#hashtag` that is not part of a URL (twitter-text's `extractHashtagsWithIndices`).
pub fn extract_hashtags(text: &str) -> Vec<Hashtag<'_>> {
    let raw = hashtags_in(text);
    let urls = if raw.is_empty() { Vec::new() } else { find_urls(text) };
    let kept = without_overlaps(
        raw.iter()
            .map(|hashtag| (hashtag.hash..hashtag.end, true))
            .chain(urls.iter().map(|url| (url.start..url.end, false))),
    );
    let mut locator = Locator::new(text);
    kept.into_iter()
        .filter(|(_, is_hashtag)| *is_hashtag)
        .map(|(range, _)| {
            let tag_start = range.start + char_at(text, range.start).map_or(1, char::len_utf8);
            Hashtag { tag: &text[tag_start..range.end], span: locator.span(range) }
        })
        .collect()
}

/// twitter-text's `removeOverlappingEntities`: sorted by start (stably), an entity that starts before the
/// previous kept one ends is dropped. So a URL inside a hashtag's text loses to the hashtag (`#tag.com`), and a
/// hashtag inside a URL (`example.com/#tag`) to the URL.
fn without_overlaps<T>(entities: impl Iterator<Item = (Range<usize>, T)>) -> Vec<(Range<usize>, T)> {
    let mut entities: Vec<(Range<usize>, T)> = entities.collect();
    entities.sort_by_key(|(range, _)| range.start);
    let mut kept: Vec<(Range<usize>, T)> = Vec::with_capacity(entities.len());
    for entity in entities {
        if kept.last().is_some_and(|(previous, _)| previous.end > entity.0.start) {
            continue;
        }
        kept.push(entity);
    }
    kept
}

/// The end of a cashtag symbol at `at`: 1–6 ASCII letters, optionally `.` or `_` and 1–2 letters, followed by
/// the end of the text, ASCII white space or ASCII punctuation.
fn cashtag_symbol_end(text: &str, at: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let letters_from =
        |from: usize| bytes.get(from..).map_or(0, |rest| rest.iter().take_while(|b| b.is_ascii_alphabetic()).count());
    let may_end_before = |end: usize| char_at(text, end).is_none_or(|c| is_java_space(c) || is_ascii_punct(c));
    let letters = letters_from(at);
    if !(1..=6).contains(&letters) {
        return None;
    }
    let word_end = at + letters;
    if matches!(bytes.get(word_end), Some(b'.' | b'_')) {
        let suffix = letters_from(word_end + 1).min(2);
        for suffix_len in (1..=suffix).rev() {
            let end = word_end + 1 + suffix_len;
            if may_end_before(end) {
                return Some(end);
            }
        }
    }
    may_end_before(word_end).then_some(word_end)
}

/// Every `$CASHTAG` (twitter-text's `extractCashtagsWithIndices`, Java and Ruby semantics).
pub fn extract_cashtags(text: &str) -> Vec<Cashtag<'_>> {
    let mut cashtags = Vec::new();
    if !text.contains('$') {
        return cashtags;
    }
    let mut locator = Locator::new(text);
    let mut pos = 0;
    while pos < text.len() {
        let Some(found) = text[pos..].char_indices().find_map(|(offset, c)| {
            let at = pos + offset;
            // `^$`, then white space or a directional mark before `$`.
            let dollar_at =
                [(at == 0).then_some(at), (is_unicode_space(c) || is_directional(c)).then_some(at + c.len_utf8())];
            dollar_at.into_iter().flatten().find_map(|dollar| {
                (text.as_bytes().get(dollar) == Some(&b'$'))
                    .then(|| cashtag_symbol_end(text, dollar + 1))
                    .flatten()
                    .map(|end| (dollar, end))
            })
        }) else {
            break;
        };
        let (dollar, end) = found;
        cashtags.push(Cashtag { symbol: &text[dollar + 1..end], span: locator.span(dollar..end) });
        pos = end;
    }
    cashtags
}

/// Every URL, with or without protocol (twitter-text's `extractURLsWithIndices`).
pub fn extract_urls(text: &str) -> Vec<Url<'_>> {
    let mut locator = Locator::new(text);
    find_urls(text)
        .into_iter()
        .map(|found| Url {
            url: &text[found.start..found.end],
            has_protocol: found.has_protocol,
            span: locator.span(found.start..found.end),
        })
        .collect()
}

/// Every entity in order of position, a URL winning over a hashtag, mention or cashtag inside it
/// (twitter-text's `extractEntitiesWithIndices`).
pub fn extract_entities(text: &str) -> Vec<Entity<'_>> {
    let mut entities: Vec<Entity<'_>> = extract_urls(text).into_iter().map(Entity::Url).collect();
    let mut locator = Locator::new(text);
    entities.extend(hashtags_in(text).into_iter().map(|hashtag| {
        let tag_start = hashtag.hash + char_at(text, hashtag.hash).map_or(1, char::len_utf8);
        Entity::Hashtag(Hashtag { tag: &text[tag_start..hashtag.end], span: locator.span(hashtag.hash..hashtag.end) })
    }));
    entities.extend(extract_mentions_or_lists(text).into_iter().map(Entity::Mention));
    entities.extend(extract_cashtags(text).into_iter().map(Entity::Cashtag));
    without_overlaps(entities.into_iter().map(|entity| (entity.span().bytes.clone(), entity)))
        .into_iter()
        .map(|(_, entity)| entity)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_count_code_points_and_utf16_units() {
        let text = "😷 #tag";
        let hashtags = extract_hashtags(text);
        assert_eq!(hashtags.len(), 1);
        assert_eq!(hashtags[0].span.bytes, 5..9);
        assert_eq!(hashtags[0].span.code_points, 2..6);
        assert_eq!(hashtags[0].span.utf16, 3..7);
    }

    #[test]
    fn entities_prefer_the_url() {
        let text = "see http://example.com/#tag and #real @someone $TSLA";
        let kinds: Vec<&str> = extract_entities(text)
            .iter()
            .map(|entity| match entity {
                Entity::Url(_) => "url",
                Entity::Hashtag(_) => "hashtag",
                Entity::Mention(_) => "mention",
                Entity::Cashtag(_) => "cashtag",
            })
            .collect();
        assert_eq!(kinds, ["url", "hashtag", "mention", "cashtag"]);
    }

    #[test]
    fn the_earlier_of_overlapping_hashtag_and_url_wins() {
        fn tags(text: &str) -> Vec<&str> {
            extract_hashtags(text).into_iter().map(|hashtag| hashtag.tag).collect()
        }
        assert_eq!(tags("#ﾊﾟt.co/"), ["ﾊﾟt"], "the URL t.co/ starts inside the hashtag");
        assert_eq!(tags("see example.com/#tag"), Vec::<&str>::new(), "the hashtag is inside the URL");
    }

    #[test]
    fn reply_needs_the_mention_first() {
        assert_eq!(extract_reply_screen_name("\u{3000}@jack hi"), Some("jack"));
        assert_eq!(extract_reply_screen_name("hi @jack"), None);
        assert_eq!(extract_reply_screen_name("@jack@example.com"), None);
    }
}
