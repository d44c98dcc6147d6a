//! Order questions: the items shuffled, the answer a letter sequence.

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
    let n = shown.len();
    // The items are written in the right order: item i is right at place i.
    let right: String = (0..n).map(|i| shown_letter(order, i)).collect();
    let prompt = "Your order (letters, first to last, e.g. CADB; ? hint, q quit): ";
    let typed = read(ui, q, prompt, |text| {
        let typed = letters(text);
        let mut sorted = typed.clone();
        sorted.sort_unstable();
        if sorted == shown {
            Ok(typed.into_iter().collect::<String>())
        } else {
            Err(format!(
                "`{text}` is not an answer: type each of the {n} letters once, in order, e.g. {}.",
                shown.iter().rev().collect::<String>()
            ))
        }
    })?;
    if typed == right {
        ui.say(&ui.style.good(&format!("Right: {right}.")));
        return Some(Grade::Right);
    }
    let placed = typed
        .chars()
        .zip(right.chars())
        .filter(|(a, b)| a == b)
        .count();
    let verdict = ui.style.bad(&format!(
        "Not quite: the order is {right} ({placed} of {n} in the right place)."
    ));
    ui.say(&verdict);
    for (place, item) in q.options.iter().enumerate() {
        ui.say_hanging(item, &format!("  {}. ", place + 1), "     ");
    }
    Some(Grade::Wrong)
}
