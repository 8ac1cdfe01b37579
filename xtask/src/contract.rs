//! `cargo xtask contract [sqlite|postgres]`: the API against its own OpenAPI document.
//!
//! For each backend (both by default) this starts `jobunivers serve --demo` on a free
//! loopback port with a fresh data directory (on PostgreSQL, a throwaway database that
//! is dropped afterwards), signs in through the development login as each role, and
//! runs schemathesis (the version pinned in tests/contract/requirements.txt, in a venv at
//! target/schemathesis-venv) over the operations that role uses: every response must
//! be documented (status, content type, headers, schema), no request may cause a 5xx,
//! and malformed requests must be refused. The number of cases per operation and the
//! seed are fixed, so a run is bounded and repeatable.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{blocks, cargo, root, run, target, ui, wasm};

/// Generated cases per operation (schemathesis' `--max-examples`); the coverage phase
/// adds the boundary and malformed cases it derives from the document.
const MAX_EXAMPLES: &str = "15";
/// The generator's seed: the same cases on every run.
const SEED: &str = "20250101";

/// Every check but these. `positive_data_acceptance` expects any request that fits the
/// document to succeed, but this API is scoped by role and tenant: a well-formed request
/// for another municipality's installation, or an id that does not exist, is rightly a
/// 403 or 404, which the document lists but the check counts as a failure.
const EXCLUDED_CHECKS: &str = "positive_data_acceptance";

/// Who schemathesis is, and which operations (a regex over their paths) it tests as
/// them: each operation is tested by the role it is for, so requests reach its logic
/// rather than stopping at a 403. The check `ignored_auth` also sends requests without
/// the credential, and with a broken one.
struct Caller {
    name: &'static str,
    /// The development login's user; `None` for no credential.
    user: Option<&'static str>,
    /// A vendor API token (`jbt_...`) of that user instead of the login's JWT.
    api_token: bool,
    paths: &'static str,
}

const CALLERS: &[Caller] = &[
    Caller {
        name: "anonymous",
        user: None,
        api_token: false,
        paths: r"^/api/v1/(catalog|municipalities$|dev/|vendors$|blocks/\{block\}/versions$)",
    },
    Caller {
        name: "citizen",
        user: Some("demo-citizen"),
        api_token: false,
        // The live inbox is a stream that never ends (the API tests read it); erasure is
        // another citizen's, so this one keeps their data for the other operations.
        paths: r"^/api/v1/(me/(?!notifications/stream$)|universe(/|$)|threads(/|$))",
    },
    Caller {
        name: "citizen erasing",
        user: Some("citizen-0101"),
        api_token: false,
        paths: r"^/api/v1/me$",
    },
    Caller {
        name: "caseworker",
        user: Some("caseworker-0751"),
        api_token: false,
        paths: r"^/api/v1/(caseworker/|visitation/|threads|municipalities/\{code\}/(screening-settings|monitoring/))",
    },
    Caller {
        name: "admin",
        user: Some("admin-0751"),
        api_token: false,
        paths: r"^/api/v1/(municipalities/|health/|audit/)",
    },
    Caller {
        name: "vendor API token",
        user: Some("vendor-jobunivers"),
        api_token: true,
        paths: r"^/api/v1/(packages|blocks/)",
    },
    Caller {
        name: "vendor",
        user: Some("vendor-jobunivers"),
        api_token: false,
        paths: r"^/api/v1/(vendors|packages|blocks/)",
    },
    Caller {
        name: "operator",
        user: Some("operator"),
        api_token: false,
        paths: r"^/api/v1/(vendors|review|blocks/|health/|audit/|outbox/)",
    },
];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// The task: `args` is empty (both backends), `sqlite` or `postgres`.
pub fn contract(args: &[String]) -> Result<(), String> {
    let backends = match args.first().map(String::as_str) {
        None => vec![Backend::Sqlite, Backend::Postgres],
        Some("sqlite") => vec![Backend::Sqlite],
        Some("postgres") => vec![Backend::Postgres],
        Some(other) => return Err(format!("unknown backend '{other}': use sqlite or postgres")),
    };
    // The server refuses to start without the web UI's static files.
    if !root().join("marketplace-ui/dist/css").is_dir() {
        ui()?;
    }
    blocks()?;
    run({
        let mut c = cargo();
        c.args(["build", "-p", "jobunivers-host", "--bin", "jobunivers"]);
        c
    })?;
    let schemathesis = install_schemathesis()?;
    let mut results = Vec::new();
    let mut failed = Vec::new();
    for backend in backends {
        let started = Instant::now();
        match check_backend(backend, &schemathesis) {
            Ok(cases) => results.push(format!(
                "{}: {cases} cases in {:.0} s",
                backend.name(),
                started.elapsed().as_secs_f64()
            )),
            Err(e) => failed.push(e),
        }
    }
    if !failed.is_empty() {
        return Err(failed.join("\n"));
    }
    println!("\ncontract ok: {}", results.join(", "));
    Ok(())
}

