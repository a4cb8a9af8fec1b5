//! Just enough GraphQL to serve the sandbox: finds the operation's root fields (with alias and
//! arguments) in a query document. It is not a GraphQL engine: selection sets below the root
//! are skipped (handlers return complete objects), fragments at the root are not supported.
//! Argument values may be literals or `$variables` (resolved from the request's `variables`,
//! also inside lists and input objects).

use serde_json::{Map, Value};

/// A GraphQL HTTP request body.
#[derive(Debug, Clone, serde::Deserialize)]
pub(crate) struct GraphqlBody {
    pub(crate) query: String,
    #[serde(default)]
    pub(crate) variables: Option<Map<String, Value>>,
    #[serde(default, rename = "operationName")]
    pub(crate) operation_name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OperationKind {
    Query,
    Mutation,
}

/// One selected field, with fragments (inline and named) flattened into `children`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Selection {
    /// The key of this field in the response (the alias if given).
    pub(crate) response_key: String,
    pub(crate) name: String,
    pub(crate) arguments: Map<String, Value>,
    pub(crate) children: Vec<Selection>,
}

impl Selection {
    /// The first selected child field of this name (aliases ignored).
    pub(crate) fn child(&self, name: &str) -> Option<&Selection> {
        self.children.iter().find(|c| c.name == name)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Operation {
    pub(crate) kind: OperationKind,
    pub(crate) root_fields: Vec<Selection>,
}

#[derive(Debug, Clone)]
enum RawSelection {
    Field {
        response_key: String,
        name: String,
        arguments: Map<String, Value>,
        children: Vec<RawSelection>,
    },
    Spread(String),
    Inline(Vec<RawSelection>),
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Punct(char),
    Spread,
    Name(String),
    Number(String),
    Str(String),
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() || c == ',' || c == '\u{feff}' => i += 1,
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '{' | '}' | '(' | ')' | '[' | ']' | ':' | '$' | '@' | '=' | '!' | '|' | '&' => {
                tokens.push(Token::Punct(c));
                i += 1;
            }
            '.' if chars.get(i..i + 3) == Some(&['.', '.', '.']) => {
                tokens.push(Token::Spread);
                i += 3;
            }
            '"' if chars.get(i..i + 3) == Some(&['"', '"', '"']) => {
                let start = i + 3;
                let mut j = start;
                while j + 2 < chars.len() && chars[j..j + 3] != ['"', '"', '"'] {
                    j += 1;
                }
                if j + 2 >= chars.len() {
                    return Err("unterminated block string".into());
                }
                tokens.push(Token::Str(chars[start..j].iter().collect()));
                i = j + 3;
            }
            '"' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None | Some('\n') => return Err("unterminated string".into()),
                        Some('"') => break,
                        Some('\\') => {
                            let escaped = chars.get(i + 1).copied().ok_or("unterminated string")?;
                            match escaped {
                                'n' => s.push('\n'),
                                't' => s.push('\t'),
                                'r' => s.push('\r'),
                                'b' => s.push('\u{8}'),
                                'f' => s.push('\u{c}'),
                                'u' => {
                                    let hex: String = chars
                                        .get(i + 2..i + 6)
                                        .ok_or("bad \\u escape")?
                                        .iter()
                                        .collect();
                                    let code = u32::from_str_radix(&hex, 16)
                                        .map_err(|_| "bad \\u escape")?;
                                    s.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                                    i += 4;
                                }
                                other => s.push(other),
                            }
                            i += 2;
                        }
                        Some(&other) => {
                            s.push(other);
                            i += 1;
                        }
                    }
                }
                tokens.push(Token::Str(s));
                i += 1;
            }
            c if c == '-' || c.is_ascii_digit() => {
                let start = i;
                i += 1;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '.' | '+' | '-'))
                {
                    i += 1;
                }
                tokens.push(Token::Number(chars[start..i].iter().collect()));
            }
            c if c == '_' || c.is_ascii_alphabetic() => {
                let start = i;
                while i < chars.len() && (chars[i] == '_' || chars[i].is_ascii_alphanumeric()) {
                    i += 1;
                }
                tokens.push(Token::Name(chars[start..i].iter().collect()));
            }
            other => return Err(format!("unexpected character {other:?}")),
        }
    }
    Ok(tokens)
}

