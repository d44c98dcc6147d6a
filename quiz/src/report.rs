//! `cargo quiz list`: the bank's counts, the figures issue 7 asks a bank to
//! meet (total, kinds, steps, topics, hard questions, and how often the
//! right option is the longest), over the questions the filters let through.

use crate::lint::{MAX_LONGEST_SHARE, longest_share};
use crate::question::{Difficulty, Kind, Question, steps};

pub fn list(all: &[Question], chosen: &[&Question], filtered: bool) -> String {
    let questions: Vec<Question> = chosen.iter().map(|&q| q.clone()).collect();
    let mut out = if filtered {
        format!(
            "{} of the bank's {} questions match the filters\n",
            chosen.len(),
            all.len()
        )
    } else {
        format!("{} questions\n", chosen.len())
    };
    out += "\ntopics (--topic):              all  hard  code\n";
    let mut topics: Vec<&str> = chosen.iter().map(|q| q.topic.as_str()).collect();
    topics.dedup();
    for topic in topics {
        let of: Vec<&&Question> = chosen.iter().filter(|q| q.topic == topic).collect();
        out += &format!(
            "  {topic:<26} {:>5} {:>5} {:>5}\n",
            of.len(),
            of.iter()
                .filter(|q| q.difficulty == Difficulty::Hard)
                .count(),
            of.iter().filter(|q| q.kind == Kind::Code).count()
        );
    }
    out += "\nsteps (--step):                all  hard  code\n";
    for (step, module) in steps() {
        let of: Vec<&&Question> = chosen.iter().filter(|q| q.step == Some(step)).collect();
        out += &format!(
            "  {step:>2} {module:<23} {:>5} {:>5} {:>5}\n",
            of.len(),
            of.iter()
                .filter(|q| q.difficulty == Difficulty::Hard)
                .count(),
            of.iter().filter(|q| q.kind == Kind::Code).count()
        );
    }
    let no_step = chosen.iter().filter(|q| q.step.is_none()).count();
    out += &format!("     (no step)               {no_step:>5}\n");
    out += "\ndifficulty (--difficulty):\n";
    for d in Difficulty::ALL {
        let n = chosen.iter().filter(|q| q.difficulty == d).count();
        out += &format!("  {:<26} {n:>5}\n", d.name());
    }
    out += "\nkind (--kind):\n";
    for k in Kind::ALL {
        let n = chosen.iter().filter(|q| q.kind == k).count();
        out += &format!("  {:<26} {n:>5}\n", k.name());
    }
    let (longest, single) = longest_share(&questions);
    let share = if single.is_empty() {
        0.0
    } else {
        100.0 * longest.len() as f64 / single.len() as f64
    };
    out += &format!(
        "\nright option strictly the longest: {} of {} single-answer questions ({share:.0}%; at most {:.0}%)\n",
        longest.len(),
        single.len(),
        100.0 * MAX_LONGEST_SHARE
    );
    if filtered {
        out += "\nquestions:\n";
        for q in chosen {
            out += &format!(
                "  {:<40} {:<7} {}\n",
                q.id,
                q.kind.name(),
                q.difficulty.name()
            );
        }
    }
    out
}
