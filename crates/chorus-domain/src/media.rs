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

/// The point of an image that must stay in view when it is cropped, in thousandths of its width and height from
/// the top-left corner: (500, 500) is the centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FocalPoint {
    pub x: u16,
    pub y: u16,
}

impl FocalPoint {
    pub const CENTRE: FocalPoint = FocalPoint { x: 500, y: 500 };

    /// A focal point inside the image; each coordinate runs from 0 to 1000.
    pub fn new(x: u16, y: u16) -> Result<Self, Invalid> {
        let mut check = Checker::default();
        if x > 1000 {
            check.fail(Invalid::field("focal_point.x", "must be between 0 (left edge) and 1000 (right edge)"));
        }
        if y > 1000 {
            check.fail(Invalid::field("focal_point.y", "must be between 0 (top edge) and 1000 (bottom edge)"));
        }
        check.finish().map(|()| FocalPoint { x, y })
    }
}

impl Default for FocalPoint {
    fn default() -> Self {
        Self::CENTRE
    }
}

/// A width-to-height ratio such as 4:5, kept as the two whole numbers a network's documentation gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Aspect {
    pub width: u32,
    pub height: u32,
}

impl Aspect {
    pub const SQUARE: Aspect = Aspect { width: 1, height: 1 };

    pub fn new(width: u32, height: u32) -> Result<Self, Invalid> {
        if width == 0 || height == 0 || width > 10_000 || height > 10_000 {
            return Err(Invalid::field("aspect", "both sides must be whole numbers from 1 to 10000, as in 4:5"));
        }
        Ok(Aspect { width, height })
    }

    /// Parses `4:5` (or `1.91:1`, kept as 191:100).
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let bad = || Invalid::field("aspect", format!("'{raw}' is not a ratio such as 4:5 or 1.91:1"));
        let (w, h) = raw.trim().split_once(':').ok_or_else(bad)?;
        let scale = |part: &str| -> Option<(u64, u32)> {
            let (whole, frac) = part.split_once('.').unwrap_or((part, ""));
            if whole.is_empty() || frac.len() > 3 || !whole.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
                return None;
            }
            let digits: u64 = format!("{whole}{frac}").parse().ok()?;
            Some((digits, u32::try_from(frac.len()).ok()?))
        };
        let ((wd, wf), (hd, hf)) = (scale(w).ok_or_else(bad)?, scale(h).ok_or_else(bad)?);
        // Both sides to the same number of decimals, then reduced.
        let places = wf.max(hf);
        let (mut a, mut b) = (wd * 10u64.pow(places - wf), hd * 10u64.pow(places - hf));
        let g = gcd(a, b);
        if g == 0 {
            return Err(bad());
        }
        (a, b) = (a / g, b / g);
        Aspect::new(u32::try_from(a).map_err(|_| bad())?, u32::try_from(b).map_err(|_| bad())?)
    }

    /// Width divided by height.
    pub fn ratio(&self) -> f64 {
        f64::from(self.width) / f64::from(self.height)
    }

    /// The ratio of an image of these dimensions.
    pub fn of(width: u32, height: u32) -> Option<Self> {
        let g = gcd(u64::from(width), u64::from(height));
        if g == 0 {
            return None;
        }
        Aspect::new(u32::try_from(u64::from(width) / g).ok()?, u32::try_from(u64::from(height) / g).ok()?).ok()
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

impl std::fmt::Display for Aspect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.width, self.height)
    }
}

impl utoipa::PartialSchema for Aspect {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("A width-to-height ratio such as 4:5 or 1.91:1."))
            .examples(["4:5"])
            .into()
    }
}

impl utoipa::ToSchema for Aspect {}

impl TryFrom<String> for Aspect {
    type Error = Invalid;
    fn try_from(raw: String) -> Result<Self, Invalid> {
        Aspect::parse(&raw)
    }
}

impl From<Aspect> for String {
    fn from(aspect: Aspect) -> String {
        aspect.to_string()
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
    fn aspects_parse_and_reduce() {
        assert_eq!(Aspect::parse("4:5").ok(), Some(Aspect { width: 4, height: 5 }));
        assert_eq!(Aspect::parse("1.91:1").ok(), Some(Aspect { width: 191, height: 100 }));
        assert_eq!(Aspect::parse("16:9").map(|a| a.to_string()).ok().as_deref(), Some("16:9"));
        assert_eq!(Aspect::parse("1080:1350").ok(), Some(Aspect { width: 4, height: 5 }));
        assert_eq!(Aspect::of(1920, 1080), Some(Aspect { width: 16, height: 9 }));
        for bad in ["", "4", "0:1", "a:b", "4:-5", "1.2345:1", "4:5:6"] {
            assert!(Aspect::parse(bad).is_err(), "{bad}");
        }
        assert!(FocalPoint::new(1000, 0).is_ok());
        assert!(FocalPoint::new(1001, 0).is_err());
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
