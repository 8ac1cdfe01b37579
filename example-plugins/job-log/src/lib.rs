//! Joblog: the citizen's job log, as Danish jobcentres require. The citizen registers
//! the jobs they apply for, later updates how each stands or deletes it, and sees how
//! they stand against the municipality's rule (by default: apply every week and at
//! least 1.5 applications a week on average over 4 weeks). Every application, and every
//! interview or job offer, is recorded as an activity so the caseworker sees it.
//!
//! The logic lives in plain modules tested natively; this file is the block around
//! them: storage, profile and activity calls, and which page answers which view or
//! action.

pub mod advice;
pub mod dates;
pub mod entries;
pub mod input;
pub mod pages;
pub mod rule;

use jobunivers_sdk::prelude::*;
use jobunivers_sdk::{activity, profile, storage};
use serde_json::{json, Value};

use entries::{Entry, JobLog, Occupation, Status, KEY};
use rule::Config;

/// Most activities sent again in one call; keeps a call well inside its budget of
/// capability calls.
const RESEND_PER_CALL: usize = 100;

/// The job-log block.
pub struct JobLogBlock;

/// The citizen's desired occupations as the form offers them: each ESCO URI once, with
/// a label (the URI itself if the profile has none), in the profile's order.
pub fn offered_occupations(list: impl IntoIterator<Item = (String, String)>) -> Vec<Occupation> {
    let mut offered: Vec<Occupation> = Vec::new();
    for (uri, label) in list {
        let uri = uri.trim().to_owned();
        if uri.is_empty() || uri == input::OTHER || offered.iter().any(|o| o.uri == uri) {
            continue;
        }
        let label = input::one_line(&label);
        let label = if label.is_empty() {
            uri.clone()
        } else {
            label.chars().take(input::MAX_TEXT).collect()
        };
        offered.push(Occupation { uri, label });
    }
    offered
}

/// The desired occupations from the profile; none when the citizen has not consented
/// (or the municipality has not granted it): the form then simply has no such field.
fn desired_occupations() -> Vec<Occupation> {
    let occupations = profile::get()
        .ok()
        .and_then(|p| p.desired_occupations)
        .unwrap_or_default();
    offered_occupations(occupations.into_iter().map(|o| (o.uri, o.label)))
}

/// The structured details of an activity, for the caseworker's systems.
pub fn activity_details(entry: &Entry, event: &str, previous: Option<Status>) -> Value {
    let mut details = json!({
        "event": event,
        "entry": entry.id,
        "employer": entry.employer,
        "title": entry.title,
        "occupation_uri": entry.occupation.as_ref().map(|o| o.uri.as_str()),
        "occupation_label": entry.occupation.as_ref().map(|o| o.label.as_str()),
        "date": dates::iso(entry.applied),
        "channel": entry.channel.value(),
        "status": entry.status.value(),
    });
    if let Some(previous) = previous {
        details["previous_status"] = json!(previous.value());
    }
    details
}

/// When an application happened: now if it was today, otherwise noon (UTC) of its day.
pub fn occurred_ms(entry: &Entry, now_ms: i64) -> i64 {
    if entry.applied == dates::danish_day(now_ms) {
        now_ms
    } else {
        entry.applied * dates::DAY_MS + dates::DAY_MS / 2
    }
}

/// Record a registered application for the caseworker; whether it worked.
fn share_application(ctx: &Context, entry: &Entry) -> bool {
    let summary = format!(
        "{}: {} ({}, {})",
        ctx.t("Søgt job", "Applied for a job"),
        pages::job_and_employer(ctx, entry),
        entry.channel.label(ctx).to_lowercase(),
        dates::long(ctx, entry.applied)
    );
    activity::record(
        "job-application",
        &summary,
        &activity_details(entry, "registered", None),
        Some(occurred_ms(entry, ctx.now_ms)),
    )
    .is_ok()
}

/// Record good news (an interview, an offer) for the caseworker; whether it worked.
fn share_progress(ctx: &Context, entry: &Entry, previous: Status) -> bool {
    let summary = format!(
        "{}: {}",
        entry.status.label(ctx),
        pages::job_and_employer(ctx, entry)
    );
    activity::record(
        "job-application",
        &summary,
        &activity_details(entry, "status-changed", Some(previous)),
        Some(ctx.now_ms),
    )
    .is_ok()
}

