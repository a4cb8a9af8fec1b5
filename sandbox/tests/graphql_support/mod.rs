//! Shared by the GraphQL tests: the official schemas from `../shared/apidata` (read in place),
//! the sandbox's schemas, and a check of an answer against the selection set and the official
//! types.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use apollo_compiler::executable::{Selection, SelectionSet};
use apollo_compiler::schema::{ExtendedType, Type};
use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Name, Schema};
use serde_json::{Map, Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    GitHub,
    Linear,
}

/// The reference data folder, or `None` (after saying so) when it is not here; with
/// `CI=true` a missing folder fails the test.
pub fn apidata() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/apidata");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "CI=true but the API reference data is missing at {}",
            dir.display()
        );
    }
    eprintln!(
        "SKIPPED: API reference data not found at {}; GraphQL conformance not checked",
        dir.display()
    );
    None
}

/// The official schema (GitHub's public `schema.docs.graphql`, Linear's `schema.graphql`).
/// Parsed leniently: the published files have small flaws a validator reports, which do not
/// matter for comparing types.
pub fn official_schema(dir: &Path, api: Api) -> Schema {
    let path = match api {
        Api::GitHub => dir.join("github/schema.docs.graphql"),
        Api::Linear => dir.join("linear/schema.graphql"),
    };
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    match Schema::parse(&text, &path) {
        Ok(schema) => schema,
        Err(with_errors) => with_errors.partial,
    }
}

pub fn sandbox_schema(api: Api) -> &'static Valid<Schema> {
    use std::sync::OnceLock;
    static GITHUB: OnceLock<Valid<Schema>> = OnceLock::new();
    static LINEAR: OnceLock<Valid<Schema>> = OnceLock::new();
    let (cell, sdl) = match api {
        Api::GitHub => (&GITHUB, pmsync_sandbox::github::GRAPHQL_SCHEMA),
        Api::Linear => (&LINEAR, pmsync_sandbox::linear::GRAPHQL_SCHEMA),
    };
    cell.get_or_init(|| Schema::parse_and_validate(sdl, "sandbox.graphql").expect("sandbox SDL"))
}

/// Checks answers against an official schema.
pub struct AnswerCheck {
    schema: Valid<Schema>,
}

impl AnswerCheck {
    pub fn new(official: Schema) -> Self {
        AnswerCheck {
            schema: Valid::assume_valid(official),
        }
    }

    fn parse(&self, document: &str) -> Valid<ExecutableDocument> {
        ExecutableDocument::parse_and_validate(&self.schema, document, "operation.graphql")
            .unwrap_or_else(|e| {
                panic!(
                    "invalid against the official schema:\n{document}\n{}",
                    e.errors
                )
            })
    }

    /// `document` with `__typename` selected in every selection set, so an answer says the
    /// concrete type of every object (needed to apply fragments on interfaces and unions).
    pub fn with_typenames(&self, document: &str) -> String {
        let mut doc = self.parse(document).into_inner();
        fn add(schema: &Schema, set: &mut SelectionSet) {
            for selection in set.selections.iter_mut() {
                match selection {
                    Selection::Field(field) => {
                        let field = field.make_mut();
                        if !field.selection_set.selections.is_empty() {
                            add(schema, &mut field.selection_set);
                        }
                    }
                    Selection::InlineFragment(inline) => {
                        add(schema, &mut inline.make_mut().selection_set)
                    }
                    Selection::FragmentSpread(_) => {}
                }
            }
            if let Ok(field) = set.new_field(schema, Name::new_unchecked("__typename")) {
                set.push(field);
            }
        }
        if let Some(op) = doc.operations.anonymous.as_mut() {
            add(&self.schema, &mut op.make_mut().selection_set);
        }
        for op in doc.operations.named.values_mut() {
            add(&self.schema, &mut op.make_mut().selection_set);
        }
        for fragment in doc.fragments.values_mut() {
            add(&self.schema, &mut fragment.make_mut().selection_set);
        }
        doc.to_string()
    }

    /// What is wrong with `answer` (a `{data, errors}` body) to `document`, one line each.
    pub fn problems(&self, document: &str, answer: &Value) -> Vec<String> {
        let doc = self.parse(document);
        let mut problems = Vec::new();
        let Ok(operation) = doc.operations.get(None) else {
            return vec!["the document has more than one operation".into()];
        };
        let Some(root) = self.schema.root_operation(operation.operation_type) else {
            return vec!["no root type".into()];
        };
        match answer.get("data").and_then(Value::as_object) {
            Some(data) => self.object(
                &doc,
                std::slice::from_ref(&operation.selection_set),
                root.as_str(),
                data,
                "data",
                &mut problems,
            ),
            None => problems.push(format!("no data in {answer}")),
        }
        problems
    }

