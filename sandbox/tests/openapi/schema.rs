//! A validator for the JSON-schema subset the OpenAPI 3.0 descriptions in
//! `../shared/apidata` use: `$ref` (local JSON pointers), `allOf` (merged), `oneOf` / `anyOf`
//! (at least one branch must hold), `type` (also a list of types), `nullable`, `enum`,
//! `required`, `properties`, `additionalProperties` (false or a schema), `items`,
//! `minimum` / `maximum`, `minLength` / `maxLength`. Formats and discriminators are not
//! checked. With [`Undeclared::Refused`], an object schema that lists `properties` and says
//! nothing about `additionalProperties` refuses keys it does not list (GitHub's descriptions
//! state no `additionalProperties`, but a key the description does not know is one a typed
//! client does not expect).

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Map, Value};

/// Whether keys a schema does not list are accepted when it states no `additionalProperties`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undeclared {
    Allowed,
    Refused,
}

/// One OpenAPI description.
pub struct Spec {
    doc: Value,
    pub undeclared: Undeclared,
}

/// The ways a schema can be too deep to check (a cycle of `$ref`s without data).
const MAX_DEPTH: usize = 64;

impl Spec {
    pub fn load(path: &Path, undeclared: Undeclared) -> Spec {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        let doc =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()));
        Spec { doc, undeclared }
    }

    /// Follows `$ref`s until a schema without one.
    pub fn resolve<'a>(&'a self, mut value: &'a Value) -> &'a Value {
        for _ in 0..MAX_DEPTH {
            let Some(pointer) = value.get("$ref").and_then(Value::as_str) else {
                return value;
            };
            let pointer = pointer.strip_prefix('#').unwrap_or(pointer);
            value = self
                .doc
                .pointer(pointer)
                .unwrap_or_else(|| panic!("$ref {pointer} does not resolve"));
        }
        panic!("$ref chain longer than {MAX_DEPTH}")
    }

    /// The description's path templates.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.doc["paths"]
            .as_object()
            .into_iter()
            .flat_map(|o| o.keys().map(String::as_str))
    }

    /// The operation object of `method` on `template`.
    pub fn operation(&self, method: &str, template: &str) -> Option<&Value> {
        self.doc["paths"]
            .get(template)?
            .get(method.to_ascii_lowercase())
    }

    /// Path-level plus operation-level parameters, resolved.
    pub fn parameters<'a>(&'a self, template: &str, operation: &'a Value) -> Vec<&'a Value> {
        let path_level = self.doc["paths"][template]["parameters"].as_array();
        let op_level = operation["parameters"].as_array();
        path_level
            .into_iter()
            .chain(op_level)
            .flatten()
            .map(|p| self.resolve(p))
            .collect()
    }

    /// The JSON schema of the request body, if the operation takes one.
    pub fn request_schema<'a>(&'a self, operation: &'a Value) -> Option<&'a Value> {
        let body = self.resolve(operation.get("requestBody")?);
        json_schema(body)
    }

    /// The response object the description gives for `status` (exact, `4XX`, or `default`);
    /// `None` when the status is not documented.
    pub fn response<'a>(&'a self, operation: &'a Value, status: u16) -> Option<&'a Value> {
        let responses = operation.get("responses")?;
        let class = format!("{}XX", status / 100);
        responses
            .get(status.to_string())
            .or_else(|| responses.get(&class))
            .or_else(|| responses.get("default"))
            .map(|r| self.resolve(r))
    }

    /// Checks `value` against `schema`; every problem as `path: what`.
    pub fn check(&self, schema: &Value, value: &Value) -> Vec<String> {
        let mut errors = Vec::new();
        self.check_at(schema, value, "$", 0, &mut errors);
        errors
    }

    fn check_at(
        &self,
        schema: &Value,
        value: &Value,
        at: &str,
        depth: usize,
        errors: &mut Vec<String>,
    ) {
        if depth > MAX_DEPTH {
            errors.push(format!("{at}: schema nesting deeper than {MAX_DEPTH}"));
            return;
        }
        let schema = self.merged(schema);
        let schema = &schema;
        if value.is_null() && accepts_null(schema) {
            return;
        }
        for combinator in ["oneOf", "anyOf"] {
            if let Some(branches) = schema.get(combinator).and_then(Value::as_array) {
                let mut best: Option<Vec<String>> = None;
                for branch in branches {
                    let mut branch_errors = Vec::new();
                    self.check_at(branch, value, at, depth + 1, &mut branch_errors);
                    if branch_errors.is_empty() {
                        best = None;
                        break;
                    }
                    if best.as_ref().is_none_or(|b| branch_errors.len() < b.len()) {
                        best = Some(branch_errors);
                    }
                }
                if let Some(best) = best {
                    errors.push(format!(
                        "{at}: matches none of the {combinator} branches; closest:"
                    ));
                    errors.extend(best.into_iter().map(|e| format!("  {e}")));
                    return;
                }
            }
        }
        if let Some(types) = schema.get("type") {
            let allowed: Vec<&str> = match types {
                Value::String(t) => vec![t.as_str()],
                Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                _ => vec![],
            };
            if !allowed.is_empty() && !allowed.iter().any(|t| has_type(value, t)) {
                errors.push(format!(
                    "{at}: expected {}, got {}",
                    allowed.join(" or "),
                    brief(value)
                ));
                return;
            }
        }
        if let Some(options) = schema.get("enum").and_then(Value::as_array)
            && !options.contains(value)
        {
            errors.push(format!(
                "{at}: {} is not one of {}",
                brief(value),
                Value::Array(options.clone())
            ));
        }
        match value {
            Value::Object(object) => self.check_object(schema, object, at, depth, errors),
            Value::Array(items) => {
                if let Some(item_schema) = schema.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        self.check_at(item_schema, item, &format!("{at}[{i}]"), depth + 1, errors);
                    }
                }
            }
            Value::String(s) => {
                let len = s.chars().count() as u64;
                if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
                    && len < min
                {
                    errors.push(format!("{at}: shorter than minLength {min}"));
                }
                if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
                    && len > max
                {
                    errors.push(format!("{at}: longer than maxLength {max}"));
                }
            }
            Value::Number(n) => {
                let n = n.as_f64().unwrap_or_default();
                if let Some(min) = schema.get("minimum").and_then(Value::as_f64)
                    && n < min
                {
                    errors.push(format!("{at}: {n} is below minimum {min}"));
                }
                if let Some(max) = schema.get("maximum").and_then(Value::as_f64)
                    && n > max
                {
                    errors.push(format!("{at}: {n} is above maximum {max}"));
                }
            }
            _ => {}
        }
    }

    fn check_object(
        &self,
        schema: &Value,
        object: &Map<String, Value>,
        at: &str,
        depth: usize,
        errors: &mut Vec<String>,
    ) {
        let properties = schema.get("properties").and_then(Value::as_object);
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !object.contains_key(name) {
                errors.push(format!("{at}: required property `{name}` is missing"));
            }
        }
        let additional = schema.get("additionalProperties");
        for (key, item) in object {
            let child = format!("{at}.{key}");
            match (properties.and_then(|p| p.get(key)), additional) {
                (Some(property), _) => self.check_at(property, item, &child, depth + 1, errors),
                (None, Some(Value::Bool(false))) => errors.push(format!(
                    "{at}: property `{key}` is not in the description (additionalProperties: false)"
                )),
                (None, Some(extra @ Value::Object(_))) => {
                    self.check_at(extra, item, &child, depth + 1, errors)
                }
                (None, None) if properties.is_some() && self.undeclared == Undeclared::Refused => {
                    errors.push(format!("{at}: property `{key}` is not in the description"))
                }
                _ => {}
            }
        }
    }

    /// The schema with `$ref`s resolved and `allOf` branches merged into one: properties and
    /// required names united, the first stated `type` / `additionalProperties` kept.
    fn merged(&self, schema: &Value) -> Value {
        let schema = self.resolve(schema);
        let Some(all) = schema.get("allOf").and_then(Value::as_array) else {
            return schema.clone();
        };
        let mut out = schema.as_object().cloned().unwrap_or_default();
        out.remove("allOf");
        let mut properties = out
            .remove("properties")
            .and_then(|p| p.as_object().cloned())
            .unwrap_or_default();
        let mut required: BTreeSet<String> = names(out.remove("required"));
        for branch in all {
            let branch = self.merged(branch);
            if let Some(p) = branch.get("properties").and_then(Value::as_object) {
                for (k, v) in p {
                    properties.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
            required.extend(names(branch.get("required").cloned()));
            for key in [
                "type",
                "additionalProperties",
                "nullable",
                "enum",
                "items",
                "oneOf",
                "anyOf",
            ] {
                if let Some(v) = branch.get(key) {
                    out.entry(key.to_string()).or_insert_with(|| v.clone());
                }
            }
        }
        if !properties.is_empty() {
            out.insert("properties".into(), Value::Object(properties));
        }
        if !required.is_empty() {
            out.insert(
                "required".into(),
                Value::Array(required.into_iter().map(Value::String).collect()),
            );
        }
        Value::Object(out)
    }

    /// Checks a parameter's text (path or query) against its schema, converting it to the
    /// schema's type first.
    pub fn check_parameter_text(&self, parameter: &Value, text: &str) -> Vec<String> {
        let name = parameter["name"].as_str().unwrap_or("?");
        let Some(schema) = parameter.get("schema") else {
            return Vec::new();
        };
        let schema = self.merged(schema);
        let item_schema = if schema.get("type").and_then(Value::as_str) == Some("array") {
            schema.get("items").map(|i| self.merged(i))
        } else {
            None
        };
        let texts: Vec<&str> = if item_schema.is_some() {
            text.split(',').collect()
        } else {
            vec![text]
        };
        let target = item_schema.as_ref().unwrap_or(&schema);
        let mut errors = Vec::new();
        for t in texts {
            let value = typed(target, t);
            errors.extend(
                self.check(target, &value)
                    .into_iter()
                    .map(|e| format!("parameter `{name}` = {t:?}: {e}")),
            );
        }
        errors
    }
}

fn names(v: Option<Value>) -> BTreeSet<String> {
    v.and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|n| n.as_str().map(str::to_string))
        .collect()
}

