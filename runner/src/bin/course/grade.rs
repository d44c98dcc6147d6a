//! `cargo course grade DIR...`: each learner's exercises graded with this
//! course's own tests, in a sandbox, as a table, JSON in the spirit of
//! Exercism's results.json (its fields in docs/grading.md), and a CSV for a
//! gradebook.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use course_runner::grade::{self, Grader, LearnerGrade, Status};
use course_runner::grade_cache::GradeCache;
use course_runner::points::{Points, shown};
use course_runner::sandbox::{Sandbox, UNCONFINED_WARNING};
use course_runner::steps::{STEPS, Step};
use serde_json::json;

use crate::course::Course;
use crate::gradebook;

pub struct Options {
    pub learners: Vec<PathBuf>,
    pub json: Option<PathBuf>,
    pub csv: Option<PathBuf>,
    pub canvas: Option<PathBuf>,
    pub moodle: Option<PathBuf>,
    /// `--points FILE`; else `grading.toml` here, if there is one.
    pub points: Option<PathBuf>,
    pub steps: Vec<Step>,
    pub no_sandbox: bool,
    pub jobs: usize,
    /// `--fresh`: grade everyone again, kept grades or not.
    pub fresh: bool,
}

pub fn run(course: &Course, options: Options) -> i32 {
    if options.learners.is_empty() {
        eprintln!("course grade: name at least one learner's checkout: cargo course grade DIR...");
        return 2;
    }
    let points = match points(options.points.as_deref()) {
        Ok(points) => points,
        Err(e) => {
            eprintln!("course grade: {e}");
            return 2;
        }
    };
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
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if options.jobs > cores {
        eprintln!(
            "course grade: --jobs {} on {cores} cores: learners' test runs will compete for the CPU, and a \
             step may time out that would not alone",
            options.jobs
        );
    }
    let named = names(&options.learners);
    let without_exercises = named
        .iter()
        .filter(|(_, learner)| !learner.join("exercises").is_dir())
        .inspect(|(_, learner)| {
            eprintln!(
                "course grade: {} has no exercises/ folder: a row of `missing`",
                learner.display()
            )
        })
        .count();
    let work = course.root.join("target/grade");
    let cache = GradeCache::new(
        &work.join("kept"),
        &course.root,
        !matches!(sandbox, Sandbox::Unconfined),
    );
    let mut grades: Vec<Option<LearnerGrade>> = vec![None; named.len()];
    let mut keys = Vec::new();
    let mut todo = Vec::new();
    for (index, (name, learner)) in named.iter().enumerate() {
        let key = cache.key(learner, name, &options.steps);
        match cache.get(name, &key).filter(|_| !options.fresh) {
            Some(kept) => {
                eprintln!(
                    "course grade: {} unchanged since its last grade by this course: kept (--fresh grades it again)",
                    learner.display()
                );
                grades[index] = Some(kept);
            }
            None => todo.push(index),
        }
        keys.push(key);
    }
    if !todo.is_empty() {
        eprintln!(
            "course grade: preparing the course's own tests (the first run builds everything) ..."
        );
        let graded = match grade_all(&course.root, &work, &sandbox, &named, &todo, &options) {
            Ok(graded) => graded,
            Err(e) => {
                eprintln!("course grade: {e}");
                return 1;
            }
        };
        for (index, grade) in graded {
            cache.put(&named[index].0, &keys[index], &grade);
            grades[index] = Some(grade);
        }
    }
    let grades: Vec<LearnerGrade> = grades.into_iter().flatten().collect();
    let similar = similarity(&course.root, &named);
    for grade in &grades {
        print_table(course, grade, &points, similar.get(&grade.learner));
    }
    if let Some(path) = &options.json {
        let learners: Vec<_> = grades
            .iter()
            .map(|grade| json_row(grade, &points, &similar))
            .collect();
        let report = json!({"version": 2, "steps": options.steps.iter().map(|s| s.number).collect::<Vec<_>>(),
                            "assignment": points.assignment, "learners": learners});
        if let Err(e) = std::fs::write(
            path,
            serde_json::to_string_pretty(&report).unwrap_or_default(),
        ) {
            eprintln!("course grade: cannot write {}: {e}", path.display());
            return 1;
        }
    }
    let files = [
        (
            &options.csv,
            gradebook::csv(&grades, &options.steps, &points, &similar),
        ),
        (&options.canvas, gradebook::canvas(&grades, &points)),
        (&options.moodle, gradebook::moodle(&grades, &points)),
    ];
    for (path, text) in files {
        if let Some(path) = path
            && let Err(e) = std::fs::write(path, text)
        {
            eprintln!("course grade: cannot write {}: {e}", path.display());
            return 1;
        }
    }
    if without_exercises > 0 {
        eprintln!(
            "course grade: {without_exercises} of the folders named had no exercises/: their rows say `missing`"
        );
        return 1;
    }
    0
}

