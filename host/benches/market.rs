//! Marketplace query benchmark: the catalog search and version resolution at realistic
//! scale, on SQLite and on PostgreSQL, through the library's public API (the code the
//! HTTP API runs).
//!
//! Run with
//!
//! ```sh
//! cargo bench -p jobunivers-host --bench market
//! cargo bench -p jobunivers-host --bench market -- sqlite     # one backend only
//! ```
//!
//! PostgreSQL must be running with trust auth at `JOBUNIVERS_TEST_POSTGRES` (default
//! `postgres://postgres@127.0.0.1:5432`); a throwaway database is created and dropped.
//! `MARKET_BENCH_CALLS` sets the timed calls per query kind (default 1000);
//! `MARKET_BENCH_KEEP=1` keeps the seeded databases (and prints where) for EXPLAIN.
//!
//! Each backend is seeded directly with SQL (multi-row INSERTs in one transaction; the
//! publish pipeline compiles components, so publishing 10,000 versions is out of reach):
//! 98 municipalities (from the migrations), 50 approved vendors, 1,000 blocks over the
//! eight categories with 10 versions each (1.0.0..1.9.0, realistic ~1.5 KB manifests,
//! a few submitted, rejected, yanked or suspended), and 20,000 installations (about 204
//! per municipality, some of them missing a grant so resolution falls back, a few
//! pinned or disabled).
//!
//! Measured, one call at a time after a warm-up, p50/p99/max per kind:
//! - catalog: a text search for a common word, for a rare word, category + capability,
//!   and no filter (first page of 20);
//! - `resolve_municipality` (what runs for a random municipality);
//! - `installations` (the admin's list of a random municipality, each resolved).
//!
//! The target is a p99 under 5 ms per query.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jobunivers_host::auth::{Identity, Role};
use jobunivers_host::db::{Backend, Db};
use jobunivers_host::market::{CatalogQuery, Market, MarketConfig};
use jobunivers_host::runtime::model::{CapabilityRequest, Localized, RawManifest};
use jobunivers_host::runtime::{Runtime, RuntimeConfig};
use sqlx::Row;

const VENDORS: usize = 50;
const BLOCKS: usize = 1_000;
const VERSIONS: usize = 10;
const INSTALLATIONS: usize = 20_000;
const WARM_UP: usize = 50;
const TARGET_P99_MS: f64 = 5.0;

/// The common and the rare word of the text searches.
const COMMON_WORD: &str = "job";
const RARE_WORD: &str = "svejser";

/// A small deterministic generator (splitmix64): the same data on every run and backend.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const CATEGORIES: [&str; 8] = [
    "cv",
    "chat",
    "course",
    "jobs",
    "job-log",
    "booking",
    "screening",
    "other",
];

/// Every capability, with why a block typically asks for it (Danish, English).
const CAPABILITIES: [(&str, &str, &str); 9] = [
    (
        "storage",
        "Gemmer dine udkast og indstillinger, så du kan fortsætte senere.",
        "Keeps your drafts and settings so you can continue later.",
    ),
    (
        "jobs",
        "Henter ledige stillinger, der passer til din profil og dit område.",
        "Fetches open positions that match your profile and area.",
    ),
    (
        "activity",
        "Registrerer dine aktiviteter, så jobcentret kan se din indsats.",
        "Records your activities so the job centre can see your effort.",
    ),
    (
        "escalate",
        "Sender din sag videre til en sagsbehandler, når du beder om det.",
        "Passes your case to a caseworker when you ask for it.",
    ),
    (
        "notify",
        "Sender dig en besked, når der er nyt til dig.",
        "Sends you a message when there is something new for you.",
    ),
    (
        "profile.occupations",
        "Læser de stillingsbetegnelser, du søger efter, fra din profil.",
        "Reads the occupations you are looking for from your profile.",
    ),
    (
        "profile.skills",
        "Læser dine kompetencer fra din profil for at give bedre forslag.",
        "Reads your skills from your profile to make better suggestions.",
    ),
    (
        "profile.cv",
        "Læser dit CV for at kunne give dig konkret feedback.",
        "Reads your CV to give you specific feedback.",
    ),
    (
        "profile.area",
        "Bruger dit geografiske område til at finde tilbud i nærheden.",
        "Uses your area to find offers nearby.",
    ),
];

/// Per category: block name stems (name, Danish, English), sentences (Danish,
/// English) and the capabilities such blocks usually ask for.
struct CategoryText {
    stems: &'static [(&'static str, &'static str, &'static str)],
    sentences: &'static [(&'static str, &'static str)],
    caps: &'static [&'static str],
}

