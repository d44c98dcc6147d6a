//! `cargo xtask new-step MODULE "TITLE"`: the next step, from templates.
//!
//! It adds the step to `steps.toml`, writes its exercise, solution, tests,
//! hints, mistake catalogue and quiz topic from `xtask/templates/new-step/`
//! (each a working placeholder: the stub fails its test on `todo!()`, the
//! reference passes, the one mistake is caught), then syncs. What is left is
//! the step itself: docs/maintaining.md.

use std::path::Path;
use std::process::ExitCode;

use course_runner::sync::{self, Manifest, Mode};

/// Each template and where it goes (`{stem}` is `16_clients`, `{topic}`
/// `clients`, `{test}` `step16_clients`).
const TEMPLATES: [(&str, &str); 6] = [
    (
        "exercises/{stem}.rs",
        include_str!("../templates/new-step/exercise.rs"),
    ),
    (
        "solutions/{stem}.rs",
        include_str!("../templates/new-step/solution.rs"),
    ),
    (
        "tests/{test}.rs",
        include_str!("../templates/new-step/test.rs"),
    ),
    (
        "hints/{stem}.toml",
        include_str!("../templates/new-step/hints.toml"),
    ),
    (
        "mistakes/{stem}.toml",
        include_str!("../templates/new-step/mistakes.toml"),
    ),
    (
        "quiz/questions/{topic}.toml",
        include_str!("../templates/new-step/questions.toml"),
    ),
];

pub fn run(root: &Path, args: &[String]) -> ExitCode {
    match add(root, args) {
        Ok(written) => {
            for path in written {
                println!("new-step: wrote {path}");
            }
            sync::run(root, Mode::Write)
        }
        Err(why) => {
            eprintln!("xtask new-step: {why}");
            ExitCode::FAILURE
        }
    }
}

fn add(root: &Path, args: &[String]) -> Result<Vec<String>, String> {
    let [module, title] = args else {
        return Err("usage: cargo xtask new-step MODULE \"TITLE\" (MODULE in snake_case)".into());
    };
    let manifest = Manifest::read(root)?;
    let last = manifest.step.last().ok_or("steps.toml has no steps")?;
    let number = last.number + 1;
    let track = last.track.clone();
    // Every step after the first with an app has one: what it adds.
    let app = last
        .app
        .as_ref()
        .map(|_| format!("app = {title:?}\n"))
        .unwrap_or_default();
    let entry = format!(
        "\n[[step]]\nnumber = {number}\nmodule = {module:?}\ntitle = {title:?}\nsummary = {title:?}\ntrack = {track:?}\n{app}"
    );
    // The manifest checks the entry (name, uniqueness) before any file is written.
    let text =
        std::fs::read_to_string(root.join(sync::MANIFEST_PATH)).map_err(|e| e.to_string())?;
    let (head, tail) = split_before_packages(&text);
    let grown = format!("{}\n{entry}\n{tail}", head.trim_end_matches('\n'));
    Manifest::parse(&grown)?;

    let nn = format!("{number:02}");
    let stem = format!("{nn}_{module}");
    let topic = module.replace('_', "-");
    let mut written = Vec::new();
    for (path, template) in TEMPLATES {
        let path = path
            .replace("{stem}", &stem)
            .replace("{test}", &format!("step{stem}"))
            .replace("{topic}", &topic);
        if root.join(&path).exists() {
            return Err(format!("{path} exists already"));
        }
        let text = template
            .replace("__NN__", &nn)
            .replace("__N__", &number.to_string())
            .replace("__MODULE__", module)
            .replace("__TITLE__", title)
            .replace("__TOPIC__", &topic);
        written.push((path, text));
    }
    for (path, text) in &written {
        std::fs::write(root.join(path), text).map_err(|e| format!("{path}: {e}"))?;
    }
    std::fs::write(root.join(sync::MANIFEST_PATH), grown).map_err(|e| e.to_string())?;
    let mut names: Vec<String> = written.into_iter().map(|(path, _)| path).collect();
    names.push(sync::MANIFEST_PATH.to_owned());
    Ok(names)
}

/// The manifest's steps, and the rest (`[packages]` on), so the new step
/// goes after the last one.
fn split_before_packages(text: &str) -> (&str, &str) {
    let at = text
        .find("\n# What every step package")
        .or_else(|| text.find("\n[packages]"));
    match at {
        Some(at) => text.split_at(at + 1),
        None => (text, ""),
    }
}
