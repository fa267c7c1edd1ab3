//! A client's accounts on the networks. Everyone who sees a client sees which accounts it has; those who may
//! change the client's settings connect, check and disconnect them.
//!
//! Connecting signs in to the network first: an account is only stored once its credentials have worked, so a
//! typo in an app password is a message beside the field, not a broken account found at publish time. The
//! credentials are sealed with the keyring, bound to the account's identity, before they reach the store.

use chorus_domain::{
    Account, AccountId, AccountStatus, Action, Actor, ClientId, Denied, Network, NewAccount, authorize,
};
use chorus_jobs::{Job, JobContext, JobError};
use chorus_networks::{Connector, Credentials, Health, PublishError, bluesky, mastodon};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::client;
use crate::{AppError, AppResult, AppState};

/// Refusals to change a client's accounts: a client out of reach is "not found" as `what`.
fn may_manage(actor: &Actor, client: ClientId, what: &'static str) -> AppResult<()> {
    authorize(actor, Action::EditClient(client)).map_err(|denied| match denied {
        Denied::NotFound => AppError::NotFound(what),
        other => other.into(),
    })
}

/// A Bluesky account to connect: its handle (or DID) and an app password made for Chorus.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct BlueskySignIn {
    /// `roastery.bsky.social`, `@roastery.bsky.social` or `did:plc:…`.
    pub handle: String,
    /// Made under Settings → Privacy and security → App passwords; never the account's own password.
    pub app_password: String,
}

/// The client's accounts, disconnected ones included (their posts' history refers to them).
pub async fn accounts(state: &AppState, actor: &Actor, client_id: ClientId) -> AppResult<Vec<Account>> {
    client(state, actor, client_id).await?;
    Ok(state.store.list_accounts(actor.organization, client_id).await?)
}

/// An account, if the actor sees its client.
pub async fn account(state: &AppState, actor: &Actor, id: AccountId) -> AppResult<Account> {
    let account = state.store.account(actor.organization, id).await?;
    authorize(actor, Action::ViewClient(account.client_id)).map_err(|_| AppError::NotFound("account"))?;
    Ok(account)
}

fn bluesky(state: &AppState) -> AppResult<&bluesky::Bluesky> {
    state
        .networks
        .bluesky
        .as_deref()
        .map_err(|e| AppError::Network(format!("Chorus cannot reach Bluesky from this server: {e}")))
}

/// What a connector's error means for the person connecting: credentials refused are theirs to fix, the rest
/// is the network's.
fn network_refused(network: Network, field: &str, error: PublishError) -> AppError {
    match error {
        PublishError::Reauthorize { reason } | PublishError::Permanent { reason } => {
            AppError::invalid(field, format!("{} refused these credentials: {reason}", network.display_name()))
        }
        PublishError::Transient { reason, .. } | PublishError::Unknown { reason } => AppError::Network(format!(
            "{} could not be reached ({reason}); nothing was connected, try again shortly",
            network.display_name()
        )),
    }
}

/// Signs in to Bluesky with the app password and, when it works, connects the account (or connects it again,
/// replacing its credentials).
pub async fn connect_bluesky(
    state: &AppState,
    actor: &Actor,
    client_id: ClientId,
    sign_in: BlueskySignIn,
) -> AppResult<Account> {
    may_manage(actor, client_id, "client")?;
    client(state, actor, client_id).await?;
    let handle = sign_in.handle.trim().trim_start_matches('@').to_string();
    let password = sign_in.app_password.trim().to_string();
    let mut problems = chorus_domain::validation::Checker::default();
    if handle.is_empty() {
        problems.fail(chorus_domain::Invalid::field("handle", "give the account's handle, e.g. roastery.bsky.social"));
    }
    if password.is_empty() {
        problems.fail(chorus_domain::Invalid::field("app_password", "paste an app password made for Chorus"));
    }
    problems.finish()?;
    let credentials = Credentials::Bluesky(bluesky::Credentials { identifier: handle, app_password: password });
    let connector = bluesky(state)?;
    match connector.health(&credentials).await {
        Ok(Health::Healthy { .. }) => {}
        Ok(Health::NeedsReauthorization { reason }) => {
            return Err(AppError::invalid("app_password", format!("Bluesky refused this sign-in: {reason}")));
        }
        Err(e) => return Err(network_refused(Network::Bluesky, "handle", e)),
    }
    let session = connector
        .saved_session(&credentials)
        .ok_or_else(|| AppError::Internal("Bluesky signed in but kept no session".into()))?;
    let new = NewAccount {
        network: Network::Bluesky,
        handle: session.handle.clone(),
        display_name: String::new(),
        remote_id: session.did.clone(),
        server: session.pds.clone(),
        connected_by: actor.person,
    }
    .check()?;
    let sealed = chorus_secrets::seal(&state.secrets, &credentials, &new.credentials_context(client_id))
        .map_err(|e| AppError::Internal(format!("cannot seal the account's credentials: {e}")))?;
    Ok(state.store.connect_account(actor.organization, client_id, &new, &sealed).await?)
}

