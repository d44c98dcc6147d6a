//! `cargo course hint [N]`: one more hint each time it is asked, from a
//! nudge to the exact API to look up; the stage reached is remembered.

use course_runner::hints;
use course_runner::steps::{self, Step};
use serde_json::json;

use crate::course::Course;

pub fn run(course: &mut Course, number: Option<usize>) -> i32 {
    let Some(step) = pick(course, number) else {
        return 2;
    };
    let all = match hints::load(&course.root, step) {
        Ok(all) => all,
        Err(e) => {
            eprintln!("course hint: {e}");
            return 1;
        }
    };
    let shown = course
        .progress
        .hints
        .get(&step.number)
        .copied()
        .unwrap_or(0);
    let shown = (shown + 1).min(all.len());
    course.progress.hints.insert(step.number, shown);
    if let Err(e) = course.progress.save(&course.root) {
        eprintln!("course: cannot save progress: {e}");
    }
    if course.json {
        println!(
            "{}",
            json!({"step": step.number, "shown": shown, "total": all.len(), "hints": &all[..shown]})
        );
        return 0;
    }
    let ui = course.ui;
    println!(
        "{}",
        ui.bold(&format!(
            "Hints for step {:02} {}",
            step.number, step.module
        ))
    );
    for (index, hint) in all[..shown].iter().enumerate() {
        println!(
            "\n{} {hint}",
            ui.yellow(&format!("{}/{}", index + 1, all.len()))
        );
    }
    if shown < all.len() {
        println!(
            "\n{}",
            ui.dim(&format!(
                "Ask again for hint {} of {}.",
                shown + 1,
                all.len()
            ))
        );
    } else {
        println!(
            "\n{}",
            ui.dim(&format!(
                "That was the last hint. `cargo course solution {}` shows the reference (it asks first).",
                step.number
            ))
        );
    }
    0
}

/// Step `number`, or the current step.
pub fn pick(course: &mut Course, number: Option<usize>) -> Option<&'static Step> {
    match number {
        Some(n) => {
            let step = steps::find(n);
            if step.is_none() {
                eprintln!("course: there is no step {n}");
            }
            step
        }
        None => {
            let step = course.current();
            if step.is_none() {
                eprintln!("course: every step is done; name one: cargo course hint N");
            }
            step
        }
    }
}
