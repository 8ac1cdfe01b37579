//! The citizen keeps their own profile over HTTP (`/api/v1/me/profile`): job wishes
//! from ESCO by Danish label, education, CV text, area, start date and contact
//! preferences; every change recorded and raising a `profile-changed` event; bad input
//! named field by field with nothing written; nobody else reads or writes it.

use serde_json::{json, Value};
use sqlx::Row;

use super::{spawn_apps, TestApp};

const LAGER: &str = "http://data.europa.eu/esco/occupation/bea705fe-06ac-4147-b8e0-6e8ac1208d8f";
const TRUCK: &str = "http://data.europa.eu/esco/occupation/eeac6251-1974-42f5-91ed-513c6c883755";
const SKILL: &str = "http://data.europa.eu/esco/skill/ab6265f2-a9bf-49e8-a9a5-67cbab4de38b";

async fn concepts(app: &TestApp) {
    jobunivers_host::demo::seed_demo_concepts(app.server.market.db())
        .await
        .unwrap();
}

/// (changes recorded, events waiting) for a citizen.
async fn counts(app: &TestApp, citizen: &str) -> (i64, i64) {
    let pool = app.server.market.db().pool();
    let changes: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM profile_changes WHERE citizen_id = $1")
            .bind(citizen)
            .fetch_one(pool)
            .await
            .unwrap()
            .get("n");
    let events: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM block_events WHERE citizen_id = $1 AND kind = 'profile-changed' AND delivered_ms IS NULL",
    )
    .bind(citizen)
    .fetch_one(pool)
    .await
    .unwrap()
    .get("n");
    (changes, events)
}

fn pointers(problem: &Value) -> Vec<String> {
    let mut p: Vec<String> = problem["errors"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|e| e["pointer"].as_str().unwrap().to_owned())
        .collect();
    p.sort();
    p
}

