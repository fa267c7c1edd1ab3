//! What Chorus can tell about an uploaded image or video from its bytes, and the pictures it makes from images:
//! thumbnails for the library's pages and renditions cut to the shape a network wants.
//!
//! Everything here distrusts its input: the type comes from the bytes, never a name; an image's size is read from
//! its header and refused before decoding when it is too big; decoding runs under `image`'s [`image::Limits`], so a
//! decompression bomb is an error, never an out-of-memory abort; a video's container is walked with bounded loops
//! that stop at the first box that does not add up. No function here panics on bad bytes.
//!
//! Videos are only probed: nothing here decodes a frame (that would need ffmpeg at run time), so they have no
//! thumbnail or renditions.

mod detect;
mod error;
mod picture;
mod video;

pub use chorus_domain::media::{Aspect, FocalPoint};
pub use chorus_domain::{AssetKind, MediaType};
pub use detect::{detect, looks_like};
pub use error::MediaError;
pub use picture::{Fit, Rendered, RenditionSpec, THUMBNAIL_LONG_EDGE, render, thumbnail};

/// The most pixels an image may have: larger ones are refused from their header, before anything decodes them, as
/// a decompression bomb (a small file that unpacks to gigabytes) would be.
pub const MAX_PIXELS: u64 = 100_000_000;

/// The longest side an image may have, whatever its pixel count; a 100,000 × 1 strip is no photo.
pub const MAX_SIDE: u32 = 30_000;

/// The most memory one decoded image may take. 100 megapixels of 8-bit RGBA need 400 MB; 16-bit ones at that
/// size are refused.
pub const MAX_DECODED_BYTES: u64 = 512 * 1024 * 1024;

/// What the bytes of an upload are.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    pub media_type: MediaType,
    /// Pixels as the picture is shown: an image's EXIF orientation and a video's rotation are applied, so a phone
    /// photo taken upright is taller than wide. `None` for a video whose metadata could not be read.
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Videos: how long they play, in milliseconds.
    pub duration_ms: Option<u64>,
    /// Videos: the sample-entry code of the video track, e.g. `avc1` (H.264) or `hvc1` (HEVC).
    pub video_codec: Option<String>,
    /// Videos: the sample-entry code of the first audio track, e.g. `mp4a` (AAC); `None` when silent or unknown.
    pub audio_codec: Option<String>,
    /// Videos: frames per second, averaged over the video track.
    pub frame_rate: Option<f64>,
    /// What could not be read, in words a person can act on. A video whose metadata is unreadable is still
    /// accepted, with the fields above `None` and a warning here.
    pub warnings: Vec<String>,
}

impl Probe {
    pub fn kind(&self) -> AssetKind {
        self.media_type.kind()
    }
}

/// Reads what an upload is from its bytes alone: its type, and for images their size from the header (refusing
/// damaged headers and images over [`MAX_PIXELS`]); for MP4 and QuickTime videos their duration, size and codecs
/// from the container.
pub fn probe(bytes: &[u8]) -> Result<Probe, MediaError> {
    if bytes.is_empty() {
        return Err(MediaError::Empty);
    }
    let media_type = detect(bytes).ok_or_else(|| MediaError::Unsupported { looks_like: looks_like(bytes) })?;
    match media_type.kind() {
        AssetKind::Image => {
            let (width, height) = picture::displayed_size(bytes, media_type)?;
            Ok(Probe {
                media_type,
                width: Some(width),
                height: Some(height),
                duration_ms: None,
                video_codec: None,
                audio_codec: None,
                frame_rate: None,
                warnings: Vec::new(),
            })
        }
        AssetKind::Video => {
            let facts = video::read(bytes);
            Ok(Probe {
                media_type,
                width: facts.width,
                height: facts.height,
                duration_ms: facts.duration_ms,
                video_codec: facts.video_codec,
                audio_codec: facts.audio_codec,
                frame_rate: facts.frame_rate,
                warnings: facts.warnings,
            })
        }
    }
}
