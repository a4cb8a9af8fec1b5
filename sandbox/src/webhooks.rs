//! Webhook deliveries, signed as the real platforms sign them, to a URL registered with
//! [`WebhookOutbox::register`] (through a platform handle's `register_webhook`). Every change
//! to an issue — a person's edit through a handle or a write through the API — is delivered,
//! in order, by a thread of the outbox's own, one attempt each (GitHub does not redeliver
//! either); what was sent and how it was answered is kept (the last [`KEPT`]) for tests to
//! look at and replay.
//!
//! | platform | signature header | delivery id header | event |
//! | --- | --- | --- | --- |
//! | GitHub | `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>` | `X-GitHub-Delivery` | `X-GitHub-Event: issues` |
//! | Jira (admin webhook with a secret) | `X-Hub-Signature: sha256=<hex>` | `X-Atlassian-Webhook-Identifier` | `webhookEvent` in the body |
//! | Linear | `Linear-Signature: <hex>` | `Linear-Delivery` | `Linear-Event: Issue`; `webhookTimestamp` (ms) in the body |

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use crate::platform::lock;

/// How many sent deliveries are kept for [`WebhookOutbox::sent`].
pub const KEPT: usize = 1000;

/// How long one delivery may take before it counts as failed (GitHub's limit).
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// Which platform's way of signing and naming deliveries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookStyle {
    GitHub,
    Jira,
    Linear,
}

/// A delivery as it was sent, and how it was answered.
#[derive(Debug, Clone, PartialEq)]
pub struct SentWebhook {
    pub delivery_id: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The receiver's HTTP status; `None` when it could not be reached.
    pub status: Option<u16>,
    pub error: Option<String>,
}

struct Registration {
    queue: mpsc::Sender<(Option<String>, Value)>,
}

#[derive(Default)]
struct Shared {
    registration: Mutex<Option<Registration>>,
    sent: Mutex<VecDeque<SentWebhook>>,
    next_id: AtomicU64,
    /// Deliveries handed to the thread and not yet answered.
    in_flight: AtomicU64,
}

/// Where a platform's webhook deliveries go; cheap to clone.
#[derive(Clone)]
pub struct WebhookOutbox {
    style: WebhookStyle,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for WebhookOutbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookOutbox")
            .field("style", &self.style)
            .finish()
    }
}

impl WebhookOutbox {
    pub(crate) fn new(style: WebhookStyle) -> WebhookOutbox {
        WebhookOutbox {
            style,
            shared: Arc::new(Shared::default()),
        }
    }

    /// From now on, every change is delivered to `url`, signed with `secret` (replacing an
    /// earlier registration). Fails only when the delivery thread cannot start.
    pub fn register(&self, url: &str, secret: &str) -> std::io::Result<()> {
        let (queue, deliveries) = mpsc::channel();
        let outbox = self.clone();
        let url = url.to_string();
        let secret = secret.to_string();
        std::thread::Builder::new()
            .name("sandbox-webhooks".into())
            .spawn(move || outbox.deliver_all(&url, &secret, deliveries))?;
        *lock(&self.shared.registration) = Some(Registration { queue });
        Ok(())
    }

    /// Stops delivering (deliveries already queued are still sent).
    pub fn unregister(&self) {
        *lock(&self.shared.registration) = None;
    }

    /// The deliveries sent so far (the last [`KEPT`]), oldest first.
    pub fn sent(&self) -> Vec<SentWebhook> {
        lock(&self.shared.sent).iter().cloned().collect()
    }

    /// Deliveries queued or being sent.
    pub fn pending(&self) -> u64 {
        self.shared.in_flight.load(Ordering::SeqCst)
    }

    /// Queues a delivery of `body` (the `event` header for GitHub and Linear), if a URL is
    /// registered.
    pub(crate) fn emit(&self, event: Option<&str>, body: Value) {
        let registration = lock(&self.shared.registration);
        if let Some(r) = registration.as_ref() {
            self.shared.in_flight.fetch_add(1, Ordering::SeqCst);
            if r.queue.send((event.map(str::to_owned), body)).is_err() {
                self.shared.in_flight.fetch_sub(1, Ordering::SeqCst);
            }
        }
    }