#[tokio::test]
async fn a_citizen_keeps_their_profile_and_each_change_is_recorded_and_announced() {
    for app in spawn_apps().await {
        concepts(&app).await;
        let token = app.citizen("prof-1", "0101", &[]).await;
        let empty = app.get("/api/v1/me/profile", &token).await.expect(200);
        assert_eq!(empty["desired_occupations"], json!([]), "{}", app.backend);
        assert_eq!(empty["updated_ms"], Value::Null);

        // Found by their Danish label, chosen by URI.
        let found = app
            .get("/api/v1/me/profile/occupations?q=lager", &token)
            .await
            .expect(200);
        let labels: Vec<&str> = found
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["label"].as_str().unwrap())
            .collect();
        assert!(labels.contains(&"Lagermedarbejder"), "{labels:?}");
        assert!(
            !found.as_array().unwrap().iter().any(|o| o["uri"] == SKILL),
            "skills are not occupations: {found:#}"
        );

        let changed = app
            .patch(
                "/api/v1/me/profile",
                &token,
                json!({
                    "desired_occupations": [LAGER, TRUCK],
                    "education": [{ "title": "Lagerlogistik", "institution": "AMU Aarhus", "year": 2019 }],
                    "cv_text": "  Ti års erfaring fra lager og truck.  ",
                    "preferred_area": { "postal_code": "8000", "city": "Aarhus C", "max_commute_km": 30 },
                    "available_from": "2027-01-04",
                    "contact": {
                        "email": "borger@example.dk",
                        "mobile": "20 30 40 50",
                        "channels": { "jobs": ["sms", "email", "sms"], "messages": [] }
                    }
                }),
            )
            .await
            .expect(200);
        assert_eq!(
            changed["desired_occupations"][0]["label"],
            "Lagermedarbejder"
        );
        assert_eq!(changed["desired_occupations"][1]["label"], "Truckfører");
        assert_eq!(changed["cv_text"], "Ti års erfaring fra lager og truck.");
        assert_eq!(changed["contact"]["mobile"], "+4520304050");
        assert_eq!(
            changed["contact"]["channels"],
            json!({ "jobs": ["email", "sms"] }),
            "sorted, once each, empty kinds left out"
        );
        assert!(changed["updated_ms"].as_i64().is_some());
        assert_eq!(
            app.get("/api/v1/me/profile", &token).await.expect(200),
            changed
        );
        assert_eq!(counts(&app, "prof-1").await, (1, 1), "{}", app.backend);
        let event = sqlx::query(
            "SELECT payload, municipality_code FROM block_events WHERE citizen_id = $1",
        )
        .bind("prof-1")
        .fetch_one(app.server.market.db().pool())
        .await
        .unwrap();
        let payload: Value = serde_json::from_str(&event.get::<String, _>("payload")).unwrap();
        assert_eq!(
            payload["parts"],
            json!([
                "desired_occupations",
                "education",
                "cv_text",
                "preferred_area",
                "available_from",
                "contact"
            ])
        );
        assert_eq!(event.get::<String, _>("municipality_code"), "0101");

        // The same again changes nothing, so nothing is written.
        app.patch(
            "/api/v1/me/profile",
            &token,
            json!({ "cv_text": "Ti års erfaring fra lager og truck.", "desired_occupations": [LAGER, TRUCK] }),
        )
        .await
        .expect(200);
        assert_eq!(counts(&app, "prof-1").await, (1, 1));

        // One part; the rest stays. null clears what may be empty.
        let after = app
            .patch(
                "/api/v1/me/profile",
                &token,
                json!({ "preferred_area": null, "available_from": null }),
            )
            .await
            .expect(200);
        assert_eq!(after["preferred_area"], Value::Null);
        assert_eq!(after["available_from"], Value::Null);
        assert_eq!(after["desired_occupations"], changed["desired_occupations"]);
        assert_eq!(counts(&app, "prof-1").await, (2, 2));

        // The blocks read it through the profile capability.
        let stored = app
            .server
            .universe
            .provider()
            .profile_unlogged("prof-1")
            .await
            .unwrap();
        assert_eq!(stored.desired_occupations.unwrap().len(), 2);

        // The export shows the preferences and the record of changes.
        let export = app.get("/api/v1/me/export", &token).await.expect(200);
        assert_eq!(export["contact"]["email"], "borger@example.dk");
        assert_eq!(export["profile_changes"].as_array().unwrap().len(), 2);
        assert_eq!(export["profile_changes"][0]["changed_by"], "prof-1");
        assert_eq!(
            export["profile_changes"][0]["parts"],
            json!(["preferred_area", "available_from"])
        );
    }
}

