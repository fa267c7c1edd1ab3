//! X (Twitter): how long a post is and which entities it contains, exactly as X counts and reads them.
//!
//! X's rules are published as [twitter-text](https://github.com/twitter/twitter-text) (Apache-2.0): libraries
//! in Java, JavaScript, Ruby and Objective-C, the configuration files `config/v1.json`–`v3.json`, and a
//! conformance suite that every port must pass. This module is our own implementation of those rules; it
//! passes that whole suite (`tests/twitter_text_conformance.rs`, with the suite in `tests/data/twitter-text/`).
//!
//! # Length: [`parse_tweet`], [`weighted_length`], [`is_valid_tweet`]
//!
//! X counts a *weighted* length and accepts at most 280 (configuration v3, [`Config::V3`], in force since
//! 2018):
//!
//! * The text is first normalised to NFC, so `e` + U+0301 counts as the single `é`.
//! * Every URL (as [`extract_urls`] finds it, with or without `http://`) counts **23**, its t.co length,
//!   whatever its own length.
//! * Every emoji sequence counts **2**, however many code points it has: 👨‍👩‍👧‍👦 (seven code points joined
//!   by ZWJ), 🇫🇷 (two regional indicators), 🙋🏽 (skin tone), 1️⃣ (keycap), 🏴󠁧󠁢󠁥󠁮󠁧󠁿 (tag sequence).
//! * Any other code point counts **1** if it is in U+0000–U+10FF (Latin, Greek, Cyrillic, Hebrew, Arabic,
//!   Indic scripts, Thai, Georgian, ...), U+2000–U+200D, U+2010–U+201F or U+2032–U+2037 (spaces, dashes,
//!   quotes, primes), and **2** otherwise (CJK, Hangul, emoji, ...).
//!
//! Internally weights are scaled by 100 (1 → 100, 2 → 200) as in twitter-text's configuration. A post is valid
//! if its weighted length is 1–280, it has none of U+FFFE, U+FEFF, U+FFFF, and it is not only white space
//! (twitter-text's Java port rejects blank posts too; we count any Unicode white space as blank).
//!
//! [`parse_tweet`] also gives the part of the text that fits (`valid_range`) so the composer can mark the
//! overflow. Its ranges are in UTF-16 code units, as in twitter-text, because the composer runs in a browser.
//!
//! The older configurations [`Config::V1`] (140 code points) and [`Config::V2`] (weights without emoji
//! parsing) are there for the conformance suite and [`parse_tweet_with`].
//!
//! # Entities: [`extract_mentions`], [`extract_hashtags`], [`extract_cashtags`], [`extract_urls`], ...
//!
//! The extractors follow twitter-text's Java port where its ports differ (the Ruby port agrees with it; the
//! JavaScript port differs in corners: it ignores a directional mark before `$CASHTAG` or a reply, and it
//! extracts URLs without protocol through a Unicode domain pattern, so it drops their query and misses
//! `user_name.example.com`). A mention is `@` + 1–20 of `[A-Za-z0-9_]` not preceded by a letter, digit or one
//! of `_!#$%&*@`, and not followed by `@`, an accented Latin letter or `://`; hashtags take Unicode letters,
//! marks and digits (at least one letter); cashtags are 1–6 ASCII letters after white space; URLs need a TLD
//! from X's list (`tlds.yml` in the suite), and of a hashtag and a URL that overlap, the one that starts first
//! wins. Each entity has a [`Span`] in bytes (to slice the string), in code points (twitter-text's `indices`,
//! which the conformance suite checks, and the unit of X's API) and in UTF-16 code units (the unit of the Java
//! and JavaScript ports).
//!
//! # Emoji data
//!
//! twitter-text generated its emoji pattern from Unicode's emoji data of its day (Unicode 12). We use the same
//! kind of data at a newer version (the `emojis` crate, Unicode 18), so emoji added since then also count 2 —
//! as X counts them now.

mod chars;
mod config;
mod emoji;
mod extract;
mod parse;
mod punycode;
mod tlds;
mod url;
mod validate;

pub use config::{Config, WeightedRange};
pub use extract::{
    Cashtag, Entity, Hashtag, Mention, Span, Url, extract_cashtags, extract_entities, extract_hashtags,
    extract_mentions, extract_mentions_or_lists, extract_reply_screen_name, extract_urls,
};
pub use parse::{ParseResult, is_valid_tweet, parse_tweet, parse_tweet_with, weighted_length};
pub use validate::{is_valid_hashtag, is_valid_list, is_valid_url, is_valid_url_without_protocol, is_valid_username};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_like_x() {
        assert_eq!(weighted_length("Hello"), 5);
        assert_eq!(weighted_length("こんにちは"), 10);
        assert_eq!(weighted_length("👨\u{200D}👩\u{200D}👧\u{200D}👦"), 2);
        assert_eq!(weighted_length("see https://example.com/a/very/long/path/that/is/shortened"), 4 + 23);
        assert_eq!(weighted_length("e\u{301}"), 1, "NFC first");
    }

    #[test]
    fn validity() {
        assert!(is_valid_tweet("Hello"));
        assert!(!is_valid_tweet(""));
        assert!(!is_valid_tweet(" \n\u{3000}"));
        assert!(!is_valid_tweet("bad \u{FFFF}"));
        assert!(is_valid_tweet(&"a".repeat(280)));
        assert!(!is_valid_tweet(&"a".repeat(281)));
        assert!(!is_valid_tweet(&"字".repeat(141)));
    }

    #[test]
    fn valid_prefix_cuts_at_the_limit() {
        let text = format!("{}{}", "a".repeat(279), "字字");
        let parsed = parse_tweet(&text);
        assert_eq!(parsed.weighted_length, 283);
        assert_eq!(parsed.valid_prefix(&text), "a".repeat(279));
    }
}
