//! What a learner's file may not hold when it is graded: the constructs no
//! exercise needs and a cheat does. A step whose file holds one is not
//! credited by the tests alone: it is held for an instructor to review,
//! with the construct and its line.
//!
//! The file is read as Rust tokens (proc-macro2's lexer: strings, comments
//! and raw strings are tokens, never searched as text), and every token is
//! looked at, those inside macro invocations and `macro_rules!` bodies
//! too: a syntax tree would see a macro's input as an opaque stream, and a
//! macro can assemble `#[link_section]` from an identifier it is passed.
//!
//! | construct | what a cheat does with it |
//! | --- | --- |
//! | `link_section`, `used` | a function run before `main` that prints forged results |
//! | `no_mangle`, `export_name`, `extern` | replace a symbol of the test harness or the C library |
//! | `asm!`, `global_asm!`, `naked_asm!` | anything at all |
//! | `include!`, `include_str!`, `include_bytes!` | read another file into this one (the reference, another learner's) |
//! | `path = "....rs"` | compile another file as this module |
//! | `std::process` | exit early with a success status, or run a program |
//! | `unsafe`, more often than the step's reference | whatever safe Rust would not allow |

use std::collections::BTreeSet;
use std::str::FromStr;

use proc_macro2::{Delimiter, TokenStream, TokenTree};

/// One construct found, and where.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    pub line: usize,
    pub what: String,
}

/// Identifiers that no exercise needs anywhere in a file.
const FORBIDDEN: [&str; 10] = [
    "link_section",
    "no_mangle",
    "export_name",
    "asm",
    "global_asm",
    "naked_asm",
    "include",
    "include_str",
    "include_bytes",
    "extern",
];

/// What `learner` holds that no exercise needs, given the step's
/// reference (whose own `unsafe` blocks a learner may match). A file that
/// does not even lex is left to the compiler.
pub fn audit(learner: &str, reference: &str) -> Vec<Finding> {
    let Ok(tokens) = TokenStream::from_str(learner) else {
        return Vec::new();
    };
    let mut flat = Vec::new();
    flatten(tokens, &mut flat);
    let mut found = BTreeSet::new();
    for (i, token) in flat.iter().enumerate() {
        let Token::Ident(name, line, quoted) = token else {
            continue;
        };
        // `used` is an ordinary name, but `#[used]` keeps a function the
        // linker would drop: held in an attribute or a macro's input.
        if FORBIDDEN.contains(&name.as_str()) || (name == "used" && *quoted) {
            found.insert(Finding {
                line: *line,
                what: format!("`{name}`"),
            });
        }
        if name == "path"
            && *quoted
            && matches!(flat.get(i + 1), Some(Token::Punct('=')))
            && matches!(flat.get(i + 2), Some(Token::Literal(text)) if text.trim_end_matches(['"', '#']).ends_with(".rs"))
        {
            found.insert(Finding {
                line: *line,
                what: "`path = \"....rs\"`: another file compiled as this module".to_owned(),
            });
        }
        if name == "process" && std_path_before(&flat, i) {
            found.insert(Finding {
                line: *line,
                what: "`std::process`".to_owned(),
            });
        }
    }
    let allowed = count_unsafe(reference);
    let unsafes: Vec<usize> = flat
        .iter()
        .filter_map(|t| match t {
            Token::Ident(name, line, _) if name == "unsafe" => Some(*line),
            _ => None,
        })
        .collect();
    if unsafes.len() > allowed {
        found.insert(Finding {
            line: unsafes[allowed],
            what: format!(
                "`unsafe` {} times, where the reference has it {allowed} times",
                unsafes.len()
            ),
        });
    }
    found.into_iter().collect()
}

/// How many `unsafe` tokens `source` holds.
fn count_unsafe(source: &str) -> usize {
    let Ok(tokens) = TokenStream::from_str(source) else {
        return 0;
    };
    let mut flat = Vec::new();
    flatten(tokens, &mut flat);
    flat.iter()
        .filter(|t| matches!(t, Token::Ident(name, _, _) if name == "unsafe"))
        .count()
}

/// Whether the identifier at `i` ends a path through `std` or `core`:
/// `std::process`, `::std::process`, or `process` in `use std::{...}`.
fn std_path_before(flat: &[Token], i: usize) -> bool {
    let joined = |j: usize| matches!(flat.get(j), Some(Token::Punct(':')));
    if i >= 3 && joined(i - 1) && joined(i - 2) {
        return matches!(&flat[i - 3], Token::Ident(name, _, _) if name == "std" || name == "core");
    }
    // In a `use` group: look back to the group's opening, at most a few
    // dozen tokens, for `std ::`.
    flat[..i]
        .iter()
        .rev()
        .take(64)
        .take_while(|t| !matches!(t, Token::Punct(';')))
        .any(|t| matches!(t, Token::Ident(name, _, _) if name == "std"))
        && flat[..i]
            .iter()
            .rev()
            .take(64)
            .take_while(|t| !matches!(t, Token::Punct(';')))
            .any(|t| matches!(t, Token::Ident(name, _, _) if name == "use"))
}