/// The stored log. The inner error is storage refusing; the outer is a log that can't
/// be read.
fn load() -> Result<Result<JobLog, CapabilityError>, BlockError> {
    match storage::get(KEY) {
        Ok(Some(bytes)) => Ok(Ok(serde_json::from_slice(&bytes)?)),
        Ok(None) => Ok(Ok(JobLog::default())),
        Err(e) => Ok(Err(e)),
    }
}

/// Store the log; the inner error is storage refusing (e.g. the quota).
fn save(log: &JobLog) -> Result<Result<(), CapabilityError>, BlockError> {
    let bytes = serde_json::to_vec(log)?;
    Ok(storage::set(KEY, &bytes))
}

/// Unwrap a storage result, or answer with the page that explains the refusal.
macro_rules! or_explain {
    ($ctx:expr, $result:expr) => {
        match $result? {
            Ok(value) => value,
            Err(e) => return Ok(pages::storage_refused($ctx, &e)),
        }
    };
}

/// The id in a button's payload or after the prefix of a view or action.
fn id_in(text: Option<&str>) -> Result<u32, BlockError> {
    text.and_then(|t| t.parse().ok()).ok_or_else(|| {
        BlockError::BadRequest(format!("'{}' is not an application id", text.unwrap_or("")))
    })
}

/// What the citizen is told after changing a status.
pub fn status_notice(ctx: &Context, entry: &Entry, shared: bool) -> Alert {
    let job = pages::job_and_employer(ctx, entry);
    let told = if shared {
        ctx.t(
            " Din jobkonsulent kan se det.",
            " Your caseworker can see it.",
        )
    } else {
        ""
    };
    match entry.status {
        Status::Interview => Alert::success(format!(
            "{} {job}.{told}",
            ctx.t(
                "Du skal til samtale om jobbet som",
                "You have an interview for the job as"
            )
        ))
        .title(ctx.t("Tillykke med samtalen!", "Congratulations on the interview!")),
        Status::Offer => Alert::success(format!(
            "{} {job}.{told} {}",
            ctx.t("Du er tilbudt jobbet som", "You are offered the job as"),
            ctx.t(
                "Siger du ja, så husk at give jobcentret besked om, hvornår du starter.",
                "If you accept, remember to tell the jobcentre when you start."
            )
        ))
        .title(ctx.t("Tillykke med jobtilbuddet!", "Congratulations on the job offer!")),
        Status::Rejected => Alert::info(ctx.t(
            "Det er ærgerligt med et afslag. Afslag er en helt normal del af at søge job, og hver ansøgning gør dig lidt bedre til den næste.",
            "A rejection is disappointing. Rejections are a normal part of looking for work, and every application makes you a little better at the next one.",
        ))
        .title(format!("{}: {job}", ctx.t("Afslag", "Rejected"))),
        Status::Sent => Alert::info(format!(
            "{} {job} {}",
            ctx.t("Status for", "The status of"),
            ctx.t("er nu Sendt.", "is now Sent.")
        )),
    }
}

fn main_page(ctx: &Context, log: &JobLog, notice: Option<Alert>) -> Result<Page, BlockError> {
    let config: Config = ctx.config()?;
    let today = dates::danish_day(ctx.now_ms);
    let form = pages::application_form(ctx, &desired_occupations(), today, None, &[]);
    Ok(pages::main_page(ctx, &config, log, today, form, notice))
}

