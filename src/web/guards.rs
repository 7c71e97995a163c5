//! Who is calling, as axum extractors: the caller of a request (a bearer token or a session
//! cookie with its CSRF token), the typed role guards that run before any other extractor, the
//! session of a page and the client's address for throttling. The rules they apply (tokens,
//! sessions, roles) live in [`crate::auth`].

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::AppState;
use crate::auth::{cookie, Caller, ClientAddr, Session, SESSION_COOKIE};
use crate::domain::Role;
use crate::error::AppError;
use crate::store::ts;
use crate::text::sha256_hex;

/// Typed role guards: a handler names the role it needs in its arguments, before any path, query
/// or body extractor, so the role is checked first (a caller without it gets 403 whatever the
/// body or id) and a handler cannot forget the check. Each wraps the [`Caller`].
macro_rules! role_guard {
    ($(#[$doc:meta])* $name:ident, $allowed:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name(pub Caller);

        impl FromRequestParts<AppState> for $name {
            type Rejection = AppError;

            async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
                let caller = Caller::from_request_parts(parts, state).await?;
                let allowed: fn(Role) -> bool = $allowed;
                if allowed(caller.role) {
                    Ok($name(caller))
                } else {
                    Err(AppError::Forbidden)
                }
            }
        }
    };
}

role_guard!(
    /// A caller who may read: viewer, responder or admin.
    Reader,
    Role::can_read
);
role_guard!(
    /// A caller who may work incidents: responder or admin.
    Responder,
    Role::can_respond
);
role_guard!(
    /// An admin.
    Admin,
    |r| r == Role::Admin
);
role_guard!(
    /// A caller who may send mentions: an ingest token or an admin.
    Ingester,
    Role::can_ingest
);

/// The session of a request, if its cookie names a live one.
pub async fn session_of(
    state: &AppState,
    headers: &axum::http::HeaderMap,
) -> Result<Option<Session>, AppError> {
    let Some(value) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let id_hash = sha256_hex(value.as_bytes());
    let Some(row) = state.store.session(&id_hash, &ts(chrono::Utc::now())).await? else {
        return Ok(None);
    };
    let role = row
        .role
        .parse()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored role: {e}")))?;
    Ok(Some(Session {
        username: row.username,
        name: row.name,
        role,
        csrf: row.csrf_token,
        id_hash,
    }))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(header) = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
        else {
            // No token: a browser session, with CSRF protection on anything that changes state.
            let session = session_of(state, &parts.headers)
                .await?
                .ok_or(AppError::Unauthorized)?;
            if !parts.method.is_safe() {
                let sent = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
                if sent != Some(session.csrf.as_str()) {
                    return Err(AppError::ForbiddenBecause("missing or wrong CSRF token".into()));
                }
            }
            return Ok(Caller {
                name: session.username,
                role: session.role,
            });
        };
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(AppError::Unauthorized)?;
        let hash = sha256_hex(token.as_bytes());
        if state.ingest_token_hashes.contains(&hash) {
            return Ok(Caller {
                name: "token:env".into(),
                role: Role::Ingest,
            });
        }
        match state.store.token_by_hash(&hash).await? {
            Some((name, role, owner)) => Ok(Caller {
                name: owner.unwrap_or_else(|| format!("token:{name}")),
                role: role
                    .parse()
                    .map_err(|e| AppError::Internal(anyhow::anyhow!("stored role: {e}")))?,
            }),
            None => Err(AppError::Unauthorized),
        }
    }
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if state.settings.server.trust_forwarded_for {
            let forwarded = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .last()
                .and_then(|ip| ip.trim().parse::<std::net::IpAddr>().ok());
            if let Some(ip) = forwarded {
                return Ok(ClientAddr::of(ip));
            }
        }
        Ok(parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| ClientAddr::of(c.0.ip()))
            .unwrap_or_else(|| ClientAddr("unknown".into())))
    }
}
