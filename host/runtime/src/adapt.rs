//! Adapters between each contract version's generated bindings and the host's model.
//!
//! The contract versions share their types structurally, so the adapter is written once
//! as a macro and instantiated per version module; what a newer version adds (1.1's
//! `notify` and `on-event`, 1.2's `screening`) is adapted beside it. Adding a contract
//! version means one more `bindgen!` module, one more `adapt!` line and the new parts.

use jobunivers_core::caps::{self, CapError, LogLevel};

use super::bindings::{v1_0, v1_1, v1_2};
use super::model::{self, Element, FlatElement};
use super::state::HostState;

type HostResult<T> = wasmtime::Result<Result<T, CapError>>;

/// The conversions between one set of generated contract types (`$w`, the contract's
/// `jobunivers:block` package: the host's wasmtime bindings, or the SDK's own for blocks
/// linked natively) and the host's model and capability types.
macro_rules! convert {
    ($($w:tt)+) => {
            use $($w)+ as w;

            pub(crate) fn capability_error(e: CapError) -> w::types::CapabilityError {
                {
                    use w::types::CapabilityError as E;
                    match e {
                        CapError::NotRequested(m) => E::NotRequested(m),
                        CapError::NotGranted(m) => E::NotGranted(m),
                        CapError::NoConsent(m) => E::NoConsent(m),
                        CapError::QuotaExceeded(m) => E::QuotaExceeded(m),
                        CapError::RateLimited(m) => E::RateLimited(m),
                        CapError::Invalid(m) => E::Invalid(m),
                        CapError::Unavailable(m) => E::Unavailable(m),
                    }
                }
            }

            pub(crate) fn context(c: &model::CallContext) -> w::types::Context {
                w::types::Context {
                    citizen: c.citizen.clone(),
                    municipality: c.municipality.clone(),
                    locale: match c.locale {
                        model::Locale::Da => w::types::Locale::Da,
                        model::Locale::En => w::types::Locale::En,
                    },
                    view: c.view.clone(),
                    config: c.config.clone(),
                    now_ms: c.now_ms,
                }
            }

            pub(crate) fn choices(c: Vec<w::ui::Choice>) -> Vec<model::Choice> {
                c.into_iter().map(|c| model::Choice { value: c.value, label: c.label }).collect()
            }

            pub(crate) fn chat_message(m: w::ui::ChatMessage) -> model::ChatMessage {
                model::ChatMessage {
                    role: match m.role {
                        w::ui::ChatRole::Citizen => model::ChatRole::Citizen,
                        w::ui::ChatRole::Bot => model::ChatRole::Bot,
                        w::ui::ChatRole::Caseworker => model::ChatRole::Caseworker,
                    },
                    text: m.text,
                    at_ms: m.at_ms,
                }
            }

            pub(crate) fn page(p: w::ui::Page) -> (Option<String>, Vec<FlatElement>) {
                use w::ui::Element as E;
                let elements = p
                    .elements
                    .into_iter()
                    .map(|e| match e {
                        E::Card(c) => FlatElement::Card { title: c.title, subtitle: c.subtitle, children: c.children },
                        E::Heading(h) => FlatElement::Leaf(Element::Heading { text: h.text, level: h.level }),
                        E::Paragraph(p) => FlatElement::Leaf(Element::Paragraph {
                            text: p.text,
                            style: match p.style {
                                w::ui::TextStyle::Normal => model::TextStyle::Normal,
                                w::ui::TextStyle::Lead => model::TextStyle::Lead,
                                w::ui::TextStyle::Muted => model::TextStyle::Muted,
                            },
                        }),
                        E::BulletList(l) => FlatElement::Leaf(Element::List { items: l.items, ordered: l.ordered }),
                        E::Link(l) => FlatElement::Leaf(Element::Link {
                            label: l.label,
                            target: match l.target {
                                w::ui::LinkTarget::View(v) => model::LinkTarget::View(v),
                                w::ui::LinkTarget::External(u) => model::LinkTarget::External(u),
                            },
                        }),
                        E::Button(b) => FlatElement::Leaf(Element::Button {
                            label: b.label,
                            action: b.action,
                            payload: b.payload,
                            style: match b.style {
                                w::ui::ButtonStyle::Primary => model::ButtonStyle::Primary,
                                w::ui::ButtonStyle::Secondary => model::ButtonStyle::Secondary,
                            },
                        }),
                        E::Form(f) => FlatElement::Leaf(Element::Form {
                            action: f.action,
                            submit_label: f.submit_label,
                            fields: f
                                .fields
                                .into_iter()
                                .map(|f| model::Field {
                                    name: f.name,
                                    label: f.label,
                                    kind: match f.kind {
                                        w::ui::FieldKind::Text => model::FieldKind::Text,
                                        w::ui::FieldKind::Multiline => model::FieldKind::Multiline,
                                        w::ui::FieldKind::Number => model::FieldKind::Number,
                                        w::ui::FieldKind::Date => model::FieldKind::Date,
                                        w::ui::FieldKind::Email => model::FieldKind::Email,
                                        w::ui::FieldKind::Phone => model::FieldKind::Phone,
                                        w::ui::FieldKind::Select(c) => model::FieldKind::Select(choices(c)),
                                        w::ui::FieldKind::Radio(c) => model::FieldKind::Radio(choices(c)),
                                        w::ui::FieldKind::Checkbox => model::FieldKind::Checkbox,
                                        w::ui::FieldKind::Checkboxes(c) => model::FieldKind::Checkboxes(choices(c)),
                                    },
                                    required: f.required,
                                    value: f.value,
                                    hint: f.hint,
                                    error: f.error,
                                    max_length: f.max_length,
                                })
                                .collect(),
                        }),
                        E::Progress(p) => FlatElement::Leaf(Element::Progress { label: p.label, value: p.value, max: p.max }),
                        E::Alert(a) => FlatElement::Leaf(Element::Alert {
                            level: match a.level {
                                w::ui::AlertLevel::Info => model::AlertLevel::Info,
                                w::ui::AlertLevel::Success => model::AlertLevel::Success,
                                w::ui::AlertLevel::Warning => model::AlertLevel::Warning,
                                w::ui::AlertLevel::Error => model::AlertLevel::Error,
                            },
                            title: a.title,
                            text: a.text,
                        }),
                        E::Chat(c) => FlatElement::Leaf(Element::Chat {
                            messages: c.messages.into_iter().map(chat_message).collect(),
                            input_action: c.input_action,
                            placeholder: c.placeholder,
                        }),
                    })
                    .collect();
                (p.title, elements)
            }

            pub(crate) fn occupation(c: caps::Concept) -> w::profile::Occupation {
                w::profile::Occupation { uri: c.uri, label: c.label }
            }
            pub(crate) fn skill(c: caps::Concept) -> w::profile::Skill {
                w::profile::Skill { uri: c.uri, label: c.label }
            }
            pub(crate) fn citizen_profile(p: caps::Profile) -> w::profile::CitizenProfile {
                {
                    w::profile::CitizenProfile {
                        desired_occupations: p.desired_occupations.map(|v| v.into_iter().map(occupation).collect()),
                        skills: p.skills.map(|v| v.into_iter().map(skill).collect()),
                        education: p.education.map(|v| {
                            v.into_iter()
                                .map(|e| w::profile::Education { title: e.title, institution: e.institution, year: e.year })
                                .collect()
                        }),
                        experience: p.experience.map(|v| {
                            v.into_iter()
                                .map(|e| w::profile::Experience {
                                    title: e.title,
                                    employer: e.employer,
                                    start: e.start,
                                    end: e.end,
                                    description: e.description,
                                })
                                .collect()
                        }),
                        cv_text: p.cv_text,
                        preferred_area: p.preferred_area.map(|a| w::profile::Area {
                            postal_code: a.postal_code,
                            city: a.city,
                            max_commute_km: a.max_commute_km,
                        }),
                        available_from: p.available_from,
                    }
                }
            }

            pub(crate) fn job_posting(j: caps::JobPosting) -> w::jobs::JobPosting {
                {
                    w::jobs::JobPosting {
                        id: j.id,
                        title: j.title,
                        employer: j.employer,
                        occupation_uri: j.occupation_uri,
                        occupation_label: j.occupation_label,
                        city: j.city,
                        postal_code: j.postal_code,
                        description: j.description,
                        url: j.url,
                        published: j.published,
                        deadline: j.deadline,
                        full_time: j.full_time,
                    }
                }
            }

            pub(crate) fn recorded_activity(a: caps::RecordedActivity) -> w::activity::RecordedActivity {
                {
                    w::activity::RecordedActivity { id: a.id, kind: a.kind, summary: a.summary, details: a.details, occurred_ms: a.occurred_ms }
                }
            }

            pub(crate) fn thread(t: caps::Thread) -> w::escalate::Thread {
                {
                    w::escalate::Thread {
                        id: t.id,
                        state: match t.state {
                            caps::ThreadState::WaitingForJobcentre => w::escalate::State::WaitingForJobcentre,
                            caps::ThreadState::WaitingForCitizen => w::escalate::State::WaitingForCitizen,
                            caps::ThreadState::Closed => w::escalate::State::Closed,
                            caps::ThreadState::Cancelled => w::escalate::State::Cancelled,
                        },
                        messages: t
                            .messages
                            .into_iter()
                            .map(|m| w::escalate::ThreadMessage { from_caseworker: m.from_caseworker, text: m.text, at_ms: m.at_ms })
                            .collect(),
                    }
                }
            }

            pub(crate) fn job_query(q: w::jobs::JobQuery) -> caps::JobQuery {
                caps::JobQuery { text: q.text, occupations: q.occupations, postal_code: q.postal_code, limit: q.limit }
            }

            pub(crate) fn new_activity(e: w::activity::NewActivity) -> caps::NewActivity {
                caps::NewActivity { kind: e.kind, summary: e.summary, details: e.details, occurred_ms: e.occurred_ms }
            }

            pub(crate) fn log_level(level: w::log::Level) -> LogLevel {
                match level {
                    w::log::Level::Debug => LogLevel::Debug,
                    w::log::Level::Info => LogLevel::Info,
                    w::log::Level::Warn => LogLevel::Warn,
                    w::log::Level::Error => LogLevel::Error,
                }
            }

            pub(crate) fn escalation_request(r: w::escalate::Request) -> caps::EscalationRequest {
                match r {
                    w::escalate::Request::ChatHandover(h) => caps::EscalationRequest::ChatHandover {
                        transcript: h.transcript.into_iter().map(chat_message).collect(),
                        summary: h.summary,
                    },
                    w::escalate::Request::Booking(b) => caps::EscalationRequest::Booking {
                        kind: match b.kind {
                            w::escalate::MeetingKind::Physical => caps::MeetingKind::Physical,
                            w::escalate::MeetingKind::Video => caps::MeetingKind::Video,
                            w::escalate::MeetingKind::Phone => caps::MeetingKind::Phone,
                        },
                        preferred: b.preferred.into_iter().map(|t| caps::TimeWindow { start_ms: t.start_ms, end_ms: t.end_ms }).collect(),
                        topic: b.topic,
                    },
                }
            }

    };
}

