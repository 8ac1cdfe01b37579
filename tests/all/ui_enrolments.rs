//! The admin's "Tilmeldte borgere" page (enrolled citizens) as a browser sees it, on
//! both backends: linked from the admin's navigation, a CSV upload through a multipart
//! form whose bad lines are named in the error summary with nothing written, the counts
//! after a good upload, removal by CPR number, and each municipality's admin sees only
//! their own list.

use crate::api::spawn_apps;
use crate::ui_staff::Browser;

const UPLOAD: &str = "/admin/enrolments/upload";
const CSV: (&str, &str, &str) = ("file", "borgere.csv", "text/csv");

#[tokio::test(flavor = "multi_thread")]
async fn the_admin_uploads_a_list_sees_every_bad_line_and_removes_a_citizen() {
    for app in spawn_apps().await {
        let be = app.backend;
        let mut admin = Browser::signed(&app, "admin", Some("0751")).await;
        let home = admin.get("/admin").await;
        assert!(
            home.body.contains("href=\"/admin/enrolments\"")
                && home.body.contains("Tilmeldte borgere"),
            "{be}: the navigation links the page"
        );
        let page = admin.get("/admin/enrolments").await;
        assert_eq!(page.status, 200, "{be}: {}", page.body);
        assert!(
            page.body.contains("<h1>Tilmeldte borgere</h1>"),
            "{}",
            page.body
        );
        assert!(page.body.contains("Kommunen har tilmeldt 0 borgere."));
        assert!(page.body.contains("enctype=\"multipart/form-data\""));
        assert!(page
            .body
            .contains("aria-current=\"page\">Tilmeldte borgere"));
        let csrf = page.csrf();

        // Bad lines: each named in the summary, in Danish; nothing written.
        let bad = "cpr;note\n010190-1234;ok\n310290-1234;\n0101901234;\n01019012;\n";
        let refused = admin.upload_file(UPLOAD, &csrf, CSV, bad.as_bytes()).await;
        assert_eq!(refused.status, 422, "{be}: {}", refused.body);
        assert!(refused.body.contains("ju-error-summary"));
        assert!(refused.body.contains("Ingen borgere er tilmeldt."));
        for expected in [
            "Linje 3, CPR-nummer: de første seks cifre er fødselsdatoen",
            "Linje 4, CPR-nummer: det samme CPR-nummer står på en linje længere oppe",
            "Linje 5, CPR-nummer: et CPR-nummer har 10 cifre",
        ] {
            assert!(
                refused.body.contains(expected),
                "{be}: {expected}: {}",
                refused.body
            );
        }
        assert!(!refused.body.contains("Linje 2,"));
        assert!(refused.body.contains("Kommunen har tilmeldt 0 borgere."));
        assert_eq!(app.count("enrolments").await, 0, "{be}");
        // A file without its header is named too.
        let refused = admin.upload_file(UPLOAD, &csrf, CSV, b"0101901234\n").await;
        assert_eq!(refused.status, 422, "{be}");
        assert!(refused
            .body
            .contains("Linje 1, filen: første linje skal være overskriften"));
        // No file chosen.
        let refused = admin.upload_file(UPLOAD, &csrf, CSV, b"").await;
        assert!(refused.body.contains("Vælg en CSV-fil."), "{be}");

        // A good file: redirected to the page with the counts.
        let good = "\u{feff}cpr;note\r\n010190-1234;sag 7\r\n0202851234;\r\n";
        let done = admin.upload_file(UPLOAD, &csrf, CSV, good.as_bytes()).await;
        assert_eq!(done.status, 303, "{be}: {}", done.body);
        assert_eq!(done.location, "/admin/enrolments?added=2&unchanged=0");
        let page = admin.get(&done.location).await;
        assert!(
            page.body
                .contains("Tilmeldt nu: 2. Var allerede tilmeldt: 0."),
            "{}",
            page.body
        );
        assert!(page.body.contains("Kommunen har tilmeldt 2 borgere."));
        assert!(page.body.contains("sag 7") && page.body.contains("admin:admin-user@0751"));
        assert!(!page.body.contains("0101901234") && !page.body.contains("010190-1234"));
        let again = admin.upload_file(UPLOAD, &csrf, CSV, good.as_bytes()).await;
        assert_eq!(
            again.location, "/admin/enrolments?added=0&unchanged=2",
            "{be}"
        );
        let en = admin.get("/admin/enrolments?lang=en").await;
        assert!(en.body.contains("<h1>Enrolled citizens</h1>"), "{be}");
        assert!(en
            .body
            .contains("The municipality has enrolled 2 citizens."));
        admin.get("/admin/enrolments?lang=da").await;

        // Without the form's token, nothing is read.
        let forged = admin
            .upload_file(UPLOAD, "0".repeat(64).as_str(), CSV, b"cpr\n1102031234\n")
            .await;
        assert_eq!(forged.status, 403, "{be}");
        assert_eq!(app.count("enrolments").await, 2, "{be}");

        // Removing: a number not on the list is named at the field; one on it goes.
        let wrong = admin
            .post(
                "/admin/enrolments/remove",
                &[("jbu:csrf", &csrf), ("cpr", "1111111111")],
            )
            .await;
        assert_eq!(wrong.status, 404, "{be}");
        assert!(wrong
            .body
            .contains("kommunen har ikke tilmeldt dette CPR-nummer"));
        let removed = admin
            .post(
                "/admin/enrolments/remove",
                &[("jbu:csrf", &csrf), ("cpr", "020285-1234")],
            )
            .await;
        assert_eq!(removed.status, 303, "{be}: {}", removed.body);
        let page = admin.get("/admin/enrolments").await;
        assert!(
            page.body.contains("Borgeren er fjernet fra listen."),
            "{be}"
        );
        assert!(page.body.contains("Kommunen har tilmeldt 1 borger."));

        // Another municipality's admin sees their own list, not Aarhus'.
        let mut other = Browser::signed(&app, "admin", Some("0101")).await;
        let page = other.get("/admin/enrolments").await;
        assert_eq!(page.status, 200, "{be}");
        assert!(page.body.contains("Kommunen har tilmeldt 0 borgere."));
        assert!(!page.body.contains("sag 7"));
        // Staff without the admin role do not get the page.
        let mut caseworker = Browser::signed(&app, "caseworker", Some("0751")).await;
        assert_eq!(
            caseworker.get("/admin/enrolments").await.status,
            403,
            "{be}"
        );
    }
}
