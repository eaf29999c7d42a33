#!/usr/bin/env python3
"""Reads a first-entry trace (hooks.c) and prints the trace of a command's options.

The rule: the trace starts at the command's function START (RunCommand, CompareCommand). A stop
is the main thread's first entry into a function of this project whose signature carries the
command's options in one of the forms they travel in (TYPES: the options as given, the typed
plan, the engine's config), in the order of first entry. A template's instantiations are one
function; a lambda is part of the function that holds it; constructors, destructors and
assignments are not stops. A climb is a stop in a file that an earlier stop already left: a
reader following the options has to go back up to a file already read.

Usage: analyze.py TRACE START TYPE[,TYPE...]     (TRACE lines: "BINARY 0xOFFSET")
"""
import re
import subprocess
import sys
from collections import defaultdict

TOP_DIRS = ("tool/", "workloads/", "results/", "lockimpls/", "base/", "arch/")


def project_path(path):
    """The path below the repository root, or None outside the project."""
    for top in TOP_DIRS:
        i = path.find("/" + top)
        if path.startswith(top):
            return path
        if i >= 0 and "external/" not in path[:i]:
            return path[i + 1:]
    return None


def symbolize(binary, offsets):
    out = subprocess.run(["addr2line", "-f", "-C", "-e", binary] + offsets,
                         check=True, capture_output=True, text=True).stdout.splitlines()
    return [(out[2 * i], out[2 * i + 1].split(":")[0]) for i in range(len(offsets))]


def without_templates(text):
    """text with every <...> argument list removed (operator< and operator<< kept)."""
    out, depth = [], 0
    for i, c in enumerate(text):
        if c == "<" and not text[:i].endswith(("operator", "operator<")):
            depth += 1
        elif c == ">" and depth > 0:
            depth -= 1
        elif depth == 0:
            out.append(c)
    return "".join(out)


def is_special_member(signature):
    name = without_templates(signature).replace("(anonymous namespace)", "")
    name = name.split("(")[0].split(" ")[-1]
    parts = name.split("::")
    if len(parts) >= 2 and parts[-1] in (parts[-2], "~" + parts[-2]):
        return True
    return parts[-1].startswith("operator=")


def trace(entries, start, types):
    """entries: [(signature, path)] in first-entry order; returns the stops [(signature, file)]."""
    pattern = re.compile(r"\blockbench::(%s)\b" % "|".join(map(re.escape, types)))
    stops, seen, started = [], set(), False
    for signature, path in entries:
        started = started or re.search(r"\b%s\(" % re.escape(start), signature) is not None
        file = project_path(path)
        if not started or file is None or not pattern.search(signature):
            continue
        key = without_templates(signature)
        if "{lambda" in signature or is_special_member(signature) or key in seen:
            continue
        seen.add(key)
        stops.append((signature, file))
    return stops


def short(signature):
    """The function's name and parameter types, without template arguments or namespaces."""
    return re.sub(r"\b(lockbench|std|engine_internal|nlohmann)::|\(anonymous namespace\)::|"
                  r"\[abi:cxx11\]|__cxx11::", "", without_templates(signature))


def climbs(stops):
    seen, count, previous = set(), 0, None
    for _, file in stops:
        if file != previous and file in seen:
            count += 1
        seen.add(file)
        previous = file
    return count


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    by_binary = defaultdict(list)
    lines = [l.split() for l in open(sys.argv[1]) if l.strip()]
    for binary, offset in lines:
        by_binary[binary].append(offset)
    names = {}
    for binary, offsets in by_binary.items():
        for offset, symbol in zip(offsets, symbolize(binary, offsets)):
            names[(binary, offset)] = symbol
    entries = [names[(b, o)] for b, o in lines]
    stops = trace(entries, sys.argv[2], sys.argv[3].split(","))
    seen, previous = set(), None
    for i, (signature, file) in enumerate(stops, 1):
        mark = "  <- climb" if file != previous and file in seen else ""
        print(f"{i:3} {file:32} {short(signature)}{mark}")
        seen.add(file)
        previous = file
    print(f"stops {len(stops)}, files {len(seen)}, climbs {climbs(stops)}")


if __name__ == "__main__":
    main()
