//! The job log's pages and the glue around the capabilities, tested natively (the
//! capability calls themselves are tested against the real host in tests/all).

use job_log::dates::{self, parse_iso};
use job_log::entries::{Channel, Draft, Entry, JobLog, Occupation, Status, MAX_ENTRIES};
use job_log::input::{self, FieldError};
use job_log::pages::{self, PER_PAGE, RECENT};
use job_log::rule::Config;
use job_log::{activity_details, occurred_ms, offered_occupations, status_notice, JobLogBlock};
use jobunivers_sdk::prelude::*;

fn ctx(locale: Locale) -> Context {
    Context::for_test(locale, "{}")
}

fn today() -> i64 {
    parse_iso("2026-01-05").unwrap()
}

fn occupations() -> Vec<Occupation> {
    offered_occupations([
        (
            "http://data.europa.eu/esco/isco/C4321".into(),
            "Lagerekspedient".into(),
        ),
        (
            "http://data.europa.eu/esco/isco/C9333".into(),
            "Lagermedarbejder".into(),
        ),
    ])
}

fn log_with(days: &[i64]) -> JobLog {
    let mut log = JobLog::default();
    for (i, day) in days.iter().enumerate() {
        log.add(
            Draft {
                employer: format!("Arbejdsgiver {i}"),
                title: "Lagermedarbejder".into(),
                occupation: None,
                applied: *day,
                channel: Channel::Email,
                status: Status::Sent,
            },
            1_767_603_600_000,
        )
        .unwrap();
    }
    log
}

fn main_page(log: &JobLog, offered: &[Occupation]) -> Page {
    let c = ctx(Locale::Da);
    let form = pages::application_form(&c, offered, today(), None, &[]);
    pages::main_page(&c, &Config::default(), log, today(), form, None)
}

/// Every element, cards' children included, depth first.
fn flatten(elements: &[Element]) -> Vec<&Element> {
    let mut out = Vec::new();
    for e in elements {
        out.push(e);
        if let Element::Card(card) = e {
            out.extend(flatten(&card.children));
        }
    }
    out
}

fn forms(page: &Page) -> Vec<&Form> {
    flatten(&page.elements)
        .into_iter()
        .filter_map(|e| match e {
            Element::Form(f) => Some(f),
            _ => None,
        })
        .collect()
}

fn alerts(page: &Page) -> Vec<&Alert> {
    flatten(&page.elements)
        .into_iter()
        .filter_map(|e| match e {
            Element::Alert(a) => Some(a),
            _ => None,
        })
        .collect()
}

fn links(page: &Page) -> Vec<(String, String)> {
    flatten(&page.elements)
        .into_iter()
        .filter_map(|e| match e {
            Element::Link(l) => match &l.target {
                LinkTarget::View(v) => Some((l.label.clone(), v.clone())),
                LinkTarget::External(u) => Some((l.label.clone(), u.clone())),
            },
            _ => None,
        })
        .collect()
}

fn cards(page: &Page) -> Vec<&Card> {
    page.elements
        .iter()
        .filter_map(|e| match e {
            Element::Card(c) => Some(c),
            _ => None,
        })
        .collect()
}

/// The rules the host enforces on ids, names, progress and field names.
fn assert_valid(page: &Page) {
    let valid_id = |s: &str| {
        !s.is_empty()
            && s.len() <= 64
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | '.'))
    };
    for e in flatten(&page.elements) {
        match e {
            Element::Button(b) => assert!(valid_id(&b.action), "{}", b.action),
            Element::Link(l) => {
                if let LinkTarget::View(v) = &l.target {
                    assert!(v.is_empty() || valid_id(v), "{v}");
                }
            }
            Element::Progress(p) => assert!(p.max > 0 && p.value <= p.max, "{p:?}"),
            Element::Heading(h) => assert!((1..=3).contains(&h.level)),
            Element::Form(f) => {
                assert!(valid_id(&f.action), "{}", f.action);
                let mut names: Vec<&str> = f.fields.iter().map(|x| x.name.as_str()).collect();
                names.sort_unstable();
                let before = names.len();
                names.dedup();
                assert_eq!(before, names.len(), "field names repeat in {}", f.action);
            }
            _ => {}
        }
    }
}

