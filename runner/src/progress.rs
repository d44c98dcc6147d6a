//! What `cargo course` remembers between runs: each step's last result
//! (with the hash of the files it came from, so an unchanged step is not
//! run again), the hint stage reached, and the last step of an unbroken run
//! of passes, which the server serves by default.
//!
//! It lives in `target/course/progress.json` (target/ is ignored by git and
//! `cargo clean` wipes it: the next status simply runs the tests again). It
//! is written through a temporary file and a rename, so it is never half
//! written; a file that cannot be read is set aside and rebuilt.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The outcome of one step's tests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum Status {
    /// The exercise file is still the stub.
    NotStarted,
    Done {
        tests: usize,
    },
    Failing {
        failed: usize,
        tests: usize,
        /// The first failing test, and the first line of its message.
        first: String,
    },
    /// The learner's code does not compile; the compiler's first error.
    DoesNotCompile {
        error: String,
    },
    TimedOut,
}

impl Status {
    pub fn is_done(&self) -> bool {
        matches!(self, Status::Done { .. })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StepRecord {
    pub status: Status,
    /// The SHA-256 of the files the result came from.
    pub inputs: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Progress {
    pub version: u32,
    /// The last step N such that steps 1..=N are all done (0: none).
    pub last_passing_step: usize,
    #[serde(default)]
    pub steps: BTreeMap<usize, StepRecord>,
    /// Step to the number of hints shown so far.
    #[serde(default)]
    pub hints: BTreeMap<usize, usize>,
}

pub const VERSION: u32 = 1;

/// `target/course/progress.json` under the course root.
pub fn path(root: &Path) -> PathBuf {
    root.join("target/course/progress.json")
}

impl Progress {
    /// The progress file, or a fresh one (with a warning) when it is
    /// missing or unreadable.
    pub fn load(root: &Path) -> (Self, Option<String>) {
        let path = path(root);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(_) => return (Self::fresh(), None),
        };
        match serde_json::from_str::<Progress>(&text) {
            Ok(progress) if progress.version == VERSION => (progress, None),
            _ => {
                let aside = path.with_extension("json.corrupt");
                let _ = std::fs::rename(&path, &aside);
                (
                    Self::fresh(),
                    Some(format!(
                        "{} could not be read; set aside as {} and rebuilt from the tests",
                        path.display(),
                        aside.display()
                    )),
                )
            }
        }
    }

    fn fresh() -> Self {
        Self {
            version: VERSION,
            ..Self::default()
        }
    }

    /// Writes the file atomically.
    pub fn save(&mut self, root: &Path) -> std::io::Result<()> {
        self.last_passing_step = (1..)
            .take_while(|n| self.steps.get(n).is_some_and(|r| r.status.is_done()))
            .last()
            .unwrap_or(0);
        let path = path(root);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let temporary = path.with_extension("json.tmp");
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(&temporary, text)?;
        std::fs::rename(&temporary, &path)
    }
}
