//! `jobunivers block new NAME`: a new block project that builds to a component at once
//! and passes `jobunivers block check`.

use std::path::{Path, PathBuf};

/// Where the SDK of this checkout is, for new projects' path dependency.
pub fn default_sdk_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugin-sdk")
}

fn valid(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some('a'..='z'))
        && name.len() <= 64
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '-'))
        && !name.ends_with('-')
}

/// Create the project `parent/name` for vendor namespace `vendor`; returns the files.
pub fn create(parent: &Path, name: &str, vendor: &str, sdk: &Path) -> Result<Vec<PathBuf>, String> {
    if !valid(name) {
        return Err(format!(
            "'{name}' is not a valid block name: use lowercase letters, digits and dashes, starting with a letter"
        ));
    }
    if !valid(vendor) || vendor.len() > 32 {
        return Err(format!(
            "'{vendor}' is not a valid vendor namespace: use lowercase letters, digits and dashes"
        ));
    }
    let sdk = sdk.canonicalize().map_err(|_| {
        format!(
            "the SDK is not at {}; pass --sdk PATH to the plugin-sdk folder",
            sdk.display()
        )
    })?;
    let dir = parent.join(name);
    if dir.exists() {
        return Err(format!(
            "{} already exists; choose another name or remove it",
            dir.display()
        ));
    }
    let crate_name = name.replace('-', "_");
    let type_name: String = name
        .split('-')
        .map(|part| {
            let mut c = part.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    let files = [
        ("Cargo.toml", cargo_toml(name, &sdk)),
        ("src/lib.rs", lib_rs(name, vendor, &type_name)),
        ("README.md", readme(name, &crate_name)),
        (".gitignore", "target/\n".to_owned()),
    ];
    let mut written = Vec::new();
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().expect("files are in a folder"))
            .and_then(|()| std::fs::write(&path, text))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

fn cargo_toml(name: &str, sdk: &Path) -> String {
    format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2021"
publish = false

[lib]
# cdylib: the component; rlib: native unit tests of the block's logic.
crate-type = ["cdylib", "rlib"]

[dependencies]
# Targets contract 1.2. For 1.1: default-features = false, features = ["contract-1-1"].
jobunivers-sdk = {{ path = "{sdk}" }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"

# A project of its own, even inside another workspace.
[workspace]
"#,
        sdk = sdk.display()
    )
}

fn lib_rs(name: &str, vendor: &str, type_name: &str) -> String {
    format!(
        r#"//! {name}: a Jobunivers building block.

use jobunivers_sdk::prelude::*;
use jobunivers_sdk::storage;
use serde_json::json;

/// The block.
pub struct {type_name};

/// The greeting for a name, in the citizen's language.
pub fn greeting(ctx: &Context, name: &str) -> String {{
    format!("{{}} {{name}}!", ctx.t("Hej", "Hello"))
}}

impl Block for {type_name} {{
    fn manifest() -> Manifest {{
        Manifest::new("{vendor}.{name}", "0.1.0", Category::Other)
            .name("{name}", "{name}")
            .description("Hilser på borgeren", "Greets the citizen")
            .capability(Capability::Storage, "Husker dit navn", "Remembers your name")
            .config_schema(json!({{
                "type": "object",
                "additionalProperties": false,
                "properties": {{
                    "title": {{"type": "string", "title": "Overskrift", "maxLength": 60}}
                }}
            }}))
            .default_config(json!({{"title": "Velkommen"}}))
    }}

    fn render(ctx: &Context) -> Result<Page, BlockError> {{
        let config: serde_json::Value = ctx.config()?;
        let title = config["title"].as_str().unwrap_or("Velkommen").to_owned();
        let page = Page::new().title(title);
        Ok(match storage::get_json::<String>("name")? {{
            Some(name) => page.lead(greeting(ctx, &name)).button(ctx.t("Glem mig", "Forget me"), "forget"),
            None => page.form(
                Form::new("save", ctx.t("Gem", "Save"))
                    .field(Field::text("name", ctx.t("Dit navn", "Your name")).required().max_length(60)),
            ),
        }})
    }}

    fn handle_action(ctx: &Context, action: &Action) -> Result<Page, BlockError> {{
        match action.id.as_str() {{
            "save" => match action.field("name") {{
                Some(name) => {{
                    storage::set_json("name", name)?;
                    Self::render(ctx)
                }}
                None => Ok(Page::new().form(
                    Form::new("save", ctx.t("Gem", "Save")).field(
                        Field::text("name", ctx.t("Dit navn", "Your name"))
                            .required()
                            .error(ctx.t("Skriv dit navn", "Write your name")),
                    ),
                )),
            }},
            "forget" => {{
                storage::delete("name")?;
                Self::render(ctx)
            }}
            other => Err(BlockError::unknown_action(other)),
        }}
    }}
}}

jobunivers_sdk::export_block!({type_name});

#[cfg(test)]
mod tests {{
    use super::*;

    #[test]
    fn greets_in_the_citizens_language() {{
        assert_eq!(greeting(&Context::for_test(Locale::Da, "{{}}"), "Anna"), "Hej Anna!");
        assert_eq!(greeting(&Context::for_test(Locale::En, "{{}}"), "Anna"), "Hello Anna!");
    }}
}}
"#
    )
}

fn readme(name: &str, crate_name: &str) -> String {
    format!(
        "# {name}\n\nA Jobunivers building block.\n\n```sh\ncargo test                                        # the logic, natively\n\
         cargo build --target wasm32-wasip2 --release      # the component\n\
         jobunivers block check target/wasm32-wasip2/release/{crate_name}.wasm\n\
         jobunivers block render target/wasm32-wasip2/release/{crate_name}.wasm --locale en\n\
         jobunivers block render target/wasm32-wasip2/release/{crate_name}.wasm --action save --input '{{\"name\": \"Anna\"}}'\n```\n"
    )
}
