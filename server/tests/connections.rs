//! The server binary under a slow or greedy client: each deadline and cap
//! of its serve loop, with small configured values (one or two seconds, so
//! no test waits for the defaults), over raw TCP from loopback addresses
//! of the test's choosing (Linux answers all of 127.0.0.0/8).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SERVER: &str = env!("CARGO_BIN_EXE_server");
const LOOK: &str = "server/src/serve.rs and server/src/deadlines.rs";

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The server on a free port of 127.0.0.1 with `flags`; its address.
fn start(flags: &[&str]) -> (KillOnDrop, SocketAddr) {
    let child = Command::new(SERVER)
        .args(["--addr", "127.0.0.1:0", "--bcrypt-cost", "4", "--step", "7"])
        .args(flags)
        .env("COURSE_TEST_MODE", "1")
        .env("JWT_SECRET", "server-test-secret-0123456789abcdefghijkl")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the server binary");
    let mut child = KillOnDrop(child);
    let mut stderr = BufReader::new(child.0.stderr.take().expect("stderr"));
    let addr = loop {
        let mut line = String::new();
        if stderr.read_line(&mut line).unwrap_or(0) == 0 {
            panic!("the server exited before it said where it listens.\n  look at: {LOOK}");
        }
        if let Some(url) = line.split("listening on http://").nth(1) {
            break url.trim().parse().expect("an address");
        }
    };
    std::thread::spawn(move || for _ in stderr.lines() {});
    (child, addr)
}

/// A connection to `server` from the loopback address `from`.
fn connect(server: SocketAddr, from: [u8; 4]) -> TcpStream {
    let socket =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("a socket");
    socket
        .bind(&SocketAddr::from((from, 0)).into())
        .expect("bind a loopback address");
    socket
        .connect(&server.into())
        .expect("connect to the server");
    let stream: TcpStream = socket.into();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("a read timeout");
    stream
}

/// Reads until the server closes the connection; how long that took, or
/// `None` if it was still open after `limit`.
fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    stream
        .set_read_timeout(Some(limit))
        .expect("a read timeout");
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return Some(started.elapsed()),
            Ok(_) => {}
            Err(e) if matches!(e.kind(), std::io::ErrorKind::ConnectionReset) => {
                return Some(started.elapsed());
            }
            Err(_) => return None,
        }
        if started.elapsed() > limit {
            return None;
        }
    }
}

/// One whole request and its answer, read to the end of its body.
fn exchange(stream: &mut TcpStream, request: &str) -> String {
    stream.write_all(request.as_bytes()).expect("send");
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let read = stream.read(&mut buffer).expect("an answer");
        assert!(
            read > 0,
            "the server closed the connection without answering {request:?}"
        );
        answer.extend_from_slice(&buffer[..read]);
        let text = String::from_utf8_lossy(&answer);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().to_owned())
                })
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            if body.len() >= length {
                return text.into_owned();
            }
        }
    }
}

const TIMEOUTS: [&str; 4] = ["--header-timeout", "1", "--idle-timeout", "2"];

#[test]
fn a_head_that_stops_arriving_is_cut_off() {
    let (_server, addr) = start(&TIMEOUTS);
    let mut stream = connect(addr, [127, 0, 0, 1]);
    stream
        .write_all(b"GET /users/me HTTP/1.1\r\nHost: x\r\n")
        .expect("send half a head");
    let closed = closed_within(&mut stream, Duration::from_secs(4));
    assert!(
        closed.is_some(),
        "half a request head, then nothing, with --header-timeout 1: the server must close the connection \
         within about a second; it was still open after 4. A client that never finishes its head holds a task \
         and a file descriptor for ever (slowloris).\n  look at: {LOOK}"
    );
}

