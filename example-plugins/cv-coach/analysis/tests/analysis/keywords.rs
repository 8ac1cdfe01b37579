//! Desired keywords: case-insensitive, whole-word-ish, tolerant of simple
//! Danish/English inflection and compounds.

use crate::common::{codes, run};
use cv_coach_analysis::Severity;

#[test]
fn keyword_inflection_and_compounds() {
    // (CV text, keyword, expected match)
    let cases: &[(&str, &str, bool)] = &[
        ("Jeg har truckcertifikatet", "truckcertifikat", true),
        ("Gyldige truckcertifikater", "truckcertifikat", true),
        ("Truckcertifikaterne er fornyet", "Truckcertifikat", true),
        ("Erfaring som lagermedarbejdere", "lagermedarbejder", true),
        ("Lagermedarbejderen", "lagermedarbejder", true),
        ("LAGERMEDARBEJDERNE", "lagermedarbejder", true),
        ("Lagerkoordinator", "lagerkoordinatoren", true),
        ("Kørekortet er i orden", "kørekort", true),
        ("Planlægningen af ruter", "planlægning", true),
        ("ØKONOMISTYRING", "økonomistyring", true),
        ("Drove forklifts daily", "forklift", true),
        ("Picking orders", "pick", true),
        ("Truck-certifikat B", "truckcertifikat", true),
        ("Truck certifikat B", "truckcertifikat", true),
        ("Truckcertifikat B", "truck-certifikat", true),
        ("B-kørekort", "B-kørekort", true),
        ("B kørekort", "b-kørekort", true),
        ("Microsoft Office", "microsoft office", true),
        ("Erfaring med SAP.", "sap", true),
        ("IT-support", "IT", true),
        ("Office-pakken fra Microsoft", "microsoft office", false),
        ("Sapiens", "sap", false),
        ("Lagerchef", "lager", false),
        ("Item", "it", false),
        ("Truckcertifikatinstruktør", "truckcertifikat", false),
        ("Forklift driving", "forklift driver", false),
        ("", "lager", false),
    ];
    for (text, keyword, expected) in cases {
        let a = run(text, &[keyword]);
        let matched = a.matched_keywords == vec![keyword.trim().to_string()];
        let missing = a.missing_keywords == vec![keyword.trim().to_string()];
        assert_eq!(
            (matched, missing),
            (*expected, !*expected),
            "{text:?} / {keyword:?}"
        );
    }
}

#[test]
fn keyword_lists_keep_input_order_and_dedupe() {
    let a = run(
        "Lager og logistik. Truckcertifikat B.",
        &[
            "WMS",
            " truckcertifikat ",
            "",
            "lager",
            "TRUCKCERTIFIKAT",
            "   ",
            "SAP",
        ],
    );
    assert_eq!(a.matched_keywords, vec!["truckcertifikat", "lager"]);
    assert_eq!(a.missing_keywords, vec!["WMS", "SAP"]);
}

#[test]
fn keyword_findings() {
    let a = run("Lager og logistik", &["lager", "WMS", "SAP"]);
    let missing: Vec<_> = a
        .findings
        .iter()
        .filter(|f| f.code == "missing-keyword")
        .collect();
    assert_eq!(missing.len(), 2);
    assert!(missing[0].da.contains("»WMS«") && missing[0].en.contains("\"WMS\""));
    assert!(missing[1].da.contains("»SAP«"));
    assert!(missing.iter().all(|f| f.severity == Severity::Tip));
    assert!(codes(&a).contains(&"keywords-matched"));
    assert!(!codes(&a).contains(&"keywords-good"));

    let a = run("Lager og logistik", &["lager", "logistik"]);
    assert!(codes(&a).contains(&"keywords-good"));
    assert!(!codes(&a).contains(&"missing-keyword"));

    let a = run("Lager og logistik", &[]);
    assert!(a.matched_keywords.is_empty() && a.missing_keywords.is_empty());
    assert!(!codes(&a).iter().any(|c| c.contains("keyword")));
}

#[test]
fn english_multi_word_keywords() {
    // Keywords are matched anywhere in the body text, in both languages.
    let a = run(
        "Profile\nExperienced warehouse coordinator.\nSkills\nInventory management",
        &["warehouse coordinator", "inventory", "coordinator"],
    );
    assert_eq!(a.missing_keywords, Vec::<String>::new());
}
