//! Every network's text rules: what each field may hold, counted the way the network counts it.
//!
//! [`check`] returns the [`TextIssue`]s of a [`Draft`] for one [`Network`] (an [`Severity::Error`] blocks scheduling,
//! a [`Severity::Warning`] informs), and [`count`] gives the composer its meter ("287 / 300").
//!
//! "Characters" mean different things on different networks, so each rule names its [`Unit`]:
//! - [`Unit::Graphemes`]: extended grapheme clusters (UAX #29): `👨‍👩‍👧` or `é` written as `e` + U+0301 is one.
//! - [`Unit::Characters`]: Unicode scalar values (code points): `👨‍👩‍👧` is five, `😀` is one.
//! - [`Unit::Utf16Units`]: UTF-16 code units, JavaScript's `String.length`: `😀` is two, `é` one.
//! - [`Unit::Bytes`]: bytes of UTF-8: `😀` is four, `é` two, `a` one.
//! - [`Unit::Weighted`]: a network's own weights (X's twitter-text weights, Threads' emoji-as-bytes rule).
//!
//! Where a network's documentation gives a limit in "characters" without saying which, the rule counts UTF-16 code
//! units: of the usual readings it gives the highest count (a code point above U+FFFF counts two), so a text that
//! fits by it fits by any of them.
//!
//! Each rule's source is a file of `../shared/api-specs/`; where it is not, the rule's documentation says so.

mod mastodon;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use unicode_properties::{GeneralCategoryGroup, UnicodeEmoji as _, UnicodeGeneralCategory as _};
use unicode_segmentation::UnicodeSegmentation as _;

use crate::bluesky;

pub use mastodon::MastodonLimits;

/// A social network Chorus publishes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Network {
    /// Instagram (feed posts and reels).
    Instagram,
    /// Facebook Pages.
    Facebook,
    /// LinkedIn (members and organisations).
    #[serde(rename = "linkedin")]
    LinkedIn,
    /// TikTok.
    #[serde(rename = "tiktok")]
    TikTok,
    /// Pinterest (pins).
    Pinterest,
    /// YouTube (videos).
    #[serde(rename = "youtube")]
    YouTube,
    /// X (formerly Twitter).
    X,
    /// Threads.
    Threads,
    /// Bluesky.
    Bluesky,
    /// Mastodon (any instance).
    Mastodon,
}

impl Network {
    /// Every network, in display order.
    pub const ALL: [Network; 10] = [
        Network::Instagram,
        Network::Facebook,
        Network::LinkedIn,
        Network::TikTok,
        Network::Pinterest,
        Network::YouTube,
        Network::X,
        Network::Threads,
        Network::Bluesky,
        Network::Mastodon,
    ];

    /// The machine name, as serialized: `instagram`, `facebook`, `linkedin`, `tiktok`, `pinterest`, `youtube`, `x`,
    /// `threads`, `bluesky`, `mastodon`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Network::Instagram => "instagram",
            Network::Facebook => "facebook",
            Network::LinkedIn => "linkedin",
            Network::TikTok => "tiktok",
            Network::Pinterest => "pinterest",
            Network::YouTube => "youtube",
            Network::X => "x",
            Network::Threads => "threads",
            Network::Bluesky => "bluesky",
            Network::Mastodon => "mastodon",
        }
    }

    /// The name people know it by.
    pub const fn display_name(self) -> &'static str {
        match self {
            Network::Instagram => "Instagram",
            Network::Facebook => "Facebook",
            Network::LinkedIn => "LinkedIn",
            Network::TikTok => "TikTok",
            Network::Pinterest => "Pinterest",
            Network::YouTube => "YouTube",
            Network::X => "X",
            Network::Threads => "Threads",
            Network::Bluesky => "Bluesky",
            Network::Mastodon => "Mastodon",
        }
    }

    /// The text fields a post has on this network, the main one first.
    pub const fn fields(self) -> &'static [Field] {
        match self {
            Network::Instagram
            | Network::Facebook
            | Network::LinkedIn
            | Network::X
            | Network::Threads
            | Network::Bluesky => &[Field::Text],
            Network::TikTok => &[Field::Text, Field::Title],
            Network::Pinterest | Network::YouTube => &[Field::Description, Field::Title],
            Network::Mastodon => &[Field::Text, Field::ContentWarning],
        }
    }

    /// The field that holds the post's main copy: [`Field::Description`] on Pinterest and YouTube, whose posts have
    /// a title and a description, [`Field::Text`] elsewhere.
    pub const fn main_field(self) -> Field {
        match self {
            Network::Pinterest | Network::YouTube => Field::Description,
            _ => Field::Text,
        }
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.display_name())
    }
}

