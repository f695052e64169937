//! Mocked OpenAI exchanges for the blocks' test cases, shaped as the API reference
//! documents them (platform.openai.com/docs/api-reference).

use block_core::http::Exchange;
use block_core::prelude::*;

/// The bearer token of the test API key (`Credentials::test()`).
pub(super) const TEST_API_KEY: &str = "mock-openai-api-key";

/// A `POST` of `body` to `url`, with the test key as bearer token.
pub(super) fn post(url: &str, body: Value) -> Exchange {
    Exchange::post(url)
        .header("authorization", &format!("Bearer {TEST_API_KEY}"))
        .header("content-type", "application/json")
        .json_body(body)
}

/// A chat completion answer with `content` and OpenAI's usage counts.
pub(super) fn completion(content: &str, finish_reason: &str) -> Value {
    json!({
        "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
        "object": "chat.completion",
        "created": 1_741_569_952,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content, "refusal": null, "annotations": []},
            "logprobs": null,
            "finish_reason": finish_reason,
        }],
        "usage": usage(),
        "service_tier": "default",
        "system_fingerprint": "fp_06737a9306",
    })
}

/// The usage object of [`completion`].
pub(super) fn usage() -> Value {
    json!({
        "prompt_tokens": 19,
        "completion_tokens": 10,
        "total_tokens": 29,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                      "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0},
    })
}

/// OpenAI's error body.
pub(super) fn error(message: &str, kind: &str, code: &str) -> Value {
    json!({"error": {"message": message, "type": kind, "param": null, "code": code}})
}
