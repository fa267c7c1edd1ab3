//! Who may do what: the one place where roles turn into yes or no.
//!
//! Handlers ask [`authorize`] before they act, and storage queries take the actor's [`ClientAccess`] so
//! lists never contain what the actor may not see.

use serde::{Deserialize, Serialize};

use crate::{ClientAccess, ClientId, OrganizationId, Person, PersonId, Role};

/// What an API token may do on top of its owner's own limits: a token is never more powerful than the
/// person who made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TokenScope {
    /// Reads only.
    Read,
    /// Reads and changes, as far as the owner's role allows.
    Write,
}

impl TokenScope {
    pub fn as_str(&self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::Write => "write",
        }
    }
}

/// Someone acting: a signed-in person, or a script using one of their API tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub person: PersonId,
    pub organization: OrganizationId,
    pub role: Role,
    pub access: ClientAccess,
    /// Set when the request came with an API token rather than a browser session.
    pub token: Option<TokenScope>,
}

impl Actor {
    pub fn for_person(person: &Person, token: Option<TokenScope>) -> Self {
        Self {
            person: person.id,
            organization: person.organization_id,
            role: person.role,
            access: person.client_access.clone(),
            token,
        }
    }

    pub fn can(&self, action: Action<'_>) -> bool {
        authorize(self, action).is_ok()
    }
}

/// Everything that needs a permission.
#[derive(Debug, Clone, Copy)]
pub enum Action<'a> {
    ViewClient(ClientId),
    CreateClient,
    /// Change a client's settings, archive or restore it.
    EditClient(ClientId),
    ViewPeople,
    ViewPerson(&'a Person),
    /// Invite someone with this role.
    InvitePerson(Role),
    /// Change someone's role, access or standing, from what they are to what they would become.
    ChangePerson {
        target: &'a Person,
        new_role: Role,
    },
    ViewOrganization,
    EditOrganization,
    ViewOwnTokens,
    ManageOwnTokens,
    /// Write, change or delete a client's posts.
    EditContent(ClientId),
}

impl Action<'_> {
    fn changes_something(&self) -> bool {
        matches!(
            self,
            Action::CreateClient
                | Action::EditClient(_)
                | Action::InvitePerson(_)
                | Action::ChangePerson { .. }
                | Action::EditOrganization
                | Action::ManageOwnTokens
                | Action::EditContent(_)
        )
    }
}

/// Why an action was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// The actor may not even know the object exists; answer as if it did not.
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Forbidden(&'static str),
}

/// Decides whether `actor` may do `action`.
pub fn authorize(actor: &Actor, action: Action<'_>) -> Result<(), Denied> {
    use Denied::{Forbidden, NotFound};
    use Role::*;

    // Visibility first: an object out of reach is "not found", whatever the action.
    match action {
        Action::ViewClient(id) | Action::EditClient(id) | Action::EditContent(id) if !actor.access.allows(id) => {
            return Err(NotFound);
        }
        Action::ViewPerson(p) | Action::ChangePerson { target: p, .. } if !sees_person(actor, p) => {
            return Err(NotFound);
        }
        _ => {}
    }

    if action.changes_something() && actor.token == Some(TokenScope::Read) {
        return Err(Forbidden("this API token is read-only"));
    }

    let role = actor.role;
    match action {
        Action::ViewClient(_) | Action::ViewOrganization | Action::ViewOwnTokens => Ok(()),
        Action::ViewPerson(_) => Ok(()),
        Action::ViewPeople if role == Client => Err(Forbidden("client users cannot see the team")),
        Action::ViewPeople => Ok(()),
        Action::CreateClient | Action::EditClient(_) => match role {
            Owner | Admin | Manager => Ok(()),
            Editor => Err(Forbidden("editors cannot change client settings; ask a manager")),
            Analyst => Err(Forbidden("analysts have read-only access")),
            Client => Err(Forbidden("client users cannot change client settings")),
        },
        Action::EditContent(_) => match role {
            Owner | Admin | Manager | Editor => Ok(()),
            Analyst => Err(Forbidden("analysts have read-only access")),
            Client => Err(Forbidden("client users review content; they do not edit it")),
        },
        Action::EditOrganization => match role {
            Owner | Admin => Ok(()),
            _ => Err(Forbidden("only owners and admins can change the organization")),
        },
        Action::InvitePerson(new_role) => match role {
            Owner => Ok(()),
            Admin if new_role == Owner => Err(Forbidden("only owners can make someone an owner")),
            Admin => Ok(()),
            _ => Err(Forbidden("only owners and admins can manage people")),
        },
        Action::ChangePerson { target, new_role } => match role {
            _ if target.id == actor.person && new_role != target.role => {
                Err(Forbidden("you cannot change your own role; ask another owner or admin"))
            }
            Owner => Ok(()),
            Admin if target.role == Owner || new_role == Owner => Err(Forbidden("only owners can manage owners")),
            Admin => Ok(()),
            _ => Err(Forbidden("only owners and admins can manage people")),
        },
        Action::ManageOwnTokens => match actor.token {
            // A token that could mint tokens could outlive its own revocation.
            Some(_) => Err(Forbidden("API tokens cannot create or revoke tokens; sign in to do that")),
            None => Ok(()),
        },
    }
}

