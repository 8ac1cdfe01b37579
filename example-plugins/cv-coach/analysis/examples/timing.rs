//! Quick timing loop: `cargo run --release --example timing`.
//!
//! Analyses [`SAMPLE_CV_DA`] many times and prints the mean time per call.

use cv_coach_analysis::{analyse, AnalysisInput, SAMPLE_CV_DA};
use std::hint::black_box;
use std::time::Instant;

fn main() {
    let keywords: Vec<String> = ["lagerkoordinator", "truckcertifikat", "WMS", "planlægning"]
        .map(String::from)
        .to_vec();
    let input = AnalysisInput {
        cv_text: SAMPLE_CV_DA,
        desired_keywords: &keywords,
    };
    // Warm up.
    for _ in 0..1_000 {
        black_box(analyse(black_box(&input)));
    }
    let mut best = f64::MAX;
    for _ in 0..5 {
        let iterations = 20_000;
        let start = Instant::now();
        for _ in 0..iterations {
            black_box(analyse(black_box(&input)));
        }
        let per_call = start.elapsed().as_secs_f64() * 1e6 / f64::from(iterations);
        best = best.min(per_call);
        println!("{per_call:.2} µs per analysis");
    }
    let a = analyse(&input);
    println!(
        "best {best:.2} µs per analysis of SAMPLE_CV_DA ({} words, score {})",
        a.word_count, a.score
    );
}
