//! The three figures of `cargo xtask bench` that time `cargo course` itself,
//! on the bench's scratch copy, with every step but the last solved:
//!
//! - status after one edit to the current step (≤ 1.5 s), median of 3, and
//!   after one edit to step 02, which re-runs every later step (a figure);
//! - watch, from the save that fixes the last step's last mistake to its
//!   verdict (≤ 1.5 s);
//! - `cargo course serve` after `cargo course test`: the first (it compiles
//!   the server's own package, and nothing else) and the next, to a
//!   listening server.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use course_runner::mistakes;
use course_runner::steps::STEPS;

const SERVE_ADDR: &str = "127.0.0.1:18410";

pub struct CourseFigures {
    pub status_after_edit: Duration,
    /// After an edit to step 02, which every later step depends on.
    pub status_after_early_edit: Duration,
    pub watch_save_to_verdict: Duration,
    /// The first serve: compiles the server's package, then listens.
    pub first_serve: Duration,
    /// Every later serve.
    pub serve_after_tests: Duration,
    /// Files of other packages than the server's that cargo wrote in
    /// target/debug/deps while the first `serve` started: none.
    pub serve_compiled: Vec<String>,
}

/// `course` is the built `course` binary; `repo` the scratch copy.
pub fn measure(course: &Path, repo: &Path, target: &Path) -> CourseFigures {
    let run = |args: &[&str]| {
        let mut command = Command::new(course);
        command
            .args(args)
            .current_dir(repo)
            .env("COURSE_ROOT", repo)
            .env("CARGO_TARGET_DIR", target)
            .stdin(Stdio::null());
        command
    };
    let steps: Vec<PathBuf> = sorted_files(&repo.join("solutions"));
    let (last, earlier) = steps.split_last().expect("the course has steps");
    for solution in earlier {
        let name = solution.file_name().expect("a file name");
        std::fs::copy(solution, repo.join("exercises").join(name)).expect("copy a solution");
    }
    quiet(run(&["status"])); // the first status builds and runs every step

    // The learner works on the current step, the last: each save changes
    // only its inputs, so status re-runs that one step.
    let current = repo
        .join("exercises")
        .join(last.file_name().expect("a file name"));
    let stub = std::fs::read_to_string(&current).expect("read the last exercise");
    let edit = |i: usize| {
        std::fs::write(&current, format!("{stub}\n// edit {i}\n")).expect("edit");
        let started = Instant::now();
        quiet(run(&["status"]));
        started.elapsed()
    };
    edit(0); // the first run of that step's tests in this build
    let status_after_edit = crate::bench::median((1..=3).map(edit).collect());
    std::fs::write(&current, &stub).expect("put the stub back");

    // An edit to an early step changes the inputs of every later step.
    let early = repo.join("exercises/02_passwords.rs");
    let worked = std::fs::read_to_string(&early).expect("read exercise 02");
    std::fs::write(&early, format!("{worked}\n// edit\n")).expect("edit");
    let started = Instant::now();
    quiet(run(&["status"]));
    let status_after_early_edit = started.elapsed();

    // Watch times the last save of a step: the one that fixes its last
    // failing test. The step starts as its reference with its first
    // catalogued mistake made, already built and run once.
    let step = STEPS.last().expect("the course has steps");
    let reference = std::fs::read_to_string(last).expect("read the last solution");
    let almost = mistakes::load(repo, step)
        .ok()
        .and_then(|catalogue| catalogue.first()?.apply(&reference).ok())
        .expect("the last step has a catalogued mistake that applies");
    std::fs::write(&current, almost).expect("make the mistake");
    quiet(run(&["status"]));
    let watch_save_to_verdict = watch(run(&["watch"]), last, repo);

    let last_step = step.number.to_string();
    quiet(run(&["test", &last_step]));
    let serve_last = || run(&["serve", &last_step, "--", "--addr", SERVE_ADDR]);
    let deps = target.join("debug/deps");
    // The first serve compiles the server's own package (`server-*` in
    // deps) and the course's glue library over the steps (one `course`
    // crate), and nothing the tests built; the next compiles nothing.
    let (first_serve, written) = serve(serve_last(), &deps);
    let (serve_after_tests, _) = serve(serve_last(), &deps);
    CourseFigures {
        status_after_edit,
        status_after_early_edit,
        watch_save_to_verdict,
        first_serve,
        serve_after_tests,
        serve_compiled: beyond_the_server(written),
    }
}

