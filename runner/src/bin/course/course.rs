//! The learner's course as `cargo course` sees it: each step's status, run
//! only when its files changed since the last run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use course_runner::learner::{self, StepRun};
use course_runner::progress::{self, Progress, Status, StepRecord};
use course_runner::steps::{STEPS, Step};
use course_runner::stubs;

use crate::ui::Ui;

pub struct Course {
    pub root: PathBuf,
    pub progress: Progress,
    pub ui: Ui,
    /// `--json`: machine-readable output only.
    pub json: bool,
    stubs: BTreeMap<String, String>,
    /// The last run of this process, with its messages: (step, run).
    pub last_run: Option<(usize, StepRun)>,
}

impl Course {
    pub fn open(json: bool) -> Self {
        let root = root();
        let (progress, warning) = Progress::load(&root);
        if let Some(warning) = warning {
            eprintln!("course: {warning}");
        }
        let stubs = stubs::manifest(&root);
        Self {
            root,
            progress,
            ui: Ui::new(),
            json,
            stubs,
            last_run: None,
        }
    }

    pub fn is_pristine(&self, step: &Step) -> bool {
        stubs::is_pristine(&self.root, step, &self.stubs)
    }

    pub fn stub_text(&self, step: &Step) -> Result<String, String> {
        stubs::stub_text(&self.root, step, &self.stubs)
    }

    /// The step's status: not started if its file is the stub, the kept
    /// result if nothing it depends on changed, else a fresh run.
    pub fn status(&mut self, step: &Step) -> Status {
        if self.is_pristine(step) {
            return self.record(step, Status::NotStarted, String::new());
        }
        let inputs = learner::inputs_hash(&self.root, step);
        match self.progress.steps.get(&step.number) {
            Some(kept) if kept.inputs == inputs && kept.status != Status::NotStarted => {
                kept.status.clone()
            }
            // The hash just taken is the one the run records: the files are
            // read once.
            _ => self.run_on(step, inputs).status,
        }
    }

    /// Runs the step's tests now, and remembers the result.
    pub fn run(&mut self, step: &Step) -> StepRun {
        let inputs = learner::inputs_hash(&self.root, step);
        self.run_on(step, inputs)
    }

    /// Runs the step's tests on files whose hash is `inputs`.
    fn run_on(&mut self, step: &Step, inputs: String) -> StepRun {
        if !self.json {
            eprintln!(
                "{}",
                self.ui.dim(&format!(
                    "course: building and running step {:02}'s tests (cargo test --test {}) ...",
                    step.number,
                    step.test_name()
                ))
            );
        }
        let run = learner::run(&self.root, step, None);
        self.record(step, run.status.clone(), inputs);
        self.last_run = Some((step.number, run.clone()));
        run
    }

    fn record(&mut self, step: &Step, status: Status, inputs: String) -> Status {
        self.progress.steps.insert(
            step.number,
            StepRecord {
                status: status.clone(),
                inputs,
            },
        );
        if let Err(e) = self.progress.save(&self.root) {
            eprintln!("course: cannot save progress: {e}");
        }
        status
    }

    /// The current step (the first that is not done), if any: the step
    /// `cargo course` names, and `test`, `hint` and `watch` work on.
    pub fn current(&mut self) -> Option<&'static Step> {
        progress::current(STEPS.iter().map(|step| (step, self.status(step)))).map(|(step, _)| step)
    }
}

/// The course's root: `COURSE_ROOT` when set (the tools' own tests run
/// on scratch copies), else the folder above `runner/`.
pub fn root() -> PathBuf {
    if let Some(root) = std::env::var_os("COURSE_ROOT") {
        return PathBuf::from(root);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}
