#!/usr/bin/env python3
"""Writes the golden result files that compare_cli_test.sh runs `lockbench compare` on.

Usage: make_goldens.py [OUT_DIR]   (default: this script's directory)

Each file is a small but schema-valid result document (two sampled acquisitions per mode, one
time-series interval) whose throughput and latency values are fixed multiples of a base, so every
scenario has a known answer. Each run names its own invocation ("rep-N"), as a file gathered
from N invocations of `lockbench run --repetitions 1` would, so its repetitions are independent
samples; the one_invocation_* files instead hold all repetitions of one invocation:
  base.json           eresource and shared_mutex, read-mostly, 2 threads, 7 repetitions
  drop30.json         eresource throughput -30% and shared p99 +40%: a clear regression
  noise.json          the same medians with +-3% noise in another order: no regression
  shift3.json         eresource -3% with tiny noise: significant (p=0.0006) but under 5%
  few_base.json       3 repetitions, few_new.json: -40% with noise; 3 vs 3 cannot reach p<0.1
  unmatched.json      shared_mutex missing, push_lock added: both listed, eresource compared
  other_machine.json  one repetition from another CPU model
  schema2.json        one repetition with schema_version 2
  split_base/, split_drop30/   base.json and drop30.json split over two files each
  one_invocation_base.json, one_invocation_drop30.json   base.json and drop30.json as one
                      invocation each: significance cannot be assessed
  truncated.json, not_json.json, empty.json, wrong_type.json, missing_field.json,
  empty_runs.json     malformed inputs
Run it again after changing the result format; the files are committed.
"""
import copy
import json
import os
import sys

CONTEXT = {
    "tool": "lockbench", "version": "0.1.0", "commit": "0000000", "build_type": "optimized",
    "compiler": "gcc 12.2.0", "date": "2026-01-01T00:00:00Z", "hostname": "ci",
    "cpu_model": "Test CPU @ 2.00GHz", "topology": "1 package, 1 NUMA node, 2 cores, 2 PUs",
    "pus": 2, "cores": 2, "numa_nodes": 1, "packages": 1, "kernel": "Linux 6.1.0",
    "smt": None, "frequency_governor": "performance", "clock": "tsc", "tsc_ghz": 2.0,
    "timer_overhead_ns": 7.5,
}

# Multipliers per repetition: +-1.1% and +-3.3% noise, in different orders.
NOISE_A = [1.000, 1.008, 0.993, 1.004, 0.997, 1.011, 0.989]
NOISE_B = [0.996, 1.003, 1.010, 0.991, 1.006, 0.998, 0.994]
NOISE_WIDE = [1.033, 0.970, 1.012, 0.988, 1.025, 0.979, 1.002]
NOISE_TINY = [1.000, 1.002, 0.998, 1.004, 0.996, 1.005, 0.995]

BASE = {  # lock -> (throughput ops/s, shared p50, shared p99, exclusive p50, exclusive p99, jain)
    "eresource": (2.0e6, 40, 1000, 60, 2000, 0.95),
    "shared_mutex": (3.0e6, 30, 800, 50, 1500, 0.90),
    "push_lock": (4.0e6, 20, 500, 30, 900, 0.97),
}


def latency(p50, p99):
    p50, p99 = int(round(p50)), int(round(p99))
    return {"count": 2, "min": p50, "p50": p50, "p90": p99, "p99": p99, "p999": p99, "max": p99,
            "mean": (p50 + p99) / 2, "stddev": (p99 - p50) / 2,
            "buckets": [[p50, p50, 1], [p99, p99, 1]] if p50 != p99 else [[p50, p50, 2]]}


EMPTY_LATENCY = {"count": 0, "min": 0, "p50": 0, "p90": 0, "p99": 0, "p999": 0, "max": 0,
                 "mean": 0, "stddev": 0, "buckets": []}


def short(lat):
    """A per-thread latency summary: the latency object without its buckets."""
    return {k: v for k, v in lat.items() if k != "buckets"}


def fairness(threads, jain):
    return {"threads": threads, "jain_index": jain, "min_max_ratio": 1.0, "cov": 0.0,
            "starved": False, "share_histogram": {}}


