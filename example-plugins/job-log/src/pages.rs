//! The pages of the job log. Plain functions of the data, so they are tested natively.

use jobunivers_sdk::prelude::*;

use crate::advice;
use crate::dates;
use crate::entries::{Channel, Entry, JobLog, Occupation, Status, MAX_ENTRIES};
use crate::input::{self, FieldError};
use crate::rule::{self, Config};

/// Applications shown on the main view; the rest are in the history.
pub const RECENT: usize = 10;
/// Applications per page of the history.
pub const PER_PAGE: usize = 25;

/// The page title.
pub fn title(ctx: &Context) -> &'static str {
    ctx.t("Joblog", "Job log")
}

/// The view of one entry.
pub fn entry_view(id: u32) -> String {
    format!("entry/{id}")
}

/// The view of a page of the history.
pub fn history_view(page: usize) -> String {
    if page <= 1 {
        "history".into()
    } else {
        format!("history/{page}")
    }
}

fn status_choices(ctx: &Context) -> Vec<Choice> {
    Status::ALL
        .into_iter()
        .map(|s| Choice::new(s.value(), s.label(ctx)))
        .collect()
}

/// The form to register an application. `submitted` refills what the citizen typed
/// when there are `errors`.
pub fn application_form(
    ctx: &Context,
    offered: &[Occupation],
    today: i64,
    submitted: Option<&Action>,
    errors: &[FieldError],
) -> Form {
    let value = |name: &str, default: Option<String>| {
        submitted
            .and_then(|a| a.field(name))
            .map(str::to_owned)
            .or(default)
    };
    let with_value = |field: Field, name: &str, default: Option<String>| match value(name, default)
    {
        Some(v) => field.value(v),
        None => field,
    };
    let mut form = Form::new("add", ctx.t("Gem ansøgningen", "Save the application"));
    form = form.field(with_value(
        Field::text(input::EMPLOYER, ctx.t("Arbejdsgiver", "Employer"))
            .required()
            .max_length(input::MAX_TEXT as u32),
        input::EMPLOYER,
        None,
    ));
    form = form.field(with_value(
        Field::text(input::TITLE, ctx.t("Stilling", "Job title"))
            .required()
            .max_length(input::MAX_TEXT as u32)
            .hint(ctx.t(
                "Jobbets titel, som den står i jobopslaget.",
                "The job's title as it appears in the job posting.",
            )),
        input::TITLE,
        None,
    ));
    if !offered.is_empty() {
        let mut choices: Vec<Choice> = offered
            .iter()
            .map(|o| Choice::new(&o.uri, &o.label))
            .collect();
        choices.push(Choice::new(
            input::OTHER,
            ctx.t(
                "Andet, ikke et af mine jobønsker",
                "Other, not one of my desired jobs",
            ),
        ));
        form = form.field(with_value(
            Field::select(
                input::OCCUPATION,
                ctx.t(
                    "Hvilket jobønske hører den til?",
                    "Which desired job does it belong to?",
                ),
                choices,
            )
            .required()
            .hint(ctx.t(
                "Dine jobønsker kommer fra din profil.",
                "Your desired jobs come from your profile.",
            )),
            input::OCCUPATION,
            None,
        ));
    }
    form = form.field(with_value(
        Field::date(
            input::APPLIED,
            ctx.t("Dato for ansøgningen", "Date of the application"),
        )
        .required()
        .hint(ctx.t(
            "Den dag du sendte ansøgningen. Du kan registrere ansøgninger fra det seneste år.",
            "The day you sent the application. You can register applications from the past year.",
        )),
        input::APPLIED,
        Some(dates::iso(today)),
    ));
    let channels = Channel::ALL
        .into_iter()
        .map(|c| Choice::new(c.value(), c.label(ctx)))
        .collect();
    form = form.field(with_value(
        Field::select(
            input::CHANNEL,
            ctx.t("Sådan søgte du", "How you applied"),
            channels,
        )
        .required(),
        input::CHANNEL,
        None,
    ));
    form = form.field(with_value(
        Field::select(
            input::STATUS,
            ctx.t("Status", "Status"),
            status_choices(ctx),
        )
        .required(),
        input::STATUS,
        Some(Status::Sent.value().into()),
    ));
    for e in errors {
        form.set_error(e.field, e.message.clone());
    }
    form
}

