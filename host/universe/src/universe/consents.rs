//! The citizen's consents per block: what each asks for and why, what is allowed and on which legal basis, and the citizen's changes.

use super::*;

/// One personal-data capability of a block, as the citizen sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ConsentState {
    /// The capability, e.g. `profile.cv`.
    pub name: String,
    /// Why the block asks, in Danish and English.
    #[schema(value_type = Object)]
    pub reason: Localized,
    /// Whether the block may use it now.
    pub consented: bool,
    /// `consent` (the citizen's) or `public-task` (GDPR art. 6(1)(e)), when allowed.
    pub legal_basis: Option<String>,
    /// For `public-task`: the provision the jobcentre's processing rests on. The citizen
    /// cannot withdraw it here (they can object to the jobcentre, GDPR art. 21).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

/// A block's requests for personal data.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BlockConsents {
    /// The installation.
    pub installation: i64,
    /// `vendor.block`.
    pub block: String,
    /// Its name.
    #[schema(value_type = Object)]
    pub name: Localized,
    /// The personal data it asks for (and the municipality granted).
    pub capabilities: Vec<ConsentState>,
}

/// What an installation may use of the citizen's personal data on this call: what the
/// citizen consented to, or, for a block installed for the jobcentre's public task,
/// everything personal the municipality granted.
pub(super) fn allowed(r: &Resolved, mut consented: BTreeSet<Capability>) -> BTreeSet<Capability> {
    if !r.legal_basis.needs_consent() {
        consented.extend(
            r.granted
                .iter()
                .filter_map(|g| Capability::parse(g))
                .filter(|c| c.personal_data()),
        );
    }
    consented
}

impl Universe {
    /// What the citizen allows each installation now (read on every request, so a
    /// withdrawal counts on the next call).
    pub(crate) async fn consented_all(
        &self,
        citizen: &str,
    ) -> Result<HashMap<i64, BTreeSet<Capability>>> {
        let rows = sqlx::query("SELECT installation_id, capability FROM consents WHERE citizen_id = $1 AND withdrawn_ms IS NULL")
            .bind(citizen)
            .fetch_all(self.market.db().pool())
            .await?;
        let mut out: HashMap<i64, BTreeSet<Capability>> = HashMap::new();
        for r in &rows {
            if let Some(c) = Capability::parse(&r.try_get::<String, _>("capability")?) {
                out.entry(r.try_get("installation_id")?)
                    .or_default()
                    .insert(c);
            }
        }
        Ok(out)
    }

    /// Per block on the citizen's page: the personal data it asks for, why, and whether
    /// the citizen allows it (and on which legal basis).
    pub async fn consents(&self, who: &Identity) -> Result<Vec<BlockConsents>> {
        let installations = self.installations_for(who).await?;
        let rows = sqlx::query(
            "SELECT installation_id, capability, legal_basis FROM consents WHERE citizen_id = $1 AND withdrawn_ms IS NULL",
        )
        .bind(&who.subject)
        .fetch_all(self.market.db().pool())
        .await?;
        let mut current: HashMap<(i64, String), String> = HashMap::new();
        for r in &rows {
            current.insert(
                (r.try_get("installation_id")?, r.try_get("capability")?),
                r.try_get("legal_basis")?,
            );
        }
        let mut out = Vec::new();
        for r in &installations {
            let manifest = self.manifest(&r.block, &r.version).await?;
            let capabilities = manifest
                .capabilities
                .into_iter()
                .filter(|c| Capability::parse(&c.name).is_some_and(|cap| cap.personal_data()))
                .filter(|c| r.granted.contains(&c.name))
                .map(|c| match &r.legal_basis {
                    GrantBasis::PublicTask { reference } => ConsentState {
                        consented: true,
                        legal_basis: Some(LegalBasis::PublicTask.as_str().to_owned()),
                        reference: Some(reference.clone()),
                        name: c.name,
                        reason: c.reason,
                    },
                    GrantBasis::Consent => {
                        let basis = current.get(&(r.installation, c.name.clone())).cloned();
                        ConsentState {
                            consented: basis.is_some(),
                            legal_basis: basis,
                            reference: None,
                            name: c.name,
                            reason: c.reason,
                        }
                    }
                })
                .collect();
            out.push(BlockConsents {
                installation: r.installation,
                block: r.block.clone(),
                name: manifest.name,
                capabilities,
            });
        }
        Ok(out)
    }

    /// The citizen allows or withdraws one capability of one block on their page; it
    /// takes effect on the block's very next call.
    pub async fn set_consent(
        &self,
        who: &Identity,
        installation: i64,
        capability: &str,
        allow: bool,
    ) -> Result<BlockConsents> {
        let consents = self.consents(who).await?;
        let block = consents
            .iter()
            .find(|b| b.installation == installation)
            .ok_or_else(|| {
                Problem::not_found(
                    "unknown-installation",
                    format!("there is no block {installation} on your page"),
                )
            })?;
        if !block.capabilities.iter().any(|c| c.name == capability) {
            let asked: Vec<&str> = block.capabilities.iter().map(|c| c.name.as_str()).collect();
            return Err(Problem::invalid(
                "not-asked",
                format!(
                    "{} does not ask for '{capability}'; it asks for: {}",
                    block.block,
                    if asked.is_empty() {
                        "nothing personal".to_owned()
                    } else {
                        asked.join(", ")
                    }
                ),
            )
            .at("/capability"));
        }
        if let Some(reference) = block
            .capabilities
            .iter()
            .find(|c| c.name == capability)
            .and_then(|c| c.reference.as_deref())
        {
            return Err(Problem::conflict(
                "public-task-basis",
                format!(
                    "{} uses '{capability}' for the jobcentre's public task ({reference}), not on your consent, so there is nothing to withdraw or grant here; you can object to the processing by writing to your jobcentre",
                    block.block
                ),
            )
            .at("/capability"));
        }
        let cap = Capability::parse(capability)
            .ok_or_else(|| Problem::internal("a listed capability does not parse"))?;
        self.provider
            .set_consent(&who.subject, installation, cap, LegalBasis::Consent, allow)
            .await
            .map_err(Problem::internal)?;
        self.consents(who)
            .await?
            .into_iter()
            .find(|b| b.installation == installation)
            .ok_or_else(|| Problem::internal("the block left the page"))
    }

    pub(crate) async fn manifest(&self, block: &str, version: &str) -> Result<RawManifest> {
        let row = sqlx::query(
            "SELECT v.manifest FROM block_versions v JOIN blocks b ON b.id = v.block_ref WHERE b.block_id = $1 AND v.version = $2",
        )
        .bind(block)
        .bind(version)
        .fetch_one(self.market.db().pool())
        .await?;
        let text: String = row.try_get("manifest")?;
        serde_json::from_str(&text).map_err(Problem::internal)
    }
}
