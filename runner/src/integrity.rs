//! What a learner's checkout changed besides their exercises, and exercise
//! files that borrow the reference. Grading never uses any of it (only
//! `exercises/*.rs` is taken); these are warnings for the instructor.

use std::path::Path;

use similar::TextDiff;

use crate::scratch::course_files;
use crate::steps::Step;

/// Files of the learner's checkout, outside `exercises/`, that differ from
/// the course or are not in it (paths relative to the checkout).
pub fn changed_files(course: &Path, learner: &Path) -> Vec<String> {
    let mut changed = Vec::new();
    for name in course_files(learner) {
        let shown = name.to_string_lossy().into_owned();
        if shown.starts_with("exercises/") || shown.starts_with("target/") {
            continue;
        }
        let theirs = std::fs::read(learner.join(&name)).unwrap_or_default();
        match std::fs::read(course.join(&name)) {
            Ok(ours) if ours == theirs => {}
            Ok(_) => changed.push(format!("{shown} differs from the course")),
            Err(_) => changed.push(format!("{shown} is not in the course")),
        }
    }
    changed
}

/// Ways an exercise file can reach for the reference or other files.
pub fn borrowing(text: &str) -> Vec<String> {
    let code = strip_comments(text);
    let mut found = Vec::new();
    for (pattern, what) in [
        ("#[path", "a #[path] attribute"),
        ("include!", "include!"),
        ("include_str!", "include_str!"),
        ("include_bytes!", "include_bytes!"),
        ("solutions/", "a path into solutions/"),
    ] {
        if code.contains(pattern) {
            found.push(what.to_owned());
        }
    }
    found
}

/// How alike the code two people wrote for a step is, 0.0 to 1.0: the
/// tokens each added to the stub, compared as sequences (comments and
/// whitespace ignored). The given code both share does not count.
pub fn written_similarity(stub: &str, a: &str, b: &str) -> f32 {
    let a = written_tokens(stub, a);
    let b = written_tokens(stub, b);
    if a.len() < MIN_TOKENS || b.len() < MIN_TOKENS {
        return 0.0;
    }
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let b: Vec<&str> = b.iter().map(String::as_str).collect();
    TextDiff::from_slices(&a, &b).ratio()
}

/// Below this many written tokens (a step of three one-line functions),
/// independent solutions are alike by necessity: not judged.
pub const MIN_TOKENS: usize = 150;

/// The share above which the code written for a step counts as copied:
/// two people who solve a step independently agree on the shape (the
/// same calls in the same order) but not on every name, literal and
/// message, which keeps honest pairs well under it.
pub const COPY_THRESHOLD: f32 = 0.9;

/// The tokens of the lines `text` adds to `stub`.
fn written_tokens(stub: &str, text: &str) -> Vec<String> {
    let stub = strip_comments(stub);
    let text = strip_comments(text);
    let diff = TextDiff::from_lines(&stub, &text);
    let added: String = diff
        .iter_all_changes()
        .filter(|change| change.tag() == similar::ChangeTag::Insert)
        .map(|change| change.to_string_lossy().into_owned())
        .collect();
    tokens(&added)
}

/// Identifiers, numbers, string literals and punctuation, in order.
fn tokens(code: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut chars = code.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        let mut token = String::from(c);
        if c.is_alphanumeric() || c == '_' {
            while let Some(&next) = chars.peek() {
                if !(next.is_alphanumeric() || next == '_') {
                    break;
                }
                token.push(next);
                chars.next();
            }
        } else if c == '"' {
            for next in chars.by_ref() {
                token.push(next);
                if next == '"' {
                    break;
                }
            }
        }
        tokens.push(token);
    }
    tokens
}

/// The code without `//` and `/* */` comments.
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("//") {
            rest = after.find('\n').map_or("", |end| &after[end..]);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.find("*/").map_or("", |end| &after[end + 2..]);
        } else {
            let c = rest.chars().next().expect("not empty");
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// The exercise file of `step` in a checkout, if it has one.
pub fn exercise(checkout: &Path, step: &Step) -> Option<String> {
    std::fs::read_to_string(checkout.join(step.exercise())).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_borrowing_in_code_not_in_comments() {
        assert_eq!(
            borrowing("// include! is mentioned in a comment\nfn a() {}"),
            Vec::<String>::new()
        );
        assert_eq!(
            borrowing("include!(\"../solutions/05_token_route.rs\");"),
            ["include!", "a path into solutions/"]
        );
    }

    #[test]
    fn similarity_counts_only_written_code() {
        let stub = "fn given() {}\nfn todo() { todo!() }\n";
        let body = |expr: &str| format!("fn given() {{}}\nfn todo() {{\n{}\n}}\n", expr.repeat(40));
        let a = body("let x = compute(1); x + 2;\n");
        let same = written_similarity(stub, &a, &a);
        let other = written_similarity(stub, &a, &body("other_way(\"y\").unwrap();\n"));
        assert!(same > 0.99 && other < 0.6, "same {same}, other {other}");
        let tiny = "fn given() {}\nfn todo() { 1 }\n";
        assert_eq!(
            written_similarity(stub, tiny, tiny),
            0.0,
            "too little code to judge"
        );
    }
}
