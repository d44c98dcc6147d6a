//! Drill, review and interview sessions: load progress, choose the
//! questions, ask them, and save each answer as it is given.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::args::{Args, Command};
use crate::clock::{self, from_now};
use crate::question::Question;
use crate::schedule::Mode;
use crate::state::State;
use crate::ui::{Style, Ui, stdin_is_terminal};
use crate::{interrupt, interview, select, session, state_file};

/// Where progress is read from and, when allowed, written to.
pub struct Progress {
    pub state: State,
    path: Option<PathBuf>,
    writable: bool,
    save_failed: bool,
}

impl Progress {
    /// Loads the state file (warning on stderr about anything odd).
    pub fn load(args: &Args, now: i64) -> Self {
        let path = args.state.clone().or_else(state_file::default_path);
        let Some(path) = path else {
            if args.save {
                eprintln!(
                    "quiz: warning: no HOME, QUIZ_STATE or --state: this session's progress will not be saved"
                );
            }
            return Self {
                state: State::default(),
                path: None,
                writable: false,
                save_failed: false,
            };
        };
        let loaded = state_file::load(&path, now);
        if let Some(warning) = loaded.warning {
            eprintln!("quiz: warning: {warning}");
        }
        Self {
            state: loaded.state,
            writable: loaded.writable && args.save,
            path: Some(path),
            save_failed: false,
        }
    }

    /// Records an answer and saves at once, so quitting loses nothing.
    fn record(&mut self, id: &str, mark: crate::schedule::Mark, mode: Mode) {
        self.state.record(id, mark, clock::now(), mode);
        let Some(path) = self.path.as_ref().filter(|_| self.writable) else {
            return;
        };
        if let Err(e) = state_file::save(&self.state, path)
            && !self.save_failed
        {
            self.save_failed = true;
            eprintln!(
                "quiz: warning: could not save progress to {}: {e}",
                path.display()
            );
        }
    }
}

pub fn run(args: &Args, questions: &[Question]) -> ExitCode {
    let now = clock::now();
    let mut progress = Progress::load(args, now);
    let seed = args.seed.unwrap_or_else(|| fastrand::u64(..1_000_000));
    let mut rng = fastrand::Rng::with_seed(seed);
    let pool: Vec<&Question> = questions
        .iter()
        .filter(|q| args.filter.accepts(q))
        .collect();
    let state = &progress.state;
    let (chosen, what) = match args.command {
        Command::Review => {
            let chosen = select::review(&pool, state, now, args.count.unwrap_or(20), &mut rng);
            let misses = chosen.iter().filter(|q| state.is_miss(&q.id)).count();
            let new = chosen
                .iter()
                .filter(|q| !state.cards.contains_key(&q.id))
                .count();
            let due = chosen.len() - misses - new;
            (
                chosen,
                format!("Review ({misses} missed, {due} due, {new} new)"),
            )
        }
        Command::Interview => (
            interview::choose(&pool, args.count.unwrap_or(10), &mut rng),
            "Mock interview".to_owned(),
        ),
        _ if args.misses => {
            let mut chosen = select::misses(&pool, state, &mut rng);
            chosen.truncate(args.count.unwrap_or(usize::MAX));
            (chosen, "Drill of your misses".to_owned())
        }
        _ => (
            select::pick(&pool, args.count.unwrap_or(10), &mut rng),
            "Drill".to_owned(),
        ),
    };
    if chosen.is_empty() {
        println!("quiz: {}.", nothing_to_ask(args, &pool, state, now));
        return ExitCode::SUCCESS;
    }

    interrupt::install();
    let style = Style::for_stdout();
    let on_terminal = stdin_is_terminal();
    let mut ui = Ui::new(
        std::io::stdin().lock(),
        std::io::stdout(),
        style,
        !on_terminal,
        on_terminal,
    );
    ui.say(&format!(
        "{what}: {} question(s), seed {seed} (--seed {seed} replays it).",
        chosen.len()
    ));
    if args.command == Command::Interview {
        ui.say("Open questions: type your answer as you would say it (an empty line ends it), read the model answer, tick the key points you covered. Code questions: pick a letter.");
        interview::run(&mut ui, &chosen, questions, &mut rng, |id, mark| {
            progress.record(id, mark, Mode::Drill)
        });
    } else {
        let mode = if args.command == Command::Review {
            Mode::Review
        } else {
            Mode::Drill
        };
        session::run(&mut ui, &chosen, &mut rng, |id, mark| {
            progress.record(id, mark, mode)
        });
    }
    drop(ui);
    let _ = std::io::stdout().flush();
    ExitCode::SUCCESS
}

fn nothing_to_ask(args: &Args, pool: &[&Question], state: &State, now: i64) -> String {
    match args.command {
        Command::Review => {
            let next = pool
                .iter()
                .filter_map(|q| state.cards.get(&q.id))
                .map(|c| c.due)
                .min();
            match next {
                Some(due) => format!(
                    "nothing is due for review; the next question is due {}",
                    from_now(due - now)
                ),
                None => "nothing to review: no question matches those filters".into(),
            }
        }
        Command::Interview => "no recall or code question matches those filters".into(),
        _ if args.misses => {
            "no misses to drill: your last answer to every question was right".into()
        }
        _ => "no question matches those filters".into(),
    }
}
