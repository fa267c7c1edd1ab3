//! Structured secrets sealed for storage: a value (e.g. an account's network credentials) is written as JSON,
//! sealed by the [`Keyring`] for a context, and stored as bytes.
//!
//! The bytes are the keyring's own text form (`v1.<key id>.<data>`), so everything the keyring offers holds for
//! them too: the key id travels with the value, an old key still opens it, and [`needs_rotation`] tells which
//! values a rotation pass must seal again. It lives here, next to the keyring, rather than in the web crate,
//! because the background jobs that check and publish to accounts open the same values.

use serde::Serialize;
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use crate::{Keyring, SecretError};

/// Why a value could not be sealed or opened. Like [`SecretError`], no message ever contains the value: a JSON
/// error names only where in the text it happened, since serde's own messages may quote the data.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// The bytes did not decrypt: see [`SecretError`] for the reasons (a blob from another record among them).
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// The value could not be written as JSON (a type whose serialization can fail).
    #[error("the secret could not be written for storage ({category} error at line {line}, column {column})")]
    Serialize { category: &'static str, line: usize, column: usize },
    /// The value decrypted, but is not what was expected, e.g. credentials of another shape written by an older
    /// or newer Chorus.
    #[error(
        "the secret decrypted but is not in the expected form ({category} error at line {line}, column {column}); \
         store it again"
    )]
    Deserialize { category: &'static str, line: usize, column: usize },
}

/// The parts of a JSON error that cannot reveal the data.
fn position(error: &serde_json::Error) -> (&'static str, usize, usize) {
    let category = match error.classify() {
        serde_json::error::Category::Io => "input",
        serde_json::error::Category::Syntax => "syntax",
        serde_json::error::Category::Data => "data",
        serde_json::error::Category::Eof => "truncation",
    };
    (category, error.line(), error.column())
}

/// Seals `value` with the keyring's current key for `context`; only [`open`] with the same context reads it.
pub fn seal(keyring: &Keyring, value: &impl Serialize, context: &str) -> Result<Vec<u8>, SealError> {
    // The JSON is the secret in plain text: wiped as soon as it is sealed.
    let json = Zeroizing::new(serde_json::to_vec(value).map_err(|e| {
        let (category, line, column) = position(&e);
        SealError::Serialize { category, line, column }
    })?);
    Ok(keyring.encrypt(&json, context).into_bytes())
}

/// Opens bytes [`seal`] made for the same `context`, with whichever key of the ring sealed them.
pub fn open<T: DeserializeOwned>(keyring: &Keyring, sealed: &[u8], context: &str) -> Result<T, SealError> {
    let text = std::str::from_utf8(sealed)
        .map_err(|_| SecretError::Malformed { problem: "it is not text, so it was not sealed by Chorus" })?;
    let json = keyring.decrypt(text, context)?;
    serde_json::from_slice(&json).map_err(|e| {
        let (category, line, column) = position(&e);
        SealError::Deserialize { category, line, column }
    })
}

/// True when the bytes were not sealed with the keyring's current key (or do not parse), so a rotation pass
/// should open and seal them again.
pub fn needs_rotation(keyring: &Keyring, sealed: &[u8]) -> bool {
    match std::str::from_utf8(sealed) {
        Ok(text) => keyring.needs_rotation(text),
        Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;
    use crate::{KEY_LEN, SecretKey};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Tokens {
        access: String,
        refresh: Option<String>,
    }

    fn tokens() -> Tokens {
        Tokens { access: "access-SECRET-123".into(), refresh: Some("refresh-SECRET-456".into()) }
    }

    fn ring(byte: u8) -> Keyring {
        Keyring::new(SecretKey::from_bytes(&[byte; KEY_LEN]))
    }

    #[test]
    fn a_value_round_trips_and_is_not_readable_sealed() {
        let ring = ring(1);
        let sealed = seal(&ring, &tokens(), "account_credentials:a").unwrap();
        let text = String::from_utf8(sealed.clone()).unwrap();
        assert!(text.starts_with(&format!("v1.{}.", ring.current_key_id())), "{text}");
        assert!(!text.contains("SECRET") && !text.contains("access"), "{text}");
        assert_eq!(open::<Tokens>(&ring, &sealed, "account_credentials:a").unwrap(), tokens());
        assert_ne!(sealed, seal(&ring, &tokens(), "account_credentials:a").unwrap(), "a fresh nonce each time");
    }

    #[test]
    fn a_value_sealed_for_another_context_does_not_open() {
        let ring = ring(1);
        let sealed = seal(&ring, &tokens(), "account_credentials:a").unwrap();
        let err = open::<Tokens>(&ring, &sealed, "account_credentials:b").unwrap_err();
        assert!(matches!(err, SealError::Secret(SecretError::Undecryptable { .. })), "{err:?}");
    }

    #[test]
    fn old_keys_open_and_rotation_is_told() {
        let old = ring(1);
        let sealed = seal(&old, &tokens(), "c").unwrap();
        let rotated =
            Keyring::new(SecretKey::from_bytes(&[2; KEY_LEN])).with_old_key(SecretKey::from_bytes(&[1; KEY_LEN]));
        assert!(needs_rotation(&rotated, &sealed));
        assert_eq!(open::<Tokens>(&rotated, &sealed, "c").unwrap(), tokens());
        let resealed = seal(&rotated, &tokens(), "c").unwrap();
        assert!(!needs_rotation(&rotated, &resealed));
        assert!(needs_rotation(&rotated, &[0xff, 0xfe]), "bytes that are not text need attention");
        let unknown = open::<Tokens>(&ring(3), &sealed, "c").unwrap_err();
        assert!(matches!(unknown, SealError::Secret(SecretError::UnknownKey { .. })), "{unknown:?}");
    }

    #[test]
    fn damaged_or_foreign_bytes_are_refused_without_quoting_them() {
        let ring = ring(1);
        let not_text = open::<Tokens>(&ring, &[0xff, 0x00, 0xfe], "c").unwrap_err();
        assert!(matches!(not_text, SealError::Secret(SecretError::Malformed { .. })), "{not_text:?}");

        // Decrypts, but is of another shape: the error must not repeat the secret it read.
        let other_shape = seal(&ring, &serde_json::json!({ "access": 42, "hint": "SECRET-789" }), "c").unwrap();
        let err = open::<Tokens>(&ring, &other_shape, "c").unwrap_err();
        assert!(matches!(err, SealError::Deserialize { category: "data", .. }), "{err:?}");
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("SECRET") && !shown.contains("42"), "{shown}");
    }
}