fn category_text(category: &str) -> CategoryText {
    match category {
        "cv" => CategoryText {
            stems: &[
                ("cv", "CV-værksted", "CV workshop"),
                ("cv-coach", "CV-coach", "CV coach"),
                ("ansoegning", "Ansøgningshjælp", "Application helper"),
                ("kompetencer", "Kompetenceprofil", "Skills profile"),
            ],
            sentences: &[
                ("Skriv et stærkt CV med forslag til formuleringer.", "Write a strong CV with suggested wording."),
                ("Få feedback på dit CV, før du søger job.", "Get feedback on your CV before you apply for a job."),
                ("Fremhæv dine kompetencer og erfaringer over for arbejdsgivere.", "Highlight your skills and experience to employers."),
                ("Skab en målrettet ansøgning på få minutter.", "Create a targeted application in a few minutes."),
            ],
            caps: &["storage", "profile.cv", "profile.skills", "profile.occupations"],
        },
        "chat" => CategoryText {
            stems: &[
                ("chat", "Chat med jobcentret", "Chat with the job centre"),
                ("chatbot", "Chatbot", "Chatbot"),
                ("spoerg", "Spørg om dagpenge", "Ask about benefits"),
            ],
            sentences: &[
                ("Stil spørgsmål om dagpenge, kontanthjælp og jobsøgning døgnet rundt.", "Ask about unemployment benefits, social assistance and job search around the clock."),
                ("Chatbotten svarer på dansk og engelsk og kan sende dig videre til en medarbejder.", "The chatbot answers in Danish and English and can pass you on to a member of staff."),
                ("Få hurtige svar på de mest almindelige spørgsmål.", "Get quick answers to the most common questions."),
            ],
            caps: &["storage", "escalate", "notify"],
        },
        "course" => CategoryText {
            stems: &[
                ("kurser", "Kursuskatalog", "Course catalogue"),
                ("efteruddannelse", "Efteruddannelse", "Further education"),
                ("opkvalificering", "Opkvalificering", "Upskilling"),
            ],
            sentences: &[
                ("Find kurser og efteruddannelse i nærheden af, hvor du bor.", "Find courses and further education close to where you live."),
                ("Tilmeld dig korte forløb, der gør dig klar til et nyt job.", "Sign up for short programmes that get you ready for a new job."),
                ("Se hvilke uddannelser der giver flest job i dit område.", "See which programmes lead to the most jobs in your area."),
            ],
            caps: &["storage", "profile.skills", "profile.area", "activity"],
        },
        "jobs" => CategoryText {
            stems: &[
                ("job-feed", "Ledige job", "Open jobs"),
                ("jobsoeg", "Jobsøgning", "Job search"),
                ("jobmatch", "Jobmatch", "Job match"),
                ("praktik", "Praktikpladser", "Internships"),
            ],
            sentences: &[
                ("Se ledige job fra Jobnet og lokale virksomheder.", "See open jobs from Jobnet and local companies."),
                ("Få job, der matcher dine ønsker og kompetencer, direkte på forsiden.", "Get jobs matching your wishes and skills right on the front page."),
                ("Gem interessante stillinger og få besked om nye opslag.", "Save interesting positions and be notified of new postings."),
                ("Find virksomhedspraktik og løntilskud i dit område.", "Find work placements and wage subsidies in your area."),
            ],
            caps: &["jobs", "profile.occupations", "profile.area", "storage", "notify"],
        },
        "job-log" => CategoryText {
            stems: &[
                ("joblog", "Joblog", "Job log"),
                ("aktivitetslog", "Aktivitetslog", "Activity log"),
                ("dagbog", "Jobsøgningsdagbog", "Job search diary"),
            ],
            sentences: &[
                ("Registrér dine jobsøgningsaktiviteter hver uge.", "Log your job search activities every week."),
                ("Hold styr på ansøgninger, samtaler og svar ét sted.", "Keep track of applications, interviews and replies in one place."),
                ("Din jobkonsulent kan se din joblog før samtalen.", "Your job consultant can see your job log before the meeting."),
            ],
            caps: &["storage", "activity"],
        },
        "booking" => CategoryText {
            stems: &[
                ("booking", "Book en samtale", "Book a meeting"),
                ("tidsbestilling", "Tidsbestilling", "Appointments"),
                ("moeder", "Mine møder", "My meetings"),
            ],
            sentences: &[
                ("Book en samtale med din jobkonsulent, når det passer dig.", "Book a meeting with your job consultant when it suits you."),
                ("Flyt eller aflys møder, og få en påmindelse dagen før.", "Move or cancel meetings and get a reminder the day before."),
                ("Vælg mellem fremmøde, telefon og video.", "Choose between in person, phone and video."),
            ],
            caps: &["storage", "notify", "escalate"],
        },
        "screening" => CategoryText {
            stems: &[
                ("screening", "Screening", "Screening"),
                ("afklaring", "Afklaring", "Clarification"),
                ("parathed", "Jobparathed", "Job readiness"),
            ],
            sentences: &[
                ("Besvar et kort spørgeskema om dine ønsker og behov.", "Answer a short questionnaire about your wishes and needs."),
                ("Svarene hjælper din sagsbehandler med at finde den rette indsats.", "Your answers help your caseworker find the right support."),
                ("Tager cirka ti minutter og kan gemmes undervejs.", "Takes about ten minutes and can be saved along the way."),
            ],
            caps: &["storage", "escalate", "profile.skills", "profile.occupations"],
        },
        _ => CategoryText {
            stems: &[
                ("nyheder", "Nyheder", "News"),
                ("links", "Nyttige links", "Useful links"),
                ("arrangementer", "Arrangementer", "Events"),
                ("kort", "Kort over jobcentre", "Job centre map"),
            ],
            sentences: &[
                ("Nyttige links og nyheder fra jobcentret.", "Useful links and news from the job centre."),
                ("Se kommende jobmesser og arrangementer.", "See upcoming job fairs and events."),
                ("Find åbningstider og adresser på jobcentre i nærheden.", "Find opening hours and addresses of nearby job centres."),
            ],
            caps: &["storage", "profile.area", "notify"],
        },
    }
}