/// A token with its line, flattened out of its groups; an identifier also
/// says whether it stands in an attribute or a macro's input.
#[derive(Debug, Clone)]
enum Token {
    Ident(String, usize, bool),
    Punct(char),
    Literal(String),
    Open,
    Close,
}

fn flatten(tokens: TokenStream, into: &mut Vec<Token>) {
    flatten_in(tokens, into, false);
}

fn flatten_in(tokens: TokenStream, into: &mut Vec<Token>, quoted: bool) {
    for tree in tokens {
        match tree {
            TokenTree::Ident(ident) => {
                let name = ident.to_string();
                let name = name.strip_prefix("r#").unwrap_or(&name).to_owned();
                into.push(Token::Ident(name, ident.span().start().line, quoted));
            }
            TokenTree::Punct(punct) => {
                into.push(Token::Punct(punct.as_char()));
            }
            TokenTree::Literal(literal) => {
                into.push(Token::Literal(literal.to_string()));
            }
            TokenTree::Group(group) => {
                // `#[...]`, `#![...]`, or `name!(...)`: an attribute or a
                // macro's input (a `macro_rules!` body too).
                let attribute = group.delimiter() == Delimiter::Bracket
                    && matches!(into.last(), Some(Token::Punct('#' | '!')));
                let macro_input = matches!(into.last(), Some(Token::Punct('!')))
                    || matches!(into.last(), Some(Token::Ident(..)))
                        && matches!(into.iter().rev().nth(1), Some(Token::Punct('!')));
                into.push(Token::Open);
                flatten_in(group.stream(), into, quoted || attribute || macro_input);
                into.push(Token::Close);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whats(source: &str) -> Vec<String> {
        audit(source, "").into_iter().map(|f| f.what).collect()
    }

    #[test]
    fn each_cheat_is_found_with_its_line() {
        let cases = [
            (
                "#[used]\n#[unsafe(link_section = \".init_array\")]\nstatic F: fn() = f;",
                "`link_section`",
            ),
            ("#[unsafe(no_mangle)] pub fn main() {}", "`no_mangle`"),
            ("unsafe extern \"C\" { fn exit(code: i32); }", "`extern`"),
            ("fn f() { core::arch::asm!(\"nop\"); }", "`asm`"),
            (
                "const S: &str = include_str!(\"../solutions/11_revocation.rs\");",
                "`include_str`",
            ),
            (
                "#[cfg_attr(all(), path = \"../../../../solution\\x73/11_revocation.rs\")]\nmod m;",
                "`path = \"....rs\"`: another file compiled as this module",
            ),
            ("fn f() { std::process::exit(0) }", "`std::process`"),
            ("use std::{io, process};", "`std::process`"),
            (
                "fn f() { unsafe { g() } }",
                "`unsafe` 1 times, where the reference has it 0 times",
            ),
            (
                "macro_rules! hide { ($a:ident) => { #[$a = \".init_array\"] static X: u8 = 0; } }\nhide!(link_section);",
                "`link_section`",
            ),
            ("#[used]\nstatic F: fn() = f;", "`used`"),
            (
                "macro_rules! keep { ($a:ident) => { #[$a] static F: u8 = 0; } }\nkeep!(used);",
                "`used`",
            ),
        ];
        for (source, expected) in cases {
            let found = whats(source);
            assert!(
                found.iter().any(|w| w == expected),
                "{source:?} must be held for {expected}; found {found:?}"
            );
        }
        let lines: Vec<usize> = audit("fn a() {}\n\nfn b() { std::process::exit(0) }", "")
            .iter()
            .map(|f| f.line)
            .collect();
        assert_eq!(lines, [3], "the finding names its line");
    }

    #[test]
    fn what_exercises_write_is_not_held() {
        let source = r#"
            use std::path::Path;
            /// Mentions include_str! and std::process in a comment only.
            fn f(path: &str, used: bool) -> String {
                let text = "extern unsafe asm! include!(\"x.rs\") #[path = \"x.rs\"]";
                let path = "/docs";
                format!("{path}{text}{used}")
            }
        "#;
        let found = audit(source, "");
        assert!(
            found.is_empty(),
            "strings, comments and ordinary names are no cheat: {found:?}"
        );
        assert!(
            audit("fn f() { unsafe { g() } }", "fn g() { unsafe { h() } }").is_empty(),
            "as many `unsafe` as the reference has are allowed"
        );
    }
}
