//! Where the bytes of uploaded files live: a small key–value interface, so the rows describing a file stay
//! in the database while its bytes go to a directory today and to S3-compatible storage later.
//!
//! Keys are built only from ids Chorus generated ([`BlobKey::asset`]) and names Chorus chose, never from anything a
//! user sent, so a key cannot climb out of its directory.
//!
//! [`LocalBlobStore`] keeps files in a directory; [`crate::ObjectStoreBlobStore`] in an S3-compatible bucket.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use chorus_domain::{AssetId, ClientId};

use crate::{StoreError, StoreResult};

/// The name of a stored file: `<client id>/<asset id>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlobKey(String);

impl BlobKey {
    /// Where an asset's bytes are kept.
    pub fn asset(client: ClientId, asset: AssetId) -> Self {
        Self(format!("{client}/{asset}"))
    }

    /// Everything made from an asset — its thumbnail and renditions — lives under this prefix, so deleting the
    /// asset can delete them all with [`BlobStore::delete_prefix`].
    pub fn derived(client: ClientId, asset: AssetId) -> Self {
        Self(format!("{client}/derived/{asset}"))
    }

    /// An asset's thumbnail in the media library.
    pub fn thumbnail(client: ClientId, asset: AssetId) -> Self {
        Self(format!("{}/thumbnail", Self::derived(client, asset)))
    }

    /// An asset rendered to a spec Chorus names, e.g. `4x5-crop-1080`. Characters other than ASCII letters,
    /// digits, `-` and `_` are written as `~` and their hex code (`4:5` is `4~3a5`), so every name gives its own
    /// key and none can name a directory.
    pub fn rendition(client: ClientId, asset: AssetId, spec: &str) -> Self {
        let mut name = String::with_capacity(spec.len());
        for byte in spec.bytes() {
            if byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_' {
                name.push(char::from(byte));
            } else {
                name.push_str(&format!("~{byte:02x}"));
            }
        }
        if name.is_empty() {
            name.push('~');
        }
        Self(format!("{}/rendition/{name}", Self::derived(client, asset)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for BlobKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Stores whole files by key. A missing key is `NotFound("file")`.
#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Stores `bytes` under `key`, replacing what was there. Readers never see a half-written file.
    async fn put(&self, key: &BlobKey, bytes: &[u8]) -> StoreResult<()>;
    async fn get(&self, key: &BlobKey) -> StoreResult<Vec<u8>>;
    /// Removes the file; removing a missing one is not an error.
    async fn delete(&self, key: &BlobKey) -> StoreResult<()>;
    /// Removes every file whose key is `prefix` followed by `/` and more (whole segments: `a/b` does not reach
    /// `a/bc`); a prefix with nothing under it is not an error.
    async fn delete_prefix(&self, prefix: &BlobKey) -> StoreResult<()>;
}

/// Files in a directory on the local disk, one sub-directory per client.
#[derive(Debug, Clone)]
pub struct LocalBlobStore {
    root: PathBuf,
}

impl LocalBlobStore {
    /// Files under `root`, which is created on the first write.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path_of(&self, key: &BlobKey) -> PathBuf {
        key.as_str().split('/').fold(self.root.clone(), |path, part| path.join(part))
    }
}

fn io_error(action: &str, path: &Path, e: &std::io::Error) -> StoreError {
    StoreError::Other(format!("cannot {action} {}: {e}", path.display()))
}

#[async_trait]
impl BlobStore for LocalBlobStore {
    async fn put(&self, key: &BlobKey, bytes: &[u8]) -> StoreResult<()> {
        let path = self.path_of(key);
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(|e| io_error("create", dir, &e))?;
        }
        // Written beside the final name and renamed into place, so a crash leaves no truncated file.
        let partial = path.with_extension(format!("partial-{}", uuid::Uuid::now_v7()));
        if let Err(e) = tokio::fs::write(&partial, bytes).await {
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(io_error("write", &partial, &e));
        }
        if let Err(e) = tokio::fs::rename(&partial, &path).await {
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(io_error("write", &path, &e));
        }
        Ok(())
    }

    async fn get(&self, key: &BlobKey) -> StoreResult<Vec<u8>> {
        let path = self.path_of(key);
        match tokio::fs::read(&path).await {
            Ok(bytes) => Ok(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(StoreError::NotFound("file")),
            Err(e) => Err(io_error("read", &path, &e)),
        }
    }

    async fn delete(&self, key: &BlobKey) -> StoreResult<()> {
        let path = self.path_of(key);
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_error("delete", &path, &e)),
        }
    }

    async fn delete_prefix(&self, prefix: &BlobKey) -> StoreResult<()> {
        let path = self.path_of(prefix);
        match tokio::fs::remove_dir_all(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            // A file, not a directory, at the prefix is not under it.
            Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => Ok(()),
            Err(e) => Err(io_error("delete", &path, &e)),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[tokio::test]
    async fn files_are_written_read_and_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = LocalBlobStore::new(dir.path().join("media"));
        let key = BlobKey::asset(ClientId::new(), AssetId::new());
        assert!(matches!(blobs.get(&key).await, Err(StoreError::NotFound("file"))));
        blobs.put(&key, b"first").await.unwrap();
        blobs.put(&key, b"second").await.unwrap();
        assert_eq!(blobs.get(&key).await.unwrap(), b"second");
        blobs.delete(&key).await.unwrap();
        blobs.delete(&key).await.unwrap();
        assert!(matches!(blobs.get(&key).await, Err(StoreError::NotFound("file"))));
        let client_dir = std::fs::read_dir(dir.path().join("media")).unwrap().count();
        assert_eq!(client_dir, 1, "one directory per client");
    }
}
