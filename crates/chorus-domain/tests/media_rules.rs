//! The media rules of every network: an accepted set, each kind of refusal, the boundaries (exactly at a limit
//! passes, one over fails) and the aspect tolerance; then properties over arbitrary sets.

use chorus_domain::media_rules::{
    AccountLimits, MastodonMediaLimits, MediaFacts, MediaIssue, MediaIssueCode, PostKind, aspect_label, check_kind,
    check_media, rules_for, suggested_aspects,
};
use chorus_domain::post::{InstagramKind, VariantOptions};
use chorus_domain::{Aspect, MediaType, Network};
use chorus_text::networks::Severity;
use proptest::prelude::*;

const MB: u64 = 1_000_000;
const SECOND: u64 = 1_000;
const MINUTE: u64 = 60_000;

const ALL_KINDS: [PostKind; 16] = [
    PostKind::InstagramFeed,
    PostKind::InstagramCarousel,
    PostKind::InstagramReel,
    PostKind::InstagramStory,
    PostKind::FacebookPost,
    PostKind::FacebookReel,
    PostKind::LinkedInPost,
    PostKind::TikTokVideo,
    PostKind::TikTokPhoto,
    PostKind::PinterestPin,
    PostKind::YouTubeVideo,
    PostKind::YouTubeShort,
    PostKind::XPost,
    PostKind::ThreadsPost,
    PostKind::BlueskyPost,
    PostKind::MastodonStatus,
];

fn jpeg(width: u32, height: u32) -> MediaFacts {
    MediaFacts::image(MediaType::Jpeg, 500_000, width, height)
}

fn image(media_type: MediaType, size: u64, width: u32, height: u32) -> MediaFacts {
    MediaFacts::image(media_type, size, width, height)
}

fn mp4(width: u32, height: u32, duration_ms: u64) -> MediaFacts {
    MediaFacts::video(MediaType::Mp4, 20 * MB, width, height, duration_ms)
}

fn vertical(duration_ms: u64) -> MediaFacts {
    mp4(1080, 1920, duration_ms)
}

fn sized(mut item: MediaFacts, size_bytes: u64) -> MediaFacts {
    item.size_bytes = size_bytes;
    item
}

fn instagram(kind: InstagramKind) -> VariantOptions {
    VariantOptions { instagram_kind: kind, ..VariantOptions::default() }
}

fn check(network: Network, media: &[MediaFacts]) -> Vec<MediaIssue> {
    check_media(network, &VariantOptions::default(), media, &AccountLimits::default())
}

fn check_ig(kind: InstagramKind, media: &[MediaFacts]) -> Vec<MediaIssue> {
    check_media(Network::Instagram, &instagram(kind), media, &AccountLimits::default())
}

fn kinds(issues: &[MediaIssue]) -> Vec<(Severity, MediaIssueCode)> {
    issues.iter().map(|issue| (issue.severity, issue.code)).collect()
}

fn errors(issues: &[MediaIssue]) -> Vec<MediaIssueCode> {
    issues.iter().filter(|issue| issue.severity == Severity::Error).map(|issue| issue.code).collect()
}

/// Exactly one issue, an error of `code`.
#[track_caller]
fn refused(issues: &[MediaIssue], code: MediaIssueCode) {
    assert_eq!(kinds(issues), vec![(Severity::Error, code)], "{issues:#?}");
}

/// Exactly one issue, a warning of `code`.
#[track_caller]
fn warned(issues: &[MediaIssue], code: MediaIssueCode) {
    assert_eq!(kinds(issues), vec![(Severity::Warning, code)], "{issues:#?}");
}

#[track_caller]
fn accepted(issues: &[MediaIssue]) {
    assert!(issues.is_empty(), "{issues:#?}");
}

fn aspect(raw: &str) -> Aspect {
    Aspect::parse(raw).unwrap_or(Aspect::SQUARE)
}

#[test]
fn instagram_feed() {
    use InstagramKind::Feed;
    accepted(&check_ig(Feed, &[jpeg(1080, 1350)]));
    accepted(&check_ig(Feed, &[jpeg(1080, 1080)]));
    accepted(&check_ig(Feed, &[jpeg(1080, 566)]));
    // A single feed video is published as a reel, under the reel's rules.
    accepted(&check_ig(Feed, &[vertical(30 * SECOND)]));
    refused(&check_ig(Feed, &[]), MediaIssueCode::Required);
    refused(&check_ig(Feed, &[jpeg(1080, 1350), jpeg(1080, 1350)]), MediaIssueCode::TooMany);
    refused(&check_ig(Feed, &[image(MediaType::Png, 500_000, 1080, 1350)]), MediaIssueCode::FormatNotAccepted);
    accepted(&check_ig(Feed, &[sized(jpeg(1080, 1350), 8 * MB)]));
    refused(&check_ig(Feed, &[sized(jpeg(1080, 1350), 8 * MB + 1)]), MediaIssueCode::TooLarge);
    let issues = check_ig(Feed, &[sized(jpeg(1080, 1350), 9_100_000)]);
    assert_eq!(
        issues[0].message,
        "Image 1 is 9.1 MB; Instagram feed posts take images up to 8 MB — compress it or reduce its size"
    );
    let issues = check_ig(Feed, &[image(MediaType::Png, 500_000, 1080, 1350)]);
    assert_eq!(issues[0].message, "Image 1 is PNG; Instagram feed posts take JPEG — convert it to JPEG");
    let issues = check_ig(Feed, &[]);
    assert_eq!(issues[0].message, "Instagram feed posts need an image or a video — add one");
}

