//! Contact details: e-mail addresses and Danish phone numbers.
//!
//! * **E-mail**: `local@domain.tld` where the local part is letters, digits
//!   or `._%+-`, the domain has at least two dot-separated labels and the
//!   top-level domain is at least two letters. Trailing sentence punctuation
//!   is ignored.
//! * **Phone**: eight digits, optionally prefixed by `+45`, `(+45)` or
//!   `0045`, written in one block or in groups separated by a single space,
//!   hyphen or dot (`12345678`, `12 34 56 78`, `1234 5678`,
//!   `+45 12 34 56 78`). Year ranges (`2015-2019`), dates (`01.05.2019`) and
//!   thousands-separated amounts (`12.345.678`) are not phone numbers.
//!
//! Both checks are linear in the length of the line and do not allocate.

use crate::text::is_year_like;

/// `true` when the (lower-cased) line contains an e-mail address.
pub(crate) fn line_has_email(line: &str) -> bool {
    let mut from = 0;
    while let Some(off) = line[from..].find('@') {
        let at = from + off;
        if is_email_at(line, at) {
            return true;
        }
        from = at + 1;
    }
    false
}

fn is_local_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-')
}

fn is_domain_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '-')
}

/// Checks the text around the `@` at byte offset `at`.
fn is_email_at(line: &str, at: usize) -> bool {
    let before = &line[..at];
    let local_start = before
        .char_indices()
        .rev()
        .take_while(|&(_, c)| is_local_char(c))
        .last()
        .map(|(i, _)| i);
    let Some(local_start) = local_start else {
        return false;
    };
    let local = before[local_start..].trim_start_matches('.');
    if local.is_empty() || local.ends_with('.') || !local.chars().any(char::is_alphanumeric) {
        return false;
    }
    let after = &line[at + 1..];
    let domain_end = after
        .char_indices()
        .find(|&(_, c)| !is_domain_char(c))
        .map_or(after.len(), |(i, _)| i);
    let domain = after[..domain_end].trim_end_matches(['.', '-']);
    let mut labels = 0;
    let mut tld = "";
    for label in domain.split('.') {
        if label.is_empty() || label.starts_with('-') || label.ends_with('-') {
            return false;
        }
        labels += 1;
        tld = label;
    }
    labels >= 2 && tld.chars().count() >= 2 && tld.chars().all(char::is_alphabetic)
}

/// `true` when the line contains a Danish phone number.
pub(crate) fn line_has_phone(line: &str) -> bool {
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let (is_phone, end) = phone_chain(b, i);
        if is_phone {
            return true;
        }
        i = end.max(i + 1);
    }
    false
}

/// Most digit groups tracked per chain (a valid number never has more).
const MAX_GROUPS: usize = 8;
/// Most digits tracked per chain.
const MAX_DIGITS: usize = 16;

/// Reads a chain of digit groups starting at `start` (the first digit of
/// a run) and returns whether it is a phone number and where it ends.
fn phone_chain(b: &[u8], start: usize) -> (bool, usize) {
    let plus = start > 0 && b[start - 1] == b'+';
    let glued = start > 0 && b[start - 1].is_ascii_alphabetic();
    let mut digits = [0u8; MAX_DIGITS];
    let mut n = 0usize;
    let mut groups = [0usize; MAX_GROUPS];
    let mut g = 0usize;
    let (mut dash, mut dot) = (false, false);
    let mut j = start;
    loop {
        let group_start = j;
        while j < b.len() && b[j].is_ascii_digit() {
            if n < MAX_DIGITS {
                digits[n] = b[j];
            }
            n += 1;
            j += 1;
        }
        if g < MAX_GROUPS {
            groups[g] = j - group_start;
        }
        g += 1;
        // Gap to the next group: at most three separator characters.
        let mut k = j;
        while k < b.len() && k - j < 3 && matches!(b[k], b' ' | b'-' | b'.' | b')') {
            k += 1;
        }
        if k == j || k >= b.len() || !b[k].is_ascii_digit() {
            break;
        }
        let gap = &b[j..k];
        let country_code_so_far = g == 1 && plus && n == 2 && digits[..2] == *b"45";
        let gap_ok = if gap.contains(&b')') || gap.len() == 3 {
            country_code_so_far
        } else {
            gap.iter().filter(|&&c| c != b' ').count() <= 1
        };
        if !gap_ok {
            break;
        }
        dash |= gap.contains(&b'-');
        dot |= gap.contains(&b'.');
        j = k;
    }
    let international =
        (n == 10 && plus && digits[..2] == *b"45") || (n == 12 && digits[..4] == *b"0045");
    let local = n == 8
        && !plus
        && g <= MAX_GROUPS
        && local_number_ok(&digits[..8], &groups[..g], dash, dot);
    let is_phone = !glued && (international || local);
    (is_phone, j)
}

/// Rejects eight-digit chains that are really years, dates or amounts.
fn local_number_ok(digits: &[u8], groups: &[usize], dash: bool, dot: bool) -> bool {
    let year = |d: &[u8]| std::str::from_utf8(d).is_ok_and(is_year_like);
    if groups.iter().any(|&len| len < 2) {
        return false;
    }
    if groups == [4, 4] && dash && year(&digits[..4]) && year(&digits[4..]) {
        return false; // 2015-2019
    }
    if groups == [2, 2, 4] && (dash || dot) && year(&digits[4..]) {
        return false; // 01.05.2019
    }
    if dot && groups.len() >= 2 && groups[1..].iter().all(|&len| len == 3) {
        return false; // 12.345.678
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        let cases = [
            ("e-mail: mette.sorensen@eksempel.dk", true),
            ("skriv til jens_hansen+cv@mail.example.com.", true),
            ("kontakt: søren@mørk.dk", true),
            ("@eksempel.dk", false),
            ("mette@eksempel", false),
            ("mette@.dk", false),
            ("mette@eksempel.d", false),
            ("mette@eksempel.123", false),
            ("vi ses @ kantinen", false),
            ("", false),
        ];
        for (line, expected) in cases {
            assert_eq!(line_has_email(line), expected, "{line:?}");
        }
    }

    #[test]
    fn phones() {
        let cases = [
            ("telefon: +45 12 34 56 78", true),
            ("tlf. 12345678", true),
            ("mobil: 1234 5678", true),
            ("(+45) 20 30 40 50", true),
            ("+4520304050", true),
            ("0045 20304050", true),
            ("12-34-56-78", true),
            ("2015-2019: lagermedarbejder", false),
            ("2015 - 2019", false),
            ("01.05.2019 - 31.12.2020", false),
            ("12.345.678 kr", false),
            ("1234567", false),
            ("123456789", false),
            ("+46 12 34 56 78", false),
            ("8000 aarhus c, 2019", false),
            ("cpr 010190-1234", false),
            ("", false),
        ];
        for (line, expected) in cases {
            assert_eq!(line_has_phone(line), expected, "{line:?}");
        }
    }
}
