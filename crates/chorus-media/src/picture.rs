//! Decoding images under limits, and the thumbnails and renditions made from them.

use std::io::Cursor;

use chorus_domain::MediaType;
use chorus_domain::media::{Aspect, FocalPoint};
use image::imageops::{self, FilterType};
use image::metadata::Orientation;
use image::{
    DynamicImage, ImageBuffer, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits, Pixel, Rgb, RgbImage, Rgba,
    RgbaImage,
};

use crate::error::short_name;
use crate::{MAX_DECODED_BYTES, MAX_PIXELS, MAX_SIDE, MediaError};

/// The longest side of a thumbnail in the media library.
pub const THUMBNAIL_LONG_EDGE: u32 = 480;

/// Good enough that nobody sees the compression in a feed, a quarter the size of quality 95.
const JPEG_QUALITY: u8 = 85;

/// What a JPEG shows where a picture was transparent, when cropping (padding shows the pad colour).
const WHITE: [u8; 3] = [255, 255, 255];

/// How a picture is brought to another aspect ratio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// Cut away what does not fit, keeping the focal point in view.
    Crop,
    /// Keep the whole picture and fill the rest with a colour (RGB).
    Pad { colour: [u8; 3] },
}

/// A rendition a network needs: its aspect ratio, how to get there, and the largest size it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenditionSpec {
    pub aspect: Aspect,
    pub fit: Fit,
    /// Where the picture's subject is; the crop window is placed around it.
    pub focal: FocalPoint,
    /// The longest side of the result. A smaller source is never enlarged: the result stays smaller and says so in
    /// [`Rendered::upscale_refused`].
    pub max_long_edge: u32,
}

/// A picture made from an upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub bytes: Vec<u8>,
    /// JPEG, or PNG for PNG sources (transparency kept).
    pub media_type: MediaType,
    pub width: u32,
    pub height: u32,
    /// The source was too small to reach the size asked for, and enlarging it was refused: the result's long edge
    /// is shorter than asked.
    pub upscale_refused: bool,
}

/// The ceilings a decode works under; tests lower them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DecodeLimits {
    pub max_pixels: u64,
    pub max_side: u32,
    pub max_bytes: u64,
}

pub(crate) const LIMITS: DecodeLimits =
    DecodeLimits { max_pixels: MAX_PIXELS, max_side: MAX_SIDE, max_bytes: MAX_DECODED_BYTES };

fn format_of(media_type: MediaType) -> Result<ImageFormat, MediaError> {
    match media_type {
        MediaType::Jpeg => Ok(ImageFormat::Jpeg),
        MediaType::Png => Ok(ImageFormat::Png),
        MediaType::Gif => Ok(ImageFormat::Gif),
        MediaType::Webp => Ok(ImageFormat::WebP),
        MediaType::Mp4 | MediaType::QuickTime => Err(MediaError::NotAnImage(short_name(media_type))),
    }
}

fn check_size(width: u32, height: u32, limits: &DecodeLimits) -> Result<(), MediaError> {
    if u64::from(width) * u64::from(height) > limits.max_pixels || width > limits.max_side || height > limits.max_side {
        return Err(MediaError::TooManyPixels { width, height });
    }
    Ok(())
}

/// Width and height as the header states them, without decoding.
fn header_size(bytes: &[u8], media_type: MediaType, limits: &DecodeLimits) -> Result<(u32, u32), MediaError> {
    let size = imagesize::blob_size(bytes).map_err(|e| MediaError::damaged(media_type, e))?;
    let (Ok(width), Ok(height)) = (u32::try_from(size.width), u32::try_from(size.height)) else {
        return Err(MediaError::TooManyPixels { width: u32::MAX, height: u32::MAX });
    };
    if width == 0 || height == 0 {
        return Err(MediaError::damaged(media_type, format!("the header says {width}×{height} pixels")));
    }
    check_size(width, height, limits)?;
    Ok((width, height))
}

fn turns_sideways(orientation: Orientation) -> bool {
    matches!(
        orientation,
        Orientation::Rotate90 | Orientation::Rotate270 | Orientation::Rotate90FlipH | Orientation::Rotate270FlipH
    )
}

fn reader_limits(limits: &DecodeLimits) -> Limits {
    let mut reader = Limits::default();
    reader.max_image_width = Some(limits.max_side);
    reader.max_image_height = Some(limits.max_side);
    reader.max_alloc = Some(limits.max_bytes);
    reader
}

fn classify(error: ImageError, media_type: MediaType) -> MediaError {
    match error {
        ImageError::Limits(e) => MediaError::TooBigToDecode { detail: e.to_string() },
        other => MediaError::damaged(media_type, other),
    }
}

