//! The sandbox's GraphQL (GitHub Projects v2 and Linear) checked against the official schemas
//! in `../shared/apidata` (read in place, never copied):
//!
//! * every type, field, argument, input field, enum value and union member of the sandbox's
//!   SDL exists in the official schema with the same type;
//! * every operation the first-party connectors send validates against the official schema
//!   and against the sandbox's;
//! * the sandbox's answers to those operations hold exactly the selected fields, typed as
//!   the official schema types them (no non-null field missing or null, no extra field).
//!
//! Without the reference data the checks are skipped with a message, unless `CI=true`.

mod graphql_support;

use apollo_compiler::Schema;
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::validation::Valid;
use serde_json::{Value, json};

use graphql_support::{AnswerCheck, Api, apidata, official_schema, post, sandbox_schema};
use pmsync_sandbox::{Sandbox, SandboxOptions};

/// Differences between the sandbox's schema and the official one, one line each.
fn subset_differences(ours: &Valid<Schema>, official: &Schema) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, ty) in &ours.types {
        if ty.is_built_in() {
            continue;
        }
        let Some(theirs) = official.types.get(name) else {
            problems.push(format!("type {name} is not in the official schema"));
            continue;
        };
        match (ty, theirs) {
            (ExtendedType::Object(o), ExtendedType::Object(t)) => {
                for i in &o.implements_interfaces {
                    if !t.implements_interfaces.contains(i) {
                        problems.push(format!("{name} does not implement {} officially", i.name));
                    }
                }
                compare_fields(name, &o.fields, &t.fields, &mut problems);
            }
            (ExtendedType::Interface(o), ExtendedType::Interface(t)) => {
                compare_fields(name, &o.fields, &t.fields, &mut problems);
            }
            (ExtendedType::InputObject(o), ExtendedType::InputObject(t)) => {
                for (field, def) in &o.fields {
                    match t.fields.get(field) {
                        None => {
                            problems.push(format!("input field {name}.{field} is not official"))
                        }
                        Some(official) if official.ty != def.ty => problems.push(format!(
                            "input field {name}.{field}: {} here, {} officially",
                            def.ty, official.ty
                        )),
                        Some(_) => {}
                    }
                }
            }
            (ExtendedType::Enum(o), ExtendedType::Enum(t)) => {
                for value in o.values.keys() {
                    if !t.values.contains_key(value) {
                        problems.push(format!("enum value {name}.{value} is not official"));
                    }
                }
            }
            (ExtendedType::Union(o), ExtendedType::Union(t)) => {
                for member in &o.members {
                    if !t.members.contains(member) {
                        problems.push(format!(
                            "{} is not officially a member of {name}",
                            member.name
                        ));
                    }
                }
            }
            (ExtendedType::Scalar(_), ExtendedType::Scalar(_)) => {}
            _ => problems.push(format!("{name} is a different kind of type officially")),
        }
    }
    problems
}

fn compare_fields(
    type_name: &str,
    ours: &apollo_compiler::collections::IndexMap<
        apollo_compiler::Name,
        apollo_compiler::schema::Component<apollo_compiler::schema::FieldDefinition>,
    >,
    official: &apollo_compiler::collections::IndexMap<
        apollo_compiler::Name,
        apollo_compiler::schema::Component<apollo_compiler::schema::FieldDefinition>,
    >,
    problems: &mut Vec<String>,
) {
    for (field, def) in ours {
        let Some(theirs) = official.get(field) else {
            problems.push(format!("field {type_name}.{field} is not official"));
            continue;
        };
        if theirs.ty != def.ty {
            problems.push(format!(
                "field {type_name}.{field}: {} here, {} officially",
                def.ty, theirs.ty
            ));
        }
        for argument in &def.arguments {
            match theirs.arguments.iter().find(|a| a.name == argument.name) {
                None => problems.push(format!(
                    "argument {type_name}.{field}({}) is not official",
                    argument.name
                )),
                Some(official) if official.ty != argument.ty => problems.push(format!(
                    "argument {type_name}.{field}({}): {} here, {} officially",
                    argument.name, argument.ty, official.ty
                )),
                Some(_) => {}
            }
        }
    }
}

