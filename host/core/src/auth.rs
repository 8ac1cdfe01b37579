//! Who is calling: JWT validation (issuer, audience, expiry, one pinned algorithm, keys
//! from configuration), the roles and tenant claims, and the development login's token
//! issuer. Vendor API tokens (for the CLI) are checked by the marketplace, which holds
//! their hashes.

use std::collections::BTreeSet;
use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::problem::Problem;

/// What a caller is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Runs the platform: approves vendors, reviews versions.
    Operator,
    /// Publishes blocks; tenant = the vendor's namespace.
    Vendor,
    /// A municipality's administrator; tenant = municipality code.
    Admin,
    /// A jobcentre caseworker; tenant = municipality code.
    Caseworker,
    /// A citizen; tenant = their municipality code, subject = pseudonymous id.
    Citizen,
}

impl Role {
    /// Its name in tokens and URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Vendor => "vendor",
            Role::Admin => "admin",
            Role::Caseworker => "caseworker",
            Role::Citizen => "citizen",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        [
            Role::Operator,
            Role::Vendor,
            Role::Admin,
            Role::Caseworker,
            Role::Citizen,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
        .ok_or_else(|| format!("there is no role '{s}'"))
    }
}

/// What a vendor API token may do.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum TokenScope {
    /// Upload packages.
    Publish,
    /// Yank own versions and deprecate own blocks.
    Yank,
}

impl TokenScope {
    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::Publish => "publish",
            TokenScope::Yank => "yank",
        }
    }
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Who (the token's `sub`).
    pub subject: String,
    /// As what.
    pub role: Role,
    /// For whom: a vendor namespace or a municipality code; none for the operator.
    pub tenant: Option<String>,
    /// For API tokens: what the token may do. `None` for a login (JWT), which may do
    /// everything its role may.
    pub scopes: Option<BTreeSet<TokenScope>>,
}

impl Identity {
    /// The tenant, or "" for the operator.
    pub fn tenant_str(&self) -> &str {
        self.tenant.as_deref().unwrap_or("")
    }

    /// An actor string for the audit log, e.g. `admin:jens@0101`.
    pub fn actor(&self) -> String {
        match &self.tenant {
            Some(t) => format!("{}:{}@{}", self.role.as_str(), self.subject, t),
            None => format!("{}:{}", self.role.as_str(), self.subject),
        }
    }

    /// Refuse unless the caller has this role.
    pub fn require(&self, role: Role) -> Result<(), Problem> {
        if self.role == role {
            Ok(())
        } else {
            Err(Problem::forbidden(
                "wrong-role",
                format!(
                    "this needs the {} role; you are signed in as {}",
                    role.as_str(),
                    self.role.as_str()
                ),
            ))
        }
    }

    /// Refuse unless the caller is the admin of municipality `code`.
    pub fn require_admin_of(&self, code: &str) -> Result<(), Problem> {
        self.require(Role::Admin)?;
        if self.tenant.as_deref() == Some(code) {
            Ok(())
        } else {
            Err(Problem::forbidden(
                "other-tenant",
                format!(
                    "you administer municipality {}, not {code}",
                    self.tenant_str()
                ),
            ))
        }
    }

    /// Refuse unless the caller acts for vendor `namespace` (a login, or an API token
    /// with `scope`).
    pub fn require_vendor(
        &self,
        namespace: &str,
        scope: Option<TokenScope>,
    ) -> Result<(), Problem> {
        self.require(Role::Vendor)?;
        if self.tenant.as_deref() != Some(namespace) {
            return Err(Problem::forbidden(
                "other-tenant",
                format!(
                    "you act for vendor '{}', not '{namespace}'",
                    self.tenant_str()
                ),
            ));
        }
        match (&self.scopes, scope) {
            (Some(scopes), Some(needed)) if !scopes.contains(&needed) => Err(Problem::forbidden(
                "token-scope",
                format!(
                    "this API token lacks the '{}' scope; create a token with it",
                    needed.as_str()
                ),
            )),
            (Some(_), None) => Err(Problem::forbidden(
                "token-scope",
                "API tokens can only publish, yank and deprecate; sign in to do this",
            )),
            _ => Ok(()),
        }
    }
}

/// Whether `s` has the shape of a vendor namespace: 1 to 32 characters of `a-z`, `0-9`
/// and `-`, starting with a letter and not ending with `-`. A municipality code (four
/// digits) never has it, so a token's role and tenant kind cannot be mixed.
pub fn valid_namespace(s: &str) -> bool {
    valid_name(s, 32)
}

/// Whether `s` is a name of at most `max` characters of `a-z`, `0-9` and `-`, starting
/// with a letter and not ending with `-` (vendor namespaces, block names).
pub fn valid_name(s: &str, max: usize) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some('a'..='z'))
        && s.len() <= max
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '-'))
        && !s.ends_with('-')
}

/// The claims of a Jobunivers token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// Subject.
    pub sub: String,
    /// Role.
    pub role: Role,
    /// Vendor namespace or municipality code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Expiry (Unix seconds).
    pub exp: u64,
    /// Issued at (Unix seconds).
    pub iat: u64,
}

/// How tokens are checked (and, for the development login, issued).
#[derive(Clone)]
pub struct AuthConfig {
    issuer: String,
    audience: String,
    algorithm: Algorithm,
    decoding: DecodingKey,
    encoding: Option<EncodingKey>,
}

impl std::fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthConfig")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("algorithm", &self.algorithm)
            .field("can_issue", &self.encoding.is_some())
            .finish_non_exhaustive()
    }
}

/// How long a development-login token lives.
pub const DEV_TOKEN_SECONDS: u64 = 8 * 3600;

