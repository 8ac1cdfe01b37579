//! The job-log block end to end through the real runtime: registering applications with
//! field errors, the standing against the rule, activities for the caseworker, status
//! changes, deletion, and what happens when a capability is refused.

use std::collections::BTreeSet;
use std::sync::Arc;

use jobunivers_host::caps::memory::{MemoryLimits, MemoryProvider};
use jobunivers_host::caps::{Capability, ProfileField};
use jobunivers_host::demo;
use jobunivers_host::runtime::model::{
    Action, AlertLevel, Element, Field, FieldKind, Locale, Page,
};
use jobunivers_host::runtime::{Call, CallError, LoadedBlock, Permissions, Runtime};

use crate::helpers::*;

const STOCK_CLERK: &str = "http://data.europa.eu/esco/isco/C4321";
const FREIGHT_HANDLER: &str = "http://data.europa.eu/esco/isco/C9333";

/// A call with the block's default configuration (the helpers set "{}").
fn job_log_call(
    block: &LoadedBlock,
    locale: Locale,
    permissions: Permissions,
    provider: Arc<MemoryProvider>,
) -> Call {
    let mut call = call_for(demo::CITIZEN, "", locale, permissions, provider);
    call.ctx.config = block.manifest.raw.default_config.clone();
    call
}

fn except(denied: Capability) -> Permissions {
    let mut all = Permissions::everything();
    all.granted.remove(&denied);
    all.consented.remove(&denied);
    all
}

fn action(id: &str, fields: &[(&str, &str)]) -> Action {
    Action {
        id: id.into(),
        payload: None,
        fields: fields
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
    }
}

fn button(id: &str, payload: &str) -> Action {
    Action {
        id: id.into(),
        payload: Some(payload.into()),
        fields: Vec::new(),
    }
}

fn application(employer: &str, occupation: &str, date: &str) -> Action {
    action(
        "add",
        &[
            ("employer", employer),
            ("title", "Lagermedarbejder"),
            ("occupation", occupation),
            ("applied", date),
            ("channel", "email"),
            ("status", "sent"),
        ],
    )
}

fn all_elements(elements: &[Element]) -> Vec<&Element> {
    let mut out = Vec::new();
    for e in elements {
        out.push(e);
        if let Element::Card { children, .. } = e {
            out.extend(all_elements(children));
        }
    }
    out
}

fn form_fields(page: &Page) -> Vec<Field> {
    all_elements(&page.elements)
        .into_iter()
        .find_map(|e| match e {
            Element::Form { fields, .. } => Some(fields.clone()),
            _ => None,
        })
        .expect("a form")
}

fn alerts(page: &Page) -> Vec<(AlertLevel, String)> {
    all_elements(&page.elements)
        .into_iter()
        .filter_map(|e| match e {
            Element::Alert { level, text, .. } => Some((*level, text.clone())),
            _ => None,
        })
        .collect()
}

async fn act(runtime: &Runtime, block: &LoadedBlock, call: &Call, action: &Action) -> Page {
    runtime
        .handle_action(block, call, action)
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", action.id))
}

