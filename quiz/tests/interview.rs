//! `cargo quiz interview`: the mock interview on the fixture bank.

mod support;

use support::{Play, Session, fixture_args, scratch};

fn interview(policy: impl Fn(&str) -> Play) -> String {
    let state = scratch("interview").join("quiz.json");
    let mut s = Session::start(&fixture_args(&state, &["interview", "--seed", "3"]));
    s.play_all(policy);
    let (out, err, ok) = s.finish();
    assert!(ok, "{err}");
    out
}

fn headers(out: &str) -> Vec<&str> {
    out.lines()
        .filter(|l| l.starts_with("Interview question ") || l.starts_with("Follow-up to "))
        .collect()
}

#[test]
fn the_mock_interview_asks_open_and_code_questions_easiest_first() {
    let out = interview(|id| {
        if id == "tokens-reuse" || id == "basics-code" {
            Play::Wrong
        } else {
            Play::Right
        }
    });
    let asked = headers(&out);
    assert!(
        asked
            .iter()
            .all(|h| h.contains("· recall]") || h.contains("· code]")),
        "only recall and code questions:\n{}",
        asked.join("\n")
    );
    let levels: Vec<usize> = asked
        .iter()
        .filter(|h| h.starts_with("Interview"))
        .map(|h| {
            ["easy", "medium", "hard"]
                .iter()
                .position(|d| h.contains(&format!("· {d} ·")))
                .unwrap()
        })
        .collect();
    assert!(
        levels.windows(2).all(|w| w[0] <= w[1]),
        "rising difficulty: {levels:?}"
    );
    assert_eq!(
        out.matches("Suggested time: ").count(),
        asked.len(),
        "every question shows a suggested time:\n{out}"
    );
    assert!(
        out.contains("interview clock 0:00 of "),
        "the clock is shown with each question:\n{out}"
    );
    assert!(
        out.contains("Answered in 0:00 (suggested "),
        "and after each answer:\n{out}"
    );
    assert!(
        out.contains("Type your answer; an empty line ends it"),
        "open answers are typed:\n{out}"
    );
    assert!(
        out.contains(
            "Follow-up to tokens-refresh  [tokens · step 10 · hard · recall]  tokens-reuse"
        ),
        "the linked follow-up comes right after its question:\n{out}"
    );
    assert_eq!(
        out.matches("tokens-reuse\n").count(),
        1,
        "a follow-up is asked once, never also on its own:\n{out}"
    );
    let report = out.split("Interview report").nth(1).expect("a report");
    assert!(
        report.contains("Strong: none yet") || report.contains("Strong: "),
        "{report}"
    );
    assert!(report.contains("Weak:"), "{report}");
    assert!(report.contains("redo basics-code"), "{report}");
    assert!(report.contains("revisit step 10 (refresh)"), "{report}");
    insta::assert_snapshot!("interview_seed_3", out);
}

#[test]
fn a_perfect_interview_reports_every_topic_strong() {
    let out = interview(|_| Play::Right);
    let report = out.split("Interview report").nth(1).expect("a report");
    assert!(report.contains("Strong: basics, tokens"), "{report}");
    assert!(report.contains("Weak: none"), "{report}");
}
