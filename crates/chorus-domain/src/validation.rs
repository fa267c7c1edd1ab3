use serde::Serialize;

/// One field that failed validation, named as the API and the forms name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The field's name, e.g. `time_zone` or `office_hours.mon[0]`.
    pub field: String,
    /// What is wrong, in words a person can act on.
    pub message: String,
}

/// A value was refused; every problem found is listed, not just the first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
pub struct Invalid {
    pub errors: Vec<FieldError>,
}

impl Invalid {
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { errors: vec![FieldError { field: field.into(), message: message.into() }] }
    }

    /// Renames the fields, e.g. from `name` to `client.name`, when a value is checked inside a larger one.
    pub fn within(mut self, prefix: &str) -> Self {
        for e in &mut self.errors {
            e.field = format!("{prefix}.{}", e.field);
        }
        self
    }
}

/// Collects the errors of several fields so a form can show all of them at once.
#[derive(Debug, Default)]
pub struct Checker {
    errors: Vec<FieldError>,
}

impl Checker {
    pub fn check<T>(&mut self, result: Result<T, Invalid>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.errors.extend(e.errors);
                None
            }
        }
    }

    /// Records a problem found without a parse, e.g. a rule between two fields.
    pub fn fail(&mut self, invalid: Invalid) {
        self.errors.extend(invalid.errors);
    }

    pub fn finish(self) -> Result<(), Invalid> {
        if self.errors.is_empty() { Ok(()) } else { Err(Invalid { errors: self.errors }) }
    }
}

/// Trims a text field and checks its length in characters (not bytes: names are often not ASCII).
pub(crate) fn bounded_text(field: &str, raw: &str, min: usize, max: usize) -> Result<String, Invalid> {
    let text = raw.trim();
    let len = text.chars().count();
    if len < min {
        return Err(Invalid::field(
            field,
            if min == 1 { "must not be empty".to_string() } else { format!("must be at least {min} characters") },
        ));
    }
    if len > max {
        return Err(Invalid::field(field, format!("must be at most {max} characters (it has {len})")));
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
        return Err(Invalid::field(field, "must not contain control characters"));
    }
    Ok(text.to_string())
}

/// The methods every trimmed, length-bounded text type shares: `parse`, `as_str`, and the conversions serde
/// and templates use. The type itself is declared where it belongs, with its own documentation.
macro_rules! bounded_text_type {
    ($name:ident, field = $field:literal, min = $min:expr, max = $max:expr) => {
        impl $name {
            pub fn parse(raw: &str) -> Result<Self, $crate::Invalid> {
                $crate::validation::bounded_text($field, raw, $min, $max).map(Self)
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::Invalid;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}
pub(crate) use bounded_text_type;
