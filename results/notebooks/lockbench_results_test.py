#!/usr/bin/env python3
"""Tests for lockbench_results: loading, the derived tables and the plots, on small result
documents written here (the fields the module reads, shaped as result_schema.json has them)."""

import json
import os
import sys
import tempfile
import unittest

# Beside this file; under `bazel test` the test runs under its target's name, so also the
# runfiles copy of this folder.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
if os.environ.get("TEST_SRCDIR"):
    sys.path.insert(0, os.path.join(os.environ["TEST_SRCDIR"],
                                    os.environ.get("TEST_WORKSPACE", "lockbench"),
                                    "results", "notebooks"))
os.environ.setdefault("MPLCONFIGDIR", tempfile.mkdtemp())  # matplotlib's cache dir

import lockbench_results as lr  # noqa: E402
import pandas as pd  # noqa: E402


def latency(count, p50, p99):
    return {"count": count, "min": p50, "p50": p50, "p90": p99, "p99": p99, "p999": p99,
            "max": p99 * 2, "mean": p50, "stddev": 0, "buckets": []}


def bypass_stats(counts, threads, sampled=100):
    """A bypass object as lockbench writes it, from {bypass: waits}; 0 over no waits."""
    waited = sum(counts.values())
    values = sorted(b for b, n in counts.items() for _ in range(n))
    over = sum(n for b, n in counts.items() if b > threads - 1)
    return {"sampled": sampled, "waited": waited,
            "mean": sum(values) / waited if waited else 0.0,
            "p99": values[int(0.99 * (waited - 1))] if waited else 0,
            "max": values[-1] if waited else 0, "fifo_bound": threads - 1,
            "over_fifo_bound": over / waited if waited else 0.0,
            "counts": {str(b): n for b, n in counts.items()}}


ABSENT = object()  # a run written before bypass existed: no key at all


