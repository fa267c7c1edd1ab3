//! Bluesky length and facets: the lexicon's limits, the reference implementation's cases (`@atproto/api`
//! `packages/api/tests/rich-text-detection.test.ts`), multi-byte text, the lexicon JSON shape, and properties on
//! arbitrary Unicode.
//!
//! Expected byte ranges are computed here with `str::find` on the exact substring, never by the code under test.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot set up should stop loudly

use chorus_text::bluesky::{
    self, ByteSlice, DetectedFacet, DetectedFeature, Facet, Feature, MAX_BYTES, MAX_GRAPHEMES, PostLength,
};
use proptest::prelude::*;
use serde_json::json;

/// Reference cases: (text, expected tags, expected byte ranges).
type TagCases<'a> = &'a [(&'a str, &'a [&'a str], &'a [(usize, usize)])];

/// A feature as the tests write it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum F {
    Mention(&'static str),
    Link(&'static str),
    Tag(&'static str),
}

impl F {
    fn detected(&self) -> DetectedFeature {
        match self {
            F::Mention(handle) => DetectedFeature::Mention { handle: (*handle).to_owned() },
            F::Link(uri) => DetectedFeature::Link { uri: (*uri).to_owned() },
            F::Tag(tag) => DetectedFeature::Tag { tag: (*tag).to_owned() },
        }
    }
}

/// The facets expected in `text`: each `(covered text, feature)` is looked up with `str::find` after the previous one.
fn expected(text: &str, facets: &[(&str, F)]) -> Vec<DetectedFacet> {
    let mut from = 0;
    facets
        .iter()
        .map(|(covered, feature)| {
            let start = from + text[from..].find(covered).unwrap_or_else(|| panic!("{covered:?} not in {text:?}"));
            from = start + covered.len();
            DetectedFacet { index: ByteSlice { byte_start: start, byte_end: from }, feature: feature.detected() }
        })
        .collect()
}

fn assert_facets(text: &str, facets: &[(&str, F)]) {
    assert_eq!(bluesky::detect_facets(text), expected(text, facets), "facets of {text:?}");
}

fn lexicon(path: &str) -> serde_json::Value {
    let file = format!("{}/tests/data/bluesky/lexicons/{path}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file}: {e}"));
    serde_json::from_str(&text).unwrap()
}

#[test]
fn limits_are_the_lexicons() {
    let post = lexicon("app/bsky/feed/post.json");
    let text = &post["defs"]["main"]["record"]["properties"]["text"];
    assert_eq!(text["maxGraphemes"], json!(MAX_GRAPHEMES));
    assert_eq!(text["maxLength"], json!(MAX_BYTES));
    let facet = lexicon("app/bsky/richtext/facet.json");
    let tag = &facet["defs"]["tag"]["properties"]["tag"];
    assert_eq!(tag["maxGraphemes"], json!(bluesky::TAG_MAX_GRAPHEMES));
    assert_eq!(tag["maxLength"], json!(bluesky::TAG_MAX_BYTES));
    assert_eq!(facet["id"], json!(bluesky::FACET_TYPE));
}

#[test]
fn length_counts_graphemes_and_bytes() {
    assert_eq!(bluesky::length(""), PostLength { graphemes: 0, bytes: 0 });
    // A combining mark joins its base: one grapheme, two scalar values, three bytes.
    assert_eq!(bluesky::length("e\u{301}"), PostLength { graphemes: 1, bytes: 3 });
    // A family emoji: one grapheme of seven scalar values, 25 bytes.
    let family = "👨‍👩‍👧‍👦";
    assert_eq!(bluesky::length(family), PostLength { graphemes: 1, bytes: 25 });
    assert_eq!(bluesky::length("日本語"), PostLength { graphemes: 3, bytes: 9 });
    assert_eq!(bluesky::length("🇫🇷🇩🇪"), PostLength { graphemes: 2, bytes: 16 });

    // 300 graphemes fit, 301 do not, whatever they are made of.
    let decomposed = "e\u{301}".repeat(300);
    assert_eq!(decomposed.chars().count(), 600);
    assert!(bluesky::length(&decomposed).fits());
    assert!(!bluesky::length(&format!("{decomposed}a")).fits());
    assert!(bluesky::length(&"字".repeat(300)).fits());
    assert!(!bluesky::length(&"字".repeat(301)).fits());
    // 3,000 bytes fit, 3,001 do not, even far below 300 graphemes: 120 families are 3,000 bytes.
    assert!(bluesky::length(&family.repeat(120)).fits());
    let over = format!("{}a", family.repeat(120));
    assert_eq!(bluesky::length(&over), PostLength { graphemes: 121, bytes: 3001 });
    assert!(!bluesky::length(&over).fits());
}

#[test]
fn the_example_post() {
    let text = "✨ hello @alice.bsky.social #rust https://example.com/x?y=1.";
    assert_facets(
        text,
        &[
            ("@alice.bsky.social", F::Mention("alice.bsky.social")),
            ("#rust", F::Tag("rust")),
            ("https://example.com/x?y=1", F::Link("https://example.com/x?y=1")),
        ],
    );
    // The ranges are UTF-8 byte offsets: "✨" is three bytes, so the mention starts at byte 10, not 8.
    let facets = bluesky::detect_facets(text);
    assert_eq!(facets[0].index, ByteSlice { byte_start: 10, byte_end: 28 });
    assert_eq!(facets[0].text(text), "@alice.bsky.social");
}

/// `rich-text-detection.test.ts`, "correctly handles a set of text inputs" (mentions resolve in the reference test;
/// here the handle is what matters).
#[test]
fn reference_mentions_and_links() {
    use F::*;
    let cases: &[(&str, &[(&str, F)])] = &[
        ("no mention", &[]),
        ("@handle.com middle end", &[("@handle.com", Mention("handle.com"))]),
        ("start @handle.com end", &[("@handle.com", Mention("handle.com"))]),
        ("start middle @handle.com", &[("@handle.com", Mention("handle.com"))]),
        (
            "@handle.com @handle.com @handle.com",
            &[
                ("@handle.com", Mention("handle.com")),
                ("@handle.com", Mention("handle.com")),
                ("@handle.com", Mention("handle.com")),
            ],
        ),
        ("@full123-chars.test", &[("@full123-chars.test", Mention("full123-chars.test"))]),
        ("not@right", &[]),
        ("@handle.com!@#$chars", &[("@handle.com", Mention("handle.com"))]),
        ("@handle.com\n@handle.com", &[("@handle.com", Mention("handle.com")), ("@handle.com", Mention("handle.com"))]),
        ("parenthetical (@handle.com)", &[("@handle.com", Mention("handle.com"))]),
        ("👨‍👩‍👧‍👧 @handle.com 👨‍👩‍👧‍👧", &[("@handle.com", Mention("handle.com"))]),
        ("start https://middle.com end", &[("https://middle.com", Link("https://middle.com"))]),
        ("start https://middle.com/foo/bar end", &[("https://middle.com/foo/bar", Link("https://middle.com/foo/bar"))]),
        (
            "start https://middle.com/foo/bar?baz=bux end",
            &[("https://middle.com/foo/bar?baz=bux", Link("https://middle.com/foo/bar?baz=bux"))],
        ),
        (
            "start https://middle.com/foo/bar?baz=bux#hash end",
            &[("https://middle.com/foo/bar?baz=bux#hash", Link("https://middle.com/foo/bar?baz=bux#hash"))],
        ),
        (
            "https://start.com/foo/bar?baz=bux#hash middle end",
            &[("https://start.com/foo/bar?baz=bux#hash", Link("https://start.com/foo/bar?baz=bux#hash"))],
        ),
        (
            "start middle https://end.com/foo/bar?baz=bux#hash",
            &[("https://end.com/foo/bar?baz=bux#hash", Link("https://end.com/foo/bar?baz=bux#hash"))],
        ),
        (
            "https://newline1.com\nhttps://newline2.com",
            &[
                ("https://newline1.com", Link("https://newline1.com")),
                ("https://newline2.com", Link("https://newline2.com")),
            ],
        ),
        ("👨‍👩‍👧‍👧 https://middle.com 👨‍👩‍👧‍👧", &[("https://middle.com", Link("https://middle.com"))]),
        ("start middle.com end", &[("middle.com", Link("https://middle.com"))]),
        ("start middle.com/foo/bar end", &[("middle.com/foo/bar", Link("https://middle.com/foo/bar"))]),
        (
            "start middle.com/foo/bar?baz=bux end",
            &[("middle.com/foo/bar?baz=bux", Link("https://middle.com/foo/bar?baz=bux"))],
        ),
        (
            "start middle.com/foo/bar?baz=bux#hash end",
            &[("middle.com/foo/bar?baz=bux#hash", Link("https://middle.com/foo/bar?baz=bux#hash"))],
        ),
        (
            "start.com/foo/bar?baz=bux#hash middle end",
            &[("start.com/foo/bar?baz=bux#hash", Link("https://start.com/foo/bar?baz=bux#hash"))],
        ),
        (
            "start middle end.com/foo/bar?baz=bux#hash",
            &[("end.com/foo/bar?baz=bux#hash", Link("https://end.com/foo/bar?baz=bux#hash"))],
        ),
        (
            "newline1.com\nnewline2.com",
            &[("newline1.com", Link("https://newline1.com")), ("newline2.com", Link("https://newline2.com"))],
        ),
        ("a example.com/index.php php link", &[("example.com/index.php", Link("https://example.com/index.php"))]),
        ("a trailing bsky.app: colon", &[("bsky.app", Link("https://bsky.app"))]),
        ("not.. a..url ..here", &[]),
        ("e.g.", &[]),
        ("something-cool.jpg", &[]),
        ("website.com.jpg", &[]),
        ("e.g./foo", &[]),
        ("website.com.jpg/foo", &[]),
        (
            "Classic article https://socket3.wordpress.com/2018/02/03/designing-windows-95s-user-interface/",
            &[(
                "https://socket3.wordpress.com/2018/02/03/designing-windows-95s-user-interface/",
                Link("https://socket3.wordpress.com/2018/02/03/designing-windows-95s-user-interface/"),
            )],
        ),
        (
            "Classic article https://socket3.wordpress.com/2018/02/03/designing-windows-95s-user-interface/ ",
            &[(
                "https://socket3.wordpress.com/2018/02/03/designing-windows-95s-user-interface/",
                Link("https://socket3.wordpress.com/2018/02/03/designing-windows-95s-user-interface/"),
            )],
        ),
        (
            "https://foo.com https://bar.com/whatever https://baz.com",
            &[
                ("https://foo.com", Link("https://foo.com")),
                ("https://bar.com/whatever", Link("https://bar.com/whatever")),
                ("https://baz.com", Link("https://baz.com")),
            ],
        ),
        (
            "punctuation https://foo.com, https://bar.com/whatever; https://baz.com.",
            &[
                ("https://foo.com", Link("https://foo.com")),
                ("https://bar.com/whatever", Link("https://bar.com/whatever")),
                ("https://baz.com", Link("https://baz.com")),
            ],
        ),
        ("parenthentical (https://foo.com)", &[("https://foo.com", Link("https://foo.com"))]),
        (
            "except for https://foo.com/thing_(cool)",
            &[("https://foo.com/thing_(cool)", Link("https://foo.com/thing_(cool)"))],
        ),
    ];
    for (text, facets) in cases {
        assert_facets(text, facets);
    }
}

/// `rich-text-detection.test.ts`, "correctly detects tags inline": (text, tags, byte ranges as the reference states
/// them). The ranges are the reference's own numbers, checked against `str::find` as well.
#[test]
fn reference_tags() {
    let cases: TagCases<'_> = &[
        ("#a", &["a"], &[(0, 2)]),
        ("#a #b", &["a", "b"], &[(0, 2), (3, 5)]),
        ("#1", &[], &[]),
        ("#1a", &["1a"], &[(0, 3)]),
        ("#tag", &["tag"], &[(0, 4)]),
        ("body #tag", &["tag"], &[(5, 9)]),
        ("#tag body", &["tag"], &[(0, 4)]),
        ("body #tag body", &["tag"], &[(5, 9)]),
        ("body #1", &[], &[]),
        ("body #1a", &["1a"], &[(5, 8)]),
        ("body #a1", &["a1"], &[(5, 8)]),
        ("#", &[], &[]),
        ("#?", &[], &[]),
        ("text #", &[], &[]),
        ("text # text", &[], &[]),
        (
            "body #thisisa64characterstring_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            &["thisisa64characterstring_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"],
            &[(5, 70)],
        ),
        ("body #thisisa65characterstring_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", &[], &[]),
        (
            "body #thisisa64characterstring_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!",
            &["thisisa64characterstring_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"],
            &[(5, 70)],
        ),
        ("its a #double#rainbow", &["double#rainbow"], &[(6, 21)]),
        ("##hashash", &["#hashash"], &[(0, 9)]),
        ("##", &[], &[]),
        ("some #n0n3s@n5e!", &["n0n3s@n5e"], &[(5, 15)]),
        ("works #with,punctuation", &["with,punctuation"], &[(6, 23)]),
        (
            "strips trailing #punctuation, #like. #this!",
            &["punctuation", "like", "this"],
            &[(16, 28), (30, 35), (37, 42)],
        ),
        ("strips #multi_trailing___...", &["multi_trailing"], &[(7, 22)]),
        ("works with #🦋 emoji, and #butter🦋fly", &["🦋", "butter🦋fly"], &[(11, 16), (28, 42)]),
        ("#same #same #but #diff", &["same", "same", "but", "diff"], &[(0, 5), (6, 11), (12, 16), (17, 22)]),
        ("this #️⃣tag should not be a tag", &[], &[]),
        ("this ##️⃣tag should be a tag", &["#️⃣tag"], &[(5, 16)]),
        ("this #t\nag should be a tag", &["t"], &[(5, 7)]),
        ("no match (\\u200B): #\u{200B}", &[], &[]),
        ("no match (\\u200Ba): #\u{200B}a", &[], &[]),
        ("match (a\\u200Bb): #a\u{200B}b", &["a"], &[(18, 20)]),
        ("match (ab\\u200B): #ab\u{200B}", &["ab"], &[(18, 21)]),
        ("no match (\\u20e2tag): #\u{20E2}tag", &[], &[]),
        ("no match (a\\u20e2b): #a\u{20E2}b", &["a"], &[(21, 23)]),
        ("match full width number sign (tag): ＃tag", &["tag"], &[(36, 42)]),
        ("match full width number sign (tag): ＃#️⃣tag", &["#️⃣tag"], &[(36, 49)]),
        ("no match 1?: #1?", &[], &[]),
    ];
    for (text, tags, ranges) in cases {
        let facets = bluesky::detect_facets(text);
        let found: Vec<(String, (usize, usize))> = facets
            .iter()
            .map(|facet| match &facet.feature {
                DetectedFeature::Tag { tag } => (tag.clone(), (facet.index.byte_start, facet.index.byte_end)),
                other => panic!("{text:?}: unexpected {other:?}"),
            })
            .collect();
        let wanted: Vec<(String, (usize, usize))> =
            tags.iter().zip(ranges.iter()).map(|(tag, range)| ((*tag).to_owned(), *range)).collect();
        assert_eq!(found, wanted, "tags of {text:?}");
        // Independently: each range covers "#" or "＃" followed by the tag.
        for (tag, (start, end)) in &wanted {
            let covered = &text[*start..*end];
            assert!(covered == format!("#{tag}") || covered == format!("＃{tag}"), "{text:?}: {covered:?} vs {tag:?}");
        }
    }
}

/// `rich-text-detection.test.ts`, "correctly detects cashtags inline".
#[test]
fn reference_cashtags() {
    let cases: TagCases<'_> = &[
        ("$AAPL", &["$AAPL"], &[(0, 5)]),
        ("$aapl", &["$AAPL"], &[(0, 5)]),
        ("$A", &["$A"], &[(0, 2)]),
        ("$a", &["$A"], &[(0, 2)]),
        ("$BTC $ETH", &["$BTC", "$ETH"], &[(0, 4), (5, 9)]),
        ("$100", &[], &[]),
        ("$GOOGL", &["$GOOGL"], &[(0, 6)]),
        ("$TOOLONG", &[], &[]),
        ("check $LEGO now", &["$LEGO"], &[(6, 11)]),
        ("($GOOG)", &["$GOOG"], &[(1, 6)]),
        ("$AAPL.", &["$AAPL"], &[(0, 5)]),
        ("$AAPL, $MSFT!", &["$AAPL", "$MSFT"], &[(0, 5), (7, 12)]),
        ("no$SPACE", &[], &[]),
        ("$", &[], &[]),
        ("$ AAPL", &[], &[]),
        ("$123ABC", &[], &[]),
        ("$ABC12", &["$ABC12"], &[(0, 6)]),
        ("$ABC123", &[], &[]),
    ];
    for (text, tags, ranges) in cases {
        let found: Vec<(DetectedFeature, (usize, usize))> = bluesky::detect_facets(text)
            .into_iter()
            .map(|facet| (facet.feature, (facet.index.byte_start, facet.index.byte_end)))
            .collect();
        let wanted: Vec<(DetectedFeature, (usize, usize))> = tags
            .iter()
            .zip(ranges.iter())
            .map(|(tag, range)| (DetectedFeature::Tag { tag: (*tag).to_owned() }, *range))
            .collect();
        assert_eq!(found, wanted, "cashtags of {text:?}");
    }
}

