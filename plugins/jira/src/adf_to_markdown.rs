//! Atlassian Document Format → Markdown (CommonMark + GFM tables and strikethrough).
//!
//! | ADF | Markdown |
//! |---|---|
//! | paragraph, heading 1-6 | paragraph, `#`…`######` |
//! | strong / em / strike / code marks | `**b**` / `*i*` / `~~s~~` / `` `c` `` |
//! | link mark | `[text](href)` |
//! | bulletList / orderedList (nested) | `- ` / `1. ` (an adjacent second list uses `* ` / `1) `) |
//! | codeBlock with language | fenced block with info string |
//! | blockquote, panel | `> ` |
//! | rule | `---` |
//! | hardBreak | `\` at the end of the line (`<br>` inside tables) |
//! | table / tableRow / tableHeader / tableCell | GFM table; the first row is the header row |
//! | mention `{id, text}` | `@[Name](accountid:ID)` (the name without its `@`) |
//! | emoji | its Unicode text, else its `:short-name:` |
//! | inlineCard / blockCard / embedCard | `[url](url)` |
//! | status `{text}` | `[text]` |
//! | date `{timestamp}` | `YYYY-MM-DD` (UTC) |
//! | taskList / decisionList | `- [ ] item` / `- [x] item` / `- item` |
//! | expand | its title in bold, then its content |
//! | media | external media as a link; attachments are left out |
//! | any other node | its content, else its `attrs.text` |
//!
//! Text is escaped so that Markdown → ADF → Markdown is stable after one round.

use serde_json::Value;

/// The link scheme of mentions: `@[Mia Krystof](accountid:5b10a2844c20165700ede21g)`.
pub const MENTION_SCHEME: &str = "accountid:";

/// The Markdown for an ADF document (or any ADF node). Text of unknown nodes is kept.
pub fn adf_to_markdown(doc: &Value) -> String {
    let blocks = match doc["type"].as_str() {
        Some("doc") | None => render_blocks(children(doc)),
        Some(_) => render_blocks(std::slice::from_ref(doc)),
    };
    blocks.join("\n\n")
}

const INLINE_TYPES: &[&str] = &[
    "text",
    "hardBreak",
    "mention",
    "emoji",
    "inlineCard",
    "status",
    "date",
    "mediaInline",
    "placeholder",
    "inlineExtension",
];

fn children(node: &Value) -> &[Value] {
    node.get("content")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn is_inline(node: &Value) -> bool {
    let kind = node["type"].as_str().unwrap_or("");
    INLINE_TYPES.contains(&kind)
        || (!crate::adf_schema::NODE_TYPES.contains(&kind) && children(node).is_empty())
}

/// Renders a sequence of block nodes; runs of inline nodes among them form paragraphs.
fn render_blocks(nodes: &[Value]) -> Vec<String> {
    render_tagged_blocks(nodes)
        .into_iter()
        .map(|(block, _)| block)
        .collect()
}

/// [`render_blocks`], each block with whether it is a list.
fn render_tagged_blocks(nodes: &[Value]) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = Vec::new();
    let mut inline_run: Vec<Value> = Vec::new();
    let mut previous_list: Option<&str> = None;
    for node in nodes {
        if is_inline(node) {
            inline_run.push(node.clone());
            continue;
        }
        if !inline_run.is_empty() {
            out.extend(paragraph(&inline_run).map(|text| (text, false)));
            inline_run.clear();
            previous_list = None;
        }
        let kind = node["type"].as_str().unwrap_or("");
        let alternate = previous_list == Some(kind);
        let rendered = render_block(node, alternate);
        if !rendered.is_empty() {
            let is_list = matches!(
                kind,
                "bulletList" | "orderedList" | "taskList" | "decisionList"
            );
            previous_list = is_list.then_some(kind).filter(|_| !alternate);
            out.extend(rendered.into_iter().map(|text| (text, is_list)));
        }
    }
    if !inline_run.is_empty() {
        out.extend(paragraph(&inline_run).map(|text| (text, false)));
    }
    out
}

