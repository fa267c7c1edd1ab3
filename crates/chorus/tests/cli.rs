//! End-to-end tests of the `chorus` binary: bad input and faults each end with a non-zero exit code and ONE
//! line on stderr that names the problem and what to do (no backtrace, no panic); the happy paths work.
//!
//! Every test runs the real binary in a temporary working directory, with every `CHORUS_*` variable of the
//! test's own environment removed, so a developer's settings cannot leak in.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::ffi::OsStr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use sqlx::Connection as _;
use sqlx::postgres::PgConnection;
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

const BIN: &str = env!("CARGO_BIN_EXE_chorus");

/// Only there so that a hang fails the test instead of blocking the run; healthy commands take well under a
/// second, and a loaded CI machine gets plenty of slack.
const RUN_TIMEOUT: Duration = Duration::from_secs(60);
/// How long an unreachable database may take to be reported (the store gives up after 5 s at the latest).
const UNREACHABLE_WITHIN: Duration = Duration::from_secs(15);
/// The grace period given to `chorus serve` in these tests, and how long it may then take to exit.
const GRACE_SECS: u64 = 5;
const EXIT_WITHIN: Duration = Duration::from_secs(GRACE_SECS + 10);
/// The one line every failure prints starts with this.
const ERROR_PREFIX: &str = "chorus: error: ";

// ---------------------------------------------------------------------------------------------------------
// Helpers

/// A temporary working directory.
fn workdir() -> TempDir {
    tempfile::tempdir().expect("cannot create a temporary directory")
}

/// `chorus` in `dir`, with no `CHORUS_*` variable from our environment and nothing on stdin.
fn chorus(dir: &Path) -> Command {
    command(OsStr::new(BIN), dir)
}

fn command(program: &OsStr, dir: &Path) -> Command {
    let mut command = Command::new(program);
    command.current_dir(dir).stdin(Stdio::null()).kill_on_drop(true);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("CHORUS_") {
            command.env_remove(name);
        }
    }
    // Were a backtrace ever printed, this makes sure it shows up as extra lines.
    command.env("RUST_BACKTRACE", "1");
    command
}

