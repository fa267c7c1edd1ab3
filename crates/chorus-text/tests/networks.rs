//! Every network's text rules at their boundaries (the limit exactly, and one more), with multi-byte text, so that
//! each network's unit of "character" is pinned down.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot set up should stop loudly

use chorus_text::networks::{
    self, Count, Draft, Field, IssueCode, Limits, MastodonLimits, Network, Severity, TextIssue, Unit,
};

const FAMILY: &str = "👨‍👩‍👧‍👦"; // 1 grapheme, 7 scalar values, 11 UTF-16 units, 25 bytes
const GRINNING: &str = "😀"; // 1 grapheme, 1 scalar value, 2 UTF-16 units, 4 bytes
const E_ACUTE: &str = "é"; // precomposed: 1 scalar value, 1 UTF-16 unit, 2 bytes
const E_COMBINING: &str = "e\u{301}"; // 1 grapheme, 2 scalar values, 2 UTF-16 units, 3 bytes
const KANJI: &str = "漢"; // 1 scalar value, 1 UTF-16 unit, 3 bytes

fn issues(network: Network, text: &str) -> Vec<TextIssue> {
    networks::check(network, &Draft::new(text))
}

fn errors(network: Network, draft: &Draft<'_>) -> Vec<(Field, IssueCode)> {
    networks::check(network, draft)
        .into_iter()
        .filter(|issue| issue.severity == Severity::Error)
        .map(|issue| (issue.field, issue.code))
        .collect()
}

fn text_errors(network: Network, text: &str) -> Vec<(Field, IssueCode)> {
    errors(network, &Draft::new(text))
}

/// `text` fits `network` exactly at `limit`, and `text + extra` is one over: `count` says so and `check` agrees.
fn assert_boundary(network: Network, field: Field, at_limit: &str, one_over: &str, limit: usize, unit: Unit) {
    let count = networks::count(network, field, at_limit).unwrap();
    assert_eq!(count, Count { used: limit, limit, unit }, "{network} {field:?} at the limit");
    assert!(!count.is_over());
    assert_eq!(count.remaining(), 0);
    let over = networks::count(network, field, one_over).unwrap();
    assert_eq!(over.used, limit + 1, "{network} {field:?} one over");
    assert!(over.is_over());
    assert_eq!(over.excess(), 1);
    let draft = |value| match field {
        Field::Title => Draft { title: Some(value), ..Draft::new("") },
        Field::Description => Draft { description: Some(value), ..Draft::new("") },
        Field::ContentWarning => Draft { content_warning: Some(value), ..Draft::new("") },
        Field::Text => Draft::new(value),
    };
    let too_long = |value| errors(network, &draft(value)).contains(&(field, IssueCode::TooLong));
    assert!(!too_long(at_limit), "{network} {field:?}: no error at the limit");
    assert!(too_long(one_over), "{network} {field:?}: error one over");
}

#[test]
fn networks_have_names() {
    assert_eq!(Network::ALL.len(), 10);
    let names: Vec<&str> = Network::ALL.iter().map(|network| network.as_str()).collect();
    assert_eq!(
        names,
        ["instagram", "facebook", "linkedin", "tiktok", "pinterest", "youtube", "x", "threads", "bluesky", "mastodon"]
    );
    for network in Network::ALL {
        assert_eq!(serde_json::to_value(network).unwrap(), serde_json::json!(network.as_str()));
        assert_eq!(serde_json::from_value::<Network>(serde_json::json!(network.as_str())).unwrap(), network);
        assert_eq!(network.as_str().parse::<Network>().unwrap(), network);
        assert_eq!(network.to_string(), network.display_name());
        assert_eq!(network.fields()[0], network.main_field());
    }
    assert_eq!(Network::LinkedIn.display_name(), "LinkedIn");
    assert_eq!(Network::YouTube.display_name(), "YouTube");
    assert_eq!(Network::TikTok.display_name(), "TikTok");
    assert!("twitter".parse::<Network>().is_err());
    assert_eq!(serde_json::to_value(Field::ContentWarning).unwrap(), "content_warning");
    assert_eq!(serde_json::to_value(Unit::Utf16Units).unwrap(), "utf16_units");
    assert_eq!(serde_json::to_value(IssueCode::TooManyHashtags).unwrap(), "too_many_hashtags");
    assert_eq!(serde_json::to_value(Severity::Warning).unwrap(), "warning");
}

