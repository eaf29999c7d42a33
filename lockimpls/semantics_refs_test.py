#!/usr/bin/env python3
"""Every test lockimpls/SEMANTICS.md names exists.

SEMANTICS.md follows each rule with the test that proves it, written `file_test.cc: Suite.Name`
(paths from lockimpls/, or from the repository root, e.g. `results/profile_test.cc:`). A
renamed or deleted test would leave the rule citing nothing; this fails, listing each such
reference with its line. Typed tests are named `ConformanceTest/<lock name>.<Test>` and match
`TYPED_TEST(ConformanceTest, Test)`.

Usage: semantics_refs_test.py SEMANTICS.md ROOT
"""
import pathlib
import re
import sys

REF = re.compile(r"`?((?:[a-z_]+/)*[a-z_]+_test\.cc): ([A-Za-z0-9_]+)(?:/<[^>]+>|/[A-Za-z0-9_]+)?\.([A-Za-z0-9_]+)")


def main(argv):
    semantics = pathlib.Path(argv[1])
    root = pathlib.Path(argv[2])
    sources = {}
    problems = []
    refs = 0
    for number, line in enumerate(semantics.read_text().splitlines(), 1):
        for path, suite, name in REF.findall(line):
            if path == "file_test.cc":
                continue  # the convention's own example
            refs += 1
            file = root / path if (root / path).exists() else root / "lockimpls" / path
            if file not in sources:
                sources[file] = file.read_text() if file.exists() else None
            text = sources[file]
            if text is None:
                problems.append(f"{semantics.name}:{number}: {path} does not exist")
                continue
            test = re.compile(r"\b(?:TEST|TEST_F|TEST_P|TYPED_TEST|TYPED_TEST_P)\(\s*" + suite +
                              r"\s*,\s*" + name + r"\s*\)")
            if not test.search(text):
                problems.append(f"{semantics.name}:{number}: {path} has no test {suite}.{name}")
    for p in problems:
        print(p)
    print(f"semantics_refs_test: {refs} references, {len(problems)} to tests that do not exist")
    return 1 if problems or refs == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