/// The longest lifetime (`exp` after `iat`, and `exp` after now) a token may claim.
pub const MAX_TOKEN_SECONDS: u64 = 24 * 3600;

/// How far the clocks of issuer and host may disagree, in seconds.
const LEEWAY_SECONDS: u64 = 30;

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl AuthConfig {
    /// HS256 with a shared secret (at least 32 bytes); this host can also issue tokens.
    pub fn hmac(secret: &[u8], issuer: &str, audience: &str) -> anyhow::Result<Self> {
        anyhow::ensure!(
            secret.len() >= 32,
            "the JWT secret must be at least 32 bytes"
        );
        Ok(Self {
            issuer: issuer.into(),
            audience: audience.into(),
            algorithm: Algorithm::HS256,
            decoding: DecodingKey::from_secret(secret),
            encoding: Some(EncodingKey::from_secret(secret)),
        })
    }

    /// Verify with a public key in PEM (RS256, ES256 or EdDSA), as issued by the login
    /// broker; this host cannot issue tokens.
    pub fn public_key(
        algorithm: &str,
        pem: &[u8],
        issuer: &str,
        audience: &str,
    ) -> anyhow::Result<Self> {
        let (algorithm, decoding) = match algorithm {
            "RS256" => (Algorithm::RS256, DecodingKey::from_rsa_pem(pem)?),
            "ES256" => (Algorithm::ES256, DecodingKey::from_ec_pem(pem)?),
            "EdDSA" => (Algorithm::EdDSA, DecodingKey::from_ed_pem(pem)?),
            other => {
                anyhow::bail!("unsupported JWT algorithm '{other}'; use RS256, ES256 or EdDSA")
            }
        };
        Ok(Self {
            issuer: issuer.into(),
            audience: audience.into(),
            algorithm,
            decoding,
            encoding: None,
        })
    }

    /// The expected issuer.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The expected audience.
    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// Issue a token (development login only: needs the shared secret).
    pub fn issue(
        &self,
        subject: &str,
        role: Role,
        tenant: Option<&str>,
    ) -> Result<String, Problem> {
        let key = self.encoding.as_ref().ok_or_else(|| {
            Problem::new(
                404,
                "dev-login-disabled",
                "Not found",
                "this host verifies tokens from the login broker and cannot issue its own",
            )
        })?;
        let now = now_secs();
        let claims = Claims {
            sub: subject.into(),
            role,
            tenant: tenant.map(str::to_owned),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            exp: now + DEV_TOKEN_SECONDS,
        };
        jsonwebtoken::encode(&Header::new(self.algorithm), &claims, key).map_err(Problem::internal)
    }

    /// Check a bearer token: signature with the pinned algorithm, issuer, audience,
    /// expiry, and that the role has a tenant of the right shape.
    pub fn verify(&self, token: &str) -> Result<Identity, Problem> {
        let mut validation = Validation::new(self.algorithm);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_nbf = true;
        let data =
            jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation).map_err(|e| {
                use jsonwebtoken::errors::ErrorKind as K;
                let why = match e.kind() {
                    K::ExpiredSignature => "the token has expired; sign in again".to_owned(),
                    K::InvalidSignature => "the token's signature is not valid".to_owned(),
                    K::InvalidAlgorithm | K::InvalidAlgorithmName => format!(
                        "the token is not signed with {:?}, the only algorithm this host accepts",
                        self.algorithm
                    ),
                    K::InvalidIssuer => format!("the token was not issued by {}", self.issuer),
                    K::InvalidAudience => format!("the token is not meant for {}", self.audience),
                    K::MissingRequiredClaim(c) => format!("the token lacks the '{c}' claim"),
                    K::ImmatureSignature => {
                        "the token is not valid yet (its 'nbf' is in the future)".to_owned()
                    }
                    _ => format!("the token is not a valid JWT: {e}"),
                };
                Problem::unauthorized("invalid-token", why)
            })?;
        let c = data.claims;
        let now = now_secs();
        if c.iat > now + LEEWAY_SECONDS {
            return Err(Problem::unauthorized(
                "invalid-token",
                "the token says it was issued in the future ('iat'); check the issuer's clock",
            ));
        }
        if c.exp.saturating_sub(c.iat) > MAX_TOKEN_SECONDS
            || c.exp > now + MAX_TOKEN_SECONDS + LEEWAY_SECONDS
        {
            return Err(Problem::unauthorized(
                "invalid-token",
                format!(
                    "the token lives longer than this host accepts ({} hours); sign in again",
                    MAX_TOKEN_SECONDS / 3600
                ),
            ));
        }
        let code_ok = |t: &Option<String>| {
            t.as_deref()
                .is_some_and(|t| t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit()))
        };
        let ok = match c.role {
            Role::Operator => c.tenant.is_none(),
            Role::Vendor => c.tenant.as_deref().is_some_and(valid_namespace),
            Role::Admin | Role::Caseworker | Role::Citizen => code_ok(&c.tenant),
        };
        if !ok || c.sub.is_empty() {
            return Err(Problem::unauthorized(
                "invalid-token",
                format!(
                    "a {} token needs {}",
                    c.role.as_str(),
                    match c.role {
                        Role::Operator => "no tenant claim",
                        Role::Vendor => "the vendor namespace as its tenant claim",
                        _ => "a four-digit municipality code as its tenant claim",
                    }
                ),
            ));
        }
        Ok(Identity {
            subject: c.sub,
            role: c.role,
            tenant: c.tenant,
            scopes: None,
        })
    }
}

/// A user the development login can sign in as.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DevUser {
    /// The name to sign in with, e.g. `admin-0101`.
    pub user: String,
    /// Role.
    pub role: Role,
    /// Tenant (vendor namespace or municipality code).
    pub tenant: Option<String>,
    /// What this user is, in words.
    pub description: String,
}
