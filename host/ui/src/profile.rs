//! "Min profil": the citizen keeps their own profile on one page of small forms, each
//! working without JavaScript: job wishes (search ESCO by Danish label, add, remove),
//! where and from when they can work, CV text, education (add, remove), and how they
//! want to be reached. Every form goes through the same library call as
//! `PATCH /api/v1/me/profile`; a refused change shows each problem at its field, in
//! Danish (or English), with what the citizen typed kept.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;

use super::session::{Ctx, Form, Post, Signed};
use crate::UiState;
use jobunivers_core::auth::{Identity, Role};
use jobunivers_core::problem::Problem;
use jobunivers_universe::citizen::{Citizens, ContactPreferences, CHANNELS, MESSAGE_KINDS};
use jobunivers_universe::profile::{AreaInput, EducationInput, MyProfile, ProfileUpdate};
use jobunivers_web::Result;

pub(super) fn routes() -> Router<UiState> {
    Router::new()
        .route("/profile", get(page))
        .route("/profile/occupations/add", post(add_occupation))
        .route("/profile/occupations/remove", post(remove_occupation))
        .route("/profile/area", post(area))
        .route("/profile/cv", post(cv))
        .route("/profile/education/add", post(add_education))
        .route("/profile/education/remove", post(remove_education))
        .route("/profile/contact", post(contact))
}

fn citizens(state: &UiState) -> Citizens {
    Citizens::new(state.universe.provider().clone())
}

fn citizen(ctx: &Ctx) -> Result<Identity> {
    Ok(ctx.require(Role::Citizen).cloned()?)
}

#[derive(Debug, Default, Deserialize)]
struct Search {
    #[serde(default)]
    q: Option<String>,
}

/// The page, with the occupations found for `q` when the citizen searched, and (after
/// a refused change) the problems by field and what the citizen typed.
async fn render(
    state: &UiState,
    ctx: Ctx,
    who: &Identity,
    status: StatusCode,
    search: Option<&str>,
    refused: Option<(&str, BTreeMap<String, String>, &Form)>,
) -> Result<Response> {
    let citizens = citizens(state);
    let profile = citizens.profile(who).await?;
    let found = match search.map(str::trim).filter(|q| !q.is_empty()) {
        Some(q) => Some(citizens.occupations(who, q).await?),
        None => None,
    };
    let (section, errors, typed) = match refused {
        Some((section, errors, form)) => (
            Some(section),
            errors,
            form.0.iter().cloned().collect::<BTreeMap<String, String>>(),
        ),
        None => (None, BTreeMap::new(), BTreeMap::new()),
    };
    let chosen: Vec<String> = profile
        .contact
        .channels
        .iter()
        .flat_map(|(kind, list)| list.iter().map(move |c| format!("{kind}:{c}")))
        .collect();
    Ok(ctx.render(
        status,
        "citizen/profile.html",
        context! {
            profile => Serde(&profile),
            q => search.unwrap_or(""),
            found => Serde(found),
            section => section,
            errors => errors,
            typed => typed,
            kinds => Serde(MESSAGE_KINDS),
            channels => Serde(CHANNELS),
            chosen => chosen,
            nav => "profile",
        },
    ))
}

async fn page(
    State(state): State<UiState>,
    Signed(ctx, _): Signed,
    Query(search): Query<Search>,
) -> Result<Response> {
    let who = citizen(&ctx)?;
    if search.q.as_deref().is_some_and(|q| q.chars().count() > 200) {
        return Err(Problem::bad_request(
            "search-too-long",
            "the search text is longer than 200 characters",
        )
        .into());
    }
    render(&state, ctx, &who, StatusCode::OK, search.q.as_deref(), None).await
}

/// The field a problem's JSON pointer names, as the page's error keys know it
/// (`/education/0/year` is `year`, `/contact/channels/jobs/0` is `channels`).
fn field_of(pointer: &str) -> String {
    let parts: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
    match parts.as_slice() {
        ["contact", "channels", ..] => "channels".into(),
        ["desired_occupations", ..] => "desired_occupations".into(),
        [.., last] if last.parse::<usize>().is_err() => (*last).to_owned(),
        [first, ..] => (*first).to_owned(),
        [] => String::new(),
    }
}

