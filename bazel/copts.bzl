"""Compiler flags for every lockbench target, in one place."""

LOCKBENCH_COPTS = [
    "-std=c++20",
    "-Wall",
    "-Wextra",
    "-Wno-unused-parameter",
    "-pthread",
]

LOCKBENCH_LINKOPTS = ["-pthread"]

# Tests and benchmarks get the same flags; kept separate so either can grow its own.
LOCKBENCH_TEST_COPTS = LOCKBENCH_COPTS
