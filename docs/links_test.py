#!/usr/bin/env python3
"""Every relative link and #anchor in README.md and docs/*.md leads somewhere.

A link is `[text](target)` or `![alt](target)` outside code (fenced blocks and `inline code`).
Web links (a scheme such as https:) are not followed. A relative target must name a file or
folder of the source tree, relative to the page; a #anchor must name a heading of the target
page (or of the page itself), by GitHub's rule: the heading's text lowercased, punctuation
removed (letters, digits, spaces, '-' and '_' stay), each space turned into '-', and a repeated
heading suffixed -1, -2, ... Each broken link is one line, FILE:LINE: what is wrong, and the
test fails.

Usage: links_test.py README.md DOCS_PAGE... (the tree's root is the folder README.md is in,
resolved through Bazel's runfiles links to the source tree).
"""

import os
import re
import sys

LINK = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
INLINE_CODE = re.compile(r"(`+)(.+?)\1")


def prose_lines(path):
    """(line number, text) of the lines outside fenced code blocks."""
    fence = None
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            m = FENCE.match(line)
            if m:
                if fence is None:
                    fence = m.group(1)
                elif m.group(1) == fence:
                    fence = None
                continue
            if fence is None:
                yield number, line.rstrip("\n")


def slug(heading):
    """GitHub's anchor for a heading's text."""
    text = INLINE_CODE.sub(lambda m: m.group(2), heading)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link's text stays
    text = text.lower()
    text = "".join(c for c in text if c.isalnum() or c in " -_")
    return text.replace(" ", "-")


def anchors(path, cache={}):
    if path not in cache:
        seen = {}
        found = set()
        for _, line in prose_lines(path):
            m = HEADING.match(line)
            if not m:
                continue
            base = slug(m.group(2))
            n = seen.get(base, 0)
            seen[base] = n + 1
            found.add(base if n == 0 else f"{base}-{n}")
        cache[path] = found
    return cache[path]


def links(path):
    for number, line in prose_lines(path):
        for target in LINK.findall(INLINE_CODE.sub("", line)):
            yield number, target


def check(path, root):
    """The broken links of one page, as 'FILE:LINE: ...' lines."""
    shown = os.path.relpath(path, root)
    problems = []
    for number, target in links(path):
        where = f"{shown}:{number}: link '{target}'"
        if not target:
            problems.append(f"{where}: empty target")
            continue
        if SCHEME.match(target):
            continue
        file_part, _, anchor = target.partition("#")
        dest = path if not file_part else os.path.normpath(
            os.path.join(os.path.dirname(path), file_part))
        if not dest.startswith(root + os.sep) and dest != root:
            problems.append(f"{where}: leads outside the repository")
            continue
        if not os.path.exists(dest):
            problems.append(f"{where}: no file {os.path.relpath(dest, root)}")
            continue
        if anchor:
            if not dest.endswith(".md") or os.path.isdir(dest):
                problems.append(f"{where}: an anchor into a file that is not a Markdown page")
            elif anchor not in anchors(dest):
                problems.append(f"{where}: no heading with anchor #{anchor} in "
                                f"{os.path.relpath(dest, root)}")
    return problems


def main(argv):
    if len(argv) < 2:
        print("usage: links_test.py README.md DOCS_PAGE...", file=sys.stderr)
        return 2
    pages = [os.path.realpath(p) for p in argv[1:]]
    root = os.path.dirname(pages[0])
    problems = [p for page in pages for p in check(page, root)]
    for problem in problems:
        print(problem)
    count = sum(1 for page in pages for _ in links(page))
    print(f"{len(pages)} pages, {count} links, {len(problems)} broken")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
