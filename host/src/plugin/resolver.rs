//! Calling a resolver plugin: one fresh, deterministic instance per batch.

use super::bindings::wit_resolver;
use super::convert::{
    error_size, item_error, item_to_wit, value_from_wit, value_size, value_to_wit,
};
use super::error::CallError;
use super::limits::plugin_text;
use super::loaded::{KindPre, LoadedPlugin};
use pmsync_core::ItemError;
use pmsync_core::plugins::{Resolution, ResolveCall};

impl LoadedPlugin {
    /// The resolver name the component itself reports.
    pub(crate) fn resolver_name(&self) -> Result<String, CallError> {
        const CALL: &str = "name";
        let KindPre::Resolver(pre) = &self.pre else {
            return Err(self.contract(CALL, "not a resolver"));
        };
        let mut store = self.new_store(self.settings.clone(), None);
        self.run_call(
            CALL,
            &mut store,
            1,
            |store| {
                pre.instantiate(&mut *store)?
                    .pmsync_plugin_resolver()
                    .call_name(store)
            },
            |name| name.len() as u64,
        )
    }

    /// Runs `resolve`; one result per call, each with one resolution per conflict.
    pub(crate) fn resolve(
        &self,
        calls: &[&ResolveCall],
    ) -> Result<Vec<Result<Vec<Resolution>, ItemError>>, CallError> {
        const CALL: &str = "resolve";
        let KindPre::Resolver(pre) = &self.pre else {
            return Err(self.contract(CALL, "not a resolver"));
        };
        let requests: Vec<wit_resolver::ResolveRequest> = calls
            .iter()
            .map(|c| wit_resolver::ResolveRequest {
                source: item_to_wit(&c.source),
                target: item_to_wit(&c.target),
                conflicts: c
                    .conflicts
                    .iter()
                    .map(|f| wit_resolver::Conflict {
                        field: f.field.clone(),
                        source: value_to_wit(&f.source),
                        target: value_to_wit(&f.target),
                        base: f.base.as_ref().map(value_to_wit),
                    })
                    .collect(),
            })
            .collect();
        let mut store = self.new_store(self.settings.clone(), None);
        let results = self.run_call(
            CALL,
            &mut store,
            calls.len(),
            |store| {
                pre.instantiate(&mut *store)?
                    .pmsync_plugin_resolver()
                    .call_resolve(store, &requests)
            },
            |results| {
                results
                    .iter()
                    .map(|r| match r {
                        Ok(list) => list
                            .iter()
                            .map(|res| match res {
                                wit_resolver::Resolution::Merged(v) => value_size(v),
                                wit_resolver::Resolution::Defer(reason) => reason.len() as u64,
                                _ => 1,
                            })
                            .sum(),
                        Err(e) => error_size(e),
                    })
                    .sum()
            },
        )?;
        self.check_result_count(CALL, results.len(), calls.len())?;
        Ok(results
            .into_iter()
            .zip(calls)
            .map(|(result, call)| {
                let list = result.map_err(item_error)?;
                if list.len() != call.conflicts.len() {
                    return Err(ItemError::Plugin(
                        self.contract(
                            CALL,
                            format!(
                                "returned {} resolutions for {} conflicts",
                                list.len(),
                                call.conflicts.len()
                            ),
                        )
                        .to_string(),
                    ));
                }
                list.into_iter()
                    .map(|res| {
                        Ok(match res {
                            wit_resolver::Resolution::TakeSource => Resolution::TakeSource,
                            wit_resolver::Resolution::TakeTarget => Resolution::TakeTarget,
                            wit_resolver::Resolution::Merged(v) => {
                                Resolution::Merged(value_from_wit(v).map_err(|e| {
                                    ItemError::Plugin(self.contract(CALL, e).to_string())
                                })?)
                            }
                            wit_resolver::Resolution::Defer(reason) => {
                                Resolution::Defer(plugin_text(&reason))
                            }
                        })
                    })
                    .collect()
            })
            .collect())
    }
}
