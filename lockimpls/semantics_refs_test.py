#!/usr/bin/env python3
"""SEMANTICS.md and the lock tests point at each other, both ways, and every pointer holds.

Forward: every test lockimpls/SEMANTICS.md names exists. SEMANTICS.md follows each rule with the
test that proves it, written `file_test.cc: Suite.Name` (paths from lockimpls/, or from the
repository root, e.g. `results/profile_test.cc:`). A renamed or deleted test would leave the rule
citing nothing; this fails, listing each such reference with its line. Typed tests are named
`ConformanceTest/<lock name>.<Test>` and match `TYPED_TEST(ConformanceTest, Test)`.

Reverse: every test (TEST, TEST_F, TEST_P, TYPED_TEST, TYPED_TEST_P at line start) in the lock
test files of RULE_FILES names the rule it proves, in the comment block directly above it
(between the previous code line and the TEST line), on a line

    // Rule: <Section> > <Subsection>

or `// Rule: <Section>` where the section has no fitting subsection, optionally followed by
`: <the rule in short>`, which may wrap onto further `//` lines. <Section> is the text of a
`## ` heading of SEMANTICS.md and <Subsection> that of a `### ` heading under it; the heading
path must stand on the Rule line itself. This fails for a test with no Rule line, for a heading
path SEMANTICS.md does not have, and, where SEMANTICS.md cites the test under some heading
(`Suite.Name`, with or without its file, the text before the first `## ` not counted), for a
heading path that is not one of those citing it. A renamed heading, or a rule moved to another
subsection, therefore shows up in the tests that name it.

Before either check, the reverse checker runs on a small planted SEMANTICS.md and test file
held below (a test with no Rule line, one naming a missing heading, one naming a subsection
that does not cite it) and the test fails unless all three are reported and nothing else.

Each problem is one line `file:line: ...`; any problem makes the exit status 1.

Usage: semantics_refs_test.py SEMANTICS.md ROOT
"""
import pathlib
import re
import sys

REF = re.compile(r"`?((?:[a-z_]+/)*[a-z_]+_test\.cc): ([A-Za-z0-9_]+)(?:/<[^>]+>|/[A-Za-z0-9_]+)?\.([A-Za-z0-9_]+)")

# The lock test files whose tests must each name their rule, relative to ROOT.
RULE_FILES = [
    "lockimpls/cache_aware_push_lock_test.cc",
    "lockimpls/conformance_test.cc",
    "lockimpls/critical_section_test.cc",
    "lockimpls/eresource_test.cc",
    "lockimpls/ex_spin_lock_test.cc",
    "lockimpls/fast_mutex_test.cc",
    "lockimpls/flt_push_lock_test.cc",
    "lockimpls/lock_schedules_test.cc",
    "lockimpls/push_lock_test.cc",
    "lockimpls/queued_spin_lock_test.cc",
    "lockimpls/registry_test.cc",
    "lockimpls/srwlock_test.cc",
]

TEST_START = re.compile(r"(?:TEST|TEST_F|TEST_P|TYPED_TEST|TYPED_TEST_P)\(")
TEST_HEAD = re.compile(r"(?:TEST|TEST_F|TEST_P|TYPED_TEST|TYPED_TEST_P)\(\s*(\w+)\s*,\s*(\w+)\s*\)")
RULE_LINE = re.compile(r"\s*//\s*Rule:\s*(.*?)\s*$")

# The reverse checker's own test: planted problems it must report, one line each.
PLANTED_SEMANTICS = """\
# Planted

Intro text citing `planted_test.cc: PlantedTest.CitedInTheIntroOnly`, which does not count.

## Lock

### Acquire

- A rule. Test: `planted_test.cc: PlantedTest.Cited`.
- Another. Test: `planted_test.cc: PlantedTest.CitedUnderAcquire`.

### Release

- Untested.
"""
PLANTED_TESTS = """\
#include "gtest/gtest.h"

// Rule: Lock > Acquire: a rule.
TEST(PlantedTest, Cited) {}

// Rule: Lock > Release
TEST(PlantedTest, Uncited) {}

// Rule: Lock > Release: proves what Acquire says.
TEST(PlantedTest, CitedUnderAcquire) {}

// Rule: Lock
TEST(PlantedTest, CitedInTheIntroOnly) {}

// A comment, but no rule line.
TEST(PlantedTest, NoRuleLine) {}

// Rule: Lock > Acquisition: no such subsection.
TEST(PlantedTest, MissingHeading) {}
"""
# (test, words its problem line must contain) for every problem the plant must produce.
PLANTED_PROBLEMS = [
    ("PlantedTest.NoRuleLine", "has no `// Rule: "),
    ("PlantedTest.MissingHeading", "no heading"),
    ("PlantedTest.CitedUnderAcquire", "cites it under"),
]


