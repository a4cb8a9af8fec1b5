//! GitHub REST pagination: the `Link` header's `rel="next"` URL is the next page, and the
//! connectors hand it to the host as the opaque cursor. A cursor comes back from outside the
//! plugin, so before it is followed it must point at the configured API origin.

use pmsync_sdk::PluginError;

/// The URL with `rel="next"` in a `Link` header value, if any.
///
/// `<https://api.github.com/repositories/1/issues?page=2>; rel="next", <...>; rel="last"`
pub fn next_url(link_header: &str) -> Option<String> {
    let mut rest = link_header;
    while let Some(open) = rest.find('<') {
        let after_open = &rest[open + 1..];
        let close = after_open.find('>')?;
        let url = &after_open[..close];
        let params_and_more = &after_open[close + 1..];
        let params_end = params_and_more.find('<').unwrap_or(params_and_more.len());
        let params = &params_and_more[..params_end];
        let is_next = params.split(';').any(|param| {
            let Some((name, value)) = param.split_once('=') else {
                return false;
            };
            name.trim().eq_ignore_ascii_case("rel")
                && value
                    .trim()
                    .trim_matches(|c| c == '"' || c == ',' || c == ' ')
                    .split_whitespace()
                    .any(|rel| rel.eq_ignore_ascii_case("next"))
        });
        if is_next {
            return Some(url.to_owned());
        }
        rest = params_and_more;
    }
    None
}

/// `scheme://host:port` of a URL, lower-cased, with the scheme's default port made explicit.
pub fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = rest[..authority_end].to_ascii_lowercase();
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    let has_port = match authority.rfind(':') {
        Some(at) => !authority[at..].contains(']'),
        None => false,
    };
    if has_port {
        return Some(format!("{scheme}://{authority}"));
    }
    let port = match scheme.as_str() {
        "http" => 80,
        "https" => 443,
        _ => return None,
    };
    Some(format!("{scheme}://{authority}:{port}"))
}

/// Checks that a cursor URL points at the same origin as `base_url`, so a forged cursor
/// cannot send the request (and the injected token) elsewhere.
pub fn check_cursor(cursor: &str, base_url: &str) -> Result<(), PluginError> {
    match (origin(cursor), origin(base_url)) {
        (Some(cursor_origin), Some(base_origin)) if cursor_origin == base_origin => Ok(()),
        _ => Err(PluginError::invalid_input(format!(
            "the list cursor does not point at the configured GitHub API ({}); \
             it must be a page URL returned by this connector",
            origin(base_url).unwrap_or_else(|| base_url.to_owned())
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_found_among_prev_last_and_first() {
        let header = "<https://api.github.com/repositories/1000/issues?per_page=3&page=1>; rel=\"prev\", \
                      <https://api.github.com/repositories/1000/issues?per_page=3&page=3>; rel=\"next\", \
                      <https://api.github.com/repositories/1000/issues?per_page=3&page=5>; rel=\"last\"";
        assert_eq!(
            next_url(header).as_deref(),
            Some("https://api.github.com/repositories/1000/issues?per_page=3&page=3")
        );
    }

    #[test]
    fn the_last_page_has_no_next() {
        let header = "<https://api.github.com/x?page=4>; rel=\"prev\", <https://api.github.com/x?page=1>; rel=\"first\"";
        assert_eq!(next_url(header), None);
        assert_eq!(next_url(""), None);
    }

    #[test]
    fn commas_inside_a_url_do_not_split_it() {
        let header = "<https://api.github.com/x?labels=bug,ui&page=2>; rel=\"next\"";
        assert_eq!(
            next_url(header).as_deref(),
            Some("https://api.github.com/x?labels=bug,ui&page=2")
        );
    }

    #[test]
    fn cursors_must_stay_on_the_configured_origin() {
        let base = "https://api.github.com";
        assert!(check_cursor("https://api.github.com/repositories/1/issues?page=2", base).is_ok());
        assert!(check_cursor("https://API.github.com:443/x", base).is_ok());
        assert!(check_cursor("https://evil.example/x", base).is_err());
        assert!(check_cursor("http://api.github.com/x", base).is_err());
        assert!(check_cursor("https://api.github.com@evil.example/x", base).is_err());
        assert!(check_cursor("http://127.0.0.1:8080/a", "http://127.0.0.1:8080").is_ok());
        assert!(check_cursor("http://127.0.0.1:8081/a", "http://127.0.0.1:8080").is_err());
    }
}