/// The files written that are neither the server's nor the one `course`
/// crate of the glue: every step's package is also a crate named `course`,
/// so a second `course` crate written means a step was rebuilt.
fn beyond_the_server(written: Vec<String>) -> Vec<String> {
    let course_crate = |name: &str| {
        let rest = name.strip_prefix("lib").unwrap_or(name);
        rest.strip_prefix("course-")
            .map(|hash| hash.split('.').next().unwrap_or(hash).to_owned())
    };
    let crates: std::collections::BTreeSet<String> = written
        .iter()
        .filter_map(|name| course_crate(name))
        .collect();
    written
        .into_iter()
        .filter(|name| !name.starts_with("server-"))
        .filter(|name| crates.len() > 1 || course_crate(name).is_none())
        .collect()
}

fn sorted_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("list solutions/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    files
}

fn quiet(mut command: Command) {
    let _ = command.stdout(Stdio::null()).stderr(Stdio::null()).status();
}

/// Lines of a child's stream, as they come.
fn lines(stream: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    receive
}

/// Starts watch, waits until it watches the last step, saves that step's
/// solution and times the wait for "step NN name done".
fn watch(mut command: Command, solution: &Path, repo: &Path) -> Duration {
    let stem = solution
        .file_stem()
        .expect("a stem")
        .to_string_lossy()
        .into_owned();
    let (number, name) = stem.split_once('_').expect("NN_name");
    let verdict = format!("step {number} {name} done");
    let mut child = KillOnDrop::spawn(command.stdout(Stdio::piped()).stderr(Stdio::null()));
    let seen = lines(child.0.stdout.take().expect("stdout"));
    let deadline = Instant::now() + Duration::from_secs(600);
    let mut saved: Option<Instant> = None;
    while Instant::now() < deadline {
        let Ok(line) = seen.recv_timeout(Duration::from_millis(200)) else {
            continue;
        };
        if saved.is_none() && line.contains("Watching exercises/") {
            std::fs::copy(solution, repo.join("exercises").join(format!("{stem}.rs")))
                .expect("save the solution");
            saved = Some(Instant::now());
        } else if let Some(at) = saved
            && line.contains(&verdict)
        {
            return at.elapsed();
        }
    }
    panic!("bench: watch never said `{verdict}`");
}

/// Time from `cargo course serve` to a server that accepts connections, and
/// the files cargo wrote in `deps` meanwhile (none if nothing was rebuilt).
fn serve(mut command: Command, deps: &Path) -> (Duration, Vec<String>) {
    let since = std::time::SystemTime::now();
    let started = Instant::now();
    let child = KillOnDrop::spawn(command.stdout(Stdio::null()).stderr(Stdio::null()));
    while started.elapsed() < Duration::from_secs(300) {
        if TcpStream::connect(SERVE_ADDR).is_ok() {
            let took = started.elapsed();
            drop(child);
            let written = std::fs::read_dir(deps)
                .into_iter()
                .flatten()
                .filter_map(Result::ok)
                .filter(|e| {
                    e.metadata()
                        .and_then(|m| m.modified())
                        .is_ok_and(|m| m >= since)
                })
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            return (took, written);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("bench: `cargo course serve` never listened on {SERVE_ADDR}");
}

/// A `cargo course` process in a process group of its own, killed with
/// everything it started (cargo, the server) when dropped.
struct KillOnDrop(Child);

impl KillOnDrop {
    fn spawn(command: &mut Command) -> Self {
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(command, 0);
        Self(command.spawn().expect("`cargo course` starts"))
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        #[cfg(unix)]
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.0.id())])
            .status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
