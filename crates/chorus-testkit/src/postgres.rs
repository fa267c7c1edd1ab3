//! A throwaway PostgreSQL cluster for tests, started once per test process from the PostgreSQL binaries
//! installed on the machine; no running server is needed.
//!
//! The cluster lives in a temporary directory, listens on 127.0.0.1 on a free port and trusts every local
//! connection. It runs with durability off (`fsync=off` and friends): nothing in it outlives the tests. A
//! database `chorus_template` is migrated once; each test then gets its own copy with
//! `CREATE DATABASE … TEMPLATE chorus_template`, which takes milliseconds instead of re-running migrations.
//!
//! The server dies with the test process: it is started through `setpriv --pdeathsig=TERM`, which asks the
//! kernel to signal it when its parent goes away. Linux means the parent *thread*, so it is spawned from a
//! thread of its own that stays alive as long as the server does (test threads come and go).
//!
//! Tests usually run as root in CI, and `initdb` refuses to; then the cluster belongs to the `postgres` user
//! (created by Debian's `postgresql` package) and its programs run as that user through `setpriv`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use chorus_store::Store;
use chorus_store_postgres::PgStore;
use sqlx::Connection as _;
use sqlx::postgres::PgConnection;

use crate::storage_suite::FUTURE_MIGRATION;

/// What to tell someone whose machine has no PostgreSQL.
const INSTALL_HINT: &str = "run scripts/test, which installs Debian's postgresql package";
/// Debian installs each major version under `<this>/<version>/bin`, and puts only wrappers on PATH.
const DEBIAN_PREFIX: &str = "/usr/lib/postgresql";
/// The superuser `initdb` creates; trust authentication lets it in without a password.
const SUPERUSER: &str = "chorus";
const TEMPLATE: &str = "chorus_template";
/// Temporary directories of clusters are named `<this><pid of the test process>-<random>`.
const DIR_PREFIX: &str = "chorus-pg-";
/// Long enough for a loaded CI machine; a healthy start takes a few seconds, most of them in initdb.
const START_TIMEOUT: Duration = Duration::from_secs(60);

struct Cluster {
    port: u16,
}

static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();

/// The cluster of this test process, started on first use. Blocks while it starts.
fn cluster() -> &'static Cluster {
    let started = CLUSTER.get_or_init(|| {
        // Starting needs async sqlx, and the caller may already be inside a runtime (where `block_on` is not
        // allowed), so it happens on a thread with a runtime of its own.
        std::thread::spawn(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| format!("cannot build a runtime to start PostgreSQL: {e}"))?;
            runtime.block_on(start())
        })
        .join()
        .unwrap_or_else(|_| Err("starting PostgreSQL panicked".to_string()))
    });
    match started {
        Ok(cluster) => cluster,
        Err(message) => panic!("{message}"),
    }
}

/// URL of the cluster's maintenance database `postgres`, e.g. for `CREATE DATABASE`.
pub fn cluster_url() -> String {
    database_url("postgres")
}

/// URL of the database `name` on the test cluster.
pub fn database_url(name: &str) -> String {
    format!("postgres://{SUPERUSER}@127.0.0.1:{}/{name}", cluster().port)
}

/// A new, migrated database of its own, as a URL (to hand to `PgStore::connect` or `chorus serve`).
pub async fn fresh_database() -> String {
    let name = format!("t_{}", uuid::Uuid::now_v7().simple());
    // The first call blocks while the cluster starts; later ones return at once.
    let admin = cluster_url();
    let mut conn = PgConnection::connect(&admin).await.expect("cannot connect to the test PostgreSQL cluster");
    sqlx::query(&format!("CREATE DATABASE {name} TEMPLATE {TEMPLATE}"))
        .execute(&mut conn)
        .await
        .expect("cannot create a test database");
    let _ = conn.close().await;
    database_url(&name)
}

/// A store on a fresh database, for the storage suite and anything else that takes `dyn Store`.
pub async fn fresh_store() -> Arc<dyn Store> {
    Arc::new(fresh_pg_store().await)
}

/// Like [`fresh_store`], keeping the concrete type for PostgreSQL-only tests.
pub async fn fresh_pg_store() -> PgStore {
    let url = fresh_database().await;
    PgStore::connect(&url).await.expect("cannot connect to a fresh test database")
}

/// Records [`FUTURE_MIGRATION`] as applied in the database at `url`, as a newer Chorus would have left it.
pub async fn add_future_migration(url: &str) {
    let mut conn = PgConnection::connect(url).await.expect("cannot connect to the test database");
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES ($1, 'from a newer Chorus', TRUE, '\\x00', 0)",
    )
    .bind(FUTURE_MIGRATION)
    .execute(&mut conn)
    .await
    .expect("cannot record a future migration");
    let _ = conn.close().await;
}

