//! Leitner boxes, kept between sessions in a small JSON file.
//!
//! A card starts in box 1. A right answer moves it up a box (at most 5), a
//! wrong one back to box 1. Box b is due again 2^(b-1) review sessions after
//! its last answer: box 1 every session, box 5 every sixteenth. A card never
//! answered is due.
//!
//! The file is rewritten after every answer, through a temporary file and a
//! rename, so a crash or Ctrl-C never leaves half a file and never loses an
//! answer already given. A file that cannot be read is moved aside with a
//! warning, never deleted, and a fresh one is started.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub const TOP_BOX: u32 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Card {
    #[serde(rename = "box")]
    pub level: u32,
    /// The review session from which this card is due.
    pub due: u64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct State {
    pub version: u32,
    /// How many review sessions have started.
    pub reviews: u64,
    pub cards: BTreeMap<String, Card>,
}

impl State {
    pub fn is_due(&self, id: &str) -> bool {
        self.cards
            .get(id)
            .is_none_or(|card| card.due <= self.reviews)
    }

    /// The box of a card; a card never answered is in box 1.
    pub fn level(&self, id: &str) -> u32 {
        self.cards.get(id).map_or(1, |card| card.level)
    }

    pub fn record(&mut self, id: &str, right: bool) {
        let level = if right {
            (self.level(id) + 1).min(TOP_BOX)
        } else {
            1
        };
        let due = self.reviews + (1u64 << (level - 1));
        self.cards.insert(id.to_owned(), Card { level, due });
    }
}

/// Where the state lives: `--state`, else `$QUIZ_STATE`, else
/// `$XDG_STATE_HOME/axum-oauth2-course/quiz.json`, else
/// `~/.local/state/axum-oauth2-course/quiz.json`.
pub fn default_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("QUIZ_STATE") {
        return Some(PathBuf::from(path));
    }
    let base = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/state"))
        })?;
    Some(base.join("axum-oauth2-course").join("quiz.json"))
}

/// The state at `path` (fresh when there is none), and a warning if a
/// corrupt file had to be moved aside.
pub fn load(path: &Path) -> (State, Option<String>) {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (fresh(), None),
        Err(e) => {
            return (
                fresh(),
                Some(format!(
                    "could not read the quiz state {}: {e}; starting afresh",
                    path.display()
                )),
            );
        }
    };
    match serde_json::from_str::<State>(&text) {
        Ok(state) => (state, None),
        Err(e) => {
            let aside = aside_path(path);
            let warning = match std::fs::rename(path, &aside) {
                Ok(()) => format!(
                    "the quiz state {} was unreadable ({e}); it was moved to {} and a fresh one started",
                    path.display(),
                    aside.display()
                ),
                Err(move_error) => format!(
                    "the quiz state {} was unreadable ({e}) and could not be moved aside ({move_error}); starting afresh",
                    path.display()
                ),
            };
            (fresh(), Some(warning))
        }
    }
}

fn fresh() -> State {
    State {
        version: 1,
        ..State::default()
    }
}

fn aside_path(path: &Path) -> PathBuf {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".corrupt-{stamp}"));
    path.with_file_name(name)
}

/// Writes `state` to `path` atomically: a temporary file beside it, then a rename.
pub fn save(state: &State, path: &Path) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp-{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let json = serde_json::to_string_pretty(state).map_err(std::io::Error::other)?;
    std::fs::write(&tmp, json)?;
    std::fs::rename(&tmp, path)
}
