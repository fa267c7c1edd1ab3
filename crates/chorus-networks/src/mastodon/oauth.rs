//! What Mastodon's OAuth needs besides the calls: the app registered on an instance, and one authorization request
//! with its PKCE verifier and its `state` (RFC 7636 and RFC 6749 §10.12).

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use crate::PublishError;

/// The scopes Chorus asks for: read the account (to check it and find its posts) and write statuses and media.
/// Granular scopes, so that the token cannot follow, block or read direct messages.
pub const SCOPES: &[&str] = &["read:accounts", "read:statuses", "write:statuses", "write:media"];

/// Chorus as an app of one instance (`POST /api/v1/apps`). Keep it per instance and reuse it for every account
/// there: Mastodon lists each registration to the instance's admins.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppRegistration {
    /// The instance's base address, `https://social.example`.
    pub instance: String,
    pub client_id: String,
    pub client_secret: String,
    /// Where the instance sends the person back after they consent.
    pub redirect_uri: String,
    pub scopes: Vec<String>,
}

impl std::fmt::Debug for AppRegistration {
    // The client secret is a secret: never in a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppRegistration")
            .field("instance", &self.instance)
            .field("client_id", &self.client_id)
            .field("redirect_uri", &self.redirect_uri)
            .field("scopes", &self.scopes)
            .finish()
    }
}

/// One authorization in progress: send the person to `url`, keep `state` and `code_verifier` (server-side, e.g. in
/// their session) until they come back to the redirect URI.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationRequest {
    /// The instance's consent page, `/oauth/authorize?…`.
    pub url: String,
    /// Echoed in the redirect; a different one means the redirect is not the answer to this request.
    pub state: String,
    /// PKCE: proves at the token endpoint that whoever exchanges the code started the request.
    pub code_verifier: String,
}

impl std::fmt::Debug for AuthorizationRequest {
    // The verifier and state protect the exchange: never in a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizationRequest").field("url", &self.url).finish_non_exhaustive()
    }
}

impl AuthorizationRequest {
    /// The authorization code from the address the person was sent back to, after checking that it answers this
    /// request (its `state`) and that they consented.
    pub fn code_from_redirect(&self, redirect: &str) -> Result<String, PublishError> {
        let url = reqwest::Url::parse(redirect)
            .map_err(|e| PublishError::permanent(format!("the redirect is not an address: {e}")))?;
        let param = |name: &str| url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
        if param("state").as_deref() != Some(self.state.as_str()) {
            return Err(PublishError::permanent(
                "the redirect does not answer this authorization request (its state differs)",
            ));
        }
        if let Some(error) = param("error") {
            let description = param("error_description").map(|d| format!(": {d}")).unwrap_or_default();
            return Err(PublishError::permanent(format!(
                "the instance did not authorize Chorus ({error}){description}"
            )));
        }
        param("code")
            .filter(|c| !c.is_empty())
            .ok_or_else(|| PublishError::permanent("the redirect carries no authorization code"))
    }
}

/// A random string of URL-safe characters from `bytes` random bytes.
pub(crate) fn random_token(bytes: usize) -> String {
    let random: Vec<u8> = (0..bytes).map(|_| rand::random::<u8>()).collect();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random)
}

/// PKCE's `S256` challenge of a verifier: `BASE64URL(SHA256(verifier))`.
pub(crate) fn challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_s256_challenge_is_that_of_rfc_7636() {
        // RFC 7636, appendix B.
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let verifier = random_token(32);
        // 43 characters: the shortest verifier the RFC allows, from 256 random bits.
        assert_eq!(verifier.len(), 43);
        assert_ne!(verifier, random_token(32));
    }

    #[test]
    fn a_redirect_must_carry_this_state_and_a_code() {
        let request = AuthorizationRequest { url: String::new(), state: "s1".into(), code_verifier: "v".into() };
        assert_eq!(
            request.code_from_redirect("https://chorus.example/cb?code=abc&state=s1").ok().as_deref(),
            Some("abc")
        );
        assert!(request.code_from_redirect("https://chorus.example/cb?code=abc&state=s2").is_err());
        assert!(request.code_from_redirect("https://chorus.example/cb?code=abc").is_err());
        let refused = request.code_from_redirect("https://chorus.example/cb?error=access_denied&state=s1");
        assert!(refused.is_err_and(|e| e.reason().contains("access_denied")));
    }
}
