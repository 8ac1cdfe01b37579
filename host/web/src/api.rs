//! The handlers of `/api/v1`, each annotated so the OpenAPI document is generated from
//! the code that serves it.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{Body, Caller, MaybeCaller, OptionalBody, Path, Query};
use super::AppState;
use crate::Result;
use jobunivers_core::auth::DevUser;
use jobunivers_core::auth::Role;
use jobunivers_core::problem::Problem;
use jobunivers_market::{
    ApiToken, AuditEntry, CatalogBlock, CatalogPage, CatalogQuery, Decision, Installation,
    InstallationChange, NewInstallation, NewToken, Notice, PublishedVersion, Resolved, ReviewItem,
    Vendor, VendorKey, VendorRegistration, VersionInfo,
};
use jobunivers_store::db::Municipality;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Jobunivers API",
        description = "The marketplace and host of Jobunivers: vendors publish signed building blocks, the operator reviews them, municipalities install, configure and grant them. Errors are RFC 9457 problem details (application/problem+json).",
        version = "1.0.0"
    ),
    components(schemas(Problem))
)]
struct ApiDoc;

pub(super) fn routes(state: &AppState) -> OpenApiRouter<AppState> {
    let limit = state.market.config().max_package_bytes;
    let v1 = OpenApiRouter::new()
        // One route per path: `routes!` with two paths would serve both methods on each.
        .routes(routes!(dev_users))
        .routes(routes!(dev_login))
        .routes(routes!(municipalities))
        .routes(routes!(register_vendor, list_vendors))
        .routes(routes!(get_vendor))
        .routes(routes!(approve_vendor))
        .routes(routes!(reject_vendor))
        .routes(routes!(add_key, list_keys))
        .routes(routes!(revoke_key))
        .routes(routes!(create_token, list_tokens))
        .routes(routes!(revoke_token))
        .routes(routes!(review_queue))
        .routes(routes!(versions))
        .routes(routes!(decide_version))
        .routes(routes!(deprecate))
        .routes(routes!(catalog))
        .routes(routes!(catalog_block))
        .routes(routes!(list_installations, install))
        .routes(routes!(get_installation, change_installation, uninstall))
        .routes(routes!(installation_action))
        .routes(routes!(resolved))
        .routes(routes!(notices))
        .routes(routes!(audit))
        // The package upload reads up to one byte past the limit itself, so an oversized
        // package gets a problem body rather than a bare 413.
        .merge(
            OpenApiRouter::new()
                .routes(routes!(publish))
                .layer(DefaultBodyLimit::max(limit + 1)),
        );
    OpenApiRouter::with_openapi(ApiDoc::openapi()).nest("/api/v1", v1)
}

type Created<T> = (StatusCode, Json<T>);

fn created<T>(t: T) -> Created<T> {
    (StatusCode::CREATED, Json(t))
}

/// A login request for the development login.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct DevLogin {
    /// A user from GET /api/v1/dev/users, e.g. `admin-0101`.
    #[serde(default)]
    user: Option<String>,
    /// Or any role ...
    #[serde(default)]
    role: Option<Role>,
    /// ... with any tenant ...
    #[serde(default)]
    tenant: Option<String>,
    /// ... and subject.
    #[serde(default)]
    subject: Option<String>,
}

/// A token.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
struct TokenResponse {
    /// The bearer token.
    token: String,
    /// Seconds until it expires.
    expires_in: u64,
    /// Role.
    role: Role,
    /// Tenant.
    tenant: Option<String>,
}

fn dev_enabled(state: &AppState) -> std::result::Result<&[DevUser], Problem> {
    state
        .dev_users
        .as_deref()
        .map(Vec::as_slice)
        .ok_or_else(|| {
            Problem::not_found(
                "dev-login-disabled",
                "the development login is off on this host; sign in through the login broker",
            )
        })
}

/// The users the development login knows (only when it is on).
#[utoipa::path(get, path = "/dev/users", tag = "identity", responses((status = 200, body = Vec<DevUser>), (status = 404, body = Problem)))]
async fn dev_users(State(state): State<AppState>) -> Result<Json<Vec<DevUser>>> {
    Ok(Json(dev_enabled(&state)?.to_vec()))
}