#[test]
fn aspect_tolerance_is_one_pixel() {
    use InstagramKind::Feed;
    // 1080×1350 is 4:5 exactly; 1080×1349 is a little wider, inside the range.
    accepted(&check_ig(Feed, &[jpeg(1080, 1350)]));
    accepted(&check_ig(Feed, &[jpeg(1080, 1349)]));
    // One pixel taller than 4:5 is rounding (1,081 wide cannot be cropped to exactly 4:5); two pixels is not.
    accepted(&check_ig(Feed, &[jpeg(1080, 1351)]));
    let issues = check_ig(Feed, &[jpeg(1080, 1352)]);
    refused(&issues, MediaIssueCode::AspectOutOfRange);
    assert_eq!(issues[0].crop_to.first(), Some(&aspect("4:5")));
    assert!(issues[0].message.starts_with("Image 1 is 1080×1352, slightly taller than 4:5; "), "{issues:?}");
    // The wide end, 1.91:1: 1080×566 is inside, 1080×565 is within a pixel, 1080×564 is out.
    accepted(&check_ig(Feed, &[jpeg(1080, 565)]));
    let issues = check_ig(Feed, &[jpeg(1080, 564)]);
    refused(&issues, MediaIssueCode::AspectOutOfRange);
    assert_eq!(issues[0].crop_to.first(), Some(&aspect("1.91:1")));
}

#[test]
fn aspect_messages_name_the_crops() {
    // 16:9 is inside Instagram's range (1.78 < 1.91); 2:1 is not.
    accepted(&check_ig(InstagramKind::Feed, &[jpeg(1920, 1080)]));
    let issues = check_ig(InstagramKind::Feed, &[jpeg(2000, 1000)]);
    assert_eq!(
        issues[0].message,
        "Image 1 is 2:1; Instagram feed posts take 4:5 to 1.91:1 — crop it to 1.91:1, 1:1 or 4:5"
    );
    assert_eq!(issues[0].crop_to, vec![aspect("1.91:1"), aspect("1:1"), aspect("4:5")]);
    let issues = check_ig(InstagramKind::Carousel, &[jpeg(1080, 1080), jpeg(1080, 1920)]);
    assert_eq!(issues[0].index, Some(1));
    assert!(issues[0].message.starts_with("Image 2 is 9:16; Instagram carousels take 4:5 to 1.91:1 — crop it to 4:5"));
    assert_eq!(aspect_label(aspect("1.91:1")), "1.91:1");
    assert_eq!(aspect_label(aspect("1:2.4")), "1:2.4");
    assert_eq!(aspect_label(aspect("16:9")), "16:9");
}

#[test]
fn instagram_carousel() {
    use InstagramKind::Carousel;
    accepted(&check_ig(Carousel, &[jpeg(1080, 1350), jpeg(1080, 1350)]));
    accepted(&check_ig(Carousel, &vec![jpeg(1080, 1080); 10]));
    accepted(&check_ig(Carousel, &[jpeg(1080, 1080), mp4(1080, 1350, 60 * SECOND)]));
    refused(&check_ig(Carousel, &vec![jpeg(1080, 1080); 11]), MediaIssueCode::TooMany);
    let issues = check_ig(Carousel, &[jpeg(1080, 1080)]);
    refused(&issues, MediaIssueCode::TooFew);
    assert_eq!(issues[0].message, "Instagram carousels need 2 to 10 images or videos — add 1 more");
    refused(&check_ig(Carousel, &[jpeg(1080, 1080), mp4(1080, 1350, 60 * SECOND + 1)]), MediaIssueCode::TooLong);
    accepted(&check_ig(Carousel, &[jpeg(1080, 1080), mp4(1080, 1350, 3 * SECOND)]));
    refused(&check_ig(Carousel, &[jpeg(1080, 1080), mp4(1080, 1350, 3 * SECOND - 1)]), MediaIssueCode::TooShort);
    accepted(&check_ig(Carousel, &[jpeg(1080, 1080), mp4(1920, 1080, 10 * SECOND)]));
    refused(&check_ig(Carousel, &[jpeg(1080, 1080), mp4(2000, 1000, 10 * SECOND)]), MediaIssueCode::AspectOutOfRange);
    accepted(&check_ig(Carousel, &[jpeg(1080, 1080), sized(mp4(1080, 1080, 10 * SECOND), 100 * MB)]));
    refused(
        &check_ig(Carousel, &[jpeg(1080, 1080), sized(mp4(1080, 1080, 10 * SECOND), 100 * MB + 1)]),
        MediaIssueCode::TooLarge,
    );
}

