//! The flow as a graph of steps: which steps `start` never leads to, and
//! which loops would run forever.
//!
//! A loop is fine when it passes through a step that waits (`buttons`,
//! `list`, `ask`, `wait`): "back to the menu" waits for the customer each
//! time round. A loop of `message`, `label` and `branch` steps alone would
//! spin without end (the interpreter's step budget would stop it with a
//! handover, but the builder should never let it be saved).

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::{Problem, Severity};
use crate::flow::Flow;

/// Steps that `start` never leads to, as warnings.
pub(super) fn unreachable(flow: &Flow) -> Vec<Problem> {
    if !flow.steps.contains_key(&flow.start) {
        return vec![]; // already an error on `start`; every step would be listed
    }
    let reached = reachable(flow, &flow.start, |_| true);
    flow.steps
        .keys()
        .filter(|id| !reached.contains(id.as_str()))
        .map(|id| Problem {
            path: format!("steps.{id}"),
            message: "no step leads here from start: it never runs".into(),
            severity: Severity::Warning,
        })
        .collect()
}

/// Loops that never wait, one error per loop, named at its first step.
pub(super) fn loops(flow: &Flow) -> Vec<Problem> {
    let instant = |id: &str| flow.steps.get(id).is_some_and(|s| !s.waits());
    let mut covered = BTreeSet::new();
    let mut problems = Vec::new();
    for id in flow.steps.keys().filter(|id| instant(id)) {
        if covered.contains(id.as_str()) {
            continue;
        }
        if let Some(cycle) = cycle_through(flow, id, &instant) {
            covered.extend(cycle.iter().cloned());
            problems.push(Problem {
                path: format!("steps.{id}"),
                message: format!(
                    "loops forever without waiting for the customer: {}; \
                     put a buttons, list, ask or wait step in the loop",
                    cycle.iter().chain([id]).map(String::as_str).collect::<Vec<_>>().join(" -> ")
                ),
                severity: Severity::Error,
            });
        }
    }
    problems
}

/// Every step reachable from `from` (itself included) through steps
/// that `through` accepts.
fn reachable<'a>(flow: &'a Flow, from: &'a str, through: impl Fn(&str) -> bool) -> BTreeSet<&'a str> {
    let mut seen = BTreeSet::from([from]);
    let mut queue = VecDeque::from([from]);
    while let Some(id) = queue.pop_front() {
        for (_, next) in flow.steps.get(id).map(|s| s.targets()).unwrap_or_default() {
            if flow.steps.contains_key(next) && through(next) && seen.insert(next) {
                queue.push_back(next);
            }
        }
    }
    seen
}

/// The shortest loop from `start` back to itself through `instant`
/// steps only, as the steps in order (starting with `start`).
fn cycle_through(flow: &Flow, start: &str, instant: &impl Fn(&str) -> bool) -> Option<Vec<String>> {
    let mut parent: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(id) = queue.pop_front() {
        for (_, next) in flow.steps.get(id).map(|s| s.targets()).unwrap_or_default() {
            if next == start {
                let mut path = vec![id.to_string()];
                let mut at = id;
                while at != start {
                    at = parent[at];
                    path.push(at.to_string());
                }
                path.reverse();
                return Some(path);
            }
            if instant(next) && !parent.contains_key(next) && next != start {
                parent.insert(next, id);
                queue.push_back(next);
            }
        }
    }
    None
}
