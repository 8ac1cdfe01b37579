//! The API's bearer tokens from the OpenID provider: an app (a public client with
//! PKCE) signs in at the real provider and calls the API with the JWT access token it
//! got (RFC 9068), which the host checks against the provider's published keys. A
//! citizen never seen is enrolled; staff get their mapped role; the ID token, a token
//! for another audience, a tampered, a foreign-key, an unsigned and an expired token
//! are refused, and refused tokens write nothing.

use base64::Engine as _;
use serde_json::Value;
use sha2::Digest as _;

use super::harness::{citizens, origin, spawn, Agent, OidcProvider};
use crate::api::TestApp;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

fn query(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .fold(
            form_urlencoded::Serializer::new(String::new()),
            |mut s, (k, v)| {
                s.append_pair(k, v);
                s
            },
        )
        .finish()
}

/// The app's sign-in at the provider as `login`, asking for an access token for
/// `audience`: the token endpoint's answer.
async fn app_tokens(app: &TestApp, oidc: &OidcProvider, login: &str, audience: &str) -> Value {
    let discovery: Value =
        reqwest::get(format!("{}/.well-known/openid-configuration", oidc.issuer))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    let mut raw = [0u8; 32];
    getrandom::fill(&mut raw).unwrap();
    let verifier = hex::encode(raw);
    let challenge = B64.encode(sha2::Sha256::digest(verifier.as_bytes()));
    let redirect = format!("{}/app/callback", oidc.redirect_base);
    let authorize = format!(
        "{}?{}",
        discovery["authorization_endpoint"].as_str().unwrap(),
        query(&[
            ("client_id", "jobunivers-app"),
            ("response_type", "code"),
            ("redirect_uri", &redirect),
            ("scope", "openid municipality groups api"),
            ("state", "app-state"),
            ("nonce", "app-nonce"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
            ("resource", audience),
        ])
    );
    let mut b = Agent::new();
    let callback = b.at_provider(app, &authorize, login).await;
    let code = form_urlencoded::parse(callback.split_once('?').unwrap().1.as_bytes())
        .find(|(k, _)| k == "code")
        .unwrap_or_else(|| panic!("no code in {callback}"))
        .1
        .into_owned();
    let res = reqwest::Client::new()
        .post(discovery["token_endpoint"].as_str().unwrap())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(query(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &redirect),
            ("client_id", "jobunivers-app"),
            ("code_verifier", &verifier),
        ]))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert!(status.is_success(), "{body}");
    body
}

fn part(token: &str, i: usize) -> Value {
    serde_json::from_slice(&B64.decode(token.split('.').nth(i).unwrap()).unwrap()).unwrap()
}

