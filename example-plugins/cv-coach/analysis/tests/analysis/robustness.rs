//! Robustness: empty, odd and huge inputs never panic; output is deterministic.

use crate::common::run;
use cv_coach_analysis::SAMPLE_CV_DA;

#[test]
fn odd_inputs_do_not_panic() {
    let long_line = "ord ".repeat(20_000);
    let digits = "1234567890 ".repeat(2_000);
    let inputs = [
        "",
        " ",
        "\n\n\n",
        "\r\n\r\n",
        ":::",
        "@@@ @ @. .@",
        "a@b",
        "+",
        "+45",
        "(+45)",
        "•••",
        "%%% €€ $ £ 100%",
        "😀 🚀 ✨ Ærø Ål ß İ ﬁ",
        "\u{0}\u{1}\u{7f}\u{feff}",
        "e\u{301}\u{301}\u{301}",
        "مرحبا بالعالم",
        "Profil:",
        ":Profil",
        "1.2.3.4.5.6.7.8.9",
        "12 34 56 78 90 12 34 56 78 90 12",
        long_line.as_str(),
        digits.as_str(),
    ];
    for text in inputs {
        for keywords in [&[][..], &["", "æ", "C++", "lager"][..]] {
            let a = run(text, keywords);
            assert!(a.score <= 100);
            assert_eq!(a.sections.len(), 7);
            assert!(!a.findings.is_empty());
        }
    }
}

#[test]
fn huge_input_100k_words() {
    let repeats = 100_000 / run(SAMPLE_CV_DA, &[]).word_count + 1;
    let text = SAMPLE_CV_DA.repeat(repeats);
    let a = run(&text, &["lagerkoordinator", "ikke-til-stede"]);
    assert!(a.word_count >= 100_000, "{}", a.word_count);
    assert!(a.estimated_pages > 250.0);
    assert!(a.score <= 100);
    let too_long = a
        .findings
        .iter()
        .find(|f| f.code == "too-long")
        .expect("too-long");
    assert_eq!(too_long.severity, cv_coach_analysis::Severity::Important);
    assert_eq!(a.matched_keywords, vec!["lagerkoordinator"]);

    // 100k words on a single line.
    let one_line = "lager ".repeat(100_000);
    let b = run(&one_line, &["lager"]);
    assert_eq!(b.word_count, 100_000);
    assert_eq!(b.matched_keywords, vec!["lager"]);
}

#[test]
fn deterministic() {
    let keywords = ["lagerkoordinator", "SAP"];
    let first = run(SAMPLE_CV_DA, &keywords);
    for _ in 0..5 {
        assert_eq!(run(SAMPLE_CV_DA, &keywords), first);
    }
}

#[test]
fn line_endings_and_case_do_not_matter() {
    let crlf = SAMPLE_CV_DA.replace('\n', "\r\n");
    let upper = SAMPLE_CV_DA.to_uppercase();
    let base = run(SAMPLE_CV_DA, &["lagerkoordinator"]);
    for text in [crlf, upper] {
        let a = run(&text, &["LAGERKOORDINATOR"]);
        assert_eq!(a.score, base.score);
        assert_eq!(a.word_count, base.word_count);
        assert_eq!(a.sections, base.sections);
        assert_eq!(a.quantified_results, base.quantified_results);
        assert_eq!(a.active_verbs, base.active_verbs);
        assert_eq!(a.passive_or_weak_phrases, base.passive_or_weak_phrases);
    }
}