def run(lock, threads, rep, throughput, status="ok", run_lengths=None, exclusive_count=4,
        workload="read-mostly", bypass=None, handoff_latency=None):
    ops = int(throughput / 10)  # a 100 ms window
    per = [ops // threads] * threads
    per[0] += ops - sum(per)
    handoff = {"grants": 10, "reacquire_rate": 0.5, "mean_run": 2.0, "longest_run": 3,
               "run_lengths": run_lengths if run_lengths is not None else {"1": 4, "3": 2}}
    if bypass is not ABSENT:
        handoff["bypass"] = None if bypass is None else {
            mode: bypass_stats(counts, threads) for mode, counts in bypass.items()}
        handoff["handoff_latency_ns"] = handoff_latency
    return {
        "lock": lock, "workload": workload, "threads": threads, "repetition": rep,
        "placement": "compact", "status": status, "status_detail": "", "duration_s": 0.1,
        "ops": ops, "shared_ops": ops - 10, "exclusive_ops": 10,
        "throughput_ops_per_s": throughput,
        "latency_ns": {"shared": latency(8, 40, 900),
                       "exclusive": latency(exclusive_count, 60, 2000)},
        "fairness": {"jain_index": 0.9, "starved": False},
        "handoff": handoff,
        "per_thread": [{"thread": i, "role": "mixed", "ops": per[i],
                        "share": per[i] / ops if ops else 0.0} for i in range(threads)],
        "time_series": {"interval_ns": 50_000_000, "shared_ops": [ops // 2 - 5, ops // 2 - 5],
                        "exclusive_ops": [5, 5]},
    }


def document(runs, cpu="CPU A"):
    return {"schema_version": 1,
            "context": {"cpu_model": cpu, "hostname": "h", "commit": "abc"},
            "config": {}, "runs": runs}


class LockbenchResultsTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.a = os.path.join(self.dir, "a.json")
        self.b = os.path.join(self.dir, "b.json")
        runs_a = [run(lock, t, rep, tp * t * (1 + rep / 100))
                  for t in (1, 2) for rep in (1, 2)
                  for lock, tp in (("push_lock", 4e6), ("eresource", 2e6))]
        runs_a.append(run("eresource", 2, 3, 0.0, status="violation"))
        with open(self.a, "w") as f:
            json.dump(document(runs_a), f)
        with open(self.b, "w") as f:
            json.dump(document([run("push_lock", 4, 1, 9e6, exclusive_count=0)], cpu="CPU B"), f)

    def tearDown(self):
        lr.plt.close("all")

    def test_load_runs_gives_one_flat_row_per_run_with_its_source(self):
        df = lr.load_runs([self.a, self.b])
        self.assertEqual(len(df), 10)
        for col in ("lock", "threads", "throughput_ops_per_s", "latency_ns.shared.p99",
                    "fairness.jain_index", "handoff.reacquire_rate", "handoff.run_lengths.3",
                    "source", "cpu_model"):
            self.assertIn(col, df.columns)
        self.assertEqual(set(df["source"]), {self.a, self.b})
        self.assertEqual(df[df["source"] == self.b]["cpu_model"].iloc[0], "CPU B")

    def test_paths_may_be_a_directory_a_glob_or_a_separated_list(self):
        self.assertEqual(lr.expand_paths(self.dir), [self.a, self.b])
        self.assertEqual(lr.expand_paths(os.path.join(self.dir, "b*.json")), [self.b])
        self.assertEqual(lr.expand_paths(self.a + os.pathsep + self.b), [self.a, self.b])
        with self.assertRaises(FileNotFoundError):
            lr.expand_paths(os.path.join(self.dir, "none*.json"))

    def test_a_file_without_runs_is_refused(self):
        bad = os.path.join(self.dir, "bad.json")
        with open(bad, "w") as f:
            json.dump({"benchmarks": []}, f)
        with self.assertRaisesRegex(ValueError, "not a lockbench result file"):
            lr.load_runs(bad)

    def test_medians_leave_out_runs_that_did_not_end_ok(self):
        df = lr.load_runs(self.a)
        self.assertEqual(len(lr.ok_runs(df)), 8)
        med = lr.median_by(df, ["throughput_ops_per_s"])
        row = med[(med["lock"] == "eresource") & (med["threads"] == 2)]
        self.assertAlmostEqual(row["throughput_ops_per_s"].iloc[0], 2e6 * 2 * 1.015)

    def test_per_thread_shares_sum_to_one_per_run(self):
        shares = lr.per_thread_shares(lr.load_runs(self.a))
        self.assertEqual(len(shares), 4 * 1 + 4 * 2)
        sums = shares.groupby(["lock", "threads", "repetition"])["share"].sum()
        for s in sums:
            self.assertAlmostEqual(s, 1.0)
        two = shares[shares["threads"] == 2]
        self.assertTrue(((two["fair_ratio"] - 1.0).abs() < 0.01).all())

    def test_time_series_gives_rates_per_interval(self):
        ts = lr.time_series(lr.load_runs(self.b))
        self.assertEqual(list(ts["t_s"]), [0.05, 0.1])
        self.assertAlmostEqual(ts["ops_per_s"].iloc[0], (9e5 // 2) / 0.05)

    def test_latency_percentiles_leave_out_modes_never_timed(self):
        lat = lr.latency_percentiles(lr.load_runs(self.b))
        self.assertEqual(set(lat["mode"]), {"shared"})
        self.assertEqual(list(lat["percentile"]), lr.PERCENTILES)
        self.assertEqual(lat[lat["percentile"] == "p99"]["ns"].iloc[0], 900)

    def test_every_plot_draws_one_line_or_bar_group_per_lock(self):
        df = lr.load_runs(self.a)
        fig = lr.plot_throughput_vs_threads(df)
        self.assertEqual(len(fig.axes[0].lines), 2)
        self.assertEqual(list(fig.axes[0].lines[0].get_xdata()), [1, 2])
        fig = lr.plot_latency_percentiles(df)
        self.assertEqual([len(ax.lines) for ax in fig.axes], [2, 2])
        self.assertEqual(fig.axes[0].get_yscale(), "log")
        fig = lr.plot_per_thread_shares(df)
        self.assertEqual(len(fig.axes[0].patches), 2 * 2)  # 2 locks x 2 threads
        fig = lr.plot_time_series(df)
        self.assertEqual(len(fig.axes[0].lines), 2)
        out = os.path.join(self.dir, "plot.png")
        fig.savefig(out)
        self.assertGreater(os.path.getsize(out), 1000)

    def test_cpu_plot_has_one_point_per_lock_that_measured_cost(self):
        def costed(lock, rep, throughput, cpu_per_op, sleeps_per_op):
            r = run(lock, 2, rep, throughput)
            r["cost"] = {"cpu_ns_per_op": cpu_per_op, "lock_cpu_ns_per_op": cpu_per_op / 2,
                         "voluntary_switches_per_op": sleeps_per_op,
                         "involuntary_switches_per_op": 0.0}
            return r
        runs = [costed("tbb_spin_rw", rep, 8e6, 400.0 + rep, 0.0) for rep in (1, 2, 3)]
        runs += [costed("eresource", rep, 2e6, 90.0, 0.5) for rep in (1, 2, 3)]
        runs.append(run("push_lock", 2, 1, 5e6))  # a file written before cost was measured
        path = os.path.join(self.dir, "cost.json")
        with open(path, "w") as f:
            json.dump(document(runs), f)
        df = lr.load_runs(path)
        self.assertTrue(df[df["lock"] == "push_lock"]["cpu_per_op"].isna().all())
        ax = lr.plot_throughput_vs_cpu(df).axes[0]
        points = sorted(tuple(c.get_offsets()[0]) for c in ax.collections)
        self.assertEqual(points, [(90.0, 2.0), (402.0, 8.0)])  # medians; push_lock left out
        self.assertEqual(ax.get_xscale(), "log")
        self.assertIn("0.5 sleeps/op", " ".join(t.get_text() for t in ax.texts))

    def test_plots_pick_a_workload_and_thread_count(self):
        runs = [run("push_lock", 2, 1, 4e6, workload="writer-storm"),
                run("push_lock", 2, 1, 5e6, workload="read-mostly")]
        path = os.path.join(self.dir, "two.json")
        with open(path, "w") as f:
            json.dump(document(runs), f)
        df = lr.load_runs(path)
        fig = lr.plot_throughput_vs_threads(df, workload="read-mostly")
        self.assertEqual(list(fig.axes[0].lines[0].get_ydata()), [5.0])
        self.assertIn("writer-storm", lr.plot_throughput_vs_threads(df).axes[0].get_title())

    def test_find_binary_prefers_the_environment(self):
        old = os.environ.get("LOCKBENCH_BIN")
        os.environ["LOCKBENCH_BIN"] = "/opt/lockbench"
        try:
            self.assertEqual(lr.find_binary(), "/opt/lockbench")
        finally:
            if old is None:
                del os.environ["LOCKBENCH_BIN"]
            else:
                os.environ["LOCKBENCH_BIN"] = old


class AcrossMachinesTest(unittest.TestCase):
    """A merged file (lockbench merge): each run's context by its context_index."""

    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.merged = os.path.join(self.dir, "merged.json")
        runs = []
        for index, scale in ((0, 1.0), (1, 0.5)):
            for lock, tp in (("push_lock", 4e6), ("eresource", 2e6)):
                for rep in (1, 2):
                    runs.append(dict(run(lock, 2 + 2 * index, rep, tp * scale),
                                     context_index=index))
        with open(self.merged, "w") as f:
            json.dump({"schema_version": 1,
                       "contexts": [{"cpu_model": "CPU A", "hostname": "host-a", "commit": "abc",
                                     "topology": "1 package"},
                                    {"cpu_model": "CPU B", "hostname": "host-b", "commit": "abc",
                                     "topology": "2 packages"}],
                       "configs": [{}, {}], "runs": runs}, f)

    def tearDown(self):
        lr.plt.close("all")

    def test_each_run_keeps_its_own_context(self):
        df = lr.load_runs(self.merged)
        self.assertEqual(len(df), 8)
        by_host = df.groupby("hostname")[["cpu_model", "topology"]].first()
        self.assertEqual(by_host.loc["host-a", "cpu_model"], "CPU A")
        self.assertEqual(by_host.loc["host-b", "topology"], "2 packages")
        self.assertEqual(set(df[df["hostname"] == "host-b"]["threads"]), {4})

    def test_across_machines_puts_one_bar_per_machine_beside_each_lock(self):
        fig = lr.plot_across_machines(lr.load_runs(self.merged))
        ax = fig.axes[0]
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        self.assertEqual(labels, ["host-a (CPU A, 2 threads)", "host-b (CPU B, 4 threads)"])
        self.assertEqual([t.get_text() for t in ax.get_xticklabels()], ["eresource", "push_lock"])
        heights = [p.get_height() for p in ax.patches]
        # host-a's eresource and push_lock, then host-b's at half the throughput, in Mops/s.
        self.assertEqual(len(heights), 4)
        self.assertAlmostEqual(heights[0], 2.0)
        self.assertAlmostEqual(heights[2], heights[0] / 2)
        self.assertEqual(ax.get_ylabel(), "throughput (Mops/s, median)")


# What each plot helper's axes say, by helper, Axes index and axis; None: no label (a category
# axis, or a panel that shares its neighbour's). One unit per quantity in every figure: throughput
# and offered load in Mops/s, latency, response time and CPU time in ns.
PLOT_LABELS = {
    "plot_throughput_vs_threads": {(0, "x"): "threads", (0, "y"): "throughput (Mops/s, median)"},
    "plot_sweep_fits": {(0, "x"): "threads", (0, "y"): "throughput (Mops/s)"},
    "plot_throughput_vs_cpu": {(0, "x"): "CPU per acquisition (ns, all threads, median)",
                               (0, "y"): "throughput (Mops/s, median)"},
    "plot_latency_load": {(0, "x"): "offered load (Mops/s)", (0, "y"): "response time (ns, log)"},
    "plot_latency_percentiles": {(0, "x"): "percentile", (0, "y"): "latency (ns, log)",
                                 (1, "x"): "percentile", (1, "y"): None},
    "plot_per_thread_shares": {(0, "x"): None, (0, "y"): "share / fair share (median)"},
    "plot_time_series": {(0, "x"): "time (ms)", (0, "y"): "Mops/s in the interval"},
    "plot_bypass_distribution": {
        (0, "x"): "x: exclusive grants to other threads while it waited (bypass)",
        (0, "y"): "fraction of waits passed by at least x (log)"},
    "plot_across_machines": {(0, "x"): None, (0, "y"): "throughput (Mops/s, median)"},
    "plot_timelines_side_by_side": {(0, "x"): "", (0, "y"): None,
                                    (1, "x"): "time since the measured window's start (us)",
                                    (1, "y"): None},
}


class PlotUnitsTest(unittest.TestCase):
    """Every plot helper on one data set whose numbers make matplotlib's default ticks put an
    offset or a multiplier in an axis's corner: throughput near 1e7 ops/s varying in its fifth
    digit, timelines 100 ms into the window. The labels must name the units above, and no axis
    may carry offset text, so what a tick says is what the label's unit says."""

    def setUp(self):
        self.dir = tempfile.mkdtemp()

        def costed(r):
            r["cost"] = {"cpu_ns_per_op": 150.0 + r["repetition"],
                         "lock_cpu_ns_per_op": 50.0, "voluntary_switches_per_op": 0.1,
                         "involuntary_switches_per_op": 0.0}
            return r
        closed = [costed(run(lock, t, rep, 1e7 + 100 * t + 10 * rep + extra,
                             bypass={"exclusive": {1: 5, 3: 2}, "shared": {}}))
                  for t in (1, 2) for rep in (1, 2)
                  for lock, extra in (("push_lock", 7), ("eresource", 0))]
        open_loop = [open_loop_run(lock, rate, 1, rate, 50, 500)
                     for rate in (1e7, 1.00001e7) for lock in ("push_lock", "eresource")]
        for r in open_loop:
            r["threads"] = 2
        self.runs = os.path.join(self.dir, "runs.json")
        with open(self.runs, "w") as f:
            json.dump(dict(document(closed + open_loop), context={
                "cpu_model": "CPU A", "hostname": "h", "commit": "abc", "pus": 8},
                sweep_fits=[{"workload": "read-mostly", "lock": "push_lock", "placement": "compact",
                             "fitted": True, "why_not": None, "lambda_ops_per_s": 1e7,
                             "sigma": 1e-6, "kappa": 0.0}]), f)
        self.machines = os.path.join(self.dir, "machines.json")
        two = [dict(run(lock, 2, 1, 2e7 + 10 * index + extra), context_index=index)
               for index in (0, 1) for lock, extra in (("push_lock", 3), ("eresource", 0))]
        with open(self.machines, "w") as f:
            json.dump({"schema_version": 1,
                       "contexts": [{"cpu_model": "CPU A", "hostname": "host-a", "commit": "abc"},
                                    {"cpu_model": "CPU B", "hostname": "host-b", "commit": "abc"}],
                       "configs": [{}, {}], "runs": two}, f)
        self.timelines = []
        for name in ("a.json", "b.json"):
            doc = timeline_doc()
            for e in doc["traceEvents"]:
                e["ts"] += 100_000  # 100 ms into the window, in us
            self.timelines.append(os.path.join(self.dir, name))
            with open(self.timelines[-1], "w") as f:
                json.dump(doc, f)

    def tearDown(self):
        lr.plt.close("all")

    def figures(self):
        df = lr.load_runs(self.runs)
        closed = df[df["arrival_rate"] == 0]
        return {
            "plot_throughput_vs_threads": lr.plot_throughput_vs_threads(closed),
            "plot_sweep_fits": lr.plot_sweep_fits(df, lr.load_sweep_fits(self.runs)),
            "plot_throughput_vs_cpu": lr.plot_throughput_vs_cpu(closed),
            "plot_latency_load": lr.plot_latency_load(df),
            "plot_latency_percentiles": lr.plot_latency_percentiles(closed),
            "plot_per_thread_shares": lr.plot_per_thread_shares(closed),
            "plot_time_series": lr.plot_time_series(closed),
            "plot_bypass_distribution": lr.plot_bypass_distribution(closed),
            "plot_across_machines": lr.plot_across_machines(lr.load_runs(self.machines)),
            "plot_timelines_side_by_side": lr.plot_timelines_side_by_side(self.timelines),
        }

    def test_every_plot_helper_is_checked(self):
        helpers = {n for n in dir(lr) if n.startswith("plot_") and callable(getattr(lr, n))}
        # plot_timeline draws on a caller's Axes: plot_timelines_side_by_side covers it.
        self.assertEqual(helpers - {"plot_timeline"}, set(PLOT_LABELS))

    def test_axis_labels_name_one_unit_per_quantity(self):
        for name, fig in self.figures().items():
            seen = {}
            for i, ax in enumerate(fig.axes):
                seen[(i, "x")] = ax.get_xlabel() or None
                seen[(i, "y")] = ax.get_ylabel() or None
            want = {k: (v or None) for k, v in PLOT_LABELS[name].items()}
            with self.subTest(plot=name):
                self.assertEqual(seen, want)
            for label in filter(None, seen.values()):
                with self.subTest(plot=name, label=label):
                    # Throughput never in ops/s, and no time unit but ns for a latency.
                    self.assertNotRegex(label, r"(?<!M)ops/s")
                    if any(w in label for w in ("latency", "response", "CPU")):
                        self.assertIn("(ns", label)

    def test_no_axis_carries_an_offset_or_a_multiplier(self):
        for name, fig in self.figures().items():
            fig.canvas.draw()  # the formatters decide their offset text when ticks are drawn
            for i, ax in enumerate(fig.axes):
                for axis in (ax.xaxis, ax.yaxis):
                    with self.subTest(plot=name, axes=i, axis=axis.axis_name):
                        self.assertEqual(axis.get_offset_text().get_text(), "")

    def test_throughput_values_are_in_mops(self):
        figs = self.figures()
        heights = [p.get_height() for p in figs["plot_across_machines"].axes[0].patches]
        self.assertEqual(len(heights), 4)
        for h in heights:
            self.assertAlmostEqual(h, 20.0, places=3)
        for line in figs["plot_throughput_vs_threads"].axes[0].lines:
            for y in line.get_ydata():
                self.assertAlmostEqual(y, 10.0, places=3)
        for line in figs["plot_time_series"].axes[0].lines:
            for y in line.get_ydata():
                self.assertAlmostEqual(y, 10.0, delta=0.1)
        rates = sorted({x for line in figs["plot_latency_load"].axes[0].lines
                        for x in line.get_xdata()})
        self.assertEqual(rates, [10.0, 10.0001])
        self.assertEqual(lr.display_unit("throughput"), ("Mops/s", 1e-6))
        self.assertEqual(lr.display_unit("shared_p99"), ("ns", 1.0))


class BypassTest(unittest.TestCase):
    """Bypass columns, bypass_histogram and plot_bypass_distribution on hand-made runs."""

    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.path = os.path.join(self.dir, "bypass.json")
        runs = [
            # push_lock barges: waits passed by 1, 2 and 5 grants at 2 threads (bound 1).
            run("push_lock", 2, 1, 4e6, bypass={"exclusive": {1: 6, 2: 3, 5: 1},
                                                "shared": {1: 2}}),
            run("push_lock", 2, 2, 4e6, bypass={"exclusive": {1: 2, 2: 2}, "shared": {}}),
            # eresource hands off: never more than the bound; one repetition nobody passed.
            run("eresource", 2, 1, 2e6, bypass={"exclusive": {1: 4}, "shared": {}},
                handoff_latency=latency(4, 300, 5000)),
            run("eresource", 2, 2, 2e6, bypass={"exclusive": {}, "shared": {}}),
            # Not measured (null) and written before bypass existed (no key).
            run("shared_mutex", 2, 1, 3e6, bypass=None),
            run("shared_mutex", 2, 2, 3e6, bypass=ABSENT),
            # A run that did not end ok adds nothing.
            run("push_lock", 2, 3, 0.0, status="violation", bypass={"exclusive": {9: 50},
                                                                   "shared": {}}),
        ]
        with open(self.path, "w") as f:
            json.dump(document(runs), f)
        self.df = lr.load_runs(self.path)

    def tearDown(self):
        lr.plt.close("all")

    def row(self, lock, rep):
        return self.df[(self.df["lock"] == lock) & (self.df["repetition"] == rep)].iloc[0]

    def test_bypass_statistics_are_flat_columns(self):
        for mode in ("shared", "exclusive"):
            for stat in ("sampled", "waited", "mean", "p99", "max", "fifo_bound",
                         "over_fifo_bound"):
                self.assertIn(f"handoff.bypass.{mode}.{stat}", self.df.columns)
        first = self.row("push_lock", 1)
        self.assertEqual(first["handoff.bypass.exclusive.waited"], 10)
        self.assertAlmostEqual(first["handoff.bypass.exclusive.over_fifo_bound"], 0.4)
        self.assertAlmostEqual(first["handoff.bypass.exclusive.mean"], 1.7)
        self.assertEqual(first["handoff.bypass.exclusive.max"], 5)
        self.assertEqual(first["handoff.bypass.exclusive.fifo_bound"], 1)
        self.assertEqual(first["handoff.bypass.exclusive.counts.2"], 3)
        self.assertEqual(first["handoff.bypass.shared.waited"], 2)
        self.assertEqual(self.row("eresource", 1)["handoff.handoff_latency_ns.p99"], 5000)
        self.assertNotIn("handoff.bypass", self.df.columns)
        self.assertNotIn("handoff.handoff_latency_ns", self.df.columns)

    def test_null_or_absent_bypass_reads_as_nan(self):
        for rep in (1, 2):
            r = self.row("shared_mutex", rep)
            for col in ("handoff.bypass.exclusive.waited",
                        "handoff.bypass.exclusive.over_fifo_bound",
                        "handoff.bypass.exclusive.counts.1", "handoff.handoff_latency_ns.p50"):
                self.assertTrue(pd.isna(r[col]), f"{col} of repetition {rep}")

    def test_statistics_over_waits_are_nan_for_a_run_with_no_wait(self):
        r = self.row("eresource", 2)
        self.assertEqual(r["handoff.bypass.exclusive.waited"], 0)
        self.assertEqual(r["handoff.bypass.exclusive.sampled"], 100)
        for stat in ("mean", "p99", "max", "over_fifo_bound"):
            self.assertTrue(pd.isna(r[f"handoff.bypass.exclusive.{stat}"]), stat)
        # So the median over repetitions is the one run with waits, as the report takes it.
        med = lr.median_by(self.df, ["handoff.bypass.exclusive.over_fifo_bound"])
        by_lock = med.set_index("lock")["handoff.bypass.exclusive.over_fifo_bound"]
        self.assertEqual(by_lock["eresource"], 0.0)
        self.assertAlmostEqual(by_lock["push_lock"], (0.4 + 0.5) / 2)
        self.assertTrue(pd.isna(by_lock["shared_mutex"]))

    def test_files_without_any_bypass_still_have_the_columns(self):
        old = os.path.join(self.dir, "old.json")
        with open(old, "w") as f:
            json.dump(document([run("push_lock", 2, 1, 4e6, bypass=ABSENT)]), f)
        df = lr.load_runs(old)
        self.assertTrue(pd.isna(df["handoff.bypass.exclusive.over_fifo_bound"].iloc[0]))
        self.assertTrue(lr.bypass_histogram(df).empty)
        self.assertEqual(list(lr.bypass_histogram(df).columns),
                         lr.KEY + ["bypass", "waits", "fraction"])
        fig = lr.plot_bypass_distribution(df)
        self.assertIn("no bypass counts", fig.axes[0].texts[0].get_text())

    def test_bypass_histogram_sums_waits_over_repetitions(self):
        h = lr.bypass_histogram(self.df)
        push = h[h["lock"] == "push_lock"]
        self.assertEqual(list(push["bypass"]), [1, 2, 5])
        self.assertEqual(list(push["waits"]), [8, 5, 1])     # the violation's 9s left out
        self.assertEqual(list(push["fraction"]), [8 / 14, 5 / 14, 1 / 14])
        eres = h[h["lock"] == "eresource"]
        self.assertEqual(list(zip(eres["bypass"], eres["waits"])), [(1, 4)])
        self.assertEqual(set(h["lock"]), {"push_lock", "eresource"})
        self.assertEqual(set(h["threads"]), {2})
        shared = lr.bypass_histogram(self.df, mode="shared")
        self.assertEqual(list(zip(shared["lock"], shared["bypass"], shared["waits"])),
                         [("push_lock", 1, 2)])
        with self.assertRaises(ValueError):
            lr.bypass_histogram(self.df, mode="both")

    def test_bypass_distribution_draws_one_line_per_lock_and_the_fifo_bound(self):
        fig = lr.plot_bypass_distribution(self.df, threads="max")
        ax = fig.axes[0]
        lines = {line.get_label(): line for line in ax.lines}
        self.assertEqual(set(lines), {"push_lock: 42.9% beyond", "eresource: 0.0% beyond",
                                      "shared_mutex: not measured", "FIFO bound (1)"})
        self.assertEqual(len(lines["shared_mutex: not measured"].get_xdata()), 0)
        push = lines["push_lock: 42.9% beyond"]
        self.assertEqual(list(push.get_xdata()), [1, 2, 5])
        self.assertEqual(push.get_drawstyle(), "steps-pre")
        for got, want in zip(push.get_ydata(), [1.0, 6 / 14, 1 / 14]):  # passed by at least x
            self.assertAlmostEqual(got, want)
        self.assertEqual(list(lines["FIFO bound (1)"].get_xdata()), [1, 1])
        self.assertEqual(ax.get_yscale(), "log")
        self.assertEqual(ax.get_ylim(), (0.01, 1.5))  # down to the decade of 1/14
        self.assertEqual(ax.get_xscale(), "linear")  # bypass up to 5: integer ticks
        self.assertIsNotNone(ax.get_legend())
        out = os.path.join(self.dir, "bypass.png")
        fig.savefig(out)
        self.assertGreater(os.path.getsize(out), 1000)

    def test_a_lock_whose_waiters_nobody_passed_is_named(self):
        fig = lr.plot_bypass_distribution(self.df[self.df["repetition"] == 2])
        labels = [line.get_label() for line in fig.axes[0].lines]
        self.assertIn("eresource: no wait passed", labels)

    def test_wide_bypass_goes_on_a_log_axis(self):
        wide = os.path.join(self.dir, "wide.json")
        with open(wide, "w") as f:
            json.dump(document([run("srwlock", 4, 1, 1e6,
                                    bypass={"exclusive": {1: 5, 3: 4, 400: 1}, "shared": {}})]),
                      f)
        ax = lr.plot_bypass_distribution(lr.load_runs(wide)).axes[0]
        self.assertEqual(ax.get_xscale(), "log")
        labels = [line.get_label() for line in ax.lines]
        self.assertEqual(labels, ["srwlock: 10.0% beyond", "FIFO bound (3)"])


def open_loop_run(lock, rate, rep, achieved, p50, p99, late=0.01):
    """A run of an open-loop rate sweep: offered `rate`, `achieved` completed per second."""
    r = run(lock, 2, rep, achieved)
    r["open_loop"] = {"arrival": "poisson", "offered_ops_per_s": rate,
                      "achieved_ops_per_s": achieved, "late_fraction": late,
                      "response_ns": {"shared": latency(8, p50, p99),
                                      "exclusive": latency(0, 0, 0)}}
    return r


class LatencyLoadTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.path = os.path.join(self.dir, "load.json")
        runs = []
        for rep in (1, 2):
            # push_lock keeps up at every rate; eresource falls 5% behind at 400k/s and further
            # at 800k/s; a closed-loop run beside them is not part of the curve.
            for rate in (100e3, 400e3, 800e3):
                runs.append(open_loop_run("push_lock", rate, rep, rate * 0.99, 50, 500))
            runs.append(open_loop_run("eresource", 100e3, rep, 99e3, 80, 900))
            runs.append(open_loop_run("eresource", 400e3, rep, 380e3, 5000, 90000, late=0.6))
            runs.append(open_loop_run("eresource", 800e3, rep, 390e3, 9e6, 2e7, late=0.99))
            runs.append(run("push_lock", 2, rep, 5e6))
        with open(self.path, "w") as f:
            json.dump(document(runs), f)
        self.df = lr.load_runs(self.path)

    def tearDown(self):
        lr.plt.close("all")

    def test_runs_of_a_rate_sweep_stay_apart_by_rate(self):
        self.assertEqual(sorted(self.df["arrival_rate"].unique()), [0, 100e3, 400e3, 800e3])
        med = lr.median_by(self.df, ["throughput"])
        self.assertEqual(len(med), 7)  # 3 rates x 2 locks, and the closed loop

    def test_latency_load_has_a_row_per_rate_and_timed_mode(self):
        t = lr.latency_load(self.df)
        self.assertEqual(len(t), 6)  # no exclusive request was timed
        self.assertEqual(set(t["mode"]), {"shared"})
        er = t[t["lock"] == "eresource"].set_index("arrival_rate")
        self.assertEqual(list(er["saturated"]), [False, True, True])
        self.assertEqual(er.loc[800e3, "p99"], 2e7)
        self.assertAlmostEqual(er.loc[400e3, "late_fraction"], 0.6)

    def test_saturation_point_is_the_lowest_rate_a_lock_fell_behind(self):
        sat = lr.saturation_points(self.df).set_index("lock")
        self.assertEqual(sat.loc["eresource", "saturated_at"], 400e3)
        self.assertEqual(sat.loc["eresource", "kept_up_to"], 100e3)
        self.assertTrue(pd.isna(sat.loc["push_lock", "saturated_at"]))
        # A looser tolerance forgives eresource's 5% shortfall at 400k/s.
        loose = lr.saturation_points(self.df, tolerance=0.1).set_index("lock")
        self.assertEqual(loose.loc["eresource", "saturated_at"], 800e3)

    def test_plot_marks_the_saturation_point_of_the_lock_that_fell_over(self):
        ax = lr.plot_latency_load(self.df).axes[0]
        self.assertEqual(ax.get_yscale(), "log")
        self.assertEqual(ax.get_xscale(), "linear")  # 100k..800k/s: less than a factor of 10
        self.assertEqual(len(ax.lines), 2 * 3 + 1)  # p50, p99, p99.9 per lock, eresource's marker
        marks = [c.get_offsets().tolist() for c in ax.collections]
        self.assertEqual(marks, [[[0.4, 5000.0]]])  # eresource at 400k/s, on its p50

    def test_closed_loop_files_plot_a_notice(self):
        closed = os.path.join(self.dir, "closed.json")
        with open(closed, "w") as f:
            json.dump(document([run("push_lock", 2, 1, 5e6)]), f)
        self.assertTrue(lr.latency_load(lr.load_runs(closed)).empty)
        fig = lr.plot_latency_load(lr.load_runs(closed))
        self.assertIn("no open-loop runs", fig.axes[0].texts[0].get_text())


NAN = float("nan")


def scored(lock, rep=1, workload="w", threads=2, throughput=1e6, shared_p99=1000.0,
           exclusive_p99=2000.0, bypass=0.1, cpu=500.0, lock_cpu=300.0, status="ok",
           arrival_rate=0.0, warnings=(), **extra):
    """One run as load_runs has it, reduced to the columns choose_locks reads (`extra`: pus,
    holder_may_block)."""
    return {"lock": lock, "workload": workload, "threads": threads, "repetition": rep,
            "status": status, "arrival_rate": arrival_rate, "throughput": throughput,
            "shared_p99": shared_p99, "exclusive_p99": exclusive_p99, "bypass": bypass,
            "cpu_per_op": cpu, "lock_cpu_per_op": lock_cpu, "warnings": list(warnings), **extra}


def traits(**locks):
    """lock_catalog's lock table from name=(size_bytes, shared_mode)."""
    return pd.DataFrame([{"name": n, "size_bytes": size, "shared_mode": shared,
                          "recursion": "none"} for n, (size, shared) in locks.items()])


RAN_EXCLUSIVE_WARNING = "lock 'mutex' has no shared mode: its shared requests ran exclusive"


class ChooseLocksTest(unittest.TestCase):
    TRAITS = traits(a=(8, True), b=(104, True), c=(24, True), mutex=(24, False))

    def test_each_column_names_the_lock_that_leads_its_metric(self):
        frame = pd.DataFrame([
            # a: fastest (median of 9 and 11 Mops/s) and smallest, but the worst tail.
            scored("a", 1, throughput=9e6, shared_p99=3000, exclusive_p99=6000, bypass=0.5,
                   cpu=400, lock_cpu=300),
            scored("a", 2, throughput=11e6, shared_p99=3000, exclusive_p99=6000, bypass=0.5,
                   cpu=400, lock_cpu=300),
            # b: best shared p99 and FIFO grants.
            scored("b", throughput=5e6, shared_p99=1000, exclusive_p99=2000, bypass=0.0,
                   cpu=800, lock_cpu=700),
            # c: best exclusive p99 and cheapest in CPU.
            scored("c", throughput=2e6, shared_p99=1500, exclusive_p99=1500, bypass=0.2,
                   cpu=300, lock_cpu=200),
        ])
        table = lr.choose_locks(frame, self.TRAITS)
        self.assertEqual(len(table), 1)
        row = table.iloc[0]
        self.assertEqual((row["workload"], row["threads"], row["locks"]), ("w", 2, 3))
        self.assertEqual(row["best_throughput"], "a")
        self.assertEqual(row["best_shared_p99"], "b")
        self.assertEqual(row["best_exclusive_p99"], "c")
        self.assertEqual(row["least_bypass"], "b")
        self.assertEqual(row["least_cpu_per_op"], "c")
        self.assertEqual(row["least_lock_cpu_per_op"], "c")
        self.assertEqual(row["smallest"], "a")
        # a loses on both tails: 3x b's shared p99, 4x c's exclusive p99; the larger factor wins,
        # and latency comes before the larger CPU factor (400 vs 300 is only 1.33x anyway).
        self.assertEqual(row["trade_off"], "a: 5.00x c's throughput but 4.00x its exclusive p99 "
                                           "acquire latency (6000 vs 1500 ns)")

    def test_smallest_counts_what_a_lock_allocates(self):
        # a's object is the smallest, but with its per-processor heap slots it takes more than c.
        with_heap = self.TRAITS.assign(heap_bytes=[128, None, None, None])
        frame = pd.DataFrame([scored("a"), scored("b"), scored("c")])
        self.assertEqual(lr.choose_locks(frame, self.TRAITS).iloc[0]["smallest"], "a")
        self.assertEqual(lr.choose_locks(frame, with_heap).iloc[0]["smallest"], "c")

    def test_ties_name_every_lock_and_a_tolerance_widens_them(self):
        frame = pd.DataFrame([scored("a", throughput=4e6, cpu=500),
                              scored("b", throughput=4e6, cpu=500),
                              scored("c", throughput=3.96e6, cpu=504)])
        row = lr.choose_locks(frame, self.TRAITS).iloc[0]
        self.assertEqual(row["best_throughput"], "a = b")
        self.assertEqual(row["least_cpu_per_op"], "a = b")
        self.assertEqual(row["best_shared_p99"], "a = b = c")  # all 1000 ns
        self.assertEqual(row["smallest"], "a")
        loose = lr.choose_locks(frame, self.TRAITS, rel_tol=0.01).iloc[0]
        self.assertEqual(loose["best_throughput"], "a = b = c")  # 3.96 is within 1% of 4
        self.assertEqual(loose["least_cpu_per_op"], "a = b = c")
        # a ties or leads everything but size, where it is the smallest too.
        self.assertEqual(row["trade_off"], "a: the best throughput, and no lock beats it on p99 "
                                           "latency, CPU per op, bypass or size")

    def test_a_metric_no_lock_has_is_a_dash_and_nan_values_are_skipped(self):
        frame = pd.DataFrame([
            # An all-exclusive workload: no shared request, so no shared p99 anywhere.
            scored("a", 1, throughput=2e6, shared_p99=NAN, cpu=NAN, bypass=NAN),
            scored("a", 2, throughput=2e6, shared_p99=NAN, cpu=900, bypass=NAN),
            # b's second repetition lost its cost figure: the median is of the one left.
            scored("b", 1, throughput=1e6, shared_p99=NAN, cpu=700, bypass=NAN),
            scored("b", 2, throughput=1e6, shared_p99=NAN, cpu=NAN, bypass=NAN),
            # c predates cost and bypass altogether.
            scored("c", throughput=1.5e6, shared_p99=NAN, cpu=NAN, lock_cpu=NAN, bypass=NAN),
        ])
        scores = lr.choice_scores(frame, self.TRAITS).set_index("lock")
        self.assertEqual(scores.loc["a", "cpu_per_op"], 900)
        self.assertEqual(scores.loc["b", "cpu_per_op"], 700)
        self.assertTrue(pd.isna(scores.loc["c", "cpu_per_op"]))
        row = lr.choose_locks(frame, self.TRAITS).iloc[0]
        self.assertEqual(row["best_shared_p99"], "-")
        self.assertEqual(row["least_bypass"], "-")
        self.assertEqual(row["least_cpu_per_op"], "b")  # NaN is not the least
        self.assertEqual(row["best_throughput"], "a")
        self.assertEqual(row["trade_off"], "a: 2.00x b's throughput but 1.29x its CPU per op "
                                           "(900 vs 700 ns)")

    def test_an_exclusive_only_locks_shared_latency_is_labelled_ran_exclusive(self):
        frame = pd.DataFrame([
            scored("a", throughput=8e6, shared_p99=2000),
            scored("mutex", throughput=2e6, shared_p99=400, warnings=[RAN_EXCLUSIVE_WARNING]),
            # not in the traits (a lock this build does not know) and no warning: shared mode.
            scored("newcomer", throughput=1e6, shared_p99=900),
        ])
        scores = lr.choice_scores(frame, self.TRAITS).set_index("lock")
        self.assertEqual(list(scores["exclusive_only"]), [False, True, False])
        self.assertTrue(pd.isna(scores.loc["newcomer", "size_bytes"]))
        row = lr.choose_locks(frame, self.TRAITS).iloc[0]
        self.assertEqual(row["best_shared_p99"], "mutex (ran exclusive)")
        self.assertEqual(row["best_exclusive_p99"], "a = mutex = newcomer")  # label: shared only
        self.assertEqual(row["smallest"], "a")
        self.assertEqual(row["trade_off"], "a: 4.00x mutex's throughput but 5.00x its shared p99 "
                                           "acquire latency (2000 vs 400 ns; mutex ran exclusive)")
        # The run's warning alone marks it, without traits; the traits alone do too.
        self.assertEqual(lr.choose_locks(frame).iloc[0]["best_shared_p99"],
                         "mutex (ran exclusive)")
        quiet = frame.assign(warnings=[[]] * len(frame))
        self.assertEqual(lr.choose_locks(quiet, self.TRAITS).iloc[0]["best_shared_p99"],
                         "mutex (ran exclusive)")
        self.assertEqual(lr.choose_locks(quiet).iloc[0]["best_shared_p99"], "mutex")

    def test_one_row_per_workload_at_its_largest_closed_loop_thread_count(self):
        frame = pd.DataFrame([
            scored("a", workload="w", threads=4, throughput=1e6),
            scored("b", workload="w", threads=4, throughput=3e6),
            scored("a", workload="w", threads=1, throughput=9e6),  # fewer threads: not ranked
            scored("a", workload="w", threads=4, throughput=9e9, status="violation"),
            scored("a", workload="w", threads=4, throughput=9e9, arrival_rate=1e5),
            scored("a", workload="v", threads=2, throughput=7e6),
            scored("b", workload="v", threads=2, throughput=6e6),
        ])
        table = lr.choose_locks(frame, self.TRAITS).set_index("workload")
        self.assertEqual(list(table.index), ["w", "v"])
        self.assertEqual(table.loc["w", "threads"], 4)
        self.assertEqual(table.loc["w", "best_throughput"], "b")
        self.assertEqual(table.loc["v", "best_throughput"], "a")
        one = lr.choose_locks(frame, self.TRAITS, threads=1).set_index("workload")
        self.assertEqual(list(one.index), ["w"])
        self.assertEqual((one.loc["w", "best_throughput"], one.loc["w", "locks"]), ("a", 1))
        self.assertEqual(one.loc["w", "trade_off"],
                         "a: the only lock measured, nothing to weigh it against")

    def test_a_workload_whose_holder_may_block_leaves_out_locks_whose_holder_may_not(self):
        constrained = self.TRAITS.assign(holder_may_block=[True, True, True, True],
                                         waiters=["sleep"] * 4)
        constrained.loc[len(constrained)] = {"name": "spin", "size_bytes": 4, "shared_mode": True,
                                             "recursion": "none", "holder_may_block": False,
                                             "waiters": "spin"}
        frame = pd.DataFrame([
            scored("a", workload="filter", throughput=2e6, holder_may_block=True),
            scored("spin", workload="filter", throughput=9e6, holder_may_block=True),
            scored("a", workload="storm", throughput=2e6, holder_may_block=False),
            scored("spin", workload="storm", throughput=9e6, holder_may_block=False),
        ])
        self.assertEqual(lr.holder_exclusions(frame, constrained), {"filter": ["spin"]})
        table = lr.choose_locks(frame, constrained).set_index("workload")
        self.assertEqual(table.loc["filter", "best_throughput"], "a")
        self.assertEqual(table.loc["filter", "excluded"], "spin")
        self.assertEqual(table.loc["filter", "locks"], 1)
        self.assertEqual(table.loc["storm", "best_throughput"], "spin")
        self.assertEqual(table.loc["storm", "excluded"], "-")
        # Without the traits' constraint nothing is left out.
        self.assertEqual(lr.choose_locks(frame, self.TRAITS).set_index("workload")
                         .loc["filter", "best_throughput"], "spin")

    def test_a_spinning_locks_cpu_cell_on_an_oversubscribed_row_says_so(self):
        spinning = self.TRAITS.assign(waiters=["spin", "sleep", "sleep", "sleep"])
        frame = pd.DataFrame([
            scored("a", workload="over", threads=4, cpu=100, lock_cpu=50, pus=2),
            scored("b", workload="over", threads=4, cpu=900, lock_cpu=800, pus=2),
            scored("a", workload="fits", threads=2, cpu=100, lock_cpu=50, pus=2),
            scored("b", workload="fits", threads=2, cpu=900, lock_cpu=800, pus=2),
        ])
        table = lr.choose_locks(frame, spinning).set_index("workload")
        self.assertTrue(table.loc["over", "oversubscribed"])
        self.assertEqual(table.loc["over", "least_cpu_per_op"], "a (oversubscribed)")
        self.assertEqual(table.loc["over", "least_lock_cpu_per_op"], "a (oversubscribed)")
        self.assertEqual(table.loc["over", "best_throughput"], "a = b")  # only CPU cells marked
        self.assertFalse(table.loc["fits", "oversubscribed"])
        self.assertEqual(table.loc["fits", "least_cpu_per_op"], "a")
        # A lock that sleeps is not marked, oversubscribed or not.
        sleeping = self.TRAITS.assign(waiters=["sleep"] * 4)
        self.assertEqual(lr.choose_locks(frame, sleeping).set_index("workload")
                         .loc["over", "least_cpu_per_op"], "a")

    def test_load_runs_reads_the_processors_and_the_holders_needs(self):
        d = tempfile.mkdtemp()
        doc = document([run("a", 2, 1, 1e6, workload="minifilter")])
        doc["context"]["pus"] = 2
        doc["config"] = {"workload": {"name": "minifilter", "holder_may_block": True}}
        with open(os.path.join(d, "m.json"), "w") as f:
            json.dump(doc, f)
        with open(os.path.join(d, "old.json"), "w") as f:  # before either was recorded
            json.dump(document([run("a", 2, 1, 1e6)]), f)
        df = lr.load_runs(d).set_index("workload")
        self.assertEqual(df.loc["minifilter", "pus"], 2)
        self.assertTrue(df.loc["minifilter", "holder_may_block"])
        self.assertTrue(pd.isna(df.loc["read-mostly", "pus"]))
        self.assertFalse(df.loc["read-mostly", "holder_may_block"])

    def test_load_runs_marks_runs_with_more_threads_than_free_processors(self):
        d = tempfile.mkdtemp()
        runs = [run("a", 2, 1, 1e6, workload="idle"), run("a", 4, 1, 1e6, workload="four"),
                run("a", 2, 1, 1e6, workload="busy")]
        runs[0]["cost"] = {"other_load": 0.1}   # 0.2 of 4 processors busy: 4 free
        runs[2]["cost"] = {"other_load": 0.75}  # 3 of 4 busy: 1 free, 2 threads
        doc = document(runs)
        doc["context"]["pus"] = 4
        with open(os.path.join(d, "m.json"), "w") as f:
            json.dump(doc, f)
        with open(os.path.join(d, "old.json"), "w") as f:  # no pus: nothing to judge by
            json.dump(document([run("a", 64, 1, 1e6, workload="unknown")]), f)
        df = lr.load_runs(d).set_index("workload")
        self.assertEqual(list(df.loc[["idle", "four", "busy"], "free_pus"]), [4, 4, 1])
        self.assertEqual(list(df.loc[["idle", "four", "busy", "unknown"], "oversubscribed"]),
                         [False, False, True, False])
        over = run("a", 8, 1, 1e6, workload="eight")
        doc = document([over])
        doc["context"]["pus"] = 4
        with open(os.path.join(d, "m.json"), "w") as f:
            json.dump(doc, f)
        self.assertTrue(lr.load_runs(d).set_index("workload").loc["eight", "oversubscribed"])

    def test_no_closed_loop_run_gives_an_empty_table(self):
        frame = pd.DataFrame([scored("a", arrival_rate=1e5)])
        self.assertTrue(lr.choose_locks(frame, self.TRAITS).empty)
        self.assertIn("trade_off", lr.choose_locks(frame, self.TRAITS).columns)

    def test_loaded_result_files_feed_the_table(self):
        """From a result file as lockbench writes it: the exclusive-only run's warning, and a
        writer-only workload's shared latency counted 0 (so NaN, not 0 ns)."""
        d = tempfile.mkdtemp()
        mutex = run("mutex", 2, 1, 2e6, workload="writer-storm")
        mutex["warnings"] = [RAN_EXCLUSIVE_WARNING]
        mutex["latency_ns"]["shared"]["count"] = 0
        rw = run("a", 2, 1, 4e6, workload="writer-storm")
        rw["latency_ns"]["shared"]["count"] = 0
        with open(os.path.join(d, "writer-storm.json"), "w") as f:
            json.dump(document([rw, mutex]), f)
        row = lr.choose_locks(lr.load_runs(d), self.TRAITS).iloc[0]
        self.assertEqual(row["best_throughput"], "a")
        self.assertEqual(row["best_shared_p99"], "-")
        self.assertEqual(row["best_exclusive_p99"], "a = mutex")


class SelectAndMeasureTest(unittest.TestCase):
    def test_select_keeps_the_wanted_order_and_names_the_missing(self):
        present, missing = lr.select_locks(
            ["push_lock", "cache_aware_push_lock", "eresource", "critical_section"],
            ["eresource", "shared_mutex", "push_lock"])
        self.assertEqual(present, ["push_lock", "eresource"])
        self.assertEqual(missing, ["cache_aware_push_lock", "critical_section"])

    def test_windows_locks_include_the_names_still_being_added(self):
        for name in ("push_lock", "eresource", "srwlock", "fast_mutex", "guarded_mutex",
                     "ex_spin_lock", "queued_spin_lock", "cache_aware_push_lock",
                     "critical_section"):
            self.assertIn(name, lr.WINDOWS_LOCKS)
        self.assertNotIn("shared_mutex", lr.WINDOWS_LOCKS)

    def test_measure_presets_runs_each_preset_and_keeps_non_recursive_locks_off_recursive(self):
        d = tempfile.mkdtemp()
        log = os.path.join(d, "calls")
        fake = os.path.join(d, "lockbench")
        with open(fake, "w") as f:  # records its arguments, writes its --out
            f.write(f'#!/bin/sh\necho "$*" >> {log}\nfor a; do out=$a; done\n: > "$out"\n')
        os.chmod(fake, 0o755)
        catalog = {"locks": traits(push_lock=(8, True), eresource=(104, True)),
                   "workloads": ["read-mostly", "recursive"]}
        catalog["locks"].loc[1, "recursion"] = "full"
        out = os.path.join(d, "out")
        left = lr.measure_presets(["push_lock", "eresource"], catalog, out,
                                  ["--duration", "100ms"], binary=fake)
        self.assertEqual(left, {"recursive": ["push_lock"]})
        with open(log) as f:
            calls = f.read().splitlines()
        self.assertEqual(calls, [
            f"run --workload read-mostly --lock push_lock,eresource --duration 100ms "
            f"--out {out}/read-mostly.json",
            f"run --workload recursive --lock eresource --duration 100ms "
            f"--out {out}/recursive.json"])
        self.assertEqual(sorted(os.listdir(out)), ["read-mostly.json", "recursive.json"])

    def test_measure_presets_runs_workload_files_by_their_stem(self):
        d = tempfile.mkdtemp()
        log = os.path.join(d, "calls")
        fake = os.path.join(d, "lockbench")
        with open(fake, "w") as f:
            f.write(f'#!/bin/sh\necho "$*" >> {log}\nfor a; do out=$a; done\n: > "$out"\n')
        os.chmod(fake, 0o755)
        recorded = os.path.join(d, "recorded")
        os.makedirs(recorded)
        for name in ("sysbench.json", "db_bench.json", "notes.txt"):
            open(os.path.join(recorded, name), "w").close()
        files = lr.workload_files(recorded)
        self.assertEqual([os.path.basename(f) for f in files], ["db_bench.json", "sysbench.json"])
        self.assertEqual(lr.workload_files(files[0]), [files[0]])
        with self.assertRaises(FileNotFoundError):
            lr.workload_files(os.path.join(d, "missing"))
        with self.assertRaises(FileNotFoundError):
            lr.workload_files(tempfile.mkdtemp())
        catalog = {"locks": traits(push_lock=(8, True)), "workloads": ["read-mostly"]}
        out = os.path.join(d, "out")
        lr.measure_presets(["push_lock"], catalog, out, binary=fake, workloads=files)
        with open(log) as f:
            calls = f.read().splitlines()
        self.assertEqual(calls, [f"run --workload {files[0]} --lock push_lock --out {out}/db_bench.json",
                                 f"run --workload {files[1]} --lock push_lock --out {out}/sysbench.json"])

    def test_sweep_fits_load_and_plot_with_the_fitted_curve(self):
        d = tempfile.mkdtemp()
        runs = []
        for n in (1, 2, 4, 8, 16):
            for lock in ("push_lock", "eresource"):
                runs.append({"lock": lock, "workload": "balanced", "threads": n,
                             "repetition": 1, "status": "ok", "placement": "spread",
                             "throughput_ops_per_s": lr.usl_throughput(1e6, 0.1, 0.004, n)})
        fits = [{"workload": "balanced", "lock": "push_lock", "placement": "spread",
                 "fitted": True, "why_not": None, "lambda_ops_per_s": 1e6, "sigma": 0.1,
                 "kappa": 0.004},
                {"workload": "balanced", "lock": "eresource", "placement": "spread",
                 "fitted": False, "why_not": "too few points: 3 thread counts not "
                 "oversubscribed, a fit needs 4"}]
        path = os.path.join(d, "sweep.json")
        with open(path, "w") as f:
            json.dump({"context": {"pus": 4}, "config": {}, "runs": runs, "sweep_fits": fits}, f)
        loaded = lr.load_sweep_fits(path)
        self.assertEqual(list(loaded["lock"]), ["push_lock", "eresource"])
        self.assertAlmostEqual(lr.usl_throughput(1e6, 0.1, 0.004, 1), 1e6)
        fig = lr.plot_sweep_fits(lr.load_runs(path), loaded)
        ax = fig.axes[0]
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        self.assertEqual(labels, ["eresource (no fit: too few points: 3 thread counts not "
                                  "oversubscribed, a fit needs 4)",
                                  "push_lock (sigma 0.100, kappa 0.004)"])
        curve = [line for line in ax.get_lines() if len(line.get_xdata()) == 101]
        self.assertEqual(len(curve), 1)
        self.assertAlmostEqual(curve[0].get_ydata()[-1], lr.usl_throughput(1e6, 0.1, 0.004, 16) / 1e6)
        hollow = [c for c in ax.collections if len(c.get_offsets()) and
                  not len(c.get_facecolors())]
        self.assertEqual(sum(len(c.get_offsets()) for c in hollow), 4)  # 8 and 16 threads, 2 locks
        plain = os.path.join(d, "plain.json")
        with open(plain, "w") as f:
            json.dump({"context": {"pus": 4}, "config": {}, "runs": runs}, f)
        self.assertTrue(lr.load_sweep_fits(plain).empty)
        no_fit = lr.plot_sweep_fits(lr.load_runs(plain), lr.load_sweep_fits(plain))
        self.assertEqual(len(no_fit.axes[0].get_legend().get_texts()), 2)


def trace_event(ph, name, tid, ts, **fields):
    e = {"ph": ph, "name": name, "pid": 1, "tid": tid, "ts": ts}
    e.update(fields)
    return e


def span(tid, kind, mode, start, end, bypass=None, instance=0):
    """A wait or hold X event as `lockbench run --timeline` writes it."""
    args = {"mode": mode, "instance": instance}
    if kind == "hold":
        args.update(bypass=bypass, tried=False, requested_ns=0, granted_ns=int(start * 1e3),
                    released_ns=int(end * 1e3))
    return trace_event("X", f"{kind} {mode}", tid, start, cat=kind, dur=end - start, args=args)


def timeline_doc():
    """Three tracks (thread 2 logged nothing), three acquisitions, two hand-off arrows: thread 0
    re-taking the lock, then thread 0 handing it to thread 1."""
    label = "lockbench push_lock, writer-storm, 3 threads, repetition 1"
    meta = [trace_event("M", "process_name", 0, 0, args={"name": label}),
            trace_event("M", "thread_name", 0, 0, args={"name": "thread 0 writer @ PU 1"}),
            trace_event("M", "thread_sort_index", 0, 0, args={"sort_index": 0}),
            trace_event("M", "thread_name", 1, 0, args={"name": "thread 1 reader unpinned"}),
            trace_event("M", "thread_name", 2, 0, args={"name": "thread 2 reader @ PU 3"})]
    spans = [span(0, "wait", "exclusive", 0.0, 1.0), span(0, "hold", "exclusive", 1.0, 3.0, 0),
             span(0, "wait", "exclusive", 3.0, 4.0), span(0, "hold", "exclusive", 4.0, 6.0),
             span(1, "wait", "shared", 2.0, 6.0), span(1, "hold", "shared", 6.0, 8.0, 1)]
    arrows = [trace_event("s", "hand-off", 0, 2.999, cat="handoff", id=0),
              trace_event("f", "hand-off", 0, 4.001, cat="handoff", id=0, bp="e"),
              trace_event("s", "hand-off", 0, 5.999, cat="handoff", id=1),
              trace_event("f", "hand-off", 1, 6.001, cat="handoff", id=1, bp="e")]
    other = {"lockbench_timeline": 1, "lock": "push_lock", "workload": "writer-storm",
             "threads": 3, "repetition": 1, "hand_offs": 2, "cross_thread_hand_offs": 0.5}
    return {"displayTimeUnit": "ns", "otherData": other,
            "traceEvents": meta + spans + [trace_event("i", "arrival", 1, 1.5, s="t")] + arrows}


def lane_centres(ax):
    """The y centre of every bar broken_barh drew on `ax`, with whether its bars are hatched."""
    out = []
    for c in ax.collections:
        if c.__class__.__name__ == "LineCollection":
            continue
        for path in c.get_paths():
            ys = path.vertices[:, 1]
            out.append(((ys.min() + ys.max()) / 2, bool(c.get_hatch())))
    return out


class TimelineTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.path = os.path.join(self.dir, "t.json")
        with open(self.path, "w") as f:
            json.dump(timeline_doc(), f)

    def test_load_timeline_reads_spans_tracks_and_arrows(self):
        df = lr.load_timeline(self.path)
        self.assertEqual(list(df.columns), lr.TIMELINE_COLUMNS)
        self.assertEqual(len(df), 6)
        self.assertEqual(df["kind"].value_counts().to_dict(), {"wait": 3, "hold": 3})
        self.assertEqual(df.attrs["threads"], [0, 1, 2])
        self.assertEqual(sorted(df["thread"].unique()), [0, 1])
        by_thread = df.groupby("thread").first()
        self.assertEqual(list(by_thread["role"]), ["writer", "reader"])
        self.assertEqual(by_thread.loc[0, "pu"], 1)
        self.assertTrue(pd.isna(by_thread.loc[1, "pu"]))
        holds = df[df["kind"] == "hold"]
        self.assertEqual(list(holds["start_us"]), [1.0, 4.0, 6.0])
        self.assertEqual(list(holds["end_us"]), [3.0, 6.0, 8.0])
        self.assertEqual(list(holds["mode"]), ["exclusive", "exclusive", "shared"])
        self.assertEqual(holds["bypass"].isna().tolist(), [False, True, False])
        arrows = df.attrs["arrows"]
        self.assertEqual(list(arrows.columns), lr.ARROW_COLUMNS)
        self.assertEqual(list(zip(arrows["from_thread"], arrows["to_thread"])), [(0, 0), (0, 1)])
        self.assertEqual(df.attrs["run"]["lock"], "push_lock")
        self.assertEqual(lr.timeline_title(df), "push_lock, writer-storm, 3 threads: 3 holds, "
                         "50.0% of 2 hand-offs to another thread")

    def test_load_timeline_refuses_a_result_file(self):
        other = os.path.join(self.dir, "result.json")
        with open(other, "w") as f:
            json.dump({"runs": []}, f)
        with self.assertRaisesRegex(ValueError, "not a lockbench timeline file"):
            lr.load_timeline(other)

    def test_plot_timeline_draws_one_lane_per_thread(self):
        df = lr.load_timeline(self.path)
        fig, ax = lr.plt.subplots()
        lane = lr.plot_timeline(ax, df, "t")
        self.assertEqual(lane, {0: 0, 1: 1, 2: 2})
        self.assertEqual(len(ax.get_yticks()), 3)
        self.assertEqual([t.get_text() for t in ax.get_yticklabels()],
                         ["thread 0 (writer)", "thread 1 (reader)", "thread 2"])
        bars = lane_centres(ax)
        self.assertEqual(len(bars), 6)  # one bar per span
        self.assertEqual(sorted({y for y, _ in bars}), [0.0, 1.0])  # thread 2 has none
        self.assertEqual(sum(hatched for _, hatched in bars), 3)  # the waits
        lines = [c for c in ax.collections if c.__class__.__name__ == "LineCollection"]
        self.assertEqual([len(c.get_segments()) for c in lines], [1])  # to another thread only
        lr.plt.close(fig)
        fig, ax = lr.plt.subplots()
        lr.plot_timeline(ax, df, window_us=(3.5, 5.0), arrows="all")
        self.assertEqual(len(lane_centres(ax)), 3)  # the spans reaching into the window
        self.assertEqual(ax.get_xlim(), (3.5, 5.0))
        lines = [c for c in ax.collections if c.__class__.__name__ == "LineCollection"]
        self.assertEqual([len(c.get_segments()) for c in lines], [1])  # the re-take at 3-4 us
        lr.plt.close(fig)

    def test_side_by_side_draws_one_plot_per_file(self):
        second = os.path.join(self.dir, "u.json")
        doc = timeline_doc()
        doc["otherData"]["lock"] = "eresource"
        with open(second, "w") as f:
            json.dump(doc, f)
        fig = lr.plot_timelines_side_by_side([self.path, second])
        self.assertEqual([ax.get_title().split(",")[0] for ax in fig.axes],
                         ["push_lock", "eresource"])
        lr.plt.close(fig)


if __name__ == "__main__":
    unittest.main()
