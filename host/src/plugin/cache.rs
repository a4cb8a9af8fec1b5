//! The on-disk cache of compiled components. Key: sha256 of the component bytes, the
//! compiler and the engine's precompile-compatibility hash (a new component, compiler or
//! engine configuration gets a new key), so one component may have a baseline (Winch) and
//! an optimised (Cranelift) entry. Each entry records the compiler that made it and carries
//! a sha256 of the compiled artifact, verified before the (unsafe) deserialization; a
//! mismatched or unloadable entry is rebuilt and overwritten. Entries are written
//! atomically (temp file + rename).

use super::compiler::Compiler;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use wasmtime::Engine;
use wasmtime::component::Component;

const MAGIC: &[u8; 8] = b"PMSYNCC2";
/// Magic, the compiler's tag, the artifact's sha256.
const HEADER: usize = MAGIC.len() + 1 + 32;

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

/// The cache key of `component_bytes` compiled by `engine`, whose compiler is `compiler`.
pub fn cache_key(engine: &Engine, compiler: Compiler, component_bytes: &[u8]) -> String {
    let mut hasher = ShaHasher(Sha256::new());
    hasher.write(b"pmsync component cache v2\0");
    hasher.write(compiler.label().as_bytes());
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
    /// [`CacheOutcome::Rebuilt`]) or was compiled for the cache (`plugins precompile`); a
    /// component refused after compiling is never kept.
    pub fn keep(&self, key: &str, compiler: Compiler, component: &Component) {
        let path = self.entry_path(key);
        if let Err(e) = self.store(&path, compiler, component) {
            tracing::warn!(target: "pmsync::plugin", "cannot write component cache entry {}: {e}", path.display());
        }
    }

    /// The cached component with this key, compiled by `compiler` for `engine`.
    pub fn fetch(&self, engine: &Engine, compiler: Compiler, key: &str) -> Fetched {
        let path = self.entry_path(key);
        let reason = match std::fs::read(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Fetched::Absent,
            Err(e) => format!("cannot read {}: {e}", path.display()),
            Ok(entry) => match verified_artifact(&entry, compiler) {
                Err(reason) => reason,
                // SAFETY: the artifact is the exact byte sequence this host serialized (its
                // sha256, stored alongside, matches), by the same compiler, for an engine
                // with the same compatibility hash (both part of the key), so it is a
                // trusted wasmtime artifact.
                Ok(artifact) => match unsafe { Component::deserialize(engine, artifact) } {
                    Ok(component) => return Fetched::Found(component),
                    Err(e) => format!("cached artifact does not load: {e}"),
                },
            },
        };
        tracing::warn!(target: "pmsync::plugin", "component cache entry {} is unusable and is rebuilt: {reason}", path.display());
        Fetched::Unusable(reason)
    }

    /// Removes an unusable entry, so it is not read again (a missing one is fine).
    pub fn discard(&self, key: &str) {
        let _ = std::fs::remove_file(self.entry_path(key));
    }

    fn store(&self, path: &Path, compiler: Compiler, component: &Component) -> Result<(), String> {
        let artifact = component.serialize().map_err(|e| e.to_string())?;
        std::fs::create_dir_all(&self.dir).map_err(|e| e.to_string())?;
        let mut temp = tempfile_in(&self.dir).map_err(|e| e.to_string())?;
        let result = (|| -> std::io::Result<()> {
            temp.1.write_all(MAGIC)?;
            temp.1.write_all(&[compiler.tag()])?;
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

/// What the cache holds for a key.
pub enum Fetched {
    /// A verified entry, deserialized.
    Found(Component),
    /// No entry.
    Absent,
    /// An entry that is corrupt, of another compiler, or does not load (why).
    Unusable(String),
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

/// The artifact inside a cache entry, if the entry was made by `compiler` and its checksum
/// matches.
fn verified_artifact(entry: &[u8], compiler: Compiler) -> Result<&[u8], String> {
    if entry.len() < HEADER || &entry[..MAGIC.len()] != MAGIC {
        return Err("cache entry has no valid header".into());
    }
    let made_by = entry[MAGIC.len()];
    if made_by != compiler.tag() {
        return Err(format!(
            "cache entry was made by {}, not {compiler}",
            Compiler::from_tag(made_by).map_or("an unknown compiler", Compiler::label)
        ));
    }
    let (checksum, artifact) = entry[MAGIC.len() + 1..].split_at(32);
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
        entry.push(Compiler::Winch.tag());
        entry.extend_from_slice(&Sha256::digest(&artifact));
        entry.extend_from_slice(&artifact);
        assert_eq!(
            verified_artifact(&entry, Compiler::Winch).unwrap(),
            artifact.as_slice()
        );
        assert!(
            verified_artifact(&entry, Compiler::Cranelift)
                .unwrap_err()
                .contains("made by winch, not cranelift")
        );
        let last = entry.len() - 1;
        entry[last] ^= 1;
        assert!(
            verified_artifact(&entry, Compiler::Winch)
                .unwrap_err()
                .contains("checksum")
        );
        assert!(verified_artifact(b"short", Compiler::Winch).is_err());
    }

    #[test]
    fn key_changes_with_component_bytes() {
        let engine = Engine::default();
        let key = |bytes: &[u8], compiler| cache_key(&engine, compiler, bytes);
        assert_ne!(
            key(b"a", Compiler::Cranelift),
            key(b"b", Compiler::Cranelift)
        );
        assert_eq!(
            key(b"a", Compiler::Cranelift),
            key(b"a", Compiler::Cranelift)
        );
        assert_ne!(key(b"a", Compiler::Cranelift), key(b"a", Compiler::Winch));
    }
}