#[tokio::test]
async fn the_job_log_registers_applications_and_tells_the_caseworker() {
    let runtime = runtime();
    let block = load(&runtime, "job_log").await;
    assert_eq!(block.manifest.raw.id, "jobunivers.job-log");
    assert_eq!(block.manifest.raw.category, "job-log");
    assert_eq!(block.contract.to_string(), "1.1.0");
    let provider = provider();
    let call = job_log_call(
        &block,
        Locale::Da,
        Permissions::everything(),
        provider.clone(),
    );

    // A first visit: a welcome, and the citizen's desired occupations to choose from.
    let page = runtime.render(&block, &call).await.unwrap();
    assert_eq!(page.title.as_deref(), Some("Joblog"));
    assert!(text_of(&page).contains("Velkommen til din joblog"));
    let fields = form_fields(&page);
    let occupation = fields
        .iter()
        .find(|f| f.name == "occupation")
        .expect("occupation select");
    match &occupation.kind {
        FieldKind::Select(choices) => {
            let values: Vec<&str> = choices.iter().map(|c| c.value.as_str()).collect();
            assert_eq!(values, [STOCK_CLERK, FREIGHT_HANDLER, "other"]);
        }
        other => panic!("expected a select, got {other:?}"),
    }
    let date = fields.iter().find(|f| f.name == "applied").unwrap();
    assert_eq!(
        date.value.as_deref(),
        Some("2026-01-05"),
        "today in Denmark"
    );

    // A form with problems: messages on the fields, what was typed kept, nothing saved.
    let bad = action(
        "add",
        &[
            ("employer", " "),
            ("title", "Lagerekspedient"),
            ("applied", "2026-01-06"),
            ("channel", "email"),
        ],
    );
    let page = act(&runtime, &block, &call, &bad).await;
    let fields = form_fields(&page);
    let error = |name: &str| {
        fields
            .iter()
            .find(|f| f.name == name)
            .unwrap()
            .error
            .clone()
    };
    assert_eq!(
        error("employer").as_deref(),
        Some("Skriv navnet på den arbejdsgiver, du har søgt hos.")
    );
    assert_eq!(
        error("applied").as_deref(),
        Some("Datoen ligger i fremtiden. Skriv den dag, du sendte ansøgningen.")
    );
    assert!(error("occupation").is_some());
    assert!(error("title").is_none());
    assert_eq!(
        fields
            .iter()
            .find(|f| f.name == "title")
            .unwrap()
            .value
            .as_deref(),
        Some("Lagerekspedient")
    );
    assert!(provider.activities(demo::CITIZEN).is_empty());

    // A good one: saved, and an activity with structured details for the caseworker.
    let page = act(
        &runtime,
        &block,
        &call,
        &application("Salling Group", FREIGHT_HANDLER, "2026-01-05"),
    )
    .await;
    let shown = alerts(&page);
    assert_eq!(shown[0].0, AlertLevel::Success);
    assert!(
        shown[0]
            .1
            .contains("Lagermedarbejder hos Salling Group er gemt"),
        "{shown:?}"
    );
    // One application in the first week of the log; the average asks for 2.
    assert_eq!(shown[1].0, AlertLevel::Warning);
    assert!(
        shown[1]
            .1
            .contains("mangler du 1 job mere senest søndag d. 11. januar"),
        "{shown:?}"
    );
    let activities = provider.activities(demo::CITIZEN);
    assert_eq!(activities.len(), 1);
    let a = &activities[0];
    assert_eq!(a.kind, "job-application");
    assert_eq!(a.occurred_ms, NOW_MS);
    assert!(
        a.summary
            .starts_with("Søgt job: Lagermedarbejder hos Salling Group"),
        "{}",
        a.summary
    );
    let details: serde_json::Value = serde_json::from_str(&a.details).unwrap();
    assert_eq!(details["employer"], "Salling Group");
    assert_eq!(details["title"], "Lagermedarbejder");
    assert_eq!(details["occupation_uri"], FREIGHT_HANDLER);
    assert_eq!(details["occupation_label"], "Lagermedarbejder");
    assert_eq!(details["date"], "2026-01-05");
    assert_eq!(details["channel"], "email");
    assert_eq!(details["status"], "sent");

    // A second this week, "other" occupation: now on track.
    let page = act(
        &runtime,
        &block,
        &call,
        &application("Netto", "other", "2026-01-05"),
    )
    .await;
    let shown = alerts(&page);
    assert!(
        shown
            .iter()
            .any(|(l, t)| *l == AlertLevel::Success && t.contains("Du har søgt 2 job i denne uge")),
        "{shown:?}"
    );

    // A third, backdated to last Friday: the period now reaches back to week 1 (3 are
    // needed over two weeks), and the caseworker sees when it happened.
    let page = act(
        &runtime,
        &block,
        &call,
        &application("Bilka", "other", "2026-01-02"),
    )
    .await;
    assert!(text_of(&page).contains("Ansøgninger i uge 1-2: 3 af 3"));
    let activities = provider.activities(demo::CITIZEN);
    assert_eq!(activities.len(), 3);
    let bilka = activities
        .iter()
        .find(|a| a.summary.contains("Bilka"))
        .unwrap();
    let details: serde_json::Value = serde_json::from_str(&bilka.details).unwrap();
    assert!(details["occupation_uri"].is_null());
    assert_eq!(details["date"], "2026-01-02");
    assert!(
        bilka.occurred_ms < NOW_MS,
        "a backdated application happened then"
    );

    // The list is newest first, in the next visit too.
    let page = runtime.render(&block, &call).await.unwrap();
    let text = text_of(&page);
    let netto = text.find("Lagermedarbejder hos Netto").unwrap();
    let bilka = text.find("Lagermedarbejder hos Bilka").unwrap();
    assert!(netto < bilka, "newest first");
    assert!(text.contains("Dine ansøgninger (3)"));
}

