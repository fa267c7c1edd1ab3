use chorus_domain::MediaType;

/// Why a file cannot be probed, thumbnailed or rendered, in words the uploader can act on.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("the file is empty")]
    Empty,
    /// The bytes are not a format Chorus publishes; `looks_like` is what they seem to be instead, if anything.
    #[error(
        "the file is not an image or video Chorus can publish{}; upload a JPEG, PNG, GIF or WebP image, or an MP4 or MOV video",
        looks_like.as_ref().map(|t| format!(" (it looks like {t})")).unwrap_or_default()
    )]
    Unsupported { looks_like: Option<String> },
    /// The header or the data cannot be read: a truncated upload, a damaged file, or one that only claims to be
    /// this type.
    #[error("the {media_type} file cannot be read; it may be damaged or cut short ({detail})")]
    Damaged { media_type: &'static str, detail: String },
    /// Refused from the header, before decoding.
    #[error(
        "the image is {width}×{height} pixels, more than the {} megapixels (and {} pixels a side) Chorus accepts; scale it down",
        crate::MAX_PIXELS / 1_000_000,
        crate::MAX_SIDE
    )]
    TooManyPixels { width: u32, height: u32 },
    /// The decoder would need more memory than [`crate::MAX_DECODED_BYTES`]: a decompression bomb, or an image with
    /// deep colour at a very large size.
    #[error(
        "decoding the image would need more than {} MB of memory ({detail}); save it at a smaller size or 8 bits per channel",
        crate::MAX_DECODED_BYTES / 1_000_000
    )]
    TooBigToDecode { detail: String },
    /// Videos are not decoded, so the library shows an icon for them instead.
    #[error("Chorus does not make thumbnails of videos")]
    NoThumbnail,
    #[error("only images can be rendered to another shape; {0} is a video")]
    NotAnImage(&'static str),
    #[error("the {0} could not be written: {1}")]
    Encode(&'static str, String),
}

impl MediaError {
    pub(crate) fn damaged(media_type: MediaType, detail: impl std::fmt::Display) -> Self {
        MediaError::Damaged { media_type: short_name(media_type), detail: detail.to_string() }
    }
}

/// The name people know a format by.
pub(crate) fn short_name(media_type: MediaType) -> &'static str {
    match media_type {
        MediaType::Jpeg => "JPEG",
        MediaType::Png => "PNG",
        MediaType::Gif => "GIF",
        MediaType::Webp => "WebP",
        MediaType::Mp4 => "MP4",
        MediaType::QuickTime => "MOV",
    }
}
