//! What Chorus does, once, for the API, the pages and the CLI alike: each operation checks the actor's
//! permission, validates what the domain cannot check alone, and calls the store.

pub mod accounts;
pub mod asset_requests;
pub mod feeds;
pub mod import;
pub mod media;
pub mod posts;
pub mod schedule;
pub mod strategy;

use chorus_domain::person::check_access;
use chorus_domain::{
    Action, Actor, ApiTokenId, Client, ClientAccess, ClientChanges, ClientId, Email, Invalid, InvitationId, NewClient,
    Organization, OrganizationName, Page, PageRequest, Password, Person, PersonId, PersonName, Role, TokenScope,
    authorize,
};
use chorus_store::{
    ApiToken, ArchivedFilter, ClientQuery, Invitation, NewPerson, PeopleQuery, PersonChanges, StoreError,
};
use chrono::Utc;
use serde::Deserialize;

use crate::auth::{password, tokens};
use crate::{AppError, AppResult, AppState};

// ---- organization ----------------------------------------------------------------------------------------

/// First-run setup: the organization and its first owner. Refused once any organization exists.
pub async fn set_up(
    state: &AppState,
    organization: &OrganizationName,
    name: PersonName,
    email: Email,
    password: &Password,
) -> AppResult<(Organization, Person)> {
    if !state.store.needs_setup().await? {
        return Err(AppError::Forbidden("Chorus is already set up; sign in instead.".into()));
    }
    let owner = NewPerson {
        email,
        name,
        role: Role::Owner,
        client_access: ClientAccess::All,
        password_hash: Some(password::hash(password).await?),
    };
    Ok(state.store.create_organization(organization, owner).await?)
}

pub async fn organization(state: &AppState, actor: &Actor) -> AppResult<Organization> {
    authorize(actor, Action::ViewOrganization)?;
    Ok(state.store.organization(actor.organization).await?)
}

pub async fn rename_organization(state: &AppState, actor: &Actor, name: &OrganizationName) -> AppResult<Organization> {
    authorize(actor, Action::EditOrganization)?;
    Ok(state.store.rename_organization(actor.organization, name).await?)
}

// ---- clients ---------------------------------------------------------------------------------------------

pub async fn list_clients(
    state: &AppState,
    actor: &Actor,
    archived: ArchivedFilter,
    search: Option<String>,
    page: &PageRequest,
) -> AppResult<Page<Client>> {
    let query = ClientQuery { access: actor.access.clone(), archived, search: search.filter(|s| !s.trim().is_empty()) };
    Ok(state.store.list_clients(actor.organization, &query, page).await?)
}

pub async fn client(state: &AppState, actor: &Actor, id: ClientId) -> AppResult<Client> {
    authorize(actor, Action::ViewClient(id)).map_err(|_| AppError::NotFound("client"))?;
    Ok(state.store.client(actor.organization, id).await?)
}

pub async fn create_client(state: &AppState, actor: &Actor, new: NewClient) -> AppResult<Client> {
    authorize(actor, Action::CreateClient)?;
    let grant_to = (!actor.role.sees_every_client()).then_some(actor.person);
    Ok(state.store.create_client(actor.organization, new, grant_to).await?)
}

pub async fn update_client(state: &AppState, actor: &Actor, id: ClientId, changes: ClientChanges) -> AppResult<Client> {
    authorize_client_edit(actor, id)?;
    Ok(state.store.update_client(actor.organization, id, changes).await?)
}

pub async fn set_client_archived(state: &AppState, actor: &Actor, id: ClientId, archived: bool) -> AppResult<Client> {
    authorize_client_edit(actor, id)?;
    Ok(state.store.set_client_archived(actor.organization, id, archived).await?)
}

fn authorize_client_edit(actor: &Actor, id: ClientId) -> AppResult<()> {
    authorize(actor, Action::EditClient(id)).map_err(|denied| match denied {
        chorus_domain::Denied::NotFound => AppError::NotFound("client"),
        other => other.into(),
    })
}

// ---- people ----------------------------------------------------------------------------------------------

pub async fn list_people(
    state: &AppState,
    actor: &Actor,
    include_deactivated: bool,
    page: &PageRequest,
) -> AppResult<Page<Person>> {
    authorize(actor, Action::ViewPeople)?;
    let query = PeopleQuery { client_users_of: actor.access.clone(), include_deactivated };
    Ok(state.store.list_people(actor.organization, &query, page).await?)
}

