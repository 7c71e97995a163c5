//! The known-claims registry: registering a debunked claim (the API, `tanggap claims import`)
//! and switching its matching off and on.

use super::{now, require, Actor, DomainError, Env, Need, Outcome};
use crate::claims::{ClaimInput, KnownClaim, NewClaim};

/// What registering did.
#[derive(Debug)]
pub enum Registered {
    /// Stored now.
    Added(Box<KnownClaim>),
    /// The same claim text is registered already.
    Known,
}

/// Registers a debunked claim (admins). `origin` says where it came from (`api`, `import`).
/// New mentions are matched against it once the matcher reloads.
pub async fn register(env: &Env<'_>, actor: &Actor, input: ClaimInput, origin: &str) -> Outcome<Registered> {
    require(actor, Need::Admin)?;
    let claim = NewClaim::try_from(input).map_err(|e| DomainError::field(e.field, e.message))?;
    if let Some(id) = &claim.incident_id {
        if !env.store.incident_exists(id).await? {
            return Err(DomainError::field("incident_id", "no such incident"));
        }
    }
    let (_, at) = now();
    let Some(id) = env.store.insert_claim(&claim, origin, &at).await? else {
        return Ok(Registered::Known);
    };
    let stored = env
        .store
        .claim(&id)
        .await?
        .ok_or(DomainError::NotFound("known claim"))?;
    Ok(Registered::Added(Box::new(stored)))
}

/// Stops (with the reason: the source withdrew or corrected its debunk) or resumes matching a
/// known claim (admins); the claim is kept either way.
pub async fn set_disabled(
    env: &Env<'_>,
    actor: &Actor,
    id: &str,
    disabled: bool,
    reason: Option<String>,
) -> Outcome<KnownClaim> {
    require(actor, Need::Admin)?;
    tracing::info!(by = %actor.name, claim = id, disabled, "known claim matching switched");
    let (_, at) = now();
    let reason = reason
        .map(|r| r.trim().chars().take(2000).collect::<String>())
        .filter(|r| !r.is_empty());
    let value = disabled.then_some((at.as_str(), reason.as_deref()));
    if !env.store.set_claim_disabled(id, value).await? {
        return Err(DomainError::NotFound("known claim"));
    }
    env.store
        .claim(id)
        .await?
        .ok_or(DomainError::NotFound("known claim"))
}
