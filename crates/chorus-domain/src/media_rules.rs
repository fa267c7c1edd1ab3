//! Every network's media rules: how many images and videos a post may carry, in which formats, how large, at
//! which aspects and for how long — checked before a post is scheduled, the way the network will check it.
//!
//! [`check_media`] returns the [`MediaIssue`]s of a post's media for one network (an [`Severity::Error`] blocks
//! scheduling, a [`Severity::Warning`] informs); [`rules`] (or [`rules_for`] a [`PostKind`]) gives the limits
//! themselves, each with its source, for a composer to show; [`suggested_aspects`] gives the aspects a rendition should
//! be cropped to, the preferred first.
//!
//! The kind of post ([`PostKind`]) decides the rules: Instagram's comes from [`VariantOptions::instagram_kind`];
//! TikTok's from the media (any image makes a photo post); Facebook and YouTube have one kind each until the variant
//! options say reel or Short ([`PostKind::FacebookReel`] and [`PostKind::YouTubeShort`] can be checked with
//! [`check_kind`]); elsewhere one kind takes every allowed mix.
//!
//! Readings that apply throughout:
//! - A size given in "MB" or "GB" without saying which is read as 1,000,000 or 1,000,000,000 bytes, the smaller
//!   reading, so a file that fits by it fits by either. Sizes given in bytes (Bluesky, Mastodon, YouTube) are exact.
//! - A limit is inclusive: exactly 60 seconds passes a 60-second maximum, 60.001 does not.
//! - An aspect passes if it is within the range once either side is allowed one pixel of rounding: a crop of any
//!   width to exactly 4:5 is impossible when the width is not a multiple of 4 (1,081 wide needs 1,351.25 tall), so
//!   editors and the networks' own resizers round by a pixel. 1080×1350 is 4:5 exactly; 1080×1349 is inside the range;
//!   1080×1351 is one pixel taller than 4:5 and passes; 1080×1352 does not.
//! - What Chorus could not read (a video's duration, an image's size in pixels) is a warning, never an error: the post
//!   may well be fine, and the person scheduling it is told what was not checked.
//!
//! | network | kind | media | count | formats | file size | pixels | aspect | duration | source |
//! |---|---|---|---|---|---|---|---|---|---|
//! | Instagram | feed | 1 image, or 1 video (published as a reel) | 1, required | JPEG; MP4, MOV | image 8 MB; video as reel | — | image 4:5–1.91:1 | video as reel | IG User Media page¹, `meta/docs-notes.md` |
//! | Instagram | carousel | images and videos, mixed | 2–10, required | JPEG; MP4, MOV | image 8 MB, video 100 MB | — | image 4:5–1.91:1, video 4:5–16:9 | video 3–60 s | IG User Media page¹, Content Publishing guide¹ |
//! | Instagram | reel | 1 video | 1, required | MP4, MOV; H.264, HEVC | 1 GB | ≤ 1,920 wide; 23–60 fps | 0.01:1–10:1 (9:16 recommended, warning) | 3 s–15 min | `meta/postman/instagram-platform-api…` "Reels Publishing", IG User Media page¹ |
//! | Instagram | story | 1 image or 1 video | 1, required | JPEG; MP4, MOV | image 8 MB, video 100 MB | — | 9:16 recommended (warning) | 3–60 s | IG User Media page¹ |
//! | Facebook | Page post | photos, or 1 video alone | — | JPEG, PNG, GIF; MP4, MOV | photo 4 MB, PNG 1 MB recommended (warnings) | — | — | — | Uploading Photos guide¹, `meta/graph-api-codegen-specs/Page.json` |
//! | Facebook | reel | 1 video | 1, required | MP4, MOV | — | ≥ 540×960; ≥ 23 fps | 9:16 | 4–60 s | `meta/postman/facebook-reels-publishing-api…` |
//! | LinkedIn | post | 1–20 images, or 1 video alone | — | JPEG, PNG, GIF; MP4 | — | images < 36,152,320 pixels | video 1:2.4–2.4:1 | 3 s–30 min | `linkedin/…examples.md` "Limits"² and "Content types", MultiImage API page¹ |
//! | TikTok | video | 1 video | 1, required | MP4, MOV; H.264, H.265, VP8, VP9 | 4 GB | 360–4,096 each side; 23–60 fps | — | ≤ 10 min (3 min unless the account allows more: warning) | `tiktok/content-posting-api-examples.md` |
//! | TikTok | photo | images | 1–35, required | JPEG, WebP | 20 MB | ≤ 1080p (warning) | — | — | `tiktok/content-posting-api-examples.md` |
//! | Pinterest | pin | 1–5 images, or 1 video alone | 1–5, required | JPEG, PNG; video | — | — | — | — | `pinterest/openapi.json` |
//! | YouTube | video | 1 video | 1, required | video/* | 274,877,906,944 bytes | — | — | ≤ 12 h (over 15 min: warning) | `youtube/youtube.v3.json`, YouTube Help¹ |
//! | YouTube | Short | 1 video | 1, required | video/* | as video | — | square or vertical (warning) | ≤ 3 min (warning) | YouTube Help¹, `youtube/youtube.v3.json` |
//! | X | post | 1–4 images, or 1 animated GIF alone, or 1 video alone | — | JPEG, PNG, GIF, WebP; MP4, MOV | image 5 MB, GIF 15 MB, video 512 MB | video ≥ 32×32, ≤ 1280×1024 (warning); ≤ 60 fps | video 1:3–3:1 | video 0.5–140 s | `x-twitter/docs/media-best-practices.mdx` |
//! | Threads | post / carousel | images and videos, mixed | 0–20 | JPEG, PNG; MP4, MOV | image 8 MB, video 1 GB | video ≤ 1,920 wide; 23–60 fps | image ≤ 10:1 either way, video 0.01:1–10:1 | video ≤ 5 min | Threads Posts page¹, `meta/docs-notes.md` |
//! | Bluesky | post | 1–4 images, or 1 video alone | — | image/*; MP4 | image 2,000,000 bytes, video 300,000,000 bytes | — | — | — | `bluesky/lexicons/app/bsky/embed/{images,video}.json`, `feed/post.json` |
//! | Mastodon | status | images, or 1 video alone | instance's (4) | instance's | instance's (16,777,216 / 103,809,024 bytes) | instance's (33,177,600 / 8,294,400 pixels; 120 fps) | — | — | `mastodon/schema.json` `Instance.configuration`, Mastodon's source¹ |
//!
//! ¹ Not in `../shared/api-specs/`: the public page named on the rule's source. ² A third-party summary recorded in
//! the shared folder, LinkedIn's own pages having not been retrieved. Paths are relative to the shared api-specs
//! folder; each [`Limit::source`] gives the file and section.
//!
//! Not enforced, for want of a source: Pinterest's and Facebook's video sizes and durations, Bluesky's video duration,
//! LinkedIn's file sizes, and the minimum and maximum widths Instagram and Threads scale images to (320 and 1,440 —
//! scaled, not refused).

use chorus_text::networks::Network;
pub use chorus_text::networks::Severity;
use serde::{Deserialize, Serialize};

use crate::media::{Aspect, AssetKind, MediaType};
use crate::post::{InstagramKind, VariantOptions};

/// What Chorus knows of one image or video of a post, as it will be sent (after any crop).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaFacts {
    pub media_type: MediaType,
    pub size_bytes: u64,
    /// Pixels; `None` when they could not be read.
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Videos (and animated GIFs): `None` when it could not be read.
    pub duration_ms: Option<u64>,
    /// The video codec as a reader names it (`h264`, `avc1`, `hevc`, `hvc1`, `vp9`, …).
    pub video_codec: Option<String>,
    /// Frames per second.
    pub frame_rate: Option<f32>,
    /// For a GIF: whether it has more than one frame (`None`: not known).
    pub animated: Option<bool>,
}

impl MediaFacts {
    /// An image of known size in bytes and pixels.
    pub fn image(media_type: MediaType, size_bytes: u64, width: u32, height: u32) -> Self {
        MediaFacts {
            media_type,
            size_bytes,
            width: Some(width),
            height: Some(height),
            duration_ms: None,
            video_codec: None,
            frame_rate: None,
            animated: None,
        }
    }

    /// A video of known size, pixels and duration.
    pub fn video(media_type: MediaType, size_bytes: u64, width: u32, height: u32, duration_ms: u64) -> Self {
        MediaFacts { duration_ms: Some(duration_ms), ..MediaFacts::image(media_type, size_bytes, width, height) }
    }

    fn kind(&self) -> AssetKind {
        self.media_type.kind()
    }

    /// Width and height when both are known and neither is zero.
    fn dimensions(&self) -> Option<(u32, u32)> {
        match (self.width, self.height) {
            (Some(w), Some(h)) if w > 0 && h > 0 => Some((w, h)),
            _ => None,
        }
    }
}

