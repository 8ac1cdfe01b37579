//! Reading CSV files: records with their line numbers, and the shape every row must have.

use super::*;

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
    read_csv_separated(text, b',')
}

/// [`read_csv`] with another separator (`b';'`, as Danish Excel writes CSV).
pub fn read_csv_separated(text: &str, sep: u8) -> Result<Vec<CsvRecord>, String> {
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
                if !(i == bytes.len() || bytes[i] == sep || bytes[i] == b'\n' || crlf(i)) {
                    return Err(format!(
                        "line {line}: text follows the closing quote of a field; a quote inside a quoted field is written as two quotes (\"\")"
                    ));
                }
            } else {
                let from = i;
                while i < bytes.len() && bytes[i] != sep && bytes[i] != b'\n' && !crlf(i) {
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
                Some(&c) if c == sep => i += 1,
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
pub(super) fn data_records(text: &str, header: &[&str]) -> Result<Vec<CsvRecord>, String> {
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
pub(super) fn row_shape_problem(record: &CsvRecord, header: &[&str]) -> Option<String> {
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
