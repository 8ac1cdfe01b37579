//! The jobcentre's messages that leave the page (a prior notice by Digital Post, a
//! caseworker's answer, a resolved flag) and the host's own drainers.

use super::*;

#[tokio::test(flavor = "multi_thread")]
async fn a_prior_notice_goes_by_digital_post_once() {
    let receiver = DigitalPostReceiver::start().await;
    for app in apps().await {
        let backend = app.backend;
        setup(&app).await;
        let caseworker = app.login("caseworker", Some("0101")).await;
        let notice = app
            .post(
                &format!("/api/v1/caseworker/citizens/{CITIZEN}/prior-notices"),
                &caseworker,
                json!({ "text": "Du skal møde op til en samtale den 12. januar." }),
            )
            .await
            .expect(201);
        let mut s = settings(None);
        s.digital_post_url = Some(receiver.url.clone());
        s.digital_post_token = Some("digital-post-token".into());
        let d = drainer(&app, &s);
        let before = receiver.letters().len();
        // Digital Post keeps no quiet hours: the host's own clock, whatever its hour.
        let now = jobunivers_host::clock::now_ms();
        assert_eq!(d.drain(now).await.unwrap().sent, 1, "{backend}");
        assert_eq!(d.drain(now + DAY).await.unwrap().sent, 0, "{backend}");
        let letters = receiver.letters();
        assert_eq!(letters.len(), before + 1, "{backend}");
        let letter = &letters[before];
        assert!(letter.head.starts_with("post /letters "), "{}", letter.head);
        assert!(letter
            .head
            .contains("authorization: bearer digital-post-token"));
        let key = format!("prior-notice-{}-digital-post", notice["id"]);
        assert!(
            letter.head.contains(&format!("idempotency-key: {key}")),
            "{}",
            letter.head
        );
        let body: &Value = &letter.body;
        assert_eq!(body["idempotency_key"], key);
        assert_eq!(body["citizen"], CITIZEN);
        assert_eq!(body["municipality"], "0101");
        assert_eq!(body["kind"], "casework");
        assert_eq!(body["language"], "da");
        assert_eq!(body["subject"], "Forhåndsorientering fra jobcentret");
        assert!(body["body"]
            .as_str()
            .unwrap()
            .contains("Du skal møde op til en samtale den 12. januar."));
        assert_eq!(body["link"], format!("{PUBLIC}/inbox"));
        // An official letter is not e-mailed, though the citizen reads e-mail.
        let channels: Vec<String> = rows(&app).await.into_iter().map(|r| r.3).collect();
        assert_eq!(channels, ["digital-post"], "{backend}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_caseworkers_answer_is_emailed_without_its_text() {
    let smtp = SmtpServer::start(0);
    for app in apps().await {
        let backend = app.backend;
        let installation = setup(&app).await;
        let token = app.citizen(CITIZEN, "0101", &[]).await;
        app.patch(
            "/api/v1/me/profile",
            &token,
            json!({ "contact": { "email": ADDRESS, "channels": { "messages": ["email"], "casework": ["email"] } } }),
        )
        .await
        .expect(200);
        let thread = app
            .server
            .universe
            .provider()
            .escalate_open(
                &scope(installation, jobunivers_host::clock::now_ms()),
                jobunivers_host::caps::EscalationRequest::ChatHandover {
                    transcript: vec![],
                    summary: "Vil gerne tale med en sagsbehandler".into(),
                },
            )
            .await
            .unwrap();
        let id: i64 = thread.trim_start_matches("thread-").parse().unwrap();
        let caseworker = app.login("caseworker", Some("0101")).await;
        app.post(
            &format!("/api/v1/threads/{id}/messages"),
            &caseworker,
            json!({ "text": "Dit CPR-nummer og din sag: hemmeligt svar" }),
        )
        .await
        .expect(200);
        // The citizen's own message is no news to them.
        app.post(
            &format!("/api/v1/threads/{id}/messages"),
            &token,
            json!({ "text": "Tak" }),
        )
        .await
        .expect(200);
        let before = smtp.received().len();
        let d = drainer(&app, &settings(Some(smtp.url())));
        assert_eq!(d.drain(next_morning()).await.unwrap().sent, 1, "{backend}");
        let mail = &smtp.received()[before];
        assert_eq!(mail["subject"], "Du har fået svar fra jobcentret");
        let text = mail["text"].as_str().unwrap();
        assert!(text.contains(&format!("{PUBLIC}/threads/{id}")), "{text}");
        assert!(!text.contains("hemmeligt"), "{text}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_resolved_flag_is_told_in_the_inbox_and_by_email() {
    let smtp = SmtpServer::start(0);
    for app in apps().await {
        let backend = app.backend;
        let installation = setup(&app).await;
        let token = app.citizen(CITIZEN, "0101", &[]).await;
        app.patch(
            "/api/v1/me/profile",
            &token,
            json!({ "contact": { "email": ADDRESS, "channels": { "casework": ["email"] } } }),
        )
        .await
        .expect(200);
        // An application, then silence past the rule's 30 days and its grace period.
        let t0 = jobunivers_host::clock::now_ms();
        app.server
            .universe
            .provider()
            .activity_add(
                &scope(installation, t0),
                jobunivers_host::caps::NewActivity {
                    kind: "job-application".into(),
                    summary: "Søgt job: Smed".into(),
                    details: "{}".into(),
                    occurred_ms: Some(t0),
                },
            )
            .await
            .unwrap();
        for at in [t0 + 30 * DAY + 1, t0 + 40 * DAY] {
            jobunivers_host::monitor::evaluate(app.server.universe.provider(), at)
                .await
                .unwrap();
        }
        let caseworker = app.login("caseworker", Some("0101")).await;
        let flags = app
            .get("/api/v1/caseworker/flags", &caseworker)
            .await
            .expect(200);
        let id = flags[0]["id"].as_i64().unwrap();
        let path = format!("/api/v1/caseworker/flags/{id}/decision");
        // Acknowledging tells the citizen nothing; resolving does.
        app.post(&path, &caseworker, json!({ "decision": "acknowledge" }))
            .await
            .expect(200);
        assert!(rows(&app).await.is_empty(), "{backend}");
        app.post(
            &path,
            &caseworker,
            json!({ "decision": "resolve", "note": "Borgeren var syg; søger igen." }),
        )
        .await
        .expect(200);
        let inbox = app
            .get("/api/v1/me/notifications", &token)
            .await
            .expect(200);
        assert!(
            inbox.as_array().unwrap().iter().any(|n| n["title"]
                .as_str()
                .is_some_and(|t| t.starts_with("Jobcentret har afsluttet en sag"))),
            "{backend}: {inbox:#}"
        );
        let before = smtp.received().len();
        let d = drainer(&app, &settings(Some(smtp.url())));
        assert_eq!(d.drain(next_morning()).await.unwrap().sent, 1, "{backend}");
        let mail = &smtp.received()[before];
        assert_eq!(
            mail["subject"],
            "Jobcentret har afsluttet en sag om din tilgængelighed"
        );
        let text = mail["text"].as_str().unwrap();
        assert!(text.contains(&format!("{PUBLIC}/inbox")), "{text}");
        // The caseworker's note is theirs, not the e-mail's.
        assert!(!text.contains("syg"), "{text}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_hosts_own_drainers_send_what_is_due() {
    let receiver = DigitalPostReceiver::start().await;
    let url = receiver.url.clone();
    let apps = spawn_apps_with(move |c| {
        c.outbox_interval = Some(std::time::Duration::from_millis(50));
        c.messages.digital_post_url = Some(url.clone());
    })
    .await;
    for app in apps {
        let backend = app.backend;
        app.citizen(CITIZEN, "0101", &[]).await;
        let caseworker = app.login("caseworker", Some("0101")).await;
        let before = receiver.letters().len();
        app.post(
            &format!("/api/v1/caseworker/citizens/{CITIZEN}/prior-notices"),
            &caseworker,
            json!({ "text": "Mød op mandag." }),
        )
        .await
        .expect(201);
        // Waiting for the event, not timing it: the drainers run on their own.
        for _ in 0..600 {
            if rows(&app).await.first().is_some_and(|r| r.0 == "sent") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(rows(&app).await[0].0, "sent", "{backend}");
        let letters = receiver.letters();
        assert_eq!(letters.len(), before + 1, "{backend}: once");
        // Without --public-url, the links are to the address the host listens on.
        assert_eq!(letters[before].body["link"], format!("{}/inbox", app.url));
    }
}
