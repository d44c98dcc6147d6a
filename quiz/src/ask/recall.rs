//! Recall questions: answer (typed or out loud), then read your answer
//! beside the model one and mark each key point covered, partly covered or
//! missed. The score is the share of points, a partly covered one counting
//! half.

use std::io::{BufRead, Write};

use super::{hint, read};
use crate::question::Question;
use crate::schedule::{Grade, Mark};
use crate::ui::{Line, Ui};

/// A score of at least this share counts as right (FSRS Hard when some
/// points are missing or partial, Good when all are covered): two of three,
/// three of four, or every point at least partly covered. Below it, the
/// card is a miss.
pub const RIGHT_SHARE: (usize, usize) = (2, 3);

/// How a key point was covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Covered {
    Yes,
    Partly,
    No,
}

pub fn ask<R: BufRead, W: Write>(ui: &mut Ui<R, W>, q: &Question, typed: bool) -> Option<Mark> {
    ui.say("");
    let first = if typed {
        "Type your answer; an empty line ends it (? hint, q quit): "
    } else {
        "Your answer, typed or out loud, then Enter (? hint, q quit): "
    };
    let answer = take_answer(ui, q, first)?;
    ui.say(&ui.style.bold("Your answer:"));
    if answer.is_empty() {
        ui.say(&ui.style.dim("  (nothing typed)"));
    } else {
        for line in &answer {
            ui.say_verbatim(&format!("  {line}"));
        }
    }
    ui.say(&ui.style.bold("Model answer:"));
    ui.say_hanging(&q.answer, "  ", "  ");
    ui.say(&ui.style.bold("Key points:"));
    for (i, point) in q.points.iter().enumerate() {
        ui.say_hanging(point, &format!("  {}) ", i + 1), "     ");
    }
    let n = q.points.len();
    let prompt = format!(
        "Mark each point in your answer: c covered, p partly, m missed ({n} marks, e.g. {}; q: quit): ",
        example(n)
    );
    let marks = read(ui, q, &prompt, |text| marked(text, n))?;
    let covered = marks.iter().filter(|m| **m == Covered::Yes).count();
    let partly = marks.iter().filter(|m| **m == Covered::Partly).count();
    let score = (covered as f64 + 0.5 * partly as f64) / n as f64;
    // In halves, so that the comparison with the share is exact.
    let right = (2 * covered + partly) * RIGHT_SHARE.1 >= 2 * n * RIGHT_SHARE.0;
    let verdict = format!(
        "Covered {covered}, partly {partly}, missed {} of {n} key points: {:.0}%, {}",
        n - covered - partly,
        100.0 * score,
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
    let grade = match (right, covered == n) {
        (false, _) => Grade::Wrong,
        (true, false) => Grade::Partly,
        (true, true) => Grade::Right,
    };
    Some(Mark { grade, score })
}

/// `c p m c ...` for `n` points: what a line of marks looks like.
fn example(n: usize) -> String {
    ["c", "p", "m"]
        .iter()
        .cycle()
        .take(n)
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The lines of the answer, until an empty one; the first may ask for the
/// hint or quit. Empty when the answer was given out loud.
fn take_answer<R: BufRead, W: Write>(
    ui: &mut Ui<R, W>,
    q: &Question,
    first: &str,
) -> Option<Vec<String>> {
    let mut prompt = first;
    let mut lines = Vec::new();
    loop {
        match ui.ask(prompt) {
            Line::End => {
                ui.say("Input ended: stopping the session here.");
                return None;
            }
            Line::Text(text) if prompt == first && text.eq_ignore_ascii_case("q") => return None,
            Line::Text(text) if prompt == first && text == "?" => hint(ui, q),
            Line::Text(text) if text.is_empty() => return Some(lines),
            Line::Text(text) => {
                lines.push(text);
                prompt = "(more, or an empty line to finish): ";
            }
        }
    }
}

/// One mark per point, in order: `c`, `p` or `m` (words or letters).
fn marked(text: &str, n: usize) -> Result<Vec<Covered>, String> {
    let marks: Vec<Covered> = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .map(|word| match word.to_ascii_lowercase().as_str() {
            "c" | "covered" => Ok(Covered::Yes),
            "p" | "partly" => Ok(Covered::Partly),
            "m" | "missed" => Ok(Covered::No),
            _ => Err(format!(
                "`{word}` is not a mark: c (covered), p (partly) or m (missed), one per point."
            )),
        })
        .collect::<Result<_, _>>()?;
    if marks.len() == n {
        Ok(marks)
    } else {
        Err(format!(
            "{} marks for {n} points: one mark per point, in order (e.g. {}).",
            marks.len(),
            example(n)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_mark_per_point_in_order() {
        use Covered::*;
        assert_eq!(marked("c p m", 3), Ok(vec![Yes, Partly, No]));
        assert_eq!(marked("covered, MISSED", 2), Ok(vec![Yes, No]));
        assert!(
            marked("c p", 3)
                .unwrap_err()
                .contains("2 marks for 3 points")
        );
        assert!(
            marked("c x m", 3)
                .unwrap_err()
                .contains("`x` is not a mark")
        );
        assert!(marked("", 3).is_err(), "no marks is not an answer");
    }
}
