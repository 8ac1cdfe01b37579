//! The storage suite: every test runs on SQLite and on PostgreSQL.

use jobunivers_host::db::{Backend, Db};

use crate::helpers::fresh_databases;

#[tokio::test]
async fn migrations_seed_the_98_municipalities_and_5_regions() {
    for (db, _guard) in fresh_databases().await {
        let all = db.municipalities().await.unwrap();
        assert_eq!(all.len(), 98, "{:?}", db.backend());
        let regions: std::collections::BTreeSet<_> =
            all.iter().map(|m| m.region_name.clone()).collect();
        assert_eq!(regions.len(), 5);
        let aarhus = db.municipality("0751").await.unwrap().expect("Aarhus");
        assert_eq!(aarhus.official_name, "Aarhus Kommune");
        assert_eq!(aarhus.region_name, "Region Midtjylland");
        let copenhagen = db.municipality("0101").await.unwrap().expect("København");
        assert_eq!(
            (copenhagen.name.as_str(), copenhagen.region_code.as_str()),
            ("København", "1084")
        );
        assert!(db.municipality("9999").await.unwrap().is_none());
    }
}

#[tokio::test]
async fn migrating_again_changes_nothing() {
    for (db, _guard) in fresh_databases().await {
        db.migrate().await.unwrap();
        db.migrate().await.unwrap();
        assert_eq!(
            db.municipalities().await.unwrap().len(),
            98,
            "{:?}",
            db.backend()
        );
    }
}

#[tokio::test]
async fn foreign_keys_are_enforced() {
    for (db, _guard) in fresh_databases().await {
        let result = sqlx::query("INSERT INTO municipalities (code, name, official_name, region_code) VALUES ('9999', 'X', 'X Kommune', '0000')")
            .execute(db.pool())
            .await;
        assert!(
            result.is_err(),
            "{:?}: a municipality in an unknown region must be refused",
            db.backend()
        );
    }
}

#[tokio::test]
async fn sqlite_runs_in_wal_mode_in_the_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open_data_dir(dir.path()).await.unwrap();
    db.migrate().await.unwrap();
    assert_eq!(db.backend(), Backend::Sqlite);
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    assert!(dir.path().join("jobunivers.db").exists());
}

#[tokio::test]
async fn unsupported_or_unreachable_databases_are_named() {
    let err = Db::connect("mysql://root@localhost/x")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("unsupported database URL 'mysql://root@localhost/x'"),
        "{err}"
    );
    let err = Db::connect("postgres://postgres:secret@127.0.0.1:1/none")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cannot open the database postgres://postgres@127.0.0.1:1/none"),
        "{err}"
    );
    assert!(
        !err.contains("secret"),
        "passwords never appear in messages: {err}"
    );
}
