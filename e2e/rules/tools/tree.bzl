"""tree_artifact: a copy of a source directory as a tree artifact (like rules_oci's oci_image output)."""

def _tree_artifact_impl(ctx):
    out = ctx.actions.declare_directory(ctx.label.name)
    ctx.actions.run_shell(
        inputs = [ctx.file.src],
        outputs = [out],
        command = 'cp -R "$1/." "$2/"',
        arguments = [ctx.file.src.path, out.path],
        mnemonic = "TreeArtifact",
    )
    return [DefaultInfo(files = depset([out]))]

tree_artifact = rule(
    implementation = _tree_artifact_impl,
    attrs = {"src": attr.label(mandatory = True, allow_single_file = True)},
)
