#!/usr/bin/env python3
"""Makes fixture learners for timing `cargo course grade`: each a folder
whose fifteen exercise files are the reference, WRONG of them (all by
default) with one catalogued mistake (learner k takes each step's k-th
mistake, on steps that differ from learner to learner); each wrong step
is graded again alone. Every file ends with a comment naming its learner,
so that no two learners' files are alike (as in a class): the grader
rebuilds every step of every learner.

usage: python3 scripts/grade_fixtures.py OUT_DIR [COUNT [WRONG]]

WRONG 15 is the worst case (every step graded twice); 2 or 3 is a class
near the end of the course.
"""
import pathlib
import shutil
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent


def main() -> None:
    out = pathlib.Path(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    solutions = sorted((ROOT / "solutions").glob("*.rs"))
    wrong = int(sys.argv[3]) if len(sys.argv) > 3 else len(solutions)
    for k in range(count):
        # Steps k*7, k*7+1, ... (mod 15): every learner a different set.
        mistaken = {(k * 7 + i) % len(solutions) for i in range(wrong)}
        learner = out / f"learner{k + 1}"
        shutil.rmtree(learner, ignore_errors=True)
        (learner / "exercises").mkdir(parents=True)
        for index, solution in enumerate(solutions):
            text = solution.read_text() + f"\n// learner{k + 1}'s own copy\n"
            if index not in mistaken:
                (learner / "exercises" / solution.name).write_text(text)
                continue
            catalogue = ROOT / "mistakes" / f"{solution.stem}.toml"
            mistakes = tomllib.loads(catalogue.read_text())["mistake"]
            mistake = mistakes[k % len(mistakes)]
            assert mistake["find"] in text, f"{catalogue}: {mistake['id']}"
            text = text.replace(mistake["find"], mistake["replace"], 1)
            (learner / "exercises" / solution.name).write_text(text)
        print(learner)


if __name__ == "__main__":
    main()
