//! `cargo xtask sync`: everything derived from `steps.toml`, written or
//! checked.
//!
//! The manifest is read here at run time, never through the compiled
//! `course-steps` list: that list is one of the outputs, so a step just
//! added to `steps.toml` must not need it.

mod manifest;
mod outputs;
mod regions;

use std::path::Path;
use std::process::ExitCode;

pub use manifest::{Manifest, PATH as MANIFEST_PATH};
pub use outputs::{Output, Variant};

/// What `sync` does with what it derives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Write,
    Check,
}

/// Derives every output from `steps.toml` at `root`, then writes what
/// differs (`Write`) or lists it (`Check`).
pub fn run(root: &Path, mode: Mode) -> ExitCode {
    match stale(root, mode) {
        Ok(stale) if stale.is_empty() => {
            if mode == Mode::Write {
                println!("sync: everything derived from steps.toml is up to date");
            }
            ExitCode::SUCCESS
        }
        Ok(stale) => match mode {
            Mode::Write => {
                for name in &stale {
                    println!("sync: wrote {name}");
                }
                ExitCode::SUCCESS
            }
            Mode::Check => {
                eprintln!(
                    "sync --check: out of date with steps.toml (run `cargo xtask sync`, then commit):"
                );
                for name in &stale {
                    eprintln!("  {name}");
                }
                ExitCode::FAILURE
            }
        },
        Err(why) => {
            eprintln!("sync: {why}");
            ExitCode::FAILURE
        }
    }
}

/// Every output for `variant`, derived from `steps.toml` at `root`.
pub fn outputs(root: &Path, variant: Variant) -> Result<Vec<Output>, String> {
    outputs::all(root, &Manifest::read(root)?, variant)
}

/// The outputs that differ from what is on disk (and, writing, are now
/// written), by their path from the course root.
pub fn stale(root: &Path, mode: Mode) -> Result<Vec<String>, String> {
    let manifest = Manifest::read(root)?;
    let mut stale = Vec::new();
    for output in outputs::all(root, &manifest, Variant::Course)? {
        let path = root.join(&output.path);
        let now = std::fs::read_to_string(&path).ok();
        match output.text {
            Some(text) if now.as_deref() != Some(text.as_str()) => {
                if mode == Mode::Write {
                    if let Some(dir) = path.parent() {
                        std::fs::create_dir_all(dir)
                            .map_err(|e| format!("{}: {e}", dir.display()))?;
                    }
                    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
                }
                stale.push(output.path);
            }
            None if path.exists() => {
                if mode == Mode::Write {
                    std::fs::remove_dir_all(&path)
                        .or_else(|_| std::fs::remove_file(&path))
                        .map_err(|e| format!("{}: {e}", path.display()))?;
                }
                stale.push(format!("{} (no such step: removed)", output.path));
            }
            _ => {}
        }
    }
    Ok(stale)
}
