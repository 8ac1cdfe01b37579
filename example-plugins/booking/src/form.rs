//! The request form: which days can be chosen, how the form looks, and how a submission
//! is checked into a request with kind, preferred times and topic.

use jobunivers_sdk::prelude::*;

use crate::calendar::{
    self, holiday, is_weekend, iso_date, local_to_utc_ms, local_today, long_date, parse_date, Day,
};
use crate::config::{Config, Kind, TimeProblem};

/// How many preferred times the form has.
pub const TIMES: usize = 3;
/// How many of them must be filled in.
pub const REQUIRED_TIMES: usize = 2;
/// The longest message accepted, in characters.
pub const NOTE_MAX: usize = 1000;
/// The topic value of "something else".
pub const OTHER: &str = "other";

/// What the citizen typed, kept to fill the form again (after an error or to rebook).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Draft {
    /// The kind's field value.
    pub kind: Option<String>,
    /// The date fields, "YYYY-MM-DD".
    pub dates: [Option<String>; TIMES],
    /// The time fields.
    pub times: [Option<String>; TIMES],
    /// The topic's field value.
    pub topic: Option<String>,
    /// The citizen's own words.
    pub note: Option<String>,
}

impl Draft {
    /// The fields of a submitted form.
    pub fn from_action(action: &Action) -> Draft {
        let get = |name: &str| action.field(name).map(str::to_owned);
        Draft {
            kind: get("kind"),
            dates: std::array::from_fn(|i| get(&format!("date{}", i + 1))),
            times: std::array::from_fn(|i| get(&format!("time{}", i + 1))),
            topic: get("topic"),
            note: get("note"),
        }
    }
}

/// One checked preferred time.
#[derive(Debug, Clone, PartialEq)]
pub struct Chosen {
    /// The local date.
    pub day: Day,
    /// Start and end, minutes after local midnight.
    pub minutes: (u32, u32),
    /// The time field's value, to fill the form again.
    pub value: String,
    /// Start and end in Unix ms.
    pub start_ms: i64,
    /// See `start_ms`.
    pub end_ms: i64,
}

/// A checked submission.
#[derive(Debug, Clone, PartialEq)]
pub struct Valid {
    /// How.
    pub kind: Kind,
    /// When, in the citizen's order of preference.
    pub times: Vec<Chosen>,
    /// The topic's field value.
    pub topic: String,
    /// The topic in Danish and English.
    pub topic_label: (String, String),
    /// The citizen's own words, possibly empty.
    pub note: String,
}

/// Problems with a submission: (field name, message).
pub type Errors = Vec<(String, String)>;

/// The first day the citizen can ask for: the notice counted from today in Denmark,
/// moved on to the next day the jobcentre holds conversations.
pub fn first_possible_day(config: &Config, now_ms: i64) -> Day {
    let mut day = local_today(now_ms) + i64::from(config.min_notice_days);
    // `check` guarantees an open weekday; holidays never fill more than a few days.
    while day_problem(config, day).is_some() {
        day += 1;
    }
    day
}

/// The last day the citizen can ask for.
pub fn last_possible_day(config: &Config, now_ms: i64) -> Day {
    local_today(now_ms) + i64::from(config.max_days_ahead)
}

/// Why no conversation can take place on a day, if so.
pub fn day_problem(config: &Config, day: Day) -> Option<(String, String)> {
    if is_weekend(day) {
        return Some((
            "Jobcentret holder ikke samtaler i weekenden. Vælg en dag fra mandag til fredag."
                .into(),
            "The jobcentre does not hold conversations at weekends. Choose a day from Monday to Friday."
                .into(),
        ));
    }
    if let Some((da, en)) = holiday(day) {
        return Some((
            format!("Den dag er det {da}, og jobcentret har lukket. Vælg en anden dag."),
            format!("That day is {en} and the jobcentre is closed. Choose another day."),
        ));
    }
    if config.hours_on(day).is_none() {
        return Some((
            format!(
                "Jobcentret holder ikke samtaler om {}en. Vælg en anden dag.",
                calendar::weekday_name(day, Locale::Da)
            ),
            format!(
                "The jobcentre does not hold conversations on {}s. Choose another day.",
                calendar::weekday_name(day, Locale::En)
            ),
        ));
    }
    None
}

