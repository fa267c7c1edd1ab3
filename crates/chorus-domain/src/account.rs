//! A client's accounts on the social networks: what Chorus publishes to. An account is connected by a person
//! (signing in to the network or pasting an app password), checked daily and before each publish, and flagged
//! when it must be connected again.
//!
//! The credentials themselves are not here: they are sealed by `chorus-secrets` and stored apart, so an
//! `Account` can be shown, logged and serialized without ever carrying a token.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::validation::{Checker, Invalid, bounded_text};
use crate::{AccountId, ClientId, Network, OrganizationId, PersonId};

/// Longest handle kept, in characters; generous for `@user@a.long.instance.example` and custom domains.
pub const MAX_HANDLE: usize = 300;
/// Longest display name kept; networks allow far less (Mastodon 30, Bluesky 64), so this only stops abuse.
pub const MAX_DISPLAY_NAME: usize = 300;
/// Longest remote id kept: a DID may be long, Mastodon ids are short numbers.
pub const MAX_REMOTE_ID: usize = 1000;
/// Longest server address kept.
pub const MAX_SERVER: usize = 2000;

/// Whether an account can be published to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    /// Its credentials worked the last time they were used or checked.
    Connected,
    /// The network refused its credentials (expired, revoked, a scope missing): someone must connect it again
    /// before anything is published to it.
    NeedsReconnect,
    /// A person disconnected it; its credentials are wiped and the row stays for the history of its posts.
    Disconnected,
}

impl AccountStatus {
    pub const ALL: [AccountStatus; 3] =
        [AccountStatus::Connected, AccountStatus::NeedsReconnect, AccountStatus::Disconnected];

    pub const fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Connected => "connected",
            AccountStatus::NeedsReconnect => "needs_reconnect",
            AccountStatus::Disconnected => "disconnected",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let raw = raw.trim();
        AccountStatus::ALL.into_iter().find(|s| s.as_str() == raw).ok_or_else(|| {
            Invalid::field(
                "status",
                format!("'{raw}' is not an account status; use connected, needs_reconnect or disconnected"),
            )
        })
    }
}

/// A client's account on one network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Account {
    pub id: AccountId,
    #[serde(skip)]
    pub organization_id: OrganizationId,
    pub client_id: ClientId,
    #[schema(value_type = String, example = "mastodon")]
    pub network: Network,
    /// As the network shows it, e.g. `@roastery@mastodon.social` or `roastery.bsky.social`.
    pub handle: String,
    /// The account's name on the network; may be empty.
    pub display_name: String,
    /// What the network calls the account by, which survives a change of handle: the Bluesky DID, the Mastodon
    /// account id.
    pub remote_id: String,
    /// The base address of the server the account lives on (the Bluesky PDS, the Mastodon instance).
    pub server: String,
    pub status: AccountStatus,
    /// Why it is not connected, in words; empty when it is.
    pub status_reason: String,
    /// When its credentials were last checked; `None` until the first check after connecting.
    pub checked_at: Option<DateTime<Utc>>,
    /// Who connected it (last): whose authorization the credentials carry.
    pub connected_by: PersonId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Account {
    /// What this account's sealed credentials are bound to; see [`credentials_context`].
    pub fn credentials_context(&self) -> String {
        credentials_context(self.client_id, self.network, &self.remote_id)
    }
}

/// An account as the connect flow found it on the network, to connect (or connect again) for a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    pub network: Network,
    pub handle: String,
    pub display_name: String,
    pub remote_id: String,
    pub server: String,
    pub connected_by: PersonId,
}

impl NewAccount {
    /// Trims the texts, checks every field and writes the server address in one form (lower-case host, no
    /// trailing slash), reporting all problems at once. The values come from the network, but a network or a
    /// person typing an instance address can still hand over nonsense, and it must not reach the database.
    pub fn check(mut self) -> Result<Self, Invalid> {
        let mut checker = Checker::default();
        if let Some(handle) = checker.check(bounded_text("handle", &self.handle, 1, MAX_HANDLE)) {
            self.handle = handle;
        }
        if let Some(name) = checker.check(bounded_text("display_name", &self.display_name, 0, MAX_DISPLAY_NAME)) {
            self.display_name = name;
        }
        if let Some(remote_id) = checker.check(bounded_text("remote_id", &self.remote_id, 1, MAX_REMOTE_ID)) {
            self.remote_id = remote_id;
        }
        if let Some(server) = checker.check(server_address(&self.server)) {
            self.server = server;
        }
        checker.finish().map(|()| self)
    }

    /// What the sealed credentials of this account, once connected for `client`, are bound to; see
    /// [`credentials_context`].
    pub fn credentials_context(&self, client: ClientId) -> String {
        credentials_context(client, self.network, &self.remote_id)
    }
}

