//! CPR numbers (the Danish personal identification number) as an enrolment list takes
//! them, and the note a jobcentre may keep beside one. A CPR number is never printed,
//! logged or stored: only its keyed hash is kept (see [`PseudonymKey::cpr_hash`](super::PseudonymKey::cpr_hash)).

/// The longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 200;

/// A CPR number: ten digits whose first six are a calendar date (DDMMYY). The modulus-11
/// check is not made: CPR numbers without it have been issued since 2007.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Cpr(String);

impl std::fmt::Debug for Cpr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cpr(**********)")
    }
}

/// Why a text is not a CPR number. The message never repeats the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CprError {
    /// Nothing was written.
    #[error("the CPR number is missing")]
    Missing,
    /// A hyphen elsewhere than after the sixth digit.
    #[error("a CPR number is written DDMMYY-SSSS or DDMMYYSSSS; the hyphen may only come after the sixth digit")]
    Hyphen,
    /// Letters or other characters.
    #[error("a CPR number has only digits (DDMMYY-SSSS or DDMMYYSSSS); this has letters or other characters")]
    Characters,
    /// Not ten digits.
    #[error("a CPR number has 10 digits (DDMMYY-SSSS or DDMMYYSSSS); this has {0}")]
    Length(usize),
    /// The first six digits are not a date.
    #[error("the first six digits of a CPR number are the date of birth (DDMMYY), and these are not a date")]
    Date,
}

impl CprError {
    /// A stable name of the problem (`cpr-date`, ...), for pages that word their own.
    pub fn code(self) -> &'static str {
        match self {
            CprError::Missing => "cpr-missing",
            CprError::Hyphen => "cpr-hyphen",
            CprError::Characters => "cpr-characters",
            CprError::Length(_) => "cpr-length",
            CprError::Date => "cpr-date",
        }
    }
}

impl Cpr {
    /// `DDMMYY-SSSS` or `DDMMYYSSSS` (spaces around are ignored).
    pub fn parse(text: &str) -> Result<Self, CprError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(CprError::Missing);
        }
        let digits: String = match text.char_indices().find(|(_, c)| *c == '-') {
            Some((6, _)) => text.replacen('-', "", 1),
            Some(_) => return Err(CprError::Hyphen),
            None => text.to_owned(),
        };
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(CprError::Characters);
        }
        if digits.len() != 10 {
            return Err(CprError::Length(digits.len()));
        }
        let n = |i: usize| u32::from(digits.as_bytes()[i] - b'0');
        let (day, month, yy) = (n(0) * 10 + n(1), n(2) * 10 + n(3), n(4) * 10 + n(5));
        let year = century(yy, n(6)) + yy;
        if !(1..=12).contains(&month) || day == 0 || day > days_in(month, year) {
            return Err(CprError::Date);
        }
        Ok(Self(digits))
    }

    /// The ten digits, for hashing only.
    pub(crate) fn digits(&self) -> &str {
        &self.0
    }
}

/// The century of a CPR number's year from the first digit of its serial number, as
/// the CPR office assigns them.
fn century(yy: u32, serial: u32) -> u32 {
    match serial {
        0..=3 => 1900,
        4 | 9 if yy <= 36 => 2000,
        4 | 9 => 1900,
        _ if yy <= 57 => 2000,
        _ => 1800,
    }
}

fn days_in(month: u32, year: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Why a note is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// Longer than [`MAX_NOTE_CHARS`].
    #[error("a note has at most {MAX_NOTE_CHARS} characters; shorten it")]
    TooLong,
    /// Control characters (line breaks, tabs).
    #[error("a note is one line of text without control characters")]
    Control,
    /// What looks like a CPR number.
    #[error("a note may not hold a CPR number (ten digits, or DDMMYY-SSSS); use the case system's reference instead")]
    Cpr,
}

impl NoteError {
    /// A stable name of the problem (`note-cpr`, ...), for pages that word their own.
    pub fn code(self) -> &'static str {
        match self {
            NoteError::TooLong => "note-long",
            NoteError::Control => "note-control",
            NoteError::Cpr => "note-cpr",
        }
    }
}

/// A note as it is kept: trimmed, `None` when empty. Refused: more than
/// [`MAX_NOTE_CHARS`] characters, control characters, and anything that looks like a
/// CPR number (ten digits in a row, or six and four around a hyphen), which would put
/// the number in the clear beside its hash.
pub fn check_note(note: &str) -> Result<Option<String>, NoteError> {
    let note = note.trim();
    if note.is_empty() {
        return Ok(None);
    }
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(NoteError::TooLong);
    }
    if note.chars().any(char::is_control) {
        return Err(NoteError::Control);
    }
    if looks_like_cpr(note) {
        return Err(NoteError::Cpr);
    }
    Ok(Some(note.to_owned()))
}

fn looks_like_cpr(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |from: usize, n: usize| {
        b.get(from..from + n)
            .is_some_and(|s| s.iter().all(u8::is_ascii_digit))
    };
    (0..b.len())
        .any(|i| digits(i, 10) || (digits(i, 6) && b.get(i + 6) == Some(&b'-') && digits(i + 7, 4)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expect: Result<&str, &str>) {
        match (Cpr::parse(input), expect) {
            (Ok(c), Ok(digits)) => assert_eq!(c.digits(), digits, "{input}"),
            (Err(e), Err(part)) => assert!(e.to_string().contains(part), "{input}: {e}"),
            (got, want) => panic!("{input}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn cpr_numbers_are_ten_digits_that_start_with_a_date() {
        check("230485-1234", Ok("2304851234"));
        check(" 2304851234 ", Ok("2304851234"));
        check("010100-0000", Ok("0101000000"));
        // 29 February: 2000 (serial 4xxx, year 00) was a leap year, 1900 (serial 0xxx) not.
        check("290200-4000", Ok("2902004000"));
        check("290200-0000", Err("not a date"));
        check("290204-0000", Ok("2902040000"));
        check("310485-1234", Err("not a date"));
        check("001285-1234", Err("not a date"));
        check("231385-1234", Err("not a date"));
        check("230485-123", Err("this has 9"));
        check("23048512345", Err("this has 11"));
        check("2304-851234", Err("hyphen"));
        check("230485--1234", Err("other characters"));
        check("23O485-1234", Err("other characters"));
        check("", Err("missing"));
        assert_eq!(Cpr::parse("310485-1234"), Err(CprError::Date));
        assert_eq!(CprError::Date.code(), "cpr-date");
        assert_eq!(
            format!("{:?}", Cpr::parse("2304851234").unwrap()),
            "Cpr(**********)"
        );
    }

    #[test]
    fn a_note_is_short_and_never_holds_a_cpr_number() {
        assert_eq!(check_note("  "), Ok(None));
        assert_eq!(check_note(" sag 2024-17 "), Ok(Some("sag 2024-17".into())));
        assert_eq!(
            check_note("telefon 12345678"),
            Ok(Some("telefon 12345678".into()))
        );
        assert_eq!(check_note("cpr 2304851234"), Err(NoteError::Cpr));
        assert_eq!(check_note("x230485-1234x"), Err(NoteError::Cpr));
        assert_eq!(check_note("a\tb"), Err(NoteError::Control));
        assert_eq!(check_note(&"æ".repeat(201)), Err(NoteError::TooLong));
        assert!(NoteError::TooLong.to_string().contains("200"));
        assert!(check_note(&"æ".repeat(200)).is_ok());
    }
}
