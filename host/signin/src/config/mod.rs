//! The operator's provider file (`--oidc-config PATH`, TOML): one `[[provider]]` table
//! per OpenID provider. Everything is checked at start-up; a mistake is an error that
//! names the provider and the field.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use jobunivers_core::auth::{valid_namespace, Role};

/// The signing algorithms an ID token may be signed with, if the operator allows them.
pub const SUPPORTED_ALGORITHMS: &[&str] = &[
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA",
];

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SigninFile {
    /// The providers, in the order the login page shows them.
    #[serde(rename = "provider", default)]
    pub providers: Vec<ProviderConfig>,
}

/// Whom a provider signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Citizens (MitID through a broker): a pseudonym and a municipality.
    Citizen,
    /// Municipal staff: a role and a municipality from the staff mapping.
    Staff,
}

/// How the host authenticates at the provider's token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// The client secret in the `Authorization: Basic` header.
    ClientSecretBasic,
    /// The client secret in the form body.
    ClientSecretPost,
    /// A JWT signed with the host's private key (RFC 7523), as the MitID brokers prefer.
    PrivateKeyJwt,
}

/// One provider as written in the file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    /// The provider's name in addresses (`/signin/{name}`): a-z, 0-9 and -.
    pub name: String,
    /// The login button's text after "Log ind med" (Danish).
    pub display_name: String,
    /// The same in English (default: the Danish one).
    #[serde(default)]
    pub display_name_en: Option<String>,
    /// The issuer; discovery reads `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    /// The client id the provider gave this host.
    pub client_id: String,
    /// How the host authenticates at the token endpoint.
    pub auth_method: AuthMethod,
    /// The client secret (for `client_secret_basic` and `client_secret_post`).
    #[serde(default)]
    pub client_secret: Option<String>,
    /// Or a file holding it (read at start-up).
    #[serde(default)]
    pub client_secret_file: Option<PathBuf>,
    /// The private key in PEM (for `private_key_jwt`).
    #[serde(default)]
    pub private_key: Option<PathBuf>,
    /// The private key's algorithm: RS256 (default), PS256 or ES256.
    #[serde(default)]
    pub private_key_algorithm: Option<String>,
    /// The key id (`kid`) the provider knows the key by, if it needs one.
    #[serde(default)]
    pub private_key_id: Option<String>,
    /// The ID token algorithms the operator allows; only those the provider also
    /// announces are accepted. Default: RS256.
    #[serde(default = "default_algorithms")]
    pub algorithms: Vec<String>,
    /// Scopes beyond `openid`.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Whom it signs in.
    pub kind: Kind,
    /// For citizens: the claim holding the four-digit municipality code.
    #[serde(default)]
    pub municipality_claim: Option<String>,
    /// For citizens: the claim holding the CPR number (e.g. `dk.cpr`), looked up in the
    /// municipalities' enrolment lists when the municipality claim names none.
    #[serde(default)]
    pub cpr_claim: Option<String>,
    /// For staff: the claim (a string or a list of strings) the mapping looks at.
    #[serde(default)]
    pub staff_claim: Option<String>,
    /// For staff: which claim value makes whom.
    #[serde(default)]
    pub staff: Vec<StaffMapping>,
    /// The audience (`aud`) of the JWT access tokens this provider issues for the
    /// host's API; with it, the API accepts those tokens as bearer tokens.
    #[serde(default)]
    pub api_audience: Option<String>,
}

/// A claim value that gives its holder a role: municipal staff (with the
/// municipality), a vendor's people (with the namespace) or the operator's.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffMapping {
    /// The value of the staff claim, e.g. `aarhus-caseworkers`.
    pub value: String,
    /// `caseworker`, `admin`, `vendor` or `operator`.
    pub role: String,
    /// For caseworkers and admins: the municipality's four-digit code.
    #[serde(default)]
    pub municipality: Option<String>,
    /// For vendors: the vendor's namespace.
    #[serde(default)]
    pub namespace: Option<String>,
}

fn default_algorithms() -> Vec<String> {
    vec!["RS256".into()]
}

