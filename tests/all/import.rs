//! The importers of `jobunivers import`, every database test on SQLite and on
//! PostgreSQL: ESCO's CSV files (quoted fields, upserts, a malformed file refused whole),
//! the labels format and the demo's Danish subset, concept lookup and search, job
//! postings from JSON (a valid file searched through the provider, an invalid one with
//! every problem's JSON pointer), and `run_import` as the command runs it. All data is
//! inline.

use jobunivers_host::caps::db::DbProvider;
use jobunivers_host::caps::memory::MemoryLimits;
use jobunivers_host::caps::{CapabilityProvider, JobQuery, Scope};
use jobunivers_host::db::Db;
use jobunivers_host::import::{
    concept, import_esco_csv, import_esco_labels, import_job_postings, read_csv, run_import,
    search_concepts, seed_demo_concepts, ConceptKind, CsvRecord, ImportError, DEMO_LABELS,
};
use jobunivers_host::runtime::model::Locale;
use sqlx::Row;

use crate::helpers::{fresh_backends, fresh_databases, NOW_MS};

const WAREHOUSE_WORKER: &str =
    "http://data.europa.eu/esco/occupation/bea705fe-06ac-4147-b8e0-6e8ac1208d8f";
const SHOP_ASSISTANT: &str =
    "http://data.europa.eu/esco/occupation/0b15375e-dfdd-4047-9efb-096e0aaee7d2";
const STOCK_CLERKS: &str = "http://data.europa.eu/esco/isco/C4321";
const OPERATE_FORKLIFT: &str =
    "http://data.europa.eu/esco/skill/28cb374e-6261-4133-8371-f9a5470145da";

/// Three occupations in the package's format: a description with commas, one with
/// doubled quotes, a comma and a line break, and an ISCO group unquoted.
const OCCUPATIONS: &str = "id,description\n\
http://data.europa.eu/esco/occupation/bea705fe-06ac-4147-b8e0-6e8ac1208d8f,\"warehouse worker warehouse operator Warehouse workers execute the accurate handling, packing and storage of materials in a warehouse.\"\n\
http://data.europa.eu/esco/occupation/0b15375e-dfdd-4047-9efb-096e0aaee7d2,\"shop assistant Shop assistants say \"\"hello\"\", fill shelves\nand help customers.\"\n\
http://data.europa.eu/esco/isco/C4321,Stock clerks  Stock clerks maintain records of goods.\n";

async fn count(db: &Db, sql: &str) -> i64 {
    sqlx::query(sql).fetch_one(db.pool()).await.unwrap().get(0)
}

fn scope() -> Scope {
    Scope {
        installation: "1".into(),
        block_id: "acme.jobs".into(),
        block_version: "1.0.0".into(),
        citizen: "citizen-1".into(),
        municipality: "0751".into(),
        now_ms: NOW_MS,
    }
}

fn problems(result: Result<usize, ImportError>) -> Vec<String> {
    match result {
        Err(e @ ImportError::Invalid { .. }) => e.errors().to_vec(),
        other => panic!("expected the file to be refused, got {other:?}"),
    }
}

/// A URI in the form ESCO publishes, checked here independently of the importer.
fn esco_uri_kind(uri: &str) -> Option<&'static str> {
    let uuid = |s: &str| {
        let parts: Vec<&str> = s.split('-').collect();
        parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
            && parts
                .iter()
                .all(|p| p.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')))
    };
    if let Some(id) = uri.strip_prefix("http://data.europa.eu/esco/occupation/") {
        return uuid(id).then_some("occupation");
    }
    if let Some(id) = uri.strip_prefix("http://data.europa.eu/esco/skill/") {
        return uuid(id).then_some("skill");
    }
    None
}

#[test]
fn csv_reader_handles_quotes_line_breaks_crlf_and_bom() {
    let text = "\u{feff}a,b\r\n\"x, \"\"y\"\"\",\"two\r\nlines\"\r\n\r\n,\n\"last\",z";
    let records = read_csv(text).unwrap();
    assert_eq!(
        records,
        vec![
            CsvRecord {
                line: 1,
                fields: vec!["a".into(), "b".into()],
            },
            CsvRecord {
                line: 2,
                fields: vec!["x, \"y\"".into(), "two\r\nlines".into()],
            },
            CsvRecord {
                line: 5,
                fields: vec![String::new(), String::new()],
            },
            CsvRecord {
                line: 6,
                fields: vec!["last".into(), "z".into()],
            },
        ]
    );
    let err = read_csv("a,b\n\"open,\nstill open").unwrap_err();
    assert!(err.starts_with("line 2: "), "{err}");
    assert!(err.contains("never closed"), "{err}");
    let err = read_csv("a,b\nx,\"y\"z\n").unwrap_err();
    assert!(err.starts_with("line 2: "), "{err}");
    let err = read_csv("a,b\n\"x\ny\",z\nq\"uote,w\n").unwrap_err();
    assert!(err.starts_with("line 4: "), "{err}");
}

