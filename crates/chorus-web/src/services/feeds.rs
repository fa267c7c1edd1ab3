//! RSS and Atom feeds turned into draft posts.
//!
//! A check fetches the feed through the SSRF-safe fetcher, reads it (RSS 0.9/1.0/2.0, Atom or JSON Feed),
//! records every article as seen — by its guid or id, else its link, else a hash of its title and date — and
//! makes a draft of each article not seen before: the feed's template filled with the article's title and link,
//! for the feed's networks, with the article's image (from the feed itself: `media:content`, an enclosure or a
//! `media:thumbnail`; pages are never scraped) downloaded into the client's media library. The first check of
//! a feed drafts only its newest few articles and marks the rest as seen.
//!
//! The background job [`PollFeeds`] checks the feeds that are due; "check now" runs the same [`run_check`].

use std::fmt::Write as _;

use chorus_domain::feed::MAX_CONSECUTIVE_FAILURES;
use chorus_domain::post::MAX_TITLE_CHARS;
use chorus_domain::{
    Action, Actor, ClientId, Denied, Feed, FeedCheck, FeedFields, FeedId, FeedItem, NewFeedItem, PostDraft, PostStatus,
    VariantDraft, VariantMedia, VariantOptions, authorize,
};
use chorus_fetch::{FetchError, check_url};
use chorus_jobs::{Job, JobContext, JobError};
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{AppError, AppResult, AppState};

/// The largest feed document read.
pub const MAX_FEED_BYTES: u64 = 5 * 1024 * 1024;
/// The largest article image downloaded; larger ones leave the draft without an image.
pub const MAX_IMAGE_BYTES: u64 = 20 * 1024 * 1024;
/// Feeds one run of [`PollFeeds`] checks at most; the rest wait for the next run (a minute later).
const FEEDS_PER_POLL: u32 = 10;
/// How long a feed taken by a poll is held from other workers while it is checked: longer than a poll can take
/// (each check is bounded by the fetch timeout and [`IMAGE_BUDGET`]).
const CHECK_HOLD: TimeDelta = TimeDelta::minutes(60);
/// The time one check may spend downloading images; articles after it get drafts without theirs.
const IMAGE_BUDGET: std::time::Duration = std::time::Duration::from_secs(120);
/// Articles drafted from one check at most, so a feed that suddenly lists hundreds does not flood the drafts.
const MAX_DRAFTS_PER_CHECK: usize = 50;
/// How much of an article's summary `{summary}` brings into a draft.
const MAX_SUMMARY_CHARS: usize = 500;
/// Seen items shown for a feed.
pub const ITEMS_SHOWN: u32 = 100;

fn may_edit(actor: &Actor, client: ClientId, what: &'static str) -> AppResult<()> {
    authorize(actor, Action::EditContent(client)).map_err(|denied| match denied {
        Denied::NotFound => AppError::NotFound(what),
        other => other.into(),
    })
}

/// The client's feeds, for anyone who sees the client.
pub async fn feeds(state: &AppState, actor: &Actor, client: ClientId) -> AppResult<Vec<Feed>> {
    super::client(state, actor, client).await?;
    Ok(state.store.list_feeds(actor.organization, client).await?)
}

/// A feed, if the actor sees its client.
pub async fn feed(state: &AppState, actor: &Actor, id: FeedId) -> AppResult<Feed> {
    let feed = state.store.feed(actor.organization, id).await?;
    authorize(actor, Action::ViewClient(feed.client_id)).map_err(|_| AppError::NotFound("feed"))?;
    Ok(feed)
}

async fn feed_to_change(state: &AppState, actor: &Actor, id: FeedId) -> AppResult<Feed> {
    let feed = feed(state, actor, id).await?;
    may_edit(actor, feed.client_id, "feed")?;
    Ok(feed)
}

