//! The database-backed capability provider, every test on SQLite and on PostgreSQL: the
//! scoping, quota and rate limit of the memory provider, the helpers the host calls, and
//! a real block running on it.

use std::collections::BTreeSet;
use std::sync::Arc;

use jobunivers_host::caps::db::{Citizen, DbProvider, LegalBasis};
use jobunivers_host::caps::memory::{MemoryLimits, MemoryProvider};
use jobunivers_host::caps::{
    CapError, Capability, CapabilityProvider, EscalationRequest, JobQuery, MeetingKind,
    NewActivity, Notification, Profile, ProfileField, Scope, ThreadState, TimeWindow,
};
use jobunivers_host::db::Db;
use jobunivers_host::demo;
use jobunivers_host::runtime::model::{CallContext, ChatMessage, ChatRole, Locale};
use jobunivers_host::runtime::{Call, Permissions};
use sqlx::Row;

use crate::helpers::{fresh_databases, text_of, NOW_MS};

const DAY_MS: i64 = 86_400_000;

/// A marketplace row set for `block` installed in `municipality`, made with SQL: the
/// provider's storage and consents belong to real installations.
async fn installation(db: &Db, municipality: &str, block: &str) -> i64 {
    let namespace = block.split('.').next().unwrap();
    sqlx::query(
        "INSERT INTO vendors (namespace, name, contact_email, status, created_ms) \
         VALUES ($1, $1, 'vendor@example.dk', 'approved', 0) ON CONFLICT (namespace) DO NOTHING",
    )
    .bind(namespace)
    .execute(db.pool())
    .await
    .unwrap();
    let block_ref: i64 = sqlx::query(
        "INSERT INTO blocks (vendor_id, block_id, category, created_ms) \
         SELECT id, $2, 'other', 0 FROM vendors WHERE namespace = $1 RETURNING id",
    )
    .bind(namespace)
    .bind(block)
    .fetch_one(db.pool())
    .await
    .unwrap()
    .get("id");
    // '1' is a valid literal for `enabled` whether the column is a BOOLEAN or a 0/1
    // BIGINT, on both backends.
    sqlx::query(
        "INSERT INTO installations (municipality_code, block_ref, requirement, config, granted, audience, position, enabled, created_ms, updated_ms) \
         VALUES ($1, $2, '*', '{}', '[]', '{\"groups\":[]}', 1, '1', 0, 0) RETURNING id",
    )
    .bind(municipality)
    .bind(block_ref)
    .fetch_one(db.pool())
    .await
    .unwrap()
    .get("id")
}

/// A provider over `db` and two installations in Aarhus.
async fn setup(db: &Db, limits: MemoryLimits) -> (Arc<DbProvider>, i64, i64) {
    let a = installation(db, "0751", "acme.one").await;
    let b = installation(db, "0751", "acme.two").await;
    (Arc::new(DbProvider::new(db.clone(), limits)), a, b)
}

fn scope(installation: i64, citizen: &str) -> Scope {
    Scope {
        installation: installation.to_string(),
        block_id: "acme.one".into(),
        block_version: "1.0.0".into(),
        citizen: citizen.into(),
        municipality: "0751".into(),
        now_ms: NOW_MS,
    }
}

async fn count(db: &Db, sql: &str) -> i64 {
    sqlx::query(sql).fetch_one(db.pool()).await.unwrap().get(0)
}

