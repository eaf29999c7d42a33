"""fuzz_replay_test: a fuzz target built as an ordinary test that replays its seed corpus and
past crash inputs, so `bazel test //...` catches regressions without libFuzzer."""

load("@rules_cc//cc:defs.bzl", "cc_test")
load("//bazel:copts.bzl", "LOCKBENCH_COPTS", "LOCKBENCH_LINKOPTS")

def fuzz_replay_test(name, fuzzer, corpus, deps):
    """A cc_test of `fuzzer` fed every file of fuzz/corpus/<corpus> and fuzz/crashes/<corpus>."""
    inputs = name + "_inputs"
    native.filegroup(
        name = inputs,
        srcs = native.glob([
            "fuzz/corpus/%s/*" % corpus,
            "fuzz/crashes/%s/*" % corpus,
        ]),
    )
    cc_test(
        name = name,
        size = "small",
        srcs = [fuzzer],
        args = ["$(locations :%s)" % inputs],
        copts = LOCKBENCH_COPTS,
        data = [":" + inputs],
        linkopts = LOCKBENCH_LINKOPTS,
        deps = deps + ["//bazel:fuzz_replay_main"],
    )
