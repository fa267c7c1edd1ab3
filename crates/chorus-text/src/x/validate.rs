//! twitter-text's validators for a single username, list, hashtag or URL (`isValidUsername`, `isValidList`,
//! `isValidHashtag`, `isValidUrl`).

use super::chars::is_at_sign;
use super::extract::{extract_hashtags, extract_mentions};

/// Whether `text` is exactly one `@screen_name` (1–20 ASCII letters, digits or `_`).
pub fn is_valid_username(text: &str) -> bool {
    let Some(sign) = text.chars().next().filter(|&c| is_at_sign(c)) else {
        return false;
    };
    let mentions = extract_mentions(text);
    mentions.len() == 1 && mentions[0].screen_name == &text[sign.len_utf8()..]
}

/// Whether `text` is exactly one `@owner/list`.
pub fn is_valid_list(text: &str) -> bool {
    let Some(sign) = text.chars().next().filter(|&c| is_at_sign(c)) else {
        return false;
    };
    let bytes = &text.as_bytes()[sign.len_utf8()..];
    let name = bytes.iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'_').count();
    if !(1..=20).contains(&name) || bytes.get(name) != Some(&b'/') {
        return false;
    }
    let slug = &bytes[name + 1..];
    (1..=25).contains(&slug.len())
        && slug[0].is_ascii_alphabetic()
        && slug.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
}

/// Whether `text` is exactly one `#hashtag`.
pub fn is_valid_hashtag(text: &str) -> bool {
    let Some(hash) = text.chars().next() else {
        return false;
    };
    let hashtags = extract_hashtags(text);
    hashtags.len() == 1 && hashtags[0].tag == &text[hash.len_utf8()..]
}

/// Whether `url` is a valid `http://` or `https://` URL as X validates one (twitter-text's `isValidUrl` with
/// Unicode domains): RFC 3986 syntax with a host that is an IPv4 address, a bracketed IPv6 address, or a domain
/// of at least two labels (Unicode allowed; `_` only in sub-domains; the TLD starts with a letter).
///
/// twitter-text's JavaScript and Ruby ports accept only the first match of their pattern, which rejects
/// some valid addresses such as `http://10.0.0.10/`; this function accepts any URL the pattern matches whole.
pub fn is_valid_url(url: &str) -> bool {
    validate_url(url, true)
}

/// Like [`is_valid_url`], but the protocol may be left out (`example.com/path`). If present it must still be
/// `http` or `https` (twitter-text would accept any scheme here).
pub fn is_valid_url_without_protocol(url: &str) -> bool {
    validate_url(url, false)
}

fn validate_url(url: &str, require_protocol: bool) -> bool {
    // `^(?:([^:/?#]+)://)?([^/?#]*)([^?#]*)(?:\?([^#]*))?(?:#(.*))?$`, where `.` excludes line terminators.
    let scheme_end = url.find(['/', '?', '#', ':']).filter(|&i| i > 0 && url[i..].starts_with("://"));
    let (scheme, rest) = match scheme_end {
        Some(end) => (Some(&url[..end]), &url[end + 3..]),
        None => (None, url),
    };
    match scheme {
        Some(scheme) if !(scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")) => return false,
        None if require_protocol => return false,
        _ => {}
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, rest) = rest.split_at(authority_end);
    let path_end = rest.find(['?', '#']).unwrap_or(rest.len());
    let (path, rest) = rest.split_at(path_end);
    let (query, fragment) = match rest.strip_prefix('?') {
        Some(query_and_more) => match query_and_more.split_once('#') {
            Some((query, fragment)) => (query, Some(fragment)),
            None => (query_and_more, None),
        },
        None => ("", rest.strip_prefix('#')),
    };
    let no_line_terminator = |s: &str| !s.contains(['\n', '\r', '\u{2028}', '\u{2029}']);
    is_valid_authority(authority)
        && (path.is_empty() || (path.starts_with('/') && path.split('/').all(|segment| all_pchars(segment, ""))))
        && all_pchars(query, "/?")
        && fragment.is_none_or(|fragment| no_line_terminator(fragment) && all_pchars(fragment, "/?"))
}

/// RFC 3986 `unreserved` as twitter-text extends it with Cyrillic.
fn is_unreserved(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~') || ('\u{0400}'..='\u{04FF}').contains(&c)
}

fn is_sub_delim(c: char) -> bool {
    matches!(c, '!' | '$' | '&' | '\'' | '(' | ')' | '*' | '+' | ',' | ';' | '=')
}

/// Whether `s` is made of `%XX` escapes and characters that are unreserved, sub-delimiters, `:` or `extra`.
fn all_encoded(s: &str, is_allowed: impl Fn(char) -> bool) -> bool {
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '%' {
            let hex = [chars.next(), chars.next()];
            if !hex.iter().all(|h| h.is_some_and(|h| h.is_ascii_hexdigit())) {
                return false;
            }
        } else if !is_allowed(c) {
            return false;
        }
    }
    true
}

