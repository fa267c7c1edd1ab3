//! The reference Bluesky network for tests: `@atproto/dev-env`'s PLC directory, PDS and AppView, run by Node 22
//! from `atproto/network.mjs` on loopback ports, the AppView's tables in a fresh database of the testkit's
//! PostgreSQL cluster.
//!
//! Node and the npm packages are not in the clone: `scripts/test` installs them, as pinned by
//! `atproto/package-lock.json`, into `~/.cache/chorus/atproto-<first 16 hex digits of that file's SHA-256>`,
//! where this module looks as well; `CHORUS_ATPROTO_DIR` names another install.
//!
//! A network takes several seconds to start (the AppView, Ozone and bsync migrate their schemas), so the tests of
//! one binary share one through [`DevNetwork::shared`] and give each test accounts of its own
//! ([`unique_handle`]); [`DevNetwork::start`] starts a private one. The Node process stops when its stdin
//! closes: when a handle is dropped, and when the test process exits, even without running destructors.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use sqlx::Connection as _;
use sqlx::postgres::PgConnection;
use tokio::sync::{OnceCell, oneshot};

use crate::postgres;

const INSTALL_HINT: &str = "run scripts/test, which installs Node 22 and @atproto/dev-env from the npm registry";
/// Generous for a loaded 2-core CI machine; a start takes about 10 s there.
const START_TIMEOUT: Duration = Duration::from_secs(120);
/// How much of the script's stderr an error message quotes.
const STDERR_TAIL: usize = 8 * 1024;
/// The domain under which dev-env's PDS hands out handles.
pub const HANDLE_DOMAIN: &str = "test";

/// A running network. Dropping it stops the Node process.
pub struct DevNetwork {
    pub plc_url: String,
    pub pds_url: String,
    pub appview_url: String,
    pid: u32,
    /// Held open for as long as the network should run: the script stops when it closes.
    stdin: Option<ChildStdin>,
    child: Option<Child>,
}

/// An account on the network's PDS, signed in.
#[derive(Debug, Clone)]
pub struct Account {
    pub did: String,
    pub handle: String,
    pub access_jwt: String,
    pub refresh_jwt: String,
}

static SHARED: OnceCell<Result<DevNetwork, String>> = OnceCell::const_new();

impl DevNetwork {
    /// The network of this test process, started on first use.
    pub async fn shared() -> &'static DevNetwork {
        match SHARED.get_or_init(Self::try_start).await {
            Ok(network) => network,
            Err(message) => panic!("{message}"),
        }
    }

    /// A network of the caller's own, stopped when dropped.
    pub async fn start() -> DevNetwork {
        Self::try_start().await.unwrap_or_else(|message| panic!("{message}"))
    }

    async fn try_start() -> Result<DevNetwork, String> {
        let install = install_dir()?;
        let node = install.join("node_modules").join(".bin").join("node");
        if !node.is_file() {
            return Err(format!(
                "the Bluesky tests need the AT Protocol network, which is not installed in {}; {INSTALL_HINT}",
                install.display()
            ));
        }
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("atproto").join("network.mjs");
        let database = fresh_empty_database().await?;

        let mut child = Command::new(&node)
            .arg(&script)
            .env("CHORUS_ATPROTO_DIR", &install)
            .env("DB_POSTGRES_URL", &database)
            // dev-env loads a `.env` from its working directory; the install has none, a developer's clone might.
            .current_dir(&install)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", node.display()))?;
        let stdin = child.stdin.take();
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let ready = read_outputs(&mut child, &stderr);

        let began = Instant::now();
        let outcome = tokio::time::timeout(START_TIMEOUT, ready).await;
        let urls = match outcome {
            Ok(Ok(urls)) => urls,
            failed => {
                let why = match failed {
                    Err(_) => format!("it was not ready after {} s", START_TIMEOUT.as_secs()),
                    _ => match child.wait() {
                        Ok(status) => format!("it exited ({status})"),
                        Err(e) => format!("it is gone ({e})"),
                    },
                };
                let _ = child.kill();
                let _ = child.wait();
                let log = String::from_utf8_lossy(&stderr.lock().map(|s| s.clone()).unwrap_or_default()).into_owned();
                return Err(format!("the AT Protocol test network did not start: {why}; its stderr:\n{log}"));
            }
        };
        let url = |name: &str| {
            urls.get(name)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| format!("the network's ready line has no {name} URL: {urls}"))
        };
        let network = DevNetwork {
            plc_url: url("plc")?,
            pds_url: url("pds")?,
            appview_url: url("appview")?,
            pid: child.id(),
            stdin,
            child: Some(child),
        };
        // Shown with `--nocapture`.
        eprintln!(
            "AT Protocol test network (PDS {}, AppView {}) started in {:.1} s",
            network.pds_url,
            network.appview_url,
            began.elapsed().as_secs_f64()
        );
        Ok(network)
    }

    /// The Node process's id, e.g. to read its memory from `/proc`.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The address of an XRPC method on the PDS, e.g. `com.atproto.repo.createRecord`.
    pub fn pds_xrpc(&self, method: &str) -> String {
        format!("{}/xrpc/{method}", self.pds_url)
    }

    /// The address of an XRPC method on the AppView, e.g. `app.bsky.feed.getPostThread`.
    pub fn appview_xrpc(&self, method: &str) -> String {
        format!("{}/xrpc/{method}", self.appview_url)
    }

    /// Creates an account through `com.atproto.server.createAccount` (no invite or email check on this PDS).
    /// `handle` must end in `.test`; see [`unique_handle`].
    pub async fn create_account(&self, handle: &str, password: &str) -> Account {
        let email = format!("{}@example.com", handle.replace('.', "-"));
        let response = reqwest::Client::new()
            .post(self.pds_xrpc("com.atproto.server.createAccount"))
            .json(&json!({ "handle": handle, "email": email, "password": password }))
            .send()
            .await
            .expect("cannot reach the PDS");
        let status = response.status();
        let body: Value = response.json().await.unwrap_or_default();
        assert!(status.is_success(), "createAccount for {handle} answered {status}: {body}");
        let field = |name: &str| body[name].as_str().unwrap_or_else(|| panic!("createAccount gave no {name}: {body}"));
        Account {
            did: field("did").to_string(),
            handle: field("handle").to_string(),
            access_jwt: field("accessJwt").to_string(),
            refresh_jwt: field("refreshJwt").to_string(),
        }
    }
}

