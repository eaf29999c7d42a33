"""Loads lockbench result files into pandas and draws the standard plots.

One row per run (lock, workload, thread count, repetition), from pandas.json_normalize over each
document's `runs`, so nested fields become dotted columns: "latency_ns.shared.p99",
"handoff.reacquire_rate". Every metric of lockbench's metric table (the schema's x-metrics:
METRICS below) also has a column under its own name ("throughput", "shared_p99", "jain",
"bypass", ...): NaN where the run has no value (a mode never timed, a metric the file predates,
a count of 0 in counted_by), so medians skip it. Lists stay as list columns ("per_thread",
"time_series.shared_ops"); the helpers below turn them into long tables for plotting.

Grant order is read from bypass: "handoff.bypass.<mode>.<stat>" for mode shared or exclusive and
stat sampled, waited, mean, p99, max, fifo_bound, over_fifo_bound (the fraction of waits passed
by more than threads - 1 grants: about 0 for a FIFO lock, clearly above 0 for one that lets
newcomers barge). The count maps ("handoff.bypass.<mode>.counts.<bypass>", like
"handoff.run_lengths.<length>") are one column per value; bypass_histogram gathers them. The bypass and hand-off latency
("handoff.handoff_latency_ns.<stat>") columns are always there: NaN for runs that did not
measure them or files written before they existed. mean, p99, max and over_fifo_bound describe
the waits that some grant passed, so they are NaN, not 0, for a run with no such wait; medians
over repetitions then skip it.

Runs of several machines (a file from `lockbench merge`, whose runs each name their context by
`context_index`, or files from several hosts) keep their own context's hostname, cpu_model,
topology and commit as columns; plot_across_machines draws them side by side.

choose_locks builds the "which lock?" table of choosing_a_windows_lock.ipynb: per workload, the
lock that leads each of throughput, p99 acquire latency, bypass, CPU per op and object size, and
a sentence on what the fastest one gives up (trade_off).

load_timeline reads a `lockbench run --timeline FILE` file (Trace Event JSON) into a table of
wait and hold spans plus the hand-off arrows; plot_timeline draws it as swim lanes.

Used by lockbench.ipynb, seed_claims.ipynb, latency_load.ipynb, choosing_a_windows_lock.ipynb and
timeline.ipynb;
every plot function returns its matplotlib Figure so a notebook shows it and a test can inspect
it. Every figure shows one unit per quantity, named in its axis label: throughput and offered
load in Mops/s (display_unit), latency, response time and CPU time in ns; its linear axes carry
plain numbers, never an offset or multiplier in the corner (plain_numbers).
"""

import glob
import json
import math
import os
import re
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
import matplotlib.ticker as mticker  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
import pandas as pd  # noqa: E402

# What tells runs apart, beside the repetition: arrival_rate is the open loop's offered rate
# (open_loop.offered_ops_per_s) and 0 for a closed-loop run, so a rate sweep's runs stay apart.
KEY = ["lock", "workload", "threads", "arrival_rate"]


def _metric_table():
    """lockbench's metric table, from the result schema: results/result_schema.json above this
    folder in the repository, or a copy beside this module."""
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = [os.path.join(os.path.dirname(here), "result_schema.json"),
                  os.path.join(here, "result_schema.json")]
    for path in candidates:
        if os.path.exists(path):
            with open(path) as f:
                return json.load(f)["x-metrics"]
    raise FileNotFoundError(f"lockbench's result_schema.json not found at {candidates}")


# name, path, unit, better ("higher"/"lower"), across, meaning, counted_by: one per metric.
METRICS = _metric_table()
PERCENTILES = ["p50", "p90", "p99", "p999", "max"]
BYPASS_MODES = ("shared", "exclusive")
BYPASS_STATS = ["sampled", "waited", "mean", "p99", "max", "fifo_bound", "over_fifo_bound"]
BYPASS_OVER_WAITS = ["mean", "p99", "max", "over_fifo_bound"]  # undefined without a wait
LATENCY_STATS = ["count", "min", "p50", "p90", "p99", "p999", "max", "mean", "stddev"]

# The unit a plot shows a metric's unit in, and the factor from one to the other: every figure
# shows throughput (and offered load) in Mops/s, and latencies in ns, as the metric table has them.
PLOT_UNITS = {"ops/s": ("Mops/s", 1e-6)}


def display_unit(metric):
    """(unit, scale) of `metric` (a name of METRICS) on a plot: value * scale is in unit."""
    unit = next((m["unit"] for m in METRICS if m["name"] == metric), "")
    return PLOT_UNITS.get(unit, (unit, 1.0))


def plain_numbers(fig):
    """Labels every linear axis of `fig` with plain numbers: no offset ("+1e7") and no
    scientific multiplier ("1e7") in the corner, which a reader misses beside the axis label's
    unit. Log axes and axes with their own labels (bars' names, percentages) stay as they are.
    Returns fig."""
    for ax in fig.axes:
        _plain_axes(ax)
    return fig


def _plain_axes(ax):
    """plain_numbers for one Axes."""
    for axis in (ax.xaxis, ax.yaxis):
        if axis.get_scale() == "linear" and \
                type(axis.get_major_formatter()) is mticker.ScalarFormatter:
            plain = mticker.ScalarFormatter(useOffset=False)
            plain.set_scientific(False)
            axis.set_major_formatter(plain)


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


CONTEXT_COLUMNS = ("hostname", "cpu_model", "topology", "commit")


def run_contexts(doc):
    """The context of each run of a document: the file's own `context`, or in a merged file
    (`lockbench merge`) the entry of `contexts` that the run's `context_index` names."""
    if "contexts" in doc:
        return [doc["contexts"][run["context_index"]] for run in doc["runs"]]
    return [doc.get("context", {})] * len(doc["runs"])


def run_configs(doc):
    """The config of each run of a document, as run_contexts finds its context (a merged file
    keeps each run's config beside its context, under one index)."""
    if "configs" in doc:
        return [doc["configs"][run["context_index"]] for run in doc["runs"]]
    return [doc.get("config", {})] * len(doc["runs"])


