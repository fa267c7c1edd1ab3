//! Turns flags and environment variables into checked settings. Every message names the flag and its
//! variable, and what a valid value looks like.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::cli::{DatabaseArgs, ServeArgs};

/// A flag or environment variable with a value Chorus cannot use. Like clap's own usage errors it makes the
/// process exit with code 2, so a supervisor can tell "fix the configuration" (restarting will not help) from
/// a failure at run time (exit code 1), e.g. with systemd's `RestartPreventExitStatus=2`.
#[derive(Debug)]
pub struct BadSetting(pub String);

impl std::fmt::Display for BadSetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadSetting {}

/// Returns early with a [`BadSetting`] built like `format!`.
macro_rules! bad_setting {
    ($($arg:tt)*) => {
        return Err(anyhow::Error::new($crate::settings::BadSetting(format!($($arg)*))))
    };
}
pub(crate) use bad_setting;

/// A [`BadSetting`] as an `anyhow::Error`, for `map_err`.
pub fn bad(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(BadSetting(message.into()))
}

/// Which database to use.
#[derive(Debug, Clone)]
pub enum DatabaseLocation {
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL (it may hold a password: never print it).
    Postgres(String),
}

/// Where uploaded media is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaLocation {
    Folder(PathBuf),
    /// A bucket of S3 or, with an endpoint, of an S3-compatible service.
    S3 {
        location: chorus_store::S3Location,
        endpoint: Option<String>,
    },
}

/// The media store named by `--media-store` and `--s3-endpoint`, or the `media` folder in the data folder.
pub fn media_location(args: &ServeArgs, data_dir: &std::path::Path) -> anyhow::Result<MediaLocation> {
    let endpoint = match args.s3_endpoint.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        None => None,
        Some(raw) => {
            url::Url::parse(raw).ok().filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some()).ok_or_else(
                || bad(format!("--s3-endpoint / CHORUS_S3_ENDPOINT: '{raw}' is not an http(s) address such as https://minio.example.com")),
            )?;
            Some(raw.trim_end_matches('/').to_string())
        }
    };
    let raw = args.media_store.as_deref().map(str::trim).filter(|m| !m.is_empty());
    match raw {
        Some(raw) if raw.starts_with("s3://") => {
            let location = chorus_store::S3Location::parse(raw).map_err(|e| {
                bad(format!("--media-store / CHORUS_MEDIA_STORE: {e}; expected s3://bucket or s3://bucket/prefix"))
            })?;
            Ok(MediaLocation::S3 { location, endpoint })
        }
        Some(raw) if raw.contains("://") => bad_setting!(
            "--media-store / CHORUS_MEDIA_STORE: '{raw}' is neither a folder nor s3://bucket/prefix; other object stores are not supported"
        ),
        _ if endpoint.is_some() => bad_setting!(
            "--s3-endpoint / CHORUS_S3_ENDPOINT is set but media is kept in a folder; set --media-store / CHORUS_MEDIA_STORE to s3://bucket/prefix, or unset the endpoint"
        ),
        Some(folder) => Ok(MediaLocation::Folder(PathBuf::from(folder))),
        None => Ok(MediaLocation::Folder(data_dir.join("media"))),
    }
}

#[derive(Debug, Clone)]
pub struct ServeSettings {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database: DatabaseLocation,
    pub public_url: Option<url::Url>,
    pub trust_proxy_headers: bool,
    pub fetch_allow_private: bool,
    pub worker_concurrency: usize,
    pub shutdown_grace: Duration,
    pub media: MediaLocation,
}

pub fn data_dir(args: &DatabaseArgs) -> anyhow::Result<PathBuf> {
    if args.data_dir.trim().is_empty() {
        bad_setting!("--data-dir / CHORUS_DATA_DIR is empty; give a folder such as ./chorus-data");
    }
    Ok(PathBuf::from(&args.data_dir))
}

/// The database named by `--database-url`, chosen by its scheme, or the SQLite file in the data folder.
pub fn database_location(args: &DatabaseArgs) -> anyhow::Result<DatabaseLocation> {
    let dir = data_dir(args)?;
    let Some(raw) = args.database_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) else {
        return Ok(DatabaseLocation::Sqlite(dir.join("chorus.db")));
    };
    let scheme = raw.split_once("://").map(|(s, _)| s).or_else(|| raw.split_once(':').map(|(s, _)| s));
    match scheme {
        Some("postgres" | "postgresql") => {
            url::Url::parse(raw).map_err(|e| {
                bad(format!("--database-url / CHORUS_DATABASE_URL is not a valid URL ({e}); expected postgres://user:password@host:5432/database"))
            })?;
            Ok(DatabaseLocation::Postgres(raw.to_string()))
        }
        Some("sqlite") => {
            let path = raw.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
            let path = path.split('?').next().unwrap_or(path);
            if path.is_empty() {
                bad_setting!("--database-url / CHORUS_DATABASE_URL names no file; expected sqlite://path/to/chorus.db");
            }
            Ok(DatabaseLocation::Sqlite(PathBuf::from(path)))
        }
        Some(other) => bad_setting!(
            "--database-url / CHORUS_DATABASE_URL uses '{other}', which Chorus does not support; use postgres://… or sqlite://…"
        ),
        None => bad_setting!("--database-url / CHORUS_DATABASE_URL is not a URL; expected postgres://… or sqlite://…"),
    }
}

