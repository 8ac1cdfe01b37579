use super::*;
use crate::fixtures::*;
use crate::matching::rank;
use crate::store::SavedJob;

fn da() -> Context {
    Context::for_test(Locale::Da, "{}")
}

fn en() -> Context {
    Context::for_test(Locale::En, "{}")
}

/// Every text on a page, depth first, for assertions.
fn texts(elements: &[Element]) -> Vec<String> {
    let mut out = Vec::new();
    for e in elements {
        match e {
            Element::Heading(h) => out.push(h.text.clone()),
            Element::Paragraph(p) => out.push(p.text.clone()),
            Element::List(l) => out.extend(l.items.iter().cloned()),
            Element::Card(c) => {
                out.push(c.title.clone());
                out.extend(c.subtitle.clone());
                out.extend(texts(&c.children));
            }
            Element::Link(l) => out.push(l.label.clone()),
            Element::Button(b) => out.push(format!("[{}:{}]", b.action, b.label)),
            Element::Alert(a) => out.push(a.text.clone()),
            Element::Progress(p) => out.push(format!("{} {}/{}", p.label, p.value, p.max)),
            Element::Form(_) | Element::Chat(_) => {}
        }
    }
    out
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

fn buttons(card: &Card) -> Vec<(String, Option<String>)> {
    card.children
        .iter()
        .filter_map(|e| match e {
            Element::Button(b) => Some((b.action.clone(), b.payload.clone())),
            _ => None,
        })
        .collect()
}

fn saved_job(id: &str) -> SavedJob {
    let job = demo_jobs().into_iter().find(|j| j.id == id).unwrap();
    SavedJob::from_posting(&job, da().now_ms)
}

#[test]
fn the_feed_shows_the_best_matches_with_reasons_links_and_buttons() {
    let anna = anna();
    let items = rank(&anna, demo_jobs(), &[], TODAY, true, 20);
    let saved = [saved_job("demo-1002")];
    let f = Feed {
        wishes: &anna,
        items: &items,
        saved: &saved,
        today: TODAY,
        unavailable: false,
    };
    let page = feed(&da(), &f, vec![]);
    assert_eq!(page.title.as_deref(), Some("Job til dig"));
    let titles: Vec<&str> = cards(&page).iter().map(|c| c.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Truckfører til havnen",
            "Lagerekspedient",
            "Lagermedarbejder til dagholdet",
            "Butiksmedarbejder"
        ],
        "no hint card: Anna shared everything"
    );
    let first = cards(&page)[0];
    assert_eq!(
        first.subtitle.as_deref(),
        Some("Arbejdsgiver A/S · 8000 Aarhus C · Fuldtid")
    );
    let all = texts(&page.elements);
    for expected in [
        "Match med dig 90/100",
        "✓ Matcher dit jobønske Lagermedarbejder (+50)",
        "✓ I samme landsdel som dit område 8000 (+15)",
        "✗ Langt fra dit område 8000 (5792 Årslev)",
        "Dine gemte job (1)",
        "Se jobopslaget hos Arbejdsgiver A/S",
        "Slået op 3. januar 2026 · Ansøgningsfrist 24. januar 2026 (om 19 dage)",
    ] {
        assert!(all.iter().any(|t| t == expected), "{expected} in {all:#?}");
    }
    assert_eq!(
        buttons(first),
        [
            ("save".into(), Some("demo-1003".into())),
            ("dismiss".into(), Some("demo-1003".into()))
        ]
    );
    assert_eq!(buttons(cards(&page)[1])[0].0, "unsave", "1002 is saved");
    assert!(first.children.iter().any(|e| matches!(e,
        Element::Link(l) if l.target == LinkTarget::External("https://job.example.dk/demo-1003".into()))));
    assert!(first.children.iter().any(|e| matches!(e,
        Element::Link(l) if l.target == LinkTarget::View("job/demo-1003".into()))));

    let page = feed(&en(), &f, vec![]);
    let all = texts(&page.elements);
    assert!(all.contains(&"✓ In the same part of the country as your area 8000 (+15)".to_owned()));
    assert!(all.contains(&"Your saved jobs (1)".to_owned()));
}

