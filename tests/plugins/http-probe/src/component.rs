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

struct Probe;

fn base_url() -> Result<String, PluginError> {
    config::get("base_url")
        .ok_or_else(|| PluginError::InvalidInput("setting `base_url` is missing".into()))
}

fn fetch(path: &str) -> Result<(u16, String), PluginError> {
    let url = format!("{}{}", base_url()?, path);
    let response = http::send(&Request {
        method: "GET".into(),
        url,
        headers: vec![("accept".into(), "text/plain".into())],
        body: None,
        credential: Some("token".into()),
    })
    .map_err(|e| match e {
        HttpError::Denied(m) => PluginError::Unauthorized(format!("denied: {m}")),
        HttpError::Timeout(m) | HttpError::Transport(m) => PluginError::Transient(m),
        HttpError::InvalidRequest(m) => PluginError::InvalidInput(m),
    })?;
    Ok((
        response.status,
        String::from_utf8_lossy(&response.body).into_owned(),
    ))
}

fn item(id: &str, status: u16, body: String) -> Item {
    Item {
        id: id.to_string(),
        key: format!("PROBE-{id}"),
        url: format!("probe://items/{id}"),
        updated_at: "2024-05-01T12:00:00Z".into(),
        fields: vec![
            Field {
                name: "status".into(),
                value: Value::Integer(i64::from(status)),
            },
            Field {
                name: "body".into(),
                value: Value::Text(body),
            },
            Field {
                name: "due".into(),
                value: Value::Date("2024-06-30".into()),
            },
        ],
    }
}

impl Guest for Probe {
    fn describe() -> Descriptor {
        Descriptor {
            platform: "probe".into(),
            fields: vec![
                FieldSpec {
                    name: "status".into(),
                    field_type: FieldType::Number,
                    writable: false,
                },
                FieldSpec {
                    name: "body".into(),
                    field_type: FieldType::String,
                    writable: false,
                },
                FieldSpec {
                    name: "due".into(),
                    field_type: FieldType::Date,
                    writable: false,
                },
            ],
            capabilities: Capabilities::WEBHOOKS,
        }
    }

    fn list_changed(_request: ListRequest) -> Result<Page, PluginError> {
        let (status, body) = fetch("/items")?;
        Ok(Page {
            items: vec![item("1", status, body)],
            next_cursor: None,
        })
    }

    fn get(ids: Vec<String>) -> Vec<Result<Item, PluginError>> {
        ids.into_iter()
            .map(|id| match fetch(&format!("/items/{id}"))? {
                (404, _) => Err(PluginError::NotFound(format!("item {id}"))),
                (status, body) => Ok(item(&id, status, body)),
            })
            .collect()
    }

    fn create(requests: Vec<CreateRequest>) -> Vec<Result<Item, PluginError>> {
        requests
            .iter()
            .map(|_| Err(PluginError::InvalidInput("probe is read-only".into())))
            .collect()
    }

    fn update(requests: Vec<UpdateRequest>) -> Vec<Result<Item, PluginError>> {
        requests
            .iter()
            .map(|_| Err(PluginError::InvalidInput("probe is read-only".into())))
            .collect()
    }

    fn find_by_origin(origins: Vec<String>) -> Vec<Result<Option<Item>, PluginError>> {
        origins.iter().map(|_| Ok(None)).collect()
    }

    fn parse_webhook(delivery: WebhookDelivery) -> Result<Vec<String>, PluginError> {
        let text = String::from_utf8(delivery.body)
            .map_err(|_| PluginError::InvalidInput("webhook body is not UTF-8".into()))?;
        Ok(text
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect())
    }
}

export!(Probe);
