//! Posts and their variants: one idea, written once as a base text, then tailored for each network a
//! client publishes to.

use chorus_text::networks::Network;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::validation::{Checker, Invalid, bounded_text};
use crate::{AssetId, ClientId, OrganizationId, PersonId, PillarId, PostId, VariantId};

/// Where a post is in its life. Scheduling and publishing add their states later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PostStatus {
    /// On the ideas board: a thought to develop, not yet a post.
    Idea,
    /// Being written.
    Draft,
    /// A reusable starting point: new posts are made from it, it is never published itself.
    Template,
}

impl PostStatus {
    pub const ALL: [PostStatus; 3] = [PostStatus::Idea, PostStatus::Draft, PostStatus::Template];

    pub fn as_str(&self) -> &'static str {
        match self {
            PostStatus::Idea => "idea",
            PostStatus::Draft => "draft",
            PostStatus::Template => "template",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw.trim() {
            "idea" => Ok(PostStatus::Idea),
            "draft" => Ok(PostStatus::Draft),
            "template" => Ok(PostStatus::Template),
            other => {
                Err(Invalid::field("status", format!("'{other}' is not a post status; use idea, draft or template")))
            }
        }
    }
}

/// Instagram's kinds of post.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InstagramKind {
    #[default]
    Feed,
    Reel,
    Story,
    Carousel,
}

/// Who may see a post, in the words each network uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    #[default]
    Public,
    /// Mastodon: public but kept out of public timelines. YouTube: reachable by link only.
    Unlisted,
    /// Mastodon: followers only. YouTube, TikTok: only the account.
    Private,
    /// Mastodon: only the people mentioned. LinkedIn: connections only.
    Restricted,
}

/// Who may reply, where a network lets the author choose.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReplyControl {
    #[default]
    Everyone,
    Following,
    Mentioned,
    Nobody,
}

/// What a network asks beyond the text. Fields a network does not have are ignored for it; each is
/// checked against the network of the variant.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct VariantOptions {
    /// Instagram: feed post, reel, story or carousel.
    pub instagram_kind: InstagramKind,
    /// Instagram: up to 3 collaborator accounts (usernames).
    pub collaborators: Vec<String>,
    /// YouTube and Pinterest: the title.
    pub title: String,
    /// YouTube, TikTok, LinkedIn, Mastodon.
    pub visibility: Visibility,
    /// YouTube: the category id, e.g. "22" (People & Blogs).
    pub category: String,
    /// YouTube: whether the video is made for kids (a legal declaration the uploader must make).
    pub made_for_kids: bool,
    /// Pinterest: the board to pin to.
    pub board: String,
    /// TikTok: whether viewers may comment, duet and stitch.
    pub allow_comments: bool,
    pub allow_duet: bool,
    pub allow_stitch: bool,
    /// Mastodon: the content warning shown before the text.
    pub content_warning: String,
    /// Mastodon and Bluesky: the post's language(s) as ISO 639-1 codes, e.g. "en".
    pub languages: Vec<String>,
    /// Bluesky and Threads.
    pub reply_control: ReplyControl,
}

/// An image or video of the client's media library attached to a variant, in the order it is published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VariantMedia {
    pub asset_id: AssetId,
    /// Alt text for this post only; empty means the asset's own alt text.
    #[serde(default)]
    pub alt_text: String,
    /// For an image: the aspect it is cropped to on this network, around its focal point; none keeps it whole.
    #[serde(default)]
    pub crop: Option<crate::media::Aspect>,
}

/// The most media a variant may carry; the per-network rules are stricter (Instagram carousels take 10, X 4).
pub const MAX_VARIANT_MEDIA: usize = 20;

/// A post as it will appear on one network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Variant {
    pub id: VariantId,
    #[schema(value_type = String, example = "bluesky")]
    pub network: Network,
    pub text: String,
    /// A link to share with the post (Pinterest: the pin's destination).
    #[serde(default)]
    pub link: String,
    /// Posted as the first comment right after the post, e.g. hashtags on Instagram.
    #[serde(default)]
    pub first_comment: String,
    /// Further parts of a thread on X, Threads, Bluesky and Mastodon, in order.
    #[serde(default)]
    pub thread: Vec<String>,
    /// Images or videos, in order.
    #[serde(default)]
    pub media: Vec<VariantMedia>,
    #[serde(default)]
    pub options: VariantOptions,
}

/// A variant as it is sent to be saved; ids are given by Chorus.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
pub struct VariantDraft {
    #[schema(value_type = String, example = "bluesky")]
    pub network: Network,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub link: String,
    #[serde(default)]
    pub first_comment: String,
    #[serde(default)]
    pub thread: Vec<String>,
    #[serde(default)]
    pub media: Vec<VariantMedia>,
    #[serde(default)]
    pub options: VariantOptions,
}

