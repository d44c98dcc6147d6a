//! The server binary as an operator runs it: it refuses an unsafe key, and
//! it serves a step's app on a real port and stops cleanly on SIGTERM.
//! `cargo xtask verify` runs these with `--features solutions`; each step's
//! own app is tested in-process by that step's tests.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

const SERVER: &str = env!("CARGO_BIN_EXE_server");
const LOOK: &str = "server/src/main.rs and server/src/config.rs";

#[test]
fn the_server_refuses_a_short_secret() {
    let output = Command::new(SERVER)
        .env("JWT_SECRET", "too-short")
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("run the server binary");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.code() == Some(1) && stderr.contains("JWT_SECRET is too short"),
        "the server started with JWT_SECRET=too-short (9 bytes) must exit with status 1 and say \
         `JWT_SECRET is too short`: HS256 needs a 32-byte key (RFC 7518 §3.2). It exited with {:?} \
         and printed:\n{stderr}\n  look at: {LOOK}",
        output.status.code()
    );
}

/// Kills the server when the test ends, passed or failed: no orphan server
/// is left running after a failed assertion.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `server --step step` on a free port; returns it and its base URL.
fn start(step: usize) -> (KillOnDrop, String) {
    let child = Command::new(SERVER)
        // bcrypt at the test cost, which the server allows only in test mode.
        .args(["--addr", "127.0.0.1:0", "--bcrypt-cost", "4"])
        .args(["--step", &step.to_string()])
        .env("COURSE_TEST_MODE", "1")
        .env("JWT_SECRET", "server-test-secret-0123456789abcdefghijkl")
        .env("RUST_BACKTRACE", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the server binary");
    let mut child = KillOnDrop(child);
    let mut stderr = BufReader::new(child.0.stderr.take().expect("stderr"));
    let mut seen = String::new();
    let base = loop {
        let mut line = String::new();
        if stderr.read_line(&mut line).unwrap_or(0) == 0 {
            let _ = child.0.wait();
            panic!(
                "`server --step {step}` exited before it said `listening on http://...`; it printed:\n{seen}\n  \
                 look at: {LOOK}, and the panic above if there is one"
            );
        }
        seen += &line;
        if let Some(url) = line.split("listening on ").nth(1) {
            break url.trim().to_owned();
        }
    };
    // Keep draining the log so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in stderr.lines() {});
    (child, base)
}

/// Logs alice in and reads her profile; the status of each answer.
async fn log_in_and_read_the_profile(base: &str) -> (u16, u16) {
    let client = reqwest::Client::new();
    let login = client
        .post(format!("{base}/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=password&username=alice&password=secret123")
        .send()
        .await
        .expect("POST /token to the server binary");
    let login_status = login.status().as_u16();
    let token: serde_json::Value =
        serde_json::from_str(&login.text().await.unwrap_or_default()).unwrap_or_default();
    let me = client
        .get(format!("{base}/users/me"))
        .bearer_auth(token["access_token"].as_str().unwrap_or_default())
        .send()
        .await
        .expect("GET /users/me on the server binary");
    (login_status, me.status().as_u16())
}

/// The first and the last step with a whole app: the server assembles each
/// from the steps up to it.
#[tokio::test]
async fn the_server_serves_each_steps_app() {
    for step in [7, 15] {
        let (_server, base) = start(step);
        let (login, me) = log_in_and_read_the_profile(&base).await;
        assert_eq!(
            (login, me),
            (200, 200),
            "`server --step {step}`: POST /token with alice's password, then GET /users/me with \
             the token, must both answer 200; they answered {login} and {me}.\n  look at: \
             course::assemble::app and {LOOK}"
        );
    }
}

#[cfg(unix)]
#[test]
fn the_server_stops_cleanly_on_sigterm() {
    let (mut server, _) = start(7);
    let pid = server.0.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let status = server.0.wait().expect("the server exits");
    assert!(
        status.success(),
        "on SIGTERM the server must stop accepting, finish what it is answering and exit 0 \
         (a process manager reads anything else as a crash); it exited with {status}.\n  \
         look at: shutdown_signal in server/src/main.rs"
    );
}
