//! "Medarbejdere" (staff): an administrator sees who has signed in with which role in
//! their municipality, and a vendor who acts for their namespace, beside the sign-in
//! providers' rules that give those roles. The same as `GET
//! /api/v1/municipalities/{code}/staff` and `GET /api/v1/vendors/{namespace}/staff`.

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use minijinja::context;
use minijinja::value::Serde;

use super::session::{Ctx, Signed};
use crate::UiState;
use jobunivers_core::auth::Role;
use jobunivers_store::staff::Staff;
use jobunivers_web::Result;

pub(super) fn routes() -> Router<UiState> {
    Router::new()
        .route("/admin/staff", get(admin_staff))
        .route("/vendor/staff", get(vendor_staff))
}

async fn page(state: &UiState, ctx: Ctx, tenant: String, nav: &str) -> Result<Response> {
    let members = Staff::new(state.market.db().clone())
        .of_tenant(Some(&tenant))
        .await?;
    let rules = ctx
        .ui
        .signin
        .as_ref()
        .map(|s| s.mapping_for(Some(&tenant)))
        .unwrap_or_default();
    let signin = ctx.ui.signin.is_some();
    let template = if nav == "admin" {
        "admin/staff.html"
    } else {
        "vendor/staff.html"
    };
    Ok(ctx.ok(
        template,
        context! {
            tenant => tenant,
            members => Serde(members),
            rules => Serde(rules),
            signin => signin,
            nav => "staff",
        },
    ))
}

async fn admin_staff(State(state): State<UiState>, Signed(ctx, _): Signed) -> Result<Response> {
    let who = ctx.require(Role::Admin)?.clone();
    let code = who.tenant_str().to_owned();
    who.require_admin_of(&code)?;
    page(&state, ctx, code, "admin").await
}

async fn vendor_staff(State(state): State<UiState>, Signed(ctx, _): Signed) -> Result<Response> {
    let who = ctx.require(Role::Vendor)?.clone();
    let namespace = who.tenant_str().to_owned();
    who.require_vendor(&namespace, None)?;
    page(&state, ctx, namespace, "vendor").await
}

#[cfg(test)]
mod tests {
    use crate::{environment, CSRF_FIELD};

    #[test]
    fn the_staff_page_renders_its_people_and_rules() {
        let env = environment().unwrap();
        let html = env
            .get_template("admin/staff.html")
            .unwrap()
            .render(minijinja::context! {
                lang => "da",
                tenant => "0751",
                members => minijinja::value::Serde(serde_json::json!([{"provider": "staff", "subject": "karen", "role": "caseworker", "tenant": "0751", "name": "Karen", "email": null, "matched": "aarhus-caseworkers", "first_ms": 0, "last_ms": 0}])),
                rules => minijinja::value::Serde(serde_json::json!([{"provider": "staff", "claim": "groups", "value": "g", "role": "admin"}])),
                signin => true,
                nav => "staff",
                csrf => "token",
                csrf_field => CSRF_FIELD,
            });
        let html = html.map_err(|e| format!("{e:#}")).unwrap();
        assert!(html.contains("Karen"));
    }
}