/// Runs the command to its end and returns what it printed.
async fn run(command: &mut Command) -> Output {
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    match tokio::time::timeout(RUN_TIMEOUT, command.output()).await {
        Ok(output) => output.unwrap_or_else(|e| panic!("cannot run {command:?}: {e}")),
        Err(_) => panic!("chorus did not finish within {} s: {command:?}", RUN_TIMEOUT.as_secs()),
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Checks that the command failed with `code` and printed exactly one line on stderr, which starts with
/// "chorus: error: "; returns that line.
fn the_one_error_line(output: &Output, code: i32) -> String {
    let stderr = text(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(code),
        "expected exit code {code}; stderr:\n{stderr}\nstdout:\n{}",
        text(&output.stdout)
    );
    assert!(!stderr.contains("panicked") && !stderr.contains("internal error"), "a panic:\n{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "stderr should be exactly one line, it is:\n{stderr}");
    assert!(stderr.ends_with('\n'), "the line should end with a newline: {stderr:?}");
    let line = lines[0];
    assert!(line.starts_with(ERROR_PREFIX), "the line should start with {ERROR_PREFIX:?}: {line}");
    assert!(line.len() > ERROR_PREFIX.len() + 20, "the line says too little: {line}");
    line.to_string()
}

/// Asserts that `line` contains every one of `parts`.
#[track_caller]
fn assert_mentions(line: &str, parts: &[&str]) {
    for part in parts {
        assert!(line.contains(part), "expected {part:?} in: {line}");
    }
}

/// A port on 127.0.0.1 that nobody listens on (it was free a moment ago, and nothing here takes it).
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("cannot bind a loopback port");
    listener.local_addr().expect("no local address").port()
}

/// A valid `CHORUS_SECRET_KEY`: 64 hexadecimal characters.
fn secret_key() -> String {
    "5ec4e7".repeat(10) + "abcd"
}

/// A new database on the test PostgreSQL cluster with nothing in it, not even migrations (unlike
/// `fresh_database`, which copies a migrated template), so `chorus` has to migrate it.
async fn empty_postgres_database() -> String {
    let name = format!("cli_{}", uuid::Uuid::now_v7().simple());
    let mut conn = PgConnection::connect(&chorus_testkit::postgres::cluster_url())
        .await
        .expect("cannot connect to the test PostgreSQL cluster");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("cannot create a database");
    let _ = conn.close().await;
    chorus_testkit::postgres::database_url(&name)
}

/// The migrations that `chorus migrate` reports applying to an empty database.
async fn migrations_applied_to_empty(url: &str, dir: &Path) -> u32 {
    let output = run(chorus(dir).arg("migrate").env("CHORUS_DATABASE_URL", url)).await;
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "migrate failed: {}", text(&output.stderr));
    stdout
        .strip_prefix("Applied ")
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected output of migrate: {stdout}"))
}

/// A running `chorus serve`.
struct Server {
    child: Child,
    /// `http://127.0.0.1:<port>/`, as the server printed it.
    url: String,
    started: Instant,
    /// Each line of stderr as it comes, for waiting on a log line.
    log: mpsc::UnboundedReceiver<String>,
    /// All of stderr, once the process has exited.
    stderr: JoinHandle<String>,
    stdout: JoinHandle<String>,
}

impl Server {
    /// Starts `command` (a `chorus … serve` with `--listen 127.0.0.1:0`) and waits for the line saying where
    /// it runs. Panics with its stderr if it exits first.
    async fn start(command: &mut Command) -> Self {
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let started = Instant::now();
        let mut child = command.spawn().expect("cannot start chorus serve");
        let mut stderr = BufReader::new(child.stderr.take().expect("no stderr")).lines();
        let (tx, log) = mpsc::unbounded_channel();
        let stderr = tokio::spawn(async move {
            let mut all = String::new();
            while let Ok(Some(line)) = stderr.next_line().await {
                all.push_str(&line);
                all.push('\n');
                let _ = tx.send(line);
            }
            all
        });
        let mut stdout = BufReader::new(child.stdout.take().expect("no stdout"));
        let mut line = String::new();
        let url = loop {
            line.clear();
            let read = tokio::time::timeout(RUN_TIMEOUT, stdout.read_line(&mut line)).await;
            match read {
                Ok(Ok(0)) | Ok(Err(_)) => {
                    let status = child.wait().await.expect("cannot wait for chorus");
                    panic!("chorus serve exited ({status}) before it said where it runs:\n{}", stderr.await.unwrap());
                }
                Ok(Ok(_)) => {}
                Err(_) => panic!("chorus serve did not say where it runs within {} s", RUN_TIMEOUT.as_secs()),
            }
            if let Some(rest) = line.trim().strip_prefix("Chorus is running at ") {
                break rest.split_whitespace().next().unwrap_or_default().to_string();
            }
        };
        assert!(url.starts_with("http://127.0.0.1:") && url.ends_with('/'), "unexpected address: {url}");
        let stdout = tokio::spawn(async move {
            let mut rest = String::new();
            let _ = stdout.read_to_string(&mut rest).await;
            rest
        });
        Self { child, url, started, log, stderr, stdout }
    }

    /// `127.0.0.1:<port>`
    fn address(&self) -> &str {
        self.url.trim_start_matches("http://").trim_end_matches('/')
    }

    /// Polls `/readyz` until it answers 200; returns its body and the time from start to that answer.
    async fn wait_ready(&mut self, http: &reqwest::Client) -> (String, Duration) {
        let deadline = Instant::now() + RUN_TIMEOUT;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("chorus serve exited ({status}) before it was ready");
            }
            let last = match http.get(format!("{}readyz", self.url)).send().await {
                Ok(response) if response.status() == reqwest::StatusCode::OK => {
                    let elapsed = self.started.elapsed();
                    return (response.text().await.expect("cannot read /readyz"), elapsed);
                }
                Ok(response) => format!("{}: {}", response.status(), response.text().await.unwrap_or_default()),
                Err(e) => e.to_string(),
            };
            assert!(
                Instant::now() < deadline,
                "/readyz did not answer 200 within {} s; last: {last}",
                RUN_TIMEOUT.as_secs()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Waits for the JSON log line with this message (the server must run with `--log-format json`).
    async fn wait_for_log(&mut self, message: &str) -> serde_json::Value {
        let deadline = tokio::time::Instant::now() + RUN_TIMEOUT;
        loop {
            let line = match tokio::time::timeout_at(deadline, self.log.recv()).await {
                Ok(Some(line)) => line,
                Ok(None) => panic!("chorus serve stopped logging before {message:?}"),
                Err(_) => panic!("chorus serve did not log {message:?} within {} s", RUN_TIMEOUT.as_secs()),
            };
            let entry: serde_json::Value =
                serde_json::from_str(&line).unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
            if entry["message"] == message {
                return entry;
            }
        }
    }

    fn send_sigterm(&self) {
        let pid = self.child.id().expect("chorus serve has already exited");
        let kill =
            std::process::Command::new("kill").arg("-TERM").arg(pid.to_string()).status().expect("cannot run kill");
        assert!(kill.success(), "kill -TERM {pid} failed");
    }

    /// Waits for the process to exit after SIGTERM; returns its exit status, its stderr and the rest of its
    /// stdout.
    async fn wait_exit(mut self) -> (ExitStatus, String, String) {
        let status = match tokio::time::timeout(EXIT_WITHIN, self.child.wait()).await {
            Ok(status) => status.expect("cannot wait for chorus serve"),
            Err(_) => panic!("chorus serve did not exit within {} s of SIGTERM", EXIT_WITHIN.as_secs()),
        };
        (status, self.stderr.await.unwrap(), self.stdout.await.unwrap())
    }

    /// Sends SIGTERM and waits for the process to exit, see [`Server::wait_exit`].
    async fn terminate(self) -> (ExitStatus, String, String) {
        self.send_sigterm();
        let asked = Instant::now();
        let exited = self.wait_exit().await;
        eprintln!("chorus serve exited {:.0} ms after SIGTERM", asked.elapsed().as_secs_f64() * 1000.0);
        exited
    }
}

/// Reads from `stream` until the end of an HTTP head ("\r\n\r\n"), and returns it.
async fn read_head(stream: &mut tokio::net::TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match tokio::time::timeout(RUN_TIMEOUT, stream.read(&mut byte)).await {
            Ok(Ok(1)) => head.push(byte[0]),
            other => panic!("the connection ended before a whole response head ({other:?}): {}", text(&head)),
        }
    }
    text(&head)
}

fn http_client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("cannot build an HTTP client")
}

