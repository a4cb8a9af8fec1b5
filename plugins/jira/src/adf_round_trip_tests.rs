//! Properties of the ADF ↔ Markdown pair: Markdown → ADF → Markdown is stable after one
//! normalisation round, every produced document passes the schema checks, and ADF documents
//! from the recorded Jira examples keep all their text.

use serde_json::Value;

use crate::adf_schema::validate;
use crate::adf_to_markdown::adf_to_markdown;
use crate::markdown_to_adf::markdown_to_adf;
use crate::test_support::apidata;

const CORPUS: &[&str] = &[
    "Plain paragraph.",
    "# H1\n\n## H2\n\n### H3\n\n#### H4\n\n##### H5\n\n###### H6",
    "Some **bold**, *italic*, ~~struck~~ and `code` text.",
    "**bold with *nested italic* inside** and ***both***",
    "A [link](https://example.com/a_(b)?q=1&r=2) and <https://auto.example/x>.",
    "Mention @[Mia Krystof](accountid:5b10a2844c20165700ede21g), please.",
    "- one\n- two\n  - two.a\n  - two.b\n    1. deep\n- three",
    "3. three\n4. four\n\n- a\n\n\n* b",
    "1. first\n\n   second paragraph of first\n\n2. second",
    "```rust\nfn main() {\n    println!(\"hi\");\n}\n```",
    "~~~\nplain ``` fence inside\n~~~",
    "> quoted\n> text\n>\n> - with list\n>\n> > nested quote",
    "> # heading in quote",
    "before\n\n---\n\nafter",
    "line one\\\nline two  \nline three",
    "| Name | Value |\n|:-----|------:|\n| a | `x|y` |\n| **b** | [l](http://l.example) |",
    "| only header |\n|---|",
    "Escapes: \\*not bold\\*, 1\\. not list, \\# not heading, a_b_c, 5 * 3 < 7 & x",
    "Text with trailing hash #\n\n# Heading ending in C\\#",
    "- [ ] task one\n- [x] task done",
    "![alt text](https://img.example/a.png) image",
    "<div>raw html</div>\n\ninline <span>html</span> and a<br>break",
    "Tabs\tand    spaces",
    "Emoji 😀 and unicode ünïcödé — dashes",
    "- item with code:\n\n  ```sh\n  ls -la\n  ```\n- next",
    "* star list\n+ plus list",
    "Setext\n======\n\nAnother\n-------",
    "    indented code block",
    "a **b**c d*e*f `g`h",
    "**\"quoted bold\"** and x**(paren)**y",
    "10. ten\n11. eleven",
    "Hard\\\n# not a heading after break",
    "| a | b |\n|---|---|\n| 1 |\n| 1 | 2 | 3 |",
    "Link with **bold [inner](https://x.example)** text",
    "- a\n\n  > quote in item\n- b",
    "[](https://empty.example)",
];

fn round(markdown: &str) -> String {
    let adf = markdown_to_adf(markdown);
    if let Err(problem) = validate(&adf) {
        panic!("invalid ADF for {markdown:?}: {problem}\n{adf:#}");
    }
    adf_to_markdown(&adf)
}

#[test]
fn markdown_to_adf_to_markdown_is_stable_after_one_round() {
    for source in CORPUS {
        let once = round(source);
        let twice = round(&once);
        assert_eq!(
            once, twice,
            "not stable for {source:?}\n first: {once:?}\nsecond: {twice:?}"
        );
    }
}

#[test]
fn the_corpus_keeps_its_words_through_a_round_trip() {
    for source in CORPUS {
        let once = round(source);
        for word in ["bold", "nested", "deep", "println", "quoted", "task", "ten"] {
            if source.contains(word) {
                assert!(
                    once.contains(word),
                    "{word:?} lost from {source:?}: {once:?}"
                );
            }
        }
    }
}

/// The text of every text node (and mention/emoji/status text) of an ADF tree.
fn texts(node: &Value, out: &mut Vec<String>) {
    if let Some(text) = node["text"].as_str() {
        out.push(text.to_owned());
    }
    if let Some(content) = node["content"].as_array() {
        for child in content {
            texts(child, out);
        }
    }
}

fn plain_text_of(markdown: &str) -> String {
    let mut all = Vec::new();
    texts(&markdown_to_adf(markdown), &mut all);
    all.join(" ")
}

fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn assert_text_kept(name: &str, adf: &Value) {
    let mut originals = Vec::new();
    texts(adf, &mut originals);
    let markdown = adf_to_markdown(adf);
    let plain = squash(&plain_text_of(&markdown));
    for original in originals {
        let original = squash(&original);
        if original.is_empty() {
            continue;
        }
        assert!(
            plain.contains(&original),
            "{name}: text {original:?} lost; markdown was {markdown:?}"
        );
    }
}

/// Every ADF document inside a JSON value (objects with `"type": "doc"`).
fn documents(value: &Value, out: &mut Vec<Value>) {
    match value {
        Value::Object(map) => {
            if map.get("type") == Some(&Value::from("doc")) {
                out.push(value.clone());
                return;
            }
            for child in map.values() {
                documents(child, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| documents(item, out)),
        _ => {}
    }
}

#[test]
fn adf_documents_from_the_recorded_examples_convert_without_losing_text() {
    let Some(root) = apidata() else { return };
    let mut checked = 0;
    let folder = root.join("fixtures/jira-openapi-examples");
    let mut files: Vec<_> = std::fs::read_dir(&folder)
        .expect("examples folder is readable")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .collect();
    files.push(root.join("jira/adf/example-unsupported-content.adf.json"));
    files.sort();
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let Ok(json) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        let mut docs = Vec::new();
        documents(&json, &mut docs);
        for doc in docs {
            assert_text_kept(&path.display().to_string(), &doc);
            let back = markdown_to_adf(&adf_to_markdown(&doc));
            validate(&back).unwrap_or_else(|problem| panic!("{}: {problem}", path.display()));
            checked += 1;
        }
    }
    assert!(
        checked >= 20,
        "only {checked} ADF documents found in the fixtures"
    );
}
