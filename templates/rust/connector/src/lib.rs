//! A connector for a tracker with a small REST API. Change the requests and the field list
//! to your tracker's; the shape stays the same:
//!
//! - `GET  /api/tickets?updated_since=RFC3339&after=ID&limit=N` → `{"tickets": [...], "next": ID|null}`
//! - `GET  /api/tickets?origin=MARKER` → `{"tickets": [...], "next": null}`
//! - `GET  /api/tickets/{id}`, `POST /api/tickets`, `PATCH /api/tickets/{id}` → a ticket
//!
//! A ticket is `{"id", "title", "status", "origin", "updated_at"}`; `status` is `open` or `done`.
//! Everything goes through the host's `http` import with the `token` credential, which the host
//! injects (the plugin never sees it).

use pmsync_sdk::http::Request;
use pmsync_sdk::prelude::*;
use serde::Deserialize;

/// The connector. It keeps no state beyond the instance.
pub struct {{name_camel}};

#[derive(Debug, Deserialize)]
struct Ticket {
    id: u64,
    title: String,
    status: String,
    updated_at: String,
}

#[derive(Debug, Deserialize)]
struct TicketPage {
    tickets: Vec<Ticket>,
    next: Option<u64>,
}

fn base_url() -> Result<String, PluginError> {
    let base = config::require("base_url")?;
    Ok(base.trim_end_matches('/').to_owned())
}

impl Ticket {
    fn into_item(self, base: &str) -> Item {
        Item::new(
            self.id.to_string(),
            format!("T-{}", self.id),
            format!("{base}/tickets/{}", self.id),
            self.updated_at,
        )
        .with_field("title", self.title)
        .with_field("status", self.status)
    }
}

/// The JSON body of a create or an update: only the fields the tracker has.
fn body(fields: &[Field]) -> Result<serde_json::Map<String, serde_json::Value>, PluginError> {
    let mut body = serde_json::Map::new();
    for field in fields {
        let text = match (&field.value, field.name.as_str()) {
            (Value::Text(text), "title" | "status") => text.clone(),
            (Value::Null, "status") => "open".to_owned(),
            (other, "title" | "status") => {
                return Err(PluginError::invalid_input(format!(
                    "`{}` must be text, got {other:?}",
                    field.name
                )));
            }
            (_, unknown) => {
                return Err(PluginError::invalid_input(format!(
                    "this tracker has no field `{unknown}` (it has title, status)"
                )));
            }
        };
        if field.name == "status" && text != "open" && text != "done" {
            return Err(PluginError::invalid_input(format!(
                "`status` is open or done, got {text:?}"
            )));
        }
        body.insert(field.name.clone(), serde_json::Value::String(text));
    }
    Ok(body)
}

fn ticket(request: Request) -> Result<Ticket, PluginError> {
    request
        .credential("token")
        .send()?
        .error_for_status()?
        .json()
}

impl Connector for {{name_camel}} {
    fn new() -> Self {
        {{name_camel}}
    }

    fn describe(&mut self) -> Descriptor {
        Descriptor {
            platform: "{{name_snake}}".to_owned(),
            fields: vec![
                FieldSpec::writable("title", FieldType::String),
                FieldSpec::writable("status", FieldType::String),
            ],
            capabilities: Capabilities::INCREMENTAL | Capabilities::ORIGIN_MARKERS,
        }
    }

    fn list_changed(&mut self, request: ListRequest) -> Result<Page, PluginError> {
        let base = base_url()?;
        let mut call = Request::get(format!("{base}/api/tickets"))
            .query("limit", &request.page_size.max(1).to_string());
        if let Some(since) = &request.since {
            call = call.query("updated_since", since);
        }
        if let Some(after) = &request.cursor {
            call = call.query("after", after);
        }
        let page: TicketPage = call
            .credential("token")
            .send()?
            .error_for_status()?
            .json()?;
        Ok(Page {
            items: page
                .tickets
                .into_iter()
                .map(|t| t.into_item(&base))
                .collect(),
            next_cursor: page.next.map(|id| id.to_string()),
        })
    }

    fn get_one(&mut self, id: String) -> Result<Item, PluginError> {
        let base = base_url()?;
        Ok(ticket(Request::get(format!("{base}/api/tickets/{id}")))?.into_item(&base))
    }

    fn create_one(&mut self, request: CreateRequest) -> Result<Item, PluginError> {
        let base = base_url()?;
        let mut fields = body(&request.fields)?;
        fields.insert("origin".to_owned(), request.origin.into());
        Ok(ticket(Request::post(format!("{base}/api/tickets")).json(&fields)?)?.into_item(&base))
    }

    fn update_one(&mut self, request: UpdateRequest) -> Result<Item, PluginError> {
        let base = base_url()?;
        let fields = body(&request.fields)?;
        let url = format!("{base}/api/tickets/{}", request.id);
        Ok(ticket(Request::patch(url).json(&fields)?)?.into_item(&base))
    }

    fn find_one_by_origin(&mut self, origin: String) -> Result<Option<Item>, PluginError> {
        let base = base_url()?;
        let page: TicketPage = Request::get(format!("{base}/api/tickets"))
            .query("origin", &origin)
            .credential("token")
            .send()?
            .error_for_status()?
            .json()?;
        Ok(page.tickets.into_iter().next().map(|t| t.into_item(&base)))
    }
}

pmsync_sdk::export_connector!({{name_camel}});

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str, value: Value) -> Field {
        Field {
            name: name.to_owned(),
            value,
        }
    }

    #[test]
    fn a_create_body_has_the_tracker_fields() {
        let body = body(&[field("title", Value::text("Login fails")), field("status", Value::Null)])
            .unwrap();
        assert_eq!(body["title"], "Login fails");
        assert_eq!(body["status"], "open");
    }

    #[test]
    fn an_unknown_status_is_refused_with_the_allowed_ones() {
        let error = body(&[field("status", Value::text("later"))]).unwrap_err();
        assert!(format!("{error:?}").contains("open or done"));
    }

    #[test]
    fn a_field_the_tracker_lacks_is_named() {
        let error = body(&[field("priority", Value::integer(1))]).unwrap_err();
        assert!(format!("{error:?}").contains("priority"));
    }
}