    /// Response key → the fields selected under it for an object of type `concrete`.
    fn collect<'d>(
        &self,
        doc: &'d ExecutableDocument,
        set: &'d SelectionSet,
        concrete: &str,
        out: &mut Vec<(String, Vec<&'d apollo_compiler::executable::Field>)>,
    ) {
        let applies =
            |condition: &str| condition == concrete || self.schema.is_subtype(condition, concrete);
        for selection in &set.selections {
            match selection {
                Selection::Field(field) => {
                    let key = field.response_key().to_string();
                    match out.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, fields)) => fields.push(field),
                        None => out.push((key, vec![field])),
                    }
                }
                Selection::InlineFragment(inline) => {
                    if inline.type_condition.as_ref().is_none_or(|c| applies(c)) {
                        self.collect(doc, &inline.selection_set, concrete, out);
                    }
                }
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) = doc.fragments.get(&spread.fragment_name)
                        && applies(fragment.type_condition())
                    {
                        self.collect(doc, &fragment.selection_set, concrete, out);
                    }
                }
            }
        }
    }

    fn object(
        &self,
        doc: &ExecutableDocument,
        sets: &[SelectionSet],
        concrete: &str,
        object: &Map<String, Value>,
        path: &str,
        problems: &mut Vec<String>,
    ) {
        let mut expected = Vec::new();
        for set in sets {
            self.collect(doc, set, concrete, &mut expected);
        }
        for key in object.keys() {
            if !expected.iter().any(|(k, _)| k == key) {
                problems.push(format!("{path}.{key} was not selected on {concrete}"));
            }
        }
        for (key, fields) in &expected {
            let here = format!("{path}.{key}");
            let Some(value) = object.get(key) else {
                problems.push(format!("{here} is missing"));
                continue;
            };
            let name = fields[0].name.as_str();
            if name == "__typename" {
                if value != &json!(concrete) {
                    problems.push(format!("{here} is {value}, expected {concrete}"));
                }
                continue;
            }
            let Ok(definition) = self.schema.type_field(concrete, name) else {
                problems.push(format!(
                    "{here}: {concrete}.{name} is not in the official schema"
                ));
                continue;
            };
            let subsets: Vec<SelectionSet> =
                fields.iter().map(|f| f.selection_set.clone()).collect();
            self.value(doc, &definition.ty, &subsets, value, &here, problems);
        }
    }

    fn value(
        &self,
        doc: &ExecutableDocument,
        ty: &Type,
        subsets: &[SelectionSet],
        value: &Value,
        path: &str,
        problems: &mut Vec<String>,
    ) {
        if value.is_null() {
            if ty.is_non_null() {
                problems.push(format!("{path} is null but {ty} is non-null"));
            }
            return;
        }
        if ty.is_list() {
            match value.as_array() {
                Some(items) => {
                    for (i, item) in items.iter().enumerate() {
                        self.value(
                            doc,
                            ty.item_type(),
                            subsets,
                            item,
                            &format!("{path}[{i}]"),
                            problems,
                        );
                    }
                }
                None => problems.push(format!("{path} is {value}, expected a list ({ty})")),
            }
            return;
        }
        let named = ty.inner_named_type().as_str();
        match self.schema.types.get(named) {
            Some(ExtendedType::Scalar(_)) => {
                let ok = match named {
                    "Int" => value.is_i64() || value.is_u64(),
                    "Float" => value.is_number(),
                    "String" => value.is_string(),
                    "Boolean" => value.is_boolean(),
                    "ID" => value.is_string() || value.is_i64(),
                    _ => true,
                };
                if !ok {
                    problems.push(format!("{path} is {value}, not a {named}"));
                }
            }
            Some(ExtendedType::Enum(e)) => {
                if !value.as_str().is_some_and(|v| e.values.contains_key(v)) {
                    problems.push(format!("{path} is {value}, not a value of {named}"));
                }
            }
            Some(_) => {
                let Some(object) = value.as_object() else {
                    problems.push(format!("{path} is {value}, expected an object ({named})"));
                    return;
                };
                let concrete = match object.get("__typename").and_then(Value::as_str) {
                    Some(t) => t.to_string(),
                    None => {
                        problems.push(format!("{path} has no __typename"));
                        return;
                    }
                };
                if concrete != named && !self.schema.is_subtype(named, &concrete) {
                    problems.push(format!("{path} is a {concrete}, which is not a {named}"));
                    return;
                }
                self.object(doc, subsets, &concrete, object, path, problems);
            }
            None => problems.push(format!(
                "{path}: type {named} is not in the official schema"
            )),
        }
    }
}

/// Sends `document` (with `__typename` added everywhere) and returns what was sent and the
/// answer.
pub async fn post(
    check: &AnswerCheck,
    url: &str,
    document: &str,
    variables: Value,
) -> (String, Value) {
    let sent = check.with_typenames(document);
    let response = reqwest::Client::new()
        .post(url)
        .header("authorization", "Bearer sandbox")
        .json(&json!({"query": sent, "variables": variables}))
        .send()
        .await
        .expect("request");
    let answer: Value = response.json().await.expect("JSON answer");
    (sent, answer)
}
