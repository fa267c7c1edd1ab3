//! A client's media library: the images and videos its posts can carry.
//!
//! An asset's type is what its bytes are, never what its name or the uploader claims; the bytes themselves
//! live in blob storage, the rows here only describe them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::validation::{Checker, Invalid, bounded_text};
use crate::{AssetId, ClientId, OrganizationId, PersonId};

/// The longest alt text an asset may have; the most any network accepts is 1,500 characters (LinkedIn).
pub const MAX_ALT_TEXT: usize = 1500;
/// The longest file name kept, in characters.
pub const MAX_FILENAME: usize = 200;

/// Whether an asset is a still image or a video.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssetKind {
    Image,
    Video,
}

impl AssetKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            AssetKind::Image => "image",
            AssetKind::Video => "video",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw {
            "image" => Ok(AssetKind::Image),
            "video" => Ok(AssetKind::Video),
            other => Err(Invalid::field("kind", format!("'{other}' is not image or video"))),
        }
    }
}

/// The file formats Chorus can publish, named by their media type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum MediaType {
    #[serde(rename = "image/jpeg")]
    Jpeg,
    #[serde(rename = "image/png")]
    Png,
    #[serde(rename = "image/gif")]
    Gif,
    #[serde(rename = "image/webp")]
    Webp,
    #[serde(rename = "video/mp4")]
    Mp4,
    #[serde(rename = "video/quicktime")]
    QuickTime,
}

impl MediaType {
    pub const ALL: [MediaType; 6] =
        [MediaType::Jpeg, MediaType::Png, MediaType::Gif, MediaType::Webp, MediaType::Mp4, MediaType::QuickTime];

    pub fn as_str(&self) -> &'static str {
        match self {
            MediaType::Jpeg => "image/jpeg",
            MediaType::Png => "image/png",
            MediaType::Gif => "image/gif",
            MediaType::Webp => "image/webp",
            MediaType::Mp4 => "video/mp4",
            MediaType::QuickTime => "video/quicktime",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == raw)
            .ok_or_else(|| Invalid::field("media_type", format!("'{raw}' is not a media type Chorus can publish")))
    }

    pub fn kind(&self) -> AssetKind {
        match self {
            MediaType::Jpeg | MediaType::Png | MediaType::Gif | MediaType::Webp => AssetKind::Image,
            MediaType::Mp4 | MediaType::QuickTime => AssetKind::Video,
        }
    }

    /// The file name extensions of this type, the usual one first.
    pub fn extensions(&self) -> &'static [&'static str] {
        match self {
            MediaType::Jpeg => &["jpg", "jpeg"],
            MediaType::Png => &["png"],
            MediaType::Gif => &["gif"],
            MediaType::Webp => &["webp"],
            MediaType::Mp4 => &["mp4", "m4v"],
            MediaType::QuickTime => &["mov", "qt"],
        }
    }
}

/// An image or video of a client's media library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Asset {
    pub id: AssetId,
    #[serde(skip)]
    pub organization_id: OrganizationId,
    pub client_id: ClientId,
    pub kind: AssetKind,
    /// The type detected from the file's bytes, e.g. `image/jpeg`.
    pub media_type: MediaType,
    pub size_bytes: u64,
    /// Pixels, for images; videos have none recorded yet.
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// The name it was uploaded under, cleaned of paths and odd characters, with an extension that matches
    /// its type.
    pub filename: String,
    /// A description for people who cannot see the image, published with it.
    pub alt_text: String,
    /// The SHA-256 of the bytes, in lower-case hex.
    pub sha256: String,
    pub created_by: PersonId,
    pub created_at: DateTime<Utc>,
}

/// An asset's editable fields.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
pub struct AssetFields {
    #[serde(default)]
    pub alt_text: String,
    pub filename: String,
}

impl AssetFields {
    /// Checks the fields; the file name is expected to be [`sanitize_filename`]d already.
    pub fn check(&self) -> Result<(), Invalid> {
        let mut check = Checker::default();
        check.check(bounded_text("alt_text", &self.alt_text, 0, MAX_ALT_TEXT));
        check.check(bounded_text("filename", &self.filename, 1, MAX_FILENAME));
        check.finish()
    }
}

/// A file name as uploaded, made safe to store and to send back in a header: only its last path component,
/// without control characters, quotes or characters file systems refuse, at most [`MAX_FILENAME`] characters.
/// Nothing left gives `file`.
pub fn sanitize_filename(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | ':' | '*' | '?' | '<' | '>' | '|' | ';'))
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    let name: String = trimmed.chars().take(MAX_FILENAME).collect();
    let name = name.trim_end().to_string();
    if name.is_empty() { "file".to_string() } else { name }
}

/// `filename` with an extension of `media_type`: kept when it already is one (in any case), replaced when it
/// claims another type, added when there is none.
pub fn with_extension_of(filename: &str, media_type: MediaType) -> String {
    let usual = media_type.extensions()[0];
    let (stem, extension) = match filename.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && !ext.is_empty() && !ext.contains(' ') => (stem, Some(ext)),
        _ => (filename, None),
    };
    match extension {
        Some(ext) if media_type.extensions().iter().any(|e| e.eq_ignore_ascii_case(ext)) => filename.to_string(),
        _ => {
            let keep = MAX_FILENAME.saturating_sub(usual.len() + 1);
            let stem: String = stem.chars().take(keep).collect();
            format!("{stem}.{usual}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_cleaned() {
        assert_eq!(sanitize_filename("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_filename("C:\\Users\\me\\photo.JPG"), "photo.JPG");
        assert_eq!(sanitize_filename("a\"b\r\n.png"), "ab.png");
        assert_eq!(sanitize_filename("  ..  "), "file");
        assert_eq!(sanitize_filename(".hidden.png"), "hidden.png");
        assert_eq!(sanitize_filename(&"x".repeat(500)).chars().count(), MAX_FILENAME);
    }

    #[test]
    fn extensions_follow_the_detected_type() {
        assert_eq!(with_extension_of("photo.png", MediaType::Jpeg), "photo.jpg");
        assert_eq!(with_extension_of("photo.JPEG", MediaType::Jpeg), "photo.JPEG");
        assert_eq!(with_extension_of("photo", MediaType::Png), "photo.png");
        assert_eq!(with_extension_of("clip.v2.mov", MediaType::Mp4), "clip.v2.mp4");
        assert_eq!(with_extension_of(&"x".repeat(MAX_FILENAME), MediaType::Webp).chars().count(), MAX_FILENAME);
    }

    #[test]
    fn alt_text_is_bounded() {
        let fields = AssetFields { alt_text: "a".repeat(MAX_ALT_TEXT + 1), filename: "a.png".into() };
        assert_eq!(fields.check().err().map(|e| e.errors[0].field.clone()).as_deref(), Some("alt_text"));
        assert!(AssetFields { alt_text: "A cup".into(), filename: "a.png".into() }.check().is_ok());
        assert!(MediaType::parse("image/jpeg").is_ok_and(|t| t.kind() == AssetKind::Image));
        assert!(MediaType::parse("text/plain").is_err());
    }
}
