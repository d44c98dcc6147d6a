//! Line-by-line terminal I/O: prompts on stdout, answers from stdin, colour
//! only on a terminal and never under `NO_COLOR`.

use std::io::{BufRead, Write};

pub struct Ui<R, W> {
    input: R,
    output: W,
    colour: bool,
    /// Repeat each answer after its prompt: when input is piped, nothing
    /// else shows it, and a transcript should read like a session.
    echo: bool,
}

/// What the learner typed, or the end of input.
pub enum Line {
    Text(String),
    End,
}

impl<R: BufRead, W: Write> Ui<R, W> {
    pub fn new(input: R, output: W, colour: bool, echo: bool) -> Self {
        Self {
            input,
            output,
            colour,
            echo,
        }
    }

    /// Prints `text` and a newline. A closed stdout is not worth a panic.
    pub fn say(&mut self, text: &str) {
        let _ = writeln!(self.output, "{text}");
    }

    /// Prints `prompt` with no newline and reads one line.
    pub fn ask(&mut self, prompt: &str) -> Line {
        let _ = write!(self.output, "{prompt}");
        let _ = self.output.flush();
        let mut line = String::new();
        match self.input.read_line(&mut line) {
            Ok(0) | Err(_) => {
                // End the prompt's line so that what follows starts clean.
                let _ = writeln!(self.output);
                Line::End
            }
            Ok(_) => {
                let line = line.trim().to_owned();
                if self.echo {
                    let _ = writeln!(self.output, "{line}");
                }
                Line::Text(line)
            }
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    pub fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }

    pub fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }

    pub fn good(&self, text: &str) -> String {
        self.paint("32", text)
    }

    pub fn bad(&self, text: &str) -> String {
        self.paint("31", text)
    }
}

/// Colour when stdout is a terminal and `NO_COLOR` is unset or empty.
pub fn colour_wanted() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Echo answers when stdin is not a terminal (a terminal echoes them itself).
pub fn echo_wanted() -> bool {
    use std::io::IsTerminal;
    !std::io::stdin().is_terminal()
}

/// `text` with every line indented by `by` spaces.
pub fn indent(text: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    text.lines()
        .map(|line| {
            if line.is_empty() {
                String::new()
            } else {
                format!("{pad}{line}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
