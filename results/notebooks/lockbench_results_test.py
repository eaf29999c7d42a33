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


def latency(count, p50, p99):
    return {"count": count, "min": p50, "p50": p50, "p90": p99, "p99": p99, "p999": p99,
            "max": p99 * 2, "mean": p50, "stddev": 0, "buckets": []}


def run(lock, threads, rep, throughput, status="ok", run_lengths=None, exclusive_count=4,
        workload="read-mostly"):
    ops = int(throughput / 10)  # a 100 ms window
    per = [ops // threads] * threads
    per[0] += ops - sum(per)
    return {
        "lock": lock, "workload": workload, "threads": threads, "repetition": rep,
        "placement": "compact", "status": status, "status_detail": "", "duration_s": 0.1,
        "ops": ops, "shared_ops": ops - 10, "exclusive_ops": 10,
        "throughput_ops_per_s": throughput,
        "latency_ns": {"shared": latency(8, 40, 900),
                       "exclusive": latency(exclusive_count, 60, 2000)},
        "fairness": {"jain_index": 0.9, "starved": False},
        "handoff": {"grants": 10, "reacquire_rate": 0.5, "mean_run": 2.0, "longest_run": 3,
                    "run_lengths": run_lengths if run_lengths is not None else {"1": 4, "3": 2}},
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

    def test_run_length_histogram_sums_over_repetitions(self):
        h = lr.run_length_histogram(lr.load_runs(self.a))
        row = h[(h["lock"] == "push_lock") & (h["threads"] == 2) & (h["run_length"] == 3)]
        self.assertEqual(row["runs"].iloc[0], 4)      # 2 runs in each of 2 repetitions
        self.assertEqual(row["grants"].iloc[0], 12)
        self.assertEqual(sorted(h["run_length"].unique()), [1, 3])

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
        fig = lr.plot_run_length_histogram(df)
        self.assertEqual(len(fig.axes[0].lines), 2)
        self.assertEqual(fig.axes[0].get_xscale(), "log")
        out = os.path.join(self.dir, "plot.png")
        fig.savefig(out)
        self.assertGreater(os.path.getsize(out), 1000)

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


if __name__ == "__main__":
    unittest.main()
