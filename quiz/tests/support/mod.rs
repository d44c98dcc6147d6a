//! Drives the quiz binary as a learner would: through stdin and stdout.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

pub const QUIZ: &str = env!("CARGO_BIN_EXE_quiz");

/// The small fixed bank the session tests use.
pub fn fixture_bank() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bank")
}

/// The real bank.
pub fn real_bank() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("questions")
}

/// A fresh empty folder under the system temp dir.
pub fn scratch(name: &str) -> PathBuf {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "quiz-test-{}-{name}-{}",
        std::process::id(),
        COUNT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("make a scratch folder");
    dir
}

/// Starts the quiz with piped stdio, no colour, and no state file from the
/// environment: a test always names its own.
fn spawn(args: &[&str]) -> Child {
    Command::new(QUIZ)
        .args(args)
        .env_remove("QUIZ_STATE")
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the quiz")
}

/// Runs the quiz on the fixture bank with a fresh state file, `extra`
/// arguments and `stdin` as its whole input.
pub fn run_fixture(extra: &[&str], stdin: &str) -> Output {
    let state = scratch("state").join("quiz.json");
    let bank = fixture_bank();
    let mut args = vec![
        "--bank",
        bank.to_str().unwrap(),
        "--state",
        state.to_str().unwrap(),
    ];
    args.extend(extra);
    run(&args, stdin)
}

/// Runs the quiz to completion with `stdin` as its whole input.
pub fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = spawn(args);
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("the quiz finishes")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// What the learner does with each question.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Play {
    Right,
    Wrong,
}

/// The right option's text for each choice question of the fixture bank.
pub fn fixture_answer(id: &str) -> &'static str {
    match id {
        "basics-header" => "Authorization",
        "basics-status" => "400",
        other => panic!("the fixture bank has no choice question {other}"),
    }
}

/// A live session: answers each prompt as `play` says, reading the options
/// on screen to find the right letter whatever the shuffle did.
pub struct Session {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: ChildStdout,
    pub transcript: String,
}

impl Session {
    pub fn start(args: &[&str]) -> Self {
        let mut child = spawn(args);
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout");
        Session {
            child,
            stdin,
            stdout,
            transcript: String::new(),
        }
    }

    /// Reads until the quiz waits for a line (its prompts end in ": "), or
    /// until it exits. Returns the text read, or None at the end.
    fn read_to_prompt(&mut self) -> Option<String> {
        let mut chunk = Vec::new();
        let mut byte = [0u8; 1];
        loop {
            match self.stdout.read(&mut byte) {
                Ok(0) | Err(_) => {
                    self.transcript += &text(&chunk);
                    return None;
                }
                Ok(_) => chunk.push(byte[0]),
            }
            if chunk.ends_with(b": ") {
                let last_line = chunk.rsplit(|&b| b == b'\n').next().unwrap_or_default();
                let last_line = text(last_line);
                if ["Your answer", "Answer it out loud", "Did your answer"]
                    .iter()
                    .any(|p| last_line.starts_with(p))
                {
                    let chunk = text(&chunk);
                    self.transcript += &chunk;
                    return Some(chunk);
                }
            }
        }
    }

    pub fn send(&mut self, line: &str) {
        // The quiz echoes what it reads, so the transcript shows it already.
        let stdin = self.stdin.as_mut().expect("stdin still open");
        writeln!(stdin, "{line}").expect("write an answer");
    }

    /// Closes stdin: the learner's input ends here.
    pub fn close_input(&mut self) {
        self.stdin = None;
    }

    /// Plays every question as `play(id)` says, until the session ends.
    pub fn play_all(&mut self, play: impl Fn(&str) -> Play) {
        let mut current_id = String::new();
        while let Some(chunk) = self.read_to_prompt() {
            if let Some(id) = chunk.lines().rev().find_map(header_id) {
                current_id = id;
            }
            let prompt = chunk.lines().last().unwrap_or_default().to_owned();
            if prompt.starts_with("Your answer") {
                let right = letter_of(&chunk, fixture_answer(&current_id));
                let letter = match play(&current_id) {
                    Play::Right => right,
                    Play::Wrong => {
                        if right == 'A' {
                            'B'
                        } else {
                            'A'
                        }
                    }
                };
                self.send(&letter.to_string());
            } else if prompt.starts_with("Answer it out loud") {
                self.send("");
            } else {
                let yes = play(&current_id) == Play::Right;
                self.send(if yes { "y" } else { "n" });
            }
        }
    }

    /// Waits for the exit and returns (transcript, stderr, success).
    pub fn finish(mut self) -> (String, String, bool) {
        self.stdin = None;
        let mut rest = String::new();
        let _ = self.stdout.read_to_string(&mut rest);
        self.transcript += &rest;
        let output = self.child.wait_with_output().expect("the quiz exits");
        (
            self.transcript,
            text(&output.stderr),
            output.status.success(),
        )
    }

    /// Reads to the next prompt, for tests that type by hand.
    pub fn next_prompt(&mut self) -> Option<String> {
        self.read_to_prompt()
    }
}

/// The id at the end of a `Question 1/3  [...]  id` header line.
fn header_id(line: &str) -> Option<String> {
    line.starts_with("Question ")
        .then(|| line.rsplit("  ").next().unwrap_or_default().to_owned())
}

/// The letter shown before the option whose text is `answer`.
pub fn letter_of(chunk: &str, answer: &str) -> char {
    chunk
        .lines()
        .filter_map(|line| line.trim_start().split_once(") "))
        .find(|(_, text)| *text == answer)
        .and_then(|(letter, _)| letter.chars().next())
        .unwrap_or_else(|| panic!("no option `{answer}` on screen:\n{chunk}"))
}
