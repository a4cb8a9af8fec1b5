wit_bindgen::generate!({
    path: "../../../wit",
    world: "connector-plugin",
});

use exports::pmsync::plugin::connector::{
    Capabilities, CreateRequest, Descriptor, FieldSpec, Guest, ListRequest, Page, UpdateRequest,
    WebhookDelivery,
};
use pmsync::plugin::config;
use pmsync::plugin::http::{self, HttpError, Request};
use pmsync::plugin::types::{Field, FieldType, Item, PluginError, Value};
use serde_json::{Value as Json, json};

/// The issue fields this connector reads, as Linear's docs select them.
const ISSUE_FIELDS: &str = "id identifier title url updatedAt state { name } assignee { name }";

struct ToyLinear;

/// POSTs a GraphQL document to `<base_url>/graphql` and returns `data`, or the first error.
fn graphql(query: &str, variables: Json) -> Result<Json, PluginError> {
    let base = config::get("base_url")
        .ok_or_else(|| PluginError::InvalidInput("setting `base_url` is missing".into()))?;
    let body = json!({"query": query, "variables": variables}).to_string();
    let response = http::send(&Request {
        method: "POST".into(),
        url: format!("{}/graphql", base.trim_end_matches('/')),
        headers: vec![("content-type".into(), "application/json".into())],
        body: Some(body.into_bytes()),
        credential: Some("token".into()),
    })
    .map_err(|e| match e {
        HttpError::Denied(m) => PluginError::Unauthorized(m),
        HttpError::Timeout(m) | HttpError::Transport(m) => PluginError::Transient(m),
        HttpError::InvalidRequest(m) => PluginError::InvalidInput(m),
    })?;
    let answer: Json = serde_json::from_slice(&response.body).map_err(|e| {
        PluginError::Transient(format!(
            "Linear answered {} with no JSON: {e}",
            response.status
        ))
    })?;
    if let Some(error) = answer["errors"].get(0) {
        let message = error["message"].as_str().unwrap_or("error").to_string();
        return Err(if message.starts_with("Entity not found") {
            PluginError::NotFound(message)
        } else {
            PluginError::InvalidInput(format!("{message}: {error}"))
        });
    }
    Ok(answer["data"].clone())
}

fn text(v: &Json) -> String {
    v.as_str().unwrap_or_default().to_string()
}

fn item(issue: &Json) -> Item {
    let mut fields = vec![
        Field {
            name: "title".into(),
            value: Value::Text(text(&issue["title"])),
        },
        Field {
            name: "status".into(),
            value: Value::Text(text(&issue["state"]["name"])),
        },
    ];
    fields.push(Field {
        name: "assignee".into(),
        value: issue["assignee"]["name"]
            .as_str()
            .map_or(Value::Null, |n| Value::Text(n.to_string())),
    });
    Item {
        id: text(&issue["id"]),
        key: text(&issue["identifier"]),
        url: text(&issue["url"]),
        updated_at: text(&issue["updatedAt"]),
        fields,
    }
}

impl Guest for ToyLinear {
    fn describe() -> Descriptor {
        let spec = |name: &str, writable| FieldSpec {
            name: name.into(),
            field_type: FieldType::String,
            writable,
        };
        Descriptor {
            platform: "toy-linear".into(),
            fields: vec![
                spec("title", true),
                spec("status", false),
                spec("assignee", false),
            ],
            capabilities: Capabilities::INCREMENTAL,
        }
    }

    /// Relay paging over `edges`, newest updated first, as in Linear's pagination guide.
    fn list_changed(request: ListRequest) -> Result<Page, PluginError> {
        let query = format!(
            "query Issues($first: Int, $after: String, $filter: IssueFilter) {{
               issues(first: $first, after: $after, filter: $filter, orderBy: updatedAt) {{
                 edges {{ cursor node {{ {ISSUE_FIELDS} }} }}
                 pageInfo {{ hasNextPage endCursor }}
               }}
             }}"
        );
        let filter = request
            .since
            .as_ref()
            .map_or(Json::Null, |since| json!({"updatedAt": {"gte": since}}));
        let first = if request.page_size == 0 {
            50
        } else {
            request.page_size.min(250)
        };
        let data = graphql(
            &query,
            json!({"first": first, "after": request.cursor, "filter": filter}),
        )?;
        let connection = &data["issues"];
        let items = connection["edges"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|edge| item(&edge["node"]))
            .collect();
        let next_cursor = (connection["pageInfo"]["hasNextPage"] == json!(true))
            .then(|| text(&connection["pageInfo"]["endCursor"]));
        Ok(Page { items, next_cursor })
    }

    fn get(ids: Vec<String>) -> Vec<Result<Item, PluginError>> {
        let query = format!("query Issue($id: String!) {{ issue(id: $id) {{ {ISSUE_FIELDS} }} }}");
        ids.iter()
            .map(|id| graphql(&query, json!({"id": id})).map(|data| item(&data["issue"])))
            .collect()
    }

    fn create(requests: Vec<CreateRequest>) -> Vec<Result<Item, PluginError>> {
        requests
            .iter()
            .map(|_| {
                Err(PluginError::InvalidInput(
                    "the toy connector does not create".into(),
                ))
            })
            .collect()
    }

    /// Renames issues with an inline input object, as Linear's docs write `issueUpdate`.
    fn update(requests: Vec<UpdateRequest>) -> Vec<Result<Item, PluginError>> {
        let query = format!(
            "mutation Rename($id: String!, $title: String!) {{
               issueUpdate(id: $id, input: {{ title: $title }}) {{ success issue {{ {ISSUE_FIELDS} }} }}
             }}"
        );
        requests
            .iter()
            .map(|request| {
                let title = request
                    .fields
                    .iter()
                    .find_map(|f| match (&f.name[..], &f.value) {
                        ("title", Value::Text(t)) => Some(t.clone()),
                        _ => None,
                    })
                    .ok_or_else(|| PluginError::InvalidInput("only `title` can change".into()))?;
                let data = graphql(&query, json!({"id": request.id, "title": title}))?;
                if data["issueUpdate"]["success"] != json!(true) {
                    return Err(PluginError::Transient("issueUpdate did not succeed".into()));
                }
                Ok(item(&data["issueUpdate"]["issue"]))
            })
            .collect()
    }

    fn find_by_origin(origins: Vec<String>) -> Vec<Result<Option<Item>, PluginError>> {
        origins.iter().map(|_| Ok(None)).collect()
    }

    fn parse_webhook(_delivery: WebhookDelivery) -> Result<Vec<String>, PluginError> {
        Err(PluginError::InvalidInput(
            "the toy connector takes no webhooks".into(),
        ))
    }
}

export!(ToyLinear);
