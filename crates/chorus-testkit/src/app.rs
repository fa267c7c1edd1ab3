//! `spawn_app()`: a real Chorus on its own port with its own empty database, for one test.
//!
//! The server runs inside the test's runtime, so it stops with the test. Helpers create people and API
//! tokens directly through the store, which is quicker than clicking through the pages and lets each test
//! start from the situation it is about.

use std::net::SocketAddr;
use std::sync::Arc;

use chorus_domain::{
    ApiTokenId, Client, ClientAccess, ClientId, Email, NewClient, Organization, OrganizationName, Person, PersonName,
    Role, TokenScope,
};
use chorus_secrets::{Keyring, SecretKey};
use chorus_store::{ApiToken, NewPerson, Store};
use chorus_web::{AppState, WebConfig};

/// Which database the app runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub address: String,
    pub store: Arc<dyn Store>,
    pub state: AppState,
    /// Where uploaded media is kept (`state.blobs`); removed with the app.
    pub media_dir: Arc<tempfile::TempDir>,
}

/// The password every person made by [`TestApp::person_with_password`] has.
pub const PASSWORD: &str = "correct horse battery staple";

/// A Chorus on SQLite.
pub async fn spawn_app() -> TestApp {
    spawn_app_on(Backend::Sqlite).await
}

pub async fn spawn_app_on(backend: Backend) -> TestApp {
    spawn_app_with(backend, WebConfig::default()).await
}

pub async fn spawn_app_with(backend: Backend, config: WebConfig) -> TestApp {
    let store = match backend {
        Backend::Sqlite => crate::sqlite::fresh_store().await,
        Backend::Postgres => crate::postgres::fresh_store().await,
    };
    let keyring = Arc::new(Keyring::new(SecretKey::generate()));
    let media_dir = Arc::new(tempfile::tempdir().expect("cannot create a temporary directory"));
    let blobs = Arc::new(chorus_store::LocalBlobStore::new(media_dir.path().join("media")));
    let state = AppState::new(store.clone(), keyring, blobs, config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("cannot bind a loopback port");
    let port = listener.local_addr().expect("no local address").port();
    let app = chorus_web::app(state.clone());
    tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await.expect("server failed");
    });
    TestApp { address: format!("http://127.0.0.1:{port}"), store, state, media_dir }
}

/// Someone in the app, with an API token to act as them.
#[derive(Debug, Clone)]
pub struct TestPerson {
    pub person: Person,
    pub token: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// An HTTP client that keeps cookies, like a browser, and does not follow redirects (tests look at them).
    pub fn http(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("cannot build an HTTP client")
    }

    /// An organization with its owner, who gets a read-write API token.
    pub async fn organization(&self, name: &str) -> (Organization, TestPerson) {
        let owner = new_person(&format!("owner@{}.example", slug(name)), "Owner", Role::Owner, ClientAccess::All, None);
        let (org, person) = self
            .store
            .create_organization(&OrganizationName::parse(name).expect("bad organization name"), owner)
            .await
            .expect("cannot create organization");
        let token = self.token_for(&person, TokenScope::Write).await;
        (org, TestPerson { person, token })
    }

    pub async fn client(&self, org: &Organization, name: &str) -> Client {
        let new = NewClient {
            name: chorus_domain::ClientName::parse(name).expect("bad client name"),
            time_zone: chorus_domain::TimeZone::parse("Europe/Berlin").expect("bad zone"),
            office_hours: Default::default(),
            brand_notes: Default::default(),
        };
        self.store.create_client(org.id, new, None).await.expect("cannot create client")
    }

    /// A person with a read-write token; `email` must be unique in the installation.
    pub async fn person(&self, org: &Organization, email: &str, role: Role, access: ClientAccess) -> TestPerson {
        let person = self
            .store
            .create_person(org.id, new_person(email, email.split('@').next().unwrap_or("Someone"), role, access, None))
            .await
            .expect("cannot create person");
        let token = self.token_for(&person, TokenScope::Write).await;
        TestPerson { person, token }
    }

    /// A person who can sign in with [`PASSWORD`].
    pub async fn person_with_password(
        &self,
        org: &Organization,
        email: &str,
        role: Role,
        access: ClientAccess,
    ) -> Person {
        let password = chorus_domain::Password::parse(PASSWORD).expect("bad password");
        let hash = chorus_web::auth::password::hash(&password).await.expect("cannot hash");
        self.store
            .create_person(org.id, new_person(email, "Signed In", role, access, Some(hash)))
            .await
            .expect("cannot create person")
    }