/// How the host authenticates, checked.
#[derive(Debug, Clone)]
pub enum ClientAuth {
    /// A shared secret, in the header or the body.
    Secret {
        /// The secret.
        secret: String,
        /// In the form body (`client_secret_post`) instead of the header.
        in_body: bool,
    },
    /// A signed client assertion.
    PrivateKey {
        /// The key, ready to sign.
        key: std::sync::Arc<jsonwebtoken::EncodingKey>,
        /// Its algorithm.
        algorithm: jsonwebtoken::Algorithm,
        /// Its key id.
        kid: Option<String>,
    },
}

/// Who a provider's account becomes, checked.
#[derive(Debug, Clone)]
pub enum Mapping {
    /// A citizen of the municipality in `municipality_claim`, or else of the one whose
    /// enrolment list holds the CPR number in `cpr_claim` (at least one is set).
    Citizen {
        /// The claim with the municipality code.
        municipality_claim: Option<String>,
        /// The claim with the CPR number.
        cpr_claim: Option<String>,
    },
    /// Staff, by the values of `claim`.
    Staff {
        /// The claim.
        claim: String,
        /// Claim value → role and tenant (municipality code or vendor namespace;
        /// none for the operator).
        rules: Vec<(String, Role, Option<String>)>,
    },
}

/// One provider, checked and ready.
#[derive(Debug, Clone)]
pub struct Provider {
    /// Its name in addresses.
    pub name: String,
    /// The button text (Danish, English).
    pub display_name: (String, String),
    /// The issuer URL.
    pub issuer: String,
    /// The client id.
    pub client_id: String,
    /// How the host authenticates.
    pub auth: ClientAuth,
    /// The algorithms the operator allows.
    pub algorithms: Vec<String>,
    /// Scopes beyond `openid`.
    pub scopes: Vec<String>,
    /// Whom it signs in.
    pub kind: Kind,
    /// Who an account becomes.
    pub mapping: Mapping,
    /// The API audience of its access tokens, if the API accepts them.
    pub api_audience: Option<String>,
}

/// A mistake in the file: which provider, which field, what is wrong.
fn bad(provider: &str, field: &str, what: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("sign-in provider '{provider}': `{field}` {what}")
}

fn four_digits(s: &str) -> bool {
    s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit())
}

