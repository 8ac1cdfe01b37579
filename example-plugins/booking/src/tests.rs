//! Native tests of the form logic and the manifest. `Context::for_test` is Monday
//! 2026-01-05 09:00 UTC (10:00 in Denmark), so with 8 days' notice the first possible
//! date is Tuesday 2026-01-13.

use super::*;
use crate::calendar::{parse_date, DAY_MS};
use crate::form::{first_possible_day, validate};
use serde_json::{json, Value};

fn config(extra: Value) -> Config {
    let mut value = config::default_config();
    for (k, v) in extra.as_object().expect("an object") {
        value[k] = v.clone();
    }
    let config: Config = serde_json::from_value(value).expect("a config");
    config.check().expect("a usable config");
    config
}

fn ctx(locale: Locale) -> Context {
    Context::for_test(locale, "{}")
}

/// A good submission, changed by `changes` (an empty value removes the field).
fn submit(changes: &[(&str, &str)]) -> Action {
    let mut fields: Vec<(&str, &str)> = vec![
        ("kind", "video"),
        ("date1", "2026-01-13"),
        ("time1", "09:00-12:00"),
        ("date2", "2026-01-14"),
        ("time2", "12:00-15:00"),
        ("date3", ""),
        ("time3", ""),
        ("topic", "t0"),
        ("note", ""),
    ];
    for (name, value) in changes {
        match fields.iter_mut().find(|(n, _)| n == name) {
            Some(f) => f.1 = value,
            None => fields.push((name, value)),
        }
    }
    fields
        .into_iter()
        .fold(Action::new("request"), |a, (n, v)| a.with_field(n, v))
}

fn errors_of(config: &Config, locale: Locale, changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let draft = Draft::from_action(&submit(changes));
    match validate(&ctx(locale), config, &draft) {
        Ok(_) => Vec::new(),
        Err(errors) => errors,
    }
}

#[test]
fn submissions_are_checked_field_by_field() {
    let periods = config(json!({}));
    let halves = config(json!({"time_choice": "half-hours"}));
    let no_fridays = config(json!({"opening_hours": {
        "monday": {"from": "09:00", "to": "15:00"},
        "thursday": {"from": "09:00", "to": "15:00"}
    }}));
    // (config, changes, field with the error, words the message contains)
    type Case<'a> = (&'a Config, Vec<(&'a str, &'a str)>, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (&periods, vec![("date1", "2026-01-12")], "date1", "Den første dato, du kan vælge, er tirsdag den 13. januar 2026. Jobcentret skal have mindst 8 dages varsel."),
        (&periods, vec![("date1", "2026-01-05")], "date1", "tirsdag den 13. januar 2026"),
        (&periods, vec![("date2", "2026-01-17")], "date2", "weekenden"),
        (&periods, vec![("date2", "2026-01-18")], "date2", "weekenden"),
        (&periods, vec![("date2", "2026-04-03")], "date2", "langfredag"),
        (&periods, vec![("date2", "2026-04-07")], "date2", "senest søndag den 5. april 2026"),
        (&periods, vec![("date1", "13/01/2026")], "date1", "2026-01-19"),
        (&periods, vec![("date1", "2026-02-30")], "date1", "år-måned-dag"),
        (&periods, vec![("date1", "")], "date1", "Vælg en dato."),
        (&periods, vec![("time1", "")], "time1", "Vælg et tidspunkt."),
        (&periods, vec![("time1", "08:00-12:00")], "time1", "på listen"),
        (&periods, vec![("date2", "2026-01-13"), ("time2", "09:00-12:00")], "time2", "1. ønske"),
        (&periods, vec![("date3", "2026-01-15")], "time3", "Vælg et tidspunkt."),
        (&periods, vec![("time3", "09:00-12:00")], "date3", "lad både dato og tidspunkt være tomme"),
        (&periods, vec![("kind", "")], "kind", "Vælg, hvordan"),
        (&periods, vec![("kind", "fax")], "kind", "Vælg, hvordan"),
        (&periods, vec![("topic", "")], "topic", "Vælg et emne."),
        (&periods, vec![("topic", "t99")], "topic", "Vælg et emne."),
        (&periods, vec![("topic", "other")], "note", "Skriv kort"),
        (&halves, vec![("date1", "2026-01-16"), ("time1", "13:00"), ("time2", "12:00")], "time1", "Om fredagen holder jobcentret samtaler kl. 09.00-13.00."),
        (&halves, vec![("time1", "09:00-12:30"), ("time2", "12:00")], "time1", "på listen"),
        (&no_fridays, vec![("date1", "2026-01-16"), ("date2", "2026-01-15")], "date1", "ikke samtaler om fredagen"),
    ];
    for (config, changes, field, words) in cases {
        let errors = errors_of(config, Locale::Da, &changes);
        assert!(
            errors.iter().any(|(f, m)| f == field && m.contains(words)),
            "{changes:?}: expected '{words}' at {field}, got {errors:?}"
        );
        assert_eq!(errors.len(), 1, "{changes:?}: one problem, got {errors:?}");
    }
    let long = "x".repeat(form::NOTE_MAX + 1);
    let errors = errors_of(&periods, Locale::Da, &[("note", &long)]);
    assert_eq!(errors[0].0, "note");
}

