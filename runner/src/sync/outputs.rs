//! Everything `sync` derives from `steps.toml`, as (path, text) pairs.

use std::fmt::Write as _;
use std::path::Path;

use super::manifest::{Manifest, StepEntry};
use super::regions;
use course_steps::names;

/// One derived file: its path from the course root and its text (`None`:
/// a step package the manifest no longer has, to be removed).
pub struct Output {
    pub path: String,
    pub text: Option<String>,
}

/// Which course the outputs are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// The maintainers' course, with the reference and xtask.
    Course,
    /// The student edition: each step's module on the learner's file only,
    /// its `solNN` feature a compile error that says why; no xtask.
    Student,
    /// For cargo-mutants (`cargo xtask mutants`): each step's module on its
    /// reference by a plain `#[path]`, which it follows (not `cfg_attr`).
    Reference,
}

/// The workspace's packages besides the course and its steps.
const TOOLS: [&str; 6] = [
    "bench",
    "manifest",
    "quiz",
    "runner",
    "server",
    "tests/harness",
];
/// The maintainers' package, which the student edition leaves out.
const MAINTAINERS: &str = "xtask";

/// Every output, in a stable order.
pub fn all(root: &Path, manifest: &Manifest, variant: Variant) -> Result<Vec<Output>, String> {
    let mut outputs = vec![whole("manifest/src/list.rs", list(manifest))];
    for step in &manifest.step {
        let dir = step.package_dir();
        outputs.push(whole(&format!("{dir}/Cargo.toml"), package(manifest, step)));
        outputs.push(whole(
            &format!("{dir}/lib.rs"),
            library(manifest, step, variant),
        ));
    }
    outputs.extend(gone_packages(root, manifest));
    let last = manifest.step.last().expect("the manifest has steps");
    let features = |target: &str| {
        let mut body = String::new();
        for step in &manifest.step {
            let _ = writeln!(
                body,
                "{} = [\"{target}/{}\"]",
                step.feature(),
                step.feature()
            );
        }
        let _ = writeln!(body, "solutions = [\"{target}/solutions\"]");
        body
    };
    let quoted = |names: &mut dyn Iterator<Item = String>| -> String {
        names
            .map(|name| format!("\"{name}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let tools = TOOLS
        .iter()
        .copied()
        .chain((variant != Variant::Student).then_some(MAINTAINERS));
    let members = quoted(
        &mut [".", "steps/step*"]
            .into_iter()
            .chain(tools)
            .map(str::to_owned),
    );
    let default_members = quoted(
        &mut std::iter::once(".".to_owned())
            .chain(manifest.step.iter().map(StepEntry::package_dir)),
    );
    outputs.push(in_regions(
        root,
        "Cargo.toml",
        &[
            ("members", format!("members = [{members}]\n")),
            (
                "default-members",
                format!("default-members = [{default_members}]\n"),
            ),
            ("features", features("steps")),
            (
                "last-step",
                format!(
                    "steps = {{ package = \"{}\", path = \"{}\" }}\n",
                    names::package(last.number),
                    last.package_dir()
                ),
            ),
        ],
    )?);
    outputs.push(in_regions(
        root,
        "server/Cargo.toml",
        &[("features", features("axum-oauth2-course"))],
    )?);
    let remaps: String = manifest
        .step
        .iter()
        .map(|s| format!("    \"--remap-path-prefix={}/../..=\",\n", s.package_dir()))
        .collect();
    let alias = match variant {
        Variant::Student => String::new(),
        _ => format!("{MAINTAINERS} = \"run --quiet --package {MAINTAINERS} --\"\n"),
    };
    outputs.push(in_regions(
        root,
        ".cargo/config.toml",
        &[("maintainer-alias", alias), ("remaps", remaps)],
    )?);
    outputs.push(in_regions(
        root,
        "README.md",
        &[("steps", readme_table(manifest))],
    )?);
    let steps: Vec<_> = manifest.step.iter().map(StepEntry::to_step).collect();
    outputs.push(whole(
        crate::stubs::MANIFEST,
        crate::stubs::manifest_of(root, &steps),
    ));
    Ok(outputs)
}

fn whole(path: &str, text: String) -> Output {
    Output {
        path: path.to_owned(),
        text: Some(text),
    }
}

/// A hand-written file with its regions written.
fn in_regions(root: &Path, path: &str, regions: &[(&str, String)]) -> Result<Output, String> {
    let mut text = std::fs::read_to_string(root.join(path)).map_err(|e| format!("{path}: {e}"))?;
    for (name, body) in regions {
        text = regions::replace(&text, path, name, body)?;
    }
    Ok(whole(path, text))
}

/// Step packages on disk (`steps/stepNN`) that the manifest no longer has.
fn gone_packages(root: &Path, manifest: &Manifest) -> Vec<Output> {
    let Ok(entries) = std::fs::read_dir(root.join("steps")) else {
        return Vec::new();
    };
    let mut gone: Vec<Output> = entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let number: usize = name.strip_prefix("step")?.parse().ok()?;
            (number > manifest.step.len()).then(|| Output {
                path: format!("steps/{name}"),
                text: None,
            })
        })
        .collect();
    gone.sort_by(|a, b| a.path.cmp(&b.path));
    gone
}

const GENERATED: &str = "written by `cargo xtask sync` from steps.toml: edit that, then sync";
const GENERATED_SENTENCE: &str =
    "Written by `cargo xtask sync` from steps.toml: edit that, then sync.";

/// `manifest/src/list.rs`: the steps as a constant.
fn list(manifest: &Manifest) -> String {
    let mut out = format!(
        "//! Every step, in order: {GENERATED}.\n\nuse crate::{{Step, Track}};\n\npub const STEPS: &[Step] = &[\n"
    );
    for step in &manifest.step {
        let track = match step.track.as_str() {
            "core" => "Core",
            "advanced" => "Advanced",
            "modern" => "Modern",
            _ => "Production",
        };
        let app = match &step.app {
            Some(app) => format!("Some({app:?})"),
            None => "None".to_owned(),
        };
        let _ = write!(
            out,
            "    Step {{\n        number: {},\n        module: {:?},\n        title: {:?},\n        \
             summary: {:?},\n        track: Track::{track},\n        app: {app},\n    }},\n",
            step.number, step.module, step.title, step.summary
        );
    }
    out.push_str("];\n");
    out
}

/// `steps/stepNN/Cargo.toml`.
fn package(manifest: &Manifest, step: &StepEntry) -> String {
    let first = step.number == 1;
    let mut features = String::new();
    for earlier in &manifest.step[..step.number - 1] {
        let _ = writeln!(features, "{0} = [\"previous/{0}\"]", earlier.feature());
    }
    let _ = writeln!(features, "{} = []", step.feature());
    if first {
        let _ = writeln!(features, "solutions = [\"{}\"]", step.feature());
    } else {
        let _ = writeln!(
            features,
            "solutions = [\"previous/solutions\", \"{}\"]",
            step.feature()
        );
    }
    let previous = if first {
        String::new()
    } else {
        format!(
            "previous = {{ package = \"{}\", path = \"../{}\" }}\n",
            names::package(step.number - 1),
            names::package_dir(step.number - 1).trim_start_matches("steps/")
        )
    };
    let workspace = |names: &[String]| -> String {
        names
            .iter()
            .map(|name| format!("{name}.workspace = true\n"))
            .collect()
    };
    format!(
        "# {GENERATED}.\n\
         [package]\n\
         name = \"{package}\"\n\
         version = \"0.1.0\"\n\
         description = \"Step {n:02} of the course ({module}), on top of the steps before it\"\n\
         edition.workspace = true\n\
         rust-version.workspace = true\n\
         license.workspace = true\n\
         publish = false\n\
         autotests = false\n\
         \n\
         # Named `course`, like the whole course's library: the step's tests say\n\
         # `course::...` and the exercises `crate::...` in whichever package they build.\n\
         [lib]\n\
         name = \"course\"\n\
         path = \"lib.rs\"\n\
         # The step's tests are its integration test; the library has none of its own.\n\
         test = false\n\
         doctest = false\n\
         \n\
         [[test]]\n\
         name = \"{test}\"\n\
         path = \"../../tests/{test}.rs\"\n\
         \n\
         # `solNN` swaps the reference in for exercises/NN_*.rs (passed down the chain).\n\
         [features]\n\
         {features}\
         \n\
         [dependencies]\n\
         {previous}{dependencies}\
         \n\
         [target.'cfg(target_os = \"linux\")'.dependencies]\n\
         {linux}\
         \n\
         [dev-dependencies]\n\
         {dev}",
        n = step.number,
        package = names::package(step.number),
        module = step.module,
        test = step.test_name(),
        dependencies = workspace(&manifest.packages.dependencies),
        linux = workspace(&manifest.packages.linux_dependencies),
        dev = workspace(&manifest.packages.dev_dependencies),
    )
}

/// `steps/stepNN/lib.rs`.
fn library(manifest: &Manifest, step: &StepEntry, variant: Variant) -> String {
    let n = step.number;
    let mut out = if n == 1 {
        let mut head = format!(
            "//! Step 01 and the given code every step uses. Each step is a package of\n\
             //! its own (this one, `steps/step02`, ...), each re-exporting the ones before\n\
             //! it, so step N's tests never compile a later step's file.\n\
             //!\n\
             //! {GENERATED_SENTENCE}\n"
        );
        for given in &manifest.given {
            head.push('\n');
            for line in given.doc.lines() {
                let _ = writeln!(head, "/// {line}");
            }
            let _ = writeln!(
                head,
                "#[path = \"../given/{0}.rs\"]\npub mod {0};",
                given.module
            );
        }
        head
    } else {
        format!(
            "//! Step {n:02} on top of steps 01..{:02}, whose modules are re-exported here:\n\
             //! the step's file reaches them as `crate::...`, and step {n:02}'s tests build\n\
             //! none of the later steps.\n\
             //!\n\
             //! {GENERATED_SENTENCE}\n\
             \n\
             pub use previous::*;\n",
            n - 1
        )
    };
    let (f, stem, module) = (step.feature(), step.stem(), step.module.as_str());
    let _ = match variant {
        Variant::Course => write!(
            out,
            "\n#[cfg_attr(feature = \"{f}\", path = \"../../solutions/{stem}.rs\")]\n\
             #[cfg_attr(not(feature = \"{f}\"), path = \"../../exercises/{stem}.rs\")]\n\
             pub mod {module};\n"
        ),
        Variant::Student => write!(
            out,
            "\n// This edition has no reference solutions.\n\
             #[cfg(feature = \"{f}\")]\n\
             compile_error!(\"this edition ships without reference solutions; ask your instructor\");\n\
             \n\
             #[path = \"../../exercises/{stem}.rs\"]\n\
             pub mod {module};\n"
        ),
        Variant::Reference => write!(
            out,
            "\n#[path = \"../../solutions/{stem}.rs\"]\npub mod {module};\n"
        ),
    };
    out
}

/// The README's table of steps.
fn readme_table(manifest: &Manifest) -> String {
    let mut out = String::from("| step | your file | what you build |\n| --- | --- | --- |\n");
    for step in &manifest.step {
        let _ = writeln!(
            out,
            "| {:02} | `exercises/{}.rs` | {} |",
            step.number,
            step.stem(),
            step.summary
        );
    }
    out
}
