//! Markdown (CommonMark + GFM tables and strikethrough) → Atlassian Document Format.
//!
//! The Markdown dialect is the one [`crate::adf_to_markdown`] writes; see that module for the
//! mapping table. Parsing is pulldown-cmark's. ADF nests less freely than Markdown, so
//! content that ADF does not allow where it stands is flattened instead of rejected: a
//! heading inside a quote or list item becomes a paragraph, a quote inside a list item gives
//! its paragraphs to the item, a table where tables are not allowed becomes one paragraph per
//! row (`a | b | c`), and a rule where rules are not allowed is dropped. Raw HTML is kept as
//! text, except `<br>` which is a hard break.

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde_json::{Map, Value, json};

use crate::adf_to_markdown::MENTION_SCHEME;

/// The ADF document (`{"type":"doc","version":1,"content":[...]}`) for `markdown`.
pub fn markdown_to_adf(markdown: &str) -> Value {
    let mut builder = Builder::new();
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    for event in Parser::new_ext(markdown, options) {
        builder.event(event);
    }
    builder.finish()
}

/// A node being built.
struct Open {
    kind: &'static str,
    attrs: Option<Map<String, Value>>,
    content: Vec<Value>,
    /// A paragraph opened only to hold inline content of a tight list item or a table cell.
    implicit: bool,
}

impl Open {
    fn new(kind: &'static str) -> Open {
        Open {
            kind,
            attrs: None,
            content: Vec::new(),
            implicit: false,
        }
    }

    fn with_attrs(kind: &'static str, attrs: Map<String, Value>) -> Open {
        Open {
            attrs: Some(attrs),
            ..Open::new(kind)
        }
    }
}

struct Mention {
    id: String,
    name: String,
}

struct Builder {
    stack: Vec<Open>,
    marks: Vec<Value>,
    /// The text of the code block being read.
    code: Option<String>,
    mention: Option<Mention>,
    /// The URL of the image being read, and whether its alt text produced any text.
    image: Option<(String, bool)>,
    in_table_head: bool,
}

impl Builder {
    fn new() -> Builder {
        Builder {
            stack: vec![Open::new("doc")],
            marks: Vec::new(),
            code: None,
            mention: None,
            image: None,
            in_table_head: false,
        }
    }