#[test]
fn counts_are_per_field() {
    assert_eq!(networks::count(Network::X, Field::Title, "x"), None);
    assert_eq!(networks::count(Network::Instagram, Field::Description, "x"), None);
    assert_eq!(networks::count(Network::YouTube, Field::Text, "x"), None);
    assert_eq!(
        networks::count(Network::Bluesky, Field::Text, "287"),
        Some(Count { used: 3, limit: 300, unit: Unit::Graphemes })
    );
    let json = serde_json::to_value(networks::count(Network::Bluesky, Field::Text, "hello").unwrap()).unwrap();
    assert_eq!(json, serde_json::json!({ "used": 5, "limit": 300, "unit": "graphemes" }));
}

#[test]
fn the_message_says_how_many_too_many() {
    let issues = issues(Network::Bluesky, &"a".repeat(312));
    assert_eq!(
        issues,
        vec![TextIssue {
            severity: Severity::Error,
            field: Field::Text,
            code: IssueCode::TooLong,
            message: "312 of 300 characters — 12 too many".to_owned(),
        }]
    );
    let facebook = networks::check(Network::Facebook, &Draft::new(&"a".repeat(63_210)));
    assert_eq!(facebook[0].message, "63,210 of 63,206 characters — 4 too many");
    let json = serde_json::to_value(&issues[0]).unwrap();
    assert_eq!(
        json,
        serde_json::json!({ "severity": "error", "field": "text", "code": "too_long", "message": "312 of 300 characters — 12 too many" })
    );
}

#[test]
fn instagram_caption_counts_utf16_units() {
    // 2,200 UTF-16 units: 1,100 emoji are exactly the limit, one more character is over.
    let emoji = GRINNING.repeat(1_100);
    assert_boundary(Network::Instagram, Field::Text, &emoji, &format!("{emoji}a"), 2_200, Unit::Utf16Units);
    let accents = E_ACUTE.repeat(2_200);
    assert_boundary(Network::Instagram, Field::Text, &accents, &format!("{accents}{E_ACUTE}"), 2_200, Unit::Utf16Units);
}

#[test]
fn instagram_hashtags() {
    let tags = |n: usize| (0..n).map(|i| format!("#tag{i}")).collect::<Vec<_>>().join(" ");
    let hashtag_issues = |n: usize| -> Vec<Severity> {
        issues(Network::Instagram, &format!("Caption ✨ {}", tags(n)))
            .into_iter()
            .filter(|issue| issue.code == IssueCode::TooManyHashtags)
            .map(|issue| issue.severity)
            .collect()
    };
    assert_eq!(hashtag_issues(5), []);
    assert_eq!(hashtag_issues(6), [Severity::Warning]); // Instagram's announced 5-hashtag limit
    assert_eq!(hashtag_issues(30), [Severity::Warning]);
    assert_eq!(hashtag_issues(31), [Severity::Error]);
    let message = &issues(Network::Instagram, &tags(31))[0].message;
    assert_eq!(message, "31 hashtags — Instagram allows at most 30, 1 too many");

    // What counts as a hashtag: not inside words or URLs' fragments after a letter, multi-byte tags count.
    assert_eq!(networks::hashtag_count("#日本 #café #𝐛𝐨𝐥𝐝 ＃全角 #1"), 5);
    assert_eq!(networks::hashtag_count("a#b c# # #! ＃ 1#2"), 0);
    assert_eq!(networks::hashtag_count("#a#b ##c"), 2);
}