/// The kinds of post whose media rules differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostKind {
    InstagramFeed,
    InstagramCarousel,
    InstagramReel,
    InstagramStory,
    FacebookPost,
    FacebookReel,
    LinkedInPost,
    TikTokVideo,
    TikTokPhoto,
    PinterestPin,
    YouTubeVideo,
    YouTubeShort,
    XPost,
    ThreadsPost,
    BlueskyPost,
    MastodonStatus,
}

impl PostKind {
    /// The kind of a variant on `network`: Instagram's from its options, TikTok's from its media (any image makes a
    /// photo post), one kind per network elsewhere.
    pub fn of(network: Network, options: &VariantOptions, media: &[MediaFacts]) -> PostKind {
        match network {
            Network::Instagram => match options.instagram_kind {
                InstagramKind::Feed => PostKind::InstagramFeed,
                InstagramKind::Carousel => PostKind::InstagramCarousel,
                InstagramKind::Reel => PostKind::InstagramReel,
                InstagramKind::Story => PostKind::InstagramStory,
            },
            Network::Facebook => PostKind::FacebookPost,
            Network::LinkedIn => PostKind::LinkedInPost,
            Network::TikTok if media.iter().any(|m| m.kind() == AssetKind::Image) => PostKind::TikTokPhoto,
            Network::TikTok => PostKind::TikTokVideo,
            Network::Pinterest => PostKind::PinterestPin,
            Network::YouTube => PostKind::YouTubeVideo,
            Network::X => PostKind::XPost,
            Network::Threads => PostKind::ThreadsPost,
            Network::Bluesky => PostKind::BlueskyPost,
            Network::Mastodon => PostKind::MastodonStatus,
        }
    }

    pub const fn network(self) -> Network {
        match self {
            PostKind::InstagramFeed
            | PostKind::InstagramCarousel
            | PostKind::InstagramReel
            | PostKind::InstagramStory => Network::Instagram,
            PostKind::FacebookPost | PostKind::FacebookReel => Network::Facebook,
            PostKind::LinkedInPost => Network::LinkedIn,
            PostKind::TikTokVideo | PostKind::TikTokPhoto => Network::TikTok,
            PostKind::PinterestPin => Network::Pinterest,
            PostKind::YouTubeVideo | PostKind::YouTubeShort => Network::YouTube,
            PostKind::XPost => Network::X,
            PostKind::ThreadsPost => Network::Threads,
            PostKind::BlueskyPost => Network::Bluesky,
            PostKind::MastodonStatus => Network::Mastodon,
        }
    }

    /// What a person calls these posts, plural, for messages: "Instagram feed posts".
    pub const fn label(self) -> &'static str {
        match self {
            PostKind::InstagramFeed => "Instagram feed posts",
            PostKind::InstagramCarousel => "Instagram carousels",
            PostKind::InstagramReel => "Instagram reels",
            PostKind::InstagramStory => "Instagram stories",
            PostKind::FacebookPost => "Facebook Page posts",
            PostKind::FacebookReel => "Facebook reels",
            PostKind::LinkedInPost => "LinkedIn posts",
            PostKind::TikTokVideo => "TikTok videos",
            PostKind::TikTokPhoto => "TikTok photo posts",
            PostKind::PinterestPin => "Pinterest pins",
            PostKind::YouTubeVideo => "YouTube videos",
            PostKind::YouTubeShort => "YouTube Shorts",
            PostKind::XPost => "X posts",
            PostKind::ThreadsPost => "Threads posts",
            PostKind::BlueskyPost => "Bluesky posts",
            PostKind::MastodonStatus => "Mastodon posts",
        }
    }
}

/// One limit, how serious breaking it is, and where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Limit<T> {
    pub value: T,
    /// [`Severity::Error`] when the network refuses what breaks it; [`Severity::Warning`] for a recommendation or
    /// a limit that depends on the account.
    pub severity: Severity,
    /// The file of the shared api-specs folder and its section, or the public page, that states it.
    pub source: &'static str,
}

const fn error<T>(value: T, source: &'static str) -> Limit<T> {
    Limit { value, severity: Severity::Error, source }
}

const fn warning<T>(value: T, source: &'static str) -> Limit<T> {
    Limit { value, severity: Severity::Warning, source }
}

/// Aspects from the tallest (`min`, the smallest width ÷ height) to the widest (`max`), both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AspectRange {
    pub min: Aspect,
    pub max: Aspect,
}

impl AspectRange {
    const fn new(min: Aspect, max: Aspect) -> Self {
        AspectRange { min, max }
    }

    const fn exactly(aspect: Aspect) -> Self {
        AspectRange { min: aspect, max: aspect }
    }

    /// Where `width`×`height` falls, allowing one pixel of rounding on either side (see the module documentation).
    fn place(&self, width: u32, height: u32) -> Placement {
        if !at_least(width, height, self.min) {
            Placement::TooTall
        } else if !at_most(width, height, self.max) {
            Placement::TooWide
        } else {
            Placement::Within
        }
    }
}

enum Placement {
    Within,
    TooTall,
    TooWide,
}

/// Whether w/h ≥ a once w may grow or h shrink by one pixel; exact integer arithmetic.
fn at_least(width: u32, height: u32, aspect: Aspect) -> bool {
    let (w, h, aw, ah) = (u128::from(width), u128::from(height), u128::from(aspect.width), u128::from(aspect.height));
    (w + 1) * ah >= aw * h || w * ah >= aw * h.saturating_sub(1)
}

/// Whether w/h ≤ a once w may shrink or h grow by one pixel.
fn at_most(width: u32, height: u32, aspect: Aspect) -> bool {
    let (w, h, aw, ah) = (u128::from(width), u128::from(height), u128::from(aspect.width), u128::from(aspect.height));
    w.saturating_sub(1) * ah <= aw * h || w * ah <= aw * (h + 1)
}

/// A video codec, as the networks name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Codec {
    H264,
    H265,
    Vp8,
    Vp9,
    Av1,
}

impl Codec {
    /// The codec a reader's name stands for: the format names (`h264`, `hevc`) and the MP4 sample entries (`avc1`,
    /// `hvc1`, `vp09`, `av01`).
    pub fn parse(name: &str) -> Option<Codec> {
        let name = name.trim().to_ascii_lowercase().replace(['.', '-', '_', ' '], "");
        Some(match name.as_str() {
            "h264" | "avc" | "avc1" | "avc3" | "x264" => Codec::H264,
            "h265" | "hevc" | "hvc1" | "hev1" | "x265" => Codec::H265,
            "vp8" | "vp08" => Codec::Vp8,
            "vp9" | "vp09" => Codec::Vp9,
            "av1" | "av01" => Codec::Av1,
            _ => return None,
        })
    }

    pub const fn name(self) -> &'static str {
        match self {
            Codec::H264 => "H.264",
            Codec::H265 => "HEVC (H.265)",
            Codec::Vp8 => "VP8",
            Codec::Vp9 => "VP9",
            Codec::Av1 => "AV1",
        }
    }
}

/// A file size limit for some of a kind's formats (all of them when `only` is `None`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SizeLimit {
    pub only: Option<&'static [MediaType]>,
    pub limit: Limit<u64>,
}

/// The rules for the images, or for the videos, of a kind of post. A field left `None` (or empty) is not checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypeRules {
    /// The formats the network takes.
    pub accepted: Limit<Vec<MediaType>>,
    /// The most items of this type in one post, when lower than the post's.
    pub max_count: Option<Limit<usize>>,
    pub max_bytes: Vec<SizeLimit>,
    pub min_width: Option<Limit<u32>>,
    pub min_height: Option<Limit<u32>>,
    pub max_width: Option<Limit<u32>>,
    /// The longest and the shortest side at most, whichever way the item is turned.
    pub max_sides: Option<Limit<(u32, u32)>>,
    /// Width × height at most.
    pub max_pixels: Option<Limit<u64>>,
    /// Ranges the aspect must be within, the refusals first, then the recommendations.
    pub aspects: Vec<Limit<AspectRange>>,
    pub min_duration_ms: Option<Limit<u64>>,
    /// Maximum durations, the strictest first (a warning below a refusal, e.g. TikTok's 3 and 10 minutes).
    pub max_duration_ms: Vec<Limit<u64>>,
    /// Frames per second, inclusive.
    pub frame_rate: Option<Limit<(f32, f32)>>,
    pub codecs: Option<Limit<&'static [Codec]>>,
}

