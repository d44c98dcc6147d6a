//! `cargo course student-edition OUT`: the course without its reference
//! solutions or its history, for a class.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use course_runner::scratch::course_files;
use course_runner::steps::STEPS;
use course_runner::stubs;
use course_runner::sync::{self, Variant};

use crate::course::Course;

/// What a class must not be handed: the reference, the catalogue of
/// mistakes (each one quotes the reference), and the maintainers' tools
/// and CI, which need both.
const LEFT_OUT: [&str; 4] = ["solutions/", "mistakes/", "xtask/", ".ci/"];

const EDITION_NOTE: &str = "
## This edition

This is the student edition of the course: the reference solutions are
not in it, nor is the course's history. Everything else is: the exercises,
their hidden tests, the hints (`cargo course hint`), the quiz, the server.
The `solNN` features, which swap in a reference step, stop the build with
a sentence saying so; ask your instructor if you are stuck. Your instructor
grades your `exercises/` with the full edition.
";

pub fn run(course: &Course, out: Option<PathBuf>) -> i32 {
    let Some(out) = out else {
        eprintln!(
            "course student-edition: name the folder to write: cargo course student-edition OUT"
        );
        return 2;
    };
    if out.exists()
        && std::fs::read_dir(&out)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        eprintln!(
            "course student-edition: {} exists and is not empty",
            out.display()
        );
        return 1;
    }
    match write(&course.root, &out) {
        Ok(count) => {
            println!(
                "Wrote the student edition to {} ({count} files, one commit, no reference solutions).",
                out.display()
            );
            0
        }
        Err(e) => {
            eprintln!("course student-edition: {e}");
            1
        }
    }
}

fn write(root: &Path, out: &Path) -> Result<usize, String> {
    let manifest = stubs::manifest(root);
    // Everything steps.toml derives, generated for the edition (the stubs'
    // hashes stay the course's: this checkout's exercises may be worked).
    let edition: BTreeMap<String, String> = sync::outputs(root, Variant::Student)?
        .into_iter()
        .filter(|output| output.path != stubs::MANIFEST && output.path != "README.md")
        .filter_map(|output| Some((output.path, output.text?)))
        .collect();
    let mut count = 0;
    for name in course_files(root) {
        let shown = name.to_string_lossy().replace('\\', "/");
        if LEFT_OUT.iter().any(|prefix| shown.starts_with(prefix)) {
            continue;
        }
        let text = std::fs::read(root.join(&name)).map_err(|e| format!("{shown}: {e}"))?;
        let text = match shown.as_str() {
            // The stubs, whatever this checkout's exercises hold: an
            // instructor who worked the steps must not hand out the answers.
            exercise if exercise.starts_with("exercises/") => {
                match STEPS.iter().find(|s| s.exercise() == exercise) {
                    Some(step) if !stubs::is_pristine(root, step, &manifest) => stubs::stub_text(
                        root, step, &manifest,
                    )
                    .map_err(|e| {
                        format!(
                            "{shown} is not the stub and {e}; `cargo course reset {}` puts it back",
                            step.number
                        )
                    })?
                    .into_bytes(),
                    _ => text,
                }
            }
            // The step packages, the workspace and cargo's aliases as
            // steps.toml makes them for a student edition.
            generated if edition.contains_key(generated) => edition[generated].clone().into_bytes(),
            "README.md" => format!("{}{EDITION_NOTE}", String::from_utf8_lossy(&text)).into_bytes(),
            _ => text,
        };
        let dest = out.join(&name);
        if let Some(dir) = dest.parent() {
            std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        }
        std::fs::write(&dest, text).map_err(|e| format!("{}: {e}", dest.display()))?;
        count += 1;
    }
    // What a learner starts from, so that a grade warns only of what they
    // changed (not of every file the edition itself changed).
    let manifest = course_runner::integrity::edition_manifest(out);
    std::fs::write(
        out.join(course_runner::integrity::EDITION_MANIFEST),
        manifest,
    )
    .map_err(|e| format!("{}: {e}", course_runner::integrity::EDITION_MANIFEST))?;
    // One commit of its own: `cargo course reset` finds the stubs there.
    for args in [
        &["init", "-q"][..],
        &["add", "-A"],
        &[
            "-c",
            "user.name=course",
            "-c",
            "user.email=course@localhost",
            "commit",
            "-q",
            "-m",
            "The course, student edition",
        ],
    ] {
        let status = Command::new("git")
            .args(args)
            .current_dir(out)
            .stdout(Stdio::null())
            .status()
            .map_err(|e| format!("git: {e}"))?;
        if !status.success() {
            return Err(format!("git {args:?} failed in {}", out.display()));
        }
    }
    Ok(count)
}
