//! The manifest: what a block says about itself.

use serde_json::Value;

/// What kind of block this is; admins filter the catalog by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// CV help.
    Cv,
    /// Chat and questions.
    Chat,
    /// Courses and learning.
    Course,
    /// Job postings.
    Jobs,
    /// The job log (jobs applied for).
    JobLog,
    /// Booking conversations with the jobcentre.
    Booking,
    /// Screening questionnaires.
    Screening,
    /// Anything else.
    Other,
}

impl Category {
    /// The name used in the contract, e.g. "job-log".
    ///
    /// ```
    /// assert_eq!(jobunivers_sdk::Category::JobLog.as_str(), "job-log");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cv => "cv",
            Self::Chat => "chat",
            Self::Course => "course",
            Self::Jobs => "jobs",
            Self::JobLog => "job-log",
            Self::Booking => "booking",
            Self::Screening => "screening",
            Self::Other => "other",
        }
    }
}

/// A capability a block can request. Configuration and logging need no request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// Key-value storage per citizen.
    Storage,
    /// Search the job postings.
    Jobs,
    /// Record activities the caseworker sees.
    Activity,
    /// Hand over to the jobcentre (chat, booking).
    Escalate,
    /// Send messages to the citizen's inbox (contract 1.1).
    #[cfg(any(feature = "contract-1-1", feature = "contract-1-2"))]
    Notify,
    /// Report screening results and read the citizen's screening status (contract 1.2;
    /// blocks of category screening only; personal data).
    #[cfg(feature = "contract-1-2")]
    Screening,
    /// Profile: desired occupations.
    ProfileOccupations,
    /// Profile: skills.
    ProfileSkills,
    /// Profile: education.
    ProfileEducation,
    /// Profile: work experience.
    ProfileExperience,
    /// Profile: the CV text.
    ProfileCv,
    /// Profile: where the citizen looks for work.
    ProfileArea,
    /// Profile: from when the citizen can start.
    ProfileAvailability,
}

impl Capability {
    /// The name used in the contract, e.g. "profile.cv".
    ///
    /// ```
    /// assert_eq!(jobunivers_sdk::Capability::ProfileCv.as_str(), "profile.cv");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Storage => "storage",
            Self::Jobs => "jobs",
            Self::Activity => "activity",
            Self::Escalate => "escalate",
            #[cfg(any(feature = "contract-1-1", feature = "contract-1-2"))]
            Self::Notify => "notify",
            #[cfg(feature = "contract-1-2")]
            Self::Screening => "screening",
            Self::ProfileOccupations => "profile.occupations",
            Self::ProfileSkills => "profile.skills",
            Self::ProfileEducation => "profile.education",
            Self::ProfileExperience => "profile.experience",
            Self::ProfileCv => "profile.cv",
            Self::ProfileArea => "profile.area",
            Self::ProfileAvailability => "profile.availability",
        }
    }
}

/// A requested capability and why.
#[derive(Debug, Clone, PartialEq)]
pub struct CapabilityRequest {
    /// The capability.
    pub capability: Capability,
    /// The reason in Danish.
    pub reason_da: String,
    /// The reason in English.
    pub reason_en: String,
}

/// What a block says about itself: id, names, version, capabilities and configuration.
///
/// ```
/// use jobunivers_sdk::{Capability, Category, Manifest};
/// use serde_json::json;
///
/// let m = Manifest::new("schultz.job-log", "1.2.0", Category::JobLog)
///     .name("Joblog", "Job log")
///     .description("Registrér dine ansøgninger", "Register your applications")
///     .capability(Capability::Storage, "Husker dine ansøgninger", "Remembers your applications")
///     .config_schema(json!({"type": "object", "properties": {"weeks": {"type": "integer"}}}))
///     .default_config(json!({"weeks": 4}));
/// assert_eq!(m.capabilities.len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// `vendor.block`, e.g. "schultz.job-log".
    pub id: String,
    /// The block's semantic version.
    pub version: String,
    /// The category.
    pub category: Category,
    /// The name in Danish and English.
    pub name: (String, String),
    /// The description in Danish and English.
    pub description: (String, String),
    /// The capabilities requested, each with a reason.
    pub capabilities: Vec<CapabilityRequest>,
    /// JSON Schema of the configuration.
    pub config_schema: Value,
    /// The default configuration.
    pub default_config: Value,
}

impl Manifest {
    /// A manifest with the id, version and category; names default to the id.
    pub fn new(id: impl Into<String>, version: impl Into<String>, category: Category) -> Self {
        let id = id.into();
        Self {
            name: (id.clone(), id.clone()),
            description: (String::new(), String::new()),
            id,
            version: version.into(),
            category,
            capabilities: Vec::new(),
            config_schema: serde_json::json!({"type": "object"}),
            default_config: serde_json::json!({}),
        }
    }
    /// Set the name in Danish and English.
    pub fn name(mut self, da: impl Into<String>, en: impl Into<String>) -> Self {
        self.name = (da.into(), en.into());
        self
    }
    /// Set the description in Danish and English.
    pub fn description(mut self, da: impl Into<String>, en: impl Into<String>) -> Self {
        self.description = (da.into(), en.into());
        self
    }
    /// Request a capability, with the reason shown to admins and citizens.
    pub fn capability(
        mut self,
        capability: Capability,
        reason_da: impl Into<String>,
        reason_en: impl Into<String>,
    ) -> Self {
        self.capabilities.push(CapabilityRequest {
            capability,
            reason_da: reason_da.into(),
            reason_en: reason_en.into(),
        });
        self
    }
    /// Set the JSON Schema of the configuration.
    pub fn config_schema(mut self, schema: Value) -> Self {
        self.config_schema = schema;
        self
    }
    /// Set the default configuration (must be valid against the schema).
    pub fn default_config(mut self, config: Value) -> Self {
        self.default_config = config;
        self
    }
}
