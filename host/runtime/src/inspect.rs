//! What a component is, read from its bytes and its type before anything runs: is it a
//! component at all, which contract version it targets, and what it imports.

use std::collections::BTreeSet;

use semver::Version;
use wasmtime::component::Component;
use wasmtime::Engine;

use super::{LoadError, SUPPORTED_CONTRACTS};

/// The contract package every block speaks.
pub(crate) const PACKAGE: &str = "jobunivers:block";

/// Refuse what is not a component before handing it to the compiler, so the message
/// says what the file is rather than what the parser choked on.
pub(crate) fn classify_bytes(bytes: &[u8]) -> Result<(), LoadError> {
    if bytes.is_empty() {
        return Err(LoadError::Empty);
    }
    if bytes.len() < 8 || &bytes[..4] != b"\0asm" {
        return Err(LoadError::NotWasm);
    }
    if wasmparser::Parser::is_core_wasm(bytes) {
        return Err(LoadError::CoreModule);
    }
    if !wasmparser::Parser::is_component(bytes) {
        return Err(LoadError::Invalid(
            "unknown WebAssembly version or layer".into(),
        ));
    }
    Ok(())
}

/// Split "ns:pkg/iface@1.2.3" into ("ns:pkg", "iface", Some(1.2.3)).
fn split_name(name: &str) -> Option<(&str, &str, Option<Version>)> {
    let (path, version) = match name.split_once('@') {
        Some((p, v)) => (p, Some(Version::parse(v).ok()?)),
        None => (name, None),
    };
    let (package, iface) = path.split_once('/')?;
    Some((package, iface, version))
}

/// What the component's type says.
#[derive(Debug, Clone)]
pub(crate) struct Shape {
    /// The contract version of the exported `block` interface.
    pub(crate) contract: Version,
    /// The contract interfaces it imports (e.g. "storage").
    pub(crate) contract_imports: BTreeSet<String>,
    /// Every import's full name.
    pub(crate) imports: Vec<String>,
}

/// WASI interfaces a block may import: Rust's standard library uses them. Each is served
/// inert (no files, sockets, environment; a frozen clock).
const WASI_ALLOWED: &[&str] = &[
    "wasi:cli",
    "wasi:io",
    "wasi:clocks",
    "wasi:random",
    "wasi:filesystem",
    "wasi:sockets",
];

pub(crate) fn shape(engine: &Engine, component: &Component) -> Result<Shape, LoadError> {
    let ty = component.component_type();
    let supported = supported_list();

    let mut contract = None;
    for (name, _) in ty.exports(engine) {
        if let Some((PACKAGE, "block", version)) = split_name(name) {
            let version = version
                .ok_or_else(|| LoadError::Invalid(format!("export `{name}` has no version")))?;
            contract = Some(version);
        }
    }
    let contract = contract.ok_or(LoadError::NoContract)?;
    let supported_here = SUPPORTED_CONTRACTS.iter().any(|(major, minor)| {
        contract.major == *major && contract.minor == *minor && contract.pre.is_empty()
    });
    if !supported_here {
        let newest_minor = SUPPORTED_CONTRACTS
            .iter()
            .filter(|(m, _)| *m == contract.major)
            .map(|(_, n)| *n)
            .max();
        return Err(match newest_minor {
            Some(minor) if contract.minor > minor => LoadError::NewerContract {
                found: contract,
                supported,
            },
            _ => LoadError::UnsupportedContract {
                found: contract,
                supported,
            },
        });
    }

    let mut contract_imports = BTreeSet::new();
    let mut imports = Vec::new();
    for (name, _) in ty.imports(engine) {
        imports.push(name.to_owned());
        match split_name(name) {
            Some((PACKAGE, iface, version)) => {
                if version.as_ref() != Some(&contract) {
                    return Err(LoadError::MixedContract {
                        import: name.to_owned(),
                        contract,
                    });
                }
                contract_imports.insert(iface.to_owned());
            }
            Some((package, _, _)) if WASI_ALLOWED.contains(&package) => {}
            _ => return Err(LoadError::ForeignImport(name.to_owned())),
        }
    }
    Ok(Shape {
        contract,
        contract_imports,
        imports,
    })
}

/// "1.0, 1.1, 1.2"
pub(crate) fn supported_list() -> String {
    SUPPORTED_CONTRACTS
        .iter()
        .map(|(a, b)| format!("{a}.{b}"))
        .collect::<Vec<_>>()
        .join(", ")
}