#[test]
fn without_consent_the_feed_says_what_to_share_and_shows_the_newest() {
    let nothing = Wishes::default();
    let items = rank(&nothing, demo_jobs(), &[], TODAY, true, 2);
    let f = Feed {
        wishes: &nothing,
        items: &items,
        saved: &[],
        today: TODAY,
        unavailable: false,
    };
    let page = feed(&da(), &f, vec![]);
    let hint = cards(&page)[0];
    assert_eq!(hint.title, "Få bedre forslag");
    let items_in_hint = texts(&hint.children);
    assert!(items_in_hint
        .iter()
        .any(|t| t.starts_with("Del dine jobønsker")));
    assert!(items_in_hint
        .iter()
        .any(|t| t.starts_with("Del dine kompetencer")));
    assert!(items_in_hint
        .iter()
        .any(|t| t.starts_with("Del dit område")));
    let job_cards = &cards(&page)[1..];
    assert_eq!(job_cards[0].title, "Truckfører til havnen");
    assert!(
        !job_cards[0]
            .children
            .iter()
            .any(|e| matches!(e, Element::Progress(_))),
        "no score without anything to score on"
    );
    assert!(texts(&page.elements)[0].contains("nyeste"));
}

#[test]
fn shared_but_empty_profile_parts_ask_to_fill_them_in() {
    let mut wishes = anna();
    wishes.occupations = Some(vec![]);
    wishes.area = None;
    let hint = share_hint(&en(), &wishes).unwrap();
    let all = texts(&hint.children);
    assert!(all.iter().any(|t| t.starts_with("Add your job wishes")));
    assert!(all.iter().any(|t| t.starts_with("Share your area")));
    assert!(!all.iter().any(|t| t.contains("skills,")));
    assert!(share_hint(&da(), &anna()).is_none());
}

#[test]
fn an_empty_or_unavailable_feed_says_so_kindly() {
    let anna = anna();
    let mut f = Feed {
        wishes: &anna,
        items: &[],
        saved: &[],
        today: TODAY,
        unavailable: false,
    };
    let page = feed(&da(), &f, vec![Alert::success("Jobbet er skjult.").into()]);
    assert!(matches!(&page.elements[0], Element::Alert(a) if a.text == "Jobbet er skjult."));
    assert!(matches!(page.elements.last(), Some(Element::Alert(a))
        if a.level == AlertLevel::Info && a.text.starts_with("Der er ingen nye job")));
    f.unavailable = true;
    let page = feed(&en(), &f, vec![]);
    assert!(matches!(page.elements.last(), Some(Element::Alert(a))
        if a.level == AlertLevel::Warning && a.text.starts_with("We cannot fetch")));
}

#[test]
fn saved_jobs_show_deadlines_and_can_be_removed() {
    let page = saved(&da(), &[], TODAY, vec![]);
    assert!(texts(&page.elements)
        .iter()
        .any(|t| t.starts_with("Du har ikke gemt nogen job endnu")));
    let list = [saved_job("demo-1004"), saved_job("demo-1002")];
    // On 2026-01-22 the deadline of 1004 (01-20) has passed; 1002 (01-24) is open.
    let page = saved(&en(), &list, TODAY + 17, vec![]);
    let c = cards(&page);
    assert_eq!(c[0].title, "Lagerekspedient");
    assert_eq!(c[1].title, "Butiksmedarbejder");
    assert!(texts(&c[1].children).contains(&"The deadline has passed.".to_owned()));
    assert!(texts(&c[0].children).contains(&"Saved 5 January 2026".to_owned()));
    assert_eq!(buttons(c[0]), [("unsave".into(), Some("demo-1002".into()))]);
}

