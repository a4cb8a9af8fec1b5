//! The on-disk cache of compiled components. Key: sha256 of the component bytes and the
//! engine's precompile-compatibility hash (a new component or engine configuration gets a
//! new key). Each entry carries a sha256 of the compiled artifact, verified before the
//! (unsafe) deserialization; a mismatched or unloadable entry is rebuilt and overwritten.
//! Entries are written atomically (temp file + rename).

use serde::Serialize;
use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use wasmtime::Engine;
use wasmtime::component::Component;

const MAGIC: &[u8; 8] = b"PMSYNCC1";
const HEADER: usize = MAGIC.len() + 32;

/// How a component was obtained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", content = "reason", rename_all = "snake_case")]
pub enum CacheOutcome {
    /// Loaded from a verified cache entry.
    Hit,
    /// Compiled; the entry was written.
    Miss,
    /// The entry was corrupt or unloadable; compiled again and overwritten.
    Rebuilt(String),
    /// Compiled without a cache.
    Disabled,
}

impl CacheOutcome {
    pub fn label(&self) -> &'static str {
        match self {
            CacheOutcome::Hit => "hit",
            CacheOutcome::Miss => "miss",
            CacheOutcome::Rebuilt(_) => "rebuilt",
            CacheOutcome::Disabled => "off",
        }
    }
}

/// Feeds `Hash` output into sha256.
struct ShaHasher(Sha256);

impl Hasher for ShaHasher {
    fn finish(&self) -> u64 {
        0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

/// The hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The cache key of `component_bytes` compiled by `engine`.
pub fn cache_key(engine: &Engine, component_bytes: &[u8]) -> String {
    let mut hasher = ShaHasher(Sha256::new());
    hasher.write(b"pmsync component cache v1\0");
    hasher.write(&Sha256::digest(component_bytes));
    engine.precompile_compatibility_hash().hash(&mut hasher);
    hex::encode(hasher.0.finalize())
}

/// A folder of compiled components.
#[derive(Debug, Clone)]
pub struct ComponentCache {
    dir: PathBuf,
}

impl ComponentCache {
    pub fn new(dir: impl Into<PathBuf>) -> ComponentCache {
        ComponentCache { dir: dir.into() }
    }

    /// `<user cache dir>/pmsync/components`, if the platform has a cache dir.
    pub fn default_dir() -> Option<PathBuf> {
        dirs::cache_dir().map(|d| d.join("pmsync").join("components"))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of the entry with this key.
    pub fn entry_path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.cwasm"))
    }

    /// Writes the entry for a component that loaded (compiled: [`CacheOutcome::Miss`] or
    /// [`CacheOutcome::Rebuilt`]); a component refused after compiling is never kept.
    pub fn keep(&self, key: &str, component: &Component) {
        let path = self.entry_path(key);
        if let Err(e) = self.store(&path, component) {
            tracing::warn!(target: "pmsync::plugin", "cannot write component cache entry {}: {e}", path.display());
        }
    }

    /// The compiled component for `bytes`, from the cache when a valid entry exists;
    /// compiled otherwise, without writing the entry (see [`ComponentCache::keep`]).
    pub fn load_or_compile(
        &self,
        engine: &Engine,
        key: &str,
        bytes: &[u8],
    ) -> Result<(Component, CacheOutcome), String> {
        let path = self.entry_path(key);
        let rebuilt_because = match std::fs::read(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => Some(format!("cannot read {}: {e}", path.display())),
            Ok(entry) => match verified_artifact(&entry) {
                Err(reason) => Some(reason),
                // SAFETY: the artifact is the exact byte sequence this host serialized (its
                // sha256, stored alongside, matches), for an engine with the same
                // compatibility hash (part of the key), so it is a trusted wasmtime artifact.
                Ok(artifact) => match unsafe { Component::deserialize(engine, artifact) } {
                    Ok(component) => return Ok((component, CacheOutcome::Hit)),
                    Err(e) => Some(format!("cached artifact does not load: {e}")),
                },
            },
        };
        let component =
            Component::new(engine, bytes).map_err(|e| format!("not a valid component: {e:#}"))?;
        let outcome = match rebuilt_because {
            None => CacheOutcome::Miss,
            Some(reason) => {
                tracing::warn!(target: "pmsync::plugin", "component cache entry {} rebuilt: {reason}", path.display());
                CacheOutcome::Rebuilt(reason)
            }
        };
        Ok((component, outcome))
    }

    fn store(&self, path: &Path, component: &Component) -> Result<(), String> {
        let artifact = component.serialize().map_err(|e| e.to_string())?;
        std::fs::create_dir_all(&self.dir).map_err(|e| e.to_string())?;
        let mut temp = tempfile_in(&self.dir).map_err(|e| e.to_string())?;
        let result = (|| -> std::io::Result<()> {
            temp.1.write_all(MAGIC)?;
            temp.1.write_all(&Sha256::digest(&artifact))?;
            temp.1.write_all(&artifact)?;
            temp.1.sync_all()?;
            std::fs::rename(&temp.0, path)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&temp.0);
        }
        result.map_err(|e| e.to_string())
    }
}

/// A new uniquely named file in `dir`.
fn tempfile_in(dir: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = dir.join(format!(
        ".tmp-{}-{n}-{}",
        std::process::id(),
        rand::random::<u64>()
    ));
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)?;
    Ok((path, file))
}

/// The artifact inside a cache entry, if the entry's checksum matches.
fn verified_artifact(entry: &[u8]) -> Result<&[u8], String> {
    if entry.len() < HEADER || &entry[..MAGIC.len()] != MAGIC {
        return Err("cache entry has no valid header".into());
    }
    let (checksum, artifact) = entry[MAGIC.len()..].split_at(32);
    if Sha256::digest(artifact).as_slice() != checksum {
        return Err("cache entry checksum mismatch (corrupt)".into());
    }
    Ok(artifact)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_detects_a_flipped_byte() {
        let artifact = b"compiled code".to_vec();
        let mut entry = MAGIC.to_vec();
        entry.extend_from_slice(&Sha256::digest(&artifact));
        entry.extend_from_slice(&artifact);
        assert_eq!(verified_artifact(&entry).unwrap(), artifact.as_slice());
        let last = entry.len() - 1;
        entry[last] ^= 1;
        assert!(verified_artifact(&entry).unwrap_err().contains("checksum"));
        assert!(verified_artifact(b"short").is_err());
    }

    #[test]
    fn key_changes_with_component_bytes() {
        let engine = Engine::default();
        assert_ne!(cache_key(&engine, b"a"), cache_key(&engine, b"b"));
        assert_eq!(cache_key(&engine, b"a"), cache_key(&engine, b"a"));
    }
}
