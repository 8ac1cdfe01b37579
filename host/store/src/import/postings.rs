//! Job postings: a JSON array checked field by field, then written as upserts.

use super::*;

/// The fields of a job posting, in the order of [`JobPosting`].
pub(super) const JOB_FIELDS: [&str; 12] = [
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

/// A JSON value's type, for messages.
pub(super) fn json_type(value: &Value) -> &'static str {
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
pub(super) fn pointer_token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// What is wrong with a `YYYY-MM-DD` date, or `None`.
pub fn date_problem(date: &str) -> Option<String> {
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
pub(super) fn https_problem(url: &str) -> Option<&'static str> {
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
pub(super) struct PostingFields<'a> {
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
pub(super) fn check_posting(
    index: usize,
    item: &Value,
    errors: &mut Vec<String>,
) -> Option<JobPosting> {
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
