//! `cargo xtask <command>`: project automation in Rust instead of shell scripts.
//!
//! - `blocks`: build every example block and test fixture to a component
//!   (`target/wasm32-wasip2/release/*.wasm`).
//! - `demo`: build the blocks and the host, check the CV coach and run it on a sample CV.
//! - `test`: build the blocks, then run the whole test suite.
//! - `bench`: build the blocks, then run the benchmarks (release build).

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
        "booking",
        "job-feed",
        "job-log",
    ],
];

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
    Ok(())
}

fn wasm(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    target
        .join("wasm32-wasip2/release")
        .join(format!("{name}.wasm"))
}

fn demo() -> Result<(), String> {
    blocks()?;
    run({
        let mut c = cargo();
        c.args(["build", "-p", "jobunivers-host"]);
        c
    })?;
    for name in ["chatbot", "course", "job_feed", "job_log", "booking"] {
        let path = wasm(name).to_string_lossy().into_owned();
        println!("\n$ jobunivers block check {path}");
        run(jobunivers_command(&["block", "check", &path]))?;
    }
    let cv = wasm("cv_coach");
    let cv_path = cv.to_string_lossy().into_owned();
    println!("\n$ jobunivers block check {cv_path}");
    run(jobunivers_command(&["block", "check", &cv_path]))?;
    println!("\n$ jobunivers block render {cv_path} --locale da");
    run(jobunivers_command(&[
        "block", "render", &cv_path, "--locale", "da",
    ]))?;
    let sample = cv_coach_analysis::SAMPLE_CV_DA;
    let input = format!("{{\"cv\": {}}}", json_string(sample));
    println!(
        "\n$ jobunivers block render {cv_path} --action analyse --input '{{\"cv\": \"...\"}}'"
    );
    run(jobunivers_command(&[
        "block", "render", &cv_path, "--action", "analyse", "--input", &input,
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

fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn test() -> Result<(), String> {
    blocks()?;
    let mut c = cargo();
    c.args(["test", "--workspace"]);
    run(c)
}

fn bench() -> Result<(), String> {
    blocks()?;
    let mut c = cargo();
    c.args(["bench", "-p", "jobunivers-host", "--bench", "runtime"]);
    run(c)
}

fn main() -> ExitCode {
    let task = std::env::args().nth(1).unwrap_or_default();
    let result = match task.as_str() {
        "blocks" => blocks(),
        "demo" => demo(),
        "test" => test(),
        "bench" => bench(),
        _ => Err("usage: cargo xtask <blocks|demo|test|bench>".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}
