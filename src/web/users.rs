//! People's accounts, for admins: `GET/POST /api/v1/users`, `POST /api/v1/users/{username}/disable`
//! and the `/users` page. Disabling a user ends their sessions at once; nobody deletes users, so
//! the audit trail keeps its names.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use minijinja::context;
use serde::Deserialize;

use super::guards::Admin;
use super::pages::{render_page, user_context, PageUser};
use super::{views, AppState};
use crate::domain::Role;
use crate::error::{AppError, AppJson, AppResult, FieldError};
use crate::store::{ts, wib};

/// Roles a person can be given (`ingest` is for machines' tokens).
const ROLES: [Role; 3] = [Role::Viewer, Role::Responder, Role::Admin];
/// The shortest password accepted.
const MIN_PASSWORD_CHARS: usize = 10;

/// A new user as the API receives it; every field is checked, missing ones too.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct UserInput {
    #[schema(value_type = String, pattern = "^[a-z0-9._-]{2,32}$")]
    username: Option<String>,
    #[schema(value_type = String, min_length = 1, max_length = 80)]
    name: Option<String>,
    #[schema(value_type = String, pattern = "^(viewer|responder|admin)$")]
    role: Option<String>,
    #[schema(value_type = String, min_length = 10)]
    password: Option<String>,
}

/// A checked new user.
struct NewUser {
    username: String,
    name: String,
    role: Role,
    password: String,
}

fn problem(field: &str, message: &str) -> FieldError {
    FieldError {
        index: None,
        field: field.into(),
        message: message.into(),
    }
}

/// Whether a username is 2–32 characters of `a-z`, `0-9`, `.`, `_`, `-`.
fn valid_username(u: &str) -> bool {
    (2..=32).contains(&u.len())
        && u.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

impl TryFrom<UserInput> for NewUser {
    type Error = AppError;

    fn try_from(input: UserInput) -> Result<Self, AppError> {
        let mut problems = Vec::new();
        let username = input.username.unwrap_or_default().trim().to_string();
        if !valid_username(&username) {
            problems.push(problem(
                "username",
                "must be 2–32 characters of a-z, 0-9, '.', '_', '-'",
            ));
        }
        let name = input.name.unwrap_or_default().trim().to_string();
        if !(1..=80).contains(&name.chars().count()) {
            problems.push(problem("name", "must be 1–80 characters"));
        }
        let role = input
            .role
            .as_deref()
            .and_then(|r| r.parse::<Role>().ok())
            .filter(|r| ROLES.contains(r));
        if role.is_none() {
            problems.push(problem("role", "must be viewer, responder or admin"));
        }
        let password = input.password.unwrap_or_default();
        if password.chars().count() < MIN_PASSWORD_CHARS {
            problems.push(problem("password", "must have at least 10 characters"));
        } else if password.len() > 1024 {
            problems.push(problem("password", "must have at most 1024 bytes"));
        }
        match role {
            Some(role) if problems.is_empty() => Ok(NewUser {
                username,
                name,
                role,
                password,
            }),
            _ => Err(AppError::Validation(problems)),
        }
    }
}

/// `GET /api/v1/users` (admin): every user, by username.
#[utoipa::path(
    get, path = "/api/v1/users", tag = "users", responses((status = 200, description = "Every user", body = views::UserList))
)]
pub(super) async fn list(State(state): State<AppState>, _: Admin) -> AppResult<Json<views::UserList>> {
    let users = state.store.users().await?;
    Ok(Json(views::UserList {
        users: users.iter().map(views::User::from).collect(),
    }))
}

