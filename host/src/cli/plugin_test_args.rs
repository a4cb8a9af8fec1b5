//! The arguments of `plugins test NAME`: run one resolver or transformer plugin on one
//! input given on the command line.

use super::args::{JsonOpt, PluginOpts};
use clap::Args;

pub const PLUGINS_TEST_HELP: &str = "Examples:
  pmsync-host plugins test workflow-resolver --conflict '{\"field\": \"status\", \"source\": \"Done\", \"target\": \"In Progress\"}'
  pmsync-host plugins test workflow-resolver --settings '{\"otherwise\": \"newer\"}' \\
      --conflict '{\"field\": \"summary\", \"source\": \"a\", \"target\": \"b\",
                   \"source_item\": {\"updated_at\": \"2024-05-01T10:00:00Z\"},
                   \"target_item\": {\"updated_at\": \"2024-05-01T12:00:00Z\"}}'
  pmsync-host plugins test priority-resolver --conflict @conflict.json --json
  pmsync-host plugins test example-transforms --transform jira_priority_to_number --value '\"High\"'

A conflict is a JSON object: `field`, `source`, `target` (values in the target side's form),
optionally `base` (the value both sides agreed on at the last sync) and `source_item` /
`target_item` (`id`, `key`, `url`, `updated_at` RFC 3339, `fields` {name: value}). Values are
plain JSON (strings are text, lists of strings text lists), or typed:
{\"type\": \"date\", \"value\": \"2024-05-01\"}. `@FILE` reads the JSON from a file.

Exit status: 0 the plugin answered, 1 the plugin failed the item (its error is printed),
2 bad input (bad JSON, no such plugin, wrong kind).";

/// `plugins test NAME (--conflict JSON | --value JSON) ...`.
#[derive(Debug, Args)]
pub struct PluginTestArgs {
    /// The plugin's name, as `plugins list` shows it (a resolver or a transformer).
    pub name: String,
    /// For a resolver: the conflict to decide (JSON, or @FILE).
    #[arg(long, value_name = "JSON", conflicts_with = "value")]
    pub conflict: Option<String>,
    /// For a transformer: the value to transform (JSON, or @FILE).
    #[arg(long, value_name = "JSON", required_unless_present = "conflict")]
    pub value: Option<String>,
    /// For a transformer: the transform to run (default: the plugin's only one).
    #[arg(long, value_name = "NAME", requires = "value")]
    pub transform: Option<String>,
    /// For a transformer: transform as on the way back (target to source): the context's
    /// platforms are swapped.
    #[arg(long, requires = "value")]
    pub reverse: bool,
    /// The plugin's settings, as `plugins.settings.NAME` in a config would give them (a
    /// JSON object; values that are not strings are passed as JSON text).
    #[arg(long, value_name = "JSON")]
    pub settings: Option<String>,
    #[command(flatten)]
    pub plugins: PluginOpts,
    #[command(flatten)]
    pub json: JsonOpt,
}
