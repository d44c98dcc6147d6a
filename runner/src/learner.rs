//! One step's tests, run the learner's way: their files for steps 1..N.
//! Step N's tests are built in step N's package, which holds steps 1..N
//! only, so a half-written later file can never break an earlier step.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::compile::{self, Request};
use crate::libtest::{self, Ending, Outcome};
use crate::progress::Status;
use crate::scratch::course_files;
use crate::steps::{Step, features_where};

/// A test binary that runs longer than this has hung.
pub const TIME_LIMIT: Duration = Duration::from_secs(120);

/// What one run of a step's tests gave.
#[derive(Debug, Clone)]
pub struct StepRun {
    pub status: Status,
    pub outcomes: Vec<Outcome>,
    /// The compiler's first error, rendered, when the build failed.
    pub compile_error: Option<String>,
}

/// The features for the whole course (the server) on the learner's steps
/// 1..N: the reference for every later step.
pub fn later_references(step: &Step) -> Vec<String> {
    features_where(|n| n > step.number)
}

/// The SHA-256 of everything step N's result depends on: the learner's
/// files 1..N, the packages of steps 1..N and the given code, the step's
/// tests and snapshots, the harness and the manifests.
pub fn inputs_hash(root: &Path, step: &Step) -> String {
    let mut files: Vec<PathBuf> = course_files(root)
        .into_iter()
        .filter(|name| step.depends_on(&name.to_string_lossy(), "exercises/"))
        .collect();
    files.sort();
    let mut hasher = Sha256::new();
    for name in files {
        hasher.update(name.to_string_lossy().as_bytes());
        hasher.update([0]);
        hasher.update(std::fs::read(root.join(&name)).unwrap_or_default());
        hasher.update([0]);
    }
    crate::stubs::hex(&hasher.finalize())
}

/// Builds and runs step N's tests in `root`.
pub fn run(root: &Path, step: &Step, target_dir: Option<PathBuf>) -> StepRun {
    let built = compile::build(&Request {
        root: root.to_path_buf(),
        tests: vec![step.test_name()],
        target_dir,
        ..Request::default()
    });
    let name = step.test_name();
    let exe = match built.executables.get(&name) {
        Some(exe) if built.success => exe.clone(),
        _ => {
            let error = built.first_error();
            return StepRun {
                status: Status::DoesNotCompile {
                    error: first_line(&error),
                },
                outcomes: Vec::new(),
                compile_error: Some(error),
            };
        }
    };
    let listed = libtest::list(&exe, root).map(|l| l.len()).unwrap_or(0);
    let run = libtest::run(&exe, root, TIME_LIMIT, &[]);
    let status = match &run.ending {
        Ending::TimedOut(_) => Status::TimedOut,
        Ending::Crashed(why) => Status::Failing {
            failed: listed.max(1),
            tests: listed,
            first: format!("the tests crashed: {why}"),
        },
        Ending::Exited { .. } => {
            let failed = run.failed().count() + listed.saturating_sub(run.outcomes.len());
            match run.failed().next() {
                None if failed == 0 && listed > 0 => Status::Done { tests: listed },
                None => Status::Failing {
                    failed,
                    tests: listed,
                    first: format!(
                        "only {} of {listed} tests reported a result: the test binary stopped early",
                        run.outcomes.len()
                    ),
                },
                Some(first) => Status::Failing {
                    failed,
                    tests: listed,
                    first: format!("{}: {}", first.name, summary(&first.message)),
                },
            }
        }
    };
    StepRun {
        status,
        outcomes: run.outcomes,
        compile_error: None,
    }
}

/// The line of a failure message that says most: what was expected.
pub fn summary(message: &str) -> String {
    let lines: Vec<&str> = message
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("thread '"))
        .collect();
    lines
        .iter()
        .find_map(|line| line.strip_prefix("expected:"))
        .map(|rest| rest.trim().to_owned())
        .or_else(|| lines.first().map(|line| (*line).to_owned()))
        .unwrap_or_default()
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_owned()
}
