//! The question bank: TOML files under `quiz/questions/`, one per topic.
//!
//! Loading never stops at the first fault: every file is read and every
//! question checked, and each fault names its file and question id, so that
//! `cargo quiz check` reports a broken bank in one go.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The course's steps, by number: a question's `step` must be one of these.
pub const STEPS: [(u32, &str); 7] = [
    (1, "fake_db"),
    (2, "passwords"),
    (3, "bearer"),
    (4, "jwt"),
    (5, "token_route"),
    (6, "current_user"),
    (7, "users_me"),
];

pub const LETTERS: [char; 4] = ['A', 'B', 'C', 'D'];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Difficulty {
    Easy,
    Medium,
    Hard,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Four options, one right.
    Choice,
    /// A model answer the learner grades themselves against.
    Recall,
}

/// A checked question, ready to ask.
#[derive(Debug, Clone, Serialize)]
pub struct Question {
    pub id: String,
    pub topic: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<u32>,
    pub difficulty: Difficulty,
    pub kind: Kind,
    pub prompt: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Choice questions: the four options as written.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// Choice: the letter of the right option as written; recall: the model answer.
    pub answer: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub explanation: String,
    pub hint: String,
    pub mistakes: Vec<String>,
}

impl Question {
    /// The index of the right option, for a choice question.
    pub fn answer_index(&self) -> Option<usize> {
        let letter = self.answer.chars().next()?;
        LETTERS.iter().position(|&l| l == letter)
    }
}

/// One fault in the bank, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub file: PathBuf,
    pub id: Option<String>,
    pub message: String,
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.id {
            Some(id) => write!(
                f,
                "{}: question `{id}`: {}",
                self.file.display(),
                self.message
            ),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

/// A topic file as written, before checking.
#[derive(Deserialize)]
struct RawFile {
    topic: Option<String>,
    #[serde(default, rename = "question")]
    questions: Vec<RawQuestion>,
    #[serde(flatten)]
    unknown: BTreeMap<String, toml::Value>,
}

#[derive(Deserialize)]
struct RawQuestion {
    id: Option<String>,
    step: Option<i64>,
    difficulty: Option<String>,
    kind: Option<String>,
    prompt: Option<String>,
    code: Option<String>,
    options: Option<Vec<String>>,
    answer: Option<String>,
    explanation: Option<String>,
    hint: Option<String>,
    mistakes: Option<Vec<String>>,
    #[serde(flatten)]
    unknown: BTreeMap<String, toml::Value>,
}

/// Every question of the bank in `dir`, or every fault found in it.
pub fn load(dir: &Path) -> Result<Vec<Question>, Vec<Fault>> {
    let mut faults = Vec::new();
    let mut questions = Vec::new();
    let files = match toml_files(dir) {
        Ok(files) => files,
        Err(message) => {
            return Err(vec![Fault {
                file: dir.to_path_buf(),
                id: None,
                message,
            }]);
        }
    };
    if files.is_empty() {
        faults.push(Fault {
            file: dir.to_path_buf(),
            id: None,
            message: "no .toml question files here".into(),
        });
    }
    for file in files {
        load_file(&file, &mut questions, &mut faults);
    }
    let mut seen = HashSet::new();
    for question in &questions {
        if !seen.insert(question.id.clone()) {
            faults.push(Fault {
                file: dir.join(format!("{}.toml", question.topic)),
                id: Some(question.id.clone()),
                message: "duplicate id: another question already uses it; ids must be unique across the bank".into(),
            });
        }
    }
    if faults.is_empty() {
        Ok(questions)
    } else {
        Err(faults)
    }
}

fn toml_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read the question folder: {e}"))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    Ok(files)
}

