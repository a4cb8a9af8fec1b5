//! What `plugins list` and `plugins inspect NAME` show: JSON through serde, and a human
//! table / detail view.

use super::cache::CacheOutcome;
use super::compiler::Compiler;
use super::loaded::LoadedPlugin;
use super::manifest::{Capabilities, Limits, PluginKind, Provides};
use serde::Serialize;
use std::fmt::Write as _;
use std::path::PathBuf;

/// One loaded plugin, as shown to an operator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PluginInfo {
    pub name: String,
    pub version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub kind: PluginKind,
    /// The API it was built for, e.g. `pmsync:plugin@1.0.0`.
    pub api: String,
    pub provides: Provides,
    /// Capabilities the manifest asks for.
    pub asked: Capabilities,
    /// Capabilities it actually got (asked ∩ granted by the operator).
    pub granted: Capabilities,
    /// Limits the manifest asks for.
    pub limits_asked: Limits,
    /// Limits in force (capped by the operator).
    pub limits: Limits,
    /// What a connector declares about its platform (`[connector]` in plugin.toml).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connector: Option<super::ConnectorManifest>,
    /// The settings it reads (`[settings.NAME]`).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub settings: std::collections::BTreeMap<String, pmsync_core::config::SettingSpec>,
    pub manifest: PathBuf,
    pub component: PathBuf,
    /// sha256 of the component file.
    pub sha256: String,
    /// The installed bundle it came from (organisation, bundle, version, signer key id,
    /// bundle digest), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bundle: Option<crate::bundle::BundleOrigin>,
    /// The compiled-component cache key.
    pub cache_key: String,
    pub cache: CacheOutcome,
    /// The compiler that produced the code in use: `cranelift` (optimised) or `winch`
    /// (baseline, until an upgrade puts optimised code in the cache).
    pub compiler: Compiler,
    /// Time to load this plugin (compile or cache fetch, checks, pre-linking), ms.
    pub load_ms: f64,
}

impl PluginInfo {
    pub(crate) fn of(p: &LoadedPlugin) -> PluginInfo {
        PluginInfo {
            name: p.manifest.name.clone(),
            version: p.manifest.version.clone(),
            description: p.manifest.description.clone(),
            kind: p.manifest.kind,
            api: p.manifest.api.to_string(),
            provides: p.manifest.provides.clone(),
            asked: p.manifest.capabilities.clone(),
            granted: p.granted.capabilities.clone(),
            limits_asked: p.manifest.limits,
            limits: p.granted.limits,
            connector: p.manifest.connector.clone(),
            settings: p.manifest.settings.clone(),
            manifest: p.manifest.path.clone(),
            component: p.component_path.clone(),
            sha256: p.sha256.clone(),
            bundle: p.bundle.clone(),
            cache_key: p.cache_key.clone(),
            cache: p.cache.clone(),
            compiler: p.engine.compiler,
            load_ms: p.load_time.as_secs_f64() * 1000.0,
        }
    }
}

fn list(items: impl IntoIterator<Item = String>) -> String {
    let v: Vec<String> = items.into_iter().collect();
    if v.is_empty() {
        "-".to_string()
    } else {
        v.join(", ")
    }
}

/// Widest cell of the `plugins list` table, characters.
const MAX_CELL: usize = 72;

/// A table cell: text cut to [`MAX_CELL`] characters, saying how many names were left out
/// of a comma-separated list (a plugin may provide thousands of transforms).
fn cell(text: &str) -> String {
    if text.chars().count() <= MAX_CELL {
        return text.to_string();
    }
    let names: Vec<&str> = text.split(", ").collect();
    let mut out = String::new();
    for (shown, name) in names.iter().enumerate() {
        let more = format!(", … (+{} more)", names.len() - shown);
        if out.chars().count() + name.chars().count() + 2 + more.chars().count() > MAX_CELL {
            if shown == 0 {
                out = name.chars().take(MAX_CELL - 1).collect();
                out.push('…');
                return out;
            }
            out.push_str(&more);
            return out;
        }
        if shown > 0 {
            out.push_str(", ");
        }
        out.push_str(name);
    }
    out
}

