//! Who is calling: API tokens (bearer tokens bound to one role; only their sha256 is stored;
//! tokens in `TANGGAP_INGEST_TOKENS` have the `ingest` role) or people logged in with a session
//! cookie. Passwords are hashed with argon2id off the async runtime. Requests that change state
//! with a session cookie must carry the session's CSRF token.

use crate::domain::Role;
use crate::store::{ts, Store};
use crate::text::sha256_hex;

/// Who is calling: the actor of the service layer.
pub use crate::domain::Actor as Caller;
pub use crate::links::new_token;

/// Why a token cannot belong to the person named as its owner (inside the `anyhow::Error` of
/// [`create_token`], so callers can tell this refusal from a database failure).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct OwnerRefused(pub String);

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
            .ok_or_else(|| OwnerRefused(format!("no active user named {owner:?}")))?;
        let user_role: Role = user
            .role
            .parse()
            .map_err(|e| anyhow::anyhow!("stored role: {e}"))?;
        if !role.within(user_role) {
            return Err(OwnerRefused(format!(
                "a {} token cannot belong to {owner:?}, who is {}",
                role.code(),
                user_role.code()
            ))
            .into());
        }
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