#[cfg(feature = "native-blocks")]
pub(crate) use convert;

/// `From` for the conversions of [`convert!`] that go into a contract's types, where
/// those types are this crate's own (the wasmtime bindings; the SDK's are not).
macro_rules! from_impls {
    () => {
        impl From<CapError> for w::types::CapabilityError {
            fn from(e: CapError) -> Self {
                capability_error(e)
            }
        }
        impl From<caps::Concept> for w::profile::Occupation {
            fn from(c: caps::Concept) -> Self {
                occupation(c)
            }
        }
        impl From<caps::Concept> for w::profile::Skill {
            fn from(c: caps::Concept) -> Self {
                skill(c)
            }
        }
        impl From<caps::Profile> for w::profile::CitizenProfile {
            fn from(p: caps::Profile) -> Self {
                citizen_profile(p)
            }
        }
        impl From<caps::JobPosting> for w::jobs::JobPosting {
            fn from(j: caps::JobPosting) -> Self {
                job_posting(j)
            }
        }
        impl From<caps::RecordedActivity> for w::activity::RecordedActivity {
            fn from(a: caps::RecordedActivity) -> Self {
                recorded_activity(a)
            }
        }
        impl From<caps::Thread> for w::escalate::Thread {
            fn from(t: caps::Thread) -> Self {
                thread(t)
            }
        }
    };
}

