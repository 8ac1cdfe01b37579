//! The municipality admin's face: the catalog (search and filters), a block's page, the
//! install wizard with a configuration form generated from the block's schema, the
//! installations with their actions and resolution, notices, each block's health, and a
//! preview of the universe as a citizen would see it. Every page acts for the admin's
//! own municipality only (the library checks it again).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;

use super::blocks;
use super::schema_form;
use super::session::{Ctx, Form, Post, Signed};
use crate::UiState;
use jobunivers_core::auth::{Identity, Role};
use jobunivers_core::problem::Problem;
use jobunivers_market::{
    Audience, CatalogBlock, CatalogQuery, GrantBasis, InstallationChange, NewInstallation,
};
use jobunivers_web::Result;

pub(super) fn routes() -> Router<UiState> {
    Router::new()
        .route("/admin", get(home))
        .route("/admin/catalog", get(catalog))
        .route("/admin/catalog/{block}", get(block_page))
        .route("/admin/install/{block}", get(install_page).post(install))
        .route("/admin/installations/{id}", get(edit_page).post(edit))
        .route(
            "/admin/installations/{id}/uninstall",
            get(uninstall_page).post(uninstall),
        )
        .route("/admin/installations/{id}/{action}", post(act))
        .route("/admin/preview", get(preview))
}

fn admin(ctx: &Ctx) -> Result<(Identity, String)> {
    let who = ctx.require(Role::Admin)?.clone();
    let code = who.tenant_str().to_owned();
    who.require_admin_of(&code)?;
    Ok((who, code))
}

/// The installations (with resolution and actions), notices and health.
async fn home(State(state): State<UiState>, Signed(ctx, _): Signed) -> Result<Response> {
    let (who, code) = admin(&ctx)?;
    let installations = state.market.installations(&who, &code).await?;
    let notices = state.market.notices(&who, &code).await?;
    let health = state.universe.health(&who).await?;
    Ok(ctx.ok(
        "admin/home.html",
        context! {
            code => code,
            installations => Serde(installations),
            notices => Serde(notices),
            health => Serde(health),
            nav => "home",
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
struct Search {
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    capability: Option<String>,
    #[serde(default)]
    vendor: Option<String>,
    #[serde(default)]
    offset: Option<i64>,
}

fn blank(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

async fn catalog(
    State(state): State<UiState>,
    Signed(ctx, _): Signed,
    Query(s): Query<Search>,
) -> Result<Response> {
    admin(&ctx)?;
    let q = CatalogQuery {
        q: blank(s.q.clone()),
        category: blank(s.category.clone()),
        capability: blank(s.capability.clone()),
        vendor: blank(s.vendor.clone()),
        limit: Some(20),
        offset: s.offset.filter(|o| *o > 0),
    };
    let page = state.market.catalog(&q).await?;
    let offset = q.offset.unwrap_or(0);
    let more = offset + (page.blocks.len() as i64) < page.total;
    let mut next = form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("q", &q.q),
        ("category", &q.category),
        ("capability", &q.capability),
        ("vendor", &q.vendor),
    ] {
        if let Some(v) = v {
            next.append_pair(k, v);
        }
    }
    next.append_pair("offset", &(offset + 20).to_string());
    Ok(ctx.ok(
        "admin/catalog.html",
        context! {
            q => q.q, category => q.category, capability => q.capability, vendor => q.vendor,
            total => page.total,
            blocks => Serde(page.blocks),
            next => if more { Some(format!("/admin/catalog?{}", next.finish())) } else { None },
            nav => "catalog",
        },
    ))
}

async fn block_page(
    State(state): State<UiState>,
    Signed(ctx, _): Signed,
    Path(block): Path<String>,
) -> Result<Response> {
    let (who, code) = admin(&ctx)?;
    let b = state.market.catalog_block(&block).await?;
    let installed = state
        .market
        .installations(&who, &code)
        .await?
        .into_iter()
        .find(|i| i.block == b.id)
        .map(|i| i.id);
    Ok(ctx.ok(
        "admin/block.html",
        context! { block => Serde(b), installed => installed, nav => "catalog" },
    ))
}

/// The problem's field errors as (pointer, detail); a problem without field errors
/// but with a pointer counts as one.
fn field_errors(p: &Problem) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = p
        .errors
        .iter()
        .map(|e| (e.place(), e.detail.clone()))
        .collect();
    if out.is_empty() {
        if let Some(ptr) = &p.pointer {
            out.push((ptr.clone(), p.detail.clone()));
        }
    }
    out
}

/// The error summary's entries: a link to the field (by the same id the form uses) and
/// the message.
fn summary(errors: &[(String, String)]) -> Vec<minijinja::Value> {
    errors
        .iter()
        .map(|(ptr, detail)| {
            let anchor = match ptr.strip_prefix("/config") {
                Some(rest) if !rest.is_empty() => {
                    let mut id = String::from("cfg");
                    id.extend(
                        rest.chars()
                            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }),
                    );
                    id
                }
                _ => format!(
                    "f-{}",
                    ptr.trim_start_matches('/').split('/').next().unwrap_or("")
                ),
            };
            context! { anchor => anchor, pointer => ptr, detail => detail }
        })
        .collect()
}

fn error_for(errors: &[(String, String)], pointer: &str) -> Option<String> {
    errors
        .iter()
        .find(|(p, _)| p == pointer || p.starts_with(&format!("{pointer}/")))
        .map(|(_, d)| d.clone())
}

/// What the wizard and the edit page show.
struct Wizard<'a> {
    block: &'a CatalogBlock,
    requirement: String,
    config: serde_json::Value,
    granted: Vec<String>,
    groups: String,
    tracks: Vec<String>,
    basis: GrantBasis,
    position: String,
    errors: Vec<(String, String)>,
}

