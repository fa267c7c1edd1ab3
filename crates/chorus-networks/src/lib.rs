//! Connectors: how Chorus publishes to, deletes from and checks an account on each social network, behind one
//! interface ([`Connector`]) so that the publishing job does not know one network from another.
//!
//! # Exactly once
//! A crash at any point must neither lose nor double a post. Every publication therefore carries a
//! [`PublishKey`], stable for the variant it comes from, and each connector uses it:
//! - where the network has its own idempotency, the key is handed to it, so a repeated [`Connector::publish`]
//!   finds the post already there and answers it instead of writing a second one (Bluesky: record keys derived
//!   from the key, written with "create only if absent"; Mastodon: an `Idempotency-Key` header per part);
//! - where it has none, [`Connector::find`] reads the account's recent posts back, and the job calls it before
//!   retrying an attempt whose outcome is unknown ([`PublishError::Unknown`]).
//!
//! What the job does after a failure is decided by the kind of [`PublishError`], never by its text.
//!
//! One folder per network: [`bluesky`], [`mastodon`].

pub mod bluesky;
pub mod mastodon;

use std::time::Duration;

use async_trait::async_trait;
use chorus_domain::VariantId;
pub use chorus_domain::post::ReplyControl;
use chorus_domain::post::Variant;
pub use chorus_domain::post::Visibility;
pub use chorus_text::networks::Network;
use serde::{Deserialize, Serialize};

/// What to publish, built by the caller from a variant with its media already rendered for the network. It says
/// nothing about any one network: each connector maps it to its own records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outgoing {
    /// The text of the post (the first part of a thread), as written; connectors add their own markup
    /// (Bluesky: facets for links, mentions and hashtags).
    pub text: String,
    /// A link shared with the post, shown as a card where the network has them and there is no media.
    pub link: Option<LinkPreview>,
    /// Images (or videos) of the first part, in order.
    pub media: Vec<OutgoingMedia>,
    /// Further parts of a thread, in order, each published as a reply to the one before.
    pub thread: Vec<String>,
    /// The post's language(s) as ISO 639-1 codes, e.g. "en".
    pub languages: Vec<String>,
    /// Who may reply.
    pub reply_control: ReplyControl,
    /// Who may see it, where the network lets the author choose (Mastodon: public, unlisted, followers only or
    /// only the people mentioned).
    pub visibility: Visibility,
    /// A warning shown in place of the text until the reader opens it (Mastodon's content warning); empty means
    /// none.
    pub content_warning: String,
}

impl Outgoing {
    /// What a variant publishes, with its media already rendered for the network (in the variant's order, alt
    /// texts resolved). Its link gets a card without title or description; set [`Outgoing::link`] for more.
    pub fn from_variant(variant: &Variant, media: Vec<OutgoingMedia>) -> Self {
        let link = variant.link.trim();
        Self {
            text: variant.text.clone(),
            link: (!link.is_empty()).then(|| LinkPreview { url: link.to_string(), ..LinkPreview::default() }),
            media,
            thread: variant.thread.clone(),
            languages: variant.options.languages.clone(),
            reply_control: variant.options.reply_control,
            visibility: variant.options.visibility,
            content_warning: variant.options.content_warning.clone(),
        }
    }

    /// The texts of every part of the thread, the post itself first.
    pub fn parts(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.text.as_str()).chain(self.thread.iter().map(String::as_str))
    }
}

/// A link and what its card shows. Chorus does not fetch the page at publish time: the title, description and
/// thumbnail are what the caller saved with the post.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkPreview {
    /// The absolute http(s) address.
    pub url: String,
    pub title: String,
    pub description: String,
    /// A small image for the card (Bluesky: at most 1,000,000 bytes).
    pub thumbnail: Option<OutgoingMedia>,
}

/// One rendered file to attach.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct OutgoingMedia {
    pub bytes: Vec<u8>,
    /// The media type, e.g. `image/jpeg`.
    pub media_type: String,
    /// The alt text; empty means none.
    pub alt_text: String,
    /// Size in pixels of the rendered file, for the aspect ratio networks show before loading it.
    pub width: u32,
    pub height: u32,
}

impl std::fmt::Debug for OutgoingMedia {
    // Bytes would flood every log line and failed assertion that prints an Outgoing.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutgoingMedia")
            .field("bytes", &format_args!("{} bytes", self.bytes.len()))
            .field("media_type", &self.media_type)
            .field("alt_text", &self.alt_text)
            .field("width", &self.width)
            .field("height", &self.height)
            .finish()
    }
}

/// What makes a publication the same one when it is tried again: the variant it comes from. Connectors derive
/// their network's idempotency keys from it, so it must not change between attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PublishKey(pub uuid::Uuid);

impl PublishKey {
    pub const fn from_variant(variant: VariantId) -> Self {
        Self(variant.as_uuid())
    }
}

impl From<VariantId> for PublishKey {
    fn from(variant: VariantId) -> Self {
        Self::from_variant(variant)
    }
}

/// A post on its network: what to show (its address) and what to keep to delete it later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Published {
    /// The network's id of the post (of the first part of a thread), e.g. an `at://` URI on Bluesky.
    pub remote_id: String,
    /// Where people see it on the web.
    pub url: String,
    /// Every record written for it, the post itself first, then each further part of a thread in order, so
    /// that deleting removes all of them.
    pub parts: Vec<RemoteRef>,
}