#[test]
fn every_type_field_and_argument_the_sandbox_serves_is_in_the_official_schemas() {
    let Some(dir) = apidata() else { return };
    for api in [Api::GitHub, Api::Linear] {
        let official = official_schema(&dir, api);
        let problems = subset_differences(sandbox_schema(api), &official);
        assert!(
            problems.is_empty(),
            "{api:?}: the sandbox's schema differs from the official one:\n{}",
            problems.join("\n")
        );
    }
}

#[test]
fn a_field_that_is_not_official_is_reported_by_the_subset_check() {
    let Some(dir) = apidata() else { return };
    let official = official_schema(&dir, Api::Linear);
    let invented = Schema::parse_and_validate(
        "type Query { issue(id: String!): Issue! }
         type Issue { id: ID! severity: Int title: Int }",
        "invented.graphql",
    )
    .expect("valid SDL");
    let problems = subset_differences(&invented, &official);
    assert!(
        problems.iter().any(|p| p.contains("Issue.severity")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("Issue.title: Int here")),
        "{problems:?}"
    );
}

/// The GitHub Projects connector's documents, with variables for the sandbox's board.
fn github_projects_operations(sb: &pmsync_sandbox::SandboxHandle) -> Vec<(String, Value)> {
    use pmsync_plugin_github_projects::queries;
    let gh = sb.github();
    let (issue, item) = (1..=50)
        .find_map(|n| Some((gh.issue(n)?, gh.project_item_for_issue(n)?)))
        .expect("an issue on the board");
    let status = gh.project_field_id("Status").expect("Status field");
    let estimate = gh.project_field_id("Estimate").expect("Estimate field");
    let option = gh.project_option_id("Status", "Done").expect("Done option");
    let project = gh.project_id();
    vec![
        (
            queries::project("organization"),
            json!({"login": "acme", "number": 1}),
        ),
        (
            queries::items("organization", false),
            json!({"login": "acme", "number": 1, "first": 5, "after": null}),
        ),
        (
            queries::items("organization", true),
            json!({"login": "acme", "number": 1, "first": 5, "after": null, "query": ""}),
        ),
        (queries::item(), json!({"id": item.id})),
        (
            queries::ISSUE_PROJECT_ITEMS.to_string(),
            json!({"id": issue.node_id}),
        ),
        (
            queries::UPDATE_FIELD.to_string(),
            json!({"input": {"projectId": project, "itemId": item.id, "fieldId": status, "value": {"singleSelectOptionId": option}}}),
        ),
        (
            queries::CLEAR_FIELD.to_string(),
            json!({"input": {"projectId": project, "itemId": item.id, "fieldId": estimate}}),
        ),
        (
            queries::UPDATE_ISSUE.to_string(),
            json!({"input": {"id": issue.node_id, "title": "Renamed on the board"}}),
        ),
        (
            queries::ADD_ITEM.to_string(),
            json!({"input": {"projectId": project, "contentId": issue.node_id}}),
        ),
    ]
}

