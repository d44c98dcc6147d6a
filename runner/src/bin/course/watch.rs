//! `cargo course watch`: re-runs the current step whenever a file under
//! `exercises/` is saved, and moves on when it passes. (`bacon` does the
//! same for any cargo command, for those who use it.)

use std::path::Path;
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use course_runner::learner::StepRun;
use course_runner::progress::Status;
use course_runner::steps::{STEPS, Step};
use notify::{Event, RecursiveMode, Watcher};

use crate::course::Course;
use crate::status::{current_line, next_thing};

pub fn run(course: &mut Course) -> i32 {
    let (events, changes) = mpsc::channel();
    let mut watcher = match notify::recommended_watcher(events) {
        Ok(watcher) => watcher,
        Err(e) => {
            eprintln!("course watch: cannot watch files: {e}");
            return 1;
        }
    };
    let exercises = course.root.join("exercises");
    if let Err(e) = watcher.watch(&exercises, RecursiveMode::NonRecursive) {
        eprintln!("course watch: cannot watch {}: {e}", exercises.display());
        return 1;
    }
    let _ = ctrlc::set_handler(|| {
        println!("\ncourse watch: stopped.");
        std::process::exit(0);
    });
    loop {
        show(course);
        if !wait_for_a_save(&changes) {
            return 1;
        }
    }
}

/// Blocks until a Rust file under exercises/ is written, created or
/// removed, then lets the burst of events an editor makes settle (100 ms:
/// an editor writes a file in a few milliseconds).
/// Reading a file (the tests do) is no reason to run again.
fn wait_for_a_save(changes: &Receiver<notify::Result<Event>>) -> bool {
    let saved = |event: &notify::Result<Event>| {
        event.as_ref().is_ok_and(|event| {
            (event.kind.is_modify() || event.kind.is_create() || event.kind.is_remove())
                && event.paths.iter().any(|p| is_rust(p))
        })
    };
    loop {
        match changes.recv() {
            Ok(event) if saved(&event) => break,
            Ok(_) => continue,
            Err(_) => return false,
        }
    }
    while changes.recv_timeout(Duration::from_millis(100)).is_ok() {}
    true
}

fn is_rust(path: &Path) -> bool {
    path.extension().is_some_and(|x| x == "rs")
}

/// Runs the current step and shows where the learner stands.
fn show(course: &mut Course) {
    course.last_run = None;
    let current = course.current();
    let ui = course.ui;
    // A save that finished a step: say so above whatever comes next.
    let finished = match &course.last_run {
        Some((number, run))
            if run.status.is_done() && current.is_none_or(|c| c.number != *number) =>
        {
            STEPS
                .iter()
                .find(|s| s.number == *number)
                .map(|s| (s, run.status.clone()))
        }
        _ => None,
    };
    if let Some(step) = current
        && !course.is_pristine(step)
    {
        // `current` ran the step if a save changed it; otherwise run it
        // once here for its messages.
        let run = match course.last_run.take() {
            Some((number, run)) if number == step.number => run,
            _ => course.run(step),
        };
        ui.clear();
        print_header(course, current);
        match &run.status {
            Status::Done { .. } => {
                println!("{}", crate::test::verdict(course, step, &run.status));
                // Moved on: show the next step straight away.
                return show(course);
            }
            _ => {
                if let Some(error) = &run.compile_error {
                    println!("{error}\n");
                } else if let Some(first) = run.outcomes.iter().find(|o| !o.passed) {
                    // Only the first is shown: say so, and where the rest are.
                    println!(
                        "{} {} ({})\n{}\n",
                        ui.red("FAILED"),
                        ui.bold(&first.name),
                        first_of(failures(&run)),
                        first.message
                    );
                }
                println!("{}", crate::test::verdict(course, step, &run.status));
            }
        }
    } else {
        ui.clear();
        print_header(course, current);
        if let Some((step, status)) = &finished {
            println!("{}\n", crate::test::verdict(course, step, status));
        }
        let status = current.map(|step| (step, &Status::NotStarted));
        println!("{}", next_thing(course, status));
    }
    println!(
        "{}",
        ui.dim("\nWatching exercises/ for changes; Ctrl-C to stop.")
    );
}

/// How many of the run's tests fail: the verdict's count.
fn failures(run: &StepRun) -> usize {
    let reported = run.outcomes.iter().filter(|o| !o.passed).count();
    match run.status {
        Status::Failing { failed, .. } => failed.max(reported),
        _ => reported,
    }
}

/// What the one failure watch shows is, of how many.
fn first_of(failures: usize) -> String {
    match failures {
        0 | 1 => "the only failure".to_owned(),
        n => format!("the first of {n} failures; `cargo course test` shows them all"),
    }
}

/// The progress bar and, as `cargo course` names it, the current step.
fn print_header(course: &mut Course, current: Option<&Step>) {
    let done = STEPS
        .iter()
        .filter(|step| {
            course
                .progress
                .steps
                .get(&step.number)
                .is_some_and(|r| r.status.is_done())
        })
        .count();
    println!("{}\n", course.ui.progress_bar(done, STEPS.len()));
    if let Some(step) = current {
        println!("{}\n", current_line(course, step));
    }
}

#[cfg(test)]
mod tests {
    use course_runner::libtest::Outcome;

    use super::*;

    #[test]
    fn a_failing_run_says_which_of_how_many_failures_it_shows() {
        assert_eq!(
            first_of(3),
            "the first of 3 failures; `cargo course test` shows them all"
        );
        assert_eq!(first_of(1), "the only failure");
    }

    #[test]
    fn the_count_is_the_verdicts() {
        let outcome = |name: &str, passed| Outcome {
            name: name.to_owned(),
            passed,
            message: String::new(),
        };
        let run = StepRun {
            // Two reported failures, and a third test that never reported.
            status: Status::Failing {
                failed: 3,
                tests: 4,
                first: "a: expected 401".to_owned(),
            },
            outcomes: vec![outcome("a", false), outcome("b", true), outcome("c", false)],
            compile_error: None,
        };
        assert_eq!(
            failures(&run),
            3,
            "watch counts the failures the verdict line counts (`3 of 4 tests fail`)"
        );
    }
}
