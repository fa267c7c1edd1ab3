//! Asset requests: a manager sends a client a secret link, and whoever holds it uploads photos and videos into that
//! client's media library without an account.
//!
//! The link carries 256 random bits from the OS (see [`tokens::random_secret`]); only their SHA-256 is stored, as
//! for invitations and API tokens. An upload through a link is an upload by the person who made the request, and
//! goes through exactly the checks of [`media::upload`]; every upload re-checks that the link is open and that its
//! creator may still edit the client's content, so taking their access away closes their links at once.

use chorus_domain::asset_request::{CheckedRequest, parse_note};
use chorus_domain::{
    Action, Actor, Asset, AssetId, AssetRequest, AssetRequestFields, AssetRequestId, AssetRequestStatus,
    AssetRequestUpload, ClientId, Denied, UploaderName, authorize,
};
use chorus_store::StoreError;
use chrono::{DateTime, Utc};

use super::media::{self, UploadTarget};
use crate::auth::tokens;
use crate::{AppError, AppResult, AppState};

/// The path of a link's public page, below the installation's address.
pub const PUBLIC_PATH: &str = "/upload/";

/// Refusals to change a client's requests: a client out of reach is "not found" as `what`.
fn may_edit(actor: &Actor, client: ClientId, what: &'static str) -> AppResult<()> {
    authorize(actor, Action::EditContent(client)).map_err(|denied| match denied {
        Denied::NotFound => AppError::NotFound(what),
        other => other.into(),
    })
}

/// Sends a request for files: returns it and its link, which holds the secret and is shown only this once.
pub async fn create(
    state: &AppState,
    actor: &Actor,
    client_id: ClientId,
    fields: &AssetRequestFields,
    base_url: &str,
) -> AppResult<(AssetRequest, String)> {
    may_edit(actor, client_id, "client")?;
    let client = state.store.client(actor.organization, client_id).await?;
    if client.archived_at.is_some() {
        return Err(AppError::Conflict {
            field: "client",
            message: "this client is archived; restore it before asking it for files".into(),
        });
    }
    let now = Utc::now();
    let CheckedRequest { message, folder, max_files, expires_at } = fields.check(now)?;
    // Written as the library writes folder paths, so uploads land in the folder the library shows.
    let folder = folder.map(|f| chorus_domain::folder_path(&f)).transpose()?.filter(|f| !f.is_empty());
    let request = AssetRequest {
        id: AssetRequestId::new(),
        organization_id: actor.organization,
        client_id,
        message,
        folder,
        max_files,
        files_received: 0,
        created_by: actor.person,
        created_at: now,
        expires_at,
        revoked_at: None,
    };
    let secret = tokens::random_secret();
    let request =
        state.store.create_asset_request(actor.organization, client_id, &request, &tokens::hash(&secret)).await?;
    Ok((request, format!("{}{PUBLIC_PATH}{secret}", base_url.trim_end_matches('/'))))
}

/// The client's requests, newest first.
pub async fn list(state: &AppState, actor: &Actor, client_id: ClientId) -> AppResult<Vec<AssetRequest>> {
    super::client(state, actor, client_id).await?;
    Ok(state.store.list_asset_requests(actor.organization, client_id).await?)
}

/// A request, if the actor sees its client.
pub async fn get(state: &AppState, actor: &Actor, id: AssetRequestId) -> AppResult<AssetRequest> {
    let request = state.store.asset_request(actor.organization, id).await?;
    authorize(actor, Action::ViewClient(request.client_id)).map_err(|_| AppError::NotFound("asset request"))?;
    Ok(request)
}

/// The files that came in through a request and are still in the library, in the order they came.
pub async fn uploads(state: &AppState, actor: &Actor, id: AssetRequestId) -> AppResult<Vec<AssetRequestUpload>> {
    let request = get(state, actor, id).await?;
    Ok(state.store.asset_request_uploads(actor.organization, request.id).await?)
}

/// Which of `assets` came in through a request, and from whom: for marking them in the media library.
pub async fn origins(state: &AppState, actor: &Actor, assets: &[AssetId]) -> AppResult<Vec<AssetRequestUpload>> {
    Ok(state.store.asset_origins(actor.organization, assets).await?)
}

/// Withdraws a request: its link stops working at once. Withdrawing twice is harmless.
pub async fn revoke(state: &AppState, actor: &Actor, id: AssetRequestId) -> AppResult<AssetRequest> {
    let request = get(state, actor, id).await?;
    may_edit(actor, request.client_id, "asset request")?;
    Ok(state.store.revoke_asset_request(actor.organization, request.client_id, id, Utc::now()).await?)
}

// ---- the public link ---------------------------------------------------------------------------------------

/// Why a link that exists takes no files; the public page says which in words that reveal nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    Expired(DateTime<Utc>),
    Revoked,
    Full(u32),
    /// The client was archived or the person who sent the link can no longer add to its library: not the
    /// uploader's business which.
    Unavailable,
}