#[tokio::test]
async fn esco_csv_imports_with_quoted_fields_and_upserts() {
    for (db, _guard) in fresh_databases().await {
        let n = import_esco_csv(&db, ConceptKind::Occupation, OCCUPATIONS)
            .await
            .unwrap();
        assert_eq!(n, 3);
        let shop = concept(&db, SHOP_ASSISTANT).await.unwrap().unwrap();
        assert_eq!(shop.kind, ConceptKind::Occupation);
        assert_eq!(
            shop.description_en,
            "shop assistant Shop assistants say \"hello\", fill shelves\nand help customers."
        );
        assert_eq!(
            (shop.label_da.as_deref(), shop.label_en.as_deref()),
            (None, None)
        );
        let warehouse = concept(&db, WAREHOUSE_WORKER).await.unwrap().unwrap();
        assert!(warehouse
            .description_en
            .contains("handling, packing and storage"));
        let isco = concept(&db, STOCK_CLERKS).await.unwrap().unwrap();
        assert_eq!(isco.kind, ConceptKind::Occupation);

        // Labels set in between survive a new import of ESCO's file, which replaces the
        // descriptions and adds nothing twice.
        import_esco_labels(
            &db,
            &format!("uri,kind,label_da,label_en\n{SHOP_ASSISTANT},occupation,Butiksmedarbejder,shop assistant\n"),
        )
        .await
        .unwrap();
        let again = OCCUPATIONS.replace("and help customers.", "and help customers kindly.");
        assert_eq!(
            import_esco_csv(&db, ConceptKind::Occupation, &again)
                .await
                .unwrap(),
            3
        );
        assert_eq!(count(&db, "SELECT COUNT(*) FROM esco_concepts").await, 3);
        let shop = concept(&db, SHOP_ASSISTANT).await.unwrap().unwrap();
        assert!(shop.description_en.ends_with("help customers kindly."));
        assert_eq!(shop.label(Locale::Da), Some("Butiksmedarbejder"));
        assert_eq!(shop.label(Locale::En), Some("shop assistant"));

        // Skills go through the same format.
        let skills = format!(
            "id,description\n{OPERATE_FORKLIFT},\"operate forklift drive forklift Operate a forklift, a vehicle with a forked device in front for lifting and carrying heavy loads.\"\n"
        );
        assert_eq!(
            import_esco_csv(&db, ConceptKind::Skill, &skills)
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            concept(&db, OPERATE_FORKLIFT).await.unwrap().unwrap().kind,
            ConceptKind::Skill
        );
        assert_eq!(
            concept(&db, "http://data.europa.eu/esco/skill/nope")
                .await
                .unwrap(),
            None
        );
        assert_eq!(concept(&db, "nul\0").await.unwrap(), None);
    }
}

