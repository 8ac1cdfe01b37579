//! Checking what the citizen typed into the forms. Every problem becomes a message for
//! the field it belongs to, in plain words.

use jobunivers_sdk::{Action, Context};

use crate::dates;
use crate::entries::{Channel, Draft, Occupation, Status};

/// Field names of the application form.
pub const EMPLOYER: &str = "employer";
/// The job title field.
pub const TITLE: &str = "title";
/// The occupation select.
pub const OCCUPATION: &str = "occupation";
/// The date field.
pub const APPLIED: &str = "applied";
/// The channel select.
pub const CHANNEL: &str = "channel";
/// The status select (also the only field of the status form).
pub const STATUS: &str = "status";

/// The occupation choice for "none of my desired occupations".
pub const OTHER: &str = "other";

/// The longest employer name or job title, in characters.
pub const MAX_TEXT: usize = 100;

/// A message for one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's name.
    pub field: &'static str,
    /// What to tell the citizen.
    pub message: String,
}

fn error(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        field,
        message: message.into(),
    }
}

/// One line of text with runs of white space (including line breaks) made one space.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn text_field(
    ctx: &Context,
    action: &Action,
    field: &'static str,
    missing: &str,
    errors: &mut Vec<FieldError>,
) -> String {
    let value = action.field(field).map(one_line).unwrap_or_default();
    if value.is_empty() {
        errors.push(error(field, missing));
    } else if value.chars().count() > MAX_TEXT {
        errors.push(error(
            field,
            format!(
                "{} {MAX_TEXT} {}",
                ctx.t("Der er plads til højst", "There is room for at most"),
                ctx.t(
                    "tegn. Skriv det lidt kortere.",
                    "characters. Please write it a little shorter."
                )
            ),
        ));
    }
    value
}

/// Check the date applied against today (Danish date): a real date, not in the future,
/// at most a year back.
pub fn check_date(ctx: &Context, value: Option<&str>, today: i64) -> Result<i64, String> {
    let Some(value) = value else {
        return Err(ctx
            .t(
                "Skriv den dato, hvor du søgte jobbet.",
                "Enter the date you applied for the job.",
            )
            .into());
    };
    let Some(day) = dates::parse_iso(value) else {
        return Err(format!(
            "{} {}.",
            ctx.t(
                "Skriv datoen som år-måned-dag, for eksempel",
                "Enter the date as year-month-day, for example"
            ),
            dates::iso(today)
        ));
    };
    if day > today {
        return Err(ctx
            .t(
                "Datoen ligger i fremtiden. Skriv den dag, du sendte ansøgningen.",
                "The date is in the future. Enter the day you sent the application.",
            )
            .into());
    }
    let earliest = dates::one_year_before(today);
    if day < earliest {
        return Err(format!(
            "{} {}.",
            ctx.t(
                "Du kan registrere ansøgninger fra det seneste år, altså fra",
                "You can register applications from the past year, that is from"
            ),
            dates::long(ctx, earliest)
        ));
    }
    Ok(day)
}

