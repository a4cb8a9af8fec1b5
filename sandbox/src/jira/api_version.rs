//! Jira's REST v2 beside v3: the same resources, but rich-text fields (`description`,
//! `environment`, text custom fields) are plain strings in v2 and Atlassian Document Format
//! in v3. Requests in v2 are turned into v3 bodies before the store sees them, and answers
//! are turned back into v2 text.

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde_json::{Map, Value, json};

use crate::jira::model::adf;

/// Which REST version a request came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ApiVersion {
    V2,
    V3,
}

impl ApiVersion {
    /// The URL prefix, e.g. `/rest/api/2`.
    pub(crate) fn prefix(self) -> &'static str {
        match self {
            ApiVersion::V2 => "/rest/api/2",
            ApiVersion::V3 => "/rest/api/3",
        }
    }

    /// A request body in v3 form (v2 text fields become ADF).
    pub(crate) fn request(self, body: Value) -> Value {
        match self {
            ApiVersion::V2 => request_to_v3(body),
            ApiVersion::V3 => body,
        }
    }

    /// A rendered (v3) issue in this version's form.
    pub(crate) fn issue(self, issue: Value) -> Value {
        match self {
            ApiVersion::V2 => issue_to_v2(issue),
            ApiVersion::V3 => issue,
        }
    }
}

/// The version is read from the request path, so one handler serves both.
impl<S: Send + Sync> FromRequestParts<S> for ApiVersion {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        Ok(if parts.uri.path().starts_with("/rest/api/2/") {
            ApiVersion::V2
        } else {
            ApiVersion::V3
        })
    }
}

/// Fields that hold rich text.
const TEXT_FIELDS: [&str; 2] = ["description", "environment"];

/// The plain text of an ADF node: text nodes concatenated, blocks separated by a blank line
/// and hard breaks by a newline.
pub(crate) fn adf_to_text(node: &Value) -> String {
    fn walk(node: &Value, out: &mut String) {
        match node.get("type").and_then(Value::as_str) {
            Some("text") => out.push_str(node.get("text").and_then(Value::as_str).unwrap_or("")),
            Some("hardBreak") => out.push('\n'),
            _ => {
                for child in node
                    .get("content")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    walk(child, out);
                }
            }
        }
    }
    let blocks = node.get("content").and_then(Value::as_array);
    match blocks {
        Some(blocks) if node.get("type").and_then(Value::as_str) == Some("doc") => blocks
            .iter()
            .map(|b| {
                let mut text = String::new();
                walk(b, &mut text);
                text
            })
            .collect::<Vec<_>>()
            .join("\n\n"),
        _ => {
            let mut text = String::new();
            walk(node, &mut text);
            text
        }
    }
}

/// An ADF document of the text's paragraphs (separated by blank lines); `null` for "".
pub(crate) fn text_to_adf(text: &str) -> Value {
    if text.trim().is_empty() {
        return Value::Null;
    }
    let paragraphs: Vec<String> = text
        .split("\n\n")
        .map(str::trim_end)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect();
    adf(&paragraphs)
}

/// A v2 request body as v3: string rich-text fields become ADF. Non-string values are left
/// for the store to refuse with its usual error.
fn request_to_v3(mut body: Value) -> Value {
    if let Some(fields) = body.get_mut("fields").and_then(Value::as_object_mut) {
        for name in TEXT_FIELDS {
            if let Some(Value::String(text)) = fields.get(name) {
                let doc = text_to_adf(text);
                fields.insert(name.to_string(), doc);
            }
        }
    }
    body
}

/// An issue answer (with `fields`) as v2: ADF rich-text fields become strings.
fn issue_to_v2(mut issue: Value) -> Value {
    if let Some(fields) = issue.get_mut("fields").and_then(Value::as_object_mut) {
        fields_to_v2(fields);
    }
    issue
}

fn fields_to_v2(fields: &mut Map<String, Value>) {
    for name in TEXT_FIELDS {
        if let Some(doc @ Value::Object(_)) = fields.get(name) {
            let text = adf_to_text(doc);
            fields.insert(name.to_string(), json!(text));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_and_adf_convert_both_ways() {
        let doc = text_to_adf("First line.\n\nSecond paragraph.");
        assert_eq!(doc["content"].as_array().map(Vec::len), Some(2));
        assert_eq!(adf_to_text(&doc), "First line.\n\nSecond paragraph.");
        assert_eq!(text_to_adf("  "), Value::Null);
        let rich = json!({"type": "doc", "version": 1, "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": "a "}, {"type": "text", "text": "bold", "marks": [{"type": "strong"}]}, {"type": "hardBreak"}, {"type": "text", "text": "b"}]},
            {"type": "bulletList", "content": [{"type": "listItem", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "item"}]}]}]}
        ]});
        assert_eq!(adf_to_text(&rich), "a bold\nb\n\nitem");
        let v2 = request_to_v3(json!({"fields": {"summary": "s", "description": "x"}}));
        assert_eq!(v2["fields"]["description"]["type"], "doc");
        let issue = issue_to_v2(json!({"id": "1", "fields": {"description": doc}}));
        assert_eq!(
            issue["fields"]["description"],
            "First line.\n\nSecond paragraph."
        );
    }
}
