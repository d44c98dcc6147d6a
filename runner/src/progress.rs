//! What `cargo course` remembers between runs: each step's last result
//! (with the hash of the files it came from, so an unchanged step is not
//! run again), the hint stage reached, and the last step of an unbroken run
//! of passes, which the server serves by default.
//!
//! It lives in `target/course/progress.json` (target/ is ignored by git and
//! `cargo clean` wipes it: the next status simply runs the tests again). It
//! is written through a temporary file and a rename, so it is never half
//! written; a file that cannot be read is set aside and rebuilt.

use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::steps::Step;

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

/// The current step: the first, in order, that is not done, with its
/// status. `cargo course` names it and `test`, `hint` and `watch` work on
/// it: this one function decides for them all. The statuses are read
/// lazily, so none after the current step's is asked for.
pub fn current<'a, S: Borrow<Status>>(
    statuses: impl IntoIterator<Item = (&'a Step, S)>,
) -> Option<(&'a Step, S)> {
    statuses
        .into_iter()
        .find(|(_, status)| !status.borrow().is_done())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::steps::STEPS;

    fn failing() -> Status {
        Status::Failing {
            failed: 2,
            tests: 5,
            first: "a test: expected 401".to_owned(),
        }
    }

    #[test]
    fn the_current_step_is_the_first_not_done() {
        let done = Status::Done { tests: 3 };
        let not_done = [
            Status::NotStarted,
            failing(),
            Status::DoesNotCompile {
                error: "error[E0425]".to_owned(),
            },
            Status::TimedOut,
        ];
        for status in not_done {
            // Steps 1 and 2 done, 3 not, 4 on done again: 3 is current.
            let statuses = STEPS.iter().map(|step| {
                let status = if step.number == 3 {
                    status.clone()
                } else {
                    done.clone()
                };
                (step, status)
            });
            let (step, found) = current(statuses).expect("a current step");
            assert_eq!(
                (step.number, &found),
                (3, &status),
                "the first step not done is current, whatever is done after it"
            );
        }
        let all_done = STEPS.iter().map(|step| (step, &done));
        assert!(
            current(all_done).is_none(),
            "every step done: none is current"
        );
    }

    #[test]
    fn no_status_after_the_current_steps_is_asked_for() {
        let mut asked = Vec::new();
        let statuses = STEPS.iter().map(|step| {
            asked.push(step.number);
            let status = if step.number < 4 {
                Status::Done { tests: 1 }
            } else {
                failing()
            };
            (step, status)
        });
        assert_eq!(current(statuses).map(|(step, _)| step.number), Some(4));
        assert_eq!(
            asked,
            [1, 2, 3, 4],
            "a status runs the step's tests: only those needed"
        );
    }
}
