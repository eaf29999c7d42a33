#!/usr/bin/env python3
"""Checks lockbench result files against results/result_schema.json and for internal consistency.

Usage: validate_result.py SCHEMA FILE...   Exit 0 when every file is valid; prints one line per
problem otherwise.
"""
import json
import sys

import jsonschema


def consistency_problems(doc):
    """What the schema cannot say: sums and orders that must hold between fields."""
    if "profile" in doc:
        yield from profile_problems(doc["profile"])
    for i, run in enumerate(doc["runs"]):
        if "contexts" in doc and run["context_index"] >= len(doc["contexts"]):
            yield f"runs[{i}]: context_index {run['context_index']} is past the contexts"
    if "contexts" in doc and len(doc["configs"]) != len(doc["contexts"]):
        yield "configs and contexts differ in length"
    for i, run in enumerate(doc["runs"]):
        where = f"runs[{i}] ({run['lock']}, {run['threads']} threads, rep {run['repetition']})"
        if run["ops"] != run["shared_ops"] + run["exclusive_ops"]:
            yield f"{where}: ops != shared_ops + exclusive_ops"
        if len(run["per_thread"]) != run["threads"]:
            yield f"{where}: per_thread has {len(run['per_thread'])} entries"
        if run["status"] == "ok" and sum(t["ops"] for t in run["per_thread"]) != run["ops"]:
            yield f"{where}: per-thread ops do not add up"
        for kind in ("latency_ns", "hold_ns"):
            for mode in ("shared", "exclusive"):
                h = run[kind][mode]
                if sum(b[2] for b in h["buckets"]) != h["count"]:
                    yield f"{where}: {kind}.{mode} buckets do not add up to count"
                if h["count"] and not h["min"] <= h["p50"] <= h["p90"] <= h["p99"] <= h["p999"] <= h["max"]:
                    yield f"{where}: {kind}.{mode} percentiles out of order"
        ts = run["time_series"]
        if len(ts["shared_ops"]) != len(ts["exclusive_ops"]):
            yield f"{where}: time series lengths differ"
        contention = run.get("contention")
        for mode in ("shared", "exclusive") if contention else ():
            c = contention[mode]
            if c["acquisitions"] != run[f"{mode}_ops"]:
                yield f"{where}: contention.{mode}.acquisitions is not {mode}_ops"
            if c["contended"] > c["acquisitions"]:
                yield f"{where}: more contended {mode} acquisitions than acquisitions"
            if c["wait_p50_ns"] is not None and c["wait_p50_ns"] > c["wait_p99_ns"]:
                yield f"{where}: contention.{mode} wait percentiles out of order"


def profile_problems(profile):
    """A profile document's sums: buckets add up, percentiles ordered, totals are the locks' sums."""
    for r, row in enumerate(profile["rows"]):
        sums = {"acquisitions": [0, 0], "contended": [0, 0]}
        for p in row["processes"]:
            for lock in p["locks"]:
                where = f"profile.rows[{r}] ({row['lock']}) pid {p['pid']} lock {lock['address']}"
                for i, mode in enumerate(("exclusive", "shared")):
                    if lock["contended"][mode] > lock["acquisitions"][mode]:
                        yield f"{where}: more contended {mode} acquisitions than acquisitions"
                    for key in sums:
                        sums[key][i] += lock[key][mode]
                    for kind in ("wait_ns", "hold_ns"):
                        h = lock[kind][mode]
                        if sum(b[2] for b in h["buckets"]) != h["count"]:
                            yield f"{where}: {kind}.{mode} buckets do not add up to count"
                        if h["count"] and not h["min"] <= h["p50"] <= h["p90"] <= h["p99"] <= h["p999"] <= h["max"]:
                            yield f"{where}: {kind}.{mode} percentiles out of order"
                    if lock["wait_ns"][mode]["count"] != lock["contended"][mode]:
                        yield f"{where}: wait_ns.{mode}.count is not the contended count"
        for key, (ex, sh) in sums.items():
            if row["totals"][key] != {"exclusive": ex, "shared": sh}:
                yield f"profile.rows[{r}] ({row['lock']}): totals.{key} is not the locks' sum"


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        schema = json.load(f)
    validator = jsonschema.Draft202012Validator(schema)
    bad = 0
    for path in argv[2:]:
        with open(path) as f:
            doc = json.load(f)
        problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]
        if not problems:
            problems = list(consistency_problems(doc))
        for p in problems:
            print(f"{path}: {p}")
        bad += bool(problems)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
