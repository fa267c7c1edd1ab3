//! Uploaded files in S3 or an S3-compatible service (MinIO, Ceph, Garage, R2, …) through the `object_store` crate.

use std::sync::Arc;

use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use crate::{BlobKey, BlobStore, StoreError, StoreResult};

/// Where the files go: a bucket, and a prefix inside it so one bucket can serve several installations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Location {
    pub bucket: String,
    /// Without leading or trailing `/`; empty for the bucket's root.
    pub prefix: String,
}

impl S3Location {
    /// Parses `s3://bucket` or `s3://bucket/some/prefix`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let rest = raw.trim().strip_prefix("s3://").ok_or_else(|| format!("'{raw}' does not start with s3://"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        // S3's own rule for bucket names, which S3-compatible services follow.
        let valid_bucket = (3..=63).contains(&bucket.len())
            && bucket.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
            && bucket.starts_with(|c: char| c.is_ascii_alphanumeric())
            && bucket.ends_with(|c: char| c.is_ascii_alphanumeric());
        if !valid_bucket {
            return Err(format!(
                "'{bucket}' is not a bucket name (3 to 63 lower-case letters, digits, dots and hyphens)"
            ));
        }
        let prefix = prefix.trim_matches('/');
        if prefix.split('/').any(|part| part == "." || part == ".." || (part.is_empty() && !prefix.is_empty())) {
            return Err(format!("the prefix '{prefix}' has an empty, '.' or '..' part"));
        }
        Ok(Self { bucket: bucket.to_string(), prefix: prefix.to_string() })
    }
}

impl std::fmt::Display for S3Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.prefix.is_empty() {
            write!(f, "s3://{}", self.bucket)
        } else {
            write!(f, "s3://{}/{}", self.bucket, self.prefix)
        }
    }
}

/// Files as objects in a bucket, under a prefix.
#[derive(Debug, Clone)]
pub struct ObjectStoreBlobStore {
    store: Arc<dyn ObjectStore>,
    prefix: String,
    /// For messages: `s3://bucket/prefix`.
    name: String,
}

impl ObjectStoreBlobStore {
    /// Files in any `object_store` store, under `prefix`.
    pub fn new(store: Arc<dyn ObjectStore>, prefix: &str, name: impl Into<String>) -> Self {
        Self { store, prefix: prefix.trim_matches('/').to_string(), name: name.into() }
    }

    /// Files in an S3 bucket. Credentials and region come from the usual AWS variables (`AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`, …); `endpoint` points at an S3-compatible
    /// service instead of Amazon's, addressed by path (`https://host/bucket/key`), as such services expect.
    /// Nothing is contacted until the first file is stored or read.
    pub fn s3(location: &S3Location, endpoint: Option<&str>) -> StoreResult<Self> {
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(&location.bucket);
        if std::env::var_os("AWS_REGION").is_none() && std::env::var_os("AWS_DEFAULT_REGION").is_none() {
            // S3-compatible services mostly ignore the region, but requests are signed with one.
            builder = builder.with_region("us-east-1");
        }
        if let Some(endpoint) = endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"))
                .with_virtual_hosted_style_request(false);
        }
        let store = builder.build().map_err(|e| StoreError::Other(format!("cannot use the bucket {location}: {e}")))?;
        Ok(Self::new(Arc::new(store), &location.prefix, location.to_string()))
    }

    fn path_of(&self, key: &BlobKey) -> Path {
        if self.prefix.is_empty() {
            Path::from(key.as_str())
        } else {
            Path::from(format!("{}/{}", self.prefix, key.as_str()))
        }
    }

    fn failed(&self, action: &str, key: &BlobKey, e: &object_store::Error) -> StoreError {
        StoreError::Other(format!("cannot {action} {key} in {}: {e}", self.name))
    }
}

#[async_trait]
impl BlobStore for ObjectStoreBlobStore {
    async fn put(&self, key: &BlobKey, bytes: &[u8]) -> StoreResult<()> {
        // A single PUT: the object appears whole or not at all.
        self.store
            .put(&self.path_of(key), PutPayload::from(bytes.to_vec()))
            .await
            .map_err(|e| self.failed("write", key, &e))?;
        Ok(())
    }

    async fn get(&self, key: &BlobKey) -> StoreResult<Vec<u8>> {
        let found = match self.store.get(&self.path_of(key)).await {
            Ok(found) => found,
            Err(object_store::Error::NotFound { .. }) => return Err(StoreError::NotFound("file")),
            Err(e) => return Err(self.failed("read", key, &e)),
        };
        let bytes = found.bytes().await.map_err(|e| self.failed("read", key, &e))?;
        Ok(bytes.to_vec())
    }

    async fn delete(&self, key: &BlobKey) -> StoreResult<()> {
        match self.store.delete(&self.path_of(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.failed("delete", key, &e)),
        }
    }

    async fn delete_prefix(&self, prefix: &BlobKey) -> StoreResult<()> {
        let under = self.path_of(prefix);
        let found: Vec<Path> = self
            .store
            .list(Some(&under))
            .map_ok(|meta| meta.location)
            .try_collect()
            .await
            .map_err(|e| self.failed("list", prefix, &e))?;
        let locations = futures::stream::iter(found.into_iter().map(Ok)).boxed();
        self.store.delete_stream(locations).try_for_each(|_| async { Ok(()) }).await.or_else(|e| match e {
            object_store::Error::NotFound { .. } => Ok(()),
            e => Err(self.failed("delete", prefix, &e)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_a_bucket_and_a_prefix() {
        let at = |raw: &str| S3Location::parse(raw);
        assert_eq!(at("s3://media"), Ok(S3Location { bucket: "media".into(), prefix: String::new() }));
        assert_eq!(
            at("s3://my.media/chorus/prod/"),
            Ok(S3Location { bucket: "my.media".into(), prefix: "chorus/prod".into() })
        );
        assert_eq!(at("s3://media/a").map(|l| l.to_string()).as_deref(), Ok("s3://media/a"));
        for bad in ["media", "s3://", "s3://Media", "s3://ab", "s3://-media", "s3://media/a//b", "s3://media/../x"] {
            assert!(at(bad).is_err(), "{bad}");
        }
    }
}