#[test]
fn instagram_reel() {
    use InstagramKind::Reel;
    accepted(&check_ig(Reel, &[vertical(30 * SECOND)]));
    refused(&check_ig(Reel, &[]), MediaIssueCode::Required);
    refused(&check_ig(Reel, &[jpeg(1080, 1920)]), MediaIssueCode::FormatNotAccepted);
    accepted(&check_ig(Reel, &[vertical(15 * MINUTE)]));
    refused(&check_ig(Reel, &[vertical(15 * MINUTE + 1)]), MediaIssueCode::TooLong);
    accepted(&check_ig(Reel, &[vertical(3 * SECOND)]));
    refused(&check_ig(Reel, &[vertical(3 * SECOND - 1)]), MediaIssueCode::TooShort);
    accepted(&check_ig(Reel, &[sized(vertical(10 * SECOND), 1_000_000_000)]));
    refused(&check_ig(Reel, &[sized(vertical(10 * SECOND), 1_000_000_001)]), MediaIssueCode::TooLarge);
    // Landscape is accepted but shown with bars: a warning offering the 9:16 crop.
    let issues = check_ig(Reel, &[mp4(1920, 1080, 10 * SECOND)]);
    warned(&issues, MediaIssueCode::AspectOutOfRange);
    assert_eq!(issues[0].crop_to, vec![aspect("9:16")]);
    accepted(&check_ig(Reel, &[mp4(1920, 3413, 10 * SECOND)]));
    refused(&check_ig(Reel, &[mp4(1921, 3415, 10 * SECOND)]), MediaIssueCode::DimensionsTooLarge);
    let mut video = vertical(10 * SECOND);
    video.frame_rate = Some(60.0);
    video.video_codec = Some("avc1".into());
    accepted(&check_ig(Reel, std::slice::from_ref(&video)));
    video.frame_rate = Some(60.5);
    refused(&check_ig(Reel, std::slice::from_ref(&video)), MediaIssueCode::FrameRateOutOfRange);
    video.frame_rate = Some(23.976);
    video.video_codec = Some("vp09".into());
    refused(&check_ig(Reel, std::slice::from_ref(&video)), MediaIssueCode::CodecNotAccepted);
    video.video_codec = Some("hvc1".into());
    accepted(&check_ig(Reel, &[video]));
}

#[test]
fn unknown_facts_warn() {
    let mut video = vertical(10 * SECOND);
    video.duration_ms = None;
    warned(&check_ig(InstagramKind::Reel, &[video]), MediaIssueCode::UnknownDuration);
    let mut picture = jpeg(1080, 1350);
    picture.height = None;
    warned(&check_ig(InstagramKind::Feed, &[picture]), MediaIssueCode::UnknownDimensions);
    let mut zero = jpeg(1080, 1350);
    zero.width = Some(0);
    warned(&check_ig(InstagramKind::Feed, &[zero]), MediaIssueCode::UnknownDimensions);
    // A network that checks neither says nothing.
    let mut video = mp4(1080, 1920, 0);
    video.duration_ms = None;
    accepted(&check(Network::Bluesky, &[video]));
}

#[test]
fn instagram_story() {
    use InstagramKind::Story;
    accepted(&check_ig(Story, &[jpeg(1080, 1920)]));
    accepted(&check_ig(Story, &[vertical(60 * SECOND)]));
    warned(&check_ig(Story, &[jpeg(1080, 1350)]), MediaIssueCode::AspectOutOfRange);
    refused(&check_ig(Story, &[vertical(60 * SECOND + 1)]), MediaIssueCode::TooLong);
    refused(&check_ig(Story, &[]), MediaIssueCode::Required);
}

#[test]
fn facebook() {
    accepted(&check(Network::Facebook, &[]));
    accepted(&check(Network::Facebook, &vec![image(MediaType::Png, 900_000, 1200, 800); 3]));
    accepted(&check(Network::Facebook, &[mp4(1920, 1080, 20 * MINUTE)]));
    accepted(&check(Network::Facebook, &[sized(jpeg(1080, 1080), 4 * MB)]));
    warned(&check(Network::Facebook, &[sized(jpeg(1080, 1080), 4 * MB + 1)]), MediaIssueCode::TooLarge);
    warned(&check(Network::Facebook, &[image(MediaType::Png, MB + 1, 800, 800)]), MediaIssueCode::TooLarge);
    refused(&check(Network::Facebook, &[image(MediaType::Webp, 1000, 800, 800)]), MediaIssueCode::FormatNotAccepted);
    refused(&check(Network::Facebook, &[jpeg(800, 800), vertical(10 * SECOND)]), MediaIssueCode::MixedNotAllowed);
    refused(&check(Network::Facebook, &[vertical(10 * SECOND), vertical(10 * SECOND)]), MediaIssueCode::TooMany);

    let reel = |media: &[MediaFacts]| check_kind(PostKind::FacebookReel, media, &AccountLimits::default());
    accepted(&reel(&[vertical(60 * SECOND)]));
    accepted(&reel(&[mp4(540, 960, 4 * SECOND)]));
    refused(&reel(&[vertical(60 * SECOND + 1)]), MediaIssueCode::TooLong);
    refused(&reel(&[vertical(4 * SECOND - 1)]), MediaIssueCode::TooShort);
    assert_eq!(errors(&reel(&[mp4(360, 640, 10 * SECOND)])), vec![MediaIssueCode::TooSmall, MediaIssueCode::TooSmall]);
    refused(&reel(&[mp4(1080, 1080, 10 * SECOND)]), MediaIssueCode::AspectOutOfRange);
    refused(&reel(&[]), MediaIssueCode::Required);
}

