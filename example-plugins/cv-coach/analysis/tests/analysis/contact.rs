//! E-mail and Danish phone number detection.

use crate::common::{codes, run};
use cv_coach_analysis::Severity;

#[test]
fn email_and_phone_detection() {
    // (text, has_email, has_phone)
    let cases: &[(&str, bool, bool)] = &[
        ("E-mail: mette.sorensen@eksempel.dk", true, false),
        ("Mail: JENS.HANSEN@EKSEMPEL.DK", true, false),
        ("Skriv til mig på jens_h+cv@mail.eksempel.com.", true, false),
        ("søren@mørk.dk", true, false),
        ("Telefon: +45 12 34 56 78", false, true),
        ("Tlf.: 12345678", false, true),
        ("Mobil 1234 5678", false, true),
        ("(+45) 20 30 40 50", false, true),
        ("+4520304050", false, true),
        ("0045 20 30 40 50", false, true),
        ("Kontakt: jens@eksempel.dk / 20 30 40 50", true, true),
        ("jens@eksempel.dk, +45 20304050", true, true),
        ("2015-2019: Lagermedarbejder", false, false),
        ("2015 - 2019 Lagermedarbejder", false, false),
        ("01.05.2019 - 31.12.2020", false, false),
        ("Omsætning 12.345.678 kr", false, false),
        ("Postnummer 8000 Aarhus C", false, false),
        ("CPR 010190-1234", false, false),
        ("Ordrenummer 123456789", false, false),
        ("+46 70 123 45 67", false, false),
        ("jens@eksempel", false, false),
        ("@eksempel.dk", false, false),
        ("Vi ses @ kantinen kl. 12", false, false),
        ("", false, false),
    ];
    for (text, email, phone) in cases {
        let a = run(text, &[]);
        assert_eq!((a.has_email, a.has_phone), (*email, *phone), "{text:?}");
    }
}

#[test]
fn contact_findings() {
    // (text, expected codes present, codes absent)
    let cases: &[(&str, &[&str], &[&str])] = &[
        (
            "Kontakt\njens@eksempel.dk\n12 34 56 78",
            &["contact-ok"],
            &["missing-email", "missing-phone"],
        ),
        (
            "jens@eksempel.dk",
            &["missing-phone"],
            &["missing-email", "contact-ok", "missing-section-contact"],
        ),
        (
            "12 34 56 78",
            &["missing-email"],
            &["missing-phone", "contact-ok", "missing-section-contact"],
        ),
        (
            "Kontakt\nVestergade 1",
            &["missing-email", "missing-phone"],
            &["contact-ok", "missing-section-contact"],
        ),
        (
            "Ingen kontaktoplysninger her",
            &["missing-section-contact"],
            &["missing-email", "missing-phone", "contact-ok"],
        ),
    ];
    for (text, present, absent) in cases {
        let c = codes(&run(text, &[]));
        for code in *present {
            assert!(c.contains(code), "{text:?}: expected {code} in {c:?}");
        }
        for code in *absent {
            assert!(!c.contains(code), "{text:?}: unexpected {code} in {c:?}");
        }
    }
}

#[test]
fn missing_contact_details_are_important() {
    let a = run("Kontakt\nVestergade 1", &[]);
    for f in a.findings.iter().filter(|f| f.code.starts_with("missing-")) {
        if f.code == "missing-email" || f.code == "missing-phone" {
            assert_eq!(f.severity, Severity::Important);
        }
    }
}