/// The weights: the file named, else `grading.toml` here, else one point a step.
fn points(named: Option<&Path>) -> Result<Points, String> {
    let here = Path::new("grading.toml");
    match named {
        Some(path) => Points::read(path),
        None if here.is_file() => {
            eprintln!("course grade: points per step from ./grading.toml");
            Points::read(here)
        }
        None => Ok(Points::default()),
    }
}

/// The learners at `todo`, graded by `--jobs` graders at once, each with
/// copies of its own; the grades with their learner's index.
fn grade_all(
    course: &Path,
    work: &Path,
    sandbox: &Sandbox,
    named: &[(String, PathBuf)],
    todo: &[usize],
    options: &Options,
) -> Result<Vec<(usize, LearnerGrade)>, String> {
    let jobs = options.jobs.clamp(1, todo.len());
    let queue = Mutex::new(todo.iter().copied());
    let graded = Mutex::new(Vec::new());
    let refused = Mutex::new(None);
    std::thread::scope(|scope| {
        for job in 0..jobs {
            let (queue, graded, refused) = (&queue, &graded, &refused);
            scope.spawn(move || {
                let grader = match Grader::for_job(course, work, sandbox.clone(), job) {
                    Ok(grader) => grader,
                    Err(e) => {
                        refused
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .get_or_insert(e);
                        return;
                    }
                };
                loop {
                    let next = queue.lock().unwrap_or_else(|p| p.into_inner()).next();
                    let Some(index) = next else { break };
                    let (name, learner) = &named[index];
                    eprintln!("course grade: grading {} ...", learner.display());
                    let started = std::time::Instant::now();
                    let grade = grader.grade(learner, name, &options.steps);
                    eprintln!(
                        "course grade: {} graded in {:.1} s",
                        learner.display(),
                        started.elapsed().as_secs_f64()
                    );
                    graded
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push((index, grade));
                }
            });
        }
    });
    let graded = graded.into_inner().unwrap_or_else(|p| p.into_inner());
    match refused.into_inner().unwrap_or_else(|p| p.into_inner()) {
        Some(e) if graded.len() < todo.len() => Err(e),
        _ => Ok(graded),
    }
}

/// A learner's row of the JSON: the grade, its points, and similar work.
fn json_row(
    grade: &LearnerGrade,
    points: &Points,
    similar: &BTreeMap<String, Vec<String>>,
) -> serde_json::Value {
    let mut row = serde_json::to_value(grade).unwrap_or_default();
    let (got, most) = points.total(grade);
    row["points"] = json!(got);
    row["out_of"] = json!(most);
    if let Some(steps) = row["steps"].as_array_mut() {
        for (shown_step, step) in steps.iter_mut().zip(&grade.steps) {
            shown_step["points"] = json!(points.earned(step));
            shown_step["out_of"] = json!(points.worth(step.number));
        }
    }
    row["similar"] = json!(similar.get(&grade.learner).cloned().unwrap_or_default());
    row
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

fn print_table(
    course: &Course,
    grade: &LearnerGrade,
    points: &Points,
    similar: Option<&Vec<String>>,
) {
    let ui = course.ui;
    println!("\n{} ({})", ui.bold(&grade.learner), grade.path);
    for step in &grade.steps {
        let detail =
            |text: Option<&str>| text.unwrap_or("").lines().next().unwrap_or("").to_owned();
        let verdict = match step.status {
            Status::Pass => ui.green(&format!("pass {}/{}", step.passed, step.total)),
            Status::Fail => {
                let untouched = step.passed == 0
                    && step
                        .message
                        .as_deref()
                        .is_some_and(|m| m.starts_with("not started"));
                let first = step
                    .tests
                    .iter()
                    .find(|t| t.status == Status::Fail && !untouched)
                    .map(|t| format!(": {}: {}", t.name, t.message))
                    .unwrap_or_else(|| format!(": {}", detail(step.message.as_deref())));
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
    let (got, most) = points.total(grade);
    println!(
        "  total: {}/{} steps pass, {} of {} points",
        grade.steps_passed,
        grade.steps.len(),
        shown(got),
        shown(most)
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
