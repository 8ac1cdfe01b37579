use super::*;
use crate::fixtures::*;

#[test]
fn postal_codes_are_close_by_their_first_digits() {
    use Proximity::*;
    let cases = [
        ("8000", "8000", Some(Same)),
        ("8000", "8030", Some(Near)),
        ("8000", "8260", Some(Region)),
        ("8000", "8381", Some(Region)),
        ("8000", "7100", Some(Far)),
        ("8000", "8900", Some(Region)),
        ("8000", "5792", Some(Far)),
        // Copenhagen and its suburbs are one part of the country.
        ("2605", "1050", Some(Region)),
        ("2605", "2650", Some(Near)),
        // Bornholm and Greenland are not North Zealand.
        ("3400", "3700", Some(Far)),
        ("3400", "3900", Some(Far)),
        ("3400", "3000", Some(Region)),
        ("3700", "3790", Some(Near)),
        ("3790", "3400", Some(Far)),
        // Not postal codes: no claim either way.
        ("8000", "", None),
        ("8000", "DK-8000", None),
        ("0800", "0800", None),
        ("", "8000", None),
    ];
    for (citizen, posting, expected) in cases {
        assert_eq!(
            proximity(citizen, posting),
            expected,
            "{citizen} ~ {posting}"
        );
    }
}

#[test]
fn isco_groups_relate_occupations_in_the_same_minor_group() {
    let cases = [
        (STOCK_CLERK, "http://data.europa.eu/esco/isco/C4322", true),
        (STOCK_CLERK, STOCK_CLERK, false),
        (STOCK_CLERK, FREIGHT_HANDLER, false),
        (STOCK_CLERK, "http://data.europa.eu/esco/isco/C432", false),
        (
            "http://data.europa.eu/esco/occupation/4321",
            "http://data.europa.eu/esco/occupation/4322",
            false,
        ),
        (STOCK_CLERK, "", false),
    ];
    for (a, b, expected) in cases {
        assert_eq!(related(a, b), expected, "{a} ~ {b}");
    }
}

#[test]
fn skills_are_found_in_danish_compound_words() {
    let cases = [
        (
            "Truckkørsel (certifikat B)",
            "Truckcertifikat er et plus",
            true,
        ),
        (
            "Truckkørsel (certifikat B)",
            "Du kører truck hele dagen",
            true,
        ),
        ("Truckkørsel (certifikat B)", "Kørekort kategori B", false),
        ("Lagerstyring", "Erfaring med lagerstyring i SAP", true),
        ("Lagerstyring", "Varemodtagelse og lageroptælling", false),
        ("Svejsning", "Vi søger en svejser", true),
        ("Kundeservice", "Kundeservice, kasse og opfyldning", true),
        ("SAP", "Erfaring med lagerstyring i SAP", true),
        ("IT-support", "Vi tror på det", false),
        ("Microsoft Excel", "Du kan bruge Excel", true),
        ("Rengøring og service", "Ingen erfaring kræves", false),
    ];
    for (skill, text, expected) in cases {
        assert_eq!(mentions(&words(text), skill), expected, "{skill} in {text}");
    }
}

#[test]
fn the_demo_postings_score_with_their_reasons() {
    let jobs = demo_jobs();
    let anna = anna();
    // (posting, score, occupation match, reasons in Danish)
    let expected: [(&str, u8, bool, &[&str]); 5] = [
        (
            "demo-1001",
            60,
            true,
            &[
                "Matcher dit jobønske Lagermedarbejder",
                "Nævner din kompetence Truckkørsel (certifikat B)",
                "Langt fra dit område 8000 (5792 Årslev)",
            ],
        ),
        (
            "demo-1002",
            65,
            true,
            &[
                "Matcher dit jobønske Lagerekspedient",
                "I samme landsdel som dit område 8000",
            ],
        ),
        (
            "demo-1003",
            90,
            true,
            &[
                "Matcher dit jobønske Lagermedarbejder",
                "I dit område, 8000 Aarhus C",
                "Nævner din kompetence Truckkørsel (certifikat B)",
            ],
        ),
        (
            "demo-1004",
            15,
            false,
            &[
                "I samme landsdel som dit område 8000",
                "Butiksmedarbejder er ikke et af dine jobønsker",
            ],
        ),
        (
            "demo-1005",
            0,
            false,
            &[
                "Chauffør er ikke et af dine jobønsker",
                "Langt fra dit område 8000 (2605 Brøndby)",
            ],
        ),
    ];
    for (job, (id, score_, occ, reasons)) in jobs.iter().zip(expected) {
        assert_eq!(job.id, id);
        let m = score(&anna, job);
        let got: Vec<&str> = m.reasons.iter().map(|r| r.da.as_str()).collect();
        assert_eq!(
            (m.score, m.occupation_match, got.as_slice()),
            (score_, occ, reasons),
            "{id}"
        );
        let sum: u32 = m.reasons.iter().map(|r| u32::from(r.points)).sum();
        assert_eq!(
            sum,
            u32::from(m.score),
            "{id}: the score is the sum of the reasons"
        );
    }
}

