//! The protocol with one OpenID provider, through the `openidconnect` crate: discovery
//! (cached), the authorization request with PKCE, `state` and `nonce`, the token request
//! (client secret or `private_key_jwt`), the ID token's checks with the algorithms both
//! the provider announces and the operator allows, the JWKS fetched again when a token
//! names a key the cache does not hold, and the RP-initiated logout address.

use std::future::Future;
use std::pin::Pin;
use std::str::FromStr as _;
use std::time::Duration;

use base64::Engine as _;
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreIdToken, CoreJsonWebKeySet, CoreJwsSigningAlgorithm,
};
use openidconnect::{
    AsyncHttpClient, AuthType, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret,
    CsrfToken, HttpRequest, HttpResponse, IssuerUrl, LogoutRequest, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, PostLogoutRedirectUrl, ProviderMetadataWithLogout, RedirectUrl, Scope,
    SignatureVerificationError, TokenResponse,
};
use serde_json::{Map, Value};
use tokio::sync::RwLock;

use crate::config::{ClientAuth, Provider};

/// The largest answer read from a provider.
const MAX_ANSWER_BYTES: usize = 1024 * 1024;
/// How long a discovery document is trusted before it is read again.
const DISCOVERY_TTL: Duration = Duration::from_secs(3600);

/// Why talking to a provider failed.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// The provider could not be reached or answered nonsense.
    #[error("the sign-in provider cannot be reached: {0}")]
    Unavailable(String),
    /// The provider refused the token request (e.g. a code used twice, a wrong PKCE
    /// verifier, the client's authentication).
    #[error("the sign-in provider refused the code: {0}")]
    TokenRefused(String),
    /// The ID token failed a check (signature, key, algorithm, issuer, audience, expiry,
    /// nonce).
    #[error("the ID token was refused: {0}")]
    IdTokenRefused(String),
}

/// An HTTP error of the client below `openidconnect`.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpError(String);

/// `openidconnect`'s HTTP client: the workspace's reqwest, no redirects followed,
/// bounded time and size.
#[derive(Debug, Clone)]
pub struct Http(reqwest::Client);

impl Http {
    /// A client with a 10 s timeout that follows no redirects (as the OAuth 2.0
    /// security advice asks).
    pub fn new() -> anyhow::Result<Self> {
        Ok(Self(
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(10))
                .build()?,
        ))
    }
}

impl<'c> AsyncHttpClient<'c> for Http {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let fail = |e: &dyn std::fmt::Display| HttpError(e.to_string());
            let request = reqwest::Request::try_from(request).map_err(|e| fail(&e))?;
            let mut res = self.0.execute(request).await.map_err(|e| fail(&e))?;
            let mut builder = openidconnect::http::Response::builder().status(res.status());
            for (k, v) in res.headers() {
                builder = builder.header(k, v);
            }
            let mut body = Vec::new();
            while let Some(chunk) = res.chunk().await.map_err(|e| fail(&e))? {
                if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                    return Err(HttpError("the answer is too large".into()));
                }
                body.extend_from_slice(&chunk);
            }
            builder.body(body).map_err(|e| fail(&e))
        })
    }
}

/// A client made from discovered metadata: an authorization endpoint, perhaps a token
/// and a userinfo endpoint.
type DiscoveredClient = openidconnect::Client<
    openidconnect::EmptyAdditionalClaims,
    openidconnect::core::CoreAuthDisplay,
    openidconnect::core::CoreGenderClaim,
    openidconnect::core::CoreJweContentEncryptionAlgorithm,
    openidconnect::core::CoreJsonWebKey,
    openidconnect::core::CoreAuthPrompt,
    openidconnect::StandardErrorResponse<openidconnect::core::CoreErrorResponseType>,
    openidconnect::core::CoreTokenResponse,
    openidconnect::core::CoreTokenIntrospectionResponse,
    openidconnect::core::CoreRevocableToken,
    openidconnect::core::CoreRevocationErrorResponse,
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

