//! Job feed: the job postings the platform holds, matched to the citizen's job wishes,
//! skills and area, best first, each with the reasons it fits. The citizen saves or
//! dismisses postings, searches on their own, and gets a message about new postings
//! that fit well (a few a day at most, never twice about the same one).
//!
//! The logic is plain Rust in the modules below, tested natively; this file only
//! fetches from the capabilities and hands the data to it.

pub mod config;
pub mod dates;
pub mod matching;
pub mod notifications;
pub mod store;
pub mod views;

#[cfg(test)]
mod fixtures;

use jobunivers_sdk::jobs::{self, JobPosting, JobQuery};
use jobunivers_sdk::prelude::*;
use jobunivers_sdk::{log, notify, profile, storage};
use serde::de::DeserializeOwned;

use config::Config;
use matching::{Place, Wishes};
use store::{NotifyLog, SaveRefused, SavedJob, Search};
use views::{Feed, Notice, SAVED_VIEW, SEARCH_VIEW};

/// Most postings asked for in one search.
const SEARCH_LIMIT: u32 = 100;
/// Job wishes searched for by name as well (postings without an ESCO occupation).
const MAX_WISH_SEARCHES: usize = 5;
/// Most postings fetched for one event; the rest wait for the feed.
const MAX_EVENT_POSTINGS: usize = 200;

/// The job-feed block.
pub struct JobFeed;