/// "Lagermedarbejder hos Salling Group" / "Warehouse worker at Salling Group".
pub fn job_and_employer(ctx: &Context, entry: &Entry) -> String {
    format!("{} {} {}", entry.title, ctx.t("hos", "at"), entry.employer)
}

/// One application in a list.
pub fn entry_card(ctx: &Context, entry: &Entry) -> Card {
    let mut card = Card::new(job_and_employer(ctx, entry))
        .subtitle(format!(
            "{} {} · {}",
            ctx.t("Søgt", "Applied"),
            dates::long(ctx, entry.applied),
            entry.channel.label(ctx)
        ))
        .text(format!(
            "{}: {}",
            ctx.t("Status", "Status"),
            entry.status.label(ctx)
        ));
    if !entry.shared {
        card = card.muted(ctx.t(
            "Ikke sendt til jobcentret endnu.",
            "Not sent to the jobcentre yet.",
        ));
    }
    card.link_view(
        ctx.t("Ret status eller slet", "Change status or delete"),
        entry_view(entry.id),
    )
}

/// The main view: the standing against the rule, the form and the latest applications.
pub fn main_page(
    ctx: &Context,
    config: &Config,
    log: &JobLog,
    today: i64,
    form: Form,
    notice: Option<Alert>,
) -> Page {
    let mut page = Page::new().title(title(ctx));
    if let Some(notice) = notice {
        page = page.alert(notice);
    }
    let applied: Vec<i64> = log.entries.iter().map(|e| e.applied).collect();
    let standing = rule::standing(config, &applied, today);
    for alert in advice::alerts(ctx, config, &standing, !log.entries.is_empty()) {
        page = page.alert(alert);
    }
    if !log.entries.is_empty() {
        let mut card = Card::new(ctx.t("Sådan står det til", "How you are doing"));
        if standing.required > 0 {
            card = card.progress(
                format!(
                    "{} {}: {} {} {}",
                    ctx.t("Ansøgninger", "Applications"),
                    advice::period_name(ctx, &standing),
                    standing.total,
                    ctx.t("af", "of"),
                    standing.required
                ),
                standing.total.min(standing.required),
                standing.required,
            );
        }
        card = card.list(advice::week_lines(ctx, &standing));
        let mut rule_text = advice::rule_sentence(ctx, config);
        // The note on where the period starts only matters when there is a rule.
        let has_rule = config.require_every_week || standing.required > 0;
        if standing.shortened && has_rule {
            if let Some(first) = standing.weeks.first() {
                rule_text.push_str(&format!(
                    " {} {}{}",
                    ctx.t("Perioden regnes her fra", "Here the period is counted from"),
                    advice::week_name(ctx, first),
                    ctx.t(
                        ", hvor din første ansøgning er registreret.",
                        ", when your first application is registered."
                    )
                ));
            }
        }
        page = page.card(card.muted(rule_text));
    }
    let unshared = log.unshared().len() as u32;
    if unshared > 0 {
        page = page
            .alert(
                Alert::info(format!(
                    "{} {}",
                    advice::applications(ctx, unshared),
                    if unshared == 1 {
                        ctx.t(
                            "er gemt her, men er ikke nået frem til jobcentret endnu. Prøv at sende den igen.",
                            "saved here has not reached the jobcentre yet. Try sending it again.",
                        )
                    } else {
                        ctx.t(
                            "er gemt her, men er ikke nået frem til jobcentret endnu. Prøv at sende dem igen.",
                            "saved here have not reached the jobcentre yet. Try sending them again.",
                        )
                    }
                ))
                .title(ctx.t("Ikke sendt endnu", "Not sent yet")),
            )
            .push(Button::new(ctx.t("Send til jobcentret", "Send to the jobcentre"), "resend").secondary());
    }
    page = if log.is_full() {
        full_card(ctx, log, today, page)
    } else {
        page.card(Card::new(ctx.t("Registrér en ansøgning", "Register an application")).form(form))
    };
    page = page.heading(
        2,
        format!(
            "{} ({})",
            ctx.t("Dine ansøgninger", "Your applications"),
            log.entries.len()
        ),
    );
    if log.entries.is_empty() {
        return page.muted(ctx.t(
            "Du har ikke registreret nogen ansøgninger endnu.",
            "You have not registered any applications yet.",
        ));
    }
    for entry in log.newest_first().into_iter().take(RECENT) {
        page = page.card(entry_card(ctx, entry));
    }
    if log.entries.len() > RECENT {
        page = page.link_view(
            format!(
                "{} {} {}",
                ctx.t("Se alle", "See all"),
                log.entries.len(),
                ctx.t("ansøgninger", "applications")
            ),
            history_view(1),
        );
    }
    page
}

