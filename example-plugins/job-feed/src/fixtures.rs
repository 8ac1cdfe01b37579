//! Test data: a citizen in Aarhus who wants warehouse work, and postings like the ones
//! the platform's demo serves.

use jobunivers_sdk::jobs::JobPosting;

use crate::matching::{Named, Place, Wishes};

pub const STOCK_CLERK: &str = "http://data.europa.eu/esco/isco/C4321";
pub const FREIGHT_HANDLER: &str = "http://data.europa.eu/esco/isco/C9333";
pub const SHOP_ASSISTANT: &str = "http://data.europa.eu/esco/isco/C5223";
pub const DRIVER: &str = "http://data.europa.eu/esco/isco/C8322";

pub fn named(uri: &str, label: &str) -> Named {
    Named {
        uri: uri.into(),
        label: label.into(),
    }
}

/// Anna in Aarhus C: wants warehouse work, drives a forklift.
pub fn anna() -> Wishes {
    Wishes {
        occupations: Some(vec![
            named(STOCK_CLERK, "Lagerekspedient"),
            named(FREIGHT_HANDLER, "Lagermedarbejder"),
        ]),
        skills: Some(vec![
            named(
                "http://data.europa.eu/esco/skill/forklift",
                "Truckkørsel (certifikat B)",
            ),
            named("http://data.europa.eu/esco/skill/inventory", "Lagerstyring"),
        ]),
        area: Some(Place {
            postal_code: "8000".into(),
            city: "Aarhus C".into(),
        }),
    }
}

#[allow(clippy::too_many_arguments)]
pub fn posting(
    id: &str,
    title: &str,
    occupation: Option<(&str, &str)>,
    city: &str,
    postal_code: &str,
    description: &str,
    published: &str,
    deadline: Option<&str>,
) -> JobPosting {
    JobPosting {
        id: id.into(),
        title: title.into(),
        employer: "Arbejdsgiver A/S".into(),
        occupation_uri: occupation.map(|o| o.0.into()),
        occupation_label: occupation.map(|o| o.1.into()),
        city: city.into(),
        postal_code: postal_code.into(),
        description: description.into(),
        url: format!("https://job.example.dk/{id}"),
        published: published.into(),
        deadline: deadline.map(Into::into),
        full_time: true,
    }
}

/// The five demo postings (published and deadlines as in the platform's demo).
pub fn demo_jobs() -> Vec<JobPosting> {
    vec![
        posting(
            "demo-1001",
            "Lagermedarbejder til dagholdet",
            Some((FREIGHT_HANDLER, "Lagermedarbejder")),
            "Årslev",
            "5792",
            "Plukning og pakning af ordrer på vores centrallager. Truckcertifikat er et plus.",
            "2026-01-02",
            Some("2026-01-31"),
        ),
        posting(
            "demo-1002",
            "Lagerekspedient",
            Some((STOCK_CLERK, "Lagerekspedient")),
            "Tilst",
            "8381",
            "Varemodtagelse, lageroptælling og opfyldning. Du er struktureret og mødestabil.",
            "2026-01-03",
            Some("2026-01-24"),
        ),
        posting(
            "demo-1003",
            "Truckfører til havnen",
            Some((FREIGHT_HANDLER, "Lagermedarbejder")),
            "Aarhus C",
            "8000",
            "Du kører truck og håndterer containergods. Certifikat B er et krav.",
            "2026-01-04",
            None,
        ),
        posting(
            "demo-1004",
            "Butiksmedarbejder",
            Some((SHOP_ASSISTANT, "Butiksmedarbejder")),
            "Viby J",
            "8260",
            "Kundeservice, kasse og opfyldning i en travl butik.",
            "2026-01-02",
            Some("2026-01-20"),
        ),
        posting(
            "demo-1005",
            "Chauffør til varekørsel",
            Some((DRIVER, "Chauffør")),
            "Brøndby",
            "2605",
            "Udbringning af pakker i Storkøbenhavn. Kørekort kategori B.",
            "2026-01-01",
            None,
        ),
    ]
}

/// 2026-01-05, the day `Context::for_test` is on.
pub const TODAY: i64 = 20_458;