/// Checks the account's credentials now, records the outcome, and gives the account as it is after.
pub async fn check(state: &AppState, actor: &Actor, id: AccountId) -> AppResult<Account> {
    let account = account(state, actor, id).await?;
    may_manage(actor, account.client_id, "account")?;
    if account.status == AccountStatus::Disconnected {
        return Err(AppError::Conflict {
            field: "status",
            message: "this account is disconnected; connect it again to use it".into(),
        });
    }
    check_account(state, &account, Utc::now()).await
}

/// Asks the account's network whether its credentials still work and records the answer. The network being
/// down says nothing about the credentials: then nothing is recorded and the error says why.
async fn check_account(state: &AppState, account: &Account, now: DateTime<Utc>) -> AppResult<Account> {
    let org = account.organization_id;
    let sealed = state.store.account_credentials(org, account.id).await?;
    let credentials: Credentials = chorus_secrets::open(&state.secrets, &sealed, &account.credentials_context())
        .map_err(|e| AppError::Internal(format!("cannot open the account's credentials: {e}")))?;
    let health = match account.network {
        Network::Bluesky => bluesky(state)?.health(&credentials).await,
        Network::Mastodon => mastodon(state)?.health(&credentials).await,
        other => {
            return Err(AppError::Conflict {
                field: "network",
                message: format!("Chorus cannot check {} accounts yet", other.display_name()),
            });
        }
    };
    let (status, reason) = match health {
        Ok(Health::Healthy { .. }) => (AccountStatus::Connected, String::new()),
        Ok(Health::NeedsReauthorization { reason }) | Err(PublishError::Reauthorize { reason }) => {
            (AccountStatus::NeedsReconnect, reason)
        }
        Err(e) => return Err(network_refused(account.network, "account", e)),
    };
    if status == AccountStatus::NeedsReconnect && account.status == AccountStatus::Connected {
        tracing::warn!(account = %account.id, network = %account.network, %reason, "an account must be connected again");
    }
    Ok(state.store.set_account_status(org, account.id, status, &reason, now).await?)
}

/// How often each connected account is checked, at the least.
pub const CHECK_EVERY: chrono::Duration = chrono::Duration::hours(24);
/// Accounts one run of [`CheckAccounts`] checks; the rest wait for the next run.
const ACCOUNTS_PER_RUN: u32 = 20;

/// The daily health check: every connected account whose last check is older than [`CHECK_EVERY`] is checked,
/// so one whose token was revoked is flagged long before a post is due on it. Enqueued every minute like the
/// feed poll; its unique key keeps one run at a time.
///
/// Needs the web layer's [`AppState`] as a worker extension (`Worker::with_extension(state)`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CheckAccounts {}

impl Job for CheckAccounts {
    const KIND: &'static str = "check_accounts";
    // The next run comes a minute later anyway.
    const MAX_ATTEMPTS: u32 = 1;

    fn unique_key(&self) -> Option<String> {
        Some("check-accounts".to_owned())
    }

