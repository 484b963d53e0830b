"""Analysis tests of localregistry_test and localregistry_serve."""

load("@bazel_skylib//lib:unittest.bzl", "analysistest", "asserts")

# The tests register a Node toolchain of their own (a stand-in file), so that
# analysis needs no download.
_FAKE_NODE = {"//command_line_option:extra_toolchains": str(Label("//rules/tests:fake_node_toolchain"))}

def _runfiles(target):
    return [f.short_path for f in target[DefaultInfo].default_runfiles.files.to_list()]

def _wrapper_test_impl(ctx):
    env = analysistest.begin(ctx)
    target = analysistest.target_under_test(env)
    executable = target[DefaultInfo].files_to_run.executable
    asserts.equals(env, "registry_test", executable.basename, "the launcher is the target's executable")
    runfiles = _runfiles(target)
    for want in [
        "rules/tests/registry_test",  # the launcher
        "rules/tests/testdata/fake_node",  # Node, from the toolchain
        "runtime/localregistry.mjs",  # the runtime
        "runtime/vendor/undici.cjs",  # and what it loads when it runs the pull client
        "rules/tests/manifest.prototxt",  # the manifest and its layouts
        "rules/tests/testdata/layout",
        "rules/tests/inner.sh",  # the wrapped test and its runfiles
        "rules/tests/testdata/inner_data.txt",
        "rules/tests/testdata/wrapper_data.txt",  # data
    ]:
        asserts.true(env, want in runfiles, "%s is not in the runfiles:\n  %s" % (want, "\n  ".join(runfiles)))

    writes = [a for a in analysistest.target_actions(env) if a.mnemonic == "TemplateExpand"]
    asserts.equals(env, 1, len(writes), "one launcher script")
    script = writes[0].content
    for line in [
        "readonly MODE='test'",
        "readonly WHO='localregistry_test //rules/tests:registry_test'",
        "readonly NODE_PATH='%s/rules/tests/testdata/fake_node'" % ctx.workspace_name,
        "readonly TEST_PATH='%s/rules/tests/inner'" % ctx.workspace_name,
    ]:
        asserts.true(env, line in script, "the launcher lacks %r" % line)
    return analysistest.end(env)

wrapper_test = analysistest.make(_wrapper_test_impl, config_settings = _FAKE_NODE)

def _serve_test_impl(ctx):
    env = analysistest.begin(ctx)
    target = analysistest.target_under_test(env)
    runfiles = _runfiles(target)
    for want in ["rules/tests/testdata/fake_node", "runtime/localregistry.mjs", "runtime/vendor/undici.cjs", "rules/tests/manifest.prototxt", "rules/tests/testdata/layout"]:
        asserts.true(env, want in runfiles, "%s is not in the runfiles of serve" % want)
    script = [a for a in analysistest.target_actions(env) if a.mnemonic == "TemplateExpand"][0].content
    asserts.true(env, "readonly MODE='serve'" in script, "serve's launcher is in serve mode")
    return analysistest.end(env)

serve_test = analysistest.make(_serve_test_impl, config_settings = _FAKE_NODE)
