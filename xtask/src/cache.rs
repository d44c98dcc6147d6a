//! Verdicts of catalogued mistakes, kept between runs of `verify` by the
//! content hash of everything a verdict depends on: the course's sources and
//! tests, its manifest and lock file, and the mistake itself. A change to
//! any of them is a new key, so a kept verdict is never stale.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

use course_runner::mistakes::Mistake;
use course_runner::scratch::course_files;
use course_runner::steps::Step;

pub struct Cache {
    path: PathBuf,
    enabled: bool,
    verdicts: BTreeMap<String, String>,
    /// The hash of the course's inputs, computed once per run.
    inputs: Option<u64>,
}

impl Cache {
    pub fn load(path: &Path, enabled: bool) -> Self {
        let verdicts = std::fs::read_to_string(path)
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default();
        Self {
            path: path.to_path_buf(),
            enabled,
            verdicts,
            inputs: None,
        }
    }

    pub fn key(&mut self, course: &Path, step: &Step, mistake: &Mistake) -> String {
        let inputs = *self.inputs.get_or_insert_with(|| inputs_hash(course));
        let mut hasher = DefaultHasher::new();
        inputs.hash(&mut hasher);
        step.number.hash(&mut hasher);
        mistake.id.hash(&mut hasher);
        mistake.find.hash(&mut hasher);
        mistake.replace.hash(&mut hasher);
        mistake.message_contains.hash(&mut hasher);
        format!("{:016x}", hasher.finish())
    }

    pub fn get(&self, key: &str) -> Option<String> {
        self.enabled.then(|| self.verdicts.get(key).cloned())?
    }

    pub fn put(&mut self, key: String, verdict: String) {
        self.verdicts.insert(key, verdict);
    }

    pub fn save(&self) {
        if let Ok(text) = serde_json::to_string_pretty(&self.verdicts) {
            let _ = std::fs::write(&self.path, text);
        }
    }
}

/// What a mistake's verdict depends on besides the mistake: the course
/// package's code, tests and manifests (not the quiz, the tools or docs).
fn inputs_hash(course: &Path) -> u64 {
    let mut files: Vec<PathBuf> = course_files(course)
        .into_iter()
        .filter(|name| {
            let first = name.components().next().map(|c| c.as_os_str().to_owned());
            let first = first.as_ref().and_then(|f| f.to_str()).unwrap_or("");
            matches!(
                first,
                "src" | "solutions" | "tests" | "Cargo.toml" | "Cargo.lock"
            )
        })
        .collect();
    files.sort();
    let mut hasher = DefaultHasher::new();
    for name in files {
        name.hash(&mut hasher);
        std::fs::read(course.join(&name))
            .unwrap_or_default()
            .hash(&mut hasher);
    }
    hasher.finish()
}