#[test]
fn instagram_links_are_not_clickable() {
    let warned = |text: &str| {
        issues(Network::Instagram, text)
            .iter()
            .any(|issue| issue.code == IssueCode::LinksNotClickable && issue.severity == Severity::Warning)
    };
    assert!(warned("Shop now: https://example.com/shop"));
    assert!(warned("Link in bio or example.com/shop 🛍️"));
    assert!(!warned("Link in bio 🛍️ #shop"));
    assert!(!warned("e.g. this and that"));
    // A warning never blocks: the caption has no errors.
    assert_eq!(text_errors(Network::Instagram, "Shop now: https://example.com/shop"), []);
}

#[test]
fn facebook_linkedin_tiktok_lengths() {
    let kanji = KANJI.repeat(63_206);
    assert_boundary(Network::Facebook, Field::Text, &kanji, &format!("{kanji}a"), 63_206, Unit::Utf16Units);

    // LinkedIn 3,000 UTF-16 units: an emoji is two.
    let text = format!("{}{GRINNING}", "ü".repeat(2_998));
    assert_boundary(Network::LinkedIn, Field::Text, &text, &format!("{text}ü"), 3_000, Unit::Utf16Units);

    // TikTok caption 2,200 UTF-16 units, as its API counts ("UTF-16 runes"): 1,100 emoji fill it.
    let emoji = GRINNING.repeat(1_100);
    assert_boundary(Network::TikTok, Field::Text, &emoji, &format!("{emoji}a"), 2_200, Unit::Utf16Units);
    assert_eq!(networks::count(Network::TikTok, Field::Text, FAMILY).unwrap().used, 11);
    // Photo-post title: 90 UTF-16 units.
    let title = GRINNING.repeat(45);
    assert_boundary(Network::TikTok, Field::Title, &title, &format!("{title}a"), 90, Unit::Utf16Units);
}

#[test]
fn pinterest_counts_scalar_values() {
    // 100 emoji are 100 characters for Pinterest (JSON Schema `maxLength`), though 200 UTF-16 units.
    let title = GRINNING.repeat(100);
    assert_boundary(Network::Pinterest, Field::Title, &title, &format!("{title}a"), 100, Unit::Characters);
    // A decomposed é is two.
    let decomposed = E_COMBINING.repeat(50);
    assert_boundary(Network::Pinterest, Field::Title, &decomposed, &format!("{decomposed}e"), 100, Unit::Characters);
    let description = KANJI.repeat(800);
    assert_boundary(
        Network::Pinterest,
        Field::Description,
        &description,
        &format!("{description}。"),
        800,
        Unit::Characters,
    );
    // The main text is the description unless one is given.
    assert_eq!(text_errors(Network::Pinterest, &description), []);
    assert_eq!(text_errors(Network::Pinterest, &format!("{description}!")), [(Field::Description, IssueCode::TooLong)]);
    let draft = Draft { description: Some("short"), ..Draft::new(&description) };
    assert_eq!(errors(Network::Pinterest, &Draft { text: "ignored", ..draft }), []);
}

#[test]
fn youtube_title_and_description() {
    let title = GRINNING.repeat(50);
    assert_boundary(Network::YouTube, Field::Title, &title, &format!("{title}a"), 100, Unit::Utf16Units);
    // The description is 5,000 bytes: 2,500 é are 5,000 bytes; 1,667 kanji are 5,001 bytes though only 1,667 characters.
    let description = E_ACUTE.repeat(2_500);
    assert_boundary(Network::YouTube, Field::Description, &description, &format!("{description}a"), 5_000, Unit::Bytes);
    let kanji = KANJI.repeat(1_667);
    assert_eq!(networks::count(Network::YouTube, Field::Description, &kanji).unwrap().used, 5_001);
    let message = networks::check(Network::YouTube, &Draft { title: Some("Title"), ..Draft::new(&kanji) })
        .into_iter()
        .find(|issue| issue.field == Field::Description)
        .unwrap()
        .message;
    assert_eq!(message, "5,001 of 5,000 bytes — 1 too many");

    // A title is required and neither field takes < or >.
    assert_eq!(text_errors(Network::YouTube, "A video"), [(Field::Title, IssueCode::Required)]);
    assert_eq!(
        errors(Network::YouTube, &Draft { title: Some("  "), ..Draft::new("A video") }),
        [(Field::Title, IssueCode::Required)]
    );
    assert_eq!(errors(Network::YouTube, &Draft { title: Some("Rust 🦀"), ..Draft::new("A video") }), []);
    assert_eq!(
        errors(Network::YouTube, &Draft { title: Some("a <b>"), ..Draft::new("x > y") }),
        [(Field::Title, IssueCode::ForbiddenCharacters), (Field::Description, IssueCode::ForbiddenCharacters)]
    );
}