#[test]
fn linkedin() {
    accepted(&check(Network::LinkedIn, &[]));
    accepted(&check(Network::LinkedIn, &vec![jpeg(1200, 627); 20]));
    refused(&check(Network::LinkedIn, &vec![jpeg(1200, 627); 21]), MediaIssueCode::TooMany);
    accepted(&check(Network::LinkedIn, &[jpeg(5887, 6140)]));
    refused(&check(Network::LinkedIn, &[jpeg(5888, 6140)]), MediaIssueCode::DimensionsTooLarge);
    accepted(&check(Network::LinkedIn, &[mp4(1920, 1080, 3 * SECOND)]));
    refused(&check(Network::LinkedIn, &[mp4(1920, 1080, 3 * SECOND - 1)]), MediaIssueCode::TooShort);
    accepted(&check(Network::LinkedIn, &[mp4(1920, 1080, 30 * MINUTE)]));
    refused(&check(Network::LinkedIn, &[mp4(1920, 1080, 30 * MINUTE + 1)]), MediaIssueCode::TooLong);
    accepted(&check(Network::LinkedIn, &[mp4(2400, 1000, 10 * SECOND)]));
    refused(&check(Network::LinkedIn, &[mp4(2500, 1000, 10 * SECOND)]), MediaIssueCode::AspectOutOfRange);
    let mov = MediaFacts::video(MediaType::QuickTime, MB, 1920, 1080, 10 * SECOND);
    refused(&check(Network::LinkedIn, &[mov]), MediaIssueCode::FormatNotAccepted);
    refused(&check(Network::LinkedIn, &[jpeg(800, 800), vertical(10 * SECOND)]), MediaIssueCode::MixedNotAllowed);
}

#[test]
fn tiktok_video() {
    let limits = AccountLimits::default();
    accepted(&check(Network::TikTok, &[vertical(60 * SECOND)]));
    let issues = check(Network::TikTok, &[]);
    refused(&issues, MediaIssueCode::Required);
    assert_eq!(issues[0].message, "TikTok videos need a video — add one");
    // Three minutes for every creator; up to ten when the account allows it (unknown until connected).
    accepted(&check(Network::TikTok, &[vertical(3 * MINUTE)]));
    warned(&check(Network::TikTok, &[vertical(3 * MINUTE + 1)]), MediaIssueCode::TooLong);
    warned(&check(Network::TikTok, &[vertical(10 * MINUTE)]), MediaIssueCode::TooLong);
    refused(&check(Network::TikTok, &[vertical(10 * MINUTE + 1)]), MediaIssueCode::TooLong);
    let connected = AccountLimits { tiktok_max_video_duration_s: Some(300), ..AccountLimits::default() };
    let options = VariantOptions::default();
    accepted(&check_media(Network::TikTok, &options, &[vertical(5 * MINUTE)], &connected));
    refused(&check_media(Network::TikTok, &options, &[vertical(5 * MINUTE + 1)], &connected), MediaIssueCode::TooLong);
    accepted(&check_media(Network::TikTok, &options, &[sized(vertical(SECOND), 4_000_000_000)], &limits));
    refused(
        &check_media(Network::TikTok, &options, &[sized(vertical(SECOND), 4_000_000_001)], &limits),
        MediaIssueCode::TooLarge,
    );
    accepted(&check(Network::TikTok, &[mp4(360, 640, 10 * SECOND)]));
    refused(&check(Network::TikTok, &[mp4(359, 640, 10 * SECOND)]), MediaIssueCode::TooSmall);
    accepted(&check(Network::TikTok, &[mp4(2304, 4096, 10 * SECOND)]));
    refused(&check(Network::TikTok, &[mp4(2304, 4097, 10 * SECOND)]), MediaIssueCode::DimensionsTooLarge);
    let mut slow = vertical(10 * SECOND);
    slow.frame_rate = Some(22.0);
    refused(&check(Network::TikTok, &[slow]), MediaIssueCode::FrameRateOutOfRange);
}

