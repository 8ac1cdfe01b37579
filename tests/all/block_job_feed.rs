//! The job feed, as the host runs it: the demo citizen's postings ranked with reasons,
//! saving and dismissing kept in storage, the citizen's own search with field
//! messages, notifications about new postings (good matches only, a few a day, never
//! twice), and what happens without consent or without the jobs capability.

use std::collections::BTreeSet;
use std::sync::Arc;

use jobunivers_host::caps::memory::MemoryProvider;
use jobunivers_host::caps::{Capability, ProfileField};
use jobunivers_host::demo;
use jobunivers_host::runtime::model::{
    Action, AlertLevel, Element, Event, LinkTarget, Locale, Page,
};
use jobunivers_host::runtime::{Call, CallError, LoadedBlock, Permissions, Runtime};

use crate::helpers::*;

const DAY_MS: i64 = 86_400_000;

async fn job_feed() -> (Runtime, LoadedBlock) {
    let runtime = runtime();
    let block = load(&runtime, "job_feed").await;
    (runtime, block)
}

/// A call for the demo citizen with the block's default configuration.
fn call_with(
    block: &LoadedBlock,
    view: &str,
    locale: Locale,
    permissions: Permissions,
    provider: Arc<MemoryProvider>,
) -> Call {
    let mut call = call_for(demo::CITIZEN, view, locale, permissions, provider);
    call.ctx.config = block.manifest.default_config.to_string();
    call
}

fn everything(block: &LoadedBlock, view: &str, provider: Arc<MemoryProvider>) -> Call {
    call_with(block, view, Locale::Da, Permissions::everything(), provider)
}

fn action(id: &str, payload: Option<&str>, fields: &[(&str, &str)]) -> Action {
    Action {
        id: id.into(),
        payload: payload.map(Into::into),
        fields: fields
            .iter()
            .map(|(n, v)| ((*n).into(), (*v).into()))
            .collect(),
    }
}

/// The titles of the job cards on a page (cards with a save or remove button).
fn job_titles(page: &Page) -> Vec<String> {
    page.elements
        .iter()
        .filter_map(|e| match e {
            Element::Card {
                title, children, ..
            } if children.iter().any(|c| {
                matches!(c, Element::Button { action, .. } if action == "save" || action == "unsave")
            }) =>
            {
                Some(title.clone())
            }
            _ => None,
        })
        .collect()
}

fn first_alert(page: &Page) -> Option<(AlertLevel, String)> {
    page.elements.iter().find_map(|e| match e {
        Element::Alert { level, text, .. } => Some((*level, text.clone())),
        _ => None,
    })
}

fn field_errors(page: &Page) -> Vec<(String, String)> {
    page.elements
        .iter()
        .filter_map(|e| match e {
            Element::Form { fields, .. } => Some(fields),
            _ => None,
        })
        .flatten()
        .filter_map(|f| f.error.clone().map(|e| (f.name.clone(), e)))
        .collect()
}

fn stored(provider: &MemoryProvider, key: &str) -> Option<String> {
    provider
        .snapshot()
        .storage
        .into_iter()
        .find(|v| v.citizen == demo::CITIZEN && v.key == key)
        .map(|v| v.value)
}

