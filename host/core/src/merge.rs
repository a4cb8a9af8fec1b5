//! The three-way merge of one mapped field: compare each side's current value with the
//! base (the values both sides had at the last successful sync) and decide what to write.
//!
//! Change detection compares each side with its OWN base value, in its own platform's
//! terms, so a lossy transform (a many-to-one status map) never shows up as a change. Only
//! when both sides changed are the two values compared with each other, in target terms.

use crate::value::Value;

/// Which ways a field may flow in this sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flow {
    pub to_target: bool,
    pub to_source: bool,
}

/// What changed since the base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    None,
    Source,
    Target,
    Both,
}

/// Whether `now` differs from `base`. A field never synced before has no base; it counts
/// as changed when it has a value.
pub fn changed(now: &Value, base: Option<&Value>) -> bool {
    match base {
        Some(base) => !now.equivalent(base),
        None => !now.equivalent(&Value::Null),
    }
}

pub fn detect(
    source: &Value,
    source_base: Option<&Value>,
    target: &Value,
    target_base: Option<&Value>,
) -> Change {
    match (changed(source, source_base), changed(target, target_base)) {
        (false, false) => Change::None,
        (true, false) => Change::Source,
        (false, true) => Change::Target,
        (true, true) => Change::Both,
    }
}

/// The conversions a decision needs: source → target (`forward`) and/or target → source
/// (`reverse`) of the current values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Needs {
    pub forward: bool,
    pub reverse: bool,
}

pub fn needs(change: Change, flow: Flow) -> Needs {
    match change {
        Change::None => Needs::default(),
        Change::Source => Needs {
            forward: flow.to_target,
            reverse: false,
        },
        Change::Target => Needs {
            forward: false,
            reverse: flow.to_source,
        },
        // Both: the forward value decides whether the two sides agree; the reverse value is
        // needed if the target may win.
        Change::Both => Needs {
            forward: flow.to_target,
            reverse: flow.to_source,
        },
    }
}

/// The decision for one field, given the converted values that [`needs`] asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Nothing changed.
    InSync,
    /// A side changed in a way this sync does not carry over (direction, `bidirectional:
    /// false`), or it changed to what the other side already holds: no write, and the
    /// base moves to the current values.
    Acknowledge,
    /// Write this value (in target terms) to the target.
    WriteTarget(Value),
    /// Write this value (in source terms) to the source.
    WriteSource(Value),
    /// Both changed, to values that differ: a conflict for the strategy to settle.
    Conflict,
}

/// Decide one field. `forward` is the source's current value converted to target terms,
/// `reverse` the target's current value converted to source terms (each present when
/// [`needs`] asked for it).
pub fn decide(
    change: Change,
    flow: Flow,
    source: &Value,
    target: &Value,
    forward: Option<&Value>,
    reverse: Option<&Value>,
) -> Decision {
    match change {
        Change::None => Decision::InSync,
        Change::Source => match forward {
            Some(value) if flow.to_target && !value.equivalent(target) => {
                Decision::WriteTarget(value.clone())
            }
            _ => Decision::Acknowledge,
        },
        Change::Target => match reverse {
            Some(value) if flow.to_source && !value.equivalent(source) => {
                Decision::WriteSource(value.clone())
            }
            _ => Decision::Acknowledge,
        },
        Change::Both => match (flow.to_target, flow.to_source) {
            (true, true) => match forward {
                Some(value) if value.equivalent(target) => Decision::Acknowledge,
                _ => Decision::Conflict,
            },
            // Only one way flows: the side it flows from is authoritative.
            (true, false) => match forward {
                Some(value) if !value.equivalent(target) => Decision::WriteTarget(value.clone()),
                _ => Decision::Acknowledge,
            },
            (false, true) => match reverse {
                Some(value) if !value.equivalent(source) => Decision::WriteSource(value.clone()),
                _ => Decision::Acknowledge,
            },
            (false, false) => Decision::Acknowledge,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOTH: Flow = Flow {
        to_target: true,
        to_source: true,
    };
    const FORWARD_ONLY: Flow = Flow {
        to_target: true,
        to_source: false,
    };

    fn text(s: &str) -> Value {
        Value::Text(s.into())
    }

    #[test]
    fn unchanged_sides_are_in_sync() {
        let change = detect(&text("a"), Some(&text("a")), &text("A"), Some(&text("A")));
        assert_eq!(change, Change::None);
        assert_eq!(
            decide(change, BOTH, &text("a"), &text("A"), None, None),
            Decision::InSync
        );
    }

    #[test]
    fn a_source_edit_is_written_to_the_target() {
        let change = detect(
            &text("new"),
            Some(&text("old")),
            &text("old"),
            Some(&text("old")),
        );
        assert_eq!(change, Change::Source);
        let decision = decide(
            change,
            BOTH,
            &text("new"),
            &text("old"),
            Some(&text("new")),
            None,
        );
        assert_eq!(decision, Decision::WriteTarget(text("new")));
    }

    #[test]
    fn a_target_edit_is_not_written_back_when_the_field_flows_one_way() {
        let change = detect(
            &text("s"),
            Some(&text("s")),
            &text("edited"),
            Some(&text("s")),
        );
        assert_eq!(change, Change::Target);
        assert_eq!(needs(change, FORWARD_ONLY), Needs::default());
        assert_eq!(
            decide(
                change,
                FORWARD_ONLY,
                &text("s"),
                &text("edited"),
                None,
                None
            ),
            Decision::Acknowledge
        );
    }

    #[test]
    fn both_sides_changing_to_the_same_value_is_no_conflict() {
        let change = detect(&text("x"), Some(&text("a")), &text("x"), Some(&text("a")));
        assert_eq!(change, Change::Both);
        let decision = decide(
            change,
            BOTH,
            &text("x"),
            &text("x"),
            Some(&text("x")),
            Some(&text("x")),
        );
        assert_eq!(decision, Decision::Acknowledge);
    }

    #[test]
    fn both_sides_changing_differently_is_a_conflict() {
        let change = detect(&text("x"), Some(&text("a")), &text("y"), Some(&text("a")));
        let decision = decide(
            change,
            BOTH,
            &text("x"),
            &text("y"),
            Some(&text("x")),
            Some(&text("y")),
        );
        assert_eq!(decision, Decision::Conflict);
    }

    #[test]
    fn a_lossy_map_does_not_turn_an_unchanged_side_into_a_change() {
        // Source "In Review" maps to target "In Progress"; neither side changed since the
        // base, so nothing happens even though forward("In Review") != "In Review".
        let change = detect(
            &text("In Review"),
            Some(&text("In Review")),
            &text("In Progress"),
            Some(&text("In Progress")),
        );
        assert_eq!(change, Change::None);
    }

    #[test]
    fn a_field_never_synced_counts_as_changed_only_with_a_value() {
        assert!(!changed(&Value::Null, None));
        assert!(changed(&text("v"), None));
    }
}