#[test]
fn x_weighted_length() {
    // Latin weighs 1 and CJK 2 in twitter-text, whichever counter is behind the X rule.
    let latin = "a".repeat(280);
    assert_boundary(Network::X, Field::Text, &latin, &format!("{latin}b"), 280, Unit::Weighted);
    let cjk = KANJI.repeat(140);
    assert_eq!(networks::count(Network::X, Field::Text, &cjk).unwrap().used, 280);
    assert_eq!(text_errors(Network::X, &cjk), []);
    assert_eq!(text_errors(Network::X, &format!("{cjk}{KANJI}")), [(Field::Text, IssueCode::TooLong)]);
    // X normalises to NFC first: 280 decomposed é are 280, not 560.
    let decomposed = E_COMBINING.repeat(280);
    assert_eq!(text_errors(Network::X, &decomposed), []);
    assert_eq!(text_errors(Network::X, &format!("{decomposed}{E_COMBINING}")), [(Field::Text, IssueCode::TooLong)]);
    // Any emoji sequence is 2, any URL 23.
    assert_eq!(networks::count(Network::X, Field::Text, FAMILY).unwrap().used, 2);
    let url = format!("https://example.com/{}", "long-path/".repeat(30));
    assert_eq!(networks::count(Network::X, Field::Text, &format!("see {url}")).unwrap().used, 4 + 23);
    // Invisible characters X refuses.
    assert_eq!(text_errors(Network::X, "hello\u{FEFF}"), [(Field::Text, IssueCode::ForbiddenCharacters)]);
}

#[test]
fn threads_counts_emoji_as_utf8_bytes() {
    let latin = "a".repeat(500);
    assert_boundary(Network::Threads, Field::Text, &latin, &format!("{latin}b"), 500, Unit::Weighted);
    // An emoji counts its four bytes: 125 of them are the limit.
    let emoji = GRINNING.repeat(125);
    let count = networks::count(Network::Threads, Field::Text, &emoji).unwrap();
    assert_eq!(count.used, 500);
    assert_eq!(networks::count(Network::Threads, Field::Text, &format!("{emoji}{GRINNING}")).unwrap().used, 504);
    assert_eq!(networks::count(Network::Threads, Field::Text, FAMILY).unwrap().used, 25);
    assert_eq!(networks::count(Network::Threads, Field::Text, "❤️").unwrap().used, 6);
    // Other characters count one UTF-16 unit each.
    assert_eq!(networks::count(Network::Threads, Field::Text, &KANJI.repeat(500)).unwrap().used, 500);
    assert_eq!(text_errors(Network::Threads, &KANJI.repeat(500)), []);
    assert_eq!(
        text_errors(Network::Threads, &format!("{}{GRINNING}", "a".repeat(497))),
        [(Field::Text, IssueCode::TooLong)]
    );
}

