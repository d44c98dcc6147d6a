//! `cargo course`, driven as a learner would on scratch copies of the course.

mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use course_runner::progress::{Progress, Status, StepRecord};
use course_runner::{learner, steps, stubs};
use serde_json::Value;
use support::{scratch, text};

fn status_of(report: &Value, step: usize) -> String {
    report["steps"][step - 1]["status"]["status"]
        .as_str()
        .unwrap_or("?")
        .to_owned()
}

/// One learner, step by step: this is the only test that builds the
/// course, so the others stay fast.
#[test]
fn a_learners_journey() {
    let course = scratch("journey");

    let report = course.json(&[]);
    for step in 1..=steps::LAST_STEP {
        assert_eq!(
            status_of(&report, step),
            "not_started",
            "on a fresh copy every step is not started (its file is the stub), without running a test: {report}"
        );
    }
    assert_eq!(
        report["current"], 1,
        "the current step of a fresh copy is 1: {report}"
    );

    course.solve("01_fake_db");
    let report = course.json(&[]);
    assert_eq!(
        status_of(&report, 1),
        "done",
        "with exercises/01_fake_db.rs solved, status says step 01 is done: {report}"
    );
    assert_eq!(
        report["current"], 2,
        "and the current step moves to 2: {report}"
    );
    let progress: Value =
        serde_json::from_str(&course.read("target/course/progress.json")).unwrap_or_default();
    assert_eq!(
        progress["last_passing_step"], 1,
        "the progress file records the last step of an unbroken run of passes: {progress}"
    );

    // A later file that does not compile must not stop an earlier step.
    course.solve("02_passwords");
    let broken = format!(
        "{}\nfn half_written(",
        course.read("exercises/05_token_route.rs")
    );
    course.write("exercises/05_token_route.rs", &broken);
    let report = course.json(&["test", "2"]);
    assert_eq!(
        report["status"]["status"], "done",
        "`cargo course test 2` with step 02 solved passes although exercises/05 does not compile: later steps \
         run on the reference: {report}"
    );
    // Watch: a save that solves the current step is seen and moves on.
    let mut watch = course
        .command(&["watch"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("watch starts");
    let stdout = watch.stdout.take().expect("stdout");
    let (lines, seen) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let started = Instant::now();
    let mut solved = false;
    let mut done = false;
    let mut shown = String::new();
    while started.elapsed() < Duration::from_secs(300) && !done {
        match seen.recv_timeout(Duration::from_millis(500)) {
            Ok(line) => {
                done = line.contains("step 03 bearer done");
                shown += &line;
                shown.push('\n');
                if !solved && line.contains("Watching exercises/") {
                    course.solve("03_bearer");
                    solved = true;
                }
            }
            Err(_) if !solved && started.elapsed() > Duration::from_secs(60) => break,
            Err(_) => {}
        }
    }
    let _ = watch.kill();
    let _ = watch.wait();
    assert!(
        done,
        "`cargo course watch` must notice exercises/03_bearer.rs solved and say `step 03 bearer done`; it showed:\n{shown}"
    );
}

#[test]
fn hints_come_one_more_at_a_time_and_are_remembered() {
    let course = scratch("hints");
    for stage in 1..=3 {
        let report = course.json(&["hint", "4"]);
        assert_eq!(
            report["shown"], stage,
            "call {stage} of `cargo course hint 4` shows {stage} hint(s): {report}"
        );
        assert_eq!(report["hints"].as_array().map(Vec::len), Some(stage));
    }
    let progress: Value =
        serde_json::from_str(&course.read("target/course/progress.json")).unwrap_or_default();
    assert_eq!(
        progress["hints"]["4"], 3,
        "the stage reached is kept in target/course/progress.json: {progress}"
    );
    let report = course.json(&["hint", "4"]);
    let total = report["total"].as_u64().unwrap_or(0);
    assert!(
        report["shown"] == total && total >= 3,
        "past the last hint, every hint stays shown: {report}"
    );
}

#[test]
fn reset_puts_the_stub_back_and_keeps_the_work() {
    let course = scratch("reset");
    let stub = course.read("exercises/02_passwords.rs");
    let mine = format!("{stub}\n// my work in progress\n");
    course.write("exercises/02_passwords.rs", &mine);
    let report = course.json(&["reset", "2"]);
    assert_eq!(
        course.read("exercises/02_passwords.rs"),
        stub,
        "after `cargo course reset 2` the file is the stub again: {report}"
    );
    let backup = report["backup"].as_str().unwrap_or_default().to_owned();
    assert!(
        !backup.is_empty() && course.read(&backup) == mine,
        "the learner's version is kept beside it, at the path the command names: {report}"
    );
    course.write("exercises/02_passwords.rs", &mine);
    let second = course.json(&["reset", "2"]);
    assert_ne!(
        second["backup"], report["backup"],
        "a second reset keeps a second backup, never overwriting the first: {second}"
    );
}

#[test]
fn resets_backups_are_ignored_by_git_and_left_out_of_the_student_edition() {
    let course = scratch("reset-ignored");
    // Every exercise as copied is the stub (the edition hands out stubs
    // only), whether or not this checkout's manifest is up to date.
    course.write(
        stubs::MANIFEST,
        &stubs::manifest_of(&course.root, steps::STEPS),
    );
    let stub = course.read("exercises/02_passwords.rs");
    // An instructor who worked the step, then reset it: the backup holds
    // the answer, and must go neither into git nor to a class.
    course.write(
        "exercises/02_passwords.rs",
        &format!("{stub}\n// my answer\n"),
    );
    let report = course.json(&["reset", "2"]);
    let backup = report["backup"].as_str().unwrap_or_default().to_owned();
    assert_eq!(
        backup,
        stubs::backup_name("exercises/02_passwords.rs", 1),
        "reset names its backup with stubs::backup_name, the name .gitignore is checked against: {report}"
    );
    assert!(
        course.path(&backup).exists(),
        "the backup is kept: {report}"
    );
    let git = |dir: &Path, args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("git runs")
    };
    let untracked = git(
        &course.root,
        &["status", "--porcelain", "--untracked-files=all"],
    );
    assert!(
        !String::from_utf8_lossy(&untracked.stdout).contains(".backup"),
        "git status must not offer the backup for a commit:\n{}",
        text(&untracked)
    );
    assert!(
        !course_runner::scratch::course_files(&course.root).contains(&PathBuf::from(&backup)),
        "nor is it a course file (copied into scratch copies, hashed into a step's inputs)"
    );

    let out = course.root.with_file_name("edition");
    let _ = std::fs::remove_dir_all(&out);
    let made = course.course(&["student-edition", &out.to_string_lossy()], "");
    assert!(made.status.success(), "student-edition:\n{}", text(&made));
    assert!(
        !out.join(&backup).exists(),
        "the student edition leaves the backup out"
    );
    // A learner of that edition who resets keeps their backup out of git too.
    std::fs::write(out.join(&backup), "// a learner's work").expect("write a backup");
    assert!(
        git(&out, &["check-ignore", "-q", &backup]).status.success(),
        "the student edition's .gitignore ignores reset's backups"
    );
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn watch_starts_on_the_step_status_calls_current() {
    let course = scratch("watch-current");
    // Steps 1, 2 and 5 done, 3 and 4 not started: kept results, so that
    // neither status nor watch builds anything.
    for stem in ["01_fake_db", "02_passwords", "05_token_route"] {
        course.solve(stem);
    }
    let (mut progress, _) = Progress::load(&course.root);
    for number in [1, 2, 5] {
        let step = steps::find(number).expect("a step");
        progress.steps.insert(
            number,
            StepRecord {
                status: Status::Done { tests: 1 },
                inputs: learner::inputs_hash(&course.root, step),
            },
        );
    }
    progress.save(&course.root).expect("save progress");

    let report = course.json(&[]);
    assert_eq!(
        report["current"], 3,
        "status calls the first step not done current: {report}"
    );
    let mut watch = course
        .command(&["watch"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("watch starts");
    let stdout = watch.stdout.take().expect("stdout");
    let (lines, seen) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let mut shown = String::new();
    while let Ok(line) = seen.recv_timeout(Duration::from_secs(60)) {
        shown += &line;
        shown.push('\n');
        if line.contains("Watching exercises/") {
            break;
        }
    }
    let _ = watch.kill();
    let _ = watch.wait();
    assert!(
        shown.contains("Current step: 03 bearer") && shown.contains("open exercises/03_bearer.rs"),
        "`cargo course watch` starts on step 03, the step `cargo course` calls current; it showed:\n{shown}"
    );
}

#[test]
fn a_corrupt_progress_file_is_rebuilt() {
    let course = scratch("corrupt");
    std::fs::create_dir_all(course.path("target/course")).expect("a folder");
    course.write("target/course/progress.json", "{ not json");
    let output = course.course(&["--json"], "");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_default();
    assert!(
        output.status.success() && report["total"] == steps::LAST_STEP,
        "status with a corrupt progress file still answers: {}",
        text(&output)
    );
    assert!(
        text(&output).contains("set aside")
            && course.path("target/course/progress.json.corrupt").exists(),
        "the corrupt file is set aside, with a warning: {}",
        text(&output)
    );
}

#[test]
fn the_solution_is_shown_only_after_asking() {
    let course = scratch("solution");
    let output = course.course(&["solution", "1"], "n\n");
    assert!(
        text(&output).contains("Not shown") && !text(&output).contains("+++"),
        "answering n shows nothing: {}",
        text(&output)
    );
    let report = course.json(&["solution", "1", "--yes"]);
    assert!(
        report["diff"]
            .as_str()
            .is_some_and(|d| d.contains("+        disabled: true,")),
        "with --yes, the diff between the stub and the reference (bob's row among it): {report}"
    );
    std::fs::remove_dir_all(course.path("solutions")).expect("remove the solutions");
    let output = course.course(&["solution", "1", "--yes"], "");
    assert!(
        text(&output).contains("ships without reference solutions") && !output.status.success(),
        "an edition without solutions says so: {}",
        text(&output)
    );
}
