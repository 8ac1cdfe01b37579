//! The overall score: sample CV, breakdown, monotonicity, findings order.

use crate::common::{codes, filler, run, KNOWN_CODES};
use cv_coach_analysis::{Locale, Severity, SAMPLE_CV_DA};

const SAMPLE_KEYWORDS: &[&str] = &["lagerkoordinator", "truckcertifikat", "WMS", "planlægning"];

#[test]
fn sample_cv_scores_high() {
    for keywords in [&[][..], SAMPLE_KEYWORDS] {
        let a = run(SAMPLE_CV_DA, keywords);
        assert!(a.score > 70, "score {} {:?}", a.score, a.score_breakdown());
        assert!((650..=800).contains(&a.word_count), "{}", a.word_count);
        assert!(a.sections.iter().all(|c| c.found), "{:?}", a.sections);
        assert!(a.has_email && a.has_phone);
        assert!(a.quantified_results >= 3, "{}", a.quantified_results);
        assert!(a.active_verbs >= 5, "{}", a.active_verbs);
        assert!(
            !codes(&a).iter().any(|c| c.starts_with("missing-")),
            "{:?}",
            codes(&a)
        );
    }
    let a = run(SAMPLE_CV_DA, SAMPLE_KEYWORDS);
    assert_eq!(a.matched_keywords, SAMPLE_KEYWORDS.to_vec());
    assert!(codes(&a).contains(&"keywords-good"));
}

#[test]
fn empty_and_tiny_inputs_score_low() {
    for text in ["", "   \n\t\n", "Jens", "Lagermedarbejder søger job"] {
        let a = run(text, &["lager"]);
        assert!(a.score < 20, "{text:?}: {}", a.score);
        let b = run(text, &[]);
        assert!(b.score < 20, "{text:?}: {}", b.score);
    }
    let a = run("", &["lager"]);
    assert_eq!((a.score, a.word_count), (0, 0));
    assert_eq!(codes(&a), vec!["empty-cv"]);
    assert_eq!(a.missing_keywords, vec!["lager"]);
}

#[test]
fn breakdown_is_consistent() {
    let texts = [
        SAMPLE_CV_DA.to_string(),
        String::new(),
        filler(1500),
        "Profil\nLedede 3 hold.\njens@eksempel.dk".to_string(),
    ];
    for text in &texts {
        for keywords in [&[][..], &["lager", "truck"][..]] {
            let a = run(text, keywords);
            let b = a.score_breakdown();
            assert_eq!(b.total, a.score);
            assert!(b.sections <= 35 && b.contact <= 10 && b.length <= 15);
            assert!(b.quantified <= 15 && b.language <= 10 && b.keywords.unwrap_or(0) <= 15);
            let sum = u32::from(b.sections + b.contact + b.length + b.quantified + b.language);
            match b.keywords {
                Some(k) => assert_eq!(u32::from(a.score), sum + u32::from(k)),
                None => assert_eq!(u32::from(a.score), sum * 100 / 85),
            }
            assert!(a.score <= 100);
        }
    }
}

/// Optional CV parts: seven sections, then an e-mail and a phone line.
const PARTS: [&str; 9] = [
    "Profil\nJeg er en stabil og glad lagermedarbejder, der søger nye udfordringer.\n",
    "Erhvervserfaring\n2019 - 2023: Lagermedarbejder, Firma A/S\n- Pakkede varer til butikker i hele landet.\n",
    "Uddannelse\n2015: Truckcertifikat B\n",
    "Kompetencer\n- Overblik og ordenssans\n",
    "Sprog\nDansk og engelsk\n",
    "IT-kompetencer\nExcel og Outlook\n",
    "Kontakt\nVestergade 1, 8000 Aarhus C\n",
    "E-mail: jens@eksempel.dk\n",
    "Telefon: 12 34 56 78\n",
];

fn cv_with(mask: usize, padding: &str) -> String {
    let mut text = String::from("Jens Jensen\n");
    for (i, part) in PARTS.iter().enumerate() {
        if mask & (1 << i) != 0 {
            text.push_str(part);
        }
    }
    text.push_str(padding);
    text
}

