//! The review tray: a person confirms an uncertain alarm (the classifier loop then places the
//! mention with the confirmed labels) or dismisses it. Both are kept for retraining.

use super::{now, require, Actor, DomainError, Env, Need, Outcome};
use crate::domain::Label;

/// A decision on a mention waiting in the tray.
#[derive(Debug, Clone)]
pub enum Decision {
    /// The alarm is real; these labels (default: the uncertain ones) must include an alarm label.
    Confirm(Option<Vec<Label>>),
    /// The alarm is not real; why.
    Dismiss(Option<String>),
}

/// What a decision did: whether it confirmed, and the labels it confirmed (or the uncertain ones
/// it dismissed).
#[derive(Debug, Clone)]
pub struct Decided {
    /// True for a confirmation.
    pub confirmed: bool,
    /// The labels.
    pub labels: Vec<Label>,
}

/// Decides on a mention in the review tray; 409 when it is not waiting there. After a
/// confirmation the caller wakes the classifier loop, which places the mention crash-safely.
pub async fn decide(env: &Env<'_>, actor: &Actor, mention_id: &str, decision: Decision) -> Outcome<Decided> {
    require(actor, Need::Respond)?;
    let (confirm, labels, reason) = match decision {
        Decision::Confirm(labels) => (true, labels, None),
        Decision::Dismiss(reason) => (false, None, reason),
    };
    let labels = labels
        .map(|ls| {
            let out = Label::unique(ls);
            if out.iter().any(|l| l.is_alarm()) {
                Ok(out)
            } else {
                Err(DomainError::field(
                    "labels",
                    "confirm at least one alarm label (hoax, sara, hate_speech, scam)",
                ))
            }
        })
        .transpose()?;
    let reason = reason
        .map(|r| r.trim().chars().take(2000).collect::<String>())
        .filter(|r| !r.is_empty());
    let (_, at) = now();
    let mut tx = env.store.begin().await?;
    let Some(review) = tx.review_labels_if_pending(mention_id).await? else {
        return Err(if env.store.mention(mention_id).await?.is_some() {
            DomainError::Conflict("the mention is not waiting in the review tray".into())
        } else {
            DomainError::NotFound("mention")
        });
    };
    let uncertain: Vec<Label> = serde_json::from_str(&review).unwrap_or_default();
    let confirmed = confirm.then(|| labels.unwrap_or(uncertain.clone()));
    let confirmed_json = confirmed
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(anyhow::Error::from)?;
    tx.decide_review(
        mention_id,
        confirmed_json.as_deref(),
        reason.as_deref(),
        &actor.name,
        &at,
    )
    .await?;
    tx.commit().await?;
    Ok(Decided {
        confirmed: confirm,
        labels: confirmed.unwrap_or(uncertain),
    })
}
