//! `jobunivers block check` and `block render` as a user runs them.

use std::io::Write;

use crate::helpers::{jobunivers, wasm, wasm_path};

fn stderr_line(out: &std::process::Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "expected exactly one line on stderr, got: {stderr}"
    );
    lines[0].to_owned()
}

#[test]
fn garbage_is_refused_with_one_line_that_says_what_it_is() {
    let hello = wasm("fixture_hello");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty file", vec![], "the file is empty"),
        (
            "text file",
            b"Dette er ikke en blok.\n".to_vec(),
            "not a WebAssembly file",
        ),
        (
            "core module",
            b"\0asm\x01\0\0\0".to_vec(),
            "core WebAssembly module, not a component",
        ),
        (
            "truncated component",
            hello[..hello.len() / 2].to_vec(),
            "not a valid WebAssembly component",
        ),
        (
            "unknown layer",
            b"\0asm\x0d\0\x02\0".to_vec(),
            "not a valid WebAssembly component",
        ),
        (
            "zip file",
            b"PK\x03\x04\x14\0\0\0\x08\0".to_vec(),
            "not a WebAssembly file",
        ),
    ];
    for (name, bytes, expected) in cases {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(&bytes).unwrap();
        let out = jobunivers(&["block", "check", file.path().to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{name}: exit code");
        let line = stderr_line(&out);
        assert!(line.starts_with("error: "), "{name}: {line}");
        assert!(
            line.contains(expected),
            "{name}: expected '{expected}' in: {line}"
        );
        assert!(out.stdout.is_empty(), "{name}: nothing on stdout");
    }
}

#[test]
fn a_missing_file_is_named() {
    let out = jobunivers(&["block", "check", "/nonexistent/block.wasm"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr_line(&out).contains("cannot read the file"));
}

#[test]
fn components_the_host_cannot_trust_or_run_are_refused() {
    let cases = [
        (
            "fixture_future_contract",
            "targets contract 2.0.0, which this host does not support (supported: 1.0, 1.1, 1.2)",
        ),
        (
            "fixture_newer_minor",
            "targets contract 1.3.0, newer than this host supports (supported: 1.0, 1.1, 1.2); upgrade the host",
        ),
        (
            "fixture_undeclared",
            "uses the `jobs` capability interface, but its manifest requests none of: jobs",
        ),
    ];
    for (name, expected) in cases {
        let out = jobunivers(&["block", "check", wasm_path(name).to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        let line = stderr_line(&out);
        assert!(
            line.contains(expected),
            "{name}: expected '{expected}' in: {line}"
        );
    }
}

#[test]
fn check_prints_what_the_block_is() {
    let out = jobunivers(&["block", "check", wasm_path("cv_coach").to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "ok: jobunivers.cv-coach 1.0.0",
        "contract: jobunivers:block@1.0.0",
        "category: cv",
        "storage: Husker din seneste analyse",
        "profile.cv:",
        "activity:",
    ] {
        assert!(
            stdout.contains(expected),
            "expected '{expected}' in:\n{stdout}"
        );
    }
    let out = jobunivers(&[
        "block",
        "check",
        wasm_path("fixture_hello").to_str().unwrap(),
    ]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("contract: jobunivers:block@1.1.0"),
        "{stdout}"
    );
    assert!(stdout.contains("capabilities: none"), "{stdout}");
    let out = jobunivers(&["block", "check", wasm_path("screening").to_str().unwrap()]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "ok: jobunivers.screening 1.0.0",
        "contract: jobunivers:block@1.2.0",
        "category: screening",
        "screening: Gemmer dine svar",
    ] {
        assert!(
            stdout.contains(expected),
            "expected '{expected}' in:\n{stdout}"
        );
    }
}

#[test]
fn render_prints_the_ui_as_json_and_runs_actions() {
    let cv = wasm_path("cv_coach");
    let cv = cv.to_str().unwrap();
    let out = jobunivers(&["block", "render", cv, "--locale", "en"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(page["title"], "CV coach");
    assert_eq!(
        page["elements"].as_array().unwrap().last().unwrap()["type"],
        "form"
    );

    let input = serde_json::json!({ "cv": cv_coach_analysis::SAMPLE_CV_DA }).to_string();
    let out = jobunivers(&[
        "block", "render", cv, "--action", "analyse", "--input", &input,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let progress = &page["elements"][0];
    assert_eq!(progress["type"], "progress");
    assert!(
        progress["value"].as_u64().unwrap() > 70,
        "the sample CV scores well: {progress}"
    );

    let out = jobunivers(&[
        "block",
        "render",
        cv,
        "--config",
        r#"{"show_score": false}"#,
        "--action",
        "analyse",
        "--input",
        &input,
    ]);
    let page: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_ne!(
        page["elements"][0]["type"], "progress",
        "the config hides the score"
    );
}

#[test]
fn render_refuses_bad_arguments_plainly() {
    let cv = wasm_path("cv_coach");
    let cv = cv.to_str().unwrap();
    let cases: [(&[&str], &str); 7] = [
        (&["--config", "{not json"], "--config is not valid JSON"),
        (&["--config", "[1,2]"], "--config must be a JSON object"),
        (
            &["--config", r#"{"show_score": "yes"}"#],
            "--config does not fit the block's schema: /show_score: \"yes\" is not of type \"boolean\"",
        ),
        (
            &["--config", r#"{"colour": "red"}"#],
            "--config does not fit the block's schema: /: Additional properties are not allowed",
        ),
        (&["--locale", "fr"], "unknown locale 'fr'"),
        (
            &["--action", "analyse", "--input", "[]"],
            "--input must be a JSON object",
        ),
        (&["--view", "settings"], "unknown view 'settings'"),
    ];
    for (args, expected) in cases {
        let mut all = vec!["block", "render", cv];
        all.extend_from_slice(args);
        let out = jobunivers(&all);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let line = stderr_line(&out);
        assert!(
            line.contains(expected),
            "{args:?}: expected '{expected}' in: {line}"
        );
    }
}

#[test]
fn render_keeps_state_between_runs_and_shows_effects() {
    let cv = wasm_path("cv_coach");
    let cv = cv.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let state = state.to_str().unwrap();
    let input = serde_json::json!({ "cv": cv_coach_analysis::SAMPLE_CV_DA }).to_string();
    let out = jobunivers(&[
        "block",
        "render",
        cv,
        "--state",
        state,
        "--effects",
        "--action",
        "analyse",
        "--input",
        &input,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let activities = run["effects"]["activities"].as_array().unwrap();
    assert_eq!(activities.len(), 1);
    assert_eq!(activities[0][1]["kind"], "cv-review");

    // The next run remembers the analysis and records nothing new.
    let out = jobunivers(&["block", "render", cv, "--state", state, "--effects"]);
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(run["page"]["elements"][0]["type"], "progress");
    assert_eq!(run["effects"]["activities"].as_array().unwrap().len(), 0);

    let out = jobunivers(&["block", "render", cv, "--state", "/dev/null/x.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr_line(&out).contains("--state /dev/null/x.json"));
}

#[test]
fn render_sends_events_to_blocks_that_take_them() {
    let hello = wasm_path("fixture_hello");
    let out = jobunivers(&[
        "block",
        "render",
        hello.to_str().unwrap(),
        "--event",
        "new-job-postings",
        "--ids",
        "demo-1001,demo-1002",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), "null");
    let out = jobunivers(&[
        "block",
        "render",
        wasm_path("cv_coach").to_str().unwrap(),
        "--event",
        "tick",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr_line(&out).contains("has no events (they came in 1.1)"));
    let out = jobunivers(&[
        "block",
        "render",
        hello.to_str().unwrap(),
        "--event",
        "lunch",
    ]);
    assert!(stderr_line(&out).contains("unknown event 'lunch'"));
}
