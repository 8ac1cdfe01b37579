//! Tests of the dialogue with the default configuration: what real questions, typed the
//! way citizens type them, are answered with.

use super::*;
use crate::conversation::{Handover, Phase};

fn setup() -> (Config, Matcher) {
    let config = Config::default_config();
    let matcher = Matcher::new(&config);
    (config, matcher)
}

fn ctx(locale: Locale) -> Context {
    Context::for_test(locale, "{}")
}

/// What the reply is, by intent id where there is one.
fn outcome(config: &Config, reply: &Reply) -> String {
    let id = |i: &usize| config.intents[*i].id.clone();
    match reply {
        Reply::Answer { intent, .. } => id(intent),
        Reply::Handover { topic: None } => "person".into(),
        Reply::Handover { topic: Some(t) } => format!("person+{}", id(t)),
        Reply::Confirm => "yes".into(),
        Reply::Decline => "no".into(),
        Reply::Greeting => "hello".into(),
        Reply::Thanks => "thanks".into(),
        Reply::Help => "help".into(),
        Reply::NotUnderstood => "?".into(),
    }
}

#[test]
fn real_questions_get_the_right_topic() {
    let (config, matcher) = setup();
    let table: &[(&str, &str)] = &[
        // dagpenge
        ("Hvordan søger jeg dagpenge?", "dagpenge"),
        ("hvornår får jeg udbetalt", "dagpenge"),
        ("jeg er blevet fyret hvad nu", "dagpenge"),
        ("hvad er en a-kasse", "dagpenge"),
        ("dagpegne", "dagpenge"),
        ("How do I get unemployment benefits?", "dagpenge"),
        // rådighed
        ("hvad betyder det at stå til rådighed", "raadighed"),
        ("staa til raadighed", "raadighed"),
        ("radihed", "raadighed"),
        ("må jeg sige nej til et job", "raadighed"),
        ("kan jeg miste mine dagpenge", "raadighed"),
        ("Do I have to be available for work?", "raadighed"),
        // joblog
        ("hvordan bruger jeg jobloggen", "joblog"),
        ("hvad er en job log", "joblog"),
        ("hvor mange job skal jeg søge om ugen", "joblog"),
        ("skal jeg registrere mine ansøgninger", "joblog"),
        ("ansøgnigerne", "joblog"),
        ("how many applications do I need", "joblog"),
        // samtaler
        ("hvad sker der til den første samtale", "samtaler"),
        (
            "hvordan forbereder jeg mig til samtalen på jobcentret",
            "samtaler",
        ),
        ("jeg er indkaldt til et møde", "samtaler"),
        ("What happens at the first meeting?", "samtaler"),
        // booking
        ("hvordan booker jeg en samtale", "booking"),
        ("kan jeg flytte min samtale", "booking"),
        ("jeg skal aflyse mit møde", "booking"),
        ("I need to reschedule my appointment", "booking"),
        // ferie
        ("må jeg holde ferie når jeg får dagpenge", "ferie"),
        ("maa jeg holde ferie paa dagpenge", "ferie"),
        ("hvordan melder jeg sommerferie", "ferie"),
        ("har jeg ret til feriedagpenge", "ferie"),
        ("ferien", "ferie"),
        ("fereie", "ferie"),
        ("Can I go on vacation?", "ferie"),
        // sygdom
        ("jeg er syg hvad gør jeg", "sygdom"),
        ("hvordan sygemelder jeg mig", "sygdom"),
        ("sygemeldnig", "sygdom"),
        ("får jeg sygedagpenge", "sygdom"),
        ("jeg er blevet rask igen", "sygdom"),
        ("I am sick today", "sygdom"),
        // kurser
        ("kan jeg tage et kursus", "kurser"),
        ("må jeg tage et truckkursus", "kurser"),
        ("hvad er 6 ugers jobrettet uddannelse", "kurser"),
        ("uddanelse", "kurser"),
        ("Can I take a course while unemployed?", "kurser"),
        // cv, arbejde, udland, kontakt
        ("skal mit cv være på jobnet", "cv"),
        ("hvordan laver jeg mit CV'et søgbart", "cv"),
        ("jeg har fået et deltidsjob", "arbejde"),
        ("må jeg arbejde ved siden af", "arbejde"),
        ("kan jeg få supplerende dagpenge", "arbejde"),
        ("må jeg rejse til udlandet", "udland"),
        ("kan jeg søge job i Sverige", "udland"),
        ("hvad er jobcentrets telefonnummer", "kontakt"),
        ("hvornår er jobcentret åbent", "kontakt"),
        ("Hvor meget får jeg i dagpenge?", "dagpenge"),
        ("jeg har ikke fået mine penge", "dagpenge"),
        ("jeg har mistet mit arbejde", "dagpenge"),
        ("må jeg selv sige mit job op", "raadighed"),
        ("skal jeg søge 2 job om ugen", "joblog"),
        ("jeg kan ikke komme til mødet i morgen", "samtaler"),
        (
            "jeg har et møde med jobcentret, hvad skal jeg forberede",
            "samtaler",
        ),
        ("jeg har ondt i ryggen", "sygdom"),
        ("ferie penge", "ferie"),
        ("joblogg", "joblog"),
        ("kursur", "kurser"),
        ("åbningstider", "kontakt"),
    ];
    let mut wrong = Vec::new();
    for (question, expected) in table {
        let got = outcome(&config, &classify(&config, &matcher, question, false));
        if got != *expected {
            wrong.push(format!("{question:?}: expected {expected}, got {got}"));
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

#[test]
fn asking_for_a_person_always_reaches_one() {
    let (config, matcher) = setup();
    let table: &[(&str, &str)] = &[
        ("jeg vil tale med et menneske", "person"),
        ("kan jeg få fat i min sagsbehandler", "person"),
        ("ring til mig", "person"),
        ("kan I ringe mig op", "person"),
        ("sagsbehandlr", "person"),
        ("jeg vil tale med min jobkonsulent om ferie", "person+ferie"),
        ("I want to talk to a human", "person"),
        ("please call me", "person"),
        ("er der nogen jeg kan tale med", "person"),
        // A job title is not a request for a person.
        ("hvordan søger jeg job som lagermedarbejder", "?"),
    ];
    for (question, expected) in table {
        assert_eq!(
            outcome(&config, &classify(&config, &matcher, question, false)),
            *expected,
            "{question}"
        );
    }
}

#[test]
fn small_talk_and_unknowns() {
    let (config, matcher) = setup();
    let table: &[(&str, bool, &str)] = &[
        ("hej", false, "hello"),
        ("Hej, jeg har et spørgsmål", false, "hello"),
        ("tusind tak", false, "thanks"),
        ("hvad er meningen med livet", false, "?"),
        ("???", false, "?"),
        ("kan du hjælpe mig", false, "help"),
        ("jeg har et spørgsmål", false, "help"),
        ("hvad kan du?", false, "help"),
        ("barsel", false, "?"),
        ("ja", false, "?"),
        ("ja tak", true, "yes"),
        ("Yes please", true, "yes"),
        ("nej tak", true, "no"),
        ("tak", true, "thanks"),
        ("ja, men hvad med ferie", true, "ferie"),
    ];
    for (message, offered, expected) in table {
        assert_eq!(
            outcome(&config, &classify(&config, &matcher, message, *offered)),
            *expected,
            "{message}"
        );
    }
}

#[test]
fn a_close_runner_up_is_offered_as_related() {
    let (config, matcher) = setup();
    let reply = classify(&config, &matcher, "syg under min ferie", false);
    let Reply::Answer {
        related: Some(r), ..
    } = reply
    else {
        panic!("expected an answer with a related topic, got {reply:?}");
    };
    assert!(["ferie", "sygdom"].contains(&config.intents[r].id.as_str()));
}

#[test]
fn a_higher_threshold_answers_less() {
    let (mut config, _) = setup();
    config.min_score = 2.0;
    let matcher = Matcher::new(&config);
    assert_eq!(
        classify(&config, &matcher, "ferie", false),
        Reply::NotUnderstood
    );
    assert!(matches!(
        classify(
            &config,
            &matcher,
            "hvordan melder jeg ferie og feriedage",
            false
        ),
        Reply::Answer { .. }
    ));
}

#[test]
fn a_municipalitys_own_intent_is_answered() {
    let config = Config::from_json(
        r#"{"intents": [{"id": "parkering", "title_da": "Parkering", "keywords_da": ["parkering", "parkere", "p-plads"], "keywords_en": ["parking"], "answer_da": "Du kan parkere gratis bag jobcentret.", "answer_en": "You can park for free behind the jobcentre."}]}"#,
    )
    .unwrap();
    let matcher = Matcher::new(&config);
    for q in [
        "hvor kan jeg parkere",
        "er der p-plads",
        "parkerng",
        "where is parking",
    ] {
        assert_eq!(
            classify(&config, &matcher, q, false),
            Reply::Answer {
                intent: 0,
                related: None
            },
            "{q}"
        );
    }
}

#[test]
fn answers_come_in_the_citizens_language_and_are_remembered() {
    let (config, _) = setup();
    let ferie = config.intents.iter().position(|i| i.id == "ferie").unwrap();
    for (locale, start) in [(Locale::Da, "Du må gerne"), (Locale::En, "You may take")] {
        let mut c = Conversation {
            offer_handover: true,
            ..Conversation::default()
        };
        apply(
            &ctx(locale),
            &config,
            &mut c,
            &Reply::Answer {
                intent: ferie,
                related: Some(0),
            },
        );
        let last = c.messages.last().unwrap();
        assert!(last.text.starts_with(start), "{}", last.text);
        assert_eq!(last.intent.as_deref(), Some("ferie"));
        assert_eq!(c.related, [config.intents[0].id.clone()]);
        assert!(!c.offer_handover);
    }
}

#[test]
fn not_understanding_twice_recommends_a_person_more_strongly() {
    let (config, _) = setup();
    let ctx = ctx(Locale::Da);
    let mut c = Conversation::default();
    apply(&ctx, &config, &mut c, &Reply::NotUnderstood);
    assert!(c.offer_handover && c.show_topics);
    assert!(c.messages[0].text.starts_with("Det er jeg desværre"));
    apply(&ctx, &config, &mut c, &Reply::NotUnderstood);
    assert!(c.messages[1].text.contains("bedst, at en medarbejder"));
    assert_eq!(c.misses, 2);
    apply(&ctx, &config, &mut c, &Reply::Decline);
    assert!(!c.offer_handover);
}

#[test]
fn asking_for_a_person_while_waiting_does_not_offer_a_second_handover() {
    let (config, _) = setup();
    let mut c = Conversation {
        handover: Some(Handover {
            id: "thread-1".into(),
            opened_ms: 0,
            seen: 0,
            phase: Phase::WaitingForJobcentre,
        }),
        ..Conversation::default()
    };
    apply(
        &ctx(Locale::Da),
        &config,
        &mut c,
        &Reply::Handover { topic: None },
    );
    assert!(!c.offer_handover);
    assert!(c.messages[0].text.contains("allerede sendt"));
}

#[test]
fn messages_are_checked_before_they_are_answered() {
    let da = ctx(Locale::Da);
    assert!(validate_message(&da, None)
        .unwrap_err()
        .starts_with("Skriv dit"));
    let long = "a".repeat(MAX_MESSAGE_CHARS + 1);
    assert!(validate_message(&da, Some(&long))
        .unwrap_err()
        .contains("for lang"));
    assert!(validate_message(&ctx(Locale::En), Some(&long))
        .unwrap_err()
        .contains("too long"));
    assert_eq!(validate_message(&da, Some("ferie?")).unwrap(), "ferie?");
}

#[test]
fn danish_phone_numbers_are_read_every_common_way() {
    for (input, expected) in [
        ("12345678", Some("12345678")),
        ("12 34 56 78", Some("12345678")),
        ("+45 12 34 56 78", Some("12345678")),
        ("0045-12-34-56-78", Some("12345678")),
        ("1234567", None),
        ("123456789", None),
        ("12 34 56 7a", None),
        ("+46 12 34 56 78", None),
    ] {
        assert_eq!(danish_phone(input).as_deref(), expected, "{input}");
    }
}

#[test]
fn the_handover_form_needs_a_question_only_when_there_is_none() {
    let da = ctx(Locale::Da);
    let empty = Conversation::default();
    let errors = validate_handover(&da, &empty, &Action::new("handover-send")).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].0, "note");

    let mut asked = Conversation::default();
    asked.push(Role::Citizen, "Må jeg holde ferie i Spanien?", 1, None);
    let ok = validate_handover(&da, &asked, &Action::new("handover-send")).unwrap();
    assert_eq!(ok.note, None);
    assert_eq!(ok.contact, Contact::Chat);

    let bad_phone = Action::new("handover-send")
        .with_field("contact", "phone")
        .with_field("phone", "1234");
    let errors = validate_handover(&da, &asked, &bad_phone).unwrap_err();
    assert_eq!(errors[0].0, "phone");

    let long = Action::new("handover-send").with_field("note", "x".repeat(1001));
    assert_eq!(
        validate_handover(&da, &asked, &long).unwrap_err()[0].0,
        "note"
    );
}

#[test]
fn the_caseworker_gets_a_danish_summary_with_topics_and_contact_wishes() {
    let (config, _) = setup();
    let mut c = Conversation::default();
    c.push(Role::Bot, "Om ferie", 1, Some("ferie"));
    c.push(Role::Bot, "Om sygdom", 2, Some("sygdom"));
    let request = HandoverRequest {
        note: Some("Jeg bliver opereret i min ferie".into()),
        contact: Contact::Phone,
        phone: Some("12345678".into()),
    };
    let s = handover_summary(&config, &c, &request, Locale::En, Some("thread-1"));
    for part in [
        "Emner i samtalen: Ferie, Sygdom.",
        "Jeg bliver opereret i min ferie",
        "ringes op på 12345678",
        "på engelsk",
        "henvendelse thread-1",
    ] {
        assert!(s.contains(part), "{part} missing in {s}");
    }
    let plain = handover_summary(
        &config,
        &Conversation::default(),
        &HandoverRequest {
            note: None,
            contact: Contact::Chat,
            phone: None,
        },
        Locale::Da,
        None,
    );
    assert_eq!(
        plain,
        "Borgeren beder om hjælp fra en medarbejder via chatbotten. Borgeren vil helst have svar i chatten."
    );
}
