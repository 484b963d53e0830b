"""Unit tests of the Node archives the toolchain repositories download."""

load("@bazel_skylib//lib:unittest.bzl", "asserts", "unittest")
load(
    "//rules/private:node_repositories.bzl",
    "DEFAULT_NODE_URLS",
    "DEFAULT_NODE_VERSION",
    "NODE_ARCHIVES",
    "PLATFORMS",
    "node_archives",
)

def _pinned_test_impl(ctx):
    env = unittest.begin(ctx)
    asserts.equals(env, "24", DEFAULT_NODE_VERSION.split(".")[0], "the default Node is a Node 24")
    asserts.equals(env, sorted(PLATFORMS.keys()), sorted(NODE_ARCHIVES[DEFAULT_NODE_VERSION].keys()), "every platform has a pinned archive")
    archives = node_archives(DEFAULT_NODE_VERSION, DEFAULT_NODE_URLS, {})
    linux = archives["linux_amd64"]
    asserts.equals(env, ["https://nodejs.org/dist/v24.15.0/node-v24.15.0-linux-x64.tar.xz"], linux.urls)
    asserts.equals(env, "node-v24.15.0-linux-x64", linux.strip_prefix)
    asserts.equals(env, "472655581fb851559730c48763e0c9d3bc25975c59d518003fc0849d3e4ba0f6", linux.sha256)
    asserts.equals(env, "node-v24.15.0-darwin-arm64", archives["darwin_arm64"].strip_prefix)
    for platform, archive in archives.items():
        asserts.equals(env, 64, len(archive.sha256), "sha256 of %s" % platform)
    return unittest.end(env)

pinned_test = unittest.make(_pinned_test_impl)

def _overrides_test_impl(ctx):
    env = unittest.begin(ctx)
    mirrors = ["https://mirror.example/a/v{version}/{filename}", "file:///m/{filename}"]
    archives = node_archives(DEFAULT_NODE_VERSION, mirrors, {
        "linux_arm64": ["file:///x/node.tgz", "ab" * 32, "package"],
    })
    asserts.equals(
        env,
        ["https://mirror.example/a/v24.15.0/node-v24.15.0-darwin-x64.tar.gz", "file:///m/node-v24.15.0-darwin-x64.tar.gz"],
        archives["darwin_amd64"].urls,
        "node_urls templates, in order",
    )
    asserts.equals(env, (["file:///x/node.tgz"], "ab" * 32, "package"), (
        archives["linux_arm64"].urls,
        archives["linux_arm64"].sha256,
        archives["linux_arm64"].strip_prefix,
    ), "a node_repositories entry replaces the platform's archive")

    # An unpinned version: only the platforms given exist.
    only = node_archives("24.99.0", DEFAULT_NODE_URLS, {"linux_amd64": ["file:///n.tgz", "cd" * 32, ""]})
    asserts.equals(env, ["linux_amd64"], only.keys())
    return unittest.end(env)

overrides_test = unittest.make(_overrides_test_impl)

def node_repositories_test_suite(name):
    """The unit tests of node_repositories.bzl, as one test_suite.

    Args:
      name: the test_suite's name.
    """
    unittest.suite(name, pinned_test, overrides_test)
