//! `cargo quiz check` on broken banks: every fault found, with its file and
//! id, and each lint of the second edition catching the fault it is for.

mod support;

use support::{run, scratch, text};

const GOOD: &str = r#"
[[question]]
id = "good-one"
step = 1
difficulty = "easy"
kind = "choice"
refs = ["RFC 6749 §5.2"]
prompt = "A prompt"
options = ["alpha", "bravo", "charlie", "delta"]
answer = "A"
explanation = "Because."
hint = "Think."
mistakes = ["A mistake"]
"#;

const MULTI: &str = r#"
[[question]]
id = "multi-one"
difficulty = "medium"
kind = "multi"
refs = ["RFC 7519 §4.1"]
prompt = "Which apply?"
options = ["one right", "two right", "one wrong", "two wrong"]
answer = "AB"
explanation = "Because."
hint = "Count them."
mistakes = ["A mistake"]
"#;

const ORDER: &str = r#"
[[question]]
id = "order-one"
difficulty = "medium"
kind = "order"
refs = ["RFC 6749 §4.3"]
prompt = "In order?"
options = ["first", "second", "third", "fourth"]
explanation = "Because."
hint = "Start at the start."
mistakes = ["A mistake"]
"#;

const RECALL: &str = r#"
[[question]]
id = "recall-one"
difficulty = "hard"
kind = "recall"
refs = ["OWASP Password Storage Cheat Sheet"]
prompt = "Why?"
answer = "Because the model answer says so at some length."
points = ["one point", "two points", "three points"]
hint = "Think."
mistakes = ["A mistake"]
"#;

const CODE: &str = r#"
[[question]]
id = "code-one"
difficulty = "hard"
kind = "code"
refs = ["https://docs.rs/axum/latest/axum/"]
prompt = "What does it answer?"
code = "GET / HTTP/1.1"
options = ["200 OK", "404 Not", "405 Bad", "500 Err"]
answer = "B"
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

/// `base` with one line replaced (or removed, if `to` is empty).
fn broken(base: &str, from: &str, to: &str) -> String {
    assert!(
        base.contains(from),
        "test bug: {from} not in the base question"
    );
    base.replace(from, to)
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
fn a_sound_bank_of_every_kind_passes() {
    let (ok, err) = check(&format!("{GOOD}{MULTI}{ORDER}{RECALL}{CODE}"));
    assert!(ok, "a sound bank must pass:\n{err}");
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
        &broken(GOOD, "answer = \"A\"", "answer = \"E\""),
        "question `good-one`: answer `E` is out of range",
    );
}

#[test]
fn a_missing_explanation_is_caught() {
    assert_fault(
        &broken(GOOD, "explanation = \"Because.\"", ""),
        "question `good-one`: missing `explanation`",
    );
}

#[test]
fn an_unknown_step_is_caught() {
    // The steps are steps.toml's: one past the last is unknown.
    let last = course_steps::LAST_STEP;
    assert_fault(
        &broken(GOOD, "step = 1", &format!("step = {}", last + 1)),
        &format!("question `good-one`: unknown step {}", last + 1),
    );
    let (ok, err) = check(&broken(GOOD, "step = 1", &format!("step = {last}")));
    assert!(ok, "step {last}, the last, is a step:\n{err}");
}

#[test]
fn three_options_are_caught() {
    assert_fault(
        &broken(
            GOOD,
            "\"alpha\", \"bravo\", \"charlie\", \"delta\"",
            "\"alpha\", \"bravo\", \"charlie\"",
        ),
        "a choice question has 4 options; this one has 3",
    );
}

#[test]
fn a_bad_difficulty_or_kind_is_caught() {
    assert_fault(
        &broken(GOOD, "\"easy\"", "\"trivial\""),
        "difficulty `trivial` is not easy, medium or hard",
    );
    assert_fault(
        &broken(GOOD, "\"choice\"", "\"essay\""),
        "kind `essay` is not choice, multi, order, code or recall",
    );
}

#[test]
fn missing_mistakes_and_hint_are_caught() {
    assert_fault(
        &broken(GOOD, "mistakes = [\"A mistake\"]", ""),
        "at least one common mistake",
    );
    assert_fault(&broken(GOOD, "hint = \"Think.\"", ""), "missing `hint`");
}

