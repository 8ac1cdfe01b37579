//! The staff faces of the web UI (admin, vendor, operator, caseworker) as a browser sees
//! them, HTML over HTTP on both backends: each stays within its own municipality or
//! namespace, citizens are refused, forms need their CSRF token, the install wizard
//! shows the server's configuration errors next to the fields, a package uploads through
//! the portal's multipart form, and the preview writes no citizen data.

use std::collections::BTreeMap;

use jobunivers_host::auth::Identity;
use jobunivers_host::caps::{CapabilityProvider, EscalationRequest, Scope};
use jobunivers_host::package;
use jobunivers_host::runtime::model::{ChatMessage, ChatRole};
use jobunivers_host::sessions::Sessions;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::json;

use crate::api::{spawn_apps, widget_package, TestApp};

/// A cookie-keeping client that does not follow redirects.
pub(crate) struct Browser {
    url: String,
    client: reqwest::Client,
    cookies: BTreeMap<String, String>,
}

pub(crate) struct Page {
    pub(crate) status: u16,
    pub(crate) location: String,
    pub(crate) body: String,
}

impl Page {
    pub(crate) fn csrf(&self) -> String {
        let marker = "name=\"jbu:csrf\" value=\"";
        let start = self.body.find(marker).expect("the page has a form") + marker.len();
        self.body[start..start + 64].to_owned()
    }
}