/// An image's size as people see it: from the header, turned by its EXIF orientation. Nothing is decoded.
pub(crate) fn displayed_size(bytes: &[u8], media_type: MediaType) -> Result<(u32, u32), MediaError> {
    let (width, height) = header_size(bytes, media_type, &LIMITS)?;
    let format = format_of(media_type)?;
    // GIF has no EXIF; for the others, opening a decoder reads the headers only.
    let orientation = if format == ImageFormat::Gif {
        Orientation::NoTransforms
    } else {
        let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
        reader.limits(reader_limits(&LIMITS));
        reader.into_decoder().and_then(|mut decoder| decoder.orientation()).map_err(|e| classify(e, media_type))?
    };
    Ok(if turns_sideways(orientation) { (height, width) } else { (width, height) })
}

/// Decodes an image (a GIF's first frame) under `limits`, upright.
pub(crate) fn decode(bytes: &[u8], media_type: MediaType, limits: &DecodeLimits) -> Result<DynamicImage, MediaError> {
    let format = format_of(media_type)?;
    header_size(bytes, media_type, limits)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(reader_limits(limits));
    let mut decoder = reader.into_decoder().map_err(|e| classify(e, media_type))?;
    // The decoder's own reading of the header is the one that allocates; check it too.
    let (width, height) = decoder.dimensions();
    check_size(width, height, limits)?;
    let needed = decoder.total_bytes();
    if needed > limits.max_bytes {
        return Err(MediaError::TooBigToDecode {
            detail: format!("{width}×{height} pixels of {:?} need {needed} bytes", decoder.color_type()),
        });
    }
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(|e| classify(e, media_type))?;
    image.apply_orientation(orientation);
    Ok(image)
}

/// A thumbnail for the media library: a JPEG at most [`THUMBNAIL_LONG_EDGE`] pixels on its long side, upright, a
/// GIF's first frame. Videos have none ([`MediaError::NoThumbnail`]): the page shows an icon instead.
pub fn thumbnail(bytes: &[u8], media_type: MediaType) -> Result<Rendered, MediaError> {
    if !matches!(media_type.kind(), chorus_domain::AssetKind::Image) {
        return Err(MediaError::NoThumbnail);
    }
    let image = flatten(decode(bytes, media_type, &LIMITS)?, WHITE);
    let (width, height) = image.dimensions();
    let long = width.max(height);
    let small = if long > THUMBNAIL_LONG_EDGE {
        let (w, h) = scaled(width, height, THUMBNAIL_LONG_EDGE);
        imageops::thumbnail(&image, w, h)
    } else {
        image
    };
    let (width, height) = small.dimensions();
    Ok(Rendered {
        bytes: encode_jpeg(&small)?,
        media_type: MediaType::Jpeg,
        width,
        height,
        upscale_refused: long < THUMBNAIL_LONG_EDGE,
    })
}

/// `width`×`height` shrunk so its long side is `long`, keeping its shape (each side at least 1).
fn scaled(width: u32, height: u32, long: u32) -> (u32, u32) {
    let current = u64::from(width.max(height)).max(1);
    let side = |s: u32| u32::try_from((u64::from(s) * u64::from(long) + current / 2) / current).unwrap_or(1).max(1);
    (side(width), side(height))
}

/// The window of a `width`×`height` picture that has the shape of `aspect` and is as large as the picture allows:
/// `(left, top, width, height)`. The focal point keeps its relative place — a subject two-thirds across stays
/// two-thirds across the window, as far as the picture reaches — so it is always inside the window.
pub(crate) fn crop_window(width: u32, height: u32, aspect: Aspect, focal: FocalPoint) -> (u32, u32, u32, u32) {
    let (w, h) = (u64::from(width), u64::from(height));
    let (aw, ah) = (u64::from(aspect.width), u64::from(aspect.height));
    let (cw, ch) = if w * ah > h * aw {
        (((h * aw + ah / 2) / ah).clamp(1, w), h)
    } else {
        (w, ((w * ah + aw / 2) / aw).clamp(1, h))
    };
    let place = |slack: u64, thousandths: u16| (slack * u64::from(thousandths.min(1000)) + 500) / 1000;
    let (left, top) = (place(w - cw, focal.x), place(h - ch, focal.y));
    let narrow = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
    (narrow(left), narrow(top), narrow(cw), narrow(ch))
}

/// The smallest canvas of shape `aspect` that holds a `width`×`height` picture whole.
pub(crate) fn pad_canvas(width: u32, height: u32, aspect: Aspect) -> (u32, u32) {
    let (w, h) = (u64::from(width), u64::from(height));
    let (aw, ah) = (u64::from(aspect.width), u64::from(aspect.height));
    let (cw, ch) =
        if w * ah > h * aw { (w, ((w * ah + aw / 2) / aw).max(h)) } else { (((h * aw + ah / 2) / ah).max(w), h) };
    (u32::try_from(cw).unwrap_or(u32::MAX), u32::try_from(ch).unwrap_or(u32::MAX))
}

