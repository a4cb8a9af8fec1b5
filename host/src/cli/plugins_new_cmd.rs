//! `plugins new NAME --kind K [--lang L] [--dir DIR]`: a new plugin folder from the templates.

use super::context::Context;
use super::exit::{CliError, Outcome};
use super::output::outln;
use crate::scaffold::{Kind, Lang, PluginName, scaffold};
use std::path::PathBuf;

pub fn new(
    ctx: &Context,
    name: &str,
    kind: Kind,
    lang: Lang,
    dir: Option<PathBuf>,
) -> Result<Outcome, CliError> {
    let name = PluginName::parse(name).map_err(|e| CliError::bad_input(e.0))?;
    let folder = dir.unwrap_or_else(|| PathBuf::from(name.as_str()));
    let made = scaffold(&name, kind, lang, &folder).map_err(|e| CliError::bad_input(e.0))?;
    if ctx.out.json {
        ctx.out.json(&made);
        return Ok(Outcome::Ok);
    }
    let folder = made.folder.display();
    outln!(
        "{} {} {} `{}` in {folder} ({} files)",
        ctx.out.green("created"),
        lang.as_str(),
        kind.as_str(),
        made.name,
        made.files.len()
    );
    outln!("  build:  cd {folder} && {}", made.build);
    outln!("  test:   cd {folder} && {}", made.test);
    outln!(
        "  load:   pmsync-host plugins inspect {} --plugins {folder}",
        made.name
    );
    outln!("  then copy the folder (with its .wasm) into your plugins directory");
    Ok(Outcome::Ok)
}
