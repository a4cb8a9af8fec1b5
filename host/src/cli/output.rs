//! How commands print: JSON for scripts (`--json`), readable text for people, colour only on
//! a terminal and never with `NO_COLOR`, progress bars only on a terminal.

use serde::Serialize;
use std::io::{IsTerminal, Write};

/// `print!` for command output. A closed stdout (the reader went away, as in `| head`) drops
/// the rest of the output instead of panicking; the command itself carries on, so a sync is
/// never cut short by its reader.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::output::write_stdout(format_args!($($arg)*))
    };
}

/// `println!` for command output; see [`out!`].
macro_rules! outln {
    () => {
        $crate::cli::output::write_stdout(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::output::write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

pub(crate) use {out, outln};

/// Writes to stdout; a write error (a closed pipe) is ignored on purpose, see [`out!`].
pub fn write_stdout(args: std::fmt::Arguments<'_>) {
    let _ = std::io::stdout().lock().write_fmt(args);
}

/// `NO_COLOR` set to a non-empty value turns colour off (https://no-color.org); set and
/// empty is the same as unset. Logs and command output both ask here.
pub fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// The columns `text` takes on a terminal: ANSI escape sequences (colours) take none.
pub fn visible_width(text: &str) -> usize {
    let mut width = 0;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            // CSI: ESC [ parameters... final byte in @..~
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            continue;
        }
        width += 1;
    }
    width
}

#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub json: bool,
    pub color: bool,
    pub progress: bool,
}

impl Output {
    pub fn new(json: bool, no_progress: bool) -> Output {
        let terminal = std::io::stdout().is_terminal();
        let stderr_terminal = std::io::stderr().is_terminal();
        Output {
            json,
            color: terminal && !no_color() && !json,
            progress: stderr_terminal && !no_progress && !json,
        }
    }

    /// Print a value as pretty JSON on stdout.
    pub fn json<T: Serialize>(&self, value: &T) {
        match serde_json::to_string_pretty(value) {
            Ok(text) => outln!("{text}"),
            Err(e) => eprintln!("error: cannot render JSON: {e}"),
        }
    }

    pub fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }
    pub fn green(&self, text: &str) -> String {
        self.paint("32", text)
    }
    pub fn yellow(&self, text: &str) -> String {
        self.paint("33", text)
    }
    pub fn red(&self, text: &str) -> String {
        self.paint("31", text)
    }
    pub fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// Left-aligned columns, two spaces apart; the header row first.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| visible_width(h)).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if i < widths.len() {
                widths[i] = widths[i].max(visible_width(cell));
            }
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w.saturating_sub(visible_width(c)))))
            .collect();
        padded.join("  ").trim_end().to_string()
    };
    let mut out = line(header.to_vec());
    out.push('\n');
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coloured_cells_line_up_with_plain_ones() {
        let rows = vec![
            vec!["\x1b[32mcreated\x1b[0m".to_string(), "PROJ-1".to_string()],
            vec!["updated".to_string(), "PROJ-2".to_string()],
        ];
        let text = table(&["ACTION", "SOURCE"], &rows);
        let columns: Vec<usize> = text
            .lines()
            .map(|l| {
                let plain: String = {
                    let mut out = String::new();
                    let mut chars = l.chars();
                    while let Some(c) = chars.next() {
                        if c == '\x1b' {
                            for c in chars.by_ref() {
                                if c == 'm' {
                                    break;
                                }
                            }
                        } else {
                            out.push(c);
                        }
                    }
                    out
                };
                plain.find("PROJ").or_else(|| plain.find("SOURCE")).unwrap()
            })
            .collect();
        assert_eq!(columns, vec![9, 9, 9], "{text}");
    }

    #[test]
    fn escape_codes_take_no_width() {
        assert_eq!(visible_width("\x1b[1;31mFAIL\x1b[0m"), 4);
        assert_eq!(visible_width("ok"), 2);
    }
}
