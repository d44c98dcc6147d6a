//! The catalogue of classic mistakes: `mistakes/NN_name.toml`, one file per
//! step, each entry an edit to the step's reference solution and the lesson
//! it breaks. `cargo xtask verify` proves every entry is caught.

use std::path::Path;

use serde::Deserialize;

use crate::steps::Step;

/// One classic mistake, as an edit to the reference.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mistake {
    /// Unique within its step: lower case and dashes.
    pub id: String,
    /// The lesson the mistake breaks, in a sentence.
    pub lesson: String,
    /// Text of the reference solution, found exactly once...
    pub find: String,
    /// ...and what it becomes.
    pub replace: String,
    /// Text that a failing test's message must contain: the test names the
    /// lesson, not only "something failed".
    pub message_contains: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default, rename = "mistake")]
    mistakes: Vec<Mistake>,
}

/// `mistakes/05_token_route.toml`
pub fn path(step: &Step) -> String {
    format!("mistakes/{}.toml", step.stem())
}

/// The mistakes catalogued for `step` under `root`; none when it has no file.
pub fn load(root: &Path, step: &Step) -> Result<Vec<Mistake>, String> {
    let path = root.join(path(step));
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let file: File = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(file.mistakes)
}

impl Mistake {
    /// `source` with this mistake made, or why it cannot be made.
    pub fn apply(&self, source: &str) -> Result<String, String> {
        match source.matches(&self.find).count() {
            1 => Ok(source.replacen(&self.find, &self.replace, 1)),
            0 => Err(format!(
                "mistake `{}`: its `find` text is not in the reference any more",
                self.id
            )),
            n => Err(format!(
                "mistake `{}`: its `find` text is in the reference {n} times; make it unique",
                self.id
            )),
        }
    }
}
