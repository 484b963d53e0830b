"""`localregistry_test`, `localregistry_serve` and the `//:localregistry` CLI.

All three generate one launcher script (launcher/launcher.sh.tpl) that finds
the Node of the toolchain and the runtime through the runfiles; they differ in
its mode and in what they add to the runfiles.
"""

load(":labels.bzl", "display_label")
load(":manifest.bzl", "LocalRegistryImagesInfo")
load(":runfiles.bzl", "rlocation_path")
load(":toolchain.bzl", "NODE_TOOLCHAIN_TYPE")

_COMMON_ATTRS = {
    "_launcher": attr.label(
        default = Label("//rules/private/launcher:launcher.sh.tpl"),
        allow_single_file = True,
    ),
    "_runtime": attr.label(
        default = Label("//:runtime"),
        allow_single_file = True,
        cfg = "target",
    ),
}

_MANIFEST_DOC = "The `localregistry_manifest` whose images to serve."

def _quote(s):
    return "'" + s.replace("'", "'\\''") + "'"

def _launcher(ctx, mode, kind, manifest = None, test = None, extra_runfiles = []):
    """Writes the launcher of `mode` and returns its DefaultInfo.

    Args:
      ctx: the rule context.
      mode: "cli", "serve" or "test" (see launcher.sh.tpl).
      kind: the rule name, for messages.
      manifest: the localregistry_manifest target, or None.
      test: the wrapped test target, or None.
      extra_runfiles: further runfiles (e.g. of `data`).

    Returns:
      DefaultInfo with the launcher as executable and everything it runs in its runfiles.
    """
    node = ctx.toolchains[NODE_TOOLCHAIN_TYPE]
    runtime = ctx.file._runtime
    launcher = ctx.actions.declare_file(ctx.label.name)
    test_executable = test[DefaultInfo].files_to_run.executable if test else None
    ctx.actions.expand_template(
        template = ctx.file._launcher,
        output = launcher,
        is_executable = True,
        substitutions = {
            "%MODE%": _quote(mode),
            "%WHO%": _quote("%s %s" % (kind, display_label(ctx.label))),
            "%NODE%": _quote(rlocation_path(ctx, node.node)),
            "%RUNTIME%": _quote(rlocation_path(ctx, runtime)),
            "%MANIFEST%": _quote(rlocation_path(ctx, manifest[LocalRegistryImagesInfo].manifest) if manifest else ""),
            "%TEST%": _quote(rlocation_path(ctx, test_executable) if test_executable else ""),
        },
    )
    runfiles = ctx.runfiles(files = [launcher, runtime])
    runfiles = runfiles.merge(ctx.attr._runtime[DefaultInfo].default_runfiles).merge(node.runfiles)
    for target in ([manifest] if manifest else []) + ([test] if test else []):
        runfiles = runfiles.merge(target[DefaultInfo].default_runfiles)
    for r in extra_runfiles:
        runfiles = runfiles.merge(r)
    return DefaultInfo(executable = launcher, files = depset([launcher]), runfiles = runfiles)

def _localregistry_test_impl(ctx):
    data_runfiles = [ctx.runfiles(files = ctx.files.data)] + [
        d[DefaultInfo].default_runfiles
        for d in ctx.attr.data
    ]
    targets = ctx.attr.data + [ctx.attr.test, ctx.attr.manifest]
    env = {k: ctx.expand_location(v, targets) for k, v in ctx.attr.env.items()}
    return [
        _launcher(ctx, "test", "localregistry_test", manifest = ctx.attr.manifest, test = ctx.attr.test, extra_runfiles = data_runfiles),
        testing.TestEnvironment(env),
    ]