#[test]
fn threads_links_and_hashtags() {
    let links = |n: usize| (0..n).map(|i| format!("https://site{i}.com")).collect::<Vec<_>>().join(" ");
    assert_eq!(text_errors(Network::Threads, &links(5)), []);
    assert_eq!(text_errors(Network::Threads, &links(6)), [(Field::Text, IssueCode::TooManyLinks)]);
    // The same link twice counts once; bare domains are links too.
    assert_eq!(text_errors(Network::Threads, &format!("{} https://site0.com", links(5))), []);
    assert_eq!(
        text_errors(Network::Threads, &format!("{} www.threads.com", links(5))),
        [(Field::Text, IssueCode::TooManyLinks)]
    );
    // More than one hashtag: a warning.
    let warnings: Vec<IssueCode> = issues(Network::Threads, "#one and #two")
        .into_iter()
        .filter(|issue| issue.severity == Severity::Warning)
        .map(|issue| issue.code)
        .collect();
    assert_eq!(warnings, [IssueCode::TooManyHashtags]);
    assert_eq!(issues(Network::Threads, "just #one"), []);
}

#[test]
fn bluesky_graphemes_and_bytes() {
    let graphemes = E_COMBINING.repeat(300);
    assert_boundary(Network::Bluesky, Field::Text, &graphemes, &format!("{graphemes}e"), 300, Unit::Graphemes);
    // 120 families are 120 graphemes and exactly 3,000 bytes; one more character is over in bytes only.
    let families = FAMILY.repeat(120);
    assert_eq!(text_errors(Network::Bluesky, &families), []);
    let over = format!("{families}a");
    assert_eq!(networks::count(Network::Bluesky, Field::Text, &over).unwrap().used, 121);
    let issues = issues(Network::Bluesky, &over);
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].message, "3,001 of 3,000 bytes — 1 too many");
}

#[test]
fn mastodon_counts_graphemes_urls_and_mentions() {
    let mastodon = Network::Mastodon;
    let text = FAMILY.repeat(500);
    assert_boundary(mastodon, Field::Text, &text, &format!("{text}{E_COMBINING}"), 500, Unit::Graphemes);

    // Every URL counts 23, however long.
    let url = format!("https://example.com/{}", "long-path/".repeat(20));
    let with_url = format!("{} {url}", "a".repeat(476));
    assert_eq!(networks::count(mastodon, Field::Text, &with_url).unwrap().used, 476 + 1 + 23);
    assert_eq!(text_errors(mastodon, &with_url), []);
    assert_eq!(text_errors(mastodon, &format!("b{with_url}")), [(Field::Text, IssueCode::TooLong)]);
    // A short URL counts 23 too.
    assert_eq!(networks::count(mastodon, Field::Text, "https://x.co").unwrap().used, 23);

    // A remote mention counts its user part only; a local one counts in full.
    assert_eq!(
        networks::count(mastodon, Field::Text, "hi @alice@mastodon.example.social!").unwrap().used,
        "hi @alice!".len()
    );
    assert_eq!(networks::count(mastodon, Field::Text, "hi @alice!").unwrap().used, 10);
    let mention = "@alice@very-long-instance-name.example.social ";
    let with_mention = format!("{mention}{}", "a".repeat(493));
    assert_eq!(networks::count(mastodon, Field::Text, &with_mention).unwrap().used, 500);
    assert_eq!(text_errors(mastodon, &with_mention), []);
    assert_eq!(text_errors(mastodon, &format!("{with_mention}a")), [(Field::Text, IssueCode::TooLong)]);
}

#[test]
fn mastodon_content_warning_shares_the_budget() {
    let mastodon = Network::Mastodon;
    let text = "a".repeat(490);
    let fits = Draft { content_warning: Some("Spoilers!!"), ..Draft::new(&text) };
    assert_eq!(errors(mastodon, &fits), []);
    let counts = networks::draft_counts(mastodon, &fits, &Limits::default());
    assert_eq!(
        counts,
        [
            (Field::Text, Count { used: 500, limit: 500, unit: Unit::Graphemes }),
            (Field::ContentWarning, Count { used: 10, limit: 500, unit: Unit::Graphemes }),
        ]
    );
    let over = Draft { content_warning: Some("Spoilers!!!"), ..Draft::new(&text) };
    let issues = networks::check(mastodon, &over);
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].field, Field::Text);
    assert_eq!(issues[0].message, "501 of 500 characters, content warning included — 1 too many");
    // A content warning alone can be too long as well.
    let long_warning = "w".repeat(501);
    assert_eq!(
        errors(mastodon, &Draft { content_warning: Some(&long_warning), ..Draft::new("") }),
        [(Field::Text, IssueCode::TooLong)]
    );
}

