//! A client's strategy page: pillars, goals and brand voice.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chorus_domain::strategy::{HashtagGroup, Snippet};
use chorus_domain::{
    Action, BrandVoice, Client, ClientId, Colour, Goal, GoalFields, GoalId, GoalMetric, GoalPeriod, Invalid, Pillar,
    PillarFields, PillarId, PillarName,
};

use super::{FormState, Layout, NoticeQuery, Section, error_page, notice, render};
use crate::auth::PageActor;
use crate::services::{self, strategy as service};
use crate::{AppError, AppState};

type Fields = HashMap<String, String>;

#[derive(Template)]
#[template(path = "strategy.html")]
struct StrategyPage {
    layout: Layout,
    client: Client,
    pillars: Vec<Pillar>,
    goals: Vec<Goal>,
    can_edit: bool,
    pillar_form: FormState,
    goal_form: FormState,
    voice_form: FormState,
    metrics: [GoalMetric; 6],
    periods: [GoalPeriod; 3],
}

impl StrategyPage {
    fn planned_mix(&self) -> u32 {
        self.pillars.iter().map(|p| u32::from(p.target_share)).sum()
    }
}

/// Which of the page's forms failed, to show its errors and keep what was typed.
enum Failed {
    Nothing,
    Pillar(FormState),
    Goal(FormState),
    Voice(FormState),
}

fn voice_values(voice: &BrandVoice) -> Fields {
    let groups =
        voice.hashtag_groups.iter().map(|g| format!("{}: {}", g.name, g.hashtags.join(" "))).collect::<Vec<_>>();
    let snippets = voice.snippets.iter().map(|s| format!("{}: {}", s.name, s.text)).collect::<Vec<_>>();
    HashMap::from([
        ("banned_words".to_string(), voice.banned_words.join("\n")),
        ("required_disclosures".to_string(), voice.required_disclosures.join("\n")),
        ("hashtag_groups".to_string(), groups.join("\n")),
        ("snippets".to_string(), snippets.join("\n")),
    ])
}

async fn page(
    state: &AppState,
    actor: &PageActor,
    client_id: ClientId,
    failed: Failed,
) -> Result<StrategyPage, AppError> {
    let client = services::client(state, &actor.actor, client_id).await?;
    let pillars = service::pillars(state, &actor.actor, client_id).await?;
    let goals = service::goals(state, &actor.actor, client_id).await?;
    let voice = service::brand_voice(state, &actor.actor, client_id).await?;
    let defaults =
        |pairs: &[(&str, &str)]| FormState::new(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect());
    let mut pillar_form = defaults(&[("colour", "#3a3fd4"), ("target_share", "0")]);
    let mut goal_form = defaults(&[("metric", "follower_growth"), ("period", "month")]);
    let mut voice_form = FormState::new(voice_values(&voice));
    match failed {
        Failed::Nothing => {}
        Failed::Pillar(f) => pillar_form = f,
        Failed::Goal(f) => goal_form = f,
        Failed::Voice(f) => voice_form = f,
    }
    Ok(StrategyPage {
        layout: Layout::signed_in(format!("{} · Strategy", client.name), Section::Clients, actor),
        can_edit: actor.actor.can(Action::EditClient(client.id)),
        client,
        pillars,
        goals,
        pillar_form,
        goal_form,
        voice_form,
        metrics: GoalMetric::ALL,
        periods: GoalPeriod::ALL,
    })
}

pub async fn show(
    State(state): State<AppState>,
    actor: PageActor,
    Path(client): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> Response {
    let Ok(client) = client.parse::<ClientId>() else { return error_page(AppError::NotFound("client")) };
    match page(&state, &actor, client, Failed::Nothing).await {
        Ok(mut p) => {
            p.layout = p.layout.with_notice(notice(query.notice.as_deref()));
            render(StatusCode::OK, &p)
        }
        Err(e) => error_page(e),
    }
}

/// After a change: back to the page, or the page again with the failed form's errors.
async fn finish(
    state: &AppState,
    actor: &PageActor,
    client: ClientId,
    result: Result<(), AppError>,
    notice_key: &str,
    failed: impl FnOnce(&AppError) -> Failed,
) -> Response {
    match result {
        Ok(()) => Redirect::to(&format!("/clients/{client}/strategy?notice={notice_key}")).into_response(),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. } | AppError::Forbidden(_))) => {
            match page(state, actor, client, failed(&e)).await {
                Ok(p) => render(e.status(), &p),
                Err(other) => error_page(other),
            }
        }
        Err(e) => error_page(e),
    }
}

fn parse_pillar(values: &Fields) -> Result<PillarFields, Invalid> {
    let get = |k: &str| values.get(k).map(String::as_str).unwrap_or("");
    let mut check = chorus_domain::validation::Checker::default();
    let name = check.check(PillarName::parse(get("name")));
    let colour = check.check(Colour::parse(get("colour")));
    let share = check.check(
        get("target_share")
            .trim()
            .parse::<u8>()
            .ok()
            .filter(|s| *s <= 100)
            .ok_or_else(|| Invalid::field("target_share", "must be a whole percentage from 0 to 100")),
    );
    check.finish()?;
    match (name, colour, share) {
        (Some(name), Some(colour), Some(target_share)) => {
            Ok(PillarFields { name, colour, target_share, description: get("description").trim().to_string() })
        }
        _ => Err(Invalid::field("form", "incomplete form")),
    }
}