/// The JSON log lines of a process run with `--log-format json`.
fn json_logs(stderr: &str) -> Vec<serde_json::Value> {
    stderr
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}")))
        .collect()
}

fn log_with_message<'a>(logs: &'a [serde_json::Value], message: &str) -> Option<&'a serde_json::Value> {
    logs.iter().find(|entry| entry["message"] == message)
}

// ---------------------------------------------------------------------------------------------------------
// 1. Malformed settings are named

#[tokio::test]
async fn a_malformed_listen_address_is_named_whether_flag_or_variable() {
    let dir = workdir();
    let by_flag = run(chorus(dir.path()).args(["serve", "--listen", "nonsense"])).await;
    let by_variable = run(chorus(dir.path()).arg("serve").env("CHORUS_LISTEN", "nonsense")).await;
    for output in [by_flag, by_variable] {
        let line = the_one_error_line(&output, 2);
        assert_mentions(&line, &["--listen / CHORUS_LISTEN", "'nonsense'", "127.0.0.1:8080"]);
    }
    // Nothing was created for a command that could not start.
    assert!(!dir.path().join("chorus-data").exists(), "a bad setting must be reported before touching the disk");
}

#[tokio::test]
async fn an_unsupported_database_url_names_the_variable_and_the_scheme() {
    let dir = workdir();
    for subcommand in ["serve", "migrate"] {
        let output = run(chorus(dir.path()).arg(subcommand).env("CHORUS_DATABASE_URL", "mysql://x/y")).await;
        let line = the_one_error_line(&output, 2);
        assert_mentions(&line, &["CHORUS_DATABASE_URL", "'mysql'", "postgres://", "sqlite://"]);
    }
}

#[tokio::test]
async fn a_malformed_secret_key_is_named_without_echoing_it() {
    let dir = workdir();
    let output = run(chorus(dir.path()).arg("serve").env("CHORUS_SECRET_KEY", "tooshort")).await;
    let line = the_one_error_line(&output, 2);
    assert_mentions(&line, &["CHORUS_SECRET_KEY", "64 hexadecimal"]);
    assert!(!line.contains("tooshort"), "the key's value must never be printed: {line}");
    assert!(output.stdout.is_empty(), "nothing on stdout: {}", text(&output.stdout));
}

