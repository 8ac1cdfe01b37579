//! The demo: vendors, the example blocks published through the real pipeline (signed,
//! checked, reviewed and approved), installations for a few municipalities, and the
//! users of the development login. Seeding is idempotent: a seeded data directory is
//! left as it is.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use jobunivers_core::auth::DevUser;
use jobunivers_core::auth::{Identity, Role};
use jobunivers_market::package;
use jobunivers_market::{Decision, GrantBasis, Market, NewInstallation, VendorRegistration};

/// The demo vendor that publishes the example blocks.
pub const DEMO_VENDOR: &str = "jobunivers";

/// The example blocks, in the order the demo municipalities show them.
pub const EXAMPLE_BLOCKS: &[&str] = &[
    "job-log",
    "job-feed",
    "cv-coach",
    "chatbot",
    "course",
    "booking",
    "screening",
];

/// The demo municipalities: Aarhus, København, Frederiksberg.
pub const DEMO_MUNICIPALITIES: &[&str] = &["0751", "0101", "0147"];

/// The users the development login offers in the demo.
pub fn dev_users() -> Vec<DevUser> {
    let mut users = vec![
        DevUser {
            user: "operator".into(),
            role: Role::Operator,
            tenant: None,
            description: "Driftsoperatør / platform operator".into(),
        },
        DevUser {
            user: "vendor-jobunivers".into(),
            role: Role::Vendor,
            tenant: Some(DEMO_VENDOR.into()),
            description: "Leverandør af eksempelblokkene / vendor of the example blocks".into(),
        },
        DevUser {
            user: "vendor-schultz".into(),
            role: Role::Vendor,
            tenant: Some("schultz".into()),
            description: "Leverandør, venter på godkendelse / vendor awaiting approval".into(),
        },
    ];
    for code in DEMO_MUNICIPALITIES {
        users.push(DevUser {
            user: format!("admin-{code}"),
            role: Role::Admin,
            tenant: Some((*code).into()),
            description: format!("Administrator i kommune {code} / municipality admin"),
        });
        users.push(DevUser {
            user: format!("caseworker-{code}"),
            role: Role::Caseworker,
            tenant: Some((*code).into()),
            description: format!("Sagsbehandler i jobcenter {code} / caseworker"),
        });
        let subject = if *code == crate::MUNICIPALITY {
            crate::CITIZEN.to_owned()
        } else {
            format!("citizen-{code}")
        };
        users.push(DevUser {
            user: subject,
            role: Role::Citizen,
            tenant: Some((*code).into()),
            description: format!("Borger i kommune {code} / citizen"),
        });
    }
    users.push(DevUser {
        user: crate::monitoring::DEMO_MONITORED_CITIZEN.into(),
        role: Role::Citizen,
        tenant: Some(crate::MUNICIPALITY.into()),
        description: "Borger, som en overvågningsregel er slået til for / citizen a monitoring rule fired for".into(),
    });
    users
}

fn identity(role: Role, subject: &str, tenant: Option<&str>) -> Identity {
    Identity {
        subject: subject.into(),
        role,
        tenant: tenant.map(str::to_owned),
        scopes: None,
    }
}

/// Where `cargo xtask blocks` puts the example blocks in this checkout.
pub fn default_blocks_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
        .join("wasm32-wasip2/release")
}

