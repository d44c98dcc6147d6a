//! `cargo xtask bench`: the speed a learner feels, measured.
//!
//! Works on a scratch copy of the repository with its own target dir, so the
//! cold build is really cold and the learner's files are never touched.
//! Prints four figures against their targets (2-core machine):
//!
//! - cold build: `cargo test --no-run --features solutions`, clean target (≤ 75 s);
//! - edit to result: change a function in an exercise, run its step's tests,
//!   median of 5 (≤ 1.0 s);
//! - whole suite, after the build: the course's and the quiz's tests with the solutions,
//!   median of 3 (≤ 5 s);
//! - `cargo course`: status after one edit, watch's save to verdict, and
//!   serve after the tests (see bench_course.rs);
//! - quiz start-up to the first question, release build, whole bank, median of
//!   20 (≤ 50 ms).

use course_runner::steps::LAST_STEP;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use course_runner::compile::cargo_command;

use crate::root;

pub fn run() -> ExitCode {
    let scratch = std::env::temp_dir().join(format!("course-bench-{}", std::process::id()));
    let repo = scratch.join("course");
    copy_tracked_files(&repo);
    let target = scratch.join("target");
    let in_copy = |args: &[&str]| {
        let mut command = cargo_command(&root());
        command.args(args);
        command
            .current_dir(&repo)
            .env("CARGO_TARGET_DIR", &target)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        command
    };

    eprintln!("bench: cold build in {} ...", repo.display());
    let cold = time(in_copy(&["test", "--no-run", "--features", "solutions"]));

    // A learner who has solved steps 1 and 2 edits step 2 and reruns its tests.
    for file in ["01_fake_db.rs", "02_passwords.rs"] {
        std::fs::copy(
            repo.join("solutions").join(file),
            repo.join("exercises").join(file),
        )
        .expect("copy a solution");
    }
    let exercise = repo.join("exercises/02_passwords.rs");
    let original = std::fs::read_to_string(&exercise).expect("read the exercise");
    let step_tests = ["test", "--test", "step02_passwords"];
    time(in_copy(&step_tests)); // warm the no-feature build
    let edits: Vec<Duration> = (0..5)
        .map(|i| {
            let edited =
                original.replace("not a real password", &format!("not a real password {i}"));
            let started = Instant::now();
            std::fs::write(&exercise, edited).expect("edit the exercise");
            time(in_copy(&step_tests));
            started.elapsed()
        })
        .collect();

    // The course's (every step's package) and the quiz's tests; the tools'
    // own tests (course-runner) build whole scratch courses and are timed by
    // CI, not here, and the server's start its binary.
    let suite = [
        "test",
        "--workspace",
        "--exclude",
        "course-runner",
        "--exclude",
        "course-server",
        "--exclude",
        "xtask",
        "--exclude",
        "bench-baseline",
        "--features",
        "solutions",
    ];
    time(in_copy(&suite)); // build whatever --no-run did not
    let suites: Vec<Duration> = (0..3).map(|_| time(in_copy(&suite))).collect();

    time(in_copy(&[
        "build",
        "--package",
        "course-runner",
        "--bin",
        "course",
    ]));
    let course = crate::bench_course::measure(&target.join("debug/course"), &repo, &target);

    time(in_copy(&["build", "--release", "--package", "quiz"]));
    let quiz = target.join("release/quiz");
    let starts: Vec<Duration> = (0..20).map(|_| quiz_start(&quiz, &repo)).collect();

    let _ = std::fs::remove_dir_all(&scratch);
    report(
        "cold build (cargo test --no-run --features solutions)",
        cold,
        Duration::from_secs(75),
    );
    report(
        "edit to result (step 02, median of 5)",
        median(edits),
        Duration::from_millis(1000),
    );
    report(
        "whole suite after the build (median of 3)",
        median(suites),
        Duration::from_secs(5),
    );
    report(
        &format!(
            "cargo course status, {} steps done, after editing step {LAST_STEP} (median of 3)",
            LAST_STEP - 1
        ),
        course.status_after_edit,
        Duration::from_millis(1500),
    );
    println!(
        "{:<58} {:>9.3} s  (re-runs steps 02 to {:02}: every one depends on it)",
        "cargo course status after editing step 02",
        course.status_after_early_edit.as_secs_f64(),
        LAST_STEP - 1
    );
    report(
        &format!("cargo course watch, save to verdict (step {LAST_STEP})"),
        course.watch_save_to_verdict,
        Duration::from_millis(1500),
    );
    println!(
        "{:<58} {:>9.3} s  (compiles the server's package and the glue, once)",
        "cargo course serve, the first, to listening",
        course.first_serve.as_secs_f64()
    );
    report(
        "cargo course serve after the tests, to listening",
        course.serve_after_tests,
        Duration::from_secs(3),
    );
    if course.serve_compiled.is_empty() {
        println!("    serve rebuilt none of the tests' dependencies: ok");
    } else {
        println!(
            "    serve rebuilt: {}  OVER TARGET",
            course.serve_compiled.join(", ")
        );
    }
    report(
        "quiz start-up to the first question (median of 20)",
        median(starts),
        Duration::from_millis(50),
    );
    ExitCode::SUCCESS
}

/// Copies what git tracks (and new files it does not ignore) into `to`.
fn copy_tracked_files(to: &Path) {
    let listing = Command::new("git")
        .args(["ls-files", "--cached", "--others", "--exclude-standard"])
        .current_dir(root())
        .output()
        .expect("git runs");
    for name in String::from_utf8_lossy(&listing.stdout).lines() {
        let from = root().join(name);
        if !from.is_file() {
            continue;
        }
        let dest = to.join(name);
        std::fs::create_dir_all(dest.parent().expect("a parent")).expect("make a folder");
        std::fs::copy(&from, &dest).expect("copy a file");
    }
}

/// Wall time of a command, which must succeed.
fn time(mut command: Command) -> Duration {
    let started = Instant::now();
    let status = command.status().expect("the command runs");
    assert!(status.success(), "bench: {command:?} failed");
    started.elapsed()
}

/// Time from launch to the first question on screen, then end of input.
fn quiz_start(quiz: &PathBuf, repo: &Path) -> Duration {
    let started = Instant::now();
    let status = Command::new(quiz)
        .args(["--count", "1", "--seed", "1", "--no-save"])
        .current_dir(repo)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("the quiz runs");
    let elapsed = started.elapsed();
    assert!(status.code().is_some(), "bench: the quiz crashed");
    elapsed
}

pub fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn report(what: &str, took: Duration, target: Duration) {
    let verdict = if took <= target { "ok" } else { "OVER TARGET" };
    println!(
        "{what:<58} {:>9.3} s  (target ≤ {:.3} s)  {verdict}",
        took.as_secs_f64(),
        target.as_secs_f64()
    );
}
