//! `chorus serve`: the web server and the background worker in one process.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use chorus_jobs::{Registry, Worker, WorkerConfig, ensure_maintenance_scheduled};
use chorus_secrets::{Keyring, SecretError};
use chorus_web::{AppState, WebConfig};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::cli::ServeArgs;
use crate::database;
use crate::settings::{DatabaseLocation, MediaLocation, ServeSettings, bad};

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let settings = ServeSettings::from_args(&args)?;
    // Listening first: a port in use is reported before anything touches the data folder or the database.
    let listener = TcpListener::bind(settings.listen).await.map_err(|e| bind_error(&e, settings.listen))?;

    // The key file lives in the data folder; with CHORUS_SECRET_KEY set (several processes on one
    // PostgreSQL must share a key) the folder is not needed.
    let secret_key = std::env::var(chorus_secrets::SECRET_KEY_VAR).ok();
    let old_keys = std::env::var(chorus_secrets::OLD_SECRET_KEYS_VAR).ok();
    if secret_key.is_none() || matches!(settings.database, DatabaseLocation::Sqlite(_)) {
        database::prepare_data_dir(&settings.data_dir)?;
    }
    let (keyring, key_source) =
        Keyring::from_env_or_file(secret_key.as_deref(), old_keys.as_deref(), &settings.data_dir).map_err(
            |e| match e {
                // A key given in the environment that does not parse is a setting to fix.
                SecretError::InvalidKey { .. } => bad(e.to_string()),
                other => anyhow::anyhow!("{other}"),
            },
        )?;

    let (store, applied) = database::open(&settings.database).await?;
    let address = listener.local_addr().unwrap_or(settings.listen);
    tracing::info!(backend = store.backend().as_str(), migrations_applied = applied, "database ready");
    tracing::info!(key_id = %keyring.current_key_id(), "secrets are encrypted with the key from {key_source}");

    let config = WebConfig {
        secure_cookies: settings.public_url.as_ref().is_some_and(|u| u.scheme() == "https"),
        public_url: settings.public_url.clone(),
        trust_proxy_headers: settings.trust_proxy_headers,
        fetch_policy: chorus_fetch::FetchPolicy {
            allow_private: settings.fetch_allow_private,
            ..chorus_fetch::FetchPolicy::default()
        },
        ..WebConfig::default()
    };
    if settings.fetch_allow_private {
        tracing::warn!(
            "CHORUS_FETCH_ALLOW_PRIVATE is on: feeds and media URLs may reach private and internal addresses"
        );
    }
    // Uploaded media, by client: a folder created on the first upload, or a bucket.
    let blobs: Arc<dyn chorus_store::BlobStore> = match &settings.media {
        MediaLocation::Folder(folder) => Arc::new(chorus_store::LocalBlobStore::new(folder)),
        MediaLocation::S3 { location, endpoint } => {
            let bucket = chorus_store::ObjectStoreBlobStore::s3(location, endpoint.as_deref())
                .map_err(|e| bad(format!("--media-store / CHORUS_MEDIA_STORE: {e}")))?;
            tracing::info!(%location, endpoint = endpoint.as_deref().unwrap_or("Amazon S3"), "media is kept in object storage");
            Arc::new(bucket)
        }
    };
    let state = AppState::new(store.clone(), Arc::new(keyring), blobs, config);
    let app = chorus_web::app(state.clone());

    let shutdown = CancellationToken::new();
    let worker = if settings.worker_concurrency > 0 {
        ensure_maintenance_scheduled(&*store).await.map_err(|e| anyhow::anyhow!("cannot schedule maintenance: {e}"))?;
        let mut registry = Registry::new();
        registry.register_maintenance_jobs();
        registry.register::<chorus_web::services::feeds::PollFeeds>();
        registry.register::<chorus_web::services::accounts::CheckAccounts>();
        let config = WorkerConfig {
            concurrency: settings.worker_concurrency,
            grace_period: settings.shutdown_grace,
            ..WorkerConfig::default()
        };
        // Feed and account checks need the web layer's state (fetcher, media library, connectors).
        let worker = Worker::new(store.clone(), registry, config).with_extension(state.clone());
        let token = shutdown.clone();
        tokio::spawn(enqueue_periodic_checks(store.clone(), shutdown.clone()));
        Some(tokio::spawn(async move { worker.run(token).await }))
    } else {
        None
    };

    let shown = settings.public_url.as_ref().map(|u| u.to_string()).unwrap_or_else(|| display_url(address));
    println!("Chorus is running at {shown} (press Ctrl-C to stop)");

    let stopping = shutdown.clone();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutting down: finishing requests and running jobs");
        stopping.cancel();
    });

    let server = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown.clone().cancelled_owned());
    // Idle keep-alive connections could hold a graceful shutdown open forever; the grace period bounds it.
    let grace = settings.shutdown_grace;
    tokio::select! {
        result = server => result.context("the web server stopped")?,
        () = async { shutdown.cancelled().await; tokio::time::sleep(grace).await } => {
            tracing::warn!("requests still running after the grace period were cut off");
        }
    }
    if let Some(worker) = worker {
        let _ = worker.await;
    }
    tracing::info!("stopped");
    Ok(())
}

/// Puts a feed poll and an account check on the queue every minute until shutdown. One-off jobs rather than
/// self-rescheduling chains, so a lost job costs one minute, not every later run. Both have a unique key:
/// while one is queued or running, the tick adds nothing, so runs never pile up behind a slow one.
async fn enqueue_periodic_checks(store: Arc<dyn chorus_store::Store>, shutdown: CancellationToken) {
    use chorus_jobs::Clock as _;
    use chorus_web::services::accounts::CheckAccounts;
    use chorus_web::services::feeds::{POLL_INTERVAL, PollFeeds};
    let mut ticks = tokio::time::interval(POLL_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => break,
            _ = ticks.tick() => {}
        }
        if let Err(e) = chorus_jobs::enqueue(&*store, &PollFeeds {}, chorus_jobs::SystemClock.now()).await {
            tracing::warn!(error = %e, "could not enqueue the feed poll; trying again in a minute");
        }
        if let Err(e) = chorus_jobs::enqueue(&*store, &CheckAccounts {}, chorus_jobs::SystemClock.now()).await {
            tracing::warn!(error = %e, "could not enqueue the account check; trying again in a minute");
        }
    }
}

fn display_url(address: SocketAddr) -> String {
    // 0.0.0.0 is where we listen, not an address a browser can open.
    if address.ip().is_unspecified() {
        format!("http://localhost:{}/", address.port())
    } else {
        format!("http://{address}/")
    }
}

fn bind_error(error: &std::io::Error, address: SocketAddr) -> anyhow::Error {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::AddrInUse => anyhow::anyhow!(
            "{address} is already in use by another program; stop it or choose another address with --listen or CHORUS_LISTEN"
        ),
        ErrorKind::PermissionDenied => anyhow::anyhow!(
            "not allowed to listen on {address} (ports below 1024 need privileges); choose another with --listen or CHORUS_LISTEN"
        ),
        ErrorKind::AddrNotAvailable => anyhow::anyhow!(
            "{address} is not an address of this machine; choose another with --listen or CHORUS_LISTEN"
        ),
        _ => anyhow::anyhow!("cannot listen on {address}: {error}"),
    }
}

async fn wait_for_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
