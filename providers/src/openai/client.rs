//! `OpenAiClient`: the REST API at `https://api.openai.com/v1`, or an
//! OpenAI-compatible server at another base URL, over the run's `ctx.http()`.
//!
//! The key goes through [`RequestBuilder::bearer_auth`], so it is marked sensitive
//! and erased from every HTTP error. A custom base URL is not trusted: every
//! request to it passes the SSRF guard like any other address, and platform
//! default keys are never sent to it.

use std::fmt;

use block_core::http::{HttpClient, RequestBuilder, Url};
use block_core::prelude::*;

use super::error::OpenAiError;

/// Calls the OpenAI API (or a compatible server) with one API key.
///
/// ```no_run
/// # use block_core::prelude::*;
/// # use block_providers::openai::{OpenAiClient, OpenAiError};
/// # async fn demo(ctx: &RunContext, key: &SecretString) -> Result<(), OpenAiError> {
/// let client = OpenAiClient::new(ctx.http(), key).with_base_url("http://ollama.internal:11434/v1", false)?;
/// let answer = client.post("/chat/completions", &json!({"model": "llama3", "messages": []})).await?;
/// # let _ = answer; Ok(()) }
/// ```
#[derive(Clone)]
pub struct OpenAiClient<'a> {
    http: &'a HttpClient,
    key: &'a SecretString,
    base: String,
    custom_base: bool,
}

impl<'a> OpenAiClient<'a> {
    /// OpenAI's own API.
    pub const API_BASE_URL: &'static str = "https://api.openai.com/v1";

    /// A client for OpenAI's API with `key`, sending through `http` (the run's `ctx.http()`).
    pub fn new(http: &'a HttpClient, key: &'a SecretString) -> Self {
        OpenAiClient { http, key, base: Self::API_BASE_URL.to_owned(), custom_base: false }
    }

    /// Sends to an OpenAI-compatible server at `base_url` instead (`.../v1`, the
    /// part before `/chat/completions`). `platform_key` says whether the key is the
    /// platform's default key, which only ever goes to OpenAI itself.
    pub fn with_base_url(mut self, base_url: &str, platform_key: bool) -> Result<Self, OpenAiError> {
        let url = Url::parse(base_url.trim())
            .map_err(|error| OpenAiError::BaseUrl(format!("`{base_url}` is not a URL ({error})")))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(OpenAiError::BaseUrl("only http and https URLs with a host can be used".into()));
        }
        if !url.username().is_empty() || url.password().is_some() || url.query().is_some() || url.fragment().is_some() {
            return Err(OpenAiError::BaseUrl("it may not carry user info, a query or a fragment".into()));
        }
        let base = url.as_str().trim_end_matches('/').to_owned();
        let is_openai = base == Self::API_BASE_URL;
        if platform_key && !is_openai {
            return Err(OpenAiError::BaseUrl(
                "the platform's OpenAI key is only sent to https://api.openai.com; use your own credentials for \
                 another server"
                    .into(),
            ));
        }
        self.base = base;
        self.custom_base = !is_openai;
        Ok(self)
    }

    /// Whether requests go to a server other than OpenAI's.
    pub fn is_custom_server(&self) -> bool {
        self.custom_base
    }

    fn request(&self, path: &str) -> RequestBuilder {
        self.http.post(format!("{}{path}", self.base)).bearer_auth(self.key)
    }

    /// `POST {base}{path}` with `body` as JSON; the JSON answer, or the error the
    /// status means.
    pub async fn post(&self, path: &str, body: &Value) -> Result<Value, OpenAiError> {
        let response = self.request(path).json(body).send().await.map_err(OpenAiError::Request)?;
        if !response.status().is_success() {
            return Err(OpenAiError::from_response(&response, path, self.key));
        }
        response.json().map_err(OpenAiError::Decode)
    }
}

impl fmt::Debug for OpenAiClient<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiClient").field("base_url", &self.base).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use block_core::http::{Exchange, HttpPolicy, MockTransport};

    use super::*;

    fn http(exchanges: impl IntoIterator<Item = Exchange>) -> HttpClient {
        HttpClient::new(HttpPolicy::default(), Arc::new(MockTransport::new(exchanges)))
    }

    #[test]
    fn a_platform_key_never_goes_to_another_server() {
        let http = http([]);
        let key = SecretString::from("sk-platform");
        let error =
            OpenAiClient::new(&http, &key).with_base_url("https://llm.example.com/v1", true).expect_err("refused");
        assert!(error.to_string().contains("only sent to https://api.openai.com"), "{error}");
        let client = OpenAiClient::new(&http, &key).with_base_url("https://api.openai.com/v1/", true).expect("openai");
        assert!(!client.is_custom_server());
    }

    #[test]
    fn base_urls_must_be_plain_http_or_https() {
        let http = http([]);
        let key = SecretString::from("sk-own");
        for bad in
            ["file:///etc/passwd", "not a url", "https://user:pw@llm.example.com/v1", "https://llm.example.com/v1?x=1"]
        {
            let error = OpenAiClient::new(&http, &key).with_base_url(bad, false).expect_err(bad);
            assert!(error.to_string().starts_with("input `base_url`"), "{error}");
        }
    }

    #[tokio::test]
    async fn errors_never_show_the_key_even_when_the_server_echoes_it() {
        let http = http([Exchange::post("https://api.openai.com/v1/models").respond_json(
            401,
            json!({"error": {"message": "Incorrect API key provided: sk-canary-123.", "type": "invalid_request_error",
                             "param": null, "code": "invalid_api_key"}}),
        )]);
        let key = SecretString::from("sk-canary-123");
        let error = OpenAiClient::new(&http, &key).post("/models", &json!({})).await.expect_err("401");
        let text = format!("{error} {error:?}");
        assert!(text.contains("OpenAI refused the API key (401: Incorrect API key provided: [redacted].)"), "{text}");
        assert!(!text.contains("sk-canary-123"), "{text}");
    }
}
