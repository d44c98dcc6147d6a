//! `cargo quiz stats`: what you have seen, how well you did, what is due,
//! per topic and per step, and the three weakest topics with the course
//! step to go back to.

use std::collections::BTreeMap;

use crate::clock::from_now;
use crate::question::{CORE_STEPS, Question, step_module};
use crate::state::State;

/// The figures of one group of questions (a topic, a step).
#[derive(Default)]
struct Tally {
    questions: usize,
    seen: usize,
    answers: u32,
    right: u32,
    /// The answers' scores added up: partial credit included.
    score: f64,
    due_now: usize,
    next_due: Option<i64>,
}

impl Tally {
    fn add(&mut self, q: &Question, state: &State, now: i64) {
        self.questions += 1;
        let Some(card) = state.cards.get(&q.id) else {
            return;
        };
        self.seen += 1;
        self.answers += card.answers;
        self.right += card.right;
        self.score += card.score;
        if !card.last_right || card.due <= now {
            self.due_now += 1;
        } else {
            self.next_due = Some(self.next_due.map_or(card.due, |d| d.min(card.due)));
        }
    }

    fn accuracy(&self) -> Option<f64> {
        (self.answers > 0).then(|| self.score / f64::from(self.answers))
    }

    fn row(&self, name: &str, now: i64) -> String {
        let accuracy = self
            .accuracy()
            .map_or("-".to_owned(), |a| format!("{:.0}%", 100.0 * a));
        let next = self.next_due.map_or("-".to_owned(), |d| from_now(d - now));
        format!(
            "  {name:<23} {:>7} {:>8} {:>8}  {next}\n",
            format!("{}/{}", self.seen, self.questions),
            accuracy,
            self.due_now
        )
    }
}

pub fn render(questions: &[&Question], state: &State, now: i64) -> String {
    let mut total = Tally::default();
    let mut topics: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut steps: BTreeMap<u32, Tally> = BTreeMap::new();
    for &q in questions {
        total.add(q, state, now);
        topics.entry(&q.topic).or_default().add(q, state, now);
        if let Some(step) = q.step {
            steps.entry(step).or_default().add(q, state, now);
        }
    }
    let mut out = format!(
        "Seen {} of {} questions; {} of {} answers right{}.\n",
        total.seen,
        total.questions,
        total.right,
        total.answers,
        total.accuracy().map_or(String::new(), |a| format!(
            "; score {:.0}% (a key point partly made counts half)",
            100.0 * a
        ))
    );
    out += &format!(
        "Due now: {}; never answered: {}; next due {}.\n",
        total.due_now,
        total.questions - total.seen,
        total.next_due.map_or("-".to_owned(), |d| from_now(d - now))
    );
    let head = format!("{:>7} {:>8} {:>8}  next due\n", "seen", "score", "due now");
    out += &format!("\n{:<26}{head}", "by topic");
    for (topic, tally) in &topics {
        out += &tally.row(topic, now);
    }
    out += &format!("\n{:<26}{head}", "by step");
    for (step, tally) in &steps {
        let name = format!("{step:02} {}", step_module(*step).unwrap_or_default());
        out += &tally.row(&name, now);
    }
    out += "\nweakest topics:\n";
    let mut weak: Vec<(&str, &Tally)> = topics
        .iter()
        .filter(|(_, t)| t.accuracy().is_some_and(|a| a < 1.0))
        .map(|(name, t)| (*name, t))
        .collect();
    weak.sort_by(|a, b| {
        let (x, y) = (a.1.accuracy().unwrap_or(0.0), b.1.accuracy().unwrap_or(0.0));
        x.total_cmp(&y).then(b.1.answers.cmp(&a.1.answers))
    });
    if weak.is_empty() {
        out += "  none yet: every topic you have answered is at 100%.\n";
    }
    for (rank, (topic, tally)) in weak.iter().take(3).enumerate() {
        let of_topic: Vec<&Question> = questions
            .iter()
            .copied()
            .filter(|q| q.topic == *topic)
            .collect();
        out += &format!(
            "  {}. {topic}: {} of {} answers right, score {:.0}%; {}\n",
            rank + 1,
            tally.right,
            tally.answers,
            100.0 * tally.accuracy().unwrap_or(0.0),
            advice(&of_topic, state)
        );
    }
    out
}

/// Which step to revisit for these questions of one topic, and which to redo.
pub fn advice(questions: &[&Question], state: &State) -> String {
    let missed: Vec<&Question> = questions
        .iter()
        .copied()
        .filter(|q| state.is_miss(&q.id))
        .collect();
    let step = revisit_step(&missed).or_else(|| revisit_step(questions));
    let mut text = match step {
        Some(step) => format!("revisit {}", step_name(step)),
        None => "read the sources of its questions".to_owned(),
    };
    if !missed.is_empty() {
        let ids: Vec<&str> = missed.iter().map(|q| q.id.as_str()).collect();
        text += &format!("; redo {}", ids.join(", "));
    }
    text
}

/// The step most of `questions` belong to (the lowest on a tie).
pub fn revisit_step(questions: &[&Question]) -> Option<u32> {
    let mut counts: BTreeMap<u32, usize> = BTreeMap::new();
    for step in questions.iter().filter_map(|q| q.step) {
        *counts.entry(step).or_default() += 1;
    }
    let most = counts.values().max()?;
    counts.iter().find(|(_, n)| *n == most).map(|(s, _)| *s)
}

/// `step 04 (exercises/04_jwt.rs)` for a core step, `step 10 (refresh)` after.
pub fn step_name(step: u32) -> String {
    let module = step_module(step).unwrap_or_default();
    if step <= CORE_STEPS {
        format!("step {step:02} (exercises/{step:02}_{module}.rs)")
    } else {
        format!("step {step:02} ({module})")
    }
}
