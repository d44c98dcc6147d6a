//! Which questions a session asks, and in what order.

use crate::bank::{Difficulty, Kind, Question};

/// The filters of the command line; `None` lets everything through.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub step: Option<u32>,
    pub topic: Option<String>,
    pub difficulty: Option<Difficulty>,
    pub kind: Option<Kind>,
}

impl Filter {
    pub fn accepts(&self, q: &Question) -> bool {
        self.step.is_none_or(|s| q.step == Some(s))
            && self.topic.as_ref().is_none_or(|t| &q.topic == t)
            && self.difficulty.is_none_or(|d| q.difficulty == d)
            && self.kind.is_none_or(|k| q.kind == k)
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

/// The order to show a choice question's options in: `order[i]` is the
/// index, as written, of the option shown at letter `i`.
pub fn option_order(q: &Question, rng: &mut fastrand::Rng) -> Vec<usize> {
    let mut order: Vec<usize> = (0..q.options.len()).collect();
    rng.shuffle(&mut order);
    order
}
