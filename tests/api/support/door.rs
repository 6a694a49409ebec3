//! A door in front of the fake Graph API, for network failures: while it
//! is shut, every connection is accepted, its request line read (so a test
//! knows what was refused) and then closed without an answer, which is
//! how a cut network or a dead proxy looks to the server; once opened, it
//! passes bytes both ways. Meta never sees a refused request.
//!
//! The record sits behind a `Mutex`: test scaffolding shared between the
//! door's task and the test, not domain state.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// What the door did so far.
#[derive(Debug, Default)]
struct Record {
    open: bool,
    /// The request line of every refused connection, in order.
    refused: Vec<String>,
}

/// A running door. It stops with the test's runtime.
#[derive(Debug, Clone)]
pub struct Door {
    url: String,
    record: Arc<Mutex<Record>>,
}

impl Door {
    /// A shut door on a fresh local port in front of `target`
    /// (`http://127.0.0.1:<port>`). Needs a tokio runtime, not an `.await`,
    /// so a settings tweak can put it in place.
    pub fn shut_in_front_of(target: &str) -> Door {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the door");
        listener.set_nonblocking(true).expect("a non-blocking listener");
        let url = format!("http://{}", listener.local_addr().expect("the door's address"));
        let listener = TcpListener::from_std(listener).expect("a tokio listener");
        let target = target.trim_start_matches("http://").trim_end_matches('/').to_string();
        let record = Arc::new(Mutex::new(Record::default()));
        let door = Door { url, record: record.clone() };
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let open = record.lock().expect("door lock").open;
                if open {
                    tokio::spawn(pass(client, target.clone()));
                } else {
                    tokio::spawn(refuse(client, record.clone()));
                }
            }
        });
        door
    }

    /// The base URL to give the server as `graph_api_base`.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// Lets every later connection through.
    pub fn open(&self) {
        self.record.lock().expect("door lock").open = true;
    }

    /// Waits until at least `n` refused requests' lines start with
    /// `line_start` (`POST /v21.0/<id>/messages`); returns those lines.
    pub async fn wait_for_refused(&self, line_start: &str, n: usize, timeout: Duration) -> Vec<String> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let refused = self.record.lock().expect("door lock").refused.clone();
            let matching: Vec<String> =
                refused.iter().filter(|l| l.starts_with(line_start)).cloned().collect();
            if matching.len() >= n {
                return matching;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "expected {n} refused {line_start:?} within {timeout:?}; refused {refused:#?}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// Reads the request line, then drops the connection unanswered.
async fn refuse(client: TcpStream, record: Arc<Mutex<Record>>) {
    let mut line = String::new();
    let mut client = BufReader::new(client);
    let _ = tokio::time::timeout(Duration::from_secs(5), client.read_line(&mut line)).await;
    record.lock().expect("door lock").refused.push(line.trim_end().to_string());
}

/// Passes bytes both ways until either side closes.
async fn pass(mut client: TcpStream, target: String) {
    if let Ok(mut upstream) = TcpStream::connect(&target).await {
        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
    }
}
