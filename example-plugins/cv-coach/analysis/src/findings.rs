//! Turning metrics into concrete, kind advice in Danish and English.
//!
//! Every finding has a stable `code`; texts are prefixed with the severity
//! ("Godt:", "Tip:", "Vigtigt:"). Findings are ordered most important first
//! (Important, then Tip, then Good), otherwise in the order: sections,
//! contact details, length, quantified results, language, keywords.
//!
//! | Code                        | Severity  | When |
//! |-----------------------------|-----------|------|
//! | `empty-cv`                  | Important | no words at all (the only finding then) |
//! | `missing-section-<section>` | Important (experience, education, contact) / Tip | section not found; `<section>` is [`crate::Section::code`] |
//! | `all-sections`              | Good      | all seven sections found |
//! | `sections-found`            | Good      | some sections found |
//! | `missing-email`             | Important | no e-mail (unless `missing-section-contact`) |
//! | `missing-phone`             | Important | no phone (unless `missing-section-contact`) |
//! | `contact-ok`                | Good      | e-mail and phone found |
//! | `too-short`                 | Important | < 150 words |
//! | `rather-short`              | Tip       | 150..300 words |
//! | `length-good`               | Good      | 300..=800 words |
//! | `too-long`                  | Tip / Important (> 1200 words) | > 800 words |
//! | `no-quantified-results`     | Important | no quantified result |
//! | `few-quantified-results`    | Tip       | 1-2 quantified results |
//! | `quantified-results-good`   | Good      | 3 or more |
//! | `no-active-verbs`           | Tip       | no active verbs |
//! | `few-active-verbs`          | Tip       | 1-4 active verbs |
//! | `active-verbs-good`         | Good      | 5 or more |
//! | `weak-phrases`              | Tip       | at least one weak/passive phrase |
//! | `missing-keyword`           | Tip       | one per desired keyword not found |
//! | `keywords-matched`          | Good      | some desired keywords found |
//! | `keywords-good`             | Good      | all desired keywords found |

use crate::score::{FULL_LENGTH_WORDS, MAX_GOOD_WORDS, TOO_SHORT_WORDS, VERY_LONG_WORDS};
use crate::{Analysis, Finding, Locale, Section, Severity};

/// Quantified results from which the CV is praised.
const GOOD_QUANTIFIED: usize = 3;
/// Active verbs from which the CV is praised.
const GOOD_ACTIVE_VERBS: usize = 5;

fn push(out: &mut Vec<Finding>, severity: Severity, code: &'static str, da: String, en: String) {
    out.push(Finding {
        severity,
        code,
        da: format!("{}: {da}", severity.label(Locale::Da)),
        en: format!("{}: {en}", severity.label(Locale::En)),
    });
}

/// Pages with one decimal, Danish style (`1,8`).
fn pages_da(pages: f32) -> String {
    format!("{pages:.1}").replace('.', ",")
}

/// Builds all findings for an analysis (whose metrics are already set).
/// `first_weak` is the first weak phrase found, quoted in the advice.
pub(crate) fn build(a: &Analysis, first_weak: Option<&str>) -> Vec<Finding> {
    let mut out = Vec::with_capacity(16);
    if a.word_count == 0 {
        push(
            &mut out,
            Severity::Important,
            "empty-cv",
            "Vi kunne ikke finde noget tekst i dit CV. Indsæt teksten fra dit CV, så får du konkrete råd."
                .into(),
            "We could not find any text in your CV. Paste the text of your CV to get concrete advice."
                .into(),
        );
        return out;
    }
    sections(a, &mut out);
    contact(a, &mut out);
    length(a, &mut out);
    quantified(a, &mut out);
    language(a, first_weak, &mut out);
    keywords(a, &mut out);
    // Stable sort: most important first, original order otherwise.
    out.sort_by_key(|f| std::cmp::Reverse(f.severity));
    out
}

