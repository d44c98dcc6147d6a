//! Re-grading a class skips the learners whose files have not changed
//! since their last grade by the same course and the same grader.
//!
//! A learner's grade is kept under a key that hashes everything the grade
//! depends on: the grader's own executable, every file of the course (its
//! tests, its references), whether the code was sandboxed, the steps
//! graded, and every file of the learner's checkout (what it changed
//! besides its exercises is part of the grade). A grade with a timed-out
//! step is never kept: a busy machine, not the learner, may have caused it.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::grade::{LearnerGrade, Status};
use crate::scratch::course_files;
use crate::steps::Step;
use crate::stubs::hex;

/// Bump when what a grade means changes without the executable changing.
const FORMAT: &str = "course-grade-cache 1";

pub struct GradeCache {
    dir: PathBuf,
    /// The grader, the course and the sandboxing, hashed once.
    grader: String,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Entry {
    key: String,
    grade: LearnerGrade,
}

impl GradeCache {
    /// A cache in `dir` for grades of `course`; `confined` says whether the
    /// learners' code runs in the sandbox.
    pub fn new(dir: &Path, course: &Path, confined: bool) -> Self {
        let mut hash = Sha256::new();
        hash.update(FORMAT);
        if let Ok(exe) = std::env::current_exe().and_then(std::fs::read) {
            hash.update(Sha256::digest(exe));
        }
        hash.update(if confined { "sandboxed" } else { "unconfined" });
        hash_files(&mut hash, course);
        Self {
            dir: dir.to_path_buf(),
            grader: hex(&hash.finalize()),
        }
    }

    /// What `learner`'s grade, under `name`, for `steps`, depends on.
    pub fn key(&self, learner: &Path, name: &str, steps: &[Step]) -> String {
        let mut hash = Sha256::new();
        hash.update(&self.grader);
        for part in [name.as_bytes(), learner.as_os_str().as_encoded_bytes()] {
            hash.update((part.len() as u64).to_le_bytes());
            hash.update(part);
        }
        for step in steps {
            hash.update((step.number as u64).to_le_bytes());
        }
        hash_files(&mut hash, learner);
        hex(&hash.finalize())
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir
            .join(format!("{}.json", hex(&Sha256::digest(name.as_bytes()))))
    }

    /// The grade kept for `name` under `key`, if there is one.
    pub fn get(&self, name: &str, key: &str) -> Option<LearnerGrade> {
        let text = std::fs::read_to_string(self.file(name)).ok()?;
        let entry: Entry = serde_json::from_str(&text).ok()?;
        (entry.key == key).then_some(entry.grade)
    }

    /// Keeps `grade` for `name` under `key`, unless a step timed out.
    pub fn put(&self, name: &str, key: &str, grade: &LearnerGrade) {
        if grade.steps.iter().any(|s| s.status == Status::TimedOut) {
            let _ = std::fs::remove_file(self.file(name));
            return;
        }
        let entry = Entry {
            key: key.to_owned(),
            grade: grade.clone(),
        };
        if std::fs::create_dir_all(&self.dir).is_ok()
            && let Ok(text) = serde_json::to_string(&entry)
        {
            let _ = std::fs::write(self.file(name), text);
        }
    }
}

/// Every file under `root` (as the course tools list them), each name and
/// content length-prefixed so that no two different trees hash alike.
fn hash_files(hash: &mut Sha256, root: &Path) {
    let mut files = course_files(root);
    files.sort();
    for name in files {
        let bytes = std::fs::read(root.join(&name)).unwrap_or_default();
        let name = name.to_string_lossy();
        hash.update((name.len() as u64).to_le_bytes());
        hash.update(name.as_bytes());
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(&bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::steps::STEPS;

    #[test]
    fn a_grade_is_reused_only_while_nothing_it_depends_on_changes() {
        let root = std::env::temp_dir().join(format!("grade-cache-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let (course, learner) = (root.join("course"), root.join("learner"));
        for dir in [&course, &learner] {
            std::fs::create_dir_all(dir.join("exercises")).unwrap();
        }
        std::fs::write(course.join("tests.rs"), "the tests").unwrap();
        std::fs::write(learner.join("exercises/01_fake_db.rs"), "mine").unwrap();
        let cache = GradeCache::new(&root.join("cache"), &course, true);
        let key = cache.key(&learner, "alice", STEPS);
        let grade = LearnerGrade {
            learner: "alice".into(),
            path: learner.display().to_string(),
            steps: Vec::new(),
            steps_passed: 0,
            warnings: Vec::new(),
        };
        cache.put("alice", &key, &grade);
        assert!(cache.get("alice", &key).is_some(), "kept and found again");
        assert_ne!(key, cache.key(&learner, "bob", STEPS), "another learner");
        assert_ne!(
            key,
            cache.key(&learner, "alice", &STEPS[..3]),
            "other steps"
        );
        let unconfined = GradeCache::new(&root.join("cache"), &course, false);
        assert_ne!(key, unconfined.key(&learner, "alice", STEPS), "no sandbox");
        std::fs::write(learner.join("exercises/01_fake_db.rs"), "changed").unwrap();
        let changed = cache.key(&learner, "alice", STEPS);
        assert!(
            cache.get("alice", &changed).is_none(),
            "the learner changed a file"
        );
        std::fs::write(learner.join("exercises/01_fake_db.rs"), "mine").unwrap();
        std::fs::write(course.join("tests.rs"), "new tests").unwrap();
        let newer = GradeCache::new(&root.join("cache"), &course, true);
        assert_ne!(
            key,
            newer.key(&learner, "alice", STEPS),
            "the course changed"
        );
        let _ = std::fs::remove_dir_all(&root);
    }
}
