//! When a question comes back: FSRS, the scheduler Anki uses, through the
//! scheduler-only `rs-fsrs` crate.
//!
//! FSRS keeps a stability (days until recall falls to 90%) and a difficulty
//! per card, and sets the next review for when recall is predicted to fall
//! to 90%. Its long-term mode is used: intervals in whole days, no
//! minute-long learning steps, since a quiz session asks each question once.
//! A wrong answer is rated Again, a partly covered recall Hard, a right
//! answer Good.

use chrono::{DateTime, Utc};
use rs_fsrs::{FSRS, Parameters, Rating, State};

use crate::state::Card;

/// How an answer went, for the scheduler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grade {
    Wrong,
    /// Right, but a recall that left key points out.
    Partly,
    Right,
}

/// How an answer went: the grade the schedule uses, and the score the
/// stats keep (1 right, 0 wrong, a recall's share of its key points, a
/// partly covered point counting half).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mark {
    pub grade: Grade,
    pub score: f64,
}

impl From<Grade> for Mark {
    fn from(grade: Grade) -> Self {
        let score = if grade == Grade::Wrong { 0.0 } else { 1.0 };
        Self { grade, score }
    }
}

/// Where an answer was given: a drill never makes a card due later than
/// review would have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Review,
    Drill,
}

fn time(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap_or_default()
}

/// The card after answering it with `grade` at `now`.
pub fn answer(old: Option<&Card>, grade: Grade, now: i64, mode: Mode) -> Card {
    let fsrs = FSRS::new(Parameters {
        enable_short_term: false,
        ..Parameters::default()
    });
    let before = match old {
        None => rs_fsrs::Card {
            due: time(now),
            last_review: time(now),
            ..rs_fsrs::Card::default()
        },
        Some(card) => rs_fsrs::Card {
            due: time(card.due),
            stability: card.stability,
            difficulty: card.difficulty,
            reps: card.reps,
            lapses: card.lapses,
            state: State::Review,
            last_review: time(card.last_answer),
            ..rs_fsrs::Card::default()
        },
    };
    let rating = match grade {
        Grade::Wrong => Rating::Again,
        Grade::Partly => Rating::Hard,
        Grade::Right => Rating::Good,
    };
    let after = fsrs.next(before, time(now), rating).card;
    let mut due = after.due.timestamp();
    if let (Mode::Drill, Some(card)) = (mode, old)
        && card.due > now
    {
        // Answered early: evidence for the memory model, but no reason to
        // push the review it was waiting for further away.
        due = due.min(card.due);
    }
    let right = grade != Grade::Wrong;
    let (answers, rights, score) = old.map_or((0, 0, 0.0), |c| (c.answers, c.right, c.score));
    Card {
        due,
        last_answer: now,
        last_right: right,
        answers: answers + 1,
        right: rights + u32::from(right),
        score,
        stability: after.stability,
        difficulty: after.difficulty,
        reps: after.reps,
        lapses: after.lapses,
    }
}
