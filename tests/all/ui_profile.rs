//! "Min profil" as a browser sees it, HTML over HTTP on both backends: the citizen finds
//! an occupation by its Danish label and adds it, sets where and from when they can
//! work, writes their CV, adds and removes an education and chooses how to be reached;
//! a refused form shows each problem at its field in Danish, keeps what was typed and
//! writes nothing; staff have no such page, and forms need their CSRF token.

use sqlx::Row;

use crate::api::{spawn_apps, TestApp};
use crate::ui::{register_citizen, Browser, Page};

const LAGER: &str = "http://data.europa.eu/esco/occupation/bea705fe-06ac-4147-b8e0-6e8ac1208d8f";

async fn changes(app: &TestApp) -> i64 {
    sqlx::query("SELECT COUNT(*) AS n FROM profile_changes WHERE citizen_id = 'citizen-0101'")
        .fetch_one(app.server.market.db().pool())
        .await
        .unwrap()
        .get("n")
}

#[track_caller]
fn saved(page: &Page, section: &str) {
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.location(), format!("/profile#{section}"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_citizen_keeps_their_profile_on_the_web_page() {
    for app in spawn_apps().await {
        jobunivers_host::demo::seed_demo_concepts(app.server.market.db())
            .await
            .unwrap();
        register_citizen(&app).await;
        let mut b = Browser::new(&app);
        assert_eq!(b.sign_in("citizen-0101").await.status, 303);
        let page = b.get("/profile").await;
        assert_eq!(page.status, 200, "{}", app.backend);
        assert!(page.body.contains("<h1>Min profil</h1>"), "{}", page.body);
        assert!(page
            .body
            .contains("Du har ikke valgt nogen jobønsker endnu."));
        let csrf = page.csrf();

        // Search by the Danish label, then add.
        let found = b.get("/profile?q=lager").await;
        assert!(found.body.contains("Lagermedarbejder"), "{}", found.body);
        assert!(found
            .body
            .contains("Tilføj<span class=\"sr-only\">: Lagermedarbejder"));
        let nothing = b.get("/profile?q=zzzyyx").await;
        assert!(nothing
            .body
            .contains("Ingen stillinger passer til din søgning"));
        saved(
            &b.post(
                "/profile/occupations/add",
                &[("jbu:csrf", &csrf), ("uri", LAGER)],
            )
            .await,
            "occupations",
        );
        let page = b.get("/profile").await;
        assert!(page.body.contains("Din profil er gemt."));
        assert!(page
            .body
            .contains("Fjern<span class=\"sr-only\">: Lagermedarbejder"));
        // Something that is not an occupation is refused at its field.
        let refused = b
            .post(
                "/profile/occupations/add",
                &[("jbu:csrf", &csrf), ("uri", "http://example.com/x")],
            )
            .await;
        assert_eq!(refused.status, 422);
        assert!(refused
            .body
            .contains("Vælg højst 10 forskellige stillinger"));

        // Area and start date: every problem at its field, what was typed kept, nothing
        // written.
        let before = changes(&app).await;
        let refused = b
            .post(
                "/profile/area",
                &[
                    ("jbu:csrf", &csrf),
                    ("postal_code", "80"),
                    ("city", ""),
                    ("max_commute_km", "langt"),
                    ("available_from", "2027-02-30"),
                ],
            )
            .await;
        assert_eq!(refused.status, 422, "{}", refused.body);
        for text in [
            "Skriv et dansk postnummer med fire cifre.",
            "Skriv byen",
            "Skriv et helt tal mellem 0 og 300.",
            "Skriv en dato, der findes",
            "aria-invalid=\"true\"",
            "value=\"80\"",
            "value=\"langt\"",
        ] {
            assert!(refused.body.contains(text), "{text}: {}", refused.body);
        }
        assert_eq!(changes(&app).await, before, "{}", app.backend);
        saved(
            &b.post(
                "/profile/area",
                &[
                    ("jbu:csrf", &csrf),
                    ("postal_code", "8000"),
                    ("city", "Aarhus C"),
                    ("max_commute_km", "25"),
                    ("available_from", "2027-01-04"),
                ],
            )
            .await,
            "area",
        );

        // CV and education.
        saved(
            &b.post(
                "/profile/cv",
                &[("jbu:csrf", &csrf), ("cv_text", "Truckcertifikat <b>B</b>")],
            )
            .await,
            "cv",
        );
        saved(
            &b.post(
                "/profile/education/add",
                &[
                    ("jbu:csrf", &csrf),
                    ("title", "Lagerlogistik"),
                    ("institution", "AMU Aarhus"),
                    ("year", "2019"),
                ],
            )
            .await,
            "education",
        );
        let refused = b
            .post(
                "/profile/education/add",
                &[
                    ("jbu:csrf", &csrf),
                    ("title", ""),
                    ("institution", "AMU"),
                    ("year", "19"),
                ],
            )
            .await;
        assert_eq!(refused.status, 422);
        assert!(refused.body.contains("Skriv uddannelsens navn"));
        assert!(refused.body.contains("Skriv et årstal fra 1940"));
        let page = b.get("/profile").await;
        assert!(page.body.contains("Lagerlogistik, AMU Aarhus (2019)"));
        assert!(page.body.contains("value=\"8000\""));
        assert!(
            page.body
                .contains("Truckcertifikat &lt;b&gt;B&lt;&#x2f;b&gt;"),
            "text is escaped: {}",
            page.body
        );
        saved(
            &b.post(
                "/profile/education/remove",
                &[("jbu:csrf", &csrf), ("index", "0")],
            )
            .await,
            "education",
        );
        let gone = b
            .post(
                "/profile/education/remove",
                &[("jbu:csrf", &csrf), ("index", "0")],
            )
            .await;
        assert_eq!(gone.status, 404);

        // Contact: a text message needs a mobile number.
        let refused = b
            .post(
                "/profile/contact",
                &[
                    ("jbu:csrf", &csrf),
                    ("email", "borger@example.dk"),
                    ("mobile", ""),
                    ("channel", "jobs:email"),
                    ("channel", "jobs:sms"),
                ],
            )
            .await;
        assert_eq!(refused.status, 422);
        assert!(refused.body.contains("sms kræver et mobilnummer"));
        saved(
            &b.post(
                "/profile/contact",
                &[
                    ("jbu:csrf", &csrf),
                    ("email", "borger@example.dk"),
                    ("mobile", "20 30 40 50"),
                    ("channel", "jobs:email"),
                    ("channel", "messages:sms"),
                ],
            )
            .await,
            "contact",
        );
        let page = b.get("/profile").await;
        assert!(page.body.contains("value=\"+4520304050\""));
        assert!(page.body.contains("value=\"jobs:email\" checked"));
        assert!(page.body.contains("value=\"messages:sms\" checked"));
        assert!(!page.body.contains("value=\"jobs:sms\" checked"));

        // What the blocks read.
        let profile = app
            .server
            .universe
            .provider()
            .profile_unlogged("citizen-0101")
            .await
            .unwrap();
        assert_eq!(profile.desired_occupations.unwrap()[0].uri, LAGER);
        assert_eq!(profile.preferred_area.unwrap().postal_code, "8000");
        assert_eq!(profile.education.unwrap(), vec![]);
        assert_eq!(changes(&app).await, 6, "{}", app.backend);

        // Without the form's token nothing changes.
        let forged = b.post("/profile/cv", &[("cv_text", "forged")]).await;
        assert_eq!(forged.status, 403);
        assert_eq!(changes(&app).await, 6);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn only_a_signed_in_citizen_has_a_profile_page() {
    for app in spawn_apps().await {
        let mut anonymous = Browser::new(&app);
        let page = anonymous.get("/profile").await;
        assert_eq!(page.status, 303, "{}", app.backend);
        assert!(page.location().starts_with("/login"), "{}", page.location());
        for user in ["caseworker-0101", "admin-0101", "operator"] {
            let mut b = Browser::new(&app);
            let signed = b.sign_in(user).await;
            assert_eq!(signed.status, 303, "{user}: {}", signed.body);
            assert_eq!(b.get("/profile").await.status, 403, "{user}");
            let csrf = b.get("/login").await.csrf();
            let post = b
                .post("/profile/cv", &[("jbu:csrf", &csrf), ("cv_text", "x")])
                .await;
            assert_eq!(post.status, 403, "{user}");
        }
    }
}