#[test]
fn a_misspelt_key_is_caught() {
    assert_fault(&broken(GOOD, "hint = ", "hnit = "), "unknown key `hnit`");
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
        broken(GOOD, "\"easy\"", "\"trivial\""),
        broken(GOOD, "id = \"good-one\"", "id = \"good-two\"")
            .replace("answer = \"A\"", "answer = \"Z\"")
    );
    let (_, err) = check(&two);
    assert!(
        err.contains("trivial") && err.contains("`Z` is out of range"),
        "both faults in one report:\n{err}"
    );
    assert!(err.contains("2 fault(s)"), "{err}");
}

// The rules of each kind.

#[test]
fn multi_answers_name_one_or_more_letters_and_not_all() {
    assert_fault(
        &broken(MULTI, "answer = \"AB\"", "answer = \"ABCD\""),
        "names every option",
    );
    assert_fault(
        &broken(MULTI, "answer = \"AB\"", "answer = \"AG\""),
        "names a letter that is not an option",
    );
    assert_fault(
        &broken(
            MULTI,
            "options = [\"one right\", \"two right\", \"one wrong\", \"two wrong\"]",
            "options = [\"a\", \"b\", \"c\"]",
        ),
        "a multi question has 4 to 6 options; this one has 3",
    );
}

#[test]
fn order_questions_have_no_answer_key() {
    assert_fault(
        &broken(ORDER, "explanation", "answer = \"ABCD\"\nexplanation"),
        "an order question has no `answer`",
    );
}

#[test]
fn recall_questions_need_three_to_five_points() {
    assert_fault(
        &broken(
            RECALL,
            "points = [\"one point\", \"two points\", \"three points\"]",
            "points = [\"one point\"]",
        ),
        "needs 3 to 5 non-empty `points`; this one has 1",
    );
    assert_fault(
        &broken(GOOD, "hint", "points = [\"a\", \"b\", \"c\"]\nhint"),
        "`points` belong to recall questions only",
    );
}

#[test]
fn code_questions_need_their_snippet() {
    assert_fault(
        &broken(CODE, "code = \"GET / HTTP/1.1\"", ""),
        "a code question needs its `code` snippet",
    );
}

// The content lints.

#[test]
fn the_refs_lint_wants_a_source_on_every_question() {
    assert_fault(
        &broken(GOOD, "refs = [\"RFC 6749 §5.2\"]", ""),
        "question `good-one`: missing `refs`",
    );
    assert_fault(
        &broken(
            RECALL,
            "refs = [\"OWASP Password Storage Cheat Sheet\"]",
            "refs = [\" \"]",
        ),
        "question `recall-one`: missing `refs`",
    );
}

#[test]
fn the_length_lint_catches_a_right_option_much_longer_than_the_rest() {
    // 26 characters against 7: far more than 25% longer.
    let long = broken(GOOD, "\"alpha\"", "\"alpha, because of RFC 6749\"");
    assert_fault(
        &long,
        "question `good-one`: the right option (26 characters) is 271% longer than the longest wrong one (7)",
    );
    let code = broken(
        CODE,
        "\"404 Not\"",
        "\"404 Not Found: the route does not exist\"",
    );
    assert_fault(&code, "question `code-one`: the right option");
    let multi = broken(
        MULTI,
        "\"two right\"",
        "\"two right, and then a much longer one\"",
    );
    assert_fault(&multi, "question `multi-one`: the longest right option");
    // 25% longer exactly is allowed: 5 against 4 (beside three other
    // questions, so that the bank-wide share stays at 25%).
    let exact = broken(
        GOOD,
        "[\"alpha\", \"bravo\", \"charlie\", \"delta\"]",
        "[\"abcde\", \"abcd\", \"bcde\", \"cdef\"]",
    );
    let others: String = ["two", "three", "four"]
        .iter()
        .map(|n| broken(GOOD, "id = \"good-one\"", &format!("id = \"good-{n}\"")))
        .collect();
    let (ok, err) = check(&format!("{exact}{others}"));
    assert!(ok, "25% longer is within the limit:\n{err}");
}

