//! Real image files for tests, made on the spot: what an upload, a rendition or the composer's media rules see
//! is a file any decoder reads, not a fixture that could drift from the format.

use image::{ImageFormat, Rgb, RgbImage};

/// An image whose colour runs from left to right and top to bottom, so a crop shows which part was kept.
fn gradient(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        let red = u8::try_from(x * 255 / width.max(1)).unwrap_or(u8::MAX);
        let green = u8::try_from(y * 255 / height.max(1)).unwrap_or(u8::MAX);
        Rgb([red, green, 128])
    })
}

fn encode(image: &RgbImage, format: ImageFormat) -> Vec<u8> {
    let mut bytes = std::io::Cursor::new(Vec::new());
    image.write_to(&mut bytes, format).expect("an in-memory image always encodes");
    bytes.into_inner()
}

/// A PNG of `width` × `height` pixels.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    encode(&gradient(width, height), ImageFormat::Png)
}

/// A JPEG of `width` × `height` pixels.
pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    encode(&gradient(width, height), ImageFormat::Jpeg)
}
