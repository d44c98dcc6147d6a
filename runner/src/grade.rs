//! Grading learners' checkouts with tests they cannot edit, in a sandbox
//! their code cannot leave.
//!
//! Only `exercises/NN_name.rs` is taken from a checkout. Two scratch copies
//! of the instructor's course, neither with `solutions/` or `mistakes/`:
//!
//! - **own**: every step the learner's file. One build grades every step on
//!   the learner's own earlier steps: information, shown beside the score.
//! - **alone**: every step the reference's file. A step that does not pass
//!   on the learner's own steps is graded again here, the learner's file in
//!   its place alone: that is its score. One mistake costs one step, and
//!   breaking a step on purpose gains nothing.
//!
//! A reference stands in for a learner's step by being written into the
//! copy as that step's file: no path from a learner's file leads to the
//! course. Every build and every test run is in the sandbox
//! (`sandbox.rs`). A run is believed only when everything it says agrees
//! (the exit status, libtest's closing line, each test's line, the tests
//! the reference lists), and a file holding what no exercise needs
//! (`audit.rs`) is held for review, not credited.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::audit::{self, Finding};
use crate::compile::{self, Built, Request};
use crate::integrity;
use crate::libtest::{self, Ending, Run};
use crate::sandbox::Sandbox;
use crate::scratch;
use crate::steps::{STEPS, Step};
use crate::stubs::{self, sha256_hex};

/// A step's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Fail,
    DoesNotCompile,
    TimedOut,
    /// Passed, or would have, but the file holds what no exercise needs,
    /// or the run's report does not agree with itself: for a person to see.
    HeldForReview,
    /// The checkout has no file for this step.
    Missing,
}

/// One step of one learner.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StepGrade {
    pub number: usize,
    pub module: String,
    /// The score: the learner's file for this step over the reference's
    /// earlier steps.
    pub status: Status,
    /// The learner's file over the learner's own earlier steps.
    pub on_own_steps: Status,
    pub passed: usize,
    pub total: usize,
    /// Each test of the scored run: name, `pass` or `fail`, and what its
    /// message expected and got.
    pub tests: Vec<TestGrade>,
    /// What went wrong, when a test does not say: the compiler's first
    /// error, or why the run is not believed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `exercises/NN_name.rs:LINE` of a compile error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// What the audit found, `line N: construct`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TestGrade {
    pub name: String,
    pub status: Status,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
}

/// One learner's grade.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LearnerGrade {
    pub learner: String,
    pub path: String,
    pub steps: Vec<StepGrade>,
    pub steps_passed: usize,
    /// For the instructor: what the checkout changed besides its
    /// exercises, and exercises alike another's or the reference's.
    pub warnings: Vec<String>,
}

/// A scratch copy of the course and its target directory.
struct Copy {
    root: PathBuf,
    target: PathBuf,
    /// Held while the grader lives: see [`scratch::lock`].
    _lock: std::fs::File,
}

impl Copy {
    fn prepare(course: &Path, root: PathBuf, target: PathBuf) -> Result<Self, String> {
        let lock = scratch::lock(&root, || {
            eprintln!(
                "course grade: another grade is using {}; waiting for it to finish ...",
                root.display()
            );
        })
        .map_err(|e| format!("cannot lock {}: {e}", root.display()))?;
        // The exercises are the grader's to write (a learner's, a stub or
        // a reference): copying the course's stubs over them first would
        // make cargo rebuild every step each time.
        scratch::mirror_but(course, &root, &["exercises", "solutions", "mistakes"])
            .map_err(|e| e.to_string())?;
        // Nothing of the reference but what the grader writes in itself.
        for gone in ["solutions", "mistakes"] {
            let _ = std::fs::remove_dir_all(root.join(gone));
        }
        // Held, so not mirrored: a fresh copy has no exercises/ yet.
        std::fs::create_dir_all(root.join("exercises")).map_err(|e| e.to_string())?;
        std::fs::create_dir_all(&target).map_err(|e| e.to_string())?;
        Ok(Self {
            root,
            target,
            _lock: lock,
        })
    }

    /// Puts `text` in as `step`'s file. A file that already holds it is
    /// left alone: cargo then keeps what it built from it (the reference's
    /// steps stay built from one learner to the next) and rebuilds only
    /// what changed.
    fn write(&self, step: &Step, text: &str) {
        let path = self.root.join(step.exercise());
        if std::fs::read(&path).is_ok_and(|held| held == text.as_bytes()) {
            return;
        }
        let _ = std::fs::write(path, text);
    }
}