/// Staff see all staff; client users are seen only by those who work on their client.
fn sees_person(actor: &Actor, person: &Person) -> bool {
    if person.organization_id != actor.organization {
        return false;
    }
    if person.id == actor.person {
        return true;
    }
    match (&person.role, &person.client_access) {
        (Role::Client, ClientAccess::Only(ids)) => {
            actor.role != Role::Client && ids.iter().all(|id| actor.access.allows(*id))
        }
        _ => actor.role != Role::Client,
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::{Email, PersonName};

    fn person(org: OrganizationId, role: Role, access: ClientAccess) -> Person {
        Person {
            id: PersonId::new(),
            organization_id: org,
            email: Email::parse("a@b.example").unwrap(),
            name: PersonName::parse("A").unwrap(),
            role,
            client_access: access,
            deactivated_at: None,
            created_at: Utc::now(),
        }
    }

    fn only(id: ClientId) -> ClientAccess {
        ClientAccess::Only([id].into_iter().collect())
    }

    #[test]
    fn staff_of_one_client_cannot_see_another() {
        let org = OrganizationId::new();
        let (a, b) = (ClientId::new(), ClientId::new());
        let manager = Actor::for_person(&person(org, Role::Manager, only(a)), None);
        assert_eq!(authorize(&manager, Action::ViewClient(a)), Ok(()));
        assert_eq!(authorize(&manager, Action::EditClient(a)), Ok(()));
        assert_eq!(authorize(&manager, Action::ViewClient(b)), Err(Denied::NotFound));
        assert_eq!(authorize(&manager, Action::EditClient(b)), Err(Denied::NotFound));
    }

    #[test]
    fn client_users_see_only_their_client_and_nobody_elses_people() {
        let org = OrganizationId::new();
        let (a, b) = (ClientId::new(), ClientId::new());
        let user_a = person(org, Role::Client, only(a));
        let user_b = person(org, Role::Client, only(b));
        let actor = Actor::for_person(&user_a, None);
        assert!(actor.can(Action::ViewClient(a)));
        assert!(!actor.can(Action::EditClient(a)));
        assert_eq!(authorize(&actor, Action::ViewPerson(&user_b)), Err(Denied::NotFound));
        assert!(!actor.can(Action::ViewPeople));
        let editor_of_a = Actor::for_person(&person(org, Role::Editor, only(a)), None);
        assert!(editor_of_a.can(Action::ViewPerson(&user_a)));
        assert_eq!(authorize(&editor_of_a, Action::ViewPerson(&user_b)), Err(Denied::NotFound));
    }

    #[test]
    fn analysts_read_and_change_nothing() {
        let org = OrganizationId::new();
        let analyst = Actor::for_person(&person(org, Role::Analyst, ClientAccess::All), None);
        let any = ClientId::new();
        assert!(analyst.can(Action::ViewClient(any)));
        assert_eq!(
            authorize(&analyst, Action::EditClient(any)),
            Err(Denied::Forbidden("analysts have read-only access"))
        );
        assert!(!analyst.can(Action::CreateClient));
        assert!(!analyst.can(Action::InvitePerson(Role::Editor)));
    }

    #[test]
    fn admins_cannot_manage_owners_and_nobody_changes_their_own_role() {
        let org = OrganizationId::new();
        let owner = person(org, Role::Owner, ClientAccess::All);
        let admin_p = person(org, Role::Admin, ClientAccess::All);
        let admin = Actor::for_person(&admin_p, None);
        assert!(!admin.can(Action::InvitePerson(Role::Owner)));
        assert!(admin.can(Action::InvitePerson(Role::Admin)));
        assert!(!admin.can(Action::ChangePerson { target: &owner, new_role: Role::Editor }));
        assert!(!admin.can(Action::ChangePerson { target: &admin_p, new_role: Role::Owner }));
        let o = Actor::for_person(&owner, None);
        assert!(o.can(Action::ChangePerson { target: &admin_p, new_role: Role::Owner }));
        assert!(!o.can(Action::ChangePerson { target: &owner, new_role: Role::Admin }));
    }

    #[test]
    fn editors_write_content_for_their_clients_only() {
        let org = OrganizationId::new();
        let (a, b) = (ClientId::new(), ClientId::new());
        let editor = Actor::for_person(&person(org, Role::Editor, only(a)), None);
        assert!(editor.can(Action::EditContent(a)));
        assert_eq!(authorize(&editor, Action::EditContent(b)), Err(Denied::NotFound));
        let client_user = Actor::for_person(&person(org, Role::Client, only(a)), None);
        assert!(!client_user.can(Action::EditContent(a)));
    }

    #[test]
    fn tokens_are_never_stronger_than_their_owner() {
        let org = OrganizationId::new();
        let editor = person(org, Role::Editor, ClientAccess::All);
        let write_token = Actor::for_person(&editor, Some(TokenScope::Write));
        assert!(!write_token.can(Action::CreateClient), "an editor's token cannot do what the editor cannot");
        let owner = person(org, Role::Owner, ClientAccess::All);
        let read_token = Actor::for_person(&owner, Some(TokenScope::Read));
        assert!(read_token.can(Action::ViewClient(ClientId::new())));
        assert!(!read_token.can(Action::CreateClient));
        let owner_write = Actor::for_person(&owner, Some(TokenScope::Write));
        assert!(owner_write.can(Action::CreateClient));
        assert!(!owner_write.can(Action::ManageOwnTokens));
    }

    #[test]
    fn people_of_another_organization_are_invisible() {
        let mine = person(OrganizationId::new(), Role::Owner, ClientAccess::All);
        let theirs = person(OrganizationId::new(), Role::Editor, ClientAccess::All);
        let actor = Actor::for_person(&mine, None);
        assert_eq!(authorize(&actor, Action::ViewPerson(&theirs)), Err(Denied::NotFound));
    }
}