#[test]
fn an_empty_log_welcomes_the_citizen_and_offers_their_desired_jobs() {
    let page = main_page(&JobLog::default(), &occupations());
    assert_valid(&page);
    assert_eq!(page.title.as_deref(), Some("Joblog"));
    let a = alerts(&page);
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].level, AlertLevel::Info);
    let form = forms(&page)[0];
    assert_eq!(form.action, "add");
    let names: Vec<&str> = form.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "employer",
            "title",
            "occupation",
            "applied",
            "channel",
            "status"
        ]
    );
    match &form.fields[2].kind {
        FieldKind::Select(choices) => {
            let values: Vec<&str> = choices.iter().map(|c| c.value.as_str()).collect();
            assert_eq!(
                values,
                [
                    "http://data.europa.eu/esco/isco/C4321",
                    "http://data.europa.eu/esco/isco/C9333",
                    "other"
                ]
            );
        }
        other => panic!("expected a select, got {other:?}"),
    }
    assert_eq!(form.fields[3].value.as_deref(), Some("2026-01-05"));
    assert_eq!(form.fields[5].value.as_deref(), Some("sent"));
    // Without consent to the profile there is nothing to choose between.
    let page = main_page(&JobLog::default(), &[]);
    assert!(!forms(&page)[0]
        .fields
        .iter()
        .any(|f| f.name == "occupation"));
}

#[test]
fn a_refilled_form_keeps_what_was_typed_and_marks_each_problem() {
    let c = ctx(Locale::Da);
    let typed = Action::new("add")
        .with_field("employer", "Netto")
        .with_field("applied", "2026-02-01")
        .with_field("channel", "phone");
    let errors = [
        FieldError {
            field: input::TITLE,
            message: "Skriv hvilket job".into(),
        },
        FieldError {
            field: input::APPLIED,
            message: "Datoen ligger i fremtiden".into(),
        },
    ];
    let form = pages::application_form(&c, &occupations(), today(), Some(&typed), &errors);
    let by_name = |n: &str| form.fields.iter().find(|f| f.name == n).unwrap();
    assert_eq!(by_name("employer").value.as_deref(), Some("Netto"));
    assert_eq!(by_name("applied").value.as_deref(), Some("2026-02-01"));
    assert_eq!(by_name("channel").value.as_deref(), Some("phone"));
    assert_eq!(by_name("title").error.as_deref(), Some("Skriv hvilket job"));
    assert!(by_name("employer").error.is_none());
    assert!(form.has_errors());
}

#[test]
fn the_main_view_shows_the_standing_and_the_newest_applications() {
    // 14 applications, one a day back from today: well on track.
    let days: Vec<i64> = (0..14).map(|i| today() - i).collect();
    let log = log_with(&days);
    let page = main_page(&log, &[]);
    assert_valid(&page);
    let a = alerts(&page);
    assert_eq!(a[0].level, AlertLevel::Success, "{a:?}");
    let standing = cards(&page)[0];
    assert_eq!(standing.title, "Sådan står det til");
    match &standing.children[0] {
        // 14 applications in weeks 52-2; the bar is full rather than over.
        Element::Progress(p) => {
            assert_eq!((p.value, p.max), (5, 5));
            assert!(p.label.ends_with("14 af 5"), "{}", p.label);
        }
        other => panic!("expected progress, got {other:?}"),
    }
    let entry_cards: Vec<&Card> = cards(&page)
        .into_iter()
        .filter(|c| c.subtitle.is_some())
        .collect();
    assert_eq!(entry_cards.len(), RECENT);
    assert_eq!(
        entry_cards[0].subtitle.as_deref(),
        Some("Søgt 5. januar 2026 · E-mail")
    );
    assert!(links(&page).contains(&("Se alle 14 ansøgninger".into(), "history".into())));
}

