//! `cargo course grade DIR...`: each learner's exercises graded with this
//! course's own tests, as a table, JSON in the spirit of Exercism's
//! results.json, and a CSV for a gradebook.

use std::path::PathBuf;

use course_runner::grade::{self, Grader, LearnerGrade};
use course_runner::steps::{STEPS, Step};
use serde_json::json;

use crate::course::Course;

pub struct Options {
    pub learners: Vec<PathBuf>,
    pub json: Option<PathBuf>,
    pub csv: Option<PathBuf>,
    pub steps: Vec<Step>,
}

pub fn run(course: &Course, options: Options) -> i32 {
    if options.learners.is_empty() {
        eprintln!("course grade: name at least one learner's checkout: cargo course grade DIR...");
        return 2;
    }
    eprintln!(
        "course grade: preparing the course's own tests (the first run builds everything) ..."
    );
    let grader = match Grader::new(&course.root, &course.root.join("target/grade")) {
        Ok(grader) => grader,
        Err(e) => {
            eprintln!("course grade: {e}");
            return 1;
        }
    };
    let mut grades: Vec<LearnerGrade> = Vec::new();
    for learner in &options.learners {
        if !learner.join("exercises").is_dir() {
            eprintln!(
                "course grade: {} has no exercises/ folder; skipped",
                learner.display()
            );
            continue;
        }
        eprintln!("course grade: grading {} ...", learner.display());
        let started = std::time::Instant::now();
        let grade = grader.grade(learner, &options.steps);
        eprintln!(
            "course grade: {} graded in {:.1} s",
            learner.display(),
            started.elapsed().as_secs_f64()
        );
        print_table(course, &grade);
        grades.push(grade);
    }
    let similar = grade::similar_pairs(&course.root, &options.learners);
    if !similar.is_empty() {
        println!("\nSimilar work (the code written for a step, compared between learners):");
        for pair in &similar {
            println!("  {pair}");
        }
    }
    if let Some(path) = &options.json {
        let report = json!({"version": 1, "steps": options.steps.iter().map(|s| s.number).collect::<Vec<_>>(),
                            "learners": grades, "similar": similar});
        if let Err(e) = std::fs::write(
            path,
            serde_json::to_string_pretty(&report).unwrap_or_default(),
        ) {
            eprintln!("course grade: cannot write {}: {e}", path.display());
            return 1;
        }
    }
    if let Some(path) = &options.csv
        && let Err(e) = std::fs::write(path, csv(&grades, &options.steps))
    {
        eprintln!("course grade: cannot write {}: {e}", path.display());
        return 1;
    }
    0
}

fn print_table(course: &Course, grade: &LearnerGrade) {
    let ui = course.ui;
    println!("\n{} ({})", ui.bold(&grade.learner), grade.path);
    for step in &grade.steps {
        let verdict = match step.status {
            "pass" => ui.green(&format!("pass {}/{}", step.passed, step.total)),
            "fail" => {
                let first = step
                    .tests
                    .iter()
                    .find(|t| t.status == "fail")
                    .map(|t| format!(": {}: {}", t.name, t.message))
                    .unwrap_or_default();
                format!(
                    "{}{first}",
                    ui.red(&format!("fail {}/{}", step.passed, step.total))
                )
            }
            "does_not_compile" => format!(
                "{}: {}",
                ui.red("does not compile"),
                step.message
                    .as_deref()
                    .unwrap_or("")
                    .lines()
                    .next()
                    .unwrap_or("")
            ),
            "timed_out" => ui.red("timed out"),
            _ => format!(
                "{}: {}",
                ui.red("error"),
                step.message.as_deref().unwrap_or("")
            ),
        };
        println!("  {:02} {:<15} {verdict}", step.number, step.module);
    }
    println!(
        "  total: {}/{} steps pass",
        grade.steps_passed,
        grade.steps.len()
    );
    for warning in &grade.warnings {
        println!("  {} {warning}", ui.yellow("warning:"));
    }
}

/// One row per learner: each step's share of tests passed, and the steps
/// that pass.
fn csv(grades: &[LearnerGrade], steps: &[Step]) -> String {
    let mut text = String::from("learner");
    for step in steps {
        text += &format!(",step{:02}", step.number);
    }
    text += ",steps_passed,warnings\n";
    for grade in grades {
        text += &quote(&grade.learner);
        for step in &grade.steps {
            let share = if step.total == 0 {
                0.0
            } else {
                step.passed as f64 / step.total as f64
            };
            text += &format!(",{share:.2}");
        }
        text += &format!(",{},{}\n", grade.steps_passed, grade.warnings.len());
    }
    text
}

fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

/// `--steps 3-7` or `--steps 5`.
pub fn parse_steps(text: &str) -> Result<Vec<Step>, String> {
    let (first, last) = match text.split_once('-') {
        Some((a, b)) => (a, b),
        None => (text, text),
    };
    let parse = |n: &str| {
        n.trim()
            .parse::<usize>()
            .map_err(|_| format!("--steps {text}: not a step range"))
    };
    let (first, last) = (parse(first)?, parse(last)?);
    let chosen: Vec<Step> = STEPS
        .iter()
        .filter(|s| (first..=last).contains(&s.number))
        .copied()
        .collect();
    if chosen.is_empty() {
        return Err(format!("--steps {text}: no such steps"));
    }
    Ok(chosen)
}
