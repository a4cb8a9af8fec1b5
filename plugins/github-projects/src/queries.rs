//! The GraphQL documents. Every argument is a `$variable`.

/// The selection of one project item: its issue content and its field values.
pub const ITEM_SELECTION: &str = "id type isArchived updatedAt project { id } \
content { ... on Issue { id number title url updatedAt repository { nameWithOwner } labels(first: 50) { nodes { name } } } } \
fieldValues(first: 50) { nodes { \
... on ProjectV2ItemFieldSingleSelectValue { name optionId field { ... on ProjectV2FieldCommon { id name } } } \
... on ProjectV2ItemFieldIterationValue { title iterationId field { ... on ProjectV2FieldCommon { id name } } } \
... on ProjectV2ItemFieldNumberValue { number field { ... on ProjectV2FieldCommon { id name } } } \
... on ProjectV2ItemFieldDateValue { date field { ... on ProjectV2FieldCommon { id name } } } \
... on ProjectV2ItemFieldTextValue { text field { ... on ProjectV2FieldCommon { id name } } } } }";

/// The project's id and fields. `root` is `organization` or `user`.
pub fn project(root: &str) -> String {
    format!(
        "query($login: String!, $number: Int!) {{ {root}(login: $login) {{ projectV2(number: $number) {{ id title \
fields(first: 50) {{ nodes {{ \
... on ProjectV2FieldCommon {{ id name dataType }} \
... on ProjectV2SingleSelectField {{ options {{ id name }} }} \
... on ProjectV2IterationField {{ configuration {{ iterations {{ id title }} completedIterations {{ id title }} }} }} }} }} }} }} }}"
    )
}

/// One page of the project's items; `with_query` adds the project filter `$query`.
pub fn items(root: &str, with_query: bool) -> String {
    let (declare, pass) = if with_query {
        (", $query: String", ", query: $query")
    } else {
        ("", "")
    };
    format!(
        "query($login: String!, $number: Int!, $first: Int!, $after: String{declare}) {{ {root}(login: $login) {{ \
projectV2(number: $number) {{ items(first: $first, after: $after{pass}) {{ pageInfo {{ hasNextPage endCursor }} \
nodes {{ {ITEM_SELECTION} }} }} }} }} }}"
    )
}

/// One item by its node id.
pub fn item() -> String {
    format!("query($id: ID!) {{ node(id: $id) {{ ... on ProjectV2Item {{ {ITEM_SELECTION} }} }} }}")
}

/// The project items of an issue, by the issue's node id.
pub const ISSUE_PROJECT_ITEMS: &str = "query($id: ID!) { node(id: $id) { ... on Issue { projectItems(first: 50) { nodes { id project { id } } } } } }";

pub const ADD_ITEM: &str = "mutation($input: AddProjectV2ItemByIdInput!) { addProjectV2ItemById(input: $input) { item { id } } }";

pub const UPDATE_FIELD: &str = "mutation($input: UpdateProjectV2ItemFieldValueInput!) { \
updateProjectV2ItemFieldValue(input: $input) { projectV2Item { id } } }";

pub const CLEAR_FIELD: &str = "mutation($input: ClearProjectV2ItemFieldValueInput!) { \
clearProjectV2ItemFieldValue(input: $input) { projectV2Item { id } } }";

pub const UPDATE_ISSUE: &str =
    "mutation($input: UpdateIssueInput!) { updateIssue(input: $input) { issue { id title } } }";
