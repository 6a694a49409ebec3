//! A tiny HTTP/1.1 client for the server's own port: the demo seeds its
//! tenant and delivers the sandbox's webhooks through the public API, the
//! same way any client does. One request per connection
//! (`Connection: close`), JSON bodies, loopback only: no TLS, no proxies,
//! no redirects. (The edge crate has no HTTP client dependency, and these
//! few lines are all the demo needs.)

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long one loopback request may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// What the server answered.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    /// The body as JSON (`Null` when empty or not JSON).
    pub body: Value,
}

impl Reply {
    /// True for 2xx.
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// A client for `http://<addr>`.
#[derive(Debug, Clone)]
pub struct Loopback {
    addr: SocketAddr,
    token: Option<String>,
}

impl Loopback {
    /// A client for the server bound at `bound` (an unspecified address
    /// such as `0.0.0.0` is reached over loopback).
    pub fn new(bound: SocketAddr) -> Self {
        let ip = match bound.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        Self { addr: SocketAddr::new(ip, bound.port()), token: None }
    }

    /// `http://host:port`, for people.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The same client, sending `Authorization: Bearer <token>`.
    pub fn with_token(&self, token: &str) -> Self {
        Self { addr: self.addr, token: Some(token.to_string()) }
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> std::io::Result<Reply> {
        self.send("GET", path, None, &[]).await
    }

    /// `POST path` with a JSON body.
    pub async fn post(&self, path: &str, body: &Value) -> std::io::Result<Reply> {
        self.send("POST", path, Some(body.to_string().into_bytes()), &[]).await
    }

    /// `PUT path` with a JSON body.
    pub async fn put(&self, path: &str, body: &Value) -> std::io::Result<Reply> {
        self.send("PUT", path, Some(body.to_string().into_bytes()), &[]).await
    }

    /// Any request; `body` is sent as `application/json`.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<Vec<u8>>,
        headers: &[(&str, &str)],
    ) -> std::io::Result<Reply> {
        tokio::time::timeout(TIMEOUT, self.exchange(method, path, body, headers))
            .await
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, format!("{method} {path}")))?
    }

    async fn exchange(
        &self,
        method: &str,
        path: &str,
        body: Option<Vec<u8>>,
        headers: &[(&str, &str)],
    ) -> std::io::Result<Reply> {
        let mut stream = TcpStream::connect(self.addr).await?;
        let body = body.unwrap_or_default();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nAccept: application/json\r\n\
             Content-Length: {}\r\n",
            self.addr,
            body.len()
        );
        if !body.is_empty() {
            head.push_str("Content-Type: application/json\r\n");
        }
        if let Some(token) = &self.token {
            head.push_str(&format!("Authorization: Bearer {token}\r\n"));
        }
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(&body).await?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await?;
        parse_response(&raw)
    }
}

fn invalid(why: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, why.to_string())
}

/// Status and JSON body of a complete HTTP/1.1 response.
fn parse_response(raw: &[u8]) -> std::io::Result<Reply> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or_else(|| invalid("no header end"))?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| invalid("no status line"))?;
    let chunked = lines.any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    });
    let rest = &raw[split + 4..];
    let body = if chunked { dechunk(rest)? } else { rest.to_vec() };
    Ok(Reply { status, body: serde_json::from_slice(&body).unwrap_or(Value::Null) })
}

/// Joins a chunked body.
fn dechunk(mut rest: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n").ok_or_else(|| invalid("chunk size"))?;
        let size = String::from_utf8_lossy(&rest[..line_end]);
        let size = usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| invalid("chunk size"))?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        let chunk = rest.get(..size).ok_or_else(|| invalid("short chunk"))?;
        out.extend_from_slice(chunk);
        rest = rest.get(size + 2..).unwrap_or_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_plain_and_chunked_responses() {
        let plain = b"HTTP/1.1 201 Created\r\ncontent-length: 8\r\n\r\n{\"a\":1}\n";
        let reply = parse_response(plain).unwrap();
        assert_eq!(reply.status, 201);
        assert_eq!(reply.body["a"], 1);
        let chunked =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"b\"\r\n3\r\n:2}\r\n0\r\n\r\n";
        let reply = parse_response(chunked).unwrap();
        assert_eq!(reply.body["b"], 2);
        assert!(parse_response(b"garbage").is_err());
    }

    #[test]
    fn an_unspecified_bind_is_reached_on_localhost() {
        let client = Loopback::new("0.0.0.0:8080".parse().unwrap());
        assert_eq!(client.base_url(), "http://127.0.0.1:8080");
    }
}
