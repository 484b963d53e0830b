"""Analysis tests of localregistry_manifest: providers, manifest text, runfiles, errors."""

load("@bazel_skylib//lib:unittest.bzl", "analysistest", "asserts")
load("//rules/private:manifest.bzl", "LocalRegistryImagesInfo")

def _tree_layout_impl(ctx):
    out = ctx.actions.declare_directory(ctx.label.name)
    ctx.actions.run_shell(outputs = [out], command = 'touch "$1/index.json"', arguments = [out.path])
    return [DefaultInfo(files = depset([out]))]

# A tree artifact, as rules_oci's oci_image outputs a layout.
tree_layout = rule(implementation = _tree_layout_impl)

def _manifest_test_impl(ctx):
    env = analysistest.begin(ctx)
    target = analysistest.target_under_test(env)
    info = target[LocalRegistryImagesInfo]
    source = "%s/rules/tests/testdata/layout" % ctx.workspace_name
    tree = "%s/rules/tests/tree_layout" % ctx.workspace_name

    asserts.equals(
        env,
        [
            ("app:latest", "app", "latest", source),
            ("app:2", "app", "2", source),
            ("app:3", "app", "3", source),
            ("tree/app", "tree/app", "", tree),
        ],
        [(i.key, i.repository, i.tag, "%s/%s" % (ctx.workspace_name, i.layout.short_path)) for i in info.images],
        "LocalRegistryImagesInfo.images (one target under three spellings, and a tree artifact)",
    )
    asserts.equals(env, [info.manifest], target[DefaultInfo].files.to_list())
    asserts.equals(env, "manifest.prototxt", info.manifest.basename)

    writes = [a for a in analysistest.target_actions(env) if a.mnemonic == "FileWrite"]
    asserts.equals(env, 1, len(writes), "one FileWrite action (the manifest)")
    content = writes[0].content
    for path, repository, tag in [(source, "app", "latest"), (source, "app", "2"), (tree, "tree/app", "")]:
        # proto.encode_text writes fields in name order.
        entry = 'images {\n  path: "%s"\n  repository: "%s"\n  tag: "%s"\n}' % (path, repository, tag)
        asserts.true(env, entry in content, "the manifest lacks\n%s\nin\n%s" % (entry, content))

    runfiles = [f.short_path for f in target[DefaultInfo].default_runfiles.files.to_list()]
    for want in ["rules/tests/manifest.prototxt", "rules/tests/testdata/layout", "rules/tests/tree_layout"]:
        asserts.true(env, want in runfiles, "%s is not in the runfiles %s" % (want, runfiles))
    return analysistest.end(env)

manifest_test = analysistest.make(_manifest_test_impl)

def _failure_test_impl(ctx):
    env = analysistest.begin(ctx)
    asserts.expect_failure(env, ctx.attr.message)
    return analysistest.end(env)

failure_test = analysistest.make(
    _failure_test_impl,
    expect_failure = True,
    attrs = {"message": attr.string(mandatory = True, doc = "A substring of the expected error.")},
)
