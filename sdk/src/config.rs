//! The read-only settings the operator gave this plugin instance (connector settings,
//! resolver options). Secrets are never among them.
//!
//! Inside the pmsync host these read the imported `config` interface. Compiled natively
//! (unit tests of a plugin crate) they read a per-thread table that tests fill with
//! [`testing::set`], so plugin code that reads settings can be tested without a host.

use crate::PluginError;

/// The setting called `key`, if the operator gave one.
pub fn get(key: &str) -> Option<String> {
    host::get(key)
}

/// The setting called `key`, or `default` when it is not set.
pub fn get_or(key: &str, default: &str) -> String {
    get(key).unwrap_or_else(|| default.to_owned())
}

/// The setting called `key`; when it is not set, an `invalid-input` error naming it.
pub fn require(key: &str) -> Result<String, PluginError> {
    get(key).ok_or_else(|| {
        PluginError::invalid_input(format!(
            "the plugin setting `{key}` is required but not set"
        ))
    })
}

/// Every setting, as `(key, value)` pairs.
pub fn entries() -> Vec<(String, String)> {
    host::entries()
}

#[cfg(target_arch = "wasm32")]
mod host {
    use crate::bindings::transformer::pmsync::plugin::config;

    pub fn get(key: &str) -> Option<String> {
        config::get(key)
    }

    pub fn entries() -> Vec<(String, String)> {
        config::entries()
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod host {
    pub fn get(key: &str) -> Option<String> {
        super::testing::SETTINGS.with(|settings| settings.borrow().get(key).cloned())
    }

    pub fn entries() -> Vec<(String, String)> {
        super::testing::SETTINGS.with(|settings| {
            settings
                .borrow()
                .iter()
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect()
        })
    }
}

/// Settings for native unit tests of a plugin. Each test thread has its own table, so tests
/// running in parallel do not see each other's settings. Not available inside the host.
#[cfg(not(target_arch = "wasm32"))]
pub mod testing {
    use std::cell::RefCell;
    use std::collections::BTreeMap;

    thread_local! {
        pub(super) static SETTINGS: RefCell<BTreeMap<String, String>> =
            const { RefCell::new(BTreeMap::new()) };
    }

    /// Sets `key` to `value` for the current thread.
    pub fn set(key: &str, value: &str) {
        SETTINGS.with(|settings| {
            settings
                .borrow_mut()
                .insert(key.to_owned(), value.to_owned());
        });
    }

    /// Removes every setting of the current thread.
    pub fn clear() {
        SETTINGS.with(|settings| settings.borrow_mut().clear());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_set_for_tests_are_read_back() {
        testing::clear();
        testing::set("source_priority_field", "severity");
        assert_eq!(get("source_priority_field").as_deref(), Some("severity"));
        assert_eq!(get_or("target_priority_field", "priority"), "priority");
        assert_eq!(
            entries(),
            vec![("source_priority_field".to_owned(), "severity".to_owned())]
        );
    }

    #[test]
    fn a_required_setting_that_is_missing_is_named_in_the_error() {
        testing::clear();
        let error = require("base_url").unwrap_err();
        assert!(error.message().contains("`base_url`"), "{error:?}");
    }
}
