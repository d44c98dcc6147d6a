//! Scratch copies of the course: the files git tracks (and new files it does
//! not ignore), so that a tool can change and build a copy while the
//! original stays untouched.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The course's files under `root`, relative to it: git's listing when
/// `root` is a git checkout, else every file outside `target/` and `.git/`.
pub fn course_files(root: &Path) -> Vec<PathBuf> {
    // Only a checkout of its own: a copy inside another repository (a
    // scratch copy under target/) must not list that repository's files.
    let own_checkout = Command::new("git")
        .args(["rev-parse", "--show-prefix"])
        .current_dir(root)
        .output()
        .is_ok_and(|out| out.status.success() && out.stdout.trim_ascii().is_empty());
    let listing = Command::new("git")
        .args([
            "ls-files",
            "--cached",
            "--others",
            "--exclude-standard",
            "-z",
        ])
        .current_dir(root)
        .output();
    match listing {
        Ok(output) if own_checkout && output.status.success() => output
            .stdout
            .split(|&b| b == 0)
            .filter(|name| !name.is_empty())
            .map(|name| PathBuf::from(String::from_utf8_lossy(name).into_owned()))
            .filter(|name| root.join(name).is_file())
            .collect(),
        _ => {
            let mut files = Vec::new();
            walk(root, Path::new(""), &mut files);
            files
        }
    }
}

fn walk(root: &Path, relative: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(root.join(relative)) else {
        return;
    };
    for entry in entries.flatten() {
        let name = relative.join(entry.file_name());
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if name != Path::new("target") && name != Path::new(".git") {
                walk(root, &name, files);
            }
        } else if kind.is_file() {
            files.push(name);
        }
    }
}

/// Makes `to` hold exactly the course files of `from`; files already there
/// with the same content are left alone, so cargo's fingerprints stay valid
/// and a second copy rebuilds nothing.
pub fn mirror(from: &Path, to: &Path) -> std::io::Result<()> {
    mirror_but(from, to, &[])
}

/// [`mirror`], but files under the folders `held` (`"exercises"`) are
/// neither copied nor removed: the caller writes those itself.
pub fn mirror_but(from: &Path, to: &Path, held: &[&str]) -> std::io::Result<()> {
    let files = course_files(from);
    for name in &files {
        if held.iter().any(|folder| name.starts_with(folder)) {
            continue;
        }
        let content = std::fs::read(from.join(name))?;
        write_if_changed(&to.join(name), &content)?;
    }
    // A file the original no longer has must not linger: cargo would still
    // build a test left behind in tests/.
    let mut present = Vec::new();
    walk(to, Path::new(""), &mut present);
    for stale in present.iter().filter(|name| !files.contains(name)) {
        std::fs::remove_file(to.join(stale))?;
    }
    Ok(())
}

/// Writes `content` to `path` unless it already holds exactly that.
pub fn write_if_changed(path: &Path, content: &[u8]) -> std::io::Result<()> {
    if std::fs::read(path).is_ok_and(|old| old == content) {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, content)
}

/// Holds a scratch copy for one tool run: while the returned file is open,
/// another run that locks the same copy waits (calling `on_wait` once
/// first), so two runs never write into each other's files. The operating
/// system drops the lock when the process ends, however it ends.
pub fn lock(scratch: &Path, on_wait: impl FnOnce()) -> std::io::Result<std::fs::File> {
    let path = scratch.with_extension("lock");
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let file = std::fs::File::create(&path)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            on_wait();
            file.lock()?;
        }
        Err(std::fs::TryLockError::Error(error)) => return Err(error),
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    #[test]
    fn a_second_lock_of_a_scratch_copy_waits_for_the_first() {
        let dir = std::env::temp_dir().join(format!("course-lock-test-{}", std::process::id()));
        let scratch = dir.join("course");
        let first = super::lock(&scratch, || panic!("nothing holds it yet")).expect("locked");
        let (waiting, waited) = mpsc::channel();
        let second = std::thread::spawn(move || {
            super::lock(&scratch, move || {
                waiting.send(()).expect("the test listens")
            })
            .map(|_| ())
            .map_err(|e| e.to_string())
        });
        waited
            .recv()
            .expect("the second run sees the copy held and says it waits");
        drop(first);
        assert_eq!(
            second.join().expect("no panic"),
            Ok(()),
            "once the first run lets go, the second one gets the copy"
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}
