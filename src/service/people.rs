//! People and tokens: adding and disabling users, creating and revoking API tokens. The API,
//! the users page and `tanggap user` / `tanggap token` all go through here, so the same rules
//! hold whichever way an admin works.

use super::{now, require, Actor, DomainError, Env, FieldError, Need, Outcome};
use crate::domain::Role;
use crate::store::UserRow;

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// A person to add, as given (checked by [`create_user`]).
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Login name: 2–32 characters of `a-z`, `0-9`, `.`, `_`, `-`.
    pub username: String,
    /// Display name, 1–80 characters.
    pub name: String,
    /// Viewer, responder or admin; `None` when missing or unknown.
    pub role: Option<Role>,
    /// At least 10 characters, at most 1,024 bytes.
    pub password: String,
}

/// Whether a username is 2–32 characters of `a-z`, `0-9`, `.`, `_`, `-`.
pub fn valid_username(u: &str) -> bool {
    (2..=32).contains(&u.len())
        && u.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

/// Every problem of a new user, per field.
fn check(new: &NewUser) -> Vec<FieldError> {
    let mut problems = Vec::new();
    let mut bad = |field: &str, message: &str| {
        problems.push(FieldError {
            index: None,
            field: field.into(),
            message: message.into(),
        })
    };
    if !valid_username(&new.username) {
        bad("username", "must be 2–32 characters of a-z, 0-9, '.', '_', '-'");
    }
    if !(1..=80).contains(&new.name.chars().count()) {
        bad("name", "must be 1–80 characters");
    }
    if !matches!(new.role, Some(Role::Viewer | Role::Responder | Role::Admin)) {
        bad("role", "must be viewer, responder or admin");
    }
    if new.password.chars().count() < MIN_PASSWORD_CHARS {
        bad("password", "must have at least 10 characters");
    } else if new.password.len() > 1024 {
        bad("password", "must have at most 1024 bytes");
    }
    problems
}

/// Adds a person (admins); 409 when the username is taken. The password is hashed with argon2id
/// on a blocking thread.
pub async fn create_user(env: &Env<'_>, actor: &Actor, new: NewUser) -> Outcome<UserRow> {
    require(actor, Need::Admin)?;
    let new = NewUser {
        username: new.username.trim().to_string(),
        name: new.name.trim().to_string(),
        ..new
    };
    let problems = check(&new);
    let Some(role) = new.role.filter(|_| problems.is_empty()) else {
        return Err(DomainError::Invalid(problems));
    };
    let created = crate::auth::create_user(env.store, &new.username, &new.name, role, &new.password).await?;
    if !created {
        return Err(DomainError::Conflict(format!(
            "the username {} is taken",
            new.username
        )));
    }
    tracing::info!(by = %actor.name, username = %new.username, role = role.code(), "user created");
    env.store
        .user(&new.username)
        .await?
        .ok_or(DomainError::NotFound("user"))
}

/// Disables a person and ends their sessions (admins; not themselves); 409 when already
/// disabled. Answers when.
pub async fn disable_user(env: &Env<'_>, actor: &Actor, username: &str) -> Outcome<String> {
    require(actor, Need::Admin)?;
    // The actor's name is a person's username (a machine token's is `token:NAME`).
    if actor.name == username {
        return Err(DomainError::Conflict(
            "you cannot disable your own account".into(),
        ));
    }
    let user = env
        .store
        .user(username)
        .await?
        .ok_or(DomainError::NotFound("user"))?;
    let already = || DomainError::Conflict(format!("{username} is already disabled"));
    if user.disabled_at.is_some() {
        return Err(already());
    }
    let (_, at) = now();
    if !env.store.disable_user(username, &at).await? {
        return Err(already());
    }
    tracing::info!(by = %actor.name, %username, "user disabled");
    Ok(at)
}

/// Creates an API token (admins) and answers it, the only time it is shown. A token that
/// belongs to a person acts as them and can never do more than they may.
pub async fn create_token(
    env: &Env<'_>,
    actor: &Actor,
    name: &str,
    role: Role,
    owner: Option<&str>,
) -> Outcome<String> {
    require(actor, Need::Admin)?;
    if name.trim().is_empty() || name.chars().count() > 64 {
        return Err(DomainError::field("name", "must be 1–64 characters"));
    }
    match crate::auth::create_token(env.store, name, role, owner).await {
        Ok(Some(token)) => Ok(token),
        Ok(None) => Err(DomainError::Conflict(format!(
            "a token named {name:?} already exists"
        ))),
        Err(e) => match e.downcast_ref::<crate::auth::OwnerRefused>() {
            Some(why) => Err(DomainError::field("user", why.0.clone())),
            None => Err(DomainError::Internal(e)),
        },
    }
}

/// Revokes a live token by name (admins).
pub async fn revoke_token(env: &Env<'_>, actor: &Actor, name: &str) -> Outcome<()> {
    require(actor, Need::Admin)?;
    let (_, at) = now();
    if env.store.revoke_token(name, &at).await? {
        Ok(())
    } else {
        Err(DomainError::NotFound("live token"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(username: &str, name: &str, role: Option<Role>, password: &str) -> NewUser {
        NewUser {
            username: username.into(),
            name: name.into(),
            role,
            password: password.into(),
        }
    }

    fn fields(problems: Vec<FieldError>) -> Vec<String> {
        problems.into_iter().map(|f| f.field).collect()
    }

    #[test]
    fn new_users_are_checked_field_by_field() {
        assert!(check(&new(
            "sari.dewi",
            "Sari Dewi",
            Some(Role::Responder),
            "0123456789"
        ))
        .is_empty());
        let all = ["username", "name", "role", "password"];
        assert_eq!(
            fields(check(&new("Sari Dewi", "", Some(Role::Ingest), "short"))),
            all
        );
        assert_eq!(fields(check(&new("", "", None, ""))), all);
        assert!(!valid_username("a"));
        assert!(!valid_username(&"a".repeat(33)));
        assert!(valid_username("a_b-c.9"));
    }
}