#[test]
fn a_full_log_replaces_the_form_with_a_way_to_make_room() {
    let old = dates::one_year_before(today()) - 1;
    let days: Vec<i64> = (0..MAX_ENTRIES as i64).map(|i| old - i % 3).collect();
    let log = log_with(&days);
    let page = main_page(&log, &[]);
    assert_valid(&page);
    assert!(forms(&page).is_empty());
    let text = format!("{page:?}");
    assert!(text.contains("Der er ikke plads til flere"));
    assert!(text.contains("\"prune\""));
    let confirm = pages::prune_page(&ctx(Locale::Da), 500, old + 1);
    assert_valid(&confirm);
    assert!(alerts(&confirm)[0]
        .title
        .as_deref()
        .unwrap()
        .starts_with("Vil du slette 500 ansøgninger fra før 5. januar 2025"));
}

#[test]
fn applications_not_yet_with_the_jobcentre_can_be_sent_again() {
    let mut log = log_with(&[today()]);
    log.set_shared(1, false);
    let page = main_page(&log, &[]);
    let text = format!("{page:?}");
    assert!(text.contains("\"resend\""), "{text}");
    assert!(text.contains("Ikke sendt til jobcentret endnu."));
}

#[test]
fn the_history_pages_through_every_application() {
    let days: Vec<i64> = (0..(2 * PER_PAGE as i64 + 3))
        .map(|i| today() - i)
        .collect();
    let log = log_with(&days);
    let c = ctx(Locale::En);
    let first = pages::history_page(&c, &log, 1);
    assert_valid(&first);
    assert_eq!(cards(&first).len(), PER_PAGE);
    let second = pages::history_page(&c, &log, 2);
    let views: Vec<String> = links(&second)
        .into_iter()
        .map(|(_, v)| v)
        .filter(|v| !v.starts_with("entry/"))
        .collect();
    assert_eq!(views, ["history", "history/3", ""]);
    // Page 2 starts with the 26th newest application.
    assert_eq!(links(&second)[0].1, format!("entry/{}", PER_PAGE + 1));
    // A page past the end (after deletions) shows the last page.
    let last = pages::history_page(&c, &log, 99);
    assert_eq!(cards(&last).len(), 3);
    assert!(format!("{last:?}").contains("Page 3 of 3"));
    let empty = pages::history_page(&c, &JobLog::default(), 1);
    assert!(format!("{empty:?}").contains("You have not registered any applications yet."));
}

#[test]
fn one_application_can_change_status_or_be_deleted() {
    let log = log_with(&[today()]);
    let entry = log.get(1).unwrap();
    let c = ctx(Locale::Da);
    let page = pages::entry_page(&c, entry, Some("Vælg hvor ansøgningen står nu.".into()));
    assert_valid(&page);
    let form = forms(&page)[0];
    assert_eq!(form.action, "status/1");
    assert_eq!(form.fields[0].value.as_deref(), Some("sent"));
    assert!(form.fields[0].error.is_some());
    assert!(format!("{page:?}").contains("Jobønske: Andet"));
    let confirm = pages::delete_page(&c, entry);
    assert_valid(&confirm);
    assert!(format!("{confirm:?}").contains("\"delete-confirm\""));
    assert_eq!(
        links(&confirm),
        [("Nej, behold den".to_owned(), "entry/1".to_owned())]
    );
    assert_valid(&pages::entry_missing_page(&c));
}

#[test]
fn a_refused_storage_is_explained_instead_of_failing() {
    let c = ctx(Locale::Da);
    let cases = [
        (
            CapabilityError::NotGranted("storage".into()),
            "ikke slået gemning til",
        ),
        (
            CapabilityError::QuotaExceeded("full".into()),
            "ikke mere plads",
        ),
        (
            CapabilityError::Unavailable("down".into()),
            "Prøv igen om lidt",
        ),
    ];
    for (error, piece) in cases {
        let page = pages::storage_refused(&c, &error);
        let a = alerts(&page);
        assert_eq!(a[0].level, AlertLevel::Error);
        assert!(a[0].text.contains(piece), "{}", a[0].text);
    }
}

#[test]
fn desired_occupations_are_offered_once_each_with_a_label() {
    let offered = offered_occupations([
        ("http://esco/a".into(), "Lager\nmedarbejder ".into()),
        (" http://esco/a ".into(), "Duplicate".into()),
        ("".into(), "No uri".into()),
        ("other".into(), "Clashes with the other-choice".into()),
        ("http://esco/b".into(), "".into()),
        ("http://esco/c".into(), "x".repeat(300)),
    ]);
    let got: Vec<(&str, usize)> = offered
        .iter()
        .map(|o| (o.uri.as_str(), o.label.chars().count()))
        .collect();
    assert_eq!(
        got,
        [
            ("http://esco/a", 17),
            ("http://esco/b", 13),
            ("http://esco/c", 100)
        ]
    );
    assert_eq!(offered[0].label, "Lager medarbejder");
    assert_eq!(offered[1].label, "http://esco/b");
}

