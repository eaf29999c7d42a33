#!/usr/bin/env python3
"""compare's statistics against scipy on fixed data: per-invocation medians, the Mann-Whitney
p-value, Holm and Benjamini-Hochberg adjustment, and the detection limit (mde).

Usage: compare_stats_test.py LOCKBENCH_BINARY
"""
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
from scipy import stats

ALPHA, POWER = 0.05, 0.8


def holm(p):
    """Holm's step-down adjustment, written from its definition."""
    m, order = len(p), sorted(range(len(p)), key=lambda i: p[i])
    out, running = [0.0] * m, 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        out[i] = running
    return out


def bh(p):
    """Benjamini-Hochberg's step-up adjustment, written from its definition."""
    m, order = len(p), sorted(range(len(p)), key=lambda i: p[i])
    out, running = [0.0] * m, 1.0
    for rank in range(m - 1, -1, -1):
        i = order[rank]
        running = min(running, m / (rank + 1) * p[i])
        out[i] = min(1.0, running)
    return out


# Known values: R's p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm") and "BH".
assert np.allclose(holm([0.01, 0.04, 0.03, 0.005]), [0.03, 0.06, 0.06, 0.02])
assert np.allclose(bh([0.01, 0.04, 0.03, 0.005]), [0.02, 0.04, 0.04, 0.02])

# Throughput per invocation (rows) and repetition (columns) for each lock and side. No ties, so
# scipy's exact test and lockbench's agree on the definition.
rng = np.random.default_rng(7)
DATA = {}
for lock, shift, reps in (("alpha", 0.0, 1), ("beta", -0.06, 1), ("gamma", -0.03, 3),
                          ("delta", 0.02, 2)):
    base = 1e6 * (1 + 0.03 * rng.standard_normal((7, reps)))
    new = 1e6 * (1 + shift + 0.03 * rng.standard_normal((6, reps)))
    DATA[lock] = (base, new)


def write_side(directory, side):
    os.makedirs(directory)
    invocations = DATA["alpha"][side].shape[0]
    for inv in range(invocations):
        runs = []
        for lock, sides in DATA.items():
            for rep, value in enumerate(sides[side][inv]):
                runs.append({"lock": lock, "workload": "read-mostly", "threads": 2,
                             "placement": "compact", "repetition": rep + 1, "status": "ok",
                             "throughput_ops_per_s": float(value),
                             "latency_ns": {m: {"count": 0, "p50": 0, "p99": 0}
                                            for m in ("shared", "exclusive")},
                             "fairness": {"jain_index": 1.0}})
        doc = {"schema_version": 1,
               "context": {"cpu_model": "cpu", "topology": "t", "invocation": f"{side}-{inv}"},
               "runs": runs}
        with open(os.path.join(directory, f"inv-{inv}.json"), "w") as f:
            json.dump(doc, f)


def main():
    binary = sys.argv[1]
    tmp = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
    write_side(os.path.join(tmp, "base"), 0)
    write_side(os.path.join(tmp, "new"), 1)
    for correction, adjust in (("holm", holm), ("bh", bh), ("none", lambda p: p)):
        out = subprocess.run([binary, "compare", os.path.join(tmp, "base"),
                              os.path.join(tmp, "new"), "--format", "json",
                              "--correction", correction],
                             capture_output=True, text=True)
        assert out.returncode in (0, 1), out.stderr
        report = json.loads(out.stdout)
        assert report["correction"] == correction
        comparisons = {c["lock"]: c for c in report["comparisons"]}
        assert sorted(comparisons) == sorted(DATA)
        raw = {}
        for lock, (base, new) in DATA.items():
            c = comparisons[lock]
            a, b = np.median(base, axis=1), np.median(new, axis=1)
            assert np.allclose(c["baseline"]["values"], a, rtol=1e-12), lock
            assert np.allclose(c["new"]["values"], b, rtol=1e-12), lock
            assert c["baseline"]["n"] == 7 and c["baseline"]["repetitions"] == base.size
            expected_p = stats.mannwhitneyu(a, b, alternative="two-sided", method="exact").pvalue
            assert math.isclose(c["p_value"], expected_p, rel_tol=1e-9), (lock, c["p_value"],
                                                                           expected_p)
            raw[lock] = expected_p
        locks = list(raw)
        adjusted = dict(zip(locks, adjust([raw[k] for k in locks])))
        level = ALPHA if correction == "none" else ALPHA / len(locks)
        for lock, (base, new) in DATA.items():
            c = comparisons[lock]
            assert math.isclose(c["p_adjusted"], adjusted[lock], rel_tol=1e-9), (correction, lock)
            a, b = np.median(base, axis=1), np.median(new, axis=1)
            pooled = math.sqrt((np.var(a, ddof=1) * (len(a) - 1) + np.var(b, ddof=1) * (len(b) - 1))
                               / (len(a) + len(b) - 2))
            shift = ((stats.norm.ppf(1 - level / 2) + stats.norm.ppf(POWER)) * pooled *
                     math.sqrt(1 / len(a) + 1 / len(b)) * math.sqrt(math.pi / 3))
            assert math.isclose(c["mde"], shift / abs(np.median(a)), rel_tol=1e-9), (
                correction, lock, c["mde"], shift / abs(np.median(a)))
    print("compare_stats_test: passed")


if __name__ == "__main__":
    main()
