//! Sync configuration: model, loading with precise errors, validation, export.

mod model;

pub use model::*;