/// One block node as zero or more Markdown blocks. `alternate`: this list directly follows a
/// list of the same kind, so it needs the other marker to stay a separate list.
fn render_block(node: &Value, alternate: bool) -> Vec<String> {
    let kind = node["type"].as_str().unwrap_or("");
    match kind {
        "paragraph" => paragraph(children(node)).into_iter().collect(),
        "heading" => {
            let level = node["attrs"]["level"].as_u64().unwrap_or(1).clamp(1, 6) as usize;
            let text = render_inline(children(node), Context::Heading);
            let text = text.trim();
            if text.is_empty() {
                return Vec::new();
            }
            vec![format!("{} {text}", "#".repeat(level))]
        }
        "codeBlock" => vec![code_block(node)],
        "blockquote" | "panel" => {
            let inner = render_blocks(children(node)).join("\n\n");
            if inner.is_empty() {
                return Vec::new();
            }
            vec![
                inner
                    .lines()
                    .map(|line| {
                        if line.is_empty() {
                            ">".to_owned()
                        } else {
                            format!("> {line}")
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
            ]
        }
        "rule" => vec!["---".to_owned()],
        "bulletList" | "taskList" | "decisionList" => {
            list(children(node), if alternate { "*" } else { "-" }, None)
        }
        "orderedList" => {
            let start = node["attrs"]["order"].as_u64().unwrap_or(1);
            list(
                children(node),
                if alternate { ")" } else { "." },
                Some(start),
            )
        }
        "table" => table(node).into_iter().collect(),
        "expand" | "nestedExpand" => {
            let mut out = Vec::new();
            if let Some(title) = node["attrs"]["title"].as_str().filter(|t| !t.is_empty()) {
                out.push(format!("**{}**", escape(title.trim(), Context::Block)));
            }
            out.extend(render_blocks(children(node)));
            out
        }
        "blockCard" | "embedCard" => match node["attrs"]["url"].as_str() {
            Some(url) => vec![card(url)],
            None => Vec::new(),
        },
        "mediaSingle" | "mediaGroup" => children(node).iter().filter_map(media).collect(),
        "media" => media(node).into_iter().collect(),
        _ => {
            if children(node).is_empty() {
                match node["attrs"]["text"].as_str() {
                    Some(text) if !text.trim().is_empty() => {
                        vec![escape(text.trim(), Context::Block)]
                    }
                    _ => Vec::new(),
                }
            } else {
                render_blocks(children(node))
            }
        }
    }
}

fn paragraph(inline: &[Value]) -> Option<String> {
    let text = render_inline(inline, Context::Block);
    let text = escape_line_starts(&text);
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

fn media(node: &Value) -> Option<String> {
    let attrs = &node["attrs"];
    let url = attrs["url"]
        .as_str()
        .filter(|_| attrs["type"] == "external")?;
    let alt = attrs["alt"]
        .as_str()
        .filter(|alt| !alt.is_empty())
        .unwrap_or(url);
    Some(format!(
        "[{}]({})",
        escape(alt, Context::Block),
        link_destination(url)
    ))
}

fn card(url: &str) -> String {
    format!(
        "[{}]({})",
        escape(url, Context::Block),
        link_destination(url)
    )
}

fn code_block(node: &Value) -> String {
    let mut text = String::new();
    for child in children(node) {
        match child["type"].as_str() {
            Some("hardBreak") => text.push('\n'),
            _ => text.push_str(child["text"].as_str().unwrap_or("")),
        }
    }
    let language = node["attrs"]["language"]
        .as_str()
        .map(|language| language.split_whitespace().next().unwrap_or(""))
        .unwrap_or("")
        .replace('`', "");
    let fence = "`".repeat(longest_run(&text, '`').max(2) + 1);
    format!("{fence}{language}\n{text}\n{fence}")
}

fn list(items: &[Value], marker: &str, start: Option<u64>) -> Vec<String> {
    let mut lines = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let bullet = match start {
            Some(first) => format!("{}{marker} ", first + index as u64),
            None => format!("{marker} "),
        };
        let check = match (item["type"].as_str(), item["attrs"]["state"].as_str()) {
            (Some("taskItem" | "blockTaskItem"), Some("DONE")) => "\\[x\\] ",
            (Some("taskItem" | "blockTaskItem"), _) => "\\[ \\] ",
            _ => "",
        };
        let blocks = render_tagged_blocks(children(item));
        let mut body = String::new();
        for (position, (block, is_list)) in blocks.iter().enumerate() {
            if position > 0 {
                body.push_str(if *is_list { "\n" } else { "\n\n" });
            }
            body.push_str(block);
        }
        let body = format!("{check}{body}");
        let indent = " ".repeat(bullet.len());
        let mut rendered = bullet.trim_end().to_owned();
        for (line_number, line) in body.lines().enumerate() {
            if line_number == 0 {
                if !line.is_empty() {
                    rendered.push(' ');
                    rendered.push_str(line);
                }
            } else if line.is_empty() {
                rendered.push('\n');
            } else {
                rendered.push('\n');
                rendered.push_str(&indent);
                rendered.push_str(line);
            }
        }
        lines.push(rendered);
    }
    if lines.is_empty() {
        Vec::new()
    } else {
        vec![lines.join("\n")]
    }
}

fn table(node: &Value) -> Option<String> {
    let rows: Vec<Vec<String>> = children(node)
        .iter()
        .map(|row| children(row).iter().map(cell_text).collect())
        .collect();
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    if columns == 0 {
        return None;
    }
    let line = |cells: &[String]| {
        let mut padded: Vec<String> = cells.to_vec();
        padded.resize(columns, String::new());
        let cells: Vec<String> = padded
            .iter()
            .map(|cell| {
                if cell.is_empty() {
                    " ".to_owned()
                } else {
                    format!(" {cell} ")
                }
            })
            .collect();
        format!("|{}|", cells.join("|"))
    };
    let mut out = vec![
        line(&rows[0]),
        format!("|{}|", vec![" --- "; columns].join("|")),
    ];
    out.extend(rows[1..].iter().map(|row| line(row)));
    Some(out.join("\n"))
}

/// A cell's text blocks on one line, separated by `<br>`.
fn cell_text(cell: &Value) -> String {
    let mut parts = Vec::new();
    collect_text_blocks(cell, &mut parts);
    parts
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("<br>")
}

fn collect_text_blocks(node: &Value, parts: &mut Vec<String>) {
    let nodes = children(node);
    if nodes.iter().any(is_inline) {
        let inline: Vec<Value> = nodes.iter().filter(|n| is_inline(n)).cloned().collect();
        let text = if node["type"] == "codeBlock" {
            let raw: String = inline
                .iter()
                .filter_map(|n| n["text"].as_str())
                .collect::<Vec<_>>()
                .join("");
            code_span(&raw.replace('\n', " "), Context::Table)
        } else {
            render_inline(&inline, Context::Table).trim().to_owned()
        };
        parts.push(text);
    }
    for child in nodes.iter().filter(|n| !is_inline(n)) {
        collect_text_blocks(child, parts);
    }
}

/// Where inline content is rendered: escaping and hard breaks differ.
#[derive(Clone, Copy, PartialEq)]
enum Context {
    Block,
    Heading,
    Table,
}

#[derive(Clone, Default, PartialEq)]
struct Marks {
    link: Option<String>,
    strong: bool,
    em: bool,
    strike: bool,
    code: bool,
}

impl Marks {
    fn of(node: &Value) -> Marks {
        let mut marks = Marks::default();
        for mark in node["marks"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
            match mark["type"].as_str() {
                Some("strong") => marks.strong = true,
                Some("em") => marks.em = true,
                Some("strike") => marks.strike = true,
                Some("code") => marks.code = true,
                Some("link") => marks.link = mark["attrs"]["href"].as_str().map(str::to_owned),
                _ => {}
            }
        }
        marks
    }

    /// These marks, keeping only the emphasis `neighbour` has too.
    fn shared_with(&self, neighbour: Option<&Marks>) -> Marks {
        let other = neighbour.cloned().unwrap_or_default();
        Marks {
            link: self.link.clone(),
            code: self.code,
            strong: self.strong && other.strong,
            em: self.em && other.em,
            strike: self.strike && other.strike,
        }
    }

    /// The delimiters to open, outermost first.
    fn delimiters(&self) -> Vec<Delimiter> {
        let mut out = Vec::new();
        if let Some(href) = &self.link {
            out.push(Delimiter::Link(href.clone()));
        }
        if self.strong {
            out.push(Delimiter::Strong);
        }
        if self.em {
            out.push(Delimiter::Em);
        }
        if self.strike {
            out.push(Delimiter::Strike);
        }
        out
    }
}

#[derive(Clone, PartialEq)]
enum Delimiter {
    Link(String),
    Strong,
    Em,
    Strike,
}

impl Delimiter {
    fn open(&self) -> &'static str {
        match self {
            Delimiter::Link(_) => "[",
            Delimiter::Strong => "**",
            Delimiter::Em => "*",
            Delimiter::Strike => "~~",
        }
    }

    fn close(&self) -> String {
        match self {
            Delimiter::Link(href) => format!("]({})", link_destination(href)),
            Delimiter::Strong => "**".to_owned(),
            Delimiter::Em => "*".to_owned(),
            Delimiter::Strike => "~~".to_owned(),
        }
    }
}

enum Segment {
    Text(String, Marks),
    /// Already rendered Markdown that takes no marks (mentions, breaks, cards).
    Raw(String),
}

fn render_inline(nodes: &[Value], context: Context) -> String {
    let mut segments = Vec::new();
    collect_segments(nodes, context, &mut segments);
    while matches!(segments.last(), Some(Segment::Raw(raw)) if is_break(raw, context)) {
        segments.pop();
    }
    while matches!(segments.first(), Some(Segment::Raw(raw)) if is_break(raw, context)) {
        segments.remove(0);
    }
    let segments = split_outer_whitespace(merge_segments(segments));
    let mut out = String::new();
    let mut open: Vec<Delimiter> = Vec::new();
    for segment in segments {
        let (wanted, rendered) = match segment {
            Segment::Text(text, marks) => {
                let rendered = if marks.code {
                    code_span(&text.replace('\n', " "), context)
                } else {
                    escape(&text, context)
                };
                (marks.delimiters(), rendered)
            }
            Segment::Raw(raw) => (Vec::new(), raw),
        };
        // Keep the open delimiters that are still wanted (as deep as possible), close the
        // rest, then open what is missing.
        let kept = open
            .iter()
            .take_while(|delimiter| wanted.contains(delimiter))
            .count();
        while open.len() > kept {
            if let Some(delimiter) = open.pop() {
                out.push_str(&delimiter.close());
            }
        }
        for delimiter in wanted {
            if !open.contains(&delimiter) {
                out.push_str(delimiter.open());
                open.push(delimiter);
            }
        }
        out.push_str(&rendered);
    }
    while let Some(delimiter) = open.pop() {
        out.push_str(&delimiter.close());
    }
    out
}

fn is_break(raw: &str, context: Context) -> bool {
    raw == hard_break(context)
}

fn hard_break(context: Context) -> &'static str {
    match context {
        Context::Block => "\\\n",
        Context::Heading => " ",
        Context::Table => "<br>",
    }
}

fn collect_segments(nodes: &[Value], context: Context, out: &mut Vec<Segment>) {
    for node in nodes {
        let attrs = &node["attrs"];
        match node["type"].as_str().unwrap_or("") {
            "text" => {
                let text = node["text"].as_str().unwrap_or("");
                let marks = Marks::of(node);
                let mut lines = text.split('\n').peekable();
                while let Some(line) = lines.next() {
                    if !line.is_empty() {
                        out.push(Segment::Text(line.to_owned(), marks.clone()));
                    }
                    if lines.peek().is_some() {
                        out.push(Segment::Raw(hard_break(context).to_owned()));
                    }
                }
            }
            "hardBreak" => out.push(Segment::Raw(hard_break(context).to_owned())),
            "mention" => {
                let id = attrs["id"].as_str().unwrap_or("");
                let text = attrs["text"].as_str().unwrap_or("");
                let name = text.strip_prefix('@').unwrap_or(text);
                let name = if name.is_empty() { id } else { name };
                if id.is_empty() {
                    out.push(Segment::Text(text.to_owned(), Marks::default()));
                } else {
                    out.push(Segment::Raw(format!(
                        "@[{}]({})",
                        escape(name, context),
                        link_destination(&format!("{MENTION_SCHEME}{id}"))
                    )));
                }
            }
            "emoji" => {
                let text = attrs["text"]
                    .as_str()
                    .filter(|text| !text.is_empty())
                    .or_else(|| attrs["shortName"].as_str())
                    .unwrap_or("");
                if !text.is_empty() {
                    out.push(Segment::Text(text.to_owned(), Marks::default()));
                }
            }
            "inlineCard" => {
                if let Some(url) = attrs["url"].as_str() {
                    out.push(Segment::Raw(card(url)));
                }
            }
            "status" => {
                if let Some(text) = attrs["text"].as_str().filter(|t| !t.is_empty()) {
                    out.push(Segment::Text(format!("[{text}]"), Marks::default()));
                }
            }
            "date" => {
                let date = attrs["timestamp"]
                    .as_str()
                    .and_then(|ms| ms.parse::<i64>().ok())
                    .or_else(|| attrs["timestamp"].as_i64())
                    .and_then(chrono::DateTime::from_timestamp_millis)
                    .map(|at| at.format("%Y-%m-%d").to_string());
                if let Some(date) = date {
                    out.push(Segment::Text(date, Marks::default()));
                }
            }
            _ => {
                let inner = children(node);
                if inner.is_empty() {
                    let text = attrs["text"]
                        .as_str()
                        .or_else(|| attrs["alt"].as_str())
                        .unwrap_or("");
                    if !text.is_empty() {
                        out.push(Segment::Text(text.to_owned(), Marks::default()));
                    }
                } else {
                    collect_segments(inner, context, out);
                }
            }
        }
    }
}

fn merge_segments(segments: Vec<Segment>) -> Vec<Segment> {
    let mut merged: Vec<Segment> = Vec::new();
    for segment in segments {
        if let (Some(Segment::Text(before, previous)), Segment::Text(text, marks)) =
            (merged.last_mut(), &segment)
            && previous == marks
        {
            before.push_str(text);
            continue;
        }
        merged.push(segment);
    }
    merged
}

/// Moves whitespace at the edges of bold/italic/strike runs outside the delimiters that open
/// or close there, where Markdown needs it (`** a **` is not bold). Whitespace keeps the
/// emphasis its neighbour on that side shares.
fn split_outer_whitespace(segments: Vec<Segment>) -> Vec<Segment> {
    let marks_at = |index: Option<usize>| -> Option<Marks> {
        match index.and_then(|i| segments.get(i)) {
            Some(Segment::Text(_, marks)) => Some(marks.clone()),
            _ => None,
        }
    };
    let mut out = Vec::new();
    for (index, segment) in segments.iter().enumerate() {
        match segment {
            Segment::Text(text, marks)
                if !marks.code && (marks.strong || marks.em || marks.strike) =>
            {
                let previous = marks_at(index.checked_sub(1));
                let next = marks_at(Some(index + 1));
                let core = text.trim();
                if core.is_empty() {
                    let shared = marks.shared_with(previous.as_ref().or(next.as_ref()));
                    out.push(Segment::Text(text.clone(), shared));
                    continue;
                }
                let start = text.len() - text.trim_start().len();
                let end = start + core.len();
                if start > 0 {
                    out.push(Segment::Text(
                        text[..start].to_owned(),
                        marks.shared_with(previous.as_ref()),
                    ));
                }
                out.push(Segment::Text(core.to_owned(), marks.clone()));
                if end < text.len() {
                    out.push(Segment::Text(
                        text[end..].to_owned(),
                        marks.shared_with(next.as_ref()),
                    ));
                }
            }
            Segment::Text(text, marks) => out.push(Segment::Text(text.clone(), marks.clone())),
            Segment::Raw(raw) => out.push(Segment::Raw(raw.clone())),
        }
    }
    merge_segments(out)
}

fn code_span(text: &str, context: Context) -> String {
    let text = if context == Context::Table {
        text.replace('|', "\\|")
    } else {
        text.to_owned()
    };
    let fence = "`".repeat(longest_run(&text, '`') + 1);
    let all_spaces = text.chars().all(|c| c == ' ');
    let pad = text.starts_with('`')
        || text.ends_with('`')
        || (!all_spaces && text.starts_with(' ') && text.ends_with(' '));
    if pad {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    }
}

fn longest_run(text: &str, wanted: char) -> usize {
    let mut longest = 0;
    let mut current = 0;
    for c in text.chars() {
        if c == wanted {
            current += 1;
            longest = longest.max(current);
        } else {
            current = 0;
        }
    }
    longest
}

/// A link destination Markdown reads back unchanged.
fn link_destination(href: &str) -> String {
    if href.is_empty()
        || href
            .chars()
            .any(|c| c.is_whitespace() || c == '<' || c == '>')
    {
        let inner: String = href
            .chars()
            .flat_map(|c| match c {
                '<' | '>' | '\\' => vec!['\\', c],
                '\n' => vec![' '],
                _ => vec![c],
            })
            .collect();
        format!("<{inner}>")
    } else {
        href.chars()
            .flat_map(|c| match c {
                '(' | ')' | '\\' => vec!['\\', c],
                _ => vec![c],
            })
            .collect()
    }
}

/// Escapes the characters that would start Markdown syntax inside a line.
fn escape(text: &str, context: Context) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    for (index, &c) in chars.iter().enumerate() {
        let before = index.checked_sub(1).and_then(|i| chars.get(i));
        let after = chars.get(index + 1);
        let needs = match c {
            '\\' | '`' | '*' | '[' | ']' | '<' | '~' => true,
            '_' => {
                !(before.is_some_and(|b| b.is_alphanumeric())
                    && after.is_some_and(|a| a.is_alphanumeric()))
            }
            '&' => after.is_some_and(|a| a.is_ascii_alphanumeric() || *a == '#'),
            '!' => after == Some(&'['),
            '|' => context == Context::Table,
            '#' => context == Context::Heading && after.is_none(),
            _ => false,
        };
        if needs {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Escapes what would start a block at the beginning of a line of a paragraph (`# `, `- `,
/// `1. `, `>`, `=`), and drops indentation that would make an indented code block.
fn escape_line_starts(text: &str) -> String {
    text.split('\n')
        .map(|line| {
            let line = line.trim_start();
            match line.chars().next() {
                Some('#' | '>' | '-' | '+' | '=') => format!("\\{line}"),
                Some(c) if c.is_ascii_digit() => {
                    let digits = line.chars().take_while(char::is_ascii_digit).count();
                    match line[digits..].chars().next() {
                        Some('.' | ')') if digits <= 9 => {
                            format!("{}\\{}", &line[..digits], &line[digits..])
                        }
                        _ => line.to_owned(),
                    }
                }
                _ => line.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(content: Value) -> Value {
        json!({"type": "doc", "version": 1, "content": content})
    }

    fn para(content: Value) -> Value {
        json!({"type": "paragraph", "content": content})
    }

    #[test]
    fn marks_nest_without_reopening() {
        let adf = doc(json!([para(json!([
            {"type": "text", "text": "a ", "marks": [{"type": "strong"}]},
            {"type": "text", "text": "b", "marks": [{"type": "strong"}, {"type": "em"}]},
            {"type": "text", "text": " c", "marks": [{"type": "strong"}]}
        ]))]));
        assert_eq!(adf_to_markdown(&adf), "**a *b* c**");
    }

    #[test]
    fn whitespace_at_the_edge_of_bold_moves_outside() {
        let adf = doc(json!([para(json!([
            {"type": "text", "text": "x"},
            {"type": "text", "text": " bold ", "marks": [{"type": "strong"}]},
            {"type": "text", "text": "y"}
        ]))]));
        assert_eq!(adf_to_markdown(&adf), "x **bold** y");
    }

    #[test]
    fn mention_is_written_as_accountid_link() {
        let adf = doc(json!([para(json!([
            {"type": "text", "text": "cc "},
            {"type": "mention", "attrs": {"id": "5b10a2844c20165700ede21g", "text": "@Mia Krystof"}}
        ]))]));
        assert_eq!(
            adf_to_markdown(&adf),
            "cc @[Mia Krystof](accountid:5b10a2844c20165700ede21g)"
        );
    }

    #[test]
    fn markdown_characters_in_text_are_escaped() {
        let adf = doc(json!([para(json!([
            {"type": "text", "text": "1. not a list *or* [link] snake_case _x_"}
        ]))]));
        assert_eq!(
            adf_to_markdown(&adf),
            "1\\. not a list \\*or\\* \\[link\\] snake_case \\_x\\_"
        );
    }

    #[test]
    fn nested_lists_and_code_block_are_indented_under_their_item() {
        let adf = doc(json!([{"type": "orderedList", "content": [
            {"type": "listItem", "content": [
                para(json!([{"type": "text", "text": "one"}])),
                {"type": "bulletList", "content": [
                    {"type": "listItem", "content": [para(json!([{"type": "text", "text": "inner"}]))]}
                ]},
                {"type": "codeBlock", "attrs": {"language": "sh"}, "content": [{"type": "text", "text": "ls\npwd"}]}
            ]}
        ]}]));
        assert_eq!(
            adf_to_markdown(&adf),
            "1. one\n   - inner\n\n   ```sh\n   ls\n   pwd\n   ```"
        );
    }

    #[test]
    fn table_renders_as_gfm_with_first_row_as_header() {
        let cell = |kind: &str, text: &str| json!({"type": kind, "content": [para(json!([{"type": "text", "text": text}]))]});
        let adf = doc(json!([{"type": "table", "content": [
            {"type": "tableRow", "content": [cell("tableHeader", "Name"), cell("tableHeader", "a|b")]},
            {"type": "tableRow", "content": [cell("tableCell", "x"), cell("tableCell", "y")]}
        ]}]));
        assert_eq!(
            adf_to_markdown(&adf),
            "| Name | a\\|b |\n| --- | --- |\n| x | y |"
        );
    }

    #[test]
    fn emoji_status_card_and_unknown_nodes_keep_their_text() {
        let adf = doc(json!([
            para(json!([
                {"type": "emoji", "attrs": {"shortName": ":smile:", "text": "😄"}},
                {"type": "text", "text": " "},
                {"type": "status", "attrs": {"text": "IN REVIEW", "color": "blue"}},
                {"type": "text", "text": " "},
                {"type": "inlineCard", "attrs": {"url": "https://x.example/a"}},
                {"type": "team-mention", "attrs": {"text": "@all"}}
            ])),
            {"type": "awesome-extension", "attrs": {"text": "Block extension demo"}}
        ]));
        assert_eq!(
            adf_to_markdown(&adf),
            "😄 \\[IN REVIEW\\] [https://x.example/a](https://x.example/a)@all\n\nBlock extension demo"
        );
    }

    #[test]
    fn hard_break_is_a_trailing_backslash_and_heading_levels_are_kept() {
        let adf = doc(json!([
            {"type": "heading", "attrs": {"level": 3}, "content": [{"type": "text", "text": "Title"}]},
            para(json!([
                {"type": "text", "text": "a"}, {"type": "hardBreak"}, {"type": "text", "text": "- b"}
            ])),
            {"type": "rule"},
            {"type": "blockquote", "content": [para(json!([{"type": "text", "text": "q"}]))]}
        ]));
        assert_eq!(
            adf_to_markdown(&adf),
            "### Title\n\na\\\n\\- b\n\n---\n\n> q"
        );
    }
}
