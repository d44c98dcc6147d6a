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

/// How much of `text`'s content words `shown` holds, 0 to 1.
pub fn covered_by(text: &str, shown: &HashSet<String>) -> f64 {
    let words = content_words(text);
    if words.is_empty() {
        return 0.0;
    }
    words.intersection(shown).count() as f64 / words.len() as f64
}

/// Why the follow-up `next` can be answered from what `before` showed just
/// above it (its model answer and explanation), if it can: its right
/// option shares the most words with that text, or most of its key points
/// are there almost word for word.
pub fn given_away(before: &Question, next: &Question) -> Option<String> {
    let shown = content_words(&format!("{} {}", before.answer, before.explanation));
    if next.kind.is_single_answer() {
        let letters = ['A', 'B', 'C', 'D', 'E', 'F'];
        let right = letters.iter().position(|l| next.answer.starts_with(*l))?;
        let scores: Vec<f64> = next.options.iter().map(|o| covered_by(o, &shown)).collect();
        let best_wrong = scores
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != right)
            .map(|(_, s)| *s)
            .fold(0.0, f64::max);
        return (scores[right] > best_wrong).then(|| {
            format!(
                "its right option shares more words ({:.0}%) with `{}`'s answer and explanation, shown just before, than any other option ({:.0}%)",
                100.0 * scores[right],
                before.id,
                100.0 * best_wrong
            )
        });
    }
    let given = next
        .points
        .iter()
        .filter(|p| covered_by(p, &shown) >= 0.7)
        .count();
    (!next.points.is_empty() && 2 * given > next.points.len()).then(|| {
        format!(
            "{given} of its {} key points are almost word for word in `{}`'s answer, shown just before",
            next.points.len(),
            before.id
        )
    })
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
pub fn content_words(text: &str) -> HashSet<String> {
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