#[test]
fn mastodon_instance_limits() {
    let limits = Limits { mastodon: MastodonLimits { max_characters: 1_000, characters_reserved_per_url: 30 } };
    let text = "a".repeat(1_000);
    assert_eq!(networks::count_with(Network::Mastodon, Field::Text, &text, &limits).unwrap().limit, 1_000);
    assert_eq!(networks::check_with(Network::Mastodon, &Draft::new(&text), &limits), []);
    assert_eq!(networks::check(Network::Mastodon, &Draft::new(&text)).len(), 1);
    assert_eq!(networks::count_with(Network::Mastodon, Field::Text, "https://example.com", &limits).unwrap().used, 30);
    assert_eq!(MastodonLimits::default(), MastodonLimits { max_characters: 500, characters_reserved_per_url: 23 });
}

#[test]
fn every_network_accepts_a_short_post() {
    let text = "Launch day ✨ — read more at example.com #launch";
    for network in Network::ALL {
        let draft = Draft { title: Some("Launch day"), ..Draft::new(text) };
        assert_eq!(errors(network, &draft), [], "{network}");
        for (field, count) in networks::draft_counts(network, &draft, &Limits::default()) {
            assert!(count.used > 0 && !count.is_over(), "{network} {field:?}: {count:?}");
        }
    }
}

/// Text with the pieces URL, mention and hashtag rules look at.
fn rule_rich_text() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let pieces = prop::sample::select(vec![
        "@",
        "#",
        "＃",
        "(",
        ")",
        ".",
        ",",
        "!",
        "?",
        "-",
        "_",
        "/",
        ":",
        " ",
        "\n",
        "\u{3000}",
        "\u{FEFF}",
        "\u{200D}",
        "\u{FE0F}",
        "\u{301}",
        "a",
        "Z",
        "1",
        "https://",
        "http://",
        "HTTPS://",
        "example",
        "com",
        ".com",
        ".social",
        ".co",
        "alice",
        "@alice@example.social",
        "www.",
        "😀",
        FAMILY,
        "🇫🇷",
        "❤️",
        KANJI,
        E_ACUTE,
        "é",
        "<",
        ">",
        "=",
        "?",
        "&",
    ]);
    prop::collection::vec(pieces, 0..60).prop_map(|pieces| pieces.concat())
}

fn check_every_network(text: &str) {
    let draft = Draft { title: Some(text), description: Some(text), content_warning: Some(text), ..Draft::new(text) };
    for network in Network::ALL {
        for issue in networks::check(network, &draft) {
            assert!(!issue.message.is_empty());
        }
        for field in network.fields() {
            assert!(networks::count(network, *field, text).is_some());
        }
    }
    // The units' order: graphemes ≤ scalar values ≤ UTF-16 units ≤ bytes.
    let used = |network, field| networks::count(network, field, text).unwrap().used;
    let graphemes = used(Network::Bluesky, Field::Text);
    let scalars = used(Network::Pinterest, Field::Title);
    let utf16 = used(Network::TikTok, Field::Text);
    let bytes = used(Network::YouTube, Field::Description);
    assert!(graphemes <= scalars && scalars <= utf16 && utf16 <= bytes, "{text:?}");
    // Threads counts at least the UTF-16 units (emoji weigh their bytes, never less).
    assert!(used(Network::Threads, Field::Text) >= utf16);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1_000))]

    #[test]
    fn rules_hold_on_any_unicode(text in proptest::prelude::any::<String>()) {
        check_every_network(&text);
    }

    #[test]
    fn rules_hold_on_rule_rich_text(text in rule_rich_text()) {
        check_every_network(&text);
    }
}
