//! A request held in flight: over a raw TCP connection, its head and all of
//! its body but the last byte go out now, the last byte later. In between,
//! the server has parsed the head and its handler is waiting for the body,
//! so a test can hold a request open across an event (a full admission
//! queue, say) and then see how it is answered.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A request whose last body byte is not sent yet.
#[derive(Debug)]
pub struct HalfSent {
    stream: TcpStream,
    last: u8,
}

/// The answer, read off the wire.
#[derive(Debug)]
pub struct RawResponse {
    /// HTTP status.
    pub status: u16,
    /// The whole answer, head and body, as text.
    pub text: String,
}

impl HalfSent {
    /// Sends `method path` with `headers` and all of `body` (not empty) but
    /// its last byte to `base` (`http://127.0.0.1:<port>`).
    pub async fn start(base: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Self {
        let (&last, sent) = body.split_last().expect("a body to hold back a byte of");
        let address = base.trim_start_matches("http://");
        let mut stream = TcpStream::connect(address).await.expect("connect to the server");
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nhost: {address}\r\nconnection: close\r\ncontent-length: {}\r\n",
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).await.expect("send the head");
        stream.write_all(sent).await.expect("send the body but its last byte");
        HalfSent { stream, last }
    }

    /// Sends the last byte and reads the answer (the server closes the
    /// connection after it: `connection: close`).
    pub async fn finish(mut self) -> RawResponse {
        self.stream.write_all(&[self.last]).await.expect("send the last byte");
        let mut raw = Vec::new();
        self.stream.read_to_end(&mut raw).await.expect("read the answer");
        let text = String::from_utf8_lossy(&raw).into_owned();
        let status = text
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no HTTP status line in {text:?}"));
        RawResponse { status, text }
    }
}