#[test]
fn titles_and_related_occupations_count_as_job_wishes() {
    let anna = anna();
    let no_uri = posting(
        "x",
        "Erfaren lagermedarbejder søges",
        None,
        "Aarhus C",
        "8000",
        "",
        "2026-01-04",
        None,
    );
    let m = score(&anna, &no_uri);
    assert_eq!(
        m.reasons[0].en,
        "The title names your job wish Lagermedarbejder"
    );
    assert_eq!(m.score, OCCUPATION_IN_TITLE + AREA_SAME);
    let related_job = posting(
        "y",
        "Lagerassistent",
        Some((
            "http://data.europa.eu/esco/isco/C4322",
            "Produktionsassistent",
        )),
        "Aarhus C",
        "8000",
        "",
        "2026-01-04",
        None,
    );
    let m = score(&anna, &related_job);
    assert!(m.occupation_match);
    assert_eq!(m.score, OCCUPATION_RELATED + AREA_SAME);
    assert!(m
        .reasons
        .iter()
        .any(|r| r.da == "Beslægtet med dit jobønske Lagerekspedient"));
}

#[test]
fn many_skills_are_named_together() {
    let mut anna = anna();
    anna.skills
        .as_mut()
        .unwrap()
        .push(named("esco:pack", "Pakning"));
    let job = &demo_jobs()[0];
    let m = score(&anna, job);
    assert!(m.reasons.iter().any(|r| r.da
        == "Nævner dine kompetencer Truckkørsel (certifikat B) og Pakning"
        && r.en == "Mentions your skills Truckkørsel (certifikat B) and Pakning"
        && r.points == SKILLS_MANY));
}

#[test]
fn without_a_profile_nothing_is_claimed() {
    let nothing = Wishes::default();
    for job in demo_jobs() {
        let m = score(&nothing, &job);
        assert_eq!((m.score, m.reasons.len()), (0, 0));
        assert!(belongs(&nothing, &m, false));
    }
    let from_none = Wishes::from_profile(None);
    assert_eq!(from_none, nothing);
    assert!(!from_none.knows_anything());
}

#[test]
fn the_feed_is_ranked_filtered_and_limited() {
    let anna = anna();
    let ids = |ranked: Vec<(JobPosting, Match)>| -> Vec<String> {
        ranked.into_iter().map(|(p, _)| p.id).collect()
    };
    let mut jobs = demo_jobs();
    jobs.extend(demo_jobs()); // the same posting from two searches counts once
    let all = rank(&anna, jobs.clone(), &[], TODAY, true, 20);
    assert_eq!(
        ids(all),
        ["demo-1003", "demo-1002", "demo-1001", "demo-1004"],
        "score 0 is left out"
    );
    let wishes_only = rank(&anna, jobs.clone(), &[], TODAY, false, 20);
    assert_eq!(ids(wishes_only), ["demo-1003", "demo-1002", "demo-1001"]);
    let dismissed = rank(&anna, jobs.clone(), &["demo-1003".into()], TODAY, true, 2);
    assert_eq!(ids(dismissed), ["demo-1002", "demo-1001"]);
    // On 2026-01-25 the deadlines of 1002 and 1004 have passed.
    let later = rank(&anna, jobs.clone(), &[], TODAY + 20, true, 20);
    assert_eq!(ids(later), ["demo-1003", "demo-1001"]);
    // Nothing known: everything, newest first.
    let nothing = rank(&Wishes::default(), jobs, &[], TODAY, false, 3);
    assert_eq!(ids(nothing), ["demo-1003", "demo-1002", "demo-1001"]);
}

#[test]
fn only_area_shared_still_finds_jobs_nearby() {
    let area_only = Wishes {
        occupations: None,
        skills: None,
        area: anna().area,
    };
    let ranked = rank(&area_only, demo_jobs(), &[], TODAY, false, 20);
    let ids: Vec<&str> = ranked.iter().map(|(p, _)| p.id.as_str()).collect();
    assert_eq!(ids, ["demo-1003", "demo-1002", "demo-1004"]);
}

#[test]
fn a_search_shows_every_open_posting_found() {
    let ranked = rank_search(&anna(), demo_jobs(), &["demo-1001".into()], TODAY, 20);
    let ids: Vec<&str> = ranked.iter().map(|(p, _)| p.id.as_str()).collect();
    assert_eq!(ids, ["demo-1003", "demo-1002", "demo-1004", "demo-1005"]);
}

#[test]
fn a_posting_with_the_same_first_two_digits_is_close() {
    let mut in_hvidovre = anna();
    in_hvidovre.area = Some(Place {
        postal_code: "2650".into(),
        city: "Hvidovre".into(),
    });
    let job = posting(
        "n",
        "Lagermedarbejder",
        Some((FREIGHT_HANDLER, "Lagermedarbejder")),
        "Brøndby",
        "2605",
        "",
        "2026-01-04",
        None,
    );
    let m = score(&in_hvidovre, &job);
    assert_eq!(m.reasons[1].da, "Tæt på dit område 2650");
    assert_eq!(m.reasons[1].en, "Close to your area 2650");
    assert_eq!(m.score, OCCUPATION_EXACT + AREA_NEAR);
}
