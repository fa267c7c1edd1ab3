//! The JSON the test server answers with: the entities of the Mastodon API (`Account`, `CredentialAccount`,
//! `CredentialApplication`, `Token`, `MediaAttachment`, `Status`, `ScheduledStatus`, `Instance`, `Notification`,
//! `Error`), each with every attribute the description requires, shaped as its documented examples. The values are our
//! own, pointing at the test server's address.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::{App, Config, Media, Stored};

/// Mastodon's timestamp format, `2019-12-05T11:34:47.196Z`.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The `Error` entity.
pub fn error(message: &str) -> Value {
    json!({ "error": message })
}

/// The `Error` entity of the OAuth endpoints, with its `error_description`.
pub fn oauth_error(error: &str, description: &str) -> Value {
    json!({ "error": error, "error_description": description })
}

/// The signed-in user as an `Account`.
pub fn account(base: &str, config: &Config, statuses_count: usize) -> Value {
    let username = &config.username;
    json!({
        "id": config.account_id,
        "username": username,
        "acct": username,
        "display_name": config.display_name,
        "locked": false,
        "bot": false,
        "discoverable": true,
        "indexable": true,
        "group": false,
        "created_at": "2022-11-07T09:30:00.000Z",
        "note": "<p>The account the Chorus tests publish as.</p>",
        "url": format!("{base}/@{username}"),
        "uri": format!("{base}/users/{username}"),
        "avatar": format!("{base}/avatars/original/missing.png"),
        "avatar_static": format!("{base}/avatars/original/missing.png"),
        "header": format!("{base}/headers/original/missing.png"),
        "header_static": format!("{base}/headers/original/missing.png"),
        "followers_count": 120,
        "following_count": 45,
        "statuses_count": statuses_count,
        "last_status_at": null,
        "hide_collections": false,
        "noindex": false,
        "emojis": [],
        "roles": [],
        "fields": [],
    })
}

/// The signed-in user as a `CredentialAccount`: an `Account` with `source` and `role`.
pub fn credential_account(base: &str, config: &Config, statuses_count: usize) -> Value {
    let mut value = account(base, config, statuses_count);
    value["source"] = json!({
        "privacy": "public",
        "sensitive": false,
        "language": "en",
        "note": "The account the Chorus tests publish as.",
        "fields": [],
        "follow_requests_count": 0,
        "indexable": true,
        "discoverable": true,
        "hide_collections": false,
        "attribution_domains": [],
    });
    value["role"] = json!({ "id": "-99", "name": "", "permissions": "65536", "color": "", "highlighted": false });
    value
}

/// Another account on the instance, for notifications and conversations.
pub fn other_account(base: &str, id: &str, username: &str) -> Value {
    let config = Config { username: username.to_string(), account_id: id.to_string(), ..Config::default() };
    let mut value = account(base, &config, 3);
    value["display_name"] = json!(username);
    value
}

/// A registered app as a `CredentialApplication`.
pub fn credential_application(app: &App) -> Value {
    json!({
        "id": app.id,
        "name": app.name,
        "website": app.website,
        "scopes": app.scopes,
        "redirect_uri": app.redirect_uris.join("\n"),
        "redirect_uris": app.redirect_uris,
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "client_secret_expires_at": 0,
        "vapid_key": "BCk-QqERU0q-CfYZjcuB6lnyyOYfJ2AifKqfeGIm7Z-HiTU5T9eTG5GxVA0_OH5mMlI4UkkDTpaZwozy0TzdZ2M=",
    })
}

/// A `Token`, with the refresh token when one was issued.
pub fn token(access: &str, scopes: &[String], created_at: DateTime<Utc>, refresh: Option<&str>) -> Value {
    let mut value = json!({
        "access_token": access,
        "token_type": "Bearer",
        "scope": scopes.join(" "),
        "created_at": created_at.timestamp(),
    });
    if let Some(refresh) = refresh {
        value["refresh_token"] = json!(refresh);
        value["expires_in"] = json!(7 * 24 * 3600);
    }
    value
}

/// A `MediaAttachment`; `url` is null while the file is processing.
pub fn media(base: &str, media: &Media) -> Value {
    let original = format!("{base}/system/media_attachments/files/{}/original/{}", media.id, media.file_name);
    let small = format!("{base}/system/media_attachments/files/{}/small/{}", media.id, media.file_name);
    let mut meta = json!({});
    if let Some((x, y)) = media.focus {
        meta["focus"] = json!({ "x": x, "y": y });
    }
    if let Some((width, height)) = media.dimensions {
        meta["original"] = json!({
            "width": width,
            "height": height,
            "size": format!("{width}x{height}"),
            "aspect": f64::from(width) / f64::from(height.max(1)),
        });
    }
    json!({
        "id": media.id,
        "type": media.kind,
        "url": if media.polls_left > 0 { Value::Null } else { json!(original) },
        "preview_url": small,
        "remote_url": null,
        "text_url": format!("{base}/media/{}", media.id),
        "meta": meta,
        "description": media.description,
        "blurhash": "UFBWY:8_0Jxv4mx]t8t64.%M-:IUWGWAt6M}",
    })
}

