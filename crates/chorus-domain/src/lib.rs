//! The words of Chorus and the rules between them: organizations, clients, people, roles and who may do what.
//!
//! Nothing here talks to a database or the network, so every rule can be tested in isolation and reused by
//! the API, the pages, the CLI and the background jobs alike.

pub mod account;
pub mod asset_request;
pub mod client;
pub mod feed;
pub mod ids;
pub mod media;
pub mod media_rules;
pub mod office_hours;
pub mod organization;
pub mod page;
pub mod permissions;
pub mod person;
pub mod post;
pub mod schedule;
pub mod strategy;
pub mod validation;

pub use chorus_text::networks::Network;

pub use account::{Account, AccountStatus, NewAccount};
pub use asset_request::{AssetRequest, AssetRequestFields, AssetRequestStatus, AssetRequestUpload, UploaderName};
pub use client::{BrandNotes, Client, ClientChanges, ClientName, NewClient, TimeZone};
pub use feed::{Feed, FeedCheck, FeedFields, FeedItem, NewFeedItem};
pub use ids::AccountId;
pub use ids::FeedId;
pub use ids::{
    ApiTokenId, AssetId, AssetRequestId, ClientId, GoalId, InvitationId, JobId, OrganizationId, PersonId, PillarId,
    PostId, VariantId,
};
pub use media::{
    Aspect, Asset, AssetFields, AssetKind, FocalPoint, MediaType, folder_path, folder_within, tag, tag_list,
};
pub use office_hours::{OfficeHours, TimeRange};
pub use organization::{Organization, OrganizationName};
pub use page::{Cursor, Page, PageRequest};
pub use permissions::{Action, Actor, Denied, TokenScope, authorize};
pub use person::{ClientAccess, Email, Password, Person, PersonName, Role};
pub use post::{Post, PostDraft, PostRevision, PostStatus, Variant, VariantDraft, VariantMedia, VariantOptions};
pub use strategy::{
    BrandVoice, Colour, Goal, GoalFields, GoalMetric, GoalPeriod, Pillar, PillarFields, PillarName, VoiceIssue,
};
pub use validation::{FieldError, Invalid};
