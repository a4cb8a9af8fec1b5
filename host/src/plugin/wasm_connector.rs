//! The host [`Connector`] trait over a WebAssembly connector component. Calls may come
//! from several threads at once: each takes an idle instance from a small pool (or makes
//! one), and returns it after a successful call; an instance whose call failed is dropped.

use super::bindings::connector_world::ConnectorPlugin;
use super::bindings::{types, wit_connector};
use super::convert::{
    descriptor_from_wit, error_size, fields_to_wit, item_error, item_from_wit, item_size,
};
use super::error::CallError;
use super::limits::cut;
use super::loaded::{KindPre, LoadedPlugin};
use super::state::PluginState;
use crate::connector::{
    Connector, CreateRequest, Descriptor, ListRequest, Page, RejectedItem, UpdateRequest,
};
use crate::http::HttpClient;
use pmsync_core::{Item, ItemError};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use wasmtime::Store;

/// Idle instances kept per connector.
const POOL_SIZE: usize = 4;

struct Instance {
    store: Store<PluginState>,
    bindings: ConnectorPlugin,
}

/// A connector instance backed by a plugin; see [`PluginSet::connector`](super::PluginSet::connector).
pub struct WasmConnector {
    plugin: Arc<LoadedPlugin>,
    settings: Arc<BTreeMap<String, String>>,
    http: Arc<dyn HttpClient>,
    idle: Mutex<Vec<Instance>>,
}

fn plugin_failure(e: CallError) -> ItemError {
    ItemError::Plugin(e.to_string())
}