/// A name that is not one of [`Network::as_str`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown network {0:?}")]
pub struct UnknownNetwork(pub String);

impl FromStr for Network {
    type Err = UnknownNetwork;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Network::ALL.into_iter().find(|network| network.as_str() == name).ok_or_else(|| UnknownNetwork(name.to_owned()))
    }
}

/// A text field of a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// The post's text or caption.
    Text,
    /// A title (YouTube video, Pinterest pin, TikTok photo post).
    Title,
    /// A description (YouTube video, Pinterest pin): the main copy where a post also has a title.
    Description,
    /// Mastodon's content warning (`spoiler_text`).
    ContentWarning,
}

impl Field {
    /// The machine name, as serialized.
    pub const fn as_str(self) -> &'static str {
        match self {
            Field::Text => "text",
            Field::Title => "title",
            Field::Description => "description",
            Field::ContentWarning => "content_warning",
        }
    }
}

/// What a count counts; see the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Extended grapheme clusters.
    Graphemes,
    /// Unicode scalar values.
    Characters,
    /// UTF-16 code units.
    Utf16Units,
    /// Bytes of UTF-8.
    Bytes,
    /// A network's own weighting of characters.
    Weighted,
}

impl Unit {
    /// The machine name, as serialized.
    pub const fn as_str(self) -> &'static str {
        match self {
            Unit::Graphemes => "graphemes",
            Unit::Characters => "characters",
            Unit::Utf16Units => "utf16_units",
            Unit::Bytes => "bytes",
            Unit::Weighted => "weighted",
        }
    }

    /// The word a person reads: "bytes" for [`Unit::Bytes`], "characters" for the others.
    pub const fn noun(self) -> &'static str {
        match self {
            Unit::Bytes => "bytes",
            _ => "characters",
        }
    }
}

/// A field's length against its limit, for a composer's meter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Count {
    /// How much the text uses, in `unit`.
    pub used: usize,
    /// The most the network accepts, in `unit`.
    pub limit: usize,
    /// What is counted.
    pub unit: Unit,
}

impl Count {
    /// Whether the text is over the limit.
    pub const fn is_over(self) -> bool {
        self.used > self.limit
    }

    /// How much is left (0 when over).
    pub const fn remaining(self) -> usize {
        self.limit.saturating_sub(self.used)
    }

    /// How much too much (0 when within).
    pub const fn excess(self) -> usize {
        self.used.saturating_sub(self.limit)
    }
}

/// How serious an issue is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The network would refuse the post (or damage it): scheduling is blocked.
    Error,
    /// Worth knowing; the post can be scheduled.
    Warning,
}

/// What an issue is about, for programs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueCode {
    /// Over the length limit.
    TooLong,
    /// A field the network requires is missing or blank.
    Required,
    /// A character the network does not accept in the field.
    ForbiddenCharacters,
    /// More hashtags than the network takes (or than it is going to take).
    TooManyHashtags,
    /// More links than the network takes.
    TooManyLinks,
    /// The network shows links as plain text.
    LinksNotClickable,
}

