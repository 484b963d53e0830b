"""`localregistry_node_toolchain`: a Node binary for the runtime, as a toolchain."""

NODE_TOOLCHAIN_TYPE = Label("//toolchains:node")

_DOC = """Declares a Node 24 binary as the Node that runs the localregistry runtime.

`localregistry_register_toolchains()` (WORKSPACE) and the `node` module
extension (bzlmod) declare one per platform from a pinned download. Declare
your own to use a Node that your build already has, e.g. a rules_nodejs
toolchain's binary or a checked-in one, and register a `toolchain()` for it
ahead of the default:

```starlark
load("@rules_localregistry//rules:defs.bzl", "localregistry_node_toolchain")

localregistry_node_toolchain(
    name = "my_node",
    node = "@nodejs_linux_amd64//:node_bin",   # or a file in your repository
)

toolchain(
    name = "my_node_toolchain",
    toolchain = ":my_node",
    toolchain_type = "@rules_localregistry//toolchains:node",
    target_compatible_with = ["@platforms//os:linux", "@platforms//cpu:x86_64"],
)
```

The binary runs where the test runs (the target platform), so the
`toolchain()` constrains `target_compatible_with`."""

def _localregistry_node_toolchain_impl(ctx):
    node = ctx.executable.node
    runfiles = ctx.attr.node[DefaultInfo].default_runfiles
    files = depset([node], transitive = [runfiles.files] if runfiles else [])
    return [platform_common.ToolchainInfo(
        node = node,
        files = files,
        runfiles = ctx.runfiles(transitive_files = files),
    )]

localregistry_node_toolchain = rule(
    implementation = _localregistry_node_toolchain_impl,
    doc = _DOC,
    attrs = {
        "node": attr.label(
            mandatory = True,
            executable = True,
            allow_single_file = True,
            cfg = "target",
            doc = "The Node binary (Node 24 or newer): a file, or an executable target whose executable is `node`.",
        ),
    },
)