const SECTORS: [(&str, &str); 22] = [
    ("lager", "warehouse work"),
    ("transport", "transport"),
    ("sundhed", "health care"),
    ("it", "it"),
    ("byggeri", "construction"),
    ("detailhandel", "retail"),
    ("rengøring", "cleaning"),
    ("pædagogik", "childcare"),
    ("kontorarbejde", "office work"),
    ("landbrug", "farming"),
    ("industri", "manufacturing"),
    ("hotel og restaurant", "hospitality"),
    ("ældrepleje", "elderly care"),
    ("økonomi", "finance"),
    ("undervisning", "teaching"),
    ("marketing", "marketing"),
    ("logistik", "logistics"),
    ("turisme", "tourism"),
    ("energi", "energy"),
    ("fiskeri", "fishing"),
    ("kultur", "culture"),
    ("offentlig administration", "public administration"),
];

const GROUPS: [(&str, &str); 8] = [
    ("unge under 30", "young people under 30"),
    ("ledige akademikere", "unemployed graduates"),
    ("nyuddannede", "recent graduates"),
    ("borgere på kontanthjælp", "citizens on social assistance"),
    ("seniorer", "seniors"),
    ("sygemeldte", "people on sick leave"),
    ("flygtninge og indvandrere", "refugees and immigrants"),
    ("alle borgere", "all citizens"),
];

const QUALIFIERS: [&str; 20] = [
    "plus", "pro", "lite", "nord", "syd", "ung", "senior", "basis", "ekspres", "direkte", "online",
    "mobil", "lokal", "smart", "kompas", "guide", "start", "let", "match", "flex",
];

const VENDOR_PREFIXES: [&str; 10] = [
    "nord", "syd", "vest", "oest", "midt", "fjord", "kyst", "hede", "skov", "bro",
];
const VENDOR_SUFFIXES: [&str; 5] = ["digital", "data", "tech", "soft", "lab"];

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// One block as planned: everything its versions and installations are made of.
struct BlockPlan {
    vendor: usize,
    block_id: String,
    category: &'static str,
    name: Localized,
    description: Localized,
    /// Capabilities of every version.
    base_caps: BTreeSet<&'static str>,
    /// A capability added from version index `.0` on.
    added_cap: Option<(usize, &'static str)>,
    config_schema: String,
    default_config: String,
    deprecated: bool,
}

impl BlockPlan {
    fn caps_of(&self, version: usize) -> BTreeSet<&'static str> {
        let mut caps = self.base_caps.clone();
        if let Some((from, cap)) = self.added_cap {
            if version >= from {
                caps.insert(cap);
            }
        }
        caps
    }
}

