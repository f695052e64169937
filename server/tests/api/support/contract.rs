//! The served OpenAPI document as a contract every answer of the test suite must
//! keep: the operation is found by method and path template, the status and the
//! content type must be documented, and a JSON body must fit the documented
//! schema (its `$ref`s resolved inside the document).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use jsonschema::{Registry, Validator};
use serde_json::Value;

/// The URI the document is registered under, so that a pointer into it (and
/// every `#/components/...` reference inside) resolves without any network.
const DOCUMENT_URI: &str = "urn:blocks:openapi";

/// Where Swagger UI's files are served: static assets outside the API, so the
/// document does not list them.
const SWAGGER_UI: &str = "/external-api/docs";

/// The methods an OpenAPI path item may hold.
const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// One answer, as the contract sees it.
#[derive(Debug, Clone, Copy)]
pub struct Observed<'a> {
    /// The request's method, e.g. `POST`.
    pub method: &'a str,
    /// The request's path, query included.
    pub path: &'a str,
    /// The answer's status.
    pub status: u16,
    /// The answer's `Content-Type`, if any.
    pub content_type: Option<&'a str>,
    /// The answer's header names, lowercase.
    pub headers: &'a [String],
    /// The answer's body.
    pub body: &'a str,
}

/// Why an answer breaks the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// `<operationId>` or a description of what was asked for.
    pub operation: String,
    /// The answer's status.
    pub status: u16,
    /// The JSON pointer into the body of each problem, with what is wrong there
    /// (the empty pointer for the body as a whole or for the answer's shape).
    pub problems: Vec<(String, String)>,
    /// The body.
    pub body: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "the answer of `{}` ({}) does not fit the served OpenAPI document:", self.operation, self.status)?;
        for (pointer, problem) in &self.problems {
            let pointer = if pointer.is_empty() { "(body)" } else { pointer.as_str() };
            writeln!(f, "  at {pointer}: {problem}")?;
        }
        // Block listings run to hundreds of kilobytes; the start shows enough.
        let shown: String = self.body.chars().take(4000).collect();
        let cut = if shown.len() < self.body.len() { " ..." } else { "" };
        write!(f, "body: {shown}{cut}")
    }
}

/// An operation of the document.
struct Operation {
    method: &'static str,
    template: String,
    segments: Vec<Option<String>>,
    id: String,
}

impl Operation {
    fn matches(&self, segments: &[&str]) -> bool {
        self.segments.len() == segments.len()
            && self.segments.iter().zip(segments).all(|(template, segment)| match template {
                Some(literal) => literal == segment,
                None => !segment.is_empty(),
            })
    }

    fn literals(&self) -> usize {
        self.segments.iter().filter(|segment| segment.is_some()).count()
    }
}

/// The served document, ready to check answers against.
pub struct Contract {
    document: Value,
    registry: Registry<'static>,
    operations: Vec<Operation>,
    validators: Mutex<HashMap<String, Arc<Validator>>>,
}

impl fmt::Debug for Contract {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Contract").field("operations", &self.operations.len()).finish_non_exhaustive()
    }
}

/// `~` and `/` escaped for one token of a JSON pointer (RFC 6901).
fn token(text: &str) -> String {
    text.replace('~', "~0").replace('/', "~1")
}

fn segments_of(path: &str) -> Vec<&str> {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    path.trim_start_matches('/').split('/').collect()
}

impl Contract {
    /// The contract of `document`; an error when it cannot serve as one.
    pub fn new(document: Value) -> Result<Contract, String> {
        let mut operations = Vec::new();
        for (template, item) in document["paths"].as_object().ok_or("the document has no `paths`")? {
            for method in METHODS {
                let Some(operation) = item.get(method) else { continue };
                let segments = segments_of(template)
                    .into_iter()
                    .map(|segment| {
                        let parameter = segment.starts_with('{') && segment.ends_with('}');
                        (!parameter).then(|| segment.to_owned())
                    })
                    .collect();
                let id = operation["operationId"].as_str().unwrap_or(template).to_owned();
                operations.push(Operation { method, template: template.clone(), segments, id });
            }
        }
        let registry = Registry::new()
            .add(DOCUMENT_URI, document.clone())
            .and_then(|builder| builder.prepare())
            .map_err(|error| format!("the document cannot be a schema registry: {error}"))?;
        Ok(Contract { document, registry, operations, validators: Mutex::default() })
    }

    /// The operation serving `method path`: of the templates matching the path,
    /// the one with the most literal segments (as the router picks).
    fn operation(&self, method: &str, path: &str) -> Result<&Operation, Lookup> {
        let segments = segments_of(path);
        let matching: Vec<&Operation> = self.operations.iter().filter(|op| op.matches(&segments)).collect();
        let Some(most) = matching.iter().map(|op| op.literals()).max() else { return Err(Lookup::NoPath) };
        let method = method.to_ascii_lowercase();
        matching.into_iter().filter(|op| op.literals() == most).find(|op| op.method == method).ok_or(Lookup::NoMethod)
    }