    fn finish(mut self) -> Value {
        while self.stack.len() > 1 {
            self.close();
        }
        let content = self.stack.pop().map(|doc| doc.content).unwrap_or_default();
        json!({"type": "doc", "version": 1, "content": content})
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) => self.text(&text),
            Event::Code(code) => self.code_span(&code),
            Event::SoftBreak => self.text(" "),
            Event::HardBreak => self.hard_break(),
            Event::Rule => {
                self.close_implicit();
                self.push_block(json!({"type": "rule"}));
            }
            Event::Html(html) => self.html_text(&html),
            Event::InlineHtml(html) => {
                let tag = html.trim().to_ascii_lowercase().replace(' ', "");
                if matches!(tag.as_str(), "<br>" | "<br/>") {
                    self.hard_break();
                } else {
                    self.text(&html);
                }
            }
            Event::InlineMath(text) | Event::DisplayMath(text) => self.text(&text),
            Event::FootnoteReference(label) => self.text(&format!("[^{label}]")),
            Event::TaskListMarker(done) => self.text(if done { "[x] " } else { "[ ] " }),
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph => self.open_block(Open::new("paragraph")),
            Tag::Heading { level, .. } => {
                let mut attrs = Map::new();
                attrs.insert("level".into(), json!(heading_level(level)));
                self.open_block(Open::with_attrs("heading", attrs));
            }
            Tag::BlockQuote(_) => self.open_block(Open::new("blockquote")),
            Tag::CodeBlock(kind) => {
                let language = match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split_whitespace().next().unwrap_or("").to_owned()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                let open = if language.is_empty() {
                    Open::new("codeBlock")
                } else {
                    let mut attrs = Map::new();
                    attrs.insert("language".into(), json!(language));
                    Open::with_attrs("codeBlock", attrs)
                };
                self.open_block(open);
                self.code = Some(String::new());
            }
            Tag::HtmlBlock => self.open_block(Open::new("paragraph")),
            Tag::List(Some(first)) => {
                let open = if first == 1 {
                    Open::new("orderedList")
                } else {
                    let mut attrs = Map::new();
                    attrs.insert("order".into(), json!(first));
                    Open::with_attrs("orderedList", attrs)
                };
                self.open_block(open);
            }
            Tag::List(None) => self.open_block(Open::new("bulletList")),
            Tag::Item => self.open_block(Open::new("listItem")),
            Tag::Table(_) => self.open_block(Open::new("table")),
            Tag::TableHead => {
                self.in_table_head = true;
                self.stack.push(Open::new("tableRow"));
            }
            Tag::TableRow => self.stack.push(Open::new("tableRow")),
            Tag::TableCell => {
                let kind = if self.in_table_head {
                    "tableHeader"
                } else {
                    "tableCell"
                };
                self.stack.push(Open::new(kind));
            }
            Tag::Emphasis => self.marks.push(json!({"type": "em"})),
            Tag::Strong => self.marks.push(json!({"type": "strong"})),
            Tag::Strikethrough => self.marks.push(json!({"type": "strike"})),
            Tag::Link {
                dest_url, title, ..
            } => {
                if let Some(id) = mention_id(&dest_url) {
                    self.strip_trailing_at();
                    self.mention = Some(Mention {
                        id: id.to_owned(),
                        name: String::new(),
                    });
                } else {
                    self.marks.push(link_mark(&dest_url, &title));
                }
            }
            Tag::Image {
                dest_url, title, ..
            } => {
                self.marks.push(link_mark(&dest_url, &title));
                self.image = Some((dest_url.to_string(), false));
            }
            Tag::Superscript
            | Tag::Subscript
            | Tag::FootnoteDefinition(_)
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
            | Tag::MetadataBlock(_) => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::HtmlBlock => self.close(),
            TagEnd::CodeBlock => {
                let mut text = self.code.take().unwrap_or_default();
                if text.ends_with('\n') {
                    text.pop();
                }
                if !text.is_empty()
                    && let Some(top) = self.stack.last_mut()
                {
                    top.content.push(json!({"type": "text", "text": text}));
                }
                self.close();
            }
            TagEnd::BlockQuote(_)
            | TagEnd::List(_)
            | TagEnd::Item
            | TagEnd::Table
            | TagEnd::TableRow
            | TagEnd::TableCell => {
                self.close_implicit();
                self.close();
            }
            TagEnd::TableHead => {
                self.close_implicit();
                self.close();
                self.in_table_head = false;
            }
            TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough => {
                self.marks.pop();
            }
            TagEnd::Link => match self.mention.take() {
                Some(mention) => {
                    let name = if mention.name.is_empty() {
                        mention.id.clone()
                    } else {
                        mention.name
                    };
                    self.inline(json!({
                        "type": "mention",
                        "attrs": {"id": mention.id, "text": format!("@{name}")}
                    }));
                }
                None => {
                    self.marks.pop();
                }
            },
            TagEnd::Image => {
                if let Some((url, false)) = self.image.take() {
                    self.text(&url);
                }
                self.image = None;
                self.marks.pop();
            }
            TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::FootnoteDefinition
            | TagEnd::DefinitionList
            | TagEnd::DefinitionListTitle
            | TagEnd::DefinitionListDefinition
            | TagEnd::MetadataBlock(_) => {}
        }
    }

    fn text(&mut self, text: &str) {
        if let Some(code) = &mut self.code {
            code.push_str(text);
            return;
        }
        if let Some(mention) = &mut self.mention {
            mention.name.push_str(text);
            return;
        }
        if text.is_empty() {
            return;
        }
        if let Some((_, emitted)) = &mut self.image {
            *emitted = true;
        }
        let mut node = Map::new();
        node.insert("type".into(), json!("text"));
        node.insert("text".into(), json!(text));
        if !self.marks.is_empty() {
            node.insert("marks".into(), Value::Array(self.marks.clone()));
        }
        self.inline(Value::Object(node));
    }

    fn code_span(&mut self, code: &str) {
        if let Some(mention) = &mut self.mention {
            mention.name.push_str(code);
            return;
        }
        if code.is_empty() {
            return;
        }
        // ADF allows the code mark together with a link only.
        let mut marks: Vec<Value> = self
            .marks
            .iter()
            .filter(|mark| mark["type"] == "link")
            .cloned()
            .collect();
        marks.push(json!({"type": "code"}));
        self.inline(json!({"type": "text", "text": code, "marks": marks}));
    }

    fn hard_break(&mut self) {
        if self.stack.last().is_some_and(|top| top.kind == "heading") {
            self.text(" ");
        } else {
            self.inline(json!({"type": "hardBreak"}));
        }
    }

    fn html_text(&mut self, html: &str) {
        let mut lines = html.trim_end_matches('\n').split('\n').peekable();
        while let Some(line) = lines.next() {
            self.text(line);
            if lines.peek().is_some() {
                self.hard_break();
            }
        }
    }

    /// Adds an inline node to the open paragraph or heading, opening an implicit paragraph
    /// when the open node holds blocks; merges text into a preceding text with equal marks.
    fn inline(&mut self, node: Value) {
        let holds_inline = self
            .stack
            .last()
            .is_some_and(|top| matches!(top.kind, "paragraph" | "heading"));
        if !holds_inline {
            let mut paragraph = Open::new("paragraph");
            paragraph.implicit = true;
            self.stack.push(paragraph);
        }
        let Some(top) = self.stack.last_mut() else {
            return;
        };
        if node["type"] == "text"
            && let Some(previous) = top.content.last_mut()
            && previous["type"] == "text"
            && previous.get("marks") == node.get("marks")
            && let (Some(before), Some(more)) = (previous["text"].as_str(), node["text"].as_str())
        {
            let joined = format!("{before}{more}");
            previous["text"] = json!(joined);
            return;
        }
        top.content.push(node);
    }

    /// `@[Name](accountid:…)`: the `@` before the link belongs to the mention.
    fn strip_trailing_at(&mut self) {
        let Some(top) = self.stack.last_mut() else {
            return;
        };
        if !matches!(top.kind, "paragraph" | "heading") {
            return;
        }
        let Some(last) = top.content.last_mut() else {
            return;
        };
        if last["type"] != "text" || last.get("marks").is_some() {
            return;
        }
        if let Some(text) = last["text"]
            .as_str()
            .and_then(|text| text.strip_suffix('@'))
        {
            if text.is_empty() {
                top.content.pop();
            } else {
                let text = text.to_owned();
                last["text"] = json!(text);
            }
        }
    }

    fn open_block(&mut self, open: Open) {
        self.close_implicit();
        self.stack.push(open);
    }

    fn push_block(&mut self, block: Value) {
        let Some(parent) = self.stack.last_mut() else {
            return;
        };
        let kind = parent.kind;
        parent.content.extend(fit(kind, block));
    }

    fn close_implicit(&mut self) {
        if self.stack.last().is_some_and(|top| top.implicit) {
            self.close();
        }
    }

    /// Closes the innermost open node into its parent.
    fn close(&mut self) {
        if self.stack.len() < 2 {
            return;
        }
        let Some(open) = self.stack.pop() else {
            return;
        };
        let node = build(open);
        self.push_block(node);
    }
}