fn config_schema(category: &str, rng: &mut Rng) -> (String, String) {
    let mut props = serde_json::Map::new();
    let mut defaults = serde_json::Map::new();
    props.insert(
        "title".into(),
        serde_json::json!({"type": "string", "maxLength": 80, "description": "Overskriften over blokken på borgerens side."}),
    );
    props.insert(
        "show_help".into(),
        serde_json::json!({"type": "boolean", "default": true, "description": "Vis en kort forklaring øverst."}),
    );
    defaults.insert("show_help".into(), true.into());
    let max = [5, 10, 20, 25][rng.below(4)];
    props.insert(
        "max_items".into(),
        serde_json::json!({"type": "integer", "minimum": 1, "maximum": 50, "default": max, "description": "Hvor mange elementer der vises ad gangen."}),
    );
    defaults.insert("max_items".into(), max.into());
    match category {
        "jobs" | "course" => {
            props.insert(
                "radius_km".into(),
                serde_json::json!({"type": "integer", "minimum": 5, "maximum": 200, "default": 40, "description": "Søgeradius i kilometer fra borgerens bopæl."}),
            );
            defaults.insert("radius_km".into(), 40.into());
        }
        "booking" => {
            props.insert(
                "meeting_kinds".into(),
                serde_json::json!({"type": "array", "items": {"type": "string", "enum": ["fremmøde", "telefon", "video"]}, "uniqueItems": true}),
            );
        }
        "chat" => {
            props.insert(
                "greeting".into(),
                serde_json::json!({"type": "string", "maxLength": 400, "description": "Chatbottens første besked."}),
            );
        }
        _ => {
            props.insert(
                "contact_email".into(),
                serde_json::json!({"type": "string", "format": "email", "description": "Hvor borgeren kan skrive hen med spørgsmål."}),
            );
        }
    }
    let schema = serde_json::json!({
        "type": "object",
        "additionalProperties": false,
        "properties": props,
    });
    (
        schema.to_string(),
        serde_json::Value::Object(defaults).to_string(),
    )
}

fn plan_blocks(rng: &mut Rng) -> Vec<BlockPlan> {
    let mut taken = HashSet::new();
    let mut blocks = Vec::with_capacity(BLOCKS);
    // The rare word is in a handful of blocks only.
    let rare: HashSet<usize> = (0..5).map(|k| 37 + k * 191).collect();
    for i in 0..BLOCKS {
        // Some vendors publish many blocks, most a few.
        let vendor = if rng.chance(0.4) {
            rng.below(8)
        } else {
            rng.below(VENDORS)
        };
        let category = *rng.pick(&CATEGORIES);
        let text = category_text(category);
        let &(stem, stem_da, stem_en) = rng.pick(text.stems);
        let qualifier = *rng.pick(&QUALIFIERS);
        let namespace = vendor_namespace(vendor);
        let mut name = format!("{stem}-{qualifier}");
        let mut n = 2;
        while !taken.insert(format!("{namespace}.{name}")) {
            name = format!("{stem}-{qualifier}-{n}");
            n += 1;
        }
        let q = capitalise(qualifier);
        let (s1, s2) = {
            let a = rng.below(text.sentences.len());
            let b = (a + 1 + rng.below(text.sentences.len() - 1)) % text.sentences.len();
            (text.sentences[a], text.sentences[b])
        };
        let sector = rng.pick(&SECTORS);
        let sector2 = rng.pick(&SECTORS);
        let group = rng.pick(&GROUPS);
        let mut da = format!(
            "{} {} Udviklet til {} og særligt rettet mod {} og {}. Kan tilpasses hver kommunes behov.",
            s1.0, s2.0, group.0, sector.0, sector2.0
        );
        let mut en = format!(
            "{} {} Made for {} and aimed especially at {} and {}. Can be adapted to each municipality's needs.",
            s1.1, s2.1, group.1, sector.1, sector2.1
        );
        if rare.contains(&i) {
            da += " Med særlige forløb for svejsere og smede.";
            en += " With special tracks for welders and smiths.";
        }
        let mut base_caps = BTreeSet::new();
        let wanted = (1 + rng.below(3)).min(text.caps.len());
        while base_caps.len() < wanted {
            base_caps.insert(*rng.pick(text.caps));
        }
        let added_cap = if rng.chance(0.3) {
            let candidates: Vec<&str> = CAPABILITIES
                .iter()
                .map(|c| c.0)
                .filter(|c| !base_caps.contains(c))
                .collect();
            Some((3 + rng.below(VERSIONS - 3), *rng.pick(&candidates)))
        } else {
            None
        };
        let (config_schema, default_config) = config_schema(category, rng);
        blocks.push(BlockPlan {
            vendor,
            block_id: format!("{namespace}.{name}"),
            category,
            name: Localized {
                da: format!("{stem_da} {q}"),
                en: format!("{stem_en} {q}"),
            },
            description: Localized { da, en },
            base_caps,
            added_cap,
            config_schema,
            default_config,
            deprecated: rng.chance(0.02),
        });
    }
    blocks
}

fn vendor_namespace(i: usize) -> String {
    format!(
        "{}-{}",
        VENDOR_PREFIXES[i / VENDOR_SUFFIXES.len()],
        VENDOR_SUFFIXES[i % VENDOR_SUFFIXES.len()]
    )
}

fn manifest(block: &BlockPlan, version: usize) -> RawManifest {
    RawManifest {
        id: block.block_id.clone(),
        name: block.name.clone(),
        description: block.description.clone(),
        version: format!("1.{version}.0"),
        category: block.category.to_owned(),
        capabilities: block
            .caps_of(version)
            .into_iter()
            .map(|name| {
                let (_, da, en) = CAPABILITIES.iter().find(|c| c.0 == name).unwrap();
                CapabilityRequest {
                    name: name.to_owned(),
                    reason: Localized {
                        da: (*da).to_owned(),
                        en: (*en).to_owned(),
                    },
                }
            })
            .collect(),
        config_schema: block.config_schema.clone(),
        default_config: block.default_config.clone(),
    }
}