    async fn run(self, ctx: &JobContext) -> Result<(), JobError> {
        let state = ctx
            .extension::<AppState>()
            .ok_or_else(|| JobError::permanent("the worker was built without the web state account checks need"))?;
        let now = ctx.now();
        let due = match ctx.store().accounts_to_check(now - CHECK_EVERY, ACCOUNTS_PER_RUN).await {
            Ok(due) => due,
            Err(e) => {
                tracing::warn!(error = %e, "could not look for accounts to check; trying again at the next run");
                return Ok(());
            }
        };
        for (org, id) in due {
            let checked = match ctx.store().account(org, id).await {
                Ok(account) => check_account(state, &account, now).await,
                Err(e) => Err(e.into()),
            };
            match checked {
                Ok(account) => tracing::info!(account = %id, status = account.status.as_str(), "account checked"),
                Err(e) => tracing::warn!(account = %id, error = %e, "could not check an account"),
            }
        }
        Ok(())
    }
}

/// Disconnects the account: its credentials are wiped, its row stays for the history of its posts.
pub async fn disconnect(state: &AppState, actor: &Actor, id: AccountId) -> AppResult<Account> {
    let account = account(state, actor, id).await?;
    may_manage(actor, account.client_id, "account")?;
    Ok(state.store.disconnect_account(actor.organization, account.client_id, id).await?)
}

// ---------------------------------------------------------------------------------------------------------
// Mastodon: OAuth's authorization-code flow on any instance.
//
// Chorus registers itself once per instance and keeps the registration (its client secret sealed). Starting a
// connection records a pending authorization in the store — its `state`, the PKCE verifier sealed, the client and
// the person who started it — valid for `AUTHORIZATION_LIFETIME` and taken once by the callback. The store rather
// than a cookie: a cookie cannot be made single use (a replayed callback would present it again), and an expiry
// kept server-side can be ended early.

/// How long a person has to consent on the instance and come back.
pub const AUTHORIZATION_LIFETIME: chrono::Duration = chrono::Duration::minutes(15);

/// The path the instance sends the person back to, under Chorus's public address.
pub const MASTODON_CALLBACK_PATH: &str = "/oauth/mastodon/callback";

/// A Mastodon instance to connect an account on.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct MastodonInstance {
    /// The instance's domain or address, e.g. `mastodon.social` or `https://mastodon.social`.
    pub instance: String,
}

/// Where to send the person to consent; they come back to Chorus's `/oauth/mastodon/callback`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MastodonAuthorizeUrl {
    pub authorize_url: String,
}

/// What the instance sends back to the callback.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MastodonCallback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

fn mastodon(state: &AppState) -> AppResult<&mastodon::Mastodon> {
    state
        .networks
        .mastodon
        .as_deref()
        .map_err(|e| AppError::Network(format!("Chorus cannot reach Mastodon from this server: {e}")))
}

/// The instance's base address, `https://host[:port]`, or why it is not one Chorus may call: https only (unless
/// the configuration allows http, for tests), a host name, and no private or internal address unless the fetch
/// policy allows it.
pub async fn mastodon_instance(state: &AppState, raw: &str) -> AppResult<String> {
    let trimmed = raw.trim().trim_start_matches('@');
    // `@user@mastodon.social` names the instance after the last `@`.
    let trimmed = if trimmed.contains("://") { trimmed } else { trimmed.rsplit('@').next().unwrap_or(trimmed) };
    if trimmed.is_empty() {
        return Err(AppError::invalid("instance", "give the instance's address, e.g. mastodon.social"));
    }
    let lowered = trimmed.to_ascii_lowercase();
    if lowered.starts_with("http://") && !state.config.mastodon_allow_http {
        return Err(AppError::invalid("instance", "Chorus connects to Mastodon instances over https only"));
    }
    if lowered.contains("://") && !lowered.starts_with("http://") && !lowered.starts_with("https://") {
        return Err(AppError::invalid("instance", "give the instance's https address, e.g. https://mastodon.social"));
    }
    let not_an_instance = || {
        AppError::invalid(
            "instance",
            format!("{:?} is not the address of a Mastodon instance, e.g. mastodon.social", raw.trim()),
        )
    };
    let instance = mastodon::normalize_instance(trimmed).map_err(|_| not_an_instance())?;
    let url = url::Url::parse(&instance).map_err(|_| not_an_instance())?;
    let host = match url.host() {
        Some(url::Host::Domain(name)) if name.contains('.') && !name.starts_with('.') && !name.ends_with('.') => {
            name.to_string()
        }
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        _ => return Err(not_an_instance()),
    };
    let policy = &state.config.fetch_policy;
    chorus_fetch::check_url(&instance, policy).map_err(|e| AppError::invalid("instance", e.to_string()))?;
    // The name may still point at an internal address: refuse that too (the connector's own client connects later).
    if !policy.allow_private {
        let port = url.port_or_known_default().unwrap_or(443);
        let addresses = tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|e| AppError::invalid("instance", format!("{host} cannot be found: {e}")))?;
        for address in addresses {
            if let Some(reason) = policy.refuses(address.ip()) {
                return Err(AppError::invalid(
                    "instance",
                    format!("{host} is at {}, {reason}; Chorus does not call such addresses", address.ip()),
                ));
            }
        }
    }
    Ok(instance)
}