/// The least time between two fetches of the keys forced by bearer tokens naming an
/// unknown key, so a flood of made-up key ids cannot make the host hammer the provider.
const FORCED_KEY_REFRESH_EVERY: Duration = Duration::from_secs(30);
/// How far the clocks of provider and host may disagree, in seconds.
const LEEWAY_SECONDS: u64 = 30;

/// What the provider announced, and when it was read.
struct Discovered {
    metadata: ProviderMetadataWithLogout,
    at: std::time::Instant,
}

/// One provider's protocol state.
pub struct Oidc {
    /// The operator's configuration.
    pub config: Provider,
    redirect_url: RedirectUrl,
    http: Http,
    discovered: RwLock<Option<Discovered>>,
    /// When a bearer token last made the host fetch the keys again.
    forced_refresh: std::sync::Mutex<Option<std::time::Instant>>,
}

impl std::fmt::Debug for Oidc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Oidc")
            .field("provider", &self.config.name)
            .finish_non_exhaustive()
    }
}

/// What the authorization request sent, to keep until the callback.
#[derive(Debug)]
pub struct Started {
    /// Where to send the browser.
    pub url: String,
    /// The `state`.
    pub state: String,
    /// The `nonce`.
    pub nonce: String,
    /// The PKCE verifier.
    pub pkce_verifier: String,
}

/// A checked ID token's subject and claims.
#[derive(Debug, Clone)]
pub struct Verified {
    /// `sub`.
    pub subject: String,
    /// Every claim of the (verified) ID token.
    pub claims: Map<String, Value>,
    /// The ID token itself (the hint when signing out at the provider); `None` for an
    /// API access token.
    pub id_token: Option<String>,
}

fn unavailable(e: impl std::fmt::Display) -> OidcError {
    OidcError::Unavailable(e.to_string())
}

fn algorithm(name: &str) -> Option<CoreJwsSigningAlgorithm> {
    serde_json::from_value(Value::String(name.to_owned())).ok()
}

/// A no-key error, however deep in the verification error it is.
fn no_matching_key(e: &ClaimsVerificationError) -> bool {
    matches!(
        e,
        ClaimsVerificationError::SignatureVerification(SignatureVerificationError::NoMatchingKey)
    )
}

impl Oidc {
    /// A provider whose callback is `redirect_url`.
    pub fn new(config: Provider, redirect_url: &str, http: Http) -> anyhow::Result<Self> {
        Ok(Self {
            config,
            redirect_url: RedirectUrl::new(redirect_url.to_owned())?,
            http,
            discovered: RwLock::new(None),
            forced_refresh: std::sync::Mutex::new(None),
        })
    }

    /// The provider's metadata (read at first use, again after an hour).
    async fn metadata(&self) -> Result<ProviderMetadataWithLogout, OidcError> {
        if let Some(d) = self.discovered.read().await.as_ref() {
            if d.at.elapsed() < DISCOVERY_TTL {
                return Ok(d.metadata.clone());
            }
        }
        let issuer = IssuerUrl::new(self.config.issuer.clone()).map_err(unavailable)?;
        // Discovery checks that the document names this issuer, and fetches the JWKS.
        let metadata = ProviderMetadataWithLogout::discover_async(issuer, &self.http)
            .await
            .map_err(|e| unavailable(format!("discovery of {}: {e}", self.config.issuer)))?;
        tracing::info!(provider = %self.config.name, keys = metadata.jwks().keys().len(), "discovered the sign-in provider");
        *self.discovered.write().await = Some(Discovered {
            metadata: metadata.clone(),
            at: std::time::Instant::now(),
        });
        Ok(metadata)
    }

    /// Fetch the provider's keys again (a token named a key the cache does not hold).
    async fn refresh_keys(&self) -> Result<ProviderMetadataWithLogout, OidcError> {
        let mut metadata = self.metadata().await?;
        let jwks = CoreJsonWebKeySet::fetch_async(metadata.jwks_uri(), &self.http)
            .await
            .map_err(|e| unavailable(format!("the keys of {}: {e}", self.config.issuer)))?;
        tracing::info!(provider = %self.config.name, keys = jwks.keys().len(), "fetched the sign-in provider's keys again");
        metadata = metadata.set_jwks(jwks);
        if let Some(d) = self.discovered.write().await.as_mut() {
            d.metadata = metadata.clone();
        }
        Ok(metadata)
    }

