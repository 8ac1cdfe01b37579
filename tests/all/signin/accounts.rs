//! Who is signed in where, after signing in through the real provider: the staff
//! directory an administrator (and a vendor) sees, with the mapping rules, on the page
//! and in the API, scoped to their own tenant; each person's session list, ending one
//! session, all the others, or all of them over the API, never another person's; and
//! the budget of sign-ins started per client address.

use super::harness::{count, csrf_of, spawn, spawn_with, Agent};

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";

#[tokio::test(flavor = "multi_thread")]
async fn administrators_see_who_has_which_role_in_their_own_tenant() {
    for (app, _provider) in spawn().await {
        let backend = app.backend;
        let mut karen = Agent::new();
        assert_eq!(karen.sign_in(&app, "staff", "karen").await.0.status, 303);
        let mut nina = Agent::new();
        assert_eq!(nina.sign_in(&app, "staff", "nina").await.0.status, 403);
        let mut lars = Agent::new();
        assert_eq!(lars.sign_in(&app, "staff", "lars").await.0.status, 303);

        // The page: the people with their roles and the group that gave each, and the
        // rules; nobody without a role.
        let page = lars.get(&format!("{}/admin/staff", app.url)).await;
        assert_eq!(page.status, 200, "{backend}: {}", page.body);
        assert!(page.body.contains("Karen Sagsbehandler"), "{}", page.body);
        assert!(page.body.contains("karen@aarhus.example"));
        assert!(page.body.contains("<code>aarhus-caseworkers</code>"));
        assert!(page.body.contains("<code>groups = aarhus-admins</code>"));
        assert!(!page.body.contains("nina"), "{}", page.body);
        assert!(!page.body.contains("acme-developers"), "{}", page.body);
        // A caseworker has no such page.
        let page = karen.get(&format!("{}/admin/staff", app.url)).await;
        assert_eq!(page.status, 403, "{backend}");

        // The API: the same, for that municipality's admins only.
        let admin = app.login("admin", Some("0751")).await;
        let dir = app
            .get("/api/v1/municipalities/0751/staff", &admin)
            .await
            .expect(200);
        let members = dir["members"].as_array().unwrap();
        assert_eq!(members.len(), 2, "{backend}: {dir}");
        let karen_row = members.iter().find(|m| m["subject"] == "karen").unwrap();
        assert_eq!(karen_row["role"], "caseworker");
        assert_eq!(karen_row["matched"], "aarhus-caseworkers");
        assert_eq!(karen_row["tenant"], "0751");
        assert_eq!(dir["rules"].as_array().unwrap().len(), 2, "{dir}");
        let other = app.login("admin", Some("0101")).await;
        app.get("/api/v1/municipalities/0751/staff", &other)
            .await
            .expect(403);
        let own = app
            .get("/api/v1/municipalities/0101/staff", &other)
            .await
            .expect(200);
        assert!(own["members"].as_array().unwrap().is_empty(), "{own}");
        assert!(own["rules"].as_array().unwrap().is_empty(), "{own}");
        let caseworker = app.login("caseworker", Some("0751")).await;
        app.get("/api/v1/municipalities/0751/staff", &caseworker)
            .await
            .expect(403);

        // A vendor's people sign in the same way and map to the namespace.
        let mut vera = Agent::new();
        let (done, _) = vera.sign_in(&app, "staff", "vera").await;
        assert_eq!(
            done.location,
            format!("{}/vendor", app.url),
            "{}",
            done.body
        );
        let page = vera.get(&format!("{}/vendor/staff", app.url)).await;
        assert_eq!(page.status, 200, "{backend}: {}", page.body);
        assert!(page.body.contains("Vera Udvikler"));
        assert!(!page.body.contains("Karen"));
        let vendor = app.login("vendor", Some("acme")).await;
        let dir = app
            .get("/api/v1/vendors/acme/staff", &vendor)
            .await
            .expect(200);
        assert_eq!(dir["members"][0]["role"], "vendor", "{dir}");
        app.get("/api/v1/vendors/acme/staff", &admin)
            .await
            .expect(403);
        let lars_page = lars.get(&format!("{}/admin/staff", app.url)).await;
        assert!(!lars_page.body.contains("Vera"), "{backend}");
    }
}