fn missing_section(s: Section) -> (Severity, &'static str, String, String) {
    let (da_label, en_label) = (s.label(Locale::Da), s.label(Locale::En));
    match s {
        Section::Profile => (
            Severity::Tip,
            "missing-section-profile",
            format!("Tilføj en kort profiltekst øverst i dit CV (3-5 linjer) under overskriften »{da_label}«. Fortæl, hvem du er, hvad du er god til, og hvilket job du søger."),
            format!("Add a short profile at the top of your CV (3-5 lines) under the heading \"{en_label}\". Say who you are, what you are good at and which job you are looking for."),
        ),
        Section::Experience => (
            Severity::Important,
            "missing-section-experience",
            format!("Tilføj et afsnit med overskriften »{da_label}«. Skriv dine job med det nyeste først: periode, stilling, arbejdsplads og dine vigtigste opgaver og resultater. Fritidsjob, praktik og frivilligt arbejde tæller også."),
            format!("Add a section with the heading \"{en_label}\". List your jobs with the most recent first: period, job title, workplace and your main tasks and results. Part-time jobs, internships and volunteering count too."),
        ),
        Section::Education => (
            Severity::Important,
            "missing-section-education",
            format!("Tilføj et afsnit med overskriften »{da_label}«. Skriv dine uddannelser og relevante kurser med årstal, fx AMU-kurser, truckcertifikat eller førstehjælp."),
            format!("Add a section with the heading \"{en_label}\". List your education and relevant courses with years, e.g. vocational (AMU) courses, a forklift licence or first aid."),
        ),
        Section::Skills => (
            Severity::Tip,
            "missing-section-skills",
            format!("Tilføj et afsnit med overskriften »{da_label}« med 4-6 punkter om det, du er særligt god til – både fagligt og personligt."),
            format!("Add a section with the heading \"{en_label}\" with 4-6 bullet points about what you are particularly good at – both professionally and personally."),
        ),
        Section::Languages => (
            Severity::Tip,
            "missing-section-languages",
            format!("Tilføj et afsnit med overskriften »{da_label}«, og skriv, hvor godt du taler og skriver hvert sprog, fx »Dansk: modersmål, Engelsk: godt«."),
            format!("Add a section with the heading \"{en_label}\" and say how well you speak and write each language, e.g. \"Danish: native, English: good\"."),
        ),
        Section::ItSkills => (
            Severity::Tip,
            "missing-section-it-skills",
            format!("Tilføj et afsnit med overskriften »{da_label}«, fx Word, Excel, e-mail, kassesystemer eller andre programmer, du har brugt i dit arbejde."),
            format!("Add a section with the heading \"{en_label}\", e.g. Word, Excel, email, till systems or other software you have used at work."),
        ),
        Section::Contact => (
            Severity::Important,
            "missing-section-contact",
            "Vi kunne ikke finde dine kontaktoplysninger. Skriv din e-mail og dit telefonnummer øverst i CV'et, så en arbejdsgiver nemt kan kontakte dig.".into(),
            "We could not find your contact details. Put your email address and phone number at the top of your CV so an employer can easily reach you.".into(),
        ),
    }
}

fn sections(a: &Analysis, out: &mut Vec<Finding>) {
    let found = a.sections.iter().filter(|c| c.found).count();
    for check in a.sections.iter().filter(|c| !c.found) {
        let (severity, code, da, en) = missing_section(check.section);
        push(out, severity, code, da, en);
    }
    let total = Section::ALL.len();
    if found == total {
        push(out, Severity::Good, "all-sections",
            "Dit CV har alle de afsnit, en dansk arbejdsgiver forventer: profil, erfaring, uddannelse, kompetencer, sprog, IT og kontaktoplysninger.".into(),
            "Your CV has all the sections a Danish employer expects: profile, experience, education, skills, languages, IT and contact details.".into());
    } else if found > 0 {
        push(
            out,
            Severity::Good,
            "sections-found",
            format!("Dit CV har allerede {found} af de {total} afsnit, vi kigger efter."),
            format!("Your CV already has {found} of the {total} sections we look for."),
        );
    }
}

