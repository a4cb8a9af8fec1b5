//! Calling a transformer plugin: one fresh, deterministic instance per batch.

use super::bindings::wit_transformer;
use super::convert::{error_size, item_error, value_from_wit, value_size, value_to_wit};
use super::error::CallError;
use super::loaded::{KindPre, LoadedPlugin};
use pmsync_core::plugins::TransformCall;
use pmsync_core::{ItemError, Value};

impl LoadedPlugin {
    /// The transform names the component itself reports.
    pub(crate) fn transformer_names(&self) -> Result<Vec<String>, CallError> {
        const CALL: &str = "names";
        let KindPre::Transformer(pre) = &self.pre else {
            return Err(self.contract(CALL, "not a transformer"));
        };
        let mut store = self.new_store(self.settings.clone(), None);
        self.run_call(
            CALL,
            &mut store,
            1,
            |store| {
                pre.instantiate(&mut *store)?
                    .pmsync_plugin_transformer()
                    .call_names(store)
            },
            |names| names.iter().map(|n| n.len() as u64).sum(),
        )
    }

    /// Runs `transform-batch`; one result per call, in order. A failure of the plugin
    /// itself is an `Err` for the whole batch.
    pub(crate) fn transform_batch(
        &self,
        calls: &[&TransformCall],
    ) -> Result<Vec<Result<Value, ItemError>>, CallError> {
        const CALL: &str = "transform-batch";
        let KindPre::Transformer(pre) = &self.pre else {
            return Err(self.contract(CALL, "not a transformer"));
        };
        let requests: Vec<wit_transformer::TransformRequest> = calls
            .iter()
            .map(|c| wit_transformer::TransformRequest {
                name: c.name.clone(),
                value: value_to_wit(&c.value),
                context: wit_transformer::TransformContext {
                    field: c.context.field.clone(),
                    source_platform: c.context.source_platform.clone(),
                    target_platform: c.context.target_platform.clone(),
                    item_key: c.context.item_key.clone(),
                },
            })
            .collect();
        let mut store = self.new_store(self.settings.clone(), None);
        let results = self.run_call(
            CALL,
            &mut store,
            calls.len(),
            |store| {
                pre.instantiate(&mut *store)?
                    .pmsync_plugin_transformer()
                    .call_transform_batch(store, &requests)
            },
            |results| {
                results
                    .iter()
                    .map(|r| match r {
                        Ok(v) => value_size(v),
                        Err(e) => error_size(e),
                    })
                    .sum()
            },
        )?;
        self.check_result_count(CALL, results.len(), calls.len())?;
        Ok(results
            .into_iter()
            .map(|r| match r {
                Ok(value) => value_from_wit(value)
                    .map_err(|e| ItemError::Plugin(self.contract(CALL, e).to_string())),
                Err(e) => Err(item_error(e)),
            })
            .collect())
    }
}
