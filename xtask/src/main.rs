//! `cargo xtask <command>`: project automation in Rust instead of shell scripts.
//!
//! - `blocks`: build every example block and test fixture to a component
//!   (`target/wasm32-wasip2/release/*.wasm`).
//! - `ui`: install the web UI's design system from the npm registry (`npm ci` in
//!   marketplace-ui/) and copy its css, js, fonts and icons with the UI's own script and
//!   stylesheet into marketplace-ui/dist/, which the host serves under /static/.
//! - `demo`: build the UI, the blocks and the host, check the example blocks and run the
//!   demo server (`jobunivers serve --demo`) on 127.0.0.1:8080 (or `JOBUNIVERS_ADDR`).
//! - `test`: build the UI and the blocks, install the sign-in tests' OpenID provider
//!   (`npm ci` in tests/oidc), run the whole test suite, then the browser
//!   journey (tests/browser: Debian's chromium driven by playwright-core, axe-core on
//!   every page).
//! - `bench`: build the blocks, then run the benchmarks (release build).
//! - `loadtest`: load the demo citizen's universe page (8 blocks) over HTTP with wrk, on
//!   SQLite and on PostgreSQL, sandboxed and with the blocks linked natively (release
//!   build; `host/benches/universe.rs`).
//! - `soak [postgres]`: mixed traffic (pages, actions, messages, installs, publishes) at
//!   80% of measured capacity for 10 minutes, recording errors, latency, memory and
//!   descriptors over time (release build; `host/benches/soak/`).
//! - `contract [sqlite|postgres]`: the API against its OpenAPI document, on both backends
//!   by default: the demo server on a free loopback port with a fresh database, and
//!   schemathesis (pinned in tests/contract/requirements.txt, installed from PyPI into
//!   target/schemathesis-venv; needs python3 with venv, and psql for PostgreSQL) signed
//!   in as each role, a bounded number of cases per operation with a fixed seed. Any
//!   5xx, undocumented status, content type or header, or body that does not match its
//!   schema fails it (`contract.rs`).
//! - `fuzz [--seconds N] [--sanitizer address|none] [--dev] [--seeds] [TARGET...]`: run the fuzz
//!   targets of `fuzz/` (`package`, `manifest`, `page`, `component`; all by default) with
//!   cargo fuzz and libFuzzer for N seconds each (60 by default), under AddressSanitizer
//!   on the stable toolchain (`RUSTC_BOOTSTRAP=1`); fails if any finds a crash. Needs
//!   `cargo install cargo-fuzz --locked`. `--dev` builds at `opt-level = 1` (CI's short
//!   run). `--seeds` first writes the seed corpora again (`fuzz/seeds`; alone, it only
//!   does that). See FUZZING.md.

mod contract;
mod fuzz;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// Blocks grouped by the contract version they target: one cargo invocation per group,
/// because the SDK's contract is a cargo feature and features unify within an invocation.
const BLOCK_GROUPS: &[&[&str]] = &[
    // Contract 1.0.
    &["cv-coach"],
    // Contract 1.1 (and the fixture for an unsupported contract).
    &[
        "course",
        "chatbot",
        "fixture-hello",
        "fixture-hostile",
        "fixture-undeclared",
        "fixture-cv-bench",
        "fixture-future-contract",
        "fixture-newer-minor",
        "fixture-events",
        "booking",
        "job-feed",
        "job-log",
    ],
    // Contract 1.2.
    &["screening"],
];

/// A fixture built once per feature, each kept as `<crate>_<feature>.wasm`: the same
/// block in several versions, for the marketplace tests.
const VERSIONED_FIXTURES: &[(&str, &[&str])] = &[(
    "fixture-widget",
    &[
        "v1_0_0",
        "v1_1_0",
        "v2_0_0",
        "v1_2_0_overask",
        "v1_3_0_badconfig",
    ],
)];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_owned()
}

fn cargo() -> Command {
    let mut c = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    c.current_dir(root());
    c
}