fn detail(a: &crate::api::Answer) -> String {
    a.body["detail"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_api_takes_the_providers_access_tokens_and_enrols_a_new_citizen() {
    for (app, oidc) in spawn().await {
        let backend = app.backend;
        let citizens_api = format!("{}/api", oidc.redirect_base);
        let staff_api = format!("{}/api/staff", oidc.redirect_base);
        assert_eq!(origin(&citizens_api), app.url);

        let tokens = app_tokens(&app, &oidc, "anna", &citizens_api).await;
        let access = tokens["access_token"].as_str().unwrap();
        assert_eq!(part(access, 0)["typ"], "at+jwt", "{backend}");
        assert_eq!(part(access, 1)["aud"], citizens_api.as_str());
        assert!(citizens(&app).await.is_empty());
        let me = app.get("/api/v1/me/profile", access).await;
        assert_eq!(me.status, 200, "{backend}: {}", me.body);
        let enrolled = citizens(&app).await;
        assert_eq!(enrolled.len(), 1, "{backend}");
        assert_eq!(enrolled[0].1, "0751");
        // The same citizen as the web pages' sign-in makes: a pseudonym, not the login.
        assert!(enrolled[0].0.starts_with("c-") && !enrolled[0].0.contains("anna"));
        let again = app.get("/api/v1/me/profile", access).await;
        assert_eq!(again.status, 200, "{backend}");
        assert_eq!(citizens(&app).await, enrolled, "{backend}");
        // A citizen's token does not reach the caseworkers' API.
        let cw = app.get("/api/v1/caseworker/citizens", access).await;
        assert_eq!(cw.status, 403, "{backend}: {}", cw.body);

        // The ID token is for the host's sign-in, not for the API.
        let id_token = tokens["id_token"].as_str().unwrap();
        let res = app.get("/api/v1/me/profile", id_token).await;
        assert_eq!(res.status, 401, "{backend}: {}", res.body);
        assert!(detail(&res).contains("not an access token"), "{}", res.body);

        // Staff: the role the groups map to, through the staff audience.
        let karen = app_tokens(&app, &oidc, "karen", &staff_api).await;
        let karen = karen["access_token"].as_str().unwrap();
        let list = app.get("/api/v1/caseworker/citizens", karen).await;
        assert_eq!(list.status, 200, "{backend}: {}", list.body);
        let mine = app.get("/api/v1/me/profile", karen).await;
        assert_eq!(mine.status, 403, "{backend}: {}", mine.body);
        // A citizen's account through the staff audience has no role; one without a
        // municipality is told to contact the jobcentre; neither writes anything.
        let anna_staff = app_tokens(&app, &oidc, "anna", &staff_api).await;
        let res = app
            .get(
                "/api/v1/caseworker/citizens",
                anna_staff["access_token"].as_str().unwrap(),
            )
            .await;
        assert_eq!(res.status, 403, "{backend}: {}", res.body);
        assert!(res.body["type"].as_str().unwrap().ends_with("no-role"));
        let uden = app_tokens(&app, &oidc, "uden", &citizens_api).await;
        let res = app
            .get("/api/v1/me/profile", uden["access_token"].as_str().unwrap())
            .await;
        assert_eq!(res.status, 403, "{backend}: {}", res.body);
        assert!(res.body["type"].as_str().unwrap().ends_with("not-enrolled"));
        assert_eq!(citizens(&app).await, enrolled, "{backend}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn forged_foreign_unsigned_and_expired_access_tokens_are_refused() {
    for (app, oidc) in spawn().await {
        let backend = app.backend;
        let citizens_api = format!("{}/api", oidc.redirect_base);
        let tokens = app_tokens(&app, &oidc, "anna", &citizens_api).await;
        let good = tokens["access_token"].as_str().unwrap().to_owned();
        let header = part(&good, 0);
        let mut claims = part(&good, 1);
        let refused = |res: crate::api::Answer, why: &str| {
            assert_eq!(res.status, 401, "{backend}: {}", res.body);
            assert!(detail(&res).contains(why), "{backend}: {why}: {}", res.body);
        };

        // Another subject in the payload, the provider's signature kept.
        claims["sub"] = Value::from("bent");
        let pieces: Vec<&str> = good.split('.').collect();
        let tampered = format!(
            "{}.{}.{}",
            pieces[0],
            B64.encode(claims.to_string()),
            pieces[2]
        );
        refused(
            app.get("/api/v1/me/profile", &tampered).await,
            "signature is not valid",
        );

        // Signed with a key the provider does not publish: under the provider's key id,
        // and under one it never had (the keys are fetched again, then refused).
        let pem = std::fs::read(&oidc.staff_key).unwrap();
        let key = jsonwebtoken::EncodingKey::from_rsa_pem(&pem).unwrap();
        let sign = |kid: &str| {
            let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
            h.typ = Some("at+jwt".into());
            h.kid = Some(kid.to_owned());
            jsonwebtoken::encode(&h, &claims, &key).unwrap()
        };
        let provider_kid = header["kid"].as_str().unwrap();
        refused(
            app.get("/api/v1/me/profile", &sign(provider_kid)).await,
            "signature is not valid",
        );
        refused(
            app.get("/api/v1/me/profile", &sign("made-up-key")).await,
            "does not publish",
        );

        // No signature at all.
        let none = format!(
            "{}.{}.",
            B64.encode(r#"{"alg":"none","typ":"at+jwt"}"#),
            B64.encode(claims.to_string())
        );
        let res = app.get("/api/v1/me/profile", &none).await;
        assert_eq!(res.status, 401, "{backend}: {}", res.body);

        // Expired: the provider's clock an hour behind issues a token that ran out.
        oidc.clock_offset(-3600).await;
        let old = app_tokens(&app, &oidc, "anna", &citizens_api).await;
        oidc.clock_offset(0).await;
        refused(
            app.get("/api/v1/me/profile", old["access_token"].as_str().unwrap())
                .await,
            "expired",
        );
        assert!(citizens(&app).await.is_empty(), "{backend}");

        // The real token still works.
        let res = app.get("/api/v1/me/profile", &good).await;
        assert_eq!(res.status, 200, "{backend}: {}", res.body);
    }
}
