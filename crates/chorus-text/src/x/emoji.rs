//! Emoji sequences, which X's v3 counting weighs as one unit whatever their length.
//!
//! twitter-text matches emoji with a regular expression generated from Unicode's emoji data (`emoji-test.txt`):
//! every recommended (RGI) sequence — ZWJ sequences such as families, flags, subdivision flags, skin tones,
//! keycaps, and characters with the emoji presentation selector U+FE0F — plus keycaps without U+FE0F. This
//! module finds the same sequences with the `emojis` crate's table of Unicode's emoji (fully-qualified,
//! minimally-qualified and unqualified forms), taking the longest sequence at a position, as the generated
//! expression does.
//!
//! A lone code point is never reported: alone it weighs what its range says, which is twitter-text's result as
//! well (U+00A9 © weighs one without U+FE0F, and the emoji above U+2037 weigh two either way).

use std::sync::LazyLock;
use unicode_properties::UnicodeEmoji;

/// The most code points in one emoji sequence of the table (a kiss or a couple with two skin tones).
static MAX_EMOJI_CHARS: LazyLock<usize> = LazyLock::new(|| {
    emojis::iter()
        .flat_map(|emoji| std::iter::once(emoji).chain(emoji.skin_tones().into_iter().flatten()))
        .map(|emoji| emoji.as_str().chars().count())
        .max()
        .unwrap_or(1)
});

/// The length in bytes of the emoji sequence of at least two code points that starts at `at`, if any.
pub(crate) fn sequence_len(text: &str, at: usize) -> Option<usize> {
    let rest = text.get(at..)?;
    let mut chars = rest.char_indices();
    let (_, first) = chars.next()?;
    if !first.is_emoji_char() {
        return None;
    }
    if let Some(len) = keycap_len(rest) {
        return Some(len);
    }
    if first.is_ascii() {
        return None;
    }
    // Candidate ends after the 2nd, 3rd, ... code point; the longest that is an emoji wins.
    let ends: Vec<usize> = chars.take(*MAX_EMOJI_CHARS - 1).map(|(offset, c)| offset + c.len_utf8()).collect();
    ends.into_iter().rev().find(|&end| emojis::get(&rest[..end]).is_some())
}

/// `[#*0-9]`, an optional U+FE0F, then U+20E3 (the keycap sequences, also without the selector).
fn keycap_len(rest: &str) -> Option<usize> {
    let bytes = rest.as_bytes();
    if !matches!(bytes.first(), Some(b'#' | b'*' | b'0'..=b'9')) {
        return None;
    }
    let after_base = &rest[1..];
    let after_selector = after_base.strip_prefix('\u{FE0F}').unwrap_or(after_base);
    after_selector.starts_with('\u{20E3}').then(|| rest.len() - after_selector.len() + '\u{20E3}'.len_utf8())
}

#[cfg(test)]
mod tests {
    use super::sequence_len;

    fn first_sequence(text: &str) -> Option<&str> {
        sequence_len(text, 0).map(|len| &text[..len])
    }

    #[test]
    fn finds_whole_sequences() {
        assert_eq!(first_sequence("👨\u{200D}👩\u{200D}👧\u{200D}👦!"), Some("👨\u{200D}👩\u{200D}👧\u{200D}👦"));
        assert_eq!(first_sequence("🙋🏽x"), Some("🙋🏽"));
        assert_eq!(first_sequence("🇫🇷🇩🇪"), Some("🇫🇷"));
        assert_eq!(first_sequence("1\u{20E3}"), Some("1\u{20E3}"));
        assert_eq!(first_sequence("#\u{FE0F}\u{20E3}"), Some("#\u{FE0F}\u{20E3}"));
        assert_eq!(first_sequence("\u{263A}\u{FE0F}"), Some("\u{263A}\u{FE0F}"));
        assert_eq!(
            first_sequence("🏴\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}"),
            Some("🏴\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}")
        );
    }

    #[test]
    fn lone_code_points_and_text_are_not_sequences() {
        assert_eq!(first_sequence("😷"), None);
        assert_eq!(first_sequence("©"), None);
        assert_eq!(first_sequence("12"), None);
        assert_eq!(first_sequence("ab"), None);
        assert_eq!(first_sequence("🐱🏽"), None, "a skin tone on a non-person is two emoji");
    }
}