#[test]
fn a_job_page_shows_the_description_or_says_it_is_gone() {
    let anna = anna();
    let job = &demo_jobs()[0];
    let m = crate::matching::score(&anna, job);
    let page = super::job(&da(), Some((job, &m)), true, TODAY, vec![]);
    let all = texts(&page.elements);
    assert!(all.iter().any(|t| t.starts_with("Plukning og pakning")));
    assert!(all.contains(&"[unsave:Fjern fra gemte]".to_owned()));
    assert!(!all.contains(&"Læs hele jobbet".to_owned()));
    let gone = super::job(&da(), None, false, TODAY, vec![]);
    assert_eq!(gone.title.as_deref(), Some("Jobbet findes ikke længere"));
}

#[test]
fn postings_without_a_secure_address_get_a_note_instead_of_a_link() {
    let mut job = demo_jobs()[0].clone();
    job.url = "http://job.example.dk/1".into();
    let card = job_card(&da(), &job, None, false, TODAY, Shown::InList);
    assert!(!card
        .children
        .iter()
        .any(|e| matches!(e, Element::Link(l) if matches!(l.target, LinkTarget::External(_)))));
    assert!(texts(&card.children)
        .iter()
        .any(|t| t.starts_with("Jobopslaget har ingen sikker netadresse")));
}

fn field_errors(form: &Form) -> Vec<(String, String)> {
    form.fields
        .iter()
        .filter_map(|f| f.error.clone().map(|e| (f.name.clone(), e)))
        .collect()
}

#[test]
fn searches_are_checked_with_messages_next_to_the_fields() {
    let long = "a".repeat(MAX_SEARCH_CHARS + 1);
    // (text, postal code, fields with an error)
    let cases: [(Option<&str>, Option<&str>, &[&str]); 7] = [
        (Some("lager"), None, &[]),
        (None, Some("8000"), &[]),
        (Some("lager"), Some("8000"), &[]),
        (None, None, &["text"]),
        (Some("lager"), Some("80"), &["postal_code"]),
        (Some("lager"), Some("0800"), &["postal_code"]),
        (Some(&long), Some("abcd"), &["text", "postal_code"]),
    ];
    for (text, postal, expected) in cases {
        match parse_search(&da(), text, postal) {
            Ok(s) => {
                assert!(expected.is_empty(), "{text:?} {postal:?} passed");
                assert_eq!(s.text, text.unwrap_or(""));
                assert_eq!(s.postal_code.as_deref(), postal);
            }
            Err(form) => {
                let fields: Vec<String> = field_errors(&form).into_iter().map(|(n, _)| n).collect();
                assert_eq!(fields, expected, "{text:?} {postal:?}");
                let kept = form
                    .fields
                    .iter()
                    .find(|f| f.name == "postal_code")
                    .unwrap();
                assert_eq!(kept.value.as_deref(), postal, "what was written is kept");
            }
        }
    }
    let form = parse_search(&en(), Some("lager"), Some("80")).unwrap_err();
    assert_eq!(
        field_errors(&form),
        [(
            "postal_code".into(),
            "A postal code is four digits, e.g. 8000.".into()
        )]
    );
}

#[test]
fn search_results_are_counted_or_explained() {
    let anna = anna();
    let form = search_form(&da(), Some("lager"), None, [None, None]);
    let none = search(&da(), form.clone(), Some(&[]), &[], TODAY, vec![]);
    assert!(texts(&none.elements)
        .iter()
        .any(|t| t.starts_with("Vi fandt ingen ledige job")));
    let found = crate::matching::rank_search(&anna, demo_jobs()[..2].to_vec(), &[], TODAY, 20);
    let page = search(&da(), form.clone(), Some(&found), &[], TODAY, vec![]);
    assert!(texts(&page.elements).contains(&"2 job fundet".to_owned()));
    assert_eq!(cards(&page).len(), 2);
    let blank = search(&da(), form, None, &[], TODAY, vec![]);
    assert!(cards(&blank).is_empty());
}
