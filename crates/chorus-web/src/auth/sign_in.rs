//! Signing in with e-mail and password, slowed down for whoever guesses.
//!
//! Failures are counted in the database, not in memory, so several Chorus processes behind one load
//! balancer share the count.

use chorus_domain::{Email, Person};
use chrono::Utc;

use super::password;
use crate::{AppError, AppState};

fn account_key(email: &str) -> String {
    format!("account:{}", email.trim().to_lowercase())
}

fn address_key(address: &str) -> String {
    format!("address:{address}")
}

/// Checks the password of the person with this e-mail address. Every failure counts against both the
/// account and the network address; past the limit, even a right password is refused until the window ends.
pub async fn sign_in(state: &AppState, email: &str, password: &str, address: &str) -> Result<Person, AppError> {
    let config = &state.config;
    let now = Utc::now();
    let window = chrono::Duration::from_std(config.sign_in_window).unwrap_or(chrono::Duration::minutes(15));
    let since = now - window;
    let retry = AppError::TooManyAttempts { retry_after_secs: window.num_seconds().max(1) as u64 };
    let (account, addr) = (account_key(email), address_key(address));
    if state.store.sign_in_failures_since(&account, since).await? >= config.sign_in_failures_per_account
        || state.store.sign_in_failures_since(&addr, since).await? >= config.sign_in_failures_per_address
    {
        return Err(retry);
    }

    let credentials = match Email::parse(email) {
        Ok(e) => state.store.credentials_by_email(&e).await?,
        Err(_) => None,
    };
    let hash = credentials.as_ref().and_then(|c| c.password_hash.as_deref());
    let verified = password::verify(password, hash).await;
    match credentials {
        Some(c) if verified && c.person.is_active() => {
            state.store.clear_sign_in_failures(&account).await?;
            Ok(c.person)
        }
        _ => {
            state.store.record_sign_in_failure(&account, now).await?;
            state.store.record_sign_in_failure(&addr, now).await?;
            Err(AppError::Invalid(chorus_domain::Invalid::field(
                "password",
                "that e-mail address and password do not match an active account",
            )))
        }
    }
}