#[tokio::test]
async fn bad_input_is_named_field_by_field_and_writes_nothing() {
    for app in spawn_apps().await {
        concepts(&app).await;
        let token = app.citizen("prof-2", "0101", &[]).await;
        app.patch("/api/v1/me/profile", &token, json!({ "cv_text": "Før" }))
            .await
            .expect(200);
        let before = app.get("/api/v1/me/profile", &token).await.expect(200);
        let refused = app
            .patch(
                "/api/v1/me/profile",
                &token,
                json!({
                    "desired_occupations": [LAGER, LAGER, SKILL, "http://example.com/job"],
                    "education": [{ "title": " ", "institution": "x".repeat(201), "year": 1800 }],
                    "cv_text": "x".repeat(10_001),
                    "preferred_area": { "postal_code": "080", "city": "", "max_commute_km": 5000 },
                    "available_from": "2027-02-30",
                    "contact": {
                        "email": "not an address",
                        "mobile": "1234",
                        "channels": { "jobs": ["email", "pigeon"], "gossip": ["sms"] }
                    }
                }),
            )
            .await
            .expect_problem(422, "profile-invalid");
        assert_eq!(
            pointers(&refused),
            vec![
                "/available_from",
                "/contact/channels/gossip",
                "/contact/channels/jobs/1",
                "/contact/email",
                "/contact/mobile",
                "/cv_text",
                "/desired_occupations/1",
                "/desired_occupations/2",
                "/desired_occupations/3",
                "/education/0/institution",
                "/education/0/title",
                "/education/0/year",
                "/preferred_area/city",
                "/preferred_area/max_commute_km",
                "/preferred_area/postal_code",
            ],
            "{refused:#}"
        );
        // One good part beside a bad one is not written either.
        app.patch(
            "/api/v1/me/profile",
            &token,
            json!({ "cv_text": "Efter", "contact": { "mobile": "0000" } }),
        )
        .await
        .expect_problem(422, "profile-invalid");
        // Too many, a NUL, unknown fields, wrong types.
        let many: Vec<String> = (0..11).map(|_| LAGER.to_owned()).collect();
        let refused = app
            .patch(
                "/api/v1/me/profile",
                &token,
                json!({ "desired_occupations": many }),
            )
            .await
            .expect_problem(422, "profile-invalid");
        assert!(pointers(&refused).contains(&"/desired_occupations".to_owned()));
        app.patch(
            "/api/v1/me/profile",
            &token,
            json!({ "cv_text": "a\u{0}b" }),
        )
        .await
        .expect_problem(422, "profile-invalid");
        let unknown = app
            .patch("/api/v1/me/profile", &token, json!({ "cpr": "0101701234" }))
            .await;
        assert!(matches!(unknown.status, 400 | 422), "{}", unknown.status);
        // Wrong types, and arrays where objects belong (serde would read a struct from
        // an array, its fields in order).
        for body in [
            json!({ "education": "lots" }),
            json!({ "contact": [null, null] }),
            json!({ "contact": ["a@example.dk", null, {}] }),
            json!({ "preferred_area": ["8000", "Aarhus", 10] }),
            json!({ "education": [["Lager", "AMU", 2019]] }),
        ] {
            let wrong = app.patch("/api/v1/me/profile", &token, body.clone()).await;
            assert!(
                matches!(wrong.status, 400 | 422),
                "{body}: {}",
                wrong.status
            );
        }

        assert_eq!(
            app.get("/api/v1/me/profile", &token).await.expect(200),
            before
        );
        assert_eq!(counts(&app, "prof-2").await, (1, 1), "{}", app.backend);
        let long = "lager ".repeat(40);
        app.get(&format!("/api/v1/me/profile/occupations?q={long}"), &token)
            .await
            .expect_problem(400, "search-too-long");
    }
}

#[tokio::test]
async fn only_the_citizen_reads_and_changes_their_profile() {
    for app in spawn_apps().await {
        let mine = app.citizen("prof-3", "0101", &[]).await;
        app.patch("/api/v1/me/profile", &mine, json!({ "cv_text": "Mit CV" }))
            .await
            .expect(200);
        // Another citizen, of this municipality or another, sees only their own.
        let other = app.citizen("prof-4", "0751", &[]).await;
        assert_eq!(
            app.get("/api/v1/me/profile", &other).await.expect(200)["cv_text"],
            ""
        );
        app.patch("/api/v1/me/profile", &other, json!({ "cv_text": "Andet" }))
            .await
            .expect(200);
        assert_eq!(
            app.get("/api/v1/me/profile", &mine).await.expect(200)["cv_text"],
            "Mit CV"
        );
        // A token naming another municipality than the citizen's.
        let moved = app.citizen_token("prof-3", "0751").await;
        app.get("/api/v1/me/profile", &moved)
            .await
            .expect_problem(403, "other-tenant");
        // Not registered.
        let stranger = app.citizen_token("prof-nobody", "0101").await;
        app.patch("/api/v1/me/profile", &stranger, json!({ "cv_text": "x" }))
            .await
            .expect(404);
        // Staff and vendors have no profile to keep.
        for (role, tenant) in [
            ("caseworker", Some("0101")),
            ("admin", Some("0101")),
            ("operator", None),
            ("vendor", Some("acme")),
        ] {
            let token = app.login(role, tenant).await;
            app.get("/api/v1/me/profile", &token).await.expect(403);
            app.patch("/api/v1/me/profile", &token, json!({ "cv_text": "x" }))
                .await
                .expect(403);
            app.get("/api/v1/me/profile/occupations?q=lager", &token)
                .await
                .expect(403);
        }
        app.get_anon("/api/v1/me/profile").await.expect(401);
        assert_eq!(counts(&app, "prof-3").await, (1, 1), "{}", app.backend);
    }
}

