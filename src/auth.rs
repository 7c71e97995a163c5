//! Who is calling: API tokens (bearer tokens bound to one role; only their sha256 is stored;
//! tokens in `TANGGAP_INGEST_TOKENS` have the `ingest` role) or people logged in with a session
//! cookie. Passwords are hashed with argon2id off the async runtime. Requests that change state
//! with a session cookie must carry the session's CSRF token.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use rand::RngCore;

use crate::domain::Role;
use crate::error::AppError;
use crate::ingest::sha256_hex;
use crate::store::{ts, Store};
use crate::web::AppState;

/// Who is calling.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The person acting: a username for a web session or a token that belongs to a user;
    /// `token:NAME` for a machine's token (usernames cannot contain `:`). Authorship and the
    /// four-eyes rule compare this, so one person is one name whatever credential they use.
    pub name: String,
    /// Its role.
    pub role: Role,
}

impl Caller {
    /// Whether the caller is an admin.
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

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

/// A new random token: `tg_` and 32 bytes in hex.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("tg_{}", hex::encode(bytes))
}

/// Creates and stores a token; returns the plain token (shown once) or `None` if the name is taken.
/// A token with an `owner` acts as that user: it needs an active user whose role is at least the
/// token's (an `ingest` token may belong to anyone), and it stops working when the user is disabled.
pub async fn create_token(
    store: &Store,
    name: &str,
    role: Role,
    owner: Option<&str>,
) -> anyhow::Result<Option<String>> {
    if let Some(owner) = owner {
        let user = store
            .user(owner)
            .await?
            .filter(|u| u.disabled_at.is_none())
            .ok_or_else(|| anyhow::anyhow!("no active user named {owner:?}"))?;
        let user_role: Role = user
            .role
            .parse()
            .map_err(|e| anyhow::anyhow!("stored role: {e}"))?;
        anyhow::ensure!(
            role.within(user_role),
            "a {} token cannot belong to {owner:?}, who is {}",
            role.code(),
            user_role.code()
        );
    }
    let token = new_token();
    let id = uuid::Uuid::now_v7().to_string();
    let created = store
        .create_token(
            &id,
            name,
            role.code(),
            &sha256_hex(token.as_bytes()),
            owner,
            &ts(chrono::Utc::now()),
        )
        .await?;
    Ok(created.then_some(token))
}

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "tanggap_session";
/// How long a session lasts.
pub const SESSION_HOURS: i64 = 12;

/// A logged-in person.
#[derive(Debug, Clone)]
pub struct Session {
    /// Login name.
    pub username: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// The session's CSRF token (put in forms and the `X-CSRF-Token` header).
    pub csrf: String,
    /// sha256 of the cookie value.
    pub id_hash: String,
}

/// Reads one cookie from the request headers.
pub fn cookie<'a>(parts: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    parts
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

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

/// Hashes a password with argon2id (blocking: call through [`hash_password`]).
fn hash_blocking(password: &str) -> anyhow::Result<String> {
    use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
    let salt = SaltString::generate(&mut OsRng);
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing: {e}"))
}

/// Hashes a password on a blocking thread.
pub async fn hash_password(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash_blocking(&password)).await?
}

/// Checks a password against a stored hash on a blocking thread.
pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::{PasswordHash, PasswordVerifier};
        PasswordHash::new(&hash)
            .map(|h| {
                argon2::Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A fixed hash checked when the username is unknown, so both cases take as long.
pub fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_blocking("not-a-password").unwrap_or_default())
}

/// Creates a user; `Ok(false)` when the username is taken.
pub async fn create_user(
    store: &Store,
    username: &str,
    name: &str,
    role: Role,
    password: &str,
) -> anyhow::Result<bool> {
    anyhow::ensure!(
        !username.is_empty()
            && username.len() <= 64
            && username
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)),
        "username must be 1–64 characters of a-z, 0-9, '.', '_', '-'"
    );
    anyhow::ensure!(
        password.chars().count() >= 10,
        "password must have at least 10 characters"
    );
    let row = crate::store::UserRow {
        id: uuid::Uuid::now_v7().to_string(),
        username: username.to_string(),
        name: name.to_string(),
        role: role.code().to_string(),
        password_hash: hash_password(password.to_string()).await?,
        created_at: ts(chrono::Utc::now()),
        disabled_at: None,
    };
    store.create_user(&row).await
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

/// The client's address, for throttling: the TCP peer, or the last `X-Forwarded-For` entry when
/// `server.trust_forwarded_for` is set. IPv6 addresses are cut to their /64, which one client
/// usually holds whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddr(pub String);

impl ClientAddr {
    /// The throttling key of an IP address.
    pub fn of(ip: std::net::IpAddr) -> ClientAddr {
        match ip {
            std::net::IpAddr::V4(v4) => ClientAddr(v4.to_string()),
            std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => ClientAddr(v4.to_string()),
                None => {
                    let s = v6.segments();
                    ClientAddr(format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3]))
                }
            },
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

/// Whether a state-changing browser request comes from our own pages: a foreign `Origin` (or
/// `Sec-Fetch-Site: cross-site`) is refused even with the right CSRF token. Requests without
/// either header (non-browser clients) pass; the CSRF token still guards them.
pub fn same_origin(headers: &axum::http::HeaderMap, base_url: &str) -> bool {
    if headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "cross-site")
    {
        return false;
    }
    let Some(origin) = headers.get(axum::http::header::ORIGIN) else {
        return true;
    };
    let Some(origin) = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, h)| h)
    else {
        return false; // "null" or garbage
    };
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok());
    let base_host = base_url
        .split_once("://")
        .map(|(_, rest)| rest.split('/').next().unwrap_or(rest));
    Some(origin) == host || Some(origin) == base_host
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn only_our_own_origin_may_change_state() {
        let base = "https://tanggap.lampungprov.go.id";
        assert!(same_origin(&headers(&[("host", "127.0.0.1:8080")]), base));
        assert!(same_origin(
            &headers(&[("host", "127.0.0.1:8080"), ("origin", "http://127.0.0.1:8080")]),
            base
        ));
        assert!(same_origin(
            &headers(&[
                ("host", "10.0.0.5"),
                ("origin", "https://tanggap.lampungprov.go.id")
            ]),
            base
        ));
        assert!(!same_origin(
            &headers(&[("host", "127.0.0.1:8080"), ("origin", "https://evil.example")]),
            base
        ));
        assert!(!same_origin(
            &headers(&[("host", "127.0.0.1:8080"), ("origin", "null")]),
            base
        ));
        assert!(!same_origin(
            &headers(&[("host", "127.0.0.1:8080"), ("sec-fetch-site", "cross-site")]),
            base
        ));
    }

    #[test]
    fn ipv6_clients_are_throttled_by_their_64() {
        let a = ClientAddr::of("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = ClientAddr::of("2001:db8:1:2:bbbb::9".parse().unwrap());
        assert_eq!(a, b);
        assert_eq!(ClientAddr::of("::ffff:10.1.2.3".parse().unwrap()).0, "10.1.2.3");
    }
}
