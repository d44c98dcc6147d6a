//! Maintainer checks for the course, run as `cargo xtask <command>`.
//!
//! This package never links the course library: it drives `cargo` as a
//! subprocess (through `course-runner`), so a learner's half-written step
//! cannot stop it from building.

mod bench;
mod bench_course;
mod bench_server;
mod cache;
mod given;
mod grade_fixtures;
mod mutants;
mod new_step;
mod verify;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>
  verify [--step N] [--no-cache]
           every solution passes; every step's tests catch an unsolved step
           and every catalogued mistake; a learner who solved 1..N is green on N
  sync [--check]
           write everything derived from steps.toml (step packages, features,
           remaps, README table, the stubs' hashes in runner/stubs.sha256, ...);
           --check: fail if any of it is out of date. Run after changing
           steps.toml or an exercise
  new-step MODULE \"TITLE\"
           the next step from templates: steps.toml, exercise, solution, tests,
           hints, mistakes and a quiz topic, then sync (docs/maintaining.md)
  grade-fixtures OUT [COUNT [WRONG]]
           fixture learners for timing `cargo course grade`: the reference with
           WRONG steps (default all) each a catalogued mistake (docs/speed.md)
  mutants [STEP...]
           cargo-mutants over solutions/ with the course's tests (docs/mutants.md;
           about 15 minutes on 2 cores)
  bench    cold build, edit-to-result loop, whole suite, cargo course (status, watch, serve) and quiz start-up times
  bench-server
           the reference server against a minimal axum server under wrk, a login
           flood, a 60 s soak and 10,000 random requests";

/// The workspace root: the folder above `xtask/`.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("verify") => match verify_options(&args[1..]) {
            Ok(options) => verify::run(options),
            Err(why) => {
                eprintln!("xtask verify: {why}\n{USAGE}");
                ExitCode::from(2)
            }
        },
        Some("bench") => bench::run(),
        Some("bench-server") => bench_server::run(),
        Some("grade-fixtures") => grade_fixtures::run(&root(), &args[1..]),
        Some("mutants") => mutants::run(&root(), &args[1..]),
        Some("new-step") => new_step::run(&root(), &args[1..]),
        Some("sync") => match args.get(1).map(String::as_str) {
            None => course_runner::sync::run(&root(), course_runner::sync::Mode::Write),
            Some("--check") => course_runner::sync::run(&root(), course_runner::sync::Mode::Check),
            Some(other) => {
                eprintln!("xtask sync: unknown argument {other}\n{USAGE}");
                ExitCode::from(2)
            }
        },
        Some("-h" | "--help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn verify_options(args: &[String]) -> Result<verify::Options, String> {
    let mut options = verify::Options {
        use_cache: true,
        only: None,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--no-cache" => options.use_cache = false,
            "--step" => {
                let n = args.next().ok_or("--step needs a step number")?;
                let n: usize = n.parse().map_err(|_| format!("--step {n}: not a number"))?;
                course_runner::steps::find(n).ok_or(format!("--step {n}: no such step"))?;
                options.only = Some(n);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(options)
}
