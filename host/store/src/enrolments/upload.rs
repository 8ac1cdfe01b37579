//! What an admin uploads: a CSV file (header `cpr,note` or `cpr`; `,` or `;` between
//! fields, as Danish Excel writes it; UTF-8 with or without a byte order mark; LF or
//! CRLF) or a JSON list, read into entries that remember where each came from, and
//! checked as a whole: every bad line is reported, with its line number (CSV, the header
//! being line 1) or JSON pointer, so a file is refused or taken as a whole.

use std::collections::HashMap;

use jobunivers_core::problem::{FieldError, Problem};

use super::{check_note, Cpr};
use crate::import::read_csv_separated;

/// The largest upload, in bytes.
pub const MAX_UPLOAD_BYTES: usize = 2 * 1024 * 1024;
/// The most citizens one upload may enrol.
pub const MAX_UPLOAD_CITIZENS: usize = 20_000;

/// Where an entry came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Place {
    /// A line of a CSV file (1-based; the header is line 1).
    Line(usize),
    /// An index into a JSON body's `citizens`.
    Index(usize),
}

impl Place {
    /// A problem with `field` of this entry; `code` names it (see [`FieldError::code`]).
    pub fn error(self, field: &str, code: &str, detail: impl Into<String>) -> EntryError {
        let e = match self {
            Place::Line(n) => FieldError::on_line(n as u64, field, detail),
            Place::Index(i) => FieldError {
                field: Some(field.to_owned()),
                ..FieldError::at(format!("/citizens/{i}/{field}"), detail)
            },
        };
        (self, e.with_code(code))
    }

    fn name(self) -> String {
        match self {
            Place::Line(n) => format!("line {n}"),
            Place::Index(i) => format!("/citizens/{i}"),
        }
    }
}

/// One citizen of an upload, as sent.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Where it came from.
    pub place: Place,
    /// The CPR number as written.
    pub cpr: String,
    /// The note as written.
    pub note: Option<String>,
}

/// One citizen of an upload, checked.
#[derive(Debug, Clone)]
pub struct Checked {
    /// Where it came from.
    pub place: Place,
    /// The CPR number.
    pub cpr: Cpr,
    /// The note, trimmed (none if empty).
    pub note: Option<String>,
}

/// A problem with one entry, and where the entry is (to list them in the upload's
/// order).
pub type EntryError = (Place, FieldError);

/// The problem an upload with bad entries is refused with: every one listed, in the
/// upload's order.
pub fn invalid(mut errors: Vec<EntryError>) -> Problem {
    errors.sort_by_key(|(place, _)| *place);
    let errors: Vec<FieldError> = errors.into_iter().map(|(_, e)| e).collect();
    let detail = match errors.len() {
        1 => "1 citizen of the upload is not valid (see errors); nothing was enrolled: correct it and send the whole upload again".to_owned(),
        n => format!("{n} problems in the upload (see errors); nothing was enrolled: correct them and send the whole upload again"),
    };
    Problem::invalid("enrolments-invalid", detail).with_errors(errors)
}

fn too_many() -> Problem {
    Problem::too_large(format!(
        "an upload enrols at most {MAX_UPLOAD_CITIZENS} citizens; split the file and send the parts one after the other"
    ))
}

fn refused_file(line: usize, code: &str, detail: impl Into<String>) -> Problem {
    invalid(vec![Place::Line(line).error("file", code, detail)])
}

