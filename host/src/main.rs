//! `jobunivers`: the host's command line.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser as _;
use jobunivers_host::caps::memory::{MemoryLimits, MemoryProvider, Snapshot};
use jobunivers_host::db::Db;
use jobunivers_host::demo;
use jobunivers_host::runtime::model::{Action, CallContext, Event, Locale};
use jobunivers_host::runtime::{Call, LoadedBlock, Permissions, Runtime, RuntimeConfig};

mod cli;
use cli::{BlockCommand, Cli, Command};

fn default_cache_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))
        .map(|d| d.join("jobunivers").join("artifacts"))
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("JOBUNIVERS_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn load(runtime: &Runtime, file: &Path) -> Result<LoadedBlock, String> {
    let bytes = std::fs::read(file)
        .map_err(|e| format!("{}: cannot read the file: {e}", file.display()))?;
    runtime
        .load(&bytes)
        .await
        .map_err(|e| format!("{}: {e}", file.display()))
}

async fn run(cli: Cli) -> Result<(), String> {
    let config = RuntimeConfig {
        cache_dir: cli.cache_dir.or_else(default_cache_dir),
        ..RuntimeConfig::default()
    };
    let runtime = || Runtime::new(config).map_err(|e| format!("cannot start the runtime: {e:#}"));
    match cli.command {
        Command::Serve {
            addr,
            data_dir,
            database_url,
            demo,
            dev_login,
            blocks_dir,
            static_dir,
            max_package_bytes,
            public_url,
            oidc_config,
            smtp_url,
            mail_from,
            digital_post_url,
            digital_post_token,
            daily_email_cap,
            outbox_max_attempts,
            header_timeout,
            body_timeout,
            writes_per_minute,
            signin_starts_per_minute,
            event_workers,
            jwt_secret,
            jwt_public_key,
            jwt_algorithm,
            jwt_issuer,
            jwt_audience,
        } => {
            use jobunivers_host::server::{self, JwtKeys, Secret, ServerConfig};
            let mut config = ServerConfig::new(data_dir);
            config.addr = addr;
            config.database_url = database_url;
            config.demo = demo;
            config.dev_login = dev_login;
            config.blocks_dir = blocks_dir;
            if let Some(dir) = static_dir {
                config.static_dir = Some(dir);
            }
            config.max_package_bytes = max_package_bytes;
            config.public_url = public_url;
            config.oidc_config = oidc_config;
            config.messages.smtp_url = smtp_url;
            config.messages.mail_from = mail_from;
            config.messages.digital_post_url = digital_post_url;
            config.messages.digital_post_token = digital_post_token;
            config.messages.policy.daily_email_cap = daily_email_cap.max(0);
            config.messages.policy.max_attempts = outbox_max_attempts.max(1);
            config.edge = server::EdgeLimits {
                header_timeout: std::time::Duration::from_secs(header_timeout.max(1)),
                body_timeout: std::time::Duration::from_secs(body_timeout.max(1)),
            };
            config.rates.writes_per_minute = writes_per_minute.max(1);
            config.rates.signin_starts_per_minute = signin_starts_per_minute.max(1);
            config.event_workers = event_workers;
            config.jwt_issuer = jwt_issuer;
            config.jwt_audience = jwt_audience;
            config.jwt = match (jwt_secret, jwt_public_key) {
                (Some(s), _) => JwtKeys::Secret(Secret(s)),
                (None, Some(pem)) => JwtKeys::PublicKey {
                    algorithm: jwt_algorithm,
                    pem,
                },
                (None, None) => JwtKeys::DataDirSecret,
            };
            let demo = config.demo;
            let running = server::start(config).await.map_err(|e| format!("{e:#}"))?;
            emit(&format!(
                "jobunivers listening on http://{}\n",
                running.addr
            ));
            if demo {
                emit(&format!(
                    "demo: open http://{0}/ in a browser and sign in as a demo user (Danish; English at the top of each page)\n",
                    running.addr
                ));
                emit(&format!(
                    "demo: the catalog is at http://{0}/api/v1/catalog; sign in with POST http://{0}/api/v1/dev/login {{\"user\": \"admin-0751\"}} (users: GET /api/v1/dev/users)\n",
                    running.addr
                ));
            }
            running.wait().await.map_err(|e| format!("{e:#}"))
        }
        Command::Keygen { out } => {
            let public = jobunivers_host::client::keygen(&out).map_err(|e| format!("{e:#}"))?;
            emit(&format!(
                "wrote the private key to {} (keep it secret)\npublic key (register it in the vendor portal or POST /api/v1/vendors/NAMESPACE/keys):\n{public}\n",
                out.display()
            ));
            Ok(())
        }
        Command::Package { file, key, out } => {
            let key = jobunivers_host::client::read_key(&key).map_err(|e| format!("{e:#}"))?;
            let bytes = std::fs::read(&file)
                .map_err(|e| format!("{}: cannot read the file: {e}", file.display()))?;
            let (package, block) =
                jobunivers_host::package::package_component(&runtime()?, &bytes, &key)
                    .await
                    .map_err(|e| format!("{}: {e:#}", file.display()))?;
            let out = out.unwrap_or_else(|| {
                PathBuf::from(format!(
                    "{}-{}.jbp",
                    block.manifest.raw.id, block.manifest.raw.version
                ))
            });
            std::fs::write(&out, &package).map_err(|e| format!("{}: {e}", out.display()))?;
            emit(&format!(
                "wrote {} ({} {}, {} bytes, signed with key {})\n",
                out.display(),
                block.manifest.raw.id,
                block.manifest.raw.version,
                package.len(),
                jobunivers_host::package::key_id(&key.verifying_key())
            ));
            Ok(())
        }
        Command::Publish {
            package,
            server,
            token,
        } => {
            let bytes = std::fs::read(&package)
                .map_err(|e| format!("{}: cannot read the file: {e}", package.display()))?;
            let answer = jobunivers_host::client::publish(&server, &token, bytes)
                .await
                .map_err(|e| format!("{e:#}"))?;
            emit(&format!(
                "published {}@{}: waiting for review\n",
                answer.get("block").and_then(|v| v.as_str()).unwrap_or("?"),
                answer
                    .get("version")
                    .and_then(|v| v.as_str())
                    .unwrap_or("?")
            ));
            Ok(())
        }
        Command::Import {
            kind,
            file,
            data_dir,
            database_url,
        } => {
            let summary = jobunivers_host::import::run_import(
                &kind,
                &file,
                database_url.as_deref(),
                &data_dir,
            )
            .await
            .map_err(|e| format!("{e:#}"))?;
            emit(&format!("{summary}\n"));
            Ok(())
        }
        Command::Migrate {
            data_dir,
            database_url,
        } => {
            let db = match &database_url {
                Some(url) => Db::connect(url).await,
                None => Db::open_data_dir(&data_dir).await,
            }
            .map_err(|e| e.to_string())?;
            db.migrate().await.map_err(|e| e.to_string())?;
            let municipalities = db.municipalities().await.map_err(|e| e.to_string())?;
            let place = match database_url {
                Some(_) => "the PostgreSQL database".to_owned(),
                None => data_dir.join("jobunivers.db").display().to_string(),
            };
            emit(&format!(
                "migrated {place}: {} municipalities\n",
                municipalities.len()
            ));
            Ok(())
        }
        Command::Block {
            command: BlockCommand::New { name, vendor, sdk },
        } => {
            let sdk = sdk.unwrap_or_else(jobunivers_host::template::default_sdk_path);
            let files = jobunivers_host::template::create(Path::new("."), &name, &vendor, &sdk)?;
            let mut out = format!("created {name}/ for the block {vendor}.{name}:\n");
            for f in files {
                out.push_str(&format!("  {}\n", f.display()));
            }
            out.push_str(&format!(
                "next: cd {name} && cargo build --target wasm32-wasip2 --release && \
                 jobunivers block check target/wasm32-wasip2/release/{}.wasm\n",
                name.replace('-', "_")
            ));
            emit(&out);
            Ok(())
        }
        Command::Block {
            command: BlockCommand::Check { file },
        } => {
            let block = load(&runtime()?, &file).await?;
            emit(&describe(&block));
            Ok(())
        }
        Command::Block {
            command:
                BlockCommand::Render {
                    file,
                    config,
                    view,
                    locale,
                    action,
                    payload,
                    input,
                    event,
                    ids,
                    state,
                    effects,
                },
        } => {
            let runtime = runtime()?;
            let block = load(&runtime, &file).await?;
            let locale: Locale = locale.parse()?;
            let config = match config {
                Some(c) => {
                    let v: serde_json::Value = serde_json::from_str(&c)
                        .map_err(|e| format!("--config is not valid JSON: {e}"))?;
                    if !v.is_object() {
                        return Err("--config must be a JSON object".into());
                    }
                    block
                        .manifest
                        .validate_config(&v)
                        .map_err(|e| format!("--config {e}"))?;
                    v.to_string()
                }
                None => block.manifest.default_config.to_string(),
            };
            let before = match &state {
                Some(path) if path.exists() => {
                    let text = std::fs::read_to_string(path)
                        .map_err(|e| format!("--state {}: {e}", path.display()))?;
                    serde_json::from_str::<Snapshot>(&text).map_err(|e| {
                        format!(
                            "--state {} is not a state file of this command: {e}",
                            path.display()
                        )
                    })?
                }
                _ => Snapshot::default(),
            };
            let provider = Arc::new(
                MemoryProvider::new(MemoryLimits::default())
                    .with_profile(demo::CITIZEN, demo::profile())
                    .with_jobs(demo::jobs())
                    .with_snapshot(before.clone()),
            );
            let call = Call {
                ctx: CallContext {
                    citizen: demo::CITIZEN.into(),
                    municipality: demo::MUNICIPALITY.into(),
                    locale,
                    view,
                    config,
                    now_ms: jobunivers_host::clock::now_ms(),
                },
                installation: format!("local:{}", block.manifest.raw.id),
                permissions: Permissions::everything(),
                provider: provider.clone(),
            };
            let page = match (action, event) {
                (Some(id), _) => {
                    let action = Action { id, payload, fields: parse_input(input.as_deref())? };
                    runtime.handle_action(&block, &call, &action).await.map(Some)
                }
                (None, Some(kind)) => {
                    let event = match kind.as_str() {
                        "tick" => Event::Tick,
                        "profile-changed" => Event::ProfileChanged,
                        "new-job-postings" => Event::NewJobPostings { ids },
                        other => {
                            return Err(format!(
                                "unknown event '{other}': use tick, profile-changed or new-job-postings"
                            ))
                        }
                    };
                    runtime.on_event(&block, &call, &event).await.map(|()| None)
                }
                (None, None) => runtime.render(&block, &call).await.map(Some),
            }
            .map_err(|e| format!("{}: {e}", file.display()))?;
            let after = provider.snapshot();
            if let Some(path) = &state {
                let text = serde_json::to_string_pretty(&after).expect("a snapshot serializes");
                std::fs::write(path, text)
                    .map_err(|e| format!("--state {}: {e}", path.display()))?;
            }
            let output = if effects {
                serde_json::json!({
                    "page": page,
                    "effects": {
                        "activities": &after.activities[before.activities.len()..],
                        "threads": &after.threads[before.threads.len()..],
                        "notifications": &after.notifications[before.notifications.len()..],
                        "screenings": &after.screenings[before.screenings.len()..],
                    }
                })
            } else {
                serde_json::json!(page)
            };
            emit(&format!(
                "{}\n",
                serde_json::to_string_pretty(&output).expect("JSON serializes")
            ));
            Ok(())
        }
    }
}

