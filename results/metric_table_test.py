#!/usr/bin/env python3
"""Every row of lockbench's metric table appears in a real result file, in the schema, among
`compare --metric`'s accepted values, and among the notebook loader's columns.

The table is what the binary lists (`lockbench list --format json`), and the schema's x-metrics
must equal it. Usage: metric_table_test.py LOCKBENCH_BINARY RESULT_SCHEMA_JSON
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

LOCKBENCH = os.path.abspath(sys.argv[1])
SCHEMA_PATH = os.path.abspath(sys.argv[2])
sys.path.insert(0, os.path.join(os.path.dirname(SCHEMA_PATH), "notebooks"))
os.environ.setdefault("MPLCONFIGDIR", tempfile.mkdtemp())

import lockbench_results as lr  # noqa: E402

with open(SCHEMA_PATH) as f:
    SCHEMA = json.load(f)
METRICS = json.loads(subprocess.run([LOCKBENCH, "list", "--format", "json"], check=True,
                                    capture_output=True, text=True).stdout)["metrics"]


def at(obj, dotted):
    for key in dotted.split("."):
        if not isinstance(obj, dict) or key not in obj:
            return None
        obj = obj[key]
    return obj


def schema_nodes(node, key):
    """The sub-schemas that may describe property `key` of `node` ($ref, allOf, oneOf)."""
    out = []
    if "$ref" in node:
        target = SCHEMA
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        out += schema_nodes(target, key)
    if key in node.get("properties", {}):
        out.append(node["properties"][key])
    for combinator in ("allOf", "oneOf", "anyOf"):
        for alternative in node.get(combinator, []):
            out += schema_nodes(alternative, key)
    return out


def schema_allows_number(dotted):
    level = [SCHEMA["$defs"]["run"]]
    for key in dotted.split("."):
        level = [n for node in level for n in schema_nodes(node, key)]
    while level:
        leaf = level.pop()
        if "$ref" in leaf:
            level.append(at(SCHEMA, leaf["$ref"][2:].replace("/", ".")))
            continue
        if leaf.get("type") in ("number", "integer"):
            return True
        level += leaf.get("oneOf", []) + leaf.get("anyOf", [])  # a nullable number
    return False


class MetricTableTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        # Both modes, contention and every acquisition timed: every closed-loop metric has a
        # value. The open-loop rows exist only in open-loop runs: a second run at a fixed rate.
        cls.result, cls.run_doc = cls.measure("run.json", ["--latency-sample", "1"])
        cls.open_result, cls.open_doc = cls.measure("open.json", ["--arrival-rate", "100k/s"])

    @classmethod
    def measure(cls, name, extra):
        """Runs eresource on the balanced workload at 2 threads for 200 ms with `extra` flags;
        returns the result file's path and its one run."""
        path = os.path.join(cls.tmp, name)
        subprocess.run([LOCKBENCH, "run", "--lock", "eresource", "--workload", "balanced",
                        "--threads", "2", "--duration", "200ms", "--repetitions", "1",
                        "--out", path] + extra, check=True, stdout=subprocess.DEVNULL)
        with open(path) as f:
            return path, json.load(f)["runs"][0]

    @classmethod
    def source(cls, m):
        """The result file and run that carry metric `m`: the closed-loop one where it has a
        number there, else the open-loop one."""
        if isinstance(at(cls.run_doc, m["path"]), (int, float)):
            return cls.result, cls.run_doc
        return cls.open_result, cls.open_doc

    def test_closed_loop_runs_have_no_open_loop_values(self):
        self.assertIsNone(self.run_doc["open_loop"])
        self.assertIsNotNone(self.open_doc["open_loop"])
        for m in METRICS:
            if m["path"].startswith("open_loop."):
                self.assertIsNone(at(self.run_doc, m["path"]), m["name"])

    def test_the_table_is_not_empty(self):
        self.assertGreaterEqual(len(METRICS), 9)
        self.assertEqual(METRICS[0]["name"], "throughput")

    def test_every_metric_has_a_number_in_a_real_result_file(self):
        for m in METRICS:
            with self.subTest(metric=m["name"]):
                _, run = self.source(m)
                value = at(run, m["path"])
                self.assertIsInstance(value, (int, float), m["path"])
                if m["counted_by"]:
                    self.assertGreater(at(run, m["counted_by"]), 0, m["counted_by"])

    def test_every_metric_is_described_by_the_schema(self):
        self.assertEqual(SCHEMA["x-metrics"], METRICS)
        for m in METRICS:
            with self.subTest(metric=m["name"]):
                self.assertTrue(schema_allows_number(m["path"]), m["path"])
                self.assertIn(m["better"], ("higher", "lower"))
                self.assertTrue(m["meaning"])

    def test_compare_accepts_every_metric(self):
        names = ",".join(m["name"] for m in METRICS)
        for path in (self.result, self.open_result):
            out = subprocess.run([LOCKBENCH, "compare", path, path, "--metric", names,
                                  "--format", "json"], capture_output=True, text=True)
            self.assertEqual(out.returncode, 0, out.stderr)
            report = json.loads(out.stdout)
            self.assertEqual(report["metrics"], [m["name"] for m in METRICS])
            compared = {c["metric"]: c for c in report["comparisons"]}
            for m in METRICS:
                if self.source(m)[0] != path:
                    continue
                with self.subTest(metric=m["name"]):
                    self.assertIn(m["name"], compared)
                    self.assertNotEqual(compared[m["name"]]["verdict"], "no_data")
                    self.assertEqual(compared[m["name"]]["higher_is_better"],
                                     m["better"] == "higher")
        bad = subprocess.run([LOCKBENCH, "compare", self.result, self.result, "--metric",
                              "no_such_metric"], capture_output=True, text=True)
        self.assertEqual(bad.returncode, 2)
        for m in METRICS:
            self.assertIn(m["name"], bad.stderr)  # the message lists what is allowed

    def test_the_notebook_loader_has_a_column_per_metric(self):
        for m in METRICS:
            path, run = self.source(m)
            df = lr.load_runs([path])
            with self.subTest(metric=m["name"]):
                self.assertIn(m["name"], df.columns)
                self.assertAlmostEqual(float(df[m["name"]].iloc[0]), float(at(run, m["path"])))
        self.assertEqual([m["name"] for m in lr.METRICS], [m["name"] for m in METRICS])


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
