//! One question as written, checked against the rules of its kind.
//!
//! These are the rules the runner needs to ask a question at all; a question
//! that breaks one is not loaded. The rules per kind are in quiz/README.md.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde::Deserialize;

use crate::question::{Difficulty, Kind, LETTERS, Question, steps};

#[derive(Deserialize)]
pub struct RawQuestion {
    pub id: Option<String>,
    step: Option<i64>,
    difficulty: Option<String>,
    kind: Option<String>,
    refs: Option<Vec<String>>,
    prompt: Option<String>,
    code: Option<String>,
    options: Option<Vec<String>>,
    answer: Option<String>,
    points: Option<Vec<String>>,
    explanation: Option<String>,
    hint: Option<String>,
    mistakes: Option<Vec<String>>,
    follow_up: Option<String>,
    #[serde(flatten)]
    unknown: BTreeMap<String, toml::Value>,
}

/// Checks one question, pushing a sentence per problem.
pub fn check(
    q: RawQuestion,
    topic: &str,
    file: &Path,
    problems: &mut Vec<String>,
) -> Option<Question> {
    let mut text = |value: Option<String>, field: &str| -> String {
        let value = value.unwrap_or_default().trim().to_owned();
        if value.is_empty() {
            problems.push(format!("missing `{field}`"));
        }
        value
    };
    let id = text(q.id, "id");
    let prompt = text(q.prompt, "prompt");
    let hint = text(q.hint, "hint");
    let difficulty_text = text(q.difficulty, "difficulty");
    let kind_text = text(q.kind, "kind");
    let options: Vec<String> = q
        .options
        .unwrap_or_default()
        .into_iter()
        .map(|o| o.trim().to_owned())
        .collect();
    let points: Vec<String> = q
        .points
        .unwrap_or_default()
        .into_iter()
        .map(|p| p.trim().to_owned())
        .collect();
    let mistakes: Vec<String> = q.mistakes.unwrap_or_default();
    let code = q
        .code
        .map(|c| c.trim_end().to_owned())
        .filter(|c| !c.trim().is_empty());

    if !id.is_empty()
        && !id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        problems.push("an id is lower-case letters, digits and dashes".into());
    }
    for key in q.unknown.keys() {
        problems.push(format!("unknown key `{key}`"));
    }
    let step = match q.step {
        None => None,
        Some(n) if steps().any(|(s, _)| i64::from(s) == n) => Some(n as u32),
        Some(n) => {
            problems.push(format!(
                "unknown step {n}: the course has steps 1 to {}",
                course_steps::LAST_STEP
            ));
            None
        }
    };
    let difficulty = match Difficulty::ALL
        .into_iter()
        .find(|d| d.name() == difficulty_text)
    {
        Some(d) => Some(d),
        None if difficulty_text.is_empty() => None,
        None => {
            problems.push(format!(
                "difficulty `{difficulty_text}` is not easy, medium or hard"
            ));
            None
        }
    };
    if mistakes.is_empty() || mistakes.iter().any(|m| m.trim().is_empty()) {
        problems.push("`mistakes` needs at least one common mistake, none of them empty".into());
    }
    let kind = match Kind::ALL.into_iter().find(|k| k.name() == kind_text) {
        Some(k) => Some(k),
        None if kind_text.is_empty() => None,
        None => {
            problems.push(format!(
                "kind `{kind_text}` is not choice, multi, order, code or recall"
            ));
            None
        }
    };
    let explanation = q.explanation.unwrap_or_default().trim().to_owned();
    let mut answer = q.answer.map(|a| a.trim().to_owned());
    if let Some(kind) = kind {
        let shape = Shape {
            options: &options,
            answer: answer.as_deref(),
            points: &points,
            has_code: code.is_some(),
        };
        kind_rules(kind, &shape, problems);
        if kind != Kind::Recall && explanation.is_empty() {
            problems.push(
                "missing `explanation` (why the answer is right and the others wrong)".into(),
            );
        }
        if kind == Kind::Multi {
            // Stored sorted, so that "CA" and "AC" are the same answer.
            answer = answer.map(|a| {
                let mut letters: Vec<char> = a.chars().collect();
                letters.sort_unstable();
                letters.into_iter().collect()
            });
        }
    }
    let follow_up = q
        .follow_up
        .map(|f| f.trim().to_owned())
        .filter(|f| !f.is_empty());
    if !problems.is_empty() {
        return None;
    }
    Some(Question {
        id,
        topic: topic.to_owned(),
        file: file.to_path_buf(),
        step,
        difficulty: difficulty?,
        kind: kind?,
        refs: q.refs.unwrap_or_default(),
        prompt,
        code,
        options,
        answer: answer.unwrap_or_default(),
        points,
        explanation,
        hint,
        mistakes,
        follow_up,
    })
}