def load_runs(paths):
    """One row per run of every file, with `source` (the file) and its context's hostname,
    cpu_model, topology and commit (per run in a merged file), so runs from different machines
    or builds stay apart; `pus`, the processors of the machine that ran it (NaN if the file
    does not say), `holder_may_block`, the workload's statement that its holders may block
    (False where the file predates it), `free_pus`, the processors other processes left free
    during the run (pus less its cost.other_load share of them, rounded; pus where the run did
    not measure it) and `oversubscribed`, whether the run had more threads than that (False
    where pus is unknown)."""
    frames = []
    for doc in load_documents(paths):
        df = pd.json_normalize(doc["runs"])
        df["source"] = doc["_path"]
        contexts = run_contexts(doc)
        for key in CONTEXT_COLUMNS:
            df[key] = [ctx.get(key) for ctx in contexts]
        df["pus"] = pd.to_numeric(pd.Series([ctx.get("pus") for ctx in contexts], dtype=object),
                                  errors="coerce").values
        df["holder_may_block"] = [bool(cfg.get("workload", {}).get("holder_may_block", False))
                                  for cfg in run_configs(doc)]
        frames.append(df)
    df = pd.concat(frames, ignore_index=True).copy()  # one block per dtype, not per column
    df["arrival_rate"] = pd.to_numeric(df["open_loop.offered_ops_per_s"], errors="coerce") \
        .fillna(0) if "open_loop.offered_ops_per_s" in df.columns else 0.0
    other = pd.to_numeric(df["cost.other_load"], errors="coerce").fillna(0) \
        if "cost.other_load" in df.columns else pd.Series(0.0, index=df.index)
    df["free_pus"] = df["pus"] - (other * df["pus"]).round()
    df["oversubscribed"] = (df["threads"] > df["free_pus"]).where(df["pus"].notna(), False) \
        .astype(bool)
    return _metric_columns(_grant_order_columns(df))


def _metric_columns(df):
    """One column per metric, named as the metric table names it: the value at its path, NaN
    where the path is missing or its count (counted_by) is not above 0."""
    for m in METRICS:
        value = pd.to_numeric(df[m["path"]], errors="coerce") if m["path"] in df.columns \
            else pd.Series(float("nan"), index=df.index)
        if m["counted_by"]:
            count = pd.to_numeric(df[m["counted_by"]], errors="coerce") \
                if m["counted_by"] in df.columns else pd.Series(0, index=df.index)
            value = value.where(count > 0)
        df[m["name"]] = value
    return df


def _grant_order_columns(df):
    """Adds the bypass and hand-off latency columns a file lacks (as NaN), drops the bare
    "handoff.bypass" / "handoff.handoff_latency_ns" columns left by runs where they were null,
    and blanks the over-the-waits bypass statistics of runs with no wait passed."""
    wanted = [f"handoff.bypass.{m}.{s}" for m in BYPASS_MODES for s in BYPASS_STATS]
    wanted += [f"handoff.handoff_latency_ns.{s}" for s in LATENCY_STATS]
    df = df.reindex(columns=list(df.columns) + [c for c in wanted if c not in df.columns])
    bare = [c for c in ("handoff.bypass", "handoff.handoff_latency_ns")
            if c in df.columns and df[c].isna().all()]
    df = df.drop(columns=bare)
    for mode in BYPASS_MODES:
        base = f"handoff.bypass.{mode}"
        no_wait = ~(pd.to_numeric(df[f"{base}.waited"], errors="coerce") > 0)
        df.loc[no_wait, [f"{base}.{s}" for s in BYPASS_OVER_WAITS]] = float("nan")
    return df


def ok_runs(df):
    """Runs that ended ok (violations, stalls and interruptions measure nothing useful)."""
    return df[df["status"] == "ok"]


# ---- Tables derived from the runs --------------------------------------------------------------

def median_by(df, columns, by=KEY):
    """Medians over repetitions of the given columns, one row per (lock, workload, threads,
    arrival_rate)."""
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


def bypass_histogram(df, mode="exclusive"):
    """How many grants passed each waiting acquisition of `mode`, summed over repetitions: one
    row per (lock, workload, threads, bypass) with `waits` (acquisitions passed by that many
    grants) and `fraction` (their share of all such waits of that lock, workload and threads).
    Runs without bypass counts add nothing."""
    if mode not in BYPASS_MODES:
        raise ValueError(f"mode {mode!r}: expected one of {BYPASS_MODES}")
    prefix = f"handoff.bypass.{mode}.counts."
    columns = KEY + ["bypass", "waits", "fraction"]
    cols = [c for c in df.columns if c.startswith(prefix)]
    runs = ok_runs(df)
    if not cols or runs.empty:
        return pd.DataFrame(columns=columns)
    long = runs[KEY + cols].melt(id_vars=KEY, var_name="bypass", value_name="waits")
    long = long[pd.to_numeric(long["waits"], errors="coerce") > 0]
    if long.empty:
        return pd.DataFrame(columns=columns)
    long["bypass"] = long["bypass"].str[len(prefix):].astype(int)
    long["waits"] = long["waits"].astype(int)
    out = long.groupby(KEY + ["bypass"], as_index=False)["waits"].sum()
    out["fraction"] = out["waits"] / out.groupby(KEY)["waits"].transform("sum")
    return out.sort_values(KEY + ["bypass"], ignore_index=True)[columns]


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
                             "arrival_rate": r["arrival_rate"], "mode": mode, "percentile": p, "ns": r[f"{base}.{p}"]})
    return pd.DataFrame(rows, columns=KEY + ["mode", "percentile", "ns"])


RESPONSE_PERCENTILES = ["p50", "p99", "p999"]


def latency_load(df, tolerance=0.03):
    """The open loop's latency-load table: one row per (lock, workload, threads, arrival_rate,
    mode) of the open-loop runs, with the medians over repetitions of achieved_ops_per_s,
    late_fraction and the response-time percentiles p50, p99, p999 (ns, from scheduled arrival
    to grant), and `saturated`: the achieved rate fell more than `tolerance` below the offered
    one, so requests queue without bound and response times grow with the window. Modes with no
    request in a run are left out; closed-loop runs are not in it."""
    columns = KEY + ["mode", "achieved_ops_per_s", "late_fraction", "saturated"] + \
        RESPONSE_PERCENTILES
    runs = ok_runs(df)
    runs = runs[runs["arrival_rate"] > 0]
    frames = []
    for mode in ("shared", "exclusive"):
        base = f"open_loop.response_ns.{mode}"
        if f"{base}.count" not in runs.columns:
            continue
        timed = runs[pd.to_numeric(runs[f"{base}.count"], errors="coerce") > 0]
        if timed.empty:
            continue
        med = timed.groupby(KEY, as_index=False)[
            ["open_loop.achieved_ops_per_s", "late_fraction"] +
            [f"{base}.{p}" for p in RESPONSE_PERCENTILES]].median()
        med = med.rename(columns={"open_loop.achieved_ops_per_s": "achieved_ops_per_s",
                                  **{f"{base}.{p}": p for p in RESPONSE_PERCENTILES}})
        med["mode"] = mode
        med["saturated"] = med["achieved_ops_per_s"] < (1 - tolerance) * med["arrival_rate"]
        frames.append(med)
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns].sort_values(
        ["mode"] + KEY, ignore_index=True)


