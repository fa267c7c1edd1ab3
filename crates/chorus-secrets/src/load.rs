//! Where the keys come from: the environment, or a key file in the data folder made on first run.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::key::random_key_bytes;
use crate::{KEY_LEN, KeyParseError, Keyring, SecretError, SecretKey};

/// The environment variable holding the current key.
pub const SECRET_KEY_VAR: &str = "CHORUS_SECRET_KEY";
/// The environment variable holding older keys, comma-separated, kept for decryption only.
pub const OLD_SECRET_KEYS_VAR: &str = "CHORUS_OLD_SECRET_KEYS";
/// The key file's name inside the data folder.
pub const KEY_FILE_NAME: &str = "secret.key";

/// Where the current key came from, for the start-up log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// `CHORUS_SECRET_KEY`.
    Environment,
    /// A key file that already existed.
    KeyFile(PathBuf),
    /// A key file created just now, on first run.
    GeneratedKeyFile(PathBuf),
}

impl fmt::Display for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySource::Environment => write!(f, "the {SECRET_KEY_VAR} environment variable"),
            KeySource::KeyFile(path) => write!(f, "the key file {}", path.display()),
            KeySource::GeneratedKeyFile(path) => write!(
                f,
                "the key file {}, generated just now; back it up along with the database, as the secrets stored \
                 from now on cannot be read without it",
                path.display()
            ),
        }
    }
}

impl Keyring {
    /// Builds the keyring Chorus runs with.
    ///
    /// `secret_key` and `old_keys` are the values of [`SECRET_KEY_VAR`] and [`OLD_SECRET_KEYS_VAR`], if set;
    /// this function does not read the environment itself, so tests and the command line stay in control.
    /// A set but empty `secret_key` is an error rather than a fallback to the key file: a blank variable in
    /// a deployment file is far more likely a mistake than a wish.
    ///
    /// Without `secret_key`, the key is read from `<data_dir>/secret.key`, which is created (0600, holding 64
    /// hex characters) if it does not exist yet. The folder is created too if needed.
    pub fn from_env_or_file(
        secret_key: Option<&str>,
        old_keys: Option<&str>,
        data_dir: &Path,
    ) -> Result<(Keyring, KeySource), SecretError> {
        let (current, source) = match secret_key {
            Some(text) => {
                let key = SecretKey::parse(text)
                    .map_err(|problem| SecretError::InvalidKey { variable: SECRET_KEY_VAR.to_owned(), problem })?;
                (key, KeySource::Environment)
            }
            None => load_or_create_key_file(data_dir)?,
        };

        let mut ring = Keyring::new(current);
        // Blank entries are skipped so that `a,b,` or `a, b` work as people expect.
        for (index, text) in old_keys.unwrap_or_default().split(',').enumerate() {
            if text.trim().is_empty() {
                continue;
            }
            let key = SecretKey::parse(text).map_err(|problem| SecretError::InvalidKey {
                variable: format!("entry {} of {OLD_SECRET_KEYS_VAR}", index + 1),
                problem,
            })?;
            ring = ring.with_old_key(key);
        }
        Ok((ring, source))
    }
}

fn load_or_create_key_file(data_dir: &Path) -> Result<(SecretKey, KeySource), SecretError> {
    let path = data_dir.join(KEY_FILE_NAME);
    if let Some(key) = read_key_file(&path)? {
        return Ok((key, KeySource::KeyFile(path)));
    }
    match create_key_file(data_dir, &path)? {
        Some(key) => Ok((key, KeySource::GeneratedKeyFile(path))),
        None => {
            let key = read_key_file(&path)?
                .ok_or_else(|| io_error("read", &path, io::Error::from(io::ErrorKind::NotFound)))?;
            Ok((key, KeySource::KeyFile(path)))
        }
    }
}