fn contact(a: &Analysis, out: &mut Vec<Finding>) {
    let contact_found = a
        .sections
        .iter()
        .any(|c| c.section == Section::Contact && c.found);
    if !contact_found {
        return; // covered by `missing-section-contact`
    }
    if !a.has_email {
        push(out, Severity::Important, "missing-email",
            "Tilføj din e-mailadresse, så arbejdsgiveren kan skrive til dig. Brug gerne en neutral adresse, fx fornavn.efternavn@…".into(),
            "Add your email address so employers can write to you. A neutral address works best, e.g. firstname.lastname@…".into());
    }
    if !a.has_phone {
        push(out, Severity::Important, "missing-phone",
            "Tilføj dit telefonnummer (8 cifre, fx +45 12 34 56 78), så arbejdsgiveren kan ringe til dig.".into(),
            "Add your phone number (8 digits, e.g. +45 12 34 56 78) so employers can call you.".into());
    }
    if a.has_email && a.has_phone {
        push(
            out,
            Severity::Good,
            "contact-ok",
            "Dit CV har både e-mail og telefonnummer, så du er nem at kontakte.".into(),
            "Your CV includes both email and phone number, so you are easy to reach.".into(),
        );
    }
}

fn length(a: &Analysis, out: &mut Vec<Finding>) {
    let n = a.word_count;
    let pages = a.estimated_pages;
    if n < TOO_SHORT_WORDS {
        push(out, Severity::Important, "too-short",
            format!("Dit CV er ret kort ({n} ord). Tilføj flere detaljer om dine job, opgaver og resultater – et godt CV fylder typisk 1-2 sider."),
            format!("Your CV is quite short ({n} words). Add more detail about your jobs, tasks and results – a good CV is usually 1-2 pages."));
    } else if n < FULL_LENGTH_WORDS {
        push(out, Severity::Tip, "rather-short",
            format!("Dit CV fylder under en side ({n} ord). Der er plads til at uddybe dine vigtigste opgaver og resultater."),
            format!("Your CV is less than a page ({n} words). There is room to say more about your main tasks and results."));
    } else if n <= MAX_GOOD_WORDS {
        push(
            out,
            Severity::Good,
            "length-good",
            format!(
                "Længden passer fint: {n} ord, ca. {} sider.",
                pages_da(pages)
            ),
            format!("The length is just right: {n} words, about {pages:.1} pages."),
        );
    } else {
        let severity = if n > VERY_LONG_WORDS {
            Severity::Important
        } else {
            Severity::Tip
        };
        push(out, severity, "too-long",
            format!("Dit CV fylder ca. {} sider ({n} ord). Prøv at skære ned til højst 2 sider – fokusér på dine seneste og mest relevante job.", pages_da(pages)),
            format!("Your CV is about {pages:.1} pages ({n} words). Try to cut it down to at most 2 pages – focus on your most recent and relevant jobs."));
    }
}

fn quantified(a: &Analysis, out: &mut Vec<Finding>) {
    let n = a.quantified_results;
    if n == 0 {
        push(out, Severity::Important, "no-quantified-results",
            "Tilføj konkrete resultater med tal, fx »betjente ca. 80 kunder om dagen« eller »reducerede spild med 20 %«. Tal gør det nemt for arbejdsgiveren at se, hvad du kan.".into(),
            "Add concrete results with numbers, e.g. \"served about 80 customers a day\" or \"reduced waste by 20%\". Numbers make it easy for an employer to see what you can do.".into());
    } else if n < GOOD_QUANTIFIED {
        let (da, en) = if n == 1 {
            (
                "ét konkret resultat".to_string(),
                "one concrete result".to_string(),
            )
        } else {
            (
                format!("{n} konkrete resultater"),
                format!("{n} concrete results"),
            )
        };
        push(out, Severity::Tip, "few-quantified-results",
            format!("Du har {da} med tal – godt! Tilføj gerne et par stykker mere, fx hvor mange kunder, ordrer eller kolleger du har arbejdet med."),
            format!("You have {en} with numbers – nice! Consider adding a couple more, e.g. how many customers, orders or colleagues you worked with."));
    } else {
        push(out, Severity::Good, "quantified-results-good",
            format!("Du viser dine resultater med tal ({n} steder). Det gør dit CV konkret og troværdigt."),
            format!("You show your results with numbers ({n} places). That makes your CV concrete and credible."));
    }
}

