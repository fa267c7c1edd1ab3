//! Mastodon app registrations (one per instance, the first kept) and OAuth authorizations in progress (taken once,
//! by the person who started them, before they expire, within their organization).

use chorus_domain::{ClientAccess, ClientId, PersonId, Role};
use chorus_store::{MastodonApp, MastodonAuthorization, StoreError};

use super::{Db, assert_not_found, client, minutes, new_person, organization, t0};

fn app(instance: &str, client_id: &str) -> MastodonApp {
    MastodonApp {
        instance: instance.into(),
        client_id: client_id.into(),
        sealed_client_secret: format!("sealed secret of {client_id}").into_bytes(),
        redirect_uri: "https://chorus.example/oauth/mastodon/callback".into(),
        scopes: vec!["read:accounts".into(), "write:statuses".into()],
        created_at: t0(),
    }
}

fn authorization(state: &str, client: ClientId, person: PersonId) -> MastodonAuthorization {
    MastodonAuthorization {
        state: state.into(),
        client_id: client,
        person_id: person,
        instance: "https://social.example".into(),
        sealed_verifier: b"sealed verifier".to_vec(),
        created_at: t0(),
        expires_at: t0() + minutes(15),
    }
}

pub async fn mastodon_apps_are_kept_once_per_instance(store: Db) {
    assert!(store.mastodon_app("https://social.example").await.unwrap().is_none());
    let first = store.save_mastodon_app(&app("https://social.example", "first")).await.unwrap();
    assert_eq!(first, app("https://social.example", "first"));
    // A second registration racing the first loses: everybody uses the one kept.
    let second = store.save_mastodon_app(&app("https://social.example", "second")).await.unwrap();
    assert_eq!(second.client_id, "first");
    assert_eq!(store.mastodon_app("https://social.example").await.unwrap(), Some(first));
    let other = store.save_mastodon_app(&app("https://other.example", "other")).await.unwrap();
    assert_eq!(other.client_id, "other");
    assert!(store.mastodon_app("https://social.example/").await.unwrap().is_none(), "instances are exact");
}

pub async fn mastodon_authorizations_are_taken_once_by_their_person_before_they_expire(store: Db) {
    let (org, owner) = organization(&store, "Northwind").await;
    let other = store
        .create_person(org.id, new_person("ana@northwind.example", "Ana", Role::Admin, ClientAccess::All))
        .await
        .unwrap();
    let roastery = client(&store, org.id, "Roastery").await;
    let started = authorization("state-1", roastery.id, owner.id);
    store.create_mastodon_authorization(org.id, &started).await.unwrap();
    let again = store.create_mastodon_authorization(org.id, &started).await;
    assert!(matches!(again, Err(StoreError::Conflict { field: "state", .. })), "{again:?}");

    let now = t0() + minutes(1);
    assert!(store.take_mastodon_authorization(org.id, other.id, "state-1", now).await.unwrap().is_none());
    assert!(store.take_mastodon_authorization(org.id, owner.id, "state-2", now).await.unwrap().is_none());
    let taken = store.take_mastodon_authorization(org.id, owner.id, "state-1", now).await.unwrap();
    assert_eq!(taken, Some(started), "another person's try did not use it up");
    assert!(
        store.take_mastodon_authorization(org.id, owner.id, "state-1", now).await.unwrap().is_none(),
        "a state is used once"
    );

    let late = authorization("state-3", roastery.id, owner.id);
    store.create_mastodon_authorization(org.id, &late).await.unwrap();
    assert!(
        store.take_mastodon_authorization(org.id, owner.id, "state-3", t0() + minutes(15)).await.unwrap().is_none()
    );
    let early = authorization("state-4", roastery.id, owner.id);
    store.create_mastodon_authorization(org.id, &early).await.unwrap();
    store.set_mastodon_authorization_expiry(org.id, "state-4", t0()).await.unwrap();
    assert!(store.take_mastodon_authorization(org.id, owner.id, "state-4", now).await.unwrap().is_none());
    assert_not_found(store.set_mastodon_authorization_expiry(org.id, "state-9", t0()).await, "an unknown state");
}

pub async fn mastodon_authorizations_are_scoped_to_their_organization(store: Db) {
    let (north, north_owner) = organization(&store, "Northwind").await;
    let (south, south_owner) = organization(&store, "Southwind").await;
    let north_client = client(&store, north.id, "Roastery").await;
    let south_client = client(&store, south.id, "Bakery").await;
    assert_not_found(
        store.create_mastodon_authorization(north.id, &authorization("s1", south_client.id, north_owner.id)).await,
        "another organization's client",
    );
    assert_not_found(
        store.create_mastodon_authorization(north.id, &authorization("s1", north_client.id, south_owner.id)).await,
        "another organization's person",
    );
    store.create_mastodon_authorization(north.id, &authorization("s1", north_client.id, north_owner.id)).await.unwrap();
    let now = t0() + minutes(1);
    assert!(store.take_mastodon_authorization(south.id, north_owner.id, "s1", now).await.unwrap().is_none());
    assert_not_found(
        store.set_mastodon_authorization_expiry(south.id, "s1", t0()).await,
        "another organization's state",
    );
    assert!(store.take_mastodon_authorization(north.id, north_owner.id, "s1", now).await.unwrap().is_some());
}