/// A parameter's text as the JSON value its schema's type expects (left a string when it
/// does not convert, so the type check reports it).
fn typed(schema: &Value, text: &str) -> Value {
    match schema.get("type").and_then(Value::as_str) {
        Some("integer") => text
            .parse::<i64>()
            .map_or_else(|_| Value::String(text.into()), Value::from),
        Some("number") => text
            .parse::<f64>()
            .map_or_else(|_| Value::String(text.into()), Value::from),
        Some("boolean") => match text {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(text.into()),
        },
        _ => Value::String(text.into()),
    }
}

fn json_schema(holder: &Value) -> Option<&Value> {
    let content = holder.get("content")?.as_object()?;
    content
        .iter()
        .find(|(media, _)| media.starts_with("application/json") || media.ends_with("+json"))
        .and_then(|(_, c)| c.get("schema"))
}

/// The JSON schema of a response object (`None`: the response has no JSON body).
pub fn response_body_schema(response: &Value) -> Option<&Value> {
    json_schema(response)
}

fn accepts_null(schema: &Value) -> bool {
    schema.get("nullable") == Some(&Value::Bool(true))
        || schema.get("type") == Some(&Value::String("null".into()))
        || schema
            .get("type")
            .and_then(Value::as_array)
            .is_some_and(|ts| ts.iter().any(|t| t == "null"))
        || schema
            .get("enum")
            .and_then(Value::as_array)
            .is_some_and(|e| e.contains(&Value::Null))
}

