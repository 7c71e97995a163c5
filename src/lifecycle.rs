//! The incident lifecycle (SPEC §5), in one place: which manual changes are allowed, and where
//! a clarification's step moves its incident. The API, the pages, the mail links, merges and the
//! clarification flow all ask here.

use crate::domain::IncidentStatus;

/// Why a manual status change is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// Not allowed from this state.
    #[error("cannot go from {from} to {to}")]
    Illegal {
        /// Current state.
        from: &'static str,
        /// Wanted state.
        to: &'static str,
    },
    /// These states are reached only through the clarification flow.
    #[error("{0} is reached through the clarification flow (submit, approve), not directly")]
    ViaClarification(&'static str),
}

/// The lifecycle of SPEC §5 for manual changes: forward one step at a time, back from drafting
/// to investigating, dismissal from any open state; approval cannot be skipped.
pub fn check_transition(from: IncidentStatus, to: IncidentStatus) -> Result<(), TransitionError> {
    use IncidentStatus::*;
    if matches!(to, AwaitingApproval | Clarified) {
        return Err(TransitionError::ViaClarification(to.code()));
    }
    let ok = match (from, to) {
        (f, Dismissed) => f.is_open(),
        (New, Acknowledged) | (Acknowledged, Investigating) | (Investigating, Drafting) => true,
        (New, Investigating) => true,
        (Drafting, Investigating) => true,
        (Clarified, Resolved) => true,
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(TransitionError::Illegal {
            from: from.code(),
            to: to.code(),
        })
    }
}

#[cfg(test)]
mod transition_tests {
    use super::*;
    use IncidentStatus::*;

    #[test]
    fn the_lifecycle_is_checked() {
        assert!(check_transition(New, Acknowledged).is_ok());
        assert!(check_transition(Acknowledged, Investigating).is_ok());
        assert!(check_transition(Investigating, Drafting).is_ok());
        assert!(check_transition(Clarified, Resolved).is_ok());
        assert!(check_transition(AwaitingApproval, Dismissed).is_ok());
        assert!(matches!(
            check_transition(New, Resolved),
            Err(TransitionError::Illegal { .. })
        ));
        assert!(matches!(
            check_transition(Drafting, Clarified),
            Err(TransitionError::ViaClarification(_))
        ));
        assert!(matches!(
            check_transition(Dismissed, Dismissed),
            Err(TransitionError::Illegal { .. })
        ));
        assert!(matches!(
            check_transition(Resolved, New),
            Err(TransitionError::Illegal { .. })
        ));
    }
}

/// Where a clarification's step (`drafting` when drafted or returned, `awaiting_approval` when
/// submitted, `clarified` when approved) moves an incident in `from`: only forward along the
/// lifecycle, except that a returned clarification takes an incident awaiting approval back to
/// drafting; a closed incident (resolved, dismissed) stays where it is. `None` when it stays.
pub fn follow_clarification(from: IncidentStatus, to: IncidentStatus) -> Option<IncidentStatus> {
    use IncidentStatus::*;
    let order = [
        New,
        Acknowledged,
        Investigating,
        Drafting,
        AwaitingApproval,
        Clarified,
    ];
    let pos = |s: IncidentStatus| order.iter().position(|x| *x == s);
    let back_to_drafting = to == Drafting && from == AwaitingApproval;
    match (pos(from), pos(to)) {
        (Some(f), Some(t)) if t > f || back_to_drafting => Some(to),
        _ => None,
    }
}

#[cfg(test)]
mod follow_tests {
    use super::*;
    use IncidentStatus::*;

    #[test]
    fn a_clarification_moves_its_incident_forward_only() {
        assert_eq!(follow_clarification(New, Drafting), Some(Drafting));
        assert_eq!(
            follow_clarification(Drafting, AwaitingApproval),
            Some(AwaitingApproval)
        );
        assert_eq!(follow_clarification(AwaitingApproval, Drafting), Some(Drafting));
        assert_eq!(follow_clarification(AwaitingApproval, Clarified), Some(Clarified));
        assert_eq!(follow_clarification(Clarified, Drafting), None);
        assert_eq!(follow_clarification(Dismissed, Drafting), None);
        assert_eq!(follow_clarification(Resolved, Clarified), None);
    }
}
