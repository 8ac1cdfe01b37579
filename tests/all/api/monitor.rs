//! Availability monitoring, black-box over HTTP on both backends, with the clock under
//! the test's control: the evaluator is called with explicit times (never sleeps), and
//! facts are recorded through the capability provider at explicit times. A rule fires
//! once per episode, flags after the grace period, is suppressed by an exemption until
//! its end, and racing evaluators never act twice; the citizen sees what is monitored
//! and every firing; a caseworker of another municipality sees and does nothing.

use jobunivers_host::caps::{
    CapabilityProvider, EscalationRequest, MeetingKind, NewActivity, Scope, TimeWindow,
};
use jobunivers_host::clock::now_ms;
use jobunivers_host::monitor::{self, Evaluation, DAY_MS};
use serde_json::{json, Value};

use super::{install, spawn_apps_with, TestApp};

/// A server per backend without the scheduled evaluation: the test is the clock.
async fn apps() -> Vec<TestApp> {
    spawn_apps_with(|c| c.monitor_interval = None).await
}

/// The widget installed in `code` (activities and threads belong to an installation).
async fn installation(app: &TestApp, code: &str) -> i64 {
    let (acme, key) = app.vendor("acme").await;
    app.publish_approved(&acme, &key, "v1_0_0").await;
    install(
        app,
        code,
        json!({ "block": "acme.widget", "granted": ["storage"] }),
    )
    .await
}

/// Register a citizen of `code` and sign them in.
async fn citizen(app: &TestApp, id: &str, code: &str) -> String {
    app.citizen(id, code, &[]).await
}

fn scope(installation: i64, citizen: &str, code: &str, now_ms: i64) -> Scope {
    Scope {
        installation: installation.to_string(),
        block_id: "acme.widget".into(),
        block_version: "1.0.0".into(),
        citizen: citizen.into(),
        municipality: code.into(),
        now_ms,
    }
}

/// The job log registers an application at `at_ms` (recorded then).
async fn apply(app: &TestApp, installation: i64, citizen: &str, code: &str, at_ms: i64) {
    app.server
        .universe
        .provider()
        .activity_add(
            &scope(installation, citizen, code, at_ms),
            NewActivity {
                kind: "job-application".into(),
                summary: "Søgt job: Lagermedarbejder".into(),
                details: "{}".into(),
                occurred_ms: Some(at_ms),
            },
        )
        .await
        .unwrap();
}

async fn evaluate(app: &TestApp, at_ms: i64) -> Evaluation {
    monitor::evaluate(app.server.universe.provider(), at_ms)
        .await
        .unwrap()
}

/// The rules of `code`, by kind.
async fn rule_id(app: &TestApp, code: &str, kind: &str) -> i64 {
    let admin = app.login("admin", Some(code)).await;
    let rules = app
        .get(
            &format!("/api/v1/municipalities/{code}/monitoring/rules"),
            &admin,
        )
        .await
        .expect(200);
    rules
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} rule in {rules:#}"))["id"]
        .as_i64()
        .unwrap()
}

/// Disable one of the municipality's rules through the admin API.
async fn disable(app: &TestApp, code: &str, kind: &str) {
    let id = rule_id(app, code, kind).await;
    let admin = app.login("admin", Some(code)).await;
    let rule = app
        .patch(
            &format!("/api/v1/municipalities/{code}/monitoring/rules/{id}"),
            &admin,
            json!({ "enabled": false }),
        )
        .await
        .expect(200);
    assert_eq!(rule["enabled"], false);
}