/// A table of plugins for `plugins list`.
pub fn render_table(plugins: &[PluginInfo]) -> String {
    let header = [
        "NAME",
        "VERSION",
        "KIND",
        "API",
        "PROVIDES",
        "HOSTS GRANTED",
        "CACHE",
        "COMPILER",
        "LOAD MS",
    ];
    let rows: Vec<[String; 9]> = plugins
        .iter()
        .map(|p| {
            [
                p.name.clone(),
                p.version.clone(),
                p.kind.to_string(),
                p.api.clone(),
                cell(&p.provides.summary()),
                format!("{}/{}", p.granted.hosts.len(), p.asked.hosts.len()),
                p.cache.label().to_string(),
                p.compiler.to_string(),
                format!("{:.0}", p.load_ms),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[String]| {
        let text: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w.saturating_sub(c.chars().count()))))
            .collect();
        let _ = writeln!(out, "{}", text.join("  ").trim_end());
    };
    line(&header.map(String::from));
    for row in &rows {
        line(row);
    }
    out
}

/// The detail view of one plugin for `plugins inspect NAME`.
pub fn render_details(p: &PluginInfo) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} {} ({})", p.name, p.version, p.kind);
    let _ = writeln!(out, "  api:        {}", p.api);
    let _ = writeln!(out, "  provides:   {}", cell(&p.provides.summary()));
    let _ = writeln!(
        out,
        "  hosts:      asked {}; granted {}",
        list(p.asked.hosts.iter().map(|h| h.to_string())),
        list(p.granted.hosts.iter().map(|h| h.to_string()))
    );
    let _ = writeln!(
        out,
        "  secrets:    asked {}; granted {}",
        list(p.asked.secrets.clone()),
        list(p.granted.secrets.clone())
    );
    let l = |x: &Limits| {
        format!(
            "memory {} MiB, timeout {} ms, fuel {}, output {} bytes",
            x.memory_mb, x.timeout_ms, x.fuel, x.max_output_bytes
        )
    };
    let _ = writeln!(out, "  limits:     asked {}", l(&p.limits_asked));
    let _ = writeln!(out, "              in force {}", l(&p.limits));
    let _ = writeln!(out, "  manifest:   {}", p.manifest.display());
    let _ = writeln!(out, "  component:  {}", p.component.display());
    let _ = writeln!(out, "  sha256:     {}", p.sha256);
    match &p.bundle {
        Some(b) => {
            let _ = writeln!(
                out,
                "  bundle:     {}/{} {} (signer {}, digest sha256:{}){}",
                b.organisation,
                b.bundle,
                b.version,
                b.signer.as_deref().unwrap_or("none"),
                b.digest,
                if b.development {
                    "; installed with --allow-untrusted"
                } else {
                    ""
                }
            );
        }
        None => {
            let _ = writeln!(out, "  bundle:     none (a plugin folder copied by hand)");
        }
    }
    let _ = writeln!(
        out,
        "  cache:      {} (key {})",
        p.cache.label(),
        p.cache_key
    );
    let _ = writeln!(
        out,
        "  compiler:   {}{}",
        p.compiler,
        match p.compiler {
            Compiler::Cranelift => " (optimised)",
            Compiler::Winch => " (baseline; `plugins precompile` caches optimised code)",
        }
    );
    let _ = writeln!(out, "  loaded in:  {:.1} ms", p.load_ms);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_of_thousands_of_names_shows_the_first_and_counts_the_rest() {
        let names: Vec<String> = (0..6000).map(|i| format!("t{i:04}")).collect();
        let text = cell(&format!("transforms {}", names.join(", ")));
        assert!(text.chars().count() <= MAX_CELL, "{text}");
        assert!(text.starts_with("transforms t0000, t0001"), "{text}");
        assert!(text.ends_with(" more)"), "{text}");
        assert_eq!(cell("platform jira"), "platform jira");
    }
}