/// Checks what a person set, including that the address is one the fetcher would ever fetch.
fn checked(state: &AppState, fields: FeedFields) -> AppResult<FeedFields> {
    let fields = fields.check()?;
    check_url(&fields.url, state.fetcher.policy()).map_err(|e| AppError::invalid("url", e.to_string()))?;
    Ok(fields)
}

pub async fn create(state: &AppState, actor: &Actor, client: ClientId, fields: FeedFields) -> AppResult<Feed> {
    may_edit(actor, client, "client")?;
    let fields = checked(state, fields)?;
    Ok(state.store.create_feed(actor.organization, client, &fields, actor.person).await?)
}

pub async fn update(state: &AppState, actor: &Actor, id: FeedId, fields: FeedFields) -> AppResult<Feed> {
    feed_to_change(state, actor, id).await?;
    let fields = checked(state, fields)?;
    Ok(state.store.update_feed(actor.organization, id, &fields).await?)
}

/// Pauses or resumes a feed; a resumed feed is checked again soon and its failures are forgotten.
pub async fn set_paused(state: &AppState, actor: &Actor, id: FeedId, paused: bool) -> AppResult<Feed> {
    feed_to_change(state, actor, id).await?;
    Ok(state.store.set_feed_paused(actor.organization, id, paused, "", Utc::now()).await?)
}

pub async fn delete(state: &AppState, actor: &Actor, id: FeedId) -> AppResult<()> {
    feed_to_change(state, actor, id).await?;
    Ok(state.store.delete_feed(actor.organization, id).await?)
}

/// The articles seen in the feed, most recent first.
pub async fn items(state: &AppState, actor: &Actor, id: FeedId) -> AppResult<Vec<FeedItem>> {
    feed(state, actor, id).await?;
    Ok(state.store.feed_items(actor.organization, id, ITEMS_SHOWN).await?)
}

/// What one check did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CheckOutcome {
    /// The drafts made.
    pub drafts: usize,
    /// Whether the check failed; `result` says why.
    pub failed: bool,
    /// In words, as shown on the feed: "3 new drafts", or what went wrong.
    pub result: String,
    /// The feed as it is after the check.
    pub feed: Feed,
}

/// Checks the feed now, whether it is due or paused, and records the result like a scheduled check.
pub async fn check_now(state: &AppState, actor: &Actor, id: FeedId) -> AppResult<CheckOutcome> {
    let feed = feed_to_change(state, actor, id).await?;
    run_check(state, &feed, Utc::now()).await
}

/// Checks a feed and records the result on it. Fails only when the result cannot be recorded; everything
/// else (an unreachable or malformed feed) is the check's result.
pub async fn run_check(state: &AppState, feed: &Feed, now: DateTime<Utc>) -> AppResult<CheckOutcome> {
    let (drafts, failed, result) = match check(state, feed, now).await {
        Ok(done) => (done.drafts, false, done.describe()),
        Err(problem) => (0, true, problem),
    };
    let check = FeedCheck { at: now, failed, result: result.clone() };
    let recorded = state.store.record_feed_check(feed.organization_id, feed.id, &check).await?;
    if recorded.paused && !feed.paused && recorded.consecutive_failures >= MAX_CONSECUTIVE_FAILURES {
        tracing::warn!(feed = %feed.id, "feed paused after {MAX_CONSECUTIVE_FAILURES} failed checks: {result}");
    }
    Ok(CheckOutcome { drafts, failed, result, feed: recorded })
}

/// What a successful check did, for its result line.
#[derive(Debug, Default)]
struct Done {
    articles: usize,
    drafts: usize,
    skipped_first: usize,
    image_problems: Vec<String>,
    too_many: usize,
    /// Articles that could not become a valid draft, and why.
    refused: Vec<String>,
}

