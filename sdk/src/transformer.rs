//! Field transformers: implement [`Transformer`] and export it with
//! [`export_transformer!`](crate::export_transformer).

use std::marker::PhantomData;

use crate::bindings::transformer::exports::pmsync::plugin::transformer::Guest;
pub use crate::bindings::transformer::exports::pmsync::plugin::transformer::{
    TransformContext, TransformRequest,
};
use crate::{PluginError, Value};

/// A plugin that converts field values on their way from one platform to the other.
///
/// Implement [`Transformer::transform`] for one value; the batch call the host makes is
/// answered by calling it once per request, unless you override
/// [`Transformer::transform_batch`]. State (caches, settings read once) lives in `self`: the
/// value [`Transformer::new`] makes on the first call serves every later call of the instance.
pub trait Transformer: 'static {
    /// The plugin's initial state, made on the instance's first call.
    fn new() -> Self
    where
        Self: Sized;

    /// The transform names this plugin provides (as listed in `plugin.toml`).
    fn names(&mut self) -> Vec<String>;

    /// Transforms one value with the transform called `name`. Return
    /// [`PluginError::invalid_input`] for values that can never be transformed (the item
    /// fails and is not retried) and for a `name` this plugin does not provide.
    fn transform(
        &mut self,
        name: &str,
        value: Value,
        context: &TransformContext,
    ) -> Result<Value, PluginError>;

    /// One result per request, in order. The default calls [`Transformer::transform`] for
    /// each request, so one bad value fails only its own item.
    fn transform_batch(
        &mut self,
        requests: Vec<TransformRequest>,
    ) -> Vec<Result<Value, PluginError>> {
        requests
            .into_iter()
            .map(|request| self.transform(&request.name, request.value, &request.context))
            .collect()
    }
}

/// Connects a [`Transformer`] to the generated bindings; used by
/// [`export_transformer!`](crate::export_transformer).
#[doc(hidden)]
pub struct TransformerExport<T>(PhantomData<T>);

impl<T: Transformer> Guest for TransformerExport<T> {
    fn names() -> Vec<String> {
        crate::instance::with(T::new, |plugin| plugin.names())
    }

    fn transform_batch(requests: Vec<TransformRequest>) -> Vec<Result<Value, PluginError>> {
        crate::instance::with(T::new, |plugin| plugin.transform_batch(requests))
    }
}

/// Exports a [`Transformer`] as this component's `pmsync:plugin/transformer` interface.
/// Invoke it once, at the top level of the plugin crate:
///
/// ```text
/// pmsync_sdk::export_transformer!(MyTransforms);
/// ```
///
/// Compiled for anything but `wasm32` it expands to nothing, so the plugin crate can be
/// linked natively (unit tests, benchmarks) next to other plugins.
#[macro_export]
macro_rules! export_transformer {
    ($plugin:ty) => {
        // Only a component has exports; natively the plugin crate is a library (unit
        // tests, benchmarks), and several plugins may be linked into one binary.
        #[cfg(target_arch = "wasm32")]
        const _: () = {
            type PmsyncTransformerExport = $crate::transformer::TransformerExport<$plugin>;
            $crate::bindings::transformer::export!(
                PmsyncTransformerExport with_types_in $crate::bindings::transformer
            );
        };
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Upper;

    impl Transformer for Upper {
        fn new() -> Self {
            Upper
        }

        fn names(&mut self) -> Vec<String> {
            vec!["upper".to_owned()]
        }

        fn transform(
            &mut self,
            _name: &str,
            value: Value,
            _context: &TransformContext,
        ) -> Result<Value, PluginError> {
            match value.as_text() {
                Some(text) => Ok(Value::text(text.to_uppercase())),
                None => Err(PluginError::invalid_input(format!("not text: {value}"))),
            }
        }
    }

    fn request(value: Value) -> TransformRequest {
        TransformRequest {
            name: "upper".to_owned(),
            value,
            context: TransformContext {
                field: "summary -> title".to_owned(),
                source_platform: "jira".to_owned(),
                target_platform: "github".to_owned(),
                item_key: "PROJ-1".to_owned(),
            },
        }
    }

    #[test]
    fn default_batch_fails_only_the_bad_item_and_keeps_order() {
        let results = TransformerExport::<Upper>::transform_batch(vec![
            request(Value::text("a")),
            request(Value::integer(1)),
            request(Value::text("b")),
        ]);
        assert_eq!(
            results,
            vec![
                Ok(Value::text("A")),
                Err(PluginError::invalid_input("not text: integer 1")),
                Ok(Value::text("B")),
            ]
        );
    }
}