impl ProviderConfig {
    /// Check every field; `base` is where relative paths in the file are read from.
    pub fn check(self, base: &Path) -> anyhow::Result<Provider> {
        let name = self.name.clone();
        let n = name.as_str();
        if !valid_namespace(n) {
            anyhow::bail!(
                "sign-in provider '{n}': `name` must be 1 to 32 of a-z, 0-9 and -, starting with a letter"
            );
        }
        if self.display_name.trim().is_empty() || self.display_name.len() > 80 {
            return Err(bad(n, "display_name", "must be 1 to 80 characters"));
        }
        let issuer = self.issuer.trim_end_matches('/').to_owned();
        if !(issuer.starts_with("https://")
            || issuer.starts_with("http://127.0.0.1")
            || issuer.starts_with("http://localhost"))
        {
            return Err(bad(
                n,
                "issuer",
                "must be an https:// URL (plain http only on the loopback, for tests)",
            ));
        }
        if self.client_id.trim().is_empty() {
            return Err(bad(n, "client_id", "is missing"));
        }
        let read = |p: &Path| {
            let p = if p.is_absolute() {
                p.to_owned()
            } else {
                base.join(p)
            };
            std::fs::read(&p).map_err(|e| (p, e))
        };
        let auth = match self.auth_method {
            AuthMethod::ClientSecretBasic | AuthMethod::ClientSecretPost => {
                let secret =
                    match (&self.client_secret, &self.client_secret_file) {
                        (Some(s), None) => s.clone(),
                        (None, Some(f)) => {
                            let bytes = read(f).map_err(|(p, e)| {
                                bad(n, "client_secret_file", format!("{}: {e}", p.display()))
                            })?;
                            String::from_utf8_lossy(&bytes).trim().to_owned()
                        }
                        _ => return Err(bad(
                            n,
                            "client_secret",
                            "(or `client_secret_file`, not both) is needed for this auth_method",
                        )),
                    };
                if secret.is_empty() {
                    return Err(bad(n, "client_secret", "is empty"));
                }
                ClientAuth::Secret {
                    secret,
                    in_body: self.auth_method == AuthMethod::ClientSecretPost,
                }
            }
            AuthMethod::PrivateKeyJwt => {
                let path = self.private_key.as_ref().ok_or_else(|| {
                    bad(
                        n,
                        "private_key",
                        "(a PEM file) is needed for private_key_jwt",
                    )
                })?;
                let pem = read(path)
                    .map_err(|(p, e)| bad(n, "private_key", format!("{}: {e}", p.display())))?;
                let alg = self.private_key_algorithm.as_deref().unwrap_or("RS256");
                let (algorithm, key) = match alg {
                    "RS256" | "PS256" => (
                        if alg == "RS256" {
                            jsonwebtoken::Algorithm::RS256
                        } else {
                            jsonwebtoken::Algorithm::PS256
                        },
                        jsonwebtoken::EncodingKey::from_rsa_pem(&pem),
                    ),
                    "ES256" => (
                        jsonwebtoken::Algorithm::ES256,
                        jsonwebtoken::EncodingKey::from_ec_pem(&pem),
                    ),
                    other => {
                        return Err(bad(
                            n,
                            "private_key_algorithm",
                            format!("'{other}' is not one of RS256, PS256, ES256"),
                        ))
                    }
                };
                let key = key.map_err(|e| {
                    bad(
                        n,
                        "private_key",
                        format!("is not a {alg} private key in PEM: {e}"),
                    )
                })?;
                ClientAuth::PrivateKey {
                    key: std::sync::Arc::new(key),
                    algorithm,
                    kid: self.private_key_id.clone(),
                }
            }
        };
        if self.algorithms.is_empty() {
            return Err(bad(n, "algorithms", "must name at least one algorithm"));
        }
        for a in &self.algorithms {
            if !SUPPORTED_ALGORITHMS.contains(&a.as_str()) {
                return Err(bad(
                    n,
                    "algorithms",
                    format!(
                        "names '{a}', which is not one of {}",
                        SUPPORTED_ALGORITHMS.join(", ")
                    ),
                ));
            }
        }
        for s in &self.scopes {
            if s.is_empty() || s.contains(char::is_whitespace) || s == "openid" {
                return Err(bad(
                    n,
                    "scopes",
                    format!("'{s}' is not a scope (one word each; openid is always asked)"),
                ));
            }
        }
        let mapping = match self.kind {
            Kind::Citizen => {
                if !self.staff.is_empty() || self.staff_claim.is_some() {
                    return Err(bad(n, "staff", "is only for providers of kind = \"staff\""));
                }
                let claim = |value: &Option<String>, field: &str| match value {
                    Some(c) if c.trim().is_empty() => Err(bad(n, field, "is empty")),
                    other => Ok(other.clone()),
                };
                let municipality_claim = claim(&self.municipality_claim, "municipality_claim")?;
                let cpr_claim = claim(&self.cpr_claim, "cpr_claim")?;
                if municipality_claim.is_none() && cpr_claim.is_none() {
                    return Err(bad(
                        n,
                        "municipality_claim",
                        "or `cpr_claim` (or both) is needed for kind = \"citizen\": the claim with the municipality code, or the one with the CPR number to look up in the enrolment lists",
                    ));
                }
                Mapping::Citizen {
                    municipality_claim,
                    cpr_claim,
                }
            }
            Kind::Staff => {
                let claim = self
                    .staff_claim
                    .clone()
                    .filter(|c| !c.trim().is_empty())
                    .ok_or_else(|| {
                        bad(
                            n,
                            "staff_claim",
                            "is needed for kind = \"staff\" (e.g. \"groups\")",
                        )
                    })?;
                if self.staff.is_empty() {
                    return Err(bad(n, "staff", "must map at least one claim value"));
                }
                let mut seen = BTreeSet::new();
                let mut rules = Vec::new();
                for (i, m) in self.staff.iter().enumerate() {
                    let field = format!("staff[{i}]");
                    let (role, tenant) = match (m.role.as_str(), &m.municipality, &m.namespace) {
                        ("caseworker" | "admin", Some(code), None) if four_digits(code) => (
                            if m.role == "admin" {
                                Role::Admin
                            } else {
                                Role::Caseworker
                            },
                            Some(code.clone()),
                        ),
                        ("caseworker" | "admin", _, _) => {
                            return Err(bad(
                                n,
                                &format!("{field}.municipality"),
                                format!(
                                    "must be a four-digit municipality code for role '{}' (and no namespace)",
                                    m.role
                                ),
                            ))
                        }
                        ("vendor", None, Some(ns)) if valid_namespace(ns) => {
                            (Role::Vendor, Some(ns.clone()))
                        }
                        ("vendor", _, _) => {
                            return Err(bad(
                                n,
                                &format!("{field}.namespace"),
                                "must be the vendor's namespace (a-z, 0-9, -) for role 'vendor' (and no municipality)",
                            ))
                        }
                        ("operator", None, None) => (Role::Operator, None),
                        ("operator", _, _) => {
                            return Err(bad(
                                n,
                                &format!("{field}.role"),
                                "'operator' takes neither a municipality nor a namespace",
                            ))
                        }
                        (other, _, _) => {
                            return Err(bad(
                                n,
                                &format!("{field}.role"),
                                format!("'{other}' is not caseworker, admin, vendor or operator"),
                            ))
                        }
                    };
                    if m.value.is_empty() {
                        return Err(bad(n, &format!("{field}.value"), "is empty"));
                    }
                    if !seen.insert(m.value.clone()) {
                        return Err(bad(
                            n,
                            &format!("{field}.value"),
                            format!("'{}' is mapped twice", m.value),
                        ));
                    }
                    rules.push((m.value.clone(), role, tenant));
                }
                if self.municipality_claim.is_some() {
                    return Err(bad(
                        n,
                        "municipality_claim",
                        "is only for kind = \"citizen\" (staff get theirs from the mapping)",
                    ));
                }
                if self.cpr_claim.is_some() {
                    return Err(bad(
                        n,
                        "cpr_claim",
                        "is only for kind = \"citizen\" (staff get their municipality from the mapping)",
                    ));
                }
                Mapping::Staff { claim, rules }
            }
        };
        if let Some(a) = &self.api_audience {
            if a.trim().is_empty() || a.len() > 300 || a.contains(char::is_whitespace) {
                return Err(bad(
                    n,
                    "api_audience",
                    "must be the access tokens' audience, one word (e.g. https://jobunivers.aarhus.dk/api)",
                ));
            }
        }
        let display_en = self
            .display_name_en
            .clone()
            .unwrap_or_else(|| self.display_name.clone());
        Ok(Provider {
            name,
            display_name: (self.display_name, display_en),
            issuer,
            client_id: self.client_id,
            auth,
            algorithms: self.algorithms,
            scopes: self.scopes,
            kind: self.kind,
            mapping,
            api_audience: self.api_audience,
        })
    }
}

