//! Properties of `chorus_text::x` on arbitrary text.

use chorus_text::x;
use proptest::prelude::*;

/// Text rich in what entities and counting react to, so that random cases do find URLs, mentions, emoji.
fn tricky_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[a-zA-Z0-9]{1,8}",
        Just("https://".to_string()),
        Just("http://".to_string()),
        Just("t.co/".to_string()),
        prop::sample::select(vec![
            ".",
            ".com",
            ".co.jp",
            ".みんな",
            "/",
            "?",
            "=",
            "#",
            "＃",
            "@",
            "＠",
            "$",
            "_",
            "-",
            "(",
            ")",
            ":",
            "'",
            " ",
            "\n",
            "\u{3000}",
            "\u{200D}",
            "\u{FE0F}",
            "\u{20E3}",
            "\u{0301}",
            "\u{1100}",
            "\u{1161}",
            "\u{202A}",
            "\u{2066}",
            "\u{FFFF}",
            "\u{FEFF}",
            "é",
            "ı",
            "日本",
            "ﾊﾟ",
            "😷",
            "👨",
            "👩",
            "👧",
            "🏽",
            "🇫",
            "🇷",
            "🏴",
            "\u{E0067}",
            "\u{E007F}",
            "©",
            "☺",
            "1",
            "𠀡",
        ])
        .prop_map(str::to_string),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), tricky_text()]
}

/// Checks that a span is inside `text`, on character boundaries, and that its three units agree.
fn check_span(text: &str, span: &x::Span) -> Result<(), TestCaseError> {
    let bytes = span.bytes.clone();
    prop_assert!(bytes.start < bytes.end && bytes.end <= text.len(), "{bytes:?} outside {} bytes", text.len());
    prop_assert!(text.is_char_boundary(bytes.start) && text.is_char_boundary(bytes.end), "{bytes:?} splits a char");
    let code_points = text[..bytes.start].chars().count()..text[..bytes.end].chars().count();
    let utf16 = text[..bytes.start].encode_utf16().count()..text[..bytes.end].encode_utf16().count();
    prop_assert_eq!(&span.code_points, &code_points);
    prop_assert_eq!(&span.utf16, &utf16);
    Ok(())
}

proptest! {
    #[test]
    fn never_panics_and_spans_are_sound(text in any_text()) {
        let parsed = x::parse_tweet(&text);
        prop_assert_eq!(parsed.display_range.clone(), 0..text.encode_utf16().count());
        prop_assert!(parsed.valid_range.end <= parsed.display_range.end);
        prop_assert!(parsed.valid_prefix(&text).len() <= text.len());
        for config in [x::Config::V1, x::Config::V2] {
            let _ = x::parse_tweet_with(&text, &config);
        }
        for url in x::extract_urls(&text) {
            check_span(&text, &url.span)?;
            prop_assert_eq!(&text[url.span.bytes.clone()], url.url);
        }
        for mention in x::extract_mentions_or_lists(&text) {
            check_span(&text, &mention.span)?;
            let written = &text[mention.span.bytes.clone()];
            prop_assert!(written.starts_with(['@', '＠']) && written.contains(mention.screen_name));
        }
        for hashtag in x::extract_hashtags(&text) {
            check_span(&text, &hashtag.span)?;
            prop_assert!(text[hashtag.span.bytes.clone()].ends_with(hashtag.tag));
        }
        for cashtag in x::extract_cashtags(&text) {
            check_span(&text, &cashtag.span)?;
            prop_assert_eq!(&text[cashtag.span.bytes.clone()][1..], cashtag.symbol);
        }
        let entities = x::extract_entities(&text);
        for pair in entities.windows(2) {
            prop_assert!(pair[0].span().bytes.end <= pair[1].span().bytes.start, "entities overlap");
        }
        for entity in &entities {
            check_span(&text, entity.span())?;
        }
        if let Some(reply) = x::extract_reply_screen_name(&text) {
            prop_assert!(text.contains(reply));
        }
        let _ = (x::is_valid_username(&text), x::is_valid_list(&text), x::is_valid_hashtag(&text));
        let _ = (x::is_valid_url(&text), x::is_valid_url_without_protocol(&text));
    }

    /// Typing after a space never changes how what came before counts: a space adds one, and what follows it
    /// counts on its own. (Without the space the length is not monotonic; see `appending_can_shorten`.)
    #[test]
    fn length_is_additive_across_a_space(head in any_text(), tail in any_text()) {
        let head_length = x::weighted_length(&head);
        prop_assert_eq!(x::weighted_length(&format!("{head} ")), head_length + 1);
        // Compared with " {tail}", not "{tail}": at the very start of a text twitter-text's URL pattern takes
        // a first character such as `é` as the one before the URL (`élan.com` links `lan.com`).
        prop_assert_eq!(x::weighted_length(&format!("{head} {tail}")), head_length + x::weighted_length(&format!(" {tail}")));
    }

    /// Appending a character never shortens text made of characters that cannot join others (no URL, emoji,
    /// composition or joiner can form).
    #[test]
    fn length_is_monotonic_on_plain_text(text in "[a-zA-Z0-9 ,!?日本語한국어😷]{0,60}", c in "[a-zA-Z0-9 ,!?日本語한국어😷]") {
        let longer = format!("{text}{c}");
        prop_assert!(x::weighted_length(&longer) >= x::weighted_length(&text));
    }

    /// Any URL counts 23, however long.
    #[test]
    fn a_url_alone_weighs_23(
        protocol in prop::sample::select(vec!["", "http://", "https://", "HTTPS://"]),
        labels in prop::collection::vec("[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", 1..4),
        tld in prop::sample::select(vec!["com", "org", "net", "co.uk", "de", "jp", "io", "みんな", "中国"]),
        path in prop::option::of("(/[a-zA-Z0-9_-]{0,30}){1,5}[a-zA-Z0-9]"),
        query in prop::option::of("[a-z]{1,10}=[a-z0-9]{1,30}"),
    ) {
        let mut url = format!("{protocol}{}.{tld}", labels.join("."));
        if let Some(path) = path {
            url.push_str(&path);
        }
        if let Some(query) = query {
            url.push('?');
            url.push_str(&query);
        }
        let found: Vec<&str> = x::extract_urls(&url).iter().map(|found| found.url).collect();
        prop_assert_eq!(found, vec![url.as_str()]);
        prop_assert_eq!(x::weighted_length(&url), 23);
    }
}

/// Appending can shorten a post, on X as here: these are the reasons, so that nobody "fixes" them.
#[test]
fn appending_can_shorten() {
    // An emoji sequence completes: man, woman, girl + ZWJ is 2 + 1; with the boy it is one family, 2.
    let family = "👨\u{200D}👩\u{200D}👧\u{200D}";
    assert_eq!(x::weighted_length(family), 3);
    assert_eq!(x::weighted_length(&format!("{family}👦")), 2);
    // A URL stops being one: a TLD must not run into `@`.
    assert_eq!(x::weighted_length("example.com"), 23);
    assert_eq!(x::weighted_length("example.com@"), 12);
    // NFC composes Hangul jamo (2 + 2) into one syllable (2).
    assert_eq!(x::weighted_length("\u{1100}"), 2);
    assert_eq!(x::weighted_length("\u{1100}\u{1161}"), 2);
}
