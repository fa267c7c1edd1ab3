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

    /// The pixels a crop to this aspect keeps of a `width`×`height` image: the largest window of this shape
    /// inside it (rounded down, so it never reaches past the image).
    pub fn crop_within(&self, width: u32, height: u32) -> (u32, u32) {
        let (w, h) = (u64::from(width), u64::from(height));
        let (aw, ah) = (u64::from(self.width), u64::from(self.height));
        let (cw, ch) = if w * ah > h * aw { (h * aw / ah, h) } else { (w, w * ah / aw) };
        (u32::try_from(cw).unwrap_or(width), u32::try_from(ch).unwrap_or(height))
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

/// The shapes the networks ask for most, with who asks: what the asset page previews and the composer offers to
/// crop to (after a network's own suggestions).
pub const STANDARD_ASPECTS: [(&str, &str); 6] = [
    ("1:1", "Square: Instagram, Facebook, LinkedIn"),
    ("4:5", "Portrait: Instagram and Facebook feeds"),
    ("1.91:1", "Landscape: link previews, Instagram, LinkedIn"),
    ("2:3", "Pinterest pins"),
    ("9:16", "Stories, Reels, TikTok, Shorts"),
    ("16:9", "YouTube, X, landscape video"),
];

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
    /// Pixels as the picture is shown (a phone photo taken upright is taller than wide); for a video, its
    /// frame size. `None` for a video whose container could not be read.
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Videos: how long they play, in milliseconds.
    pub duration_ms: Option<u64>,
    /// Videos: the video track's codec as the container names it, e.g. `avc1` (H.264) or `hvc1` (HEVC).
    pub video_codec: Option<String>,
    /// The name it was uploaded under, cleaned of paths and odd characters, with an extension that matches
    /// its type.
    pub filename: String,
    /// A description for people who cannot see the image, published with it.
    pub alt_text: String,
    /// The folder it is filed in, e.g. `Campaigns/Spring 2027`; empty at the top level.
    pub folder: String,
    /// Lower-case labels for finding it again, e.g. `spring`, `product shot`.
    pub tags: Vec<String>,
    /// What must stay in view when a rendition crops it.
    pub focal_point: FocalPoint,
    /// The SHA-256 of the bytes, in lower-case hex.
    pub sha256: String,
    pub created_by: PersonId,
    pub created_at: DateTime<Utc>,
}

impl Asset {
    /// What a search of the library looks in: the file name, the alt text and the tags, lower-cased as searches
    /// are. The separator cannot be typed into any of them, so no match spans two.
    pub fn search_key(&self) -> String {
        format!(
            "{}\u{1f}{}\u{1f}{}",
            self.filename.to_lowercase(),
            self.alt_text.to_lowercase(),
            self.tags.join("\u{1f}")
        )
    }

    /// The file's last path segment, e.g. `Spring 2027` for `Campaigns/Spring 2027`; empty at the top level.
    pub fn folder_name(&self) -> &str {
        self.folder.rsplit('/').next().unwrap_or_default()
    }
}

/// An asset's editable fields.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
pub struct AssetFields {
    #[serde(default)]
    pub alt_text: String,
    pub filename: String,
    /// As [`folder_path`] leaves it; empty at the top level.
    #[serde(default)]
    pub folder: String,
    /// As [`tag_list`] leaves them.
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub focal_point: FocalPoint,
}

impl AssetFields {
    /// The fields of an asset as they are now, to change some of them.
    pub fn of(asset: &Asset) -> Self {
        AssetFields {
            alt_text: asset.alt_text.clone(),
            filename: asset.filename.clone(),
            folder: asset.folder.clone(),
            tags: asset.tags.clone(),
            focal_point: asset.focal_point,
        }
    }

