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

    #[tokio::test]
    async fn account_credentials_are_sealed_at_rest_and_wiped_on_disconnect() {
        use chorus_testkit::sqlite::raw_account_credentials;
        use chorus_testkit::storage_suite::{account_with_sealed_credentials, assert_sealed_at_rest};

        let sqlite = fresh_sqlite_store().await;
        let path = sqlite.path().to_path_buf();
        let store: Arc<dyn Store> = Arc::new(sqlite);
        let (account, sealed) = account_with_sealed_credentials(&store).await;
        assert_sealed_at_rest(raw_account_credentials(&path, account.id).await, &sealed, &account);
        store.disconnect_account(account.organization_id, account.client_id, account.id).await.unwrap();
        assert_eq!(raw_account_credentials(&path, account.id).await, None, "wiped from the file");
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

    #[tokio::test]
    async fn account_credentials_are_sealed_at_rest_and_wiped_on_disconnect() {
        use chorus_testkit::postgres::raw_account_credentials;
        use chorus_testkit::storage_suite::{account_with_sealed_credentials, assert_sealed_at_rest};

        let url = fresh_database().await;
        let store: Arc<dyn Store> = Arc::new(PgStore::connect(&url).await.unwrap());
        let (account, sealed) = account_with_sealed_credentials(&store).await;
        assert_sealed_at_rest(raw_account_credentials(&url, account.id).await, &sealed, &account);
        store.disconnect_account(account.organization_id, account.client_id, account.id).await.unwrap();
        assert_eq!(raw_account_credentials(&url, account.id).await, None, "wiped from the database");
    }
}
