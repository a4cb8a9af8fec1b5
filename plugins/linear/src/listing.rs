//! `list-changed`: the team's issues updated since the watermark, one Relay page at a time.
//!
//! Order: Linear paginates `orderBy: updatedAt` **newest first** and offers no ascending
//! order for cursor pagination (the `sort` argument is marked internal). Each page is
//! sorted ascending by `updatedAt` before it is returned, but pages run from the newest
//! changes to the oldest, so a caller must advance its watermark only after the last page
//! (to the greatest `updated-at` it saw), never page by page.
//!
//! Filter: `team.key` (the `team` setting, or `filter.projects` as team keys),
//! `updatedAt.gte` (the watermark), `labels.some.name.in` (`filter.labels`), and
//! `filter.query`, a JSON `IssueFilter` merged in; where it names a key the connector
//! already sets, both conditions apply (joined under `and`). Linear issues have no issue
//! types, so a non-empty `filter.issue-types` is refused.

use serde_json::{Map, Value as Json, json};

use pmsync_sdk::{ListRequest, Page, PluginError};

use crate::graphql::{self, Connection};
use crate::issue::{ISSUE_SELECTION, IssueNode};
use crate::settings::Settings;

/// Linear's default and maximum `first`.
const DEFAULT_PAGE_SIZE: u32 = 50;
const MAX_PAGE_SIZE: u32 = 250;

pub fn document() -> String {
    format!(
        "query PmsyncIssues($filter: IssueFilter, $first: Int, $after: String, \
         $orderBy: PaginationOrderBy) {{ issues(filter: $filter, first: $first, after: $after, \
         orderBy: $orderBy) {{ nodes {{ {ISSUE_SELECTION} }} pageInfo {{ hasNextPage endCursor }} }} }}"
    )
}

/// The variables of the `issues` query for `request`.
pub fn variables(settings: &Settings, request: &ListRequest) -> Result<Json, PluginError> {
    let first = match request.page_size {
        0 => DEFAULT_PAGE_SIZE,
        size => size.min(MAX_PAGE_SIZE),
    };
    Ok(json!({
        "filter": issue_filter(settings, request)?,
        "first": first,
        "after": request.cursor,
        "orderBy": "updatedAt",
    }))
}

/// The `IssueFilter` for `request`.
pub fn issue_filter(
    settings: &Settings,
    request: &ListRequest,
) -> Result<Map<String, Json>, PluginError> {
    let filter = &request.filter;
    if !filter.issue_types.is_empty() {
        return Err(PluginError::invalid_input(format!(
            "Linear issues have no issue types (filter asked for {}); narrow a Linear side \
             with labels or a Linear filter query instead",
            filter.issue_types.join(", ")
        )));
    }
    let mut built = Map::new();
    let team = match filter.projects.as_slice() {
        [] => json!({"key": {"eq": settings.team}}),
        teams => json!({"key": {"in": teams}}),
    };
    built.insert("team".to_owned(), team);
    if let Some(since) = request
        .since
        .as_deref()
        .filter(|since| !since.trim().is_empty())
    {
        built.insert("updatedAt".to_owned(), json!({"gte": since.trim()}));
    }
    if !filter.labels.is_empty() {
        built.insert(
            "labels".to_owned(),
            json!({"some": {"name": {"in": filter.labels}}}),
        );
    }
    if let Some(query) = filter
        .query
        .as_deref()
        .filter(|query| !query.trim().is_empty())
    {
        merge(&mut built, parse_query(query)?);
    }
    Ok(built)
}

fn parse_query(query: &str) -> Result<Map<String, Json>, PluginError> {
    match serde_json::from_str::<Json>(query) {
        Ok(Json::Object(object)) => Ok(object),
        Ok(other) => Err(PluginError::invalid_input(format!(
            "the Linear filter query must be a JSON object (an IssueFilter), got {other}"
        ))),
        Err(error) => Err(PluginError::invalid_input(format!(
            "the Linear filter query is not valid JSON: {error}"
        ))),
    }
}

/// Adds the query's conditions to ours; a key both set goes under `and`, so both apply.
fn merge(built: &mut Map<String, Json>, query: Map<String, Json>) {
    let mut both: Vec<Json> = Vec::new();
    for (key, condition) in query {
        if key == "and" {
            match condition {
                Json::Array(list) => both.extend(list),
                other => both.push(other),
            }
            continue;
        }
        match built.remove(&key) {
            Some(ours) => {
                both.push(json!({ key.clone(): ours }));
                both.push(json!({ key: condition }));
            }
            None => {
                built.insert(key, condition);
            }
        }
    }
    if !both.is_empty() {
        built.insert("and".to_owned(), Json::Array(both));
    }
}

/// One page of changed issues, ascending by `updatedAt` within the page.
pub fn list_changed(settings: &Settings, request: &ListRequest) -> Result<Page, PluginError> {
    let mut data = graphql::execute(
        settings,
        "PmsyncIssues",
        &document(),
        variables(settings, request)?,
    )?;
    let connection: Connection<IssueNode> = graphql::field(&mut data, "PmsyncIssues", "issues")?;
    let mut items: Vec<_> = connection
        .nodes
        .into_iter()
        .map(IssueNode::into_item)
        .collect();
    // Linear's timestamps share one format (`2025-07-01T12:00:00.000Z`), so text order is
    // time order; the sort is stable for equal instants.
    items.sort_by(|a, b| a.updated_at.cmp(&b.updated_at));
    let next_cursor = match (
        connection.page_info.has_next_page,
        connection.page_info.end_cursor,
    ) {
        (true, Some(cursor)) => Some(cursor),
        (true, None) => {
            return Err(PluginError::transient(
                "Linear PmsyncIssues said there is a next page but gave no cursor",
            ));
        }
        (false, _) => None,
    };
    Ok(Page { items, next_cursor })
}
