//! `cargo quiz`: interview practice for the OAuth2 password flow with JWT.
//!
//! The question bank is TOML under `quiz/questions/`; see `quiz/README.md`
//! for its format and for where review progress is kept.

mod bank;
mod leitner;
mod select;
mod session;
mod ui;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use bank::{Difficulty, Kind, Question, STEPS};
use select::Filter;

const USAGE: &str = "usage: cargo quiz [COMMAND] [OPTIONS]

commands:
  (none)        a drill session: questions one at a time, then your score
  review        the questions that are due, by Leitner boxes kept between sessions
  check         validate the question bank; exit 1 on any fault
  list          topics, steps and how many questions each has
  export --json the whole bank as JSON

options:
  --step N          only questions about course step N (1-7)
  --topic T         only topic T (see `cargo quiz list`)
  --difficulty D    easy, medium or hard
  --kind K          choice or recall
  --count N         at most N questions (drill: 10, review: 20)
  --seed S          the same seed asks the same questions in the same order
  --bank DIR        another question folder (default: quiz/questions)
  --state FILE      where review progress lives (default: $QUIZ_STATE, else
                    $XDG_STATE_HOME or ~/.local/state, /axum-oauth2-course/quiz.json)
  --no-save         do not record this session's answers";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Drill,
    Review,
    Check,
    List,
    Export,
}

struct Args {
    command: Command,
    filter: Filter,
    count: Option<usize>,
    seed: Option<u64>,
    bank: PathBuf,
    state: Option<PathBuf>,
    save: bool,
}

