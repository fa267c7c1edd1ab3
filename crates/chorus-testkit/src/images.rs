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

/// A real 1×1 PNG whose header claims `width` × `height` pixels, its checksum made right: a decompression bomb by
/// its header alone, which an upload must refuse before it decodes a pixel.
pub fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut png = png(1, 1);
    // The header chunk comes first in every PNG: after the 8-byte signature its length and name, then the width
    // and height (bytes 16 to 24), five one-byte fields, and the checksum of its name and data (bytes 29 to 33).
    png[16..20].copy_from_slice(&width.to_be_bytes());
    png[20..24].copy_from_slice(&height.to_be_bytes());
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

/// The CRC-32 a PNG chunk ends with.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffff_u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}
