//! The per-field pipeline the planner runs: presence rule, value map, user map, transform,
//! type conversion, in that order source → target, and mirrored target → source.

use super::builtin::{apply_builtin, inverse_of, is_builtin, output_types};
use super::convert::convert;
use super::error::TransformError;
use super::lookup::{UserLookup, ValueLookup};
use crate::config::{FieldMapping, FieldType, SyncConfig};
use crate::plugins::{CustomTransforms, TransformCall, TransformContext};
use crate::value::Value;

/// Which way a value travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Way {
    /// From the source platform's field to the target platform's field.
    ToTarget,
    /// From the target platform's field back to the source platform's field.
    ToSource,
}

/// What to do with a missing (null) value.
#[derive(Debug, Clone, PartialEq)]
pub struct Presence {
    /// The field the value belongs to, for the message.
    pub field: String,
    pub required: bool,
    /// The mapping's `default_value`, in the source field's type.
    pub default: Option<Value>,
}

impl Presence {
    /// Missing → the default; missing, required and without default → error.
    pub fn apply(&self, value: &Value) -> Result<Value, TransformError> {
        if !value.is_null() {
            return Ok(value.clone());
        }
        match (&self.default, self.required) {
            (Some(default), _) => Ok(default.clone()),
            (None, true) => Err(TransformError::new(
                "presence",
                format!(
                    "required field `{}` has no value and no default",
                    self.field
                ),
            )),
            (None, false) => Ok(Value::Null),
        }
    }
}

/// One step of a pipeline.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Presence(Presence),
    ValueMap(ValueLookup),
    UserMap(UserLookup),
    /// A built-in transform by name.
    Builtin(String),
    /// A transformer plugin's transform by name; run through [`CustomTransforms`].
    Custom(String),
    /// Automatic conversion between declared types.
    Convert {
        from: FieldType,
        to: FieldType,
    },
}

impl Step {
    pub fn is_custom(&self) -> bool {
        matches!(self, Step::Custom(_))
    }

    /// Runs a step that needs no plugin. A custom step is an error here: run the pipeline
    /// with [`run_batch`] instead.
    pub fn apply_local(&self, value: &Value) -> Result<Value, TransformError> {
        match self {
            Step::Presence(p) => p.apply(value),
            Step::ValueMap(map) => map.apply(value),
            Step::UserMap(map) => map.apply(value),
            Step::Builtin(name) => apply_builtin(name, value),
            Step::Convert { from, to } => convert(value, *from, *to),
            Step::Custom(name) => Err(TransformError::new(
                name.clone(),
                "is a plugin transform; it runs only with the transformer plugins loaded",
            )),
        }
    }
}

/// The steps one field's value goes through in one direction.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldPipeline {
    pub way: Way,
    /// `from_field -> to_field`, in the direction of travel (the transform context's field).
    pub field: String,
    /// The platform the value comes from and the one it goes to.
    pub from_platform: String,
    pub to_platform: String,
    pub steps: Vec<Step>,
}

/// The presence rule alone: a missing source value (`ToTarget`) or target value
/// (`ToSource`) becomes the mapping's `default_value`; missing and `required` without a
/// default is an error.
pub fn apply_presence(
    mapping: &FieldMapping,
    way: Way,
    value: &Value,
) -> Result<Value, TransformError> {
    presence(mapping, way)?.apply(value)
}

fn presence(mapping: &FieldMapping, way: Way) -> Result<Presence, TransformError> {
    let field = match way {
        Way::ToTarget => &mapping.source_field,
        Way::ToSource => &mapping.target_field,
    };
    let default = match &mapping.default_value {
        None => None,
        // In the source field's type: a date written as text in YAML becomes a date, etc.
        Some(json) => Some(
            convert(
                &Value::from_json(json),
                mapping.source_type,
                mapping.source_type,
            )
            .map_err(|e| {
                TransformError::new("default_value", format!("of `{field}`: {}", e.message))
            })?,
        ),
    };
    Ok(Presence {
        field: field.clone(),
        required: mapping.required,
        default,
    })
}

