#!/usr/bin/env python3
"""cargo-mutants over the reference solutions, with the course's tests.

A mutant is a small change to a solution (a condition negated, a body
replaced by a default value, an operator swapped). Each is applied to a
scratch copy of the course and that step's tests run; a mutant they miss
is run again against every test of the course (a helper of step 09 is
exercised by step 10), and one that survives that too is reported as missed. docs/mutants.md records every miss with
why it is harmless; none may change security-relevant behaviour.

Usage: scripts/mutants.py [STEP...]     (default: every step; e.g. 02 05)

It installs cargo-mutants if it is missing, works on a copy under
target/mutants/ (the learner's files are never touched), and writes
target/mutants/report.md, with a list of every miss. On 2 cores the whole
run takes about 15 minutes: it is not part of CI.
"""
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "target" / "mutants"
COPY = WORK / "course"


def ensure_cargo_mutants():
    found = subprocess.run(["cargo", "mutants", "--version"], capture_output=True)
    if found.returncode != 0:
        print("mutants: installing cargo-mutants ...", flush=True)
        subprocess.run(["cargo", "install", "--locked", "cargo-mutants"], check=True)


def copy_course():
    """The tracked files, with every step's module on its reference file."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split("\n")
    if COPY.exists():
        # Keep the copy's target/ between runs: the dependencies stay built.
        for entry in COPY.iterdir():
            if entry.name != "target":
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (COPY / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, COPY / name)
    # cargo-mutants follows `#[path]` but not `#[cfg_attr(.., path)]`.
    for lib in (COPY / "steps").glob("step*/lib.rs"):
        text = lib.read_text()
        text = re.sub(
            r'#\[cfg_attr\(feature = "sol\d\d", path = "([^"]+)"\)\]\n#\[cfg_attr\(not\(feature = "sol\d\d"\), path = "[^"]+"\)\]',
            r'#[path = "\1"]',
            text,
        )
        lib.write_text(text)


def steps():
    return sorted(p.stem for p in (ROOT / "solutions").glob("*.rs"))


def cargo_mutants(stem, out, *extra):
    command = [
        "cargo", "mutants", "--in-place", "--no-shuffle", "--baseline", "run",
        "--dir", str(COPY), "--output", str(out),
        # As reached through the step's package, steps/stepNN/lib.rs.
        "--package", f"course-step{stem[:2]}",
        "--file", f"steps/step{stem[:2]}/../../solutions/{stem}.rs",
        "--features", "solutions",
        "--minimum-test-timeout", "60",
        *extra,
    ]
    subprocess.run(command, cwd=COPY, env={**os.environ, "COURSE_TEST_MODE": "1"})
    outcomes = out / "mutants.out" / "outcomes.json"
    if not outcomes.exists():
        return None
    tally, missed = {}, []
    for outcome in json.loads(outcomes.read_text()).get("outcomes", []):
        scenario = outcome.get("scenario")
        if not isinstance(scenario, dict):
            continue  # the baseline
        summary = outcome.get("summary", "?")
        tally[summary] = tally.get(summary, 0) + 1
        if summary == "MissedMutant":
            missed.append(describe(stem, scenario["Mutant"]))
    return tally, missed


def run_step(stem):
    """Pass 1: the step's own tests. Pass 2, for what survives it: every
    test of the course (a helper of step 09 may be exercised by step 10)."""
    number, name = stem.split("_", 1)
    out = WORK / stem
    shutil.rmtree(out, ignore_errors=True)
    test = f"step{number}_{name}"
    print(f"mutants: step {number} against tests/{test}.rs ...", flush=True)
    first = cargo_mutants(stem, out, "--cargo-arg", f"--test={test}")
    if first is None or not first[1]:
        return stem, first, []
    print(f"mutants: step {number}, its {len(first[1])} survivors against every test ...", flush=True)
    # Every later step is a package of its own, with its own tests; the
    # course's root package and the server test what they assemble.
    later = [f"course-step{n:02}" for n in range(int(number), len(steps()) + 1)]
    later += ["axum-oauth2-course", "course-server"]
    second = cargo_mutants(stem, out, "--iterate", *[a for p in later for a in ("--test-package", p)])
    return stem, first, second[1] if second else first[1]


def describe(stem, mutant):
    if mutant.get("name"):  # already "file:line:col: what"
        return re.sub(r"steps/step\d\d/\.\./\.\./", "", mutant["name"])
    line = mutant.get("span", {}).get("start", {}).get("line", "?")
    function = mutant.get("function", {}).get("function_name", "?")
    return f"solutions/{stem}.rs:{line}: replace {function} with {mutant.get('replacement', '?')}"


def main():
    ensure_cargo_mutants()
    copy_course()
    wanted = sys.argv[1:]
    chosen = [s for s in steps() if not wanted or s[:2] in wanted]
    lines = [
        "# cargo-mutants over solutions/",
        "",
        "Each step's reference against its own tests, then its survivors against every test.",
        "",
        "| step | mutants | caught by the step's tests | caught by a later step's | unviable | missed |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    all_missed = []
    for stem in chosen:
        stem, first, missed = run_step(stem)
        if first is None:
            lines.append(f"| {stem} | no result (see target/mutants/{stem}) | | | | |")
            continue
        tally, first_missed = first
        total = sum(tally.values())
        lines.append(
            f"| {stem} | {total} | {tally.get('CaughtMutant', 0)} | {len(first_missed) - len(missed)}"
            f" | {tally.get('Unviable', 0)} | {len(missed)} |"
        )
        all_missed += missed
    lines += ["", "## Missed", ""] + [f"- {m}" for m in all_missed or ["none"]]
    report = WORK / "report.md"
    report.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"mutants: report in {report.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
