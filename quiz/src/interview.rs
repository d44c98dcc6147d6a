//! `cargo quiz interview`: a mock interview. Open (recall) and code
//! questions across different topics, easiest first, each with a suggested
//! time and the interview's clock; the follow-up the bank links is asked
//! next; when the time is spent the interview ends; at the end, a report by
//! topic says what is strong, what is weak and what to redo.

use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, Write};

use crate::ask::{self, Outcome};
use crate::clock;
use crate::interrupt;
use crate::question::{Difficulty, Kind, Question};
use crate::schedule::{Grade, Mark};
use crate::select::option_order;
use crate::session::header;
use crate::stats::{revisit_step, step_name};
use crate::ui::{Style, Ui};

/// Up to `count` recall and code questions, one per topic while topics
/// last, easiest first.
pub fn choose<'a>(
    pool: &[&'a Question],
    count: usize,
    rng: &mut fastrand::Rng,
) -> Vec<&'a Question> {
    let mut candidates: Vec<&Question> = pool
        .iter()
        .copied()
        .filter(|q| matches!(q.kind, Kind::Recall | Kind::Code))
        .collect();
    // A linked follow-up is asked after the question that links it, not alone.
    let follow_ups: HashSet<&str> = candidates
        .iter()
        .filter_map(|q| q.follow_up.as_deref())
        .collect();
    candidates.retain(|q| !follow_ups.contains(q.id.as_str()));
    rng.shuffle(&mut candidates);
    let mut chosen: Vec<&Question> = Vec::new();
    let mut topics = HashSet::new();
    // First one per topic, then, if topics run out, any others.
    for q in &candidates {
        if chosen.len() < count && topics.insert(q.topic.as_str()) {
            chosen.push(q);
        }
    }
    for q in &candidates {
        if chosen.len() < count && !chosen.iter().any(|c| c.id == q.id) {
            chosen.push(q);
        }
    }
    chosen.sort_by_key(|q| q.difficulty);
    chosen
}

/// What a candidate may take over a question: shown, not enforced.
fn suggested_minutes(q: &Question) -> u32 {
    match q.difficulty {
        Difficulty::Easy => 2,
        Difficulty::Medium => 3,
        Difficulty::Hard => 5,
    }
}

/// How the interview went, question by question.
#[derive(Default)]
pub struct Report {
    answers: Vec<Answer>,
}

struct Answer {
    topic: String,
    id: String,
    grade: Grade,
    score: f64,
}

impl Report {
    fn add(&mut self, q: &Question, mark: Mark) {
        self.answers.push(Answer {
            topic: q.topic.clone(),
            id: q.id.clone(),
            grade: mark.grade,
            score: mark.score,
        });
    }

    pub fn render(&self, style: &Style, bank: &[Question]) -> String {
        // Partial credit counts as partial: a recall with points missing
        // is less than a full mark here, as it is under Weak below.
        let score: f64 = self.answers.iter().map(|a| a.score).sum();
        let mut out = style.bold("Interview report");
        out += &format!(
            "\nScore: {}/{} (follow-ups included; a point partly made counts half)\n",
            points(score),
            self.answers.len()
        );
        let mut by_topic: BTreeMap<&str, Vec<&Answer>> = BTreeMap::new();
        for answer in &self.answers {
            by_topic.entry(&answer.topic).or_default().push(answer);
        }
        let strong: Vec<&str> = by_topic
            .iter()
            .filter(|(_, a)| a.iter().all(|a| a.grade == Grade::Right))
            .map(|(t, _)| *t)
            .collect();
        out += &format!(
            "Strong: {}\n",
            if strong.is_empty() {
                "none yet".to_owned()
            } else {
                strong.join(", ")
            }
        );
        let mut weak = String::new();
        for (topic, answers) in &by_topic {
            let missed: Vec<&str> = answers
                .iter()
                .filter(|a| a.grade != Grade::Right)
                .map(|a| a.id.as_str())
                .collect();
            if missed.is_empty() {
                continue;
            }
            let of_topic: Vec<&Question> = bank.iter().filter(|q| q.topic == *topic).collect();
            let asked: Vec<&Question> = of_topic
                .iter()
                .copied()
                .filter(|q| missed.contains(&q.id.as_str()))
                .collect();
            let step = revisit_step(&asked).or_else(|| revisit_step(&of_topic));
            let partly = answers.iter().all(|a| a.grade != Grade::Wrong);
            weak += &format!(
                "  {topic} ({}): redo {}{}\n",
                if partly { "points missing" } else { "missed" },
                missed.join(", "),
                step.map_or(String::new(), |s| format!("; revisit {}", step_name(s)))
            );
        }
        if weak.is_empty() {
            out += "Weak: none\n";
        } else {
            out += &format!("Weak:\n{weak}");
            out += "Your misses come first at the next `cargo quiz review`.\n";
        }
        out
    }
}