impl FieldPipeline {
    /// The pipeline of `sync.field_mappings[mapping_index]` in one direction.
    ///
    /// Source → target: presence → value map → user map → transform → convert
    /// (`source_type` → `target_type`, unless the transform already produced it).
    /// Target → source mirrors it: convert back to what the transform produced → reverse
    /// transform (`reverse_transform`, or the built-in's inverse) → reverse user map →
    /// reverse value map → convert to `source_type` → presence.
    ///
    /// Errors: no such mapping, an unknown value map, a default of the wrong type, and a
    /// plugin transform without `reverse_transform` asked for target → source.
    pub fn for_mapping(
        sync: &SyncConfig,
        mapping_index: usize,
        way: Way,
    ) -> Result<FieldPipeline, TransformError> {
        let mapping = sync.field_mappings.get(mapping_index).ok_or_else(|| {
            TransformError::new(
                "pipeline",
                format!("sync `{}` has no field mapping #{mapping_index}", sync.name),
            )
        })?;
        let value_map = match &mapping.value_map {
            None => None,
            Some(name) => Some((
                name,
                sync.value_maps.get(name).ok_or_else(|| {
                    TransformError::new(
                        "pipeline",
                        format!("value map `{name}` is not defined in sync `{}`", sync.name),
                    )
                })?,
            )),
        };
        let presence = presence(mapping, way)?;
        let mut steps = Vec::new();
        let (field, from_platform, to_platform) = match way {
            Way::ToTarget => {
                steps.push(Step::Presence(presence));
                if let Some((name, map)) = value_map {
                    steps.push(Step::ValueMap(ValueLookup::forward(name, map)));
                }
                if mapping.map_users {
                    steps.push(Step::UserMap(UserLookup::forward(&sync.user_map)));
                }
                let mut from = mapping.source_type;
                let mut type_may_change = value_map.is_some();
                if let Some(t) = &mapping.transform {
                    steps.push(transform_step(t));
                    match output_types(t) {
                        Some(outs) if outs.contains(&mapping.target_type) => {
                            from = mapping.target_type
                        }
                        Some(outs) => from = outs[0],
                        None => type_may_change = true,
                    }
                }
                if from != mapping.target_type || type_may_change {
                    steps.push(Step::Convert {
                        from,
                        to: mapping.target_type,
                    });
                }
                (
                    format!("{} -> {}", mapping.source_field, mapping.target_field),
                    &sync.source_platform,
                    &sync.target_platform,
                )
            }
            Way::ToSource => {
                let reverse = match (&mapping.reverse_transform, &mapping.transform) {
                    (Some(r), _) => Some(r.clone()),
                    (None, Some(t)) if is_builtin(t) => inverse_of(t).map(str::to_owned),
                    (None, Some(t)) => {
                        return Err(TransformError::new(
                            t.clone(),
                            format!(
                                "is a plugin transform and cannot be inverted; set `reverse_transform` on `{} -> {}` to sync it back",
                                mapping.source_field, mapping.target_field
                            ),
                        ));
                    }
                    (None, None) => None,
                };
                let mut from = mapping.target_type;
                let mut type_may_change = value_map.is_some();
                if let Some(r) = &reverse {
                    if let Some(forward_out) = mapping.transform.as_deref().and_then(output_types)
                        && !forward_out.contains(&mapping.target_type)
                    {
                        steps.push(Step::Convert {
                            from: mapping.target_type,
                            to: forward_out[0],
                        });
                    }
                    steps.push(transform_step(r));
                    match output_types(r) {
                        Some(outs) if outs.contains(&mapping.source_type) => {
                            from = mapping.source_type
                        }
                        Some(outs) => from = outs[0],
                        None => type_may_change = true,
                    }
                }
                if mapping.map_users {
                    steps.push(Step::UserMap(UserLookup::reverse(&sync.user_map)));
                }
                if let Some((name, map)) = value_map {
                    steps.push(Step::ValueMap(ValueLookup::reverse(name, map)));
                }
                if from != mapping.source_type || type_may_change {
                    steps.push(Step::Convert {
                        from,
                        to: mapping.source_type,
                    });
                }
                steps.push(Step::Presence(presence));
                (
                    format!("{} -> {}", mapping.target_field, mapping.source_field),
                    &sync.target_platform,
                    &sync.source_platform,
                )
            }
        };
        Ok(FieldPipeline {
            way,
            field,
            from_platform: from_platform.clone(),
            to_platform: to_platform.clone(),
            steps,
        })
    }

    pub fn has_custom(&self) -> bool {
        self.steps.iter().any(Step::is_custom)
    }

    /// The context a plugin transform sees for this field of this item.
    pub fn context(&self, item_key: &str) -> TransformContext {
        TransformContext {
            field: self.field.clone(),
            source_platform: self.from_platform.clone(),
            target_platform: self.to_platform.clone(),
            item_key: item_key.to_string(),
        }
    }

    /// Runs a pipeline without plugin transforms (a custom step is an error).
    pub fn run_local(&self, value: &Value) -> Result<Value, TransformError> {
        self.steps
            .iter()
            .try_fold(value.clone(), |v, step| step.apply_local(&v))
    }
}

fn transform_step(name: &str) -> Step {
    if is_builtin(name) {
        Step::Builtin(name.to_string())
    } else {
        Step::Custom(name.to_string())
    }
}

/// One value to put through a pipeline.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineInput<'p> {
    pub pipeline: &'p FieldPipeline,
    pub value: Value,
    pub context: TransformContext,
}

