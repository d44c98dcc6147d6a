//! Line-by-line terminal I/O: prompts on stdout, answers from stdin, text
//! wrapped to the terminal (80 columns when not one), colour only on a
//! terminal and never under `NO_COLOR`.

use std::io::{BufRead, Write};

/// How text is drawn: colour or not, and the width to wrap to.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub colour: bool,
    pub width: usize,
}

impl Style {
    /// Colour and width for stdout: colour on a terminal unless `NO_COLOR`,
    /// its width (at least 40), or 80 columns when it is not a terminal.
    pub fn for_stdout() -> Self {
        use std::io::IsTerminal;
        let stdout = std::io::stdout();
        let colour = stdout.is_terminal() && !anstyle_query::no_color();
        let width =
            terminal_size::terminal_size_of(&stdout).map_or(80, |(w, _)| usize::from(w.0).max(40));
        Self { colour, width }
    }

    fn paint(&self, style: anstyle::Style, text: &str) -> String {
        if self.colour {
            format!("{style}{text}{style:#}")
        } else {
            text.to_owned()
        }
    }

    pub fn bold(&self, text: &str) -> String {
        self.paint(anstyle::Style::new().bold(), text)
    }

    pub fn dim(&self, text: &str) -> String {
        self.paint(anstyle::Style::new().dimmed(), text)
    }

    pub fn good(&self, text: &str) -> String {
        self.paint(anstyle::AnsiColor::Green.on_default(), text)
    }

    pub fn bad(&self, text: &str) -> String {
        self.paint(anstyle::AnsiColor::Red.on_default(), text)
    }

    /// `text` wrapped to the width, its first line after `first` and the
    /// others after `rest`; the line breaks it already has are kept. Code
    /// between backticks is never broken, nor is a word longer than the
    /// width (a URL stays whole, so it can be clicked): such a line runs
    /// past the width instead.
    pub fn wrap(&self, text: &str, first: &str, rest: &str) -> String {
        let options = textwrap::Options::new(self.width)
            .initial_indent(first)
            .subsequent_indent(rest)
            .break_words(false)
            .word_separator(textwrap::WordSeparator::Custom(words_keeping_code));
        text.lines()
            .enumerate()
            .map(|(i, line)| {
                if line.trim().is_empty() {
                    String::new()
                } else if i == 0 {
                    textwrap::fill(line, &options)
                } else {
                    textwrap::fill(line, options.clone().initial_indent(rest))
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// A line's words for wrapping: split at spaces, but never inside a
/// `code span`, which stays one word.
fn words_keeping_code(line: &str) -> Box<dyn Iterator<Item = textwrap::core::Word<'_>> + '_> {
    let mut words = Vec::new();
    let mut start = 0;
    let mut in_code = false;
    let mut chars = line.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '`' => in_code = !in_code,
            ' ' if !in_code => {
                // The word ends with its run of spaces.
                let mut end = at + 1;
                while let Some(&(next, ' ')) = chars.peek() {
                    end = next + 1;
                    chars.next();
                }
                words.push(textwrap::core::Word::from(&line[start..end]));
                start = end;
            }
            _ => {}
        }
    }
    if start < line.len() {
        words.push(textwrap::core::Word::from(&line[start..]));
    }
    Box::new(words.into_iter())
}

pub struct Ui<R, W> {
    input: R,
    output: W,
    pub style: Style,
    /// Repeat each answer after its prompt: when input is piped, nothing
    /// else shows it, and a transcript should read like a session.
    echo: bool,
    /// On a terminal, throw away what was typed before the question showed.
    discard_typeahead: bool,
    question_shown: bool,
}

/// What the learner typed, or the end of input.
pub enum Line {
    Text(String),
    End,
}

impl<R: BufRead, W: Write> Ui<R, W> {
    pub fn new(input: R, output: W, style: Style, echo: bool, discard_typeahead: bool) -> Self {
        Self {
            input,
            output,
            style,
            echo,
            discard_typeahead,
            question_shown: false,
        }
    }

    /// Prints `text` wrapped, and a newline; a line's continuation keeps
    /// its indent, two deeper. A closed stdout is not worth a panic.
    pub fn say(&mut self, text: &str) {
        for line in text.split('\n') {
            let indent = line.len() - line.trim_start().len();
            let rest = if indent == 0 {
                String::new()
            } else {
                " ".repeat(indent + 2)
            };
            let line = self.style.wrap(line, "", &rest);
            let _ = writeln!(self.output, "{line}");
        }
    }

    /// Prints `text` wrapped under a hanging indent: `first` then `rest`.
    pub fn say_hanging(&mut self, text: &str, first: &str, rest: &str) {
        let text = self.style.wrap(text, first, rest);
        let _ = writeln!(self.output, "{text}");
    }

    /// Prints `text` as it is: code keeps its lines.
    pub fn say_verbatim(&mut self, text: &str) {
        let _ = writeln!(self.output, "{text}");
    }

    /// Marks a new question as shown: what was typed before now is not an
    /// answer to it.
    pub fn question_shown(&mut self) {
        self.question_shown = true;
    }

    /// Prints `prompt` with no newline and reads one line.
    pub fn ask(&mut self, prompt: &str) -> Line {
        let _ = write!(self.output, "{prompt}");
        let _ = self.output.flush();
        if std::mem::take(&mut self.question_shown) && self.discard_typeahead {
            discard_typeahead();
        }
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
}

/// Drops input the terminal holds but nobody has read yet.
#[cfg(unix)]
fn discard_typeahead() {
    let _ = rustix::termios::tcflush(std::io::stdin(), rustix::termios::QueueSelector::IFlush);
}

#[cfg(not(unix))]
fn discard_typeahead() {}

/// Echo answers when stdin is not a terminal (a terminal echoes them
/// itself), and discard typed-ahead input only on a terminal: piped input
/// is the whole session, written in advance on purpose.
pub fn stdin_is_terminal() -> bool {
    use std::io::IsTerminal;
    std::io::stdin().is_terminal()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn narrow() -> Style {
        Style {
            colour: false,
            width: 40,
        }
    }

    #[test]
    fn code_spans_and_urls_are_never_broken() {
        let text = "Add it with `.layer(middleware::from_fn_with_state(state, auth))` as \
                    https://docs.rs/axum/latest/axum/middleware/fn.from_fn_with_state.html shows.";
        let wrapped = narrow().wrap(text, "", "");
        let lines: Vec<&str> = wrapped.lines().collect();
        assert!(
            lines.contains(&"`.layer(middleware::from_fn_with_state(state, auth))`"),
            "the code span is one line of its own, whole:\n{wrapped}"
        );
        assert!(
            lines.iter().any(|line| line.starts_with(
                "https://docs.rs/axum/latest/axum/middleware/fn.from_fn_with_state.html"
            )),
            "the URL is whole, so it can be clicked:\n{wrapped}"
        );
        for line in &lines {
            assert_eq!(
                line.matches('`').count() % 2,
                0,
                "no line ends inside a code span: {line:?} in\n{wrapped}"
            );
        }
    }

    #[test]
    fn prose_still_wraps_at_the_width() {
        let wrapped = narrow().wrap(&"word ".repeat(30), "", "  ");
        assert!(wrapped.lines().count() > 1, "{wrapped}");
        assert!(wrapped.lines().all(|line| line.len() <= 40), "{wrapped}");
    }
}