/// What the per-kind rules look at.
struct Shape<'a> {
    options: &'a [String],
    answer: Option<&'a str>,
    points: &'a [String],
    has_code: bool,
}

fn kind_rules(kind: Kind, s: &Shape, problems: &mut Vec<String>) {
    if kind != Kind::Recall && !s.points.is_empty() {
        problems.push("`points` belong to recall questions only".into());
    }
    match kind {
        Kind::Choice | Kind::Code => {
            options_rule(kind, s.options, 4..=4, problems);
            match s.answer {
                None | Some("") => {
                    problems.push("missing `answer` (the letter of the right option)".into())
                }
                Some(a) if a.len() == 1 && LETTERS[..4].iter().any(|l| a.starts_with(*l)) => {}
                Some(a) => problems.push(format!(
                    "answer `{a}` is out of range: it must be one of A, B, C, D"
                )),
            }
            if kind == Kind::Code && !s.has_code {
                problems.push("a code question needs its `code` snippet".into());
            }
        }
        Kind::Multi => {
            options_rule(kind, s.options, 4..=6, problems);
            multi_answer_rule(s.answer, s.options.len(), problems);
        }
        Kind::Order => {
            options_rule(kind, s.options, 4..=6, problems);
            if s.answer.is_some() {
                problems.push(
                    "an order question has no `answer`: write its items in the right order".into(),
                );
            }
        }
        Kind::Recall => {
            if !s.options.is_empty() {
                problems.push("a recall question has no options".into());
            }
            if s.answer.is_none_or(str::is_empty) {
                problems.push("missing `answer` (the model answer)".into());
            }
            if !(3..=5).contains(&s.points.len()) || s.points.iter().any(|p| p.is_empty()) {
                problems.push(format!(
                    "a recall question needs 3 to 5 non-empty `points`; this one has {}",
                    s.points.len()
                ));
            }
        }
    }
}

fn options_rule(
    kind: Kind,
    options: &[String],
    count: std::ops::RangeInclusive<usize>,
    problems: &mut Vec<String>,
) {
    if !count.contains(&options.len()) {
        let wanted = if count.start() == count.end() {
            count.start().to_string()
        } else {
            format!("{} to {}", count.start(), count.end())
        };
        problems.push(format!(
            "a {} question has {wanted} options; this one has {}",
            kind.name(),
            options.len()
        ));
    }
    if options.iter().any(String::is_empty) {
        problems.push("an option is empty".into());
    }
    let distinct: HashSet<&String> = options.iter().collect();
    if distinct.len() != options.len() {
        problems.push("two options are the same".into());
    }
}

fn multi_answer_rule(answer: Option<&str>, options: usize, problems: &mut Vec<String>) {
    let Some(answer) = answer.filter(|a| !a.is_empty()) else {
        return problems.push("missing `answer` (the letters of the right options)".into());
    };
    let allowed = &LETTERS[..options.min(LETTERS.len())];
    let letters: Vec<char> = answer.chars().collect();
    let distinct: HashSet<&char> = letters.iter().collect();
    if letters.iter().any(|c| !allowed.contains(c)) {
        let allowed: String = allowed.iter().collect();
        problems.push(format!(
            "answer `{answer}` names a letter that is not an option: use letters of {allowed}"
        ));
    } else if distinct.len() != letters.len() {
        problems.push(format!("answer `{answer}` repeats a letter"));
    } else if letters.len() == options {
        problems.push(format!(
            "answer `{answer}` names every option; at least one must be wrong"
        ));
    }
}