/// Seed the demo into an empty marketplace (a seeded one is left alone).
pub async fn demo(market: &Market, blocks_dir: Option<&Path>) -> anyhow::Result<()> {
    let operator = identity(Role::Operator, "operator", None);
    let vendor = identity(Role::Vendor, "vendor-jobunivers", Some(DEMO_VENDOR));
    if market.vendor(&operator, DEMO_VENDOR).await.is_ok() {
        tracing::info!("the demo is already seeded");
        return Ok(());
    }
    let dir = blocks_dir
        .map(Path::to_path_buf)
        .unwrap_or_else(default_blocks_dir);
    let mut components = Vec::new();
    for name in EXAMPLE_BLOCKS {
        let path = dir.join(format!("{}.wasm", name.replace('-', "_")));
        let bytes = std::fs::read(&path).with_context(|| {
            format!(
                "the example block {} is missing; build the blocks first with `cargo xtask blocks`",
                path.display()
            )
        })?;
        components.push(bytes);
    }
    market
        .register_vendor(
            None,
            VendorRegistration {
                namespace: DEMO_VENDOR.into(),
                name: "Jobunivers eksempler".into(),
                contact_email: "blokke@jobunivers.example".into(),
            },
        )
        .await
        .map_err(anyhow::Error::msg)?;
    market
        .decide_vendor(&operator, DEMO_VENDOR, true, Some("Demo"))
        .await
        .map_err(anyhow::Error::msg)?;
    market
        .register_vendor(
            None,
            VendorRegistration {
                namespace: "schultz".into(),
                name: "Schultz Jobtech".into(),
                contact_email: "kontakt@schultz.example".into(),
            },
        )
        .await
        .map_err(anyhow::Error::msg)?;
    let key = package::generate_key()?;
    market
        .add_key(
            &vendor,
            DEMO_VENDOR,
            "demo",
            &package::encode_key(key.verifying_key().as_bytes()),
        )
        .await
        .map_err(anyhow::Error::msg)?;
    let mut published = Vec::new();
    for bytes in &components {
        let (pkg, block) = package::package_component(market.runtime(), bytes, &key).await?;
        let v = market
            .publish(&vendor, &pkg)
            .await
            .map_err(anyhow::Error::msg)?;
        market
            .decide(
                &operator,
                &v.block,
                &v.version,
                Decision::Approve,
                Some("Demo"),
            )
            .await
            .map_err(anyhow::Error::msg)?;
        published.push((
            v.block,
            block
                .manifest
                .requested
                .iter()
                .map(|c| c.name().to_owned())
                .collect::<Vec<_>>(),
        ));
    }
    for code in DEMO_MUNICIPALITIES {
        let admin = identity(Role::Admin, &format!("admin-{code}"), Some(code));
        for (position, (block, caps)) in published.iter().enumerate() {
            market
                .install(
                    &admin,
                    code,
                    NewInstallation {
                        block: block.clone(),
                        requirement: None,
                        config: None,
                        granted: caps.clone(),
                        audience: Default::default(),
                        position: Some(position as i64 + 1),
                        enabled: Some(true),
                        legal_basis: demo_basis(code, block),
                    },
                )
                .await
                .map_err(anyhow::Error::msg)?;
        }
    }
    demo_screenings(market).await?;
    tracing::info!(
        blocks = published.len(),
        municipalities = DEMO_MUNICIPALITIES.len(),
        "demo seeded"
    );
    Ok(())
}

/// The demo's main municipality keeps its job log as part of the jobcentre's statutory
/// follow-up on job search (a public task, GDPR art. 6(1)(e)); every other demo
/// installation asks the citizen's consent.
fn demo_basis(code: &str, block: &str) -> GrantBasis {
    if code == crate::MUNICIPALITY && block == "jobunivers.job-log" {
        GrantBasis::PublicTask {
            reference: "Lov om en aktiv beskæftigelsesindsats: jobcentrets opfølgning på jobsøgningen (joblog)".into(),
        }
    } else {
        GrantBasis::Consent
    }
}

/// Answers to the screening block's default questionnaire that suggest `track`.
fn demo_answers(track: jobunivers_core::caps::Track) -> Vec<(&'static str, Vec<(String, String)>)> {
    use jobunivers_core::caps::Track;
    let pick = |values: [&str; 10]| {
        let ids = [
            "soegning",
            "maal",
            "cv",
            "tryghed",
            "udstyr",
            "samtaler",
            "arbejdsform",
            "helbred",
            "sprog",
            "ledighed",
        ];
        ids.into_iter()
            .zip(values)
            .map(|(q, v)| (q.to_owned(), v.to_owned()))
            .collect::<Vec<_>>()
    };
    let all = match track {
        Track::SelfService => pick([
            "ugentligt",
            "klart",
            "ja",
            "meget",
            "ja",
            "selv",
            "digitalt",
            "nej",
            "nej",
            "under-3",
        ]),
        Track::Mixed => pick([
            "af-og-til",
            "ideer",
            "gammelt",
            "nogenlunde",
            "ja",
            "af-og-til",
            "blandet",
            "nej",
            "nej",
            "3-12",
        ]),
        Track::PersonalEffort => pick([
            "ikke-startet",
            "tvivl",
            "nej",
            "utryg",
            "mobil",
            "fast",
            "sammen",
            "meget",
            "lidt",
            "over-12",
        ]),
    };
    // The questionnaire's four steps.
    let mut steps = vec![
        ("answer/0", Vec::new()),
        ("answer/1", Vec::new()),
        ("answer/2", Vec::new()),
        ("answer/3", Vec::new()),
    ];
    for (i, answer) in all.into_iter().enumerate() {
        let step = match i {
            0..=2 => 0,
            3..=4 => 1,
            5..=6 => 2,
            _ => 3,
        };
        steps[step].1.push(answer);
    }
    steps
}

