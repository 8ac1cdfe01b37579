//! Demo data for local runs of blocks (`jobunivers block render`): one citizen in Aarhus
//! with a full profile, and a handful of realistic job postings. Occupations are ESCO
//! concepts (here the ISCO-08 groups ESCO publishes).

use jobunivers_core::caps::{Area, Concept, Education, Experience, JobPosting, Profile};

/// The demo citizen's pseudonymous id.
pub const CITIZEN: &str = "demo-citizen";
/// Aarhus Kommune.
pub const MUNICIPALITY: &str = "0751";

const ESCO_STOCK_CLERK: &str = "http://data.europa.eu/esco/isco/C4321";
const ESCO_FREIGHT_HANDLER: &str = "http://data.europa.eu/esco/isco/C9333";
const ESCO_SHOP_ASSISTANT: &str = "http://data.europa.eu/esco/isco/C5223";
const ESCO_DRIVER: &str = "http://data.europa.eu/esco/isco/C8322";

fn concept(uri: &str, label: &str) -> Concept {
    Concept {
        uri: uri.into(),
        label: label.into(),
    }
}

/// The demo citizen's profile.
pub fn profile() -> Profile {
    Profile {
        desired_occupations: Some(vec![
            concept(ESCO_STOCK_CLERK, "Lagerekspedient"),
            concept(ESCO_FREIGHT_HANDLER, "Lagermedarbejder"),
        ]),
        skills: Some(vec![
            concept(
                "http://data.europa.eu/esco/skill/28cb374e-6261-4133-8371-f9a5470145da",
                "Truckkørsel (certifikat B)",
            ),
            concept(
                "http://data.europa.eu/esco/skill/ab6265f2-a9bf-49e8-a9a5-67cbab4de38b",
                "Lagerstyring",
            ),
        ]),
        education: Some(vec![Education {
            title: "Lager- og terminaluddannelsen".into(),
            institution: "AARHUS TECH".into(),
            year: Some(2015),
        }]),
        experience: Some(vec![Experience {
            title: "Lagermedarbejder".into(),
            employer: "Salling Group".into(),
            start: "2016-03".into(),
            end: Some("2025-10".into()),
            description: "Plukning, pakning og modtagelse af varer; truckkørsel.".into(),
        }]),
        cv_text: Some(
            "Profil\nErfaren lagermedarbejder med truckcertifikat.\n\nErhvervserfaring\n\
             Lagermedarbejder, Salling Group, 2016-2025. Plukkede og pakkede ordrer.\n\n\
             Uddannelse\nLager- og terminaluddannelsen, AARHUS TECH, 2015\n\n\
             Kontakt\nanna.jensen@example.dk, 12 34 56 78"
                .into(),
        ),
        preferred_area: Some(Area {
            postal_code: "8000".into(),
            city: "Aarhus C".into(),
            max_commute_km: 30,
        }),
        available_from: Some("2026-01-05".into()),
    }
}

#[allow(clippy::too_many_arguments)]
fn posting(
    id: &str,
    title: &str,
    employer: &str,
    occupation: (&str, &str),
    city: &str,
    postal_code: &str,
    description: &str,
    published: &str,
    deadline: Option<&str>,
) -> JobPosting {
    JobPosting {
        id: id.into(),
        title: title.into(),
        employer: employer.into(),
        occupation_uri: Some(occupation.0.into()),
        occupation_label: Some(occupation.1.into()),
        city: city.into(),
        postal_code: postal_code.into(),
        description: description.into(),
        url: format!("https://job.example.dk/{id}"),
        published: published.into(),
        deadline: deadline.map(Into::into),
        full_time: true,
    }
}

/// Demo job postings around Aarhus and Copenhagen.
pub fn jobs() -> Vec<JobPosting> {
    vec![
        posting(
            "demo-1001",
            "Lagermedarbejder til dagholdet",
            "Salling Group",
            (ESCO_FREIGHT_HANDLER, "Lagermedarbejder"),
            "Årslev",
            "5792",
            "Plukning og pakning af ordrer på vores centrallager. Truckcertifikat er et plus.",
            "2026-01-02",
            Some("2026-01-31"),
        ),
        posting(
            "demo-1002",
            "Lagerekspedient",
            "Bilka Tilst",
            (ESCO_STOCK_CLERK, "Lagerekspedient"),
            "Tilst",
            "8381",
            "Varemodtagelse, lageroptælling og opfyldning. Du er struktureret og mødestabil.",
            "2026-01-03",
            Some("2026-01-24"),
        ),
        posting(
            "demo-1003",
            "Truckfører til havnen",
            "Aarhus Havn Logistik",
            (ESCO_FREIGHT_HANDLER, "Lagermedarbejder"),
            "Aarhus C",
            "8000",
            "Du kører truck og håndterer containergods. Certifikat B er et krav.",
            "2026-01-04",
            None,
        ),
        posting(
            "demo-1004",
            "Butiksmedarbejder",
            "Netto",
            (ESCO_SHOP_ASSISTANT, "Butiksmedarbejder"),
            "Viby J",
            "8260",
            "Kundeservice, kasse og opfyldning i en travl butik.",
            "2026-01-02",
            Some("2026-01-20"),
        ),
        posting(
            "demo-1005",
            "Chauffør til varekørsel",
            "PostNord",
            (ESCO_DRIVER, "Chauffør"),
            "Brøndby",
            "2605",
            "Udbringning af pakker i Storkøbenhavn. Kørekort kategori B.",
            "2026-01-01",
            None,
        ),
    ]
}