fn load_file(file: &Path, questions: &mut Vec<Question>, faults: &mut Vec<Fault>) {
    let fault = |id: Option<&str>, message: String| Fault {
        file: file.to_path_buf(),
        id: id.map(str::to_owned),
        message,
    };
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) => return faults.push(fault(None, format!("cannot read: {e}"))),
    };
    let raw: RawFile = match toml::from_str(&text) {
        Ok(raw) => raw,
        Err(e) => {
            return faults.push(fault(
                None,
                format!(
                    "not valid TOML for a question file: {}",
                    e.to_string().trim()
                ),
            ));
        }
    };
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_owned();
    match &raw.topic {
        Some(topic) if *topic == stem => {}
        Some(topic) => faults.push(fault(
            None,
            format!("topic `{topic}` must match the file name `{stem}`"),
        )),
        None => faults.push(fault(
            None,
            format!("missing `topic = \"{stem}\"` at the top"),
        )),
    }
    for key in raw.unknown.keys() {
        faults.push(fault(None, format!("unknown top-level key `{key}`")));
    }
    if raw.questions.is_empty() {
        faults.push(fault(None, "no [[question]] entries".into()));
    }
    for (index, q) in raw.questions.into_iter().enumerate() {
        let label = q.id.clone().unwrap_or_else(|| format!("#{}", index + 1));
        let mut problems = Vec::new();
        if let Some(question) = check(q, &stem, &mut problems) {
            questions.push(question);
        }
        faults.extend(
            problems
                .into_iter()
                .map(|message| fault(Some(&label), message)),
        );
    }
}

/// Checks one question, pushing a sentence per problem.
fn check(q: RawQuestion, topic: &str, problems: &mut Vec<String>) -> Option<Question> {
    let mut text = |value: Option<String>, field: &str| -> String {
        let value = value.unwrap_or_default().trim().to_owned();
        if value.is_empty() {
            problems.push(format!("missing `{field}`"));
        }
        value
    };
    let id = text(q.id, "id");
    let prompt = text(q.prompt, "prompt");
    let hint = text(q.hint, "hint");
    let difficulty_text = text(q.difficulty, "difficulty");
    let kind_text = text(q.kind, "kind");
    let answer = q.answer.unwrap_or_default().trim().to_owned();
    let explanation = q.explanation.unwrap_or_default().trim().to_owned();
    let options = q.options.unwrap_or_default();
    let mistakes: Vec<String> = q.mistakes.unwrap_or_default();

    if !id.is_empty()
        && !id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        problems.push("an id is lower-case letters, digits and dashes".into());
    }
    for key in q.unknown.keys() {
        problems.push(format!("unknown key `{key}`"));
    }
    let step = match q.step {
        None => None,
        Some(n) if STEPS.iter().any(|(s, _)| i64::from(*s) == n) => Some(n as u32),
        Some(n) => {
            problems.push(format!(
                "unknown step {n}: the course has steps 1 to {}",
                STEPS.len()
            ));
            None
        }
    };
    let difficulty = match difficulty_text.as_str() {
        "easy" => Some(Difficulty::Easy),
        "medium" => Some(Difficulty::Medium),
        "hard" => Some(Difficulty::Hard),
        "" => None,
        other => {
            problems.push(format!("difficulty `{other}` is not easy, medium or hard"));
            None
        }
    };
    if mistakes.is_empty() || mistakes.iter().any(|m| m.trim().is_empty()) {
        problems.push("`mistakes` needs at least one common mistake, none of them empty".into());
    }
    let kind = match kind_text.as_str() {
        "choice" => {
            if options.len() != LETTERS.len() {
                problems.push(format!(
                    "a choice question has 4 options; this one has {}",
                    options.len()
                ));
            }
            if options.iter().any(|o| o.trim().is_empty()) {
                problems.push("an option is empty".into());
            }
            let distinct: HashSet<&String> = options.iter().collect();
            if distinct.len() != options.len() {
                problems.push("two options are the same".into());
            }
            if answer.is_empty() {
                problems.push("missing `answer` (the letter of the right option)".into());
            } else if !(answer.len() == 1 && LETTERS.iter().any(|l| answer.starts_with(*l))) {
                problems.push(format!(
                    "answer `{answer}` is out of range: it must be one of A, B, C, D"
                ));
            }
            if explanation.is_empty() {
                problems.push(
                    "missing `explanation` (why the answer is right and the others wrong)".into(),
                );
            }
            Some(Kind::Choice)
        }
        "recall" => {
            if !options.is_empty() {
                problems.push("a recall question has no options".into());
            }
            if answer.is_empty() {
                problems.push("missing `answer` (the model answer)".into());
            }
            Some(Kind::Recall)
        }
        "" => None,
        other => {
            problems.push(format!("kind `{other}` is not choice or recall"));
            None
        }
    };
    if !problems.is_empty() {
        return None;
    }
    Some(Question {
        id,
        topic: topic.to_owned(),
        step,
        difficulty: difficulty?,
        kind: kind?,
        prompt,
        code: q
            .code
            .map(|c| c.trim_end().to_owned())
            .filter(|c| !c.is_empty()),
        options,
        answer,
        explanation,
        hint,
        mistakes,
    })
}