impl Drop for DevNetwork {
    fn drop(&mut self) {
        // Closing stdin asks the script to stop; it exits within a few seconds.
        drop(self.stdin.take());
        let Some(mut child) = self.child.take() else { return };
        // Reaped on a thread of its own so that a test does not wait for the shutdown; one that hangs is killed.
        let _ = std::thread::Builder::new().name("atproto-reaper".into()).spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if !matches!(child.try_wait(), Ok(None)) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = child.kill();
            let _ = child.wait();
        });
    }
}

/// A handle no other test of this process uses: `<name>-<8 random hex digits>.test`.
pub fn unique_handle(name: &str) -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("{name}-{}.{HANDLE_DOMAIN}", &id[..8])
}

/// A fresh record key in the TID format (13 characters of sortable base32 over microseconds since the epoch
/// and a random clock id), as `app.bsky.feed.post` records are keyed.
pub fn tid() -> String {
    const ALPHABET: &[u8; 32] = b"234567abcdefghijklmnopqrstuvwxyz";
    let micros = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros()).unwrap_or_default() as u64;
    let clock = u64::from(uuid::Uuid::new_v4().as_u128() as u16 & 0x3ff);
    let mut value = (micros << 10) | clock;
    let mut key = [0u8; 13];
    for slot in key.iter_mut().rev() {
        *slot = ALPHABET[(value & 31) as usize];
        value >>= 5;
    }
    String::from_utf8_lossy(&key).into_owned()
}

/// Where the packages are: `CHORUS_ATPROTO_DIR`, else the directory `scripts/test` installs them in.
fn install_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("CHORUS_ATPROTO_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    let lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("atproto").join("package-lock.json");
    let output = Command::new("sha256sum")
        .arg(&lock)
        .output()
        .map_err(|e| format!("cannot run sha256sum to find the AT Protocol install: {e}"))?;
    let digest = String::from_utf8_lossy(&output.stdout);
    let key = digest
        .get(..16)
        .filter(|_| output.status.success())
        .ok_or_else(|| format!("cannot hash {}: {}", lock.display(), String::from_utf8_lossy(&output.stderr).trim()))?;
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .ok_or("neither XDG_CACHE_HOME nor HOME is set, so the AT Protocol install cannot be found")?;
    Ok(cache.join("chorus").join(format!("atproto-{key}")))
}

/// An empty database (not a copy of Chorus's template) for the AppView, Ozone and bsync schemas.
async fn fresh_empty_database() -> Result<String, String> {
    let name = format!("atproto_{}", uuid::Uuid::now_v7().simple());
    let mut conn = PgConnection::connect(&postgres::cluster_url())
        .await
        .map_err(|e| format!("cannot connect to the test PostgreSQL cluster: {e}"))?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .map_err(|e| format!("cannot create a database for the AT Protocol network: {e}"))?;
    let _ = conn.close().await;
    Ok(postgres::database_url(&name))
}

/// Drains the script's stdout and stderr on threads of their own (a full pipe would stall it), keeping the end of
/// stderr for error messages. The answer is the ready line; it never comes if the script exits first.
fn read_outputs(child: &mut Child, stderr_tail: &Arc<Mutex<Vec<u8>>>) -> oneshot::Receiver<Value> {
    let (tx, rx) = oneshot::channel();
    if let Some(stdout) = child.stdout.take() {
        let _ = std::thread::Builder::new().name("atproto-stdout".into()).spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Ok(urls) = serde_json::from_str::<Value>(&line)
                    && urls.get("pds").is_some()
                    && let Some(tx) = tx.take()
                {
                    let _ = tx.send(urls);
                }
            }
        });
    }
    if let Some(mut stderr) = child.stderr.take() {
        let tail = Arc::clone(stderr_tail);
        let _ = std::thread::Builder::new().name("atproto-stderr".into()).spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok(read @ 1..) = stderr.read(&mut buffer) {
                let Ok(mut tail) = tail.lock() else { return };
                tail.extend_from_slice(&buffer[..read]);
                let excess = tail.len().saturating_sub(STDERR_TAIL);
                tail.drain(..excess);
            }
        });
    }
    rx
}
