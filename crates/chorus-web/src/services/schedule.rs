//! Scheduling a post: each variant goes to the client's connected account on its network at one time, given in
//! the client's time zone (or in UTC). Everything that could refuse it is checked first — the time exists and is
//! not past, every variant passes the post check, every network has a connected account — and then the store
//! writes the publications and their publish jobs in one transaction, which checks the revision and the
//! accounts again: nothing is ever scheduled half-way.
//!
//! The publish job (`publish_variant`, keyed `publish:<variant id>`) is enqueued here but no handler runs it
//! yet: that arrives with the publisher. A worker that meets a due job of a kind it does not know buries it as
//! dead with "no handler is registered for job kind `publish_variant`", so nothing is published by mistake.

use chorus_domain::schedule::{LocalTime, Publication, check_future};
use chorus_domain::{AccountStatus, Actor, FieldError, Invalid, PostId};
use chorus_store::{NewJob, PUBLISH_JOB_KIND, PublicationPlan, PublicationRecord, StoreError, publish_job_key};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::posts::{IssueSeverity, check_post, post};
use crate::{AppError, AppResult, AppState};

/// How often the publisher may try one variant before it gives up.
const PUBLISH_ATTEMPTS: u32 = 5;

/// When to publish a post: `at` in the client's time zone, or `at_utc`; and the revision you checked.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ScheduleRequest {
    /// A local date and time in the client's time zone, e.g. `2026-12-01T09:00`.
    #[serde(default)]
    #[schema(example = "2026-12-01T09:00")]
    pub at: Option<String>,
    /// An instant in RFC 3339, e.g. `2026-12-01T14:00:00Z`, instead of `at`.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "2026-12-01T14:00:00Z")]
    pub at_utc: Option<String>,
    /// The revision of the post you are scheduling: if someone saved it since, this is refused with 409.
    pub revision: u32,
}

/// Where and when a post's variants go out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PostSchedule {
    pub post_id: PostId,
    /// The post's publishing state over its variants: `unscheduled` (none), the one state all its publications
    /// share (`scheduled`, `paused`, `publishing`, `published`, `failed`, `needs_attention`), or `mixed`.
    #[schema(example = "scheduled")]
    pub status: String,
    /// One per scheduled variant, in the post's order.
    pub publications: Vec<PublicationRecord>,
    /// Something to know about the time chosen, e.g. that it happens twice in the client's time zone.
    pub note: Option<String>,
}

impl PostSchedule {
    fn new(post_id: PostId, publications: Vec<PublicationRecord>, note: Option<String>) -> Self {
        let mut states = publications.iter().map(|p| p.publication.state_name());
        let status = match states.next() {
            None => "unscheduled",
            Some(first) if states.all(|s| s == first) => first,
            Some(_) => "mixed",
        };
        PostSchedule { post_id, status: status.to_string(), publications, note }
    }
}