/// One record on a network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteRef {
    /// The network's id for it (Bluesky: the `at://` URI).
    pub id: String,
    /// Its web address, where it has one of its own.
    pub url: String,
}

/// Whether an account can still be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// The credentials work; `account` is the name the network shows for it (Bluesky: the handle).
    Healthy { account: String },
    /// The credentials were refused (expired, revoked, wrong): someone must connect the account again.
    NeedsReauthorization { reason: String },
}

/// Why a call to a network failed, sorted by what the job should do about it. Each kind carries a reason in
/// words, for the person who reads the post's history.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublishError {
    /// Nothing was written (or writing again is safe): try again later, after `retry_after` when the network
    /// said how long (a rate limit).
    #[error("temporary failure: {reason}")]
    Transient { retry_after: Option<Duration>, reason: String },
    /// The network refused the content or the request; trying again would fail the same way.
    #[error("refused: {reason}")]
    Permanent { reason: String },
    /// The credentials were refused: the account must be connected again before anything is published.
    #[error("the account must be connected again: {reason}")]
    Reauthorize { reason: String },
    /// The request may have reached the network (a timeout after sending, a connection dropped mid-answer): call
    /// [`Connector::find`] before trying again.
    #[error("unknown outcome: {reason}")]
    Unknown { reason: String },
}

impl PublishError {
    pub fn transient(reason: impl Into<String>) -> Self {
        Self::Transient { retry_after: None, reason: reason.into() }
    }
    pub fn permanent(reason: impl Into<String>) -> Self {
        Self::Permanent { reason: reason.into() }
    }
    pub fn reauthorize(reason: impl Into<String>) -> Self {
        Self::Reauthorize { reason: reason.into() }
    }
    pub fn unknown(reason: impl Into<String>) -> Self {
        Self::Unknown { reason: reason.into() }
    }

    /// The reason in words, without the kind.
    pub fn reason(&self) -> &str {
        match self {
            Self::Transient { reason, .. }
            | Self::Permanent { reason }
            | Self::Reauthorize { reason }
            | Self::Unknown { reason } => reason,
        }
    }
}

/// The credentials of a connected account, one kind per network. Stored encrypted by the caller; a connector
/// keeps the sessions it makes from them in memory.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "network", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Credentials {
    Bluesky(bluesky::Credentials),
    Mastodon(mastodon::Credentials),
}

impl Credentials {
    pub fn network(&self) -> Network {
        match self {
            Self::Bluesky(_) => Network::Bluesky,
            Self::Mastodon(_) => Network::Mastodon,
        }
    }
}

impl std::fmt::Debug for Credentials {
    // Never print a secret, even in a debug log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Bluesky(credentials) => f.debug_tuple("Bluesky").field(credentials).finish(),
            Self::Mastodon(credentials) => f.debug_tuple("Mastodon").field(credentials).finish(),
        }
    }
}

/// One network's way to publish. Implementations are cheap to share (`Arc<dyn Connector>`) and keep their
/// sessions per account inside, refreshing them as the network requires.
#[async_trait]
pub trait Connector: Send + Sync {
    /// The network this connector speaks to.
    fn network(&self) -> Network;

    /// Publishes `post` for `account` once: calling it again with the same `key` (after a crash, a timeout, an
    /// `Unknown` error) answers the post already published instead of writing another, and completes a thread
    /// whose first parts were written, where the network lets the connector tell.
    async fn publish(
        &self,
        account: &Credentials,
        key: &PublishKey,
        post: &Outgoing,
    ) -> Result<Published, PublishError>;

    /// Reads back whether the post of `key` is on the network, complete: `None` if it is not there, or only
    /// partly (a thread cut short), in which case `publish` is what completes it.
    async fn find(
        &self,
        account: &Credentials,
        key: &PublishKey,
        post: &Outgoing,
    ) -> Result<Option<Published>, PublishError>;

    /// Deletes every part of a published post. Deleting what is already gone is not an error.
    async fn delete(&self, account: &Credentials, published: &Published) -> Result<(), PublishError>;

    /// Whether the account's credentials still work. An `Err` means the check itself could not be made.
    async fn health(&self, account: &Credentials) -> Result<Health, PublishError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_variant_becomes_what_is_published() {
        let variant = Variant {
            id: VariantId::new(),
            network: Network::Bluesky,
            text: "Hello".into(),
            link: " https://example.com/a ".into(),
            first_comment: String::new(),
            thread: vec!["two".into(), "three".into()],
            media: Vec::new(),
            options: chorus_domain::post::VariantOptions {
                languages: vec!["en".into()],
                reply_control: ReplyControl::Following,
                visibility: Visibility::Unlisted,
                content_warning: "spoilers".into(),
                ..Default::default()
            },
        };
        let outgoing = Outgoing::from_variant(&variant, Vec::new());
        assert_eq!(outgoing.parts().collect::<Vec<_>>(), ["Hello", "two", "three"]);
        assert_eq!(outgoing.link.map(|l| l.url).as_deref(), Some("https://example.com/a"));
        assert_eq!((outgoing.languages, outgoing.reply_control), (vec!["en".to_string()], ReplyControl::Following));
        assert_eq!((outgoing.visibility, outgoing.content_warning.as_str()), (Visibility::Unlisted, "spoilers"));
        assert_eq!(PublishKey::from(variant.id).0, variant.id.as_uuid());
    }
}