/// schemathesis in its own venv, installed from PyPI at the pinned version (again only
/// when the pin changes).
fn install_schemathesis() -> Result<PathBuf, String> {
    let venv = python_venv(
        "schemathesis-venv",
        &root().join("tests/contract/requirements.txt"),
    )?;
    Ok(venv.join("bin/schemathesis"))
}

/// A venv at target/`name` with the pinned `requirements` from PyPI, made again only
/// when the pins change. Its directory.
pub(crate) fn python_venv(name: &str, requirements: &Path) -> Result<PathBuf, String> {
    let venv = target().join(name);
    let stamp = venv.join("requirements.txt");
    let wanted = std::fs::read_to_string(requirements)
        .map_err(|e| format!("{}: {e}", requirements.display()))?;
    if venv.join("bin/python").is_file()
        && std::fs::read_to_string(&stamp).ok().as_deref() == Some(&wanted)
    {
        return Ok(venv);
    }
    let mut c = Command::new("python3");
    c.args(["-m", "venv", "--clear"]).arg(&venv);
    run(c).map_err(|e| {
        format!(
            "{e}: python3 with its venv module is needed (on Debian: apt-get install python3-venv)"
        )
    })?;
    let mut c = Command::new(venv.join("bin/pip"));
    c.args(["install", "--quiet", "--disable-pip-version-check", "-r"])
        .arg(requirements);
    run(c)?;
    std::fs::write(&stamp, wanted).map_err(|e| format!("{}: {e}", stamp.display()))?;
    Ok(venv)
}

/// One backend: a fresh demo server, then schemathesis as each caller. The number of
/// cases run.
fn check_backend(backend: Backend, schemathesis: &Path) -> Result<u64, String> {
    println!("\n== contract on {}", backend.name());
    let dir = target().join("contract").join(backend.name());
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let database = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(Database::create()?),
    };
    let server = Server::start(&dir, database.as_ref().map(|d| d.url.as_str()))?;
    let addr = server.addr.clone();
    let mut failed = Vec::new();
    let mut cases = 0;
    for caller in CALLERS {
        let token = match caller.user {
            None => None,
            Some(user) => Some(sign_in(&addr, user, caller.api_token)?),
        };
        println!("\n-- as {} ({})", caller.name, caller.paths);
        let mut c = Command::new(schemathesis);
        c.current_dir(&dir)
            .arg("--config-file")
            .arg(root().join("tests/contract/schemathesis.toml"))
            .arg("run")
            .arg(format!("http://{addr}/api/v1/openapi.json"))
            .args(["--url", &format!("http://{addr}")])
            .args(["--checks", "all", "--exclude-checks", EXCLUDED_CHECKS])
            .args(["--max-examples", MAX_EXAMPLES, "--seed", SEED])
            .args(["--include-path-regex", caller.paths])
            // One worker: the cases are the same on every run, and the server has the
            // other core.
            .args(["--workers", "1", "--request-timeout", "20"])
            .args(["--report", "junit", "--report-dir"])
            .arg(dir.join("reports").join(caller.name.replace(' ', "-")))
            .env("NO_COLOR", "1");
        if let Some(token) = &token {
            c.args(["--header", &format!("Authorization: Bearer {token}")]);
        }
        match run_counting(c) {
            Ok(n) => cases += n,
            Err(e) => failed.push(format!("as {}: {e}", caller.name)),
        }
    }
    drop(server);
    drop(database);
    if failed.is_empty() {
        Ok(cases)
    } else {
        Err(format!(
            "the API does not keep its contract on {} (the reports and the server's log are in {}):\n  {}",
            backend.name(),
            dir.display(),
            failed.join("\n  ")
        ))
    }
}

/// Run schemathesis, showing what it prints; the number of cases it generated.
fn run_counting(mut c: Command) -> Result<u64, String> {
    let mut child = c
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run schemathesis: {e}"))?;
    let mut cases = 0;
    let stdout = child.stdout.take().expect("piped");
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| e.to_string())?;
        println!("{line}");
        // The summary's "Test cases:" is followed by "  N generated, ...".
        if let Some((n, _)) = line.trim().split_once(" generated") {
            cases = n.parse().unwrap_or(cases);
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    if status.success() {
        Ok(cases)
    } else {
        Err(format!("schemathesis found failures ({status})"))
    }
}