impl IssueCode {
    /// The machine name, as serialized.
    pub const fn as_str(self) -> &'static str {
        match self {
            IssueCode::TooLong => "too_long",
            IssueCode::Required => "required",
            IssueCode::ForbiddenCharacters => "forbidden_characters",
            IssueCode::TooManyHashtags => "too_many_hashtags",
            IssueCode::TooManyLinks => "too_many_links",
            IssueCode::LinksNotClickable => "links_not_clickable",
        }
    }
}

/// Something about a post's text that the person scheduling it should know.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TextIssue {
    /// Whether it blocks scheduling.
    pub severity: Severity,
    /// The field it is about.
    pub field: Field,
    /// What it is, for programs.
    pub code: IssueCode,
    /// What it is, for people: "312 of 300 characters — 12 too many".
    pub message: String,
}

/// The text of a post for one network.
///
/// On Pinterest and YouTube the main copy is the description: [`Draft::description`] when given, else
/// [`Draft::text`]. Fields a network does not have are ignored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Draft<'a> {
    /// The post's text or caption.
    pub text: &'a str,
    /// A title (YouTube, Pinterest, TikTok photo posts).
    pub title: Option<&'a str>,
    /// A description (YouTube, Pinterest), if different from `text`.
    pub description: Option<&'a str>,
    /// Mastodon's content warning.
    pub content_warning: Option<&'a str>,
}

impl<'a> Draft<'a> {
    /// A draft with only a text.
    pub const fn new(text: &'a str) -> Self {
        Draft { text, title: None, description: None, content_warning: None }
    }

    /// The draft's value for `field` on `network`, `None` when absent or not a field of that network.
    pub fn field(&self, network: Network, field: Field) -> Option<&'a str> {
        if !network.fields().contains(&field) {
            return None;
        }
        match field {
            Field::Text => Some(self.text),
            Field::Title => self.title,
            Field::Description => self.description.or(Some(self.text)),
            Field::ContentWarning => self.content_warning,
        }
    }
}

/// Limits that depend on the account rather than the network: today a Mastodon instance's own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Limits {
    /// The Mastodon instance's status limits (Mastodon's defaults until the instance is connected).
    pub mastodon: MastodonLimits,
}

/// `field`'s length on `network` with the networks' default limits; `None` if the network has no such field.
pub fn count(network: Network, field: Field, text: &str) -> Option<Count> {
    count_with(network, field, text, &Limits::default())
}

/// `field`'s length on `network` with the account's `limits`; `None` if the network has no such field.
///
/// The count is of this one field; on Mastodon the text and the content warning share one budget, which
/// [`draft_counts`] accounts for.
pub fn count_with(network: Network, field: Field, text: &str, limits: &Limits) -> Option<Count> {
    let (limit, unit) = rule(network, field, limits)?;
    let used = match (network, field) {
        (Network::X, _) => x_weighted_length(text),
        (Network::Threads, _) => threads_length(text),
        (Network::Mastodon, Field::Text) => mastodon::text_length(text, &limits.mastodon),
        _ => measure(unit, text),
    };
    Some(Count { used, limit, unit })
}

/// The meter of every field the draft fills on `network`: on Mastodon the text's count includes the content warning,
/// as the server counts them together.
pub fn draft_counts(network: Network, draft: &Draft<'_>, limits: &Limits) -> Vec<(Field, Count)> {
    network
        .fields()
        .iter()
        .filter_map(|&field| {
            let value = draft.field(network, field)?;
            let mut count = count_with(network, field, value, limits)?;
            if (network, field) == (Network::Mastodon, Field::Text) {
                count.used =
                    mastodon::combined_length(value, draft.content_warning.unwrap_or_default(), &limits.mastodon);
            }
            Some((field, count))
        })
        .collect()
}

/// The issues of `draft` on `network`, with the networks' default limits.
pub fn check(network: Network, draft: &Draft<'_>) -> Vec<TextIssue> {
    check_with(network, draft, &Limits::default())
}

