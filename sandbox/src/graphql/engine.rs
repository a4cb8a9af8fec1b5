//! Runs one GraphQL request against a simulator's schema: parses and validates the document
//! (`apollo-compiler`), coerces the variables, executes the chosen operation by its selection
//! set, and hands back what happened in terms a platform module shapes into its own wire
//! format (GitHub and Linear word their errors differently).

use apollo_compiler::executable::OperationType;
use apollo_compiler::resolvers::Execution;
use apollo_compiler::response::{GraphQLError, ResponseDataPathSegment};
use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Schema};
use serde_json::{Map, Value};

use crate::graphql::node::{KIND_SEPARATOR, Object};

/// A GraphQL HTTP request body.
#[derive(Debug, Clone, serde::Deserialize)]
pub(crate) struct GraphqlBody {
    pub(crate) query: String,
    #[serde(default)]
    pub(crate) variables: Option<Map<String, Value>>,
    #[serde(default, rename = "operationName")]
    pub(crate) operation_name: Option<String>,
}

/// The longest document the simulators parse (the real APIs refuse large ones too).
const MAX_DOCUMENT_BYTES: usize = 256 * 1024;

/// Parses a simulator's SDL; a bad SDL is a bug of the sandbox, caught by its tests.
pub(crate) fn load_schema(sdl: &str, name: &str) -> Valid<Schema> {
    match Schema::parse_and_validate(sdl, name) {
        Ok(schema) => schema,
        Err(errors) => panic!(
            "the sandbox's own schema {name} is invalid:\n{}",
            errors.errors
        ),
    }
}

/// Where a problem is in the document.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Location {
    pub(crate) line: usize,
    pub(crate) column: usize,
}

/// Why a request was refused before execution.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Refusal {
    /// Not a GraphQL document (or too large).
    Syntax {
        message: String,
        locations: Vec<Location>,
    },
    /// A valid document that does not fit the schema, one entry per problem.
    Invalid(Vec<Problem>),
    /// Variables that do not fit their declared types, or no such operation.
    Request {
        message: String,
        locations: Vec<Location>,
    },
}

/// One validation problem.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Problem {
    /// graphql-js's wording (`Cannot query field "x" on type "Y".`).
    pub(crate) message: String,
    /// apollo-compiler's name of the rule, e.g. `UndefinedField`.
    pub(crate) rule: Option<&'static str>,
    pub(crate) locations: Vec<Location>,
}

/// A field error raised while executing.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FieldFailure {
    pub(crate) kind: String,
    pub(crate) message: String,
    pub(crate) path: Vec<Value>,
    pub(crate) locations: Vec<Location>,
}

/// The result of executing an operation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Executed {
    /// `None` when an error on a non-null field reached the root.
    pub(crate) data: Option<Map<String, Value>>,
    pub(crate) failures: Vec<FieldFailure>,
}

/// A document checked against the schema, with its chosen operation.
pub(crate) struct Prepared {
    document: Valid<ExecutableDocument>,
    operation_name: Option<String>,
    pub(crate) kind: OperationType,
    /// Names of the operation's root fields (for the request counters).
    pub(crate) root_fields: Vec<String>,
    variables: serde_json_bytes::Map<serde_json_bytes::ByteString, serde_json_bytes::Value>,
}

fn locations(error: &GraphQLError) -> Vec<Location> {
    error
        .locations
        .iter()
        .map(|l| Location {
            line: l.line,
            column: l.column,
        })
        .collect()
}

/// Parses and validates `body` against `schema` and picks the operation to run.
pub(crate) fn prepare(schema: &Valid<Schema>, body: &GraphqlBody) -> Result<Prepared, Refusal> {
    if body.query.len() > MAX_DOCUMENT_BYTES {
        return Err(Refusal::Syntax {
            message: format!(
                "the document is {} bytes, more than the {MAX_DOCUMENT_BYTES} accepted",
                body.query.len()
            ),
            locations: Vec::new(),
        });
    }
    let document =
        match ExecutableDocument::parse_and_validate(schema, &body.query, "query.graphql") {
            Ok(document) => document,
            Err(with_errors) => {
                let diagnostics: Vec<_> = with_errors.errors.iter().collect();
                if let Some(syntax) = diagnostics
                    .iter()
                    .find(|d| d.error.to_string().starts_with("syntax error"))
                {
                    let json = syntax.unstable_to_json_compat();
                    return Err(Refusal::Syntax {
                        message: syntax.error.to_string(),
                        locations: locations(&json),
                    });
                }
                let problems = diagnostics
                    .iter()
                    .map(|d| {
                        let json = d.unstable_to_json_compat();
                        Problem {
                            message: json.message.clone(),
                            rule: d.error.unstable_error_name(),
                            locations: locations(&json),
                        }
                    })
                    .collect();
                return Err(Refusal::Invalid(problems));
            }
        };
    let operation = document
        .operations
        .get(body.operation_name.as_deref())
        .map_err(|e| Refusal::Request {
            message: e.message().to_string(),
            locations: Vec::new(),
        })?;
    let kind = operation.operation_type;
    if kind == OperationType::Subscription {
        return Err(Refusal::Request {
            message: "Subscriptions are not served over HTTP".into(),
            locations: Vec::new(),
        });
    }
    let root_fields = operation
        .root_fields(&document)
        .map(|f| f.name.to_string())
        .collect();
    let variables =
        serde_json::from_value(Value::Object(body.variables.clone().unwrap_or_default()))
            .unwrap_or_default();
    Ok(Prepared {
        operation_name: Some(operation.name.as_ref().map(|n| n.to_string()))
            .flatten()
            .or_else(|| body.operation_name.clone()),
        document,
        kind,
        root_fields,
        variables,
    })
}