#[test]
fn tiktok_photo() {
    accepted(&check(Network::TikTok, &vec![jpeg(1080, 1920); 35]));
    refused(&check(Network::TikTok, &vec![jpeg(1080, 1920); 36]), MediaIssueCode::TooMany);
    accepted(&check(Network::TikTok, &[image(MediaType::Webp, 20 * MB, 1080, 1920)]));
    refused(&check(Network::TikTok, &[image(MediaType::Webp, 20 * MB + 1, 1080, 1920)]), MediaIssueCode::TooLarge);
    refused(&check(Network::TikTok, &[image(MediaType::Png, MB, 1080, 1920)]), MediaIssueCode::FormatNotAccepted);
    warned(&check(Network::TikTok, &[jpeg(1440, 2560)]), MediaIssueCode::DimensionsTooLarge);
    // With an image it is a photo post, and the video cannot go with it.
    let issues = check(Network::TikTok, &[jpeg(1080, 1920), vertical(10 * SECOND)]);
    refused(&issues, MediaIssueCode::FormatNotAccepted);
    assert_eq!(issues[0].index, Some(1));
}

#[test]
fn pinterest() {
    accepted(&check(Network::Pinterest, &[jpeg(1000, 1500)]));
    accepted(&check(Network::Pinterest, &vec![image(MediaType::Png, MB, 1000, 1500); 5]));
    refused(&check(Network::Pinterest, &vec![jpeg(1000, 1500); 6]), MediaIssueCode::TooMany);
    accepted(&check(Network::Pinterest, &[vertical(30 * SECOND)]));
    refused(&check(Network::Pinterest, &[]), MediaIssueCode::Required);
    refused(&check(Network::Pinterest, &[jpeg(1000, 1500), vertical(30 * SECOND)]), MediaIssueCode::MixedNotAllowed);
    refused(&check(Network::Pinterest, &[image(MediaType::Webp, MB, 1000, 1500)]), MediaIssueCode::FormatNotAccepted);
}

#[test]
fn youtube() {
    accepted(&check(Network::YouTube, &[mp4(1920, 1080, 10 * MINUTE)]));
    refused(&check(Network::YouTube, &[]), MediaIssueCode::Required);
    refused(&check(Network::YouTube, &[jpeg(1920, 1080)]), MediaIssueCode::FormatNotAccepted);
    accepted(&check(Network::YouTube, &[mp4(1920, 1080, 15 * MINUTE)]));
    warned(&check(Network::YouTube, &[mp4(1920, 1080, 15 * MINUTE + 1)]), MediaIssueCode::TooLong);
    warned(&check(Network::YouTube, &[mp4(1920, 1080, 12 * 60 * MINUTE)]), MediaIssueCode::TooLong);
    refused(&check(Network::YouTube, &[mp4(1920, 1080, 12 * 60 * MINUTE + 1)]), MediaIssueCode::TooLong);
    accepted(&check(Network::YouTube, &[sized(mp4(1920, 1080, MINUTE), 274_877_906_944)]));
    refused(&check(Network::YouTube, &[sized(mp4(1920, 1080, MINUTE), 274_877_906_945)]), MediaIssueCode::TooLarge);

    let short = |media: &[MediaFacts]| check_kind(PostKind::YouTubeShort, media, &AccountLimits::default());
    accepted(&short(&[vertical(3 * MINUTE)]));
    accepted(&short(&[mp4(1080, 1080, MINUTE)]));
    warned(&short(&[vertical(3 * MINUTE + 1)]), MediaIssueCode::TooLong);
    warned(&short(&[mp4(1920, 1080, MINUTE)]), MediaIssueCode::AspectOutOfRange);
}

#[test]
fn x() {
    accepted(&check(Network::X, &vec![jpeg(1600, 900); 4]));
    let issues = check(Network::X, &vec![jpeg(1600, 900); 5]);
    refused(&issues, MediaIssueCode::TooMany);
    assert_eq!(issues[0].message, "5 items; X posts take up to 4 images or videos — remove 1");
    accepted(&check(Network::X, &[sized(jpeg(1600, 900), 5 * MB)]));
    refused(&check(Network::X, &[sized(jpeg(1600, 900), 5 * MB + 1)]), MediaIssueCode::TooLarge);
    accepted(&check(Network::X, &[image(MediaType::Gif, 15 * MB, 480, 270)]));
    refused(&check(Network::X, &[image(MediaType::Gif, 15 * MB + 1, 480, 270)]), MediaIssueCode::TooLarge);
    let gif = |animated| MediaFacts { animated, ..image(MediaType::Gif, MB, 480, 270) };
    let issues = check(Network::X, &[jpeg(1600, 900), gif(Some(true))]);
    refused(&issues, MediaIssueCode::MixedNotAllowed);
    assert_eq!(issues[0].index, Some(1));
    warned(&check(Network::X, &[jpeg(1600, 900), gif(None)]), MediaIssueCode::MixedNotAllowed);
    accepted(&check(Network::X, &[jpeg(1600, 900), gif(Some(false)), jpeg(900, 900), jpeg(900, 1600)]));
    accepted(&check(Network::X, &[mp4(1280, 720, 140 * SECOND)]));
    let issues = check(Network::X, &[mp4(1280, 720, 140 * SECOND + 1)]);
    refused(&issues, MediaIssueCode::TooLong);
    assert_eq!(issues[0].message, "Video 1 lasts 2 min 20.001 s; X posts take up to 2 min 20 s — trim it");
    accepted(&check(Network::X, &[mp4(1280, 720, 500)]));
    refused(&check(Network::X, &[mp4(1280, 720, 499)]), MediaIssueCode::TooShort);
    accepted(&check(Network::X, &[mp4(720, 1280, 10 * SECOND)]));
    // 1:3 is the tallest: 400×1200 exactly, 399×1200 within a pixel, 398×1200 out.
    accepted(&check(Network::X, &[mp4(400, 1200, 10 * SECOND)]));
    accepted(&check(Network::X, &[mp4(399, 1200, 10 * SECOND)]));
    refused(&check(Network::X, &[mp4(398, 1200, 10 * SECOND)]), MediaIssueCode::AspectOutOfRange);
    warned(&check(Network::X, &[mp4(1920, 1080, 10 * SECOND)]), MediaIssueCode::DimensionsTooLarge);
    assert_eq!(errors(&check(Network::X, &[mp4(31, 31, 10 * SECOND)])), vec![MediaIssueCode::TooSmall; 2]);
    refused(&check(Network::X, &[mp4(720, 1280, SECOND), mp4(720, 1280, SECOND)]), MediaIssueCode::TooMany);
    refused(&check(Network::X, &[jpeg(900, 900), mp4(1280, 720, SECOND)]), MediaIssueCode::MixedNotAllowed);
    accepted(&check(Network::X, &[sized(mp4(1280, 720, SECOND), 512 * MB)]));
    refused(&check(Network::X, &[sized(mp4(1280, 720, SECOND), 512 * MB + 1)]), MediaIssueCode::TooLarge);
}