async fn inbox(app: &TestApp, token: &str) -> Vec<Value> {
    app.get("/api/v1/me/notifications", token)
        .await
        .expect(200)
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rule_fires_once_per_episode_flags_after_the_grace_period_and_again_after_new_facts() {
    for app in apps().await {
        let backend = app.backend;
        let inst = installation(&app, "0751").await;
        let mona = citizen(&app, "mona", "0751").await;
        disable(&app, "0751", "no-login").await;
        let t0 = now_ms();
        apply(&app, inst, "mona", "0751", t0).await;

        // 29 days of silence: nothing; 30: the nudge, once.
        assert_eq!(evaluate(&app, t0 + 29 * DAY_MS).await.fired, 0, "{backend}");
        assert!(inbox(&app, &mona).await.is_empty());
        let done = evaluate(&app, t0 + 30 * DAY_MS + 1).await;
        assert_eq!((done.fired, done.flagged), (1, 0), "{backend}");
        let messages = inbox(&app, &mona).await;
        assert_eq!(messages.len(), 1, "{backend}: {messages:#?}");
        assert_eq!(messages[0]["block"], "jobcentre");
        let body = messages[0]["body"].as_str().unwrap();
        assert!(
            body.contains("30 dage") && body.contains("30 days"),
            "{body}"
        );
        // The same facts: never again, however often it is evaluated.
        for day in [31, 33, 36] {
            assert_eq!(
                evaluate(&app, t0 + day * DAY_MS).await,
                Evaluation {
                    citizens: 1,
                    ..Default::default()
                },
                "{backend} day {day}"
            );
        }
        assert_eq!(inbox(&app, &mona).await.len(), 1);
        assert_eq!(app.count("monitor_firings").await, 1);

        // The grace period (7 days after the nudge) passes without new facts: a flag.
        let caseworker = app.login("caseworker", Some("0751")).await;
        assert_eq!(
            app.get("/api/v1/caseworker/flags", &caseworker)
                .await
                .expect(200),
            json!([])
        );
        assert_eq!(
            evaluate(&app, t0 + 37 * DAY_MS + 1).await.flagged,
            1,
            "{backend}"
        );
        assert_eq!(evaluate(&app, t0 + 38 * DAY_MS).await.flagged, 0);
        let flags = app
            .get("/api/v1/caseworker/flags", &caseworker)
            .await
            .expect(200);
        assert_eq!(flags.as_array().unwrap().len(), 1, "{flags:#}");
        let flag = &flags[0];
        assert_eq!(flag["citizen"], "mona");
        assert_eq!(flag["kind"], "no-job-application");
        assert_eq!(flag["facts"]["since"], "job-application");
        assert_eq!(flag["facts"]["last_fact_ms"], t0);
        assert_eq!(flag["flag"]["state"], "open");
        let from = flag["flag"]["proposed_from_ms"].as_i64().unwrap();
        assert!(from > t0 + 37 * DAY_MS && flag["flag"]["proposed_to_ms"].as_i64().unwrap() > from);

        // A new application ends the episode (evaluated as it is recorded) ...
        apply(&app, inst, "mona", "0751", t0 + 40 * DAY_MS).await;
        let firing = app
            .get(
                &format!("/api/v1/caseworker/flags/{}", flag["id"]),
                &caseworker,
            )
            .await
            .expect(200);
        assert_eq!(firing["closed_ms"], t0 + 40 * DAY_MS, "{backend}");
        // ... and only a new gap of 30 days fires again.
        assert_eq!(evaluate(&app, t0 + 69 * DAY_MS).await.fired, 0);
        assert_eq!(
            evaluate(&app, t0 + 70 * DAY_MS + 1).await.fired,
            1,
            "{backend}"
        );
        assert_eq!(evaluate(&app, t0 + 71 * DAY_MS).await.fired, 0);
        assert_eq!(inbox(&app, &mona).await.len(), 2);
        assert_eq!(app.count("monitor_firings").await, 2);

        // The citizen sees the active rules in plain Danish (English on request), their
        // status, and both firings with their facts.
        let seen = app.get("/api/v1/me/monitoring", &mona).await.expect(200);
        let kinds: Vec<&str> = seen["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            ["no-job-application", "missed-meeting"],
            "{backend}: the disabled rule is not listed"
        );
        assert_eq!(seen["rules"][0]["title"], "Søgte job i joblogen");
        assert!(seen["rules"][0]["explanation"]
            .as_str()
            .unwrap()
            .contains("30 dage"));
        assert!(seen["why"].as_str().unwrap().contains("aldrig"));
        // The status is as of now: the later application is still ahead.
        let status = &seen["rules"][0]["status"];
        assert_eq!(status["last_fact"], "job-application");
        assert_eq!(status["last_fact_ms"], t0);
        assert_eq!(status["state"], "ok");
        assert_eq!(status["days_until_nudge"], 30);
        assert_eq!(seen["rules"][1]["status"]["state"], "nothing-to-watch");
        let firings = seen["firings"].as_array().unwrap();
        assert_eq!(firings.len(), 2);
        assert_eq!(firings[0]["fired_ms"], t0 + 70 * DAY_MS + 1);
        assert_eq!(firings[0]["facts"]["last_fact_ms"], t0 + 40 * DAY_MS);
        assert_eq!(firings[1]["fired_ms"], t0 + 30 * DAY_MS + 1);
        assert_eq!(firings[1]["flag"]["state"], "open");
        let english = app
            .get("/api/v1/me/monitoring?locale=en", &mona)
            .await
            .expect(200);
        assert_eq!(
            english["rules"][0]["title"],
            "Job applications in the job log"
        );
        app.get("/api/v1/me/monitoring?locale=fr", &mona)
            .await
            .expect_problem(400, "invalid-locale");
        app.get("/api/v1/me/monitoring", &caseworker)
            .await
            .expect_problem(403, "wrong-role");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_exemption_suppresses_the_rule_until_its_end_date() {
    for app in apps().await {
        let backend = app.backend;
        let inst = installation(&app, "0751").await;
        let mona = citizen(&app, "mona", "0751").await;
        disable(&app, "0751", "no-login").await;
        let t0 = now_ms();
        apply(&app, inst, "mona", "0751", t0).await;
        let rule = rule_id(&app, "0751", "no-job-application").await;
        let caseworker = app.login("caseworker", Some("0751")).await;
        let until = t0 + 45 * DAY_MS;
        let exemption = app
            .post(
                "/api/v1/caseworker/citizens/mona/exemptions",
                &caseworker,
                json!({ "rule": rule, "reason": "Sygemeldt efter operation", "until_ms": until }),
            )
            .await
            .expect(201);
        assert_eq!(
            (exemption["kind"].clone(), exemption["active"].clone()),
            (json!("no-job-application"), json!(true))
        );

        assert_eq!(evaluate(&app, t0 + 31 * DAY_MS).await.fired, 0, "{backend}");
        assert_eq!(evaluate(&app, until - 1).await.fired, 0, "{backend}");
        assert!(inbox(&app, &mona).await.is_empty());
        // The same silence fires once the exemption has ended.
        assert_eq!(evaluate(&app, until).await.fired, 1, "{backend}");
        assert_eq!(inbox(&app, &mona).await.len(), 1);

        let seen = app.get("/api/v1/me/monitoring", &mona).await.expect(200);
        assert_eq!(seen["exemptions"][0]["reason"], "Sygemeldt efter operation");
        assert_eq!(seen["exemptions"][0]["until_ms"], until);
        assert_eq!(
            seen["rules"][0]["status"]["state"], "exempt",
            "{backend}: it holds at the real time"
        );

        // Bad exemptions say what to fix.
        for (body, status, slug, pointer) in [
            (
                json!({ "rule": rule, "reason": "", "until_ms": until }),
                422,
                "invalid-text",
                "/reason",
            ),
            (
                json!({ "rule": rule, "reason": "Kursus", "until_ms": t0 - 1 }),
                422,
                "invalid-until",
                "/until_ms",
            ),
            (
                json!({ "rule": 999_999, "reason": "Kursus", "until_ms": until }),
                422,
                "unknown-rule",
                "/rule",
            ),
            (
                json!({ "rule": rule_id(&app, "0101", "no-job-application").await, "reason": "Kursus", "until_ms": until }),
                422,
                "unknown-rule",
                "/rule",
            ),
        ] {
            let p = app
                .post(
                    "/api/v1/caseworker/citizens/mona/exemptions",
                    &caseworker,
                    body,
                )
                .await
                .expect_problem(status, slug);
            assert_eq!(p["pointer"], pointer);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_prior_notice_is_shown_to_the_citizen_and_their_reading_recorded() {
    for app in apps().await {
        let backend = app.backend;
        let mona = citizen(&app, "mona", "0751").await;
        let bo = citizen(&app, "bo", "0751").await;
        let caseworker = app.login("caseworker", Some("0751")).await;
        let text = "Forhåndsorientering: Du har ikke registreret søgte job i 30 dage. Kontakt jobcentret inden fredag.";
        let sent = app
            .post(
                "/api/v1/caseworker/citizens/mona/prior-notices",
                &caseworker,
                json!({ "text": text }),
            )
            .await
            .expect(201);
        assert_eq!(
            (sent["read"].clone(), sent["read_ms"].clone()),
            (json!(false), Value::Null)
        );
        let id = sent["id"].as_i64().unwrap();

        let notices = app.get("/api/v1/me/prior-notices", &mona).await.expect(200);
        assert_eq!(notices[0]["text"], text, "{backend}");
        assert_eq!(notices[0]["read"], false);
        assert!(inbox(&app, &mona).await[0]["title"]
            .as_str()
            .unwrap()
            .contains("Forhåndsorientering"));
        assert_eq!(
            app.get("/api/v1/me/prior-notices", &bo).await.expect(200),
            json!([])
        );
        app.post(
            &format!("/api/v1/me/prior-notices/{id}/read"),
            &bo,
            json!({}),
        )
        .await
        .expect_problem(404, "unknown-prior-notice");

        let before = now_ms();
        let read = app
            .post(
                &format!("/api/v1/me/prior-notices/{id}/read"),
                &mona,
                json!({}),
            )
            .await
            .expect(200);
        let read_ms = read["read_ms"].as_i64().unwrap();
        assert!(read_ms >= before && read["read"] == true, "{read:#}");
        // Confirming again keeps the first time.
        let again = app
            .post(
                &format!("/api/v1/me/prior-notices/{id}/read"),
                &mona,
                json!({}),
            )
            .await
            .expect(200);
        assert_eq!(again["read_ms"], read_ms);

        // The caseworker sees when it was read.
        let timeline = app
            .get("/api/v1/caseworker/citizens/mona", &caseworker)
            .await
            .expect(200);
        assert_eq!(
            timeline["prior_notices"][0]["read_ms"], read_ms,
            "{backend}"
        );
        assert!(timeline["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "prior-notice-read" && e["at_ms"] == read_ms));
        let seen = app.get("/api/v1/me/monitoring", &mona).await.expect(200);
        assert_eq!(seen["prior_notices"][0]["read_ms"], read_ms);
        app.post(
            "/api/v1/caseworker/citizens/mona/prior-notices",
            &caseworker,
            json!({ "text": "  " }),
        )
        .await
        .expect_problem(422, "invalid-text");
        app.post(
            "/api/v1/caseworker/citizens/mona/prior-notices",
            &caseworker,
            json!({ "text": "Se her", "firing": 4242 }),
        )
        .await
        .expect_problem(422, "unknown-firing");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_caseworker_decides_on_flags_and_reads_are_on_the_citizens_access_log() {
    for app in apps().await {
        let backend = app.backend;
        let inst = installation(&app, "0751").await;
        let mona = citizen(&app, "mona", "0751").await;
        citizen(&app, "bo", "0751").await;
        disable(&app, "0751", "no-login").await;
        let t0 = now_ms();
        apply(&app, inst, "mona", "0751", t0).await;
        apply(&app, inst, "bo", "0751", t0 + 20 * DAY_MS).await;
        evaluate(&app, t0 + 30 * DAY_MS + 1).await;
        evaluate(&app, t0 + 38 * DAY_MS).await;

        let caseworker = app.login("caseworker", Some("0751")).await;
        let list = app
            .get("/api/v1/caseworker/citizens", &caseworker)
            .await
            .expect(200);
        let ids: Vec<&str> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["mona", "bo"], "{backend}: flagged first");
        assert_eq!(list[0]["open_flags"], 1);
        assert_eq!(list[0]["last_application_ms"], t0);
        let flagged = app
            .get("/api/v1/caseworker/citizens?flag=open", &caseworker)
            .await
            .expect(200);
        assert_eq!(flagged.as_array().unwrap().len(), 1);
        let calm = app
            .get("/api/v1/caseworker/citizens?flag=none", &caseworker)
            .await
            .expect(200);
        assert_eq!(calm[0]["id"], "bo");
        assert_eq!(calm.as_array().unwrap().len(), 1);
        app.get("/api/v1/caseworker/citizens?flag=red", &caseworker)
            .await
            .expect_problem(400, "invalid-filter");
        app.get("/api/v1/caseworker/citizens?track=purple", &caseworker)
            .await
            .expect_problem(400, "invalid-filter");
        // Nobody here has a decided track yet.
        let undecided = app
            .get("/api/v1/caseworker/citizens?track=none", &caseworker)
            .await
            .expect(200);
        let everyone = app
            .get("/api/v1/caseworker/citizens", &caseworker)
            .await
            .expect(200);
        assert_eq!(undecided, everyone);
        assert_eq!(
            app.get("/api/v1/caseworker/citizens?track=mixed", &caseworker)
                .await
                .expect(200),
            serde_json::json!([])
        );

        let timeline = app
            .get("/api/v1/caseworker/citizens/mona", &caseworker)
            .await
            .expect(200);
        assert_eq!(timeline["citizen"]["id"], "mona");
        assert_eq!(timeline["activities"].as_array().unwrap().len(), 1);
        assert_eq!(timeline["firings"][0]["flag"]["state"], "open");
        let kinds: Vec<&str> = timeline["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["flagged", "rule-fired", "activity"], "{backend}");
        let id = timeline["firings"][0]["id"].as_i64().unwrap();
        app.get(&format!("/api/v1/caseworker/flags/{id}"), &caseworker)
            .await
            .expect(200);
        let log = app.get("/api/v1/me/access-log", &mona).await.expect(200);
        let reads: Vec<(&str, &str)> = log
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["what"].as_str().unwrap(), e["actor"].as_str().unwrap()))
            .collect();
        let flag_read = format!("flag {id}");
        assert_eq!(
            reads,
            [
                (flag_read.as_str(), "caseworker:caseworker-user@0751"),
                ("timeline", "caseworker:caseworker-user@0751")
            ],
            "{backend}"
        );

        let path = format!("/api/v1/caseworker/flags/{id}/decision");
        app.post(&path, &caseworker, json!({ "decision": "resolve" }))
            .await
            .expect_problem(422, "missing-note");
        let acked = app
            .post(&path, &caseworker, json!({ "decision": "acknowledge" }))
            .await
            .expect(200);
        assert_eq!(acked["flag"]["state"], "acknowledged");
        assert_eq!(
            app.get("/api/v1/caseworker/flags", &caseworker)
                .await
                .expect(200),
            json!([])
        );
        let resolved = app
            .post(&path, &caseworker, json!({ "decision": "resolve", "note": "Samtale holdt; borgeren var syg og søger igen." }))
            .await
            .expect(200);
        assert_eq!(resolved["flag"]["state"], "resolved");
        assert_eq!(
            resolved["flag"]["decided_by"],
            "caseworker:caseworker-user@0751"
        );
        app.post(&path, &caseworker, json!({ "decision": "acknowledge" }))
            .await
            .expect_problem(409, "flag-resolved");
        let all = app
            .get("/api/v1/caseworker/flags?state=any", &caseworker)
            .await
            .expect(200);
        assert_eq!(
            all[0]["flag"]["note"],
            "Samtale holdt; borgeren var syg og søger igen."
        );
        // The platform decided nothing itself: the citizen's record holds the nudge only.
        let seen = app.get("/api/v1/me/monitoring", &mona).await.expect(200);
        assert_eq!(seen["firings"][0]["flag"]["state"], "resolved");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_caseworker_of_another_municipality_gets_nothing() {
    for app in apps().await {
        let backend = app.backend;
        let inst = installation(&app, "0751").await;
        let mona = citizen(&app, "mona", "0751").await;
        let t0 = now_ms();
        apply(&app, inst, "mona", "0751", t0).await;
        evaluate(&app, t0 + 30 * DAY_MS + 1).await;
        evaluate(&app, t0 + 40 * DAY_MS).await;
        let home = app.login("caseworker", Some("0751")).await;
        let id = app.get("/api/v1/caseworker/flags", &home).await.expect(200)[0]["id"]
            .as_i64()
            .unwrap();

        let other = app.login("caseworker", Some("0101")).await;
        assert_eq!(
            app.get("/api/v1/caseworker/citizens", &other)
                .await
                .expect(200),
            json!([]),
            "{backend}"
        );
        assert_eq!(
            app.get("/api/v1/caseworker/flags?state=any", &other)
                .await
                .expect(200),
            json!([])
        );
        app.get("/api/v1/caseworker/citizens/mona", &other)
            .await
            .expect_problem(404, "unknown-citizen");
        app.get(&format!("/api/v1/caseworker/flags/{id}"), &other)
            .await
            .expect_problem(404, "unknown-flag");
        app.post(
            &format!("/api/v1/caseworker/flags/{id}/decision"),
            &other,
            json!({ "decision": "resolve", "note": "Lukket" }),
        )
        .await
        .expect_problem(404, "unknown-flag");
        let rule = rule_id(&app, "0101", "no-job-application").await;
        app.post(
            "/api/v1/caseworker/citizens/mona/exemptions",
            &other,
            json!({ "rule": rule, "reason": "x", "until_ms": t0 + DAY_MS }),
        )
        .await
        .expect_problem(404, "unknown-citizen");
        app.post(
            "/api/v1/caseworker/citizens/mona/prior-notices",
            &other,
            json!({ "text": "Læs dette" }),
        )
        .await
        .expect_problem(404, "unknown-citizen");
        app.post(
            "/api/v1/caseworker/citizens/mona/missed-meetings",
            &other,
            json!({}),
        )
        .await
        .expect_problem(404, "unknown-citizen");
        // Nothing was read or changed: no access-log entry, the flag still open.
        assert_eq!(
            app.get("/api/v1/me/access-log", &mona).await.expect(200),
            json!([]),
            "{backend}"
        );
        assert!(app
            .get("/api/v1/me/prior-notices", &mona)
            .await
            .expect(200)
            .as_array()
            .unwrap()
            .is_empty());
        assert_eq!(
            app.get("/api/v1/caseworker/flags", &home).await.expect(200)[0]["flag"]["state"],
            "open"
        );

        // Only caseworkers use the caseworker API; only the municipality's admin sets
        // its rules.
        app.get("/api/v1/caseworker/citizens", &mona)
            .await
            .expect_problem(403, "wrong-role");
        let admin = app.login("admin", Some("0751")).await;
        app.get("/api/v1/caseworker/flags", &admin)
            .await
            .expect_problem(403, "wrong-role");
        let rule = rule_id(&app, "0751", "no-job-application").await;
        let path = format!("/api/v1/municipalities/0751/monitoring/rules/{rule}");
        let other_admin = app.login("admin", Some("0101")).await;
        app.patch(&path, &other_admin, json!({ "days": 5 }))
            .await
            .expect_problem(403, "other-tenant");
        app.patch(&path, &home, json!({ "days": 5 }))
            .await
            .expect_problem(403, "wrong-role");
        let wrong = format!("/api/v1/municipalities/0101/monitoring/rules/{rule}");
        app.patch(&wrong, &other_admin, json!({ "days": 5 }))
            .await
            .expect_problem(404, "unknown-rule");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn racing_evaluations_do_not_double_fire_or_double_flag() {
    for app in apps().await {
        let backend = app.backend;
        let inst = installation(&app, "0751").await;
        let t0 = now_ms();
        let citizens = ["r1", "r2", "r3", "r4", "r5"];
        for id in citizens {
            citizen(&app, id, "0751").await;
            apply(&app, inst, id, "0751", t0).await;
        }
        disable(&app, "0751", "no-login").await;
        let p = app.server.universe.provider();
        let at = t0 + 31 * DAY_MS;
        let runs = futures_util::future::join_all((0..6).map(|_| monitor::evaluate(p, at))).await;
        let fired: usize = runs.iter().map(|r| r.as_ref().unwrap().fired).sum();
        assert_eq!(fired, citizens.len(), "{backend}: {runs:?}");
        assert_eq!(app.count("monitor_firings").await, 5);
        assert_eq!(app.count("notifications").await, 5);
        let at = t0 + 40 * DAY_MS;
        let runs = futures_util::future::join_all((0..6).map(|_| monitor::evaluate(p, at))).await;
        let flagged: usize = runs.iter().map(|r| r.as_ref().unwrap().flagged).sum();
        assert_eq!(flagged, citizens.len(), "{backend}: {runs:?}");
        // A restarted evaluator (or another process) finds the state in the database.
        assert_eq!(
            evaluate(&app, at + DAY_MS).await,
            Evaluation {
                citizens: 5,
                ..Default::default()
            }
        );
        assert_eq!(app.count("notifications").await, 5);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missed_meeting_nudges_at_once_and_a_new_booking_ends_the_episode() {
    for app in apps().await {
        let backend = app.backend;
        let inst = installation(&app, "0751").await;
        let mona = citizen(&app, "mona", "0751").await;
        let p = app.server.universe.provider();
        let t0 = now_ms();
        let booking = |now_ms: i64| async move {
            p.escalate_open(
                &scope(inst, "mona", "0751", now_ms),
                EscalationRequest::Booking {
                    kind: MeetingKind::Video,
                    preferred: vec![TimeWindow {
                        start_ms: now_ms + DAY_MS,
                        end_ms: now_ms + DAY_MS + 3_600_000,
                    }],
                    topic: "Opfølgning".into(),
                },
            )
            .await
            .unwrap()
        };
        let thread: i64 = booking(t0 - 3 * DAY_MS)
            .await
            .trim_start_matches("thread-")
            .parse()
            .unwrap();
        let caseworker = app.login("caseworker", Some("0751")).await;
        let missed_ms = t0 - DAY_MS;
        let recorded = app
            .post(
                "/api/v1/caseworker/citizens/mona/missed-meetings",
                &caseworker,
                json!({ "thread": thread, "missed_ms": missed_ms, "note": "Mødte ikke op" }),
            )
            .await
            .expect(201);
        assert_eq!(
            (recorded["kind"].clone(), recorded["occurred_ms"].clone()),
            (json!("missed-meeting"), json!(missed_ms))
        );
        // Evaluated as it was recorded: the nudge is there already.
        let messages = inbox(&app, &mona).await;
        assert_eq!(messages.len(), 1, "{backend}: {messages:#?}");
        assert!(messages[0]["body"]
            .as_str()
            .unwrap()
            .contains("savnede dig"));
        let seen = app.get("/api/v1/me/monitoring", &mona).await.expect(200);
        let rule = seen["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["kind"] == "missed-meeting")
            .unwrap()
            .clone();
        assert_eq!(rule["status"]["state"], "nudged", "{backend}: {rule:#}");

        // No new booking within the grace period: a flag.
        assert_eq!(
            evaluate(&app, t0 + 8 * DAY_MS).await.flagged,
            1,
            "{backend}"
        );
        // The citizen books again: the episode ends.
        booking(t0 + 9 * DAY_MS).await;
        assert_eq!(evaluate(&app, t0 + 9 * DAY_MS).await.closed, 1, "{backend}");
        let timeline = app
            .get("/api/v1/caseworker/citizens/mona", &caseworker)
            .await
            .expect(200);
        let firing = timeline["firings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["kind"] == "missed-meeting")
            .unwrap()
            .clone();
        assert_eq!(
            firing["closed_ms"],
            t0 + 9 * DAY_MS,
            "{backend}: {firing:#}"
        );
        assert_eq!(timeline["threads"].as_array().unwrap().len(), 2);

        for (body, slug, pointer) in [
            (
                json!({ "missed_ms": t0 + DAY_MS }),
                "invalid-time",
                "/missed_ms",
            ),
            (json!({ "thread": 999_999 }), "unknown-thread", "/thread"),
        ] {
            let p = app
                .post(
                    "/api/v1/caseworker/citizens/mona/missed-meetings",
                    &caseworker,
                    body,
                )
                .await
                .expect_problem(422, slug);
            assert_eq!(p["pointer"], pointer);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn universe_visits_are_recorded_once_a_day_and_feed_the_no_login_rule() {
    for app in apps().await {
        let backend = app.backend;
        let mona = citizen(&app, "mona", "0751").await;
        for _ in 0..3 {
            app.get("/api/v1/universe", &mona).await.expect(200);
        }
        assert_eq!(app.count("monitor_visits").await, 1, "{backend}");
        let seen = app.get("/api/v1/me/monitoring", &mona).await.expect(200);
        let rule = seen["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["kind"] == "no-login")
            .unwrap()
            .clone();
        assert_eq!(rule["status"]["last_fact"], "visit", "{rule:#}");
        assert_eq!(rule["status"]["days_until_nudge"], 45);
        let visited = rule["status"]["last_fact_ms"].as_i64().unwrap();

        // Two visits on the next day: one recorded, the first.
        let db = app.server.market.db();
        let next_day = (visited.div_euclid(DAY_MS) + 1) * DAY_MS;
        monitor::record_visit(db, "mona", next_day + 1_000)
            .await
            .unwrap();
        monitor::record_visit(db, "mona", next_day + 61_000)
            .await
            .unwrap();
        assert_eq!(app.count("monitor_visits").await, 2);
        assert_eq!(
            evaluate(&app, next_day + 1_000 + 45 * DAY_MS - 1)
                .await
                .fired,
            1,
            "{backend}: the job-application rule only"
        );
        // 45 days after the last visit: the no-login rule fires.
        assert_eq!(
            evaluate(&app, next_day + 1_000 + 45 * DAY_MS).await.fired,
            1,
            "{backend}"
        );
        let firings = app.get("/api/v1/me/monitoring", &mona).await.expect(200)["firings"].clone();
        let kinds: Vec<&str> = firings
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["kind"].as_str().unwrap())
            .collect();
        assert!(kinds.contains(&"no-login"), "{firings:#}");
        let no_login = firings
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["kind"] == "no-login")
            .unwrap();
        assert_eq!(no_login["facts"]["last_fact_ms"], next_day + 1_000);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn admins_set_their_municipalitys_rules_and_every_municipality_has_the_defaults() {
    for app in apps().await {
        let backend = app.backend;
        let admin = app.login("admin", Some("0751")).await;
        let path = "/api/v1/municipalities/0751/monitoring/rules";
        let rules = app.get(path, &admin).await.expect(200);
        let defaults: Vec<(String, i64, i64)> = rules
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["kind"].as_str().unwrap().to_owned(),
                    r["days"].as_i64().unwrap(),
                    r["grace_days"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            defaults,
            [
                ("no-job-application".into(), 30, 7),
                ("missed-meeting".into(), 0, 7),
                ("no-login".into(), 45, 14)
            ],
            "{backend}"
        );
        // Every municipality, three rules each.
        assert_eq!(
            app.count("monitoring_rules").await,
            3 * app.count("municipalities").await
        );

        let created = app
            .post(path, &admin, json!({ "kind": "no-login", "days": 14, "grace_days": 3, "nudge_da": "Kig forbi! Det er {days} dage siden.", "nudge_en": "Drop by! It has been {days} days." }))
            .await
            .expect(201);
        assert_eq!(
            (created["days"].clone(), created["enabled"].clone()),
            (json!(14), json!(true))
        );
        let id = created["id"].as_i64().unwrap();
        let changed = app
            .patch(
                &format!("{path}/{id}"),
                &admin,
                json!({ "days": 21, "enabled": false }),
            )
            .await
            .expect(200);
        assert_eq!(
            (
                changed["days"].clone(),
                changed["enabled"].clone(),
                changed["grace_days"].clone()
            ),
            (json!(21), json!(false), json!(3))
        );
        let audit = app.get("/api/v1/audit/0751", &admin).await.expect(200);
        let actions: Vec<&str> = audit
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .filter(|a| a.starts_with("monitoring"))
            .collect();
        assert_eq!(
            actions,
            ["monitoring-rule.change", "monitoring-rule.create"],
            "{backend}"
        );

        for (body, status, slug) in [
            (
                json!({ "kind": "no-job-application", "days": 0 }),
                422,
                "invalid-days",
            ),
            (
                json!({ "kind": "no-login", "grace_days": -1 }),
                422,
                "invalid-days",
            ),
            (
                json!({ "kind": "no-login", "nudge_da": "" }),
                422,
                "invalid-text",
            ),
            (json!({ "kind": "sanction" }), 400, "invalid-body"),
        ] {
            app.post(path, &admin, body)
                .await
                .expect_problem(status, slug);
        }
        let p = app
            .patch(&format!("{path}/{id}"), &admin, json!({ "days": 400 }))
            .await
            .expect_problem(422, "invalid-days");
        assert_eq!(p["pointer"], "/days");
        app.patch(&format!("{path}/999999"), &admin, json!({ "days": 4 }))
            .await
            .expect_problem(404, "unknown-rule");
        // Caseworkers read their municipality's rules; citizens see theirs elsewhere.
        let caseworker = app.login("caseworker", Some("0751")).await;
        assert_eq!(
            app.get(path, &caseworker)
                .await
                .expect(200)
                .as_array()
                .unwrap()
                .len(),
            4
        );
        app.post(path, &caseworker, json!({ "kind": "no-login" }))
            .await
            .expect_problem(403, "wrong-role");
        let citizen = app.login("citizen", Some("0751")).await;
        app.get(path, &citizen)
            .await
            .expect_problem(403, "wrong-role");
        app.get("/api/v1/municipalities/0101/monitoring/rules", &admin)
            .await
            .expect_problem(403, "other-tenant");
    }
}

/// The body of the `i`th of a set of concurrent requests.
type BodyOf = Box<dyn Fn(usize) -> Value>;

/// Fifteen caseworkers' (and an admin's) writes at once on the same citizen and rule:
/// every one is done, none fails with a server error. On SQLite a change takes the
/// write lock when its transaction begins, so a writer that reads first waits for the
/// lock instead of failing with "database is locked".
#[tokio::test(flavor = "multi_thread")]
async fn concurrent_casework_writes_all_succeed() {
    const WRITERS: usize = 15;
    for app in apps().await {
        let backend = app.backend;
        citizen(&app, "mona", "0751").await;
        let caseworker = app.login("caseworker", Some("0751")).await;
        let admin = app.login("admin", Some("0751")).await;
        let rule = rule_id(&app, "0751", "no-job-application").await;
        let until = now_ms() + 30 * DAY_MS;
        let rule_path = format!("/api/v1/municipalities/0751/monitoring/rules/{rule}");
        let writes: [(&str, &str, &str, BodyOf); 4] = [
            (
                "POST",
                "/api/v1/caseworker/citizens/mona/exemptions",
                &caseworker,
                Box::new(
                    move |i| json!({ "rule": rule, "reason": format!("Grund {i}"), "until_ms": until }),
                ),
            ),
            (
                "POST",
                "/api/v1/caseworker/citizens/mona/prior-notices",
                &caseworker,
                Box::new(|i| json!({ "text": format!("Forhåndsorientering {i}") })),
            ),
            (
                "POST",
                "/api/v1/caseworker/citizens/mona/missed-meetings",
                &caseworker,
                Box::new(|i| json!({ "note": format!("Mødte ikke op {i}") })),
            ),
            (
                "PATCH",
                &rule_path,
                &admin,
                Box::new(|i| json!({ "days": 10 + i })),
            ),
        ];
        for (method, path, token, body) in &writes {
            let app = &app;
            let answers = futures_util::future::join_all((0..WRITERS).map(|i| {
                let body = body(i);
                async move {
                    match *method {
                        "PATCH" => app.patch(path, token, body).await,
                        _ => app.post(path, token, body).await,
                    }
                }
            }))
            .await;
            let statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
            assert!(
                statuses.iter().all(|s| (200..300).contains(s)),
                "{backend}: {method} {path}: {statuses:?}: {:#?}",
                answers.iter().find(|a| a.status >= 300).map(|a| &a.body)
            );
        }
    }
}
