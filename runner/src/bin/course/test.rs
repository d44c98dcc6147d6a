//! `cargo course test [N]`: step N's tests (the current step by default),
//! built in step N's package so no later step is compiled, their messages,
//! and a one-line verdict.

use course_runner::progress::Status;
use course_runner::steps::{self, STEPS, Step};
use serde_json::json;

use crate::course::Course;

pub fn run(course: &mut Course, number: Option<usize>) -> i32 {
    let step = match number {
        Some(n) => match steps::find(n) {
            Some(step) => step,
            None => {
                eprintln!(
                    "course test {n}: there is no step {n} (1 to {})",
                    STEPS.len()
                );
                return 2;
            }
        },
        None => match course.current() {
            Some(step) => step,
            None => {
                println!("Every step is done. `cargo course test N` runs one again.");
                return 0;
            }
        },
    };
    if std::env::var_os("RUST_BACKTRACE").is_some_and(|v| v != "0") && !course.json {
        eprintln!(
            "course: RUST_BACKTRACE is set; the tests run without it so their messages stay readable"
        );
    }
    let run = course.run(step);
    if course.json {
        let report = json!({"step": step.number, "module": step.module, "status": run.status,
                            "tests": run.outcomes, "compile_error": run.compile_error});
        println!("{report}");
        return i32::from(!run.status.is_done());
    }
    let ui = course.ui;
    if let Some(error) = &run.compile_error {
        println!("{error}\n");
    }
    for failure in run.outcomes.iter().filter(|o| !o.passed) {
        println!(
            "{} {}\n{}\n",
            ui.red("FAILED"),
            ui.bold(&failure.name),
            failure.message
        );
    }
    println!("{}", verdict(course, step, &run.status));
    i32::from(!run.status.is_done())
}

/// The one line that ends a test run, and what to do next.
pub fn verdict(course: &Course, step: &Step, status: &Status) -> String {
    let ui = course.ui;
    let name = format!("step {:02} {}", step.number, step.module);
    match status {
        Status::Done { tests } => {
            let next = STEPS.iter().find(|s| s.number == step.number + 1);
            let mut text = format!(
                "{} — all {tests} tests pass. {}\nQuiz yourself on it: cargo quiz --step {}",
                ui.green(&format!("{name} done")),
                match next {
                    Some(next) => format!("Next: open {}", next.exercise()),
                    None => "That was the last step: `cargo course serve` runs your whole app."
                        .to_owned(),
                },
                step.number
            );
            if still_silenced(course, step) {
                text += &format!(
                    "\nTip: delete the `#![allow(...)]` line near the top of {} so the compiler warns you again.",
                    step.exercise()
                );
            }
            text
        }
        Status::Failing { failed, tests, .. } => format!(
            "{}: {failed} of {tests} tests fail; the messages above say what was sent, expected and got. \
             Stuck? `cargo course hint {}`",
            ui.red(&name),
            step.number
        ),
        Status::DoesNotCompile { .. } => format!(
            "{} does not compile: fix the first error above (in {} or a step before it).",
            ui.red(&name),
            step.exercise()
        ),
        Status::TimedOut => format!(
            "{}: a test ran for over two minutes: does a handler loop forever or wait for a lock?",
            ui.red(&name)
        ),
        Status::NotStarted => format!("{name}: not started"),
    }
}

fn still_silenced(course: &Course, step: &Step) -> bool {
    std::fs::read_to_string(course.root.join(step.exercise()))
        .is_ok_and(|text| text.contains("#![allow(unused_variables"))
}