#[tokio::test]
async fn storage_is_isolated_between_citizens_and_installations() {
    for (db, _guard) in fresh_databases().await {
        let backend = db.backend();
        let (p, a, b) = setup(&db, MemoryLimits::default()).await;
        let (anna, bo) = (scope(a, "anna"), scope(a, "bo"));
        let anna_elsewhere = scope(b, "anna");
        p.storage_set(&anna, "note/1", b"one".to_vec())
            .await
            .unwrap();
        p.storage_set(&anna, "note/2", vec![0, 255, 7])
            .await
            .unwrap();
        p.storage_set(&anna, "Note/3", b"x".to_vec()).await.unwrap();
        p.storage_set(&anna, "other", b"y".to_vec()).await.unwrap();
        p.storage_set(&bo, "note/1", b"bo's".to_vec())
            .await
            .unwrap();

        assert_eq!(
            p.storage_get(&anna, "note/1").await.unwrap().as_deref(),
            Some(&b"one"[..]),
            "{backend}"
        );
        assert_eq!(
            p.storage_get(&anna, "note/2").await.unwrap(),
            Some(vec![0, 255, 7]),
            "{backend}: values are bytes"
        );
        assert_eq!(
            p.storage_get(&bo, "note/1").await.unwrap().as_deref(),
            Some(&b"bo's"[..]),
            "{backend}"
        );
        assert_eq!(
            p.storage_get(&anna_elsewhere, "note/1").await.unwrap(),
            None,
            "{backend}: another installation sees nothing of anna's"
        );
        assert_eq!(
            p.storage_list(&anna, "note/").await.unwrap(),
            ["note/1", "note/2"],
            "{backend}: a prefix is case-sensitive"
        );
        assert_eq!(
            p.storage_list(&anna, "").await.unwrap(),
            ["Note/3", "note/1", "note/2", "other"],
            "{backend}: keys in byte order"
        );
        assert_eq!(
            p.storage_list(&bo, "").await.unwrap(),
            ["note/1"],
            "{backend}"
        );
        assert!(p
            .storage_list(&anna_elsewhere, "")
            .await
            .unwrap()
            .is_empty());

        p.storage_delete(&bo, "note/1").await.unwrap();
        p.storage_delete(&anna_elsewhere, "note/2").await.unwrap();
        assert_eq!(p.storage_get(&bo, "note/1").await.unwrap(), None);
        assert!(
            p.storage_get(&anna, "note/1").await.unwrap().is_some(),
            "{backend}: deleting bo's key leaves anna's"
        );
        assert!(p.storage_get(&anna, "note/2").await.unwrap().is_some());

        let bad = Scope {
            installation: "0751:test".into(),
            ..anna.clone()
        };
        assert!(matches!(
            p.storage_get(&bad, "note/1").await,
            Err(CapError::Invalid(_))
        ));
        let missing = scope(a + b + 1000, "anna");
        assert!(
            matches!(
                p.storage_set(&missing, "k", b"v".to_vec()).await,
                Err(CapError::Invalid(m)) if m.contains("no installation")
            ),
            "{backend}"
        );
        assert!(matches!(
            p.storage_set(&anna, "", b"v".to_vec()).await,
            Err(CapError::Invalid(_))
        ));
        assert!(matches!(
            p.storage_set(&anna, &"k".repeat(257), b"v".to_vec()).await,
            Err(CapError::Invalid(_))
        ));
        assert!(matches!(
            p.storage_set(&anna, "a\0b", b"v".to_vec()).await,
            Err(CapError::Invalid(_))
        ));
        assert_eq!(p.storage_get(&anna, "a\0b").await.unwrap(), None);
    }
}

