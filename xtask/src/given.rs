//! Given code checked: every item an exercise gives is the solution's item
//! of the same name, token for token, doc comments aside. An item is the
//! learner's, not given, when it holds a `todo!()`, or a `TODO(step NN)`
//! comment sits in it or right above it (a blank to fill in, a path to add).
//!
//! Exercise and solution share most of their lines by design: the task's
//! types, the helpers, the routes a step does not teach. `verify` runs the
//! tests on the solution only, so a given item that drifted from the
//! solution's would be code no test ever ran, handed to every learner.
//! With this check, the solution's passing tests vouch for the exercise's
//! given code too: it is the same code.

use std::collections::BTreeMap;

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::{ImplItem, Item};

/// The given items of `exercise` that differ from, or are missing in,
/// `solution`: one sentence each. `Err` when either does not parse.
pub fn differences(exercise: &str, solution: &str) -> Result<Vec<String>, String> {
    let lines: Vec<&str> = exercise.lines().collect();
    let exercise = items(&syn::parse_file(exercise).map_err(|e| format!("the exercise: {e}"))?);
    let solution = items(&syn::parse_file(solution).map_err(|e| format!("the solution: {e}"))?);
    let mut found = Vec::new();
    for (name, given) in &exercise {
        if has_todo(given) || has_todo_comment(&lines, given) {
            continue;
        }
        match solution.get(name) {
            None => found.push(format!("gives `{name}`, which the solution does not have")),
            Some(theirs) if comparable(given) != comparable(theirs) => found.push(format!(
                "gives `{name}` unlike the solution's: a learner would build on code no test ran"
            )),
            Some(_) => {}
        }
    }
    Ok(found)
}

/// The file's items by name (an impl's items as `impl Type::name`); `use`
/// items left out: a stub leaves imports unused that its solution needs,
/// and the compiler checks those.
fn items(file: &syn::File) -> BTreeMap<String, TokenStream> {
    let mut found = BTreeMap::new();
    collect(&file.items, "", &mut found);
    found
}

fn collect(items: &[Item], prefix: &str, found: &mut BTreeMap<String, TokenStream>) {
    for item in items {
        let named =
            |kind: &str, ident: &dyn ToString| format!("{prefix}{kind} {}", ident.to_string());
        let name = match item {
            Item::Use(_) => continue,
            Item::Impl(block) => {
                let header = format!(
                    "{prefix}impl {}{}",
                    block
                        .trait_
                        .as_ref()
                        .map(|(_, path, _)| format!("{} for ", tokens(path)))
                        .unwrap_or_default(),
                    tokens(&block.self_ty)
                );
                for inner in &block.items {
                    let inner_name = match inner {
                        ImplItem::Fn(f) => f.sig.ident.to_string(),
                        ImplItem::Const(c) => c.ident.to_string(),
                        ImplItem::Type(t) => t.ident.to_string(),
                        _ => format!("item {}", tokens(inner)),
                    };
                    found.insert(format!("{header}::{inner_name}"), inner.to_token_stream());
                }
                continue;
            }
            Item::Mod(module) => {
                if let Some((_, inner)) = &module.content {
                    collect(inner, &format!("{prefix}mod {}::", module.ident), found);
                    continue;
                }
                named("mod", &module.ident)
            }
            Item::Fn(f) => named("fn", &f.sig.ident),
            Item::Struct(s) => named("struct", &s.ident),
            Item::Enum(e) => named("enum", &e.ident),
            Item::Const(c) => named("const", &c.ident),
            Item::Static(s) => named("static", &s.ident),
            Item::Trait(t) => named("trait", &t.ident),
            Item::Type(t) => named("type", &t.ident),
            Item::Macro(m) => match &m.ident {
                Some(ident) => named("macro", ident),
                None => format!("{prefix}{}", tokens(&m.mac.path)),
            },
            other => format!("{prefix}{}", tokens(other)),
        };
        found.insert(name, item.to_token_stream());
    }
}

/// Whether a `TODO(step` comment is within the item's lines, or in the
/// comment lines right above it.
fn has_todo_comment(lines: &[&str], item: &TokenStream) -> bool {
    let mut trees = item.clone().into_iter();
    let (Some(first), Some(last)) = (trees.next(), item.clone().into_iter().last()) else {
        return false;
    };
    // Lines are 1-based; a span's line is where its token starts or ends.
    let start = first.span().start().line.saturating_sub(1);
    let end = last.span().end().line.min(lines.len());
    let above = lines[..start]
        .iter()
        .rev()
        .take_while(|line| line.trim_start().starts_with("//"));
    lines[start..end]
        .iter()
        .chain(above)
        .any(|line| line.contains("TODO(step"))
}

fn tokens(node: &impl ToTokens) -> String {
    node.to_token_stream().to_string()
}

/// Whether the item holds a `todo!` (at any depth): the learner's part.
fn has_todo(stream: &TokenStream) -> bool {
    let trees: Vec<TokenTree> = stream.clone().into_iter().collect();
    trees.windows(2).any(|pair| {
        matches!((&pair[0], &pair[1]), (TokenTree::Ident(i), TokenTree::Punct(p)) if i == "todo" && p.as_char() == '!')
    }) || trees.iter().any(|tree| matches!(tree, TokenTree::Group(g) if has_todo(&g.stream())))
}

/// The item's tokens without doc comments (`#[doc = ...]`, which is what
/// `///` becomes): the exercise's may teach what the solution's need not.
fn comparable(stream: &TokenStream) -> String {
    let mut out = Vec::new();
    let mut trees = stream.clone().into_iter().peekable();
    while let Some(tree) = trees.next() {
        if let TokenTree::Punct(p) = &tree
            && p.as_char() == '#'
            && let Some(TokenTree::Group(g)) = trees.peek()
            && g.stream()
                .into_iter()
                .next()
                .is_some_and(|first| first.to_string() == "doc")
        {
            trees.next();
            continue;
        }
        match tree {
            TokenTree::Group(g) => {
                out.push(format!(
                    "{:?}{{{}}}",
                    g.delimiter(),
                    comparable(&g.stream())
                ));
            }
            other => out.push(other.to_string()),
        }
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_items_must_match_and_the_learners_part_is_skipped() {
        let solution = "/// The answer.\nfn answer() -> u8 { 42 }\nfn given() -> u8 { 1 }\nimpl S { fn peek(&self) -> u8 { 2 } }";
        let exercise = "/// Write it.\nfn answer() -> u8 { todo!() }\n/// Given.\nfn given() -> u8 { 1 }\nimpl S { fn peek(&self) -> u8 { 2 } }\n// TODO(step 01): fill it in.\nconst BLANK: u8 = 0;";
        assert_eq!(
            differences(exercise, solution).unwrap(),
            Vec::<String>::new()
        );
        let drifted = exercise.replace("{ 2 }", "{ 3 }");
        let found = differences(&drifted, solution).unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("impl S::peek"), "{found:?}");
        let extra = format!("{exercise}\n\nfn only_here() {{}}");
        assert!(differences(&extra, solution).unwrap()[0].contains("fn only_here"));
    }
}