#[test]
fn multi_byte_text() {
    use F::*;
    // CJK around every kind of facet: byte offsets, not character or UTF-16 offsets.
    assert_facets(
        "日本語のテキスト @tanaka.bsky.social さん #日本語 を見て https://例え.jp/パス 。",
        &[
            ("@tanaka.bsky.social", Mention("tanaka.bsky.social")),
            ("#日本語", Tag("日本語")),
            ("https://例え.jp/パス", Link("https://例え.jp/パス")),
        ],
    );
    // Combining marks stay in a tag; a ZWJ ends it (the reference's list of invisible separators).
    assert_facets("cafe\u{301} #cafe\u{301} #zw\u{200D}j", &[("#cafe\u{301}", Tag("cafe\u{301}")), ("#zw", Tag("zw"))]);
    // Emoji with skin tone and flags around a tag and a link. A ZWJ sequence is cut at its first ZWJ, as in the
    // reference.
    assert_facets(
        "👍🏽 #🦋dev 🇫🇷 bsky.app/profile 👨‍👩‍👧‍👦 #👩‍💻dev",
        &[("#🦋dev", Tag("🦋dev")), ("bsky.app/profile", Link("https://bsky.app/profile")), ("#👩", Tag("👩"))],
    );
    // Full-width hash (three bytes) and a cashtag after an emoji and a space.
    assert_facets("＃東京 🚀 $TSLA", &[("＃東京", Tag("東京")), ("$TSLA", Tag("$TSLA"))]);
    // An ideographic space (U+3000) is white space for the reference; a fullwidth "@" is not a mention.
    assert_facets("見て\u{3000}@bob.test と ＠alice.test", &[("@bob.test", Mention("bob.test"))]);
    // A hashtag of 64 graphemes is kept (however many bytes); 65 is not a tag.
    let tag64 = "é".repeat(64);
    let text = format!("x #{tag64}");
    let start = text.find('#').unwrap();
    assert_eq!(
        bluesky::detect_facets(&text),
        vec![DetectedFacet {
            index: ByteSlice { byte_start: start, byte_end: text.len() },
            feature: DetectedFeature::Tag { tag: tag64 }
        }]
    );
    assert_facets(&format!("x #{}", "é".repeat(65)), &[]);
}

