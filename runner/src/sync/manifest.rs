//! `steps.toml`, as `sync` reads it.

use std::path::Path;

use course_steps::names;
use serde::Deserialize;

/// Where the manifest lives, from the course root.
pub const PATH: &str = "steps.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub step: Vec<StepEntry>,
    pub packages: Packages,
    pub given: Vec<Given>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepEntry {
    pub number: usize,
    pub module: String,
    pub title: String,
    pub summary: String,
    pub track: String,
    pub app: Option<String>,
}

/// What every step package is built with.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Packages {
    pub dependencies: Vec<String>,
    pub linux_dependencies: Vec<String>,
    pub dev_dependencies: Vec<String>,
}

/// A module of given code, declared in step 01's package.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Given {
    pub module: String,
    pub doc: String,
}

const TRACKS: [&str; 4] = ["core", "advanced", "modern", "production"];

impl Manifest {
    pub fn read(root: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(root.join(PATH)).map_err(|e| format!("{PATH}: {e}"))?;
        Self::parse(&text)
    }

    /// Parsed and checked: numbered 1, 2, ... in order; modules unique
    /// and snake_case; known tracks; every step from the first with an
    /// app has one.
    pub fn parse(text: &str) -> Result<Self, String> {
        let manifest: Manifest = toml::from_str(text).map_err(|e| format!("{PATH}: {e}"))?;
        let mut first_app = None;
        for (index, step) in manifest.step.iter().enumerate() {
            let at = format!("{PATH}: step {} ({})", step.number, step.module);
            if step.number != index + 1 {
                return Err(format!(
                    "{at}: steps are numbered 1, 2, ... in order; this is step {}",
                    index + 1
                ));
            }
            let snake = !step.module.is_empty()
                && step.module.starts_with(|c: char| c.is_ascii_lowercase())
                && step
                    .module
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !snake {
                return Err(format!("{at}: a module is a snake_case Rust name"));
            }
            if manifest.step[..index]
                .iter()
                .any(|s| s.module == step.module)
            {
                return Err(format!("{at}: another step has this module"));
            }
            if !TRACKS.contains(&step.track.as_str()) {
                return Err(format!(
                    "{at}: track {:?} is none of {TRACKS:?}",
                    step.track
                ));
            }
            match (&step.app, first_app) {
                (Some(_), None) => first_app = Some(step.number),
                (None, Some(first)) => {
                    return Err(format!(
                        "{at}: step {first} has an app, so every later step has one"
                    ));
                }
                _ => {}
            }
            for (field, text) in [("title", &step.title), ("summary", &step.summary)] {
                if text.trim().is_empty() || text.contains(['\n', '|']) {
                    return Err(format!("{at}: {field} is one line, without `|`"));
                }
            }
        }
        if manifest.step.is_empty() || first_app.is_none() {
            return Err(format!("{PATH}: no steps, or none with an app"));
        }
        Ok(manifest)
    }
}

/// The step's names, as the compiled steps have them (`course_steps::names`).
impl StepEntry {
    pub fn stem(&self) -> String {
        names::stem(self.number, &self.module)
    }

    pub fn test_name(&self) -> String {
        names::test_name(self.number, &self.module)
    }

    pub fn feature(&self) -> String {
        names::feature(self.number)
    }

    pub fn package_dir(&self) -> String {
        names::package_dir(self.number)
    }

    /// The step as the compiled tools know it (strings leaked: `sync` runs
    /// once and ends).
    pub fn to_step(&self) -> crate::steps::Step {
        let leak = |text: &str| -> &'static str { Box::leak(text.to_owned().into_boxed_str()) };
        crate::steps::Step {
            number: self.number,
            module: leak(&self.module),
            title: leak(&self.title),
            summary: leak(&self.summary),
            track: track(&self.track),
            app: self.app.as_deref().map(leak),
        }
    }
}

fn track(name: &str) -> crate::steps::Track {
    use crate::steps::Track;
    match name {
        "core" => Track::Core,
        "advanced" => Track::Advanced,
        "modern" => Track::Modern,
        _ => Track::Production,
    }
}
