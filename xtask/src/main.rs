//! Maintainer checks for the course, run as `cargo xtask <command>`.
//!
//! This package never links the course library: it drives `cargo` as a
//! subprocess (through `course-runner`), so a learner's half-written step
//! cannot stop it from building.

mod bench;
mod bench_course;
mod bench_server;
mod cache;
mod verify;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>
  verify [--step N] [--no-cache]
           every solution passes; every step's tests catch an unsolved step
           and every catalogued mistake; a learner who solved 1..N is green on N
  stubs    record the exercise files as the pristine stubs (runner/stubs.sha256),
           after changing an exercise
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
        Some("stubs") => {
            let text = course_runner::stubs::manifest_of(&root(), course_runner::steps::STEPS);
            match std::fs::write(root().join(course_runner::stubs::MANIFEST), text) {
                Ok(()) => {
                    println!("wrote {}", course_runner::stubs::MANIFEST);
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("xtask stubs: {e}");
                    ExitCode::FAILURE
                }
            }
        }
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
