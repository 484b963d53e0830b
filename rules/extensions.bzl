"""bzlmod module extension `node`: the Node that runs the localregistry runtime.

rules_localregistry's own MODULE.bazel uses it with the defaults and registers
`@localregistry_node_toolchains//:all`, so users need nothing. The root
module may replace the defaults with one `node.toolchain` tag (tags of other modules are ignored):

```starlark
node = use_extension("@rules_localregistry//rules:extensions.bzl", "node")
node.toolchain(
    node_urls = ["https://mirror.example/node/v{version}/{filename}"],
    # or, per platform, a full archive: [url, sha256, strip_prefix]
    node_repositories = {"linux_amd64": ["file:///opt/node-v24.15.0-linux-x64.tar.xz", "472655...", "node-v24.15.0-linux-x64"]},
)
```
"""

load(
    "//rules/private:node_repositories.bzl",
    "DEFAULT_NODE_URLS",
    "DEFAULT_NODE_VERSION",
    "NODE_REPOSITORIES_DOC",
    "declare_node_repositories",
)

_REPOSITORY_PREFIX = "localregistry_node"

_toolchain = tag_class(
    doc = "How to download Node; only the root module's tag counts (without one: the pinned Node " + DEFAULT_NODE_VERSION + " from nodejs.org).",
    attrs = {
        "node_version": attr.string(
            default = DEFAULT_NODE_VERSION,
            doc = "The Node version; pinned checksums exist for " + DEFAULT_NODE_VERSION + " (other versions: give every platform in node_repositories).",
        ),
        "node_urls": attr.string_list(
            default = DEFAULT_NODE_URLS,
            doc = "URL templates of the archives, tried in order; `{version}` and `{filename}` are substituted.",
        ),
        "node_repositories": attr.string_list_dict(doc = NODE_REPOSITORIES_DOC),
    },
)

def _node_impl(mctx):
    node_version, node_urls, node_repositories = DEFAULT_NODE_VERSION, DEFAULT_NODE_URLS, {}
    for module in mctx.modules:
        # Only the root module decides; other modules' tags are ignored, so
        # that a library cannot pin the Node of every build that uses it.
        tags = module.tags.toolchain if module.is_root else []
        if not tags:
            continue
        if len(tags) > 1:
            fail("node.toolchain: at most one tag, got %d" % len(tags))
        node_version, node_urls, node_repositories = tags[0].node_version, tags[0].node_urls, tags[0].node_repositories
    declare_node_repositories(_REPOSITORY_PREFIX, node_version, node_urls, node_repositories)

node = module_extension(
    implementation = _node_impl,
    doc = "Declares `@localregistry_node_toolchains` (one toolchain per platform) and a Node repository per platform.",
    tag_classes = {"toolchain": _toolchain},
)