#[test]
fn deviations_that_keep_records_valid() {
    use F::*;
    // A tag of 64 graphemes but more than 640 bytes would fail the lexicon: not a tag.
    // (The flag of Scotland is one grapheme of 28 bytes, with no ZWJ that would end the tag.)
    let heavy = "🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}".repeat(23);
    assert!(heavy.len() > 640 && bluesky::grapheme_count(&heavy) == 23);
    assert_facets(&format!("#{heavy}"), &[]);
    // A URL that is not a lexicon `uri` is not a link.
    assert_facets("see https://. and https:///path", &[]);
    // A bare domain starting with "http" gets its scheme like any other.
    assert_facets("try httpbin.org/get", &[("httpbin.org/get", Link("https://httpbin.org/get"))]);
    // Upper-case schemes are skipped, as in the reference.
    assert_facets("HTTPS://EXAMPLE.COM", &[]);
    // A mention inside a link would overlap it: the link, which starts first, wins.
    assert_facets(
        "https://example.com/(@bob.test",
        &[("https://example.com/(@bob.test", Link("https://example.com/(@bob.test"))],
    );
}

#[test]
fn facets_serialize_to_the_lexicon_shape() {
    let text = "✨ hello @alice.bsky.social #rust https://example.com/x?y=1.";
    let detected = bluesky::detect_facets(text);
    let facets = bluesky::resolve_mentions(&detected, |handle| {
        (handle == "alice.bsky.social").then(|| "did:plc:z72i7hdynmk6r22z27h6tvur".to_owned())
    });
    let mention = text.find("@alice.bsky.social").unwrap();
    let tag = text.find("#rust").unwrap();
    let link = text.find("https://").unwrap();
    let link_end = text.find("y=1").unwrap() + 3;
    assert_eq!(
        serde_json::to_value(&facets).unwrap(),
        json!([
            {
                "$type": "app.bsky.richtext.facet",
                "index": { "byteStart": mention, "byteEnd": mention + "@alice.bsky.social".len() },
                "features": [{ "$type": "app.bsky.richtext.facet#mention", "did": "did:plc:z72i7hdynmk6r22z27h6tvur" }]
            },
            {
                "$type": "app.bsky.richtext.facet",
                "index": { "byteStart": tag, "byteEnd": tag + "#rust".len() },
                "features": [{ "$type": "app.bsky.richtext.facet#tag", "tag": "rust" }]
            },
            {
                "$type": "app.bsky.richtext.facet",
                "index": { "byteStart": link, "byteEnd": link_end },
                "features": [{ "$type": "app.bsky.richtext.facet#link", "uri": "https://example.com/x?y=1" }]
            }
        ])
    );
    // And back, with or without the facet's optional `$type`.
    let round: Vec<Facet> = serde_json::from_value(serde_json::to_value(&facets).unwrap()).unwrap();
    assert_eq!(round, facets);
    let bare: Facet = serde_json::from_value(json!({
        "index": { "byteStart": 0, "byteEnd": 4 },
        "features": [{ "$type": "app.bsky.richtext.facet#tag", "tag": "tag" }]
    }))
    .unwrap();
    assert_eq!(bare.features, vec![Feature::Tag { tag: "tag".to_owned() }]);
    let wrong = serde_json::from_value::<Facet>(json!({
        "$type": "app.bsky.feed.post",
        "index": { "byteStart": 0, "byteEnd": 4 },
        "features": []
    }));
    assert!(wrong.is_err());
}

