//! The pages the citizen sees, built from plain data so they can be tested natively:
//! the feed, the saved jobs, one posting, and the citizen's own search.

use jobunivers_sdk::jobs::JobPosting;
use jobunivers_sdk::prelude::*;
use jobunivers_sdk::ui::Link;

use crate::dates;
use crate::matching::{Match, Wishes};
use crate::notifications::job_view;
use crate::store::{by_urgency, SavedJob, Search};

/// The view with the saved jobs.
pub const SAVED_VIEW: &str = "saved";
/// The view with the citizen's own search.
pub const SEARCH_VIEW: &str = "search";

/// Longest search text accepted.
pub const MAX_SEARCH_CHARS: usize = 100;

/// The answer to what the citizen just did, shown first: usually one alert, sometimes
/// with a button to undo it.
pub type Notice = Vec<Element>;

/// What every page starts with: its title and the notice.
fn start(title: &str, notice: Notice) -> Page {
    notice
        .into_iter()
        .fold(Page::new().title(title), |page, e| page.push(e))
}

fn back_to_feed(ctx: &Context) -> Link {
    Link {
        label: ctx.t("Tilbage til dine job", "Back to your jobs").into(),
        target: LinkTarget::View(String::new()),
    }
}

/// "✓ Matcher dit jobønske Lagermedarbejder (+50)", "✗ Langt fra dit område 8000".
pub fn reason_lines(ctx: &Context, m: &Match) -> Vec<String> {
    m.reasons
        .iter()
        .map(|r| {
            if r.good {
                format!("✓ {} (+{})", ctx.t(&r.da, &r.en), r.points)
            } else {
                format!("✗ {}", ctx.t(&r.da, &r.en))
            }
        })
        .collect()
}

/// How a posting is shown: as a card in a list, or in full on its own page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// In the feed or in search results.
    InList,
    /// On its own page, with the whole description.
    Full,
}

/// One posting as a card: where and for whom, how well it fits and why, when to apply,
/// the link to the posting, and buttons to save or dismiss it.
pub fn job_card(
    ctx: &Context,
    job: &JobPosting,
    m: Option<&Match>,
    saved: bool,
    today: i64,
    shown: Shown,
) -> Card {
    let hours = if job.full_time {
        ctx.t("Fuldtid", "Full time")
    } else {
        ctx.t("Deltid", "Part time")
    };
    let mut card = Card::new(job.title.trim()).subtitle(format!(
        "{} · {} {} · {hours}",
        job.employer.trim(),
        job.postal_code.trim(),
        job.city.trim()
    ));
    if let Some(m) = m.filter(|m| !m.reasons.is_empty()) {
        card = card
            .progress(
                ctx.t("Match med dig", "Match with you"),
                u32::from(m.score),
                100,
            )
            .list(reason_lines(ctx, m));
    }
    if shown == Shown::Full && !job.description.trim().is_empty() {
        card = card.text(job.description.trim());
    }
    card = card.muted(dates::posting_line(
        ctx,
        &job.published,
        job.deadline.as_deref(),
        today,
    ));
    card = posting_link(ctx, card, &job.url, &job.employer);
    if shown == Shown::InList {
        if let Some(view) = job_view(&job.id) {
            card = card.link_view(ctx.t("Læs hele jobbet", "Read the whole job"), view);
        }
    }
    let keep = if saved {
        Button::new(ctx.t("Fjern fra gemte", "Remove from saved"), "unsave").secondary()
    } else {
        Button::new(ctx.t("Gem job", "Save job"), "save")
    };
    card.push(keep.payload(&job.id)).push(
        Button::new(ctx.t("Ikke interessant", "Not interesting"), "dismiss")
            .payload(&job.id)
            .secondary(),
    )
}

/// The link to the posting itself; the host only allows https, so other addresses get
/// a note instead of a broken link.
fn posting_link(ctx: &Context, card: Card, url: &str, employer: &str) -> Card {
    let url = url.trim();
    if url.starts_with("https://") && url.len() > "https://".len() {
        card.link_external(
            format!(
                "{} {}",
                ctx.t("Se jobopslaget hos", "See the posting at"),
                employer.trim()
            ),
            url,
        )
    } else {
        card.muted(ctx.t(
            "Jobopslaget har ingen sikker netadresse. Kontakt arbejdsgiveren direkte.",
            "The posting has no secure web address. Contact the employer directly.",
        ))
    }
}

