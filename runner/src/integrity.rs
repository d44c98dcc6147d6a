//! What a learner's checkout changed besides their exercises, and exercise
//! files that borrow the reference. Grading never uses any of it (only
//! `exercises/*.rs` is taken); these are warnings for the instructor.

use std::path::Path;

use similar::TextDiff;

use crate::scratch::course_files;
use crate::steps::Step;
use crate::stubs::sha256_hex;

/// The file a student edition lists its own files in, each with its
/// SHA-256: what a learner who started from it was given.
pub const EDITION_MANIFEST: &str = "course-edition.sha256";

/// The manifest of the files under `root` (but the manifest), one
/// `sha256  path` line each.
pub fn edition_manifest(root: &Path) -> String {
    let mut lines: Vec<String> = course_files(root)
        .iter()
        .map(|name| name.to_string_lossy().replace('\\', "/"))
        .filter(|name| name != EDITION_MANIFEST)
        .map(|name| {
            let bytes = std::fs::read(root.join(&name)).unwrap_or_default();
            format!("{}  {name}\n", sha256_hex(&bytes))
        })
        .collect();
    lines.sort();
    lines.concat()
}

/// Files of the learner's checkout, outside `exercises/`, that differ from
/// what the learner was given or are not in it (paths relative to the
/// checkout): the student edition they started from, when its manifest
/// is there, else the course.
pub fn changed_files(course: &Path, learner: &Path) -> Vec<String> {
    let given: Option<std::collections::BTreeMap<String, String>> =
        std::fs::read_to_string(learner.join(EDITION_MANIFEST))
            .ok()
            .map(|text| {
                text.lines()
                    .filter_map(|line| line.split_once("  "))
                    .map(|(hash, name)| (name.to_owned(), hash.to_owned()))
                    .collect()
            });
    let origin = if given.is_some() {
        "the course edition"
    } else {
        "the course"
    };
    let mut changed = Vec::new();
    for name in course_files(learner) {
        let shown = name.to_string_lossy().replace('\\', "/");
        if shown.starts_with("exercises/")
            || shown.starts_with("target/")
            || shown == EDITION_MANIFEST
        {
            continue;
        }
        let theirs = std::fs::read(learner.join(&name)).unwrap_or_default();
        let same = match &given {
            Some(given) => given.get(&shown).map(|hash| *hash == sha256_hex(&theirs)),
            None => std::fs::read(course.join(&name))
                .ok()
                .map(|ours| ours == theirs),
        };
        match same {
            Some(true) => {}
            Some(false) => changed.push(format!("{shown} differs from {origin}")),
            None => changed.push(format!("{shown} is not in {origin}")),
        }
    }
    changed
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
    fn a_learner_is_warned_only_of_what_they_changed_in_the_edition() {
        let root = std::env::temp_dir().join(format!("edition-manifest-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("tests")).unwrap();
        std::fs::write(root.join("Cargo.toml"), "[package]\n").unwrap();
        std::fs::write(root.join("tests/step01.rs"), "#[test] fn a() {}\n").unwrap();
        let manifest = edition_manifest(&root);
        std::fs::write(root.join(EDITION_MANIFEST), &manifest).unwrap();
        // The course itself differs from the edition everywhere: only the
        // manifest decides.
        let course = root.join("no-such-course");
        assert_eq!(
            changed_files(&course, &root),
            Vec::<String>::new(),
            "{manifest}"
        );
        std::fs::write(root.join("tests/step01.rs"), "#[test] fn a() { /* */ }\n").unwrap();
        std::fs::write(root.join("extra.rs"), "").unwrap();
        let mut changed = changed_files(&course, &root);
        changed.sort();
        assert_eq!(
            changed,
            [
                "extra.rs is not in the course edition",
                "tests/step01.rs differs from the course edition"
            ]
        );
        let _ = std::fs::remove_dir_all(&root);
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
