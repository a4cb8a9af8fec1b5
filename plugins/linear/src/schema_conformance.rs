//! Checks every GraphQL document and input the connector sends against Linear's published
//! schema (`<workspace>/../shared/apidata/linear/schema.graphql`): each selected field exists
//! on its type, each argument on its field with the variable's type, and each input and
//! filter key the connector builds exists on its input type. The sandbox is lenient; this is
//! what keeps the connector right for the real API.

use std::collections::HashMap;
use std::path::PathBuf;

/// A field of a type: its arguments (name → type) and its type, as written (`[String!]!`).
#[derive(Debug, Default)]
struct SchemaField {
    arguments: HashMap<String, String>,
    of_type: String,
}

type Schema = HashMap<String, HashMap<String, SchemaField>>;

/// The schema text, or `None` (after saying so) when the reference data is not here. With
/// `CI=true` a missing file fails the test.
fn schema_text() -> Option<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/apidata/linear/schema.graphql");
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(error) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!(
                "CI=true but the Linear schema {} is missing: {error}",
                path.display()
            )
        }
        Err(error) => {
            eprintln!(
                "SKIPPED: Linear schema conformance, {} is not readable: {error}",
                path.display()
            );
            None
        }
    }
}

/// `[IssueLabel!]!` → `IssueLabel`.
fn named(of_type: &str) -> String {
    of_type
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// Type and input definitions with their fields (docstrings skipped).
fn parse_schema(text: &str) -> Schema {
    let mut schema = Schema::new();
    let mut current: Option<String> = None;
    let mut in_doc = false;
    let mut open_field: Option<String> = None;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("\"\"\"") {
            let single = trimmed.len() > 3 && trimmed.ends_with("\"\"\"") && trimmed.len() >= 6;
            if !single {
                in_doc = !in_doc;
            }
            continue;
        }
        if in_doc {
            continue;
        }
        if !line.starts_with(' ') {
            current = None;
            for prefix in ["type ", "input "] {
                if let Some(rest) = line.strip_prefix(prefix) {
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    schema.entry(name.clone()).or_default();
                    current = Some(name);
                }
            }
            continue;
        }
        let Some(type_name) = current.clone() else {
            continue;
        };
        let fields = schema.entry(type_name).or_default();
        let indent = line.len() - line.trim_start().len();
        if indent == 2 {
            if let Some(rest) = trimmed.strip_prefix("):") {
                if let Some(field) = open_field.take() {
                    fields.entry(field).or_default().of_type = rest.trim().to_owned();
                }
                continue;
            }
            let name: String = trimmed
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let rest = &trimmed[name.len()..];
            if let Some(of_type) = rest.strip_prefix(':') {
                let of_type = of_type.split_whitespace().next().unwrap_or_default();
                fields.entry(name).or_default().of_type = of_type.to_owned();
            } else if rest.starts_with('(') {
                fields.entry(name.clone()).or_default();
                open_field = Some(name);
            }
        } else if indent == 4
            && let (Some(field), Some((argument, of_type))) = (&open_field, trimmed.split_once(':'))
        {
            let of_type = of_type.split_whitespace().next().unwrap_or_default();
            fields
                .entry(field.clone())
                .or_default()
                .arguments
                .insert(argument.trim().to_owned(), of_type.to_owned());
        }
    }
    schema
}