#[tokio::test]
async fn a_malformed_esco_file_is_refused_whole_with_line_numbers() {
    for (db, _guard) in fresh_databases().await {
        // The good row on line 2 is not written either.
        let bad_uri = format!(
            "id,description\n{WAREHOUSE_WORKER},\"warehouse worker\"\nhttp://data.europa.eu/esco/occupation/not-a-uuid,\"something\"\n"
        );
        let errors = problems(import_esco_csv(&db, ConceptKind::Occupation, &bad_uri).await);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].starts_with("line 3: "), "{errors:?}");
        assert!(
            errors[0].contains("not an ESCO occupation URI"),
            "{errors:?}"
        );
        assert_eq!(count(&db, "SELECT COUNT(*) FROM esco_concepts").await, 0);

        // Every problem, each on the line its record starts (a quoted line break moves
        // the later ones down).
        let many = format!(
            "id,description\n\
             {WAREHOUSE_WORKER},\"two\nlines\"\n\
             {OPERATE_FORKLIFT},operate forklift\n\
             {SHOP_ASSISTANT}\n\
             {WAREHOUSE_WORKER},again\n\
             {SHOP_ASSISTANT},\"  \"\n"
        );
        let errors = problems(import_esco_csv(&db, ConceptKind::Occupation, &many).await);
        let lines: Vec<&str> = errors
            .iter()
            .map(|e| e.split(':').next().unwrap())
            .collect();
        assert_eq!(
            lines,
            ["line 4", "line 5", "line 6", "line 7"],
            "{errors:?}"
        );
        assert!(
            errors[0].contains("is a skill, not an occupation"),
            "{errors:?}"
        );
        assert!(errors[0].contains("esco-skills"), "{errors:?}");
        assert!(errors[1].contains("1 fields; a row has 2"), "{errors:?}");
        assert!(errors[2].contains("on line 2 already"), "{errors:?}");
        assert!(errors[3].contains("description"), "{errors:?}");

        // Broken CSV, a wrong header, and the message a person reads.
        let err = import_esco_csv(
            &db,
            ConceptKind::Occupation,
            &format!("id,description\n{WAREHOUSE_WORKER},\"never closed\n"),
        )
        .await
        .unwrap_err();
        assert!(err.errors()[0].starts_with("line 2: "), "{err}");
        let err = import_esco_csv(&db, ConceptKind::Skill, "uri,text\n")
            .await
            .unwrap_err();
        assert!(
            err.errors()[0].contains("it must be id,description"),
            "{err}"
        );
        let message = err.to_string();
        assert!(
            message.starts_with("the ESCO skills file was not imported and nothing was written"),
            "{message}"
        );
        assert_eq!(count(&db, "SELECT COUNT(*) FROM esco_concepts").await, 0);
    }
}

#[tokio::test]
async fn the_danish_subset_loads_with_real_esco_uris_and_is_searchable() {
    let records = read_csv(DEMO_LABELS).unwrap();
    assert_eq!(records[0].fields, ["uri", "kind", "label_da", "label_en"]);
    let rows = &records[1..];
    let occupations = rows.iter().filter(|r| r.fields[1] == "occupation").count();
    let skills = rows.iter().filter(|r| r.fields[1] == "skill").count();
    assert!(
        occupations >= 40 && skills >= 60,
        "{occupations} occupations, {skills} skills"
    );
    for row in rows {
        assert_eq!(
            esco_uri_kind(&row.fields[0]),
            Some(row.fields[1].as_str()),
            "line {}: {:?}",
            row.line,
            row.fields
        );
    }

    for (db, _guard) in fresh_databases().await {
        assert_eq!(seed_demo_concepts(&db).await.unwrap(), rows.len());
        assert_eq!(seed_demo_concepts(&db).await.unwrap(), rows.len());
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM esco_concepts").await,
            rows.len() as i64
        );
        for row in rows {
            let c = concept(&db, &row.fields[0]).await.unwrap().unwrap();
            assert_eq!(c.kind.as_str(), row.fields[1]);
            assert_eq!(c.label_da.as_deref(), Some(row.fields[2].as_str()));
            assert_eq!(c.label_en.as_deref(), Some(row.fields[3].as_str()));
        }

        // Danish and English labels, any case, non-ASCII letters on both backends.
        let found = search_concepts(&db, "LAGER", Some(ConceptKind::Occupation), 10)
            .await
            .unwrap();
        assert!(found.iter().any(|c| c.uri == WAREHOUSE_WORKER), "{found:?}");
        assert!(found.iter().all(|c| c.kind == ConceptKind::Occupation));
        let found = search_concepts(&db, "RENGØRING", None, 100).await.unwrap();
        assert!(
            found
                .iter()
                .any(|c| c.label_da.as_deref() == Some("Rengøringsassistent")),
            "{found:?}"
        );
        assert!(found.iter().any(|c| c.kind == ConceptKind::Skill));
        let found = search_concepts(&db, "forklift", Some(ConceptKind::Skill), 5)
            .await
            .unwrap();
        assert_eq!(found[0].uri, OPERATE_FORKLIFT);
        assert_eq!(found[0].label(Locale::Da), Some("Truckkørsel"));
        // Every word must match; LIKE's wildcards are plain characters.
        assert!(search_concepts(&db, "lager pædagog", None, 10)
            .await
            .unwrap()
            .is_empty());
        assert!(search_concepts(&db, "%", None, 10)
            .await
            .unwrap()
            .is_empty());
        assert!(search_concepts(&db, "_", None, 10)
            .await
            .unwrap()
            .is_empty());
        assert_eq!(search_concepts(&db, "", None, 7).await.unwrap().len(), 7);
    }
}