/// The issues of `draft` on `network`, with the account's `limits`: every length rule of [`count_with`] (each
/// limit's source is on [`rule`]), plus the network's other text rules (hashtags, links, forbidden characters,
/// required fields), each documented with its source on the constant or function that implements it.
pub fn check_with(network: Network, draft: &Draft<'_>, limits: &Limits) -> Vec<TextIssue> {
    let mut issues = Vec::new();
    for (field, count) in draft_counts(network, draft, limits) {
        if network == Network::Mastodon && field == Field::ContentWarning {
            continue; // counted with the text
        }
        if count.is_over() {
            let shared = network == Network::Mastodon && draft.content_warning.is_some_and(|cw| !cw.is_empty());
            let message = if shared {
                format!(
                    "{} of {} characters, content warning included — {} too many",
                    thousands(count.used),
                    thousands(count.limit),
                    thousands(count.excess())
                )
            } else {
                too_long_message(count)
            };
            issues.push(TextIssue { severity: Severity::Error, field, code: IssueCode::TooLong, message });
        }
    }
    match network {
        Network::Bluesky => bluesky_rules(draft.text, &mut issues),
        Network::Instagram => instagram_rules(draft.text, &mut issues),
        Network::Threads => threads_rules(draft.text, &mut issues),
        Network::YouTube => youtube_rules(draft, &mut issues),
        Network::X => x_rules(draft.text, &mut issues),
        _ => {}
    }
    issues
}

/// The length limit and unit of `field` on `network`. Sources:
///
/// - **Instagram** caption: 2,200, UTF-16 code units. `../shared/api-specs/meta/docs-notes.md`: Meta's Instagram ads
///   media page states a 2,200-character caption; the Graph API pages retrieved there give no caption limit and no
///   unit, so the stricter reading (UTF-16) applies.
/// - **Facebook** Page post `message`: 63,206, UTF-16 code units. Not in `../shared/api-specs/` (`meta/docs-notes.md`
///   records no message limit); 63,206 is the limit Facebook's composer enforces and is widely documented. The unit
///   is not documented: stricter reading.
/// - **LinkedIn** `commentary`: 3,000, UTF-16 code units. `../shared/api-specs/linkedin/posts-and-community-management-examples.md`
///   ("Limits": the official pages retrieved give none; third-party tools cap commentary at 3,000 characters). Unit
///   not documented: stricter reading.
/// - **TikTok** caption (`post_info.title` of a video post): 2,200 UTF-16 code units ("max 2200 UTF-16 runes");
///   photo post `title`: 90 UTF-16 code units. `../shared/api-specs/tiktok/content-posting-api-examples.md`, sections
///   2 and 5. A photo post's caption goes in `description`, which takes 4,000; the caption rule is the video
///   post's 2,200, which fits both.
/// - **Pinterest** pin `title`: 100 and `description`: 800, Unicode scalar values: `maxLength` of `PinCreate.title`
///   and `PinCreate.description` in `../shared/api-specs/pinterest/openapi.json`; JSON Schema's `maxLength` counts
///   characters as code points.
/// - **YouTube** video `snippet.title`: 100, UTF-16 code units; `snippet.description`: 5,000 bytes of UTF-8. The
///   discovery document `../shared/api-specs/youtube/youtube.v3.json` has no lengths (its `SOURCE.txt` says so);
///   they are in the Data API reference (developers.google.com/youtube/v3/docs/videos, `snippet.title`: "maximum
///   length of 100 characters", `snippet.description`: "maximum length of 5000 bytes"). Title unit not documented:
///   stricter reading.
/// - **X**: 280, weighted as twitter-text weighs (most scripts 1, CJK and emoji 2, every URL 23, after NFC):
///   `../shared/api-specs/x-twitter/docs/counting-characters.mdx`; counted by [`crate::x::weighted_length`].
/// - **Threads**: 500, "Emojis are counted as the number of UTF-8 bytes": `../shared/api-specs/meta/docs-notes.md`
///   (Threads Posts page). Other characters are not documented: UTF-16 code units (stricter reading). An emoji is a
///   grapheme cluster with an emoji character, a regional indicator, U+FE0F or a keycap U+20E3; it counts its whole
///   cluster's UTF-8 bytes (`👍` 4, `👍🏽` 8, `❤️` 6).
/// - **Bluesky**: 300 graphemes (and 3,000 bytes, checked by [`check`]): `../shared/api-specs/bluesky/lexicons/app/bsky/feed/post.json`,
///   see [`crate::bluesky`].
/// - **Mastodon**: the instance's `max_characters` (500 by default) for the text and content warning together,
///   graphemes, URLs as `characters_reserved_per_url`, remote mentions as `@user`: `../shared/api-specs/mastodon/schema.json`,
///   see [`MastodonLimits`] and the `networks::mastodon` module.
pub fn rule(network: Network, field: Field, limits: &Limits) -> Option<(usize, Unit)> {
    Some(match (network, field) {
        (Network::Instagram, Field::Text) => (2_200, Unit::Utf16Units),
        (Network::Facebook, Field::Text) => (63_206, Unit::Utf16Units),
        (Network::LinkedIn, Field::Text) => (3_000, Unit::Utf16Units),
        (Network::TikTok, Field::Text) => (2_200, Unit::Utf16Units),
        (Network::TikTok, Field::Title) => (90, Unit::Utf16Units),
        (Network::Pinterest, Field::Title) => (100, Unit::Characters),
        (Network::Pinterest, Field::Description) => (800, Unit::Characters),
        (Network::YouTube, Field::Title) => (100, Unit::Utf16Units),
        (Network::YouTube, Field::Description) => (5_000, Unit::Bytes),
        (Network::X, Field::Text) => (280, Unit::Weighted),
        (Network::Threads, Field::Text) => (500, Unit::Weighted),
        (Network::Bluesky, Field::Text) => (bluesky::MAX_GRAPHEMES, Unit::Graphemes),
        (Network::Mastodon, Field::Text | Field::ContentWarning) => (limits.mastodon.max_characters, Unit::Graphemes),
        _ => return None,
    })
}