#[tokio::test]
async fn a_malformed_media_store_is_named() {
    let dir = workdir();
    let bad_bucket = run(chorus(dir.path()).arg("serve").env("CHORUS_MEDIA_STORE", "s3://Not_A_Bucket/x")).await;
    let line = the_one_error_line(&bad_bucket, 2);
    assert_mentions(&line, &["--media-store / CHORUS_MEDIA_STORE", "'Not_A_Bucket'", "s3://bucket/prefix"]);
    let other_store = run(chorus(dir.path()).args(["serve", "--media-store", "gs://media"])).await;
    assert_mentions(&the_one_error_line(&other_store, 2), &["CHORUS_MEDIA_STORE", "'gs://media'"]);
    let bad_endpoint = run(chorus(dir.path())
        .arg("serve")
        .env("CHORUS_MEDIA_STORE", "s3://media")
        .env("CHORUS_S3_ENDPOINT", "minio:9000"))
    .await;
    assert_mentions(&the_one_error_line(&bad_endpoint, 2), &["--s3-endpoint / CHORUS_S3_ENDPOINT", "'minio:9000'"]);
    assert!(!dir.path().join("chorus-data").exists(), "a bad setting must be reported before touching the disk");
}

#[tokio::test]
async fn a_malformed_worker_concurrency_is_named() {
    let dir = workdir();
    let output = run(chorus(dir.path()).args(["serve", "--worker-concurrency", "abc"])).await;
    let line = the_one_error_line(&output, 2);
    assert_mentions(&line, &["--worker-concurrency / CHORUS_WORKER_CONCURRENCY", "'abc'", "0 to 256"]);
}

#[tokio::test]
async fn an_unknown_subcommand_or_flag_is_a_usage_error_of_one_line() {
    let dir = workdir();
    let subcommand = run(chorus(dir.path()).arg("frobnicate")).await;
    assert_mentions(&the_one_error_line(&subcommand, 2), &["frobnicate", "chorus --help"]);
    let flag = run(chorus(dir.path()).args(["serve", "--frobnicate"])).await;
    assert_mentions(&the_one_error_line(&flag, 2), &["--frobnicate", "chorus --help"]);
    let value = run(chorus(dir.path()).arg("serve").env("CHORUS_LOG_FORMAT", "xml")).await;
    assert_mentions(&the_one_error_line(&value, 2), &["'xml'", "--log-format or CHORUS_LOG_FORMAT", "human, json"]);
    let missing = run(chorus(dir.path()).args(["admin", "create-user", "--email", "a@b.example"])).await;
    assert_mentions(&the_one_error_line(&missing, 2), &["not provided: --name"]);

    // No subcommand at all: the help is shown, but the command did nothing, so it fails.
    for args in [&[][..], &["admin"][..]] {
        let output = run(chorus(dir.path()).args(args)).await;
        assert_eq!(output.status.code(), Some(2), "`chorus {}` should exit 2", args.join(" "));
        assert!(text(&output.stderr).contains("Usage: chorus"), "{}", text(&output.stderr));
    }
}

// ---------------------------------------------------------------------------------------------------------
// 2. An unreachable database

#[tokio::test]
async fn an_unreachable_database_is_reported_quickly_with_its_address() {
    let dir = workdir();
    let port = closed_port();
    let url = format!("postgres://chorus:hunter2@127.0.0.1:{port}/chorus");
    for subcommand in ["serve", "migrate"] {
        let began = Instant::now();
        let output = run(chorus(dir.path()).arg(subcommand).env("CHORUS_DATABASE_URL", &url)).await;
        let took = began.elapsed();
        let line = the_one_error_line(&output, 1);
        assert_mentions(&line, &["unreachable", &format!("127.0.0.1:{port}"), "CHORUS_DATABASE_URL"]);
        assert!(!line.contains("hunter2"), "the password must never be printed: {line}");
        assert!(took < UNREACHABLE_WITHIN, "`chorus {subcommand}` took {took:?} to report an unreachable database");
    }
}