impl Done {
    fn describe(&self) -> String {
        let mut text = match (self.articles, self.drafts) {
            (0, _) => "the feed has no articles".to_string(),
            (_, 0) => "no new articles".to_string(),
            (_, 1) => "1 new draft".to_string(),
            (_, n) => format!("{n} new drafts"),
        };
        if self.skipped_first > 0 {
            let _ = write!(text, "; {} older articles marked as seen without drafts", self.skipped_first);
        }
        if self.too_many > 0 {
            let _ = write!(
                text,
                "; {} more new articles were only marked as seen (at most {MAX_DRAFTS_PER_CHECK} drafts a check)",
                self.too_many
            );
        }
        match self.refused.as_slice() {
            [] => {}
            [one] => {
                let _ = write!(text, "; 1 article could not become a draft: {one}");
            }
            [first, ..] => {
                let _ = write!(text, "; {} articles could not become drafts (first: {first})", self.refused.len());
            }
        }
        match self.image_problems.as_slice() {
            [] => {}
            [one] => {
                let _ = write!(text, "; 1 draft has no image: {one}");
            }
            [first, ..] => {
                let _ = write!(text, "; {} drafts have no image (first: {first})", self.image_problems.len());
            }
        }
        text
    }
}

/// An article as read from a feed.
#[derive(Debug, Clone)]
struct Article {
    key: String,
    title: String,
    link: String,
    summary: String,
    published: Option<DateTime<Utc>>,
    image: Option<String>,
}

/// Whom the drafts and images of a feed are made by: the person who added the feed, with the role and clients
/// they have now. Someone who has left, or may no longer write the client's posts, stops their feeds: the check
/// fails with the reason, and after five failures the feed is paused for someone who may to take it over.
async fn feed_actor(state: &AppState, feed: &Feed) -> Result<Actor, String> {
    let gone = || {
        "the person who added this feed can no longer write this client's posts; someone who can should add it \
         again"
            .to_string()
    };
    let person = match state.store.person(feed.organization_id, feed.created_by).await {
        Ok(person) if person.is_active() => person,
        Ok(_) | Err(chorus_store::StoreError::NotFound(_)) => return Err(gone()),
        Err(e) => return Err(e.to_string()),
    };
    let actor = Actor::for_person(&person, None);
    if !actor.can(chorus_domain::Action::EditContent(feed.client_id)) {
        return Err(gone());
    }
    Ok(actor)
}

