//! Typed identifiers: a `ClientId` cannot be passed where a `PersonId` is expected.
//!
//! All are UUIDv7, so they sort by creation time, which keeps database indexes compact.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid)]
        pub struct $name(Uuid);

        impl $name {
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// An agency or in-house team: the tenant everything else belongs to.
    OrganizationId
);
id_type!(
    /// A brand the organization manages.
    ClientId
);
id_type!(
    /// A person who signs in: staff of the organization or a client's own user.
    PersonId
);
id_type!(
    /// A personal API token.
    ApiTokenId
);
id_type!(
    /// An invitation to join an organization.
    InvitationId
);
id_type!(
    /// A background job.
    JobId
);
id_type!(
    /// A content pillar of a client.
    PillarId
);
id_type!(
    /// A goal of a client.
    GoalId
);
id_type!(
    /// A post: one idea for a client.
    PostId
);
id_type!(
    /// A post's version for one network.
    VariantId
);
id_type!(
    /// An image or video in a client's media library.
    AssetId
);
id_type!(
    /// An RSS or Atom feed a client's drafts are made from.
    FeedId
);
id_type!(
    /// A secret link a client uses to send files into its media library without an account.
    AssetRequestId
);
id_type!(
    /// A client's account on a social network, which posts are published to.
    AccountId
);