impl TypeRules {
    fn new(accepted: &[MediaType], source: &'static str) -> Self {
        TypeRules {
            accepted: error(accepted.to_vec(), source),
            max_count: None,
            max_bytes: Vec::new(),
            min_width: None,
            min_height: None,
            max_width: None,
            max_sides: None,
            max_pixels: None,
            aspects: Vec::new(),
            min_duration_ms: None,
            max_duration_ms: Vec::new(),
            frame_rate: None,
            codecs: None,
        }
    }

    fn max_bytes(mut self, bytes: u64, source: &'static str) -> Self {
        self.max_bytes.push(SizeLimit { only: None, limit: error(bytes, source) });
        self
    }

    fn aspect(mut self, limit: Limit<AspectRange>) -> Self {
        self.aspects.push(limit);
        self
    }

    fn duration(mut self, min_ms: Option<u64>, max_ms: u64, source: &'static str) -> Self {
        self.min_duration_ms = min_ms.map(|ms| error(ms, source));
        self.max_duration_ms.push(error(max_ms, source));
        self
    }

    fn checks_dimensions(&self) -> bool {
        self.min_width.is_some()
            || self.min_height.is_some()
            || self.max_width.is_some()
            || self.max_sides.is_some()
            || self.max_pixels.is_some()
            || !self.aspects.is_empty()
    }

    fn checks_duration(&self) -> bool {
        self.min_duration_ms.is_some() || !self.max_duration_ms.is_empty()
    }
}

/// The media rules of one kind of post on one network.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MediaRules {
    pub kind: PostKind,
    /// The fewest items; 1 or more means a post needs media.
    pub min_count: Option<Limit<usize>>,
    /// The most items, all types together.
    pub max_count: Option<Limit<usize>>,
    /// Images and videos may not share a post.
    pub no_mixing: Option<Limit<()>>,
    /// An animated GIF must be alone (X).
    pub gif_alone: Option<Limit<()>>,
    /// `None`: no images.
    pub image: Option<TypeRules>,
    /// `None`: no videos.
    pub video: Option<TypeRules>,
}

impl MediaRules {
    /// Whether a post of this kind needs media.
    pub fn required(&self) -> bool {
        self.min_count.as_ref().is_some_and(|min| min.value > 0)
    }

    fn for_kind(&self, kind: AssetKind) -> Option<&TypeRules> {
        match kind {
            AssetKind::Image => self.image.as_ref(),
            AssetKind::Video => self.video.as_ref(),
        }
    }

    /// The nouns of what the kind takes: ("an image or a video", "images or videos").
    fn nouns(&self) -> (&'static str, &'static str) {
        match (self.image.is_some(), self.video.is_some()) {
            (true, true) => ("an image or a video", "images or videos"),
            (true, false) => ("an image", "images"),
            (false, _) => ("a video", "videos"),
        }
    }

    /// What a post needs, for a missing or short set: "a video", "2 to 10 images or videos".
    fn needs(&self) -> String {
        let (one, many) = self.nouns();
        match (self.min_count.as_ref().map_or(0, |min| min.value), self.max_count.as_ref().map(|max| max.value)) {
            (0 | 1, _) => one.to_owned(),
            (min, Some(max)) => format!("{min} to {max} {many}"),
            (min, None) => format!("at least {min} {many}"),
        }
    }

    /// What a post takes at most, for a set that is too large: "one image or video", "up to 4 images or videos".
    fn takes(&self) -> String {
        let (one, many) = self.nouns();
        match self.max_count.as_ref().map(|max| max.value) {
            Some(1) => one.to_owned(),
            Some(max) => format!("up to {max} {many}"),
            None => many.to_owned(),
        }
    }
}

/// A Mastodon server's media limits, from `GET /api/v2/instance` → `configuration`
/// (`api-specs/mastodon/schema.json`, schema `Instance`); [`MastodonMediaLimits::default`] is Mastodon's own, the
/// values of the schema's mastodon.social example (its MIME types narrowed to the formats Chorus publishes, all of
/// which it lists), for a server not yet connected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MastodonMediaLimits {
    /// `statuses.max_media_attachments`.
    pub max_media_attachments: usize,
    /// `media_attachments.supported_mime_types`.
    pub supported_mime_types: Vec<String>,
    /// `media_attachments.image_size_limit`, bytes.
    pub image_size_limit: u64,
    /// `media_attachments.image_matrix_limit`, width × height.
    pub image_matrix_limit: u64,
    /// `media_attachments.video_size_limit`, bytes.
    pub video_size_limit: u64,
    /// `media_attachments.video_matrix_limit`, width × height.
    pub video_matrix_limit: u64,
    /// `media_attachments.video_frame_rate_limit`, frames per second.
    pub video_frame_rate_limit: u32,
}

impl Default for MastodonMediaLimits {
    fn default() -> Self {
        MastodonMediaLimits {
            max_media_attachments: 4,
            supported_mime_types: MediaType::ALL.iter().map(|t| t.as_str().to_owned()).collect(),
            image_size_limit: 16_777_216,
            image_matrix_limit: 33_177_600,
            video_size_limit: 103_809_024,
            video_matrix_limit: 8_294_400,
            video_frame_rate_limit: 120,
        }
    }
}

/// Limits that depend on the connected account rather than the network.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountLimits {
    /// The Mastodon server's (Mastodon's defaults until it is connected).
    pub mastodon: MastodonMediaLimits,
    /// TikTok's `creator_info.max_video_post_duration_sec` for the connected creator, once known.
    pub tiktok_max_video_duration_s: Option<u32>,
}

/// What a media issue is about, for programs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaIssueCode {
    /// The post needs media and has none.
    Required,
    /// Fewer items than the kind needs (an Instagram carousel of one).
    TooFew,
    /// More items than the network takes, in all or of one type.
    TooMany,
    /// Images and videos together where the network takes one or the other; or a GIF that must be alone.
    MixedNotAllowed,
    /// A format the network does not take for this kind of post.
    FormatNotAccepted,
    /// A larger file than the network takes.
    TooLarge,
    /// Fewer pixels, or a narrower or shorter picture, than the network takes.
    TooSmall,
    /// More pixels, or a wider picture, than the network takes.
    DimensionsTooLarge,
    /// An aspect outside the network's range (or its recommendation, as a warning).
    AspectOutOfRange,
    TooLong,
    TooShort,
    FrameRateOutOfRange,
    CodecNotAccepted,
    /// The duration could not be read, so it was not checked.
    UnknownDuration,
    /// The width and height could not be read, so they were not checked.
    UnknownDimensions,
}

impl MediaIssueCode {
    pub const fn as_str(self) -> &'static str {
        match self {
            MediaIssueCode::Required => "required",
            MediaIssueCode::TooFew => "too_few",
            MediaIssueCode::TooMany => "too_many",
            MediaIssueCode::MixedNotAllowed => "mixed_not_allowed",
            MediaIssueCode::FormatNotAccepted => "format_not_accepted",
            MediaIssueCode::TooLarge => "too_large",
            MediaIssueCode::TooSmall => "too_small",
            MediaIssueCode::DimensionsTooLarge => "dimensions_too_large",
            MediaIssueCode::AspectOutOfRange => "aspect_out_of_range",
            MediaIssueCode::TooLong => "too_long",
            MediaIssueCode::TooShort => "too_short",
            MediaIssueCode::FrameRateOutOfRange => "frame_rate_out_of_range",
            MediaIssueCode::CodecNotAccepted => "codec_not_accepted",
            MediaIssueCode::UnknownDuration => "unknown_duration",
            MediaIssueCode::UnknownDimensions => "unknown_dimensions",
        }
    }
}

/// Something about a post's media that the person scheduling it should know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaIssue {
    pub severity: Severity,
    /// The item it is about, from 0 in the post's order; `None`: the set as a whole.
    pub index: Option<usize>,
    pub code: MediaIssueCode,
    /// What it is and what to do, for people: "Image 2 is 16:9; Instagram feed posts take 4:5 to 1.91:1 — crop it
    /// to 1.91:1, 1:1 or 4:5".
    pub message: String,
    /// For [`MediaIssueCode::AspectOutOfRange`]: the aspects to offer a crop to, the nearest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub crop_to: Vec<Aspect>,
}

/// The rules of a variant on `network` with Mastodon's defaults; the kind comes from [`PostKind::of`].
pub fn rules(network: Network, options: &VariantOptions, media: &[MediaFacts]) -> MediaRules {
    rules_for(PostKind::of(network, options, media), &AccountLimits::default())
}

/// The issues of a variant's `media` on `network`, with the connected account's `limits`.
pub fn check_media(
    network: Network,
    options: &VariantOptions,
    media: &[MediaFacts],
    limits: &AccountLimits,
) -> Vec<MediaIssue> {
    check_kind(PostKind::of(network, options, media), media, limits)
}

