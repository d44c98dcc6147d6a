//! The pristine stubs of the exercises, known by their SHA-256.
//!
//! `runner/stubs.sha256` lists each exercise file's hash as shipped (the
//! `sha256sum` format; `cargo xtask sync` writes it, `cargo xtask verify`
//! checks it). A file with that hash is a step not started; `cargo course
//! reset` finds the stub's text in git history by that hash, so a reset
//! never needs a copy of every stub in the repository.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::steps::Step;

/// Where the manifest lives, from the course root.
pub const MANIFEST: &str = "runner/stubs.sha256";

/// What `cargo course reset` adds to an exercise's name for the learner's
/// version it keeps beside the stub, before a number:
/// `exercises/02_passwords.rs.backup1`, then `.backup2`, ...
pub const BACKUP_SUFFIX: &str = ".backup";

/// The line of the course's `.gitignore` that ignores those backups, so a
/// learner's old work is never committed, copied into a scratch copy or
/// handed out in a student edition. A test checks that git ignores
/// [`backup_name`]'s names with the `.gitignore` the course ships.
pub const BACKUP_IGNORE: &str = "/exercises/*.rs.backup*";

/// Backup number `n` of `exercise` (a path like `exercises/02_passwords.rs`).
pub fn backup_name(exercise: &str, n: usize) -> String {
    format!("{exercise}{BACKUP_SUFFIX}{n}")
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Bytes as lowercase hex: how the tools write a hash.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut text, byte| {
        let _ = write!(text, "{byte:02x}");
        text
    })
}

/// Path (like `exercises/01_fake_db.rs`) to the stub's hash.
pub fn manifest(root: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(root.join(MANIFEST))
        .unwrap_or_default()
        .lines()
        .filter_map(|line| line.split_once("  "))
        .map(|(hash, path)| (path.trim().to_owned(), hash.trim().to_owned()))
        .collect()
}

/// The manifest's text for the exercise files as they are now.
pub fn manifest_of(root: &Path, steps: &[Step]) -> String {
    steps
        .iter()
        .map(|step| {
            let bytes = std::fs::read(root.join(step.exercise())).unwrap_or_default();
            format!("{}  {}\n", sha256_hex(&bytes), step.exercise())
        })
        .collect()
}

/// Whether the learner's exercise file is still the stub.
pub fn is_pristine(root: &Path, step: &Step, manifest: &BTreeMap<String, String>) -> bool {
    let Ok(bytes) = std::fs::read(root.join(step.exercise())) else {
        return false;
    };
    manifest.get(&step.exercise()) == Some(&sha256_hex(&bytes))
}

/// The stub's text, found in git history by its hash: the newest version of
/// the file whose hash is the manifest's.
pub fn stub_text(
    root: &Path,
    step: &Step,
    manifest: &BTreeMap<String, String>,
) -> Result<String, String> {
    let path = step.exercise();
    let wanted = manifest
        .get(&path)
        .ok_or_else(|| format!("{MANIFEST} has no entry for {path}"))?;
    let log = Command::new("git")
        .args(["log", "--format=%H", "--", &path])
        .current_dir(root)
        .output()
        .map_err(|e| format!("git is needed to find the stub: {e}"))?;
    for commit in String::from_utf8_lossy(&log.stdout).lines() {
        let show = Command::new("git")
            .args(["show", &format!("{commit}:{path}")])
            .current_dir(root)
            .output();
        if let Ok(show) = show
            && show.status.success()
            && sha256_hex(&show.stdout) == *wanted
        {
            return String::from_utf8(show.stdout).map_err(|e| e.to_string());
        }
    }
    Err(format!(
        "no commit in this repository's history holds the stub of {path}; fetch the course's history \
         (git fetch) or copy the file from the course's repository"
    ))
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};
    use std::process::{Command, Stdio};

    use super::*;
    use crate::steps::STEPS;

    /// The course's `.gitignore`, beside `runner/`.
    fn gitignore() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("runner/ is in the course")
            .join(".gitignore")
    }

    #[test]
    fn resets_backups_are_ignored_by_the_courses_gitignore() {
        let text = std::fs::read_to_string(gitignore()).expect("the course has a .gitignore");
        assert!(
            text.lines().any(|line| line.trim() == BACKUP_IGNORE),
            ".gitignore must have the line {BACKUP_IGNORE:?} (stubs::BACKUP_IGNORE):\n{text}"
        );
        // Git itself decides, with that file, in a repository of its own.
        let dir =
            std::env::temp_dir().join(format!("course-gitignore-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temporary folder");
        std::fs::write(dir.join(".gitignore"), &text).expect("copy .gitignore");
        let git = |args: &[&str]| {
            Command::new("git")
                .args(args)
                .current_dir(&dir)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .expect("git runs")
        };
        assert!(git(&["init", "-q"]).success(), "git init");
        let ignored = |path: &str| git(&["check-ignore", "-q", "--no-index", path]).success();
        for step in STEPS {
            for n in [1, 2, 10] {
                let backup = backup_name(&step.exercise(), n);
                assert!(
                    ignored(&backup),
                    "`cargo course reset {}` keeps {backup}, which .gitignore must ignore",
                    step.number
                );
            }
            assert!(
                !ignored(&step.exercise()),
                "{} itself must not be ignored",
                step.exercise()
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