/// A stored value for showing a page: what cannot be read is shown as empty, so the
/// feed still works when storage is not granted.
fn load_for_view<T: DeserializeOwned + Default>(key: &str) -> T {
    storage::get_json(key)
        .inspect_err(|e| log::warn(&format!("reading '{key}': {e}")))
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// A stored value about to be changed: what cannot be read must not be overwritten.
fn load_for_change<T: DeserializeOwned + Default>(key: &str) -> Result<T, BlockError> {
    Ok(storage::get_json(key)?.unwrap_or_default())
}

/// What the citizen's profile lets this block match on. A refused profile is one with
/// nothing shared: the feed then shows the newest postings and says what would help.
fn wishes() -> Wishes {
    let profile = profile::get()
        .inspect_err(|e| log::info(&format!("no profile: {e:?}")))
        .ok();
    Wishes::from_profile(profile.as_ref())
}

fn today(ctx: &Context) -> i64 {
    dates::day_of(ctx.now_ms)
}

fn query(
    text: &str,
    occupations: Vec<String>,
    postal_code: Option<String>,
    limit: u32,
) -> JobQuery {
    JobQuery {
        text: text.to_owned(),
        occupations,
        postal_code,
        limit,
    }
}

/// The postings worth scoring for the feed: those in the citizen's job wishes (by
/// ESCO occupation and by name), and, when nothing narrows it down or the installation
/// wants postings outside the wishes too, those near the citizen's postal code and the
/// platform's newest (which brings in the rest of the citizen's part of the country).
fn candidates(wishes: &Wishes, config: &Config) -> Result<Vec<JobPosting>, CapabilityError> {
    let mut found = Vec::new();
    let occupations = wishes.occupations.as_deref().unwrap_or_default();
    if !occupations.is_empty() {
        let uris = occupations.iter().map(|o| o.uri.clone()).collect();
        found.extend(jobs::search(&query("", uris, None, SEARCH_LIMIT))?);
        for o in occupations.iter().take(MAX_WISH_SEARCHES) {
            found.extend(jobs::search(&query(
                &o.label,
                vec![],
                None,
                SEARCH_LIMIT / 4,
            ))?);
        }
    }
    if config.include_without_occupation_match || occupations.is_empty() {
        let area = wishes.area.as_ref().map(|a| a.postal_code.clone());
        if let Some(code) = area.filter(|c| matching::postal(c)) {
            found.extend(jobs::search(&query("", vec![], Some(code), SEARCH_LIMIT))?);
        }
        found.extend(jobs::search(&query("", vec![], None, SEARCH_LIMIT))?);
    }
    Ok(found)
}

fn feed_page(ctx: &Context, config: &Config, notice: Notice) -> Page {
    let wishes = wishes();
    let dismissed: Vec<String> = load_for_view(store::DISMISSED_KEY);
    let saved: Vec<SavedJob> = load_for_view(store::SAVED_KEY);
    let (items, unavailable) = match candidates(&wishes, config) {
        Ok(postings) => (
            matching::rank(
                &wishes,
                postings,
                &dismissed,
                today(ctx),
                config.include_without_occupation_match,
                config.max_results as usize,
            ),
            false,
        ),
        Err(e) => {
            log::warn(&format!("searching postings: {e:?}"));
            (Vec::new(), true)
        }
    };
    let feed = Feed {
        wishes: &wishes,
        items: &items,
        saved: &saved,
        today: today(ctx),
        unavailable,
    };
    views::feed(ctx, &feed, notice)
}

fn job_page(ctx: &Context, id: &str, notice: Notice) -> Page {
    let saved: Vec<SavedJob> = load_for_view(store::SAVED_KEY);
    let is_saved = saved.iter().any(|s| s.id == id);
    match jobs::get(id) {
        Ok(Some(posting)) => {
            let m = matching::score(&wishes(), &posting);
            views::job(ctx, Some((&posting, &m)), is_saved, today(ctx), notice)
        }
        Ok(None) => views::job(ctx, None, is_saved, today(ctx), notice),
        Err(e) => {
            log::warn(&format!("fetching posting '{id}': {e:?}"));
            let mut notice = notice;
            notice.push(
                Alert::warning(ctx.t(
                    "Vi kan ikke hente jobopslaget lige nu. Prøv igen om lidt.",
                    "We cannot fetch the posting right now. Please try again in a little while.",
                ))
                .into(),
            );
            views::job(ctx, None, is_saved, today(ctx), notice)
        }
    }
}

/// The search page for a search: its results, scored against the citizen's wishes,
/// with the searched postal code as the area.
fn search_page(ctx: &Context, config: &Config, search: Option<&Search>, notice: Notice) -> Page {
    let form = views::search_form(
        ctx,
        search.map(|s| s.text.as_str()).filter(|t| !t.is_empty()),
        search.and_then(|s| s.postal_code.as_deref()),
        [None, None],
    );
    let saved: Vec<SavedJob> = load_for_view(store::SAVED_KEY);
    let Some(search) = search else {
        return views::search(ctx, form, None, &saved, today(ctx), notice);
    };
    let q = query(
        &search.text,
        vec![],
        search.postal_code.clone(),
        SEARCH_LIMIT,
    );
    match jobs::search(&q) {
        Ok(postings) => {
            let mut wishes = wishes();
            if let Some(code) = &search.postal_code {
                wishes.area = Some(Place {
                    postal_code: code.clone(),
                    city: String::new(),
                });
            }
            let dismissed: Vec<String> = load_for_view(store::DISMISSED_KEY);
            let results = matching::rank_search(
                &wishes,
                postings,
                &dismissed,
                today(ctx),
                config.max_results as usize,
            );
            views::search(ctx, form, Some(&results), &saved, today(ctx), notice)
        }
        Err(e) => {
            log::warn(&format!("searching postings: {e:?}"));
            let mut notice = notice;
            notice.push(
                Alert::warning(ctx.t(
                    "Vi kan ikke søge i jobopslagene lige nu. Prøv igen om lidt.",
                    "We cannot search the postings right now. Please try again in a little while.",
                ))
                .into(),
            );
            views::search(ctx, form, None, &saved, today(ctx), notice)
        }
    }
}

fn render_view(
    ctx: &Context,
    config: &Config,
    view: &str,
    notice: Notice,
) -> Result<Page, BlockError> {
    match view {
        "" => Ok(feed_page(ctx, config, notice)),
        SAVED_VIEW => {
            let saved: Vec<SavedJob> = load_for_view(store::SAVED_KEY);
            Ok(views::saved(ctx, &saved, today(ctx), notice))
        }
        SEARCH_VIEW => {
            let search: Option<Search> = storage::get_json(store::SEARCH_KEY).ok().flatten();
            Ok(search_page(ctx, config, search.as_ref(), notice))
        }
        v => match v.strip_prefix("job/") {
            Some(id) if !id.is_empty() => Ok(job_page(ctx, id, notice)),
            _ => Err(BlockError::unknown_view(v)),
        },
    }
}

/// What went wrong while changing something, told kindly; the details go to the log.
fn failed(ctx: &Context, what: &str, e: &BlockError) -> Notice {
    log::warn(&format!("{what}: {e}"));
    vec![Alert::warning(ctx.t(
        "Det lykkedes ikke lige nu. Prøv igen om lidt.",
        "That did not work just now. Please try again in a little while.",
    ))
    .into()]
}

fn save(ctx: &Context, id: &str) -> Result<Notice, BlockError> {
    let Some(posting) = jobs::get(id)? else {
        return Ok(vec![Alert::info(ctx.t(
            "Jobopslaget findes ikke længere, så det kan ikke gemmes.",
            "The posting no longer exists, so it cannot be saved.",
        ))
        .into()]);
    };
    let mut saved: Vec<SavedJob> = load_for_change(store::SAVED_KEY)?;
    let alert = match store::save(&mut saved, SavedJob::from_posting(&posting, ctx.now_ms)) {
        Ok(()) => {
            storage::set_json(store::SAVED_KEY, &saved)?;
            Alert::success(format!(
                "{} {}",
                posting.title.trim(),
                ctx.t(
                    "er gemt. Du finder det under \"Dine gemte job\".",
                    "is saved. You find it under \"Your saved jobs\".",
                )
            ))
        }
        Err(SaveRefused::AlreadySaved) => Alert::info(ctx.t(
            "Du har allerede gemt dette job.",
            "You have already saved this job.",
        )),
        Err(SaveRefused::Full) => Alert::warning(format!(
            "{} {} {}",
            ctx.t("Du har gemt", "You have saved"),
            store::MAX_SAVED,
            ctx.t(
                "job, og der er ikke plads til flere. Fjern nogle, du ikke længere vil søge, og prøv igen.",
                "jobs, and there is no room for more. Remove some you no longer want to apply for, and try again.",
            )
        )),
    };
    Ok(vec![alert.into()])
}

fn unsave(ctx: &Context, id: &str) -> Result<Notice, BlockError> {
    let mut saved: Vec<SavedJob> = load_for_change(store::SAVED_KEY)?;
    if store::unsave(&mut saved, id).is_some() {
        storage::set_json(store::SAVED_KEY, &saved)?;
    }
    Ok(vec![Alert::success(ctx.t(
        "Jobbet er fjernet fra dine gemte job.",
        "The job is removed from your saved jobs.",
    ))
    .into()])
}

fn dismiss(ctx: &Context, id: &str) -> Result<Notice, BlockError> {
    let mut dismissed: Vec<String> = load_for_change(store::DISMISSED_KEY)?;
    if store::dismiss(&mut dismissed, id) {
        storage::set_json(store::DISMISSED_KEY, &dismissed)?;
    }
    // Not interesting means not worth remembering either.
    let mut saved: Vec<SavedJob> = load_for_change(store::SAVED_KEY)?;
    if store::unsave(&mut saved, id).is_some() {
        storage::set_json(store::SAVED_KEY, &saved)?;
    }
    Ok(vec![
        Alert::success(ctx.t(
            "Jobbet er skjult, og vi viser det ikke igen.",
            "The job is hidden, and we will not show it again.",
        ))
        .into(),
        Button::new(ctx.t("Fortryd", "Undo"), "undismiss")
            .payload(id)
            .secondary()
            .into(),
    ])
}

fn undismiss(ctx: &Context, id: &str) -> Result<Notice, BlockError> {
    let mut dismissed: Vec<String> = load_for_change(store::DISMISSED_KEY)?;
    if store::undismiss(&mut dismissed, id) {
        storage::set_json(store::DISMISSED_KEY, &dismissed)?;
    }
    Ok(vec![Alert::success(
        ctx.t("Jobbet vises igen.", "The job is shown again."),
    )
    .into()])
}

/// Tell the citizen about the new postings that fit well, within today's allowance.
fn notify_new(ctx: &Context, ids: &[String]) -> Result<(), BlockError> {
    let config: Config = ctx.config()?;
    let day = today(ctx);
    // Read strictly: without the log the block cannot promise "never twice".
    let mut sent: NotifyLog = load_for_change(store::NOTIFIED_KEY)?;
    if ids.is_empty() || sent.sent_on(day) >= config.max_notifications_per_day {
        return Ok(());
    }
    let wishes = wishes();
    if !wishes.knows_anything() {
        // Nothing to match on means no good match to tell about.
        return Ok(());
    }
    let dismissed: Vec<String> = load_for_change(store::DISMISSED_KEY)?;
    let mut postings = Vec::new();
    let fresh = ids
        .iter()
        .filter(|id| !sent.told(id) && !dismissed.contains(id));
    for id in fresh.take(MAX_EVENT_POSTINGS) {
        match jobs::get(id) {
            Ok(Some(p)) => postings.push(p),
            Ok(None) => {}
            Err(e) => {
                log::warn(&format!("fetching new posting '{id}': {e:?}"));
                break;
            }
        }
    }
    let ranked = matching::rank(
        &wishes,
        postings,
        &dismissed,
        day,
        config.include_without_occupation_match,
        MAX_EVENT_POSTINGS,
    );
    let chosen = notifications::plan(
        ranked,
        &sent,
        day,
        config.min_score_to_notify,
        config.max_notifications_per_day,
    );
    for (posting, m) in chosen {
        let (title, body, view) = notifications::message(ctx, &posting, &m);
        match notify::send(&title, &body, Some(&view)) {
            Ok(_) => {
                // Written after each message, so a failure later cannot cause a repeat.
                sent.record(&posting.id, day);
                storage::set_json(store::NOTIFIED_KEY, &sent)?;
            }
            Err(e) => {
                log::warn(&format!("notifying about '{}': {e:?}", posting.id));
                break;
            }
        }
    }
    Ok(())
}

impl Block for JobFeed {
    fn manifest() -> Manifest {
        Manifest::new("jobunivers.job-feed", "1.0.0", Category::Jobs)
            .name("Job til dig", "Jobs for you")
            .description(
                "Ledige job, der passer til dine jobønsker, kompetencer og dit område, de bedste først. Ved hvert job kan du se, hvorfor det passer. Gem dem, du vil søge, skjul dem, du ikke vil, og få besked om nye job, der passer godt.",
                "Vacancies that fit your job wishes, skills and area, best first. Each job shows why it fits. Save the ones you want to apply for, hide the ones you don't, and get a message about new jobs that fit well.",
            )
            .capability(Capability::Jobs, "Henter de ledige job, som vi finder forslag til dig blandt.", "Fetches the vacancies we pick suggestions for you from.")
            .capability(Capability::ProfileOccupations, "Finder job inden for det, du gerne vil arbejde med.", "Finds jobs in the work you want to do.")
            .capability(Capability::ProfileSkills, "Ser, hvilke job der efterspørger det, du kan.", "Sees which jobs ask for what you can do.")
            .capability(Capability::ProfileArea, "Finder job tæt på, hvor du bor, ud fra dit postnummer.", "Finds jobs close to where you live, from your postal code.")
            .capability(Capability::Storage, "Husker de job, du har gemt eller skjult, og hvilke job vi har givet dig besked om.", "Remembers the jobs you saved or hid, and which jobs we told you about.")
            .capability(Capability::Notify, "Giver dig besked, når der kommer nye job, der passer godt til dig (højst få om dagen).", "Tells you when new jobs arrive that fit you well (a few a day at most).")
            .config_schema(config::schema())
            .default_config(config::default_json())
    }

    fn render(ctx: &Context) -> Result<Page, BlockError> {
        let config: Config = ctx.config()?;
        render_view(ctx, &config, &ctx.view, Vec::new())
    }

    fn handle_action(ctx: &Context, action: &Action) -> Result<Page, BlockError> {
        let config: Config = ctx.config()?;
        if action.id == "search" {
            let (text, postal) = (action.field("text"), action.field("postal_code"));
            return Ok(match views::parse_search(ctx, text, postal) {
                Err(form) => views::search(ctx, form, None, &[], today(ctx), Vec::new()),
                Ok(search) => {
                    // Kept so the results come back after saving a job from them; the
                    // results are shown even if that fails.
                    if let Err(e) = storage::set_json(store::SEARCH_KEY, &search) {
                        log::warn(&format!("keeping the search: {e}"));
                    }
                    search_page(ctx, &config, Some(&search), Vec::new())
                }
            });
        }
        let change: fn(&Context, &str) -> Result<Notice, BlockError> = match action.id.as_str() {
            "save" => save,
            "unsave" => unsave,
            "dismiss" => dismiss,
            "undismiss" => undismiss,
            other => return Err(BlockError::unknown_action(other)),
        };
        let id = action
            .payload
            .as_deref()
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .ok_or_else(|| {
                BlockError::BadRequest(format!(
                    "'{}' needs the posting's id as its payload",
                    action.id
                ))
            })?;
        let notice = change(ctx, id).unwrap_or_else(|e| failed(ctx, &action.id, &e));
        // A dismissed job's own page would show it again: go back to the feed.
        let view = if action.id == "dismiss" && ctx.view.starts_with("job/") {
            ""
        } else {
            ctx.view.as_str()
        };
        render_view(ctx, &config, view, notice)
    }

    fn on_event(ctx: &Context, event: &Event) -> Result<(), BlockError> {
        match event {
            Event::NewJobPostings(ids) => notify_new(ctx, ids),
            // The feed is worked out afresh on every visit, so a changed profile or a
            // new day needs nothing done ahead of time.
            Event::ProfileChanged | Event::Tick => Ok(()),
        }
    }
}

jobunivers_sdk::export_block!(JobFeed);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_requests_what_the_block_uses_with_reasons() {
        let m = JobFeed::manifest();
        assert_eq!(
            (m.id.as_str(), m.version.as_str()),
            ("jobunivers.job-feed", "1.0.0")
        );
        assert_eq!(m.category, Category::Jobs);
        let names: Vec<&str> = m
            .capabilities
            .iter()
            .map(|c| c.capability.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "jobs",
                "profile.occupations",
                "profile.skills",
                "profile.area",
                "storage",
                "notify"
            ]
        );
        for c in &m.capabilities {
            assert!(!c.reason_da.is_empty() && !c.reason_en.is_empty());
        }
        let config: Config = serde_json::from_value(m.default_config).unwrap();
        assert_eq!(config, Config::default());
    }

    #[test]
    fn unknown_views_and_actions_and_missing_ids_are_bad_requests() {
        let ctx = Context::for_test(Locale::Da, "{}");
        let config = Config::default();
        for view in ["settings", "job/", "jobs"] {
            assert_eq!(
                render_view(&ctx, &config, view, Vec::new()).unwrap_err(),
                BlockError::unknown_view(view)
            );
        }
        assert_eq!(
            JobFeed::handle_action(&ctx, &Action::new("dance")).unwrap_err(),
            BlockError::unknown_action("dance")
        );
        assert!(matches!(
            JobFeed::handle_action(&ctx, &Action::new("save")),
            Err(BlockError::BadRequest(m)) if m.contains("payload")
        ));
    }

    #[test]
    fn a_search_with_mistakes_comes_back_with_field_messages() {
        let ctx = Context::for_test(Locale::En, "{}");
        let action = Action::new("search").with_field("postal_code", "80");
        let page = JobFeed::handle_action(&ctx, &action).unwrap();
        let form = page
            .elements
            .iter()
            .find_map(|e| match e {
                Element::Form(f) => Some(f),
                _ => None,
            })
            .unwrap();
        let errors: Vec<(&str, &str)> = form
            .fields
            .iter()
            .filter_map(|f| f.error.as_deref().map(|e| (f.name.as_str(), e)))
            .collect();
        assert_eq!(
            errors,
            [("postal_code", "A postal code is four digits, e.g. 8000.")]
        );
    }
}
