//! The JQL subset the Jira sandbox understands: clauses combined with `AND`, `OR`, `NOT` and
//! parentheses (`NOT` binds tightest, then `AND`, then `OR`, as in Jira), then an optional
//! `ORDER BY`. Fields: `project`, `issuetype`/`type`, `status`, `priority`, `key`/`issuekey`,
//! `labels`, `updated`, `created`, and entity properties `issue.property[KEY].path.to.value`.
//! Operators: `=`, `!=`, `in (...)`, `not in (...)`, and `>`, `>=`, `<`, `<=` for dates.
//! Dates: `"yyyy-MM-dd HH:mm"`, `"yyyy/MM/dd HH:mm"`, `"yyyy-MM-dd"`, epoch milliseconds, or
//! relative offsets like `-15m`, `-2h`, `-1d`, `-1w`; interpreted in UTC (the sandbox user's
//! time zone) at MINUTE precision, as Jira does. `ORDER BY` accepts one of `updated`,
//! `created`, `key` with `ASC`/`DESC`; without it results come newest-created first.
//! Anything else is rejected with Jira's 400 `errorMessages` shape.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Field {
    Project,
    IssueType,
    Status,
    Priority,
    Key,
    Labels,
    Updated,
    Created,
    /// `issue.property[key].a.b` → ("key", ["a", "b"]).
    Property(String, Vec<String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    NotEq,
    In,
    NotIn,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Operand {
    Values(Vec<String>),
    Instant(DateTime<Utc>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Clause {
    pub(crate) field: Field,
    pub(crate) op: Op,
    pub(crate) operand: Operand,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OrderField {
    Updated,
    /// Creation order; `key` ordering is the same within the sandbox.
    Created,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Order {
    pub(crate) field: OrderField,
    pub(crate) ascending: bool,
}

/// The condition of a query: clauses combined with `AND`, `OR`, `NOT` and parentheses.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    Clause(Clause),
    /// Every one holds (`AND`); empty: no restriction.
    All(Vec<Expr>),
    /// At least one holds (`OR`).
    Any(Vec<Expr>),
    Not(Box<Expr>),
}

impl Expr {
    /// Evaluates the condition with `clause` deciding each clause.
    pub(crate) fn holds(&self, clause: &impl Fn(&Clause) -> bool) -> bool {
        match self {
            Expr::Clause(c) => clause(c),
            Expr::All(all) => all.iter().all(|e| e.holds(clause)),
            Expr::Any(any) => any.iter().any(|e| e.holds(clause)),
            Expr::Not(inner) => !inner.holds(clause),
        }
    }

    /// The clauses every match must satisfy (the top-level `AND` chain).
    fn required(&self) -> Vec<&Clause> {
        match self {
            Expr::Clause(c) => vec![c],
            Expr::All(all) => all.iter().flat_map(Expr::required).collect(),
            Expr::Any(_) | Expr::Not(_) => Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Jql {
    pub(crate) filter: Expr,
    pub(crate) order: Order,
}

impl Jql {
    /// True when the query restricts nothing (Jira refuses such searches).
    pub(crate) fn is_unbounded(&self) -> bool {
        matches!(&self.filter, Expr::All(all) if all.is_empty())
    }

    /// The tightest `updated >=`/`>` bound every match satisfies, in epoch milliseconds.
    pub(crate) fn updated_lower_bound(&self) -> Option<i64> {
        self.filter
            .required()
            .into_iter()
            .filter_map(|c| match (&c.field, c.op, &c.operand) {
                (Field::Updated, Op::Ge | Op::Gt, Operand::Instant(t)) => {
                    Some(t.timestamp_millis())
                }
                _ => None,
            })
            .max()
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Quoted(String),
    Op(String),
    Open,
    Close,
    Comma,
}

fn tokenize(text: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' {
            out.push(Tok::Open);
            i += 1;
        } else if c == ')' {
            out.push(Tok::Close);
            i += 1;
        } else if c == ',' {
            out.push(Tok::Comma);
            i += 1;
        } else if c == '"' || c == '\'' {
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => {
                        return Err(format!(
                            "Error in the JQL Query: The quoted string starting with {c} has not been completed."
                        ));
                    }
                    Some('\\') => {
                        if let Some(&n) = chars.get(i + 1) {
                            s.push(n);
                        }
                        i += 2;
                    }
                    Some(&q) if q == c => {
                        i += 1;
                        break;
                    }
                    Some(&o) => {
                        s.push(o);
                        i += 1;
                    }
                }
            }
            out.push(Tok::Quoted(s));
        } else if matches!(c, '=' | '!' | '<' | '>' | '~') {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let op = if matches!(two.as_str(), "!=" | ">=" | "<=" | "!~") {
                two
            } else {
                c.to_string()
            };
            i += op.len();
            out.push(Tok::Op(op));
        } else {
            let start = i;
            while i < chars.len()
                && !chars[i].is_whitespace()
                && !matches!(
                    chars[i],
                    '(' | ')' | ',' | '=' | '!' | '<' | '>' | '~' | '"' | '\''
                )
            {
                i += 1;
            }
            out.push(Tok::Word(chars[start..i].iter().collect()));
        }
    }
    Ok(out)
}

fn is_kw(tok: Option<&Tok>, kw: &str) -> bool {
    matches!(tok, Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw))
}

fn parse_field(name: &str) -> Result<Field, String> {
    let lower = name.to_ascii_lowercase();
    Ok(match lower.as_str() {
        "project" => Field::Project,
        "issuetype" | "type" => Field::IssueType,
        "status" => Field::Status,
        "priority" => Field::Priority,
        "key" | "issuekey" | "id" => Field::Key,
        "labels" | "label" => Field::Labels,
        "updated" | "updateddate" => Field::Updated,
        "created" | "createddate" => Field::Created,
        _ if lower.starts_with("issue.property[") => {
            let rest = &name["issue.property[".len()..];
            let (key, path) = rest.split_once(']').ok_or_else(|| {
                format!("Error in the JQL Query: '{name}' is not a valid property reference.")
            })?;
            let path: Vec<String> = path
                .split('.')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            if key.is_empty() || path.is_empty() {
                return Err(format!(
                    "Error in the JQL Query: '{name}' is not a valid property reference; use issue.property[key].path."
                ));
            }
            Field::Property(key.to_string(), path)
        }
        _ => {
            return Err(format!(
                "Field '{name}' does not exist or you do not have permission to view it."
            ));
        }
    })
}

/// Parses a JQL date at minute precision.
pub(crate) fn parse_date(text: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let t = text.trim();
    for format in ["%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(t, format) {
            return Some(dt.and_utc());
        }
    }
    for format in ["%Y-%m-%d", "%Y/%m/%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(t, format) {
            return d.and_hms_opt(0, 0, 0).map(|dt| dt.and_utc());
        }
    }
    if let Some(rel) = t.strip_prefix('-').or_else(|| t.strip_prefix('+')) {
        let sign = if t.starts_with('-') { -1 } else { 1 };
        let (digits, unit) = rel.split_at(rel.len().saturating_sub(1));
        let n: i64 = digits.parse().ok()?;
        let delta = match unit {
            "m" => TimeDelta::minutes(n),
            "h" => TimeDelta::hours(n),
            "d" => TimeDelta::days(n),
            "w" => TimeDelta::weeks(n),
            _ => return None,
        };
        let at = now + delta * sign;
        // Minute precision: seconds are dropped.
        return DateTime::from_timestamp(at.timestamp() - at.timestamp().rem_euclid(60), 0);
    }
    if t.chars().all(|c| c.is_ascii_digit()) && !t.is_empty() {
        return t
            .parse::<i64>()
            .ok()
            .and_then(DateTime::from_timestamp_millis);
    }
    None
}

fn value(tok: Option<Tok>) -> Result<String, String> {
    match tok {
        Some(Tok::Word(w)) | Some(Tok::Quoted(w)) => Ok(w),
        other => Err(format!(
            "Error in the JQL Query: Expecting either a value, list or function but got {}.",
            describe(other.as_ref())
        )),
    }
}

fn describe(tok: Option<&Tok>) -> String {
    match tok {
        None => "end of query".into(),
        Some(Tok::Word(w)) | Some(Tok::Op(w)) => format!("'{w}'"),
        Some(Tok::Quoted(w)) => format!("'\"{w}\"'"),
        Some(Tok::Open) => "'('".into(),
        Some(Tok::Close) => "')'".into(),
        Some(Tok::Comma) => "','".into(),
    }
}

type Tokens = std::iter::Peekable<std::vec::IntoIter<Tok>>;

/// Parses a JQL query; the error is the message for Jira's `errorMessages`.
pub(crate) fn parse(text: &str, now: DateTime<Utc>) -> Result<Jql, String> {
    let tokens = tokenize(text)?;
    let mut it = tokens.into_iter().peekable();
    let filter = if it.peek().is_none() || is_kw(it.peek(), "order") {
        Expr::All(Vec::new())
    } else {
        parse_or(&mut it, now)?
    };
    let mut order = Order {
        field: OrderField::Created,
        ascending: false,
    };
    match it.next() {
        None => {}
        Some(t) if is_kw(Some(&t), "order") => {
            if !is_kw(it.peek(), "by") {
                return Err("Error in the JQL Query: Expecting 'by' after 'order'.".into());
            }
            it.next();
            let field = value(it.next())?;
            order.field = match field.to_ascii_lowercase().as_str() {
                "updated" | "updateddate" => OrderField::Updated,
                "created" | "createddate" | "key" | "issuekey" | "id" => OrderField::Created,
                _ => {
                    return Err(format!(
                        "Not able to sort using field '{field}'. (The sandbox sorts by updated, created or key.)"
                    ));
                }
            };
            order.ascending = true;
            if is_kw(it.peek(), "desc") {
                order.ascending = false;
                it.next();
            } else if is_kw(it.peek(), "asc") {
                it.next();
            }
            if let Some(extra) = it.next() {
                return Err(format!(
                    "Error in the JQL Query: The sandbox supports a single ORDER BY field; found {} after it.",
                    describe(Some(&extra))
                ));
            }
        }
        Some(Tok::Close) => {
            return Err("Error in the JQL Query: Expecting either 'OR' or 'AND' but got ')'; the parentheses do not match.".into());
        }
        Some(t) => {
            return Err(format!(
                "Error in the JQL Query: Expecting either 'OR' or 'AND' but got {}.",
                describe(Some(&t))
            ));
        }
    }
    Ok(Jql { filter, order })
}

/// `and-expr (OR and-expr)*`
fn parse_or(it: &mut Tokens, now: DateTime<Utc>) -> Result<Expr, String> {
    let mut any = vec![parse_and(it, now)?];
    while is_kw(it.peek(), "or") {
        it.next();
        any.push(parse_and(it, now)?);
    }
    Ok(if any.len() == 1 {
        any.remove(0)
    } else {
        Expr::Any(any)
    })
}

/// `unary (AND unary)*`
fn parse_and(it: &mut Tokens, now: DateTime<Utc>) -> Result<Expr, String> {
    let mut all = vec![parse_unary(it, now)?];
    while is_kw(it.peek(), "and") {
        it.next();
        all.push(parse_unary(it, now)?);
    }
    Ok(if all.len() == 1 {
        all.remove(0)
    } else {
        Expr::All(all)
    })
}

/// `NOT unary | ( expr ) | clause`
fn parse_unary(it: &mut Tokens, now: DateTime<Utc>) -> Result<Expr, String> {
    if it.peek().is_none() || is_kw(it.peek(), "order") {
        return Err(
            "Error in the JQL Query: Expecting a field name or '(' but got the end of the query."
                .into(),
        );
    }
    if is_kw(it.peek(), "not") {
        it.next();
        return Ok(Expr::Not(Box::new(parse_unary(it, now)?)));
    }
    if it.peek() == Some(&Tok::Open) {
        it.next();
        let inner = parse_or(it, now)?;
        return match it.next() {
            Some(Tok::Close) => Ok(inner),
            other => Err(format!(
                "Error in the JQL Query: Expecting ')' to close the group but got {}.",
                describe(other.as_ref())
            )),
        };
    }
    Ok(Expr::Clause(parse_clause(it, now)?))
}

/// `field operator operand`
fn parse_clause(it: &mut Tokens, now: DateTime<Utc>) -> Result<Clause, String> {
    let field_name = value(it.next())?;
    let field = parse_field(&field_name)?;
    let op = match it.next() {
        Some(Tok::Op(o)) => match o.as_str() {
            "=" => Op::Eq,
            "!=" => Op::NotEq,
            ">" => Op::Gt,
            ">=" => Op::Ge,
            "<" => Op::Lt,
            "<=" => Op::Le,
            other => {
                return Err(format!(
                    "Error in the JQL Query: The operator '{other}' is not supported by the sandbox."
                ));
            }
        },
        Some(Tok::Word(w)) if w.eq_ignore_ascii_case("in") => Op::In,
        Some(Tok::Word(w)) if w.eq_ignore_ascii_case("not") && is_kw(it.peek(), "in") => {
            it.next();
            Op::NotIn
        }
        other => {
            return Err(format!(
                "Error in the JQL Query: Expecting operator but got {}. The query should be of the form: <field> <operator> <value>",
                describe(other.as_ref())
            ));
        }
    };
    let is_date = matches!(field, Field::Updated | Field::Created);
    let operand = match op {
        Op::In | Op::NotIn => {
            if it.next() != Some(Tok::Open) {
                return Err(
                    "Error in the JQL Query: Expecting '(' to start a list of values.".into(),
                );
            }
            let mut values = vec![value(it.next())?];
            loop {
                match it.next() {
                    Some(Tok::Comma) => values.push(value(it.next())?),
                    Some(Tok::Close) => break,
                    other => {
                        return Err(format!(
                            "Error in the JQL Query: Expecting ',' or ')' but got {}.",
                            describe(other.as_ref())
                        ));
                    }
                }
            }
            if is_date {
                return Err(format!(
                    "Error in the JQL Query: The operator '{}' is not supported by the '{field_name}' field in the sandbox.",
                    if op == Op::In { "in" } else { "not in" }
                ));
            }
            Operand::Values(values)
        }
        _ => {
            let raw = value(it.next())?;
            if is_date {
                let instant = parse_date(&raw, now).ok_or_else(|| {
                    format!("Date value '{raw}' for field '{field_name}' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.")
                })?;
                Operand::Instant(instant)
            } else if matches!(op, Op::Eq | Op::NotEq) {
                Operand::Values(vec![raw])
            } else {
                return Err(format!(
                    "Error in the JQL Query: The operator is not supported by the '{field_name}' field."
                ));
            }
        }
    };
    Ok(Clause { field, op, operand })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incremental_sync_query_parses() {
        let now = Utc::now();
        let q = parse(r#"project in (PROJ, OPS) AND updated >= "2025-01-06 09:05" AND labels = backend ORDER BY updated ASC"#, now).expect("parses");
        assert!(matches!(&q.filter, Expr::All(all) if all.len() == 3));
        assert_eq!(
            q.order,
            Order {
                field: OrderField::Updated,
                ascending: true
            }
        );
        assert_eq!(
            q.updated_lower_bound(),
            Some(
                parse_date("2025-01-06 09:05", now)
                    .expect("date")
                    .timestamp_millis()
            )
        );
    }

    #[test]
    fn unknown_field_and_or_are_rejected() {
        let now = Utc::now();
        assert!(
            parse("foo = bar", now)
                .unwrap_err()
                .contains("Field 'foo' does not exist")
        );
        assert!(
            parse("updated >= \"yesterday\"", now)
                .unwrap_err()
                .contains("is invalid")
        );
        assert!(parse("project = ", now).is_err());
    }

    #[test]
    fn property_reference_is_parsed() {
        let q = parse(
            r#"issue.property[pmsync].origin = "linear:ENG-1""#,
            Utc::now(),
        )
        .expect("parses");
        assert!(matches!(
            &q.filter,
            Expr::Clause(c) if c.field == Field::Property("pmsync".into(), vec!["origin".into()])
        ));
    }

    fn keys_matching(jql: &str, keys: &[(&str, &str, &str)]) -> Vec<String> {
        let q = parse(jql, Utc::now()).expect("parses");
        keys.iter()
            .filter(|(_, priority, label)| {
                q.filter.holds(&|c: &Clause| {
                    let Operand::Values(values) = &c.operand else {
                        return false;
                    };
                    let actual = match c.field {
                        Field::Priority => *priority,
                        Field::Labels => *label,
                        _ => "PROJ",
                    };
                    let hit = values.iter().any(|v| v.eq_ignore_ascii_case(actual));
                    if matches!(c.op, Op::NotEq | Op::NotIn) {
                        !hit
                    } else {
                        hit
                    }
                })
            })
            .map(|(key, _, _)| key.to_string())
            .collect()
    }

    #[test]
    fn or_and_not_and_parentheses_combine_with_jira_precedence() {
        let issues = [
            ("A", "High", "bug"),
            ("B", "Low", "bug"),
            ("C", "High", "docs"),
            ("D", "Low", "docs"),
        ];
        assert_eq!(
            keys_matching(
                "project = PROJ AND (priority = High OR labels = bug)",
                &issues
            ),
            ["A", "B", "C"]
        );
        assert_eq!(
            keys_matching(
                "priority = High OR labels = bug AND priority = Low",
                &issues
            ),
            ["A", "B", "C"],
            "AND binds tighter than OR"
        );
        assert_eq!(
            keys_matching(
                "(priority = High OR labels = bug) AND priority = Low",
                &issues
            ),
            ["B"]
        );
        assert_eq!(
            keys_matching("NOT (priority = High OR labels = bug)", &issues),
            ["D"]
        );
        assert_eq!(
            keys_matching("not priority = Low and labels = docs", &issues),
            ["C"]
        );
    }

    #[test]
    fn unbalanced_parentheses_and_dangling_operators_are_rejected() {
        let now = Utc::now();
        for bad in [
            "(project = A",
            "project = A)",
            "project = A OR",
            "project = A AND (",
            "()",
            "NOT",
        ] {
            assert!(parse(bad, now).is_err(), "{bad}");
        }
    }

    #[test]
    fn updated_bound_comes_only_from_the_required_and_chain() {
        let now = Utc::now();
        let q = parse(
            r#"updated >= "2025-01-06 09:05" AND (labels = a OR labels = b)"#,
            now,
        )
        .unwrap();
        assert!(q.updated_lower_bound().is_some());
        let q = parse(r#"updated >= "2025-01-06 09:05" OR labels = a"#, now).unwrap();
        assert_eq!(
            q.updated_lower_bound(),
            None,
            "an OR branch may match older issues"
        );
        assert!(parse("ORDER BY updated", now).unwrap().is_unbounded());
    }
}