#[test]
fn threads() {
    accepted(&check(Network::Threads, &[]));
    accepted(&check(Network::Threads, &vec![jpeg(1080, 1350); 20]));
    refused(&check(Network::Threads, &vec![jpeg(1080, 1350); 21]), MediaIssueCode::TooMany);
    accepted(&check(Network::Threads, &[jpeg(1080, 1350), vertical(5 * MINUTE)]));
    refused(&check(Network::Threads, &[vertical(5 * MINUTE + 1)]), MediaIssueCode::TooLong);
    accepted(&check(Network::Threads, &[jpeg(1000, 100)]));
    refused(&check(Network::Threads, &[jpeg(1100, 100)]), MediaIssueCode::AspectOutOfRange);
    accepted(&check(Network::Threads, &[sized(jpeg(1080, 1350), 8 * MB)]));
    refused(&check(Network::Threads, &[sized(jpeg(1080, 1350), 8 * MB + 1)]), MediaIssueCode::TooLarge);
    refused(&check(Network::Threads, &[image(MediaType::Gif, MB, 400, 400)]), MediaIssueCode::FormatNotAccepted);
}

#[test]
fn bluesky() {
    accepted(&check(Network::Bluesky, &[]));
    accepted(&check(Network::Bluesky, &vec![image(MediaType::Webp, 2_000_000, 2000, 1000); 4]));
    refused(&check(Network::Bluesky, &vec![jpeg(2000, 1000); 5]), MediaIssueCode::TooMany);
    refused(&check(Network::Bluesky, &[sized(jpeg(2000, 1000), 2_000_001)]), MediaIssueCode::TooLarge);
    accepted(&check(Network::Bluesky, &[sized(vertical(MINUTE), 300_000_000)]));
    refused(&check(Network::Bluesky, &[sized(vertical(MINUTE), 300_000_001)]), MediaIssueCode::TooLarge);
    let mov = MediaFacts::video(MediaType::QuickTime, MB, 1920, 1080, 10 * SECOND);
    refused(&check(Network::Bluesky, &[mov]), MediaIssueCode::FormatNotAccepted);
    refused(&check(Network::Bluesky, &[jpeg(900, 900), vertical(SECOND)]), MediaIssueCode::MixedNotAllowed);
}

