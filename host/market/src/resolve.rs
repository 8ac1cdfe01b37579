//! Version resolution, as a pure function: which version an installation runs.
//!
//! An installation runs the highest version that is approved, not suspended, on a
//! contract this host supports, matches its requirement (or is its pinned version) and
//! has every capability it requests granted. A yanked version is never picked by a
//! requirement, but a pin to it keeps working (as Cargo's registry does). A higher
//! version that would match but asks for capabilities not yet granted is reported, so
//! the admin can re-grant.

use std::collections::BTreeSet;

use semver::{Version, VersionReq};
use serde::Serialize;

/// What resolution needs to know of one version.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The version.
    pub version: Version,
    /// Approved by review.
    pub approved: bool,
    /// Suspended by the operator.
    pub suspended: bool,
    /// Yanked by the vendor.
    pub yanked: bool,
    /// Its contract is one this host supports.
    pub supported: bool,
    /// The capabilities it requests.
    pub capabilities: BTreeSet<String>,
}

/// A version waiting for the admin to grant more.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AwaitingGrant {
    /// The version.
    pub version: String,
    /// What it asks for beyond the grants.
    pub missing: Vec<String>,
}

/// The outcome.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Resolution {
    /// The version that runs, if any.
    pub version: Option<String>,
    /// Why none runs, when none does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A higher version the admin must grant more to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub awaiting_grant: Option<AwaitingGrant>,
}

/// Resolve. `candidates` may be in any order.
pub fn resolve(
    candidates: &[Candidate],
    requirement: &VersionReq,
    pinned: Option<&Version>,
    granted: &BTreeSet<String>,
) -> Resolution {
    let mut eligible: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| c.approved && !c.suspended && c.supported)
        .filter(|c| match pinned {
            Some(p) => &c.version == p,
            None => !c.yanked && requirement.matches(&c.version),
        })
        .collect();
    eligible.sort_by(|a, b| b.version.cmp(&a.version));
    let mut awaiting = None;
    for c in eligible {
        let missing: Vec<String> = c.capabilities.difference(granted).cloned().collect();
        if missing.is_empty() {
            return Resolution {
                version: Some(c.version.to_string()),
                reason: None,
                awaiting_grant: awaiting,
            };
        }
        if awaiting.is_none() {
            awaiting = Some(AwaitingGrant {
                version: c.version.to_string(),
                missing,
            });
        }
    }
    let reason = match (pinned, &awaiting) {
        (_, Some(a)) => format!(
            "version {} needs these capabilities granted: {}",
            a.version,
            a.missing.join(", ")
        ),
        (Some(p), None) => match candidates.iter().find(|c| &c.version == p) {
            Some(c) if c.suspended => {
                format!("the pinned version {p} is suspended by the operator")
            }
            Some(c) if !c.approved => format!("the pinned version {p} is not approved"),
            Some(_) => {
                format!("the pinned version {p} targets a contract this host does not support")
            }
            None => format!("the pinned version {p} does not exist"),
        },
        (None, None) => format!("no approved, unsuspended, unyanked version matches {requirement}"),
    };
    Resolution {
        version: None,
        reason: Some(reason),
        awaiting_grant: awaiting,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(v: &str, caps: &[&str]) -> Candidate {
        Candidate {
            version: Version::parse(v).unwrap(),
            approved: true,
            suspended: false,
            yanked: false,
            supported: true,
            capabilities: caps.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn grants(caps: &[&str]) -> BTreeSet<String> {
        caps.iter().map(|s| s.to_string()).collect()
    }

    fn run(cands: &[Candidate], req: &str, pin: Option<&str>, granted: &[&str]) -> Resolution {
        let pin = pin.map(|p| Version::parse(p).unwrap());
        resolve(
            cands,
            &VersionReq::parse(req).unwrap(),
            pin.as_ref(),
            &grants(granted),
        )
    }

    #[test]
    fn the_highest_matching_granted_version_wins() {
        let cands = [
            c("1.0.0", &["storage"]),
            c("1.2.0", &["storage"]),
            c("2.0.0", &["storage"]),
        ];
        assert_eq!(
            run(&cands, "^1", None, &["storage"]).version.as_deref(),
            Some("1.2.0")
        );
        assert_eq!(
            run(&cands, "*", None, &["storage"]).version.as_deref(),
            Some("2.0.0")
        );
    }

    #[test]
    fn unapproved_suspended_yanked_and_unsupported_versions_are_skipped() {
        let mut cands = vec![
            c("1.0.0", &[]),
            c("1.1.0", &[]),
            c("1.2.0", &[]),
            c("1.3.0", &[]),
            c("1.4.0", &[]),
        ];
        cands[1].yanked = true;
        cands[2].suspended = true;
        cands[3].approved = false;
        cands[4].supported = false;
        assert_eq!(
            run(&cands, "^1", None, &[]).version.as_deref(),
            Some("1.0.0")
        );
        cands[0].suspended = true;
        let r = run(&cands, "^1", None, &[]);
        assert_eq!(r.version, None);
        assert!(r.reason.unwrap().contains("no approved"));
    }

    #[test]
    fn a_pin_to_a_yanked_version_keeps_working_but_not_to_a_suspended_one() {
        let mut cands = vec![c("1.0.0", &[]), c("1.1.0", &[])];
        cands[0].yanked = true;
        assert_eq!(
            run(&cands, "^1", Some("1.0.0"), &[]).version.as_deref(),
            Some("1.0.0")
        );
        cands[0].suspended = true;
        let r = run(&cands, "^1", Some("1.0.0"), &[]);
        assert_eq!(r.version, None);
        assert!(r.reason.unwrap().contains("suspended"));
    }

    #[test]
    fn a_version_asking_for_more_waits_for_the_grant() {
        let cands = [
            c("1.0.0", &["storage"]),
            c("1.1.0", &["storage", "profile.cv"]),
        ];
        let r = run(&cands, "^1", None, &["storage"]);
        assert_eq!(r.version.as_deref(), Some("1.0.0"));
        assert_eq!(
            r.awaiting_grant,
            Some(AwaitingGrant {
                version: "1.1.0".into(),
                missing: vec!["profile.cv".into()]
            })
        );
        let r = run(&cands, "^1", None, &["storage", "profile.cv"]);
        assert_eq!(r.version.as_deref(), Some("1.1.0"));
        assert_eq!(r.awaiting_grant, None);
        let r = run(&cands[1..], "^1", None, &[]);
        assert_eq!(r.version, None);
        assert!(r.reason.unwrap().contains("profile.cv"));
    }
}
