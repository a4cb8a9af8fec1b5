//! Jira's size limits, applied before sending so a write is never refused (and retried) for
//! length: summaries of at most 255 characters, rich text of at most 32,767 characters.

use serde_json::Value as Json;

use crate::markdown_to_adf::markdown_to_adf;

/// The longest summary Jira accepts, in characters.
pub const SUMMARY_MAX_CHARS: usize = 255;
/// The longest rich-text field Jira accepts, in characters of its ADF JSON.
pub const TEXT_MAX_CHARS: usize = 32_767;

/// A summary Jira accepts: line breaks become spaces (Jira refuses them) and more than 255
/// characters are cut to 254 plus `…`. The flag says whether it was cut.
pub fn fit_summary(summary: &str) -> (String, bool) {
    let single_line: String = summary
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    if single_line.chars().count() <= SUMMARY_MAX_CHARS {
        return (single_line, false);
    }
    let mut cut: String = single_line.chars().take(SUMMARY_MAX_CHARS - 1).collect();
    cut.push('…');
    (cut, true)
}

/// The ADF for `markdown`, cut so that its JSON fits 32,767 characters, with a note saying
/// how much was left out. Returns the document and the number of omitted characters.
pub fn fit_description(markdown: &str) -> (Json, usize) {
    let doc = markdown_to_adf(markdown);
    if json_chars(&doc) <= TEXT_MAX_CHARS {
        return (doc, 0);
    }
    let chars: Vec<char> = markdown.chars().collect();
    // ADF is larger than its Markdown; shrink the kept share until the document fits. The
    // loop is bounded: every round keeps at most 90% of the previous share.
    let mut keep = chars.len().min(TEXT_MAX_CHARS);
    loop {
        let omitted = chars.len() - keep;
        let mut text: String = chars[..keep].iter().collect();
        text.push_str(&format!(
            "\n\n… [truncated by pmsync: {omitted} characters omitted]"
        ));
        let doc = markdown_to_adf(&text);
        if json_chars(&doc) <= TEXT_MAX_CHARS || keep == 0 {
            return (doc, omitted);
        }
        keep = keep * 9 / 10;
    }
}

fn json_chars(doc: &Json) -> usize {
    doc.to_string().chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_summary_is_cut_to_255_characters_ending_with_an_ellipsis() {
        let (summary, cut) = fit_summary(&"é".repeat(300));
        assert!(cut);
        assert_eq!(summary.chars().count(), 255);
        assert!(summary.ends_with("é…"));
    }

    #[test]
    fn short_summary_is_kept_but_loses_line_breaks() {
        assert_eq!(fit_summary("a\nb"), ("a b".to_owned(), false));
        let exact = "x".repeat(255);
        assert_eq!(fit_summary(&exact), (exact.clone(), false));
    }

    #[test]
    fn long_description_is_cut_with_a_note_and_fits_jira() {
        let markdown = "word ".repeat(20_000);
        let (doc, omitted) = fit_description(&markdown);
        assert!(omitted > 0);
        let text = doc.to_string();
        assert!(text.chars().count() <= TEXT_MAX_CHARS);
        assert!(
            text.contains(&format!(
                "[truncated by pmsync: {omitted} characters omitted]"
            )),
            "{}",
            &text[text.len() - 200..]
        );
    }

    #[test]
    fn short_description_is_not_touched() {
        let (doc, omitted) = fit_description("hello");
        assert_eq!(omitted, 0);
        assert_eq!(crate::adf_to_markdown::adf_to_markdown(&doc), "hello");
    }
}