/// The key in `path`, or `None` if there is no such file.
fn read_key_file(path: &Path) -> Result<Option<SecretKey>, SecretError> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(io_error("open", path, err)),
    };
    // Checked on the open file rather than the path, so the file cannot be swapped in between.
    check_only_owner_can_access(&file, path)?;

    // Big enough for the key and a line ending, so the buffer is not reallocated, which would leave an unwiped
    // copy behind.
    let mut bytes = Zeroizing::new(Vec::with_capacity(2 * KEY_LEN + 16));
    file.read_to_end(&mut bytes).map_err(|err| io_error("read", path, err))?;
    let malformed = |problem| SecretError::MalformedKeyFile { path: path.to_owned(), problem };
    let text = std::str::from_utf8(&bytes).map_err(|_| malformed(KeyParseError::NotText))?;
    SecretKey::parse(text).map(Some).map_err(malformed)
}

#[cfg(unix)]
fn check_only_owner_can_access(file: &File, path: &Path) -> Result<(), SecretError> {
    use std::os::unix::fs::PermissionsExt;

    let mode = file.metadata().map_err(|err| io_error("inspect", path, err))?.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(SecretError::InsecureKeyFile { path: path.to_owned(), mode });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_only_owner_can_access(_file: &File, _path: &Path) -> Result<(), SecretError> {
    Ok(())
}

/// Writes a new random key to `path` so that the file is either absent or complete, never half-written, and
/// never readable by anyone but its owner, not even for a moment.
///
/// `None` when another process created the file first: its key is the one to use.
fn create_key_file(data_dir: &Path, path: &Path) -> Result<Option<SecretKey>, SecretError> {
    fs::create_dir_all(data_dir).map_err(|err| io_error("create the folder for", path, err))?;

    let key_bytes = random_key_bytes();
    let mut text = Zeroizing::new([0u8; 2 * KEY_LEN + 1]);
    hex::encode_to_slice(key_bytes.as_ref(), &mut text[..2 * KEY_LEN])
        .map_err(|err| io_error("create", path, io::Error::other(err)))?;
    text[2 * KEY_LEN] = b'\n';

    let temp = data_dir.join(format!(".{KEY_FILE_NAME}.{:08x}.tmp", rand::random::<u32>()));
    let written = write_new_file(&temp, text.as_ref());
    let published = written.and_then(|()| publish(&temp, path));
    // The temporary name is gone after a rename, and only a second link to the key after a hard link.
    let _ = fs::remove_file(&temp);
    let created = published.map_err(|err| io_error("create", path, err))?;
    sync_folder(data_dir).map_err(|err| io_error("save", path, err))?;
    Ok(created.then(|| SecretKey::from_bytes(&key_bytes)))
}

fn write_new_file(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    // On disk before it gets its real name: after a crash, the key file is complete or not there at all.
    file.sync_all()
}

/// Gives the finished temporary file the key file's name; false if a key file appeared meanwhile.
///
/// A hard link, unlike a rename, never replaces an existing file: if two Chorus processes (say the web server
/// and a worker) start on an empty data folder at the same moment, one key wins and both use it, instead of
/// the second silently replacing a key the first may already have encrypted with. File systems without hard
/// links fall back to a rename.
fn publish(temp: &Path, path: &Path) -> io::Result<bool> {
    match fs::hard_link(temp, path) {
        Ok(()) => Ok(true),
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        Err(_) => fs::rename(temp, path).map(|()| true),
    }
}

/// Makes the new directory entry itself durable.
#[cfg(unix)]
fn sync_folder(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_folder(_dir: &Path) -> io::Result<()> {
    Ok(())
}

fn io_error(action: &'static str, path: &Path, source: io::Error) -> SecretError {
    SecretError::KeyFile { action, path: path.to_owned(), source }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX_KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    const BASE64_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    #[test]
    fn env_key_in_hex_or_base64() {
        let dir = tempfile::tempdir().unwrap();
        let (from_hex, source) = Keyring::from_env_or_file(Some(HEX_KEY), None, dir.path()).unwrap();
        assert_eq!(source, KeySource::Environment);
        let (from_base64, _) = Keyring::from_env_or_file(Some(&format!(" {BASE64_KEY}\n")), None, dir.path()).unwrap();
        assert_eq!(from_hex.current_key_id(), from_base64.current_key_id());
        // The environment wins: no key file is made.
        assert!(!dir.path().join(KEY_FILE_NAME).exists());
    }

    #[test]
    fn malformed_env_key_refused_without_echoing_it() {
        let dir = tempfile::tempdir().unwrap();
        let almost_hex = format!("{}zz", &HEX_KEY[..62]);
        let cases = ["", "secret-but-too-short", almost_hex.as_str(), "!AECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="];
        for value in cases {
            let err = Keyring::from_env_or_file(Some(value), None, dir.path()).unwrap_err();
            assert!(matches!(err, SecretError::InvalidKey { .. }), "{err:?}");
            let message = err.to_string();
            assert!(message.contains(SECRET_KEY_VAR) && message.contains("64 hexadecimal"), "{message}");
            if !value.is_empty() {
                assert!(!message.contains(value), "{message}");
                assert!(!format!("{err:?}").contains(value));
            }
        }
    }

    #[test]
    fn old_keys_are_parsed_and_malformed_ones_named_by_position() {
        let dir = tempfile::tempdir().unwrap();
        let current = "11".repeat(32);
        let (ring, _) =
            Keyring::from_env_or_file(Some(&current), Some(&format!("{HEX_KEY}, {BASE64_KEY},")), dir.path()).unwrap();
        // Both old entries are the same key, given in two forms.
        assert_eq!(ring.old_key_ids().len(), 1);

        let err = Keyring::from_env_or_file(Some(&current), Some(&format!("{HEX_KEY},nope")), dir.path()).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("entry 2 of CHORUS_OLD_SECRET_KEYS"), "{message}");
        assert!(!message.contains("nope"), "{message}");
    }

    #[cfg(unix)]
    #[test]
    fn key_file_created_private_and_read_back() {
        use std::os::unix::fs::PermissionsExt;

        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().join("data");
        let (first, source) = Keyring::from_env_or_file(None, None, &data_dir).unwrap();
        let path = data_dir.join(KEY_FILE_NAME);
        assert_eq!(source, KeySource::GeneratedKeyFile(path.clone()));
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        let contents = fs::read_to_string(&path).unwrap();
        assert_eq!(contents.trim_end().len(), 64);
        // Nothing but the key file is left behind.
        assert_eq!(fs::read_dir(&data_dir).unwrap().count(), 1);

        let (second, source) = Keyring::from_env_or_file(None, None, &data_dir).unwrap();
        assert_eq!(source, KeySource::KeyFile(path));
        assert_eq!(first.current_key_id(), second.current_key_id());
        let sealed = first.encrypt(b"x", "c");
        assert_eq!(second.decrypt(&sealed, "c").unwrap().as_slice(), b"x");
    }

    #[cfg(unix)]
    #[test]
    fn group_readable_key_file_refused() {
        use std::os::unix::fs::PermissionsExt;

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(KEY_FILE_NAME);
        fs::write(&path, HEX_KEY).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        let err = Keyring::from_env_or_file(None, None, dir.path()).unwrap_err();
        assert!(matches!(err, SecretError::InsecureKeyFile { mode: 0o640, .. }), "{err:?}");
        assert!(err.to_string().contains("chmod 600"), "{err}");

        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        assert!(Keyring::from_env_or_file(None, None, dir.path()).is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn malformed_key_file_refused_and_kept() {
        use std::os::unix::fs::PermissionsExt;

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(KEY_FILE_NAME);
        for contents in [&b"not a key\n"[..], &b""[..], &[0xff; 64][..]] {
            fs::write(&path, contents).unwrap();
            fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
            let err = Keyring::from_env_or_file(None, None, dir.path()).unwrap_err();
            assert!(matches!(err, SecretError::MalformedKeyFile { .. }), "{err:?}");
            assert!(err.to_string().contains(KEY_FILE_NAME), "{err}");
            // Never replaced: whatever it held may still be needed.
            assert_eq!(fs::read(&path).unwrap(), contents);
        }
    }
}
