//! The citizen's consents per installation and capability, and the access-log rows of blocks' reads.

use super::*;

impl DbProvider {
    /// The capabilities a citizen currently allows an installation (granted and not
    /// withdrawn, on either legal basis): the `consented` half of the runtime's
    /// `Permissions`.
    pub async fn consented(
        &self,
        citizen: &str,
        installation_id: i64,
    ) -> Result<BTreeSet<Capability>, DbError> {
        let rows = sqlx::query(
            "SELECT capability FROM consents \
             WHERE citizen_id = $1 AND installation_id = $2 AND withdrawn_ms IS NULL",
        )
        .bind(citizen)
        .bind(installation_id)
        .fetch_all(self.db.pool())
        .await?;
        let mut out = BTreeSet::new();
        for row in rows {
            let name: String = row.try_get("capability")?;
            match Capability::parse(&name) {
                Some(c) => {
                    out.insert(c);
                }
                // A capability this host no longer knows allows nothing.
                None => {
                    tracing::warn!(capability = %name, citizen, installation_id, "unknown capability in consents")
                }
            }
        }
        Ok(out)
    }

    /// Record that a registered citizen allows (`granted`) or no longer allows an
    /// installation a capability. Granting again keeps the original time unless it was
    /// withdrawn in between, and replaces the legal basis; withdrawing keeps the row with
    /// its withdrawal time (the basis is then not used) and does nothing when there is
    /// nothing to withdraw.
    pub async fn set_consent(
        &self,
        citizen: &str,
        installation_id: i64,
        capability: Capability,
        legal_basis: LegalBasis,
        granted: bool,
    ) -> Result<(), DbError> {
        let now = now_ms();
        let query = if granted {
            sqlx::query(
                "INSERT INTO consents (citizen_id, installation_id, capability, legal_basis, granted_ms, withdrawn_ms) \
                 VALUES ($1, $2, $3, $4, $5, NULL) \
                 ON CONFLICT (citizen_id, installation_id, capability) DO UPDATE SET \
                 legal_basis = excluded.legal_basis, \
                 granted_ms = CASE WHEN consents.withdrawn_ms IS NULL THEN consents.granted_ms ELSE excluded.granted_ms END, \
                 withdrawn_ms = NULL",
            )
            .bind(citizen)
            .bind(installation_id)
            .bind(capability.name())
            .bind(legal_basis.as_str())
            .bind(now)
        } else {
            sqlx::query(
                "UPDATE consents SET withdrawn_ms = $4 \
                 WHERE citizen_id = $1 AND installation_id = $2 AND capability = $3 AND withdrawn_ms IS NULL",
            )
            .bind(citizen)
            .bind(installation_id)
            .bind(capability.name())
            .bind(now)
        };
        query.execute(self.db.pool()).await?;
        Ok(())
    }

    /// Put blocks' reads of personal data on the citizens' access log, all in one
    /// statement (so all or none).
    pub async fn log_reads(&self, reads: &[BlockRead]) -> Result<(), sqlx::Error> {
        if reads.is_empty() {
            return Ok(());
        }
        let actors: Vec<String> = reads
            .iter()
            .map(|r| format!("block:{}@{}", r.block_id, r.block_version))
            .collect();
        let entries: Vec<Access<'_>> = reads
            .iter()
            .zip(&actors)
            .map(|(r, actor)| Access {
                citizen: &r.citizen,
                actor,
                what: PROFILE_WHAT,
                why: PROFILE_WHY,
                at_ms: r.at_ms,
            })
            .collect();
        let _turn = self.write_turn().await;
        access::record(self.db.pool(), &entries).await?;
        Ok(())
    }
}
