//! Where the bytes of uploaded files live: a small key–value interface, so the rows describing a file stay
//! in the database while its bytes go to a directory today and to S3-compatible storage later.
//!
//! Keys are built only from ids Chorus generated ([`BlobKey::asset`]), never from anything a user sent, so a
//! key cannot climb out of its directory.
//!
//! TODO: an S3-compatible implementation through the `object_store` crate, chosen by a setting of `chorus serve`.

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
