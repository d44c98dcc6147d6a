//! How `cargo course` writes to a person: colour only on a terminal and
//! never under `NO_COLOR`, and a progress bar.

use std::io::IsTerminal;

use anstyle::{AnsiColor, Style as AnsiStyle};

use course_runner::progress::Status;
use course_runner::steps::Step;

#[derive(Debug, Clone, Copy)]
pub struct Ui {
    colour: bool,
    pub terminal: bool,
}

impl Ui {
    pub fn new() -> Self {
        let terminal = std::io::stdout().is_terminal();
        Self {
            colour: terminal && !anstyle_query::no_color(),
            terminal,
        }
    }

    fn paint(&self, style: AnsiStyle, text: &str) -> String {
        if self.colour {
            format!("{style}{text}{style:#}")
        } else {
            text.to_owned()
        }
    }

    pub fn green(&self, text: &str) -> String {
        self.paint(AnsiColor::Green.on_default(), text)
    }

    pub fn red(&self, text: &str) -> String {
        self.paint(AnsiColor::Red.on_default(), text)
    }

    pub fn yellow(&self, text: &str) -> String {
        self.paint(AnsiColor::Yellow.on_default(), text)
    }

    pub fn dim(&self, text: &str) -> String {
        self.paint(AnsiStyle::new().dimmed(), text)
    }

    pub fn bold(&self, text: &str) -> String {
        self.paint(AnsiStyle::new().bold(), text)
    }

    /// Clears the screen, on a terminal only.
    pub fn clear(&self) {
        if self.terminal {
            print!("\x1b[2J\x1b[H");
        }
    }

    /// `[#####.....] 5/15 steps done`
    pub fn progress_bar(&self, done: usize, total: usize) -> String {
        let width = 30;
        let filled = done * width / total.max(1);
        format!(
            "[{}{}] {done}/{total} steps done",
            self.green(&"#".repeat(filled)),
            self.dim(&".".repeat(width - filled))
        )
    }

    /// One line for a step: `05 token_route    failing: 3 of 15 tests (...)`.
    pub fn step_line(&self, step: &Step, status: &Status) -> String {
        let what = match status {
            Status::NotStarted => self.dim("not started"),
            Status::Done { tests } => self.green(&format!("done ({tests} tests)")),
            Status::Failing {
                failed,
                tests,
                first,
            } => format!(
                "{} ({first})",
                self.red(&format!("failing: {failed} of {tests} tests"))
            ),
            Status::DoesNotCompile { error } => {
                format!("{} ({error})", self.red("does not compile"))
            }
            Status::TimedOut => self.red("timed out: a test never finished"),
        };
        format!("  {:02} {:<15} {what}", step.number, step.module)
    }
}