/// Sign in with the development login (only when it is on).
#[utoipa::path(post, path = "/dev/login", tag = "identity", request_body = DevLogin, responses((status = 200, body = TokenResponse), (status = 404, body = Problem), (status = 422, body = Problem), (status = 429, body = Problem)))]
async fn dev_login(
    State(state): State<AppState>,
    Body(req): Body<DevLogin>,
) -> Result<Json<TokenResponse>> {
    let users = dev_enabled(&state)?;
    let (subject, role, tenant) = match (&req.user, req.role) {
        (Some(u), _) => {
            let user = users.iter().find(|d| &d.user == u).ok_or_else(|| {
                Problem::invalid(
                    "unknown-user",
                    format!("there is no development user '{u}'; see GET /api/v1/dev/users"),
                )
                .at("/user")
            })?;
            (user.user.clone(), user.role, user.tenant.clone())
        }
        (None, Some(role)) => (
            req.subject
                .clone()
                .unwrap_or_else(|| format!("dev-{}", role.as_str())),
            role,
            req.tenant.clone(),
        ),
        (None, None) => {
            return Err(Problem::invalid(
                "missing-user",
                "give a user (see GET /api/v1/dev/users), or a role and tenant",
            )
            .at("/user")
            .into())
        }
    };
    state.limits.login(&format!(
        "{}:{subject}@{}",
        role.as_str(),
        tenant.as_deref().unwrap_or("")
    ))?;
    let token = state.auth.issue(&subject, role, tenant.as_deref())?;
    // Refuse a combination the verifier would refuse (e.g. an admin without a code).
    state
        .auth
        .verify(&token)
        .map_err(|p| Problem::invalid("invalid-claims", p.detail))?;
    Ok(Json(TokenResponse {
        token,
        expires_in: jobunivers_core::auth::DEV_TOKEN_SECONDS,
        role,
        tenant,
    }))
}

/// The 98 municipalities.
#[utoipa::path(get, path = "/municipalities", tag = "catalog", responses((status = 200, body = Vec<Municipality>)))]
async fn municipalities(State(state): State<AppState>) -> Result<Json<Vec<Municipality>>> {
    Ok(Json(state.market.db().municipalities().await?))
}

/// Register a vendor; the operator approves it.
#[utoipa::path(post, path = "/vendors", tag = "vendors", request_body = VendorRegistration, security((), ("bearer" = [])), responses((status = 201, body = Vendor), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn register_vendor(
    State(state): State<AppState>,
    MaybeCaller(who): MaybeCaller,
    Body(reg): Body<VendorRegistration>,
) -> Result<Created<Vendor>> {
    Ok(created(
        state.market.register_vendor(who.as_ref(), reg).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct StatusFilter {
    /// pending, approved or rejected.
    status: Option<String>,
}

/// Every vendor (operator).
#[utoipa::path(get, path = "/vendors", tag = "vendors", params(StatusFilter), security(("bearer" = [])), responses((status = 200, body = Vec<Vendor>), (status = 403, body = Problem)))]
async fn list_vendors(
    State(state): State<AppState>,
    Caller(who): Caller,
    Query(f): Query<StatusFilter>,
) -> Result<Json<Vec<Vendor>>> {
    Ok(Json(state.market.vendors(&who, f.status.as_deref()).await?))
}

/// One vendor (operator, or the vendor itself).
#[utoipa::path(get, path = "/vendors/{namespace}", tag = "vendors", params(("namespace" = String, Path)), security(("bearer" = [])), responses((status = 200, body = Vendor), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_vendor(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(ns): Path<String>,
) -> Result<Json<Vendor>> {
    Ok(Json(state.market.vendor(&who, &ns).await?))
}

/// A reason for a decision.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
struct Reason {
    /// Why.
    #[serde(default)]
    reason: Option<String>,
}

/// Approve a vendor (operator).
#[utoipa::path(post, path = "/vendors/{namespace}/approve", tag = "vendors", params(("namespace" = String, Path)), request_body = Option<Reason>, security(("bearer" = [])), responses((status = 200, body = Vendor), (status = 409, body = Problem)))]
async fn approve_vendor(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(ns): Path<String>,
    OptionalBody(r): OptionalBody<Reason>,
) -> Result<Json<Vendor>> {
    Ok(Json(
        state
            .market
            .decide_vendor(&who, &ns, true, r.reason.as_deref())
            .await?,
    ))
}

/// Reject a vendor (operator), with a reason.
#[utoipa::path(post, path = "/vendors/{namespace}/reject", tag = "vendors", params(("namespace" = String, Path)), request_body = Reason, security(("bearer" = [])), responses((status = 200, body = Vendor), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn reject_vendor(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(ns): Path<String>,
    Body(r): Body<Reason>,
) -> Result<Json<Vendor>> {
    Ok(Json(
        state
            .market
            .decide_vendor(&who, &ns, false, r.reason.as_deref())
            .await?,
    ))
}

/// A public key to register.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct NewKey {
    /// What to call it.
    label: String,
    /// base64 of the 32-byte ed25519 public key.
    public_key: String,
}