pub async fn create_pillar(
    State(state): State<AppState>,
    actor: PageActor,
    Path(client): Path<String>,
    Form(values): Form<Fields>,
) -> Response {
    let Ok(client) = client.parse::<ClientId>() else { return error_page(AppError::NotFound("client")) };
    let result = match parse_pillar(&values) {
        Ok(fields) => service::create_pillar(&state, &actor.actor, client, fields).await.map(|_| ()),
        Err(e) => Err(e.into()),
    };
    finish(&state, &actor, client, result, "pillar-added", |e| Failed::Pillar(FormState::new(values).with_error(e)))
        .await
}

pub async fn delete_pillar(
    State(state): State<AppState>,
    actor: PageActor,
    Path((client, pillar)): Path<(String, String)>,
) -> Response {
    let (Ok(client), Ok(pillar)) = (client.parse::<ClientId>(), pillar.parse::<PillarId>()) else {
        return error_page(AppError::NotFound("pillar"));
    };
    let result = service::delete_pillar(&state, &actor.actor, client, pillar).await;
    finish(&state, &actor, client, result, "pillar-removed", |_| Failed::Nothing).await
}

fn parse_goal(values: &Fields) -> Result<GoalFields, Invalid> {
    let get = |k: &str| values.get(k).map(String::as_str).unwrap_or("");
    let mut check = chorus_domain::validation::Checker::default();
    let metric = check.check(GoalMetric::parse(get("metric")));
    let period = check.check(GoalPeriod::parse(get("period")));
    let target = check.check(
        get("target")
            .trim()
            .replace(',', ".")
            .parse::<f64>()
            .map_err(|_| Invalid::field("target", "write the target as a number, e.g. 500 or 4.5")),
    );
    check.finish()?;
    match (metric, period, target) {
        (Some(metric), Some(period), Some(target)) => {
            Ok(GoalFields { metric, target, period, note: get("note").trim().to_string() })
        }
        _ => Err(Invalid::field("form", "incomplete form")),
    }
}

pub async fn create_goal(
    State(state): State<AppState>,
    actor: PageActor,
    Path(client): Path<String>,
    Form(values): Form<Fields>,
) -> Response {
    let Ok(client) = client.parse::<ClientId>() else { return error_page(AppError::NotFound("client")) };
    let result = match parse_goal(&values) {
        Ok(fields) => service::create_goal(&state, &actor.actor, client, fields).await.map(|_| ()),
        Err(e) => Err(e.into()),
    };
    finish(&state, &actor, client, result, "goal-added", |e| Failed::Goal(FormState::new(values).with_error(e))).await
}

pub async fn delete_goal(
    State(state): State<AppState>,
    actor: PageActor,
    Path((client, goal)): Path<(String, String)>,
) -> Response {
    let (Ok(client), Ok(goal)) = (client.parse::<ClientId>(), goal.parse::<GoalId>()) else {
        return error_page(AppError::NotFound("goal"));
    };
    let result = service::delete_goal(&state, &actor.actor, client, goal).await;
    finish(&state, &actor, client, result, "goal-removed", |_| Failed::Nothing).await
}

fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().map(str::trim).enumerate().filter(|(_, l)| !l.is_empty()).map(|(i, l)| (i + 1, l))
}

/// Reads the brand voice form: plain lists one per line, groups and snippets as `Name: …`.
fn parse_voice(values: &Fields) -> Result<BrandVoice, Invalid> {
    let get = |k: &str| values.get(k).map(String::as_str).unwrap_or("");
    let named = |field: &str, example: &str| -> Result<Vec<(String, String)>, Invalid> {
        lines(get(field))
            .map(|(n, line)| match line.split_once(':') {
                Some((name, rest)) if !name.trim().is_empty() => Ok((name.trim().to_string(), rest.trim().to_string())),
                _ => Err(Invalid::field(field, format!("line {n}: write it as {example}"))),
            })
            .collect()
    };
    let mut check = chorus_domain::validation::Checker::default();
    let groups = check.check(named("hashtag_groups", "Name: #tag #tag"));
    let snippets = check.check(named("snippets", "Name: text"));
    check.finish()?;
    Ok(BrandVoice {
        banned_words: lines(get("banned_words")).map(|(_, l)| l.to_string()).collect(),
        required_disclosures: lines(get("required_disclosures")).map(|(_, l)| l.to_string()).collect(),
        hashtag_groups: groups
            .unwrap_or_default()
            .into_iter()
            .map(|(name, tags)| HashtagGroup { name, hashtags: tags.split_whitespace().map(str::to_string).collect() })
            .collect(),
        snippets: snippets.unwrap_or_default().into_iter().map(|(name, text)| Snippet { name, text }).collect(),
    })
}

pub async fn set_brand_voice(
    State(state): State<AppState>,
    actor: PageActor,
    Path(client): Path<String>,
    Form(values): Form<Fields>,
) -> Response {
    let Ok(client) = client.parse::<ClientId>() else { return error_page(AppError::NotFound("client")) };
    let result = match parse_voice(&values) {
        Ok(voice) => service::set_brand_voice(&state, &actor.actor, client, voice).await.map(|_| ()),
        Err(e) => Err(e.into()),
    };
    finish(&state, &actor, client, result, "voice-saved", |e| Failed::Voice(FormState::new(values).with_error(e))).await
}
