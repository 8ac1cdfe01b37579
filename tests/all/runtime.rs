//! Blocks of both contract versions run side by side; the CV coach works end to end.

use jobunivers_host::caps::memory::{MemoryLimits, MemoryProvider};
use jobunivers_host::demo;
use jobunivers_host::runtime::model::{Action, Element, Event, Locale};
use jobunivers_host::runtime::{CallError, Permissions};

use crate::helpers::*;

#[tokio::test]
async fn a_1_0_block_and_a_1_1_block_run_on_the_same_host() {
    let runtime = runtime();
    let old = load(&runtime, "cv_coach").await;
    let new = load(&runtime, "fixture_hello").await;
    assert_eq!(old.contract.to_string(), "1.0.0");
    assert_eq!(new.contract.to_string(), "1.1.0");
    let page = runtime.render(&old, &call("", Locale::Da)).await.unwrap();
    assert_eq!(page.title.as_deref(), Some("CV-coach"));
    let page = runtime.render(&new, &call("", Locale::Da)).await.unwrap();
    assert_eq!(
        page.elements,
        vec![Element::Heading {
            text: "Hej!".into(),
            level: 1
        }]
    );
    let page = runtime.render(&new, &call("", Locale::En)).await.unwrap();
    assert_eq!(
        page.elements,
        vec![Element::Heading {
            text: "Hello!".into(),
            level: 1
        }]
    );
}

#[tokio::test]
async fn events_reach_1_1_blocks_and_are_declined_for_1_0_blocks() {
    let runtime = runtime();
    let old = load(&runtime, "cv_coach").await;
    let new = load(&runtime, "fixture_hello").await;
    let event = Event::NewJobPostings {
        ids: vec!["demo-1001".into()],
    };
    runtime
        .on_event(&new, &call("", Locale::Da), &event)
        .await
        .unwrap();
    match runtime.on_event(&old, &call("", Locale::Da), &event).await {
        Err(CallError::Unsupported(m)) => assert!(m.contains("came in 1.1"), "{m}"),
        other => panic!("expected Unsupported, got {other:?}"),
    }
}

fn form_error(page: &jobunivers_host::runtime::model::Page) -> Option<String> {
    page.elements.iter().find_map(|e| match e {
        Element::Form { fields, .. } => fields.iter().find_map(|f| f.error.clone()),
        _ => None,
    })
}

