//! `SendWebRequestBlock`: one HTTP request to a URL the caller gives.

use std::collections::BTreeMap;

use block_core::http::{Method, RetryPolicy};
use block_core::prelude::*;

use super::body::{RequestBody, response_value};
use super::cases::send_web_request_cases;

/// The method of the request `SendWebRequestBlock` sends.
#[derive(BlockEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMethod {
    /// Reads a resource.
    #[block_value(rename = "GET")]
    Get,
    /// Creates something, or submits data.
    #[block_value(rename = "POST")]
    Post,
    /// Replaces a resource.
    #[block_value(rename = "PUT")]
    Put,
    /// Deletes a resource.
    #[block_value(rename = "DELETE")]
    Delete,
    /// Changes part of a resource.
    #[block_value(rename = "PATCH")]
    Patch,
    /// Asks what the resource allows.
    #[block_value(rename = "OPTIONS")]
    Options,
    /// Reads a resource's headers only.
    #[block_value(rename = "HEAD")]
    Head,
}

impl HttpMethod {
    fn as_method(self) -> Method {
        match self {
            HttpMethod::Get => Method::GET,
            HttpMethod::Post => Method::POST,
            HttpMethod::Put => Method::PUT,
            HttpMethod::Delete => Method::DELETE,
            HttpMethod::Patch => Method::PATCH,
            HttpMethod::Options => Method::OPTIONS,
            HttpMethod::Head => Method::HEAD,
        }
    }
}

/// Inputs of `SendWebRequestBlock`.
#[derive(BlockInput)]
pub struct SendWebRequestInput {
    /// The URL to send the request to (http or https, a public address).
    #[block_input(placeholder = "https://api.example.com", min_length = 1)]
    pub url: String,
    /// The HTTP method to use for the request.
    #[block_input(default = "POST", advanced = false)]
    pub method: HttpMethod,
    /// The headers to include in the request.
    #[block_input(default = {})]
    pub headers: BTreeMap<String, String>,
    /// Send the body as JSON. When off, a text body is sent as it is and an object
    /// as a form (`application/x-www-form-urlencoded`).
    #[block_input(default = true, title = "JSON format")]
    pub json_format: bool,
    /// The body of the request: any JSON value, or a text (which, with JSON format
    /// on, is sent as the JSON it holds when it holds JSON).
    pub body: Option<Value>,
}

/// Outputs of `SendWebRequestBlock`.
#[derive(BlockOutput)]
pub enum SendWebRequestOutput {
    /// The answer's body when the status is not an error (2xx, or a 1xx or 3xx the
    /// client did not follow): JSON when the answer says it is JSON, else text.
    Response(Value),
    /// The answer's body on a 4xx status, read the same way.
    ClientError(Value),
    /// The answer's body on a 5xx status, read the same way.
    ServerError(Value),
    /// The answer's status code.
    Status(u16),
    /// The answer's headers, names in lower case; repeated headers joined with `, `.
    Headers(BTreeMap<String, String>),
}

/// Sends an HTTP request to a URL and outputs the answer: its body on `response`,
/// `client_error` (4xx) or `server_error` (5xx), then its status and headers.
/// Only public addresses can be reached; redirects are followed and checked the
/// same way.
#[block(id = "6595ae1f-b924-42cb-9a41-551a0611c4b4", categories(Output), tests = send_web_request_cases)]
pub struct SendWebRequestBlock;

impl Run for SendWebRequestBlock {
    type Input = SendWebRequestInput;
    type Output = SendWebRequestOutput;

    async fn run(
        &self,
        input: SendWebRequestInput,
        ctx: &RunContext,
        out: &Emit<SendWebRequestOutput>,
    ) -> Result<(), BlockError> {
        // One attempt, as the reference does: the caller sees a 5xx at once on
        // `server_error` and decides what to do, instead of waiting for back-off.
        let client = ctx.http().with_policy(ctx.http().policy().clone().retry(RetryPolicy::none()));
        let mut request = client.request(input.method.as_method(), &input.url);
        for (name, value) in &input.headers {
            request = request.header(name, value);
        }
        let user_content_type = input.headers.keys().any(|name| name.eq_ignore_ascii_case("content-type"));
        match RequestBody::from_input(input.body, input.json_format) {
            RequestBody::None => {}
            RequestBody::Json(value) => request = request.json(&value),
            RequestBody::Raw { bytes, content_type } => {
                if !user_content_type {
                    request = request.header("content-type", content_type);
                }
                request = request.body(bytes);
            }
        }
        let response = request.send().await?;
        let status = response.status();
        let body = response_value(&response);
        let pin = if status.is_client_error() {
            SendWebRequestOutput::ClientError(body)
        } else if status.is_server_error() {
            SendWebRequestOutput::ServerError(body)
        } else {
            SendWebRequestOutput::Response(body)
        };
        out.emit(pin).await?;
        out.emit(SendWebRequestOutput::Status(status.as_u16())).await?;
        let mut headers: BTreeMap<String, String> = BTreeMap::new();
        for (name, value) in response.headers() {
            let value = String::from_utf8_lossy(value.as_bytes());
            headers
                .entry(name.as_str().to_owned())
                .and_modify(|joined| {
                    joined.push_str(", ");
                    joined.push_str(&value);
                })
                .or_insert_with(|| value.into_owned());
        }
        out.emit(SendWebRequestOutput::Headers(headers)).await
    }
}