#[tokio::test]
async fn search_finds_descriptions_and_ranks_labels_first() {
    for (db, _guard) in fresh_databases().await {
        import_esco_csv(&db, ConceptKind::Occupation, OCCUPATIONS)
            .await
            .unwrap();
        // Only in a description (no labels imported yet).
        let found = search_concepts(&db, "shelves", None, 10).await.unwrap();
        assert_eq!(
            found.iter().map(|c| c.uri.as_str()).collect::<Vec<_>>(),
            [SHOP_ASSISTANT]
        );
        // Once a concept has labels, a match in its labels comes before matches in
        // descriptions only.
        import_esco_labels(
            &db,
            &format!("uri,kind,label_da,label_en\n{SHOP_ASSISTANT},occupation,Butiksmedarbejder,shop assistant\n"),
        )
        .await
        .unwrap();
        let found = search_concepts(&db, "s", None, 10).await.unwrap();
        assert_eq!(found[0].uri, SHOP_ASSISTANT, "{found:?}");
        let found = search_concepts(&db, "butik", None, 10).await.unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].uri, SHOP_ASSISTANT);
    }
}

#[tokio::test]
async fn the_labels_format_is_checked_row_by_row() {
    for (db, _guard) in fresh_databases().await {
        let text = format!(
            "uri,kind,label_da,label_en\n\
             {WAREHOUSE_WORKER},occupation,Lagermedarbejder,warehouse worker\n\
             {OPERATE_FORKLIFT},occupation,Truckkørsel,operate forklift\n\
             {SHOP_ASSISTANT},job,Butiksmedarbejder,shop assistant\n\
             {STOCK_CLERKS},occupation,,Stock clerks\n\
             {WAREHOUSE_WORKER},occupation,\"Lager\nmedarbejder\",warehouse worker\n"
        );
        let errors = problems(import_esco_labels(&db, &text).await);
        assert_eq!(errors.len(), 5, "{errors:?}");
        assert!(
            errors[0].starts_with("line 3: ") && errors[0].contains("a skill, not an occupation")
        );
        assert!(errors[1].starts_with("line 4: ") && errors[1].contains("occupation or skill"));
        assert!(errors[2].starts_with("line 5: ") && errors[2].contains("label_da is empty"));
        assert!(errors[3].starts_with("line 6: ") && errors[3].contains("one line"));
        assert!(errors[4].starts_with("line 6: ") && errors[4].contains("on line 2 already"));
        assert_eq!(count(&db, "SELECT COUNT(*) FROM esco_concepts").await, 0);

        // A concept ESCO's file has not brought yet gets its English label as description.
        let n = import_esco_labels(
            &db,
            &format!("uri,kind,label_da,label_en\n{STOCK_CLERKS},occupation,Lagerekspedienter,Stock clerks\n"),
        )
        .await
        .unwrap();
        assert_eq!(n, 1);
        let c = concept(&db, STOCK_CLERKS).await.unwrap().unwrap();
        assert_eq!(c.description_en, "Stock clerks");
        assert_eq!(c.label(Locale::Da), Some("Lagerekspedienter"));
    }
}

const JOBS: &str = r#"[
  {
    "id": "jobnet-1",
    "title": "Lagermedarbejder til dagholdet",
    "employer": "Salling Group",
    "occupation_uri": "http://data.europa.eu/esco/occupation/bea705fe-06ac-4147-b8e0-6e8ac1208d8f",
    "occupation_label": "Lagermedarbejder",
    "city": "Årslev",
    "postal_code": "5792",
    "description": "Plukning og pakning af ordrer på vores centrallager.",
    "url": "https://job.example.dk/jobnet-1",
    "published": "2026-01-02",
    "deadline": "2026-01-31",
    "full_time": true
  },
  {
    "id": "jobnet-2",
    "title": "Butiksmedarbejder",
    "employer": "Netto",
    "occupation_uri": null,
    "city": "Viby J",
    "postal_code": "8260",
    "description": "Kasse og opfyldning.",
    "url": "https://job.example.dk/jobnet-2?ref=import",
    "published": "2024-02-29",
    "full_time": false
  }
]"#;