fn add(ctx: &Context, action: &Action) -> Result<Page, BlockError> {
    let config: Config = ctx.config()?;
    let today = dates::danish_day(ctx.now_ms);
    let offered = desired_occupations();
    let mut log = or_explain!(ctx, load());
    let refill = |log: &JobLog,
                  errors: &[input::FieldError],
                  notice: Option<Alert>|
     -> Result<Page, BlockError> {
        let form = pages::application_form(ctx, &offered, today, Some(action), errors);
        Ok(pages::main_page(ctx, &config, log, today, form, notice))
    };
    let draft = match input::check_application(ctx, action, &offered, today) {
        Ok(draft) => draft,
        Err(errors) => return refill(&log, &errors, None),
    };
    let Ok(id) = log.add(draft, ctx.now_ms) else {
        return refill(&log, &[], None);
    };
    // Save before telling the caseworker, so they never see an application that is not
    // in the log; the entry is marked unshared until the activity is recorded.
    log.set_shared(id, false);
    match save(&log)? {
        Ok(()) => {}
        Err(CapabilityError::QuotaExceeded(_)) => {
            log.remove(id);
            let notice = Alert::error(ctx.t(
                "Der er ikke mere plads i din joblog, så ansøgningen er ikke gemt. Slet nogle af de ældste ansøgninger, og prøv igen.",
                "There is no more room in your job log, so the application was not saved. Delete some of the oldest applications and try again.",
            ));
            return refill(&log, &[], Some(notice));
        }
        Err(e) => return Ok(pages::storage_refused(ctx, &e)),
    }
    let entry = log
        .get(id)
        .cloned()
        .ok_or_else(|| BlockError::Failed("lost a new entry".into()))?;
    let shared = share_application(ctx, &entry);
    if shared {
        log.set_shared(id, true);
        or_explain!(ctx, save(&log));
    }
    let job = pages::job_and_employer(ctx, &entry);
    let notice = if shared {
        Alert::success(format!(
            "{} {job} {}",
            ctx.t("Din ansøgning til", "Your application for"),
            ctx.t(
                "er gemt, og din jobkonsulent kan se den.",
                "is saved, and your caseworker can see it."
            )
        ))
        .title(ctx.t("Ansøgningen er gemt", "The application is saved"))
    } else {
        Alert::info(format!(
            "{} {job} {}",
            ctx.t("Din ansøgning til", "Your application for"),
            ctx.t(
                "er gemt i din joblog, men den kunne ikke sendes til jobcentret lige nu. Du kan sende den igen senere.",
                "is saved in your job log, but it could not be sent to the jobcentre right now. You can send it again later."
            )
        ))
        .title(ctx.t("Ansøgningen er gemt", "The application is saved"))
    };
    main_page(ctx, &log, Some(notice))
}

fn set_status(ctx: &Context, action: &Action, id: u32) -> Result<Page, BlockError> {
    let mut log = or_explain!(ctx, load());
    let Some(entry) = log.get(id) else {
        return Ok(pages::entry_missing_page(ctx));
    };
    let status = match input::check_status(ctx, action) {
        Ok(status) => status,
        Err(message) => return Ok(pages::entry_page(ctx, entry, Some(message))),
    };
    if status == entry.status {
        let notice = Alert::info(format!(
            "{} {}",
            ctx.t("Status er uændret:", "The status is unchanged:"),
            status.label(ctx)
        ));
        return main_page(ctx, &log, Some(notice));
    }
    let previous = log.set_status(id, status).unwrap_or(status);
    or_explain!(ctx, save(&log));
    let entry = log
        .get(id)
        .cloned()
        .ok_or_else(|| BlockError::Failed("lost an entry".into()))?;
    let shared = status.is_progress() && share_progress(ctx, &entry, previous);
    main_page(ctx, &log, Some(status_notice(ctx, &entry, shared)))
}

fn delete(ctx: &Context, id: u32) -> Result<Page, BlockError> {
    let mut log = or_explain!(ctx, load());
    let notice = match log.remove(id) {
        Some(entry) => {
            or_explain!(ctx, save(&log));
            Alert::info(format!(
                "{} {} {}",
                ctx.t("Ansøgningen til", "The application for"),
                pages::job_and_employer(ctx, &entry),
                ctx.t(
                    "er slettet fra din joblog.",
                    "is deleted from your job log."
                )
            ))
        }
        None => Alert::info(ctx.t(
            "Ansøgningen var allerede slettet.",
            "The application was already deleted.",
        )),
    };
    main_page(ctx, &log, Some(notice))
}

fn resend(ctx: &Context) -> Result<Page, BlockError> {
    let mut log = or_explain!(ctx, load());
    let waiting = log.unshared();
    let mut sent = 0u32;
    for id in waiting.iter().take(RESEND_PER_CALL) {
        let Some(entry) = log.get(*id).cloned() else {
            continue;
        };
        if !share_application(ctx, &entry) {
            // The jobcentre can't be reached now; the rest would fail the same way.
            break;
        }
        log.set_shared(*id, true);
        sent += 1;
    }
    if sent > 0 {
        or_explain!(ctx, save(&log));
    }
    let left = log.unshared().len() as u32;
    let notice = if left == 0 {
        Alert::success(ctx.t(
            "Dine ansøgninger er sendt, og din jobkonsulent kan se dem.",
            "Your applications are sent, and your caseworker can see them.",
        ))
    } else {
        Alert::warning(format!(
            "{} {} {}",
            ctx.t("Det lykkedes ikke at sende", "It was not possible to send"),
            advice::applications(ctx, left),
            if left == 1 {
                ctx.t(
                    "til jobcentret. Den er stadig gemt her. Prøv igen senere.",
                    "to the jobcentre. It is still saved here. Please try again later.",
                )
            } else {
                ctx.t(
                    "til jobcentret. De er stadig gemt her. Prøv igen senere.",
                    "to the jobcentre. They are still saved here. Please try again later.",
                )
            }
        ))
    };
    main_page(ctx, &log, Some(notice))
}