    /// Checks the fields; the file name is expected to be [`sanitize_filename`]d already, the folder and tags
    /// normalized by [`folder_path`] and [`tag_list`] (anything those would change is refused).
    pub fn check(&self) -> Result<(), Invalid> {
        let mut check = Checker::default();
        check.check(bounded_text("alt_text", &self.alt_text, 0, MAX_ALT_TEXT));
        check.check(bounded_text("filename", &self.filename, 1, MAX_FILENAME));
        if let Some(folder) = check.check(folder_path(&self.folder))
            && folder != self.folder
        {
            check.fail(Invalid::field("folder", format!("'{}' is not written as '{folder}'", self.folder)));
        }
        if let Some(tags) = check.check(tag_list(&self.tags))
            && tags != self.tags
        {
            check.fail(Invalid::field("tags", "tags must be trimmed, lower-case and each given once"));
        }
        check.check(FocalPoint::new(self.focal_point.x, self.focal_point.y));
        check.finish()
    }
}

/// The most tags an asset may have.
pub const MAX_TAGS: usize = 20;
/// The longest tag, in characters.
pub const MAX_TAG: usize = 40;
/// The longest name of one folder, in characters.
pub const MAX_FOLDER_NAME: usize = 60;
/// How deep folders may nest: `a/b/c/d/e` is as deep as it goes.
pub const MAX_FOLDER_DEPTH: usize = 5;

/// A folder path as typed (`Campaigns / Spring 2027/`), written the one way Chorus keeps it
/// (`Campaigns/Spring 2027`): each folder's name trimmed, slashes at either end dropped. Empty is the top level.
/// Fails on `folder` for an empty name between two slashes, control characters, a name longer than
/// [`MAX_FOLDER_NAME`] or more than [`MAX_FOLDER_DEPTH`] levels.
pub fn folder_path(raw: &str) -> Result<String, Invalid> {
    let bad = |message: String| Invalid::field("folder", message);
    let trimmed = raw.trim().trim_matches('/').trim();
    if trimmed.is_empty() {
        return Ok(String::new());
    }
    let mut names = Vec::new();
    for name in trimmed.split('/') {
        let name = name.trim();
        if name.is_empty() {
            return Err(bad("a folder's name cannot be empty (two slashes in a row?)".to_string()));
        }
        if name.chars().any(char::is_control) {
            return Err(bad("a folder's name cannot contain control characters".to_string()));
        }
        let len = name.chars().count();
        if len > MAX_FOLDER_NAME {
            return Err(bad(format!(
                "a folder's name may be at most {MAX_FOLDER_NAME} characters ('{name}' has {len})"
            )));
        }
        names.push(name);
    }
    if names.len() > MAX_FOLDER_DEPTH {
        return Err(bad(format!("folders nest at most {MAX_FOLDER_DEPTH} deep; this path is {} deep", names.len())));
    }
    Ok(names.join("/"))
}

/// Whether `folder` is `ancestor` or inside it; every folder is inside the top level ("").
pub fn folder_within(folder: &str, ancestor: &str) -> bool {
    ancestor.is_empty() || folder == ancestor || folder.strip_prefix(ancestor).is_some_and(|rest| rest.starts_with('/'))
}

/// One tag written the way Chorus keeps it: trimmed, lower-case, inner spaces collapsed, a leading `#` dropped
/// (`#Spring  Sale` is `spring sale`). Fails on `tags` for an empty tag, a comma, control characters or more than
/// [`MAX_TAG`] characters.
pub fn tag(raw: &str) -> Result<String, Invalid> {
    let bad = |message: String| Invalid::field("tags", message);
    let words: Vec<&str> = raw.trim().trim_start_matches('#').split_whitespace().collect();
    let tag = words.join(" ").to_lowercase();
    if tag.is_empty() {
        return Err(bad("a tag cannot be empty".to_string()));
    }
    if tag.contains(',') {
        return Err(bad(format!("'{tag}' holds a comma; commas separate tags")));
    }
    if tag.chars().any(char::is_control) {
        return Err(bad("a tag cannot contain control characters".to_string()));
    }
    let len = tag.chars().count();
    if len > MAX_TAG {
        return Err(bad(format!("a tag may be at most {MAX_TAG} characters ('{tag}' has {len})")));
    }
    Ok(tag)
}