#[tokio::test]
async fn the_cv_coach_analyses_remembers_and_forgets() {
    let runtime = runtime();
    let block = load(&runtime, "cv_coach").await;
    let provider = provider();
    let call = call_for(
        demo::CITIZEN,
        "",
        Locale::Da,
        Permissions::everything(),
        provider.clone(),
    );

    // Submitting nothing puts a Danish message next to the field.
    let page = runtime
        .handle_action(
            &block,
            &call,
            &Action {
                id: "analyse".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        form_error(&page).as_deref(),
        Some("Indsæt teksten fra dit CV for at få en analyse.")
    );

    // A real CV gets a score, advice, and a recorded activity for the caseworker.
    let analyse = Action {
        id: "analyse".into(),
        payload: None,
        fields: vec![("cv".into(), cv_coach_analysis::SAMPLE_CV_DA.into())],
    };
    let page = runtime
        .handle_action(&block, &call, &analyse)
        .await
        .unwrap();
    let score = match &page.elements[0] {
        Element::Progress { value, .. } => *value,
        other => panic!("expected the score first, got {other:?}"),
    };
    assert!(score > 70, "score {score}");
    let activities = provider.activities(demo::CITIZEN);
    assert_eq!(activities.len(), 1);
    assert_eq!(activities[0].kind, "cv-review");
    assert_eq!(activities[0].occurred_ms, NOW_MS);

    // The next visit shows the remembered analysis.
    let page = runtime.render(&block, &call).await.unwrap();
    assert!(matches!(page.elements[0], Element::Progress { value, .. } if value == score));

    // Forgetting brings back the empty form.
    let page = runtime
        .handle_action(
            &block,
            &call,
            &Action {
                id: "forget".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(!text_of(&page).contains("progress"));
}

#[tokio::test]
async fn one_citizens_storage_is_invisible_to_another() {
    let runtime = runtime();
    let block = load(&runtime, "cv_coach").await;
    let provider = provider();
    let anna = call_for(
        "anna",
        "",
        Locale::Da,
        Permissions::everything(),
        provider.clone(),
    );
    let bo = call_for(
        "bo",
        "",
        Locale::Da,
        Permissions::everything(),
        provider.clone(),
    );
    let analyse = Action {
        id: "analyse".into(),
        payload: None,
        fields: vec![("cv".into(), cv_coach_analysis::SAMPLE_CV_DA.into())],
    };
    runtime
        .handle_action(&block, &anna, &analyse)
        .await
        .unwrap();
    let annas = runtime.render(&block, &anna).await.unwrap();
    let bos = runtime.render(&block, &bo).await.unwrap();
    assert!(matches!(annas.elements[0], Element::Progress { .. }));
    assert!(
        !bos.elements
            .iter()
            .any(|e| matches!(e, Element::Progress { .. })),
        "Bo must not see Anna's analysis"
    );

    // The same citizen in another installation starts empty too.
    let mut elsewhere = anna.clone();
    elsewhere.installation = "0101:test".into();
    let page = runtime.render(&block, &elsewhere).await.unwrap();
    assert!(!page
        .elements
        .iter()
        .any(|e| matches!(e, Element::Progress { .. })));
}

#[tokio::test]
async fn a_full_storage_quota_is_a_clear_failure() {
    let runtime = runtime();
    let block = load(&runtime, "cv_coach").await;
    let tiny = std::sync::Arc::new(MemoryProvider::new(MemoryLimits {
        storage_quota_bytes: 100,
        ..MemoryLimits::default()
    }));
    let call = call_for("anna", "", Locale::Da, Permissions::everything(), tiny);
    let analyse = Action {
        id: "analyse".into(),
        payload: None,
        fields: vec![("cv".into(), cv_coach_analysis::SAMPLE_CV_DA.into())],
    };
    match runtime.handle_action(&block, &call, &analyse).await {
        Err(CallError::Failed(m)) => assert!(
            m.contains("quota exceeded") && m.contains("100 bytes allowed per citizen"),
            "{m}"
        ),
        other => panic!("expected a quota failure, got {other:?}"),
    }
}

#[tokio::test]
async fn unknown_views_and_actions_are_bad_requests() {
    let runtime = runtime();
    let block = load(&runtime, "cv_coach").await;
    let err = runtime
        .render(&block, &call("nope", Locale::Da))
        .await
        .unwrap_err();
    assert_eq!(err, CallError::BadRequest("unknown view 'nope'".into()));
    let err = runtime
        .handle_action(
            &block,
            &call("", Locale::Da),
            &Action {
                id: "dance".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err, CallError::BadRequest("unknown action 'dance'".into()));
}

#[tokio::test]
async fn blocks_of_1_0_1_1_and_1_2_run_side_by_side_and_a_1_2_block_reports_a_screening() {
    let runtime = runtime();
    let old = load(&runtime, "cv_coach").await;
    let mid = load(&runtime, "fixture_hello").await;
    let new = load(&runtime, "screening").await;
    assert_eq!(
        [&old, &mid, &new].map(|b| b.contract.to_string()),
        ["1.0.0", "1.1.0", "1.2.0"]
    );
    assert_eq!(new.manifest.raw.category, "screening");
    assert!(new
        .imports
        .iter()
        .any(|i| i == "jobunivers:block/screening@1.2.0"));
    // The older blocks answer as before.
    let page = runtime.render(&old, &call("", Locale::Da)).await.unwrap();
    assert_eq!(page.title.as_deref(), Some("CV-coach"));
    let page = runtime.render(&mid, &call("", Locale::En)).await.unwrap();
    assert_eq!(
        page.elements,
        vec![Element::Heading {
            text: "Hello!".into(),
            level: 1
        }]
    );
    // Events reach 1.1 and 1.2 blocks.
    runtime
        .on_event(&new, &call("", Locale::Da), &Event::Tick)
        .await
        .unwrap();

    // The screening block through the memory provider: four steps, then the result.
    let provider = provider();
    let mut c = call_for(
        demo::CITIZEN,
        "",
        Locale::Da,
        Permissions::everything(),
        provider.clone(),
    );
    c.ctx.config = new.manifest.default_config.to_string();
    let page = runtime.render(&new, &c).await.unwrap();
    assert!(text_of(&page).contains("din første screening"), "{page:?}");
    let steps: [&[(&str, &str)]; 4] = [
        &[
            ("soegning", "ikke-startet"),
            ("maal", "tvivl"),
            ("cv", "nej"),
        ],
        &[("tryghed", "utryg"), ("udstyr", "nej")],
        &[("samtaler", "fast"), ("arbejdsform", "sammen")],
        &[
            ("helbred", "meget"),
            ("sprog", "ja"),
            ("ledighed", "over-12"),
        ],
    ];
    let start = Action {
        id: "start".into(),
        payload: None,
        fields: Vec::new(),
    };
    runtime.handle_action(&new, &c, &start).await.unwrap();
    let mut last = None;
    for (i, fields) in steps.iter().enumerate() {
        let action = Action {
            id: format!("answer/{i}"),
            payload: None,
            fields: fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        last = Some(runtime.handle_action(&new, &c, &action).await.unwrap());
    }
    let text = text_of(&last.unwrap());
    assert!(text.contains("Forslag: Personlig indsats"), "{text}");
    let kept = provider.snapshot().screenings;
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].1.score, 31);
    assert_eq!(kept[0].1.answers.len(), 10);
    assert_eq!(kept[0].0.citizen, demo::CITIZEN);
    // Without the grant, the block gets a typed refusal and says what is missing.
    let mut refused = c.clone();
    refused.permissions = Permissions::default();
    let page = runtime.render(&new, &refused).await.unwrap();
    let text = text_of(&page);
    assert!(!text.contains("Start screening"), "{text}");
    assert!(text.contains("ikke slået til"), "{text}");
}