#[tokio::test]
async fn statuses_change_and_applications_can_be_deleted() {
    let runtime = runtime();
    let block = load(&runtime, "job_log").await;
    let provider = provider();
    let call = job_log_call(
        &block,
        Locale::En,
        Permissions::everything(),
        provider.clone(),
    );
    act(
        &runtime,
        &block,
        &call,
        &application("Salling Group", FREIGHT_HANDLER, "2026-01-02"),
    )
    .await;

    let mut entry_call = call.clone();
    entry_call.ctx.view = "entry/1".into();
    let page = runtime.render(&block, &entry_call).await.unwrap();
    assert!(text_of(&page).contains("status/1"));

    // An invalid status is a field error; an interview is news for the caseworker.
    let page = act(
        &runtime,
        &block,
        &call,
        &action("status/1", &[("status", "hired")]),
    )
    .await;
    assert_eq!(
        form_fields(&page)[0].error.as_deref(),
        Some("Choose where the application stands now.")
    );
    let page = act(
        &runtime,
        &block,
        &call,
        &action("status/1", &[("status", "interview")]),
    )
    .await;
    assert!(text_of(&page).contains("Congratulations on the interview!"));
    let activities = provider.activities(demo::CITIZEN);
    assert_eq!(activities.len(), 2);
    let change = activities
        .iter()
        .find(|a| a.summary.starts_with("Called to interview"))
        .expect("a status activity");
    let details: serde_json::Value = serde_json::from_str(&change.details).unwrap();
    assert_eq!(details["status"], "interview");
    assert_eq!(details["previous_status"], "sent");
    assert_eq!(change.occurred_ms, NOW_MS);

    // A rejection is kept in the log but is not sent as news.
    let page = act(
        &runtime,
        &block,
        &call,
        &action("status/1", &[("status", "rejected")]),
    )
    .await;
    assert!(text_of(&page).contains("Status: Rejected"));
    assert_eq!(provider.activities(demo::CITIZEN).len(), 2);

    // Deleting asks first, then removes it; its view then says it is gone.
    let page = act(&runtime, &block, &call, &button("delete", "1")).await;
    assert!(text_of(&page).contains("delete-confirm"));
    let page = act(&runtime, &block, &call, &button("delete-confirm", "1")).await;
    assert!(text_of(&page).contains("Your applications (0)"));
    let page = runtime.render(&block, &entry_call).await.unwrap();
    assert!(text_of(&page).contains("no longer in your job log"));

    // Nonsense is a bad request, not a crash.
    let mut nowhere = call.clone();
    nowhere.ctx.view = "settings".into();
    assert!(matches!(
        runtime.render(&block, &nowhere).await,
        Err(CallError::BadRequest(_))
    ));
    let bad_id = runtime
        .handle_action(&block, &call, &button("delete", "one"))
        .await;
    assert!(
        matches!(bad_id, Err(CallError::BadRequest(_))),
        "{bad_id:?}"
    );
}

