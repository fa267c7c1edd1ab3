#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot set up should stop loudly

use std::io::Cursor;

use chorus_media::{
    Aspect, Fit, FocalPoint, MediaError, MediaType, RenditionSpec, THUMBNAIL_LONG_EDGE, probe, render, thumbnail,
};
use image::{DynamicImage, ImageEncoder, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use proptest::prelude::*;

const RED: Rgb<u8> = Rgb([220, 20, 20]);
const BLUE: Rgb<u8> = Rgb([20, 20, 220]);

/// A picture whose left 45% is red and the rest blue, so where a crop window landed can be seen.
fn halves(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, _| if x * 100 < width * 45 { RED } else { BLUE })
}

fn encoded(image: DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut bytes = Vec::new();
    image.write_to(&mut Cursor::new(&mut bytes), format).unwrap();
    bytes
}

fn jpeg(width: u32, height: u32) -> Vec<u8> {
    encoded(DynamicImage::ImageRgb8(halves(width, height)), ImageFormat::Jpeg)
}

/// A JPEG carrying EXIF orientation `orientation` (6: the camera was turned a quarter clockwise).
fn jpeg_with_orientation(image: &RgbImage, orientation: u16) -> Vec<u8> {
    // A big-endian TIFF header and one IFD with one entry: Orientation (0x0112), SHORT, count 1.
    let mut exif = b"MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01".to_vec();
    exif.extend_from_slice(&orientation.to_be_bytes());
    exif.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    let mut bytes = Vec::new();
    let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 90);
    encoder.set_exif_metadata(exif).unwrap();
    encoder.write_image(image.as_raw(), image.width(), image.height(), image::ExtendedColorType::Rgb8).unwrap();
    bytes
}

fn decoded(bytes: &[u8]) -> DynamicImage {
    image::load_from_memory(bytes).unwrap()
}

