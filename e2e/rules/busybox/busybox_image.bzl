"""busybox_image: a runnable OCI image layout of a static busybox, built with the rules' Node toolchain."""

# What the image prints when run as is (its command), for the tests that run it.
GREETING = "hello from a Bazel-built busybox"

_NODE_TOOLCHAIN = "@rules_localregistry//toolchains:node"

def _busybox_image_impl(ctx):
    node = ctx.toolchains[_NODE_TOOLCHAIN]
    out = ctx.actions.declare_directory(ctx.label.name)
    ctx.actions.run(
        executable = node.node,
        tools = node.files,
        inputs = [ctx.file._writer, ctx.file.busybox],
        outputs = [out],
        arguments = [
            ctx.file._writer.path,
            out.path,
            ctx.file.busybox.path,
            json.encode({"entrypoint": ctx.attr.entrypoint, "cmd": ctx.attr.cmd}),
        ],
        mnemonic = "BusyboxImage",
        progress_message = "Writing the OCI layout %s" % ctx.label,
    )
    return [DefaultInfo(files = depset([out]))]

busybox_image = rule(
    implementation = _busybox_image_impl,
    doc = "An OCI image layout (a tree artifact) whose one layer holds `busybox` as /bin/busybox.",
    attrs = {
        "busybox": attr.label(mandatory = True, allow_single_file = True, doc = "A statically linked busybox."),
        "entrypoint": attr.string_list(default = ["/bin/busybox"]),
        "cmd": attr.string_list(),
        "_writer": attr.label(default = Label("//busybox:write_layout.ts"), allow_single_file = True),
    },
    toolchains = [_NODE_TOOLCHAIN],
)
