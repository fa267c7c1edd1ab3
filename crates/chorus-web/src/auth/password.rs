//! Argon2id password hashes (OWASP's recommended parameters are the `argon2` crate's defaults).

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chorus_domain::Password;

use crate::AppError;

/// Hashes off the async threads: a hash takes tens of milliseconds of CPU by design.
pub async fn hash(password: &Password) -> Result<String, AppError> {
    let password = password.clone();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.expose().as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(format!("password hashing task failed: {e}")))?
}

/// Checks a password against a stored hash. With no hash (unknown person, or no password set yet) it still
/// spends the time of a real check, so response times do not reveal which e-mail addresses exist.
pub async fn verify(candidate: &str, stored: Option<&str>) -> bool {
    let candidate = candidate.to_string();
    let stored = stored.map(str::to_string);
    tokio::task::spawn_blocking(move || {
        let argon = Argon2::default();
        match stored.as_deref().map(PasswordHash::new) {
            Some(Ok(parsed)) => argon.verify_password(candidate.as_bytes(), &parsed).is_ok(),
            _ => {
                let salt = SaltString::generate(&mut OsRng);
                let _ = argon.hash_password(candidate.as_bytes(), &salt);
                false
            }
        }
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let p = Password::parse("correct horse battery").unwrap();
        let h = hash(&p).await.unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify("correct horse battery", Some(&h)).await);
        assert!(!verify("correct horse batterY", Some(&h)).await);
        assert!(!verify("anything at all", None).await);
        assert!(!verify("anything at all", Some("not a hash")).await);
    }
}
