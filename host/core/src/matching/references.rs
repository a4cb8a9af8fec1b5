//! Cross-references: how an item names itself (its URL, its `ABC-123` key, `owner/repo#n`
//! for a GitHub issue URL) and which such names appear in the text fields of another item
//! (a GitHub URL in a Jira description, a Jira key in a GitHub title, a Linear link to a
//! GitHub issue, another tool's marker that carries a URL or key).
//!
//! Tokens are tagged strings (`url:`, `gh:`, `key:`) so an item's names and another item's
//! references meet in one hash lookup.

use crate::item::Item;
use crate::value::Value;
use regex::Regex;
use std::sync::LazyLock;

static URL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"https?://[^\s<>"'`()\[\]{}|\\]+"#).expect("a valid regex"));
static OWNER_REPO_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^A-Za-z0-9_./-])([A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+)#([0-9]+)\b")
        .expect("a valid regex")
});
static KEY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b([A-Z][A-Z0-9_]+-[0-9]+)\b").expect("a valid regex"));
static ISSUE_PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[^/]+/([A-Za-z0-9][A-Za-z0-9-]*)/([A-Za-z0-9._-]+)/issues/([0-9]+)$")
        .expect("a valid regex")
});
static WHOLE_KEY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z][A-Za-z0-9_]*-[0-9]+$").expect("a valid regex"));

/// Most text read from one item for references (bytes); the rest is ignored.
pub const MAX_TEXT_BYTES: usize = 64 * 1024;

/// A URL without scheme, query, fragment or trailing slash, lower-cased.
fn url_token(url: &str) -> Option<String> {
    let url = url.trim_end_matches(['.', ',', ';', ':', '!', '?', '*', '_']);
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let rest = rest.trim_end_matches('/').to_lowercase();
    (rest.contains('/')).then_some(rest)
}

fn push_url(tokens: &mut Vec<String>, url: &str) {
    if let Some(path) = url_token(url) {
        if let Some(c) = ISSUE_PATH.captures(&path) {
            tokens.push(format!("gh:{}/{}#{}", &c[1], &c[2], &c[3]));
        }
        tokens.push(format!("url:{path}"));
    }
}

/// The names an item goes by.
pub fn identity(item: &Item) -> Vec<String> {
    let mut tokens = Vec::new();
    push_url(&mut tokens, &item.url);
    if WHOLE_KEY.is_match(&item.key) {
        tokens.push(format!("key:{}", item.key.to_uppercase()));
    }
    tokens.sort();
    tokens.dedup();
    tokens
}

fn texts(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Text(t) | Value::Json(t) => out.push(t.clone()),
        Value::TextList(list) => out.extend(list.iter().cloned()),
        _ => {}
    }
}

/// The names of other items that appear in an item's text fields.
pub fn mentioned(item: &Item) -> Vec<String> {
    let mut all = Vec::new();
    for value in item.fields.values() {
        texts(value, &mut all);
    }
    let mut budget = MAX_TEXT_BYTES;
    let mut tokens = Vec::new();
    for text in &all {
        if budget == 0 {
            break;
        }
        let mut end = text.len().min(budget);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let text = &text[..end];
        budget -= end;
        for m in URL.find_iter(text) {
            push_url(&mut tokens, m.as_str());
        }
        for c in OWNER_REPO_NUMBER.captures_iter(text) {
            tokens.push(format!("gh:{}#{}", c[1].to_lowercase(), &c[2]));
        }
        for c in KEY.captures_iter(text) {
            tokens.push(format!("key:{}", &c[1]));
        }
    }
    tokens.sort();
    tokens.dedup();
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn item(key: &str, url: &str, text: &str) -> Item {
        Item {
            id: key.into(),
            key: key.into(),
            url: url.into(),
            updated_at: chrono::DateTime::UNIX_EPOCH,
            fields: BTreeMap::from([("body".to_string(), Value::Text(text.into()))]),
        }
    }

    #[test]
    fn a_github_issue_is_known_by_its_url_and_owner_repo_number() {
        let gh = item("#42", "https://github.com/Acme/Widgets/issues/42", "");
        let names = identity(&gh);
        assert!(
            names.contains(&"gh:acme/widgets#42".to_string()),
            "{names:?}"
        );
        assert!(names.contains(&"url:github.com/acme/widgets/issues/42".to_string()));
        assert!(
            !names.iter().any(|n| n.starts_with("key:")),
            "#42 is no key"
        );
    }

    #[test]
    fn a_jira_description_naming_a_github_issue_mentions_it_in_either_form() {
        let by_url = item(
            "PROJ-1",
            "https://x.atlassian.net/browse/PROJ-1",
            "Tracked at https://github.com/acme/widgets/issues/42.",
        );
        let by_short = item("PROJ-2", "u", "see acme/widgets#42 for details");
        assert!(mentioned(&by_url).contains(&"gh:acme/widgets#42".to_string()));
        assert!(mentioned(&by_short).contains(&"gh:acme/widgets#42".to_string()));
    }

    #[test]
    fn a_github_title_naming_a_jira_key_mentions_it() {
        let gh = item(
            "#7",
            "https://github.com/a/b/issues/7",
            "[PROJ-12] Fix login",
        );
        assert!(mentioned(&gh).contains(&"key:PROJ-12".to_string()));
        let jira = item("PROJ-12", "https://x.atlassian.net/browse/PROJ-12", "");
        assert!(identity(&jira).contains(&"key:PROJ-12".to_string()));
    }

    #[test]
    fn lower_case_words_with_numbers_are_not_keys() {
        let gh = item("#7", "u", "upgrade to utf-8 and covid-19 rules");
        assert!(mentioned(&gh).iter().all(|t| !t.starts_with("key:")));
    }
}