// ---------------------------------------------------------------------------------------------------------
// 3. A port in use

#[tokio::test]
async fn a_port_in_use_is_named_with_the_setting_to_change() {
    let dir = workdir();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("cannot bind a loopback port");
    let address = taken.local_addr().expect("no local address");
    let output = run(chorus(dir.path()).args(["serve", "--listen", &address.to_string()])).await;
    let line = the_one_error_line(&output, 1);
    assert_mentions(&line, &[&address.to_string(), "already in use", "--listen"]);
    assert!(!dir.path().join("chorus-data").exists(), "the port is checked before the data folder is touched");
    drop(taken);
}

// ---------------------------------------------------------------------------------------------------------
// 4. A read-only data folder

/// Who runs `chorus` against a read-only folder: root ignores permission bits, so then it runs as `nobody`.
enum Runner {
    Me,
    Nobody,
}

impl Runner {
    /// Finds out whether permission bits bind us, by trying to write into `read_only` (mode 0555).
    fn for_folder(read_only: &Path) -> Self {
        let probe = read_only.join("probe");
        if std::fs::write(&probe, b"x").is_err() {
            return Self::Me;
        }
        std::fs::remove_file(&probe).expect("cannot remove the probe file");
        // We are root (or own CAP_DAC_OVERRIDE): only a process without privileges sees a read-only folder.
        eprintln!("permission bits do not bind this test process, so chorus runs as `nobody` through setpriv");
        Self::Nobody
    }

    fn chorus(&self, dir: &Path) -> Command {
        match self {
            Self::Me => chorus(dir),
            Self::Nobody => {
                let mut command = command(OsStr::new("setpriv"), dir);
                command.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"]).arg(BIN);
                command
            }
        }
    }

    /// Fails loudly if the runner cannot run `chorus` at all, so the test never passes without having
    /// exercised the read-only folder.
    async fn check(&self, dir: &Path) {
        let outcome = match self.chorus(dir).arg("--version").output().await {
            Ok(output) if output.status.success() => return,
            Ok(output) => format!("{}: {}", output.status, text(&output.stderr).trim()),
            Err(e) => e.to_string(),
        };
        panic!(
            "the read-only test runs as root, where permission bits do not apply, so it runs chorus as `nobody` \
             through `setpriv --reuid=nobody --regid=nogroup --clear-groups` (util-linux); that failed ({outcome}). \
             Install util-linux, make sure the user nobody and the group nogroup exist, and that {BIN} and the \
             folders above it can be read by everyone"
        );
    }
}

fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(dir)
        .expect("cannot list the folder")
        .map(|entry| {
            let path = entry.expect("cannot read the folder").path();
            let bytes = std::fs::read(&path).expect("cannot read a file");
            (path, bytes)
        })
        .collect();
    files.sort();
    files
}

#[tokio::test]
async fn a_read_only_data_folder_is_named_and_nothing_in_it_is_lost() {
    let dir = workdir();
    // Everyone may enter the working directory (`nobody` may have to).
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let data = dir.path().join("data");

    // A database made while the folder could still be written.
    let made = run(chorus(dir.path()).arg("migrate").arg("--data-dir").arg(&data)).await;
    assert!(made.status.success(), "migrate failed: {}", text(&made.stderr));
    let before = snapshot(&data);
    assert!(before.iter().any(|(path, _)| path.ends_with("chorus.db")), "no database was made: {before:?}");

    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o555)).unwrap();
    let runner = Runner::for_folder(&data);
    runner.check(dir.path()).await;

    // A folder that would have to be made inside it.
    let sub = data.join("sub");
    let output = run(runner.chorus(dir.path()).arg("serve").arg("--data-dir").arg(&sub)).await;
    let line = the_one_error_line(&output, 1);
    assert_mentions(
        &line,
        &["cannot create the data folder", &sub.display().to_string(), "--data-dir", "CHORUS_DATA_DIR"],
    );
    assert!(!sub.exists());

    // The folder itself, for both commands that write to it, and named through the variable.
    for subcommand in ["serve", "migrate"] {
        let output = run(runner.chorus(dir.path()).arg(subcommand).env("CHORUS_DATA_DIR", &data)).await;
        let line = the_one_error_line(&output, 1);
        assert_mentions(&line, &[&data.display().to_string(), "cannot be written", "--data-dir", "CHORUS_DATA_DIR"]);
    }

    assert_eq!(snapshot(&data), before, "the data folder changed");
    // Let the temporary directory be removed even when we are not root.
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
}

