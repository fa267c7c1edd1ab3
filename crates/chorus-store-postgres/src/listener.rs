//! Waking job workers when any process enqueues a job, through PostgreSQL's LISTEN/NOTIFY.
//!
//! Each store keeps at most one listening connection, made on the first wait. Only one waiter at a time reads
//! from it; when it hears something it also wakes the other waiters of this process. Losing the connection is
//! never fatal: the waiter that notices drops it, the next wait makes a new one, and a wait that cannot listen
//! simply sleeps its timeout, so workers fall back to polling.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgListener, PgPool, PgPoolOptions};
use tokio::sync::{Mutex, Notify};
use tokio::time::Instant;

use crate::CONNECT_TIMEOUT;

/// The channel `enqueue_job` notifies.
pub(crate) const CHANNEL: &str = "chorus_jobs";

pub(crate) struct JobSignal {
    /// A pool of one connection just for listening: the listener holds its connection for as long as it
    /// lives, which must neither use up the main pool nor keep it from closing.
    pool: PgPool,
    /// For log messages: `host:port`.
    target: String,
    listener: Mutex<Option<PgListener>>,
    /// Wakes the waiters that were queued behind the one holding the listener.
    heard: Notify,
}

impl JobSignal {
    pub(crate) fn new(options: PgConnectOptions, target: String) -> Self {
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(CONNECT_TIMEOUT)
            // A listening connection sits idle by design; it must not be reaped for that.
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_lazy_with(options);
        Self { pool, target, listener: Mutex::new(None), heard: Notify::new() }
    }

    /// Returns when a job was enqueued (by any process) or `timeout` has passed, whichever comes first.
    /// Returning early for no reason is allowed: the caller just looks for a due job and finds none.
    pub(crate) async fn wait(&self, timeout: Duration) {
        if timeout.is_zero() {
            return;
        }
        // A caller may ask to wait "forever" (`Duration::MAX`), which `Instant` cannot represent.
        let now = Instant::now();
        let deadline = now.checked_add(timeout).unwrap_or_else(|| now + Duration::from_secs(365 * 24 * 3600));
        // Registered before queueing for the listener, so a wake-up given while we queue is not missed.
        let heard = self.heard.notified();
        tokio::pin!(heard);
        heard.as_mut().enable();
        tokio::select! {
            () = &mut heard => {}
            () = self.listen_until(deadline) => {}
        }
    }

    async fn listen_until(&self, deadline: Instant) {
        let mut slot = self.listener.lock().await;
        if slot.is_none() {
            *slot = self.listen_by(deadline).await;
        }
        let Some(listener) = slot.as_mut() else {
            drop(slot);
            tokio::time::sleep_until(deadline).await;
            return;
        };
        match tokio::time::timeout_at(deadline, listener.try_recv()).await {
            // Nothing was enqueued in time.
            Err(_) => {}
            // `Some`: a job was enqueued. `None`: the connection dropped and sqlx made it again, so wake-ups
            // may have been missed; looking for jobs once is cheap. Either way, wake everyone waiting.
            Ok(Ok(_)) => {
                // Jobs enqueued together arrive as several notifications; one wake-up covers them all.
                while listener.next_buffered().is_some() {}
                self.heard.notify_waiters();
            }
            // E.g. the server restarted or an administrator ended the session.
            Ok(Err(error)) => {
                *slot = None;
                if self.pool.is_closed() {
                    return;
                }
                tracing::info!(target = %self.target, %error, "lost the connection listening for new jobs");
                match self.listen_by(deadline).await {
                    // Jobs enqueued while nobody listened sent their wake-up into the void: look for them now.
                    Some(listener) => {
                        *slot = Some(listener);
                        self.heard.notify_waiters();
                    }
                    None => {
                        drop(slot);
                        tokio::time::sleep_until(deadline).await;
                    }
                }
            }
        }
    }

    /// A new listener, or `None` (saying why in the log) when none can be made before `deadline`.
    async fn listen_by(&self, deadline: Instant) -> Option<PgListener> {
        match tokio::time::timeout_at(deadline, self.listen()).await {
            Ok(Ok(listener)) => Some(listener),
            Ok(Err(error)) => {
                tracing::warn!(target = %self.target, %error, "cannot listen for new jobs; polling instead");
                None
            }
            Err(_) => None,
        }
    }

    async fn listen(&self) -> Result<PgListener, sqlx::Error> {
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen(CHANNEL).await?;
        Ok(listener)
    }

    pub(crate) async fn close(&self) {
        // Marking the pool closed first makes a waiter that is reading give the listener up at once, so the
        // lock below is not held for the rest of its timeout.
        let closing = self.pool.close();
        *self.listener.lock().await = None;
        closing.await;
    }
}
