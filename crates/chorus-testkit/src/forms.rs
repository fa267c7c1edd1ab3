//! Form bodies as a browser sends them when a form carries files: `multipart/form-data`, made by hand because a
//! page must read what any browser sends, not only what one client library writes.

/// The line between the parts; no field or file a test sends contains it.
const BOUNDARY: &str = "chorus-test-boundary-7d3f";

/// A `multipart/form-data` body whose parts go in the order they are added, as a browser sends a form's fields in
/// the order of the page.
#[derive(Debug, Clone, Default)]
pub struct Multipart {
    body: Vec<u8>,
}

impl Multipart {
    pub fn new() -> Self {
        Self::default()
    }

    /// A text field.
    pub fn text(mut self, name: &str, value: &str) -> Self {
        self.body.extend(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").bytes(),
        );
        self
    }

    /// A file in the field `field`. An empty `filename` and no bytes is what a browser sends when no file was
    /// chosen.
    pub fn file(mut self, field: &str, filename: &str, content_type: &str, bytes: impl AsRef<[u8]>) -> Self {
        self.body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n\
                 Content-Type: {content_type}\r\n\r\n"
            )
            .bytes(),
        );
        self.body.extend(bytes.as_ref());
        self.body.extend(b"\r\n");
        self
    }

    /// The `Content-Type` header that goes with the body: it names the boundary the parts are split on.
    pub fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={BOUNDARY}")
    }

    /// The finished body, closed after its last part.
    pub fn into_body(mut self) -> Vec<u8> {
        self.body.extend(format!("--{BOUNDARY}--\r\n").bytes());
        self.body
    }
}
