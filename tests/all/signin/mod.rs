//! Signing in through a real OpenID provider (npm's oidc-provider, tests/oidc/), on both
//! backends: the whole authorization code flow over HTTP, the provider's login form
//! filled in like a person would, redirects followed by hand. A citizen never seen
//! before is enrolled and gets their universe; staff get the role their groups map to;
//! a wrong nonce, a tampered state, a replayed callback, an expired ID token and a
//! token signed with a key the provider does not publish are refused, and write
//! nothing.

mod accounts;
mod bearer;
mod enrolments;
mod harness;

use std::path::Path;

use harness::{
    citizens, count, csrf_of, nothing_written, sessions, spawn, with_param, with_state, Agent,
};

#[tokio::test(flavor = "multi_thread")]
async fn a_citizen_never_seen_signs_in_is_enrolled_and_gets_their_universe() {
    for (app, _provider) in spawn().await {
        let backend = app.backend;
        let mut b = Agent::new();
        let login = b.get(&format!("{}/login", app.url)).await;
        assert!(
            login.body.contains("Log ind med MitID (test)"),
            "{}",
            login.body
        );
        assert!(login.body.contains("href=\"/signin/citizens\""));
        assert!(login.body.contains("Log ind med Kommunens login (test)"));
        // Signing out ends at the provider by a redirect after the form: the pages'
        // policy lets forms go there (and nowhere else).
        let res = reqwest::get(format!("{}/login", app.url)).await.unwrap();
        let csp = res.headers()["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains(&format!("form-action 'self' {};", _provider.issuer)),
            "{csp}"
        );
        assert!(citizens(&app).await.is_empty());

        let (done, callback) = b.sign_in(&app, "citizens", "anna").await;
        assert_eq!(done.status, 303, "{backend}: {}", done.body);
        assert_eq!(done.location, format!("{}/universe", app.url));
        let page = b.get(&format!("{}/universe", app.url)).await;
        assert_eq!(page.status, 200, "{backend}: {}", page.body);
        assert!(page.body.contains("Du er logget ind."), "{}", page.body);

        // Enrolled under a pseudonym, in the municipality the provider said.
        let enrolled = citizens(&app).await;
        assert_eq!(enrolled.len(), 1, "{backend}");
        let (id, code) = &enrolled[0];
        assert_eq!(code, "0751");
        assert!(id.starts_with("c-") && id.len() == 42, "{id}");
        assert!(!id.contains("anna"));
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM sessions WHERE provider = 'citizens' AND role = 'citizen' AND tenant = '0751'").await,
            1,
            "{backend}"
        );

        // The callback used again (with its cookie, as a thief who copied both would):
        // refused, and no second session.
        b.jar(&app.url)
            .insert("ju_signin".into(), with_state(&callback));
        let replay = b.get(&callback).await;
        assert_eq!(replay.status, 400, "{backend}: {}", replay.body);
        assert!(replay.body.contains("already used"), "{}", replay.body);
        assert_eq!(sessions(&app).await, 1, "{backend}");

        // Signing in again (another browser) is the same citizen.
        let mut again = Agent::new();
        let (done, _) = again.sign_in(&app, "citizens", "anna").await;
        assert_eq!(done.status, 303, "{backend}: {}", done.body);
        assert_eq!(citizens(&app).await.len(), 1, "{backend}");

        // Signing out ends the session here and sends the browser to the provider's
        // end-session endpoint, which sends it back to the login page.
        let csrf = csrf_of(&page.body);
        let out = b
            .post(&format!("{}/logout", app.url), &[("jbu:csrf", &csrf)])
            .await;
        assert_eq!(out.status, 303, "{backend}");
        assert!(
            out.location
                .starts_with(&format!("{}/session/end?", _provider.issuer)),
            "{}",
            out.location
        );
        assert!(
            out.location.contains("client_id=jobunivers-citizens"),
            "{}",
            out.location
        );
        assert!(
            out.location.contains("post_logout_redirect_uri="),
            "{}",
            out.location
        );
        // The ID token of the sign-in says whom to sign out.
        assert!(
            out.location.contains("id_token_hint=ey"),
            "{}",
            out.location
        );
        assert_eq!(sessions(&app).await, 1, "{backend}");
        let page = b.get(&format!("{}/universe", app.url)).await;
        assert_eq!(page.status, 303, "{backend}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_secret_in_the_body_works_too_and_the_sign_in_returns_to_where_it_started() {
    for (app, _provider) in spawn().await {
        let backend = app.backend;
        let mut b = Agent::new();
        // A page that needs a session sends the browser to the login page, whose
        // button carries the way back.
        let page = b.get(&format!("{}/my-data", app.url)).await;
        assert_eq!(
            page.location,
            format!("{}/login?next=%2Fmy%2Ddata", app.url)
        );
        let login = b.get(&page.location).await;
        assert!(
            login
                .body
                .contains("href=\"/signin/citizens-post?next=%2Fmy-data\""),
            "{}",
            login.body
        );
        let res = b
            .get(&format!("{}/signin/citizens-post?next=%2Fmy-data", app.url))
            .await;
        assert_eq!(res.status, 303, "{backend}");
        let callback = b.at_provider(&app, &res.location, "anna").await;
        let done = b.get(&callback).await;
        assert_eq!(done.status, 303, "{backend}: {}", done.body);
        assert_eq!(done.location, format!("{}/my-data", app.url));
        assert_eq!(b.get(&done.location).await.status, 200, "{backend}");
        // Another site's address is never where a sign-in returns to.
        let res = b
            .get(&format!(
                "{}/signin/citizens-post?next=%2F%2Fevil.example",
                app.url
            ))
            .await;
        let callback = b.at_provider(&app, &res.location, "anna").await;
        let done = b.get(&callback).await;
        assert_eq!(done.location, format!("{}/universe", app.url), "{backend}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_first_sign_ins_of_one_citizen_enrol_them_once() {
    for (app, _provider) in spawn().await {
        let backend = app.backend;
        let mut agents = Vec::new();
        let mut callbacks = Vec::new();
        for _ in 0..3 {
            let mut a = Agent::new();
            let authorize = a.start(&app, "citizens").await;
            callbacks.push(a.at_provider(&app, &authorize, "bent").await);
            agents.push(a);
        }
        let answers = futures_util::future::join_all(
            agents.iter_mut().zip(&callbacks).map(|(a, c)| a.get(c)),
        )
        .await;
        for a in &answers {
            assert_eq!(a.status, 303, "{backend}: {}", a.body);
        }
        let enrolled = citizens(&app).await;
        assert_eq!(enrolled.len(), 1, "{backend}");
        assert_eq!(enrolled[0].1, "0101");
        assert_eq!(sessions(&app).await, 3, "{backend}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_get_the_role_their_groups_map_to() {
    for (app, _provider) in spawn().await {
        let backend = app.backend;
        // The staff client authenticates with private_key_jwt.
        let mut karen = Agent::new();
        let (done, _) = karen.sign_in(&app, "staff", "karen").await;
        assert_eq!(done.status, 303, "{backend}: {}", done.body);
        assert_eq!(done.location, format!("{}/caseworker", app.url));
        let page = karen.get(&format!("{}/caseworker", app.url)).await;
        assert_eq!(page.status, 200, "{backend}: {}", page.body);
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM sessions WHERE role = 'caseworker' AND tenant = '0751' AND subject = 'staff.karen'").await,
            1,
            "{backend}"
        );
        // A caseworker cannot use the admin's pages.
        let admin_page = karen.get(&format!("{}/admin", app.url)).await;
        assert_eq!(admin_page.status, 403, "{backend}");

        let mut lars = Agent::new();
        let (done, _) = lars.sign_in(&app, "staff", "lars").await;
        assert_eq!(
            done.location,
            format!("{}/admin", app.url),
            "{backend}: {}",
            done.body
        );
        assert_eq!(lars.get(&format!("{}/admin", app.url)).await.status, 200);

        // No mapped group: a plain page, no session.
        let mut nina = Agent::new();
        let (done, _) = nina.sign_in(&app, "staff", "nina").await;
        assert_eq!(done.status, 403, "{backend}: {}", done.body);
        assert!(
            done.body.contains("Du har ikke en rolle i Jobunivers"),
            "{}",
            done.body
        );
        assert!(!nina.jar(&app.url).contains_key("ju_session"));
        assert_eq!(sessions(&app).await, 2, "{backend}");
        assert!(citizens(&app).await.is_empty());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_citizen_without_a_known_municipality_is_told_what_to_do() {
    for (app, _provider) in spawn().await {
        let backend = app.backend;
        for login in ["ukendt", "uden"] {
            let mut b = Agent::new();
            let (done, _) = b.sign_in(&app, "citizens", login).await;
            assert_eq!(done.status, 403, "{backend}: {}", done.body);
            assert!(
                done.body
                    .contains("Vi kan ikke se, hvilken kommune du hører til"),
                "{}",
                done.body
            );
            assert!(done.body.contains("Kontakt dit jobcenter"));
        }
        // In English too.
        let mut b = Agent::new();
        b.get(&format!("{}/login?lang=en", app.url)).await;
        let (done, _) = b.sign_in(&app, "citizens", "uden").await;
        assert!(
            done.body
                .contains("We cannot tell which municipality you belong to"),
            "{}",
            done.body
        );
        assert!(citizens(&app).await.is_empty(), "{backend}");
        assert_eq!(sessions(&app).await, 0, "{backend}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_nonce_a_tampered_state_and_a_foreign_callback_are_refused() {
    for (app, _provider) in spawn().await {
        let backend = app.backend;
        // The authorization request's nonce changed on the way: the provider signs an
        // ID token with that nonce, which is not the one the host keeps.
        let mut b = Agent::new();
        let authorize = b.start(&app, "citizens").await;
        let tampered = with_param(&authorize, "nonce", "a-nonce-the-host-never-made");
        let callback = b.at_provider(&app, &tampered, "anna").await;
        let res = b.get(&callback).await;
        assert_eq!(res.status, 400, "{backend}: {}", res.body);
        assert!(res.body.contains("nonce"), "{}", res.body);
        nothing_written(&app).await;

        // The state changed in the callback: not this browser's sign-in.
        let mut b = Agent::new();
        let authorize = b.start(&app, "citizens").await;
        let callback = b.at_provider(&app, &authorize, "anna").await;
        let res = b
            .get(&with_param(&callback, "state", "made-up-state"))
            .await;
        assert_eq!(res.status, 400, "{backend}: {}", res.body);
        assert!(
            res.body
                .contains("does not belong to a sign-in started in this browser"),
            "{}",
            res.body
        );
        nothing_written(&app).await;

        // A callback carried to another browser (login CSRF): refused there.
        let mut victim_of = Agent::new();
        let authorize = victim_of.start(&app, "citizens").await;
        let callback = victim_of.at_provider(&app, &authorize, "anna").await;
        let mut victim = Agent::new();
        let res = victim.get(&callback).await;
        assert_eq!(res.status, 400, "{backend}: {}", res.body);
        nothing_written(&app).await;

        // The provider's error (the person cancelled) ends the sign-in politely.
        let mut b = Agent::new();
        let authorize = b.start(&app, "citizens").await;
        let state = with_state(&authorize);
        let res = b
            .get(&format!(
                "{}/signin/citizens/callback?error=access_denied&state={state}",
                app.url
            ))
            .await;
        assert_eq!(res.status, 400, "{backend}: {}", res.body);
        nothing_written(&app).await;

        // An unknown provider.
        let res = b.get(&format!("{}/signin/nobody", app.url)).await;
        assert_eq!(res.status, 404, "{backend}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_id_token_is_refused() {
    for (app, provider) in spawn().await {
        let backend = app.backend;
        let mut b = Agent::new();
        let authorize = b.start(&app, "citizens").await;
        let callback = b.at_provider(&app, &authorize, "anna").await;
        // The provider's clock runs 400 s behind when it issues the ID token: with its
        // 300 s lifetime, the token expired before it was made.
        provider.clock_offset(-400).await;
        let res = b.get(&callback).await;
        provider.clock_offset(0).await;
        assert_eq!(res.status, 400, "{backend}: {}", res.body);
        assert!(res.body.contains("expired"), "{}", res.body);
        nothing_written(&app).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_are_fetched_again_for_a_new_kid_and_an_unknown_key_is_refused() {
    for (app, provider) in spawn().await {
        let backend = app.backend;
        // The provider signs with a key it does not publish: the host discovers it
        // without that key, fetches the keys again when the token names it, still
        // does not find it, and refuses.
        provider.hide_signing_key(true).await;
        let mut b = Agent::new();
        let authorize = b.start(&app, "citizens").await;
        let callback = b.at_provider(&app, &authorize, "bent").await;
        let res = b.get(&callback).await;
        assert_eq!(res.status, 400, "{backend}: {}", res.body);
        assert!(
            res.body.contains("key the provider does not publish"),
            "{}",
            res.body
        );
        nothing_written(&app).await;

        // The key is rotated in (published now): the host, which cached the keys
        // without it, fetches them again for the new kid and accepts the token.
        let mut b = Agent::new();
        let authorize = b.start(&app, "citizens").await;
        let callback = b.at_provider(&app, &authorize, "anna").await;
        provider.hide_signing_key(false).await;
        let res = b.get(&callback).await;
        assert_eq!(res.status, 303, "{backend}: {}", res.body);
        assert_eq!(sessions(&app).await, 1, "{backend}");
        assert_eq!(citizens(&app).await.len(), 1, "{backend}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mistake_in_the_provider_file_stops_the_start_and_names_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("oidc.toml");
    std::fs::write(
        &file,
        r#"
[[provider]]
name = "citizens"
display_name = "MitID"
issuer = "https://broker.example"
client_id = "jobunivers"
auth_method = "client_secret_post"
kind = "citizen"
municipality_claim = "municipality"
"#,
    )
    .unwrap();
    let mut config = jobunivers_host::server::ServerConfig::new(dir.path().to_owned());
    config.addr = "127.0.0.1:0".parse().unwrap();
    config.static_dir = None;
    config.public_url = Some("https://jobunivers.example".into());
    config.oidc_config = Some(file.clone());
    let err = jobunivers_host::server::start(config.clone())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("citizens") && err.contains("`client_secret`"),
        "{err}"
    );
    // Without a public address the providers cannot send the browser back.
    std::fs::write(
        &file,
        std::fs::read_to_string(&file).unwrap() + "client_secret = \"s\"\n",
    )
    .unwrap();
    config.public_url = None;
    let err = jobunivers_host::server::start(config)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("--public-url"), "{err}");
    assert!(!Path::new(&dir.path().join("jobunivers.db")).exists());
}
