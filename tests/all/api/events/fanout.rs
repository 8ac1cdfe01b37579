//! Fanning an event out: a dispatcher stopped midway, the audience and consent, two
//! dispatchers over one database, the daily tick and the server's own dispatcher.

use super::*;

#[tokio::test(flavor = "multi_thread")]
async fn a_dispatcher_stopped_mid_fan_out_leaves_each_remaining_delivery_to_the_next_once() {
    for app in spawn_apps().await {
        let backend = app.backend;
        publish_events_block(&app).await;
        let block = events_block(&app, "0751", json!({})).await;
        let citizens = consenting_citizens(&app, "ev-fan", 12, "0751", block).await;
        let provider = app.server.universe.provider();
        import_job_postings(provider, &matching_postings("jobnet-fan-1"))
            .await
            .unwrap();

        // The first dispatcher ends after five deliveries, as a killed process would
        // after finishing them.
        let stopping = dispatcher(&app).stop_after(5);
        let first = stopping.run_until_idle().await.unwrap();
        assert_eq!(
            (first.planned, first.delivered),
            (1, 5),
            "{backend}: {first:?}"
        );
        assert_eq!(titled(&app, "new-job-postings").await.len(), 5);
        assert_eq!(
            scalar(
                &app,
                "SELECT COUNT(*) FROM block_events WHERE delivered_ms IS NULL"
            )
            .await,
            1,
            "{backend}: the event waits for its other deliveries"
        );
        drop(stopping);

        let second = dispatcher(&app).run_until_idle().await.unwrap();
        assert_eq!(
            (second.planned, second.delivered),
            (0, 7),
            "{backend}: {second:?}"
        );
        let expected: Vec<(String, i64)> = citizens.iter().map(|c| (c.clone(), 1)).collect();
        assert_eq!(
            titled(&app, "new-job-postings").await,
            expected,
            "{backend}"
        );
        assert_eq!(
            messages(&app, "ev-fan-03").await,
            [("new-job-postings".to_owned(), "jobnet-fan-1|".to_owned())]
        );
        assert_eq!(
            scalar(
                &app,
                "SELECT COUNT(*) FROM block_events WHERE delivered_ms IS NULL"
            )
            .await,
            0,
            "{backend}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_fan_out_follows_the_audience_and_the_citizens_consent() {
    for app in spawn_apps().await {
        let backend = app.backend;
        publish_events_block(&app).await;
        let young = events_block(&app, "0751", json!({ "audience": { "groups": ["unge"] } })).await;
        let provider = app.server.universe.provider();
        for (id, groups) in [
            ("ev-young-yes", vec!["unge".to_owned()]),
            ("ev-young-no", vec!["unge".to_owned()]),
            ("ev-older-yes", vec![]),
        ] {
            provider.upsert_citizen(id, "0751", &groups).await.unwrap();
        }
        consent(&app, "ev-young-yes", young, "profile.area").await;
        consent(&app, "ev-older-yes", young, "profile.area").await;
        // A citizen of another municipality is not in Aarhus' fan-out.
        provider
            .upsert_citizen("ev-cph", "0101", &[])
            .await
            .unwrap();
        consent(&app, "ev-cph", young, "profile.area").await;

        import_job_postings(provider, &matching_postings("jobnet-aud-1"))
            .await
            .unwrap();
        let done = dispatcher(&app).run_until_idle().await.unwrap();
        assert_eq!(
            (done.delivered, done.skipped),
            (1, 1),
            "{backend}: {done:?}"
        );
        assert_eq!(
            titled(&app, "new-job-postings").await,
            [("ev-young-yes".to_owned(), 1)],
            "{backend}"
        );
        let outcomes: Vec<(String, String)> =
            sqlx::query("SELECT citizen_id, outcome FROM event_deliveries ORDER BY citizen_id")
                .fetch_all(app.server.market.db().pool())
                .await
                .unwrap()
                .iter()
                .map(|r| {
                    (
                        r.try_get("citizen_id").unwrap(),
                        r.try_get("outcome").unwrap(),
                    )
                })
                .collect();
        assert_eq!(
            outcomes,
            [
                ("ev-young-no".to_owned(), "no-consent".to_owned()),
                ("ev-young-yes".to_owned(), "delivered".to_owned())
            ],
            "{backend}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_dispatchers_over_one_database_deliver_each_once() {
    for app in spawn_apps().await {
        let backend = app.backend;
        // A second host on the same database (PostgreSQL), or a second universe over
        // the same SQLite file.
        let other = match app.database_url.clone() {
            Some(url) => {
                // The hosts share the data directory's published components.
                let mut config = jobunivers_host::server::ServerConfig::new(app.data_dir());
                config.addr = "127.0.0.1:0".parse().unwrap();
                config.database_url = Some(url);
                config.static_dir = None;
                config.event_workers = 0;
                config.jwt = jobunivers_host::server::JwtKeys::Secret(
                    jobunivers_host::server::Secret(crate::api::SECRET.into()),
                );
                Some(jobunivers_host::server::start(config).await.unwrap())
            }
            None => None,
        };
        let other_universe = match &other {
            Some(server) => server.universe.clone(),
            None => {
                let file = app.sqlite_file().unwrap();
                let db = jobunivers_host::db::Db::connect(&format!("sqlite://{}", file.display()))
                    .await
                    .unwrap();
                let market = jobunivers_host::market::Market::new(
                    db.clone(),
                    &file.parent().unwrap().join("blobs"),
                    Arc::new(crate::helpers::runtime()),
                    jobunivers_host::market::MarketConfig::default(),
                )
                .unwrap();
                let provider = Arc::new(jobunivers_host::caps::db::DbProvider::new(
                    db,
                    jobunivers_host::caps::MemoryLimits::default(),
                ));
                Arc::new(jobunivers_host::universe::Universe::new(market, provider))
            }
        };
        publish_events_block(&app).await;
        let block = events_block(&app, "0751", json!({})).await;
        let citizens = consenting_citizens(&app, "ev-two", 20, "0751", block).await;
        let provider = app.server.universe.provider();
        import_job_postings(provider, &matching_postings("jobnet-two-1"))
            .await
            .unwrap();
        provider
            .record_ticks(jobunivers_host::clock::now_ms())
            .await
            .unwrap();

        // Each on its own task, as two processes would run them.
        let one = dispatcher(&app);
        let two = Dispatcher::new(other_universe, 2);
        let a = tokio::spawn(async move { one.run_until_idle().await });
        let b = tokio::spawn(async move { two.run_until_idle().await });
        let (a, b) = (a.await.unwrap(), b.await.unwrap());
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.planned + b.planned, 2, "{backend}: {a:?} {b:?}");
        assert_eq!(a.delivered + b.delivered, 40, "{backend}: {a:?} {b:?}");
        let expected: Vec<(String, i64)> = citizens.iter().map(|c| (c.clone(), 1)).collect();
        assert_eq!(
            titled(&app, "new-job-postings").await,
            expected,
            "{backend}"
        );
        assert_eq!(titled(&app, "tick").await, expected, "{backend}");
        if let Some(other) = other {
            other.stop();
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_daily_tick_is_recorded_once_a_day_per_municipality_with_citizens() {
    for app in spawn_apps().await {
        let backend = app.backend;
        let provider = app.server.universe.provider();
        provider.upsert_citizen("ev-t1", "0751", &[]).await.unwrap();
        provider.upsert_citizen("ev-t2", "0751", &[]).await.unwrap();
        provider.upsert_citizen("ev-t3", "0101", &[]).await.unwrap();
        let now = jobunivers_host::clock::now_ms();
        assert_eq!(provider.record_ticks(now).await.unwrap(), 2, "{backend}");
        // The same day again (a restart, another process): nothing new.
        assert_eq!(
            provider.record_ticks(now + 1).await.unwrap(),
            0,
            "{backend}"
        );
        let ticks = "SELECT COUNT(*) FROM block_events WHERE kind = 'tick'";
        assert_eq!(scalar(&app, ticks).await, 2);
        // The next day, one more each.
        assert_eq!(
            provider.record_ticks(now + 86_400_000).await.unwrap(),
            2,
            "{backend}"
        );
        assert_eq!(scalar(&app, ticks).await, 4);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_server_delivers_events_in_the_background() {
    for app in spawn_apps_with(|c| c.event_workers = 2).await {
        let backend = app.backend;
        publish_events_block(&app).await;
        let block = events_block(&app, "0751", json!({})).await;
        let anna = app.citizen("ev-bg", "0751", &[]).await;
        consent(&app, "ev-bg", block, "profile.area").await;
        app.patch("/api/v1/me/profile", &anna, json!({ "cv_text": "Kok" }))
            .await
            .expect(200);
        // Waits for the background, with a generous bound so a stuck dispatcher fails
        // the test instead of hanging it.
        let mut found = Vec::new();
        for _ in 0..600 {
            found = messages(&app, "ev-bg").await;
            if !found.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(
            found,
            [("profile-changed".to_owned(), "|".to_owned())],
            "{backend}"
        );
    }
}
