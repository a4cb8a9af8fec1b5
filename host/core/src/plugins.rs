//! What the pure planner needs from plugins, as traits: the host implements them with
//! WebAssembly components; tests implement them with plain functions.
//!
//! Transformer and resolver plugins are pure (no clock, no network, no storage; fuel
//! metered), so calling them keeps planning a deterministic function of its inputs.

use crate::error::ItemError;
use crate::item::Item;
use crate::value::Value;

/// The context a transform sees.
#[derive(Debug, Clone, PartialEq)]
pub struct TransformContext {
    /// `source_field -> target_field`.
    pub field: String,
    pub source_platform: String,
    pub target_platform: String,
    pub item_key: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TransformCall {
    pub name: String,
    pub value: Value,
    pub context: TransformContext,
}

/// Custom transforms by name (from transformer plugins).
pub trait CustomTransforms {
    /// Whether a transform of this name is provided.
    fn has(&self, name: &str) -> bool;
    /// One result per call, in order.
    fn transform_batch(&self, calls: &[TransformCall]) -> Vec<Result<Value, ItemError>>;
}

/// No custom transforms at all.
pub struct NoCustomTransforms;

impl CustomTransforms for NoCustomTransforms {
    fn has(&self, _name: &str) -> bool {
        false
    }
    fn transform_batch(&self, calls: &[TransformCall]) -> Vec<Result<Value, ItemError>> {
        calls
            .iter()
            .map(|c| {
                Err(ItemError::InvalidInput(format!(
                    "unknown transform `{}`",
                    c.name
                )))
            })
            .collect()
    }
}

/// One conflicting field handed to a resolver: values in mapped (target-side) form.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldConflict {
    pub field: String,
    pub source: Value,
    pub target: Value,
    pub base: Option<Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResolveCall {
    pub resolver: String,
    pub source: Item,
    pub target: Item,
    pub conflicts: Vec<FieldConflict>,
}

/// A resolver's answer for one conflicting field.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolution {
    TakeSource,
    TakeTarget,
    Merged(Value),
    Defer(String),
}

/// Custom conflict resolvers by name (from resolver plugins).
pub trait CustomResolvers {
    fn has(&self, name: &str) -> bool;
    /// One result per call; each `Ok` holds one resolution per conflict, in order.
    fn resolve_batch(&self, calls: &[ResolveCall]) -> Vec<Result<Vec<Resolution>, ItemError>>;
}

/// No custom resolvers at all.
pub struct NoCustomResolvers;

impl CustomResolvers for NoCustomResolvers {
    fn has(&self, _name: &str) -> bool {
        false
    }
    fn resolve_batch(&self, calls: &[ResolveCall]) -> Vec<Result<Vec<Resolution>, ItemError>> {
        calls
            .iter()
            .map(|c| {
                Err(ItemError::InvalidInput(format!(
                    "unknown resolver `{}`",
                    c.resolver
                )))
            })
            .collect()
    }
}