impl WasmConnector {
    pub(crate) fn new(
        plugin: Arc<LoadedPlugin>,
        settings: BTreeMap<String, String>,
        http: Arc<dyn HttpClient>,
    ) -> WasmConnector {
        WasmConnector {
            plugin,
            settings: Arc::new(settings),
            http,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// The plugin's name and version.
    pub fn plugin(&self) -> (&str, &str) {
        (&self.plugin.manifest.name, &self.plugin.manifest.version)
    }

    fn instance(&self, call: &str) -> Result<Instance, CallError> {
        if let Some(instance) = self.idle.lock().ok().and_then(|mut idle| idle.pop()) {
            return Ok(instance);
        }
        let KindPre::Connector(pre) = &self.plugin.pre else {
            return Err(self.plugin.contract(call, "not a connector"));
        };
        let mut store = self
            .plugin
            .new_store(self.settings.clone(), Some(self.http.clone()));
        let bindings = pre
            .instantiate(&mut store)
            .map_err(|e| self.plugin.fail(call, &mut store, e))?;
        Ok(Instance { store, bindings })
    }

    /// Runs one call on an instance, measuring its output with `size`.
    fn call<R>(
        &self,
        call: &str,
        run: impl FnOnce(&wit_connector::Guest, &mut Store<PluginState>) -> wasmtime::Result<R>,
        size: impl FnOnce(&R) -> u64,
    ) -> Result<R, CallError> {
        let mut instance = self.instance(call)?;
        let Instance { store, bindings } = &mut instance;
        let result = self.plugin.run_call(
            call,
            store,
            1,
            |store| run(bindings.pmsync_plugin_connector(), store),
            size,
        )?;
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < POOL_SIZE
        {
            idle.push(instance);
        }
        Ok(result)
    }

    fn items<T>(
        &self,
        call: &str,
        expected: usize,
        results: Result<Vec<Result<T, types::PluginError>>, CallError>,
        convert: impl Fn(T) -> Result<Item, String>,
    ) -> Vec<Result<Item, ItemError>> {
        let results = results.and_then(|r| {
            self.plugin.check_result_count(call, r.len(), expected)?;
            Ok(r)
        });
        let results = match results {
            Ok(r) => r,
            Err(e) => {
                return (0..expected)
                    .map(|_| Err(plugin_failure(e.clone())))
                    .collect();
            }
        };
        results
            .into_iter()
            .map(|r| match r {
                Ok(item) => {
                    convert(item).map_err(|e| plugin_failure(self.plugin.contract(call, e)))
                }
                Err(e) => Err(item_error(e)),
            })
            .collect()
    }
}

fn item_results_size(results: &[Result<types::Item, types::PluginError>]) -> u64 {
    results
        .iter()
        .map(|r| match r {
            Ok(item) => item_size(item),
            Err(e) => error_size(e),
        })
        .sum()
}

impl Connector for WasmConnector {
    fn describe(&self) -> Result<Descriptor, ItemError> {
        let d = self
            .call(
                "describe",
                |g, s| g.call_describe(s),
                |d| {
                    d.platform.len() as u64
                        + d.fields
                            .iter()
                            .map(|f| f.name.len() as u64 + 2)
                            .sum::<u64>()
                },
            )
            .map_err(plugin_failure)?;
        Ok(descriptor_from_wit(d))
    }

    fn list_changed(&self, request: &ListRequest) -> Result<Page, ItemError> {
        const CALL: &str = "list-changed";
        let wit = wit_connector::ListRequest {
            since: request.since.clone(),
            cursor: request.cursor.clone(),
            page_size: request.page_size,
            filter: wit_connector::Filter {
                projects: request.filter.projects.clone(),
                issue_types: request.filter.issue_types.clone(),
                labels: request.filter.labels.clone(),
                query: request.filter.query.clone(),
            },
        };
        let page = self
            .call(
                CALL,
                |g, s| g.call_list_changed(s, &wit),
                |r| match r {
                    Ok(p) => {
                        p.items.iter().map(item_size).sum::<u64>()
                            + p.next_cursor.as_ref().map_or(0, |c| c.len() as u64)
                    }
                    Err(e) => error_size(e),
                },
            )
            .map_err(plugin_failure)?
            .map_err(item_error)?;
        // A page larger than asked for is refused whole: its extra items would otherwise be
        // skipped silently by the next cursor, or fill memory page after page.
        if page.items.len() > request.page_size.max(1) as usize {
            return Err(plugin_failure(self.plugin.contract(
                CALL,
                format!(
                    "returned {} items for a page of {}",
                    page.items.len(),
                    request.page_size
                ),
            )));
        }
        // One malformed item fails alone; the rest of its page syncs.
        let mut items = Vec::with_capacity(page.items.len());
        let mut rejected = Vec::new();
        for item in page.items {
            let (id, key) = (cut(&item.id, 200), cut(&item.key, 200));
            match item_from_wit(item) {
                Ok(item) => items.push(item),
                Err(e) => rejected.push(RejectedItem {
                    id,
                    key,
                    error: plugin_failure(self.plugin.contract(CALL, e)),
                }),
            }
        }
        Ok(Page {
            items,
            next_cursor: page.next_cursor.map(|c| cut(&c, 4_096)),
            rejected,
        })
    }

    fn provider(&self) -> String {
        format!(
            "connector plugin {} {}",
            self.plugin.manifest.name, self.plugin.manifest.version
        )
    }

    fn get(&self, ids: &[String]) -> Vec<Result<Item, ItemError>> {
        let results = self.call("get", |g, s| g.call_get(s, ids), |r| item_results_size(r));
        self.items("get", ids.len(), results, item_from_wit)
    }

    fn create(&self, requests: &[CreateRequest]) -> Vec<Result<Item, ItemError>> {
        let wit: Vec<wit_connector::CreateRequest> = requests
            .iter()
            .map(|r| wit_connector::CreateRequest {
                origin: r.origin.clone(),
                fields: fields_to_wit(&r.fields),
            })
            .collect();
        let results = self.call(
            "create",
            |g, s| g.call_create(s, &wit),
            |r| item_results_size(r),
        );
        self.items("create", requests.len(), results, item_from_wit)
    }

    fn update(&self, requests: &[UpdateRequest]) -> Vec<Result<Item, ItemError>> {
        let wit: Vec<wit_connector::UpdateRequest> = requests
            .iter()
            .map(|r| wit_connector::UpdateRequest {
                id: r.id.clone(),
                fields: fields_to_wit(&r.fields),
            })
            .collect();
        let results = self.call(
            "update",
            |g, s| g.call_update(s, &wit),
            |r| item_results_size(r),
        );
        self.items("update", requests.len(), results, item_from_wit)
    }

    fn find_by_origin(&self, origins: &[String]) -> Vec<Result<Option<Item>, ItemError>> {
        const CALL: &str = "find-by-origin";
        let results = self.call(
            CALL,
            |g, s| g.call_find_by_origin(s, origins),
            |r| {
                r.iter()
                    .map(|x| match x {
                        Ok(Some(item)) => item_size(item),
                        Ok(None) => 1,
                        Err(e) => error_size(e),
                    })
                    .sum()
            },
        );
        let results = match results {
            Ok(r) if r.len() == origins.len() => r,
            Ok(r) => {
                let e = self.plugin.contract(
                    CALL,
                    format!("returned {} results for {} origins", r.len(), origins.len()),
                );
                return origins
                    .iter()
                    .map(|_| Err(plugin_failure(e.clone())))
                    .collect();
            }
            Err(e) => {
                return origins
                    .iter()
                    .map(|_| Err(plugin_failure(e.clone())))
                    .collect();
            }
        };
        results
            .into_iter()
            .map(|r| match r {
                Ok(Some(item)) => item_from_wit(item)
                    .map(Some)
                    .map_err(|e| plugin_failure(self.plugin.contract(CALL, e))),
                Ok(None) => Ok(None),
                Err(e) => Err(item_error(e)),
            })
            .collect()
    }

    fn parse_webhook(
        &self,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Result<Vec<String>, ItemError> {
        let delivery = wit_connector::WebhookDelivery {
            headers: headers.to_vec(),
            body: body.to_vec(),
        };
        self.call(
            "parse-webhook",
            |g, s| g.call_parse_webhook(s, &delivery),
            |r| match r {
                Ok(ids) => ids.iter().map(|i| i.len() as u64).sum(),
                Err(e) => error_size(e),
            },
        )
        .map_err(plugin_failure)?
        .map_err(item_error)
    }
}

impl LoadedPlugin {
    /// The platform the component itself reports in `describe`.
    pub(crate) fn connector_platform(&self) -> Result<String, CallError> {
        const CALL: &str = "describe";
        let KindPre::Connector(pre) = &self.pre else {
            return Err(self.contract(CALL, "not a connector"));
        };
        let mut store = self.new_store(Arc::new(BTreeMap::new()), Some(Arc::new(NoNetwork)));
        let descriptor = self.run_call(
            CALL,
            &mut store,
            1,
            |store| {
                pre.instantiate(&mut *store)?
                    .pmsync_plugin_connector()
                    .call_describe(store)
            },
            |descriptor| descriptor.platform.len() as u64,
        )?;
        Ok(descriptor.platform)
    }
}

/// The HTTP client of the load-time `describe` probe: every request is denied.
struct NoNetwork;

impl HttpClient for NoNetwork {
    fn send(
        &self,
        _request: crate::http::OutboundRequest,
    ) -> Result<crate::http::InboundResponse, crate::http::HttpFailure> {
        Err(crate::http::HttpFailure::Denied(
            "no network while the plugin is being loaded".into(),
        ))
    }
}