/// The issues of `media` as a post of `kind`.
pub fn check_kind(kind: PostKind, media: &[MediaFacts], limits: &AccountLimits) -> Vec<MediaIssue> {
    let rules = rules_for(kind, limits);
    let suggested = suggested_aspects(kind).aspects;
    let mut issues = Vec::new();
    check_set(&rules, media, &mut issues);
    for (index, item) in media.iter().enumerate() {
        check_item(&rules, &suggested, index, item, &mut issues);
    }
    issues
}

/// The aspects a rendition for `kind` should be cropped to, the preferred first, with their source. Empty when the
/// network shows any aspect as it is: keep the original.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SuggestedAspects {
    pub aspects: Vec<Aspect>,
    pub source: &'static str,
}

/// See [`SuggestedAspects`].
pub fn suggested_aspects(kind: PostKind) -> SuggestedAspects {
    let (aspects, source): (&[Aspect], &'static str) = match kind {
        PostKind::InstagramFeed | PostKind::InstagramCarousel => (&[PORTRAIT_4_5, SQUARE, LANDSCAPE_1_91], IG_IMAGE),
        PostKind::InstagramReel | PostKind::InstagramStory => (&[VERTICAL_9_16], IG_REELS),
        PostKind::FacebookPost => (&[SQUARE, PORTRAIT_4_5, LANDSCAPE_1_91], FB_SUGGESTED),
        PostKind::FacebookReel => (&[VERTICAL_9_16], FB_REELS),
        PostKind::LinkedInPost => (&[LANDSCAPE_1_91, SQUARE, PORTRAIT_4_5], LI_SUGGESTED),
        PostKind::TikTokVideo | PostKind::TikTokPhoto => (&[VERTICAL_9_16], TT_SUGGESTED),
        PostKind::PinterestPin => (&[PORTRAIT_2_3, SQUARE], PIN_SUGGESTED),
        PostKind::YouTubeVideo => (&[WIDE_16_9], YT_SUGGESTED),
        PostKind::YouTubeShort => (&[VERTICAL_9_16], YT_SHORTS),
        PostKind::XPost => (&[WIDE_16_9, SQUARE], X_VIDEO_RECOMMENDED),
        PostKind::ThreadsPost | PostKind::BlueskyPost | PostKind::MastodonStatus => (&[], NO_SUGGESTION),
    };
    SuggestedAspects { aspects: aspects.to_vec(), source }
}

// The aspects the rules name, kept as the documentation writes them.
const SQUARE: Aspect = Aspect { width: 1, height: 1 };
const PORTRAIT_4_5: Aspect = Aspect { width: 4, height: 5 };
const PORTRAIT_2_3: Aspect = Aspect { width: 2, height: 3 };
const LANDSCAPE_1_91: Aspect = Aspect { width: 191, height: 100 };
const WIDE_16_9: Aspect = Aspect { width: 16, height: 9 };
const VERTICAL_9_16: Aspect = Aspect { width: 9, height: 16 };
const ONE_TO_HUNDRED: Aspect = Aspect { width: 1, height: 100 };
const TEN_TO_ONE: Aspect = Aspect { width: 10, height: 1 };
const ONE_TO_TEN: Aspect = Aspect { width: 1, height: 10 };
const ONE_TO_2_4: Aspect = Aspect { width: 5, height: 12 };
const TWO_4_TO_ONE: Aspect = Aspect { width: 12, height: 5 };
const ONE_TO_THREE: Aspect = Aspect { width: 1, height: 3 };
const THREE_TO_ONE: Aspect = Aspect { width: 3, height: 1 };

const MB: u64 = 1_000_000;
const GB: u64 = 1_000_000_000;
const SECOND: u64 = 1_000;
const MINUTE: u64 = 60 * SECOND;

const JPEG: &[MediaType] = &[MediaType::Jpeg];
const MP4_MOV: &[MediaType] = &[MediaType::Mp4, MediaType::QuickTime];

// Sources. Paths are inside the shared api-specs folder; a page outside it is named by its title and says so.
const IG_IMAGE: &str = "Meta, \"IG User Media\" reference, Image Specifications: JPEG, 8 MB, 4:5 to 1.91:1 (not in \
                        api-specs/; api-specs/meta/docs-notes.md records the same range from Meta's Instagram ads media \
                        requirements)";
const IG_VIDEO: &str = "Meta, \"IG User Media\" reference, Video Specifications: MOV or MP4, 4:5 to 16:9, 3 to 60 \
                        seconds, 100 MB (not in api-specs/)";
const IG_ONE: &str = "api-specs/meta/graph-api-codegen-specs/IGUser.json, POST media: one image_url or video_url per \
                      container, several only as a carousel's children";
const IG_FEED_VIDEO: &str = "api-specs/meta/docs-notes.md, Instagram, Content publishing guide: single feed videos \
                             publish as Reels";
const IG_CAROUSEL: &str = "Meta, Instagram \"Content Publishing\" guide, Carousel posts: 2 to 10 images, videos or a \
                           mix (not in api-specs/; api-specs/meta/docs-notes.md lists the cap as not retrieved)";
const IG_REELS: &str = "api-specs/meta/postman/instagram-platform-api.postman_collection.json, Reels Publishing: MOV or \
                        MP4, HEVC or H.264, 23-60 FPS, at most 1920 horizontal pixels, 9:16 recommended, 3 seconds to \
                        15 minutes, 1 GB";
const IG_REELS_ASPECT: &str = "Meta, \"IG User Media\" reference, Reels Specifications: 0.01:1 to 10:1 (not in \
                               api-specs/)";
const FB_PHOTOS: &str = "Meta, Graph API \"Uploading Photos\" guide, Supported Formats: JPEG, BMP, PNG, GIF, TIFF; \
                         photos under 4 MB recommended, PNG under 1 MB (not in api-specs/)";
const FB_PAGE: &str = "api-specs/meta/graph-api-codegen-specs/Page.json: photos through POST photos (several in one post \
                       through feed's attached_media), a video through POST videos, one per post";
const FB_REELS: &str = "api-specs/meta/postman/facebook-reels-publishing-api.postman_collection.json, Video \
                        requirements: at least 540 x 960, 9x16, at least 23 fps, 4 to 60 seconds; mp4 and mov among the \
                        formats";
const FB_SUGGESTED: &str = "Meta's ads \"Media Requirements\" page: 1080 x 1080 recommended for Facebook, 4:5 to 1.91:1 \
                            in feeds (not in api-specs/); Page posts take any aspect";
const LI_LIMITS: &str = "api-specs/linkedin/posts-and-community-management-examples.md, Limits: images JPG, GIF, PNG \
                         under 36,152,320 pixels; video MP4, 3 s to 30 min, 1:2.4 to 2.4:1 (a third-party summary \
                         recorded there; LinkedIn's own pages were not retrieved)";
const LI_CONTENT: &str = "api-specs/linkedin/posts-and-community-management-examples.md, Content types and Create a \
                          post: one content.media (an image or a video); MultiImage for several images";
const LI_MULTI: &str =
    "LinkedIn Community Management docs, \"MultiImage API\" page: 2 to 20 images (not in api-specs/)";
const LI_SUGGESTED: &str = "LinkedIn's feed shows 1.91:1 link-and-image cards and square and 4:5 images; no aspect is \
                            stated in api-specs/linkedin (its Images API returns aspectRatioWidth/Height)";
const TT_VIDEO: &str = "api-specs/tiktok/content-posting-api-examples.md, section 4 and Documented limits: MP4, WebM, \
                        MOV; H.264, H.265, VP8, VP9; 23-60 FPS; 360-4096 px; 4 GB";
const TT_DURATION: &str = "api-specs/tiktok/content-posting-api-examples.md, Documented limits: all creators can post \
                           3-minute videos, some 5 or 10; API max 10 min; section 1: creator_info \
                           max_video_post_duration_sec";
const TT_PHOTO: &str = "api-specs/tiktok/content-posting-api-examples.md, section 5 and Documented limits: WebP, JPEG; \
                        max 1080p; 20 MB each; up to 35";
const TT_SUGGESTED: &str = "TikTok shows posts full screen, 9:16; api-specs/tiktok states no aspect";
const PIN_IMAGES: &str = "api-specs/pinterest/openapi.json, PinMediaSourceImagesURL and PinMediaSourceImagesBase64 \
                          (items: minItems 2, maxItems 5), ContentType (image/jpeg, image/png)";
const PIN_VIDEO: &str = "api-specs/pinterest/openapi.json, PinMediaSourceVideoID: one media_id, registered through POST \
                         /media (MediaUploadType video); a pin has one media_source";