async fn start() -> Result<Cluster, String> {
    let began = Instant::now();
    let bin = find_binaries()?;
    remove_stale_dirs();
    let as_postgres = running_as_root();

    let dir = std::env::temp_dir().join(format!("{DIR_PREFIX}{}-{}", std::process::id(), short_random()));
    fs::create_dir(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    if as_postgres {
        give_to_postgres(&dir)?;
    }
    let data = dir.join("data");

    let mut initdb = runner(&bin.join("initdb"), as_postgres, None);
    initdb
        .arg("--pgdata")
        .arg(&data)
        .args([
            &format!("--username={SUPERUSER}"),
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
            "--no-instructions",
        ])
        .current_dir(&dir);
    let output = initdb.output().map_err(|e| format!("cannot run initdb: {e}"))?;
    if !output.status.success() {
        return Err(format!("initdb failed: {}", last_line(&String::from_utf8_lossy(&output.stderr))));
    }

    let port = start_server(&bin, &dir, &data, as_postgres).await?;
    let cluster = Cluster { port };
    create_template(port).await?;
    // Shown with `--nocapture`; handy when a test needs a look at the database.
    eprintln!(
        "test PostgreSQL cluster in {} on port {port}, started in {:.1} s",
        dir.display(),
        began.elapsed().as_secs_f64()
    );
    Ok(cluster)
}

/// Starts `postgres` on a free port. Another process may take the port between our choosing it and the
/// server binding it, so a clash is retried on a new port.
async fn start_server(bin: &Path, dir: &Path, data: &Path, as_postgres: bool) -> Result<u16, String> {
    for _ in 0..5 {
        let port = free_port()?;
        let log_path = dir.join(format!("postgres-{port}.log"));
        let log = fs::File::create(&log_path).map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
        let log_err = log.try_clone().map_err(|e| format!("cannot share the server log: {e}"))?;
        let mut server = runner(&bin.join("postgres"), as_postgres, Some("TERM"));
        server
            .arg("-D")
            .arg(data)
            .args(["-p", &port.to_string()])
            .args(["-c", "listen_addresses=127.0.0.1"])
            .arg("-c")
            .arg(format!("unix_socket_directories={}", dir.display()))
            // Nothing here must survive a crash, so durability is traded for speed.
            .args(["-c", "fsync=off", "-c", "full_page_writes=off", "-c", "synchronous_commit=off"])
            .args(["-c", "shared_buffers=32MB", "-c", "max_connections=200"])
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err);
        let exited = spawn_kept(server);
        match wait_until_ready(port, data, &exited).await {
            Ok(()) => return Ok(port),
            Err(why) => {
                let log = fs::read_to_string(&log_path).unwrap_or_default();
                if log.contains("Address already in use") {
                    continue;
                }
                return Err(format!("PostgreSQL did not start: {why}; its log ends: {}", last_line(&log)));
            }
        }
    }
    Err("PostgreSQL did not start: every port tried was taken".to_string())
}

/// Spawns the server from a thread that lives exactly as long as the server, which is what the
/// parent-death signal watches. Returns a channel that reports the server's exit (or failure to spawn).
fn spawn_kept(mut command: Command) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    let keeper = tx.clone();
    let spawned = std::thread::Builder::new().name("postgres-server".to_string()).spawn(move || {
        let outcome = match command.spawn() {
            Ok(mut child) => match child.wait() {
                Ok(status) => format!("it exited ({status})"),
                Err(e) => format!("cannot wait for it: {e}"),
            },
            Err(e) => format!("cannot run it: {e}"),
        };
        let _ = keeper.send(outcome);
    });
    if let Err(e) = spawned {
        let _ = tx.send(format!("cannot start a thread for it: {e}"));
    }
    rx
}

