//! `jobunivers block new` makes a project that builds to a component at once.

use std::path::PathBuf;
use std::process::Command;

#[test]
fn a_new_block_builds_and_passes_check() {
    let dir = tempfile::tempdir().unwrap();
    let jobunivers = env!("CARGO_BIN_EXE_jobunivers");
    let out = Command::new(jobunivers)
        .args(["block", "new", "hello-world", "--vendor", "acme"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout)
        .contains("created hello-world/ for the block acme.hello-world"));

    // Build it as a vendor would; a target dir of its own keeps it apart from ours.
    let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/template");
    let project = dir.path().join("hello-world");
    let build = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--quiet", "--release", "--target", "wasm32-wasip2"])
        .env("CARGO_TARGET_DIR", &target)
        .current_dir(&project)
        .output()
        .unwrap();
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );

    let wasm = target.join("wasm32-wasip2/release/hello_world.wasm");
    let check = Command::new(jobunivers)
        .args(["block", "check", wasm.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let stdout = String::from_utf8(check.stdout).unwrap();
    assert!(stdout.contains("ok: acme.hello-world 0.1.0"), "{stdout}");
    // A new block targets the SDK's default: the newest contract.
    assert!(
        stdout.contains("contract: jobunivers:block@1.2.0"),
        "{stdout}"
    );

    // The same name again is refused rather than overwritten.
    let again = Command::new(jobunivers)
        .args(["block", "new", "hello-world"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

#[test]
fn bad_names_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (args, expected) in [
        (
            &["block", "new", "Hello World"][..],
            "is not a valid block name",
        ),
        (
            &["block", "new", "ok-name", "--vendor", "Big Corp"][..],
            "is not a valid vendor namespace",
        ),
        (
            &["block", "new", "ok-name", "--sdk", "/nonexistent"][..],
            "the SDK is not at /nonexistent",
        ),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_jobunivers"))
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(expected),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing is left behind"
    );
}