impl Browser {
    /// Signed in (a server-side session, as the login page starts one) as `role` for
    /// `tenant`, with the subject the development login gives (`<role>-user`).
    pub(crate) async fn signed(app: &TestApp, role: &str, tenant: Option<&str>) -> Self {
        let who = Identity {
            subject: format!("{role}-user"),
            role: role.parse().expect("a role"),
            tenant: tenant.map(str::to_owned),
            scopes: None,
        };
        let token = Sessions::new(app.server.market.db().clone())
            .start(&who)
            .await
            .expect("a session");
        let mut cookies = BTreeMap::new();
        cookies.insert("ju_session".to_owned(), token);
        Self {
            url: app.url.clone(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .pool_max_idle_per_host(0)
                .build()
                .unwrap(),
            cookies,
        }
    }

    async fn finish(&mut self, req: reqwest::RequestBuilder) -> Page {
        let cookie: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let res = req.header(COOKIE, cookie.join("; ")).send().await.unwrap();
        let status = res.status().as_u16();
        let location = res
            .headers()
            .get(LOCATION)
            .and_then(|l| l.to_str().ok())
            .unwrap_or("")
            .to_owned();
        for c in res.headers().get_all(SET_COOKIE) {
            let c = c.to_str().unwrap();
            let (k, v) = c.split(';').next().unwrap().split_once('=').unwrap();
            if !c.contains("Max-Age=0") {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
        let body = res.text().await.unwrap();
        Page {
            status,
            location,
            body,
        }
    }

    pub(crate) async fn get(&mut self, path: &str) -> Page {
        let req = self
            .client
            .get(format!("{}{path}", self.url))
            .header("accept", "text/html");
        self.finish(req).await
    }

    pub(crate) async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in fields {
            s.append_pair(k, v);
        }
        let req = self
            .client
            .post(format!("{}{path}", self.url))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "text/html")
            .body(s.finish());
        self.finish(req).await
    }

    async fn upload(&mut self, csrf: &str, package: Vec<u8>) -> Page {
        self.upload_file(
            "/vendor/upload",
            csrf,
            ("package", "p.tar", "application/x-tar"),
            &package,
        )
        .await
    }

    /// Send a multipart form with the CSRF token and one file, (field, file name,
    /// content type).
    pub(crate) async fn upload_file(
        &mut self,
        path: &str,
        csrf: &str,
        (field, filename, content_type): (&str, &str, &str),
        file: &[u8],
    ) -> Page {
        let boundary = "----jobunivers-test-boundary";
        let mut body = Vec::new();
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"jbu:csrf\"\r\n\r\n{csrf}\r\n").as_bytes());
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n").as_bytes());
        body.extend_from_slice(file);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let req = self
            .client
            .post(format!("{}{path}", self.url))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header("accept", "text/html")
            .body(body);
        self.finish(req).await
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_portal_publishes_the_operator_approves_and_the_wizard_shows_field_errors() {
    for app in spawn_apps().await {
        let be = app.backend;
        // A vendor registers through the portal and waits for the operator.
        let mut vendor = Browser::signed(&app, "vendor", Some("acme")).await;
        let page = vendor.get("/vendor").await;
        assert_eq!(page.status, 200, "{be}");
        assert!(
            page.body.contains("action=\"/vendor/register\""),
            "{be}: the registration form"
        );
        let csrf = page.csrf();
        let done = vendor
            .post(
                "/vendor/register",
                &[
                    ("jbu:csrf", &csrf),
                    ("name", "Acme ApS"),
                    ("contact_email", "kontakt@acme.dk"),
                ],
            )
            .await;
        assert_eq!(
            (done.status, done.location.as_str()),
            (303, "/vendor"),
            "{be}: {}",
            done.body
        );
        let mut operator = Browser::signed(&app, "operator", None).await;
        let review = operator.get("/review").await;
        assert!(review.body.contains("Acme ApS (acme)"), "{be}");
        let ok = operator
            .post(
                "/review/vendors/acme/approve",
                &[("jbu:csrf", &review.csrf())],
            )
            .await;
        assert_eq!(ok.status, 303, "{be}: {}", ok.body);

        // The key is registered and the package uploaded through the portal's forms.
        let key = package::generate_key().unwrap();
        let page = vendor.get("/vendor").await;
        let csrf = page.csrf();
        let added = vendor
            .post(
                "/vendor/keys",
                &[
                    ("jbu:csrf", &csrf),
                    ("label", "CI"),
                    (
                        "public_key",
                        &package::encode_key(key.verifying_key().as_bytes()),
                    ),
                ],
            )
            .await;
        assert_eq!(added.status, 303, "{be}: {}", added.body);
        // A package signed with an unknown key: the pipeline's problem, shown plainly.
        let stranger = package::generate_key().unwrap();
        let refused = vendor
            .upload(&csrf, widget_package("v1_0_0", &stranger).await)
            .await;
        assert!(
            matches!(refused.status, 400 | 403 | 422),
            "{be}: {}",
            refused.status
        );
        assert!(
            refused.body.contains("ju-error-summary") && refused.body.contains("problem-upload"),
            "{be}"
        );
        assert_eq!(app.count("block_versions").await, 0, "{be}");
        // Without the CSRF token the upload is refused before anything is read.
        let forged = vendor
            .upload(
                "0".repeat(64).as_str(),
                widget_package("v1_0_0", &key).await,
            )
            .await;
        assert_eq!(forged.status, 403, "{be}");
        let published = vendor
            .upload(&csrf, widget_package("v1_0_0", &key).await)
            .await;
        assert_eq!(published.status, 201, "{be}: {}", published.body);
        assert!(published.body.contains("acme.widget 1.0.0"), "{be}");
        let tokens = vendor
            .post(
                "/vendor/tokens",
                &[
                    ("jbu:csrf", &csrf),
                    ("label", "CI"),
                    ("scope", "publish"),
                    ("days", "30"),
                ],
            )
            .await;
        assert_eq!(tokens.status, 201, "{be}");
        assert!(
            tokens.body.contains(">jbt_"),
            "{be}: the secret is shown once"
        );
        assert!(
            !vendor.get("/vendor").await.body.contains(">jbt_"),
            "{be}: and only once"
        );

        // The operator sees the capability diff and approves.
        let review = operator.get("/review").await;
        assert!(
            review.body.contains("acme.widget 1.0.0") && review.body.contains("storage"),
            "{be}"
        );
        let ok = operator
            .post(
                "/review/blocks/acme.widget/versions/1.0.0/approve",
                &[("jbu:csrf", &review.csrf())],
            )
            .await;
        assert_eq!(ok.status, 303, "{be}: {}", ok.body);

        // The admin installs it: first with a configuration error, shown at its field.
        let mut admin = Browser::signed(&app, "admin", Some("0101")).await;
        let catalog = admin.get("/admin/catalog?q=T%C3%A6ller").await;
        assert!(catalog.body.contains("/admin/catalog/acme.widget"), "{be}");
        let wizard = admin.get("/admin/install/acme.widget").await;
        assert_eq!(wizard.status, 200, "{be}");
        assert!(
            wizard.body.contains("id=\"cfg-greeting\"") && wizard.body.contains("id=\"cfg-limit\""),
            "{be}"
        );
        let csrf = wizard.csrf();
        let bad = admin
            .post(
                "/admin/install/acme.widget",
                &[
                    ("jbu:csrf", &csrf),
                    ("requirement", "^1.0.0"),
                    ("cfg/greeting", "Hej"),
                    ("cfg/limit", "500"),
                    ("granted", "storage"),
                    ("enabled", "yes"),
                ],
            )
            .await;
        assert_eq!(bad.status, 422, "{be}: {}", bad.body);
        assert!(
            bad.body.contains("href=\"#cfg-limit\""),
            "{be}: the summary links to the field"
        );
        let field = &bad.body[bad
            .body
            .find("id=\"cfg-limit-error\"")
            .expect("the error is at the field")..];
        assert!(field.find("id=\"cfg-limit\"").is_some(), "{be}");
        assert!(
            bad.body.contains("value=\"500\""),
            "{be}: the input is kept"
        );
        assert_eq!(app.count("installations").await, 0, "{be}");
        let good = admin
            .post(
                "/admin/install/acme.widget",
                &[
                    ("jbu:csrf", &csrf),
                    ("requirement", "^1.0.0"),
                    ("cfg/greeting", "Hej"),
                    ("cfg/limit", "5"),
                    ("granted", "storage"),
                    ("enabled", "yes"),
                ],
            )
            .await;
        assert_eq!(good.status, 303, "{be}: {}", good.body);
        let inst = good.location.clone();
        let page = admin.get(&inst).await;
        assert!(
            page.body.contains("1.0.0") && page.body.contains("value=\"5\""),
            "{be}"
        );
        // The preview renders the universe without a citizen and writes nothing.
        let before = app.count("block_storage").await;
        let preview = admin.get("/admin/preview").await;
        assert_eq!(preview.status, 200, "{be}: {}", preview.body);
        assert!(preview.body.contains("block-"), "{be}");
        assert_eq!(app.count("block_storage").await, before, "{be}");
        assert_eq!(app.count("citizens").await, 0, "{be}");
        // Disable, then uninstall only when confirmed.
        let id = inst.rsplit('/').next().unwrap();
        let off = admin
            .post(
                &format!("/admin/installations/{id}/disable"),
                &[("jbu:csrf", &csrf)],
            )
            .await;
        assert_eq!(off.status, 303, "{be}");
        let unconfirmed = admin
            .post(
                &format!("/admin/installations/{id}/uninstall"),
                &[("jbu:csrf", &csrf)],
            )
            .await;
        assert_eq!(unconfirmed.status, 422, "{be}");
        assert_eq!(app.count("installations").await, 1, "{be}");
        let gone = admin
            .post(
                &format!("/admin/installations/{id}/uninstall"),
                &[("jbu:csrf", &csrf), ("confirm", "yes")],
            )
            .await;
        assert_eq!(gone.status, 303, "{be}");
        assert_eq!(app.count("installations").await, 0, "{be}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_pages_stay_within_their_tenant_and_refuse_citizens_and_forged_forms() {
    for app in spawn_apps().await {
        let be = app.backend;
        let (acme, key) = app.vendor("acme").await;
        app.publish_approved(&acme, &key, "v1_0_0").await;
        app.vendor("other").await;
        let admin_0147 = app.login("admin", Some("0147")).await;
        let inst = app
            .post(
                "/api/v1/municipalities/0147/installations",
                &admin_0147,
                json!({ "block": "acme.widget", "granted": ["storage"], "config": { "greeting": "Hej fra 0147" } }),
            )
            .await
            .expect(201)["id"]
            .as_i64()
            .unwrap();
        let provider = app.server.universe.provider();
        provider.upsert_citizen("bo", "0147", &[]).await.unwrap();
        let scope = Scope {
            installation: inst.to_string(),
            block_id: "acme.widget".into(),
            block_version: "1.0.0".into(),
            citizen: "bo".into(),
            municipality: "0147".into(),
            now_ms: jobunivers_host::clock::now_ms(),
        };
        provider
            .escalate_open(
                &scope,
                EscalationRequest::ChatHandover {
                    transcript: vec![ChatMessage {
                        role: ChatRole::Citizen,
                        text: "Hjælp med mit CV".into(),
                        at_ms: None,
                    }],
                    summary: "CV".into(),
                },
            )
            .await
            .unwrap();

        // The admin of 0147 sees the installation; the admin of 0101 gets nothing of it.
        let mut own = Browser::signed(&app, "admin", Some("0147")).await;
        let home = own.get("/admin").await;
        assert!(
            home.body.contains(&format!("/admin/installations/{inst}")),
            "{be}"
        );
        let mut other = Browser::signed(&app, "admin", Some("0101")).await;
        let home = other.get("/admin").await;
        assert_eq!(home.status, 200, "{be}");
        assert!(!home.body.contains("acme.widget"), "{be}");
        let page = other.get(&format!("/admin/installations/{inst}")).await;
        assert_eq!(page.status, 404, "{be}");
        assert!(!page.body.contains("Hej fra 0147"), "{be}");
        assert_eq!(
            other
                .get(&format!("/admin/installations/{inst}/uninstall"))
                .await
                .status,
            404,
            "{be}"
        );
        let csrf = home.csrf();
        let cross = other
            .post(
                &format!("/admin/installations/{inst}/disable"),
                &[("jbu:csrf", &csrf)],
            )
            .await;
        assert_eq!(cross.status, 404, "{be}");
        let cross = other
            .post(
                &format!("/admin/installations/{inst}/uninstall"),
                &[("jbu:csrf", &csrf), ("confirm", "yes")],
            )
            .await;
        assert_eq!(cross.status, 404, "{be}");
        assert_eq!(app.count("installations").await, 1, "{be}");
        assert!(
            !other.get("/admin/preview").await.body.contains("block-"),
            "{be}"
        );
        // A staff form without its token is refused and changes nothing.
        let forged = own
            .post(
                &format!("/admin/installations/{inst}/disable"),
                &[("jbu:csrf", &"0".repeat(64))],
            )
            .await;
        assert_eq!(forged.status, 403, "{be}");
        assert!(
            forged.body.contains("reload the page"),
            "{be}: the error page says what to do"
        );
        let missing = own
            .post(&format!("/admin/installations/{inst}/disable"), &[])
            .await;
        assert_eq!(missing.status, 403, "{be}");
        let still = own.get(&format!("/admin/installations/{inst}")).await;
        assert!(still.body.contains("/disable\""), "{be}: still enabled");
        let mut operator = Browser::signed(&app, "operator", None).await;
        let review = operator.get("/review").await;
        let forged = operator
            .post(
                "/review/vendors/other/reject",
                &[("jbu:csrf", &"1".repeat(64)), ("reason", "x")],
            )
            .await;
        assert_eq!(forged.status, 403, "{be}");
        assert!(review.status == 200, "{be}");

        // A vendor sees only its own blocks.
        let mut other_vendor = Browser::signed(&app, "vendor", Some("other")).await;
        let page = other_vendor.get("/vendor").await;
        assert_eq!(page.status, 200, "{be}");
        assert!(!page.body.contains("acme.widget"), "{be}");
        let yank = other_vendor
            .post(
                "/vendor/blocks/acme.widget/versions/1.0.0/yank",
                &[("jbu:csrf", &page.csrf()), ("reason", "x")],
            )
            .await;
        assert_eq!(yank.status, 403, "{be}");
        let mut acme_vendor = Browser::signed(&app, "vendor", Some("acme")).await;
        let page = acme_vendor.get("/vendor").await;
        assert!(
            page.body.contains("acme.widget") && page.body.contains("Installeret i 1 kommuner"),
            "{be}"
        );

        // The caseworker of 0147 has the handover; the one of 0101 does not.
        let mut cw = Browser::signed(&app, "caseworker", Some("0147")).await;
        let inbox = cw.get("/caseworker").await;
        assert_eq!(inbox.status, 200, "{be}");
        let marker = "/caseworker/threads/";
        let at = inbox.body.find(marker).expect("the thread is listed") + marker.len();
        let id: String = inbox.body[at..]
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        let thread = cw.get(&format!("/caseworker/threads/{id}")).await;
        assert!(thread.body.contains("Hjælp med mit CV"), "{be}");
        let empty = cw
            .post(
                &format!("/caseworker/threads/{id}"),
                &[("jbu:csrf", &thread.csrf()), ("text", "  ")],
            )
            .await;
        assert_eq!(empty.status, 422, "{be}");
        assert!(empty.body.contains("href=\"#answer-text\""), "{be}");
        let answered = cw
            .post(
                &format!("/caseworker/threads/{id}"),
                &[
                    ("jbu:csrf", &thread.csrf()),
                    ("text", "Ring til os i morgen"),
                    ("close", "yes"),
                ],
            )
            .await;
        assert_eq!(answered.status, 303, "{be}: {}", answered.body);
        let overview = cw.get("/caseworker/citizens/bo").await;
        assert_eq!(overview.status, 200, "{be}");
        let mut cw_other = Browser::signed(&app, "caseworker", Some("0101")).await;
        let inbox = cw_other.get("/caseworker?all=1").await;
        assert!(!inbox.body.contains(marker), "{be}");
        assert_eq!(
            cw_other
                .get(&format!("/caseworker/threads/{id}"))
                .await
                .status,
            404,
            "{be}"
        );
        assert_eq!(
            cw_other.get("/caseworker/citizens/bo").await.status,
            404,
            "{be}"
        );

        // A citizen gets 403 on every staff page.
        let mut citizen = Browser::signed(&app, "citizen", Some("0147")).await;
        for path in [
            "/admin",
            "/admin/catalog",
            "/admin/preview",
            "/vendor",
            "/review",
            "/review/blocks",
            "/caseworker",
            "/caseworker/citizens/bo",
        ] {
            assert_eq!(citizen.get(path).await.status, 403, "{be}: {path}");
        }
        // ... and an admin on the vendor's, operator's and caseworker's pages.
        for path in ["/vendor", "/review", "/caseworker"] {
            assert_eq!(other.get(path).await.status, 403, "{be}: {path}");
        }
    }
}
