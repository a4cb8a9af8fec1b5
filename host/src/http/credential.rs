//! Credentials the operator configures and the host injects into a connector's requests.
//! Plugins name a credential (`credential = "token"`); they never see its value.

use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue};

use pmsync_core::Secret;

/// One configured credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// `Authorization: Bearer <token>` (GitHub tokens, OAuth access tokens).
    Bearer(Secret),
    /// `Authorization: Basic base64(<user>:<token>)` (Jira Cloud: account email + API token).
    Basic { user: String, token: Secret },
    /// `<header>: <value>` verbatim (Linear personal API keys: `Authorization: <key>`).
    Raw { header: String, value: Secret },
}

/// Why a credential could not be turned into a header. Never carries the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    #[error("credential header name `{0}` is not a valid HTTP header name")]
    BadHeaderName(String),
    #[error(
        "credential value contains characters not allowed in an HTTP header (control characters or newlines)"
    )]
    BadHeaderValue,
}

impl Credential {
    /// The header this credential puts on a request. The value is marked sensitive so
    /// the HTTP stack never logs it.
    pub fn header(&self) -> Result<(HeaderName, HeaderValue), CredentialError> {
        let (name, value) = match self {
            Credential::Bearer(token) => (AUTHORIZATION, format!("Bearer {}", token.expose())),
            Credential::Basic { user, token } => {
                let pair = format!("{user}:{}", token.expose());
                (
                    AUTHORIZATION,
                    format!("Basic {}", base64_encode(pair.as_bytes())),
                )
            }
            Credential::Raw { header, value } => {
                let name = HeaderName::from_bytes(header.trim().as_bytes())
                    .map_err(|_| CredentialError::BadHeaderName(header.clone()))?;
                (name, value.expose().to_string())
            }
        };
        let mut value =
            HeaderValue::from_str(&value).map_err(|_| CredentialError::BadHeaderValue)?;
        value.set_sensitive(true);
        Ok((name, value))
    }
}

/// Standard base64 with padding (RFC 4648 §4), as HTTP Basic authentication requires.
fn base64_encode(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let sextet = |shift: u32| char::from(ALPHABET[((n >> shift) & 0x3f) as usize]);
        out.push(sextet(18));
        out.push(sextet(12));
        out.push(if chunk.len() > 1 { sextet(6) } else { '=' });
        out.push(if chunk.len() > 2 { sextet(0) } else { '=' });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_test_vectors() {
        let vectors = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in vectors {
            assert_eq!(base64_encode(plain.as_bytes()), encoded, "input {plain:?}");
        }
    }

    #[test]
    fn basic_credential_encodes_email_and_token() {
        let credential = Credential::Basic {
            user: "me@example.com".into(),
            token: Secret::new("api-token"),
        };
        let (name, value) = credential.header().expect("valid header");
        assert_eq!(name, AUTHORIZATION);
        assert_eq!(
            value.to_str().unwrap(),
            "Basic bWVAZXhhbXBsZS5jb206YXBpLXRva2Vu"
        );
        assert!(value.is_sensitive());
    }

    #[test]
    fn raw_credential_uses_the_configured_header_verbatim() {
        let credential = Credential::Raw {
            header: "Authorization".into(),
            value: Secret::new("lin_api_123"),
        };
        let (name, value) = credential.header().expect("valid header");
        assert_eq!(name, AUTHORIZATION);
        assert_eq!(value.to_str().unwrap(), "lin_api_123");
    }

    #[test]
    fn credential_with_newline_is_rejected_without_echoing_it() {
        let credential = Credential::Bearer(Secret::new("abc\ndef-secret"));
        let error = credential
            .header()
            .expect_err("newline is not a valid header value");
        assert!(!format!("{error} {error:?}").contains("def-secret"));
        assert!(!format!("{credential:?}").contains("def-secret"));
    }
}
