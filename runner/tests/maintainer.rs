//! The maintainer's loop: `cargo xtask new-step` adds a working step to a
//! copy of the course, and `cargo xtask sync` keeps everything derived from
//! `steps.toml` in line with it.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use course_runner::steps;
use serde_json::Value;
use support::{scratch, target_dir, text};

/// `cargo ARGS` in `root`, building into the tool tests' shared target.
fn cargo(root: &Path, args: &[&str]) -> Output {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(args)
        .current_dir(root)
        .env("CARGO_TARGET_DIR", target_dir("learner"))
        .env("NO_COLOR", "1")
        .env_remove("COURSE_ROOT")
        .output()
        .expect("cargo runs")
}

#[test]
fn new_step_adds_a_step_that_builds_runs_and_fails_on_its_stub() {
    // A whole fresh copy: a step added by an earlier run must not be in it.
    let _ =
        std::fs::remove_dir_all(support::course_root().join("target/course-tool-tests/new-step"));
    let course = scratch("new-step");
    let root = &course.root;
    let next = steps::LAST_STEP + 1;

    let added = cargo(root, &["xtask", "new-step", "demo_step", "a demo step"]);
    assert!(
        added.status.success(),
        "cargo xtask new-step demo_step \"a demo step\" must succeed:\n{}",
        text(&added)
    );
    let stem = format!("{next:02}_demo_step");
    // The step's own files: what new-step writes, and removing the step deletes.
    let files = [
        format!("exercises/{stem}.rs"),
        format!("solutions/{stem}.rs"),
        format!("tests/step{stem}.rs"),
        format!("hints/{stem}.toml"),
        format!("mistakes/{stem}.toml"),
        "quiz/questions/demo-step.toml".to_owned(),
    ];
    let package = [
        format!("steps/step{next:02}/Cargo.toml"),
        format!("steps/step{next:02}/lib.rs"),
    ];
    for path in files.iter().chain(&package) {
        assert!(course.path(path).exists(), "new-step wrote {path}");
    }
    assert!(
        course.read("README.md").contains(&format!(
            "| {next:02} | `exercises/{stem}.rs` | a demo step |"
        )),
        "sync put the step in the README's table"
    );

    let check = cargo(root, &["xtask", "sync", "--check"]);
    assert!(
        check.status.success(),
        "after new-step, `cargo xtask sync --check` is clean:\n{}",
        text(&check)
    );

    // The copy's own `cargo course`, built from its steps.toml.
    let status = cargo(root, &["course", "--json"]);
    let report: Value = serde_json::from_slice(&status.stdout).unwrap_or_default();
    assert_eq!(
        report["steps"][next - 1]["status"]["status"],
        "not_started",
        "cargo course lists step {next} as not started:\n{}",
        text(&status)
    );

    let tested = cargo(root, &["course", "test", &next.to_string()]);
    let shown = text(&tested);
    assert!(
        !tested.status.success() && shown.contains(&format!("step {next:02}: return the answer")),
        "`cargo course test {next}` builds and fails on the stub's todo!(), not on a build error:\n{shown}"
    );

    let quiz = cargo(root, &["quiz", "check"]);
    assert!(
        quiz.status.success(),
        "the quiz bank with the new topic is sound:\n{}",
        text(&quiz)
    );

    let server = cargo(root, &["build", "-q", "-p", "course-server"]);
    assert!(
        server.status.success(),
        "the server builds with step {next}:\n{}",
        text(&server)
    );

    // Removing it: its files and its entry gone, then sync.
    for path in &files {
        std::fs::remove_file(course.path(path)).expect("remove a step file");
    }
    let manifest = course.read("steps.toml");
    let entry = manifest.rfind("\n[[step]]").expect("the new step's entry");
    let after = manifest[entry + 1..]
        .find("\n\n")
        .map_or(manifest.len(), |end| entry + 2 + end);
    course.write(
        "steps.toml",
        &format!("{}{}", &manifest[..entry], &manifest[after..]),
    );
    let synced = cargo(root, &["xtask", "sync"]);
    assert!(
        synced.status.success(),
        "sync after removing the step:\n{}",
        text(&synced)
    );
    assert!(
        !course.path(&format!("steps/step{next:02}")).exists(),
        "sync removed the step's package"
    );
    for file in [
        "README.md",
        "Cargo.toml",
        "steps.toml",
        "runner/stubs.sha256",
    ] {
        assert_eq!(
            course.read(file),
            std::fs::read_to_string(support::course_root().join(file)).unwrap_or_default(),
            "after removing the step and syncing, {file} is as it was"
        );
    }
}