/// Tags as given, each as [`tag`] writes it, the first of any repeats kept in order; blank ones are skipped. Fails
/// on `tags` for a bad tag or more than [`MAX_TAGS`].
pub fn tag_list<S: AsRef<str>>(raw: &[S]) -> Result<Vec<String>, Invalid> {
    let mut tags: Vec<String> = Vec::new();
    for one in raw.iter().map(AsRef::as_ref).filter(|t| !t.trim().trim_start_matches('#').trim().is_empty()) {
        let one = tag(one)?;
        if !tags.contains(&one) {
            tags.push(one);
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(Invalid::field(
            "tags",
            format!("an asset may have at most {MAX_TAGS} tags (these are {})", tags.len()),
        ));
    }
    Ok(tags)
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
        let fields = |alt_text: String| AssetFields {
            alt_text,
            filename: "a.png".into(),
            folder: String::new(),
            tags: Vec::new(),
            focal_point: FocalPoint::CENTRE,
        };
        let too_long = fields("a".repeat(MAX_ALT_TEXT + 1));
        assert_eq!(too_long.check().err().map(|e| e.errors[0].field.clone()).as_deref(), Some("alt_text"));
        assert!(fields("A cup".into()).check().is_ok());
        assert!(MediaType::parse("image/jpeg").is_ok_and(|t| t.kind() == AssetKind::Image));
        assert!(MediaType::parse("text/plain").is_err());
    }

    #[test]
    fn folders_are_written_one_way_and_bounded() {
        assert_eq!(folder_path(" / Campaigns /  Spring 2027/ ").ok().as_deref(), Some("Campaigns/Spring 2027"));
        assert_eq!(folder_path("").ok().as_deref(), Some(""));
        assert_eq!(folder_path("///").ok().as_deref(), Some(""));
        assert_eq!(folder_path("a/b/c/d/e").ok().as_deref(), Some("a/b/c/d/e"));
        let name = "n".repeat(MAX_FOLDER_NAME);
        assert_eq!(folder_path(&name).ok(), Some(name.clone()));
        for bad in ["a//b", "a/ /b", "a/b/c/d/e/f", "tab\there", &format!("{name}n")] {
            let error = folder_path(bad).err().map(|e| e.errors[0].field.clone());
            assert_eq!(error.as_deref(), Some("folder"), "{bad:?}");
        }
        assert!(folder_within("Campaigns/Spring", "Campaigns"));
        assert!(folder_within("Campaigns", "Campaigns"));
        assert!(folder_within("Campaigns", ""));
        assert!(!folder_within("Campaigns 2", "Campaigns"), "a longer name is not inside");
        assert!(!folder_within("Campaigns", "Campaigns/Spring"));
    }

    #[test]
    fn tags_are_lower_case_unique_and_bounded() {
        let tags = tag_list(&[" Spring ", "#Product  Shot", "spring", "", "  "]);
        assert_eq!(tags.ok(), Some(vec!["spring".to_string(), "product shot".to_string()]));
        assert_eq!(tag("ÉTÉ").ok().as_deref(), Some("été"));
        for bad in ["a,b", "bell\u{7}", &"t".repeat(MAX_TAG + 1), "#"] {
            let error = tag(bad).err().map(|e| e.errors[0].field.clone());
            assert_eq!(error.as_deref(), Some("tags"), "{bad:?}");
        }
        let many: Vec<String> = (0..=MAX_TAGS).map(|n| format!("t{n}")).collect();
        assert!(tag_list(&many).is_err());
        assert!(tag_list(&many[..MAX_TAGS]).is_ok());
        let repeated: Vec<String> = (0..50).map(|_| "same".to_string()).collect();
        assert_eq!(tag_list(&repeated).ok().map(|t| t.len()), Some(1), "repeats are not counted twice");
    }

    #[test]
    fn fields_must_be_normalized_before_they_are_stored() {
        let mut fields = AssetFields {
            alt_text: String::new(),
            filename: "a.png".into(),
            folder: "Campaigns/Spring".into(),
            tags: vec!["spring".into()],
            focal_point: FocalPoint { x: 200, y: 900 },
        };
        assert!(fields.check().is_ok());
        fields.folder = "Campaigns/".into();
        fields.tags = vec!["Spring".into()];
        fields.focal_point = FocalPoint { x: 1001, y: 0 };
        let fields: Vec<String> =
            fields.check().err().map(|e| e.errors.into_iter().map(|e| e.field).collect()).unwrap_or_default();
        assert_eq!(fields, ["folder", "tags", "focal_point.x"]);
    }
}
