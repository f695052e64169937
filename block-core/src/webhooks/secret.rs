//! Where a webhook's signing secret comes from, and what a secret a user gives
//! must look like.

use secrecy::{ExposeSecret, SecretString};

use super::WebhookError;

/// Where the secret that signs a provider's deliveries comes from.
///
/// Most providers sign with a secret we generate (32 random bytes) and hand over:
/// the user pastes it into the provider's settings, or the manager registers it
/// with the hook. Others issue their own: Stripe gives each endpoint a `whsec_...`
/// secret, Slack signs with the app's signing secret, Twilio with the account's
/// auth token. A manual webhook of such a provider is given the secret by the
/// user, at creation or later ([`Webhooks::set_secret`](super::Webhooks::set_secret)),
/// since some providers only issue it once they know our URL; until then every
/// delivery to it is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretSource {
    /// We generate it.
    Generated,
    /// The provider issues it.
    Provider {
        /// Which value the user must give, in words they can follow, e.g. "the
        /// Signing Secret on the Basic Information page of your Slack app".
        what: &'static str,
    },
}

impl SecretSource {
    /// Whether the provider issues the secret.
    pub fn is_provider_issued(&self) -> bool {
        matches!(self, SecretSource::Provider { .. })
    }

    /// What a webhook waiting for its secret tells the user to give.
    pub fn describe(&self) -> &'static str {
        match self {
            SecretSource::Generated => "the secret this server generated for the webhook",
            SecretSource::Provider { what } => what,
        }
    }
}

/// Longest secret a user may give; real ones are far shorter.
pub const MAX_SECRET_LEN: usize = 1024;

/// The secret a user gave, trimmed of the whitespace a paste brings along, or why
/// it cannot sign anything. The error never contains the secret.
pub(crate) fn supplied_secret(secret: &SecretString) -> Result<SecretString, WebhookError> {
    let text = secret.expose_secret().trim();
    if text.is_empty() {
        return Err(WebhookError::Invalid("the webhook secret is empty".into()));
    }
    if text.len() > MAX_SECRET_LEN {
        return Err(WebhookError::Invalid(format!("the webhook secret is longer than {MAX_SECRET_LEN} bytes")));
    }
    if text.chars().any(char::is_control) {
        return Err(WebhookError::Invalid("the webhook secret contains control characters".into()));
    }
    Ok(SecretString::from(text.to_owned()))
}

/// Whether two secrets are equal, in time that does not depend on where they differ.
pub(crate) fn same_secret(a: &SecretString, b: &SecretString) -> bool {
    let (a, b) = (a.expose_secret().as_bytes(), b.expose_secret().as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_supplied_secret_is_trimmed_and_must_be_printable() {
        let trimmed = supplied_secret(&SecretString::from("  whsec_abc\n")).expect("valid");
        assert_eq!(trimmed.expose_secret(), "whsec_abc");
        for bad in ["", "   ", "a\u{7}b"] {
            let error = supplied_secret(&SecretString::from(bad)).expect_err(bad);
            assert!(!error.to_string().contains("a\u{7}b"), "{error}");
        }
        assert!(supplied_secret(&SecretString::from("x".repeat(MAX_SECRET_LEN + 1))).is_err());
    }

    #[test]
    fn secrets_compare_by_content() {
        let secret = |text: &str| SecretString::from(text.to_owned());
        assert!(same_secret(&secret("abc"), &secret("abc")));
        assert!(!same_secret(&secret("abc"), &secret("abd")));
        assert!(!same_secret(&secret("abc"), &secret("abcd")));
    }
}
