//! Reading the bank: TOML files under `quiz/questions/`, one per topic.
//!
//! Loading never stops at the first fault: every file is read and every
//! question checked, and each fault names its file and question id, so that
//! `cargo quiz check` reports a broken bank in one go. Only faults that stop
//! the runner from asking a question are found here; the content lints
//! (sources, option lengths, hints) are in `lint.rs`.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::question::Question;
use crate::validate;

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
    questions: Vec<validate::RawQuestion>,
    #[serde(flatten)]
    unknown: BTreeMap<String, toml::Value>,
}

/// Every question of the bank in `dir`, or every fault found in it.
pub fn load(dir: &Path) -> Result<Vec<Question>, Vec<Fault>> {
    let mut faults = Vec::new();
    let mut questions = Vec::new();
    let files = toml_files(dir).map_err(|message| {
        vec![Fault {
            file: dir.to_path_buf(),
            id: None,
            message,
        }]
    })?;
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
        if !seen.insert(question.id.as_str()) {
            faults.push(Fault {
                file: question.file.clone(),
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
        if let Some(question) = validate::check(q, &stem, file, &mut problems) {
            questions.push(question);
        }
        faults.extend(
            problems
                .into_iter()
                .map(|message| fault(Some(&label), message)),
        );
    }
}
