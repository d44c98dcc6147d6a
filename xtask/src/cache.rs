//! Verdicts of catalogued mistakes, kept between runs of `verify` by the
//! content hash of everything a verdict depends on (see `inputs_hash`) and
//! of the mistake itself. A change to any of them is a new key, so a kept
//! verdict is never stale.

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
        }
    }

    pub fn key(&mut self, course: &Path, step: &Step, mistake: &Mistake) -> String {
        let mut hasher = DefaultHasher::new();
        inputs_hash(course, step).hash(&mut hasher);
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

/// What step N's verdicts depend on: the reference of steps 1..N (a step
/// never uses a later one) and the rest `Step::depends_on` names.
fn inputs_hash(course: &Path, step: &Step) -> u64 {
    let mut files: Vec<PathBuf> = course_files(course)
        .into_iter()
        .filter(|name| step.depends_on(&name.to_string_lossy(), "solutions/"))
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