// ---------------------------------------------------------------------------------------------------------
// 5. A database migrated by a newer Chorus

#[tokio::test]
async fn a_sqlite_database_from_a_newer_chorus_is_refused_and_left_alone() {
    let dir = workdir();
    let data = dir.path().join("chorus-data");
    let made = run(chorus(dir.path()).arg("migrate")).await;
    assert!(made.status.success(), "migrate failed: {}", text(&made.stderr));
    let db = data.join("chorus.db");
    chorus_testkit::sqlite::add_future_migration(&db).await;
    let before = std::fs::read(&db).unwrap();

    for subcommand in ["serve", "migrate"] {
        let mut command = chorus(dir.path());
        command.arg(subcommand);
        if subcommand == "serve" {
            command.args(["--listen", "127.0.0.1:0"]);
        }
        let line = the_one_error_line(&run(&mut command).await, 1);
        assert_mentions(&line, &["migrated by a newer version of Chorus", "run that newer version"]);
    }
    assert_eq!(std::fs::read(&db).unwrap(), before, "the database changed");
}

#[tokio::test]
async fn a_postgres_database_from_a_newer_chorus_is_refused() {
    let dir = workdir();
    let url = chorus_testkit::postgres::fresh_database().await;
    chorus_testkit::postgres::add_future_migration(&url).await;
    for subcommand in ["serve", "migrate"] {
        let mut command = chorus(dir.path());
        command.arg(subcommand).env("CHORUS_DATABASE_URL", &url).env("CHORUS_SECRET_KEY", secret_key());
        if subcommand == "serve" {
            command.args(["--listen", "127.0.0.1:0"]);
        }
        let line = the_one_error_line(&run(&mut command).await, 1);
        assert_mentions(&line, &["migrated by a newer version of Chorus", "run that newer version"]);
    }
}

// ---------------------------------------------------------------------------------------------------------
// 6. Happy paths

#[tokio::test]
async fn help_lists_the_subcommands() {
    let dir = workdir();
    let output = run(chorus(dir.path()).arg("--help")).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let help = text(&output.stdout);
    for subcommand in ["serve", "migrate", "admin"] {
        assert!(help.lines().any(|l| l.trim_start().starts_with(subcommand)), "{subcommand} missing from:\n{help}");
    }
}

#[tokio::test]
async fn create_user_makes_the_first_owner_and_refuses_a_taken_email() {
    let dir = workdir();
    let create = || {
        let mut command = chorus(dir.path());
        command
            .args(["admin", "create-user", "--email", "a@b.example", "--name", "A", "--password-stdin"])
            .stdin(Stdio::piped());
        command
    };
    let run_with_password = |mut command: Command| async move {
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = command.spawn().expect("cannot start chorus");
        let mut stdin = child.stdin.take().expect("no stdin");
        stdin.write_all(b"correct horse battery staple\n").await.expect("cannot write the password");
        drop(stdin);
        tokio::time::timeout(RUN_TIMEOUT, child.wait_with_output()).await.expect("create-user hung").unwrap()
    };

    let first = run_with_password(create()).await;
    assert!(first.status.success(), "create-user failed: {}", text(&first.stderr));
    let stdout = text(&first.stdout);
    assert_mentions(&stdout, &["Created owner a@b.example in My agency."]);
    assert!(!stdout.contains("Password"), "a password given on stdin is not shown: {stdout}");

    let second = run_with_password(create()).await;
    let line = the_one_error_line(&second, 1);
    assert_mentions(&line, &["someone already uses a@b.example"]);
}

#[tokio::test]
async fn migrate_says_the_database_is_up_to_date() {
    let dir = workdir();
    let first = run(chorus(dir.path()).arg("migrate")).await;
    assert!(first.status.success(), "{}", text(&first.stderr));
    let stdout = text(&first.stdout);
    assert!(stdout.starts_with("Applied ") && stdout.ends_with("the database is up to date.\n"), "{stdout}");
    let second = run(chorus(dir.path()).arg("migrate")).await;
    assert!(second.status.success(), "{}", text(&second.stderr));
    assert_eq!(text(&second.stdout), "The database is up to date.\n");
    assert!(second.stderr.is_empty(), "{}", text(&second.stderr));
}