/// Executes a prepared operation from `root` (the query or mutation root object).
pub(crate) fn execute(
    schema: &Valid<Schema>,
    prepared: &Prepared,
    root: &Object<'_>,
) -> Result<Executed, Refusal> {
    let operation = prepared
        .document
        .operations
        .get(prepared.operation_name.as_deref())
        .map_err(|e| Refusal::Request {
            message: e.message().to_string(),
            locations: Vec::new(),
        })?;
    let response = Execution::new(schema, &prepared.document)
        .operation(operation)
        .raw_variable_values(&prepared.variables)
        .execute_sync(root)
        .map_err(|e| {
            let json = e.to_graphql_error(&prepared.document.sources);
            Refusal::Request {
                message: json.message.clone(),
                locations: locations(&json),
            }
        })?;
    let data = response.data.map(|d| match serde_json::to_value(d) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    });
    let failures = response
        .errors
        .iter()
        .map(|e| {
            let (kind, message) = match e.message.split_once(KIND_SEPARATOR) {
                // The executor words it `resolver error: KIND<sep>message`.
                Some((head, message)) => (
                    head.rsplit(' ').next().unwrap_or(head).to_string(),
                    message.to_string(),
                ),
                // Raised by the executor itself (e.g. a null for a non-null field).
                None => ("INTERNAL".to_string(), e.message.clone()),
            };
            FieldFailure {
                kind,
                message,
                path: e
                    .path
                    .iter()
                    .map(|s| match s {
                        ResponseDataPathSegment::Field(name) => Value::from(name.as_str()),
                        ResponseDataPathSegment::ListIndex(i) => Value::from(*i),
                    })
                    .collect(),
                locations: locations(e),
            }
        })
        .collect();
    Ok(Executed { data, failures })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::node::{Answer, Args, Failure, Node, Resolved};
    use serde_json::json;
    use std::rc::Rc;

    const SDL: &str = "type Query { thing(id: ID!): Thing  things: [Thing!]! }
        interface Named { name: String! }
        type Thing implements Named { id: ID! name: String! size: Int }";

    struct Root;
    impl<'s> Node<'s> for Root {
        fn type_name(&self) -> &str {
            "Query"
        }
        fn field(&self, name: &str, args: &Args) -> Option<Resolved<'s>> {
            let thing = |id: &str| json!({"__typename": "Thing", "id": id, "name": format!("thing {id}"), "size": 3});
            Some(match name {
                "thing" if args["id"] == "missing" => {
                    Err(Failure::new("NOT_FOUND", "no such thing"))
                }
                "thing" => Ok(Answer::Json(thing(args["id"].as_str().unwrap_or_default()))),
                "things" => Ok(Answer::List(vec![
                    Answer::Json(thing("1")),
                    Answer::Json(thing("2")),
                ])),
                _ => return None,
            })
        }
        fn data(&self) -> Option<&Map<String, Value>> {
            None
        }
    }

    fn run(query: &str, variables: Value) -> Result<Executed, Refusal> {
        let schema = load_schema(SDL, "test.graphql");
        let body = GraphqlBody {
            query: query.into(),
            variables: variables.as_object().cloned(),
            operation_name: None,
        };
        let prepared = prepare(&schema, &body)?;
        execute(&schema, &prepared, &Object(Rc::new(Root)))
    }

    #[test]
    fn answers_hold_the_selected_fields_under_their_aliases_and_nothing_else() {
        let done = run(
            "query($id: ID!) { a: thing(id: $id) { id label: name __typename } things { ...N } }
             fragment N on Named { name ... on Thing { size } }",
            json!({"id": "7"}),
        )
        .expect("runs");
        assert_eq!(
            done.data,
            json!({"a": {"id": "7", "label": "thing 7", "__typename": "Thing"},
                   "things": [{"name": "thing 1", "size": 3}, {"name": "thing 2", "size": 3}]})
            .as_object()
            .cloned()
        );
        assert!(done.failures.is_empty());
    }

    #[test]
    fn an_unknown_field_is_refused_before_anything_runs() {
        let Err(Refusal::Invalid(problems)) = run("{ thing(id: 1) { colour } }", json!({})) else {
            panic!("expected a validation refusal")
        };
        assert!(
            problems.iter().any(|p| p.rule == Some("UndefinedField")
                && p.message == "Cannot query field \"colour\" on type \"Thing\"."),
            "{problems:?}"
        );
    }

    #[test]
    fn a_field_failure_keeps_its_kind_and_path() {
        let done = run("{ thing(id: \"missing\") { id } }", json!({})).expect("runs");
        assert_eq!(done.data, json!({"thing": null}).as_object().cloned());
        assert_eq!(done.failures[0].kind, "NOT_FOUND");
        assert_eq!(done.failures[0].path, vec![json!("thing")]);
    }

    #[test]
    fn bad_syntax_and_bad_variables_are_refusals_not_panics() {
        assert!(matches!(
            run("{ thing(id: 1 { id }", json!({})),
            Err(Refusal::Syntax { .. })
        ));
        assert!(matches!(
            run("query($id: ID!) { thing(id: $id) { id } }", json!({})),
            Err(Refusal::Request { .. })
        ));
    }
}
