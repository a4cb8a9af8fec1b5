//! Simple field pipelines for tests.

use pmsync_core::Value;
use pmsync_core::planner::{Conversion, Converter, Way};
use std::collections::HashSet;

/// Passes every value through unchanged.
pub struct IdentityConverter;

impl Converter for IdentityConverter {
    fn convert(&self, batch: &[Conversion<'_>]) -> Vec<Result<Value, String>> {
        batch.iter().map(|c| Ok(c.value.clone())).collect()
    }
}

/// Uppercases text going source → target on the listed mappings (by index) and lowercases
/// it coming back; other mappings pass values through. A text containing `FAIL` fails to
/// convert, to test per-item failures.
pub struct UppercaseConverter {
    pub mappings: HashSet<usize>,
}

impl UppercaseConverter {
    pub fn on(mappings: &[usize]) -> UppercaseConverter {
        UppercaseConverter {
            mappings: mappings.iter().copied().collect(),
        }
    }
}

impl Converter for UppercaseConverter {
    fn convert(&self, batch: &[Conversion<'_>]) -> Vec<Result<Value, String>> {
        batch
            .iter()
            .map(|c| match c.value {
                Value::Text(t) if t.contains("FAIL") => {
                    Err(format!("value {t:?} of {} cannot be converted", c.item_key))
                }
                Value::Text(t) if self.mappings.contains(&c.mapping) => {
                    Ok(Value::Text(match c.way {
                        Way::ToTarget => t.to_uppercase(),
                        Way::ToSource => t.to_lowercase(),
                    }))
                }
                other => Ok(other.clone()),
            })
            .collect()
    }
}
