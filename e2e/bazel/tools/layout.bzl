"""oci_layout_fixture: a deterministic OCI image layout as a tree artifact.

Runs the project's fixture builder (`src/testing/cli.ts make-layout`) with the
Node binary in LOCALREGISTRY_NODE (set by run.sh via --action_env), the way
rules_oci's oci_image produces a layout directory.
"""

_KINDS = ["image", "index", "nested", "docker", "rules-oci"]

def _fixture_cli(files):
    for f in files:
        if f.short_path.endswith("src/testing/cli.ts"):
            return f
    fail("src/testing/cli.ts is not in @rules_localregistry//:sources")

def _oci_layout_fixture_impl(ctx):
    out = ctx.actions.declare_directory(ctx.label.name)
    sources = ctx.attr._sources[DefaultInfo].files
    cli = _fixture_cli(sources.to_list())
    args = ctx.actions.args()
    args.add(out.path)
    args.add(cli.path)
    args.add("make-layout")
    args.add("--kind", ctx.attr.kind)
    args.add("--out", out.path)
    if ctx.attr.image_name:
        args.add("--name", ctx.attr.image_name)
    ctx.actions.run_shell(
        inputs = sources,
        outputs = [out],
        # Bazel creates the (empty) tree artifact directory; the builder wants to create it.
        command = 'out="$1"; shift; rmdir "$out" 2>/dev/null || true; ' +
                  'exec "${LOCALREGISTRY_NODE:?set LOCALREGISTRY_NODE with --action_env to a Node 24 binary}" "$@" >/dev/null',
        arguments = [args],
        use_default_shell_env = True,
        mnemonic = "OciLayoutFixture",
        progress_message = "Writing %s OCI layout %s" % (ctx.attr.kind, ctx.label),
    )
    return [DefaultInfo(
        files = depset([out]),
        # Like rules_oci on Bazel 7.1+, which puts blobs in runfiles outside the tree artifact.
        runfiles = ctx.runfiles(files = ctx.files.data),
    )]

oci_layout_fixture = rule(
    implementation = _oci_layout_fixture_impl,
    doc = "A deterministic OCI image layout directory from the project's fixture builder.",
    attrs = {
        "kind": attr.string(
            mandatory = True,
            values = _KINDS,
            doc = "Layout kind: image, index (multi-arch), nested (index of indexes), docker (Docker media types) or rules-oci (as rules_oci writes it).",
        ),
        "image_name": attr.string(
            doc = "Passed as --name: varies the content so that layouts of the same kind differ.",
        ),
        "data": attr.label_list(
            allow_files = True,
            doc = "Files for the target's default runfiles (not in the layout), to check that localregistry_manifest forwards image runfiles.",
        ),
        "_sources": attr.label(
            default = "@rules_localregistry//:sources",
            doc = "The TypeScript sources, which include the fixture builder.",
        ),
    },
)