impl<'a> Wizard<'a> {
    /// The wizard again, as submitted, with the server's errors next to the fields.
    fn resubmitted(
        block: &'a CatalogBlock,
        requirement: String,
        config: serde_json::Value,
        granted: Vec<String>,
        form: &Form,
        problem: &Problem,
    ) -> Self {
        Wizard {
            block,
            requirement,
            config,
            granted,
            groups: form.get("groups").unwrap_or("").to_owned(),
            tracks: tracks_of(form),
            basis: basis_of(form),
            position: form.get("position").unwrap_or("").to_owned(),
            errors: field_errors(problem),
        }
    }
}

impl Wizard<'_> {
    fn context(&self) -> minijinja::Value {
        let caps: Vec<_> = self
            .block
            .capabilities
            .iter()
            .map(|c| {
                context! {
                    name => c.name.clone(),
                    reason => Serde(c.reason.clone()),
                    granted => self.granted.contains(&c.name),
                }
            })
            .collect();
        context! {
            block => Serde(self.block.clone()),
            requirement => self.requirement.clone(),
            fields => Serde(schema_form::fields(&self.block.config_schema, &self.config, &self.errors)),
            capabilities => caps,
            groups => self.groups.clone(),
            tracks => jobunivers_core::caps::Track::ALL
                .iter()
                .map(|t| context! {
                    name => t.as_str(),
                    checked => self.tracks.iter().any(|n| n == t.as_str()),
                })
                .collect::<Vec<_>>(),
            public_task => matches!(self.basis, GrantBasis::PublicTask { .. }),
            reference => match &self.basis {
                GrantBasis::PublicTask { reference } => reference.clone(),
                GrantBasis::Consent => String::new(),
            },
            basis_error => error_for(&self.errors, "/legal_basis"),
            position => self.position.clone(),
            summary => summary(&self.errors),
            requirement_error => error_for(&self.errors, "/requirement").or_else(|| error_for(&self.errors, "/pin")),
            granted_error => error_for(&self.errors, "/granted"),
            audience_error => error_for(&self.errors, "/audience"),
            position_error => error_for(&self.errors, "/position"),
            config_error => self.errors.iter().find(|(p, _)| p == "/config").map(|(_, d)| d.clone()),
        }
    }
}

fn groups_of(form: &Form) -> Audience {
    Audience {
        groups: form
            .get("groups")
            .unwrap_or("")
            .split([',', '\n'])
            .map(str::trim)
            .filter(|g| !g.is_empty())
            .map(str::to_owned)
            .collect(),
        tracks: tracks_of(form),
    }
}

fn tracks_of(form: &Form) -> Vec<String> {
    form.0
        .iter()
        .filter(|(k, _)| k == "tracks")
        .map(|(_, v)| v.clone())
        .collect()
}