async fn check(state: &AppState, feed: &Feed, now: DateTime<Utc>) -> Result<Done, String> {
    let actor = feed_actor(state, feed).await?;
    let fetched = state.fetcher.get(&feed.url, MAX_FEED_BYTES).await.map_err(|e| e.to_string())?;
    if fetched.content_type.as_deref().is_some_and(|t| t == "text/html" || t == "application/xhtml+xml")
        && !looks_like_feed(&fetched.body)
    {
        return Err(format!(
            "{} is a web page, not a feed; give the address of its RSS or Atom feed (often linked as \"RSS\")",
            fetched.url
        ));
    }
    let mut articles = parse_feed(&fetched.body, fetched.url.as_str())?;
    // Newest first (a stable sort); undated articles go last, in the feed's own order.
    articles.sort_by_key(|a| std::cmp::Reverse(a.published));
    let mut done = Done { articles: articles.len(), ..Done::default() };
    if articles.is_empty() {
        return Ok(done);
    }
    let org = feed.organization_id;
    let first_check = state.store.feed_items(org, feed.id, 1).await.map_err(|e| e.to_string())?.is_empty();
    let limit = if first_check { feed.first_items as usize } else { MAX_DRAFTS_PER_CHECK };
    let items: Vec<NewFeedItem> = articles
        .iter()
        .enumerate()
        .map(|(i, a)| NewFeedItem {
            key: a.key.clone(),
            title: a.title.clone(),
            link: a.link.clone(),
            published_at: a.published,
            drafted: !first_check || i < limit,
        })
        .collect();
    let new_keys = state.store.claim_feed_items(org, feed.id, &items, now).await.map_err(|e| e.to_string())?;
    let mut to_draft = Vec::new();
    for (article, item) in articles.iter().zip(&items) {
        if !new_keys.contains(&item.key) {
            continue;
        }
        if !item.drafted {
            done.skipped_first += 1;
        } else if to_draft.len() >= limit {
            done.too_many += 1;
        } else {
            to_draft.push(article);
        }
    }
    if to_draft.is_empty() {
        return Ok(done);
    }

    let images_until = tokio::time::Instant::now() + IMAGE_BUDGET;
    let mut assets = Vec::new();
    let mut drafts = Vec::with_capacity(to_draft.len());
    for article in &to_draft {
        let text = feed.draft_text(&article.title, &article.link, &article.summary);
        let variant = |network: &chorus_domain::Network| VariantDraft {
            network: *network,
            text: text.clone(),
            link: article.link.clone(),
            first_comment: String::new(),
            thread: Vec::new(),
            media: Vec::new(),
            options: VariantOptions::default(),
        };
        let mut draft = PostDraft {
            status: PostStatus::Draft,
            title: article.title.clone(),
            base_text: text.clone(),
            pillar_id: feed.pillar_id,
            sponsored: false,
            variants: feed.networks.iter().map(variant).collect(),
        };
        // Checked before its image is fetched, so a draft that cannot be saved leaves no image behind.
        if let Err(invalid) = draft.check() {
            done.refused.push(format!("“{}”: {invalid}", article.title));
            continue;
        }
        if let Some(image) = &article.image {
            let downloaded =
                tokio::time::timeout_at(images_until, download_image(state, &actor, feed.client_id, image))
                    .await
                    .unwrap_or_else(|_| {
                        Err(format!(
                            "{image} was not fetched: this check spent its {} s for images",
                            IMAGE_BUDGET.as_secs()
                        ))
                    });
            match downloaded {
                Ok(asset) => {
                    let media = VariantMedia { asset_id: asset.id, alt_text: article.title.clone(), crop: None };
                    for variant in &mut draft.variants {
                        variant.media = vec![media.clone()];
                    }
                    assets.push(asset.id);
                }
                Err(problem) => done.image_problems.push(problem),
            }
        }
        drafts.push(draft);
    }
    if drafts.is_empty() {
        return Ok(done);
    }
    match state.store.create_posts(org, feed.client_id, &drafts, feed.created_by).await {
        Ok(ids) => {
            done.drafts = ids.len();
            Ok(done)
        }
        Err(e) => {
            // Nothing was stored: the articles are tried again next time, and their images go.
            let keys: Vec<String> = to_draft.iter().map(|a| a.key.clone()).collect();
            if let Err(forget) = state.store.forget_feed_items(org, feed.id, &keys).await {
                tracing::warn!(error = %forget, feed = %feed.id, "could not forget articles whose drafts failed");
            }
            for asset in assets {
                if let Err(cleanup) = super::media::delete(state, &actor, asset).await {
                    tracing::warn!(error = %cleanup, %asset, "could not remove the image of a draft that failed");
                }
            }
            Err(format!("the drafts could not be saved: {e}"))
        }
    }
}

/// Whether a body served as HTML is a feed all the same (some servers label every file text/html).
fn looks_like_feed(body: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&body[..body.len().min(1024)]).to_ascii_lowercase();
    head.contains("<rss") || head.contains("<feed") || head.contains("<rdf:rdf")
}

/// Downloads an article's image into the client's media library; says why not when it cannot.
async fn download_image(
    state: &AppState,
    actor: &Actor,
    client: ClientId,
    url: &str,
) -> Result<chorus_domain::Asset, String> {
    let max = MAX_IMAGE_BYTES.min(state.config.max_upload_bytes as u64);
    let fetched = state.fetcher.get(url, max).await.map_err(|e: FetchError| e.to_string())?;
    if let Some(kind) = fetched.content_type.as_deref().filter(|t| !t.starts_with("image/")) {
        return Err(format!("{url} is {kind}, not an image"));
    }
    let target = super::media::prepare_upload(state, actor, client).await.map_err(|e| e.to_string())?;
    let name = file_name(&fetched.url);
    super::media::upload(state, actor, &target, Some(&name), &fetched.body)
        .await
        .map_err(|e| format!("{url} cannot be used: {e}"))
}