fn tokens(document: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in document.chars() {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        if "{}():$![]".contains(c) {
            out.push(c.to_string());
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// Checks one operation document; returns every problem found.
fn check_document(schema: &Schema, document: &str) -> Vec<String> {
    let tokens = tokens(document);
    let mut problems = Vec::new();
    let mut at = 0;
    let root = match tokens.first().map(String::as_str) {
        Some("query") => "Query",
        Some("mutation") => "Mutation",
        other => return vec![format!("not an operation: {other:?}")],
    };
    at += 2; // keyword, name
    let mut variables: HashMap<String, String> = HashMap::new();
    if tokens.get(at).map(String::as_str) == Some("(") {
        at += 1;
        while tokens.get(at).map(String::as_str) == Some("$") {
            let name = tokens[at + 1].clone();
            at += 3; // $ name :
            let mut of_type = String::new();
            while let Some(token) = tokens.get(at) {
                if token == "$" || token == ")" {
                    break;
                }
                of_type.push_str(token);
                at += 1;
            }
            variables.insert(name, of_type);
        }
        at += 1; // )
    }
    selection(schema, &tokens, &mut at, root, &variables, &mut problems);
    problems
}

fn selection(
    schema: &Schema,
    tokens: &[String],
    at: &mut usize,
    on: &str,
    variables: &HashMap<String, String>,
    problems: &mut Vec<String>,
) {
    *at += 1; // {
    while let Some(token) = tokens.get(*at) {
        if token == "}" {
            *at += 1;
            return;
        }
        let name = token.clone();
        *at += 1;
        let field = schema.get(on).and_then(|fields| fields.get(&name));
        if field.is_none() {
            problems.push(format!("{on} has no field `{name}`"));
        }
        if tokens.get(*at).map(String::as_str) == Some("(") {
            *at += 1;
            while tokens.get(*at).map(String::as_str) != Some(")") {
                let (argument, variable) = (tokens[*at].clone(), tokens[*at + 3].clone());
                *at += 4; // argument : $ variable
                let declared = field.and_then(|field| field.arguments.get(&argument));
                let given = variables.get(&variable);
                match (declared, given) {
                    (None, _) => problems.push(format!("{on}.{name} has no argument `{argument}`")),
                    (Some(declared), Some(given)) => {
                        let compatible = declared == given
                            || (!declared.ends_with('!')
                                && given.trim_end_matches('!') == declared);
                        if !compatible {
                            problems.push(format!(
                                "{on}.{name}({argument}:) is {declared}, the variable is {given}"
                            ));
                        }
                    }
                    (Some(_), None) => {
                        problems.push(format!("variable `${variable}` is not declared"))
                    }
                }
            }
            *at += 1;
        }
        if tokens.get(*at).map(String::as_str) == Some("{") {
            let inner = field.map(|field| named(&field.of_type)).unwrap_or_default();
            selection(schema, tokens, at, &inner, variables, problems);
        }
    }
}

/// Whether `path` (input field names) leads somewhere from input type `from`.
fn input_path(schema: &Schema, from: &str, path: &[&str]) -> Result<(), String> {
    let mut on = from.to_owned();
    for key in path {
        let field = schema
            .get(&on)
            .and_then(|fields| fields.get(*key))
            .ok_or_else(|| {
                format!("{on} has no input field `{key}` (path {path:?} from {from})")
            })?;
        on = named(&field.of_type);
    }
    Ok(())
}

#[test]
fn every_document_the_connector_sends_fits_linears_schema() {
    let Some(text) = schema_text() else { return };
    let schema = parse_schema(&text);
    assert!(
        schema
            .get("Issue")
            .is_some_and(|issue| issue.contains_key("identifier"))
    );
    let documents = [
        crate::listing::document(),
        crate::connector::get_document(),
        crate::connector::create_document(),
        crate::connector::update_document(),
        crate::directory::TEAMS.to_owned(),
        crate::directory::STATES.to_owned(),
        crate::directory::LABELS.to_owned(),
        crate::directory::USERS.to_owned(),
    ];
    let problems: Vec<String> = documents
        .iter()
        .flat_map(|document| check_document(&schema, document))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_checker_notices_a_field_linear_does_not_have() {
    let Some(text) = schema_text() else { return };
    let schema = parse_schema(&text);
    let problems = check_document(
        &schema,
        "query Q($id: String!) { issue(id: $id) { id severity state { colour } } }",
    );
    assert_eq!(
        problems,
        [
            "Issue has no field `severity`",
            "WorkflowState has no field `colour`"
        ]
    );
    let problems = check_document(
        &schema,
        "query Q($id: Int, $n: Int) { issue(id: $id, limit: $n) { id } }",
    );
    assert_eq!(
        problems,
        [
            "Query.issue(id:) is String!, the variable is Int",
            "Query.issue has no argument `limit`"
        ]
    );
}

#[test]
fn every_input_and_filter_key_the_connector_builds_exists_in_linears_schema() {
    let Some(text) = schema_text() else { return };
    let schema = parse_schema(&text);
    let paths: [(&str, &[&str]); 24] = [
        ("IssueCreateInput", &["id"]),
        ("IssueCreateInput", &["teamId"]),
        ("IssueCreateInput", &["title"]),
        ("IssueCreateInput", &["description"]),
        ("IssueCreateInput", &["stateId"]),
        ("IssueCreateInput", &["priority"]),
        ("IssueCreateInput", &["labelIds"]),
        ("IssueCreateInput", &["assigneeId"]),
        ("IssueCreateInput", &["dueDate"]),
        ("IssueCreateInput", &["estimate"]),
        ("IssueUpdateInput", &["title"]),
        ("IssueUpdateInput", &["description"]),
        ("IssueUpdateInput", &["stateId"]),
        ("IssueUpdateInput", &["priority"]),
        ("IssueUpdateInput", &["labelIds"]),
        ("IssueUpdateInput", &["assigneeId"]),
        ("IssueUpdateInput", &["dueDate"]),
        ("IssueUpdateInput", &["estimate"]),
        ("IssueFilter", &["team", "key", "in"]),
        ("IssueFilter", &["updatedAt", "gte"]),
        ("IssueFilter", &["labels", "some", "name", "in"]),
        ("TeamFilter", &["key", "eq"]),
        ("WorkflowStateFilter", &["team", "key", "eq"]),
        ("IssueLabelFilter", &["team", "null"]),
    ];
    let problems: Vec<String> = paths
        .iter()
        .filter_map(|(from, path)| input_path(&schema, from, path).err())
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(input_path(&schema, "IssueFilter", &["and"]).is_ok());
    assert!(input_path(&schema, "IssueLabelFilter", &["or"]).is_ok());
    assert!(input_path(&schema, "IssueUpdateInput", &["teamKey"]).is_err());
}