    pub async fn token_for(&self, person: &Person, scope: TokenScope) -> String {
        let (secret, prefix) = chorus_web::auth::tokens::new_api_token();
        let token = ApiToken {
            id: ApiTokenId::new(),
            organization_id: person.organization_id,
            person_id: person.id,
            name: "test".into(),
            scope,
            prefix,
            created_at: chrono::Utc::now(),
            last_used_at: None,
            expires_at: None,
            revoked_at: None,
        };
        self.store
            .create_api_token(&token, &chorus_web::auth::tokens::hash(&secret))
            .await
            .expect("cannot create token");
        secret
    }

    /// The CSRF token the page at `path` renders into its forms (and sets as a cookie in `http`).
    pub async fn csrf_token(&self, http: &reqwest::Client, path: &str) -> String {
        let html = http.get(self.url(path)).send().await.expect("page request failed").text().await.expect("no body");
        let marker = "name=\"csrf_token\" value=\"";
        let start = html.find(marker).unwrap_or_else(|| panic!("{path} has no form")) + marker.len();
        html[start..].split('"').next().unwrap_or_default().to_string()
    }

    /// Posts the sign-in form as a browser would, keeping the session cookie in `http`.
    pub async fn sign_in(&self, http: &reqwest::Client, email: &str, password: &str) -> reqwest::Response {
        let csrf = self.csrf_token(http, "/sign-in").await;
        http.post(self.url("/sign-in"))
            .form(&[("csrf_token", csrf.as_str()), ("email", email), ("password", password), ("next", "/clients")])
            .send()
            .await
            .expect("sign-in request failed")
    }

    /// Calls the API with `token`, sending `body` as JSON when given; gives the status and the JSON answer
    /// (`null` for an empty one).
    pub async fn call(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (reqwest::StatusCode, serde_json::Value) {
        let mut request = self.api(method, path, token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("API request failed");
        let status = response.status();
        let text = response.text().await.expect("no body");
        let value = if text.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
        };
        (status, value)
    }

    /// A request with `token` as its bearer.
    pub fn api(&self, method: reqwest::Method, path: &str, token: &str) -> reqwest::RequestBuilder {
        reqwest::Client::new().request(method, self.url(&format!("/api/v1{path}"))).bearer_auth(token)
    }

    /// A browser-like client signed in as `email`, a person made with [`PASSWORD`]; a refused sign-in stops the
    /// test here rather than as a puzzling page later.
    pub async fn signed_in(&self, email: &str) -> reqwest::Client {
        let http = self.http();
        let response = self.sign_in(&http, email, PASSWORD).await;
        assert_eq!(response.status(), reqwest::StatusCode::SEE_OTHER, "sign-in of {email}");
        http
    }

    /// The status and the HTML of the page at `path`, as the person signed in to `http` sees it.
    pub async fn page(&self, http: &reqwest::Client, path: &str) -> (reqwest::StatusCode, String) {
        let response = http.get(self.url(path)).send().await.expect("page request failed");
        (response.status(), response.text().await.expect("no body"))
    }

    /// Uploads `bytes` to the media library of `client` through the API, named `filename`. The answer is the
    /// test's to judge: uploads that must be refused go through here too.
    pub async fn upload(&self, token: &str, client: ClientId, filename: &str, bytes: Vec<u8>) -> reqwest::Response {
        self.upload_request(token, client, filename).body(bytes).send().await.expect("upload request failed")
    }

    /// The request [`TestApp::upload`] sends, without its body, for a test that adds headers of its own.
    pub fn upload_request(&self, token: &str, client: ClientId, filename: &str) -> reqwest::RequestBuilder {
        self.api(reqwest::Method::POST, &format!("/clients/{client}/assets"), token).query(&[("filename", filename)])
    }
}

/// Access to exactly these clients.
pub fn only(ids: &[ClientId]) -> ClientAccess {
    ClientAccess::Only(ids.iter().copied().collect())
}

fn new_person(email: &str, name: &str, role: Role, access: ClientAccess, hash: Option<String>) -> NewPerson {
    NewPerson {
        email: Email::parse(email).expect("bad e-mail"),
        name: PersonName::parse(name).expect("bad name"),
        role,
        client_access: access,
        password_hash: hash,
    }
}

fn slug(name: &str) -> String {
    name.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_lowercase()
}
