//! Clarifications: drafted from a playbook template, submitted, approved or returned by an
//! admin who is not the author, then frozen. Pure logic here (rendering, checks, the
//! approval state machine, schema.org ClaimReview); storage in [`crate::store`], HTTP in
//! [`crate::web`].

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::playbooks::{variables, Template, VARIABLES};

pub use crate::domain::Verdict;

/// Status of a clarification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Being written.
    Draft,
    /// Waiting for an admin.
    Submitted,
    /// Sent back with a comment.
    Returned,
    /// Approved and frozen.
    Approved,
}

impl Status {
    /// Database and API code.
    pub fn code(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Returned => "returned",
            Status::Approved => "approved",
        }
    }

    /// Parses a code.
    pub fn parse(s: &str) -> Option<Status> {
        [
            Status::Draft,
            Status::Submitted,
            Status::Returned,
            Status::Approved,
        ]
        .into_iter()
        .find(|x| x.code() == s)
    }

    /// Whether the text may still change.
    pub fn editable(self) -> bool {
        matches!(self, Status::Draft | Status::Returned)
    }
}

/// Steps of the approval flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Author asks for approval.
    Submit,
    /// Admin approves.
    Approve,
    /// Admin sends back.
    Return,
}

/// Why an action is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlowError {
    /// The action does not apply in this status.
    #[error("cannot {action} a clarification that is {status}")]
    IllegalTransition {
        /// Action name.
        action: &'static str,
        /// Current status.
        status: &'static str,
    },
    /// Only admins approve or return.
    #[error("only an admin may approve or return a clarification")]
    NotAdmin,
    /// Nobody approves text they wrote.
    #[error("nobody may approve or return their own draft or a draft they edited")]
    OwnDraft,
}

/// Whether `person` wrote any of a clarification's text: its author, or one of its editors
/// (`writers`: the actors of its `drafted` and `edited` events). The four-eyes rule.
pub fn wrote(person: &str, author: &str, writers: &[String]) -> bool {
    person == author || writers.iter().any(|w| w == person)
}

/// Checks an action and gives the new status. `is_admin` and `is_author` describe the actor
/// (`is_author`: they wrote any of the text, as its author or an editor).
pub fn transition(
    status: Status,
    action: Action,
    is_admin: bool,
    is_author: bool,
) -> Result<Status, FlowError> {
    let name = match action {
        Action::Submit => "submit",
        Action::Approve => "approve",
        Action::Return => "return",
    };
    let illegal = || FlowError::IllegalTransition {
        action: name,
        status: status.code(),
    };
    match action {
        Action::Submit => match status {
            Status::Draft | Status::Returned => Ok(Status::Submitted),
            _ => Err(illegal()),
        },
        Action::Approve | Action::Return => {
            if status != Status::Submitted {
                return Err(illegal());
            }
            if !is_admin {
                return Err(FlowError::NotAdmin);
            }
            if is_author {
                return Err(FlowError::OwnDraft);
            }
            Ok(if action == Action::Approve {
                Status::Approved
            } else {
                Status::Returned
            })
        }
    }
}

/// Longest text a channel takes (title and body together); `None` for no limit.
pub fn channel_limit(channel: &str) -> Option<usize> {
    match channel {
        "twitter" => Some(280),
        "instagram" => Some(2200),
        "whatsapp" => Some(65_536),
        "facebook" => Some(63_206),
        _ => None,
    }
}

/// Fills `{{var}}` with the values given; unknown or empty values stay as they are.
pub fn fill(template: &str, values: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = after[..end].trim();
        match values.get(name).filter(|v| !v.trim().is_empty()) {
            Some(v) => out.push_str(v),
            None => out.push_str(&rest[start..start + 2 + end + 2]),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// Problems a draft has before it can be submitted.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Checks {
    /// Variables still present in the text.
    pub unfilled: Vec<String>,
    /// Characters of title and body together.
    pub length: usize,
    /// The channel's limit.
    pub limit: Option<usize>,
    /// Whether the text is over the limit.
    pub too_long: bool,
}

impl Checks {
    /// Whether the draft can be submitted.
    pub fn ok(&self) -> bool {
        self.unfilled.is_empty() && !self.too_long
    }
}

/// The text as posted: title, blank line, body.
pub fn full_text(title: &str, body: &str) -> String {
    if title.trim().is_empty() {
        body.trim().to_string()
    } else {
        format!("{}\n\n{}", title.trim(), body.trim())
    }
}

/// Checks a draft's text against its channel.
pub fn check(channel: &str, title: &str, body: &str) -> Checks {
    let mut unfilled: Vec<String> = variables(title).into_iter().chain(variables(body)).collect();
    unfilled.sort();
    unfilled.dedup();
    let length = full_text(title, body).chars().count();
    let limit = channel_limit(channel);
    Checks {
        unfilled,
        length,
        limit,
        too_long: limit.is_some_and(|l| length > l),
    }
}

/// Renders a template with values; returns (title, body).
pub fn render(template: &Template, values: &BTreeMap<String, String>) -> (String, String) {
    (fill(&template.title, values), fill(template.body.trim(), values))
}

/// Keeps only known variables with non-empty values.
pub fn clean_values(values: BTreeMap<String, String>) -> BTreeMap<String, String> {
    values
        .into_iter()
        .filter(|(k, v)| VARIABLES.contains(&k.as_str()) && !v.trim().is_empty())
        .collect()
}

const MONTHS: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];

