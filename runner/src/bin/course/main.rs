//! `cargo course`: the learner's loop (status, test, watch, hint, solution,
//! reset, serve) and the instructor's tools.
//!
//! It never links the course library: it drives cargo and the test
//! binaries as subprocesses, so a half-written step cannot stop it from
//! building.

mod course;
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
  test [N]        step N's tests (default: the current step), later steps swapped
                  for the reference so an unfinished later file cannot break it
  watch           re-run the current step on every save under exercises/
  hint [N]        one more hint for step N (the stage reached is remembered)
  solution N      after asking, your file against the reference (--yes to skip asking)
  reset N         put step N's stub back; your version is kept beside it
  serve [N] [-- SERVER ARGS]
                  run your server (the last step done, or step N) as the tests built it

--json            machine-readable output, for editors and scripts
Progress is kept in target/course/progress.json.";

struct Args {
    command: String,
    number: Option<usize>,
    json: bool,
    yes: bool,
    rest: Vec<String>,
}

fn parse() -> Result<Args, lexopt::Error> {
    use lexopt::prelude::*;
    let mut args = Args {
        command: "status".to_owned(),
        number: None,
        json: false,
        yes: false,
        rest: Vec::new(),
    };
    let mut parser = lexopt::Parser::from_env();
    let mut positional = 0;
    while let Some(arg) = parser.next()? {
        match arg {
            Long("json") => args.json = true,
            Long("yes") | Short('y') => args.yes = true,
            Short('h') | Long("help") => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            Value(value) if positional == 0 => {
                args.command = value.string()?;
                positional += 1;
            }
            Value(value) if positional == 1 => {
                args.number = Some(value.parse()?);
                positional += 1;
            }
            Value(value) if args.command == "serve" => args.rest.push(value.string()?),
            _ => return Err(arg.unexpected()),
        }
    }
    args.rest
        .extend(parser.raw_args()?.filter_map(|a| a.into_string().ok()));
    Ok(args)
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
    let code = match args.command.as_str() {
        "status" => status::run(&mut course),
        "test" => test::run(&mut course, args.number),
        "watch" => watch::run(&mut course),
        "hint" => hint::run(&mut course, args.number),
        "solution" => solution::run(&mut course, args.number, args.yes),
        "reset" => reset::run(&mut course, args.number),
        "serve" => serve::run(&mut course, args.number, &args.rest),
        "help" => {
            println!("{USAGE}");
            0
        }
        other => {
            eprintln!("course: unknown command {other:?}\n{USAGE}");
            2
        }
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
