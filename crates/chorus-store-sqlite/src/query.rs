//! Pieces shared by the list queries: keyset pagination, id lists and `LIKE` patterns.

use std::collections::BTreeSet;

use chorus_domain::{ClientId, Cursor, PageRequest};
use sqlx::{QueryBuilder, Sqlite};

/// Continues after `page.after` in `ORDER BY name_key, id` order, then orders and limits. Fetches one row
/// more than the page holds: `Page::from_overfetch` uses it to tell whether a next page exists.
/// `table` is the alias the query uses for the listed table (with its dot), or "".
pub(crate) fn push_page(qb: &mut QueryBuilder<'_, Sqlite>, table: &str, page: &PageRequest) {
    if let Some(Cursor { key, id }) = &page.after {
        qb.push(format!(" AND ({table}name_key > "))
            .push_bind(key.clone())
            .push(format!(" OR ({table}name_key = "))
            .push_bind(key.clone())
            .push(format!(" AND {table}id > "))
            .push_bind(*id)
            .push("))");
    }
    qb.push(format!(" ORDER BY {table}name_key, {table}id LIMIT ")).push_bind(i64::from(page.limit) + 1);
}

/// Pushes `(?, ?, …)` binding each id; the caller handles an empty set, which SQL cannot write.
pub(crate) fn push_ids(qb: &mut QueryBuilder<'_, Sqlite>, ids: &BTreeSet<ClientId>) {
    qb.push("(");
    let mut list = qb.separated(", ");
    for id in ids {
        list.push_bind(id.as_uuid());
    }
    qb.push(")");
}

/// A `LIKE … ESCAPE '\'` pattern matching names that contain `text`, taken literally: a search for
/// "100%" must not match every name starting with "100".
pub(crate) fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_are_escaped() {
        assert_eq!(contains_pattern("100% Snake_Case\\x"), "%100\\% snake\\_case\\\\x%");
    }
}