/// Read and check the provider file.
pub fn load(path: &Path) -> anyhow::Result<Vec<Provider>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("reading the sign-in providers {}: {e}", path.display()))?;
    parse(&text, path.parent().unwrap_or(Path::new(".")))
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// Parse and check a provider file's text.
pub fn parse(text: &str, base: &Path) -> anyhow::Result<Vec<Provider>> {
    let file: SigninFile = toml::from_str(text).map_err(|e| anyhow::anyhow!("{e}"))?;
    if file.providers.is_empty() {
        anyhow::bail!("no [[provider]] is configured");
    }
    let mut names = BTreeSet::new();
    let mut out = Vec::new();
    for p in file.providers {
        if !names.insert(p.name.clone()) {
            anyhow::bail!("sign-in provider '{}': `name` is used twice", p.name);
        }
        let p = p.check(base)?;
        if let Some(a) = &p.api_audience {
            if let Some(other) = out
                .iter()
                .find(|o: &&Provider| o.issuer == p.issuer && o.api_audience.as_ref() == Some(a))
            {
                anyhow::bail!(
                    "sign-in provider '{}': `api_audience` '{a}' is also provider '{}''s, of the same issuer; give each its own audience, so a token names whom it is for",
                    p.name,
                    other.name
                );
            }
        }
        out.push(p);
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
