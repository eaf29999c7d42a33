"""Loads lockbench result files into pandas and draws the standard plots.

One row per run (lock, workload, thread count, repetition), from pandas.json_normalize over each
document's `runs`, so nested fields become dotted columns: "latency_ns.shared.p99",
"fairness.jain_index", "handoff.reacquire_rate". Lists stay as list columns ("per_thread",
"time_series.shared_ops"); the helpers below turn them into long tables for plotting.

Used by lockbench.ipynb and seed_claims.ipynb; every plot function returns its matplotlib Figure
so a notebook shows it and a test can inspect it.
"""

import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

import matplotlib

# Scripts and tests without a display draw off-screen; a notebook kernel keeps its own backend.
if "ipykernel" not in sys.modules and not os.environ.get("DISPLAY") \
        and not os.environ.get("MPLBACKEND"):
    matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the backend choice)
import pandas as pd  # noqa: E402

KEY = ["lock", "workload", "threads"]
PERCENTILES = ["p50", "p90", "p99", "p999", "max"]


# ---- Finding the binary and the result files ---------------------------------------------------

def find_binary():
    """$LOCKBENCH_BIN, else `lockbench` on PATH, else the Bazel build of this checkout."""
    if os.environ.get("LOCKBENCH_BIN"):
        return os.environ["LOCKBENCH_BIN"]
    on_path = shutil.which("lockbench")
    if on_path:
        return on_path
    here = os.path.dirname(os.path.abspath(__file__))
    built = os.path.normpath(os.path.join(here, "..", "..", "bazel-bin", "tool", "lockbench"))
    if os.access(built, os.X_OK):
        return built
    raise FileNotFoundError("no lockbench binary: set LOCKBENCH_BIN, put lockbench on PATH, "
                            "or `bazel build //tool:lockbench`")


def run_lockbench(args, out=None, binary=None, check=True):
    """Runs `lockbench ARGS... [--out OUT]`; returns the CompletedProcess (text output)."""
    cmd = [binary or find_binary()] + list(args)
    if out:
        cmd += ["--out", out]
    return subprocess.run(cmd, capture_output=True, text=True, check=check)


def results_or_run(env_var, run_args, name):
    """The result file(s) named by $ENV_VAR; when it is unset, measures with `run_args` into a
    temporary file (short defaults, so a notebook works out of the box) and returns that path."""
    if os.environ.get(env_var):
        return os.environ[env_var]
    out = os.path.join(tempfile.mkdtemp(prefix="lockbench-"), name)
    print(f"{env_var} is not set: measuring `lockbench {' '.join(run_args)}` into {out}")
    run_lockbench(["run"] + list(run_args), out=out)
    return out


def expand_paths(paths):
    """Files from a path, a directory (its *.json), a glob, an os.pathsep-separated string, or a
    list of any of these; sorted within each item."""
    if isinstance(paths, str):
        paths = [p for p in paths.split(os.pathsep) if p]
    files = []
    for p in paths:
        p = os.fspath(p)
        if os.path.isdir(p):
            files += sorted(glob.glob(os.path.join(p, "*.json")))
        elif any(c in p for c in "*?["):
            files += sorted(glob.glob(p))
        else:
            files.append(p)
    if not files:
        raise FileNotFoundError(f"no result files in {paths!r}")
    return files


# ---- Loading -----------------------------------------------------------------------------------

def load_documents(paths):
    """The parsed result documents, in file order."""
    docs = []
    for path in expand_paths(paths):
        with open(path) as f:
            doc = json.load(f)
        if not isinstance(doc, dict) or "runs" not in doc:
            raise ValueError(f"{path}: not a lockbench result file (no 'runs')")
        doc["_path"] = path
        docs.append(doc)
    return docs


def load_runs(paths):
    """One row per run of every file, with `source` (the file) and the context's cpu_model,
    hostname and commit so files from different machines or builds stay apart."""
    frames = []
    for doc in load_documents(paths):
        df = pd.json_normalize(doc["runs"])
        df["source"] = doc["_path"]
        ctx = doc.get("context", {})
        for key in ("cpu_model", "hostname", "commit"):
            df[key] = ctx.get(key)
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def ok_runs(df):
    """Runs that ended ok (violations, stalls and interruptions measure nothing useful)."""
    return df[df["status"] == "ok"]