def saturation_points(df, tolerance=0.03):
    """Per (lock, workload, threads): the lowest offered rate at which the lock fell behind
    (achieved more than `tolerance` below offered; NaN when it kept up at every rate) and the
    highest rate it kept up with."""
    table = latency_load(df, tolerance).drop_duplicates(KEY)
    rows = []
    for key, g in table.groupby(["lock", "workload", "threads"]):
        fell = g[g["saturated"]]["arrival_rate"]
        kept = g[~g["saturated"]]["arrival_rate"]
        rows.append(dict(zip(["lock", "workload", "threads"], key),
                         saturated_at=fell.min() if len(fell) else float("nan"),
                         kept_up_to=kept.max() if len(kept) else float("nan")))
    return pd.DataFrame(rows, columns=["lock", "workload", "threads", "saturated_at",
                                       "kept_up_to"])


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
    med = median_by(runs, ["throughput"])
    fig, ax = plt.subplots(figsize=(7, 4))
    for lock, g in med.groupby("lock"):
        g = g.sort_values("threads")
        ax.plot(g["threads"], g["throughput"] / 1e6, marker="o", label=lock)
    ax.set_xlabel("threads")
    ax.set_ylabel("throughput (Mops/s, median)")
    ax.set_title(f"{workload}: throughput")
    ax.set_xticks(sorted(med["threads"].unique()))
    ax.legend()
    ax.grid(True, alpha=0.3)
    plain_numbers(fig)
    fig.tight_layout()
    return fig


def load_sweep_fits(paths):
    """One row per `sweep_fits` entry of every file (the Universal Scalability Law per workload,
    lock and placement of a thread sweep), with `source`; empty when no file has a sweep."""
    rows = []
    for doc in load_documents(paths):
        for fit in doc.get("sweep_fits", []):
            rows.append(dict(fit, source=doc["_path"]))
    return pd.DataFrame(rows)


def usl_throughput(lam, sigma, kappa, n):
    """X(N) = lambda N / (1 + sigma (N - 1) + kappa N (N - 1))."""
    return lam * n / (1 + sigma * (n - 1) + kappa * n * (n - 1))


def plot_sweep_fits(df, fits, workload=None):
    """Every ok closed-loop repetition's throughput (Mops/s) against thread count, one colour per
    lock, with the fitted USL curve where `fits` (load_sweep_fits) has one; oversubscribed runs
    (more threads than processors) are hollow, as the fit leaves them out. A lock without a fit
    says why in the legend."""
    runs, workload, _ = _pick(ok_runs(df[df["arrival_rate"] == 0]), workload)
    fig, ax = plt.subplots(figsize=(7, 4))
    top = runs["threads"].max()
    for i, (lock, g) in enumerate(runs.groupby("lock")):
        colour = f"C{i}"
        over = g["threads"] > g["pus"].fillna(float("inf"))
        ax.scatter(g.loc[~over, "threads"], g.loc[~over, "throughput"] / 1e6, color=colour)
        ax.scatter(g.loc[over, "threads"], g.loc[over, "throughput"] / 1e6, facecolors="none",
                   edgecolors=colour)
        fit = fits[(fits["lock"] == lock) & (fits["workload"] == workload)] if len(fits) else fits
        label = lock
        if len(fit) and bool(fit.iloc[0]["fitted"]):
            f = fit.iloc[0]
            n = [1 + k * (top - 1) / 100 for k in range(101)]
            ax.plot(n, [usl_throughput(f["lambda_ops_per_s"], f["sigma"], f["kappa"], x) / 1e6
                        for x in n], color=colour)
            label += f" (sigma {f['sigma']:.3f}, kappa {f['kappa']:.2g})"
        elif len(fit):
            label += f" (no fit: {fit.iloc[0]['why_not']})"
        ax.plot([], [], color=colour, marker="o", label=label)
    ax.set_xlabel("threads")
    ax.set_ylabel("throughput (Mops/s)")
    ax.set_title(f"{workload}: scalability (USL fit; hollow: oversubscribed, left out)")
    ax.legend(fontsize="small")
    ax.grid(True, alpha=0.3)
    plain_numbers(fig)
    fig.tight_layout()
    return fig


def plot_throughput_vs_cpu(df, workload=None, threads="max"):
    """Median throughput (Mops/s) against median CPU per acquisition (ns), one point per lock: the
    lock that wins throughput by burning cores sits up and to the right. Locks whose runs did
    not measure cost (files written before it was measured) are left out."""
    runs, workload, threads = _pick(ok_runs(df), workload, threads)
    med = median_by(runs, ["throughput", "cpu_per_op", "voluntary_switches_per_op"])
    med = med.dropna(subset=["cpu_per_op"])
    fig, ax = plt.subplots(figsize=(7, 4))
    for _, row in med.iterrows():
        ax.scatter(row["cpu_per_op"], row["throughput"] / 1e6, label=row["lock"])
        ax.annotate(f"{row['lock']}\n{row['voluntary_switches_per_op']:.2g} sleeps/op",
                    (row["cpu_per_op"], row["throughput"] / 1e6), fontsize=8,
                    xytext=(4, 4), textcoords="offset points")
    ax.set_xscale("log")
    ax.set_xlabel("CPU per acquisition (ns, all threads, median)")
    ax.set_ylabel("throughput (Mops/s, median)")
    ax.set_title(f"{workload}, {threads} threads: what throughput costs in CPU")
    ax.grid(True, alpha=0.3)
    plain_numbers(fig)
    fig.tight_layout()
    return fig


