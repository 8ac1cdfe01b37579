//! The outbox tests' receivers: a real SMTP server (Python's aiosmtpd, from PyPI, in the
//! venv `cargo xtask test` makes at target/smtp-venv) writing each message it receives
//! as JSON into a directory, and a Digital Post endpoint (a small HTTP server in the
//! test) keeping each letter posted to it.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The venv's python, or a panic that says how to install it.
fn smtpd_python() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let python = target.join("smtp-venv/bin/python");
    let usable = python.is_file()
        && Command::new(&python)
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
    assert!(
        usable,
        "the outbox tests need aiosmtpd in {}: run `cargo xtask test` (which installs it), or \
         `python3 -m venv {venv} && {venv}/bin/pip install -r tests/smtp/requirements.txt` \
         (on Debian, python3-venv first)",
        python.display(),
        venv = target.join("smtp-venv").display(),
    );
    python
}

/// A port nothing listens on (yet).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running aiosmtpd; stopped when dropped.
pub struct SmtpServer {
    child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
    dir: tempfile::TempDir,
}

impl SmtpServer {
    /// Start one on `port` (0: any free port) and wait until it listens.
    pub fn start(port: u16) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/smtp/server.py");
        let mut child = Command::new(smtpd_python())
            .arg(&script)
            .arg(dir.path())
            .arg(port.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("starting the SMTP server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("listening ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("the SMTP server did not start: '{line}'"));
        Self { child, port, dir }
    }

    /// `smtp://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, in order.
    pub fn received(&self) -> Vec<Value> {
        let mut names: Vec<_> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A letter as the Digital Post receiver got it.
#[derive(Debug, Clone)]
pub struct Posted {
    /// The request's head (request line and headers), lowercased.
    pub head: String,
    /// The JSON body.
    pub body: Value,
}

/// A Digital Post endpoint: answers 202 to every POST and keeps what it got.
pub struct DigitalPostReceiver {
    /// `http://127.0.0.1:PORT/letters`.
    pub url: String,
    letters: Arc<Mutex<Vec<Posted>>>,
    task: tokio::task::JoinHandle<()>,
}

impl DigitalPostReceiver {
    /// Listen on a free port.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/letters", listener.local_addr().unwrap());
        let letters = Arc::new(Mutex::new(Vec::new()));
        let keep = letters.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let keep = keep.clone();
                tokio::spawn(async move {
                    let mut data = Vec::new();
                    let mut buf = [0u8; 4096];
                    // The head, then as many bytes as Content-Length says.
                    let (head, wanted) = loop {
                        let n = socket.read(&mut buf).await.unwrap_or(0);
                        if n == 0 {
                            return;
                        }
                        data.extend_from_slice(&buf[..n]);
                        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                            let head = String::from_utf8_lossy(&data[..end]).to_lowercase();
                            let length = head
                                .lines()
                                .find_map(|l| l.strip_prefix("content-length:"))
                                .and_then(|v| v.trim().parse::<usize>().ok())
                                .unwrap_or(0);
                            data.drain(..end + 4);
                            break (head, length);
                        }
                    };
                    while data.len() < wanted {
                        let n = socket.read(&mut buf).await.unwrap_or(0);
                        if n == 0 {
                            return;
                        }
                        data.extend_from_slice(&buf[..n]);
                    }
                    let body = serde_json::from_slice(&data[..wanted]).unwrap_or(Value::Null);
                    keep.lock().unwrap().push(Posted { head, body });
                    let _ = socket
                        .write_all(
                            b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                        )
                        .await;
                });
            }
        });
        Self { url, letters, task }
    }

    /// Every letter received so far.
    pub fn letters(&self) -> Vec<Posted> {
        self.letters.lock().unwrap().clone()
    }
}

impl Drop for DigitalPostReceiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}