const PIN_SUGGESTED: &str = "Pinterest's pin specs recommend 2:3, e.g. 1000 x 1500 (not in api-specs/)";
const YT_UPLOAD: &str = "api-specs/youtube/youtube.v3.json, videos.insert mediaUpload: accept video/*, maxSize \
                         274877906944";
const YT_LONG: &str = "YouTube Help, \"Upload videos longer than 15 minutes\": 15 minutes unless the channel is \
                       verified; at most 12 hours (not in api-specs/)";
const YT_SHORTS: &str = "YouTube Help, \"Upload YouTube Shorts\": square or vertical, up to 3 minutes (not in \
                         api-specs/); api-specs/youtube/youtube.v3.json names the Shorts aspect 9:16 \
                         (ThumbnailDetails.shortsAspectRatio)";
const YT_SUGGESTED: &str = "YouTube's player is 16:9 (YouTube Help, \"Video resolution & aspect ratios\"; not in \
                            api-specs/)";
const X_COUNT: &str = "api-specs/x-twitter/docs/media-best-practices.mdx, Keep in mind: up to 4 photos, 1 animated GIF \
                       or 1 video; CreatePostsMedia.media_ids maxItems 4 in \
                       api-specs/x-twitter/x-api-v2-openapi.docs.v2.167.json";
const X_IMAGE: &str = "api-specs/x-twitter/docs/media-best-practices.mdx, Image specifications: JPG, PNG, GIF, WEBP; \
                       image 5 MB, animated GIF 15 MB";
const X_VIDEO: &str = "api-specs/x-twitter/docs/media-best-practices.mdx, Video specifications, Advanced: 60 FPS or \
                       less, 32x32 to 1280x1024, 512 mb, 0.5 to 140 seconds, 1:3 to 3:1; video/mp4 and video/quicktime \
                       in InitializeMediaUploadRequest.media_type";
const X_VIDEO_SIZE: &str = "api-specs/x-twitter/docs/media-best-practices.mdx, Video specifications: \"between 32x32 and \
                            1280x1024\" (Advanced), read as long side 1280 and short side 1024 because the same page \
                            recommends 720x1280 portrait and 1080p for subscribers — a warning, not a refusal";
const X_VIDEO_RECOMMENDED: &str = "api-specs/x-twitter/docs/media-best-practices.mdx, Video specifications, \
                                   Recommended: 16:9 (landscape or portrait), 1:1";
const THREADS_IMAGE: &str = "Meta, Threads \"Posts\" page, Media Specifications, Image: JPEG and PNG, 8 MB, aspect ratio \
                             limit 10:1 (not in api-specs/; api-specs/meta/docs-notes.md quotes other parts of that \
                             page)";
const THREADS_VIDEO: &str = "Meta, Threads \"Posts\" page, Media Specifications, Video: MOV or MP4, HEVC or H264, 23-60 \
                             FPS, at most 1920 columns, 0.01:1 to 10:1, 5 minutes, 1 GB (not in api-specs/)";
const THREADS_CAROUSEL: &str = "Meta, Threads \"Posts\" page, Carousel posts: up to 20 images, videos or a mix (not in \
                                api-specs/; api-specs/meta/docs-notes.md records media_type CAROUSEL)";
const BSKY_IMAGES: &str = "api-specs/bluesky/lexicons/app/bsky/embed/images.json: images maxLength 4, image accept \
                           image/*, maxSize 2000000";
const BSKY_VIDEO: &str = "api-specs/bluesky/lexicons/app/bsky/embed/video.json: video accept video/mp4, maxSize \
                          300000000";
const BSKY_EMBED: &str = "api-specs/bluesky/lexicons/app/bsky/feed/post.json: embed is one of app.bsky.embed.images and \
                          app.bsky.embed.video";
const MASTODON_INSTANCE: &str = "api-specs/mastodon/schema.json, Instance.configuration: statuses.max_media_attachments \
                                 and media_attachments (defaults: the mastodon.social example)";
const MASTODON_ALONE: &str = "Mastodon's source, app/services/post_status_service.rb: a video or audio attachment must \
                              be the only one (not in api-specs/)";
const NO_SUGGESTION: &str = "The network shows any aspect as it is";