/// A link that takes files now, and what its page shows.
pub struct OpenLink {
    pub request: AssetRequest,
    /// The client's name: the one thing of the organization the page shows.
    pub client_name: String,
    /// The request's creator, as whom uploads are made.
    creator: Actor,
    target: UploadTarget,
}

/// What a link leads to.
pub enum Link {
    Open(Box<OpenLink>),
    Closed(Closed),
    /// No link has this secret: a typo, or a guess.
    Unknown,
}

/// Looks a link up by its secret and checks that it takes files at `now`: not revoked, not expired, not full,
/// its client not archived, its creator still active and allowed to add to the client's library.
pub async fn open(state: &AppState, secret: &str, now: DateTime<Utc>) -> AppResult<Link> {
    // A secret is 43 URL-safe characters; anything else is not worth a database query.
    if secret.len() > 64 || !secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Ok(Link::Unknown);
    }
    let Some(request) = state.store.asset_request_by_hash(&tokens::hash(secret)).await? else {
        return Ok(Link::Unknown);
    };
    match request.status(now) {
        AssetRequestStatus::Open => {}
        AssetRequestStatus::Expired => return Ok(Link::Closed(Closed::Expired(request.expires_at))),
        AssetRequestStatus::Revoked => return Ok(Link::Closed(Closed::Revoked)),
        AssetRequestStatus::Full => return Ok(Link::Closed(Closed::Full(request.max_files))),
    }
    let org = request.organization_id;
    let client = match state.store.client(org, request.client_id).await {
        Ok(client) if client.archived_at.is_none() => client,
        Ok(_) | Err(StoreError::NotFound(_)) => return Ok(Link::Closed(Closed::Unavailable)),
        Err(e) => return Err(e.into()),
    };
    let creator = match state.store.person(org, request.created_by).await {
        Ok(person) if person.is_active() => Actor::for_person(&person, None),
        Ok(_) | Err(StoreError::NotFound(_)) => return Ok(Link::Closed(Closed::Unavailable)),
        Err(e) => return Err(e.into()),
    };
    let target = match media::prepare_upload(state, &creator, client.id).await {
        Ok(target) => target,
        Err(AppError::NotFound(_) | AppError::Forbidden(_)) => return Ok(Link::Closed(Closed::Unavailable)),
        Err(e) => return Err(e),
    };
    Ok(Link::Open(Box::new(OpenLink { request, client_name: client.name.to_string(), creator, target })))
}

/// Who is sending files through a link, as they typed it on the page.
#[derive(Debug, Clone)]
pub struct Uploader {
    pub name: UploaderName,
    pub note: String,
}

impl Uploader {
    /// Checks the name and the note together, so the page can show both problems at once.
    pub fn parse(name: &str, note: &str) -> AppResult<Self> {
        let mut check = chorus_domain::validation::Checker::default();
        let name = check.check(UploaderName::parse(name));
        let note = check.check(parse_note(note));
        check.finish()?;
        match (name, note) {
            (Some(name), Some(note)) => Ok(Self { name, note }),
            _ => Err(AppError::invalid("name", "type your name")),
        }
    }
}

/// Stores one file sent through an open link: the same checks as any upload to the library (type from the bytes,
/// size, decompression bombs), recorded as from this request and this uploader. A file the link no longer has room
/// for is taken out again, so the library never holds more than the link allowed.
pub async fn receive(
    state: &AppState,
    link: &mut OpenLink,
    uploader: &Uploader,
    filename: Option<&str>,
    bytes: &[u8],
) -> AppResult<Asset> {
    let asset = media::upload(state, &link.creator, &link.target, filename, bytes).await?;
    let upload = AssetRequestUpload {
        asset_id: asset.id,
        request_id: link.request.id,
        uploader_name: uploader.name.clone(),
        note: uploader.note.clone(),
        uploaded_at: asset.created_at,
    };
    match state.store.record_asset_request_upload(link.request.organization_id, &upload, Utc::now()).await {
        Ok(request) => {
            link.request = request;
            if let Some(folder) = link.request.folder.as_deref() {
                let (org, client) = (link.request.organization_id, asset.client_id);
                // The file is safely in the library either way; only where it is filed is at stake.
                if let Err(e) = state.store.move_assets(org, client, &[asset.id], folder).await {
                    tracing::warn!(error = %e, asset = %asset.id, "could not file an upload in its request's folder");
                }
            }
            Ok(asset)
        }
        Err(e) => {
            if let Err(cleanup) = media::delete(state, &link.creator, asset.id).await {
                tracing::warn!(error = %cleanup, asset = %asset.id, "could not remove a file its link had no room for");
            }
            Err(match e {
                StoreError::Conflict { .. } => {
                    AppError::Conflict { field: "files", message: "this link takes no more files".into() }
                }
                other => other.into(),
            })
        }
    }
}