def plot_latency_load(df, workload=None, threads="max", tolerance=0.03):
    """The latency-load curve: response time (scheduled arrival to grant; p50 solid, p99
    dashed, p99.9 dotted, log) against offered load, one colour per lock, one panel per mode.
    A lock's saturation point, the lowest offered rate it could not keep up with (achieved more
    than `tolerance` below offered), is marked with an X on its p50 line and a vertical line: the
    figure shows where each lock falls over."""
    table = latency_load(df, tolerance)
    if table.empty:
        fig, ax = plt.subplots(figsize=(7, 3))
        ax.text(0.5, 0.5, "no open-loop runs: measure with --arrival-rate RATE,RATE,...",
                ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    table, workload, threads = _pick(table, workload, threads)
    modes = [m for m in ("shared", "exclusive") if (table["mode"] == m).any()] or ["shared"]
    fig, axes = plt.subplots(1, len(modes), figsize=(6 * len(modes), 4.5), squeeze=False)
    styles = {"p50": "-", "p99": "--", "p999": ":"}
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, mode in zip(axes[0], modes):
        t = table[table["mode"] == mode]
        for i, (lock, g) in enumerate(t.groupby("lock")):
            g = g.sort_values("arrival_rate")
            colour = colours[i % len(colours)]
            for p, style in styles.items():
                ax.plot(g["arrival_rate"] / 1e6, g[p].clip(lower=1), linestyle=style, marker=".",
                        color=colour, label=f"{lock} {p}" if p == "p50" else None)
            fell = g[g["saturated"]]
            if len(fell):
                first = fell.iloc[0]
                ax.scatter([first["arrival_rate"] / 1e6], [max(first["p50"], 1)], marker="X",
                           s=90, color=colour, zorder=3)
                ax.axvline(first["arrival_rate"] / 1e6, color=colour, alpha=0.4, linewidth=1)
        ax.set_yscale("log")
        rates = t["arrival_rate"]
        if len(rates) and rates.max() >= 10 * rates.min():  # sweeps by factors: even steps
            ax.set_xscale("log")
        ax.set_xlabel("offered load (Mops/s)")
        ax.set_title(f"{mode} requests ({threads} threads)")
        ax.grid(True, which="both", alpha=0.3)
        if not t.empty:
            ax.legend(fontsize="small", title="p50 ─, p99 ╌, p99.9 ┈; X saturated")
    axes[0][0].set_ylabel("response time (ns, log)")
    fig.suptitle(f"{workload}: response time against offered load")
    plain_numbers(fig)
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
    plain_numbers(fig)
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
    plain_numbers(fig)
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
    plain_numbers(fig)
    fig.tight_layout()
    return fig


def plot_bypass_distribution(df, workload=None, threads="max", mode="exclusive"):
    """For each lock, the fraction of its waiting `mode` acquisitions that at least x grants
    passed (y, log) against x, one step line per lock, with the FIFO bound (threads - 1) marked:
    a FIFO lock's line ends at or left of it, a barging lock's goes on past it, just right of it
    at its fraction beyond the bound. The legend gives that fraction, pooled over repetitions,
    and names the locks with no wait to show."""
    runs = ok_runs(df)
    if not runs.empty:
        runs, workload, threads = _pick(runs, workload, threads or "max")  # one bound
    h = bypass_histogram(runs, mode)
    fig, ax = plt.subplots(figsize=(9, 4.5))
    what = "exclusive grants that passed a waiting reader" if mode == "shared" \
        else "exclusive grants that passed a waiting writer"
    ax.set_title(f"{workload or 'no data'}: {what} ({threads} threads)")
    ax.set_xlabel("x: exclusive grants to other threads while it waited (bypass)")
    ax.set_ylabel("fraction of waits passed by at least x (log)")
    if h.empty:
        ax.text(0.5, 0.5, "no bypass counts: no timed wait was passed,\n"
                "or the files predate bypass", ha="center", va="center", transform=ax.transAxes)
        plain_numbers(fig)
        fig.tight_layout()
        return fig
    bound = int(threads) - 1
    for lock in sorted(runs["lock"].unique()):
        g = h[h["lock"] == lock]
        if g.empty:
            sampled = runs[runs["lock"] == lock][f"handoff.bypass.{mode}.sampled"].sum()
            ax.plot([], [], marker="o", markersize=3, linewidth=1,
                    label=f"{lock}: {'no wait passed' if sampled > 0 else 'not measured'}")
            continue
        beyond = g[g["bypass"] > bound]["waits"].sum() / g["waits"].sum()
        at_least = g["fraction"][::-1].cumsum()[::-1]
        ax.step(g["bypass"], at_least, where="pre", marker="o", markersize=3, linewidth=1.2,
                label=f"{lock}: {beyond:.1%} beyond")
    ax.axvline(bound, color="black", linestyle="--", linewidth=1,
               label=f"FIFO bound ({bound})")
    if h["bypass"].max() > 20:
        ax.set_xscale("log")
    else:
        ax.set_xticks(range(1, int(h["bypass"].max()) + 1))
    ax.set_yscale("log")
    ax.set_ylim(10 ** math.floor(math.log10(h["fraction"].min())), 1.5)
    ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda y, _: f"{100 * y:g}%"))
    ax.yaxis.set_minor_formatter(mticker.NullFormatter())
    left, right = ax.get_xlim()
    ax.axvspan(bound, right, color="tab:red", alpha=0.07, label="beyond: barging")
    ax.set_xlim(left, right)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small",
              title="fraction beyond the bound", title_fontsize="small")
    plain_numbers(fig)
    fig.tight_layout()
    return fig


