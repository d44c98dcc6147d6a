//! A drill session: ask each question, check the answer, explain, score.

use std::io::{BufRead, Write};

use crate::bank::{Kind, LETTERS, Question};
use crate::select::option_order;
use crate::ui::{Line, Ui, indent};

/// How one question went.
pub enum Outcome {
    Right,
    Wrong,
    /// The learner quit or input ended before an answer.
    Stopped,
}

pub struct Summary {
    pub asked: usize,
    pub right: usize,
    pub missed: Vec<String>,
    pub stopped: bool,
}

/// Asks `questions` in order, calling `record(id, right)` after each answer
/// so that progress is saved as it happens.
pub fn run<R: BufRead, W: Write>(
    ui: &mut Ui<R, W>,
    questions: &[&Question],
    rng: &mut fastrand::Rng,
    mut record: impl FnMut(&str, bool),
) -> Summary {
    let mut summary = Summary {
        asked: 0,
        right: 0,
        missed: Vec::new(),
        stopped: false,
    };
    for (index, question) in questions.iter().enumerate() {
        // Drawn for every question, so the option order depends on the seed alone.
        let order = option_order(question, rng);
        header(ui, question, index + 1, questions.len());
        let outcome = match question.kind {
            Kind::Choice => ask_choice(ui, question, &order),
            Kind::Recall => ask_recall(ui, question),
        };
        match outcome {
            Outcome::Stopped => {
                summary.stopped = true;
                break;
            }
            Outcome::Right => {
                summary.right += 1;
                record(&question.id, true);
            }
            Outcome::Wrong => {
                summary.missed.push(question.id.clone());
                record(&question.id, false);
            }
        }
        summary.asked += 1;
    }
    report(ui, &summary);
    summary
}

fn header<R: BufRead, W: Write>(ui: &mut Ui<R, W>, q: &Question, number: usize, total: usize) {
    let mut tags = vec![q.topic.clone()];
    if let Some(step) = q.step {
        tags.push(format!("step {step:02}"));
    }
    tags.push(format!("{:?}", q.difficulty).to_lowercase());
    if q.kind == Kind::Recall {
        tags.push("recall".into());
    }
    let line = format!(
        "Question {number}/{total}  [{}]  {}",
        tags.join(" · "),
        q.id
    );
    ui.say("");
    let line = ui.bold(&line);
    ui.say(&line);
    ui.say(&q.prompt);
    if let Some(code) = &q.code {
        ui.say("");
        let code = ui.dim(&indent(code, 4));
        ui.say(&code);
    }
}

fn ask_choice<R: BufRead, W: Write>(ui: &mut Ui<R, W>, q: &Question, order: &[usize]) -> Outcome {
    ui.say("");
    for (shown, &written) in order.iter().enumerate() {
        ui.say(&format!(
            "  {}) {}",
            LETTERS[shown],
            q.options[written].trim()
        ));
    }
    let right_written = q
        .answer_index()
        .expect("a checked choice question has an answer");
    let right_letter = LETTERS[order
        .iter()
        .position(|&w| w == right_written)
        .expect("the answer is an option")];
    let letters = &LETTERS[..order.len()];
    let choice = loop {
        match ui.ask("Your answer (A-D, ? for a hint, q to quit): ") {
            Line::End => {
                ui.say("Input ended: stopping the session here.");
                return Outcome::Stopped;
            }
            Line::Text(text) => match text.to_ascii_uppercase().as_str() {
                "Q" => return Outcome::Stopped,
                "?" => {
                    let hint = format!("Hint: {}", q.hint);
                    ui.say(&ui.dim(&hint));
                }
                one if one.len() == 1 && letters.iter().any(|l| one.starts_with(*l)) => {
                    break one.chars().next().expect("one letter");
                }
                other => ui.say(&format!(
                    "`{other}` is not an answer: type one of the letters A, B, C or D (or ? for a hint, q to quit)."
                )),
            },
        }
    };
    let right = choice == right_letter;
    if right {
        ui.say(&ui.good(&format!("Right: {right_letter}.")));
    } else {
        let text = q.options[right_written].trim();
        ui.say(&ui.bad(&format!("Not quite: the answer is {right_letter}) {text}")));
    }
    ui.say(&q.explanation);
    if !right {
        mistakes(ui, q);
    }
    if right {
        Outcome::Right
    } else {
        Outcome::Wrong
    }
}

fn ask_recall<R: BufRead, W: Write>(ui: &mut Ui<R, W>, q: &Question) -> Outcome {
    ui.say("");
    loop {
        match ui.ask(
            "Answer it out loud, then press Enter for the model answer (? for a hint, q to quit): ",
        ) {
            Line::End => {
                ui.say("Input ended: stopping the session here.");
                return Outcome::Stopped;
            }
            Line::Text(text) if text.eq_ignore_ascii_case("q") => return Outcome::Stopped,
            Line::Text(text) if text == "?" => {
                let hint = format!("Hint: {}", q.hint);
                ui.say(&ui.dim(&hint));
            }
            Line::Text(_) => break,
        }
    }
    ui.say(&ui.bold("Model answer:"));
    ui.say(&indent(&q.answer, 2));
    if !q.explanation.is_empty() {
        ui.say(&q.explanation);
    }
    loop {
        match ui.ask("Did your answer cover it? (y/n): ") {
            Line::End => {
                ui.say("Input ended: stopping the session here.");
                return Outcome::Stopped;
            }
            Line::Text(text) => match text.to_ascii_lowercase().as_str() {
                "y" | "yes" => return Outcome::Right,
                "n" | "no" => {
                    mistakes(ui, q);
                    return Outcome::Wrong;
                }
                "q" => return Outcome::Stopped,
                _ => ui.say("Please answer y or n (or q to quit)."),
            },
        }
    }
}

fn mistakes<R: BufRead, W: Write>(ui: &mut Ui<R, W>, q: &Question) {
    ui.say("Common mistakes:");
    for mistake in &q.mistakes {
        ui.say(&format!("  - {}", mistake.trim()));
    }
}

fn report<R: BufRead, W: Write>(ui: &mut Ui<R, W>, summary: &Summary) {
    ui.say("");
    let score = format!("Score: {}/{}", summary.right, summary.asked);
    ui.say(&ui.bold(&score));
    if summary.missed.is_empty() {
        ui.say("Missed: none");
    } else {
        ui.say(&format!("Missed: {}", summary.missed.join(", ")));
        ui.say("Drill them again with `cargo quiz review`.");
    }
}