#[tokio::test]
async fn valid_job_postings_are_imported_and_searchable() {
    for (db, _guard) in fresh_databases().await {
        let provider = DbProvider::new(db.clone(), MemoryLimits::default());
        assert_eq!(import_job_postings(&provider, JOBS).await.unwrap(), 2);
        let found = provider
            .jobs_search(
                &scope(),
                JobQuery {
                    text: "lagermedarbejder".into(),
                    occupations: vec![WAREHOUSE_WORKER.into()],
                    postal_code: Some("5700".into()),
                    limit: 10,
                },
            )
            .await
            .unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, "jobnet-1");
        assert_eq!(found[0].city, "Årslev");
        assert_eq!(found[0].deadline.as_deref(), Some("2026-01-31"));
        assert!(found[0].full_time);
        let netto = provider
            .job_get(&scope(), "jobnet-2")
            .await
            .unwrap()
            .unwrap();
        assert_eq!((netto.occupation_uri, netto.deadline), (None, None));
        assert!(!netto.full_time);

        // The same ids again replace the postings.
        let again = JOBS.replace("Kasse og opfyldning.", "Kasse, opfyldning og kundeservice.");
        assert_eq!(import_job_postings(&provider, &again).await.unwrap(), 2);
        assert_eq!(count(&db, "SELECT COUNT(*) FROM job_postings").await, 2);
        let found = provider
            .jobs_search(
                &scope(),
                JobQuery {
                    text: "kundeservice".into(),
                    limit: 10,
                    ..JobQuery::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, "jobnet-2");

        // An empty array is a valid file with nothing in it.
        assert_eq!(import_job_postings(&provider, "[]").await.unwrap(), 0);
    }
}

#[tokio::test]
async fn an_invalid_job_file_lists_every_problem_and_writes_nothing() {
    let file = r#"[
  {"id": "ok-1", "title": "Lagermedarbejder", "employer": "Salling Group", "city": "Aarhus C",
   "postal_code": "8000", "description": "Plukning.", "url": "https://job.example.dk/ok-1",
   "published": "2026-01-02", "full_time": true},
  {"id": "bad-1", "title": "Kok", "employer": "Kantinen", "city": "Aarhus C",
   "postal_code": "8000", "description": "Frokost.", "url": "http://job.example.dk/bad-1",
   "published": "05-01-2026", "full_time": true},
  {"id": "bad-2", "title": "  ", "employer": "Kantinen", "city": "Aarhus C",
   "postal_code": "800", "description": "Frokost.", "url": "https://job.example.dk/bad-2",
   "published": "2026-01-05", "deadline": "2026-01-01", "full_time": true},
  {"id": "bad-3", "title": "Truckfører", "employer": "Havnen", "city": "Aarhus C",
   "occupation_uri": "http://data.europa.eu/esco/skill/28cb374e-6261-4133-8371-f9a5470145da",
   "postal_code": "8000", "description": "Truck.", "url": "https://job.example.dk/bad-3",
   "published": "2026-02-30", "full_time": true, "salary/month": 30000},
  {"id": "bad-4", "title": "Chauffør", "city": "Brøndby", "occupation_label": "",
   "postal_code": "2605", "description": 42, "url": "https://",
   "published": "2026-01-05", "full_time": "yes"},
  "not a posting",
  {"id": "ok-1", "title": "Igen", "employer": "Salling Group", "city": "Aarhus C",
   "postal_code": "8000", "description": "Plukning.", "url": "https://job.example.dk/ok-1",
   "published": "2026-01-02", "full_time": true}
]"#;
    for (db, _guard) in fresh_databases().await {
        let provider = DbProvider::new(db.clone(), MemoryLimits::default());
        let err = import_job_postings(&provider, file).await.unwrap_err();
        let errors = err.errors();
        let pointers: Vec<&str> = errors
            .iter()
            .map(|e| e.split(": ").next().unwrap())
            .collect();
        assert_eq!(
            pointers,
            [
                "/1/url",
                "/1/published",
                "/2/title",
                "/2/postal_code",
                "/2/deadline",
                "/3/salary~1month",
                "/3/occupation_uri",
                "/3/published",
                "/4/employer",
                "/4/occupation_label",
                "/4/description",
                "/4/url",
                "/4/full_time",
                "/5",
                "/6/id",
            ],
            "{errors:#?}"
        );
        assert!(errors.contains(&"/1/published: not a date (YYYY-MM-DD)".to_owned()));
        assert!(errors[0].contains("must start with https://"));
        assert!(errors[4].contains("2026-01-01 is before the publication date 2026-01-05"));
        assert!(errors[5].contains("unknown field"));
        assert!(errors[6].contains("is a skill, not an occupation"));
        assert!(errors[7].contains("there is no 2026-02-30"));
        assert!(errors[8].contains("missing"));
        assert!(errors[10].contains("a number where a string belongs"));
        assert!(errors[12].contains("a string where true or false belongs"));
        assert!(errors[14].contains("\"ok-1\" is also the id of /0"));
        let message = err.to_string();
        assert!(
            message.starts_with(
                "the job postings file was not imported and nothing was written: 15 problems"
            ),
            "{message}"
        );
        assert_eq!(count(&db, "SELECT COUNT(*) FROM job_postings").await, 0);

        let err = import_job_postings(&provider, "[{\"id\": ")
            .await
            .unwrap_err();
        assert!(err.errors()[0].starts_with("not valid JSON: "), "{err}");
        assert!(err.errors()[0].contains("line 1"), "{err}");
        let err = import_job_postings(&provider, "{\"id\": \"x\"}")
            .await
            .unwrap_err();
        assert!(err.errors()[0].contains("JSON array of postings"), "{err}");
        assert_eq!(count(&db, "SELECT COUNT(*) FROM job_postings").await, 0);
    }
}

