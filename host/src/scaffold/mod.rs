//! `plugins new`: a new plugin folder from the embedded templates, with the WIT and the
//! language's SDK beside it, so it builds with one command wherever it is put (see
//! `templates/README.md`). The folder is written under a temporary name and renamed into
//! place, so it appears whole or not at all.

mod embedded;
mod names;

pub use names::PluginName;

use serde::Serialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// What kind of plugin to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Transformer,
    Resolver,
    Connector,
}

/// The language of the new plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Rust,
    Python,
    Js,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Transformer => "transformer",
            Kind::Resolver => "resolver",
            Kind::Connector => "connector",
        }
    }
}

impl Lang {
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Rust => "rust",
            Lang::Python => "python",
            Lang::Js => "js",
        }
    }

    /// The one command that builds a new plugin of this language, run in its folder.
    pub fn build_command(self) -> &'static str {
        "sh build.sh"
    }

    /// The command that runs a new plugin's own tests natively.
    pub fn test_command(self) -> &'static str {
        match self {
            Lang::Rust => "cargo test",
            Lang::Python => ".venv/bin/python -m pytest tests   (.venv: made by sh build.sh)",
            Lang::Js => "npm test",
        }
    }
}

/// A plugin folder that was written.
#[derive(Debug, Serialize)]
pub struct Scaffolded {
    pub name: String,
    pub kind: Kind,
    pub lang: Lang,
    pub folder: PathBuf,
    /// The files written, relative to `folder`, sorted.
    pub files: Vec<String>,
    pub build: String,
    pub test: String,
}

/// Why no plugin folder was written.
#[derive(Debug)]
pub struct ScaffoldError(pub String);

impl fmt::Display for ScaffoldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Writes a new plugin `name` of `kind` in `lang` to `folder`, which must not exist yet (or
/// be an empty folder).
pub fn scaffold(
    name: &PluginName,
    kind: Kind,
    lang: Lang,
    folder: &Path,
) -> Result<Scaffolded, ScaffoldError> {
    refuse_occupied(folder)?;
    let files = embedded::plugin_files(name, kind, lang)?;
    let parent = match folder.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)
        .map_err(|e| ScaffoldError(format!("cannot create {}: {e}", parent.display())))?;
    let staging = tempfile::Builder::new()
        .prefix(".pmsync-new-")
        .tempdir_in(&parent)
        .map_err(|e| ScaffoldError(format!("cannot write in {}: {e}", parent.display())))?;
    for (relative, bytes) in &files {
        let path = staging.path().join(relative);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| ScaffoldError(format!("cannot create {}: {e}", dir.display())))?;
        }
        std::fs::write(&path, bytes)
            .map_err(|e| ScaffoldError(format!("cannot write {}: {e}", path.display())))?;
        if relative.ends_with(".sh") {
            make_executable(&path)?;
        }
    }
    // An empty folder that exists is replaced; rename does that atomically on Unix.
    let staged = staging.keep();
    if let Err(e) = std::fs::rename(&staged, folder) {
        let _ = std::fs::remove_dir_all(&staged);
        return Err(ScaffoldError(format!(
            "cannot create {}: {e}",
            folder.display()
        )));
    }
    let mut written: Vec<String> = files.into_iter().map(|(path, _)| path).collect();
    written.sort();
    Ok(Scaffolded {
        name: name.as_str().to_owned(),
        kind,
        lang,
        folder: folder.to_path_buf(),
        files: written,
        build: lang.build_command().to_owned(),
        test: lang.test_command().to_owned(),
    })
}

fn refuse_occupied(folder: &Path) -> Result<(), ScaffoldError> {
    match std::fs::read_dir(folder) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(ScaffoldError(format!(
                    "{} exists and is not empty; nothing was written (choose another --dir)",
                    folder.display()
                )));
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) if folder.exists() => Err(ScaffoldError(format!(
            "{} exists and is not a folder pmsync can write to ({e}); nothing was written",
            folder.display()
        ))),
        Err(e) => Err(ScaffoldError(format!(
            "cannot read {}: {e}",
            folder.display()
        ))),
    }
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<(), ScaffoldError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| ScaffoldError(format!("cannot make {} executable: {e}", path.display())))
}

#[cfg(not(unix))]
fn make_executable(_path: &Path) -> Result<(), ScaffoldError> {
    Ok(())
}
