//! Who an account is and where it lives: a handle resolves to a DID, a DID's document names the account's PDS.

use serde_json::Value;

use super::xrpc::{Body, Xrpc};
use crate::PublishError;

/// The DID a handle stands for, asked of `resolver` (an XRPC service with `com.atproto.identity.resolveHandle`:
/// the AppView, or a PDS for its own accounts). `Ok(None)` when the handle resolves to nothing.
pub(crate) async fn resolve_handle(xrpc: &Xrpc, resolver: &str, handle: &str) -> Result<Option<String>, PublishError> {
    let query = Body::Query(vec![("handle".into(), handle.trim_start_matches('@').to_string())]);
    match xrpc.call(resolver, "com.atproto.identity.resolveHandle", None, query).await {
        Ok(answer) => {
            Ok(answer["did"].as_str().filter(|did| chorus_text::bluesky::is_valid_did(did)).map(str::to_string))
        }
        // 400 is "Unable to resolve handle" (or a handle that is not one): nobody by that name.
        Err(failure) if failure.status.is_some_and(|s| s.is_client_error()) => Ok(None),
        Err(failure) => Err(failure.to_publish_error(&format!("resolving the handle {handle}"))),
    }
}

/// The address of the PDS that hosts `did`, from its DID document: `did:plc` from the PLC directory at `plc_url`,
/// `did:web` from `https://<host>/.well-known/did.json`.
pub(crate) async fn pds_of(http: &reqwest::Client, plc_url: &str, did: &str) -> Result<String, PublishError> {
    let url = did_document_url(plc_url, did)?;
    let doing = format!("reading the DID document of {did}");
    let response = http.get(&url).send().await.map_err(|e| PublishError::transient(format!("{doing}: {e}")))?;
    let status = response.status();
    if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
        return Err(PublishError::transient(format!("{doing}: the directory answered {status}")));
    }
    if !status.is_success() {
        // The account is gone (deleted, tombstoned) or never was: connecting it again is the way out.
        return Err(PublishError::reauthorize(format!("{doing}: the directory answered {status}")));
    }
    let document: Value =
        response.json().await.map_err(|e| PublishError::transient(format!("{doing}: unreadable answer: {e}")))?;
    pds_in(&document).ok_or_else(|| PublishError::reauthorize(format!("{doing}: it names no PDS")))
}

/// Where the DID document of `did` is.
fn did_document_url(plc_url: &str, did: &str) -> Result<String, PublishError> {
    if did.starts_with("did:plc:") {
        Ok(format!("{}/{did}", plc_url.trim_end_matches('/')))
    } else if let Some(host) = did.strip_prefix("did:web:") {
        // atproto allows only host-level did:web; a port is written percent-encoded.
        if host.contains(':') || host.is_empty() {
            return Err(PublishError::permanent(format!("{did} is a did:web with a path, which atproto does not use")));
        }
        Ok(format!("https://{}/.well-known/did.json", host.replace("%3A", ":").replace("%3a", ":")))
    } else {
        Err(PublishError::permanent(format!("{did} is not a did:plc or did:web, the DIDs Bluesky accounts have")))
    }
}

/// The `#atproto_pds` service of a DID document.
fn pds_in(document: &Value) -> Option<String> {
    document["service"].as_array()?.iter().find_map(|service| {
        let id = service["id"].as_str()?;
        let is_pds = (id == "#atproto_pds" || id.ends_with("#atproto_pds"))
            && service["type"].as_str() == Some("AtprotoPersonalDataServer");
        let endpoint = service["serviceEndpoint"].as_str()?;
        (is_pds && (endpoint.starts_with("https://") || endpoint.starts_with("http://")))
            .then(|| endpoint.trim_end_matches('/').to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_documents_come_from_the_plc_directory_or_the_web_host() {
        let url = |did: &str| did_document_url("https://plc.example/", did).ok();
        assert_eq!(url("did:plc:abc").as_deref(), Some("https://plc.example/did:plc:abc"));
        assert_eq!(url("did:web:alice.example").as_deref(), Some("https://alice.example/.well-known/did.json"));
        assert_eq!(url("did:web:localhost%3A2583").as_deref(), Some("https://localhost:2583/.well-known/did.json"));
        assert_eq!(url("did:web:alice.example:path"), None);
        assert_eq!(url("did:key:z6Mk"), None);
    }

    #[test]
    fn the_pds_is_the_atproto_pds_service() {
        let document = serde_json::json!({
            "id": "did:plc:abc",
            "service": [
                { "id": "#other", "type": "Something", "serviceEndpoint": "https://elsewhere.example" },
                { "id": "#atproto_pds", "type": "AtprotoPersonalDataServer", "serviceEndpoint": "https://pds.example/" },
            ],
        });
        assert_eq!(pds_in(&document).as_deref(), Some("https://pds.example"));
        let full_id = serde_json::json!({ "service": [
            { "id": "did:web:x.example#atproto_pds", "type": "AtprotoPersonalDataServer",
              "serviceEndpoint": "https://x.example" } ] });
        assert_eq!(pds_in(&full_id).as_deref(), Some("https://x.example"));
        assert_eq!(pds_in(&serde_json::json!({ "service": [] })), None);
    }
}