/// A date the Indonesian way, in WIB: "29 November 2026".
pub fn tanggal(now: DateTime<Utc>) -> String {
    let d = now.with_timezone(&chrono_tz::Asia::Jakarta);
    format!("{} {} {}", d.day(), MONTHS[d.month0() as usize], d.year())
}

/// What ClaimReview needs about an approved clarification.
#[derive(Debug, Clone)]
pub struct ReviewFacts<'a> {
    /// Public URL of the clarification.
    pub url: &'a str,
    /// The claim reviewed.
    pub claim: &'a str,
    /// Verdict.
    pub verdict: Verdict,
    /// Publishing organisation.
    pub organisation: &'a str,
    /// Organisation website.
    pub organisation_url: &'a str,
    /// Approval time (RFC 3339).
    pub approved_at: &'a str,
    /// Where the claim appeared.
    pub appearances: Vec<String>,
    /// When the claim was first seen (RFC 3339).
    pub first_seen_at: &'a str,
    /// Headline.
    pub headline: &'a str,
}

/// schema.org `ClaimReview` as JSON-LD.
pub fn claim_review(f: &ReviewFacts<'_>) -> Value {
    let verdict_name = match f.verdict {
        Verdict::BelumTerverifikasi => "Belum terverifikasi".to_string(),
        v => {
            let t = v.tag().to_lowercase();
            let mut c = t.chars();
            c.next()
                .map(|h| h.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        }
    };
    json!({
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": f.url,
        "headline": f.headline,
        "claimReviewed": f.claim,
        "datePublished": f.approved_at.get(..10).unwrap_or(f.approved_at),
        "inLanguage": "id",
        "author": { "@type": "Organization", "name": f.organisation, "url": f.organisation_url },
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": f.verdict.rating(),
            "bestRating": 5,
            "worstRating": 1,
            "alternateName": verdict_name,
        },
        "itemReviewed": {
            "@type": "Claim",
            "datePublished": f.first_seen_at.get(..10).unwrap_or(f.first_seen_at),
            "appearance": f.appearances.iter().map(|u| json!({ "@type": "CreativeWork", "url": u })).collect::<Vec<_>>(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flow_allows_only_legal_steps() {
        use Action::*;
        use Status::*;
        assert_eq!(transition(Draft, Submit, false, true), Ok(Submitted));
        assert_eq!(transition(Submitted, Return, true, false), Ok(Returned));
        assert_eq!(transition(Returned, Submit, false, true), Ok(Submitted));
        assert_eq!(transition(Submitted, Approve, true, false), Ok(Approved));
        assert_eq!(
            transition(Submitted, Approve, true, true),
            Err(FlowError::OwnDraft)
        );
        assert_eq!(
            transition(Submitted, Approve, false, false),
            Err(FlowError::NotAdmin)
        );
        assert!(matches!(
            transition(Draft, Approve, true, false),
            Err(FlowError::IllegalTransition { .. })
        ));
        assert!(matches!(
            transition(Approved, Submit, true, true),
            Err(FlowError::IllegalTransition { .. })
        ));
        assert!(!Approved.editable() && !Submitted.editable() && Returned.editable());
    }

    #[test]
    fn templates_fill_and_unfilled_variables_are_flagged() {
        let values: BTreeMap<String, String> = [("klaim".to_string(), "tsunami malam ini".to_string())]
            .into_iter()
            .collect();
        assert_eq!(
            fill("[HOAKS] {{klaim}} — {{ fakta }}", &values),
            "[HOAKS] tsunami malam ini — {{ fakta }}"
        );
        let c = check(
            "twitter",
            "[HOAKS] x",
            "Faktanya, {{fakta}}. {{sumber}} {{fakta}}",
        );
        assert_eq!(c.unfilled, ["fakta", "sumber"]);
        assert!(!c.ok());
        let long = check("twitter", "t", &"x".repeat(300));
        assert!(long.too_long && long.limit == Some(280));
        assert!(check("press_release", "t", &"x".repeat(5000)).ok());
    }

    #[test]
    fn dates_are_indonesian_in_wib() {
        let t = DateTime::parse_from_rfc3339("2026-11-29T18:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(tanggal(t), "30 November 2026");
    }
}