/// Instead of the form when the log is full: why, and what to do.
fn full_card(ctx: &Context, log: &JobLog, today: i64, page: Page) -> Page {
    let before = dates::one_year_before(today);
    let old = log.count_before(before) as u32;
    let mut card = Card::new(ctx.t("Registrér en ansøgning", "Register an application")).alert(
        Alert::warning(format!(
            "{} {MAX_ENTRIES} {} {}",
            ctx.t("Din joblog har plads til", "Your job log has room for"),
            ctx.t("ansøgninger, og den er fuld.", "applications, and it is full."),
            ctx.t(
                "Slet nogle af de ældste for at gøre plads. Jobcentret har stadig de ansøgninger, du har sendt til dem.",
                "Delete some of the oldest to make room. The jobcentre still has the applications you sent them."
            )
        ))
        .title(ctx.t("Der er ikke plads til flere", "There is no room for more")),
    );
    if old > 0 {
        card = card.push(
            Button::new(
                format!(
                    "{} {} {} {}",
                    ctx.t("Slet", "Delete"),
                    advice::applications(ctx, old),
                    ctx.t("fra før", "from before"),
                    dates::long(ctx, before)
                ),
                "prune",
            )
            .secondary(),
        );
    }
    page.card(card)
}

/// A page of the history, newest first.
pub fn history_page(ctx: &Context, log: &JobLog, page_no: usize) -> Page {
    let pages = log.entries.len().div_ceil(PER_PAGE).max(1);
    let page_no = page_no.clamp(1, pages);
    let mut page = Page::new()
        .title(title(ctx))
        .heading(1, ctx.t("Alle dine ansøgninger", "All your applications"))
        .muted(format!(
            "{} {page_no} {} {pages} · {}",
            ctx.t("Side", "Page"),
            ctx.t("af", "of"),
            ctx.t("nyeste først", "newest first")
        ));
    if log.entries.is_empty() {
        page = page.text(ctx.t(
            "Du har ikke registreret nogen ansøgninger endnu.",
            "You have not registered any applications yet.",
        ));
    }
    for entry in log
        .newest_first()
        .into_iter()
        .skip((page_no - 1) * PER_PAGE)
        .take(PER_PAGE)
    {
        page = page.card(entry_card(ctx, entry));
    }
    if page_no > 1 {
        page = page.link_view(
            ctx.t("Nyere ansøgninger", "Newer applications"),
            history_view(page_no - 1),
        );
    }
    if page_no < pages {
        page = page.link_view(
            ctx.t("Ældre ansøgninger", "Older applications"),
            history_view(page_no + 1),
        );
    }
    page.link_view(ctx.t("Tilbage til joblogen", "Back to the job log"), "")
}

/// One application: its details, the status form and deletion.
pub fn entry_page(ctx: &Context, entry: &Entry, status_error: Option<String>) -> Page {
    let mut details = vec![
        format!("{}: {}", ctx.t("Arbejdsgiver", "Employer"), entry.employer),
        format!("{}: {}", ctx.t("Stilling", "Job title"), entry.title),
    ];
    details.push(format!(
        "{}: {}",
        ctx.t("Jobønske", "Desired job"),
        entry
            .occupation
            .as_ref()
            .map_or(ctx.t("Andet", "Other"), |o| o.label.as_str())
    ));
    details.push(format!(
        "{}: {}",
        ctx.t("Søgt", "Applied"),
        dates::long(ctx, entry.applied)
    ));
    details.push(format!(
        "{}: {}",
        ctx.t("Sådan søgte du", "How you applied"),
        entry.channel.label(ctx)
    ));
    details.push(format!(
        "{}: {}",
        ctx.t("Registreret", "Registered"),
        dates::long(ctx, dates::danish_day(entry.registered_ms))
    ));
    let mut field = Field::select(
        input::STATUS,
        ctx.t(
            "Hvor står ansøgningen nu?",
            "Where does the application stand now?",
        ),
        status_choices(ctx),
    )
    .required()
    .value(entry.status.value());
    if let Some(e) = status_error {
        field = field.error(e);
    }
    Page::new()
        .title(title(ctx))
        .card(Card::new(job_and_employer(ctx, entry)).list(details))
        .form(
            Form::new(
                format!("status/{}", entry.id),
                ctx.t("Gem status", "Save status"),
            )
            .field(field),
        )
        .push(
            Button::new(
                ctx.t("Slet ansøgningen", "Delete the application"),
                "delete",
            )
            .payload(entry.id.to_string())
            .secondary(),
        )
        .link_view(ctx.t("Tilbage til joblogen", "Back to the job log"), "")
}