/// Waits until the server takes connections, or says why it will not.
async fn wait_until_ready(port: u16, data: &Path, exited: &Receiver<String>) -> Result<(), String> {
    let url = format!("postgres://{SUPERUSER}@127.0.0.1:{port}/postgres");
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        match exited.try_recv() {
            Ok(why) => return Err(why),
            Err(TryRecvError::Disconnected) => return Err("its thread is gone".to_string()),
            Err(TryRecvError::Empty) => {}
        }
        if let Ok(mut conn) = PgConnection::connect(&url).await {
            // The cluster of another test process may hold the port we picked (ours then exits, unable to
            // bind it), and it would let us in just the same: make sure this server is ours.
            let serves: Option<String> =
                sqlx::query_scalar("SELECT current_setting('data_directory')").fetch_one(&mut conn).await.ok();
            let _ = conn.close().await;
            if serves.is_some_and(|dir| Path::new(&dir) == data) {
                return Ok(());
            }
        }
        if Instant::now() > deadline {
            return Err(format!("not accepting connections after {} s", START_TIMEOUT.as_secs()));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Creates and migrates the database every test database is copied from.
async fn create_template(port: u16) -> Result<(), String> {
    let admin = format!("postgres://{SUPERUSER}@127.0.0.1:{port}/postgres");
    let mut conn = PgConnection::connect(&admin).await.map_err(|e| format!("cannot connect to PostgreSQL: {e}"))?;
    sqlx::query(&format!("CREATE DATABASE {TEMPLATE}"))
        .execute(&mut conn)
        .await
        .map_err(|e| format!("cannot create {TEMPLATE}: {e}"))?;
    let _ = conn.close().await;
    let url = format!("postgres://{SUPERUSER}@127.0.0.1:{port}/{TEMPLATE}");
    let store = PgStore::connect(&url).await.map_err(|e| format!("cannot connect to {TEMPLATE}: {e}"))?;
    store.migrate().await.map_err(|e| format!("cannot migrate {TEMPLATE}: {e}"))?;
    // A template must have no connections left when it is copied.
    store.close().await;
    Ok(())
}

/// A command running `program`, as the `postgres` user when we are root, and with `death_signal` sent to it
/// when the spawning thread dies. `setpriv` (util-linux) does both; it sets the signal after switching user,
/// since switching would clear it.
fn runner(program: &Path, as_postgres: bool, death_signal: Option<&str>) -> Command {
    if !as_postgres && death_signal.is_none() {
        return Command::new(program);
    }
    let mut command = Command::new("setpriv");
    if as_postgres {
        command.args(["--reuid=postgres", "--regid=postgres", "--init-groups"]);
    }
    if let Some(signal) = death_signal {
        command.arg(format!("--pdeathsig={signal}"));
    }
    command.arg("--").arg(program);
    command
}

/// The directory holding `initdb` and `postgres`: the first on PATH that has both, else the newest version
/// Debian installed.
fn find_binaries() -> Result<PathBuf, String> {
    let has_both = |dir: &Path| dir.join("initdb").is_file() && dir.join("postgres").is_file();
    if let Some(path) = std::env::var_os("PATH")
        && let Some(dir) = std::env::split_paths(&path).find(|dir| has_both(dir))
    {
        return Ok(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir(DEBIAN_PREFIX)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, bin)| has_both(bin))
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin).ok_or_else(|| {
        format!(
            "PostgreSQL is not installed (no initdb and postgres on PATH or in {DEBIAN_PREFIX}/*/bin); {INSTALL_HINT}"
        )
    })
}

/// Deletes the directories of clusters whose test process is gone. Every run leaves one behind (the process
/// exits without running destructors for statics), so this keeps the temporary directory from filling up.
fn remove_stale_dirs() {
    let Ok(entries) = fs::read_dir(std::env::temp_dir()) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix(DIR_PREFIX)).and_then(|rest| rest.split('-').next())
        else {
            continue;
        };
        let Ok(pid) = pid.parse::<u32>() else { continue };
        if process_alive(pid) {
            continue;
        }
        // The server of a run that just ended may still be shutting down; its directory waits for next time.
        let server = fs::read_to_string(entry.path().join("data").join("postmaster.pid"))
            .ok()
            .and_then(|text| text.lines().next().and_then(|line| line.trim().parse::<u32>().ok()));
        if server.is_some_and(process_alive) {
            continue;
        }
        let _ = fs::remove_dir_all(entry.path());
    }
}

fn process_alive(pid: u32) -> bool {
    Path::new("/proc").join(pid.to_string()).exists()
}

#[allow(unsafe_code)]
fn running_as_root() -> bool {
    // SAFETY: geteuid takes no arguments, touches no memory of ours and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Hands the cluster's directory to the `postgres` user, who will own the data and the socket.
fn give_to_postgres(dir: &Path) -> Result<(), String> {
    let id = |flag: &str| -> Result<u32, String> {
        let output = Command::new("id").args([flag, "postgres"]).output().map_err(|e| format!("cannot run id: {e}"))?;
        String::from_utf8_lossy(&output.stdout)
            .trim()
            .parse()
            .map_err(|_| format!("there is no postgres user to run PostgreSQL as (tests run as root); {INSTALL_HINT}"))
    };
    std::os::unix::fs::chown(dir, Some(id("-u")?), Some(id("-g")?))
        .map_err(|e| format!("cannot give {} to the postgres user: {e}", dir.display()))
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("cannot find a free port: {e}"))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| format!("cannot find a free port: {e}"))
}

fn short_random() -> String {
    // The tail of a UUIDv7 is random; its head is the time.
    let id = uuid::Uuid::now_v7().simple().to_string();
    id[id.len() - 8..].to_string()
}

fn last_line(text: &str) -> String {
    text.lines().rev().map(str::trim).find(|l| !l.is_empty()).unwrap_or("(empty)").to_string()
}

/// The `credentials` column of an account exactly as the database at `url` holds it, read past the store, so
/// a test can tell what is at rest. `None` when the column is empty or there is no such account.
pub async fn raw_account_credentials(url: &str, account: chorus_domain::AccountId) -> Option<Vec<u8>> {
    let mut conn = PgConnection::connect(url).await.expect("cannot connect to the test database");
    let raw: Option<Option<Vec<u8>>> = sqlx::query_scalar("SELECT credentials FROM accounts WHERE id = $1")
        .bind(account.as_uuid())
        .fetch_optional(&mut conn)
        .await
        .expect("cannot read an account's credentials");
    let _ = conn.close().await;
    raw.flatten()
}