fn build(open: Open) -> Value {
    let mut node = Map::new();
    node.insert("type".into(), json!(open.kind));
    if let Some(attrs) = open.attrs {
        node.insert("attrs".into(), Value::Object(attrs));
    }
    let mut content = open.content;
    match open.kind {
        "listItem" | "tableCell" | "tableHeader" => {
            let starts_with_paragraph = content
                .first()
                .is_some_and(|first| first["type"] == "paragraph" || open.kind != "listItem");
            if !starts_with_paragraph {
                content.insert(0, json!({"type": "paragraph", "content": []}));
            }
            node.insert("content".into(), Value::Array(content));
        }
        "rule" => {}
        "codeBlock" if content.is_empty() => {}
        _ => {
            node.insert("content".into(), Value::Array(content));
        }
    }
    Value::Object(node)
}

/// The block types `parent` may hold (ADF schema v1, restricted to what this converter
/// produces).
fn allowed_children(parent: &str) -> &'static [&'static str] {
    match parent {
        "doc" => &[
            "paragraph",
            "heading",
            "bulletList",
            "orderedList",
            "codeBlock",
            "blockquote",
            "rule",
            "table",
        ],
        "blockquote" | "listItem" => &["paragraph", "bulletList", "orderedList", "codeBlock"],
        "tableCell" | "tableHeader" => &[
            "paragraph",
            "heading",
            "bulletList",
            "orderedList",
            "codeBlock",
            "blockquote",
            "rule",
        ],
        "bulletList" | "orderedList" => &["listItem"],
        "table" => &["tableRow"],
        "tableRow" => &["tableCell", "tableHeader"],
        _ => &["text", "hardBreak", "mention"],
    }
}