    /// The algorithms accepted: what the operator allows and the provider announces.
    fn algorithms(
        &self,
        metadata: &ProviderMetadataWithLogout,
    ) -> Result<Vec<CoreJwsSigningAlgorithm>, OidcError> {
        let announced = metadata.id_token_signing_alg_values_supported();
        let accepted: Vec<_> = self
            .config
            .algorithms
            .iter()
            .filter_map(|a| algorithm(a))
            .filter(|a| announced.contains(a))
            .collect();
        if accepted.is_empty() {
            return Err(OidcError::Unavailable(format!(
                "the provider announces none of the allowed ID token algorithms ({})",
                self.config.algorithms.join(", ")
            )));
        }
        Ok(accepted)
    }

    fn client(&self, metadata: ProviderMetadataWithLogout) -> DiscoveredClient {
        let secret = match &self.config.auth {
            ClientAuth::Secret { secret, .. } => Some(ClientSecret::new(secret.clone())),
            ClientAuth::PrivateKey { .. } => None,
        };
        let auth_type = match &self.config.auth {
            ClientAuth::Secret { in_body: false, .. } => AuthType::BasicAuth,
            _ => AuthType::RequestBody,
        };
        CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.config.client_id.clone()),
            secret,
        )
        .set_redirect_uri(self.redirect_url.clone())
        .set_auth_type(auth_type)
    }

    /// The authorization request: where to send the browser, and what to keep.
    pub async fn start(&self) -> Result<Started, OidcError> {
        let metadata = self.metadata().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let client = self.client(metadata);
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for s in &self.config.scopes {
            request = request.add_scope(Scope::new(s.clone()));
        }
        let (url, state, nonce) = request.url();
        Ok(Started {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// The client assertion of `private_key_jwt` for the token endpoint `audience`.
    fn client_assertion(&self, audience: &str) -> Result<Option<String>, OidcError> {
        let ClientAuth::PrivateKey {
            key,
            algorithm,
            kid,
        } = &self.config.auth
        else {
            return Ok(None);
        };
        let now = jobunivers_core::clock::now_ms() / 1000;
        let mut jti = [0u8; 16];
        getrandom::fill(&mut jti).map_err(unavailable)?;
        let claims = serde_json::json!({
            "iss": self.config.client_id,
            "sub": self.config.client_id,
            "aud": audience,
            "jti": hex::encode(jti),
            "iat": now,
            "exp": now + 60,
        });
        let mut header = jsonwebtoken::Header::new(*algorithm);
        header.kid = kid.clone();
        jsonwebtoken::encode(&header, &claims, key)
            .map(Some)
            .map_err(|e| unavailable(format!("signing the client assertion: {e}")))
    }

    /// Exchange the code (with the PKCE verifier) and check the ID token against
    /// `nonce`. A token naming a key the cache does not hold makes the host fetch the
    /// provider's keys once more before it refuses.
    pub async fn finish(
        &self,
        code: &str,
        pkce_verifier: &str,
        nonce: &str,
    ) -> Result<Verified, OidcError> {
        let metadata = self.metadata().await?;
        let algorithms = self.algorithms(&metadata)?;
        let token_url = metadata
            .token_endpoint()
            .map(|u| u.to_string())
            .ok_or_else(|| unavailable("the provider announces no token endpoint"))?;
        let client = self.client(metadata);
        let mut request = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(unavailable)?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()));
        if let Some(assertion) = self.client_assertion(&token_url)? {
            request = request
                .add_extra_param(
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                )
                .add_extra_param("client_assertion", assertion);
        }
        let tokens = request.request_async(&self.http).await.map_err(|e| {
            use openidconnect::RequestTokenError as E;
            match e {
                E::ServerResponse(r) => OidcError::TokenRefused(format!(
                    "{}{}",
                    r.error().as_ref(),
                    r.error_description()
                        .map(|d| format!(": {d}"))
                        .unwrap_or_default()
                )),
                other => unavailable(other),
            }
        })?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| OidcError::IdTokenRefused("the provider sent no ID token".into()))?;
        let nonce = Nonce::new(nonce.to_owned());
        let subject = {
            let verifier = client
                .id_token_verifier()
                .set_allowed_algs(algorithms.clone());
            match id_token.claims(&verifier, &nonce) {
                Ok(claims) => claims.subject().as_str().to_owned(),
                Err(e) if no_matching_key(&e) => {
                    let metadata = self.refresh_keys().await?;
                    let client = self.client(metadata);
                    let verifier = client.id_token_verifier().set_allowed_algs(algorithms);
                    id_token
                        .claims(&verifier, &nonce)
                        .map_err(|e| OidcError::IdTokenRefused(describe(&e)))?
                        .subject()
                        .as_str()
                        .to_owned()
                }
                Err(e) => return Err(OidcError::IdTokenRefused(describe(&e))),
            }
        };
        // Verified: its payload is what the signature covers; read every claim of it.
        let compact = id_token.to_string();
        let payload = compact
            .split('.')
            .nth(1)
            .and_then(|p| {
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(p)
                    .ok()
            })
            .and_then(|bytes| serde_json::from_slice::<Map<String, Value>>(&bytes).ok())
            .ok_or_else(|| {
                OidcError::IdTokenRefused("the ID token's claims cannot be read".into())
            })?;
        Ok(Verified {
            subject,
            claims: payload,
            id_token: Some(compact),
        })
    }

    /// Check a JWT access token (RFC 9068) the provider issued for the API `audience`:
    /// type `at+jwt`, signed by a key the provider publishes (fetched again, at most
    /// every 30 s, when the token names one the cache does not hold) with an algorithm
    /// the operator allows, this issuer, the audience, not expired, not too long-lived.
    /// Its claims.
    pub async fn verify_access_token(
        &self,
        token: &str,
        audience: &str,
        max_lifetime_s: u64,
    ) -> Result<Map<String, Value>, OidcError> {
        let refused = |why: &str| OidcError::IdTokenRefused(why.to_owned());
        let header =
            jsonwebtoken::decode_header(token).map_err(|_| refused("the token is not a JWT"))?;
        let typ = header.typ.as_deref().unwrap_or("").to_ascii_lowercase();
        if typ != "at+jwt" && typ != "application/at+jwt" {
            return Err(refused(
                "the token is not an access token (its type is not at+jwt); send the access token, not the ID token",
            ));
        }
        let alg = format!("{:?}", header.alg);
        if !self.config.algorithms.contains(&alg) {
            return Err(OidcError::IdTokenRefused(format!(
                "its algorithm is not allowed ({alg})"
            )));
        }
        let kid = header
            .kid
            .clone()
            .ok_or_else(|| refused("the token names no key ('kid')"))?;
        let metadata = self.metadata().await?;
        let key = match find_key(&metadata, &kid) {
            Some(k) => k,
            None => {
                let due = {
                    let mut last = self.forced_refresh.lock().expect("not poisoned");
                    let due = last.is_none_or(|t| t.elapsed() >= FORCED_KEY_REFRESH_EVERY);
                    if due {
                        *last = Some(std::time::Instant::now());
                    }
                    due
                };
                let metadata = if due {
                    self.refresh_keys().await?
                } else {
                    metadata
                };
                find_key(&metadata, &kid).ok_or_else(|| {
                    refused("it is signed with a key the provider does not publish")
                })?
            }
        };
        if let Some(key_alg) = &key.common.key_algorithm {
            if format!("{key_alg:?}") != alg {
                return Err(refused("its algorithm is not the one of its key"));
            }
        }
        let decoding = jsonwebtoken::DecodingKey::from_jwk(&key)
            .map_err(|_| refused("the provider's key cannot be read"))?;
        let mut validation = jsonwebtoken::Validation::new(header.alg);
        validation.set_issuer(&[&self.config.issuer, &format!("{}/", self.config.issuer)]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_nbf = true;
        let claims = jsonwebtoken::decode::<Map<String, Value>>(token, &decoding, &validation)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind as K;
                refused(match e.kind() {
                    K::ExpiredSignature => "it has expired",
                    K::InvalidSignature => "its signature is not valid",
                    K::InvalidAlgorithm => "its algorithm does not fit its key",
                    K::InvalidIssuer => "another issuer signed it",
                    K::InvalidAudience => "it is meant for another audience",
                    K::ImmatureSignature => "it is not valid yet ('nbf' is in the future)",
                    K::MissingRequiredClaim(_) => "it lacks one of exp, iss, aud and sub",
                    _ => "it is not a valid JWT",
                })
            })?
            .claims;
        let now = u64::try_from(jobunivers_core::clock::now_ms() / 1000).unwrap_or(0);
        let secs = |name: &str| claims.get(name).and_then(Value::as_u64);
        let exp = secs("exp").unwrap_or(0);
        if exp > now + max_lifetime_s + LEEWAY_SECONDS
            || secs("iat").is_some_and(|iat| {
                iat > now + LEEWAY_SECONDS || exp.saturating_sub(iat) > max_lifetime_s
            })
        {
            return Err(refused(
                "its lifetime is longer than this host accepts, or it was issued in the future",
            ));
        }
        if claims
            .get("sub")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            return Err(refused("its subject is empty"));
        }
        Ok(claims)
    }

    /// Where to send the browser to sign out at the provider too (RP-initiated logout),
    /// if the provider announces an end-session endpoint.
    pub async fn logout_url(
        &self,
        post_logout_redirect: &str,
        id_token_hint: Option<&str>,
    ) -> Option<String> {
        let metadata = match self.metadata().await {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(provider = %self.config.name, error = %e, "no sign-out at the provider");
                return None;
            }
        };
        let endpoint = metadata
            .additional_metadata()
            .end_session_endpoint
            .clone()?;
        let mut request = LogoutRequest::from(endpoint)
            .set_client_id(ClientId::new(self.config.client_id.clone()));
        if let Ok(url) = PostLogoutRedirectUrl::new(post_logout_redirect.to_owned()) {
            request = request.set_post_logout_redirect_uri(url);
        }
        if let Some(hint) = id_token_hint.and_then(|t| CoreIdToken::from_str(t).ok()) {
            request = request.set_id_token_hint(&hint);
        }
        Some(request.http_get_url().to_string())
    }
}