/// What the citizen can share or fill in to get better suggestions; `None` when the
/// block knows all it uses.
pub fn share_hint(ctx: &Context, wishes: &Wishes) -> Option<Card> {
    let mut items: Vec<&str> = Vec::new();
    match &wishes.occupations {
        None => items.push(ctx.t(
            "Del dine jobønsker, så finder vi job inden for det, du gerne vil arbejde med.",
            "Share your job wishes, so we find jobs in the work you want to do.",
        )),
        Some(list) if list.is_empty() => items.push(ctx.t(
            "Skriv dine jobønsker i din profil, så finder vi job inden for det, du gerne vil arbejde med.",
            "Add your job wishes to your profile, so we find jobs in the work you want to do.",
        )),
        Some(_) => {}
    }
    match &wishes.skills {
        None => items.push(ctx.t(
            "Del dine kompetencer, så ser vi, hvilke job der efterspørger det, du kan.",
            "Share your skills, so we see which jobs ask for what you can do.",
        )),
        Some(list) if list.is_empty() => items.push(ctx.t(
            "Skriv dine kompetencer i din profil, så ser vi, hvilke job der efterspørger det, du kan.",
            "Add your skills to your profile, so we see which jobs ask for what you can do.",
        )),
        Some(_) => {}
    }
    match &wishes.area {
        None => items.push(ctx.t(
            "Del dit område (dit postnummer), så finder vi job tæt på dig.",
            "Share your area (your postal code), so we find jobs close to you.",
        )),
        Some(a) if !crate::matching::postal(&a.postal_code) => items.push(ctx.t(
            "Skriv dit postnummer i din profil, så finder vi job tæt på dig.",
            "Add your postal code to your profile, so we find jobs close to you.",
        )),
        Some(_) => {}
    }
    if items.is_empty() {
        return None;
    }
    Some(
        Card::new(ctx.t("Få bedre forslag", "Get better suggestions"))
            .text(ctx.t(
                "Jo mere job-feedet ved om, hvad du søger, jo bedre passer forslagene:",
                "The more the job feed knows about what you are looking for, the better the suggestions:",
            ))
            .list(items)
            .muted(ctx.t(
                "Du bestemmer selv, hvad du deler. Du kan give eller trække samtykke tilbage i din profil.",
                "You decide what you share. You can give or withdraw consent in your profile.",
            )),
    )
}

/// Everything the feed shows.
#[derive(Debug)]
pub struct Feed<'a> {
    /// What the block knows about the citizen.
    pub wishes: &'a Wishes,
    /// The postings, best first.
    pub items: &'a [(JobPosting, Match)],
    /// The citizen's saved jobs.
    pub saved: &'a [SavedJob],
    /// Today (days since 1970-01-01).
    pub today: i64,
    /// The postings could not be fetched.
    pub unavailable: bool,
}