#[tokio::test]
async fn without_profile_consent_or_activity_grant_the_log_still_works() {
    let runtime = runtime();
    let block = load(&runtime, "job_log").await;
    let provider = provider();

    // No consent to the desired occupations: no occupation field, nothing stored about it.
    let no_profile = job_log_call(
        &block,
        Locale::Da,
        except(Capability::Profile(ProfileField::Occupations)),
        provider.clone(),
    );
    let page = runtime.render(&block, &no_profile).await.unwrap();
    assert!(!form_fields(&page).iter().any(|f| f.name == "occupation"));
    let mut plain = application("Netto", "", "2026-01-05");
    plain.fields.retain(|(n, _)| n != "occupation");
    act(&runtime, &block, &no_profile, &plain).await;
    let details: serde_json::Value =
        serde_json::from_str(&provider.activities(demo::CITIZEN)[0].details).unwrap();
    assert!(details["occupation_uri"].is_null());

    // Activities not granted: the application is saved and can be sent later.
    let no_activity = job_log_call(
        &block,
        Locale::Da,
        except(Capability::Activity),
        provider.clone(),
    );
    let page = act(
        &runtime,
        &block,
        &no_activity,
        &application("Føtex", STOCK_CLERK, "2026-01-05"),
    )
    .await;
    let text = text_of(&page);
    assert!(
        text.contains("kunne ikke sendes til jobcentret lige nu"),
        "{text}"
    );
    assert!(text.contains("\"resend\""));
    assert!(text.contains("Ikke sendt til jobcentret endnu."));
    assert_eq!(provider.activities(demo::CITIZEN).len(), 1);

    // Once the municipality grants it, sending again reaches the caseworker.
    let all = job_log_call(
        &block,
        Locale::Da,
        Permissions::everything(),
        provider.clone(),
    );
    let page = act(&runtime, &block, &all, &action("resend", &[])).await;
    assert!(text_of(&page).contains("Dine ansøgninger er sendt"));
    assert!(!text_of(&page).contains("\"resend\""));
    let activities = provider.activities(demo::CITIZEN);
    assert_eq!(activities.len(), 2);
    assert!(activities.iter().any(|a| a.summary.contains("Føtex")));

    // Without storage there is no log: the citizen is told, the call does not fail.
    let no_storage = job_log_call(
        &block,
        Locale::Da,
        except(Capability::Storage),
        provider.clone(),
    );
    let page = runtime.render(&block, &no_storage).await.unwrap();
    let shown = alerts(&page);
    assert_eq!(shown[0].0, AlertLevel::Error);
    assert!(shown[0].1.contains("ikke slået gemning til"), "{shown:?}");
}

#[tokio::test]
async fn the_municipalitys_rule_and_the_storage_quota_are_respected() {
    let runtime = runtime();
    let block = load(&runtime, "job_log").await;

    // A rule of one application a week, no average: one application is enough.
    let mut call = job_log_call(&block, Locale::Da, Permissions::everything(), provider());
    call.ctx.config =
        r#"{"weeks_in_period": 2, "min_average_per_week": 0, "require_every_week": true}"#.into();
    let page = act(
        &runtime,
        &block,
        &call,
        &application("Netto", FREIGHT_HANDLER, "2026-01-05"),
    )
    .await;
    let shown = alerts(&page);
    assert!(
        shown.iter().any(|(l, _)| *l == AlertLevel::Success),
        "{shown:?}"
    );
    assert!(
        !shown.iter().any(|(l, _)| *l == AlertLevel::Warning),
        "{shown:?}"
    );
    assert!(text_of(&page).contains("mindst ét job hver uge"));

    // A storage quota too small for the log: a clear message, the form kept, no activity.
    let tiny = Arc::new(
        MemoryProvider::new(MemoryLimits {
            storage_quota_bytes: 100,
            ..MemoryLimits::default()
        })
        .with_profile(demo::CITIZEN, demo::profile()),
    );
    let call = job_log_call(&block, Locale::Da, Permissions::everything(), tiny.clone());
    let page = act(
        &runtime,
        &block,
        &call,
        &application("Salling Group A/S", FREIGHT_HANDLER, "2026-01-05"),
    )
    .await;
    let shown = alerts(&page);
    assert_eq!(shown[0].0, AlertLevel::Error);
    assert!(
        shown[0].1.contains("ikke mere plads i din joblog"),
        "{shown:?}"
    );
    let employer = form_fields(&page)
        .into_iter()
        .find(|f| f.name == "employer")
        .unwrap();
    assert_eq!(employer.value.as_deref(), Some("Salling Group A/S"));
    assert!(tiny.activities(demo::CITIZEN).is_empty());
    let requested: BTreeSet<Capability> = [
        Capability::Storage,
        Capability::Activity,
        Capability::Profile(ProfileField::Occupations),
    ]
    .into();
    assert_eq!(block.manifest.requested, requested);
}