#[test]
fn mastodon_defaults_and_overrides() {
    accepted(&check(Network::Mastodon, &vec![jpeg(1080, 1080); 4]));
    refused(&check(Network::Mastodon, &vec![jpeg(1080, 1080); 5]), MediaIssueCode::TooMany);
    accepted(&check(Network::Mastodon, &[sized(jpeg(1080, 1080), 16_777_216)]));
    refused(&check(Network::Mastodon, &[sized(jpeg(1080, 1080), 16_777_217)]), MediaIssueCode::TooLarge);
    accepted(&check(Network::Mastodon, &[jpeg(7680, 4320)]));
    refused(&check(Network::Mastodon, &[jpeg(7681, 4320)]), MediaIssueCode::DimensionsTooLarge);
    accepted(&check(Network::Mastodon, &[mp4(3840, 2160, MINUTE)]));
    refused(&check(Network::Mastodon, &[mp4(3841, 2160, MINUTE)]), MediaIssueCode::DimensionsTooLarge);
    refused(&check(Network::Mastodon, &[jpeg(900, 900), vertical(SECOND)]), MediaIssueCode::MixedNotAllowed);
    let mut fast = vertical(SECOND);
    fast.frame_rate = Some(120.0);
    accepted(&check(Network::Mastodon, std::slice::from_ref(&fast)));
    fast.frame_rate = Some(121.0);
    refused(&check(Network::Mastodon, &[fast]), MediaIssueCode::FrameRateOutOfRange);

    let server = AccountLimits {
        mastodon: MastodonMediaLimits {
            max_media_attachments: 6,
            supported_mime_types: vec!["image/jpeg".into(), "image/png".into(), "video/mp4".into()],
            ..MastodonMediaLimits::default()
        },
        ..AccountLimits::default()
    };
    let options = VariantOptions::default();
    accepted(&check_media(Network::Mastodon, &options, &vec![jpeg(1080, 1080); 6], &server));
    refused(&check_media(Network::Mastodon, &options, &vec![jpeg(1080, 1080); 7], &server), MediaIssueCode::TooMany);
    refused(
        &check_media(Network::Mastodon, &options, &[image(MediaType::Webp, MB, 800, 800)], &server),
        MediaIssueCode::FormatNotAccepted,
    );
}

#[test]
fn suggested_aspects_come_first_preferred() {
    let names = |kind| suggested_aspects(kind).aspects.into_iter().map(aspect_label).collect::<Vec<_>>();
    assert_eq!(names(PostKind::InstagramFeed), ["4:5", "1:1", "1.91:1"]);
    assert_eq!(names(PostKind::InstagramReel), ["9:16"]);
    assert_eq!(names(PostKind::InstagramStory), ["9:16"]);
    assert_eq!(names(PostKind::PinterestPin), ["2:3", "1:1"]);
    assert_eq!(names(PostKind::XPost), ["16:9", "1:1"]);
    assert_eq!(names(PostKind::LinkedInPost), ["1.91:1", "1:1", "4:5"]);
    assert_eq!(names(PostKind::YouTubeShort), ["9:16"]);
    assert!(names(PostKind::BlueskyPost).is_empty());
    // Every suggestion passes its own kind's image or video aspect refusals.
    for kind in ALL_KINDS {
        for aspect in suggested_aspects(kind).aspects {
            let (w, h) = (aspect.width * 100, aspect.height * 100);
            let item = if rules_for(kind, &AccountLimits::default()).image.is_some() {
                image(MediaType::Jpeg, 1000, w, h)
            } else {
                mp4(w, h, 10 * SECOND)
            };
            let issues = check_kind(kind, &[item], &AccountLimits::default());
            assert!(
                !issues.iter().any(|i| i.code == MediaIssueCode::AspectOutOfRange),
                "{kind:?} {aspect}: {issues:#?}"
            );
        }
    }
}

#[test]
fn codecs_are_read_by_any_of_their_names() {
    use chorus_domain::media_rules::Codec;
    for (name, codec) in [("h264", Codec::H264), ("AVC1", Codec::H264), ("H.264", Codec::H264), ("hvc1", Codec::H265)] {
        assert_eq!(Codec::parse(name), Some(codec), "{name}");
    }
    assert_eq!(Codec::parse("vp09"), Some(Codec::Vp9));
    assert_eq!(Codec::parse("av01"), Some(Codec::Av1));
    assert_eq!(Codec::parse("prores"), None);
    let mut video = vertical(10 * SECOND);
    video.video_codec = Some("prores".into());
    warned(&check_ig(InstagramKind::Reel, &[video]), MediaIssueCode::CodecNotAccepted);
}

#[test]
fn every_limit_names_its_source() {
    let limits = AccountLimits::default();
    for kind in ALL_KINDS {
        let rules = rules_for(kind, &limits);
        assert_eq!(rules.kind.network(), kind.network());
        let mut sources = Vec::new();
        sources.extend(rules.min_count.iter().map(|l| l.source));
        sources.extend(rules.max_count.iter().map(|l| l.source));
        sources.extend(rules.no_mixing.iter().map(|l| l.source));
        sources.extend(rules.gif_alone.iter().map(|l| l.source));
        for t in rules.image.iter().chain(rules.video.iter()) {
            sources.push(t.accepted.source);
            sources.extend(t.max_count.iter().map(|l| l.source));
            sources.extend(t.max_bytes.iter().map(|s| s.limit.source));
            sources.extend(t.min_width.iter().chain(t.min_height.iter()).chain(t.max_width.iter()).map(|l| l.source));
            sources.extend(t.max_sides.iter().map(|l| l.source));
            sources.extend(t.max_pixels.iter().map(|l| l.source));
            sources.extend(t.aspects.iter().map(|l| l.source));
            sources.extend(t.min_duration_ms.iter().chain(t.max_duration_ms.iter()).map(|l| l.source));
            sources.extend(t.frame_rate.iter().map(|l| l.source));
            sources.extend(t.codecs.iter().map(|l| l.source));
        }
        assert!(!sources.is_empty(), "{kind:?}");
        for source in sources {
            // A file of the shared folder, or a public page that says it is not there.
            assert!(source.contains("api-specs/"), "{kind:?}: {source}");
        }
        assert!(!suggested_aspects(kind).source.is_empty());
        assert_eq!(
            rules.required(),
            matches!(kind.network(), Network::Instagram | Network::TikTok | Network::Pinterest | Network::YouTube)
                || kind == PostKind::FacebookReel,
            "{kind:?}"
        );
    }
}

