//! Drives the quiz binary as a learner would: through stdin and stdout.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Output, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

pub const QUIZ: &str = env!("CARGO_BIN_EXE_quiz");

/// The clock every test runs at unless it says otherwise (QUIZ_NOW).
pub const NOW: i64 = 1_700_000_000;
pub const DAY: i64 = 86_400;

/// The small fixed bank the session tests use: every kind, two topics.
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

/// Starts the quiz with piped stdio, no colour, the clock at `now`, and no
/// state file from the environment: a test always names its own.
fn spawn(args: &[&str], now: i64) -> Child {
    Command::new(QUIZ)
        .args(args)
        .env_remove("QUIZ_STATE")
        .env("NO_COLOR", "1")
        .env("QUIZ_NOW", now.to_string())
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
    run(&fixture_args(&state, extra), stdin)
}

/// `--bank <fixture> --state <state>` and `extra`, as owned strings.
pub fn fixture_args(state: &Path, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    args.extend([
        "--bank".into(),
        fixture_bank().display().to_string(),
        "--state".into(),
        state.display().to_string(),
    ]);
    args
}

/// Runs the quiz to completion with `stdin` as its whole input, at `NOW`.
pub fn run<S: AsRef<str>>(args: &[S], stdin: &str) -> Output {
    run_at(args, stdin, NOW)
}

pub fn run_at<S: AsRef<str>>(args: &[S], stdin: &str, now: i64) -> Output {
    let args: Vec<&str> = args.iter().map(AsRef::as_ref).collect();
    let mut child = spawn(&args, now);
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

/// The fixture bank as the quiz exports it.
pub fn fixture_questions() -> &'static [serde_json::Value] {
    static QUESTIONS: OnceLock<Vec<serde_json::Value>> = OnceLock::new();
    QUESTIONS.get_or_init(|| {
        let bank = fixture_bank().display().to_string();
        let output = run(&["export", "--json", "--bank", &bank], "");
        assert!(output.status.success(), "{}", text(&output.stderr));
        serde_json::from_slice(&output.stdout).expect("export prints JSON")
    })
}