/// The legal basis chosen on the form; an empty provision is the server's to refuse.
fn basis_of(form: &Form) -> GrantBasis {
    if form.get("basis") == Some("public-task") {
        GrantBasis::PublicTask {
            reference: form.get("reference").unwrap_or("").to_owned(),
        }
    } else {
        GrantBasis::Consent
    }
}

fn position_of(form: &Form) -> std::result::Result<Option<i64>, Problem> {
    match form
        .get("position")
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        None => Ok(None),
        Some(p) => p.parse().map(Some).map_err(|_| {
            Problem::invalid("invalid-position", "the order must be a whole number").at("/position")
        }),
    }
}

fn granted_of(form: &Form) -> Vec<String> {
    form.0
        .iter()
        .filter(|(k, _)| k == "granted")
        .map(|(_, v)| v.clone())
        .collect()
}

async fn install_page(
    State(state): State<UiState>,
    Signed(ctx, _): Signed,
    Path(block): Path<String>,
) -> Result<Response> {
    admin(&ctx)?;
    let b = state.market.catalog_block(&block).await?;
    let w = Wizard {
        block: &b,
        requirement: format!("^{}", b.latest_version),
        config: serde_json::json!({}),
        granted: vec![],
        groups: String::new(),
        tracks: vec![],
        basis: GrantBasis::Consent,
        position: String::new(),
        errors: vec![],
    };
    Ok(ctx.ok(
        "admin/install.html",
        context! { nav => "catalog", ..w.context() },
    ))
}

async fn install(
    State(state): State<UiState>,
    Path(block): Path<String>,
    Post { ctx, form }: Post,
) -> Result<Response> {
    let (who, code) = admin(&ctx)?;
    let b = state.market.catalog_block(&block).await?;
    let config = schema_form::read(&b.config_schema, &form)?;
    let requirement = form.get("requirement").unwrap_or("").trim().to_owned();
    let granted = granted_of(&form);
    let result = match position_of(&form) {
        Err(p) => Err(p),
        Ok(position) => {
            state
                .market
                .install(
                    &who,
                    &code,
                    NewInstallation {
                        block: b.id.clone(),
                        requirement: Some(requirement.clone()).filter(|r| !r.is_empty()),
                        config: Some(config.clone()),
                        granted: granted.clone(),
                        audience: groups_of(&form),
                        position,
                        enabled: Some(form.get("enabled").is_some()),
                        legal_basis: basis_of(&form),
                    },
                )
                .await
        }
    };
    match result {
        Ok(i) => Ok(ctx
            .flash("success", "admin.flash.installed")
            .redirect(&format!("/admin/installations/{}", i.id))),
        Err(p) if p.status == 422 => {
            let w = Wizard::resubmitted(&b, requirement, config, granted, &form, &p);
            Ok(ctx.render(
                StatusCode::UNPROCESSABLE_ENTITY,
                "admin/install.html",
                context! { problem => p.detail.clone(), nav => "catalog", ..w.context() },
            ))
        }
        Err(p) => Err(p.into()),
    }
}

async fn edit_page(
    State(state): State<UiState>,
    Signed(ctx, _): Signed,
    Path(id): Path<i64>,
) -> Result<Response> {
    let (who, code) = admin(&ctx)?;
    let i = state.market.installation(&who, &code, id).await?;
    let b = state.market.catalog_block(&i.block).await?;
    let w = Wizard {
        block: &b,
        requirement: i.requirement.clone(),
        config: i.config.clone(),
        granted: i.granted.clone(),
        groups: i.audience.groups.join("\n"),
        tracks: i.audience.tracks.clone(),
        basis: i.legal_basis.clone(),
        position: i.position.to_string(),
        errors: vec![],
    };
    Ok(ctx.ok(
        "admin/installation.html",
        context! { installation => Serde(i), nav => "home", ..w.context() },
    ))
}

