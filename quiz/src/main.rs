//! `cargo quiz`: interview practice for the OAuth2 password flow with JWT.
//!
//! The question bank is TOML under `quiz/questions/`; see `quiz/README.md`
//! for its format, the lints, review and where progress is kept.

mod args;
mod ask;
mod clock;
mod interrupt;
mod interview;
mod lint;
mod load;
mod practice;
mod question;
mod report;
mod schedule;
mod select;
mod session;
mod state;
mod state_file;
mod stats;
mod tells;
mod ui;
mod validate;

use std::process::ExitCode;

use args::{Args, Command, usage};
use question::Question;

fn main() -> ExitCode {
    let args = match args::parse() {
        Ok(args) => args,
        Err(e) => return usage_error(&e),
    };
    match args.command {
        Command::Help => {
            println!("{}", usage());
            return ExitCode::SUCCESS;
        }
        Command::Version => {
            println!("quiz {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        _ => {}
    }
    if args.misses && args.command != Command::Drill {
        return usage_error("--misses is for a drill: `cargo quiz --misses`");
    }
    let questions = match load::load(&args.bank) {
        Ok(questions) => questions,
        Err(faults) => {
            for fault in &faults {
                eprintln!("{fault}");
            }
            eprintln!(
                "quiz: the bank has {} fault(s); fix them and run `cargo quiz check`",
                faults.len()
            );
            return ExitCode::FAILURE;
        }
    };
    if let Some(topic) = &args.filter.topic
        && !questions
            .iter()
            .any(|q| q.topic.eq_ignore_ascii_case(topic))
    {
        let mut topics: Vec<&str> = questions.iter().map(|q| q.topic.as_str()).collect();
        topics.dedup();
        return usage_error(&format!(
            "--topic: no topic `{topic}`; the topics are {}",
            topics.join(", ")
        ));
    }
    match args.command {
        Command::Check => check(&args, &questions),
        Command::List => {
            let chosen: Vec<&Question> = questions
                .iter()
                .filter(|q| args.filter.accepts(q))
                .collect();
            print!(
                "{}",
                report::list(&questions, &chosen, !args.filter.is_empty())
            );
            ExitCode::SUCCESS
        }
        Command::Export => {
            let json = serde_json::to_string_pretty(&questions).expect("questions serialise");
            println!("{json}");
            ExitCode::SUCCESS
        }
        Command::Stats => {
            let now = clock::now();
            let progress = practice::Progress::load(&args, now);
            let chosen: Vec<&Question> = questions
                .iter()
                .filter(|q| args.filter.accepts(q))
                .collect();
            print!("{}", stats::render(&chosen, &progress.state, now));
            ExitCode::SUCCESS
        }
        _ => practice::run(&args, &questions),
    }
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("quiz: {message}\n(`cargo quiz help` lists the commands and options)");
    ExitCode::from(2)
}

/// The lints on a bank that loaded: every fault, then a verdict.
fn check(args: &Args, questions: &[Question]) -> ExitCode {
    let faults = lint::lint(&args.bank, questions);
    for fault in &faults {
        eprintln!("{fault}");
    }
    if !faults.is_empty() {
        eprintln!(
            "quiz: the bank has {} fault(s); fix them and run `cargo quiz check`",
            faults.len()
        );
        return ExitCode::FAILURE;
    }
    println!(
        "quiz: the bank is sound: {} questions in {} (`cargo quiz list` counts them)",
        questions.len(),
        args.bank.display()
    );
    ExitCode::SUCCESS
}
