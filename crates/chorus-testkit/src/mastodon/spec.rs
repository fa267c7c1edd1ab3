//! Our own compact description of the Mastodon endpoints Chorus uses: for each, its parameters with their types,
//! enums and whether they are required, and the OAuth scopes it asks for.
//!
//! Written by hand from the facts of the community OpenAPI description of the Mastodon REST API, version
//! [`SCHEMA_VERSION`] (`abraham/mastodon-openapi`, generated from `mastodon/documentation`), which the project keeps
//! outside the repository in `../shared/api-specs/mastodon/schema.json`. Nothing of that file is copied here; the
//! test `mastodon_description_matches_the_schema` in `tests/mastodon_server.rs` reads it when it is present and checks
//! that every parameter accepted here exists there with the same type and enum.
//!
//! Where Mastodon accepts more than the description says, the parameter is marked [`Origin::BeyondSchema`] with the
//! reason, and the cross-check asserts that the schema still lacks it (so that a newer schema is noticed).

/// The version of the Mastodon API description (`info.version` of the OpenAPI document) this module follows.
pub const SCHEMA_VERSION: &str = "4.7.0";

/// `StatusVisibilityEnum`.
pub const VISIBILITIES: &[&str] = &["public", "unlisted", "private", "direct"];

/// `NotificationTypeEnum`.
pub const NOTIFICATION_TYPES: &[&str] = &[
    "mention",
    "status",
    "reblog",
    "follow",
    "follow_request",
    "favourite",
    "poll",
    "update",
    "admin.sign_up",
    "admin.report",
    "severed_relationships",
    "moderation_warning",
    "quote",
    "quoted_update",
    "added_to_collection",
    "collection_update",
];

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum In {
    /// A segment of the path (`{id}`).
    Path,
    /// The query string (`name[]` for arrays).
    Query,
    /// The request body: JSON, an HTML form (`name[]` for arrays) or, where [`Endpoint::multipart`], multipart.
    Body,
    /// A request header.
    Header,
}

/// A parameter's type, as the schema declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    /// `type: string`.
    String,
    /// `type: string, format: date-time`.
    DateTime,
    /// `type: string, format: binary`: a file part of a multipart body.
    Binary,
    /// `type: integer`.
    Integer,
    /// `type: boolean`.
    Boolean,
    /// `type: array, items: {type: string}` (the enum, if any, applies to the items).
    StringArray,
}

/// Whether a request must carry the parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    Required,
    Optional,
    /// Required in the schema, but only needed in some uses (the reason given), which the handler checks.
    RequiredWhen(&'static str),
}

/// Where our knowledge of a parameter comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The schema lists it.
    Schema,
    /// Mastodon accepts it though the schema does not list it (the reason given).
    BeyondSchema(&'static str),
}

/// One parameter of an endpoint.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    pub name: &'static str,
    pub location: In,
    pub ty: Type,
    pub presence: Presence,
    /// Allowed values (of the items, for arrays); empty when any value goes.
    pub allowed: &'static [&'static str],
    pub origin: Origin,
}

/// Who may call an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// No token needed (a token sent is not checked).
    None,
    /// A user token with any one of these scopes (the operation's `security`); `401` without a valid one.
    User(&'static [&'static str]),
    /// No token needed for public data, but a token sent must be valid.
    Optional,
}

/// One operation of the API.
#[derive(Debug, Clone, Copy)]
pub struct Endpoint {
    pub method: &'static str,
    /// The path as the schema writes it, `{id}` for a path parameter.
    pub path: &'static str,
    pub auth: Auth,
    /// Whether the body is (or may be) `multipart/form-data`, as the schema's request body says.
    pub multipart: bool,
    pub params: &'static [Param],
}