pub struct Grader {
    course: PathBuf,
    own: Copy,
    alone: Copy,
    /// Each step's reference.
    references: BTreeMap<usize, String>,
    /// Test binary name to the tests the reference's build lists.
    expected: BTreeMap<String, Vec<String>>,
    sandbox: Sandbox,
    pub limit: Duration,
}

impl Grader {
    /// Prepares the two scratch copies of `course` under `work`, and the
    /// tests each step's reference lists.
    pub fn new(course: &Path, work: &Path, sandbox: Sandbox) -> Result<Self, String> {
        Self::for_job(course, work, sandbox, 0)
    }

    /// A grader for job `job` of `--jobs N`: copies of its own, the target
    /// directories shared (the crates are built once; cargo takes turns
    /// building, while one job's tests run beside another's build).
    pub fn for_job(
        course: &Path,
        work: &Path,
        sandbox: Sandbox,
        job: usize,
    ) -> Result<Self, String> {
        // `COURSE_GRADE_SCRATCH` gives a grade copies of its own, so two
        // grades of one course can run at once; on one copy, they take turns.
        let scratch = std::env::var_os("COURSE_GRADE_SCRATCH")
            .map(PathBuf::from)
            .unwrap_or_else(|| work.join("course"));
        let scratch = match job {
            0 => scratch,
            job => with_suffix(&scratch, &format!("-job{job}")),
        };
        // `COURSE_GRADE_TARGET` shares a target directory the tools' own
        // tests have warmed; each learner's code is rebuilt either way.
        let target = std::env::var_os("COURSE_GRADE_TARGET")
            .map(PathBuf::from)
            .unwrap_or_else(|| work.join("target"));
        // The crates, fetched now (the course's own Cargo.lock): the
        // sandbox has no network.
        let _ = compile::cargo_command(course)
            .arg("fetch")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
        let own = Copy::prepare(course, scratch.clone(), target.clone())?;
        let alone = Copy::prepare(
            course,
            with_suffix(&scratch, "-alone"),
            with_suffix(&target, "-alone"),
        )?;
        let mut references = BTreeMap::new();
        for step in STEPS {
            let text = std::fs::read_to_string(course.join(step.solution()))
                .map_err(|e| format!("{}: {e}", step.solution()))?;
            alone.write(step, &text);
            references.insert(step.number, text);
        }
        let mut grader = Self {
            course: course.to_path_buf(),
            own,
            alone,
            references,
            expected: BTreeMap::new(),
            sandbox,
            limit: Duration::from_secs(120),
        };
        let built = grader.build(&grader.alone, STEPS);
        if !built.success {
            return Err(format!(
                "the course itself does not build with its reference:\n{}",
                built.first_error()
            ));
        }
        for step in STEPS {
            let name = step.test_name();
            let exe = built
                .executables
                .get(&name)
                .ok_or_else(|| format!("{name} was not built"))?;
            let listed = libtest::list(exe, &grader.alone.root)?;
            grader.expected.insert(name, listed);
        }
        Ok(grader)
    }

    fn build(&self, copy: &Copy, steps: &[Step]) -> Built {
        compile::build(&Request {
            root: copy.root.clone(),
            tests: steps.iter().map(Step::test_name).collect(),
            extra: vec!["--no-fail-fast".to_owned()],
            target_dir: Some(copy.target.clone()),
            for_grading: true,
            sandbox: Some(self.sandbox.clone()),
            ..Request::default()
        })
    }

    fn run(&self, copy: &Copy, exe: &Path) -> Run {
        let writable = [copy.root.as_path(), copy.target.as_path()];
        libtest::run_confined(
            exe,
            &copy.root,
            self.limit,
            &[],
            Some((&self.sandbox, &writable)),
        )
    }

