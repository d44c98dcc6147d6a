//! `cargo course`: the learner's loop (status, test, watch, hint, solution,
//! reset, serve) and the instructor's tools.
//!
//! It never links the course library: it drives cargo and the test
//! binaries as subprocesses, so a half-written step cannot stop it from
//! building.

mod course;
mod edition;
mod grade;
mod gradebook;
mod hint;
mod reset;
mod serve;
mod solution;
mod status;
mod test;
mod ui;
mod watch;

use std::process::ExitCode;

use crate::course::Course;

const USAGE: &str = "usage: cargo course [COMMAND] [--json]

learner:
  (none)          every step's status, a progress bar, and what to do next
  test [N]        step N's tests (default: the current step), built without the
                  later steps, so an unfinished later file cannot break it
  watch           re-run the current step on every save under exercises/
  hint [N]        one more hint for step N (the stage reached is remembered)
  solution N      after asking, your file against the reference (--yes to skip asking)
  reset N         put step N's stub back; your version is kept beside it
  serve [N] [-- SERVER ARGS]
                  run your server (the last step done, or step N) as the tests built it

instructor:
  grade DIR... [--json FILE] [--csv FILE] [--canvas FILE] [--moodle FILE]
        [--points grading.toml] [--steps A-B] [--jobs N] [--fresh] [--no-sandbox]
                  grade learners' checkouts: only their exercises/*.rs, with this
                  course's own tests, in a sandbox (bubblewrap); a table, JSON
                  (per test), CSV, and gradebook imports (docs/grading.md).
                  A learner unchanged since the last grade keeps it (--fresh: not)
  student-edition OUT
                  write the course without its reference solutions or history

--json            machine-readable output, for editors and scripts
Progress is kept in target/course/progress.json.";

struct Args {
    command: String,
    values: Vec<String>,
    json: bool,
    json_file: Option<std::path::PathBuf>,
    csv_file: Option<std::path::PathBuf>,
    canvas_file: Option<std::path::PathBuf>,
    moodle_file: Option<std::path::PathBuf>,
    points_file: Option<std::path::PathBuf>,
    jobs: usize,
    fresh: bool,
    steps: Option<String>,
    yes: bool,
    no_sandbox: bool,
}

fn parse() -> Result<Args, lexopt::Error> {
    use lexopt::prelude::*;
    let mut args = Args {
        command: String::new(),
        values: Vec::new(),
        json: false,
        json_file: None,
        csv_file: None,
        canvas_file: None,
        moodle_file: None,
        points_file: None,
        jobs: 1,
        fresh: false,
        steps: None,
        yes: false,
        no_sandbox: false,
    };
    let mut parser = lexopt::Parser::from_env();
    while let Some(arg) = parser.next()? {
        match arg {
            // `grade` writes its JSON to a file; everything else prints it.
            Long("json") if args.command == "grade" => {
                args.json_file = Some(parser.value()?.into())
            }
            Long("json") => args.json = true,
            Long("csv") => args.csv_file = Some(parser.value()?.into()),
            Long("canvas") => args.canvas_file = Some(parser.value()?.into()),
            Long("moodle") => args.moodle_file = Some(parser.value()?.into()),
            Long("points") => args.points_file = Some(parser.value()?.into()),
            Long("jobs") | Short('j') => args.jobs = parser.value()?.parse()?,
            Long("fresh") => args.fresh = true,
            Long("steps") => args.steps = Some(parser.value()?.string()?),
            Long("yes") | Short('y') => args.yes = true,
            Long("no-sandbox") => args.no_sandbox = true,
            Short('h') | Long("help") => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            Value(value) if args.command.is_empty() => args.command = value.string()?,
            Value(value) => args.values.push(value.string()?),
            _ => return Err(arg.unexpected()),
        }
    }
    if args.command.is_empty() {
        args.command = "status".to_owned();
    }
    Ok(args)
}

/// The step number a command was given, if any.
fn number(args: &Args) -> Result<Option<usize>, String> {
    args.values
        .first()
        .map(|n| {
            n.parse::<usize>()
                .map_err(|_| format!("{n:?} is not a step number"))
        })
        .transpose()
}

fn main() -> ExitCode {
    let args = match parse() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("course: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut course = Course::open(args.json);
    let code = match (args.command.as_str(), number(&args)) {
        ("grade", _) => {
            let steps = match args.steps.as_deref().map(grade::parse_steps).transpose() {
                Ok(steps) => steps.unwrap_or_else(|| course_runner::steps::STEPS.to_vec()),
                Err(e) => {
                    eprintln!("course grade: {e}");
                    return ExitCode::from(2);
                }
            };
            let options = grade::Options {
                learners: args.values.iter().map(Into::into).collect(),
                json: args.json_file,
                csv: args.csv_file,
                canvas: args.canvas_file,
                moodle: args.moodle_file,
                points: args.points_file,
                steps,
                no_sandbox: args.no_sandbox,
                jobs: args.jobs,
                fresh: args.fresh,
            };
            grade::run(&course, options)
        }
        ("student-edition", _) => edition::run(&course, args.values.first().map(Into::into)),
        ("serve", _) => {
            let (step, rest) = match args.values.split_first() {
                Some((first, rest)) if first.parse::<usize>().is_ok() => (first.parse().ok(), rest),
                _ => (None, &args.values[..]),
            };
            serve::run(&mut course, step, rest)
        }
        (_, Err(e)) => {
            eprintln!("course {}: {e}", args.command);
            2
        }
        ("status", Ok(_)) => status::run(&mut course),
        ("test", Ok(n)) => test::run(&mut course, n),
        ("watch", Ok(_)) => watch::run(&mut course),
        ("hint", Ok(n)) => hint::run(&mut course, n),
        ("solution", Ok(n)) => solution::run(&mut course, n, args.yes),
        ("reset", Ok(n)) => reset::run(&mut course, n),
        ("help", _) => {
            println!("{USAGE}");
            0
        }
        (other, _) => {
            eprintln!("course: unknown command {other:?}\n{USAGE}");
            2
        }
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
