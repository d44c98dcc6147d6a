//! Choice and code questions: four options, one letter.

use std::io::{BufRead, Write};

use super::{letters, read};
use crate::question::{LETTERS, Question};
use crate::schedule::Grade;
use crate::ui::Ui;

pub fn ask<R: BufRead, W: Write>(
    ui: &mut Ui<R, W>,
    q: &Question,
    order: &[usize],
) -> Option<Grade> {
    show_options(ui, q, order);
    let right_written = q.right_options()[0];
    let right = shown_letter(order, right_written);
    let shown = &LETTERS[..order.len()];
    let prompt = "Your answer (A-D, ? for a hint, q to quit): ";
    let choice = read(ui, q, prompt, |text| match letters(text).as_slice() {
        [one] if shown.contains(one) => Ok(*one),
        _ => Err(format!(
            "`{text}` is not an answer: type one of the letters A, B, C or D (or ? for a hint, q to quit)."
        )),
    })?;
    if choice == right {
        ui.say(&ui.style.good(&format!("Right: {right}.")));
        Some(Grade::Right)
    } else {
        let text = &q.options[right_written];
        let verdict = ui
            .style
            .bad(&format!("Not quite: the answer is {right}) {text}"));
        ui.say(&verdict);
        Some(Grade::Wrong)
    }
}

/// Lists the options, lettered in shown order.
pub fn show_options<R: BufRead, W: Write>(ui: &mut Ui<R, W>, q: &Question, order: &[usize]) {
    ui.say("");
    for (shown, &written) in order.iter().enumerate() {
        let label = format!("  {}) ", LETTERS[shown]);
        ui.say_hanging(&q.options[written], &label, "     ");
    }
}

/// The letter shown for the option written at `written`.
pub fn shown_letter(order: &[usize], written: usize) -> char {
    LETTERS[order
        .iter()
        .position(|&w| w == written)
        .expect("every option is shown")]
}