/// `POST /api/v1/users` (admin): adds a user; a taken username is 409.
#[utoipa::path(
    post, path = "/api/v1/users", tag = "users", request_body = UserInput, responses((status = 201, description = "The user", body = views::User))
)]
pub(super) async fn create(
    State(state): State<AppState>,
    Admin(caller): Admin,
    AppJson(input): AppJson<UserInput>,
) -> AppResult<(StatusCode, Json<views::User>)> {
    let new = NewUser::try_from(input)?;
    let created =
        crate::auth::create_user(&state.store, &new.username, &new.name, new.role, &new.password).await?;
    if !created {
        return Err(AppError::Conflict(format!(
            "the username {} is taken",
            new.username
        )));
    }
    let user = state
        .store
        .user(&new.username)
        .await?
        .ok_or(AppError::NotFound("user"))?;
    tracing::info!(by = %caller.name, username = %new.username, role = new.role.code(), "user created");
    Ok((StatusCode::CREATED, Json(views::User::from(&user))))
}

/// `POST /api/v1/users/{username}/disable` (admin): disables the user and ends their sessions.
/// Admins cannot disable themselves; an already disabled user is 409.
#[utoipa::path(
    post, path = "/api/v1/users/{username}/disable", tag = "users", params(("username" = String, Path, description = "Username")), responses((status = 200, description = "Disabled; their sessions end", body = views::UserDisabled))
)]
pub(super) async fn disable(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(username): Path<String>,
) -> AppResult<Json<views::UserDisabled>> {
    // The caller's name is a person's username (a machine token's is `token:NAME`).
    if caller.name == username {
        return Err(AppError::Conflict("you cannot disable your own account".into()));
    }
    let user = state
        .store
        .user(&username)
        .await?
        .ok_or(AppError::NotFound("user"))?;
    if user.disabled_at.is_some() {
        return Err(AppError::Conflict(format!("{username} is already disabled")));
    }
    let at = ts(chrono::Utc::now());
    if !state.store.disable_user(&username, &at).await? {
        return Err(AppError::Conflict(format!("{username} is already disabled")));
    }
    tracing::info!(by = %caller.name, %username, "user disabled");
    Ok(Json(views::UserDisabled {
        username,
        disabled_at: at,
    }))
}

/// `GET /users`: the users page for admins (list, add, disable); a 403 page for others.
pub(super) async fn page(State(state): State<AppState>, PageUser(user): PageUser) -> AppResult<Response> {
    if user.role != Role::Admin {
        let html = render_page(
            "users.html",
            context! { forbidden => true, user => user_context(&user) },
        )?;
        return Ok((StatusCode::FORBIDDEN, html).into_response());
    }
    let users: Vec<_> = state
        .store
        .users()
        .await?
        .iter()
        .map(|u| {
            context! {
                username => u.username, name => u.name, role => u.role, created => wib(&u.created_at),
                disabled => u.disabled_at.as_deref().map(wib),
            }
        })
        .collect();
    let html = render_page(
        "users.html",
        context! {
            users => users, me => user.username, user => user_context(&user),
            roles => ROLES.iter().map(|r| r.code()).collect::<Vec<_>>(),
        },
    )?;
    Ok(html.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(username: &str, name: &str, role: &str, password: &str) -> UserInput {
        UserInput {
            username: Some(username.into()),
            name: Some(name.into()),
            role: Some(role.into()),
            password: Some(password.into()),
        }
    }

    fn fields(e: AppError) -> Vec<String> {
        match e {
            AppError::Validation(v) => v.into_iter().map(|f| f.field).collect(),
            other => panic!("not a validation error: {other}"),
        }
    }

    #[test]
    fn new_users_are_checked_field_by_field() {
        assert!(NewUser::try_from(input("sari.dewi", "Sari Dewi", "responder", "0123456789")).is_ok());
        let Err(e) = NewUser::try_from(input("Sari Dewi", "", "ingest", "short")) else {
            panic!("accepted")
        };
        assert_eq!(fields(e), ["username", "name", "role", "password"]);
        let Err(e) = NewUser::try_from(UserInput::default()) else {
            panic!("accepted")
        };
        assert_eq!(fields(e), ["username", "name", "role", "password"]);
        assert!(!valid_username("a"));
        assert!(!valid_username(&"a".repeat(33)));
        assert!(valid_username("a_b-c.9"));
    }
}