def plot_across_machines(df, workload=None, threads="max", metric="throughput"):
    """The same locks and workload on several machines side by side (a merged file from
    `lockbench merge`, or files from several hosts): one group of bars per lock, one bar per
    machine (hostname and CPU model), the median of `metric` over repetitions. threads="max"
    takes each machine's own largest thread count (machines differ in cores); a number takes
    that count everywhere. The bars are in the metric's display_unit (throughput in Mops/s)."""
    runs, workload, _ = _pick(ok_runs(df), workload)
    if threads == "max":
        runs = runs[runs["threads"] == runs.groupby("hostname")["threads"].transform("max")]
    else:
        runs = runs[runs["threads"] == threads]
    med = runs.groupby(["lock", "hostname", "cpu_model", "threads"], as_index=False)[metric].median()
    unit, scale = display_unit(metric)
    med[metric] = med[metric] * scale
    locks = sorted(med["lock"].unique())
    machines = med[["hostname", "cpu_model", "threads"]].drop_duplicates().sort_values("hostname")
    fig, ax = plt.subplots(figsize=(max(6, 1.5 * len(locks) * max(1, len(machines)) / 2), 4))
    width = 0.8 / max(1, len(machines))
    for i, (_, m) in enumerate(machines.iterrows()):
        mine = med[(med["hostname"] == m["hostname"]) & (med["cpu_model"] == m["cpu_model"])]
        values = [mine[mine["lock"] == lk][metric].sum() if lk in set(mine["lock"]) else float("nan")
                  for lk in locks]
        ax.bar([x + i * width for x in range(len(locks))], values, width,
               label=f"{m['hostname']} ({m['cpu_model']}, {m['threads']} threads)")
    ax.set_xticks([x + (len(machines) - 1) * width / 2 for x in range(len(locks))])
    ax.set_xticklabels(locks)
    ax.set_ylabel(f"{metric} ({unit}, median)")
    ax.set_title(f"{workload}: {metric} across machines")
    ax.grid(True, axis="y", alpha=0.3)
    if len(machines):
        ax.legend(fontsize="small")
    plain_numbers(fig)
    fig.tight_layout()
    return fig



# ---- Timelines ---------------------------------------------------------------------------------

TIMELINE_COLUMNS = ["thread", "role", "pu", "kind", "mode", "start_us", "end_us", "instance",
                    "bypass", "tried"]
ARROW_COLUMNS = ["id", "from_thread", "from_us", "to_thread", "to_us"]
TIMELINE_COLORS = {"exclusive": "tab:red", "shared": "tab:blue"}
_TRACK = re.compile(r"thread (\d+) (.+?) (?:@ PU (\d+)|unpinned)$")


def load_timeline(path):
    """One `lockbench run --timeline FILE` file as a DataFrame of spans, one row per wait
    (kind "wait": request to grant; tried True for a try) and per hold (kind "hold": grant to
    release), with columns TIMELINE_COLUMNS: the thread, its role and PU (from its track's name;
    pu NaN when unpinned), mode (exclusive/shared), start_us and end_us (microseconds since the
    measured window's start), the lock instance and, for holds, bypass (NaN when not measured).
    Threads without a logged acquisition are still in attrs["threads"]. attrs also holds
    "arrows" (a DataFrame, ARROW_COLUMNS: from a release on from_thread at from_us to the grant it
    let in on to_thread at to_us), "run" (the file's otherData) and "label" (the run's name)."""
    with open(path) as f:
        doc = json.load(f)
    if not isinstance(doc, dict) or "traceEvents" not in doc:
        raise ValueError(f"{path}: not a lockbench timeline file (no 'traceEvents')")
    tracks, label, spans, starts, ends = {}, "", [], {}, {}
    for e in doc["traceEvents"]:
        ph, name = e.get("ph"), e.get("name", "")
        if ph == "M" and name == "thread_name":
            m = _TRACK.match(e["args"]["name"])
            tracks[e["tid"]] = (m.group(2), float(m.group(3)) if m and m.group(3) else math.nan) \
                if m else ("", math.nan)
        elif ph == "M" and name == "process_name":
            label = e["args"]["name"]
        elif ph == "X" and name.split(" ")[0] in ("wait", "try", "hold"):
            a = e.get("args", {})
            kind = "hold" if name.startswith("hold") else "wait"
            bypass = a.get("bypass")
            spans.append({"thread": e["tid"], "kind": kind, "mode": a.get("mode"),
                          "start_us": float(e["ts"]), "end_us": float(e["ts"]) + float(e["dur"]),
                          "instance": a.get("instance"),
                          "bypass": math.nan if bypass is None else float(bypass),
                          "tried": bool(a.get("tried", name.startswith("try")))})
        elif ph == "s" and name == "hand-off":
            starts[e["id"]] = (e["tid"], float(e["ts"]))
        elif ph == "f" and name == "hand-off":
            ends[e["id"]] = (e["tid"], float(e["ts"]))
    df = pd.DataFrame(spans, columns=[c for c in TIMELINE_COLUMNS if c not in ("role", "pu")])
    df["role"] = [tracks.get(t, ("", math.nan))[0] for t in df["thread"]]
    df["pu"] = [tracks.get(t, ("", math.nan))[1] for t in df["thread"]]
    df = df[TIMELINE_COLUMNS].sort_values(["thread", "start_us"], kind="stable")
    df = df.reset_index(drop=True)
    arrows = pd.DataFrame([(i,) + starts[i] + ends[i] for i in sorted(starts) if i in ends],
                          columns=ARROW_COLUMNS)
    df.attrs.update(threads=sorted(set(tracks) | set(df["thread"])), arrows=arrows,
                    run=doc.get("otherData", {}), label=label, path=path)
    return df


def timeline_title(df):
    """"<lock>, <workload>, N threads: H holds, X% of hand-offs to another thread"."""
    run = df.attrs.get("run", {})
    arrows = df.attrs.get("arrows", pd.DataFrame(columns=ARROW_COLUMNS))
    holds = int((df["kind"] == "hold").sum())
    cross = (arrows["from_thread"] != arrows["to_thread"]).mean() if len(arrows) else math.nan
    share = f", {cross:.1%} of {len(arrows)} hand-offs to another thread" if len(arrows) else ""
    return (f"{run.get('lock', '?')}, {run.get('workload', '?')}, "
            f"{run.get('threads', len(df.attrs.get('threads', [])))} threads: {holds} holds{share}")