    fn deliver_all(
        &self,
        url: &str,
        secret: &str,
        deliveries: mpsc::Receiver<(Option<String>, Value)>,
    ) {
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime,
            Err(e) => {
                tracing::warn!("sandbox webhooks: cannot start a runtime: {e}");
                return;
            }
        };
        let client = match reqwest::Client::builder().timeout(DELIVERY_TIMEOUT).build() {
            Ok(client) => client,
            Err(e) => {
                tracing::warn!("sandbox webhooks: cannot build an HTTP client: {e}");
                return;
            }
        };
        while let Ok((event, body)) = deliveries.recv() {
            let sent = runtime.block_on(self.deliver(&client, url, secret, event, body));
            let mut kept = lock(&self.shared.sent);
            if kept.len() == KEPT {
                kept.pop_front();
            }
            kept.push_back(sent);
            drop(kept);
            self.shared.in_flight.fetch_sub(1, Ordering::SeqCst);
        }
    }

    async fn deliver(
        &self,
        client: &reqwest::Client,
        url: &str,
        secret: &str,
        event: Option<String>,
        mut body: Value,
    ) -> SentWebhook {
        let n = self.shared.next_id.fetch_add(1, Ordering::SeqCst) + 1;
        let delivery_id = delivery_id(n);
        if self.style == WebhookStyle::Linear
            && let Some(object) = body.as_object_mut()
        {
            object.insert(
                "webhookTimestamp".into(),
                Value::from(chrono::Utc::now().timestamp_millis()),
            );
        }
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        let headers = signed_headers(self.style, secret, &bytes, &delivery_id, event.as_deref());
        let mut request = client.post(url).body(bytes.clone());
        for (name, value) in &headers {
            request = request.header(name, value);
        }
        let (status, error) = match request.send().await {
            Ok(answer) => (Some(answer.status().as_u16()), None),
            Err(e) => (None, Some(e.to_string())),
        };
        SentWebhook {
            delivery_id,
            headers,
            body: bytes,
            status,
            error,
        }
    }
}

/// A delivery id, unique across sandboxes (GitHub and Linear use GUIDs; Jira's identifiers
/// are as unique).
fn delivery_id(n: u64) -> String {
    let random: u64 = rand::random();
    format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        random >> 32,
        (random >> 16) & 0xffff,
        random & 0xfff,
        (n >> 48) & 0xfff,
        n & 0xffff_ffff_ffff
    )
}

/// Hex HMAC-SHA256 of `body` under `secret`.
pub fn hmac_sha256_hex(secret: &str, body: &[u8]) -> String {
    // HMAC takes keys of any length.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// The headers a platform sends with a delivery of `body`.
pub fn signed_headers(
    style: WebhookStyle,
    secret: &str,
    body: &[u8],
    delivery_id: &str,
    event: Option<&str>,
) -> Vec<(String, String)> {
    let digest = hmac_sha256_hex(secret, body);
    let mut headers = vec![("Content-Type".to_string(), "application/json".to_string())];
    match style {
        WebhookStyle::GitHub => {
            headers.push(("X-Hub-Signature-256".into(), format!("sha256={digest}")));
            headers.push(("X-GitHub-Delivery".into(), delivery_id.into()));
            headers.push(("X-GitHub-Event".into(), event.unwrap_or("issues").into()));
            headers.push(("User-Agent".into(), "GitHub-Hookshot/sandbox".into()));
        }
        WebhookStyle::Jira => {
            headers.push(("X-Hub-Signature".into(), format!("sha256={digest}")));
            headers.push(("X-Atlassian-Webhook-Identifier".into(), delivery_id.into()));
        }
        WebhookStyle::Linear => {
            headers.push(("Linear-Signature".into(), digest));
            headers.push(("Linear-Delivery".into(), delivery_id.into()));
            headers.push(("Linear-Event".into(), event.unwrap_or("Issue").into()));
        }
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs.github.com, "Validating webhook deliveries".
    #[test]
    fn github_signature_matches_the_documented_example() {
        let headers = signed_headers(
            WebhookStyle::GitHub,
            "It's a Secret to Everybody",
            b"Hello, World!",
            "1",
            None,
        );
        assert!(headers.contains(&(
            "X-Hub-Signature-256".to_string(),
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17".to_string()
        )));
    }

    #[test]
    fn linear_signs_bare_hex_and_jira_uses_x_hub_signature() {
        let linear = signed_headers(
            WebhookStyle::Linear,
            "Jefe",
            b"what do ya want for nothing?",
            "d",
            None,
        );
        assert!(linear.contains(&(
            "Linear-Signature".to_string(),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843".to_string()
        )));
        let jira = signed_headers(
            WebhookStyle::Jira,
            "Jefe",
            b"what do ya want for nothing?",
            "7",
            None,
        );
        assert!(jira.contains(&(
            "X-Hub-Signature".to_string(),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843".to_string()
        )));
        assert!(jira.contains(&(
            "X-Atlassian-Webhook-Identifier".to_string(),
            "7".to_string()
        )));
    }

    #[test]
    fn nothing_is_sent_before_a_url_is_registered() {
        let outbox = WebhookOutbox::new(WebhookStyle::GitHub);
        outbox.emit(Some("issues"), serde_json::json!({}));
        assert_eq!(outbox.pending(), 0);
        assert!(outbox.sent().is_empty());
    }
}