/// The size of a result of shape `aspect` whose source region is `width`×`height` (already of that shape, within
/// rounding): shrunk to `max_long_edge` when larger, never enlarged.
fn target_size(width: u32, height: u32, aspect: Aspect, max_long_edge: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= max_long_edge {
        return (width, height);
    }
    let (aw, ah) = (u64::from(aspect.width), u64::from(aspect.height));
    let l = u64::from(max_long_edge.max(1));
    let (w, h) = if aw >= ah { (l, (l * ah + aw / 2) / aw) } else { ((l * aw + ah / 2) / ah, l) };
    (u32::try_from(w).unwrap_or(1).max(1), u32::try_from(h).unwrap_or(1).max(1))
}

/// An image rendered to a network's shape and size: cropped around its focal point or padded with a colour,
/// shrunk to `max_long_edge` but never enlarged, upright. JPEG, WebP and GIF sources give a JPEG; PNG gives a PNG
/// with its transparency.
pub fn render(bytes: &[u8], media_type: MediaType, spec: &RenditionSpec) -> Result<Rendered, MediaError> {
    render_within(bytes, media_type, spec, &LIMITS)
}

pub(crate) fn render_within(
    bytes: &[u8],
    media_type: MediaType,
    spec: &RenditionSpec,
    limits: &DecodeLimits,
) -> Result<Rendered, MediaError> {
    let image = decode(bytes, media_type, limits)?;
    let background = match spec.fit {
        Fit::Crop => WHITE,
        Fit::Pad { colour } => colour,
    };
    if media_type == MediaType::Png {
        let shaped = shape(&image.to_rgba8(), spec, Rgba([background[0], background[1], background[2], 255]));
        let (width, height) = shaped.dimensions();
        let mut bytes = Vec::new();
        DynamicImage::ImageRgba8(shaped)
            .write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)
            .map_err(|e| MediaError::Encode("PNG", e.to_string()))?;
        return Ok(Rendered {
            bytes,
            media_type: MediaType::Png,
            width,
            height,
            upscale_refused: width.max(height) < spec.max_long_edge,
        });
    }
    let shaped = shape(&flatten(image, background), spec, Rgb(background));
    let (width, height) = shaped.dimensions();
    Ok(Rendered {
        bytes: encode_jpeg(&shaped)?,
        media_type: MediaType::Jpeg,
        width,
        height,
        upscale_refused: width.max(height) < spec.max_long_edge,
    })
}

/// Crops or pads `image` to the spec's aspect, then shrinks it to its size.
fn shape<P>(image: &ImageBuffer<P, Vec<u8>>, spec: &RenditionSpec, fill: P) -> ImageBuffer<P, Vec<u8>>
where
    P: Pixel<Subpixel = u8> + 'static,
{
    let (width, height) = image.dimensions();
    match spec.fit {
        Fit::Crop => {
            let (left, top, cw, ch) = crop_window(width, height, spec.aspect, spec.focal);
            let window = imageops::crop_imm(image, left, top, cw, ch).to_image();
            let (tw, th) = target_size(cw, ch, spec.aspect, spec.max_long_edge);
            if (tw, th) == (cw, ch) { window } else { imageops::resize(&window, tw, th, FilterType::Lanczos3) }
        }
        Fit::Pad { .. } => {
            let (cw, ch) = pad_canvas(width, height, spec.aspect);
            let (tw, th) = target_size(cw, ch, spec.aspect, spec.max_long_edge);
            let picture = if (tw, th) == (cw, ch) {
                image.clone()
            } else {
                // The picture shrinks by the canvas's factor; its sides stay within the canvas despite rounding.
                let factor = f64::from(tw.max(th)) / f64::from(cw.max(ch));
                let side = |s: u32, limit: u32| ((f64::from(s) * factor).round() as u32).clamp(1, limit);
                imageops::resize(image, side(width, tw), side(height, th), FilterType::Lanczos3)
            };
            let mut canvas = ImageBuffer::from_pixel(tw, th, fill);
            let (pw, ph) = picture.dimensions();
            imageops::replace(&mut canvas, &picture, i64::from((tw - pw) / 2), i64::from((th - ph) / 2));
            canvas
        }
    }
}

/// The image in RGB, with any transparency laid over `background`: JPEG has no alpha channel, and dropping it
/// would turn transparent areas into whatever colour they happen to hold.
fn flatten(image: DynamicImage, background: [u8; 3]) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba: RgbaImage = image.into_rgba8();
    let (width, height) = rgba.dimensions();
    RgbImage::from_fn(width, height, |x, y| {
        let Rgba([r, g, b, a]) = *rgba.get_pixel(x, y);
        let mix =
            |c: u8, bg: u8| ((u16::from(c) * u16::from(a) + u16::from(bg) * (255 - u16::from(a)) + 127) / 255) as u8;
        Rgb([mix(r, background[0]), mix(g, background[1]), mix(b, background[2])])
    })
}