/// One idea for a client, with its text tailored per network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Post {
    pub id: PostId,
    #[serde(skip)]
    pub organization_id: OrganizationId,
    pub client_id: ClientId,
    pub status: PostStatus,
    /// A working title for boards and lists; not published.
    pub title: String,
    /// The text the variants start from.
    pub base_text: String,
    pub pillar_id: Option<PillarId>,
    /// Paid or gifted: the brand voice then requires a disclosure.
    pub sponsored: bool,
    pub variants: Vec<Variant>,
    /// Goes up by one with every saved change; send it back to avoid overwriting someone else's edit.
    pub revision: u32,
    pub created_by: PersonId,
    pub updated_by: PersonId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Everything a person edits on a post; saving replaces all of it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
pub struct PostDraft {
    #[serde(default = "default_status")]
    pub status: PostStatus,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub base_text: String,
    #[serde(default)]
    pub pillar_id: Option<PillarId>,
    #[serde(default)]
    pub sponsored: bool,
    #[serde(default)]
    pub variants: Vec<VariantDraft>,
}

fn default_status() -> PostStatus {
    PostStatus::Draft
}

/// Texts longer than any network accepts are mistakes; the per-network checks say the precise limits.
const MAX_TEXT_CHARS: usize = 70_000;
const MAX_THREAD_PARTS: usize = 25;

impl PostDraft {
    /// Checks the shape of a draft: sizes, one variant per network, a sane link. Whether each text fits
    /// its network is the composer's check (`chorus_text`), which warns but does not stop saving a draft.
    pub fn check(&self) -> Result<(), Invalid> {
        let mut check = Checker::default();
        check.check(bounded_text("title", &self.title, 0, MAX_TITLE_CHARS));
        check.check(bounded_text("base_text", &self.base_text, 0, MAX_TEXT_CHARS));
        let mut seen = Vec::new();
        for (i, v) in self.variants.iter().enumerate() {
            let at = |field: &str| format!("variants[{i}].{field}");
            if seen.contains(&v.network) {
                check.fail(Invalid::field(
                    format!("variants[{i}].network"),
                    format!("{} appears twice; a post has one variant per network", v.network),
                ));
            }
            seen.push(v.network);
            check.check(bounded_text(&at("text"), &v.text, 0, MAX_TEXT_CHARS));
            check.check(bounded_text(&at("first_comment"), &v.first_comment, 0, 10_000));
            if !v.link.trim().is_empty() {
                check.check(check_link(&at("link"), v.link.trim()));
            }
            if v.thread.len() > MAX_THREAD_PARTS {
                check.fail(Invalid::field(at("thread"), format!("at most {MAX_THREAD_PARTS} parts")));
            }
            for (n, part) in v.thread.iter().enumerate() {
                check.check(bounded_text(&format!("variants[{i}].thread[{n}]"), part, 1, MAX_TEXT_CHARS));
            }
            if v.media.len() > MAX_VARIANT_MEDIA {
                check.fail(Invalid::field(at("media"), format!("at most {MAX_VARIANT_MEDIA} images or videos")));
            }
            for (n, item) in v.media.iter().enumerate() {
                if v.media[..n].iter().any(|earlier| earlier.asset_id == item.asset_id) {
                    check.fail(Invalid::field(format!("variants[{i}].media[{n}]"), "this file is attached twice"));
                }
                check.check(bounded_text(
                    &format!("variants[{i}].media[{n}].alt_text"),
                    &item.alt_text,
                    0,
                    crate::media::MAX_ALT_TEXT,
                ));
            }
            if v.options.collaborators.len() > 3 {
                check.fail(Invalid::field(at("options.collaborators"), "Instagram allows at most 3 collaborators"));
            }
        }
        check.finish()
    }
}

/// Links are published as written, so they must be absolute http(s) addresses.
fn check_link(field: &str, link: &str) -> Result<(), Invalid> {
    let ok = (link.starts_with("https://") || link.starts_with("http://"))
        && link.len() <= 2048
        && !link.chars().any(char::is_whitespace)
        && link.split("://").nth(1).is_some_and(|rest| rest.split('/').next().is_some_and(|host| host.contains('.')));
    if ok {
        Ok(())
    } else {
        Err(Invalid::field(field, format!("'{link}' is not a web address such as https://example.com/page")))
    }
}

/// The longest title a post may have, in characters.
pub const MAX_TITLE_CHARS: usize = 200;