fn language(a: &Analysis, first_weak: Option<&str>, out: &mut Vec<Finding>) {
    let n = a.active_verbs;
    if n == 0 {
        push(out, Severity::Tip, "no-active-verbs",
            "Beskriv dine opgaver med aktive udsagnsord, fx »planlagde«, »koordinerede«, »forbedrede« eller »oplærte«. Så bliver det tydeligt, hvad du selv har gjort.".into(),
            "Describe your tasks with active verbs such as \"planned\", \"coordinated\", \"improved\" or \"trained\". That makes it clear what you did yourself.".into());
    } else if n < GOOD_ACTIVE_VERBS {
        let (da, en) = if n == 1 {
            (
                "ét aktivt udsagnsord".to_string(),
                "one active verb".to_string(),
            )
        } else {
            (
                format!("{n} aktive udsagnsord"),
                format!("{n} active verbs"),
            )
        };
        push(out, Severity::Tip, "few-active-verbs",
            format!("Du bruger allerede {da}. Brug gerne flere, fx »gennemførte«, »opbyggede« eller »løste«."),
            format!("You already use {en}. Feel free to use more, e.g. \"carried out\", \"built\" or \"solved\"."));
    } else {
        push(
            out,
            Severity::Good,
            "active-verbs-good",
            format!(
                "Du bruger mange aktive udsagnsord ({n}), som viser, hvad du selv har udrettet."
            ),
            format!("You use plenty of active verbs ({n}) that show what you achieved yourself."),
        );
    }
    let w = a.passive_or_weak_phrases;
    if w > 0 {
        let example = first_weak.unwrap_or("var med til");
        let (da_places, en_places) = if w == 1 {
            ("1 sted".to_string(), "1 place".to_string())
        } else {
            (format!("{w} steder"), format!("{w} places"))
        };
        push(out, Severity::Tip, "weak-phrases",
            format!("Vendinger som »{example}« siger ikke så meget om din egen indsats ({da_places} i dit CV). Skriv hellere præcist, hvad du gjorde, fx »koordinerede de daglige leverancer« i stedet for »var med til forskellige opgaver«."),
            format!("Phrases like \"{example}\" say little about your own contribution ({en_places} in your CV). Say exactly what you did instead, e.g. \"coordinated the daily deliveries\" rather than \"helped with various tasks\"."));
    }
}

fn keywords(a: &Analysis, out: &mut Vec<Finding>) {
    for kw in &a.missing_keywords {
        push(out, Severity::Tip, "missing-keyword",
            format!("Ordet »{kw}« fra dit jobønske står ikke i dit CV. Har du erfaring med det, så nævn det tydeligt – arbejdsgivere og jobportaler søger ofte på netop de ord."),
            format!("The keyword \"{kw}\" from your job goal is not in your CV. If you have experience with it, mention it clearly – employers and job portals often search for exactly those words."));
    }
    if a.matched_keywords.is_empty() {
        return;
    }
    let list = a.matched_keywords.join(", ");
    if a.missing_keywords.is_empty() {
        push(
            out,
            Severity::Good,
            "keywords-good",
            format!("Dit CV nævner alle dine ønskede nøgleord: {list}."),
            format!("Your CV mentions all your desired keywords: {list}."),
        );
    } else {
        push(
            out,
            Severity::Good,
            "keywords-matched",
            format!("Dit CV nævner allerede disse nøgleord fra dit jobønske: {list}."),
            format!("Your CV already mentions these keywords from your job goal: {list}."),
        );
    }
}
