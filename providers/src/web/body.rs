//! What goes out as the request body, and what comes back as an output value.

use block_core::Value;
use block_core::http::{Response, Url};
use block_core::serde_json::Map;

/// The request body `SendWebRequestBlock` sends.
#[derive(Debug, PartialEq)]
pub(super) enum RequestBody {
    /// No body at all.
    None,
    /// A JSON document (`Content-Type: application/json` unless the caller set one).
    Json(Value),
    /// Bytes sent as they are, with the content type to use if the caller set none.
    Raw { bytes: Vec<u8>, content_type: &'static str },
}

const TEXT: &str = "text/plain; charset=utf-8";
const FORM: &str = "application/x-www-form-urlencoded";

impl RequestBody {
    /// The body for `body` as the input gives it, in JSON format or not.
    ///
    /// With JSON format on, a text holding JSON is sent as that JSON (flows often
    /// carry JSON as text), and any other text as it is. With it off, a text goes as
    /// it is, an object as a form whose non-text values are written as JSON, and
    /// anything else as its JSON text.
    pub(super) fn from_input(body: Option<Value>, json_format: bool) -> RequestBody {
        let Some(body) = body else { return RequestBody::None };
        match (body, json_format) {
            (Value::Null, _) => RequestBody::None,
            (Value::String(text), true) => match block_core::serde_json::from_str::<Value>(&text) {
                Ok(json) => RequestBody::Json(json),
                Err(_) => RequestBody::Raw { bytes: text.into_bytes(), content_type: TEXT },
            },
            (value, true) => RequestBody::Json(value),
            (Value::String(text), false) => RequestBody::Raw { bytes: text.into_bytes(), content_type: TEXT },
            (Value::Object(fields), false) => {
                RequestBody::Raw { bytes: form(&fields).into_bytes(), content_type: FORM }
            }
            (other, false) => RequestBody::Raw { bytes: other.to_string().into_bytes(), content_type: TEXT },
        }
    }
}

/// `fields` as `application/x-www-form-urlencoded`, encoded the WHATWG way (the
/// way browsers submit forms): texts as they are, other values as their JSON.
fn form(fields: &Map<String, Value>) -> String {
    // A constant that always parses; the URL only lends its form encoder.
    let Ok(mut url) = Url::parse("http://form.invalid/") else { return String::new() };
    {
        let mut pairs = url.query_pairs_mut();
        for (name, value) in fields {
            match value {
                Value::String(text) => pairs.append_pair(name, text),
                other => pairs.append_pair(name, &other.to_string()),
            };
        }
    }
    url.query().unwrap_or_default().to_owned()
}

/// The answer's body as an output value: JSON when its content type says JSON
/// (`application/json`, or any `+json` type) and it parses, text otherwise. An
/// empty JSON body is `null`, an empty text body `""`.
pub(super) fn response_value(response: &Response) -> Value {
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .map(|value| value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
        .unwrap_or_default();
    let says_json = content_type == "application/json" || content_type.ends_with("+json");
    let bytes = response.bytes();
    if says_json {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Value::Null;
        }
        if let Ok(json) = block_core::serde_json::from_slice(&bytes) {
            return json;
        }
    }
    Value::String(response.text())
}

#[cfg(test)]
mod tests {
    use block_core::json;

    use super::*;

    #[test]
    fn json_format_sends_values_and_json_texts_as_json() {
        assert_eq!(RequestBody::from_input(Some(json!({"a": 1})), true), RequestBody::Json(json!({"a": 1})));
        assert_eq!(RequestBody::from_input(Some(json!("[1, 2]")), true), RequestBody::Json(json!([1, 2])));
        assert_eq!(RequestBody::from_input(Some(json!(7)), true), RequestBody::Json(json!(7)));
        assert_eq!(
            RequestBody::from_input(Some(json!("plain words")), true),
            RequestBody::Raw { bytes: b"plain words".to_vec(), content_type: TEXT }
        );
    }

    #[test]
    fn without_json_format_texts_go_as_they_are_and_objects_as_forms() {
        assert_eq!(
            RequestBody::from_input(Some(json!("{\"a\": 1}")), false),
            RequestBody::Raw { bytes: b"{\"a\": 1}".to_vec(), content_type: TEXT }
        );
        assert_eq!(
            RequestBody::from_input(Some(json!({"q": "a b&c", "n": 2, "ok": true})), false),
            RequestBody::Raw { bytes: b"q=a+b%26c&n=2&ok=true".to_vec(), content_type: FORM }
        );
        assert_eq!(
            RequestBody::from_input(Some(json!([1, 2])), false),
            RequestBody::Raw { bytes: b"[1,2]".to_vec(), content_type: TEXT }
        );
    }

    #[test]
    fn no_body_or_null_sends_nothing() {
        assert_eq!(RequestBody::from_input(None, true), RequestBody::None);
        assert_eq!(RequestBody::from_input(Some(Value::Null), false), RequestBody::None);
    }
}
