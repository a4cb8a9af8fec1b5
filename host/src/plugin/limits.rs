//! Bounds on everything a plugin can make large that is not a call's own fuel, time or
//! memory: the files it ships, the text it returns, the lines it logs, the requests one
//! call carries.

use std::io::Read;
use std::path::Path;

/// Largest component file read (the biggest real components, Python and JavaScript ones
/// with their interpreter inside, are 20–60 MiB).
pub const MAX_COMPONENT_BYTES: u64 = 256 << 20;
/// Largest `plugin.toml` read.
pub const MAX_MANIFEST_BYTES: u64 = 1 << 20;
/// Longest text from a plugin (an error message, a deferral reason, a panic message) kept
/// in errors, reports and logs, bytes.
pub const MAX_PLUGIN_TEXT: usize = 1_000;
/// Log lines one call may write through the `log` import; the rest are counted and dropped.
pub const LOG_LINES_PER_CALL: u32 = 100;
/// Longest log line kept, bytes; longer lines are cut.
pub const MAX_LOG_LINE: usize = 2_048;
/// Requests in one transformer or resolver call when the sync says nothing.
pub const DEFAULT_CALL_BATCH: usize = 50;
/// Most requests in one transformer or resolver call, whatever the sync says.
pub const MAX_CALL_BATCH: usize = 1_000;

/// What one call may still write through the `log` import, and what it wrote too much.
#[derive(Debug, Default)]
pub struct LogBudget {
    lines: u32,
    dropped: u64,
}

impl LogBudget {
    /// Whether one more line may go to the host log; counts it either way.
    pub fn admit(&mut self) -> bool {
        if self.lines < LOG_LINES_PER_CALL {
            self.lines += 1;
            true
        } else {
            self.dropped += 1;
            false
        }
    }

    /// Starts a new call's budget; returns how many lines the last call had dropped.
    pub fn reset(&mut self) -> u64 {
        std::mem::take(self).dropped
    }
}

/// A log line from a plugin as the host logs it: cut to [`MAX_LOG_LINE`], control
/// characters (line breaks, terminal escapes) shown escaped so one line stays one line.
pub fn log_line(message: &str) -> String {
    let cut_message = cut(message, MAX_LOG_LINE);
    if !cut_message.chars().any(char::is_control) {
        return cut_message;
    }
    cut_message
        .chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// `text` cut to at most `max` bytes (on a character boundary), saying how much was cut.
pub fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} more bytes cut)", &text[..end], text.len() - end)
}

/// Text from a plugin, cut to [`MAX_PLUGIN_TEXT`].
pub fn plugin_text(text: &str) -> String {
    cut(text, MAX_PLUGIN_TEXT)
}

/// A list of names from a plugin for an error message: the first few, then how many more.
pub fn name_list<'a>(names: impl IntoIterator<Item = &'a String>) -> String {
    const SHOWN: usize = 10;
    let names: Vec<&String> = names.into_iter().collect();
    let mut shown: Vec<String> = names
        .iter()
        .take(SHOWN)
        .map(|n| format!("{:?}", cut(n, 64)))
        .collect();
    if names.len() > SHOWN {
        shown.push(format!("and {} more", names.len() - SHOWN));
    }
    format!("[{}]", shown.join(", "))
}

/// Reads a file a plugin folder ships, refusing anything but a regular file (after
/// following links) of at most `max` bytes, before reading a byte of it: a named pipe, a
/// device such as `/dev/zero` or a huge sparse file is refused at once, not read.
pub fn read_bounded(path: &Path, max: u64, what: &str) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!("{what} is missing"),
        _ => format!("cannot read {what}: {e}"),
    })?;
    check_regular(&meta, max, what)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        // Never block in open(2), should the path have been swapped for a pipe meanwhile.
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options
        .open(path)
        .map_err(|e| format!("cannot read {what}: {e}"))?;
    // The file opened is the one checked, not whatever the path pointed at before.
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot read {what}: {e}"))?;
    check_regular(&meta, max, what)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {what}: {e}"))?;
    if bytes.len() as u64 > max {
        return Err(format!(
            "{what} grew past the limit of {} while being read",
            size(max)
        ));
    }
    Ok(bytes)
}

fn check_regular(meta: &std::fs::Metadata, max: u64, what: &str) -> Result<(), String> {
    if !meta.is_file() {
        let kind = file_kind(meta);
        return Err(format!(
            "{what} is {kind}, not a regular file; refused without reading it"
        ));
    }
    if meta.len() > max {
        return Err(format!(
            "{what} is {} (limit {}); refused without reading it",
            size(meta.len()),
            size(max)
        ));
    }
    Ok(())
}

fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a named pipe";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    }
}

/// `n` bytes for people: `3.0 GiB`, `256 MiB`, `900 bytes`.
pub fn size(n: u64) -> String {
    const GIB: u64 = 1 << 30;
    const MIB: u64 = 1 << 20;
    if n >= GIB {
        format!("{:.1} GiB", n as f64 / GIB as f64)
    } else if n >= MIB {
        format!("{} MiB", n / MIB)
    } else {
        format!("{n} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_keeps_short_text_and_says_how_much_of_long_text_went() {
        assert_eq!(cut("short", 10), "short");
        let long = "é".repeat(1000);
        let out = cut(&long, 15);
        assert!(out.starts_with("ééééééé…"), "{out}");
        assert!(out.ends_with("(1986 more bytes cut)"), "{out}");
    }

    #[test]
    fn a_log_budget_admits_a_call_s_lines_then_counts_the_rest() {
        let mut budget = LogBudget::default();
        let admitted = (0..LOG_LINES_PER_CALL + 25)
            .filter(|_| budget.admit())
            .count();
        assert_eq!(admitted, LOG_LINES_PER_CALL as usize);
        assert_eq!(budget.reset(), 25);
        assert!(budget.admit(), "a new call starts afresh");
        assert_eq!(log_line("a\nb\u{1b}[2J"), "a\\nb\\u{1b}[2J");
    }

    #[test]
    fn a_name_list_shows_ten_names_and_a_count() {
        let names: Vec<String> = (0..6000).map(|i| format!("t{i}")).collect();
        let text = name_list(&names);
        assert!(text.starts_with("[\"t0\", \"t1\""), "{text}");
        assert!(text.ends_with("and 5990 more]"), "{text}");
    }
}