fn session_ids(html: &str) -> Vec<String> {
    html.match_indices("action=\"/sessions/")
        .filter_map(|(i, _)| {
            let rest = &html[i + "action=\"/sessions/".len()..];
            let id = &rest[..rest.find('/')?];
            (id != "end-others\"").then(|| id.to_owned())
        })
        .filter(|id| id.bytes().all(|b| b.is_ascii_hexdigit()))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_sees_where_they_are_signed_in_and_ends_it_there() {
    for (app, _provider) in spawn().await {
        let backend = app.backend;
        let mut laptop = Agent::with_user_agent(FIREFOX);
        let mut phone = Agent::with_user_agent(IPHONE);
        assert_eq!(laptop.sign_in(&app, "citizens", "anna").await.0.status, 303);
        assert_eq!(phone.sign_in(&app, "citizens", "anna").await.0.status, 303);
        let mut bent = Agent::new();
        assert_eq!(bent.sign_in(&app, "citizens", "bent").await.0.status, 303);

        let page = laptop.get(&format!("{}/sessions", app.url)).await;
        assert_eq!(page.status, 200, "{backend}: {}", page.body);
        assert!(page.body.contains("Firefox, Linux"), "{}", page.body);
        assert!(page.body.contains("Safari, iPhone"), "{}", page.body);
        assert!(page.body.contains("(denne browser)"));
        assert!(page.body.contains("MitID (test)"));
        let ids = session_ids(&page.body);
        assert_eq!(ids.len(), 2, "{backend}: {}", page.body);
        let bents = session_ids(&bent.get(&format!("{}/sessions", app.url)).await.body);
        assert_eq!(bents.len(), 1);

        // Another person's session cannot be ended from here.
        let csrf = csrf_of(&page.body);
        let res = laptop
            .post(
                &format!("{}/sessions/{}/end", app.url, bents[0]),
                &[("jbu:csrf", &csrf)],
            )
            .await;
        assert_eq!(res.status, 404, "{backend}: {}", res.body);
        assert_eq!(bent.get(&format!("{}/universe", app.url)).await.status, 200);

        // The phone's session ends from the laptop.
        let api = laptop.get(&format!("{}/api/v1/me/sessions", app.url)).await;
        let listed: serde_json::Value = serde_json::from_str(&api.body).unwrap();
        let phone_id = listed
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["current"] == false)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(listed[0]["agent"].as_str().is_some(), "{listed}");
        let res = laptop
            .post(
                &format!("{}/sessions/{phone_id}/end", app.url),
                &[("jbu:csrf", &csrf)],
            )
            .await;
        assert_eq!(res.status, 303, "{backend}: {}", res.body);
        let gone = phone.get(&format!("{}/universe", app.url)).await;
        assert_eq!(gone.status, 303, "{backend}");
        assert!(gone.location.contains("/login"), "{}", gone.location);
        assert_eq!(
            laptop.get(&format!("{}/universe", app.url)).await.status,
            200
        );

        // Signed in twice more elsewhere; "sign out everywhere else" keeps this one.
        let mut other = Agent::new();
        other.sign_in(&app, "citizens", "anna").await;
        phone.sign_in(&app, "citizens", "anna").await;
        let res = laptop
            .post(
                &format!("{}/sessions/end-others", app.url),
                &[("jbu:csrf", &csrf)],
            )
            .await;
        assert_eq!(res.status, 303, "{backend}");
        assert_eq!(
            other.get(&format!("{}/universe", app.url)).await.status,
            303
        );
        assert_eq!(
            phone.get(&format!("{}/universe", app.url)).await.status,
            303
        );
        assert_eq!(
            laptop.get(&format!("{}/universe", app.url)).await.status,
            200
        );
        assert_eq!(bent.get(&format!("{}/universe", app.url)).await.status, 200);

        // Ending this browser's own session is signing out.
        let page = laptop.get(&format!("{}/sessions", app.url)).await;
        let own = session_ids(&page.body);
        assert_eq!(own.len(), 1, "{backend}: {}", page.body);
        let res = laptop
            .post(
                &format!("{}/sessions/{}/end", app.url, own[0]),
                &[("jbu:csrf", &csrf_of(&page.body))],
            )
            .await;
        assert_eq!(res.status, 303);
        assert!(res.location.ends_with("/login"), "{}", res.location);
        assert_eq!(
            laptop.get(&format!("{}/universe", app.url)).await.status,
            303
        );
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM sessions").await,
            1,
            "{backend}: only bent's is left"
        );
        // The session list keeps no user agent whole, and no token.
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM sessions WHERE agent LIKE '%Mozilla%'"
            )
            .await,
            0
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_ins_started_from_one_address_have_a_budget() {
    let apps = spawn_with(|c| c.rates.signin_starts_per_minute = 3).await;
    for (app, _provider) in apps {
        let backend = app.backend;
        let mut b = Agent::new();
        for _ in 0..3 {
            let res = b.get(&format!("{}/signin/citizens", app.url)).await;
            assert_eq!(res.status, 303, "{backend}: {}", res.body);
        }
        let res = b.get(&format!("{}/signin/citizens", app.url)).await;
        assert_eq!(res.status, 429, "{backend}: {}", res.body);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM signins").await, 3);
        // The rest of the site keeps serving the address.
        assert_eq!(b.get(&format!("{}/login", app.url)).await.status, 200);
    }
}
