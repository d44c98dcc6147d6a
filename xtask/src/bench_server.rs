//! `cargo xtask bench-server`: the reference server beside a minimal axum
//! server doing the same work, under load, a login flood, churn and junk.
//!
//! Each server runs pinned to core 0 and the load generator (wrk) to core 1,
//! when the machine has two cores or more. It prints, for the reference
//! server and the baseline (`bench/`):
//!
//! - (a) `GET /users/me`: requests a second, p50 and p99 (the best of each
//!   server's rounds), and the ratio as the median of eight pairs of 5 s
//!   rounds of 32 connections, the two servers in turn;
//! - (b) `POST /token` at bcrypt cost 12, against the bcrypt limit measured
//!   on this machine (one hashing thread per core of the server);
//! - (c) `GET /users/me`'s p99 while 4 clients log in without pause (by
//!   cookie: the same bcrypt, and no refresh family to end the session of
//!   the token being read);
//!
//! then a soak of mixed traffic (scripts/soak.py: 60 s, no 5xx, no dropped
//! connection, memory flat) and an HTTP fuzz run (scripts/fuzz_http.py:
//! 10,000 random requests, no 5xx, the server still serving). wrk comes
//! from Debian's packages; it is installed if missing and possible.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use crate::root;

const SECRET: &str = "bench-secret-0123456789abcdefghijklmnopqrstuvwxyz";
const COURSE: &str = "127.0.0.1:18200";
const BASELINE: &str = "127.0.0.1:18201";
const FUZZ: &str = "127.0.0.1:18202";