// ---------------------------------------------------------------------------------------------------------
// 7. Serving, readiness and shutdown

#[tokio::test]
async fn serve_on_an_empty_folder_becomes_ready_and_stops_cleanly_on_sigterm() {
    let dir = workdir();
    let mut server = Server::start(chorus(dir.path()).args([
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--shutdown-grace",
        &GRACE_SECS.to_string(),
        "--log-format",
        "json",
    ]))
    .await;
    let http = http_client();
    let (body, took) = server.wait_ready(&http).await;
    assert_eq!(body, "ready (sqlite)");
    eprintln!("ready {:.0} ms after start", took.as_secs_f64() * 1000.0);
    assert!(dir.path().join("chorus-data").join("chorus.db").is_file(), "no database in the default folder");

    // An idle keep-alive connection stays open in `http`'s pool; it must not hold the shutdown up.
    let page = http.get(format!("{}sign-in", server.url)).send().await.expect("cannot load a page");
    assert!(page.status().is_success() || page.status().is_redirection(), "{}", page.status());

    let (status, stderr, stdout) = server.terminate().await;
    assert_eq!(status.code(), Some(0), "chorus serve should exit 0 after SIGTERM; it logged:\n{stderr}");
    let logs = json_logs(&stderr);
    for message in ["database ready", "shutting down: finishing requests and running jobs", "stopped"] {
        assert!(log_with_message(&logs, message).is_some(), "no {message:?} in the log:\n{stderr}");
    }
    assert!(!stderr.contains("cut off"), "nothing was running, so nothing should be cut off:\n{stderr}");
    assert!(stdout.is_empty(), "nothing more on stdout: {stdout}");
}

#[tokio::test]
async fn serve_keeps_media_in_an_s3_compatible_bucket_when_told_to() {
    let dir = workdir();
    let bucket = chorus_testkit::s3::bucket().await;
    let mut server = Server::start(
        chorus(dir.path())
            .args(["serve", "--listen", "127.0.0.1:0", "--shutdown-grace", &GRACE_SECS.to_string()])
            .args(["--log-format", "json"])
            .env("CHORUS_MEDIA_STORE", bucket.to_string())
            .env("CHORUS_S3_ENDPOINT", chorus_testkit::s3::endpoint())
            .env("AWS_ACCESS_KEY_ID", "chorus-test")
            .env("AWS_SECRET_ACCESS_KEY", "chorus-test"),
    )
    .await;
    let http = http_client();
    let (body, _) = server.wait_ready(&http).await;
    assert_eq!(body, "ready (sqlite)");
    let (status, stderr, _) = server.terminate().await;
    assert_eq!(status.code(), Some(0), "{stderr}");
    let logs = json_logs(&stderr);
    let said = log_with_message(&logs, "media is kept in object storage").unwrap_or_else(|| panic!("{stderr}"));
    assert_eq!(
        said["fields"]["location"].as_str().or(said["location"].as_str()),
        Some(bucket.to_string().as_str()),
        "{said}"
    );
    assert!(!dir.path().join("chorus-data").join("media").exists(), "nothing goes to the media folder");
}

