//! Field transforms: the ten built-ins, automatic conversion between the declared types,
//! value and user maps, and the per-field pipeline the planner runs (with plugin
//! transforms batched through [`crate::plugins::CustomTransforms`]).

mod builtin;
mod convert;
mod error;
mod lookup;
mod pipeline;

pub use builtin::{
    BUILTIN_TRANSFORMS, apply_builtin, input_types, inverse_of, is_builtin, output_types,
};
pub use convert::{
    conversion_exists, convert, parse_boolean, parse_date, parse_datetime, parse_number, type_of,
};
pub use error::TransformError;
pub use lookup::{UserLookup, ValueLookup, json_text, lookup_text, shared_targets};
pub use pipeline::{
    FieldPipeline, PipelineInput, Presence, Step, SyncPipelines, Way, apply_presence, run_batch,
};

#[cfg(test)]
mod pipeline_tests;
