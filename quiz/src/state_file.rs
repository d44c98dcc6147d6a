//! Where progress lives, and reading and writing it safely.
//!
//! The file is rewritten after every answer, through a temporary file and a
//! rename, so a crash or Ctrl-C never leaves half a file and never loses an
//! answer already given. A file that cannot be read is moved aside with a
//! warning, never deleted, and a fresh one is started. A version-1 file (the
//! Leitner boxes of the first edition) is migrated as it is read; one from a
//! newer quiz is left alone and nothing is saved over it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::clock::DAY;
use crate::state::{Card, State, VERSION};

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

/// What loading found.
pub struct Loaded {
    pub state: State,
    pub warning: Option<String>,
    /// False when the file must not be overwritten (a newer version wrote it).
    pub writable: bool,
}

/// The state at `path` (fresh when there is none).
pub fn load(path: &Path, now: i64) -> Loaded {
    let fresh = |warning: Option<String>| Loaded {
        state: State::default(),
        warning,
        writable: true,
    };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return fresh(None),
        Err(e) => {
            return Loaded {
                writable: false,
                ..fresh(Some(format!(
                    "could not read the quiz state {}: {e}; this session will not be saved",
                    path.display()
                )))
            };
        }
    };
    let version = serde_json::from_str::<Versioned>(&text).map(|v| v.version);
    let parsed = match version {
        Ok(1) => serde_json::from_str::<V1>(&text).map(|v1| migrate(v1, now)),
        Ok(2) => serde_json::from_str::<State>(&text).map(from_v2),
        Ok(VERSION) => serde_json::from_str::<State>(&text),
        Ok(newer) if newer > VERSION => {
            return Loaded {
                writable: false,
                ..fresh(Some(format!(
                    "the quiz state {} is version {newer}, written by a newer quiz; this session will not be saved",
                    path.display()
                )))
            };
        }
        Ok(other) => Err(serde::de::Error::custom(format!("unknown version {other}"))),
        Err(e) => Err(e),
    };
    match parsed {
        Ok(state) => Loaded {
            state,
            warning: None,
            writable: true,
        },
        Err(e) => fresh(Some(set_aside(path, &e.to_string()))),
    }
}

#[derive(Deserialize)]
struct Versioned {
    version: u32,
}

/// The first edition's Leitner state: five boxes, due by review session.
#[derive(Deserialize)]
struct V1 {
    reviews: u64,
    cards: BTreeMap<String, V1Card>,
}

#[derive(Deserialize)]
struct V1Card {
    #[serde(rename = "box")]
    level: u32,
    due: u64,
}

/// Leitner boxes to FSRS cards. Box 1 held only cards last answered wrong,
/// so they stay misses; a card in box b was right b-1 times in a row and
/// waited 2^(b-1) sessions, taken as that many days of stability. What was
/// due in n sessions is due in n days. Box history before that is not kept.
fn migrate(v1: V1, now: i64) -> State {
    let cards = v1
        .cards
        .into_iter()
        .map(|(id, old)| {
            let level = old.level.clamp(1, 5);
            let right = level > 1;
            let sessions_left = old.due.saturating_sub(v1.reviews) as i64;
            let card = Card {
                due: now + sessions_left * DAY,
                last_answer: now,
                last_right: right,
                answers: 1,
                right: u32::from(right),
                score: f64::from(u8::from(right)),
                stability: f64::from(1u32 << (level - 1)),
                difficulty: 5.0,
                reps: level as i32,
                lapses: 0,
            };
            (id, card)
        })
        .collect();
    State {
        version: VERSION,
        cards,
    }
}

/// Version 2 kept no scores: each right answer scored 1.
fn from_v2(mut state: State) -> State {
    state.version = VERSION;
    for card in state.cards.values_mut() {
        card.score = f64::from(card.right);
    }
    state
}

fn set_aside(path: &Path, why: &str) -> String {
    let aside = aside_path(path);
    match std::fs::rename(path, &aside) {
        Ok(()) => format!(
            "the quiz state {} was unreadable ({why}); it was moved to {} and a fresh one started",
            path.display(),
            aside.display()
        ),
        Err(move_error) => format!(
            "the quiz state {} was unreadable ({why}) and could not be moved aside ({move_error}); starting afresh",
            path.display()
        ),
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
