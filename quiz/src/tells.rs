//! Knowledge-free strategies over the single-answer questions: each picks
//! an option by a surface feature alone (its length, its absolutes, the
//! words it shares with the hint or the prompt). With four options chance
//! is 25%; `cargo quiz check` fails when any strategy scores above
//! [`MAX_GUESS_SHARE`], so a guesser who knows the tells gains nothing
//! worth having. Ties are split: a strategy that ties two options, one of
//! them right, scores half.

use std::collections::HashSet;

use crate::question::Question;

/// The most any knowledge-free strategy may score.
pub const MAX_GUESS_SHARE: f64 = 0.30;
/// Below this many single-answer questions a score is noise (one lucky
/// tie in a bank of four is 8 points), so nothing is measured.
pub const MIN_MEASURED: usize = 20;

/// Words that make an option sound wrong: a guesser avoids them.
const ABSOLUTES: [&str; 9] = [
    "never",
    "always",
    "every",
    "everything",
    "everyone",
    "all",
    "none",
    "nothing",
    "only",
];

/// Each strategy's name and expected score over `questions`' single-answer
/// ones, or `None` when there are fewer than [`MIN_MEASURED`].
pub fn scores(questions: &[Question]) -> Option<Vec<(&'static str, f64)>> {
    let single: Vec<&Question> = questions
        .iter()
        .filter(|q| q.kind.is_single_answer())
        .collect();
    if single.len() < MIN_MEASURED {
        return None;
    }
    type Feature = fn(&Question, &str) -> i64;
    let strategies: [(&'static str, Feature); 5] = [
        ("the longest option", |_, option| {
            option.chars().count() as i64
        }),
        ("the option with the fewest absolutes", |_, option| {
            -absolutes(option)
        }),
        (
            "the option sharing the most words with the hint",
            |q, option| shared(&q.hint, option),
        ),
        (
            "the option sharing the most words with the prompt",
            |q, option| shared(&q.prompt, option),
        ),
        (
            "the fewest absolutes, then the most words shared with the hint",
            |q, option| -absolutes(option) * 1000 + shared(&q.hint, option),
        ),
    ];
    Some(
        strategies
            .iter()
            .map(|(name, feature)| {
                let total: f64 = single.iter().map(|q| pick(q, *feature)).sum();
                (*name, total / single.len() as f64)
            })
            .collect(),
    )
}

/// What picking the options with the highest `feature` scores on `q`.
/// The most a single count of right options may hold of the multi
/// questions: above it, "always pick that many" becomes a strategy.
pub const MAX_RIGHT_COUNT_SHARE: f64 = 0.40;
/// Below this many multi questions the spread is not measured.
pub const MIN_MULTI: usize = 10;

/// The most common number of right options among the multi questions,
/// and the share of them that have it; `None` below [`MIN_MULTI`].
pub fn commonest_right_count(questions: &[Question]) -> Option<(usize, f64)> {
    let counts: Vec<usize> = questions
        .iter()
        .filter(|q| q.kind == crate::question::Kind::Multi)
        .map(|q| q.answer.chars().count())
        .collect();
    if counts.len() < MIN_MULTI {
        return None;
    }
    (1..=6)
        .map(|n| (n, counts.iter().filter(|c| **c == n).count()))
        .max_by_key(|(_, times)| *times)
        .map(|(n, times)| (n, times as f64 / counts.len() as f64))
}

fn pick(q: &Question, feature: fn(&Question, &str) -> i64) -> f64 {
    let values: Vec<i64> = q.options.iter().map(|option| feature(q, option)).collect();
    let Some(&best) = values.iter().max() else {
        return 0.0;
    };
    let tied: Vec<usize> = (0..values.len()).filter(|&i| values[i] == best).collect();
    let right = q.right_options();
    let hits = tied.iter().filter(|i| right.contains(i)).count();
    hits as f64 / tied.len() as f64
}

/// Lower-case words of four letters or more (underscores join them).
fn content_words(text: &str) -> HashSet<String> {
    text.split(|c: char| !(c.is_ascii_alphabetic() || c == '_'))
        .filter(|word| word.len() >= 4)
        .map(str::to_lowercase)
        .collect()
}

fn shared(a: &str, b: &str) -> i64 {
    content_words(a).intersection(&content_words(b)).count() as i64
}

fn absolutes(text: &str) -> i64 {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|word| ABSOLUTES.contains(&word.to_lowercase().as_str()))
        .count() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_count_what_a_guesser_sees() {
        assert_eq!(absolutes("Never, and ALL of it: only always"), 4);
        assert_eq!(absolutes("all_users and overall"), 0);
        assert_eq!(
            shared(
                "Which header carries the token?",
                "The Authorization header"
            ),
            1
        );
    }
}