/// The last part of a URL's path, e.g. `photo.jpg`, or `image` when there is none.
pub(crate) fn file_name(url: &url::Url) -> String {
    url.path_segments()
        .and_then(|mut segments| segments.next_back().map(str::to_string))
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "image".to_string())
}

/// Reads a feed document; a document that is no feed is an error saying so.
fn parse_feed(body: &[u8], url: &str) -> Result<Vec<Article>, String> {
    // An item without a guid or id gets an empty one here and its key below, so the key is the same on every
    // check (feed-rs would otherwise make up a random one).
    let parser = feed_rs::parser::Builder::new().base_uri(Some(url)).id_generator(|_, _, _| String::new()).build();
    let parsed = parser
        .parse(body)
        .map_err(|e| format!("{url} is not a feed Chorus can read (RSS, Atom or JSON Feed): {e}; check the address"))?;
    Ok(parsed
        .entries
        .into_iter()
        .map(|entry| {
            let title = entry.title.map(|t| shortened(&plain_text(&t.content), MAX_TITLE_CHARS)).unwrap_or_default();
            let link = entry
                .links
                .iter()
                .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
                .or(entry.links.first())
                .map(|l| l.href.trim().to_string())
                // Only a web address becomes the draft's link (never `javascript:` and the like).
                .filter(|l| url::Url::parse(l).is_ok_and(|u| matches!(u.scheme(), "http" | "https")))
                .unwrap_or_default();
            let published = entry.published.or(entry.updated);
            let key = if !entry.id.trim().is_empty() {
                entry.id.trim().to_string()
            } else if !link.is_empty() {
                link.clone()
            } else {
                let stamp = published.map(|p| p.to_rfc3339()).unwrap_or_default();
                format!("sha256:{:x}", Sha256::digest(format!("{title}\n{stamp}").as_bytes()))
            };
            let image = entry_image(&entry.media, &entry.links);
            let summary =
                entry.summary.map(|s| shortened(&plain_text(&s.content), MAX_SUMMARY_CHARS)).unwrap_or_default();
            Article { key, title, link, summary, published, image }
        })
        .collect())
}

/// The article's image as the feed gives it: an image in `media:content` (or an enclosure, which feed-rs
/// reads into the same place), else a `media:thumbnail`, else an Atom link of an image type.
fn entry_image(media: &[feed_rs::model::MediaObject], links: &[feed_rs::model::Link]) -> Option<String> {
    let content = media.iter().flat_map(|m| &m.content).find_map(|c| {
        let url = c.url.as_ref()?;
        let is_image = match &c.content_type {
            Some(kind) => kind.to_string().starts_with("image/"),
            None => looks_like_image_url(url.as_str()),
        };
        is_image.then(|| url.to_string())
    });
    let thumbnail = || media.iter().flat_map(|m| &m.thumbnails).map(|t| t.image.uri.clone()).next();
    let linked = || {
        links.iter().find(|l| l.media_type.as_deref().is_some_and(|t| t.starts_with("image/"))).map(|l| l.href.clone())
    };
    content.or_else(thumbnail).or_else(linked).filter(|u| !u.trim().is_empty())
}

