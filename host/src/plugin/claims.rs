//! Who serves each name. Two plugins that provide the same platform, transform or resolver
//! (or carry the same plugin name) are never settled by folder order: unless the operator's
//! pins choose, every claimant is refused, each error naming the others.

use super::error::LoadError;
use super::limits::cut;
use super::manifest::Manifest;
use super::pins::Pin;
use std::collections::BTreeMap;

/// A plugin read from disk (manifest and component bytes), not yet compiled.
pub(crate) struct Candidate {
    pub manifest: Manifest,
    pub bytes: Vec<u8>,
    pub sha256: String,
    /// The installed bundle it came from, verified against the lock and its signature.
    pub bundle: Option<crate::bundle::BundleOrigin>,
}

impl Candidate {
    /// `name version`, as errors name a plugin.
    pub fn label(&self) -> String {
        format!("{} {}", self.manifest.name, self.manifest.version)
    }

    /// A refusal of this plugin.
    pub fn refuse(&self, reason: impl AsRef<str>) -> LoadError {
        LoadError {
            plugin: self.label(),
            path: self.manifest.path.clone(),
            reason: cut(reason.as_ref(), 2_000),
        }
    }

    /// A refusal of this plugin's component file.
    pub fn refuse_component(&self, reason: impl AsRef<str>) -> LoadError {
        LoadError {
            path: self.manifest.component.clone(),
            ..self.refuse(reason)
        }
    }

    /// What it claims to serve: (`platform` | `transform` | `resolver`, name).
    fn claims(&self) -> Vec<(&'static str, &str)> {
        let p = &self.manifest.provides;
        p.transforms
            .iter()
            .map(|t| ("transform", t.as_str()))
            .chain(p.resolver.iter().map(|r| ("resolver", r.as_str())))
            .chain(p.platform.iter().map(|x| ("platform", x.as_str())))
            .collect()
    }

    fn described(&self) -> String {
        format!("plugin {} ({})", self.label(), self.manifest.path.display())
    }
}

/// Splits `candidates` into those that may load and refusals: a plugin providing a pinned
/// name that is not the pinned plugin (name, version, digest), then every claimant of a
/// name (or plugin name) claimed more than once.
pub(crate) fn settle(
    candidates: Vec<Candidate>,
    pins: &BTreeMap<String, Pin>,
) -> (Vec<Candidate>, Vec<LoadError>) {
    let mut errors = Vec::new();
    let mut kept = Vec::new();
    for c in candidates {
        let refusal = c.claims().into_iter().find_map(|(what, name)| {
            pins.get(name)
                .and_then(|pin| pin.refusal(what, name, &c.manifest, &c.sha256))
        });
        match refusal {
            Some(reason) => errors.push(c.refuse(reason)),
            None => kept.push(c),
        }
    }

    let mut owners: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for (i, c) in kept.iter().enumerate() {
        owners
            .entry(("plugin name", c.manifest.name.as_str()))
            .or_default()
            .push(i);
        for claim in c.claims() {
            owners.entry(claim).or_default().push(i);
        }
    }
    let mut refused: BTreeMap<usize, String> = BTreeMap::new();
    for ((what, name), claimants) in &owners {
        if claimants.len() < 2 {
            continue;
        }
        for &i in claimants {
            if refused.contains_key(&i) {
                continue;
            }
            let others: Vec<String> = claimants
                .iter()
                .filter(|&&j| j != i)
                .map(|&j| kept[j].described())
                .collect();
            let others = others.join(" and ");
            let reason = if *what == "plugin name" {
                format!(
                    "{others} has the same name `{name}`; plugin names must be unique (remove one, \
                     or pin the one to use by its sha256 in the config's `plugins: pins:`)"
                )
            } else {
                format!(
                    "{what} `{name}` is also provided by {others}; two plugins never serve one name: \
                     remove one, or pin the one to use in the config \
                     (`plugins: {{ pins: {{ {name}: {{ plugin: NAME }} }} }}`)"
                )
            };
            refused.insert(i, reason);
        }
    }
    let mut loadable = Vec::new();
    for (i, c) in kept.into_iter().enumerate() {
        match refused.remove(&i) {
            Some(reason) => errors.push(c.refuse(reason)),
            None => loadable.push(c),
        }
    }
    (loadable, errors)
}
