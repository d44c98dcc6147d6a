//! Which questions a session asks, and in what order.

use crate::question::{Difficulty, Kind, Question};
use crate::state::State;

/// The filters of the command line; `None` lets everything through.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub step: Option<u32>,
    /// Lower case: topics are file names, and the flag ignores case.
    pub topic: Option<String>,
    pub difficulty: Option<Difficulty>,
    pub kind: Option<Kind>,
}

impl Filter {
    pub fn accepts(&self, q: &Question) -> bool {
        self.step.is_none_or(|s| q.step == Some(s))
            && self
                .topic
                .as_ref()
                .is_none_or(|t| q.topic.eq_ignore_ascii_case(t))
            && self.difficulty.is_none_or(|d| q.difficulty == d)
            && self.kind.is_none_or(|k| q.kind == k)
    }

    pub fn is_empty(&self) -> bool {
        self.step.is_none()
            && self.topic.is_none()
            && self.difficulty.is_none()
            && self.kind.is_none()
    }
}

/// Up to `count` of `questions`, shuffled by `rng`.
pub fn pick<'a>(
    questions: &[&'a Question],
    count: usize,
    rng: &mut fastrand::Rng,
) -> Vec<&'a Question> {
    let mut chosen = questions.to_vec();
    rng.shuffle(&mut chosen);
    chosen.truncate(count);
    chosen
}

/// What a review asks, in order: every miss first (oldest miss first), then
/// what is due, the longest overdue first, then questions never answered,
/// shuffled by `rng`; at most `count`.
pub fn review<'a>(
    pool: &[&'a Question],
    state: &State,
    now: i64,
    count: usize,
    rng: &mut fastrand::Rng,
) -> Vec<&'a Question> {
    let mut misses = Vec::new();
    let mut due = Vec::new();
    let mut new = Vec::new();
    for &q in pool {
        match state.cards.get(&q.id) {
            None => new.push(q),
            Some(card) if !card.last_right => misses.push((card.last_answer, q)),
            Some(card) if card.due <= now => due.push((card.due, q)),
            Some(_) => {}
        }
    }
    // Ties (same time) keep the bank's order, so the seed never moves a miss.
    misses.sort_by_key(|(at, _)| *at);
    due.sort_by_key(|(at, _)| *at);
    rng.shuffle(&mut new);
    misses
        .into_iter()
        .chain(due)
        .map(|(_, q)| q)
        .chain(new)
        .take(count)
        .collect()
}

/// The questions whose last answer was wrong, shuffled by `rng`.
pub fn misses<'a>(
    pool: &[&'a Question],
    state: &State,
    rng: &mut fastrand::Rng,
) -> Vec<&'a Question> {
    let mut missed: Vec<&Question> = pool
        .iter()
        .copied()
        .filter(|q| state.is_miss(&q.id))
        .collect();
    rng.shuffle(&mut missed);
    missed
}

/// The order to show a question's options in: `order[i]` is the index, as
/// written, of the option shown at letter `i`.
pub fn option_order(q: &Question, rng: &mut fastrand::Rng) -> Vec<usize> {
    let mut order: Vec<usize> = (0..q.options.len()).collect();
    rng.shuffle(&mut order);
    order
}