    /// Checks one answer against the document.
    pub fn check(&self, answer: &Observed<'_>) -> Result<(), Mismatch> {
        let path = answer.path.split(['?', '#']).next().unwrap_or_default();
        if path == SWAGGER_UI || path.starts_with(&format!("{SWAGGER_UI}/")) {
            return Ok(());
        }
        let operation = match self.operation(answer.method, answer.path) {
            Ok(operation) => operation,
            // Routes the document does not list are answered by the router's
            // fallbacks, in the one error shape.
            Err(lookup) => return self.check_fallback(answer, lookup),
        };
        let responses_pointer = format!("/paths/{}/{}/responses", token(&operation.template), operation.method);
        let responses = self.document.pointer(&responses_pointer).cloned().unwrap_or(Value::Null);
        let status = answer.status.to_string();
        let range = format!("{}XX", answer.status / 100);
        let Some(key) =
            [status.as_str(), range.as_str(), "default"].into_iter().find(|key| responses.get(key).is_some())
        else {
            return Err(mismatch(&operation.id, answer, "", format!("status {} is not documented", answer.status)));
        };
        let response = &responses[key];
        for (name, header) in response["headers"].as_object().into_iter().flatten() {
            let sent = answer.headers.iter().any(|sent| sent.eq_ignore_ascii_case(name));
            if header["required"] == Value::Bool(true) && !sent {
                return Err(mismatch(&operation.id, answer, "", format!("the documented header `{name}` is missing")));
            }
        }
        let content = response["content"].as_object();
        let Some(content) = content.filter(|content| !content.is_empty()) else {
            if answer.body.is_empty() {
                return Ok(());
            }
            return Err(mismatch(&operation.id, answer, "", "a body where the document says there is none".into()));
        };
        let Some(media) = answer.content_type.map(media_type) else {
            return Err(mismatch(&operation.id, answer, "", "no Content-Type where the document lists one".into()));
        };
        let Some(documented) = content.keys().find(|key| key.eq_ignore_ascii_case(&media)) else {
            let listed: Vec<&str> = content.keys().map(String::as_str).collect();
            let problem = format!("content type `{media}` is not documented (the document lists {listed:?})");
            return Err(mismatch(&operation.id, answer, "", problem));
        };
        if !is_json(&media) || content[documented].get("schema").is_none() {
            return Ok(());
        }
        let pointer = format!("{responses_pointer}/{}/content/{}/schema", token(key), token(documented));
        self.check_body(&operation.id, &pointer, answer)
    }

    /// An answer to a path or method the document does not list: 404 or 405 in
    /// the error shape.
    fn check_fallback(&self, answer: &Observed<'_>, lookup: Lookup) -> Result<(), Mismatch> {
        let (expected, what) = match lookup {
            Lookup::NoPath => (404, format!("{} {} (no documented path)", answer.method, answer.path)),
            Lookup::NoMethod => (405, format!("{} {} (method not documented)", answer.method, answer.path)),
        };
        if answer.status != expected {
            return Err(mismatch(&what, answer, "", format!("expected the router's {expected}")));
        }
        self.check_body(&what, "/components/schemas/Error", answer)
    }

    fn check_body(&self, operation: &str, pointer: &str, answer: &Observed<'_>) -> Result<(), Mismatch> {
        let body: Value = serde_json::from_str(answer.body)
            .map_err(|error| mismatch(operation, answer, "", format!("the body is not JSON: {error}")))?;
        let problems = self.problems(pointer, &body).map_err(|error| mismatch(operation, answer, "", error))?;
        if problems.is_empty() {
            return Ok(());
        }
        Err(Mismatch { operation: operation.to_owned(), status: answer.status, problems, body: answer.body.to_owned() })
    }

    /// What is wrong with `body` against the schema at `pointer` in the document
    /// (a JSON pointer, e.g. `/components/schemas/Error`): every problem with the
    /// pointer into the body where it is. The same check the client applies to
    /// every answer.
    pub fn problems(&self, pointer: &str, body: &Value) -> Result<Vec<(String, String)>, String> {
        let validator = self.validator(pointer)?;
        Ok(validator
            .iter_errors(body)
            .map(|error| (error.instance_path().as_str().to_owned(), error.to_string()))
            .collect())
    }

    fn validator(&self, pointer: &str) -> Result<Arc<Validator>, String> {
        if let Some(validator) = self.validators.lock().unwrap_or_else(PoisonError::into_inner).get(pointer) {
            return Ok(validator.clone());
        }
        if self.document.pointer(pointer).is_none() {
            return Err(format!("the document has nothing at {pointer}"));
        }
        let schema = serde_json::json!({"$ref": format!("{DOCUMENT_URI}#{}", fragment(pointer))});
        let validator = jsonschema::options()
            .with_registry(&self.registry)
            .should_validate_formats(true)
            .build(&schema)
            .map_err(|error| format!("the schema at {pointer} does not compile: {error}"))?;
        let validator = Arc::new(validator);
        self.validators.lock().unwrap_or_else(PoisonError::into_inner).insert(pointer.to_owned(), validator.clone());
        Ok(validator)
    }
}

/// Why no operation was found.
#[derive(Debug, Clone, Copy)]
enum Lookup {
    NoPath,
    NoMethod,
}

fn mismatch(operation: &str, answer: &Observed<'_>, pointer: &str, problem: String) -> Mismatch {
    Mismatch {
        operation: operation.to_owned(),
        status: answer.status,
        problems: vec![(pointer.to_owned(), problem)],
        body: answer.body.to_owned(),
    }
}

/// A JSON pointer as a URI fragment: path templates' braces (and anything else
/// a fragment may not hold) percent-encoded (RFC 3986, 3.5).
fn fragment(pointer: &str) -> String {
    let mut encoded = String::with_capacity(pointer.len());
    for byte in pointer.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// The media type of a `Content-Type` value, without parameters, lowercase.
fn media_type(content_type: &str) -> String {
    content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase()
}

fn is_json(media: &str) -> bool {
    media == "application/json" || media.ends_with("+json")
}