class Semantics:
    """The heading paths of a SEMANTICS.md text, and where it cites each test."""

    def __init__(self, text):
        self.lines = text.splitlines()
        self.paths = set()  # "Section" and "Section > Subsection"
        self.subsections = {}  # section -> [subsection, ...]
        self.heading_at = []  # per line: the heading path it stands under, or None
        section = path = None
        for line in self.lines:
            if line.startswith("## "):
                section = path = line[3:].strip()
                self.paths.add(path)
                self.subsections[section] = []
            elif line.startswith("### ") and section is not None:
                subsection = line[4:].strip()
                path = f"{section} > {subsection}"
                self.paths.add(path)
                self.subsections[section].append(subsection)
            self.heading_at.append(path)
        self.text = "\n".join(self.lines)
        self.line_starts = [0]
        for line in self.lines:
            self.line_starts.append(self.line_starts[-1] + len(line) + 1)

    def citations(self, suite, name):
        """[(heading path, line)] of every citation of Suite.Name under a `## ` heading."""
        pattern = re.compile(r"\b" + re.escape(suite) + r"(?:/<[^>]+>|/\w+)?\." + re.escape(name) +
                             r"\b")
        found = []
        for match in pattern.finditer(self.text):
            number = _line_of(self.line_starts, match.start())
            path = self.heading_at[number - 1]
            if path is not None:
                found.append((path, number))
        return found

    def named_path(self, rule):
        """The heading path a Rule line's text starts with (the longest), or None."""
        best = None
        for path in self.paths:
            if rule == path or rule.startswith(path + ":"):
                if best is None or len(path) > len(best):
                    best = path
        return best


def _line_of(starts, offset):
    low, high = 0, len(starts) - 1
    while low < high:
        mid = (low + high + 1) // 2
        if starts[mid] <= offset:
            low = mid
        else:
            high = mid - 1
    return low + 1


def _is_comment_or_blank(line):
    stripped = line.strip()
    return stripped == "" or stripped.startswith("//")


def check_tests(display, text, semantics):
    """Problem lines for the tests of one file, and the number of tests in it."""
    problems = []
    lines = text.splitlines()
    tests = 0
    for index, line in enumerate(lines):
        if not TEST_START.match(line):
            continue
        number = index + 1
        head = TEST_HEAD.match(" ".join(l.strip() for l in lines[index:index + 3]))
        if head is None:
            problems.append(f"{display}:{number}: cannot read the suite and name of this test")
            continue
        tests += 1
        suite, name = head.groups()
        test = f"{suite}.{name}"
        top = index
        while top > 0 and _is_comment_or_blank(lines[top - 1]):
            top -= 1
        rules = [(top + k + 1, RULE_LINE.match(l)) for k, l in enumerate(lines[top:index])]
        rules = [(n, m.group(1)) for n, m in rules if m]
        if not rules:
            problems.append(f"{display}:{number}: {test} has no `// Rule: <Section> > "
                            "<Subsection>` line in the comment block above it")
            continue
        rule_number, rule = rules[0]
        path = semantics.named_path(rule)
        if path is None:
            guess = re.split(r":\s", rule, maxsplit=1)[0]
            section = guess.split(" > ", 1)[0]
            if section in semantics.subsections:
                known = ", ".join(semantics.subsections[section]) or "none"
                hint = f" (subsections of '{section}': {known})"
            else:
                hint = f" (no section '{section}')"
            problems.append(f"{display}:{rule_number}: {test}: Rule '{guess}' names no heading of "
                            f"SEMANTICS.md{hint}")
            continue
        cited = semantics.citations(suite, name)
        if cited and path not in {p for p, _ in cited}:
            where = "; ".join(f"'{p}' (line {n})" for p, n in cited)
            problems.append(f"{display}:{rule_number}: {test}: Rule names '{path}', but "
                            f"SEMANTICS.md cites it under {where}")
    return problems, tests


def self_check():
    """Problems with the checker itself, found on the planted text."""
    problems, tests = check_tests("planted_test.cc", PLANTED_TESTS, Semantics(PLANTED_SEMANTICS))
    failures = []
    for test, words in PLANTED_PROBLEMS:
        if not any(test + ":" in p or test + " " in p for p in problems if words in p):
            failures.append(f"self-check: the planted {test} was not reported ({words})")
    if len(problems) != len(PLANTED_PROBLEMS) or tests != 6:
        failures.append(f"self-check: expected {len(PLANTED_PROBLEMS)} problems in 6 planted "
                        f"tests, got {len(problems)} in {tests}: " + " | ".join(problems))
    return failures


def forward(semantics, root):
    """Problem lines for tests SEMANTICS.md names that do not exist, and the reference count."""
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
    return problems, refs


def main(argv):
    semantics = pathlib.Path(argv[1])
    root = pathlib.Path(argv[2])

    failures = self_check()
    for f in failures:
        print(f"semantics_refs_test: {f}")

    problems, refs = forward(semantics, root)
    for p in problems:
        print(p)
    print(f"semantics_refs_test: {refs} references, {len(problems)} to tests that do not exist")

    parsed = Semantics(semantics.read_text())
    reverse = []
    tests = 0
    for rel in RULE_FILES:
        file = root / rel
        if not file.exists():
            reverse.append(f"{rel}:1: does not exist (listed in RULE_FILES)")
            continue
        found, count = check_tests(rel, file.read_text(), parsed)
        reverse += found
        tests += count
    for p in reverse:
        print(p)
    print(f"semantics_refs_test: {tests} tests in {len(RULE_FILES)} files, {len(reverse)} whose "
          "Rule line is missing or wrong")
    return 1 if failures or problems or refs == 0 or reverse or tests == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