#[test]
fn mentions_resolve_at_publish_time() {
    let text = "@a.test @b.test @a.test @c.test";
    let detected = bluesky::detect_facets(text);
    assert_eq!(bluesky::mention_handles(&detected).into_iter().collect::<Vec<_>>(), ["a.test", "b.test", "c.test"]);
    let mut asked = Vec::new();
    let facets = bluesky::resolve_mentions(&detected, |handle| {
        asked.push(handle.to_owned());
        match handle {
            "a.test" => Some("did:plc:aaaa".to_owned()),
            "b.test" => Some("not a did".to_owned()),
            _ => None,
        }
    });
    assert_eq!(asked, ["a.test", "b.test", "a.test", "c.test"]);
    // Unresolved and invalid ones are left out; the resolved ones keep their ranges.
    let second_a = text.rfind("@a.test").unwrap();
    assert_eq!(
        facets,
        vec![
            Facet {
                index: ByteSlice { byte_start: 0, byte_end: 7 },
                features: vec![Feature::Mention { did: "did:plc:aaaa".to_owned() }]
            },
            Facet {
                index: ByteSlice { byte_start: second_a, byte_end: second_a + 7 },
                features: vec![Feature::Mention { did: "did:plc:aaaa".to_owned() }]
            },
        ]
    );
    // Links and tags need no resolution.
    let plain = bluesky::detect_facets("#tag example.com");
    assert_eq!(bluesky::resolve_mentions(&plain, |_| None).len(), 2);
    assert!(plain.iter().all(|facet| facet.to_facet().is_some()));
}

