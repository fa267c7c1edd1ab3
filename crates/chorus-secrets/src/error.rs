use std::path::PathBuf;

use crate::{KeyId, KeyParseError};

/// Why a key could not be loaded or a value could not be decrypted.
///
/// Messages are written for the person running Chorus: each says what is wrong and what to do about it. None
/// of them ever contains key material or a decrypted value.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// A key given through the environment does not parse. The value itself is never repeated, as it may be
    /// a real key with a typo.
    #[error(
        "{variable} is not a valid key: {problem}; expected 64 hexadecimal characters or 44 characters of standard base64, \
         i.e. 32 bytes (generate one with `openssl rand -hex 32`)"
    )]
    InvalidKey { variable: String, problem: KeyParseError },

    /// The key file exists but does not hold a key.
    #[error(
        "{} does not hold a valid key: {problem}; it must contain 64 hexadecimal characters (32 bytes). \
         Restore it from a backup; delete it only if nothing was ever encrypted with it, and Chorus will make a new one",
        path.display()
    )]
    MalformedKeyFile { path: PathBuf, problem: KeyParseError },

    /// The key file can be read or changed by other users of the machine.
    #[error(
        "{} can be read or changed by users other than its owner (mode {mode:04o}); run `chmod 600 {}` and start Chorus again",
        path.display(),
        path.display()
    )]
    InsecureKeyFile { path: PathBuf, mode: u32 },

    /// The key file could not be read, created or written.
    #[error("could not {action} the key file {}: {source}", path.display())]
    KeyFile {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The text is not something [`Keyring::encrypt`](crate::Keyring::encrypt) produces, e.g. it was cut
    /// short or edited by hand.
    #[error("the encrypted value is malformed ({problem}); it was not written by Chorus or has been damaged")]
    Malformed { problem: &'static str },

    /// The text names a format version this build does not know, e.g. one written by a newer Chorus.
    #[error("the encrypted value uses format `{version}`, which this version of Chorus cannot read; upgrade Chorus")]
    UnknownFormat { version: String },

    /// The value was encrypted with a key that is not in the keyring.
    #[error(
        "the value was encrypted with key {key_id}, which is not configured; add that key to CHORUS_OLD_SECRET_KEYS \
         (or make it CHORUS_SECRET_KEY again)"
    )]
    UnknownKey { key_id: KeyId },

    /// The key is known but the value does not decrypt: it was altered after encryption, or it was encrypted
    /// for a different record (`context`). AES-GCM cannot tell these two apart, by design.
    #[error(
        "the value encrypted with key {key_id} does not decrypt for {context}: it was altered, or it belongs to a \
         different record (copied from elsewhere); store the secret again"
    )]
    Undecryptable { key_id: KeyId, context: String },
}
