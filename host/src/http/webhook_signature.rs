//! Verifying the signatures platforms put on webhook deliveries. Always verify over the raw
//! request body, before parsing it.
//!
//! | platform | header | value |
//! | --- | --- | --- |
//! | GitHub | `X-Hub-Signature-256` | `sha256=<hex HMAC-SHA256(secret, body)>` |
//! | Linear | `Linear-Signature` | `<hex HMAC-SHA256(secret, body)>` (no prefix) |
//! | Jira (admin webhooks registered with a secret) | `X-Hub-Signature` | `sha256=<hex HMAC-SHA256(secret, body)>` (WebSub style) |
//!
//! Jira's dynamic (OAuth/Connect app) webhooks are not HMAC-signed; they carry a JWT and
//! are out of scope here. Linear deliveries also carry `webhookTimestamp` (ms) in the body;
//! check it with [`linear_timestamp_is_fresh`] to refuse replays.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use sha2::Sha256;

use pmsync_core::Secret;

type HmacSha256 = Hmac<Sha256>;

/// How long Linear's own SDK accepts a delivery after its `webhookTimestamp`.
pub const LINEAR_REPLAY_WINDOW: Duration = Duration::from_secs(60);

/// Which platform's signature scheme a webhook endpoint expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebhookScheme {
    GitHub,
    Linear,
    Jira,
}

/// Why a delivery's signature was not accepted. Never contains the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no webhook secret is configured; refusing to accept unsigned deliveries")]
    NoSecret,
    #[error("the delivery has no `{header}` header")]
    Missing { header: &'static str },
    #[error("the `{header}` header is malformed: {reason}")]
    Malformed {
        header: &'static str,
        reason: String,
    },
    #[error("the `{header}` signature does not match the body")]
    Mismatch { header: &'static str },
}

impl WebhookScheme {
    /// The header carrying the signature.
    pub fn header_name(self) -> &'static str {
        match self {
            WebhookScheme::GitHub => "X-Hub-Signature-256",
            WebhookScheme::Linear => "Linear-Signature",
            WebhookScheme::Jira => "X-Hub-Signature",
        }
    }

    /// The header naming the delivery (the same id when a delivery is sent again).
    pub fn delivery_header(self) -> &'static str {
        match self {
            WebhookScheme::GitHub => "X-GitHub-Delivery",
            WebhookScheme::Linear => "Linear-Delivery",
            WebhookScheme::Jira => "X-Atlassian-Webhook-Identifier",
        }
    }

    /// The body field holding when the delivery was sent (ms since the Unix epoch), checked
    /// against [`LINEAR_REPLAY_WINDOW`] to refuse replays: Linear's `webhookTimestamp`.
    pub fn timestamp_field(self) -> Option<&'static str> {
        match self {
            WebhookScheme::Linear => Some("webhookTimestamp"),
            WebhookScheme::GitHub | WebhookScheme::Jira => None,
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            WebhookScheme::GitHub | WebhookScheme::Jira => "sha256=",
            WebhookScheme::Linear => "",
        }
    }

    /// The header value the platform would send for `body` (for sandbox platforms and tests).
    pub fn sign(self, secret: &Secret, body: &[u8]) -> String {
        format!(
            "{}{}",
            self.prefix(),
            hex::encode(mac(secret, body).finalize().into_bytes())
        )
    }

    /// Checks `signature` (the header value, `None` if absent) against `body` in constant time.
    pub fn verify(
        self,
        secret: &Secret,
        body: &[u8],
        signature: Option<&str>,
    ) -> Result<(), SignatureError> {
        let header = self.header_name();
        if secret.expose().is_empty() {
            return Err(SignatureError::NoSecret);
        }
        let value = signature
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .ok_or(SignatureError::Missing { header })?;
        let hex_digest = self.strip_prefix(value)?;
        let expected = hex::decode(hex_digest).map_err(|_| SignatureError::Malformed {
            header,
            reason: "the digest is not hexadecimal".into(),
        })?;
        if expected.len() != 32 {
            return Err(SignatureError::Malformed {
                header,
                reason: format!(
                    "expected a 32-byte SHA-256 digest, got {} bytes",
                    expected.len()
                ),
            });
        }
        mac(secret, body)
            .verify_slice(&expected)
            .map_err(|_| SignatureError::Mismatch { header })
    }

    fn strip_prefix(self, value: &str) -> Result<&str, SignatureError> {
        let prefix = self.prefix();
        if prefix.is_empty() {
            return Ok(value);
        }
        match value.split_once('=') {
            Some((algorithm, digest)) if algorithm.eq_ignore_ascii_case("sha256") => Ok(digest),
            Some((algorithm, _)) => Err(SignatureError::Malformed {
                header: self.header_name(),
                reason: format!("unsupported algorithm `{algorithm}`; only sha256 is accepted"),
            }),
            None => Err(SignatureError::Malformed {
                header: self.header_name(),
                reason: format!("expected `{prefix}<hex digest>`"),
            }),
        }
    }
}

