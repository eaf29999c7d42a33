"""The self-contained tarball (docs/running_elsewhere.md, "the bundle").

bundled_cc_binary re-links a cc_binary already declared in the same BUILD file for the bundle,
with the same sources, deps and flags (read with native.existing_rule, so a dep added to the
original reaches the bundle without a second list to keep in step), plus:
  - the system libraries Debian ships as static archives (abseil, hwloc) linked statically: they
    are listed first as archives, and --as-needed then drops the shared copies the deps'
    linkopts name, since nothing is left for them to resolve;
  - a run path of $ORIGIN/../lib (DT_RPATH, which also serves the libraries' own dependencies),
    where lockbench_bundle puts the shared libraries that have no static archive (oneTBB,
    libudev).

lockbench_bundle writes <name>/lockbench-VERSION-linux-ARCH.tar.gz (a directory, because the
file name comes from the tree: VERSION from tool/context.cc's ToolVersion(), ARCH from the
binary's ELF header) with tool/packaging/make_bundle.sh.
"""

load("@rules_cc//cc:defs.bzl", "cc_binary")

# Archives from libabsl-dev (abseil's synchronization, in pkg-config's link order) and
# libhwloc-dev, and what libhwloc.a needs beside them (pkg-config --static --libs hwloc).
BUNDLE_STATIC_LINKOPTS = [
    "-Wl,--start-group",
] + ["-l:libabsl_%s.a" % lib for lib in [
    "synchronization",
    "graphcycles_internal",
    "stacktrace",
    "symbolize",
    "debugging_internal",
    "demangle_internal",
    "malloc_internal",
    "time",
    "civil_time",
    "strings",
    "strings_internal",
    "base",
    "spinlock_wait",
    "int128",
    "throw_delegate",
    "raw_logging_internal",
    "log_severity",
    "time_zone",
]] + [
    "-l:libhwloc.a",
    "-Wl,--end-group",
    # libudev has no static archive, and no libudev.so without libudev-dev: name the runtime file.
    "-l:libudev.so.1",
    "-lm",
    # From here on, a shared library goes into the binary only if it resolves a symbol.
    "-Wl,--as-needed",
]

# $$ escapes Bazel's make-variable expansion; the linker gets $ORIGIN literally.
BUNDLE_RPATH_LINKOPTS = [
    "-Wl,--disable-new-dtags",
    "-Wl,-rpath,$$ORIGIN/../lib",
]

# The attributes of the original cc_binary that a re-link keeps.
_COPIED = [
    "srcs",
    "deps",
    "copts",
    "defines",
    "local_defines",
    "includes",
    "linkshared",
    "linkstatic",
    "additional_linker_inputs",
    "features",
    "malloc",
]

def bundled_cc_binary(name, of, static_system_libs = True):
    """Declares cc_binary `name`: the cc_binary `of` (same package, declared before) re-linked
    for the bundle. static_system_libs = False keeps the shared system libraries (for a shared
    object: Debian's archives are compiled for executables, not with -fPIC)."""
    original = native.existing_rule(of)
    if original == None:
        fail("bundled_cc_binary: no target '%s' declared before '%s'" % (of, name))
    kwargs = {}
    for attr in _COPIED:
        value = original.get(attr)
        if type(value) == "tuple":
            value = list(value)  # existing_rule gives lists as tuples
        if value != None and value != [] and value != "":
            kwargs[attr] = value
    extra = (BUNDLE_STATIC_LINKOPTS if static_system_libs else []) + BUNDLE_RPATH_LINKOPTS
    cc_binary(
        name = name,
        linkopts = extra + list(original.get("linkopts", [])),
        tags = ["bundle"],
        **kwargs
    )

def _lockbench_bundle_impl(ctx):
    out = ctx.actions.declare_directory(ctx.label.name)
    args = ctx.actions.args()
    args.add("--out", out.path)
    args.add("--binary", ctx.executable.binary.path)
    args.add("--version-source", ctx.file.version_source.path)
    args.add("--status", ctx.info_file.path)
    inputs = [ctx.executable.binary, ctx.file.version_source, ctx.info_file]
    for target, dest in ctx.attr.files.items():
        for f in target.files.to_list():
            # A destination ending in / takes the file under its own name.
            path = dest + f.basename if dest.endswith("/") else dest
            args.add("--file", f.path + "=" + path)
            inputs.append(f)
    ctx.actions.run(
        executable = ctx.executable._make_bundle,
        arguments = [args],
        inputs = inputs,
        outputs = [out],
        mnemonic = "LockbenchBundle",
        progress_message = "Bundling %s" % ctx.label,
        # It reads the target's system libraries (/usr/lib/<triplet>) and runs readelf and tar.
        use_default_shell_env = True,
    )
    return [DefaultInfo(files = depset([out]), runfiles = ctx.runfiles(files = [out]))]

lockbench_bundle = rule(
    implementation = _lockbench_bundle_impl,
    doc = "The bundle tarball, in a directory named after the target.",
    attrs = {
        "binary": attr.label(
            executable = True,
            cfg = "target",
            mandatory = True,
            doc = "bin/lockbench: a bundled_cc_binary",
        ),
        "files": attr.label_keyed_string_dict(
            allow_files = True,
            doc = "Each file's path in the bundle; a path ending in / keeps the file's name",
        ),
        "version_source": attr.label(
            allow_single_file = True,
            mandatory = True,
            doc = "The source that defines ToolVersion()",
        ),
        "_make_bundle": attr.label(
            default = "//tool:packaging/make_bundle.sh",
            executable = True,
            cfg = "exec",
            allow_single_file = True,
        ),
    },
)
