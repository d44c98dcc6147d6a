//! Scratch copies of the course for driving `cargo course` as a learner
//! would: each test gets its own copy at a fixed place under target/, as a
//! git repository (reset finds stubs in history), and every copy builds into
//! one shared target directory, so the dependencies build once.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The real course, two folders above this package's manifest.
pub fn course_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("runner/ is in the course")
        .to_path_buf()
}

pub struct Scratch {
    pub root: PathBuf,
}

/// A fresh copy of the course for the test `name`.
pub fn scratch(name: &str) -> Scratch {
    let base = course_root().join("target/course-tool-tests");
    let root = base.join(name).join("course");
    let _ = std::fs::remove_dir_all(root.join(".git"));
    let _ = std::fs::remove_dir_all(root.join("target"));
    course_runner::scratch::mirror(&course_root(), &root).expect("copy the course");
    for args in [
        &["init", "-q"][..],
        &["add", "-A"],
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-q",
            "-m",
            "the course",
        ],
    ] {
        let status = Command::new("git")
            .args(args)
            .current_dir(&root)
            .stdout(Stdio::null())
            .status()
            .expect("git runs");
        assert!(status.success(), "git {args:?} in the scratch copy");
    }
    Scratch { root }
}

impl Scratch {
    /// `cargo course ARGS` on this copy, with `stdin` as its input.
    pub fn course(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the course binary runs");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("write stdin");
        child
            .wait_with_output()
            .expect("the course binary finishes")
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_course"));
        command
            .args(args)
            .env("COURSE_ROOT", &self.root)
            .env("CARGO_TARGET_DIR", target_dir("learner"))
            .env("NO_COLOR", "1")
            .current_dir(&self.root);
        command
    }

    /// `cargo course ARGS --json`, parsed.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut args = args.to_vec();
        args.push("--json");
        let output = self.course(&args, "");
        let text = String::from_utf8_lossy(&output.stdout);
        serde_json::from_str(text.lines().last().unwrap_or("")).unwrap_or_else(|e| {
            panic!(
                "cargo course {args:?} must print JSON ({e}); it printed:\n{text}\nand on stderr:\n{}",
                String::from_utf8_lossy(&output.stderr)
            )
        })
    }

    /// Makes step `stem`'s exercise the reference: the step is solved.
    pub fn solve(&self, stem: &str) {
        std::fs::copy(
            self.root.join(format!("solutions/{stem}.rs")),
            self.root.join(format!("exercises/{stem}.rs")),
        )
        .expect("copy a solution");
    }

    pub fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.root.join(path)).unwrap_or_default()
    }

    pub fn write(&self, path: &str, text: &str) {
        std::fs::write(self.root.join(path), text).expect("write a file");
    }

    pub fn path(&self, path: &str) -> PathBuf {
        self.root.join(path)
    }
}

pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

pub fn exists(path: &Path) -> bool {
    path.exists()
}

/// A target directory for one kind of scratch copy. Never shared between
/// kinds: cargo's artifacts do not depend on where a workspace is, so two
/// copies of the course in one target directory would reuse each other's
/// binaries (exactly the stale result `cargo course grade` is built to avoid).
pub fn target_dir(kind: &str) -> PathBuf {
    course_root()
        .join("target/course-tool-tests")
        .join(format!("{kind}-target"))
}
