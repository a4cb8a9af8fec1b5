wit_bindgen::generate!({
    path: "../../../wit",
    world: "connector-plugin",
});

use exports::pmsync::plugin::connector::{
    Capabilities, CreateRequest, Descriptor, FieldSpec, Guest, ListRequest, Page, UpdateRequest,
    WebhookDelivery,
};
use pmsync::plugin::config;
use pmsync::plugin::types::{Field, FieldType, Item, PluginError, Value};

struct HostileConnector;

const GOOD_TIME: &str = "2024-05-01T12:00:00Z";

fn mode() -> String {
    config::get("mode").unwrap_or_default()
}

fn item(id: &str, updated_at: &str, title: &str) -> Item {
    Item {
        id: id.to_string(),
        key: format!("HOST-{id}"),
        url: format!("hostile://items/{id}"),
        updated_at: updated_at.to_string(),
        fields: vec![Field {
            name: "title".into(),
            value: Value::Text(title.to_string()),
        }],
    }
}

/// The item `id` as `get` returns it (in `bad_item` mode, item 2 stays malformed).
fn stored(id: &str) -> Item {
    if mode() == "bad_item" && id == "2" {
        return item(id, "yesterday", "item 2");
    }
    item(id, GOOD_TIME, &format!("item {id}"))
}

impl Guest for HostileConnector {
    fn describe() -> Descriptor {
        Descriptor {
            platform: "hostile".into(),
            fields: vec![FieldSpec {
                name: "title".into(),
                field_type: FieldType::String,
                writable: true,
            }],
            capabilities: Capabilities::empty(),
        }
    }

    fn list_changed(request: ListRequest) -> Result<Page, PluginError> {
        let page: u64 = request
            .cursor
            .as_deref()
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        Ok(match mode().as_str() {
            // A new cursor on every page, forever.
            "endless" => {
                let size = u64::from(request.page_size);
                Page {
                    items: (0..size)
                        .map(|i| {
                            let id = (page * size + i).to_string();
                            item(&id, GOOD_TIME, &format!("endless item {id}"))
                        })
                        .collect(),
                    next_cursor: Some((page + 1).to_string()),
                }
            }
            // 200,000 items for whatever page size was asked.
            "oversize" => Page {
                items: (0..200_000)
                    .map(|i| item(&i.to_string(), GOOD_TIME, "x"))
                    .collect(),
                next_cursor: None,
            },
            "bad_item" => Page {
                items: vec![stored("1"), item("2", "yesterday", "item 2"), stored("3")],
                next_cursor: None,
            },
            "duplicates" => Page {
                items: vec![
                    item("1", "2024-05-01T12:00:00Z", "older copy"),
                    item("1", "2024-05-02T12:00:00Z", "newest copy"),
                    item("1", "2024-04-30T12:00:00Z", "oldest copy"),
                    stored("2"),
                ],
                next_cursor: None,
            },
            _ => Page {
                items: vec![stored("1"), stored("2"), stored("3")],
                next_cursor: None,
            },
        })
    }

    fn get(ids: Vec<String>) -> Vec<Result<Item, PluginError>> {
        ids.iter().map(|id| Ok(stored(id))).collect()
    }

    fn create(requests: Vec<CreateRequest>) -> Vec<Result<Item, PluginError>> {
        requests
            .into_iter()
            .map(|r| {
                Ok(Item {
                    id: format!("new-{}", r.origin),
                    key: format!("HOST-new-{}", r.origin),
                    url: String::new(),
                    updated_at: GOOD_TIME.into(),
                    fields: r.fields,
                })
            })
            .collect()
    }

    fn update(requests: Vec<UpdateRequest>) -> Vec<Result<Item, PluginError>> {
        requests
            .into_iter()
            .map(|r| {
                let mut item = stored(&r.id);
                item.fields = r.fields;
                Ok(item)
            })
            .collect()
    }

    fn find_by_origin(origins: Vec<String>) -> Vec<Result<Option<Item>, PluginError>> {
        origins.iter().map(|_| Ok(None)).collect()
    }

    fn parse_webhook(_delivery: WebhookDelivery) -> Result<Vec<String>, PluginError> {
        Ok(Vec::new())
    }
}

export!(HostileConnector);