#[test]
fn messages_come_in_english_too() {
    let errors = errors_of(&config(json!({})), Locale::En, &[("date1", "2026-01-09")]);
    assert_eq!(
        errors,
        vec![(
            "date1".to_owned(),
            "The first date you can choose is Tuesday 13 January 2026. The jobcentre needs at least 8 days' notice.".to_owned()
        )]
    );
    let errors = errors_of(&config(json!({})), Locale::En, &[("date2", "2026-01-17")]);
    assert!(errors[0].1.contains("weekends"), "{errors:?}");
}

#[test]
fn a_good_submission_becomes_windows_in_danish_time() {
    let c = config(json!({}));
    let draft = Draft::from_action(&submit(&[
        ("date3", "2026-01-16"),
        ("time3", "12:00-15:00"),
        ("note", "  Jeg vil gerne tale om truckcertifikat  "),
    ]));
    let valid = validate(&ctx(Locale::Da), &c, &draft).expect("valid");
    assert_eq!(valid.kind, Kind::Video);
    let tuesday = parse_date("2026-01-13").unwrap() * DAY_MS;
    let hour = 3_600_000;
    let windows: Vec<(i64, i64)> = valid.times.iter().map(|t| (t.start_ms, t.end_ms)).collect();
    assert_eq!(
        windows,
        vec![
            (tuesday + 8 * hour, tuesday + 11 * hour), // 09-12 CET
            (tuesday + DAY_MS + 11 * hour, tuesday + DAY_MS + 14 * hour), // 12-15 CET
            (
                tuesday + 3 * DAY_MS + 11 * hour,
                tuesday + 3 * DAY_MS + 12 * hour
            ), // Friday, cut at 13
        ]
    );
    assert_eq!(valid.note, "Jeg vil gerne tale om truckcertifikat");
    assert_eq!(
        form::caseworker_topic(&ctx(Locale::Da), &valid),
        "Jobsøgning og ansøgninger: Jeg vil gerne tale om truckcertifikat"
    );
    assert!(form::caseworker_topic(&ctx(Locale::En), &valid)
        .ends_with("(Borgeren læser Jobunivers på engelsk.)"));
}

#[test]
fn summer_dates_are_sent_at_utc_plus_two() {
    let mut ctx = ctx(Locale::Da);
    ctx.now_ms = parse_date("2026-06-01").unwrap() * DAY_MS;
    let draft = Draft::from_action(&submit(&[("date1", "2026-06-15"), ("date2", "2026-06-16")]));
    let valid = validate(&ctx, &config(json!({})), &draft).expect("valid");
    let monday = parse_date("2026-06-15").unwrap() * DAY_MS;
    assert_eq!(valid.times[0].start_ms, monday + 7 * 3_600_000);
}

#[test]
fn the_first_possible_day_skips_weekends_and_holidays() {
    let at = |date: &str, hour: i64| parse_date(date).unwrap() * DAY_MS + hour * 3_600_000;
    // (now, notice days, first possible day)
    let cases = [
        (at("2026-01-05", 9), 8, "2026-01-13"),
        (at("2026-01-05", 9), 5, "2026-01-12"), // Saturday 10th -> Monday
        (at("2026-01-05", 9), 0, "2026-01-05"),
        (at("2026-01-04", 23), 8, "2026-01-13"), // 00:00 on the 5th in Denmark
        (at("2026-12-16", 9), 8, "2026-12-28"),  // Christmas Eve, Christmas, weekend
        (at("2026-03-26", 9), 8, "2026-04-07"),  // Easter
    ];
    for (now, notice, expected) in cases {
        let c = config(json!({"min_notice_days": notice}));
        assert_eq!(
            calendar::iso_date(first_possible_day(&c, now)),
            expected,
            "notice {notice} from {now}"
        );
    }
}

#[test]
fn with_no_notice_a_time_earlier_today_is_refused() {
    let c = config(json!({"min_notice_days": 0}));
    // Now is 10:00 in Denmark on Monday 5 January.
    let errors = errors_of(
        &c,
        Locale::Da,
        &[("date1", "2026-01-05"), ("time1", "09:00-12:00")],
    );
    assert_eq!(errors[0].0, "time1");
    assert!(errors[0].1.contains("allerede gået"));
    assert!(errors_of(
        &c,
        Locale::Da,
        &[("date1", "2026-01-05"), ("time1", "12:00-15:00")]
    )
    .is_empty());
}

fn fields(form: &Form) -> Vec<&str> {
    form.fields.iter().map(|f| f.name.as_str()).collect()
}