fn ordinal(ctx: &Context, i: usize) -> String {
    match ctx.locale {
        Locale::Da => format!("{}. ønske", i + 1),
        Locale::En => ["1st choice", "2nd choice", "3rd choice"][i.min(2)].to_owned(),
    }
}

/// The choices of the topic field: the configured topics, then "something else".
///
/// A topic's value is its place in the list ("t0", "t1", ...); a request keeps the
/// topic's words too, so it still reads right if the list changes later.
pub fn topic_choices(config: &Config) -> Vec<(String, String, String)> {
    config
        .topics
        .iter()
        .enumerate()
        .map(|(i, t)| (format!("t{i}"), t.da.clone(), t.en.clone()))
        .chain([(OTHER.to_owned(), "Andet".into(), "Something else".into())])
        .collect()
}

/// Check a submission; every problem goes to its field.
pub fn validate(ctx: &Context, config: &Config, draft: &Draft) -> Result<Valid, Errors> {
    let mut errors: Errors = Vec::new();
    let mut error = |field: &str, da: &str, en: &str| {
        errors.push((field.to_owned(), ctx.t(da, en).to_owned()));
    };

    let kinds = config.kinds();
    let kind = match (kinds.as_slice(), draft.kind.as_deref()) {
        ([only], _) => Some(*only),
        (_, Some(value)) => Kind::parse(value).filter(|k| kinds.contains(k)),
        (_, None) => None,
    };
    if kind.is_none() {
        error(
            "kind",
            "Vælg, hvordan du vil holde samtalen.",
            "Choose how you want to have the conversation.",
        );
    }

    let first = first_possible_day(config, ctx.now_ms);
    let last = last_possible_day(config, ctx.now_ms);
    let mut times: Vec<Chosen> = Vec::new();
    for i in 0..TIMES {
        let (date_field, time_field) = (format!("date{}", i + 1), format!("time{}", i + 1));
        let (date, time) = (draft.dates[i].as_deref(), draft.times[i].as_deref());
        let required = i < REQUIRED_TIMES;
        if date.is_none() && time.is_none() && !required {
            continue;
        }
        let day = match date {
            None if required => {
                error(&date_field, "Vælg en dato.", "Choose a date.");
                None
            }
            None => {
                error(
                    &date_field,
                    "Vælg en dato til tidspunktet, eller lad både dato og tidspunkt være tomme.",
                    "Choose a date for the time, or leave both date and time empty.",
                );
                None
            }
            Some(text) => match parse_date(text) {
                None => {
                    error(
                        &date_field,
                        "Skriv datoen som år-måned-dag, fx 2026-01-19.",
                        "Write the date as year-month-day, e.g. 2026-01-19.",
                    );
                    None
                }
                Some(day) if day < first => {
                    let notice = config.min_notice_days;
                    let (da, en) = if notice > 0 {
                        (
                            format!(
                                "Den første dato, du kan vælge, er {}. Jobcentret skal have mindst {notice} dages varsel.",
                                long_date(first, Locale::Da)
                            ),
                            format!(
                                "The first date you can choose is {}. The jobcentre needs at least {notice} days' notice.",
                                long_date(first, Locale::En)
                            ),
                        )
                    } else {
                        (
                            format!(
                                "Den første dato, du kan vælge, er {}.",
                                long_date(first, Locale::Da)
                            ),
                            format!(
                                "The first date you can choose is {}.",
                                long_date(first, Locale::En)
                            ),
                        )
                    };
                    error(&date_field, &da, &en);
                    None
                }
                Some(day) if day > last => {
                    error(
                        &date_field,
                        &format!(
                            "Du kan højst foreslå en tid {} dage frem. Vælg en dato senest {}.",
                            config.max_days_ahead,
                            long_date(last, Locale::Da)
                        ),
                        &format!(
                            "You can suggest a time at most {} days ahead. Choose a date no later than {}.",
                            config.max_days_ahead,
                            long_date(last, Locale::En)
                        ),
                    );
                    None
                }
                Some(day) => match day_problem(config, day) {
                    Some((da, en)) => {
                        error(&date_field, &da, &en);
                        None
                    }
                    None => Some(day),
                },
            },
        };
        let Some(value) = time else {
            error(&time_field, "Vælg et tidspunkt.", "Choose a time.");
            continue;
        };
        let Some(day) = day else { continue };
        match config.resolve_time(day, value) {
            Ok(minutes) => {
                let chosen = Chosen {
                    day,
                    minutes,
                    value: value.to_owned(),
                    start_ms: local_to_utc_ms(day, minutes.0),
                    end_ms: local_to_utc_ms(day, minutes.1),
                };
                if chosen.start_ms <= ctx.now_ms {
                    // Only possible with no notice at all: a time earlier today.
                    error(
                        &time_field,
                        "Det tidspunkt er allerede gået. Vælg et senere tidspunkt.",
                        "That time has already passed. Choose a later time.",
                    );
                } else if let Some(n) = times
                    .iter()
                    .position(|t| t.start_ms == chosen.start_ms && t.end_ms == chosen.end_ms)
                {
                    let n = n + 1;
                    error(
                        &time_field,
                        &format!("Du har allerede valgt den tid som {n}. ønske. Vælg en anden tid."),
                        &format!("You already chose that time as choice {n}. Choose another time."),
                    );
                } else {
                    times.push(chosen);
                }
            }
            Err(TimeProblem::Unknown) => error(
                &time_field,
                "Vælg et af tidspunkterne på listen.",
                "Choose one of the times in the list.",
            ),
            Err(TimeProblem::Closed) => {}
            Err(TimeProblem::OutsideHours(open, close)) => error(
                &time_field,
                &format!(
                    "Om {}en holder jobcentret samtaler kl. {}-{}. Vælg et tidspunkt inden for det.",
                    calendar::weekday_name(day, Locale::Da),
                    calendar::clock(open, Locale::Da),
                    calendar::clock(close, Locale::Da)
                ),
                &format!(
                    "On {}s the jobcentre holds conversations {}-{}. Choose a time within those hours.",
                    calendar::weekday_name(day, Locale::En),
                    calendar::clock(open, Locale::En),
                    calendar::clock(close, Locale::En)
                ),
            ),
        }
    }

    let topics = topic_choices(config);
    let topic = draft
        .topic
        .as_deref()
        .and_then(|v| topics.iter().find(|(value, _, _)| value == v));
    if topic.is_none() {
        error("topic", "Vælg et emne.", "Choose a topic.");
    }
    let note = draft.note.clone().unwrap_or_default();
    if note.chars().count() > NOTE_MAX {
        error(
            "note",
            &format!("Din besked er for lang. Der er plads til {NOTE_MAX} tegn."),
            &format!("Your message is too long. There is room for {NOTE_MAX} characters."),
        );
    } else if note.is_empty() && topic.is_some_and(|(value, _, _)| value == OTHER) {
        error(
            "note",
            "Skriv kort, hvad du gerne vil tale om.",
            "Write briefly what you would like to talk about.",
        );
    }

    match (kind, topic) {
        (Some(kind), Some((value, da, en))) if errors.is_empty() => Ok(Valid {
            kind,
            times,
            topic: value.clone(),
            topic_label: (da.clone(), en.clone()),
            note,
        }),
        _ => Err(errors),
    }
}

