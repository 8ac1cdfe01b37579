//! The provider file's checks: every field's mistake named.
use super::*;

const CITIZENS: &str = r#"
[[provider]]
name = "citizens"
display_name = "MitID"
issuer = "https://broker.example/"
client_id = "jobunivers"
auth_method = "client_secret_basic"
client_secret = "s3cret"
kind = "citizen"
municipality_claim = "municipality"
scopes = ["municipality"]
"#;

#[test]
fn two_providers_of_one_issuer_need_their_own_api_audience() {
    let twice = format!(
        "{CITIZENS}api_audience = \"https://host/api\"\n{}api_audience = \"https://host/api\"\n",
        CITIZENS.replace("name = \"citizens\"", "name = \"citizens-2\"")
    );
    let err = parse(&twice, Path::new(".")).unwrap_err().to_string();
    assert!(
        err.contains("api_audience") && err.contains("citizens-2"),
        "{err}"
    );
    let distinct = twice.replacen("https://host/api\"\n", "https://host/api/2\"\n", 1);
    assert_eq!(parse(&distinct, Path::new(".")).unwrap().len(), 2);
    let blank = format!("{CITIZENS}api_audience = \" \"\n");
    let err = parse(&blank, Path::new(".")).unwrap_err().to_string();
    assert!(err.contains("`api_audience`"), "{err}");
}

#[test]
fn a_citizen_provider_is_read() {
    let p = parse(CITIZENS, Path::new(".")).unwrap();
    assert_eq!(p[0].issuer, "https://broker.example");
    assert_eq!(p[0].algorithms, vec!["RS256"]);
    assert!(matches!(p[0].mapping, Mapping::Citizen { .. }));
}

#[test]
fn each_mistake_names_its_field() {
    let cases = [
        ("client_secret = \"s3cret\"\n", "", "`client_secret`"),
        (
            "municipality_claim = \"municipality\"\n",
            "",
            "`municipality_claim`",
        ),
        (
            "https://broker.example/",
            "http://broker.example/",
            "`issuer`",
        ),
        (
            "scopes = [\"municipality\"]",
            "algorithms = [\"HS256\"]",
            "`algorithms`",
        ),
        ("name = \"citizens\"", "name = \"Citizens\"", "`name`"),
        (
            "auth_method = \"client_secret_basic\"",
            "auth_method = \"private_key_jwt\"",
            "`private_key`",
        ),
    ];
    for (from, to, field) in cases {
        let text = CITIZENS.replace(from, to);
        let err = parse(&text, Path::new(".")).unwrap_err().to_string();
        assert!(err.contains(field), "{field}: {err}");
    }
    let err = parse(
        &CITIZENS.replace("kind = \"citizen\"", "kind = \"robot\""),
        Path::new("."),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("kind"), "{err}");
}

#[test]
fn a_citizen_provider_needs_a_municipality_or_a_cpr_claim() {
    let cpr_only = CITIZENS.replace(
        "municipality_claim = \"municipality\"",
        "cpr_claim = \"dk.cpr\"",
    );
    let p = parse(&cpr_only, Path::new(".")).unwrap();
    let Mapping::Citizen {
        municipality_claim,
        cpr_claim,
    } = &p[0].mapping
    else {
        panic!("citizen")
    };
    assert_eq!(
        (municipality_claim.as_deref(), cpr_claim.as_deref()),
        (None, Some("dk.cpr"))
    );
    let both = CITIZENS.replace(
        "municipality_claim = \"municipality\"",
        "municipality_claim = \"municipality\"\ncpr_claim = \"dk.cpr\"",
    );
    let p = parse(&both, Path::new(".")).unwrap();
    assert!(matches!(
        &p[0].mapping,
        Mapping::Citizen {
            municipality_claim: Some(_),
            cpr_claim: Some(_)
        }
    ));
    let neither = CITIZENS.replace("municipality_claim = \"municipality\"\n", "");
    let err = parse(&neither, Path::new(".")).unwrap_err().to_string();
    assert!(
        err.contains("`municipality_claim`") && err.contains("`cpr_claim`"),
        "{err}"
    );
    let empty = CITIZENS.replace("municipality_claim = \"municipality\"", "cpr_claim = \" \"");
    let err = parse(&empty, Path::new(".")).unwrap_err().to_string();
    assert!(err.contains("`cpr_claim` is empty"), "{err}");
}

#[test]
fn staff_mappings_are_checked() {
    let staff = r#"
[[provider]]
name = "staff"
display_name = "AD"
issuer = "https://login.example"
client_id = "jobunivers"
auth_method = "client_secret_post"
client_secret = "x"
kind = "staff"
staff_claim = "groups"
staff = [
  { value = "aarhus-caseworkers", role = "caseworker", municipality = "0751" },
  { value = "aarhus-admins", role = "admin", municipality = "751" },
]
"#;
    let err = parse(staff, Path::new(".")).unwrap_err().to_string();
    assert!(err.contains("`staff[1].municipality`"), "{err}");
    let err = parse(&staff.replace("\"admin\"", "\"operator\""), Path::new("."))
        .unwrap_err()
        .to_string();
    assert!(err.contains("`staff[1].role`"), "{err}");
    let err = parse(
        &staff.replace("\"751\"", "\"0751\"").replace(
            "staff_claim = \"groups\"",
            "staff_claim = \"groups\"\ncpr_claim = \"dk.cpr\"",
        ),
        Path::new("."),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("`cpr_claim` is only for"), "{err}");
    let ok = parse(&staff.replace("\"751\"", "\"0751\""), Path::new(".")).unwrap();
    let Mapping::Staff { rules, .. } = &ok[0].mapping else {
        panic!("staff")
    };
    assert_eq!(rules[1].1, Role::Admin);
    // A vendor's people map to the namespace, the operator's to no tenant.
    let vendors = staff.replace(
        r#"{ value = "aarhus-admins", role = "admin", municipality = "751" },"#,
        r#"{ value = "acme-devs", role = "vendor", namespace = "acme" },
  { value = "ops", role = "operator" },"#,
    );
    let ok = parse(&vendors, Path::new(".")).unwrap();
    let Mapping::Staff { rules, .. } = &ok[0].mapping else {
        panic!("staff")
    };
    assert_eq!(
        rules[1],
        ("acme-devs".into(), Role::Vendor, Some("acme".into()))
    );
    assert_eq!(rules[2], ("ops".into(), Role::Operator, None));
    for (wrong, field) in [
        (r#"role = "vendor", namespace = "acme""#, "namespace"),
        (r#"role = "vendor", namespace = "Acme!""#, "namespace"),
        (
            r#"role = "vendor", namespace = "acme", municipality = "0751""#,
            "namespace",
        ),
        (r#"role = "operator", municipality = "0751""#, "role"),
        (r#"role = "citizen", municipality = "0751""#, "role"),
    ] {
        let file = staff.replace(r#"role = "admin", municipality = "751""#, wrong);
        let file = if wrong == r#"role = "vendor", namespace = "acme""# {
            file.replace(
                "role = \"vendor\", namespace = \"acme\"",
                "role = \"vendor\"",
            )
        } else {
            file
        };
        let err = parse(&file, Path::new(".")).unwrap_err().to_string();
        assert!(
            err.contains(&format!("`staff[1].{field}`")),
            "{wrong}: {err}"
        );
    }
}
