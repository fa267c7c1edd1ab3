//! A real S3-compatible server for tests: moto's server mode, started once per test process on a free loopback
//! port, and a fresh bucket for each test.
//!
//! moto comes from PyPI; `scripts/test` installs the pinned version into a virtual environment under the build
//! cache (`~/.cache/chorus/moto-<version>`), where this module finds it. `CHORUS_MOTO_SERVER` names another
//! `moto_server` program; one on `PATH` is used too. Like the PostgreSQL cluster, the server is started through
//! `setpriv --pdeathsig=TERM` from a thread that lives as long as the process, so it dies with the tests.

use std::env;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use chorus_store::{ObjectStoreBlobStore, S3Location};
use object_store::aws::AmazonS3Builder;

/// The moto release `scripts/test` installs; the virtual environment's directory is named after it.
pub const MOTO_VERSION: &str = "5.2.5";
const INSTALL_HINT: &str = "run scripts/test, which installs moto from PyPI into the build cache";

struct Server {
    addr: SocketAddr,
}

static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();

fn server() -> &'static Server {
    let started = SERVER.get_or_init(|| {
        let moto =
            find_moto().ok_or_else(|| format!("the S3 tests need moto_server, which was not found: {INSTALL_HINT}"))?;
        let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.is_file())
            .ok_or_else(|| "the S3 tests need setpriv (util-linux), which is not installed".to_string())?;
        let (reply, answer) = mpsc::channel();
        thread::Builder::new()
            .name("moto-parent".into())
            .spawn(move || {
                let _ = reply.send(start(&moto, &setpriv));
                // The server is signalled when this thread ends, so it never does.
                loop {
                    thread::park();
                }
            })
            .map_err(|e| format!("cannot start the moto thread: {e}"))?;
        answer.recv().map_err(|_| "the moto thread died".to_string())?
    });
    match started {
        Ok(server) => server,
        Err(message) => panic!("{message}"),
    }
}

fn find_moto() -> Option<PathBuf> {
    if let Some(path) = env::var_os("CHORUS_MOTO_SERVER").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let cache = env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .map(|dir| dir.join("chorus").join(format!("moto-{MOTO_VERSION}")).join("bin").join("moto_server"));
    let on_path = env::var_os("PATH")
        .map(|path| env::split_paths(&path).map(|dir| dir.join("moto_server")).collect::<Vec<_>>())
        .unwrap_or_default();
    cache.into_iter().chain(on_path).find(|p| p.is_file())
}

fn start(moto: &Path, setpriv: &Path) -> Result<Server, String> {
    let mut failures = String::new();
    for _ in 0..4 {
        // Another process can take the port between this probe and moto's bind; that is what retrying is for.
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|probe| probe.local_addr())
            .map_err(|e| format!("cannot find a free port: {e}"))?
            .port();
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let mut child = Command::new(setpriv)
            .arg("--pdeathsig=TERM")
            .arg("--")
            .arg(moto)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", moto.display()))?;
        let output = Arc::new(Mutex::new(String::new()));
        for stream in [
            child.stdout.take().map(|s| Box::new(s) as Box<dyn Read + Send>),
            child.stderr.take().map(|s| Box::new(s) as Box<dyn Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let into = Arc::clone(&output);
            let _ = thread::Builder::new().name("moto-output".into()).spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if let Ok(mut text) = into.lock()
                        && text.len() < 16 * 1024
                    {
                        text.push_str(&line);
                        text.push('\n');
                    }
                }
            });
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if answers(addr) {
                return Ok(Server { addr });
            }
            if let Ok(Some(status)) = child.try_wait() {
                thread::sleep(Duration::from_millis(50));
                let said = output.lock().map(|t| t.clone()).unwrap_or_default();
                failures.push_str(&format!("\nmoto on port {port} exited ({status}):\n{said}"));
                break;
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                failures.push_str(&format!("\nmoto on port {port} did not answer within 30 s"));
                break;
            }
            thread::sleep(Duration::from_millis(50));
        }
    }
    Err(format!("moto ({}) would not start:{failures}", moto.display()))
}

/// Whether an HTTP server answers on `addr` (moto lists the buckets at `/`).
fn answers(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(1)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if write!(stream, "GET / HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").is_err() {
        return false;
    }
    let mut head = [0_u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.1 200")
}

/// The S3 endpoint of the test server, e.g. `http://127.0.0.1:40123`.
pub fn endpoint() -> String {
    format!("http://{}", server().addr)
}

/// A new, empty bucket of its own on the test server.
pub async fn bucket() -> S3Location {
    let bucket = format!("chorus-test-{}", uuid::Uuid::new_v4().simple());
    let response = reqwest::Client::new()
        .put(format!("{}/{bucket}", endpoint()))
        .send()
        .await
        .expect("cannot reach the moto server to create a bucket");
    assert!(response.status().is_success(), "moto refused to create bucket {bucket}: {}", response.status());
    S3Location { bucket, prefix: "chorus/media".into() }
}

/// Blob storage in a new bucket on the test server, under a prefix, as `chorus serve` would set it up.
pub async fn blob_store() -> ObjectStoreBlobStore {
    let location = bucket().await;
    // moto accepts any credentials; these are set here rather than in the environment, which tests share.
    let store = AmazonS3Builder::new()
        .with_endpoint(endpoint())
        .with_allow_http(true)
        .with_bucket_name(&location.bucket)
        .with_region("us-east-1")
        .with_access_key_id("chorus-test")
        .with_secret_access_key("chorus-test")
        .build()
        .expect("cannot build an S3 client for the test bucket");
    ObjectStoreBlobStore::new(Arc::new(store), &location.prefix, location.to_string())
}
