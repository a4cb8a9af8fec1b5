//! Building the JQL of listings and origin look-ups.

use chrono::{DateTime, Timelike};
use pmsync_sdk::{Filter, PluginError};

use crate::settings::Settings;

/// A JQL string literal: `"..."` with `"` and `\` escaped.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `field = "a"` or `field in ("a", "b")`.
fn membership(field: &str, values: &[String]) -> String {
    match values {
        [one] => format!("{field} = {}", quote(one)),
        many => format!(
            "{field} in ({})",
            many.iter().map(|v| quote(v)).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// `since` (RFC 3339) as a JQL date in the account's time zone, floored to the minute:
/// `"2024-05-01 12:34"`.
pub fn jql_date(since: &str, settings: &Settings) -> Result<String, PluginError> {
    let instant = DateTime::parse_from_rfc3339(since).map_err(|error| {
        PluginError::invalid_input(format!("`since` = {since:?} is not RFC 3339: {error}"))
    })?;
    let local = instant.with_timezone(&settings.jql_time_zone);
    let floored = local
        .with_second(0)
        .and_then(|at| at.with_nanosecond(0))
        .unwrap_or(local);
    Ok(format!("\"{}\"", floored.format("%Y-%m-%d %H:%M")))
}

/// Extra JQL, parenthesised when it has an `OR` outside quotes; an `ORDER BY` in it is refused.
fn extra_clause(jql: &str, origin: &str) -> Result<String, PluginError> {
    let words = unquoted_words(jql);
    let upper: Vec<String> = words.iter().map(|w| w.to_ascii_uppercase()).collect();
    if upper
        .windows(2)
        .any(|pair| pair[0] == "ORDER" && pair[1] == "BY")
    {
        return Err(PluginError::invalid_input(format!(
            "{origin} must not contain ORDER BY: pmsync orders by `updated` itself"
        )));
    }
    let jql = jql.trim();
    if upper.iter().any(|w| w == "OR" || w == "NOT") {
        Ok(format!("({jql})"))
    } else {
        Ok(jql.to_owned())
    }
}

/// The words of `jql` outside quoted strings.
fn unquoted_words(jql: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in jql.chars() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        if c == '"' || c == '\'' {
            quote = Some(c);
        } else if c.is_alphanumeric() {
            current.push(c);
            continue;
        }
        if !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// The JQL of one listing: the project (or the filter's projects), issue types, labels, the
/// configured and the requested JQL, the `since` bound, ordered by `updated` ascending.
pub fn listing(
    settings: &Settings,
    filter: &Filter,
    since: Option<&str>,
) -> Result<String, PluginError> {
    let mut clauses = Vec::new();
    if filter.projects.is_empty() {
        clauses.push(format!("project = {}", quote(&settings.project)));
    } else {
        clauses.push(membership("project", &filter.projects));
    }
    if !filter.issue_types.is_empty() {
        clauses.push(membership("issuetype", &filter.issue_types));
    }
    if !filter.labels.is_empty() {
        clauses.push(membership("labels", &filter.labels));
    }
    if let Some(jql) = &settings.jql {
        clauses.push(extra_clause(jql, "the plugin setting `jql`")?);
    }
    if let Some(query) = filter.query.as_deref().filter(|q| !q.trim().is_empty()) {
        clauses.push(extra_clause(query, "the filter query")?);
    }
    if let Some(since) = since {
        clauses.push(format!("updated >= {}", jql_date(since, settings)?));
    }
    Ok(format!("{} ORDER BY updated ASC", clauses.join(" AND ")))
}

/// The JQL finding the issue created with origin marker `origin`.
pub fn by_origin(settings: &Settings, origin: &str) -> String {
    format!(
        "issue.property[{}].origin = {} ORDER BY created ASC",
        settings.origin_property,
        quote(origin)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::configure;

    fn settings() -> Settings {
        configure();
        Settings::load().expect("settings")
    }

    fn filter() -> Filter {
        Filter {
            projects: vec![],
            issue_types: vec![],
            labels: vec![],
            query: None,
        }
    }

    #[test]
    fn since_is_floored_to_the_minute_so_nothing_is_missed() {
        let jql = listing(&settings(), &filter(), Some("2024-05-01T12:34:56.789Z")).unwrap();
        assert_eq!(
            jql,
            "project = \"PROJ\" AND updated >= \"2024-05-01 12:34\" ORDER BY updated ASC"
        );
    }

    #[test]
    fn since_is_shifted_into_the_accounts_time_zone() {
        configure();
        pmsync_sdk::config::testing::set("jql_time_zone", "+02:00");
        let settings = Settings::load().unwrap();
        assert_eq!(
            jql_date("2024-05-01T23:59:30+00:00", &settings).unwrap(),
            "\"2024-05-02 01:59\""
        );
    }

    #[test]
    fn filters_and_configured_jql_are_anded_with_quoting() {
        configure();
        pmsync_sdk::config::testing::set("jql", "component = Backend OR priority = High");
        let settings = Settings::load().unwrap();
        let filter = Filter {
            projects: vec!["PROJ".into(), "OPS".into()],
            issue_types: vec!["Bug".into()],
            labels: vec!["say \"hi\"".into()],
            query: Some("assignee = currentUser()".into()),
        };
        assert_eq!(
            listing(&settings, &filter, None).unwrap(),
            "project in (\"PROJ\", \"OPS\") AND issuetype = \"Bug\" AND labels = \"say \\\"hi\\\"\" \
             AND (component = Backend OR priority = High) AND assignee = currentUser() ORDER BY updated ASC"
        );
    }

    #[test]
    fn order_by_in_a_query_is_refused_but_not_inside_quotes() {
        let mut with_order = filter();
        with_order.query = Some("labels = x order by created".into());
        assert!(listing(&settings(), &with_order, None).is_err());
        with_order.query = Some("summary ~ \"order by\"".into());
        assert!(listing(&settings(), &with_order, None).is_ok());
    }

    #[test]
    fn a_bad_since_is_invalid_input() {
        let error = listing(&settings(), &filter(), Some("yesterday")).unwrap_err();
        assert!(error.message().contains("yesterday"));
    }

    #[test]
    fn origin_lookup_escapes_quotes_in_the_marker() {
        assert_eq!(
            by_origin(&settings(), "pmsync:a\"b:github:1"),
            "issue.property[pmsync].origin = \"pmsync:a\\\"b:github:1\" ORDER BY created ASC"
        );
    }
}