struct Parser<'a> {
    tokens: Vec<Token>,
    pos: usize,
    variables: &'a Map<String, Value>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }
    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(&Token::Punct(c)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn expect(&mut self, c: char) -> Result<(), String> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(format!("expected '{c}' at token {}", self.pos))
        }
    }
    fn name(&mut self) -> Result<String, String> {
        match self.next() {
            Some(Token::Name(n)) => Ok(n),
            other => Err(format!("expected a name, found {other:?}")),
        }
    }
    /// Skips a balanced group starting at the current opening punctuator.
    fn skip_group(&mut self, open: char, close: char) -> Result<(), String> {
        self.expect(open)?;
        let mut depth = 1;
        while depth > 0 {
            match self.next() {
                Some(Token::Punct(c)) if c == open => depth += 1,
                Some(Token::Punct(c)) if c == close => depth -= 1,
                Some(_) => {}
                None => return Err(format!("unbalanced '{open}'")),
            }
        }
        Ok(())
    }
    fn skip_directives(&mut self) -> Result<(), String> {
        while self.eat('@') {
            self.name()?;
            if self.peek() == Some(&Token::Punct('(')) {
                self.skip_group('(', ')')?;
            }
        }
        Ok(())
    }
    fn value(&mut self) -> Result<Value, String> {
        match self.next() {
            Some(Token::Punct('$')) => {
                let name = self.name()?;
                Ok(self.variables.get(&name).cloned().unwrap_or(Value::Null))
            }
            Some(Token::Number(n)) => n
                .parse::<i64>()
                .map(Value::from)
                .or_else(|_| n.parse::<f64>().map(Value::from))
                .map_err(|_| format!("bad number {n}")),
            Some(Token::Str(s)) => Ok(Value::String(s)),
            Some(Token::Name(n)) => Ok(match n.as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                "null" => Value::Null,
                _ => Value::String(n),
            }),
            Some(Token::Punct('[')) => {
                let mut items = Vec::new();
                while !self.eat(']') {
                    items.push(self.value()?);
                }
                Ok(Value::Array(items))
            }
            Some(Token::Punct('{')) => {
                let mut object = Map::new();
                while !self.eat('}') {
                    let key = self.name()?;
                    self.expect(':')?;
                    object.insert(key, self.value()?);
                }
                Ok(Value::Object(object))
            }
            other => Err(format!("expected a value, found {other:?}")),
        }
    }
    fn selection_set(&mut self) -> Result<Vec<RawSelection>, String> {
        self.expect('{')?;
        let mut selections = Vec::new();
        while !self.eat('}') {
            if self.peek() == Some(&Token::Spread) {
                self.pos += 1;
                match self.peek() {
                    Some(Token::Name(n)) if n == "on" => {
                        self.pos += 1;
                        self.name()?;
                        self.skip_directives()?;
                        selections.push(RawSelection::Inline(self.selection_set()?));
                    }
                    Some(Token::Name(_)) => {
                        let name = self.name()?;
                        self.skip_directives()?;
                        selections.push(RawSelection::Spread(name));
                    }
                    _ => {
                        self.skip_directives()?;
                        selections.push(RawSelection::Inline(self.selection_set()?));
                    }
                }
                continue;
            }
            let first = self.name()?;
            let (response_key, name) = if self.eat(':') {
                (first, self.name()?)
            } else {
                (first.clone(), first)
            };
            let mut arguments = Map::new();
            if self.eat('(') {
                while !self.eat(')') {
                    let arg = self.name()?;
                    self.expect(':')?;
                    arguments.insert(arg, self.value()?);
                }
            }
            self.skip_directives()?;
            let children = if self.peek() == Some(&Token::Punct('{')) {
                self.selection_set()?
            } else {
                Vec::new()
            };
            selections.push(RawSelection::Field {
                response_key,
                name,
                arguments,
                children,
            });
        }
        Ok(selections)
    }
}

const MAX_FRAGMENT_DEPTH: usize = 32;

fn flatten(
    raw: &[RawSelection],
    fragments: &std::collections::HashMap<String, Vec<RawSelection>>,
    depth: usize,
    out: &mut Vec<Selection>,
) -> Result<(), String> {
    if depth > MAX_FRAGMENT_DEPTH {
        return Err("fragments nest too deeply (or spread themselves)".into());
    }
    for selection in raw {
        match selection {
            RawSelection::Field {
                response_key,
                name,
                arguments,
                children,
            } => {
                let mut flat_children = Vec::new();
                flatten(children, fragments, depth + 1, &mut flat_children)?;
                out.push(Selection {
                    response_key: response_key.clone(),
                    name: name.clone(),
                    arguments: arguments.clone(),
                    children: flat_children,
                });
            }
            RawSelection::Inline(children) => flatten(children, fragments, depth + 1, out)?,
            RawSelection::Spread(name) => {
                let fragment = fragments
                    .get(name)
                    .ok_or_else(|| format!("Fragment {name} was used, but not defined"))?;
                flatten(fragment, fragments, depth + 1, out)?;
            }
        }
    }
    Ok(())
}

