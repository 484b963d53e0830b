"""oci_layout: an OCI image layout directory (a tree artifact) from the files of one.

Stands in for rules_oci's oci_image: the layout files are written by the e2e
harness (e2e/consumer/run.sh) under layouts/<name>/, and this copies them into
a declared directory, so the manifest gets a tree artifact made by an action,
as it does from rules_oci.
"""

def _oci_layout_impl(ctx):
    out = ctx.actions.declare_directory(ctx.label.name)
    prefix = "/".join([p for p in [ctx.label.package, "layouts", ctx.label.name] if p]) + "/"
    args = ctx.actions.args()
    args.add(out.path)
    for f in ctx.files.srcs:
        if not f.short_path.startswith(prefix):
            fail("%s is not under %s" % (f.short_path, prefix))
        args.add(f.path)
        args.add(f.short_path[len(prefix):])
    ctx.actions.run_shell(
        inputs = ctx.files.srcs,
        outputs = [out],
        command = 'out="$1"; shift; while [ "$#" -gt 0 ]; do mkdir -p "$out/$(dirname "$2")" && cp "$1" "$out/$2" || exit 1; shift 2; done',
        arguments = [args],
        mnemonic = "OciLayout",
        progress_message = "Writing OCI layout %s" % ctx.label,
    )
    return [DefaultInfo(files = depset([out]))]

oci_layout = rule(
    implementation = _oci_layout_impl,
    doc = "An OCI image layout directory from the files under layouts/<name>/.",
    attrs = {
        "srcs": attr.label_list(allow_files = True, mandatory = True, doc = "The layout's files."),
    },
)
