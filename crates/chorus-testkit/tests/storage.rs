//! The storage suite against every backend, plus what only one backend can test.

mod sqlite {
    use std::sync::Arc;

    use chorus_store::Store;
    use chorus_store_sqlite::SqliteStore;
    use chorus_testkit::sqlite::{add_future_migration, fresh_sqlite_store};
    use chorus_testkit::storage_suite::assert_too_new;

    async fn store() -> Arc<dyn Store> {
        chorus_testkit::sqlite::fresh_store().await
    }

    chorus_testkit::storage_suite!(store);

    #[tokio::test]
    async fn a_database_migrated_by_a_newer_chorus_is_refused() {
        let store = fresh_sqlite_store().await;
        assert_eq!(store.migrate().await.unwrap(), 0, "already up to date");
        add_future_migration(store.path()).await;
        assert_too_new(store.migrate().await);
        // Reopening does not help: the refusal comes from the database, not from this process.
        let reopened = SqliteStore::open(store.path()).await.unwrap();
        assert_too_new(reopened.migrate().await);
    }
}

mod postgres {
    use std::sync::Arc;

    use chorus_store::Store;
    use chorus_store_postgres::PgStore;
    use chorus_testkit::postgres::{add_future_migration, fresh_database};
    use chorus_testkit::storage_suite::assert_too_new;

    async fn store() -> Arc<dyn Store> {
        chorus_testkit::postgres::fresh_store().await
    }

    chorus_testkit::storage_suite!(store);

    #[tokio::test]
    async fn a_database_migrated_by_a_newer_chorus_is_refused() {
        let url = fresh_database().await;
        let store = PgStore::connect(&url).await.unwrap();
        assert_eq!(store.migrate().await.unwrap(), 0, "already up to date");
        add_future_migration(&url).await;
        assert_too_new(store.migrate().await);
        // Another process fares no better: the refusal comes from the database, not from this process.
        let reconnected = PgStore::connect(&url).await.unwrap();
        assert_too_new(reconnected.migrate().await);
    }
}
