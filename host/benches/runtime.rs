//! Runtime benchmarks (criterion). Run with `cargo xtask bench`; results and the
//! command go into BENCHMARKS.md.
//!
//! - a: instantiate + call of a trivial render, per call (fresh store and instance);
//! - b: the CV-coach analysis of a realistic 2-page CV, in wasm vs the same library
//!   compiled natively;
//! - c: start-up of a block from the artifact cache vs compiling it.
//!
//! After the groups run, the ratios of each pair measured in this run are printed.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use criterion::Criterion;
use cv_coach_analysis::{analyse, AnalysisInput, SAMPLE_CV_DA};
use jobunivers_host::caps::memory::{MemoryLimits, MemoryProvider};
use jobunivers_host::runtime::model::{Action, CallContext, Locale};
use jobunivers_host::runtime::{Call, Permissions, Runtime, RuntimeConfig};

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

fn wasm(name: &str) -> Vec<u8> {
    let path = target_dir()
        .join("wasm32-wasip2/release")
        .join(format!("{name}.wasm"));
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run `cargo xtask blocks` first", path.display()))
}

fn call() -> Call {
    Call {
        ctx: CallContext {
            citizen: "bench".into(),
            municipality: "0751".into(),
            locale: Locale::Da,
            view: String::new(),
            config: "{}".into(),
            now_ms: 1_767_603_600_000,
        },
        installation: "bench".into(),
        permissions: Permissions::everything(),
        provider: Arc::new(MemoryProvider::new(MemoryLimits::default())),
    }
}

fn keywords() -> Vec<String> {
    vec![
        "lagerkoordinator".into(),
        "truckcertifikat".into(),
        "kranfører".into(),
    ]
}

fn a_call(c: &mut Criterion, rt: &tokio::runtime::Runtime) {
    let runtime = Runtime::new(RuntimeConfig::default()).unwrap();
    let hello = rt.block_on(runtime.load(&wasm("fixture_hello"))).unwrap();
    let call = call();
    let mut g = c.benchmark_group("a_call");
    g.bench_function("instantiate_and_render_trivial", |b| {
        b.iter(|| rt.block_on(runtime.render(&hello, &call)).unwrap())
    });
    g.finish();
}

fn b_cv(c: &mut Criterion, rt: &tokio::runtime::Runtime) {
    let runtime = Runtime::new(RuntimeConfig::default()).unwrap();
    let block = rt
        .block_on(runtime.load(&wasm("fixture_cv_bench")))
        .unwrap();
    let call = call();
    let keywords = keywords();
    let mut fields = vec![("cv".to_owned(), SAMPLE_CV_DA.to_owned())];
    fields.extend(keywords.iter().map(|k| ("keyword".to_owned(), k.clone())));
    let action = Action {
        id: "analyse".into(),
        payload: None,
        fields,
    };
    // Both sides must agree before their speed is compared.
    let native_score = analyse(&AnalysisInput {
        cv_text: SAMPLE_CV_DA,
        desired_keywords: &keywords,
    })
    .score;
    let page = rt
        .block_on(runtime.handle_action(&block, &call, &action))
        .unwrap();
    assert!(serde_json::to_string(&page)
        .unwrap()
        .contains(&format!("\"{native_score}\"")));

    let mut g = c.benchmark_group("b_cv_analysis");
    g.bench_function("native", |b| {
        b.iter(|| {
            analyse(&AnalysisInput {
                cv_text: std::hint::black_box(SAMPLE_CV_DA),
                desired_keywords: &keywords,
            })
        })
    });
    g.bench_function("wasm_call", |b| {
        b.iter(|| {
            rt.block_on(runtime.handle_action(&block, &call, &action))
                .unwrap()
        })
    });
    let mut ten = action.clone();
    ten.fields.push(("repeat".into(), "10".into()));
    g.bench_function("wasm_call_10x", |b| {
        b.iter(|| {
            rt.block_on(runtime.handle_action(&block, &call, &ten))
                .unwrap()
        })
    });
    g.finish();
}

fn c_startup(c: &mut Criterion, rt: &tokio::runtime::Runtime) {
    let bytes = wasm("cv_coach");
    let cache = tempfile::tempdir().unwrap();
    let uncached = Runtime::new(RuntimeConfig::default()).unwrap();
    let cached = Runtime::new(RuntimeConfig {
        cache_dir: Some(cache.path().to_owned()),
        ..RuntimeConfig::default()
    })
    .unwrap();
    rt.block_on(cached.load(&bytes)).unwrap(); // warm the cache
    let mut g = c.benchmark_group("c_startup");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("compile", |b| {
        b.iter(|| rt.block_on(uncached.load(&bytes)).unwrap())
    });
    g.bench_function("artifact_cache", |b| {
        b.iter(|| rt.block_on(cached.load(&bytes)).unwrap())
    });
    g.finish();
}

/// The mean of a benchmark of this run, in ns, from criterion's estimates.
fn mean_ns(group: &str, bench: &str) -> Option<f64> {
    let path = target_dir()
        .join("criterion")
        .join(group)
        .join(bench)
        .join("new/estimates.json");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    v["mean"]["point_estimate"].as_f64()
}

fn human(ns: f64) -> String {
    match ns {
        n if n >= 1e9 => format!("{:.2} s", n / 1e9),
        n if n >= 1e6 => format!("{:.2} ms", n / 1e6),
        n if n >= 1e3 => format!("{:.2} µs", n / 1e3),
        n => format!("{n:.0} ns"),
    }
}

fn summary() {
    println!("\nSummary (means of this run):");
    if let Some(a) = mean_ns("a_call", "instantiate_and_render_trivial") {
        println!(
            "  a. instantiate + render (trivial block): {} per call (target < 20 µs)",
            human(a)
        );
    }
    if let (Some(native), Some(wasm)) = (
        mean_ns("b_cv_analysis", "native"),
        mean_ns("b_cv_analysis", "wasm_call"),
    ) {
        let call = mean_ns("a_call", "instantiate_and_render_trivial").unwrap_or(0.0);
        println!(
            "  b. CV analysis: native {}, wasm call {} -> ratio {:.2}x (target < 1.5x); without the per-call cost of a: {:.2}x",
            human(native),
            human(wasm),
            wasm / native,
            (wasm - call) / native
        );
        if let Some(ten) = mean_ns("b_cv_analysis", "wasm_call_10x") {
            let steady = (ten - wasm) / 9.0;
            println!(
                "     the analysis alone in a warm instance (10 runs in one call): {} -> ratio {:.2}x",
                human(steady),
                steady / native
            );
        }
    }
    if let (Some(compile), Some(cached)) = (
        mean_ns("c_startup", "compile"),
        mean_ns("c_startup", "artifact_cache"),
    ) {
        println!(
            "  c. start-up of cv-coach: compile {}, artifact cache {} -> {:.0}x faster (target >= 20x)",
            human(compile),
            human(cached),
            compile / cached
        );
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut c = Criterion::default().configure_from_args();
    a_call(&mut c, &rt);
    b_cv(&mut c, &rt);
    c_startup(&mut c, &rt);
    c.final_summary();
    summary();
}
