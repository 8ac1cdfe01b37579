//! The demo: vendors, the example blocks published through the real pipeline (signed,
//! checked, reviewed and approved), installations for a few municipalities, and the
//! users of the development login. Seeding is idempotent: a seeded data directory is
//! left as it is.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::auth::{Identity, Role};
use crate::market::{Decision, Market, NewInstallation, VendorRegistration};
use crate::package;
use crate::web::DevUser;

/// The demo vendor that publishes the example blocks.
pub const DEMO_VENDOR: &str = "jobunivers";

/// The example blocks, in the order the demo municipalities show them.
pub const EXAMPLE_BLOCKS: &[&str] = &[
    "job-log", "job-feed", "cv-coach", "chatbot", "course", "booking",
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
        let subject = if *code == crate::demo::MUNICIPALITY {
            crate::demo::CITIZEN.to_owned()
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
        user: crate::monitor::DEMO_MONITORED_CITIZEN.into(),
        role: Role::Citizen,
        tenant: Some(crate::demo::MUNICIPALITY.into()),
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
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
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
        .await?;
    market
        .decide_vendor(&operator, DEMO_VENDOR, true, Some("Demo"))
        .await?;
    market
        .register_vendor(
            None,
            VendorRegistration {
                namespace: "schultz".into(),
                name: "Schultz Jobtech".into(),
                contact_email: "kontakt@schultz.example".into(),
            },
        )
        .await?;
    let key = package::generate_key()?;
    market
        .add_key(
            &vendor,
            DEMO_VENDOR,
            "demo",
            &package::encode_key(key.verifying_key().as_bytes()),
        )
        .await?;
    let mut published = Vec::new();
    for bytes in &components {
        let (pkg, block) = package::package_component(market.runtime(), bytes, &key).await?;
        let v = market.publish(&vendor, &pkg).await?;
        market
            .decide(
                &operator,
                &v.block,
                &v.version,
                Decision::Approve,
                Some("Demo"),
            )
            .await?;
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
                    },
                )
                .await?;
        }
    }
    tracing::info!(
        blocks = published.len(),
        municipalities = DEMO_MUNICIPALITIES.len(),
        "demo seeded"
    );
    Ok(())
}