pub async fn person(state: &AppState, actor: &Actor, id: PersonId) -> AppResult<Person> {
    let person = state.store.person(actor.organization, id).await?;
    authorize(actor, Action::ViewPerson(&person)).map_err(|_| AppError::NotFound("person"))?;
    Ok(person)
}

/// A change to a person; fields left out stay as they are.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct PersonUpdate {
    pub name: Option<PersonName>,
    pub role: Option<Role>,
    pub client_access: Option<ClientAccess>,
    /// `true` deactivates (signs them out everywhere; their work stays), `false` reactivates.
    pub deactivated: Option<bool>,
}

pub async fn update_person(state: &AppState, actor: &Actor, id: PersonId, update: PersonUpdate) -> AppResult<Person> {
    let target = person(state, actor, id).await?;
    let new_role = update.role.unwrap_or(target.role);
    let touches_standing = update.role.is_some() || update.client_access.is_some() || update.deactivated.is_some();
    // Renaming yourself is always allowed; anything else is managing a person.
    if touches_standing || target.id != actor.person {
        authorize(actor, Action::ChangePerson { target: &target, new_role })?;
    }
    if update.deactivated == Some(true) && target.id == actor.person {
        return Err(AppError::Forbidden("You cannot deactivate yourself; ask another owner or admin.".into()));
    }

    // Changing to or from "sees everything" needs a matching access list.
    let access = match (&update.client_access, new_role.sees_every_client()) {
        (Some(a), _) => Some(a.clone()),
        (None, true) if target.client_access != ClientAccess::All => Some(ClientAccess::All),
        (None, _) => None,
    };
    let effective_access = access.clone().unwrap_or_else(|| target.client_access.clone());
    check_access(new_role, &effective_access)?;
    check_clients_exist(state, actor, &effective_access).await?;

    let loses_owner = target.role == Role::Owner
        && target.is_active()
        && (new_role != Role::Owner || update.deactivated == Some(true));
    if loses_owner && state.store.count_active_owners(actor.organization).await? <= 1 {
        return Err(AppError::Conflict {
            field: "role",
            message: "this is the last owner; make someone else an owner first".into(),
        });
    }

    let changes =
        PersonChanges { name: update.name, role: update.role, client_access: access, deactivated: update.deactivated };
    let updated = state.store.update_person(actor.organization, id, changes).await?;
    if update.deactivated == Some(true) {
        state.store.delete_sessions_of(actor.organization, id).await?;
    }
    Ok(updated)
}

/// Every client named in an access list must exist in the organization and be visible to the actor.
async fn check_clients_exist(state: &AppState, actor: &Actor, access: &ClientAccess) -> AppResult<()> {
    if let ClientAccess::Only(ids) = access {
        for id in ids {
            let visible = actor.can(Action::ViewClient(*id));
            let exists = match state.store.client(actor.organization, *id).await {
                Ok(_) => true,
                Err(StoreError::NotFound(_)) => false,
                Err(e) => return Err(e.into()),
            };
            if !visible || !exists {
                return Err(Invalid::field("client_access", format!("there is no client with id {id}")).into());
            }
        }
    }
    Ok(())
}

// ---- invitations -----------------------------------------------------------------------------------------

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct InvitationRequest {
    pub email: Email,
    pub name: PersonName,
    pub role: Role,
    /// Defaults to every client for owners and admins; required for everyone else.
    pub client_access: Option<ClientAccess>,
}

