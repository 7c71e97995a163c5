//! API tokens: bearer tokens bound to one role; only their sha256 is stored. Tokens listed in
//! `TANGGAP_INGEST_TOKENS` have the `ingest` role.

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
    /// Token name (or `env` for environment tokens).
    pub name: String,
    /// Its role.
    pub role: Role,
}

impl Caller {
    /// Fails unless the caller may read.
    pub fn require_read(&self) -> Result<(), AppError> {
        if self.role.can_read() {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
    /// Fails unless the caller may work incidents (responder or admin).
    pub fn require_responder(&self) -> Result<(), AppError> {
        if matches!(self.role, Role::Responder | Role::Admin) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
    /// Whether the caller is an admin.
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
    /// Fails unless the caller may send mentions.
    pub fn require_ingest(&self) -> Result<(), AppError> {
        if self.role.can_ingest() {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// A new random token: `tg_` and 32 bytes in hex.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("tg_{}", hex::encode(bytes))
}

/// Creates and stores a token; returns the plain token (shown once) or `None` if the name is taken.
pub async fn create_token(store: &Store, name: &str, role: Role) -> anyhow::Result<Option<String>> {
    let token = new_token();
    let id = uuid::Uuid::now_v7().to_string();
    let created = store
        .create_token(
            &id,
            name,
            role.code(),
            &sha256_hex(token.as_bytes()),
            &ts(chrono::Utc::now()),
        )
        .await?;
    Ok(created.then_some(token))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(AppError::Unauthorized)?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(AppError::Unauthorized)?;
        let hash = sha256_hex(token.as_bytes());
        if state.ingest_token_hashes.contains(&hash) {
            return Ok(Caller {
                name: "env".into(),
                role: Role::Ingest,
            });
        }
        match state.store.token_by_hash(&hash).await? {
            Some((name, role)) => Ok(Caller {
                name,
                role: role
                    .parse()
                    .map_err(|e| AppError::Internal(anyhow::anyhow!("stored role: {e}")))?,
            }),
            None => Err(AppError::Unauthorized),
        }
    }
}