/// The rules of `kind`, with the account's `limits` where they apply (Mastodon, TikTok).
pub fn rules_for(kind: PostKind, limits: &AccountLimits) -> MediaRules {
    let base = MediaRules {
        kind,
        min_count: None,
        max_count: None,
        no_mixing: None,
        gif_alone: None,
        image: None,
        video: None,
    };
    match kind {
        PostKind::InstagramFeed => MediaRules {
            min_count: Some(error(1, IG_ONE)),
            max_count: Some(error(1, IG_ONE)),
            image: Some(instagram_image()),
            video: Some(instagram_reel_video(IG_FEED_VIDEO)),
            ..base
        },
        PostKind::InstagramCarousel => MediaRules {
            min_count: Some(error(2, IG_CAROUSEL)),
            max_count: Some(error(10, IG_CAROUSEL)),
            image: Some(instagram_image()),
            video: Some(instagram_video()),
            ..base
        },
        PostKind::InstagramReel => MediaRules {
            min_count: Some(error(1, IG_ONE)),
            max_count: Some(error(1, IG_ONE)),
            video: Some(instagram_reel_video(IG_REELS)),
            ..base
        },
        PostKind::InstagramStory => {
            let recommended = warning(AspectRange::exactly(VERTICAL_9_16), IG_REELS);
            let mut image = instagram_image();
            image.aspects = vec![recommended.clone()];
            MediaRules {
                min_count: Some(error(1, IG_ONE)),
                max_count: Some(error(1, IG_ONE)),
                image: Some(image),
                video: Some(
                    TypeRules::new(MP4_MOV, IG_VIDEO)
                        .max_bytes(100 * MB, IG_VIDEO)
                        .duration(Some(3 * SECOND), 60 * SECOND, IG_VIDEO)
                        .aspect(recommended),
                ),
                ..base
            }
        }
        PostKind::FacebookPost => {
            let mut image = TypeRules::new(&[MediaType::Jpeg, MediaType::Png, MediaType::Gif], FB_PHOTOS);
            image.max_bytes = vec![
                SizeLimit { only: None, limit: warning(4 * MB, FB_PHOTOS) },
                SizeLimit { only: Some(&[MediaType::Png]), limit: warning(MB, FB_PHOTOS) },
            ];
            let mut video = TypeRules::new(MP4_MOV, FB_REELS);
            video.max_count = Some(error(1, FB_PAGE));
            MediaRules { no_mixing: Some(error((), FB_PAGE)), image: Some(image), video: Some(video), ..base }
        }
        PostKind::FacebookReel => {
            let mut video = TypeRules::new(MP4_MOV, FB_REELS)
                .duration(Some(4 * SECOND), 60 * SECOND, FB_REELS)
                .aspect(error(AspectRange::exactly(VERTICAL_9_16), FB_REELS));
            video.min_width = Some(error(540, FB_REELS));
            video.min_height = Some(error(960, FB_REELS));
            video.frame_rate = Some(error((23.0, f32::MAX), FB_REELS));
            MediaRules {
                min_count: Some(error(1, FB_REELS)),
                max_count: Some(error(1, FB_REELS)),
                video: Some(video),
                ..base
            }
        }
        PostKind::LinkedInPost => {
            let mut image = TypeRules::new(&[MediaType::Jpeg, MediaType::Png, MediaType::Gif], LI_LIMITS);
            image.max_count = Some(error(20, LI_MULTI));
            // "Under 36,152,320 pixels": the most that passes is one fewer.
            image.max_pixels = Some(error(36_152_319, LI_LIMITS));
            let mut video = TypeRules::new(&[MediaType::Mp4], LI_LIMITS)
                .duration(Some(3 * SECOND), 30 * MINUTE, LI_LIMITS)
                .aspect(error(AspectRange::new(ONE_TO_2_4, TWO_4_TO_ONE), LI_LIMITS));
            video.max_count = Some(error(1, LI_CONTENT));
            MediaRules { no_mixing: Some(error((), LI_CONTENT)), image: Some(image), video: Some(video), ..base }
        }
        PostKind::TikTokVideo => {
            let mut video = TypeRules::new(MP4_MOV, TT_VIDEO).max_bytes(4 * GB, TT_VIDEO);
            video.min_width = Some(error(360, TT_VIDEO));
            video.min_height = Some(error(360, TT_VIDEO));
            video.max_sides = Some(error((4096, 4096), TT_VIDEO));
            video.frame_rate = Some(error((23.0, 60.0), TT_VIDEO));
            video.codecs = Some(error(&[Codec::H264, Codec::H265, Codec::Vp8, Codec::Vp9], TT_VIDEO));
            video.min_duration_ms = None;
            video.max_duration_ms = match limits.tiktok_max_video_duration_s {
                Some(seconds) => vec![error(u64::from(seconds) * SECOND, TT_DURATION)],
                None => vec![warning(3 * MINUTE, TT_DURATION), error(10 * MINUTE, TT_DURATION)],
            };
            MediaRules {
                min_count: Some(error(1, TT_VIDEO)),
                max_count: Some(error(1, TT_VIDEO)),
                video: Some(video),
                ..base
            }
        }
        PostKind::TikTokPhoto => {
            let mut image = TypeRules::new(&[MediaType::Jpeg, MediaType::Webp], TT_PHOTO).max_bytes(20 * MB, TT_PHOTO);
            image.max_sides = Some(warning((1920, 1080), TT_PHOTO));
            MediaRules {
                min_count: Some(error(1, TT_PHOTO)),
                max_count: Some(error(35, TT_PHOTO)),
                // A photo post takes only images: a video next to them is reported as such, item by item.
                image: Some(image),
                ..base
            }
        }
        PostKind::PinterestPin => {
            let mut image = TypeRules::new(&[MediaType::Jpeg, MediaType::Png], PIN_IMAGES);
            image.max_count = Some(error(5, PIN_IMAGES));
            let mut video = TypeRules::new(MP4_MOV, PIN_VIDEO);
            video.max_count = Some(error(1, PIN_VIDEO));
            MediaRules {
                min_count: Some(error(1, PIN_VIDEO)),
                no_mixing: Some(error((), PIN_VIDEO)),
                image: Some(image),
                video: Some(video),
                ..base
            }
        }
        PostKind::YouTubeVideo | PostKind::YouTubeShort => {
            let mut video = TypeRules::new(MP4_MOV, YT_UPLOAD).max_bytes(274_877_906_944, YT_UPLOAD);
            video.max_duration_ms = if kind == PostKind::YouTubeShort {
                vec![warning(3 * MINUTE, YT_SHORTS), error(12 * 60 * MINUTE, YT_LONG)]
            } else {
                vec![warning(15 * MINUTE, YT_LONG), error(12 * 60 * MINUTE, YT_LONG)]
            };
            if kind == PostKind::YouTubeShort {
                video.aspects = vec![warning(AspectRange::new(ONE_TO_HUNDRED, SQUARE), YT_SHORTS)];
            }
            MediaRules {
                min_count: Some(error(1, YT_UPLOAD)),
                max_count: Some(error(1, YT_UPLOAD)),
                video: Some(video),
                ..base
            }
        }
        PostKind::XPost => {
            let mut image =
                TypeRules::new(&[MediaType::Jpeg, MediaType::Png, MediaType::Gif, MediaType::Webp], X_IMAGE);
            image.max_count = Some(error(4, X_COUNT));
            image.max_bytes = vec![
                SizeLimit {
                    only: Some(&[MediaType::Jpeg, MediaType::Png, MediaType::Webp]),
                    limit: error(5 * MB, X_IMAGE),
                },
                SizeLimit { only: Some(&[MediaType::Gif]), limit: error(15 * MB, X_IMAGE) },
            ];
            let mut video = TypeRules::new(MP4_MOV, X_VIDEO)
                .max_bytes(512 * MB, X_VIDEO)
                .duration(Some(500), 140 * SECOND, X_VIDEO)
                .aspect(error(AspectRange::new(ONE_TO_THREE, THREE_TO_ONE), X_VIDEO));
            video.max_count = Some(error(1, X_COUNT));
            video.min_width = Some(error(32, X_VIDEO));
            video.min_height = Some(error(32, X_VIDEO));
            video.max_sides = Some(warning((1280, 1024), X_VIDEO_SIZE));
            video.frame_rate = Some(error((0.0, 60.0), X_VIDEO));
            MediaRules {
                max_count: Some(error(4, X_COUNT)),
                no_mixing: Some(error((), X_COUNT)),
                gif_alone: Some(error((), X_COUNT)),
                image: Some(image),
                video: Some(video),
                ..base
            }
        }
        PostKind::ThreadsPost => {
            let image = TypeRules::new(&[MediaType::Jpeg, MediaType::Png], THREADS_IMAGE)
                .max_bytes(8 * MB, THREADS_IMAGE)
                .aspect(error(AspectRange::new(ONE_TO_TEN, TEN_TO_ONE), THREADS_IMAGE));
            let mut video = TypeRules::new(MP4_MOV, THREADS_VIDEO)
                .max_bytes(GB, THREADS_VIDEO)
                .duration(None, 5 * MINUTE, THREADS_VIDEO)
                .aspect(error(AspectRange::new(ONE_TO_HUNDRED, TEN_TO_ONE), THREADS_VIDEO));
            video.max_width = Some(error(1920, THREADS_VIDEO));
            video.frame_rate = Some(error((23.0, 60.0), THREADS_VIDEO));
            video.codecs = Some(error(&[Codec::H264, Codec::H265], THREADS_VIDEO));
            MediaRules { max_count: Some(error(20, THREADS_CAROUSEL)), image: Some(image), video: Some(video), ..base }
        }
        PostKind::BlueskyPost => {
            let mut image =
                TypeRules::new(&[MediaType::Jpeg, MediaType::Png, MediaType::Gif, MediaType::Webp], BSKY_IMAGES);
            image.max_count = Some(error(4, BSKY_IMAGES));
            image.max_bytes = vec![SizeLimit { only: None, limit: error(2_000_000, BSKY_IMAGES) }];
            let mut video = TypeRules::new(&[MediaType::Mp4], BSKY_VIDEO).max_bytes(300_000_000, BSKY_VIDEO);
            video.max_count = Some(error(1, BSKY_EMBED));
            MediaRules {
                max_count: Some(error(4, BSKY_IMAGES)),
                no_mixing: Some(error((), BSKY_EMBED)),
                image: Some(image),
                video: Some(video),
                ..base
            }
        }
        PostKind::MastodonStatus => mastodon_rules(base, &limits.mastodon),
    }
}

fn instagram_image() -> TypeRules {
    TypeRules::new(JPEG, IG_IMAGE)
        .max_bytes(8 * MB, IG_IMAGE)
        .aspect(error(AspectRange::new(PORTRAIT_4_5, LANDSCAPE_1_91), IG_IMAGE))
}

/// A carousel's videos.
fn instagram_video() -> TypeRules {
    TypeRules::new(MP4_MOV, IG_VIDEO)
        .max_bytes(100 * MB, IG_VIDEO)
        .duration(Some(3 * SECOND), 60 * SECOND, IG_VIDEO)
        .aspect(error(AspectRange::new(PORTRAIT_4_5, WIDE_16_9), IG_VIDEO))
}

fn instagram_reel_video(accepted_source: &'static str) -> TypeRules {
    let mut video = TypeRules::new(MP4_MOV, accepted_source)
        .max_bytes(GB, IG_REELS)
        .duration(Some(3 * SECOND), 15 * MINUTE, IG_REELS)
        .aspect(error(AspectRange::new(ONE_TO_HUNDRED, TEN_TO_ONE), IG_REELS_ASPECT))
        .aspect(warning(AspectRange::exactly(VERTICAL_9_16), IG_REELS));
    video.max_width = Some(error(1920, IG_REELS));
    video.frame_rate = Some(error((23.0, 60.0), IG_REELS));
    video.codecs = Some(error(&[Codec::H264, Codec::H265], IG_REELS));
    video
}

fn mastodon_rules(base: MediaRules, limits: &MastodonMediaLimits) -> MediaRules {
    let supported = |kind: AssetKind| -> Vec<MediaType> {
        MediaType::ALL
            .into_iter()
            .filter(|t| t.kind() == kind && limits.supported_mime_types.iter().any(|m| m == t.as_str()))
            .collect()
    };
    let mut image = TypeRules::new(&supported(AssetKind::Image), MASTODON_INSTANCE)
        .max_bytes(limits.image_size_limit, MASTODON_INSTANCE);
    image.max_pixels = Some(error(limits.image_matrix_limit, MASTODON_INSTANCE));
    let mut video = TypeRules::new(&supported(AssetKind::Video), MASTODON_INSTANCE)
        .max_bytes(limits.video_size_limit, MASTODON_INSTANCE);
    video.max_pixels = Some(error(limits.video_matrix_limit, MASTODON_INSTANCE));
    video.frame_rate = Some(error((0.0, limits.video_frame_rate_limit as f32), MASTODON_INSTANCE));
    video.max_count = Some(error(1, MASTODON_ALONE));
    MediaRules {
        max_count: Some(error(limits.max_media_attachments, MASTODON_INSTANCE)),
        no_mixing: Some(error((), MASTODON_ALONE)),
        image: Some(image),
        video: Some(video),
        ..base
    }
}