/// Invites someone; returns the invitation and the secret link that lets them choose a password (shown once).
pub async fn invite(
    state: &AppState,
    actor: &Actor,
    request: InvitationRequest,
    base_url: &str,
) -> AppResult<(Invitation, String)> {
    authorize(actor, Action::InvitePerson(request.role))?;
    let access = match request.client_access {
        Some(a) => a,
        None if request.role.sees_every_client() => ClientAccess::All,
        None => return Err(AppError::invalid("client_access", "choose the clients this person works on")),
    };
    check_access(request.role, &access)?;
    check_clients_exist(state, actor, &access).await?;
    if state.store.credentials_by_email(&request.email).await?.is_some() {
        return Err(AppError::Conflict { field: "email", message: format!("someone already uses {}", request.email) });
    }
    let secret = tokens::random_secret();
    let now = Utc::now();
    let lifetime = chrono::Duration::from_std(state.config.invitation_lifetime).unwrap_or(chrono::Duration::days(7));
    let invitation = Invitation {
        id: InvitationId::new(),
        organization_id: actor.organization,
        email: request.email,
        name: request.name,
        role: request.role,
        client_access: access,
        invited_by: actor.person,
        created_at: now,
        expires_at: now + lifetime,
    };
    state.store.create_invitation(&invitation, &tokens::hash(&secret)).await?;
    Ok((invitation, format!("{}/invitations/{secret}", base_url.trim_end_matches('/'))))
}

pub async fn list_invitations(state: &AppState, actor: &Actor) -> AppResult<Vec<Invitation>> {
    authorize(actor, Action::InvitePerson(Role::Client))?;
    let all = state.store.list_invitations(actor.organization).await?;
    Ok(all.into_iter().filter(|i| invitation_visible(actor, i)).collect())
}

fn invitation_visible(actor: &Actor, invitation: &Invitation) -> bool {
    match &invitation.client_access {
        ClientAccess::All => true,
        ClientAccess::Only(ids) => ids.iter().all(|id| actor.access.allows(*id)),
    }
}

pub async fn revoke_invitation(state: &AppState, actor: &Actor, id: InvitationId) -> AppResult<()> {
    let invitations = list_invitations(state, actor).await?;
    let invitation = invitations.iter().find(|i| i.id == id).ok_or(AppError::NotFound("invitation"))?;
    authorize(actor, Action::InvitePerson(invitation.role))?;
    Ok(state.store.revoke_invitation(actor.organization, id).await?)
}

/// The invitation behind a secret link, if it is still open.
pub async fn open_invitation(state: &AppState, secret: &str) -> AppResult<Invitation> {
    state.store.invitation_by_hash(&tokens::hash(secret), Utc::now()).await?.ok_or(AppError::NotFound("invitation"))
}

pub async fn accept_invitation(state: &AppState, secret: &str, password: &Password) -> AppResult<Person> {
    let invitation = open_invitation(state, secret).await?;
    let hash = password::hash(password).await?;
    Ok(state.store.accept_invitation(invitation.id, &hash, Utc::now()).await?)
}

// ---- API tokens ------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct TokenRequest {
    /// What the token is for, e.g. "Zapier" or "nightly export".
    pub name: String,
    pub scope: TokenScope,
    /// Days until the token stops working; none for no expiry.
    pub expires_in_days: Option<u32>,
}

pub async fn list_tokens(state: &AppState, actor: &Actor) -> AppResult<Vec<ApiToken>> {
    authorize(actor, Action::ViewOwnTokens)?;
    Ok(state.store.list_api_tokens(actor.organization, actor.person).await?)
}

/// Creates a token for the actor; returns it and its secret, which is never shown again.
pub async fn create_token(state: &AppState, actor: &Actor, request: TokenRequest) -> AppResult<(ApiToken, String)> {
    authorize(actor, Action::ManageOwnTokens)?;
    let name = request.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::invalid("name", "give the token a name of 1 to 100 characters"));
    }
    if request.expires_in_days.is_some_and(|d| !(1..=3650).contains(&d)) {
        return Err(AppError::invalid("expires_in_days", "must be between 1 and 3650 days"));
    }
    let (secret, prefix) = tokens::new_api_token();
    let now = Utc::now();
    let token = ApiToken {
        id: ApiTokenId::new(),
        organization_id: actor.organization,
        person_id: actor.person,
        name: name.to_string(),
        scope: request.scope,
        prefix,
        created_at: now,
        last_used_at: None,
        expires_at: request.expires_in_days.map(|d| now + chrono::Duration::days(i64::from(d))),
        revoked_at: None,
    };
    state.store.create_api_token(&token, &tokens::hash(&secret)).await?;
    Ok((token, secret))
}

pub async fn revoke_token(state: &AppState, actor: &Actor, id: ApiTokenId) -> AppResult<ApiToken> {
    authorize(actor, Action::ManageOwnTokens)?;
    Ok(state.store.revoke_api_token(actor.organization, actor.person, id, Utc::now()).await?)
}