impl ServeSettings {
    pub fn from_args(args: &ServeArgs) -> anyhow::Result<Self> {
        let listen = args.listen.trim().parse::<SocketAddr>().map_err(|_| {
            bad(format!(
                "--listen / CHORUS_LISTEN: '{}' is not an address and port such as 127.0.0.1:8080",
                args.listen
            ))
        })?;
        let public_url = match args.public_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            None => None,
            Some(raw) => {
                let url = url::Url::parse(raw)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
                    .ok_or_else(|| {
                        bad(format!("--public-url / CHORUS_PUBLIC_URL: '{raw}' is not an http(s) address such as https://chorus.example.com"))
                    })?;
                Some(url)
            }
        };
        let worker_concurrency =
            args.worker_concurrency.trim().parse::<usize>().ok().filter(|n| *n <= 256).ok_or_else(|| {
                bad(format!(
                    "--worker-concurrency / CHORUS_WORKER_CONCURRENCY: '{}' is not a number from 0 to 256",
                    args.worker_concurrency
                ))
            })?;
        let grace = args.shutdown_grace.trim().parse::<u64>().ok().filter(|n| *n <= 3600).ok_or_else(|| {
            bad(format!(
                "--shutdown-grace / CHORUS_SHUTDOWN_GRACE: '{}' is not a number of seconds from 0 to 3600",
                args.shutdown_grace
            ))
        })?;
        let media = media_location(args, &data_dir(&args.database)?)?;
        Ok(Self {
            listen,
            media,
            data_dir: data_dir(&args.database)?,
            database: database_location(&args.database)?,
            public_url,
            trust_proxy_headers: args.trust_proxy_headers,
            fetch_allow_private: args.fetch_allow_private,
            worker_concurrency,
            shutdown_grace: Duration::from_secs(grace),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db(url: Option<&str>) -> anyhow::Result<DatabaseLocation> {
        database_location(&DatabaseArgs { data_dir: "data".into(), database_url: url.map(str::to_string) })
    }

    #[test]
    fn the_scheme_picks_the_backend() {
        assert!(matches!(db(None), Ok(DatabaseLocation::Sqlite(p)) if p == std::path::Path::new("data/chorus.db")));
        assert!(matches!(db(Some("postgres://u:p@h:5432/d")), Ok(DatabaseLocation::Postgres(_))));
        assert!(
            matches!(db(Some("sqlite://x/y.db")), Ok(DatabaseLocation::Sqlite(p)) if p == std::path::Path::new("x/y.db"))
        );
        let err = db(Some("mysql://h/d")).err();
        assert!(err.as_ref().is_some_and(|e| e.is::<BadSetting>()), "{err:?}");
        let err = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("'mysql'") && err.contains("CHORUS_DATABASE_URL"), "{err}");
    }

    fn media(store: Option<&str>, endpoint: Option<&str>) -> anyhow::Result<MediaLocation> {
        use clap::Parser as _;
        let mut argv = vec!["chorus".to_string(), "serve".to_string()];
        argv.extend(store.map(|s| format!("--media-store={s}")));
        argv.extend(endpoint.map(|e| format!("--s3-endpoint={e}")));
        let crate::cli::Command::Serve(args) = crate::cli::Cli::try_parse_from(argv)?.command else {
            anyhow::bail!("not serve");
        };
        media_location(&args, std::path::Path::new("data"))
    }

    #[test]
    fn media_goes_to_a_folder_or_a_bucket() {
        assert_eq!(media(None, None).ok(), Some(MediaLocation::Folder("data/media".into())));
        assert_eq!(media(Some("shared/media"), None).ok(), Some(MediaLocation::Folder("shared/media".into())));
        let Ok(MediaLocation::S3 { location, endpoint }) =
            media(Some("s3://chorus-media/prod"), Some("http://127.0.0.1:9000/"))
        else {
            panic!("an s3:// store is a bucket");
        };
        assert_eq!((location.bucket.as_str(), location.prefix.as_str()), ("chorus-media", "prod"));
        assert_eq!(endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        for (store, endpoint, names) in [
            (Some("s3://Bad_Bucket"), None, "CHORUS_MEDIA_STORE"),
            (Some("gs://bucket"), None, "CHORUS_MEDIA_STORE"),
            (Some("s3://bucket"), Some("minio:9000"), "CHORUS_S3_ENDPOINT"),
            (None, Some("http://127.0.0.1:9000"), "CHORUS_S3_ENDPOINT"),
        ] {
            let err = media(store, endpoint).err();
            assert!(err.as_ref().is_some_and(|e| e.is::<BadSetting>()), "{store:?} {endpoint:?}: {err:?}");
            let err = err.map(|e| e.to_string()).unwrap_or_default();
            assert!(err.contains(names) && !err.contains('\n'), "{err}");
        }
    }
}