/// The main view: the best matches first.
pub fn feed(ctx: &Context, f: &Feed, notice: Notice) -> Page {
    let knows = f.wishes.knows_anything();
    let mut page = start(ctx.t("Job til dig", "Jobs for you"), notice).lead(if knows {
        ctx.t(
            "Her er de job, der passer bedst til dig lige nu. Ved hvert job kan du se, hvorfor det passer, så du selv kan vurdere det.",
            "These are the jobs that fit you best right now. Each job shows why it fits, so you can judge for yourself.",
        )
    } else {
        ctx.t(
            "Her er de nyeste ledige job. Vi kan ikke se, hvor godt de passer til dig, før du deler lidt fra din profil.",
            "These are the newest vacancies. We cannot tell how well they fit you until you share a little from your profile.",
        )
    });
    if let Some(hint) = share_hint(ctx, f.wishes) {
        page = page.card(hint);
    }
    page = page
        .link_view(
            format!(
                "{} ({})",
                ctx.t("Dine gemte job", "Your saved jobs"),
                f.saved.len()
            ),
            SAVED_VIEW,
        )
        .link_view(
            ctx.t("Søg selv efter job", "Search for jobs yourself"),
            SEARCH_VIEW,
        );
    if f.unavailable {
        return page.alert(Alert::warning(ctx.t(
            "Vi kan ikke hente jobopslag lige nu. Prøv igen om lidt.",
            "We cannot fetch job postings right now. Please try again in a little while.",
        )));
    }
    if f.items.is_empty() {
        return page.alert(Alert::info(ctx.t(
            "Der er ingen nye job, der passer til dig lige nu. Kig forbi igen i morgen, eller søg selv efter job.",
            "There are no new jobs that fit you right now. Look in again tomorrow, or search for jobs yourself.",
        )));
    }
    if knows {
        page = page.muted(ctx.t(
            "Sådan regner vi matchet ud: et job får op til 50 point for dine jobønsker, op til 20 for dine kompetencer og op til 30 for, hvor tæt det ligger på dit område. Vi kender ikke afstande, så vi bruger postnummeret: samme første to cifre er tæt på.",
            "How we work out the match: a job gets up to 50 points for your job wishes, up to 20 for your skills and up to 30 for how close it is to your area. We do not know distances, so we use the postal code: the same first two digits is close.",
        ));
    }
    for (job, m) in f.items {
        let saved = f.saved.iter().any(|s| s.id == job.id);
        page = page.card(job_card(ctx, job, Some(m), saved, f.today, Shown::InList));
    }
    page
}

/// The saved jobs, in the order to apply.
pub fn saved(ctx: &Context, list: &[SavedJob], today: i64, notice: Notice) -> Page {
    let mut page =
        start(ctx.t("Dine gemte job", "Your saved jobs"), notice).push(back_to_feed(ctx));
    if list.is_empty() {
        return page.alert(Alert::info(ctx.t(
            "Du har ikke gemt nogen job endnu. Tryk på \"Gem job\" ved et job, du vil huske.",
            "You have not saved any jobs yet. Press \"Save job\" on a job you want to remember.",
        )));
    }
    page = page.lead(ctx.t(
        "Søg i god tid. De job, hvor fristen er tættest på, står øverst.",
        "Apply in good time. The jobs with the nearest deadline come first.",
    ));
    for s in by_urgency(list, today) {
        let mut card = Card::new(s.title.trim()).subtitle(format!(
            "{} · {} {}",
            s.employer.trim(),
            s.postal_code.trim(),
            s.city.trim()
        ));
        if dates::expired(s.deadline.as_deref(), today) {
            card = card.alert(Alert::warning(ctx.t(
                "Ansøgningsfristen er overskredet.",
                "The deadline has passed.",
            )));
        }
        card = card
            .muted(dates::posting_line(
                ctx,
                &s.published,
                s.deadline.as_deref(),
                today,
            ))
            .muted(format!(
                "{} {}",
                ctx.t("Gemt", "Saved"),
                dates::format(ctx.locale, dates::day_of(s.saved_at_ms))
            ));
        card = posting_link(ctx, card, &s.url, &s.employer);
        if let Some(view) = job_view(&s.id) {
            card = card.link_view(ctx.t("Læs hele jobbet", "Read the whole job"), view);
        }
        page = page.card(
            card.push(
                Button::new(ctx.t("Fjern fra gemte", "Remove from saved"), "unsave")
                    .payload(&s.id)
                    .secondary(),
            ),
        );
    }
    page
}

/// One posting in full; `None` when it no longer exists.
pub fn job(
    ctx: &Context,
    job: Option<(&JobPosting, &Match)>,
    saved: bool,
    today: i64,
    notice: Notice,
) -> Page {
    let Some((p, m)) = job else {
        return start(ctx.t("Jobbet findes ikke længere", "The job is gone"), notice)
            .alert(Alert::info(ctx.t(
                "Jobopslaget findes ikke længere. Måske er stillingen besat, eller opslaget er taget ned.",
                "The posting no longer exists. The position may have been filled, or the posting taken down.",
            )))
            .push(back_to_feed(ctx));
    };
    start(p.title.trim(), notice)
        .push(back_to_feed(ctx))
        .card(job_card(ctx, p, Some(m), saved, today, Shown::Full))
}