/// When an application no longer exists (deleted in another tab, an old link).
pub fn entry_missing_page(ctx: &Context) -> Page {
    Page::new()
        .title(title(ctx))
        .alert(Alert::info(ctx.t(
            "Ansøgningen findes ikke længere i din joblog. Måske er den slettet.",
            "The application is no longer in your job log. Perhaps it was deleted.",
        )))
        .link_view(ctx.t("Tilbage til joblogen", "Back to the job log"), "")
}

/// Ask before deleting an application.
pub fn delete_page(ctx: &Context, entry: &Entry) -> Page {
    Page::new()
        .title(title(ctx))
        .alert(
            Alert::warning(ctx.t(
                "Ansøgningen forsvinder fra din joblog. Jobcentret har stadig den registrering, der blev sendt, da du skrev den ind.",
                "The application disappears from your job log. The jobcentre still has the record sent when you registered it.",
            ))
            .title(format!(
                "{} {}?",
                ctx.t("Vil du slette", "Do you want to delete"),
                job_and_employer(ctx, entry)
            )),
        )
        .push(Button::new(ctx.t("Ja, slet den", "Yes, delete it"), "delete-confirm").payload(entry.id.to_string()))
        .link_view(ctx.t("Nej, behold den", "No, keep it"), entry_view(entry.id))
}

/// Ask before deleting the applications older than a year.
pub fn prune_page(ctx: &Context, count: u32, before: i64) -> Page {
    Page::new()
        .title(title(ctx))
        .alert(
            Alert::warning(ctx.t(
                "De forsvinder fra din joblog. Jobcentret har stadig de registreringer, der blev sendt, da du skrev dem ind.",
                "They disappear from your job log. The jobcentre still has the records sent when you registered them.",
            ))
            .title(format!(
                "{} {} {} {}?",
                ctx.t("Vil du slette", "Do you want to delete"),
                advice::applications(ctx, count),
                ctx.t("fra før", "from before"),
                dates::long(ctx, before)
            )),
        )
        .push(Button::new(ctx.t("Ja, slet dem", "Yes, delete them"), "prune-confirm"))
        .link_view(ctx.t("Nej, gå tilbage", "No, go back"), "")
}

/// When the block can't reach its storage: say so plainly instead of failing.
pub fn storage_refused(ctx: &Context, error: &CapabilityError) -> Page {
    let text = match error {
        CapabilityError::NotGranted(_) | CapabilityError::NotRequested(_) => ctx.t(
            "Din kommune har ikke slået gemning til for joblogen, så den kan ikke bruges lige nu. Kontakt dit jobcenter, hvis du har spørgsmål.",
            "Your municipality has not enabled saving for the job log, so it can't be used right now. Contact your jobcentre if you have questions.",
        ),
        CapabilityError::QuotaExceeded(_) => ctx.t(
            "Der er ikke mere plads til din joblog. Slet nogle af de ældste ansøgninger, og prøv igen.",
            "There is no more room for your job log. Delete some of the oldest applications and try again.",
        ),
        _ => ctx.t(
            "Joblogen kan ikke hente eller gemme dine ansøgninger lige nu. Prøv igen om lidt.",
            "The job log can't load or save your applications right now. Please try again in a moment.",
        ),
    };
    Page::new()
        .title(title(ctx))
        .alert(Alert::error(text).title(ctx.t(
            "Joblogen virker ikke lige nu",
            "The job log is not working right now",
        )))
}
