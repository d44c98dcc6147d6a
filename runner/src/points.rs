//! Points per step, from an instructor's optional `grading.toml`:
//!
//! ```toml
//! assignment = "Web authentication in Rust"  # the gradebook column
//! partial = true    # a failing step earns its share of tests passed
//! default = 1       # the points of a step not listed below
//! [points]
//! 05 = 3
//! 14 = 4
//! ```
//!
//! Without the file every step is worth one point, with partial credit.
//! A step held for review, that does not compile, timed out or is missing
//! earns nothing until a person says otherwise.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::grade::{LearnerGrade, Status, StepGrade};
use crate::steps::STEPS;

/// The weights, read and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Points {
    pub assignment: String,
    pub partial: bool,
    default: f64,
    by_step: BTreeMap<usize, f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    assignment: Option<String>,
    partial: Option<bool>,
    default: Option<f64>,
    #[serde(default)]
    points: BTreeMap<String, f64>,
}

impl Default for Points {
    fn default() -> Self {
        Self {
            assignment: "Web authentication in Rust".to_owned(),
            partial: true,
            default: 1.0,
            by_step: BTreeMap::new(),
        }
    }
}

impl Points {
    pub fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut points = Self::default();
        if let Some(assignment) = file.assignment {
            points.assignment = assignment;
        }
        points.partial = file.partial.unwrap_or(true);
        let worth = |what: &str, value: f64| {
            if value.is_finite() && value >= 0.0 {
                Ok(value)
            } else {
                Err(format!("{what} = {value}: points are a number, 0 or more"))
            }
        };
        if let Some(default) = file.default {
            points.default = worth("default", default)?;
        }
        for (key, value) in file.points {
            let number = key
                .parse::<usize>()
                .ok()
                .filter(|n| STEPS.iter().any(|s| s.number == *n))
                .ok_or_else(|| format!("[points] {key}: not a step of this course"))?;
            points.by_step.insert(number, worth(&key, value)?);
        }
        Ok(points)
    }

    /// What step `number` is worth.
    pub fn worth(&self, number: usize) -> f64 {
        self.by_step.get(&number).copied().unwrap_or(self.default)
    }

    /// What a graded step earns.
    pub fn earned(&self, step: &StepGrade) -> f64 {
        let share = match step.status {
            Status::Pass => 1.0,
            Status::Fail if self.partial && step.total > 0 => {
                step.passed as f64 / step.total as f64
            }
            _ => 0.0,
        };
        self.worth(step.number) * share
    }

    /// A learner's points and the most they could have had.
    pub fn total(&self, grade: &LearnerGrade) -> (f64, f64) {
        grade.steps.iter().fold((0.0, 0.0), |(got, most), step| {
            (got + self.earned(step), most + self.worth(step.number))
        })
    }
}

/// Points as a gradebook shows them: at most two decimals, no trailing zeros.
pub fn shown(points: f64) -> String {
    let text = format!("{:.2}", (points * 100.0).round() / 100.0);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(number: usize, status: Status, passed: usize, total: usize) -> StepGrade {
        StepGrade {
            number,
            module: String::new(),
            status,
            on_own_steps: status,
            passed,
            total,
            tests: Vec::new(),
            message: None,
            location: None,
            findings: Vec::new(),
        }
    }

    #[test]
    fn weights_and_partial_credit_come_from_the_file() {
        let points = Points::parse("partial = true\ndefault = 2\n[points]\n05 = 4\n").unwrap();
        assert_eq!(points.worth(5), 4.0);
        assert_eq!(points.worth(6), 2.0);
        assert_eq!(points.earned(&step(5, Status::Fail, 3, 4)), 3.0);
        assert_eq!(points.earned(&step(5, Status::HeldForReview, 4, 4)), 0.0);
        assert_eq!(points.earned(&step(6, Status::Pass, 9, 9)), 2.0);
        let whole = Points::parse("partial = false").unwrap();
        assert_eq!(whole.earned(&step(5, Status::Fail, 3, 4)), 0.0);
        assert_eq!(Points::default().earned(&step(1, Status::Fail, 1, 4)), 0.25);
    }

    #[test]
    fn a_mistyped_file_is_refused_not_guessed_at() {
        for (text, says) in [
            ("[points]\n99 = 1\n", "not a step"),
            ("[points]\nfive = 1\n", "not a step"),
            ("default = -1\n", "0 or more"),
            ("weights = 1\n", "unknown field"),
        ] {
            let error = Points::parse(text).unwrap_err();
            assert!(
                error.contains(says),
                "{text:?} gave {error:?}, not {says:?}"
            );
        }
    }

    #[test]
    fn points_are_shown_as_a_gradebook_takes_them() {
        assert_eq!(shown(3.0), "3");
        assert_eq!(shown(2.5), "2.5");
        assert_eq!(shown(2.0 / 3.0), "0.67");
        assert_eq!(shown(0.0), "0");
    }
}
