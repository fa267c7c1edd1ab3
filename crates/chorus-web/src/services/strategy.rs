//! A client's strategy: pillars, goals and brand voice. Everyone who sees the client sees its strategy;
//! those who may edit the client edit it.

use chorus_domain::strategy::check_pillar_mix;
use chorus_domain::{
    Action, Actor, BrandVoice, ClientId, Goal, GoalFields, GoalId, Pillar, PillarFields, PillarId, VoiceIssue,
    authorize,
};

use super::client;
use crate::{AppError, AppResult, AppState};

fn may_edit(actor: &Actor, client: ClientId) -> AppResult<()> {
    authorize(actor, Action::EditClient(client)).map_err(|denied| match denied {
        chorus_domain::Denied::NotFound => AppError::NotFound("client"),
        other => other.into(),
    })
}

pub async fn pillars(state: &AppState, actor: &Actor, client_id: ClientId) -> AppResult<Vec<Pillar>> {
    client(state, actor, client_id).await?;
    Ok(state.store.list_pillars(actor.organization, client_id).await?)
}

/// The other pillars' shares plus this one's must stay within 100%.
async fn check_mix(
    state: &AppState,
    actor: &Actor,
    client_id: ClientId,
    replacing: Option<PillarId>,
    share: u8,
) -> AppResult<()> {
    let others = state.store.list_pillars(actor.organization, client_id).await?;
    let shares = others.iter().filter(|p| Some(p.id) != replacing).map(|p| p.target_share).chain([share]);
    Ok(check_pillar_mix(shares)?)
}

pub async fn create_pillar(
    state: &AppState,
    actor: &Actor,
    client_id: ClientId,
    fields: PillarFields,
) -> AppResult<Pillar> {
    may_edit(actor, client_id)?;
    fields.check()?;
    check_mix(state, actor, client_id, None, fields.target_share).await?;
    Ok(state.store.create_pillar(actor.organization, client_id, &fields).await?)
}

pub async fn update_pillar(
    state: &AppState,
    actor: &Actor,
    client_id: ClientId,
    id: PillarId,
    fields: PillarFields,
) -> AppResult<Pillar> {
    may_edit(actor, client_id)?;
    fields.check()?;
    check_mix(state, actor, client_id, Some(id), fields.target_share).await?;
    Ok(state.store.update_pillar(actor.organization, client_id, id, &fields).await?)
}

pub async fn delete_pillar(state: &AppState, actor: &Actor, client_id: ClientId, id: PillarId) -> AppResult<()> {
    may_edit(actor, client_id)?;
    Ok(state.store.delete_pillar(actor.organization, client_id, id).await?)
}

pub async fn goals(state: &AppState, actor: &Actor, client_id: ClientId) -> AppResult<Vec<Goal>> {
    client(state, actor, client_id).await?;
    Ok(state.store.list_goals(actor.organization, client_id).await?)
}

pub async fn create_goal(state: &AppState, actor: &Actor, client_id: ClientId, fields: GoalFields) -> AppResult<Goal> {
    may_edit(actor, client_id)?;
    fields.check()?;
    Ok(state.store.create_goal(actor.organization, client_id, &fields).await?)
}

pub async fn update_goal(
    state: &AppState,
    actor: &Actor,
    client_id: ClientId,
    id: GoalId,
    fields: GoalFields,
) -> AppResult<Goal> {
    may_edit(actor, client_id)?;
    fields.check()?;
    Ok(state.store.update_goal(actor.organization, client_id, id, &fields).await?)
}

pub async fn delete_goal(state: &AppState, actor: &Actor, client_id: ClientId, id: GoalId) -> AppResult<()> {
    may_edit(actor, client_id)?;
    Ok(state.store.delete_goal(actor.organization, client_id, id).await?)
}

pub async fn brand_voice(state: &AppState, actor: &Actor, client_id: ClientId) -> AppResult<BrandVoice> {
    client(state, actor, client_id).await?;
    Ok(state.store.brand_voice(actor.organization, client_id).await?)
}

pub async fn set_brand_voice(
    state: &AppState,
    actor: &Actor,
    client_id: ClientId,
    voice: BrandVoice,
) -> AppResult<BrandVoice> {
    may_edit(actor, client_id)?;
    let voice = voice.normalized()?;
    state.store.set_brand_voice(actor.organization, client_id, &voice).await?;
    Ok(voice)
}

/// What the composer shows as someone types: the brand voice rules this text breaks.
pub async fn check_voice(
    state: &AppState,
    actor: &Actor,
    client_id: ClientId,
    text: &str,
    sponsored: bool,
) -> AppResult<Vec<VoiceIssue>> {
    Ok(brand_voice(state, actor, client_id).await?.check(text, sponsored))
}
