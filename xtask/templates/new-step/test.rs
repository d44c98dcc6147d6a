//! Step __NN__: __TITLE__.

use course::__MODULE__::answer;

const LOOK: &str = "exercises/__NN_____MODULE__.rs";

#[test]
fn the_answer_is_42() {
    let got = answer();
    assert_eq!(
        got, 42,
        "answer() must return 42; it returned {got}.\n  Look at `answer` in {LOOK}. (A test's message says what was sent, \
         what was expected, what came back, where to look and why it matters.)"
    );
}
