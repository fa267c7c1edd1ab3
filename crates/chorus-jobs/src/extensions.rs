//! What a job needs besides the store and the clock — an HTTP client, the blob store, the web layer's state —
//! handed to the [`Worker`](crate::Worker) when it is built and reachable from every
//! [`JobContext`](crate::JobContext) by type. This keeps the jobs crate free of the crates those values come from.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;

/// Values by type, at most one of each.
#[derive(Clone, Default)]
pub struct Extensions {
    values: HashMap<TypeId, Arc<dyn Any + Send + Sync>>,
}

impl Extensions {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `value`, replacing the one of the same type, if any.
    pub fn insert<T: Send + Sync + 'static>(&mut self, value: T) {
        self.values.insert(TypeId::of::<T>(), Arc::new(value));
    }

    pub fn get<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.values.get(&TypeId::of::<T>()).and_then(|v| v.downcast_ref::<T>())
    }
}

impl std::fmt::Debug for Extensions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Extensions").field("count", &self.values.len()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_found_by_their_type() {
        let mut extensions = Extensions::new();
        extensions.insert(7_u32);
        extensions.insert(String::from("fetcher"));
        extensions.insert(8_u32);
        assert_eq!(extensions.get::<u32>(), Some(&8));
        assert_eq!(extensions.get::<String>().map(String::as_str), Some("fetcher"));
        assert_eq!(extensions.get::<u64>(), None);
    }
}
