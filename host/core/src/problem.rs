//! Errors as RFC 9457 problem details: a stable `type` a client can match on, a short
//! `title`, a `detail` that says what went wrong and what to do, and, where there is
//! one, the offending field as a JSON pointer. The marketplace returns them; the web
//! module turns them into `application/problem+json` responses.

use serde::Serialize;

/// Every problem `type` starts with this.
pub const TYPE_PREFIX: &str = "urn:jobunivers:problem:";

/// One problem, ready to be sent.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Problem {
    /// A stable identifier of the kind of problem, e.g. `urn:jobunivers:problem:signature-invalid`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong here and what to do about it.
    pub detail: String,
    /// The offending field or part of the input, as a JSON pointer (RFC 6901).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// Further problems of the same request (e.g. every invalid config field).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For a 429 or 503: after how many seconds to try again (also sent as the
    /// `Retry-After` header).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_s: Option<u64>,
}

/// One invalid field: in a JSON body by its pointer, in an uploaded file (CSV) by its
/// line and column name.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct FieldError {
    /// Where, as a JSON pointer (for a JSON body).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// The line of an uploaded file, counted as an editor counts them (the header is
    /// line 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The field's name, e.g. `cpr`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// A stable name of what is wrong (e.g. `cpr-date`), for a client that words its own
    /// message; not every problem has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// What is wrong with it.
    pub detail: String,
}

impl FieldError {
    /// The field at `pointer` in a JSON body.
    pub fn at(pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            pointer: Some(pointer.into()),
            line: None,
            field: None,
            code: None,
            detail: detail.into(),
        }
    }

    /// The field `field` on line `line` of an uploaded file.
    pub fn on_line(line: u64, field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            pointer: None,
            line: Some(line),
            field: Some(field.into()),
            code: None,
            detail: detail.into(),
        }
    }

    /// Name what is wrong (see [`FieldError::code`]).
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// Where, for people: the pointer, or `line N (field)`.
    pub fn place(&self) -> String {
        match (&self.pointer, self.line, &self.field) {
            (Some(p), _, _) => p.clone(),
            (None, Some(l), Some(f)) => format!("line {l} ({f})"),
            (None, Some(l), None) => format!("line {l}"),
            (None, None, Some(f)) => f.clone(),
            (None, None, None) => String::new(),
        }
    }
}

impl Problem {
    /// A problem with a status, a slug (the end of its `type`), a title and a detail.
    pub fn new(status: u16, slug: &str, title: &str, detail: impl Into<String>) -> Self {
        Self {
            kind: format!("{TYPE_PREFIX}{slug}"),
            title: title.to_owned(),
            status,
            detail: detail.into(),
            pointer: None,
            errors: Vec::new(),
            retry_after_s: None,
        }
    }

    /// The slug of the problem's type.
    pub fn slug(&self) -> &str {
        self.kind.strip_prefix(TYPE_PREFIX).unwrap_or(&self.kind)
    }

    /// Name the offending field.
    pub fn at(mut self, pointer: impl Into<String>) -> Self {
        self.pointer = Some(pointer.into());
        self
    }

    /// Attach the individual field errors.
    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    /// 400: the request cannot be understood.
    pub fn bad_request(slug: &str, detail: impl Into<String>) -> Self {
        Self::new(400, slug, "Bad request", detail)
    }

    /// 401: no or an invalid credential.
    pub fn unauthorized(slug: &str, detail: impl Into<String>) -> Self {
        Self::new(401, slug, "Not authenticated", detail)
    }

    /// 403: authenticated, but not allowed.
    pub fn forbidden(slug: &str, detail: impl Into<String>) -> Self {
        Self::new(403, slug, "Not allowed", detail)
    }

    /// 404: no such thing (or not visible to the caller).
    pub fn not_found(slug: &str, detail: impl Into<String>) -> Self {
        Self::new(404, slug, "Not found", detail)
    }

    /// 409: conflicts with the current state.
    pub fn conflict(slug: &str, detail: impl Into<String>) -> Self {
        Self::new(409, slug, "Conflict", detail)
    }

    /// 429: too many at once or too fast; try again after `retry_after_s` seconds.
    pub fn too_many(slug: &str, detail: impl Into<String>, retry_after_s: u64) -> Self {
        Self {
            retry_after_s: Some(retry_after_s),
            ..Self::new(429, slug, "Too many requests", detail)
        }
    }

    /// 413: too large.
    pub fn too_large(detail: impl Into<String>) -> Self {
        Self::new(413, "too-large", "Too large", detail)
    }

    /// 422: understood, but invalid.
    pub fn invalid(slug: &str, detail: impl Into<String>) -> Self {
        Self::new(422, slug, "Invalid", detail)
    }

    /// 500: our fault. The cause is logged, not shown.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            500,
            "internal",
            "Internal error",
            "something went wrong on the server; it has been logged, try again later",
        )
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.title, self.status, self.detail)?;
        if let Some(p) = &self.pointer {
            write!(f, " [at {p}]")?;
        }
        for e in &self.errors {
            write!(f, "\n  {}: {}", e.place(), e.detail)?;
        }
        Ok(())
    }
}

/// Recognises the errors of a lower layer that are not the server's fault (a database
/// that did not answer in time is a 503, not a 500). The store registers its own at
/// start-up; core knows nothing of what it recognises.
pub type Classifier = fn(&(dyn std::error::Error + 'static)) -> Option<Problem>;

static CLASSIFIERS: std::sync::RwLock<Vec<Classifier>> = std::sync::RwLock::new(Vec::new());

/// Add a [`Classifier`] for errors converted into problems with `?`. Registering the
/// same function twice has no further effect.
pub fn register_classifier(classify: Classifier) {
    let mut all = CLASSIFIERS.write().unwrap_or_else(|e| e.into_inner());
    if !all.iter().any(|c| std::ptr::fn_addr_eq(*c, classify)) {
        all.push(classify);
    }
}

/// Any other error is our fault (500, logged, not shown) unless a registered
/// [`Classifier`] knows better. As with `anyhow::Error`, `Problem` itself is not a
/// `std::error::Error`, so that `?` converts every error that is.
impl<E: std::error::Error + Send + Sync + 'static> From<E> for Problem {
    fn from(e: E) -> Self {
        let all = CLASSIFIERS.read().unwrap_or_else(|e| e.into_inner());
        all.iter()
            .find_map(|classify| classify(&e))
            .unwrap_or_else(|| Self::internal(e))
    }
}

/// The marketplace's result type.
pub type Result<T, E = Problem> = std::result::Result<T, E>;
