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

/// The item selection of GitHub's "Using the API to manage Projects" guide.
const ITEM_FIELDS: &str = "id updatedAt
  fieldValues(first: 8) {
    nodes {
      ... on ProjectV2ItemFieldTextValue { text field { ... on ProjectV2FieldCommon { name } } }
      ... on ProjectV2ItemFieldDateValue { date field { ... on ProjectV2FieldCommon { name } } }
      ... on ProjectV2ItemFieldSingleSelectValue { name field { ... on ProjectV2FieldCommon { name } } }
    }
  }
  content {
    ... on DraftIssue { title body }
    ... on Issue { title number url assignees(first: 10) { nodes { login } } }
    ... on PullRequest { title number url assignees(first: 10) { nodes { login } } }
  }";

struct ToyProjects;

fn setting(name: &str) -> Result<String, PluginError> {
    config::get(name)
        .ok_or_else(|| PluginError::InvalidInput(format!("setting `{name}` is missing")))
}

/// POSTs to `<base_url>/graphql`; `data`, or the first error.
fn graphql(query: &str, variables: Json) -> Result<Json, PluginError> {
    let body = json!({"query": query, "variables": variables}).to_string();
    let response = http::send(&Request {
        method: "POST".into(),
        url: format!("{}/graphql", setting("base_url")?.trim_end_matches('/')),
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
            "GitHub answered {} with no JSON: {e}",
            response.status
        ))
    })?;
    if let Some(error) = answer["errors"].get(0) {
        let message = error["message"].as_str().unwrap_or("error").to_string();
        return Err(if error["type"] == "NOT_FOUND" {
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

/// The project's node id and its fields (`{name: {id, options}}`).
fn project() -> Result<(String, Json), PluginError> {
    let number: i64 = setting("project_number")?
        .parse()
        .map_err(|_| PluginError::InvalidInput("`project_number` is not a number".into()))?;
    let data = graphql(
        "query($org: String!, $number: Int!) {
           organization(login: $org) {
             projectV2(number: $number) {
               id
               fields(first: 20) {
                 nodes {
                   ... on ProjectV2Field { id name }
                   ... on ProjectV2IterationField { id name configuration { iterations { startDate id } } }
                   ... on ProjectV2SingleSelectField { id name options { id name } }
                 }
               }
             }
           }
         }",
        json!({"org": setting("org")?, "number": number}),
    )?;
    let project = &data["organization"]["projectV2"];
    Ok((text(&project["id"]), project["fields"]["nodes"].clone()))
}

fn item(node: &Json) -> Item {
    let content = &node["content"];
    let mut fields = vec![Field {
        name: "title".into(),
        value: Value::Text(text(&content["title"])),
    }];
    for value in node["fieldValues"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let name = text(&value["field"]["name"]);
        if name.is_empty() || name == "Title" {
            continue;
        }
        let value = if let Some(t) = value["text"].as_str() {
            Value::Text(t.to_string())
        } else if let Some(d) = value["date"].as_str() {
            Value::Date(d.to_string())
        } else if let Some(option) = value["name"].as_str() {
            Value::Text(option.to_string())
        } else {
            continue;
        };
        fields.push(Field { name, value });
    }
    Item {
        id: text(&node["id"]),
        key: content["number"]
            .as_u64()
            .map_or_else(|| text(&node["id"]), |n| format!("#{n}")),
        url: text(&content["url"]),
        updated_at: text(&node["updatedAt"]),
        fields,
    }
}

impl Guest for ToyProjects {
    fn describe() -> Descriptor {
        let spec = |name: &str, writable| FieldSpec {
            name: name.into(),
            field_type: FieldType::String,
            writable,
        };
        Descriptor {
            platform: "toy-github-projects".into(),
            fields: vec![
                spec("title", false),
                spec("Status", true),
                spec("Notes", true),
            ],
            capabilities: Capabilities::empty(),
        }
    }

    /// Every item, a page at a time, through the project's node id as the guide does.
    fn list_changed(request: ListRequest) -> Result<Page, PluginError> {
        let (project_id, _) = project()?;
        let query = format!(
            "query($project: ID!, $first: Int!, $cursor: String) {{
               node(id: $project) {{
                 ... on ProjectV2 {{
                   items(first: $first, after: $cursor) {{
                     pageInfo {{ hasNextPage endCursor }}
                     nodes {{ {ITEM_FIELDS} }}
                   }}
                 }}
               }}
             }}"
        );
        let first = if request.page_size == 0 {
            20
        } else {
            request.page_size.min(100)
        };
        let data = graphql(
            &query,
            json!({"project": project_id, "first": first, "cursor": request.cursor}),
        )?;
        let items = &data["node"]["items"];
        Ok(Page {
            items: items["nodes"]
                .as_array()
                .into_iter()
                .flatten()
                .map(item)
                .collect(),
            next_cursor: (items["pageInfo"]["hasNextPage"] == json!(true))
                .then(|| text(&items["pageInfo"]["endCursor"])),
        })
    }

    fn get(ids: Vec<String>) -> Vec<Result<Item, PluginError>> {
        let query = format!(
            "query($id: ID!) {{ node(id: $id) {{ ... on ProjectV2Item {{ {ITEM_FIELDS} }} }} }}"
        );
        ids.iter()
            .map(|id| graphql(&query, json!({"id": id})).map(|data| item(&data["node"])))
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

    /// Sets a single-select option by name or a text field, one field per mutation.
    fn update(requests: Vec<UpdateRequest>) -> Vec<Result<Item, PluginError>> {
        let project = project();
        requests
            .iter()
            .map(|request| {
                let (project_id, fields) = project.clone()?;
                for change in &request.fields {
                    let Value::Text(wanted) = &change.value else {
                        return Err(PluginError::InvalidInput(format!("`{}` takes text", change.name)));
                    };
                    let field = fields
                        .as_array()
                        .into_iter()
                        .flatten()
                        .find(|f| f["name"] == json!(change.name))
                        .ok_or_else(|| PluginError::InvalidInput(format!("no field `{}`", change.name)))?;
                    let value = match field["options"].as_array() {
                        Some(options) => {
                            let option = options
                                .iter()
                                .find(|o| o["name"] == json!(wanted))
                                .ok_or_else(|| PluginError::InvalidInput(format!("no option `{wanted}`")))?;
                            json!({"singleSelectOptionId": option["id"]})
                        }
                        None => json!({"text": wanted}),
                    };
                    graphql(
                        "mutation($project: ID!, $item: ID!, $field: ID!, $value: ProjectV2FieldValue!) {
                           updateProjectV2ItemFieldValue(input: {projectId: $project, itemId: $item, fieldId: $field, value: $value}) {
                             projectV2Item { id }
                           }
                         }",
                        json!({"project": project_id, "item": request.id, "field": field["id"], "value": value}),
                    )?;
                }
                Self::get(vec![request.id.clone()])
                    .pop()
                    .unwrap_or_else(|| Err(PluginError::Transient("no answer".into())))
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

export!(ToyProjects);
