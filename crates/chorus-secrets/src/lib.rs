//! Encryption at rest for the secrets Chorus keeps: network access tokens, webhook secrets and the like.
//!
//! A [`Keyring`] seals a secret with AES-256-GCM into a self-describing text,
//! `v1.<key id>.<base64url of nonce + ciphertext>`, that is stored in place of the secret. The key id in it
//! lets keys rotate: a new key encrypts from then on, old keys stay in the ring only to decrypt what they
//! sealed until `chorus admin rotate-secrets` has re-encrypted it ([`Keyring::needs_rotation`]).
//!
//! Every secret is sealed for a *context*, such as `account_token:<uuid>`, which is authenticated along
//! with it. A value copied into another row, or another column, then fails to decrypt instead of handing
//! one account's token to another.
//!
//! Keys come from `CHORUS_SECRET_KEY` or, by default, from a `secret.key` file in the data folder that is
//! created on first run ([`Keyring::from_env_or_file`]).

mod error;
mod key;
mod load;
pub mod sealed;

use aes_gcm::aead::{Aead, AeadCore, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use zeroize::Zeroizing;

pub use error::SecretError;
pub use key::{InvalidKeyId, KEY_LEN, KeyId, KeyParseError, SecretKey};
pub use load::{KEY_FILE_NAME, KeySource, OLD_SECRET_KEYS_VAR, SECRET_KEY_VAR};
pub use sealed::{SealError, open, seal};

/// The first part of every sealed value; a future format would get `v2` and both would be read.
const FORMAT: &str = "v1";
/// AES-GCM's standard 96-bit nonce. Random nonces of this size are safe for far more encryptions than a
/// Chorus installation will ever make with one key.
const NONCE_LEN: usize = 12;
/// The authentication tag AES-GCM appends to the ciphertext.
const TAG_LEN: usize = 16;

/// The key that encrypts, plus older keys kept only to decrypt.
///
/// `Debug` lists key ids only.
#[derive(Debug)]
pub struct Keyring {
    current: SecretKey,
    old: Vec<SecretKey>,
}

impl Keyring {
    pub fn new(current: SecretKey) -> Self {
        Self { current, old: Vec::new() }
    }

    /// Adds a key that may decrypt but never encrypts. A key already in the ring is ignored.
    pub fn with_old_key(mut self, key: SecretKey) -> Self {
        if self.key(key.id()).is_none() {
            self.old.push(key);
        }
        self
    }

    /// The id of the key new values are sealed with, for a start-up log line.
    pub fn current_key_id(&self) -> KeyId {
        self.current.id()
    }

    /// The ids of the decrypt-only keys.
    pub fn old_key_ids(&self) -> Vec<KeyId> {
        self.old.iter().map(SecretKey::id).collect()
    }

    /// Seals `plaintext` with the current key for `context`; the result decrypts only with the same context.
    ///
    /// Each call draws a fresh random nonce, so sealing the same secret twice gives different texts.
    ///
    /// # Panics
    ///
    /// If `plaintext` is longer than the 64 GiB AES-GCM can encrypt at once, which no secret is.
    pub fn encrypt(&self, plaintext: &[u8], context: &str) -> String {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let ciphertext = match self.current.cipher.encrypt(&nonce, Payload { msg: plaintext, aad: context.as_bytes() })
        {
            Ok(ciphertext) => ciphertext,
            Err(_) => panic!("AES-GCM refused to encrypt {} bytes: more than it can encrypt at once", plaintext.len()),
        };
        let mut sealed = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        format!("{FORMAT}.{}.{}", self.current.id(), URL_SAFE_NO_PAD.encode(sealed))
    }

    /// Opens a value [`encrypt`](Self::encrypt) sealed for the same `context`, with whichever key in the ring
    /// sealed it. The plaintext is wiped from memory when the result is dropped.
    pub fn decrypt(&self, sealed: &str, context: &str) -> Result<Zeroizing<Vec<u8>>, SecretError> {
        let (key_id, data) = split(sealed)?;
        let key = self.key(key_id).ok_or(SecretError::UnknownKey { key_id })?;
        let (nonce, ciphertext) = data.split_at(NONCE_LEN);
        key.cipher
            .decrypt(Nonce::from_slice(nonce), Payload { msg: ciphertext, aad: context.as_bytes() })
            .map(Zeroizing::new)
            .map_err(|_| SecretError::Undecryptable { key_id, context: context.to_owned() })
    }

    /// True when `sealed` was not sealed with the current key and should be re-encrypted. Also true for a
    /// value that does not parse at all, so a rotation pass tries it and reports why it cannot be read.
    pub fn needs_rotation(&self, sealed: &str) -> bool {
        !matches!(split(sealed), Ok((key_id, _)) if key_id == self.current.id())
    }

    fn key(&self, id: KeyId) -> Option<&SecretKey> {
        std::iter::once(&self.current).chain(&self.old).find(|key| key.id() == id)
    }
}

/// Takes a sealed text apart into the key id and the nonce followed by the ciphertext.
fn split(sealed: &str) -> Result<(KeyId, Vec<u8>), SecretError> {
    let mut parts = sealed.splitn(3, '.');
    let (Some(version), Some(key_id), Some(data)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(SecretError::Malformed { problem: "it does not have three parts separated by dots" });
    };
    if version != FORMAT {
        let looks_like_version =
            version.len() > 1 && version.starts_with('v') && version[1..].bytes().all(|b| b.is_ascii_digit());
        return Err(if looks_like_version {
            SecretError::UnknownFormat { version: version.to_owned() }
        } else {
            SecretError::Malformed { problem: "it does not start with a format version such as `v1`" }
        });
    }
    let key_id =
        key_id.parse().map_err(|_| SecretError::Malformed { problem: "its key id is not 8 hexadecimal characters" })?;
    let data = URL_SAFE_NO_PAD
        .decode(data)
        .map_err(|_| SecretError::Malformed { problem: "its data is not unpadded base64url" })?;
    if data.len() < NONCE_LEN + TAG_LEN {
        return Err(SecretError::Malformed { problem: "it is too short to hold a nonce and an authentication tag" });
    }
    Ok((key_id, data))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> SecretKey {
        SecretKey::from_bytes(&[byte; KEY_LEN])
    }

    #[test]
    fn round_trip() {
        let ring = Keyring::new(key(1));
        let sealed = ring.encrypt(b"token-123", "account_token:a");
        assert!(sealed.starts_with(&format!("v1.{}.", ring.current_key_id())));
        assert!(!sealed.contains("token-123"));
        assert_eq!(ring.decrypt(&sealed, "account_token:a").unwrap().as_slice(), b"token-123");
        assert!(!ring.needs_rotation(&sealed));
    }

    #[test]
    fn empty_plaintext_round_trips() {
        let ring = Keyring::new(key(1));
        let sealed = ring.encrypt(b"", "c");
        assert!(ring.decrypt(&sealed, "c").unwrap().is_empty());
    }

    #[test]
    fn wrong_context_fails() {
        let ring = Keyring::new(key(1));
        let sealed = ring.encrypt(b"token-123", "account_token:a");
        let err = ring.decrypt(&sealed, "account_token:b").unwrap_err();
        assert!(matches!(err, SecretError::Undecryptable { ref context, .. } if context == "account_token:b"));
        assert!(err.to_string().contains("different record"), "{err}");
    }

    #[test]
    fn tampered_ciphertext_fails() {
        let ring = Keyring::new(key(1));
        let sealed = ring.encrypt(b"token-123", "c");
        let (prefix, data) = sealed.rsplit_once('.').unwrap();
        let mut bytes = URL_SAFE_NO_PAD.decode(data).unwrap();
        // Flip one bit in the ciphertext proper, past the nonce.
        bytes[NONCE_LEN] ^= 0x01;
        let tampered = format!("{prefix}.{}", URL_SAFE_NO_PAD.encode(&bytes));
        assert!(matches!(ring.decrypt(&tampered, "c"), Err(SecretError::Undecryptable { .. })));

        // A truncated value is malformed rather than merely wrong.
        let truncated = &sealed[..sealed.len() - 30];
        assert!(matches!(ring.decrypt(truncated, "c"), Err(SecretError::Malformed { .. })));
    }

    #[test]
    fn malformed_texts_are_told_apart() {
        let ring = Keyring::new(key(1));
        let id = ring.current_key_id();
        let cases = [
            ("", "three parts"),
            ("plain text", "three parts"),
            ("x1.aaaaaaaa.AAAA", "format version"),
            ("v1.zzzz.AAAA", "key id"),
            (&format!("v1.{id}.not base64!"), "base64url"),
            (&format!("v1.{id}.AAAA"), "too short"),
        ];
        for (text, expected) in cases {
            match ring.decrypt(text, "c") {
                Err(err @ SecretError::Malformed { .. }) => {
                    assert!(err.to_string().contains(expected), "{text}: {err}")
                }
                other => panic!("{text}: expected Malformed, got {other:?}"),
            }
            assert!(ring.needs_rotation(text));
        }
        assert!(matches!(
            ring.decrypt(&format!("v2.{id}.AAAA"), "c"),
            Err(SecretError::UnknownFormat { version }) if version == "v2"
        ));
    }

    #[test]
    fn rotation() {
        let old_ring = Keyring::new(key(1));
        let sealed = old_ring.encrypt(b"token-123", "c");

        let ring = Keyring::new(key(2)).with_old_key(key(1));
        assert_eq!(ring.old_key_ids(), vec![key(1).id()]);
        assert_eq!(ring.decrypt(&sealed, "c").unwrap().as_slice(), b"token-123");
        assert!(ring.needs_rotation(&sealed));

        let resealed = ring.encrypt(&ring.decrypt(&sealed, "c").unwrap(), "c");
        assert!(!ring.needs_rotation(&resealed));

        let without_old = Keyring::new(key(2));
        let err = without_old.decrypt(&sealed, "c").unwrap_err();
        assert!(matches!(err, SecretError::UnknownKey { key_id } if key_id == key(1).id()));
        let message = err.to_string();
        assert!(message.contains(&key(1).id().to_string()) && message.contains(OLD_SECRET_KEYS_VAR), "{message}");
    }

    #[test]
    fn adding_the_current_key_as_old_key_is_ignored() {
        let ring = Keyring::new(key(1)).with_old_key(key(1)).with_old_key(key(2)).with_old_key(key(2));
        assert_eq!(ring.old_key_ids(), vec![key(2).id()]);
    }

    #[test]
    fn nonces_differ() {
        let ring = Keyring::new(key(1));
        let a = ring.encrypt(b"same", "c");
        let b = ring.encrypt(b"same", "c");
        assert_ne!(a, b);
        let nonce = |s: &str| URL_SAFE_NO_PAD.decode(s.rsplit_once('.').unwrap().1).unwrap()[..NONCE_LEN].to_vec();
        assert_ne!(nonce(&a), nonce(&b));
    }

    #[test]
    fn key_id_is_the_start_of_the_sha256_of_the_key() {
        // SHA-256 of 32 zero bytes is 66687aadf862bd77…
        assert_eq!(key(0).id().to_string(), "66687aad");
        assert_eq!("66687aad".parse::<KeyId>(), Ok(key(0).id()));
    }

    #[test]
    fn debug_never_shows_key_bytes() {
        let ring = Keyring::new(SecretKey::parse(&"ab".repeat(32)).unwrap());
        let debug = format!("{ring:?}");
        assert!(debug.contains(&ring.current_key_id().to_string()), "{debug}");
        assert!(!debug.to_lowercase().contains("abab"), "{debug}");
        assert!(!debug.contains("171, 171"), "{debug}");
    }
}