#[tokio::test]
async fn sigterm_lets_a_request_in_flight_finish() {
    let dir = workdir();
    let mut server = Server::start(chorus(dir.path()).args([
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--shutdown-grace",
        &GRACE_SECS.to_string(),
        "--log-format",
        "json",
    ]))
    .await;
    server.wait_ready(&http_client()).await;

    // A form post whose body is still on its way: the CSRF check reads the body, and asks for it with
    // "100 Continue", which tells us that the request is being handled.
    let mut stream = tokio::net::TcpStream::connect(server.address()).await.expect("cannot connect");
    let body = "csrf_token=not-the-one-in-the-cookie&email=a%40b.example&password=x";
    let cookie = "c".repeat(43);
    let head = format!(
        "POST /sign-in HTTP/1.1\r\nHost: {}\r\nCookie: chorus_csrf={cookie}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nExpect: 100-continue\r\n\r\n",
        server.address(),
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("cannot send the request head");
    let interim = read_head(&mut stream).await;
    assert!(interim.starts_with("HTTP/1.1 100"), "expected 100 Continue, got: {interim}");
    let (first, rest) = body.split_at(body.len() / 2);
    stream.write_all(first.as_bytes()).await.expect("cannot send the first half of the body");

    server.send_sigterm();
    server.wait_for_log("shutting down: finishing requests and running jobs").await;
    // The server is shutting down; the request it is handling still gets its answer.
    stream.write_all(rest.as_bytes()).await.expect("cannot send the rest of the body");
    let mut response = Vec::new();
    tokio::time::timeout(RUN_TIMEOUT, stream.read_to_end(&mut response))
        .await
        .expect("no response within the time limit")
        .expect("cannot read the response");
    let response = text(&response);
    assert!(response.starts_with("HTTP/1.1 403"), "the CSRF check should have answered: {response}");
    assert!(response.contains("This form has expired"), "{response}");

    let (status, stderr, _) = server.wait_exit().await;
    assert_eq!(status.code(), Some(0), "{stderr}");
    let logs = json_logs(&stderr);
    assert!(log_with_message(&logs, "stopped").is_some(), "{stderr}");
    assert!(!stderr.contains("cut off"), "the request finished within the grace period:\n{stderr}");
}

#[tokio::test]
async fn serve_migrates_an_empty_postgres_database_and_becomes_ready() {
    let dir = workdir();
    let url = empty_postgres_database().await;
    let mut server = Server::start(
        chorus(dir.path())
            .args(["serve", "--listen", "127.0.0.1:0", "--shutdown-grace", &GRACE_SECS.to_string()])
            .env("CHORUS_DATABASE_URL", &url)
            .env("CHORUS_SECRET_KEY", secret_key()),
    )
    .await;
    let (body, took) = server.wait_ready(&http_client()).await;
    assert_eq!(body, "ready (postgres)");
    eprintln!("ready on PostgreSQL {:.0} ms after start", took.as_secs_f64() * 1000.0);
    // With the key in the environment and the data in PostgreSQL, no data folder is needed.
    assert!(!dir.path().join("chorus-data").exists(), "a data folder was made though nothing needs it");
    let (status, stderr, _) = server.terminate().await;
    assert_eq!(status.code(), Some(0), "{stderr}");
}

#[tokio::test]
async fn two_serve_processes_on_one_postgres_database_both_become_ready() {
    let url = empty_postgres_database().await;
    let key = secret_key();
    let dirs = [workdir(), workdir()];
    let start = |dir: &TempDir| {
        let mut command = chorus(dir.path());
        command
            .args(["serve", "--listen", "127.0.0.1:0", "--shutdown-grace", &GRACE_SECS.to_string()])
            .args(["--log-format", "json"])
            .env("CHORUS_DATABASE_URL", &url)
            .env("CHORUS_SECRET_KEY", &key);
        command
    };
    let (mut a, mut b) = (start(&dirs[0]), start(&dirs[1]));
    let (mut a, mut b) = tokio::join!(Server::start(&mut a), Server::start(&mut b));
    let http = http_client();
    let ((body_a, _), (body_b, _)) = tokio::join!(a.wait_ready(&http), b.wait_ready(&http));
    assert_eq!((body_a.as_str(), body_b.as_str()), ("ready (postgres)", "ready (postgres)"));

    let ((status_a, log_a, _), (status_b, log_b, _)) = tokio::join!(a.terminate(), b.terminate());
    assert_eq!((status_a.code(), status_b.code()), (Some(0), Some(0)), "{log_a}\n{log_b}");

    // The migrations ran once, in whichever process took the lock first; the other found nothing to do.
    let applied = |log: &str| {
        let logs = json_logs(log);
        let entry =
            log_with_message(&logs, "database ready").unwrap_or_else(|| panic!("no 'database ready' in:\n{log}"));
        entry["migrations_applied"].as_u64().unwrap_or_else(|| panic!("no migrations_applied in {entry}"))
    };
    let mut counts = [applied(&log_a), applied(&log_b)];
    counts.sort_unstable();
    let expected = migrations_applied_to_empty(&empty_postgres_database().await, dirs[0].path()).await;
    assert_eq!(counts, [0, u64::from(expected)], "each migration must be applied exactly once");
}