/// Keeps only the selected fields of `value` (recursively, through arrays), renamed to their
/// response keys, as a GraphQL server would. Fields a selection names but the value lacks are
/// left out (they belong to another member of a union).
pub(crate) fn project(value: &Value, selections: &[Selection]) -> Value {
    if selections.is_empty() {
        return value.clone();
    }
    match value {
        Value::Array(items) => Value::Array(items.iter().map(|v| project(v, selections)).collect()),
        Value::Object(object) => {
            let mut out = Map::new();
            for selection in selections {
                if let Some(field) = object.get(&selection.name) {
                    let projected = project(field, &selection.children);
                    match out.get_mut(&selection.response_key) {
                        // The same key selected twice (e.g. by two fragments): merge.
                        Some(Value::Object(existing)) => {
                            if let Value::Object(more) = projected {
                                existing.extend(more);
                            }
                        }
                        _ => {
                            out.insert(selection.response_key.clone(), projected);
                        }
                    }
                }
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

/// Parses the operation to execute (the one named `operationName`, else the first).
pub(crate) fn parse_operation(body: &GraphqlBody) -> Result<Operation, String> {
    let empty = Map::new();
    let variables = body.variables.as_ref().unwrap_or(&empty);
    let mut parser = Parser {
        tokens: tokenize(&body.query)?,
        pos: 0,
        variables,
    };
    let mut fragments = std::collections::HashMap::new();
    let mut operations: Vec<(OperationKind, Option<String>, Vec<RawSelection>)> = Vec::new();
    while parser.peek().is_some() {
        let (kind, name) = match parser.peek() {
            Some(Token::Punct('{')) => (OperationKind::Query, None),
            Some(Token::Name(keyword)) if keyword == "fragment" => {
                parser.pos += 1;
                let name = parser.name()?;
                while parser.peek().is_some() && parser.peek() != Some(&Token::Punct('{')) {
                    parser.pos += 1;
                }
                fragments.insert(name, parser.selection_set()?);
                continue;
            }
            Some(Token::Name(keyword)) => {
                let kind = match keyword.as_str() {
                    "query" => OperationKind::Query,
                    "mutation" => OperationKind::Mutation,
                    other => return Err(format!("unsupported operation type `{other}`")),
                };
                parser.pos += 1;
                let name = match parser.peek() {
                    Some(Token::Name(n)) => {
                        let n = n.clone();
                        parser.pos += 1;
                        Some(n)
                    }
                    _ => None,
                };
                if parser.peek() == Some(&Token::Punct('(')) {
                    parser.skip_group('(', ')')?;
                }
                parser.skip_directives()?;
                (kind, name)
            }
            other => return Err(format!("unexpected token {other:?} at document level")),
        };
        operations.push((kind, name, parser.selection_set()?));
    }
    let chosen = match &body.operation_name {
        Some(wanted) => operations
            .into_iter()
            .find(|(_, name, _)| name.as_deref() == Some(wanted.as_str()))
            .ok_or_else(|| format!("Unknown operation named \"{wanted}\"."))?,
        None => operations
            .into_iter()
            .next()
            .ok_or("the document has no operation")?,
    };
    let mut root_fields = Vec::new();
    flatten(&chosen.2, &fragments, 0, &mut root_fields)?;
    Ok(Operation {
        kind: chosen.0,
        root_fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(query: &str, variables: Value) -> GraphqlBody {
        GraphqlBody {
            query: query.into(),
            variables: variables.as_object().cloned(),
            operation_name: None,
        }
    }

    #[test]
    fn root_fields_carry_alias_literals_and_variables() {
        let q = r#"
            fragment F on Issue { id }
            query Sync($since: DateTime, $after: String) {
              page: issues(first: 2, after: $after, orderBy: updatedAt,
                           filter: { updatedAt: { gte: $since }, team: { key: { eq: "ENG" } } }) {
                pageInfo { hasNextPage endCursor } nodes { ...F title }
              }
              viewer { id }
            }"#;
        let op =
            parse_operation(&body(q, json!({"since": "2025-01-01T00:00:00Z"}))).expect("parses");
        assert_eq!(op.kind, OperationKind::Query);
        assert_eq!(op.root_fields.len(), 2);
        let issues = &op.root_fields[0];
        assert_eq!(
            (issues.response_key.as_str(), issues.name.as_str()),
            ("page", "issues")
        );
        assert_eq!(issues.arguments["first"], json!(2));
        assert_eq!(issues.arguments["after"], Value::Null);
        assert_eq!(issues.arguments["orderBy"], json!("updatedAt"));
        assert_eq!(
            issues.arguments["filter"],
            json!({"updatedAt": {"gte": "2025-01-01T00:00:00Z"}, "team": {"key": {"eq": "ENG"}}})
        );
        assert_eq!(op.root_fields[1].name, "viewer");
        let nodes = issues.child("nodes").expect("nodes selected");
        let names: Vec<&str> = nodes.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["id", "title"], "named fragment is flattened");
    }

    #[test]
    fn projection_keeps_selected_fields_under_their_aliases() {
        let q = "{ issue { nodeId: id labels { nodes { name } } } }";
        let op = parse_operation(&body(q, json!({}))).expect("parses");
        let value =
            json!({"id": "1", "title": "t", "labels": {"nodes": [{"id": "l", "name": "bug"}]}});
        assert_eq!(
            project(&value, &op.root_fields[0].children),
            json!({"nodeId": "1", "labels": {"nodes": [{"name": "bug"}]}})
        );
    }

    #[test]
    fn unbalanced_document_is_an_error_not_a_panic() {
        assert!(parse_operation(&body("query { issues(first: 1 { id }", json!({}))).is_err());
        assert!(parse_operation(&body("mutation { x(a: \"unterminated) }", json!({}))).is_err());
    }
}