/// The entries of a CSV upload. A file that is not CSV, or lacks the header, is
/// refused at its line (422); one with more than [`MAX_UPLOAD_CITIZENS`] rows with 413.
pub fn from_csv(bytes: &[u8]) -> Result<Vec<Entry>, Problem> {
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(too_large());
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        refused_file(
            line,
            "file-utf8",
            "the file is not UTF-8 text; save it as \"CSV UTF-8\" and send it again",
        )
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // The header decides the separator: Danish Excel writes `;`.
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let sep = if first.contains(';') { b';' } else { b',' };
    let mut records = read_csv_separated(text, sep).map_err(|e| {
        let line = e
            .strip_prefix("line ")
            .and_then(|r| r.split(':').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(1);
        let detail = e.split_once(": ").map_or(e.as_str(), |(_, d)| d).to_owned();
        refused_file(line, "file-csv", detail)
    })?;
    if records.is_empty() {
        return Err(refused_file(
            1,
            "file-empty",
            "the file is empty; its first line is the header cpr,note",
        ));
    }
    let header = records.remove(0);
    let names: Vec<String> = header
        .fields
        .iter()
        .map(|f| f.trim().to_ascii_lowercase())
        .collect();
    if !(names == ["cpr"] || names == ["cpr", "note"]) {
        return Err(refused_file(
            header.line,
            "file-header",
            "the first line must be the header cpr,note (or just cpr); add it above the citizens",
        ));
    }
    if records.len() > MAX_UPLOAD_CITIZENS {
        return Err(too_many());
    }
    let mut entries = Vec::with_capacity(records.len());
    let mut errors = Vec::new();
    for r in records {
        let place = Place::Line(r.line);
        if r.fields.len() > names.len() {
            errors.push(place.error(
                "file",
                "file-fields",
                format!(
                    "{} fields; a line has at most {} ({}); put a note with the separator in double quotes",
                    r.fields.len(),
                    names.len(),
                    names.join(&(sep as char).to_string())
                ),
            ));
            continue;
        }
        let mut fields = r.fields.into_iter();
        entries.push(Entry {
            place,
            cpr: fields.next().unwrap_or_default(),
            note: fields.next(),
        });
    }
    if errors.is_empty() {
        Ok(entries)
    } else {
        // The lines' own problems are reported with the rest once they are checked.
        Err(invalid(errors))
    }
}

fn too_large() -> Problem {
    Problem::too_large(format!(
        "an upload is at most {} MiB; split the file and send the parts one after the other",
        MAX_UPLOAD_BYTES / (1024 * 1024)
    ))
}

/// The entries of a JSON upload's `citizens`.
pub fn from_json(citizens: Vec<(String, Option<String>)>) -> Result<Vec<Entry>, Problem> {
    if citizens.len() > MAX_UPLOAD_CITIZENS {
        return Err(too_many());
    }
    Ok(citizens
        .into_iter()
        .enumerate()
        .map(|(i, (cpr, note))| Entry {
            place: Place::Index(i),
            cpr,
            note,
        })
        .collect())
}

/// Check every entry: its CPR number, its note, and that no CPR number comes twice
/// (the later one is reported, naming the earlier). The checked entries, and the
/// problems found.
pub fn check(entries: Vec<Entry>) -> (Vec<Checked>, Vec<EntryError>) {
    let mut checked = Vec::with_capacity(entries.len());
    let mut errors = Vec::new();
    let mut seen: HashMap<Cpr, Place> = HashMap::new();
    for e in entries {
        let cpr = Cpr::parse(&e.cpr)
            .map_err(|f| errors.push(e.place.error("cpr", f.code(), f.to_string())));
        let note = check_note(e.note.as_deref().unwrap_or(""))
            .map_err(|f| errors.push(e.place.error("note", f.code(), f.to_string())));
        let Ok(cpr) = cpr else { continue };
        if let Some(first) = seen.get(&cpr) {
            errors.push(e.place.error(
                "cpr",
                "cpr-duplicate",
                format!(
                    "the same CPR number as {}; {} and {} name one citizen, remove one of them",
                    first.name(),
                    first.name(),
                    e.place.name()
                ),
            ));
            continue;
        }
        seen.insert(cpr.clone(), e.place);
        if let Ok(note) = note {
            checked.push(Checked {
                place: e.place,
                cpr,
                note,
            });
        }
    }
    (checked, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(problem: &Problem) -> Vec<(u64, String)> {
        problem
            .errors
            .iter()
            .map(|e| (e.line.unwrap(), e.field.clone().unwrap()))
            .collect()
    }

    #[test]
    fn csv_with_semicolons_a_bom_and_crlf_is_read() {
        let file =
            "\u{feff}CPR;Note\r\n230485-1234;sag 17\r\n\r\n0101001234;\"a; b\"\r\n1102031234\r\n";
        let entries = from_csv(file.as_bytes()).unwrap();
        let got: Vec<_> = entries
            .iter()
            .map(|e| (e.place, e.cpr.as_str(), e.note.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (Place::Line(2), "230485-1234", Some("sag 17")),
                (Place::Line(4), "0101001234", Some("a; b")),
                (Place::Line(5), "1102031234", None),
            ]
        );
        assert_eq!(from_csv(b"cpr\n2304851234").unwrap().len(), 1);
    }

    #[test]
    fn every_bad_line_is_named_and_duplicates_name_both_lines() {
        let file = "cpr,note\n230485-1234,ok\n310485-1234,\n23048512,\nabcdefghij,\n2304851234,again\n0101001234,cpr 0101001234\n";
        let (checked, errors) = check(from_csv(file.as_bytes()).unwrap());
        assert_eq!(checked.len(), 1);
        let p = invalid(errors);
        assert_eq!(
            lines(&p),
            [
                (3, "cpr".into()),
                (4, "cpr".into()),
                (5, "cpr".into()),
                (6, "cpr".into()),
                (7, "note".into())
            ]
        );
        assert!(p.errors[3].detail.contains("line 2"), "{p}");
        assert!(p.errors[3].detail.contains("line 6"), "{p}");
        assert!(p.errors[2].detail.contains("other characters"), "{p}");
    }

    #[test]
    fn a_file_without_its_header_or_not_csv_is_refused_at_its_line() {
        let p = from_csv(b"2304851234\n").unwrap_err();
        assert_eq!((p.status, lines(&p)), (422, vec![(1, "file".into())]));
        assert!(p.errors[0].detail.contains("header"), "{p}");
        let p = from_csv(b"cpr,note\n2304851234,\"open\n").unwrap_err();
        assert_eq!(lines(&p), [(2, "file".into())]);
        let p = from_csv(b"cpr,note\n2304851234,a,b\n").unwrap_err();
        assert_eq!(lines(&p), [(2, "file".into())]);
        let p = from_csv(b"cpr\n\xff\xfe\n").unwrap_err();
        assert_eq!(lines(&p), [(2, "file".into())]);
        assert_eq!(from_csv(b"").unwrap_err().status, 422);
    }

    #[test]
    fn uploads_are_bounded() {
        let mut big = String::from("cpr\n");
        for _ in 0..=MAX_UPLOAD_CITIZENS {
            big.push_str("2304851234\n");
        }
        assert_eq!(from_csv(big.as_bytes()).unwrap_err().status, 413);
        let huge = vec![b'x'; MAX_UPLOAD_BYTES + 1];
        assert_eq!(from_csv(&huge).unwrap_err().status, 413);
        let many = vec![(String::new(), None); MAX_UPLOAD_CITIZENS + 1];
        assert_eq!(from_json(many).unwrap_err().status, 413);
    }

    #[test]
    fn json_entries_are_named_by_pointer() {
        let entries = from_json(vec![
            ("230485-1234".into(), None),
            ("2304851234".into(), Some("x".into())),
        ])
        .unwrap();
        let (_, errors) = check(entries);
        assert_eq!(errors[0].1.pointer.as_deref(), Some("/citizens/1/cpr"));
        assert!(
            errors[0].1.detail.contains("/citizens/0"),
            "{:?}",
            errors[0]
        );
    }
}