/// Register a signing key.
#[utoipa::path(post, path = "/vendors/{namespace}/keys", tag = "vendors", params(("namespace" = String, Path)), request_body = NewKey, security(("bearer" = [])), responses((status = 201, body = VendorKey), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn add_key(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(ns): Path<String>,
    Body(k): Body<NewKey>,
) -> Result<Created<VendorKey>> {
    Ok(created(
        state
            .market
            .add_key(&who, &ns, &k.label, &k.public_key)
            .await?,
    ))
}

/// The vendor's keys.
#[utoipa::path(get, path = "/vendors/{namespace}/keys", tag = "vendors", params(("namespace" = String, Path)), security(("bearer" = [])), responses((status = 200, body = Vec<VendorKey>)))]
async fn list_keys(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(ns): Path<String>,
) -> Result<Json<Vec<VendorKey>>> {
    Ok(Json(state.market.keys(&who, &ns).await?))
}

/// Revoke a key.
#[utoipa::path(delete, path = "/vendors/{namespace}/keys/{key_id}", tag = "vendors", params(("namespace" = String, Path), ("key_id" = String, Path)), security(("bearer" = [])), responses((status = 204), (status = 404, body = Problem)))]
async fn revoke_key(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path((ns, key)): Path<(String, String)>,
) -> Result<StatusCode> {
    state.market.revoke_key(&who, &ns, &key).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Create an API token for the CLI; the secret is shown once.
#[utoipa::path(post, path = "/vendors/{namespace}/tokens", tag = "vendors", params(("namespace" = String, Path)), request_body = NewToken, security(("bearer" = [])), responses((status = 201, body = ApiToken), (status = 422, body = Problem)))]
async fn create_token(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(ns): Path<String>,
    Body(t): Body<NewToken>,
) -> Result<Created<ApiToken>> {
    Ok(created(state.market.create_token(&who, &ns, t).await?))
}

/// The vendor's API tokens (without secrets).
#[utoipa::path(get, path = "/vendors/{namespace}/tokens", tag = "vendors", params(("namespace" = String, Path)), security(("bearer" = [])), responses((status = 200, body = Vec<ApiToken>)))]
async fn list_tokens(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(ns): Path<String>,
) -> Result<Json<Vec<ApiToken>>> {
    Ok(Json(state.market.tokens(&who, &ns).await?))
}

/// Revoke an API token.
#[utoipa::path(delete, path = "/vendors/{namespace}/tokens/{id}", tag = "vendors", params(("namespace" = String, Path), ("id" = i64, Path)), security(("bearer" = [])), responses((status = 204), (status = 404, body = Problem)))]
async fn revoke_token(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path((ns, id)): Path<(String, i64)>,
) -> Result<StatusCode> {
    state.market.revoke_token(&who, &ns, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Upload a signed package (a tar of block.wasm, manifest.json and signature.json, as
/// `jobunivers package` makes). Needs a vendor login or an API token with the publish
/// scope.
#[utoipa::path(post, path = "/packages", tag = "publishing", request_body(content = Vec<u8>, content_type = "application/octet-stream"), security(("bearer" = [])),
    responses((status = 201, body = PublishedVersion), (status = 400, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
async fn publish(
    State(state): State<AppState>,
    Caller(who): Caller,
    body: std::result::Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Created<PublishedVersion>> {
    // Packages are costly to check: fewer of them per vendor than other changes.
    state.limits.publish(who.tenant_str())?;
    let limit = state.market.config().max_package_bytes;
    let bytes = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Problem::too_large(format!(
                "the package is larger than the limit of {limit} bytes"
            ))
        } else {
            Problem::bad_request("body-unreadable", e.body_text())
        }
    })?;
    Ok(created(state.market.publish(&who, &bytes).await?))
}

/// Submitted versions waiting for review, with capability diffs (operator).
#[utoipa::path(get, path = "/review", tag = "review", security(("bearer" = [])), responses((status = 200, body = Vec<ReviewItem>), (status = 403, body = Problem)))]
async fn review_queue(
    State(state): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Vec<ReviewItem>>> {
    Ok(Json(state.market.review_queue(&who).await?))
}

/// A block's versions: all for its vendor and the operator, approved ones for others.
#[utoipa::path(get, path = "/blocks/{block}/versions", tag = "review", params(("block" = String, Path)), security((), ("bearer" = [])), responses((status = 200, body = Vec<VersionInfo>), (status = 404, body = Problem)))]
async fn versions(
    State(state): State<AppState>,
    MaybeCaller(who): MaybeCaller,
    Path(block): Path<String>,
) -> Result<Json<Vec<VersionInfo>>> {
    Ok(Json(state.market.versions(who.as_ref(), &block).await?))
}

/// Act on a version: approve, reject, suspend, lift (operator); yank, unyank (vendor).
#[utoipa::path(post, path = "/blocks/{block}/versions/{version}/{action}", tag = "review",
    params(("block" = String, Path), ("version" = String, Path), ("action" = String, Path, description = "approve, reject, suspend, lift, yank or unyank")),
    request_body = Option<Reason>, security(("bearer" = [])),
    responses((status = 200, body = VersionInfo), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn decide_version(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path((block, version, action)): Path<(String, String, String)>,
    OptionalBody(r): OptionalBody<Reason>,
) -> Result<Json<VersionInfo>> {
    let reason = r.reason.as_deref();
    let m = &state.market;
    let info = match action.as_str() {
        "approve" => {
            m.decide(&who, &block, &version, Decision::Approve, reason)
                .await?
        }
        "reject" => {
            m.decide(&who, &block, &version, Decision::Reject, reason)
                .await?
        }
        "suspend" => {
            m.decide(&who, &block, &version, Decision::Suspend, reason)
                .await?
        }
        "lift" => {
            m.decide(&who, &block, &version, Decision::Lift, reason)
                .await?
        }
        "yank" => m.yank(&who, &block, &version, true, reason).await?,
        "unyank" => m.yank(&who, &block, &version, false, reason).await?,
        other => {
            return Err(Problem::not_found(
                "unknown-action",
                format!(
                "'{other}' is not an action; use approve, reject, suspend, lift, yank or unyank"
            ),
            )
            .into())
        }
    };
    Ok(Json(info))
}

/// A deprecation.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct Deprecation {
    /// Why; null or empty un-deprecates.
    #[serde(default)]
    message: Option<String>,
    /// The block to use instead.
    #[serde(default)]
    replacement: Option<String>,
}

/// Deprecate (or un-deprecate) a block (its vendor).
#[utoipa::path(post, path = "/blocks/{block}/deprecate", tag = "review", params(("block" = String, Path)), request_body = Deprecation, security(("bearer" = [])), responses((status = 204), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn deprecate(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(block): Path<String>,
    Body(d): Body<Deprecation>,
) -> Result<StatusCode> {
    state
        .market
        .deprecate(&who, &block, d.message.as_deref(), d.replacement.as_deref())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Search the catalog of approved blocks.
#[utoipa::path(get, path = "/catalog", tag = "catalog", params(CatalogQuery), responses((status = 200, body = CatalogPage), (status = 400, body = Problem)))]
async fn catalog(
    State(state): State<AppState>,
    Query(q): Query<CatalogQuery>,
) -> Result<Json<CatalogPage>> {
    Ok(Json(state.market.catalog(&q).await?))
}

/// One block of the catalog.
#[utoipa::path(get, path = "/catalog/{block}", tag = "catalog", params(("block" = String, Path)), responses((status = 200, body = CatalogBlock), (status = 404, body = Problem)))]
async fn catalog_block(
    State(state): State<AppState>,
    Path(block): Path<String>,
) -> Result<Json<CatalogBlock>> {
    Ok(Json(state.market.catalog_block(&block).await?))
}

/// A municipality's installations, in order, with the version each runs (its admin).
#[utoipa::path(get, path = "/municipalities/{code}/installations", tag = "installations", params(("code" = String, Path)), security(("bearer" = [])), responses((status = 200, body = Vec<Installation>), (status = 403, body = Problem)))]
async fn list_installations(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(code): Path<String>,
) -> Result<Json<Vec<Installation>>> {
    Ok(Json(state.market.installations(&who, &code).await?))
}

/// Install a block (its admin).
#[utoipa::path(post, path = "/municipalities/{code}/installations", tag = "installations", params(("code" = String, Path)), request_body = NewInstallation, security(("bearer" = [])),
    responses((status = 201, body = Installation), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn install(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(code): Path<String>,
    Body(req): Body<NewInstallation>,
) -> Result<Created<Installation>> {
    Ok(created(state.market.install(&who, &code, req).await?))
}

/// One installation (its municipality's admin).
#[utoipa::path(get, path = "/municipalities/{code}/installations/{id}", tag = "installations", params(("code" = String, Path), ("id" = i64, Path)), security(("bearer" = [])), responses((status = 200, body = Installation), (status = 404, body = Problem)))]
async fn get_installation(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path((code, id)): Path<(String, i64)>,
) -> Result<Json<Installation>> {
    Ok(Json(state.market.installation(&who, &code, id).await?))
}

/// Change an installation: requirement, pin/unpin, config, grants, audience, order, enabled.
#[utoipa::path(patch, path = "/municipalities/{code}/installations/{id}", tag = "installations", params(("code" = String, Path), ("id" = i64, Path)), request_body = InstallationChange, security(("bearer" = [])),
    responses((status = 200, body = Installation), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn change_installation(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path((code, id)): Path<(String, i64)>,
    Body(c): Body<InstallationChange>,
) -> Result<Json<Installation>> {
    Ok(Json(
        state.market.change_installation(&who, &code, id, c).await?,
    ))
}

/// Uninstall.
#[utoipa::path(delete, path = "/municipalities/{code}/installations/{id}", tag = "installations", params(("code" = String, Path), ("id" = i64, Path)), security(("bearer" = [])), responses((status = 204), (status = 404, body = Problem)))]
async fn uninstall(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path((code, id)): Path<(String, i64)>,
) -> Result<StatusCode> {
    state.market.uninstall(&who, &code, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Roll back (pin to the previous usable version) or upgrade (unpin, require the latest).
#[utoipa::path(post, path = "/municipalities/{code}/installations/{id}/{action}", tag = "installations",
    params(("code" = String, Path), ("id" = i64, Path), ("action" = String, Path, description = "rollback or upgrade")), security(("bearer" = [])),
    responses((status = 200, body = Installation), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn installation_action(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path((code, id, action)): Path<(String, i64, String)>,
) -> Result<Json<Installation>> {
    match action.as_str() {
        "rollback" => Ok(Json(state.market.rollback(&who, &code, id).await?)),
        "upgrade" => Ok(Json(state.market.upgrade(&who, &code, id).await?)),
        other => Err(Problem::not_found(
            "unknown-action",
            format!("'{other}' is not an action; use rollback or upgrade"),
        )
        .into()),
    }
}

/// What runs for a municipality: enabled installations and their resolved versions, in order.
#[utoipa::path(get, path = "/municipalities/{code}/resolved", tag = "installations", params(("code" = String, Path)), security(("bearer" = [])), responses((status = 200, body = Vec<Resolved>), (status = 403, body = Problem)))]
async fn resolved(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(code): Path<String>,
) -> Result<Json<Vec<Resolved>>> {
    Ok(Json(state.market.resolved_for_staff(&who, &code).await?))
}

/// Messages for a municipality's admins: suspensions, yanks, deprecations, grants needed.
#[utoipa::path(get, path = "/municipalities/{code}/notices", tag = "installations", params(("code" = String, Path)), security(("bearer" = [])), responses((status = 200, body = Vec<Notice>), (status = 403, body = Problem)))]
async fn notices(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(code): Path<String>,
) -> Result<Json<Vec<Notice>>> {
    Ok(Json(state.market.notices(&who, &code).await?))
}

/// The audit log of a tenant (a municipality code or vendor namespace; "platform" for
/// the operator).
#[utoipa::path(get, path = "/audit/{tenant}", tag = "audit", params(("tenant" = String, Path)), security(("bearer" = [])), responses((status = 200, body = Vec<AuditEntry>), (status = 403, body = Problem)))]
async fn audit(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(tenant): Path<String>,
) -> Result<Json<Vec<AuditEntry>>> {
    Ok(Json(state.market.audit_log(&who, &tenant, 200).await?))
}