/// `child` as blocks `parent` may hold: flattened when ADF does not allow it there.
fn fit(parent: &str, child: Value) -> Vec<Value> {
    let kind = child["type"].as_str().unwrap_or_default().to_owned();
    if allowed_children(parent).contains(&kind.as_str()) {
        return vec![child];
    }
    match kind.as_str() {
        "heading" => {
            let content = child.get("content").cloned().unwrap_or(json!([]));
            fit(parent, json!({"type": "paragraph", "content": content}))
        }
        "blockquote" => children(&child)
            .into_iter()
            .flat_map(|inner| fit(parent, inner))
            .collect(),
        "table" => children(&child)
            .into_iter()
            .map(|row| {
                let mut inline = Vec::new();
                for (index, cell) in children(&row).into_iter().enumerate() {
                    if index > 0 {
                        inline.push(json!({"type": "text", "text": " | "}));
                    }
                    for block in children(&cell) {
                        inline.extend(children(&block));
                    }
                }
                json!({"type": "paragraph", "content": merge_text(inline)})
            })
            .flat_map(|paragraph| fit(parent, paragraph))
            .collect(),
        _ => Vec::new(),
    }
}

fn children(node: &Value) -> Vec<Value> {
    node.get("content")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// Joins adjacent text nodes that carry the same marks.
fn merge_text(nodes: Vec<Value>) -> Vec<Value> {
    let mut merged: Vec<Value> = Vec::new();
    for node in nodes {
        if node["type"] == "text"
            && let Some(previous) = merged.last_mut()
            && previous["type"] == "text"
            && previous.get("marks") == node.get("marks")
            && let (Some(before), Some(more)) = (previous["text"].as_str(), node["text"].as_str())
        {
            let joined = format!("{before}{more}");
            previous["text"] = json!(joined);
            continue;
        }
        merged.push(node);
    }
    merged
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

fn link_mark(href: &str, title: &str) -> Value {
    let mut attrs = Map::new();
    attrs.insert("href".into(), json!(href));
    if !title.is_empty() {
        attrs.insert("title".into(), json!(title));
    }
    json!({"type": "link", "attrs": attrs})
}

/// The account id of a `accountid:ID` link destination.
fn mention_id(dest: &str) -> Option<&str> {
    let prefix = dest.get(..MENTION_SCHEME.len())?;
    if !prefix.eq_ignore_ascii_case(MENTION_SCHEME) {
        return None;
    }
    let id = &dest[MENTION_SCHEME.len()..];
    (!id.is_empty()).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adf_schema::validate;

    fn content(markdown: &str) -> Value {
        let doc = markdown_to_adf(markdown);
        validate(&doc).expect("valid ADF");
        doc["content"].clone()
    }

    #[test]
    fn paragraph_with_marks_becomes_text_nodes_with_marks() {
        assert_eq!(
            content("Plain **bold** *it* ~~gone~~ `code`"),
            json!([{"type": "paragraph", "content": [
                {"type": "text", "text": "Plain "},
                {"type": "text", "text": "bold", "marks": [{"type": "strong"}]},
                {"type": "text", "text": " "},
                {"type": "text", "text": "it", "marks": [{"type": "em"}]},
                {"type": "text", "text": " "},
                {"type": "text", "text": "gone", "marks": [{"type": "strike"}]},
                {"type": "text", "text": " "},
                {"type": "text", "text": "code", "marks": [{"type": "code"}]}
            ]}])
        );
    }

    #[test]
    fn mention_syntax_becomes_a_mention_node() {
        assert_eq!(
            content("Ping @[Mia Krystof](accountid:5b10a2844c20165700ede21g) now"),
            json!([{"type": "paragraph", "content": [
                {"type": "text", "text": "Ping "},
                {"type": "mention", "attrs": {"id": "5b10a2844c20165700ede21g", "text": "@Mia Krystof"}},
                {"type": "text", "text": " now"}
            ]}])
        );
    }

    #[test]
    fn fenced_code_keeps_its_language_and_text() {
        assert_eq!(
            content("```rust\nfn main() {}\n```"),
            json!([{"type": "codeBlock", "attrs": {"language": "rust"}, "content": [
                {"type": "text", "text": "fn main() {}"}
            ]}])
        );
    }

    #[test]
    fn tight_list_items_get_paragraphs_and_nest() {
        assert_eq!(
            content("- a\n  1. b\n- c"),
            json!([{"type": "bulletList", "content": [
                {"type": "listItem", "content": [
                    {"type": "paragraph", "content": [{"type": "text", "text": "a"}]},
                    {"type": "orderedList", "content": [
                        {"type": "listItem", "content": [
                            {"type": "paragraph", "content": [{"type": "text", "text": "b"}]}
                        ]}
                    ]}
                ]},
                {"type": "listItem", "content": [
                    {"type": "paragraph", "content": [{"type": "text", "text": "c"}]}
                ]}
            ]}])
        );
    }

    #[test]
    fn gfm_table_becomes_header_and_cell_rows() {
        assert_eq!(
            content("| A | B |\n|---|---|\n| 1 | 2 |"),
            json!([{"type": "table", "content": [
                {"type": "tableRow", "content": [
                    {"type": "tableHeader", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "A"}]}]},
                    {"type": "tableHeader", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "B"}]}]}
                ]},
                {"type": "tableRow", "content": [
                    {"type": "tableCell", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "1"}]}]},
                    {"type": "tableCell", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "2"}]}]}
                ]}
            ]}])
        );
    }

    #[test]
    fn heading_inside_a_quote_is_flattened_to_a_paragraph() {
        assert_eq!(
            content("> # Title\n> body"),
            json!([{"type": "blockquote", "content": [
                {"type": "paragraph", "content": [{"type": "text", "text": "Title"}]},
                {"type": "paragraph", "content": [{"type": "text", "text": "body"}]}
            ]}])
        );
    }

    #[test]
    fn hard_break_and_rule_and_link() {
        assert_eq!(
            content("a\\\nb\n\n---\n\n[site](https://x.example)"),
            json!([
                {"type": "paragraph", "content": [
                    {"type": "text", "text": "a"}, {"type": "hardBreak"}, {"type": "text", "text": "b"}
                ]},
                {"type": "rule"},
                {"type": "paragraph", "content": [
                    {"type": "text", "text": "site", "marks": [{"type": "link", "attrs": {"href": "https://x.example"}}]}
                ]}
            ])
        );
    }

    #[test]
    fn empty_markdown_is_an_empty_document() {
        assert_eq!(
            markdown_to_adf(""),
            json!({"type": "doc", "version": 1, "content": []})
        );
    }
}