macro_rules! adapt {
    ($m:ident => $v:ident) => {
        pub(crate) mod $m {
            use super::*;
            convert!($v::jobunivers::block);
            from_impls!();

            fn out<T, U: From<T>>(r: HostResult<T>) -> wasmtime::Result<Result<U, w::types::CapabilityError>> {
                r.map(|r| r.map(U::from).map_err(Into::into))
            }

            pub(crate) fn action(a: &model::Action) -> $v::exports::jobunivers::block::block::Action {
                $v::exports::jobunivers::block::block::Action {
                    id: a.id.clone(),
                    payload: a.payload.clone(),
                    fields: a.fields.clone(),
                }
            }

            pub(crate) fn manifest(m: w::types::Manifest) -> model::RawManifest {
                let loc = |l: w::types::Localized| model::Localized { da: l.da, en: l.en };
                model::RawManifest {
                    id: m.id,
                    name: loc(m.name),
                    description: loc(m.description),
                    version: m.version,
                    category: m.category,
                    capabilities: m
                        .capabilities
                        .into_iter()
                        .map(|c| model::CapabilityRequest { name: c.name, reason: loc(c.reason) })
                        .collect(),
                    config_schema: m.config_schema,
                    default_config: m.default_config,
                }
            }

            pub(crate) fn block_error(e: $v::exports::jobunivers::block::block::BlockError) -> super::super::BlockFault {
                use $v::exports::jobunivers::block::block::BlockError as E;
                match e {
                    E::BadRequest(m) => super::super::BlockFault::BadRequest(m),
                    E::Failed(m) => super::super::BlockFault::Failed(m),
                }
            }

            impl w::types::Host for HostState {}
            impl w::ui::Host for HostState {}

            impl w::log::Host for HostState {
                async fn write(&mut self, level: w::log::Level, message: String) -> wasmtime::Result<()> {
                    self.log(log_level(level), message)
                }
            }

            impl w::storage::Host for HostState {
                async fn get(&mut self, key: String) -> wasmtime::Result<Result<Option<Vec<u8>>, w::types::CapabilityError>> {
                    out(self.storage_get(key).await)
                }
                async fn set(&mut self, key: String, value: Vec<u8>) -> wasmtime::Result<Result<(), w::types::CapabilityError>> {
                    out(self.storage_set(key, value).await)
                }
                async fn delete(&mut self, key: String) -> wasmtime::Result<Result<(), w::types::CapabilityError>> {
                    out(self.storage_delete(key).await)
                }
                async fn list_keys(&mut self, prefix: String) -> wasmtime::Result<Result<Vec<String>, w::types::CapabilityError>> {
                    out(self.storage_list(prefix).await)
                }
            }

            impl w::profile::Host for HostState {
                async fn get(&mut self) -> wasmtime::Result<Result<w::profile::CitizenProfile, w::types::CapabilityError>> {
                    out(self.profile_get().await)
                }
            }

            impl w::jobs::Host for HostState {
                async fn search(&mut self, q: w::jobs::JobQuery) -> wasmtime::Result<Result<Vec<w::jobs::JobPosting>, w::types::CapabilityError>> {
                    self.jobs_search(job_query(q)).await.map(|r| r.map(|v| v.into_iter().map(Into::into).collect()).map_err(Into::into))
                }
                async fn get(&mut self, id: String) -> wasmtime::Result<Result<Option<w::jobs::JobPosting>, w::types::CapabilityError>> {
                    self.job_get(id).await.map(|r| r.map(|j| j.map(Into::into)).map_err(Into::into))
                }
            }

            impl w::activity::Host for HostState {
                async fn add(&mut self, e: w::activity::NewActivity) -> wasmtime::Result<Result<String, w::types::CapabilityError>> {
                    out(self.activity_add(new_activity(e)).await)
                }
                async fn recent(&mut self, kind: Option<String>, limit: u32) -> wasmtime::Result<Result<Vec<w::activity::RecordedActivity>, w::types::CapabilityError>> {
                    self.activity_recent(kind, limit).await.map(|r| r.map(|v| v.into_iter().map(Into::into).collect()).map_err(Into::into))
                }
            }

            impl w::escalate::Host for HostState {
                async fn open(&mut self, r: w::escalate::Request) -> wasmtime::Result<Result<String, w::types::CapabilityError>> {
                    out(self.escalate_open(escalation_request(r)).await)
                }
                async fn status(&mut self, id: String) -> wasmtime::Result<Result<w::escalate::Thread, w::types::CapabilityError>> {
                    out(self.escalate_status(id).await)
                }
                async fn cancel(&mut self, id: String) -> wasmtime::Result<Result<(), w::types::CapabilityError>> {
                    out(self.escalate_cancel(id).await)
                }
            }
        }
    };
}