# ---- Tables derived from the runs --------------------------------------------------------------

def median_by(df, columns, by=KEY):
    """Medians over repetitions of the given columns, one row per (lock, workload, threads)."""
    return ok_runs(df).groupby(by, as_index=False)[columns].median()


def per_thread_shares(df):
    """One row per thread of every run: lock, workload, threads, repetition, thread, role, ops,
    share (its fraction of the run's operations) and fair_ratio = share * threads (1 = fair)."""
    rows = []
    for _, run in ok_runs(df).iterrows():
        for t in run["per_thread"]:
            rows.append({"lock": run["lock"], "workload": run["workload"],
                         "threads": run["threads"], "repetition": run["repetition"],
                         "thread": t["thread"], "role": t["role"], "ops": t["ops"],
                         "share": t["share"], "fair_ratio": t["share"] * run["threads"]})
    return pd.DataFrame(rows, columns=["lock", "workload", "threads", "repetition", "thread",
                                       "role", "ops", "share", "fair_ratio"])


def time_series(df):
    """One row per time-series interval of every run: t_s (end of the interval, seconds),
    shared_ops, exclusive_ops and ops_per_s."""
    rows = []
    for _, run in ok_runs(df).iterrows():
        interval = run["time_series.interval_ns"] / 1e9
        shared, exclusive = run["time_series.shared_ops"], run["time_series.exclusive_ops"]
        for i, (s, e) in enumerate(zip(shared, exclusive)):
            rows.append({"lock": run["lock"], "workload": run["workload"],
                         "threads": run["threads"], "repetition": run["repetition"],
                         "t_s": (i + 1) * interval, "shared_ops": s, "exclusive_ops": e,
                         "ops_per_s": (s + e) / interval})
    return pd.DataFrame(rows, columns=["lock", "workload", "threads", "repetition", "t_s",
                                       "shared_ops", "exclusive_ops", "ops_per_s"])


def run_length_histogram(df):
    """Hand-off run lengths (consecutive grants to one thread), summed over repetitions: one row
    per (lock, workload, threads, run_length) with `runs` (how many such runs) and `grants`
    (run_length * runs: the grants they account for)."""
    prefix = "handoff.run_lengths."
    cols = [c for c in df.columns if c.startswith(prefix)]
    rows = []
    for _, run in ok_runs(df).iterrows():
        for c in cols:
            n = run[c]
            if pd.notna(n) and n > 0:
                length = int(c[len(prefix):])
                rows.append({"lock": run["lock"], "workload": run["workload"],
                             "threads": run["threads"], "run_length": length, "runs": int(n),
                             "grants": int(n) * length})
    out = pd.DataFrame(rows, columns=KEY + ["run_length", "runs", "grants"])
    if out.empty:
        return out
    return out.groupby(KEY + ["run_length"], as_index=False)[["runs", "grants"]].sum()


def latency_percentiles(df):
    """Acquire-latency percentiles (ns), medians over repetitions, one row per (lock, workload,
    threads, mode, percentile). Modes never timed in a run (count 0) are left out."""
    rows = []
    for mode in ("shared", "exclusive"):
        base = f"latency_ns.{mode}"
        timed = ok_runs(df)[ok_runs(df)[f"{base}.count"] > 0]
        if timed.empty:
            continue
        med = timed.groupby(KEY, as_index=False)[[f"{base}.{p}" for p in PERCENTILES]].median()
        for _, r in med.iterrows():
            for p in PERCENTILES:
                rows.append({"lock": r["lock"], "workload": r["workload"], "threads": r["threads"],
                             "mode": mode, "percentile": p, "ns": r[f"{base}.{p}"]})
    return pd.DataFrame(rows, columns=KEY + ["mode", "percentile", "ns"])


# ---- Plots -------------------------------------------------------------------------------------

def _pick(df, workload=None, threads=None):
    """Rows of one workload (default: the first) and, if given, one thread count (or the
    largest when threads == "max")."""
    if workload is None:
        workload = df["workload"].iloc[0]
    df = df[df["workload"] == workload]
    if threads == "max":
        threads = df["threads"].max()
    if threads is not None:
        df = df[df["threads"] == threads]
    return df, workload, threads


