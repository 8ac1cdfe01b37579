//! Hostile blocks fail alone: each is stopped, the failure is named, and the host keeps
//! serving the next call.

use jobunivers_host::runtime::model::Locale;
use jobunivers_host::runtime::CallError;

use crate::helpers::*;

#[tokio::test]
async fn every_kind_of_misbehaviour_is_stopped_and_named() {
    let runtime = runtime();
    let hostile = load(&runtime, "fixture_hostile").await;
    let hello = load(&runtime, "fixture_hello").await;
    let cases = [
        ("loop", "timeout", "ran past its deadline of 300 ms"),
        ("memory", "memory", "more than its 64 MiB of memory"),
        ("recursion", "stack", "overflowed its stack"),
        ("panic", "panic", "deliberate panic in the hostile block"),
        ("huge", "output-too-large", "the limit is 524288 bytes"),
        (
            "flood",
            "capability-flood",
            "more than 1000 capability calls",
        ),
        ("invalid-ui", "invalid-ui", "heading level 9 is not allowed"),
        ("bad-link", "invalid-ui", "must start with https://"),
        ("chatter", "log-flood", "more than 65536 bytes of log"),
        ("refuse", "failed", "the block gave up"),
    ];
    for (view, kind, message) in cases {
        let err = runtime
            .render(&hostile, &call(view, Locale::Da))
            .await
            .expect_err(view);
        assert_eq!(err.kind(), kind, "{view}: {err}");
        assert!(
            err.to_string().contains(message),
            "{view}: expected '{message}' in '{err}'"
        );
        // The host carries on: the next call of another block works.
        let page = runtime
            .render(&hello, &call("", Locale::Da))
            .await
            .unwrap_or_else(|e| panic!("after {view}: {e}"));
        assert_eq!(page.elements.len(), 1);
    }
    // And the hostile block itself still serves its harmless view.
    let page = runtime
        .render(&hostile, &call("", Locale::Da))
        .await
        .unwrap();
    assert!(text_of(&page).contains("harmless"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_loop_does_not_hold_up_other_blocks() {
    let runtime = std::sync::Arc::new(runtime());
    let hostile = std::sync::Arc::new(load(&runtime, "fixture_hostile").await);
    let hello = std::sync::Arc::new(load(&runtime, "fixture_hello").await);
    let looping = {
        let (runtime, hostile) = (runtime.clone(), hostile.clone());
        tokio::spawn(async move { runtime.render(&hostile, &call("loop", Locale::Da)).await })
    };
    let mut friendly = Vec::new();
    for _ in 0..20 {
        let (runtime, hello) = (runtime.clone(), hello.clone());
        friendly.push(tokio::spawn(async move {
            runtime.render(&hello, &call("", Locale::En)).await
        }));
    }
    for f in friendly {
        f.await
            .unwrap()
            .expect("friendly blocks render while another loops");
    }
    assert!(matches!(
        looping.await.unwrap(),
        Err(CallError::Timeout { .. })
    ));
}