/// A value to bind.
enum Val {
    I(i64),
    OptI(Option<i64>),
    S(String),
    OptS(Option<String>),
    B(bool),
}

/// Insert `rows` into `table` with multi-row INSERTs of `chunk` rows each.
async fn insert_rows(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Val>>,
    chunk: usize,
) {
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<Vec<Val>> = rows.by_ref().take(chunk).collect();
        let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
        let mut n = 0;
        for (r, row) in batch.iter().enumerate() {
            assert_eq!(row.len(), columns.len());
            sql += if r == 0 { "(" } else { ", (" };
            for c in 0..row.len() {
                n += 1;
                if c > 0 {
                    sql += ", ";
                }
                sql += &format!("${n}");
            }
            sql += ")";
        }
        let mut q = sqlx::query(&sql);
        for row in batch {
            for v in row {
                q = match v {
                    Val::I(x) => q.bind(x),
                    Val::OptI(x) => q.bind(x),
                    Val::S(x) => q.bind(x),
                    Val::OptS(x) => q.bind(x),
                    Val::B(x) => q.bind(x),
                };
            }
        }
        q.execute(&mut **tx).await.expect("inserting seed rows");
    }
}

/// What the seeding produced, for the report.
struct SeedInfo {
    took: Duration,
    manifest_bytes_avg: usize,
    versions: usize,
    installations: usize,
}