fn with_value(field: Field, value: &Option<String>) -> Field {
    match value {
        Some(v) => field.value(v.clone()),
        None => field,
    }
}

/// The request form, filled with `draft` and showing `errors` at their fields.
pub fn request_form(
    ctx: &Context,
    config: &Config,
    action: &str,
    submit: &str,
    draft: &Draft,
    errors: &Errors,
) -> Form {
    let mut form = Form::new(action, submit);
    let kinds = config.kinds();
    if kinds.len() > 1 {
        let choices = kinds
            .iter()
            .map(|k| Choice::new(k.value(), k.label(ctx)))
            .collect();
        let mut field = Field::radio(
            "kind",
            ctx.t(
                "Hvordan vil du holde samtalen?",
                "How do you want to have the conversation?",
            ),
            choices,
        )
        .required();
        if kinds.contains(&Kind::Physical) && !config.address.trim().is_empty() {
            field = field.hint(format!(
                "{} {}",
                ctx.t(
                    "Møder på jobcentret foregår på",
                    "Meetings at the jobcentre take place at"
                ),
                config.address.trim()
            ));
        }
        form = form.field(with_value(field, &draft.kind));
    }

    let first = first_possible_day(config, ctx.now_ms);
    let date_hint = format!(
        "{} {}. {}",
        ctx.t("Tidligst", "No earlier than"),
        long_date(first, ctx.locale),
        ctx.t(
            "Kun hverdage, hvor jobcentret har åbent.",
            "Only weekdays when the jobcentre is open."
        )
    );
    let time_choices: Vec<Choice> = [(
        String::new(),
        ctx.t("Vælg tidspunkt", "Choose a time").to_owned(),
    )]
    .into_iter()
    .chain(config.time_options(ctx))
    .map(|(value, label)| Choice::new(value, label))
    .collect();
    let hours = format!(
        "{} {}.",
        ctx.t(
            "Jobcentret holder samtaler",
            "The jobcentre holds conversations"
        ),
        config.hours_text(ctx)
    );
    for i in 0..TIMES {
        let optional = if i < REQUIRED_TIMES {
            ""
        } else {
            ctx.t(" (frivilligt)", " (optional)")
        };
        let mut date = Field::date(
            format!("date{}", i + 1),
            format!("{}: {}{optional}", ordinal(ctx, i), ctx.t("dato", "date")),
        )
        .hint(date_hint.clone());
        let mut time = Field::select(
            format!("time{}", i + 1),
            format!(
                "{}: {}{optional}",
                ordinal(ctx, i),
                ctx.t("tidspunkt", "time")
            ),
            time_choices.clone(),
        )
        .hint(hours.clone());
        if i < REQUIRED_TIMES {
            date = date.required();
            time = time.required();
        }
        form = form
            .field(with_value(date, &draft.dates[i]))
            .field(with_value(time, &draft.times[i]));
    }

    let topics: Vec<Choice> = [(
        String::new(),
        ctx.t("Vælg emne", "Choose a topic").to_owned(),
    )]
    .into_iter()
    .chain(
        topic_choices(config)
            .into_iter()
            .map(|(value, da, en)| (value, ctx.t(&da, &en).to_owned())),
    )
    .map(|(value, label)| Choice::new(value, label))
    .collect();
    form = form
        .field(with_value(
            Field::select("topic", ctx.t("Hvad vil du tale om?", "What do you want to talk about?"), topics)
                .required(),
            &draft.topic,
        ))
        .field(with_value(
            Field::multiline("note", ctx.t("Fortæl lidt mere (frivilligt)", "Tell us a bit more (optional)"))
                .hint(ctx.t(
                    "Skriv kort, hvad du gerne vil have hjælp til. Skriv ikke oplysninger om dit helbred, medmindre det er nødvendigt.",
                    "Write briefly what you would like help with. Do not write about your health unless it is necessary.",
                ))
                .max_length(NOTE_MAX as u32),
            &draft.note,
        ));
    for (field, message) in errors {
        form.set_error(field, message.clone());
    }
    form
}

