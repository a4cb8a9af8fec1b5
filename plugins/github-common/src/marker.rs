//! The origin marker pmsync hides in an issue body: an HTML comment GitHub does not render,
//! `<!-- pmsync-origin: pmsync:sync:source:10001 -->`, appended after a blank line. Readers
//! see the body without it; writers put it back, so a user's edit never loses it.

use pmsync_sdk::PluginError;

const OPEN: &str = "<!-- pmsync-origin: ";
const CLOSE: &str = " -->";

/// The comment that carries `origin`. An origin that could break out of the comment, or
/// could not be searched for as a phrase, is refused.
pub fn comment(origin: &str) -> Result<String, PluginError> {
    if origin.trim().is_empty() {
        return Err(PluginError::invalid_input("the origin marker is empty"));
    }
    if origin.contains("-->") || origin.contains('"') || origin.chars().any(char::is_control) {
        return Err(PluginError::invalid_input(format!(
            "the origin marker {origin:?} cannot be stored in a GitHub issue body: \
             it must not contain `-->`, `\"` or control characters"
        )));
    }
    Ok(format!("{OPEN}{origin}{CLOSE}"))
}

/// The text to search for (inside quotes) to find the marker of `origin`.
pub fn search_phrase(origin: &str) -> String {
    format!("pmsync-origin: {origin}")
}

/// The body GitHub stores: the user's body, a blank line, then the marker comment.
pub fn with_marker(user_body: &str, marker_comment: &str) -> String {
    if user_body.is_empty() {
        marker_comment.to_owned()
    } else {
        format!("{user_body}\n\n{marker_comment}")
    }
}

/// A stored body split into what the user sees and the origin, if it carries a marker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitBody {
    pub user_body: String,
    pub origin: Option<String>,
}

/// Splits a stored body into the user's body and the origin marker; the reverse of
/// [`with_marker`]. GitHub's web editor may turn `\n` into `\r\n`; both separators are removed.
pub fn split(stored: &str) -> SplitBody {
    let Some(start) = stored.find(OPEN) else {
        return SplitBody {
            user_body: stored.to_owned(),
            origin: None,
        };
    };
    let after_open = &stored[start + OPEN.len()..];
    let Some(close) = after_open.find("-->") else {
        return SplitBody {
            user_body: stored.to_owned(),
            origin: None,
        };
    };
    let origin = after_open[..close].trim().to_owned();
    let end = start + OPEN.len() + close + "-->".len();
    let before = &stored[..start];
    let after = &stored[end..];
    let user_body = if after.trim().is_empty() {
        let before = before
            .strip_suffix("\n\n")
            .or_else(|| before.strip_suffix("\r\n\r\n"))
            .unwrap_or(before);
        before.to_owned()
    } else {
        let after = after
            .strip_prefix("\r\n")
            .or_else(|| after.strip_prefix('\n'))
            .unwrap_or(after);
        format!("{before}{after}")
    };
    SplitBody {
        user_body,
        origin: (!origin.is_empty()).then_some(origin),
    }
}

/// The marker comment in a stored body, exactly as stored, to carry it into a new body.
pub fn existing_comment(stored: &str) -> Option<String> {
    split(stored)
        .origin
        .and_then(|origin| comment(&origin).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str = "pmsync:jira-to-github:source:10001";

    #[test]
    fn the_user_never_sees_the_marker_and_gets_their_body_back_unchanged() {
        let marker = comment(ORIGIN).expect("valid origin");
        for body in [
            "",
            "Steps:\n1. open\n2. crash",
            "ends with newline\n",
            "  indented  ",
            "😭 unicode",
        ] {
            let stored = with_marker(body, &marker);
            assert!(stored.contains("<!-- pmsync-origin: pmsync:jira-to-github:source:10001 -->"));
            assert_eq!(
                split(&stored),
                SplitBody {
                    user_body: body.to_owned(),
                    origin: Some(ORIGIN.to_owned())
                },
                "{body:?}"
            );
        }
    }

    #[test]
    fn a_body_edited_in_the_web_ui_with_crlf_still_splits_cleanly() {
        let stored = format!(
            "Line one\r\nLine two\r\n\r\n{}",
            comment(ORIGIN).expect("valid")
        );
        assert_eq!(split(&stored).user_body, "Line one\r\nLine two");
    }

    #[test]
    fn a_marker_the_user_moved_into_the_middle_is_still_found_and_hidden() {
        let stored = format!("Top\n{}\nBottom", comment(ORIGIN).expect("valid"));
        let split = split(&stored);
        assert_eq!(split.origin.as_deref(), Some(ORIGIN));
        assert_eq!(split.user_body, "Top\nBottom");
    }

    #[test]
    fn bodies_without_a_marker_are_left_alone() {
        assert_eq!(
            split("<!-- a normal comment -->\ntext"),
            SplitBody {
                user_body: "<!-- a normal comment -->\ntext".to_owned(),
                origin: None
            }
        );
    }

    #[test]
    fn origins_that_would_break_the_comment_are_refused() {
        assert!(comment("evil --> <script>").is_err());
        assert!(comment("has\nnewline").is_err());
        assert!(comment("quote\"d").is_err());
        assert!(comment(" ").is_err());
    }

    #[test]
    fn the_existing_marker_is_carried_into_a_rewritten_body() {
        let stored = with_marker("old", &comment(ORIGIN).expect("valid"));
        let carried = existing_comment(&stored).expect("marker present");
        assert_eq!(
            split(&with_marker("new text", &carried)).origin.as_deref(),
            Some(ORIGIN)
        );
    }
}