fn crop(aspect: &str, focal: FocalPoint, max_long_edge: u32) -> RenditionSpec {
    RenditionSpec { aspect: Aspect::parse(aspect).unwrap(), fit: Fit::Crop, focal, max_long_edge }
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for byte in data {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A valid one-pixel PNG whose header is rewritten to claim `width`×`height`: a few dozen bytes that would
/// unpack to gigabytes.
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = encoded(DynamicImage::ImageRgb8(RgbImage::new(1, 1)), ImageFormat::Png);
    // The signature (8), then IHDR: length (4), type (4), width, height, five more bytes, CRC.
    bytes[16..20].copy_from_slice(&width.to_be_bytes());
    bytes[20..24].copy_from_slice(&height.to_be_bytes());
    let crc = crc32(&bytes[12..29]);
    bytes[29..33].copy_from_slice(&crc.to_be_bytes());
    bytes
}

#[test]
fn images_are_probed_from_their_header() {
    let image = DynamicImage::ImageRgba8(RgbaImage::from_pixel(40, 30, Rgba([1, 2, 3, 128])));
    for (format, media_type) in [
        (ImageFormat::Jpeg, MediaType::Jpeg),
        (ImageFormat::Png, MediaType::Png),
        (ImageFormat::Gif, MediaType::Gif),
        (ImageFormat::WebP, MediaType::Webp),
    ] {
        let image = if format == ImageFormat::Jpeg { DynamicImage::ImageRgb8(image.to_rgb8()) } else { image.clone() };
        let probe = probe(&encoded(image, format)).unwrap();
        assert_eq!(probe.media_type, media_type);
        assert_eq!((probe.width, probe.height), (Some(40), Some(30)), "{media_type:?}");
        assert_eq!(probe.duration_ms, None);
        assert!(probe.warnings.is_empty());
    }
}

#[test]
fn the_bytes_decide_the_type_not_the_name() {
    // There is no name to lie with here, which is the point: a PNG is a PNG whatever it was called.
    let png = encoded(DynamicImage::ImageRgb8(halves(8, 8)), ImageFormat::Png);
    assert_eq!(probe(&png).unwrap().media_type, MediaType::Png);
    let pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n".to_vec();
    match probe(&pdf) {
        Err(e @ MediaError::Unsupported { .. }) => assert!(e.to_string().contains("application/pdf"), "{e}"),
        other => panic!("a PDF was taken for media: {other:?}"),
    }
    assert!(matches!(probe(b""), Err(MediaError::Empty)));
}

#[test]
fn exif_orientation_six_turns_the_picture_upright() {
    // Stored 60×20 (landscape) with orientation 6: shown 20×60 (portrait), the stored left (red) at the top.
    let stored = RgbImage::from_fn(60, 20, |x, _| if x < 30 { RED } else { BLUE });
    let bytes = jpeg_with_orientation(&stored, 6);
    let probe = probe(&bytes).unwrap();
    assert_eq!((probe.width, probe.height), (Some(20), Some(60)));

    let thumb = thumbnail(&bytes, MediaType::Jpeg).unwrap();
    assert_eq!((thumb.width, thumb.height), (20, 60));
    let shown = decoded(&thumb.bytes).to_rgb8();
    assert_eq!(shown.dimensions(), (20, 60));
    assert!(shown.get_pixel(10, 5)[0] > 150, "the stored left edge is the top: {:?}", shown.get_pixel(10, 5));
    assert!(shown.get_pixel(10, 55)[2] > 150, "the stored right edge is the bottom: {:?}", shown.get_pixel(10, 55));

    let square = render(&bytes, MediaType::Jpeg, &crop("1:1", FocalPoint::CENTRE, 100)).unwrap();
    assert_eq!((square.width, square.height), (20, 20));
}

#[test]
fn thumbnails_are_small_upright_jpegs_and_videos_have_none() {
    let thumb = thumbnail(&jpeg(1200, 800), MediaType::Jpeg).unwrap();
    assert_eq!(thumb.media_type, MediaType::Jpeg);
    assert_eq!((thumb.width, thumb.height), (THUMBNAIL_LONG_EDGE, 320));
    assert_eq!(decoded(&thumb.bytes).to_rgb8().dimensions(), (480, 320));

    // A transparent PNG is laid on white, not black.
    let clear = encoded(DynamicImage::ImageRgba8(RgbaImage::from_pixel(10, 10, Rgba([0, 0, 0, 0]))), ImageFormat::Png);
    let thumb = thumbnail(&clear, MediaType::Png).unwrap();
    assert_eq!((thumb.width, thumb.height), (10, 10), "never enlarged");
    assert!(thumb.upscale_refused);
    assert!(decoded(&thumb.bytes).to_rgb8().get_pixel(5, 5)[0] > 240);

    // A GIF gives its first frame.
    let gif =
        encoded(DynamicImage::ImageRgba8(RgbaImage::from_pixel(700, 350, Rgba([0, 200, 0, 255]))), ImageFormat::Gif);
    let thumb = thumbnail(&gif, MediaType::Gif).unwrap();
    assert_eq!((thumb.width, thumb.height), (480, 240));

    let video = std::fs::read(fixture("h264-aac.mp4")).unwrap();
    assert!(matches!(thumbnail(&video, MediaType::Mp4), Err(MediaError::NoThumbnail)));
    assert!(matches!(
        render(&video, MediaType::Mp4, &crop("4:5", FocalPoint::CENTRE, 1080)),
        Err(MediaError::NotAnImage(_))
    ));
}

#[test]
fn crops_have_the_exact_aspect_from_landscape_and_portrait_sources() {
    let sources = [(jpeg(1600, 900), (1600, 900)), (jpeg(900, 1600), (900, 1600)), (jpeg(1000, 1000), (1000, 1000))];
    for (bytes, (sw, sh)) in &sources {
        for (aspect, (aw, ah)) in
            [("4:5", (4.0, 5.0)), ("1.91:1", (1.91, 1.0)), ("2:3", (2.0, 3.0)), ("9:16", (9.0, 16.0))]
        {
            let out = render(bytes, MediaType::Jpeg, &crop(aspect, FocalPoint::CENTRE, 600)).unwrap();
            let (w, h) = (f64::from(out.width), f64::from(out.height));
            // Within one pixel of the exact ratio, on the short side.
            let expected_short = if aw >= ah { w * ah / aw } else { h * aw / ah };
            let short = if aw >= ah { h } else { w };
            assert!((short - expected_short).abs() <= 1.0, "{aspect} from {sw}×{sh}: got {w}×{h}");
            assert_eq!(out.width.max(out.height), 600, "{aspect} from {sw}×{sh}: shrunk to the long edge asked");
            assert!(!out.upscale_refused);
            assert_eq!(decoded(&out.bytes).to_rgb8().dimensions(), (out.width, out.height));
        }
    }
}

#[test]
fn instagram_portrait_from_a_camera_frame_is_exactly_1080_by_1350() {
    let out = render(&jpeg(4000, 3000), MediaType::Jpeg, &crop("4:5", FocalPoint::CENTRE, 1350)).unwrap();
    assert_eq!((out.width, out.height), (1080, 1350));
}

#[test]
fn the_focal_point_moves_the_crop_window() {
    // 1600×400, left 45% red: a square crop is 400 wide and can sit anywhere along 1200 pixels.
    let wide = jpeg(1600, 400);
    let colour_at_centre = |focal_x: u16| {
        let out = render(&wide, MediaType::Jpeg, &crop("1:1", FocalPoint::new(focal_x, 500).unwrap(), 400)).unwrap();
        assert_eq!((out.width, out.height), (400, 400));
        *decoded(&out.bytes).to_rgb8().get_pixel(200, 200)
    };
    assert!(colour_at_centre(900)[2] > 150, "a subject on the right keeps the right side");
    assert!(colour_at_centre(100)[0] > 150, "a subject on the left keeps the left side");

    // Where the subject is in the source, it is inside the result, at the same relative place.
    let focal = FocalPoint::new(900, 500).unwrap();
    let marked = RgbImage::from_fn(1600, 400, |x, y| {
        if x.abs_diff(1440) < 6 && y.abs_diff(200) < 6 { Rgb([0, 255, 0]) } else { Rgb([0, 0, 0]) }
    });
    let bytes = encoded(DynamicImage::ImageRgb8(marked), ImageFormat::Png);
    let out = decoded(&render(&bytes, MediaType::Png, &crop("1:1", focal, 400)).unwrap().bytes).to_rgb8();
    assert!(out.get_pixel(360, 200)[1] > 200, "the subject sits 9/10 across: {:?}", out.get_pixel(360, 200));

    // At the very edge the window stops at the frame.
    let edge = render(&wide, MediaType::Jpeg, &crop("1:1", FocalPoint::new(1000, 0).unwrap(), 400)).unwrap();
    assert_eq!((edge.width, edge.height), (400, 400));
}

#[test]
fn padding_keeps_the_whole_picture() {
    let colour = [10, 200, 30];
    let spec = RenditionSpec {
        aspect: Aspect::parse("4:5").unwrap(),
        fit: Fit::Pad { colour },
        focal: FocalPoint::CENTRE,
        max_long_edge: 500,
    };
    let out = render(&jpeg(800, 400), MediaType::Jpeg, &spec).unwrap();
    assert_eq!((out.width, out.height), (400, 500));
    let shown = decoded(&out.bytes).to_rgb8();
    // 800×400 shrunk to 400×200, centred: bars of 150 above and below, both halves of the picture kept.
    let bar = shown.get_pixel(200, 40);
    assert!(bar[1] > 180 && bar[0] < 40, "the pad colour: {bar:?}");
    assert!(shown.get_pixel(20, 250)[0] > 150, "the left (red) edge is still there");
    assert!(shown.get_pixel(380, 250)[2] > 150, "the right (blue) edge is still there");

    // A transparent PNG stays a PNG and keeps its transparency; only the padding is opaque.
    let clear = encoded(DynamicImage::ImageRgba8(RgbaImage::from_pixel(100, 50, Rgba([0, 0, 0, 0]))), ImageFormat::Png);
    let out = render(&clear, MediaType::Png, &spec).unwrap();
    assert_eq!(out.media_type, MediaType::Png);
    let shown = decoded(&out.bytes).to_rgba8();
    assert_eq!((shown.width(), shown.height()), (100, 125));
    assert_eq!(shown.get_pixel(50, 62)[3], 0, "the picture is still transparent");
    assert_eq!(*shown.get_pixel(50, 5), Rgba([10, 200, 30, 255]), "the padding is the colour asked");
}

#[test]
fn small_sources_are_never_enlarged() {
    let out = render(&jpeg(300, 200), MediaType::Jpeg, &crop("4:5", FocalPoint::CENTRE, 1350)).unwrap();
    assert_eq!((out.width, out.height), (160, 200));
    assert!(out.upscale_refused);
    let webp = encoded(DynamicImage::ImageRgb8(halves(300, 200)), ImageFormat::WebP);
    let out = render(&webp, MediaType::Webp, &crop("1.91:1", FocalPoint::CENTRE, 1080)).unwrap();
    assert_eq!(out.media_type, MediaType::Jpeg);
    assert_eq!((out.width, out.height), (300, 157));
    assert!(out.upscale_refused);
}

#[test]
fn decompression_bombs_are_refused() {
    let bomb = png_claiming(50_000, 50_000);
    assert!(bomb.len() < 100);
    for result in [probe(&bomb).map(|_| ()), thumbnail(&bomb, MediaType::Png).map(|_| ())] {
        match result {
            Err(e @ MediaError::TooManyPixels { .. }) => {
                assert!(e.to_string().contains("50000×50000") && e.to_string().contains("megapixels"), "{e}")
            }
            other => panic!("a bomb was let through: {other:?}"),
        }
    }
    // Narrow but absurdly long.
    assert!(matches!(probe(&png_claiming(1, 40_000)), Err(MediaError::TooManyPixels { .. })));
}

#[test]
fn truncated_and_garbage_bytes_are_errors() {
    let whole = jpeg(64, 64);
    for cut in [3, 20, 200, whole.len() / 2] {
        let result = thumbnail(&whole[..cut], MediaType::Jpeg);
        assert!(result.is_err(), "a JPEG cut at {cut} bytes was thumbnailed");
    }
    // The header survives, the pixels do not.
    let png = encoded(DynamicImage::ImageRgb8(halves(64, 64)), ImageFormat::Png);
    assert!(matches!(thumbnail(&png[..png.len() - 30], MediaType::Png), Err(MediaError::Damaged { .. })));
    // A PNG that says it is a JPEG is not decoded as one.
    assert!(matches!(thumbnail(&png, MediaType::Jpeg), Err(MediaError::Damaged { .. })));
    let video = std::fs::read(fixture("h264-aac.mp4")).unwrap();
    for cut in [12, 40, 100, video.len() / 3, video.len() - 1] {
        match probe(&video[..cut]) {
            Ok(found) => assert_eq!(found.media_type, MediaType::Mp4, "cut at {cut}"),
            Err(e) => assert!(matches!(e, MediaError::Unsupported { .. }), "cut at {cut}: {e}"),
        }
    }
}

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

#[test]
fn an_mp4_with_sound_is_probed_from_its_boxes() {
    let probe = probe(&std::fs::read(fixture("h264-aac.mp4")).unwrap()).unwrap();
    assert_eq!(probe.media_type, MediaType::Mp4);
    assert_eq!((probe.width, probe.height), (Some(64), Some(36)));
    assert_eq!(probe.duration_ms, Some(1000));
    assert_eq!(probe.video_codec.as_deref(), Some("avc1"));
    assert_eq!(probe.audio_codec.as_deref(), Some("mp4a"));
    assert_eq!(probe.frame_rate, Some(25.0));
    assert!(probe.warnings.is_empty(), "{:?}", probe.warnings);
}

#[test]
fn a_rotated_quicktime_movie_is_probed_as_shown() {
    let probe = probe(&std::fs::read(fixture("hevc-rotated.mov")).unwrap()).unwrap();
    assert_eq!(probe.media_type, MediaType::QuickTime);
    assert_eq!((probe.width, probe.height), (Some(36), Some(64)), "a quarter turn: portrait");
    assert_eq!(probe.duration_ms, Some(1000));
    assert_eq!(probe.video_codec.as_deref(), Some("hvc1"));
    assert_eq!(probe.audio_codec, None);
    assert_eq!(probe.frame_rate, Some(30.0));
}

#[test]
fn an_index_after_the_media_data_is_found() {
    let probe = probe(&std::fs::read(fixture("silent-index-at-end.mp4")).unwrap()).unwrap();
    assert_eq!((probe.width, probe.height), (Some(64), Some(36)));
    assert_eq!(probe.duration_ms, Some(1001));
    assert_eq!(probe.frame_rate, Some(29.97));
    assert_eq!(probe.audio_codec, None);
}

#[test]
fn a_video_cut_before_its_index_is_accepted_with_a_warning() {
    let video = std::fs::read(fixture("silent-index-at-end.mp4")).unwrap();
    let probe = probe(&video[..video.len() / 2]).unwrap();
    assert_eq!(probe.media_type, MediaType::Mp4);
    assert_eq!((probe.width, probe.duration_ms, probe.video_codec), (None, None, None));
    assert!(probe.warnings.iter().any(|w| w.contains("moov")), "{:?}", probe.warnings);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn probe_never_panics_on_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = probe(&bytes);
    }

    /// Random bytes behind a real signature reach the parsers, not just the type check.
    #[test]
    fn probe_and_thumbnail_never_panic_behind_real_signatures(
        prefix in 0usize..4,
        tail in proptest::collection::vec(any::<u8>(), 0..512),
    ) {
        let signatures: [&[u8]; 4] = [
            b"\xFF\xD8\xFF\xE0",
            b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR",
            b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2",
            b"\0\0\0\x14ftypqt  \0\0\x02\0qt  ",
        ];
        let mut bytes = signatures[prefix].to_vec();
        bytes.extend_from_slice(&tail);
        if let Ok(found) = probe(&bytes) {
            let _ = thumbnail(&bytes, found.media_type);
        }
    }

    /// A real MP4 with a stretch of it overwritten: the walker must stop or skip, never panic.
    #[test]
    fn a_corrupted_mp4_never_panics(at in 0usize..5902, junk in proptest::collection::vec(any::<u8>(), 1..64)) {
        let mut video = std::fs::read(fixture("h264-aac.mp4")).unwrap();
        let end = (at + junk.len()).min(video.len());
        let start = at.min(end);
        video[start..end].copy_from_slice(&junk[..end - start]);
        let _ = probe(&video);
    }
}