impl PostDraft {
    /// The draft's variants in order, as a saved post holds them. A network the post already had keeps its
    /// variant's id, so what hangs on the variant (its media, its publication) stays with it.
    pub fn variants_keeping(&self, ids: &std::collections::HashMap<Network, VariantId>) -> Vec<Variant> {
        self.variants
            .iter()
            .map(|v| Variant {
                id: ids.get(&v.network).copied().unwrap_or_else(VariantId::new),
                network: v.network,
                text: v.text.clone(),
                link: v.link.clone(),
                first_comment: v.first_comment.clone(),
                thread: v.thread.clone(),
                media: v.media.clone(),
                options: v.options.clone(),
            })
            .collect()
    }

    /// A new post of `client` at revision 1, made from this draft by `by` at `at`.
    pub fn new_post(&self, org: OrganizationId, client: ClientId, by: PersonId, at: DateTime<Utc>) -> Post {
        Post {
            id: PostId::new(),
            organization_id: org,
            client_id: client,
            status: self.status,
            title: self.title.clone(),
            base_text: self.base_text.clone(),
            pillar_id: self.pillar_id,
            sponsored: self.sponsored,
            variants: self.variants_keeping(&std::collections::HashMap::new()),
            revision: 1,
            created_by: by,
            updated_by: by,
            created_at: at,
            updated_at: at,
        }
    }
}

impl Post {
    /// What editing this post starts from: its fields and variants without ids.
    pub fn to_draft(&self) -> PostDraft {
        PostDraft {
            status: self.status,
            title: self.title.clone(),
            base_text: self.base_text.clone(),
            pillar_id: self.pillar_id,
            sponsored: self.sponsored,
            variants: self.variants.iter().map(Variant::to_draft).collect(),
        }
    }

    /// The title of a copy made with `status`: a post made from a template keeps the template's title, any
    /// other copy says it is one ("Copy of …", cut to the longest title allowed).
    pub fn copy_title(&self, status: PostStatus) -> String {
        if self.status == PostStatus::Template && status != PostStatus::Template {
            return self.title.clone();
        }
        let title = self.title.trim();
        let copy = if title.is_empty() { "Copy".to_string() } else { format!("Copy of {title}") };
        copy.chars().take(MAX_TITLE_CHARS).collect()
    }
}

impl Variant {
    pub fn to_draft(&self) -> VariantDraft {
        VariantDraft {
            network: self.network,
            text: self.text.clone(),
            link: self.link.clone(),
            first_comment: self.first_comment.clone(),
            thread: self.thread.clone(),
            media: self.media.clone(),
            options: self.options.clone(),
        }
    }
}

/// One saved state of a post: who changed it, when, and what it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PostRevision {
    pub revision: u32,
    pub changed_by: PersonId,
    pub changed_at: DateTime<Utc>,
    /// The post as it was saved.
    pub post: Post,
}

