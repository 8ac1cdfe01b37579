//! Who is signing in: the web pages' sign-in through OpenID providers (the MitID
//! brokers for citizens, the municipality's identity provider for staff) and who a
//! provider's account becomes here.
//!
//! - [`config`]: the operator's provider file, checked at start-up.
//! - [`oidc`]: the protocol with one provider, through the `openidconnect` crate.
//! - [`Signin`]: starts a sign-in (the pending sign-in kept server-side, keyed by the
//!   `state`, see the store's `signins`) and finishes it: the callback's state is taken
//!   once, the code exchanged, the ID token checked, and the account mapped to a
//!   citizen (a pseudonym from the provider's subject, the municipality from a claim,
//!   enrolled on first sign-in) or to staff (role and municipality from the staff
//!   mapping).
//!
//! Starting the session itself is the web pages' business (`jobunivers-ui`).
#![warn(missing_docs)]
#![allow(clippy::result_large_err)]

pub mod config;
pub mod oidc;

use std::sync::Arc;

use serde_json::{Map, Value};

use config::{Kind, Mapping, Provider};
use jobunivers_core::auth::{Identity, Role, MAX_TOKEN_SECONDS};
use jobunivers_core::problem::Problem;
use jobunivers_store::enrolments::{Cpr, Enrolments};
use jobunivers_store::provider::DbProvider;
use jobunivers_store::signins::{Pending, Signins};
use jobunivers_store::staff::{Staff, StaffMember};
use oidc::{Http, Oidc, OidcError};

/// The file in the data directory holding the key citizens' pseudonyms are made with.
pub use jobunivers_store::enrolments::PSEUDONYM_KEY_FILE;

/// A provider as the login page shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Button {
    /// Its name in addresses.
    pub name: String,
    /// Danish text.
    pub display_da: String,
    /// English text.
    pub display_en: String,
}

/// A rule of the staff mapping, as an administrator sees it: who gets which role.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct RoleRule {
    /// The provider's name.
    pub provider: String,
    /// The claim the provider sends (e.g. `groups`).
    pub claim: String,
    /// The claim value that gives the role (e.g. `aarhus-caseworkers`).
    pub value: String,
    /// The role it gives.
    pub role: Role,
}

/// How a finished sign-in ends.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Signed in: start a session for `who`, then go to `return_to`.
    SignedIn {
        /// Who signed in.
        who: Identity,
        /// The path the sign-in started from, if any.
        return_to: Option<String>,
        /// Whether the citizen was enrolled just now.
        enrolled: bool,
        /// The provider's ID token (the hint when signing out there).
        id_token: Option<String>,
    },
    /// A citizen whose municipality the provider does not say, or names a code that is
    /// not a Danish municipality: nothing was written.
    NoMunicipality,
    /// A member of staff whom the mapping gives no role: nothing was written.
    NoRole,
}

/// The sign-in service: every configured provider.
pub struct Signin {
    providers: Vec<Arc<Oidc>>,
    pending: Signins,
    staff: Staff,
    citizens: Arc<DbProvider>,
    /// The enrolment lists, and the pseudonym key they and the citizens' ids share.
    enrolments: Enrolments,
    public_url: String,
}

impl std::fmt::Debug for Signin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signin")
            .field("providers", &self.providers)
            .finish_non_exhaustive()
    }
}

fn refused(slug: &str, detail: impl Into<String>) -> Problem {
    Problem::new(400, slug, "Sign-in refused", detail)
}

