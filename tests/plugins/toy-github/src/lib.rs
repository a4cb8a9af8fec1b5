//! Test-only connector: GitHub Issues written the way an outside author would, straight
//! against `wit/pmsync.wit` (no pmsync SDK) and GitHub's REST documentation. The host tests
//! develop it against the sandbox (`host/tests/all/toy_connectors.rs`).
//!
//! The text helpers below are plain functions so they are unit-tested natively; the
//! component itself exists only for wasm (a native cdylib cannot carry its export names).

#[cfg(target_arch = "wasm32")]
mod connector;

/// The origin marker kept at the end of an issue body.
pub fn marker(origin: &str) -> String {
    format!("<!-- toy-origin: {origin} -->")
}

/// A body without the origin marker (and the blank line before it).
pub fn strip_marker(body: &str) -> String {
    match body.rfind("<!-- toy-origin: ") {
        Some(at) => body[..at].trim_end().to_string(),
        None => body.to_string(),
    }
}

/// The `rel="next"` URL of an RFC 5988 `Link` header.
pub fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        params
            .split(';')
            .any(|p| p.trim() == "rel=\"next\"")
            .then(|| {
                url.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string()
            })
    })
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
    fn link_headers_markers_and_encoding() {
        let link = "<http://h/repositories/1/issues?page=2>; rel=\"next\", <http://h/repositories/1/issues?page=5>; rel=\"last\"";
        assert_eq!(
            next_link(link).as_deref(),
            Some("http://h/repositories/1/issues?page=2")
        );
        assert_eq!(next_link("<http://h/x?page=1>; rel=\"prev\""), None);
        let body = format!("Text\n\n{}", marker("jira:PROJ-1"));
        assert_eq!(strip_marker(&body), "Text");
        assert_eq!(strip_marker("plain"), "plain");
        assert_eq!(percent_encode("a b:c"), "a%20b%3Ac");
    }
}
