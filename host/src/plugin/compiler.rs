//! Which wasmtime compiler makes a plugin's machine code, and when.
//!
//! Cranelift optimises: fast code, but slow to compile (tens of seconds for an 18 MB
//! componentize-py component on two cores). Winch is wasmtime's single-pass baseline
//! compiler: seconds for the same component, slower code. On a cache miss a big component
//! (at least [`BASELINE_FROM_BYTES`]) is compiled with Winch so the run starts at once; the
//! optimised Cranelift code is produced later for the cache (`plugins precompile`, and
//! `bundle install` for the plugins it installs), and is preferred from then on; a run
//! itself does not upgrade the cache, it logs that `plugins precompile` would. Both
//! compilers meter fuel and check epoch deadlines, so a runaway plugin is stopped either way.

use serde::Serialize;
use std::fmt;

/// A component of at least this many bytes is compiled with Winch on a cache miss under
/// [`ColdCompile::Auto`]; smaller ones compile with Cranelift in about a second anyway.
pub const BASELINE_FROM_BYTES: usize = 4 * 1024 * 1024;

/// The compiler that produced a component's machine code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Compiler {
    /// Optimising: fastest code, slowest to compile.
    Cranelift,
    /// Baseline: compiles several times faster, runs slower.
    Winch,
}

impl Compiler {
    pub fn label(self) -> &'static str {
        match self {
            Compiler::Cranelift => "cranelift",
            Compiler::Winch => "winch",
        }
    }

    /// The byte a cache entry records its compiler with.
    pub(crate) fn tag(self) -> u8 {
        match self {
            Compiler::Cranelift => b'C',
            Compiler::Winch => b'W',
        }
    }

    pub(crate) fn from_tag(tag: u8) -> Option<Compiler> {
        match tag {
            b'C' => Some(Compiler::Cranelift),
            b'W' => Some(Compiler::Winch),
            _ => None,
        }
    }

    pub(crate) fn strategy(self) -> wasmtime::Strategy {
        match self {
            Compiler::Cranelift => wasmtime::Strategy::Cranelift,
            Compiler::Winch => wasmtime::Strategy::Winch,
        }
    }
}

impl fmt::Display for Compiler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// What compiles a component that has no usable cache entry (`--cold-compiler`). A cached
/// optimised (Cranelift) entry is always preferred to a baseline one, whatever this says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColdCompile {
    /// Winch for components of at least 4 MiB (componentize-py, componentize-js), Cranelift
    /// for smaller ones.
    #[default]
    Auto,
    /// Always Cranelift: the slowest first load, the fastest code from the first item.
    Cranelift,
    /// Always Winch.
    Winch,
}

impl ColdCompile {
    /// The compiler for a component of `size` bytes that is not in the cache.
    pub fn compiler_for(self, size: usize) -> Compiler {
        match self {
            ColdCompile::Cranelift => Compiler::Cranelift,
            ColdCompile::Winch => Compiler::Winch,
            ColdCompile::Auto if size >= BASELINE_FROM_BYTES => Compiler::Winch,
            ColdCompile::Auto => Compiler::Cranelift,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_uses_winch_only_for_big_components() {
        assert_eq!(ColdCompile::Auto.compiler_for(150_000), Compiler::Cranelift);
        assert_eq!(ColdCompile::Auto.compiler_for(18_000_000), Compiler::Winch);
        assert_eq!(
            ColdCompile::Cranelift.compiler_for(18_000_000),
            Compiler::Cranelift
        );
        assert_eq!(ColdCompile::Winch.compiler_for(10), Compiler::Winch);
    }

    #[test]
    fn a_tag_names_its_compiler() {
        for c in [Compiler::Cranelift, Compiler::Winch] {
            assert_eq!(Compiler::from_tag(c.tag()), Some(c));
        }
        assert_eq!(Compiler::from_tag(0), None);
    }
}