fn check_set(rules: &MediaRules, media: &[MediaFacts], issues: &mut Vec<MediaIssue>) {
    let label = rules.kind.label();
    let count = media.len();
    let set_issue =
        |severity, code, message: String| MediaIssue { severity, index: None, code, message, crop_to: vec![] };
    if let Some(min) = &rules.min_count
        && count < min.value
    {
        let (code, message) = if count == 0 {
            (MediaIssueCode::Required, format!("{label} need {} — add one", rules.needs()))
        } else {
            let missing = min.value - count;
            (MediaIssueCode::TooFew, format!("{label} need {} — add {missing} more", rules.needs()))
        };
        issues.push(set_issue(min.severity, code, message));
    }
    if let Some(max) = &rules.max_count
        && count > max.value
    {
        issues.push(set_issue(
            max.severity,
            MediaIssueCode::TooMany,
            format!("{count} items; {label} take {} — remove {}", rules.takes(), count - max.value),
        ));
    }
    for (kind, noun) in [(AssetKind::Image, "images"), (AssetKind::Video, "videos")] {
        let of_kind = media.iter().filter(|m| m.kind() == kind).count();
        if let Some(max) = rules.for_kind(kind).and_then(|t| t.max_count.as_ref())
            && of_kind > max.value
            && rules.max_count.as_ref().is_none_or(|all| all.value > max.value || count <= all.value)
        {
            let most = if max.value == 1 {
                format!("one {}", &noun[..noun.len() - 1])
            } else {
                format!("{} {noun}", max.value)
            };
            issues.push(set_issue(
                max.severity,
                MediaIssueCode::TooMany,
                format!("{of_kind} {noun}; {label} take at most {most} — remove {}", of_kind - max.value),
            ));
        }
    }
    let images = media.iter().filter(|m| m.kind() == AssetKind::Image).count();
    let videos = count - images;
    if let Some(rule) = &rules.no_mixing
        && images > 0
        && videos > 0
    {
        let video = if rules.video.as_ref().and_then(|v| v.max_count.as_ref()).is_some_and(|m| m.value == 1) {
            "one video"
        } else {
            "videos"
        };
        issues.push(set_issue(
            rule.severity,
            MediaIssueCode::MixedNotAllowed,
            format!("{label} take images or {video}, not both — remove the videos or the images"),
        ));
    }
    if let Some(rule) = &rules.gif_alone
        && count > 1
    {
        for (index, item) in media.iter().enumerate() {
            if item.media_type != MediaType::Gif || item.animated == Some(false) {
                continue;
            }
            let (severity, message) = if item.animated == Some(true) {
                (
                    rule.severity,
                    format!(
                        "Image {} is an animated GIF; {label} take one animated GIF on its own — post it separately",
                        index + 1
                    ),
                )
            } else {
                (
                    Severity::Warning,
                    format!(
                        "Image {} is a GIF; if it is animated, {label} take it only on its own — post it separately \
                         or use a still image",
                        index + 1
                    ),
                )
            };
            issues.push(MediaIssue {
                severity,
                index: Some(index),
                code: MediaIssueCode::MixedNotAllowed,
                message,
                crop_to: vec![],
            });
        }
    }
}

fn check_item(rules: &MediaRules, suggested: &[Aspect], index: usize, item: &MediaFacts, issues: &mut Vec<MediaIssue>) {
    let label = rules.kind.label();
    let kind = item.kind();
    let name = format!("{} {}", if kind == AssetKind::Image { "Image" } else { "Video" }, index + 1);
    let mut push = |severity: Severity, code: MediaIssueCode, message: String, crop_to: Vec<Aspect>| {
        issues.push(MediaIssue { severity, index: Some(index), code, message, crop_to });
    };
    let Some(type_rules) = rules.for_kind(kind) else {
        let takes = if kind == AssetKind::Image { "videos, not images" } else { "images, not videos" };
        push(Severity::Error, MediaIssueCode::FormatNotAccepted, format!("{name}: {label} take {takes}"), vec![]);
        return;
    };

    if !type_rules.accepted.value.contains(&item.media_type) {
        let accepted = list(type_rules.accepted.value.iter().map(|t| format_name(*t).to_owned()).collect(), "or");
        let message = match type_rules.accepted.value.first() {
            None => format!(
                "{name} is {}; {label} take no {}",
                format_name(item.media_type),
                if kind == AssetKind::Image { "images" } else { "videos" }
            ),
            Some(first) => format!(
                "{name} is {}; {label} take {accepted} — convert it to {}",
                format_name(item.media_type),
                format_name(*first)
            ),
        };
        push(type_rules.accepted.severity, MediaIssueCode::FormatNotAccepted, message, vec![]);
    }

    for size in &type_rules.max_bytes {
        if size.only.is_some_and(|only| !only.contains(&item.media_type)) || item.size_bytes <= size.limit.value {
            continue;
        }
        let what = match size.only {
            Some(only) if only.len() == 1 => format!("{} files", format_name(only[0])),
            _ => {
                if kind == AssetKind::Image {
                    "images".to_owned()
                } else {
                    "videos".to_owned()
                }
            }
        };
        let message = match size.limit.severity {
            Severity::Error => format!(
                "{name} is {}; {label} take {what} up to {} — {}",
                bytes(item.size_bytes),
                bytes(size.limit.value),
                if kind == AssetKind::Image { "compress it or reduce its size" } else { "compress it or shorten it" }
            ),
            Severity::Warning => format!(
                "{name} is {}; {label} work best with {what} under {} — it may be shown compressed",
                bytes(item.size_bytes),
                bytes(size.limit.value)
            ),
        };
        push(size.limit.severity, MediaIssueCode::TooLarge, message, vec![]);
    }

    match item.dimensions() {
        None if type_rules.checks_dimensions() => push(
            Severity::Warning,
            MediaIssueCode::UnknownDimensions,
            format!("{name}: its width and height could not be read, so its size and aspect were not checked"),
            vec![],
        ),
        None => {}
        Some((w, h)) => check_dimensions(type_rules, label, &name, suggested, w, h, &mut push),
    }

    if kind == AssetKind::Video || item.duration_ms.is_some() {
        check_video(type_rules, rules.kind, &name, item, &mut push);
    }
}

fn check_dimensions(
    rules: &TypeRules,
    label: &str,
    name: &str,
    suggested: &[Aspect],
    w: u32,
    h: u32,
    push: &mut impl FnMut(Severity, MediaIssueCode, String, Vec<Aspect>),
) {
    if let Some(min) = &rules.min_width
        && w < min.value
    {
        push(
            min.severity,
            MediaIssueCode::TooSmall,
            format!("{name} is {w}×{h}; {label} need at least {} pixels wide", min.value),
            vec![],
        );
    }
    if let Some(min) = &rules.min_height
        && h < min.value
    {
        push(
            min.severity,
            MediaIssueCode::TooSmall,
            format!("{name} is {w}×{h}; {label} need at least {} pixels high", min.value),
            vec![],
        );
    }
    if let Some(max) = &rules.max_width
        && w > max.value
    {
        push(
            max.severity,
            MediaIssueCode::DimensionsTooLarge,
            format!("{name} is {w}×{h}; {label} take at most {} pixels wide — resize it", max.value),
            vec![],
        );
    }
    if let Some(max) = &rules.max_sides {
        let (long, short) = (w.max(h), w.min(h));
        if long > max.value.0 || short > max.value.1 {
            let (most, then) = (max.value.0, max.value.1);
            let message = match max.severity {
                Severity::Error => {
                    format!("{name} is {w}×{h}; {label} take up to {most}×{then} (either way round) — resize it")
                }
                Severity::Warning => format!(
                    "{name} is {w}×{h}; {label} may be refused or scaled down above {most}×{then} (either way round) \
                     — resize it to be sure"
                ),
            };
            push(max.severity, MediaIssueCode::DimensionsTooLarge, message, vec![]);
        }
    }
    if let Some(max) = &rules.max_pixels {
        let pixels = u64::from(w) * u64::from(h);
        if pixels > max.value {
            push(
                max.severity,
                MediaIssueCode::DimensionsTooLarge,
                format!(
                    "{name} is {w}×{h}, {} pixels; {label} take at most {} — resize it",
                    thousands(pixels),
                    thousands(max.value)
                ),
                vec![],
            );
        }
    }
    for range in &rules.aspects {
        let bound = match range.value.place(w, h) {
            Placement::Within => continue,
            Placement::TooTall => range.value.min,
            Placement::TooWide => range.value.max,
        };
        let target = bound.ratio().ln();
        let mut others: Vec<Aspect> = suggested
            .iter()
            .copied()
            .filter(|a| *a != bound && range.value.place(a.width, a.height).is_within())
            .collect();
        others.sort_by(|a, b| (a.ratio().ln() - target).abs().total_cmp(&(b.ratio().ln() - target).abs()));
        let is = describe_aspect(w, h);
        let (crop_to, message) = match range.severity {
            Severity::Error => {
                let crop_to: Vec<Aspect> = std::iter::once(bound).chain(others).collect();
                let takes = if range.value.min == range.value.max {
                    aspect_label(range.value.min)
                } else {
                    format!("{} to {}", aspect_label(range.value.min), aspect_label(range.value.max))
                };
                let crops = list(crop_to.iter().map(|a| aspect_label(*a)).collect(), "or");
                (crop_to, format!("{name} is {is}; {label} take {takes} — crop it to {crops}"))
            }
            // A recommendation: the kind's own suggested aspects say best what "fills the screen" means.
            Severity::Warning => {
                let crop_to = if others.is_empty() { vec![bound] } else { others };
                let best = crop_to.first().map_or_else(|| aspect_label(bound), |a| aspect_label(*a));
                let crops = list(crop_to.iter().map(|a| aspect_label(*a)).collect(), "or");
                (
                    crop_to,
                    format!("{name} is {is}; {label} are shown best at {best} — crop it to {crops} to fill the screen"),
                )
            }
        };
        push(range.severity, MediaIssueCode::AspectOutOfRange, message, crop_to);
    }
}