/// `text`'s length in `unit` (not for [`Unit::Weighted`], which depends on the network: 0).
fn measure(unit: Unit, text: &str) -> usize {
    match unit {
        Unit::Graphemes => text.graphemes(true).count(),
        Unit::Characters => text.chars().count(),
        Unit::Utf16Units => text.encode_utf16().count(),
        Unit::Bytes => text.len(),
        Unit::Weighted => 0,
    }
}

fn too_long_message(count: Count) -> String {
    format!(
        "{} of {} {} — {} too many",
        thousands(count.used),
        thousands(count.limit),
        count.unit.noun(),
        thousands(count.excess())
    )
}

/// `1234567` → `1,234,567`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Bluesky's second limit: 3,000 bytes of UTF-8 (`maxLength` of `app.bsky.feed.post#text`,
/// `../shared/api-specs/bluesky/lexicons/app/bsky/feed/post.json`).
fn bluesky_rules(text: &str, issues: &mut Vec<TextIssue>) {
    let bytes = Count { used: text.len(), limit: bluesky::MAX_BYTES, unit: Unit::Bytes };
    if bytes.is_over() {
        issues.push(TextIssue {
            severity: Severity::Error,
            field: Field::Text,
            code: IssueCode::TooLong,
            message: too_long_message(bytes),
        });
    }
}

/// Most hashtags in an Instagram caption: 30. `../shared/api-specs/meta/docs-notes.md` records it from third-party
/// pages (the Graph API pages retrieved there do not give it); Instagram refuses captions with more.
pub const INSTAGRAM_MAX_HASHTAGS: usize = 30;