#[test]
fn the_share_lint_catches_a_bank_where_the_longest_option_wins() {
    // Three single-answer questions, the right option strictly the longest
    // (but within 25%) in two of them: 67% > 30%.
    let longest = |id: &str| {
        broken(GOOD, "id = \"good-one\"", &format!("id = \"{id}\"")).replace(
            "[\"alpha\", \"bravo\", \"charlie\", \"delta\"]",
            "[\"abcdef\", \"abcde\", \"bcdef\", \"cdefg\"]",
        )
    };
    let bank = format!("{}{}{}", longest("long-one"), longest("long-two"), GOOD);
    let (ok, err) = check(&bank);
    assert!(!ok, "a bank the longest option games must fail");
    assert!(
        err.contains("the right option is the strictly longest in 2 of 3 single-answer questions (67%); at most 30% may be: long-one, long-two"),
        "the bank-wide fault names the questions:\n{err}"
    );
    let fair = format!(
        "{}{}{}{}",
        longest("long-one"),
        GOOD,
        CODE,
        broken(GOOD, "id = \"good-one\"", "id = \"good-three\"")
    );
    let (ok, err) = check(&fair);
    assert!(ok, "1 of 4 (25%) is within the limit:\n{err}");
}

#[test]
fn the_hint_lint_catches_a_hint_that_gives_the_answer_away() {
    let choice = broken(GOOD, "\"alpha\"", "\"the token is signed\"")
        .replace("\"bravo\"", "\"the token is encrypted\"")
        .replace(
            "hint = \"Think.\"",
            "hint = \"Remember: The Token Is Signed, not sealed.\"",
        );
    assert_fault(
        &choice,
        "question `good-one`: the hint gives the answer away: it shares `the token is signed` with a right option",
    );
    let recall = broken(
        RECALL,
        "hint = \"Think.\"",
        "hint = \"the model answer says so\"",
    );
    assert_fault(
        &recall,
        "it shares `the model answer says` with the model answer",
    );
    let multi = broken(
        MULTI,
        "hint = \"Count them.\"",
        "hint = \"It is two right, surely.\"",
    );
    let (ok, err) = check(&multi);
    assert!(ok, "three words in a row is allowed:\n{err}");
}

#[test]
fn the_follow_up_lint_wants_another_question_of_the_bank() {
    assert_fault(
        &broken(GOOD, "hint", "follow_up = \"nowhere\"\nhint"),
        "`follow_up` names `nowhere`, which is not in the bank",
    );
    assert_fault(
        &broken(GOOD, "hint", "follow_up = \"good-one\"\nhint"),
        "`follow_up` names the question itself",
    );
    let (ok, err) = check(&format!(
        "{}{RECALL}",
        broken(GOOD, "hint", "follow_up = \"recall-one\"\nhint")
    ));
    assert!(ok, "a follow-up to another question is fine:\n{err}");
}

#[test]
fn a_follow_up_answered_by_the_answer_shown_before_it_is_a_fault() {
    // The parent's explanation states the follow-up's right option.
    let parent = broken(GOOD, "hint", "follow_up = \"code-one\"\nhint").replace(
        "explanation = \"Because.\"",
        "explanation = \"A missing route answers 404 Not Found.\"",
    );
    let next = CODE.replace("\"404 Not\"", "\"404 Not Found\"");
    let (ok, err) = check(&format!("{parent}{next}"));
    assert!(!ok, "a follow-up read off the screen must fail");
    assert!(
        err.contains("its follow-up `code-one` can be answered from this question's model answer"),
        "{err}"
    );
    let (ok, err) = check(&format!(
        "{}{CODE}",
        broken(GOOD, "hint", "follow_up = \"code-one\"\nhint")
    ));
    assert!(ok, "an explanation that gives nothing away is fine:\n{err}");
}

#[test]
fn the_guess_lint_catches_a_bank_whose_hints_point_at_the_answer() {
    // Twenty questions whose hint shares a word with the right option only:
    // a guesser who follows the hint's words gets every one right.
    let gamed = |n: usize| {
        broken(GOOD, "id = \"good-one\"", &format!("id = \"gamed-{n}\""))
            .replace("\"alpha\"", "\"signature checked\"")
            .replace("hint = \"Think.\"", "hint = \"What about the signature?\"")
    };
    let bank: String = (0..20).map(gamed).collect();
    let (ok, err) = check(&bank);
    assert!(!ok, "a bank a knowledge-free guesser wins must fail");
    assert!(
        err.contains(
            "a guesser who picks the option sharing the most words with the hint scores 100.0%"
        ),
        "the fault names the strategy and its score:\n{err}"
    );
    let fair: String = (0..20)
        .map(|n| broken(GOOD, "id = \"good-one\"", &format!("id = \"fair-{n}\"")))
        .collect();
    let (ok, err) = check(&fair);
    assert!(
        !err.contains("a guesser who picks"),
        "hints that point nowhere pass the guess lint (ok: {ok}):\n{err}"
    );
}
