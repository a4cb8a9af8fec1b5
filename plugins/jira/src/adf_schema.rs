//! The cheap checks of the ADF JSON schema (`adf-schema-v1-full.json`) that every document
//! this plugin sends must pass: a `doc` of version 1, known node and mark types, non-empty
//! text, heading levels 1-6, and the code mark combined with nothing but a link.

use serde_json::Value;

/// Every node type of the ADF v1 full schema.
pub const NODE_TYPES: &[&str] = &[
    "blockCard",
    "blockTaskItem",
    "blockquote",
    "bodiedExtension",
    "bodiedSyncBlock",
    "bulletList",
    "caption",
    "codeBlock",
    "date",
    "decisionItem",
    "decisionList",
    "doc",
    "embedCard",
    "emoji",
    "expand",
    "extension",
    "hardBreak",
    "heading",
    "inlineCard",
    "inlineExtension",
    "layoutColumn",
    "layoutSection",
    "listItem",
    "media",
    "mediaGroup",
    "mediaInline",
    "mediaSingle",
    "mention",
    "nestedExpand",
    "orderedList",
    "panel",
    "paragraph",
    "placeholder",
    "rule",
    "status",
    "syncBlock",
    "table",
    "tableCell",
    "tableHeader",
    "tableRow",
    "taskItem",
    "taskList",
    "text",
];

/// Every mark type of the ADF v1 full schema.
pub const MARK_TYPES: &[&str] = &[
    "alignment",
    "annotation",
    "backgroundColor",
    "border",
    "breakout",
    "code",
    "dataConsumer",
    "em",
    "fontSize",
    "fragment",
    "indentation",
    "link",
    "strike",
    "strong",
    "subsup",
    "textColor",
    "underline",
];

/// `Ok` when `doc` passes the checks; otherwise where (a JSON path) and what is wrong.
pub fn validate(doc: &Value) -> Result<(), String> {
    if doc["type"] != "doc" {
        return Err("$.type: the root node must be `doc`".to_owned());
    }
    if doc["version"] != 1 {
        return Err(format!("$.version: must be 1, is {}", doc["version"]));
    }
    if !doc["content"].is_array() {
        return Err("$.content: the document must have a content array".to_owned());
    }
    check_node(doc, "$")
}

fn check_node(node: &Value, path: &str) -> Result<(), String> {
    let Some(kind) = node["type"].as_str() else {
        return Err(format!("{path}: node without a string `type`"));
    };
    if !NODE_TYPES.contains(&kind) {
        return Err(format!("{path}: unknown node type `{kind}`"));
    }
    if kind == "doc" && path != "$" {
        return Err(format!("{path}: `doc` may only be the root"));
    }
    if kind == "text" {
        match node["text"].as_str() {
            Some(text) if !text.is_empty() => {}
            _ => return Err(format!("{path}: text node with empty or missing text")),
        }
    }
    if kind == "heading" {
        let level = node["attrs"]["level"].as_u64().unwrap_or(0);
        if !(1..=6).contains(&level) {
            return Err(format!("{path}: heading level must be 1-6"));
        }
    }
    if let Some(marks) = node.get("marks") {
        let Some(marks) = marks.as_array() else {
            return Err(format!("{path}.marks: must be an array"));
        };
        let types: Vec<&str> = marks
            .iter()
            .map(|mark| mark["type"].as_str().unwrap_or(""))
            .collect();
        for (index, mark) in types.iter().enumerate() {
            if !MARK_TYPES.contains(mark) {
                return Err(format!("{path}.marks[{index}]: unknown mark type `{mark}`"));
            }
        }
        if types.contains(&"code")
            && types
                .iter()
                .any(|mark| !matches!(*mark, "code" | "link" | "annotation"))
        {
            return Err(format!(
                "{path}.marks: the code mark combines only with link: {types:?}"
            ));
        }
    }
    if let Some(content) = node.get("content") {
        let Some(children) = content.as_array() else {
            return Err(format!("{path}.content: must be an array"));
        };
        for (index, child) in children.iter().enumerate() {
            check_node(child, &format!("{path}.content[{index}]"))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_node_types_are_named_with_their_path() {
        let doc = json!({"type": "doc", "version": 1, "content": [
            {"type": "paragraph", "content": [{"type": "txt", "text": "x"}]}
        ]});
        assert_eq!(
            validate(&doc),
            Err("$.content[0].content[0]: unknown node type `txt`".to_owned())
        );
    }

    #[test]
    fn code_with_strong_is_rejected() {
        let doc = json!({"type": "doc", "version": 1, "content": [
            {"type": "paragraph", "content": [
                {"type": "text", "text": "x", "marks": [{"type": "code"}, {"type": "strong"}]}
            ]}
        ]});
        assert!(validate(&doc).unwrap_err().contains("code mark"));
    }

    #[test]
    fn version_must_be_one_and_text_non_empty() {
        assert!(validate(&json!({"type": "doc", "version": 2, "content": []})).is_err());
        let empty_text = json!({"type": "doc", "version": 1, "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": ""}]}
        ]});
        assert!(validate(&empty_text).unwrap_err().contains("empty"));
        assert_eq!(
            validate(&json!({"type": "doc", "version": 1, "content": []})),
            Ok(())
        );
    }
}
