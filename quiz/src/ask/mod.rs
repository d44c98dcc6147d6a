//! Asking one question, whatever its kind, and saying how it went.

mod choice;
mod multi;
mod order;
mod recall;

use std::io::{BufRead, Write};

use crate::question::{Kind, Question};
use crate::schedule::{Grade, Mark};
use crate::ui::{Line, Ui, indent};

/// How one question went.
pub enum Outcome {
    Answered(Mark),
    /// The learner quit or input ended before an answer.
    Stopped,
}

/// Asks `q` (already introduced by its header). `order` is the shuffle for
/// its options; `typed` asks a recall answer to be typed, as in the interview.
pub fn ask<R: BufRead, W: Write>(
    ui: &mut Ui<R, W>,
    q: &Question,
    order: &[usize],
    typed: bool,
) -> Outcome {
    show_question(ui, q);
    let mark = match q.kind {
        Kind::Choice | Kind::Code => choice::ask(ui, q, order).map(Mark::from),
        Kind::Multi => multi::ask(ui, q, order).map(Mark::from),
        Kind::Order => order::ask(ui, q, order).map(Mark::from),
        Kind::Recall => recall::ask(ui, q, typed),
    };
    match mark {
        Some(mark) => {
            after(ui, q, mark.grade);
            Outcome::Answered(mark)
        }
        None => Outcome::Stopped,
    }
}

fn show_question<R: BufRead, W: Write>(ui: &mut Ui<R, W>, q: &Question) {
    ui.say(&q.prompt);
    if let Some(code) = &q.code {
        ui.say("");
        let code = ui.style.dim(&indent(code, 4));
        ui.say_verbatim(&code);
    }
    ui.question_shown();
}

/// Reads answers until `parse` accepts one; `?` shows the hint, `q` or the
/// end of input stops (None).
fn read<R: BufRead, W: Write, T>(
    ui: &mut Ui<R, W>,
    q: &Question,
    prompt: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Option<T> {
    loop {
        match ui.ask(prompt) {
            Line::End => {
                ui.say("Input ended: stopping the session here.");
                return None;
            }
            Line::Text(text) if text.eq_ignore_ascii_case("q") => return None,
            Line::Text(text) if text == "?" => hint(ui, q),
            Line::Text(text) => match parse(&text) {
                Ok(value) => return Some(value),
                Err(message) => ui.say(&message),
            },
        }
    }
}

fn hint<R: BufRead, W: Write>(ui: &mut Ui<R, W>, q: &Question) {
    let hint = ui.style.dim(&format!("Hint: {}", q.hint));
    ui.say(&hint);
}

/// Letters typed as an answer: upper case, without spaces or commas.
fn letters(text: &str) -> Vec<char> {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != ',')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The explanation, the common mistakes after a miss, and the sources.
fn after<R: BufRead, W: Write>(ui: &mut Ui<R, W>, q: &Question, grade: Grade) {
    if !q.explanation.is_empty() {
        ui.say(&q.explanation);
    }
    if grade == Grade::Wrong {
        ui.say("Common mistakes:");
        for mistake in &q.mistakes {
            ui.say_hanging(mistake.trim(), "  - ", "    ");
        }
    }
    if !q.refs.is_empty() {
        let sources = ui.style.dim(&format!("Sources: {}", q.refs.join("; ")));
        ui.say(&sources);
    }
}
