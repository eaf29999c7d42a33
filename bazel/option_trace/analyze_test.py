#!/usr/bin/env python3
"""Known answers for the option trace's rule (analyze.py)."""
import unittest

import analyze


def entries(*pairs):
    return [(signature, "/build/execroot/" + path) for signature, path in pairs]


class TraceRuleTest(unittest.TestCase):
    def test_counts_a_return_to_a_file_already_left(self):
        stops = analyze.trace(entries(
            ("lockbench::Main(lockbench::RunOptions)", "tool/main.cc"),  # before START
            ("lockbench::RunCommand(lockbench::RunOptions const&)", "tool/commands.cc"),
            ("lockbench::PlanRun(lockbench::RunOptions const&)", "tool/plan/run_plan.cc"),
            ("lockbench::Helper(int)", "tool/plan/run_plan.cc"),  # carries no option type
            ("lockbench::RunSweep(lockbench::RunPlan const&)", "tool/commands.cc"),
            ("lockbench::RunOne(lockbench::RunPlan const&)", "tool/commands.cc"),
            ("std::sort(lockbench::RunPlan*)", "/usr/include/c++/12/bits/stl_algo.h"),
        ), "RunCommand", ["RunOptions", "RunPlan"])
        self.assertEqual([f for _, f in stops],
                         ["tool/commands.cc", "tool/plan/run_plan.cc", "tool/commands.cc",
                          "tool/commands.cc"])
        self.assertEqual(analyze.climbs(stops), 1)

    def test_one_stop_per_template_and_none_for_lambdas_or_special_members(self):
        stops = analyze.trace(entries(
            ("lockbench::Go(lockbench::EngineConfig const&)", "workloads/a.cc"),
            ("R lockbench::RunLock<lockbench::PushLock>(lockbench::EngineConfig const&)",
             "workloads/drive.h"),
            ("R lockbench::RunLock<lockbench::EResource>(lockbench::EngineConfig const&)",
             "workloads/drive.h"),
            ("lockbench::RunLock<X>(lockbench::EngineConfig const&)::{lambda(int)#1}::operator()"
             "(int) const", "workloads/drive.h"),
            ("lockbench::(anonymous namespace)::Run::Run(lockbench::EngineConfig const&)",
             "workloads/drive.cc"),
            ("lockbench::Watch(lockbench::EngineConfig const&)", "workloads/a.cc"),
        ), "Go", ["EngineConfig"])
        self.assertEqual([analyze.short(s) for s, _ in stops],
                         ["Go(EngineConfig const&)", "R RunLock(EngineConfig const&)",
                          "Watch(EngineConfig const&)"])
        self.assertEqual(analyze.climbs(stops), 1)

    def test_operators_keep_their_name(self):
        self.assertEqual(analyze.without_templates("f<int>(operator<<(a))"), "f(operator<<(a))")


if __name__ == "__main__":
    unittest.main()
