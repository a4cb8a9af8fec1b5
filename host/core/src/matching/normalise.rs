//! Values as match keys: text lower-cased with its whitespace collapsed, lists as sorted
//! sets, numbers in one spelling, instants in UTC. An empty value gives no key (an item with
//! no title never matches another item with no title).

use crate::value::Value;

/// One text, normalised: lower case, runs of whitespace as one space, trimmed.
pub fn text(text: &str) -> String {
    text.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The whole value as one key, or `None` when it is empty.
pub fn whole(value: &Value) -> Option<String> {
    let key = match value {
        Value::Null => return None,
        Value::Boolean(b) => b.to_string(),
        Value::Integer(i) => i.to_string(),
        Value::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => (*n as i64).to_string(),
        Value::Number(n) => n.to_string(),
        Value::Text(t) => text(t),
        Value::TextList(list) => {
            let mut parts: Vec<String> = list
                .iter()
                .map(|t| text(t))
                .filter(|t| !t.is_empty())
                .collect();
            parts.sort();
            parts.dedup();
            parts.join("\u{1e}")
        }
        Value::Date(d) => d.to_string(),
        Value::DateTime(at) => at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        Value::Json(json) => text(json),
    };
    (!key.is_empty()).then_some(key)
}

/// Each key a value carries: every element of a list, or the whole value; only those that
/// start with `prefix` (normalised) when one is given.
pub fn keys(value: &Value, prefix: Option<&str>) -> Vec<String> {
    let mut keys: Vec<String> = match value {
        Value::TextList(list) => list.iter().map(|t| text(t)).collect(),
        other => whole(other).into_iter().collect(),
    };
    let prefix = prefix.map(text);
    keys.retain(|k| !k.is_empty() && prefix.as_deref().is_none_or(|p| k.starts_with(p)));
    keys.sort();
    keys.dedup();
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_and_whitespace_do_not_make_titles_differ() {
        assert_eq!(
            whole(&Value::Text("  Fix   the Login\tpage ".into())),
            whole(&Value::Text("fix the login page".into()))
        );
    }

    #[test]
    fn empty_values_give_no_key() {
        assert_eq!(whole(&Value::Null), None);
        assert_eq!(whole(&Value::Text("   ".into())), None);
        assert_eq!(whole(&Value::TextList(vec![])), None);
    }

    #[test]
    fn label_order_does_not_matter_and_one_equals_one_point_zero() {
        assert_eq!(
            whole(&Value::TextList(vec!["b".into(), "A".into()])),
            whole(&Value::TextList(vec!["a".into(), "B".into()]))
        );
        assert_eq!(whole(&Value::Integer(1)), whole(&Value::Number(1.0)));
    }

    #[test]
    fn a_prefix_keeps_only_the_key_labels() {
        let labels = Value::TextList(vec!["bug".into(), "Legacy-17".into(), "ui".into()]);
        assert_eq!(
            keys(&labels, Some("legacy-")),
            vec!["legacy-17".to_string()]
        );
        assert_eq!(keys(&labels, None).len(), 3);
    }
}
