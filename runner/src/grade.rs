//! Grading learners' checkouts with tests they cannot edit.
//!
//! Only `exercises/NN_name.rs` is taken from a checkout; it is laid over a
//! scratch copy of the instructor's pristine course (its tests, harness,
//! `src/`, manifests and features). Everything builds once: a learner's
//! step never uses a later one, so one build of all their files grades
//! every step. When a file does not compile, that step is reported as such
//! and the reference stands in for it, so later steps are still graded.
//! The reference itself sits under a name only this run knows, so an
//! exercise that `include!`s `../solutions/...` does not compile here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use crate::compile::{self, Built, Request};
use crate::integrity;
use crate::libtest::{self, Ending};
use crate::scratch;
use crate::steps::{STEPS, Step};

/// One step of one learner.
#[derive(Debug, Clone, Serialize)]
pub struct StepGrade {
    pub number: usize,
    pub module: &'static str,
    /// `pass`, `fail`, `does_not_compile`, `timed_out` or `error`.
    pub status: &'static str,
    pub passed: usize,
    pub total: usize,
    /// Each test: name, `pass` or `fail`, and its message's first line.
    pub tests: Vec<TestGrade>,
    /// What went wrong, when a test does not say: the compiler's first
    /// error, or why the run is not trusted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TestGrade {
    pub name: String,
    pub status: &'static str,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
}

/// One learner's grade.
#[derive(Debug, Clone, Serialize)]
pub struct LearnerGrade {
    pub learner: String,
    pub path: String,
    pub steps: Vec<StepGrade>,
    pub steps_passed: usize,
    /// For the instructor: what the checkout changed besides its
    /// exercises, and exercises that borrow from the reference.
    pub warnings: Vec<String>,
}

pub struct Grader {
    course: PathBuf,
    scratch: PathBuf,
    /// Held while this grader lives: see [`scratch::lock`].
    _scratch_lock: std::fs::File,
    target: PathBuf,
    /// Test binary name to the number of tests the reference build lists.
    expected: BTreeMap<String, usize>,
    pub limit: Duration,
}

impl Grader {
    /// Prepares a scratch copy of `course` under `work`, and the expected
    /// number of tests of every step from the reference.
    pub fn new(course: &Path, work: &Path) -> Result<Self, String> {
        // `COURSE_GRADE_SCRATCH` gives a grade a copy of its own, so two
        // grades of one course can run at once; on one copy, they take turns.
        let scratch = std::env::var_os("COURSE_GRADE_SCRATCH")
            .map(PathBuf::from)
            .unwrap_or_else(|| work.join("course"));
        let scratch_lock = scratch::lock(&scratch, || {
            eprintln!(
                "course grade: another grade is using {}; waiting for it to finish ...",
                scratch.display()
            );
        })
        .map_err(|e| format!("cannot lock {}: {e}", scratch.display()))?;
        scratch::mirror(course, &scratch).map_err(|e| e.to_string())?;
        hide_the_reference(&scratch)?;
        // `COURSE_GRADE_TARGET` shares a target directory the tools' own
        // tests have warmed; each learner's code is rebuilt either way.
        let target = std::env::var_os("COURSE_GRADE_TARGET")
            .map(PathBuf::from)
            .unwrap_or_else(|| work.join("target"));
        let grader = Self {
            course: course.to_path_buf(),
            scratch,
            _scratch_lock: scratch_lock,
            target,
            expected: BTreeMap::new(),
            limit: Duration::from_secs(120),
        };
        let built = grader.build(&["solutions".to_owned()], STEPS);
        if !built.success {
            return Err(format!(
                "the course itself does not build with its reference:\n{}",
                built.first_error()
            ));
        }
        let mut expected = BTreeMap::new();
        for step in STEPS {
            let name = step.test_name();
            let exe = built
                .executables
                .get(&name)
                .ok_or_else(|| format!("{name} was not built"))?;
            let listed = libtest::list(exe, &grader.scratch)?;
            expected.insert(name, listed.len());
        }
        Ok(Self { expected, ..grader })
    }

    fn build(&self, features: &[String], steps: &[Step]) -> Built {
        compile::build(&Request {
            root: self.scratch.clone(),
            features: features.to_vec(),
            tests: steps.iter().map(Step::test_name).collect(),
            extra: vec!["--no-fail-fast".to_owned()],
            target_dir: Some(self.target.clone()),
            for_grading: true,
        })
    }

    /// Grades the checkout at `learner`, steps `steps`.
    pub fn grade(&self, learner: &Path, steps: &[Step]) -> LearnerGrade {
        let mut warnings = integrity::changed_files(&self.course, learner);
        for step in STEPS {
            // Every file is written, so cargo sees each learner's code as
            // new: never another learner's binaries.
            let text = integrity::exercise(learner, step)
                .or_else(|| integrity::exercise(&self.course, step))
                .unwrap_or_default();
            let _ = std::fs::write(self.scratch.join(step.exercise()), &text);
            for what in integrity::borrowing(&text) {
                warnings.push(format!("{} uses {what}", step.exercise()));
            }
            if let (Some(stub), Some(reference)) = (
                integrity::exercise(&self.course, step),
                std::fs::read_to_string(self.course.join(step.solution())).ok(),
            ) {
                let alike = integrity::written_similarity(&stub, &text, &reference);
                if alike >= integrity::COPY_THRESHOLD {
                    warnings.push(format!(
                        "{}: the code written is {:.0}% the reference's",
                        step.exercise(),
                        alike * 100.0
                    ));
                }
            }
        }
        let (built, broken) = self.build_learner(steps);
        let mut grades = Vec::new();
        for step in steps {
            grades.push(self.grade_step(step, &built, &broken));
        }
        LearnerGrade {
            learner: learner
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            path: learner.display().to_string(),
            steps_passed: grades.iter().filter(|g| g.status == "pass").count(),
            steps: grades,
            warnings,
        }
    }