/// Check a submitted application form. `offered` are the occupations the form offered
/// (the citizen's desired occupations); with none, the form has no occupation field.
pub fn check_application(
    ctx: &Context,
    action: &Action,
    offered: &[Occupation],
    today: i64,
) -> Result<Draft, Vec<FieldError>> {
    let mut errors = Vec::new();
    let employer = text_field(
        ctx,
        action,
        EMPLOYER,
        ctx.t(
            "Skriv navnet på den arbejdsgiver, du har søgt hos.",
            "Enter the name of the employer you applied to.",
        ),
        &mut errors,
    );
    let title = text_field(
        ctx,
        action,
        TITLE,
        ctx.t(
            "Skriv hvilket job du har søgt, for eksempel «Lagermedarbejder».",
            "Enter the job you applied for, for example “Warehouse worker”.",
        ),
        &mut errors,
    );

    let occupation = if offered.is_empty() {
        None
    } else {
        match action.field(OCCUPATION) {
            Some(OTHER) => None,
            Some(uri) => match offered.iter().find(|o| o.uri == uri) {
                Some(o) => Some(o.clone()),
                None => {
                    errors.push(error(
                        OCCUPATION,
                        ctx.t(
                            "Vælg et af dine jobønsker på listen, eller vælg «Andet».",
                            "Choose one of your desired jobs in the list, or choose “Other”.",
                        ),
                    ));
                    None
                }
            },
            None => {
                errors.push(error(
                    OCCUPATION,
                    ctx.t(
                        "Vælg hvilket af dine jobønsker ansøgningen hører til, eller vælg «Andet».",
                        "Choose which of your desired jobs the application belongs to, or choose “Other”.",
                    ),
                ));
                None
            }
        }
    };

    let applied = check_date(ctx, action.field(APPLIED), today)
        .map_err(|m| errors.push(error(APPLIED, m)))
        .ok();

    let channel = Channel::parse(action.field(CHANNEL).unwrap_or_default());
    if channel.is_none() {
        errors.push(error(
            CHANNEL,
            ctx.t(
                "Vælg hvordan du søgte jobbet.",
                "Choose how you applied for the job.",
            ),
        ));
    }

    // A new application is usually just sent; the form preselects that.
    let status = match action.field(STATUS) {
        None => Some(Status::Sent),
        Some(v) => Status::parse(v),
    };
    if status.is_none() {
        errors.push(error(STATUS, choose_status(ctx)));
    }

    match (applied, channel, status) {
        (Some(applied), Some(channel), Some(status)) if errors.is_empty() => Ok(Draft {
            employer,
            title,
            occupation,
            applied,
            channel,
            status,
        }),
        _ => Err(errors),
    }
}

fn choose_status(ctx: &Context) -> &'static str {
    ctx.t(
        "Vælg hvor ansøgningen står nu.",
        "Choose where the application stands now.",
    )
}

