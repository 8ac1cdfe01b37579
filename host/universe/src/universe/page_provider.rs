//! The provider a page's blocks call through: the citizen's profile read once for all of them, and their reads put on the access log in one insert before the page is returned.

use super::*;

/// The capability provider of one page (or one block view) of one citizen: the
/// database provider, except that the citizen's profile is read once for all the
/// page's blocks and its reads are put on the access log in one insert before the page
/// is returned ([`PageProvider::log_reads`]).
pub(super) struct PageProvider {
    db: Arc<DbProvider>,
    /// Read and log the profile per call (the load test's switch).
    each_read: bool,
    citizen: String,
    profile: tokio::sync::OnceCell<std::result::Result<Profile, CapError>>,
    reads: Mutex<Vec<BlockRead>>,
}

impl PageProvider {
    pub(super) fn new(db: Arc<DbProvider>, citizen: &str, each_read: bool) -> Self {
        Self {
            db,
            each_read,
            citizen: citizen.to_owned(),
            profile: tokio::sync::OnceCell::new(),
            reads: Mutex::new(Vec::new()),
        }
    }

    /// Record the page's profile reads; the page must not be shown if this fails.
    pub(super) async fn log_reads(&self) -> Result<()> {
        let reads = std::mem::take(&mut *self.reads.lock().expect("lock"));
        self.db.log_reads(&reads).await.map_err(|e| {
            tracing::error!(error = %e, "the access log cannot be written");
            Problem::internal(e)
        })
    }
}

#[async_trait]
impl CapabilityProvider for PageProvider {
    async fn storage_get(
        &self,
        scope: &Scope,
        key: &str,
    ) -> std::result::Result<Option<Vec<u8>>, CapError> {
        self.db.storage_get(scope, key).await
    }
    async fn storage_set(
        &self,
        scope: &Scope,
        key: &str,
        value: Vec<u8>,
    ) -> std::result::Result<(), CapError> {
        self.db.storage_set(scope, key, value).await
    }
    async fn storage_delete(&self, scope: &Scope, key: &str) -> std::result::Result<(), CapError> {
        self.db.storage_delete(scope, key).await
    }
    async fn storage_list(
        &self,
        scope: &Scope,
        prefix: &str,
    ) -> std::result::Result<Vec<String>, CapError> {
        self.db.storage_list(scope, prefix).await
    }
    async fn profile(&self, scope: &Scope) -> std::result::Result<Profile, CapError> {
        if self.each_read || scope.citizen != self.citizen {
            return self.db.profile(scope).await;
        }
        let profile = self
            .profile
            .get_or_init(|| self.db.profile_unlogged(&self.citizen))
            .await
            .clone()?;
        self.reads.lock().expect("lock").push(BlockRead::of(scope));
        Ok(profile)
    }
    async fn jobs_search(
        &self,
        scope: &Scope,
        query: JobQuery,
    ) -> std::result::Result<Vec<JobPosting>, CapError> {
        self.db.jobs_search(scope, query).await
    }
    async fn job_get(
        &self,
        scope: &Scope,
        id: &str,
    ) -> std::result::Result<Option<JobPosting>, CapError> {
        self.db.job_get(scope, id).await
    }
    async fn activity_add(
        &self,
        scope: &Scope,
        entry: NewActivity,
    ) -> std::result::Result<String, CapError> {
        self.db.activity_add(scope, entry).await
    }
    async fn activity_recent(
        &self,
        scope: &Scope,
        kind: Option<String>,
        limit: u32,
    ) -> std::result::Result<Vec<RecordedActivity>, CapError> {
        self.db.activity_recent(scope, kind, limit).await
    }
    async fn escalate_open(
        &self,
        scope: &Scope,
        request: EscalationRequest,
    ) -> std::result::Result<String, CapError> {
        self.db.escalate_open(scope, request).await
    }
    async fn escalate_status(
        &self,
        scope: &Scope,
        id: &str,
    ) -> std::result::Result<Thread, CapError> {
        self.db.escalate_status(scope, id).await
    }
    async fn escalate_cancel(&self, scope: &Scope, id: &str) -> std::result::Result<(), CapError> {
        self.db.escalate_cancel(scope, id).await
    }
    async fn notify(
        &self,
        scope: &Scope,
        message: Notification,
    ) -> std::result::Result<String, CapError> {
        self.db.notify(scope, message).await
    }
    async fn screening_report(
        &self,
        scope: &Scope,
        report: ScreeningReport,
    ) -> std::result::Result<String, CapError> {
        self.db.screening_report(scope, report).await
    }
    async fn screening_status(
        &self,
        scope: &Scope,
    ) -> std::result::Result<ScreeningStatus, CapError> {
        self.db.screening_status(scope).await
    }
    fn log(&self, scope: &Scope, level: LogLevel, message: &str) {
        self.db.log(scope, level, message);
    }
}