/// Hashtags in an Instagram caption above which Chorus warns: Instagram announced (December 2025, relayed by the
/// press; not in `../shared/api-specs/`) that it is gradually limiting posts and reels to 5 hashtags.
pub const INSTAGRAM_ANNOUNCED_MAX_HASHTAGS: usize = 5;

/// Instagram: at most [`INSTAGRAM_MAX_HASHTAGS`] hashtags (Error), a Warning above
/// [`INSTAGRAM_ANNOUNCED_MAX_HASHTAGS`], and a Warning that links in captions are not clickable (Instagram shows
/// them as plain text; `../shared/api-specs/meta/docs-notes.md` has no statement on it, it is Instagram's documented
/// product behaviour).
fn instagram_rules(text: &str, issues: &mut Vec<TextIssue>) {
    let hashtags = hashtag_count(text);
    if hashtags > INSTAGRAM_MAX_HASHTAGS {
        issues.push(TextIssue {
            severity: Severity::Error,
            field: Field::Text,
            code: IssueCode::TooManyHashtags,
            message: format!(
                "{hashtags} hashtags — Instagram allows at most {INSTAGRAM_MAX_HASHTAGS}, {} too many",
                hashtags - INSTAGRAM_MAX_HASHTAGS
            ),
        });
    } else if hashtags > INSTAGRAM_ANNOUNCED_MAX_HASHTAGS {
        issues.push(TextIssue {
            severity: Severity::Warning,
            field: Field::Text,
            code: IssueCode::TooManyHashtags,
            message: format!(
                "{hashtags} hashtags — Instagram is limiting posts to {INSTAGRAM_ANNOUNCED_MAX_HASHTAGS} hashtags; the \
                 others may be refused"
            ),
        });
    }
    if !bluesky::detect_links(text).is_empty() {
        issues.push(TextIssue {
            severity: Severity::Warning,
            field: Field::Text,
            code: IssueCode::LinksNotClickable,
            message: "Links in Instagram captions are not clickable".to_owned(),
        });
    }
}

/// Most different links in a Threads post: 5. Threads' "Text Attachments" page
/// (developers.facebook.com/documentation/threads/create-posts/text-attachments; not yet in
/// `../shared/api-specs/meta/docs-notes.md`): "Starting December 22, 2025, Threads posts containing more than 5 links
/// will fail to post … All unique URLs found in the text field are counted as links."
pub const THREADS_MAX_LINKS: usize = 5;

/// Threads: at most [`THREADS_MAX_LINKS`] different links (Error; links found as Bluesky's detection finds them,
/// with or without a scheme, compared by URL); a Warning for more than one hashtag, as Threads makes only one of them
/// the post's tag (a third-party statement, not in `../shared/api-specs/`).
fn threads_rules(text: &str, issues: &mut Vec<TextIssue>) {
    let mut links: Vec<String> = bluesky::detect_links(text).into_iter().map(|link| link.uri).collect();
    links.sort_unstable();
    links.dedup();
    if links.len() > THREADS_MAX_LINKS {
        issues.push(TextIssue {
            severity: Severity::Error,
            field: Field::Text,
            code: IssueCode::TooManyLinks,
            message: format!(
                "{} different links — Threads allows at most {THREADS_MAX_LINKS}, {} too many",
                links.len(),
                links.len() - THREADS_MAX_LINKS
            ),
        });
    }
    let hashtags = hashtag_count(text);
    if hashtags > 1 {
        issues.push(TextIssue {
            severity: Severity::Warning,
            field: Field::Text,
            code: IssueCode::TooManyHashtags,
            message: format!("{hashtags} hashtags — Threads makes only one of them the post's tag"),
        });
    }
}