    /// Grades the checkout at `learner`, steps `steps`, naming it `name`.
    pub fn grade(&self, learner: &Path, name: &str, steps: &[Step]) -> LearnerGrade {
        let mut warnings = integrity::changed_files(&self.course, learner);
        let mut missing = Vec::new();
        let stubs = stubs::manifest(&self.course);
        // Steps whose file is the course's stub as given (or missing): not
        // built, not run. `cargo xtask verify` proves every test of a step
        // fails on its stub, so their verdict is known; a class part-way
        // through the course costs only the steps begun.
        let mut untouched = Vec::new();
        let mut findings: BTreeMap<usize, Vec<Finding>> = BTreeMap::new();
        for step in STEPS {
            let graded = steps.iter().any(|s| s.number == step.number);
            let text = match integrity::exercise(learner, step) {
                Some(text) => text,
                None => {
                    missing.push(step.number);
                    integrity::exercise(&self.course, step).unwrap_or_default()
                }
            };
            if missing.contains(&step.number)
                || stubs.get(&step.exercise()) == Some(&sha256_hex(text.as_bytes()))
            {
                untouched.push(step.number);
            }
            self.own.write(step, &text);
            let reference = &self.references[&step.number];
            findings.insert(step.number, audit::audit(&text, reference));
            if graded && let Some(stub) = integrity::exercise(&self.course, step) {
                let alike = integrity::written_similarity(&stub, &text, reference);
                if alike >= integrity::COPY_THRESHOLD {
                    warnings.push(format!(
                        "{}: the code written is {:.0}% the reference's",
                        step.exercise(),
                        alike * 100.0
                    ));
                }
            }
        }
        let begun: Vec<Step> = steps
            .iter()
            .filter(|step| !untouched.contains(&step.number))
            .copied()
            .collect();
        let built = if begun.is_empty() {
            Built::default()
        } else {
            self.build(&self.own, &begun)
        };
        let own: Vec<Verdict> = steps
            .iter()
            .map(|step| {
                if untouched.contains(&step.number) {
                    let expected = self.expected.get(&step.test_name());
                    Verdict::untouched(expected.map_or(&[][..], Vec::as_slice))
                } else {
                    self.verdict(&self.own, step, &built)
                }
            })
            .collect();
        // The steps begun that do not pass on the learner's own steps, graded
        // alone, the last first: a step's build then finds the reference's
        // earlier steps as the previous one left them, not to be rebuilt.
        let mut alone: BTreeMap<usize, Verdict> = BTreeMap::new();
        for (step, own) in steps.iter().zip(&own).rev() {
            if own.status != Status::Pass && !untouched.contains(&step.number) {
                alone.insert(step.number, self.alone(learner, step));
            }
        }
        let mut grades = Vec::new();
        for (step, own) in steps.iter().zip(own) {
            let on_own_steps = own.status;
            let scored = if missing.contains(&step.number) {
                Verdict::only(Status::Missing, "the checkout has no file for this step")
            } else {
                alone.remove(&step.number).unwrap_or(own)
            };
            let total = self.expected.get(&step.test_name()).map_or(0, Vec::len);
            grades.push(scored.into_grade(step, on_own_steps, total, &findings[&step.number]));
        }
        LearnerGrade {
            learner: name.to_owned(),
            path: learner.display().to_string(),
            steps_passed: grades.iter().filter(|g| g.status == Status::Pass).count(),
            steps: grades,
            warnings,
        }
    }

    /// `step`'s verdict in `copy`, built as `built`.
    fn verdict(&self, copy: &Copy, step: &Step, built: &Built) -> Verdict {
        let errors: Vec<_> = built
            .errors
            .iter()
            .filter(|e| e.target == "course" || e.target == step.test_name())
            .collect();
        if let Some(own) = errors
            .iter()
            .find(|e| e.file.as_deref() == Some(&step.exercise()))
        {
            return Verdict::broken(own, true);
        }
        let name = step.test_name();
        let Some(exe) = built.executables.get(&name) else {
            // Another step's file does not compile, and this step's
            // package depends on it.
            return match errors.first() {
                Some(error) => Verdict::broken(error, false),
                None => Verdict::only(Status::DoesNotCompile, &built.first_error()),
            };
        };
        let expected = self.expected.get(&name).cloned().unwrap_or_default();
        believe(&self.run(copy, exe), &expected)
    }