def run(lock, rep, threads, tp_factor, lat_factor=1.0):
    tp, sp50, sp99, ep50, ep99, jain = BASE[lock]
    duration = 0.1
    ops = int(round(tp * tp_factor * duration))
    shared = int(round(ops * 0.95))
    exclusive = ops - shared
    per = [ops // threads + (1 if i < ops % threads else 0) for i in range(threads)]
    sh = [shared // threads + (1 if i < shared % threads else 0) for i in range(threads)]
    per_thread = [{"thread": i, "role": "mixed", "pu": i, "core": i, "numa_node": 0, "package": 0,
                   "ops": per[i], "shared_ops": sh[i], "exclusive_ops": per[i] - sh[i],
                   "try_failures": 0, "share": per[i] / ops,
                   "latency_ns": {"shared": short(latency(sp50, sp99 * lat_factor)),
                                  "exclusive": short(latency(ep50, ep99))},
                   "hold_ns": {"shared": short(EMPTY_LATENCY), "exclusive": short(EMPTY_LATENCY)},
                   "max_wait_ns": ep99, "max_gap_ns": 0}
                  for i in range(threads)]
    f = fairness(threads, jain)
    f["readers"] = fairness(0, 1.0)
    f["writers"] = fairness(0, 1.0)
    return {
        "lock": lock, "workload": "read-mostly", "threads": threads, "repetition": rep,
        "placement": "compact", "status": "ok", "status_detail": "", "duration_s": duration,
        "ops": ops, "shared_ops": shared, "exclusive_ops": exclusive,
        "throughput_ops_per_s": ops / duration, "try_attempts": 0, "try_failures": 0,
        "latency_sample_every": 64,
        "latency_ns": {"shared": latency(sp50, sp99 * lat_factor),
                       "exclusive": latency(ep50, ep99)},
        "hold_ns": {"shared": EMPTY_LATENCY, "exclusive": EMPTY_LATENCY},
        "fairness": f,
        "handoff": {"grants": 0, "reacquire_rate": 0.0, "mean_run": 0.0, "longest_run": 0,
                    "run_lengths": {}, "same_node": 0, "cross_node": 0, "truncated": False},
        "reader_batches": {"admissions": 0, "mean": 0.0, "sizes": {}},
        "starvation": {"reader_max_wait_ns": 0, "writer_max_wait_ns": 0, "reader_max_gap_ns": 0,
                       "writer_max_gap_ns": 0},
        "per_thread": per_thread,
        "time_series": {"interval_ns": 100000000, "shared_ops": [shared],
                        "exclusive_ops": [exclusive]},
        "lock_memory": {"nodes": [], "note": ""},
        "warnings": [],
    }


def document(locks, reps, factors):
    """factors: lock -> list of (throughput factor, shared p99 factor) per repetition."""
    runs = [run(lock, rep + 1, 2, *factors[lock][rep]) for rep in range(reps) for lock in locks]
    for r in runs:
        r["invocation"] = f"rep-{r['repetition']}"
    config = {
        "workload": {"name": "read-mostly", "duration": "100ms", "repetitions": reps, "seed": 1,
                     "read_ratio": 0.95},
        "locks": list(locks), "thread_counts": [2], "placement": "compact", "smt": "on",
        "memory": "first-touch", "latency_sample_every": 64, "verify": True,
        "stall_timeout_ns": 10000000000, "time_series_interval_ns": 100000000,
    }
    return {"schema_version": 1, "context": copy.deepcopy(CONTEXT), "config": config, "runs": runs}


def dumps(doc):
    """Small and diffable: the document indented, each run on one line."""
    head = {k: v for k, v in doc.items() if k != "runs"}
    text = json.dumps(head, indent=1)[:-2]
    runs = ",\n  ".join(json.dumps(r, separators=(",", ":")) for r in doc["runs"])
    return text + ',\n "runs": [\n  ' + runs + "\n ]\n}\n"


def steady(noise, tp=1.0, lat=1.0):
    return [(tp * n, lat * n) for n in noise]


def main(out):
    files = {}
    files["base.json"] = document(["eresource", "shared_mutex"], 7,
                                  {"eresource": steady(NOISE_A), "shared_mutex": steady(NOISE_A)})
    files["drop30.json"] = document(["eresource", "shared_mutex"], 7,
                                    {"eresource": steady(NOISE_B, tp=0.70, lat=1.40),
                                     "shared_mutex": steady(NOISE_B)})
    files["noise.json"] = document(["eresource", "shared_mutex"], 7,
                                   {"eresource": steady(NOISE_WIDE),
                                    "shared_mutex": steady(NOISE_WIDE)})
    files["shift3.json"] = document(["eresource", "shared_mutex"], 7,
                                    {"eresource": steady(NOISE_TINY, tp=0.97),
                                     "shared_mutex": steady(NOISE_B)})
    files["few_base.json"] = document(["eresource"], 3, {"eresource": steady([1.0, 0.5, 1.4])})
    files["few_new.json"] = document(["eresource"], 3, {"eresource": steady([0.60, 1.14, 0.42])})
    files["unmatched.json"] = document(["eresource", "push_lock"], 7,
                                       {"eresource": steady(NOISE_B), "push_lock": steady(NOISE_B)})
    # Refused inputs need only one repetition of one lock.
    small = document(["eresource", "shared_mutex"], 1,
                     {"eresource": steady(NOISE_A), "shared_mutex": steady(NOISE_A)})
    other = copy.deepcopy(small)
    other["context"]["cpu_model"] = "Other CPU @ 3.00GHz"
    files["other_machine.json"] = other
    schema2 = copy.deepcopy(small)
    schema2["schema_version"] = 2
    files["schema2.json"] = schema2
    wrong = copy.deepcopy(small)
    wrong["runs"][1]["threads"] = "two"
    files["wrong_type.json"] = wrong
    missing = copy.deepcopy(small)
    del missing["runs"][0]["throughput_ops_per_s"]
    files["missing_field.json"] = missing
    empty_runs = copy.deepcopy(small)
    empty_runs["runs"] = []
    files["empty_runs.json"] = empty_runs

    for name in ("base", "drop30"):
        one = copy.deepcopy(files[f"{name}.json"])
        one["context"]["invocation"] = f"one-{name}"
        for r in one["runs"]:
            del r["invocation"]
        files[f"one_invocation_{name}.json"] = one

    texts = {name: dumps(doc) for name, doc in files.items()}
    texts["truncated.json"] = texts["base.json"][:1500]
    texts["not_json.json"] = "lockbench result: eresource 2.0 Mops/s\n"
    texts["empty.json"] = ""
    for name, source in (("split_base", "base.json"), ("split_drop30", "drop30.json")):
        doc = files[source]
        first, second = copy.deepcopy(doc), copy.deepcopy(doc)
        first["runs"] = [r for r in doc["runs"] if r["repetition"] <= 4]
        second["runs"] = [r for r in doc["runs"] if r["repetition"] > 4]
        texts[f"{name}/part1.json"] = dumps(first)
        texts[f"{name}/part2.json"] = dumps(second)

    for name, text in texts.items():
        path = os.path.join(out, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))))
