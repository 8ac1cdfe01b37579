//! Embeds the web UI's templates and texts (marketplace-ui/templates and
//! marketplace-ui/i18n) in the binary, so `jobunivers` runs anywhere without the
//! checkout. Each file becomes an `include_str!` entry of `FILES` in `ui_files.rs`.

use std::path::{Path, PathBuf};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let ui = manifest
        .ancestors()
        .nth(2)
        .expect("the ui crate lives in host/ of the workspace")
        .join("marketplace-ui");
    let mut files = Vec::new();
    for dir in ["templates", "i18n"] {
        let dir = ui.join(dir);
        println!("cargo:rerun-if-changed={}", dir.display());
        walk(&dir, &mut files);
    }
    files.sort();
    let mut code = String::from("&[\n");
    for file in &files {
        let name = file
            .strip_prefix(&ui)
            .expect("below marketplace-ui")
            .to_string_lossy()
            .replace('\\', "/");
        code.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            file.to_string_lossy()
        ));
    }
    code.push_str("]\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it")).join("ui_files.rs");
    std::fs::write(out, code).expect("writing ui_files.rs");
}