/// YouTube: a video needs a title, and neither title nor description may contain `<` or `>` (Data API reference,
/// developers.google.com/youtube/v3/docs/videos: "may contain all valid UTF-8 characters except < and >"; the
/// discovery document `../shared/api-specs/youtube/youtube.v3.json` states neither).
fn youtube_rules(draft: &Draft<'_>, issues: &mut Vec<TextIssue>) {
    let title = draft.field(Network::YouTube, Field::Title);
    if title.is_none_or(|title| title.trim().is_empty()) {
        issues.push(TextIssue {
            severity: Severity::Error,
            field: Field::Title,
            code: IssueCode::Required,
            message: "YouTube videos need a title".to_owned(),
        });
    }
    for (field, name) in [(Field::Title, "title"), (Field::Description, "description")] {
        if draft.field(Network::YouTube, field).is_some_and(|value| value.contains(['<', '>'])) {
            issues.push(TextIssue {
                severity: Severity::Error,
                field,
                code: IssueCode::ForbiddenCharacters,
                message: format!("YouTube does not allow < or > in the {name}"),
            });
        }
    }
}

/// Hashtags as Instagram and Threads link them: `#` (or `＃`) not preceded by a letter, digit, mark or `_`, followed
/// by at least one of those. Every occurrence counts, repeated or not (the stricter reading: neither network says
/// whether repeats count).
pub fn hashtag_count(text: &str) -> usize {
    let is_tag_char =
        |c: char| c.is_alphanumeric() || c == '_' || c.general_category_group() == GeneralCategoryGroup::Mark;
    let mut previous = None;
    let mut chars = text.chars().peekable();
    let mut count = 0;
    while let Some(c) = chars.next() {
        if matches!(c, '#' | '＃')
            && !previous.is_some_and(is_tag_char)
            && chars.peek().is_some_and(|&next| is_tag_char(next))
        {
            count += 1;
        }
        previous = Some(c);
    }
    count
}

/// Threads' count: emoji grapheme clusters count their UTF-8 bytes, everything else its UTF-16 code units.
fn threads_length(text: &str) -> usize {
    text.graphemes(true)
        .map(|cluster| if is_emoji_cluster(cluster) { cluster.len() } else { cluster.encode_utf16().count() })
        .sum()
}

/// Whether a grapheme cluster is (or contains) an emoji: a non-ASCII `Emoji=Yes` character (which includes the
/// regional indicators of flags), the emoji presentation selector U+FE0F or the combining keycap U+20E3.
fn is_emoji_cluster(cluster: &str) -> bool {
    cluster.chars().any(|c| (c.is_emoji_char() && !c.is_ascii()) || c == '\u{FE0F}' || c == '\u{20E3}')
}

/// The X rule's counter: the `x` module's twitter-text weighted length (NFC, URLs 23, emoji 2, CJK 2; checked there
/// against the twitter-text conformance suite). Kept as a one-line adapter so the X arm has a single seam.
fn x_weighted_length(text: &str) -> usize {
    crate::x::weighted_length(text)
}

/// X refuses a post containing U+FFFE, U+FEFF or U+FFFF (twitter-text's `INVALID_CHARACTERS`;
/// `../shared/conformance/twitter-text/validate.yml`, "Handle invalid characters": `valid: false`).
fn x_rules(text: &str, issues: &mut Vec<TextIssue>) {
    if text.contains(['\u{FFFE}', '\u{FEFF}', '\u{FFFF}']) {
        issues.push(TextIssue {
            severity: Severity::Error,
            field: Field::Text,
            code: IssueCode::ForbiddenCharacters,
            message: "X does not accept the invisible characters U+FEFF, U+FFFE or U+FFFF".to_owned(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(63_206), "63,206");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn emoji_clusters() {
        assert!(is_emoji_cluster("😀") && is_emoji_cluster("❤️") && is_emoji_cluster("🇫🇷") && is_emoji_cluster("1️⃣"));
        assert!(!is_emoji_cluster("a") && !is_emoji_cluster("1") && !is_emoji_cluster("#") && !is_emoji_cluster("漢"));
    }
}