async fn seed(db: &Db, codes: &[String]) -> SeedInfo {
    let start = Instant::now();
    let mut rng = Rng(20_261_124);
    let plans = plan_blocks(&mut rng);
    let t0: i64 = 1_735_689_600_000; // 2025-01-01
    let day: i64 = 86_400_000;
    let pool = db.pool();
    let mut tx = pool.begin().await.unwrap();

    // Vendors.
    let vendor_rows = (0..VENDORS)
        .map(|i| {
            let ns = vendor_namespace(i);
            let name = format!(
                "{} {} ApS",
                capitalise(VENDOR_PREFIXES[i / VENDOR_SUFFIXES.len()]),
                capitalise(VENDOR_SUFFIXES[i % VENDOR_SUFFIXES.len()])
            );
            vec![
                Val::S(ns.clone()),
                Val::S(name),
                Val::S(format!("kontakt@{ns}.dk")),
                Val::S("approved".into()),
                Val::I(t0 + i as i64 * day),
                Val::OptI(Some(t0 + i as i64 * day + day)),
            ]
        })
        .collect();
    insert_rows(
        &mut tx,
        "vendors",
        &[
            "namespace",
            "name",
            "contact_email",
            "status",
            "created_ms",
            "decided_ms",
        ],
        vendor_rows,
        VENDORS,
    )
    .await;
    let vendor_ids: HashMap<String, i64> = sqlx::query("SELECT id, namespace FROM vendors")
        .fetch_all(&mut *tx)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get::<String, _>("namespace"), r.get::<i64, _>("id")))
        .collect();

    // Blocks.
    let block_rows = plans
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let created = t0 + 60 * day + i as i64 * 3_600_000;
            let (msg, repl, at) = if b.deprecated {
                (
                    Some("Erstattet af en ny version med bedre tilgængelighed.".to_owned()),
                    Some(plans[(i + 1) % plans.len()].block_id.clone()),
                    Some(created + 300 * day),
                )
            } else {
                (None, None, None)
            };
            vec![
                Val::I(vendor_ids[&vendor_namespace(b.vendor)]),
                Val::S(b.block_id.clone()),
                Val::S(b.category.to_owned()),
                Val::OptS(msg),
                Val::OptS(repl),
                Val::I(created),
                Val::OptI(at),
            ]
        })
        .collect();
    insert_rows(
        &mut tx,
        "blocks",
        &[
            "vendor_id",
            "block_id",
            "category",
            "deprecated_message",
            "replacement",
            "created_ms",
            "deprecated_ms",
        ],
        block_rows,
        500,
    )
    .await;
    let block_ids: HashMap<String, i64> = sqlx::query("SELECT id, block_id FROM blocks")
        .fetch_all(&mut *tx)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get::<String, _>("block_id"), r.get::<i64, _>("id")))
        .collect();

    // Versions, one round of 1.k.0 across all blocks at a time, so each block's
    // versions get increasing ids (the catalog takes the highest id as the latest).
    let mut manifest_bytes = 0;
    let mut versions = 0;
    for k in 0..VERSIONS {
        let mut rows = Vec::with_capacity(BLOCKS);
        for (i, b) in plans.iter().enumerate() {
            let m = serde_json::to_string(&manifest(b, k)).unwrap();
            manifest_bytes += m.len();
            let caps: Vec<&str> = b.caps_of(k).into_iter().collect();
            let created = t0 + 60 * day + i as i64 * 3_600_000 + k as i64 * 30 * day;
            // Most versions are approved; the newest is sometimes still in review,
            // and a few were rejected, yanked or suspended.
            let status = if k == VERSIONS - 1 && rng.chance(0.04) {
                "submitted"
            } else if k > 0 && rng.chance(0.01) {
                "rejected"
            } else {
                "approved"
            };
            let approved = status == "approved";
            let yanked = (approved && k > 0 && rng.chance(0.02)).then_some(created + 5 * day);
            let suspended = (approved && k > 0 && rng.chance(0.01)).then_some(created + 7 * day);
            let search_text = format!(
                "{} {} {} {} {}",
                b.block_id, b.name.da, b.name.en, b.description.da, b.description.en
            )
            .to_lowercase();
            let sha = format!(
                "{:016x}{:016x}{:016x}{:016x}",
                rng.next(),
                rng.next(),
                rng.next(),
                rng.next()
            );
            rows.push(vec![
                Val::I(block_ids[&b.block_id]),
                Val::S(format!("1.{k}.0")),
                Val::S(sha),
                Val::I(150_000 + rng.below(400_000) as i64),
                Val::S(if k < 5 { "1.0.0" } else { "1.1.0" }.into()),
                Val::S(m),
                Val::S(serde_json::to_string(&caps).unwrap()),
                Val::S(format!("{}-key-1", vendor_namespace(b.vendor))),
                Val::S(format!("sig-{:016x}{:016x}", rng.next(), rng.next())),
                Val::S(status.into()),
                Val::I(created),
                Val::OptI((status != "submitted").then_some(created + day)),
                Val::S(search_text),
                Val::OptI(suspended),
                Val::OptS(suspended.map(|_| "Sikkerhedsproblem under undersøgelse".into())),
                Val::OptI(yanked),
                Val::OptS(yanked.map(|_| "Fejl i visning på mobil".into())),
            ]);
            versions += 1;
        }
        insert_rows(
            &mut tx,
            "block_versions",
            &[
                "block_ref",
                "version",
                "sha256",
                "size_bytes",
                "contract_version",
                "manifest",
                "capabilities",
                "key_id",
                "signature",
                "status",
                "created_ms",
                "decided_ms",
                "search_text",
                "suspended_ms",
                "suspend_reason",
                "yanked_ms",
                "yank_reason",
            ],
            rows,
            250,
        )
        .await;
    }

    // Installations: each municipality picks distinct blocks, popular ones more often.
    let weights: Vec<f64> = (0..BLOCKS).map(|r| 1.0 / (r as f64 + 20.0)).collect();
    let total_weight: f64 = weights.iter().sum();
    let per = INSTALLATIONS / codes.len();
    let extra = INSTALLATIONS % codes.len();
    let mut rows = Vec::with_capacity(INSTALLATIONS);
    for (m, code) in codes.iter().enumerate() {
        let n = per + usize::from(m < extra);
        let mut chosen = Vec::with_capacity(n);
        let mut seen = HashSet::new();
        while chosen.len() < n {
            let mut x = (rng.next() >> 11) as f64 / (1u64 << 53) as f64 * total_weight;
            let mut pick = BLOCKS - 1;
            for (j, w) in weights.iter().enumerate() {
                if x < *w {
                    pick = j;
                    break;
                }
                x -= w;
            }
            if seen.insert(pick) {
                chosen.push(pick);
            }
        }
        for (pos, &bi) in chosen.iter().enumerate() {
            let b = &plans[bi];
            let mut granted = b.caps_of(VERSIONS - 1);
            // Sometimes the admin has not granted what the newest versions ask for:
            // resolution then falls back to an older version.
            if let Some((_, cap)) = b.added_cap {
                if rng.chance(0.3) {
                    granted.remove(cap);
                }
            }
            let since = rng.below(VERSIONS - 2);
            let requirement = if rng.chance(0.7) {
                "^1.0.0".to_owned()
            } else {
                format!("^1.{since}.0")
            };
            let pinned = rng.chance(0.03).then(|| format!("1.{since}.0"));
            let created = t0 + 400 * day + rng.below(200) as i64 * day;
            let granted: Vec<&str> = granted.into_iter().collect();
            rows.push(vec![
                Val::S(code.clone()),
                Val::I(block_ids[&b.block_id]),
                Val::S(requirement),
                Val::OptS(pinned),
                Val::S("{}".into()),
                Val::S(serde_json::to_string(&granted).unwrap()),
                Val::S(r#"{"groups":[]}"#.into()),
                Val::I(pos as i64 + 1),
                Val::B(!rng.chance(0.03)),
                Val::I(created),
                Val::I(created + rng.below(30) as i64 * day),
            ]);
        }
    }
    let installations = rows.len();
    insert_rows(
        &mut tx,
        "installations",
        &[
            "municipality_code",
            "block_ref",
            "requirement",
            "pinned_version",
            "config",
            "granted",
            "audience",
            "position",
            "enabled",
            "created_ms",
            "updated_ms",
        ],
        rows,
        1_000,
    )
    .await;
    tx.commit().await.unwrap();
    if db.backend() == Backend::Postgres {
        // What autovacuum does shortly after a bulk load: planner statistics, and the
        // visibility map that lets index-only scans skip the table.
        sqlx::query("VACUUM ANALYZE").execute(pool).await.unwrap();
    }
    SeedInfo {
        took: start.elapsed(),
        manifest_bytes_avg: manifest_bytes / versions,
        versions,
        installations,
    }
}