#[tokio::test]
async fn the_feed_ranks_the_demo_postings_and_shows_why() {
    let (runtime, block) = job_feed().await;
    assert_eq!(block.manifest.raw.id, "jobunivers.job-feed");
    assert_eq!(block.manifest.raw.category, "jobs");
    assert_eq!(block.contract.to_string(), "1.1.0");
    let page = runtime
        .render(&block, &everything(&block, "", provider()))
        .await
        .unwrap();
    assert_eq!(page.title.as_deref(), Some("Job til dig"));
    assert_eq!(
        job_titles(&page),
        [
            "Truckfører til havnen",
            "Lagerekspedient",
            "Lagermedarbejder til dagholdet",
            "Butiksmedarbejder"
        ],
        "best first; the driver job in Brøndby fits in no way"
    );
    let text = text_of(&page);
    for expected in [
        "✓ Matcher dit jobønske Lagermedarbejder (+50)",
        "✓ I dit område, 8000 Aarhus C (+30)",
        "✓ I samme landsdel som dit område 8000 (+15)",
        "✗ Langt fra dit område 8000 (5792 Årslev)",
        "✗ Butiksmedarbejder er ikke et af dine jobønsker",
        "Ansøgningsfrist 24. januar 2026 (om 19 dage)",
        "https://job.example.dk/demo-1003",
        "job/demo-1003",
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
    assert!(
        !text.contains("Få bedre forslag"),
        "the demo citizen shared everything"
    );

    let page = runtime
        .render(
            &block,
            &call_with(
                &block,
                "",
                Locale::En,
                Permissions::everything(),
                provider(),
            ),
        )
        .await
        .unwrap();
    assert_eq!(page.title.as_deref(), Some("Jobs for you"));
    assert!(text_of(&page).contains("✓ Matches your job wish Lagermedarbejder (+50)"));

    // An installation that wants only the citizen's job wishes.
    let mut narrow = everything(&block, "", provider());
    narrow.ctx.config = r#"{"include_without_occupation_match": false, "max_results": 2}"#.into();
    let page = runtime.render(&block, &narrow).await.unwrap();
    assert_eq!(
        job_titles(&page),
        ["Truckfører til havnen", "Lagerekspedient"]
    );
}

#[tokio::test]
async fn saved_and_dismissed_jobs_are_kept_in_storage() {
    let (runtime, block) = job_feed().await;
    let provider = provider();
    let feed = everything(&block, "", provider.clone());

    let page = runtime
        .handle_action(&block, &feed, &action("save", Some("demo-1002"), &[]))
        .await
        .unwrap();
    assert_eq!(
        first_alert(&page),
        Some((
            AlertLevel::Success,
            "Lagerekspedient er gemt. Du finder det under \"Dine gemte job\".".into()
        ))
    );
    assert!(text_of(&page).contains("Dine gemte job (1)"));
    assert!(stored(&provider, "saved").unwrap().contains("demo-1002"));

    let saved = everything(&block, "saved", provider.clone());
    let page = runtime.render(&block, &saved).await.unwrap();
    assert_eq!(job_titles(&page), ["Lagerekspedient"]);

    // Dismissed from its own page: back to the feed, never shown again, undo offered.
    let own_page = everything(&block, "job/demo-1003", provider.clone());
    let page = runtime
        .handle_action(
            &block,
            &own_page,
            &action("dismiss", Some("demo-1003"), &[]),
        )
        .await
        .unwrap();
    assert_eq!(page.title.as_deref(), Some("Job til dig"));
    assert!(!job_titles(&page).contains(&"Truckfører til havnen".to_owned()));
    assert!(page.elements.iter().any(|e| matches!(e,
        Element::Button { action, payload, .. } if action == "undismiss" && payload.as_deref() == Some("demo-1003"))));
    let page = runtime.render(&block, &feed).await.unwrap();
    assert!(!job_titles(&page).contains(&"Truckfører til havnen".to_owned()));
    assert_eq!(
        stored(&provider, "dismissed").as_deref(),
        Some(r#"["demo-1003"]"#)
    );

    let page = runtime
        .handle_action(&block, &feed, &action("undismiss", Some("demo-1003"), &[]))
        .await
        .unwrap();
    assert_eq!(job_titles(&page)[0], "Truckfører til havnen");

    // Removing from the saved view stays on it.
    let page = runtime
        .handle_action(&block, &saved, &action("unsave", Some("demo-1002"), &[]))
        .await
        .unwrap();
    assert_eq!(page.title.as_deref(), Some("Dine gemte job"));
    assert!(job_titles(&page).is_empty());

    // A posting that is gone cannot be saved; the citizen is told, kindly.
    let page = runtime
        .handle_action(&block, &feed, &action("save", Some("demo-9999"), &[]))
        .await
        .unwrap();
    assert_eq!(
        first_alert(&page),
        Some((
            AlertLevel::Info,
            "Jobopslaget findes ikke længere, så det kan ikke gemmes.".into()
        ))
    );
}

#[tokio::test]
async fn a_search_shows_field_messages_or_the_jobs_found() {
    let (runtime, block) = job_feed().await;
    let provider = provider();
    let search = everything(&block, "search", provider.clone());

    let page = runtime
        .handle_action(&block, &search, &action("search", None, &[("text", " ")]))
        .await
        .unwrap();
    assert_eq!(
        field_errors(&page),
        [(
            "text".into(),
            "Skriv et eller flere ord, fx lager eller chauffør, eller et postnummer.".into()
        )]
    );
    let page = runtime
        .handle_action(
            &block,
            &search,
            &action("search", None, &[("text", "truck"), ("postal_code", "80")]),
        )
        .await
        .unwrap();
    assert_eq!(
        field_errors(&page),
        [(
            "postal_code".into(),
            "Et postnummer er fire cifre, fx 8000.".into()
        )]
    );

    let page = runtime
        .handle_action(
            &block,
            &search,
            &action("search", None, &[("text", "truck")]),
        )
        .await
        .unwrap();
    assert!(field_errors(&page).is_empty());
    assert!(text_of(&page).contains("2 job fundet"));
    assert_eq!(
        job_titles(&page),
        ["Truckfører til havnen", "Lagermedarbejder til dagholdet"]
    );
    // The search is kept, so saving from the results comes back to them.
    let page = runtime
        .handle_action(&block, &search, &action("save", Some("demo-1001"), &[]))
        .await
        .unwrap();
    assert_eq!(page.title.as_deref(), Some("Søg selv efter job"));
    assert!(text_of(&page).contains("2 job fundet"));
}

#[tokio::test]
async fn new_postings_notify_good_matches_once_and_a_few_a_day() {
    let (runtime, block) = job_feed().await;
    let provider = provider();
    let all_five = Event::NewJobPostings {
        ids: (1001..=1005).map(|n| format!("demo-{n}")).collect(),
    };
    let call = everything(&block, "", provider.clone());
    runtime.on_event(&block, &call, &all_five).await.unwrap();
    let sent = provider.notifications(demo::CITIZEN);
    let titles: Vec<&str> = sent.iter().map(|n| n.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Nyt job til dig: Truckfører til havnen",
            "Nyt job til dig: Lagerekspedient"
        ],
        "only scores of 65 or more"
    );
    assert_eq!(sent[0].view.as_deref(), Some("job/demo-1003"));
    assert!(sent[0]
        .body
        .contains("Matcher dit jobønske Lagermedarbejder"));
    assert!(sent[0].body.ends_with("Match: 90 af 100."));

    // Never twice about the same posting.
    runtime.on_event(&block, &call, &all_five).await.unwrap();
    assert_eq!(provider.notifications(demo::CITIZEN).len(), 2);

    // At most one a day: the second waits for tomorrow.
    let provider = self::provider();
    let mut one_a_day = everything(&block, "", provider.clone());
    one_a_day.ctx.config = r#"{"max_notifications_per_day": 1, "min_score_to_notify": 60}"#.into();
    runtime
        .on_event(&block, &one_a_day, &all_five)
        .await
        .unwrap();
    runtime
        .on_event(&block, &one_a_day, &all_five)
        .await
        .unwrap();
    assert_eq!(provider.notifications(demo::CITIZEN).len(), 1);
    one_a_day.ctx.now_ms += DAY_MS;
    runtime
        .on_event(&block, &one_a_day, &all_five)
        .await
        .unwrap();
    let titles: Vec<String> = provider
        .notifications(demo::CITIZEN)
        .into_iter()
        .map(|n| n.title)
        .collect();
    assert_eq!(
        titles,
        [
            "Nyt job til dig: Truckfører til havnen",
            "Nyt job til dig: Lagerekspedient"
        ]
    );
    assert!(stored(&provider, "notified")
        .unwrap()
        .contains(r#""sent_that_day":1"#));

    // A dismissed posting is never announced.
    let provider = self::provider();
    let call = everything(&block, "", provider.clone());
    runtime
        .handle_action(&block, &call, &action("dismiss", Some("demo-1003"), &[]))
        .await
        .unwrap();
    runtime.on_event(&block, &call, &all_five).await.unwrap();
    let titles: Vec<String> = provider
        .notifications(demo::CITIZEN)
        .into_iter()
        .map(|n| n.title)
        .collect();
    assert_eq!(titles, ["Nyt job til dig: Lagerekspedient"]);
}

fn consented(to: &[Capability]) -> Permissions {
    Permissions {
        granted: Capability::all().collect(),
        consented: to.iter().copied().collect::<BTreeSet<_>>(),
    }
}

#[tokio::test]
async fn without_consent_the_feed_says_what_to_share() {
    let (runtime, block) = job_feed().await;
    let provider = provider();
    let nothing = call_with(&block, "", Locale::Da, consented(&[]), provider.clone());
    let page = runtime.render(&block, &nothing).await.unwrap();
    let text = text_of(&page);
    assert!(text.contains("Få bedre forslag"), "{text}");
    for share in [
        "Del dine jobønsker",
        "Del dine kompetencer",
        "Del dit område",
    ] {
        assert!(text.contains(share), "{share}");
    }
    assert!(text.contains("Her er de nyeste ledige job"));
    assert_eq!(
        job_titles(&page)[0],
        "Truckfører til havnen",
        "newest first"
    );
    assert!(
        !text.contains("Match med dig"),
        "no score without anything to score on"
    );
    // Nothing to match on is nothing good to announce.
    let event = Event::NewJobPostings {
        ids: vec!["demo-1003".into()],
    };
    runtime.on_event(&block, &nothing, &event).await.unwrap();
    assert!(provider.notifications(demo::CITIZEN).is_empty());

    // Only the area: nearby postings, and a hint about the rest.
    let area = call_with(
        &block,
        "",
        Locale::En,
        consented(&[Capability::Profile(ProfileField::Area)]),
        provider.clone(),
    );
    let page = runtime.render(&block, &area).await.unwrap();
    let text = text_of(&page);
    assert!(text.contains("Share your job wishes") && text.contains("Share your skills"));
    assert!(!text.contains("Share your area"));
    assert_eq!(
        job_titles(&page),
        [
            "Truckfører til havnen",
            "Lagerekspedient",
            "Butiksmedarbejder"
        ]
    );
}

#[tokio::test]
async fn job_pages_unknown_views_and_a_missing_jobs_capability() {
    let (runtime, block) = job_feed().await;
    let page = runtime
        .render(&block, &everything(&block, "job/demo-1001", provider()))
        .await
        .unwrap();
    assert_eq!(
        page.title.as_deref(),
        Some("Lagermedarbejder til dagholdet")
    );
    assert!(text_of(&page).contains("Plukning og pakning af ordrer"));
    let page = runtime
        .render(&block, &everything(&block, "job/demo-9999", provider()))
        .await
        .unwrap();
    assert_eq!(page.title.as_deref(), Some("Jobbet findes ikke længere"));
    let err = runtime
        .render(&block, &everything(&block, "settings", provider()))
        .await
        .unwrap_err();
    assert_eq!(err, CallError::BadRequest("unknown view 'settings'".into()));

    // The municipality has not granted the jobs capability: a kind warning, no failure.
    let mut no_jobs = Permissions::everything();
    no_jobs.granted.remove(&Capability::Jobs);
    let call = call_with(&block, "", Locale::Da, no_jobs, provider());
    let page = runtime.render(&block, &call).await.unwrap();
    assert!(page.elements.iter().any(|e| matches!(e,
        Element::Alert { level: AlertLevel::Warning, text, .. } if text.starts_with("Vi kan ikke hente jobopslag"))));
    assert!(page.elements.iter().any(|e| matches!(e,
        Element::Link { target: LinkTarget::View(v), .. } if v == "search")));
}