/// `score` with at most one decimal, and none when it is whole.
fn points(score: f64) -> String {
    let tenths = (score * 10.0).round() / 10.0;
    if tenths.fract() == 0.0 {
        format!("{tenths:.0}")
    } else {
        format!("{tenths:.1}")
    }
}

/// `seconds` as a clock shows it: `m:ss`.
fn clock_text(seconds: i64) -> String {
    let seconds = seconds.max(0);
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

/// The interview's time limit: each planned question's suggested minutes,
/// and its linked follow-up's, in seconds.
fn time_limit(chosen: &[&Question], bank: &[Question]) -> i64 {
    let minutes: u32 = chosen
        .iter()
        .map(|q| {
            let follow_up = q
                .follow_up
                .as_deref()
                .and_then(|f| bank.iter().find(|b| b.id == f))
                .map_or(0, suggested_minutes);
            suggested_minutes(q) + follow_up
        })
        .sum();
    i64::from(minutes) * 60
}

/// Runs the interview over `chosen`, asking linked follow-ups from `bank`.
/// The clock is shown with every question and after every answer; once the
/// interview's time (the questions' suggested minutes added up) is spent,
/// no new question is asked, as an interviewer would stop.
pub fn run<R: BufRead, W: Write>(
    ui: &mut Ui<R, W>,
    chosen: &[&Question],
    bank: &[Question],
    rng: &mut fastrand::Rng,
    mut record: impl FnMut(&str, Mark),
) -> Report {
    let mut report = Report::default();
    let mut asked: HashSet<&str> = HashSet::new();
    let planned: HashSet<&str> = chosen.iter().map(|q| q.id.as_str()).collect();
    interrupt::set_summary(report.render(&ui.style, bank));
    let started = clock::now();
    let limit = time_limit(chosen, bank);
    ui.say(&format!(
        "Mock interview: {} question(s), {} in all; the clock runs from now.",
        chosen.len(),
        clock_text(limit)
    ));
    'questions: for (index, &main) in chosen.iter().enumerate() {
        if clock::now() - started >= limit {
            ui.say("");
            ui.say(&ui.style.bad(&format!(
                "Time is up ({} of {}): the interview ends here, as a real one would.",
                clock_text(clock::now() - started),
                clock_text(limit)
            )));
            break;
        }
        let mut next = Some((
            main,
            format!("Interview question {}/{}", index + 1, chosen.len()),
        ));
        while let Some((q, label)) = next.take() {
            asked.insert(&q.id);
            let order = option_order(q, rng);
            header(ui, q, &label);
            let asked_at = clock::now();
            let time = format!(
                "Suggested time: {} min · interview clock {} of {}.",
                suggested_minutes(q),
                clock_text(asked_at - started),
                clock_text(limit)
            );
            ui.say(&ui.style.dim(&time));
            let Outcome::Answered(mark) = ask::ask(ui, q, &order, true) else {
                break 'questions;
            };
            let took = clock::now() - asked_at;
            let suggested = i64::from(suggested_minutes(q)) * 60;
            let pace = if took > suggested {
                ui.style.bad(&format!(
                    "Answered in {}: {} over the suggested {} min.",
                    clock_text(took),
                    clock_text(took - suggested),
                    suggested / 60
                ))
            } else {
                ui.style.dim(&format!(
                    "Answered in {} (suggested {} min).",
                    clock_text(took),
                    suggested / 60
                ))
            };
            ui.say(&pace);
            record(&q.id, mark);
            report.add(q, mark);
            interrupt::set_summary(report.render(&ui.style, bank));
            next = q
                .follow_up
                .as_deref()
                .filter(|f| !asked.contains(f) && !planned.contains(f))
                .and_then(|f| bank.iter().find(|b| b.id == f))
                .map(|f| (f, format!("Follow-up to {}", q.id)));
        }
    }
    ui.say("");
    let text = report.render(&ui.style, bank);
    ui.say(&text);
    ui.say(&format!(
        "Time: {} of {}.",
        clock_text(clock::now() - started),
        clock_text(limit)
    ));
    report
}

#[cfg(test)]
mod tests {
    use super::clock_text;

    #[test]
    fn the_clock_shows_minutes_and_seconds() {
        assert_eq!(clock_text(0), "0:00");
        assert_eq!(clock_text(75), "1:15");
        assert_eq!(clock_text(30 * 60), "30:00");
        assert_eq!(clock_text(-5), "0:00");
    }
}