/// The topic text the caseworker reads. Caseworkers work in Danish, so the topic is
/// always in Danish; the citizen's own words go along as written.
pub fn caseworker_topic(ctx: &Context, valid: &Valid) -> String {
    let mut topic = valid.topic_label.0.clone();
    if !valid.note.is_empty() {
        topic = format!("{topic}: {}", valid.note);
    }
    if ctx.locale == Locale::En {
        topic.push_str("\n(Borgeren læser Jobunivers på engelsk.)");
    }
    topic
}

/// The draft that refills the form from an earlier request, keeping only the times
/// that can still be chosen.
pub fn draft_from(
    config: &Config,
    now_ms: i64,
    kind: Kind,
    times: &[(String, String)],
    topic: &str,
    note: &str,
) -> Draft {
    let first = first_possible_day(config, now_ms);
    let last = last_possible_day(config, now_ms);
    let mut draft = Draft {
        kind: Some(kind.value().to_owned()),
        topic: Some(topic.to_owned()),
        note: (!note.is_empty()).then(|| note.to_owned()),
        ..Draft::default()
    };
    let still_possible = times.iter().filter(|(date, value)| {
        parse_date(date).is_some_and(|day| {
            (first..=last).contains(&day)
                && day_problem(config, day).is_none()
                && config.resolve_time(day, value).is_ok()
        })
    });
    for (i, (date, value)) in still_possible.take(TIMES).enumerate() {
        draft.dates[i] = Some(iso_date(parse_date(date).unwrap_or_default()));
        draft.times[i] = Some(value.clone());
    }
    draft
}
