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

def _launcher(ctx, mode, kind, manifest = None, test = None, extra_runfiles = [], serve_flags = [], ca_out = False, client_config = False):
    """Writes the launcher of `mode` and returns its DefaultInfo.

    Args:
      ctx: the rule context.
      mode: "cli", "serve" or "test" (see launcher.sh.tpl).
      kind: the rule name, for messages.
      manifest: the localregistry_manifest target, or None.
      test: the wrapped test target, or None.
      extra_runfiles: further runfiles (e.g. of `data`).
      serve_flags: `serve` flags of the test's registry (mode "test").
      ca_out: whether the test gets the generated CA (LOCALREGISTRY_CA_FILE).
      client_config: whether the test gets client configuration (LOCALREGISTRY_CLIENT_CONFIG).

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
            "%SERVE_FLAGS%": " ".join([_quote(f) for f in serve_flags]),
            "%CA_OUT%": _quote("1" if ca_out else ""),
            "%CLIENT_CONFIG%": _quote("1" if client_config else ""),
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
    launcher = _launcher(
        ctx,
        "test",
        "localregistry_test",
        manifest = ctx.attr.manifest,
        test = ctx.attr.test,
        extra_runfiles = data_runfiles,
        serve_flags = _test_serve_flags(ctx.attr),
        ca_out = ctx.attr.tls,
        client_config = bool(ctx.attr.mirror_for),
    )
    return [launcher, testing.TestEnvironment(env)]

def _test_serve_flags(attr):
    """The `serve` flags of localregistry_test's attributes; `serve` checks how they combine."""
    flags = ["--listen", attr.listen]
    if attr.tls:
        flags.append("--tls")
    for name in attr.hostnames:
        flags += ["--hostname", name]
    for host in attr.mirror_for:
        flags += ["--mirror-for", host]
    if attr.advertise:
        flags += ["--advertise", attr.advertise]
    return flags

localregistry_test = rule(
    implementation = _localregistry_test_impl,
    test = True,
    doc = """Runs a test with a registry that serves the images of a `localregistry_manifest`.

Wraps any test executable (`sh_test`, `py_test`, `go_test`, `js_test`, ...):
starts the registry on `127.0.0.1` (a free port) from the manifest, runs the
test with

- `LOCALREGISTRY_URL`: `http://127.0.0.1:PORT` (`https://` with `tls`),
- `LOCALREGISTRY_HOST`: `127.0.0.1:PORT` (for image references such as
  `$LOCALREGISTRY_HOST/app:latest`),
- with `tls`, `LOCALREGISTRY_CA_FILE`: the CA made for the run (PEM),
- with `mirror_for`, `LOCALREGISTRY_CLIENT_CONFIG`: a directory of
  configuration that makes container runtimes pull those hosts' images from
  the registry (`serve --client-config`),

then stops the registry and exits with the test's exit status. The test runs
with the runfiles of the test, the manifest (every layout) and `data` merged,
in the working directory and environment Bazel gives tests (exactly: only the
`LOCALREGISTRY_*` variables above are added), so it behaves as it would alone; SIGTERM and
SIGINT to the wrapper are passed on to it. If the registry cannot start (e.g. a
layout is invalid), the test fails at once with the registry's error; if it
exits during the test, the test fails too. The registry stops when the
wrapper ends, even a SIGKILLed one. The registry's request log is
`localregistry.log` in the test's undeclared outputs
(`bazel-testlogs/<package>/<name>/test.outputs/`).

Node comes from the `@rules_localregistry//toolchains:node` toolchain.

Common test attributes (`size`, `timeout`, `flaky`, `tags`, `shard_count`,
`local`, `args`, ...) apply to the wrapper; `args` are passed to the test.
The wrapped test's own `args` and `env` are not seen by Bazel through the
wrapper: give them here. `listen`, `tls`, `hostnames`, `mirror_for` and
`advertise` are `serve`'s flags for cluster launchers (docs/rules.md, "A
launcher as a Bazel test"); a combination `serve` rejects fails the test at
once with its error. Mark the wrapped test `tags = ["manual"]` so that
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
            doc = "Environment of the test; `$(location)`/`$(rootpath)` of `data`, `test` and `manifest` are expanded. The `LOCALREGISTRY_*` variables are set by the wrapper.",
        ),
        "listen": attr.string(
            default = "127.0.0.1:0",
            doc = "Where the registry listens (`serve --listen`): an address that exists when the test starts; port 0 picks a free port. For a node that reaches this machine another way, keep a loopback address and set `advertise`.",
        ),
        "tls": attr.bool(
            doc = "Serve HTTPS with a certificate issued by a CA made for the run (`serve --tls`); the test gets the CA in `LOCALREGISTRY_CA_FILE` and `https://` in `LOCALREGISTRY_URL`.",
        ),
        "hostnames": attr.string_list(
            doc = "Further DNS names or IP addresses for the certificate (`serve --hostname`), e.g. `registry.test.internal`. Needs `tls`.",
        ),
        "mirror_for": attr.string_list(
            doc = "Registry hosts whose images the nodes pull from here (`serve --mirror-for`), e.g. `docker.io`, `ghcr.io`, `registry.test.internal`: the registry writes containerd, CRI-O/podman/skopeo and Docker configuration for them to the directory in `LOCALREGISTRY_CLIENT_CONFIG` before the test starts.",
        ),
        "advertise": attr.string(
            doc = "`HOST[:PORT]` at which the nodes reach the registry when it is not `listen` (`serve --advertise`): a QEMU guest-forward address, a name in the node's `/etc/hosts`. Written into the client configuration (needs `mirror_for`) and, with `tls`, into the certificate; the port defaults to the one listened on.",
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
