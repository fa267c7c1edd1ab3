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
use chorus_networks::{Connector, Credentials, Health, PublishError, bluesky};
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
