//! `cargo course grade DIR...`: each learner's exercises graded with this
//! course's own tests, in a sandbox, as a table, JSON in the spirit of
//! Exercism's results.json (its fields in docs/grading.md), and a CSV for a
//! gradebook.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use course_runner::grade::{self, Grader, LearnerGrade, Status};
use course_runner::sandbox::{Sandbox, UNCONFINED_WARNING};
use course_runner::steps::{STEPS, Step};
use serde_json::json;

use crate::course::Course;

pub struct Options {
    pub learners: Vec<PathBuf>,
    pub json: Option<PathBuf>,
    pub csv: Option<PathBuf>,
    pub steps: Vec<Step>,
    pub no_sandbox: bool,
}

pub fn run(course: &Course, options: Options) -> i32 {
    if options.learners.is_empty() {
        eprintln!("course grade: name at least one learner's checkout: cargo course grade DIR...");
        return 2;
    }
    let sandbox = if options.no_sandbox {
        eprintln!("course grade: WARNING: {UNCONFINED_WARNING}");
        Sandbox::Unconfined
    } else {
        match Sandbox::detect() {
            Ok(sandbox) => sandbox,
            Err(why) => {
                eprintln!(
                    "course grade: no sandbox for the learners' code ({why}). Install bubblewrap \
                     (Debian: apt-get install bubblewrap), or, for code you trust, pass --no-sandbox."
                );
                return 2;
            }
        }
    };
    eprintln!(
        "course grade: preparing the course's own tests (the first run builds everything) ..."
    );
    let grader = match Grader::new(&course.root, &course.root.join("target/grade"), sandbox) {
        Ok(grader) => grader,
        Err(e) => {
            eprintln!("course grade: {e}");
            return 1;
        }
    };
    let named = names(&options.learners);
    let mut grades: Vec<LearnerGrade> = Vec::new();
    let mut without_exercises = 0;
    for (name, learner) in &named {
        if !learner.join("exercises").is_dir() {
            eprintln!(
                "course grade: {} has no exercises/ folder: a row of `missing`",
                learner.display()
            );
            without_exercises += 1;
        } else {
            eprintln!("course grade: grading {} ...", learner.display());
        }
        let started = std::time::Instant::now();
        let grade = grader.grade(learner, name, &options.steps);
        eprintln!(
            "course grade: {} graded in {:.1} s",
            learner.display(),
            started.elapsed().as_secs_f64()
        );
        grades.push(grade);
    }
    let similar = similarity(&course.root, &named);
    for grade in &grades {
        print_table(course, grade, similar.get(&grade.learner));
    }
    if let Some(path) = &options.json {
        let learners: Vec<_> = grades
            .iter()
            .map(|grade| {
                let mut row = serde_json::to_value(grade).unwrap_or_default();
                row["similar"] = json!(similar.get(&grade.learner).cloned().unwrap_or_default());
                row
            })
            .collect();
        let report = json!({"version": 2, "steps": options.steps.iter().map(|s| s.number).collect::<Vec<_>>(),
                            "learners": learners});
        if let Err(e) = std::fs::write(
            path,
            serde_json::to_string_pretty(&report).unwrap_or_default(),
        ) {
            eprintln!("course grade: cannot write {}: {e}", path.display());
            return 1;
        }
    }
    if let Some(path) = &options.csv
        && let Err(e) = std::fs::write(path, csv(&grades, &options.steps, &similar))
    {
        eprintln!("course grade: cannot write {}: {e}", path.display());
        return 1;
    }
    if without_exercises > 0 {
        eprintln!(
            "course grade: {without_exercises} of the folders named had no exercises/: their rows say `missing`"
        );
        return 1;
    }
    0
}

/// Each learner's name: its path relative to the folder all of them share,
/// so that two sections' `alice/` stay apart.
fn names(learners: &[PathBuf]) -> Vec<(String, PathBuf)> {
    let absolute: Vec<PathBuf> = learners
        .iter()
        .map(|l| std::path::absolute(l).unwrap_or_else(|_| l.clone()))
        .collect();
    let common = absolute.iter().skip(1).fold(
        absolute
            .first()
            .and_then(|p| p.parent())
            .map(Path::to_path_buf),
        |common, path| {
            let common = common?;
            common
                .ancestors()
                .find(|ancestor| path.starts_with(ancestor))
                .map(Path::to_path_buf)
        },
    );
    absolute
        .iter()
        .zip(learners)
        .map(|(path, given)| {
            let name = common
                .as_deref()
                .and_then(|common| path.strip_prefix(common).ok())
                .map(|rel| rel.display().to_string())
                .filter(|rel| !rel.is_empty())
                .unwrap_or_else(|| given.display().to_string());
            (name, given.clone())
        })
        .collect()
}

