//! The content lints of `cargo quiz check`: what makes a question
//! gameable or untraceable, measured. The runner asks questions that fail
//! them; `check` (and so CI) refuses the bank.
//!
//! - every question has `refs`;
//! - choice and code: the right option is at most 25% longer than the
//!   longest distractor; multi: the longest right option is at most 25%
//!   longer than the longest wrong one;
//! - across the bank, the right option is the strictly longest in at most
//!   30% of the single-answer questions;
//! - the hint shares no run of four words with the right answer;
//! - no knowledge-free strategy (the longest option, the fewest absolutes,
//!   the most words shared with the hint or the prompt) scores above 30%
//!   over the single-answer questions (`tells.rs`);
//! - `follow_up` names another question of the bank.

use std::collections::HashSet;
use std::path::Path;

use crate::load::Fault;
use crate::question::{Kind, Question};

/// How much longer than the longest distractor a right option may be.
const MAX_LENGTH_RATIO: f64 = 1.25;
/// The share of single-answer questions whose right option may be the longest.
pub const MAX_LONGEST_SHARE: f64 = 0.30;
/// A hint may not repeat this many words in a row from the answer.
const HINT_RUN: usize = 4;

/// Every lint fault of the bank in `dir`.
pub fn lint(dir: &Path, questions: &[Question]) -> Vec<Fault> {
    let ids: HashSet<&str> = questions.iter().map(|q| q.id.as_str()).collect();
    let mut faults = Vec::new();
    for q in questions {
        let mut say = |message: String| {
            faults.push(Fault {
                file: q.file.clone(),
                id: Some(q.id.clone()),
                message,
            })
        };
        if q.refs.is_empty() || q.refs.iter().any(|r| r.trim().is_empty()) {
            say("missing `refs`: one or more sources (an RFC section, an OWASP cheat sheet, a docs.rs path), none empty".into());
        }
        if let Some(message) = length_fault(q) {
            say(message);
        }
        if let Some(run) = hint_overlap(q) {
            say(format!(
                "the hint gives the answer away: it shares `{run}` with {}",
                if q.kind == Kind::Recall {
                    "the model answer"
                } else {
                    "a right option"
                }
            ));
        }
        match q.follow_up.as_deref() {
            Some(f) if f == q.id => say("`follow_up` names the question itself".into()),
            Some(f) if !ids.contains(f) => {
                say(format!("`follow_up` names `{f}`, which is not in the bank"))
            }
            Some(f) => {
                let next = questions.iter().find(|n| n.id == f);
                if let Some(why) = next.and_then(|next| crate::tells::given_away(q, next)) {
                    say(format!(
                        "its follow-up `{f}` can be answered from this question's model answer: {why}; reword one of them"
                    ));
                }
            }
            None => {}
        }
    }
    for (strategy, share) in crate::tells::scores(questions).unwrap_or_default() {
        if share > crate::tells::MAX_GUESS_SHARE {
            faults.push(Fault {
                file: dir.to_path_buf(),
                id: None,
                message: format!(
                    "a guesser who picks {strategy} scores {:.1}% on the single-answer questions, knowing nothing; \
                     at most {:.0}% may (chance is 25%): reword the hints that share the right option's words, \
                     or the options whose absolutes give them away",
                    100.0 * share,
                    100.0 * crate::tells::MAX_GUESS_SHARE
                ),
            });
        }
    }
    if let Some((count, share)) = crate::tells::commonest_right_count(questions)
        && share > crate::tells::MAX_RIGHT_COUNT_SHARE
    {
        faults.push(Fault {
            file: dir.to_path_buf(),
            id: None,
            message: format!(
                "{:.0}% of the multi questions have exactly {count} right option(s); at most {:.0}% may, \
                 or \"always pick {count}\" beats knowing: vary how many are right (one to four)",
                100.0 * share,
                100.0 * crate::tells::MAX_RIGHT_COUNT_SHARE
            ),
        });
    }
    let (longest, single) = longest_share(questions);
    if !single.is_empty() && longest.len() as f64 > MAX_LONGEST_SHARE * single.len() as f64 {
        faults.push(Fault {
            file: dir.to_path_buf(),
            id: None,
            message: format!(
                "the right option is the strictly longest in {} of {} single-answer questions ({:.0}%); at most {:.0}% may be: {}",
                longest.len(),
                single.len(),
                100.0 * longest.len() as f64 / single.len() as f64,
                100.0 * MAX_LONGEST_SHARE,
                longest.join(", ")
            ),
        });
    }
    faults
}

fn chars(text: &str) -> usize {
    text.chars().count()
}

/// The longest right and longest wrong option, in characters.
fn right_and_wrong_lengths(q: &Question) -> (usize, usize) {
    let right = q.right_options();
    let (mut r, mut w) = (0, 0);
    for (i, option) in q.options.iter().enumerate() {
        let n = chars(option);
        if right.contains(&i) {
            r = r.max(n);
        } else {
            w = w.max(n);
        }
    }
    (r, w)
}

fn length_fault(q: &Question) -> Option<String> {
    if !(q.kind.is_single_answer() || q.kind == Kind::Multi) {
        return None;
    }
    let (right, wrong) = right_and_wrong_lengths(q);
    if right as f64 <= MAX_LENGTH_RATIO * wrong as f64 {
        return None;
    }
    let over = 100.0 * (right as f64 / wrong.max(1) as f64 - 1.0);
    let which = if q.kind == Kind::Multi {
        "the longest right option"
    } else {
        "the right option"
    };
    Some(format!(
        "{which} ({right} characters) is {over:.0}% longer than the longest wrong one ({wrong}); at most 25% is allowed"
    ))
}

/// The ids of the single-answer questions whose right option is strictly
/// the longest, and the ids of all single-answer questions.
pub fn longest_share(questions: &[Question]) -> (Vec<&str>, Vec<&str>) {
    let single: Vec<&Question> = questions
        .iter()
        .filter(|q| q.kind.is_single_answer())
        .collect();
    let longest = single
        .iter()
        .filter(|q| {
            let (right, wrong) = right_and_wrong_lengths(q);
            right > wrong
        })
        .map(|q| q.id.as_str())
        .collect();
    (longest, single.iter().map(|q| q.id.as_str()).collect())
}

/// Lower-case runs of letters and digits.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The first run of four words the hint shares with the answer, if any.
fn hint_overlap(q: &Question) -> Option<String> {
    let targets: Vec<&str> = match q.kind {
        Kind::Recall => vec![q.answer.as_str()],
        Kind::Order => return None,
        _ => q
            .right_options()
            .into_iter()
            .map(|i| q.options[i].as_str())
            .collect(),
    };
    let runs: HashSet<Vec<String>> = targets
        .iter()
        .flat_map(|t| {
            words(t)
                .windows(HINT_RUN)
                .map(<[String]>::to_vec)
                .collect::<Vec<_>>()
        })
        .collect();
    words(&q.hint)
        .windows(HINT_RUN)
        .find(|run| runs.contains(*run))
        .map(|run| run.join(" "))
}