adapt!(adapt_v1_0 => v1_0);
adapt!(adapt_v1_1 => v1_1);
adapt!(adapt_v1_2 => v1_2);

// What 1.1 adds.

impl v1_1::jobunivers::block::notify::Host for HostState {
    async fn send(
        &mut self,
        n: v1_1::jobunivers::block::notify::Notification,
    ) -> wasmtime::Result<Result<String, v1_1::jobunivers::block::types::CapabilityError>> {
        let n = caps::Notification {
            title: n.title,
            body: n.body,
            view: n.view,
        };
        self.notify(n).await.map(|r| r.map_err(Into::into))
    }
}

pub(crate) fn event_v1_1(e: &model::Event) -> v1_1::exports::jobunivers::block::block::Event {
    use v1_1::exports::jobunivers::block::block::Event as E;
    match e {
        model::Event::Tick => E::Tick,
        model::Event::NewJobPostings { ids } => E::NewJobPostings(ids.clone()),
        model::Event::ProfileChanged => E::ProfileChanged,
    }
}

// What 1.2 adds: 1.1's additions again (the contract keeps them), and `screening`.

impl v1_2::jobunivers::block::notify::Host for HostState {
    async fn send(
        &mut self,
        n: v1_2::jobunivers::block::notify::Notification,
    ) -> wasmtime::Result<Result<String, v1_2::jobunivers::block::types::CapabilityError>> {
        let n = caps::Notification {
            title: n.title,
            body: n.body,
            view: n.view,
        };
        self.notify(n).await.map(|r| r.map_err(Into::into))
    }
}

