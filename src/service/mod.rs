//! Operations that change state, below the web: each is one function
//! `operation(&Env, &Actor, input) -> Result<output, DomainError>` that checks the actor's role,
//! validates the business rules and runs its own transaction. HTTP handlers, pages, mail links,
//! the command line and background jobs translate to and from these; none of them opens a
//! transaction of its own.
//!
//! Inputs are typed (statuses, verdicts and labels already parsed at the edge); outputs are the
//! stored rows, which callers render as they need.

pub mod claims;
pub mod clarifications;
pub mod feeds;
pub mod incidents;
pub mod intake;
pub mod people;
pub mod review;

use crate::config::Settings;
use crate::domain::Role;
pub use crate::domain::{Actor, FieldError};
use crate::playbooks::Playbooks;
use crate::store::Store;

/// What an operation needs besides its input.
#[derive(Clone, Copy)]
pub struct Env<'a> {
    /// The database.
    pub store: &'a Store,
    /// Loaded playbooks.
    pub playbooks: &'a Playbooks,
    /// Settings (the organisation's name for templates).
    pub settings: &'a Settings,
    /// How links to this service are written (ClaimReview URLs).
    pub base_url: &'a str,
}

/// Why an operation refused or failed. The web maps each to one status
/// ([`crate::error::AppError`]); the command line prints it.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// The thing does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The actor's role may not do this.
    #[error("this role may not do this")]
    Forbidden,
    /// The role may, but a rule forbids it here (approving text one wrote).
    #[error("{0}")]
    ForbiddenBecause(String),
    /// The request conflicts with the current state (an illegal transition, a frozen text).
    #[error("{0}")]
    Conflict(String),
    /// One or more fields break a rule.
    #[error("validation failed")]
    Invalid(Vec<FieldError>),
    /// Anything else (the database): logged, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for DomainError {
    fn from(e: sqlx::Error) -> Self {
        DomainError::Internal(e.into())
    }
}

/// Result of an operation.
pub type Outcome<T> = Result<T, DomainError>;

impl DomainError {
    /// A rule broken by one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        DomainError::Invalid(vec![FieldError {
            index: None,
            field: field.into(),
            message: message.into(),
        }])
    }
}

/// What an operation needs of its actor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Read access (not an ingest-only token): copying approved text.
    Read,
    /// Acting on incidents and drafts: responders and admins.
    Respond,
    /// Approving, managing people, feeds and claims.
    Admin,
    /// Sending mentions: ingest tokens and admins.
    Ingest,
}

/// Refuses an actor who lacks what the operation needs. The web's typed guards check first;
/// this holds for every other caller (the command line, jobs, tests).
pub fn require(actor: &Actor, need: Need) -> Outcome<()> {
    let ok = match need {
        Need::Read => actor.role.can_read(),
        Need::Respond => actor.role.can_respond(),
        Need::Admin => actor.role == Role::Admin,
        Need::Ingest => actor.role.can_ingest(),
    };
    if ok {
        Ok(())
    } else {
        Err(DomainError::Forbidden)
    }
}

/// Now, as stored.
fn now() -> (chrono::DateTime<chrono::Utc>, String) {
    let now = chrono::Utc::now();
    (now, crate::store::ts(now))
}