#[test]
fn adding_a_section_or_contact_detail_never_lowers_the_score() {
    // Paddings around the length thresholds (300, 800, 900 words).
    for padding_words in [0, 270, 780, 880, 895] {
        let padding = filler(padding_words);
        for keywords in [&[][..], &["truckcertifikat", "lager"][..]] {
            let results: Vec<(u8, Vec<bool>)> = (0..1 << PARTS.len())
                .map(|mask| {
                    let a = run(&cv_with(mask, &padding), keywords);
                    (a.score, a.sections.iter().map(|c| c.found).collect())
                })
                .collect();
            for (mask, (score, found)) in results.iter().enumerate() {
                for bit in 0..PARTS.len() {
                    // Parts 0..7 add a section; skip those already found
                    // (the contact section is also found via e-mail/phone).
                    if bit < found.len() && found[bit] {
                        continue;
                    }
                    let more = results[mask | (1 << bit)].0;
                    assert!(
                        more >= *score,
                        "padding {padding_words}: adding part {bit} to {mask:09b} lowered {score} -> {more}"
                    );
                }
            }
            assert!(results[(1 << PARTS.len()) - 1].0 > results[0].0);
        }
    }
}

#[test]
fn removing_sample_sections_never_raises_the_score() {
    let full = run(SAMPLE_CV_DA, SAMPLE_KEYWORDS).score;
    for heading in [
        "Profil",
        "Erhvervserfaring",
        "Uddannelse og kurser",
        "Kompetencer",
        "Sprog",
        "IT-kompetencer",
        "Kontaktoplysninger",
    ] {
        let text = SAMPLE_CV_DA.replacen(&format!("\n{heading}\n"), "\n\n", 1);
        assert_ne!(text, SAMPLE_CV_DA, "{heading}");
        let score = run(&text, SAMPLE_KEYWORDS).score;
        assert!(score <= full, "{heading}: {score} > {full}");
    }
}

#[test]
fn more_keywords_found_never_lowers_the_score() {
    let keywords = ["lager", "truck", "logistik", "sap"];
    let texts = [
        "Profil\nArbejder på lager.",
        "Profil\nArbejder på lager med truck.",
        "Profil\nArbejder på lager med truck og logistik.",
        "Profil\nArbejder på lager med truck og logistik i SAP.",
    ];
    let scores: Vec<u8> = texts.iter().map(|t| run(t, &keywords).score).collect();
    assert!(scores.windows(2).all(|w| w[0] <= w[1]), "{scores:?}");
}

#[test]
fn findings_are_ordered_kind_and_bilingual() {
    let texts = [
        SAMPLE_CV_DA.to_string(),
        String::new(),
        filler(1300),
        "Var med til diverse opgaver".to_string(),
    ];
    for text in &texts {
        let a = run(text, &["lager", "SAP"]);
        assert!(!a.findings.is_empty());
        assert!(
            a.findings
                .windows(2)
                .all(|w| w[0].severity >= w[1].severity),
            "{:?}",
            codes(&a)
        );
        for f in &a.findings {
            assert!(KNOWN_CODES.contains(&f.code), "unknown code {}", f.code);
            let (da_prefix, en_prefix) =
                (f.severity.label(Locale::Da), f.severity.label(Locale::En));
            assert!(f.da.starts_with(&format!("{da_prefix}: ")), "{}", f.da);
            assert!(f.en.starts_with(&format!("{en_prefix}: ")), "{}", f.en);
            assert_eq!(f.text(Locale::Da), f.da);
            assert_eq!(f.text(Locale::En), f.en);
            assert!(f.da.len() > 20 && f.en.len() > 20);
        }
    }
    assert_eq!(Severity::Important.label(Locale::Da), "Vigtigt");
    assert_eq!(Severity::Good.label(Locale::Da), "Godt");
}

#[test]
fn english_cv_is_understood() {
    let text = "\
Jane Doe
Contact details
jane.doe@example.com | +45 20 30 40 50
Profile
Reliable warehouse worker looking for a job as warehouse coordinator.
Work experience
2019 - 2024: Warehouse worker, Nordic Logistics, Aarhus
- Coordinated deliveries to 40 stores.
- Reduced picking errors by 25%.
- Trained 10 new employees and improved safety routines.
Education
2016: Forklift licence
Skills
- Planning, overview, teamwork
Languages
English: native. Danish: good
IT skills
Excel, SAP
";
    let a = run(text, &["warehouse coordinator", "forklift", "SAP"]);
    assert!(a.sections.iter().all(|c| c.found), "{:?}", a.sections);
    assert!(a.has_email && a.has_phone);
    assert_eq!(a.quantified_results, 3);
    assert_eq!(a.active_verbs, 4);
    assert!(a.missing_keywords.is_empty(), "{:?}", a.missing_keywords);
}