    /// `step` graded alone: the learner's file over the reference's
    /// earlier steps.
    ///
    /// Every other step is made the reference's before the build, not put
    /// back after it: a file that already holds the reference is left as it
    /// is, so nothing is rebuilt for it, and no other learner's file (the
    /// one graded alone before) is ever in the copy this learner's code
    /// runs in.
    fn alone(&self, learner: &Path, step: &Step) -> Verdict {
        for other in STEPS.iter().filter(|s| s.number != step.number) {
            self.alone.write(other, &self.references[&other.number]);
        }
        let text = integrity::exercise(learner, step).unwrap_or_default();
        self.alone.write(step, &text);
        let built = self.build(&self.alone, std::slice::from_ref(step));
        self.verdict(&self.alone, step, &built)
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

/// One run's verdict, before it becomes a grade.
#[derive(Debug, Clone)]
struct Verdict {
    status: Status,
    passed: usize,
    tests: Vec<TestGrade>,
    message: Option<String>,
    location: Option<String>,
}

impl Verdict {
    fn only(status: Status, message: &str) -> Self {
        Self {
            status,
            passed: 0,
            tests: Vec::new(),
            message: Some(first_lines(message, 12)),
            location: None,
        }
    }

    /// A step whose file is the stub as given: every test fails on it.
    fn untouched(expected: &[String]) -> Self {
        let why = "not started: the file is the course's stub, as given";
        Self {
            status: Status::Fail,
            passed: 0,
            tests: expected
                .iter()
                .map(|name| TestGrade {
                    name: name.clone(),
                    status: Status::Fail,
                    message: why.to_owned(),
                })
                .collect(),
            message: Some(format!(
                "{why} (not built: every test of a step fails on its stub, as `cargo xtask verify` proves)"
            )),
            location: None,
        }
    }

    fn broken(error: &compile::CompileError, own_fault: bool) -> Self {
        let location = error
            .file
            .as_ref()
            .map(|file| format!("{file}:{}", error.line.unwrap_or(0)));
        let mut verdict = Self::only(Status::DoesNotCompile, &error.rendered);
        if !own_fault && let Some(location) = &location {
            verdict.message = Some(format!(
                "does not compile on the learner's own earlier steps ({location}): {}",
                first_lines(&error.rendered, 8)
            ));
        }
        verdict.location = location;
        verdict
    }

    fn into_grade(
        self,
        step: &Step,
        on_own_steps: Status,
        total: usize,
        findings: &[Finding],
    ) -> StepGrade {
        let findings: Vec<String> = findings
            .iter()
            .map(|f| format!("line {}: {}", f.line, f.what))
            .collect();
        let mut status = self.status;
        let mut message = self.message;
        if !findings.is_empty() && matches!(status, Status::Pass | Status::Fail | Status::TimedOut)
        {
            status = Status::HeldForReview;
            message = Some(format!(
                "held for review: {} holds what no exercise needs ({})",
                step.exercise(),
                findings.join("; ")
            ));
        }
        StepGrade {
            number: step.number,
            module: step.module.to_owned(),
            status,
            on_own_steps,
            passed: self.passed,
            total,
            tests: self.tests,
            message,
            location: self.location,
            findings,
        }
    }
}

/// What a run is believed to say: a pass only when the exit status,
/// libtest's closing line, each test's line and the reference's list of
/// tests all agree; a run whose report disagrees with itself (a test
/// binary stopped early, or one that printed results of its own) is held
/// for review.
fn believe(run: &Run, expected: &[String]) -> Verdict {
    let tests: Vec<TestGrade> = run
        .outcomes
        .iter()
        .map(|o| TestGrade {
            name: o.name.clone(),
            status: if o.passed { Status::Pass } else { Status::Fail },
            message: expected_and_got(&o.message),
        })
        .collect();
    let passed = run.passed();
    let failed = run.outcomes.len() - passed;
    let mut verdict = Verdict {
        status: Status::Fail,
        passed,
        tests,
        message: None,
        location: None,
    };
    let success = match &run.ending {
        Ending::TimedOut(limit) => {
            verdict.status = Status::TimedOut;
            verdict.message = Some(format!("the tests ran over {} s", limit.as_secs()));
            return verdict;
        }
        Ending::Crashed(why) => {
            verdict.message = Some(format!("the test binary crashed: {why}"));
            verdict.passed = 0;
            return verdict;
        }
        Ending::Exited { success } => *success,
    };
    let mut names: Vec<&str> = run.outcomes.iter().map(|o| o.name.as_str()).collect();
    names.sort_unstable();
    let mut listed: Vec<&str> = expected.iter().map(String::as_str).collect();
    listed.sort_unstable();
    let summaries = libtest::summaries(&run.output);
    let disagreement = if names != listed {
        Some(format!(
            "the test binary reported {} results where the reference's tests are {}: it was stopped early \
             (an exit() or an abort), or it printed results of its own",
            names.len(),
            listed.len()
        ))
    } else if summaries.len() != 1 {
        Some(format!(
            "the test binary printed {} closing lines (`test result:`) where libtest prints one",
            summaries.len()
        ))
    } else if summaries[0].passed != passed
        || summaries[0].failed != failed
        || summaries[0].ok != (failed == 0)
        || success != (failed == 0)
    {
        Some(format!(
            "the test binary's report disagrees with itself: {passed} tests said ok and {failed} FAILED, its \
             closing line says {} passed and {} failed, and it exited {}",
            summaries[0].passed,
            summaries[0].failed,
            if success { "0" } else { "with a failure" }
        ))
    } else {
        None
    };
    match disagreement {
        Some(why) => {
            verdict.status = Status::HeldForReview;
            verdict.message = Some(why);
            verdict.passed = 0;
        }
        None if failed == 0 => verdict.status = Status::Pass,
        None => {}
    }
    verdict
}

/// A failure's message, as the instructor needs it: what was expected and
/// what came back, or its first line.
fn expected_and_got(message: &str) -> String {
    let field = |label: &str| {
        message
            .lines()
            .map(str::trim)
            .find_map(|line| line.strip_prefix(label))
            .map(|rest| rest.trim().to_owned())
    };
    match (field("expected:"), field("got:")) {
        (Some(expected), Some(got)) => format!("expected: {expected}; got: {got}"),
        (Some(expected), None) => format!("expected: {expected}"),
        _ => crate::learner::summary(message),
    }
}

fn first_lines(text: &str, lines: usize) -> String {
    text.lines().take(lines).collect::<Vec<_>>().join("\n")
}

/// Pairs of learners whose written code for a step is alike beyond the
/// threshold.
pub fn similar_pairs(
    course: &Path,
    learners: &[(String, PathBuf)],
) -> Vec<(String, String, usize)> {
    let mut pairs = Vec::new();
    for step in STEPS {
        let Some(stub) = integrity::exercise(course, step) else {
            continue;
        };
        let texts: Vec<(&String, String)> = learners
            .iter()
            .filter_map(|(name, dir)| {
                let text = integrity::exercise(dir, step)?;
                (text != stub).then_some((name, text))
            })
            .collect();
        for (i, (a, text_a)) in texts.iter().enumerate() {
            for (b, text_b) in &texts[i + 1..] {
                let alike = integrity::written_similarity(&stub, text_a, text_b);
                if alike >= integrity::COPY_THRESHOLD {
                    pairs.push(((*a).clone(), (*b).clone(), step.number));
                }
            }
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(output: &str, success: bool) -> Run {
        Run {
            outcomes: libtest::parse(output),
            ending: Ending::Exited { success },
            output: output.to_owned(),
        }
    }

    const LISTED: [&str; 2] = ["alpha", "beta"];

    fn listed() -> Vec<String> {
        LISTED.map(str::to_owned).to_vec()
    }

    #[test]
    fn an_honest_run_is_believed() {
        let passing = "running 2 tests\ntest alpha ... ok\ntest beta ... ok\n\n\
                       test result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out\n";
        assert_eq!(believe(&run(passing, true), &listed()).status, Status::Pass);
        let failing = "running 2 tests\ntest alpha ... ok\ntest beta ... FAILED\n\nfailures:\n\n\
                       ---- beta stdout ----\nexpected: 200\ngot: 400\n\nfailures:\n    beta\n\n\
                       test result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out\n";
        let verdict = believe(&run(failing, false), &listed());
        assert_eq!((verdict.status, verdict.passed), (Status::Fail, 1));
        assert_eq!(verdict.tests[1].message, "expected: 200; got: 400");
    }

    #[test]
    fn a_forged_report_is_not_believed() {
        // A function run before main prints passes, then `failures:`, so
        // that a reader stopping there sees only them; the real tests fail.
        let forged = "test alpha ... ok\ntest beta ... ok\nfailures:\n\
                      running 2 tests\ntest alpha ... FAILED\ntest beta ... FAILED\n\nfailures:\n\n\
                      test result: FAILED. 0 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out\n";
        assert_eq!(
            believe(&run(forged, false), &listed()).status,
            Status::HeldForReview,
            "passes the closing line and the exit status deny"
        );
        let forged_whole = "test alpha ... ok\ntest beta ... ok\n\n\
                            test result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out\n\
                            running 2 tests\ntest alpha ... FAILED\ntest beta ... FAILED\n\nfailures:\n\n\
                            test result: FAILED. 0 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out\n";
        assert_eq!(
            believe(&run(forged_whole, false), &listed()).status,
            Status::HeldForReview,
            "two closing lines"
        );
        let stopped = "running 2 tests\ntest alpha ... ok\n";
        assert_eq!(
            believe(&run(stopped, true), &listed()).status,
            Status::HeldForReview,
            "an exit(0) after the first test: fewer results than the reference lists"
        );
        let renamed = "running 2 tests\ntest alpha ... ok\ntest gamma ... ok\n\n\
                       test result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out\n";
        assert_eq!(
            believe(&run(renamed, true), &listed()).status,
            Status::HeldForReview,
            "a test the reference does not list"
        );
    }
}
