//! A checked question, ready to ask: the bank's data model.

use std::path::PathBuf;

use serde::Serialize;

/// The course's steps, by number and module (`steps.toml`, through
/// `course-steps`): a question's `step` must be one of these.
pub fn steps() -> impl Iterator<Item = (u32, &'static str)> {
    course_steps::STEPS
        .iter()
        .map(|step| (step.number as u32, step.module))
}

/// The last core step: steps after it are advanced topics.
pub const CORE_STEPS: u32 = course_steps::LAST_CORE_STEP as u32;

/// Letters for options, as shown (six at most, for multi and order).
pub const LETTERS: [char; 6] = ['A', 'B', 'C', 'D', 'E', 'F'];

/// The module of course step `step`, if the course has it.
pub fn step_module(step: u32) -> Option<&'static str> {
    steps().find(|(s, _)| *s == step).map(|(_, m)| m)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Difficulty {
    Easy,
    Medium,
    Hard,
}

impl Difficulty {
    pub const ALL: [Difficulty; 3] = [Difficulty::Easy, Difficulty::Medium, Difficulty::Hard];

    pub fn name(self) -> &'static str {
        match self {
            Difficulty::Easy => "easy",
            Difficulty::Medium => "medium",
            Difficulty::Hard => "hard",
        }
    }

    /// Case-insensitive, as typed on the command line.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|d| d.name().eq_ignore_ascii_case(text))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Four options, one right.
    Choice,
    /// Four to six options, one or more right (how many varies): right only
    /// for exactly that set.
    Multi,
    /// Four to six items to put in order, written in the right order.
    Order,
    /// A snippet and four options about it, one right.
    Code,
    /// A model answer and the key points an interviewer listens for.
    Recall,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Choice,
        Kind::Multi,
        Kind::Order,
        Kind::Code,
        Kind::Recall,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Choice => "choice",
            Kind::Multi => "multi",
            Kind::Order => "order",
            Kind::Code => "code",
            Kind::Recall => "recall",
        }
    }

    /// Case-insensitive, as typed on the command line.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(text))
    }

    /// One right option among four: the kinds the length lints measure.
    pub fn is_single_answer(self) -> bool {
        matches!(self, Kind::Choice | Kind::Code)
    }
}

/// A checked question.
#[derive(Debug, Clone, Serialize)]
pub struct Question {
    pub id: String,
    pub topic: String,
    /// The file it came from, for fault reports.
    #[serde(skip)]
    pub file: PathBuf,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<u32>,
    pub difficulty: Difficulty,
    pub kind: Kind,
    pub refs: Vec<String>,
    pub prompt: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Choice, code, multi: the options as written; order: the items in the right order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// Choice and code: one letter; multi: the right letters, sorted; order:
    /// empty; recall: the model answer.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub answer: String,
    /// Recall: the key points to tick.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub points: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub explanation: String,
    pub hint: String,
    pub mistakes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follow_up: Option<String>,
}

impl Question {
    /// The indices, as written, of the right options (choice, code, multi).
    pub fn right_options(&self) -> Vec<usize> {
        self.answer
            .chars()
            .filter_map(|c| LETTERS.iter().position(|&l| l == c))
            .collect()
    }

    /// The step's label for headers and reports: `step 04`.
    pub fn step_label(&self) -> Option<String> {
        self.step.map(|s| format!("step {s:02}"))
    }
}
