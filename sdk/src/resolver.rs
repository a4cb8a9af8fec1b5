//! Conflict resolvers: implement [`Resolver`] and export it with
//! [`export_resolver!`](crate::export_resolver).
//!
//! ```rust,no_run
//! use pmsync_sdk::{PluginError, Resolution, ResolveRequest, Resolver};
//!
//! /// Keeps the longer text of the two; defers anything that is not text to a person.
//! struct LongerTextWins;
//!
//! impl Resolver for LongerTextWins {
//!     fn new() -> Self {
//!         LongerTextWins
//!     }
//!
//!     fn name(&mut self) -> String {
//!         "longer_text_wins".to_owned()
//!     }
//!
//!     fn resolve_one(&mut self, request: ResolveRequest) -> Result<Vec<Resolution>, PluginError> {
//!         Ok(request
//!             .conflicts
//!             .iter()
//!             .map(|conflict| match (conflict.source.as_text(), conflict.target.as_text()) {
//!                 (Some(source), Some(target)) if source.len() >= target.len() => {
//!                     Resolution::TakeSource
//!                 }
//!                 (Some(_), Some(_)) => Resolution::TakeTarget,
//!                 _ => Resolution::Defer(format!("`{}` is not text on both sides", conflict.field)),
//!             })
//!             .collect())
//!     }
//! }
//!
//! pmsync_sdk::export_resolver!(LongerTextWins);
//! # fn main() {}
//! ```

use std::marker::PhantomData;

use crate::PluginError;
use crate::bindings::resolver::exports::pmsync::plugin::resolver::Guest;
pub use crate::bindings::resolver::exports::pmsync::plugin::resolver::{
    Conflict, Resolution, ResolveRequest,
};

/// A plugin that decides field conflicts: both sides changed the same field since the last
/// sync, to different values.
///
/// Implement [`Resolver::resolve_one`] for one item pair; the batch call the host makes is
/// answered by calling it once per request, unless you override [`Resolver::resolve`].
pub trait Resolver: 'static {
    /// The plugin's initial state, made on the instance's first call.
    fn new() -> Self
    where
        Self: Sized;

    /// The resolver name this plugin provides (as listed in `plugin.toml`).
    fn name(&mut self) -> String;

    /// One [`Resolution`] per conflict of `request`, in the order of `request.conflicts`.
    fn resolve_one(&mut self, request: ResolveRequest) -> Result<Vec<Resolution>, PluginError>;

    /// One result per request, in order. The default calls [`Resolver::resolve_one`] for
    /// each request.
    fn resolve(
        &mut self,
        requests: Vec<ResolveRequest>,
    ) -> Vec<Result<Vec<Resolution>, PluginError>> {
        requests
            .into_iter()
            .map(|request| self.resolve_one(request))
            .collect()
    }
}

/// Connects a [`Resolver`] to the generated bindings; used by
/// [`export_resolver!`](crate::export_resolver).
#[doc(hidden)]
pub struct ResolverExport<T>(PhantomData<T>);

impl<T: Resolver> Guest for ResolverExport<T> {
    fn name() -> String {
        crate::instance::with(T::new, |plugin| plugin.name())
    }

    fn resolve(requests: Vec<ResolveRequest>) -> Vec<Result<Vec<Resolution>, PluginError>> {
        crate::instance::with(T::new, |plugin| plugin.resolve(requests))
    }
}

/// Exports a [`Resolver`] as this component's `pmsync:plugin/resolver` interface. Invoke it
/// once, at the top level of the plugin crate:
///
/// ```text
/// pmsync_sdk::export_resolver!(MyResolver);
/// ```
///
/// Compiled for anything but `wasm32` it expands to nothing, so the plugin crate can be
/// linked natively (unit tests, benchmarks) next to other plugins.
#[macro_export]
macro_rules! export_resolver {
    ($plugin:ty) => {
        // Only a component has exports; natively the plugin crate is a library (unit
        // tests, benchmarks), and several plugins may be linked into one binary.
        #[cfg(target_arch = "wasm32")]
        const _: () = {
            type PmsyncResolverExport = $crate::resolver::ResolverExport<$plugin>;
            $crate::bindings::resolver::export!(
                PmsyncResolverExport with_types_in $crate::bindings::resolver
            );
        };
    };
}
