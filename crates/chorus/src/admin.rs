//! `chorus admin …`: administration from the command line, for first installs and scripts.

use std::io::BufRead;

use anyhow::Context;
use chorus_domain::{ClientAccess, Email, OrganizationName, Password, PersonName, Role};
use chorus_store::NewPerson;

use crate::cli::CreateUserArgs;
use crate::database;
use crate::settings::{bad, bad_setting, database_location};

pub async fn create_user(args: CreateUserArgs) -> anyhow::Result<()> {
    let email = Email::parse(&args.email).map_err(|e| bad(format!("--email: {}", message(&e))))?;
    let name = PersonName::parse(&args.name).map_err(|e| bad(format!("--name: {}", message(&e))))?;
    let role: Role = args.role.parse().map_err(|e| bad(format!("--role: {}", message(&e))))?;
    if role == Role::Client {
        bad_setting!("--role: client users belong to one client; invite them from the client's People page instead");
    }
    let (password, generated) = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).context("cannot read the password from standard input")?;
        let line = line.trim_end_matches(['\r', '\n']);
        (Password::parse(line).map_err(|e| bad(format!("the password on standard input: {}", message(&e))))?, false)
    } else {
        let text = chorus_web::auth::tokens::random_secret();
        (Password::parse(&text).map_err(|e| anyhow::anyhow!("{}", message(&e)))?, true)
    };

    let (store, _) = database::open(&database_location(&args.database)?).await?;
    let hash = chorus_web::auth::password::hash(&password).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let access = if role.sees_every_client() { ClientAccess::All } else { ClientAccess::Only(Default::default()) };
    let new = NewPerson { email: email.clone(), name, role, client_access: access, password_hash: Some(hash) };

    let organization = match store.first_organization().await? {
        Some(org) => {
            store.create_person(org.id, new).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            org
        }
        None => {
            if role != Role::Owner {
                bad_setting!("--role: this installation has no organization yet, so its first person must be an owner");
            }
            let org_name = OrganizationName::parse(&args.organization)
                .map_err(|e| bad(format!("--organization: {}", message(&e))))?;
            store.create_organization(&org_name, new).await.map_err(|e| anyhow::anyhow!("{e}"))?.0
        }
    };
    println!("Created {role} {email} in {}.", organization.name);
    if generated {
        println!("Password (shown once): {}", password.expose());
    }
    Ok(())
}

fn message(invalid: &chorus_domain::Invalid) -> String {
    invalid.errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("; ")
}
