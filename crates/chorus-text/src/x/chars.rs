//! Character classes of twitter-text's regular expressions, as plain predicates.
//!
//! Names follow twitter-text's `Regex.java` so that a reader can put both side by side.

use unicode_properties::{GeneralCategory, GeneralCategoryGroup, UnicodeGeneralCategory};

/// `@` and the full-width `＠`.
pub(crate) fn is_at_sign(c: char) -> bool {
    matches!(c, '@' | '＠')
}

/// `#` and the full-width `＃`.
pub(crate) fn is_hash_sign(c: char) -> bool {
    matches!(c, '#' | '＃')
}

/// Characters X refuses in a post: U+FFFE, U+FEFF (byte-order mark) and U+FFFF.
pub(crate) fn is_invalid_char(c: char) -> bool {
    matches!(c, '\u{FFFE}' | '\u{FEFF}' | '\u{FFFF}')
}

/// Bidirectional marks, embeddings, overrides and isolates (`DIRECTIONAL_CHARACTERS`).
pub(crate) fn is_directional(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// twitter-text's `UNICODE_SPACES` (the White_Space characters it lists).
pub(crate) fn is_unicode_space(c: char) -> bool {
    matches!(
        c,
        '\u{0009}'..='\u{000D}'
            | '\u{0020}'
            | '\u{0085}'
            | '\u{00A0}'
            | '\u{1680}'
            | '\u{180E}'
            | '\u{2000}'..='\u{200A}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202F}'
            | '\u{205F}'
            | '\u{3000}'
    )
}

/// Accented Latin letters and combining diacritics (`LATIN_ACCENTS_CHARS`).
pub(crate) fn is_latin_accent(c: char) -> bool {
    matches!(
        c,
        '\u{00C0}'..='\u{00D6}'
            | '\u{00D8}'..='\u{00F6}'
            | '\u{00F8}'..='\u{00FF}'
            | '\u{0100}'..='\u{024F}'
            | '\u{0253}'
            | '\u{0254}'
            | '\u{0256}'
            | '\u{0257}'
            | '\u{0259}'
            | '\u{025B}'
            | '\u{0263}'
            | '\u{0268}'
            | '\u{026F}'
            | '\u{0272}'
            | '\u{0289}'
            | '\u{028B}'
            | '\u{02BB}'
            | '\u{0300}'..='\u{036F}'
            | '\u{1E00}'..='\u{1EFF}'
    )
}

/// The Cyrillic block (`CYRILLIC_CHARS`).
pub(crate) fn is_cyrillic(c: char) -> bool {
    matches!(c, '\u{0400}'..='\u{04FF}')
}

/// Java's `\p{Punct}`: the ASCII punctuation characters.
pub(crate) fn is_ascii_punct(c: char) -> bool {
    c.is_ascii_punctuation()
}

/// Java's `\s` (without `UNICODE_CHARACTER_CLASS`): ASCII whitespace including vertical tab.
pub(crate) fn is_java_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{000B}' | '\u{000C}' | '\r')
}

/// A letter or mark that may appear in a hashtag (`HASHTAG_LETTERS_AND_MARKS`): Unicode's L and M categories,
/// plus the private-use characters twitter-text lists there.
pub(crate) fn is_hashtag_letter(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    matches!(c.general_category_group(), GeneralCategoryGroup::Letter | GeneralCategoryGroup::Mark)
        || matches!(c, '\u{F870}'..='\u{F87F}' | '\u{F882}' | '\u{F884}'..='\u{F89F}' | '\u{F8B8}' | '\u{F8C1}'..='\u{F8D6}')
}

/// A letter, mark, decimal digit or joining character that may appear in a hashtag
/// (`HASHTAG_LETTERS_NUMERALS`).
pub(crate) fn is_hashtag_alnum(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || c == '_';
    }
    is_hashtag_letter(c)
        || c.general_category() == GeneralCategory::DecimalNumber
        || matches!(
            c,
            '\u{200C}'
                | '\u{200D}'
                | '\u{A67E}'
                | '\u{05BE}'
                | '\u{05F3}'
                | '\u{05F4}'
                | '\u{FF5E}'
                | '\u{301C}'
                | '\u{309B}'
                | '\u{309C}'
                | '\u{30A0}'
                | '\u{30FB}'
                | '\u{3003}'
                | '\u{0F0B}'
                | '\u{0F0C}'
                | '\u{00B7}'
        )
}

/// `[a-z0-9_]` without regard to case: a screen-name character.
pub(crate) fn is_screen_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// `URL_VALID_CHARS`: an ASCII letter or digit or an accented Latin letter.
pub(crate) fn is_url_valid_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || is_latin_accent(c)
}

/// `URL_VALID_UNICODE_CHARS`: anything but ASCII punctuation (backslash excepted, as in twitter-text), white
/// space, separators and the General Punctuation block.
pub(crate) fn is_url_valid_unicode_char(c: char) -> bool {
    !((c.is_ascii_punctuation() && c != '\\')
        || is_java_space(c)
        || c.general_category_group() == GeneralCategoryGroup::Separator
        || ('\u{2000}'..='\u{206F}').contains(&c))
}

/// `URL_VALID_PRECEDING_CHARS` minus its `^`: a character after which a URL may begin.
pub(crate) fn is_url_preceding_char(c: char) -> bool {
    is_directional(c)
        || !(c.is_ascii_alphanumeric() || matches!(c, '@' | '＠' | '$' | '#' | '＃') || is_invalid_char(c))
}

/// `URL_VALID_GENERAL_PATH_CHARS`.
pub(crate) fn is_url_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '!' | '*'
                | '\''
                | ';'
                | ':'
                | '='
                | '+'
                | ','
                | '.'
                | '$'
                | '/'
                | '%'
                | '#'
                | '['
                | ']'
                | '-'
                | '\u{2013}'
                | '_'
                | '~'
                | '|'
                | '&'
                | '@'
        )
        || is_latin_accent(c)
        || is_cyrillic(c)
}

/// `URL_VALID_PATH_ENDING_CHARS` (single characters; a balanced parenthesis group also ends a path).
pub(crate) fn is_url_path_ending_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '=' | '_' | '#' | '/' | '-' | '+') || is_latin_accent(c) || is_cyrillic(c)
}

/// `URL_VALID_URL_QUERY_CHARS`.
pub(crate) fn is_url_query_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '!' | '?'
                | '*'
                | '\''
                | '('
                | ')'
                | ';'
                | ':'
                | '&'
                | '='
                | '+'
                | '$'
                | '/'
                | '%'
                | '#'
                | '['
                | ']'
                | '-'
                | '_'
                | '.'
                | ','
                | '~'
                | '|'
                | '@'
        )
}

/// `URL_VALID_URL_QUERY_ENDING_CHARS`.
pub(crate) fn is_url_query_ending_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '&' | '=' | '#' | '/')
}

/// The first character of `text[at..]`, if any.
pub(crate) fn char_at(text: &str, at: usize) -> Option<char> {
    text.get(at..).and_then(|rest| rest.chars().next())
}