#[tokio::test]
async fn run_import_opens_migrates_imports_and_summarizes() {
    for (url, guard) in fresh_backends().await {
        let dir = guard.dir().to_owned();
        let data_dir = dir.join("data");
        let occupations = dir.join("occupations.csv");
        std::fs::write(&occupations, OCCUPATIONS).unwrap();
        let labels = dir.join("labels.csv");
        std::fs::write(
            &labels,
            format!("uri,kind,label_da,label_en\n{WAREHOUSE_WORKER},occupation,Lagermedarbejder,warehouse worker\n"),
        )
        .unwrap();
        let jobs = dir.join("jobs.json");
        std::fs::write(&jobs, JOBS).unwrap();
        let run = |kind: &'static str, file: std::path::PathBuf| {
            let url = url.clone();
            let data_dir = data_dir.clone();
            async move { run_import(kind, &file, url.as_deref(), &data_dir).await }
        };

        assert_eq!(
            run("esco-occupations", occupations.clone()).await.unwrap(),
            "imported 3 occupations"
        );
        assert_eq!(
            run("esco-labels", labels).await.unwrap(),
            "imported the Danish and English labels of 1 concept"
        );
        assert_eq!(run("jobs", jobs).await.unwrap(), "imported 2 job postings");

        // A skills import of the occupations file names the file and the first problem.
        let err = run("esco-skills", occupations.clone()).await.unwrap_err();
        let message = err.to_string();
        assert!(
            message.starts_with(&occupations.display().to_string()),
            "{message}"
        );
        assert!(message.contains("line 2: "), "{message}");
        assert!(message.contains("esco-occupations"), "{message}");
        let err = run("cv", occupations.clone()).await.unwrap_err();
        assert!(err
            .to_string()
            .contains("esco-occupations, esco-skills, esco-labels or jobs"));
        let err = run("jobs", dir.join("missing.json")).await.unwrap_err();
        assert!(err.to_string().starts_with("cannot read "), "{err}");
        let latin1 = dir.join("latin1.csv");
        std::fs::write(&latin1, b"id,description\n\xe6\n").unwrap();
        let err = run("esco-skills", latin1).await.unwrap_err();
        assert!(err.to_string().contains("is not UTF-8 text"), "{err}");

        let db = match &url {
            Some(url) => Db::connect(url).await.unwrap(),
            None => Db::open_data_dir(&data_dir).await.unwrap(),
        };
        let warehouse = concept(&db, WAREHOUSE_WORKER).await.unwrap().unwrap();
        assert_eq!(warehouse.label(Locale::Da), Some("Lagermedarbejder"));
        assert!(warehouse.description_en.starts_with("warehouse worker "));
        assert_eq!(count(&db, "SELECT COUNT(*) FROM esco_concepts").await, 3);
        assert_eq!(count(&db, "SELECT COUNT(*) FROM job_postings").await, 2);
        db.pool().close().await;
    }
}
