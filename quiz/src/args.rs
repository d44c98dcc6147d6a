//! The command line.

use std::path::PathBuf;

use course_steps::LAST_STEP;

use crate::question::{Difficulty, Kind, steps};
use crate::select::Filter;

/// The quiz's help, its step numbers from steps.toml.
pub fn usage() -> String {
    format!(
        "usage: cargo quiz [COMMAND] [OPTIONS]

commands:
  (none)         a drill: random questions one at a time, then your score
  review         spaced repetition: your misses first, then what is due, then new questions
  interview      a mock interview: 8 to 10 open and code questions, then a report by topic
  stats          per topic and step: seen, accuracy, due; your three weakest topics
  check          validate the question bank and its lints; exit 1 on any fault
  list           the bank's counts by topic, step, difficulty and kind (honours the filters)
  export --json  the whole bank as JSON
  help           this text

options:
  --step N          only questions about course step N (1-{LAST_STEP})
  --topic T         only topic T (see `cargo quiz list`)
  --difficulty D    easy, medium or hard
  --kind K          choice, multi, order, code or recall
  --misses          drill only the questions whose last answer was wrong
  --count N         at most N questions (drill: 10, review: 20, interview: 10)
  --seed S          the same seed asks the same questions in the same order
  --bank DIR        another question folder (default: quiz/questions)
  --state FILE      where progress lives (default: $QUIZ_STATE, else
                    $XDG_STATE_HOME or ~/.local/state, /axum-oauth2-course/quiz.json)
  --no-save         do not record this session's answers
  -V, --version     the quiz's version"
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Drill,
    Review,
    Interview,
    Stats,
    Check,
    List,
    Export,
    Help,
    Version,
}

pub struct Args {
    pub command: Command,
    pub filter: Filter,
    pub misses: bool,
    pub count: Option<usize>,
    pub seed: Option<u64>,
    pub bank: PathBuf,
    pub state: Option<PathBuf>,
    pub save: bool,
}

pub fn parse() -> Result<Args, String> {
    parse_from(lexopt::Parser::from_env())
}

fn parse_from(mut parser: lexopt::Parser) -> Result<Args, String> {
    use lexopt::prelude::*;
    let mut args = Args {
        command: Command::Drill,
        filter: Filter::default(),
        misses: false,
        count: None,
        seed: None,
        bank: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/questions")),
        state: None,
        save: true,
    };
    let mut command_given = false;
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        match arg {
            Value(word) if !command_given => {
                command_given = true;
                let word = word.to_string_lossy().to_lowercase();
                args.command = match word.as_str() {
                    "drill" => Command::Drill,
                    "review" => Command::Review,
                    "interview" => Command::Interview,
                    "stats" => Command::Stats,
                    "check" => Command::Check,
                    "list" => Command::List,
                    "export" => Command::Export,
                    "help" => Command::Help,
                    _ => {
                        return Err(format!(
                            "unknown command `{word}`: use review, interview, stats, check, list, export or help"
                        ));
                    }
                }
            }
            Long("step") => {
                let text = value(&mut parser, "--step")?;
                args.filter.step = Some(
                    text.trim()
                        .parse()
                        .ok()
                        .filter(|n| steps().any(|(s, _)| s == *n))
                        .ok_or_else(|| {
                            format!(
                                "--step: `{text}` is not a course step; use a number from 1 to {LAST_STEP}"
                            )
                        })?,
                );
            }
            Long("topic") => {
                args.filter.topic = Some(value(&mut parser, "--topic")?.to_lowercase())
            }
            Long("difficulty") => {
                let text = value(&mut parser, "--difficulty")?;
                args.filter.difficulty = Some(Difficulty::parse(&text).ok_or_else(|| {
                    format!("--difficulty: `{text}` is not one of easy, medium, hard")
                })?);
            }
            Long("kind") => {
                let text = value(&mut parser, "--kind")?;
                args.filter.kind = Some(Kind::parse(&text).ok_or_else(|| {
                    format!("--kind: `{text}` is not one of choice, multi, order, code, recall")
                })?);
            }
            Long("count") => {
                let text = value(&mut parser, "--count")?;
                args.count = Some(
                    text.trim()
                        .parse()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| format!("--count: `{text}` is not a positive number"))?,
                );
            }
            Long("seed") => {
                let text = value(&mut parser, "--seed")?;
                args.seed = Some(
                    text.trim()
                        .parse()
                        .map_err(|_| format!("--seed: `{text}` is not a whole number"))?,
                );
            }
            Long("bank") => args.bank = value(&mut parser, "--bank")?.into(),
            Long("state") => args.state = Some(value(&mut parser, "--state")?.into()),
            Long("misses") => args.misses = true,
            Long("no-save") => args.save = false,
            Long("json") if args.command == Command::Export => {}
            Short('h') | Long("help") => args.command = Command::Help,
            Short('V') | Long("version") => args.command = Command::Version,
            other => return Err(other.unexpected().to_string()),
        }
    }
    Ok(args)
}

fn value(parser: &mut lexopt::Parser, flag: &str) -> Result<String, String> {
    parser
        .value()
        .map_err(|_| format!("{flag} needs a value"))?
        .into_string()
        .map_err(|_| format!("{flag}: the value is not valid UTF-8"))
}
