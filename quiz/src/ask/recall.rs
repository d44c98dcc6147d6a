//! Recall questions: answer (typed or out loud), read the model answer,
//! tick the key points you covered. The grade is the share of points.

use std::io::{BufRead, Write};

use super::{hint, read};
use crate::question::Question;
use crate::schedule::Grade;
use crate::ui::{Line, Ui};

/// Covering at least this share of the key points counts as right (FSRS
/// Hard when some are missing, Good when all are there): two of three, three
/// of four, four of five. Below it, the card is a miss.
pub const RIGHT_SHARE: (usize, usize) = (2, 3);

pub fn ask<R: BufRead, W: Write>(ui: &mut Ui<R, W>, q: &Question, typed: bool) -> Option<Grade> {
    ui.say("");
    let first = if typed {
        "Type your answer; an empty line ends it (? hint, q quit): "
    } else {
        "Your answer, typed or out loud, then Enter (? hint, q quit): "
    };
    take_answer(ui, q, first)?;
    ui.say(&ui.style.bold("Model answer:"));
    ui.say_hanging(&q.answer, "  ", "  ");
    ui.say(&ui.style.bold("Key points:"));
    for (i, point) in q.points.iter().enumerate() {
        ui.say_hanging(point, &format!("  {}) ", i + 1), "     ");
    }
    let n = q.points.len();
    let prompt = "Points covered (e.g. 1 3, a: all, Enter: none, q: quit): ";
    let covered = read(ui, q, prompt, |text| ticked(text, n))?;
    let right = covered * RIGHT_SHARE.1 >= n * RIGHT_SHARE.0;
    let verdict = format!(
        "You covered {covered} of {n} key points ({:.0}%): {}",
        100.0 * covered as f64 / n as f64,
        if right {
            "counts as right."
        } else {
            "counts as a miss."
        }
    );
    if right {
        ui.say(&ui.style.good(&verdict));
    } else {
        ui.say(&ui.style.bad(&verdict));
    }
    Some(match (right, covered == n) {
        (false, _) => Grade::Wrong,
        (true, false) => Grade::Partly,
        (true, true) => Grade::Right,
    })
}

/// Lines until an empty one; the first may ask for the hint or quit.
fn take_answer<R: BufRead, W: Write>(ui: &mut Ui<R, W>, q: &Question, first: &str) -> Option<()> {
    let mut prompt = first;
    loop {
        match ui.ask(prompt) {
            Line::End => {
                ui.say("Input ended: stopping the session here.");
                return None;
            }
            Line::Text(text) if prompt == first && text.eq_ignore_ascii_case("q") => return None,
            Line::Text(text) if prompt == first && text == "?" => hint(ui, q),
            Line::Text(text) if text.is_empty() => return Some(()),
            Line::Text(_) => prompt = "(more, or an empty line to finish): ",
        }
    }
}

/// How many distinct points `text` ticks, out of `n`.
fn ticked(text: &str, n: usize) -> Result<usize, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("a") || text.eq_ignore_ascii_case("all") {
        return Ok(n);
    }
    let mut seen = vec![false; n];
    for word in text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
    {
        match word.parse::<usize>() {
            Ok(k) if (1..=n).contains(&k) => seen[k - 1] = true,
            _ => {
                return Err(format!(
                    "`{word}` is not a point: type numbers from 1 to {n}, a for all, or just Enter for none."
                ));
            }
        }
    }
    Ok(seen.iter().filter(|s| **s).count())
}
