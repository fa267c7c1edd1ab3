//! JSON and query-string extractors whose errors name the field that was wrong.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use chorus_domain::{FieldError, Invalid};
use serde::de::DeserializeOwned;

use crate::AppError;

/// A JSON request body. Errors become 422 problems whose `errors[].field` is the path of the bad value,
/// e.g. `office_hours.mon[0].end`.
pub struct ApiJson<T>(pub T);

/// Bodies of the API are small documents; anything larger is a mistake or an attack.
const MAX_JSON_BYTES: usize = 1024 * 1024;

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json") || v.contains("+json"));
        if !is_json {
            return Err(AppError::BadRequest("send the body as JSON with 'Content-Type: application/json'".into()));
        }
        let body = Bytes::from_request(req, state)
            .await
            .map_err(|e| AppError::BadRequest(format!("could not read the request body: {e}")))?;
        if body.len() > MAX_JSON_BYTES {
            return Err(AppError::BadRequest(format!("the body is larger than {MAX_JSON_BYTES} bytes")));
        }
        parse_json(&body).map(ApiJson)
    }
}

pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            return AppError::BadRequest(format!("the body is not valid JSON: {inner}"));
        }
        AppError::Invalid(field_error(&path, &inner.to_string()))
    })
}

/// Turns a serde message into a field error. Domain types report `field: message`; when serde's path
/// already names that field, the message is kept without repeating it.
fn field_error(path: &str, message: &str) -> Invalid {
    let message = message.split(" at line ").next().unwrap_or(message).to_string();
    let (field, message) = match message.split_once(": ") {
        Some((inner_field, rest)) if !inner_field.contains(' ') => {
            let field = if path == "." || path.is_empty() {
                inner_field.to_string()
            } else if path.ends_with(inner_field) {
                path.to_string()
            } else {
                format!("{path}.{inner_field}")
            };
            (field, rest.to_string())
        }
        _ => {
            // serde names a missing or unknown field only in the message: "missing field `name`".
            let named = message.split('`').nth(1).filter(|_| message.starts_with("missing field"));
            match named {
                Some(f) if path == "." || path.is_empty() => (f.to_string(), "is required".to_string()),
                Some(f) => (format!("{path}.{f}"), "is required".to_string()),
                None => (if path.is_empty() { ".".to_string() } else { path.to_string() }, message),
            }
        }
    };
    Invalid { errors: vec![FieldError { field, message }] }
}

/// A query string, with the same field-naming errors as [`ApiJson`].
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(url::form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(ApiQuery)
            .map_err(|e| AppError::Invalid(field_error(&e.path().to_string(), &e.into_inner().to_string())))
    }
}

/// Path parameters; a malformed id is a 422 problem naming the parameter, like any other bad field.
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::path::ErrorKind;
        use axum::extract::rejection::PathRejection;
        use axum::extract::{Path, RawPathParams};
        let error = match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(v)) => return Ok(ApiPath(v)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => e,
            Err(other) => return Err(AppError::BadRequest(other.body_text())),
        };
        // Ids are parsed by their own types, whose errors do not say which parameter failed; the raw
        // parameters do.
        let raw = RawPathParams::from_request_parts(parts, state).await.ok();
        let named = match error.kind() {
            ErrorKind::ParseErrorAtKey { key, value, .. } => Some((key.clone(), value.clone())),
            ErrorKind::ParseErrorAtIndex { index, value, .. } => {
                let key = raw.as_ref().and_then(|r| r.iter().nth(*index).map(|(k, _)| k.to_string()));
                Some((key.unwrap_or_else(|| format!("parameter {}", index + 1)), value.clone()))
            }
            // Every path parameter of the API is an id: name the first one that is not.
            _ => raw.as_ref().and_then(|r| {
                r.iter().find(|(_, v)| uuid::Uuid::parse_str(v).is_err()).map(|(k, v)| (k.to_string(), v.to_string()))
            }),
        };
        Err(match named {
            Some((key, value)) => {
                AppError::invalid(&key, format!("'{value}' is not a valid id; ids look like 0193f2c4-…"))
            }
            None => AppError::BadRequest(error.body_text()),
        })
    }
}

/// Reads a whole request body of at most `limit` bytes. A larger body is a 413 whose message says what
/// the limit is for (`too_large`), recognised by the limit's own error type.
pub async fn read_body(
    body: axum::body::Body,
    limit: usize,
    too_large: impl FnOnce() -> String,
) -> Result<Bytes, AppError> {
    match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => Ok(bytes),
        Err(e) => {
            let cause = e.into_inner();
            if cause.downcast_ref::<http_body_util::LengthLimitError>().is_some() {
                Err(AppError::TooLarge(too_large()))
            } else {
                Err(AppError::BadRequest(format!("could not read the request body: {cause}")))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Body {
        name: chorus_domain::ClientName,
        office_hours: Option<chorus_domain::OfficeHours>,
    }

    fn error_of(json: &str) -> (String, String) {
        match parse_json::<Body>(json.as_bytes()) {
            Err(AppError::Invalid(i)) => (i.errors[0].field.clone(), i.errors[0].message.clone()),
            Err(other) => ("(other)".into(), other.to_string()),
            Ok(_) => ("(ok)".into(), String::new()),
        }
    }

    #[test]
    fn errors_name_the_field() {
        assert_eq!(error_of(r#"{"name": "  "}"#), ("name".into(), "must not be empty".into()));
        assert_eq!(error_of(r#"{}"#), ("name".into(), "is required".into()));
        let (field, message) = error_of(r#"{"name":"A","office_hours":{"mon":[{"start":"10:00","end":"09:00"}]}}"#);
        assert_eq!(field, "office_hours.mon[0].end");
        assert_eq!(message, "must be after the start (10:00)");
        assert_eq!(error_of(r#"{"name": 5}"#).0, "name");
    }

    #[test]
    fn syntax_errors_are_bad_requests() {
        assert!(matches!(parse_json::<Body>(b"{not json"), Err(AppError::BadRequest(_))));
    }
}
