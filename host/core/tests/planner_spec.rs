//! Specification tests of the planner: the three-way merge, the five strategies, echo
//! suppression, directions, and convergence of a chain of syncs.

use chrono::{DateTime, TimeZone, Utc};
use pmsync_core::config::{Direction, FieldMapping, FieldType, OnDelete, Strategy, SyncConfig};
use pmsync_core::plan::{Base, Candidate, ConflictOutcome, Link, Plan};
use pmsync_core::planner::{self, Conversion, Converter, Way};
use pmsync_core::plugins::{CustomResolvers, NoCustomResolvers, Resolution, ResolveCall};
use pmsync_core::{Item, ItemError, Side, Value};
use std::cell::RefCell;
use std::collections::BTreeMap;

/// Identity conversions, except that the `title` mapping upper-cases toward the target and
/// lower-cases back, so tests can see that values went through the pipeline.
struct CaseConverter;

impl Converter for CaseConverter {
    fn convert(&self, batch: &[Conversion<'_>]) -> Vec<Result<Value, String>> {
        batch
            .iter()
            .map(|c| match (c.mapping, c.value, c.way) {
                (0, Value::Text(t), Way::ToTarget) => Ok(Value::Text(t.to_uppercase())),
                (0, Value::Text(t), Way::ToSource) => Ok(Value::Text(t.to_lowercase())),
                (_, Value::Text(t), _) if t == "poison" => {
                    Err(format!("transform refuses {:?}", t))
                }
                (_, v, _) => Ok(v.clone()),
            })
            .collect()
    }
}

fn mapping(source: &str, target: &str) -> FieldMapping {
    FieldMapping {
        source_field: source.into(),
        target_field: target.into(),
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

fn sync(strategy: Strategy) -> SyncConfig {
    SyncConfig {
        name: "spec".into(),
        source_platform: "jira".into(),
        target_platform: "github".into(),
        direction: Direction::Bidirectional,
        conflict_strategy: strategy,
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
        field_mappings: vec![
            mapping("summary", "title"),
            mapping("status", "state"),
            mapping("points", "estimate"),
        ],
        filters: Default::default(),
        value_maps: Default::default(),
        user_map: Default::default(),
        on_delete: OnDelete::Ignore,
        create_fields: Default::default(),
        link_existing: Default::default(),
    }
}

fn at(minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 1, 12, minute, 0).unwrap()
}

fn item(id: &str, minute: u32, fields: &[(&str, Value)]) -> Item {
    Item {
        id: id.into(),
        key: id.into(),
        url: format!("https://example.test/{id}"),
        updated_at: at(minute),
        fields: fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    }
}

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

/// A linked pair whose base is what both sides hold now: "fix login" / "FIX LOGIN", open, 3.
fn synced_pair() -> (Link, Item, Item) {
    let source = item(
        "PROJ-1",
        0,
        &[
            ("summary", text("fix login")),
            ("status", text("open")),
            ("points", Value::Integer(3)),
        ],
    );
    let target = item(
        "#1",
        0,
        &[
            ("title", text("FIX LOGIN")),
            ("state", text("open")),
            ("estimate", Value::Integer(3)),
        ],
    );
    let base = Base {
        source: source.fields.clone(),
        target: target.fields.clone(),
        held: Default::default(),
    };
    let link = Link {
        source_id: source.id.clone(),
        target_id: target.id.clone(),
        source_key: source.key.clone(),
        target_key: target.key.clone(),
        base,
    };
    (link, source, target)
}

fn plan_pair(
    sync: &SyncConfig,
    link: &Link,
    source: Item,
    target: Item,
    resolvers: &dyn CustomResolvers,
) -> Plan {
    let candidates = vec![Candidate::Linked {
        link: link.clone(),
        source: Some(source),
        target: Some(target),
    }];
    planner::plan(sync, &candidates, &CaseConverter, resolvers)
}

fn set(item: &mut Item, field: &str, value: Value, minute: u32) {
    item.fields.insert(field.into(), value);
    item.updated_at = at(minute);
}

#[test]
fn an_unlinked_source_item_is_created_on_the_target_with_converted_fields() {
    let source = item(
        "PROJ-9",
        1,
        &[("summary", text("new thing")), ("status", text("open"))],
    );
    let plan = planner::plan(
        &sync(Strategy::LastWriteWins),
        &[Candidate::Unlinked {
            side: Side::Source,
            item: source,
        }],
        &CaseConverter,
        &NoCustomResolvers,
    );
    assert_eq!(plan.creates.len(), 1);
    let create = &plan.creates[0];
    assert_eq!(create.from, Side::Source);
    assert!(create.fields.contains(&("title".into(), text("NEW THING"))));
    assert!(create.fields.contains(&("state".into(), text("open"))));
    assert_eq!(create.origin, "pmsync:spec:source:PROJ-9");
    assert_eq!(create.base.source.get("summary"), Some(&text("new thing")));
}

#[test]
fn items_a_sync_creates_carry_its_create_fields_for_that_side_unless_a_mapping_gives_them() {
    let mut config = sync(Strategy::LastWriteWins);
    config
        .create_fields
        .source
        .insert("issuetype".into(), "Story".into());
    config
        .create_fields
        .source
        .insert("summary".into(), "never used: mapped".into());
    config
        .create_fields
        .target
        .insert("milestone".into(), "v2".into());
    let plan = planner::plan(
        &config,
        &[
            Candidate::Unlinked {
                side: Side::Target,
                item: item(
                    "#7",
                    1,
                    &[("title", text("FROM GITHUB")), ("state", text("open"))],
                ),
            },
            Candidate::Unlinked {
                side: Side::Source,
                item: item("PROJ-7", 1, &[("summary", text("from jira"))]),
            },
        ],
        &CaseConverter,
        &NoCustomResolvers,
    );
    let into_source = plan
        .creates
        .iter()
        .find(|c| c.from == Side::Target)
        .expect("a create in the source");
    assert!(
        into_source
            .fields
            .contains(&("issuetype".into(), text("Story")))
    );
    assert!(
        !into_source
            .fields
            .iter()
            .any(|(_, v)| v == &text("never used: mapped")),
        "the mapped summary wins: {:?}",
        into_source.fields
    );
    assert!(!into_source.fields.iter().any(|(f, _)| f == "milestone"));
    let into_target = plan
        .creates
        .iter()
        .find(|c| c.from == Side::Source)
        .expect("a create in the target");
    assert!(
        into_target
            .fields
            .contains(&("milestone".into(), text("v2")))
    );
    assert!(!into_target.fields.iter().any(|(f, _)| f == "issuetype"));
}

#[test]
fn nothing_changed_means_nothing_planned() {
    let (link, source, target) = synced_pair();
    let plan = plan_pair(
        &sync(Strategy::LastWriteWins),
        &link,
        source,
        target,
        &NoCustomResolvers,
    );
    assert!(plan.updates.is_empty());
    assert_eq!(plan.write_count(), 0);
}

#[test]
fn edits_to_different_fields_on_the_two_sides_merge_without_conflict() {
    let (link, mut source, mut target) = synced_pair();
    set(&mut source, "summary", text("fix login page"), 5);
    set(&mut target, "state", text("closed"), 6);
    let plan = plan_pair(
        &sync(Strategy::Manual),
        &link,
        source,
        target,
        &NoCustomResolvers,
    );
    let update = &plan.updates[0];
    assert!(update.conflicts.is_empty());
    assert_eq!(update.to_target.len(), 1);
    assert_eq!(update.to_target[0].field, "title");
    assert_eq!(update.to_target[0].new, text("FIX LOGIN PAGE"));
    assert_eq!(update.to_source.len(), 1);
    assert_eq!(update.to_source[0].field, "status");
    assert_eq!(update.to_source[0].old, text("open"));
    assert_eq!(update.to_source[0].new, text("closed"));
}

fn conflicting_status(
    strategy: Strategy,
    source_minute: u32,
    target_minute: u32,
    resolvers: &dyn CustomResolvers,
) -> Plan {
    let (link, mut source, mut target) = synced_pair();
    set(&mut source, "status", text("in progress"), source_minute);
    set(&mut source, "points", Value::Integer(5), source_minute);
    set(&mut target, "state", text("closed"), target_minute);
    plan_pair(&sync(strategy), &link, source, target, resolvers)
}

#[test]
fn same_field_edits_conflict_and_last_write_wins_takes_the_later_edit() {
    let plan = conflicting_status(Strategy::LastWriteWins, 5, 7, &NoCustomResolvers);
    let update = &plan.updates[0];
    assert_eq!(update.conflicts.len(), 1);
    assert_eq!(
        update.conflicts[0].outcome,
        ConflictOutcome::Won(Side::Target)
    );
    assert!(
        update
            .to_source
            .iter()
            .any(|c| c.field == "status" && c.new == text("closed"))
    );
    // The unrelated points edit still flows.
    assert!(
        update
            .to_target
            .iter()
            .any(|c| c.field == "estimate" && c.new == Value::Integer(5))
    );

    let plan = conflicting_status(Strategy::LastWriteWins, 8, 7, &NoCustomResolvers);
    assert_eq!(
        plan.updates[0].conflicts[0].outcome,
        ConflictOutcome::Won(Side::Source)
    );
    assert!(
        plan.updates[0]
            .to_target
            .iter()
            .any(|c| c.field == "state" && c.new == text("in progress"))
    );
}

#[test]
fn last_write_wins_breaks_an_exact_tie_toward_the_source_every_time() {
    for _ in 0..3 {
        let plan = conflicting_status(Strategy::LastWriteWins, 7, 7, &NoCustomResolvers);
        assert_eq!(
            plan.updates[0].conflicts[0].outcome,
            ConflictOutcome::Won(Side::Source)
        );
    }
}

#[test]
fn source_wins_writes_the_source_value_even_when_the_target_edit_is_later() {
    let plan = conflicting_status(Strategy::SourceWins, 5, 9, &NoCustomResolvers);
    let update = &plan.updates[0];
    assert_eq!(
        update.conflicts[0].outcome,
        ConflictOutcome::Won(Side::Source)
    );
    assert!(
        update
            .to_target
            .iter()
            .any(|c| c.field == "state" && c.new == text("in progress"))
    );
    assert!(update.to_source.is_empty());
}

#[test]
fn target_wins_writes_the_target_value_even_when_the_source_edit_is_later() {
    let plan = conflicting_status(Strategy::TargetWins, 9, 5, &NoCustomResolvers);
    let update = &plan.updates[0];
    assert_eq!(
        update.conflicts[0].outcome,
        ConflictOutcome::Won(Side::Target)
    );
    assert!(
        update
            .to_source
            .iter()
            .any(|c| c.field == "status" && c.new == text("closed"))
    );
    assert!(!update.to_target.iter().any(|c| c.field == "state"));
}

#[test]
fn manual_records_the_conflict_leaves_the_field_alone_and_syncs_the_rest() {
    let plan = conflicting_status(Strategy::Manual, 5, 7, &NoCustomResolvers);
    let update = &plan.updates[0];
    assert!(matches!(
        update.conflicts[0].outcome,
        ConflictOutcome::Manual(_)
    ));
    assert!(!update.to_target.iter().any(|c| c.field == "state"));
    assert!(!update.to_source.iter().any(|c| c.field == "status"));
    assert!(update.to_target.iter().any(|c| c.field == "estimate"));
    // The base of the conflicting field stays where it was, so it is still a conflict next run.
    assert_eq!(update.new_base.source.get("status"), Some(&text("open")));
    assert_eq!(update.new_base.target.get("state"), Some(&text("open")));
}

/// Merges two statuses into "source / target", records what it was asked.
struct JoiningResolver {
    seen: RefCell<Vec<ResolveCall>>,
}

impl CustomResolvers for JoiningResolver {
    fn has(&self, name: &str) -> bool {
        name == "joiner"
    }
    fn resolve_batch(&self, calls: &[ResolveCall]) -> Vec<Result<Vec<Resolution>, ItemError>> {
        self.seen.borrow_mut().extend(calls.iter().cloned());
        calls
            .iter()
            .map(|call| {
                Ok(call
                    .conflicts
                    .iter()
                    .map(|c| match (&c.source, &c.target) {
                        (Value::Text(s), Value::Text(t)) => {
                            Resolution::Merged(Value::Text(format!("{s} / {t}")))
                        }
                        _ => Resolution::Defer("not text".into()),
                    })
                    .collect())
            })
            .collect()
    }
}

#[test]
fn custom_strategy_asks_the_resolver_and_writes_its_merged_value_to_both_sides() {
    let (link, mut source, mut target) = synced_pair();
    set(&mut source, "status", text("in progress"), 5);
    set(&mut target, "state", text("closed"), 7);
    let mut config = sync(Strategy::Custom);
    config.resolver = Some("joiner".into());
    let resolver = JoiningResolver {
        seen: RefCell::new(Vec::new()),
    };
    let plan = plan_pair(&config, &link, source, target, &resolver);
    let update = &plan.updates[0];
    assert_eq!(resolver.seen.borrow().len(), 1, "one request for the pair");
    assert_eq!(
        resolver.seen.borrow()[0].conflicts[0].base,
        Some(text("open"))
    );
    assert_eq!(
        update.conflicts[0].outcome,
        ConflictOutcome::Merged(text("in progress / closed"))
    );
    assert!(
        update
            .to_target
            .iter()
            .any(|c| c.field == "state" && c.new == text("in progress / closed"))
    );
    assert!(
        update
            .to_source
            .iter()
            .any(|c| c.field == "status" && c.new == text("in progress / closed"))
    );
}

/// Answers every conflict with `merged(integer 42)`, whatever the field's type.
struct WrongTypeResolver;

impl CustomResolvers for WrongTypeResolver {
    fn has(&self, name: &str) -> bool {
        name == "wrong_type"
    }
    fn resolve_batch(&self, calls: &[ResolveCall]) -> Vec<Result<Vec<Resolution>, ItemError>> {
        calls
            .iter()
            .map(|call| {
                Ok(call
                    .conflicts
                    .iter()
                    .map(|_| Resolution::Merged(Value::Integer(42)))
                    .collect())
            })
            .collect()
    }
}

#[test]
fn a_merged_value_of_another_type_than_the_field_fails_the_item_naming_the_resolver() {
    let (link, mut source, mut target) = synced_pair();
    set(&mut source, "status", text("in progress"), 5);
    set(&mut target, "state", text("closed"), 7);
    let mut config = sync(Strategy::Custom);
    config.resolver = Some("wrong_type".into());
    let plan = plan_pair(&config, &link, source, target, &WrongTypeResolver);
    assert_eq!(plan.failures.len(), 1, "{plan:?}");
    let message = &plan.failures[0].message;
    assert!(
        message.contains("resolver `wrong_type` merged 42"),
        "{message}"
    );
    assert!(message.contains("declared string"), "{message}");
    assert!(
        plan.updates.iter().all(|u| !u.has_writes()),
        "nothing is written for the item"
    );
}

#[test]
fn custom_strategy_without_the_resolver_plugin_fails_only_that_item() {
    let (link, mut source, mut target) = synced_pair();
    set(&mut source, "status", text("in progress"), 5);
    set(&mut target, "state", text("closed"), 7);
    let mut config = sync(Strategy::Custom);
    config.resolver = Some("missing".into());
    let (other_link, mut other_source, other_target) = {
        let (mut l, s, mut t) = synced_pair();
        l.source_id = "PROJ-2".into();
        l.target_id = "#2".into();
        t.id = "#2".into();
        (l, s, t)
    };
    set(&mut other_source, "points", Value::Integer(8), 4);
    let candidates = vec![
        Candidate::Linked {
            link,
            source: Some(source),
            target: Some(target),
        },
        Candidate::Linked {
            link: other_link,
            source: Some(other_source),
            target: Some(other_target),
        },
    ];
    let plan = planner::plan(&config, &candidates, &CaseConverter, &NoCustomResolvers);
    assert_eq!(plan.failures.len(), 1);
    assert!(
        plan.failures[0].message.contains("missing"),
        "{}",
        plan.failures[0].message
    );
    assert_eq!(plan.updates.len(), 1);
    assert!(
        plan.updates[0]
            .to_target
            .iter()
            .any(|c| c.field == "estimate")
    );
}

#[test]
fn a_per_field_strategy_overrides_the_sync_strategy() {
    let (link, mut source, mut target) = synced_pair();
    set(&mut source, "status", text("in progress"), 9);
    set(&mut target, "state", text("closed"), 5);
    let mut config = sync(Strategy::LastWriteWins);
    config.field_mappings[1].conflict_strategy = Some(Strategy::TargetWins);
    let plan = plan_pair(&config, &link, source, target, &NoCustomResolvers);
    assert_eq!(plan.updates[0].conflicts[0].strategy, Strategy::TargetWins);
    assert_eq!(
        plan.updates[0].conflicts[0].outcome,
        ConflictOutcome::Won(Side::Target)
    );
}

#[test]
fn both_sides_changing_to_equivalent_values_only_moves_the_base() {
    let (link, mut source, mut target) = synced_pair();
    set(&mut source, "summary", text("new title"), 5);
    set(&mut target, "title", text("NEW TITLE"), 6);
    let plan = plan_pair(
        &sync(Strategy::Manual),
        &link,
        source,
        target,
        &NoCustomResolvers,
    );
    let update = &plan.updates[0];
    assert!(update.conflicts.is_empty());
    assert!(!update.has_writes());
    assert_eq!(
        update.new_base.target.get("title"),
        Some(&text("NEW TITLE"))
    );
}

#[test]
fn source_to_target_direction_never_writes_to_the_source() {
    let (link, mut source, mut target) = synced_pair();
    set(&mut source, "status", text("in progress"), 5);
    set(&mut target, "state", text("closed"), 9);
    set(&mut target, "estimate", Value::Integer(13), 9);
    let mut config = sync(Strategy::LastWriteWins);
    config.direction = Direction::SourceToTarget;
    let plan = plan_pair(&config, &link, source, target, &NoCustomResolvers);
    let update = &plan.updates[0];
    assert!(update.to_source.is_empty());
    assert!(
        update.conflicts.is_empty(),
        "one-way syncs have no conflicts: the source is authoritative"
    );
    assert!(
        update
            .to_target
            .iter()
            .any(|c| c.field == "state" && c.new == text("in progress"))
    );
}

#[test]
fn a_mapping_marked_not_bidirectional_does_not_flow_back() {
    let (link, source, mut target) = synced_pair();
    set(&mut target, "estimate", Value::Integer(13), 9);
    let mut config = sync(Strategy::LastWriteWins);
    config.field_mappings[2].bidirectional = false;
    let plan = plan_pair(&config, &link, source, target, &NoCustomResolvers);
    assert!(plan.updates.iter().all(|u| u.to_source.is_empty()));
}

#[test]
fn target_only_items_are_not_created_on_the_source_in_a_source_to_target_sync() {
    let mut config = sync(Strategy::LastWriteWins);
    config.direction = Direction::SourceToTarget;
    let target = item("#5", 1, &[("title", text("GH ONLY"))]);
    let plan = planner::plan(
        &config,
        &[Candidate::Unlinked {
            side: Side::Target,
            item: target,
        }],
        &CaseConverter,
        &NoCustomResolvers,
    );
    assert!(plan.creates.is_empty());
    assert_eq!(plan.skips.len(), 1);
}

#[test]
fn a_failing_conversion_fails_only_its_item() {
    let good = item("PROJ-1", 1, &[("summary", text("fine"))]);
    let bad = item(
        "PROJ-2",
        1,
        &[("summary", text("ok")), ("status", text("poison"))],
    );
    let plan = planner::plan(
        &sync(Strategy::LastWriteWins),
        &[
            Candidate::Unlinked {
                side: Side::Source,
                item: good,
            },
            Candidate::Unlinked {
                side: Side::Source,
                item: bad,
            },
        ],
        &CaseConverter,
        &NoCustomResolvers,
    );
    assert_eq!(plan.creates.len(), 1);
    assert_eq!(plan.failures.len(), 1);
    assert_eq!(plan.failures[0].key, "PROJ-2");
    assert!(
        plan.failures[0].message.contains("status → state"),
        "{}",
        plan.failures[0].message
    );
    assert!(plan.failures[0].message.contains("poison"));
}

#[test]
fn a_deleted_item_is_skipped_or_unlinked_as_on_delete_says() {
    let (link, source, _) = synced_pair();
    let candidates = vec![Candidate::Linked {
        link: link.clone(),
        source: Some(source),
        target: None,
    }];
    let mut config = sync(Strategy::LastWriteWins);
    let plan = planner::plan(&config, &candidates, &CaseConverter, &NoCustomResolvers);
    assert_eq!(plan.skips.len(), 1);
    assert!(plan.unlinks.is_empty());
    config.on_delete = OnDelete::Unlink;
    let plan = planner::plan(&config, &candidates, &CaseConverter, &NoCustomResolvers);
    assert_eq!(plan.unlinks, vec![link]);
}

// ---- Convergence: a tiny in-memory "executor" over platforms that normalise writes. ----

/// A platform whose writes bump updated_at and trim text (as real platforms normalise).
#[derive(Default)]
struct Platform {
    items: BTreeMap<String, Item>,
    clock: u32,
    writes: usize,
}

impl Platform {
    fn write(&mut self, id: &str, fields: &[(String, Value)]) -> Item {
        self.clock += 1;
        self.writes += 1;
        let clock = self.clock;
        let entry = self
            .items
            .entry(id.to_string())
            .or_insert_with(|| item(id, 0, &[]));
        for (k, v) in fields {
            let v = match v {
                Value::Text(t) => Value::Text(t.trim().to_string()),
                other => other.clone(),
            };
            entry.fields.insert(k.clone(), v);
        }
        entry.updated_at = at(clock % 60);
        entry.clone()
    }
}

struct Runner {
    config: SyncConfig,
    links: Vec<Link>,
}

impl Runner {
    fn run(&mut self, source: &mut Platform, target: &mut Platform) -> usize {
        let mut candidates = Vec::new();
        for item in source.items.values() {
            match self.links.iter().find(|l| l.source_id == item.id) {
                Some(link) => candidates.push(Candidate::Linked {
                    link: link.clone(),
                    source: Some(item.clone()),
                    target: target.items.get(&link.target_id).cloned(),
                }),
                None => candidates.push(Candidate::Unlinked {
                    side: Side::Source,
                    item: item.clone(),
                }),
            }
        }
        for item in target.items.values() {
            if !self.links.iter().any(|l| l.target_id == item.id) {
                candidates.push(Candidate::Unlinked {
                    side: Side::Target,
                    item: item.clone(),
                });
            }
        }
        let plan = planner::plan(&self.config, &candidates, &Identity, &NoCustomResolvers);
        assert!(plan.failures.is_empty(), "{:?}", plan.failures);
        let writes = plan.write_count();
        for create in plan.creates {
            let (to, from_item) = match create.from {
                Side::Source => (&mut *target, &create.item),
                Side::Target => (&mut *source, &create.item),
            };
            let new_id = format!("{}-copy", from_item.id);
            let created = to.write(&new_id, &create.fields);
            let mut base = create.base.clone();
            let (source_id, target_id) = match create.from {
                Side::Source => {
                    base.target = created.fields.clone();
                    (from_item.id.clone(), created.id.clone())
                }
                Side::Target => {
                    base.source = created.fields.clone();
                    (created.id.clone(), from_item.id.clone())
                }
            };
            self.links.push(Link {
                source_key: source_id.clone(),
                target_key: target_id.clone(),
                source_id,
                target_id,
                base,
            });
        }
        for update in plan.updates {
            let mut base = update.new_base.clone();
            if !update.to_target.is_empty() {
                let fields: Vec<_> = update
                    .to_target
                    .iter()
                    .map(|c| (c.field.clone(), c.new.clone()))
                    .collect();
                let written = target.write(&update.link.target_id, &fields);
                for c in &update.to_target {
                    base.target
                        .insert(c.field.clone(), written.field(&c.field).clone());
                }
            }
            if !update.to_source.is_empty() {
                let fields: Vec<_> = update
                    .to_source
                    .iter()
                    .map(|c| (c.field.clone(), c.new.clone()))
                    .collect();
                let written = source.write(&update.link.source_id, &fields);
                for c in &update.to_source {
                    base.source
                        .insert(c.field.clone(), written.field(&c.field).clone());
                }
            }
            let link = self
                .links
                .iter_mut()
                .find(|l| l.source_id == update.link.source_id)
                .unwrap();
            link.base = base;
        }
        writes
    }
}

struct Identity;

impl Converter for Identity {
    fn convert(&self, batch: &[Conversion<'_>]) -> Vec<Result<Value, String>> {
        batch.iter().map(|c| Ok(c.value.clone())).collect()
    }
}

fn chain_sync(name: &str) -> SyncConfig {
    let mut config = sync(Strategy::LastWriteWins);
    config.name = name.into();
    config.field_mappings = vec![mapping("title", "title"), mapping("state", "state")];
    config
}

#[test]
fn echo_of_own_write_is_not_a_change_even_when_the_platform_normalises_it() {
    let mut a = Platform::default();
    let mut b = Platform::default();
    a.write(
        "A1",
        &[
            ("title".into(), text("  padded title  ")),
            ("state".into(), text("open")),
        ],
    );
    let mut sync_ab = Runner {
        config: chain_sync("ab"),
        links: Vec::new(),
    };
    assert_eq!(sync_ab.run(&mut a, &mut b), 1, "first run creates");
    // B normalised the title on write; the next run sees our own write, not a change.
    assert_eq!(sync_ab.run(&mut a, &mut b), 0);
    assert_eq!(sync_ab.run(&mut a, &mut b), 0);
}

#[test]
fn an_a_b_c_chain_converges_with_no_loop() {
    let (mut a, mut b, mut c) = (
        Platform::default(),
        Platform::default(),
        Platform::default(),
    );
    a.write(
        "A1",
        &[
            ("title".into(), text("first")),
            ("state".into(), text("open")),
        ],
    );
    let mut ab = Runner {
        config: chain_sync("ab"),
        links: Vec::new(),
    };
    let mut bc = Runner {
        config: chain_sync("bc"),
        links: Vec::new(),
    };
    // Initial propagation, then an edit at each end.
    for round in 0..3 {
        ab.run(&mut a, &mut b);
        bc.run(&mut b, &mut c);
        if round == 0 {
            a.write("A1", &[("title".into(), text("edited in A"))]);
        }
        if round == 1 {
            let id = c.items.keys().next().unwrap().clone();
            c.write(&id, &[("state".into(), text("closed"))]);
        }
    }
    let mut quiet_rounds = 0;
    for _ in 0..10 {
        let writes = ab.run(&mut a, &mut b) + bc.run(&mut b, &mut c);
        if writes == 0 {
            quiet_rounds += 1;
        }
    }
    assert!(
        quiet_rounds >= 9,
        "the chain kept writing: {quiet_rounds} quiet rounds of 10"
    );
    for platform in [&a, &b, &c] {
        assert_eq!(platform.items.len(), 1, "no duplicates");
        let only = platform.items.values().next().unwrap();
        assert_eq!(only.field("title"), &text("edited in A"));
        assert_eq!(only.field("state"), &text("closed"));
    }
}

// ---- With the real field pipelines. ----

use pmsync_core::planner::PipelineConverter;
use pmsync_core::plugins::NoCustomTransforms;

fn pipeline_sync() -> SyncConfig {
    let mut config = sync(Strategy::LastWriteWins);
    let mut summary = mapping("summary", "title");
    summary.required = true;
    let mut points = mapping("points", "estimate");
    points.source_type = FieldType::Number;
    points.target_type = FieldType::String;
    let mut status = mapping("status", "state");
    status.default_value = Some(serde_json::json!("open"));
    config.field_mappings = vec![summary, status, points];
    config
}

#[test]
fn a_required_field_with_no_value_and_no_default_fails_only_its_item() {
    let config = pipeline_sync();
    let converter = PipelineConverter::new(&config, &NoCustomTransforms);
    let good = item(
        "PROJ-1",
        1,
        &[
            ("summary", text("has a title")),
            ("points", Value::Integer(5)),
        ],
    );
    let bad = item("PROJ-2", 1, &[("points", Value::Integer(3))]);
    let plan = planner::plan(
        &config,
        &[
            Candidate::Unlinked {
                side: Side::Source,
                item: good,
            },
            Candidate::Unlinked {
                side: Side::Source,
                item: bad,
            },
        ],
        &converter,
        &NoCustomResolvers,
    );
    assert_eq!(plan.creates.len(), 1, "the good item is still created");
    assert_eq!(plan.failures.len(), 1);
    assert_eq!(plan.failures[0].key, "PROJ-2");
    assert!(
        plan.failures[0].message.contains("summary"),
        "{}",
        plan.failures[0].message
    );
    let created = &plan.creates[0].fields;
    assert!(
        created.contains(&("estimate".into(), text("5"))),
        "number converted to the declared string type: {created:?}"
    );
    assert!(
        created.contains(&("state".into(), text("open"))),
        "missing status takes the default: {created:?}"
    );
}

#[test]
fn a_target_edit_travels_back_through_the_inverse_conversion() {
    let config = pipeline_sync();
    let converter = PipelineConverter::new(&config, &NoCustomTransforms);
    let (mut link, source, mut target) = synced_pair();
    link.base.target.insert("estimate".into(), text("3"));
    target.fields.insert("estimate".into(), text("3"));
    set(&mut target, "estimate", text("8"), 9);
    let plan = planner::plan(
        &config,
        &[Candidate::Linked {
            link,
            source: Some(source),
            target: Some(target),
        }],
        &converter,
        &NoCustomResolvers,
    );
    let update = &plan.updates[0];
    assert!(
        update
            .to_source
            .iter()
            .any(|c| c.field == "points" && c.new.equivalent(&Value::Integer(8))),
        "{:?}",
        update.to_source
    );
}
