//! The dialogue between a citizen and the jobcentre: a block opens a thread, a
//! caseworker of the citizen's municipality answers, both sides see what is unread and
//! whom the thread waits for; nobody else sees it.

use jobunivers_host::caps::EscalationRequest;
use jobunivers_host::caps::{CapabilityProvider, Scope};
use jobunivers_host::runtime::model::{ChatMessage, ChatRole};
use serde_json::json;

use super::spawn_apps;

#[tokio::test(flavor = "multi_thread")]
async fn a_handover_reaches_the_caseworker_and_the_answer_reaches_the_citizen() {
    for app in spawn_apps().await {
        // A real installation for the thread to belong to.
        let (vendor, key) = app.vendor("acme").await;
        app.publish_approved(&vendor, &key, "v1_0_0").await;
        let admin = app.login("admin", Some("0751")).await;
        let inst = app
            .post(
                "/api/v1/municipalities/0751/installations",
                &admin,
                json!({ "block": "acme.widget", "granted": ["storage"] }),
            )
            .await
            .expect(201)["id"]
            .as_i64()
            .unwrap();
        let provider = app.server.universe.provider();
        provider.upsert_citizen("anna", "0751", &[]).await.unwrap();
        let scope = Scope {
            installation: inst.to_string(),
            block_id: "acme.widget".into(),
            block_version: "1.0.0".into(),
            citizen: "anna".into(),
            municipality: "0751".into(),
            now_ms: jobunivers_host::clock::now_ms(),
        };
        let transcript = vec![
            ChatMessage {
                role: ChatRole::Citizen,
                text: "Hvornår får jeg dagpenge?".into(),
                at_ms: None,
            },
            ChatMessage {
                role: ChatRole::Bot,
                text: "Det kan jeg ikke svare på. Vil du tale med en medarbejder?".into(),
                at_ms: None,
            },
        ];
        provider
            .escalate_open(
                &scope,
                EscalationRequest::ChatHandover {
                    transcript,
                    summary: "Spørgsmål om dagpenge".into(),
                },
            )
            .await
            .unwrap();

        let anna = app
            .send(
                reqwest::Method::POST,
                "/api/v1/dev/login",
                None,
                Some(json!({ "role": "citizen", "tenant": "0751", "subject": "anna" })),
                None,
            )
            .await
            .expect(200)["token"]
            .as_str()
            .unwrap()
            .to_owned();
        let caseworker = app.login("caseworker", Some("0751")).await;
        let inbox = app
            .get("/api/v1/threads?waiting=true", &caseworker)
            .await
            .expect(200);
        assert_eq!(inbox.as_array().unwrap().len(), 1, "{}", app.backend);
        assert_eq!(
            (inbox[0]["kind"].clone(), inbox[0]["waiting_for"].clone()),
            (json!("chat-handover"), json!("jobcentre"))
        );
        let id = inbox[0]["id"].as_i64().unwrap();
        assert!(inbox[0]["unread"].as_i64().unwrap() >= 1);

        // The caseworker reads the transcript (on the citizen's access log) and answers.
        let thread = app
            .get(&format!("/api/v1/threads/{id}"), &caseworker)
            .await
            .expect(200);
        assert!(thread["messages"]
            .to_string()
            .contains("Hvornår får jeg dagpenge?"));
        assert_eq!(thread["unread"], 0);
        let thread = app
            .post(
                &format!("/api/v1/threads/{id}/messages"),
                &caseworker,
                json!({ "text": "Jeg ringer dig i morgen kl. 10." }),
            )
            .await
            .expect(200);
        assert_eq!(thread["waiting_for"], "citizen");
        assert_eq!(
            app.get("/api/v1/threads?waiting=true", &caseworker)
                .await
                .expect(200),
            json!([])
        );

        // The citizen sees one unread answer, reads it and replies.
        let mine = app.get("/api/v1/threads", &anna).await.expect(200);
        assert_eq!(mine[0]["unread"], 1);
        let thread = app
            .get(&format!("/api/v1/threads/{id}"), &anna)
            .await
            .expect(200);
        assert!(thread["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["author"] == "jobcentre" && m["read_by_citizen_ms"].is_i64()));
        assert_eq!(
            app.get("/api/v1/threads", &anna).await.expect(200)[0]["unread"],
            0
        );
        let thread = app
            .post(
                &format!("/api/v1/threads/{id}/messages"),
                &anna,
                json!({ "text": "Tak, det passer fint." }),
            )
            .await
            .expect(200);
        assert_eq!(thread["waiting_for"], "jobcentre");
        app.post(
            &format!("/api/v1/threads/{id}/messages"),
            &anna,
            json!({ "text": "Luk", "close": true }),
        )
        .await
        .expect_problem(403, "wrong-role");
        app.post(
            &format!("/api/v1/threads/{id}/messages"),
            &anna,
            json!({ "text": "  " }),
        )
        .await
        .expect_problem(422, "invalid-text");
        let thread = app
            .post(
                &format!("/api/v1/threads/{id}/messages"),
                &caseworker,
                json!({ "text": "Aftalt.", "close": true }),
            )
            .await
            .expect(200);
        assert_eq!(
            (thread["state"].clone(), thread["waiting_for"].clone()),
            (json!("closed"), json!("none"))
        );
        app.post(
            &format!("/api/v1/threads/{id}/messages"),
            &anna,
            json!({ "text": "En ting mere" }),
        )
        .await
        .expect_problem(409, "thread-closed");

        // The caseworker's read is on the citizen's record.
        use sqlx::Row;
        let reads: i64 = sqlx::query("SELECT COUNT(*) AS n FROM data_access_log WHERE citizen_id = 'anna' AND actor LIKE 'caseworker:%'")
            .fetch_one(app.server.market.db().pool())
            .await
            .unwrap()
            .try_get("n")
            .unwrap();
        assert!(reads >= 1);

        // Nobody else sees it.
        let other_caseworker = app.login("caseworker", Some("0101")).await;
        assert_eq!(
            app.get("/api/v1/threads", &other_caseworker)
                .await
                .expect(200),
            json!([])
        );
        app.get(&format!("/api/v1/threads/{id}"), &other_caseworker)
            .await
            .expect_problem(404, "unknown-thread");
        app.post(
            &format!("/api/v1/threads/{id}/messages"),
            &other_caseworker,
            json!({ "text": "Hej" }),
        )
        .await
        .expect_problem(404, "unknown-thread");
        provider.upsert_citizen("bo", "0751", &[]).await.unwrap();
        let bo = app
            .send(
                reqwest::Method::POST,
                "/api/v1/dev/login",
                None,
                Some(json!({ "role": "citizen", "tenant": "0751", "subject": "bo" })),
                None,
            )
            .await
            .expect(200)["token"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(app.get("/api/v1/threads", &bo).await.expect(200), json!([]));
        app.get(&format!("/api/v1/threads/{id}"), &bo)
            .await
            .expect_problem(404, "unknown-thread");
        app.get("/api/v1/threads", &admin)
            .await
            .expect_problem(403, "wrong-role");
    }
}