def plot_throughput_vs_threads(df, workload=None):
    """Median throughput (Mops/s) against thread count, one line per lock."""
    runs, workload, _ = _pick(ok_runs(df), workload)
    med = median_by(runs, ["throughput_ops_per_s"])
    fig, ax = plt.subplots(figsize=(7, 4))
    for lock, g in med.groupby("lock"):
        g = g.sort_values("threads")
        ax.plot(g["threads"], g["throughput_ops_per_s"] / 1e6, marker="o", label=lock)
    ax.set_xlabel("threads")
    ax.set_ylabel("throughput (Mops/s, median)")
    ax.set_title(f"{workload}: throughput")
    ax.set_xticks(sorted(med["threads"].unique()))
    ax.legend()
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return fig


def plot_latency_percentiles(df, workload=None, threads="max"):
    """Shared and exclusive acquire latency by percentile on a log axis, one line per lock."""
    lat, workload, threads = _pick(latency_percentiles(df), workload, threads)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for ax, mode in zip(axes, ("shared", "exclusive")):
        m = lat[lat["mode"] == mode]
        for lock, g in m.groupby("lock"):
            g = g.set_index("percentile").reindex(PERCENTILES)
            ax.plot(PERCENTILES, g["ns"].clip(lower=1), marker="o", label=lock)
        ax.set_yscale("log")
        ax.set_title(f"{mode} acquire ({threads} threads)")
        ax.set_xlabel("percentile")
        ax.grid(True, which="both", alpha=0.3)
        if not m.empty:
            ax.legend()
    axes[0].set_ylabel("latency (ns, log)")
    fig.suptitle(f"{workload}: acquire latency")
    fig.tight_layout()
    return fig


def plot_per_thread_shares(df, workload=None, threads="max"):
    """Each thread's share of the operations relative to a fair share (1 = fair), median over
    repetitions, grouped by lock."""
    shares, workload, threads = _pick(per_thread_shares(df), workload, threads)
    med = shares.groupby(["lock", "thread"], as_index=False)["fair_ratio"].median()
    locks = sorted(med["lock"].unique())
    fig, ax = plt.subplots(figsize=(8, 4))
    n = max(int(threads or 1), 1)
    width = 0.8 / n
    for t in range(n):
        vals = [med[(med["lock"] == lk) & (med["thread"] == t)]["fair_ratio"].sum() for lk in locks]
        ax.bar([i + t * width for i in range(len(locks))], vals, width, label=f"thread {t}")
    ax.axhline(1.0, color="black", linestyle="--", linewidth=1, label="fair share")
    ax.set_xticks([i + (n - 1) * width / 2 for i in range(len(locks))])
    ax.set_xticklabels(locks)
    ax.set_ylabel("share / fair share (median)")
    ax.set_title(f"{workload}: per-thread shares ({threads} threads)")
    if n <= 8:
        ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


def plot_time_series(df, workload=None, threads="max", repetition=1):
    """Operations per second over the measured window, one line per lock (one repetition)."""
    ts, workload, threads = _pick(time_series(df), workload, threads)
    ts = ts[ts["repetition"] == repetition]
    fig, ax = plt.subplots(figsize=(8, 4))
    for lock, g in ts.groupby("lock"):
        ax.plot(g["t_s"] * 1e3, g["ops_per_s"] / 1e6, marker=".", label=lock)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("Mops/s in the interval")
    ax.set_title(f"{workload}: throughput over time ({threads} threads, repetition {repetition})")
    ax.grid(True, alpha=0.3)
    if not ts.empty:
        ax.legend()
    fig.tight_layout()
    return fig


def plot_run_length_histogram(df, workload=None, threads="max"):
    """How many grants came in runs of each length (consecutive grants to one thread), log-log:
    a barging lock has long runs, a hand-off lock runs of 1."""
    h, workload, threads = _pick(run_length_histogram(df), workload, threads)
    fig, ax = plt.subplots(figsize=(7, 4))
    for lock, g in h.groupby("lock"):
        g = g.sort_values("run_length")
        ax.plot(g["run_length"], g["grants"], marker="o", label=lock)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("run length (consecutive grants to one thread)")
    ax.set_ylabel("grants in runs of that length")
    ax.set_title(f"{workload}: hand-off run lengths ({threads} threads)")
    ax.grid(True, which="both", alpha=0.3)
    if not h.empty:
        ax.legend()
    fig.tight_layout()
    return fig
