//! An in-memory platform implementing [`Connector`]: items with fields, a clock that ticks
//! on every write, origin markers, failure injection, write normalisation, call counts.

use crate::connector::{
    Connector, ConnectorCapabilities, CreateRequest, Descriptor, ListRequest, Page, UpdateRequest,
};
use chrono::{DateTime, TimeZone, Utc};
use pmsync_core::{Item, ItemError, Value};
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// A connector operation, for failure injection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    List,
    Get,
    Create,
    Update,
    FindByOrigin,
}

/// An injected failure.
#[derive(Debug, Clone, PartialEq)]
pub enum FailureKind {
    /// A transient error; nothing happened.
    Transient,
    /// Rate limited with this retry-after; nothing happened.
    RateLimited(Duration),
    /// A permanent error; nothing happened.
    InvalidInput,
    /// The write happened, but the answer was lost (a timeout): a transient error.
    LostResponse,
}

/// How often each operation was called, and how many items were written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallCounts {
    pub list: usize,
    pub get: usize,
    pub create: usize,
    pub update: usize,
    pub find_by_origin: usize,
    /// Items actually created (a lost response still counts: the write happened).
    pub items_created: usize,
    /// Item updates actually applied.
    pub items_updated: usize,
}

impl CallCounts {
    /// Writes that reached the platform.
    pub fn writes(&self) -> usize {
        self.items_created + self.items_updated
    }
}

/// A normaliser that trims text, as many platforms do on write.
pub fn trim_text(value: &Value) -> Value {
    match value {
        Value::Text(t) => Value::Text(t.trim().to_string()),
        other => other.clone(),
    }
}

struct Stored {
    item: Item,
    origin: Option<String>,
}

struct State {
    items: BTreeMap<u64, Stored>,
    next: u64,
    clock: DateTime<Utc>,
    failures: Vec<(Op, u32, FailureKind)>,
    normalise: Option<fn(&Value) -> Value>,
    counts: CallCounts,
    lists: Vec<ListRequest>,
}

pub struct MemoryConnector {
    platform: String,
    key_prefix: String,
    state: Mutex<State>,
}