/// Text that is likely to contain facets: pieces of handles, URLs, tags and awkward Unicode.
fn facet_rich_text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "@",
        "#",
        "＃",
        "$",
        "(",
        ")",
        ".",
        ",",
        ":",
        "!",
        "?",
        "-",
        "_",
        "/",
        " ",
        "\n",
        "\u{3000}",
        "\u{A0}",
        "\u{FEFF}",
        "\u{200B}",
        "\u{200D}",
        "\u{FE0F}",
        "\u{20E3}",
        "\u{301}",
        "a",
        "Z",
        "1",
        "2024",
        "AAPL",
        "https://",
        "http://",
        "HTTP://",
        "example",
        "bsky",
        "social",
        "com",
        ".com",
        ".test",
        ".app",
        "alice.bsky.social",
        "😀",
        "👨‍👩‍👧‍👦",
        "🇫🇷",
        "❤️",
        "日本",
        "é",
        "ß",
        "'",
        "\u{2019}",
        "…",
    ]);
    prop::collection::vec(pieces, 0..40).prop_map(|pieces| pieces.concat())
}

fn check_facets(text: &str) {
    let facets = bluesky::detect_facets(text);
    let mut cursor = 0;
    for facet in &facets {
        let ByteSlice { byte_start, byte_end } = facet.index;
        assert!(byte_start >= cursor && byte_start < byte_end && byte_end <= text.len(), "{facet:?} in {text:?}");
        assert!(text.is_char_boundary(byte_start) && text.is_char_boundary(byte_end));
        cursor = byte_end;
        let covered = &text[byte_start..byte_end];
        assert_eq!(facet.text(text), covered);
        match &facet.feature {
            DetectedFeature::Mention { handle } => assert_eq!(covered, format!("@{handle}")),
            DetectedFeature::Link { uri } => {
                assert!(uri == covered || *uri == format!("https://{covered}"), "{uri:?} for {covered:?}");
                assert!(bluesky::is_valid_uri(uri));
            }
            DetectedFeature::Tag { tag } if covered.starts_with('$') => {
                assert_eq!(tag, &covered.to_ascii_uppercase());
            }
            DetectedFeature::Tag { tag } => {
                assert!(covered == format!("#{tag}") || covered == format!("＃{tag}"), "{tag:?} for {covered:?}");
                assert!(
                    bluesky::grapheme_count(tag) <= bluesky::TAG_MAX_GRAPHEMES && tag.len() <= bluesky::TAG_MAX_BYTES
                );
            }
        }
        if let Some(lexicon) = facet.to_facet() {
            let value = serde_json::to_value(&lexicon).unwrap();
            assert_eq!(value["$type"], "app.bsky.richtext.facet");
            assert_eq!(value["index"]["byteStart"], byte_start);
            assert_eq!(value["index"]["byteEnd"], byte_end);
        }
    }
    let length = bluesky::length(text);
    assert!(length.graphemes <= text.chars().count() && text.chars().count() <= length.bytes);
    assert_eq!(length.bytes, text.len());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn facets_are_sound_on_any_unicode(text in any::<String>()) {
        check_facets(&text);
    }

    #[test]
    fn facets_are_sound_on_facet_rich_text(text in facet_rich_text()) {
        check_facets(&text);
    }
}
