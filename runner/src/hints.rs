//! Staged hints, kept per step in `hints/NN_name.toml`: from a nudge, to
//! the concept, to the exact API to look up. Never the solution's code.

use std::path::Path;

use serde::Deserialize;

use crate::steps::Step;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    hint: Vec<String>,
}

/// `hints/05_token_route.toml`
pub fn path(step: &Step) -> String {
    format!("hints/{}.toml", step.stem())
}

/// The step's hints, in the order they are given.
pub fn load(root: &Path, step: &Step) -> Result<Vec<String>, String> {
    let path = root.join(path(step));
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let file: File = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(file.hint)
}
