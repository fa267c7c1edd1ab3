use std::fmt;
use std::str::FromStr;

use aes_gcm::{Aes256Gcm, KeyInit};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// Key length in bytes: AES-256.
pub const KEY_LEN: usize = 32;

/// Names a key without revealing it: the first 4 bytes of its SHA-256, shown as 8 hex characters.
///
/// Derived from the key itself, so the same key has the same id on every machine and no list of ids has to
/// be kept anywhere. 32 bits are plenty to tell a handful of keys apart; they are not a security boundary
/// (AES-GCM authentication is).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyId([u8; 4]);

impl KeyId {
    fn of(key: &[u8; KEY_LEN]) -> Self {
        let digest = Sha256::digest(key);
        Self([digest[0], digest[1], digest[2], digest[3]])
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

/// Not a key id: anything but exactly 8 hexadecimal characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidKeyId;

impl FromStr for KeyId {
    type Err = InvalidKeyId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut bytes = [0u8; 4];
        hex::decode_to_slice(s, &mut bytes).map_err(|_| InvalidKeyId)?;
        Ok(Self(bytes))
    }
}

/// One AES-256 key, ready to use.
///
/// Only the expanded cipher is kept, and both it and every temporary copy of the raw bytes are wiped when
/// dropped. `Debug` shows the id only, so a key can never end up in a log line by accident.
pub struct SecretKey {
    id: KeyId,
    pub(crate) cipher: Aes256Gcm,
}

impl SecretKey {
    pub fn from_bytes(bytes: &[u8; KEY_LEN]) -> Self {
        Self { id: KeyId::of(bytes), cipher: Aes256Gcm::new(bytes.into()) }
    }

    /// A fresh key from the operating system's random source.
    pub fn generate() -> Self {
        Self::from_bytes(&random_key_bytes())
    }

    pub fn id(&self) -> KeyId {
        self.id
    }

    /// Parses a key written as 64 hex characters or as 44 characters of standard (padded) base64.
    ///
    /// Surrounding whitespace is ignored, so a key file with a trailing newline or a value pasted with a space
    /// works. The error says what is wrong without repeating the text.
    pub fn parse(text: &str) -> Result<Self, KeyParseError> {
        let text = text.trim();
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        match text.len() {
            0 => return Err(KeyParseError::Empty),
            64 => hex::decode_to_slice(text, bytes.as_mut()).map_err(|_| KeyParseError::NotHex)?,
            44 => {
                let decoded = Zeroizing::new(STANDARD.decode(text).map_err(|_| KeyParseError::NotBase64)?);
                if decoded.len() != KEY_LEN {
                    return Err(KeyParseError::NotBase64);
                }
                bytes.copy_from_slice(&decoded);
            }
            _ => return Err(KeyParseError::WrongLength),
        }
        Ok(Self::from_bytes(&bytes))
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretKey").field("id", &self.id).finish_non_exhaustive()
    }
}

/// Why a key's text form was refused; the [`Display`](fmt::Display) text completes "… is not a valid key: ".
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyParseError {
    #[error("it is empty")]
    Empty,
    #[error("it contains bytes that are not text")]
    NotText,
    #[error("it has the wrong length")]
    WrongLength,
    #[error("it is 64 characters long but not all of them are hexadecimal digits")]
    NotHex,
    #[error("it is 44 characters long but not valid base64 of 32 bytes")]
    NotBase64,
}

pub(crate) fn random_key_bytes() -> Zeroizing<[u8; KEY_LEN]> {
    let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
    OsRng.fill_bytes(bytes.as_mut());
    bytes
}
