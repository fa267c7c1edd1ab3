//! Telling a status read back from the instance by its text. Mastodon answers a status's `content` as HTML (the
//! source `text` only on deletion), so matching what Chorus posted compares both as plain words.

/// The text of a status's HTML `content`: line and paragraph breaks as white space, tags dropped (a link's hidden
/// `https://` and its ellipsed tail are spans, so the whole address stays), entities decoded.
pub(crate) fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find(['<', '&']) {
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        if rest.starts_with('<') {
            let end = rest.find('>').map_or(rest.len(), |e| e + 1);
            let tag = rest[..end].to_ascii_lowercase();
            if tag.starts_with("<br") || tag.starts_with("</p") || tag.starts_with("<p") {
                out.push(' ');
            }
            rest = &rest[end..];
        } else {
            let (decoded, used) = entity(rest);
            out.push_str(&decoded);
            rest = &rest[used..];
        }
    }
    out.push_str(rest);
    out
}

/// The character an entity at the start of `text` stands for, and the bytes it took; a lone `&` is itself.
fn entity(text: &str) -> (String, usize) {
    let Some(end) = text.find(';').filter(|&e| e <= 10) else { return ("&".into(), 1) };
    let name = &text[1..end];
    let named = match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "nbsp" => Some('\u{a0}'),
        _ => None,
    };
    let numeric = || {
        let number = name.strip_prefix('#')?;
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse().ok()?,
        };
        char::from_u32(code)
    };
    match named.or_else(numeric) {
        Some(c) => (c.to_string(), end + 1),
        None => ("&".into(), 1),
    }
}

/// Words compared loosely enough to survive Mastodon's rendering: white space collapsed, and a remote mention
/// `@user@domain` as the `@user` its HTML shows.
pub(crate) fn comparable(text: &str) -> String {
    text.split_whitespace()
        .map(|word| match word.strip_prefix('@').and_then(|rest| rest.find('@').map(|at| at + 1)) {
            Some(at) if at > 1 => &word[..at],
            _ => word,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether a status's HTML `content` shows `text`.
pub(crate) fn shows(content_html: &str, text: &str) -> bool {
    comparable(&html_to_text(content_html)) == comparable(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mastodon_html_reads_as_the_text_that_was_posted() {
        // As Mastodon renders a link, a remote mention, a hashtag and paragraphs.
        let html = "<p>Hello <span class=\"h-card\"><a href=\"https://social.example/@bob\" class=\"u-url mention\">@<span>bob</span></a></span> &amp; friends &lt;3<br />see <a href=\"https://example.com/a-long-path\" rel=\"nofollow noopener\" target=\"_blank\"><span class=\"invisible\">https://</span><span class=\"ellipsis\">example.com/a-lon</span><span class=\"invisible\">g-path</span></a></p><p><a href=\"https://social.example/tags/launch\" class=\"mention hashtag\" rel=\"tag\">#<span>launch</span></a> it&#39;s &#x1F389;</p>";
        assert!(shows(
            html,
            "Hello @bob@social.example & friends <3\nsee https://example.com/a-long-path\n\n#launch it's 🎉"
        ));
        assert!(!shows(html, "Hello @bob & friends <3 see https://example.com/a-long-path #launch it's"));
        assert!(shows("", ""));
        assert!(shows("<p>a &unknown; b & c</p>", "a &unknown; b & c"));
    }
}