fn run(mut c: Command) -> Result<(), String> {
    let shown = format!("{c:?}");
    let status = c.status().map_err(|e| format!("cannot run {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

/// Install the wasm target if this toolchain lacks it (a fresh machine does).
fn ensure_wasm_target() -> Result<(), String> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.trim() == "wasm32-wasip2")
        })
        .unwrap_or(false);
    if installed {
        return Ok(());
    }
    let mut c = Command::new("rustup");
    c.args(["target", "add", "wasm32-wasip2"]);
    run(c)
}

fn blocks() -> Result<(), String> {
    ensure_wasm_target()?;
    for group in BLOCK_GROUPS {
        let mut c = cargo();
        c.args(["build", "--release", "--target", "wasm32-wasip2"]);
        for p in *group {
            c.args(["-p", p]);
        }
        run(c)?;
    }
    for (krate, features) in VERSIONED_FIXTURES {
        let file = krate.replace('-', "_");
        for feature in *features {
            let mut c = cargo();
            c.args([
                "build",
                "--quiet",
                "--release",
                "--target",
                "wasm32-wasip2",
                "-p",
                krate,
                "--features",
                feature,
            ]);
            run(c)?;
            let from = wasm(&file);
            let to = wasm(&format!("{file}_{feature}"));
            std::fs::copy(&from, &to)
                .map_err(|e| format!("copying {} to {}: {e}", from.display(), to.display()))?;
        }
    }
    Ok(())
}

/// Cargo's target directory.
fn target() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

fn wasm(name: &str) -> PathBuf {
    target()
        .join("wasm32-wasip2/release")
        .join(format!("{name}.wasm"))
}

/// `npm` with this project's settings: no audit or funding requests, only the registry.
fn npm(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new("npm");
    c.current_dir(dir)
        .args(args)
        .args(["--no-audit", "--no-fund", "--loglevel=error"]);
    c
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("creating {}: {e}", to.display()))?;
    let entries =
        std::fs::read_dir(from).map_err(|e| format!("reading {}: {e}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("reading {}: {e}", from.display()))?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if src.is_dir() {
            copy_dir(&src, &dst)?;
        } else {
            std::fs::copy(&src, &dst)
                .map_err(|e| format!("copying {} to {}: {e}", src.display(), dst.display()))?;
        }
    }
    Ok(())
}

/// The web UI's static files: the dkfds design system from the npm registry (pinned by
/// marketplace-ui/package-lock.json) and the UI's own script and stylesheet, in
/// marketplace-ui/dist/ (git-ignored).
fn ui() -> Result<(), String> {
    let dir = root().join("marketplace-ui");
    run(npm(&dir, &["ci"]))?;
    let dkfds = dir.join("node_modules/dkfds/dist");
    let dist = dir.join("dist");
    if dist.exists() {
        std::fs::remove_dir_all(&dist).map_err(|e| format!("removing {}: {e}", dist.display()))?;
    }
    for part in ["css", "js", "fonts", "img"] {
        copy_dir(&dkfds.join(part), &dist.join(part))?;
    }
    copy_dir(&dir.join("static/app"), &dist.join("app"))?;
    println!(
        "web UI: the design system and the UI's files are in {}",
        dist.display()
    );
    Ok(())
}

/// The browser journey: `npm ci` in tests/browser (playwright-core and axe-core), then
/// the journey script against a fresh demo server (Debian's chromium).
fn browser() -> Result<(), String> {
    let dir = root().join("tests/browser");
    run(npm(&dir, &["ci"]))?;
    // The journey also signs in through the OpenID provider of tests/oidc.
    run(npm(&root().join("tests/oidc"), &["ci"]))?;
    let target = target();
    let mut c = Command::new("node");
    c.current_dir(root())
        .arg(dir.join("journey.mjs"))
        .env("JOBUNIVERS_BIN", target.join("debug/jobunivers"))
        .env(
            "JOBUNIVERS_BLOCKS_DIR",
            wasm("cv_coach").parent().expect("a folder"),
        )
        .env("JOBUNIVERS_SCREENSHOTS", target.join("browser"));
    run(c)
}