fn entry(applied: i64, status: Status, occupation: Option<Occupation>) -> Entry {
    Entry {
        id: 7,
        employer: "Salling Group".into(),
        title: "Lagermedarbejder".into(),
        occupation,
        applied,
        channel: Channel::Online,
        status,
        registered_ms: 0,
        shared: true,
    }
}

#[test]
fn the_caseworker_gets_structured_details_at_the_right_time() {
    let now = Context::for_test(Locale::Da, "{}").now_ms;
    let e = entry(today(), Status::Interview, occupations().pop());
    let d = activity_details(&e, "status-changed", Some(Status::Sent));
    assert_eq!(d["event"], "status-changed");
    assert_eq!(d["entry"], 7);
    assert_eq!(d["employer"], "Salling Group");
    assert_eq!(d["title"], "Lagermedarbejder");
    assert_eq!(d["occupation_uri"], "http://data.europa.eu/esco/isco/C9333");
    assert_eq!(d["occupation_label"], "Lagermedarbejder");
    assert_eq!(d["date"], "2026-01-05");
    assert_eq!(d["channel"], "online");
    assert_eq!(d["status"], "interview");
    assert_eq!(d["previous_status"], "sent");
    let other = activity_details(&entry(today(), Status::Sent, None), "registered", None);
    assert!(other["occupation_uri"].is_null());
    assert!(other.get("previous_status").is_none());
    // Today: the moment it was registered. Earlier: noon of that day.
    assert_eq!(occurred_ms(&e, now), now);
    let past = entry(today() - 3, Status::Sent, None);
    assert_eq!(
        occurred_ms(&past, now),
        (today() - 3) * dates::DAY_MS + 12 * 3_600_000
    );
}

#[test]
fn status_changes_get_kind_words() {
    let c = ctx(Locale::Da);
    let cases = [
        (
            Status::Interview,
            true,
            AlertLevel::Success,
            "Din jobkonsulent kan se det.",
        ),
        (
            Status::Offer,
            false,
            AlertLevel::Success,
            "husk at give jobcentret besked",
        ),
        (
            Status::Rejected,
            false,
            AlertLevel::Info,
            "helt normal del af at søge job",
        ),
        (Status::Sent, false, AlertLevel::Info, "er nu Sendt."),
    ];
    for (status, shared, level, piece) in cases {
        let alert = status_notice(&c, &entry(today(), status, None), shared);
        assert_eq!(alert.level, level, "{status:?}");
        assert!(alert.text.contains(piece), "{status:?}: {}", alert.text);
    }
    let quiet = status_notice(&c, &entry(today(), Status::Offer, None), false);
    assert!(!quiet.text.contains("jobkonsulent kan se"));
}

#[test]
fn the_manifest_requests_what_the_block_uses_and_its_default_config_fits() {
    let m = JobLogBlock::manifest();
    assert_eq!(m.id, "jobunivers.job-log");
    assert_eq!(m.version, "1.0.0");
    assert_eq!(m.category, Category::JobLog);
    let caps: Vec<&str> = m
        .capabilities
        .iter()
        .map(|c| c.capability.as_str())
        .collect();
    assert_eq!(caps, ["storage", "activity", "profile.occupations"]);
    assert!(m
        .capabilities
        .iter()
        .all(|c| !c.reason_da.is_empty() && !c.reason_en.is_empty()));
    let config: Config = serde_json::from_value(m.default_config.clone()).unwrap();
    assert_eq!(config, Config::default());
    assert_eq!(m.config_schema["additionalProperties"], false);
    for (name, property) in m.config_schema["properties"].as_object().unwrap() {
        assert!(property["title"].is_string(), "{name}");
        assert!(property["description"].is_string(), "{name}");
        assert!(m.default_config.get(name).is_some(), "{name}");
    }
}
