//! Multi questions: select all that apply, right only for exactly the right set.

use std::collections::BTreeSet;
use std::io::{BufRead, Write};

use super::choice::{show_options, shown_letter};
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
    let shown = &LETTERS[..order.len()];
    let last = shown[shown.len() - 1];
    let right: BTreeSet<char> = q
        .right_options()
        .into_iter()
        .map(|w| shown_letter(order, w))
        .collect();
    let prompt = "Your answer (every letter that applies, e.g. AC; ? hint, q quit): ";
    let chosen = read(ui, q, prompt, |text| {
        let typed = letters(text);
        let set: BTreeSet<char> = typed.iter().copied().collect();
        if typed.is_empty() || typed.iter().any(|c| !shown.contains(c)) {
            Err(format!(
                "`{text}` is not an answer: type the letters (A to {last}) of every option that applies, e.g. AC."
            ))
        } else {
            Ok(set)
        }
    })?;
    let right_text: String = right.iter().collect();
    if chosen == right {
        ui.say(&ui.style.good(&format!("Right: {right_text}.")));
        Some(Grade::Right)
    } else {
        let verdict = ui.style.bad(&format!(
            "Not quite: the answer is {right_text} (you chose {}).",
            chosen.iter().collect::<String>()
        ));
        ui.say(&verdict);
        Some(Grade::Wrong)
    }
}
