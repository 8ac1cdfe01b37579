//! Section detection by headings (Danish and English).

use crate::common::{codes, found, run};
use cv_coach_analysis::{Locale, Section, Severity};

#[test]
fn headings_are_recognised() {
    use Section::*;
    let cases: &[(&str, &[Section])] = &[
        ("Profil", &[Profile]),
        ("Om mig", &[Profile]),
        ("Kort om mig:", &[Profile]),
        ("PERSONLIG PROFIL", &[Profile]),
        ("Profile", &[Profile]),
        ("About me", &[Profile]),
        ("Summary", &[Profile]),
        ("Erhvervserfaring", &[Experience]),
        ("Arbejdserfaring:", &[Experience]),
        ("## Erfaring", &[Experience]),
        ("Work experience", &[Experience]),
        ("EXPERIENCE", &[Experience]),
        ("Employment history", &[Experience]),
        ("Uddannelse", &[Education]),
        ("Uddannelser", &[Education]),
        ("Uddannelse og kurser", &[Education]),
        ("Kurser og certifikater", &[Education]),
        ("Education", &[Education]),
        ("Kompetencer", &[Skills]),
        ("Faglige kompetencer", &[Skills]),
        ("Personlige egenskaber", &[Skills]),
        ("Færdigheder", &[Skills]),
        ("Skills", &[Skills]),
        ("Key skills:", &[Skills]),
        ("Sprog", &[Languages]),
        ("Sprogkundskaber", &[Languages]),
        ("Languages", &[Languages]),
        ("IT-kompetencer", &[ItSkills]),
        ("IT kompetencer", &[ItSkills]),
        ("It-færdigheder:", &[ItSkills]),
        ("IT", &[ItSkills]),
        ("IT skills", &[ItSkills]),
        ("Computer skills", &[ItSkills]),
        ("Kontakt", &[Contact]),
        ("Kontaktoplysninger", &[Contact]),
        ("Personlige oplysninger", &[Contact]),
        ("Contact details", &[Contact]),
        ("**Profil**", &[Profile]),
        ("— Uddannelse —", &[Education]),
        ("Sprog og IT-kompetencer", &[Languages, ItSkills]),
        ("Languages & IT skills", &[Languages, ItSkills]),
        ("Kompetencer / Skills", &[Skills]),
        ("Uddannelse (udvalgt)", &[Education]),
        ("Sprog: dansk (modersmål), engelsk (godt)", &[Languages]),
        ("Fritid og interesser", &[]),
    ];
    for (heading, expected) in cases {
        let text = format!("Jens Jensen\n{heading}\nindhold her\n");
        let a = run(&text, &[]);
        for s in Section::ALL {
            assert_eq!(
                found(&a, s),
                expected.contains(&s),
                "heading {heading:?}, section {s:?}"
            );
        }
    }
}

#[test]
fn content_lines_are_not_headings() {
    let lines = [
        "Jeg har stor erfaring med lager og logistik gennem mange år",
        "Erfaring med truck",
        "Dansk og engelsk",
        "Uddannet lagerassistent",
        "Profilering af virksomheden",
        "IT-support og kundeservice i 3 år",
        "Kontakt mig gerne for en samtale om jobbet, jeg glæder mig meget til at høre fra jer",
        "Kompetencer inden for lager, logistik, planlægning og kundeservice samt meget mere",
        "E-mail: ikke oplyst",
    ];
    for line in lines {
        let a = run(line, &[]);
        assert!(
            a.sections.iter().all(|c| !c.found),
            "{line:?} gave {:?}",
            a.sections
        );
    }
}

#[test]
fn sections_reported_in_fixed_order() {
    for text in ["", "Profil\nSprog", crate::common::filler(50).as_str()] {
        let a = run(text, &[]);
        let order: Vec<Section> = a.sections.iter().map(|c| c.section).collect();
        assert_eq!(order, Section::ALL.to_vec());
    }
}

#[test]
fn missing_sections_have_codes_and_severities() {
    let a = run(&crate::common::filler(200), &[]);
    let expected = [
        ("missing-section-profile", Severity::Tip),
        ("missing-section-experience", Severity::Important),
        ("missing-section-education", Severity::Important),
        ("missing-section-skills", Severity::Tip),
        ("missing-section-languages", Severity::Tip),
        ("missing-section-it-skills", Severity::Tip),
        ("missing-section-contact", Severity::Important),
    ];
    for (code, severity) in expected {
        let f = a
            .findings
            .iter()
            .find(|f| f.code == code)
            .unwrap_or_else(|| panic!("missing {code}"));
        assert_eq!(f.severity, severity, "{code}");
    }
    // Contact is covered by one finding, not three.
    let c = codes(&a);
    assert!(!c.contains(&"missing-email") && !c.contains(&"missing-phone"));
    assert!(!c.contains(&"all-sections") && !c.contains(&"sections-found"));
}

#[test]
fn all_sections_praised() {
    let text = "Profil\nx\nErhvervserfaring\nx\nUddannelse\nx\nKompetencer\nx\nSprog\nx\nIT\nx\nKontakt\nx\n";
    let a = run(text, &[]);
    assert!(a.sections.iter().all(|c| c.found));
    assert!(codes(&a).contains(&"all-sections"));
    assert!(!codes(&a).iter().any(|c| c.starts_with("missing-section")));

    let a = run("Profil\nx\nSprog\nx\n", &[]);
    let f = a
        .findings
        .iter()
        .find(|f| f.code == "sections-found")
        .expect("sections-found");
    assert!(
        f.da.contains("2 af de 7") && f.en.contains("2 of the 7"),
        "{f:?}"
    );
}

#[test]
fn contact_section_found_via_details() {
    for text in ["jens@eksempel.dk", "Tlf. 12 34 56 78"] {
        let a = run(text, &[]);
        assert!(found(&a, Section::Contact), "{text}");
        assert!(!codes(&a).contains(&"missing-section-contact"));
    }
}

#[test]
fn labels_in_both_languages() {
    for s in Section::ALL {
        let (da, en) = (s.label(Locale::Da), s.label(Locale::En));
        assert!(!da.is_empty() && !en.is_empty());
        assert!(
            !s.code().is_empty() && s.code().chars().all(|c| c.is_ascii_lowercase() || c == '-')
        );
    }
    assert_eq!(Section::ItSkills.label(Locale::Da), "IT-kompetencer");
    assert_eq!(Section::Experience.label(Locale::En), "Work experience");
}
