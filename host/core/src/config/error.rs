//! Config errors and the paths that say where in a config something is.

use std::fmt;

/// One step of a path into a config document: a mapping key or a sequence index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// Where a value sits in a config document: `syncs[1].field_mappings[2].transform`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConfigPath(pub Vec<Segment>);

impl ConfigPath {
    pub fn root() -> ConfigPath {
        ConfigPath(Vec::new())
    }
    /// This path extended by a mapping key.
    pub fn key(&self, key: impl Into<String>) -> ConfigPath {
        let mut segments = self.0.clone();
        segments.push(Segment::Key(key.into()));
        ConfigPath(segments)
    }
    /// This path extended by a sequence index.
    pub fn index(&self, index: usize) -> ConfigPath {
        let mut segments = self.0.clone();
        segments.push(Segment::Index(index));
        ConfigPath(segments)
    }
    pub fn segments(&self) -> &[Segment] {
        &self.0
    }
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for ConfigPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(top level)");
        }
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(k) if i == 0 => write!(f, "{k}")?,
                Segment::Key(k) => write!(f, ".{k}")?,
                Segment::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// A position in a config file; line and column start at 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub origin: String,
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.origin, self.line, self.column)
    }
}

/// A config that cannot be used. Displays as `file:line:col: what is wrong, what was
/// expected` when the position is known, and as `path: ...` otherwise. Never contains a
/// secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    pub location: Option<Location>,
    /// Where in the document, when known (`platforms.github.credentials.token`).
    pub path: Option<ConfigPath>,
    pub message: String,
}

impl ConfigError {
    pub fn new(message: impl Into<String>) -> ConfigError {
        ConfigError {
            location: None,
            path: None,
            message: message.into(),
        }
    }
    pub fn at_path(path: ConfigPath, message: impl Into<String>) -> ConfigError {
        ConfigError {
            location: None,
            path: Some(path),
            message: message.into(),
        }
    }
    /// Fill in the line and column from the document text, when not known yet.
    pub fn located_in(mut self, text: &str, origin: &str) -> ConfigError {
        if self.location.is_none()
            && let Some(path) = &self.path
        {
            self.location = super::locate::locate(text, origin, path);
        }
        self
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.location, &self.path) {
            (Some(loc), Some(path)) if !path.is_root() => {
                write!(f, "{loc}: {path}: {}", self.message)
            }
            (Some(loc), _) => write!(f, "{loc}: {}", self.message),
            (None, Some(path)) => write!(f, "{path}: {}", self.message),
            (None, None) => f.write_str(&self.message),
        }
    }
}