impl Endpoint {
    /// The parameter called `name`.
    pub fn param(&self, name: &str) -> Option<&'static Param> {
        self.params.iter().find(|p| p.name == name)
    }

    /// The values of the path parameters if `path` matches this endpoint's template.
    pub fn match_path(&self, path: &str) -> Option<Vec<(&'static str, String)>> {
        let template: Vec<&'static str> = self.path.split('/').collect();
        let actual: Vec<&str> = path.split('/').collect();
        if template.len() != actual.len() {
            return None;
        }
        let mut values = Vec::new();
        for (t, a) in template.into_iter().zip(actual) {
            if let Some(name) = t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                if a.is_empty() {
                    return None;
                }
                values.push((name, a.to_string()));
            } else if t != a {
                return None;
            }
        }
        Some(values)
    }
}

const fn p(name: &'static str, location: In, ty: Type, presence: Presence) -> Param {
    Param { name, location, ty, presence, allowed: &[], origin: Origin::Schema }
}

const fn one_of(name: &'static str, location: In, allowed: &'static [&'static str]) -> Param {
    Param { name, location, ty: Type::String, presence: Presence::Optional, allowed, origin: Origin::Schema }
}

use In::{Body, Header, Path, Query};
use Presence::{Optional, Required};
use Type::{Binary, Boolean, DateTime, Integer, String as Str, StringArray};

const ID: Param = p("id", Path, Str, Required);

/// The endpoints the test server answers, in the schema's words.
pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        method: "POST",
        path: "/api/v1/apps",
        auth: Auth::None,
        multipart: false,
        params: &[
            p("client_name", Body, Str, Required),
            // The schema declares an array; Mastodon also takes one string (several URIs separated by new lines).
            p("redirect_uris", Body, StringArray, Required),
            p("scopes", Body, Str, Optional),
            p("website", Body, Str, Optional),
        ],
    },
    Endpoint {
        method: "GET",
        path: "/oauth/authorize",
        auth: Auth::None,
        multipart: false,
        params: &[
            p("client_id", Query, Str, Required),
            p("redirect_uri", Query, Str, Required),
            p("response_type", Query, Str, Required),
            p("code_challenge", Query, Str, Optional),
            p("code_challenge_method", Query, Str, Optional),
            p("force_login", Query, Boolean, Optional),
            p("lang", Query, Str, Optional),
            p("scope", Query, Str, Optional),
            p("state", Query, Str, Optional),
        ],
    },
    Endpoint {
        method: "POST",
        path: "/oauth/token",
        auth: Auth::None,
        multipart: false,
        params: &[
            p("client_id", Body, Str, Required),
            p("client_secret", Body, Str, Required),
            p("code", Body, Str, Presence::RequiredWhen("grant_type is authorization_code")),
            p("grant_type", Body, Str, Required),
            p("redirect_uri", Body, Str, Presence::RequiredWhen("grant_type is authorization_code")),
            p("code_verifier", Body, Str, Optional),
            p("scope", Body, Str, Optional),
            Param {
                name: "refresh_token",
                location: Body,
                ty: Str,
                presence: Optional,
                allowed: &[],
                origin: Origin::BeyondSchema(
                    "the refresh_token grant of RFC 6749 section 6, which Doorkeeper answers when it issued a refresh token",
                ),
            },
        ],
    },
    Endpoint {
        method: "POST",
        path: "/oauth/revoke",
        auth: Auth::None,
        multipart: false,
        params: &[
            p("client_id", Body, Str, Required),
            p("client_secret", Body, Str, Required),
            p("token", Body, Str, Required),
        ],
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/accounts/verify_credentials",
        auth: Auth::User(&["profile", "read:accounts"]),
        multipart: false,
        params: &[],
    },
    Endpoint { method: "GET", path: "/api/v2/instance", auth: Auth::None, multipart: false, params: &[] },
    Endpoint {
        method: "POST",
        path: "/api/v2/media",
        auth: Auth::User(&["write:media"]),
        multipart: true,
        params: &[
            p("file", Body, Binary, Required),
            p("thumbnail", Body, Binary, Optional),
            p("description", Body, Str, Optional),
            p("focus", Body, Str, Optional),
        ],
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/media/{id}",
        auth: Auth::User(&["write:media"]),
        multipart: false,
        params: &[ID],
    },
    Endpoint {
        method: "PUT",
        path: "/api/v1/media/{id}",
        auth: Auth::User(&["write:media"]),
        multipart: true,
        params: &[
            ID,
            p("description", Body, Str, Optional),
            p("focus", Body, Str, Optional),
            p("thumbnail", Body, Binary, Optional),
        ],
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/statuses",
        auth: Auth::User(&["write:statuses"]),
        multipart: false,
        params: &[
            // The schema types this header `object`; it is any string.
            p("Idempotency-Key", Header, Str, Optional),
            // `status` or `media_ids` (oneOf TextStatus / MediaStatus): the handler asks for one of them.
            p("status", Body, Str, Optional),
            p("media_ids", Body, StringArray, Optional),
            p("in_reply_to_id", Body, Str, Optional),
            p("language", Body, Str, Optional),
            p("quote_approval_policy", Body, Str, Optional),
            p("quoted_status_id", Body, Str, Optional),
            p("scheduled_at", Body, DateTime, Optional),
            p("sensitive", Body, Boolean, Optional),
            p("spoiler_text", Body, Str, Optional),
            one_of("visibility", Body, VISIBILITIES),
        ],
    },
    Endpoint { method: "GET", path: "/api/v1/statuses/{id}", auth: Auth::Optional, multipart: false, params: &[ID] },
    Endpoint {
        method: "DELETE",
        path: "/api/v1/statuses/{id}",
        auth: Auth::User(&["write:statuses"]),
        multipart: false,
        params: &[ID, p("delete_media", Query, Boolean, Optional)],
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/accounts/{id}/statuses",
        auth: Auth::Optional,
        multipart: false,
        params: &[
            ID,
            p("exclude_reblogs", Query, Boolean, Optional),
            p("exclude_replies", Query, Boolean, Optional),
            p("limit", Query, Integer, Optional),
            p("max_id", Query, Str, Optional),
            p("min_id", Query, Str, Optional),
            p("only_media", Query, Boolean, Optional),
            p("pinned", Query, Boolean, Optional),
            p("since_id", Query, Str, Optional),
            p("tagged", Query, Str, Optional),
        ],
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/notifications",
        auth: Auth::User(&["read:notifications"]),
        multipart: false,
        params: &[
            p("account_id", Query, Str, Optional),
            Param { allowed: NOTIFICATION_TYPES, ..p("exclude_types", Query, StringArray, Optional) },
            p("include_filtered", Query, Boolean, Optional),
            p("limit", Query, Integer, Optional),
            p("max_id", Query, Str, Optional),
            p("min_id", Query, Str, Optional),
            p("since_id", Query, Str, Optional),
            p("supported_types", Query, StringArray, Optional),
            Param { allowed: NOTIFICATION_TYPES, ..p("types", Query, StringArray, Optional) },
        ],
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/conversations",
        auth: Auth::User(&["read:statuses"]),
        multipart: false,
        params: &[
            p("limit", Query, Integer, Optional),
            p("max_id", Query, Str, Optional),
            p("min_id", Query, Str, Optional),
            p("since_id", Query, Str, Optional),
        ],
    },
];

/// The endpoint for `method` and `path`, with its path parameters.
pub fn find(method: &str, path: &str) -> Option<(&'static Endpoint, Vec<(&'static str, String)>)> {
    // A literal segment beats a parameter: `/api/v1/accounts/verify_credentials` is not `/api/v1/accounts/{id}`.
    ENDPOINTS
        .iter()
        .filter(|e| e.method == method)
        .filter_map(|e| e.match_path(path).map(|values| (e, values)))
        .min_by_key(|(_, values)| values.len())
}
