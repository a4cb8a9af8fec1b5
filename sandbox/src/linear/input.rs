//! The input objects of `issueCreate` and `issueUpdate`: checked as a whole, applied only
//! when all of it is valid. Fields: `teamId` (create), `id` (create: the client-chosen UUID;
//! refused when malformed), `title`, `description`, `priority` (0..4), `stateId`,
//! `labelIds`, `addedLabelIds`/`removedLabelIds` (update), `assigneeId`, `dueDate`
//! (`yyyy-MM-dd`), `estimate`.

use chrono::{NaiveDate, Utc};
use serde_json::{Map, Value};

use crate::linear::store::{
    LABELS, LinearIssue, STATES, TEAM_KEY, label_id, state_id, team_id, user_id,
};
use crate::seed::PEOPLE;

/// A blank issue for `issueCreate` to fill (in the team's `Todo` state).
pub(crate) fn new_issue() -> LinearIssue {
    LinearIssue {
        id: String::new(),
        number: 0,
        identifier: String::new(),
        title: String::new(),
        description: None,
        priority: 0,
        state_id: state_id(1),
        label_ids: vec![],
        assignee_id: None,
        due_date: None,
        estimate: None,
        created_at: Utc::now(),
        updated_at: Utc::now(),
        completed_at: None,
        canceled_at: None,
        attachments: Vec::new(),
    }
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, hexadecimal.
fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Validated issue input; nothing is applied unless all of it is valid.
pub(crate) fn apply_input(
    input: &Map<String, Value>,
    issue: &mut LinearIssue,
    creating: bool,
) -> Result<(), String> {
    let mut next = issue.clone();
    for (key, v) in input {
        match key.as_str() {
            "teamId" if creating => {
                if v.as_str() != Some(team_id().as_str()) {
                    return Err(format!("teamId {v} is not a team of this workspace"));
                }
            }
            "id" if creating => {
                // Checked against existing issues by the caller, which has the store.
                next.id = v
                    .as_str()
                    .filter(|id| is_uuid(id))
                    .ok_or_else(|| format!("id must be a UUID (in UUID v4 format), got {v}"))?
                    .to_ascii_lowercase();
            }
            "title" => {
                next.title = v
                    .as_str()
                    .filter(|t| !t.trim().is_empty())
                    .ok_or("title must be a non-empty string")?
                    .to_string();
            }
            "description" => {
                next.description = match v {
                    Value::Null => None,
                    Value::String(s) => Some(s.clone()),
                    _ => return Err("description must be a string".into()),
                };
            }
            "priority" => {
                next.priority =
                    v.as_u64().filter(|p| *p <= 4).ok_or_else(|| {
                        format!("priority must be an integer from 0 to 4, got {v}")
                    })? as u8;
            }
            "stateId" => {
                let id = v.as_str().unwrap_or_default();
                if !(0..STATES.len()).any(|i| state_id(i) == id) {
                    return Err(format!(
                        "stateId {v} is not a workflow state of team {TEAM_KEY}"
                    ));
                }
                next.state_id = id.to_string();
            }
            "labelIds" | "addedLabelIds" | "removedLabelIds" => {
                let ids: Vec<String> = v
                    .as_array()
                    .ok_or_else(|| format!("{key} must be a list"))?
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect();
                if let Some(bad) = ids
                    .iter()
                    .find(|id| !(0..LABELS.len()).any(|i| &&label_id(i) == id))
                {
                    return Err(format!("{key} contains an unknown label id {bad}"));
                }
                match key.as_str() {
                    "labelIds" => next.label_ids = ids,
                    "addedLabelIds" => next
                        .label_ids
                        .extend(ids.into_iter().filter(|id| !issue.label_ids.contains(id))),
                    _ => next.label_ids.retain(|id| !ids.contains(id)),
                }
            }
            "assigneeId" => {
                next.assignee_id = match v {
                    Value::Null => None,
                    Value::String(id) if (0..PEOPLE.len()).any(|i| &user_id(i) == id) => {
                        Some(id.clone())
                    }
                    _ => return Err(format!("assigneeId {v} is not a user of this workspace")),
                };
            }
            "dueDate" => {
                next.due_date = match v {
                    Value::Null => None,
                    Value::String(s) => Some(
                        NaiveDate::parse_from_str(s, "%Y-%m-%d")
                            .map_err(|_| format!("dueDate must be yyyy-MM-dd, got {s}"))?,
                    ),
                    _ => return Err("dueDate must be a string".into()),
                };
            }
            "estimate" => {
                next.estimate = match v {
                    Value::Null => None,
                    _ => Some(
                        v.as_f64()
                            .ok_or_else(|| format!("estimate must be a number, got {v}"))?,
                    ),
                };
            }
            "clientMutationId" => {}
            other => {
                return Err(format!(
                    "the sandbox does not support the input field `{other}`"
                ));
            }
        }
    }
    if creating && next.title.trim().is_empty() {
        return Err("title is required".into());
    }
    if next.state_id != issue.state_id {
        let kind = (0..STATES.len())
            .find(|&i| state_id(i) == next.state_id)
            .map(|i| STATES[i].1);
        next.completed_at = (kind == Some("completed")).then(Utc::now);
        next.canceled_at = (kind == Some("canceled")).then(Utc::now);
    }
    *issue = next;
    Ok(())
}
