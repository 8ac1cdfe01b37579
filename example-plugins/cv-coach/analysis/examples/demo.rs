//! Prints the analysis of the sample CV (or of a file given as argument):
//! `cargo run --example demo [path] [keyword ...]`.

use cv_coach_analysis::{analyse, AnalysisInput, Locale, SAMPLE_CV_DA};

fn main() {
    let mut args = std::env::args().skip(1);
    let text = match args.next() {
        Some(path) => std::fs::read_to_string(path).expect("readable CV file"),
        None => SAMPLE_CV_DA.to_string(),
    };
    let mut keywords: Vec<String> = args.collect();
    if keywords.is_empty() {
        keywords = ["lagerkoordinator", "truckcertifikat", "WMS", "planlægning"]
            .map(String::from)
            .to_vec();
    }
    let a = analyse(&AnalysisInput {
        cv_text: &text,
        desired_keywords: &keywords,
    });
    println!("score {} {:?}", a.score, a.score_breakdown());
    println!(
        "words {} pages {:.2} quantified {} active {} weak {} email {} phone {}",
        a.word_count,
        a.estimated_pages,
        a.quantified_results,
        a.active_verbs,
        a.passive_or_weak_phrases,
        a.has_email,
        a.has_phone
    );
    for s in &a.sections {
        println!("  {:<20} {}", s.section.label(Locale::Da), s.found);
    }
    println!(
        "matched {:?} missing {:?}",
        a.matched_keywords, a.missing_keywords
    );
    for f in &a.findings {
        println!(
            "- [{}] {}\n  {}",
            f.code,
            f.text(Locale::Da),
            f.text(Locale::En)
        );
    }
}