/// One measured query kind.
struct Measured {
    backend: Backend,
    query: String,
    calls: usize,
    p50: f64,
    p99: f64,
    max: f64,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Warm up, then time `calls` calls of `f`, one at a time.
async fn measure<F, Fut>(backend: Backend, query: &str, calls: usize, mut f: F) -> Measured
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for i in 0..WARM_UP {
        f(i).await;
    }
    let mut times = Vec::with_capacity(calls);
    for i in 0..calls {
        let start = Instant::now();
        f(WARM_UP + i).await;
        times.push(start.elapsed());
    }
    times.sort();
    let at = |p: f64| times[((calls as f64 * p).ceil() as usize).clamp(1, calls) - 1];
    let m = Measured {
        backend,
        query: query.to_owned(),
        calls,
        p50: ms(at(0.50)),
        p99: ms(at(0.99)),
        max: ms(*times.last().unwrap()),
    };
    eprintln!(
        "  {:<44} p50 {:>7.3} ms  p99 {:>7.3} ms  max {:>7.3} ms",
        m.query, m.p50, m.p99, m.max
    );
    m
}

fn admin(code: &str) -> Identity {
    Identity {
        subject: "bench".into(),
        role: Role::Admin,
        tenant: Some(code.into()),
        scopes: None,
    }
}

async fn bench_backend(db: Db, blob_dir: &Path, calls: usize) -> Vec<Measured> {
    let backend = db.backend();
    db.migrate().await.expect("migrating");
    let codes: Vec<String> = db
        .municipalities()
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.code)
        .collect();
    let info = seed(&db, &codes).await;
    eprintln!(
        "{backend}: seeded {} municipalities, {VENDORS} vendors, {BLOCKS} blocks, {} versions (manifests {} bytes on average), {} installations in {:.1} s",
        codes.len(),
        info.versions,
        info.manifest_bytes_avg,
        info.installations,
        info.took.as_secs_f64()
    );
    let runtime = Runtime::new(RuntimeConfig::default()).expect("runtime");
    let market =
        Market::new(db, blob_dir, Arc::new(runtime), MarketConfig::default()).expect("market");

    // What the queries return, so the shape of the data is on record.
    let page = |q: CatalogQuery| {
        let market = market.clone();
        async move { market.catalog(&q).await.expect("catalog") }
    };
    let common = CatalogQuery {
        q: Some(COMMON_WORD.into()),
        limit: Some(20),
        ..Default::default()
    };
    let rare = CatalogQuery {
        q: Some(RARE_WORD.into()),
        limit: Some(20),
        ..Default::default()
    };
    let first = CatalogQuery {
        limit: Some(20),
        ..Default::default()
    };
    let filtered = |i: usize| CatalogQuery {
        category: Some(CATEGORIES[i % CATEGORIES.len()].into()),
        capability: Some(
            CAPABILITIES[(i / CATEGORIES.len()) % CAPABILITIES.len()]
                .0
                .into(),
        ),
        limit: Some(20),
        ..Default::default()
    };
    let (n_common, n_rare, n_all) = (
        page(common.clone()).await.total,
        page(rare.clone()).await.total,
        page(first.clone()).await.total,
    );
    // The last page and a page past the end still report the total.
    for (offset, len) in [(n_all - 7, 7), (n_all + 40, 0)] {
        let p = page(CatalogQuery {
            offset: Some(offset),
            ..first.clone()
        })
        .await;
        assert_eq!((p.total, p.blocks.len() as i64), (n_all, len));
    }
    let mut filtered_totals = Vec::new();
    for i in 0..CATEGORIES.len() * CAPABILITIES.len() {
        filtered_totals.push(page(filtered(i)).await.total);
    }
    filtered_totals.sort();
    let (mut running, mut installed, mut fallbacks) = (0, 0, 0);
    for code in &codes {
        running += market
            .resolve_municipality(&admin(code), code)
            .await
            .unwrap()
            .len();
        for i in market.installations(&admin(code), code).await.unwrap() {
            installed += 1;
            fallbacks += usize::from(i.resolution.awaiting_grant.is_some());
        }
    }
    eprintln!(
        "{backend}: catalog: {n_all} blocks listed, q={COMMON_WORD} matches {n_common}, q={RARE_WORD} matches {n_rare}, category+capability matches {}..{} (median {}); \
         {running} of {installed} installations run a version, {fallbacks} of them wait for a grant",
        filtered_totals[0],
        filtered_totals[filtered_totals.len() - 1],
        filtered_totals[filtered_totals.len() / 2],
    );

    let mut rng = Rng(7);
    let random_codes: Vec<String> = (0..calls + WARM_UP)
        .map(|_| rng.pick(&codes).clone())
        .collect();
    let mut out = Vec::new();
    out.push(
        measure(
            backend,
            &format!("catalog: common word (q={COMMON_WORD})"),
            calls,
            |_| page(common.clone()).map_unit(),
        )
        .await,
    );
    out.push(
        measure(
            backend,
            &format!("catalog: rare word (q={RARE_WORD})"),
            calls,
            |_| page(rare.clone()).map_unit(),
        )
        .await,
    );
    out.push(
        measure(backend, "catalog: category + capability", calls, |i| {
            page(filtered(i)).map_unit()
        })
        .await,
    );
    out.push(
        measure(backend, "catalog: no filter, first page", calls, |_| {
            page(first.clone()).map_unit()
        })
        .await,
    );
    out.push(
        measure(backend, "resolve_municipality", calls, |i| {
            let market = market.clone();
            let code = random_codes[i].clone();
            async move {
                market
                    .resolve_municipality(&admin(&code), &code)
                    .await
                    .expect("resolve");
            }
        })
        .await,
    );
    out.push(
        measure(backend, "installations (admin list)", calls, |i| {
            let market = market.clone();
            let code = random_codes[i].clone();
            async move {
                market
                    .installations(&admin(&code), &code)
                    .await
                    .expect("installations");
            }
        })
        .await,
    );
    out
}

