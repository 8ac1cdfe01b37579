//! Quantified results, active verbs and weak phrases (Danish and English),
//! and the CV length checks.

use crate::common::{codes, filler, run};
use cv_coach_analysis::Severity;

#[test]
fn quantified_results() {
    let cases: &[(&str, usize)] = &[
        ("Øgede salget med 15 %", 1),
        ("Reducerede spild med 20 procent", 1),
        ("Plukkede ca. 220 ordrer om dagen", 1),
        ("Oplærte 18 nye medarbejdere", 1),
        ("Ansvarlig for et budget på kr. 2.500.000", 1),
        ("Ledede et team på 12", 1),
        ("Halverede ventetiden fra 40 til 20 minutter", 1),
        ("Increased sales by 30%. Managed 8 employees.", 2),
        ("Saved €40,000 a year\nServed 80 customers a day", 2),
        ("- 40 butikker\n- 60 paller\n- 10 % færre fejl", 3),
        ("2015 - 2019: Lagermedarbejder, Aarhus", 0),
        ("Vestergade 12, 8000 Aarhus C", 0),
        ("Telefon: +45 12 34 56 78", 0),
        ("01.05.2019 - 31.12.2020", 0),
        ("Reducerede fejl i 2019", 0),
        ("Pakkede varer og kørte truck", 0),
    ];
    for (text, n) in cases {
        assert_eq!(run(text, &[]).quantified_results, *n, "{text:?}");
    }
}

#[test]
fn quantified_findings() {
    let cases: &[(&str, &str, Severity)] = &[
        (
            "Pakkede varer",
            "no-quantified-results",
            Severity::Important,
        ),
        (
            "Pakkede 200 pakker om dagen",
            "few-quantified-results",
            Severity::Tip,
        ),
        (
            "40 butikker\n60 paller\n10 % færre fejl",
            "quantified-results-good",
            Severity::Good,
        ),
    ];
    for (text, code, severity) in cases {
        let a = run(text, &[]);
        let f = a
            .findings
            .iter()
            .find(|f| f.code == *code)
            .unwrap_or_else(|| panic!("{code}"));
        assert_eq!(f.severity, *severity, "{text:?}");
    }
    let a = run("Pakkede 200 pakker om dagen", &[]);
    let f = a
        .findings
        .iter()
        .find(|f| f.code == "few-quantified-results")
        .unwrap();
    assert!(f.da.contains("ét konkret resultat") && f.en.contains("one concrete result"));
}

#[test]
fn active_verbs_and_weak_phrases() {
    // (text, active verbs, weak phrases)
    let cases: &[(&str, usize, usize)] = &[
        (
            "Ledede, udviklede og opbyggede lageret. Koordinerede leverancer.",
            4,
            0,
        ),
        (
            "Gennemførte optællinger, forbedrede rutiner og oplærte nye kolleger",
            3,
            0,
        ),
        (
            "Led the team, developed routines and built a new layout",
            3,
            0,
        ),
        ("Coordinated deliveries and trained new staff", 2, 0),
        ("Har været med til at løse diverse opgaver", 0, 2),
        ("Var med til forskellige opgaver på lageret", 0, 2),
        ("Ansvarlig for varemodtagelse", 0, 1),
        ("Responsible for shipping; helped with various tasks", 0, 3),
        ("Was involved in planning and was asked to help", 0, 2),
        ("Blev bedt om at hjælpe og fik lov til at køre truck", 0, 2),
        ("Pakkede varer", 0, 0),
    ];
    for (text, active, weak) in cases {
        let a = run(text, &[]);
        assert_eq!(
            (a.active_verbs, a.passive_or_weak_phrases),
            (*active, *weak),
            "{text:?}"
        );
    }
}

#[test]
fn language_findings() {
    let c = codes(&run("Pakkede varer", &[]));
    assert!(c.contains(&"no-active-verbs"));
    let c = codes(&run("Ledede holdet", &[]));
    assert!(c.contains(&"few-active-verbs"));
    let c = codes(&run(
        "Ledede, planlagde, oplærte, forbedrede og udviklede",
        &[],
    ));
    assert!(c.contains(&"active-verbs-good"));

    let a = run("Jeg var med til at pakke. Diverse opgaver.", &[]);
    let f = a
        .findings
        .iter()
        .find(|f| f.code == "weak-phrases")
        .expect("weak-phrases");
    assert_eq!(f.severity, Severity::Tip);
    assert!(
        f.da.contains("»var med til«") && f.da.contains("2 steder"),
        "{}",
        f.da
    );
    assert!(
        f.en.contains("\"var med til\"") && f.en.contains("2 places"),
        "{}",
        f.en
    );
    assert!(!codes(&run("Ledede holdet", &[])).contains(&"weak-phrases"));
}

#[test]
fn length_checks() {
    // (words, code, severity)
    let cases: &[(usize, &str, Severity)] = &[
        (20, "too-short", Severity::Important),
        (149, "too-short", Severity::Important),
        (150, "rather-short", Severity::Tip),
        (299, "rather-short", Severity::Tip),
        (300, "length-good", Severity::Good),
        (800, "length-good", Severity::Good),
        (801, "too-long", Severity::Tip),
        (1200, "too-long", Severity::Tip),
        (1201, "too-long", Severity::Important),
    ];
    for (words, code, severity) in cases {
        let a = run(&filler(*words), &[]);
        assert_eq!(a.word_count, *words);
        assert!((a.estimated_pages - *words as f32 / 400.0).abs() < 1e-4);
        let f = a
            .findings
            .iter()
            .find(|f| f.code == *code)
            .unwrap_or_else(|| panic!("{words}: {code}"));
        assert_eq!(f.severity, *severity, "{words} words");
        let others = ["too-short", "rather-short", "length-good", "too-long"];
        assert_eq!(
            a.findings
                .iter()
                .filter(|f| others.contains(&f.code))
                .count(),
            1
        );
    }
    let a = run(&filler(720), &[]);
    let f = a.findings.iter().find(|f| f.code == "length-good").unwrap();
    assert!(
        f.da.contains("1,8 sider") && f.en.contains("1.8 pages"),
        "{} / {}",
        f.da,
        f.en
    );
}

#[test]
fn word_count_ignores_bullets_and_dashes() {
    let a = run("• Lager – logistik\n- Truck\n2019 - 2021", &[]);
    assert_eq!(a.word_count, 5);
}