/// A posted status as a `Status`; with `with_source`, also its `text` (as the answer to a deletion has it).
pub fn status(base: &str, config: &Config, stored: &Stored, media: &[Value], with_source: bool) -> Value {
    let username = &config.username;
    let mut value = json!({
        "id": stored.status.id,
        "created_at": timestamp(stored.status.created_at),
        "in_reply_to_id": stored.status.in_reply_to_id,
        "in_reply_to_account_id": stored.status.in_reply_to_id.as_ref().map(|_| config.account_id.clone()),
        "sensitive": stored.status.sensitive,
        "spoiler_text": stored.status.spoiler_text,
        "visibility": stored.status.visibility,
        "language": stored.status.language,
        "uri": format!("{base}/users/{username}/statuses/{}", stored.status.id),
        "url": format!("{base}/@{username}/{}", stored.status.id),
        "replies_count": 0,
        "reblogs_count": 0,
        "favourites_count": 0,
        "quotes_count": 0,
        "edited_at": null,
        "favourited": false,
        "reblogged": false,
        "muted": false,
        "bookmarked": false,
        "pinned": false,
        "content": html(&stored.status.text),
        "filtered": [],
        "reblog": null,
        "application": { "name": stored.application, "website": null },
        "account": account(base, config, 0),
        "media_attachments": media,
        "mentions": [],
        "tags": [],
        "emojis": [],
        "quote": null,
        "card": null,
        "poll": null,
    });
    if with_source {
        value["text"] = json!(stored.status.text);
    }
    value
}

/// A status scheduled for later as a `ScheduledStatus`.
pub fn scheduled_status(stored: &Stored, scheduled_at: DateTime<Utc>, media: &[Value]) -> Value {
    let status = &stored.status;
    json!({
        "id": status.id,
        "scheduled_at": timestamp(scheduled_at),
        "params": {
            "text": status.text,
            "visibility": status.visibility,
            "idempotency": status.idempotency_key,
            "in_reply_to_id": status.in_reply_to_id.as_ref().and_then(|id| id.parse::<i64>().ok()),
            "language": status.language,
            "media_ids": if status.media_ids.is_empty() { Value::Null } else { json!(status.media_ids) },
            "poll": null,
            "scheduled_at": null,
            "sensitive": status.sensitive,
            "spoiler_text": status.spoiler_text,
            "application_id": 1,
            "with_rate_limit": false,
        },
        "media_attachments": media,
    })
}

/// The instance as an `Instance` (`GET /api/v2/instance`), with the configured limits.
pub fn instance(base: &str, domain: &str, config: &Config) -> Value {
    json!({
        "domain": domain,
        "title": config.title,
        "version": config.version,
        "source_url": "https://github.com/mastodon/mastodon",
        "description": "A Mastodon server for the Chorus tests.",
        "usage": { "users": { "active_month": 3 } },
        "thumbnail": { "url": format!("{base}/site_uploads/thumbnail.png") },
        "icon": [],
        "languages": ["en"],
        "configuration": {
            "urls": {
                "streaming": format!("{}/streaming", base.replacen("http", "ws", 1)),
                "status": null,
                "about": format!("{base}/about"),
                "privacy_policy": format!("{base}/privacy-policy"),
                "terms_of_service": null,
            },
            "vapid": { "public_key": "BCk-QqERU0q-CfYZjcuB6lnyyOYfJ2AifKqfeGIm7Z-HiTU5T9eTG5GxVA0_OH5mMlI4UkkDTpaZwozy0TzdZ2M=" },
            "accounts": { "max_featured_tags": 10, "max_pinned_statuses": 5 },
            "statuses": {
                "max_characters": config.max_characters,
                "max_media_attachments": config.max_media_attachments,
                "characters_reserved_per_url": config.characters_reserved_per_url,
            },
            "media_attachments": {
                "description_limit": config.description_limit,
                "image_matrix_limit": config.image_matrix_limit,
                "image_size_limit": config.image_size_limit,
                "supported_mime_types": config.supported_mime_types,
                "video_frame_rate_limit": config.video_frame_rate_limit,
                "video_matrix_limit": config.video_matrix_limit,
                "video_size_limit": config.video_size_limit,
            },
            "polls": {
                "max_options": 4,
                "max_characters_per_option": 50,
                "min_expiration": 300,
                "max_expiration": 2_629_746,
            },
            "translation": { "enabled": false },
            "limited_federation": false,
        },
        "registrations": { "enabled": false, "approval_required": false, "reason_required": false, "message": null, "min_age": null, "url": null },
        "api_versions": { "mastodon": 7 },
        "contact": { "email": format!("admin@{domain}"), "account": null },
        "rules": [],
    })
}

/// A `mention` notification of `status` (a status by `from`).
pub fn mention_notification(id: &str, created_at: DateTime<Utc>, from: Value, status: Value) -> Value {
    json!({
        "id": id,
        "type": "mention",
        "group_key": format!("ungrouped-{id}"),
        "created_at": timestamp(created_at),
        "account": from,
        "status": status,
    })
}

/// Status text as Mastodon renders it: paragraphs at blank lines, `<br />` at line breaks, HTML escaped.
pub fn html(text: &str) -> String {
    if text.trim().is_empty() {
        return String::new();
    }
    text.split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| format!("<p>{}</p>", escape(p.trim_matches('\n')).replace('\n', "<br />")))
        .collect()
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
