//! Taking mentions in: a validated batch is stored in one transaction, all or none, and is
//! durable before the caller answers. The caller wakes the indexer and the classifier.

use super::{require, Actor, Env, Need, Outcome};
use crate::store::{InsertOutcome, NewMention};

/// Stores a validated batch (ingest tokens and admins); a mention already stored (same source
/// and external id) is answered as a duplicate, never stored twice.
pub async fn ingest(env: &Env<'_>, actor: &Actor, mentions: &[NewMention]) -> Outcome<Vec<InsertOutcome>> {
    require(actor, Need::Ingest)?;
    Ok(env.store.insert_mentions(mentions).await?)
}