/// A token for a development user, or a new API token of that vendor user.
fn sign_in(addr: &str, user: &str, api_token: bool) -> Result<String, String> {
    let body = format!(r#"{{"user": "{user}"}}"#);
    let (status, answer) = http(addr, "POST", "/api/v1/dev/login", None, Some(&body))?;
    let jwt = (status == 200)
        .then(|| string_field(&answer, "token"))
        .flatten()
        .ok_or_else(|| format!("signing in as {user}: {status} {answer}"))?;
    if !api_token {
        return Ok(jwt);
    }
    let namespace = string_field(&answer, "tenant")
        .ok_or_else(|| format!("{user} is not a vendor: {answer}"))?;
    let body = r#"{"label": "contract", "scopes": ["publish", "yank"]}"#;
    let path = format!("/api/v1/vendors/{namespace}/tokens");
    let (status, answer) = http(addr, "POST", &path, Some(&jwt), Some(body))?;
    (status == 201)
        .then(|| string_field(&answer, "secret"))
        .flatten()
        .ok_or_else(|| format!("creating an API token for {namespace}: {status} {answer}"))
}

/// One request over a fresh connection: the status and the body.
fn http(
    addr: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> Result<(u16, String), String> {
    let fail = |e: std::io::Error| format!("{method} http://{addr}{path}: {e}");
    let mut stream = TcpStream::connect(addr).map_err(fail)?;
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .map_err(fail)?;
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(token) = token {
        request.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    let body = body.unwrap_or("");
    request.push_str(&format!(
        "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    ));
    stream.write_all(request.as_bytes()).map_err(fail)?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).map_err(fail)?;
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("{method} http://{addr}{path}: not an HTTP answer: {head}"))?;
    Ok((status, body.to_owned()))
}

/// A string field of a flat JSON object (tokens, namespaces: no escapes in them).
fn string_field(json: &str, name: &str) -> Option<String> {
    let start = json.find(&format!("\"{name}\":\""))? + name.len() + 4;
    let len = json[start..].find('"')?;
    Some(json[start..start + len].to_owned())
}

/// The demo server, stopped when dropped.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(dir: &Path, database_url: Option<&str>) -> Result<Self, String> {
        // A free port: bind, read it, let go (the server binds it a moment later).
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("finding a free port: {e}"))?
            .port();
        let addr = format!("127.0.0.1:{port}");
        let log = dir.join("server.log");
        let out = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let blocks = wasm("cv_coach");
        let mut c = Command::new(target().join("debug/jobunivers"));
        c.args(["serve", "--demo", "--addr", &addr])
            .arg("--data-dir")
            .arg(dir.join("data"))
            .arg("--blocks-dir")
            .arg(blocks.parent().expect("a folder"))
            // The tester makes thousands of changes a minute as one caller.
            .args(["--writes-per-minute", "1000000"])
            // Compiled blocks are kept between runs; the database and data are fresh.
            .env("JOBUNIVERS_CACHE_DIR", target().join("contract/cache"))
            .env_remove("DATABASE_URL")
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err));
        if let Some(url) = database_url {
            c.env("DATABASE_URL", url);
        }
        let child = c.spawn().map_err(|e| format!("starting the server: {e}"))?;
        let mut server = Server { child, addr };
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            if let Ok((200, _)) = http(&server.addr, "GET", "/healthz", None, None) {
                return Ok(server);
            }
            let exited = server.child.try_wait().ok().flatten();
            if exited.is_some() || Instant::now() > deadline {
                let text = std::fs::read_to_string(&log).unwrap_or_default();
                return Err(format!("the server did not start ({exited:?}):\n{text}"));
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A throwaway PostgreSQL database on the test server (`JOBUNIVERS_TEST_POSTGRES`, by
/// default postgres://postgres@127.0.0.1:5432), dropped when this is.
struct Database {
    admin: String,
    name: String,
    url: String,
}

impl Database {
    fn create() -> Result<Self, String> {
        let base = std::env::var("JOBUNIVERS_TEST_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
        let base = base.trim_end_matches('/');
        let name = format!("jobunivers_contract_{}", std::process::id());
        let db = Database {
            admin: format!("{base}/postgres"),
            url: format!("{base}/{name}"),
            name,
        };
        db.psql(&format!("DROP DATABASE IF EXISTS {}", db.name))?;
        db.psql(&format!("CREATE DATABASE {}", db.name))?;
        Ok(db)
    }

    fn psql(&self, sql: &str) -> Result<(), String> {
        let mut c = Command::new("psql");
        c.args(["--quiet", "--no-psqlrc", "-v", "ON_ERROR_STOP=1"])
            .args([&self.admin, "-c", sql]);
        run(c).map_err(|e| format!("{e} (psql from postgresql-client is needed)"))
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Err(e) = self.psql(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        )) {
            eprintln!("xtask: {e}");
        }
    }
}
