//! Screening and visitation over HTTP, on both backends: the real screening block (a
//! contract 1.2 component) asks the questions and reports the result; the caseworker's
//! decision, not the suggestion, is what the citizen and the audience rules see; every
//! result is kept; municipalities and citizens are kept apart.

use jobunivers_host::runtime::model::{Localized, RawManifest};
use jobunivers_host::runtime::validate;
use serde_json::{json, Value};

use super::{install, publish_component, spawn_apps, spawn_apps_with, TestApp};

const DAY_MS: i64 = 86_400_000;

async fn citizen(app: &TestApp, id: &str, code: &str) -> String {
    app.citizen(id, code, &[]).await
}

fn blocks(page: &Value) -> Vec<String> {
    page["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["block"].as_str().unwrap().to_owned())
        .collect()
}

/// The screening block, and two blocks shown only to citizens on a track, in 0101.
async fn setup(app: &TestApp) -> i64 {
    let (vendor, key) = app.vendor("jobunivers").await;
    publish_component(app, &vendor, &key, "screening").await;
    let (fixtures, fkey) = app.vendor("fixtures").await;
    publish_component(app, &fixtures, &fkey, "fixture_hello").await;
    let (acme, akey) = app.vendor("acme").await;
    app.publish_approved(&acme, &akey, "v1_0_0").await;
    let screening = install(
        app,
        "0101",
        json!({ "block": "jobunivers.screening", "granted": ["screening", "storage"], "position": 1 }),
    )
    .await;
    install(
        app,
        "0101",
        json!({ "block": "fixtures.hello", "audience": { "tracks": ["personal-effort"] }, "position": 2 }),
    )
    .await;
    install(
        app,
        "0101",
        json!({ "block": "acme.widget", "granted": ["storage"], "audience": { "tracks": ["mixed"] }, "position": 3 }),
    )
    .await;
    screening
}

/// Answers per step of the default questionnaire that add up to 6 points (mixed).
fn mixed_answers() -> [Value; 4] {
    [
        json!({ "soegning": "ugentligt", "maal": "klart", "cv": "gammelt" }),
        json!({ "tryghed": "nogenlunde", "udstyr": "ja" }),
        json!({ "samtaler": "fast", "arbejdsform": "digitalt" }),
        json!({ "helbred": "nej", "sprog": "nej", "ledighed": "under-3" }),
    ]
}

/// Answers that add up to all 31 points (personal effort).
fn heavy_answers() -> [Value; 4] {
    [
        json!({ "soegning": "ikke-startet", "maal": "tvivl", "cv": "nej" }),
        json!({ "tryghed": "utryg", "udstyr": "nej" }),
        json!({ "samtaler": "fast", "arbejdsform": "sammen" }),
        json!({ "helbred": "meget", "sprog": "ja", "ledighed": "over-12" }),
    ]
}

async fn act(app: &TestApp, token: &str, installation: i64, action: &str, fields: Value) -> Value {
    let view = app
        .post(
            &format!("/api/v1/universe/blocks/{installation}/actions"),
            token,
            json!({ "action": action, "fields": fields }),
        )
        .await
        .expect(200);
    assert_eq!(view["status"], "ok", "{view:#}");
    view["page"].clone()
}

/// Take the screening through the block's forms; the last page.
async fn take(app: &TestApp, token: &str, installation: i64, answers: [Value; 4]) -> Value {
    let page = act(app, token, installation, "start", json!({})).await;
    assert!(page.to_string().contains("answer/0"), "{page:#}");
    let mut last = Value::Null;
    for (i, fields) in answers.into_iter().enumerate() {
        last = act(app, token, installation, &format!("answer/{i}"), fields).await;
    }
    last
}

async fn consent(app: &TestApp, token: &str, installation: i64) {
    app.post(
        &format!("/api/v1/me/consents/{installation}"),
        token,
        json!({ "capability": "screening", "allow": true }),
    )
    .await
    .expect(200);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_block_suggests_and_the_caseworkers_decision_is_what_counts() {
    for app in spawn_apps().await {
        let backend = app.backend;
        let inst = setup(&app).await;
        let anna = citizen(&app, "anna-screen", "0101").await;
        let caseworker = app.login("caseworker", Some("0101")).await;

        // No decision yet: only the blocks without a track rule.
        let page = app.get("/api/v1/universe", &anna).await.expect(200);
        assert_eq!(blocks(&page), ["jobunivers.screening"], "{backend}");
        // Without consent the block asks for it (and does not fail).
        let text = page["blocks"][0]["page"].to_string();
        assert!(text.contains("Samtykke mangler"), "{backend}: {text}");
        consent(&app, &anna, inst).await;
        let view = app
            .get(&format!("/api/v1/universe/blocks/{inst}"), &anna)
            .await
            .expect(200);
        assert!(
            view["page"].to_string().contains("din første screening"),
            "{backend}: {view:#}"
        );

        // A step submitted half-answered comes back with the error next to the field.
        act(&app, &anna, inst, "start", json!({})).await;
        let page = act(
            &app,
            &anna,
            inst,
            "answer/0",
            json!({ "soegning": "ugentligt", "maal": "klart" }),
        )
        .await;
        let cv = page["elements"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["type"] == "form" || e.get("fields").is_some())
            .and_then(|f| f["fields"].as_array())
            .and_then(|fields| fields.iter().find(|f| f["name"] == "cv"))
            .cloned()
            .unwrap_or_else(|| panic!("{backend}: no cv field in {page:#}"));
        assert_eq!(cv["error"], "Vælg et svar.", "{backend}: {cv:#}");

        // The whole questionnaire: the suggestion and every factor behind it.
        let result = take(&app, &anna, inst, mixed_answers()).await;
        let text = result.to_string();
        assert!(text.contains("Forslag: Blandet"), "{backend}: {text}");
        assert!(text.contains("Dine svar er gemt"), "{backend}: {text}");
        assert!(text.contains("ikke en afgørelse"), "{backend}: {text}");
        assert!(text.contains("(+4 point)"), "{backend}: {text}");

        let mine = app.get("/api/v1/me/screening", &anna).await.expect(200);
        let latest = &mine["latest"];
        assert_eq!(latest["suggested"], "mixed", "{backend}: {mine:#}");
        assert_eq!(latest["score"], 6);
        assert_eq!(latest["block"], "jobunivers.screening");
        assert_eq!(latest["answers"].as_array().unwrap().len(), 10);
        let talks = latest["answers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["question_id"] == "samtaler")
            .unwrap();
        assert_eq!(talks["value"], "fast");
        assert_eq!(talks["contribution"], 4);
        assert_eq!(talks["answer"]["da"], "Jeg vil gerne have faste samtaler");
        assert!(latest["reasons"][0]["da"]
            .as_str()
            .unwrap()
            .contains("6 point"));
        assert_eq!(mine["decision"], Value::Null);
        assert_eq!(mine["history"].as_array().unwrap().len(), 1);
        assert_eq!(mine["rescreen_days"], 90);
        assert_eq!(mine["due"], false);
        let created = latest["created_ms"].as_i64().unwrap();
        assert_eq!(mine["next_due_ms"], created + 90 * DAY_MS);
        assert!(mine["note"]["da"].as_str().unwrap().contains("beslutter"));

        // A suggestion is not a track: the audience rules still see none.
        let page = app.get("/api/v1/universe", &anna).await.expect(200);
        assert_eq!(blocks(&page), ["jobunivers.screening"], "{backend}");

        // The caseworker sees it (and the read is on Anna's access log) and overrides it.
        let seen = app
            .get("/api/v1/visitation/anna-screen", &caseworker)
            .await
            .expect(200);
        assert_eq!(seen["latest"]["id"], latest["id"]);
        assert_eq!(seen["latest"]["answers"], latest["answers"]);
        let log = app.get("/api/v1/me/access-log", &anna).await.expect(200);
        assert!(
            log.as_array()
                .unwrap()
                .iter()
                .any(|e| e["why"] == "caseworker visitation"
                    && e["actor"] == "caseworker:caseworker-user@0101"),
            "{backend}: {log:#}"
        );
        let decision = app
            .post(
                "/api/v1/visitation/anna-screen/decisions",
                &caseworker,
                json!({ "screening": latest["id"], "track": "personal-effort", "reason": "Vi talte sammen: faste samtaler passer bedre til dig lige nu." }),
            )
            .await
            .expect(201);
        assert_eq!(decision["track"], "personal-effort");
        assert_eq!(decision["suggested"], "mixed");
        assert_eq!(decision["overrides"], true);
        assert_eq!(decision["caseworker"], "caseworker:caseworker-user@0101");

        // The citizen sees the decision and its reason, and the audience follows it.
        let mine = app.get("/api/v1/me/screening", &anna).await.expect(200);
        assert_eq!(mine["decision"]["track"], "personal-effort", "{backend}");
        assert_eq!(
            mine["decision"]["reason"],
            "Vi talte sammen: faste samtaler passer bedre til dig lige nu."
        );
        let page = app.get("/api/v1/universe", &anna).await.expect(200);
        assert_eq!(
            blocks(&page),
            ["jobunivers.screening", "fixtures.hello"],
            "{backend}"
        );
        let text = page["blocks"][0]["page"].to_string();
        assert!(
            text.contains("Indsats: Personlig indsats"),
            "{backend}: {text}"
        );
        assert!(
            text.contains("faste samtaler passer bedre"),
            "{backend}: {text}"
        );
        assert!(text.contains("anden indsats end screeningens forslag"));

        // Screening again: the history keeps both, the decision stands until the next.
        let result = take(&app, &anna, inst, heavy_answers()).await;
        assert!(result.to_string().contains("Forslag: Personlig indsats"));
        let mine = app.get("/api/v1/me/screening", &anna).await.expect(200);
        let history = mine["history"].as_array().unwrap();
        assert_eq!(history.len(), 2, "{backend}");
        assert_eq!(history[0]["score"], 31);
        assert_eq!(history[1]["id"], latest["id"]);
        assert_eq!(mine["decision"]["track"], "personal-effort");
        assert_eq!(mine["decisions"].as_array().unwrap().len(), 1);
        // A decision answers the latest screening only.
        app.post(
            "/api/v1/visitation/anna-screen/decisions",
            &caseworker,
            json!({ "screening": latest["id"], "track": "mixed", "reason": "For gammel" }),
        )
        .await
        .expect_problem(409, "stale-screening");
        let confirm = app
            .post(
                "/api/v1/visitation/anna-screen/decisions",
                &caseworker,
                json!({ "screening": history[0]["id"], "track": "mixed", "reason": "Vi prøver blandet med samtaler hver måned." }),
            )
            .await
            .expect(201);
        assert_eq!(confirm["overrides"], true);
        let page = app.get("/api/v1/universe", &anna).await.expect(200);
        assert_eq!(
            blocks(&page),
            ["jobunivers.screening", "acme.widget"],
            "{backend}"
        );

        // The caseworker's list filters on the decided track, and the timeline has it.
        let mixed = app
            .get("/api/v1/caseworker/citizens?track=mixed", &caseworker)
            .await
            .expect(200);
        let ids: Vec<&str> = mixed
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["anna-screen"], "{backend}");
        assert_eq!(mixed[0]["track"], "mixed");
        let effort = app
            .get(
                "/api/v1/caseworker/citizens?track=personal-effort",
                &caseworker,
            )
            .await
            .expect(200);
        assert!(
            effort
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["id"] != "anna-screen"),
            "{backend}: the newest decision counts"
        );
        let undecided = app
            .get("/api/v1/caseworker/citizens?track=none", &caseworker)
            .await
            .expect(200);
        assert!(undecided
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["id"] != "anna-screen" && c["track"].is_null()));
        let card = app
            .get("/api/v1/caseworker/citizens/anna-screen", &caseworker)
            .await
            .expect(200);
        assert_eq!(card["screening"].as_array().unwrap().len(), 4, "{backend}");
        assert!(card["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "decision"));

        // What a caseworker timeline shows: both screenings and both decisions, newest
        // first; the track is the newest decision.
        let db = app.server.market.db();
        let timeline = jobunivers_host::screening::screening_timeline(db, "anna-screen")
            .await
            .unwrap();
        let kinds: Vec<&str> = timeline.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            ["decision", "screening", "decision", "screening"],
            "{backend}: {timeline:?}"
        );
        assert!(timeline[0]
            .summary
            .contains("blandet i stedet for forslaget"));
        assert_eq!(
            jobunivers_host::screening::latest_decision(db, "anna-screen")
                .await
                .unwrap(),
            Some(jobunivers_host::caps::Track::Mixed)
        );
        assert_eq!(
            jobunivers_host::screening::latest_decision(db, "nobody")
                .await
                .unwrap(),
            None
        );

        // The municipality sets the interval; the citizen sees when the next is due.
        let admin = app.login("admin", Some("0101")).await;
        let settings = app
            .send(
                reqwest::Method::PUT,
                "/api/v1/municipalities/0101/screening-settings",
                Some(&admin),
                Some(json!({ "rescreen_days": 30 })),
                None,
            )
            .await
            .expect(200);
        assert_eq!(settings["rescreen_days"], 30);
        assert_eq!(settings["default"], false);
        let mine = app.get("/api/v1/me/screening", &anna).await.expect(200);
        assert_eq!(mine["rescreen_days"], 30);
        let newest = mine["latest"]["created_ms"].as_i64().unwrap();
        assert_eq!(mine["next_due_ms"], newest + 30 * DAY_MS);
        app.get(
            "/api/v1/municipalities/0101/screening-settings",
            &caseworker,
        )
        .await
        .expect(200);

        // The export holds both screenings and both decisions.
        let export = app.get("/api/v1/me/export", &anna).await.expect(200);
        assert_eq!(
            export["screening"]["screenings"].as_array().unwrap().len(),
            2
        );
        assert_eq!(
            export["screening"]["decisions"].as_array().unwrap().len(),
            2
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn other_municipalities_and_other_citizens_get_nothing_and_bad_input_is_named() {
    for app in spawn_apps().await {
        let backend = app.backend;
        let inst = setup(&app).await;
        let anna = citizen(&app, "anna-screen", "0101").await;
        let bo = citizen(&app, "bo-screen", "0101").await;
        consent(&app, &anna, inst).await;
        take(&app, &anna, inst, mixed_answers()).await;
        let id = app.get("/api/v1/me/screening", &anna).await.expect(200)["latest"]["id"]
            .as_i64()
            .unwrap();
        let decisions = app.count("track_decisions").await;
        let log_before = app.count("data_access_log").await;

        // A caseworker of another municipality: no such citizen, and nothing written.
        let other = app.login("caseworker", Some("0147")).await;
        let answer = app.get("/api/v1/visitation/anna-screen", &other).await;
        let body = answer.expect_problem(404, "unknown-citizen");
        assert!(
            !body.to_string().contains("mixed"),
            "{backend}: leaks: {body}"
        );
        app.post(
            "/api/v1/visitation/anna-screen/decisions",
            &other,
            json!({ "screening": id, "track": "mixed", "reason": "Forsøg" }),
        )
        .await
        .expect_problem(404, "unknown-citizen");
        assert_eq!(app.count("track_decisions").await, decisions, "{backend}");
        assert_eq!(app.count("data_access_log").await, log_before, "{backend}");
        let admin_other = app.login("admin", Some("0147")).await;
        app.send(
            reqwest::Method::PUT,
            "/api/v1/municipalities/0101/screening-settings",
            Some(&admin_other),
            Some(json!({ "rescreen_days": 5 })),
            None,
        )
        .await
        .expect_problem(403, "other-tenant");

        // Another citizen sees only their own (nothing), and cannot act as staff.
        let mine = app.get("/api/v1/me/screening", &bo).await.expect(200);
        assert_eq!(mine["latest"], Value::Null, "{backend}");
        assert_eq!(mine["history"], json!([]));
        assert_eq!(mine["due"], true);
        app.get("/api/v1/visitation/anna-screen", &bo)
            .await
            .expect_problem(403, "wrong-role");
        app.post(
            "/api/v1/visitation/anna-screen/decisions",
            &bo,
            json!({ "screening": id, "track": "mixed", "reason": "Mig selv" }),
        )
        .await
        .expect_problem(403, "wrong-role");
        let export = app.get("/api/v1/me/export", &bo).await.expect(200);
        assert_eq!(export["screening"]["screenings"], json!([]), "{backend}");

        // Bad decisions are named precisely, and nothing is written.
        let caseworker = app.login("caseworker", Some("0101")).await;
        let p = app
            .post(
                "/api/v1/visitation/anna-screen/decisions",
                &caseworker,
                json!({ "screening": id, "track": "fast-track", "reason": "Fordi" }),
            )
            .await
            .expect_problem(422, "invalid-track");
        assert_eq!(p["pointer"], "/track", "{p:#}");
        assert!(p["detail"]
            .as_str()
            .unwrap()
            .contains("self-service, mixed, personal-effort"));
        let p = app
            .post(
                "/api/v1/visitation/anna-screen/decisions",
                &caseworker,
                json!({ "screening": id, "track": "mixed", "reason": "   " }),
            )
            .await
            .expect_problem(422, "invalid-reason");
        assert_eq!(p["pointer"], "/reason");
        let p = app
            .post(
                "/api/v1/visitation/anna-screen/decisions",
                &caseworker,
                json!({ "screening": id, "track": "mixed", "reason": "x".repeat(2001) }),
            )
            .await
            .expect_problem(422, "invalid-reason");
        assert_eq!(p["pointer"], "/reason");
        let p = app
            .post(
                "/api/v1/visitation/anna-screen/decisions",
                &caseworker,
                json!({ "screening": id + 1000, "track": "mixed", "reason": "Fordi" }),
            )
            .await
            .expect_problem(422, "unknown-screening");
        assert_eq!(p["pointer"], "/screening");
        app.post(
            "/api/v1/visitation/bo-screen/decisions",
            &caseworker,
            json!({ "screening": id, "track": "mixed", "reason": "Fordi" }),
        )
        .await
        .expect_problem(409, "not-screened");
        app.post(
            "/api/v1/visitation/nobody/decisions",
            &caseworker,
            json!({ "screening": id, "track": "mixed", "reason": "Fordi" }),
        )
        .await
        .expect_problem(404, "unknown-citizen");
        assert_eq!(app.count("track_decisions").await, decisions, "{backend}");

        // Audience tracks and the interval are checked too.
        let admin = app.login("admin", Some("0101")).await;
        let p = app
            .post(
                "/api/v1/municipalities/0101/installations",
                &admin,
                json!({ "block": "fixtures.hello", "audience": { "tracks": ["mixed", "fast-track"] } }),
            )
            .await
            .expect_problem(422, "invalid-audience");
        assert_eq!(p["pointer"], "/audience/tracks/1", "{p:#}");
        for bad in [0, 731] {
            let p = app
                .send(
                    reqwest::Method::PUT,
                    "/api/v1/municipalities/0101/screening-settings",
                    Some(&admin),
                    Some(json!({ "rescreen_days": bad })),
                    None,
                )
                .await
                .expect_problem(422, "invalid-rescreen-days");
            assert_eq!(p["pointer"], "/rescreen_days");
        }
        let settings = app
            .get("/api/v1/municipalities/0101/screening-settings", &admin)
            .await
            .expect(200);
        assert_eq!(settings["rescreen_days"], 90);
        assert_eq!(settings["default"], true);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_shows_a_screened_citizen_and_an_overridden_decision() {
    for app in spawn_apps_with(|c| c.demo = true).await {
        let backend = app.backend;
        let catalog = app.get_anon("/api/v1/catalog").await.expect(200);
        assert_eq!(catalog["total"], 7, "{backend}");
        let citizen = app
            .send(
                reqwest::Method::POST,
                "/api/v1/dev/login",
                None,
                Some(json!({ "user": "demo-citizen" })),
                None,
            )
            .await
            .expect(200)["token"]
            .as_str()
            .unwrap()
            .to_owned();
        let mine = app.get("/api/v1/me/screening", &citizen).await.expect(200);
        assert_eq!(
            mine["history"].as_array().unwrap().len(),
            2,
            "{backend}: {mine:#}"
        );
        assert_eq!(mine["latest"]["suggested"], "mixed");
        assert_eq!(mine["decision"]["track"], "personal-effort");
        assert_eq!(mine["decision"]["overrides"], true);
        let page = app.get("/api/v1/universe", &citizen).await.expect(200);
        let screening = page["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["block"] == "jobunivers.screening")
            .unwrap_or_else(|| panic!("{backend}: {page:#}"));
        assert!(
            screening["page"]
                .to_string()
                .contains("Indsats: Personlig indsats"),
            "{backend}: {screening:#}"
        );
        let caseworker = app
            .send(
                reqwest::Method::POST,
                "/api/v1/dev/login",
                None,
                Some(json!({ "user": "caseworker-0751" })),
                None,
            )
            .await
            .expect(200)["token"]
            .as_str()
            .unwrap()
            .to_owned();
        let two = app
            .get("/api/v1/visitation/demo-citizen-2", &caseworker)
            .await
            .expect(200);
        assert_eq!(two["decision"]["overrides"], false, "{backend}");
        let three = app
            .get("/api/v1/visitation/demo-citizen-3", &caseworker)
            .await
            .expect(200);
        assert_eq!(three["decision"], Value::Null);
        assert_eq!(three["due"], true, "{backend}: {three:#}");
    }
}

fn raw_manifest(category: &str) -> RawManifest {
    let text = |s: &str| Localized {
        da: s.into(),
        en: s.into(),
    };
    RawManifest {
        id: "acme.quiz".into(),
        name: text("Quiz"),
        description: text("A quiz"),
        version: "1.0.0".into(),
        category: category.into(),
        capabilities: vec![jobunivers_host::runtime::model::CapabilityRequest {
            name: "screening".into(),
            reason: text("Keeps the result"),
        }],
        config_schema: "{}".into(),
        default_config: "{}".into(),
    }
}

#[test]
fn only_a_screening_block_of_contract_1_2_may_ask_for_screening() {
    assert!(validate::manifest(raw_manifest("screening"), 2).is_ok());
    let e = validate::manifest(raw_manifest("course"), 2).unwrap_err();
    assert!(
        e.contains("only for blocks of category 'screening', not 'course'"),
        "{e}"
    );
    let e = validate::manifest(raw_manifest("screening"), 1).unwrap_err();
    assert!(e.contains("needs contract 1.2 or later"), "{e}");
}