/// Apply `update`; back to the section on success, the page with the problems at their
/// fields (422) when refused.
async fn apply(
    state: &UiState,
    ctx: Ctx,
    form: &Form,
    section: &str,
    update: ProfileUpdate,
) -> Result<Response> {
    let who = citizen(&ctx)?;
    match citizens(state).update_profile(&who, update).await {
        Ok(_) => Ok(ctx
            .flash("success", "flash.profile_saved")
            .redirect(&format!("/profile#{section}"))),
        Err(problem) if problem.slug() == "profile-invalid" => {
            let errors = problem
                .errors
                .iter()
                .map(|e| (field_of(&e.place()), e.detail.clone()))
                .collect();
            render(
                state,
                ctx,
                &who,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some((section, errors, form)),
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

fn uris(profile: &MyProfile) -> Vec<String> {
    profile
        .desired_occupations
        .iter()
        .map(|c| c.uri.clone())
        .collect()
}

fn educations(profile: &MyProfile) -> Vec<EducationInput> {
    profile
        .education
        .iter()
        .map(|e| EducationInput {
            title: e.title.clone(),
            institution: e.institution.clone(),
            year: e.year,
        })
        .collect()
}

async fn add_occupation(
    State(state): State<UiState>,
    Post { ctx, form }: Post,
) -> Result<Response> {
    let who = citizen(&ctx)?;
    let mut list = uris(&citizens(&state).profile(&who).await?);
    let uri = form.get("uri").unwrap_or("").to_owned();
    if !list.contains(&uri) {
        list.push(uri);
    }
    let update = ProfileUpdate {
        desired_occupations: Some(list),
        ..Default::default()
    };
    apply(&state, ctx, &form, "occupations", update).await
}

async fn remove_occupation(
    State(state): State<UiState>,
    Post { ctx, form }: Post,
) -> Result<Response> {
    let who = citizen(&ctx)?;
    let uri = form.get("uri").unwrap_or("");
    let list = uris(&citizens(&state).profile(&who).await?)
        .into_iter()
        .filter(|u| u != uri)
        .collect();
    let update = ProfileUpdate {
        desired_occupations: Some(list),
        ..Default::default()
    };
    apply(&state, ctx, &form, "occupations", update).await
}

async fn area(State(state): State<UiState>, Post { ctx, form }: Post) -> Result<Response> {
    let text = |name: &str| form.get(name).unwrap_or("").trim().to_owned();
    let (postal_code, city, km) = (text("postal_code"), text("city"), text("max_commute_km"));
    let mut update = ProfileUpdate {
        available_from: Some(Some(text("available_from"))),
        ..Default::default()
    };
    if postal_code.is_empty() && city.is_empty() && km.is_empty() {
        update.preferred_area = Some(None);
    } else {
        update.preferred_area = Some(Some(AreaInput {
            postal_code,
            city,
            // Not a number (or out of range) is refused by the check of the range.
            max_commute_km: km.parse().unwrap_or(u32::MAX),
        }));
    }
    apply(&state, ctx, &form, "area", update).await
}

async fn cv(State(state): State<UiState>, Post { ctx, form }: Post) -> Result<Response> {
    let update = ProfileUpdate {
        cv_text: Some(form.get("cv_text").unwrap_or("").to_owned()),
        ..Default::default()
    };
    apply(&state, ctx, &form, "cv", update).await
}

async fn add_education(State(state): State<UiState>, Post { ctx, form }: Post) -> Result<Response> {
    let who = citizen(&ctx)?;
    let mut list = educations(&citizens(&state).profile(&who).await?);
    let year = form.get("year").unwrap_or("").trim();
    list.push(EducationInput {
        title: form.get("title").unwrap_or("").to_owned(),
        institution: form.get("institution").unwrap_or("").to_owned(),
        // Not a year is refused by the check of the range.
        year: (!year.is_empty()).then(|| year.parse().unwrap_or(0)),
    });
    let update = ProfileUpdate {
        education: Some(list),
        ..Default::default()
    };
    apply(&state, ctx, &form, "education", update).await
}

async fn remove_education(
    State(state): State<UiState>,
    Post { ctx, form }: Post,
) -> Result<Response> {
    let who = citizen(&ctx)?;
    let mut list = educations(&citizens(&state).profile(&who).await?);
    match form.get("index").and_then(|i| i.parse::<usize>().ok()) {
        Some(i) if i < list.len() => {
            list.remove(i);
        }
        _ => {
            return Err(Problem::not_found(
                "unknown-education",
                "there is no such education in your profile",
            )
            .into())
        }
    }
    let update = ProfileUpdate {
        education: Some(list),
        ..Default::default()
    };
    apply(&state, ctx, &form, "education", update).await
}

async fn contact(State(state): State<UiState>, Post { ctx, form }: Post) -> Result<Response> {
    let text = |name: &str| {
        let v = form.get(name).unwrap_or("").trim().to_owned();
        (!v.is_empty()).then_some(v)
    };
    // Checkboxes named `channel` with the value `kind:channel`.
    let mut channels: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in &form.0 {
        if name == "channel" {
            let (kind, channel) = value.split_once(':').unwrap_or((value, ""));
            channels
                .entry(kind.to_owned())
                .or_default()
                .push(channel.to_owned());
        }
    }
    let update = ProfileUpdate {
        contact: Some(ContactPreferences {
            email: text("email"),
            mobile: text("mobile"),
            channels,
        }),
        ..Default::default()
    };
    apply(&state, ctx, &form, "contact", update).await
}
