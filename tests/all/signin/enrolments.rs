//! A citizen whose provider names their CPR number but not their municipality (as a
//! MitID broker may): unknown until a municipality enrols the number, then a citizen
//! of that municipality. A municipality the provider does name decides.

use serde_json::json;

use super::harness::{citizens, count, nothing_written, sessions, spawn, Agent};

#[tokio::test(flavor = "multi_thread")]
async fn a_citizen_known_by_cpr_number_belongs_to_the_municipality_that_enrolled_them() {
    for (app, _provider) in spawn().await {
        let backend = app.backend;
        // Not enrolled yet: the page saying to contact the jobcentre, nothing written.
        let mut b = Agent::new();
        let (done, _) = b.sign_in(&app, "citizens-list", "olga").await;
        assert_eq!(done.status, 403, "{backend}: {}", done.body);
        assert!(
            done.body
                .contains("Vi kan ikke se, hvilken kommune du hører til"),
            "{}",
            done.body
        );
        nothing_written(&app).await;

        // Copenhagen's admin enrols her CPR number.
        let admin = app.login("admin", Some("0101")).await;
        let done = app
            .post(
                "/api/v1/municipalities/0101/enrolments",
                &admin,
                json!({ "citizens": [{ "cpr": "230485-1234", "note": "sag 9" }] }),
            )
            .await
            .expect(200);
        assert_eq!(done["added"], 1);

        let mut b = Agent::new();
        let (done, _) = b.sign_in(&app, "citizens-list", "olga").await;
        assert_eq!(done.status, 303, "{backend}: {}", done.body);
        assert_eq!(done.location, format!("{}/universe", app.url));
        let page = b.get(&format!("{}/universe", app.url)).await;
        assert_eq!(page.status, 200, "{backend}: {}", page.body);
        let enrolled = citizens(&app).await;
        assert_eq!(enrolled.len(), 1, "{backend}");
        assert_eq!(enrolled[0].1, "0101");
        assert!(enrolled[0].0.starts_with("c-"));
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM sessions WHERE provider = 'citizens-list' AND role = 'citizen' AND tenant = '0101'").await,
            1,
            "{backend}"
        );
        // The citizen's pseudonym is made from the subject as always, not the CPR number.
        assert!(!enrolled[0].0.contains("2304851234"));

        // A municipality the provider names decides, whatever the lists say.
        app.post(
            "/api/v1/municipalities/0101/enrolments",
            &admin,
            json!({ "citizens": [{ "cpr": "1102031234" }] }),
        )
        .await
        .expect(200);
        let mut b = Agent::new();
        let (done, _) = b.sign_in(&app, "citizens-both", "mads").await;
        assert_eq!(done.status, 303, "{backend}: {}", done.body);
        let enrolled = citizens(&app).await;
        assert_eq!(enrolled.len(), 2, "{backend}");
        assert!(
            enrolled.iter().any(|(_, code)| code == "0751"),
            "{enrolled:?}"
        );
        // ... and one who names none is found in the lists through that provider too.
        let mut b = Agent::new();
        let (done, _) = b.sign_in(&app, "citizens-both", "olga").await;
        assert_eq!(done.status, 303, "{backend}: {}", done.body);
        assert_eq!(citizens(&app).await.len(), 2, "{backend}");
        assert_eq!(sessions(&app).await, 3, "{backend}");
    }
}
