//! pmsync's pure decisions: values, configuration, transforms, the three-way merge and the
//! sync plan. Nothing in this crate performs I/O; everything is a function of its inputs.

pub mod transform;

pub mod config;
pub mod error;
pub mod item;
pub mod matching;
pub mod merge;
pub mod plan;
pub mod planner;
pub mod plugins;
pub mod secret;
pub mod strategy;
pub mod value;

pub use error::ItemError;
pub use item::{Item, Side};
pub use secret::Secret;
pub use value::Value;
