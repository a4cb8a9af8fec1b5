//! The objects a simulator answers with: a [`Node`] is one object of the schema, its fields
//! computed from the simulator's state (those with arguments, typically) or read from JSON
//! data. The executor (`apollo-compiler`) asks for the selected fields only, so an answer holds
//! exactly what the operation selected, under its aliases.

use std::rc::Rc;

use apollo_compiler::resolvers::{FieldError, ObjectValue, ResolveInfo, ResolvedValue};
use apollo_compiler::schema::{ExtendedType, Type};
use serde_json::{Map, Value};

/// A field's arguments after coercion (defaults applied), as JSON.
pub(crate) type Args = Map<String, Value>;

/// What a field resolves to.
pub(crate) enum Answer<'s> {
    /// A leaf, or plain JSON objects (typed by their `__typename`, else by the field's type).
    Json(Value),
    Node(Rc<dyn Node<'s> + 's>),
    List(Vec<Answer<'s>>),
}

impl<'s> Answer<'s> {
    pub(crate) fn node(node: impl Node<'s> + 's) -> Self {
        Answer::Node(Rc::new(node))
    }
    pub(crate) fn null() -> Self {
        Answer::Json(Value::Null)
    }
}

/// A field error: `kind` is the platform's error class (GitHub's `type`, Linear's
/// `extensions.code`), `message` what the platform would say.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Failure {
    pub(crate) kind: &'static str,
    pub(crate) message: String,
}

impl Failure {
    pub(crate) fn new(kind: &'static str, message: impl Into<String>) -> Self {
        Failure {
            kind,
            message: message.into(),
        }
    }
}

/// Separates the kind from the message inside an executor field error (split again when the
/// response is shaped for the platform).
pub(crate) const KIND_SEPARATOR: char = '\u{1f}';

pub(crate) type Resolved<'s> = Result<Answer<'s>, Failure>;

/// One object of the schema.
pub(crate) trait Node<'s> {
    /// The object type's name in the schema.
    fn type_name(&self) -> &str;
    /// Fields computed here (e.g. from arguments); `None` for a field read from [`Node::data`].
    fn field(&self, name: &str, args: &Args) -> Option<Resolved<'s>>;
    /// The object's plain fields.
    fn data(&self) -> Option<&Map<String, Value>>;
}

/// An object that is all JSON data.
pub(crate) struct JsonNode {
    pub(crate) type_name: String,
    pub(crate) data: Map<String, Value>,
}

impl<'s> Node<'s> for JsonNode {
    fn type_name(&self) -> &str {
        &self.type_name
    }
    fn field(&self, _name: &str, _args: &Args) -> Option<Resolved<'s>> {
        None
    }
    fn data(&self) -> Option<&Map<String, Value>> {
        Some(&self.data)
    }
}

/// Adapts a [`Node`] to the executor.
pub(crate) struct Object<'s>(pub(crate) Rc<dyn Node<'s> + 's>);

fn field_error(failure: Failure) -> FieldError {
    FieldError {
        message: format!("{}{KIND_SEPARATOR}{}", failure.kind, failure.message),
    }
}

impl<'s> ObjectValue for Object<'s> {
    fn type_name(&self) -> &str {
        self.0.type_name()
    }

    fn resolve_field<'a>(
        &'a self,
        info: &'a ResolveInfo<'a>,
    ) -> Result<ResolvedValue<'a>, FieldError> {
        let name = info.field_name();
        let ty = &info.field_definition().ty;
        let args: Args = serde_json::to_value(info.arguments())
            .ok()
            .and_then(|v| match v {
                Value::Object(map) => Some(map),
                _ => None,
            })
            .unwrap_or_default();
        if let Some(answer) = self.0.field(name, &args) {
            return answer.map(|a| resolved(a, ty, info)).map_err(field_error);
        }
        match self.0.data().and_then(|d| d.get(name)) {
            Some(value) => Ok(json_resolved(value, ty, info)),
            None if !ty.is_non_null() => Ok(ResolvedValue::null()),
            None => Err(field_error(Failure::new(
                "INTERNAL",
                format!(
                    "the sandbox has no value for the non-null field {}.{name}",
                    self.0.type_name()
                ),
            ))),
        }
    }
}

fn resolved<'a, 's: 'a>(
    answer: Answer<'s>,
    ty: &Type,
    info: &ResolveInfo<'a>,
) -> ResolvedValue<'a> {
    match answer {
        Answer::Json(value) => json_resolved(&value, ty, info),
        Answer::Node(node) => ResolvedValue::Object(Box::new(Object(node))),
        Answer::List(items) => {
            let item_ty = ty.item_type().clone();
            let items: Vec<ResolvedValue<'a>> = items
                .into_iter()
                .map(|a| resolved(a, &item_ty, info))
                .collect();
            ResolvedValue::list(items)
        }
    }
}