/// `.map_unit()`: drop a future's output.
trait MapUnit: std::future::Future + Sized {
    fn map_unit(self) -> impl std::future::Future<Output = ()> {
        async move {
            self.await;
        }
    }
}

impl<F: std::future::Future> MapUnit for F {}

async fn run() {
    let calls: usize = std::env::var("MARKET_BENCH_CALLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000);
    // `cargo bench` passes `--bench`; other arguments name the backends to run.
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wanted = |b: &str| only.is_empty() || only.iter().any(|o| o == b);
    // Keep the seeded databases for a look with EXPLAIN.
    let keep = std::env::var_os("MARKET_BENCH_KEEP").is_some();
    let mut results = Vec::new();

    if wanted("sqlite") {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open_data_dir(&dir.path().join("data"))
            .await
            .expect("opening SQLite");
        results.extend(bench_backend(db, &dir.path().join("blobs"), calls).await);
        if keep {
            let dir = dir.keep();
            eprintln!("sqlite: kept {}", dir.join("data/jobunivers.db").display());
        }
    }

    if wanted("postgres") {
        let base = std::env::var("JOBUNIVERS_TEST_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
        let admin_db = Db::connect(&format!("{base}/postgres"))
            .await
            .unwrap_or_else(|e| {
                panic!("PostgreSQL is needed ({e}); start it or set JOBUNIVERS_TEST_POSTGRES")
            });
        let name = format!("jobunivers_bench_{}", std::process::id());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(admin_db.pool())
            .await
            .expect("creating the bench database");
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(&format!("{base}/{name}"))
            .await
            .expect("connecting to the bench database");
        results.extend(bench_backend(db.clone(), dir.path(), calls).await);
        db.pool().close().await;
        if keep {
            eprintln!("postgres: kept {base}/{name}");
        } else {
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(admin_db.pool())
                .await
                .expect("dropping the bench database");
        }
    }

    println!();
    println!("| backend | query | calls | p50 ms | p99 ms | max ms | p99 < {TARGET_P99_MS} ms |");
    println!("|---|---|---:|---:|---:|---:|---|");
    for m in &results {
        println!(
            "| {} | {} | {} | {:.2} | {:.2} | {:.2} | {} |",
            m.backend,
            m.query,
            m.calls,
            m.p50,
            m.p99,
            m.max,
            if m.p99 < TARGET_P99_MS {
                "met"
            } else {
                "missed"
            }
        );
    }
}

fn main() {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(run());
}
