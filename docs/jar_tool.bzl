"""jar_tool: runs a prebuilt jar's main class with the Java runtime toolchain.

Stardoc's own renderer is a java_binary, which needs the Java compile
toolchain (java_tools, a download); this runs the same prebuilt jar with the
Java runtime alone (e.g. --java_runtime_version=local_jdk), so the docs build
offline.
"""

load("@bazel_skylib//lib:paths.bzl", "paths")

def _rlocation_path(ctx, file):
    # As Bazel's java_binary launcher spells it: "../repo/path" (another repository's
    # short_path) normalizes to "repo/path", and this repository's files get its name.
    # (//rules/private:runfiles.bzl has the rules' own, which only //rules may load.)
    return paths.normalize(ctx.workspace_name + "/" + file.short_path)

def _jar_tool_impl(ctx):
    java = ctx.toolchains["@bazel_tools//tools/jdk:runtime_toolchain_type"].java_runtime
    java_bin = [f for f in java.files.to_list() if f.path.endswith("/bin/java")]
    if not java_bin:
        fail("the Java runtime %s has no bin/java" % java.java_home)
    script = ctx.actions.declare_file(ctx.label.name)
    ctx.actions.write(
        output = script,
        is_executable = True,
        # A tool's inputs are its runfiles, next to it.
        content = '#!/usr/bin/env bash\nr="$0.runfiles"\nexec "$r/%s" -cp "$r/%s" %s "$@"\n' % (
            _rlocation_path(ctx, java_bin[0]),
            _rlocation_path(ctx, ctx.file.jar),
            ctx.attr.main_class,
        ),
    )
    return [DefaultInfo(
        executable = script,
        runfiles = ctx.runfiles(files = [ctx.file.jar], transitive_files = java.files),
    )]

jar_tool = rule(
    implementation = _jar_tool_impl,
    executable = True,
    attrs = {
        "jar": attr.label(mandatory = True, allow_single_file = [".jar"]),
        "main_class": attr.string(mandatory = True),
    },
    toolchains = ["@bazel_tools//tools/jdk:runtime_toolchain_type"],
)