/// Demo citizens with screenings taken through the real screening block (each with the
/// citizen's consent), and caseworkers' decisions on some of them: the demo citizen of
/// Aarhus has two screenings and a decision that overrides the suggestion, so both the
/// citizen's and the caseworker's side have something to show.
async fn demo_screenings(market: &Market) -> anyhow::Result<()> {
    use std::sync::Arc;

    use jobunivers_casework::screening::{NewDecision, Screening};
    use jobunivers_core::caps::MemoryLimits;
    use jobunivers_core::caps::{Capability, Track};
    use jobunivers_core::model::{Action, CallContext, Locale};
    use jobunivers_runtime::{Call, Permissions};
    use jobunivers_store::provider::{DbProvider, LegalBasis};

    const DAY_MS: i64 = 86_400_000;
    let provider = Arc::new(DbProvider::new(
        market.db().clone(),
        MemoryLimits::default(),
    ));
    // The demo's citizens (idempotent; the server seeds them again after this).
    crate::seed_citizens(&provider).await?;
    let code = crate::MUNICIPALITY;
    for extra in ["demo-citizen-2", "demo-citizen-3"] {
        provider.upsert_citizen(extra, code, &[]).await?;
    }
    let now = jobunivers_core::clock::now_ms();
    // (citizen, municipality, days ago, the track the answers suggest)
    let screenings: [(&str, &str, i64, Track); 5] = [
        (crate::CITIZEN, code, 100, Track::SelfService),
        (crate::CITIZEN, code, 3, Track::Mixed),
        ("demo-citizen-2", code, 5, Track::PersonalEffort),
        ("demo-citizen-3", code, 200, Track::Mixed),
        ("citizen-0101", "0101", 10, Track::SelfService),
    ];
    for (citizen, municipality, days_ago, track) in screenings {
        let admin = identity(
            Role::Admin,
            &format!("admin-{municipality}"),
            Some(municipality),
        );
        let resolved = market
            .resolve_municipality(&admin, municipality)
            .await
            .map_err(anyhow::Error::msg)?
            .into_iter()
            .find(|r| r.block == "jobunivers.screening")
            .context("the screening block is not installed")?;
        provider
            .set_consent(
                citizen,
                resolved.installation,
                Capability::Screening,
                LegalBasis::Consent,
                true,
            )
            .await?;
        let bytes = market.blobs().get(&resolved.sha256)?;
        let block = market.runtime().load(&bytes).await?;
        let call = Call {
            ctx: CallContext {
                citizen: citizen.to_owned(),
                municipality: municipality.to_owned(),
                locale: Locale::Da,
                view: String::new(),
                config: resolved.config.to_string(),
                now_ms: now - days_ago * DAY_MS,
            },
            installation: resolved.installation.to_string(),
            permissions: Permissions {
                granted: resolved
                    .granted
                    .iter()
                    .filter_map(|g| Capability::parse(g))
                    .collect(),
                consented: provider.consented(citizen, resolved.installation).await?,
            },
            provider: provider.clone(),
        };
        let mut steps = vec![("start", Vec::new())];
        steps.extend(demo_answers(track));
        let mut last = None;
        for (id, fields) in steps {
            let action = Action {
                id: id.to_owned(),
                payload: None,
                fields,
            };
            last = Some(
                market
                    .runtime()
                    .handle_action(&block, &call, &action)
                    .await?,
            );
        }
        let text = serde_json::to_string(&last).unwrap_or_default();
        anyhow::ensure!(
            text.contains("Dine svar er gemt"),
            "the demo screening of {citizen} was not kept: {text}"
        );
    }
    // The caseworker of Aarhus decides: overrides the demo citizen's latest suggestion
    // (mixed) and confirms demo-citizen-2's (personal effort).
    let caseworker = identity(Role::Caseworker, &format!("caseworker-{code}"), Some(code));
    let service = Screening::new(market.db().clone());
    for (citizen, track, reason) in [
        (
            crate::CITIZEN,
            Track::PersonalEffort,
            "Vi talte sammen i telefonen: du ønsker at komme hurtigt i gang og har brug for hjælp til at vælge retning, så vi starter med faste samtaler hver 14. dag.",
        ),
        (
            "demo-citizen-2",
            Track::PersonalEffort,
            "Forslaget passer: vi aftaler faste samtaler og tager hensyn til dit helbred.",
        ),
    ] {
        let seen = service.visitation(&caseworker, citizen).await.map_err(anyhow::Error::msg)?;
        let latest = seen.latest.context("a demo citizen has no screening")?;
        service
            .decide(
                &caseworker,
                citizen,
                NewDecision {
                    screening: latest.id,
                    track: track.as_str().to_owned(),
                    reason: reason.to_owned(),
                },
            )
            .await.map_err(anyhow::Error::msg)?;
    }
    Ok(())
}