impl Placement {
    fn is_within(&self) -> bool {
        matches!(self, Placement::Within)
    }
}

fn check_video(
    rules: &TypeRules,
    kind: PostKind,
    name: &str,
    item: &MediaFacts,
    push: &mut impl FnMut(Severity, MediaIssueCode, String, Vec<Aspect>),
) {
    let label = kind.label();
    match item.duration_ms {
        None if rules.checks_duration() => push(
            Severity::Warning,
            MediaIssueCode::UnknownDuration,
            format!("{name}: its duration could not be read, so it was not checked against the limits of {label}"),
            vec![],
        ),
        None => {}
        Some(ms) => {
            if let Some(min) = &rules.min_duration_ms
                && ms < min.value
            {
                push(
                    min.severity,
                    MediaIssueCode::TooShort,
                    format!("{name} lasts {}; {label} need at least {}", duration(ms), duration(min.value)),
                    vec![],
                );
            }
            // The strictest maximum broken is the one to tell; a warning below an error is not repeated.
            if let Some(max) = rules.max_duration_ms.iter().filter(|max| ms > max.value).max_by_key(|max| max.value) {
                let message = match max.severity {
                    Severity::Error => {
                        format!("{name} lasts {}; {label} take up to {} — trim it", duration(ms), duration(max.value))
                    }
                    Severity::Warning if kind == PostKind::YouTubeShort => format!(
                        "{name} lasts {}; {label} last up to {} — longer, it is published as a regular video; trim it \
                         to make a Short",
                        duration(ms),
                        duration(max.value)
                    ),
                    Severity::Warning => format!(
                        "{name} lasts {}; {label} longer than {} need the account to allow it — check the account or \
                         trim it",
                        duration(ms),
                        duration(max.value)
                    ),
                };
                push(max.severity, MediaIssueCode::TooLong, message, vec![]);
            }
        }
    }
    if let (Some(range), Some(fps)) = (&rules.frame_rate, item.frame_rate)
        && fps.is_finite()
        && (fps < range.value.0 || fps > range.value.1)
    {
        let takes = if range.value.0 <= 0.0 {
            format!("up to {} frames per second", range.value.1)
        } else if range.value.1 >= f32::MAX {
            format!("at least {} frames per second", range.value.0)
        } else {
            format!("{} to {} frames per second", range.value.0, range.value.1)
        };
        push(
            range.severity,
            MediaIssueCode::FrameRateOutOfRange,
            format!("{name} has {fps:.2} frames per second; {label} take {takes} — re-export it"),
            vec![],
        );
    }
    if let (Some(codecs), Some(raw)) = (&rules.codecs, item.video_codec.as_deref()) {
        let accepted = list(codecs.value.iter().map(|c| c.name().to_owned()).collect(), "or");
        match Codec::parse(raw) {
            Some(codec) if codecs.value.contains(&codec) => {}
            Some(codec) => push(
                codecs.severity,
                MediaIssueCode::CodecNotAccepted,
                format!("{name} is encoded as {}; {label} take {accepted} — re-encode it", codec.name()),
                vec![],
            ),
            None => push(
                Severity::Warning,
                MediaIssueCode::CodecNotAccepted,
                format!("{name} is encoded as {raw:?}, which Chorus does not recognise; {label} take {accepted}"),
                vec![],
            ),
        }
    }
}

fn format_name(media_type: MediaType) -> &'static str {
    match media_type {
        MediaType::Jpeg => "JPEG",
        MediaType::Png => "PNG",
        MediaType::Gif => "GIF",
        MediaType::Webp => "WebP",
        MediaType::Mp4 => "MP4",
        MediaType::QuickTime => "MOV",
    }
}

/// "a", "a or b", "a, b or c".
fn list(items: Vec<String>, conjunction: &str) -> String {
    match items.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} {conjunction} {last}", init.join(", ")),
    }
}

/// An aspect as the networks write it: `4:5`, `16:9`, `1.91:1`, `1:2.4`.
pub fn aspect_label(aspect: Aspect) -> String {
    let (w, h) = (aspect.width, aspect.height);
    if w <= 21 && h <= 21 && !matches!((w, h), (5, 12) | (12, 5)) {
        return format!("{w}:{h}");
    }
    if w >= h {
        format!("{}:1", decimal(f64::from(w) / f64::from(h)))
    } else {
        format!("1:{}", decimal(f64::from(h) / f64::from(w)))
    }
}

/// Up to two decimals, without trailing zeros.
fn decimal(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// What a picture's aspect reads as: a common aspect's name when within 1% of it, else its ratio.
fn describe_aspect(width: u32, height: u32) -> String {
    const COMMON: [Aspect; 14] = [
        SQUARE,
        PORTRAIT_4_5,
        Aspect { width: 5, height: 4 },
        PORTRAIT_2_3,
        Aspect { width: 3, height: 2 },
        Aspect { width: 3, height: 4 },
        Aspect { width: 4, height: 3 },
        VERTICAL_9_16,
        WIDE_16_9,
        LANDSCAPE_1_91,
        Aspect { width: 1, height: 2 },
        Aspect { width: 2, height: 1 },
        Aspect { width: 21, height: 9 },
        Aspect { width: 9, height: 21 },
    ];
    let ratio = f64::from(width) / f64::from(height);
    let distance = |a: &Aspect| (a.ratio() / ratio).ln().abs();
    let nearest = COMMON.iter().min_by(|a, b| distance(a).total_cmp(&distance(b)));
    match nearest {
        Some(aspect) if AspectRange::exactly(*aspect).place(width, height).is_within() => aspect_label(*aspect),
        // Near a common aspect but not on it: naming it alone would read as if it were, so say which way it is off.
        Some(aspect) if distance(aspect) <= 0.02 => {
            let way = if ratio < aspect.ratio() { "taller" } else { "wider" };
            format!("{width}×{height}, slightly {way} than {}", aspect_label(*aspect))
        }
        _ if ratio >= 1.0 => format!("{}:1", decimal(ratio)),
        _ => format!("1:{}", decimal(1.0 / ratio)),
    }
}

/// Decimal units, as the networks write sizes: "8 MB", "1.5 GB", "900 KB".
fn bytes(n: u64) -> String {
    let (value, unit) = match n {
        0..1_000 => return format!("{n} bytes"),
        1_000..1_000_000 => (n as f64 / 1e3, "KB"),
        1_000_000..1_000_000_000 => (n as f64 / 1e6, "MB"),
        _ => (n as f64 / 1e9, "GB"),
    };
    let text = format!("{value:.1}");
    format!("{} {unit}", text.trim_end_matches(".0"))
}

/// "0.5 s", "59 s", "2 min 20 s", "2 min 20.001 s", "12 h": to the millisecond, so that a duration just over a
/// limit never reads the same as the limit.
fn duration(ms: u64) -> String {
    let (h, m, rest_ms) = (ms / (60 * MINUTE), ms / MINUTE % 60, ms % MINUTE);
    let mut parts = Vec::new();
    if h > 0 {
        parts.push(format!("{h} h"));
    }
    if m > 0 {
        parts.push(format!("{m} min"));
    }
    if rest_ms > 0 || parts.is_empty() {
        let seconds = format!("{}.{:03}", rest_ms / SECOND, rest_ms % SECOND);
        parts.push(format!("{} s", seconds.trim_end_matches('0').trim_end_matches('.')));
    }
    parts.join(" ")
}

fn thousands(n: u64) -> String {
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