/// Check a submitted status form.
pub fn check_status(ctx: &Context, action: &Action) -> Result<Status, String> {
    action
        .field(STATUS)
        .and_then(Status::parse)
        .ok_or_else(|| choose_status(ctx).into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jobunivers_sdk::Locale;

    fn today() -> i64 {
        dates::parse_iso("2026-01-05").unwrap()
    }

    fn offered() -> Vec<Occupation> {
        vec![Occupation {
            uri: "http://data.europa.eu/esco/isco/C9333".into(),
            label: "Lagermedarbejder".into(),
        }]
    }

    fn form(fields: &[(&str, &str)]) -> Action {
        fields
            .iter()
            .fold(Action::new("add"), |a, (n, v)| a.with_field(*n, *v))
    }

    fn complete() -> Vec<(&'static str, &'static str)> {
        vec![
            (EMPLOYER, "  Salling\n Group "),
            (TITLE, "Lagermedarbejder"),
            (OCCUPATION, "http://data.europa.eu/esco/isco/C9333"),
            (APPLIED, "2026-01-05"),
            (CHANNEL, "online"),
            (STATUS, "sent"),
        ]
    }

    #[test]
    fn a_complete_form_becomes_a_draft_with_tidy_text() {
        let ctx = Context::for_test(Locale::Da, "{}");
        let draft = check_application(&ctx, &form(&complete()), &offered(), today()).unwrap();
        assert_eq!(draft.employer, "Salling Group");
        assert_eq!(draft.occupation.unwrap().label, "Lagermedarbejder");
        assert_eq!(draft.applied, today());
        assert_eq!(draft.channel, Channel::Online);
        assert_eq!(draft.status, Status::Sent);
    }

    #[test]
    fn other_occupation_missing_status_and_no_offered_occupations_are_fine() {
        let ctx = Context::for_test(Locale::Da, "{}");
        let mut fields = complete();
        fields.retain(|(n, _)| *n != STATUS);
        fields[2] = (OCCUPATION, OTHER);
        let draft = check_application(&ctx, &form(&fields), &offered(), today()).unwrap();
        assert_eq!((draft.occupation, draft.status), (None, Status::Sent));
        // Without desired occupations the form has no occupation field at all.
        fields.remove(2);
        let draft = check_application(&ctx, &form(&fields), &[], today()).unwrap();
        assert_eq!(draft.occupation, None);
    }

    #[test]
    fn each_problem_gets_a_message_on_its_own_field() {
        let ctx = Context::for_test(Locale::Da, "{}");
        let long = "x".repeat(MAX_TEXT + 1);
        // (field to change, value ("" removes it), field with the error, start of message)
        let table: &[(&str, &str, &str, &str)] = &[
            (EMPLOYER, "", EMPLOYER, "Skriv navnet"),
            (EMPLOYER, "   ", EMPLOYER, "Skriv navnet"),
            (EMPLOYER, &long, EMPLOYER, "Der er plads til højst 100"),
            (TITLE, "", TITLE, "Skriv hvilket job"),
            (OCCUPATION, "", OCCUPATION, "Vælg hvilket af dine jobønsker"),
            (
                OCCUPATION,
                "http://x/y",
                OCCUPATION,
                "Vælg et af dine jobønsker",
            ),
            (APPLIED, "", APPLIED, "Skriv den dato"),
            (
                APPLIED,
                "5/1-2026",
                APPLIED,
                "Skriv datoen som år-måned-dag, for eksempel 2026-01-05.",
            ),
            (APPLIED, "2026-02-30", APPLIED, "Skriv datoen som"),
            (APPLIED, "2026-01-06", APPLIED, "Datoen ligger i fremtiden"),
            (
                APPLIED,
                "2025-01-04",
                APPLIED,
                "Du kan registrere ansøgninger fra det seneste år, altså fra 5. januar 2025.",
            ),
            (CHANNEL, "", CHANNEL, "Vælg hvordan"),
            (CHANNEL, "fax", CHANNEL, "Vælg hvordan"),
            (STATUS, "maybe", STATUS, "Vælg hvor ansøgningen"),
        ];
        for (field, value, error_field, message) in table {
            let mut fields = complete();
            fields.retain(|(n, _)| n != field);
            if !value.is_empty() {
                fields.push((field, value));
            }
            let errors = check_application(&ctx, &form(&fields), &offered(), today())
                .expect_err(&format!("{field}={value:?} must be refused"));
            assert_eq!(errors.len(), 1, "{field}={value:?}: {errors:?}");
            assert_eq!(errors[0].field, *error_field);
            assert!(
                errors[0].message.starts_with(message),
                "{field}={value:?}: {}",
                errors[0].message
            );
        }
        // The edges are accepted: today and exactly a year back.
        for date in ["2026-01-05", "2025-01-05"] {
            let mut fields = complete();
            fields[3] = (APPLIED, date);
            assert!(check_application(&ctx, &form(&fields), &offered(), today()).is_ok());
        }
    }

    #[test]
    fn an_empty_form_lists_every_required_field_in_english_too() {
        let ctx = Context::for_test(Locale::En, "{}");
        let errors = check_application(&ctx, &Action::new("add"), &offered(), today()).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, [EMPLOYER, TITLE, OCCUPATION, APPLIED, CHANNEL]);
        assert!(errors[0]
            .message
            .starts_with("Enter the name of the employer"));
    }

    #[test]
    fn the_status_form_needs_a_known_status() {
        let ctx = Context::for_test(Locale::Da, "{}");
        let ok = Action::new("status/1").with_field(STATUS, "interview");
        assert_eq!(check_status(&ctx, &ok), Ok(Status::Interview));
        assert!(check_status(&ctx, &Action::new("status/1")).is_err());
        let bad = Action::new("status/1").with_field(STATUS, "hired");
        assert!(check_status(&ctx, &bad).is_err());
    }
}