localregistry_test = rule(
    implementation = _localregistry_test_impl,
    test = True,
    doc = """Runs a test with a registry that serves the images of a `localregistry_manifest`.

Wraps any test executable (`sh_test`, `py_test`, `go_test`, `js_test`, ...):
starts the registry on `127.0.0.1` (a free port) from the manifest, runs the
test with

- `LOCALREGISTRY_URL`: `http://127.0.0.1:PORT`,
- `LOCALREGISTRY_HOST`: `127.0.0.1:PORT` (for image references such as
  `$LOCALREGISTRY_HOST/app:latest`),

then stops the registry and exits with the test's exit status. The test runs
with the runfiles of the test, the manifest (every layout) and `data` merged,
in the working directory and environment Bazel gives tests, so it behaves as
it would alone. If the registry cannot start (e.g. a layout is invalid), the
test fails at once with the registry's error. The registry's request log is
`localregistry.log` in the test's undeclared outputs
(`bazel-testlogs/<package>/<name>/test.outputs/`).

Node comes from the `@rules_localregistry//toolchains:node` toolchain.

Common test attributes (`size`, `timeout`, `flaky`, `tags`, `shard_count`,
`local`, `args`, ...) apply to the wrapper; `args` are passed to the test.
The wrapped test's own `args` and `env` are not seen by Bazel through the
wrapper: give them here. Mark the wrapped test `tags = ["manual"]` so that
`bazel test //...` does not also run it alone, without a registry.

```starlark
load("@rules_shell//shell:sh_test.bzl", "sh_test")

sh_test(
    name = "pull_test_inner",
    srcs = ["pull_test.sh"],   # skopeo inspect docker://$LOCALREGISTRY_HOST/app:latest
    tags = ["manual"],
)

localregistry_test(
    name = "pull_test",
    test = ":pull_test_inner",
    manifest = ":test_images",
    size = "small",
)
```""",
    attrs = dict(_COMMON_ATTRS, **{
        "test": attr.label(
            mandatory = True,
            executable = True,
            cfg = "target",
            doc = "The test to run: any executable target, usually a `*_test` tagged `manual`.",
        ),
        "manifest": attr.label(
            mandatory = True,
            providers = [LocalRegistryImagesInfo],
            doc = _MANIFEST_DOC,
        ),
        "data": attr.label_list(
            allow_files = True,
            doc = "Further files for the test's runfiles.",
        ),
        "env": attr.string_dict(
            doc = "Environment of the test; `$(location)`/`$(rootpath)` of `data`, `test` and `manifest` are expanded. `LOCALREGISTRY_URL` and `LOCALREGISTRY_HOST` are set by the wrapper.",
        ),
    }),
    toolchains = [str(NODE_TOOLCHAIN_TYPE)],
)

def _localregistry_serve_impl(ctx):
    return [_launcher(ctx, "serve", "localregistry_serve", manifest = ctx.attr.manifest)]

localregistry_serve = rule(
    implementation = _localregistry_serve_impl,
    executable = True,
    doc = """`bazel run` target that serves the images of a `localregistry_manifest` until Ctrl-C.

```starlark
localregistry_serve(
    name = "serve",
    manifest = ":test_images",
)
```

`bazel run //pkg:serve` prints the URL on stdout (by default
`http://127.0.0.1:5000`) and, on stderr, the images it serves and how to
pull them with common clients (right for the flags given: `--tls`,
`--listen`). Any `localregistry serve` flag may follow `--`, e.g.
`bazel run //pkg:serve -- --listen 127.0.0.1:0 --log-requests`; relative paths
in them are relative to the directory `bazel run` was started from.
Ctrl-C (SIGINT) or SIGTERM stops the registry.""",
    attrs = dict(_COMMON_ATTRS, **{
        "manifest": attr.label(
            mandatory = True,
            providers = [LocalRegistryImagesInfo],
            doc = _MANIFEST_DOC,
        ),
    }),
    toolchains = [str(NODE_TOOLCHAIN_TYPE)],
)

def _localregistry_cli_impl(ctx):
    return [_launcher(ctx, "cli", "localregistry")]

localregistry_cli = rule(
    implementation = _localregistry_cli_impl,
    executable = True,
    doc = """The `localregistry` CLI (`serve`, `pull`, `help`) run by the Node of the toolchain.

rules_localregistry declares it as `@rules_localregistry//:localregistry`:
`bazel run @rules_localregistry//:localregistry -- help`, or in a test's
`data` with `$(rlocationpath @rules_localregistry//:localregistry)`.""",
    attrs = _COMMON_ATTRS,
    toolchains = [str(NODE_TOOLCHAIN_TYPE)],
)