/// The published key `kid`, as `jsonwebtoken` reads keys.
fn find_key(metadata: &ProviderMetadataWithLogout, kid: &str) -> Option<jsonwebtoken::jwk::Jwk> {
    // Key by key: a key of a kind `jsonwebtoken` cannot read must not hide the others.
    let set = serde_json::to_value(metadata.jwks()).ok()?;
    set.get("keys")?
        .as_array()?
        .iter()
        .filter(|k| k.get("kid").and_then(Value::as_str) == Some(kid))
        .find_map(|k| serde_json::from_value(k.clone()).ok())
}

/// A refusal in words (no token contents).
fn describe(e: &ClaimsVerificationError) -> String {
    match e {
        ClaimsVerificationError::Expired(_) => "it has expired".into(),
        ClaimsVerificationError::InvalidNonce(_) => "its nonce is not the one sent".into(),
        ClaimsVerificationError::InvalidIssuer(_) => "another issuer signed it".into(),
        ClaimsVerificationError::InvalidAudience(_) => "it is meant for another client".into(),
        ClaimsVerificationError::SignatureVerification(
            SignatureVerificationError::NoMatchingKey,
        ) => "it is signed with a key the provider does not publish".into(),
        ClaimsVerificationError::SignatureVerification(
            SignatureVerificationError::DisallowedAlg(a),
        ) => format!("its algorithm is not allowed ({a})"),
        other => other.to_string(),
    }
}