/// A server process, killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn run() -> ExitCode {
    if let Err(why) = ensure_wrk() {
        eprintln!("bench-server: {why}");
        return ExitCode::FAILURE;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (server_core, load_core) = if cores >= 2 {
        (Some(0), Some(1))
    } else {
        (None, None)
    };
    eprintln!("bench-server: building the release server and the baseline ...");
    for args in [
        &[
            "build",
            "--release",
            "--package",
            "course-server",
            "--features",
            "solutions",
        ][..],
        &["build", "--release", "--package", "bench-baseline"],
    ] {
        let status = Command::new("cargo")
            .args(args)
            .current_dir(root())
            .status();
        if !status.is_ok_and(|s| s.success()) {
            eprintln!("bench-server: cargo {args:?} failed");
            return ExitCode::FAILURE;
        }
    }
    let release = root().join("target/release");
    let course = start(
        server_core,
        &release.join("server"),
        &[
            "--addr",
            COURSE,
            "--user-login-burst",
            "1000000",
            "--client-login-burst",
            "1000000",
            // The floods log one account in from one address: lift the
            // budgets of successful logins and the pool's shares too.
            "--user-success-burst",
            "1000000",
            "--client-success-burst",
            "1000000",
            "--pool-share",
            "1000",
        ],
        &[],
    );
    let baseline = start(
        server_core,
        &release.join("bench-baseline"),
        &[BASELINE, SECRET],
        &[],
    );
    if let Err(why) = wait_for(COURSE).and(wait_for(BASELINE)) {
        eprintln!("bench-server: {why}");
        return ExitCode::FAILURE;
    }
    let token = match login(COURSE) {
        Ok(token) => token,
        Err(why) => {
            eprintln!("bench-server: cannot log in: {why}");
            return ExitCode::FAILURE;
        }
    };
    let bearer = format!("Authorization: Bearer {token}");

    eprintln!("bench-server: (a) GET /users/me, {PAIRS} pairs of 5 s rounds ...");
    let paired = paired_rounds(load_core, [COURSE, BASELINE], &bearer);
    let [ours, theirs] = paired.best;
    eprintln!("bench-server: (b) POST /token for 10 s ...");
    let logins = wrk(
        load_core,
        COURSE,
        "/token",
        &[],
        Some(login_script()),
        4,
        10,
    );
    let limit = bcrypt_limit(if server_core.is_some() { 1 } else { cores });
    eprintln!("bench-server: (c) GET /users/me while 4 clients log in ...");
    // (b)'s logins ended the first token's session long ago (a user keeps
    // at most ten): a fresh one.
    let bearer = match login(COURSE) {
        Ok(token) => format!("Authorization: Bearer {token}"),
        Err(why) => {
            eprintln!("bench-server: cannot log in: {why}");
            return ExitCode::FAILURE;
        }
    };
    let (under_load, _) = std::thread::scope(|scope| {
        // Cookie logins: the same bcrypt, but no refresh family, so the
        // flood never ends the session of the token being read with
        // (a user has at most ten, step 10).
        let flood = scope.spawn(|| {
            wrk(
                load_core,
                COURSE,
                "/login",
                &[],
                Some(cookie_login_script()),
                4,
                12,
            )
        });
        std::thread::sleep(Duration::from_secs(1));
        let reads = wrk(load_core, COURSE, "/users/me", &[&bearer], None, 32, 10);
        (reads, flood.join())
    });

    println!("\nbench-server, {}", machine());
    println!(
        "{:<58} {:>12} {:>10} {:>10}",
        "figure", "req/s", "p50 ms", "p99 ms"
    );
    row("(a) GET /users/me, the minimal axum server", &theirs);
    row("(a) GET /users/me, this server (request log on)", &ours);
    let ratios = paired.ratios();
    println!(
        "    this server / minimal: {:.2}x, the median of {PAIRS} pairs of rounds ({:.2}x to {:.2}x; target >= 0.9x)",
        median(&ratios),
        ratios.first().copied().unwrap_or(0.0),
        ratios.last().copied().unwrap_or(0.0),
    );
    row("(b) POST /token, bcrypt cost 12", &logins);
    println!(
        "    bcrypt limit on this machine: {limit:.1} logins/s; reached {:.0}% (target >= 90%)",
        100.0 * logins.rate / limit
    );
    row("(c) GET /users/me while 4 clients log in", &under_load);
    println!("    p99 {:.2} ms (target <= 5 ms)", under_load.p99_ms);
    drop(course);
    drop(baseline);

    let soak = soak(server_core, &release.join("server"));
    let fuzz = fuzz(&release.join("server"));
    if soak && fuzz {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn ensure_wrk() -> Result<(), String> {
    if Command::new("wrk").arg("--version").output().is_ok() {
        return Ok(());
    }
    eprintln!("bench-server: installing wrk from Debian's packages ...");
    let installed = Command::new("sh")
        .args([
            "-c",
            "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk",
        ])
        .status()
        .is_ok_and(|s| s.success());
    if installed {
        Ok(())
    } else {
        Err("wrk is not installed and could not be: apt-get install wrk".to_owned())
    }
}

fn start(core: Option<usize>, program: &Path, args: &[&str], env: &[(&str, &str)]) -> Server {
    let mut command = match core {
        Some(core) => {
            let mut taskset = Command::new("taskset");
            taskset.args(["-c", &core.to_string()]).arg(program);
            taskset
        }
        None => Command::new(program),
    };
    command
        .args(args)
        .env("JWT_SECRET", SECRET)
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    Server(command.spawn().expect("the server starts"))
}

fn wait_for(addr: &str) -> Result<(), String> {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        if TcpStream::connect(addr).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!("nothing listens on {addr}"))
}

/// One HTTP/1.1 request on a fresh connection: the status and the body.
fn http(addr: &str, request: &str) -> Result<(u16, String), String> {
    let mut stream = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    stream
        .write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    let mut answer = String::new();
    stream
        .read_to_string(&mut answer)
        .map_err(|e| e.to_string())?;
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

const LOGIN_BODY: &str = "grant_type=password&username=alice&password=secret123";

fn login(addr: &str) -> Result<String, String> {
    let request = format!(
        "POST /token HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{LOGIN_BODY}",
        LOGIN_BODY.len()
    );
    let (status, body) = http(addr, &request)?;
    let json: serde_json::Value =
        serde_json::from_str(&body).map_err(|e| format!("{status}: {e}"))?;
    json["access_token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("{status}: {body}"))
}

fn login_script() -> PathBuf {
    wrk_post_script("course-bench-login.lua", LOGIN_BODY)
}

fn cookie_login_script() -> PathBuf {
    wrk_post_script(
        "course-bench-cookie-login.lua",
        "username=alice&password=secret123",
    )
}

/// A wrk script that posts `body` as a form.
fn wrk_post_script(name: &str, body: &str) -> PathBuf {
    let script = std::env::temp_dir().join(name);
    let lua = format!(
        "wrk.method = \"POST\"\nwrk.body = \"{body}\"\nwrk.headers[\"Content-Type\"] = \"application/x-www-form-urlencoded\"\n"
    );
    let _ = std::fs::write(&script, lua);
    script
}

/// What wrk measured.
#[derive(Debug, Clone, Copy, Default)]
struct Figures {
    /// Successful (2xx) responses a second: wrk's own rate counts errors too.
    rate: f64,
    p50_ms: f64,
    p99_ms: f64,
    /// Responses that were not 2xx or 3xx.
    failed: u64,
}

fn wrk(
    core: Option<usize>,
    addr: &str,
    path: &str,
    headers: &[&str],
    script: Option<PathBuf>,
    connections: usize,
    seconds: u64,
) -> Figures {
    let mut command = match core {
        Some(core) => {
            let mut taskset = Command::new("taskset");
            taskset.args(["-c", &core.to_string(), "wrk"]);
            taskset
        }
        None => Command::new("wrk"),
    };
    command.args([
        "-t1",
        "-c",
        &connections.to_string(),
        "-d",
        &format!("{seconds}s"),
        "--latency",
        "--timeout",
        "10s",
    ]);
    for header in headers {
        command.args(["-H", header]);
    }
    if let Some(script) = script {
        command.arg("-s").arg(script);
    }
    command.arg(format!("http://{addr}{path}"));
    let output = command
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    parse_wrk(&output)
}

fn parse_wrk(output: &str) -> Figures {
    let mut figures = Figures::default();
    let (mut requests, mut seconds) = (0u64, 0f64);
    for line in output.lines().map(str::trim) {
        // "123456 requests in 10.00s, 22.10MB read"
        if let Some((count, rest)) = line.split_once(" requests in ") {
            requests = count.trim().parse().unwrap_or(0);
            seconds = millis(rest.split(',').next().unwrap_or("").trim()) / 1000.0;
        } else if let Some(failed) = line.strip_prefix("Non-2xx or 3xx responses:") {
            figures.failed = failed.trim().parse().unwrap_or(0);
        } else if let Some(p50) = line.strip_prefix("50%") {
            figures.p50_ms = millis(p50.trim());
        } else if let Some(p99) = line.strip_prefix("99%") {
            figures.p99_ms = millis(p99.trim());
        }
    }
    if seconds > 0.0 {
        figures.rate = requests.saturating_sub(figures.failed) as f64 / seconds;
    }
    figures
}

/// wrk's `812.00us`, `1.23ms` or `2.01s`, in milliseconds.
fn millis(text: &str) -> f64 {
    let (number, unit) =
        text.split_at(text.find(|c: char| c.is_alphabetic()).unwrap_or(text.len()));
    let number: f64 = number.parse().unwrap_or(0.0);
    match unit {
        "us" => number / 1000.0,
        "ms" => number,
        "s" => number * 1000.0,
        _ => number,
    }
}

/// Pairs of (a) rounds, each server once a pair.
const PAIRS: usize = 8;

/// (a)'s rounds: the best of each server, and each pair's two rates.
struct Paired {
    best: [Figures; 2],
    pairs: Vec<[f64; 2]>,
}

impl Paired {
    /// Each pair's ratio, the first server over the second, in order.
    fn ratios(&self) -> Vec<f64> {
        let mut ratios: Vec<f64> = self
            .pairs
            .iter()
            .map(|[ours, theirs]| ours / theirs.max(1.0))
            .collect();
        ratios.sort_by(f64::total_cmp);
        ratios
    }
}

/// [`PAIRS`] pairs of 5 s rounds, the two servers in turn (which goes first
/// alternates). A shared machine moves both servers by 10–20% from one
/// minute to the next; two rounds side by side see the same minute, so the
/// ratio of a pair is steadier than the ratio of two best rounds.
fn paired_rounds(core: Option<usize>, addrs: [&str; 2], bearer: &str) -> Paired {
    let mut paired = Paired {
        best: [Figures::default(), Figures::default()],
        pairs: Vec::new(),
    };
    for pair in 0..PAIRS {
        let mut rates = [0.0; 2];
        let order = if pair % 2 == 0 { [0, 1] } else { [1, 0] };
        for i in order {
            let round = wrk(core, addrs[i], "/users/me", &[bearer], None, 32, 5);
            rates[i] = round.rate;
            if round.rate > paired.best[i].rate {
                paired.best[i] = round;
            }
        }
        paired.pairs.push(rates);
    }
    paired
}

/// The middle of sorted `values` (the mean of the two middle ones).
fn median(values: &[f64]) -> f64 {
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// Logins a second that bcrypt at cost 12 allows with `threads` hashing
/// threads, measured here: a login is one bcrypt check, so time three
/// logins one after another on an idle server and take the median.
fn bcrypt_limit(threads: usize) -> f64 {
    let addr = "127.0.0.1:18203";
    let server = start(
        None,
        &root().join("target/release/server"),
        &["--addr", addr],
        &[],
    );
    let _ = wait_for(addr);
    let mut samples: Vec<f64> = (0..3)
        .map(|_| {
            let begun = Instant::now();
            let _ = login(addr);
            begun.elapsed().as_secs_f64()
        })
        .collect();
    drop(server);
    samples.sort_by(f64::total_cmp);
    threads as f64 / samples[1]
}

fn row(what: &str, figures: &Figures) {
    println!(
        "{what:<58} {:>12.0} {:>10.2} {:>10.2}",
        figures.rate, figures.p50_ms, figures.p99_ms
    );
    if figures.failed > 0 {
        println!(
            "    {} responses were not 2xx, left out of req/s",
            figures.failed
        );
    }
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let rustc = Command::new("rustc")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let date = Command::new("date")
        .arg("-u")
        .arg("+%Y-%m-%d")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!("{date}, {cores} cores ({cpu}), {rustc}; server on core 0, wrk on core 1")
}

fn soak(core: Option<usize>, server: &Path) -> bool {
    eprintln!("bench-server: soak, 60 s of mixed traffic ...");
    let soaked = start(
        core,
        server,
        // A queue deep enough for the soak's logins: a full queue answers 503
        // by design, which the soak counts as a failure.
        &[
            "--addr",
            COURSE,
            "--user-login-burst",
            "1000000",
            "--client-login-burst",
            "1000000",
            "--user-success-burst",
            "1000000",
            "--client-success-burst",
            "1000000",
            "--pool-share",
            "1000",
            "--log",
            "errors",
            "--hashing-queue",
            "64",
            "--bcrypt-cost",
            "10",
        ],
        &[],
    );
    if wait_for(COURSE).is_err() {
        return false;
    }
    let pid = soaked.0.id().to_string();
    let status = Command::new("python3")
        .arg(root().join("scripts/soak.py"))
        .args([&format!("http://{COURSE}"), &pid, "60", "8"])
        .status();
    drop(soaked);
    status.is_ok_and(|s| s.success())
}

fn fuzz(server: &Path) -> bool {
    eprintln!("bench-server: fuzz, 10,000 random requests ...");
    let fuzzed = start(
        None,
        server,
        &[
            "--addr",
            FUZZ,
            "--bcrypt-cost",
            "4",
            "--user-login-burst",
            "1000000",
            "--client-login-burst",
            "1000000",
            "--log",
            "errors",
        ],
        &[("COURSE_TEST_MODE", "1")],
    );
    if wait_for(FUZZ).is_err() {
        return false;
    }
    let status = Command::new("python3")
        .arg(root().join("scripts/fuzz_http.py"))
        .args([&format!("http://{FUZZ}"), "10000", "1"])
        .status();
    drop(fuzzed);
    status.is_ok_and(|s| s.success())
}

#[cfg(test)]
mod tests {
    use super::{Figures, Paired, median};

    #[test]
    fn the_ratio_is_the_median_of_the_pairs() {
        let paired = Paired {
            best: [Figures::default(), Figures::default()],
            pairs: vec![[90.0, 100.0], [50.0, 100.0], [99.0, 100.0], [80.0, 100.0]],
        };
        let ratios = paired.ratios();
        assert_eq!(ratios, [0.5, 0.8, 0.9, 0.99], "sorted, ours over theirs");
        assert!((median(&ratios) - 0.85).abs() < 1e-9, "{ratios:?}");
        assert_eq!(
            median(&[0.7, 0.8, 0.9][..]),
            0.8,
            "an odd count: the middle value"
        );
    }
}