fn mac(secret: &Secret, body: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this never fails.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(secret.expose().as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC-SHA256 accepts keys of any length"));
    mac.update(body);
    mac
}

/// Whether a Linear delivery's `webhookTimestamp` (ms since the Unix epoch) lies within
/// `window` of `now`, either way.
pub fn linear_timestamp_is_fresh(
    webhook_timestamp_ms: f64,
    now: SystemTime,
    window: Duration,
) -> bool {
    let Ok(now_ms) = now
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
    else {
        return false;
    };
    webhook_timestamp_ms.is_finite()
        && (now_ms - webhook_timestamp_ms).abs() <= window.as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example from docs.github.com "Validating webhook deliveries".
    #[test]
    fn github_documented_example_verifies() {
        let secret = Secret::new("It's a Secret to Everybody");
        let body = b"Hello, World!";
        let documented = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        assert_eq!(WebhookScheme::GitHub.sign(&secret, body), documented);
        assert_eq!(
            WebhookScheme::GitHub.verify(&secret, body, Some(documented)),
            Ok(())
        );
    }

    /// RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
    #[test]
    fn linear_signature_is_bare_hex_of_hmac_sha256() {
        let secret = Secret::new("Jefe");
        let body = b"what do ya want for nothing?";
        let expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        assert_eq!(WebhookScheme::Linear.sign(&secret, body), expected);
        assert_eq!(
            WebhookScheme::Linear.verify(&secret, body, Some(expected)),
            Ok(())
        );
        assert_eq!(
            WebhookScheme::Linear.verify(&secret, body, Some(&expected.to_uppercase())),
            Ok(())
        );
    }

    #[test]
    fn jira_signature_uses_x_hub_signature_with_sha256_prefix() {
        let secret = Secret::new("Jefe");
        let body = b"what do ya want for nothing?";
        let expected = "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        assert_eq!(WebhookScheme::Jira.header_name(), "X-Hub-Signature");
        assert_eq!(
            WebhookScheme::Jira.verify(&secret, body, Some(expected)),
            Ok(())
        );
    }

    #[test]
    fn tampered_body_or_wrong_secret_is_a_mismatch() {
        let secret = Secret::new("s3cr3t");
        let signature = WebhookScheme::GitHub.sign(&secret, b"{\"action\":\"opened\"}");
        assert_eq!(
            WebhookScheme::GitHub.verify(&secret, b"{\"action\":\"closed\"}", Some(&signature)),
            Err(SignatureError::Mismatch {
                header: "X-Hub-Signature-256"
            })
        );
        assert_eq!(
            WebhookScheme::GitHub.verify(
                &Secret::new("other"),
                b"{\"action\":\"opened\"}",
                Some(&signature)
            ),
            Err(SignatureError::Mismatch {
                header: "X-Hub-Signature-256"
            })
        );
    }

    #[test]
    fn missing_malformed_and_unsigned_configurations_are_refused() {
        let secret = Secret::new("s3cr3t");
        let body = b"{}";
        assert_eq!(
            WebhookScheme::Linear.verify(&secret, body, None),
            Err(SignatureError::Missing {
                header: "Linear-Signature"
            })
        );
        assert!(matches!(
            WebhookScheme::GitHub.verify(&secret, body, Some("sha1=abcdef")),
            Err(SignatureError::Malformed { .. })
        ));
        assert!(matches!(
            WebhookScheme::GitHub.verify(&secret, body, Some("sha256=zz")),
            Err(SignatureError::Malformed { .. })
        ));
        assert!(matches!(
            WebhookScheme::Linear.verify(&secret, body, Some("abcd")),
            Err(SignatureError::Malformed { .. })
        ));
        let signed_with_empty = WebhookScheme::GitHub.sign(&Secret::new(""), body);
        assert_eq!(
            WebhookScheme::GitHub.verify(&Secret::new(""), body, Some(&signed_with_empty)),
            Err(SignatureError::NoSecret)
        );
    }

    #[test]
    fn errors_never_contain_the_secret() {
        let secret = Secret::new("very-secret-key");
        let error = WebhookScheme::GitHub
            .verify(&secret, b"x", Some("sha256=00"))
            .expect_err("malformed");
        assert!(!format!("{error} {error:?}").contains("very-secret-key"));
    }

    #[test]
    fn linear_timestamp_outside_the_window_is_stale() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let now_ms = 1_700_000_000_000.0;
        assert!(linear_timestamp_is_fresh(
            now_ms - 59_000.0,
            now,
            LINEAR_REPLAY_WINDOW
        ));
        assert!(!linear_timestamp_is_fresh(
            now_ms - 61_000.0,
            now,
            LINEAR_REPLAY_WINDOW
        ));
        assert!(!linear_timestamp_is_fresh(
            now_ms + 61_000.0,
            now,
            LINEAR_REPLAY_WINDOW
        ));
        assert!(!linear_timestamp_is_fresh(
            f64::NAN,
            now,
            LINEAR_REPLAY_WINDOW
        ));
    }
}