#[tokio::test]
async fn occupations_the_profile_already_holds_stay_when_one_is_added() {
    for app in spawn_apps().await {
        concepts(&app).await;
        let token = app.citizen("prof-5", "0101", &[]).await;
        // Set by a case system: an ISCO group the imported concepts do not name.
        let isco = "http://data.europa.eu/esco/isco/C9333";
        let mut profile = jobunivers_host::demo::profile();
        profile.desired_occupations = Some(vec![jobunivers_host::caps::Concept {
            uri: isco.into(),
            label: "Lagerarbejde".into(),
        }]);
        app.server
            .universe
            .provider()
            .set_profile("prof-5", &profile)
            .await
            .unwrap();
        let changed = app
            .patch(
                "/api/v1/me/profile",
                &token,
                json!({ "desired_occupations": [isco, LAGER] }),
            )
            .await
            .expect(200);
        assert_eq!(
            changed["desired_occupations"],
            json!([
                { "uri": isco, "label": "Lagerarbejde" },
                { "uri": LAGER, "label": "Lagermedarbejder" }
            ]),
            "{}",
            app.backend
        );
        // Once removed, it cannot come back unless it is an imported occupation.
        app.patch(
            "/api/v1/me/profile",
            &token,
            json!({ "desired_occupations": [LAGER] }),
        )
        .await
        .expect(200);
        app.patch(
            "/api/v1/me/profile",
            &token,
            json!({ "desired_occupations": [isco] }),
        )
        .await
        .expect_problem(422, "profile-invalid");
    }
}

/// Changes of different parts at the same moment all hold: each is written over what
/// is stored when it commits, not over what it read before.
#[tokio::test(flavor = "multi_thread")]
async fn concurrent_changes_of_different_parts_all_hold() {
    for app in spawn_apps().await {
        let backend = app.backend;
        concepts(&app).await;
        let token = app.citizen("prof-race", "0101", &[]).await;
        for round in 0..3 {
            let cv = format!("CV nummer {round}");
            let bodies = [
                json!({ "cv_text": cv }),
                json!({ "education": [{ "title": format!("Uddannelse {round}"), "institution": "Skolen", "year": 2010 }] }),
                json!({ "preferred_area": { "postal_code": "8000", "city": "Aarhus C", "max_commute_km": 10 + round } }),
                json!({ "desired_occupations": if round % 2 == 0 { vec![LAGER] } else { vec![TRUCK] } }),
                json!({ "available_from": format!("2027-01-0{}", round + 1) }),
            ];
            let answers = futures_util::future::join_all(
                bodies
                    .iter()
                    .map(|b| app.patch("/api/v1/me/profile", &token, b.clone())),
            )
            .await;
            for a in &answers {
                assert_eq!(a.status, 200, "{backend}: {}", a.body);
            }
            let now = app.get("/api/v1/me/profile", &token).await.expect(200);
            let p = &now;
            assert_eq!(p["cv_text"], cv.as_str(), "{backend}: {now}");
            assert_eq!(
                p["education"][0]["title"],
                format!("Uddannelse {round}"),
                "{backend}: {now}"
            );
            assert_eq!(
                p["preferred_area"]["max_commute_km"],
                10 + round,
                "{backend}: {now}"
            );
            assert_eq!(
                p["available_from"],
                format!("2027-01-0{}", round + 1),
                "{backend}: {now}"
            );
            let wish = if round % 2 == 0 { LAGER } else { TRUCK };
            assert_eq!(p["desired_occupations"][0]["uri"], wish, "{backend}: {now}");
        }
    }
}
