//! One error type for everything a request can run into, and its RFC 9457 problem+json form.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chorus_domain::{Denied, FieldError, Invalid};
use chorus_store::StoreError;
use serde::Serialize;

/// Why a request could not be served. Pages and the API render it differently; the meaning is the same.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("sign in first")]
    Unauthenticated,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Invalid(Invalid),
    #[error("{message}")]
    Conflict { field: &'static str, message: String },
    #[error("too many attempts; try again in {} minutes", .retry_after_secs.div_ceil(60))]
    TooManyAttempts { retry_after_secs: u64 },
    #[error("{0}")]
    BadRequest(String),
    /// The request body is larger than the route accepts.
    #[error("{0}")]
    TooLarge(String),
    /// The body is of a kind the route cannot use, e.g. a file that is no image or video.
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("this method is not allowed here; /api/v1/openapi.json lists what each route accepts")]
    MethodNotAllowed,
    #[error("the database is unavailable; try again shortly")]
    Unavailable,
    /// A social network could not be reached or answered with an error of its own; nothing was changed.
    #[error("{0}")]
    Network(String),
    #[error("something went wrong on our side; it has been logged")]
    Internal(String),
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Network(_) => StatusCode::BAD_GATEWAY,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The fields to show next to a form's inputs.
    pub fn field_errors(&self) -> Vec<FieldError> {
        match self {
            AppError::Invalid(invalid) => invalid.errors.clone(),
            AppError::Conflict { field, message } => {
                vec![FieldError { field: (*field).to_string(), message: message.clone() }]
            }
            _ => Vec::new(),
        }
    }

    fn problem_type(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "unauthenticated",
            AppError::NotFound(_) => "not-found",
            AppError::Forbidden(_) => "forbidden",
            AppError::Invalid(_) => "invalid-input",
            AppError::Conflict { .. } => "conflict",
            AppError::TooManyAttempts { .. } => "too-many-attempts",
            AppError::BadRequest(_) => "bad-request",
            AppError::TooLarge(_) => "too-large",
            AppError::UnsupportedMediaType(_) => "unsupported-media-type",
            AppError::MethodNotAllowed => "method-not-allowed",
            AppError::Unavailable => "unavailable",
            AppError::Network(_) => "network-unavailable",
            AppError::Internal(_) => "internal",
        }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid(Invalid::field(field, message))
    }
}

impl From<Invalid> for AppError {
    fn from(value: Invalid) -> Self {
        AppError::Invalid(value)
    }
}

impl From<Denied> for AppError {
    fn from(value: Denied) -> Self {
        match value {
            Denied::NotFound => AppError::NotFound("object"),
            Denied::Forbidden(why) => AppError::Forbidden(format!("You cannot do this: {why}.")),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(value: StoreError) -> Self {
        match value {
            StoreError::NotFound(what) => AppError::NotFound(what),
            StoreError::Conflict { field, message } => AppError::Conflict { field, message },
            StoreError::Unavailable(why) => {
                tracing::error!(error = %why, "database unavailable");
                AppError::Unavailable
            }
            other => AppError::Internal(other.to_string()),
        }
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem, e.g. `urn:chorus:problem:invalid-input`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    pub status: u16,
    /// What went wrong in this case, in words a person can act on.
    pub detail: String,
    /// For invalid input: every field that was refused, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(detail) = &self {
            tracing::error!(error = %detail, "request failed");
        }
        let status = self.status();
        let problem = Problem {
            kind: format!("urn:chorus:problem:{}", self.problem_type()),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: match &self {
                AppError::NotFound(what) => format!("No {what} with this id exists, or you cannot see it."),
                AppError::Invalid(invalid) if invalid.errors.len() == 1 => invalid.to_string(),
                AppError::Invalid(_) => "Some fields are not valid; see `errors`.".to_string(),
                other => other.to_string(),
            },
            errors: self.field_errors(),
        };
        let mut response = (status, axum::Json(problem)).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if let AppError::TooManyAttempts { retry_after_secs } = self
            && let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if matches!(self, AppError::Unauthenticated) {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

pub type AppResult<T> = Result<T, AppError>;
