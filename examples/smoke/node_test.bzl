"""node_test: a Node test run by the Node of rules_localregistry's toolchain.

What a user writes to run their own Node test with the same Node the runtime
uses: no Node from PATH, nothing outside the runfiles. `files` maps labels to
environment variables that hold their absolute runfiles paths.
"""

_NODE_TOOLCHAIN = "@rules_localregistry//toolchains:node"

def _rlocation(ctx, file):
    # short_path is "../repo/path" for other repositories, "path" for this one.
    if file.short_path.startswith("../"):
        return file.short_path[3:]
    return ctx.workspace_name + "/" + file.short_path

def _node_test_impl(ctx):
    node = ctx.toolchains[_NODE_TOOLCHAIN]
    exports = []
    runfiles = ctx.runfiles(files = [ctx.file.src]).merge(node.runfiles)
    for target, name in ctx.attr.files.items():
        files = target[DefaultInfo].files.to_list()
        if len(files) != 1:
            fail("files: %s has %d files, expected one" % (target.label, len(files)))
        exports.append('export %s="$r/%s"' % (name, _rlocation(ctx, files[0])))
        runfiles = runfiles.merge(ctx.runfiles(files = files)).merge(target[DefaultInfo].default_runfiles)
    launcher = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.write(
        output = launcher,
        is_executable = True,
        content = "\n".join([
            "#!/bin/sh",
            "set -eu",
            'r="${RUNFILES_DIR:-${TEST_SRCDIR:?neither RUNFILES_DIR nor TEST_SRCDIR is set}}"',
        ] + exports + [
            'exec "$r/%s" "$r/%s" "$@"' % (_rlocation(ctx, node.node), _rlocation(ctx, ctx.file.src)),
            "",
        ]),
    )
    return [DefaultInfo(executable = launcher, runfiles = runfiles)]

node_test = rule(
    implementation = _node_test_impl,
    test = True,
    toolchains = [_NODE_TOOLCHAIN],
    doc = "Runs `src` with the Node of rules_localregistry's toolchain.",
    attrs = {
        "src": attr.label(allow_single_file = [".mjs", ".js"], mandatory = True, doc = "The test script."),
        "files": attr.label_keyed_string_dict(allow_files = True, doc = "{label: ENV_NAME}: the label's one file, as an absolute runfiles path in ENV_NAME."),
    },
)
