//! Test-only connector: Jira written the way an outside author would, straight against
//! `wit/pmsync.wit` (no pmsync SDK) and Atlassian's REST v2 documentation. The host tests
//! develop it against the sandbox (`host/tests/all/toy_connectors.rs`).
//!
//! The text helpers below are plain functions so they are unit-tested natively; the
//! component itself exists only for wasm (a native cdylib cannot carry its export names).

#[cfg(target_arch = "wasm32")]
mod connector;

/// Jira's `2025-01-06T09:00:37.000+0000` as RFC 3339 (`2025-01-06T09:00:37.000+00:00`).
pub fn jira_instant(text: &str) -> Option<String> {
    let (time, offset) = text.split_at(text.len().checked_sub(5)?);
    let sign = offset.chars().next()?;
    if !(sign == '+' || sign == '-') || !offset[1..].chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if !time.contains('T') {
        return None;
    }
    Some(format!("{time}{}:{}", &offset[..3], &offset[3..]))
}

/// An RFC 3339 UTC instant as a JQL date (`2025-01-06 09:05`), floored to the minute, which
/// is JQL's precision (so a bound never skips an item updated in the same minute).
pub fn jql_instant(rfc3339: &str) -> Option<String> {
    let date = rfc3339.get(..10)?;
    let time = rfc3339.get(11..16)?;
    let utc = rfc3339.ends_with('Z') || rfc3339.ends_with("+00:00");
    (utc && rfc3339.as_bytes().get(10) == Some(&b'T')).then(|| format!("{date} {time}"))
}

/// A JQL string literal.
pub fn jql_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Percent-encodes a URL query or path component.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jira_times_become_rfc3339_and_jql_minutes() {
        assert_eq!(
            jira_instant("2025-01-06T09:00:37.000+0000").as_deref(),
            Some("2025-01-06T09:00:37.000+00:00")
        );
        assert_eq!(jira_instant("yesterday"), None);
        assert_eq!(
            jql_instant("2025-01-06T09:05:59Z").as_deref(),
            Some("2025-01-06 09:05")
        );
        assert_eq!(
            jql_instant("2025-01-06T09:05:59+02:00"),
            None,
            "only UTC is converted"
        );
        assert_eq!(jql_string("a \"b\""), "\"a \\\"b\\\"\"");
        assert_eq!(percent_encode("project = \"P\""), "project%20%3D%20%22P%22");
    }
}