fn demo() -> Result<(), String> {
    ui()?;
    blocks()?;
    run({
        let mut c = cargo();
        c.args(["build", "-p", "jobunivers-host"]);
        c
    })?;
    for name in [
        "cv_coach",
        "chatbot",
        "course",
        "job_feed",
        "job_log",
        "booking",
        "screening",
    ] {
        let path = wasm(name).to_string_lossy().into_owned();
        println!("$ jobunivers block check {path}");
        run(jobunivers_command(&["block", "check", &path]))?;
    }
    // The demo server: the example blocks are published through the real pipeline
    // into data/demo on first start.
    let addr = std::env::var("JOBUNIVERS_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".into());
    let data = root().join("data/demo").to_string_lossy().into_owned();
    let blocks = wasm("cv_coach")
        .parent()
        .expect("a folder")
        .to_string_lossy()
        .into_owned();
    println!("\n$ jobunivers serve --demo --addr {addr} --data-dir {data}");
    run(jobunivers_command(&[
        "serve",
        "--demo",
        "--addr",
        &addr,
        "--data-dir",
        &data,
        "--blocks-dir",
        &blocks,
    ]))
}

/// `jobunivers ARGS` from this checkout.
fn jobunivers_command(args: &[&str]) -> Command {
    let mut c = cargo();
    c.args([
        "run",
        "--quiet",
        "-p",
        "jobunivers-host",
        "--bin",
        "jobunivers",
        "--",
    ])
    .args(args);
    c
}

fn test() -> Result<(), String> {
    ui()?;
    blocks()?;
    // The sign-in tests' OpenID provider (oidc-provider, pinned in tests/oidc).
    run(npm(&root().join("tests/oidc"), &["ci"]))?;
    // The outbox tests' SMTP server (aiosmtpd, pinned in tests/smtp), found by the
    // tests at target/smtp-venv.
    contract::python_venv("smtp-venv", &root().join("tests/smtp/requirements.txt"))?;
    let mut c = cargo();
    c.args(["test", "--workspace"]);
    run(c)?;
    // The browser journey runs the host binary that `cargo test` built.
    run({
        let mut c = cargo();
        c.args(["build", "-p", "jobunivers-host", "--bin", "jobunivers"]);
        c
    })?;
    browser()
}

fn bench() -> Result<(), String> {
    blocks()?;
    let mut c = cargo();
    c.args(["bench", "-p", "jobunivers-host", "--bench", "runtime"]);
    run(c)
}

/// Load-test the citizen's universe page over HTTP with `wrk` (from Debian's `wrk`
/// package): the demo citizen's page of 8 blocks on SQLite and on a throwaway PostgreSQL
/// database, each with the blocks sandboxed and with the same blocks linked natively
/// (`host/benches/universe.rs`, release build).
fn loadtest() -> Result<(), String> {
    blocks()?;
    let mut c = cargo();
    c.args([
        "bench",
        "-p",
        "jobunivers-host",
        "--features",
        "native-blocks",
        "--bench",
        "universe",
    ]);
    run(c)
}

/// The soak test (`host/benches/soak/`): SQLite, or PostgreSQL with `postgres`.
fn soak(args: &[String]) -> Result<(), String> {
    blocks()?;
    let mut c = cargo();
    c.args(["bench", "-p", "jobunivers-host", "--bench", "soak", "--"])
        .args(args);
    run(c)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let task = args.first().cloned().unwrap_or_default();
    let result = match task.as_str() {
        "blocks" => blocks(),
        "ui" => ui(),
        "browser" => browser(),
        "demo" => demo(),
        "test" => test(),
        "bench" => bench(),
        "loadtest" => loadtest(),
        "soak" => soak(&args[1..]),
        "contract" => contract::contract(&args[1..]),
        "fuzz" => fuzz::main(&args[1..]),
        _ => Err(
            "usage: cargo xtask <blocks|ui|demo|test|browser|bench|loadtest|soak|contract [sqlite|postgres]|fuzz>"
                .into(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}
