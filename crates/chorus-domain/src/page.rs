//! Keyset pagination: a page is the `limit` items after a cursor, so deep pages cost the same as the first.

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::validation::Invalid;

/// The largest page a list returns; larger requests are refused rather than silently cut.
pub const MAX_LIMIT: u32 = 200;
pub const DEFAULT_LIMIT: u32 = 50;

/// Where the next page starts: the sort key and id of the last item seen. Opaque to API users.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub key: String,
    pub id: uuid::Uuid,
}

impl Cursor {
    pub fn encode(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    }

    pub fn decode(raw: &str) -> Result<Self, Invalid> {
        let bad = || Invalid::field("cursor", "is not a cursor from a previous page; start again without it");
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(raw.trim()).map_err(|_| bad())?;
        serde_json::from_slice(&bytes).map_err(|_| bad())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: u32,
    pub after: Option<Cursor>,
}

impl PageRequest {
    pub fn new(limit: Option<u32>, cursor: Option<&str>) -> Result<Self, Invalid> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(Invalid::field("limit", format!("must be between 1 and {MAX_LIMIT}")));
        }
        let after = cursor.filter(|c| !c.is_empty()).map(Cursor::decode).transpose()?;
        Ok(Self { limit, after })
    }

    pub fn first(limit: u32) -> Self {
        Self { limit, after: None }
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self::first(DEFAULT_LIMIT)
    }
}

/// One page of a list and where the next one starts, if there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from `limit + 1` fetched rows: the extra row only tells that there is more.
    pub fn from_overfetch(mut rows: Vec<T>, limit: u32, key: impl Fn(&T) -> Cursor) -> Self {
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next_cursor = if more { rows.last().map(|r| key(r).encode()) } else { None };
        Self { items: rows, next_cursor }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), next_cursor: self.next_cursor }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_bounded_and_cursors_checked() {
        assert!(PageRequest::new(Some(0), None).is_err());
        assert!(PageRequest::new(Some(201), None).is_err());
        assert_eq!(PageRequest::new(None, None).map(|p| p.limit), Ok(50));
        let err = PageRequest::new(None, Some("not-a-cursor")).err().map(|e| e.errors[0].field.clone());
        assert_eq!(err.as_deref(), Some("cursor"));
        let c = Cursor { key: "acme".into(), id: uuid::Uuid::now_v7() };
        assert_eq!(PageRequest::new(Some(10), Some(&c.encode())).map(|p| p.after), Ok(Some(c)));
    }

    #[test]
    fn overfetch_reveals_a_next_page() {
        let page = Page::from_overfetch(vec![1, 2, 3], 2, |n| Cursor { key: n.to_string(), id: uuid::Uuid::nil() });
        assert_eq!(page.items, vec![1, 2]);
        let next = page.next_cursor.as_deref().map(Cursor::decode).transpose().ok().flatten();
        assert_eq!(next.map(|c| c.key), Some("2".to_string()));
        assert_eq!(
            Page::from_overfetch(vec![1], 2, |_| Cursor { key: String::new(), id: uuid::Uuid::nil() }).next_cursor,
            None
        );
    }
}