impl Signin {
    /// The providers of `providers`, whose callbacks are under `public_url`
    /// (`{public_url}/signin/{name}/callback`); citizens are enrolled through
    /// `citizens`, pseudonymised with the key of `enrolments`, whose lists say where
    /// a citizen known only by CPR number belongs.
    pub fn new(
        providers: Vec<Provider>,
        public_url: &str,
        enrolments: Enrolments,
        citizens: Arc<DbProvider>,
    ) -> anyhow::Result<Self> {
        let public_url = public_url.trim_end_matches('/').to_owned();
        anyhow::ensure!(
            public_url.starts_with("https://") || public_url.starts_with("http://"),
            "`public_url` must be the host's http(s) address for OpenID sign-in (the providers' redirect addresses are made from it)"
        );
        let http = Http::new()?;
        let providers = providers
            .into_iter()
            .map(|p| {
                let callback = format!("{public_url}/signin/{}/callback", p.name);
                Oidc::new(p, &callback, http.clone()).map(Arc::new)
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Self {
            providers,
            pending: Signins::new(citizens.db().clone()),
            staff: Staff::new(citizens.db().clone()),
            citizens,
            enrolments,
            public_url,
        })
    }

    /// The login page's buttons, in the configured order.
    pub fn buttons(&self) -> Vec<Button> {
        self.providers
            .iter()
            .map(|p| Button {
                name: p.config.name.clone(),
                display_da: p.config.display_name.0.clone(),
                display_en: p.config.display_name.1.clone(),
            })
            .collect()
    }

    /// The rules of the staff mapping that give a role in `tenant` (a municipality code
    /// or vendor namespace; `None`: the operator), in the file's order.
    pub fn mapping_for(&self, tenant: Option<&str>) -> Vec<RoleRule> {
        self.providers
            .iter()
            .filter_map(|p| match &p.config.mapping {
                Mapping::Staff { claim, rules } => Some((p, claim, rules)),
                Mapping::Citizen { .. } => None,
            })
            .flat_map(|(p, claim, rules)| {
                rules
                    .iter()
                    .filter(move |(_, _, t)| t.as_deref() == tenant)
                    .map(move |(value, role, _)| RoleRule {
                        provider: p.config.name.clone(),
                        claim: claim.clone(),
                        value: value.clone(),
                        role: *role,
                    })
            })
            .collect()
    }

    /// The origins the providers are reached at, each once (for the pages'
    /// `form-action`).
    pub fn origins(&self) -> Vec<String> {
        let mut origins: Vec<String> = self
            .providers
            .iter()
            .filter_map(|p| {
                let issuer = &p.config.issuer;
                let after_scheme = issuer.find("://")? + 3;
                let end = issuer[after_scheme..]
                    .find('/')
                    .map_or(issuer.len(), |i| after_scheme + i);
                Some(issuer[..end].to_owned())
            })
            .collect();
        let mut seen = std::collections::BTreeSet::new();
        origins.retain(|o| seen.insert(o.clone()));
        origins
    }

    fn provider(&self, name: &str) -> Result<&Arc<Oidc>, Problem> {
        self.providers
            .iter()
            .find(|p| p.config.name == name)
            .ok_or_else(|| {
                Problem::not_found(
                    "unknown-signin-provider",
                    format!("there is no sign-in provider '{name}'; choose one on the login page"),
                )
            })
    }

    /// Start a sign-in at `provider`: the address to send the browser to, and the
    /// `state` (which the pages also bind to the browser with a cookie).
    pub async fn start(
        &self,
        provider: &str,
        return_to: Option<String>,
    ) -> Result<(String, String), Problem> {
        let oidc = self.provider(provider)?;
        let started = oidc.start().await.map_err(problem)?;
        let kept = self
            .pending
            .put(
                &started.state,
                &Pending {
                    provider: provider.to_owned(),
                    nonce: started.nonce,
                    pkce_verifier: started.pkce_verifier,
                    return_to,
                },
            )
            .await?;
        if !kept {
            tracing::warn!(
                "the most sign-ins under way at once are under way; a start was refused"
            );
            return Err(Problem::too_many(
                "signins-busy",
                "too many sign-ins are under way right now; try again in a minute",
                60,
            ));
        }
        Ok((started.url, started.state))
    }

    /// Finish the sign-in the callback of `provider` carries: the pending sign-in of
    /// `state` is taken (once), `code` exchanged and the ID token checked; then who
    /// the account is here. `issuer` is the callback's `iss` parameter (RFC 9207), if
    /// the provider sent one.
    pub async fn finish(
        &self,
        provider: &str,
        state: &str,
        code: &str,
        issuer: Option<&str>,
    ) -> Result<Outcome, Problem> {
        let oidc = self.provider(provider)?;
        let pending = self.pending.take(state).await?.ok_or_else(|| {
            refused(
                "signin-expired",
                "this sign-in has expired or was already used; start again from the login page",
            )
        })?;
        if pending.provider != provider {
            return Err(refused(
                "signin-mismatch",
                "this sign-in was started with another provider; start again from the login page",
            ));
        }
        if let Some(iss) = issuer {
            if iss.trim_end_matches('/') != oidc.config.issuer {
                return Err(refused(
                    "signin-mismatch",
                    "the answer comes from another issuer; start again from the login page",
                ));
            }
        }
        let verified = oidc
            .finish(code, &pending.pkce_verifier, &pending.nonce)
            .await
            .map_err(problem)?;
        self.identify(&oidc.config, &verified, pending.return_to)
            .await
    }

    /// Forget the sign-in of `state` (the provider answered with an error).
    pub async fn finish_cancelled(&self, state: &str) -> Result<(), Problem> {
        self.pending.take(state).await?;
        Ok(())
    }

    /// The pseudonymous citizen id of a provider's subject: an HMAC under the host's
    /// key, so the subject (which may be a CPR-derived identifier) is never stored.
    pub fn pseudonym(&self, provider: &Provider, subject: &str) -> String {
        self.enrolments.key().citizen(&provider.issuer, subject)
    }

    /// A citizen's municipality: the one the municipality claim names, if it is a
    /// municipality; else the one whose enrolment list holds the CPR number of the CPR
    /// claim. The CPR number is only hashed, never kept or logged.
    async fn municipality(
        &self,
        provider: &Provider,
        municipality_claim: Option<&str>,
        cpr_claim: Option<&str>,
        claims: &serde_json::Map<String, Value>,
    ) -> Result<Option<String>, Problem> {
        let code = municipality_claim
            .and_then(|claim| claims.get(claim))
            .and_then(|v| match v {
                Value::String(s) => Some(s.trim().to_owned()),
                Value::Number(n) => Some(format!("{n:0>4}")),
                _ => None,
            })
            .filter(|c| c.len() == 4);
        if let Some(code) = code {
            if self.citizens.db().municipality(&code).await?.is_some() {
                return Ok(Some(code));
            }
        }
        let cpr = cpr_claim
            .and_then(|claim| claims.get(claim))
            .and_then(Value::as_str)
            .and_then(|s| match Cpr::parse(s) {
                Ok(cpr) => Some(cpr),
                Err(e) => {
                    // What is wrong, never the value.
                    tracing::warn!(provider = %provider.name, problem = e.code(), "the CPR claim is not a CPR number");
                    None
                }
            });
        if let Some(cpr) = cpr {
            if let Some(code) = self.enrolments.municipality_of(&cpr).await? {
                tracing::info!(provider = %provider.name, municipality = %code, "a citizen's municipality was found in the enrolment lists");
                return Ok(Some(code));
            }
        }
        Ok(None)
    }

    async fn identify(
        &self,
        provider: &Provider,
        verified: &oidc::Verified,
        return_to: Option<String>,
    ) -> Result<Outcome, Problem> {
        match (&provider.mapping, provider.kind) {
            (
                Mapping::Citizen {
                    municipality_claim,
                    cpr_claim,
                },
                Kind::Citizen,
            ) => {
                let found = self
                    .municipality(
                        provider,
                        municipality_claim.as_deref(),
                        cpr_claim.as_deref(),
                        &verified.claims,
                    )
                    .await?;
                let Some(code) = found else {
                    return Ok(Outcome::NoMunicipality);
                };
                let id = self.pseudonym(provider, &verified.subject);
                // A citizen already enrolled in this municipality needs no write.
                let enrolled = match self.citizens.citizen(&id).await? {
                    Some(known) if known.municipality == code => false,
                    _ => self.citizens.enrol_citizen(&id, &code).await?,
                };
                if enrolled {
                    tracing::info!(provider = %provider.name, municipality = %code, "a citizen was enrolled at first sign-in");
                }
                Ok(Outcome::SignedIn {
                    who: Identity {
                        subject: id,
                        role: Role::Citizen,
                        tenant: Some(code),
                        scopes: None,
                    },
                    return_to,
                    enrolled,
                    id_token: verified.id_token.clone(),
                })
            }
            (Mapping::Staff { claim, rules }, _) => {
                let values: Vec<&str> = match verified.claims.get(claim) {
                    Some(Value::String(s)) => vec![s.as_str()],
                    Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
                    _ => Vec::new(),
                };
                // The first rule (in the file's order) the account matches decides.
                let Some((matched, role, tenant)) =
                    rules.iter().find(|(v, _, _)| values.contains(&v.as_str()))
                else {
                    // No role (any more): off the administrators' list too.
                    self.staff.forget(&provider.name, &verified.subject).await?;
                    return Ok(Outcome::NoRole);
                };
                let text = |name: &str| {
                    verified
                        .claims
                        .get(name)
                        .and_then(Value::as_str)
                        .map(|s| s.chars().take(200).collect::<String>())
                };
                self.staff
                    .record(&StaffMember {
                        provider: provider.name.clone(),
                        subject: verified.subject.clone(),
                        role: *role,
                        tenant: tenant.clone(),
                        name: text("name"),
                        email: text("email"),
                        matched: matched.clone(),
                        first_ms: 0,
                        last_ms: 0,
                    })
                    .await?;
                Ok(Outcome::SignedIn {
                    who: Identity {
                        subject: format!("{}.{}", provider.name, verified.subject),
                        role: *role,
                        tenant: tenant.clone(),
                        scopes: None,
                    },
                    return_to,
                    enrolled: false,
                    id_token: verified.id_token.clone(),
                })
            }
            (Mapping::Citizen { .. }, Kind::Staff) => Ok(Outcome::NoRole),
        }
    }

    /// Who a bearer token of the API is, if a provider that issues access tokens for
    /// the API (`api_audience`) issued it: `None` when no such provider's issuer is the
    /// token's `iss` (the host's own tokens are checked elsewhere). The token is checked
    /// against the provider's published keys, and its account mapped as a sign-in's is
    /// (a citizen not known yet is enrolled).
    pub async fn verify_bearer(&self, token: &str) -> Option<Result<Identity, Problem>> {
        let claims: Map<String, Value> =
            jsonwebtoken::dangerous::insecure_decode_claims(token).ok()?;
        let issuer = claims.get("iss")?.as_str()?.trim_end_matches('/');
        let audiences: Vec<&str> = match claims.get("aud") {
            Some(Value::String(a)) => vec![a.as_str()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        // The provider entry is the one of this issuer whose API audience the token
        // names (one provider can sign in citizens and staff, for different audiences);
        // with none, the first of this issuer that has one, to refuse it clearly.
        let of_issuer =
            |p: &&Arc<Oidc>| p.config.issuer == issuer && p.config.api_audience.is_some();
        let oidc = self
            .providers
            .iter()
            .filter(of_issuer)
            .find(|p| audiences.contains(&p.config.api_audience.as_deref().unwrap_or_default()))
            .or_else(|| self.providers.iter().find(of_issuer))?;
        let audience = oidc.config.api_audience.as_deref().unwrap_or_default();
        let unauthorized = |why: String| Problem::unauthorized("invalid-token", why);
        let claims = match oidc
            .verify_access_token(token, audience, MAX_TOKEN_SECONDS)
            .await
        {
            Ok(c) => c,
            Err(OidcError::IdTokenRefused(why)) => {
                return Some(Err(unauthorized(format!(
                    "the access token was refused: {why}"
                ))))
            }
            Err(e) => return Some(Err(problem(e))),
        };
        let verified = oidc::Verified {
            subject: claims
                .get("sub")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            claims,
            id_token: None,
        };
        Some(
            match self.identify(&oidc.config, &verified, None).await {
                Ok(Outcome::SignedIn { who, .. }) => Ok(who),
                Ok(Outcome::NoMunicipality) => Err(Problem::forbidden(
                    "not-enrolled",
                    "the token names no municipality this host serves; the citizen should contact their jobcentre",
                )),
                Ok(Outcome::NoRole) => Err(Problem::forbidden(
                    "no-role",
                    "the token's account has no role here; ask the municipality's administrator for the right group",
                )),
                Err(p) => Err(p),
            },
        )
    }

    /// Where to send the browser to sign out at `provider` too, back to the login page
    /// afterwards; `None` if the provider is unknown or has no end-session endpoint.
    /// `id_token` is the session's ID token, sent as the hint of whom to sign out.
    pub async fn logout_url(&self, provider: &str, id_token: Option<&str>) -> Option<String> {
        let oidc = self.provider(provider).ok()?;
        oidc.logout_url(&format!("{}/login", self.public_url), id_token)
            .await
    }
}

/// A protocol failure as a problem: the provider unreachable is a 502, a refusal a 400.
fn problem(e: OidcError) -> Problem {
    match &e {
        OidcError::Unavailable(_) => {
            tracing::error!(error = %e, "a sign-in provider failed");
            Problem::new(
                502,
                "signin-provider-unavailable",
                "Bad gateway",
                "the sign-in provider cannot be reached right now; try again in a few minutes",
            )
        }
        OidcError::TokenRefused(_) | OidcError::IdTokenRefused(_) => {
            tracing::warn!(error = %e, "a sign-in was refused");
            refused(
                "signin-refused",
                format!("{e}; start again from the login page"),
            )
        }
    }
}
