#!/usr/bin/env python3
"""Makes fixture learners for timing `cargo course grade`: each a copy of
the course whose fifteen exercise files are the reference with one
catalogued mistake each (learner k takes each step's k-th mistake), so every
file differs from the previous learner's and grading must rebuild it all.

usage: python3 scripts/grade_fixtures.py OUT_DIR [COUNT]
"""
import pathlib
import shutil
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent


def main() -> None:
    out = pathlib.Path(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    for k in range(count):
        learner = out / f"learner{k + 1}"
        shutil.rmtree(learner, ignore_errors=True)
        (learner / "exercises").mkdir(parents=True)
        for solution in sorted((ROOT / "solutions").glob("*.rs")):
            text = solution.read_text()
            catalogue = ROOT / "mistakes" / f"{solution.stem}.toml"
            mistakes = tomllib.loads(catalogue.read_text())["mistake"]
            mistake = mistakes[k % len(mistakes)]
            assert mistake["find"] in text, f"{catalogue}: {mistake['id']}"
            text = text.replace(mistake["find"], mistake["replace"], 1)
            (learner / "exercises" / solution.name).write_text(text)
        print(learner)


if __name__ == "__main__":
    main()
