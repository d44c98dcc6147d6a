//! `cargo course solution N`: after asking, the difference between the
//! learner's file and the reference.

use std::io::{BufRead, Write};

use serde_json::json;
use similar::{ChangeTag, TextDiff};

use crate::course::Course;
use crate::hint::pick;

pub fn run(course: &mut Course, number: Option<usize>, yes: bool) -> i32 {
    let Some(step) = pick(course, number) else {
        return 2;
    };
    let reference = match std::fs::read_to_string(course.root.join(step.solution())) {
        Ok(text) => text,
        Err(_) => {
            eprintln!(
                "course solution: this edition ships without reference solutions; ask your instructor"
            );
            return 1;
        }
    };
    if !yes && !course.json && !confirm(step.number) {
        println!(
            "Not shown. `cargo course hint {}` gives a hint instead.",
            step.number
        );
        return 0;
    }
    let mine = std::fs::read_to_string(course.root.join(step.exercise())).unwrap_or_default();
    let diff = TextDiff::from_lines(&mine, &reference);
    if course.json {
        let unified = diff
            .unified_diff()
            .header(&step.exercise(), &step.solution())
            .to_string();
        println!("{}", json!({"step": step.number, "diff": unified}));
        return 0;
    }
    let ui = course.ui;
    println!(
        "--- {} (yours)\n+++ {} (the reference)",
        step.exercise(),
        step.solution()
    );
    for group in diff.grouped_ops(3) {
        for op in group {
            for change in diff.iter_changes(&op) {
                let line = change.to_string_lossy();
                let line = line.trim_end_matches('\n');
                match change.tag() {
                    ChangeTag::Delete => println!("{}", ui.red(&format!("-{line}"))),
                    ChangeTag::Insert => println!("{}", ui.green(&format!("+{line}"))),
                    ChangeTag::Equal => println!(" {line}"),
                }
            }
        }
        println!("{}", ui.dim("..."));
    }
    0
}

fn confirm(step: usize) -> bool {
    print!("Show the reference solution of step {step:02}? It gives the answer away. [y/N] ");
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    matches!(answer.trim(), "y" | "Y" | "yes")
}
