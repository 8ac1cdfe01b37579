//! Capabilities are gated: not granted or not consented returns a typed error to the
//! block; the sandbox has no files, network, environment or clock of its own.

use std::collections::BTreeSet;

use jobunivers_host::caps::{Capability, ProfileField};
use jobunivers_host::demo;
use jobunivers_host::runtime::model::{Action, Element, Locale};
use jobunivers_host::runtime::{CallError, Permissions};

use crate::helpers::*;

#[tokio::test]
async fn a_capability_not_granted_is_a_typed_error_for_the_block() {
    let runtime = runtime();
    let hostile = load(&runtime, "fixture_hostile").await;
    let none = call_for(
        "anna",
        "storage",
        Locale::Da,
        Permissions::default(),
        provider(),
    );
    let page = runtime.render(&hostile, &none).await.unwrap();
    assert!(
        text_of(&page)
            .contains("not granted: the municipality has not granted the 'storage' capability"),
        "{page:?}"
    );
    let all = call_for(
        "anna",
        "storage",
        Locale::Da,
        Permissions::everything(),
        provider(),
    );
    let page = runtime.render(&hostile, &all).await.unwrap();
    assert!(text_of(&page).contains("\"stored\""));
}

fn permissions(consented: &[Capability]) -> Permissions {
    Permissions {
        granted: Capability::all().collect(),
        consented: consented.iter().copied().collect::<BTreeSet<_>>(),
    }
}

#[tokio::test]
async fn the_profile_shows_only_consented_field_groups() {
    let runtime = runtime();
    let block = load(&runtime, "cv_coach").await;
    let analyse_profile = Action {
        id: "analyse-profile".into(),
        ..Default::default()
    };

    // Consent to the CV only: the CV is read, the job wishes are not.
    let cv_only = call_for(
        demo::CITIZEN,
        "",
        Locale::Da,
        permissions(&[Capability::Profile(ProfileField::Cv)]),
        provider(),
    );
    let page = runtime
        .handle_action(&block, &cv_only, &analyse_profile)
        .await
        .unwrap();
    assert!(matches!(page.elements[0], Element::Progress { .. }));
    assert!(
        !text_of(&page).contains("Ord fra dine jobønsker"),
        "occupations must stay hidden without consent"
    );

    // With consent to the job wishes too, the analysis uses them.
    let both = call_for(
        demo::CITIZEN,
        "",
        Locale::Da,
        permissions(&[
            Capability::Profile(ProfileField::Cv),
            Capability::Profile(ProfileField::Occupations),
        ]),
        provider(),
    );
    let page = runtime
        .handle_action(&block, &both, &analyse_profile)
        .await
        .unwrap();
    assert!(
        text_of(&page).contains("lagerekspedient"),
        "the desired occupation is checked"
    );

    // Without consent to anything in the profile, the block is told why.
    let none = call_for(demo::CITIZEN, "", Locale::Da, permissions(&[]), provider());
    match runtime.handle_action(&block, &none, &analyse_profile).await {
        Err(CallError::Failed(m)) => assert!(
            m.contains("no consent: the citizen has not consented"),
            "{m}"
        ),
        other => panic!("expected a consent failure, got {other:?}"),
    }
}

#[tokio::test]
async fn the_sandbox_has_no_files_environment_network_or_clock() {
    let runtime = runtime();
    let hostile = load(&runtime, "fixture_hostile").await;
    let page = runtime
        .render(&hostile, &call("sandbox", Locale::Da))
        .await
        .unwrap();
    let items = match &page.elements[0] {
        Element::List { items, .. } => items.clone(),
        other => panic!("expected the probe's list, got {other:?}"),
    };
    assert!(items[0].starts_with("files: denied"), "{items:?}");
    assert_eq!(items[1], "env: 0");
    assert_eq!(
        items[2],
        format!("clock: {NOW_MS}"),
        "the only time a block sees is the host's"
    );
    assert!(items[3].starts_with("network: denied"), "{items:?}");
}
