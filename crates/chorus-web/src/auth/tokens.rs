//! Random secrets handed to browsers and scripts. Only their SHA-256 is stored: a database leak does not
//! let anyone sign in.

use base64::Engine as _;
use rand::RngCore as _;
use sha2::{Digest, Sha256};

/// API tokens start with this, so secret scanners and people can recognise them.
pub const API_TOKEN_PREFIX: &str = "chorus_pat_";

/// 256 random bits, URL-safe.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// A new API token: the full secret (shown once) and the short prefix kept to tell tokens apart.
pub fn new_api_token() -> (String, String) {
    let secret = format!("{API_TOKEN_PREFIX}{}", random_secret());
    let prefix = secret.chars().take(API_TOKEN_PREFIX.len() + 6).collect();
    (secret, prefix)
}

/// Compares secrets without leaking, through timing, how many leading characters matched.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq as _;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_prefixed_and_hashed() {
        let (a, prefix) = new_api_token();
        let (b, _) = new_api_token();
        assert_ne!(a, b);
        assert!(a.starts_with(API_TOKEN_PREFIX) && a.starts_with(&prefix));
        assert_eq!(hash(&a).len(), 32);
        assert_ne!(hash(&a), hash(&b));
        assert!(constant_time_eq(&a, &a.clone()));
        assert!(!constant_time_eq(&a, &b));
    }
}