fn app_secret_context(instance: &str) -> String {
    format!("mastodon_app:{instance}")
}

fn verifier_context(state: &str) -> String {
    format!("mastodon_authorization:{state}")
}

fn instance_failed(doing: &str, error: PublishError) -> AppError {
    match error {
        PublishError::Reauthorize { reason } | PublishError::Permanent { reason } => {
            AppError::Network(format!("The instance refused {doing}: {reason}; nothing was connected"))
        }
        PublishError::Transient { reason, .. } | PublishError::Unknown { reason } => AppError::Network(format!(
            "The instance could not be reached while {doing} ({reason}); nothing was connected, try again shortly"
        )),
    }
}

/// Chorus's registration on the instance: the one kept, or a new one made now.
async fn mastodon_app(state: &AppState, instance: &str, redirect_uri: &str) -> AppResult<mastodon::AppRegistration> {
    let kept = match state.store.mastodon_app(instance).await? {
        Some(kept) => kept,
        None => {
            let registered = mastodon(state)?
                .register_app(instance, redirect_uri, &[])
                .await
                .map_err(|e| instance_failed("registering Chorus as an app", e))?;
            let sealed = chorus_secrets::seal(&state.secrets, &registered.client_secret, &app_secret_context(instance))
                .map_err(|e| AppError::Internal(format!("cannot seal the app's client secret: {e}")))?;
            let app = chorus_store::MastodonApp {
                instance: instance.to_string(),
                client_id: registered.client_id.clone(),
                sealed_client_secret: sealed,
                redirect_uri: registered.redirect_uri.clone(),
                scopes: registered.scopes.clone(),
                created_at: Utc::now(),
            };
            // Two registrations racing: the first one kept wins, the other is left unused on the instance.
            state.store.save_mastodon_app(&app).await?
        }
    };
    let client_secret: String =
        chorus_secrets::open(&state.secrets, &kept.sealed_client_secret, &app_secret_context(instance))
            .map_err(|e| AppError::Internal(format!("cannot open the app's client secret: {e}")))?;
    Ok(mastodon::AppRegistration {
        instance: kept.instance,
        client_id: kept.client_id,
        client_secret,
        redirect_uri: kept.redirect_uri,
        scopes: kept.scopes,
    })
}