impl Post {
    /// What changed from `earlier` to this post, in words for a history list: "title", "X text",
    /// "added Bluesky", "status draft → template"…
    pub fn changes_since(&self, earlier: &Post) -> Vec<String> {
        let mut changes = Vec::new();
        if self.status != earlier.status {
            changes.push(format!("status {} → {}", earlier.status.as_str(), self.status.as_str()));
        }
        for (changed, what) in [
            (self.title != earlier.title, "title"),
            (self.base_text != earlier.base_text, "base text"),
            (self.pillar_id != earlier.pillar_id, "pillar"),
            (self.sponsored != earlier.sponsored, "sponsored"),
        ] {
            if changed {
                changes.push(what.to_string());
            }
        }
        for variant in &self.variants {
            let name = variant.network.display_name();
            match earlier.variants.iter().find(|v| v.network == variant.network) {
                None => changes.push(format!("added {name}")),
                Some(before) => {
                    for (changed, what) in [
                        (variant.text != before.text, "text"),
                        (variant.link != before.link, "link"),
                        (variant.first_comment != before.first_comment, "first comment"),
                        (variant.thread != before.thread, "thread"),
                        (variant.media != before.media, "media"),
                        (variant.options != before.options, "options"),
                    ] {
                        if changed {
                            changes.push(format!("{name} {what}"));
                        }
                    }
                }
            }
        }
        for before in &earlier.variants {
            if !self.variants.iter().any(|v| v.network == before.network) {
                changes.push(format!("removed {}", before.network.display_name()));
            }
        }
        changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(json: serde_json::Value) -> PostDraft {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_draft_has_one_variant_per_network_and_real_links() {
        let ok = draft(serde_json::json!({"base_text": "Hi", "variants": [
            {"network": "bluesky", "text": "Hi", "link": "https://example.com/a"},
            {"network": "x", "text": "Hi", "thread": ["more"]}
        ]}));
        assert!(ok.check().is_ok());
        assert_eq!(ok.status, PostStatus::Draft);
        let twice = draft(serde_json::json!({"variants": [{"network": "x"}, {"network": "x"}]}));
        let err = twice.check().err().unwrap();
        assert_eq!(err.errors[0].field, "variants[1].network");
        let bad_link = draft(serde_json::json!({"variants": [{"network": "x", "link": "example dot com"}]}));
        assert_eq!(bad_link.check().err().unwrap().errors[0].field, "variants[0].link");
        let empty_part = draft(serde_json::json!({"variants": [{"network": "x", "thread": [""]}]}));
        assert_eq!(empty_part.check().err().unwrap().errors[0].field, "variants[0].thread[0]");
    }

    #[test]
    fn copies_say_so_unless_made_from_a_template() {
        let post = |status: PostStatus, title: &str| Post {
            id: PostId::new(),
            organization_id: OrganizationId::new(),
            client_id: ClientId::new(),
            status,
            title: title.to_string(),
            base_text: String::new(),
            pillar_id: None,
            sponsored: false,
            variants: Vec::new(),
            revision: 1,
            created_by: PersonId::new(),
            updated_by: PersonId::new(),
            created_at: Utc::now(),
            updated_at: Utc::now(),
        };
        assert_eq!(post(PostStatus::Draft, "Launch").copy_title(PostStatus::Draft), "Copy of Launch");
        assert_eq!(post(PostStatus::Template, "Weekly tip").copy_title(PostStatus::Draft), "Weekly tip");
        assert_eq!(post(PostStatus::Template, "Weekly tip").copy_title(PostStatus::Template), "Copy of Weekly tip");
        assert_eq!(post(PostStatus::Idea, " ").copy_title(PostStatus::Idea), "Copy");
        let long = post(PostStatus::Draft, &"é".repeat(MAX_TITLE_CHARS)).copy_title(PostStatus::Draft);
        assert_eq!(long.chars().count(), MAX_TITLE_CHARS);
        let full = post(PostStatus::Draft, "T");
        assert_eq!(full.to_draft().title, "T");
    }

    #[test]
    fn changes_are_described_per_field_and_network() {
        let variant = |network: Network, text: &str| Variant {
            id: VariantId::new(),
            network,
            text: text.into(),
            link: String::new(),
            first_comment: String::new(),
            thread: Vec::new(),
            media: Vec::new(),
            options: VariantOptions::default(),
        };
        let before = Post {
            id: PostId::new(),
            organization_id: OrganizationId::new(),
            client_id: ClientId::new(),
            status: PostStatus::Draft,
            title: "A".into(),
            base_text: "Hi".into(),
            pillar_id: None,
            sponsored: false,
            variants: vec![variant(Network::X, "Hi"), variant(Network::LinkedIn, "Hi")],
            revision: 1,
            created_by: PersonId::new(),
            updated_by: PersonId::new(),
            created_at: Utc::now(),
            updated_at: Utc::now(),
        };
        let mut after = before.clone();
        after.status = PostStatus::Template;
        after.title = "B".into();
        after.variants = vec![variant(Network::X, "Hello"), variant(Network::Bluesky, "Hi")];
        assert_eq!(
            after.changes_since(&before),
            ["status draft → template", "title", "X text", "added Bluesky", "removed LinkedIn"]
        );
        assert!(before.changes_since(&before).is_empty());
    }

    #[test]
    fn a_variant_attaches_each_file_once_with_bounded_alt_text() {
        let id = AssetId::new();
        let twice = draft(serde_json::json!({"variants": [
            {"network": "x", "media": [{"asset_id": id}, {"asset_id": id, "alt_text": "a".repeat(1501)}]}
        ]}));
        let fields: Vec<String> = twice.check().err().unwrap().errors.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["variants[0].media[1]", "variants[0].media[1].alt_text"]);
        let cropped = draft(serde_json::json!({"variants": [
            {"network": "instagram", "media": [{"asset_id": id, "crop": "4:5", "alt_text": "A cup"}]}
        ]}));
        assert!(cropped.check().is_ok());
        assert_eq!(cropped.variants[0].media[0].crop, crate::media::Aspect::parse("4:5").ok());
        let bad_crop = serde_json::from_value::<PostDraft>(serde_json::json!({"variants": [
            {"network": "instagram", "media": [{"asset_id": id, "crop": "wide"}]}
        ]}));
        assert!(bad_crop.is_err(), "a crop that is no ratio is refused when read");
    }

    #[test]
    fn unknown_networks_are_refused_by_name() {
        let err = serde_json::from_value::<PostDraft>(serde_json::json!({"variants": [{"network": "myspace"}]}))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("myspace"), "{err}");
    }
}