/// Schedules every variant of the post at one time; scheduling again moves it.
pub async fn schedule_post(
    state: &AppState,
    actor: &Actor,
    id: PostId,
    request: &ScheduleRequest,
    now: DateTime<Utc>,
) -> AppResult<PostSchedule> {
    let post = post(state, actor, id).await?;
    super::posts::may_edit(actor, post.client_id, "post")?;
    // The check below reads the post as it is now: it must be the revision being scheduled (the store checks
    // the revision again in its transaction, so a save in between is refused there).
    if post.revision != request.revision {
        return Err(AppError::Conflict {
            field: "revision",
            message: format!(
                "someone else saved this post since you opened it (now revision {}); reload before scheduling it",
                post.revision
            ),
        });
    }
    let client = super::client(state, actor, post.client_id).await?;

    let (at, note) = match (request.at.as_deref(), request.at_utc.as_deref()) {
        (Some(local), None) => {
            let resolved = LocalTime::parse("at", local)?.resolve("at", &client.time_zone)?;
            (resolved.at, resolved.note)
        }
        (None, Some(utc)) => {
            let at = DateTime::parse_from_rfc3339(utc.trim()).map_err(|_| {
                AppError::invalid("at_utc", format!("'{utc}' is not an RFC 3339 instant such as 2026-12-01T14:00:00Z"))
            })?;
            (at.with_timezone(&Utc), None)
        }
        (Some(_), Some(_)) => return Err(AppError::invalid("at", "give either `at` or `at_utc`, not both")),
        (None, None) => {
            return Err(AppError::invalid("at", "say when: `at` in the client's time zone, or `at_utc`"));
        }
    };
    let field = if request.at.is_some() { "at" } else { "at_utc" };
    check_future(field, at, now)?;
    if post.variants.is_empty() {
        return Err(AppError::invalid("variants", "the post has no variant to publish; add a network first"));
    }

    // Every error of the post check blocks scheduling; they are all listed, per variant field.
    let check = check_post(state, actor, id).await?;
    let errors: Vec<FieldError> = check
        .variants
        .iter()
        .enumerate()
        .flat_map(|(i, variant)| {
            variant.issues.iter().filter(|issue| issue.severity == IssueSeverity::Error).map(move |issue| FieldError {
                field: format!("variants[{i}].{}", issue.field),
                message: format!("{}: {}", variant.network.display_name(), issue.message),
            })
        })
        .collect();
    if !errors.is_empty() {
        return Err(Invalid { errors }.into());
    }

    let accounts = state.store.list_accounts(actor.organization, post.client_id).await?;
    let mut problems = Vec::new();
    let mut plans = Vec::new();
    for (i, variant) in post.variants.iter().enumerate() {
        let network = variant.network.display_name();
        let on_network: Vec<_> = accounts.iter().filter(|a| a.network == variant.network).collect();
        match on_network.iter().find(|a| a.status == AccountStatus::Connected) {
            Some(account) => plans.push(PublicationPlan {
                variant_id: variant.id,
                account_id: account.id,
                publication: Publication::Scheduled { at },
            }),
            None => {
                let message = match on_network.iter().find(|a| a.status == AccountStatus::NeedsReconnect) {
                    Some(account) => format!(
                        "the {network} account {} needs to be connected again ({}); reconnect it first",
                        account.handle, account.status_reason
                    ),
                    None => match on_network.first() {
                        Some(account) => format!(
                            "the {network} account {} is disconnected; connect a {network} account for this client \
                             first",
                            account.handle
                        ),
                        None => format!("connect a {network} account for this client first"),
                    },
                };
                problems.push(FieldError { field: format!("variants[{i}].network"), message });
            }
        }
    }
    if !problems.is_empty() {
        return Err(Invalid { errors: problems }.into());
    }

    let jobs: Vec<NewJob> = plans
        .iter()
        .map(|plan| NewJob {
            kind: PUBLISH_JOB_KIND.to_string(),
            payload: serde_json::json!({ "variant_id": plan.variant_id }),
            run_at: at,
            max_attempts: PUBLISH_ATTEMPTS,
            unique_key: Some(publish_job_key(plan.variant_id)),
        })
        .collect();
    let publications =
        state.store.schedule_post(actor.organization, id, request.revision, &plans, &jobs).await.map_err(
            |e| match e {
                // An account disconnected between the look-up and the transaction.
                StoreError::Conflict { field: "account", message }
                | StoreError::Conflict { field: "publication", message } => AppError::invalid("variants", message),
                StoreError::NotFound("account") => {
                    AppError::invalid("variants", "an account of this client was removed meanwhile; try again")
                }
                other => other.into(),
            },
        )?;
    Ok(PostSchedule::new(id, publications, note))
}

/// Takes back the post's scheduled and paused publications with their jobs.
pub async fn unschedule_post(state: &AppState, actor: &Actor, id: PostId) -> AppResult<PostSchedule> {
    let post = post(state, actor, id).await?;
    super::posts::may_edit(actor, post.client_id, "post")?;
    let left = state.store.unschedule_post(actor.organization, id).await?;
    Ok(PostSchedule::new(id, left, None))
}

/// The post's publications, if the actor sees its client.
pub async fn publications(state: &AppState, actor: &Actor, id: PostId) -> AppResult<PostSchedule> {
    post(state, actor, id).await?;
    let publications = state.store.publications(actor.organization, id).await?;
    Ok(PostSchedule::new(id, publications, None))
}