/// Starts connecting a Mastodon account: registers Chorus on the instance (once), records the authorization in
/// progress and gives the instance's consent page to send the person to. `base_url` is Chorus's public address.
pub async fn start_mastodon(
    state: &AppState,
    actor: &Actor,
    client_id: ClientId,
    input: MastodonInstance,
    base_url: &str,
) -> AppResult<MastodonAuthorizeUrl> {
    may_manage(actor, client_id, "client")?;
    client(state, actor, client_id).await?;
    let instance = mastodon_instance(state, &input.instance).await?;
    let redirect_uri = format!("{}{MASTODON_CALLBACK_PATH}", base_url.trim_end_matches('/'));
    let app = mastodon_app(state, &instance, &redirect_uri).await?;
    let request = mastodon::Mastodon::authorize_url(&app).map_err(|e| instance_failed("the authorization", e))?;
    let sealed = chorus_secrets::seal(&state.secrets, &request.code_verifier, &verifier_context(&request.state))
        .map_err(|e| AppError::Internal(format!("cannot seal the authorization: {e}")))?;
    let now = Utc::now();
    let pending = chorus_store::MastodonAuthorization {
        state: request.state.clone(),
        client_id,
        person_id: actor.person,
        instance,
        sealed_verifier: sealed,
        created_at: now,
        expires_at: now + AUTHORIZATION_LIFETIME,
    };
    state.store.create_mastodon_authorization(actor.organization, &pending).await?;
    Ok(MastodonAuthorizeUrl { authorize_url: request.url })
}

/// Finishes connecting a Mastodon account when the instance sends the person back: the state must be one this
/// person started, unexpired and unused (it is used up now, whatever follows); then the code is exchanged, the
/// account read and connected. Nothing is stored when any of it fails.
pub async fn finish_mastodon(state: &AppState, actor: &Actor, callback: MastodonCallback) -> AppResult<Account> {
    let Some(oauth_state) = callback.state.filter(|s| !s.is_empty()) else {
        return Err(AppError::BadRequest(
            "This is not an answer to a Mastodon authorization Chorus started (it has no state); nothing was connected."
                .into(),
        ));
    };
    let pending = state
        .store
        .take_mastodon_authorization(actor.organization, actor.person, &oauth_state, Utc::now())
        .await?
        .ok_or_else(|| {
            AppError::BadRequest(
                "This Mastodon authorization is unknown, expired, already used or was started by someone else; \
                 nothing was connected. Start connecting the account again from the client's Accounts tab."
                    .into(),
            )
        })?;
    if let Some(error) = callback.error {
        let description = callback.error_description.map(|d| format!(": {d}")).unwrap_or_default();
        let message = if error == "access_denied" {
            format!("Access was not granted on the instance{description}; nothing was connected.")
        } else {
            format!("The instance did not authorize Chorus ({error}){description}; nothing was connected.")
        };
        return Err(AppError::BadRequest(message));
    }
    let code = callback.code.filter(|c| !c.is_empty()).ok_or_else(|| {
        AppError::BadRequest("The instance sent no authorization code; nothing was connected.".into())
    })?;
    may_manage(actor, pending.client_id, "client")?;
    let verifier: String =
        chorus_secrets::open(&state.secrets, &pending.sealed_verifier, &verifier_context(&oauth_state))
            .map_err(|e| AppError::Internal(format!("cannot open the authorization: {e}")))?;
    let kept = state
        .store
        .mastodon_app(&pending.instance)
        .await?
        .ok_or_else(|| AppError::Internal(format!("no app registration kept for {}", pending.instance)))?;
    let app = mastodon_app(state, &kept.instance, &kept.redirect_uri).await?;
    let request = mastodon::AuthorizationRequest { url: String::new(), state: oauth_state, code_verifier: verifier };
    let connector = mastodon(state)?;
    let credentials = connector
        .exchange_code(&app, &request, &code)
        .await
        .map_err(|e| instance_failed("the authorization code", e))?;
    let found =
        connector.verify_credentials(&credentials).await.map_err(|e| instance_failed("reading the account", e))?;
    let new = NewAccount {
        network: Network::Mastodon,
        handle: found.handle,
        display_name: found.display_name,
        remote_id: found.id,
        server: pending.instance,
        connected_by: actor.person,
    }
    .check()?;
    let sealed = chorus_secrets::seal(&state.secrets, &credentials, &new.credentials_context(pending.client_id))
        .map_err(|e| AppError::Internal(format!("cannot seal the account's credentials: {e}")))?;
    Ok(state.store.connect_account(actor.organization, pending.client_id, &new, &sealed).await?)
}
