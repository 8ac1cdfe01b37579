//! `cargo xtask fuzz [--seconds N] [--sanitizer address|none] [--dev] [--seeds] [TARGET...]`:
//! run the fuzz targets of `fuzz/` with cargo fuzz (libFuzzer), each for a bounded
//! time, and fail if any finds a crash. FUZZING.md says what each target covers.
//!
//! cargo fuzz passes nightly compiler flags (`-Zsanitizer=address`); `RUSTC_BOOTSTRAP=1`
//! lets the stable toolchain accept them, so no second toolchain is needed. New inputs
//! that libFuzzer finds go to `fuzz/target/corpus/<target>/` (not kept in the
//! repository); the seeds in `fuzz/corpus/<target>/` are only read.
//!
//! `--dev` builds with the dev profile (`opt-level = 1`, see `fuzz/Cargo.toml`) instead
//! of release: a cold build takes a few minutes less and runs fewer inputs a second,
//! the trade CI's short run wants.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{cargo, root, run};

/// Every target, in the order they run. `component` builds wasmtime under the
/// sanitizer (about 30 CPU-minutes the first time), so CI leaves it out.
const TARGETS: &[&str] = &["package", "manifest", "page", "component"];

/// libFuzzer's options per target: the time one input may take, and for the targets
/// whose inputs are small, the largest single allocation (the parsers' limits hold).
fn options(target: &str) -> &'static [&'static str] {
    match target {
        "component" => &["-timeout=60", "-rss_limit_mb=4096"],
        _ => &["-timeout=10", "-malloc_limit_mb=256"],
    }
}

struct Args {
    seconds: u64,
    sanitizer: String,
    dev: bool,
    seeds: bool,
    targets: Vec<String>,
}

fn parse(args: &[String]) -> Result<Args, String> {
    let usage =
        "usage: cargo xtask fuzz [--seconds N] [--sanitizer address|none] [--dev] [--seeds] [TARGET...]";
    let mut parsed = Args {
        seconds: 60,
        sanitizer: "address".into(),
        dev: false,
        seeds: false,
        targets: Vec::new(),
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => {
                parsed.seconds = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|&n| n > 0)
                    .ok_or(format!("--seconds needs a positive number; {usage}"))?;
            }
            "--sanitizer" => {
                parsed.sanitizer = args
                    .next()
                    .filter(|s| matches!(s.as_str(), "address" | "none"))
                    .ok_or(format!("--sanitizer is address or none; {usage}"))?
                    .clone();
            }
            "--dev" => parsed.dev = true,
            "--seeds" => parsed.seeds = true,
            target if TARGETS.contains(&target) => parsed.targets.push(target.to_owned()),
            other => {
                return Err(format!(
                    "unknown argument '{other}'; the targets are {}; {usage}",
                    TARGETS.join(", ")
                ))
            }
        }
    }
    // `--seeds` alone only writes the seeds; without it, no target means all of them.
    if parsed.targets.is_empty() && !parsed.seeds {
        parsed.targets = TARGETS.iter().map(|t| t.to_string()).collect();
    }
    Ok(parsed)
}

fn fuzz_dir() -> PathBuf {
    root().join("fuzz")
}

/// Where the seed generator puts seeds too large for the repository.
fn large_seeds() -> PathBuf {
    fuzz_dir().join("target/seeds")
}

/// Write the seed corpora: build the blocks, then run `fuzz/seeds`.
fn seeds() -> Result<(), String> {
    crate::blocks()?;
    let mut c = cargo();
    c.args(["run", "--quiet", "--manifest-path"])
        .arg(fuzz_dir().join("Cargo.toml"))
        .args(["-p", "jobunivers-fuzz-seeds", "--"])
        .arg(crate::wasm("fixture_hello").parent().expect("a folder"))
        .arg(fuzz_dir().join("corpus"))
        .arg(large_seeds());
    run(c)
}

fn cargo_fuzz_installed() -> bool {
    Command::new("cargo")
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Files and bytes under a folder.
fn size(dir: &Path) -> (usize, u64) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return (0, 0);
    };
    entries
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .fold((0, 0), |(n, b), m| (n + 1, b + m.len()))
}

/// Run one target for `seconds`; Err if libFuzzer stops on a finding.
fn fuzz(target: &str, args: &Args) -> Result<(), String> {
    let dir = fuzz_dir();
    let found = dir.join("target/corpus").join(target);
    std::fs::create_dir_all(&found).map_err(|e| format!("{}: {e}", found.display()))?;
    let mut c = Command::new("cargo");
    c.current_dir(&dir).env("RUSTC_BOOTSTRAP", "1").args([
        "fuzz",
        "run",
        target,
        "--sanitizer",
        &args.sanitizer,
    ]);
    if args.dev {
        c.arg("--dev");
    }
    if target == "component" {
        // A build directory of its own: the other targets need not wait for wasmtime.
        c.args([
            "--features",
            "component",
            "--target-dir",
            "target/component",
        ]);
    }
    // libFuzzer writes new inputs to the first folder and only reads the others.
    c.arg(&found).arg(dir.join("corpus").join(target));
    let large = large_seeds().join(target);
    if large.is_dir() {
        c.arg(large);
    }
    c.arg("--")
        .arg(format!("-max_total_time={}", args.seconds))
        .arg("-print_final_stats=1")
        .args(options(target));
    let started = std::time::Instant::now();
    let result = run(c);
    let (files, bytes) = size(&found);
    println!(
        "fuzz: {target}: {} s (build included), {files} new inputs ({bytes} bytes) in {}",
        started.elapsed().as_secs(),
        found.display()
    );
    result.map_err(|e| {
        format!(
            "{target} found a crash or failed to build ({e}); the input is in {}",
            dir.join("artifacts").join(target).display()
        )
    })
}

pub(crate) fn main(args: &[String]) -> Result<(), String> {
    let args = parse(args)?;
    if args.seeds {
        seeds()?;
    }
    if args.targets.is_empty() {
        return Ok(());
    }
    if !cargo_fuzz_installed() {
        return Err("cargo fuzz is not installed: run `cargo install cargo-fuzz --locked`".into());
    }
    let failed: Vec<String> = args
        .targets
        .iter()
        .filter_map(|target| fuzz(target, &args).err())
        .collect();
    // The closing line: targets whose bounded run found nothing, and those that did not.
    println!(
        "fuzz: {} passed, {} failed",
        args.targets.len() - failed.len(),
        failed.len()
    );
    if failed.is_empty() {
        Ok(())
    } else {
        Err(failed.join("\n"))
    }
}
