//! `cargo course serve`: runs the server on the learner's steps, up to the
//! last step done, built as the tests build them (same profile, same
//! dependency features), so nothing the tests built is rebuilt: only the
//! later steps' reference and the server's own small package are compiled,
//! the first time.

use std::process::Command;

use course_runner::child;
use course_runner::compile::{self, Request};
use course_runner::learner;
use course_runner::steps::{self, FIRST_APP_STEP};

use crate::course::Course;

pub fn run(course: &mut Course, number: Option<usize>, server_args: &[String]) -> i32 {
    let last_done = course.progress.last_passing_step;
    let number = number.unwrap_or(last_done);
    let Some(step) = steps::find(number).filter(|s| s.number >= FIRST_APP_STEP) else {
        eprintln!(
            "course serve: the server needs a whole app, from step {FIRST_APP_STEP} on; the last step done \
             in a row is {last_done}. Finish step {FIRST_APP_STEP} (`cargo course test {FIRST_APP_STEP}`), or \
             try the reference: cargo run --release -p course-server --features solutions"
        );
        return 2;
    };
    eprintln!(
        "course: building step {:02}'s app as the tests build it ...",
        step.number
    );
    // The server beside the step's tests, in one cargo run: the dependencies
    // resolve with the tests' dev-dependencies, as they did for the tests,
    // so none is rebuilt. The learner's steps 1..N are the packages the tests
    // built; every later step is the reference, so a half-written one cannot
    // stop the server.
    let built = compile::build_with_binary(
        &Request {
            root: course.root.clone(),
            features: learner::later_references(step),
            tests: vec![step.test_name()],
            extra: vec![
                "--package".to_owned(),
                step.package(),
                "--package".to_owned(),
                "course-server".to_owned(),
            ],
            ..Request::default()
        },
        "server",
    );
    let Some(server) = built.binaries.get("server").filter(|_| built.success) else {
        eprintln!(
            "course serve: the server did not build:\n{}",
            built.first_error()
        );
        return 1;
    };
    println!(
        "Serving step {:02}'s app on http://127.0.0.1:8000 (Ctrl-C stops it). Try:",
        step.number
    );
    println!(
        "  curl -X POST localhost:8000/token -d grant_type=password -d username=alice -d password=secret123"
    );
    println!("  curl localhost:8000/users/me -H \"Authorization: Bearer <the access_token>\"");
    let mut command = Command::new(server);
    command
        .arg("--step")
        .arg(step.number.to_string())
        .args(server_args)
        .current_dir(&course.root);
    // SIGINT, SIGTERM or SIGHUP to `cargo course serve` stops the server
    // too, and the runner waits for it: no server is left holding the port.
    match child::spawn(&mut command).and_then(child::Forwarding::wait) {
        Ok(status) => child::exit_code(status),
        Err(e) => {
            eprintln!("course serve: cannot start {}: {e}", server.display());
            1
        }
    }
}