/// RFC 3986 `pchar*` (twitter-text adds `|`), plus the characters of `extra`.
fn all_pchars(s: &str, extra: &str) -> bool {
    all_encoded(s, |c| is_unreserved(c) || is_sub_delim(c) || matches!(c, ':' | '|' | '@') || extra.contains(c))
}

/// `[userinfo@]host[:port]`.
fn is_valid_authority(authority: &str) -> bool {
    let (userinfo, host_port) = match authority.rsplit_once('@') {
        Some((userinfo, host_port)) => (Some(userinfo), host_port),
        None => (None, authority),
    };
    if userinfo.is_some_and(|userinfo| !all_encoded(userinfo, |c| is_unreserved(c) || is_sub_delim(c) || c == ':')) {
        return false;
    }
    let (host, port) = if host_port.starts_with('[') {
        match host_port.find(']') {
            Some(close) => host_port.split_at(close + 1),
            None => return false,
        }
    } else {
        match host_port.rfind(':') {
            Some(colon) => host_port.split_at(colon),
            None => (host_port, ""),
        }
    };
    if let Some(digits) = port.strip_prefix(':') {
        if !(1..=5).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
    } else if !port.is_empty() {
        return false;
    }
    is_ipv4(host) || is_ipv6(host) || is_unicode_domain(host)
}

fn is_ipv4(host: &str) -> bool {
    let octets: Vec<&str> = host.split('.').collect();
    octets.len() == 4
        && octets.iter().all(|octet| {
            (1..=3).contains(&octet.len())
                && octet.bytes().all(|b| b.is_ascii_digit())
                && (octet.len() == 1 || !octet.starts_with('0'))
                && octet.parse::<u16>().is_ok_and(|value| value <= 255)
        })
}

fn is_ipv6(host: &str) -> bool {
    host.strip_prefix('[').and_then(|inner| inner.strip_suffix(']')).is_some_and(|inner| {
        !inner.is_empty() && inner.bytes().all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
    })
}

/// Sub-domains (letters, digits, non-ASCII, inner `-` and `_`), a domain (no `_`) and a TLD starting with a
/// letter or non-ASCII character.
fn is_unicode_domain(host: &str) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    let Some((tld, rest)) = labels.split_last() else {
        return false;
    };
    let Some((domain, subdomains)) = rest.split_last() else {
        return false;
    };
    let edge = |c: char| c.is_ascii_alphanumeric() || !c.is_ascii();
    let label_ok = |label: &str, first: &dyn Fn(char) -> bool, inner: &dyn Fn(char) -> bool| {
        let (Some(head), Some(last)) = (label.chars().next(), label.chars().next_back()) else {
            return false;
        };
        first(head) && edge(last) && label.chars().all(|c| edge(c) || inner(c))
    };
    let tld_first = |c: char| c.is_ascii_alphabetic() || !c.is_ascii();
    label_ok(tld, &tld_first, &|c| c == '-')
        && label_ok(domain, &edge, &|c| c == '-')
        && subdomains.iter().all(|label| label_ok(label, &edge, &|c| c == '-' || c == '_'))
}