/// JSON data as the executor wants it: objects of non-scalar types become objects to select
/// from, lists are walked, the rest are leaves.
fn json_resolved<'a>(value: &Value, ty: &Type, info: &ResolveInfo<'a>) -> ResolvedValue<'a> {
    match value {
        Value::Null => ResolvedValue::null(),
        Value::Array(items) if ty.is_list() => {
            let item_ty = ty.item_type().clone();
            let items: Vec<ResolvedValue<'a>> = items
                .iter()
                .map(|v| json_resolved(v, &item_ty, info))
                .collect();
            ResolvedValue::list(items)
        }
        Value::Object(map) if !is_scalar(ty, info) => {
            let type_name = map
                .get("__typename")
                .and_then(Value::as_str)
                .unwrap_or(ty.inner_named_type().as_str())
                .to_string();
            ResolvedValue::object(Object(Rc::new(JsonNode {
                type_name,
                data: map.clone(),
            })))
        }
        // GraphQL's Float result coercion takes integers too (JSON has one number type).
        Value::Number(n) if ty.inner_named_type() == "Float" && !n.is_f64() => ResolvedValue::leaf(
            serde_json_bytes::Value::from(n.as_f64().unwrap_or_default()),
        ),
        other => ResolvedValue::leaf(serde_json_bytes::Value::from(other.clone())),
    }
}

fn is_scalar(ty: &Type, info: &ResolveInfo<'_>) -> bool {
    matches!(
        info.schema().types.get(ty.inner_named_type()),
        Some(ExtendedType::Scalar(_)) | None
    )
}

/// `first`/`after` of a connection, with cursors that are positions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Window {
    pub(crate) start: usize,
    pub(crate) len: usize,
}

/// A page of a list: `nodes`, `edges`, `pageInfo` and `totalCount` (a schema may declare
/// fewer; only the selected ones are built).
pub(crate) struct Connection<'s> {
    pub(crate) type_name: String,
    pub(crate) nodes: Vec<Answer<'s>>,
    pub(crate) cursors: Vec<String>,
    pub(crate) has_next: bool,
    pub(crate) has_previous: bool,
    pub(crate) total: usize,
}

impl<'s> Connection<'s> {
    /// The page `window` of `all` (positions as cursors, encoded by `cursor`).
    pub(crate) fn page(
        type_name: &str,
        all: Vec<Answer<'s>>,
        window: Window,
        cursor: impl Fn(usize) -> String,
    ) -> Self {
        let total = all.len();
        let nodes: Vec<Answer<'s>> = all
            .into_iter()
            .skip(window.start)
            .take(window.len)
            .collect();
        let cursors = (0..nodes.len())
            .map(|k| cursor(window.start + k + 1))
            .collect();
        Connection {
            type_name: type_name.to_string(),
            has_next: window.start + nodes.len() < total,
            has_previous: window.start > 0,
            nodes,
            cursors,
            total,
        }
    }
}

fn share<'s>(answer: &Answer<'s>) -> Answer<'s> {
    match answer {
        Answer::Json(v) => Answer::Json(v.clone()),
        Answer::Node(n) => Answer::Node(n.clone()),
        Answer::List(items) => Answer::List(items.iter().map(share).collect()),
    }
}

impl<'s> Node<'s> for Connection<'s> {
    fn type_name(&self) -> &str {
        &self.type_name
    }
    fn field(&self, name: &str, _args: &Args) -> Option<Resolved<'s>> {
        Some(Ok(match name {
            "nodes" => Answer::List(self.nodes.iter().map(share).collect()),
            "edges" => {
                let edge_type = self.type_name.replace("Connection", "Edge");
                Answer::List(
                    self.nodes
                        .iter()
                        .zip(&self.cursors)
                        .map(|(node, cursor)| {
                            Answer::node(Edge {
                                type_name: edge_type.clone(),
                                node: share(node),
                                cursor: cursor.clone(),
                            })
                        })
                        .collect(),
                )
            }
            "totalCount" => Answer::Json(Value::from(self.total)),
            "pageInfo" => Answer::Json(serde_json::json!({
                "__typename": "PageInfo",
                "hasNextPage": self.has_next,
                "hasPreviousPage": self.has_previous,
                "startCursor": self.cursors.first(),
                "endCursor": self.cursors.last(),
            })),
            _ => return None,
        }))
    }
    fn data(&self) -> Option<&Map<String, Value>> {
        None
    }
}

struct Edge<'s> {
    type_name: String,
    node: Answer<'s>,
    cursor: String,
}

impl<'s> Node<'s> for Edge<'s> {
    fn type_name(&self) -> &str {
        &self.type_name
    }
    fn field(&self, name: &str, _args: &Args) -> Option<Resolved<'s>> {
        match name {
            "node" => Some(Ok(share(&self.node))),
            "cursor" => Some(Ok(Answer::Json(Value::String(self.cursor.clone())))),
            _ => None,
        }
    }
    fn data(&self) -> Option<&Map<String, Value>> {
        None
    }
}