def plot_timeline(ax, df, title=None, window_us=None, arrows="cross"):
    """Swim lanes on `ax`: one lane per thread (thread 0 on top), its holds filled and its waits
    hatched, coloured by mode (TIMELINE_COLORS); the hand-off arrows from a release to the grant
    it let in as lines, "cross" (default) only those to another thread, "all" also a thread
    re-taking the lock, None none. window_us=(start, end) keeps the spans that reach into it and
    sets the x limits. Returns the lane of each thread ({thread: y})."""
    threads = list(df.attrs.get("threads") or sorted(df["thread"].unique()))
    lane = {t: i for i, t in enumerate(threads)}
    spans = df
    if window_us is not None:
        spans = df[(df["end_us"] >= window_us[0]) & (df["start_us"] <= window_us[1])]
    height = 0.7
    for (kind, mode), g in spans.groupby(["kind", "mode"], sort=True):
        color = TIMELINE_COLORS.get(mode, "tab:gray")
        for thread, h in g.groupby("thread"):
            bars = list(zip(h["start_us"], h["end_us"] - h["start_us"]))
            y = (lane[thread] - height / 2, height)
            if kind == "hold":
                ax.broken_barh(bars, y, facecolors=color, edgecolors=color, linewidth=0.2)
            else:
                ax.broken_barh(bars, y, facecolors="none", edgecolors=color, hatch="///",
                               linewidth=0.2, alpha=0.6)
    a = df.attrs.get("arrows")
    if arrows and a is not None and len(a):
        if arrows == "cross":
            a = a[a["from_thread"] != a["to_thread"]]
        if window_us is not None:
            a = a[(a["to_us"] >= window_us[0]) & (a["from_us"] <= window_us[1])]
        segments = [[(f, lane[ft]), (t, lane[tt])] for f, ft, t, tt in
                    zip(a["from_us"], a["from_thread"], a["to_us"], a["to_thread"])]
        if segments:
            ax.add_collection(LineCollection(segments, colors="black", linewidths=0.6,
                                             alpha=0.7, label="hand-off"))
    ax.set_yticks(range(len(threads)))
    roles = dict(zip(df["thread"], df["role"]))
    ax.set_yticklabels([f"thread {t}" + (f" ({roles[t]})" if roles.get(t) else "")
                        for t in threads])
    ax.set_ylim(len(threads) - 0.5, -0.5)
    if window_us is not None:
        ax.set_xlim(*window_us)
    else:
        ax.autoscale(axis="x")
    ax.set_xlabel("time since the measured window's start (us)")
    _plain_axes(ax)
    ax.set_title(title if title is not None else timeline_title(df), fontsize="medium")
    handles = [Patch(facecolor=c, edgecolor=c, label=f"hold {m}")
               for m, c in TIMELINE_COLORS.items() if (df["mode"] == m).any()]
    handles += [Patch(facecolor="none", edgecolor=c, hatch="///", label=f"wait {m}")
                for m, c in TIMELINE_COLORS.items() if (df["mode"] == m).any()]
    if arrows:
        handles.append(Line2D([], [], color="black", linewidth=0.6, label="hand-off"))
    ax.legend(handles=handles, fontsize="x-small", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return lane


def plot_timelines_side_by_side(paths, window_us=None, arrows="cross"):
    """The timelines of several files (e.g. push_lock and eresource in writer-storm, 2 threads)
    one above the other on the same time axis: barging shows as long runs of holds on one lane,
    hand-off as holds alternating between lanes. `paths` as expand_paths takes them."""
    frames = [load_timeline(p) for p in expand_paths(paths)]
    fig, axes = plt.subplots(len(frames), 1, sharex=True, squeeze=False,
                             figsize=(10, 0.6 + sum(1.0 + 0.5 * len(f.attrs["threads"])
                                                    for f in frames)))
    for ax, df in zip(axes[:, 0], frames):
        plot_timeline(ax, df, window_us=window_us, arrows=arrows)
    for ax in axes[:-1, 0]:
        ax.set_xlabel("")
    plain_numbers(fig)
    fig.tight_layout()
    return fig


def timelines_or_run(env_var, locks, run_args, name="timeline.json"):
    """The timeline files named by $ENV_VAR (as expand_paths takes them); when it is unset,
    runs `lockbench run --lock L RUN_ARGS --timeline FILE` for each lock into a temporary
    directory and returns those files, in the order of `locks`."""
    if os.environ.get(env_var):
        return expand_paths(os.environ[env_var])
    out_dir = tempfile.mkdtemp(prefix="lockbench-timeline-")
    files = []
    for lock in locks:
        path = os.path.join(out_dir, f"{lock}.{name}")
        args = ["run", "--lock", lock] + list(run_args) + ["--timeline", path]
        print(f"{env_var} is not set: measuring `lockbench {' '.join(args)}`")
        run_lockbench(args)
        files.append(path)
    return files


# ---- Choosing a lock ---------------------------------------------------------------------------

# The Windows kernel locks lockbench emulates, in the order the table lists them. The traits have
# no family field, so the notebook selects by name; names this build does not have (a lock not
# yet added) are skipped with a note: select_locks.
WINDOWS_LOCKS = ["push_lock", "cache_aware_push_lock", "eresource", "srwlock", "fast_mutex",
                 "guarded_mutex", "ex_spin_lock", "queued_spin_lock", "critical_section"]

# What the choice table asks of every workload: (metric column, header, phrase in a trade-off).
# Lower is better for all but throughput (the metric table's `better`).
CHOICE_METRICS = [
    ("throughput", "best_throughput", "throughput"),
    ("shared_p99", "best_shared_p99", "shared p99 acquire latency"),
    ("exclusive_p99", "best_exclusive_p99", "exclusive p99 acquire latency"),
    ("bypass", "least_bypass", "share of waits bypassed beyond FIFO order"),
    ("cpu_per_op", "least_cpu_per_op", "CPU per op"),
    ("lock_cpu_per_op", "least_lock_cpu_per_op", "CPU per op inside the lock"),
    ("size_bytes", "smallest", "object size"),
]
RAN_EXCLUSIVE = "ran exclusive"  # the note on an exclusive-only lock's "shared" latency
CPU_METRICS = ("cpu_per_op", "lock_cpu_per_op")  # what spinning on a shared processor distorts


def lock_catalog(binary=None):
    """`lockbench list --format json`: {"locks": DataFrame (name, size_bytes, shared_mode,
    recursion, ...), "workloads": [preset names]}."""
    out = run_lockbench(["list", "--format", "json"], binary=binary).stdout
    doc = json.loads(out)
    return {"locks": pd.DataFrame(doc["locks"]),
            "workloads": [w["name"] for w in doc["workloads"]]}


def select_locks(wanted, available):
    """The names of `wanted` that `available` has, in wanted's order, and those it lacks."""
    have = set(available)
    return [w for w in wanted if w in have], [w for w in wanted if w not in have]


def workload_files(path):
    """The workload files at `path`: the file itself, or a directory's *.json files, sorted (a
    recorded workload, `lockbench profile --record-workload`, or one written by hand)."""
    if os.path.isdir(path):
        files = sorted(glob.glob(os.path.join(path, "*.json")))
        if not files:
            raise FileNotFoundError(f"no workload .json file in {path}")
        return files
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no workload file or directory {path}")
    return [path]


def measure_presets(locks, catalog, out_dir, run_args=(), binary=None, workloads=None):
    """Runs every preset of `catalog`, or each of `workloads` (preset names or workload files),
    on `locks` (`lockbench run --workload W --lock ... RUN_ARGS --out OUT_DIR/NAME.json`, NAME
    the preset or the file's stem). A preset that recurses runs only the locks whose recursion
    is not "none" (lockbench refuses the others up front). Returns {workload: [locks left out]}
    for the workloads that left some out."""
    traits = catalog["locks"].set_index("name")
    os.makedirs(out_dir, exist_ok=True)
    left_out = {}
    for workload in catalog["workloads"] if workloads is None else workloads:
        chosen = list(locks)
        if workload == "recursive":
            chosen = [lk for lk in locks if traits.loc[lk, "recursion"] != "none"]
            left_out[workload] = [lk for lk in locks if lk not in chosen]
        if not chosen:
            continue
        name = os.path.splitext(os.path.basename(workload))[0]
        run_lockbench(["run", "--workload", workload, "--lock", ",".join(chosen)] + list(run_args),
                      out=os.path.join(out_dir, f"{name}.json"), binary=binary)
    return {k: v for k, v in left_out.items() if v}


def _ran_exclusive(warnings):
    return isinstance(warnings, list) and any(
        isinstance(w, str) and w.endswith("has no shared mode: its shared requests ran exclusive")
        for w in warnings)


def _trait(traits, column):
    """{lock name: value of `column`} from lock_catalog's lock table; {} without it."""
    if traits is None or not len(traits) or column not in traits.columns:
        return {}
    return dict(zip(traits["name"], traits[column]))


def holder_exclusions(df, traits=None):
    """{workload: [locks]}: the locks measured in a workload whose holder may block
    (holder_may_block, from the result's workload) although their own holder may not (traits'
    holder_may_block False: the spin locks, held at DISPATCH_LEVEL). choice_scores leaves them
    out: a driver whose holder waits or page-faults cannot use them, whatever they measure."""
    may_block = _trait(traits, "holder_may_block")
    if "holder_may_block" not in df.columns or not may_block:
        return {}
    out = {}
    for workload, g in df[df["holder_may_block"].astype(bool)].groupby("workload", sort=False):
        locks = [lk for lk in pd.unique(g["lock"]) if may_block.get(lk) is False]
        if locks:
            out[workload] = locks
    return out


def choice_scores(df, traits=None, threads="max"):
    """What choose_locks ranks: one row per (workload, lock) of the closed-loop ok runs at one
    thread count per workload (its largest with threads="max", else that count), with the medians
    over repetitions of throughput, shared_p99, exclusive_p99, bypass, cpu_per_op and
    lock_cpu_per_op, the lock's size_bytes (its object plus heap_bytes where the traits have them)
    and `exclusive_only` (the lock has no shared mode,
    so its "shared" requests ran exclusive and shared_p99 times exclusive acquisitions).
    `oversubscribed`: the runs had more threads than the machine's processors (pus), so a lock
    whose waiters spin (traits' waiters "spin") yielded instead of spinning, and `spins` marks
    such locks: their CPU figures there do not show what they cost with a processor per thread.
    Locks holder_exclusions names are left out of their workload.

    traits: a DataFrame with name, size_bytes and shared_mode (lock_catalog's "locks"), and
    where present holder_may_block and waiters; a lock it does not name has size_bytes NaN, and
    is exclusive-only if a run's warnings say so."""
    metrics = [m for m, _, _ in CHOICE_METRICS if m != "size_bytes"]
    columns = ["workload", "threads", "lock"] + metrics + ["size_bytes", "exclusive_only",
                                                            "oversubscribed", "spins"]
    runs = ok_runs(df)
    runs = runs[runs["arrival_rate"] == 0]
    for workload, locks in holder_exclusions(runs, traits).items():
        runs = runs[~((runs["workload"] == workload) & runs["lock"].isin(locks))]
    if runs.empty:
        return pd.DataFrame(columns=columns)
    if threads == "max":
        runs = runs[runs["threads"] == runs.groupby("workload")["threads"].transform("max")]
    else:
        runs = runs[runs["threads"] == threads]
    scores = runs.groupby(["workload", "threads", "lock"], as_index=False, sort=False)[
        metrics].median()
    said = runs.groupby("lock")["warnings"].agg(lambda ws: any(_ran_exclusive(w) for w in ws)) \
        if "warnings" in runs.columns else pd.Series(dtype=bool)
    size, shared_mode = {}, {}
    if traits is not None and len(traits):
        # What the lock takes in all: its object plus what it allocates (the cache-aware push
        # lock's 32 slots of 128 B), where `lockbench list` reports heap_bytes.
        total = pd.to_numeric(traits["size_bytes"], errors="coerce")
        if "heap_bytes" in traits.columns:
            total = total + pd.to_numeric(traits["heap_bytes"], errors="coerce").fillna(0)
        size = dict(zip(traits["name"], total))
        shared_mode = dict(zip(traits["name"], traits["shared_mode"]))
    scores["size_bytes"] = pd.to_numeric(scores["lock"].map(size), errors="coerce")
    scores["exclusive_only"] = [shared_mode.get(lk) is False or bool(said.get(lk, False))
                                for lk in scores["lock"]]
    if "oversubscribed" in runs.columns:  # load_runs: more threads than free processors
        over = runs["oversubscribed"].astype(bool)
    elif "pus" in runs.columns:
        over = runs["threads"] > pd.to_numeric(runs["pus"], errors="coerce")
    else:
        over = pd.Series(False, index=runs.index)
    oversubscribed = over.groupby([runs["workload"], runs["threads"]]).any()
    scores["oversubscribed"] = [bool(oversubscribed.get((w, t), False))
                                for w, t in zip(scores["workload"], scores["threads"])]
    waiters = _trait(traits, "waiters")
    scores["spins"] = [waiters.get(lk) == "spin" for lk in scores["lock"]]
    return scores[columns].reset_index(drop=True)


def _winners(group, metric, higher, rel_tol):
    """The locks with the best value of `metric` in `group` (NaN skipped; ties within rel_tol of
    the best all win), and that best value; ([], NaN) when no lock has a value."""
    values = pd.to_numeric(group[metric], errors="coerce")
    ok = values.notna()
    if not ok.any():
        return [], float("nan")
    best = values[ok].max() if higher else values[ok].min()
    margin = abs(best) * rel_tol
    tied = values[ok] >= best - margin if higher else values[ok] <= best + margin
    return list(group.loc[tied[tied].index, "lock"]), best


def _times(x):
    """A factor as a trade-off sentence gives it: 1.35x, 12x."""
    if not math.isfinite(x):
        return "infinitely many times"
    return f"{x:.2f}x" if x < 10 else f"{x:.0f}x"


# What the throughput winner is weighed against, first group first: tail latency, then CPU, then
# grant order, then size. Within a group, the metric it loses by the largest factor.
TRADE_OFF_ORDER = [("shared_p99", "exclusive_p99"), ("cpu_per_op", "lock_cpu_per_op"),
                   ("bypass",), ("size_bytes",)]


def trade_off(scores, winners):
    """One sentence, from the data, on what the throughput winner T of one workload gives up:
    "srwlock: 2.10x push_lock's throughput but 3.00x its exclusive p99 acquire latency (1500 vs
    500 ns)". The rival is the lock that leads the first group of TRADE_OFF_ORDER in which T is
    beaten (latency, then CPU, then bypass, then size; in a group, the metric T loses by the
    largest factor). `scores`: choice_scores' rows of one workload; `winners`: {metric: [locks
    that lead it]}, as choose_locks finds them."""
    if not winners.get("throughput"):
        return "no lock measured throughput"
    by_lock = scores.set_index("lock")
    top = winners["throughput"][0]
    if len(by_lock) == 1:
        return f"{top}: the only lock measured, nothing to weigh it against"
    t = by_lock.loc[top]
    phrases = {m: p for m, _, p in CHOICE_METRICS}
    chosen = None  # (factor, metric, rival)
    for group in TRADE_OFF_ORDER:
        for metric in group:
            leaders = winners.get(metric, [])
            if not leaders or top in leaders or pd.isna(t[metric]):
                continue
            rival = leaders[0]
            mine, theirs = float(t[metric]), float(by_lock.loc[rival, metric])
            factor = mine / theirs if theirs > 0 else float("inf")
            if chosen is None or factor > chosen[0]:
                chosen = (factor, metric, rival)
        if chosen is not None:
            break
    if chosen is None:
        return f"{top}: the best throughput, and no lock beats it on p99 latency, CPU per op, " \
               "bypass or size"
    factor, metric, rival = chosen
    r = by_lock.loc[rival]
    mine, theirs = t[metric], r[metric]
    speed = t["throughput"] / r["throughput"] if r["throughput"] > 0 else float("inf")
    head = f"{top}: {_times(speed)} {rival}'s throughput but "
    if metric == "bypass":
        return head + f"{mine:.1%} of its waits bypassed beyond FIFO order to {rival}'s " \
                      f"{theirs:.1%}"
    unit = "bytes" if metric == "size_bytes" else "ns"
    detail = f"{mine:.0f} vs {theirs:.0f} {unit}"
    if metric == "shared_p99":
        ran = [lk for lk in (top, rival) if by_lock.loc[lk, "exclusive_only"]]
        if ran:
            detail += f"; {' and '.join(ran)} {RAN_EXCLUSIVE}"
    return head + f"{_times(factor)} its {phrases[metric]} ({detail})"


def choose_locks(df, traits=None, threads="max", rel_tol=0.0):
    """The choice table: one row per workload (closed-loop ok runs at its largest thread count,
    or `threads`), naming the lock with the best throughput, best shared and exclusive p99
    acquire latency, least bypass (over_fifo_bound: waits passed by more grants than FIFO
    allows), least CPU per op (all threads' CPU, and the CPU inside lock calls), and the
    smallest object (traits' size_bytes), then a trade-off sentence (trade_off).

    A cell names every lock within rel_tol of the best, " = "-joined (0: exact ties only), and
    is "-" where no lock has the metric (no shared request in the workload, a file from before
    cost was measured). An exclusive-only lock's shared p99 timed exclusive acquisitions: a
    best_shared_p99 cell naming one says "(ran exclusive)". Medians skip NaN.

    `excluded` names the locks the workload's holder constraints left out (holder_exclusions);
    `oversubscribed` says the row ran more threads than processors, and a CPU cell naming a
    lock whose waiters spin then says "(oversubscribed)": its spinners yielded the processor,
    so its CPU per op there is not what it costs with a free processor per thread."""
    scores = choice_scores(df, traits, threads)
    excluded = holder_exclusions(ok_runs(df), traits)
    headers = [h for _, h, _ in CHOICE_METRICS]
    columns = ["workload", "threads", "locks", "oversubscribed"] + headers + \
        ["excluded", "trade_off"]
    rows = []
    for workload, g in scores.groupby("workload", sort=False):
        over = bool(g["oversubscribed"].any())
        row = {"workload": workload, "threads": int(g["threads"].iloc[0]), "locks": len(g),
               "oversubscribed": over,
               "excluded": ", ".join(excluded.get(workload, [])) or "-"}
        winners = {}
        exclusive_only = dict(zip(g["lock"], g["exclusive_only"]))
        spins = dict(zip(g["lock"], g["spins"]))
        for metric, header, _ in CHOICE_METRICS:
            higher = metric == "throughput"
            locks, _ = _winners(g, metric, higher, rel_tol)
            winners[metric] = locks
            names = [f"{lk} ({RAN_EXCLUSIVE})" if metric == "shared_p99" and exclusive_only[lk]
                     else f"{lk} (oversubscribed)" if metric in CPU_METRICS and over and spins[lk]
                     else lk for lk in locks]
            row[header] = " = ".join(names) if names else "-"
        row["trade_off"] = trade_off(g, winners)
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)