/// The Linear connector's documents, with variables for the sandbox's workspace.
fn linear_operations(sb: &pmsync_sandbox::SandboxHandle) -> Vec<(String, Value)> {
    use pmsync_plugin_linear::{connector, directory, listing};
    let lin = sb.linear();
    let done = lin.state_id("Done").expect("Done state");
    vec![
        (
            listing::document(),
            json!({"filter": {"team": {"key": {"eq": "ENG"}}, "updatedAt": {"gte": "2020-01-01T00:00:00Z"}, "labels": {"some": {"name": {"in": ["bug"]}}}}, "first": 3, "after": null, "orderBy": "updatedAt"}),
        ),
        (connector::get_document(), json!({"id": "ENG-2"})),
        (
            connector::create_document(),
            json!({"input": {"teamId": lin.team_id(), "title": "From the conformance test", "priority": 2}}),
        ),
        (
            connector::update_document(),
            json!({"id": "ENG-3", "input": {"stateId": done, "title": "Renamed"}}),
        ),
        (
            directory::TEAMS.to_string(),
            json!({"filter": {"key": {"eq": "ENG"}}, "first": 250}),
        ),
        (
            directory::STATES.to_string(),
            json!({"filter": {"team": {"key": {"eq": "ENG"}}}, "first": 250}),
        ),
        (
            directory::LABELS.to_string(),
            json!({"filter": {"or": [{"team": {"null": true}}, {"team": {"key": {"eq": "ENG"}}}]}, "first": 250}),
        ),
        (directory::USERS.to_string(), json!({"first": 250})),
    ]
}

#[test]
fn every_operation_of_the_first_party_connectors_is_valid_officially_and_in_the_sandbox() {
    let Some(dir) = apidata() else { return };
    let (sb, _runtime) = Sandbox::start_blocking(SandboxOptions::default()).expect("sandbox");
    for (api, operations) in [
        (Api::GitHub, github_projects_operations(&sb)),
        (Api::Linear, linear_operations(&sb)),
    ] {
        let official = Valid::assume_valid(official_schema(&dir, api));
        for (document, _) in &operations {
            for (which, schema) in [("official", &official), ("sandbox", sandbox_schema(api))] {
                if let Err(e) = apollo_compiler::ExecutableDocument::parse_and_validate(
                    schema,
                    document,
                    "operation.graphql",
                ) {
                    panic!(
                        "{api:?} operation is invalid against the {which} schema:\n{document}\n{}",
                        e.errors
                    );
                }
            }
        }
    }
}

#[test]
fn the_sandboxs_answers_to_the_connectors_hold_exactly_the_selected_officially_typed_fields() {
    let Some(dir) = apidata() else { return };
    let (sb, runtime) = Sandbox::start_blocking(SandboxOptions::default()).expect("sandbox");
    let runtime = runtime.runtime().expect("runtime");
    for (api, url, operations) in [
        (
            Api::GitHub,
            sb.github_graphql_url(),
            github_projects_operations(&sb),
        ),
        (Api::Linear, sb.linear_url(), linear_operations(&sb)),
    ] {
        let check = AnswerCheck::new(official_schema(&dir, api));
        for (document, variables) in operations {
            let (sent, answer) = runtime.block_on(post(&check, &url, &document, variables));
            assert!(
                answer.get("errors").is_none(),
                "{api:?} answered errors to\n{sent}\n{answer}"
            );
            let problems = check.problems(&sent, &answer);
            assert!(
                problems.is_empty(),
                "{api:?} answer to\n{sent}\ndiffers from the selection set or the official types:\n{}\n{answer}",
                problems.join("\n")
            );
        }
    }
}

#[test]
fn the_answer_check_catches_a_missing_non_null_field_and_an_extra_one() {
    let Some(dir) = apidata() else { return };
    let check = AnswerCheck::new(official_schema(&dir, Api::Linear));
    let document = check.with_typenames("query { viewer { id name } }");
    let missing =
        json!({"data": {"__typename": "Query", "viewer": {"__typename": "User", "id": "u"}}});
    assert!(
        check
            .problems(&document, &missing)
            .iter()
            .any(|p| p.contains("viewer.name"))
    );
    let extra = json!({"data": {"__typename": "Query", "viewer": {"__typename": "User", "id": "u", "name": "n", "email": "e"}}});
    assert!(
        check
            .problems(&document, &extra)
            .iter()
            .any(|p| p.contains("email"))
    );
    let null = json!({"data": {"__typename": "Query", "viewer": {"__typename": "User", "id": "u", "name": null}}});
    assert!(
        check
            .problems(&document, &null)
            .iter()
            .any(|p| p.contains("null"))
    );
}
