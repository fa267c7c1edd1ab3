//! The type of a file from its first bytes, never its name.

use chorus_domain::MediaType;

/// What the bytes of a file are, if it is a format Chorus can publish.
pub fn detect(bytes: &[u8]) -> Option<MediaType> {
    let detected = infer::get(bytes)?;
    match detected.mime_type() {
        "image/jpeg" => Some(MediaType::Jpeg),
        "image/png" => Some(MediaType::Png),
        "image/gif" => Some(MediaType::Gif),
        "image/webp" => Some(MediaType::Webp),
        // M4V is Apple's name for an MP4 file; the container is the same.
        "video/mp4" | "video/x-m4v" => Some(MediaType::Mp4),
        "video/quicktime" => Some(MediaType::QuickTime),
        _ => None,
    }
}

/// The media type the bytes look like when it is not one Chorus accepts (e.g. `application/pdf`), to tell the
/// uploader what they sent.
pub fn looks_like(bytes: &[u8]) -> Option<String> {
    infer::get(bytes).map(|t| t.mime_type().to_string())
}