/// The right options' texts of a fixture question, in the right order.
pub fn right_texts(id: &str) -> Vec<String> {
    let q = fixture_questions()
        .iter()
        .find(|q| q["id"] == id)
        .unwrap_or_else(|| panic!("the fixture bank has no question {id}"));
    let options: Vec<String> = q["options"]
        .as_array()
        .map(|o| o.iter().map(|o| o.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default();
    if q["kind"] == "order" {
        return options;
    }
    let answer = q["answer"].as_str().unwrap_or_default();
    answer
        .chars()
        .filter_map(|c| "ABCDEF".find(c))
        .map(|i| options[i].clone())
        .collect()
}

/// What the learner does with each question.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Play {
    Right,
    Wrong,
}

/// The prompts the quiz waits at, by how their line starts.
const PROMPTS: [&str; 5] = [
    "Your answer",
    "Your order",
    "Type your answer",
    "(more",
    "Mark each point",
];

/// A live session: answers each prompt as `play` says, reading the options
/// on screen to find the right letters whatever the shuffle did.
pub struct Session {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: ChildStdout,
    pub transcript: String,
}

impl Session {
    pub fn start<S: AsRef<str>>(args: &[S]) -> Self {
        Self::start_at(args, NOW)
    }

    pub fn start_at<S: AsRef<str>>(args: &[S], now: i64) -> Self {
        let args: Vec<&str> = args.iter().map(AsRef::as_ref).collect();
        let mut child = spawn(&args, now);
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout");
        Session {
            child,
            stdin,
            stdout,
            transcript: String::new(),
        }
    }

    /// Reads until the quiz waits for a line (one of its prompts), or until
    /// it exits. Returns the text read, or None at the end.
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
                if PROMPTS.iter().any(|p| last_line.starts_with(p)) {
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

    /// Sends SIGINT, as Ctrl-C on a terminal does.
    pub fn interrupt(&mut self) {
        let status = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -INT failed");
    }

    /// Plays every question as `play(id)` says, until the session ends.
    pub fn play_all(&mut self, play: impl Fn(&str) -> Play) {
        let mut current_id = String::new();
        let mut screen = String::new();
        while let Some(chunk) = self.read_to_prompt() {
            if let Some(id) = chunk.lines().rev().find_map(header_id) {
                current_id = id;
                screen.clear();
            }
            screen += &chunk;
            let prompt = chunk.lines().last().unwrap_or_default().to_owned();
            let right = play(&current_id) == Play::Right;
            let answer = answer_for(&prompt, &screen, &current_id, right);
            self.send(&answer);
        }
    }

    /// Waits for the exit and returns (transcript, stderr, success).
    pub fn finish(self) -> (String, String, bool) {
        let (transcript, stderr, code) = self.finish_with_code();
        (transcript, stderr, code == Some(0))
    }

    /// Waits for the exit and returns (transcript, stderr, exit code).
    pub fn finish_with_code(mut self) -> (String, String, Option<i32>) {
        self.stdin = None;
        let mut rest = String::new();
        let _ = self.stdout.read_to_string(&mut rest);
        self.transcript += &rest;
        let output = self.child.wait_with_output().expect("the quiz exits");
        (self.transcript, text(&output.stderr), output.status.code())
    }

    /// After `interrupt`: waits for the exit with stdin still open, so that
    /// the end of input cannot end the session first. Returns (transcript,
    /// exit code).
    pub fn finish_interrupted(mut self) -> (String, Option<i32>) {
        let mut rest = String::new();
        let _ = self.stdout.read_to_string(&mut rest);
        self.transcript += &rest;
        let status = self.child.wait().expect("the quiz exits");
        (self.transcript, status.code())
    }

    /// Reads to the next prompt, for tests that type by hand.
    pub fn next_prompt(&mut self) -> Option<String> {
        self.read_to_prompt()
    }
}

/// The line to type at `prompt`, right or wrong, given what is on `screen`.
fn answer_for(prompt: &str, screen: &str, id: &str, right: bool) -> String {
    if prompt.starts_with("Mark each point") {
        // One mark a key point: count the numbered points on screen.
        let points = screen.rsplit("Key points:").next().unwrap_or("");
        let n = (1..)
            .take_while(|k| points.contains(&format!("\n  {k}) ")))
            .count();
        let mark = if right { "c" } else { "m" };
        return vec![mark; n].join(" ");
    }
    if !prompt.starts_with("Your answer (") && !prompt.starts_with("Your order") {
        // The recall answer prompts: answer out loud.
        return String::new();
    }
    let letters: String = right_texts(id)
        .iter()
        .map(|t| letter_of(screen, t))
        .collect();
    if prompt.starts_with("Your answer (A-D") {
        let first = letters.chars().next().unwrap();
        let wrong = if first == 'A' { 'B' } else { 'A' };
        return if right { first } else { wrong }.to_string();
    }
    if prompt.starts_with("Your answer (every letter") {
        // Half-informed: one of the right letters only.
        return if right {
            letters
        } else {
            letters[..1].to_owned()
        };
    }
    // An order question: the letters first to last.
    if right {
        letters
    } else {
        letters.chars().rev().collect()
    }
}

/// The id at the end of a `Question 1/3  [...]  id` header line.
fn header_id(line: &str) -> Option<String> {
    (line.starts_with("Question ")
        || line.starts_with("Interview question ")
        || line.starts_with("Follow-up to "))
    .then(|| line.rsplit("  ").next().unwrap_or_default().to_owned())
}

/// The letter shown before the option whose text is `answer`.
pub fn letter_of(screen: &str, answer: &str) -> char {
    screen
        .lines()
        .filter_map(|line| line.trim_start().split_once(") "))
        .find(|(_, text)| *text == answer)
        .and_then(|(letter, _)| letter.chars().next())
        .unwrap_or_else(|| panic!("no option `{answer}` on screen:\n{screen}"))
}
