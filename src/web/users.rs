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
use crate::error::{AppJson, AppResult};
use crate::service::people;
use crate::store::wib;

/// Roles a person can be given (`ingest` is for machines' tokens).
const ROLES: [Role; 3] = [Role::Viewer, Role::Responder, Role::Admin];

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
    let new = people::NewUser {
        username: input.username.unwrap_or_default(),
        name: input.name.unwrap_or_default(),
        role: input.role.as_deref().and_then(|r| r.parse().ok()),
        password: input.password.unwrap_or_default(),
    };
    let user = people::create_user(&state.env(), &caller, new).await?;
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
    let at = people::disable_user(&state.env(), &caller, &username).await?;
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