fn media_type() -> impl Strategy<Value = MediaType> {
    prop::sample::select(MediaType::ALL.to_vec())
}

/// Anything at all, including zero and huge sides, NaN frame rates and unknown codecs.
fn any_item() -> impl Strategy<Value = MediaFacts> {
    (
        media_type(),
        any::<u64>(),
        prop::option::of(any::<u32>()),
        prop::option::of(any::<u32>()),
        prop::option::of(any::<u64>()),
        prop::option::of(prop::sample::select(vec!["h264", "hevc", "vp9", "prores", "", "AVC1"])),
        prop::option::of(any::<f32>()),
        prop::option::of(any::<bool>()),
    )
        .prop_map(|(media_type, size_bytes, width, height, duration_ms, codec, frame_rate, animated)| MediaFacts {
            media_type,
            size_bytes,
            width,
            height,
            duration_ms,
            video_codec: codec.map(str::to_owned),
            frame_rate,
            animated,
        })
}

/// Items near what the networks take, so that many sets are accepted.
fn plausible_item() -> impl Strategy<Value = MediaFacts> {
    let aspects = vec![(1080, 1350), (1080, 1080), (1080, 566), (1080, 1920), (1920, 1080), (1000, 1500)];
    (media_type(), prop::sample::select(aspects), 1_000u64..3_000_000, 3_000u64..50_000, any::<bool>()).prop_map(
        |(media_type, (w, h), size, duration, animated)| {
            let mut item = MediaFacts::image(media_type, size, w, h);
            if media_type.kind() == chorus_domain::AssetKind::Video {
                item.duration_ms = Some(duration);
                item.frame_rate = Some(30.0);
                item.video_codec = Some("h264".into());
            } else if media_type == MediaType::Gif {
                item.animated = Some(animated);
            }
            item
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn never_panics(kind in prop::sample::select(ALL_KINDS.to_vec()), media in prop::collection::vec(any_item(), 0..25), tiktok in prop::option::of(any::<u32>())) {
        let limits = AccountLimits { tiktok_max_video_duration_s: tiktok, ..AccountLimits::default() };
        for issue in check_kind(kind, &media, &limits) {
            prop_assert!(!issue.message.is_empty());
            prop_assert!(issue.index.is_none_or(|i| i < media.len()));
        }
    }

    #[test]
    fn an_accepted_set_stays_accepted_when_an_item_is_removed(
        kind in prop::sample::select(ALL_KINDS.to_vec()),
        media in prop::collection::vec(plausible_item(), 0..25),
    ) {
        let limits = AccountLimits::default();
        let refused = |set: &[MediaFacts]| check_kind(kind, set, &limits).into_iter().any(|i| i.severity == Severity::Error);
        let media = acceptable_set(kind, media);
        let min = rules_for(kind, &limits).min_count.map_or(0, |min| min.value);
        if !refused(&media) && media.len() > min {
            for i in 0..media.len() {
                let mut fewer = media.clone();
                fewer.remove(i);
                prop_assert!(!refused(&fewer), "{kind:?}: removing item {i} of {media:?}");
            }
        }
    }
}

/// `items` narrowed to a set `kind` should take: items it takes one by one, of one type where types may not mix, no
/// more than it takes. Most such sets are accepted, so the property above is tested on many sets, not on a few.
fn acceptable_set(kind: PostKind, items: Vec<MediaFacts>) -> Vec<MediaFacts> {
    let limits = AccountLimits::default();
    let rules = rules_for(kind, &limits);
    let takes_alone = |item: &MediaFacts| {
        !check_kind(kind, std::slice::from_ref(item), &limits)
            .iter()
            .any(|issue| issue.severity == Severity::Error && issue.index.is_some())
    };
    let mut set: Vec<MediaFacts> = items.into_iter().filter(takes_alone).collect();
    if rules.no_mixing.is_some()
        && let Some(first) = set.first().map(|item| item.media_type.kind())
    {
        set.retain(|item| item.media_type.kind() == first);
    }
    if rules.gif_alone.is_some() {
        set.retain(|item| item.media_type != MediaType::Gif || item.animated == Some(false));
    }
    let type_cap = set
        .first()
        .and_then(|item| match item.media_type.kind() {
            chorus_domain::AssetKind::Image => rules.image.as_ref(),
            chorus_domain::AssetKind::Video => rules.video.as_ref(),
        })
        .and_then(|t| t.max_count.as_ref().map(|max| max.value));
    let cap = rules.max_count.as_ref().map_or(usize::MAX, |max| max.value).min(type_cap.unwrap_or(usize::MAX));
    set.truncate(cap);
    set
}