fn encode_jpeg(image: &RgbImage) -> Result<Vec<u8>, MediaError> {
    let mut bytes = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, JPEG_QUALITY);
    image.write_with_encoder(encoder).map_err(|e| MediaError::Encode("JPEG", e.to_string()))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn aspect(raw: &str) -> Aspect {
        Aspect::parse(raw).unwrap()
    }

    #[test]
    fn a_small_file_that_unpacks_past_the_memory_ceiling_is_refused() {
        // 3000×3000 of one colour: under 200 kB of PNG, 27 MB once decoded.
        let image = DynamicImage::ImageRgb8(RgbImage::new(3000, 3000));
        let mut png = Vec::new();
        image.write_to(&mut Cursor::new(&mut png), ImageFormat::Png).unwrap();
        assert!(png.len() < 200_000, "{} bytes", png.len());
        let tight = DecodeLimits { max_pixels: MAX_PIXELS, max_side: MAX_SIDE, max_bytes: 1_000_000 };
        let spec =
            RenditionSpec { aspect: Aspect::SQUARE, fit: Fit::Crop, focal: FocalPoint::CENTRE, max_long_edge: 100 };
        let refused = render_within(&png, MediaType::Png, &spec, &tight);
        assert!(matches!(refused, Err(MediaError::TooBigToDecode { .. })), "{refused:?}");
        assert!(refused.err().is_some_and(|e| e.to_string().contains("memory")));
        let narrow = DecodeLimits { max_pixels: MAX_PIXELS, max_side: 2000, max_bytes: MAX_DECODED_BYTES };
        assert!(matches!(decode(&png, MediaType::Png, &narrow), Err(MediaError::TooManyPixels { .. })));
        // Under the real limits it renders.
        assert!(render(&png, MediaType::Png, &spec).is_ok_and(|r| (r.width, r.height) == (100, 100)));
    }

    #[test]
    fn crop_windows_have_the_aspect_and_keep_the_focal_point_inside() {
        for (w, h) in [(4000, 3000), (3000, 4000), (1080, 1080), (101, 37), (1, 5000)] {
            for raw in ["4:5", "1.91:1", "2:3", "9:16", "1:1", "16:9"] {
                let a = aspect(raw);
                for (fx, fy) in [(0, 0), (500, 500), (900, 100), (1000, 1000), (333, 667)] {
                    let focal = FocalPoint::new(fx, fy).unwrap();
                    let (left, top, cw, ch) = crop_window(w, h, a, focal);
                    assert!(left + cw <= w && top + ch <= h, "{w}×{h} {raw}: window outside the picture");
                    assert!(cw == w || ch == h, "{w}×{h} {raw}: the window is as large as the picture allows");
                    // Within a pixel of the aspect, unless the picture is too thin to have one.
                    let off = (f64::from(cw) * f64::from(a.height) / f64::from(a.width) - f64::from(ch)).abs();
                    assert!(off <= 1.0 || cw == 1 || ch == 1, "{w}×{h} {raw}: {cw}×{ch}");
                    let (px, py) = (u64::from(w) * u64::from(fx) / 1000, u64::from(h) * u64::from(fy) / 1000);
                    assert!(
                        (u64::from(left)..=u64::from(left + cw)).contains(&px)
                            && (u64::from(top)..=u64::from(top + ch)).contains(&py),
                        "{w}×{h} {raw} focal {fx},{fy}: ({px},{py}) outside {left},{top} {cw}×{ch}"
                    );
                }
            }
        }
        // A subject on the right of a wide picture takes the right of it.
        assert_eq!(crop_window(1600, 900, aspect("1:1"), FocalPoint::new(900, 500).unwrap()), (630, 0, 900, 900));
    }

    #[test]
    fn pad_canvases_hold_the_whole_picture() {
        assert_eq!(pad_canvas(800, 400, aspect("4:5")), (800, 1000));
        assert_eq!(pad_canvas(400, 800, aspect("1.91:1")), (1528, 800));
        assert_eq!(pad_canvas(1000, 1000, aspect("1:1")), (1000, 1000));
    }

    #[test]
    fn results_shrink_to_the_long_edge_and_never_grow() {
        assert_eq!(target_size(2400, 3000, aspect("4:5"), 1350), (1080, 1350));
        assert_eq!(target_size(3000, 1571, aspect("1.91:1"), 1080), (1080, 565));
        assert_eq!(target_size(800, 1000, aspect("4:5"), 1350), (800, 1000));
        assert_eq!(scaled(1200, 800, 480), (480, 320));
    }
}
