//! A tiny HTTP/1.1 server on 127.0.0.1 for the HTTP client's tests, and helpers
//! to build clients against it. One request per connection, answered from a
//! handler; every request is recorded.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use block_core::http::{HttpClient, HttpPolicy, ReqwestTransport, RetryPolicy, StaticResolver};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    /// Lower-cased names, in order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// A canned answer.
#[derive(Debug, Clone)]
pub struct Canned {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    with_length: bool,
}

impl Canned {
    pub fn status(status: u16) -> Self {
        Canned { status, headers: Vec::new(), body: Vec::new(), with_length: true }
    }

    pub fn ok(body: impl Into<Vec<u8>>) -> Self {
        Canned::status(200).body(body)
    }

    pub fn redirect(status: u16, location: &str) -> Self {
        Canned::status(status).header("location", location)
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// Sends no Content-Length: the body ends when the connection closes.
    pub fn without_length(mut self) -> Self {
        self.with_length = false;
        self
    }
}

type Handler = dyn Fn(&Received, usize) -> Canned + Send + Sync;

/// A running server; it stops with the test's runtime.
pub struct TestServer {
    pub addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
}

impl TestServer {
    /// Starts a server answering with `handler(request, index)`, where `index`
    /// counts the requests received so far (0 for the first).
    pub async fn start(handler: impl Fn(&Received, usize) -> Canned + Send + Sync + 'static) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local address");
        let received = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let log = received.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let handler = handler.clone();
                let log = log.clone();
                tokio::spawn(async move {
                    let _ = serve_one(stream, handler, log).await;
                });
            }
        });
        TestServer { addr, received }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.addr.port())
    }

    pub fn requests(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

async fn serve_one(
    mut stream: TcpStream,
    handler: Arc<Handler>,
    log: Arc<Mutex<Vec<Received>>>,
) -> std::io::Result<()> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            return Ok(());
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let method = request_line.next().unwrap_or_default().to_owned();
    let path = request_line.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .and_then(|(_, value)| value.parse().ok())
        .unwrap_or(0);
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..read]);
    }
    let request = Received { method, path, headers, body };
    let index = {
        let mut log = log.lock().unwrap();
        log.push(request.clone());
        log.len() - 1
    };
    let canned = handler(&request, index);
    let mut response = format!("HTTP/1.1 {} Canned\r\nconnection: close\r\n", canned.status);
    for (name, value) in &canned.headers {
        response.push_str(&format!("{name}: {value}\r\n"));
    }
    if canned.with_length {
        response.push_str(&format!("content-length: {}\r\n", canned.body.len()));
    }
    response.push_str("\r\n");
    stream.write_all(response.as_bytes()).await?;
    // A client that gives up early closes the connection; that is not an error here.
    let _ = stream.write_all(&canned.body).await;
    let _ = stream.shutdown().await;
    Ok(())
}

/// A policy for tests against local servers: loopback allowed, fast retries.
pub fn local_policy() -> HttpPolicy {
    HttpPolicy::default().danger_allow_loopback_for_tests().retry(fast_retries())
}

/// Retries with millisecond back-off, so tests stay fast in real time.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(std::time::Duration::from_millis(1))
        .max_delay(std::time::Duration::from_millis(5))
}

/// A client over the real transport with a test resolver.
pub fn reqwest_client(policy: HttpPolicy, resolver: StaticResolver) -> HttpClient {
    let transport = ReqwestTransport::builder().resolver(Arc::new(resolver)).build().expect("transport builds");
    HttpClient::new(policy, Arc::new(transport))
}
