//! `cargo quiz check` on broken banks: every fault found, with its file and id.

mod support;

use support::{run, scratch, text};

const GOOD: &str = r#"
[[question]]
id = "good-one"
step = 1
difficulty = "easy"
kind = "choice"
prompt = "A prompt"
options = ["a", "b", "c", "d"]
answer = "A"
explanation = "Because."
hint = "Think."
mistakes = ["A mistake"]
"#;

/// Checks a bank of one file, `t.toml`, holding `topic = "t"` and `body`.
fn check(body: &str) -> (bool, String) {
    let dir = scratch("check");
    std::fs::write(dir.join("t.toml"), format!("topic = \"t\"\n{body}")).expect("write the bank");
    let output = run(&["check", "--bank", dir.to_str().unwrap()], "");
    (output.status.success(), text(&output.stderr))
}

/// The good question with one line replaced (or removed, if `to` is empty).
fn broken(from: &str, to: &str) -> String {
    assert!(GOOD.contains(from), "test bug: {from} not in GOOD");
    GOOD.replace(from, to)
}

fn assert_fault(body: &str, expected: &str) {
    let (ok, err) = check(body);
    assert!(
        !ok,
        "check must exit non-zero on a bank with this fault: {expected}"
    );
    assert!(
        err.contains("t.toml"),
        "the fault must name the file:\n{err}"
    );
    assert!(
        err.contains(expected),
        "the report must say `{expected}`:\n{err}"
    );
}

#[test]
fn a_sound_bank_passes() {
    let (ok, err) = check(GOOD);
    assert!(ok, "a sound one-question bank must pass:\n{err}");
}

#[test]
fn duplicate_ids_are_caught() {
    assert_fault(
        &format!("{GOOD}{GOOD}"),
        "question `good-one`: duplicate id",
    );
}

#[test]
fn an_answer_out_of_range_is_caught() {
    assert_fault(
        &broken("answer = \"A\"", "answer = \"E\""),
        "question `good-one`: answer `E` is out of range",
    );
}

#[test]
fn a_missing_explanation_is_caught() {
    assert_fault(
        &broken("explanation = \"Because.\"", ""),
        "question `good-one`: missing `explanation`",
    );
}

#[test]
fn an_unknown_step_is_caught() {
    assert_fault(
        &broken("step = 1", "step = 12"),
        "question `good-one`: unknown step 12",
    );
}

#[test]
fn three_options_are_caught() {
    assert_fault(
        &broken("[\"a\", \"b\", \"c\", \"d\"]", "[\"a\", \"b\", \"c\"]"),
        "has 4 options; this one has 3",
    );
}

#[test]
fn a_bad_difficulty_or_kind_is_caught() {
    assert_fault(
        &broken("\"easy\"", "\"trivial\""),
        "difficulty `trivial` is not easy, medium or hard",
    );
    assert_fault(
        &broken("\"choice\"", "\"essay\""),
        "kind `essay` is not choice or recall",
    );
}

#[test]
fn missing_mistakes_and_hint_are_caught() {
    assert_fault(
        &broken("mistakes = [\"A mistake\"]", ""),
        "at least one common mistake",
    );
    assert_fault(&broken("hint = \"Think.\"", ""), "missing `hint`");
}

#[test]
fn a_misspelt_key_is_caught() {
    assert_fault(&broken("hint = ", "hnit = "), "unknown key `hnit`");
}

#[test]
fn a_topic_that_does_not_match_its_file_is_caught() {
    let dir = scratch("topic");
    std::fs::write(dir.join("t.toml"), format!("topic = \"other\"\n{GOOD}")).expect("write");
    let output = run(&["check", "--bank", dir.to_str().unwrap()], "");
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("topic `other` must match the file name `t`"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn invalid_toml_is_caught_with_its_position() {
    assert_fault("[[question]\nid = ", "not valid TOML");
}

#[test]
fn every_fault_is_reported_not_just_the_first() {
    let two = format!(
        "{}{}",
        broken("\"easy\"", "\"trivial\""),
        broken("id = \"good-one\"", "id = \"good-two\"")
            .replace("answer = \"A\"", "answer = \"Z\"")
    );
    let (_, err) = check(&two);
    assert!(
        err.contains("trivial") && err.contains("`Z` is out of range"),
        "both faults in one report:\n{err}"
    );
    assert!(err.contains("2 fault(s)"), "{err}");
}