/// `text` cut to at most `max` characters, with an ellipsis when it was cut.
fn shortened(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

fn looks_like_image_url(url: &str) -> bool {
    let path = url.split(['?', '#']).next().unwrap_or_default().to_ascii_lowercase();
    [".jpg", ".jpeg", ".png", ".gif", ".webp"].iter().any(|ext| path.ends_with(ext))
}

/// Text without HTML tags, entities of the common kinds decoded and white space collapsed: titles and summaries
/// of many feeds carry markup a post must not show.
fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The periodic check: takes the feeds that are due (across organizations) and checks each. Enqueued every
/// minute by the server (see `chorus serve`); the store hands each due feed to one worker only, so several
/// processes enqueueing it do not check a feed twice.
///
/// Needs the web layer's [`AppState`] as a worker extension (`Worker::with_extension(state)`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PollFeeds {}

impl Job for PollFeeds {
    const KIND: &'static str = "poll_feeds";
    // The next run comes a minute later anyway.
    const MAX_ATTEMPTS: u32 = 1;

    /// One poll at a time is queued: a poll that is slow or waiting for a worker does not collect a pile of
    /// copies behind it, one per minute.
    fn unique_key(&self) -> Option<String> {
        Some("poll-feeds".to_owned())
    }

    async fn run(self, ctx: &JobContext) -> Result<(), JobError> {
        let state = ctx
            .extension::<AppState>()
            .ok_or_else(|| JobError::permanent("the worker was built without the web state feeds need"))?;
        let now = ctx.now();
        // A database that is briefly away is no reason to bury the job: the next poll comes a minute later.
        let due = match ctx.store().claim_due_feeds(now, now + CHECK_HOLD, FEEDS_PER_POLL).await {
            Ok(due) => due,
            Err(e) => {
                tracing::warn!(error = %e, "could not look for feeds that are due; trying again at the next poll");
                return Ok(());
            }
        };
        for feed in due {
            match run_check(state, &feed, now).await {
                Ok(outcome) => {
                    tracing::info!(feed = %feed.id, drafts = outcome.drafts, failed = outcome.failed, "{}", outcome.result)
                }
                Err(e) => tracing::warn!(feed = %feed.id, error = %e, "could not record a feed check"),
            }
        }
        Ok(())
    }
}

/// How often the server enqueues [`PollFeeds`].
pub const POLL_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_removed_from_titles() {
        assert_eq!(plain_text("<b>Big</b> &amp; <i>bold</i>&nbsp;news\n"), "Big & bold news");
    }

    #[test]
    fn items_without_ids_are_keyed_by_link_or_title_and_date() {
        let rss = br#"<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
            <item><title>With link</title><link>https://blog.example/a</link></item>
            <item><title>Bare</title><pubDate>Sun, 22 Nov 2026 10:00:00 GMT</pubDate></item>
            <item><guid>urn:id:7</guid><title>With guid</title><link>https://blog.example/c</link></item>
            </channel></rss>"#;
        let first = parse_feed(rss, "https://blog.example/feed").unwrap();
        let again = parse_feed(rss, "https://blog.example/feed").unwrap();
        let keys: Vec<&str> = first.iter().map(|a| a.key.as_str()).collect();
        assert_eq!(keys[0], "https://blog.example/a");
        assert!(keys[1].starts_with("sha256:"), "{keys:?}");
        assert_eq!(keys[2], "urn:id:7");
        assert_eq!(keys, again.iter().map(|a| a.key.as_str()).collect::<Vec<_>>(), "stable across checks");
    }

    #[test]
    fn links_are_web_addresses_and_titles_are_bounded() {
        let long = "word ".repeat(200);
        let rss = format!(
            "<rss version=\"2.0\"><channel><title>T</title><item><guid>1</guid><title>{long}</title>\
             <link>javascript:alert(1)</link></item></channel></rss>"
        );
        let articles = parse_feed(rss.as_bytes(), "https://blog.example/feed").unwrap();
        assert_eq!(articles[0].link, "");
        assert_eq!(articles[0].title.chars().count(), MAX_TITLE_CHARS);
        assert!(articles[0].title.ends_with('…'));
    }

    #[test]
    fn a_document_that_is_no_feed_says_so() {
        let error = parse_feed(b"<html><body>hi</body></html>", "https://blog.example/").unwrap_err();
        assert!(error.contains("is not a feed Chorus can read"), "{error}");
    }
}