    /// Builds the learner's files, putting the reference in place of each
    /// file that does not compile, until the library builds.
    fn build_learner(&self, steps: &[Step]) -> (Built, BTreeMap<usize, String>) {
        let mut broken: BTreeMap<usize, String> = BTreeMap::new();
        loop {
            let features: Vec<String> = broken.keys().map(|n| format!("sol{n:02}")).collect();
            let built = self.build(&features, steps);
            let library: Vec<_> = built
                .errors
                .iter()
                .filter(|e| e.target == "course")
                .collect();
            if library.is_empty() {
                return (built, broken);
            }
            let mut found = false;
            for error in library {
                for step in STEPS {
                    if error.rendered.contains(&step.exercise())
                        && !broken.contains_key(&step.number)
                    {
                        broken.insert(step.number, error.rendered.clone());
                        found = true;
                    }
                }
            }
            if !found {
                // Not any one exercise's fault: nothing more to replace.
                return (built, broken);
            }
        }
    }

    fn grade_step(
        &self,
        step: &Step,
        built: &Built,
        broken: &BTreeMap<usize, String>,
    ) -> StepGrade {
        let name = step.test_name();
        let expected = self.expected.get(&name).copied().unwrap_or(0);
        let mut grade = StepGrade {
            number: step.number,
            module: step.module,
            status: "error",
            passed: 0,
            total: expected,
            tests: Vec::new(),
            message: None,
        };
        if let Some(error) = broken.get(&step.number) {
            grade.status = "does_not_compile";
            grade.message = Some(first_lines(error, 12));
            return grade;
        }
        let Some(exe) = built.executables.get(&name) else {
            let error = built
                .errors
                .iter()
                .find(|e| e.target == name || e.target == "course")
                .map(|e| e.rendered.clone())
                .unwrap_or_else(|| built.first_error());
            grade.status = "does_not_compile";
            grade.message = Some(first_lines(&error, 12));
            return grade;
        };
        let run = libtest::run(exe, &self.scratch, self.limit, &[]);
        grade.tests = run
            .outcomes
            .iter()
            .map(|o| TestGrade {
                name: o.name.clone(),
                status: if o.passed { "pass" } else { "fail" },
                message: crate::learner::summary(&o.message),
            })
            .collect();
        grade.passed = run.passed();
        grade.status = match run.ending {
            Ending::TimedOut(_) => "timed_out",
            Ending::Crashed(_) => "error",
            Ending::Exited { .. } if run.outcomes.len() != expected => {
                grade.message = Some(format!(
                    "the tests reported {} results where {expected} were expected: the test binary was \
                     stopped early (an exit() or an abort), so none of its passes count",
                    run.outcomes.len()
                ));
                grade.passed = 0;
                "error"
            }
            Ending::Exited { .. } if grade.passed == expected => "pass",
            Ending::Exited { .. } => "fail",
        };
        grade
    }
}

/// Moves `solutions/` to a name only this run knows, and points every
/// step's package at it: the reference stays available to the `solNN` features
/// but not to an exercise that names `../solutions/...`.
fn hide_the_reference(scratch: &Path) -> Result<(), String> {
    let mut suffix = [0u8; 8];
    getrandom_fill(&mut suffix);
    let hidden: String = format!(
        "reference-{}",
        suffix
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    for entry in std::fs::read_dir(scratch)
        .map_err(|e| e.to_string())?
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("reference-") {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
    std::fs::rename(scratch.join("solutions"), scratch.join(&hidden)).map_err(|e| e.to_string())?;
    for step in STEPS {
        let lib = scratch.join(step.package_dir()).join("lib.rs");
        let text = std::fs::read_to_string(&lib).map_err(|e| format!("{}: {e}", lib.display()))?;
        std::fs::write(&lib, text.replace("/solutions/", &format!("/{hidden}/")))
            .map_err(|e| format!("{}: {e}", lib.display()))?;
    }
    Ok(())
}

/// Random bytes without a dependency: the clock and the process id are
/// enough to make a name nobody writes into an exercise in advance.
fn getrandom_fill(bytes: &mut [u8]) {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    hasher.write_u32(std::process::id());
    let value = hasher.finish().to_le_bytes();
    for (byte, random) in bytes.iter_mut().zip(value.iter().cycle()) {
        *byte = *random;
    }
}

fn first_lines(text: &str, lines: usize) -> String {
    text.lines().take(lines).collect::<Vec<_>>().join("\n")
}

/// Pairs of learners whose written code for a step is alike beyond the
/// threshold.
pub fn similar_pairs(course: &Path, learners: &[PathBuf]) -> Vec<String> {
    let mut pairs = Vec::new();
    for step in STEPS {
        let Some(stub) = integrity::exercise(course, step) else {
            continue;
        };
        let texts: Vec<(String, String)> = learners
            .iter()
            .filter_map(|l| {
                let text = integrity::exercise(l, step)?;
                (text != stub).then(|| (l.display().to_string(), text))
            })
            .collect();
        let mut seen = BTreeSet::new();
        for (i, (a, text_a)) in texts.iter().enumerate() {
            for (b, text_b) in &texts[i + 1..] {
                let alike = integrity::written_similarity(&stub, text_a, text_b);
                if alike >= integrity::COPY_THRESHOLD && seen.insert((a.clone(), b.clone())) {
                    pairs.push(format!(
                        "step {:02}: {a} and {b} wrote code {:.0}% alike",
                        step.number,
                        alike * 100.0
                    ));
                }
            }
        }
    }
    pairs
}