#[test]
fn the_form_offers_what_the_config_allows() {
    let ctx = ctx(Locale::Da);
    let all = form::request_form(
        &ctx,
        &config(json!({"address": "Værkmestergade 25, 8000 Aarhus C"})),
        "request",
        "Send",
        &Draft::default(),
        &Errors::new(),
    );
    assert_eq!(
        fields(&all),
        ["kind", "date1", "time1", "date2", "time2", "date3", "time3", "topic", "note"]
    );
    let kind = &all.fields[0];
    assert!(matches!(&kind.kind, FieldKind::Radio(c) if c.len() == 3));
    assert!(kind.hint.as_deref().unwrap().contains("Værkmestergade 25"));
    let date1 = &all.fields[1];
    assert!(date1.required);
    assert!(date1
        .hint
        .as_deref()
        .unwrap()
        .contains("tirsdag den 13. januar 2026"));
    assert!(!all.fields[5].required, "the third time is optional");
    match &all.fields[2].kind {
        FieldKind::Select(c) => {
            assert_eq!(c[0].value, "", "nothing is chosen for the citizen");
            assert_eq!(c.len(), 3);
        }
        other => panic!("expected a select, got {other:?}"),
    }
    match &all.fields[7].kind {
        FieldKind::Select(c) => assert_eq!(c.last().unwrap().label, "Andet"),
        other => panic!("expected a select, got {other:?}"),
    }

    let phone_only = form::request_form(
        &ctx,
        &config(json!({"kinds": ["phone"]})),
        "request",
        "Send",
        &Draft::default(),
        &Errors::new(),
    );
    assert!(!fields(&phone_only).contains(&"kind"));
    let draft = Draft::from_action(&submit(&[("kind", "")]));
    let valid = validate(&ctx, &config(json!({"kinds": ["phone"]})), &draft).unwrap();
    assert_eq!(valid.kind, Kind::Phone, "the only kind needs no choice");

    let errors = vec![("date1".to_owned(), "Vælg en dato.".to_owned())];
    let with_error = form::request_form(
        &ctx,
        &config(json!({})),
        "request",
        "Send",
        &Draft::from_action(&submit(&[("date1", "")])),
        &errors,
    );
    assert_eq!(with_error.fields[1].error.as_deref(), Some("Vælg en dato."));
    assert_eq!(
        with_error.fields[2].value.as_deref(),
        Some("09:00-12:00"),
        "the citizen's input stays"
    );
}

#[test]
fn rebooking_keeps_only_times_that_can_still_be_chosen() {
    let c = config(json!({}));
    let times = vec![
        ("2026-01-12".to_owned(), "09:00-12:00".to_owned()), // too soon now
        ("2026-01-20".to_owned(), "12:00-15:00".to_owned()),
        ("2026-01-21".to_owned(), "10:00-11:00".to_owned()), // no longer offered
    ];
    let draft = form::draft_from(
        &c,
        ctx(Locale::Da).now_ms,
        Kind::Physical,
        &times,
        "t2",
        "Om kurser",
    );
    assert_eq!(draft.kind.as_deref(), Some("physical"));
    assert_eq!(draft.dates[0].as_deref(), Some("2026-01-20"));
    assert_eq!(draft.times[0].as_deref(), Some("12:00-15:00"));
    assert_eq!(draft.dates[1], None);
    assert_eq!(draft.topic.as_deref(), Some("t2"));
    assert_eq!(draft.note.as_deref(), Some("Om kurser"));
}

/// Every property of a schema, at any depth, has a title and a description.
fn titled(schema: &Value, path: &str) {
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        assert_eq!(schema["additionalProperties"], json!(false), "{path}");
        for (name, prop) in props {
            let here = format!("{path}.{name}");
            assert!(prop["title"].is_string(), "{here} has no title");
            assert!(prop["description"].is_string(), "{here} has no description");
            titled(prop, &here);
        }
    }
    if let Some(items) = schema.get("items") {
        titled(items, &format!("{path}[]"));
    }
}

#[test]
fn the_manifest_requests_what_the_block_uses_and_documents_its_config() {
    let m = Booking::manifest();
    assert_eq!(m.id, "jobunivers.booking");
    assert_eq!(m.category, Category::Booking);
    let caps: Vec<Capability> = m.capabilities.iter().map(|c| c.capability).collect();
    assert_eq!(caps, [Capability::Escalate, Capability::Storage]);
    assert!(m
        .capabilities
        .iter()
        .all(|c| !c.reason_da.is_empty() && !c.reason_en.is_empty()));
    titled(&m.config_schema, "config");
    let config: Config = serde_json::from_value(m.default_config.clone()).unwrap();
    config.check().unwrap();
    // Every default value is allowed by the schema's enums.
    let props = &m.config_schema["properties"];
    let kinds = props["kinds"]["items"]["enum"].as_array().unwrap();
    for k in m.default_config["kinds"].as_array().unwrap() {
        assert!(kinds.contains(k));
    }
    assert!(props["time_choice"]["enum"]
        .as_array()
        .unwrap()
        .contains(&m.default_config["time_choice"]));
    for key in m.default_config.as_object().unwrap().keys() {
        assert!(props.get(key).is_some(), "{key} is in the schema");
    }
}