pub(crate) fn event_v1_2(e: &model::Event) -> v1_2::exports::jobunivers::block::block::Event {
    use v1_2::exports::jobunivers::block::block::Event as E;
    match e {
        model::Event::Tick => E::Tick,
        model::Event::NewJobPostings { ids } => E::NewJobPostings(ids.clone()),
        model::Event::ProfileChanged => E::ProfileChanged,
    }
}

mod screening_v1_2 {
    use super::*;
    use v1_2::jobunivers::block::screening as s;
    use v1_2::jobunivers::block::types::{CapabilityError, Localized};

    fn track_in(t: s::Track) -> caps::Track {
        match t {
            s::Track::SelfService => caps::Track::SelfService,
            s::Track::Mixed => caps::Track::Mixed,
            s::Track::PersonalEffort => caps::Track::PersonalEffort,
        }
    }

    fn track_out(t: caps::Track) -> s::Track {
        match t {
            caps::Track::SelfService => s::Track::SelfService,
            caps::Track::Mixed => s::Track::Mixed,
            caps::Track::PersonalEffort => s::Track::PersonalEffort,
        }
    }

    fn text(l: Localized) -> model::Localized {
        model::Localized { da: l.da, en: l.en }
    }

    impl s::Host for HostState {
        async fn report(
            &mut self,
            r: s::ScreeningResult,
        ) -> wasmtime::Result<Result<String, CapabilityError>> {
            let report = caps::ScreeningReport {
                suggested: track_in(r.suggested),
                score: r.score,
                reasons: r.reasons.into_iter().map(text).collect(),
                answers: r
                    .answers
                    .into_iter()
                    .map(|a| caps::ScreeningAnswer {
                        question_id: a.question_id,
                        question: text(a.question),
                        answer: text(a.answer),
                        value: a.value,
                        contribution: a.contribution,
                    })
                    .collect(),
            };
            self.screening_report(report)
                .await
                .map(|r| r.map_err(Into::into))
        }

        async fn status(
            &mut self,
        ) -> wasmtime::Result<Result<s::ScreeningStatus, CapabilityError>> {
            self.screening_status().await.map(|r| {
                r.map(|st| s::ScreeningStatus {
                    last_ms: st.last_ms,
                    last_suggested: st.last_suggested.map(track_out),
                    next_due_ms: st.next_due_ms,
                    decision: st.decision.map(|d| s::Decision {
                        track: track_out(d.track),
                        reason: d.reason,
                        decided_ms: d.decided_ms,
                        overrides: d.overrides,
                    }),
                })
                .map_err(Into::into)
            })
        }
    }
}