/// The search form, with what the citizen wrote and messages next to the fields.
pub fn search_form(
    ctx: &Context,
    text: Option<&str>,
    postal_code: Option<&str>,
    errors: [Option<String>; 2],
) -> Form {
    let [text_error, postal_error] = errors;
    let mut what = Field::text(
        "text",
        ctx.t("Hvad vil du arbejde med?", "What do you want to work with?"),
    )
    .hint(ctx.t(
        "Et eller flere ord, fx lager, chauffør eller rengøring.",
        "One or more words, e.g. warehouse, driver or cleaning.",
    ))
    .max_length(MAX_SEARCH_CHARS as u32);
    let mut place = Field::text("postal_code", ctx.t("Postnummer", "Postal code"))
        .hint(ctx.t(
            "Fire cifre, fx 8000. Vi finder job i området omkring det. Lad feltet stå tomt for hele landet.",
            "Four digits, e.g. 8000. We find jobs in the area around it. Leave it empty for the whole country.",
        ))
        .max_length(4);
    if let Some(v) = text {
        what = what.value(v);
    }
    if let Some(v) = postal_code {
        place = place.value(v);
    }
    let mut form = Form::new("search", ctx.t("Søg", "Search"))
        .field(what)
        .field(place);
    if let Some(e) = text_error {
        form.set_error("text", e);
    }
    if let Some(e) = postal_error {
        form.set_error("postal_code", e);
    }
    form
}

/// Check a submitted search; on a mistake, the form to show again with the messages.
pub fn parse_search(
    ctx: &Context,
    text: Option<&str>,
    postal_code: Option<&str>,
) -> Result<Search, Form> {
    let mut errors: [Option<String>; 2] = [None, None];
    if text.is_none() && postal_code.is_none() {
        errors[0] = Some(
            ctx.t(
                "Skriv et eller flere ord, fx lager eller chauffør, eller et postnummer.",
                "Write one or more words, e.g. warehouse or driver, or a postal code.",
            )
            .to_owned(),
        );
    }
    if text.is_some_and(|t| t.chars().count() > MAX_SEARCH_CHARS) {
        errors[0] = Some(format!(
            "{} {MAX_SEARCH_CHARS} {}",
            ctx.t("Skriv højst", "Write at most"),
            ctx.t("tegn.", "characters.")
        ));
    }
    if postal_code.is_some_and(|p| !crate::matching::postal(p)) {
        errors[1] = Some(
            ctx.t(
                "Et postnummer er fire cifre, fx 8000.",
                "A postal code is four digits, e.g. 8000.",
            )
            .to_owned(),
        );
    }
    if errors.iter().any(Option::is_some) {
        return Err(search_form(ctx, text, postal_code, errors));
    }
    Ok(Search {
        text: text.unwrap_or_default().to_owned(),
        postal_code: postal_code.map(str::to_owned),
    })
}

/// The search page: the form, and the results of the citizen's last search if any.
pub fn search(
    ctx: &Context,
    form: Form,
    results: Option<&[(JobPosting, Match)]>,
    saved_list: &[SavedJob],
    today: i64,
    notice: Notice,
) -> Page {
    let mut page = start(
        ctx.t("Søg selv efter job", "Search for jobs yourself"),
        notice,
    )
    .push(back_to_feed(ctx))
    .form(form);
    let Some(results) = results else {
        return page;
    };
    if results.is_empty() {
        return page.alert(Alert::info(ctx.t(
            "Vi fandt ingen ledige job. Prøv med færre eller andre ord, eller uden postnummer.",
            "We found no open jobs. Try fewer or other words, or no postal code.",
        )));
    }
    page = page.heading(
        2,
        format!(
            "{} {}",
            results.len(),
            if results.len() == 1 {
                ctx.t("job fundet", "job found")
            } else {
                ctx.t("job fundet", "jobs found")
            }
        ),
    );
    for (job, m) in results {
        let saved = saved_list.iter().any(|s| s.id == job.id);
        page = page.card(job_card(ctx, job, Some(m), saved, today, Shown::InList));
    }
    page
}

#[cfg(test)]
#[path = "views_tests.rs"]
mod tests;
