//! `cargo course`: one line per step, a progress bar, the current step and
//! the exact next thing to do.

use course_runner::progress::{self, Status};
use course_runner::steps::{STEPS, Step};
use serde_json::json;

use crate::course::Course;

pub fn run(course: &mut Course) -> i32 {
    let statuses: Vec<(&Step, Status)> = STEPS
        .iter()
        .map(|step| (step, course.status(step)))
        .collect();
    let done = statuses.iter().filter(|(_, s)| s.is_done()).count();
    // Of the statuses just shown, the one function `Course::current` asks.
    let current = progress::current(statuses.iter().map(|(step, status)| (*step, status)));
    let next = next_thing(course, current);
    if course.json {
        let steps: Vec<_> = statuses
            .iter()
            .map(|(step, status)| {
                json!({"number": step.number, "module": step.module, "title": step.title,
                       "file": step.exercise(), "status": status})
            })
            .collect();
        let report = json!({"steps": steps, "done": done, "total": STEPS.len(),
                            "current": current.map(|(s, _)| s.number), "next": next});
        println!("{report}");
        return 0;
    }
    let ui = course.ui;
    println!(
        "{}  {}\n",
        ui.bold("Course progress"),
        ui.progress_bar(done, STEPS.len())
    );
    for (step, status) in &statuses {
        println!("{}", ui.step_line(step, status));
    }
    println!();
    if let Some((step, _)) = current {
        println!("{}", current_line(course, step));
    }
    println!("Next: {next}");
    0
}

/// `Current step: 05 token_route (...)`, as status and watch say it.
pub fn current_line(course: &Course, step: &Step) -> String {
    format!(
        "Current step: {} {} ({})",
        course.ui.bold(&format!("{:02}", step.number)),
        step.module,
        step.title
    )
}

/// The exact next thing to do, in one sentence.
pub fn next_thing(course: &Course, current: Option<(&Step, &Status)>) -> String {
    let Some((step, status)) = current else {
        return "every step is done. Serve your app (`cargo course serve`) and practise for the interview \
                (`cargo quiz interview`)."
            .to_owned();
    };
    let file = step.exercise();
    match status {
        Status::NotStarted => format!(
            "open {file}, read its task at the top, fill in the todo!()s, then run `cargo course test` \
             (or leave `cargo course watch` running)."
        ),
        Status::DoesNotCompile { .. } => format!(
            "make {file} compile: `cargo course test` shows the compiler's first error in full."
        ),
        _ => {
            let hinted = course
                .progress
                .hints
                .get(&step.number)
                .copied()
                .unwrap_or(0);
            format!(
                "fix the first failure above in {file}; `cargo course test` shows every message in full{}.",
                if hinted == 0 {
                    ", and `cargo course hint` gives a hint"
                } else {
                    ""
                }
            )
        }
    }
}
