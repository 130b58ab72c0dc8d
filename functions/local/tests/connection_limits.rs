//! The local host's connection limits, tried as a slow or hostile client would (issue 10):
//! headers trickled a byte at a time, a body that stops half way, a keep-alive connection
//! left idle, and more connections than the cap. Limits are shortened through the
//! environment so that each case takes about a second.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_rainbownet");

struct Server {
    child: Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(max_connections: &str) -> Server {
    start_with(max_connections, &[])
}

fn start_with(max_connections: &str, env: &[(&str, &str)]) -> Server {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(BIN)
        .args(["serve", "--addr", "127.0.0.1:0", "--data"])
        .arg(dir.path().join("data"))
        .env("RAINBOWNET_JWT_SEED", "11".repeat(32))
        .env("RAINBOWNET_HEADER_TIMEOUT_MS", "600")
        .env("RAINBOWNET_BODY_TIMEOUT_MS", "600")
        .env("RAINBOWNET_MAX_CONNECTIONS", max_connections)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start rainbownet");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("listening line");
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("address")
        .to_owned();
    Server {
        child,
        addr,
        _dir: dir,
    }
}

fn connect(server: &Server) -> TcpStream {
    let stream = TcpStream::connect(&server.addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("read timeout");
    stream
}

/// Reads until the server closes; returns what it sent and how long that took.
fn until_closed(stream: &mut TcpStream) -> (String, Duration) {
    let started = Instant::now();
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    (
        String::from_utf8_lossy(&out).into_owned(),
        started.elapsed(),
    )
}

#[test]
fn trickled_headers_are_cut_off() {
    let server = start("64");
    let mut stream = connect(&server);
    let started = Instant::now();
    // One byte every 100 ms: each arrives well inside any per-read timeout, but the head
    // never completes within the header limit.
    for b in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaa" {
        if stream.write_all(&[*b]).is_err() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let (_, _) = until_closed(&mut stream);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "a trickling client held the connection for {:?}",
        started.elapsed()
    );
}

#[test]
fn a_stalled_body_is_a_408_problem() {
    let server = start("64");
    let mut stream = connect(&server);
    stream
        .write_all(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"email\":",
        )
        .expect("write");
    let (response, took) = until_closed(&mut stream);
    assert!(response.starts_with("HTTP/1.1 408"), "{response}");
    assert!(response.contains("application/problem+json"), "{response}");
    assert!(response.contains("/problems/request-timeout"), "{response}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
}

#[test]
fn an_idle_keep_alive_connection_is_closed() {
    let server = start("64");
    let mut stream = connect(&server);
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("write");
    let (response, took) = until_closed(&mut stream);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        took < Duration::from_secs(5),
        "an idle keep-alive connection stayed open {took:?}"
    );
}

#[test]
fn connections_beyond_the_cap_wait_until_one_closes() {
    let server = start("2");
    // Two connections that say nothing hold both places…
    let _a = connect(&server);
    let _b = connect(&server);
    std::thread::sleep(Duration::from_millis(100));
    // …so a third is not served until the header limit closes them.
    let mut c = connect(&server);
    let started = Instant::now();
    c.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("write");
    let (response, took) = until_closed(&mut c);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        took >= Duration::from_millis(400),
        "the third connection was served at once ({took:?}): no cap"
    );
    assert!(started.elapsed() < Duration::from_secs(8));
}

/// A connection from `from` (another loopback address is another client).
fn connect_from(server: &Server, from: [u8; 4]) -> TcpStream {
    let socket =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("socket");
    socket
        .bind(&std::net::SocketAddr::from((from, 0)).into())
        .expect("bind");
    let to: std::net::SocketAddr = server.addr.parse().expect("server address");
    socket.connect(&to.into()).expect("connect");
    let stream: TcpStream = socket.into();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("read timeout");
    stream
}

/// A body sent one byte every 200 ms: every piece comes well inside the body timeout, but
/// the whole does not come within its deadline.
fn trickle(stream: &mut TcpStream, bytes: usize) {
    let head = format!(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {bytes}\r\n\r\n"
    );
    let _ = stream.write_all(head.as_bytes());
}

#[test]
fn a_steadily_trickled_body_meets_a_deadline() {
    let server = start_with("64", &[("RAINBOWNET_BODY_MIN_RATE", "100")]);
    let mut stream = connect(&server);
    trickle(&mut stream, 200);
    let started = Instant::now();
    let mut response = Vec::new();
    // Until answered: before the deadline (0.6 s + 200 bytes at 100 B/s), a byte every 200 ms.
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .expect("read timeout");
    while started.elapsed() < Duration::from_secs(20) {
        let mut buf = [0u8; 4096];
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => response.extend_from_slice(&buf[..n]),
            Err(_) => {
                if stream.write_all(b" ").is_err() {
                    break;
                }
            }
        }
        if response.ends_with(b"}") {
            break;
        }
    }
    let response = String::from_utf8_lossy(&response);
    assert!(
        response.starts_with("HTTP/1.1 408"),
        "after {:?}: {response}",
        started.elapsed()
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "a trickled body held the connection {:?}",
        started.elapsed()
    );
}

#[test]
fn one_address_can_not_take_every_connection() {
    let server = start_with("32", &[("RAINBOWNET_MAX_CONNECTIONS_PER_ADDRESS", "8")]);
    // 32 connections from one client, each trickling a body: all the host's places, if
    // it let one address have them.
    let held: Vec<TcpStream> = (0..32)
        .map(|_| {
            let mut s = connect_from(&server, [127, 0, 0, 2]);
            trickle(&mut s, 1_000_000);
            s
        })
        .collect();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let feeding = {
        let stop = std::sync::Arc::clone(&stop);
        let mut streams = held;
        std::thread::spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                for s in &mut streams {
                    let _ = s.write_all(b" ");
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    let mut other = connect_from(&server, [127, 0, 0, 1]);
    other
        .set_read_timeout(Some(Duration::from_secs(3)))
        .expect("read timeout");
    let started = Instant::now();
    other
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("write");
    let mut head = [0u8; 12];
    let answered = other.read_exact(&mut head);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let _ = feeding.join();
    assert!(
        answered.is_ok() && head.starts_with(b"HTTP/1.1 200"),
        "another client waited {:?} for /healthz: {answered:?}",
        started.elapsed()
    );
}