fn prune(ctx: &Context, confirmed: bool) -> Result<Page, BlockError> {
    let mut log = or_explain!(ctx, load());
    let before = dates::one_year_before(dates::danish_day(ctx.now_ms));
    let count = log.count_before(before) as u32;
    if count == 0 {
        return main_page(ctx, &log, None);
    }
    if !confirmed {
        return Ok(pages::prune_page(ctx, count, before));
    }
    let removed = log.remove_before(before) as u32;
    or_explain!(ctx, save(&log));
    let notice = Alert::info(format!(
        "{} {}.",
        advice::applications(ctx, removed),
        ctx.t("er slettet fra din joblog", "deleted from your job log")
    ));
    main_page(ctx, &log, Some(notice))
}

impl Block for JobLogBlock {
    fn manifest() -> Manifest {
        Manifest::new("jobunivers.job-log", "1.0.0", Category::JobLog)
            .name("Joblog", "Job log")
            .description(
                "Skriv de job ind, du søger, og se hvordan du står i forhold til jobcentrets krav. Din jobkonsulent kan se dine ansøgninger.",
                "Register the jobs you apply for and see how you stand against the jobcentre's requirement. Your caseworker can see your applications.",
            )
            .capability(
                Capability::Storage,
                "Gemmer de ansøgninger, du skriver ind i din joblog.",
                "Saves the applications you register in your job log.",
            )
            .capability(
                Capability::Activity,
                "Viser din jobkonsulent de job, du har søgt, og når du bliver kaldt til samtale eller tilbudt et job.",
                "Shows your caseworker the jobs you applied for, and when you are called to an interview or offered a job.",
            )
            .capability(
                Capability::ProfileOccupations,
                "Lader dig vælge, hvilket af dine jobønsker en ansøgning hører til.",
                "Lets you choose which of your desired jobs an application belongs to.",
            )
            .config_schema(rule::schema())
            .default_config(rule::default_config())
    }

    fn render(ctx: &Context) -> Result<Page, BlockError> {
        let log = or_explain!(ctx, load());
        let view = ctx.view.as_str();
        if view.is_empty() {
            return main_page(ctx, &log, None);
        }
        if view == "history" {
            return Ok(pages::history_page(ctx, &log, 1));
        }
        if let Some(page) = view.strip_prefix("history/") {
            let page = page.parse().map_err(|_| BlockError::unknown_view(view))?;
            return Ok(pages::history_page(ctx, &log, page));
        }
        if let Some(id) = view.strip_prefix("entry/") {
            let id = id.parse().map_err(|_| BlockError::unknown_view(view))?;
            return Ok(match log.get(id) {
                Some(entry) => pages::entry_page(ctx, entry, None),
                None => pages::entry_missing_page(ctx),
            });
        }
        Err(BlockError::unknown_view(view))
    }

    fn handle_action(ctx: &Context, action: &Action) -> Result<Page, BlockError> {
        let payload = action.payload.as_deref();
        match action.id.as_str() {
            "add" => add(ctx, action),
            "delete" => {
                let id = id_in(payload)?;
                let log = or_explain!(ctx, load());
                Ok(match log.get(id) {
                    Some(entry) => pages::delete_page(ctx, entry),
                    None => pages::entry_missing_page(ctx),
                })
            }
            "delete-confirm" => delete(ctx, id_in(payload)?),
            "resend" => resend(ctx),
            "prune" => prune(ctx, false),
            "prune-confirm" => prune(ctx, true),
            other => match other.strip_prefix("status/") {
                Some(id) => set_status(ctx, action, id_in(Some(id))?),
                None => Err(BlockError::unknown_action(other)),
            },
        }
    }
}

jobunivers_sdk::export_block!(JobLogBlock);