fn parse_args() -> Result<Args, lexopt::Error> {
    use lexopt::prelude::*;
    let mut args = Args {
        command: Command::Drill,
        filter: Filter::default(),
        count: None,
        seed: None,
        bank: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/questions")),
        state: None,
        save: true,
    };
    let mut parser = lexopt::Parser::from_env();
    let mut command_given = false;
    while let Some(arg) = parser.next()? {
        match arg {
            Value(word) if !command_given => {
                command_given = true;
                args.command = match word.to_str() {
                    Some("review") => Command::Review,
                    Some("check") => Command::Check,
                    Some("list") => Command::List,
                    Some("export") => Command::Export,
                    _ => {
                        return Err(format!(
                            "unknown command {word:?}: use review, check, list or export"
                        )
                        .into());
                    }
                }
            }
            Long("step") => args.filter.step = Some(parser.value()?.parse()?),
            Long("topic") => args.filter.topic = Some(parser.value()?.string()?),
            Long("difficulty") => {
                args.filter.difficulty = Some(match parser.value()?.string()?.as_str() {
                    "easy" => Difficulty::Easy,
                    "medium" => Difficulty::Medium,
                    "hard" => Difficulty::Hard,
                    other => {
                        return Err(
                            format!("--difficulty {other}: use easy, medium or hard").into()
                        );
                    }
                })
            }
            Long("kind") => {
                args.filter.kind = Some(match parser.value()?.string()?.as_str() {
                    "choice" => Kind::Choice,
                    "recall" => Kind::Recall,
                    other => return Err(format!("--kind {other}: use choice or recall").into()),
                })
            }
            Long("count") => args.count = Some(parser.value()?.parse()?),
            Long("seed") => args.seed = Some(parser.value()?.parse()?),
            Long("bank") => args.bank = parser.value()?.into(),
            Long("state") => args.state = Some(parser.value()?.into()),
            Long("no-save") => args.save = false,
            Long("json") if args.command == Command::Export => {}
            Short('h') | Long("help") => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            _ => return Err(arg.unexpected()),
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("quiz: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let questions = match bank::load(&args.bank) {
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
    match args.command {
        Command::Check => {
            println!(
                "quiz: the bank is sound: {} questions in {}",
                questions.len(),
                args.bank.display()
            );
            ExitCode::SUCCESS
        }
        Command::List => {
            list(&questions);
            ExitCode::SUCCESS
        }
        Command::Export => {
            let json = serde_json::to_string_pretty(&questions).expect("questions serialise");
            println!("{json}");
            ExitCode::SUCCESS
        }
        Command::Drill | Command::Review => drill(&args, &questions),
    }
}

fn list(questions: &[Question]) {
    let mut topics: Vec<(&str, usize)> = Vec::new();
    for q in questions {
        match topics.iter_mut().find(|(t, _)| *t == q.topic) {
            Some((_, n)) => *n += 1,
            None => topics.push((&q.topic, 1)),
        }
    }
    println!("{} questions\n\ntopics (--topic):", questions.len());
    for (topic, n) in topics {
        println!("  {topic:<16} {n:>3}");
    }
    println!("\nsteps (--step):");
    for (step, module) in STEPS {
        let n = questions.iter().filter(|q| q.step == Some(step)).count();
        println!("  {step:>2} {module:<13} {n:>3}");
    }
    println!("\ndifficulty (--difficulty):");
    for d in [Difficulty::Easy, Difficulty::Medium, Difficulty::Hard] {
        let n = questions.iter().filter(|q| q.difficulty == d).count();
        println!("  {:<16} {n:>3}", format!("{d:?}").to_lowercase());
    }
    println!("\nkind (--kind):");
    for k in [Kind::Choice, Kind::Recall] {
        let n = questions.iter().filter(|q| q.kind == k).count();
        println!("  {:<16} {n:>3}", format!("{k:?}").to_lowercase());
    }
}

fn drill(args: &Args, questions: &[Question]) -> ExitCode {
    if let Some(step) = args.filter.step
        && !STEPS.iter().any(|(s, _)| *s == step)
    {
        eprintln!(
            "quiz: no step {step}; the course has steps 1 to {}",
            STEPS.len()
        );
        return ExitCode::from(2);
    }
    if let Some(topic) = &args.filter.topic
        && !questions.iter().any(|q| &q.topic == topic)
    {
        eprintln!("quiz: no topic `{topic}`; `cargo quiz list` shows the topics");
        return ExitCode::from(2);
    }
    let state_path = if args.save {
        args.state.clone().or_else(leitner::default_path)
    } else {
        None
    };
    let (mut state, warning) = match &state_path {
        Some(path) => leitner::load(path),
        None if args.save => (
            leitner::State::default(),
            Some(
                "no HOME, QUIZ_STATE or --state: this session's progress will not be saved"
                    .to_owned(),
            ),
        ),
        None => (leitner::State::default(), None),
    };
    if let Some(warning) = warning {
        eprintln!("quiz: warning: {warning}");
    }

    let seed = args.seed.unwrap_or_else(|| fastrand::u64(..1_000_000));
    let mut rng = fastrand::Rng::with_seed(seed);
    let review = args.command == Command::Review;
    let mut pool: Vec<&Question> = questions
        .iter()
        .filter(|q| args.filter.accepts(q))
        .collect();
    if review {
        // Each review is one Leitner session, counted even when nothing is
        // due, so that waiting cards come due.
        state.reviews += 1;
        if let Some(path) = &state_path
            && let Err(e) = leitner::save(&state, path)
        {
            eprintln!(
                "quiz: warning: could not save progress to {}: {e}",
                path.display()
            );
        }
        pool.retain(|q| state.is_due(&q.id));
    }
    let count = args.count.unwrap_or(if review { 20 } else { 10 });
    let mut chosen = select::pick(&pool, count, &mut rng);
    if review {
        // Weakest cards first; the shuffle above breaks ties.
        chosen.sort_by_key(|q| state.level(&q.id));
    }
    if chosen.is_empty() {
        let why = if review {
            "nothing is due for review: come back after a drill"
        } else {
            "no question matches those filters"
        };
        println!("quiz: {why}.");
        return ExitCode::SUCCESS;
    }

    let stdin = std::io::stdin().lock();
    let stdout = std::io::stdout().lock();
    let mut ui = ui::Ui::new(stdin, stdout, ui::colour_wanted(), ui::echo_wanted());
    let what = if review { "Review" } else { "Drill" };
    ui.say(&format!(
        "{what}: {} question(s), seed {seed} (rerun with --seed {seed} for the same session).",
        chosen.len()
    ));
    let mut save_failed = false;
    session::run(&mut ui, &chosen, &mut rng, |id, right| {
        state.record(id, right);
        if let Some(path) = &state_path
            && let Err(e) = leitner::save(&state, path)
            && !save_failed
        {
            save_failed = true;
            eprintln!(
                "quiz: warning: could not save progress to {}: {e}",
                path.display()
            );
        }
    });
    drop(ui);
    let _ = std::io::stdout().flush();
    ExitCode::SUCCESS
}