/// Runs many values through their pipelines together. All inputs advance through local
/// steps; every input that reaches a plugin step then goes into ONE `transform_batch`
/// call, and so on, so the number of plugin calls is the largest number of plugin steps in
/// any one pipeline, however many inputs there are. One result per input, in order; one
/// bad value fails only its own input.
pub fn run_batch(
    inputs: &[PipelineInput<'_>],
    custom: &dyn CustomTransforms,
) -> Vec<Result<Value, TransformError>> {
    struct State {
        at: usize,
        value: Value,
        done: Option<Result<Value, TransformError>>,
    }
    let mut states: Vec<State> = inputs
        .iter()
        .map(|i| State {
            at: 0,
            value: i.value.clone(),
            done: None,
        })
        .collect();
    loop {
        let mut waiting = Vec::new();
        for (index, (input, state)) in inputs.iter().zip(states.iter_mut()).enumerate() {
            if state.done.is_some() {
                continue;
            }
            let steps = &input.pipeline.steps;
            while state.at < steps.len() && !steps[state.at].is_custom() {
                match steps[state.at].apply_local(&state.value) {
                    Ok(v) => state.value = v,
                    Err(e) => {
                        state.done = Some(Err(e));
                        break;
                    }
                }
                state.at += 1;
            }
            if state.done.is_none() {
                if state.at == steps.len() {
                    state.done = Some(Ok(std::mem::take(&mut state.value)));
                } else {
                    waiting.push(index);
                }
            }
        }
        if waiting.is_empty() {
            break;
        }
        let calls: Vec<TransformCall> = waiting
            .iter()
            .map(|&i| {
                let name = match &inputs[i].pipeline.steps[states[i].at] {
                    Step::Custom(name) => name.clone(),
                    other => format!("{other:?}"),
                };
                TransformCall {
                    name,
                    value: states[i].value.clone(),
                    context: inputs[i].context.clone(),
                }
            })
            .collect();
        let results = custom.transform_batch(&calls);
        if results.len() != calls.len() {
            for (&i, call) in waiting.iter().zip(&calls) {
                states[i].done = Some(Err(TransformError::new(
                    call.name.clone(),
                    format!(
                        "the transformer returned {} results for {} values",
                        results.len(),
                        calls.len()
                    ),
                )));
            }
            continue;
        }
        for ((&i, call), result) in waiting.iter().zip(&calls).zip(results) {
            match result {
                Ok(v) => {
                    states[i].value = v;
                    states[i].at += 1;
                }
                Err(e) => {
                    states[i].done = Some(Err(TransformError {
                        transform: call.name.clone(),
                        message: e.to_string(),
                        plugin_error: Some(e),
                    }))
                }
            }
        }
    }
    states
        .into_iter()
        .map(|s| s.done.unwrap_or(Ok(Value::Null)))
        .collect()
}

/// The pipelines of every mapping of one sync in both directions, built once per run.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncPipelines {
    to_target: Vec<Result<FieldPipeline, TransformError>>,
    to_source: Vec<Result<FieldPipeline, TransformError>>,
}

impl SyncPipelines {
    pub fn for_sync(sync: &SyncConfig) -> SyncPipelines {
        let build = |way| {
            (0..sync.field_mappings.len())
                .map(|i| FieldPipeline::for_mapping(sync, i, way))
                .collect()
        };
        SyncPipelines {
            to_target: build(Way::ToTarget),
            to_source: build(Way::ToSource),
        }
    }

    /// The pipeline of mapping `mapping` in direction `way`, or why there is none.
    pub fn get(&self, mapping: usize, way: Way) -> Result<&FieldPipeline, TransformError> {
        let all = match way {
            Way::ToTarget => &self.to_target,
            Way::ToSource => &self.to_source,
        };
        match all.get(mapping) {
            Some(Ok(p)) => Ok(p),
            Some(Err(e)) => Err(e.clone()),
            None => Err(TransformError::new(
                "pipeline",
                format!("there is no field mapping #{mapping}"),
            )),
        }
    }

    /// Converts many values at once: `(mapping index, way, value, item key)` each, with
    /// plugin steps batched as in [`run_batch`]. One result per request, in order.
    pub fn run(
        &self,
        requests: &[(usize, Way, &Value, &str)],
        custom: &dyn CustomTransforms,
    ) -> Vec<Result<Value, TransformError>> {
        let mut results: Vec<Option<Result<Value, TransformError>>> = vec![None; requests.len()];
        let mut inputs = Vec::new();
        let mut positions = Vec::new();
        for (i, (mapping, way, value, key)) in requests.iter().enumerate() {
            match self.get(*mapping, *way) {
                Ok(pipeline) => {
                    inputs.push(PipelineInput {
                        pipeline,
                        value: (*value).clone(),
                        context: pipeline.context(key),
                    });
                    positions.push(i);
                }
                Err(e) => results[i] = Some(Err(e)),
            }
        }
        for (i, result) in positions.into_iter().zip(run_batch(&inputs, custom)) {
            results[i] = Some(result);
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or(Ok(Value::Null)))
            .collect()
    }
}
