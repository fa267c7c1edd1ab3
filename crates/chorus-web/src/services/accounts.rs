//! A client's accounts on the networks. Everyone who sees a client sees which accounts it has; those who may
//! change the client's settings connect, check and disconnect them.
//!
//! Connecting signs in to the network first: an account is only stored once its credentials have worked, so a
//! typo in an app password is a message beside the field, not a broken account found at publish time. The
//! credentials are sealed with the keyring, bound to the account's identity, before they reach the store.

use chorus_domain::{
    Account, AccountId, AccountStatus, Action, Actor, ClientId, Denied, Network, NewAccount, authorize,
};
use chorus_networks::{Connector, Credentials, Health, PublishError, bluesky};
use chrono::Utc;
use serde::Deserialize;

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
    let sealed = state.store.account_credentials(actor.organization, id).await?;
    let credentials: Credentials = chorus_secrets::open(&state.secrets, &sealed, &account.credentials_context())
        .map_err(|e| AppError::Internal(format!("cannot open the account's credentials: {e}")))?;
    let health = match account.network {
        Network::Bluesky => bluesky(state)?.health(&credentials).await,
        other => {
            return Err(AppError::Conflict {
                field: "network",
                message: format!("Chorus cannot check {} accounts yet", other.display_name()),
            });
        }
    };
    let (status, reason) = match health {
        Ok(Health::Healthy { .. }) => (AccountStatus::Connected, String::new()),
        Ok(Health::NeedsReauthorization { reason }) => (AccountStatus::NeedsReconnect, reason),
        // The network being down says nothing about the credentials: the account keeps its status.
        Err(PublishError::Reauthorize { reason }) => (AccountStatus::NeedsReconnect, reason),
        Err(e) => return Err(network_refused(account.network, "account", e)),
    };
    Ok(state.store.set_account_status(actor.organization, id, status, &reason, Utc::now()).await?)
}

/// Disconnects the account: its credentials are wiped, its row stays for the history of its posts.
pub async fn disconnect(state: &AppState, actor: &Actor, id: AccountId) -> AppResult<Account> {
    let account = account(state, actor, id).await?;
    may_manage(actor, account.client_id, "account")?;
    Ok(state.store.disconnect_account(actor.organization, account.client_id, id).await?)
}
