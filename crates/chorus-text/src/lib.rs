//! How each network counts and reads text: X's weighted length and entities (checked against the official
//! twitter-text conformance suite), Bluesky's graphemes and facets, and the other networks' limits.
//!
//! Pure functions on `&str`: no I/O, so the composer, the API, bulk import and the publisher all count the
//! same way.

pub mod bluesky;
pub mod networks;
pub mod x;

pub use networks::{Count, Draft, Field, IssueCode, Limits, MastodonLimits, Network, Severity, TextIssue, Unit};