fn has_type(value: &Value, t: &str) -> bool {
    match t {
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "null" => value.is_null(),
        _ => true,
    }
}

fn brief(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(60).collect::<String>())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(doc: Value, undeclared: Undeclared) -> Spec {
        Spec { doc, undeclared }
    }

    #[test]
    fn refs_required_types_enums_and_nullable_are_checked() {
        let s = spec(
            json!({"components": {"schemas": {"Issue": {
                "type": "object",
                "required": ["id", "state"],
                "properties": {
                    "id": {"type": "integer"},
                    "state": {"type": "string", "enum": ["open", "closed"]},
                    "closed_at": {"type": "string", "nullable": true}
                },
                "additionalProperties": false
            }}}}),
            Undeclared::Allowed,
        );
        let schema = json!({"$ref": "#/components/schemas/Issue"});
        assert!(
            s.check(
                &schema,
                &json!({"id": 1, "state": "open", "closed_at": null})
            )
            .is_empty()
        );
        let errors = s.check(&schema, &json!({"id": "1", "state": "gone", "extra": 1}));
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors.iter().any(|e| e.contains("$.id: expected integer")));
        assert!(errors.iter().any(|e| e.contains("\"gone\" is not one of")));
        let missing = s.check(&schema, &json!({"id": 1}));
        assert!(
            missing
                .iter()
                .any(|e| e.contains("required property `state`")),
            "{missing:?}"
        );
        assert!(
            errors
                .iter()
                .any(|e| e.contains("`extra` is not in the description"))
        );
    }

    #[test]
    fn all_of_merges_and_one_of_needs_a_branch() {
        let s = spec(json!({}), Undeclared::Refused);
        let schema = json!({"allOf": [
            {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
            {"type": "object", "properties": {"b": {"oneOf": [{"type": "integer"}, {"type": "array", "items": {"type": "string"}}]}}}
        ]});
        assert!(s.check(&schema, &json!({"a": "x", "b": 3})).is_empty());
        assert!(s.check(&schema, &json!({"a": "x", "b": ["y"]})).is_empty());
        assert!(!s.check(&schema, &json!({"a": "x", "b": true})).is_empty());
        assert!(
            !s.check(&schema, &json!({"a": "x", "c": 1})).is_empty(),
            "undeclared key refused"
        );
        assert!(
            !s.check(&schema, &json!({"b": 1})).is_empty(),
            "required from a branch"
        );
    }
}
