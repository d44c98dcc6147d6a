//! A drill or review session: ask each question, record each answer, score.

use std::io::{BufRead, Write};

use crate::ask::{self, Outcome};
use crate::interrupt;
use crate::question::Question;
use crate::schedule::{Grade, Mark};
use crate::select::option_order;
use crate::ui::{Style, Ui};

#[derive(Default)]
pub struct Summary {
    pub asked: usize,
    pub right: usize,
    pub missed: Vec<String>,
}

impl Summary {
    pub fn render(&self, style: &Style) -> String {
        let mut text = style.bold(&format!("Score: {}/{}", self.right, self.asked));
        if self.missed.is_empty() {
            text += "\nMissed: none";
        } else {
            text += &format!("\nMissed: {}", self.missed.join(", "));
            text += "\nThe next `cargo quiz review` asks them first; `cargo quiz --misses` drills them now.";
        }
        text
    }
}

/// Asks `questions` in order, calling `record(id, grade)` after each answer
/// so that progress is saved as it happens.
pub fn run<R: BufRead, W: Write>(
    ui: &mut Ui<R, W>,
    questions: &[&Question],
    rng: &mut fastrand::Rng,
    mut record: impl FnMut(&str, Mark),
) -> Summary {
    let mut summary = Summary::default();
    interrupt::set_summary(summary.render(&ui.style));
    for (index, question) in questions.iter().enumerate() {
        // Drawn for every question, so the option order depends on the seed alone.
        let order = option_order(question, rng);
        header(
            ui,
            question,
            &format!("Question {}/{}", index + 1, questions.len()),
        );
        let mark = match ask::ask(ui, question, &order, false) {
            Outcome::Stopped => break,
            Outcome::Answered(mark) => mark,
        };
        summary.asked += 1;
        if mark.grade == Grade::Wrong {
            summary.missed.push(question.id.clone());
        } else {
            summary.right += 1;
        }
        record(&question.id, mark);
        interrupt::set_summary(summary.render(&ui.style));
    }
    ui.say("");
    let text = summary.render(&ui.style);
    ui.say(&text);
    summary
}

/// `Question 1/3  [topic · step 03 · easy · multi]  id`.
pub fn header<R: BufRead, W: Write>(ui: &mut Ui<R, W>, q: &Question, label: &str) {
    let mut tags = vec![q.topic.clone()];
    tags.extend(q.step_label());
    tags.push(q.difficulty.name().to_owned());
    tags.push(q.kind.name().to_owned());
    let line = format!("{label}  [{}]  {}", tags.join(" · "), q.id);
    ui.say("");
    // Not wrapped: it is one line a reader (or a test) looks the id up in.
    let line = ui.style.bold(&line);
    ui.say_verbatim(&line);
}