#[tokio::test]
async fn over_quota_is_refused_and_keeps_the_old_value() {
    for (db, _guard) in fresh_databases().await {
        let backend = db.backend();
        let limits = MemoryLimits {
            storage_quota_bytes: 100,
            ..MemoryLimits::default()
        };
        let (p, a, b) = setup(&db, limits).await;
        let anna = scope(a, "anna");
        p.storage_set(&anna, "k", vec![1; 49]).await.unwrap();
        let err = p.storage_set(&anna, "k", vec![2; 100]).await.unwrap_err();
        assert_eq!(
            err,
            CapError::QuotaExceeded(
                "storing 100 bytes under 'k' would use 101 of 100 bytes allowed per citizen".into()
            ),
            "{backend}: the memory provider's accounting and message"
        );
        assert_eq!(
            p.storage_get(&anna, "k").await.unwrap(),
            Some(vec![1; 49]),
            "{backend}"
        );
        // A replaced value does not count twice.
        p.storage_set(&anna, "k", vec![3; 99]).await.unwrap();
        assert!(matches!(
            p.storage_set(&anna, "j", vec![0; 1]).await,
            Err(CapError::QuotaExceeded(_))
        ));
        // The quota is per installation and citizen.
        p.storage_set(&scope(b, "anna"), "j", vec![0; 90])
            .await
            .unwrap();
        p.storage_set(&scope(a, "bo"), "j", vec![0; 90])
            .await
            .unwrap();
        // Deleting frees the space.
        p.storage_delete(&anna, "k").await.unwrap();
        p.storage_set(&anna, "j", vec![4; 99]).await.unwrap();
        let used: i64 = sqlx::query(
            "SELECT storage_bytes FROM block_usage WHERE installation_id = $1 AND citizen_id = 'anna'",
        )
        .bind(a)
        .fetch_one(db.pool())
        .await
        .unwrap()
        .get(0);
        assert_eq!(used, 100, "{backend}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_cannot_overshoot_the_quota() {
    for (db, _guard) in fresh_databases().await {
        let backend = db.backend();
        let limits = MemoryLimits {
            storage_quota_bytes: 1000,
            ..MemoryLimits::default()
        };
        let (p, a, _) = setup(&db, limits).await;
        for round in 0..8 {
            let citizen = format!("citizen-{round}");
            let writes = ["a", "b", "c"].map(|key| {
                let p = p.clone();
                let s = scope(a, &citizen);
                tokio::spawn(async move { p.storage_set(&s, key, vec![7; 599]).await })
            });
            let mut ok = 0;
            for w in writes {
                match w.await.unwrap() {
                    Ok(()) => ok += 1,
                    Err(CapError::QuotaExceeded(_)) => {}
                    Err(e) => panic!("{backend}: {e}"),
                }
            }
            assert_eq!(ok, 1, "{backend}: only one 600-byte write fits in 1000");
            let s = scope(a, &citizen);
            let keys = p.storage_list(&s, "").await.unwrap();
            assert_eq!(keys.len(), 1, "{backend}: {keys:?}");
            let used: i64 = sqlx::query(
                "SELECT storage_bytes FROM block_usage WHERE installation_id = $1 AND citizen_id = $2",
            )
            .bind(a)
            .bind(&citizen)
            .fetch_one(db.pool())
            .await
            .unwrap()
            .get(0);
            assert_eq!(used, 600, "{backend}");
        }
    }
}

fn activity(kind: &str, summary: &str, occurred_ms: Option<i64>) -> NewActivity {
    NewActivity {
        kind: kind.into(),
        summary: summary.into(),
        details: "{}".into(),
        occurred_ms,
    }
}

#[tokio::test]
async fn activities_are_seen_only_by_their_installation_and_citizen() {
    for (db, _guard) in fresh_databases().await {
        let backend = db.backend();
        let (p, a, b) = setup(&db, MemoryLimits::default()).await;
        let anna = scope(a, "anna");
        let first = p
            .activity_add(
                &anna,
                activity("job-application", "Netto", Some(NOW_MS - 2 * DAY_MS)),
            )
            .await
            .unwrap();
        assert!(first.starts_with("act-"), "{first}");
        p.activity_add(&anna, activity("meeting", "Jobcentret", None))
            .await
            .unwrap();
        p.activity_add(
            &anna,
            activity("job-application", "Bilka", Some(NOW_MS - DAY_MS)),
        )
        .await
        .unwrap();
        p.activity_add(
            &scope(b, "anna"),
            activity("job-application", "Other block", None),
        )
        .await
        .unwrap();
        p.activity_add(&scope(a, "bo"), activity("job-application", "Bo's", None))
            .await
            .unwrap();

        let all = p.activity_recent(&anna, None, 10).await.unwrap();
        let summaries: Vec<_> = all.iter().map(|x| x.summary.as_str()).collect();
        assert_eq!(
            summaries,
            ["Jobcentret", "Bilka", "Netto"],
            "{backend}: newest first, only this installation's for this citizen"
        );
        assert_eq!(all[0].occurred_ms, NOW_MS, "{backend}: now when not given");
        assert_eq!(all[2].id, first);
        let applications = p
            .activity_recent(&anna, Some("job-application".into()), 10)
            .await
            .unwrap();
        assert_eq!(applications.len(), 2, "{backend}");
        assert_eq!(p.activity_recent(&anna, None, 1).await.unwrap().len(), 1);
        assert!(p.activity_recent(&anna, None, 0).await.unwrap().is_empty());
        assert_eq!(
            p.activity_recent(&scope(b, "anna"), None, 10)
                .await
                .unwrap()
                .len(),
            1
        );
        assert!(p
            .activity_recent(&scope(b, "bo"), None, 10)
            .await
            .unwrap()
            .is_empty());
        let stored = count(&db, "SELECT COUNT(*) FROM activities WHERE citizen_id = 'anna' AND municipality_code = '0751' AND block_id = 'acme.one' AND recorded_ms > 0").await;
        assert_eq!(stored, 4, "{backend}");
    }
}

#[tokio::test]
async fn threads_are_seen_and_cancelled_only_by_their_installation_and_citizen() {
    for (db, _guard) in fresh_databases().await {
        let backend = db.backend();
        let (p, a, b) = setup(&db, MemoryLimits::default()).await;
        let anna = scope(a, "anna");
        let transcript = vec![
            ChatMessage {
                role: ChatRole::Citizen,
                text: "Hvornår får jeg feriepenge?".into(),
                at_ms: Some(NOW_MS - 60_000),
            },
            ChatMessage {
                role: ChatRole::Bot,
                text: "Det ved jeg ikke.".into(),
                at_ms: None,
            },
        ];
        let chat = p
            .escalate_open(
                &anna,
                EscalationRequest::ChatHandover {
                    transcript,
                    summary: "Spørgsmål om feriepenge".into(),
                },
            )
            .await
            .unwrap();
        assert!(chat.starts_with("thread-"), "{chat}");
        let thread = p.escalate_status(&anna, &chat).await.unwrap();
        assert_eq!(thread.id, chat);
        assert_eq!(thread.state, ThreadState::WaitingForJobcentre, "{backend}");
        assert_eq!(
            thread.messages.len(),
            1,
            "{backend}: as the memory provider"
        );
        assert_eq!(thread.messages[0].text, "Spørgsmål om feriepenge");
        assert!(!thread.messages[0].from_caseworker);
        assert_eq!(thread.messages[0].at_ms, NOW_MS);
        let stored = count(
            &db,
            "SELECT COUNT(*) FROM thread_messages WHERE transcript = 1",
        )
        .await;
        assert_eq!(
            stored, 2,
            "{backend}: the transcript is kept for the caseworker"
        );

        for (who, s) in [
            ("another citizen", scope(a, "bo")),
            ("another installation", scope(b, "anna")),
        ] {
            assert_eq!(
                p.escalate_status(&s, &chat).await,
                Err(CapError::Invalid(format!(
                    "no thread '{chat}' for this citizen and block"
                ))),
                "{backend}: {who}"
            );
            assert!(
                matches!(
                    p.escalate_cancel(&s, &chat).await,
                    Err(CapError::Invalid(_))
                ),
                "{backend}: {who}"
            );
        }
        assert_eq!(
            p.escalate_status(&anna, &chat).await.unwrap().state,
            ThreadState::WaitingForJobcentre,
            "{backend}: still open"
        );

        let booking = p
            .escalate_open(
                &anna,
                EscalationRequest::Booking {
                    kind: MeetingKind::Phone,
                    preferred: vec![TimeWindow {
                        start_ms: NOW_MS + DAY_MS,
                        end_ms: NOW_MS + DAY_MS + 3_600_000,
                    }],
                    topic: "Samtale om praktik".into(),
                },
            )
            .await
            .unwrap();
        p.escalate_cancel(&anna, &booking).await.unwrap();
        let cancelled = p.escalate_status(&anna, &booking).await.unwrap();
        assert_eq!(cancelled.state, ThreadState::Cancelled, "{backend}");
        assert_eq!(cancelled.messages[0].text, "Samtale om praktik");
        assert_eq!(
            p.escalate_status(&anna, &chat).await.unwrap().state,
            ThreadState::WaitingForJobcentre
        );

        // A caseworker's answer (written by the jobcentre's side) reaches the block.
        let chat_id: i64 = chat.trim_start_matches("thread-").parse().unwrap();
        sqlx::query("INSERT INTO thread_messages (thread_id, author, text, at_ms) VALUES ($1, 'jobcentre', 'Hej Anna', $2)")
            .bind(chat_id)
            .bind(NOW_MS + 1)
            .execute(db.pool())
            .await
            .unwrap();
        sqlx::query("UPDATE threads SET waiting_for = 'citizen' WHERE id = $1")
            .bind(chat_id)
            .execute(db.pool())
            .await
            .unwrap();
        let answered = p.escalate_status(&anna, &chat).await.unwrap();
        assert_eq!(answered.state, ThreadState::WaitingForCitizen, "{backend}");
        assert_eq!(answered.messages.len(), 2);
        assert!(answered.messages[1].from_caseworker);

        for bogus in ["thread-x", "42", "thread-999999"] {
            assert!(
                matches!(
                    p.escalate_status(&anna, bogus).await,
                    Err(CapError::Invalid(_))
                ),
                "{backend}: {bogus}"
            );
        }
    }
}

fn message(n: usize) -> Notification {
    Notification {
        title: format!("Nyt job {n}"),
        body: "Et job der passer til dig".into(),
        view: Some("jobs".into()),
    }
}

#[tokio::test]
async fn notifications_are_rate_limited_per_installation_citizen_and_day() {
    for (db, _guard) in fresh_databases().await {
        let backend = db.backend();
        let limits = MemoryLimits {
            notifications_per_day: 2,
            ..MemoryLimits::default()
        };
        let (p, a, b) = setup(&db, limits).await;
        let anna = scope(a, "anna");
        assert!(p
            .notify(&anna, message(1))
            .await
            .unwrap()
            .starts_with("msg-"));
        p.notify(&anna, message(2)).await.unwrap();
        assert_eq!(
            p.notify(&anna, message(3)).await,
            Err(CapError::RateLimited(
                "this block has sent 2 messages to the citizen today; the limit is 2".into()
            )),
            "{backend}"
        );
        p.notify(&scope(a, "bo"), message(1)).await.unwrap();
        p.notify(&scope(b, "anna"), message(1)).await.unwrap();
        let tomorrow = Scope {
            now_ms: NOW_MS + DAY_MS,
            ..anna.clone()
        };
        p.notify(&tomorrow, message(4)).await.unwrap();
        let kept = count(
            &db,
            "SELECT COUNT(*) FROM notifications WHERE citizen_id = 'anna' AND read_ms IS NULL",
        )
        .await;
        assert_eq!(kept, 4, "{backend}: kept until read");
        let row = sqlx::query("SELECT title, view FROM notifications WHERE citizen_id = 'bo'")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(row.get::<String, _>("title"), "Nyt job 1");
        assert_eq!(
            row.get::<Option<String>, _>("view").as_deref(),
            Some("jobs")
        );
    }
}

#[tokio::test]
async fn a_profile_read_is_logged() {
    for (db, _guard) in fresh_databases().await {
        let backend = db.backend();
        let (p, a, _) = setup(&db, MemoryLimits::default()).await;
        p.upsert_citizen("anna", "0751", &[]).await.unwrap();
        p.set_profile("anna", &demo::profile()).await.unwrap();
        let anna = scope(a, "anna");
        assert_eq!(
            p.profile(&anna).await.unwrap(),
            demo::profile(),
            "{backend}"
        );
        let rows = sqlx::query(
            "SELECT actor, what, why, at_ms FROM data_access_log WHERE citizen_id = 'anna'",
        )
        .fetch_all(db.pool())
        .await
        .unwrap();
        assert_eq!(rows.len(), 1, "{backend}");
        assert_eq!(rows[0].get::<String, _>("actor"), "block:acme.one@1.0.0");
        assert_eq!(rows[0].get::<String, _>("what"), "profile");
        assert_eq!(rows[0].get::<i64, _>("at_ms"), NOW_MS);

        // No profile yet: an empty one, and the read is still on record.
        assert_eq!(
            p.profile(&scope(a, "nobody")).await.unwrap(),
            Profile::default()
        );
        assert_eq!(count(&db, "SELECT COUNT(*) FROM data_access_log").await, 2);
        // A set_profile for a citizen the host does not know is refused.
        assert!(p.set_profile("nobody", &Profile::default()).await.is_err());
    }
}

#[tokio::test]
async fn job_search_matches_as_the_memory_provider() {
    for (db, _guard) in fresh_databases().await {
        let backend = db.backend();
        let (p, a, _) = setup(&db, MemoryLimits::default()).await;
        assert_eq!(
            p.import_jobs(&demo::jobs()).await.unwrap(),
            demo::jobs().len()
        );
        // Importing again replaces, it does not add.
        p.import_jobs(&demo::jobs()).await.unwrap();
        let memory = MemoryProvider::new(MemoryLimits::default()).with_jobs(demo::jobs());
        let s = scope(a, "anna");
        let freight = "http://data.europa.eu/esco/isco/C9333".to_owned();
        let queries = [
            JobQuery {
                occupations: vec![freight.clone()],
                limit: 10,
                ..JobQuery::default()
            },
            JobQuery {
                text: "truck".into(),
                limit: 10,
                ..JobQuery::default()
            },
            JobQuery {
                text: "  TRUCK   Aarhus ".into(),
                limit: 10,
                ..JobQuery::default()
            },
            JobQuery {
                text: "årslev".into(),
                limit: 10,
                ..JobQuery::default()
            },
            JobQuery {
                postal_code: Some("8000".into()),
                limit: 10,
                ..JobQuery::default()
            },
            JobQuery {
                postal_code: Some("8".into()),
                limit: 10,
                ..JobQuery::default()
            },
            JobQuery {
                text: "lager".into(),
                occupations: vec![freight.clone()],
                postal_code: Some("8381".into()),
                limit: 10,
            },
            JobQuery {
                text: "%".into(),
                limit: 10,
                ..JobQuery::default()
            },
            JobQuery {
                text: "_".into(),
                limit: 10,
                ..JobQuery::default()
            },
            JobQuery {
                limit: 100,
                ..JobQuery::default()
            },
            JobQuery {
                text: "lager\0".into(),
                limit: 10,
                ..JobQuery::default()
            },
            JobQuery {
                occupations: vec![freight.clone(), "x\0".into()],
                limit: 10,
                ..JobQuery::default()
            },
            JobQuery {
                occupations: vec!["x\0".into()],
                limit: 10,
                ..JobQuery::default()
            },
        ];
        for q in queries {
            let ids = |jobs: Vec<jobunivers_host::caps::JobPosting>| -> BTreeSet<String> {
                jobs.into_iter().map(|j| j.id).collect()
            };
            let got = ids(p.jobs_search(&s, q.clone()).await.unwrap());
            let want = ids(memory.jobs_search(&s, q.clone()).await.unwrap());
            assert_eq!(got, want, "{backend}: {q:?}");
        }
        let by_occupation = p
            .jobs_search(
                &s,
                JobQuery {
                    occupations: vec![freight],
                    limit: 10,
                    ..JobQuery::default()
                },
            )
            .await
            .unwrap();
        let ids: Vec<_> = by_occupation.iter().map(|j| j.id.as_str()).collect();
        assert_eq!(ids, ["demo-1003", "demo-1001"], "{backend}: newest first");
        let by_text = p
            .jobs_search(
                &s,
                JobQuery {
                    text: "truckfører".into(),
                    limit: 10,
                    ..JobQuery::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(by_text.len(), 1);
        assert_eq!(by_text[0], demo::jobs()[2], "{backend}: the whole posting");
        let one = p
            .jobs_search(
                &s,
                JobQuery {
                    limit: 0,
                    ..JobQuery::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(one.len(), 1, "{backend}: the limit is at least 1");
        assert_eq!(
            p.job_get(&s, "demo-1002")
                .await
                .unwrap()
                .map(|j| j.employer),
            Some("Bilka Tilst".into())
        );
        assert_eq!(p.job_get(&s, "demo-9999").await.unwrap(), None);
    }
}

#[tokio::test]
async fn consents_are_granted_withdrawn_and_scoped() {
    for (db, _guard) in fresh_databases().await {
        let backend = db.backend();
        let (p, a, b) = setup(&db, MemoryLimits::default()).await;
        p.upsert_citizen("anna", "0751", &[]).await.unwrap();
        let cv = Capability::Profile(ProfileField::Cv);
        let skills = Capability::Profile(ProfileField::Skills);
        assert!(p.consented("anna", a).await.unwrap().is_empty());
        p.set_consent("anna", a, cv, LegalBasis::Consent, true)
            .await
            .unwrap();
        p.set_consent("anna", a, skills, LegalBasis::PublicTask, true)
            .await
            .unwrap();
        assert_eq!(
            p.consented("anna", a).await.unwrap(),
            BTreeSet::from([cv, skills]),
            "{backend}"
        );
        assert!(
            p.consented("anna", b).await.unwrap().is_empty(),
            "{backend}: per installation"
        );
        assert!(p.consented("bo", a).await.unwrap().is_empty());

        p.set_consent("anna", a, cv, LegalBasis::Consent, false)
            .await
            .unwrap();
        assert_eq!(
            p.consented("anna", a).await.unwrap(),
            BTreeSet::from([skills]),
            "{backend}: withdrawn"
        );
        let withdrawn = count(
            &db,
            "SELECT COUNT(*) FROM consents WHERE capability = 'profile.cv' AND withdrawn_ms IS NOT NULL",
        )
        .await;
        assert_eq!(withdrawn, 1, "{backend}: the withdrawal is kept");
        // Withdrawing what is not granted changes nothing.
        p.set_consent("anna", b, cv, LegalBasis::Consent, false)
            .await
            .unwrap();
        p.set_consent("anna", a, cv, LegalBasis::Consent, true)
            .await
            .unwrap();
        assert_eq!(
            p.consented("anna", a).await.unwrap(),
            BTreeSet::from([cv, skills]),
            "{backend}: granted again"
        );
        // Uninstalling removes the installation's consents and storage.
        p.storage_set(&scope(a, "anna"), "k", b"v".to_vec())
            .await
            .unwrap();
        sqlx::query("DELETE FROM installations WHERE id = $1")
            .bind(a)
            .execute(db.pool())
            .await
            .unwrap();
        assert!(
            p.consented("anna", a).await.unwrap().is_empty(),
            "{backend}"
        );
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM block_storage").await,
            0,
            "{backend}"
        );
    }
}

#[tokio::test]
async fn citizens_and_the_demo_seed() {
    for (db, _guard) in fresh_databases().await {
        let backend = db.backend();
        let p = DbProvider::new(db.clone(), MemoryLimits::default());
        assert_eq!(p.citizen("anna").await.unwrap(), None);
        p.upsert_citizen("anna", "0751", &["ledige".into()])
            .await
            .unwrap();
        p.upsert_citizen("anna", "0101", &["ledige".into(), "unge".into()])
            .await
            .unwrap();
        assert_eq!(
            p.citizen("anna").await.unwrap(),
            Some(Citizen {
                id: "anna".into(),
                municipality: "0101".into(),
                groups: vec!["ledige".into(), "unge".into()],
            }),
            "{backend}"
        );
        assert!(
            p.upsert_citizen("bo", "9999", &[]).await.is_err(),
            "{backend}: an unknown municipality"
        );

        demo::seed_citizens(&p).await.unwrap();
        demo::seed_citizens(&p).await.unwrap();
        let citizen = p.citizen(demo::CITIZEN).await.unwrap().unwrap();
        assert_eq!(citizen.municipality, demo::MUNICIPALITY, "{backend}");
        for code in ["0101", "0147"] {
            let other = p.citizen(&format!("citizen-{code}")).await.unwrap();
            assert_eq!(other.map(|c| c.municipality).as_deref(), Some(code));
        }
        assert_eq!(count(&db, "SELECT COUNT(*) FROM citizens").await, 4);
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM job_postings").await,
            demo::jobs().len() as i64
        );
        let a = installation(&db, "0751", "acme.one").await;
        assert_eq!(
            p.profile(&scope(a, demo::CITIZEN)).await.unwrap(),
            demo::profile(),
            "{backend}"
        );
    }
}

#[tokio::test]
async fn a_real_block_keeps_its_counter_and_activities_in_the_database() {
    let runtime = crate::helpers::runtime();
    let block = runtime
        .load(&crate::helpers::wasm("fixture_widget_v1_1_0"))
        .await
        .unwrap();
    for (db, _guard) in fresh_databases().await {
        let backend = db.backend();
        let a = installation(&db, "0751", "acme.widget").await;
        let provider = Arc::new(DbProvider::new(db.clone(), MemoryLimits::default()));
        let call = Call {
            ctx: CallContext {
                citizen: demo::CITIZEN.into(),
                municipality: demo::MUNICIPALITY.into(),
                locale: Locale::Da,
                view: String::new(),
                config: r#"{"greeting":"Hej"}"#.into(),
                now_ms: NOW_MS,
            },
            installation: a.to_string(),
            permissions: Permissions {
                granted: BTreeSet::from([Capability::Storage, Capability::Activity]),
                consented: BTreeSet::new(),
            },
            provider: provider.clone(),
        };
        runtime.render(&block, &call).await.unwrap();
        let page = runtime.render(&block, &call).await.unwrap();
        let text = text_of(&page);
        assert!(text.contains(r#""2""#), "{backend}: {text}");
        assert_eq!(
            provider
                .storage_get(&scope(a, demo::CITIZEN), "visits")
                .await
                .unwrap()
                .as_deref(),
            Some(&b"2"[..]),
            "{backend}"
        );
        let activities = sqlx::query(
            "SELECT block_id, kind, details FROM activities WHERE installation_id = $1 AND citizen_id = $2 ORDER BY id",
        )
        .bind(a)
        .bind(demo::CITIZEN)
        .fetch_all(db.pool())
        .await
        .unwrap();
        assert_eq!(activities.len(), 2, "{backend}");
        assert_eq!(activities[0].get::<String, _>("block_id"), "acme.widget");
        assert!(activities[1]
            .get::<String, _>("details")
            .contains(r#""visits":2"#));
    }
}