/// The context an account's credentials are sealed for: the account's identity, which is also its unique key
/// (client, network, remote id). A sealed blob copied into another account's row then fails to open.
///
/// Not the account's id, on purpose: connecting an account again keeps its row and id, and the connect flow
/// must seal the new credentials before it knows whether a row already exists. The identity is known then, is
/// fixed for the life of the row, and is as unique as the id. The remote id goes last because it may itself
/// contain colons (`did:plc:…`).
pub fn credentials_context(client: ClientId, network: Network, remote_id: &str) -> String {
    format!("account_credentials:{client}:{}:{remote_id}", network.as_str())
}

/// Checks a server's base address: http or https, a host, no credentials, query or fragment. Written back as
/// the URL parser normalizes it, without the trailing slash, so `https://Mastodon.Social/` and
/// `https://mastodon.social` are one server.
fn server_address(raw: &str) -> Result<String, Invalid> {
    let raw = raw.trim();
    let fail = |message: &str| Err(Invalid::field("server", message));
    if raw.is_empty() {
        return fail("give the server's address, e.g. https://mastodon.social");
    }
    if raw.chars().count() > MAX_SERVER {
        return Err(Invalid::field("server", format!("at most {MAX_SERVER} characters")));
    }
    let Ok(url) = url::Url::parse(raw) else {
        return fail("not a web address; write it like https://mastodon.social");
    };
    if !matches!(url.scheme(), "http" | "https") {
        return fail("the address must start with http:// or https://");
    }
    if url.host_str().is_none_or(str::is_empty) {
        return fail("the address has no server name");
    }
    if !url.username().is_empty() || url.password().is_some() {
        // A password in the address would be stored in plain text, outside the sealed credentials.
        return fail("the address must not contain a user name or password");
    }
    if url.query().is_some() || url.fragment().is_some() {
        return fail("the address must not have a query (?…) or a fragment (#…)");
    }
    let mut normalized = url.to_string();
    while normalized.ends_with('/') {
        normalized.pop();
    }
    Ok(normalized)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_account() -> NewAccount {
        NewAccount {
            network: Network::Mastodon,
            handle: " @roastery@mastodon.social ".into(),
            display_name: " The Roastery ".into(),
            remote_id: " 109348 ".into(),
            server: " https://Mastodon.Social/ ".into(),
            connected_by: PersonId::new(),
        }
    }

    #[test]
    fn fields_are_trimmed_and_the_server_normalized() {
        let ok = new_account().check().unwrap();
        assert_eq!(ok.handle, "@roastery@mastodon.social");
        assert_eq!(ok.display_name, "The Roastery");
        assert_eq!(ok.remote_id, "109348");
        assert_eq!(ok.server, "https://mastodon.social");
        let pds = NewAccount { server: "http://localhost:2583/xrpc/".into(), ..new_account() }.check().unwrap();
        assert_eq!(pds.server, "http://localhost:2583/xrpc", "a port and a path are kept");
        let unnamed = NewAccount { display_name: String::new(), ..new_account() }.check().unwrap();
        assert_eq!(unnamed.display_name, "", "a display name may be empty");
    }

    #[test]
    fn every_problem_is_named() {
        let bad = NewAccount {
            handle: "x".repeat(MAX_HANDLE + 1),
            display_name: "a\u{0}b".into(),
            remote_id: "  ".into(),
            server: "ftp://files.example".into(),
            ..new_account()
        };
        let fields: Vec<String> = bad.check().unwrap_err().errors.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["handle", "display_name", "remote_id", "server"]);
        let handle = "h".repeat(MAX_HANDLE);
        assert!(NewAccount { handle, ..new_account() }.check().is_ok(), "{MAX_HANDLE} characters are allowed");
    }

    #[test]
    fn servers_must_be_plain_web_addresses() {
        for server in [
            "",
            "mastodon.social",
            "javascript:alert(1)",
            "https://",
            "https://user:secret@pds.example",
            "https://pds.example/?token=1",
            "https://pds.example/#x",
        ] {
            let result = NewAccount { server: server.into(), ..new_account() }.check();
            let errors = result.expect_err(server).errors;
            assert_eq!(errors.len(), 1, "{server}: {errors:?}");
            assert_eq!(errors[0].field, "server", "{server}");
        }
    }

    #[test]
    fn statuses_round_trip_and_unknown_ones_are_named() {
        for status in AccountStatus::ALL {
            assert_eq!(AccountStatus::parse(status.as_str()).unwrap(), status);
            let json = serde_json::to_value(status).unwrap();
            assert_eq!(json, status.as_str());
        }
        assert!(AccountStatus::parse("paused").unwrap_err().to_string().contains("'paused'"));
    }

    #[test]
    fn the_credentials_context_is_the_accounts_identity() {
        let client = ClientId::new();
        let new = new_account().check().unwrap();
        let context = new.credentials_context(client);
        assert_eq!(context, format!("account_credentials:{client}:mastodon:109348"));
        assert_ne!(context, new.credentials_context(ClientId::new()), "another client");
        let other = NewAccount { remote_id: "109349".into(), ..new.clone() };
        assert_ne!(context, other.credentials_context(client), "another account");
        let bluesky = NewAccount { network: Network::Bluesky, ..new };
        assert_ne!(context, bluesky.credentials_context(client), "another network");
    }
}