/// Write to stdout; a reader that went away (`| head`) is not an error.
fn emit(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

fn parse_input(input: Option<&str>) -> Result<Vec<(String, String)>, String> {
    let Some(input) = input else {
        return Ok(Vec::new());
    };
    let value: serde_json::Value =
        serde_json::from_str(input).map_err(|e| format!("--input is not valid JSON: {e}"))?;
    let object = value
        .as_object()
        .ok_or("--input must be a JSON object of field names to values")?;
    let mut fields = Vec::new();
    for (name, v) in object {
        let values = match v {
            serde_json::Value::Array(items) => items.clone(),
            other => vec![other.clone()],
        };
        for v in values {
            let text = match v {
                serde_json::Value::String(s) => s,
                serde_json::Value::Null => String::new(),
                other => other.to_string(),
            };
            fields.push((name.clone(), text));
        }
    }
    Ok(fields)
}

fn describe(block: &LoadedBlock) -> String {
    use std::fmt::Write;
    let m = &block.manifest.raw;
    let mut out = String::new();
    let _ = writeln!(out, "ok: {} {}", m.id, m.version);
    let _ = writeln!(out, "name: {} / {}", m.name.da, m.name.en);
    let _ = writeln!(out, "contract: jobunivers:block@{}", block.contract);
    let _ = writeln!(out, "category: {}", m.category);
    let _ = writeln!(out, "size: {} bytes, sha256 {}", block.size, block.sha256);
    if m.capabilities.is_empty() {
        let _ = writeln!(out, "capabilities: none");
    } else {
        let _ = writeln!(out, "capabilities:");
        for c in &m.capabilities {
            let _ = writeln!(out, "  {}: {} / {}", c.name, c.reason.da, c.reason.en);
        }
    }
    for c in &block.unused_capabilities {
        let _ = writeln!(
            out,
            "warning: requests '{c}' but never uses it; remove it from the manifest"
        );
    }
    out
}