impl MemoryConnector {
    /// A platform named `platform`; item keys are `<key_prefix>-<n>`.
    pub fn new(platform: &str, key_prefix: &str) -> MemoryConnector {
        MemoryConnector {
            platform: platform.to_string(),
            key_prefix: key_prefix.to_string(),
            state: Mutex::new(State {
                items: BTreeMap::new(),
                next: 1,
                clock: Utc
                    .with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
                    .single()
                    .unwrap_or_default(),
                failures: Vec::new(),
                normalise: None,
                counts: CallCounts::default(),
                lists: Vec::new(),
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panicking test thread must not hide the state from the assertions that follow.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The platform's current time.
    pub fn now(&self) -> DateTime<Utc> {
        self.state().clock
    }

    /// Move the clock forward (e.g. to leave the watermark overlap behind).
    pub fn advance_clock(&self, by: Duration) {
        let mut s = self.state();
        s.clock += chrono::Duration::from_std(by).unwrap_or_default();
    }

    /// Make the next `count` per-item results of `op` fail with `kind` (a list call counts
    /// as one).
    pub fn fail_next(&self, op: Op, count: u32, kind: FailureKind) {
        self.state().failures.push((op, count, kind));
    }

    /// Disarm every injected failure that has not fired yet.
    pub fn clear_failures(&self) {
        self.state().failures.clear();
    }

    /// Normalise every value written through the connector (e.g. [`trim_text`]).
    pub fn normalise_writes(&self, f: fn(&Value) -> Value) {
        self.state().normalise = Some(f);
    }

    pub fn counts(&self) -> CallCounts {
        self.state().counts.clone()
    }

    pub fn reset_counts(&self) {
        self.state().counts = CallCounts::default();
    }

    /// The list requests received, in order.
    pub fn list_requests(&self) -> Vec<ListRequest> {
        self.state().lists.clone()
    }

    /// A person creates an item on the platform (not a connector call).
    pub fn insert(&self, fields: &[(&str, Value)]) -> Item {
        let mut s = self.state();
        let fields = fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        Self::add(&mut s, &self.key_prefix, fields, None)
    }

    /// A person edits an item (not a connector call).
    pub fn edit(&self, id: &str, field: &str, value: Value) -> Item {
        let mut s = self.state();
        let now = Self::tick(&mut s);
        let n: u64 = id.parse().unwrap_or(0);
        let stored = s
            .items
            .get_mut(&n)
            .unwrap_or_else(|| panic!("no item {id} on {}", self.platform));
        stored.item.fields.insert(field.to_string(), value);
        stored.item.updated_at = now;
        stored.item.clone()
    }

    /// A person deletes an item.
    pub fn remove(&self, id: &str) {
        let n: u64 = id.parse().unwrap_or(0);
        self.state().items.remove(&n);
    }

    pub fn item(&self, id: &str) -> Option<Item> {
        let n: u64 = id.parse().ok()?;
        self.state().items.get(&n).map(|s| s.item.clone())
    }

    pub fn items(&self) -> Vec<Item> {
        self.state()
            .items
            .values()
            .map(|s| s.item.clone())
            .collect()
    }

    pub fn len(&self) -> usize {
        self.state().items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The origin marker an item was created with.
    pub fn origin_of(&self, id: &str) -> Option<String> {
        let n: u64 = id.parse().ok()?;
        self.state().items.get(&n).and_then(|s| s.origin.clone())
    }

    fn tick(s: &mut State) -> DateTime<Utc> {
        s.clock += chrono::Duration::seconds(1);
        s.clock
    }

    fn add(
        s: &mut State,
        prefix: &str,
        fields: BTreeMap<String, Value>,
        origin: Option<String>,
    ) -> Item {
        let now = Self::tick(s);
        let n = s.next;
        s.next += 1;
        let item = Item {
            id: n.to_string(),
            key: format!("{prefix}-{n}"),
            url: format!("memory://{prefix}/{n}"),
            updated_at: now,
            fields,
        };
        s.items.insert(
            n,
            Stored {
                item: item.clone(),
                origin,
            },
        );
        item
    }

    /// Take one injected failure for `op`, if any is armed.
    fn injected(s: &mut State, op: Op) -> Option<FailureKind> {
        let slot = s.failures.iter_mut().find(|(o, n, _)| *o == op && *n > 0)?;
        slot.1 -= 1;
        let kind = slot.2.clone();
        s.failures.retain(|(_, n, _)| *n > 0);
        Some(kind)
    }

    fn error(kind: &FailureKind, what: &str) -> ItemError {
        match kind {
            FailureKind::Transient | FailureKind::LostResponse => {
                ItemError::Transient(format!("{what}: connection reset (injected)"))
            }
            FailureKind::RateLimited(after) => ItemError::RateLimited {
                retry_after: *after,
                message: format!("{what}: too many requests (injected)"),
            },
            FailureKind::InvalidInput => {
                ItemError::InvalidInput(format!("{what}: rejected by the platform (injected)"))
            }
        }
    }

    fn normalised(s: &State, fields: &[(String, Value)]) -> Vec<(String, Value)> {
        fields
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    s.normalise.map(|f| f(v)).unwrap_or_else(|| v.clone()),
                )
            })
            .collect()
    }
}

impl Connector for MemoryConnector {
    fn describe(&self) -> Result<Descriptor, ItemError> {
        Ok(Descriptor {
            platform: self.platform.clone(),
            fields: Vec::new(),
            capabilities: ConnectorCapabilities {
                incremental: true,
                webhooks: true,
                origin_markers: true,
            },
        })
    }

    fn list_changed(&self, request: &ListRequest) -> Result<Page, ItemError> {
        let mut s = self.state();
        s.counts.list += 1;
        s.lists.push(request.clone());
        if let Some(kind) = Self::injected(&mut s, Op::List) {
            return Err(Self::error(&kind, "list"));
        }
        let since = match &request.since {
            Some(text) => Some(
                DateTime::parse_from_rfc3339(text)
                    .map_err(|e| {
                        ItemError::InvalidInput(format!("since {text:?} is not RFC 3339: {e}"))
                    })?
                    .with_timezone(&Utc),
            ),
            None => None,
        };
        let offset: usize = match &request.cursor {
            Some(c) => c
                .parse()
                .map_err(|_| ItemError::InvalidInput(format!("unknown cursor {c:?}")))?,
            None => 0,
        };
        let f = &request.filter;
        let mut matching: Vec<Item> = s
            .items
            .values()
            .map(|st| &st.item)
            .filter(|i| since.is_none_or(|t| i.updated_at >= t))
            .filter(|i| {
                f.labels.is_empty()
                    || matches!(i.field("labels"), Value::TextList(l) if l.iter().any(|x| f.labels.contains(x)))
            })
            .filter(|i| f.projects.is_empty() || matches!(i.field("project"), Value::Text(p) if f.projects.contains(p)))
            .cloned()
            .collect();
        matching.sort_by(|a, b| (a.updated_at, &a.id).cmp(&(b.updated_at, &b.id)));
        let size = request.page_size.max(1) as usize;
        let page: Vec<Item> = matching.iter().skip(offset).take(size).cloned().collect();
        let next = offset + page.len();
        Ok(Page {
            items: page,
            next_cursor: (next < matching.len()).then(|| next.to_string()),
            rejected: Vec::new(),
        })
    }

    fn get(&self, ids: &[String]) -> Vec<Result<Item, ItemError>> {
        let mut s = self.state();
        s.counts.get += 1;
        ids.iter()
            .map(|id| {
                if let Some(kind) = Self::injected(&mut s, Op::Get) {
                    return Err(Self::error(&kind, &format!("get {id}")));
                }
                id.parse::<u64>()
                    .ok()
                    .and_then(|n| s.items.get(&n))
                    .map(|st| st.item.clone())
                    .ok_or_else(|| ItemError::NotFound(format!("item {id}")))
            })
            .collect()
    }

    fn create(&self, requests: &[CreateRequest]) -> Vec<Result<Item, ItemError>> {
        let mut s = self.state();
        s.counts.create += 1;
        requests
            .iter()
            .map(|r| {
                let kind = Self::injected(&mut s, Op::Create);
                if let Some(k) = &kind
                    && *k != FailureKind::LostResponse
                {
                    return Err(Self::error(k, "create"));
                }
                let fields = Self::normalised(&s, &r.fields).into_iter().collect();
                let item = Self::add(&mut s, &self.key_prefix, fields, Some(r.origin.clone()));
                s.counts.items_created += 1;
                match kind {
                    Some(k) => Err(Self::error(&k, "create")),
                    None => Ok(item),
                }
            })
            .collect()
    }

    fn update(&self, requests: &[UpdateRequest]) -> Vec<Result<Item, ItemError>> {
        let mut s = self.state();
        s.counts.update += 1;
        requests
            .iter()
            .map(|r| {
                let kind = Self::injected(&mut s, Op::Update);
                if let Some(k) = &kind
                    && *k != FailureKind::LostResponse
                {
                    return Err(Self::error(k, &format!("update {}", r.id)));
                }
                let fields = Self::normalised(&s, &r.fields);
                let now = Self::tick(&mut s);
                let Some(stored) = r.id.parse::<u64>().ok().and_then(|n| s.items.get_mut(&n))
                else {
                    return Err(ItemError::NotFound(format!("item {}", r.id)));
                };
                stored.item.fields.extend(fields);
                stored.item.updated_at = now;
                let item = stored.item.clone();
                s.counts.items_updated += 1;
                match kind {
                    Some(k) => Err(Self::error(&k, &format!("update {}", r.id))),
                    None => Ok(item),
                }
            })
            .collect()
    }

    fn find_by_origin(&self, origins: &[String]) -> Vec<Result<Option<Item>, ItemError>> {
        let mut s = self.state();
        s.counts.find_by_origin += 1;
        origins
            .iter()
            .map(|o| {
                if let Some(kind) = Self::injected(&mut s, Op::FindByOrigin) {
                    return Err(Self::error(&kind, "find by origin"));
                }
                Ok(s.items
                    .values()
                    .find(|st| st.origin.as_deref() == Some(o.as_str()))
                    .map(|st| st.item.clone()))
            })
            .collect()
    }

    fn parse_webhook(
        &self,
        _headers: &[(String, String)],
        body: &[u8],
    ) -> Result<Vec<String>, ItemError> {
        let text = std::str::from_utf8(body)
            .map_err(|e| ItemError::InvalidInput(format!("webhook body is not UTF-8: {e}")))?;
        Ok(text
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect())
    }
}