async fn edit(
    State(state): State<UiState>,
    Path(id): Path<i64>,
    Post { ctx, form }: Post,
) -> Result<Response> {
    let (who, code) = admin(&ctx)?;
    let i = state.market.installation(&who, &code, id).await?;
    let b = state.market.catalog_block(&i.block).await?;
    let config = schema_form::read(&b.config_schema, &form)?;
    let requirement = form.get("requirement").unwrap_or("").trim().to_owned();
    let granted = granted_of(&form);
    let result = match position_of(&form) {
        Err(p) => Err(p),
        Ok(position) => {
            state
                .market
                .change_installation(
                    &who,
                    &code,
                    id,
                    InstallationChange {
                        requirement: Some(requirement.clone())
                            .filter(|r| !r.is_empty() && *r != i.requirement),
                        config: Some(config.clone()),
                        granted: Some(granted.clone()),
                        audience: Some(groups_of(&form)),
                        legal_basis: Some(basis_of(&form)),
                        position,
                        ..Default::default()
                    },
                )
                .await
        }
    };
    match result {
        Ok(_) => Ok(ctx
            .flash("success", "admin.flash.saved")
            .redirect(&format!("/admin/installations/{id}"))),
        Err(p) if p.status == 422 => {
            let w = Wizard::resubmitted(&b, requirement, config, granted, &form, &p);
            Ok(ctx.render(
                StatusCode::UNPROCESSABLE_ENTITY,
                "admin/installation.html",
                context! { installation => Serde(i), problem => p.detail.clone(), nav => "home", ..w.context() },
            ))
        }
        Err(p) => Err(p.into()),
    }
}

async fn uninstall_page(
    State(state): State<UiState>,
    Signed(ctx, _): Signed,
    Path(id): Path<i64>,
) -> Result<Response> {
    let (who, code) = admin(&ctx)?;
    let i = state.market.installation(&who, &code, id).await?;
    Ok(ctx.ok(
        "admin/uninstall.html",
        context! { installation => Serde(i), nav => "home" },
    ))
}

/// upgrade, rollback, pin, unpin, enable, disable, uninstall (confirmed).
async fn act(
    State(state): State<UiState>,
    Path((id, action)): Path<(i64, String)>,
    Post { ctx, form }: Post,
) -> Result<Response> {
    let (who, code) = admin(&ctx)?;
    let m = &state.market;
    let change = |c: InstallationChange| m.change_installation(&who, &code, id, c);
    let key = match action.as_str() {
        "upgrade" => m
            .upgrade(&who, &code, id)
            .await
            .map(|_| "admin.flash.upgraded")?,
        "rollback" => m
            .rollback(&who, &code, id)
            .await
            .map(|_| "admin.flash.rolled_back")?,
        "pin" => {
            let v = form.get("version").unwrap_or("").trim().to_owned();
            change(InstallationChange {
                pin: Some(v),
                ..Default::default()
            })
            .await
            .map(|_| "admin.flash.pinned")?
        }
        "unpin" => change(InstallationChange {
            unpin: true,
            ..Default::default()
        })
        .await
        .map(|_| "admin.flash.unpinned")?,
        "enable" => change(InstallationChange {
            enabled: Some(true),
            ..Default::default()
        })
        .await
        .map(|_| "admin.flash.enabled")?,
        "disable" => change(InstallationChange {
            enabled: Some(false),
            ..Default::default()
        })
        .await
        .map(|_| "admin.flash.disabled")?,
        "uninstall" => {
            if form.get("confirm") != Some("yes") {
                return Err(Problem::invalid(
                    "not-confirmed",
                    "tick the box to confirm that the block is to be removed",
                )
                .at("/confirm")
                .into());
            }
            m.uninstall(&who, &code, id).await?;
            return Ok(ctx
                .flash("success", "admin.flash.uninstalled")
                .redirect("/admin"));
        }
        other => {
            return Err(Problem::not_found(
                "unknown-action",
                format!("'{other}' is not an action on an installation"),
            )
            .into())
        }
    };
    Ok(ctx
        .flash("success", key)
        .redirect(&format!("/admin/installations/{id}")))
}

async fn uninstall(state: State<UiState>, Path(id): Path<i64>, post: Post) -> Result<Response> {
    act(state, Path((id, "uninstall".to_owned())), post).await
}

async fn preview(State(state): State<UiState>, Signed(ctx, _): Signed) -> Result<Response> {
    let (who, _) = admin(&ctx)?;
    let page = state.universe.preview(&who, ctx.lang).await?;
    let prepared: Vec<_> = page
        .blocks
        .iter()
        .map(|b| blocks::prepare(b, None, 2, ""))
        .collect();
    Ok(ctx.ok(
        "admin/preview.html",
        context! { municipality => page.municipality, blocks => Serde(prepared), nav => "preview" },
    ))
}