#[test]
fn a_head_sent_one_header_at_a_time_is_cut_off_at_its_deadline() {
    let (_server, addr) = start(&TIMEOUTS);
    let mut stream = connect(addr, [127, 0, 0, 1]);
    stream
        .write_all(b"GET /users/me HTTP/1.1\r\n")
        .expect("send");
    let started = Instant::now();
    let mut cut = false;
    for i in 0..12 {
        std::thread::sleep(Duration::from_millis(250));
        if stream
            .write_all(format!("X-Slow-{i}: a\r\n").as_bytes())
            .is_err()
        {
            cut = true;
            break;
        }
    }
    let cut = cut || closed_within(&mut stream, Duration::from_millis(500)).is_some();
    assert!(
        cut,
        "a head sent one header every quarter second for {:?}, with --header-timeout 1: the whole head is due \
         within a second of its first byte, however the bytes trickle in; the connection was still open.\n  \
         look at: {LOOK}",
        started.elapsed()
    );
}

#[test]
fn a_body_that_stops_arriving_is_cut_off() {
    let (_server, addr) = start(&TIMEOUTS);
    let mut stream = connect(addr, [127, 0, 0, 1]);
    stream
        .write_all(
            b"POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
              Content-Length: 100\r\n\r\ngrant_type",
        )
        .expect("send a head and part of a body");
    assert!(
        closed_within(&mut stream, Duration::from_secs(4)).is_some(),
        "a request whose body stops after 10 of 100 bytes, with --header-timeout 1: a body is due in full \
         within a second of the end of its head; the connection was still open after 4.\n  look at: {LOOK}"
    );
}

#[test]
fn a_keep_alive_connection_at_rest_closes_after_the_idle_timeout() {
    let (_server, addr) = start(&TIMEOUTS);
    let mut stream = connect(addr, [127, 0, 0, 1]);
    let answer = exchange(&mut stream, "GET /users/me HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(
        answer.starts_with("HTTP/1.1 401"),
        "GET /users/me without a token: {answer}"
    );
    let started = Instant::now();
    let closed = closed_within(&mut stream, Duration::from_secs(5));
    assert!(
        closed.is_some_and(|after| after >= Duration::from_millis(1500)),
        "a keep-alive connection at rest after an answer, with --header-timeout 1 and --idle-timeout 2: it must \
         close after about two seconds, the idle timeout, not the header timeout (a client between two \
         requests is not sending a head); it closed after {closed:?} ({:?} since the answer).\n  look at: {LOOK}",
        started.elapsed()
    );
}

#[test]
fn one_address_cannot_hold_every_connection() {
    let (_server, addr) = start(&[
        "--max-connections-per-address",
        "4",
        "--max-connections",
        "6",
    ]);
    let _held: Vec<TcpStream> = (0..4).map(|_| connect(addr, [127, 0, 0, 2])).collect();
    // Give the server a moment to count them.
    std::thread::sleep(Duration::from_millis(100));
    let mut fifth = connect(addr, [127, 0, 0, 2]);
    let mut refused = String::new();
    let _ = fifth.read_to_string(&mut refused);
    assert!(
        refused.starts_with("HTTP/1.1 503"),
        "a fifth connection from an address that holds four, with --max-connections-per-address 4: refused at \
         once with 503, and closed; got {refused:?}.\n  look at: admit in server/src/serve.rs"
    );
    let mut other = connect(addr, [127, 0, 0, 3]);
    let answer = exchange(&mut other, "GET /users/me HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(
        answer.starts_with("HTTP/1.1 401"),
        "another address, while the first holds its four connections, is answered at once; got {answer:?}.\n  \
         look at: admit in server/src/serve.rs"
    );
    let _second = connect(addr, [127, 0, 0, 4]);
    std::thread::sleep(Duration::from_millis(100));
    let mut seventh = connect(addr, [127, 0, 0, 5]);
    let mut refused = String::new();
    let _ = seventh.read_to_string(&mut refused);
    assert!(
        refused.starts_with("HTTP/1.1 503"),
        "a seventh connection with six open (--max-connections 6), from an address that holds none: refused at \
         once with 503; got {refused:?}.\n  look at: admit in server/src/serve.rs"
    );
}