/// For each learner, the others whose written code for some step is alike
/// beyond the threshold (a cluster), and the steps.
fn similarity(course: &Path, learners: &[(String, PathBuf)]) -> BTreeMap<String, Vec<String>> {
    let mut alike: BTreeMap<String, BTreeMap<String, Vec<usize>>> = BTreeMap::new();
    for (a, b, step) in grade::similar_pairs(course, learners) {
        alike
            .entry(a.clone())
            .or_default()
            .entry(b.clone())
            .or_default()
            .push(step);
        alike.entry(b).or_default().entry(a).or_default().push(step);
    }
    alike
        .into_iter()
        .map(|(learner, others)| {
            let described = others
                .into_iter()
                .map(|(other, steps)| {
                    let steps: Vec<String> = steps.iter().map(|s| format!("{s:02}")).collect();
                    format!("{other} (steps {})", steps.join(" "))
                })
                .collect();
            (learner, described)
        })
        .collect()
}

fn print_table(course: &Course, grade: &LearnerGrade, similar: Option<&Vec<String>>) {
    let ui = course.ui;
    println!("\n{} ({})", ui.bold(&grade.learner), grade.path);
    for step in &grade.steps {
        let detail =
            |text: Option<&str>| text.unwrap_or("").lines().next().unwrap_or("").to_owned();
        let verdict = match step.status {
            Status::Pass => ui.green(&format!("pass {}/{}", step.passed, step.total)),
            Status::Fail => {
                let first = step
                    .tests
                    .iter()
                    .find(|t| t.status == Status::Fail)
                    .map(|t| format!(": {}: {}", t.name, t.message))
                    .unwrap_or_else(|| detail(step.message.as_deref()));
                format!(
                    "{}{first}",
                    ui.red(&format!("fail {}/{}", step.passed, step.total))
                )
            }
            Status::DoesNotCompile => format!(
                "{} {}: {}",
                ui.red("does not compile"),
                step.location.as_deref().unwrap_or(""),
                detail(step.message.as_deref())
            ),
            Status::TimedOut => ui.red("timed out"),
            Status::HeldForReview => format!(
                "{}: {}",
                ui.yellow("held for review"),
                detail(step.message.as_deref())
            ),
            Status::Missing => ui.red("missing"),
        };
        let own = if step.on_own_steps == step.status {
            String::new()
        } else {
            format!(
                " (on the learner's own earlier steps: {})",
                status_name(step.on_own_steps)
            )
        };
        println!("  {:02} {:<15} {verdict}{own}", step.number, step.module);
    }
    println!(
        "  total: {}/{} steps pass",
        grade.steps_passed,
        grade.steps.len()
    );
    for warning in &grade.warnings {
        println!("  {} {warning}", ui.yellow("warning:"));
    }
    if let Some(similar) = similar {
        println!("  {} {}", ui.yellow("similar work:"), similar.join("; "));
    }
}

fn status_name(status: Status) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// One row per learner: each step's share of tests passed, the steps that
/// pass, those held for review, and similar work.
fn csv(grades: &[LearnerGrade], steps: &[Step], similar: &BTreeMap<String, Vec<String>>) -> String {
    let mut text = String::from("learner");
    for step in steps {
        text += &format!(",step{:02}", step.number);
    }
    text += ",steps_passed,held_for_review,warnings,similar_to\n";
    for grade in grades {
        text += &quote(&grade.learner);
        for step in &grade.steps {
            let share =
                if step.total == 0 || step.status != Status::Pass && step.status != Status::Fail {
                    if step.status == Status::Pass {
                        1.0
                    } else {
                        0.0
                    }
                } else {
                    step.passed as f64 / step.total as f64
                };
            text += &format!(",{share:.2}");
        }
        let held = grade
            .steps
            .iter()
            .filter(|s| s.status == Status::HeldForReview)
            .count();
        let others = similar
            .get(&grade.learner)
            .cloned()
            .unwrap_or_default()
            .join("; ");
        text += &format!(
            ",{},{held},{},{}\n",
            grade.steps_passed,
            grade.warnings.len(),
            quote(&others)
        );
    }
    text
}

fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n', ';']) {
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
