//! Building sync configs in tests without YAML.

use pmsync_core::config::{
    Direction, FieldMapping, FieldType, Filters, OnDelete, Strategy, SyncConfig,
};

/// A bidirectional text mapping `source_field → target_field`.
pub fn text_mapping(source_field: &str, target_field: &str) -> FieldMapping {
    FieldMapping {
        source_field: source_field.to_string(),
        target_field: target_field.to_string(),
        source_type: FieldType::String,
        target_type: FieldType::String,
        bidirectional: true,
        required: false,
        default_value: None,
        transform: None,
        reverse_transform: None,
        value_map: None,
        map_users: false,
        conflict_strategy: None,
        resolver: None,
    }
}

/// A bidirectional sync with the config file's defaults (batch 50, retries on, 3 retries,
/// audit on), `last_write_wins`, and text mappings of the given field pairs.
pub fn sync_config(
    name: &str,
    source_platform: &str,
    target_platform: &str,
    fields: &[(&str, &str)],
) -> SyncConfig {
    SyncConfig {
        name: name.to_string(),
        source_platform: source_platform.to_string(),
        target_platform: target_platform.to_string(),
        direction: Direction::Bidirectional,
        conflict_strategy: Strategy::LastWriteWins,
        resolver: None,
        batch_size: 50,
        max_pages: 5_000,
        max_items: 250_000,
        sync_interval: 300,
        enable_retry: true,
        max_retries: 3,
        retry_delay: 5.0,
        enable_audit: true,
        audit_retention_days: None,
        concurrency: 4,
        max_wait: 600,
        field_mappings: fields.iter().map(|(s, t)| text_mapping(s, t)).collect(),
        filters: Filters::default(),
        value_maps: Default::default(),
        user_map: Default::default(),
        on_delete: OnDelete::Ignore,
        create_fields: Default::default(),
        link_existing: Default::default(),
    }
}
