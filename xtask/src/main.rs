//! Maintainer checks for the course, run as `cargo xtask <command>`.
//!
//! This package never links the course library: it drives `cargo` as a
//! subprocess, so a learner's half-written step cannot stop it from building.

mod bench;
mod cargo;
mod steps;
mod verify;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>
  verify   every solution passes, every step's tests catch an unsolved step,
           and a learner who solved steps 1..N is green on 1..N
  bench    cold build, edit-to-result loop, whole suite and quiz start-up times";

fn main() -> ExitCode {
    match std::env::args().nth(1).as_deref() {
        Some("verify") => verify::run(),
        Some("bench") => bench::run(),
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
