//! What the learner has answered: one card per question id, kept between
//! sessions in a small versioned JSON file (see `state_file.rs`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::schedule::{self, Mark, Mode};

/// The state file format this runner writes.
pub const VERSION: u32 = 3;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Card {
    /// When the card is due again, in Unix seconds.
    pub due: i64,
    /// When it was last answered.
    pub last_answer: i64,
    /// Whether that answer was right: a miss is asked first at the next review.
    pub last_right: bool,
    pub answers: u32,
    pub right: u32,
    /// The answers' scores added up (`Mark::score`): what `stats` shows.
    /// Version 2 had none; its cards are read with `right` here.
    #[serde(default)]
    pub score: f64,
    /// FSRS memory state.
    pub stability: f64,
    pub difficulty: f64,
    pub reps: i32,
    pub lapses: i32,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct State {
    pub version: u32,
    pub cards: BTreeMap<String, Card>,
}

impl Default for State {
    fn default() -> Self {
        Self {
            version: VERSION,
            cards: BTreeMap::new(),
        }
    }
}

impl State {
    /// Records an answer: the only thing that changes a card.
    pub fn record(&mut self, id: &str, mark: Mark, now: i64, mode: Mode) {
        let mut card = schedule::answer(self.cards.get(id), mark.grade, now, mode);
        card.score += mark.score;
        self.cards.insert(id.to_owned(), card);
    }

    /// The last answer to `id` was wrong.
    pub fn is_miss(&self, id: &str) -> bool {
        self.cards.get(id).is_some_and(|c| !c.last_right)
    }
}
